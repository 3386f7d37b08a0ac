"""The numerical building blocks: brackets, separable scans, contours, continuation."""

import numpy as np
import pytest

from workbench.analysis.contour import zero_contour
from workbench.analysis.continuation import Continuation, hopf_test
from workbench.analysis.roots import (merge_points, refine_brackets, roots_along_grid,
                                      roots_separable)


def test_refine_brackets_reaches_machine_precision():
    a = np.array([0.0, 1.0, -3.0])
    b = np.array([2.0, 2.0, 0.0])
    func = lambda x, k: np.array([np.cos, lambda y: y ** 3 - 3.0, np.tanh])[0](x) if False \
        else np.choose(k, [np.cos(x), x ** 3 - 3.0, np.tanh(x + 1.0)])  # noqa: E731
    roots = refine_brackets(func, a, b, func(a, np.arange(3)), func(b, np.arange(3)))
    assert np.allclose(roots, [np.pi / 2, 3.0 ** (1 / 3), -1.0], rtol=0, atol=1e-14)


def test_separable_scan_equals_full_grid_scan():
    rng = np.random.default_rng(1)
    grid = np.linspace(-3, 3, 601)
    a = grid ** 3 - 2.0 * grid + 0.3 * np.sin(5 * grid)
    b = rng.uniform(-4, 4, size=300)
    b[:3] = [0.0, -a[100], -a[250]]            # zeros exactly on grid nodes

    def func(x, rows):
        return x ** 3 - 2.0 * x + 0.3 * np.sin(5 * x) + b[rows]

    rows_full, roots_full = roots_along_grid(a[None, :] + b[:, None], grid, func, 1e-12)
    rows_fast, roots_fast = roots_separable(a, b, grid, func, 1e-12)
    assert np.array_equal(rows_full, rows_fast)
    assert np.allclose(roots_full, roots_fast, atol=1e-13)
    assert np.max(np.abs(func(roots_fast, rows_fast))) < 1e-12
    assert grid[100] in roots_fast[rows_fast == 1]


def test_merge_points_keeps_one_per_cluster_and_group():
    points = np.array([[0.0, 0.0], [1e-6, 0.0], [0.0, 1.0], [5.0, 5.0], [0.0, 0.0]])
    kept = merge_points(points, 1e-4, group=np.array([0, 0, 0, 0, 1]))
    assert list(kept) == [0, 2, 3, 4]


def test_contour_of_a_circle_is_closed_and_exact():
    x = np.linspace(-2, 2, 41)
    cx, cy = zero_contour(lambda u, v: u * u + v * v - 1.0, x, x)
    assert not np.any(np.isnan(cx))                       # one closed polyline
    assert cx[0] == cx[-1] and cy[0] == cy[-1]
    assert np.max(np.abs(np.hypot(cx, cy) - 1.0)) < 1e-12


def test_contour_separates_branches_with_nan():
    x = np.linspace(-2, 2, 81)
    cx, cy = zero_contour(lambda u, v: (u - 0.03) * (v - 0.02) - 0.01, x, x)   # hyperbola
    assert np.sum(np.isnan(cx)) == 1
    ok = ~np.isnan(cx)
    assert np.max(np.abs((cx[ok] - 0.03) * (cy[ok] - 0.02) - 0.01)) < 1e-12


@pytest.mark.parametrize("c", [1e-4, -1e-4])
def test_contour_resolves_saddle_cells_by_the_centre_value(c):
    """(u - a)(v - b) = c with |c| below the grid's resolution: the cell around the
    saddle has alternating corner signs, and only the value at its centre tells
    which pairs of edges belong together. Each polyline must stay on one branch:
    in the quadrants (+, +) and (-, -) of (u - a, v - b) for c > 0, else the others.
    """
    a, b = 0.05, -0.05               # inside one cell of the 0.1 grid, not on its lines
    x = np.linspace(-1, 1, 21)
    cx, cy = zero_contour(lambda u, v: (u - a) * (v - b) - c, x, x)
    breaks = np.flatnonzero(np.isnan(cx))
    assert breaks.size == 1                                     # two branches
    for part in (slice(0, breaks[0]), slice(breaks[0] + 1, None)):
        du, dv = cx[part] - a, cy[part] - b
        assert np.max(np.abs(du * dv - c)) < 1e-12
        signs = {int(np.sign(u)) for u in du}
        assert len(signs) == 1, "a polyline jumped between the hyperbola's branches"
        assert np.all(np.sign(dv) == (np.sign(du) if c > 0 else -np.sign(du)))


def test_continuation_follows_a_closed_curve():
    solver = Continuation(lambda u: np.array([u[0] ** 2 + u[1] ** 2 - 1.0]),
                          lambda u: np.array([[2 * u[0], 2 * u[1]]]),
                          np.array([-2.0, -2.0]), np.array([2.0, 2.0]))
    points, tangents = solver.trace(np.array([1.0, 0.0]))
    radius = np.hypot(points[:, 0], points[:, 1])
    assert np.max(np.abs(radius - 1.0)) < 1e-9
    angles = np.unwrap(np.arctan2(points[:, 1], points[:, 0]))
    assert abs(abs(angles[-1] - angles[0]) - 2 * np.pi) < 1e-6     # once around
    assert np.allclose(np.linalg.norm(tangents, axis=1), 1.0)


def test_continuation_stops_at_the_box():
    solver = Continuation(lambda u: np.array([u[1] - u[0] ** 2]), None,
                          np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    points, _ = solver.trace(np.array([0.0, 0.0]))
    # the curve leaves the box through its top corners (+-1, 1) and ends exactly there
    assert sorted([points[0, 0], points[-1, 0]]) == pytest.approx([-1.0, 1.0], abs=1e-9)
    assert np.all(np.abs(points) <= 1.0)
    assert np.max(np.abs(points[1:-1, 1] - points[1:-1, 0] ** 2)) < 1e-9


def test_hopf_test_is_the_product_of_eigenvalue_pair_sums():
    rng = np.random.default_rng(3)
    jac = rng.normal(size=(50, 3, 3))
    lam = np.linalg.eigvals(jac)
    expected = ((lam[:, 0] + lam[:, 1]) * (lam[:, 0] + lam[:, 2]) * (lam[:, 1] + lam[:, 2])).real
    assert np.allclose(hopf_test(jac), expected)
    two = rng.normal(size=(10, 2, 2))
    assert np.allclose(hopf_test(two), np.trace(two, axis1=1, axis2=2))
    # the bialternate product determinant: det(2 J (.) I) equals the same product
    j = jac[0]
    bialternate = np.array([
        [j[0, 0] + j[1, 1], j[1, 2], -j[0, 2]],
        [j[2, 1], j[0, 0] + j[2, 2], j[0, 1]],
        [-j[2, 0], j[1, 0], j[1, 1] + j[2, 2]]])
    assert np.linalg.det(bialternate) == pytest.approx(expected[0])
