"""Numerical integrators: ``bp.odeint``, ``bp.sdeint`` and their methods.

``bp.integrators.ode.<method>`` and ``bp.integrators.sde.<method>`` are the
method functions of manual ch. 15; ``SUPPORTED_ODE_METHODS`` and
``SUPPORTED_SDE_METHODS`` list the keywords.
"""

from . import ode, sde
from .integrator import Integrator
from .ode import (SUPPORTED_ODE_METHODS, ODEIntegrator, get_default_odeint, odeint,
                  set_default_odeint)
from .sde import (SUPPORTED_SDE_METHODS, SDEIntegrator, get_default_sdeint, sdeint,
                  set_default_sdeint)
from .tableaus import ODE_TABLEAUS, SRI_TABLEAUS, ButcherTableau, SRITableau

__all__ = ["odeint", "sdeint", "ode", "sde", "Integrator", "ODEIntegrator", "SDEIntegrator",
           "SUPPORTED_ODE_METHODS", "SUPPORTED_SDE_METHODS", "set_default_odeint",
           "get_default_odeint", "set_default_sdeint", "get_default_sdeint", "ODE_TABLEAUS", "SRI_TABLEAUS",
           "ButcherTableau", "SRITableau"]
