"""Pseudo-arclength continuation of equilibria, folds and Hopf points.

:class:`Continuation` follows the solution curve of ``H(u) = 0`` with
``H: R^(N+1) -> R^N`` (Keller's pseudo-arclength method: tangent predictor,
Newton corrector on the curve and the hyperplane orthogonal to the tangent,
step size adapted to the Newton iteration count and the turning angle), in
coordinates scaled to the unit box of the analysis ranges.

On top of it:

* :func:`equilibrium_branches` traces every branch of ``f(x, p) = 0`` through
  the equilibria found on the grid (seeds left uncovered start new branches,
  so isolas are traced too);
* :func:`locate_special_points` detects folds (``det df/dx`` changes sign and
  the parameter turns) and Hopf points (the bialternate test
  ``prod_{i<j} (l_i + l_j)`` changes sign while a complex pair crosses the
  imaginary axis; ``trace df/dx`` in 2-D) and solves the augmented system
  ``[f, test] = 0`` by Newton to machine precision;
* :class:`ParameterSlice` views a two-parameter system as a one-parameter
  one (the codimension-2 curves, :mod:`~workbench.analysis.codim2`, start from
  special points of such slices).
"""

import math

import numpy as np
from scipy import optimize
from scipy.linalg import lapack
from scipy.spatial import cKDTree

from .stability import classify

__all__ = ["Continuation", "hopf_test", "equilibrium_branches", "locate_special_points",
           "with_special_points", "branch_stability", "ParameterSlice"]


class Continuation:
    """Pseudo-arclength continuation of ``H(u) = 0`` inside a box.

    Parameters
    ----------
    func : callable
        ``H(u) -> (N,)`` for ``u`` of shape ``(N+1,)``.
    jac : callable or None
        ``dH/du(u) -> (N, N+1)``; central differences when None.
    low, high : numpy.ndarray
        The box, shape ``(N+1,)``; the curve is followed until it leaves the
        box enlarged by ``margin``.
    ds, ds_min, ds_max : float
        Initial, smallest and largest step, in units of the box size.
    max_steps : int
        Steps per direction.
    margin : float
        Relative enlargement of the box.
    names : sequence of str, optional
        Names of the coordinates of ``u`` (for the messages in :attr:`stops`).
    func_many : callable, optional
        ``H`` of many points ``(k, N+1) -> (k, N)`` at once; the central
        differences (when ``jac`` is None) then take one call.
    func_jac : callable, optional
        ``u -> (H(u), dH/du(u))`` from one evaluation; the Newton corrector
        then makes one call per iteration instead of two (``func`` and ``jac``
        must give the same values: they are still used on their own).

    Attributes
    ----------
    stops : list of str
        After :meth:`trace`: why each direction ended inside the box (Newton
        failed at the smallest step, or the step budget ran out), naming the
        point and the last step size; empty when both ends reached the box's
        edge or the curve closed.
    """

    def __init__(self, func, jac, low, high, ds=0.01, ds_min=1e-6, ds_max=0.03,
                 max_steps=3000, margin=0.02, names=None, func_many=None, func_jac=None):
        self.func = func
        self.func_many = func_many
        self.func_jac = func_jac
        self.jac = jac
        self.low = np.asarray(low, dtype=float)
        self.span = np.asarray(high, dtype=float) - self.low
        self.ds, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.max_steps = max_steps
        self.margin = margin
        self.names = list(names) if names is not None else [f"u{i}" for i in range(self.low.size)]
        self.stops = []
        self.last_jacobian = None

    def _where(self, v):
        u = self.low + v * self.span
        return ", ".join(f"{name}={value:.6g}" for name, value in
                         zip(self.names[::-1], u[::-1]))      # parameters (last) first

    # scaled coordinates v = (u - low) / span
    def _h(self, v):
        return self.func(self.low + v * self.span)

    def _hv(self, v):
        u = self.low + v * self.span
        if self.func_jac is not None:
            return self.func_jac(u)[1] * self.span
        if self.jac is not None:
            return self.jac(u) * self.span
        step = 1e-7 * (1.0 + np.abs(v))
        if self.func_many is not None:
            shifts = np.diag(step)
            values = self.func_many(self.low + np.vstack([v + shifts, v - shifts]) * self.span)
            return ((values[:v.size] - values[v.size:]) / (2.0 * step[:, None])).T
        cols = []
        for k in range(v.size):
            e = np.zeros_like(v)
            e[k] = step[k]
            cols.append((self._h(v + e) - self._h(v - e)) / (2.0 * step[k]))
        return np.stack(cols, axis=1)

    def _h_hv(self, v):
        """``H`` and ``dH/dv`` at scaled ``v`` (one call of ``func_jac`` when there is one).

        Without ``func_jac`` the derivative is skipped (None) where ``H`` is not finite.
        """
        if self.func_jac is None:
            h = self._h(v)
            return h, (self._hv(v) if _finite(h) else None)
        h, jac = self.func_jac(self.low + v * self.span)
        return h, jac * self.span

    def _inside(self, v):
        return bool(v.min() >= -self.margin and v.max() <= 1.0 + self.margin)

    def tangent(self, v, previous=None, jv=None):
        """Unit tangent of the curve at scaled point ``v``.

        Parameters
        ----------
        v : numpy.ndarray
            Scaled point on the curve.
        previous : numpy.ndarray, optional
            The previous tangent (fixes the orientation).
        jv : numpy.ndarray, optional
            ``dH/dv`` near ``v`` when already known (the corrector's last one).

        Returns
        -------
        numpy.ndarray
        """
        jv = self._hv(v) if jv is None else jv
        if previous is None:
            _, _, vt = np.linalg.svd(jv)
            return vt[-1]
        rhs = np.zeros(v.size)
        rhs[-1] = 1.0
        try:
            t = _solve_small(np.vstack([jv, previous]), rhs)
        except np.linalg.LinAlgError:
            _, _, vt = np.linalg.svd(jv)
            t = vt[-1] * np.sign(vt[-1] @ previous or 1.0)
        return t / math.sqrt(t @ t)

    def correct(self, v_pred, t, tol=1e-10, max_iter=8):
        """Newton corrector on the curve and the hyperplane through ``v_pred`` normal to ``t``.

        Returns
        -------
        (numpy.ndarray or None, int)
            The corrected scaled point (None when Newton failed) and the
            number of iterations.
        """
        v = v_pred.copy()
        first = previous = None
        # the bordered system [dH/dv; t] and its right-hand side, filled in place per iteration
        size = v.size
        system = np.empty((size, size))
        system[-1] = t
        residual = np.empty(size)
        for it in range(1, max_iter + 1):
            h, jv = self._h_hv(v)
            squared = h @ h
            if not math.isfinite(squared) and not np.all(np.isfinite(h)):
                return None, it
            if first is None:       # h @ h can overflow although every entry is finite
                first = math.sqrt(squared) if math.isfinite(squared) else float(np.linalg.norm(h))
            self.last_jacobian = jv         # the tangent at the result reuses it
            system[:-1] = jv
            residual[:-1] = h
            residual[-1] = t @ (v - v_pred)
            try:
                dv = _solve_small(system, residual)
            except np.linalg.LinAlgError:
                return None, it
            step = math.sqrt(dv @ dv)
            if not math.isfinite(step) and not np.all(np.isfinite(dv)):
                return None, it         # an infinite derivative (a square root's end point)
            v = v - dv
            # quadratic convergence: the error left after this step is about step^3 / previous^2
            # (Newton's constant estimated from the last two steps), so one more iteration,
            # whose step would be that small, is skipped when it is below the tolerance
            converged = step < tol or (previous is not None and step < 1e-3 * previous
                                       and step ** 3 < tol * previous ** 2)
            previous = step
            if converged:
                # a vanishing step with a residual left means a singular (infinite) derivative
                final = self._h(v)
                if _finite(final) and math.sqrt(final @ final) <= 1e-6 * max(1.0, first):
                    return v, it
                return None, it
        return None, max_iter

    def _march(self, v0, t0):
        points, tangents = [v0], [t0]
        v, t, ds = v0, t0, self.ds
        closed = False
        accepted = ds
        for _ in range(self.max_steps):
            v_new, iterations = self.correct(v + ds * t, t)
            if v_new is not None:
                # dH/dv of the last Newton iterate: within the tolerance of v_new, and only
                # the predictor's direction depends on it
                t_new = self.tangent(v_new, t, self.last_jacobian)
                turn = t_new @ t
                moved = v_new - v
                if (turn < 0.98 and ds > 4.0 * self.ds_min) or moved @ moved > 4.0 * ds * ds:
                    v_new = None      # turned sharply: resolve the bend (or avoid branch jumping)
            if v_new is None:
                ds *= 0.5
                if ds < self.ds_min:
                    self.stops.append(
                        f"continuation stopped at {self._where(v)}: Newton did not converge with "
                        f"the step reduced below {self.ds_min:g} (last accepted step {accepted:.3g}, "
                        f"in units of the box); the curve computed up to there is kept")
                    break
                continue
            v, t = v_new, t_new
            accepted = ds
            points.append(v)
            tangents.append(t)
            if not self._inside(v):
                break
            if len(points) > 10 and np.linalg.norm(v - v0) < 1.5 * ds:
                points.append(v0)               # came back: a closed curve
                tangents.append(t0)
                closed = True
                break
            if iterations <= 3:
                ds = min(ds * 1.5, self.ds_max)
            elif iterations >= 6:
                ds = max(ds * 0.5, self.ds_min)
        else:
            self.stops.append(f"continuation stopped at {self._where(v)} after {self.max_steps} "
                              f"steps (last step {accepted:.3g}, in units of the box) without "
                              f"leaving the box; the curve computed up to there is kept")
        return points, tangents, closed

    def project(self, u0):
        """``u0`` corrected onto the curve (Newton normal to the curve), or None.

        Parameters
        ----------
        u0 : numpy.ndarray

        Returns
        -------
        numpy.ndarray or None
        """
        v0 = (np.asarray(u0, dtype=float) - self.low) / self.span
        v, _ = self.correct(v0, self.tangent(v0))
        return None if v is None else self.low + v * self.span

    def trace(self, u0):
        """Follow the curve through ``u0`` in both directions.

        Parameters
        ----------
        u0 : numpy.ndarray
            A point on (or close to) the curve, shape ``(N+1,)``.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Points ``(k, N+1)`` and unit tangents (in scaled coordinates)
            ordered along the curve; empty when ``u0`` could not be corrected
            onto the curve.
        """
        self.stops = []
        v0 = (np.asarray(u0, dtype=float) - self.low) / self.span
        t0 = self.tangent(v0)
        v0, _ = self.correct(v0, t0)
        if v0 is None:
            return np.zeros((0, self.low.size)), np.zeros((0, self.low.size))
        t0 = self.tangent(v0, t0)
        forward, forward_t, closed = self._march(v0, t0)
        if closed:
            backward, backward_t = [], []
        else:
            backward, backward_t, _ = self._march(v0, -t0)
            backward_t = [-t for t in backward_t]
        points = np.array(backward[::-1][:-1] + forward) if backward else np.array(forward)
        tangents = (np.array(backward_t[::-1][:-1] + forward_t) if backward_t
                    else np.array(forward_t))
        points, tangents = self._clip_ends(points, tangents)
        return self.low + points * self.span, tangents

    def _clip_ends(self, points, tangents):
        """Cut the ends of a scaled curve at the unit box, ending on the boundary.

        The end point is where the curve (not the chord) crosses the face of
        the box: Newton on the curve restricted to that face.
        """
        inside = np.all((points >= 0.0) & (points <= 1.0), axis=1)
        if not np.any(inside):
            return points[:0], tangents[:0]
        first, last = np.argmax(inside), len(inside) - 1 - np.argmax(inside[::-1])
        pieces, tangent_pieces = [points[first:last + 1]], [tangents[first:last + 1]]
        for outer, inner, at_start in ((first - 1, first, True), (last + 1, last, False)):
            if not 0 <= outer < len(points):
                continue
            a, b = points[inner], points[outer]
            # the face the chord leaves through, and where
            with np.errstate(divide="ignore", invalid="ignore"):
                limits = np.where(b > 1.0, (1.0 - a) / (b - a),
                                  np.where(b < 0.0, (0.0 - a) / (b - a), 1.0))
            face = int(np.argmin(limits))
            edge = a + np.clip(limits[face], 0.0, 1.0) * (b - a)
            normal = np.zeros_like(edge)
            normal[face] = 1.0
            on_curve, _ = self.correct(edge, normal)
            if on_curve is not None and np.linalg.norm(on_curve - edge) < 2.0 * self.ds_max:
                edge = on_curve
            if at_start:
                pieces.insert(0, edge[None])
                tangent_pieces.insert(0, tangents[inner][None])
            else:
                pieces.append(edge[None])
                tangent_pieces.append(tangents[inner][None])
        return np.vstack(pieces), np.vstack(tangent_pieces)


def _solve_small(a, b):
    """``np.linalg.solve`` of one small system through LAPACK's dgesv directly.

    The same factorization (LU with partial pivoting) without numpy's
    per-call dispatch, which is most of the time for the 3x3 to 6x6 systems of
    the corrector. Raises ``LinAlgError`` for an exactly singular matrix, as
    ``np.linalg.solve`` does.
    """
    _, _, x, info = lapack.dgesv(a, b)
    if info != 0:
        raise np.linalg.LinAlgError("singular matrix" if info > 0 else "illegal argument")
    return x


def _finite(values):
    """Whether every entry of a vector is finite (the cheap dot product decides nearly always)."""
    return math.isfinite(values @ values) or bool(np.all(np.isfinite(values)))


# ----------------------------------------------------------------- test functions
def hopf_test(jacobians):
    """Hopf test function ``prod_{i<j} (l_i + l_j)`` of Jacobians (vectorized).

    It vanishes when two eigenvalues sum to zero: at a Hopf point (a pair
    ``+-i w``) or at a neutral saddle (``+-l``). For 2x2 matrices it equals
    the trace.

    Parameters
    ----------
    jacobians : numpy.ndarray
        Shape ``(..., n, n)``.

    Returns
    -------
    numpy.ndarray
        Real values, shape ``(...)``; ones for n = 1 (no Hopf points).
    """
    jac = np.asarray(jacobians, dtype=float)
    n = jac.shape[-1]
    if n == 1:
        return np.ones(jac.shape[:-2])
    if n == 2:
        return jac[..., 0, 0] + jac[..., 1, 1]
    eig = np.linalg.eigvals(jac)
    value = np.ones(jac.shape[:-2], dtype=complex)
    for i in range(n):
        for j in range(i + 1, n):
            value = value * (eig[..., i] + eig[..., j])
    return value.real


def _is_hopf(eigenvalues, scale):
    """A complex pair whose real part is (numerically) zero."""
    complex_pair = np.abs(eigenvalues.imag) > 1e-8 * scale
    return bool(np.any(complex_pair & (np.abs(eigenvalues.real) < 1e-6 * scale)))


# -------------------------------------------------------------- equilibrium branches
def equilibrium_branches(system, seeds, ranges, max_branches=20, stops=None, ds_max=0.03):
    """Trace the equilibrium branches through the given seeds.

    Parameters
    ----------
    system : ReducedSystem
        With exactly one free parameter.
    seeds : numpy.ndarray
        Equilibria ``(k, n + 1)`` as ``(x..., p)`` (from the grid search).
    ranges : numpy.ndarray
        ``(n + 1, 2)`` box of ``(x..., p)``.
    max_branches : int
    stops : list, optional
        Receives the messages of branches that ended inside the box
        (:attr:`Continuation.stops`).
    ds_max : float
        Largest step, in units of the box.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        Per branch: points ``(k, n + 1)`` and scaled tangents.
    """
    n = system.dim

    def func(u):
        return system.f_point(u[:n], u[n:])

    def jac(u):
        return np.hstack([system.jacobian_point(u[:n], u[n:]), system.dfdp_point(u[:n], u[n:])])

    def func_jac(u):
        f, jac = system.point_jet(u[:n], u[n:])
        return f, jac

    low, high = ranges[:, 0], ranges[:, 1]
    span = high - low
    solver = Continuation(func, jac, low, high, ds_max=ds_max,
                          names=list(system.unknowns) + list(system.free),
                          func_jac=func_jac if hasattr(system, "point_jet") else None)
    branches = []
    seeds = np.asarray(seeds, dtype=float)
    uncovered = np.ones(len(seeds), dtype=bool)
    scaled_seeds = (seeds - low) / span
    while np.any(uncovered) and len(branches) < max_branches:
        index = np.flatnonzero(uncovered)[0]
        uncovered[index] = False
        points, tangents = solver.trace(seeds[index])
        if stops is not None:
            stops.extend(f"equilibrium branch: {message}" for message in solver.stops)
        points, tangents, singular = _finite_part(system, points, tangents)
        if singular is not None and stops is not None:
            stops.append(f"equilibrium branch: df/dx is not finite at "
                         f"{solver._where((singular - low) / span)}; the branch ends before it")
        if len(points) < 2:
            continue
        branches.append((points, tangents))
        scaled = (points - low) / span
        # a seed is covered when it lies within a step of the traced polyline
        distance = _distance_to_polyline(scaled_seeds[uncovered], scaled)
        still = np.flatnonzero(uncovered)
        uncovered[still[distance < 0.75 * solver.ds_max]] = False
    return branches


def _finite_part(system, points, tangents):
    """The longest run of branch points where df/dx is finite (a square root's end point is not).

    Returns the run, its tangents and the first dropped point (None when none is dropped).
    """
    n = system.dim
    if len(points) == 0:
        return points, tangents, None
    with np.errstate(all="ignore"):
        jac = system.jacobian([points[:, i] for i in range(n)],
                              [points[:, n + j] for j in range(points.shape[1] - n)])
    finite = np.all(np.isfinite(jac.reshape(len(points), -1)), axis=1)
    if np.all(finite):
        return points, tangents, None
    # the longest run of finite rows
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
    starts, ends = edges[::2], edges[1::2]
    if len(starts) == 0:
        return points[:0], tangents[:0], points[0]
    best = int(np.argmax(ends - starts))
    first, last = starts[best], ends[best]
    dropped = points[last] if last < len(points) else points[first - 1]
    return points[first:last], tangents[first:last], dropped


def _distance_to_polyline(points, line, spacing=0.005):
    """Distance of each point to a polyline (both in scaled coordinates).

    The polyline is resampled with the given spacing and searched with a
    k-d tree; the error is at most half the spacing.
    """
    if len(points) == 0:
        return np.zeros(0)
    distance, _ = cKDTree(_resampled(line, spacing)).query(points)
    return distance


def _resampled(line, spacing=0.005):
    """A polyline with points at most ``spacing`` apart (NaN rows dropped)."""
    line = line[np.all(np.isfinite(line), axis=1)]
    pieces = [line[:1]]
    for a, b in zip(line[:-1], line[1:]):
        count = max(1, int(np.ceil(np.linalg.norm(b - a) / spacing)))
        t = np.arange(1, count + 1)[:, None] / count
        pieces.append(a + t * (b - a))
    return np.vstack(pieces)


def _augmented_solve(residual, guess):
    solution = optimize.root(residual, guess, method="hybr", options={"xtol": 1e-13})
    value = residual(solution.x)
    if not np.all(np.isfinite(value)) or np.max(np.abs(value)) > 1e-8:
        return None
    return solution.x


def _bisect_branch_point(system, a, b, iterations=60):
    """The branch point between branch points ``a`` and ``b`` (det df/dx changes sign there).

    At a branch point the augmented system ``[f, det] = 0`` is singular, so the
    sign change is bisected instead: each trial parameter value is corrected
    onto the branch by Newton on ``f`` with the parameter fixed.
    """
    n = system.dim

    def on_branch(weight):
        u = a + weight * (b - a)
        x, p = u[:n].copy(), u[n:]
        for _ in range(30):
            try:
                step = np.linalg.solve(system.jacobian_point(x, p), system.f_point(x, p))
            except np.linalg.LinAlgError:
                break
            x = x - step
            if np.linalg.norm(step) <= 1e-15 * (1.0 + np.linalg.norm(x)):
                break
        return np.append(x, p), np.linalg.det(system.jacobian_point(x, p))

    low, high = 0.0, 1.0
    _, sign_low = on_branch(low)
    if not np.isfinite(sign_low):
        return None
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        _, value = on_branch(middle)
        if not np.isfinite(value):
            return None
        if np.sign(value) == np.sign(sign_low):
            low = middle
        else:
            high = middle
    u, _ = on_branch(0.5 * (low + high))
    residual = system.f_point(u[:n], u[n:])
    return u if np.all(np.isfinite(residual)) and np.max(np.abs(residual)) < 1e-8 else None


def locate_special_points(system, points, tangents, kinds=("fold", "hopf"), positions=False):
    """Folds and Hopf points (and branch points, when asked) on one equilibrium branch.

    Parameters
    ----------
    system : ReducedSystem
        With one free parameter.
    points : numpy.ndarray
        Branch points ``(k, n + 1)``.
    tangents : numpy.ndarray
        Scaled tangents ``(k, n + 1)``.
    kinds : tuple of str
        Which special points to look for: ``'fold'``, ``'hopf'``,
        ``'branch_point'`` (det df/dx changes sign where the parameter does
        not turn).
    positions : bool
        Also return where each point lies along the branch (``k + weight``
        between points ``k`` and ``k + 1``).

    Returns
    -------
    list of tuple
        ``(kind, u, eigenvalues)`` (with a leading position when
        ``positions``), ``u = (x..., p)``, ordered along the branch.
    """
    n = system.dim
    X = [points[:, i] for i in range(n)]
    P = [points[:, n]]
    jac = system.jacobian(X, P)
    tests = {"fold": np.linalg.det(jac), "hopf": hopf_test(jac)}
    found = []
    for kind, values in tests.items():
        if kind not in kinds or (kind == "hopf" and n < 2):
            continue
        crossing = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
        for k in crossing:
            if kind == "fold" and np.sign(tangents[k, n]) == np.sign(tangents[k + 1, n]):
                # det changes sign but the parameter does not turn: a branch point
                if "branch_point" in kinds:
                    u = _bisect_branch_point(system, points[k], points[k + 1])
                    if u is not None:
                        eigenvalues = np.linalg.eigvals(system.jacobian_point(u[:n], u[n:]))
                        weight = values[k] / (values[k] - values[k + 1])
                        found.append((k + weight, "branch_point", u, eigenvalues))
                continue
            weight = values[k] / (values[k] - values[k + 1])
            guess = points[k] + weight * (points[k + 1] - points[k])
            test = (lambda j: np.linalg.det(j)) if kind == "fold" else hopf_test

            def residual(u, test=test):
                return np.append(system.f_point(u[:n], u[n:]),
                                 test(system.jacobian_point(u[:n], u[n:])))

            u = _augmented_solve(residual, guess)
            if u is None:
                continue
            eigenvalues = np.linalg.eigvals(system.jacobian_point(u[:n], u[n:]))
            scale = max(1.0, float(np.max(np.abs(eigenvalues))))
            if kind == "hopf" and not _is_hopf(eigenvalues, scale):
                continue    # a neutral saddle (real pair +-l), not a Hopf point
            found.append((k + weight, kind, u, eigenvalues))
    found.sort(key=lambda item: item[0])
    if positions:
        return found
    return [(kind, u, eig) for _, kind, u, eig in found]


def with_special_points(points, tangents, found):
    """Insert located special points into a branch polyline (keeps the order along it).

    Parameters
    ----------
    points, tangents : numpy.ndarray
        The branch, ``(k, N)``.
    found : list
        ``(position, kind, u, eigenvalues)`` from :func:`locate_special_points`
        with ``positions=True``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
    """
    if not found:
        return points, tangents
    where = np.array([int(np.floor(item[0])) + 1 for item in found])
    extra = np.array([item[2] for item in found])
    # the tangent at a special point is not needed downstream: reuse the neighbour's
    return (np.insert(points, where, extra, axis=0),
            np.insert(tangents, where, tangents[where - 1], axis=0))


def branch_stability(system, points):
    """Eigenvalues and stability types along a branch.

    Parameters
    ----------
    system : ReducedSystem
    points : numpy.ndarray
        ``(k, n + m)`` as ``(x..., p...)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Eigenvalues ``(k, n)`` and stability types ``(k,)``.
    """
    n = system.dim
    X = [points[:, i] for i in range(n)]
    P = [points[:, n + j] for j in range(points.shape[1] - n)]
    jac = system.jacobian(X, P)
    return np.linalg.eigvals(jac), classify(jac)


class ParameterSlice:
    """A two-parameter system seen as a one-parameter system (one parameter held fixed).

    Parameters
    ----------
    system : ReducedSystem
        With two free parameters.
    held : int
        Index (0 or 1) of the parameter held fixed.
    value : float
        Its value.
    """

    def __init__(self, system, held, value):
        self.system = system
        self.held = held
        self.value = float(value)
        self.dim = system.dim
        self.unknowns = system.unknowns
        self.moving = 1 - held
        self.free = (system.free[self.moving],)
        self._columns = list(range(self.dim)) + [self.dim + self.moving]

    def _full(self, P):
        full = [None, None]
        full[self.held] = self.value
        full[self.moving] = P[0]
        return full

    def residuals(self):
        """No one-dimensional reduction: slices are searched numerically."""
        return None

    def f_point(self, x, p):
        """f at one point with the held parameter inserted."""
        return self.system.f_point(x, self._full(p))

    def jacobian_point(self, x, p):
        """df/dx at one point with the held parameter inserted."""
        return self.system.jacobian_point(x, self._full(p))

    def dfdp_point(self, x, p):
        """df/dp of the moving parameter at one point."""
        return self.system.dfdp_point(x, self._full(p))[:, [self.moving]]

    def point_jet(self, x, p):
        """f and [df/dx | df/dp of the moving parameter] at one point, from one call."""
        f, jac = self.system.point_jet(x, self._full(p))
        return f, jac[:, self._columns]

    def f(self, X, P):
        """f with the held parameter inserted."""
        return self.system.f(X, self._full(P))

    def jacobian(self, X, P):
        """df/dx with the held parameter inserted."""
        return self.system.jacobian(X, self._full(P))

    def dfdp(self, X, P):
        """df/dp of the moving parameter."""
        return self.system.dfdp(X, self._full(P))[..., [self.moving]]
