"""Recognise and convert the arrays of the tensor backends (PyTorch, TensorFlow, JAX).

The engine keeps monitors, input values and failure checks in numpy. These
helpers let it look at a model's state whatever backend made it, without
importing a backend package: a value can only be a torch tensor if ``torch`` is
already imported, so the checks only consult :data:`sys.modules`.
"""

import numbers
import operator
import sys

import numpy as np

__all__ = ["TENSOR_BACKENDS", "IMMUTABLE_BACKENDS", "NUMPY_NAMED_OPERATIONS", "AUGMENTED_OPERATORS",
           "tensor_backend_of", "is_tensor", "to_numpy", "numpy_dtype", "copy_tensor", "nbytes",
           "restore_tensor", "dtype_operations", "namespace_operations", "normalize_shape",
           "draw_shape", "is_whole_index", "is_boolean_mask"]

#: Backends whose state lives in tensors of another package (run by the tensor executors).
TENSOR_BACKENDS = ("pytorch", "tensorflow", "jax")

#: Backends whose arrays cannot be written in place: step methods are rewritten so that
#: ``self.x[...] = value`` rebinds ``self.x`` to an updated copy.
IMMUTABLE_BACKENDS = ("tensorflow", "jax")

#: Operations that a numpy-like namespace (``jax.numpy``, ``tensorflow.experimental.numpy``)
#: provides under numpy's name and signature.
NUMPY_NAMED_OPERATIONS = ("sum", "exp", "expm1", "zeros", "ones", "arange", "concatenate",
                          "where", "reshape", "abs", "sqrt", "log", "sin", "cos", "tanh",
                          "power", "maximum", "minimum", "clip", "mean", "max", "min",
                          "logical_and", "logical_or", "logical_not", "zeros_like", "ones_like")

#: Python's augmented assignment operators (``x[i] += v``) by their symbol.
AUGMENTED_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
                       "/": operator.truediv, "//": operator.floordiv, "%": operator.mod,
                       "**": operator.pow, "&": operator.and_, "|": operator.or_,
                       "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
                       "@": operator.matmul}


def tensor_backend_of(value):
    """The tensor backend that made ``value``, or None for numpy arrays, numbers and others.

    Parameters
    ----------
    value : object

    Returns
    -------
    str or None
        ``'pytorch'``, ``'tensorflow'`` or ``'jax'``.
    """
    if isinstance(value, (np.ndarray, numbers.Number)) or value is None:
        return None
    module = type(value).__module__
    if module.startswith("torch"):
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor):
            return "pytorch"
    elif module.startswith(("jax", "jaxlib")):
        jax = sys.modules.get("jax")
        if jax is not None and isinstance(value, jax.Array):
            return "jax"
    elif module.startswith(("tensorflow", "tf_keras", "keras")):
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(value, (tf.Tensor, tf.Variable)):
            return "tensorflow"
    return None


def is_tensor(value):
    """Whether ``value`` is a PyTorch, TensorFlow or JAX array.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    return tensor_backend_of(value) is not None


def to_numpy(value):
    """A numpy view (PyTorch, JAX on the CPU) or copy (TensorFlow) of a tensor.

    Parameters
    ----------
    value : tensor or array_like

    Returns
    -------
    numpy.ndarray
        Do not write into it: for PyTorch it shares memory with the tensor,
        for JAX it is read-only.
    """
    kind = tensor_backend_of(value)
    if kind == "pytorch":
        return value.detach().cpu().numpy()
    if kind == "tensorflow":
        return value.numpy()
    return np.asarray(value)


def numpy_dtype(value):
    """The numpy dtype of an array, tensor or number.

    Parameters
    ----------
    value : object

    Returns
    -------
    numpy.dtype
    """
    if isinstance(value, np.ndarray):
        return value.dtype
    kind = tensor_backend_of(value)
    if kind == "pytorch":
        return np.dtype(str(value.dtype).replace("torch.", ""))
    if kind == "tensorflow":
        return np.dtype(value.dtype.as_numpy_dtype)
    if kind == "jax":
        return np.dtype(value.dtype)
    return np.asarray(value).dtype


def copy_tensor(value):
    """An independent copy of a tensor's current values (for failure snapshots).

    Parameters
    ----------
    value : tensor

    Returns
    -------
    tensor
        PyTorch tensors are cloned; JAX arrays and TensorFlow tensors are
        immutable and returned as they are (a ``tf.Variable`` is copied into a
        tensor).
    """
    kind = tensor_backend_of(value)
    if kind == "pytorch":
        return value.detach().clone()
    if kind == "tensorflow" and not isinstance(value, sys.modules["tensorflow"].Tensor):
        return sys.modules["tensorflow"].identity(value)
    return value


def nbytes(value):
    """Memory size of a tensor's values in bytes (without copying them).

    Parameters
    ----------
    value : tensor or numpy.ndarray

    Returns
    -------
    int
    """
    return int(np.prod(tuple(value.shape), dtype=np.int64)) * numpy_dtype(value).itemsize


def restore_tensor(current, saved):
    """The value to put back for a snapshot taken with :func:`copy_tensor`.

    Parameters
    ----------
    current : object
        The attribute's present value.
    saved : tensor
        The snapshot.

    Returns
    -------
    tensor
        ``current`` itself, refilled in place, when it is a PyTorch tensor of
        the snapshot's shape and dtype (so other references see the restored
        values, as numpy arrays restored in place do); else a copy of ``saved``.
    """
    if tensor_backend_of(current) == "pytorch" and tensor_backend_of(saved) == "pytorch" \
            and current.shape == saved.shape and current.dtype == saved.dtype:
        with sys.modules["torch"].no_grad():
            current.copy_(saved)
        return current
    return copy_tensor(saved)


def dtype_operations(bool_, int32, int64, float32, float64):
    """The dtype entries of a backend's unified operations (``OPS_OF_DTYPE``).

    ``int`` and ``float`` are the 64-bit types on every tensor backend, so that
    traces agree with numpy's to rounding.

    Parameters
    ----------
    bool_, int32, int64, float32, float64 : dtype
        The backend's dtype objects.

    Returns
    -------
    dict
    """
    return {"bool": bool_, "int": int64, "int32": int32, "int64": int64,
            "float": float64, "float32": float32, "float64": float64}


def namespace_operations(namespace, dtypes, **functions):
    """Unified operations of a numpy-like namespace (``jax.numpy``, ``tensorflow.experimental.numpy``).

    Parameters
    ----------
    namespace : module
        Provides :data:`NUMPY_NAMED_OPERATIONS` under numpy's names and signatures.
    dtypes : dict
        From :func:`dtype_operations`.
    **functions : callable
        Operations the namespace lacks or names differently (``as_tensor``, ``normal``, ...).

    Returns
    -------
    dict
        Operation name to function or dtype.
    """
    operations = {name: getattr(namespace, name) for name in NUMPY_NAMED_OPERATIONS}
    operations.update(functions)
    operations.update(dtypes)
    return operations


def normalize_shape(shape):
    """A shape as a tuple of ints (numpy accepts an int or any sequence of ints).

    Parameters
    ----------
    shape : int or sequence of int

    Returns
    -------
    tuple of int
    """
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(n) for n in shape)


def draw_shape(size, *parameters):
    """The shape of a random draw, as numpy's ``normal(loc, scale, size)`` decides it.

    Parameters
    ----------
    size : None or int or sequence of int
        The requested shape; None means the broadcast shape of ``parameters``.
    *parameters : number or array or tensor
        Distribution parameters (``loc``, ``scale``, ...).

    Returns
    -------
    tuple of int
    """
    if size is not None:
        return normalize_shape(size)
    return np.broadcast_shapes(*(tuple(getattr(p, "shape", np.shape(p))) for p in parameters))


def is_whole_index(index):
    """Whether ``array[index]`` selects the whole array (``[:]``, ``[...]``, ``[:, :]``).

    Parameters
    ----------
    index : object

    Returns
    -------
    bool
    """
    parts = index if isinstance(index, tuple) else (index,)
    return all(part is Ellipsis or (isinstance(part, slice) and part == slice(None))
               for part in parts)


def is_boolean_mask(index, shape):
    """Whether ``index`` is a boolean array (numpy or tensor) of exactly ``shape``.

    Parameters
    ----------
    index : object
    shape : tuple of int

    Returns
    -------
    bool
    """
    if not (isinstance(index, np.ndarray) or is_tensor(index)):
        return False
    return numpy_dtype(index) == np.bool_ and tuple(index.shape) == tuple(shape)
