"""workbench: a Jupyter-native workbench for neurodynamics.

Written so that BrainPy 1.0.2 user code runs with ``import workbench as bp``.
The public API mirrors the manual's ``bp.*`` names; see README.md for the map.
"""

__version__ = "0.1.0"

from . import errors
from . import backend
from .backend import ops
from .backend.jit import jit_compilations, jit_stats
from .constants import (ITO_SDE, POPU_VAR, SCALAR_VAR, SCALAR_WIENER, STRA_SDE,
                        SUPPORTED_SDE_TYPE, SUPPORTED_VAR_TYPE, SUPPORTED_WIENER_TYPE, SYSTEM_VAR,
                        VECTOR_WIENER)
from .sizes import size2len
from . import tools
from . import connect
from . import drivers
from . import inputs
from . import measure
from . import visualize
from . import integrators
from .integrators import (SUPPORTED_ODE_METHODS, SUPPORTED_SDE_METHODS, get_default_odeint,
                          get_default_sdeint, ode, odeint, sde, sdeint, set_default_odeint,
                          set_default_sdeint)

# simulation engine (issue 3)
from . import simulation
from .simulation import (DynamicalSystem, Network, NeuGroup, SynConn, TwoEndConn,
                         every)
from . import analysis

# parameter sweeps (issue 7): bp.sweep(...) runs a sweep; bp.sweep.Sweep, bp.sweep.SweepTable, ...
from . import sweep
