"""First-run compile time of the ch. 6 COBA network (4,000 LIF, CobaLIF + 4 x SynVec5), numba.

Every run is a fresh process with empty caches (``WORKBENCH_CACHE_DIR`` and
``NUMBA_CACHE_DIR`` in a new temporary folder). It prints the first ``net.run(0.1)``
minus its simulated part (wall and CPU seconds: on a loaded machine the CPU time is
the steadier number), the functions compiled, a second process served by the disk
cache, and the functions a repeat 1 s run compiled (must be 0). With ``--reference DIR``
(a checkout of other code, e.g. ``git archive main | tar -x -C /tmp/main``) the two
alternate, every run printed with the machine load. ``--events`` adds numba's
``numba:compile`` events of one run (seconds per function, nested).

Usage::

    PYTHONPATH=. python benchmarks/compile_time.py [--pairs 4] [--reference /tmp/main] [--events]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(events):
    """Build the network, compile it by a 0.1 ms run, run 1 s more; print one JSON line."""
    sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
    import workbench as bp
    from tests.simulation import manual_models  # noqa: F401 (imported before the timing)
    import scale

    bp.backend.set("numba", dt=0.1)
    compiled_events = []
    if events:
        from numba.core import event

        class Listener(event.Listener):
            stack = []

            def on_start(self, ev):
                self.stack.append(time.perf_counter())

            def on_end(self, ev):
                dispatcher = (ev.data or {}).get("dispatcher")
                func = getattr(dispatcher, "py_func", None)
                name = getattr(func, "__name__", "?")
                if name in ("impl", "<lambda>"):      # an overload's: say whose
                    code = func.__code__
                    name += f" ({os.path.basename(code.co_filename)}:{code.co_firstlineno})"
                compiled_events.append((len(self.stack) - 1, name,
                                        time.perf_counter() - self.stack.pop()))

        event.register("numba:compile", Listener())
    net, E, I, _ = scale.coba_network(4000)
    before = bp.jit_compilations()
    wall, cpu = time.perf_counter(), time.process_time()
    first = net.run(0.1)
    wall, cpu = time.perf_counter() - wall - first, time.process_time() - cpu - first
    functions = bp.jit_compilations() - before
    before = bp.jit_compilations()
    net.run((0.1, 1000.1))
    print(json.dumps({"wall": wall, "cpu": cpu, "functions": functions,
                      "repeat": bp.jit_compilations() - before, "events": compiled_events,
                      "spikes": int(sum(len(g.mon.spike_events) for g in (E, I)))}))


def _load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run(root, cache, events=False):
    env = dict(os.environ, WORKBENCH_CACHE_DIR=os.path.join(cache, "wb"),
               NUMBA_CACHE_DIR=os.path.join(cache, "numba"), PYTHONPATH=root)
    args = [sys.executable, os.path.abspath(__file__), "--worker"]
    args += ["--events"] if events else []
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=4, help="empty-cache runs per code")
    parser.add_argument("--reference", help="another checkout to alternate with")
    parser.add_argument("--events", action="store_true", help="numba:compile events of one run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.events)
        return
    codes = [("this", ROOT)] + ([("reference", os.path.abspath(args.reference))]
                                if args.reference else [])
    print(f"COBA 4000 (CobaLIF + 4 x SynVec5, spike monitors), numba, empty caches; "
          f"load {_load()}")
    results = {name: [] for name, _ in codes}
    for pair in range(args.pairs):
        for name, root in (codes if pair % 2 == 0 else codes[::-1]):
            cache = tempfile.mkdtemp(prefix="wb_compile_time_")
            try:
                cold = _run(root, cache)
                warm = _run(root, cache)
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            results[name].append(cold["cpu"])
            print(f"  {name:9s} compile {cold['wall']:.2f} s wall, {cold['cpu']:.2f} s CPU "
                  f"({cold['functions']} functions); second process {warm['wall']:.2f} s; "
                  f"repeat run compiled {cold['repeat']}; spikes {cold['spikes']}; "
                  f"load {_load()}", flush=True)
    for name, values in results.items():
        values.sort()
        print(f"{name}: CPU median {values[len(values) // 2]:.2f} s "
              f"(min {values[0]:.2f}, max {values[-1]:.2f})")
    if args.events:
        cache = tempfile.mkdtemp(prefix="wb_compile_time_")
        try:
            run = _run(ROOT, cache, events=True)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        print("numba:compile events of one run (seconds, nested callees indented first):")
        for depth, name, seconds in run["events"]:
            print(f"  {'  ' * depth}{seconds:6.3f} {name}")


if __name__ == "__main__":
    main()
