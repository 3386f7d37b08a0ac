"""Codimension 2: fold and Hopf curves in two parameters, and the points on them.

A fold curve is the solution set of ``[f(x, p), det A] = 0`` and a Hopf curve
that of ``[f(x, p), h(A)] = 0`` (``h`` the bialternate test
:func:`~workbench.analysis.continuation.hopf_test`, ``trace A`` in 2-D), with
``A = df/dx`` from :class:`~workbench.analysis.normal_form.Derivatives` (exact,
or sixth-order differences, so that the continuation can differentiate it
again). Both are followed by pseudo-arclength continuation through the whole
box, from every fold and Hopf point found on one-parameter slices.

Codimension-2 points are detected by sign changes of test functions along the
curves and solved for with the curve's equations plus the test (Kuznetsov,
*Elements of Applied Bifurcation Theory*, ch. 8):

============================  ===========  ==================================
point                         curve        test function
============================  ===========  ==================================
Bogdanov-Takens (BT)          fold, Hopf   ``h(A)`` on folds, ``det A`` on Hopf
zero-Hopf (ZH, n >= 3)        fold, Hopf   the same, with a pair ``+-i w`` left
cusp (CP)                     fold         fold coefficient ``<p, B(q, q)>/2``
Bautin / generalized Hopf     Hopf         first Lyapunov coefficient ``l1``
============================  ===========  ==================================

On a Hopf curve, the part where the pair of eigenvalues is real (a neutral
saddle, beyond a BT point) is cut out with NaN rows, the curve ending exactly at
the BT point.
"""

import numpy as np
from scipy import optimize
from scipy.spatial import cKDTree

from .continuation import Continuation, _resampled, hopf_test
from .normal_form import first_lyapunov, first_lyapunov_many, fold_coefficient, fold_coefficients

__all__ = ["curve_equations", "curve_equations_many", "curve_jacobian",
           "curve_equations_and_jacobian", "bifurcation_curves",
           "grid_seeds", "CODIM2_TESTS"]

#: Test functions per curve kind: the codimension-2 kinds each one detects.
CODIM2_TESTS = {"fold": ("bt_zh", "cusp"), "hopf": ("bt_zh", "bautin")}


def curve_equations(system, derivatives, kind):
    """``H(u)`` of a fold or Hopf curve, ``u = (x..., p1, p2)``.

    Parameters
    ----------
    system : ReducedSystem
        With two free parameters.
    derivatives : Derivatives
    kind : {'fold', 'hopf'}

    Returns
    -------
    callable
    """
    n = system.dim
    test = np.linalg.det if kind == "fold" else hopf_test

    def equations(u):
        return np.append(system.f_point(u[:n], u[n:]), test(derivatives.jacobian(u[:n], u[n:])))
    return equations


def curve_equations_many(system, derivatives, kind):
    """:func:`curve_equations` at many points ``U`` (k, n + 2) at once: (k, n + 1).

    The numeric path's continuation differences the curve equations with it
    (one vectorized evaluation of f per Jacobian instead of one per column).
    """
    n = system.dim
    test = np.linalg.det if kind == "fold" else hopf_test

    def equations(U):
        X, P = U[:, :n], U[:, n:]
        values = np.asarray(system.f(list(X.T), list(P.T)), dtype=float).reshape(n, -1).T
        return np.hstack([values, test(derivatives.jacobians(X, P))[:, None]])
    return equations


def curve_jacobian(system, derivatives, kind):
    """Exact ``dH/du`` of :func:`curve_equations`, or None (differences are used then).

    Available on the symbolic path for fold curves and for planar Hopf curves
    (test function ``trace A``): the test function's gradient is
    ``sum_ij dtest/dA_ij dA_ij/du`` with ``d det/dA`` the cofactor matrix.
    """
    n = system.dim
    if not derivatives.symbolic or (kind == "hopf" and n != 2):
        return None

    def jacobian(u):
        x, p = u[:n], u[n:]
        a = system.jacobian_point(x, p)
        top = np.hstack([a, system.dfdp_point(x, p)])
        weights = _cofactors(a) if kind == "fold" else np.eye(n)
        return np.vstack([top, np.einsum("ij,ijk->k", weights,
                                         derivatives.jacobian_gradient(x, p))])
    return jacobian


def curve_equations_and_jacobian(system, derivatives, kind):
    """``u -> (H(u), dH/du(u))`` of :func:`curve_equations` and :func:`curve_jacobian` from
    one evaluation of the derivatives (:meth:`Derivatives.jet`), or None where there is
    no exact Jacobian.
    """
    if curve_jacobian(system, derivatives, kind) is None:
        return None
    n = system.dim
    test = np.linalg.det if kind == "fold" else hopf_test

    def both(u):
        f, first, gradient = derivatives.jet(u[:n], u[n:])
        a = first[:, :n]
        weights = _cofactors(a) if kind == "fold" else np.eye(n)
        values = np.empty(n + 1)
        values[:n] = f
        values[n] = test(a)
        jac = np.empty((n + 1, u.size))
        jac[:n] = first
        jac[n] = weights.ravel() @ gradient.reshape(n * n, -1)
        return values, jac
    return both


def _cofactors(a):
    """Cofactor matrix (the gradient of det) of a square matrix, singular ones included."""
    if a.shape[0] == 1:
        return np.ones((1, 1))
    if a.shape[0] == 2:
        return np.array([[a[1, 1], -a[1, 0]], [-a[0, 1], a[0, 0]]])
    u, singular, vt = np.linalg.svd(a)
    others = np.array([np.prod(np.delete(singular, k)) for k in range(len(singular))])
    # adj(A) = det(U) det(V^T) V diag(prod_{j != k} s_j) U^T, and cofactors = adj(A)^T
    return (np.linalg.det(u) * np.linalg.det(vt) * (vt.T * others) @ u.T).T


def _complex_pair(eigenvalues):
    scale = max(1.0, float(np.max(np.abs(eigenvalues))))
    return bool(np.any(eigenvalues.imag > 1e-7 * scale))


def _complex_pairs(eigenvalues):
    """:func:`_complex_pair` of every row of ``eigenvalues`` (k, n)."""
    scale = np.maximum(1.0, np.max(np.abs(eigenvalues), axis=1))
    return np.any(eigenvalues.imag > 1e-7 * scale[:, None], axis=1)


class _CurveTests:
    """Test functions along one curve (values per point, then the located roots)."""

    def __init__(self, system, derivatives, kind):
        self.system, self.derivatives, self.kind = system, derivatives, kind
        self.n = system.dim

    def jacobian(self, u):
        return self.derivatives.jacobian(u[:self.n], u[self.n:])

    def bt_zh(self, u, orientation=None):
        """Vanishes at BT and zero-Hopf points of the curve."""
        jac = self.jacobian(u)
        return hopf_test(jac) if self.kind == "fold" else np.linalg.det(jac)

    def cusp(self, u, orientation=None):
        value, _ = fold_coefficient(self.derivatives, u[:self.n], u[self.n:], orientation)
        return value

    def bautin(self, u, orientation=None):
        if not _complex_pair(np.linalg.eigvals(self.jacobian(u))):
            return np.nan
        value, _ = first_lyapunov(self.derivatives, u[:self.n], u[self.n:])
        return value

    def orientations(self, points):
        """Null vectors of A along a fold curve, oriented continuously (fixes the cusp test's sign)."""
        _, _, vt = np.linalg.svd(self.jacobians(points))
        q = vt[:, -1, :]
        # flip q_k when it points against the (already oriented) q_(k-1)
        flips = np.ones(len(q))
        flips[1:] = np.where(np.sum(q[1:] * q[:-1], axis=1) < 0, -1.0, 1.0)
        return q * np.cumprod(flips)[:, None]

    def jacobians(self, points):
        return self.derivatives.jacobians(points[:, :self.n], points[:, self.n:])

    def values(self, name, points, orientations):
        """The test ``name`` at every point of the curve (vectorized :meth:`bt_zh`, ...)."""
        X, P = points[:, :self.n], points[:, self.n:]
        if name == "bt_zh":
            jac = self.jacobians(points)
            return hopf_test(jac) if self.kind == "fold" else np.linalg.det(jac)
        if name == "cusp":
            return fold_coefficients(self.derivatives, X, P, orientations)
        values, _ = first_lyapunov_many(self.derivatives, X, P)
        values[~_complex_pairs(np.linalg.eigvals(self.jacobians(points)))] = np.nan
        return values


def _locate(equations, test, a, b, span, orientation):
    """Solve ``[H(u), test(u)] = 0`` from the chord between points ``a`` and ``b``."""
    def residual(u):
        return np.append(equations(u), test(u, orientation))
    va, vb = test(a, orientation), test(b, orientation)
    weight = va / (va - vb) if np.isfinite(va) and np.isfinite(vb) and va != vb else 0.5
    guess = a + weight * (b - a)
    with np.errstate(all="ignore"):
        solution = optimize.root(residual, guess, method="hybr", options={"xtol": 1e-13})
    value = residual(solution.x)
    if not np.all(np.isfinite(value)) or np.max(np.abs(value)) > 1e-8:
        return None
    # the root must lie on this piece of the curve (not a jump to another point)
    chord = np.linalg.norm((b - a) / span)
    if np.linalg.norm((solution.x - guess) / span) > 2.0 * chord + 1e-6:
        return None
    return solution.x, weight


def _classify_double_zero(eigenvalues):
    """'zero_hopf' when a pair +-i w with w > 0 remains, else 'bogdanov_takens'."""
    return "zero_hopf" if _complex_pair(eigenvalues) else "bogdanov_takens"


def curve_special_points(system, derivatives, kind, points, span):
    """Codimension-2 points on one fold or Hopf curve.

    Parameters
    ----------
    system : ReducedSystem
    derivatives : Derivatives
    kind : {'fold', 'hopf'}
    points : numpy.ndarray
        The curve ``(k, n + 2)`` (no NaN rows).
    span : numpy.ndarray
        Box size per coordinate (to measure distances).

    Returns
    -------
    list of (float, str, numpy.ndarray, numpy.ndarray)
        ``(position along the curve, kind, u, eigenvalues)``.
    """
    tests = _CurveTests(system, derivatives, kind)
    equations = curve_equations(system, derivatives, kind)
    orientations = tests.orientations(points) if kind == "fold" else [None] * len(points)
    found = []
    for name in CODIM2_TESTS[kind]:
        test = getattr(tests, name)
        values = tests.values(name, points, orientations)
        with np.errstate(invalid="ignore"):
            crossing = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
        for k in crossing:
            located = _locate(equations, test, points[k], points[k + 1], span, orientations[k])
            if located is None:
                continue
            u, weight = located
            eigenvalues = np.linalg.eigvals(tests.jacobian(u))
            if name == "bt_zh":
                point_kind = _classify_double_zero(eigenvalues)
                if point_kind == "zero_hopf" and system.dim < 3:
                    continue
            else:
                point_kind = name
            found.append((k + weight, point_kind, u, eigenvalues))
    found.sort(key=lambda item: item[0])
    return found


def _cut_neutral_saddles(system, derivatives, points, keep):
    """NaN where the Hopf test vanishes with a real pair (neutral saddles); ``keep`` rows stay."""
    n = system.dim
    out = points.copy()
    real = ~_complex_pairs(np.linalg.eigvals(derivatives.jacobians(points[:, :n], points[:, n:])))
    real[list(keep)] = False
    out[real] = np.nan
    return out


def grid_seeds(system, points, ranges, reach=0.1, lines=12):
    """Fold and Hopf seeds from the equilibria of a two-parameter grid.

    Along every searched grid line of each parameter, the equilibria at
    neighbouring values are paired (nearest in scaled coordinates, closer than
    ``reach``): a sign change of the Hopf test with a complex pair on either
    side gives a Hopf seed between them. Where the number of equilibria changes
    between neighbouring values, the two closest equilibria of the richer side
    (about to merge) give a fold seed. Curves that cross none of the
    one-parameter slices (closed curves between them) are found this way too.

    Parameters
    ----------
    system : ReducedSystem
        With two free parameters.
    points : numpy.ndarray
        Grid equilibria ``(k, n + 2)`` as ``(x..., p1, p2)``.
    ranges : numpy.ndarray
        ``(n + 2, 2)`` box.
    reach : float
    lines : int
        Grid lines searched per parameter (evenly spread; each costs a Python
        loop over its grid values).

    Returns
    -------
    list of (str, numpy.ndarray)
        ``('hopf' or 'fold', u)``, approximate: the continuation corrects them.
    """
    n = system.dim
    if len(points) < 2:
        return []
    span = ranges[:, 1] - ranges[:, 0]
    jac = system.jacobian([points[:, i] for i in range(n)], [points[:, n], points[:, n + 1]])
    test = hopf_test(jac) if n >= 2 else np.ones(len(points))
    complex_pair = np.any(np.abs(np.linalg.eigvals(jac).imag) > 0.0, axis=1)
    scaled = points[:, :n] / span[:n]
    seeds = []
    for along in (0, 1):
        across = points[:, n + 1 - along]
        values = np.unique(across)
        chosen = values[np.unique(np.linspace(0, len(values) - 1, lines).astype(int))]
        rows = np.flatnonzero(np.isin(across, chosen))
        # the rows of every searched line, by line, then grid value along it, then row index
        order = rows[np.lexsort((rows, points[rows, n + along], across[rows]))]
        line, level = across[order], points[order, n + along]
        new_group = np.ones(len(order), dtype=bool)
        new_group[1:] = (line[1:] != line[:-1]) | (level[1:] != level[:-1])
        starts = np.flatnonzero(new_group)
        sizes = np.diff(np.append(starts, len(order)))
        group_line = line[starts]
        # consecutive grid values of one line: groups k and k + 1
        pairs = np.flatnonzero(group_line[1:] == group_line[:-1])
        found = []          # (group pair, 0 for a fold / 1 for a Hopf seed, row, seed)
        for k in pairs[sizes[pairs] != sizes[pairs + 1]]:
            richer = k if sizes[k] > sizes[k + 1] else k + 1
            for seed in _fold_seed(points, scaled, order[starts[richer]:starts[richer] +
                                                         sizes[richer]]):
                found.append((k, 0, 0, seed))
        if n >= 2 and len(pairs):
            found.extend(_hopf_seeds(points, scaled, test, complex_pair, order, starts, sizes,
                                     pairs, reach))
        found.sort(key=lambda item: item[:3])
        seeds.extend(seed for *_, seed in found)
    return seeds


def _hopf_seeds(points, scaled, test, complex_pair, order, starts, sizes, pairs, reach):
    """Hopf seeds between the equilibria of grid groups ``k`` and ``k + 1`` for ``k`` in pairs.

    Each equilibrium of group ``k`` is paired with the nearest one of group
    ``k + 1`` (first of equals); a sign change of the Hopf test between them,
    closer than ``reach``, with a complex pair on either side, gives a seed by
    linear interpolation of the test.
    """
    # every (a in group k, b in group k + 1) combination, a in order, b in order
    a_count = sizes[pairs]
    a_pos = np.repeat(starts[pairs], a_count) + _ranges_within(a_count)
    a_pair = np.repeat(pairs, a_count)
    b_count = sizes[a_pair + 1]
    a_rep = np.repeat(a_pos, b_count)
    b_pos = np.repeat(starts[a_pair + 1], b_count) + _ranges_within(b_count)
    a_rows, b_rows = order[a_rep], order[b_pos]
    distance = np.linalg.norm(scaled[a_rows] - scaled[b_rows], axis=1)
    # nearest b per a: the first minimum within each a's run of combinations
    first = np.concatenate([[0], np.cumsum(b_count)[:-1]])
    minimum = np.minimum.reduceat(distance, first)
    is_min = distance == np.repeat(minimum, b_count)
    candidates = np.flatnonzero(is_min)
    owner = np.repeat(np.arange(len(a_pos)), b_count)[candidates]
    take = candidates[np.concatenate([[True], owner[1:] != owner[:-1]])]
    a, b, d = a_rows[take], b_rows[take], distance[take]
    ok = (d < reach) & (test[a] * test[b] < 0) & (complex_pair[a] | complex_pair[b])
    out = []
    for k, row_a, row_b in zip(a_pair[ok], a[ok], b[ok]):
        weight = test[row_a] / (test[row_a] - test[row_b])
        out.append((k, 1, row_a, ("hopf", points[row_a] + weight * (points[row_b] - points[row_a]))))
    return out


def _ranges_within(counts):
    """``0..c-1`` for each count ``c``, concatenated."""
    total = int(np.sum(counts))
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - offsets


def _fold_seed(points, scaled, group):
    """The midpoint of the two closest equilibria of one grid value (a pair about to merge)."""
    if len(group) < 2:
        return []
    distance = np.linalg.norm(scaled[group][:, None] - scaled[group][None], axis=2)
    distance[np.diag_indices(len(group))] = np.inf
    a, b = np.unravel_index(np.argmin(distance), distance.shape)
    return [("fold", 0.5 * (points[group[a]] + points[group[b]]))]


def bifurcation_curves(system, derivatives, seeds, ranges, max_curves=16, stops=None):
    """Continue folds and Hopf points in two parameters and locate codim-2 points.

    Parameters
    ----------
    system : ReducedSystem
        With two free parameters.
    derivatives : Derivatives
    seeds : list of (str, numpy.ndarray)
        ``(kind, u)`` with ``u = (x..., p1, p2)`` located on one-parameter
        slices.
    ranges : numpy.ndarray
        ``(n + 2, 2)`` box.
    max_curves : int
    stops : list, optional
        Receives the messages of curves that ended inside the box.

    Returns
    -------
    (list of (str, numpy.ndarray), list of (str, numpy.ndarray, numpy.ndarray))
        The curves ``(kind, points)`` (points ``(k, n + 2)``, Hopf curves cut
        with NaN rows where the pair of eigenvalues is real) and the
        codimension-2 points ``(kind, u, eigenvalues)``.
    """
    low, high = ranges[:, 0], ranges[:, 1]
    span = high - low
    curves, specials = [], []
    for kind in ("fold", "hopf"):
        solver = Continuation(curve_equations(system, derivatives, kind),
                              curve_jacobian(system, derivatives, kind), low, high,
                              ds=0.01, ds_max=0.02,
                              func_many=curve_equations_many(system, derivatives, kind),
                              names=list(system.unknowns) + list(system.free),
                              func_jac=curve_equations_and_jacobian(system, derivatives, kind))
        traced = []         # k-d trees of the curves traced (scaled coordinates)
        for seed_kind, u0 in seeds:
            if seed_kind != kind or len(curves) >= max_curves:
                continue
            scaled = (np.asarray(u0) - low) / span
            if any(tree.query(scaled)[0] < 0.03 for tree in traced):
                continue
            # a grid seed may lie off the curve: compare where it lands on it
            landed = solver.project(u0) if traced else u0
            if landed is None or any(tree.query((landed - low) / span)[0] < 0.03
                                     for tree in traced):
                continue
            points, _ = solver.trace(landed)
            if stops is not None:
                stops.extend(f"{kind} curve: {message}" for message in solver.stops)
            if len(points) < 2:
                continue
            traced.append(cKDTree(_resampled((points - low) / span)))
            found = curve_special_points(system, derivatives, kind, points, span)
            specials.extend((item[1], item[2], item[3]) for item in found)
            if kind == "hopf":
                # the curve ends exactly at its BT points: insert them, then cut the neutral saddles
                ends = [item for item in found if item[1] in ("bogdanov_takens", "zero_hopf")]
                where = np.array([int(np.floor(item[0])) + 1 for item in ends], dtype=int)
                points = np.insert(points, where, np.array([item[2] for item in ends]).reshape(
                    -1, points.shape[1]), axis=0)
                keep = set((where + np.arange(len(where))).tolist())
                points = _cut_neutral_saddles(system, derivatives, points, keep)
            curves.append((kind, points))
    return curves, specials
