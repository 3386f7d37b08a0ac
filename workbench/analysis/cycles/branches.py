"""Cycle branches of a one-parameter system as result objects.

:func:`cycle_branches` continues the periodic orbits born at every Hopf
point of a diagram (a Hopf point reached by an earlier branch is not started
again) and :func:`cycle_branch_from_orbit` continues the family through a
given orbit (for example one found by simulation). Both return
:class:`~workbench.analysis.results.Branch` objects with ``kind='cycle'`` and
the special points (LPC, PD, NS, homoclinic ends) as
:class:`~workbench.analysis.results.SpecialPoint` objects.
"""

import warnings

import numpy as np

from ..results import Branch, SpecialPoint
from .floquet import cycle_is_stable
from .problem import OrbitProblem
from .special import locate_between
from .tracer import CycleTracer, extremes

__all__ = ["cycle_branches", "cycle_branch_from_orbit", "CYCLE_LABELS"]

#: AUTO's labels of the special points of cycle branches.
CYCLE_LABELS = {"cycle_fold": "LPC", "period_doubling": "PD", "torus": "NS",
                "homoclinic": "HC"}


def _tracer(system, parameter_range, scale, settings):
    return CycleTracer(OrbitProblem(system), parameter_range, scale, **(settings or {}))


def _hopf_direction(system, x, p):
    jac = system.jacobian_point(x, [p])
    values, vectors = np.linalg.eig(jac)
    candidates = np.flatnonzero(values.imag > 0.0)
    if candidates.size == 0:
        return None, None
    best = candidates[np.argmin(np.abs(values.real[candidates]))]
    return values[best], vectors[:, best]


def _special_point(system, kind, state, label):
    par = system.free[0]
    high, low = extremes(state.collocation, state.U)
    values = {par: state.parameter}
    values.update({u: high[i] for i, u in enumerate(system.unknowns)})
    values.update({f"{u}_max": high[i] for i, u in enumerate(system.unknowns)})
    values.update({f"{u}_min": low[i] for i, u in enumerate(system.unknowns)})
    values["period"] = state.period
    return SpecialPoint(kind, values, state.multipliers, label)


def _as_result(system, traced, found):
    """A Branch from a TracedBranch; special points appended to ``found``."""
    par = system.free[0]
    n = system.dim
    maxima, minima = np.array(traced.maxima), np.array(traced.minima)
    multipliers = np.array(traced.multipliers, dtype=complex).reshape(-1, n)
    values = {par: np.array(traced.parameter), "period": np.array(traced.period)}
    for i, u in enumerate(system.unknowns):
        values[f"{u}_max"] = maxima[:, i] if len(maxima) else np.zeros(0)
        values[f"{u}_min"] = minima[:, i] if len(minima) else np.zeros(0)
    stable = cycle_is_stable(multipliers)
    stability = np.where(stable, "stable", "unstable").astype(object)
    for kind, _index, state in traced.special:
        found.append((kind, state))
    if traced.end == "homoclinic":
        found.append(("homoclinic", traced.states[-1]))
    return Branch("cycle", values, stability, np.zeros((0, n), dtype=complex),
                  multipliers=multipliers)


def _report(traced):
    """A branch that stopped because Newton failed says where (as a RuntimeWarning)."""
    if traced.message:
        warnings.warn(traced.message, RuntimeWarning, stacklevel=4)


def label_specials(system, found):
    """SpecialPoints labelled LPC1, LPC2, PD1, ... in the order of the parameter."""
    counts = {}
    out = []
    unique = []
    for kind, state in sorted(found, key=lambda item: item[1].parameter):
        if any(k == kind and abs(s.parameter - state.parameter) < 1e-8 * (1 + abs(s.parameter))
               and abs(s.period - state.period) < 1e-6 * s.period for k, s in unique):
            continue
        unique.append((kind, state))
    for kind, state in unique:
        counts[kind] = counts.get(kind, 0) + 1
        out.append(_special_point(system, kind, state, f"{CYCLE_LABELS[kind]}{counts[kind]}"))
    return out


def label_specials_again(points):
    """Relabel SpecialPoints of several branches: LPC1, LPC2, ... in the order of the parameter."""
    counts = {}
    out = []
    for point in sorted(points, key=lambda q: next(iter(q.values.values()))):
        counts[point.kind] = counts.get(point.kind, 0) + 1
        out.append(SpecialPoint(point.kind, point.values, point.eigenvalues,
                                f"{CYCLE_LABELS[point.kind]}{counts[point.kind]}"))
    return out


def cycle_branches(system, hopf_points, parameter_range, scale, settings=None):
    """Continue the cycles born at Hopf points.

    Parameters
    ----------
    system : ReducedSystem
        One free parameter, dimension >= 2.
    hopf_points : sequence of SpecialPoint
        Hopf points (``values`` holds the parameter and the variables).
    parameter_range : (float, float)
    scale : numpy.ndarray
        Range of each variable.
    settings : dict, optional
        Keyword arguments of :class:`~.tracer.CycleTracer`.

    Returns
    -------
    (list of Branch, list of SpecialPoint)
    """
    par = system.free[0]
    tracer = _tracer(system, parameter_range, scale, settings)
    branches, found, reached = [], [], []
    for point in sorted(hopf_points, key=lambda q: q.values[par]):
        x = np.array([point.values[u] for u in system.unknowns])
        p = point.values[par]
        if any(abs(p - q) < 0.01 * tracer.pspan for q in reached):
            continue        # the end of an earlier branch
        eigenvalue, vector = _hopf_direction(system, x, p)
        if eigenvalue is None:
            continue
        state, psi = tracer.start_from_hopf(x, p, eigenvalue, vector)
        traced = tracer.trace(state, psi, locate_between)
        _report(traced)
        if len(traced.parameter) < 2:
            continue
        if traced.end == "hopf":
            reached.append(traced.parameter[-1])
        branches.append(_as_result(system, traced, found))
    return branches, label_specials(system, found)


def cycle_branch_from_orbit(system, times, values, period, parameter, parameter_range, scale,
                            settings=None):
    """Continue the family of periodic orbits through one given orbit, both ways.

    Parameters
    ----------
    system : ReducedSystem
    times : numpy.ndarray
        Sample times of (at least) one period.
    values : numpy.ndarray
        Samples ``(k, n)`` of the unknowns.
    period : float
    parameter : float
        The parameter value of the orbit.
    parameter_range : (float, float)
    scale : numpy.ndarray
    settings : dict, optional

    Returns
    -------
    (Branch, list of SpecialPoint) or (None, [])
        None when the orbit could not be corrected onto a periodic orbit.
    """
    tracer = _tracer(system, parameter_range, scale, settings)
    start = tracer.start_from_orbit(times, values, period, parameter)
    if start is None:
        return None, []
    halves = []
    for sign in (1.0, -1.0):
        state = type(start)(start.collocation, start.U, start.period, start.parameter,
                            sign * start.tangent, start.multipliers)
        halves.append(tracer.trace(state, start.U, locate_between))
    backward, forward = halves[1], halves[0]
    joined = type(forward)()
    for key in ("parameter", "period", "maxima", "minima", "multipliers"):
        setattr(joined, key, getattr(backward, key)[::-1][:-1] + getattr(forward, key))
    joined.special = backward.special + forward.special
    joined.states = [backward.states[-1], forward.states[-1]]
    joined.end = forward.end
    joined.message = forward.message or backward.message
    _report(joined)
    found = []
    branch = _as_result(system, joined, found)
    if backward.end == "homoclinic":
        found.append(("homoclinic", backward.states[-1]))
    return branch, label_specials(system, found)
