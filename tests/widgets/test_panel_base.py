"""The Panel skeleton with a toy engine: live updates, errors in the panel, reset, export.

Threads are synchronised with events and the panel's own hooks, never with
sleeps (``scripts/stress_widget_tests.py`` runs these 50 times under load).
"""

import threading

import bqplot as bq
import numpy as np
import pytest

from widgets.controls import ControlSpec
from widgets.panels.base import Panel
from widgets.render import TraceMarks, make_figure


class ToyPanel(Panel):
    """y = a * sin(t); a < 0 is 'not allowed' by the toy engine."""

    def __init__(self, **kw):
        self.hold = None                        # a value whose computation waits for `release`
        self.entered, self.release = threading.Event(), threading.Event()
        self.computed = []
        figure, scales = make_figure((0, 10), (-3, 3), "t (ms)", "y")
        self.trace = TraceMarks(scales, ["black"])
        figure.marks = self.trace.marks
        super().__init__([ControlSpec("a", 1.0, -1.0, 2.0, unit="mV", description="amplitude")],
                         figure, export_name="toy", **kw)
        self.refresh()
        self.wait()

    def compute(self, params, token):
        self.computed.append(params["a"])
        if params["a"] == self.hold:
            self.entered.set()
            assert self.release.wait(30), "the test never released the held computation"
        if params["a"] < 0:
            raise ValueError(f"a={params['a']} must not be negative")
        t = np.linspace(0, 10, 50001)
        token.progress(1.0)
        return {"t": t, "y": params["a"] * np.sin(t), "a": params["a"]}

    def render(self, result):
        self.trace.update([(result["t"], result["y"])])

    def export_tables(self):
        return {"trace": {"t": self.result["t"], "y": self.result["y"]}}


def test_setting_a_control_updates_result_and_marks():
    panel = ToyPanel()
    line = panel.trace.lines[0]
    assert panel.result["a"] == 1.0 and np.max(line.y) == pytest.approx(1.0, abs=1e-6)
    assert len(line.x) <= 2000                       # decimated for drawing
    panel.controls["a"].value = 1.5
    assert panel.wait(30)
    assert panel.result["a"] == 1.5
    assert np.max(line.y) == pytest.approx(1.5, abs=1e-6)
    assert panel.status.state == "ready" and "a=1.5" in panel.status.text
    assert len(panel.export_tables()["trace"]["t"]) == 50001   # export keeps full resolution


def test_rapid_changes_end_with_the_last_value_on_screen():
    panel = ToyPanel()
    values = np.round(np.linspace(0.0, 2.0, 41), 2)
    panel.hold = values[0]
    panel.controls["a"].value = float(values[0])
    assert panel.entered.wait(30)                   # the worker computes a=0.0 ...
    for value in values[1:]:
        panel.controls["a"].value = float(value)    # ... while the slider moves on
    panel.release.set()
    assert panel.wait(30)
    assert panel.result["a"] == 2.0
    assert np.max(panel.trace.lines[0].y) == pytest.approx(2.0, abs=1e-6)
    assert panel.computed[1:] == [0.0, 2.0]         # coalesced: the first and the last
    assert panel.shown_generation == panel.generation


def test_an_exception_shows_in_the_panel_and_the_panel_recovers():
    panel = ToyPanel()
    panel.controls["a"].value = -0.5
    assert panel.wait(30)
    assert panel.status.state == "error"
    assert "ValueError for a=-0.5: a=-0.5 must not be negative" in panel.status.text
    assert panel.result is None and isinstance(panel.error, ValueError)
    assert not panel.trace.lines[0].visible          # no outdated curve stays on screen
    panel.controls["a"].value = 0.5
    assert panel.wait(30)
    assert panel.status.state == "ready" and panel.trace.lines[0].visible
    assert np.max(panel.trace.lines[0].y) == pytest.approx(0.5, abs=1e-6)


def test_reset_button_restores_defaults_and_recomputes():
    panel = ToyPanel()
    panel.controls["a"].value = 1.7
    panel.wait(30)
    panel.control_panel.reset_button.click()
    assert panel.wait(30)
    assert panel.controls["a"].value == 1.0 and panel.result["a"] == 1.0


def test_panel_is_a_widget_with_controls_figure_and_export():
    panel = ToyPanel()
    assert set(panel.controls) == {"a"}
    assert isinstance(panel.figure, bq.Figure)
    assert panel.figure.animation_duration == 0
    assert [b.description for b in panel.export.buttons] == ["PNG", "SVG", "CSV", "NPZ"]
    assert "wb-panel" in panel._dom_classes
    panel.close()


def test_status_says_computing_only_for_slow_updates(monkeypatch):
    # slow: the computation waits until the status said "computing" (after busy_delay)
    slow = ToyPanel()
    shown_busy = threading.Event()
    status_busy = slow.status.busy

    def busy(text):
        status_busy(text)
        shown_busy.set()
    monkeypatch.setattr(slow.status, "busy", busy)
    slow.hold = 1.2
    slow.controls["a"].value = 1.2
    assert shown_busy.wait(30)
    assert slow.status.state == "busy" and "computing a=1.2" in slow.status.text
    slow.release.set()
    assert slow.wait(30) and slow.status.state == "ready"
    # fast: results arrive long before busy_delay; the timer is cancelled and never fires
    fast = ToyPanel()
    fast.busy_delay = 60.0                # "fast" whatever the machine's load
    calls = []
    monkeypatch.setattr(fast.status, "busy", lambda text: calls.append(text))
    for value in (1.1, 1.2, 1.3):
        fast.controls["a"].value = value
        assert fast.wait(30)
        timer = fast._busy_timer
        timer.join(30)                    # cancelled: the thread ends at once
        assert not timer.is_alive()
    assert calls == [] and fast.status.state == "ready" and "a=1.3" in fast.status.text
