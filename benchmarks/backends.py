"""The manual's general HH model (ch. 3.1.2) with 10,000 neurons for 100 ms on every backend.

For each backend whose package is installed this prints

* ``first run``: the first ``run()`` of a new group, compilation included
  (numba: generated code, possibly loaded from the disk cache; jax: tracing
  and XLA compilation of the time-step block; pytorch/tensorflow: nothing to
  compile);
* ``repeat run``: the same group run again (repeat mode) -- the simulation
  speed -- and its ratio to numpy's repeat run;
* ``compile``: first minus repeat, and the compilations counted by
  ``bp.jit_compilations()``.

The model integrates with rk4 at the run's time step (dt = 0.05 ms, 2,000
steps for 100 ms) and monitors ``V`` of all neurons (160 MB of records), with a
constant input current of 10.

A second table measures how monitor records of a tensor backend are best
copied into numpy: per time step (``rec[i] = tensor``, what the engine does)
or collected in a tensor buffer and copied once per chunk.

Usage: ``PYTHONPATH=. python benchmarks/backends.py [--neurons 10000] [--duration 100]
[--backends numba,pytorch,jax,tensorflow]`` (numpy, the reference, always runs).

PyTorch runs its operations on all cores (OpenMP); on a machine shared with
other busy processes that makes it much slower and noisier than the others.
"""

import argparse
import importlib
import time

import numpy as np

import workbench as bp
from tests.simulation.manual_models import HH
from workbench.backend.settings import BACKEND_PACKAGES, BACKEND_PIP_NAMES

BACKENDS = ["numpy", "numba", "pytorch", "jax", "tensorflow"]
#: Time step of the run and of the rk4 integrator (ms): rk4 diverges from the initial state
#: at 0.1 ms; the manual integrates with 0.01 ms.
DT = 0.05


def make_group(neurons):
    """The manual's HH group (ch. 3.1.2) integrating with rk4 at the run's time step.

    The manual integrates with dt=0.01 inside 0.1 ms run steps; here both are ``DT``, so a
    run of 100 ms covers 100 ms of the model's time.
    """
    group = HH(neurons, monitors=['V'])
    group.integral = bp.odeint(f=group.diff, method='rk4', dt=DT)
    return group


def _installed(backend):
    package = BACKEND_PACKAGES.get(backend)
    if package is None:
        return True
    try:
        importlib.import_module(package)
        return True
    except ImportError:
        return False


def measure(backend, neurons, duration):
    """(first run s, repeat run s, compilations, V trace) of one backend."""
    bp.backend.set(backend, dt=DT)
    group = make_group(neurons)
    compiled = bp.jit_compilations()
    start = time.perf_counter()
    group.run(duration, inputs=('input', 10.))
    first = time.perf_counter() - start
    compilations = bp.jit_compilations() - compiled
    trace = group.mon.V[:, :3].copy()
    group.V = bp.ops.ones(neurons) * -65.
    start = time.perf_counter()
    group.run(duration, inputs=('input', 10.))
    repeat = time.perf_counter() - start
    compilations_repeat = bp.jit_compilations() - compiled - compilations
    bp.backend.set('numpy')
    return first, repeat, compilations, compilations_repeat, trace


def monitor_copies(backend, neurons, steps, repeats=3):
    """Seconds to record ``steps`` rows of a state tensor: per step vs per chunk."""
    bp.backend.set(backend)
    value = bp.ops.ones(neurons) * 0.5
    records = np.zeros((steps, neurons))
    per_step = per_chunk = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(steps):
            records[i] = value
        per_step = min(per_step, time.perf_counter() - start)
        start = time.perf_counter()
        if backend == "pytorch":
            import torch
            buffer = torch.empty((steps, neurons), dtype=torch.float64)
            for i in range(steps):
                buffer[i].copy_(value)
            records[:] = buffer.numpy()
        else:   # immutable tensors: keep the rows, stack once
            rows = []
            for i in range(steps):
                rows.append(value)
            stack = {"tensorflow": lambda r: importlib.import_module("tensorflow").stack(r),
                     "jax": lambda r: importlib.import_module("jax.numpy").stack(r)}[backend]
            records[:] = np.asarray(stack(rows))
        per_chunk = min(per_chunk, time.perf_counter() - start)
    bp.backend.set('numpy')
    return per_step, per_chunk


def main(neurons=10000, duration=100., backends=BACKENDS):
    print(f"HH (manual ch. 3.1.2, target_backend='general'), {neurons} neurons, {duration:g} ms "
          f"at dt={DT} ms ({int(round(duration / DT))} steps), monitor V, input 10")
    print(f"{'backend':<11} {'first run':>10} {'repeat run':>11} {'vs numpy':>9} "
          f"{'compile':>8} {'compilations':>13}   max |V - V_numpy|")
    results = {}
    for backend in ["numpy"] + [b for b in backends if b != "numpy"]:
        if not _installed(backend):
            print(f"{backend:<11} missing: pip install {BACKEND_PIP_NAMES[backend]}")
            continue
        results[backend] = measure(backend, neurons, duration)
        first, repeat, compilations, again, trace = results[backend]
        base = results["numpy"]
        deviation = np.abs(trace - base[4]).max()
        print(f"{backend:<11} {first:9.2f}s {repeat:10.2f}s {repeat / base[1]:8.2f}x "
              f"{max(first - repeat, 0.):7.2f}s {compilations:>6} (+{again} repeat)   "
              f"{deviation:.1e}")
    print()
    steps = int(round(duration / DT))
    print(f"monitor records of {neurons} float64 values for {steps} steps: copied to numpy per "
          f"step vs collected in a tensor and copied per chunk")
    for backend in ("pytorch", "tensorflow", "jax"):
        if backend in backends and _installed(backend):
            per_step, per_chunk = monitor_copies(backend, neurons, steps)
            print(f"{backend:<11} per step {per_step * 1e3:8.1f} ms   per chunk "
                  f"{per_chunk * 1e3:8.1f} ms   ({per_chunk / per_step:.2f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=10000)
    parser.add_argument("--duration", type=float, default=100.)
    parser.add_argument("--backends", default=",".join(BACKENDS[1:]),
                        help="comma-separated backends besides numpy")
    options = parser.parse_args()
    main(options.neurons, options.duration, options.backends.split(","))
