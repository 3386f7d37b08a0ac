"""phase_plane._nan_separated: valid runs of a curve, one NaN between runs, none at the ends."""

import numpy as np
import pytest

from workbench.analysis.phase_plane import _nan_separated


@pytest.mark.parametrize("valid, expected", [
    ([0, 1, 1, 0, 0, 1, 1, 0], [1, 2, None, 5, 6]),
    ([1, 1, 0, 1, 0, 0, 0, 1], [0, 1, None, 3, None, 7]),
    ([1, 1, 1], [0, 1, 2]),
    ([0, 0, 1], [2]),
    ([0, 0, 0], []),
])
def test_runs_are_kept_and_each_gap_becomes_one_nan(valid, expected):
    valid = np.array(valid, dtype=bool)
    x = np.arange(valid.size, dtype=float)
    gx, gy = _nan_separated(x, 10.0 * x, valid)
    want = np.array([np.nan if e is None else e for e in expected], dtype=float)
    np.testing.assert_array_equal(gx, want)
    np.testing.assert_array_equal(gy, 10.0 * want)
