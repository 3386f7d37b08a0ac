"""Bifurcation diagrams against closed forms and published continuation results."""

from collections import OrderedDict

import numpy as np
import pytest

import workbench as bp
from workbench.errors import AnalysisError

from . import models
from .models import int_fhn


def fhn_codim1(resolution=0.01, **options):
    return bp.analysis.Bifurcation(int_fhn, target_pars={"Iext": [0.0, 1.0]},
                                   target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                   numerical_resolution=resolution,
                                   options=dict({"verbose": False}, **options))


@pytest.fixture(scope="module")
def fhn_diagram():
    return fhn_codim1().compute_bifurcation()


def test_fhn_hopf_point_is_exact(fhn_diagram):
    V, w, Iext = models.fhn_hopf_points()
    hopf = fhn_diagram.special("hopf")
    # only the lower Hopf point lies in Iext in [0, 1]; the upper one is at Iext > 1
    assert Iext[0] < 1.0 < Iext[1]
    assert len(hopf) == 1 and hopf[0].label == "H1"
    assert hopf[0].values["Iext"] == pytest.approx(Iext[0], abs=1e-9)
    assert hopf[0].values["V"] == pytest.approx(V[0], abs=1e-9)
    assert hopf[0].values["w"] == pytest.approx(w[0], abs=1e-9)
    assert np.all(np.abs(hopf[0].eigenvalues.real) < 1e-9)
    assert fhn_diagram.special("fold") == []       # det = (1 - V^2)(-b/tau) + 1/tau > 0 for b < 1


def test_fhn_points_dict_has_every_type_and_the_right_stability(fhn_diagram):
    points = fhn_diagram.points
    assert list(points) == bp.analysis.get_2d_stability_types()
    total = 0
    for kind, values in points.items():
        assert set(values) == {"Iext", "V", "w"}
        for Iext, V in zip(values["Iext"], values["V"]):
            # by hand: det = ((V^2 - 1) b + 1) / tau > 0 for b < 1, so a node or a focus;
            # complex eigenvalues make a focus, the sign of their real part the stability
            eigenvalues = np.linalg.eigvals(models.fhn_jacobian(V))
            shape = "focus" if abs(eigenvalues[0].imag) > 0 else "node"
            side = "stable" if eigenvalues.real.max() < 0 else "unstable"
            assert kind == f"{side} {shape}"
            assert V == pytest.approx(models.fhn_equilibria(Iext)[0][0], abs=1e-12)
        total += len(values["Iext"])
    assert total == 101                      # one equilibrium for each of the 101 grid values
    assert points["stable focus"]["Iext"].max() < models.fhn_hopf_points()[2][0]
    assert points["unstable focus"]["Iext"].min() > models.fhn_hopf_points()[2][0]


def test_fhn_branch_and_envelope(fhn_diagram):
    (branch,) = fhn_diagram.branches
    assert branch.kind == "equilibrium"
    Iext, V = branch.values["Iext"], branch.values["V"]
    expected = np.array([models.fhn_equilibria(i)[0][0] for i in Iext])
    assert np.max(np.abs(V - expected)) < 1e-9
    Iext_hopf = models.fhn_hopf_points()[2][0]
    assert np.all(branch.stable[Iext < Iext_hopf - 1e-6])
    assert not np.any(branch.stable[Iext > Iext_hopf + 1e-6])
    (envelope,) = fhn_diagram.cycle_envelopes
    # the envelope of the stable cycles starts at AUTO's fold of cycles (LPC), below the
    # subcritical Hopf point: cycles and the stable focus coexist on [0.324179, 0.331281)
    assert len(envelope) > 20
    assert envelope.parameters["Iext"].min() == pytest.approx(0.324179, abs=2e-6)
    # independent reference: the cycle's extent from a long tight scipy integration
    k = np.argmin(np.abs(envelope.parameters["Iext"] - 0.6))
    Iext = envelope.parameters["Iext"][k]
    reference = models.reference_orbit(int_fhn, [0.0, 0.0], 400.0, (Iext,))
    V = reference.sol(np.linspace(250.0, 400.0, 150001))[0]
    assert envelope.maxima["V"][k] == pytest.approx(V.max(), abs=2e-3)
    assert envelope.minima["V"][k] == pytest.approx(V.min(), abs=2e-3)


def test_plot_bifurcation_returns_points_and_prints(capsys):
    analyzer = bp.analysis.Bifurcation(int_fhn, target_pars={"Iext": [0.0, 1.0]},
                                       target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                       numerical_resolution=0.01)
    points = analyzer.plot_bifurcation()
    out = capsys.readouterr().out
    assert out.startswith("plot bifurcation ...")
    assert 'SymPy solve "int_fhn(V, w, Iext) = 0" to "w = f(V, Iext)", success.' in out
    assert out.count('SymPy solve derivative of "int_fhn(V, w, Iext)"') == 4
    assert sum(len(v["Iext"]) for v in points.values()) == 101


def test_saddle_node_normal_form():
    analyzer = bp.analysis.Bifurcation(models.saddle_node, target_pars={"r": [-1.0, 1.0]},
                                       target_vars={"x": [-2.0, 2.0]}, numerical_resolution=0.01,
                                       options={"verbose": False})
    diagram = analyzer.compute_bifurcation()
    (fold,) = diagram.special_points
    assert fold.kind == "fold" and fold.label == "LP1"
    assert fold.values["r"] == pytest.approx(0.0, abs=1e-10)
    assert fold.values["x"] == pytest.approx(0.0, abs=1e-6)
    stable, unstable = diagram.points["stable point"], diagram.points["unstable point"]
    assert np.allclose(stable["x"], -np.sqrt(-stable["r"]), atol=1e-12)
    assert np.allclose(unstable["x"], np.sqrt(-unstable["r"]), atol=1e-12)
    assert stable["r"].max() <= 0.0 and len(stable["r"]) == 100
    (branch,) = diagram.branches
    assert np.allclose(branch.values["r"], -branch.values["x"] ** 2, atol=1e-10)
    assert diagram.cycle_envelopes == ()


def test_codim2_hopf_curve_is_the_closed_form_line():
    analyzer = bp.analysis.Bifurcation(int_fhn,
                                       target_pars=OrderedDict(a=[0.5, 1.0], Iext=[0.0, 1.0]),
                                       target_vars=OrderedDict(V=[-3, 3], w=[-3.0, 3.0]),
                                       numerical_resolution=0.02, options={"verbose": False})
    diagram = analyzer.compute_bifurcation()
    assert diagram.codimension == 2
    hopf = [b for b in diagram.branches if b.kind == "hopf"]
    assert len(hopf) == 1 and not [b for b in diagram.branches if b.kind == "fold"]
    a, Iext = hopf[0].values["a"], hopf[0].values["Iext"]
    V = -np.sqrt(1 - models.b / models.tau)
    assert np.nanmax(np.abs(Iext - ((V + a) / models.b - V + V ** 3 / 3))) < 1e-9
    assert np.nanmin(a) <= 0.5 + 1e-9 and np.nanmax(a) >= 1.0 - 1e-9
    # points: a grid over (a, Iext); the equilibrium is unique (b < 1)
    count = sum(len(v["a"]) for v in diagram.points.values())
    assert count == 26 * 51


def test_codim2_plot_draws_3d_and_curves():
    import matplotlib.pyplot as plt
    analyzer = bp.analysis.Bifurcation(int_fhn,
                                       target_pars=OrderedDict(a=[0.5, 1.0], Iext=[0.0, 1.0]),
                                       target_vars=OrderedDict(V=[-3, 3], w=[-3.0, 3.0]),
                                       numerical_resolution=0.05, options={"verbose": False})
    before = len(plt.get_fignums())
    analyzer.plot_bifurcation()
    assert len(plt.get_fignums()) == before + 3       # V and w in 3-D, and the curves
    plt.close("all")


@pytest.mark.parametrize("model, symbolic", [(models.ml_fast, True),
                                             (models.ml_fast_opaque, False)])
def test_morris_lecar_fast_subsystem_matches_matcont(model, symbolic):
    analyzer = bp.analysis.Bifurcation(model, target_pars={"y": [-0.1, 0.2]},
                                       target_vars={"v": [-0.6, 0.6], "w": [-0.1, 1.0]},
                                       numerical_resolution={"v": 0.01, "w": 0.01, "y": 0.002},
                                       options={"verbose": False, "limit_cycles": False})
    diagram = analyzer.compute_bifurcation()
    assert (analyzer.system.symbolic is not None) == symbolic
    folds, hopfs = diagram.special("fold"), diagram.special("hopf")
    assert len(folds) == 2 and len(hopfs) == 1
    for point, (v, w, y) in zip(folds, models.ML_FAST_FOLDS):
        assert point.values["y"] == pytest.approx(y, abs=2e-6)
        assert point.values["v"] == pytest.approx(v, abs=2e-6)
        assert point.values["w"] == pytest.approx(w, abs=2e-6)
    v, w, y = models.ML_FAST_HOPF
    assert hopfs[0].values["y"] == pytest.approx(y, abs=2e-6)
    assert hopfs[0].values["v"] == pytest.approx(v, abs=2e-6)
    assert hopfs[0].values["w"] == pytest.approx(w, abs=2e-6)
    # the neutral saddle (trace = 0, real eigenvalues) is not reported as a Hopf point
    assert all(abs(p.values["y"] - models.ML_FAST_NEUTRAL_SADDLE_Y) > 1e-3 for p in hopfs)
    # grid points on the S-shaped branch: three equilibria between the folds
    y_grid = np.linspace(-0.1, 0.2, 151)
    counts = np.zeros(151, dtype=int)
    for values in diagram.points.values():
        counts += np.isclose(y_grid[:, None], values["y"][None, :]).sum(axis=1)
    inside = (y_grid > folds[0].values["y"] + 1e-3) & (y_grid < folds[1].values["y"] - 1e-3)
    outside = (y_grid < folds[0].values["y"] - 1e-3) | (y_grid > folds[1].values["y"] + 1e-3)
    # below y = -0.05 the only equilibrium has v < -0.6, outside the analysed box
    # (v = -0.5988 at y = -0.05 and -0.6997 at y = -0.1 by a fine scan of the reduced equation)
    below = y_grid < -0.051
    assert np.all(counts[inside] == 3)
    assert np.all(counts[outside & ~below] == 1) and np.all(counts[below] == 0)


def test_numeric_and_symbolic_paths_agree_on_fhn():
    symbolic = fhn_codim1(0.02, limit_cycles=False).compute_bifurcation()
    numeric = fhn_codim1(0.02, limit_cycles=False, escape_sympy_solver=True).compute_bifurcation()
    assert numeric.special("hopf")[0].values["Iext"] == pytest.approx(
        symbolic.special("hopf")[0].values["Iext"], abs=1e-10)
    for kind in symbolic.points:
        assert np.allclose(np.sort(numeric.points[kind]["V"]), np.sort(symbolic.points[kind]["V"]),
                           atol=1e-9)


def test_global_constant_as_target_parameter_and_update():
    # `a` is a module constant of int_fhn, as in the manual's codimension-2 example
    analyzer = bp.analysis.Bifurcation(int_fhn, target_pars={"a": [0.5, 1.0]},
                                       target_vars={"V": [-3, 3], "w": [-3, 3]},
                                       pars_update={"Iext": 0.4}, numerical_resolution=0.01,
                                       options={"verbose": False, "limit_cycles": False})
    hopf = analyzer.compute_bifurcation().special("hopf")
    V = -np.sqrt(1 - models.b / models.tau)
    # Iext = (V + a)/b - V + V^3/3  ->  a = b (Iext + V - V^3/3) - V
    assert hopf[0].values["a"] == pytest.approx(models.b * (0.4 + V - V ** 3 / 3) - V, abs=1e-9)
    analyzer.update_pars({"Iext": 0.5})
    hopf = analyzer.compute_bifurcation().special("hopf")
    assert hopf[0].values["a"] == pytest.approx(models.b * (0.5 + V - V ** 3 / 3) - V, abs=1e-9)


def test_plot_limit_cycle_by_sim():
    analyzer = bp.analysis.Bifurcation(models.fhn_with_parameters,
                                       target_pars={"Iext": [0.0, 1.0]},
                                       target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                       numerical_resolution=0.05,
                                       options={"verbose": False, "limit_cycles": False})
    envelope = analyzer.plot_limit_cycle_by_sim("V", duration=600.0)
    assert len(envelope) > 5
    assert envelope.parameters["Iext"].min() > models.fhn_hopf_points()[2][0]
    assert np.all(envelope.maxima["V"] > 1.5) and np.all(envelope.minima["V"] < -1.5)
    # with a = 0.7 + 2 the Hopf point moves to Iext = 2.5 + 0.33: the unstable equilibria of
    # the grid (a = 0.7) now sit in the stable regime, so no cycle is reached
    shifted = analyzer.compute_limit_cycles("V", duration=600.0, inputs=("a", 2.0, "+"))
    assert len(shifted) == 0
    with pytest.raises(AnalysisError, match="inputs.*'a', 'b', 'tau'"):
        analyzer.compute_limit_cycles("V", inputs=("Iext", 1.0))


@pytest.mark.parametrize("kwargs, message", [
    (dict(target_pars={"Iext": [0, 1]}, target_vars={"V": [-3, 3], "w": [-3, 3], "x": [0, 1]}),
     "1 to 2"),
    (dict(target_pars={"gK": [0, 1]}, target_vars={"V": [-3, 3], "w": [-3, 3]}),
     "`target_pars` names 'gK'.*parameters 'Iext'.*constants it reads 'a', 'b', 'tau'"),
    (dict(target_pars={}, target_vars={"V": [-3, 3], "w": [-3, 3]}), "at least 1|1 to 2"),
    (dict(target_pars={"Iext": [1, 0]}, target_vars={"V": [-3, 3], "w": [-3, 3]}),
     "reversed range"),
])
def test_bifurcation_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        bp.analysis.Bifurcation(int_fhn, **kwargs)


def test_update_of_a_target_parameter_is_refused():
    analyzer = fhn_codim1(0.1)
    with pytest.raises(AnalysisError, match="`pars_update` names 'Iext'"):
        analyzer.update_pars({"Iext": 0.3})


def test_codim2_numeric_path_matches_symbolic_path():
    kwargs = dict(target_pars={"y": [-0.1, 0.2], "z": [0.0, 0.2]},
                  target_vars={"v": [-0.6, 0.6], "w": [-0.1, 1.0]},
                  numerical_resolution={"v": 0.02, "w": 0.02, "y": 0.01, "z": 0.05},
                  options={"verbose": False, "continuation": False})
    symbolic = bp.analysis.Bifurcation(models.ml_fast, **kwargs).compute_bifurcation()
    numeric = bp.analysis.Bifurcation(models.ml_fast_opaque, **kwargs).compute_bifurcation()
    for kind in symbolic.points:
        a, b = symbolic.points[kind], numeric.points[kind]
        assert len(a["y"]) == len(b["y"])
        order_a, order_b = np.lexsort((a["v"], a["z"], a["y"])), np.lexsort((b["v"], b["z"], b["y"]))
        assert np.allclose(a["v"][order_a], b["v"][order_b], atol=1e-9)


def test_bifurcation_parameter_change_derives_nothing(monkeypatch):
    import sympy
    analyzer = bp.analysis.Bifurcation(int_fhn, target_pars={"Iext": [0.0, 1.0]},
                                       target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                       pars_update={"tau": 12.5}, numerical_resolution=0.01,
                                       options={"verbose": False})
    analyzer.compute_bifurcation()
    calls = []
    for name in ("lambdify", "solveset", "diff", "Matrix"):
        original = getattr(sympy, name)
        monkeypatch.setattr(sympy, name,
                            lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    compiled = bp.jit_compilations()
    analyzer.update_pars({"tau": 10.0})
    hopf = analyzer.compute_bifurcation().special("hopf")[0]
    V, w, Iext = models.fhn_hopf_points(tau=10.0)
    assert hopf.values["Iext"] == pytest.approx(Iext[0], abs=1e-9)
    assert calls == [] and bp.jit_compilations() == compiled
