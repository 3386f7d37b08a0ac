"""bp.measure and bp.inputs: workbench against brainpy-simulator 1.0.3, same data, one run.

Prints, per function, the best-of-N wall time of workbench and of BrainPy 1.0.3
(run in its own virtualenv on the same arrays) with the ratio, and how far the
results agree. BrainPy's interpreter is taken from ``BRAINPY_PYTHON``
(default ``/work/venvs/brainpy103/bin/python``); without it only workbench's
times are printed.

Usage: ``PYTHONPATH=. python benchmarks/measure_inputs.py``
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import workbench as bp

BRAINPY_PYTHON = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy103/bin/python")
DT = 0.1
REPEATS = 3

# Each case: name -> (workbench call, BrainPy 1.0.3 expression over the same data)
PEER_SCRIPT = r"""
import json, sys, time
import numpy as np
import brainpy as bp
bp.backend.set('numpy', dt=%(dt)r)
data = np.load(sys.argv[1])
sync, big, volts = data['sync'], data['big'], data['volts']
cases = {
    'cross_correlation (200 x 5000, bin 0.5)': lambda: bp.measure.cross_correlation(sync, 0.5),
    'firing_rate gaussian (4000 x 10000, 5 ms)': lambda: bp.measure.firing_rate(big, 5., 'gaussian'),
    'firing_rate flat (4000 x 10000, 5 ms)': lambda: bp.measure.firing_rate(big, 5., 'flat'),
    'brainpy_firing_rate gaussian (4000 x 10000, 5 ms)': lambda: bp.measure.firing_rate(big, 5., 'gaussian'),
    'raster_plot (4000 x 10000)': lambda: bp.measure.raster_plot(big, np.arange(big.shape[0]) * %(dt)r),
    'voltage_fluctuation (4000 x 10000)': lambda: bp.measure.voltage_fluctuation(volts),
    'period_input (3 periods, 1000 s)': lambda: bp.inputs.period_input([0, 1., 0.], [1e5, 8e5, 1e5]),
    'spike_input (1000 pulses, 1000 s)': lambda: bp.inputs.spike_input(list(np.arange(1000) * 1000.), 1., 0.5, 1e6),
    'ramp_input (1000 s)': lambda: bp.inputs.ramp_input(0, 1, 1e6, 1e5, 9e5),
}
out = {}
for name, call in cases.items():
    best, value = float('inf'), None
    for _ in range(%(repeats)d):
        start = time.perf_counter(); value = call(); best = min(best, time.perf_counter() - start)
    if isinstance(value, tuple):
        value = [np.asarray(v).tolist() for v in value]
    elif isinstance(value, np.ndarray):
        value = value.tolist()
    else:
        value = float(value)
    out[name] = {'time': best, 'value': value}
json.dump(out, open(sys.argv[2], 'w'))
"""


def make_data():
    rng = np.random.default_rng(2021)
    # a partly synchronous population: common 40 Hz drive plus private spikes
    common = rng.random(5000) < 40 * DT / 1000
    sync = (rng.random((5000, 200)) < 10 * DT / 1000) | (common[:, None] & (rng.random((5000, 200)) < 0.6))
    big = rng.random((10_000, 4000)) < 20 * DT / 1000
    volts = -65 + 5 * np.sin(np.arange(10_000)[:, None] * 0.01) + rng.normal(0, 3, (10_000, 4000))
    return {"sync": sync.astype(float), "big": big.astype(float), "volts": volts}


def workbench_cases(data):
    sync, big, volts = data["sync"], data["big"], data["volts"]
    times = np.arange(big.shape[0]) * DT
    return {
        "cross_correlation (200 x 5000, bin 0.5)": lambda: bp.measure.cross_correlation(sync, 0.5, DT),
        "firing_rate gaussian (4000 x 10000, 5 ms)": lambda: bp.measure.firing_rate(big, 5., "gaussian", DT),
        "firing_rate flat (4000 x 10000, 5 ms)": lambda: bp.measure.firing_rate(big, 5., "flat", DT),
        # BrainPy's firing_rate returns smoothed counts (see bp.measure.brainpy_firing_rate)
        "brainpy_firing_rate gaussian (4000 x 10000, 5 ms)":
            lambda: bp.measure.brainpy_firing_rate(big, 5., "gaussian", DT),
        "raster_plot (4000 x 10000)": lambda: bp.measure.raster_plot(big, times),
        "voltage_fluctuation (4000 x 10000)": lambda: bp.measure.voltage_fluctuation(volts),
        "period_input (3 periods, 1000 s)": lambda: bp.inputs.period_input([0, 1., 0.], [1e5, 8e5, 1e5], DT),
        "spike_input (1000 pulses, 1000 s)": lambda: bp.inputs.spike_input(np.arange(1000) * 1000., 1., 0.5, 1e6, DT),
        "ramp_input (1000 s)": lambda: bp.inputs.ramp_input(0, 1, 1e6, 1e5, 9e5, DT),
    }


def best_time(call):
    best, value = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - start)
    return best, value


def agreement(ours, theirs):
    """A short text saying how far two results differ."""
    if isinstance(ours, tuple):
        same = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(ours, theirs))
        return "identical" if same else "differ"
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if ours.shape != theirs.shape:
        return f"shapes {ours.shape} vs {theirs.shape}"
    if ours.ndim == 0:
        return f"{float(ours):.6g} vs {float(theirs):.6g}"
    middle = slice(ours.shape[0] // 10, -ours.shape[0] // 10)
    diff = np.max(np.abs(ours - theirs))
    inner = np.max(np.abs(ours[middle] - theirs[middle]))
    scale = max(np.max(np.abs(theirs)), 1e-300)
    return f"max |diff| {diff / scale:.2g} (middle 80%: {inner / scale:.2g}) of max"


def run_peer(data):
    if not os.path.exists(BRAINPY_PYTHON):
        print(f"BrainPy 1.0.3 not found at {BRAINPY_PYTHON} (set BRAINPY_PYTHON); skipping the peer.")
        return None
    with tempfile.TemporaryDirectory() as folder:
        arrays, result = os.path.join(folder, "data.npz"), os.path.join(folder, "out.json")
        np.savez(arrays, **data)
        script = PEER_SCRIPT % {"dt": DT, "repeats": REPEATS}
        done = subprocess.run([BRAINPY_PYTHON, "-c", script, arrays, result],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print("BrainPy 1.0.3 run failed:\n" + done.stderr[-2000:])
            return None
        with open(result) as handle:
            return json.load(handle)


def main():
    data = make_data()
    peer = run_peer(data)
    header = f"{'function':50s} {'workbench s':>12s} {'BrainPy s':>10s} {'speed-up':>9s}  agreement"
    print(header)
    print("-" * len(header))
    for name, call in workbench_cases(data).items():
        seconds, value = best_time(call)
        if peer is None:
            print(f"{name:50s} {seconds:12.4f}")
            continue
        theirs = peer[name]
        print(f"{name:50s} {seconds:12.4f} {theirs['time']:10.4f} "
              f"{theirs['time'] / seconds:8.1f}x  {agreement(value, theirs['value'])}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
