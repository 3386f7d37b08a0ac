"""The module of each tensor backend's operations, by backend name.

``torch_ops``, ``tensorflow_ops`` and ``jax_ops`` build on the helpers of
:mod:`~workbench.backend.tensors`; this table sits above all of them, so the
helpers never import the modules that use them.
"""

from ..errors import BackendError
from . import jax_ops, tensorflow_ops, torch_ops
from .tensors import TENSOR_BACKENDS

__all__ = ["OPS_MODULES", "ops_module"]

#: Backend name -> module with ``from_numpy(array)`` (and, for the immutable backends,
#: ``index_update``).
OPS_MODULES = {"pytorch": torch_ops, "tensorflow": tensorflow_ops, "jax": jax_ops}


def ops_module(backend):
    """The module of a tensor backend's operations (``torch_ops``, ``tensorflow_ops``, ``jax_ops``).

    Each has ``from_numpy(array)`` (a tensor of the backend with the array's
    values and dtype); the immutable backends also have ``index_update``.

    Parameters
    ----------
    backend : str
        One of :data:`~workbench.backend.tensors.TENSOR_BACKENDS`.

    Returns
    -------
    module

    Raises
    ------
    BackendError
        For another backend name.
    """
    if backend not in TENSOR_BACKENDS:
        raise BackendError(f"`backend`={backend!r} is not a tensor backend; tensor backends are: "
                           f"{', '.join(repr(b) for b in TENSOR_BACKENDS)}.")
    return OPS_MODULES[backend]
