"""The compiled kernels of the limit-cycle search against the numpy RK4 steps and Newton."""

import numpy as np
import pytest
import sympy

import workbench as bp
from workbench.analysis.compiled import kernels_source, system_kernels
from workbench.analysis.roots import newton
from workbench.analysis.simulate import _rk4_step
from workbench.backend.jit import is_jit_disabled

from . import models

needs_jit = pytest.mark.skipif(is_jit_disabled(), reason="NUMBA_DISABLE_JIT=1: the analysis "
                               "uses numpy steps, there is no compiled kernel to compare")


def hr_fast_system(Isyn=0.5):
    analyzer = bp.analysis.FastSlowBifurcation(
        models.int_hr, fast_vars={"x": [-3, 3], "y": [-10, 5]}, slow_vars={"z": [-5, 5]},
        pars_update={"Isyn": Isyn}, options={"verbose": False})
    return analyzer.system


def ml_system():
    analyzer = bp.analysis.Bifurcation(models.ml_fast, target_pars={"y": [-0.1, 0.2]},
                                       target_vars={"v": [-0.6, 0.6], "w": [-0.1, 1.0]},
                                       options={"verbose": False})
    return analyzer.system


def numpy_chunk(system, X, P, dt, steps):
    """The reference: numpy RK4 steps of the lambdified right-hand side."""
    record = np.empty((steps, len(X), len(X[0])))
    X = [np.asarray(x, dtype=float) for x in X]
    for s in range(steps):
        X = _rk4_step(system.f_raw, X, P, dt)
        record[s] = X
    return record


def compiled_chunk(system, X, P, dt, steps):
    kernels = system.kernels()
    assert kernels is not None
    return kernels.rk4_chunk(np.array(X, dtype=float), np.array(P, dtype=float).reshape(len(P), -1),
                  np.array(system._constant_args(), dtype=float), float(dt), int(steps))


@needs_jit
@pytest.mark.parametrize("make, X, P, dt", [
    # Hindmarsh-Rose fast subsystem (powers, a constant), slow variable z per start
    (hr_fast_system, [[1.0, -1.2, 0.3, 2.0], [0.0, -5.0, 1.0, -8.0]], [[0.0, 1.5, 3.0, -2.0]],
     0.01),
    # Morris-Lecar fast subsystem (tanh, cosh, module constants)
    (ml_system, [[-0.3, 0.0, 0.25], [0.1, 0.4, 0.05]], [[-0.05, 0.05, 0.15]], 0.05),
])
def test_compiled_chunk_matches_numpy_steps(make, X, P, dt):
    system = make()
    steps = 400
    expected = numpy_chunk(system, X, P, dt, steps)
    got = compiled_chunk(system, X, P, dt, steps)
    assert got.shape == (steps, len(X), len(X[0]))
    assert np.all(np.isfinite(expected))
    assert np.max(np.abs(expected - X[0][0])) > 0.1          # the states really moved
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-12)


@needs_jit
def test_new_constants_change_the_result_without_compiling():
    system = hr_fast_system(Isyn=0.5)
    X, P = [[1.0, -1.2], [0.0, -5.0]], [[0.0, 1.5]]
    first = compiled_chunk(system, X, P, 0.01, 300)
    before = bp.jit_compilations()
    system.set_constants({"Isyn": 2.0})
    second = compiled_chunk(system, X, P, 0.01, 300)
    assert bp.jit_compilations() == before
    assert np.max(np.abs(second - first)) > 0.1
    np.testing.assert_allclose(second, numpy_chunk(system, X, P, 0.01, 300),
                               rtol=1e-11, atol=1e-12)


def test_models_without_sympy_expressions_have_no_kernel():
    analyzer = bp.analysis.Bifurcation(models.ml_fast_opaque, target_pars={"y": [-0.1, 0.2]},
                                       target_vars={"v": [-0.6, 0.6], "w": [-0.1, 1.0]},
                                       options={"verbose": False})
    assert analyzer.system.symbolic is None
    assert analyzer.system.kernels() is None


def test_source_refuses_unknown_symbols_and_unprintable_functions():
    x, p, c, stray = sympy.symbols("x p c stray")
    assert kernels_source([x * stray], [x], [p], [c]) is None
    opaque = sympy.Function("g")
    assert kernels_source([opaque(x) + p], [x], [p], [c]) is None
    assert system_kernels([x * stray], [x], [p], [c]) is None
    source = kernels_source([-x + p * c], [x], [p], [c])
    assert "def rk4_chunk(X, P, C, dt, steps):" in source
    assert "x0 = x0 + sixth * (a0 + 2.0 * b0 + 2.0 * d0 + e0)" in source


@needs_jit
@pytest.mark.parametrize("make, X, P", [
    # Hindmarsh-Rose fast subsystem: starts near the lower and the middle equilibria, and far away
    (hr_fast_system, [[-1.5, -0.2, 2.5, 40.0], [-9.0, 0.5, -25.0, 3.0]], [[-1.0, 0.0, 2.0, 0.5]]),
    # Morris-Lecar fast subsystem
    (ml_system, [[-0.3, 0.0, 0.25], [0.01, 0.4, 0.6]], [[-0.05, 0.05, 0.15]]),
])
def test_compiled_newton_matches_vectorized_newton(make, X, P):
    system = make()
    X, P = np.array(X, dtype=float), [np.array(p, dtype=float) for p in P]
    expected, expected_ok = newton(lambda z, i: system.f(list(z.T), [p[i] for p in P]).T,
                                   lambda z, i: system.jacobian(list(z.T), [p[i] for p in P]),
                                   X.T.copy(), maxiter=8)
    got, ok = system.kernels().newton_equilibria(np.ascontiguousarray(X), np.array(P),
                                                 np.array(system._constant_args()), 1e-12, 8)
    assert ok.tolist() == expected_ok.tolist() and ok.any()
    np.testing.assert_allclose(got.T[ok], expected[ok], rtol=1e-10, atol=1e-12)
    residual = system.f(list(got[:, ok]), [p[ok] for p in P])
    assert np.max(np.abs(residual)) < 1e-9                  # they are equilibria
