"""Helpers shared by generated steps: same results in Python and in numba."""

import numpy as np
import pytest

from workbench.backend.jit import jit
from workbench.integrators.kernels import (error_ratio, exprel, larger, normal_like,
                                           normal_vector, wiener_sum)


@jit
def compiled_helpers(x, y, g, dW):
    return (error_ratio(x, x, y, 0.1), larger(1.0, 2.0), exprel(x), wiener_sum(g, dW),
            normal_like(x, 1.0).shape, normal_vector(g, 1.0).shape)


def test_helpers_agree_in_python_and_numba():
    x = np.array([0.0, 1e-12, -2.0])
    y = np.array([1.0, 0.5, -1.0])
    g = np.arange(6.0).reshape(3, 2)
    dW = np.array([0.5, -1.0])
    compiled = compiled_helpers(x, y, g, dW)
    assert compiled[0] == pytest.approx(error_ratio(x, x, y, 0.1), rel=1e-15)
    assert compiled[1] == larger(1.0, 2.0) == 2.0
    np.testing.assert_allclose(compiled[2], exprel(x), rtol=1e-15)
    np.testing.assert_allclose(compiled[3], wiener_sum(g, dW), rtol=1e-15)
    assert compiled[4] == (3,) and compiled[5] == (2,)


def test_values():
    assert exprel(0.0) == 1.0
    assert exprel(1e-10) == pytest.approx(1.0 + 5e-11, rel=1e-15)
    assert exprel(np.log(2.0)) == pytest.approx(1.0 / np.log(2.0))
    assert np.isnan(larger(np.nan, 1.0)) and np.isnan(larger(1.0, np.nan))
    # |error| <= tol (1 + max(|old|, |new|)) is the acceptance rule
    assert error_ratio(0.3, 1.0, 2.0, 0.1) == pytest.approx(1.0)
    assert wiener_sum(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 11.0
    # one increment vector per path broadcasts too
    g = np.ones((4, 2))
    np.testing.assert_allclose(wiener_sum(g, np.arange(8.0).reshape(4, 2)), [1, 5, 9, 13])


@jit
def compiled_error_ratio(error, old, new, tol):
    return error_ratio(error, old, new, tol)


@pytest.mark.parametrize("values", [(0.3, 1.0, 2.0), (-0.3, -2.0, 1.0), (1e-3, 1.0, np.nan),
                                    (np.nan, 1.0, 2.0), (0.0, 0.0, 0.0)])
def test_scalar_error_ratio_in_numba_equals_python(values):
    expected = error_ratio(*values, 0.1)
    got = compiled_error_ratio(*values, 0.1)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


@jit
def compiled_wiener_sum(g, dW):
    return wiener_sum(g, dW)


@pytest.mark.parametrize("shape, noise_shape", [((2,), (2,)), ((3, 2), (2,)),
                                                ((4, 3, 2), (2,)), ((4, 2), (4, 2))])
def test_wiener_sum_shapes_in_numba(shape, noise_shape):
    rng = np.random.default_rng(0)
    g = rng.normal(size=shape)
    dW = rng.normal(size=noise_shape)
    np.testing.assert_allclose(compiled_wiener_sum(g, dW), wiener_sum(g, dW), rtol=1e-14)


def test_normal_like_draws_the_right_shapes_and_scale():
    np.random.seed(0)
    assert np.ndim(normal_like(1.0, 0.1)) == 0
    draws = normal_like(np.zeros((200, 100)), 0.1)
    assert draws.shape == (200, 100)
    assert draws.std() == pytest.approx(0.1, rel=0.03)


@jit
def compiled_normal_draws(x, scale, count):
    out = np.empty((count,) + x.shape)
    for k in range(count):
        out[k] = normal_like(x, scale)
    return out


@jit
def compiled_scalar_draws(scale, count):
    out = np.empty(count)
    for k in range(count):
        out[k] = normal_like(0.0, scale)
    return out


@jit
def compiled_vector_draws(g, scale, count):
    out = np.empty((count, g.shape[-1]))
    for k in range(count):
        out[k] = normal_vector(g, scale)
    return out


@pytest.mark.parametrize("where", ["python", "numba"])
def test_every_normal_draw_has_mean_zero_and_the_asked_scale(where):
    """Wiener increments are N(0, scale^2): a mean off by 1e-3 at scale 1e-3 is 30 standard errors.

    4000 draws of each helper (scalar, array, vector); the band on the mean is 5
    standard errors, on the standard deviation 5 of its standard errors (~1.1%).
    """
    scale, count = 1e-3, 4000
    np.random.seed(11)
    if where == "numba":
        samples = [compiled_scalar_draws(scale, count),
                   compiled_normal_draws(np.zeros(2), scale, count // 2).ravel(),
                   compiled_vector_draws(np.ones((3, 2)), scale, count // 2).ravel()]
    else:
        samples = [np.array([normal_like(0.0, scale) for _ in range(count)]),
                   np.concatenate([normal_like(np.zeros(2), scale) for _ in range(count // 2)]),
                   np.concatenate([normal_vector(np.ones((3, 2)), scale) for _ in range(count // 2)])]
    for draws in samples:
        assert draws.size == count
        assert abs(draws.mean()) < 5 * scale / np.sqrt(count)
        assert abs(draws.std() / scale - 1) < 5 / np.sqrt(2 * count)


def test_exprel_on_both_sides_of_zero_and_at_zero_in_numba():
    """exprel(z) = (e^z - 1) / z against its series 1 + z/2 + z^2/6 + z^3/24, and exactly 1 at 0."""
    z = np.array([-1e-3, -1e-8, 0.0, 1e-8, 1e-3])
    series = 1 + z / 2 + z ** 2 / 6 + z ** 3 / 24
    for values in (exprel(z), compiled_helpers(z, z, np.ones((1, 1)), np.ones(1))[2]):
        np.testing.assert_allclose(values, series, rtol=1e-14)
        assert values[2] == 1.0
