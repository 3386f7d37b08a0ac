"""Mesh adaptation of collocated orbits (AUTO's equidistribution).

The error of degree-``m`` collocation on an interval of length ``h`` is about
``h^(m+1) |u^(m+1)|``. The ``m``-th derivative of the interpolant is constant
on each interval, so differences of it between neighbouring intervals
estimate ``u^(m+1)``; the new mesh puts the same share of
``int |u^(m+1)|^(1/(m+1))`` into every interval (de Boor's equidistribution,
as in AUTO's ``adapt``).
"""

import numpy as np
from math import comb

from .collocation import Collocation

__all__ = ["adapted_mesh", "remesh"]


def adapted_mesh(collocation, U, scale):
    """Mesh points that equidistribute the error estimate of the profile ``U``.

    Parameters
    ----------
    collocation : Collocation
    U : numpy.ndarray
        Profile, shape ``(N m, n)``.
    scale : numpy.ndarray
        Typical size of each variable, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        ``N + 1`` increasing points from 0 to 1.
    """
    m = collocation.degree
    h = collocation.h
    weights = np.array([(-1) ** (m - l) * comb(m, l) for l in range(m + 1)], dtype=float)
    blocks = collocation.blocks(U / scale)                         # (N, m + 1, n)
    highest = np.einsum("l,jln->jn", weights, blocks) * (m / h[:, None]) ** m
    # (m+1)-th derivative from the neighbours (periodic), centred on each interval
    # (np.roll by index arrays: the same values, without np.roll's overhead)
    after = np.append(np.arange(1, len(h)), 0)
    before = np.insert(np.arange(len(h) - 1), 0, len(h) - 1)
    forward = (highest[after] - highest) / (0.5 * (h + h[after]))[:, None]
    backward = (highest - highest[before]) / (0.5 * (h + h[before]))[:, None]
    estimate = np.linalg.norm(0.5 * (np.abs(forward) + np.abs(backward)), axis=1)
    density = estimate ** (1.0 / (m + 1))
    # a floor keeps a few intervals on the slow parts of the orbit
    density = np.maximum(density, 0.05 * np.mean(density) + 1e-300)
    cumulative = np.concatenate([[0.0], np.cumsum(density * h)])
    targets = np.linspace(0.0, cumulative[-1], collocation.intervals + 1)
    mesh = np.interp(targets, cumulative, collocation.mesh)
    mesh[0], mesh[-1] = 0.0, 1.0
    return mesh


def remesh(collocation, U, others, mesh):
    """Move a profile (and profile-shaped companions such as tangents) to a new mesh.

    Parameters
    ----------
    collocation : Collocation
        The current discretization.
    U : numpy.ndarray
        Profile ``(N m, n)``.
    others : sequence of numpy.ndarray
        More profiles on the same mesh.
    mesh : numpy.ndarray
        The new mesh.

    Returns
    -------
    (Collocation, numpy.ndarray, list of numpy.ndarray)
    """
    new = Collocation(collocation.dim, collocation.intervals, collocation.degree, mesh)
    times = new.node_times()
    # one evaluation of all profiles side by side
    n = U.shape[1]
    moved = collocation.evaluate(np.hstack([U] + list(others)), times)
    return new, moved[:, :n], [moved[:, n * (i + 1):n * (i + 2)] for i in range(len(others))]
