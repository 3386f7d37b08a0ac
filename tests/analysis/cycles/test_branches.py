"""Cycle branches against AUTO (xpplab), solve_ivp and closed forms."""

import re

import numpy as np
import pytest

import workbench as bp
from workbench.analysis.results import LimitCycle
from workbench.errors import AnalysisError

from .. import models as shared
from . import models

FHN_AUTO = models.AUTO["fhn"]
HR_AUTO = models.AUTO["hr_fast"]


def fhn_analyzer(integral=shared.int_fhn, **options):
    return bp.analysis.Bifurcation(integral, target_pars={"Iext": [0.0, 1.5]},
                                   target_vars={"V": [-3, 3], "w": [-3.0, 3.0]},
                                   numerical_resolution=0.01,
                                   options=dict({"verbose": False}, **options))


@pytest.fixture(scope="module")
def fhn():
    return fhn_analyzer().compute_bifurcation()


def exec_fhn():
    """FHN defined through exec (no source text) with numpy calls SymPy cannot trace.

    The numeric path (central differences for every derivative) is taken.
    """
    namespace = {"a": 0.7, "b": 0.8, "tau": 12.5, "np": np}
    exec("def fhn_exec(V, w, t, Iext):\n"
         "    cube = np.exp(3.0 * np.log(np.abs(V))) * np.sign(V)\n"
         "    return V - cube / 3 - w + Iext, (V + a - b * w) / tau\n", namespace)
    return namespace["fhn_exec"]


def test_fhn_folds_of_cycles_match_auto(fhn):
    folds = fhn.special("cycle_fold")
    assert [p.label for p in folds] == ["LPC1", "LPC2"]
    # AUTO reports spurious extra LPs on the canard; the true ones are 0.324179 and 1.425821
    auto = sorted({round(v, 6) for v in FHN_AUTO["cycle_folds"]} - {0.330227})
    assert auto == [0.324179, 1.425821]
    for point, expected in zip(folds, auto):
        assert point.values["Iext"] == pytest.approx(expected, abs=1e-6)
        assert np.min(np.abs(point.eigenvalues - 1.0)) < 1e-9          # trivial multiplier
        assert np.sort(np.abs(point.eigenvalues - 1.0))[1] < 1e-3      # a second one at 1


def test_fhn_branch_from_the_subcritical_hopf_point(fhn):
    (branch,) = fhn.cycle_branches
    assert branch.kind == "cycle"
    names = {"Iext", "period", "V_max", "V_min", "w_max", "w_min"}
    assert set(branch.values) == names and branch.multipliers.shape == (len(branch.stable), 2)
    V, w, Iext = shared.fhn_hopf_points()
    omega = np.sqrt(np.linalg.det(shared.fhn_jacobian(V[0])))       # trace 0 at the Hopf point
    assert branch.values["Iext"][0] == pytest.approx(Iext[0], abs=1e-12)
    assert branch.values["period"][0] == pytest.approx(2 * np.pi / omega, rel=1e-9)
    # both Hopf points are subcritical: the cycles near them are unstable, and the branch
    # runs from H1 to H2 (it is not started again from H2)
    assert not branch.stable[0] and not branch.stable[-1]
    assert branch.values["Iext"][-1] == pytest.approx(Iext[1], abs=5e-3)
    assert len(fhn.special("hopf")) == 2


@pytest.mark.parametrize("Iext", [1.346, 1.385])
def test_fhn_stable_cycle_is_the_only_attractor(fhn, Iext):
    (branch,) = fhn.cycle_branches
    p, stable = branch.values["Iext"], branch.stable
    crossings = np.flatnonzero((p[:-1] - Iext) * (p[1:] - Iext) <= 0)
    stable_crossings = [k for k in crossings if stable[k] and stable[k + 1]]
    assert len(stable_crossings) == 1
    (equilibrium,) = fhn.branches
    k = np.argmin(np.abs(equilibrium.values["Iext"] - Iext))
    assert not equilibrium.stable[k]                       # between the Hopf points
    # AUTO's stable cycles around the same value have the same period
    auto = [q for q in FHN_AUTO["points"] if q["stable"] and abs(q["parameter"] - Iext) < 0.02]
    k = stable_crossings[0]
    weight = (Iext - p[k]) / (p[k + 1] - p[k])
    period = branch.values["period"][k] + weight * (branch.values["period"][k + 1] -
                                                   branch.values["period"][k])
    reference, _, _ = models.simulated_period(shared.int_fhn, [0.0, 0.0], (Iext,), 400.0)
    assert period == pytest.approx(reference, rel=2e-3)   # linear interpolation between points
    auto = sorted((q["parameter"], q["period"]) for q in auto)
    assert np.interp(Iext, *zip(*auto)) == pytest.approx(period, rel=2e-3)


def test_fhn_periods_and_extremes_on_the_stable_part_match_solve_ivp(fhn):
    (branch,) = fhn.cycle_branches
    stable = np.flatnonzero(branch.stable & (branch.values["Iext"] > 0.4)
                            & (branch.values["Iext"] < 1.4))
    for k in stable[np.linspace(0, len(stable) - 1, 3).astype(int)]:
        Iext = branch.values["Iext"][k]
        period, high, low = models.simulated_period(shared.int_fhn, [0.0, 0.0], (Iext,), 400.0)
        assert branch.values["period"][k] == pytest.approx(period, rel=1e-7)
        # extremes come from the piecewise polynomial between the mesh points, whose error is
        # O(h^5) (the mesh points themselves are superconvergent): 1e-5 with 40 intervals
        assert branch.values["V_max"][k] == pytest.approx(high, abs=1e-5)
        assert branch.values["V_min"][k] == pytest.approx(low, abs=1e-5)


def test_exec_defined_model_gives_the_same_branch(fhn):
    analyzer = fhn_analyzer(exec_fhn())
    numeric = analyzer.compute_bifurcation()
    assert analyzer.system.symbolic is None                  # the numeric path was taken
    assert numeric.cycle_branches and [p.label for p in numeric.special("cycle_fold")] == \
        ["LPC1", "LPC2"]
    for ours, theirs in zip(numeric.special("cycle_fold"), fhn.special("cycle_fold")):
        assert ours.values["Iext"] == pytest.approx(theirs.values["Iext"], abs=1e-6)
    (branch,) = numeric.cycle_branches
    (reference,) = fhn.cycle_branches
    # the same curve: periods at matching parameters on the stable part
    for Iext in (0.6, 1.0):
        def period_at(b):
            p = b.values["Iext"]
            k = np.flatnonzero(b.stable[:-1] & b.stable[1:] & ((p[:-1] - Iext) * (p[1:] - Iext)
                                                               <= 0))[0]
            return np.interp(Iext, p[k:k + 2], b.values["period"][k:k + 2])
        assert period_at(branch) == pytest.approx(period_at(reference), rel=1e-4)


def test_hindmarsh_rose_fast_subsystem_homoclinic_ends_match_auto():
    analyzer = bp.analysis.FastSlowBifurcation(
        shared.int_hr, fast_vars={"x": [-3, 3], "y": [-10.0, 5.0]}, slow_vars={"z": [-5.0, 5.0]},
        pars_update={"Isyn": 2.0}, numerical_resolution=0.01, options={"verbose": False})
    diagram = analyzer.compute_bifurcation()
    ends = sorted(p.values["z"] for p in diagram.special("homoclinic"))
    # the spiking branch (started from a simulated cycle: its Hopf point lies at z < -5) and
    # the small cycles of the supercritical Hopf point both end in homoclinic orbits
    assert ends == pytest.approx([HR_AUTO["spiking_branch"]["parameter_at_longest"],
                                  HR_AUTO["hopf_branch"]["parameter_at_longest"]], abs=2e-6)
    assert ends[0] == pytest.approx(2.0856, abs=1e-4)
    spiking = max(diagram.cycle_branches, key=lambda b: np.max(b.values["x_max"]))
    assert np.all(spiking.stable[spiking.values["z"] < 2.08])
    # periods on the stable part against solve_ivp
    k = np.argmin(np.abs(spiking.values["z"] - 1.0))
    z = spiking.values["z"][k]
    period, high, low = models.simulated_period(
        lambda x, y, t, z: (y - x ** 3 + 3 * x ** 2 - z + 2.0, 1 - 5 * x ** 2 - y),
        [1.0, -5.0], (z,), 300.0)
    assert spiking.values["period"][k] == pytest.approx(period, rel=1e-7)
    assert spiking.values["x_max"][k] == pytest.approx(high, abs=1e-5)


def test_morris_lecar_snic_period_grows_without_bound():
    analyzer = bp.analysis.Bifurcation(models.ml_snic, target_pars={"I": [30.0, 60.0]},
                                       target_vars={"V": [-80, 60], "w": [-0.1, 1.0]},
                                       numerical_resolution={"V": 1.0, "w": 0.01, "I": 0.1},
                                       options={"verbose": False})
    diagram = analyzer.compute_bifurcation()
    (fold,) = diagram.special("fold")
    (end,) = diagram.special("homoclinic")
    (branch,) = diagram.cycle_branches
    # no Hopf point in range: the branch starts from a simulated spike train and follows it
    # down to the saddle-node on the invariant circle, where the period diverges like
    # (I - I_SN)^(-1/2)
    assert end.values["I"] == pytest.approx(fold.values["I"], abs=5e-3)
    assert end.values["period"] > 2000.0 and np.all(branch.stable)
    order = np.argsort(branch.values["I"])
    periods = branch.values["period"][order]
    assert np.all(np.diff(periods) < 0)
    shift = branch.values["I"][order] - fold.values["I"]
    far = shift > 1.0
    # T^2 (I - I_SN) tends to a constant near the fold
    product = periods[~far][-5:] ** 2 * shift[~far][-5:]
    assert np.ptp(product) < 0.25 * np.mean(product)


def test_simulation_envelope_stays_available():
    diagram = fhn_analyzer(cycle_envelope="simulation").compute_bifurcation()
    assert diagram.cycle_branches == ()
    (envelope,) = diagram.cycle_envelopes
    assert len(envelope) > 10 and diagram.special("cycle_fold") == []


def test_cycle_options_are_checked():
    with pytest.raises(AnalysisError, match=r"`options`\['cycle_envelope'\]='auto' is not allowed"):
        fhn_analyzer(cycle_envelope="auto")
    with pytest.raises(AnalysisError, match=r"`options`\['cycle_intervals'\]=3 must be an integer"):
        fhn_analyzer(cycle_intervals=3)


def simulated_cycle(Iext):
    """One period of the FHN cycle at Iext from scipy (settled for 300 time units)."""
    period, _, _ = models.simulated_period(shared.int_fhn, [0.0, 0.0], (Iext,), 300.0)
    settle = shared.reference_orbit(shared.int_fhn, [0.0, 0.0], 300.0, (Iext,))
    start = settle.sol(300.0)
    run = shared.reference_orbit(shared.int_fhn, list(start), period, (Iext,))
    ts = np.linspace(0.0, period, 500)
    V, w = run.sol(ts)
    return LimitCycle(ts, {"V": V, "w": w}, period, {"V": start[0], "w": start[1]})


def test_branch_through_a_given_cycle_is_the_hopf_branch(fhn):
    analyzer = fhn_analyzer()
    branch, specials = analyzer.compute_cycle_branch(simulated_cycle(0.8), 0.8)
    assert branch.kind == "cycle" and np.any(branch.stable)
    folds = [p for p in specials if p.kind == "cycle_fold"]
    assert len(folds) >= 1
    expected = [p.values["Iext"] for p in fhn.special("cycle_fold")]
    for point in folds:
        assert min(abs(point.values["Iext"] - e) for e in expected) < 1e-6
    # a dict works as well, and bad input is refused early with the value
    cycle = simulated_cycle(0.8)
    as_dict = {"ts": cycle.ts, "values": dict(cycle.values), "period": cycle.period}
    with pytest.raises(AnalysisError, match=r"`value`=2.0 must be a number in the range of "
                                            r"'Iext', \[0.0, 1.5\]"):
        analyzer.compute_cycle_branch(as_dict, 2.0)
    with pytest.raises(AnalysisError, match="`cycle` has no values of 'w'"):
        analyzer.compute_cycle_branch({"ts": cycle.ts, "values": {"V": cycle.values["V"]},
                                       "period": cycle.period}, 0.8)
    with pytest.raises(AnalysisError, match="could not be corrected onto a periodic orbit"):
        analyzer.compute_cycle_branch(dict(as_dict, values={"V": 0 * cycle.ts + 5.0,
                                                             "w": 0 * cycle.ts - 5.0}), 0.8)


def test_failed_continuation_says_where_and_keeps_the_branch(fhn):
    from workbench.analysis.cycles import cycle_branches
    analyzer = fhn_analyzer(limit_cycles=False)
    diagram = analyzer.compute_bifurcation()
    # three Newton iterations are too few for a step of this branch (where depends on the
    # corrector: the test checks that the message names the end of what is returned)
    with pytest.warns(RuntimeWarning, match=r"periodic-orbit continuation did not converge "
                                            r"beyond parameter = [\d.]+ \(period [\d.]+, last "
                                            r"step [\d.e-]+\); the branch computed so far is "
                                            r"returned") as record:
        branches, _ = cycle_branches(analyzer.system, diagram.special("hopf")[:1], (0.0, 1.5),
                                     np.array([6.0, 6.0]), {"max_iterations": 3, "ds_min": 1e-3})
    branch = branches[0]
    assert len(branch.values["Iext"]) > 10
    # the place named is the end of the branch returned
    where = float(re.search(r"parameter = ([\d.]+)", str(record[0].message)).group(1))
    assert where == pytest.approx(branch.values["Iext"][-1], abs=1e-9)
    assert branch.values["Iext"][0] == pytest.approx(diagram.special("hopf")[0].values["Iext"])


def test_rossler_period_doubling_matches_auto():
    from workbench.analysis.cycles import cycle_branch_from_orbit
    from workbench.analysis.cycles.seeds import one_period
    auto = models.AUTO["rossler"]
    system = models.RosslerSystem()
    # settle on the period-1 orbit at a = 2.5 (scipy), then continue towards larger a
    settle = shared.reference_orbit(lambda x, y, z, t, a: tuple(system.f_point([x, y, z], [a])),
                                    [1.0, 1.0, 0.0], 400.0, (2.5,))
    times, values = one_period(system, settle.sol(400.0), auto["start_period"], 2.5)
    branch, specials = cycle_branch_from_orbit(system, times, values, auto["start_period"], 2.5,
                                               (2.0, 3.5), np.array([10.0, 10.0, 10.0]))
    doublings = [p for p in specials if p.kind == "period_doubling"]
    assert [p.label for p in doublings] == ["PD1"]
    assert doublings[0].values["a"] == pytest.approx(auto["period_doublings"][0], abs=1e-7)
    assert doublings[0].values["period"] == pytest.approx(auto["period_at_doubling"][0], rel=1e-7)
    # a multiplier at -1 there, and the trivial one at 1 (monodromy path, three dimensions)
    assert np.min(np.abs(doublings[0].eigenvalues + 1.0)) < 1e-6
    assert np.min(np.abs(doublings[0].eigenvalues - 1.0)) < 1e-6
    a = branch.values["a"]
    assert np.all(branch.stable[a < doublings[0].values["a"] - 1e-3])
    assert not np.any(branch.stable[a > doublings[0].values["a"] + 1e-3])
