"""Hodgkin-Huxley integration speed: workbench's integrators against hand-written numba,
scipy, and BrainPy 1.0.3.

Scenarios (rk4, dt = 0.01 ms, the manual's HH equations and parameters):

1. One neuron, 100 ms (10,000 steps):
   * the manual's Python loop ``V, m, h, n = integral(V, m, h, n, t, ...)`` on the numpy
     and on the numba backend;
   * the compiled path: a ``@jit`` loop calling ``integral.jit_step`` (what the
     simulation engine does);
   * a hand-written ``@numba.njit`` rk4 loop over the same equations (the reference);
   * ``scipy.integrate.solve_ivp`` (RK45, rtol = atol = 1e-6);
   * BrainPy 1.0.3's manual loop on its numpy and numba backends (``BRAINPY_PYTHON``,
     default ``/work/venvs/brainpy103/bin/python``), if installed.
   The last column is the largest deviation of V from a DOP853 solution at rtol = atol = 1e-11.
2. 100,000 neurons (V0 spread over [-70, -50] mV, Iext over [5, 15]) for ``--population-ms``
   (default 1 ms, 100 steps: 10 M neuron-steps per row):
   * the Python loop over time with whole arrays, on the numpy and the numba backend;
   * the compiled path with arrays (a ``@jit`` time loop calling ``jit_step`` on arrays);
   * the compiled path per neuron (a ``@jit`` loop over time and neurons calling
     ``jit_step`` on scalars, the engine's kernel layout);
   * the hand-written ``@numba.njit`` loop over time and neurons (the reference);
   * ``solve_ivp`` (RK45, rtol = atol = 1e-6) on the whole system (400,000 variables).

Rows marked ``[fastmath=True]`` are the compiled path and the hand-written loop built
with numba's ``fastmath`` (workbench's ``JIT_OPTIONS`` keep it off so that numba and numpy
agree; BrainPy 1.0.3 turns it on).

Times are CPU seconds of the measuring process (``time.process_time``): every case is
single-threaded, and on a shared machine wall-clock time mostly measures the other
processes. They exclude compilation (everything is warmed up first). The cases of a scenario run
in turns, ``--repeats`` rounds (``--population-repeats`` for scenario 2; solve_ivp there
runs once; the millisecond-long compiled rows of scenario 1 run 10 times per round), and
each row is the best of its runs: on a shared machine, taking turns spreads other
processes' noise over all rows. Ratios are against the hand-written loop of the same
scenario.

Usage::

    PYTHONPATH=. python benchmarks/integrators.py [--population 100000] [--population-ms 1]
                                                  [--repeats 7] [--population-repeats 3]
"""

import argparse
import inspect
import json
import os
import subprocess
import sys
import textwrap
import time
import types

import numba
import numpy as np
from scipy.integrate import solve_ivp

import workbench as bp
from workbench.backend.jit import JIT_OPTIONS, jit

BRAINPY_PYTHON = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy103/bin/python")
DT = 0.01
PARAMS = (10., 120., 50., 36., -77., 0.03, -54.387, 1.0)   # Iext, gNa, ENa, gK, EK, gL, EL, C
START = (-65.0, 0.05, 0.6, 0.32)


def hh_derivative(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C):
    alpha = 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))
    beta = 4.0 * np.exp(-(V + 65) / 18)
    dmdt = alpha * (1 - m) - beta * m

    alpha = 0.07 * np.exp(-(V + 65) / 20.)
    beta = 1 / (1 + np.exp(-(V + 35) / 10))
    dhdt = alpha * (1 - h) - beta * h

    alpha = 0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10))
    beta = 0.125 * np.exp(-(V + 65) / 80)
    dndt = alpha * (1 - n) - beta * n

    I_Na = (gNa * m ** 3.0 * h) * (V - ENa)
    I_K = (gK * n ** 4.0) * (V - EK)
    I_leak = gL * (V - EL)
    dVdt = (- I_Na - I_K - I_leak + Iext) / C

    return dVdt, dmdt, dhdt, dndt


# ------------------------------------------------------------------ hand-written reference
# The same equations, compiled directly by numba (t is unused by HH).
_hh_rhs = numba.njit(cache=True, fastmath=False)(hh_derivative)


@numba.njit(cache=True, fastmath=False)
def _rk4_neuron(V, m, h, n, steps, dt, Iext, gNa, ENa, gK, EK, gL, EL, C, trace):
    for i in range(steps):
        a1, b1, c1, d1 = _hh_rhs(V, m, h, n, 0.0, Iext, gNa, ENa, gK, EK, gL, EL, C)
        a2, b2, c2, d2 = _hh_rhs(V + 0.5 * dt * a1, m + 0.5 * dt * b1, h + 0.5 * dt * c1,
                                 n + 0.5 * dt * d1, 0.0, Iext, gNa, ENa, gK, EK, gL, EL, C)
        a3, b3, c3, d3 = _hh_rhs(V + 0.5 * dt * a2, m + 0.5 * dt * b2, h + 0.5 * dt * c2,
                                 n + 0.5 * dt * d2, 0.0, Iext, gNa, ENa, gK, EK, gL, EL, C)
        a4, b4, c4, d4 = _hh_rhs(V + dt * a3, m + dt * b3, h + dt * c3, n + dt * d3,
                                 0.0, Iext, gNa, ENa, gK, EK, gL, EL, C)
        V += dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        m += dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
        h += dt / 6 * (c1 + 2 * c2 + 2 * c3 + c4)
        n += dt / 6 * (d1 + 2 * d2 + 2 * d3 + d4)
        if trace.size:
            trace[i] = V
    return V, m, h, n


def hand_written_neuron(steps, trace):
    return _rk4_neuron(*START, steps, DT, *PARAMS, trace)


@numba.njit(cache=True, fastmath=False)
def hand_written_population(V, m, h, n, Iext, steps, dt, gNa, ENa, gK, EK, gL, EL, C):
    for i in range(V.size):
        empty = np.empty(0)
        V[i], m[i], h[i], n[i] = _rk4_neuron(V[i], m[i], h[i], n[i], steps, dt, Iext[i], gNa,
                                             ENa, gK, EK, gL, EL, C, empty)


# ------------------------------------------------------------------ workbench variants
def python_loop(integral, steps, state, params, trace=None):
    V, m, h, n = state
    for i in range(steps):
        V, m, h, n = integral(V, m, h, n, i * DT, *params)
        if trace is not None:
            trace[i] = V
    return V, m, h, n


def compiled_neuron_loop(step):
    @jit
    def loop(steps, V, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C, trace):
        for i in range(steps):
            V, m, h, n = step(V, m, h, n, i * 0.01, Iext, gNa, ENa, gK, EK, gL, EL, C)
            trace[i] = V
        return V, m, h, n
    return loop


def compiled_array_loop(step):
    @jit
    def loop(steps, V, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C):
        for i in range(steps):
            V, m, h, n = step(V, m, h, n, i * 0.01, Iext, gNa, ENa, gK, EK, gL, EL, C)
        return V, m, h, n
    return loop


def compiled_per_neuron_loop(step):
    @jit
    def loop(steps, V, m, h, n, Iext, gNa, ENa, gK, EK, gL, EL, C):
        for j in range(V.size):
            v, a, b, c = V[j], m[j], h[j], n[j]
            for i in range(steps):
                v, a, b, c = step(v, a, b, c, i * 0.01, Iext[j], gNa, ENa, gK, EK, gL, EL, C)
            V[j], m[j], h[j], n[j] = v, a, b, c
    return loop


# ------------------------------------------------------------------ BrainPy peer
BRAINPY_TEMPLATE = """
    import json, sys, time
    import numpy as np
    import brainpy as bp
    backend = sys.argv[1]
    bp.backend.set(backend)

    {derivative}

    integral = bp.odeint(method='rk4', dt=0.01)(hh_derivative)

    def run():
        V, m, h, n = -65.0, 0.05, 0.6, 0.32
        trace = []
        for i in range(10000):
            V, m, h, n = integral(V, m, h, n, i * 0.01, 10., 120., 50., 36., -77., 0.03,
                                  -54.387, 1.0)
            trace.append(V)
        return trace
    run()
    best = float('inf')
    for _ in range(int(sys.argv[2])):
        start = time.process_time()
        trace = run()
        best = min(best, time.process_time() - start)
    print(json.dumps({{'time': best, 'trace': [float(v) for v in trace]}}))
"""


def brainpy_rows(repeats, reference):
    rows = []
    if not os.path.exists(BRAINPY_PYTHON):
        print(f"(BrainPy peer not found at {BRAINPY_PYTHON}; set BRAINPY_PYTHON to include it)")
        return rows
    for backend in ("numpy", "numba"):
        # the same derivative source, decorated by BrainPy's odeint in its own interpreter
        script = textwrap.dedent(BRAINPY_TEMPLATE.format(derivative=textwrap.indent(
            inspect.getsource(hh_derivative), "    ").strip()))
        done = subprocess.run([BRAINPY_PYTHON, "-c", script, backend, str(repeats)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"(BrainPy {backend} run failed: {done.stderr.strip().splitlines()[-1:]})")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        error = np.max(np.abs(np.array(result["trace"]) - reference))
        rows.append((f"BrainPy 1.0.3 manual loop, {backend} backend", result["time"], error))
    return rows


# ------------------------------------------------------------------ scenarios
def interleaved(cases, rounds):
    """Best time of each case over ``rounds`` rounds that run the cases in turn.

    Other processes on a shared machine slow down whatever runs at that moment; taking
    turns spreads that noise over all cases instead of penalising one.

    Parameters
    ----------
    cases : list of (name, callable, runs)
        The callable returns the result. ``runs`` is how often it runs per round
        (0: only once in the first round, for slow references).
    rounds : int

    Returns
    -------
    dict
        name -> (best time, result of the last run).
    """
    best = {}
    for round_index in range(rounds):
        for name, function, runs in cases:
            if runs == 0 and round_index > 0:
                continue
            for _ in range(max(runs, 1)):
                start = time.process_time()
                result = function()
                elapsed = time.process_time() - start
                previous = best.get(name, (float("inf"), None))[0]
                best[name] = (min(previous, elapsed), result)
    return best


class BackendCase:
    """Run a callable with a backend active (the numba rows of the Python loops)."""

    def __init__(self, backend, function):
        self.backend = backend
        self.function = function

    def __call__(self):
        bp.backend.set(self.backend)
        try:
            return self.function()
        finally:
            bp.backend.set("numpy")


def _recompiled(function, **replacements):
    """``function``'s Python code compiled with ``fastmath=True``, globals replaced."""
    code = function.py_func
    namespace = dict(code.__globals__, **replacements)
    return numba.njit(fastmath=True)(types.FunctionType(code.__code__, namespace,
                                                        code.__name__ + "_fastmath"))


def fastmath_builds():
    """The workbench step and the hand-written loops compiled with ``fastmath=True``.

    workbench compiles with ``fastmath=False`` (``JIT_OPTIONS``) so that numba and numpy
    results agree; BrainPy 1.0.3 compiles with ``fastmath=True``. The ``[fastmath=True]``
    rows show what the flag is worth on this model.

    Returns
    -------
    dict
        ``neuron_loop``, ``per_neuron_loop`` (compiled paths) and ``hand_written_neuron``,
        ``hand_written_population``.
    """
    saved = dict(JIT_OPTIONS)
    JIT_OPTIONS["fastmath"] = True
    try:
        step = bp.odeint(hh_derivative, method="rk4", dt=DT).jit_step
        builds = {"neuron_loop": compiled_neuron_loop(step),
                  "per_neuron_loop": compiled_per_neuron_loop(step)}
    finally:
        JIT_OPTIONS.clear()
        JIT_OPTIONS.update(saved)
    neuron = _recompiled(_rk4_neuron, _hh_rhs=_recompiled(_hh_rhs))
    builds["hand_written_neuron"] = neuron
    builds["hand_written_population"] = _recompiled(hand_written_population, _rk4_neuron=neuron)
    return builds


HAND_WRITTEN = "hand-written @numba.njit rk4 loop (reference)"


def single_neuron(repeats, fast):
    steps = 10000
    integral = bp.odeint(hh_derivative, method="rk4", dt=DT)
    ts = (np.arange(steps) + 1) * DT
    exact = solve_ivp(lambda t, y: hh_derivative(*y, t, *PARAMS), (0, ts[-1]), list(START),
                      method="DOP853", rtol=1e-11, atol=1e-11, t_eval=ts).y[0]

    def traced(function):
        def run():
            trace = np.empty(steps)
            function(trace)
            return trace
        return run

    loop = compiled_neuron_loop(integral.jit_step)
    bp.backend.set("numba")
    python_loop(integral, 10, START, PARAMS)                       # compile everything first
    bp.backend.set("numpy")
    for compiled in (loop, fast["neuron_loop"]):
        compiled(10, *START, *PARAMS, np.empty(10))
    hand_written_neuron(10, np.empty(10))
    fast["hand_written_neuron"](*START, 10, DT, *PARAMS, np.empty(10))

    def scipy_run():
        return solve_ivp(lambda t, y: hh_derivative(*y, t, *PARAMS), (0, ts[-1]), list(START),
                         method="RK45", rtol=1e-6, atol=1e-6, t_eval=ts).y[0]

    cheap = 10          # the compiled rows take milliseconds: more samples per round
    cases = [
        ("manual Python loop, numpy backend",
         traced(lambda tr: python_loop(integral, steps, START, PARAMS, tr)), 1),
        ("manual Python loop, numba backend",
         BackendCase("numba", traced(lambda tr: python_loop(integral, steps, START, PARAMS, tr))),
         1),
        ("compiled path: @jit loop calling jit_step",
         traced(lambda tr: loop(steps, *START, *PARAMS, tr)), cheap),
        (HAND_WRITTEN, traced(lambda tr: hand_written_neuron(steps, tr)), cheap),
        ("scipy solve_ivp RK45 (rtol=atol=1e-6)", scipy_run, 1),
        ("[fastmath=True] compiled path: @jit loop calling jit_step",
         traced(lambda tr: fast["neuron_loop"](steps, *START, *PARAMS, tr)), cheap),
        ("[fastmath=True] hand-written @numba.njit rk4 loop",
         traced(lambda tr: fast["hand_written_neuron"](*START, steps, DT, *PARAMS, tr)), cheap),
    ]
    best = interleaved(cases, repeats)
    rows = [(name, elapsed, np.max(np.abs(trace - exact))) for name, (elapsed, trace) in
            best.items()]
    rows.extend(brainpy_rows(repeats, exact))
    return rows, best[HAND_WRITTEN][0]


def population(n_neurons, duration, repeats, fast):
    steps = int(round(duration / DT))
    rng = np.random.default_rng(0)
    V0 = rng.uniform(-70, -50, n_neurons)
    Iext = np.linspace(5.0, 15.0, n_neurons)
    gating = (np.full(n_neurons, 0.05), np.full(n_neurons, 0.6), np.full(n_neurons, 0.32))
    shared = PARAMS[1:]
    integral = bp.odeint(hh_derivative, method="rk4", dt=DT, var_type=bp.POPU_VAR)

    def fresh():
        return [V0.copy()] + [g.copy() for g in gating]

    def small():
        return [a[:2].copy() for a in fresh()]

    array_loop = compiled_array_loop(integral.jit_step)
    per_neuron = compiled_per_neuron_loop(integral.jit_step)
    bp.backend.set("numba")
    python_loop(integral, 1, small(), (Iext[:2],) + shared)           # compile everything first
    bp.backend.set("numpy")
    array_loop(1, *small(), Iext[:2], *shared)
    for kernel in (per_neuron, fast["per_neuron_loop"]):
        kernel(1, *small(), Iext[:2], *shared)
    for kernel in (hand_written_population, fast["hand_written_population"]):
        kernel(*small(), Iext[:2], 1, DT, *shared)

    def in_place(kernel):
        def run():
            state = fresh()
            kernel(state)
            return state[0]
        return run

    def rhs(t, y):
        V, m, h, n = y.reshape(4, n_neurons)
        return np.concatenate(hh_derivative(V, m, h, n, t, Iext, *shared))

    reference_name = "hand-written @numba.njit loop over neurons (reference)"
    cases = [
        ("Python loop over time, arrays, numpy backend",
         lambda: python_loop(integral, steps, fresh(), (Iext,) + shared)[0], 1),
        ("Python loop over time, arrays, numba backend",
         BackendCase("numba", lambda: python_loop(integral, steps, fresh(), (Iext,) + shared)[0]),
         1),
        ("compiled path: @jit time loop, jit_step on arrays",
         lambda: array_loop(steps, *fresh(), Iext, *shared)[0], 1),
        ("compiled path: @jit loop over neurons, jit_step on scalars",
         in_place(lambda state: per_neuron(steps, *state, Iext, *shared)), 1),
        (reference_name,
         in_place(lambda state: hand_written_population(*state, Iext, steps, DT, *shared)), 1),
        (f"scipy solve_ivp RK45 (rtol=atol=1e-6), {4 * n_neurons:,} variables",
         lambda: solve_ivp(rhs, (0, duration), np.concatenate(fresh()), method="RK45",
                           rtol=1e-6, atol=1e-6).y[:n_neurons, -1], 0),
        ("[fastmath=True] compiled path: loop over neurons",
         in_place(lambda state: fast["per_neuron_loop"](steps, *state, Iext, *shared)), 1),
        ("[fastmath=True] hand-written loop over neurons",
         in_place(lambda state: fast["hand_written_population"](*state, Iext, steps, DT,
                                                                 *shared)), 1),
    ]
    best = interleaved(cases, repeats)
    reference_V = best[reference_name][1]
    table = [(name, elapsed, np.max(np.abs(V - reference_V))) for name, (elapsed, V) in
             best.items()]
    return table, best[reference_name][0], steps


def print_table(title, rows, reference_time, error_label):
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'implementation':<{width}}{'time (s)':>10}{'ratio':>9}{error_label:>22}")
    print("-" * (width + 41))
    for name, elapsed, error in rows:
        print(f"{name:<{width}}{elapsed:>10.4f}{elapsed / reference_time:>8.2f}x{error:>22.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=100_000)
    parser.add_argument("--population-ms", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--population-repeats", type=int, default=3)
    args = parser.parse_args()

    print(f"workbench integrators benchmark: numba {numba.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores")
    fast = fastmath_builds()
    rows, reference = single_neuron(args.repeats, fast)
    print_table("HH, one neuron, rk4, dt=0.01 ms, 100 ms (10,000 steps); ratio vs hand-written",
                rows, reference, "max |V - DOP853| (mV)")
    rows, reference, steps = population(args.population, args.population_ms,
                                        args.population_repeats, fast)
    print_table(f"HH, {args.population:,} neurons, rk4, dt=0.01 ms, {args.population_ms:g} ms "
                f"({steps} steps); ratio vs hand-written", rows, reference,
                "max |V - reference|")


if __name__ == "__main__":
    sys.exit(main())
