"""The model view: integrals and plain functions, several integrals, constants, options."""

import numpy as np
import pytest

import workbench as bp
from workbench.analysis.model import ModelView
from workbench.errors import AnalysisError

from . import models


def int_V(V, t, w, Iext):
    return V - V ** 3 / 3 - w + Iext


def int_w(w, t, V):
    return (V + models.a - models.b * w) / models.tau


def test_plain_function_names_and_constants():
    view = ModelView(models.int_fhn)
    assert view.variables == ("V", "w") and view.parameters == ("Iext",)
    assert view.globals == {"a": 0.7, "b": 0.8, "tau": 12.5}
    assert "constants it reads 'a', 'b', 'tau'" in view.describe()


def test_integral_object_names():
    integral = bp.odeint(models.fhn_with_parameters, method="rk4")
    view = ModelView(integral)
    assert view.parameters == ("Iext", "a", "b", "tau")
    assert view.defaults == {"a": 0.7, "b": 0.8, "tau": 12.5}
    assert view.sources[0].integral is integral


def test_several_integrals_form_one_system():
    view = ModelView([int_V, int_w])
    assert view.variables == ("V", "w") and view.parameters == ("Iext",)
    analyzer = bp.analysis.PhasePlane([bp.odeint(int_V), bp.odeint(int_w)],
                                      target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      pars_update={"Iext": 0.8}, options={"verbose": False})
    V, w = models.fhn_equilibria(0.8)
    (point,) = analyzer.compute_fixed_points()
    assert point.values["V"] == pytest.approx(V[0], abs=1e-14)
    # both integrals step together (Euler, dt = 0.1)
    (trajectory,) = analyzer.compute_trajectories([(-2.8, -1.8)], duration=0.2)
    V1 = -2.8 + 0.1 * int_V(-2.8, 0.0, -1.8, 0.8)
    w1 = -1.8 + 0.1 * int_w(-1.8, 0.0, -2.8)
    assert trajectory.values["V"][1] == pytest.approx(V1) and trajectory.values["w"][1] == \
        pytest.approx(w1)


def test_variable_integrated_twice_is_an_error():
    with pytest.raises(AnalysisError, match="'V' is integrated by two"):
        ModelView([int_V, int_V])


@pytest.mark.parametrize("bad, message", [(3.0, "neither an integral"),
                                          (lambda V, w: V, "then `t`"),
                                          (lambda t, Iext: t, "no variable before `t`")])
def test_bad_integrals(bad, message):
    with pytest.raises(AnalysisError, match=message):
        ModelView(bad)


def test_sympy_timeout_falls_back_to_numbers(capsys):
    analyzer = bp.analysis.PhasePlane(models.int_fhn, target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      pars_update={"Iext": 0.8},
                                      options={"sympy_solver_timeout": 1e-6})
    nullclines = analyzer.plot_nullcline()
    out = capsys.readouterr().out
    assert "failed because of timeout" in out
    assert nullclines["V"].method == "numeric"
    V, _ = models.fhn_equilibria(0.8)
    assert analyzer.compute_fixed_points()[0].values["V"] == pytest.approx(V[0], abs=1e-10)


def test_shgo_search_adds_candidates(capsys):
    analyzer = bp.analysis.PhasePlane(
        models.int_hr, target_vars={"x": [-3, 3], "y": [-20, 3]}, fixed_vars={"z": 1.0},
        pars_update={"Isyn": 0.5}, numerical_resolution=0.5,
        options={"escape_sympy_solver": True, "shgo_args": {"n": 200, "iters": 3},
                 "show_shgo": True, "verbose": False})
    points = analyzer.compute_fixed_points()
    assert "funl" in capsys.readouterr().out      # shgo's result was printed
    x = np.sort(np.roots([-1.0, -2.0, 0.0, 0.5]).real)
    assert np.allclose(points.array("x"), x, atol=1e-8)


def test_xl_tol_merges_and_fl_tol_filters():
    analyzer = bp.analysis.PhasePlane(models.saddle_node, target_vars={"x": [-1, 1]},
                                      pars_update={"r": -1e-6}, numerical_resolution=0.1,
                                      options={"verbose": False, "xl_tol": 1e-2})
    # roots +-1e-3 are closer than xl_tol: merged into one
    assert len(analyzer.compute_fixed_points()) == 1
    analyzer = bp.analysis.PhasePlane(models.saddle_node, target_vars={"x": [-1, 1]},
                                      pars_update={"r": 1e-4}, numerical_resolution=0.1,
                                      options={"verbose": False, "fl_tol": 1e-3})
    # no root at all, but min |f| = 1e-4 < fl_tol: accepted as a (near-)double root
    (point,) = analyzer.compute_fixed_points()
    assert abs(point.values["x"]) < 1e-6


def test_update_of_an_unexposed_constant_is_refused():
    analyzer = bp.analysis.PhasePlane(models.int_fhn, target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      pars_update={"Iext": 0.8}, options={"verbose": False})
    with pytest.raises(AnalysisError, match="'tau'.*`pars_update` when creating"):
        analyzer.update_pars({"tau": 10.0})
    exposed = bp.analysis.PhasePlane(models.int_fhn, target_vars={"V": [-3, 3], "w": [-3, 3]},
                                     pars_update={"Iext": 0.8, "tau": 12.5},
                                     options={"verbose": False})
    exposed.update_pars({"tau": 10.0})
    # the fixed point does not depend on tau; its eigenvalues do
    jac = exposed.compute_fixed_points()[0].jacobian
    assert jac[1, 0] == pytest.approx(1 / 10.0) and jac[1, 1] == pytest.approx(-0.8 / 10.0)
