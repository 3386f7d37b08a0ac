"""The manual's chapter-4 examples run unchanged with ``import workbench as bp``."""

import re
from collections import OrderedDict

import numpy as np
import pytest

import workbench as bp

from . import models

a = 0.7
b = 0.8
tau = 12.5


@bp.odeint
def int_fhn(V, w, t, Iext):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw


MANUAL_PHASE_PLANE_OUTPUT = [
    "plot nullcline ...",
    'SymPy solve "int_fhn(V, w) = 0" to "w = f(V, )", success.',
    'SymPy solve "int_fhn(V, w) = 0" to "w = f(V, )", success.',
    "plot vector field ...",
    "plot fixed point ...",
    'SymPy solve derivative of "int_fhn(V, w)" by "V", success.',
    'SymPy solve derivative of "int_fhn(V, w)" by "w", success.',
    'SymPy solve derivative of "int_fhn(V, w)" by "V", success.',
    'SymPy solve derivative of "int_fhn(V, w)" by "w", success.',
    None,   # the fixed point line, checked numerically below
    "plot trajectory ...",
]


def test_phase_plane_example(capsys):
    analyzer = bp.analysis.PhasePlane(
        integrals=int_fhn,
        target_vars={'V': [-3, 3], 'w': [-3., 3.]},
        pars_update={'Iext': 0.8})
    analyzer.plot_nullcline()
    analyzer.plot_vector_field()
    analyzer.plot_fixed_point()
    trajectories = analyzer.plot_trajectory([{'V': -2.8, 'w': -1.8}],
                                            duration=100.,
                                            show=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(MANUAL_PHASE_PLANE_OUTPUT)
    for line, expected in zip(lines, MANUAL_PHASE_PLANE_OUTPUT):
        if expected is not None:
            assert line == expected
    match = re.fullmatch(r"Fixed point #1 at V=(\S+), w=(\S+) is a unstable node\.", lines[9])
    # the manual prints V=-0.27290095899729705, w=0.5338738012533786; the residual evaluated
    # in double precision is only known to ~1e-16 near the root (slope -0.32), so roots agree
    # to a few 1e-16: the printed digits may differ in the last two places
    V, w = models.fhn_equilibria(0.8)
    assert float(match.group(1)) == pytest.approx(-0.27290095899729705, abs=1e-15)
    assert float(match.group(2)) == pytest.approx(0.5338738012533786, abs=1e-15)
    assert float(match.group(1)) == pytest.approx(V[0], abs=1e-15)
    assert float(match.group(2)) == pytest.approx(w[0], abs=1e-15)
    # trajectories are integrated with the integral itself (Euler, dt = 0.1 by default)
    (trajectory,) = trajectories
    V_euler, w_euler = -2.8, -1.8
    for step in range(5):
        V_euler, w_euler = int_fhn(V_euler, w_euler, step * 0.1, 0.8)
    assert trajectory.values["V"][5] == pytest.approx(V_euler, abs=1e-14)
    assert len(trajectory.ts) == 1001


def test_codimension_one_example(capsys):
    analyzer = bp.analysis.Bifurcation(
        integrals=int_fhn,
        target_pars={'Iext': [0., 1.]},
        target_vars={'V': [-3, 3], 'w': [-3., 3.]},
        numerical_resolution=0.001,
    )
    res = analyzer.plot_bifurcation(show=True)
    assert capsys.readouterr().out.splitlines() == [
        "plot bifurcation ...",
        'SymPy solve "int_fhn(V, w, Iext) = 0" to "w = f(V, Iext)", success.',
        'SymPy solve derivative of "int_fhn(V, w, Iext)" by "V", success.',
        'SymPy solve derivative of "int_fhn(V, w, Iext)" by "w", success.',
        'SymPy solve derivative of "int_fhn(V, w, Iext)" by "V", success.',
        'SymPy solve derivative of "int_fhn(V, w, Iext)" by "w", success.']
    # BrainPy 1.0.3 reports the stable focus up to Iext = 0.331 and the unstable focus from 0.332
    assert res["stable focus"]["Iext"].max() == pytest.approx(0.331)
    assert res["unstable focus"]["Iext"].min() == pytest.approx(0.332)
    hopf = analyzer.result.special("hopf")[0].values["Iext"]
    assert hopf == pytest.approx(models.fhn_hopf_points()[2][0], abs=1e-9)


def test_codimension_two_example(capsys):
    analyzer = bp.analysis.Bifurcation(
        integrals=int_fhn,
        target_pars=OrderedDict(a=[0.5, 1.], Iext=[0., 1.]),
        target_vars=OrderedDict(V=[-3, 3], w=[-3., 3.]),
        numerical_resolution=0.01,
    )
    res = analyzer.plot_bifurcation(show=True)
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["plot bifurcation ...",
                       'SymPy solve "int_fhn(V, w, a, Iext) = 0" to "w = f(V, a, Iext)", success.']
    assert len(out) == 6
    assert sum(len(v["a"]) for v in res.values()) == 51 * 101


def test_fast_slow_example(capsys):
    a = 1.; b = 3.; c = 1.; d = 5.; s = 4.
    x_r = -1.6; r = 0.001

    @bp.odeint(method='rk4', dt=0.02)
    def int_hr(x, y, z, t, Isyn):
        dx = y - a * x ** 3 + b * x * x - z + Isyn
        dy = c - d * x * x - y
        dz = r * (s * (x - x_r) - z)
        return dx, dy, dz

    analyzer = bp.analysis.FastSlowBifurcation(
        integrals=int_hr,
        fast_vars={'x': [-3, 3], 'y': [-10., 5.]},
        slow_vars={'z': [-5., 5.]},
        pars_update={'Isyn': 0.5},
        numerical_resolution=0.001
    )
    analyzer.plot_bifurcation()
    (trajectory,) = analyzer.plot_trajectory([{'x': 1., 'y': 0., 'z': -0.0}],
                                             duration=100.,
                                             show=True)
    assert capsys.readouterr().out.splitlines() == [
        "plot bifurcation ...",
        'SymPy solve "int_hr(x, y, z) = 0" to "y = f(x, z)", success.',
        'SymPy solve derivative of "int_hr(x, y, z)" by "x", success.',
        'SymPy solve derivative of "int_hr(x, y, z)" by "y", success.',
        'SymPy solve derivative of "int_hr(x, y, z)" by "x", success.',
        'SymPy solve derivative of "int_hr(x, y, z)" by "y", success.',
        "plot trajectory ..."]
    assert len(trajectory.ts) == 5001                 # rk4 at the integral's dt = 0.02
    folds = [p.values["z"] for p in analyzer.result.special("fold")]
    assert np.allclose(folds, models.hr_fast_folds(0.5)[1], atol=1e-10)


def test_numba_backend_parameter_change_compiles_nothing():
    bp.backend.set("numba")

    @bp.odeint(method="rk4", dt=0.05)
    def integral(V, w, t, Iext):
        return V - V * V * V / 3 - w + Iext, (V + 0.7 - 0.8 * w) / 12.5

    analyzer = bp.analysis.PhasePlane(integral, target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      pars_update={"Iext": 0.8}, options={"verbose": False})
    analyzer.compute_trajectories([{"V": -2.8, "w": -1.8}], duration=10.0)
    first = analyzer.compute_phase_plane()
    compiled = bp.jit_compilations()
    analyzer.update_pars({"Iext": 0.5})
    second = analyzer.compute_phase_plane()
    assert bp.jit_compilations() == compiled
    assert second.fixed_points[0].values["V"] == pytest.approx(
        models.fhn_equilibria(0.5)[0][0], abs=1e-13)
    assert not np.allclose(first.trajectories[0].values["V"], second.trajectories[0].values["V"])
