"""Text that identifies what compiled code freezes from a function or module.

Numba compiles the code of called functions *and the values of the globals
they read* into the caller. Generated modules are cached on disk under a hash
of their source and these fingerprints, so a changed helper function, a
changed module constant read by an integrator's derivative, or an edited
kernel module yields a new file instead of stale machine code.

Functions are described transitively (:func:`workbench.integrators.codegen.fingerprint`):
their source, their defaults, and the values of the globals and closure variables they
read — arrays by a hash of all their bytes, tuples element by element, and called
functions (plain or numba dispatchers) in the same way, recursively.
"""

import hashlib
import inspect
import types

import numpy as np

from ....integrators.codegen import fingerprint as value_fingerprint

__all__ = ["fingerprint", "integrator_fingerprint"]


def fingerprint(obj):
    """A text identifying a function, module or other object for cache keys.

    Parameters
    ----------
    obj : object
        A function, numba dispatcher, ufunc, module or class.

    Returns
    -------
    str
    """
    py_func = getattr(obj, "py_func", None)
    if py_func is not None:
        return "dispatcher:" + fingerprint(py_func)
    if isinstance(obj, np.ufunc):
        return f"ufunc:{obj.__name__}"
    if isinstance(obj, types.ModuleType):
        try:
            source = inspect.getsource(obj)
        except (OSError, TypeError):
            return f"module:{obj.__name__}"
        return f"module:{obj.__name__}:" + hashlib.sha1(source.encode()).hexdigest()
    if isinstance(obj, types.FunctionType):
        return value_fingerprint(obj)
    return f"{type(obj).__name__}:{getattr(obj, '__module__', '')}." \
           f"{getattr(obj, '__qualname__', getattr(obj, '__name__', repr(obj)))}"


def integrator_fingerprint(integrator, step=None):
    """A text identifying an integrator's compiled step (method, dt, code, derivative).

    Parameters
    ----------
    integrator : object
        A ``bp.odeint`` result.
    step : callable, optional
        The compiled step the caller injects (its generated module is part of the text);
        defaults to ``integrator.jit_step`` when the integrator has one.

    Returns
    -------
    str
    """
    # The compiled step lives in a generated module named by a hash of everything it froze;
    # numba's cache of a loop calling it refers to that module by name, so the name must be
    # part of the loop's key (a cached loop then never asks for a module this process lacks).
    if step is None and not getattr(integrator, "has_self", False):
        step = getattr(integrator, "jit_step", None)
    step_module = getattr(getattr(step, "py_func", step), "__module__", None)
    return ";".join([
        f"step_module={step_module}",
        f"method={getattr(integrator, 'method', None)!r}",
        f"dt={getattr(integrator, 'dt', None)!r}",
        f"source={getattr(integrator, 'source', '')}",
        f"derivative={fingerprint(integrator.derivative)}",
    ])
