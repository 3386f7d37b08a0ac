"""Vectorized root finding on grids: brackets, refinement, Newton, merging.

The strategy never relies on a single starting guess: functions are evaluated
on the requested grid, every grid interval with a sign change (or a grid node
with an exact zero) becomes a bracket that is refined to machine precision,
and local minima of ``|f|`` without a sign change (double roots such as a
saddle-node exactly at its bifurcation) are refined by golden-section search
and kept when ``|f|`` falls below ``fl_tol``. Two-dimensional searches without
a symbolic reduction use grid cells where both components change sign as
Newton starting points. All loops run over arrays of brackets at once.
"""

import numpy as np

__all__ = ["refine_brackets", "refine_minima", "roots_along_grid", "roots_separable", "newton",
           "merge_points", "cells_with_sign_changes", "undefined_nodes"]

_GOLDEN = 0.5 * (3.0 - np.sqrt(5.0))


def refine_brackets(func, a, b, fa, fb, xtol=1e-14, maxiter=100):
    """Refine brackets ``[a, b]`` with ``fa * fb <= 0`` by the Illinois method.

    Parameters
    ----------
    func : callable
        ``func(x, index) -> f`` for an array ``x`` of points, ``index`` the
        positions of these points among the brackets (to pick per-bracket
        parameters).
    a, b, fa, fb : numpy.ndarray
        Bracket ends and function values, shape ``(k,)``.
    xtol : float
        Relative tolerance on the bracket width.
    maxiter : int

    Returns
    -------
    numpy.ndarray
        Roots, shape ``(k,)``.
    """
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    fa, fb = np.array(fa, dtype=float), np.array(fb, dtype=float)
    root = np.where(fa == 0.0, a, np.where(fb == 0.0, b, 0.5 * (a + b)))
    active = np.flatnonzero((fa != 0.0) & (fb != 0.0))
    for _ in range(maxiter):
        if active.size == 0:
            break
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        with np.errstate(all="ignore"):
            c = (aa * ffb - bb * ffa) / (ffb - ffa)
        low, high = np.minimum(aa, bb), np.maximum(aa, bb)
        bad = ~np.isfinite(c) | (c <= low) | (c >= high)
        c = np.where(bad, 0.5 * (aa + bb), c)
        fc = func(c, active)
        switch = fc * ffb < 0.0
        new_a = np.where(switch, bb, aa)
        new_fa = np.where(switch, ffb, 0.5 * ffa)
        a[active], fa[active] = new_a, new_fa
        b[active], fb[active] = c, fc
        root[active] = c
        width = np.abs(b[active] - a[active])
        done = (fc == 0.0) | (width <= xtol * (1.0 + np.abs(c))) | ~np.isfinite(fc)
        active = active[~done]
    return root


def refine_minima(func, a, b, maxiter=80):
    """Minimize ``|func|`` on intervals ``[a, b]`` by golden-section search.

    Parameters
    ----------
    func : callable
        ``func(x, index) -> f`` as in :func:`refine_brackets`.
    a, b : numpy.ndarray
        Interval ends, shape ``(k,)``.
    maxiter : int

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Minimizers and ``|func|`` there.
    """
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    index = np.arange(a.size)
    c = a + _GOLDEN * (b - a)
    d = b - _GOLDEN * (b - a)
    fc, fd = np.abs(func(c, index)), np.abs(func(d, index))
    for _ in range(maxiter):
        left = fc < fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new_c = np.where(left, a + _GOLDEN * (b - a), d)
        new_d = np.where(left, c, b - _GOLDEN * (b - a))
        probe = np.where(left, new_c, new_d)
        fprobe = np.abs(func(probe, index))
        fc, fd = np.where(left, fprobe, fd), np.where(left, fc, fprobe)
        c, d = new_c, new_d
        if np.all(np.abs(b - a) <= 1e-13 * (1.0 + np.abs(a))):
            break
    x = np.where(fc < fd, c, d)
    return x, np.minimum(fc, fd)


def _double_root_candidates(values, le):
    """Interior nodes where |f| has a local minimum that no sign change explains.

    Only nodes where ``|f|`` is small compared with the local second difference
    are kept: a double root between grid nodes leaves ``|f| <~ |f''| h^2`` at
    the nearest node.
    """
    mid, left, right = values[:, 1:-1], values[:, :-2], values[:, 2:]
    same = (le[:, 1:-1] == le[:, :-2]) & (le[:, 1:-1] == le[:, 2:])
    magnitude = np.abs(mid)
    minimum = (magnitude < np.abs(left)) & (magnitude <= np.abs(right))
    curvature = np.abs(left - 2.0 * mid + right)
    return same & minimum & (magnitude <= 2.0 * curvature)


def _refine_double_roots(rows, cols, grid, func, fl_tol):
    if rows.size == 0:
        return rows, np.zeros(0)
    x_min, f_min = refine_minima(lambda x, k: func(x, rows[k]), grid[cols], grid[cols + 2])
    keep = f_min < fl_tol
    return rows[keep], x_min[keep]


def _collect(parts):
    rows = np.concatenate([p[0] for p in parts])
    roots = np.concatenate([p[1] for p in parts])
    order = np.lexsort((roots, rows))
    return rows[order], roots[order]


def roots_along_grid(values, grid, func, fl_tol):
    """All roots of rows of a function sampled on a common grid.

    A root lies in the grid interval ``[x_i, x_i+1]`` when exactly one of
    ``f(x_i) <= 0`` and ``f(x_i+1) <= 0`` holds (a zero on a node is found by
    one interval); each bracket is refined by :func:`refine_brackets`. Local
    minima of ``|f|`` without a sign change are refined by golden-section
    search and kept when ``|f| < fl_tol`` (double roots).

    Parameters
    ----------
    values : numpy.ndarray
        Samples, shape ``(rows, n)``: ``values[r, i] = f_r(grid[i])``; NaN
        marks points where ``f_r`` is undefined.
    grid : numpy.ndarray
        Shape ``(n,)``, increasing.
    func : callable
        ``func(x, rows) -> f`` evaluates ``f_rows[j](x[j])`` for arrays.
    fl_tol : float
        Tolerance on ``|f|`` for roots without a sign change.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Row indices and roots, sorted by row then root.
    """
    le = values <= 0.0
    change = le[:, :-1] != le[:, 1:]
    if np.isnan(values).any():
        finite = np.isfinite(values)
        change &= finite[:, :-1] & finite[:, 1:]
    rows, cols = np.nonzero(change)
    roots = refine_brackets(lambda x, k: func(x, rows[k]), grid[cols], grid[cols + 1],
                            values[rows, cols], values[rows, cols + 1]) if rows.size else \
        np.zeros(0)
    min_rows, min_cols = np.nonzero(_double_root_candidates(values, le))
    return _collect([(rows, roots), _refine_double_roots(min_rows, min_cols, grid, func, fl_tol)])


def roots_separable(a, b, grid, func, fl_tol):
    """Roots of ``f_j(x) = a(x) + b_j`` along a grid, for every row j, without a full grid.

    Interval ``i`` holds a root of row ``j`` when ``-b_j`` lies in the
    half-open range between ``a(x_i)`` and ``a(x_i+1)`` (the same rule as
    :func:`roots_along_grid`); the rows of each interval are found by binary
    search in the sorted ``-b``, so the cost grows with the number of roots,
    not with the grid size times the number of rows.

    Parameters
    ----------
    a : numpy.ndarray
        ``a(grid)``, shape ``(n,)``.
    b : numpy.ndarray
        Shape ``(rows,)``.
    grid : numpy.ndarray
        Shape ``(n,)``, increasing.
    func : callable
        ``func(x, rows) -> f`` as in :func:`roots_along_grid`.
    fl_tol : float

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Row indices and roots, sorted by row then root.
    """
    target = -np.asarray(b, dtype=float)
    order = np.argsort(target, kind="stable")
    ordered = target[order]
    a0, a1 = a[:-1], a[1:]
    rising = a0 < a1
    low, high = np.minimum(a0, a1), np.maximum(a0, a1)
    # rising: a0 <= t < a1 ; falling: a1 < t <= a0
    start = np.where(rising, np.searchsorted(ordered, low, "left"),
                     np.searchsorted(ordered, low, "right"))
    stop = np.where(rising, np.searchsorted(ordered, high, "left"),
                    np.searchsorted(ordered, high, "right"))
    valid = np.isfinite(a0) & np.isfinite(a1)
    counts = np.where(valid, np.maximum(stop - start, 0), 0)
    cols = np.repeat(np.arange(a.size - 1), counts)
    first = np.repeat(start, counts)
    offset = np.arange(cols.size) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = order[first + offset]
    b = np.asarray(b, dtype=float)
    roots = refine_brackets(lambda x, k: func(x, rows[k]), grid[cols], grid[cols + 1],
                            a[cols] + b[rows], a[cols + 1] + b[rows]) if rows.size else \
        np.zeros(0)

    # double roots: only at the extrema of a, which are the same for all rows
    extremum = np.flatnonzero(((a[1:-1] > a[:-2]) & (a[1:-1] >= a[2:])) |
                              ((a[1:-1] < a[:-2]) & (a[1:-1] <= a[2:])))
    parts = [(rows, roots)]
    if extremum.size:
        window = np.stack([a[extremum], a[extremum + 1], a[extremum + 2]], axis=1)
        values = window[None, :, :] + b[:, None, None]          # (rows, extrema, 3)
        le = values <= 0.0
        flat = values.reshape(-1, 3)
        mask = _double_root_candidates(flat, le.reshape(-1, 3))[:, 0]
        cand_rows, cand_ext = np.divmod(np.flatnonzero(mask), extremum.size)
        parts.append(_refine_double_roots(cand_rows, extremum[cand_ext], grid, func, fl_tol))
    return _collect(parts)


def newton(func, jac, x0, tol=1e-12, maxiter=50, max_step=None):
    """Vectorized Newton iterations for many independent n-dimensional systems.

    Parameters
    ----------
    func : callable
        ``func(x, index) -> f`` with ``x`` and ``f`` of shape ``(k, n)``;
        ``index`` holds the positions of the rows of ``x`` among the systems
        (to pick per-system parameters).
    jac : callable
        ``jac(x, index) -> J`` of shape ``(k, n, n)``.
    x0 : numpy.ndarray
        Starting points, shape ``(k, n)``.
    tol : float
        Stop when the step is below ``tol * (1 + |x|)``.
    maxiter : int
    max_step : numpy.ndarray, optional
        Per-component limit of one step, shape ``(n,)`` (damping far from
        the root).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Final points and a boolean array of those whose iteration converged.
    """
    x = np.array(x0, dtype=float)
    converged = np.zeros(len(x), dtype=bool)
    active = np.arange(len(x))
    for _ in range(maxiter):
        if active.size == 0:
            break
        xa = x[active]
        fa = func(xa, active)
        ja = jac(xa, active)
        ok = np.all(np.isfinite(fa), axis=1) & np.all(np.isfinite(ja), axis=(1, 2))
        det_ok = np.abs(np.linalg.det(np.where(ok[:, None, None], ja, np.eye(x.shape[1])))) > 0
        ok &= det_ok
        step = np.zeros_like(xa)
        if np.any(ok):
            step[ok] = np.linalg.solve(ja[ok], fa[ok][..., None])[..., 0]
        if max_step is not None:
            scale = np.max(np.abs(step) / max_step, axis=1)
            step = np.where(scale[:, None] > 1.0, step / np.maximum(scale, 1.0)[:, None], step)
        x[active] = xa - step
        small = np.all(np.abs(step) <= tol * (1.0 + np.abs(xa)), axis=1) & ok
        converged[active[small]] = True
        active = active[ok & ~small]
    return x, converged


def merge_points(points, tol, group=None, lookback=4):
    """Drop points closer than ``tol`` to an earlier point (of the same group).

    Points are sorted by group and first coordinate; each is compared with
    the ``lookback`` points before it in that order (duplicates of a root
    are adjacent there, since they agree in every coordinate).

    Parameters
    ----------
    points : numpy.ndarray
        Shape ``(k, n)``.
    tol : float
        Euclidean distance under which two points are the same.
    group : numpy.ndarray, optional
        Integer labels, shape ``(k,)``; only points with the same label merge.
    lookback : int
        How many preceding points each point is compared with.

    Returns
    -------
    numpy.ndarray
        Indices of the points kept, in increasing order.
    """
    points = np.asarray(points, dtype=float)
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    group = np.zeros(len(points), dtype=int) if group is None else np.asarray(group)
    order = np.lexsort((points[:, 0], group))
    ordered, labels = points[order], group[order]
    duplicate = np.zeros(len(points), dtype=bool)
    for shift in range(1, lookback + 1):
        if shift >= len(points):
            break
        close = np.linalg.norm(ordered[shift:] - ordered[:-shift], axis=1) <= tol
        close &= labels[shift:] == labels[:-shift]
        # only a point that is itself kept can absorb a later one
        close &= ~duplicate[:-shift]
        duplicate[shift:] |= close
    return np.sort(order[~duplicate])


def cells_with_sign_changes(f1, f2):
    """Grid cells where both components change sign across the four corners.

    Parameters
    ----------
    f1, f2 : numpy.ndarray
        Samples of the two components on a grid, shape ``(ny, nx)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Row and column index of the lower-left corner of each such cell.
    """
    def changes(values):
        corners = np.stack([values[:-1, :-1], values[1:, :-1], values[:-1, 1:], values[1:, 1:]])
        finite = np.all(np.isfinite(corners), axis=0)
        return finite & (np.min(corners, axis=0) <= 0.0) & (np.max(corners, axis=0) >= 0.0)
    return np.nonzero(changes(f1) & changes(f2))


def undefined_nodes(values):
    """Grid nodes where a row is undefined (NaN or inf) but its neighbours are not.

    An isolated undefined node is the trace of a removable singularity (``0 / 0``)
    that the grid hit exactly; a root there is invisible to the sign-change search,
    which skips intervals with an undefined end.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(rows, n)``.

    Returns
    -------
    numpy.ndarray
        Boolean mask of shape ``(rows, n)``; at the ends of the grid, the one
        neighbour must be defined.
    """
    finite = np.isfinite(values)
    padded = np.pad(finite, ((0, 0), (1, 1)), constant_values=True)
    isolated = ~finite & padded[:, :-2] & padded[:, 2:]
    if values.shape[1] < 2:
        return np.zeros_like(finite)
    return isolated
