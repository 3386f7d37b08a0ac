"""A line of equilibria is reported as such, not as "no fixed point" (issue 15)."""

import numpy as np
import pytest

import workbench as bp


def line(x, y, t):
    dx = y - x
    dy = x - y
    return dx, dy


def cube(x, t):
    return x ** 3


def half_line(x, t):
    # numpy-only (SymPy cannot trace np.maximum): the numeric path; zero for every x <= 1
    return np.maximum(x - 1.0, 0.0)


namespace = {}
exec("def line(x, y, t):\n    dx = y - x\n    dy = x - y\n    return dx, dy\n", namespace)


def _analyze(model, box):
    analyzer = bp.analysis.PhasePlane(model, target_vars=box, options={"verbose": False})
    return analyzer, analyzer.compute_fixed_points()


@pytest.mark.parametrize("model", [line, namespace["line"]], ids=["source", "exec"])
def test_line_of_equilibria_is_reported(model, capsys):
    analyzer, points = _analyze(model, {"x": [-2.0, 2.0], "y": [-2.0, 2.0]})
    assert len(points) == 0 and len(points.lines) == 1
    found = points.lines[0].values
    # every point of the line y = x inside the box, end to end
    np.testing.assert_allclose(found["y"], found["x"], atol=1e-12)
    assert found["x"][0] == pytest.approx(-2.0) and found["x"][-1] == pytest.approx(2.0)
    analyzer.options["verbose"] = True
    analyzer.plot_fixed_point()
    out = capsys.readouterr().out
    assert "Degenerate equilibria: a line of equilibria from (x=-2, y=-2) to (x=2, y=2)" in out
    assert "No fixed point" not in out


def test_half_line_on_the_numeric_path():
    _, points = _analyze(half_line, {"x": [-3.0, 3.0]})
    assert len(points) == 0 and len(points.lines) == 1
    xs = points.lines[0].values["x"]
    assert xs[0] == pytest.approx(-3.0)
    assert 1.0 - 0.1 < xs[-1] <= 1.0          # the last grid point before the line ends at 1


def test_isolated_flat_root_is_not_a_line():
    _, points = _analyze(cube, {"x": [-1.0, 1.0]})
    assert points.lines == ()
    assert points.array("x") == pytest.approx([0.0], abs=1e-4)


def clipped_line(x, y, t):
    # np.maximum/np.minimum: SymPy gets a Piecewise it cannot solve, so the 2-D search is
    # Newton from grid cells (no reduction); the clips never act inside the box
    dx = np.maximum(y - x, -10.0)
    dy = np.minimum(x - y, 10.0)
    return dx, dy


def test_line_of_equilibria_found_by_the_2d_cell_search():
    analyzer, points = _analyze(clipped_line, {"x": [-2.0, 2.0], "y": [-2.0, 2.0]})
    assert analyzer.system.residuals() is None
    assert len(points) == 0 and len(points.lines) == 1
    found = points.lines[0].values
    np.testing.assert_allclose(found["y"], found["x"], atol=1e-8)
    assert found["x"][0] < -1.8 and found["x"][-1] > 1.8
