"""``jax.jit`` for workbench functions, counted by ``bp.jit_compilations()``.

JAX compiles a jitted function once per new combination of argument shapes,
dtypes and static arguments, and it runs the Python function exactly once for
each such compilation (the *trace*). :func:`counted_jit` counts those traces:
a repeat run that reuses a compiled step leaves ``bp.jit_compilations()``
unchanged, as on the numba backends. JAX's own compilations of single
operations run eagerly (``bp.ops.exp(x)`` outside a simulation) are not
counted, just like foreign ``numba.njit`` functions.

``jax`` is imported only when :func:`counted_jit` is first called.
"""

import functools
import threading

from .jit import register_compilation_counter

__all__ = ["counted_jit", "jax_traces"]

_lock = threading.Lock()
_traces = [0]


def counted_jit(function, **options):
    """``jax.jit(function, **options)``, counting every trace.

    Parameters
    ----------
    function : callable
        A function of arrays (pytrees) that JAX can trace.
    **options
        Passed to ``jax.jit`` (e.g. ``static_argnums``, ``donate_argnums``).

    Returns
    -------
    callable
        The jitted function.
    """
    import jax

    @functools.wraps(function)
    def traced(*args, **kwargs):
        with _lock:
            _traces[0] += 1
        return function(*args, **kwargs)

    return jax.jit(traced, **options)


def jax_traces():
    """Number of traces (= compilations) of :func:`counted_jit` functions in this process.

    Returns
    -------
    int
    """
    return _traces[0]


register_compilation_counter("jax", jax_traces)
