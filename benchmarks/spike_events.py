"""Spike monitors: events against dense rows of the same 0/1 variable, in one compiled loop.

4,000 LIF neurons (Euler, threshold 20, drives 20.5 to 21.5: 27 to 37 Hz) for 1 s at
dt = 0.1. ``spike`` is recorded as events (a numeric array named ``spike``); ``fired``
holds the same values under another name and is recorded as dense float64 rows
(4,000 x 10,000 = 320 MB). Both groups are compiled first, then run alternately; every
run is printed (the first dense run pays for touching its 320 MB).

Usage::

    PYTHONPATH=. python benchmarks/spike_events.py [numba|numpy] [repeats]
"""

import sys
import time

import numpy as np

import workbench as bp


class LIF(bp.NeuGroup):
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.V = np.zeros(self.num)
        self.input = np.zeros(self.num)
        self.spike = np.zeros(self.num)      # named spike: recorded as events
        self.fired = np.zeros(self.num)      # the same values, another name: dense rows

    def update(self, _t):
        for i in range(self.num):
            V = self.V[i] + 0.1 * (self.input[i] - self.V[i]) / 10.
            s = 1. if V >= 20. else 0.
            self.spike[i] = s
            self.fired[i] = s
            self.V[i] = 0. if V >= 20. else V
            self.input[i] = 0.


def main(backend="numba", repeats=5):
    bp.backend.set(backend, dt=0.1)
    drive = 20.5 + np.random.RandomState(0).random_sample(4000)
    groups = {"events (spike)": LIF(4000, monitors=["spike"]),
              "dense float64 (fired)": LIF(4000, monitors=["fired"])}
    for group in groups.values():
        group.run(10., inputs=("input", drive))                  # compile
    times = {name: [] for name in groups}
    for _ in range(repeats):
        for name, group in groups.items():                       # alternating
            start = time.perf_counter()
            group.run(1000., inputs=("input", drive))
            times[name].append(time.perf_counter() - start)
    print(f"| 4,000 LIF, 1 s, {backend} | runs (s) | median | ratio to dense |")
    print("|---|---|---|---|")
    dense = np.median(times["dense float64 (fired)"])
    for name, runs in times.items():
        print(f"| {name} | {' '.join(f'{t:.3f}' for t in runs)} | {np.median(runs):.3f} | "
              f"{np.median(runs) / dense:.2f}x |")
    events = groups["events (spike)"].mon.spike_events
    same = np.array_equal(groups["events (spike)"].mon.spike,
                          groups["dense float64 (fired)"].mon.fired)
    print(f"\n{len(events)} events ({16 * len(events) / 2 ** 20:.1f} MB), dense rows "
          f"{4000 * 10000 * 8 / 2 ** 20:.0f} MB; records identical: {same}")


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["numba"]), *(int(a) for a in sys.argv[2:3]))
