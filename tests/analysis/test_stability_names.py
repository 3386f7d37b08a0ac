"""fixed_point_kind by hand for every type and dimension; non-square derivatives are refused."""

import numpy as np
import pytest

import workbench as bp
from workbench.analysis.stability import fixed_point_kind
from workbench.errors import AnalysisError


@pytest.mark.parametrize("dimension", [1, 2, 3])
def test_only_a_saddle_of_two_or_three_dimensions_is_renamed(dimension):
    types = {1: bp.analysis.get_1d_stability_types(), 2: bp.analysis.get_2d_stability_types(),
             3: bp.analysis.get_3d_stability_types()}[dimension]
    for stability in types:
        expected = "saddle" if (stability == "saddle node" and dimension >= 2) else stability
        assert fixed_point_kind(stability, dimension) == expected
    assert fixed_point_kind("saddle node", 1) == "saddle node"


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (1, 2), (2, 1), (3, 1)])
def test_non_square_derivatives_are_refused(shape):
    with pytest.raises(AnalysisError, match="derivatives"):
        bp.analysis.stability_analysis(np.ones(shape))
