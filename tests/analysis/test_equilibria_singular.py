"""Equilibria where the SymPy reduction ``y = g(x)`` is undefined or misses roots.

Solving ``mu x - y - x (x^2 + y^2) = 0`` for ``y`` divides by ``x``: ``g(0)`` is NaN,
yet the origin is an equilibrium for every parameter value. Solving ``x (y - 1) = 0``
for ``y`` gives ``y = 1`` only, yet the line ``x = 0`` solves it too. Each model runs
on both code paths: source text available (symbolic reduction) and defined through
``exec`` with a factor SymPy cannot trace (numeric search), with the same expectations.
"""

import numpy as np
import pytest
from scipy import optimize

import workbench as bp
from workbench.analysis import system as system_module

from . import normal_form_models as nf

HOPF_ISOLA = """
def hopf_isola(x, y, t, beta1, beta2):
    mu = 0.01 - (beta1 - 0.37) ** 2 - (beta2 - 0.63) ** 2
    r2 = x * x + y * y
    return OPAQUE * (mu * x - y - x * r2), x + mu * y - y * r2
"""

# x (y - 1) = 0 solved for y gives y = 1; the second equation has no closed form in y
FACTOR_LINE = """
def factor_line(x, y, t):
    return OPAQUE * x * (y - 1.0), 0.5 + x * x - y - 0.1 * y ** 5
"""

# (x - a) y^2 + y - (x - a) = 0 solved for y divides by x - a: a pole on one branch,
# a removable singularity on the other, where (a, 0) is an equilibrium
SHIFTED_POLE = """
def shifted_pole(x, y, t, a):
    u = x - a
    return OPAQUE * (u * y * y + y - u), -y - y ** 5 - 2.0 * u
"""

PATHS = ["symbolic", "numeric"]


def _model(source, name, path, tmp_path):
    return nf.from_source(source, name, tmp_path / f"{name}.py" if path == "symbolic" else None)


def _mu(beta1):
    return 0.01 - (beta1 - 0.37) ** 2


@pytest.mark.parametrize("path", PATHS)
def test_hopf_isola_origin_at_every_parameter_value(path, tmp_path):
    model = _model(HOPF_ISOLA, "hopf_isola", path, tmp_path)
    analyzer = bp.analysis.Bifurcation(
        model, target_pars={"beta1": [0, 1]}, target_vars={"x": [-1, 1], "y": [-1, 1]},
        pars_update={"beta2": 0.63}, numerical_resolution=0.02,
        options={"verbose": False, "limit_cycles": False})
    diagram = analyzer.compute_bifurcation()
    assert (analyzer.system.symbolic is not None) == (path == "symbolic")
    found = {kind: v for kind, v in diagram.points.items() if len(v["x"])}
    assert set(found) == {"stable focus", "unstable focus"}
    beta1 = np.concatenate([v["beta1"] for v in found.values()])
    # the origin once per grid value of beta1, nothing else
    assert np.sort(beta1) == pytest.approx(analyzer.grids["beta1"], abs=1e-12)
    for v in found.values():
        assert np.max(np.abs(v["x"])) < 1e-12 and np.max(np.abs(v["y"])) < 1e-12
    # eigenvalues mu +- i at the origin: a focus, stable exactly where mu < 0
    assert np.all(_mu(found["stable focus"]["beta1"]) < 0)
    assert np.all(_mu(found["unstable focus"]["beta1"]) > 0)
    hopf = diagram.special("hopf")
    assert sorted(p.values["beta1"] for p in hopf) == pytest.approx([0.27, 0.47], abs=1e-9)
    for p in hopf:
        assert abs(p.values["x"]) < 1e-12 and abs(p.values["y"]) < 1e-12


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("beta1", [0.1, 0.37, 0.405])
def test_hopf_isola_phase_plane_has_the_origin(path, beta1, tmp_path):
    model = _model(HOPF_ISOLA, "hopf_isola", path, tmp_path)
    analyzer = bp.analysis.PhasePlane(
        model, target_vars={"x": [-1, 1], "y": [-1, 1]},
        pars_update={"beta1": beta1, "beta2": 0.63}, options={"verbose": False})
    points = analyzer.compute_fixed_points()
    assert len(points) == 1
    assert abs(points[0].values["x"]) < 1e-12 and abs(points[0].values["y"]) < 1e-12
    mu = _mu(beta1)
    assert points[0].stability == ("unstable focus" if mu > 0 else "stable focus")
    assert np.sort(points[0].eigenvalues.imag) == pytest.approx([-1.0, 1.0], abs=1e-6)
    assert points[0].eigenvalues.real == pytest.approx([mu, mu], abs=1e-6)


def test_hopf_isola_without_sympy_denominators_uses_the_undefined_grid_node(
        tmp_path, monkeypatch):
    # the fallback alone: x = 0 is a grid node where the reduction is NaN
    monkeypatch.setattr(system_module, "_singular_zeros", lambda *args: ())
    model = _model(HOPF_ISOLA, "hopf_isola", "symbolic", tmp_path)
    analyzer = bp.analysis.Bifurcation(
        model, target_pars={"beta1": [0, 1]}, target_vars={"x": [-1, 1], "y": [-1, 1]},
        pars_update={"beta2": 0.63}, numerical_resolution=0.02,
        options={"verbose": False, "limit_cycles": False})
    diagram = analyzer.compute_bifurcation()
    assert analyzer.system.reduction() is not None
    assert analyzer.system.reduction().singular == ()
    count = sum(len(v["x"]) for v in diagram.points.values())
    assert count == analyzer.grids["beta1"].size


@pytest.mark.parametrize("a", [0.123, 0.2])
def test_shifted_pole_without_sympy_denominators(a, tmp_path, monkeypatch):
    # the fallback alone: the refined bracket lands on x = a, where g is undefined
    monkeypatch.setattr(system_module, "_singular_zeros", lambda *args: ())
    model = _model(SHIFTED_POLE, "shifted_pole", "symbolic", tmp_path)
    analyzer = bp.analysis.PhasePlane(model, target_vars={"x": [-1, 1], "y": [-1, 1]},
                                      pars_update={"a": a}, numerical_resolution=0.1,
                                      options={"verbose": False})
    points = analyzer.compute_fixed_points()
    assert analyzer.system.reduction().singular == ()
    assert len(points) == 1 and points[0].stability == "stable focus"
    assert points[0].values["x"] == pytest.approx(a, abs=1e-12)
    assert abs(points[0].values["y"]) < 1e-12


def test_the_reduction_reports_where_it_is_undefined(tmp_path):
    model = _model(HOPF_ISOLA, "hopf_isola", "symbolic", tmp_path)
    analyzer = bp.analysis.PhasePlane(
        model, target_vars={"x": [-1, 1], "y": [-1, 1]},
        pars_update={"beta1": 0.3, "beta2": 0.63}, options={"verbose": False})
    reduction = analyzer.system.reduction()
    assert reduction.variable == "y"
    values = analyzer.system.singular_values(reduction, [], 1)
    assert values.ravel().tolist() == [0.0]


@pytest.mark.parametrize("path", PATHS)
def test_a_factor_free_of_the_solved_unknown_keeps_its_line(path, tmp_path):
    model = _model(FACTOR_LINE, "factor_line", path, tmp_path)
    analyzer = bp.analysis.PhasePlane(model, target_vars={"x": [-2, 2], "y": [-2, 2]},
                                      options={"verbose": False})
    points = analyzer.compute_fixed_points()
    # by hand: y = 1 gives x^2 = 0.6; x = 0 gives 0.5 - y - 0.1 y^5 = 0
    y0 = optimize.brentq(lambda y: 0.5 - y - 0.1 * y ** 5, 0.0, 1.0, xtol=1e-15)
    expected = np.array([[-np.sqrt(0.6), 1.0], [0.0, y0], [np.sqrt(0.6), 1.0]])
    got = np.stack([points.array("x"), points.array("y")], axis=1)
    assert got == pytest.approx(expected, abs=1e-10)
    # J = diag(y0 - 1, -1 - 0.5 y0^4) at (0, y0); det = -2 x^2 < 0 at the others
    assert [p.kind for p in points] == ["saddle", "stable node", "saddle"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("a", [0.123, 0.2])
def test_a_removable_singularity_between_and_on_grid_nodes(path, a, tmp_path):
    model = _model(SHIFTED_POLE, "shifted_pole", path, tmp_path)
    analyzer = bp.analysis.PhasePlane(model, target_vars={"x": [-1, 1], "y": [-1, 1]},
                                      pars_update={"a": a}, numerical_resolution=0.1,
                                      options={"verbose": False})
    points = analyzer.compute_fixed_points()
    # u = x - a: y + y^5 = -2u and u (y^2 - 1) = -y; with y = 0 both give u = 0, and
    # otherwise u = -y / (y^2 - 1) turns y + y^5 = 2y / (y^2 - 1) into y^6 - y^4 + y^2 - 3 = 0
    # (|y| > 1, outside the box): the only equilibrium in the box is (a, 0)
    assert len(points) == 1
    assert points[0].values["x"] == pytest.approx(a, abs=1e-12)
    assert abs(points[0].values["y"]) < 1e-12
    # J = [[-1, 1], [-2, -1]]: eigenvalues -1 +- i sqrt(2)
    assert points[0].stability == "stable focus"
    assert np.sort(points[0].eigenvalues.imag) == pytest.approx([-np.sqrt(2), np.sqrt(2)],
                                                                 abs=1e-6)


@pytest.mark.parametrize("path", PATHS)
def test_the_nullcline_keeps_the_line_of_the_dropped_factor(path, tmp_path):
    model = _model(FACTOR_LINE, "factor_line", path, tmp_path)
    analyzer = bp.analysis.PhasePlane(model, target_vars={"x": [-2, 2], "y": [-2, 2]},
                                      options={"verbose": False})
    curve = analyzer.compute_nullclines()["x"]
    x, y = curve.x[np.isfinite(curve.x)], curve.y[np.isfinite(curve.x)]
    # the x-nullcline x (y - 1) = 0 is the two lines y = 1 and x = 0, both across the box
    on_line = np.abs(x) < 1e-9
    assert np.all(on_line | (np.abs(y - 1.0) < 1e-9))
    assert y[on_line].min() < -1.9 and y[on_line].max() > 1.9
    assert x[~on_line].min() < -1.9 and x[~on_line].max() > 1.9
