"""Live fast-slow analysis: the fast subsystem's bifurcation diagram with the full orbit on top."""

import numpy as np

from ..controls import duration_spec, specs_from_pars
from ..render import DiagramMarks, LegendMarks, TraceMarks, axis_label, make_figure, set_range
from .base import Panel, analyzer_arguments
from .bifurcation import _special_summary, diagram_tables

__all__ = ["FastSlowPanel"]


class FastSlowPanel(Panel):
    """Rinzel's fast-slow picture, live: how the fast subsystem's equilibria and cycles
    depend on the slow variable, with a simulated orbit of the full system overlaid.

    Parameters
    ----------
    integrals : integral, callable or list of them
    fast_vars : dict
        ``{'x': [-3, 3], 'y': [-10, 5]}``.
    slow_vars : dict
        ``{'z': [-5, 5]}``: the slow variable on the horizontal axis.
    pars : dict, optional
        ``{name: (value, min, max)}``: parameters as sliders.
    trajectory : dict or list of dict, optional
        Initial point(s) of the full system, e.g. ``{'x': 1., 'y': 0., 'z': 0.}``.
    duration : float, optional
        Simulated time of the orbit (a slider from a tenth to four times this value).
    variable : str, optional
        Fast variable on the vertical axis (default: the first).
    fixed_vars, pars_update, numerical_resolution, options : optional
        Passed to ``bp.analysis.FastSlowBifurcation`` (``options['verbose']``
        defaults to False).
    units : dict, optional
        ``{name: unit}`` for axis labels, ``'t'`` for time.
    title : str, optional
    threaded : bool, optional

    Attributes
    ----------
    analyzer : workbench.analysis.FastSlowBifurcation
    result : FastSlowResult
    """

    def __init__(self, integrals, fast_vars, slow_vars, pars=None, trajectory=None,
                 duration=100.0, variable=None, fixed_vars=None, pars_update=None,
                 numerical_resolution=0.1, options=None, units=None, title=None, threaded=True):
        from workbench.analysis import FastSlowBifurcation

        specs = specs_from_pars(pars, reserved=("duration",))
        self.parameter_names = tuple(spec.name for spec in specs)
        self.units = dict(units or {})
        time_control = duration_spec(duration, self.units.get("t", "ms"),
                                     "simulated time of the orbit")
        updates, options = analyzer_arguments(specs, pars_update, options)
        self.analyzer = FastSlowBifurcation(integrals, fast_vars=fast_vars, slow_vars=slow_vars,
                                            fixed_vars=fixed_vars, pars_update=updates,
                                            numerical_resolution=numerical_resolution,
                                            options=options)
        self.slow = next(iter(self.analyzer.slow_vars))
        self.variable = variable or next(iter(self.analyzer.fast_vars))
        if self.variable not in self.analyzer.fast_vars:
            raise ValueError(f"`variable`={variable!r} is not a fast variable; choose one of "
                             f"{list(self.analyzer.fast_vars)}")
        self.all_variables = tuple(self.analyzer.fast_vars) + tuple(self.analyzer.slow_vars)
        self.initials = ([] if trajectory is None else
                         self.analyzer._check_initials(trajectory, self.all_variables))
        specs.append(time_control)
        super().__init__(specs, self._make_figures(fast_vars, slow_vars, duration),
                         title=title or "Fast-slow analysis", export_name="fast_slow",
                         threaded=threaded)
        self.refresh()
        self.wait()

    def _make_figures(self, fast_vars, slow_vars, duration):
        y_label = axis_label(self.variable, self.units.get(self.variable, ""))
        figure, scales = make_figure(slow_vars[self.slow], fast_vars[self.variable],
                                     axis_label(self.slow, self.units.get(self.slow, "")), y_label,
                                     title="fast subsystem vs slow variable, with the orbit",
                                     height="440px", css_class="wb-fast-slow")
        self.diagram = DiagramMarks(scales)
        self.orbit = TraceMarks(scales, ["#009E73"], labels=["orbit"], max_points=3000,
                                stroke_width=1.2)
        figure.marks = self.diagram.marks + self.orbit.marks
        rows = self.diagram.legend_marks(self.analyzer.options["cycle_envelope"])
        after = len(self.diagram.branches.marks)
        rows[after:after] = self.orbit.marks                 # the orbit right after the branches
        self.legend = LegendMarks(figure, rows)
        time_fig, time_scales = make_figure((0.0, 4.0 * float(duration)), fast_vars[self.variable],
                                            axis_label("t", self.units.get("t", "ms")), y_label,
                                            height="220px", css_class="wb-time-course")
        self.time_scale = time_scales["x"]
        self.course = TraceMarks(time_scales, ["#009E73"], max_points=3000, stroke_width=1.2)
        time_fig.marks = self.course.marks
        time_fig.fig_margin = dict(time_fig.fig_margin, right=figure.fig_margin["right"])
        return {"diagram": figure, "time_course": time_fig}

    # -- engine -------------------------------------------------------------------------
    def compute(self, params, token):
        """Update parameters, recompute the diagram and simulate the orbit.

        Returns
        -------
        FastSlowResult
        """
        self.analyzer.update_pars({name: params[name] for name in self.parameter_names})
        self.analyzer.compute_bifurcation()
        token.check()
        if self.initials:
            self.analyzer.compute_trajectories([dict(p) for p in self.initials],
                                               params["duration"])
        return self.analyzer.compute_fast_slow()

    # -- drawing ------------------------------------------------------------------------
    def render(self, result):
        """Redraw the diagram, the orbit over it and the time course."""
        self.diagram.update(result.diagram, self.slow, self.variable)
        orbit = result.trajectories[0] if result.trajectories else None
        if orbit is None:
            self.orbit.update([None])
            self.course.update([None])
            return
        self.orbit.update([(orbit.values[self.slow], orbit.values[self.variable])])
        set_range(self.time_scale, orbit.ts[0], orbit.ts[-1])
        self.course.update([(orbit.ts, orbit.values[self.variable])])

    def describe(self, result, params):
        """Parameters and the fast subsystem's special points."""
        head = ", ".join(f"{n}={params[n]:.4g}" for n in self.parameter_names)
        text = f"{_special_summary(result.diagram, self.slow)}; orbit of {params['duration']:.4g}"
        unit = self.units.get("t", "ms")
        text += (f" {unit}" if unit else "") if result.trajectories else " (no orbit)"
        return f"{head}: {text}" if head else text

    def export_tables(self):
        """The fast subsystem's diagram and the orbits at full resolution."""
        tables = diagram_tables(self.result.diagram)
        for i, orbit in enumerate(self.result.trajectories):
            tables[f"orbit_{i}"] = {"t": orbit.ts, **orbit.values}
        return tables
