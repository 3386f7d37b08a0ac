"""Adaptive stepping of the embedded pairs: error control against `tol`."""

import numpy as np
import pytest

import workbench as bp
from workbench.integrators.tableaus import EMBEDDED_METHODS

from .test_ode import exact_solution, rotation_and_growth


class CountingDerivative:
    """rotation_and_growth, counting its evaluations (numpy backend)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x, y, z, t, omega):
        self.calls += 1
        return rotation_and_growth(x, y, z, t, omega)


def integrate_to(integral, T=2.0, dt=0.1):
    """The manual's loop, landing exactly on T; returns the state, calls and dt history."""
    x, y, z, t = 1.0, 0.0, 1.0, 0.0
    calls, history = 0, []
    while t < T - 1e-12:
        step = min(dt, T - t)
        x, y, z, dt = integral(x, y, z, t, 1.5, dt=step)
        t += step
        calls += 1
        history.append(dt)
    return np.array([x, y, z]), calls, history


def counted_run(method, tol):
    counter = CountingDerivative()
    counting = bp.odeint(f=_counting_signature(counter), method=method, adaptive=True, tol=tol)
    state, calls, _ = integrate_to(counting)
    return np.max(np.abs(state - exact_solution(2.0))), counter.calls, calls


def _counting_signature(counter):
    def counted(x, y, z, t, omega):
        return counter(x, y, z, t, omega)
    return counted


@pytest.mark.parametrize("method", EMBEDDED_METHODS)
def test_global_error_follows_tol_and_work_drops_as_tol_loosens(method):
    tols = [1e-3, 1e-5, 1e-7]
    results = [counted_run(method, tol) for tol in tols]
    errors = [r[0] for r in results]
    evaluations = [r[1] for r in results]
    # rkf12's embedded order-1 solution is nearly second order (weights 1/256, 255/256), so
    # its estimate understates the error of large steps: the same scaling, a larger constant.
    bound = 500 if method == "rkf12" else 20
    for tol, error in zip(tols, errors):
        assert error < bound * tol, (method, tols, errors)
    slope = np.polyfit(np.log(tols), np.log(errors), 1)[0]
    assert 0.6 < slope < 1.4, (slope, errors)
    assert evaluations[0] < evaluations[1] < evaluations[2], evaluations


def test_returned_dt_grows_on_easy_stretches_and_varies():
    integral = bp.odeint(rotation_and_growth, method="rkf45", adaptive=True, tol=1e-6)
    _, calls, history = integrate_to(integral, T=2.0, dt=1e-3)
    assert history[0] > 1e-3                      # a too-cautious first step is enlarged
    assert calls < 2.0 / 1e-3 / 5
    assert len(set(np.round(history, 12))) > 3


def test_a_too_large_dt_is_split_and_lands_on_t_plus_dt():
    integral = bp.odeint(rotation_and_growth, method="rkdp", adaptive=True, tol=1e-8)
    x, y, z, proposal = integral(1.0, 0.0, 1.0, 0.0, 1.5, dt=2.0)
    np.testing.assert_allclose([x, y, z], exact_solution(2.0), atol=1e-6)
    assert 0 < proposal < 2.0


def test_dt_argument_defaults_to_the_integrators_dt():
    integral = bp.odeint(rotation_and_growth, method="bs", adaptive=True, tol=1e-3, dt=0.01)
    assert integral(1.0, 0.0, 1.0, 0.0, 1.5) == integral(1.0, 0.0, 1.0, 0.0, 1.5, dt=0.01)


def test_nan_does_not_hang_and_propagates():
    integral = bp.odeint(lambda x, t: np.sqrt(x - 2.0), method="rkf45", adaptive=True)
    with np.errstate(invalid="ignore"):
        x, dt = integral(1.0, 0.0, dt=0.1)
    assert np.isnan(x)


def test_arrays_use_the_worst_component():
    integral = bp.odeint(lambda x, t, k: -k * x, method="ck", adaptive=True, tol=1e-8)
    k = np.array([0.1, 1.0, 30.0])
    x, dt = integral(np.ones(3), 0.0, k, dt=0.5)
    np.testing.assert_allclose(x, np.exp(-k * 0.5), rtol=1e-6, atol=1e-8)
    slow, dt_slow = integral(np.ones(1), 0.0, k[:1], dt=0.5)
    assert dt < dt_slow                         # the stiff component limits the proposal


def test_numba_backend_gives_the_same_adaptive_trajectory():
    integral = bp.odeint(rotation_and_growth, method="rkf45", adaptive=True, tol=1e-6)
    expected = integrate_to(integral)
    bp.backend.set("numba")
    got = integrate_to(integral)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-10)
