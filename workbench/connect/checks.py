"""Validation of connector parameters: every check names the argument, the value and what is allowed."""

import numbers

import numpy as np

from ..errors import ConnectorError

__all__ = ["check_bool", "check_probability", "check_int", "check_positive", "check_seed",
           "make_rng", "kernel_seed", "same_size", "grid_shape"]


def check_bool(owner, name, value):
    """Return ``value`` if it is a bool (numpy bools included).

    Raises
    ------
    ConnectorError
        If ``value`` is not a bool.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ConnectorError(f"{owner}: `{name}`={value!r} must be True or False.")
    return bool(value)


def check_probability(owner, name, value):
    """Return ``value`` as a float if it lies in [0, 1].

    Raises
    ------
    ConnectorError
        If ``value`` is not a real number in [0, 1].
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ConnectorError(f"{owner}: `{name}`={value!r} must be a probability in [0, 1].")
    return float(value)


def check_int(owner, name, value, minimum=0):
    """Return ``value`` as an int if it is an integer ``>= minimum``.

    Raises
    ------
    ConnectorError
        If ``value`` is not an integer or is smaller than ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConnectorError(f"{owner}: `{name}`={value!r} must be an int >= {minimum}.")
    return int(value)


def check_positive(owner, name, value, allow_zero=False):
    """Return ``value`` as a float if it is a finite positive (or non-negative) number.

    Raises
    ------
    ConnectorError
        If ``value`` is not a finite real number of the right sign.
    """
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and np.isfinite(value)
          and (value >= 0 if allow_zero else value > 0))
    if not ok:
        allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ConnectorError(f"{owner}: `{name}`={value!r} must be {allowed}.")
    return float(value)


def check_seed(owner, seed):
    """Return ``seed`` if numpy can seed a generator with it.

    Accepts None (a seed drawn from numpy's global generator when the connector
    is built, see :func:`make_rng`), a non-negative int, a
    ``numpy.random.SeedSequence`` or a ``numpy.random.Generator``.

    Raises
    ------
    ConnectorError
        For anything else.
    """
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConnectorError(f"{owner}: `seed`={seed!r} must be None, a non-negative int or a "
                             f"numpy.random.Generator.")
    return int(seed)


def make_rng(seed):
    """A fresh ``numpy.random.Generator`` for one build: the same int seed gives the same stream.

    Without a seed, the generator's seed is drawn from numpy's global generator,
    so ``np.random.seed(...)`` before building a network makes its random
    connections reproducible, as BrainPy users expect.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        A Generator is used as it is (its state advances).

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = int(np.random.randint(0, 2 ** 31 - 1))
    return np.random.default_rng(seed)


def kernel_seed(rng):
    """Draw the seed of a compiled kernel's own random stream from ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator

    Returns
    -------
    int
        A seed in [0, 2**31 - 1) for ``np.random.seed`` inside a kernel.
    """
    return int(rng.integers(0, 2 ** 31 - 1))


def same_size(owner, pre_size, post_size, what="number of neurons"):
    """Check that two groups have the same number of neurons (``what='number of neurons'``)
    or the same geometry (``what='geometry'``).

    Raises
    ------
    ConnectorError
        Naming both sizes.
    """
    num_pre, num_post = int(np.prod(pre_size)), int(np.prod(post_size))
    differ = (pre_size != post_size) if what == "geometry" else (num_pre != num_post)
    if differ:
        raise ConnectorError(f"{owner} needs pre- and post-synaptic groups of the same {what}; got "
                             f"pre_size={pre_size} ({num_pre} neurons) and post_size={post_size} "
                             f"({num_post} neurons).")


def grid_shape(owner, arg_name, size):
    """Rows and columns of a 1-D (one row) or 2-D geometry.

    Raises
    ------
    ConnectorError
        For geometries of three or more dimensions.
    """
    if len(size) == 1:
        return 1, size[0]
    if len(size) == 2:
        return size
    raise ConnectorError(f"{owner} works on 1-D or 2-D geometries; got `{arg_name}`={size} "
                         f"with {len(size)} dimensions.")
