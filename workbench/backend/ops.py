"""Unified operations: ``bp.ops.exp``, ``bp.ops.zeros``, ... for every backend.

This module is itself the ``bp.ops`` namespace. Its attributes are rebound
when the backend changes, so model code written with ``bp.ops`` runs on any
backend. On the numba backends the attributes are the numpy functions that
numba compiles natively, which lets compiled step functions call
``bp.ops.exp(x)`` directly.

Each backend has a *buffer*: a dict of operation name to function. Defaults
come from a loader registered per backend; :func:`set_buffer` adds or
overrides entries, and :func:`set_ops` / :func:`set_ops_from_module` change the
active backend's buffer.
"""

import sys

import numpy as np

from ..errors import BackendError, choices
from . import settings

__all__ = ["OPS_FOR_SOLVER", "OPS_FOR_SIMULATION", "OPS_OF_DTYPE", "set_buffer",
           "get_buffer", "set_ops", "set_ops_from_module", "register_backend_loader"]

#: Operations every backend must provide for the numerical solvers.
OPS_FOR_SOLVER = ["normal", "sum", "exp", "shape"]
#: Operations every backend must provide for the simulation engine.
OPS_FOR_SIMULATION = ["as_tensor", "zeros", "ones", "arange", "concatenate", "where", "reshape"]
#: Data types every backend must provide.
OPS_OF_DTYPE = ["bool", "int", "int32", "int64", "float", "float32", "float64"]

_REQUIRED = OPS_FOR_SOLVER + OPS_FOR_SIMULATION + OPS_OF_DTYPE


def numpy_operations():
    """The numpy implementation of every unified operation.

    Besides the required operations it offers common element-wise math, so
    that models can be written against ``bp.ops`` alone.

    Returns
    -------
    dict
        Operation name to numpy function or dtype.
    """
    return {
        # solver
        "normal": np.random.normal, "sum": np.sum, "exp": np.exp, "shape": np.shape,
        # simulation
        "as_tensor": np.asarray, "zeros": np.zeros, "ones": np.ones, "arange": np.arange,
        "concatenate": np.concatenate, "where": np.where, "reshape": np.reshape,
        # dtypes
        "bool": np.bool_, "int": np.int_, "int32": np.int32, "int64": np.int64,
        "float": np.float64, "float32": np.float32, "float64": np.float64,
        # extra element-wise math and reductions
        "abs": np.abs, "sqrt": np.sqrt, "log": np.log, "sin": np.sin, "cos": np.cos,
        "tanh": np.tanh, "power": np.power, "maximum": np.maximum, "minimum": np.minimum,
        "clip": np.clip, "mean": np.mean, "max": np.max, "min": np.min,
        "logical_and": np.logical_and, "logical_or": np.logical_or,
        "logical_not": np.logical_not, "uniform": np.random.uniform,
        "random": np.random.random, "zeros_like": np.zeros_like, "ones_like": np.ones_like,
    }


# backend name -> callable returning that backend's default operations
_loaders = {"numpy": numpy_operations, "numba": numpy_operations,
            "numba-parallel": numpy_operations}
# backend name -> user-set operations (set_buffer), applied over the defaults
_user_buffers = {}
_this = sys.modules[__name__]
_applied = set()


def register_backend_loader(backend, loader):
    """Register the function that builds a backend's default operations.

    Parameters
    ----------
    backend : str
        A name in ``SUPPORTED_BACKENDS``.
    loader : callable
        Called without arguments when the backend is activated; returns a dict
        of operation name to function. It may raise ``ImportError``.
    """
    settings.check_backend_name(backend)
    _loaders[backend] = loader


def get_buffer(backend):
    """The operations a backend would use: defaults overlaid by user buffers.

    Parameters
    ----------
    backend : str
        A backend name.

    Returns
    -------
    dict
        Operation name to function.

    Raises
    ------
    BackendError
        If the backend is unknown, or its package is not installed.
    """
    settings.check_backend_name(backend)
    loader = _loaders.get(backend)
    if loader is None:
        package = settings.BACKEND_PACKAGES.get(backend, backend)
        raise BackendError(f"Backend {backend!r} is not available: it needs the package "
                           f"{package!r} (pip install 'workbench[{backend}]').")
    try:
        ops = dict(loader())
    except ImportError as exc:
        package = settings.BACKEND_PACKAGES.get(backend, backend)
        raise BackendError(f"Backend {backend!r} needs the package {package!r}, which "
                           f"cannot be imported ({exc}); install it with "
                           f"pip install 'workbench[{backend}]'.") from exc
    ops.update(_user_buffers.get(backend, {}))
    return ops


def _apply(ops):
    """Rebind this module's attributes to ``ops``."""
    for name in list(_applied):
        if name not in ops and name not in _REQUIRED:
            _this.__dict__.pop(name, None)
            _applied.discard(name)
    for name, func in ops.items():
        setattr(_this, name, func)
        _applied.add(name)


def activate(backend):
    """Make ``backend``'s operations the attributes of ``bp.ops``.

    Called by ``bp.backend.set``; users do not call it directly.

    Parameters
    ----------
    backend : str
        A backend name.
    """
    _apply(get_buffer(backend))


def set_buffer(backend, **operations):
    """Register operations for a backend (``bp.ops.set_buffer('numpy', clip=np.clip)``).

    Parameters
    ----------
    backend : str
        The backend the operations belong to.
    **operations
        Operation name to function.

    Examples
    --------
    >>> import numpy as np
    >>> import workbench as bp
    >>> bp.ops.set_buffer('numpy', clip=np.clip, sqrt=np.sqrt)
    """
    settings.check_backend_name(backend, buffer_only_ok=True)
    for name, func in operations.items():
        if not callable(func) and not isinstance(func, type):
            raise BackendError(f"Operation {name!r} for backend {backend!r} must be callable, "
                               f"got {func!r}.")
    _user_buffers.setdefault(backend, {}).update(operations)
    if backend == settings.get_backend():
        _apply(operations)


def set_ops(**operations):
    """Set operations of the active backend.

    Parameters
    ----------
    **operations
        Operation name to function.
    """
    set_buffer(settings.get_backend(), **operations)


def set_ops_from_module(module):
    """Set the active backend's operations from a module's public attributes.

    Parameters
    ----------
    module : module
        A module defining some of ``OPS_FOR_SOLVER``, ``OPS_FOR_SIMULATION``,
        ``OPS_OF_DTYPE`` or any other operation as top-level names.
    """
    operations = {name: value for name, value in vars(module).items()
                  if not name.startswith("_") and (callable(value) or isinstance(value, type))
                  and not isinstance(value, type(sys))}
    if not operations:
        raise BackendError(f"Module {module.__name__!r} defines no operations; expected "
                           f"functions named like: {choices(_REQUIRED)}.")
    set_ops(**operations)


_apply(numpy_operations())
