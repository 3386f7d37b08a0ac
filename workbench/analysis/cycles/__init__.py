"""Periodic orbits: continuation by orthogonal collocation with Floquet multipliers.

Modules, one job each:

* :mod:`.collocation`: the discretization (mesh, Gauss points, residual and
  sparse Jacobian);
* :mod:`.mesh`: mesh adaptation by equidistribution;
* :mod:`.floquet`: monodromy matrix and Floquet multipliers;
* :mod:`.problem`: the vector field on arrays of points;
* :mod:`.tracer`: pseudo-arclength continuation of one branch;
* :mod:`.special`: cycle folds, period doublings, torus points;
* :mod:`.branches`: branches from Hopf points or from a given orbit, as
  result objects.
"""

from .branches import CYCLE_LABELS, cycle_branch_from_orbit, cycle_branches

__all__ = ["cycle_branches", "cycle_branch_from_orbit", "CYCLE_LABELS"]
