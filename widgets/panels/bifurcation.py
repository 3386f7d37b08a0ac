"""Live bifurcation diagrams: codimension 1 (branches, fold/Hopf, cycle envelopes) and 2."""

import numpy as np

from ..controls import specs_from_pars
from ..render import (CODIM2_KINDS, CurveMarks, DiagramMarks, LegendMarks, SpecialPointMarks,
                      TraceMarks, axis_label, make_figure)
from .base import Panel, analyzer_arguments

__all__ = ["BifurcationPanel", "diagram_tables"]


def diagram_tables(diagram, prefix=""):
    """Export tables of a ``BifurcationDiagram``: branches, special points, cycles.

    Parameters
    ----------
    diagram : BifurcationDiagram
    prefix : str, optional
        Prepended to the table names.

    Returns
    -------
    dict
        ``{table: {column: 1-D array}}``.
    """
    tables = {}
    for i, branch in enumerate(diagram.branches):
        table = dict(branch.values)
        if len(branch.stability):
            table["stability"] = np.asarray(branch.stability, dtype=object)
        tables[f"{prefix}{branch.kind}_branch_{i}"] = table
    if diagram.special_points:
        names = list(dict.fromkeys(name for p in diagram.special_points for name in p.values))
        table = {"label": np.array([p.label for p in diagram.special_points], dtype=object),
                 "kind": np.array([p.kind for p in diagram.special_points], dtype=object)}
        for name in names:
            table[name] = np.array([p.values.get(name, np.nan) for p in diagram.special_points])
        tables[f"{prefix}special_points"] = table
    for i, branch in enumerate(diagram.cycle_branches):
        table = dict(branch.values)
        table["stability"] = np.asarray(branch.stability, dtype=object)
        for k in range(branch.multipliers.shape[1] if branch.multipliers.ndim == 2 else 0):
            table[f"multiplier_{k}"] = branch.multipliers[:, k]
        tables[f"{prefix}cycle_branch_{i}"] = table
    for i, envelope in enumerate(diagram.cycle_envelopes):
        table = dict(envelope.parameters)
        table.update({f"{v}_max": a for v, a in envelope.maxima.items()})
        table.update({f"{v}_min": a for v, a in envelope.minima.items()})
        table["period"] = envelope.periods
        tables[f"{prefix}cycle_envelope_{i}"] = table
    if not diagram.branches:
        for kind, values in diagram.points.items():
            if values and len(next(iter(values.values()))):
                tables[f"{prefix}points_{kind.replace(' ', '_')}"] = dict(values)
    return tables


def _special_summary(diagram, parameter):
    points = [p for p in diagram.special_points if parameter in p.values]
    if not points:
        return "no special point in range"
    return ", ".join(f"{p.label or p.kind} ({p.kind}) at {parameter}={p.values[parameter]:.4g}"
                     + (f" ({p.criticality})" if getattr(p, "criticality", "") else "")
                     for p in points)


class BifurcationPanel(Panel):
    """A bifurcation diagram that follows the other parameters' sliders live.

    The codimension-1 diagram along ``target_pars`` shows stable (solid) and
    unstable (dashed) equilibrium branches, fold (``LP``) and Hopf (``H``)
    points, and the max/min of the periodic orbits continued from the Hopf
    points (stable solid green, unstable dashed blue) with their folds
    (``LPC``), period doublings (``PD``), torus points (``NS``) and homoclinic
    ends (``HC``). With ``codim2`` a second
    view shows the fold and Hopf curves in the plane of the target parameter and
    one slider parameter, with a line at the slider's value: the slice the
    codimension-1 diagram shows.

    Parameters
    ----------
    integrals : integral, callable or list of them
    target_pars : dict
        ``{'Iext': [0, 1]}``: the one bifurcation parameter (horizontal axis).
    target_vars : dict
        ``{'V': [-3, 3], 'w': [-3, 3]}``.
    pars : dict, optional
        ``{name: (value, min, max)}``: other parameters as sliders.
    variable : str, optional
        Variable on the vertical axis (default: the first target variable).
    codim2 : dict, optional
        ``{name: [min, max]}`` for one of ``pars``: adds the two-parameter view.
    fixed_vars, pars_update, numerical_resolution, options : optional
        Passed to ``bp.analysis.Bifurcation`` (``options['verbose']`` defaults
        to False).
    codim2_resolution : float or dict, optional
        ``numerical_resolution`` of the two-parameter analysis (default 0.01).
    units : dict, optional
        ``{name: unit}`` for axis labels.
    title : str, optional
    threaded : bool, optional

    Attributes
    ----------
    analyzer : workbench.analysis.Bifurcation
    codim2_analyzer : workbench.analysis.Bifurcation or None
    result : BifurcationDiagram
        The codimension-1 diagram for the current values.
    codim2_result : BifurcationDiagram or None
    """

    def __init__(self, integrals, target_pars, target_vars, pars=None, variable=None,
                 codim2=None, fixed_vars=None, pars_update=None, numerical_resolution=0.1,
                 options=None, codim2_resolution=0.01, units=None, title=None, threaded=True):
        from workbench.analysis import Bifurcation

        if not isinstance(target_pars, dict) or len(target_pars) != 1:
            raise ValueError(f"`target_pars`={target_pars!r} must name exactly one parameter "
                             "(the horizontal axis); use `codim2` for the two-parameter view")
        specs = specs_from_pars(pars)
        self.parameter_names = tuple(spec.name for spec in specs)
        self.units = dict(units or {})
        updates, options = analyzer_arguments(specs, pars_update, options)
        self.analyzer = Bifurcation(integrals, target_pars=target_pars, target_vars=target_vars,
                                    fixed_vars=fixed_vars, pars_update=updates,
                                    numerical_resolution=numerical_resolution, options=options)
        self.parameter = next(iter(self.analyzer.target_pars))
        self.variable = variable or next(iter(self.analyzer.target_vars))
        if self.variable not in self.analyzer.target_vars:
            raise ValueError(f"`variable`={variable!r} is not a target variable; choose one of "
                             f"{list(self.analyzer.target_vars)}")
        self.codim2_analyzer = None
        self.codim2_parameter = None
        self.codim2_result = None
        self._codim2_key = None
        if codim2 is not None:
            if not isinstance(codim2, dict) or len(codim2) != 1:
                raise ValueError(f"`codim2`={codim2!r} must be {{name: [min, max]}} for one "
                                 "parameter")
            (second, span), = codim2.items()
            if second not in self.parameter_names:
                raise ValueError(f"`codim2` parameter {second!r} must also be a slider in `pars` "
                                 f"(the sliders are {list(self.parameter_names)})")
            self.codim2_parameter = second
            others = {k: v for k, v in updates.items() if k != second}
            resolution = codim2_resolution
            self.codim2_analyzer = Bifurcation(
                integrals, target_pars={self.parameter: target_pars[self.parameter],
                                        second: span},
                target_vars=target_vars, fixed_vars=fixed_vars, pars_update=others,
                numerical_resolution=resolution, options=options)
        super().__init__(specs, self._make_figures(target_pars, target_vars, codim2),
                         title=title or "Bifurcation diagram", export_name="bifurcation",
                         threaded=threaded)
        self.refresh()
        self.wait()

    def _make_figures(self, target_pars, target_vars, codim2):
        label = axis_label(self.parameter, self.units.get(self.parameter, ""))
        figure, scales = make_figure(target_pars[self.parameter], target_vars[self.variable],
                                     label, axis_label(self.variable,
                                                       self.units.get(self.variable, "")),
                                     title="codimension 1", height="440px",
                                     css_class="wb-bifurcation")
        self.diagram = DiagramMarks(scales)
        figure.marks = self.diagram.marks
        self.legend = LegendMarks(figure, self.diagram.legend_marks(
            self.analyzer.options["cycle_envelope"]))
        figures = {"diagram": figure}
        if codim2:
            second = self.codim2_parameter
            figure2, scales2 = make_figure(target_pars[self.parameter], codim2[second], label,
                                           axis_label(second, self.units.get(second, "")),
                                           title="codimension 2", height="360px",
                                           css_class="wb-codim2")
            self.curves = CurveMarks(scales2)
            self.slice = TraceMarks(scales2, ["#777777"], labels=["current slice"],
                                    line_style="dashed", stroke_width=1.5)
            # zero-Hopf points need a third dimension: no legend row for them in the plane
            kinds = tuple(k for k in CODIM2_KINDS
                          if k != "zero_hopf" or self.analyzer.system.dim >= 3)
            self.codim2_special = SpecialPointMarks(scales2, kinds=kinds)
            figure2.marks = self.curves.marks + self.slice.marks + self.codim2_special.marks
            self.codim2_legend = LegendMarks(figure2, self.curves.marks + self.slice.marks +
                                             list(self.codim2_special.scatters.values()))
            figures["codim2"] = figure2
        return figures

    # -- engine -------------------------------------------------------------------------
    def compute(self, params, token):
        """Update parameters; recompute the codim-1 diagram (and codim-2 when it depends on them).

        Returns
        -------
        BifurcationDiagram
        """
        values = {name: params[name] for name in self.parameter_names}
        self.analyzer.update_pars(values)
        diagram = self.analyzer.compute_bifurcation()
        if self.codim2_analyzer is not None:
            others = {k: v for k, v in values.items() if k != self.codim2_parameter}
            key = tuple(sorted(others.items()))
            if key != self._codim2_key:
                token.check()
                if others:
                    self.codim2_analyzer.update_pars(others)
                self.codim2_result = self.codim2_analyzer.compute_bifurcation()
                self._codim2_key = key
        return diagram

    # -- drawing ------------------------------------------------------------------------
    def render(self, diagram):
        """Redraw the codim-1 diagram, and the codim-2 curves and slice line."""
        self.diagram.update(diagram, self.parameter, self.variable)
        if self.codim2_analyzer is not None:
            self.curves.update(self.codim2_result.branches, self.parameter, self.codim2_parameter)
            self.codim2_special.update(self.codim2_result.special_points, self.parameter,
                                       self.codim2_parameter)
            low, high = self.analyzer.target_pars[self.parameter]
            level = float(self.params[self.codim2_parameter])
            self.slice.update([(np.array([low, high], float), np.array([level, level]))])

    def describe(self, diagram, params):
        """Parameters, special points and the number of limit cycles found."""
        head = ", ".join(f"{n}={params[n]:.4g}" for n in self.parameter_names)
        if diagram.cycle_branches:
            stable = sum(int(b.stable.sum()) for b in diagram.cycle_branches)
            total = sum(len(b.stable) for b in diagram.cycle_branches)
            cycles = (f"{len(diagram.cycle_branches)} cycle branch"
                      f"{'es' if len(diagram.cycle_branches) > 1 else ''} "
                      f"({stable} stable, {total - stable} unstable cycles)")
        else:
            cycles = f"{sum(len(e) for e in diagram.cycle_envelopes)} limit cycle samples"
        text = f"{_special_summary(diagram, self.parameter)}; {cycles}"
        return f"{head}: {text}" if head else text

    def export_tables(self):
        """Branches, special points and envelopes (and the codim-2 curves)."""
        tables = diagram_tables(self.result)
        if self.codim2_result is not None:
            tables.update(diagram_tables(self.codim2_result, prefix="codim2_"))
        return tables
