"""Global run settings: the active backend and the default time step."""

from ..errors import BackendError, choices

#: Backends shipped with workbench, in the manual's spelling. The array
#: backends beyond numpy need their package installed (see ``BACKEND_PACKAGES``).
SUPPORTED_BACKENDS = ("numpy", "numba", "numba-parallel", "pytorch", "tensorflow", "jax")

#: Package (and pip extra) that a backend needs.
BACKEND_PACKAGES = {"pytorch": "torch", "tensorflow": "tensorflow", "jax": "jax"}

#: What to ``pip install`` for a backend's package: the CPU builds (a plain
#: ``torch`` pulls a multi-GB CUDA build on Linux).
BACKEND_PIP_NAMES = {"pytorch": "torch==2.13.0", "tensorflow": "tensorflow-cpu",
                     "jax": "jax jaxlib"}

#: Names accepted by ``bp.ops.set_buffer`` and ``target_backend`` that cannot be
#: activated here: BrainPy 1.0.2 removed its Numba-CUDA backend, but the
#: manual's ch. 10 code still registers buffers for it.
BUFFER_ONLY_BACKENDS = ("numba-cuda",)

#: Backends whose step functions are compiled with numba.
NUMBA_BACKENDS = ("numba", "numba-parallel")

DEFAULT_DT = 0.1

_state = {"backend": "numpy", "dt": DEFAULT_DT}
_dt_listeners = []


def get_backend():
    """Name of the active backend, e.g. ``'numpy'`` or ``'numba'``.

    Returns
    -------
    str
    """
    return _state["backend"]


def get_dt():
    """The default numerical time step (ms) of integrators and simulations.

    Returns
    -------
    float
    """
    return _state["dt"]


def set_dt(dt):
    """Set the default numerical time step.

    Parameters
    ----------
    dt : float
        A positive, finite time step in ms.

    Raises
    ------
    ValueError
        If ``dt`` is not a positive finite number.
    """
    try:
        value = float(dt)
    except (TypeError, ValueError):
        raise BackendError(f"`dt`={dt!r} is not a number; give a positive time step in ms.") from None
    if not (value > 0.0 and value < float("inf")):
        raise BackendError(f"`dt`={dt!r} must be a positive, finite time step in ms.")
    changed = value != _state["dt"]
    _state["dt"] = value
    if changed:
        for listener in list(_dt_listeners):
            listener(value)


def on_dt_change(listener):
    """Call ``listener(dt)`` after every change of the default time step.

    Integrators created without ``dt`` use it to follow the backend's ``dt``.

    Parameters
    ----------
    listener : callable
        Receives the new time step (ms).
    """
    _dt_listeners.append(listener)


def check_backend_name(name, buffer_only_ok=False):
    """Validate a backend name.

    Parameters
    ----------
    name : str
        The backend name to check.
    buffer_only_ok : bool, optional
        Also accept :data:`BUFFER_ONLY_BACKENDS` (for ``bp.ops.set_buffer``).

    Raises
    ------
    BackendError
        If ``name`` is not one of :data:`SUPPORTED_BACKENDS`.
    """
    if buffer_only_ok and name in BUFFER_ONLY_BACKENDS:
        return
    if name in BUFFER_ONLY_BACKENDS:
        raise BackendError(f"`backend`={name!r} is not available: BrainPy 1.0.2 removed the "
                           f"Numba-CUDA backend and workbench runs on the CPU; choose one of: "
                           f"{choices(SUPPORTED_BACKENDS)}.")
    if name not in SUPPORTED_BACKENDS:
        raise BackendError(f"`backend`={name!r} is not a known backend; choose one of: "
                           f"{choices(SUPPORTED_BACKENDS)}.")


def is_numba_backend(name=None):
    """Whether ``name`` (default: the active backend) compiles with numba.

    Parameters
    ----------
    name : str, optional
        A backend name; the active one when omitted.

    Returns
    -------
    bool
    """
    return (name or _state["backend"]) in NUMBA_BACKENDS
