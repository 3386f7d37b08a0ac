"""Equilibrium continuation: branch points, and what a continuation that stops says."""

import warnings

import numpy as np
import pytest

import workbench as bp
from workbench.errors import AnalysisWarning, ContinuationWarning

from . import models


def transcritical(x, t, r):
    return r * x - x * x


def pitchfork(x, y, t, r):
    return r * x - x ** 3, -y


def square_root_end(x, t, r):
    # equilibria x = r^2 for r >= 0; df/dx = -1 / (2 sqrt(x)) is infinite where they end
    return r - np.sqrt(x)


def _diagram(func, variables, **kwargs):
    return bp.analysis.Bifurcation(func, target_pars={"r": [-0.5, 0.5]}, target_vars=variables,
                                   numerical_resolution=0.01,
                                   options={"verbose": False, "limit_cycles": False},
                                   **kwargs).compute_bifurcation()


@pytest.mark.parametrize("func, variables", [(transcritical, {"x": [-1, 1]}),
                                             (pitchfork, {"x": [-1, 1], "y": [-1, 1]})])
def test_branch_point_where_two_branches_cross(func, variables):
    diagram = _diagram(func, variables)
    (point,) = diagram.special("branch_point")
    assert point.label == "BP1"
    # r = 0, x = 0 exactly (both normal forms); the branch point is not a fold
    assert abs(point.values["r"]) < 1e-12 and abs(point.values["x"]) < 1e-12
    assert not diagram.special("fold")
    assert len(diagram.branches) == 2
    # the trivial branch x = 0 crosses the box; the other one is x = r (or x = +-sqrt(r))
    assert any(np.all(np.abs(b.values["x"]) < 1e-12) and
               np.ptp(b.values["r"]) == pytest.approx(1.0) for b in diagram.branches)


def test_no_equilibrium_in_the_box_says_so():
    with pytest.warns(AnalysisWarning, match=r"no equilibrium in the box V in \[2, 3\], "
                                            r"w in \[2, 3\] for Iext in \[0, 1\]"):
        diagram = bp.analysis.Bifurcation(models.fhn_with_parameters,
                                          target_pars={"Iext": [0.0, 1.0]},
                                          target_vars={"V": [2, 3], "w": [2, 3]},
                                          numerical_resolution=0.05,
                                          options={"verbose": False}).compute_bifurcation()
    assert diagram.branches == () and "no equilibrium" in diagram.notes[0]


def test_a_continuation_that_stops_says_where_and_keeps_the_branch():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagram = _diagram(square_root_end, {"x": [-1, 1]})
    stops = [str(w.message) for w in caught if issubclass(w.category, ContinuationWarning)]
    assert stops and list(diagram.notes) == list(dict.fromkeys(stops))
    # the message names the parameter value and the last step size
    assert any("continuation stopped at r=" in s and "last accepted step" in s for s in stops)
    # the branch x = r^2 is kept from the box's edge (r = 0.5) down to where it stopped
    (branch,) = diagram.branches
    r, x = branch.values["r"], branch.values["x"]
    assert np.allclose(x, r ** 2, rtol=1e-9, atol=1e-9)      # the corrector tolerance
    assert r.max() == pytest.approx(0.5) and r.min() < 1e-3


def test_a_complete_diagram_has_no_notes():
    with warnings.catch_warnings():
        warnings.simplefilter("error", AnalysisWarning)
        diagram = bp.analysis.Bifurcation(models.fhn_with_parameters,
                                          target_pars={"Iext": [0.0, 2.0]},
                                          target_vars={"V": [-3, 3], "w": [-3, 3]},
                                          numerical_resolution=0.05,
                                          options={"verbose": False, "limit_cycles": False}
                                          ).compute_bifurcation()
    assert diagram.notes == ()
