"""The Panel skeleton with a toy engine: live updates, errors in the panel, reset, export."""

import threading
import time

import bqplot as bq
import numpy as np
import pytest

from widgets.controls import ControlSpec
from widgets.panels.base import Panel
from widgets.render import TraceMarks, make_figure


class ToyPanel(Panel):
    """y = a * sin(t); a < 0 is 'not allowed' by the toy engine."""

    def __init__(self, delay=0.0, **kw):
        self.delay = delay
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
        time.sleep(self.delay)
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
    assert panel.wait(10)
    assert panel.result["a"] == 1.5
    assert np.max(line.y) == pytest.approx(1.5, abs=1e-6)
    assert panel.status.state == "ready" and "a=1.5" in panel.status.text
    assert len(panel.export_tables()["trace"]["t"]) == 50001   # export keeps full resolution


def test_rapid_changes_end_with_the_last_value_on_screen():
    panel = ToyPanel(delay=0.03)
    values = np.round(np.linspace(0.0, 2.0, 41), 2)
    for value in values:
        panel.controls["a"].value = float(value)
    assert panel.wait(20)
    assert panel.result["a"] == 2.0
    assert np.max(panel.trace.lines[0].y) == pytest.approx(2.0, abs=1e-6)
    assert len(panel.computed) < len(values)        # coalesced
    assert panel.shown_generation == panel.generation


def test_an_exception_shows_in_the_panel_and_the_panel_recovers():
    panel = ToyPanel()
    panel.controls["a"].value = -0.5
    assert panel.wait(10)
    assert panel.status.state == "error"
    assert "ValueError for a=-0.5: a=-0.5 must not be negative" in panel.status.text
    assert panel.result is None and isinstance(panel.error, ValueError)
    assert not panel.trace.lines[0].visible          # no outdated curve stays on screen
    panel.controls["a"].value = 0.5
    assert panel.wait(10)
    assert panel.status.state == "ready" and panel.trace.lines[0].visible
    assert np.max(panel.trace.lines[0].y) == pytest.approx(0.5, abs=1e-6)


def test_reset_button_restores_defaults_and_recomputes():
    panel = ToyPanel()
    panel.controls["a"].value = 1.7
    panel.wait(10)
    panel.control_panel.reset_button.click()
    assert panel.wait(10)
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
    slow = ToyPanel(delay=0.5)
    slow.controls["a"].value = 1.2
    time.sleep(0.35)
    assert slow.status.state == "busy" and "computing a=1.2" in slow.status.text
    assert slow.wait(10) and slow.status.state == "ready"
    fast = ToyPanel()
    calls = []
    monkeypatch.setattr(fast.status, "busy", lambda text: calls.append(text))
    for value in (1.1, 1.2, 1.3):
        fast.controls["a"].value = value
        assert fast.wait(10)
    time.sleep(0.3)                                   # no late "computing" after the result
    assert calls == [] and fast.status.state == "ready" and "a=1.3" in fast.status.text
