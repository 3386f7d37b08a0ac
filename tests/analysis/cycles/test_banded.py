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
