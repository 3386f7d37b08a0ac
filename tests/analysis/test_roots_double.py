"""roots_separable finds a double root between grid nodes, from the extremum of a(x)."""

import numpy as np
import pytest

from workbench.analysis.roots import roots_separable


def test_double_root_between_nodes_and_simple_roots_beside_it():
    """f_j(x) = (x - 0.33)^2 + b_j: b = 0 touches zero at 0.33 (off the 0.1 grid), b = -0.01
    crosses at 0.23 and 0.43, b = 0.01 has no root."""
    grid = np.linspace(-1.0, 1.0, 21)
    b = np.array([0.0, -0.01, 0.01])

    def func(x, rows):
        return (x - 0.33) ** 2 + b[rows]

    rows, roots = roots_separable((grid - 0.33) ** 2, b, grid, func, fl_tol=1e-10)
    found = {j: np.sort(roots[rows == j]) for j in range(3)}
    assert found[0].size == 1 and abs(found[0][0] - 0.33) < 1e-4      # |x - x*| ~ sqrt(fl_tol)
    np.testing.assert_allclose(found[1], [0.23, 0.43], atol=1e-12)
    assert found[2].size == 0


def test_two_double_roots_three_cells_apart_are_both_found():
    """f(x) = (x - 0.33)^2 (x + 0.02)^2 touches zero twice; the minimum near 0.0 is lower than the
    one near 0.3, so each extremum must be judged by its own two neighbours."""
    grid = np.linspace(-1.0, 1.0, 21)

    def a(x):
        return (x - 0.33) ** 2 * (x + 0.02) ** 2

    rows, roots = roots_separable(a(grid), np.array([0.0]), grid, lambda x, k: a(x), fl_tol=1e-12)
    assert np.sort(roots) == pytest.approx([-0.02, 0.33], abs=1e-5)   # f ~ 0.12 (x - x*)^2 < fl_tol: 3e-6
