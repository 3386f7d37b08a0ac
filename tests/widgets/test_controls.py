"""Controls: specs are validated, sliders carry units/explanations, reset restores defaults once."""

import ipywidgets as W
import pytest

from widgets.controls import ControlPanel, ControlSpec, StatusBar, as_spec, make_control


def test_spec_forms_are_normalised():
    assert as_spec("Iext", (0.8, 0.0, 1.5)) == ControlSpec("Iext", 0.8, 0.0, 1.5)
    assert as_spec("Iext", (0.8, 0.0, 1.5, 0.05)).step == 0.05
    spec = as_spec("g", {"value": 0.6, "min": 0, "max": 2, "unit": "nS",
                         "description": "excitatory weight"})
    assert (spec.unit, spec.description) == ("nS", "excitatory weight")
    assert as_spec("plastic", True).value is True
    assert as_spec("kind", {"value": "E", "options": ("E", "I")}).options == ("E", "I")
    renamed = as_spec("b", ControlSpec("a", 1.0, 0.0, 2.0))
    assert renamed.name == "b"


@pytest.mark.parametrize("spec, message", [
    ((0.8, 1.0, 1.5), r"`value`=0.8 lies outside \[1.0, 1.5\]"),
    ((0.8, 1.5, 0.0), "need finite min < max"),
    (("a", 0, 1), "must be a number"),
    ({"value": 1, "min": 0, "max": 2, "colour": "red"}, "unknown control fields \\['colour'\\]"),
    ({"min": 0, "max": 2}, "needs a 'value'"),
    ((1,), "is not a control"),
    ({"value": "X", "options": ("E", "I")}, "is not one of the `options`"),
    ((0.5, 0.0, 1.0, -0.1), "`step`=-0.1 must be positive"),
])
def test_bad_specs_name_the_parameter_and_the_value(spec, message):
    with pytest.raises((ValueError, TypeError), match=message):
        as_spec("Iext", spec)


def test_numeric_spec_needs_a_range():
    with pytest.raises(ValueError, match="needs `min` and `max`"):
        ControlSpec("a", 1.0)


def test_make_control_picks_the_widget_and_a_step():
    slider = make_control(ControlSpec("Iext", 0.8, 0.0, 1.5))
    assert isinstance(slider, W.FloatSlider)
    assert slider.step == 0.01 and slider.readout_format == ".2f"
    assert slider.continuous_update is False
    assert "wb-control-Iext" in slider._dom_classes
    assert isinstance(make_control(ControlSpec("n", 10, 1, 100)), W.IntSlider)
    assert isinstance(make_control(ControlSpec("on", True)), W.Checkbox)
    assert isinstance(make_control(ControlSpec("k", "E", options=("E", "I"))), W.Dropdown)
    assert make_control(ControlSpec("x", 0.5, 0.0, 1.0, step=0.25)).readout_format == ".2f"
    assert make_control(ControlSpec("x", 5.0, 0.0, 200.0)).step == 2.0


def test_panel_shows_units_and_explanations():
    panel = ControlPanel([ControlSpec("Iext", 0.8, 0.0, 1.5, unit="uA/cm2",
                                      description="injected current")])
    def html_texts(widget):
        if isinstance(widget, W.HTML):
            return [widget.value]
        return [t for child in getattr(widget, "children", ()) for t in html_texts(child)]
    texts = html_texts(panel.widget)
    assert "uA/cm2" in texts[0] and "injected current" in texts[1]


def test_reset_restores_defaults_with_one_callback():
    panel = ControlPanel([ControlSpec("a", 1.0, 0.0, 2.0), ControlSpec("b", 3, 0, 10)])
    calls = []
    panel.on_change(lambda values, changed: calls.append((values, changed)))
    panel.controls["a"].value = 1.5
    panel.controls["b"].value = 7
    assert calls[-1] == ({"a": 1.5, "b": 7}, ("b",))
    calls.clear()
    panel.reset_button.click()
    assert calls == [({"a": 1.0, "b": 3}, ("a", "b"))]
    assert panel.values() == panel.defaults() == {"a": 1.0, "b": 3}


def test_set_values_rejects_unknown_names():
    panel = ControlPanel([ControlSpec("a", 1.0, 0.0, 2.0)])
    with pytest.raises(KeyError, match=r"unknown controls \['zz'\]"):
        panel.set_values(zz=1)


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="two controls are named 'a'"):
        ControlPanel([ControlSpec("a", 1.0, 0.0, 2.0), ControlSpec("a", 1.0, 0.0, 2.0)])


def test_status_bar_states():
    status = StatusBar()
    status.busy("computing")
    assert status.state == "busy" and "wb-status-busy" in status.message._dom_classes
    status.set_progress(0.4)
    assert status.progress.value == 0.4 and status.progress.layout.visibility == "visible"
    status.error("ValueError: <bad>")
    assert "&lt;bad&gt;" in status.message.value
    assert "wb-status-busy" not in status.message._dom_classes
    status.ready("ok")
    assert status.progress.layout.visibility == "hidden" and status.text == "ok"


# -- values from the page are checked in the kernel (issue 15 item 5) -------------------------
def page_sets(control, **state):
    """Deliver a comm 'update' message, as the page (or anyone on its websocket) sends it."""
    control._handle_msg({"content": {"data": {"method": "update", "state": state,
                                              "buffer_paths": []}}, "buffers": []})


def test_page_cannot_widen_a_slider_and_send_a_huge_value():
    panel = ControlPanel([ControlSpec("duration", 100.0, 10.0, 400.0)])
    seen = []
    panel.on_change(lambda values, changed: seen.append(values["duration"]))
    control = panel.controls["duration"]
    page_sets(control, max=1e9, value=1e7)
    assert control.max == 400.0 and control.value == 400.0
    assert panel.values()["duration"] == 400.0
    assert seen and max(seen) <= 400.0
    assert panel.rejected >= 1


@pytest.mark.parametrize("sent, kept", [(float("nan"), 0.5), (float("inf"), 1.0),
                                        (-5.0, 0.0), (0.25, 0.25)])
def test_values_are_clamped_or_reset_against_the_spec(sent, kept):
    spec = ControlSpec("a", 0.5, 0.0, 1.0)
    panel = ControlPanel([spec])
    panel.controls["a"].min = -10.0          # as if the page had widened the range first
    panel.controls["a"].value = sent
    assert panel.values()["a"] == kept
    assert panel.controls["a"].min == 0.0


def test_checked_value_covers_every_kind_of_control():
    from widgets.controls import checked_value
    assert checked_value(ControlSpec("n", 3, 0, 10), 12) == 10
    assert checked_value(ControlSpec("n", 3, 0, 10), 4.6) == 5
    assert checked_value(ControlSpec("on", True), "yes") is True
    assert checked_value(ControlSpec("k", "E", options=("E", "I")), "X") == "E"
    assert checked_value(ControlSpec("k", "E", options=("E", "I")), "I") == "I"
    assert checked_value(ControlSpec("x", 1.0, 0.0, 2.0), "1e7") == 1.0


def test_a_panel_never_computes_with_a_value_outside_its_spec():
    import numpy as np
    from widgets.panels.base import Panel
    from widgets.render import make_figure

    class Recorder(Panel):
        def __init__(self):
            figure, _ = make_figure((0, 1), (0, 1))
            self.requests = []
            super().__init__([ControlSpec("duration", 100.0, 10.0, 400.0)], figure,
                             threaded=False)
            self.refresh()

        def compute(self, params, token):
            self.requests.append(params["duration"])
            return np.zeros(int(params["duration"]))       # "allocates" with the value

        def render(self, result):
            pass

        def export_tables(self):
            return {}

    panel = Recorder()
    page_sets(panel.controls["duration"], max=1e9, value=1e7)
    page_sets(panel.controls["duration"], value=float("nan"))
    assert max(panel.requests) <= 400.0
