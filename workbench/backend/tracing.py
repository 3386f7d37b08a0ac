"""``jax.jit`` and ``tf.function`` for workbench functions, counted by ``bp.jit_compilations()``.

JAX and TensorFlow compile a function once per new combination of argument
shapes, dtypes and static (Python) arguments, and they run the Python function
exactly once for each such compilation (the *trace*). The wrappers here count
those traces: a repeat run that reuses a compiled step leaves
``bp.jit_compilations()`` unchanged, as on the numba backends
(``bp.jit_stats()`` reports them under ``'jax'`` and ``'tensorflow'``). The
backends' own compilations of single operations run eagerly
(``bp.ops.exp(x)`` outside a simulation) are not counted, just like foreign
``numba.njit`` functions.

The packages are imported only when a wrapper is first called.
"""

import functools
import threading

from .jit import register_compilation_counter

__all__ = ["counted_jit", "counted_tf_function", "trace_count"]

_lock = threading.Lock()
_traces = {"jax": 0, "tensorflow": 0}


def _counting(function, compiler):
    @functools.wraps(function)
    def traced(*args, **kwargs):
        with _lock:
            _traces[compiler] += 1
        return function(*args, **kwargs)
    return traced


def counted_jit(function, **options):
    """``jax.jit(function, **options)``, counting every trace.

    Parameters
    ----------
    function : callable
        A function of arrays (pytrees) that JAX can trace.
    **options
        Passed to ``jax.jit`` (e.g. ``static_argnums``).

    Returns
    -------
    callable
        The jitted function.
    """
    import jax
    return jax.jit(_counting(function, "jax"), **options)


def counted_tf_function(function, **options):
    """``tf.function(function, **options)``, counting every trace.

    Parameters
    ----------
    function : callable
        A function of tensors (nested structures) that TensorFlow can trace.
    **options
        Passed to ``tf.function`` (e.g. ``autograph=False``).

    Returns
    -------
    callable
        The TensorFlow function.
    """
    import tensorflow as tf
    return tf.function(_counting(function, "tensorflow"), **options)


def trace_count(compiler):
    """Number of traces (= compilations) of the counted functions of one compiler.

    Parameters
    ----------
    compiler : str
        ``'jax'`` or ``'tensorflow'``.

    Returns
    -------
    int
    """
    return _traces[compiler]


register_compilation_counter("jax", functools.partial(trace_count, "jax"))
register_compilation_counter("tensorflow", functools.partial(trace_count, "tensorflow"))
