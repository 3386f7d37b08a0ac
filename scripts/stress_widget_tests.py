"""Run the widget concurrency tests many times under CPU load, with random delays in the worker.

The live runner's tests synchronise with events, not sleeps; this script shows
they do not flake. In one pytest session it repeats every selected test
``--rounds`` times (default 50) while ``--load`` busy processes (default: one
per core) compete for the CPU, and delays the worker thread of every
``LiveRunner`` by a random 0..``--worker-delay`` seconds (default 0.06) before
it computes and before it shows a result -- the delay that made the old
sleep-based tests fail on correct behaviour. It prints one line per test with
its runs and failures and exits non-zero when anything failed.

Usage (from the repository root)::

    PYTHONPATH=. python scripts/stress_widget_tests.py [--rounds 50] [--load 2]
        [--worker-delay 0.06] [pytest node ids ...]
"""

import argparse
import collections
import os
import random
import subprocess
import sys
import time

import pytest

DEFAULT_TESTS = [
    "tests/widgets/test_runner.py",
    "tests/widgets/test_panel_base.py",
    "tests/widgets/test_network_panel.py::test_progress_is_shown_and_a_newer_move_cancels_a_long_run",
]

# A busy loop that ends by itself (bounded), in case this script is killed hard.
_BURNER = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


class StressPlugin:
    """pytest plugin: repeat every test, delay the live runner's worker, count outcomes."""

    def __init__(self, rounds, worker_delay, seed=0):
        self.rounds = rounds
        self.worker_delay = worker_delay
        self.random = random.Random(seed)
        self.outcomes = collections.defaultdict(collections.Counter)

    @pytest.hookimpl
    def pytest_generate_tests(self, metafunc):
        metafunc.fixturenames.append("stress_round")
        metafunc.parametrize("stress_round", range(self.rounds), indirect=True)

    @pytest.fixture
    def stress_round(self, request):
        return request.param

    @pytest.fixture(autouse=True)
    def delayed_worker(self, monkeypatch):
        from widgets.runner import LiveRunner

        def delayed(method):
            def wrapper(runner, *args, **kwargs):
                time.sleep(self.random.uniform(0.0, self.worker_delay))
                return method(runner, *args, **kwargs)
            return wrapper

        if self.worker_delay > 0:
            monkeypatch.setattr(LiveRunner, "_work_once", delayed(LiveRunner._work_once))
            monkeypatch.setattr(LiveRunner, "_deliver", delayed(LiveRunner._deliver))
        yield

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        name = report.nodeid.split("[")[0]
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[name][report.outcome] += 1


def start_load(count, seconds):
    """``count`` busy processes (ended by :func:`stop_load`, or by themselves after ``seconds``)."""
    return [subprocess.Popen([sys.executable, "-c", _BURNER.format(seconds=seconds)])
            for _ in range(count)]


def stop_load(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", default=DEFAULT_TESTS)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--load", type=int, default=os.cpu_count() or 2,
                        help="number of busy processes (default: one per core)")
    parser.add_argument("--worker-delay", type=float, default=0.06,
                        help="largest random delay (s) before the worker computes and shows")
    parser.add_argument("--max-seconds", type=float, default=3600.0,
                        help="the busy processes end by themselves after this long")
    args = parser.parse_args(argv)

    plugin = StressPlugin(args.rounds, args.worker_delay)
    load = start_load(args.load, args.max_seconds)
    start = time.perf_counter()
    try:
        code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args.tests],
                           plugins=[plugin])
    finally:
        stop_load(load)
    elapsed = time.perf_counter() - start
    print(f"\n{args.rounds} rounds, {args.load} busy processes, worker delays up to "
          f"{1e3 * args.worker_delay:.0f} ms, {elapsed:.0f} s")
    print(f"{'test':<95} {'runs':>5} {'failed':>6}")
    failed_total = runs_total = 0
    for name, counter in sorted(plugin.outcomes.items()):
        runs = sum(counter.values())
        failed = counter["failed"]
        runs_total += runs
        failed_total += failed
        print(f"{name:<95} {runs:>5} {failed:>6}")
    print(f"{'total':<95} {runs_total:>5} {failed_total:>6}")
    return int(code != 0 or failed_total > 0)


if __name__ == "__main__":
    sys.exit(main())
