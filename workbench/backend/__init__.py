"""Backend selection: ``bp.backend.set('numba', dt=0.05)``.

The backend decides how models run: ``'numpy'`` interprets step functions in
Python with numpy arrays, ``'numba'``/``'numba-parallel'`` compile them, and the
tensor backends (``'pytorch'``, ``'tensorflow'``, ``'jax'``) run models written
with ``bp.ops`` (``target_backend = 'general'``).
"""

from ..errors import BackendError
from . import numba_profile, ops, settings, tracing  # noqa: F401 (tracing registers counters)
from .jit import jit_compilations, jit_stats
from .numba_profile import get_numba_profile
from .settings import (BACKEND_PACKAGES, SUPPORTED_BACKENDS, get_backend, get_dt,
                       is_numba_backend, set_dt)

__all__ = ["set", "get_backend", "get_backend_name", "get_dt", "set_dt",
           "SUPPORTED_BACKENDS", "BACKEND_PACKAGES", "is_numba_backend",
           "jit_compilations", "jit_stats", "set_numba_profile", "get_numba_profile"]

_listeners = []


def set(backend=None, dt=None, **kwargs):
    """Switch the computation backend and/or the default time step.

    Parameters
    ----------
    backend : str, optional
        One of ``SUPPORTED_BACKENDS``: ``'numpy'``, ``'numba'``,
        ``'numba-parallel'``, ``'pytorch'``, ``'tensorflow'``, ``'jax'``.
    dt : float, optional
        The default numerical time step in ms.
    **kwargs
        Accepted for compatibility with BrainPy (``module_or_operations``,
        ``node_builder``, ``net_builder``); ``module_or_operations`` may be a
        module or dict of operations applied to the new backend.

    Raises
    ------
    BackendError
        For an unknown backend name, or a backend whose package is missing.

    Examples
    --------
    >>> import workbench as bp
    >>> bp.backend.set('numba', dt=0.05)
    >>> bp.backend.get_dt()
    0.05
    >>> bp.backend.set('numpy', dt=0.1)
    """
    unknown = sorted(k for k in kwargs if k not in ("module_or_operations", "node_builder",
                                                    "net_builder"))
    if unknown:
        raise BackendError(f"bp.backend.set() got unexpected keyword(s) {unknown}; it takes "
                           f"`backend`, `dt` and `module_or_operations`.")
    if dt is not None:
        set_dt(dt)
    if backend is None:
        return
    settings.check_backend_name(backend)
    ops.activate(backend)           # raises before anything changes if unavailable
    settings._state["backend"] = backend
    extra = kwargs.get("module_or_operations")
    if extra is not None:
        if isinstance(extra, dict):
            ops.set_ops(**extra)
        else:
            ops.set_ops_from_module(extra)
    for listener in list(_listeners):
        listener(backend)


def set_numba_profile(**options):
    """Set the compilation options of the numba backends, e.g. ``fastmath=True``.

    BrainPy 1.0.3's function (``brainpy.backend.drivers.numba.set_numba_profile``).
    ``fastmath=True`` compiles with :data:`workbench.backend.jit.FAST_MATH_FLAGS` (faster;
    rounding differs from the numpy backend; NaN/inf are still reported), ``False`` (the
    default) exactly. Integrators and networks compile under the new options on their next
    call or run (``docs/backends.md``, "Fast math").

    Parameters
    ----------
    **options
        ``fastmath`` (bool), and BrainPy's ``nopython``, ``nogil``, ``parallel`` with
        the values workbench uses.

    Raises
    ------
    BackendError
        For an option or value that workbench does not offer.

    Examples
    --------
    >>> import workbench as bp
    >>> bp.backend.set_numba_profile(fastmath=True)
    >>> bp.backend.get_numba_profile()['fastmath']
    True
    >>> bp.backend.set_numba_profile(fastmath=False)
    """
    before = numba_profile.get_numba_profile()
    numba_profile.apply_profile(**options)
    if numba_profile.get_numba_profile() != before:
        for listener in list(_listeners):
            listener(settings.get_backend())


def get_backend_name():
    """Alias of :func:`get_backend` (BrainPy spelling).

    Returns
    -------
    str
    """
    return get_backend()


def on_backend_change(listener):
    """Call ``listener(name)`` after every backend switch.

    Parameters
    ----------
    listener : callable
        Receives the new backend name.
    """
    _listeners.append(listener)
