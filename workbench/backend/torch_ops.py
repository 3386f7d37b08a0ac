"""The unified operations on PyTorch (``bp.backend.set('pytorch')``, CPU).

Every operation of :func:`workbench.backend.ops.numpy_operations` exists here
with numpy's signature, so a model written with ``bp.ops`` runs unchanged.
Arguments that numpy accepts but torch functions do not (Python numbers,
lists, numpy dtypes, ``axis=``) are converted.

Precision: while the backend is active, torch's default dtype is float64
(:func:`activate` sets it, :func:`deactivate` restores the previous one), so
``bp.ops.zeros``, ``bp.ops.as_tensor([0.5])`` and the user's own
``torch.tensor([0.5])`` give float64 tensors, printed without a dtype suffix,
and results agree with the numpy backend to rounding.

``torch`` is imported when the backend is first activated, never by importing
workbench.
"""

import numbers

import numpy as np

from .tensors import draw_shape, dtype_operations, normalize_shape

__all__ = ["operations", "from_numpy", "activate", "deactivate"]

torch = None            # the module, imported by _load()
_previous_default = []  # torch's default dtype before activate()


def _load():
    global torch
    if torch is None:
        import torch as module
        torch = module
    return torch


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def _dtype(dtype):
    """A torch dtype for a torch, numpy or Python type (None stays None)."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if dtype is bool:
        return torch.bool
    if dtype is int:
        return torch.int64
    if dtype is float:
        return torch.float64
    return getattr(torch, np.dtype(dtype).name)


def _paired(x, y):
    """Both arguments as tensors; a number takes the other's dtype."""
    if isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor):
        return x, torch.as_tensor(y, dtype=x.dtype if isinstance(y, numbers.Number) else None)
    if isinstance(y, torch.Tensor) and not isinstance(x, torch.Tensor):
        return torch.as_tensor(x, dtype=y.dtype if isinstance(x, numbers.Number) else None), y
    return _tensor(x), _tensor(y)


def _axes(x, axis):
    return tuple(range(x.dim())) if axis is None else axis


def _elementwise(function):
    def apply(x):
        return function(x if isinstance(x, torch.Tensor) else torch.as_tensor(x))
    apply.__name__ = function.__name__
    apply.__doc__ = f"``torch.{function.__name__}`` accepting numbers and arrays too."
    return apply


# -- solver operations --------------------------------------------------------------------------
def normal(loc=0.0, scale=1.0, size=None):
    """Normal draws like ``numpy.random.normal`` (a tensor, 0-d when ``size`` is None)."""
    return loc + scale * torch.randn(draw_shape(size, loc, scale))


def sum(x, axis=None, keepdims=False):    # noqa: A001 (numpy's name)
    """``numpy.sum`` on a tensor."""
    x = _tensor(x)
    return torch.sum(x) if axis is None and not keepdims else \
        torch.sum(x, dim=_axes(x, axis), keepdim=keepdims)


def shape(x):
    """The shape as a tuple of ints."""
    return tuple(x.shape) if isinstance(x, torch.Tensor) else np.shape(x)


# -- simulation operations ----------------------------------------------------------------------
def as_tensor(data, dtype=None):
    """``torch.as_tensor`` accepting numpy and Python dtypes."""
    return torch.as_tensor(data, dtype=_dtype(dtype))


def zeros(shape, dtype=None):
    """``numpy.zeros`` as a tensor (float64 by default)."""
    return torch.zeros(normalize_shape(shape), dtype=_dtype(dtype))


def ones(shape, dtype=None):
    """``numpy.ones`` as a tensor (float64 by default)."""
    return torch.ones(normalize_shape(shape), dtype=_dtype(dtype))


def zeros_like(x, dtype=None):
    """``numpy.zeros_like`` as a tensor."""
    return torch.zeros_like(_tensor(x), dtype=_dtype(dtype))


def ones_like(x, dtype=None):
    """``numpy.ones_like`` as a tensor."""
    return torch.ones_like(_tensor(x), dtype=_dtype(dtype))


def arange(start, stop=None, step=1, dtype=None):
    """``numpy.arange`` as a tensor."""
    if stop is None:
        return torch.arange(start, dtype=_dtype(dtype))
    return torch.arange(start, stop, step, dtype=_dtype(dtype))


def concatenate(arrays, axis=0):
    """``numpy.concatenate`` of tensors, arrays or lists."""
    return torch.cat([_tensor(a) for a in arrays], dim=axis)


def where(condition, x=None, y=None):
    """``numpy.where``: indices of true elements, or elements of ``x`` or ``y``."""
    condition = _tensor(condition)
    if condition.dtype != torch.bool:
        condition = condition != 0
    if x is None and y is None:
        return torch.where(condition)
    if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
        x, y = _paired(x, y)
    return torch.where(condition, x, y)


def reshape(x, newshape):
    """``numpy.reshape`` of a tensor."""
    return torch.reshape(_tensor(x), normalize_shape(newshape))


# -- extra math ---------------------------------------------------------------------------------
def power(x, y):
    """``numpy.power``."""
    if not isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor):
        x = torch.as_tensor(x)
    return torch.pow(x, y)


def maximum(x, y):
    """``numpy.maximum`` accepting numbers."""
    return torch.maximum(*_paired(x, y))


def minimum(x, y):
    """``numpy.minimum`` accepting numbers."""
    return torch.minimum(*_paired(x, y))


def clip(x, a_min, a_max):
    """``numpy.clip`` (``torch.clamp``), bounds as numbers or tensors."""
    x = _tensor(x)
    if isinstance(a_min, torch.Tensor) or isinstance(a_max, torch.Tensor):
        a_min = None if a_min is None else _paired(x, a_min)[1]
        a_max = None if a_max is None else _paired(x, a_max)[1]
    return torch.clamp(x, a_min, a_max)


def mean(x, axis=None, keepdims=False):
    """``numpy.mean`` (integers and booleans average as floats)."""
    x = _tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(torch.get_default_dtype())
    return torch.mean(x) if axis is None and not keepdims else \
        torch.mean(x, dim=_axes(x, axis), keepdim=keepdims)


def max(x, axis=None, keepdims=False):    # noqa: A001 (numpy's name)
    """``numpy.max`` (values only, unlike ``torch.max`` with a dim)."""
    x = _tensor(x)
    return torch.amax(x, dim=_axes(x, axis), keepdim=keepdims)


def min(x, axis=None, keepdims=False):    # noqa: A001 (numpy's name)
    """``numpy.min`` (values only)."""
    x = _tensor(x)
    return torch.amin(x, dim=_axes(x, axis), keepdim=keepdims)


def logical_and(x, y):
    """``numpy.logical_and`` accepting numbers."""
    return torch.logical_and(*_paired(x, y))


def logical_or(x, y):
    """``numpy.logical_or`` accepting numbers."""
    return torch.logical_or(*_paired(x, y))


def uniform(low=0.0, high=1.0, size=None):
    """Uniform draws in [low, high) like ``numpy.random.uniform``."""
    return low + (high - low) * torch.rand(draw_shape(size, low, high))


def random(size=None):
    """Uniform draws in [0, 1) like ``numpy.random.random``."""
    return torch.rand(draw_shape(size))


def from_numpy(array):
    """A tensor with the values and dtype of a numpy array (sharing its memory when writeable).

    Parameters
    ----------
    array : numpy.ndarray

    Returns
    -------
    torch.Tensor
    """
    if array.flags.writeable and array.flags.c_contiguous:
        return torch.from_numpy(array)
    return torch.as_tensor(np.array(array))


def operations():
    """PyTorch's unified operations (imports torch).

    Returns
    -------
    dict
        Operation name to function or torch dtype, the same names as
        :func:`workbench.backend.ops.numpy_operations`.

    Raises
    ------
    ImportError
        If torch is not installed.
    """
    _load()
    functions = {name: globals()[name] for name in (
        "normal", "sum", "shape", "as_tensor", "zeros", "ones", "zeros_like", "ones_like",
        "arange", "concatenate", "where", "reshape", "power", "maximum", "minimum", "clip",
        "mean", "max", "min", "logical_and", "logical_or", "uniform", "random")}
    for name in ("exp", "expm1", "abs", "sqrt", "log", "sin", "cos", "tanh", "logical_not"):
        functions[name] = _elementwise(getattr(torch, name))
    functions.update(dtype_operations(torch.bool, torch.int32, torch.int64, torch.float32,
                                      torch.float64))
    return functions


def activate():
    """Make float64 torch's default dtype while the backend is active."""
    _load()
    _previous_default.append(torch.get_default_dtype())
    torch.set_default_dtype(torch.float64)


def deactivate():
    """Restore torch's default dtype from before :func:`activate`."""
    if torch is not None and _previous_default:
        torch.set_default_dtype(_previous_default.pop())
