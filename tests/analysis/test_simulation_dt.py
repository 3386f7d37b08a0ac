"""simulation_dt of the bifurcation analysers: the integral's dt, else the default dt, and used."""

import numpy as np
import pytest

import workbench as bp

from . import models


def _fhn_bifurcation(model):
    return bp.analysis.Bifurcation(model, target_pars={"Iext": [0.0, 1.0]},
                                   target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                   numerical_resolution=0.1, options={"verbose": False})


def _hr_fast_slow(model):
    return bp.analysis.FastSlowBifurcation(
        model, fast_vars={"x": [-3, 3], "y": [-20.0, 5.0]}, slow_vars={"z": [-5.0, 5.0]},
        pars_update={"Isyn": 0.5}, numerical_resolution=0.1, options={"verbose": False})


def test_bifurcation_simulation_dt_follows_the_integral_then_the_default():
    assert _fhn_bifurcation(bp.odeint(models.int_fhn, method="rk4", dt=0.02)).simulation_dt() == 0.02
    bp.backend.set_dt(0.05)
    assert _fhn_bifurcation(models.int_fhn).simulation_dt() == 0.05        # a plain function


def test_fast_slow_simulation_dt_is_the_step_of_its_trajectories():
    integral = bp.odeint(models.int_hr, method="rk4", dt=0.04)
    analyzer = _hr_fast_slow(integral)
    assert analyzer.simulation_dt() == 0.04
    (trajectory,) = analyzer.compute_trajectories({"x": 1.0, "y": 0.0, "z": 0.0}, duration=2.0)
    steps = np.diff(trajectory.ts)
    assert steps == pytest.approx(np.full(steps.size, 0.04), abs=1e-12)
    assert trajectory.ts[-1] == pytest.approx(2.0)
    bp.backend.set_dt(0.1)
    plain = _hr_fast_slow(models.int_hr)
    assert plain.simulation_dt() == 0.1
    (trajectory,) = plain.compute_trajectories({"x": 1.0, "y": 0.0, "z": 0.0}, duration=2.0)
    assert np.diff(trajectory.ts) == pytest.approx(np.full(20, 0.1), abs=1e-12)
