"""LiveRunner: the newest request wins, nothing stale is shown, errors and progress are reported.

The worker is synchronised with events, never with sleeps: every assertion
holds whatever the scheduler does (``scripts/stress_widget_tests.py`` runs
these tests 50 times under CPU load with random delays in the worker).
"""

import threading

import pytest

from widgets.runner import LiveRunner, Superseded


class Recorder:
    """compute/show/show_error callbacks that record what happened.

    With ``hold`` the computation of that value signals ``entered`` and then
    waits for ``release``: the test decides what happens meanwhile.
    """

    def __init__(self, fail_on=(), hold=None):
        self.fail_on = set(fail_on)
        self.hold = hold
        self.entered, self.release = threading.Event(), threading.Event()
        self.computed, self.shown, self.errors = [], [], []
        self.runner = None

    def compute(self, params, token):
        self.computed.append(params)
        if params == self.hold:
            self.entered.set()
            assert self.release.wait(30), "the test never released the held computation"
        if params in self.fail_on:
            raise ValueError(f"bad value {params}")
        return params * 10

    def show(self, result, params):
        self.shown.append((params, result))

    def show_error(self, exc, params):
        self.errors.append((params, exc))


def make(fail_on=(), hold=None, **kw):
    rec = Recorder(fail_on, hold)
    rec.runner = LiveRunner(rec.compute, rec.show, rec.show_error, **kw)
    return rec, rec.runner


def test_requests_during_a_computation_coalesce_into_the_newest():
    rec, runner = make(hold=1)
    runner.request(1)
    assert rec.entered.wait(30)          # the worker is inside compute(1)
    for value in range(2, 51):
        runner.request(value)            # each replaces the pending one
    rec.release.set()
    assert runner.wait(30)
    assert rec.computed == [1, 50]       # 2..49 were never computed
    assert rec.shown == [(50, 500)]      # 1 finished after newer requests: not shown
    assert runner.dropped == 48 and runner.discarded == 1
    assert runner.shown_generation == runner.generation == 50


def test_rapid_requests_end_with_the_last_value_whatever_the_timing():
    rec, runner = make()
    for value in range(1, 51):
        runner.request(value)
    assert runner.wait(30)
    assert rec.shown[-1] == (50, 500)
    # every request is computed or dropped, and shown results only move forward
    assert runner.dropped + len(rec.computed) == 50
    assert rec.computed == sorted(rec.computed)
    shown_params = [p for p, _ in rec.shown]
    assert shown_params == sorted(shown_params)
    assert runner.shown_generation == runner.generation == 50


def test_a_result_finished_after_a_newer_request_is_discarded():
    rec, runner = make(hold="slow")
    runner.request("slow")
    assert rec.entered.wait(30)      # the worker is inside compute("slow")
    runner.request("fast")
    rec.release.set()
    assert runner.wait(30)
    assert rec.shown == [("fast", "fast" * 10)]
    assert runner.discarded == 1 and runner.dropped == 0


def test_an_exception_is_reported_and_the_worker_survives():
    rec, runner = make(fail_on={2})
    runner.request(2)
    assert runner.wait(30)
    assert rec.shown == []
    assert rec.errors[0][0] == 2 and isinstance(rec.errors[0][1], ValueError)
    runner.request(3)
    assert runner.wait(30)
    assert rec.shown == [(3, 30)]


def test_a_failing_show_is_reported_as_an_error():
    errors = []

    def bad_show(result, params):
        raise RuntimeError("drawing failed")

    runner = LiveRunner(lambda p, t: p, bad_show, lambda e, p: errors.append(e))
    runner.request(1)
    assert runner.wait(30)
    assert isinstance(errors[0], RuntimeError)
    assert runner.shown_generation == 0


def test_progress_is_reported_and_an_outdated_run_is_cancelled():
    fractions = []
    started = threading.Event()
    go_on = threading.Event()
    finished = []

    def compute(params, token):
        for k in range(1, 11):
            if params == "long" and k == 3:
                started.set()
                assert go_on.wait(30)
            token.progress(k / 10)
        finished.append(params)
        return params

    runner = LiveRunner(compute, lambda r, p: None, lambda e, p: None,
                        on_progress=fractions.append, cancellable=True)
    runner.request("long")
    assert started.wait(30)
    runner.request("short")
    go_on.set()
    assert runner.wait(30)
    assert finished == ["short"]            # the long run stopped at its next progress report
    assert fractions[0] == 0.1 and fractions[-1] == 1.0    # the first and last are never throttled
    assert all(0 < f <= 1 for f in fractions)


def test_unthreaded_runner_computes_in_the_caller():
    rec, runner = make(threaded=False)
    runner.request(4)
    assert rec.shown == [(4, 40)]
    assert not runner.busy


def test_token_check_raises_when_superseded():
    runner = LiveRunner(lambda p, t: p, lambda r, p: None, lambda e, p: None, threaded=False)
    from widgets.runner import RunToken
    token = RunToken(runner, 0)
    runner.request(1)
    with pytest.raises(Superseded, match="superseded"):
        token.check()


def test_bad_callbacks_are_rejected():
    with pytest.raises(TypeError, match="`show`=3 is not callable"):
        LiveRunner(lambda p, t: p, 3, lambda e, p: None)
