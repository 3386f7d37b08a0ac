"""Formatter functions (manual ch. 16.1): convert between synaptic structures.

They take the synapses as index arrays ``i`` (pre-synaptic neuron of every
synapse) and ``j`` (post-synaptic neuron) in any order; synapse ``s`` is the
``s``-th pair. Rows of the list structures keep the synapses' input order;
rows without synapses are ``array([], dtype=int32)``. All run in
O(synapses + neurons) with a stable counting sort.
"""

import numpy as np

from ..errors import ConnectorError
from .csr import check_ids, counting_sort, index_dtype, split_rows

__all__ = ["ij2mat", "mat2ij", "pre2post", "post2pre", "pre2syn", "post2syn",
           "pre_slice", "post_slice"]


def _ids(name, ids, num, num_name):
    """Validated integer index array and the population size (default: max + 1)."""
    ids = np.asarray(ids)
    if ids.dtype == object or (ids.size == 0 and not np.issubdtype(ids.dtype, np.integer)):
        ids = ids.astype(np.int64)
    if num is None:
        num = int(ids.max()) + 1 if ids.size else 0
    elif isinstance(num, bool) or not hasattr(num, "__index__") or num < 0:
        raise ConnectorError(f"`{num_name}`={num!r} must be a non-negative int.")
    check_ids(name, ids, int(num), num_name)
    return ids, int(num)


def _grouped(keys, num_keys, values=None):
    """Rows of ``values`` (default: synapse positions) grouped by ``keys``, input order kept."""
    offsets, order = counting_sort(keys, num_keys)
    return split_rows(order if values is None else values[order], offsets)


def _pair(i, j, num_pre=None, num_post=None):
    i, num_pre = _ids("i", i, num_pre, "num_pre")
    j, num_post = _ids("j", j, num_post, "num_post")
    if i.shape != j.shape:
        raise ConnectorError(f"`i` and `j` must have the same length; got {i.shape[0]} and {j.shape[0]}.")
    return i, j, num_pre, num_post


def ij2mat(i, j, num_pre=None, num_post=None):
    """Convert i-j connections to a connection matrix.

    Parameters
    ----------
    i, j : list or numpy.ndarray
        Pre- and post-synaptic neuron of every synapse.
    num_pre, num_post : int, optional
        Numbers of neurons (default: the largest index plus one).

    Returns
    -------
    numpy.ndarray
        ``float64`` matrix of shape (num_pre, num_post) with 1 where a synapse exists.

    Raises
    ------
    ConnectorError
        If the arrays differ in length or hold indices outside the populations.

    Examples
    --------
    >>> ij2mat([0, 1], [1, 0])
    array([[0., 1.],
           [1., 0.]])
    """
    i, j, num_pre, num_post = _pair(i, j, num_pre, num_post)
    mat = np.zeros((num_pre, num_post), dtype=np.float64)
    mat[i, j] = 1.0
    return mat


def mat2ij(conn_mat):
    """Get the i-j connections of a connection matrix (its non-zero entries, row by row).

    Parameters
    ----------
    conn_mat : numpy.ndarray
        Matrix of shape (num_pre, num_post).

    Returns
    -------
    tuple of numpy.ndarray
        ``(pre_ids, post_ids)``, sorted by pre-synaptic then post-synaptic neuron.

    Raises
    ------
    ConnectorError
        If ``conn_mat`` is not 2-D.

    Examples
    --------
    >>> mat2ij([[0, 1], [1, 1]])
    (array([0, 1, 1], dtype=int32), array([1, 0, 1], dtype=int32))
    """
    conn_mat = np.asarray(conn_mat)
    if conn_mat.ndim != 2:
        raise ConnectorError(f"`conn_mat` must be a 2-D (num_pre, num_post) matrix; got shape "
                             f"{conn_mat.shape}.")
    pre_ids, post_ids = np.nonzero(conn_mat)
    dtype = index_dtype(*conn_mat.shape, pre_ids.shape[0])
    return pre_ids.astype(dtype), post_ids.astype(dtype)


def pre2post(i, j, num_pre=None):
    """Get the post-synaptic neurons of every pre-synaptic neuron.

    Parameters
    ----------
    i, j : list or numpy.ndarray
        Pre- and post-synaptic neuron of every synapse.
    num_pre : int, optional
        Number of pre-synaptic neurons (default: ``max(i) + 1``).

    Returns
    -------
    list of numpy.ndarray
        ``pre2post[a]`` holds the ``j`` of the synapses with ``i == a``.

    Examples
    --------
    >>> pre2post([0, 0, 2], [1, 2, 0])
    [array([1, 2]), array([], dtype=int32), array([0])]
    """
    i, j, num_pre, _ = _pair(i, j, num_pre)
    return _grouped(i, num_pre, j)


def post2pre(i, j, num_post=None):
    """Get the pre-synaptic neurons of every post-synaptic neuron.

    Parameters
    ----------
    i, j : list or numpy.ndarray
        Pre- and post-synaptic neuron of every synapse.
    num_post : int, optional
        Number of post-synaptic neurons (default: ``max(j) + 1``).

    Returns
    -------
    list of numpy.ndarray
        ``post2pre[b]`` holds the ``i`` of the synapses with ``j == b``.
    """
    i, j, _, num_post = _pair(i, j, num_post=num_post)
    return _grouped(j, num_post, i)


def pre2syn(i, num_pre=None):
    """Get the synapses of every pre-synaptic neuron.

    Parameters
    ----------
    i : list or numpy.ndarray
        Pre-synaptic neuron of every synapse.
    num_pre : int, optional
        Number of pre-synaptic neurons (default: ``max(i) + 1``).

    Returns
    -------
    list of numpy.ndarray
        ``pre2syn[a]`` holds the positions ``s`` with ``i[s] == a``, ascending.
    """
    return _grouped(*_ids("i", i, num_pre, "num_pre"))


def post2syn(j, num_post=None):
    """Get the synapses of every post-synaptic neuron.

    Parameters
    ----------
    j : list or numpy.ndarray
        Post-synaptic neuron of every synapse.
    num_post : int, optional
        Number of post-synaptic neurons (default: ``max(j) + 1``).

    Returns
    -------
    list of numpy.ndarray
        ``post2syn[b]`` holds the positions ``s`` with ``j[s] == b``, ascending.
    """
    return _grouped(*_ids("j", j, num_post, "num_post"))


def _slices(offsets, dtype):
    return np.stack([offsets[:-1], offsets[1:]], axis=1).astype(dtype)


def pre_slice(i, j, num_pre=None):
    """Sort synapses by pre-synaptic neuron and get each neuron's slice of them.

    Parameters
    ----------
    i, j : list or numpy.ndarray
        Pre- and post-synaptic neuron of every synapse.
    num_pre : int, optional
        Number of pre-synaptic neurons (default: ``max(i) + 1``).

    Returns
    -------
    pre_ids, post_ids : numpy.ndarray
        ``i`` and ``j`` reordered by pre-synaptic neuron (stable).
    slices : numpy.ndarray
        Shape (num_pre, 2): ``start, end = slices[a]`` delimits the synapses
        of pre-synaptic neuron ``a`` in the reordered arrays.

    Examples
    --------
    >>> pre_ids, post_ids, slices = pre_slice([1, 0, 1], [0, 2, 1])
    >>> post_ids, slices.tolist()
    (array([2, 0, 1]), [[0, 1], [1, 3]])
    """
    i, j, num_pre, _ = _pair(i, j, num_pre)
    offsets, order = counting_sort(i, num_pre)
    return i[order], j[order], _slices(offsets, index_dtype(i.shape[0], num_pre))


def post_slice(i, j, num_post=None):
    """Sort synapses by post-synaptic neuron and get each neuron's slice of them.

    Parameters
    ----------
    i, j : list or numpy.ndarray
        Pre- and post-synaptic neuron of every synapse.
    num_post : int, optional
        Number of post-synaptic neurons (default: ``max(j) + 1``).

    Returns
    -------
    pre_ids, post_ids : numpy.ndarray
        ``i`` and ``j`` reordered by post-synaptic neuron (stable).
    slices : numpy.ndarray
        Shape (num_post, 2): ``start, end = slices[b]`` delimits the synapses
        onto post-synaptic neuron ``b`` in the reordered arrays.
    """
    i, j, _, num_post = _pair(i, j, num_post=num_post)
    offsets, order = counting_sort(j, num_post)
    return i[order], j[order], _slices(offsets, index_dtype(j.shape[0], num_post))
