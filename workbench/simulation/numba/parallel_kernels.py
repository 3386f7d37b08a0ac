"""Run-time helpers of the parallel twins of steps (``'numba-parallel'``).

:mod:`~workbench.simulation.numba.generator.partition` proves from the code of a
step that its loops can be split by the index of the elements they write; what
the code cannot tell -- whether two names are views of the same memory, whether
the rows of an index array are sorted -- these kernels test on the values.
"""

import numpy as np
from numba import types
from numba.core.extending import register_jitable
from numba.extending import overload

__all__ = ["apart", "owned_span", "descents", "UNSORTED", "PARALLEL_KERNELS"]

#: ``descents`` value meaning "treat every row as unsorted" (the index array is written by a step).
UNSORTED = np.array([-1], dtype=np.int64)


def apart(a, b, same_ok):
    """Whether ``a`` and ``b`` share no memory (or, with ``same_ok``, are the very same array).

    Anything that is not an array shares no memory. Arrays that are not
    C-contiguous count as overlapping (their extent is not checked), so the step
    that asks runs serially.

    Parameters
    ----------
    a, b : object
    same_ok : bool
        Accept two views of exactly the same elements (same start, shape and dtype).

    Returns
    -------
    bool
    """
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return True
    if a.size == 0 or b.size == 0:
        return True
    if not (a.flags.c_contiguous and b.flags.c_contiguous):
        return False
    start_a, start_b = a.ctypes.data, b.ctypes.data
    if start_a + a.nbytes <= start_b or start_b + b.nbytes <= start_a:
        return True
    return bool(same_ok and start_a == start_b and a.shape == b.shape and a.dtype == b.dtype)


@overload(apart, jit_options={"nogil": True})
def _apart_overload(a, b, same_ok):
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)):
        return lambda a, b, same_ok: True
    comparable = a.dtype == b.dtype and a.ndim == b.ndim

    def impl(a, b, same_ok):
        if a.size == 0 or b.size == 0:
            return True
        if not (a.flags.c_contiguous and b.flags.c_contiguous):
            return False
        start_a, start_b = a.ctypes.data, b.ctypes.data
        if start_a + a.size * a.itemsize <= start_b or start_b + b.size * b.itemsize <= start_a:
            return True
        return comparable and same_ok and start_a == start_b and a.shape == b.shape
    return impl


def descents(ids):
    """Positions ``k`` where ``ids[k] < ids[k - 1]`` (int64, increasing).

    A slice ``ids[s:e]`` is sorted exactly when no descent lies in ``s + 1 .. e - 1``,
    which :func:`owned_span` tests with one binary search per slice.

    Parameters
    ----------
    ids : numpy.ndarray
        A 1-d index array.

    Returns
    -------
    numpy.ndarray
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        return UNSORTED
    return (np.flatnonzero(ids[1:] < ids[:-1]) + 1).astype(np.int64)


@register_jitable
def _first_not_below(ids, start, end, value):
    """The first ``k`` in ``[start, end)`` with ``ids[k] >= value`` (``ids[start:end]`` sorted)."""
    lo, hi = start, end
    while lo < hi:
        mid = (lo + hi) >> 1
        if ids[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@register_jitable
def owned_span(ids, desc, start, end, lo, hi):
    """The part of ``range(start, end)`` whose targets ``ids[k]`` may lie in ``[lo, hi)``.

    For a sorted slice that is exactly the positions of the targets in ``[lo,
    hi)`` (two binary searches); an unsorted slice (or every slice, when ``desc``
    is :data:`UNSORTED`) is returned whole, and the caller skips the targets it
    does not own.
    """
    if end <= start:
        return start, start
    if desc.shape[0] > 0 and desc[0] < 0:
        return start, end
    # the first descent after start: the slice is sorted unless it lies before end
    a, b = 0, desc.shape[0]
    while a < b:
        mid = (a + b) >> 1
        if desc[mid] <= start:
            a = mid + 1
        else:
            b = mid
    if a < desc.shape[0] and desc[a] < end:
        return start, end
    first = _first_not_below(ids, start, end, lo)
    return first, _first_not_below(ids, first, end, hi)


#: Names under which generated parallel code calls these kernels.
PARALLEL_KERNELS = {"_apart": apart, "_owned_span": owned_span}
