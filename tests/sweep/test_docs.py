"""The examples in the sweep docstrings run and print what they say."""

import doctest

import pytest

import workbench.sweep.api
import workbench.sweep.params
import workbench.sweep.seeding


@pytest.mark.parametrize("module", [workbench.sweep.api, workbench.sweep.params,
                                    workbench.sweep.seeding])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
