"""equilibria.in_range: a closed interval widened by a relative slack on both sides."""

import numpy as np

from workbench.analysis.equilibria import in_range


def test_bounds_and_slack_edges_are_inside_and_beyond_is_outside():
    low, high, slack = -2.0, 2.0, 0.25          # pad = 0.25 * 4 = 1, exact in binary
    values = np.array([-3.0, -2.0, 0.0, 2.0, 3.0, -3.0 - 1e-12, 3.0 + 1e-12, np.nan])
    expected = [True, True, True, True, True, False, False, False]
    assert in_range(values, (low, high), slack=slack).tolist() == expected
    # the default slack is 1e-9 of the width
    assert in_range(np.array([-1e-9, 1 + 1e-9, -2e-9]), (0.0, 1.0)).tolist() == [True, True, False]
