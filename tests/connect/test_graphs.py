"""Graph models against analytic results: ring degrees, edge counts, degree laws, clustering."""

import math

import numpy as np
import pytest

import workbench as bp

from .reference import clustering


def _degrees(conn):
    return np.diff(conn.csr.indptr)


def _is_symmetric(conn):
    pairs = set(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()))
    return pairs == {(j, i) for i, j in pairs}


@pytest.mark.parametrize("num_neighbor, per_side", [(6, 3), (7, 3), (2, 1)])
def test_small_world_ring_at_zero_prob(num_neighbor, per_side):
    n = 50
    conn = bp.connect.SmallWorld(num_neighbor, prob=0.0, seed=1)(n, n)
    for i, row in enumerate(conn.pre2post):
        ring = sorted((i + d) % n for d in range(-per_side, per_side + 1) if d != 0)
        assert row.tolist() == ring
    assert set(_degrees(conn)) == {2 * per_side}


@pytest.mark.parametrize("n, num_neighbor", [(6, 4), (7, 4), (8, 6)])
def test_small_world_rewiring_of_dense_rings_terminates_and_keeps_a_simple_graph(n, num_neighbor):
    """Rings where rewiring saturates neurons (linked to all others): such a neuron must not rewire.

    The kernel tracks how many neurons each one is linked to; if it did not, a
    saturated neuron would search forever for a new partner. Every run keeps
    n * num_neighbor / 2 undirected edges, no self-loops and no multi-edges.
    """
    for seed in range(30):
        conn = bp.connect.SmallWorld(num_neighbor, prob=1.0, seed=seed)(n, n)
        pairs = set(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()))
        assert len(pairs) == len(conn.pre_ids) == n * num_neighbor
        assert pairs == {(j, i) for i, j in pairs}
        assert all(i != j for i, j in pairs)


def test_small_world_on_an_empty_group_is_an_empty_connection():
    """No neuron: nothing to connect and nothing to refuse, whatever `num_neighbor`."""
    for directed in (False, True):
        conn = bp.connect.SmallWorld(num_neighbor=4, prob=0.3, directed=directed, seed=1)(0, 0)
        assert conn.csr.shape == (0, 0) and conn.csr.num_syn == 0
    with pytest.raises(bp.errors.ConnectorError, match=r"`num_neighbor`=4 must be smaller than the number "
                                                       r"of neurons \(4\)"):
        bp.connect.SmallWorld(num_neighbor=4, prob=0.3, seed=1)(4, 4)


@pytest.mark.parametrize("prob", [0.1, 0.5, 1.0])
def test_small_world_rewiring_preserves_edges(prob):
    n, k = 500, 6
    conn = bp.connect.SmallWorld(k, prob, seed=3)(n, n)
    assert len(conn.pre_ids) == n * k                       # n k / 2 edges, two synapses each
    assert _is_symmetric(conn)
    assert not np.diagonal(conn.conn_mat).any()
    # Rewired edges leave the ring: about a fraction prob of ring edges is gone.
    ring = sum(conn.conn_mat[i, (i + d) % n] for i in range(n) for d in (1, 2, 3))
    kept = ring / (n * k / 2)
    sd = math.sqrt(prob * (1 - prob) / (n * k / 2))
    assert abs(kept - (1 - prob)) < 4 * sd + 0.02


def test_small_world_directed_keeps_out_degrees():
    n, k = 300, 4
    conn = bp.connect.SmallWorld(k, 0.4, directed=True, seed=2)(n, n)
    assert set(_degrees(conn)) == {k}
    assert not _is_symmetric(conn)
    assert len(set(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()))) == n * k


def test_small_world_include_self_allows_self_synapses():
    n = 40
    conn = bp.connect.SmallWorld(4, 1.0, include_self=True, seed=4)(n, n)
    loops = int(np.diagonal(conn.conn_mat).sum())
    assert loops > 0
    assert len(conn.pre_ids) == 2 * (n * 2) - loops         # a self-loop edge is one synapse


def test_small_world_clustering_follows_barrat_weigt():
    """C(p) ~ C(0) (1 - p)^3 with C(0) = 3 (k - 2) / (4 (k - 1)) (Barrat & Weigt 2000)."""
    n, k = 2000, 6
    c0 = 3 * (k - 2) / (4 * (k - 1))
    assert clustering(bp.connect.SmallWorld(k, 0.0)(n, n).pre2post) == pytest.approx(c0)
    for prob in (0.1, 0.3):
        measured = clustering(bp.connect.SmallWorld(k, prob, seed=5)(n, n).pre2post)
        assert measured == pytest.approx(c0 * (1 - prob) ** 3, rel=0.1)


def test_barabasi_albert_degree_law():
    """Exact edge count; P(k) = 2m(m+1) / (k(k+1)(k+2)) (Bollobas et al. 2001)."""
    n, m = 20000, 3
    conn = bp.connect.ScaleFreeBA(m, seed=1)(n, n)
    assert len(conn.pre_ids) == 2 * m * (n - m)
    assert _is_symmetric(conn) and not (conn.pre_ids == conn.post_ids).any()
    degree = _degrees(conn)
    assert degree[m + 1:].min() == m
    for k in (m, m + 1, m + 2, m + 4):
        p = 2 * m * (m + 1) / (k * (k + 1) * (k + 2))
        assert abs((degree == k).sum() - n * p) < 4 * math.sqrt(n * p * (1 - p)) + 0.02 * n * p
    for k in (12, 24, 48):
        tail = m * (m + 1) / (k * (k + 1))                  # P(degree >= k)
        assert (degree >= k).mean() == pytest.approx(tail, rel=0.15)


def test_barabasi_albert_directed_edges_point_to_older_neurons():
    n, m = 500, 2
    conn = bp.connect.ScaleFreeBA(m, directed=True, seed=2)(n, n)
    assert len(conn.pre_ids) == m * (n - m)
    assert (conn.pre_ids > conn.post_ids).all()
    assert set(_degrees(conn)[m + 1:]) == {m}


def test_dual_barabasi_albert_mixes_edge_numbers():
    n, m1, m2, p = 20000, 2, 6, 0.3
    conn = bp.connect.ScaleFreeBADual(m1, m2, p, directed=True, seed=3)(n, n)
    out_degree = _degrees(conn)[m2 + 1:]
    assert set(out_degree) == {m1, m2}
    share = (out_degree == m1).mean()
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / out_degree.size)
    undirected = bp.connect.ScaleFreeBADual(m1, m2, p, seed=3)(n, n)
    degree = _degrees(undirected)
    # Scale-free tail: P(degree >= k) ~ k^-2 between k = 15 and 120.
    slope = math.log((degree >= 120).mean() / (degree >= 15).mean()) / math.log(120 / 15)
    assert -2.3 < slope < -1.7


@pytest.mark.parametrize("degenerate_p, m", [(1.0, 3), (0.0, 5)])
def test_dual_barabasi_albert_reduces_to_ba(degenerate_p, m):
    n = 2000
    other = 4
    m1, m2 = (m, other) if degenerate_p == 1.0 else (other, m)
    dual = bp.connect.ScaleFreeBADual(m1, m2, degenerate_p, directed=True, seed=1)(n, n)
    assert set(_degrees(dual)[max(m1, m2) + 1:]) == {m}


def test_holme_kim_clustering_grows_with_p_and_keeps_the_tail():
    n, m = 5000, 3
    values = []
    for p in (0.0, 0.5, 0.9):
        conn = bp.connect.PowerLaw(m, p, seed=2)(n, n)
        assert len(conn.pre_ids) == 2 * m * (n - m)          # m edges per new neuron, always
        assert _is_symmetric(conn)
        degree = _degrees(conn)
        for k in (6, 12, 24):
            assert (degree >= k).mean() == pytest.approx(m * (m + 1) / (k * (k + 1)), rel=0.2)
        values.append(clustering(conn.pre2post))
    assert values[0] < 0.03 and values[1] > 0.15 and values[2] > values[1] + 0.1
