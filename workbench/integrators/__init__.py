"""Numerical integrators: ``bp.odeint``, ``bp.sdeint`` and their methods.

``bp.integrators.ode.<method>`` and ``bp.integrators.sde.<method>`` are the
method functions of manual ch. 15; ``SUPPORTED_ODE_METHODS`` and
``SUPPORTED_SDE_METHODS`` list the keywords.
"""

from . import ode
from .integrator import Integrator
from .ode import (SUPPORTED_ODE_METHODS, ODEIntegrator, get_default_odeint, odeint,
                  set_default_odeint)
from .tableaus import ODE_TABLEAUS, SRI_TABLEAUS, ButcherTableau, SRITableau

__all__ = ["odeint", "ode", "Integrator", "ODEIntegrator", "SUPPORTED_ODE_METHODS",
           "set_default_odeint", "get_default_odeint", "ODE_TABLEAUS", "SRI_TABLEAUS",
           "ButcherTableau", "SRITableau"]
