"""Numerical integrators: ``bp.odeint``, ``bp.sdeint`` and their methods.

``bp.integrators.ode.<method>`` and ``bp.integrators.sde.<method>`` are the
method functions of manual ch. 15; ``SUPPORTED_ODE_METHODS`` and
``SUPPORTED_SDE_METHODS`` list the keywords.
"""

from . import ode, sde
from ..constants import (ITO_SDE, POPU_VAR, SCALAR_VAR, SCALAR_WIENER, STRA_SDE,
                         SUPPORTED_SDE_TYPE, SUPPORTED_VAR_TYPE, SUPPORTED_WIENER_TYPE, SYSTEM_VAR,
                         VECTOR_WIENER)
from .integrator import Integrator
from .ode import (SUPPORTED_ODE_METHODS, ODEIntegrator, get_default_odeint, odeint,
                  set_default_odeint)
from .sde import (SUPPORTED_SDE_METHODS, SDEIntegrator, get_default_sdeint, sdeint,
                  set_default_sdeint)
from .tableaus import ODE_TABLEAUS, SRI_TABLEAUS, ButcherTableau, SRITableau

__all__ = ["odeint", "sdeint", "ode", "sde", "Integrator", "ODEIntegrator", "SDEIntegrator",
           "SUPPORTED_ODE_METHODS", "SUPPORTED_SDE_METHODS", "set_default_odeint",
           "get_default_odeint", "set_default_sdeint", "get_default_sdeint", "ODE_TABLEAUS", "SRI_TABLEAUS",
           "ButcherTableau", "SRITableau", "SCALAR_VAR", "POPU_VAR", "SYSTEM_VAR",
           "SUPPORTED_VAR_TYPE", "ITO_SDE", "STRA_SDE", "SUPPORTED_SDE_TYPE", "SCALAR_WIENER",
           "VECTOR_WIENER", "SUPPORTED_WIENER_TYPE"]
