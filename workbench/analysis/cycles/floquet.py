"""Floquet multipliers of a collocated periodic orbit.

The variational equation ``v' = T J(u(tau)) v`` is discretized by the same
collocation as the orbit. On each mesh interval the collocation equations
determine the interval's interior and end values from its first value
(condensation of parameters, as AUTO does), which gives one ``n x n``
transfer matrix per interval; their product over the period is the
monodromy matrix, whose eigenvalues are the Floquet multipliers. One of them
is 1 (the direction along the orbit); its accuracy is a check of the
discretization. In two dimensions the nontrivial multiplier is
``exp(T int_0^1 trace J dtau)`` (Liouville's formula), computed by Gauss
quadrature: exact however much the orbit stretches perturbations.
"""

import math

import numpy as np

__all__ = ["monodromy", "floquet_multipliers", "nontrivial", "cycle_is_stable"]


def monodromy(collocation, J, T):
    """Monodromy matrix of the collocated variational equation.

    Parameters
    ----------
    collocation : Collocation
    J : numpy.ndarray
        ``df/dx`` at the Gauss points, shape ``(N, m, n, n)``.
    T : float
        The period.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``.
    """
    n = collocation.dim
    blocks = collocation.interval_blocks(J, T)              # (N, m n, (m + 1) n)
    transfer = -np.linalg.solve(blocks[:, :, n:], blocks[:, :, :n])[:, -n:, :]
    out = np.eye(n)
    for matrix in transfer:
        out = matrix @ out
    return out


def floquet_multipliers(collocation, J, T):
    """The ``n`` Floquet multipliers, sorted by decreasing modulus.

    Parameters
    ----------
    collocation : Collocation
    J : numpy.ndarray
        ``df/dx`` at the Gauss points, shape ``(N, m, n, n)``.
    T : float

    Returns
    -------
    numpy.ndarray
        Complex, shape ``(n,)``.
    """
    if collocation.dim == 2:
        # Liouville: the product of the multipliers is exp(T int trace J); one of them is 1.
        # Exact whatever the conditioning of the monodromy product (canard cycles grow and
        # shrink perturbations by e^20 along one period, which loses the trivial multiplier)
        trace = J[..., 0, 0] + J[..., 1, 1]
        exponent = float(T * np.sum(trace * collocation.weights[None, :] * collocation.h[:, None]))
        try:
            growth = math.exp(exponent)
        except OverflowError:       # numpy's inf, without numpy's warning machinery
            growth = math.inf
        values = np.array([growth, 1.0], dtype=complex)
    else:
        with np.errstate(all="ignore"):
            values = np.linalg.eigvals(monodromy(collocation, J, T))
    return values[np.argsort(-np.abs(values), kind="stable")]


def nontrivial(multipliers):
    """The multipliers without the one closest to 1 (the trivial one).

    Parameters
    ----------
    multipliers : numpy.ndarray
        Shape ``(..., n)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., n - 1)``.

    Examples
    --------
    >>> nontrivial(np.array([2.0, 1.0 + 1e-9, 0.1]))
    array([2. , 0.1])
    """
    multipliers = np.asarray(multipliers)
    trivial = np.argmin(np.abs(multipliers - 1.0), axis=-1)
    keep = np.arange(multipliers.shape[-1]) != trivial[..., None]
    return multipliers[keep].reshape(multipliers.shape[:-1] + (multipliers.shape[-1] - 1,))


def cycle_is_stable(multipliers):
    """Orbital stability: every nontrivial multiplier lies inside the unit circle.

    Parameters
    ----------
    multipliers : numpy.ndarray
        Shape ``(k, n)``.

    Returns
    -------
    numpy.ndarray
        Boolean, shape ``(k,)``.
    """
    multipliers = np.asarray(multipliers)
    if multipliers.size == 0:
        return np.zeros(multipliers.shape[:1], dtype=bool)
    return np.all(np.abs(nontrivial(multipliers)) < 1.0, axis=-1)
