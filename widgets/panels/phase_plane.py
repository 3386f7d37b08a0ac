"""Live phase plane: nullclines, vector field, fixed points by stability, trajectories."""

import ipywidgets as W
import numpy as np

from ..controls import duration_spec, specs_from_pars
from ..render import (ClickMarks, FixedPointMarks, LegendMarks, NullclineMarks, TraceMarks,
                      TrajectoryMarks, VectorFieldMarks, axis_label, make_figure)
from .base import Panel, analyzer_arguments

__all__ = ["PhasePlanePanel"]


class PhasePlanePanel(Panel):
    """A phase plane that follows its parameter sliders live.

    Shows the nullclines, the vector field, the fixed points coloured by stability
    (filled: stable, open: unstable, orange: saddle) and trajectories. Clicking
    the plane starts a trajectory from the clicked point. A slider move updates
    the analyser's parameters and recomputes (no SymPy derivation, no compilation).

    Parameters
    ----------
    integrals : integral, callable or list of them
        As for ``bp.analysis.PhasePlane`` (e.g. a ``bp.odeint`` integral).
    target_vars : dict
        ``{'V': [-3, 3], 'w': [-3, 3]}``: the plane (one or two variables); the
        ranges are the fixed axis limits.
    pars : dict, optional
        ``{name: (value, min, max)}`` (or any form of
        :func:`~widgets.controls.as_spec`): parameters as sliders. Arguments of
        the derivative and numeric module constants it reads are both allowed.
    trajectory : dict, tuple or list of them, optional
        Initial point(s) of trajectories, e.g. ``{'V': -2.8, 'w': -1.8}``.
    duration : float, optional
        Simulated time of the trajectories (a slider from a tenth to four times
        this value).
    fixed_vars, pars_update, numerical_resolution, options : optional
        Passed to ``bp.analysis.PhasePlane`` (``options['verbose']`` defaults to False).
    units : dict, optional
        ``{name: unit}`` for axis labels (``{'V': 'mV'}``) and time (``{'t': 'ms'}``).
    title : str, optional
    threaded : bool, optional

    Attributes
    ----------
    analyzer : workbench.analysis.PhasePlane
    result : PhasePlaneResult
        The analyser's result for the current values
        (``PhasePlane.compute_phase_plane()``).

    Examples
    --------
    >>> panel = PhasePlanePanel(int_fhn, {'V': [-3, 3], 'w': [-3, 3]},
    ...                         pars={'Iext': (0.8, 0.0, 1.5)},
    ...                         trajectory={'V': -2.8, 'w': -1.8}, duration=100.)  # doctest: +SKIP
    """

    def __init__(self, integrals, target_vars, pars=None, trajectory=None, duration=100.0,
                 fixed_vars=None, pars_update=None, numerical_resolution=0.1, options=None,
                 units=None, title=None, threaded=True):
        from workbench.analysis import PhasePlane

        specs = specs_from_pars(pars, reserved=("duration",))
        self.units = dict(units or {})
        time_control = duration_spec(duration, self.units.get("t", "ms"),
                                     "simulated time of the trajectories")
        updates, options = analyzer_arguments(specs, pars_update, options)
        self.analyzer = PhasePlane(integrals, target_vars=target_vars, fixed_vars=fixed_vars,
                                   pars_update=updates, numerical_resolution=numerical_resolution,
                                   options=options)
        self.variables = tuple(self.analyzer.target_vars)
        self.parameter_names = tuple(spec.name for spec in specs)
        self.initials = self._initials(trajectory)
        if self.initials and len(self.variables) != 2:
            raise ValueError("trajectories are drawn in a two-dimensional phase plane; this one "
                             f"has the single variable {self.variables[0]!r}")
        specs.append(time_control)
        figure = self._make_figure()
        self.clear_button = W.Button(description="Clear trajectories", icon="eraser",
                                     tooltip="Remove the trajectories; click the plane to "
                                             "start a new one",
                                        layout=W.Layout(width="auto"))
        self.clear_button.add_class("wb-clear-trajectories")
        self.clear_button.on_click(lambda _b: self.set_trajectory(None))
        hint = W.HTML("<span style='color:#555;font-size:90%'>Click the plane to start a "
                      "trajectory there.</span>") if len(self.variables) == 2 else W.HTML("")
        super().__init__(specs, figure, title=title or "Phase plane", export_name="phase_plane",
                         threaded=threaded, extra=[hint, self.clear_button])
        self.refresh()
        self.wait()

    # -- figure -------------------------------------------------------------------------
    def _make_figure(self):
        ranges = self.analyzer.target_vars
        x_var = self.variables[0]
        if len(self.variables) == 2:
            y_var = self.variables[1]
            figure, scales = make_figure(ranges[x_var], ranges[y_var],
                                         axis_label(x_var, self.units.get(x_var, "")),
                                         axis_label(y_var, self.units.get(y_var, "")),
                                         height="480px", css_class="wb-phase-plane")
            self.field = VectorFieldMarks(scales)
            self.nullclines = NullclineMarks(scales, self.variables)
            self.trajectories = TrajectoryMarks(scales, self.variables)
            self.fixed = FixedPointMarks(scales, self.variables)
            self.clicks = ClickMarks(scales, self._on_click)
            figure.marks = (self.clicks.marks + self.field.marks + self.nullclines.marks +
                            self.trajectories.marks + self.fixed.marks)
            self.flow = None
        else:
            figure, scales = make_figure(ranges[x_var], (-1.0, 1.0),
                                         axis_label(x_var, self.units.get(x_var, "")),
                                         f"d{x_var}/dt", height="420px",
                                         css_class="wb-phase-plane")
            self.flow = TraceMarks(scales, ["#0072B2"], labels=[f"d{x_var}/dt"])
            zero = TraceMarks(scales, ["#999999"], stroke_width=1)
            zero.update([(np.asarray(ranges[x_var], float), np.zeros(2))])
            self.fixed = FixedPointMarks(scales, self.variables)
            figure.marks = zero.marks + self.flow.marks + self.fixed.marks
            self.flow_scale = scales["y"]
        listed = (self.nullclines.marks if len(self.variables) == 2 else []) + self.fixed.marks
        self.legend = LegendMarks(figure, listed)
        return figure

    # -- interaction --------------------------------------------------------------------
    def _initials(self, trajectory):
        """Initial points as a list of dicts (checked by the analyser)."""
        if trajectory is None:
            return []
        return self.analyzer._check_initials(trajectory, self.variables)

    def _on_click(self, x, y):
        self.set_trajectory({self.variables[0]: x, self.variables[1]: y})

    def set_trajectory(self, trajectory):
        """Replace the trajectories' initial points and recompute.

        Parameters
        ----------
        trajectory : dict, tuple, list of them, or None
            As the constructor's ``trajectory``; None removes all trajectories.
        """
        self.initials = self._initials(trajectory)
        self.refresh()

    def request_params(self):
        """Control values plus the trajectories' initial points."""
        params = self.values()
        params["initials"] = [dict(p) for p in self.initials]
        return params

    # -- engine -------------------------------------------------------------------------
    def compute(self, params, token):
        """Update the analyser's parameters and compute the phase plane.

        Returns
        -------
        PhasePlaneResult
            What ``PhasePlane.compute_phase_plane`` returns for the current values.
        """
        analyzer = self.analyzer
        analyzer.update_pars({name: params[name] for name in self.parameter_names})
        token.check()
        return analyzer.compute_phase_plane(params["initials"], params["duration"])

    # -- drawing ------------------------------------------------------------------------
    def render(self, result):
        """Redraw every mark from a ``PhasePlaneResult``."""
        self.fixed.update(result.fixed_points)
        if self.flow is not None:
            field = result.vector_field
            span = float(np.nanmax(np.abs(field.dx))) if field.dx.size else 1.0
            bound = max(span, 1e-12) * 1.05
            if self.flow_scale.max != bound:
                with self.flow_scale.hold_sync():
                    self.flow_scale.min, self.flow_scale.max = -bound, bound
            self.flow.update([(field.x, field.dx)])
            return
        self.field.update(result.vector_field)
        self.nullclines.update(result.nullclines)
        self.trajectories.update(result.trajectories)

    def describe(self, result, params):
        """Parameters and the fixed points with their stability."""
        head = ", ".join(f"{n}={params[n]:.4g}" for n in self.parameter_names)
        points = result.fixed_points
        lines = [line.describe() for line in points.lines]
        if not points:
            text = "; ".join(lines) if lines else "no fixed point in range"
        else:
            text = "; ".join(
                f"{p.stability} at " + ", ".join(f"{v}={p.values[v]:.3f}" for v in self.variables)
                for p in points)
            text = f"{len(points)} fixed point{'s' if len(points) > 1 else ''}: {text}"
            text = "; ".join([text] + lines)
        for trajectory in result.trajectories:
            start = ", ".join(f"{v}={trajectory.values[v][0]:.3g}" for v in self.variables)
            text += f"; trajectory from {start}"
        return f"{head}: {text}" if head else text

    def export_tables(self):
        """Nullclines, vector field, fixed points and trajectories at full resolution."""
        result = self.result
        tables = {}
        if result.nullclines is not None:
            for curve in result.nullclines.curves:
                tables[f"nullcline_{curve.variable}"] = {self.variables[0]: curve.x,
                                                         self.variables[1]: curve.y}
        field = result.vector_field
        if field.y_var is None:
            tables["vector_field"] = {field.x_var: field.x, f"d{field.x_var}/dt": field.dx}
        else:
            gx, gy = np.meshgrid(field.x, field.y)
            tables["vector_field"] = {field.x_var: gx.ravel(), field.y_var: gy.ravel(),
                                      f"d{field.x_var}/dt": field.dx.ravel(),
                                      f"d{field.y_var}/dt": field.dy.ravel()}
        points = result.fixed_points
        table = {v: points.array(v) for v in self.variables}
        table["stability"] = np.array([p.stability for p in points], dtype=object)
        tables["fixed_points"] = table
        for i, trajectory in enumerate(result.trajectories):
            tables[f"trajectory_{i}"] = {"t": trajectory.ts, **trajectory.values}
        return tables
