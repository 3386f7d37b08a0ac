"""Integrators called from the user's own ``@numba.njit`` loop: workbench against BrainPy 1.0.3.

BrainPy's integrators are numba dispatchers on its numba backend, so a user's compiled loop
can call them; workbench's integrators are objects that numba types as their compiled step
(``Integrator._numba_type_``). The loop is the FitzHugh-Nagumo model of manual ch. 2:

* ``rk4``: 1,000,000 fixed steps of dt = 0.01;
* ``rkf45``: adaptive (tol 1e-6), the manual's loop passing the returned dt back, to t = 2000
  (BrainPy never lets dt grow, so it takes many more steps: compare the time per step);
* ``srk1w1_scalar``: 1,000,000 SDE steps (noise 0.1 on V) of dt = 0.01.

Rows (workbench): the user loop calling the integrator object, and the same loop calling
``integral.jit_step`` (what the simulation engine calls; it must cost the same). BrainPy:
the user loop calling its integrator on the numba backend (``BRAINPY_PYTHON``, default
``/work/venvs/brainpy/bin/python``); its SDE step returns an array for a scalar state, which
numba cannot use as a loop variable, so that row reports the failure.

Every round runs one fresh process per library, workbench and BrainPy in turns, and prints
its times: the *first call* (numba compiles the loop and the step -- from workbench's disk
cache after the first round -- then runs it: what a user waits for) and the best of 5
*repeat* calls. The table at the end gives the medians over rounds and BrainPy / workbench
ratios. Times are wall-clock seconds (the first call includes compilation, which is not all
CPU time of this process); run on a quiet machine for final numbers.

Usage::

    PYTHONPATH=. python benchmarks/integrators_in_user_numba.py [--rounds 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

BRAINPY_PYTHON = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy/bin/python")
HERE = os.path.dirname(os.path.abspath(__file__))

# One process of measurements; LIBRARY is 'workbench' or 'brainpy'.
CHILD = r'''
import json, sys, time
import numba
import numpy as np
LIBRARY = sys.argv[1]
if LIBRARY == "workbench":
    import workbench as bp
else:
    import brainpy as bp
    bp.backend.set("numba")

a, b, tau = 0.7, 0.8, 12.5


def fhn(V, w, t, Iext):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw


def noise(V, w, t, Iext):
    dV = 0.1
    dw = 0.
    return dV, dw


rk4 = bp.integrators.ode.rk4(fhn, dt=0.01)
rkf45 = bp.integrators.ode.rkf45(fhn, dt=0.01, adaptive=True, tol=1e-6)
srk = bp.integrators.sde.srk1w1_scalar(fhn, noise, dt=0.01)


@numba.njit
def fixed_loop(integral, n):
    V, w = -2.8, -1.8
    for i in range(n):
        V, w = integral(V, w, i * 0.01, 0.8)
    return V, n


@numba.njit
def adaptive_loop(integral, T):
    V, w, t, dt = -2.8, -1.8, 0.0, 0.01
    steps = 0
    while t < T:
        V, w, new_dt = integral(V, w, t, 0.8, dt)
        t += dt
        dt = new_dt
        steps += 1
    return V, steps


def measure(call):
    start = time.perf_counter()
    _, steps = call()
    first = time.perf_counter() - start
    repeats = []
    for _ in range(5):
        start = time.perf_counter()
        call()
        repeats.append(time.perf_counter() - start)
    return {"first": first, "repeat": min(repeats), "steps": int(steps)}


cases = {"rk4": lambda integral: fixed_loop(integral, 1_000_000),
         "rkf45": lambda integral: adaptive_loop(integral, 2000.0),
         "srk1w1_scalar": lambda integral: fixed_loop(integral, 1_000_000)}
integrals = {"rk4": rk4, "rkf45": rkf45, "srk1w1_scalar": srk}
out = {}
for name, run in cases.items():
    integral = integrals[name]
    targets = {"object": integral}
    if LIBRARY == "workbench":
        targets["jit_step"] = integral.jit_step
    for kind, target in targets.items():
        try:
            out[f"{name} ({kind})"] = measure(lambda: run(target))
        except Exception as exc:
            out[f"{name} ({kind})"] = {"error": f"{type(exc).__name__}: "
                                                + str(exc).strip().splitlines()[0][:70]}
print(json.dumps(out))
'''


def run_child(library):
    if library == "workbench":
        python, env = sys.executable, dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    else:
        python, env = BRAINPY_PYTHON, {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-c", CHILD, library], capture_output=True, text=True,
                          env=env)
    if done.returncode != 0:
        raise SystemExit(f"{library} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    libraries = ["workbench"] + (["brainpy"] if os.path.exists(BRAINPY_PYTHON) else [])
    results = {library: [] for library in libraries}
    for round_ in range(1, args.rounds + 1):
        for library in libraries:
            measured = run_child(library)
            results[library].append(measured)
            for case, value in measured.items():
                text = value.get("error") or (f"first {value['first']:8.3f} s   "
                                              f"repeat {value['repeat']:8.4f} s   "
                                              f"{value['steps']:8d} steps")
                print(f"round {round_}  {library:9s}  {case:26s}  {text}", flush=True)
    print()
    header = (f"{'case':26s} {'workbench first':>15s} {'repeat':>9s} {'BrainPy first':>14s} "
              f"{'repeat':>9s} {'ratio first':>11s} {'ratio repeat':>12s} "
              f"{'ratio per step':>14s}")
    print(header)
    print("-" * len(header))
    for case in results["workbench"][0]:
        row = [case]
        ours = [r[case] for r in results["workbench"] if "error" not in r[case]]
        medians = [statistics.median(v[key] for v in ours) for key in ("first", "repeat")]
        row = f"{case:26s} {medians[0]:15.3f} {medians[1]:9.4f}"
        name = case.split(" (")[0] + " (object)"
        if "brainpy" in results and case.endswith("(object)"):
            theirs = [r.get(name, {"error": "missing"}) for r in results["brainpy"]]
            if all("error" not in t for t in theirs):
                peer = [statistics.median(t[key] for t in theirs) for key in ("first", "repeat")]
                per_step = (peer[1] / theirs[0]["steps"]) / (medians[1] / ours[0]["steps"])
                row += (f" {peer[0]:14.3f} {peer[1]:9.4f} {peer[0] / medians[0]:10.2f}x "
                        f"{peer[1] / medians[1]:11.2f}x {per_step:13.2f}x")
            else:
                row += f"  BrainPy: {theirs[0]['error']}"
        print(row)
    print("\nratio = BrainPy time / workbench time (> 1: workbench is faster); medians over "
          f"{args.rounds} rounds; the machine may be shared. The adaptive loops take different "
          "numbers of steps (BrainPy's dt never grows): 'ratio per step' compares the cost of "
          "one step.")


if __name__ == "__main__":
    main()
