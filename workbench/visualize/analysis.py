"""Matplotlib renderers of the analysis result objects.

Each ``draw_*`` function takes a result object from
:mod:`workbench.analysis.results` (and an optional Axes), draws it and
returns the Axes. The analysers call them from their ``plot_*`` methods; the
widget panels draw the same objects with bqplot instead.
"""

import numpy as np

__all__ = ["STABILITY_STYLES", "draw_nullclines", "draw_vector_field", "draw_fixed_points",
           "draw_trajectory", "draw_time_courses", "draw_limit_cycles", "draw_bifurcation",
           "draw_bifurcation_3d", "draw_codim2_curves", "draw_cycle_envelopes",
           "draw_cycle_branches",
           "finish_phase_plane"]

#: Marker styles of the stability types (stable: filled, unstable: open).
STABILITY_STYLES = {
    "stable point": dict(color="tab:blue", marker="o", fillstyle="full"),
    "unstable point": dict(color="tab:red", marker="o", fillstyle="none"),
    "saddle node": dict(color="tab:green", marker="x", fillstyle="full"),
    "center": dict(color="tab:olive", marker="s", fillstyle="none"),
    "stable node": dict(color="tab:blue", marker="o", fillstyle="full"),
    "stable focus": dict(color="tab:cyan", marker="o", fillstyle="full"),
    "stable star": dict(color="navy", marker="*", fillstyle="full"),
    "stable degenerate": dict(color="slateblue", marker="D", fillstyle="full"),
    "center manifold": dict(color="tab:gray", marker="s", fillstyle="none"),
    "unstable node": dict(color="tab:red", marker="o", fillstyle="none"),
    "unstable focus": dict(color="tab:orange", marker="o", fillstyle="none"),
    "unstable star": dict(color="darkred", marker="*", fillstyle="none"),
    "unstable line": dict(color="tab:brown", marker="|", fillstyle="full"),
    "unstable degenerate": dict(color="salmon", marker="D", fillstyle="none"),
    "saddle focus": dict(color="tab:purple", marker="x", fillstyle="full"),
}

_SPECIAL_STYLES = {"fold": dict(color="black", marker="s"),
                   "hopf": dict(color="magenta", marker="D"),
                   "branch_point": dict(color="tab:gray", marker="X"),
                   "bogdanov_takens": dict(color="tab:green", marker="^"),
                   "cusp": dict(color="tab:orange", marker="v"),
                   "bautin": dict(color="tab:blue", marker="*"),
                   "zero_hopf": dict(color="tab:purple", marker="P"),
                   # special points of cycle branches (labelled LPC, PD, NS, HC as AUTO does)
                   "cycle_fold": dict(color="tab:green", marker="s"),
                   "period_doubling": dict(color="tab:orange", marker="^"),
                   "torus": dict(color="tab:brown", marker="v"),
                   "homoclinic": dict(color="tab:blue", marker="X")}

#: Legend text of each kind of special point (AUTO's / MatCont's abbreviations first).
_SPECIAL_NAMES = {"fold": "LP: fold", "hopf": "H: Hopf", "branch_point": "BP: branch point",
                  "bogdanov_takens": "BT: Bogdanov-Takens", "cusp": "CP: cusp",
                  "bautin": "GH: generalized Hopf", "zero_hopf": "ZH: zero-Hopf",
                  "cycle_fold": "LPC: fold of cycles", "period_doubling": "PD: period doubling",
                  "torus": "NS: torus", "homoclinic": "HC: homoclinic end"}

#: Cycle branches: XPPAUT's colours, stable solid and unstable dashed.
CYCLE_STYLES = {True: dict(color="tab:green", linestyle="-"),
                False: dict(color="tab:blue", linestyle="--")}


def _draw_special_points(points, x_name, y_name, ax):
    """Markers and AUTO-style labels (LP1, H1, BT1, ...) of special points.

    A Hopf point's marker is open when it is subcritical (unstable cycles
    born) and filled when supercritical; the legend says which.
    """
    named = set()
    for point in points:
        if x_name not in point.values or y_name not in point.values:
            continue
        style = dict(_SPECIAL_STYLES.get(point.kind, dict(color="k", marker="o")))
        name = _SPECIAL_NAMES.get(point.kind, point.kind)
        if point.kind == "hopf" and point.criticality:
            name = f"{name}, {point.criticality}"
            style["fillstyle"] = "none" if point.criticality == "subcritical" else "full"
        ax.plot(point.values[x_name], point.values[y_name], linestyle="none", markersize=7,
                label=name if name not in named else None, **style)
        named.add(name)
        ax.annotate(point.label, (point.values[x_name], point.values[y_name]),
                    textcoords="offset points", xytext=(4, 4), fontsize="small")


def _axes(ax, projection=None):
    import matplotlib.pyplot as plt
    if ax is not None:
        return ax
    if projection is None:
        return plt.gca()
    return plt.figure().add_subplot(projection=projection)


def _is_stable(kind):
    return kind.startswith("stable") or kind == "center"


def draw_nullclines(nullclines, ax=None, styles=None):
    """Draw the nullclines of a 2-D phase plane.

    Parameters
    ----------
    nullclines : Nullclines
    ax : matplotlib.axes.Axes, optional
        Drawn into the current Axes when omitted.
    styles : dict, optional
        ``{variable: dict of Line2D keywords}``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    colors = ["cornflowerblue", "darkorange", "seagreen"]
    for i, curve in enumerate(nullclines.curves):
        style = {"color": colors[i % len(colors)], "lw": 2.0}
        style.update((styles or {}).get(curve.variable, {}))
        ax.plot(curve.x, curve.y, label=f"{curve.variable} nullcline", **style)
    return ax


def draw_vector_field(field, ax=None, method="streamplot", style=None):
    """Draw a vector field (streamlines or arrows; ``dx/dt`` against ``x`` in 1-D).

    Parameters
    ----------
    field : VectorField
    ax : matplotlib.axes.Axes, optional
    method : {'streamplot', 'quiver'}
    style : dict, optional
        Keywords of the matplotlib call.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    style = dict(style or {})
    if field.y_var is None:
        style.setdefault("color", "tab:blue")
        ax.plot(field.x, field.dx, label=f"d{field.x_var}/dt", **style)
        ax.axhline(0.0, color="gray", lw=0.8)
        ax.set_ylabel(f"d{field.x_var}/dt")
        return ax
    if method == "streamplot":
        speed = np.hypot(field.dx, field.dy)
        finite = np.where(np.isfinite(speed), speed, 0.0)
        top = finite.max() if finite.size else 0.0
        style.setdefault("density", 1.0)
        style.setdefault("color", "thistle")
        style.setdefault("linewidth", 0.5 + 2.0 * finite / top if top > 0 else 1.0)
        ax.streamplot(field.x, field.y, field.dx, field.dy, **style)
    elif method == "quiver":
        style.setdefault("color", "thistle")
        ax.quiver(field.x, field.y, field.dx, field.dy, **style)
    else:
        from ..errors import AnalysisError
        raise AnalysisError(f"`plot_method`={method!r} is not known; choose 'streamplot' or "
                            f"'quiver'.")
    return ax


def draw_fixed_points(points, ax=None):
    """Draw fixed points with a marker per stability type.

    Parameters
    ----------
    points : FixedPoints
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    labelled = set()
    for point in points:
        coords = [point.values[v] for v in points.variables]
        if len(coords) == 1:
            coords.append(0.0)
        style = STABILITY_STYLES.get(point.stability, dict(color="k", marker="o"))
        label = point.kind if point.kind not in labelled else None      # 'saddle', not 'saddle node'
        labelled.add(point.kind)
        ax.plot(coords[0], coords[1], linestyle="none", markersize=10, label=label, **style)
    return ax


def draw_trajectory(trajectories, variables, ax=None, style=None):
    """Draw trajectories in the phase plane of two variables.

    Parameters
    ----------
    trajectories : sequence of Trajectory
    variables : (str, str)
        Horizontal and vertical variable.
    ax : matplotlib.axes.Axes, optional
    style : dict, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    x_var, y_var = variables
    for i, trajectory in enumerate(trajectories):
        x, y = trajectory.values[x_var], trajectory.values[y_var]
        if len(x) == 0:
            continue
        line_style = {"lw": 1.2}
        line_style.update(style or {})
        start = ", ".join(f"{v}={trajectory.values[v][0]:.3g}" for v in variables)
        lines = ax.plot(x, y, label=f"trajectory {i + 1} ({start})", **line_style)
        ax.plot(x[0], y[0], marker="o", color=lines[0].get_color(), markersize=4)
    return ax


def draw_time_courses(trajectories, variables, show=False):
    """Draw each variable of trajectories against time, one panel per variable.

    Parameters
    ----------
    trajectories : sequence of Trajectory or LimitCycle
    variables : sequence of str
    show : bool

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(variables), 1, sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, var in zip(axes, variables):
        for i, trajectory in enumerate(trajectories):
            ax.plot(trajectory.ts, trajectory.values[var], label=f"trajectory {i + 1}")
        ax.set_ylabel(var)
    axes[-1].set_xlabel("time")
    if show:
        plt.show()
    return axes


def draw_limit_cycles(cycles, variables, ax=None):
    """Draw limit cycles (one period each) in the phase plane.

    Parameters
    ----------
    cycles : sequence of LimitCycle
    variables : (str, str)
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    x_var, y_var = variables
    for i, cycle in enumerate(cycles):
        ax.plot(cycle.values[x_var], cycle.values[y_var], lw=2.5,
                label=f"limit cycle {i + 1} (T={cycle.period:.4g})")
    return ax


def finish_phase_plane(ax, variables, limits, show):
    """Label axes, set limits, add a legend and show when asked.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    variables : sequence of str
    limits : sequence of (float, float)
        Axis limits per variable (already scaled by ``lim_scale``).
    show : bool
    """
    import matplotlib.pyplot as plt
    ax.set_xlabel(variables[0])
    ax.set_xlim(*limits[0])
    if len(variables) > 1:
        ax.set_ylabel(variables[1])
        ax.set_ylim(*limits[1])
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small")
    if show:
        plt.show()


def _draw_points_2d(diagram, variable, ax):
    par = diagram.parameters[0]
    for kind, values in diagram.points.items():
        if len(values.get(par, ())) == 0:
            continue
        style = STABILITY_STYLES.get(kind, dict(color="k", marker="."))
        ax.plot(values[par], values[variable], linestyle="none", marker=".", markersize=2,
                color=style["color"], alpha=0.6, label=kind)


def draw_bifurcation(diagram, variable, ax=None, lim=None):
    """Draw a codimension-1 diagram for one variable.

    The equilibria found on the grid are dots coloured by stability type,
    continued branches are lines (solid where stable, dashed where unstable),
    folds (LP), Hopf points (H; open marker when subcritical, filled when
    supercritical) and branch points (BP) are labelled, and limit-cycle envelopes
    are drawn as the cycle's maximum and minimum.

    Parameters
    ----------
    diagram : BifurcationDiagram
        Of codimension 1.
    variable : str
        One of ``diagram.variables``.
    ax : matplotlib.axes.Axes, optional
    lim : (float, float), optional
        Limits of the variable axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    par = diagram.parameters[0]
    _draw_points_2d(diagram, variable, ax)
    for branch in diagram.branches:
        p, v, stable = branch.values[par], branch.values[variable], branch.stable
        for mask, dash in ((stable, "-"), (~stable, "--")):
            ax.plot(np.where(mask, p, np.nan), np.where(mask, v, np.nan), dash, color="black",
                    lw=1.2)
    _draw_special_points(diagram.special_points, par, variable, ax)
    if diagram.cycle_branches:
        draw_cycle_branches(diagram, variable, ax=ax)
    else:
        draw_cycle_envelopes(diagram, variable, ax=ax)
    ax.set_xlabel(par)
    ax.set_ylabel(variable)
    if lim is not None:
        ax.set_ylim(*lim)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small", markerscale=3)
    return ax


def draw_cycle_branches(diagram, variable, ax=None):
    """Draw the maximum and minimum of the cycles along each cycle branch.

    Stable cycles are solid green, unstable ones dashed blue (XPPAUT's
    colours); the special points (LPC, PD, NS, HC) are drawn by
    :func:`draw_bifurcation`.

    Parameters
    ----------
    diagram : BifurcationDiagram
        Of codimension 1, with ``cycle_branches``.
    variable : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    par = diagram.parameters[0]
    labelled = set()
    for branch in diagram.cycle_branches:
        p, stable = branch.values[par], branch.stable
        for flag in (True, False):
            # a stability change is drawn joined: each piece keeps its end point
            mask = stable == flag
            mask = mask | np.concatenate([[False], mask[:-1]]) if flag else mask
            label = None
            if flag not in labelled and np.any(mask):
                label = f"{'stable' if flag else 'unstable'} cycle max/min"
                labelled.add(flag)
            for key in (f"{variable}_max", f"{variable}_min"):
                ax.plot(np.where(mask, p, np.nan), np.where(mask, branch.values[key], np.nan),
                        lw=1.4, label=label, **CYCLE_STYLES[flag])
                label = None
    return ax


def draw_cycle_envelopes(diagram, variable, ax=None):
    """Draw the maxima and minima of limit cycles along the parameter.

    Parameters
    ----------
    diagram : BifurcationDiagram
    variable : str
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    par = diagram.parameters[0]
    for i, envelope in enumerate(diagram.cycle_envelopes):
        if len(envelope) == 0:
            continue
        order = np.argsort(envelope.parameters[par])
        p = envelope.parameters[par][order]
        label = "limit cycle max/min" if i == 0 else None
        ax.plot(p, envelope.maxima[variable][order], "o-", color="tab:purple", ms=2.5, lw=1.0,
                label=label)
        ax.plot(p, envelope.minima[variable][order], "o-", color="tab:purple", ms=2.5, lw=1.0)
    return ax


def draw_bifurcation_3d(diagram, variable, ax=None):
    """Draw a codimension-2 diagram: equilibria over the parameter plane, in 3-D.

    Parameters
    ----------
    diagram : BifurcationDiagram
        Of codimension 2.
    variable : str
    ax : mpl_toolkits.mplot3d.Axes3D, optional

    Returns
    -------
    mpl_toolkits.mplot3d.Axes3D
    """
    ax = _axes(ax, projection="3d")
    p1, p2 = diagram.parameters
    for kind, values in diagram.points.items():
        if len(values.get(p1, ())) == 0:
            continue
        color = STABILITY_STYLES.get(kind, dict(color="k"))["color"]
        ax.scatter(values[p1], values[p2], values[variable], s=2, color=color, label=kind)
    ax.set_xlabel(p1)
    ax.set_ylabel(p2)
    ax.set_zlabel(variable)
    ax.legend(fontsize="small", markerscale=3)
    return ax


def draw_codim2_curves(diagram, ax=None):
    """Draw fold and Hopf curves in the parameter plane with their BT, CP, GH and ZH points.

    Bogdanov-Takens (BT), cusp (CP), Bautin (GH, generalized Hopf) and
    zero-Hopf (ZH) points are marked and labelled as AUTO and MatCont do.

    Parameters
    ----------
    diagram : BifurcationDiagram
        Of codimension 2.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    p1, p2 = diagram.parameters
    labelled = set()
    for branch in diagram.branches:
        if branch.kind not in _SPECIAL_STYLES:
            continue
        label = f"{branch.kind} curve" if branch.kind not in labelled else None
        labelled.add(branch.kind)
        ax.plot(branch.values[p1], branch.values[p2], color=_SPECIAL_STYLES[branch.kind]["color"],
                lw=2.0, label=label)
    _draw_special_points(diagram.special_points, p1, p2, ax)
    labelled.update(point.kind for point in diagram.special_points)
    ax.set_xlabel(p1)
    ax.set_ylabel(p2)
    if labelled:
        ax.legend(fontsize="small")
    return ax
