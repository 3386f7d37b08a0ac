"""The compiled factorization of the bordered collocation matrix against SuperLU."""

import numpy as np
import pytest
from scipy.sparse.linalg import splu

from workbench.analysis.cycles import banded
from workbench.analysis.cycles.collocation import Collocation

pytestmark = pytest.mark.skipif(not banded.available(), reason="numba is off (NUMBA_DISABLE_JIT)")


def random_pieces(rng, n, N, m, scale=1.0):
    mesh = np.sort(np.concatenate([[0.0], rng.random(N - 1), [1.0]]))
    collocation = Collocation(n, N, m, mesh)
    J = rng.normal(size=(N, m, n, n)) * scale
    F, Fp = rng.normal(size=(N, m, n)), rng.normal(size=(N, m, n))
    phase_row = rng.normal(size=collocation.size)
    last_row = rng.normal(size=collocation.size + 2)
    return collocation, J, float(rng.uniform(0.5, 50.0)), F, Fp, phase_row, last_row


@pytest.mark.parametrize("seed", range(40))
def test_solutions_agree_with_superlu_on_random_bordered_matrices(seed):
    rng = np.random.default_rng(seed)
    n, N, m = int(rng.integers(1, 4)), int(rng.integers(8, 16)), int(rng.integers(2, 6))
    pieces = random_pieces(rng, n, N, m, scale=10.0 ** rng.uniform(-1.0, 2.0))
    collocation = pieces[0]
    matrix = collocation.bordered_matrix(*pieces[1:])
    lu = banded.factor_bordered(*pieces)
    for _ in range(2):          # the factorization serves several right-hand sides
        rhs = rng.normal(size=collocation.size + 2)
        expected = splu(matrix, permc_spec="NATURAL").solve(rhs)
        x = lu.solve(rhs)
        assert np.max(np.abs(x - expected)) <= 1e-9 * np.max(np.abs(expected))
        assert np.max(np.abs(matrix @ x - rhs)) <= 1e-9 * np.max(np.abs(rhs))


def test_a_non_finite_or_singular_matrix_gives_none():
    rng = np.random.default_rng(3)
    collocation, J, T, F, Fp, phase_row, last_row = random_pieces(rng, 2, 10, 4)
    bad = J.copy()
    bad[3, 1, 0, 1] = np.nan
    assert banded.factor_bordered(collocation, bad, T, F, Fp, phase_row, last_row) is None
    assert banded.factor_bordered(collocation, J, T, F, Fp, phase_row,
                                  np.zeros_like(last_row)) is None


@pytest.mark.parametrize("seed", range(10))
def test_compiled_gauss_values_phase_rows_and_extremes_match_numpy(seed, monkeypatch):
    from workbench.analysis.cycles import tracer
    rng = np.random.default_rng(seed)
    n, N, m = int(rng.integers(1, 4)), int(rng.integers(8, 30)), int(rng.integers(2, 6))
    collocation = Collocation(n, N, m, np.sort(np.concatenate([[0.0], rng.random(N - 1), [1.0]])))
    t = collocation.node_times()
    U = np.stack([np.cos(2 * np.pi * (k + 1) * t + k) ** 3 + 0.3 * np.sin(6 * np.pi * t)
                  for k in range(n)], axis=1)
    X, dX = banded.at_gauss(collocation, U)
    compiled_row = collocation.integral_weights(U)
    compiled_extremes = np.concatenate(tracer.extremes(collocation, U))
    monkeypatch.setattr(banded, "available", lambda: False)
    X0, dX0 = collocation.at_gauss(U)
    np.testing.assert_allclose(X, X0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dX, dX0, rtol=0, atol=1e-10 * np.max(np.abs(dX0)))
    np.testing.assert_allclose(compiled_row, collocation.integral_weights(U), rtol=0,
                               atol=1e-14 * np.max(np.abs(compiled_row)))
    np.testing.assert_allclose(compiled_extremes, np.concatenate(tracer.extremes(collocation, U)),
                               rtol=0, atol=1e-12)


def test_the_chord_update_is_the_superlu_newton_step():
    rng = np.random.default_rng(7)
    collocation, J, T, F, Fp, phase_row, last_row = random_pieces(rng, 2, 12, 4)
    size = collocation.size
    lu = banded.factor_bordered(collocation, J, T, F, Fp, phase_row, last_row)
    dX = rng.normal(size=F.shape)
    z, z_pred = rng.normal(size=size + 2), rng.normal(size=size + 2)
    unit = rng.uniform(0.5, 2.0, size=size + 2)
    new, change = lu.update(dX, F, T, z, z_pred, phase_row, last_row, unit)
    rhs = np.concatenate([(dX - T * F).ravel(), [phase_row @ z[:size], last_row @ (z - z_pred)]])
    dz = splu(collocation.bordered_matrix(J, T, F, Fp, phase_row, last_row),
              permc_spec="NATURAL").solve(rhs)
    np.testing.assert_allclose(new, z - dz, rtol=0, atol=1e-10 * np.max(np.abs(dz)))
    assert change == pytest.approx(np.max(np.abs(dz) * unit), rel=1e-10)
    bad = F.copy()
    bad[0, 0, 0] = np.inf
    assert np.isnan(lu.update(dX, bad, T, z, z_pred, phase_row, last_row, unit)[1])


class NormalForm:
    """Hopf normal form, p = mu: the cycle of radius sqrt(mu) with period 2 pi."""

    dim = 2

    def f(self, X, p):
        x, y = X[..., 0], X[..., 1]
        r2 = x * x + y * y
        return np.stack([p * x - y - x * r2, x + p * y - y * r2], axis=-1)

    def jacobian(self, X, p):
        x, y = X[..., 0], X[..., 1]
        J = np.empty(X.shape + (2,))
        J[..., 0, 0] = p - 3 * x * x - y * y
        J[..., 0, 1] = -1 - 2 * x * y
        J[..., 1, 0] = 1 - 2 * x * y
        J[..., 1, 1] = p - x * x - 3 * y * y
        return J

    def dfdp(self, X, p):
        return X.copy()


@pytest.mark.parametrize("largest", [banded.MAX_SIZE, 0])
def test_the_corrector_finds_the_normal_form_cycle_with_either_factorization(largest, monkeypatch):
    # largest = 0 sends every matrix to SuperLU (as for meshes too large to store dense)
    from workbench.analysis.cycles.tracer import CycleTracer
    monkeypatch.setattr(banded, "MAX_SIZE", largest)
    tracer = CycleTracer(NormalForm(), (0.0, 1.0), np.ones(2))
    collocation = Collocation(2, 40, 4)
    t = collocation.node_times()
    U = 0.6 * np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], axis=1)   # radius 0.5
    z0 = np.concatenate([U.ravel(), [6.0, 0.25]])
    z, _, lu, _ = tracer.correct(collocation, z0, np.zeros_like(z0),
                                 collocation.integral_weights(U), fixed_parameter=True)
    assert isinstance(lu, banded.BorderedLU) == (largest > 0)
    assert z[-2] == pytest.approx(2 * np.pi, rel=1e-9)
    radius = np.hypot(*z[:-2].reshape(-1, 2).T)
    np.testing.assert_allclose(radius, 0.5, rtol=0, atol=1e-7)
