"""Orthogonal collocation of periodic orbits (de Boor and Swartz; AUTO's discretization).

A periodic orbit ``x(t) = u(t / T)`` of ``dx/dt = f(x, p)`` is a 1-periodic
function ``u`` with ``u' = T f(u, p)``. On a mesh ``0 = tau_0 < ... < tau_N = 1``
``u`` is a continuous piecewise polynomial of degree ``m``, stored by its
values at ``m`` equally spaced nodes per interval (the node at ``tau_{j+1}``
is the next interval's first node; the last wraps to the first, which makes
``u`` periodic). The differential equation holds at the ``m`` Gauss points of
every interval, which gives ``N m n`` equations for ``N m n`` values: the
phase condition and the pseudo-arclength equation close the system for the
period and the parameter.

:class:`Collocation` holds the tables of one ``(N, m)`` and evaluates the
residual and its sparse Jacobian for all intervals at once (the vector
field and its Jacobian are called once per Newton step, on all Gauss points).
"""

import functools

import numpy as np
from numpy.polynomial import legendre
from scipy import sparse

from . import banded

__all__ = ["Collocation", "lagrange_tables"]


def lagrange_tables(nodes, points):
    """Lagrange basis of ``nodes`` and its derivative, evaluated at ``points``.

    Parameters
    ----------
    nodes : numpy.ndarray
        Distinct interpolation nodes, shape ``(q,)``.
    points : numpy.ndarray
        Evaluation points, shape ``(r,)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``L[k, l] = l_l(points[k])`` and ``D[k, l] = l_l'(points[k])``, shape ``(r, q)``.

    Examples
    --------
    >>> L, D = lagrange_tables(np.array([0.0, 0.5, 1.0]), np.array([0.25]))
    >>> np.round(L @ np.array([0.0, 0.25, 1.0]), 12)     # t**2 at 0.25
    array([0.0625])
    >>> np.round(D @ np.array([0.0, 0.25, 1.0]), 12)     # 2 t at 0.25
    array([0.5])
    """
    nodes = np.asarray(nodes, dtype=float)
    points = np.asarray(points, dtype=float)
    q = nodes.size
    eye = np.eye(q, dtype=bool)
    denominator = np.prod(np.where(eye, 1.0, nodes[:, None] - nodes[None, :]), axis=1)
    S = points[:, None] - nodes[None, :]                                   # (r, q)
    # numerator of l_l: prod over k != l of (s - x_k)
    factors = np.where(eye[None, :, :], 1.0, S[:, None, :])               # (r, l, k)
    L = np.prod(factors, axis=2) / denominator
    # derivative: sum over i != l of prod over k not in {l, i}
    skip = eye[:, None, :] | eye[None, :, :]                               # (l, i, k)
    terms = np.prod(np.where(skip[None], 1.0, S[:, None, None, :]), axis=3)   # (r, l, i)
    terms = np.where(eye[None], 0.0, terms)
    D = terms.sum(axis=2) / denominator
    return L, D


@functools.lru_cache(maxsize=16)
def _monomial_coefficients(degree):
    """``C`` with ``l_l(s) = sum_p s^p C[p, l]`` for equally spaced nodes on [0, 1] (read-only).

    Evaluating the basis at many points is then one small matrix product
    (tracing calls it on every step for the extremes and the mesh moves).
    """
    nodes = np.linspace(0.0, 1.0, degree + 1)
    C = np.linalg.inv(np.vander(nodes, degree + 1, increasing=True))
    C.setflags(write=False)
    return C


@functools.lru_cache(maxsize=16)
def _uniform_table(degree, per_interval):
    """Lagrange basis at ``per_interval`` equally spaced points of an interval (read-only)."""
    L, _ = lagrange_tables(np.linspace(0.0, 1.0, degree + 1),
                           np.arange(per_interval) / per_interval)
    L.setflags(write=False)
    return L


#: (dim, intervals, degree) -> tables shared by every mesh of that shape
_SHARED_TABLES = {}


class Collocation:
    """Tables and assembly of the collocation equations on one mesh.

    Parameters
    ----------
    dim : int
        Dimension ``n`` of the system.
    intervals : int
        Number ``N`` of mesh intervals.
    degree : int
        Degree ``m`` of the polynomials (also the Gauss points per interval).
    mesh : numpy.ndarray, optional
        The ``N + 1`` mesh points from 0 to 1; uniform when omitted.

    Notes
    -----
    A profile is an array ``U`` of shape ``(N m, n)``: row ``j m + l`` is the
    value at ``tau_j + l h_j / m``.
    """

    def __init__(self, dim, intervals, degree, mesh=None):
        self.dim, self.intervals, self.degree = int(dim), int(intervals), int(degree)
        self.mesh = (np.linspace(0.0, 1.0, intervals + 1) if mesh is None
                     else np.asarray(mesh, dtype=float))
        self.h = np.diff(self.mesh)
        N, m, n = self.intervals, self.degree, self.dim
        self.size = N * m * n
        # everything that does not depend on the mesh points is shared by every mesh of
        # this shape (the tracer builds a new mesh every few steps)
        key = (n, N, m)
        shared = _SHARED_TABLES.get(key)
        if shared is None:
            gauss, weights = legendre.leggauss(degree)
            self.gauss = 0.5 * (gauss + 1.0)
            self.weights = 0.5 * weights
            self.L, self.D = lagrange_tables(np.linspace(0.0, 1.0, degree + 1), self.gauss)
            # node index of (interval j, local node l = 0..m); the last node wraps around
            self.node = (np.arange(N)[:, None] * m + np.arange(m + 1)[None, :]) % (N * m)
            self._pattern = self._sparsity()
            self._bordered_pattern = self._bordered_structure()
            shared = (self.gauss, self.weights, self.L, self.D, self.node, self._pattern,
                      self._bordered_pattern)
            for table in shared[:5]:
                table.setflags(write=False)
            if len(_SHARED_TABLES) > 16:
                _SHARED_TABLES.clear()
            _SHARED_TABLES[key] = shared
        (self.gauss, self.weights, self.L, self.D, self.node, self._pattern,
         self._bordered_pattern) = shared
        # the parts of the Newton blocks that do not depend on the orbit
        eye = np.eye(self.dim)
        self._derivative_blocks = (self.D[None, :, :, None, None]
                                   / self.h[:, None, None, None, None] * eye)
        self._value_blocks = self.L[None, :, :, None, None]
        self.value_and_derivative = np.vstack([self.L, self.D])
        self._node_weights = np.repeat(self.h / self.degree, self.degree)
        self._node_weights.setflags(write=False)

    # ---------------------------------------------------------------- times
    def node_times(self):
        """Times (in [0, 1)) of the profile's rows, shape ``(N m,)``."""
        local = np.arange(self.degree) / self.degree
        return (self.mesh[:-1, None] + self.h[:, None] * local[None, :]).ravel()

    def node_weights(self):
        """Quadrature-like weights of the nodes (sum 1) for discrete L2 products."""
        return self._node_weights

    # ------------------------------------------------------------ evaluation
    def blocks(self, U):
        """Node values per interval, shape ``(N, m + 1, n)``."""
        return U[self.node]

    def at_gauss(self, U):
        """Values ``(N, m, n)`` and time derivatives ``du/dtau`` at the Gauss points."""
        both = self.value_and_derivative @ self.blocks(U)          # (N, 2 m, n)
        m = self.degree
        X = both[:, :m]
        dX = both[:, m:] / self.h[:, None, None]
        return X, dX

    def evaluate(self, U, times):
        """The piecewise polynomial at arbitrary times (taken modulo 1), shape ``(len(times), n)``."""
        times = np.mod(np.asarray(times, dtype=float), 1.0)
        j = np.clip(np.searchsorted(self.mesh, times, side="right") - 1, 0, self.intervals - 1)
        s = (times - self.mesh[j]) / self.h[j]
        L = np.vander(s, self.degree + 1, increasing=True) @ _monomial_coefficients(self.degree)
        return np.einsum("kl,kln->kn", L, U[self.node[j]])

    def dense_times(self, per_interval=8):
        """Times of the rows of :meth:`dense` (read-only, kept per mesh)."""
        cached = self.__dict__.get("_dense_times")
        if cached is not None and cached[0] == per_interval:
            return cached[1]
        local = np.arange(per_interval) / per_interval
        times = (self.mesh[:-1, None] + self.h[:, None] * local[None, :]).ravel()
        times.setflags(write=False)
        self._dense_times = (per_interval, times)
        return times

    def dense(self, U, per_interval=8):
        """The orbit sampled finely (for extremes and drawing), shape ``(N * per_interval, n)``."""
        L = _uniform_table(self.degree, per_interval)
        return np.einsum("kl,jln->jkn", L, self.blocks(U)).reshape(-1, self.dim)

    def integral_weights(self, V):
        """Row vector ``w`` with ``w . U.ravel() = int_0^1 <u, v'> dtau`` for a reference ``V``.

        This is the integral phase condition's row (Gauss quadrature on every
        interval). With numba on, :func:`.banded.phase_row` computes it.
        """
        if banded.available():
            return banded.phase_row(self, V)
        _, dV = self.at_gauss(V)                                   # (N, m, n)
        scaled = dV * (self.weights[None, :, None] * self.h[:, None, None])
        contribution = np.einsum("kl,jkn->jln", self.L, scaled)    # (N, m+1, n)
        # node l < m of interval j is row j m + l; the last node (l = m) is the next
        # interval's first node (the last interval's wraps to row 0)
        row = contribution[:, :-1].copy()
        row[:, 0] += np.roll(contribution[:, -1], 1, axis=0)
        return row.ravel()

    # ------------------------------------------------------------- residual
    def residual(self, F, dX, T):
        """Collocation residual ``u' - T f`` at the Gauss points, flat ``(N m n,)``.

        Parameters
        ----------
        F : numpy.ndarray
            ``f(u, p)`` at the Gauss points, shape ``(N, m, n)``.
        dX : numpy.ndarray
            ``du/dtau`` at the Gauss points, same shape.
        T : float
            The period.
        """
        return (dX - T * F).ravel()

    def _sparsity(self):
        """Row and column indices of the blocks of ``d residual / dU`` (COO order)."""
        N, m, n = self.intervals, self.degree, self.dim
        j, k, l, a, b = np.meshgrid(np.arange(N), np.arange(m), np.arange(m + 1), np.arange(n),
                                    np.arange(n), indexing="ij")
        rows = ((j * m + k) * n + a).ravel()
        cols = (self.node[j, l] * n + b).ravel()
        return rows, cols

    def jacobian(self, J, T):
        """``d residual / dU`` as a sparse matrix, shape ``(N m n, N m n)``.

        Parameters
        ----------
        J : numpy.ndarray
            ``df/dx`` at the Gauss points, shape ``(N, m, n, n)``.
        T : float
        """
        blocks = self._derivative_blocks - T * self._value_blocks * J[:, :, None, :, :]
        rows, cols = self._pattern
        return sparse.csc_matrix((blocks.ravel(), (rows, cols)), shape=(self.size, self.size))

    def _bordered_structure(self):
        """CSC structure of the bordered matrix (built once per mesh): order, indices, indptr."""
        size = self.size
        rows_b, cols_b = self._pattern
        full = np.arange(size)
        rows = np.concatenate([rows_b, full, full, np.full(size, size), np.full(size + 2, size + 1)])
        cols = np.concatenate([cols_b, np.full(size, size), np.full(size, size + 1), full,
                               np.arange(size + 2)])
        order = np.lexsort((rows, cols))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=size + 2))])
        return order, rows[order].astype(np.int32), indptr.astype(np.int32)

    def bordered_matrix(self, J, T, F, Fp, phase_row, last_row):
        """The Newton matrix of ``[collocation; phase; arclength]`` in ``(U, T, p)``.

        Parameters
        ----------
        J : numpy.ndarray
            ``df/dx`` at the Gauss points ``(N, m, n, n)``.
        T : float
        F, Fp : numpy.ndarray
            ``f`` and ``df/dp`` at the Gauss points ``(N, m, n)``.
        phase_row : numpy.ndarray
            ``(N m n,)``: the phase condition's row.
        last_row : numpy.ndarray
            ``(N m n + 2,)``: the pseudo-arclength (or parameter-fixing) row.

        Returns
        -------
        scipy.sparse.csc_matrix
            Shape ``(N m n + 2, N m n + 2)``.
        """
        order, indices, indptr = self._bordered_pattern
        blocks = self._derivative_blocks - T * self._value_blocks * J[:, :, None, :, :]
        data = np.concatenate([blocks.ravel(), -F.ravel(), -T * Fp.ravel(), phase_row,
                               last_row])[order]
        return sparse.csc_matrix((data, indices, indptr), shape=(self.size + 2, self.size + 2))

    def interval_blocks(self, J, T):
        """Dense per-interval blocks ``(N, m n, (m + 1) n)`` of the variational equation."""
        N, m, n = self.intervals, self.degree, self.dim
        blocks = self._derivative_blocks - T * self._value_blocks * J[:, :, None, :, :]
        return blocks.transpose(0, 1, 3, 2, 4).reshape(N, m * n, (m + 1) * n)
