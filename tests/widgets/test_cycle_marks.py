"""Cycle branches in the panels and in matplotlib: stability styles, labels, no compilation."""

import matplotlib
import numpy as np
import pytest

import workbench as bp
from widgets import FastSlowPanel
from widgets.render import CycleBranchMarks, make_figure
from workbench.analysis.results import BifurcationDiagram, Branch, SpecialPoint

from .models import make_hr


def synthetic_diagram():
    p = np.array([0.0, 0.1, 0.2, 0.3])
    branch = Branch("cycle", {"I": p, "period": np.ones(4), "V_max": p + 1.0, "V_min": -p - 1.0},
                    np.array(["unstable", "unstable", "stable", "stable"], dtype=object),
                    np.zeros((0, 1)), multipliers=np.array([[2.0, 1.0], [1.5, 1.0], [0.5, 1.0],
                                                            [0.4, 1.0]]))
    fold = SpecialPoint("cycle_fold", {"I": 0.15, "V": 1.15, "V_max": 1.15, "V_min": -1.15,
                                       "period": 1.0}, np.array([1.0, 1.0]), "LPC1")
    return BifurcationDiagram(("I",), ("V",), {}, (), (fold,), (), (branch,))


def test_cycle_marks_split_stable_and_unstable_parts():
    _, scales = make_figure((0.0, 0.3), (-2.0, 2.0), "I", "V")
    marks = CycleBranchMarks(scales)
    diagram = synthetic_diagram()
    marks.update(diagram.cycle_branches, "I", "V")
    sx, sy = np.asarray(marks.stable.x, float), np.asarray(marks.stable.y, float)
    ux, uy = np.asarray(marks.unstable.x, float), np.asarray(marks.unstable.y, float)
    # max and min curves; the dashed part runs on to the first stable point (no gap)
    assert set(sx[np.isfinite(sy)]) == {0.2, 0.3}
    assert set(ux[np.isfinite(uy)]) == {0.0, 0.1, 0.2}
    assert marks.unstable.line_style == "dashed" and marks.stable.line_style == "solid"
    assert sorted(np.round(sy[np.isfinite(sy)], 12)) == [-1.3, -1.2, 1.2, 1.3]


def test_matplotlib_draws_unstable_cycles_dashed_with_labels():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from workbench.visualize.analysis import draw_bifurcation
    plt.close("all")     # figures left open by earlier tests would be drawn on
    ax = draw_bifurcation(synthetic_diagram(), "V")
    styles = {(line.get_color(), line.get_linestyle()) for line in ax.get_lines()
              if np.isfinite(np.asarray(line.get_ydata(), float)).sum() > 1}
    assert ("tab:green", "-") in styles and ("tab:blue", "--") in styles
    assert [text.get_text() for text in ax.texts] == ["LPC1"]
    plt.close("all")


def test_fast_slow_panel_shows_cycle_branches_and_recontinues_without_compiling():
    bp.backend.set("numba", dt=0.1)
    panel = FastSlowPanel(make_hr(), {"x": [-3, 3], "y": [-10.0, 5.0]}, {"z": [-5.0, 5.0]},
                          pars={"Isyn": (2.0, 0.0, 4.0)}, numerical_resolution=0.01)
    try:
        ends = sorted(p.values["z"] for p in panel.result.diagram.special("homoclinic"))
        assert ends == pytest.approx([2.0856009, 2.8161469], abs=1e-5)     # AUTO's values
        stable = np.asarray(panel.diagram.cycles.stable.y, float)
        assert np.isfinite(stable).sum() > 20
        assert list(np.asarray(panel.diagram.special.scatters["homoclinic"].x)) == \
            pytest.approx(ends, abs=1e-12)
        compiled = bp.jit_compilations()
        panel.controls["Isyn"].value = 2.2
        assert panel.wait(60)
        moved = sorted(p.values["z"] for p in panel.result.diagram.special("homoclinic"))
        # the fast subsystem depends on z - Isyn only: everything shifts by 0.2
        assert moved == pytest.approx([e + 0.2 for e in ends], abs=1e-5)
        assert bp.jit_compilations() == compiled
        tables = panel.export_tables()
        assert "cycle_branch_0" in tables and "multiplier_0" in tables["cycle_branch_0"]
    finally:
        panel.close()
