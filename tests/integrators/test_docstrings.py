"""The examples in the integrators' docstrings run and print what they claim."""

import doctest

import pytest

from ..doctests import modules_with_examples, run_examples

# module -> number of examples it must run
EXAMPLES = {"workbench.integrators.codegen": 3, "workbench.integrators.ode": 8,
            "workbench.integrators.sde": 5}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples(name):
    run_examples(name, EXAMPLES[name], optionflags=doctest.ELLIPSIS)


def test_every_module_with_examples_is_run():
    assert modules_with_examples("workbench.integrators") == set(EXAMPLES)
