"""bp.sweep: the manual's gamma-oscillation search in this process vs 2 local worker processes.

The sweep is the ch. 9.1 search (100 HH neurons, all-to-all GABAA, the 11
``g_max`` values, 500 ms at dt = 0.04 ms on the numba backend), run with 4
repeats per value (44 sets) so that the work outweighs starting workers.

Executors, each timed on a *cold* sweep (new worker processes that import
workbench and load the compiled model from numba's disk cache) and a *warm*
one (the same workers again: models built and compiled, nothing to load):

* ``serial``      -- this process (the reference of the ratios);
* ``pool``        -- a ``ProcessPoolExecutor`` of 2 spawned processes;
* ``dask``        -- a ``dask.distributed.LocalCluster`` of 2 worker processes.

Printed per run: wall time, speed-up against serial (serial wall / wall), CPU
seconds of this process (driver), CPU seconds spent inside the sets on the
workers (sum of the table's ``cpu_seconds``), and whether the table equals the
serial one. The machine's cores may be shared with other work, so the CPU
columns say how much work there was; the wall column says how fast it got done.

Usage: ``PYTHONPATH=. python benchmarks/sweep.py [--sets-per-value 4] [--duration 500]``
"""

import argparse
import concurrent.futures
import logging
import multiprocessing
import os
import time

import numpy as np

import workbench as bp
from tests.sweep.models import GAMMA_G_MAX, build_gamma, coherence

DT = 0.04


def timed(label, run):
    cpu, wall = time.process_time(), time.perf_counter()
    table = run()
    return {"label": label, "wall": time.perf_counter() - wall,
            "driver_cpu": time.process_time() - cpu,
            "set_cpu": float(np.nansum(table["cpu_seconds"])), "table": table}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets-per-value", type=int, default=4, help="repeats of each g_max")
    parser.add_argument("--duration", type=float, default=500., help="ms per set")
    args = parser.parse_args()

    bp.backend.set("numba", dt=DT)
    search = bp.sweep.Sweep(build_gamma, {"GABAA.g_max": GAMMA_G_MAX}, measure=coherence,
                            duration=args.duration, inputs=("HH.input", 1.2),
                            repeats=args.sets_per_value, seed=2021)
    print(f"gamma search: {len(search)} sets ({len(GAMMA_G_MAX)} g_max x "
          f"{args.sets_per_value} repeats), {args.duration:g} ms each, dt={DT}, "
          f"{os.cpu_count()} CPUs")

    # fill numba's disk cache first, so 'cold' below means process start + cache load
    warm_up = bp.sweep.Sweep(build_gamma, {"GABAA.g_max": GAMMA_G_MAX[:1]}, measure=coherence,
                             duration=1., inputs=("HH.input", 1.2), seed=2021)
    t = time.perf_counter()
    warm_up.run(progress=False)
    print(f"compile (or load) the model in this process: {time.perf_counter() - t:.1f} s")
    bp.sweep.clear_cache()

    runs = [timed("serial, cold", lambda: search.run(progress=False)),
            timed("serial, warm", lambda: search.run(progress=False))]

    pool = concurrent.futures.ProcessPoolExecutor(max_workers=2,
                                                  mp_context=multiprocessing.get_context("spawn"))
    try:
        runs.append(timed("pool x2, cold", lambda: search.run(executor=pool, progress=False)))
        runs.append(timed("pool x2, warm", lambda: search.run(executor=pool, progress=False)))
    finally:
        pool.shutdown()

    from distributed import Client, LocalCluster
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    print(f"LocalCluster start: {time.perf_counter() - t:.1f} s (not in the times below)")
    try:
        runs.append(timed("dask x2, cold", lambda: search.run(client=client, progress=False)))
        runs.append(timed("dask x2, warm", lambda: search.run(client=client, progress=False)))
    finally:
        client.close()
        cluster.close()

    reference = runs[0]
    print()
    print(f"{'executor':<16}{'wall s':>9}{'speed-up':>10}{'driver CPU s':>14}"
          f"{'CPU in sets s':>15}{'same table':>12}")
    for run in runs:
        base = reference if "cold" in run["label"] else runs[1]
        print(f"{run['label']:<16}{run['wall']:>9.2f}{base['wall'] / run['wall']:>10.2f}"
              f"{run['driver_cpu']:>14.2f}{run['set_cpu']:>15.2f}"
              f"{str(run['table'].equals(reference['table'])):>12}")
    print("\nspeed-up: serial wall / wall of the same kind of run (cold vs cold, warm vs warm)")


if __name__ == "__main__":
    main()
