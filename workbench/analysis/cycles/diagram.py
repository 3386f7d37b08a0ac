"""The cycle part of a codimension-1 diagram: branches, special points, envelope.

:func:`diagram_cycles` continues the cycles born at the diagram's Hopf points,
then the families through attracting cycles found by simulation that no
branch covers (spiking branches whose Hopf point lies outside the range), and
derives the envelope of the stable cycles that plots and panels draw.
"""

import numpy as np

from ..results import CycleEnvelope
from .branches import cycle_branch_from_orbit, cycle_branches, label_specials_again
from .seeds import covered, one_period

__all__ = ["diagram_cycles", "stable_envelope"]

#: Most branches started from simulated cycles.
MAX_SEEDED_BRANCHES = 3


def diagram_cycles(system, hopf_points, parameter_range, scale, settings=None, seeds=()):
    """Cycle branches and their special points for a one-parameter system.

    Parameters
    ----------
    system : ReducedSystem
    hopf_points : sequence of SpecialPoint
    parameter_range : (float, float)
    scale : numpy.ndarray
        Ranges of the variables.
    settings : dict, optional
        Keyword arguments of :class:`~.tracer.CycleTracer`.
    seeds : sequence of (parameter, period, maxima, minima, state)
        Attracting cycles found by simulation.

    Returns
    -------
    (tuple of Branch, list of SpecialPoint)
    """
    par = system.free[0]
    pspan = parameter_range[1] - parameter_range[0]
    branches, specials = cycle_branches(system, hopf_points, parameter_range, scale, settings)
    branches = list(branches)
    started = 0
    for parameter, period, maxima, minima, state in seeds:
        if started >= MAX_SEEDED_BRANCHES:
            break
        if covered(parameter, maxima, minima, branches, par, system.unknowns, pspan, scale):
            continue
        times, values = one_period(system, state, period, parameter)
        branch, found = cycle_branch_from_orbit(system, times, values, period, parameter,
                                                parameter_range, scale, settings)
        started += 1
        if branch is None or len(branch.values[par]) < 2:
            continue
        branches.append(branch)
        specials = specials + found
    return tuple(branches), label_specials_again(specials)


def stable_envelope(branches, par, variables):
    """The envelope of the stable cycles of the branches (what plots draw as "limit cycle").

    Parameters
    ----------
    branches : sequence of Branch
        Cycle branches.
    par : str
    variables : sequence of str

    Returns
    -------
    CycleEnvelope
    """
    keep = [b.stable for b in branches]
    parameters = {par: np.concatenate([b.values[par][k] for b, k in zip(branches, keep)] or
                                      [np.zeros(0)])}
    maxima = {v: np.concatenate([b.values[f"{v}_max"][k] for b, k in zip(branches, keep)] or
                                [np.zeros(0)]) for v in variables}
    minima = {v: np.concatenate([b.values[f"{v}_min"][k] for b, k in zip(branches, keep)] or
                                [np.zeros(0)]) for v in variables}
    periods = np.concatenate([b.values["period"][k] for b, k in zip(branches, keep)] or
                             [np.zeros(0)])
    return CycleEnvelope(parameters, maxima, minima, periods)
