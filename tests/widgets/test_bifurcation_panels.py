"""BifurcationPanel and FastSlowPanel against closed-form bifurcation points."""

import numpy as np
import pytest

import workbench as bp
from widgets import BifurcationPanel, FastSlowPanel

from .models import fhn_hopf_current, hr_folds, make_fhn_explicit, make_hr


@pytest.fixture
def bifurcation():
    bp.backend.set("numba", dt=0.1)
    panel = BifurcationPanel(make_fhn_explicit(), {"Iext": [0.0, 1.0]},
                             {"V": [-3, 3], "w": [-3, 3]},
                             pars={"a": (0.7, 0.5, 1.0), "tau": (12.5, 5.0, 20.0)},
                             codim2={"a": [0.5, 1.0]}, numerical_resolution=0.001)
    yield panel
    panel.close()


def hopf_marks(panel):
    scatter = panel.diagram.special.scatters["hopf"]
    return np.asarray(scatter.x), np.asarray(scatter.y)


def test_hopf_point_follows_the_parameter_without_compiling(bifurcation):
    # Hopf points are solved exactly, not read off the 0.001 grid: 1e-10
    x, y = hopf_marks(bifurcation)
    assert x == pytest.approx([fhn_hopf_current(0.7)], abs=1e-10)
    assert y == pytest.approx([-np.sqrt(1 - 0.8 / 12.5)], abs=1e-10)
    assert list(bifurcation.diagram.special.labels_below.text) == ["H1"]
    # the codim-2 view marks BT/CP/GH points (none for FHN over (Iext, a): a straight Hopf line)
    assert set(bifurcation.codim2_special.scatters) == {"bogdanov_takens", "cusp", "bautin"}
    assert all(len(s.x) == 0 for s in bifurcation.codim2_special.scatters.values())
    compiled = bp.jit_compilations()
    for a_value in (0.8, 0.9):
        bifurcation.controls["a"].value = a_value
        assert bifurcation.wait(60)
        (hopf,) = bifurcation.result.special("hopf")
        assert hopf.values["Iext"] == pytest.approx(fhn_hopf_current(a_value), abs=1e-10)
        assert hopf_marks(bifurcation)[0] == pytest.approx([fhn_hopf_current(a_value)], abs=1e-10)
        assert f"a={a_value}" in bifurcation.status.text
        assert "H1 (hopf) at Iext=" in bifurcation.status.text
        assert "(subcritical)" in bifurcation.status.text      # FHN's Hopf points: l1 > 0
        names = list(bifurcation.diagram.special.scatters["hopf"].names)
        assert len(names) == 1 and names[0].startswith("H1: hopf, subcritical (l1 = ")
    bifurcation.controls["tau"].value = 10.0
    assert bifurcation.wait(60)
    assert hopf_marks(bifurcation)[0] == pytest.approx([fhn_hopf_current(0.9, tau_=10.0)],
                                                       abs=1e-10)
    assert bp.jit_compilations() == compiled


def test_branches_are_stable_left_of_the_hopf_point(bifurcation):
    hopf = fhn_hopf_current(0.7)
    stable = bifurcation.diagram.branches.stable
    x, y = np.asarray(stable.x), np.asarray(stable.y)
    drawn = np.isfinite(y)
    assert drawn.any() and np.all(x[drawn] <= hopf + 0.05)
    unstable = bifurcation.diagram.branches.unstable
    ux, uy = np.asarray(unstable.x), np.asarray(unstable.y)
    assert np.all(ux[np.isfinite(uy)] >= hopf - 0.05)
    # the cycles: continued from the (subcritical) Hopf point, unstable down to the fold of
    # cycles at AUTO's Iext = 0.324179, stable from there on; no simulated envelope is drawn
    cycles = bifurcation.diagram.cycles
    sx, sy = np.asarray(cycles.stable.x), np.asarray(cycles.stable.y)
    ux, uy = np.asarray(cycles.unstable.x), np.asarray(cycles.unstable.y)
    assert np.nanmin(sx[np.isfinite(sy)]) == pytest.approx(0.324179, abs=2e-6)
    assert np.nanmax(ux[np.isfinite(uy)]) == pytest.approx(hopf, abs=1e-6)
    assert len(bifurcation.diagram.envelope.scatter.x) == 0
    assert "1 cycle branch" in bifurcation.status.text


def test_codim2_hopf_curve_and_slice(bifurcation):
    hopf = bifurcation.curves.lines["hopf"]
    x, y = np.asarray(hopf.x), np.asarray(hopf.y)
    ok = np.isfinite(x) & np.isfinite(y)
    assert ok.sum() > 10
    expected = np.array([fhn_hopf_current(a_value) for a_value in y[ok]])
    assert np.allclose(x[ok], expected, rtol=0, atol=1e-8)    # Newton-corrected curve points
    assert list(bifurcation.slice.lines[0].y) == [0.7, 0.7]
    curves = bifurcation.codim2_result
    bifurcation.controls["a"].value = 0.6
    assert bifurcation.wait(60)
    assert bifurcation.codim2_result is curves          # a is a codim-2 axis: nothing recomputed
    assert list(bifurcation.slice.lines[0].y) == [0.6, 0.6]
    tables = bifurcation.export_tables()
    assert "codim2_hopf_branch_0" in tables and "special_points" in tables


def test_fast_slow_folds_follow_the_input():
    # the folds are solved exactly (Newton on the fold system), not read off the grid of
    # numerical_resolution = 0.001: hold them to 1e-10
    bp.backend.set("numba", dt=0.1)
    panel = FastSlowPanel(make_hr(), {"x": [-3, 3], "y": [-10.0, 5.0]}, {"z": [-5.0, 5.0]},
                          pars={"Isyn": (0.5, 0.0, 4.0)},
                          trajectory={"x": 1.0, "y": 0.0, "z": 0.0}, duration=100.0,
                          numerical_resolution=0.001)
    try:
        folds = np.sort(np.asarray(panel.diagram.special.scatters["fold"].x))
        assert folds == pytest.approx(hr_folds(0.5), abs=1e-10)
        orbit = panel.result.trajectories[0]
        line = panel.orbit.lines[0]
        assert line.x[0] == orbit.values["z"][0] and line.y[0] == orbit.values["x"][0]
        assert len(line.x) <= 3000
        compiled = bp.jit_compilations()
        panel.controls["Isyn"].value = 2.0
        assert panel.wait(60)
        folds = np.sort(np.asarray(panel.diagram.special.scatters["fold"].x))
        assert folds == pytest.approx(hr_folds(2.0), abs=1e-10)
        assert bp.jit_compilations() == compiled
        panel.controls["duration"].value = 200.0
        assert panel.wait(60)
        assert panel.result.trajectories[0].ts[-1] == pytest.approx(200.0, abs=0.05)
        assert panel.time_scale.max == pytest.approx(200.0, abs=0.05)
        assert "orbit_0" in panel.export_tables()
    finally:
        panel.close()


def test_bad_arguments():
    with pytest.raises(ValueError, match="must name exactly one parameter"):
        BifurcationPanel(make_fhn_explicit(), {"Iext": [0, 1], "a": [0, 1]}, {"V": [-3, 3]})
    with pytest.raises(ValueError, match="must also be a slider in `pars`"):
        BifurcationPanel(make_fhn_explicit(), {"Iext": [0, 1]}, {"V": [-3, 3], "w": [-3, 3]},
                         codim2={"b": [0.5, 1.0]})
