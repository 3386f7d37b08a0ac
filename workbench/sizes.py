"""Helpers for population sizes given as ints or geometries (tuples)."""

from functools import reduce
from operator import mul

from .errors import ModelError

__all__ = ["size2len", "normalize_size"]


def normalize_size(size):
    """Turn a size given as an int or a sequence of ints into a tuple.

    Parameters
    ----------
    size : int or tuple of int or list of int
        A population size or geometry, e.g. ``100`` or ``(40, 40)``.

    Returns
    -------
    tuple of int
        The geometry, e.g. ``(100,)`` or ``(40, 40)``.

    Raises
    ------
    ModelError
        If ``size`` is not a positive int or a non-empty sequence of them.
    """
    if isinstance(size, bool):
        raise ModelError(f"`size`={size!r} must be an int or a tuple of ints, not a bool.")
    if hasattr(size, "__index__"):
        dims = (int(size),)
    elif isinstance(size, (tuple, list)) and len(size) > 0:
        dims = []
        for d in size:
            if isinstance(d, bool) or not hasattr(d, "__index__"):
                raise ModelError(f"`size`={size!r} must contain ints only; {d!r} is not one.")
            dims.append(int(d))
        dims = tuple(dims)
    else:
        raise ModelError(f"`size`={size!r} must be an int or a non-empty tuple of ints.")
    if any(d < 0 for d in dims):
        raise ModelError(f"`size`={size!r} has a negative dimension.")
    return dims


def size2len(size):
    """Number of elements of a size given as an int or a geometry.

    Parameters
    ----------
    size : int or tuple of int
        For example ``100`` or ``(10, 10)``.

    Returns
    -------
    int
        The product of the dimensions.

    Examples
    --------
    >>> size2len((10, 20))
    200
    """
    return reduce(mul, normalize_size(size), 1)
