"""Equilibrium continuation: branch points, and what a continuation that stops says."""

import re
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


class _LineWithSingularBatchJacobian:
    """x' = r - x (branch x = r), whose batched df/dx is not finite for x < -0.3 (as a rate
    with a removable singularity evaluated as 0/0 would be); point-wise values are exact."""
    dim, unknowns, free = 1, ("x",), ("r",)

    def f_point(self, x, p):
        return np.array([p[0] - x[0]])

    def jacobian_point(self, x, p):
        return np.array([[-1.0]])

    def dfdp_point(self, x, p):
        return np.array([[1.0]])

    def jacobian(self, xs, ps):
        x = np.asarray(xs[0], dtype=float)
        return np.where(x >= -0.3, -1.0, np.inf)[:, None, None]


def test_finite_part_keeps_the_finite_run_and_names_the_point_before_it():
    from workbench.analysis.continuation import _finite_part

    x = np.array([-0.5, -0.4, -0.2, 0.0, 0.2])          # the finite run is the last three
    points = np.column_stack([x, x])
    tangents = np.ones_like(points)
    run, run_tangents, dropped = _finite_part(_LineWithSingularBatchJacobian(), points, tangents)
    np.testing.assert_array_equal(run, points[2:])
    assert len(run_tangents) == 3
    np.testing.assert_array_equal(dropped, points[1])    # the last non-finite point before it
    # the run first: the dropped point is the one after it
    run, _, dropped = _finite_part(_LineWithSingularBatchJacobian(), points[::-1], tangents)
    np.testing.assert_array_equal(run, points[2:][::-1])
    np.testing.assert_array_equal(dropped, points[1])


def test_a_branch_cut_where_df_dx_is_not_finite_names_the_first_dropped_point():
    from workbench.analysis.continuation import equilibrium_branches

    stops = []
    ranges = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    ((points, _),) = equilibrium_branches(_LineWithSingularBatchJacobian(), np.array([[0.5, 0.5]]),
                                          ranges, stops=stops)
    assert points[:, 0].min() >= -0.3 and points[:, 0].max() == pytest.approx(1.0, abs=0.03)
    (message,) = [s for s in stops if "not finite" in s]
    # the dropped point is one step (ds_max = 0.03 of the box, 0.06 in x) beyond x = -0.3, on x = r
    r, x = (float(v) for v in re.search(r"at r=(\S+), x=(\S+);", message).groups())
    assert -0.3 - 0.07 < x < -0.3 and r == pytest.approx(x, abs=1e-9)


def test_a_closed_curve_comes_back_with_a_unit_tangent_at_every_point():
    """The circle x^2 + r^2 = 1/4 inside the box [-1, 1]^2: one closed curve, every point on it
    and every tangent the unit vector (-r, x) / |(-r, x)| up to sign (scaled coordinates; the
    box is square, so the scaling does not turn it), the last point and tangent the first."""
    from workbench.analysis.continuation import Continuation

    solver = Continuation(lambda u: np.array([u[0] ** 2 + u[1] ** 2 - 0.25]),
                          lambda u: np.array([[2.0 * u[0], 2.0 * u[1]]]),
                          np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    points, tangents = solver.trace(np.array([0.5, 0.0]))
    assert solver.stops == [] and len(points) > 20 and tangents.shape == points.shape
    np.testing.assert_allclose(np.hypot(points[:, 0], points[:, 1]), 0.5, atol=1e-9)
    exact = np.column_stack([-points[:, 1], points[:, 0]]) / 0.5
    np.testing.assert_allclose(np.abs(np.sum(tangents * exact, axis=1)), 1.0, atol=1e-6)
    np.testing.assert_allclose(points[-1], points[0], atol=1e-12)
    np.testing.assert_allclose(tangents[-1], tangents[0], atol=1e-12)
