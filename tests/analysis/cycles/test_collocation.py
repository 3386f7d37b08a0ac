"""Collocation, mesh adaptation and Floquet multipliers against closed forms."""

import numpy as np
import pytest

from workbench.analysis.cycles.collocation import Collocation, lagrange_tables
from workbench.analysis.cycles.floquet import cycle_is_stable, floquet_multipliers, nontrivial
from workbench.analysis.cycles.mesh import adapted_mesh, remesh


def test_lagrange_tables_are_exact_for_polynomials():
    nodes = np.linspace(0.0, 1.0, 5)
    points = np.array([0.1, 0.37, 0.9])
    L, D = lagrange_tables(nodes, points)
    for degree in range(5):
        assert L @ nodes ** degree == pytest.approx(points ** degree, abs=1e-13)
        assert D @ nodes ** degree == pytest.approx(degree * points ** max(degree - 1, 0)
                                                    if degree else 0 * points, abs=1e-12)


def circle_profile(collocation, radius):
    t = collocation.node_times()
    return radius * np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], axis=1)


def normal_form_pieces(X, mu):
    x, y = X[..., 0], X[..., 1]
    r2 = x * x + y * y
    F = np.stack([mu * x - y - x * r2, x + mu * y - y * r2], axis=-1)
    J = np.empty(X.shape + (2,))
    J[..., 0, 0] = mu - 3 * x * x - y * y
    J[..., 0, 1] = -1 - 2 * x * y
    J[..., 1, 0] = 1 - 2 * x * y
    J[..., 1, 1] = mu - x * x - 3 * y * y
    return F, J


@pytest.mark.parametrize("mesh", [None, np.concatenate([np.linspace(0, 0.3, 30),
                                                       np.linspace(0.3, 1, 11)[1:]])])
def test_residual_vanishes_on_the_exact_cycle_to_the_collocation_order(mesh):
    # Hopf normal form: r = sqrt(mu), period 2 pi
    mu = 0.25
    errors = []
    for intervals in (20, 40):
        grid = None if mesh is None else np.interp(np.linspace(0, 1, intervals + 1),
                                                   np.linspace(0, 1, len(mesh)), mesh)
        c = Collocation(2, intervals, 4, grid)
        U = circle_profile(c, np.sqrt(mu))
        X, dX = c.at_gauss(U)
        F, _ = normal_form_pieces(X, mu)
        errors.append(np.max(np.abs(c.residual(F, dX, 2 * np.pi))))
    # the interpolant of degree 4 of a smooth function: derivative error O(h^4)
    assert errors[1] < errors[0] / 12.0 and errors[1] < 1e-4


def test_sparse_jacobian_matches_finite_differences():
    mu, T = 0.3, 2 * np.pi
    c = Collocation(2, 6, 3)
    rng = np.random.default_rng(1)
    U = circle_profile(c, 0.5) + 0.01 * rng.standard_normal((c.intervals * c.degree, 2))

    def residual(flat):
        X, dX = c.at_gauss(flat.reshape(-1, 2))
        return c.residual(normal_form_pieces(X, mu)[0], dX, T)

    X, _ = c.at_gauss(U)
    analytic = c.jacobian(normal_form_pieces(X, mu)[1], T).toarray()
    flat = U.ravel()
    numeric = np.empty_like(analytic)
    for k in range(flat.size):
        e = np.zeros_like(flat)
        e[k] = 1e-6
        numeric[:, k] = (residual(flat + e) - residual(flat - e)) / 2e-6
    assert np.max(np.abs(analytic - numeric)) < 1e-7


@pytest.mark.parametrize("mu", [0.1, 0.5])
def test_floquet_multipliers_of_the_normal_form(mu):
    # on the cycle trace J = 2 mu - 4 r^2 = -2 mu, so the nontrivial multiplier is exp(-4 pi mu)
    c = Collocation(2, 20, 4)
    X, _ = c.at_gauss(circle_profile(c, np.sqrt(mu)))
    _, J = normal_form_pieces(X, mu)
    multipliers = floquet_multipliers(c, J, 2 * np.pi)
    assert sorted(np.abs(multipliers)) == pytest.approx(sorted([1.0, np.exp(-4 * np.pi * mu)]),
                                                        rel=1e-7)   # the interpolated circle
    assert cycle_is_stable(multipliers[None])[0]


def test_monodromy_path_in_three_dimensions():
    # the normal form plus a decoupled z' = -c z: multipliers 1, exp(-4 pi mu), exp(-2 pi c);
    # three dimensions use the monodromy matrix (condensation of each interval)
    mu, rate = 0.2, 0.3
    c = Collocation(3, 30, 4)
    U2 = circle_profile(c, np.sqrt(mu))
    U = np.column_stack([U2, np.zeros(len(U2))])
    X, _ = c.at_gauss(U)
    _, J2 = normal_form_pieces(X[..., :2], mu)
    J = np.zeros(X.shape + (3,))
    J[..., :2, :2] = J2
    J[..., 2, 2] = -rate
    multipliers = floquet_multipliers(c, J, 2 * np.pi)
    expected = [1.0, np.exp(-2 * np.pi * rate), np.exp(-4 * np.pi * mu)]
    assert np.abs(multipliers) == pytest.approx(expected, rel=1e-6)
    assert np.abs(nontrivial(multipliers)) == pytest.approx(expected[1:], rel=1e-6)


def test_adapted_mesh_concentrates_where_the_orbit_turns_fast():
    c = Collocation(2, 40, 4)
    t = c.node_times()
    # a relaxation-like profile: a steep jump near t = 0.5
    U = np.stack([np.tanh(40 * np.sin(2 * np.pi * t)), np.cos(2 * np.pi * t)], axis=1)
    mesh = adapted_mesh(c, U, np.ones(2))
    assert mesh[0] == 0.0 and mesh[-1] == 1.0 and np.all(np.diff(mesh) > 0)
    h = np.diff(mesh)
    middle = 0.5 * (mesh[:-1] + mesh[1:])
    near_jump = h[np.abs(middle - 0.5) < 0.02]
    assert len(near_jump) >= 4 and near_jump.max() < 0.5 / 40   # finer than uniform there
    assert h.max() > 2.0 / 40                                   # coarser on the plateaus
    new, V, (W,) = remesh(c, U, [2 * U], mesh)
    assert V == pytest.approx(c.evaluate(U, new.node_times()), abs=1e-14)
    assert W == pytest.approx(2 * V, abs=1e-14)


def test_cycle_is_stable_keeps_the_shape_k_for_no_cycles():
    """Shape (k,) for multipliers of shape (k, n), also for k = 0 (an empty branch)."""
    verdict = cycle_is_stable(np.zeros((0, 2), dtype=complex))
    assert verdict.shape == (0,) and verdict.dtype == bool
    # one stable (|mu| = 0.5) and one unstable (|mu| = 2) planar cycle, the trivial 1 apart
    np.testing.assert_array_equal(cycle_is_stable(np.array([[1.0, 0.5], [2.0, 1.0]])), [True, False])


def test_mesh_adaptation_keeps_the_tangent_a_unit_vector_of_the_new_metric():
    """The predictor's step is ds along the tangent: after a remesh the tangent must still have
    norm 1 in the metric of the new mesh (its node weights differ from the old ones)."""
    from workbench.analysis.cycles.tracer import CycleState, CycleTracer

    class Plane:
        dim = 2

    tracer = CycleTracer(Plane(), (0.0, 1.0), np.ones(2))
    c = Collocation(2, 40, 4)
    t = c.node_times()
    U = np.stack([np.tanh(40 * np.sin(2 * np.pi * t)), np.cos(2 * np.pi * t)], axis=1)
    dU = np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], axis=1)
    tangent = np.concatenate([dU.ravel(), [0.3, 0.2]])
    tangent /= tracer._norm(c, tangent)
    new = tracer._adapt(CycleState(c, U, 1.0, 0.5, tangent))
    assert not np.allclose(new.collocation.mesh, c.mesh)        # the mesh did move
    assert tracer._norm(new.collocation, new.tangent) == pytest.approx(1.0, abs=1e-12)
    # the same direction: the old tangent profile at the new nodes, scaled by one factor
    factor = new.tangent[-1] / tangent[-1]
    np.testing.assert_allclose(new.tangent[-2:], factor * tangent[-2:], rtol=1e-12)
    np.testing.assert_allclose(new.tangent[:-2].reshape(-1, 2),
                               factor * c.evaluate(tangent[:-2].reshape(-1, 2),
                                                   new.collocation.node_times()), atol=1e-12)


@pytest.mark.parametrize("phase", [0.0, 0.1234, 0.377])
def test_extremes_are_the_maxima_of_the_piecewise_polynomial(phase):
    """Against brute force: the same piecewise polynomial sampled at 2 million points (its
    maximum to about 1e-11 there), for an ellipse whose peaks fall anywhere in an interval."""
    from workbench.analysis.cycles.tracer import extremes

    c = Collocation(2, 40, 4)
    angle = 2 * np.pi * (c.node_times() + phase)
    U = np.stack([0.7 * np.cos(angle), 0.3 * np.sin(angle) + 0.1], axis=1)
    top, bottom = extremes(c, U)
    dense = c.evaluate(U, np.linspace(0.0, 1.0, 2_000_001))
    np.testing.assert_allclose(top, dense.max(axis=0), rtol=0, atol=1e-10)
    np.testing.assert_allclose(bottom, dense.min(axis=0), rtol=0, atol=1e-10)
    np.testing.assert_allclose(top, [0.7, 0.4], rtol=0, atol=1e-5)   # the ellipse (interpolation error)
