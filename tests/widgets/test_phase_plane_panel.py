"""PhasePlanePanel on the manual's FitzHugh-Nagumo model: live, exact, no recompilation."""

import numpy as np
import pytest

import workbench as bp
from widgets import PhasePlanePanel
from workbench.analysis.results import FixedPoints

from .models import fhn_fixed_point, fhn_hopf_current, make_fhn


@pytest.fixture
def panel():
    bp.backend.set("numba", dt=0.1)
    before = bp.jit_compilations()
    panel = PhasePlanePanel(make_fhn(), {"V": [-3, 3], "w": [-3, 3]},
                            pars={"Iext": (0.8, 0.0, 1.5)}, trajectory={"V": -2.8, "w": -1.8},
                            duration=100.0, units={"V": "mV"})
    panel.build_compilations = bp.jit_compilations() - before
    yield panel
    panel.close()


def marked(panel, category):
    scatter = panel.fixed.scatters[category]
    return list(zip(np.asarray(scatter.x), np.asarray(scatter.y)))


def test_fixed_point_turns_unstable_past_the_hopf_point_without_compiling(panel):
    hopf = fhn_hopf_current()                  # 0.3313 for a=0.7, b=0.8, tau=12.5
    assert panel.build_compilations > 0        # the counter sees the trajectory kernels
    compiled = bp.jit_compilations()
    for current, category in ((hopf - 0.02, "stable"), (hopf + 0.02, "unstable")):
        panel.controls["Iext"].value = round(current, 2)
        assert panel.wait(30)
        (point,) = panel.result.fixed_points
        V, w = fhn_fixed_point(round(current, 2))
        assert point.values["V"] == pytest.approx(V, abs=1e-6)
        assert point.values["w"] == pytest.approx(w, abs=1e-6)
        assert point.stability.startswith(category)
        assert marked(panel, category) == [pytest.approx((V, w), abs=1e-6)]
        other = "unstable" if category == "stable" else "stable"
        assert marked(panel, other) == []
    assert bp.jit_compilations() == compiled


def test_result_fixed_points_equal_the_analysers(panel):
    panel.controls["Iext"].value = 0.5
    assert panel.wait(30)
    analyzer = bp.analysis.PhasePlane(make_fhn(), target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      pars_update={"Iext": 0.5}, options={"verbose": False})
    expected = analyzer.compute_fixed_points().as_dicts()
    got = panel.result.fixed_points
    assert isinstance(got, FixedPoints) and len(got) == len(expected) == 1
    for mine, theirs in zip(got.as_dicts(), expected):
        assert set(mine) == set(theirs)
        assert mine["stability"] == theirs["stability"]
        assert mine["V"] == pytest.approx(theirs["V"]) and mine["w"] == pytest.approx(theirs["w"])
        assert np.allclose(mine["eigenvalues"], theirs["eigenvalues"])


def test_marks_follow_nullclines_and_trajectory(panel):
    result = panel.result
    for curve, line in zip(result.nullclines.curves, panel.nullclines.marks):
        finite = np.isfinite(curve.x) & np.isfinite(curve.y)
        assert np.allclose(np.asarray(line.x)[finite], curve.x[finite])
        assert np.allclose(np.asarray(line.y)[finite], curve.y[finite])
    # the V-nullcline w = V - V^3/3 + Iext, evaluated independently
    v_curve = result.nullclines["V"]
    ok = np.isfinite(v_curve.y)
    assert np.allclose(v_curve.y[ok], v_curve.x[ok] - v_curve.x[ok] ** 3 / 3 + 0.8, atol=1e-9)
    line = panel.trajectories.trace.lines[0]
    assert (line.x[0], line.y[0]) == (-2.8, -1.8)
    assert len(panel.field.line.x) > 0
    before = np.asarray(panel.nullclines.marks[0].y).copy()
    panel.controls["Iext"].value = 1.2
    assert panel.wait(30)
    after = np.asarray(panel.nullclines.marks[0].y)
    assert not np.array_equal(np.nan_to_num(before), np.nan_to_num(after[:len(before)]))


def test_clicking_the_plane_starts_a_trajectory(panel):
    panel.clicks.scatter.x = np.array([1.5])     # what bqplot's front end does on a click
    panel.clicks.scatter.y = np.array([-2.0])
    assert panel.wait(30)
    (trajectory,) = panel.result.trajectories
    assert (trajectory.values["V"][0], trajectory.values["w"][0]) == (1.5, -2.0)
    assert list(panel.trajectories.starts.x) == [1.5]
    panel.clear_button.click()
    assert panel.wait(30)
    assert panel.result.trajectories == () and len(panel.trajectories.trace.lines[0].x) == 0


def test_rapid_moves_end_on_the_last_value(panel):
    values = np.round(np.linspace(0.0, 1.4, 29), 2)
    for value in values:
        panel.controls["Iext"].value = float(value)
    assert panel.wait(60)
    (point,) = panel.result.fixed_points
    assert point.values["V"] == pytest.approx(fhn_fixed_point(1.4)[0], abs=1e-6)
    assert panel.params["Iext"] == 1.4 and "Iext=1.4" in panel.status.text


def test_an_analysis_error_shows_in_the_panel(panel, monkeypatch):
    original = panel.analyzer.update_pars

    def failing(values):
        if values["Iext"] > 1.0:
            raise bp.errors.AnalysisError(f"Iext={values['Iext']} is too large for this test")
        return original(values)

    monkeypatch.setattr(panel.analyzer, "update_pars", failing)
    panel.controls["Iext"].value = 1.3
    assert panel.wait(30)
    assert panel.status.state == "error" and "AnalysisError" in panel.status.text
    assert panel.result is None and not panel.fixed.scatters["stable"].visible
    panel.controls["Iext"].value = 0.2
    assert panel.wait(30)
    assert panel.status.state == "ready"
    assert panel.result.fixed_points[0].stability == "stable focus"


def test_export_tables_hold_the_full_data(panel):
    tables = panel.export_tables()
    assert len(tables["trajectory_0"]["t"]) == len(panel.result.trajectories[0].ts)
    assert list(tables["fixed_points"]["stability"]) == ["unstable node"]
    assert tables["vector_field"]["dV/dt"].size == panel.result.vector_field.dx.size


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"may not contain \[.duration.\]"):
        PhasePlanePanel(make_fhn(), {"V": [-3, 3], "w": [-3, 3]}, pars={"duration": (1, 0, 2)})
    with pytest.raises(ValueError, match="must give exactly the variables 'V', 'w'"):
        PhasePlanePanel(make_fhn(), {"V": [-3, 3], "w": [-3, 3]}, pars={"Iext": (0.8, 0, 1)},
                        trajectory={"V": 1.0})


def test_panels_print_no_analysis_messages_unless_asked(capsys):
    # the manual's "SymPy solve ..." lines would land above the figure in a dashboard
    quiet = PhasePlanePanel(make_fhn(), {"V": [-3, 3], "w": [-3, 3]},
                            pars={"Iext": (0.8, 0.0, 1.5)}, threaded=False)
    quiet.controls["Iext"].value = 0.5
    assert capsys.readouterr().out == ""
    loud = PhasePlanePanel(make_fhn(), {"V": [-3, 3], "w": [-3, 3]},
                           pars={"Iext": (0.8, 0.0, 1.5)}, options={"verbose": True},
                           threaded=False)
    assert "SymPy solve" in capsys.readouterr().out
    quiet.close()
    loud.close()


def test_set_trajectory_replaces_the_initial_points(panel):
    panel.set_trajectory([{"V": 1.0, "w": 0.5}, (-1.0, 2.0)])
    assert panel.wait(30)
    first, second = panel.result.trajectories
    assert (first.values["V"][0], first.values["w"][0]) == (1.0, 0.5)
    assert (second.values["V"][0], second.values["w"][0]) == (-1.0, 2.0)
    # the orbit obeys the model: dV/dt at the start is V - V^3/3 - w + Iext
    dt = first.ts[1] - first.ts[0]
    slope = (first.values["V"][1] - first.values["V"][0]) / dt
    assert slope == pytest.approx(1.0 - 1.0 / 3 - 0.5 + 0.8, rel=0.05)
    assert [line.x[0] for line in panel.trajectories.trace.lines[:2]] == [1.0, -1.0]
    assert list(panel.trajectories.starts.x) == [1.0, -1.0]
    # one start steps with floats, several with arrays (each signature compiles once);
    # from then on new starts compile nothing
    compiled = bp.jit_compilations()
    panel.set_trajectory([(0.5, 0.5), (2.0, -1.0), (-2.0, 1.0)])
    assert panel.wait(30)
    assert [t.values["V"][0] for t in panel.result.trajectories] == [0.5, 2.0, -2.0]
    assert bp.jit_compilations() == compiled
    panel.set_trajectory(None)
    assert panel.wait(30)
    assert panel.result.trajectories == ()
    assert all(len(line.x) == 0 for line in panel.trajectories.trace.lines)
    with pytest.raises(ValueError, match="must give exactly the variables 'V', 'w'"):
        panel.set_trajectory({"V": 1.0})


def test_a_line_of_equilibria_is_described_as_such():
    @bp.odeint
    def coupled(x, y, t, k):
        dx = k * (y - x)
        dy = k * (x - y)
        return dx, dy

    panel = PhasePlanePanel(coupled, {"x": [-2, 2], "y": [-2, 2]}, pars={"k": (1.0, 0.5, 2.0)},
                            duration=10.0)
    try:
        assert panel.wait(30)
        points = panel.result.fixed_points
        assert len(points) == 0 and len(points.lines) == 1
        assert "a line of equilibria from (x=-2, y=-2) to (x=2, y=2)" in panel.status.text
        assert "no fixed point" not in panel.status.text
    finally:
        panel.close()
