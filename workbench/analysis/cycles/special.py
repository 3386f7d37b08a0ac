"""Bifurcations of periodic orbits on a cycle branch: detection and location.

Test functions evaluated at every point of a traced branch (AUTO's):

* ``'cycle_fold'`` (LPC): ``prod (mu - 1)`` over the nontrivial multipliers
  (a real multiplier passes 1; generically the branch turns there). The
  parameter component of the tangent would be the textbook test, but on a
  canard explosion the branch is vertical to rounding (the parameter varies
  by 1e-10 over a long stretch) and that component changes sign many times;
* ``'period_doubling'`` (PD): ``prod (mu + 1)`` over the nontrivial Floquet
  multipliers (a real multiplier passes -1);
* ``'torus'`` (Neimark-Sacker, NS): ``prod_{i<j} (mu_i mu_j - 1)`` over the
  nontrivial multipliers, kept only where a complex pair sits on the unit
  circle (a real pair with ``mu_i mu_j = 1`` is a neutral saddle cycle).

A sign change between two steps is located by regula falsi (Illinois) on the
arclength from the earlier point, each trial a full corrector solve, until the
test function or the bracket is at the tolerance.
"""

import numpy as np

from .floquet import nontrivial
from .regula_falsi import illinois

__all__ = ["TESTS", "locate_between"]


def _fold_test(tracer, state):
    with np.errstate(all="ignore"):
        return float(np.real(np.prod(nontrivial(state.multipliers) - 1.0)))


def _period_doubling_test(tracer, state):
    return float(np.real(np.prod(nontrivial(state.multipliers) + 1.0)))


def _torus_test(tracer, state):
    mu = nontrivial(state.multipliers)
    value = 1.0 + 0j
    for i in range(len(mu)):
        for j in range(i + 1, len(mu)):
            value *= mu[i] * mu[j] - 1.0
    return float(np.real(value))


def _is_torus(state):
    mu = nontrivial(state.multipliers)
    pair = (np.abs(mu.imag) > 1e-6) & (np.abs(np.abs(mu) - 1.0) < 1e-3)
    return bool(np.any(pair))


#: kind -> (test function, which systems have it (least dimension), acceptance check)
TESTS = {
    "cycle_fold": (_fold_test, 2, None),
    "period_doubling": (_period_doubling_test, 3, None),
    "torus": (_torus_test, 3, _is_torus),
}


def _state_at(tracer, previous, s, phase_row):
    state, _ = tracer.step(previous, s, phase_row)
    return state


def locate_between(tracer, previous, new, ds, phase_row, tol=1e-12, max_iter=30):
    """Special points between two consecutive states of a branch.

    Parameters
    ----------
    tracer : CycleTracer
    previous, new : CycleState
        Consecutive corrected states (``new`` is ``ds`` from ``previous``).
    ds : float
    phase_row : numpy.ndarray
        The phase condition used for the step.
    tol : float
        Relative bracket width at which the search stops.

    Returns
    -------
    list of (str, CycleState)
    """
    found = []
    if previous.multipliers is None:
        return found
    dim = tracer.problem.dim
    for kind, (test, least_dim, accept) in TESTS.items():
        if dim < least_dim:
            continue
        g_a, g_b = test(tracer, previous), test(tracer, new)
        if not (np.isfinite(g_a) and np.isfinite(g_b)) or g_a * g_b >= 0.0:
            continue
        small = 1e-13 * max(1.0, abs(g_a))

        def evaluate(s, test=test):
            state = _state_at(tracer, previous, s, phase_row)
            return (None, None) if state is None else (state, test(tracer, state))

        def done(s_a, s_b, g):
            return g == 0.0 or abs(s_b - s_a) < tol * ds or abs(g) < small

        best = illinois(evaluate, ds, g_a, g_b, done, max_iter) or new
        if accept is not None and not accept(best):
            continue
        found.append((kind, best))
    return found
