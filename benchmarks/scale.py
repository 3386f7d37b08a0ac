"""Scale series: the ch. 6 COBA network at 4,000, 40,000 and 400,000 neurons, 1 s, spikes recorded.

Each size runs in a fresh process with an empty disk cache (``WORKBENCH_CACHE_DIR``
in a new temporary folder), so the compile time is that of a first run. The
network is the manual's ``CobaLIF`` + ``SynVec5`` (pre_slice / post_ids), 80%
excitatory, ``FixedProb`` with 80 synapses per neuron on average (p = 80 / N; the
4,000 network is the manual's p = 0.02), Euler steps of 0.1 ms, every spike
monitored (as events: ``mon.spike_events``). Per size it prints:

* build: creating the groups and connections (seconds),
* compile: first run minus its simulated part (a 0.1 ms run; numba compiles or
  loads everything here),
* run: the running time ``net.run`` reports for each run of ``--seconds``, and
  the functions the repeat runs compiled (must be 0),
* spikes and rates, and the peak resident memory of the process (``ru_maxrss``),

then the same network in Brian2 cpp_standalone (``benchmarks/brian2_coba.py``:
build, the program's setup, its simulation loop, its peak memory), one process
at a time, and the ratios workbench / Brian2.

Usage::

    PYTHONPATH=. python benchmarks/scale.py [--sizes 4000 40000 400000] [--seconds 1]
    # the issue's memory bound: 100,000 neurons for 10 s with all spikes recorded < 4 GB
    PYTHONPATH=. python benchmarks/scale.py --sizes 100000 --seconds 10 --runs 1 --no-brian2
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brian2_coba import run_brian2  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = (4000, 40000, 400000)
SYNAPSES_PER_NEURON = 80
SEED = 1234


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes():
    """The resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def worker(size, seconds, backend, runs):
    import numpy as np

    import workbench as bp
    from tests.simulation import manual_models as mm

    bp.backend.set(backend, dt=0.1)
    n_exc = int(size * 0.8)
    n_inh = size - n_exc
    prob = min(1.0, SYNAPSES_PER_NEURON / size)
    result = {"size": size, "backend": backend, "seconds": seconds,
              "rss_after_import_bytes": _rss_bytes()}   # python, numpy, numba, workbench

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
    result["peak_rss_build_bytes"] = _peak_rss_bytes()

    before = bp.jit_compilations()
    started = time.perf_counter()
    first = net.run(0.1)
    result["compile"] = time.perf_counter() - started - first
    result["compiled_functions"] = bp.jit_compilations() - before
    times, start = [], 0.1
    for repeat in range(runs):
        before = bp.jit_compilations()
        times.append(net.run((start, start + seconds * 1000.)))
        if repeat == 0:
            # events, never the (steps, neurons) matrix: 32 GB at 400,000 neurons
            spikes = len(E.mon.spike_events) + len(I.mon.spike_events)
            result["spikes"] = spikes
            result["rate_hz"] = spikes / size / seconds
        else:
            result["repeat_compilations"] = bp.jit_compilations() - before
        start += seconds * 1000.
    result["runs"] = times
    result["peak_rss_bytes"] = _peak_rss_bytes()
    return result


def _run_worker(size, seconds, backend, runs):
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, PYTHONPATH=ROOT, WORKBENCH_CACHE_DIR=cache_dir,
                   NUMBA_CACHE_DIR=os.path.join(cache_dir, "numba"))
        try:
            done = subprocess.run([sys.executable, __file__, "--worker", str(size), str(seconds),
                                   backend, str(runs)], capture_output=True, text=True, env=env,
                                  timeout=7200, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"size": size, "error": "timed out after 2 h"}
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"size": size, "error": " | ".join(tail) or f"exit status {done.returncode}"}


def _load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _mb(nbytes):
    return f"{nbytes / 2 ** 20:.0f}"


def print_table(rows, seconds):
    """One line per size: workbench, Brian2 cpp_standalone and the ratios workbench / Brian2."""
    print(f"\n{'':>8} {'':>10} | {'workbench':^51} | {'Brian2 cpp_standalone':^36} | "
          f"{'workbench / Brian2':^20}")
    print(f"{'neurons':>8} {'synapses':>10} | {'build':>6} {'compile':>7} {'run':>15} "
          f"{'Hz':>4} {'peak MB':>15} | {'build':>6} {'setup':>6} {'run':>7} {'Hz':>4} "
          f"{'peak MB':>7} | {'run':>13} {'peak':>6}")
    for wb, b2 in rows:
        size = wb.get("size", "?")
        if "error" in wb:
            cells = f"{'failed: ' + wb['error'][:70]:<51}"
        else:
            runs = "/".join(f"{t:.2f}" for t in wb["runs"])
            cells = (f"{wb['build']:>6.2f} {wb['compile']:>7.2f} {runs:>15} "
                     f"{wb['rate_hz']:>4.1f} {_mb(wb['peak_rss_bytes']):>7} "
                     f"{'(' + _mb(wb['peak_rss_bytes'] - wb['rss_after_import_bytes']) + ')':>7}")
        synapses = wb.get("synapses", b2.get("synapses", 0) if b2 else 0)
        line = f"{size:>8} {synapses:>10} | {cells} | "
        if b2 is None:
            line += f"{'not run':<36} |"
        elif "error" in b2:
            line += f"{'failed: ' + b2['error'][:60]:<36} |"
        else:
            rate = (b2["spikes_exc"] + b2["spikes_inh"]) / size / seconds
            line += (f"{b2['build']:>6.2f} {b2['binary'] - b2['run']:>6.2f} {b2['run']:>7.3f} "
                     f"{rate:>4.1f} {_mb(b2['peak_rss_bytes']):>7} | ")
            if "error" not in wb:
                line += (f"{wb['runs'][0] / b2['run']:>5.2f}x/{min(wb['runs']) / b2['run']:.2f}x "
                         f"{wb['peak_rss_bytes'] / b2['peak_rss_bytes']:>5.2f}x")
        print(line)
    print(f"""
workbench: build = creating groups and connections (s); compile = first run (0.1 ms) minus its
running time on an empty disk cache; run = every {seconds:g} s run (the first, then repeats; s);
peak MB = the process's peak resident memory (in brackets: above its memory after importing
python, numpy, numba and workbench). Brian2: build = code generation and C++
compilation (make -j2); setup = the compiled program's time outside the simulation loop
(connecting, initialising, writing results); run = its simulation loop; peak MB = the
compiled program's peak resident memory. Ratios: workbench's first / fastest run over Brian2's
run; the processes' peak memory. Every spike is recorded on both sides (events / SpikeMonitor).""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--seconds", type=float, default=1.0, help="simulated seconds per run")
    parser.add_argument("--runs", type=int, default=2, help="workbench runs per size (>= 1)")
    parser.add_argument("--backend", default="numba", choices=["numba", "numba-parallel"])
    parser.add_argument("--no-brian2", action="store_true", help="skip the Brian2 rows")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(int(args.worker[0]), float(args.worker[1]), args.worker[2],
                        int(args.worker[3]))
        print("RESULT " + json.dumps(result))
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"COBA scale series ({args.backend}), CobaLIF + SynVec5, {SYNAPSES_PER_NEURON} synapses "
          f"per neuron, {args.seconds:g} s per run, Euler dt = 0.1 ms, all spikes monitored; "
          f"load: {_load()}\n", flush=True)
    rows = []
    for size in args.sizes:             # one process at a time: the big sizes need the memory
        wb = _run_worker(size, args.seconds, args.backend, args.runs)
        print(f"  workbench {size}: {json.dumps(wb)[:400]}; load {_load()}", flush=True)
        b2 = None
        if not args.no_brian2:
            b2 = run_brian2("cpp_standalone", size, min(1.0, SYNAPSES_PER_NEURON / size),
                            [args.seconds * 1000.], SEED)
            print(f"  Brian2 {size}: {json.dumps(b2)[:400]}; load {_load()}", flush=True)
        rows.append((wb, b2))
    print_table(rows, args.seconds)
    print(f"\nload after: {_load()}")


if __name__ == "__main__":
    main()
