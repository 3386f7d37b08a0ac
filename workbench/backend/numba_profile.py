"""Compilation options of the numba backends: ``bp.backend.set_numba_profile(fastmath=True)``.

BrainPy 1.0.3 compiles with ``fastmath=True`` (its ``set_numba_profile``); workbench
compiles exactly by default, so that the numba backends give the numpy backend's
results. ``fastmath=True`` is an opt-in for speed: it sets
:data:`~workbench.backend.jit.FAST_MATH_FLAGS`, the LLVM fast-math flags that keep NaN
and inf (no ``nnan``, ``ninf``, ``reassoc``), so they are still reported with the variable
and the time. Results then differ from the exact ones by rounding (divisions become
multiplications by a reciprocal, products and sums fuse into FMAs, libm calls may
approximate): a chaotic network's spikes diverge after a while, as they do between
machines. workbench's own kernels (copies, spike scans, the NaN watch) stay exact.

The options are part of every cache key (:func:`~workbench.backend.jit.options_key`):
switching compiles new code once per profile, and both stay in the disk cache. Code
compiled before a switch keeps its options; networks and integrators compile again
under the new profile on their next run or call.
"""

from ..errors import BackendError
from . import jit

__all__ = ["get_numba_profile", "apply_profile"]

#: Options that BrainPy's profile has and workbench does not change, with the only value
#: it takes and why.
_FIXED = {
    "nopython": (True, "workbench compiles in nopython mode only (the 'numpy' backend runs "
                       "Python)"),
    "nogil": (True, "workbench always releases the GIL (widget threads and Dask workers run "
                    "compiled steps concurrently)"),
    "parallel": (False, "parallel loops come with the 'numba-parallel' backend: "
                        "bp.backend.set('numba-parallel')"),
}


def get_numba_profile():
    """The compilation options of the numba backends.

    Returns
    -------
    dict
        ``{'nopython': True, 'fastmath': bool, 'nogil': True, 'parallel': False}`` (BrainPy's
        keys; ``parallel`` is chosen by the backend name).
    """
    profile = {name: value for name, (value, _) in _FIXED.items()}
    profile["fastmath"] = bool(jit.JIT_OPTIONS["fastmath"])
    return profile


def apply_profile(**options):
    """Check and set the compilation options (``bp.backend.set_numba_profile`` calls it).

    Use ``bp.backend.set_numba_profile``: it also tells the integrators, which otherwise
    keep the step of the previous profile when called directly.

    Parameters
    ----------
    fastmath : bool, optional
        True compiles with :data:`~workbench.backend.jit.FAST_MATH_FLAGS` (faster,
        rounding differs from the numpy backend; NaN/inf are still reported); False
        (the default) compiles exactly.
    nopython, nogil, parallel : bool, optional
        Accepted with the value workbench always uses (True, True, False).

    Raises
    ------
    BackendError
        For another option name, a non-bool value, or a value of ``nopython``, ``nogil``
        or ``parallel`` that workbench does not offer; nothing changes then.
    """
    allowed = ("fastmath",) + tuple(_FIXED)
    for name, value in options.items():
        if name not in allowed:
            raise BackendError(f"set_numba_profile() got the option {name!r}; it takes "
                               f"{', '.join(allowed)}.")
        if not isinstance(value, bool):
            raise BackendError(f"set_numba_profile({name}={value!r}): give True or False.")
        if name in _FIXED and value != _FIXED[name][0]:
            raise BackendError(f"set_numba_profile({name}={value!r}) is not available: "
                               f"{_FIXED[name][1]}.")
    if "fastmath" in options:
        jit.JIT_OPTIONS["fastmath"] = jit.FAST_MATH_FLAGS if options["fastmath"] else False
