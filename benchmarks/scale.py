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
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brian2_coba import Brian2Standalone  # noqa: E402
from served import Served, WorkerFailed, serve  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = (4000, 40000, 400000)
SYNAPSES_PER_NEURON = 80
SEED = 1234


def coba_network(size):
    """The COBA network of this series on the active backend: ``(net, E, I, synapses)``.

    80% excitatory ``CobaLIF`` cells, both groups' spikes monitored, four ``SynVec5``
    connections by ``FixedProb`` with ``SYNAPSES_PER_NEURON`` synapses per neuron on
    average; initial potentials and connections seeded (also used by ``parallel.py``).
    """
    import numpy as np

    import workbench as bp
    from tests.simulation import manual_models as mm

    n_exc = int(size * 0.8)
    n_inh = size - n_exc
    prob = min(1.0, SYNAPSES_PER_NEURON / size)
    np.random.seed(SEED)
    E = mm.CobaLIF(n_exc, monitors=["spike"])
    E.V = np.random.randn(n_exc) * 5. + mm.Vr
    I = mm.CobaLIF(n_inh, monitors=["spike"])
    I.V = np.random.randn(n_inh) * 5. + mm.Vr
    synapses = []
    for k, (pre, post, tau, weight, rev) in enumerate([
            (E, E, mm.tau_exc, mm.delta_exc, mm.E_exc),
            (E, I, mm.tau_exc, mm.delta_exc, mm.E_exc),
            (I, E, mm.tau_inh, mm.delta_inh, mm.E_inh),
            (I, I, mm.tau_inh, mm.delta_inh, mm.E_inh)]):
        conn = bp.connect.FixedProb(prob, seed=SEED + k + 1)
        synapses.append(mm.SynVec5(pre=pre, post=post, conn=conn, tau=tau, weight=weight, E=rev))
    return bp.Network(E, I, *synapses), E, I, synapses


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes():
    """The resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def worker(size, seconds, backend):
    """Build and compile the network, then run ``seconds`` per request (see ``served.py``)."""
    import workbench as bp
    from tests.simulation import manual_models  # noqa: F401 (imported before the build is timed)

    bp.backend.set(backend, dt=0.1)
    state = {"start": 0.1}

    def setup():
        result = {"size": size, "rss_after_import_bytes": _rss_bytes()}  # python, numba, workbench
        started = time.perf_counter()
        net, E, I, synapses = coba_network(size)
        result["build"] = time.perf_counter() - started
        result["synapses"] = int(sum(s.post_ids.shape[0] for s in synapses))
        result["peak_rss_build_bytes"] = _peak_rss_bytes()
        before = bp.jit_compilations()
        started = time.perf_counter()
        first = net.run(0.1)
        result["compile"] = time.perf_counter() - started - first
        result["compiled_functions"] = bp.jit_compilations() - before
        state.update(net=net, groups=(E, I))
        return result

    def run():
        before = bp.jit_compilations()
        start = state["start"]
        cpu = time.process_time()
        elapsed = state["net"].run((start, start + seconds * 1000.))
        cpu = time.process_time() - cpu
        state["start"] = start + seconds * 1000.
        # events, never the (steps, neurons) matrix: 32 GB at 400,000 neurons
        spikes = sum(len(group.mon.spike_events) for group in state["groups"])
        return {"run": elapsed, "cpu": cpu, "spikes": spikes,
                "compilations": bp.jit_compilations() - before}

    def finish():
        return {"peak_rss_bytes": _peak_rss_bytes()}

    serve(setup, run, finish)


def _workbench(size, seconds, backend, cache_dir):
    env = dict(os.environ, PYTHONPATH=ROOT, WORKBENCH_CACHE_DIR=cache_dir,
               NUMBA_CACHE_DIR=os.path.join(cache_dir, "numba"))
    return Served([sys.executable, __file__, "--worker", str(size), str(seconds), backend],
                  env=env, cwd=ROOT)


def measure(size, seconds, backend, runs, brian2):
    """One size: set both up, then ``runs`` runs each, alternating (who goes first too)."""
    wb = {"size": size, "runs": [], "cpu": [], "spikes": [], "compilations": []}
    b2 = {"runs": [], "binary": [], "peak_rss_bytes": [], "spikes": []} if brian2 else None
    workers, sides = {}, {"wb": wb, "b2": b2}

    def ask(name, request):
        """The worker's answer, or None when it failed (its side then records the error)."""
        try:
            return getattr(workers[name], request)()
        except WorkerFailed as error:
            sides[name]["error"] = str(error)[:300]
            workers.pop(name).close()
            return None

    with tempfile.TemporaryDirectory() as cache_dir:
        try:
            workers["wb"] = _workbench(size, seconds, backend, cache_dir)
            answer = ask("wb", "ready")
            if answer is None:
                return wb, b2
            wb.update(answer)
            print(f"  workbench {size} ready: build {wb['build']:.2f} s, compile "
                  f"{wb['compile']:.2f} s; load {_load()}", flush=True)
            if brian2:
                # built after workbench's compile so the two compilations do not overlap
                workers["b2"] = Brian2Standalone(size, min(1.0, SYNAPSES_PER_NEURON / size),
                                                 seconds * 1000., SEED)
                answer = ask("b2", "ready")
                if answer is not None:
                    b2.update(answer)
                    print(f"  Brian2 {size} ready: build {b2['build']:.2f} s; load {_load()}",
                          flush=True)
            for k in range(runs):
                for name in (["wb", "b2"] if k % 2 == 0 else ["b2", "wb"]):
                    if name not in workers:
                        continue
                    answer = ask(name, "run")
                    if answer is None:
                        continue
                    if name == "wb":
                        for key in ("run", "cpu", "spikes", "compilations"):
                            wb[key + ("s" if key == "run" else "")].append(answer[key])
                    else:
                        b2["runs"].append(answer["run"])
                        b2["binary"].append(answer["binary"])
                        b2["peak_rss_bytes"].append(answer["peak_rss_bytes"])
                        b2["spikes"].append(answer["spikes_exc"] + answer["spikes_inh"])
                        b2["synapses"] = answer["synapses"]
                    print(f"    {name} run {k + 1}: {json.dumps(answer)}; load {_load()}",
                          flush=True)
            if "wb" in workers:
                wb.update(ask("wb", "finish") or {})
        finally:
            for worker_ in workers.values():
                worker_.close()
    return wb, b2


def _load():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _mb(nbytes):
    return f"{nbytes / 2 ** 20:.0f}"


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


def print_table(rows, seconds):
    """One line per size: workbench, Brian2 cpp_standalone and the ratios workbench / Brian2."""
    print(f"\n{'':>8} {'':>10} | {'workbench':^48} | {'Brian2 cpp_standalone':^37} | "
          f"{'wb / Brian2':^13}")
    print(f"{'neurons':>8} {'synapses':>10} | {'build':>6} {'compile':>7} {'wall':>7} {'cpu':>7} "
          f"{'Hz':>4} {'peak MB':>12} | {'build':>6} {'setup':>6} {'cpu':>7} {'Hz':>4} "
          f"{'peak MB':>8} | {'cpu':>6} {'peak':>6}")
    for wb, b2 in rows:
        size = wb["size"]
        if "error" in wb or not wb["runs"]:
            cells = f"{'failed: ' + wb.get('error', '')[:70]:<48}"
        else:
            peak = wb["peak_rss_bytes"]
            cells = (f"{wb['build']:>6.2f} {wb['compile']:>7.2f} {_median(wb['runs']):>7.3f} "
                     f"{_median(wb['cpu']):>7.3f} {wb['spikes'][0] / size / seconds:>4.1f} "
                     f"{_mb(peak):>5} {'(' + _mb(peak - wb['rss_after_import_bytes']) + ')':>6}")
        synapses = wb.get("synapses", (b2 or {}).get("synapses", 0))
        line = f"{size:>8} {synapses:>10} | {cells} | "
        if b2 is None:
            line += f"{'not run':<37} |"
        elif "error" in b2 or not b2["runs"]:
            line += f"{'failed: ' + b2.get('error', '')[:60]:<37} |"
        else:
            setup = _median([w - r for w, r in zip(b2["binary"], b2["runs"])])
            peak = max(b2["peak_rss_bytes"])
            line += (f"{b2['build']:>6.2f} {setup:>6.2f} {_median(b2['runs']):>7.3f} "
                     f"{b2['spikes'][0] / size / seconds:>4.1f} {_mb(peak):>8} | ")
            if "error" not in wb and wb["runs"]:
                line += (f"{_median(wb['cpu']) / _median(b2['runs']):>5.2f}x "
                         f"{wb['peak_rss_bytes'] / peak:>5.2f}x")
        print(line)
    print(f"""
Medians of the {seconds:g} s runs, workbench and Brian2 alternating (every run is printed above).
Brian2's run time is its own (``last_run_time``: std::clock, the CPU time of the program's
simulation loop, without OpenMP), so the ratio compares CPU times; workbench's wall time is
the time ``net.run`` reports (on a loaded machine wall > cpu). workbench: build = creating groups
and connections (s); compile = first run (0.1 ms) minus its running time on an empty disk
cache; peak MB = the process's peak resident memory (in brackets: above its memory after
importing python, numpy, numba and workbench). Brian2: build = code generation and C++
compilation (make -j2); setup = the compiled program's wall time minus its loop's CPU time
(connecting, initialising, writing results; on a loaded machine also waiting); peak MB = the compiled program's peak
resident memory. Every spike is recorded on both sides (events / SpikeMonitor).""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    parser.add_argument("--seconds", type=float, default=1.0, help="simulated seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per simulator and size (>= 1)")
    parser.add_argument("--backend", default="numba", choices=["numba", "numba-parallel"])
    parser.add_argument("--no-brian2", action="store_true", help="skip the Brian2 rows")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), float(args.worker[1]), args.worker[2])
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"COBA scale series ({args.backend}), CobaLIF + SynVec5, {SYNAPSES_PER_NEURON} synapses "
          f"per neuron, {args.seconds:g} s per run, Euler dt = 0.1 ms, all spikes monitored; "
          f"load: {_load()}\n", flush=True)
    rows = []
    for size in args.sizes:             # one size at a time: the big sizes need the memory
        rows.append(measure(size, args.seconds, args.backend, args.runs, not args.no_brian2))
        wb = rows[-1][0]
        if wb.get("compilations") and any(wb["compilations"]):
            print(f"  workbench {size}: runs compiled {wb['compilations']} functions (want 0)")
    print_table(rows, args.seconds)
    print(f"\nload after: {_load()}")


if __name__ == "__main__":
    main()
