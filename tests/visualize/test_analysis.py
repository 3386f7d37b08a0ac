"""Matplotlib drawings of bifurcation diagrams: AUTO's labels and the Hopf criticality."""

from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np

import workbench as bp
from workbench.visualize.analysis import draw_bifurcation, draw_codim2_curves

from ..analysis.models import fhn_with_parameters


def _texts(ax):
    return sorted(t.get_text() for t in ax.texts)


def test_codim1_labels_and_subcritical_hopf_markers():
    diagram = bp.analysis.Bifurcation(fhn_with_parameters, target_pars={"Iext": [0.0, 2.0]},
                                      target_vars={"V": [-3, 3], "w": [-3, 3]},
                                      numerical_resolution=0.05,
                                      options={"verbose": False, "limit_cycles": False}
                                      ).compute_bifurcation()
    ax = draw_bifurcation(diagram, "V", ax=plt.figure().add_subplot())
    assert _texts(ax) == ["H1", "H2"]
    labels = ax.get_legend_handles_labels()[1]
    assert labels.count("H: Hopf, subcritical") == 1          # one legend row for both
    hopf_lines = [line for line in ax.lines if line.get_label() == "H: Hopf, subcritical"]
    assert hopf_lines[0].get_fillstyle() == "none"            # open marker: subcritical


def test_codim2_curves_with_bt_cusp_and_bautin_labels():
    diagram = bp.analysis.Bifurcation(fhn_with_parameters,
                                      target_pars=OrderedDict(Iext=[-1.0, 2.0], b=[0.5, 4.0]),
                                      target_vars=OrderedDict(V=[-3, 3], w=[-5.0, 5.0]),
                                      numerical_resolution=0.1, options={"verbose": False}
                                      ).compute_bifurcation()
    ax = draw_codim2_curves(diagram, ax=plt.figure().add_subplot())
    assert _texts(ax) == ["BT1", "BT2", "CP1", "GH1"]
    labels = ax.get_legend_handles_labels()[1]
    for name in ("fold curve", "hopf curve", "BT: Bogdanov-Takens", "CP: cusp",
                 "GH: generalized Hopf"):
        assert name in labels
    bt = [p for p in diagram.special_points if p.label == "BT1"][0]
    assert np.isclose(bt.values["b"], np.sqrt(12.5), atol=1e-10)
