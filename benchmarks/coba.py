"""COBA network of manual chapter 6: workbench vs a hand-written numba loop, Brian2 and BrainPy 1.0.3.

The network is the chapter's (4,000 LIF neurons, 80% excitatory, FixedProb(0.02)
connections, Euler steps of dt = 0.1 ms, every spike monitored) with each of the
seven synapse variants. Every measurement runs in its own process, one at a
time, so compile times are those of a fresh process:

* ``workbench`` on numba and numpy, running the manual's classes unchanged
  (``tests/simulation/manual_models.py``): compile time (first run), run time
  of 100 ms and of 1 s (continuing runs), and that the repeat runs compiled
  nothing. For the pre_slice variant a second process with the warm disk
  cache shows how fast a new process starts.
* ``hand-written``: one ``@numba.njit`` loop of the same network (pre_slice /
  post_ids structures, the same arithmetic): the reference for the ratios.
  Its spikes must equal workbench's (same connectivity, same operations).
* ``BrainPy 1.0.3`` (``$BRAINPY_PYTHON``, default ``/work/venvs/brainpy103/bin/python``)
  running the same model file with ``workbench`` bound to ``brainpy``.
* ``Brian2`` (``benchmarks/brian2_coba.py``: ``$BRIAN2_PYTHON``, default the tests'
  Brian2 venv) with the same equations integrated by Euler, in cpp_standalone,
  cython and numpy modes.

Run ``python benchmarks/coba.py`` from the repository root (``--quick`` runs only
the pre_slice variant). Timings on a shared machine are noisy: compare ratios.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brian2_coba import Brian2Standalone, run_brian2  # noqa: E402
from served import Served, WorkerFailed, result_of, serve  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ["SynMat1", "SynMat2", "SynVec1", "SynVec2", "SynVec3", "SynVec4", "SynVec5"]
PRE_SLICE = "SynVec5"
SLOW_BY_DESIGN = ("SynMat1", "SynMat2")           # 100 ms only
NUMPY_TOO_SLOW = ("SynVec2", "SynVec4")           # Python loops over every synapse
NUMPY_LONG = ("SynVec3", "SynVec5")               # numpy variants also run for 1 s
SEED = 1234
REPEATS = 3                                       # 1 s runs per process; the minimum is kept


# -- workers (each runs in a fresh process) -----------------------------------------------------
def _rates(E, I, seconds):
    return E.mon.spike.sum() / E.num / seconds, I.mon.spike.sum() / I.num / seconds


def worker_workbench(backend, variant, long_run):
    repeats = REPEATS if backend != "numpy" else 1
    import numpy as np

    import workbench as bp
    from tests.simulation import manual_models as mm

    bp.backend.set(backend, dt=0.1)
    started = time.perf_counter()
    run_100, net, E, I = mm.run_net(mm.CobaLIF, getattr(mm, variant), duration=100., seed=SEED)
    compile_time = time.perf_counter() - started - run_100
    result = {"compile": compile_time, "run_100ms": run_100, "rates_100ms": _rates(E, I, 0.1),
              "spikes_100ms": int(E.mon.spike.sum() + I.mon.spike.sum())}
    if long_run:
        before = bp.jit_compilations()
        times, start = [], 100.
        for _ in range(repeats):
            times.append(net.run((start, start + 1000.)))
            if start == 100.:
                result["rates_1s"] = _rates(E, I, 1.0)
                result["spikes_1s"] = int(E.mon.spike.sum() + I.mon.spike.sum())
            start += 1000.
        result["run_1s"] = min(times)
        result["repeat_compilations"] = bp.jit_compilations() - before
    result["checksum"] = float(np.sum(E.V))
    return result


def worker_handwritten(long_run):
    import numpy as np
    from tests.simulation.coba_handwritten import Handwritten
    hand = Handwritten(PRE_SLICE, seed=SEED)
    result = {"compile": hand.compile_time}
    elapsed, rec_e, rec_i = hand.simulate(0., 1000)
    result.update(run_100ms=elapsed, rates_100ms=(rec_e.mean() * 1e4, rec_i.mean() * 1e4),
                  spikes_100ms=int(rec_e.sum() + rec_i.sum()))
    if long_run:
        times, t0 = [], 100.
        for repeat in range(REPEATS):
            elapsed, rec_e, rec_i = hand.simulate(t0, 10000)
            times.append(elapsed)
            if repeat == 0:
                result["rates_1s"] = (rec_e.mean() * 1e4, rec_i.mean() * 1e4)
                result["spikes_1s"] = int(rec_e.sum() + rec_i.sum())
            t0 += 1000.
        result["run_1s"] = min(times)
    result["checksum"] = float(np.sum(hand.V_e))
    return result


# per-synapse variants loop over all 320,000 synapses every step: shorter alternating runs
INTERLEAVED_MS = {"SynVec1": 200., "SynVec2": 200., "SynVec3": 1000., "SynVec4": 200.,
                  "SynVec5": 1000.}


def worker_interleaved(variant, pairs=2 * REPEATS):
    """workbench (numba) and the hand-written loop of one variant, runs alternating in one process.

    Every run is kept (wall and CPU seconds); which one goes first alternates too,
    so a slow phase of the shared machine hits both sides alike.
    """
    import workbench as bp
    from tests.simulation import manual_models as mm
    from tests.simulation.coba_handwritten import Handwritten

    bp.backend.set("numba", dt=0.1)
    _, net, E, I = mm.run_net(mm.CobaLIF, getattr(mm, variant), duration=100., seed=SEED)
    hand = Handwritten(variant, seed=SEED)
    hand.simulate(0., 1000)
    duration = INTERLEAVED_MS[variant]
    steps = int(round(duration / 0.1))

    def engine_run(start):
        wall, cpu = time.perf_counter(), time.process_time()
        net.run((start, start + duration))
        return time.perf_counter() - wall, time.process_time() - cpu

    def hand_run(start):
        cpu = time.process_time()
        wall = hand.simulate(start, steps)[0]
        return wall, time.process_time() - cpu

    before = bp.jit_compilations()
    engine, handwritten, start = [], [], 100.
    for pair in range(pairs):
        sides = [(engine, engine_run), (handwritten, hand_run)]
        for runs, run in (sides if pair % 2 == 0 else sides[::-1]):
            runs.append(run(start))
        start += duration
    return {"variant": variant, "duration_ms": duration, "engine": engine, "hand": handwritten,
            "compilations": bp.jit_compilations() - before}


def worker_serve(variant, fastmath=False):
    """workbench numba ``variant`` after 100 ms, then 1 s runs on request (``served.serve``).

    ``READY`` answers the compile time, every ``RUN`` the wall and CPU seconds and the
    functions compiled since the first run (``benchmarks/coba.py --versus-brian2``
    alternates these runs with Brian2's). ``fastmath`` compiles under
    ``bp.backend.set_numba_profile(fastmath=True)``.
    """
    import workbench as bp
    from tests.simulation import manual_models as mm

    bp.backend.set("numba", dt=0.1)
    bp.backend.set_numba_profile(fastmath=fastmath)
    state = {}

    def setup():
        started = time.perf_counter()
        run_100, state["net"], state["E"], state["I"] = mm.run_net(
            mm.CobaLIF, getattr(mm, variant), duration=100., seed=SEED)
        state["start"], state["before"] = 100., bp.jit_compilations()
        return {"compile": time.perf_counter() - started - run_100}

    def run():
        wall, cpu = time.perf_counter(), time.process_time()
        state["net"].run((state["start"], state["start"] + 1000.))
        state["start"] += 1000.
        return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                "compiled": bp.jit_compilations() - state["before"],
                "spikes": sum(len(group.mon.spike_events) for group in (state["E"], state["I"]))}

    serve(setup, run, dict)


def versus_brian2(variant, pairs, fastmath=False):
    """Alternating 1 s runs: workbench (one process per profile) and Brian2's cpp_standalone binary.

    Brian2 builds once; its binary then runs again and again (each run writes
    ``results/last_run_info.txt``: the run time its own timer measured, without
    process start and file output), so both sides run the same warm code. With
    ``fastmath`` a second workbench process compiled under
    ``bp.backend.set_numba_profile(fastmath=True)`` joins the rotation (Brian2 compiles
    with ``-ffast-math``).
    """
    workers = {}
    try:
        workers["Brian2"] = Brian2Standalone(4000, 0.02, 1000., SEED)
        built = workers["Brian2"].ready()
        for fast in ((False, True) if fastmath else (False,)):
            label = "numba fastmath" if fast else "numba"
            workers[label] = Served([sys.executable, __file__, "--worker", "serve", variant,
                                     str(int(fast))], cwd=ROOT,
                                    env=dict(os.environ, PYTHONPATH=ROOT))
            print(f"  workbench {label} {variant}: compile "
                  f"{workers[label].ready()['compile']:.2f} s (first run, this process)")
        print(f"  Brian2 cpp_standalone build {built['build']:.1f} s")
        labels = list(workers)
        runs = {label: [] for label in labels}
        for pair in range(pairs):
            shift = pair % len(labels)                # every side takes every place in turn
            for label in labels[shift:] + labels[:shift]:
                runs[label].append(workers[label].run())
    except (WorkerFailed, RuntimeError, OSError) as failure:
        print(f"  a worker failed: {failure}")
        return
    finally:
        for worker in workers.values():
            worker.close()
    # Brian2's own timer (the loop only) and the whole program's wall time
    brian2 = runs.pop("Brian2")
    brian2_own = [answer["run"] for answer in brian2]
    print(f"  Brian2    1 s runs, own timer s: " + ", ".join(f"{w:.3f}" for w in brian2_own))
    # Brian2's program simulates 0-1 s from the same start each time, workbench's networks
    # continue (0.1-1.1 s, 1.1-2.1 s, ...): the spike counts show whether the work compares
    print(f"  spikes per run: Brian2 {_median([a['spikes_exc'] + a['spikes_inh'] for a in brian2]):.0f}"
          + "".join(f", workbench {label} {_median([a['spikes'] for a in answers]):.0f}"
                    for label, answers in runs.items()) + " (medians)")
    for label, answers in runs.items():
        print(f"  workbench {label} 1 s runs, wall/cpu s: " +
              ", ".join(f"{a['wall']:.3f}/{a['cpu']:.3f}" for a in answers))
        # Brian2's own timer is std::clock (CPU time without OpenMP): CPU against CPU is the
        # fair ratio on a shared machine; wall against it is printed too
        for column in ("cpu", "wall"):
            mine = [answer[column] for answer in answers]
            print(f"  ratio workbench {label} {column} / Brian2 cpp_standalone: "
                  f"{_median(mine) / _median(brian2_own):.3f}x (median), "
                  f"{min(mine) / min(brian2_own):.3f}x (minimum)")
        print(f"  workbench {label} repeat runs compiled {answers[-1]['compiled']}")


def _checks(on):
    from workbench.simulation.numba.generator import index_checks, nan_watch
    index_checks.ENABLED = nan_watch.ENABLED = on


def _fastmath(on):
    import workbench as bp
    bp.backend.set_numba_profile(fastmath=on)


#: What ``worker_two_builds`` switches: a function taking True (the first side) or False.
#: ``checks``: the cost of the safety code (index checks and NaN watch change the source,
#: so nothing is shared); ``fastmath``: the exact profile against the fast-math one
#: (``bp.backend.set_numba_profile``; part of every cache key).
SWITCHES = {"checks": (_checks, ("checks on", "checks off")),
            "fastmath": (_fastmath, ("exact", "fastmath"))}


def worker_two_builds(variant, switch, pairs=2 * REPEATS):
    """The same network built twice in one process, under a switch on and off, runs alternating.

    ``switch`` names an entry of :data:`SWITCHES`: "checks" builds the second network
    without index checks and NaN watch, "fastmath" builds the first one exact and the
    second one under fast math. Both have the same seed; which one runs first alternates.
    Returns every run of both.
    """
    import workbench as bp
    from tests.simulation import manual_models as mm

    apply, _ = SWITCHES[switch]
    first_on = switch == "checks"
    bp.backend.set("numba", dt=0.1)
    nets = {}
    for side in (True, False):
        apply(side if first_on else not side)
        nets[side] = mm.run_net(mm.CobaLIF, getattr(mm, variant), duration=100., seed=SEED)[1]
    duration = INTERLEAVED_MS[variant]
    runs, start = {True: [], False: []}, 100.
    before = bp.jit_compilations()
    for pair in range(pairs):
        for side in ((True, False) if pair % 2 == 0 else (False, True)):
            # a network runs under the profile it was built with (another one compiles anew)
            apply(side if first_on else not side)
            wall, cpu = time.perf_counter(), time.process_time()
            nets[side].run((start, start + duration))
            runs[side].append((time.perf_counter() - wall, time.process_time() - cpu))
        start += duration
    apply(first_on)
    return {"variant": variant, "duration_ms": duration, "engine": runs[True],
            "hand": runs[False], "compilations": bp.jit_compilations() - before}


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


def print_interleaved(result, names=("workbench", "hand-written")):
    """Every alternating run of one variant and the ratios of the medians (wall and CPU time)."""
    if "error" in result:
        print(f"  interleaved comparison failed: {result['error']}")
        return
    engine, hand = result["engine"], result["hand"]
    pad = len(result["variant"])
    print(f"  {result['variant']}, {result['duration_ms']:.0f} ms per run; {names[0]:>12} "
          f"wall/cpu s: " + ", ".join(f"{w:.3f}/{c:.3f}" for w, c in engine))
    print(f"  {'':{pad}}  {'':{len(str(int(result['duration_ms'])))}}             {names[1]:>12} "
          f"wall/cpu s: " + ", ".join(f"{w:.3f}/{c:.3f}" for w, c in hand))
    wall = _median([w for w, _ in engine]) / _median([w for w, _ in hand])
    cpu = _median([c for _, c in engine]) / _median([c for _, c in hand])
    best = min(w for w, _ in engine) / min(w for w, _ in hand)
    print(f"  {'':{pad}}  ratio {names[0]} / {names[1]}: {wall:.3f}x (median "
          f"wall), {cpu:.3f}x (median cpu), {best:.3f}x (minimum wall); repeat runs compiled "
          f"{result['compilations']}")
    return wall, cpu


BRAINPY_SCRIPT = """
import contextlib, io, json, re, sys
import numpy as np
import brainpy
sys.modules['workbench'] = brainpy          # run the manual's model file on BrainPy itself
sys.path.insert(0, {root!r})
from tests.simulation import manual_models as mm
backend, variant, long_run = {backend!r}, {variant!r}, {long_run!r}
brainpy.backend.set(backend, dt=0.1)
np.random.seed({seed})


def timed(run):
    # BrainPy 1.0.3 returns nothing from run(); its report gives compile and run times
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    text = out.getvalue()
    return (float(re.search(r'Compilation used ([0-9.]+) s', text).group(1)),
            float(re.search(r'Simulation is done in ([0-9.]+) s', text).group(1)))


holder = {{}}
def first():
    holder['net'] = mm.run_net(mm.CobaLIF, getattr(mm, variant), duration=100., report=True)
compile_time, run_100 = timed(first)
_, net, E, I = holder['net']
result = dict(compile=compile_time, run_100ms=run_100,
              rates_100ms=(E.mon.spike.sum() / E.num / 0.1, I.mon.spike.sum() / I.num / 0.1))
if long_run:
    times, start = [], 100.
    for repeat in range({repeats}):
        times.append(timed(lambda: net.run((start, start + 1000.), report=True))[1])
        if repeat == 0:
            result['rates_1s'] = (E.mon.spike.sum() / E.num, I.mon.spike.sum() / I.num)
        start += 1000.
    result['run_1s'] = min(times)
print('RESULT ' + json.dumps(result))
"""

# -- orchestration ------------------------------------------------------------------------------
def _run_process(command, env=None, timeout=3600):
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    return result_of(done)


def _workbench(backend, variant, long_run, cache_dir):
    env = dict(os.environ, PYTHONPATH=ROOT, WORKBENCH_CACHE_DIR=cache_dir)
    return _run_process([sys.executable, __file__, "--worker", "workbench", backend, variant,
                         str(int(long_run))], env=env)


def _interleaved(variant):
    return _run_process([sys.executable, __file__, "--worker", "interleaved", variant],
                        env=dict(os.environ, PYTHONPATH=ROOT))


def _load():
    """The 1, 5 and 15 minute load averages (the machine may be shared)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _handwritten(long_run):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return _run_process([sys.executable, __file__, "--worker", "hand", str(int(long_run))],
                        env=env)


def _peer(python, script):
    if not os.path.exists(python):
        return {"error": f"interpreter {python} is missing"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(script)
    try:
        return _run_process([python, handle.name])
    finally:
        os.unlink(handle.name)


def _brainpy(variant, backend, long_run):
    python = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy103/bin/python")
    script = BRAINPY_SCRIPT.format(root=ROOT, backend=backend, variant=variant,
                                   long_run=long_run, seed=SEED,
                                   repeats=REPEATS if backend != "numpy" else 1)
    return _peer(python, script)


def _brian2(mode, long_run):
    """Brian2's COBA (``benchmarks/brian2_coba.py``) in the keys of the other rows."""
    n_exc, n_inh = 3200, 800
    if mode == "cpp_standalone":
        seconds = 1.0 if long_run else 0.1
        result = run_brian2(mode, n_exc + n_inh, 0.02, [seconds * 1000.], SEED)
        if "error" in result:
            return result
        key = "1s" if long_run else "100ms"
        # compile: everything but the simulation loop (code generation, C++ build, the
        # program's start, connecting, writing results)
        return {"compile": result["build"] + result["binary"] - result["run"],
                f"run_{key}": result["run"],
                f"rates_{key}": (result["spikes_exc"] / n_exc / seconds,
                                 result["spikes_inh"] / n_inh / seconds)}
    result = run_brian2(mode, n_exc + n_inh, 0.02, [100., 100.] + ([1000.] if long_run else []),
                        SEED)
    if "error" in result:
        return result
    runs, exc, inh = result["runs"], result["spikes_exc"], result["spikes_inh"]
    out = {"compile": runs[0] - runs[1], "run_100ms": runs[1],
           "rates_100ms": (exc[0] / n_exc / 0.1, inh[0] / n_inh / 0.1)}
    if long_run:
        out.update(run_1s=runs[2], rates_1s=(exc[2] / n_exc, inh[2] / n_inh))
    return out


def _format_row(name, result, reference):
    if "error" in result:
        return f"{name:<44} {'failed: ' + result['error'][:120]}"
    cells = [f"{name:<44}", f"{result.get('compile', float('nan')):8.2f}"]
    for key in ("run_100ms", "run_1s"):
        value = result.get(key)
        ref = reference.get(key)
        if value is None:
            cells.append(f"{'-':>9} {'':>7}")
        else:
            ratio = f"{value / ref:6.2f}x" if ref else "      "
            cells.append(f"{value:9.3f} {ratio}")
    rates = result.get("rates_1s") or result.get("rates_100ms")
    cells.append(f"{rates[0]:6.1f} {rates[1]:6.1f}" if rates else "")
    return " ".join(cells)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the pre_slice variant")
    parser.add_argument("--no-peers", action="store_true", help="skip Brian2 and BrainPy")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, help="synapse variants to run")
    parser.add_argument("--no-numpy", action="store_true", help="skip the numpy backend rows")
    parser.add_argument("--interleaved", action="store_true",
                        help="only the alternating workbench / hand-written runs of each variant")
    parser.add_argument("--index-checks", action="store_true",
                        help="only the cost of index checks and NaN watch: runs with and without, "
                             "alternating")
    parser.add_argument("--versus-brian2", action="store_true",
                        help="only alternating 1 s runs of workbench numba SynVec5 and of Brian2's "
                             "cpp_standalone binary")
    parser.add_argument("--pairs", type=int, default=4,
                        help="runs per side for --versus-brian2, --index-checks, --fastmath")
    parser.add_argument("--fastmath", action="store_true",
                        help="with --versus-brian2: workbench also runs under "
                             "bp.backend.set_numba_profile(fastmath=True); alone: only the exact "
                             "and fast-math profiles, two builds in one process, alternating")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind = args.worker[0]
        if kind == "serve":
            worker_serve(args.worker[1], bool(int(args.worker[2])))
            return
        if kind == "workbench":
            result = worker_workbench(args.worker[1], args.worker[2], bool(int(args.worker[3])))
        elif kind == "interleaved":
            result = worker_interleaved(args.worker[1])
        elif kind == "two_builds":
            result = worker_two_builds(args.worker[1], args.worker[2], args.pairs)
        else:
            result = worker_handwritten(bool(int(args.worker[1])))
        print("RESULT " + json.dumps(result))
        return

    variants = [PRE_SLICE] if args.quick else (args.variants or VARIANTS)
    switch = "checks" if args.index_checks else \
        "fastmath" if args.fastmath and not args.versus_brian2 else None
    if switch:
        what = ("index checks and NaN watch on / off" if switch == "checks" else
                "exact and fast-math profiles")
        print(f"COBA, 4000 LIF: {what}, two builds in one process, runs alternating; load: "
              f"{_load()}", flush=True)
        for variant in variants:
            if variant in INTERLEAVED_MS:
                result = _run_process([sys.executable, __file__, "--pairs", str(args.pairs),
                                       "--worker", "two_builds", variant, switch],
                                      env=dict(os.environ, PYTHONPATH=ROOT))
                print_interleaved(result, SWITCHES[switch][1])
        print(f"load after: {_load()}")
        return
    if args.versus_brian2:
        print(f"COBA, 4000 LIF, 1 s runs alternating with Brian2 cpp_standalone; load: {_load()}",
              flush=True)
        for variant in (args.variants or [PRE_SLICE]):
            versus_brian2(variant, args.pairs, args.fastmath)
        print(f"load after: {_load()}")
        return
    if args.interleaved:
        print(f"COBA, 4000 LIF, FixedProb(0.02), dt = 0.1 ms; load: {_load()}", flush=True)
        for variant in variants:
            if variant in INTERLEAVED_MS:
                print_interleaved(_interleaved(variant))
        print(f"load after: {_load()}")
        return

    class Rows(list):
        """Rows print as they complete (a full run takes a while)."""

        def append(self, row):
            super().append(row)
            print(f"  done: {row[0]}: {json.dumps(row[1])[:200]}", flush=True)

    rows = Rows()
    print(f"COBA, 4000 LIF, FixedProb(0.02), dt = 0.1 ms, Euler, all spikes monitored; "
          f"load: {_load()}\n", flush=True)
    reference = _handwritten(long_run=True)
    rows.append(("hand-written @numba.njit loop (pre_slice)", reference))
    interleaved = [_interleaved(variant) for variant in variants if variant in INTERLEAVED_MS]
    with tempfile.TemporaryDirectory() as cache_dir:
        for variant in variants:
            long_run = variant not in SLOW_BY_DESIGN
            cold = _workbench("numba", variant, long_run, cache_dir)
            rows.append((f"workbench numba {variant}", cold))
            if variant == PRE_SLICE:
                warm = _workbench("numba", variant, long_run, cache_dir)
                rows.append((f"workbench numba {variant} (2nd process, disk cache)", warm))
                if cold.get("spikes_1s") is not None:
                    same = cold.get("spikes_1s") == reference.get("spikes_1s") and \
                        cold.get("checksum") == reference.get("checksum")
                    print(f"spikes of workbench {variant} and the hand-written loop are "
                          f"{'identical' if same else 'DIFFERENT'} "
                          f"({cold.get('spikes_1s')} vs {reference.get('spikes_1s')})")
        for variant in ([] if args.no_numpy else variants):
            if variant in NUMPY_TOO_SLOW:
                rows.append((f"workbench numpy {variant}", {"error": "not run: Python loops over "
                                                                     "every synapse (hours)"}))
                continue
            rows.append((f"workbench numpy {variant}",
                         _workbench("numpy", variant, variant in NUMPY_LONG, cache_dir)))
    if not args.no_peers:
        for variant in variants:
            rows.append((f"BrainPy 1.0.3 numba {variant}",
                         _brainpy(variant, "numba", variant not in SLOW_BY_DESIGN)))
        if PRE_SLICE in variants and not args.no_numpy:
            rows.append((f"BrainPy 1.0.3 numpy {PRE_SLICE}", _brainpy(PRE_SLICE, "numpy", True)))
        for mode in ("cpp_standalone", "cython", "numpy") if PRE_SLICE in variants else ():
            # cpp_standalone runs one duration per build: 100 ms and 1 s are two processes
            result = _brian2(mode, long_run=mode != "cpp_standalone")
            if mode == "cpp_standalone" and "error" not in result:
                result.update({k: v for k, v in _brian2(mode, long_run=True).items()
                               if k in ("run_1s", "rates_1s")})
            rows.append((f"Brian2 {mode} (Euler)", result))

    print(f"\n{'':<44} {'compile':>8} {'100 ms':>9} {'ratio':>7} {'1 s':>9} {'ratio':>7} "
          f"{'E Hz':>6} {'I Hz':>6}")
    for name, result in rows:
        print(_format_row(name, result, reference))
    print("\nratio = run time / hand-written loop's run time for the same duration; compile = "
          "first-run time minus run time in a fresh process (numba's disk cache empty for "
          "workbench rows unless marked). Brian2 cpp_standalone's run time is its own "
          "last_run_time: std::clock, CPU time (the others are wall time; on a loaded machine "
          "wall > cpu, see benchmarks/scale.py for CPU against CPU).")
    for name, result in rows:
        if "repeat_compilations" in result:
            print(f"{name}: repeat runs compiled {result['repeat_compilations']} functions")
    print(f"\nworkbench numba vs the hand-written loop of the same variant, runs alternating in "
          f"one process:")
    for result in interleaved:
        print_interleaved(result)

if __name__ == "__main__":
    main()
