"""Integrators created without ``dt`` follow ``bp.backend.set_dt()`` made after their definition."""

import numpy as np
import pytest

import workbench as bp


def decay(x, t, tau):
    return -x / tau


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_integrator_without_dt_follows_the_backend_dt(backend):
    bp.backend.set(backend, dt=0.1)
    follows = bp.odeint(decay, method="euler")
    fixed = bp.odeint(decay, method="euler", dt=0.01)
    assert follows(1.0, 0.0, 1.0) == pytest.approx(0.9)
    bp.backend.set_dt(0.05)
    assert follows.dt == 0.05 and fixed.dt == 0.01
    # One Euler step of x' = -x: 1 - dt (exact arithmetic of the method, not of this code).
    assert follows(1.0, 0.0, 1.0) == pytest.approx(0.95, abs=1e-15)
    assert fixed(1.0, 0.0, 1.0) == pytest.approx(0.99, abs=1e-15)
    assert "0.05" in follows.source
    bp.backend.set_dt(0.1)
    assert follows(np.ones(3), 0.0, 1.0) == pytest.approx(np.full(3, 0.9))


def test_setting_dt_explicitly_stops_following():
    integral = bp.odeint(decay, method="rk4")
    integral.dt = 0.2
    bp.backend.set_dt(0.05)
    assert integral.dt == 0.2
    integral.dt = None
    assert integral.dt == 0.05
