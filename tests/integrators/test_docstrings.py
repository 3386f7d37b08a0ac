"""The examples in the integrators' docstrings run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = ["codegen", "ode", "sde", "tableaus", "kernels", "signature", "integrator",
           "adaptive", "exponential", "sde_schemes"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"workbench.integrators.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
