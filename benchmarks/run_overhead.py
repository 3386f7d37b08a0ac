"""Repeat runs of short simulations: what ``net.run`` costs besides the compiled loop.

Live panels and sweeps run the same compiled network again and again for short
simulated times, where the Python work of a run (planning it, gathering the
loop's arguments, the NaN/inf checks and failure snapshots between its 10 chunks)
weighs as much as the simulation. The network is the ch. 6 COBA of
``benchmarks/scale.py`` (``--size`` cells, every spike recorded as events), numba
backend, compiled before timing. Each run length is repeated and the median CPU
time printed; ``0.1 ms`` (one step) is almost all overhead.

With ``--reference DIR`` (another checkout, e.g. ``git worktree add /tmp/ref <commit>``)
the two codes run in alternating fresh processes, every process printed with the
machine load, so a change can be measured against the code before it.

Usage::

    PYTHONPATH=. python benchmarks/run_overhead.py [--size 4000] [--rounds 3] [--reference DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: (simulated ms, repeats) of each run length
LENGTHS = ((0.1, 40), (10.0, 40), (100.0, 15), (1000.0, 5))


def worker(size):
    """Build, compile, time every run length; print one JSON line of median CPU ms."""
    import numpy as np
    sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
    import workbench as bp
    import scale

    bp.backend.set("numba", dt=0.1)
    net, _, _, _ = scale.coba_network(size)
    net.run(10.)
    before = bp.jit_compilations()
    medians = {}
    for duration, repeats in LENGTHS:
        times = []
        for _ in range(repeats):
            start = time.process_time()
            net.run(duration)
            times.append(time.process_time() - start)
        medians[str(duration)] = float(np.median(times)) * 1e3
    print(json.dumps({"medians": medians, "compiled": bp.jit_compilations() - before}))


def _load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run(root, size):
    env = dict(os.environ, PYTHONPATH=root)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker",
                           "--size", str(size)], cwd=root, env=env, capture_output=True,
                          text=True, timeout=1200)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4000, help="cells of the COBA network")
    parser.add_argument("--rounds", type=int, default=3, help="processes per code")
    parser.add_argument("--reference", help="another checkout to alternate with")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.size)
        return
    codes = [("this", ROOT)] + ([("reference", os.path.abspath(args.reference))]
                                if args.reference else [])
    print(f"COBA {args.size} cells, numba, repeat runs (median CPU ms per run); "
          f"load {_load()}")
    header = "  ".join(f"{d:g} ms".rjust(9) for d, _ in LENGTHS)
    print(f"  {'code':17s}  {header}")
    results = {name: [] for name, _ in codes}
    for round_ in range(args.rounds):
        for name, root in (codes if round_ % 2 == 0 else codes[::-1]):
            result = _run(root, args.size)
            results[name].append(result["medians"])
            cells = "  ".join(f"{result['medians'][str(d)]:9.2f}" for d, _ in LENGTHS)
            print(f"  {name:17s}  {cells}   compiled {result['compiled']}; load {_load()}",
                  flush=True)
    for name, rounds in results.items():
        cells = []
        for duration, _ in LENGTHS:
            cells.append(f"{statistics.median(r[str(duration)] for r in rounds):9.2f}")
        print(f"  {name + ' median':17s}  {'  '.join(cells)}")


if __name__ == "__main__":
    main()
