"""First Lyapunov coefficients and multilinear forms: closed forms, an independent formula, AUTO."""

import numpy as np
import pytest

import workbench as bp
from workbench.analysis.normal_form import Derivatives, criticality, first_lyapunov

from . import normal_form_models as nf


def _diagram(func, par, box, variables, resolution, pars_update=None, **options):
    analyzer = bp.analysis.Bifurcation(func, target_pars={par: box}, target_vars=variables,
                                       numerical_resolution=resolution, pars_update=pars_update,
                                       options=dict(verbose=False, limit_cycles=False, **options))
    return analyzer, analyzer.compute_bifurcation()


@pytest.fixture(params=["source", "exec"])
def path(request, tmp_path):
    """'source': the model is imported from a file (symbolic path); 'exec': numeric path."""
    return None if request.param == "exec" else tmp_path


@pytest.mark.parametrize("s, expected", [(-0.75, "supercritical"), (0.75, "subcritical")])
def test_hopf_normal_form_l1_is_s_over_omega(path, s, expected):
    func = nf.from_source(nf.HOPF_NORMAL_FORM_SOURCE.replace("s=-0.75", f"s={s}"),
                          "hopf_normal_form", path and path / "hopf_nf.py")
    analyzer, diagram = _diagram(func, "mu", [-1.0, 1.0], {"x": [-1, 1], "y": [-1, 1]}, 0.05,
                                 escape_sympy_solver=True)      # SymPy's cubic solve is slow
    assert (analyzer.system.symbolic is None) == (path is None)
    (hopf,) = diagram.special("hopf")
    assert hopf.values["mu"] == pytest.approx(0.0, abs=1e-12)
    # z = x + iy: z' = (mu + 2i) z + (s + 0.4i)|z|^2 z. Kuznetsov's z is this one over sqrt(2)
    # (eigenvector of unit length), so his c1 is 2 (s + 0.4i) and l1 = Re(c1) / omega = s
    assert hopf.first_lyapunov == pytest.approx(2.0 * s / 2.0, rel=1e-9 if path else 1e-7)
    assert hopf.criticality == expected
    assert all(p.criticality == "" and np.isnan(p.first_lyapunov)
               for p in diagram.special_points if p.kind != "hopf")


def test_fhn_both_hopf_points_subcritical_as_the_planar_formula_says(path):
    func = nf.from_source(nf.FHN_SOURCE, "fhn", path and path / "fhn.py")
    _, diagram = _diagram(func, "Iext", [0.0, 2.0], {"V": [-3, 3], "w": [-3, 3]}, 0.02)
    hopf = diagram.special("hopf")
    assert [p.label for p in hopf] == ["H1", "H2"]
    for point in hopf:
        reference = nf.fhn_lyapunov(point.values["V"], point.values["w"], point.values["Iext"])
        assert reference > 0.0
        assert point.first_lyapunov == pytest.approx(reference, rel=1e-9 if path else 1e-7)
        assert point.criticality == "subcritical"


def test_morris_lecar_l1_matches_the_planar_formula(path):
    func = nf.from_source(nf.MORRIS_LECAR_SOURCE, "morris_lecar", path and path / "ml.py")
    _, diagram = _diagram(func, "Iext", [0.0, 300.0], {"V": [-80, 60], "w": [-0.1, 1.1]},
                          {"V": 1.0, "w": 0.01, "Iext": 2.0}, pars_update={"gCa": 4.4})
    hopf = diagram.special("hopf")
    assert len(hopf) == 2
    for point in hopf:
        v = point.values
        reference = nf.morris_lecar_lyapunov(v["V"], v["w"], v["Iext"], 4.4)
        assert point.first_lyapunov == pytest.approx(reference, rel=1e-9 if path else 1e-6)
        assert point.criticality == ("subcritical" if reference > 0 else "supercritical")


def test_symbolic_and_numeric_multilinear_forms_agree(tmp_path):
    func = nf.from_source(nf.MORRIS_LECAR_SOURCE, "morris_lecar", tmp_path / "ml.py")
    analyzer = bp.analysis.Bifurcation(func, target_pars={"Iext": [0.0, 300.0], "gCa": [2, 8]},
                                       target_vars={"V": [-80, 60], "w": [-0.1, 1.1]},
                                       options={"verbose": False, "continuation": False})
    exact = Derivatives(analyzer.system)
    numeric = Derivatives(analyzer.system)
    numeric.symbolic = False
    assert exact.symbolic
    rng = np.random.default_rng(1)
    x, p = np.array([-20.0, 0.3]), np.array([90.0, 4.4])
    assert np.allclose(numeric.jacobian(x, p), exact.jacobian(x, p), rtol=1e-10, atol=1e-13)
    for _ in range(3):
        u, v, w = (rng.normal(size=2) + 1j * rng.normal(size=2) for _ in range(3))
        second, third = exact.second(x, p, u, v), exact.third(x, p, u, v, w)
        assert np.allclose(numeric.second(x, p, u, v), second, rtol=1e-7,
                           atol=1e-8 * np.max(np.abs(second)))
        assert np.allclose(numeric.third(x, p, u, v, w), third, rtol=1e-5,
                           atol=1e-6 * np.max(np.abs(third)))


def test_bautin_point_is_degenerate():
    func = nf.from_source(nf.BAUTIN_NORMAL_FORM_SOURCE, "bautin_normal_form")
    analyzer = bp.analysis.Bifurcation(func, target_pars={"beta1": [-1.0, 1.0]},
                                       target_vars={"x": [-1, 1], "y": [-1, 1]},
                                       pars_update={"beta2": 0.0}, numerical_resolution=0.05,
                                       options={"verbose": False, "limit_cycles": False})
    (hopf,) = analyzer.compute_bifurcation().special("hopf")
    assert abs(hopf.first_lyapunov) < 1e-8 and hopf.criticality == "degenerate"
    analyzer.update_pars({"beta2": -0.5})
    (hopf,) = analyzer.compute_bifurcation().special("hopf")
    assert hopf.first_lyapunov == pytest.approx(2.0 * -0.5, rel=1e-7)     # 2 beta2 / omega


def test_criticality_thresholds():
    assert criticality(-1e-3, 1.0) == "supercritical"
    assert criticality(1e-3, 1.0) == "subcritical"
    assert criticality(1e-12, 1.0) == "degenerate"
    assert criticality(float("nan"), 1.0) == "undetermined"     # no claim of a Bautin point
    assert criticality(float("inf"), 1.0) == "undetermined"


def test_first_lyapunov_without_a_complex_pair_is_nan():
    func = nf.from_source(nf.CUSP_NORMAL_FORM_SOURCE, "cusp_normal_form")
    analyzer = bp.analysis.Bifurcation(func, target_pars={"beta1": [-1.0, 1.0], "beta2": [0, 1]},
                                       target_vars={"x": [-2, 2], "y": [-1, 1]},
                                       options={"verbose": False, "continuation": False})
    l1, scale = first_lyapunov(Derivatives(analyzer.system), [0.0, 0.0], [0.0, 0.5])
    assert np.isnan(l1) and np.isnan(scale)


def test_fast_slow_hopf_point_of_hindmarsh_rose_has_the_planar_l1():
    import sympy
    from . import models
    analyzer = bp.analysis.FastSlowBifurcation(
        models.int_hr, fast_vars={"x": [-3, 3], "y": [-20, 5]}, slow_vars={"z": [-1, 3]},
        pars_update={"Isyn": 2.0}, numerical_resolution={"x": 0.02, "y": 0.1, "z": 0.02},
        options={"verbose": False, "limit_cycles": False})
    (hopf,) = analyzer.compute_fast_slow().diagram.special("hopf")
    x, y = sympy.symbols("x y")
    f = y - x ** 3 + 3 * x ** 2 - sympy.Float(hopf.values["z"], 30) + 2
    g = 1 - 5 * x ** 2 - y
    reference = nf.planar_lyapunov(f, g, x, y, (hopf.values["x"], hopf.values["y"]))
    assert hopf.first_lyapunov == pytest.approx(reference, rel=1e-9)
    assert hopf.criticality == "supercritical" and reference < 0


AUTO_PERIODIC_SCRIPT = """
import json, sys
import xpplab
m = xpplab.load(sys.argv[1])
d = m.auto.equilibria('Iext', ds=0.01, nmax=400, parmin=-1, parmax=2)
out = []
for hb in d.special('HB'):
    c = m.auto.continue_from(hb, 'periodic', ds=0.01, nmax=15, parmin=-1, parmax=2)
    out.append([hb.value, [[p.value, p.stable] for p in c][1:6]])
print(json.dumps(out))
"""


def test_criticality_agrees_with_the_cycles_auto_continues_from_the_hopf_points(tmp_path):
    """AUTO (XPPAUT 8 via xpplab): unstable cycles born on the side where the rest state is
    stable is what l1 > 0 (subcritical) predicts, at both FHN Hopf points."""
    import json
    import subprocess
    from .test_codim2 import AUTO_PYTHON, FHN_ODE
    (tmp_path / "fhn.ode").write_text(FHN_ODE)
    (tmp_path / "auto.py").write_text(AUTO_PERIODIC_SCRIPT)
    out = subprocess.run([AUTO_PYTHON, str(tmp_path / "auto.py"), str(tmp_path / "fhn.ode")],
                         check=True, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    auto = json.loads(out.stdout.strip().splitlines()[-1])
    func = nf.from_source(nf.FHN_SOURCE, "fhn", tmp_path / "fhn.py")
    _, diagram = _diagram(func, "Iext", [0.0, 2.0], {"V": [-3, 3], "w": [-3, 3]}, 0.02)
    from .models import fhn_equilibria, fhn_jacobian

    def rest_state_stable(Iext):                 # the closed-form equilibrium (unique, b < 1)
        (V,), _ = fhn_equilibria(Iext)
        return bool(np.all(np.linalg.eigvals(fhn_jacobian(V)).real < 0))

    for point, (hopf_value, cycles) in zip(diagram.special("hopf"), auto):
        assert point.values["Iext"] == pytest.approx(hopf_value, abs=1e-4)     # AUTO's tolerance
        side = np.sign(cycles[-1][0] - hopf_value)
        assert all(not stable for _, stable in cycles)                         # unstable cycles ...
        assert rest_state_stable(point.values["Iext"] + side * 0.01)          # ... where the rest
        assert not rest_state_stable(point.values["Iext"] - side * 0.01)      # state is stable
        assert point.criticality == "subcritical"


def test_hopf_eigenvectors_threshold_is_relative_to_the_jacobian_scale():
    """A complex pair counts when its imaginary part is above roundoff *relative to the
    Jacobian*: the same model in other time units (J -> c J) gives the same answer, with
    omega scaled by c."""
    from workbench.analysis.normal_form import hopf_eigenvectors

    def block(w):
        return np.array([[0.0, w, 0.0], [-w, 0.0, 0.0], [0.0, 0.0, -1.0]])

    for scale in (1.0, 1e4):
        # imaginary part 5e-13 of a unit-scale matrix: roundoff, no complex pair at any scale
        assert hopf_eigenvectors(scale * block(5e-13)) is None
        # a genuine pair: omega = scale * w, A q = i omega q, <p, q> = 1
        omega, q, p = hopf_eigenvectors(scale * block(1e-3))
        assert omega == pytest.approx(scale * 1e-3, rel=1e-12)
        np.testing.assert_allclose(scale * block(1e-3) @ q, 1j * omega * q, atol=1e-12 * scale)
        assert np.vdot(p, q) == pytest.approx(1.0, abs=1e-12)


def test_vectorized_coefficients_equal_the_pointwise_ones(path):
    """first_lyapunov_many / fold_coefficients (the codim-2 tests along whole curves) give the
    pointwise values: Morris-Lecar points with and without a complex pair, and FHN's
    Bogdanov-Takens point (a double zero eigenvalue: no l1) next to one of its Hopf points."""
    from workbench.analysis.normal_form import (first_lyapunov_many, fold_coefficient,
                                                fold_coefficients)
    func = nf.from_source(nf.MORRIS_LECAR_SOURCE, "morris_lecar", path and path / "ml.py")
    analyzer = bp.analysis.Bifurcation(func, target_pars={"Iext": [0, 150], "gCa": [3, 6]},
                                       target_vars={"V": [-80, 60], "w": [-0.2, 1]},
                                       options={"verbose": False, "continuation": False})
    derivatives = Derivatives(analyzer.system)
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.uniform(-70, 40, 12), rng.uniform(0.0, 0.8, 12)])
    P = np.column_stack([rng.uniform(0, 150, 12), rng.uniform(3, 6, 12)])
    values, scales = first_lyapunov_many(derivatives, X, P)
    pointwise = np.array([first_lyapunov(derivatives, x, p) for x, p in zip(X, P)])
    assert 0 < np.sum(np.isnan(values)) < len(X)            # both kinds of point occur
    np.testing.assert_array_equal(np.isnan(values), np.isnan(pointwise[:, 0]))
    np.testing.assert_allclose(values, pointwise[:, 0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(scales, pointwise[:, 1], rtol=1e-12, equal_nan=True)
    orientations = rng.normal(size=X.shape)
    expected = [fold_coefficient(derivatives, x, p, q)[0] for x, p, q in zip(X, P, orientations)]
    np.testing.assert_allclose(fold_coefficients(derivatives, X, P, orientations), expected,
                               rtol=1e-12)
    # FHN at its BT point (a double zero eigenvalue: no l1) next to a Hopf point
    fhn = nf.from_source(nf.FHN_SOURCE.replace("Iext, a=0.7, b=0.8", "Iext, b, a=0.7"),
                         "fhn", path and path / "fhn_b.py")
    analyzer = bp.analysis.Bifurcation(fhn, target_pars={"Iext": [-1, 2], "b": [0.5, 4]},
                                       target_vars={"V": [-3, 3], "w": [-5, 5]},
                                       options={"verbose": False, "continuation": False})
    derivatives = Derivatives(analyzer.system)
    b_bt, V_bt, w_bt, I_bt = nf.fhn_bogdanov_takens()
    V_h = -np.sqrt(1 - 0.5 / 12.5)
    X = np.array([[V_bt[0], w_bt[0]], [V_h, (V_h + 0.7) / 0.5]])
    P = np.array([[I_bt[0], b_bt], [(V_h + 0.7) / 0.5 - V_h + V_h ** 3 / 3, 0.5]])
    values, _ = first_lyapunov_many(derivatives, X, P)
    pointwise = [first_lyapunov(derivatives, x, p)[0] for x, p in zip(X, P)]
    np.testing.assert_allclose(values, pointwise, rtol=1e-12, equal_nan=True)
    assert np.isnan(values[0]) and np.isfinite(values[1])
