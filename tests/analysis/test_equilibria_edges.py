"""Equilibrium searches at their edges: no parameters at all, and no equilibrium in the box."""

import numpy as np
import pytest
from scipy import optimize

import workbench as bp


def sine_minus_line(x, t):
    return np.sin(x) - 0.5 * x


def always_positive(x, t, a):
    return x * x + a


def _fixed_points(model, box, pars=None):
    analyzer = bp.analysis.PhasePlane(model, target_vars={"x": box}, pars_update=pars or {},
                                      options={"verbose": False})
    return analyzer.compute_fixed_points()


def test_a_model_without_parameters():
    points = _fixed_points(sine_minus_line, [-3.0, 3.0])
    root = optimize.brentq(lambda x: np.sin(x) - 0.5 * x, 1.0, 3.0, xtol=1e-15)   # 1.8955
    assert points.array("x") == pytest.approx([-root, 0.0, root], abs=1e-10)
    # by hand: f'(x) = cos(x) - 0.5 is +0.5 at 0 and cos(1.8955) - 0.5 < 0 at the others
    assert [p.stability for p in points] == ["stable point", "unstable point", "stable point"]


def test_no_equilibrium_in_the_box():
    assert len(_fixed_points(always_positive, [-3.0, 3.0], {"a": 1.0})) == 0
    points = _fixed_points(always_positive, [-3.0, 3.0], {"a": -4.0})   # x = -2, 2
    assert points.array("x") == pytest.approx([-2.0, 2.0], abs=1e-12)
    assert [p.stability for p in points] == ["stable point", "unstable point"]
