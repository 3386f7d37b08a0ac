"""``bp.drivers``: BrainPy 1.0.2's per-backend driver registry (manual ch. 3.4).

In BrainPy a *driver* turns models into code for one backend: a node driver
for neuron groups and synapses, a network driver, and a driver for the
integrators. workbench has one simulation engine instead, with an executor
per backend (interpreted on numpy, one compiled loop on numba, traced tensor
code on jax/pytorch/tensorflow), chosen by ``bp.backend.set``. This module
keeps the manual's calls working: the driver names below stand for those
built-in executors, and :func:`set_buffer` accepts them for any backend, as in

.. code-block:: python

    bp.drivers.set_buffer('numpy', node_driver=bp.drivers.GeneralNodeDriver,
                          net_driver=bp.drivers.GeneralNetDriver,
                          diffint_driver=bp.drivers.GeneralDiffIntDriver)

Drivers of one's own cannot be plugged in; :func:`set_buffer` says so instead
of ignoring them.
"""

from .backend.settings import check_backend_name
from .errors import BackendError

__all__ = ["GeneralNodeDriver", "GeneralNetDriver", "GeneralDiffIntDriver", "TensorNodeDriver",
           "TensorNetDriver", "TensorDiffIntDriver", "set_buffer", "get_buffer"]


class GeneralNodeDriver:
    """Runs neuron groups and synapses: workbench's simulation engine (``workbench.simulation``)."""


class GeneralNetDriver:
    """Runs networks: the same engine, one schedule over all nodes."""


class GeneralDiffIntDriver:
    """Builds integrators: workbench's code generator (``workbench.integrators.codegen``)."""


#: BrainPy 1.0.3's names of the same drivers.
TensorNodeDriver = GeneralNodeDriver
TensorNetDriver = GeneralNetDriver
TensorDiffIntDriver = GeneralDiffIntDriver

# role -> (argument name, the built-in driver)
_ROLES = {"node": ("node_driver", GeneralNodeDriver),
          "net": ("net_driver", GeneralNetDriver),
          "diffint": ("diffint_driver", GeneralDiffIntDriver)}

# backend -> {role: driver} registered with set_buffer
_buffers = {}


def set_buffer(backend, node_driver=None, net_driver=None, diffint_driver=None):
    """Register the drivers of a backend (manual ch. 3.4).

    Parameters
    ----------
    backend : str
        A backend name (``'numpy'``, ``'numba'``, ...).
    node_driver, net_driver, diffint_driver : type, optional
        :class:`GeneralNodeDriver`, :class:`GeneralNetDriver` and
        :class:`GeneralDiffIntDriver` (or BrainPy 1.0.3's ``Tensor*Driver``
        names for them).

    Raises
    ------
    BackendError
        For an unknown backend, or a driver other than the built-in one: the
        engine cannot run models through user-written drivers.
    """
    check_backend_name(backend, buffer_only_ok=True)
    given = {"node": node_driver, "net": net_driver, "diffint": diffint_driver}
    for role, driver in given.items():
        argument, builtin = _ROLES[role]
        if driver is not None and driver is not builtin:
            raise BackendError(f"`{argument}`={driver!r} cannot be used: workbench runs every "
                               f"backend through its own simulation engine, so drivers cannot "
                               f"be replaced; the built-in one is "
                               f"bp.drivers.{builtin.__name__}.")
    _buffers.setdefault(backend, {}).update(
        {role: driver for role, driver in given.items() if driver is not None})


def get_buffer(backend):
    """The drivers registered for ``backend`` with :func:`set_buffer`.

    Parameters
    ----------
    backend : str

    Returns
    -------
    dict
        ``{'node': ..., 'net': ..., 'diffint': ...}`` for the roles registered.
    """
    check_backend_name(backend, buffer_only_ok=True)
    return dict(_buffers.get(backend, {}))
