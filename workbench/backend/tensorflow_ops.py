"""The unified operations on TensorFlow (``bp.backend.set('tensorflow')``, CPU).

The operations are those of ``tensorflow.experimental.numpy``, which follows
numpy's signatures and gives float64 by default (``bp.ops.zeros(3)`` and
``bp.ops.as_tensor([0.5])`` are float64 tensors), so results agree with the
numpy backend to rounding.

TensorFlow tensors are immutable; :func:`index_update` gives the functional
replacement of ``array[index] = value`` that rewritten step methods call.
``tensorflow`` is imported when the backend is first activated, never by
importing workbench.
"""

import os

import numpy as np

from .tensors import (AUGMENTED_OPERATORS, draw_shape, dtype_operations, is_boolean_mask,
                      is_tensor, is_whole_index, namespace_operations, to_numpy)

__all__ = ["operations", "from_numpy", "index_update"]

tf = None      # the modules, imported by _load()
tnp = None


def _load():
    global tf, tnp
    if tf is None:
        # TensorFlow prints informational C++ log lines on import; keep warnings and errors
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        import tensorflow as module
        import tensorflow.experimental.numpy as numpy_module
        tf, tnp = module, numpy_module
    return tf


def normal(loc=0.0, scale=1.0, size=None):
    """Normal draws like ``numpy.random.normal`` (float64)."""
    return loc + scale * tf.random.normal(draw_shape(size, loc, scale), dtype=tf.float64)


def uniform(low=0.0, high=1.0, size=None):
    """Uniform draws in [low, high) like ``numpy.random.uniform``."""
    shape = draw_shape(size, low, high)
    return low + (high - low) * tf.random.uniform(shape, dtype=tf.float64)


def random(size=None):
    """Uniform draws in [0, 1) like ``numpy.random.random``."""
    return tf.random.uniform(draw_shape(size), dtype=tf.float64)


def shape(x):
    """The shape as a tuple of ints."""
    return tuple(x.shape) if is_tensor(x) else np.shape(x)


def _numpy_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(to_numpy(part) if is_tensor(part) else part for part in parts)
    return converted if isinstance(index, tuple) else converted[0]


def index_update(array, index, value, op=None):
    """``array`` with ``array[index] = value`` (or ``array[index] op= value``) applied.

    Parameters
    ----------
    array : tf.Tensor or array_like
    index : object
        Any numpy index (tensors in it are read as numpy arrays). A boolean
        mask of the array's shape with a value broadcastable to the whole array
        becomes ``tf.where``; other indices scatter into the selected positions.
    value : number or array
    op : str, optional
        An augmented operator symbol, e.g. ``'+'`` for ``array[index] += value``.

    Returns
    -------
    tf.Tensor
        Same shape and dtype as ``array``.
    """
    array = tf.convert_to_tensor(array)
    dims = tuple(array.shape)
    if is_whole_index(index):
        new = value if op is None else AUGMENTED_OPERATORS[op](array, value)
        return tf.broadcast_to(tf.cast(new, array.dtype), dims)
    if is_boolean_mask(index, dims) and (np.ndim(value) == 0 or tuple(np.shape(value)) == dims):
        new = value if op is None else AUGMENTED_OPERATORS[op](array, value)
        return tf.where(tf.convert_to_tensor(index), tf.cast(new, array.dtype), array)
    positions = np.arange(int(np.prod(dims, dtype=np.int64))).reshape(dims)[_numpy_index(index)]
    coordinates = np.stack(np.unravel_index(np.ravel(positions), dims), axis=-1)
    if op is not None:
        current = tf.reshape(tf.gather_nd(array, coordinates), np.shape(positions))
        value = AUGMENTED_OPERATORS[op](current, value)
    value = tf.broadcast_to(tf.cast(value, array.dtype), np.shape(positions))
    return tf.tensor_scatter_nd_update(array, coordinates, tf.reshape(value, [-1]))


def from_numpy(array):
    """A tensor with the values and dtype of a numpy array (a copy).

    Parameters
    ----------
    array : numpy.ndarray

    Returns
    -------
    tf.Tensor
    """
    return tf.convert_to_tensor(array)


def operations():
    """TensorFlow's unified operations (imports tensorflow).

    Returns
    -------
    dict
        Operation name to function or dtype, the same names as
        :func:`workbench.backend.ops.numpy_operations`.

    Raises
    ------
    ImportError
        If tensorflow is not installed.
    """
    _load()
    dtypes = dtype_operations(tf.bool, tf.int32, tf.int64, tf.float32, tf.float64)
    return namespace_operations(tnp, dtypes, as_tensor=tnp.asarray, shape=shape, normal=normal,
                                uniform=uniform, random=random)
