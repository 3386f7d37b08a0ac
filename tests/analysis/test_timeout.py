"""The SymPy timeout really stops the computation (alarm and child-process paths)."""

import threading
import time

import pytest

from workbench.analysis.timeout import SolverTimeout, call_with_timeout


def _spin(seconds):
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


def test_result_is_returned_before_the_deadline():
    assert call_with_timeout(sum, ([1, 2, 3],), 5.0) == 6


def test_main_thread_computation_is_interrupted():
    start = time.monotonic()
    with pytest.raises(SolverTimeout):
        call_with_timeout(_spin, (30.0,), 0.2)
    assert time.monotonic() - start < 5.0


def test_worker_thread_computation_is_killed_in_a_child_process():
    outcome = {}

    def worker():
        start = time.monotonic()
        try:
            call_with_timeout(_spin, (30.0,), 0.3)
        except SolverTimeout:
            outcome["timeout"] = time.monotonic() - start

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(20.0)
    assert "timeout" in outcome and outcome["timeout"] < 10.0


def test_worker_thread_result_comes_back_from_the_child():
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(value=call_with_timeout(
        sorted, ([3, 1, 2],), 10.0)))
    thread.start()
    thread.join(20.0)
    assert outcome["value"] == [1, 2, 3]
