"""Run-time inputs: forms, operations, kinds, and errors that name the target's attributes."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError

from .models import Counter, Rebinder


def _recorded_input(backend, inputs, size=3, duration=0.5, op_model=None):
    group = Counter(size, monitors=["count"])
    group.count[:] = 10.
    group.increment = 0.          # the step leaves count alone: only inputs change it
    group.run(duration, inputs=inputs)
    return group.mon.count


@pytest.mark.parametrize("op, expected", [("+", 12.), ("-", 8.), ("*", 20.), ("/", 5.),
                                           ("=", 2.)])
def test_operations_on_a_scalar(backend, op, expected):
    count = _recorded_input(backend, ("count", 2., op), duration=0.1)
    np.testing.assert_array_equal(count[0], [expected] * 3)


def test_vector_and_time_series_values(backend):
    count = _recorded_input(backend, ("count", np.array([1., 2., 3.])), duration=0.2)
    np.testing.assert_array_equal(count[-1], [12., 14., 16.])
    series = np.array([1., 2., 3., 4., 5.])
    count = _recorded_input(backend, ("count", series, "="))
    np.testing.assert_array_equal(count[:, 0], series)
    series2d = np.arange(15.).reshape(5, 3)
    count = _recorded_input(backend, ("count", series2d, "="))
    np.testing.assert_array_equal(count, series2d)


def test_several_inputs_apply_in_order(backend):
    count = _recorded_input(backend, [("count", 2., "*"), ("count", 1., "+")], duration=0.1)
    np.testing.assert_array_equal(count[0], [21.] * 3)


def test_network_input_forms(backend):
    a, b = Counter(2, name="A"), Counter(2, name="B")
    for group in (a, b):
        group.increment = 0.
    net = bp.Network(a, b)
    net.run(0.1, inputs=[(a, "count", 1.), ("B.count", 2.), ["A", "count", 3., "+"]])
    np.testing.assert_array_equal(a.count, [4., 4.])
    np.testing.assert_array_equal(b.count, [2., 2.])


def test_input_errors_name_the_attributes():
    group = Counter(3)
    with pytest.raises(ModelError, match=r"'cnt' is not an attribute of Counter .*; its array "
                                         r"attributes are: 'count', 'last_dt'"):
        group.run(1., inputs=("cnt", 1.))
    with pytest.raises(ModelError, match="'increment' of Counter .* is a float, not a numeric array"):
        group.run(1., inputs=("increment", 1.))
    with pytest.raises(ModelError, match=r"has shape \(4,\); give a number, an array of shape "
                                         r"\(3,\), or a time series of shape \(10,\)"):
        group.run(1., inputs=("count", np.ones(4)))
    with pytest.raises(ModelError, match="operation '%' .* choose one of"):
        group.run(1., inputs=("count", 1., "%"))
    net = bp.Network(group)
    with pytest.raises(ModelError, match="must say which node it targets"):
        net.run(1., inputs=("count", 1.))
    with pytest.raises(ModelError, match="names the node 'Z'"):
        net.run(1., inputs=("Z.count", 1.))


def test_input_on_rebound_attribute_numpy():
    """On numpy the step rebinds attributes; inputs must follow the current array."""
    group = Rebinder(2, monitors=["x"])
    group.run(1., inputs=("input", 1.))
    expected = 1. - (1. - 0.1) ** np.arange(1, 11)
    np.testing.assert_allclose(group.mon.x[:, 0], expected, rtol=1e-12)
