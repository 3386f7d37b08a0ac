"""Parameter sets: grids expand like itertools.product, lists stay as given, names are checked."""

import itertools

import numpy as np
import pandas as pd
import pytest

from workbench.sweep import ParameterSets, SweepError, expand_parameter_sets


def test_grid_is_the_cartesian_product_first_name_slowest():
    a, b = [1, 2, 3], np.array([0.5, 1.5])
    sets = expand_parameter_sets({'a': a, 'b': b})
    assert sets == [{'a': x, 'b': y} for x, y in itertools.product(a, b.tolist())]
    assert all(type(s['b']) is float for s in sets)          # numpy scalars become Python numbers


def test_a_single_value_holds_a_parameter_fixed():
    sets = expand_parameter_sets({'E.tau': [5., 10.], 'E.name_tag': 'x', 'E.drive': 2.})
    assert sets == [{'E.tau': 5., 'E.name_tag': 'x', 'E.drive': 2.},
                    {'E.tau': 10., 'E.name_tag': 'x', 'E.drive': 2.}]
    assert ParameterSets({'E.tau': [5., 10.], 'E.drive': 2.}).varied == ['E.tau']


def test_lists_and_dataframes_give_the_sets_as_they_are():
    explicit = [{'a': 1}, {'a': 2, 'b': np.float64(3.)}]
    assert expand_parameter_sets(explicit) == [{'a': 1}, {'a': 2, 'b': 3.}]
    frame = pd.DataFrame({'a': [1, 2], 'b': [0.1, 0.2]})
    assert expand_parameter_sets(frame) == [{'a': 1, 'b': 0.1}, {'a': 2, 'b': 0.2}]
    sets = ParameterSets(explicit)
    assert sets.names == ['a', 'b'] and sets.varied == ['a', 'b']   # b: missing vs 3.0


def test_array_values_are_swept_from_a_list_of_arrays():
    values = [np.zeros(3), np.ones(3)]
    sets = ParameterSets({'E.V_th': values})
    assert len(sets) == 2 and sets.varied == ['E.V_th']
    assert len(sets.values('E.V_th')) == 2


def test_repeats_keep_rows_of_one_set_adjacent():
    sets = ParameterSets({'a': [1, 2]}, repeats=3)
    assert [s['a'] for s in sets.sets] == [1, 1, 1, 2, 2, 2]
    assert sets.repeat == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize("params, match", [
    ({}, "names no parameter"),
    ([], "no parameter set"),
    ({'a': []}, "params\\['a'\\]` is empty"),
    ({'a': np.zeros((2, 2))}, "shape \\(2, 2\\)"),
    ({'a..b': [1]}, "attribute path"),
    ({'E.1x': [1]}, "attribute path"),
    ({'status': [1]}, "column of every sweep table"),
    ([{'a': 1}, 3], "params\\[1\\]`=3 is not a dict"),
    ({'a': {1, 2}}, "is not a list of values"),
    ("a=1", "must be a dict"),
])
def test_bad_parameter_specs_are_refused(params, match):
    with pytest.raises(SweepError, match=match):
        expand_parameter_sets(params)


def test_bad_repeats_are_refused():
    with pytest.raises(SweepError, match="`repeats`=0"):
        ParameterSets({'a': [1]}, repeats=0)
