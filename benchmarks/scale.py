"""Scale series: the ch. 6 COBA network at 4,000, 40,000 and 400,000 neurons, 1 s, spikes recorded.

Each size runs in a fresh process with an empty disk cache (``WORKBENCH_CACHE_DIR``
in a new temporary folder), so the compile time is that of a first run. The
network is the manual's ``CobaLIF`` + ``SynVec5`` (pre_slice / post_ids), 80%
excitatory, ``FixedProb`` with 80 synapses per neuron on average (p = 80 / N; the
4,000 network is the manual's p = 0.02), Euler steps of 0.1 ms, every spike
monitored. Per size it prints:

* build: creating the groups and connections (seconds),
* compile: first run minus its simulated part (a 0.1 ms run; numba compiles or
  loads everything here),
* run 1 s: the running time ``net.run`` reports for 1 s (10,000 steps),
* a second 1 s run and the functions it compiled (must be 0),
* spikes and rates, and the peak resident memory of the process (``ru_maxrss``).

Dense spike records take N x 10,000 x 8 bytes per simulated second. If the
monitors store dense rows and that would take more than half of the available
memory, the size is reported as not run instead of being allowed to exhaust a
shared machine; event-based spike monitors (issue 14 item 2) lift this.

Usage: ``python benchmarks/scale.py [--sizes 4000 40000 400000] [--seconds 1]``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = (4000, 40000, 400000)
SYNAPSES_PER_NEURON = 80
SEED = 1234


def _available_bytes():
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def _dense_spike_records(group):
    """Whether ``group.mon.spike`` is a dense (steps x neurons) float array after a run."""
    return not hasattr(group.mon, "spike_events")


def worker(size, seconds, backend):
    import numpy as np

    import workbench as bp
    from tests.simulation import manual_models as mm

    bp.backend.set(backend, dt=0.1)
    n_exc = int(size * 0.8)
    n_inh = size - n_exc
    prob = min(1.0, SYNAPSES_PER_NEURON / size)
    steps = int(round(seconds * 1000 / 0.1))
    result = {"size": size, "backend": backend}

    probe = mm.CobaLIF(2, monitors=["spike"])
    probe.run(0.2)
    if _dense_spike_records(probe):
        need = 2 * size * steps * 8          # two 1 s runs are kept: one record array per run
        available = _available_bytes()
        result["dense_record_bytes"] = need // 2
        if available is not None and need > available // 2:
            result["error"] = (f"not run: dense spike records need {need / 2 ** 30:.1f} GB, more "
                               f"than half of the {available / 2 ** 30:.1f} GB available")
            return result

    started = time.perf_counter()
    np.random.seed(SEED)
    E = mm.CobaLIF(n_exc, monitors=["spike"])
    E.V = np.random.randn(n_exc) * 5. + mm.Vr
    I = mm.CobaLIF(n_inh, monitors=["spike"])
    I.V = np.random.randn(n_inh) * 5. + mm.Vr
    synapses = []
    for k, (pre, post, tau, weight, rev) in enumerate([
            (E, E, mm.tau_exc, mm.delta_exc, mm.E_exc), (E, I, mm.tau_exc, mm.delta_exc, mm.E_exc),
            (I, E, mm.tau_inh, mm.delta_inh, mm.E_inh), (I, I, mm.tau_inh, mm.delta_inh, mm.E_inh)]):
        conn = bp.connect.FixedProb(prob, seed=SEED + k + 1)
        synapses.append(mm.SynVec5(pre=pre, post=post, conn=conn, tau=tau, weight=weight, E=rev))
    net = bp.Network(E, I, *synapses)
    result["build"] = time.perf_counter() - started
    result["synapses"] = int(sum(s.post_ids.shape[0] for s in synapses))

    before = bp.jit_compilations()
    started = time.perf_counter()
    first = net.run(0.1)
    result["compile"] = time.perf_counter() - started - first
    result["compiled_functions"] = bp.jit_compilations() - before
    runs, start = [], 0.1
    for repeat in range(2):
        before = bp.jit_compilations()
        runs.append(net.run((start, start + seconds * 1000.)))
        if repeat == 0:
            spikes = int(E.mon.spike.sum() + I.mon.spike.sum())
            result["spikes"] = spikes
            result["rate_hz"] = spikes / size / seconds
        else:
            result["repeat_compilations"] = bp.jit_compilations() - before
        start += seconds * 1000.
    result["runs"] = runs
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def _run_worker(size, seconds, backend):
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, PYTHONPATH=ROOT, WORKBENCH_CACHE_DIR=cache_dir,
                   NUMBA_CACHE_DIR=os.path.join(cache_dir, "numba"))
        try:
            done = subprocess.run([sys.executable, __file__, "--worker", str(size), str(seconds),
                                   backend], capture_output=True, text=True, env=env,
                                  timeout=7200, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"size": size, "error": "timed out after 2 h"}
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"size": size, "error": " | ".join(tail) or f"exit status {done.returncode}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--seconds", type=float, default=1.0, help="simulated seconds per run")
    parser.add_argument("--backend", default="numba", choices=["numba", "numba-parallel"])
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(int(args.worker[0]), float(args.worker[1]), args.worker[2])
        print("RESULT " + json.dumps(result))
        return
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"COBA scale series ({args.backend}), CobaLIF + SynVec5, {SYNAPSES_PER_NEURON} synapses "
          f"per neuron, {args.seconds:g} s per run, all spikes monitored; load: {load}\n",
          flush=True)
    header = (f"{'neurons':>8} {'synapses':>10} {'build s':>8} {'compile s':>9} "
              f"{'run s':>15} {'rate Hz':>8} {'peak MB':>8} {'recompiled':>10}")
    rows = []
    for size in args.sizes:
        result = _run_worker(size, args.seconds, args.backend)
        rows.append(result)
        print(f"  done: {json.dumps(result)[:300]}", flush=True)
    print("\n" + header)
    for r in rows:
        if "error" in r:
            print(f"{r['size']:>8} {r['error']}")
            continue
        runs = "/".join(f"{t:.3f}" for t in r["runs"])
        print(f"{r['size']:>8} {r['synapses']:>10} {r['build']:>8.2f} {r['compile']:>9.2f} "
              f"{runs:>15} {r['rate_hz']:>8.1f} {r['peak_rss_bytes'] / 2 ** 20:>8.0f} "
              f"{r['repeat_compilations']:>10}")
    print(f"\nrun s = first/second 1 s run; compile = first run (0.1 ms) minus its running time, "
          f"empty disk cache; load after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
