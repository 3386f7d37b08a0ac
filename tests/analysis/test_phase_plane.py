"""Phase planes against hand-derived references (FHN, HR with z fixed, normal forms)."""

import numpy as np
import pytest
import sympy

import workbench as bp
from workbench.errors import AnalysisError

from . import models
from .models import int_fhn


def fhn_plane(Iext=0.8, **options):
    return bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                  pars_update={"Iext": Iext},
                                  options=dict({"verbose": False}, **options))


def test_fhn_single_fixed_point_and_its_type(capsys):
    analyzer = bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                      pars_update={"Iext": 0.8})
    xs, ys = analyzer.plot_fixed_point()            # BrainPy returns the coordinates
    points = analyzer.compute_fixed_points().as_dicts()
    V, w = models.fhn_equilibria(0.8)
    assert len(V) == 1 and len(points) == 1
    assert points[0]["V"] == pytest.approx(V[0], abs=1e-15)
    assert points[0]["w"] == pytest.approx(w[0], abs=1e-15)
    assert xs.tolist() == [points[0]["V"]] and ys.tolist() == [points[0]["w"]]
    jac = models.fhn_jacobian(V[0])
    lam = np.linalg.eigvals(jac)
    assert np.all(lam.imag == 0) and np.all(lam.real > 0)        # hence an unstable node
    assert points[0]["stability"] == "unstable node"
    assert np.allclose(np.sort(points[0]["eigenvalues"].real), np.sort(lam.real))
    out = capsys.readouterr().out
    assert "plot fixed point ..." in out
    assert 'SymPy solve derivative of "int_fhn(V, w)" by "V", success.' in out
    assert (f"Fixed point #1 at V={points[0]['V']!r}, w={points[0]['w']!r} is a unstable node."
            in out)


def test_fhn_nullclines_lie_on_the_curves(capsys):
    analyzer = bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                      pars_update={"Iext": 0.8})
    nullclines = analyzer.plot_nullcline()
    out = capsys.readouterr().out
    assert out.count('SymPy solve "int_fhn(V, w) = 0" to "w = f(V, )", success.') == 2
    v_curve, w_curve = nullclines["V"], nullclines["w"]
    assert v_curve.method == w_curve.method == "sympy"
    ok = np.isfinite(v_curve.x)
    assert np.max(np.abs(v_curve.y[ok] - (v_curve.x[ok] - v_curve.x[ok] ** 3 / 3 + 0.8))) < 1e-12
    ok = np.isfinite(w_curve.x)
    assert np.max(np.abs(w_curve.y[ok] - (w_curve.x[ok] + models.a) / models.b)) < 1e-12
    # the V-nullcline leaves the box: it is cut (NaN), never drawn outside [-3, 3]
    assert np.nanmax(np.abs(v_curve.y)) <= 3.0


def test_numeric_nullclines_and_fixed_points_without_sympy():
    analyzer = fhn_plane(escape_sympy_solver=True)
    nullclines = analyzer.compute_nullclines()
    curve = nullclines["V"]
    assert curve.method == "numeric"
    ok = np.isfinite(curve.x)
    residual = curve.x[ok] - curve.x[ok] ** 3 / 3 - curve.y[ok] + 0.8
    assert ok.sum() > 50 and np.max(np.abs(residual)) < 1e-9
    points = analyzer.compute_fixed_points()
    V, _ = models.fhn_equilibria(0.8)
    assert len(points) == 1 and points[0].values["V"] == pytest.approx(V[0], abs=1e-10)


def test_vector_field_is_the_derivative_on_the_grid():
    field = fhn_plane().compute_vector_field()
    X, Y = np.meshgrid(field.x, field.y)
    dV, dw = int_fhn(X, Y, 0.0, 0.8)
    assert field.dx.shape == (len(field.y), len(field.x)) == X.shape
    assert np.allclose(field.dx, dV) and np.allclose(field.dy, dw)
    assert field.x[0] == -3 and field.x[-1] == 3 and np.allclose(np.diff(field.x), 0.1)


def test_three_equilibria_in_the_bistable_regime_of_hr_fast_subsystem():
    # HR with the slow variable z fixed: the fast (x, y) plane; z = 1.0 cuts the S-curve thrice
    analyzer = bp.analysis.PhasePlane(models.int_hr, target_vars={"x": [-3, 3], "y": [-20, 3]},
                                      fixed_vars={"z": 1.0}, pars_update={"Isyn": 0.5},
                                      options={"verbose": False})
    points = analyzer.compute_fixed_points()
    # z(x) = -x^3 - 2 x^2 + 1 + Isyn = 1.0  ->  -x^3 - 2x^2 + 0.5 = 0
    x = np.sort(np.roots([-1.0, -2.0, 0.0, 0.5]).real)
    assert len(points) == 3
    assert np.allclose(points.array("x"), x, atol=1e-12)
    assert np.allclose(points.array("y"), 1 - 5 * x ** 2, atol=1e-11)
    kinds = [p.stability for p in points]
    assert kinds[1] == "saddle node" and kinds[0].startswith("stable")


def test_one_dimensional_system():
    analyzer = bp.analysis.PhasePlane(models.saddle_node, target_vars={"x": [-2, 2]},
                                      pars_update={"r": -0.25}, options={"verbose": False})
    points = analyzer.compute_fixed_points()
    assert np.allclose(points.array("x"), [-0.5, 0.5], atol=1e-13)
    assert [p.stability for p in points] == ["stable point", "unstable point"]
    field = analyzer.compute_vector_field()
    assert field.y_var is None and np.allclose(field.dx, field.x ** 2 - 0.25)
    with pytest.raises(AnalysisError, match="nullclines exist for two"):
        analyzer.compute_nullclines()


def test_double_root_between_grid_nodes_is_found():
    # r = 0: x = 0.05 is a double root, not on the grid; found by the |f| minimum search
    def shifted(x, t, r):
        return r + (x - 0.05) ** 2

    analyzer = bp.analysis.PhasePlane(shifted, target_vars={"x": [-1, 1]},
                                      pars_update={"r": 0.0}, options={"verbose": False})
    points = analyzer.compute_fixed_points()
    assert len(points) == 1 and points[0].values["x"] == pytest.approx(0.05, abs=1e-6)


def test_trajectory_converges_to_a_tight_reference_at_fourth_order():
    # plain functions are stepped with RK4 at the backend's dt
    reference = models.reference_orbit(int_fhn, [-2.8, -1.8], 20.0, (0.8,))
    errors = []
    for dt in (0.02, 0.01):
        bp.backend.set("numpy", dt=dt)
        (trajectory,) = fhn_plane().compute_trajectories([{"V": -2.8, "w": -1.8}],
                                                          duration=20.0)
        assert trajectory.ts[0] == 0.0 and trajectory.ts[-1] == pytest.approx(20.0)
        assert np.allclose(np.diff(trajectory.ts), dt)
        expected = reference.sol(trajectory.ts)
        errors.append(max(np.max(np.abs(trajectory.values["V"] - expected[0])),
                          np.max(np.abs(trajectory.values["w"] - expected[1]))))
    assert errors[0] < 1e-3
    assert 3.7 < np.log2(errors[0] / errors[1]) < 4.7     # RK4: order 4


def test_trajectory_durations_and_plot_duration():
    analyzer = fhn_plane()
    first, second = analyzer.compute_trajectories([(-2.8, -1.8), (1.0, 1.0)],
                                                  duration=[(0.0, 5.0), (10.0, 12.0)],
                                                  plot_duration=[(1.0, 2.0), (10.0, 11.0)])
    assert first.ts[0] == pytest.approx(1.0) and first.ts[-1] == pytest.approx(2.0)
    assert second.ts[0] == pytest.approx(10.0) and second.ts[-1] == pytest.approx(11.0)


def test_limit_cycle_period_matches_reference():
    analyzer = fhn_plane()
    (cycle,) = analyzer.compute_limit_cycles([{"V": -2.8, "w": -1.8}], duration=400.0)
    # reference period: upward crossings of V = 0 of a tight scipy solution
    reference = models.reference_orbit(int_fhn, [-2.8, -1.8], 400.0, (0.8,))
    t = np.linspace(200.0, 400.0, 400001)
    V = reference.sol(t)[0]
    up = t[1:][(V[:-1] < 0) & (V[1:] >= 0)]
    period = np.mean(np.diff(up))
    assert cycle.period == pytest.approx(period, rel=1e-3)
    assert np.max(cycle.values["V"]) == pytest.approx(np.max(V), abs=5e-3)


def test_no_limit_cycle_around_a_stable_focus(capsys):
    analyzer = bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                      pars_update={"Iext": 0.0})
    found = analyzer.plot_limit_cycle_by_sim([(-1.0, -0.5)], duration=300.0)
    assert found == ()
    assert "No limit cycle found" in capsys.readouterr().out


def test_parameter_update_recomputes_without_deriving(monkeypatch):
    analyzer = fhn_plane()
    analyzer.compute_phase_plane()
    calls = []
    for name in ("lambdify", "solveset", "diff"):
        original = getattr(sympy, name)
        monkeypatch.setattr(sympy, name,
                            lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    before = bp.jit_compilations()
    analyzer.update_pars({"Iext": 0.9})
    result = analyzer.compute_phase_plane()
    V, w = models.fhn_equilibria(0.9)
    assert result.fixed_points[0].values["V"] == pytest.approx(V[0], abs=1e-13)
    nullcline = result.nullclines["V"]
    ok = np.isfinite(nullcline.x)
    assert np.allclose(nullcline.y[ok], nullcline.x[ok] - nullcline.x[ok] ** 3 / 3 + 0.9)
    assert calls == [] and bp.jit_compilations() == before


def test_an_empty_list_of_initials_means_no_trajectories():
    # a panel whose trajectories were cleared asks for none; the last request must not return
    analyzer = fhn_plane()
    (trajectory,) = analyzer.compute_phase_plane([{"V": -2.8, "w": -1.8}], 20.0).trajectories
    assert trajectory.values["V"][0] == -2.8
    assert len(analyzer.compute_phase_plane().trajectories) == 1        # repeated by default
    assert analyzer.compute_phase_plane([]).trajectories == ()
    assert analyzer.compute_phase_plane().trajectories == ()


def test_results_are_frozen_arrays():
    result = fhn_plane().compute_phase_plane()
    with pytest.raises(ValueError):
        result.vector_field.dx[0, 0] = 1.0
    with pytest.raises(AttributeError):
        result.vector_field.x = None


@pytest.mark.parametrize("kwargs, message", [
    (dict(target_vars={"V": [-3, 3], "w": [-3, 3], "u": [0, 1]}), "one or two"),
    (dict(target_vars={"V": [-3, 3], "q": [-3, 3]}), "'q', which the model does not have.*'V', 'w'"),
    (dict(target_vars={"V": [3, -3], "w": [-3, 3]}), "reversed range"),
    (dict(target_vars={"V": [1, 1], "w": [-3, 3]}), "empty range"),
    (dict(target_vars={"V": [-3, 3]}), "'w'.*`fixed_vars`"),
    (dict(target_vars={"V": [-3, 3], "w": [-3, 3]}, pars_update={"Iext": 0.8, "gNa": 1.0}),
     "`pars_update` names 'gNa'.*parameters 'Iext'"),
    (dict(target_vars={"V": [-3, 3]}, fixed_vars={"m": 0.1}), "`fixed_vars` names 'm'"),
    (dict(target_vars={"V": [-3, 3], "w": [-3, 3]}, options={"tolerance": 1}), "unknown key"),
    (dict(target_vars={"V": [-3, 3], "w": [-3, 3]}, numerical_resolution={"V": 0.1}),
     "no entry for 'w'"),
])
def test_clear_errors(kwargs, message):
    kwargs.setdefault("pars_update", {"Iext": 0.8})
    with pytest.raises(AnalysisError, match=message):
        bp.analysis.PhasePlane(int_fhn, **kwargs)


def test_missing_parameter_value_is_named():
    with pytest.raises(AnalysisError, match="'Iext'.*no default"):
        bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3, 3]})


def test_resolution_arrays_and_dicts():
    analyzer = bp.analysis.PhasePlane(
        int_fhn, target_vars={"V": [-3, 3], "w": [-3, 3]}, pars_update={"Iext": 0.8},
        numerical_resolution={"V": np.linspace(-3, 3, 7), "w": 0.5}, options={"verbose": False})
    field = analyzer.compute_vector_field()
    assert np.allclose(field.x, np.linspace(-3, 3, 7)) and len(field.y) == 13


def test_opaque_model_phase_plane_uses_numbers_only():
    from scipy.optimize import brentq
    analyzer = bp.analysis.PhasePlane(models.ml_fast_opaque,
                                      target_vars={"v": [-0.6, 0.6], "w": [-0.1, 1.0]},
                                      pars_update={"y": 0.05}, numerical_resolution=0.01,
                                      options={"verbose": False})
    result = analyzer.compute_phase_plane()
    assert analyzer.system.symbolic is None
    assert {c.method for c in result.nullclines.curves} == {"numeric"}
    # reference: w = w_inf(v) on the w-nullcline; the v-equation along it, bracketed finely
    w_inf = lambda v: (1 + np.tanh((v - 0.1) / 0.145)) / 2                  # noqa: E731
    g = lambda v: models.ml_fast(v, w_inf(v), 0.0, 0.05)[0]                 # noqa: E731
    v = np.linspace(-0.6, 0.6, 120001)
    values = g(v)
    roots = [brentq(g, v[i], v[i + 1], xtol=1e-15) for i in
             np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))]
    roots = [r for r in roots if -0.1 <= w_inf(r) <= 1.0]
    assert len(result.fixed_points) == len(roots) == 3
    assert np.allclose(result.fixed_points.array("v"), roots, atol=1e-9)
    curve = result.nullclines["w"]
    ok = np.isfinite(curve.x)
    assert np.max(np.abs(curve.y[ok] - w_inf(curve.x[ok]))) < 1e-9
