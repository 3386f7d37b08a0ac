"""Every structure derived from every connector agrees with every other, in both synapse orders."""

import pprint

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ConnectorError

from .reference import structures_from_pairs


class IndexConn(bp.connect.Connector):
    """The manual's ch. 5.3 example, verbatim."""

    def __init__(self, i, j):
        super(IndexConn, self).__init__()
        self.pre_ids = bp.ops.as_tensor(i)
        self.post_ids = bp.ops.as_tensor(j)

    def __call__(self, pre_size, post_size):
        self.num_pre = bp.size2len(pre_size)
        self.num_post = bp.size2len(post_size)
        return self


class MatConn(bp.connect.Connector):
    """A custom connector that only sets ``conn_mat``."""

    def __init__(self, mat):
        super().__init__()
        self.conn_mat = mat


_RNG = np.random.default_rng(7)
_RANDOM_MAT = (_RNG.random((9, 11)) < 0.3).astype(float)
_RANDOM_MAT[4] = 0.0          # a pre neuron without synapses
_RANDOM_MAT[:, 6] = 0.0       # a post neuron without synapses
_UNSORTED_I = _RNG.permutation(np.nonzero(_RANDOM_MAT)[0].size)

CASES = {
    "One2One": (lambda: bp.connect.One2One(), 12, 12),
    "One2One-geometry": (lambda: bp.connect.One2One(), (3, 4), 12),
    "All2All": (lambda: bp.connect.All2All(), 5, 7),
    "All2All-noself": (lambda: bp.connect.All2All(include_self=False), 7, 5),
    "GridFour": (lambda: bp.connect.GridFour(), (5, 6), (5, 6)),
    "GridFour-1d-self": (lambda: bp.connect.GridFour(include_self=True), 7, 7),
    "GridEight": (lambda: bp.connect.GridEight(include_self=True), (4, 5), (4, 5)),
    "GridN": (lambda: bp.connect.GridN(N=2), (6, 5), (6, 5)),
    "FixedProb": (lambda: bp.connect.FixedProb(0.2, seed=1), 30, 40),
    "FixedProb-iter": (lambda: bp.connect.FixedProb(0.2, include_self=False, seed=2, method="iter"), 40, 30),
    "FixedPreNum": (lambda: bp.connect.FixedPreNum(5, seed=3), 20, 25),
    "FixedPostNum": (lambda: bp.connect.FixedPostNum(0.3, include_self=False, seed=4), 25, 20),
    "GaussianProb": (lambda: bp.connect.GaussianProb(0.3, p_min=0.05, seed=5), (6, 7), (4, 5)),
    "GaussianWeight": (lambda: bp.connect.GaussianWeight(0.2, w_max=2.0), (6, 6), (6, 6)),
    "DOG": (lambda: bp.connect.DOG((0.15, 0.3), (1.0, 0.7), include_self=False), (7, 7), (7, 7)),
    "SmallWorld": (lambda: bp.connect.SmallWorld(4, 0.3, seed=6), 30, 30),
    "SmallWorld-directed": (lambda: bp.connect.SmallWorld(4, 0.3, directed=True, seed=6), 30, 30),
    "ScaleFreeBA": (lambda: bp.connect.ScaleFreeBA(2, seed=7), 40, 40),
    "ScaleFreeBADual": (lambda: bp.connect.ScaleFreeBADual(1, 3, 0.4, directed=True, seed=8), 40, 40),
    "PowerLaw": (lambda: bp.connect.PowerLaw(3, 0.6, seed=9), 40, 40),
    "IndexConn-unsorted": (lambda: IndexConn(np.nonzero(_RANDOM_MAT)[0][_UNSORTED_I],
                                             np.nonzero(_RANDOM_MAT)[1][_UNSORTED_I]), 9, 11),
    "MatConn": (lambda: MatConn(_RANDOM_MAT), 9, 11),
}


def _build(name):
    factory, pre_size, post_size = CASES[name]
    return factory()(pre_size, post_size)


def _as_lists(rows):
    return [[int(x) for x in row] for row in rows]


@pytest.mark.parametrize("name", sorted(CASES))
def test_all_structures_agree(name):
    conn = _build(name)
    num_pre, num_post = conn.num_pre, conn.num_post
    pre_ids, post_ids, pre_slice, pre2syn, post2syn = conn.requires(
        "pre_ids", "post_ids", "pre_slice", "pre2syn", "post2syn")
    assert conn.synapse_order == "pre"
    pairs = list(zip(pre_ids.tolist(), post_ids.tolist()))
    assert len(set(pairs)) == len(pairs), "built-in connectors create no multapses"
    assert pairs == sorted(pairs), "pre order sorts by pre, then post"
    mat, pre2post_ref, post2pre_ref = structures_from_pairs(set(pairs), num_pre, num_post)

    np.testing.assert_array_equal(conn.requires("conn_mat"), mat)
    assert conn.conn_mat.dtype == np.float64 and conn.conn_mat.shape == (num_pre, num_post)
    assert _as_lists(conn.requires("pre2post")) == pre2post_ref
    assert _as_lists(conn.requires("post2pre")) == post2pre_ref
    assert len(pre2syn) == num_pre and len(post2syn) == num_post
    for i in range(num_pre):
        start, end = pre_slice[i]
        assert pre_ids[start:end].tolist() == [i] * (end - start)
        assert post_ids[start:end].tolist() == pre2post_ref[i]
        assert pre2syn[i].tolist() == list(range(start, end))
    for j in range(num_post):
        assert post_ids[post2syn[j]].tolist() == [j] * len(post2syn[j])
        assert pre_ids[post2syn[j]].tolist() == post2pre_ref[j]
    assert sorted(np.concatenate(post2syn).tolist()) == list(range(len(pairs)))
    np.testing.assert_array_equal(conn.to_sparse().toarray() != 0, mat == 1)

    # The post order: SynVec4's pre_ids with post_slice.
    pre_ids2, post_ids2, post_slice, pre2syn2, post2syn2 = conn.requires(
        "pre_ids", "post_ids", "post_slice", "pre2syn", "post2syn")
    assert conn.synapse_order == "post"
    pairs2 = list(zip(pre_ids2.tolist(), post_ids2.tolist()))
    assert pairs2 == sorted(pairs, key=lambda p: (p[1], p[0]))
    for j in range(num_post):
        start, end = post_slice[j]
        assert post_ids2[start:end].tolist() == [j] * (end - start)
        assert pre_ids2[start:end].tolist() == post2pre_ref[j]
        assert post2syn2[j].tolist() == list(range(start, end))
    for i in range(num_pre):
        assert pre_ids2[pre2syn2[i]].tolist() == [i] * len(pre2syn2[i])
        assert post_ids2[pre2syn2[i]].tolist() == pre2post_ref[i]
    # Order-free structures are unchanged; attributes follow the current order.
    np.testing.assert_array_equal(conn.conn_mat, mat)
    assert conn.pre_ids is pre_ids2
    # Back to the pre order.
    assert conn.requires("pre_slice_syn") is pre_slice
    assert conn.synapse_order == "pre" and conn.pre_ids is pre_ids


@pytest.mark.parametrize("name", sorted(CASES))
def test_formatters_agree_with_connector(name):
    conn = _build(name)
    pre_ids, post_ids = conn.requires("pre_ids", "post_ids")
    fmt = bp.connect
    np.testing.assert_array_equal(fmt.ij2mat(pre_ids, post_ids, conn.num_pre, conn.num_post), conn.conn_mat)
    assert _as_lists(fmt.pre2post(pre_ids, post_ids, conn.num_pre)) == _as_lists(conn.pre2post)
    assert _as_lists(fmt.post2pre(pre_ids, post_ids, conn.num_post)) == _as_lists(conn.post2pre)
    assert _as_lists(fmt.pre2syn(pre_ids, conn.num_pre)) == _as_lists(conn.pre2syn)
    assert _as_lists(fmt.post2syn(post_ids, conn.num_post)) == _as_lists(conn.post2syn)
    _, _, slices = fmt.pre_slice(pre_ids, post_ids, conn.num_pre)
    np.testing.assert_array_equal(slices, conn.pre_slice)
    by_post_pre, by_post_post, slices = fmt.post_slice(pre_ids, post_ids, conn.num_post)
    got_pre, got_post, got_slices = conn.requires("pre_ids", "post_ids", "post_slice")
    np.testing.assert_array_equal(by_post_pre, got_pre)
    np.testing.assert_array_equal(by_post_post, got_post)
    np.testing.assert_array_equal(slices, got_slices)
    mat_pre, mat_post = fmt.mat2ij(conn.conn_mat)
    conn.requires("pre_slice")
    np.testing.assert_array_equal(mat_pre, conn.pre_ids)
    np.testing.assert_array_equal(mat_post, conn.post_ids)


@pytest.mark.parametrize("name", ["FixedProb", "GaussianProb", "SmallWorld-directed", "IndexConn-unsorted"])
def test_manual_synapse_models_compute_the_same_input(name):
    """SynVec1-5 of manual ch. 6.2, written as there, give the dense matrix's input sums."""
    conn = _build(name)
    rng = np.random.default_rng(0)
    spike = rng.random(conn.num_pre) < 0.4
    weight = 0.7
    expected = weight * (spike.astype(float) @ conn.conn_mat)

    def syn_vec1(pre_ids, post_ids):
        g = np.zeros(len(pre_ids))
        for syn_i in range(len(pre_ids)):
            if spike[pre_ids[syn_i]]:
                g[syn_i] += weight
        out = np.zeros(conn.num_post)
        for syn_i in range(len(pre_ids)):
            out[post_ids[syn_i]] += g[syn_i]
        return out

    def syn_vec2(pre_ids, pre2syn, post2syn):
        g = np.zeros(len(pre_ids))
        for pre_i in range(conn.num_pre):
            if spike[pre_i]:
                for syn_i in pre2syn[pre_i]:
                    g[syn_i] += weight
        out = np.zeros(conn.num_post)
        for post_i in range(conn.num_post):
            for syn_i in post2syn[post_i]:
                out[post_i] += g[syn_i]
        return out

    def syn_vec3(pre2post):
        g = np.zeros(conn.num_post)
        for pre_i in range(conn.num_pre):
            if spike[pre_i]:
                for post_i in pre2post[pre_i]:
                    g[post_i] += weight
        return g

    def syn_vec4(pre_ids, post_slice):
        g = np.zeros(len(pre_ids))
        for syn_i in range(len(pre_ids)):
            if spike[pre_ids[syn_i]]:
                g[syn_i] += weight
        out = np.zeros(conn.num_post)
        for post_i in range(conn.num_post):
            start, end = post_slice[post_i]
            for syn_i in range(start, end):
                out[post_i] += g[syn_i]
        return out

    def syn_vec5(pre_slice, post_ids):
        g = np.zeros(conn.num_post)
        for pre_i in range(conn.num_pre):
            if spike[pre_i]:
                start, end = pre_slice[pre_i]
                for post_i in post_ids[start:end]:
                    g[post_i] += weight
        return g

    np.testing.assert_allclose(syn_vec1(*conn.requires("pre_ids", "post_ids")), expected)
    np.testing.assert_allclose(syn_vec2(*conn.requires("pre_ids", "pre2syn", "post2syn")), expected)
    np.testing.assert_allclose(syn_vec3(conn.requires("pre2post")), expected)
    np.testing.assert_allclose(syn_vec4(*conn.requires("pre_ids", "post_slice")), expected)
    np.testing.assert_allclose(syn_vec2(*conn.requires("pre_ids", "pre2syn", "post2syn")), expected)
    np.testing.assert_allclose(syn_vec5(*conn.requires("pre_slice", "post_ids")), expected)
    np.testing.assert_allclose(syn_vec1(*conn.requires("pre_ids", "post_ids")), expected)
    # A wrong pairing (pre-order pre_ids with post_slice) would not give these sums.
    if name == "FixedProb":
        pre_major = conn.requires("pre_ids").copy()
        wrong = syn_vec4(pre_major, conn.requires("post_slice"))
        assert not np.allclose(wrong, expected)


def test_index_conn_prints_what_the_manual_shows():
    conn = IndexConn(i=[0, 1, 2], j=[0, 0, 0])
    conn = conn(pre_size=5, post_size=3)
    assert repr(conn.requires("conn_mat")) == (
        "array([[1., 0., 0.],\n"
        "       [1., 0., 0.],\n"
        "       [1., 0., 0.],\n"
        "       [0., 0., 0.],\n"
        "       [0., 0., 0.]])")
    assert pprint.pformat(conn.requires("pre2post")) == (
        "[array([0]),\n"
        " array([0]),\n"
        " array([0]),\n"
        " array([], dtype=int32),\n"
        " array([], dtype=int32)]")
    assert pprint.pformat(conn.requires("pre2syn")) == (
        "[array([0]),\n"
        " array([1]),\n"
        " array([2]),\n"
        " array([], dtype=int32),\n"
        " array([], dtype=int32)]")
    assert repr(conn.requires("pre_slice_syn")) == (
        "array([[0, 1],\n"
        "       [1, 2],\n"
        "       [2, 3],\n"
        "       [3, 3],\n"
        "       [3, 3]])")


def test_structures_are_cached_and_conn_mat_built_only_on_request():
    conn = bp.connect.FixedProb(0.1, seed=3)(50, 60)
    assert "conn_mat" not in conn._cache
    first = conn.requires("pre2post")
    assert conn.requires("pre2post") is first
    assert "conn_mat" not in conn._cache
    mat = conn.conn_mat
    assert conn.requires("conn_mat") is mat


def test_calling_returns_the_connector_and_rebuilds_for_new_sizes():
    conn = bp.connect.FixedProb(0.5, seed=3)
    assert conn(4, 5) is conn
    assert conn.conn_mat.shape == (4, 5) and conn.pre_size == (4,)
    conn((2, 3), (3, 3))
    assert conn.conn_mat.shape == (6, 9) and conn.pre_size == (2, 3) and conn.post_size == (3, 3)


def test_custom_connector_with_weights_and_multapses():
    class Weighted(bp.connect.Connector):
        def __init__(self):
            super().__init__()
            self.pre_ids = [2, 0, 2, 0]
            self.post_ids = [1, 1, 0, 1]
            self.weights = [0.1, 0.2, 0.3, 0.4]

        def __call__(self, pre_size, post_size):
            super().__call__(pre_size, post_size)
            return self

    conn = Weighted()(3, 2)
    pre_ids, post_ids = conn.requires("pre_ids", "post_ids")
    assert list(zip(pre_ids.tolist(), post_ids.tolist())) == [(0, 1), (0, 1), (2, 0), (2, 1)]
    np.testing.assert_allclose(conn.weights, [0.2, 0.4, 0.3, 0.1])
    assert conn.requires("pre2post")[0].tolist() == [1, 1]
    conn.requires("post_slice")
    assert conn.post_ids.tolist() == [0, 1, 1, 1]
    np.testing.assert_allclose(conn.weights, [0.3, 0.2, 0.4, 0.1])


def test_weights_follow_the_synapse_order():
    conn = bp.connect.GaussianWeight(0.3, w_max=1.0, w_min=0.2)((4, 4), (4, 4))
    by_pair = dict(zip(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()), conn.weights.tolist()))
    conn.requires("post_slice")
    by_pair_post = dict(zip(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()), conn.weights.tolist()))
    assert by_pair == by_pair_post
    assert not hasattr(bp.connect.FixedProb(0.5, seed=1)(3, 3), "weights")


def test_large_connections_keep_int32_indices():
    conn = bp.connect.FixedProb(0.05, seed=1)(2000, 3000)
    for name in ("pre_ids", "post_ids", "pre_slice", "post_slice"):
        assert conn.requires(name).dtype == np.int32, name


def test_requires_accepts_a_list_and_rejects_bad_names():
    conn = bp.connect.One2One()(3, 3)
    pre_ids, post_ids = conn.requires(["pre_ids", "post_ids"])
    assert pre_ids.tolist() == [0, 1, 2]
    with pytest.raises(ConnectorError, match=r"'pre2pst' is not a known synaptic structure; choose one of: "
                                             r"'conn_mat', 'post2pre'.*'pre_slice_syn'"):
        conn.requires("pre2pst")
    with pytest.raises(ConnectorError, match="at least one structure name"):
        conn.requires()
    with pytest.raises(ConnectorError, match=r"`pre_slice` and `post_slice` cannot be required together.*"
                                             r"\('pre_slice', 'post2syn'\)"):
        conn.requires("pre_ids", "pre_slice", "post_slice")
    with pytest.raises(ConnectorError, match="`pre2post` is derived"):
        conn.pre2post = []


def test_custom_connector_without_base_init():
    class Bare(bp.connect.Connector):
        def __init__(self):
            self.pre_ids = np.array([1, 0])
            self.post_ids = np.array([0, 2])
            self.num_pre, self.num_post = 2, 3

    conn = Bare()
    assert _as_lists(conn.requires("pre2post")) == [[2], [0]]
    conn.post_ids = np.array([1, 1])            # a new source drops every derived structure
    assert _as_lists(conn.requires("pre2post")) == [[1], [1]]


@pytest.mark.parametrize("shape", [(7, 5), (5, 7)])
def test_make_methods_of_manual_chapter_16(shape):
    """Every Connector.make_* returns the structure, checked against loops over the pairs."""
    num_pre, num_post = shape
    make = lambda: bp.connect.FixedProb(0.4, include_self=False, seed=9)(num_pre, num_post)  # noqa: E731
    conn = make()
    pairs = set(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()))
    assert pairs and all(i != j for i, j in pairs)
    mat, pre2post, post2pre = structures_from_pairs(pairs, num_pre, num_post)

    conn = make()
    np.testing.assert_array_equal(conn.make_conn_mat(), mat)
    conn = make()
    i, j = conn.make_mat2ij()
    assert sorted(zip(i.tolist(), j.tolist())) == sorted(pairs)
    conn = make()
    assert [list(row) for row in conn.make_pre2post()] == pre2post
    conn = make()
    assert [list(row) for row in conn.make_post2pre()] == post2pre
    # pre2syn[i] are the synapses of pre i (in the current synapse order); post2syn likewise
    for method, own, other, expected in (("make_pre2syn", "pre_ids", "post_ids", pre2post),
                                         ("make_post2syn", "post_ids", "pre_ids", post2pre)):
        conn = make()
        per_neuron = getattr(conn, method)()
        ids = dict(zip(("pre_ids", "post_ids"), conn.requires("pre_ids", "post_ids")))
        for neuron, synapses in enumerate(per_neuron):
            assert set(ids[own][synapses].tolist()) <= {neuron}
            assert sorted(ids[other][synapses].tolist()) == expected[neuron]
    conn = make()
    pre_slice = conn.make_pre_slice()
    post_ids = conn.requires('post_ids')
    assert pre_slice.shape == (num_pre, 2)
    assert [sorted(post_ids[a:b].tolist()) for a, b in pre_slice] == pre2post
    conn = make()
    post_slice = conn.make_post_slice()
    pre_ids = conn.requires('pre_ids')
    assert post_slice.shape == (num_post, 2)
    assert [sorted(pre_ids[a:b].tolist()) for a, b in post_slice] == post2pre
