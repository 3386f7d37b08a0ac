"""The integrator object's contract: numpy/numba paths, jit_step, make_step, descriptor."""

import os
import pickle
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import jit
from workbench.errors import IntegratorError

from .test_manual_examples import hh_derivative


HH_PARAMS = (10., 120., 50., 36., -77., 0.03, -54.387, 1.0)


def hh_with_two_parameters(V, m, h, n, t, Iext, gNa):
    """What the engine hands make_step after turning self.x reads into parameters."""
    return hh_derivative(V, m, h, n, t, Iext, gNa, 50., 36., -77., 0.03, -54.387, 1.0)


@pytest.fixture(scope="module")
def hh_rk4():
    """One compiled HH rk4 integrator shared by the tests of this module."""
    return bp.odeint(hh_derivative, method="rk4", dt=0.01)


def run_python_loop(integral, steps, params=HH_PARAMS):
    V, m, h, n = -65.0, 0.05, 0.6, 0.32
    trace = np.empty(steps)
    for i in range(steps):
        V, m, h, n = integral(V, m, h, n, i * integral.dt, *params)
        trace[i] = V
    return trace


def test_numpy_and_numba_backends_agree(hh_rk4):
    numpy_trace = run_python_loop(hh_rk4, 2000)
    bp.backend.set("numba")
    numba_trace = run_python_loop(hh_rk4, 2000)
    assert numpy_trace.max() > 20.0                         # it spikes
    np.testing.assert_allclose(numba_trace, numpy_trace, rtol=1e-10, atol=1e-10)


def test_numba_backend_calls_the_compiled_step_without_recompiling(hh_rk4):
    bp.backend.set("numba")
    hh_rk4(-65.0, 0.05, 0.6, 0.32, 0.0, *HH_PARAMS)
    before = bp.jit_compilations()
    run_python_loop(hh_rk4, 200)
    assert bp.jit_compilations() == before
    assert hh_rk4.jit_step.signatures                       # the dispatcher was used


def test_jit_step_is_callable_from_compiled_code(hh_rk4):
    step = hh_rk4.jit_step

    @jit
    def compiled_loop(steps, V, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C):
        peak = V
        for i in range(steps):
            V, m, h, n = step(V, m, h, n, i * 0.01, Iext, gNa, ENa, gK, EK, gL, EL, C)
            if V > peak:
                peak = V
        return V, peak

    V_end, peak = compiled_loop(2000, -65.0, 0.05, 0.6, 0.32, *HH_PARAMS)
    trace = run_python_loop(hh_rk4, 2000)
    assert V_end == pytest.approx(trace[-1], rel=1e-10)
    assert peak == pytest.approx(max(trace.max(), -65.0), rel=1e-10)


def test_make_step_for_a_rewritten_derivative_is_callable_from_jit(hh_rk4):
    step = hh_rk4.make_step(hh_with_two_parameters, parameters=("Iext", "gNa"), jit=True)
    assert isinstance(step, numba.core.dispatcher.Dispatcher)
    assert hh_rk4.make_step(hh_with_two_parameters, parameters=("Iext", "gNa"), jit=True) is step

    @jit
    def drive(V, m, h, n):
        for i in range(500):
            V, m, h, n = step(V, m, h, n, i * 0.01, 10.0, 120.0)
        return V

    python_step = hh_rk4.make_step(hh_with_two_parameters, parameters=("Iext", "gNa"))
    V, m, h, n = -65.0, 0.05, 0.6, 0.32
    for i in range(500):
        V, m, h, n = python_step(V, m, h, n, i * 0.01, 10.0, 120.0)
    assert drive(-65.0, 0.05, 0.6, 0.32) == pytest.approx(V, rel=1e-10)
    assert V == pytest.approx(run_python_loop(hh_rk4, 500)[-1], rel=1e-12)


def test_make_step_checks_variables_and_parameters(hh_rk4):
    def wrong_variables(V, m, t, Iext):
        return V, m

    with pytest.raises(IntegratorError, match=r"has variables \('V', 'm'\), but this integrator "
                                              r"integrates \('V', 'm', 'h', 'n'\)"):
        hh_rk4.make_step(wrong_variables)
    with pytest.raises(IntegratorError, match=r"takes gNa, which are not among `parameters`"):
        hh_rk4.make_step(hh_with_two_parameters, parameters=("Iext",))
    with pytest.raises(IntegratorError, match=r"order"):
        hh_rk4.make_step(hh_with_two_parameters, parameters=("gNa", "Iext"))


class Neuron:
    def __init__(self, gain):
        self.gain = gain

    @bp.odeint(method="rk4", dt=0.1)
    def integral(self, x, t, drive):
        return -self.gain * x + drive


def test_method_with_self_runs_in_python_on_numba_and_has_no_jit_step():
    bp.backend.set("numba")
    neuron = Neuron(2.0)
    x = neuron.integral(1.0, 0.0, 0.5)
    k = [None] * 4
    k[0] = -2.0 * 1.0 + 0.5
    k[1] = -2.0 * (1.0 + 0.05 * k[0]) + 0.5
    k[2] = -2.0 * (1.0 + 0.05 * k[1]) + 0.5
    k[3] = -2.0 * (1.0 + 0.1 * k[2]) + 0.5
    assert x == pytest.approx(1.0 + 0.1 * (k[0] + 2 * k[1] + 2 * k[2] + k[3]) / 6, rel=1e-14)
    with pytest.raises(IntegratorError, match="`self`"):
        Neuron.integral.jit_step

    def explicit(x, t, drive, gain):
        return -gain * x + drive

    step = Neuron.integral.make_step(explicit, parameters=("drive", "gain"), jit=True)
    assert step(1.0, 0.0, 0.5, 2.0) == pytest.approx(x, rel=1e-14)


def test_switching_backend_after_creation_switches_the_path():
    integral = bp.odeint(lambda x, t, a: -a * x, method="euler", dt=0.1)
    assert integral(1.0, 0.0, 2.0) == pytest.approx(0.8)
    before = bp.jit_compilations()
    bp.backend.set("numba")
    assert integral(1.0, 0.0, 2.0) == pytest.approx(0.8)
    assert bp.jit_compilations() > before
    bp.backend.set("numpy")
    assert integral(1.0, 0.0, 2.0) == pytest.approx(0.8)


def test_uncompilable_derivative_falls_back_to_python_with_a_warning():
    table = {"rate": 3.0}

    def uses_a_dict(x, t):
        return -table["rate"] * x

    integral = bp.odeint(uses_a_dict, method="euler", dt=0.1)
    bp.backend.set("numba")
    with pytest.warns(RuntimeWarning, match="could not be compiled with numba"):
        assert integral(1.0, 0.0) == pytest.approx(0.7)
    assert integral(1.0, 0.0) == pytest.approx(0.7)


def test_uncompilable_system_with_the_right_return_count_falls_back_too():
    """Two variables, two values returned: the diagnosis finds nothing wrong and Python runs it."""
    table = {"rate": 3.0}

    def pair(x, y, t):
        return -table["rate"] * x, x - y

    integral = bp.odeint(pair, method="euler", dt=0.1)
    bp.backend.set("numba")
    with pytest.warns(RuntimeWarning, match="could not be compiled with numba"):
        x, y = integral(1.0, 2.0, 0.0)
    assert (x, y) == (pytest.approx(0.7), pytest.approx(2.0 + 0.1 * (1.0 - 2.0)))


def test_changed_global_constant_is_never_served_from_a_stale_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    namespace = {"np": np, "rate": 2.0}
    exec(textwrap.dedent("""
        def decay(x, t):
            return -rate * x
    """), namespace)
    first = bp.odeint(namespace["decay"], method="euler", dt=0.1)
    assert first.jit_step(1.0, 0.0) == pytest.approx(0.8)
    namespace["rate"] = 5.0
    second = bp.odeint(namespace["decay"], method="euler", dt=0.1)
    assert second.jit_step(1.0, 0.0) == pytest.approx(0.5)


def test_disk_cache_serves_a_second_process(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import workbench as bp

        a, b, tau = 0.7, 0.8, 12.5

        @bp.odeint(method='rk4', dt=0.01)
        def integral(V, w, t, Iext):
            dw = (V + a - b * w) / tau
            dV = V - V * V * V / 3 - w + Iext
            return dV, dw

        bp.backend.set('numba')
        V, w = integral(0., 0., 0., 1.)
        stats = bp.jit_stats()
        print(stats['compiled'], stats['cache_loads'], repr(V))
    """))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    runs = [subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           env=env, check=True).stdout.split() for _ in range(2)]
    assert runs[0][:2] == ["2", "0"]          # the derivative and the step were compiled
    assert runs[1][:2] == ["0", "1"]          # the step came from disk, nothing compiled
    assert runs[0][2] == runs[1][2]


def test_pickling_keeps_a_working_integrator():
    integral = bp.odeint(f=pickled_derivative, method="rk4", dt=0.05)
    clone = pickle.loads(pickle.dumps(integral))
    assert clone.source == integral.source
    assert clone(1.0, 0.0, 0.5) == integral(1.0, 0.0, 0.5)


def pickled_derivative(x, t, a):
    return -a * x


def test_repr_and_arguments():
    integral = bp.odeint(f=pickled_derivative, method="rkf45", adaptive=True, tol=1e-4)
    assert integral.arguments == ("x", "t", "a", "dt")
    assert repr(integral) == ("<ODEIntegrator 'rkf45' of pickled_derivative(x, t, a, dt), "
                              "dt=0.1, tol=0.0001>")


def test_bound_method_derivative_runs_in_python_on_numba_with_a_warning():
    class Model:
        rate = 2.0

        def diff(self, x, t):
            return -self.rate * x

    integral = bp.odeint(f=Model().diff, method="euler", dt=0.1)
    assert integral.variables == ("x",) and not integral.has_self
    bp.backend.set("numba")
    with pytest.warns(RuntimeWarning, match="not a plain function"):
        assert integral(1.0, 0.0) == pytest.approx(0.8)
    with pytest.raises(IntegratorError, match="bound method"):
        integral.jit_step


def test_make_step_with_a_derivative_taking_a_subset_of_the_parameters():
    def no_parameters(x, t):
        return -x

    def second_only(x, t, b):
        return -b * x

    integral = bp.odeint(pickled_derivative, method="heun2", dt=0.1)
    step = integral.make_step(no_parameters, parameters=("a", "b"))
    assert step(1.0, 0.0, 123.0, 456.0) == pytest.approx(1.0 - 0.1 + 0.005)
    step = integral.make_step(second_only, parameters=("a", "b"))
    assert step(1.0, 0.0, 123.0, 1.0) == pytest.approx(1.0 - 0.1 + 0.005)
