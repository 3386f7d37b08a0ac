"""zero_contour where the function is undefined (NaN) on part of the grid: cells touching NaN draw nothing."""

import numpy as np
import pytest

from workbench.analysis.contour import zero_contour

GRID = np.linspace(-1.0, 1.0, 21)          # spacing 0.1


@pytest.mark.parametrize("column", [None, 0.3, 0.4])
@pytest.mark.parametrize("side", ["top", "bottom"])
def test_cells_with_a_nan_corner_are_left_out(column, side):
    """u = 0.33 with NaN beyond |v| = 0.55 on one side (whole rows, or only the grid column
    left (0.3) or right (0.4) of the line, so that each corner of the cell is the NaN one).

    By hand: the zero crossing of every horizontal grid edge near u = 0.33 is at
    (0.33, y_j); cells are joined only when their four corners are finite, so the
    result is one polyline through exactly the rows on the finite side, with no NaN point.
    """
    beyond = (lambda v: v > 0.55) if side == "top" else (lambda v: v < -0.55)
    rows = GRID[~beyond(GRID)]

    def func(u, v):
        hole = beyond(v) if column is None else beyond(v) & (np.abs(u - column) < 0.01)
        return np.where(hole, np.nan, (u - 0.33) + 0.0 * v)

    cx, cy = zero_contour(func, GRID, GRID)
    assert not np.any(np.isnan(cx)) and not np.any(np.isnan(cy))       # one polyline, no holes
    np.testing.assert_allclose(cx, 0.33, atol=1e-12)
    np.testing.assert_allclose(np.sort(cy), rows, atol=1e-12)
