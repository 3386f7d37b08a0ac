"""LiveRunner: the newest request wins, nothing stale is shown, errors and progress are reported."""

import threading
import time

import pytest

from widgets.runner import LiveRunner, Superseded


class Recorder:
    """compute/show/show_error callbacks that record what happened and when."""

    def __init__(self, delay=0.0, fail_on=()):
        self.delay = delay
        self.fail_on = set(fail_on)
        self.computed, self.shown, self.errors = [], [], []
        self.runner = None

    def compute(self, params, token):
        self.computed.append(params)
        time.sleep(self.delay)
        if params in self.fail_on:
            raise ValueError(f"bad value {params}")
        return params * 10

    def show(self, result, params):
        self.shown.append((params, result))

    def show_error(self, exc, params):
        self.errors.append((params, exc))


def make(delay=0.0, fail_on=(), **kw):
    rec = Recorder(delay, fail_on)
    rec.runner = LiveRunner(rec.compute, rec.show, rec.show_error, **kw)
    return rec, rec.runner


def test_rapid_requests_coalesce_and_the_last_value_wins():
    rec, runner = make(delay=0.02)
    for value in range(1, 51):
        runner.request(value)
        time.sleep(0.001)
    assert runner.wait(10)
    assert rec.shown[-1] == (50, 500)
    # far fewer computations than requests, and every shown result was current when shown
    assert len(rec.computed) < 25
    assert runner.dropped + len(rec.computed) == 50
    shown_params = [p for p, _ in rec.shown]
    assert shown_params == sorted(shown_params)
    assert runner.shown_generation == runner.generation == 50


def test_a_result_finished_after_a_newer_request_is_discarded():
    release = threading.Event()
    shown = []

    def compute(params, token):
        if params == "slow":
            release.wait(5)
        return params

    runner = LiveRunner(compute, lambda r, p: shown.append(r), lambda e, p: None)
    runner.request("slow")
    time.sleep(0.05)                 # the worker is inside compute("slow")
    runner.request("fast")
    release.set()
    assert runner.wait(5)
    assert shown == ["fast"]
    assert runner.discarded == 1


def test_an_exception_is_reported_and_the_worker_survives():
    rec, runner = make(fail_on={2})
    runner.request(2)
    assert runner.wait(5)
    assert rec.shown == []
    assert rec.errors[0][0] == 2 and isinstance(rec.errors[0][1], ValueError)
    runner.request(3)
    assert runner.wait(5)
    assert rec.shown == [(3, 30)]


def test_a_failing_show_is_reported_as_an_error():
    errors = []

    def bad_show(result, params):
        raise RuntimeError("drawing failed")

    runner = LiveRunner(lambda p, t: p, bad_show, lambda e, p: errors.append(e))
    runner.request(1)
    assert runner.wait(5)
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
                go_on.wait(5)
            time.sleep(0.06)
            token.progress(k / 10)
        finished.append(params)
        return params

    runner = LiveRunner(compute, lambda r, p: None, lambda e, p: None,
                        on_progress=fractions.append, cancellable=True)
    runner.request("long")
    assert started.wait(5)
    runner.request("short")
    go_on.set()
    assert runner.wait(10)
    assert finished == ["short"]            # the long run stopped at its next progress report
    assert fractions[-1] == 1.0
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
