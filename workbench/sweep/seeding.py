"""Seeds of a sweep: one per parameter set, derived from the sweep's seed and the set's index.

Every seed comes from :class:`numpy.random.SeedSequence` with the sweep's seed as
entropy and a *spawn key* that names what it is for:

* ``(0, k)`` seeds the build of the model (``k`` identifies the values of the
  ``build_params``; 0 when there are none), so every worker builds the same
  model (random connectivity, random initial state);
* ``(1, i)`` seeds parameter set ``i`` (row ``i`` of the table).

A seed therefore depends only on the sweep's seed and the row, never on which
worker runs the row or what ran there before: the same table on every executor.

Before the build and before each set, :func:`seed_all` seeds

* numpy's global generator (``np.random.seed``; used by ``np.random.random``
  in Python code such as ``reset()`` methods and by the numpy backend),
* numba's generator of the calling thread (``np.random.seed`` called inside a
  compiled function -- the only way to seed it; used by compiled step
  functions on the numba backend),
* Python's :mod:`random` module.

Not seeded: ``numpy.random.Generator`` objects the model creates itself
(``default_rng()`` without a seed), other libraries' generators, and numba's
per-thread generators inside ``prange`` loops of the ``'numba-parallel'``
backend (numba seeds those itself).
"""

import random
import zlib

import numpy as np

from ..backend.jit import jit

__all__ = ["new_entropy", "set_seed", "build_seed", "seed_all", "SET_STREAM", "BUILD_STREAM"]

#: First element of the spawn key of build seeds and of parameter-set seeds.
BUILD_STREAM = 0
SET_STREAM = 1


@jit
def _seed_numba_kernel(seed):
    np.random.seed(seed)


def new_entropy():
    """Fresh entropy for a sweep without a given seed (recorded in the table's ``meta``).

    Returns
    -------
    int
    """
    return int(np.random.SeedSequence().entropy)


def _derive(entropy, key):
    sequence = np.random.SeedSequence(entropy, spawn_key=key)
    return int(sequence.generate_state(1, np.uint32)[0])


def set_seed(entropy, index):
    """The seed of parameter set ``index``.

    Parameters
    ----------
    entropy : int
        The sweep's seed.
    index : int
        Row of the set in the table.

    Returns
    -------
    int
        A seed in ``[0, 2**32)``.

    Examples
    --------
    >>> set_seed(42, 0) == set_seed(42, 0) != set_seed(42, 1)
    True
    """
    return _derive(entropy, (SET_STREAM, int(index)))


def build_seed(entropy, build_kwargs=None):
    """The seed used before building the model.

    Parameters
    ----------
    entropy : int
        The sweep's seed.
    build_kwargs : dict, optional
        Values of the ``build_params`` the model is built with.

    Returns
    -------
    int
        A seed in ``[0, 2**32)``.
    """
    key = 0
    if build_kwargs:
        text = repr(sorted((k, repr(v)) for k, v in build_kwargs.items()))
        key = zlib.crc32(text.encode()) + 1
    return _derive(entropy, (BUILD_STREAM, key))


def seed_all(seed):
    """Seed numpy's global generator, numba's generator of this thread and :mod:`random`.

    Parameters
    ----------
    seed : int
        A seed in ``[0, 2**32)``.
    """
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    _seed_numba_kernel(seed)
