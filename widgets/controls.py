"""Controls with units, one-line explanations and reset-to-defaults, plus the status line.

A :class:`ControlSpec` describes one parameter (default, range, step, unit, what it
means); :func:`make_control` turns it into an ipywidgets control; a
:class:`ControlPanel` lays several out with their explanations and a reset button
and reports value changes through one callback. :class:`StatusBar` is the panel's
status area: what is on screen, errors, and a progress bar for long runs.
"""

import contextlib
import html
import logging
import math
import numbers
from dataclasses import dataclass, field, replace

import ipywidgets as W

__all__ = ["ControlSpec", "as_spec", "specs_from_pars", "duration_spec", "make_control",
           "checked_value", "ControlPanel", "StatusBar"]

log = logging.getLogger(__name__)

#: Traits of a control that fix what it may hold; the page must not change them.
_LIMIT_TRAITS = ("min", "max", "step", "options")


@dataclass(frozen=True)
class ControlSpec:
    """One control: a parameter's default, range and meaning.

    Parameters
    ----------
    name : str
        Parameter name (the key in ``panel.controls`` and in the values dict).
    value : float, int, bool or str
        Default value (restored by the reset button).
    min, max : float, optional
        Range of a slider; required for numbers.
    step : float, optional
        Slider step; default: 1/100 of the range (1 for integers).
    unit : str, optional
        Unit shown after the value (``'mV'``, ``'ms'``).
    description : str, optional
        One-line explanation shown beside the control.
    label : str, optional
        Short label on the control; default: ``name``.
    options : tuple, optional
        Allowed values of a dropdown (then ``min``/``max`` are not used).
    """

    name: str
    value: object
    min: float = None
    max: float = None
    step: float = None
    unit: str = ""
    description: str = ""
    label: str = None
    options: tuple = field(default=None)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"`name`={self.name!r} must be a non-empty string")
        if self.options is not None:
            options = tuple(self.options)
            object.__setattr__(self, "options", options)
            if self.value not in options:
                raise ValueError(f"control {self.name!r}: `value`={self.value!r} is not one of "
                                 f"the `options` {options!r}")
            return
        if isinstance(self.value, bool):
            return
        if not isinstance(self.value, numbers.Real):
            raise TypeError(f"control {self.name!r}: `value`={self.value!r} must be a number, "
                            "a bool, or one of `options`")
        if self.min is None or self.max is None:
            raise ValueError(f"control {self.name!r}: a numeric control needs `min` and `max` "
                             f"(got min={self.min!r}, max={self.max!r})")
        if not (math.isfinite(self.min) and math.isfinite(self.max) and self.min < self.max):
            raise ValueError(f"control {self.name!r}: need finite min < max, got "
                             f"min={self.min!r}, max={self.max!r}")
        if not self.min <= self.value <= self.max:
            raise ValueError(f"control {self.name!r}: `value`={self.value!r} lies outside "
                             f"[{self.min!r}, {self.max!r}]")
        if self.step is not None and not self.step > 0:
            raise ValueError(f"control {self.name!r}: `step`={self.step!r} must be positive")

    @property
    def is_int(self):
        """bool: True for an integer slider (integer value, bounds and step)."""
        return (self.options is None and not isinstance(self.value, bool)
                and all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                        for v in (self.value, self.min, self.max))
                and (self.step is None or isinstance(self.step, numbers.Integral)))

    @property
    def resolved_step(self):
        """float or int: the step actually used by the slider."""
        if self.step is not None:
            return self.step
        if self.is_int:
            return 1
        return _nice_step((self.max - self.min) / 100.0)


def _nice_step(raw):
    """Round a step down to 1, 2 or 5 times a power of ten (0.0137 -> 0.01)."""
    exponent = math.floor(math.log10(raw))
    base = 10.0 ** exponent
    for factor in (5, 2, 1):
        if factor * base <= raw:
            return factor * base
    return base


def as_spec(name, spec):
    """Normalise the ways a panel accepts a parameter into a :class:`ControlSpec`.

    Parameters
    ----------
    name : str
        Parameter name.
    spec : ControlSpec, tuple, dict, bool or str
        ``(value, min, max)`` or ``(value, min, max, step)``; a dict of
        :class:`ControlSpec` fields (``value``, ``min``, ``max``, ``step``, ``unit``,
        ``description``, ``label``, ``options``); a bool (a checkbox); or a
        ready :class:`ControlSpec` (its name must equal ``name``).

    Returns
    -------
    ControlSpec

    Raises
    ------
    TypeError, ValueError
        When ``spec`` has another form or inconsistent values.
    """
    if isinstance(spec, ControlSpec):
        if spec.name != name:
            return replace(spec, name=name)
        return spec
    if isinstance(spec, dict):
        unknown = set(spec) - {"value", "min", "max", "step", "unit", "description", "label",
                               "options"}
        if unknown:
            raise TypeError(f"parameter {name!r}: unknown control fields {sorted(unknown)}; "
                            "allowed: value, min, max, step, unit, description, label, options")
        if "value" not in spec:
            raise TypeError(f"parameter {name!r}: the control dict needs a 'value'")
        return ControlSpec(name=name, **spec)
    if isinstance(spec, bool):
        return ControlSpec(name=name, value=spec)
    if isinstance(spec, (tuple, list)) and len(spec) in (3, 4):
        return ControlSpec(name, *spec)
    raise TypeError(f"parameter {name!r}: {spec!r} is not a control; give (value, min, max), "
                    "(value, min, max, step), a dict of ControlSpec fields or a ControlSpec")


def specs_from_pars(pars, reserved=()):
    """The :class:`ControlSpec` of every entry of a panel's ``pars`` argument.

    Parameters
    ----------
    pars : dict or None
        ``{name: spec}`` in any form :func:`as_spec` accepts.
    reserved : tuple of str, optional
        Names the panel uses for its own controls.

    Returns
    -------
    list of ControlSpec

    Raises
    ------
    ValueError
        When a reserved name is used.
    """
    clash = sorted(set(pars or {}) & set(reserved))
    if clash:
        raise ValueError(f"`pars` may not contain {clash}: the panel has its own control(s) of "
                         f"that name")
    return [as_spec(name, spec) for name, spec in (pars or {}).items()]


def duration_spec(duration, unit="ms", description="simulated time"):
    """The ``duration`` slider: from a tenth to four times the given duration.

    Parameters
    ----------
    duration : float
        Default simulated time.
    unit : str, optional
    description : str, optional

    Returns
    -------
    ControlSpec

    Raises
    ------
    ValueError
        When ``duration`` is not a positive number.
    """
    if isinstance(duration, bool) or not isinstance(duration, numbers.Real) or not duration > 0:
        raise ValueError(f"`duration`={duration!r} must be a positive number")
    duration = float(duration)
    return ControlSpec("duration", duration, duration / 10.0, duration * 4.0, unit=unit,
                       description=description)


def make_control(spec):
    """Create the ipywidgets control for a :class:`ControlSpec`.

    Parameters
    ----------
    spec : ControlSpec

    Returns
    -------
    ipywidgets.ValueWidget
        A ``FloatSlider``, ``IntSlider``, ``Checkbox`` or ``Dropdown`` with
        ``continuous_update=False`` (a value is sent when the handle is released
        or a key is pressed), carrying the CSS class ``wb-control-<name>``.
    """
    label = spec.label or spec.name
    style = {"description_width": "initial"}
    if spec.options is not None:
        control = W.Dropdown(options=spec.options, value=spec.value, description=label,
                             style=style)
    elif isinstance(spec.value, bool):
        control = W.Checkbox(value=spec.value, description=label, indent=False)
    elif spec.is_int:
        control = W.IntSlider(value=spec.value, min=spec.min, max=spec.max,
                              step=spec.resolved_step, description=label,
                              continuous_update=False, style=style)
    else:
        step = spec.resolved_step
        decimals = _decimals(step)
        control = W.FloatSlider(value=spec.value, min=spec.min, max=spec.max, step=step,
                                description=label, continuous_update=False,
                                readout_format=f".{decimals}f", style=style)
    control.add_class("wb-control")
    control.add_class(f"wb-control-{_css_name(spec.name)}")
    return control


def checked_value(spec, value):
    """The value a control may hold, whatever the page sent: checked against its spec.

    The browser enforces a slider's range, but anyone who can reach the kernel's websocket
    can send any value (or first widen ``max``). So the kernel checks every value against
    the :class:`ControlSpec`, before any computation sees it.

    Parameters
    ----------
    spec : ControlSpec
    value : object
        What the control holds now.

    Returns
    -------
    object
        ``value`` when allowed; a number outside ``[min, max]`` clamped into it; an
        integer slider's value rounded; anything else (NaN, inf, a wrong type, an unknown
        option) replaced by the default.
    """
    if spec.options is not None:
        return value if any(value == option and type(value) is type(option)
                            for option in spec.options) else spec.value
    if isinstance(spec.value, bool):
        return value if isinstance(value, bool) else spec.value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return spec.value
    if not math.isfinite(value):
        return spec.value
    value = min(max(value, spec.min), spec.max)
    return int(round(value)) if spec.is_int else float(value)


def _decimals(step):
    """Number of decimals needed to show multiples of ``step`` exactly (at most 8)."""
    for decimals in range(9):
        scaled = step * 10 ** decimals
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return decimals
    return 8


def _css_name(name):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


class ControlPanel:
    """Controls laid out with units and explanations, a reset button and one change callback.

    Parameters
    ----------
    specs : iterable of ControlSpec
        The controls, in display order.
    title : str, optional
        Heading above the controls.

    Attributes
    ----------
    controls : dict
        ``{name: ipywidgets control}``; set ``.value`` to change a parameter.
    specs : dict
        ``{name: ControlSpec}``.
    widget : ipywidgets.VBox
        The laid-out controls and the reset button.
    reset_button : ipywidgets.Button
    rejected : int
        Values and limits from the page that broke a spec and were replaced (each is
        also logged as a warning).
    """

    def __init__(self, specs, title=None):
        self.specs = {}
        for spec in specs:
            if not isinstance(spec, ControlSpec):
                raise TypeError(f"{spec!r} is not a ControlSpec")
            if spec.name in self.specs:
                raise ValueError(f"two controls are named {spec.name!r}")
            self.specs[spec.name] = spec
        self.controls = {name: make_control(spec) for name, spec in self.specs.items()}
        self._callbacks = []
        self._batch_depth = 0
        self._batch_changed = []
        rows = []
        if title:
            rows.append(W.HTML(f"<b>{html.escape(title)}</b>"))
        for name, spec in self.specs.items():
            rows.append(self._row(spec, self.controls[name]))
        self.reset_button = W.Button(description="Reset to defaults", icon="undo",
                                     tooltip="Put every control back to its default value")
        self.reset_button.add_class("wb-reset")
        self.reset_button.on_click(lambda _button: self.reset())
        rows.append(self.reset_button)
        self.widget = W.VBox(rows)
        self.widget.add_class("wb-controls")
        self.rejected = 0
        for name, control in self.controls.items():
            control.observe(self._make_observer(name), names="value")
            limits = [trait for trait in _LIMIT_TRAITS if control.has_trait(trait)]
            control.observe(self._make_limit_guard(name), names=limits)

    @staticmethod
    def _row(spec, control):
        unit = W.HTML(html.escape(spec.unit), layout=W.Layout(min_width="3em"))
        row = W.HBox([control, unit], layout=W.Layout(align_items="center"))
        if not spec.description:
            return row
        note = W.HTML(f"<span style='color:#555;font-size:90%;line-height:1.2'>"
                      f"{html.escape(spec.description)}</span>",
                      layout=W.Layout(margin="-6px 0 6px 8px"))
        return W.VBox([row, note])

    def _make_limit_guard(self, name):
        control = self.controls[name]
        expected = {trait: getattr(control, trait) for trait in _LIMIT_TRAITS
                    if control.has_trait(trait)}

        def guard(change):
            if change["new"] == expected[change["name"]]:
                return
            self.rejected += 1
            log.warning("control %r: the page set %s=%r; restored %r", name, change["name"],
                        change["new"], expected[change["name"]])
            with control.hold_sync():
                for trait, value in expected.items():
                    if getattr(control, trait) != value:
                        setattr(control, trait, value)
            allowed = checked_value(self.specs[name], control.value)
            if allowed != control.value:
                control.value = allowed
        return guard

    def _make_observer(self, name):
        spec = self.specs[name]

        def observer(change):
            allowed = checked_value(spec, change["new"])
            if allowed != change["new"] or type(allowed) is not type(change["new"]):
                self.rejected += 1
                log.warning("control %r: value %r from the page is outside its spec; using %r",
                            name, change["new"], allowed)
                self.controls[name].value = allowed      # observed again, then emitted
                return
            if self._batch_depth:
                self._batch_changed.append(name)
            else:
                self._emit([name])
        return observer

    def _emit(self, changed):
        values = self.values()
        for callback in list(self._callbacks):
            callback(values, tuple(changed))

    def on_change(self, callback):
        """Call ``callback(values, changed_names)`` after any control changes.

        Parameters
        ----------
        callback : callable
            Receives the dict of all current values and the tuple of names that changed.
        """
        self._callbacks.append(callback)

    def values(self):
        """Current values of all controls.

        Returns
        -------
        dict
            ``{name: value}``, each checked against its spec (see :func:`checked_value`).
        """
        return {name: checked_value(self.specs[name], control.value)
                for name, control in self.controls.items()}

    def defaults(self):
        """Default values of all controls.

        Returns
        -------
        dict
            ``{name: default value}``.
        """
        return {name: spec.value for name, spec in self.specs.items()}

    @contextlib.contextmanager
    def batch(self):
        """Change several controls and fire the change callback once, at the end."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth and self._batch_changed:
                changed, self._batch_changed = self._batch_changed, []
                self._emit(list(dict.fromkeys(changed)))

    def set_values(self, **values):
        """Set several controls at once (one change callback).

        Parameters
        ----------
        **values
            ``name=value`` pairs; names must be controls of this panel.

        Raises
        ------
        KeyError
            For an unknown name.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"unknown controls {sorted(unknown)}; the controls are "
                           f"{sorted(self.controls)}")
        with self.batch():
            for name, value in values.items():
                self.controls[name].value = value

    def reset(self):
        """Put every control back to its default value (one change callback)."""
        self.set_values(**self.defaults())


class StatusBar:
    """The status area of a panel: a message line and a progress bar.

    Attributes
    ----------
    widget : ipywidgets.VBox
    message : ipywidgets.HTML
        Carries the CSS classes ``wb-status`` and one of ``wb-status-ready``,
        ``wb-status-busy``, ``wb-status-error``.
    progress : ipywidgets.FloatProgress
        Hidden unless a long run reports progress.
    """

    _STATES = ("ready", "busy", "error")

    def __init__(self):
        self.message = W.HTML("")
        self.message.add_class("wb-status")
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="running",
                                        layout=W.Layout(visibility="hidden", width="60%"))
        self.progress.add_class("wb-progress")
        self.widget = W.VBox([self.message, self.progress])
        self.state = None
        self.text = ""

    def _set(self, state, text, color):
        self.state = state
        self.text = text
        classes = [c for c in self.message._dom_classes
                   if not c.startswith("wb-status-")] + [f"wb-status-{state}"]
        with self.message.hold_sync():          # class and text in one message
            self.message._dom_classes = tuple(classes)
            self.message.value = (f"<span style='color:{color}'>"
                                  f"{html.escape(text, quote=False)}</span>").replace("\n", "<br>")

    def ready(self, text):
        """Show what is on screen now (and hide the progress bar).

        Parameters
        ----------
        text : str
        """
        self.progress.layout.visibility = "hidden"
        self._set("ready", text, "#333")

    def busy(self, text):
        """Say that a computation is running.

        Parameters
        ----------
        text : str
        """
        if self.progress.value:
            self.progress.value = 0.0
        self._set("busy", text, "#1f5fa8")

    def error(self, text):
        """Show an error (the plot is cleared so no outdated result stays visible).

        Parameters
        ----------
        text : str
        """
        self.progress.layout.visibility = "hidden"
        self._set("error", text, "#b00020")

    def set_progress(self, fraction):
        """Show the progress bar at ``fraction`` (0..1).

        Parameters
        ----------
        fraction : float
        """
        self.progress.layout.visibility = "visible"
        self.progress.value = min(max(float(fraction), 0.0), 1.0)
