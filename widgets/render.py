"""bqplot renderers of the engine's result objects.

Every renderer creates its marks once (``.marks``, to put into a figure) and
redraws them in place with ``update(result)`` under ``hold_sync()``, so one
update is one message per mark and the figure is never rebuilt. Scales are fixed
by the panels (ranges of the analysis, the simulated time, the number of
neurons) and figures never animate. Long data is thinned for drawing only
(:mod:`widgets.drawing`); panels export the full-resolution data.

The renderers read result objects by their attributes (see
``workbench/analysis/results.py``) and plain arrays from the simulation
engine and the connectors; they compute nothing about the model.
"""

import io

import bqplot as bq
import ipywidgets as W
import numpy as np

from .drawing import counts_to_png, decimate_trace, spike_counts

__all__ = ["axis_label", "make_figure", "TraceMarks", "NullclineMarks", "VectorFieldMarks",
           "FixedPointMarks", "TrajectoryMarks", "ClickMarks", "BranchMarks",
           "SpecialPointMarks", "EnvelopeMarks", "PointCloudMarks", "DiagramMarks",
           "CurveMarks", "RasterMarks",
           "PngImageMarks", "MatrixMarks", "BarMarks", "LegendMarks", "figure_style", "stability_category",
           "STABILITY_STYLES", "SPECIAL_MARKERS", "SPECIAL_LEGEND", "CODIM2_KINDS", "set_data",
           "set_range"]

#: Colours used across panels (colour-blind safe: Okabe-Ito).
COLORS = {"x_nullcline": "#0072B2", "y_nullcline": "#D55E00", "field": "#9a9a9a",
          "trajectory": "#009E73", "stable": "#000000", "unstable": "#D55E00",
          "saddle": "#E69F00", "other": "#CC79A7", "envelope": "#56B4E9",
          "fold": "#0072B2", "hopf": "#CC79A7", "branch_point": "#777777",
          "bogdanov_takens": "#009E73", "cusp": "#E69F00", "bautin": "#56B4E9",
          "zero_hopf": "#D55E00", "excitatory": "#D55E00",
          "inhibitory": "#0072B2", "trace": "#333333", "stable_cycle": "#009E73",
          "unstable_cycle": "#0072B2", "cycle_fold": "#009E73", "period_doubling": "#E69F00",
          "torus": "#8C564B", "homoclinic": "#56B4E9"}

#: Marker of each kind of special point.
SPECIAL_MARKERS = {"fold": "square", "hopf": "diamond", "branch_point": "cross",
                   "bogdanov_takens": "triangle-up", "cusp": "triangle-down", "bautin": "circle",
                   "zero_hopf": "plus", "cycle_fold": "square", "period_doubling": "triangle-up",
                   "torus": "triangle-down", "homoclinic": "cross"}
#: Legend text of each kind of special point.
SPECIAL_LEGEND = {"fold": "fold", "hopf": "hopf", "branch_point": "branch point",
                  "bogdanov_takens": "Bogdanov-Takens", "cusp": "cusp",
                  "bautin": "Bautin (generalized Hopf)", "zero_hopf": "zero-Hopf",
                  "cycle_fold": "fold of cycles (LPC)", "period_doubling": "period doubling (PD)",
                  "torus": "torus (NS)", "homoclinic": "homoclinic end (HC)"}
#: Special points drawn on codimension-1 diagrams: equilibrium branches, then cycle branches.
CODIM1_KINDS = ("fold", "hopf", "branch_point", "cycle_fold", "period_doubling", "torus",
                "homoclinic")
#: Special points drawn on codimension-2 curves.
CODIM2_KINDS = ("bogdanov_takens", "cusp", "bautin", "zero_hopf")

#: How each stability category is drawn: (legend label, colour, filled).
STABILITY_STYLES = {"stable": ("stable", COLORS["stable"], True),
                    "unstable": ("unstable", COLORS["unstable"], False),
                    "saddle": ("saddle", COLORS["saddle"], True),
                    "other": ("center / degenerate", COLORS["other"], False)}


def stability_category(stability):
    """Map a stability type of the manual to a drawing category.

    Parameters
    ----------
    stability : str
        E.g. ``'stable focus'``, ``'unstable node'``, ``'saddle node'``, ``'center'``.

    Returns
    -------
    str
        One of ``'stable'``, ``'unstable'``, ``'saddle'``, ``'other'``.
    """
    text = str(stability).lower()
    if text.startswith("saddle"):
        return "saddle"
    if text.startswith("stable"):
        return "stable"
    if text.startswith("unstable"):
        return "unstable"
    return "other"


def axis_label(name, unit=""):
    """``'V (mV)'`` from a name and a unit (just the name without a unit).

    Parameters
    ----------
    name : str
    unit : str, optional

    Returns
    -------
    str
    """
    return f"{name} ({unit})" if unit else str(name)


def make_figure(x_range, y_range, x_label="", y_label="", title="", marks=(), legend=False,
                height="420px", css_class=None, x_log=False, y_reverse=False, width="100%"):
    """A figure with fixed linear scales, labelled axes and no animation.

    Parameters
    ----------
    x_range, y_range : (float, float)
        Fixed scale limits.
    x_label, y_label : str
        Axis labels (with units, see :func:`axis_label`).
    title : str, optional
    marks : list of bqplot.Mark, optional
        Marks to show; they must use the scales returned here.
    legend : bool, optional
        Show the legend of marks that have ``labels``.
    height : str, optional
        CSS height of the figure.
    css_class : str, optional
        Extra CSS class (a stable hook for browser tests).
    x_log : bool, optional
        Logarithmic horizontal scale.
    y_reverse : bool, optional
        Vertical axis pointing down (matrix rows, image rows).
    width : str, optional
        CSS width of the figure.

    Returns
    -------
    figure : bqplot.Figure
    scales : dict
        ``{'x': scale, 'y': scale}``.
    """
    x_cls = bq.LogScale if x_log else bq.LinearScale
    scales = {"x": x_cls(min=float(x_range[0]), max=float(x_range[1])),
              "y": bq.LinearScale(min=float(y_range[0]), max=float(y_range[1]),
                                  reverse=bool(y_reverse))}
    axes = [bq.Axis(scale=scales["x"], label=x_label, grid_lines="none", label_offset="34px"),
            bq.Axis(scale=scales["y"], label=y_label, side="left",
                    grid_lines="none", label_offset="48px")]
    # no toolbar: it would appear over the top-right corner (the panels have export buttons)
    figure = bq.Figure(marks=list(marks), axes=axes, title=title, animation_duration=0,
                       legend_location="top-right", padding_x=0, padding_y=0,
                       display_toolbar=False,
                       fig_margin={"top": 52 if title else 15, "bottom": 50, "left": 68,
                                   "right": 20},
                       layout=W.Layout(width=width, height=height, min_width="380px"))
    if legend:
        for mark in figure.marks:
            if mark.labels:
                mark.display_legend = True
    figure.add_class("wb-figure")
    if css_class:
        figure.add_class(css_class)
    return figure, scales


def set_range(scale, low, high):
    """Set a scale's limits in one message (only when they change).

    Parameters
    ----------
    scale : bqplot.Scale
    low, high : float
    """
    low, high = float(low), float(high)
    if scale.min != low or scale.max != high:
        with scale.hold_sync():
            scale.min, scale.max = low, high


def _same(current, new):
    """True when a mark's trait already holds ``new`` (arrays compared by value, NaN = NaN)."""
    if current is None:
        return new is None
    try:
        a, b = np.asarray(current), np.asarray(new)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def set_data(mark, **data):
    """Send the changed data traits of a mark in one message; unchanged ones are not sent.

    Parameters
    ----------
    mark : bqplot.Mark
    **data
        ``trait=value`` pairs, e.g. ``x=..., y=...``.

    Returns
    -------
    bool
        Whether anything was sent.
    """
    changed = {name: value for name, value in data.items()
               if not _same(getattr(mark, name), value)}
    if changed:
        with mark.hold_sync():
            for name, value in changed.items():
                setattr(mark, name, value)
    return bool(changed)


def _gap_safe(x, y):
    """bqplot breaks a line where ``y`` is not finite; make NaN in ``x`` break it too."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return x, np.where(np.isfinite(x), y, np.nan)


#: Page CSS of the panels: labels in figures get a white halo, so that a legend or a
#: point label stays readable over the vector field and the curves under it.
FIGURE_CSS = (".wb-figure .object_grp text.label {paint-order: stroke; stroke: #ffffff; "
              "stroke-width: 3px; stroke-linejoin: round;}")


def figure_style():
    """An HTML widget carrying :data:`FIGURE_CSS` (shown once per panel, invisible).

    Returns
    -------
    ipywidgets.HTML
    """
    return W.HTML(f"<style>{FIGURE_CSS}</style>", layout=W.Layout(height="0px", margin="0px"))


#: Text glyphs of scatter markers in a legend: (marker, filled) -> glyph.
_MARKER_GLYPHS = {("circle", True): "\u25cf", ("circle", False): "\u25cb",
                  ("square", True): "\u25a0", ("square", False): "\u25a1",
                  ("triangle-up", True): "\u25b2", ("triangle-down", True): "\u25bc",
                  ("cross", True): "\u2716", ("plus", True): "\u271a",
                  ("diamond", True): "\u25c6", ("diamond", False): "\u25c7"}

#: Text glyphs of line styles in a legend.
_LINE_GLYPHS = {"solid": "\u2501\u2501", "dashed": "\u254d\u254d", "dotted": "\u2505\u2505"}


def legend_entry(mark):
    """Text and colour of one legend row for a mark: a glyph of its style, then its label.

    Parameters
    ----------
    mark : bqplot.Lines or bqplot.Scatter

    Returns
    -------
    (str, str)
    """
    label = mark.labels[0] if mark.labels else ""
    color = mark.colors[0] if mark.colors else "black"
    if isinstance(mark, bq.Lines):
        glyph = _LINE_GLYPHS.get(mark.line_style, _LINE_GLYPHS["solid"])
    else:
        glyph = _MARKER_GLYPHS.get((mark.marker, bool(mark.fill)), _MARKER_GLYPHS["circle", True])
    return f"{glyph} {label}", color


class LegendMarks:
    """A legend drawn once, as one ``Label`` mark in the right margin, beside the plot area.

    Beside the plot it never covers data, nor is it covered by anything drawn in the plot
    (bqplot's own legend sits inside the plot area). bqplot also rebuilds and measures its
    own legend whenever the data of any mark of the figure changes: about 5 ms of the
    browser's main thread per updated mark (20 ms of a phase-plane slider move). These
    labels have scales of their own and are never updated, so a slider move costs nothing
    for the legend, and PNG/SVG exports still show it (it is a mark of the figure).

    Parameters
    ----------
    figure : bqplot.Figure
        From :func:`make_figure` (a fixed CSS height in pixels); the legend is
        added to its marks and its right margin is widened to hold it.
    marks : list of bqplot.Mark or (str, str)
        The rows, top to bottom: a mark (its first label, colour and style) or a
        ``(text, colour)`` pair.
    row_px : float, optional
        Row height in pixels.
    font_px : float, optional
        Font size in pixels.
    """

    #: Width of a character of the legend's font, relative to the font size (DejaVu Sans,
    #: the widest common sans font: generous, so no row is cut off).
    char_width = 0.66

    def __init__(self, figure, marks, row_px=17.0, font_px=12.0):
        height = str(figure.layout.height)
        if not height.endswith("px"):
            raise ValueError(f"LegendMarks needs a figure height in pixels, got {height!r}")
        plot_px = float(height[:-2]) - figure.fig_margin["top"] - figure.fig_margin["bottom"]
        entries = [mark if isinstance(mark, tuple) else legend_entry(mark) for mark in marks]
        scales = {"x": bq.LinearScale(min=0.0, max=1.0), "y": bq.LinearScale(min=0.0, max=1.0)}
        rows = np.arange(len(entries), dtype=float)
        self.label = bq.Label(x=np.ones(len(entries)), y=1.0 - (rows + 1.0) * row_px / plot_px,
                              text=[text for text, _ in entries],
                              colors=[color for _, color in entries], scales=scales,
                              align="start", x_offset=10, default_size=font_px,
                              font_weight="normal", apply_clip=False)
        self.width_px = 20 + self.char_width * font_px * max((len(t) for t, _ in entries),
                                                             default=0)
        figure.fig_margin = dict(figure.fig_margin,
                                 right=max(figure.fig_margin["right"], int(np.ceil(self.width_px))))
        self.marks = [self.label]
        figure.marks = list(figure.marks) + self.marks


class TraceMarks:
    """One line per trace, thinned to ``max_points`` for drawing.

    Parameters
    ----------
    scales : dict
        ``{'x': scale, 'y': scale}``.
    colors : list of str
        One colour per line (the number of lines is fixed).
    labels : list of str, optional
        Legend labels.
    max_points : int, optional
        Points drawn per line at most (min/max decimation).
    stroke_width : float, optional
    line_style : str, optional
        ``'solid'``, ``'dashed'``, ``'dotted'``.
    """

    def __init__(self, scales, colors, labels=None, max_points=2000, stroke_width=1.5,
                 line_style="solid"):
        self.max_points = int(max_points)
        self.lines = [bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales, colors=[color],
                               stroke_width=stroke_width, line_style=line_style,
                               labels=[labels[i]] if labels else [])
                      for i, color in enumerate(colors)]
        self.marks = list(self.lines)

    def update(self, pairs):
        """Redraw: one ``(x, y)`` pair per line (``None`` empties that line).

        Parameters
        ----------
        pairs : list of (array, array) or None
        """
        for line, pair in zip(self.lines, pairs):
            if pair is None:
                x = y = np.zeros(0)
            else:
                x, y = pair
                if len(x) > self.max_points and np.all(np.isfinite(x)):
                    x, y = decimate_trace(x, y, self.max_points)
                x, y = _gap_safe(x, y)
            set_data(line, x=x, y=y)


class NullclineMarks:
    """Nullclines of a 2-D phase plane: one line per variable.

    Parameters
    ----------
    scales : dict
    variables : (str, str)
        The plane's variables (x first).
    """

    def __init__(self, scales, variables):
        self.variables = tuple(variables)
        colors = [COLORS["x_nullcline"], COLORS["y_nullcline"]]
        self.trace = TraceMarks(scales, colors[:len(self.variables)],
                                labels=[f"d{v}/dt = 0" for v in self.variables],
                                max_points=20000, stroke_width=2)
        self.marks = self.trace.marks

    def update(self, nullclines):
        """Redraw from a ``Nullclines`` result (None hides them).

        Parameters
        ----------
        nullclines : Nullclines or None
        """
        pairs = []
        for variable in self.variables:
            curve = None
            if nullclines is not None:
                curve = next((c for c in nullclines.curves if c.variable == variable), None)
            pairs.append(None if curve is None else (curve.x, curve.y))
        self.trace.update(pairs)


class VectorFieldMarks:
    """A vector field drawn as arrows in one NaN-separated line (one SVG path).

    Arrow lengths grow with the square root of the speed relative to the
    fastest arrow on screen; directions are those on screen (scaled by the
    axes' spans).

    Parameters
    ----------
    scales : dict
    max_arrows : int, optional
        Arrows per axis at most (the grid is subsampled by a stride).
    """

    def __init__(self, scales, max_arrows=20):
        self.scales = scales
        self.max_arrows = int(max_arrows)
        self.line = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                             colors=[COLORS["field"]], stroke_width=1)
        self.marks = [self.line]

    def arrows(self, field):
        """Arrow polylines for a ``VectorField`` (drawing geometry only).

        Parameters
        ----------
        field : VectorField

        Returns
        -------
        x, y : numpy.ndarray
            NaN-separated coordinates of shafts and heads.
        """
        if field is None or field.y_var is None or field.dx.ndim != 2:
            return np.zeros(0), np.zeros(0)
        sx = max(1, -(-len(field.x) // self.max_arrows))
        sy = max(1, -(-len(field.y) // self.max_arrows))
        gx, gy = np.meshgrid(field.x[::sx], field.y[::sy])
        dx, dy = field.dx[::sy, ::sx], field.dy[::sy, ::sx]
        span_x = float(self.scales["x"].max - self.scales["x"].min)
        span_y = float(self.scales["y"].max - self.scales["y"].min)
        ux, uy = dx / span_x, dy / span_y                 # screen-relative direction
        speed = np.hypot(ux, uy)
        finite = np.isfinite(speed) & (speed > 0)
        if not finite.any():
            return np.zeros(0), np.zeros(0)
        top = speed[finite].max()
        cell = 0.85 / max(gx.shape[1], gx.shape[0], 2)
        length = np.where(finite, cell * np.sqrt(speed / top), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ux = np.where(finite, ux / speed, 0.0)
            uy = np.where(finite, uy / speed, 0.0)
        x0, y0 = gx[finite], gy[finite]
        ux, uy, length = ux[finite], uy[finite], length[finite]
        tip_x = x0 + ux * length * span_x
        tip_y = y0 + uy * length * span_y
        head = 0.35 * length
        segments_x, segments_y = [x0, tip_x], [y0, tip_y]
        for angle in (2.6, -2.6):                        # about 150 degrees back from the tip
            cos, sin = np.cos(angle), np.sin(angle)
            hx = (ux * cos - uy * sin) * head
            hy = (ux * sin + uy * cos) * head
            segments_x += [tip_x, tip_x + hx * span_x]
            segments_y += [tip_y, tip_y + hy * span_y]
        nan = np.full_like(x0, np.nan)
        xs = np.stack(segments_x[:2] + [nan] + segments_x[2:4] + [nan] + segments_x[4:] + [nan], 1)
        ys = np.stack(segments_y[:2] + [nan] + segments_y[2:4] + [nan] + segments_y[4:] + [nan], 1)
        return xs.ravel(), ys.ravel()

    def update(self, field):
        """Redraw from a ``VectorField`` (None hides it).

        Parameters
        ----------
        field : VectorField or None
        """
        x, y = self.arrows(field)
        set_data(self.line, x=x, y=y)


class PointCloudMarks:
    """Points sorted into stability categories, one scatter mark per category.

    Parameters
    ----------
    scales : dict
    size : int, optional
        Marker area in square pixels.
    marker : str, optional
    """

    def __init__(self, scales, size=64, marker="circle"):
        self.scatters = {}
        for category, (label, color, filled) in STABILITY_STYLES.items():
            self.scatters[category] = bq.Scatter(
                x=np.zeros(0), y=np.zeros(0), scales=scales, colors=[color], fill=filled,
                stroke=color, stroke_width=2, default_size=size, marker=marker, labels=[label])
        self.marks = list(self.scatters.values())

    def update_points(self, x, y, stabilities):
        """Redraw from coordinates and the stability type of each point.

        Parameters
        ----------
        x, y : array_like
        stabilities : sequence of str
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        categories = np.array([stability_category(s) for s in stabilities], dtype=object)
        for category, scatter in self.scatters.items():
            pick = categories == category if len(categories) else np.zeros(0, dtype=bool)
            set_data(scatter, x=x[pick], y=y[pick])


class FixedPointMarks(PointCloudMarks):
    """Fixed points of a phase plane, coloured (and filled) by stability.

    Parameters
    ----------
    scales : dict
    variables : (str, str) or (str,)
        The plane's variables; a 1-D system draws its points on the x axis (y = 0).
    """

    def __init__(self, scales, variables):
        super().__init__(scales, size=90)
        self.variables = tuple(variables)

    def update(self, fixed_points):
        """Redraw from fixed points (None hides them).

        Parameters
        ----------
        fixed_points : FixedPoints or None
            The analysis result (``PhasePlane.compute_fixed_points()``).
        """
        rows = []
        for point in (fixed_points if fixed_points is not None else ()):
            rows.append((point.values[self.variables[0]],
                         point.values[self.variables[1]] if len(self.variables) > 1 else 0.0,
                         point.stability))
        self.update_points([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


class TrajectoryMarks:
    """Trajectories in the phase plane (thinned), with their starting points.

    Parameters
    ----------
    scales : dict
    variables : (str, str)
    count : int, optional
        Trajectories drawn at most (one line each).
    max_points : int, optional
    """

    def __init__(self, scales, variables, count=4, max_points=3000):
        self.variables = tuple(variables)
        palette = [COLORS["trajectory"], "#56B4E9", "#F0E442", "#999999"]
        self.trace = TraceMarks(scales, [palette[i % len(palette)] for i in range(count)],
                                labels=["trajectory"] + [""] * (count - 1),
                                max_points=max_points, stroke_width=2)
        self.starts = bq.Scatter(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                 colors=[COLORS["trajectory"]], default_size=40, marker="diamond")
        self.marks = self.trace.marks + [self.starts]

    def update(self, trajectories):
        """Redraw from a sequence of ``Trajectory`` results.

        Parameters
        ----------
        trajectories : sequence of Trajectory
        """
        trajectories = list(trajectories or ())
        x_var, y_var = self.variables
        pairs = [(t.values[x_var], t.values[y_var]) for t in trajectories]
        self.trace.update(pairs + [None] * (len(self.trace.lines) - len(pairs)))
        set_data(self.starts,
                 x=np.array([t.values[x_var][0] for t in trajectories if len(t.ts)], dtype=float),
                 y=np.array([t.values[y_var][0] for t in trajectories if len(t.ts)], dtype=float))


class ClickMarks:
    """An invisible-until-used scatter that turns a click on the plot into a point.

    bqplot's ``Scatter`` with ``interactions={'click': 'add'}`` appends a point at
    the clicked data coordinates; the callback receives that point (clamped to the
    scales' range; non-finite points from the page are ignored) and the mark is
    emptied again.

    Parameters
    ----------
    scales : dict
    callback : callable
        ``callback(x, y)`` with the clicked data coordinates.
    """

    def __init__(self, scales, callback):
        self.callback = callback
        self.scatter = bq.Scatter(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                  interactions={"click": "add"}, default_size=1,
                                  colors=["#009E73"])
        self.scatter.observe(self._on_points, names=["y"])
        self.marks = [self.scatter]
        self._ignore = False

    def _on_points(self, _change):
        if self._ignore:
            return
        x, y = np.asarray(self.scatter.x, float), np.asarray(self.scatter.y, float)
        if len(x) == 0 or len(x) != len(y):
            return
        point = (float(x[-1]), float(y[-1]))
        if not all(np.isfinite(point)):       # the page may send anything: ignore nonsense
            point = None
        else:                                 # and a click lies inside the plot
            point = tuple(float(np.clip(value, self.scatter.scales[axis].min,
                                        self.scatter.scales[axis].max))
                          for value, axis in zip(point, ("x", "y")))
        self._ignore = True
        try:
            with self.scatter.hold_sync():
                self.scatter.x, self.scatter.y = np.zeros(0), np.zeros(0)
        finally:
            self._ignore = False
        if point is not None:
            self.callback(*point)


class BranchMarks:
    """Equilibrium branches: solid where stable, dashed where unstable.

    Parameters
    ----------
    scales : dict
    """

    def __init__(self, scales):
        self.stable = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                               colors=[COLORS["stable"]], stroke_width=2.5, labels=["stable"])
        self.unstable = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                 colors=[COLORS["unstable"]], stroke_width=2,
                                 line_style="dashed", labels=["unstable"])
        self.marks = [self.stable, self.unstable]

    @staticmethod
    def split(x, y, stable):
        """NaN-separated stable and unstable parts of one curve (touching at switches).

        Parameters
        ----------
        x, y : numpy.ndarray
        stable : numpy.ndarray of bool

        Returns
        -------
        (xs, ys), (xu, yu)
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        stable = np.asarray(stable, dtype=bool)
        parts = []
        for flag in (True, False):
            mask = stable == flag
            grown = mask.copy()                       # share the switching point with the neighbour
            grown[1:] |= mask[:-1]
            parts.append((np.append(x, np.nan), np.append(np.where(grown, y, np.nan), np.nan)))
        return parts

    def update(self, curves):
        """Redraw from ``(x, y, stable)`` triples, one per branch.

        Parameters
        ----------
        curves : list of (array, array, array of bool)
        """
        stable_x, stable_y, unstable_x, unstable_y = [], [], [], []
        for x, y, stable in curves:
            (sx, sy), (ux, uy) = self.split(x, y, stable)
            stable_x.append(sx)
            stable_y.append(sy)
            unstable_x.append(ux)
            unstable_y.append(uy)
        for line, xs, ys in ((self.stable, stable_x, stable_y),
                             (self.unstable, unstable_x, unstable_y)):
            x = np.concatenate(xs) if xs else np.zeros(0)
            y = np.concatenate(ys) if ys else np.zeros(0)
            x, y = _gap_safe(x, y)
            set_data(line, x=x, y=y)


class SpecialPointMarks:
    """Special points with their AUTO-style labels (``LP1``, ``H1``, ``BT1``, ...).

    Hovering a point shows its label, kind and, for a Hopf point, its
    criticality and first Lyapunov coefficient.

    Parameters
    ----------
    scales : dict
    kinds : tuple of str, optional
        The kinds drawn, one scatter each: on codimension-1 diagrams
        :data:`CODIM1_KINDS` (default: equilibrium and cycle branches); on
        codimension-2 curves :data:`CODIM2_KINDS`.
    """

    def __init__(self, scales, kinds=CODIM1_KINDS):
        self.scatters = {
            kind: bq.Scatter(x=np.zeros(0), y=np.zeros(0), scales=scales, colors=[COLORS[kind]],
                             marker=SPECIAL_MARKERS[kind], default_size=110,
                             labels=[SPECIAL_LEGEND.get(kind, kind)], stroke="white",
                             names=[], display_names=False, names_unique=False,
                             tooltip=bq.Tooltip(fields=["name"]))
            for kind in kinds}
        # Hopf labels go below their point, the others above: a Hopf point close to a fold
        # (Hindmarsh-Rose's H1 next to LP2) keeps both labels readable.
        self.labels = bq.Label(x=np.zeros(0), y=np.zeros(0), scales=scales, text=[],
                               colors=["#222222"], default_size=13, x_offset=8, y_offset=-8)
        self.labels_below = bq.Label(x=np.zeros(0), y=np.zeros(0), scales=scales, text=[],
                                     colors=["#222222"], default_size=13, x_offset=8,
                                     y_offset=20)
        self.marks = list(self.scatters.values()) + [self.labels, self.labels_below]

    #: Kinds whose label is drawn below the point.
    below_kinds = ("hopf",)

    @staticmethod
    def hover_text(point):
        """What hovering a point shows: ``'H1: Hopf, subcritical (l1 = 0.972)'``.

        Parameters
        ----------
        point : SpecialPoint

        Returns
        -------
        str
        """
        text = f"{point.label or point.kind}: {SPECIAL_LEGEND.get(point.kind, point.kind)}"
        criticality = getattr(point, "criticality", "")
        if criticality:
            text += f", {criticality} (l1 = {point.first_lyapunov:.4g})"
        return text

    def update(self, points, x_name, y_name):
        """Redraw from ``SpecialPoint`` results.

        Parameters
        ----------
        points : sequence of SpecialPoint
        x_name, y_name : str
            Names (parameter or variable) on the axes.
        """
        points = [p for p in (points or ()) if x_name in p.values and y_name in p.values
                  and p.kind in self.scatters]
        for kind, scatter in self.scatters.items():
            mine = [p for p in points if p.kind == kind]
            set_data(scatter, x=np.array([p.values[x_name] for p in mine], dtype=float),
                     y=np.array([p.values[y_name] for p in mine], dtype=float),
                     names=[self.hover_text(p) for p in mine])
        for labels, below in ((self.labels, False), (self.labels_below, True)):
            mine = [p for p in points if (p.kind in self.below_kinds) == below]
            set_data(labels, x=np.array([p.values[x_name] for p in mine], dtype=float),
                     y=np.array([p.values[y_name] for p in mine], dtype=float),
                     text=[p.label or p.kind for p in mine])


class EnvelopeMarks:
    """Limit-cycle envelopes (max and min of a variable over the cycle).

    Parameters
    ----------
    scales : dict
    """

    def __init__(self, scales):
        self.scatter = bq.Scatter(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                  colors=[COLORS["envelope"]], default_size=12,
                                  labels=["limit cycle max/min"])
        self.marks = [self.scatter]

    def update(self, envelopes, parameter, variable):
        """Redraw from ``CycleEnvelope`` results.

        Parameters
        ----------
        envelopes : sequence of CycleEnvelope
        parameter, variable : str
        """
        xs, ys = [], []
        for envelope in envelopes or ():
            if parameter not in envelope.parameters or variable not in envelope.maxima:
                continue
            p = envelope.parameters[parameter]
            xs += [p, p]
            ys += [envelope.maxima[variable], envelope.minima[variable]]
        set_data(self.scatter, x=np.concatenate(xs) if xs else np.zeros(0),
                 y=np.concatenate(ys) if ys else np.zeros(0))


class CycleBranchMarks:
    """Cycle branches: the max and min of a variable, stable solid, unstable dashed.

    Parameters
    ----------
    scales : dict
    """

    def __init__(self, scales):
        self.stable = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                               colors=[COLORS["stable_cycle"]], stroke_width=2.5,
                               labels=["stable cycle max/min"])
        self.unstable = bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                 colors=[COLORS["unstable_cycle"]], stroke_width=2,
                                 line_style="dashed", labels=["unstable cycle max/min"])
        self.marks = [self.stable, self.unstable]

    def update(self, branches, parameter, variable):
        """Redraw from cycle ``Branch`` results (``kind='cycle'``).

        Parameters
        ----------
        branches : sequence of Branch
        parameter, variable : str
        """
        parts = {True: ([], []), False: ([], [])}
        for branch in branches or ():
            if parameter not in branch.values or f"{variable}_max" not in branch.values:
                continue
            for key in (f"{variable}_max", f"{variable}_min"):
                pieces = BranchMarks.split(branch.values[parameter], branch.values[key],
                                           branch.stable)
                for flag, (x, y) in zip((True, False), pieces):
                    parts[flag][0].append(x)
                    parts[flag][1].append(y)
        for flag, line in ((True, self.stable), (False, self.unstable)):
            xs, ys = parts[flag]
            x = np.concatenate(xs) if xs else np.zeros(0)
            y = np.concatenate(ys) if ys else np.zeros(0)
            if not np.any(np.isfinite(y)):
                x = y = np.zeros(0)          # all stable (or all unstable): no empty path
            x, y = _gap_safe(x, y)
            set_data(line, x=x, y=y)


class DiagramMarks:
    """A codimension-1 bifurcation diagram: branches, special points, cycles.

    Branches from continuation are drawn as lines (solid stable, dashed
    unstable), cycle branches as their max and min (green solid stable, blue
    dashed unstable; the envelope of simulated cycles when there are no
    cycle branches); without branches the manual's grid points are drawn as dots
    coloured by stability.

    Parameters
    ----------
    scales : dict
    """

    def __init__(self, scales):
        self.branches = BranchMarks(scales)
        self.grid_points = PointCloudMarks(scales, size=6)
        self.special = SpecialPointMarks(scales)
        self.envelope = EnvelopeMarks(scales)
        self.cycles = CycleBranchMarks(scales)
        self.marks = (self.envelope.marks + self.grid_points.marks + self.cycles.marks +
                      self.branches.marks + self.special.marks)

    #: Special points of cycles a two-dimensional system can have (no PD or NS in the plane).
    planar_cycle_kinds = ("cycle_fold", "homoclinic")

    def legend_marks(self, cycle_envelope="continuation"):
        """The marks a legend lists: branches, cycles, special points.

        Parameters
        ----------
        cycle_envelope : {'continuation', 'simulation'}
            The analysis option: cycle branches, or the envelope of simulated cycles.

        Returns
        -------
        list of bqplot.Mark
        """
        special = [self.special.scatters[kind] for kind in ("fold", "hopf")]
        if cycle_envelope == "simulation":
            return self.branches.marks + special + self.envelope.marks
        special += [self.special.scatters[kind] for kind in self.planar_cycle_kinds]
        return self.branches.marks + self.cycles.marks + special

    def update(self, diagram, parameter, variable):
        """Redraw from a ``BifurcationDiagram``.

        Parameters
        ----------
        diagram : BifurcationDiagram
        parameter : str
            Name on the horizontal axis (a parameter, or a slow variable).
        variable : str
            Variable on the vertical axis.
        """
        curves = []
        for branch in diagram.branches:
            if branch.kind != "equilibrium" or parameter not in branch.values:
                continue
            stable = np.array([stability_category(k) == "stable" for k in branch.stability],
                              dtype=bool)
            curves.append((branch.values[parameter], branch.values[variable], stable))
        self.branches.update(curves)
        xs, ys, kinds = [], [], []
        if not curves:
            for kind, values in diagram.points.items():
                if parameter in values and len(values[parameter]):
                    xs.append(values[parameter])
                    ys.append(values[variable])
                    kinds += [kind] * len(values[parameter])
        self.grid_points.update_points(np.concatenate(xs) if xs else [],
                                       np.concatenate(ys) if ys else [], kinds)
        self.special.update(diagram.special_points, parameter, variable)
        cycles = getattr(diagram, "cycle_branches", ())
        self.cycles.update(cycles, parameter, variable)
        # cycle branches draw the cycles; the envelope is for simulated cycles only
        self.envelope.update(() if cycles else diagram.cycle_envelopes, parameter, variable)


class CurveMarks:
    """Curves of codimension-1 bifurcations in the plane of two parameters.

    Parameters
    ----------
    scales : dict
    kinds : tuple of str, optional
        Branch kinds drawn, one line each (colours from ``COLORS``).
    """

    def __init__(self, scales, kinds=("fold", "hopf")):
        self.lines = {kind: bq.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                     colors=[COLORS[kind]], stroke_width=2.5,
                                     labels=[f"{kind} curve"])
                      for kind in kinds}
        self.marks = list(self.lines.values())

    def update(self, branches, x_name, y_name):
        """Redraw from ``Branch`` results of kind ``'fold'``/``'hopf'``.

        Parameters
        ----------
        branches : sequence of Branch
        x_name, y_name : str
        """
        for kind, line in self.lines.items():
            xs, ys = [], []
            for branch in branches:
                if branch.kind == kind and x_name in branch.values and y_name in branch.values:
                    xs += [branch.values[x_name], [np.nan]]
                    ys += [branch.values[y_name], [np.nan]]
            x = np.concatenate(xs) if xs else np.zeros(0)
            y = np.concatenate(ys) if ys else np.zeros(0)
            x, y = _gap_safe(x, y)
            set_data(line, x=x, y=y)


class PngImageMarks:
    """A bqplot ``Image`` mark showing PNG pictures made in Python.

    bqplot's Image view redraws when the mark's ``image`` trait changes, not when
    the picture inside the same ``ipywidgets.Image`` changes, so every picture
    goes into a new ``ipywidgets.Image``. The replaced one is closed one update
    later, so the front end never draws from a model that is already closed.

    Parameters
    ----------
    scales : dict
        ``x`` and ``y`` scales.
    """

    def __init__(self, scales):
        self.image = W.Image(value=counts_to_png([(np.zeros((1, 1), np.uint16), (0, 0, 0))]),
                             format="png")
        self.mark = bq.Image(image=self.image, scales=scales, x=[0.0, 1.0], y=[0.0, 1.0],
                             pixelated=True)
        self.marks = [self.mark]
        self._retired = []

    def show_png(self, png, x_range, y_range):
        """Show a PNG stretched over the data rectangle ``x_range`` x ``y_range``.

        Parameters
        ----------
        png : bytes
        x_range, y_range : (float, float)
            Left/right and bottom/top edges (the picture's first row is the top).
        """
        for old in self._retired:
            old.close()
        self._retired = [self.image]
        self.image = W.Image(value=png, format="png")
        with self.mark.hold_sync():
            self.mark.image = self.image
            self.mark.x = [float(x_range[0]), float(x_range[1])]
            self.mark.y = [float(y_range[0]), float(y_range[1])]


class RasterMarks(PngImageMarks):
    """A spike raster drawn as an image: spikes binned into screen pixels.

    One PNG of at most ``width x height`` pixels replaces one SVG element per
    spike (unusable past about 10,000 spikes) and WebGL points (whose update cost
    grows with the spike count); see ``benchmarks/raster_marks.py``.

    Parameters
    ----------
    scales : dict
        ``x``: time, ``y``: neuron index.
    width, height : int, optional
        Image resolution (pixels along time and along neurons).
    """

    def __init__(self, scales, width=1000, height=500):
        super().__init__(scales)
        self.width = int(width)
        self.height = int(height)
        self.spike_count = 0

    def update(self, t_range, groups):
        """Redraw from spike index arrays.

        Parameters
        ----------
        t_range : (float, float)
            Time span covered by the steps (start, end).
        groups : list of dict
            One per population, stacked bottom-up: ``{'steps': array of step
            indices, 'neurons': array of neuron indices, 'n_steps': int,
            'n_neurons': int, 'color': (r, g, b)}``.
        """
        total = sum(int(g["n_neurons"]) for g in groups)
        n_steps = max(int(g["n_steps"]) for g in groups)
        rows = max(1, min(self.height, total))
        layers, offset = [], 0
        for group in groups:
            neurons = np.asarray(group["neurons"], dtype=np.int64) + offset
            counts = spike_counts(group["steps"], neurons, n_steps, total, self.width, rows)
            layers.append((counts, group["color"]))
            offset += int(group["n_neurons"])
        self.spike_count = int(sum(len(g["steps"]) for g in groups))
        self.show_png(counts_to_png(layers), t_range, (0.0, float(total)))


def _colormap_table(name, n=256):
    """RGBA bytes of a matplotlib colormap, ``(n, 4)`` uint8."""
    from matplotlib import colormaps
    return (colormaps[name](np.linspace(0.0, 1.0, n)) * 255).round().astype(np.uint8)


class MatrixMarks(PngImageMarks):
    """A matrix (connection densities, a weight map) drawn as one PNG image with a colour bar.

    The cells are coloured in Python with a matplotlib colormap and sent as one
    image (fast at any size, like :class:`RasterMarks`); a ``ColorScale`` with the
    same colormap sampled at 9 points drives the colour-bar axis.

    Parameters
    ----------
    scales : dict
        ``x`` (columns) and ``y`` (rows) scales.
    cmap : str, optional
        Matplotlib colormap name.
    """

    def __init__(self, scales, cmap="Blues"):
        super().__init__(scales)
        self.color_scale = bq.ColorScale(min=0.0, max=1.0)
        self.cmap = None
        self._set_cmap(cmap)
        self.values = np.zeros((0, 0))

    def _set_cmap(self, cmap):
        if cmap == self.cmap:
            return
        table = _colormap_table(cmap, 9)
        self.color_scale.colors = ["#%02x%02x%02x" % tuple(row[:3]) for row in table]
        self.cmap = cmap
        self._table = _colormap_table(cmap)

    def color_axis(self, label=""):
        """A colour-bar axis for the figure's ``axes``.

        Parameters
        ----------
        label : str, optional

        Returns
        -------
        bqplot.ColorAxis
        """
        return bq.ColorAxis(scale=self.color_scale, side="right", orientation="vertical",
                            label=label, num_ticks=5, label_offset="45px")

    def update(self, x_range, y_range, values, vmin, vmax, cmap=None):
        """Redraw ``values[row, col]`` over the data rectangle ``x_range`` x ``y_range``.

        Parameters
        ----------
        x_range, y_range : (float, float)
            Data coordinates of the left/right and first-row/last-row edges.
        values : numpy.ndarray
            2-D; row 0 is drawn at ``y_range[0]``.
        vmin, vmax : float
            Colour limits.
        cmap : str, optional
            Change the colormap.
        """
        if cmap is not None:
            self._set_cmap(cmap)
        values = np.asarray(values, dtype=float)
        if values.ndim != 2:
            raise ValueError(f"MatrixMarks needs a 2-D array, got shape {values.shape}")
        self.values = values
        set_range(self.color_scale, vmin, vmax)
        span = max(float(vmax) - float(vmin), 1e-300)
        level = np.clip((values - vmin) / span, 0.0, 1.0)
        rgba = self._table[np.nan_to_num(level * (len(self._table) - 1)).round().astype(int)]
        from PIL import Image as PILImage   # pillow comes with matplotlib
        stream = io.BytesIO()
        # the image's first row is drawn at the top, i.e. at y_range[1] of the data rectangle
        PILImage.fromarray(np.ascontiguousarray(rgba[::-1]), "RGBA").save(
            stream, format="png", compress_level=1)
        self.show_png(stream.getvalue(), x_range, y_range)


class BarMarks:
    """A histogram from precomputed counts.

    Parameters
    ----------
    scales : dict
    color : str, optional
    label : str, optional
    """

    def __init__(self, scales, color="#0072B2", label=""):
        self.mark = bq.Bars(x=np.zeros(1), y=np.zeros(1), scales=scales, colors=[color],
                            padding=0.05, labels=[label] if label else [])
        self.marks = [self.mark]

    def update(self, centers, counts):
        """Redraw the bars.

        Parameters
        ----------
        centers, counts : array_like
        """
        set_data(self.mark, x=np.asarray(centers, dtype=float),
                 y=np.asarray(counts, dtype=float))
