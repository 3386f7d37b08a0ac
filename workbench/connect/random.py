"""Random and distance-dependent connections (manual ch. 5.2 and 16.3).

``FixedProb``, ``FixedPreNum`` and ``FixedPostNum`` draw Erdos-Renyi style
connections in O(synapses) time and memory; ``GaussianProb``,
``GaussianWeight`` and ``DOG`` connect neurons on 1-D or 2-D grids by
distance, visiting only the neighbours within the distance where the
probability or weight can still reach its threshold.

Every random connector draws from ``numpy.random.default_rng(seed)`` (compiled
kernels are seeded from it), so the same seed gives the same graph. Without a
``seed`` the connector takes one from numpy's global generator when it is
built: ``np.random.seed(42)`` before building a network makes it reproducible,
as in BrainPy.
"""

import numbers

import numpy as np

from ..backend.jit import jit
from ..errors import ConnectorError
from .base import Connector
from .checks import (check_bool, check_positive, check_probability, check_seed, grid_shape,
                     kernel_seed, make_rng)
from .csr import CSR, csr_from_pairs, index_dtype, offsets_from_counts

__all__ = ["FixedProb", "FixedPreNum", "FixedPostNum", "GaussianProb", "GaussianWeight", "DOG"]

# Squared distance below which two grid positions count as the same position.
_SAME_POSITION2 = 1e-18

# Number of random gaps drawn at once by FixedProb: bounds the temporary memory
# (about 130 MB) whatever the size of the connection.
_GAP_CHUNK = 1 << 22

# FixedProb sizes its index array for the expected number of synapses plus this
# many standard deviations (and grows it in the rare case that is short).
_CAPACITY_SIGMAS = 6.0


# --------------------------------------------------------------------- kernels
@jit
def _sample_rows_kernel(indptr, num_cols, exclude_self, seed, indices):
    """Fill every row ``r`` with ``indptr[r+1] - indptr[r]`` distinct sorted columns.

    Columns are uniform without replacement from ``[0, num_cols)``, minus
    column ``r`` when ``exclude_self``. Floyd's algorithm marks the smaller
    of the chosen set and its complement; the row is then read off sorted,
    by scanning the marks for dense rows or sorting the picks for sparse ones.
    """
    np.random.seed(seed)
    mark = np.full(num_cols, -1, np.int64)
    for row in range(indptr.shape[0] - 1):
        start, k = indptr[row], indptr[row + 1] - indptr[row]
        skip = row if (exclude_self and row < num_cols) else -1
        n = num_cols - 1 if skip >= 0 else num_cols
        complement = 2 * k > n
        pick = n - k if complement else k
        scan = complement or n < 64 * k
        count = 0
        for j in range(n - pick, n):
            t = int(np.random.random() * (j + 1))   # uniform in [0, j]
            if mark[t] == row:
                t = j
            mark[t] = row
            if not scan:
                indices[start + count] = t
                count += 1
        if scan:
            for v in range(n):
                if (mark[v] == row) != complement:
                    indices[start + count] = v
                    count += 1
        else:
            indices[start:start + k].sort()
        if skip >= 0:
            for s in range(start, start + k):
                if indices[s] >= skip:
                    indices[s] += 1


@jit
def _axis_range(center, radius, step, length):
    """Grid positions ``0..length-1`` (spaced ``step``) within ``radius`` of ``center``."""
    if step == 0.0 or not np.isfinite(radius):
        return 0, length - 1
    low = int(np.ceil((center - radius) / step))
    high = int(np.floor((center + radius) / step))
    return max(low, 0), min(high, length - 1)


# Profiles of the distance kernel: what a pair's value is and which pairs are kept.
_PROBABILITY, _GAUSSIAN, _DIFFERENCE_OF_GAUSSIANS = 0, 1, 2


@jit
def _profile_value(kind, d2, params):
    """``w+ exp(-d2 / 2 s+^2)``, minus ``w- exp(-d2 / 2 s-^2)`` for DOG; params = (s+, s-, w+, w-)."""
    value = params[2] * np.exp(-d2 / (2.0 * params[0] * params[0]))
    if kind == _DIFFERENCE_OF_GAUSSIANS:
        value -= params[3] * np.exp(-d2 / (2.0 * params[1] * params[1]))
    return value


@jit
def _distance_kernel(pre_shape, pre_step, post_shape, post_step, radius, kind, params, threshold,
                     include_self, seed):
    """Connect grid pairs closer than ``radius`` whose profile value passes ``threshold``.

    A probability profile keeps a pair with probability equal to its value.
    Returns the pre-major ``indptr``, post indices (ascending per row) and the
    values of the kept pairs (empty for the probability profile).
    """
    np.random.seed(seed)
    num_pre, post_width = pre_shape[0] * pre_shape[1], post_shape[1]
    capacity = max(16, 4 * num_pre)
    indices = np.empty(capacity, np.int64)
    values = np.empty(capacity if kind != _PROBABILITY else 0, np.float64)
    indptr = np.zeros(num_pre + 1, np.int64)
    radius2, n = radius * radius, 0
    for i in range(num_pre):
        y, x = (i // pre_shape[1]) * pre_step[0], (i % pre_shape[1]) * pre_step[1]
        row_lo, row_hi = _axis_range(y, radius, post_step[0], post_shape[0])
        col_lo, col_hi = _axis_range(x, radius, post_step[1], post_width)
        for r in range(row_lo, row_hi + 1):
            for c in range(col_lo, col_hi + 1):
                d2 = (r * post_step[0] - y) ** 2 + (c * post_step[1] - x) ** 2
                if d2 > radius2 or (not include_self and d2 <= _SAME_POSITION2):
                    continue
                value = _profile_value(kind, d2, params)
                if kind == _PROBABILITY:
                    keep = value >= threshold and np.random.random() < value
                else:
                    keep = abs(value) >= threshold
                if not keep:
                    continue
                if n == capacity:
                    capacity *= 2
                    indices = _grown(indices, capacity)
                    if kind != _PROBABILITY:
                        values = _grown(values, capacity)
                indices[n] = r * post_width + c
                if kind != _PROBABILITY:
                    values[n] = value
                n += 1
        indptr[i + 1] = n
    return indptr, indices[:n].copy(), values[:n].copy()


@jit
def _grown(array, capacity):
    out = np.empty(capacity, array.dtype)
    out[:array.shape[0]] = array
    return out


# ------------------------------------------------------------ fixed numbers
def _sample_rows(rng, counts, num_cols, exclude_self, dtype):
    """CSR rows with ``counts[r]`` distinct sorted random columns each."""
    indptr = offsets_from_counts(np.asarray(counts, dtype=np.int64))
    indices = np.empty(int(indptr[-1]), dtype=dtype)
    _sample_rows_kernel(indptr, int(num_cols), bool(exclude_self), kernel_seed(rng), indices)
    return indptr, indices


def _bernoulli_matrix(rng, num_pre, num_post, prob, include_self):
    """Every (pre, post) pair independently with probability ``prob``, pre-major.

    The chosen positions of the flattened num_pre x num_post matrix are a
    Bernoulli process: the gaps between them are geometric, so drawing the
    gaps visits only the chosen pairs and yields them already sorted.

    Memory: the post indices go straight into one array sized for the expected
    count plus six standard deviations (grown in the rare case it is short) and
    the pre indices are only counted, so the peak is the result plus one chunk
    of gaps -- at 400,000 x 400,000 pairs and 32 M synapses a list of per-synapse
    pre indices, its concatenation and int64 indices would take 4x the result.
    The index dtype follows the synapses drawn (int32 up to 2**31 - 1), not the
    number of possible pairs.
    """
    total = num_pre * num_post
    counts = np.zeros(num_pre, dtype=np.int64)
    mean = total * prob
    capacity = max(16, int(mean + _CAPACITY_SIGMAS * np.sqrt(mean * (1.0 - prob)) + 16))
    indices = np.empty(capacity, dtype=index_dtype(num_pre, num_post, capacity))
    n = 0
    last = -1
    while prob > 0.0 and last < total - 1:
        expected = (total - 1 - last) * prob
        size = int(min(_GAP_CHUNK, expected + 6.0 * np.sqrt(expected) + 16))
        positions = np.cumsum(rng.geometric(prob, size))
        positions += last
        last = int(positions[-1])
        if last >= total:
            positions = positions[:np.searchsorted(positions, total)]
        pre = positions // num_post
        post = positions - pre * num_post
        del positions
        if not include_self:
            keep = pre != post
            pre, post = pre[keep], post[keep]
        if n + len(post) > len(indices):
            capacity = max(2 * len(indices), n + len(post))
            grown = np.empty(capacity, dtype=index_dtype(num_pre, num_post, capacity))
            grown[:n] = indices[:n]
            indices = grown
        indices[n:n + len(post)] = post
        n += len(post)
        if len(pre):
            # pre is sorted: count within its range only (O(chunk), not O(num_pre))
            counts[pre[0]:pre[-1] + 1] += np.bincount(pre - pre[0])
    dtype = index_dtype(num_pre, num_post, n)
    # a view: the unused tail (about six standard deviations) is not worth a copy
    indices = indices[:n] if indices.dtype == dtype else indices[:n].astype(dtype)
    return offsets_from_counts(counts), indices


class FixedProb(Connector):
    """Connect every (pre, post) pair independently with probability ``prob``.

    Parameters
    ----------
    prob : float
        Connection probability in [0, 1].
    include_self : bool, default True
        Whether the (i, i) pairs may be connected.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator; the same int seed gives the same graph.
        None draws a seed from numpy's global generator (``np.random.seed``).
    method : {'matrix', 'iter'}, default 'matrix'
        How the graph is drawn; both give exactly independent Bernoulli pairs
        in O(synapses) time and memory. ``'matrix'`` walks the flattened
        connection matrix with geometric gaps between synapses (vectorized
        numpy); ``'iter'`` draws a binomial number of synapses per
        pre-synaptic neuron and picks them without replacement in a compiled
        kernel. The two methods use the random stream differently, so the
        same seed gives different (equally distributed) graphs.

    Raises
    ------
    ConnectorError
        When ``prob`` is outside [0, 1] or ``method`` is unknown.

    Examples
    --------
    >>> import workbench as bp
    >>> conn = bp.connect.FixedProb(prob=0.5, include_self=False, seed=1234)(100, 100)
    >>> 4500 < len(conn.pre_ids) < 5400
    True
    """

    _repr_params = ("prob", "include_self", "seed", "method")
    METHODS = ("matrix", "iter")

    def __init__(self, prob, include_self=True, seed=None, method="matrix"):
        super().__init__()
        self.prob = check_probability("FixedProb", "prob", prob)
        self.include_self = check_bool("FixedProb", "include_self", include_self)
        self.seed = check_seed("FixedProb", seed)
        if method not in self.METHODS:
            raise ConnectorError(f"FixedProb: `method`={method!r} is not known; choose one of: "
                                 f"'matrix', 'iter'.")
        self.method = method

    def build_csr(self):
        """Draw the connection; see :meth:`Connector.build_csr`."""
        num_pre, num_post = self.num_pre, self.num_post
        rng = make_rng(self.seed)
        if self.method == "matrix":
            indptr, indices = _bernoulli_matrix(rng, num_pre, num_post, self.prob,
                                                self.include_self)
        else:
            candidates = np.full(num_pre, num_post, dtype=np.int64)
            if not self.include_self:
                candidates[:min(num_pre, num_post)] -= 1
            counts = rng.binomial(candidates, self.prob)
            # int32 unless the synapses drawn (not the possible pairs) need more
            dtype = index_dtype(num_pre, num_post, int(counts.sum()))
            indptr, indices = _sample_rows(rng, counts, num_post, not self.include_self, dtype)
        return CSR(indptr, indices, (num_pre, num_post))


class _FixedNum(Connector):
    """Shared part of FixedPreNum and FixedPostNum: a fixed count per neuron."""

    _repr_params = ("num", "include_self", "seed")

    def __init__(self, num, include_self=True, seed=None):
        super().__init__()
        owner = type(self).__name__
        if isinstance(num, bool) or not isinstance(num, numbers.Real):
            raise ConnectorError(f"{owner}: `num`={num!r} must be an int (a number of neurons) or a "
                                 f"float in [0, 1] (a fraction of the group).")
        if isinstance(num, numbers.Integral):
            if num < 0:
                raise ConnectorError(f"{owner}: `num`={num!r} must be a non-negative number of neurons.")
            num = int(num)
        else:
            num = check_probability(owner, "num", num)
        self.num = num
        self.include_self = check_bool(owner, "include_self", include_self)
        self.seed = check_seed(owner, seed)

    def _degree(self, num_rows, num_cols, row_side, col_side):
        """Validated number of connections of every row neuron."""
        count = self.num if isinstance(self.num, int) else int(np.floor(self.num * num_cols + 0.5))
        available = num_cols - 1 if (not self.include_self and min(num_rows, num_cols) > 0) else num_cols
        if count > available:
            why = " (include_self=False excludes neuron i itself)" if available < num_cols else ""
            raise ConnectorError(f"{type(self).__name__}: `num`={self.num!r} asks for {count} "
                                 f"{col_side} neurons per {row_side} neuron, but a {row_side} neuron "
                                 f"can choose from only {available}{why}.")
        return count


class FixedPostNum(_FixedNum):
    """Connect every pre-synaptic neuron to ``num`` distinct random post-synaptic neurons.

    Post-synaptic neurons may receive any number of connections (also none).

    Parameters
    ----------
    num : int or float
        The number of post-synaptic targets of each pre-synaptic neuron, or
        (a float in [0, 1]) that fraction of the post-synaptic group, rounded
        to the nearest int (halves up).
    include_self : bool, default True
        Whether pre-synaptic neuron i may connect to post-synaptic neuron i.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        When ``num`` is negative, a float outside [0, 1], or larger than the
        number of post-synaptic neurons available.
    """

    def build_csr(self):
        """Draw the connection; see :meth:`Connector.build_csr`."""
        num_pre, num_post = self.num_pre, self.num_post
        degree = self._degree(num_pre, num_post, "pre-synaptic", "post-synaptic")
        dtype = index_dtype(num_pre, num_post, num_pre * degree)
        indptr, indices = _sample_rows(make_rng(self.seed), np.full(num_pre, degree), num_post,
                                       not self.include_self, dtype)
        return CSR(indptr, indices, (num_pre, num_post))


class FixedPreNum(_FixedNum):
    """Connect every post-synaptic neuron from ``num`` distinct random pre-synaptic neurons.

    Pre-synaptic neurons may send any number of connections (also none).

    Parameters
    ----------
    num : int or float
        The number of pre-synaptic sources of each post-synaptic neuron, or
        (a float in [0, 1]) that fraction of the pre-synaptic group, rounded
        to the nearest int (halves up).
    include_self : bool, default True
        Whether post-synaptic neuron j may receive from pre-synaptic neuron j.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        When ``num`` is negative, a float outside [0, 1], or larger than the
        number of pre-synaptic neurons available.
    """

    def build_csr(self):
        """Draw the connection; see :meth:`Connector.build_csr`."""
        num_pre, num_post = self.num_pre, self.num_post
        degree = self._degree(num_post, num_pre, "post-synaptic", "pre-synaptic")
        dtype = index_dtype(num_pre, num_post, num_post * degree)
        col_ptr, pre_ids = _sample_rows(make_rng(self.seed), np.full(num_post, degree), num_pre,
                                        not self.include_self, dtype)
        post_ids = np.repeat(np.arange(num_post, dtype=dtype), np.diff(col_ptr))
        return csr_from_pairs(pre_ids, post_ids, num_pre, num_post, dtype=dtype)


# ------------------------------------------------------------- on a grid
class _DistanceConnector(Connector):
    """Shared part of the distance-dependent connectors.

    Neurons sit on 1-D (one row) or 2-D grids. With ``normalize=True`` the
    positions are scaled to [0, 1] along each axis (``row / (height - 1)``,
    ``col / (width - 1)``), so groups of different geometries overlay each
    other; with ``normalize=False`` they are grid coordinates.
    """

    def _connect(self, radius, kind, params, threshold, seed=0):
        """Run the distance kernel over the two geometries; returns the CSR."""
        owner = type(self).__name__
        if len(self.pre_size) != len(self.post_size):
            raise ConnectorError(f"{owner} needs pre- and post-synaptic geometries with the same number "
                                 f"of dimensions; got pre_size={self.pre_size} and "
                                 f"post_size={self.post_size}.")
        pre_shape = np.array(grid_shape(owner, "pre_size", self.pre_size), dtype=np.int64)
        post_shape = np.array(grid_shape(owner, "post_size", self.post_size), dtype=np.int64)
        # A slightly larger radius: the exact threshold is applied to every value.
        indptr, indices, values = _distance_kernel(
            pre_shape, self._steps(pre_shape), post_shape, self._steps(post_shape),
            float(radius) * (1 + 1e-9), kind, np.asarray(params, dtype=np.float64), float(threshold),
            self.include_self, seed)
        dtype = index_dtype(self.num_pre, self.num_post, indices.shape[0])
        return CSR(indptr, indices.astype(dtype), (self.num_pre, self.num_post),
                   None if kind == _PROBABILITY else values)

    def _steps(self, shape):
        if not self.normalize:
            return np.ones(2)
        return np.array([1.0 / (n - 1) if n > 1 else 0.0 for n in shape])


class GaussianProb(_DistanceConnector):
    """Connect pairs with probability ``exp(-d**2 / (2 sigma**2))`` of their distance ``d``.

    Parameters
    ----------
    sigma : float
        Width of the Gaussian, in normalized units (``normalize=True``) or
        grid units.
    p_min : float, default 0.0
        Pairs whose probability is below ``p_min`` are never connected
        (it also bounds the neighbourhood that is visited).
    normalize : bool, default True
        Whether positions are scaled to [0, 1] along each axis.
    include_self : bool, default True
        Whether neurons at the same position may connect.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        For a non-positive ``sigma``, ``p_min`` outside [0, 1], or geometries
        of different or more than two dimensions.
    """

    _repr_params = ("sigma", "p_min", "normalize", "include_self", "seed")

    def __init__(self, sigma, p_min=0.0, normalize=True, include_self=True, seed=None):
        super().__init__()
        self.sigma = check_positive("GaussianProb", "sigma", sigma)
        self.p_min = check_probability("GaussianProb", "p_min", p_min)
        self.normalize = check_bool("GaussianProb", "normalize", normalize)
        self.include_self = check_bool("GaussianProb", "include_self", include_self)
        self.seed = check_seed("GaussianProb", seed)

    def build_csr(self):
        """Draw the connection; see :meth:`Connector.build_csr`."""
        radius = np.inf if self.p_min == 0 else self.sigma * np.sqrt(-2.0 * np.log(self.p_min))
        return self._connect(radius, _PROBABILITY, (self.sigma, self.sigma, 1.0, 0.0), self.p_min,
                             seed=kernel_seed(make_rng(self.seed)))


class GaussianWeight(_DistanceConnector):
    """Connect pairs with weight ``w_max * exp(-d**2 / (2 sigma**2))`` where it is at least ``w_min``.

    The weights are in :attr:`weights` (in the current synapse order).

    Parameters
    ----------
    sigma : float
        Width of the Gaussian.
    w_max : float
        Weight at distance 0 (> 0).
    w_min : float, optional
        Synapses whose weight would be below ``w_min`` are not created
        (default ``0.01 * w_max``).
    normalize : bool, default True
        Whether positions are scaled to [0, 1] along each axis.
    include_self : bool, default True
        Whether neurons at the same position connect.
    seed : optional
        Accepted for compatibility with BrainPy's signature; the pattern is
        deterministic and does not use it.

    Raises
    ------
    ConnectorError
        For a non-positive ``sigma`` or ``w_max``, ``w_min`` outside
        [0, w_max], or unsuitable geometries.
    """

    _repr_params = ("sigma", "w_max", "w_min", "normalize", "include_self")

    def __init__(self, sigma, w_max, w_min=None, normalize=True, include_self=True, seed=None):
        super().__init__()
        self.sigma = check_positive("GaussianWeight", "sigma", sigma)
        self.w_max = check_positive("GaussianWeight", "w_max", w_max)
        w_min = 0.01 * self.w_max if w_min is None else check_positive("GaussianWeight", "w_min", w_min,
                                                                       allow_zero=True)
        if w_min > self.w_max:
            raise ConnectorError(f"GaussianWeight: `w_min`={w_min!r} must not exceed `w_max`={self.w_max!r}.")
        self.w_min = w_min
        self.normalize = check_bool("GaussianWeight", "normalize", normalize)
        self.include_self = check_bool("GaussianWeight", "include_self", include_self)
        self.seed = seed

    def build_csr(self):
        """Compute the connection and its weights; see :meth:`Connector.build_csr`."""
        radius = np.inf if self.w_min == 0 else self.sigma * np.sqrt(2.0 * np.log(self.w_max / self.w_min))
        return self._connect(radius, _GAUSSIAN, (self.sigma, self.sigma, self.w_max, 0.0), self.w_min)


class DOG(_DistanceConnector):
    """Difference-of-Gaussians weights: ``w+ exp(-d**2/(2 s+**2)) - w- exp(-d**2/(2 s-**2))``.

    Synapses are created where the absolute weight is at least ``w_min``; the
    weights are in :attr:`weights`.

    Parameters
    ----------
    sigmas : tuple of two floats
        Widths ``(s+, s-)`` of the positive and negative Gaussians.
    ws_max : tuple of two floats
        Amplitudes ``(w+, w-)`` of the positive and negative Gaussians (>= 0).
    w_min : float, optional
        Minimum absolute weight of a synapse (default ``0.01 * |w+ - w-|``,
        the absolute weight at distance 0).
    normalize : bool, default True
        Whether positions are scaled to [0, 1] along each axis.
    include_self : bool, default True
        Whether neurons at the same position connect.

    Raises
    ------
    ConnectorError
        For malformed ``sigmas``/``ws_max``, a negative ``w_min`` or
        unsuitable geometries.
    """

    _repr_params = ("sigmas", "ws_max", "w_min", "normalize", "include_self")

    def __init__(self, sigmas, ws_max, w_min=None, normalize=True, include_self=True):
        super().__init__()
        self.sigmas = self._pair("sigmas", sigmas, allow_zero=False)
        self.ws_max = self._pair("ws_max", ws_max, allow_zero=True)
        w_plus, w_minus = self.ws_max
        self.w_min = (0.01 * abs(w_plus - w_minus) if w_min is None
                      else check_positive("DOG", "w_min", w_min, allow_zero=True))
        self.normalize = check_bool("DOG", "normalize", normalize)
        self.include_self = check_bool("DOG", "include_self", include_self)

    @staticmethod
    def _pair(name, value, allow_zero):
        if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
            raise ConnectorError(f"DOG: `{name}`={value!r} must be a pair (positive, negative).")
        return tuple(check_positive("DOG", f"{name}[{k}]", v, allow_zero=allow_zero)
                     for k, v in enumerate(value))

    def build_csr(self):
        """Compute the connection and its weights; see :meth:`Connector.build_csr`."""
        (s_plus, s_minus), (w_plus, w_minus) = self.sigmas, self.ws_max
        bound = w_plus + w_minus   # |w(d)| <= bound * exp(-d^2 / (2 max(s)^2))
        if self.w_min == 0 or bound <= self.w_min:
            radius = np.inf if self.w_min == 0 else 0.0
        else:
            radius = max(s_plus, s_minus) * np.sqrt(2.0 * np.log(bound / self.w_min))
        return self._connect(radius, _DIFFERENCE_OF_GAUSSIANS, (s_plus, s_minus, w_plus, w_minus),
                             self.w_min)
