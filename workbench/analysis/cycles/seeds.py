"""Starting orbits for cycle branches that meet no Hopf point in the analysed range.

A cycle found by simulation (:func:`~workbench.analysis.simulate.sample_cycles`
gives its period and one state on it) is turned into one period of samples by
integrating with scipy's DOP853 at tight tolerance; the collocation then
corrects it (:meth:`~.tracer.CycleTracer.start_from_orbit`). A seed already
lying on a computed branch (within 2% of the ranges in parameter and
extremes) starts nothing.
"""

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["one_period", "covered"]


def one_period(system, state, period, parameter, samples=400):
    """Samples of one period of the orbit through ``state``.

    Parameters
    ----------
    system : ReducedSystem
    state : numpy.ndarray
        A point on the cycle, shape ``(n,)``.
    period : float
    parameter : float
    samples : int

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Times ``(samples,)`` and values ``(samples, n)``.
    """
    times = np.linspace(0.0, period, samples)
    solution = solve_ivp(lambda t, x: system.f_point(x, [parameter]), (0.0, period),
                         np.asarray(state, dtype=float), method="DOP853", t_eval=times,
                         rtol=1e-10, atol=1e-12)
    return solution.t, solution.y.T


def covered(parameter, maxima, minima, branches, par, variables, pspan, scale, tol=0.02):
    """Whether a cycle (parameter, extremes) lies on one of the branches.

    Parameters
    ----------
    parameter : float
    maxima, minima : numpy.ndarray
        Extremes of the cycle per variable, shape ``(n,)``.
    branches : sequence of Branch
        Cycle branches.
    par : str
    variables : sequence of str
    pspan : float
    scale : numpy.ndarray
    tol : float
        Distance in units of the ranges.

    Returns
    -------
    bool
    """
    point = np.concatenate([[parameter / pspan], maxima / scale, minima / scale])
    for branch in branches:
        line = np.column_stack([branch.values[par] / pspan] +
                               [branch.values[f"{v}_max"] / s for v, s in zip(variables, scale)] +
                               [branch.values[f"{v}_min"] / s for v, s in zip(variables, scale)])
        if len(line) == 0:
            continue
        # distance to the polyline's segments
        a, b = line[:-1], line[1:]
        if len(a) == 0:
            distance = np.linalg.norm(line[0] - point)
        else:
            d = b - a
            length = np.maximum(np.sum(d * d, axis=1), 1e-300)
            t = np.clip(np.sum((point - a) * d, axis=1) / length, 0.0, 1.0)
            distance = np.min(np.linalg.norm(a + t[:, None] * d - point, axis=1))
        if distance < tol:
            return True
    return False
