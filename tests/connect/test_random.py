"""Statistics of the random and distance-dependent connectors against analytic values."""

import itertools
import math

import numpy as np
import pytest

import workbench as bp

from .reference import grid_positions


def _within_sigmas(value, mean, var, sigmas=4.0):
    return abs(value - mean) <= sigmas * math.sqrt(var) + 1e-12


@pytest.mark.parametrize("method", ["matrix", "iter"])
@pytest.mark.parametrize("include_self", [True, False])
def test_fixed_prob_counts_and_degree_variance(method, include_self):
    num_pre, num_post, prob = 400, 500, 0.1
    conn = bp.connect.FixedProb(prob, include_self=include_self, seed=11, method=method)(num_pre, num_post)
    mat = conn.conn_mat
    candidates = num_pre * num_post - (0 if include_self else num_pre)
    assert _within_sigmas(mat.sum(), candidates * prob, candidates * prob * (1 - prob))
    if not include_self:
        assert not np.diagonal(mat).any()
    # Independent pairs: row and column degrees are binomial (variance n p (1 - p)).
    row_var = num_post * prob * (1 - prob)
    assert abs(mat.sum(axis=1).var() / row_var - 1) < 0.25
    col_var = num_pre * prob * (1 - prob)
    assert abs(mat.sum(axis=0).var() / col_var - 1) < 0.25
    # No region of the matrix is favoured.
    half = mat[:, :num_post // 2].sum()
    assert _within_sigmas(half, mat.sum() / 2, mat.sum() / 4)


@pytest.mark.parametrize("method", ["matrix", "iter"])
def test_fixed_prob_extremes(method):
    assert bp.connect.FixedProb(0.0, seed=1, method=method)(20, 30).conn_mat.sum() == 0
    np.testing.assert_array_equal(bp.connect.FixedProb(1.0, seed=1, method=method)(20, 30).conn_mat,
                                  np.ones((20, 30)))
    mat = bp.connect.FixedProb(1.0, include_self=False, seed=1, method=method)(20, 30).conn_mat
    np.testing.assert_array_equal(mat, 1 - np.eye(20, 30))


@pytest.mark.parametrize("connector, axis", [(bp.connect.FixedPostNum, 1), (bp.connect.FixedPreNum, 0)])
@pytest.mark.parametrize("num", [5, 100, 900, 0.25])
@pytest.mark.parametrize("include_self", [True, False])
def test_fixed_numbers_give_exact_degrees(connector, axis, num, include_self):
    num_pre, num_post = (1200, 1000) if axis == 1 else (1000, 1200)
    conn = connector(num, include_self=include_self, seed=5)(num_pre, num_post)
    mat = conn.conn_mat
    population = num_post if axis == 1 else num_pre
    degree = num if isinstance(num, int) else math.floor(num * population + 0.5)
    assert set(mat.sum(axis=axis).tolist()) == {degree}
    assert mat.sum() == len(conn.pre_ids)                 # no repeated pairs
    if not include_self:
        assert not np.diagonal(mat).any()
    # Every neuron of the other side is chosen by each fixed-degree neuron with
    # probability q = degree / population, independently: binomial spread.
    received = mat.sum(axis=1 - axis)
    q = degree / population
    assert abs(received.var() / (mat.shape[1 - axis] * q * (1 - q)) - 1) < 0.25


@pytest.mark.parametrize("num", [3, 5])
def test_fixed_post_num_picks_uniform_subsets(num):
    """Every k-subset is equally likely (chi-square over all C(n, k) subsets).

    k=3 of 7 picks the subset directly, k=5 of 7 picks its complement.
    """
    num_rows, n = 24000, 7
    rows = bp.connect.FixedPostNum(num, seed=2)(num_rows, n).pre2post
    counts = {}
    for row in rows:
        subset = tuple(row.tolist())
        counts[subset] = counts.get(subset, 0) + 1
    subsets = list(itertools.combinations(range(n), num))
    assert set(counts) <= set(subsets)
    expected = num_rows / len(subsets)
    chi2 = sum((counts.get(s, 0) - expected) ** 2 / expected for s in subsets)
    dof = len(subsets) - 1
    assert chi2 < dof + 5 * math.sqrt(2 * dof)


def test_fixed_post_num_without_self_takes_all_others():
    conn = bp.connect.FixedPostNum(6, include_self=False, seed=1)(9, 7)
    np.testing.assert_array_equal(conn.conn_mat[:7], np.ones((7, 7)) - np.eye(7))
    assert set(conn.conn_mat[7:].sum(axis=1)) == {6.0}   # rows 7, 8 have no "self" to skip


def _distances2(conn, normalize):
    pre = np.array(grid_positions(conn.pre_size, normalize))
    post = np.array(grid_positions(conn.post_size, normalize))
    return ((pre[:, None, :] - post[None, :, :]) ** 2).sum(axis=2)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("geometries", [((8, 8), (8, 8)), ((9, 6), (5, 4)), (12, 7)])
@pytest.mark.parametrize("include_self", [True, False])
def test_gaussian_weight_matches_formula(normalize, geometries, include_self):
    sigma = 0.25 if normalize else 2.0
    conn = bp.connect.GaussianWeight(sigma, w_max=3.0, w_min=0.2, normalize=normalize,
                                     include_self=include_self)(*geometries)
    d2 = _distances2(conn, normalize)
    weights = 3.0 * np.exp(-d2 / (2 * sigma ** 2))
    expected = weights >= 0.2
    if not include_self:
        expected &= d2 > 1e-12
    np.testing.assert_array_equal(conn.conn_mat, expected.astype(float))
    np.testing.assert_allclose(conn.weights, weights[conn.pre_ids, conn.post_ids])
    assert conn.weights.min() >= 0.2 and conn.weights.max() <= 3.0


def test_gaussian_weight_is_symmetric_with_default_w_min():
    conn = bp.connect.GaussianWeight(sigma=0.1, w_max=1.0)((40, 40), (40, 40))
    assert conn.w_min == pytest.approx(0.01)
    w = conn.to_sparse().toarray()
    np.testing.assert_allclose(w, w.T)
    assert np.isclose(w[820, 820], 1.0) and conn.weights.min() >= 0.01
    assert conn.weights.max() <= 1.0


@pytest.mark.parametrize("connector", ["GaussianWeight", "DOG"])
def test_zero_w_min_connects_every_pair_with_the_formula_weight(connector):
    """w_min = 0: no cut-off radius, every pair of the grid is connected (all weights are non-zero)."""
    if connector == "GaussianWeight":
        conn = bp.connect.GaussianWeight(sigma=1.5, w_max=2.0, w_min=0.0, normalize=False)((3, 4), (3, 4))
        formula = lambda d2: 2.0 * np.exp(-d2 / (2 * 1.5 ** 2))
    else:
        conn = bp.connect.DOG(sigmas=(1.0, 2.0), ws_max=(1.0, 0.5), w_min=0.0, normalize=False)((3, 4), (3, 4))
        formula = lambda d2: np.exp(-d2 / 2.0) - 0.5 * np.exp(-d2 / 8.0)
    assert conn.csr.num_syn == 12 * 12
    d2 = _distances2(conn, False)[conn.pre_ids, conn.post_ids]
    np.testing.assert_allclose(conn.weights, formula(d2), rtol=1e-14)


def test_gaussian_prob_frequency_matches_probability():
    sigma, p_min = 0.15, 0.05
    conn = bp.connect.GaussianProb(sigma, p_min=p_min, seed=3)((30, 30), (30, 30))
    d2 = _distances2(conn, True)
    prob = np.exp(-d2 / (2 * sigma ** 2))
    mat = conn.conn_mat
    assert not mat[prob < p_min].any()
    for low, high in [(0.05, 0.2), (0.2, 0.5), (0.5, 0.9), (0.9, 1.01)]:
        band = (prob >= low) & (prob < high)
        p = prob[band]
        assert _within_sigmas(mat[band].sum(), p.sum(), (p * (1 - p)).sum())
    no_self = bp.connect.GaussianProb(sigma, p_min=p_min, include_self=False, seed=3)((30, 30), (30, 30))
    assert not np.diagonal(no_self.conn_mat).any()
    assert np.diagonal(mat).all()               # p = 1 at distance 0


def test_dog_sign_structure():
    sigmas, ws_max = (0.08, 0.15), (1.0, 0.7)
    conn = bp.connect.DOG(sigmas=sigmas, ws_max=ws_max, w_min=0.01, include_self=True)((40, 40), (40, 40))
    d2 = _distances2(conn, True)[conn.pre_ids, conn.post_ids]
    w = conn.weights
    expected = (ws_max[0] * np.exp(-d2 / (2 * sigmas[0] ** 2))
                - ws_max[1] * np.exp(-d2 / (2 * sigmas[1] ** 2)))
    np.testing.assert_allclose(w, expected)
    crossing2 = 2 * math.log(ws_max[0] / ws_max[1]) / (1 / sigmas[0] ** 2 - 1 / sigmas[1] ** 2)
    assert (w[d2 < crossing2 * 0.99] > 0).all()
    assert (w[d2 > crossing2 * 1.01] < 0).all()
    assert (np.abs(w) >= 0.01).all() and (w > 0).any() and (w < 0).any()
    assert w.max() == pytest.approx(0.3)            # the centre: w+ - w-
    full = _distances2(conn, True)
    all_w = 1.0 * np.exp(-full / (2 * sigmas[0] ** 2)) - 0.7 * np.exp(-full / (2 * sigmas[1] ** 2))
    assert conn.conn_mat.sum() == (np.abs(all_w) >= 0.01).sum()
    assert bp.connect.DOG(sigmas, ws_max).w_min == pytest.approx(0.003)


SEEDED_FACTORIES = [
    lambda seed: bp.connect.FixedProb(0.1, seed=seed),
    lambda seed: bp.connect.FixedProb(0.1, seed=seed, method="iter"),
    lambda seed: bp.connect.FixedPreNum(4, seed=seed),
    lambda seed: bp.connect.FixedPostNum(4, seed=seed),
    lambda seed: bp.connect.GaussianProb(0.3, seed=seed),
    lambda seed: bp.connect.SmallWorld(4, 0.3, seed=seed),
    lambda seed: bp.connect.ScaleFreeBA(2, seed=seed),
    lambda seed: bp.connect.ScaleFreeBADual(1, 3, 0.5, seed=seed),
    lambda seed: bp.connect.PowerLaw(2, 0.5, seed=seed),
]


@pytest.mark.parametrize("factory", SEEDED_FACTORIES)
def test_same_seed_same_graph(factory):
    size = (10, 10)
    a = factory(42)(size, size).csr
    b = factory(42)(size, size).csr
    c = factory(43)(size, size).csr
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))
    again = factory(42)
    again(size, size)
    again(size, size)       # calling twice with a seed rebuilds the same graph
    np.testing.assert_array_equal(again.csr.indices, a.indices)


@pytest.mark.parametrize("factory", SEEDED_FACTORIES)
def test_unseeded_connectors_follow_numpys_global_seed(factory):
    # BrainPy users write np.random.seed(...) to make a network reproducible
    size = (10, 10)
    graphs = []
    for global_seed in (5, 5, 6):
        np.random.seed(global_seed)
        graphs.append(factory(None)(size, size).csr)
    np.testing.assert_array_equal(graphs[0].indptr, graphs[1].indptr)
    np.testing.assert_array_equal(graphs[0].indices, graphs[1].indices)
    assert not (np.array_equal(graphs[0].indptr, graphs[2].indptr)
                and np.array_equal(graphs[0].indices, graphs[2].indices))


def test_generator_seed_advances():
    rng = np.random.default_rng(0)
    first = bp.connect.FixedProb(0.3, seed=rng)(20, 20).csr.indices.copy()
    second = bp.connect.FixedProb(0.3, seed=rng)(20, 20).csr.indices
    assert not np.array_equal(first, second)


def test_fractions_round_halves_up():
    conn = bp.connect.FixedPostNum(0.5, seed=1)(4, 5)
    assert set(np.diff(conn.csr.indptr)) == {3}


@pytest.mark.parametrize("method", ["matrix", "iter"])
def test_fixed_prob_indices_are_int32_when_the_synapses_fit(method):
    """1e10 possible pairs but ~1e4 synapses: int32 (the connection of a 400k network is half
    the memory), as documented in ``workbench.connect.base``."""
    conn = bp.connect.FixedProb(1e-6, seed=3, method=method)(100_000, 100_000)
    pre_slice, post_ids, pre2syn = conn.requires("pre_slice", "post_ids", "pre2syn")
    assert 9_000 < len(post_ids) < 11_000
    assert pre_slice.dtype == post_ids.dtype == pre2syn[0].dtype == np.int32


def test_fixed_prob_matrix_peak_memory_is_about_the_result(monkeypatch):
    """No per-synapse pre indices or concatenated copies: the peak of the drawing is the post
    indices (4 bytes per synapse) plus one chunk of gaps (made small here)."""
    import tracemalloc

    from workbench.connect import random as random_module
    monkeypatch.setattr(random_module, "_GAP_CHUNK", 1 << 15)       # 32k gaps: < 2 MB of chunk
    bp.connect.FixedProb(0.5, seed=1)(10, 10).requires("post_ids")  # compile the kernels first
    tracemalloc.start()
    try:
        conn = bp.connect.FixedProb(0.01, seed=5)(20_000, 20_000)
        post_ids = conn.requires("post_ids")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 3_900_000 < len(post_ids) < 4_100_000 and post_ids.dtype == np.int32
    # the old drawing kept per-synapse pre and post lists and their concatenations: 4x
    assert peak < 1.25 * post_ids.nbytes + 4 * 2 ** 20, (peak, post_ids.nbytes)


def test_fixed_prob_grows_a_short_index_array_to_the_same_graph(monkeypatch):
    from workbench.connect import random as random_module
    want = bp.connect.FixedProb(0.3, include_self=False, seed=9)(300, 200).requires(
        "pre_slice", "post_ids")
    monkeypatch.setattr(random_module, "_CAPACITY_SIGMAS", -40.0)   # far below the count drawn
    monkeypatch.setattr(random_module, "_GAP_CHUNK", 1 << 10)       # many chunks, a grow mid-way
    got = bp.connect.FixedProb(0.3, include_self=False, seed=9)(300, 200).requires(
        "pre_slice", "post_ids")
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
