"""The unified operations on JAX (``bp.backend.set('jax')``, CPU).

``jax.numpy`` already follows numpy's signatures, so most operations are its
functions. Two things need care:

* **Precision.** Activating the backend turns on ``jax_enable_x64`` (a
  process-wide JAX setting that stays on), so ``bp.ops.zeros`` and friends
  give float64 arrays and results agree with the numpy backend to rounding.
* **Random numbers.** JAX has no hidden random state. The draws
  (``bp.ops.normal``, ``uniform``, ``random``) split a key kept here; the first
  key is drawn from numpy's global generator (so ``np.random.seed`` before the
  first draw makes runs repeatable), :func:`seed` sets it explicitly. Inside a
  compiled simulation step the key is part of the state passed through the
  step (see :func:`get_random_key` / :func:`set_random_key`), so every time step
  draws new numbers.

JAX arrays are immutable; :func:`index_update` gives the functional
replacement of ``array[index] = value`` that rewritten step methods call.
``jax`` is imported when the backend is first activated, never by importing
workbench.
"""

import numpy as np

from .tensors import (AUGMENTED_OPERATORS, draw_shape, dtype_operations, is_boolean_mask,
                      is_whole_index, namespace_operations)

__all__ = ["operations", "from_numpy", "activate", "index_update", "seed", "get_random_key",
           "set_random_key"]

jax = None     # the modules, imported by _load()
jnp = None
_rng = {"key": None}


def _load():
    global jax, jnp
    if jax is None:
        import jax as module
        import jax.numpy as numpy_module
        jax, jnp = module, numpy_module
    return jax


# -- random numbers -----------------------------------------------------------------------------
def seed(value):
    """Set the key of the next random draws.

    Parameters
    ----------
    value : int
        The seed of ``jax.random.PRNGKey``.
    """
    _load()
    _rng["key"] = jax.random.PRNGKey(int(value))


def get_random_key():
    """The current random key (created from numpy's global generator if there is none).

    Returns
    -------
    jax.Array
    """
    _load()
    if _rng["key"] is None:
        _rng["key"] = jax.random.PRNGKey(int(np.random.randint(0, 2 ** 31 - 1)))
    return _rng["key"]


def set_random_key(key):
    """Replace the random key (the simulation passes a traced key through a compiled step).

    Parameters
    ----------
    key : jax.Array
    """
    _rng["key"] = key


def _next_key():
    key, sub = jax.random.split(get_random_key())
    _rng["key"] = key
    return sub


def normal(loc=0.0, scale=1.0, size=None):
    """Normal draws like ``numpy.random.normal`` (float64)."""
    shape = draw_shape(size, loc, scale)
    return loc + scale * jax.random.normal(_next_key(), shape, dtype=jnp.float64)


def uniform(low=0.0, high=1.0, size=None):
    """Uniform draws in [low, high) like ``numpy.random.uniform``."""
    shape = draw_shape(size, low, high)
    return low + (high - low) * jax.random.uniform(_next_key(), shape, dtype=jnp.float64)


def random(size=None):
    """Uniform draws in [0, 1) like ``numpy.random.random``."""
    return jax.random.uniform(_next_key(), draw_shape(size), dtype=jnp.float64)


# -- functional writes --------------------------------------------------------------------------
def index_update(array, index, value, op=None):
    """``array`` with ``array[index] = value`` (or ``array[index] op= value``) applied.

    Parameters
    ----------
    array : jax.Array or array_like
    index : object
        Any numpy index; a boolean mask of the array's shape with a value
        broadcastable to the whole array becomes ``jnp.where`` (which also
        works inside compiled steps, where masked indexing does not).
    value : number or array
    op : str, optional
        An augmented operator symbol, e.g. ``'+'`` for ``array[index] += value``.

    Returns
    -------
    jax.Array
        Same shape and dtype as ``array`` (values are cast as numpy casts
        them on assignment).
    """
    array = jnp.asarray(array)
    if is_whole_index(index):
        new = value if op is None else AUGMENTED_OPERATORS[op](array, value)
        return jnp.broadcast_to(jnp.asarray(new).astype(array.dtype), array.shape)
    if is_boolean_mask(index, array.shape) and np.ndim(value) in (0, array.ndim) \
            and (np.ndim(value) == 0 or tuple(np.shape(value)) == array.shape):
        new = value if op is None else AUGMENTED_OPERATORS[op](array, value)
        return jnp.where(index, jnp.asarray(new).astype(array.dtype), array)
    if op is not None:
        value = AUGMENTED_OPERATORS[op](array[index], value)
    return array.at[index].set(jnp.asarray(value).astype(array.dtype))


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def from_numpy(array):
    """A JAX array with the values and dtype of a numpy array (a copy).

    Parameters
    ----------
    array : numpy.ndarray

    Returns
    -------
    jax.Array
    """
    return jnp.asarray(array)


def operations():
    """JAX's unified operations (imports jax).

    Returns
    -------
    dict
        Operation name to function or dtype, the same names as
        :func:`workbench.backend.ops.numpy_operations`.

    Raises
    ------
    ImportError
        If jax is not installed.
    """
    _load()
    dtypes = dtype_operations(jnp.bool_, jnp.int32, jnp.int64, jnp.float32, jnp.float64)
    return namespace_operations(jnp, dtypes, as_tensor=jnp.asarray, shape=_shape, normal=normal,
                                uniform=uniform, random=random)


def activate():
    """Turn on float64 in JAX (``jax_enable_x64``; it stays on afterwards)."""
    _load()
    jax.config.update("jax_enable_x64", True)
