"""Random graph models on one population (manual ch. 5.2.7-5.2.10 and 16.3.7-16.3.10).

``SmallWorld`` (Watts-Strogatz), ``ScaleFreeBA`` (Barabasi-Albert),
``ScaleFreeBADual`` (dual Barabasi-Albert) and ``PowerLaw`` (Holme-Kim) are
grown by compiled kernels in O(edges) time; the three growth models share one
kernel. Every graph connects a group to itself (or to a group of the same
size): an undirected edge {u, v} becomes the two synapses u->v and v->u, a
directed edge one synapse.

These kernels replace networkx: its generators build Python dict-of-dict
graphs, which costs far more time and memory than the O(edges) arrays built
here (see ``benchmarks/connect.py``), and networkx is not a dependency.
"""

import numpy as np

from ..backend.jit import jit
from ..errors import ConnectorError
from .base import Connector
from .checks import check_bool, check_int, check_probability, check_seed, kernel_seed, make_rng
from .csr import csr_from_pairs, index_dtype

__all__ = ["SmallWorld", "ScaleFreeBA", "ScaleFreeBADual", "PowerLaw"]


# --------------------------------------------------------------------- kernels
@jit
def _ring_lattice(n, offsets):
    """Edges ``u -> u + offsets[d]`` (mod n), slot ``d * n + u``."""
    src = np.empty(offsets.shape[0] * n, np.int64)
    dst = np.empty(offsets.shape[0] * n, np.int64)
    for d in range(offsets.shape[0]):
        for u in range(n):
            src[d * n + u] = u
            dst[d * n + u] = (u + offsets[d]) % n
    return src, dst


@jit
def _owns_edge_to(dst, n, num_slots, u, w):
    """Whether one of the edges owned by ``u`` (slots ``d * n + u``) ends at ``w``."""
    for d in range(num_slots):
        if dst[d * n + u] == w:
            return True
    return False


@jit
def _watts_strogatz_kernel(n, offsets, prob, directed, allow_self, seed):
    """Ring lattice, then every edge (in lattice order) keeps its source ``u`` and
    with probability ``prob`` moves its end to a uniform node ``w`` that ``u`` is
    not yet linked to. The number of edges never changes."""
    np.random.seed(seed)
    src, dst = _ring_lattice(n, offsets)
    num_slots = offsets.shape[0]
    # linked[u]: distinct nodes u is joined to (out-neighbours when directed).
    linked = np.full(n, num_slots if directed else 2 * num_slots, np.int64)
    most = n - 1 + (1 if allow_self else 0)
    for e in range(src.shape[0]):
        u, v = src[e], dst[e]
        if np.random.random() >= prob or linked[u] >= most:
            continue
        while True:
            w = np.random.randint(0, n)
            if w == u and not allow_self:
                continue
            if _owns_edge_to(dst, n, num_slots, u, w):
                continue
            if not directed and _owns_edge_to(dst, n, num_slots, w, u):
                continue
            break
        dst[e] = w
        if not directed:
            linked[v] -= 1
            if w != u:
                linked[w] += 1
    return src, dst


@jit
def _random_unlinked_neighbour(node, head, next_entry, target, mark, stamp):
    """A uniform neighbour of ``node`` with ``mark != stamp``, or -1 if none."""
    count, entry = 0, head[node]
    while entry >= 0:
        if mark[target[entry]] != stamp:
            count += 1
        entry = next_entry[entry]
    if count == 0:
        return -1
    pick, entry = np.random.randint(0, count), head[node]
    while True:
        if mark[target[entry]] != stamp:
            if pick == 0:
                return target[entry]
            pick -= 1
        entry = next_entry[entry]


@jit
def _growth_kernel(n, m1, m2, p1, triad_prob, seed):
    """Grow a graph by preferential attachment from a star on ``max(m1, m2) + 1`` nodes.

    Every new node ``v`` draws ``m1`` edges with probability ``p1``, else
    ``m2``, to distinct older nodes. A target is drawn with probability
    proportional to its degree (before ``v`` joined), except that after the
    first edge each further edge is, with probability ``triad_prob``, a triad
    formation step: a uniform neighbour of the last preferential target
    (Holme & Kim 2002). Edges go from the newer to the older node.
    """
    np.random.seed(seed)
    m_max = max(m1, m2)
    capacity = m_max * max(n - m_max, 1)
    src, dst = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    pool = np.empty(2 * capacity, np.int64)      # one entry per edge end: degree weights
    head = np.full(n, -1, np.int64)              # adjacency as linked lists
    next_entry, target = np.empty(2 * capacity, np.int64), np.empty(2 * capacity, np.int64)
    mark = np.full(n, -1, np.int64)              # mark[t] == v: v is already linked to t
    num_edges = 0
    for v in range(1, min(n, m_max + 1)):
        src[num_edges], dst[num_edges] = v, 0
        num_edges += 1
    for e in range(num_edges):
        _link(src[e], dst[e], 2 * e, head, next_entry, target)
        pool[2 * e], pool[2 * e + 1] = src[e], dst[e]
    pool_size = 2 * num_edges
    for v in range(m_max + 1, n):
        m = m1 if np.random.random() < p1 else m2
        mark[v] = v
        last, first_edge = -1, num_edges
        for k in range(m):
            t = -1
            if k > 0 and triad_prob > 0.0 and np.random.random() < triad_prob:
                t = _random_unlinked_neighbour(last, head, next_entry, target, mark, v)
            if t < 0:
                t = pool[np.random.randint(0, pool_size)]
                while mark[t] == v:
                    t = pool[np.random.randint(0, pool_size)]
                last = t
            mark[t] = v
            src[num_edges], dst[num_edges] = v, t
            _link(v, t, 2 * num_edges, head, next_entry, target)
            num_edges += 1
        for e in range(first_edge, num_edges):
            pool[pool_size], pool[pool_size + 1] = src[e], dst[e]
            pool_size += 2
    return src[:num_edges].copy(), dst[:num_edges].copy()


@jit
def _link(a, b, entry, head, next_entry, target):
    """Add the undirected edge {a, b} to the adjacency lists (entries ``entry``, ``entry + 1``)."""
    target[entry], next_entry[entry], head[a] = b, head[a], entry
    target[entry + 1], next_entry[entry + 1], head[b] = a, head[b], entry + 1


# ------------------------------------------------------------- connectors
class _Graph(Connector):
    """Shared part of the graph models: one population, edges -> synapses."""

    def _num_nodes(self):
        if self.num_pre != self.num_post:
            raise ConnectorError(f"{type(self).__name__} builds a graph on one population: pre- and "
                                 f"post-synaptic groups need the same number of neurons; got "
                                 f"pre_size={self.pre_size} ({self.num_pre} neurons) and "
                                 f"post_size={self.post_size} ({self.num_post} neurons).")
        return self.num_pre

    def _edges(self, num_nodes):
        """Return the (source, target) arrays of the graph's edges."""
        raise NotImplementedError

    def build_csr(self):
        """Grow the graph; see :meth:`Connector.build_csr`."""
        n = self._num_nodes()
        src, dst = self._edges(n)
        if not self.directed:
            loops = src == dst      # a self-loop is one synapse, not two
            src, dst = np.concatenate([src, dst[~loops]]), np.concatenate([dst, src[~loops]])
        dtype = index_dtype(n, src.shape[0])
        return csr_from_pairs(src, dst, n, n, dtype=dtype)

    def _check_m(self, name, m, n):
        if m >= n:
            raise ConnectorError(f"{type(self).__name__}: `{name}`={m} must be smaller than the number of "
                                 f"neurons ({n}); the graph starts from a star on {m + 1} nodes.")


class SmallWorld(_Graph):
    """Watts-Strogatz small-world graph on a ring.

    Every neuron is first joined to its ``num_neighbor`` nearest neighbours on
    a ring (``num_neighbor - 1`` if it is odd: ``num_neighbor // 2`` on each
    side). Then every edge (u, v), in lattice order, is rewired with
    probability ``prob`` to (u, w) with ``w`` uniform among the neurons ``u``
    is not yet linked to. Rewiring never changes the number of edges.

    Parameters
    ----------
    num_neighbor : int
        Number of nearest ring neighbours (must be smaller than the group).
    prob : float
        Rewiring probability of every edge, in [0, 1].
    directed : bool, default False
        ``False``: undirected edges, each two synapses (u->v and v->u), so
        every neuron has ``num_neighbor`` synapses each way at ``prob=0``.
        ``True``: every neuron sends one synapse to each of its ring
        neighbours (both sides), each rewired independently; out-degrees stay
        ``num_neighbor`` exactly.
    include_self : bool, default False
        Whether a rewired edge may end at its own source (a self-synapse).
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator (an extension of BrainPy's signature).

    Raises
    ------
    ConnectorError
        For invalid parameters, groups of different sizes, or
        ``num_neighbor`` not smaller than the group.

    References
    ----------
    D. J. Watts and S. H. Strogatz, Collective dynamics of small-world
    networks, Nature 393, 440-442 (1998).
    """

    _repr_params = ("num_neighbor", "prob", "directed", "include_self", "seed")

    def __init__(self, num_neighbor, prob, directed=False, include_self=False, seed=None):
        super().__init__()
        self.num_neighbor = check_int("SmallWorld", "num_neighbor", num_neighbor, minimum=0)
        self.prob = check_probability("SmallWorld", "prob", prob)
        self.directed = check_bool("SmallWorld", "directed", directed)
        self.include_self = check_bool("SmallWorld", "include_self", include_self)
        self.seed = check_seed("SmallWorld", seed)

    def _edges(self, n):
        half = self.num_neighbor // 2
        if 2 * half >= n and n > 0:
            raise ConnectorError(f"SmallWorld: `num_neighbor`={self.num_neighbor} must be smaller than "
                                 f"the number of neurons ({n}).")
        steps = np.arange(1, half + 1, dtype=np.int64)
        offsets = np.concatenate([steps, -steps]) if self.directed else steps
        return _watts_strogatz_kernel(n, offsets, self.prob, self.directed, self.include_self,
                                      kernel_seed(make_rng(self.seed)))


class ScaleFreeBA(_Graph):
    """Barabasi-Albert scale-free graph grown by preferential attachment.

    The graph starts as a star on ``m + 1`` neurons; every further neuron
    attaches ``m`` edges to distinct older neurons chosen with probability
    proportional to their degree. The graph has ``m * (n - m)`` edges and a
    degree distribution with a ``k**-3`` tail.

    Parameters
    ----------
    m : int
        Number of edges from every new neuron, ``1 <= m < n``.
    directed : bool, default False
        ``False``: every edge is two synapses. ``True``: one synapse from the
        newer to the older neuron.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        When ``m`` is not in ``[1, n)`` or the groups differ in size.

    References
    ----------
    A. L. Barabasi and R. Albert, Emergence of scaling in random networks,
    Science 286, 509-512 (1999).
    """

    _repr_params = ("m", "directed", "seed")

    def __init__(self, m, directed=False, seed=None):
        super().__init__()
        self.m = check_int("ScaleFreeBA", "m", m, minimum=1)
        self.directed = check_bool("ScaleFreeBA", "directed", directed)
        self.seed = check_seed("ScaleFreeBA", seed)

    def _edges(self, n):
        self._check_m("m", self.m, n)
        return _growth_kernel(n, self.m, self.m, 1.0, 0.0, kernel_seed(make_rng(self.seed)))


class ScaleFreeBADual(_Graph):
    """Dual Barabasi-Albert graph: new neurons attach ``m1`` edges with probability ``p``, else ``m2``.

    The graph starts as a star on ``max(m1, m2) + 1`` neurons; targets are
    chosen by preferential attachment as in :class:`ScaleFreeBA`.

    Parameters
    ----------
    m1, m2 : int
        Edges per new neuron with probability ``p`` and ``1 - p``;
        ``1 <= m1, m2 < n``.
    p : float
        Probability of attaching ``m1`` edges, in [0, 1].
    directed : bool, default False
        ``False``: every edge is two synapses. ``True``: one synapse from the
        newer to the older neuron.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        For ``m1``/``m2`` outside ``[1, n)``, ``p`` outside [0, 1], or groups
        of different sizes.

    References
    ----------
    N. Moshiri, The dual-Barabasi-Albert model, arXiv:1810.10538 (2018).
    """

    _repr_params = ("m1", "m2", "p", "directed", "seed")

    def __init__(self, m1, m2, p, directed=False, seed=None):
        super().__init__()
        self.m1 = check_int("ScaleFreeBADual", "m1", m1, minimum=1)
        self.m2 = check_int("ScaleFreeBADual", "m2", m2, minimum=1)
        self.p = check_probability("ScaleFreeBADual", "p", p)
        self.directed = check_bool("ScaleFreeBADual", "directed", directed)
        self.seed = check_seed("ScaleFreeBADual", seed)

    def _edges(self, n):
        self._check_m("m1", self.m1, n)
        self._check_m("m2", self.m2, n)
        return _growth_kernel(n, self.m1, self.m2, self.p, 0.0, kernel_seed(make_rng(self.seed)))


class PowerLaw(_Graph):
    """Holme-Kim graph: preferential attachment with triad formation (tunable clustering).

    Grown like :class:`ScaleFreeBA` with ``m`` edges per new neuron, but after
    the first (preferential) edge, each further edge is with probability ``p``
    a triad formation step: it goes to a random neighbour of the last
    preferentially chosen neuron, closing a triangle. The degree tail stays
    ``k**-3``; the average clustering grows with ``p``.

    Parameters
    ----------
    m : int
        Number of edges from every new neuron, ``1 <= m < n``.
    p : float
        Probability of a triad formation step, in [0, 1].
    directed : bool, default False
        ``False``: every edge is two synapses. ``True``: one synapse from the
        newer to the older neuron.
    seed : None, int or numpy.random.Generator, optional
        Seed of the random generator.

    Raises
    ------
    ConnectorError
        For ``m`` outside ``[1, n)``, ``p`` outside [0, 1], or groups of
        different sizes.

    References
    ----------
    P. Holme and B. J. Kim, Growing scale-free networks with tunable
    clustering, Phys. Rev. E 65, 026107 (2002).
    """

    _repr_params = ("m", "p", "directed", "seed")

    def __init__(self, m, p, directed=False, seed=None):
        super().__init__()
        self.m = check_int("PowerLaw", "m", m, minimum=1)
        self.p = check_probability("PowerLaw", "p", p)
        self.directed = check_bool("PowerLaw", "directed", directed)
        self.seed = check_seed("PowerLaw", seed)

    def _edges(self, n):
        self._check_m("m", self.m, n)
        return _growth_kernel(n, self.m, self.m, 1.0, self.p, kernel_seed(make_rng(self.seed)))
