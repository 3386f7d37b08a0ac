"""bp.tools.deindent against BrainPy 1.0.2's results."""

import textwrap

import pytest

import workbench as bp
from tests.references import brainpy_compat


@pytest.mark.parametrize("case", brainpy_compat()["deindent"], ids=lambda c: repr(c["text"]))
def test_deindent_equals_brainpy(case):
    arguments = {k: v for k, v in case.items() if k != "result"}
    assert bp.tools.deindent(**arguments) == case["result"]


def test_deindent_agrees_with_textwrap_on_space_indented_code():
    source = """
        def update(self, _t):
            for i in range(self.num):

                self.V[i] += 1.
    """
    assert bp.tools.deindent(source) == textwrap.dedent(source)


@pytest.mark.parametrize("kwargs, match", [
    (dict(text=3), r"`text`=3 must be a string"),
    (dict(text="a", num_tabs=-1), r"`num_tabs`=-1 must be a non-negative int"),
    (dict(text="a", spaces_per_tab=1.5), r"`spaces_per_tab`=1.5 must be a non-negative int"),
])
def test_deindent_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.tools.deindent(**kwargs)
