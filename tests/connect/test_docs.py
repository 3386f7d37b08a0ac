"""The examples in the docstrings of workbench.connect run and print what they claim."""

import importlib

import pytest

from ..doctests import modules_with_examples, run_examples

# module -> number of examples it must run
EXAMPLES = {"workbench.connect.base": 9, "workbench.connect.regular": 4,
            "workbench.connect.random": 3, "workbench.connect.formatters": 5}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples(name):
    run_examples(name, EXAMPLES[name], extraglobs={"bp": importlib.import_module("workbench")})


def test_every_module_with_examples_is_run():
    assert modules_with_examples("workbench.connect") == set(EXAMPLES)
