"""The sorted CSR arrays every connector is built on, and the kernels around them.

A connection between ``num_pre`` and ``num_post`` neurons is stored as a
pre-major compressed sparse row (CSR) structure: ``indices[indptr[i]:indptr[i+1]]``
are the post-synaptic neurons of pre-synaptic neuron ``i``, sorted ascending.
Synapse ``s`` is the ``s``-th entry of ``indices``. Everything else
(``pre_ids``, ``post2syn``, the post-major view, ...) is derived from these
arrays in O(synapses) time and memory with the counting-sort kernel below.
"""

from typing import NamedTuple, Optional

import numpy as np

from ..backend.jit import jit
from ..errors import ConnectorError

__all__ = ["CSR", "index_dtype", "counting_sort", "csr_from_pairs", "offsets_from_counts",
           "split_rows", "check_ids", "transpose", "EMPTY_ROW"]

#: What a row without synapses is in the list structures (``pre2post``,
#: ``post2syn``, ...). The manual prints ``array([], dtype=int32)`` for such
#: rows whatever the dtype of the other rows, so this is an int32 array.
EMPTY_ROW = np.empty(0, dtype=np.int32)
EMPTY_ROW.flags.writeable = False

_INT32_MAX = np.iinfo(np.int32).max


class CSR(NamedTuple):
    """Pre-major sorted CSR arrays of a connection.

    Attributes
    ----------
    indptr : numpy.ndarray
        ``int64`` array of length ``num_pre + 1``; the synapses of pre-synaptic
        neuron ``i`` are ``indptr[i]:indptr[i + 1]``.
    indices : numpy.ndarray
        Post-synaptic neuron of every synapse, ascending within each row.
    shape : tuple of int
        ``(num_pre, num_post)``.
    weights : numpy.ndarray or None
        One value per synapse for weighted connectors, else None.
    """

    indptr: np.ndarray
    indices: np.ndarray
    shape: tuple
    weights: Optional[np.ndarray] = None

    @property
    def num_syn(self):
        """Number of synapses."""
        return int(self.indptr[-1])


def index_dtype(*counts):
    """Smallest signed integer dtype (int32 or int64) that can hold indices below ``counts``.

    Parameters
    ----------
    *counts : int
        Population sizes and synapse counts the indices must address.

    Returns
    -------
    numpy.dtype
        ``int32`` when every count fits, else ``int64``.
    """
    return np.dtype(np.int32 if max(counts, default=0) <= _INT32_MAX else np.int64)


@jit
def _key_offsets(keys, num_keys):
    """Offsets of every key's run once ``keys`` (in ``[0, num_keys)``) are sorted."""
    offsets = np.zeros(num_keys + 1, np.int64)
    for s in range(keys.shape[0]):
        offsets[keys[s] + 1] += 1
    for k in range(num_keys):
        offsets[k + 1] += offsets[k]
    return offsets


@jit
def _counting_sort_kernel(keys, num_keys, order):
    """Stable counting sort of ``keys`` in ``[0, num_keys)``.

    Fills ``order`` so that ``keys[order]`` is sorted (ties keep their input
    order) and returns the ``num_keys + 1`` offsets of every key's run.
    """
    offsets = _key_offsets(keys, num_keys)
    fill = offsets[:-1].copy()
    for s in range(keys.shape[0]):
        k = keys[s]
        order[fill[k]] = s
        fill[k] += 1
    return offsets


@jit
def _transpose_kernel(indptr, indices, num_cols, order, rows):
    """Counting sort of CSR synapses by column: fills ``order`` (the synapse at
    every column-major position) and ``rows`` (its row); returns column offsets."""
    offsets = _key_offsets(indices, num_cols)
    fill = offsets[:-1].copy()
    for r in range(indptr.shape[0] - 1):
        for s in range(indptr[r], indptr[r + 1]):
            position = fill[indices[s]]
            order[position] = s
            rows[position] = r
            fill[indices[s]] += 1
    return offsets


def transpose(csr):
    """The column-major (post-major) view of CSR arrays.

    Parameters
    ----------
    csr : CSR
        Pre-major arrays.

    Returns
    -------
    offsets : numpy.ndarray
        ``int64`` offsets of length ``num_post + 1``: the synapses onto
        post-synaptic neuron ``j`` are positions ``offsets[j]:offsets[j + 1]``.
    order : numpy.ndarray
        Pre-major synapse index at every post-major position (rows ascending
        within each column).
    rows : numpy.ndarray
        Pre-synaptic neuron at every post-major position.
    """
    # scipy's tocsc() would need the synapse ids as data, returns int64 indices
    # and took 3x longer at 32 M synapses; this kernel does it in one pass.
    order = np.empty(csr.num_syn, dtype=csr.indices.dtype)
    rows = np.empty(csr.num_syn, dtype=csr.indices.dtype)
    offsets = _transpose_kernel(csr.indptr, csr.indices, csr.shape[1], order, rows)
    return offsets, order, rows


def counting_sort(keys, num_keys, dtype=None):
    """Stable O(n + num_keys) sort of small non-negative integer keys.

    Parameters
    ----------
    keys : numpy.ndarray
        Integer keys in ``[0, num_keys)``.
    num_keys : int
        Number of distinct possible keys.
    dtype : numpy.dtype, optional
        Dtype of the returned permutation (default: :func:`index_dtype` of the
        number of keys).

    Returns
    -------
    offsets : numpy.ndarray
        ``int64`` array of length ``num_keys + 1``: the sorted positions of key
        ``k`` are ``offsets[k]:offsets[k + 1]``.
    order : numpy.ndarray
        The stable permutation: ``keys[order]`` is sorted.
    """
    keys = np.ascontiguousarray(keys)
    if dtype is None:
        dtype = index_dtype(keys.shape[0])
    order = np.empty(keys.shape[0], dtype=dtype)
    offsets = _counting_sort_kernel(keys, int(num_keys), order)
    return offsets, order


def check_ids(name, ids, bound, bound_name):
    """Validate an array of neuron indices against its population size.

    Parameters
    ----------
    name : str
        Argument name for the message (``'pre_ids'``, ``'i'``, ...).
    ids : numpy.ndarray
        The indices.
    bound : int
        Number of neurons; indices must be in ``[0, bound)``.
    bound_name : str
        Name of the size argument for the message.

    Raises
    ------
    ConnectorError
        If ``ids`` is not a 1-D integer array within range.
    """
    if ids.ndim != 1:
        raise ConnectorError(f"`{name}` must be a 1-D array of neuron indices; got shape {ids.shape}.")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ConnectorError(f"`{name}` must hold integer neuron indices; got dtype {ids.dtype}.")
    if ids.size:
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= bound:
            bad = low if low < 0 else high
            raise ConnectorError(f"`{name}` contains index {bad}, outside the {bound} neurons "
                                 f"of `{bound_name}`={bound}; indices must be in [0, {bound}).")


def csr_from_pairs(pre_ids, post_ids, num_pre, num_post, weights=None, dtype=None):
    """Sort synapses given as (pre, post) pairs into pre-major CSR arrays.

    Synapses are ordered by pre-synaptic neuron, then by post-synaptic neuron;
    repeated pairs (multapses) are kept as separate synapses in their input
    order. Runs two stable counting sorts (a radix sort), O(synapses).

    Parameters
    ----------
    pre_ids, post_ids : array_like of int
        Pre- and post-synaptic neuron of every synapse (equal lengths).
    num_pre, num_post : int
        Population sizes.
    weights : array_like of float, optional
        One value per synapse, permuted along.
    dtype : numpy.dtype, optional
        Dtype of the returned ``indices`` (default: :func:`index_dtype`).

    Returns
    -------
    CSR
        The sorted arrays.

    Raises
    ------
    ConnectorError
        If the arrays differ in length or hold indices outside the populations.
    """
    pre_ids = np.asarray(pre_ids)
    post_ids = np.asarray(post_ids)
    check_ids("pre_ids", pre_ids, num_pre, "num_pre")
    check_ids("post_ids", post_ids, num_post, "num_post")
    if pre_ids.shape != post_ids.shape:
        raise ConnectorError(f"`pre_ids` and `post_ids` must have the same length; got "
                             f"{pre_ids.shape[0]} and {post_ids.shape[0]}.")
    num_syn = pre_ids.shape[0]
    dtype = np.dtype(index_dtype(num_pre, num_post, num_syn) if dtype is None else dtype)
    pre = pre_ids.astype(np.int64, copy=False)
    post = post_ids.astype(np.int64, copy=False)
    _, by_post = counting_sort(post, num_post)
    indptr, by_pre = counting_sort(pre[by_post], num_pre)
    order = by_post[by_pre]
    indices = post_ids[order].astype(dtype, copy=False)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (num_syn,):
            raise ConnectorError(f"`weights` must have one value per synapse ({num_syn}); "
                                 f"got shape {weights.shape}.")
        weights = weights[order]
    return CSR(indptr, indices, (int(num_pre), int(num_post)), weights)


def offsets_from_counts(counts):
    """Row offsets (an ``indptr``) from the number of entries of every row.

    Parameters
    ----------
    counts : numpy.ndarray
        Non-negative entries per row.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``len(counts) + 1`` starting at 0.
    """
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


def split_rows(values, offsets):
    """Cut ``values`` into one array per row (views, no copies).

    Parameters
    ----------
    values : numpy.ndarray
        The concatenated rows.
    offsets : numpy.ndarray
        ``len(rows) + 1`` offsets; row ``r`` is ``values[offsets[r]:offsets[r + 1]]``.

    Returns
    -------
    list of numpy.ndarray
        One array per row; rows without entries are :data:`EMPTY_ROW`.
    """
    bounds = offsets.tolist()
    return [values[start:end] if end > start else EMPTY_ROW
            for start, end in zip(bounds[:-1], bounds[1:])]
