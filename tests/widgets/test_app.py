"""Workbench: tabs of one model's panels with linked sliders."""

import pytest

import workbench as bp
from widgets import PhasePlanePanel, Workbench

from .models import fhn_hopf_current, make_fhn_explicit


def test_from_model_links_the_shared_sliders():
    bp.backend.set("numba", dt=0.1)
    wb = Workbench.from_model(make_fhn_explicit(), {"V": [-3, 3], "w": [-3, 3]},
                              pars={"Iext": (0.8, 0.0, 1.5), "a": (0.7, 0.5, 1.0)},
                              bifurcation={"Iext": [0.0, 1.0]}, numerical_resolution=0.01,
                              title="FitzHugh-Nagumo")
    assert list(wb.panels) == ["Phase plane", "Bifurcation"]
    assert [wb.tabs.get_title(i) for i in range(2)] == ["Phase plane", "Bifurcation"]
    phase, bifurcation = wb.panels.values()
    assert "Iext" not in bifurcation.controls            # it is the diagram's axis
    phase.controls["a"].value = 0.9
    assert wb.wait(60)
    assert bifurcation.controls["a"].value == 0.9
    (hopf,) = bifurcation.result.special("hopf")
    assert hopf.values["Iext"] == pytest.approx(fhn_hopf_current(0.9), abs=2e-3)
    assert phase.result.fixed_points[0].stability.startswith("unstable")


def test_bad_panels():
    with pytest.raises(TypeError, match="must be a non-empty dict"):
        Workbench({})
    with pytest.raises(TypeError, match="not a widgets Panel"):
        Workbench({"x": 3})
    with pytest.raises(ValueError, match="nothing to show"):
        Workbench.from_model(make_fhn_explicit(), {"V": [-3, 3], "w": [-3, 3], "z": [0, 1]})
