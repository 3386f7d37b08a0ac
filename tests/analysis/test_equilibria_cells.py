"""2-D equilibria found numerically from grid cells: each root from its own cell."""

import numpy as np
import pytest

import workbench as bp


def two_roots_in_neighbouring_cells(x, y, t):
    return (x - 0.05) * (x - 0.15), y - 0.33


def test_roots_at_the_centres_of_neighbouring_cells_are_both_found():
    """Roots (0.05, 0.33) and (0.15, 0.33) sit at the centres of adjacent cells of the 0.1 grid.

    Newton starts at the centre of each cell whose corners change sign in both
    components, so each root is reached from its own cell; a start shifted by
    one cell would reach the same root twice and lose the other.
    """
    analyzer = bp.analysis.PhasePlane(two_roots_in_neighbouring_cells,
                                      target_vars={"x": [-1.0, 1.0], "y": [-1.0, 1.0]},
                                      numerical_resolution=0.1,
                                      options={"verbose": False, "escape_sympy_solver": True})
    points = analyzer.compute_fixed_points()
    assert points.array("x") == pytest.approx([0.05, 0.15], abs=1e-12)
    assert points.array("y") == pytest.approx([0.33, 0.33], abs=1e-12)
    # by hand: Jacobian diag(2x - 0.2, 1): -0.1 and 1 (saddle), +0.1 and 1 (unstable node)
    assert [p.stability for p in points] == ["saddle node", "unstable node"]
