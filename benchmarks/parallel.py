"""'numba-parallel' against 'numba' on the ch. 6 COBA network (CobaLIF + 4 x SynVec5), 40,000 cells.

The network is the one of ``benchmarks/scale.py`` (80% excitatory, ``FixedProb``
with 80 synapses per neuron on average, Euler steps of 0.1 ms, every spike
monitored as events). Each run is a fresh process with its own empty disk cache,
and the two backends alternate (serial, parallel, serial, ...); every run is
printed, not the best. A run reports

* compile: the first call (a 0.1 ms run: generating, compiling, loading),
* run: the running time ``net.run`` reports for ``--seconds`` simulated,
* the functions that run compiled (must be 0),
* the spikes and a hash of every spike (step, neuron) and the final potentials:
  the hashes of the two backends must be equal (bitwise identical results),
* the steps that have a parallel twin (split by index in the chunk region), and the
  share of time steps the executor ran in parallel (it measures and runs serially
  while that is faster, ``workbench/simulation/numba/parallel_choice.py``).

Usage::

    PYTHONPATH=. python benchmarks/parallel.py [--size 40000] [--seconds 1] [--repeats 3]
    # in one process: 20 chunks of 100 steps, the serial run loop and the chunk region
    # with all threads alternating
    PYTHONPATH=. python benchmarks/parallel.py --chunks 20
    # what two threads can gain on this machine for loops of the same size (synthetic)
    PYTHONPATH=. python benchmarks/parallel.py --ceiling

``benchmarks/one_region.py`` measures the same network written by hand, with one region
per chunk and spike lists written by the threads that compute the spikes (which the
engine's chunk region does not have).

The machine load (``os.getloadavg``) is printed with every run: on a 2-core
machine, other processes take a core from the parallel runs and the ratio then
says little.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale import SYNAPSES_PER_NEURON, coba_network  # noqa: E402


def _network(size, backend):
    """The 40,000-neuron (``size``) COBA network of ``benchmarks/scale.py`` on ``backend``."""
    import workbench as bp

    bp.backend.set(backend, dt=0.1)
    net, E, I, _ = coba_network(size)
    return net, E, I


def chunks(size, count, steps=100):
    """Chunks of ``steps`` steps, the run loop (one thread) and the parallel path alternating.

    In one process: the serial run loop against what ``numba-parallel`` runs with all
    threads (the chunk region, ``generator/chunk_region.py``: its fixed cost of starting
    the threads is paid once per chunk, as in a run). The executor's probe is bypassed.
    The best chunks approximate a quiet machine when other processes come and go.
    """
    import numba

    from workbench.simulation import runner

    net, _, _ = _network(size, "numba-parallel")
    net.run(50.)                                  # compiles, and the network gets active
    run_steps = runner.build(net, steps * 2 * count * 0.1 + 1.)
    run_steps(0, 1)
    executor = net.__dict__["_wb_executor"]
    threads = (1, numba.get_num_threads())
    times = {n: [] for n in threads}
    i = 1
    for _ in range(count):
        for n in threads:
            started = time.perf_counter()
            executor._advance(i, i + steps, n > 1)
            times[n].append((time.perf_counter() - started) / steps * 1e6)
            i += steps
    print(f"  {'chunk region' if executor.region is not None else 'parallel twins'}, "
          f"chunks of {steps} steps", flush=True)
    for n in threads:
        ordered = sorted(times[n])
        print(f"  {n} thread(s): best {ordered[0]:.1f}, 10th percentile "
              f"{ordered[len(ordered) // 10]:.1f}, median {ordered[len(ordered) // 2]:.1f} us "
              f"per step", flush=True)
    print(f"  best chunks: {min(times[1]) / min(times[threads[1]]):.2f}x; medians: "
          f"{_median(times[1]) / _median(times[threads[1]]):.2f}x; load {_load()}")


def worker(size, seconds, backend):
    """Build, compile and run the network once; return the measurements."""
    import numpy as np

    import workbench as bp

    net, E, I = _network(size, backend)
    started = time.perf_counter()
    first = net.run(0.1)
    compile_time = time.perf_counter() - started - first
    before = bp.jit_compilations()
    run = net.run((0.1, 0.1 + seconds * 1000.))
    digest = hashlib.sha1()
    spikes = 0
    for group in (E, I):
        events = group.mon.spike_events
        spikes += len(events)
        digest.update(np.ascontiguousarray(events.times).tobytes())
        digest.update(np.ascontiguousarray(events.indices).tobytes())
        digest.update(np.ascontiguousarray(group.V).tobytes())
    executor = net.__dict__["_wb_executor"]
    twins = [step.twin.name for step in executor.code.steps.values()
             if getattr(step, "twin", None) is not None]
    steps = executor.parallel_choice.steps
    return {"backend": backend, "compile": compile_time, "run": run,
            "parallel_share": steps[True] / max(1, steps[True] + steps[False]),
            "compiled": bp.jit_compilations() - before, "spikes": spikes,
            "hash": digest.hexdigest()[:16], "twins": sorted(set(twins))}


def _run_worker(size, seconds, backend):
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, PYTHONPATH=ROOT, WORKBENCH_CACHE_DIR=cache_dir,
                   NUMBA_CACHE_DIR=os.path.join(cache_dir, "numba"))
        done = subprocess.run([sys.executable, __file__, "--worker", str(size), str(seconds),
                               backend], capture_output=True, text=True, env=env, cwd=ROOT)
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"backend": backend, "error": " | ".join(tail) or f"exit status {done.returncode}"}


def _median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else 0.5 * (values[middle - 1] + values[middle])


def ceiling(size, count):
    """What two threads can gain on this machine for work shaped like the network's steps.

    Synthetic numba loops, one thread against all threads alternating, in one process:

    * compute only (no memory traffic): the cores' own ratio;
    * a perfectly partitioned time step of the COBA network's element work (``size``
      neuron updates, two decays and two output updates per neuron, as the four SynVec5
      connections do) with one parallel region per step, and with six regions (the
      network's 2 neuron groups + 4 connections, each its own region), without any
      scatter or spike scan.

    A model's parallel step cannot beat these ratios on this machine.
    """
    import numba
    import numpy as np

    @numba.njit(parallel=True, nogil=True)
    def compute(x, rounds):
        for i in numba.prange(x.shape[0]):
            v = x[i]
            for _ in range(rounds):
                v = v * 0.999 + 0.001 * np.sin(v)
            x[i] = v

    @numba.njit(parallel=True, nogil=True)
    def one_region(V, I, g, out, steps):
        n = V.shape[0]
        for _ in range(steps):
            for i in numba.prange(n):
                V[i] = V[i] + 0.1 * (-65. - V[i] + I[i]) / 20.
                for k in range(2):
                    j = k * n + i
                    g[j] = g[j] + 0.1 * (-g[j] / 5.)
                    out[i] += g[j] * (0. - V[i])

    @numba.njit(parallel=True, nogil=True)
    def six_regions(V, I, g, out, steps):
        n = V.shape[0]
        m = n * 4 // 5
        for _ in range(steps):
            for i in numba.prange(m):
                V[i] = V[i] + 0.1 * (-65. - V[i] + I[i]) / 20.
            for i in numba.prange(m, n):
                V[i] = V[i] + 0.1 * (-65. - V[i] + I[i]) / 20.
            for k in range(4):
                lo, hi = (0, m) if k % 2 == 0 else (m, n)
                for i in numba.prange(lo, hi):
                    j = (k // 2) * n + i
                    g[j] = g[j] + 0.1 * (-g[j] / 5.)
                    out[i] += g[j] * (0. - V[i])

    rng = np.random.default_rng(1)
    cases = {
        "compute only": (compute, (rng.random(2000), 2000), 1),
        "network step, 1 region": (one_region, (rng.random(size), rng.random(size),
                                                rng.random(2 * size), np.zeros(size), 10), 10),
        "network step, 6 regions": (six_regions, (rng.random(size), rng.random(size),
                                                  rng.random(2 * size), np.zeros(size), 10), 10),
    }
    threads = (1, numba.get_num_threads())
    for name, (func, arguments, steps) in cases.items():
        func(*arguments)                                    # compile
        times = {n: [] for n in threads}
        for _ in range(count):
            for n in threads:
                numba.set_num_threads(n)
                started = time.perf_counter()
                func(*arguments)
                times[n].append((time.perf_counter() - started) / steps * 1e6)
        numba.set_num_threads(threads[-1])
        best = {n: min(times[n]) for n in threads}
        middle = {n: _median(times[n]) for n in threads}
        print(f"  {name:24s} 1 thread best {best[1]:8.1f} us, {threads[-1]} threads "
              f"{best[threads[-1]]:8.1f} us: {best[1] / best[threads[-1]]:.2f}x best, "
              f"{middle[1] / middle[threads[-1]]:.2f}x medians", flush=True)
    print(f"  load after: {_load()}")


def _load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40000)
    parser.add_argument("--seconds", type=float, default=1.0, help="simulated seconds per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per backend")
    parser.add_argument("--chunks", type=int, default=0,
                        help="instead: this many chunks of 100 steps each way in one process")
    parser.add_argument("--ceiling", action="store_true",
                        help="instead: synthetic loops shaped like the network's steps, one "
                             "thread against all (what this machine allows)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ceiling:
        print(f"Two-thread ceiling for {args.size} neurons' element work; load before: "
              f"{_load()}", flush=True)
        ceiling(args.size, 100)
        return
    if args.chunks:
        print(f"COBA {args.size} neurons, numba-parallel, chunks of 100 steps, the run loop "
              f"(one thread) and all threads alternating; load before: {_load()}", flush=True)
        chunks(args.size, args.chunks)
        return
    if args.worker:
        size, seconds, backend = args.worker
        print("RESULT " + json.dumps(worker(int(size), float(seconds), backend)))
        return
    import numba
    print(f"COBA {args.size} neurons (CobaLIF + 4 x SynVec5, {SYNAPSES_PER_NEURON} synapses per "
          f"neuron), {args.seconds:g} s simulated per run, spikes monitored; {os.cpu_count()} "
          f"CPUs, numba {numba.__version__} with {numba.config.NUMBA_NUM_THREADS} threads; "
          f"load before: {_load()}", flush=True)
    times = {"numba": [], "numba-parallel": []}
    hashes = set()
    for repeat in range(args.repeats):
        for backend in ("numba", "numba-parallel"):
            result = _run_worker(args.size, args.seconds, backend)
            if "error" in result:
                print(f"  {backend:15s} failed: {result['error']}", flush=True)
                continue
            times[backend].append(result["run"])
            hashes.add(result["hash"])
            print(f"  run {repeat + 1} {backend:15s} compile {result['compile']:6.2f} s   run "
                  f"{result['run']:7.3f} s   compiled {result['compiled']}   spikes "
                  f"{result['spikes']}   hash {result['hash']}   parallel twins "
                  f"{','.join(result['twins']) or '-'} (steps run in parallel: "
                  f"{100 * result['parallel_share']:.0f}%)   load {_load()}", flush=True)
    if times["numba"] and times["numba-parallel"]:
        serial, parallel = _median(times["numba"]), _median(times["numba-parallel"])
        print(f"\nmedian numba {serial:.3f} s, numba-parallel {parallel:.3f} s: "
              f"speed-up {serial / parallel:.2f}x; runs paired in order: " +
              ", ".join(f"{s / p:.2f}x" for s, p in zip(times["numba"], times["numba-parallel"])))
    print(f"spikes and potentials identical across all runs: {len(hashes) == 1}")
    print(f"load after: {_load()}")


if __name__ == "__main__":
    main()
