"""The examples in the sweep docstrings run and print what they say."""

import doctest

import pytest

import workbench.sweep.api
import workbench.sweep.params
import workbench.sweep.seeding

from ..doctests import modules_with_examples, run_examples


@pytest.mark.parametrize("module, expected", [(workbench.sweep.api, 9), (workbench.sweep.params, 2),
                                              (workbench.sweep.seeding, 1)])
def test_docstring_examples(module, expected):
    run_examples(module, expected, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)


def test_every_module_with_examples_is_run():
    # the package's callable module repeats bp.sweep's docstring, run as workbench.sweep.api
    assert modules_with_examples("workbench.sweep") == {
        "workbench.sweep", "workbench.sweep.api", "workbench.sweep.params", "workbench.sweep.seeding"}
    assert type(workbench.sweep).__call__.__doc__ == workbench.sweep.api.sweep.__doc__
