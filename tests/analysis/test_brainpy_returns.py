"""What the plot_* methods return, as BrainPy 1.0.2 returns it (numbers recorded by
tests/references/make_brainpy_compat.py), and the 'saddle' name beside BrainPy's label."""

import numpy as np
import pytest

import workbench as bp
from tests.references import brainpy_compat

from .models import int_fhn


def int_x(x, t, Iext):
    dx = x - x ** 3 / 3 + Iext
    return dx


def int_duffing(x, y, t):
    dx = y
    dy = x - x ** 3
    return dx, dy


def recorded():
    return brainpy_compat()["analysis"]


def fhn_bifurcation(target_pars, resolution):
    return bp.analysis.Bifurcation(int_fhn, target_pars=target_pars,
                                   target_vars={"V": [-3, 3], "w": [-3., 3.]},
                                   numerical_resolution=resolution,
                                   options={"verbose": False})


def test_plot_fixed_point_returns_coordinates_as_brainpy():
    plane = bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3., 3.]},
                                   pars_update={"Iext": 0.8}, options={"verbose": False})
    xs, ys = plane.plot_fixed_point()
    expected = recorded()["fixed_point_2d"]
    assert expected["type"] == "tuple"
    np.testing.assert_allclose(xs, expected["V"], atol=1e-9)
    np.testing.assert_allclose(ys, expected["w"], atol=1e-9)


def test_plot_fixed_point_in_1d_returns_one_array_as_brainpy():
    line = bp.analysis.PhasePlane(int_x, target_vars={"x": [-3, 3]}, pars_update={"Iext": 0.},
                                  options={"verbose": False})
    xs = line.plot_fixed_point()
    expected = recorded()["fixed_point_1d"]
    assert expected["type"] == "ndarray" and isinstance(xs, np.ndarray)
    np.testing.assert_allclose(xs, expected["x"], atol=1e-9)


@pytest.mark.parametrize("target_pars, resolution, key", [
    ({"Iext": [0., 1.]}, 0.01, "bifurcation_codim1"),
    ({"a": [0.5, 1.], "Iext": [0., 1.]}, 0.05, "bifurcation_codim2"),
])
def test_bifurcation_result_is_keyed_as_brainpys(target_pars, resolution, key):
    result = fhn_bifurcation(target_pars, resolution).plot_bifurcation()
    expected = recorded()[key]
    assert set(result) == set(expected)
    parameters = list(target_pars)
    brainpy_keys = ["p"] if len(parameters) == 1 else ["p0", "p1"]
    for kind, names in expected.items():
        assert set(names) <= set(result[kind]), kind
        assert list(result[kind])[:len(parameters)] == brainpy_keys
        for brainpy_key, par in zip(brainpy_keys, parameters):
            assert result[kind][brainpy_key] is result[kind][par]     # the names stay too


def test_one_dimensional_bifurcation_keys():
    analyzer = bp.analysis.Bifurcation(int_x, target_pars={"Iext": [-1., 1.]},
                                       target_vars={"x": [-3, 3]}, numerical_resolution=0.1,
                                       options={"verbose": False})
    result = analyzer.plot_bifurcation()
    expected = recorded()["bifurcation_1d"]
    assert set(result) == set(expected)
    for kind, names in expected.items():
        assert set(names) <= set(result[kind])


@pytest.mark.parametrize("target_pars, resolution, key", [
    ({"Iext": [0., 1.]}, 0.05, "limit_cycle_codim1"),
    ({"a": [0.5, 1.], "Iext": [0., 1.]}, 0.1, "limit_cycle_codim2"),
])
def test_plot_limit_cycle_by_sim_adds_limit_cycle_to_the_result(target_pars, resolution, key):
    analyzer = fhn_bifurcation(target_pars, resolution)
    result = analyzer.plot_bifurcation()
    envelope = analyzer.plot_limit_cycle_by_sim("V", duration=200.)
    expected = recorded()[key]["keys"]["limit_cycle"]
    cycles = result["limit_cycle"]
    assert set(expected) <= set(cycles)
    assert len(envelope) > 0
    for position, par in enumerate(target_pars):
        brainpy_key = "p" if len(target_pars) == 1 else f"p{position}"
        np.testing.assert_array_equal(cycles[brainpy_key], envelope.parameters[par])
    np.testing.assert_array_equal(cycles["V_max"], envelope.maxima["V"])
    if key == "limit_cycle_codim1":
        assert np.all(cycles["p"] > 0.331)             # beyond the Hopf point, as BrainPy's 0.88


def test_saddles_are_named_saddle_where_brainpy_says_saddle_node(capsys):
    plane = bp.analysis.PhasePlane(int_duffing, target_vars={"x": [-2, 2], "y": [-2, 2]})
    xs, ys = plane.plot_fixed_point()
    points = plane.compute_fixed_points()
    saddle = [p for p in points if abs(p.values["x"]) < 1e-9][0]
    assert saddle.stability == "saddle node"            # BrainPy's label, kept
    assert saddle.kind == "saddle"                      # real eigenvalues of both signs
    assert sorted(np.sign(saddle.eigenvalues.real)) == [-1, 1]
    assert all(p.kind == "center" for p in points if p is not saddle)
    assert "is a saddle node (a saddle)." in capsys.readouterr().out
    # in 1-D a 'saddle node' is a saddle-node (f' = 0) and keeps its name
    assert bp.analysis.stability.fixed_point_kind("saddle node", 1) == "saddle node"
    assert "saddle node" in bp.analysis.get_2d_stability_types()


def test_phase_plane_legend_says_saddle():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plane = bp.analysis.PhasePlane(int_duffing, target_vars={"x": [-2, 2], "y": [-2, 2]},
                                   options={"verbose": False})
    plane.plot_fixed_point()
    labels = plt.gca().get_legend_handles_labels()[1]
    assert "saddle" in labels and "saddle node" not in labels
    plt.close("all")
