"""Neurodynamics analysis (manual ch. 4 and 14): phase planes, bifurcations, fast-slow systems.

The analysers compute result objects (:mod:`workbench.analysis.results`) and
never import a plotting library; their ``plot_*`` methods hand the results to
:mod:`workbench.visualize.analysis`.
"""

from . import results
from .stability import (get_1d_stability_types, get_2d_stability_types,
                        get_3d_stability_types, stability_analysis)
from .phase_plane import PhasePlane
from .bifurcation import Bifurcation
from .fast_slow import FastSlowBifurcation

__all__ = ["PhasePlane", "Bifurcation", "FastSlowBifurcation", "get_1d_stability_types", "get_2d_stability_types",
           "get_3d_stability_types", "stability_analysis", "results"]
