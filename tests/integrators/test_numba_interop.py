"""Integrators called from the user's own @numba.njit code (BrainPy returns numba dispatchers).

numba types an integrator as its compiled step (``Integrator._numba_type_``), so it can be
called inside a compiled loop as a global, a closure variable or an argument.
``numba.njit(integral)`` itself stays impossible: numba only decorates Python functions
(and refuses its own dispatchers too, which is why it fails for BrainPy's numba-backend
integrators as well); ``integral.jit_step`` is the compiled step.
"""

import numba
import numpy as np
import pytest

import workbench as bp
from workbench.integrators.tableaus import EMBEDDED_METHODS

DT = 0.005


def decay(x, t, a):
    return -a * x


def noise(x, t, a):
    return 0.1


@numba.njit
def seed_numba(seed):
    np.random.seed(seed)


def fixed_loop(integral, n):
    x = 1.0
    for i in range(n):
        x = integral(x, i * DT, 1.0)
    return x


def adaptive_loop(integral, T):
    x, t, dt = 1.0, 0.0, 0.01
    while T - t > 1e-12:
        step = min(dt, T - t)
        x, dt = integral(x, t, 1.0, step)
        t += step
    return x


# the same loops, compiled: the integrator is an argument
fixed_loop_compiled = numba.njit(fixed_loop)
adaptive_loop_compiled = numba.njit(adaptive_loop)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_fixed_step_integrator_as_a_global_in_a_user_loop(backend):
    bp.backend.set(backend)
    rk4 = bp.integrators.ode.rk4(decay, dt=DT)

    @numba.njit
    def loop(n):
        x = 1.0
        for i in range(n):
            x = rk4(x, i * 0.005, 1.0)     # a global integrator, as BrainPy code writes it
        return x

    count = bp.jit_compilations()
    got = loop(200)
    assert bp.jit_compilations() > count                  # the step's compilation is counted
    assert got == pytest.approx(np.exp(-1.0), rel=1e-10)   # rk4 at dt = 0.005
    bp.backend.set("numpy")
    assert got == pytest.approx(fixed_loop(rk4, 200), rel=1e-13)
    count = bp.jit_compilations()
    loop(200)
    assert bp.jit_compilations() == count


@pytest.mark.slow
@pytest.mark.parametrize("method", EMBEDDED_METHODS)
def test_adaptive_integrators_as_arguments_of_a_compiled_loop(method):
    integral = getattr(bp.integrators.ode, method)(decay, dt=DT, adaptive=True, tol=1e-6)
    got = adaptive_loop_compiled(integral, 1.0)
    assert got == pytest.approx(adaptive_loop(integral, 1.0), rel=1e-12)
    assert got == pytest.approx(np.exp(-1.0), rel=1e-4)


def test_integrator_in_a_closure_and_a_second_integrator_of_the_same_method():
    def make(rate):
        integral = bp.odeint(lambda x, t: -rate * x, method="rk4", dt=DT)

        @numba.njit
        def closure(n):
            x = 1.0
            for _ in range(n):
                x = integral(x, 0.0)
            return x
        return closure

    assert make(1.0)(200) == pytest.approx(np.exp(-1.0), rel=1e-10)
    assert make(2.0)(200) == pytest.approx(np.exp(-2.0), rel=1e-9)
    other = bp.integrators.ode.rk4(lambda x, t, a: -2 * a * x, dt=DT)
    assert fixed_loop_compiled(other, 200) == pytest.approx(np.exp(-2.0), rel=1e-9)


def test_sde_integrator_in_a_compiled_loop_draws_numbas_random_stream():
    integral = bp.integrators.sde.srk1w1_scalar(decay, noise, dt=DT)
    seed_numba(7)
    compiled = fixed_loop_compiled(integral, 300)
    # the same steps called from Python on the numba backend use the same generator
    bp.backend.set("numba")
    seed_numba(7)
    assert fixed_loop(integral, 300) == compiled
    assert isinstance(compiled, float)


def test_method_integrators_name_the_problem_in_compiled_code():
    class Model:
        @bp.odeint
        def integral(self, x, t):
            return -x

    method_integral = Model.__dict__["integral"]

    @numba.njit
    def loop():
        return method_integral(1.0, 0.0)

    with pytest.raises(numba.core.errors.TypingError, match=r"integrates a method taking "
                                                            r"`self`.* integrate a plain function"):
        loop()


_USER_LOOP = """
import sys
import numba
import workbench as bp

@bp.odeint(method="rk4", dt=0.1)
def int_v(v, t, a):
    return -v / a

@numba.njit(cache=True)
def loop(n, a):
    v = 1.0
    for i in range(n):
        v = int_v(v, i * 0.1, a)
    return v

bp.backend.set("numba")
bp.backend.set_numba_profile(fastmath=sys.argv[1] == "fast")
print(repr(loop(100, 2.0)), sum(loop.stats.cache_hits.values()))
"""


def _run_user_loop(tmp_path, profiles):
    """Run a user's cached @numba.njit loop calling an integrator, one new process per profile.

    The processes share workbench's cache and numba's cache of the loop (beside the script).
    Returns ``(value, cache hits)`` as printed by each process.
    """
    import os
    import subprocess
    import sys
    script = tmp_path / "user_loop.py"
    script.write_text(_USER_LOOP)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    env.pop("NUMBA_CACHE_DIR", None)                   # the loop's cache beside the script
    runs = [subprocess.run([sys.executable, str(script), profile], capture_output=True,
                           text=True, env=env) for profile in profiles]
    assert [run.returncode for run in runs] == [0] * len(runs), \
        [run.stderr[-1500:] for run in runs if run.returncode]
    return [tuple(run.stdout.split()) for run in runs]


def test_a_cached_user_loop_calling_an_integrator_loads_in_a_new_process(tmp_path):
    # numba's disk cache imports the generated module of the integrator's step when it
    # loads the user's loop, before the integrator made that module in the new process
    first, second = _run_user_loop(tmp_path, ("exact", "exact"))
    assert first[0] == second[0] and abs(float(first[0]) - np.exp(-5.0)) < 1e-6
    assert (first[1], second[1]) == ("0", "1")         # the second process loaded it


def test_a_cached_user_loop_loads_in_a_new_process_of_the_other_numba_profile(tmp_path):
    # numba's index of the user's loop does not know workbench's profile: cached under fast
    # math, it imports the fast-math module of the integrator's step, which a process under
    # the exact profile must still be able to make (it raised ModuleNotFoundError)
    for value, _ in _run_user_loop(tmp_path, ("fast", "exact", "fast")):
        assert abs(float(value) - np.exp(-5.0)) < 1e-6
