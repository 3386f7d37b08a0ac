"""Parameter sweeps that scale from a notebook to a Dask cluster: ``bp.sweep``.

``bp.sweep`` is both a function and a module::

    table = bp.sweep(build, {'GABAA.g_max': g_values}, duration=200.,
                     inputs=('HH.input', 1.2), measure=coherence, seed=42)
    search = bp.sweep.Sweep(build, grid, measure=coherence, duration=200.)
    table = search.run(client=Client('tcp://scheduler:8786'))

The manual's repeat mode (ch. 9) is the engine: each worker builds the model
once, compiles it on its first run and re-runs it for every parameter set it
gets, assigning new parameter values between runs without recompiling.

Where sets run
--------------
* in this process, one after the other (the default, ``executor='serial'``);
* in a local process pool (``executor='processes'``, ``n_workers=...``) or any
  ``concurrent.futures.Executor`` you pass;
* on a Dask cluster (``client=dask.distributed.Client(...)``).

The builder, the measure and the other functions travel to worker processes
with cloudpickle: functions from a notebook or script go *by value* (with their
source text, which the compiler needs), functions from modules *by reference*
(so those modules must be installed on the workers). Whatever they capture
must be picklable: build models, open files and locks *inside* ``build``.

Settings
--------
Workers switch to the driver's backend, ``dt`` and default ODE method before
they unpickle anything. An integrator made when a class body runs
(``@bp.odeint`` on a method of a class in a module) keeps the ``dt`` of the
moment its module was imported -- in every process. Set the backend and ``dt``
before importing or defining models (as the manual does), or give ``dt=``
to ``bp.odeint`` explicitly, or make integrators in ``__init__``.

Reproducibility
---------------
Each set's seed derives from the sweep's seed and the set's row
(:mod:`workbench.sweep.seeding`), and every set starts from the state the model
had right after its (seeded) build. So a table is the same whatever the
executor, the number of workers, and the order in which sets ran.

Failures
--------
A set that raises (a NaN, an exception in a step, in ``measure``...) is retried
once on a freshly built model and, if it fails again, reported in its row:
``status='error'``, ``error`` (the message), ``attempts``. The other sets run
on. A mistake in the sweep itself (an unknown parameter path, a measure without
numbers) stops the sweep with a :class:`SweepError`.
"""

import sys
import types

from .api import RESET_MODES, Sweep, SweepRun, sweep
from .errors import SweepError
from .executors import EXECUTORS
from .params import ParameterSets, expand_parameter_sets
from .paths import assign_path, resolve_path
from .seeding import seed_all, set_seed
from .state import StateSnapshot
from .table import VOLATILE_COLUMNS, SweepTable
from .worker import MODELS_PER_PROCESS, clear_cache

__all__ = ["sweep", "Sweep", "SweepRun", "SweepTable", "SweepError", "ParameterSets",
           "expand_parameter_sets", "resolve_path", "assign_path", "set_seed", "seed_all",
           "StateSnapshot", "clear_cache", "EXECUTORS", "RESET_MODES", "VOLATILE_COLUMNS",
           "MODELS_PER_PROCESS"]


class _CallableModule(types.ModuleType):
    """The module ``workbench.sweep``, callable as :func:`sweep`."""

    def __call__(self, *args, **kwargs):
        return sweep(*args, **kwargs)


_CallableModule.__call__.__doc__ = sweep.__doc__
sys.modules[__name__].__class__ = _CallableModule
