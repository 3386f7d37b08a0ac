"""Small helpers that generated step functions call, in Python and in numba.

Each helper is a plain Python function (used by the numpy backend) that is
also registered with :func:`numba.extending.overload`, so compiled step
functions call the same code. Where scalars and arrays need different code
(random draws), the overload picks the implementation by type.

On the tensor backends (PyTorch, TensorFlow, JAX) generated steps run as
Python with the backend's tensors: the helpers then draw and compute with
``bp.ops`` (so JAX draws from its key inside a compiled step instead of
freezing numpy draws into it).

The source of this module is part of the disk-cache key of every generated
step function (:data:`KERNELS_FINGERPRINT`): changing a helper invalidates the
cached machine code that inlined it.
"""

import hashlib
import inspect
import sys

import numpy as np
from numba import types
from numba.extending import overload

from ..backend import ops as _ops
from ..backend.tensors import is_tensor

__all__ = ["normal_like", "normal_vector", "error_ratio", "larger", "exprel", "wiener_sum",
           "KERNELS", "KERNELS_FINGERPRINT"]


def _same_code_in_numba(func):
    """Register ``func`` as its own numba implementation (for type-generic helpers)."""
    # numba wants a typing function with the implementation's exact argument names
    arguments = ", ".join(inspect.signature(func).parameters)
    typing_function = eval(f"lambda {arguments}: implementation", {"implementation": func})
    overload(func)(typing_function)
    return func


def normal_like(x, scale):
    """Independent normal draws N(0, scale**2), one per element of ``x``.

    Parameters
    ----------
    x : float or numpy.ndarray
        Gives the shape of the draw.
    scale : float
        Standard deviation (``sqrt(dt)`` for a Wiener increment).

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar ``x``, else an array of ``x``'s shape.
    """
    if is_tensor(x):
        return _ops.normal(0.0, scale, tuple(x.shape))
    if np.ndim(x) == 0:
        return np.random.normal(0.0, scale)
    return np.random.normal(0.0, scale, np.shape(x))


@overload(normal_like)
def _normal_like_numba(x, scale):
    if isinstance(x, types.Array):
        def draw_array(x, scale):
            return np.random.normal(0.0, scale, x.shape)
        return draw_array

    def draw_scalar(x, scale):
        return np.random.normal(0.0, scale)
    return draw_scalar


def normal_vector(g, scale):
    """Increments of the ``m`` Wiener processes a vector-noise coefficient ``g`` drives.

    Parameters
    ----------
    g : numpy.ndarray
        A diffusion coefficient whose last axis has length ``m``.
    scale : float
        Standard deviation (``sqrt(dt)``).

    Returns
    -------
    numpy.ndarray
        ``m`` independent N(0, scale**2) draws.
    """
    if is_tensor(g):
        return _ops.normal(0.0, scale, (int(g.shape[-1]),))
    return np.random.normal(0.0, scale, g.shape[-1])


@overload(normal_vector)
def _normal_vector_numba(g, scale):
    def draw(g, scale):
        return np.random.normal(0.0, scale, g.shape[-1])
    return draw


def wiener_sum(g, dW):
    """The noise term ``sum_j g[..., j] dW[j]`` of a vector-Wiener SDE.

    Parameters
    ----------
    g : numpy.ndarray
        Diffusion coefficient, last axis indexing the Wiener processes.
    dW : numpy.ndarray
        One increment per Wiener process.

    Returns
    -------
    float or numpy.ndarray
        ``g``'s shape without its last axis.
    """
    return np.sum(g * dW, axis=-1)


@overload(wiener_sum)
def _wiener_sum_numba(g, dW):
    # numba compiles np.sum(..., axis=-1) very slowly (seconds); explicit loops compile fast
    if isinstance(g, types.Array) and g.ndim == 1:
        def total_vector(g, dW):
            return np.sum(g * dW)
        return total_vector

    def total_array(g, dW):
        products = g * dW
        m = products.shape[-1]
        rows = products.reshape((-1, m))
        out = np.zeros(rows.shape[0])
        for i in range(rows.shape[0]):
            for j in range(m):
                out[i] += rows[i, j]
        return out.reshape(products.shape[:-1])
    return total_array




def error_ratio(error, old, new, tol):
    """Largest ratio of a local error estimate to its tolerance.

    The tolerance acts as both an absolute and a relative tolerance:
    component ``i`` is within bounds when
    ``|error_i| <= tol * (1 + max(|old_i|, |new_i|))``.

    Parameters
    ----------
    error, old, new : float or numpy.ndarray
        Error estimate, value before and after the step.
    tol : float
        The tolerance.

    Returns
    -------
    float
        ``<= 1`` when the step is acceptable. NaN when any input is NaN.
    """
    scale = tol * (1.0 + np.maximum(np.abs(old), np.abs(new)))
    return np.max(np.asarray(np.abs(error) / scale))


@overload(error_ratio)
def _error_ratio_numba(error, old, new, tol):
    if isinstance(error, types.Number):
        # scalars: no temporary array (an adaptive step calls this once per variable)
        def scalar_ratio(error, old, new, tol):
            return abs(error) / (tol * (1.0 + np.maximum(abs(old), abs(new))))
        return scalar_ratio
    return error_ratio


@_same_code_in_numba
def larger(a, b):
    """The larger of two floats, NaN if either is NaN (unlike ``max``).

    Parameters
    ----------
    a, b : float

    Returns
    -------
    float
    """
    if a != a or a > b:
        return a
    return b


def exprel(z):
    """The relative exponential ``(exp(z) - 1) / z``, equal to 1 at ``z = 0``.

    Exponential Euler advances ``x`` by ``dt * exprel(dt * A) * f`` where
    ``A`` is the linear coefficient of ``f`` in ``x``.

    Parameters
    ----------
    z : float or numpy.ndarray

    Returns
    -------
    float or numpy.ndarray
        Accurate for small ``|z|`` (uses ``expm1``), no division by zero.
    """
    if is_tensor(z):
        zero = _ops.where(z == 0.0, 1.0, 0.0)
        return _ops.expm1(z) / (z + zero) + zero
    zero = z == 0.0
    return np.expm1(z) / (z + zero) + zero


@overload(exprel)
def _exprel_numba(z):
    def relative(z):
        zero = z == 0.0
        return np.expm1(z) / (z + zero) + zero
    return relative


#: Helpers by the name generated code uses for them.
KERNELS = {"normal_like": normal_like, "normal_vector": normal_vector, "wiener_sum": wiener_sum,
           "error_ratio": error_ratio, "larger": larger, "exprel": exprel}

#: Hash of this module's source, part of every generated step's cache key.
KERNELS_FINGERPRINT = hashlib.sha1(inspect.getsource(sys.modules[__name__]).encode()).hexdigest()
