"""Fast-slow analysis of Hindmarsh-Rose against the hand-derived fast subsystem."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import AnalysisError

from . import models


def hr_analyzer(resolution=0.01, slow=None, **options):
    return bp.analysis.FastSlowBifurcation(
        models.int_hr, fast_vars={"x": [-3, 3], "y": [-20.0, 5.0]},
        slow_vars=slow or {"z": [-5.0, 5.0]}, pars_update={"Isyn": 0.5},
        numerical_resolution=resolution, options=dict({"verbose": False}, **options))


@pytest.fixture(scope="module")
def hr_diagram():
    return hr_analyzer().compute_bifurcation()


def test_folds_of_the_fast_subsystem(hr_diagram):
    x, z = models.hr_fast_folds(0.5)
    assert z[0] == pytest.approx(17.0 / 54.0) and z[1] == pytest.approx(1.5)   # by hand
    folds = hr_diagram.special("fold")
    assert [p.label for p in folds] == ["LP1", "LP2"]
    assert np.allclose([p.values["z"] for p in folds], z, atol=1e-10)
    assert np.allclose([p.values["x"] for p in folds], x, atol=1e-6)
    assert np.allclose([p.values["y"] for p in folds], 1 - 5 * x ** 2, atol=1e-5)


def test_hopf_point_of_the_fast_subsystem(hr_diagram):
    x, z = models.hr_fast_hopf(0.5)
    inside = (z >= -5) & (z <= 5)          # the other root has z = -11.09
    x, z = x[inside], z[inside]
    (hopf,) = hr_diagram.special("hopf")
    assert hopf.values["x"] == pytest.approx(x[0], abs=1e-9)
    assert hopf.values["z"] == pytest.approx(z[0], abs=1e-9)


def test_points_follow_the_s_curve(hr_diagram):
    total = 0
    for values in hr_diagram.points.values():
        assert set(values) == {"z", "x", "y"}
        z = models.hr_fast_equilibrium_z(values["x"], 0.5)
        assert np.allclose(z, values["z"], atol=1e-10)
        assert np.allclose(values["y"], 1 - 5 * values["x"] ** 2, atol=1e-10)
        total += len(values["z"])
    # independent count: real roots of -x^3 - 2x^2 + 1.5 - z with x inside its range, per
    # grid value; y = 1 - 5x^2 is solved from x, so (as in BrainPy) its range [-20, 5] only
    # seeds the search and may be left by up to ten spans (y >= -270, always true here)
    expected = 0
    for z in np.linspace(-5, 5, 1001):
        roots = np.roots([-1.0, -2.0, 0.0, 1.5 - z])
        x = roots[np.abs(roots.imag) < 1e-7].real
        expected += np.sum((np.abs(x) <= 3) & (1 - 5 * x ** 2 >= -270) & (1 - 5 * x ** 2 <= 255))
    assert np.min(np.concatenate([v["y"] for v in hr_diagram.points.values()])) < -20
    assert abs(total - expected) <= 2        # a fold grid value may count a double root twice


def test_spiking_envelope_lies_left_of_the_upper_fold(hr_diagram):
    (envelope,) = hr_diagram.cycle_envelopes
    # the stable cycles: the spiking ones (amplitude > 1) lie left of the upper fold at
    # z = 1.5; the others are the small cycles of the supercritical Hopf point
    spiking = envelope.maxima["x"] > envelope.minima["x"] + 1.0
    assert spiking.sum() > 10
    assert envelope.parameters["z"][spiking].max() < 1.5
    (hopf,) = hr_diagram.special("hopf")
    small = envelope.parameters["z"][~spiking]
    assert np.all(np.abs(small - hopf.values["z"]) < 0.2)


def test_trajectory_of_the_full_system(capsys):
    bp.backend.set("numpy", dt=0.02)        # the manual's int_hr uses rk4 with dt = 0.02
    analyzer = hr_analyzer(0.05, verbose=True)
    analyzer.plot_bifurcation()
    (trajectory,) = analyzer.plot_trajectory([{"x": 1.0, "y": 0.0, "z": -0.0}], duration=100.0)
    assert set(trajectory.values) == {"x", "y", "z"} and len(trajectory.ts) == 5001
    reference = models.reference_orbit(models.int_hr, [1.0, 0.0, 0.0], 100.0, (0.5,))
    expected = reference.sol(trajectory.ts)
    assert np.max(np.abs(trajectory.values["x"] - expected[0])) < 1e-3
    assert np.max(np.abs(trajectory.values["z"] - expected[2])) < 1e-6
    assert "plot trajectory ..." in capsys.readouterr().out
    result = analyzer.compute_fast_slow()
    assert result.trajectories == (trajectory,)


def test_bursting_orbit_is_found_as_a_limit_cycle():
    analyzer = bp.analysis.FastSlowBifurcation(
        models.int_hr, fast_vars={"x": [-3, 3], "y": [-20.0, 5.0]}, slow_vars={"z": [-5.0, 5.0]},
        pars_update={"Isyn": 2.0}, numerical_resolution=0.1,
        options={"verbose": False, "continuation": False, "limit_cycles": False})
    (cycle,) = analyzer.compute_limit_cycles([{"x": -1.6, "y": -12.0, "z": 2.0}],
                                             duration=4000.0)
    # bursting: several spikes per period, the slow variable oscillates
    x = cycle.values["x"]
    spikes = np.sum((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > 1.0))
    assert spikes >= 2 and np.ptp(cycle.values["z"]) > 0.05
    assert cycle.period > 100.0


def test_two_slow_variables():
    def model(x, u, v, t):
        return v - x ** 3 + u * x, 0.01 * (0.5 - x), 0.01 * (-v)

    analyzer = bp.analysis.FastSlowBifurcation(model, fast_vars={"x": [-2, 2]},
                                               slow_vars={"u": [-1, 1], "v": [-1, 1]},
                                               numerical_resolution=0.05,
                                               options={"verbose": False})
    diagram = analyzer.compute_bifurcation()
    assert diagram.codimension == 2
    # cusp: folds where v = x^3 - u x and 3 x^2 = u, i.e. v = -2 x^3 with u = 3 x^2
    folds = [b for b in diagram.branches if b.kind == "fold"]
    assert folds
    for branch in folds:
        x, u, v = branch.values["x"], branch.values["u"], branch.values["v"]
        ok = np.isfinite(x)
        assert np.allclose(u[ok], 3 * x[ok] ** 2, atol=1e-7)
        assert np.allclose(v[ok], -2 * x[ok] ** 3, atol=1e-7)


def test_fast_slow_errors():
    with pytest.raises(AnalysisError, match="`slow_vars` names 'w'"):
        bp.analysis.FastSlowBifurcation(models.int_hr, fast_vars={"x": [-3, 3], "y": [-9, 5]},
                                        slow_vars={"w": [0, 1]}, pars_update={"Isyn": 0.5})
    with pytest.raises(AnalysisError, match="share 'y'; a variable is either fast or slow"):
        bp.analysis.FastSlowBifurcation(models.int_hr, fast_vars={"x": [-3, 3], "y": [-9, 5]},
                                        slow_vars={"y": [0, 1]}, pars_update={"Isyn": 0.5})
    def four(a, b, c, d, t):
        return -a, -b, -c, -d

    with pytest.raises(AnalysisError, match="`fast_vars` has 3 entries"):
        bp.analysis.FastSlowBifurcation(four, fast_vars={"a": [-1, 1], "b": [-1, 1], "c": [0, 1]},
                                        slow_vars={"d": [0, 1]})
