"""Equilibria on grids: for one parameter set (phase plane) or many (bifurcation).

One-dimensional systems, and two-dimensional systems for which SymPy solved
one equation for one unknown (``y = g(x, p)``), reduce to one-dimensional
root finding along the requested grid of the remaining unknown, for all
parameter values at once. Two-dimensional systems without such a solution
use Newton from grid cells where both components change sign (and, when
``shgo_args`` is given, scipy's ``shgo`` as an extra search). Every candidate
is checked against the full equations (``|f| <= fl_tol``) and the box, and
duplicates closer than ``xl_tol`` are merged.

A reduction ``y = g(x, p)`` can be undefined at isolated values of ``x`` where
the equation still has roots: ``x y^2 + y + x^3 - mu x = 0`` solved for ``y``
divides by ``x``, so ``g(0)`` is NaN although ``(0, 0)`` is an equilibrium. The
values of ``x`` where a denominator of ``g`` vanishes (found by SymPy), the
grid nodes where the residual is undefined between defined neighbours and the
roots of the residual where ``g`` is undefined are searched separately: along such a line ``x = x*`` the zeros of each component
of ``f`` on the grid of ``y`` are candidates. Equilibria of a reduction are
then refined by Newton on the full 2-D equations (the completion ``g`` can lose
digits near such a point) before the check.
"""

import numpy as np
from scipy import optimize

from .roots import (cells_with_sign_changes, merge_points, newton, roots_along_grid,
                    roots_separable, undefined_nodes)

__all__ = ["find_fixed_points", "batched_equilibria", "in_range", "equilibrium_lines",
           "off_lines", "singular_lines"]

#: A residual this small (relative to 1 or to its largest value on the grid) vanishes
#: identically; it stays far below the |f| of isolated roots at neighbouring grid points.
_IDENTICALLY_ZERO = 1e-10
#: Grid points in a row on which a residual must vanish to form a line of equilibria.
_MIN_LINE_POINTS = 3

#: Points of a reduction whose residual ``max |f|`` is at most this are left as found:
#: they are exact to rounding, and Newton would only move them by rounding (which the
#: continuations started from them need not see).
_POLISH_ABOVE = 1e-12

#: Most function values evaluated at once (rows of a parameter batch are chunked).
_CHUNK = 2_000_000


def in_range(values, bounds, slack=1e-9):
    """Boolean mask of values inside ``bounds`` (with a relative slack).

    Parameters
    ----------
    values : numpy.ndarray
    bounds : (float, float)
    slack : float

    Returns
    -------
    numpy.ndarray
    """
    low, high = bounds
    pad = slack * (high - low)
    return (values >= low - pad) & (values <= high + pad)


def _chunks(rows, width):
    step = max(1, _CHUNK // max(width, 1))
    for start in range(0, rows, step):
        yield start, min(rows, start + step)


def batched_equilibria(system, grids, P, fl_tol):
    """Roots for a batch of parameter values, when a 1-D search suffices.

    Parameters
    ----------
    system : ReducedSystem
    grids : dict
        Grid per unknown.
    P : sequence of numpy.ndarray
        One array of shape ``(B,)`` per free parameter (may be empty for
        B = 1).
    fl_tol : float

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        Batch row of each root and the points ``(k, n)``; None for a 2-D
        system without a SymPy reduction.
    """
    residuals = system.residuals()
    if residuals is None:
        return None
    batch = len(P[0]) if P else 1
    all_rows, all_points = [], []
    line_rows, line_x = [], []
    for residual in residuals:
        grid = grids[residual.variable]

        def func(x, rows, residual=residual):
            return residual(x, [par[rows] for par in P])

        if residual.separable:
            a, b = residual.parts(grid, P)
            rows, roots = roots_separable(a, b, grid, func, fl_tol)
            cols = np.flatnonzero(undefined_nodes(a[None, :])[0])
            line_rows.append(np.repeat(np.arange(batch), cols.size))
            line_x.append(np.tile(grid[cols], batch))
        else:
            rows, roots, holes = _roots_in_chunks(residual, grid, P, batch, fl_tol)
            line_rows.append(holes[0])
            line_x.append(grid[holes[1]])
        completed = residual.complete(roots, [par[rows] for par in P])
        # a bracket refined onto the undefined point itself (a root at a removable
        # singularity, or a sign change across a pole) leaves a root without completion
        lost = np.isfinite(roots) & ~np.all(np.isfinite(completed), axis=1)
        line_rows.append(rows[lost])
        line_x.append(roots[lost])
        all_rows.append(rows)
        all_points.append(completed)
    rows, points = np.concatenate(all_rows), np.vstack(all_points)
    if system.dim == 2:
        solution = residuals[0].solution
        singular = system.singular_values(solution, P, batch)
        line_rows.append(np.tile(np.arange(batch), len(singular)))
        line_x.append(singular.ravel())
        extra_rows, extra = _roots_on_lines(system, solution, grids, np.concatenate(line_rows),
                                            np.concatenate(line_x), P, fl_tol)
        rows = np.concatenate([rows, extra_rows])
        points = np.vstack([points, extra])
        points = polish(system, rows, points, P, grids)
    return rows, points


def _roots_in_chunks(residual, grid, P, batch, fl_tol):
    rows_out, roots_out, hole_rows, hole_cols = [], [], [], []
    for start, stop in _chunks(batch, grid.size):
        values = residual(grid[None, :], [par[start:stop, None] for par in P])
        values = np.broadcast_to(values, (stop - start, grid.size))
        rows, roots = roots_along_grid(
            values, grid, lambda x, r: residual(x, [par[start + r] for par in P]), fl_tol)
        rows_out.append(rows + start)
        roots_out.append(roots)
        holes = np.nonzero(undefined_nodes(values))
        hole_rows.append(holes[0] + start)
        hole_cols.append(holes[1])
    return (np.concatenate(rows_out), np.concatenate(roots_out),
            (np.concatenate(hole_rows), np.concatenate(hole_cols)))


def _roots_on_lines(system, solution, grids, rows, xs, P, fl_tol):
    """Equilibria on the lines ``x = xs[j]`` (parameters of batch row ``rows[j]``).

    Along each line, every zero of either component of ``f`` on the grid of the
    solved unknown is a candidate; :func:`accept` keeps those where both vanish. A
    component vanishing identically along the line gives no candidate, the other one
    does.
    """
    other = solution.variable
    search = [u for u in system.unknowns if u != other][0]
    grid, y_grid = grids[search], grids[other]
    keep = np.isfinite(xs) & in_range(xs, (grid[0], grid[-1]))
    rows, xs = rows[keep], xs[keep]
    if rows.size:
        # one line per (row, x): the same x found twice (SymPy and a NaN node) is searched once
        pairs = np.unique(np.stack([rows.astype(float), xs], axis=1), axis=0)
        rows, xs = pairs[:, 0].astype(int), pairs[:, 1]

    def evaluate(x, y, r):
        values = {search: x, other: y}
        return system.f([values[u] for u in system.unknowns], [par[r] for par in P])

    out_rows, out_points = [np.zeros(0, dtype=int)], [np.zeros((0, 2))]
    for start, stop in _chunks(rows.size, y_grid.size):
        r, x = rows[start:stop], xs[start:stop]
        with np.errstate(all="ignore"):
            values = evaluate(x[:, None], y_grid[None, :], r[:, None])
        for component in range(2):
            def func(y, k, component=component, r=r, x=x):
                with np.errstate(all="ignore"):
                    return evaluate(x[k], y, r[k])[component]
            found, y = roots_along_grid(values[component], y_grid, func, fl_tol)
            coordinates = {search: x[found], other: y}
            out_rows.append(r[found])
            out_points.append(np.stack([coordinates[u] for u in system.unknowns], axis=1))
    return np.concatenate(out_rows), np.vstack(out_points)


def polish(system, rows, points, P, grids):
    """Refine points by Newton on the full equations, keeping each near where it started.

    Only points with ``max |f|`` above ``_POLISH_ABOVE`` are refined. A refined point
    replaces the original only when Newton converged within one grid step of it and
    ``|f|`` did not grow; otherwise (a singular Jacobian at a fold, a jump to another
    equilibrium) the point stays as found.

    Parameters
    ----------
    system : ReducedSystem
    rows : numpy.ndarray
        Batch row of each point.
    points : numpy.ndarray
        ``(k, n)``.
    P : sequence of numpy.ndarray
        Parameter batch.
    grids : dict

    Returns
    -------
    numpy.ndarray
        ``(k, n)``.
    """
    points = np.array(points, dtype=float)
    index = np.flatnonzero(np.all(np.isfinite(points), axis=1))
    if index.size == 0:
        return points
    with np.errstate(all="ignore"):
        size = np.max(np.abs(system.f(list(points[index].T),
                                      [par[rows[index]] for par in P])), axis=0)
    index = index[~(size <= _POLISH_ABOVE)]
    if index.size == 0:
        return points
    step = np.array([np.max(np.diff(grids[u])) for u in system.unknowns])
    own = rows[index]

    def parameters(k):
        return [par[own[k]] for par in P]

    def func(z, k):
        with np.errstate(all="ignore"):
            return system.f(list(z.T), parameters(k)).T

    def jac(z, k):
        with np.errstate(all="ignore"):
            return system.jacobian(list(z.T), parameters(k))

    start = points[index]
    every = np.arange(index.size)
    refined, converged = newton(func, jac, start, max_step=step)
    before = np.max(np.abs(func(start, every)), axis=1)
    after = np.max(np.abs(func(refined, every)), axis=1)
    better = (converged & np.all(np.abs(refined - start) <= step, axis=1) &
              np.all(np.isfinite(refined), axis=1) & ~(after > before))
    points[index[better]] = refined[better]
    return points


def accept(system, rows, points, P, ranges, options):
    """Keep roots inside the box that satisfy the full equations; merge duplicates.

    Parameters
    ----------
    system : ReducedSystem
    rows : numpy.ndarray
        Batch row of each point.
    points : numpy.ndarray
        ``(k, n)``.
    P : sequence of numpy.ndarray
        Parameter batch.
    ranges : dict
        ``{unknown: (min, max)}``.
    options : dict

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Rows and points kept, sorted by row then first unknown.
    """
    if len(points) == 0:
        return rows, points
    keep = np.all(np.isfinite(points), axis=1)
    for i, name in enumerate(system.unknowns):
        keep &= in_range(points[:, i], ranges[name])
    rows, points = rows[keep], points[keep]
    if len(points):
        residual = system.f(list(points.T), [par[rows] for par in P] if P else [])
        good = np.max(np.abs(residual), axis=0) <= max(options["fl_tol"], 1e-9)
        rows, points = rows[good], points[good]
    kept = merge_points(points, options["xl_tol"], group=rows)
    rows, points = rows[kept], points[kept]
    order = np.lexsort((points[:, 0], rows)) if len(points) else np.zeros(0, dtype=int)
    return rows[order], points[order]


def find_fixed_points(system, grids, ranges, options, P=()):
    """Equilibria of a 1-D or 2-D system inside the box, for fixed parameters.

    Parameters
    ----------
    system : ReducedSystem
    grids : dict
        Search grid per unknown.
    ranges : dict
        ``{unknown: (min, max)}``.
    options : dict
        Normalized options (``fl_tol``, ``xl_tol``, ``shgo_args``, ...).
    P : sequence of float
        Values of the free parameters, if any.

    Returns
    -------
    numpy.ndarray
        Points ``(k, n)`` sorted by the first unknown.
    """
    batch = [np.array([float(p)]) for p in P]
    found = batched_equilibria(system, grids, batch, options["fl_tol"])
    if found is None:
        points = _fixed_points_cells(system, grids, list(P))
        found = (np.zeros(len(points), dtype=int), points)
    rows, points = found
    if system.dim == 2 and options["shgo_args"] is not None:
        extra = _fixed_points_shgo(system, ranges, options, list(P))
        rows = np.concatenate([rows, np.zeros(len(extra), dtype=int)])
        points = np.vstack([points, extra])
    return accept(system, rows, points, batch, ranges, options)[1]


def _fixed_points_cells(system, grids, P):
    """2-D equilibria by Newton from grid cells where both components change sign."""
    x_name, y_name = system.unknowns
    x, y = grids[x_name], grids[y_name]
    values = system.f([x[None, :], y[:, None]], P)
    rows, cols = cells_with_sign_changes(values[0], values[1])
    if rows.size == 0:
        return np.zeros((0, 2))
    start = np.stack([0.5 * (x[cols] + x[cols + 1]), 0.5 * (y[rows] + y[rows + 1])], axis=1)
    cell = np.array([np.max(np.diff(x)), np.max(np.diff(y))])
    points, converged = newton(lambda z, _: system.f([z[:, 0], z[:, 1]], P).T,
                               lambda z, _: system.jacobian([z[:, 0], z[:, 1]], P),
                               start, max_step=2.0 * cell)
    for k in np.flatnonzero(~converged):
        solution = optimize.root(lambda z: system.f(list(z), P), start[k], method="hybr")
        if solution.success:
            points[k], converged[k] = solution.x, True
    return points[converged]


def _fixed_points_shgo(system, ranges, options, P):
    """Extra candidates: global minimization of |f|^2 with scipy's shgo."""
    bounds = [ranges[n] for n in system.unknowns]
    result = optimize.shgo(lambda z: float(np.sum(system.f(list(z), P) ** 2)), bounds,
                           **options["shgo_args"])
    if options["show_shgo"]:
        print(result)
    candidates = np.atleast_2d(getattr(result, "xl", np.zeros((0, system.dim))))
    if candidates.size == 0:
        return np.zeros((0, system.dim))
    values = np.atleast_1d(getattr(result, "funl", np.zeros(len(candidates))))
    return candidates[np.sqrt(values) < options["fl_tol"]]


def equilibrium_lines(system, grids, ranges, P=()):
    """Continua of equilibria: runs of grid points on which a residual vanishes identically.

    A degenerate system (``dx = y - x, dy = x - y``) has a line of equilibria; root
    finding sees no sign change there and would report no fixed point at all.

    Parameters
    ----------
    system : ReducedSystem
    grids : dict
        Search grid per unknown.
    ranges : dict
        ``{unknown: (min, max)}``.
    P : sequence of float
        Values of the free parameters, if any.

    Returns
    -------
    list of numpy.ndarray
        One array ``(k, n)`` per line: its points at the grid, inside the box. Empty for
        a 2-D system without a SymPy reduction (not searched).
    """
    residuals = system.residuals()
    if residuals is None:
        return []
    params = [np.array([float(p)]) for p in P]
    lines = []
    for residual in residuals:
        grid = grids[residual.variable]
        with np.errstate(all="ignore"):
            values = np.asarray(residual(grid, [p[0] for p in params]), dtype=float)
        finite = np.isfinite(values)
        if not finite.any():
            continue
        tiny = _IDENTICALLY_ZERO * max(1.0, float(np.max(np.abs(values[finite]))))
        for start, stop in _true_runs(finite & (np.abs(values) <= tiny)):
            if stop - start < _MIN_LINE_POINTS:
                continue
            points = residual.complete(grid[start:stop], [p[0] for p in params])
            keep = np.all(np.isfinite(points), axis=1)
            for i, name in enumerate(system.unknowns):
                keep &= in_range(points[:, i], ranges[name])
            if keep.sum() >= _MIN_LINE_POINTS:
                lines.append(points[keep])
    return lines


def off_lines(points, lines, grids, unknowns):
    """The points not lying on one of the lines (within two grid steps).

    Parameters
    ----------
    points : numpy.ndarray
        ``(k, n)``.
    lines : list of numpy.ndarray
    grids : dict
    unknowns : sequence of str

    Returns
    -------
    numpy.ndarray
        The rows of ``points`` kept.
    """
    if not lines or len(points) == 0:
        return points
    step = np.array([2.0 * np.max(np.diff(grids[name])) for name in unknowns])
    keep = np.ones(len(points), dtype=bool)
    for line in lines:
        near = np.all(np.abs(points[:, None, :] - line[None, :, :]) <= step, axis=2)
        keep &= ~near.any(axis=1)
    return points[keep]


def singular_lines(points, jacobians, grids, unknowns):
    """Lines among equilibria with a singular Jacobian (the 2-D search without SymPy).

    Newton started in every grid cell crossed by a line of equilibria converges to
    points along it, each with a singular Jacobian. Three or more such points, each
    within a few grid steps of the next along the line, are one line.

    Parameters
    ----------
    points : numpy.ndarray
        ``(k, 2)`` equilibria.
    jacobians : numpy.ndarray
        ``(k, 2, 2)``.
    grids : dict
    unknowns : sequence of str

    Returns
    -------
    (list of numpy.ndarray, numpy.ndarray)
        The lines (points in order along each) and a mask of the points left isolated.
    """
    isolated = np.ones(len(points), dtype=bool)
    if len(points) < _MIN_LINE_POINTS:
        return [], isolated
    scale = np.maximum(1.0, np.sum(jacobians ** 2, axis=(1, 2)))
    singular = np.abs(np.linalg.det(jacobians)) <= 1e-6 * scale
    index = np.flatnonzero(singular)
    if index.size < _MIN_LINE_POINTS:
        return [], isolated
    chosen = points[index]
    centred = chosen - chosen.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    order = np.argsort(centred @ direction)
    index, chosen = index[order], chosen[order]
    step = np.array([np.max(np.diff(grids[name])) for name in unknowns])
    gaps = np.max(np.abs(np.diff(chosen, axis=0)) / step, axis=1) > 4.0
    lines = []
    for part_index, part in zip(np.split(index, np.flatnonzero(gaps) + 1),
                                np.split(chosen, np.flatnonzero(gaps) + 1)):
        if len(part) >= _MIN_LINE_POINTS:
            lines.append(part)
            isolated[part_index] = False
    return lines, isolated


def _true_runs(mask):
    """(start, stop) of the runs of True in a 1-D boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))
