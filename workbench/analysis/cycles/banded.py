"""Compiled LU factorization of the bordered collocation matrix.

The Newton matrix of a collocated orbit (:meth:`.collocation.Collocation.bordered_matrix`)
is a band -- interval ``j``'s ``m n`` rows touch the ``(m + 1) n`` columns of
its nodes -- except for three kinds of rows and columns: the last interval's
rows also touch the first node (the orbit is periodic), the phase and
pseudo-arclength rows are dense, and so are the period and parameter columns.
SuperLU factors it in natural order with partial pivoting; that costs more in
its set-up than in arithmetic at these sizes (a few hundred unknowns).

:func:`factor_bordered` does Gaussian elimination in the same (natural) column
order, in numba, touching only the entries that can be nonzero: for column
``k`` the candidate rows are the band rows that start at or before ``k`` (at
most ``m n`` of them) and the ``m n + 2`` rows at the bottom (last interval,
phase, arclength), and a row's update stops at the last column its pivot row
reaches (tracked per row as the fill grows). Pivoting is partial with a
threshold (:data:`PIVOT_THRESHOLD`, UMFPACK's default): a bottom row becomes
the pivot only when it is ten times larger than every band candidate. Plain
partial pivoting picks the last interval's rows (which share the first node)
for up to a fifth of the columns (FHN) and fills the band with dense rows; with the
threshold the work stays that of a band, and an element grows by at most a
factor 11 per elimination step instead of 2. Row
interchanges are applied to the columns right of the pivot only (LINPACK's
convention), so the multipliers of column ``k`` stay in the candidate rows of
``k`` and :meth:`BorderedLU.solve` visits only those. The kernels take no model
functions, so one compilation (kept in numba's disk cache) serves every model.
"""

import numpy as np

from ...backend.jit import is_jit_disabled, jit

#: Threshold of the partial pivoting between band rows and the bottom rows: a bottom row
#: becomes the pivot only when it is larger than every band candidate divided by this.
PIVOT_THRESHOLD = 0.1

#: Largest matrix factored here: the factors are stored dense (5 MB at this size); larger
#: meshes (many intervals in 3-D and more) go to SuperLU, whose sparse factors grow linearly.
MAX_SIZE = 800

__all__ = ["BorderedLU", "factor_bordered", "available", "at_gauss", "extremes", "phase_row"]


def available():
    """Whether the compiled factorization can be used (numba is on).

    Returns
    -------
    bool
    """
    return not is_jit_disabled()


@jit
def _eliminate(A, ext, i, k, reach, size):
    # row i -= (A[i, k] / A[k, k]) * row k over the columns row k can reach; the multiplier
    # is kept in A[i, k]
    value = A[i, k]
    if value == 0.0:
        return
    value = value / A[k, k]
    A[i, k] = value
    for c in range(k + 1, reach + 1):
        A[i, c] -= value * A[k, c]
    for c in range(max(size, k + 1), A.shape[1]):
        A[i, c] -= value * A[k, c]
    if reach > ext[i]:
        ext[i] = reach


@jit
def _assemble_and_factor(D, L, h, J, F, Fp, T, phase_row, last_row):
    # the bordered matrix of Collocation.bordered_matrix, dense, then factored in place
    N, m, n = J.shape[0], J.shape[1], J.shape[2]
    size = N * m * n
    s = size + 2
    A = np.zeros((s, s))
    ext = np.empty(s, np.int64)       # last column < size that can be nonzero, per row
    piv = np.empty(s, np.int64)
    finite = np.isfinite(T)
    for j in range(N):
        for k in range(m):
            for a in range(n):
                row = (j * m + k) * n + a
                for l in range(m + 1):
                    col0 = ((j * m + l) % (N * m)) * n
                    for b in range(n):
                        value = -T * L[k, l] * J[j, k, a, b]
                        if a == b:
                            value += D[k, l] / h[j]
                        finite = finite and np.isfinite(value)
                        A[row, col0 + b] += value
                A[row, size] = -F[j, k, a]
                A[row, size + 1] = -T * Fp[j, k, a]
                finite = finite and np.isfinite(A[row, size]) and np.isfinite(A[row, size + 1])
                ext[row] = size - 1 if j == N - 1 else (j + 1) * m * n + n - 1
    for c in range(size):
        A[size, c] = phase_row[c]
        finite = finite and np.isfinite(phase_row[c])
    for c in range(s):
        A[size + 1, c] = last_row[c]
        finite = finite and np.isfinite(last_row[c])
    if not finite:
        return A, piv, ext, False
    ext[size] = size - 1
    ext[size + 1] = size - 1
    spike = (N - 1) * m * n      # from here on every row may be nonzero in any column
    band = m * n
    for k in range(s):
        # candidates: rows k .. hi - 1 (band rows starting at or before column k) and the
        # bottom rows
        hi = min(k + band, spike)
        low = max(k + 1, spike)
        p = k
        best = abs(A[k, k])
        for i in range(k + 1, hi):
            if abs(A[i, k]) > best:
                best = abs(A[i, k])
                p = i
        # threshold partial pivoting (UMFPACK's default 0.1): a bottom row is the pivot
        # only when every band candidate is ten times smaller, which keeps the fill (and
        # the work) of the dense bottom rows out of the band
        band_best = best
        threshold = PIVOT_THRESHOLD if k < spike else 1.0
        for i in range(low, s):
            if abs(A[i, k]) > best and abs(A[i, k]) * threshold > band_best:
                best = abs(A[i, k])
                p = i
        if best == 0.0:
            return A, piv, ext, False
        piv[k] = p
        if p != k:
            last = max(ext[k], ext[p])
            for c in range(k, last + 1):
                A[k, c], A[p, c] = A[p, c], A[k, c]
            for c in range(max(size, last + 1, k), s):
                A[k, c], A[p, c] = A[p, c], A[k, c]
            ext[k], ext[p] = ext[p], ext[k]
        reach = ext[k]
        for i in range(k + 1, hi):
            _eliminate(A, ext, i, k, reach, size)
        for i in range(low, s):
            _eliminate(A, ext, i, k, reach, size)
    return A, piv, ext, True


@jit
def _solve(A, piv, ext, rhs, band, spike):
    s = A.shape[0]
    size = s - 2
    x = rhs.copy()
    for k in range(s):
        p = piv[k]
        if p != k:
            x[k], x[p] = x[p], x[k]
        value = x[k]
        if value == 0.0:
            continue
        for i in range(k + 1, min(k + band, spike)):
            x[i] -= A[i, k] * value
        for i in range(max(k + 1, spike), s):
            x[i] -= A[i, k] * value
    for k in range(s - 1, -1, -1):
        total = x[k]
        for c in range(k + 1, ext[k] + 1):
            total -= A[k, c] * x[c]
        for c in range(max(size, k + 1), s):
            total -= A[k, c] * x[c]
        x[k] = total / A[k, k]
    return x


@jit
def _chord_update(A, piv, ext, band, spike, dX, F, T, z, z_pred, phase_row, last_row,
                  inverse_unit):
    # right-hand side [u' - T f; phase; arclength], the Newton update and its largest scaled
    # entry (NaN when an entry is not finite)
    size = phase_row.shape[0]
    dXf = dX.reshape(-1)
    Ff = F.reshape(-1)
    rhs = np.empty(size + 2)
    phase = 0.0
    for i in range(size):
        rhs[i] = dXf[i] - T * Ff[i]
        phase += phase_row[i] * z[i]
    arclength = 0.0
    for i in range(size + 2):
        arclength += last_row[i] * (z[i] - z_pred[i])
    rhs[size] = phase
    rhs[size + 1] = arclength
    dz = _solve(A, piv, ext, rhs, band, spike)
    change = 0.0
    for i in range(size + 2):
        value = abs(dz[i]) * inverse_unit[i]
        if not np.isfinite(value):
            return z - dz, np.nan
        if value > change:
            change = value
    return z - dz, change


@jit
def _at_gauss(U, VD, h, m):
    # values and tau-derivatives at the Gauss points, (N, m, n) each (Collocation.at_gauss)
    Nm, n = U.shape
    N = Nm // m
    X = np.empty((N, m, n))
    dX = np.empty((N, m, n))
    for j in range(N):
        for k in range(m):
            for a in range(n):
                x = 0.0
                d = 0.0
                for l in range(m + 1):
                    u = U[(j * m + l) % Nm, a]
                    x += VD[k, l] * u
                    d += VD[m + k, l] * u
                X[j, k, a] = x
                dX[j, k, a] = d / h[j]
    return X, dX


@jit
def _phase_row(V, VD, L, weights, h, m):
    # Collocation.integral_weights: Gauss quadrature of <u, v'> on every interval
    Nm, n = V.shape
    N = Nm // m
    row = np.zeros(Nm * n)
    for j in range(N):
        for k in range(m):
            for a in range(n):
                d = 0.0
                for l in range(m + 1):
                    d += VD[m + k, l] * V[(j * m + l) % Nm, a]
                scaled = d / h[j] * (weights[k] * h[j])
                for l in range(m + 1):
                    row[((j * m + l) % Nm) * n + a] += L[k, l] * scaled
    return row


def phase_row(collocation, V):
    """:meth:`.collocation.Collocation.integral_weights` compiled.

    Parameters
    ----------
    collocation : Collocation
    V : numpy.ndarray
        Reference profile ``(N m, n)``.

    Returns
    -------
    numpy.ndarray
        ``(N m n,)``.
    """
    return _phase_row(np.ascontiguousarray(V, dtype=float), collocation.value_and_derivative,
                      collocation.L, collocation.weights,
                      np.ascontiguousarray(collocation.h, dtype=float), collocation.degree)


def at_gauss(collocation, U):
    """:meth:`.collocation.Collocation.at_gauss` compiled (one call instead of a few numpy ones).

    Parameters
    ----------
    collocation : Collocation
    U : numpy.ndarray
        Profile ``(N m, n)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Values and derivatives ``(N, m, n)``, C-contiguous.
    """
    return _at_gauss(np.ascontiguousarray(U, dtype=float), collocation.value_and_derivative,
                     np.ascontiguousarray(collocation.h, dtype=float), collocation.degree)


@jit
def _extremes(U, mesh, h, dense_table, dense_times, C, m):
    # the algorithm of tracer.extremes: best of the dense samples, 33 samples around it,
    # a parabola through the best three
    Nm, n = U.shape
    N = Nm // m
    per = dense_table.shape[0]
    count = N * per
    out = np.empty(2 * n)
    basis = np.empty(m + 1)
    for row in range(2 * n):
        a = row % n
        sign = 1.0 if row < n else -1.0
        best, best_value = 0, -np.inf
        for j in range(N):
            for k in range(per):
                value = 0.0
                for l in range(m + 1):
                    value += dense_table[k, l] * U[(j * m + l) % Nm, a]
                value *= sign
                if value > best_value:
                    best, best_value = j * per + k, value
        left = dense_times[best - 1] if best > 0 else dense_times[count - 1] - 1.0
        right = dense_times[best + 1] if best + 1 < count else 1.0 + dense_times[0]
        v = np.empty(33)
        for q in range(33):
            t = left + (right - left) * (q / 32.0)
            t = t - np.floor(t)
            j = np.searchsorted(mesh, t, side="right") - 1
            j = min(max(j, 0), N - 1)
            x = (t - mesh[j]) / h[j]
            for l in range(m + 1):
                basis[l] = 0.0
            power = 1.0
            for p in range(m + 1):
                for l in range(m + 1):
                    basis[l] += power * C[p, l]
                power *= x
            value = 0.0
            for l in range(m + 1):
                value += basis[l] * U[(j * m + l) % Nm, a]
            v[q] = sign * value
        top = 0
        for q in range(1, 33):
            if v[q] > v[top]:
                top = q
        top = min(max(top, 1), 31)
        lo, mid, hi = v[top - 1], v[top], v[top + 1]
        curvature = lo - 2.0 * mid + hi
        peak = mid - 0.125 * (hi - lo) ** 2 / curvature if curvature < 0.0 else mid
        out[row] = sign * peak
    return out


def extremes(collocation, U, dense_table, coefficients):
    """:func:`.tracer.extremes` compiled: ``(maxima (n,), minima (n,))``.

    Parameters
    ----------
    collocation : Collocation
    U : numpy.ndarray
        Profile ``(N m, n)``.
    dense_table : numpy.ndarray
        Lagrange basis at the first search's samples of an interval, ``(per_interval, m + 1)``.
    coefficients : numpy.ndarray
        Monomial coefficients of the Lagrange basis, ``(m + 1, m + 1)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
    """
    peaks = _extremes(np.ascontiguousarray(U, dtype=float),
                      np.ascontiguousarray(collocation.mesh, dtype=float),
                      np.ascontiguousarray(collocation.h, dtype=float), dense_table,
                      collocation.dense_times(len(dense_table)), coefficients,
                      collocation.degree)
    n = collocation.dim
    return peaks[:n], peaks[n:]


class BorderedLU:
    """The factorization of one bordered collocation matrix; ``solve`` as SuperLU's."""

    __slots__ = ("_A", "_piv", "_ext", "_band", "_spike")

    def __init__(self, A, piv, ext, band, spike):
        self._A, self._piv, self._ext, self._band, self._spike = A, piv, ext, band, spike

    def solve(self, rhs):
        """The solution of ``M x = rhs`` (a new array).

        Parameters
        ----------
        rhs : numpy.ndarray
            Shape ``(N m n + 2,)``.

        Returns
        -------
        numpy.ndarray
        """
        return _solve(self._A, self._piv, self._ext, np.ascontiguousarray(rhs, dtype=float),
                      self._band, self._spike)

    def update(self, dX, F, T, z, z_pred, phase_row, last_row, inverse_unit):
        """One Newton (or chord) update of ``z`` for the collocation system.

        Parameters
        ----------
        dX, F : numpy.ndarray
            ``du/dtau`` and ``f`` at the Gauss points ``(N, m, n)`` (C-contiguous).
        T : float
            The period (``z[-2]``).
        z, z_pred : numpy.ndarray
            The iterate and the predicted point, ``(N m n + 2,)``.
        phase_row, last_row : numpy.ndarray
            As for :func:`factor_bordered`.
        inverse_unit : numpy.ndarray
            Inverse units of the entries of ``z`` for the convergence test.

        Returns
        -------
        (numpy.ndarray, float)
            The new iterate and the largest scaled update (NaN when not finite).
        """
        def flat(a):
            return np.ascontiguousarray(a, dtype=float)
        # one array type for every call (the numeric path's f gives strided arrays): one
        # compilation only
        return _chord_update(self._A, self._piv, self._ext, self._band, self._spike, flat(dX),
                             flat(F), float(T), flat(z), flat(z_pred), flat(phase_row),
                             flat(last_row), flat(inverse_unit))


def factor_bordered(collocation, J, T, F, Fp, phase_row, last_row):
    """LU factorization of :meth:`.collocation.Collocation.bordered_matrix` (same arguments).

    Parameters
    ----------
    collocation : Collocation
    J : numpy.ndarray
        ``df/dx`` at the Gauss points ``(N, m, n, n)``.
    T : float
    F, Fp : numpy.ndarray
        ``(N, m, n)``.
    phase_row : numpy.ndarray
        ``(N m n,)``.
    last_row : numpy.ndarray
        ``(N m n + 2,)``.

    Returns
    -------
    BorderedLU or None
        None when the matrix has a non-finite entry or is exactly singular.
    """
    A, piv, ext, ok = _assemble_and_factor(
        collocation.D, collocation.L, np.ascontiguousarray(collocation.h, dtype=float), np.ascontiguousarray(J, dtype=float),
        np.ascontiguousarray(F, dtype=float), np.ascontiguousarray(Fp, dtype=float), float(T),
        np.ascontiguousarray(phase_row, dtype=float), np.ascontiguousarray(last_row, dtype=float))
    if not ok:
        return None
    N, m, n = collocation.intervals, collocation.degree, collocation.dim
    return BorderedLU(A, piv, ext, m * n, (N - 1) * m * n)
