"""One2One, All2All and the grid connectors against brute-force references."""

import numpy as np
import pytest

import workbench as bp

from .reference import grid_neighbours


def _pairs(conn):
    return set(zip(conn.pre_ids.tolist(), conn.post_ids.tolist()))


def test_one2one_connects_same_positions():
    conn = bp.connect.One2One()((2, 3), (2, 3))
    np.testing.assert_array_equal(conn.conn_mat, np.eye(6))


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("sizes", [(4, 4), (3, 5), (5, 3)])
def test_all2all(include_self, sizes):
    num_pre, num_post = sizes
    conn = bp.connect.All2All(include_self=include_self)(num_pre, num_post)
    expected = np.ones(sizes)
    if not include_self:
        np.fill_diagonal(expected, 0.0)
    np.testing.assert_array_equal(conn.conn_mat, expected)


@pytest.mark.parametrize("include_self", [False, True])
@pytest.mark.parametrize("connector, reach, metric", [
    (lambda s: bp.connect.GridFour(include_self=s), 1, "manhattan"),
    (lambda s: bp.connect.GridEight(include_self=s), 1, "chebyshev"),
    (lambda s: bp.connect.GridN(N=1, include_self=s), 1, "chebyshev"),
    (lambda s: bp.connect.GridN(N=2, include_self=s), 2, "chebyshev"),
    (lambda s: bp.connect.GridN(N=3, include_self=s), 3, "chebyshev"),
])
@pytest.mark.parametrize("shape", [(5, 6), (1, 7), (7,), (4, 1), (1, 1)])
def test_grids_match_brute_force(connector, reach, metric, include_self, shape):
    conn = connector(include_self)(shape, shape)
    assert _pairs(conn) == grid_neighbours(shape, reach, metric, include_self)


@pytest.mark.parametrize("connector, interior, border, corner", [
    (bp.connect.GridFour(), 4, 3, 2),
    (bp.connect.GridEight(), 8, 5, 3),
    (bp.connect.GridN(N=2), 24, 14, 8),
    (bp.connect.GridN(N=2, include_self=True), 25, 15, 9),
])
def test_grid_degrees_at_interior_borders_and_corners(connector, interior, border, corner):
    height, width = 9, 10
    conn = connector((height, width), (height, width))
    degree = np.diff(conn.csr.indptr).reshape(height, width)
    in_degree = conn.conn_mat.sum(axis=0).reshape(height, width)
    np.testing.assert_array_equal(degree, in_degree)       # grids are symmetric
    assert degree[4, 5] == interior
    assert {degree[0, 0], degree[0, -1], degree[-1, 0], degree[-1, -1]} == {corner}
    if isinstance(connector, bp.connect.GridN):
        assert degree[0, 5] == border and degree[4, 0] == border     # middle of an edge
    else:
        assert set(degree[0, 1:-1]) == {border} and set(degree[1:-1, 0]) == {border}
