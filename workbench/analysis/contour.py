"""Zero level curves of a sampled function (marching squares), refined onto the curve.

Used for numeric nullclines: the function is sampled on the analysis grid;
every grid edge whose end values differ in sign holds one curve point, which
is refined by root finding along the edge (so the points lie on the curve to
machine precision, not merely interpolated); the points are connected cell by
cell (ambiguous saddle cells are resolved with the exact value at the cell
centre) and the segments are chained into polylines separated by NaN.
"""

import numpy as np

from .roots import refine_brackets

__all__ = ["zero_contour"]


def _edge_points(func, values, x, y):
    """Crossing points on horizontal and vertical grid edges.

    Returns the ids of crossed edges (horizontal first, vertical offset by the
    number of horizontal edges) and arrays of refined x, y by edge id.
    """
    ny, nx = values.shape
    positive = values >= 0.0
    finite = np.isfinite(values)
    n_h = ny * (nx - 1)
    px = np.full(n_h + ny * nx, np.nan)
    py = np.full(n_h + ny * nx, np.nan)

    h_cross = (positive[:, :-1] != positive[:, 1:]) & finite[:, :-1] & finite[:, 1:]
    v_cross = (positive[:-1, :] != positive[1:, :]) & finite[:-1, :] & finite[1:, :]
    hj, hi = np.nonzero(h_cross)
    vj, vi = np.nonzero(v_cross)

    # edge k goes from (x0, y0) to (x1, y1); search t in [0, 1]
    x0 = np.concatenate([x[hi], x[vi]])
    x1 = np.concatenate([x[hi + 1], x[vi]])
    y0 = np.concatenate([y[hj], y[vj]])
    y1 = np.concatenate([y[hj], y[vj + 1]])
    f0 = np.concatenate([values[hj, hi], values[vj, vi]])
    f1 = np.concatenate([values[hj, hi + 1], values[vj + 1, vi]])
    if x0.size:
        t = refine_brackets(lambda s, k: func(x0[k] + s * (x1[k] - x0[k]),
                                              y0[k] + s * (y1[k] - y0[k])),
                            np.zeros_like(x0), np.ones_like(x0), f0, f1, xtol=1e-12)
        ids = np.concatenate([hj * (nx - 1) + hi, n_h + vj * nx + vi])
        px[ids] = x0 + t * (x1 - x0)
        py[ids] = y0 + t * (y1 - y0)
    return px, py, positive, finite, n_h


def _segments(func, values, x, y, positive, finite, n_h):
    """Pairs of edge ids joined inside each grid cell."""
    ny, nx = values.shape
    j, i = np.meshgrid(np.arange(ny - 1), np.arange(nx - 1), indexing="ij")
    j, i = j.ravel(), i.ravel()
    bottom = j * (nx - 1) + i
    top = (j + 1) * (nx - 1) + i
    left = n_h + j * nx + i
    right = n_h + j * nx + i + 1
    p00, p01 = positive[j, i], positive[j, i + 1]
    p10, p11 = positive[j + 1, i], positive[j + 1, i + 1]
    ok = finite[j, i] & finite[j, i + 1] & finite[j + 1, i] & finite[j + 1, i + 1]
    crossed = np.stack([p00 != p01, p10 != p11, p00 != p10, p01 != p11])   # b, t, l, r
    count = crossed.sum(axis=0)
    edges = np.stack([bottom, top, left, right])

    pairs = []
    two = np.flatnonzero(ok & (count == 2))
    if two.size:
        which = np.argsort(~crossed[:, two], axis=0, kind="stable")[:2]
        pairs.append(np.stack([edges[which[0], two], edges[which[1], two]], axis=1))
    four = np.flatnonzero(ok & (count == 4))
    if four.size:
        centre = func(0.5 * (x[i[four]] + x[i[four] + 1]), 0.5 * (y[j[four]] + y[j[four] + 1]))
        joined = (centre >= 0.0) == p00[four]       # the p00-p11 diagonal is connected
        first = np.where(joined, right[four], left[four])
        second = np.where(joined, top[four], right[four])
        pairs.append(np.stack([bottom[four], first], axis=1))
        pairs.append(np.stack([np.where(joined, left[four], top[four]), second], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=int)
    return np.concatenate(pairs)


def _chain(pairs):
    """Chain segments sharing end points into polylines (lists of point ids)."""
    neighbours = {}
    for a, b in pairs:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    visited = set()
    lines = []

    def walk(start):
        line = [start]
        visited.add(start)
        current = start
        while True:
            nxt = [n for n in neighbours[current] if n not in visited]
            if not nxt:
                if len(line) > 2 and start in neighbours[current]:
                    line.append(start)          # a closed curve
                return line
            current = nxt[0]
            visited.add(current)
            line.append(current)

    for start in [p for p, n in neighbours.items() if len(n) == 1]:
        if start not in visited:
            lines.append(walk(start))
    for start in neighbours:
        if start not in visited:
            lines.append(walk(start))
    return lines


def zero_contour(func, x, y, values=None):
    """Polylines where ``func(x, y) = 0`` on a rectangular grid.

    Parameters
    ----------
    func : callable
        Vectorized ``func(x, y) -> values``.
    x, y : numpy.ndarray
        Increasing grids, shapes ``(nx,)`` and ``(ny,)``.
    values : numpy.ndarray, optional
        ``func`` sampled on the grid, shape ``(ny, nx)`` (computed when
        omitted).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Curve coordinates with NaN between polylines.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if values is None:
        values = func(x[None, :], y[:, None])
    values = np.asarray(values, dtype=float)
    px, py, positive, finite, n_h = _edge_points(func, values, x, y)
    pairs = _segments(func, values, x, y, positive, finite, n_h)
    lines = _chain(pairs.tolist())
    if not lines:
        return np.zeros(0), np.zeros(0)
    xs, ys = [], []
    for line in lines:
        xs.extend(px[line].tolist() + [np.nan])
        ys.extend(py[line].tolist() + [np.nan])
    return np.array(xs[:-1]), np.array(ys[:-1])
