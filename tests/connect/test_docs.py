"""The examples in the docstrings of workbench.connect run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = ["workbench.connect.base", "workbench.connect.regular", "workbench.connect.random",
           "workbench.connect.graphs", "workbench.connect.formatters", "workbench.connect.csr"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"bp": importlib.import_module("workbench")})
    assert result.failed == 0
