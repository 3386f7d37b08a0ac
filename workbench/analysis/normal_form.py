"""Derivatives and normal-form coefficients of equilibria (Kuznetsov, *Elements of
Applied Bifurcation Theory*, 3rd ed., sections 3.4-3.5 and 8.7).

:class:`Derivatives` gives, at one point ``(x, p)``, the Jacobian ``A = df/dx``
and the multilinear forms ``B(u, v) = D^2 f [u, v]`` and
``C(u, v, w) = D^3 f [u, v, w]`` of the Taylor expansion in ``x``:

* symbolic path (source text available): second and third derivative tensors
  derived once with SymPy, evaluated with the constants as arguments;
* numeric path: central differences of ``f`` (sixth-order for the Jacobian,
  Richardson-extrapolated mixed differences for ``B`` and ``C``) with steps
  relative to the size of each variable.

On top of it:

* :func:`first_lyapunov` -- Kuznetsov's invariant formula (3.20) for the first
  Lyapunov coefficient ``l1`` of a Hopf point, in any dimension;
* :func:`fold_coefficient` -- the quadratic coefficient ``a = <p, B(q, q)> / 2``
  of the fold normal form (zero at a cusp);
* :func:`first_lyapunov_many`, :func:`fold_coefficients` -- the same at many
  points in one vectorized evaluation (the codimension-2 tests along a curve);
* :func:`criticality` -- ``'supercritical'`` (l1 < 0), ``'subcritical'``
  (l1 > 0), ``'degenerate'`` or ``'undetermined'``.
"""

import numpy as np
import sympy

from .system import _floats

__all__ = ["Derivatives", "first_lyapunov", "fold_coefficient", "criticality",
           "first_lyapunov_many", "fold_coefficients", "hopf_eigenvectors_many"]

#: Relative step of the sixth-order Jacobian differences (numeric path).
_JACOBIAN_STEP = 1e-3
#: Relative steps of the second and third mixed differences (Richardson pairs h, h/2).
_SECOND_STEP = 2e-3
_THIRD_STEP = 1e-2
#: Sixth-order central difference weights for the first derivative, offsets 1, 2, 3.
_CENTRAL6 = np.array([45.0, -9.0, 1.0]) / 60.0


class Derivatives:
    """Jacobian and multilinear forms of ``f(x, p)`` at single points.

    Parameters
    ----------
    system : ReducedSystem
        The system; its SymPy view is used when available.

    Notes
    -----
    The SymPy tensors are derived on first use and kept: later calls (other
    parameter or constant values) derive nothing.
    """

    def __init__(self, system):
        self.system = system
        self.dim = system.dim
        self.symbolic = system.symbolic is not None
        self._tensor_functions = {}
        self._gradient = None
        self._jet = None

    # ------------------------------------------------------------- Jacobian
    def jacobian(self, x, p):
        """``df/dx`` at one point, shape ``(n, n)``.

        Exact on the symbolic path; sixth-order central differences (error
        about 1e-13 relative) on the numeric path, accurate enough to be
        differentiated again by the codimension-2 continuation.
        """
        if self.symbolic:
            return self.system.jacobian_point(x, p)
        x = np.asarray(x, dtype=float)
        n = self.dim
        h = _JACOBIAN_STEP * (1.0 + np.abs(x))
        offsets = np.array([1.0, 2.0, 3.0])
        # probes: for each unknown k and each offset m, x +- m h_k e_k
        shifts = (offsets[None, :, None] * h[:, None, None] * np.eye(n)[:, None, :])
        probes = np.concatenate([x + shifts.reshape(-1, n), x - shifts.reshape(-1, n)])
        values = self._f_columns(probes, p)                        # (n, 2 * n * 3)
        plus = values[:, :3 * n].reshape(n, n, 3)
        minus = values[:, 3 * n:].reshape(n, n, 3)
        return ((plus - minus) @ _CENTRAL6) / h[None, :]

    def jacobians(self, X, P):
        """``df/dx`` at many points ``X`` (k, n), ``P`` (k, m) in one vectorized call: (k, n, n)."""
        X, P = np.atleast_2d(np.asarray(X, dtype=float)), np.atleast_2d(np.asarray(P, dtype=float))
        if self.symbolic:
            return self.system.jacobian(list(X.T), list(P.T))
        n, k = self.dim, len(X)
        h = _JACOBIAN_STEP * (1.0 + np.abs(X))                               # (k, n)
        offsets = np.array([1.0, 2.0, 3.0])
        shifts = offsets[None, None, :, None] * h[:, :, None, None] * np.eye(n)[None, :, None, :]
        probes = np.concatenate([X[:, None, None, :] + shifts, X[:, None, None, :] - shifts],
                                axis=1)                                       # (k, 2n, 3, n)
        params = np.repeat(P, 6 * n, axis=0)
        flat = probes.reshape(-1, n)
        values = np.asarray(self.system.f([flat[:, i] for i in range(n)],
                                          [params[:, j] for j in range(P.shape[1])]),
                            dtype=float).reshape(n, k, 2 * n, 3)
        plus, minus = values[:, :, :n], values[:, :, n:]                     # (n, k, n, 3)
        return np.moveaxis(((plus - minus) @ _CENTRAL6) / h[None, :, :], 0, 1)

    def _f_columns(self, probes, p):
        """f at many points ``probes`` (k, n) for one parameter value: shape (n, k)."""
        columns = [probes[:, i] for i in range(self.dim)]
        params = [np.full(len(probes), float(v)) for v in p]
        return np.asarray(self.system.f(columns, params), dtype=float).reshape(self.dim, -1)

    def jacobian_gradient(self, x, p):
        """``d(df_i/dx_j)/du_k`` for ``u = (x..., p...)``, shape ``(n, n, n + m)``, or None.

        Symbolic path only (None on the numeric path): it gives the codimension-2
        continuation an exact Jacobian of its test functions.
        """
        if not self.symbolic:
            return None
        if self._gradient is None:
            system = self.system
            exprs = [system.symbolic["expressions"][v] for v in system.unknowns]
            states = system._symbols(system.unknowns)
            every = states + system._symbols(system.free)
            entries = [sympy.diff(sympy.diff(e, s), w) for e in exprs for s in states
                       for w in every]
            func = system._lambdify(entries)
            shape = (self.dim, self.dim, len(every))

            def gradient(x, p):
                values = func(*_floats(x), *_floats(p), *system._constant_args())
                return np.array([float(v) for v in values]).reshape(shape)
            self._gradient = gradient
        return self._gradient(x, p)

    def jet(self, x, p):
        """``f``, ``[df/dx | df/dp]`` and :meth:`jacobian_gradient` at one point, from one call.

        Symbolic path only (None on the numeric path): the codimension-2
        corrector needs all three at every Newton iteration, and one
        lambdified function of them all costs one Python call.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray) or None
            Shapes ``(n,)``, ``(n, n + m)`` and ``(n, n, n + m)``.
        """
        if not self.symbolic:
            return None
        system = self.system
        n = self.dim
        if self._jet is None:
            exprs = [system.symbolic["expressions"][v] for v in system.unknowns]
            states = system._symbols(system.unknowns)
            every = states + system._symbols(system.free)
            first = [sympy.diff(e, w) for e in exprs for w in every]
            second = [sympy.diff(first[i * len(every) + j], w) for i in range(n)
                      for j in range(n) for w in every]
            self._jet = system._lambdify(exprs + first + second)
        values = np.array(self._jet(*_floats(x), *_floats(p), *system._constant_args()),
                          dtype=float)
        k = n + len(p)
        return (values[:n], values[n:n + n * k].reshape(n, k),
                values[n + n * k:].reshape(n, n, k))

    # ----------------------------------------------------- multilinear forms
    def _tensor_function(self, order):
        """Lambdified derivative tensor of the given order (2 or 3) in the unknowns (made once)."""
        if self._tensor_functions.get(order) is None:
            system = self.system
            exprs = [system.symbolic["expressions"][v] for v in system.unknowns]
            symbols = system._symbols(system.unknowns)
            entries = []
            for expr in exprs:
                first = [sympy.diff(expr, s) for s in symbols]
                second = [[sympy.diff(d, s) for s in symbols] for d in first]
                if order == 2:
                    entries.extend(e for row in second for e in row)
                else:
                    entries.extend(sympy.diff(e, s) for row in second for e in row
                                   for s in symbols)
            self._tensor_functions[order] = system._lambdify(entries)
        return self._tensor_functions[order]

    def _tensor(self, order, x, p):
        """The derivative tensor at one point, shape ``(n,) * (order + 1)``."""
        values = self._tensor_function(order)(*_floats(x), *_floats(p),
                                              *self.system._constant_args())
        return np.array([float(v) for v in values]).reshape((self.dim,) * (order + 1))

    def _tensors(self, order, X, P):
        """The derivative tensor at many points ``X`` (k, n), ``P`` (k, m): ``(k, n, ..., n)``."""
        k = len(X)
        values = self._tensor_function(order)(*X.T, *P.T, *self.system._constant_args())
        flat = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (k,)) for v in values])
        return np.moveaxis(flat, -1, 0).reshape((k,) + (self.dim,) * (order + 1))

    def second(self, x, p, u, v):
        """``B(u, v)`` for real or complex vectors ``u``, ``v`` at ``(x, p)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``, complex when an argument is complex.
        """
        if self.symbolic:
            return np.einsum("ijk,j,k->i", self._tensor(2, x, p), u, v)
        return self._complex_form(x, p, (u, v), _SECOND_STEP)

    def third(self, x, p, u, v, w):
        """``C(u, v, w)`` for real or complex vectors at ``(x, p)``.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``.
        """
        if self.symbolic:
            return np.einsum("ijkl,j,k,l->i", self._tensor(3, x, p), u, v, w)
        return self._complex_form(x, p, (u, v, w), _THIRD_STEP)

    def second_many(self, X, P, U, V):
        """:meth:`second` at many points: ``X`` (k, n), ``P`` (k, m), ``U``, ``V`` (k, n) -> (k, n).

        One vectorized evaluation on the symbolic path, a loop on the numeric path.
        """
        if self.symbolic:
            return np.einsum("aijk,aj,ak->ai", self._tensors(2, X, P), U, V)
        return np.array([self.second(*args) for args in zip(X, P, U, V)])

    def third_many(self, X, P, U, V, W):
        """:meth:`third` at many points (see :meth:`second_many`)."""
        if self.symbolic:
            return np.einsum("aijkl,aj,ak,al->ai", self._tensors(3, X, P), U, V, W)
        return np.array([self.third(*args) for args in zip(X, P, U, V, W)])

    def _complex_form(self, x, p, vectors, step):
        """A multilinear form of complex vectors by mixed central differences (numeric path).

        The complex arguments are expanded into real and imaginary parts; every
        real combination, at steps ``h`` and ``h/2`` (Richardson), is evaluated in
        one vectorized call of f.
        """
        x = np.asarray(x, dtype=float)
        order = len(vectors)
        combinations = _real_combinations(vectors)
        size = 1.0 + np.abs(x)
        signs = np.array(_product([(1.0, -1.0)] * order))               # (2^order, order)
        weights = np.prod(signs, axis=1)
        probes, factors = [], []
        for _, reals in combinations:
            norms = [max(float(np.max(np.abs(r) / size)), 1e-300) for r in reals]
            scaled = np.array([r / s for r, s in zip(reals, norms)])     # (order, n)
            factors.append(float(np.prod(norms)))
            for h in (step, step / 2.0):
                probes.append(x + h * signs @ scaled)
        values = self._f_columns(np.vstack(probes), p).reshape(self.dim, len(probes), -1)
        differences = values @ weights                                    # (n, 2 * combinations)
        total = 0.0
        for k, (coefficient, _) in enumerate(combinations):
            coarse = differences[:, 2 * k] / (2 ** order * step ** order)
            fine = differences[:, 2 * k + 1] / (2 ** order * (step / 2.0) ** order)
            total = total + coefficient * factors[k] * (2 ** 2 * fine - coarse) / 3.0
        return total


def _real_combinations(vectors):
    """``[(coefficient, real vectors)]`` with ``form(complex vectors) = sum coefficient form(reals)``."""
    parts = []
    for vector in vectors:
        vector = np.asarray(vector)
        if np.iscomplexobj(vector) and np.any(vector.imag != 0.0):
            parts.append(((vector.real, 1.0), (vector.imag, 1j)))
        else:
            parts.append(((np.real(vector).astype(float), 1.0),))
    return [(np.prod([c for _, c in combination]), [v for v, _ in combination])
            for combination in _product(parts)]


def _product(parts):
    if not parts:
        return [()]
    return [(head,) + tail for head in parts[0] for tail in _product(parts[1:])]


# ----------------------------------------------------------------- coefficients
def hopf_eigenvectors(jacobian):
    """``(omega, q, p)`` of a Hopf point: ``A q = i omega q``, ``A^T p = -i omega p``, ``<p, q> = 1``.

    The pair is the eigenvalue with the smallest real part among those with a
    positive imaginary part.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray) or None
        None when the Jacobian has no complex pair.
    """
    eigenvalues, vectors = np.linalg.eig(jacobian)
    candidates = np.flatnonzero(eigenvalues.imag > 1e-12 * max(1.0, np.max(np.abs(eigenvalues))))
    if candidates.size == 0:
        return None
    k = candidates[np.argmin(np.abs(eigenvalues.real[candidates]))]
    omega = float(eigenvalues[k].imag)
    q = vectors[:, k] / np.linalg.norm(vectors[:, k])
    left_values, left_vectors = np.linalg.eig(np.asarray(jacobian).T)
    j = np.argmin(np.abs(left_values - np.conj(eigenvalues[k])))
    p = left_vectors[:, j]
    p = p / np.conj(np.vdot(p, q))
    return omega, q, p


def first_lyapunov(derivatives, x, p):
    """First Lyapunov coefficient of the Hopf point ``(x, p)`` (Kuznetsov (3.20)).

    ``l1 = Re[<p, C(q,q,qb)> - 2 <p, B(q, A^-1 B(q,qb))>
    + <p, B(qb, (2 i w - A)^-1 B(q,q))>] / (2 w)`` with ``|q| = 1``: ``l1 =
    Re(c1) / w`` for the normal form ``z' = i w z + c1 z |z|^2`` of
    ``z = <p, x>``. For a planar system written as ``x + iy = Z``,
    ``Z' = (mu + i w) Z + c Z |Z|^2``, this gives ``l1 = 2 Re(c) / w`` (``|Z|^2 =
    2 |z|^2``); MatCont uses the same normalisation.

    Parameters
    ----------
    derivatives : Derivatives
    x, p : sequence of float
        The Hopf point.

    Returns
    -------
    (float, float)
        ``(l1, scale)``: the coefficient and the size of its largest term (at
        least ``omega / (2 (1 + max|x|)^2)``), to judge whether it is zero; NaN
        when the Jacobian has no complex pair.
    """
    jacobian = derivatives.jacobian(x, p)
    found = hopf_eigenvectors(jacobian)
    if found is None:
        return float("nan"), float("nan")
    omega, q, left = found
    qb = np.conj(q)
    n = jacobian.shape[0]
    cubic = derivatives.third(x, p, q, q, qb)
    h11 = np.linalg.solve(jacobian, derivatives.second(x, p, q, qb))
    h20 = np.linalg.solve(2j * omega * np.eye(n) - jacobian, derivatives.second(x, p, q, q))
    terms = np.array([np.vdot(left, cubic), -2.0 * np.vdot(left, derivatives.second(x, p, q, h11)),
                      np.vdot(left, derivatives.second(x, p, qb, h20))])
    value = float(np.sum(terms).real / (2.0 * omega))
    # the terms all vanish when the cubic part does (a Bautin point of a normal form):
    # then omega / size^2, the size of l1 that a cubic term of the model's scale gives
    floor = omega * omega / (1.0 + float(np.max(np.abs(x)))) ** 2
    scale = float(max(np.max(np.abs(terms)), floor) / (2.0 * omega))
    return value, scale


def _vdot(a, b):
    """``np.vdot`` row by row: ``sum(conj(a) * b)`` over the last axis."""
    return np.sum(np.conj(a) * b, axis=-1)


def hopf_eigenvectors_many(jacobians):
    """:func:`hopf_eigenvectors` of many Jacobians ``(k, n, n)`` (same choices, vectorized).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray)
        ``ok`` (k,) (a complex pair exists), ``omega`` (k,), ``q`` and ``p``
        (k, n); rows without a pair hold meaningless values.
    """
    eigenvalues, vectors = np.linalg.eig(jacobians)
    size = np.maximum(1.0, np.max(np.abs(eigenvalues), axis=1))
    candidates = eigenvalues.imag > 1e-12 * size[:, None]
    # the first candidate with the smallest |real part|, as in hopf_eigenvectors
    pick = np.where(candidates, np.abs(eigenvalues.real), np.inf).argmin(axis=1)
    rows = np.arange(len(jacobians))
    chosen = eigenvalues[rows, pick]
    q = vectors[rows, :, pick]
    q = q / np.linalg.norm(q, axis=1)[:, None]
    left_values, left_vectors = np.linalg.eig(np.swapaxes(jacobians, 1, 2))
    j = np.argmin(np.abs(left_values - np.conj(chosen)[:, None]), axis=1)
    p = left_vectors[rows, :, j]
    p = p / np.conj(_vdot(p, q))[:, None]
    return np.any(candidates, axis=1), chosen.imag, q, p


def first_lyapunov_many(derivatives, X, P):
    """:func:`first_lyapunov` at many points ``X`` (k, n), ``P`` (k, m), vectorized.

    The Bautin test along a Hopf curve evaluates ``l1`` at every point: one
    batched eigen-decomposition, one evaluation of each derivative tensor and
    batched solves instead of a Python loop over the points.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``l1`` and ``scale`` per point, NaN where the Jacobian has no complex pair.

    Raises
    ------
    numpy.linalg.LinAlgError
        Where a Jacobian with a complex pair is exactly singular, as
        :func:`first_lyapunov` does.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    P = np.atleast_2d(np.asarray(P, dtype=float))
    k, n = X.shape
    values, scales = np.full(k, np.nan), np.full(k, np.nan)
    if k == 0:
        return values, scales
    jacobians = derivatives.jacobians(X, P)
    ok, omega, q, left = hopf_eigenvectors_many(jacobians)
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return values, scales
    A, X, P, omega, q, left = jacobians[rows], X[rows], P[rows], omega[rows], q[rows], left[rows]
    qb = np.conj(q)
    h11 = np.linalg.solve(A, derivatives.second_many(X, P, q, qb)[..., None])[..., 0]
    h20 = np.linalg.solve(2j * omega[:, None, None] * np.eye(n) - A,
                          derivatives.second_many(X, P, q, q)[..., None])[..., 0]
    terms = np.stack([_vdot(left, derivatives.third_many(X, P, q, q, qb)),
                      -2.0 * _vdot(left, derivatives.second_many(X, P, q, h11)),
                      _vdot(left, derivatives.second_many(X, P, qb, h20))], axis=1)
    values[rows] = np.sum(terms, axis=1).real / (2.0 * omega)
    floor = omega * omega / (1.0 + np.max(np.abs(X), axis=1)) ** 2
    scales[rows] = np.maximum(np.max(np.abs(terms), axis=1), floor) / (2.0 * omega)
    return values, scales


def fold_coefficients(derivatives, X, P, orientations):
    """:func:`fold_coefficient` at many points (its value only), vectorized.

    Parameters
    ----------
    derivatives : Derivatives
    X, P : numpy.ndarray
        ``(k, n)`` and ``(k, m)``.
    orientations : numpy.ndarray
        ``(k, n)``: the sign of each null vector ``q`` is chosen along it.

    Returns
    -------
    numpy.ndarray
        ``a`` per point.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    P = np.atleast_2d(np.asarray(P, dtype=float))
    u, _, vt = np.linalg.svd(derivatives.jacobians(X, P))
    q = vt[:, -1, :]
    q = np.where((np.sum(q * orientations, axis=1) < 0)[:, None], -q, q)
    left = u[:, :, -1] / np.sum(u[:, :, -1] * q, axis=1)[:, None]
    return 0.5 * np.sum(left * np.real(derivatives.second_many(X, P, q, q)), axis=1)


def fold_coefficient(derivatives, x, p, orientation=None):
    """Quadratic coefficient ``a = <p, B(q, q)> / 2`` of the fold normal form.

    ``A q = 0``, ``A^T p = 0``, ``|q| = 1``, ``<p, q> = 1``; ``a = 0`` at a cusp.
    The sign of ``a`` flips with ``q``: ``orientation`` (a vector) fixes it.

    Returns
    -------
    (float, numpy.ndarray)
        ``a`` and the ``q`` used.
    """
    jacobian = derivatives.jacobian(x, p)
    u, _, vt = np.linalg.svd(jacobian)
    q = vt[-1]
    if orientation is not None and q @ orientation < 0:
        q = -q
    left = u[:, -1] / (u[:, -1] @ q)
    return float(0.5 * left @ np.real(derivatives.second(x, p, q, q))), q


def criticality(l1, scale, tol=1e-7):
    """The kind of a Hopf point from ``l1``: ``'supercritical'``, ``'subcritical'``,
    ``'degenerate'`` or ``'undetermined'`` (l1 not finite).

    Parameters
    ----------
    l1, scale : float
        From :func:`first_lyapunov`.
    tol : float
        ``|l1| <= tol * scale`` counts as zero (a Bautin point).

    Returns
    -------
    str
    """
    if not np.isfinite(l1):
        return "undetermined"       # l1 could not be computed: no claim of a Bautin point
    if abs(l1) <= tol * max(scale, 1e-300):
        return "degenerate"
    return "supercritical" if l1 < 0.0 else "subcritical"
