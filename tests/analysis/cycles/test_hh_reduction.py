"""A Hodgkin-Huxley reduction (class II excitability): subcritical Hopf and a fold of cycles.

Rinzel's two-variable reduction of the Hodgkin-Huxley equations (m at its steady
state, h = 0.8 - n). Its rest state loses stability at a subcritical Hopf point; the
unstable cycles born there turn at a fold of cycles into the stable spiking cycles, so
rest and spiking coexist between the two. References: solve_ivp at rtol 1e-10 for the
periods and extremes of the stable cycles and for the coexistence, and the sign of the
first Lyapunov coefficient against the direction of the branch (Kuznetsov, Thm. 3.3).
"""

import numpy as np
import pytest

import workbench as bp

from . import models


def hh_reduced(V, n, t, I):
    am = 0.1 * (V + 40.) / (1. - np.exp(-(V + 40.) / 10.))
    bm = 4. * np.exp(-(V + 65.) / 18.)
    an = 0.01 * (V + 55.) / (1. - np.exp(-(V + 55.) / 10.))
    bn = 0.125 * np.exp(-(V + 65.) / 80.)
    m = am / (am + bm)
    dV = I - 120. * m ** 3 * (0.8 - n) * (V - 50.) - 36. * n ** 4 * (V + 77.) - 0.3 * (V + 54.387)
    dn = an * (1. - n) - bn * n
    return dV, dn


@pytest.fixture(scope="module")
def diagram():
    analyzer = bp.analysis.Bifurcation(bp.odeint(hh_reduced), target_pars={"I": [0., 20.]},
                                       target_vars={"V": [-90., 60.], "n": [0., 0.8]},
                                       numerical_resolution=0.05, options={"verbose": False})
    with np.errstate(invalid="ignore", divide="ignore"):     # 0/0 of the rate functions
        return analyzer.compute_bifurcation()


def test_rest_state_loses_stability_at_a_subcritical_hopf_point(diagram):
    (hopf,) = diagram.special("hopf")
    assert 8.0 < hopf.values["I"] < 9.5
    assert hopf.criticality == "subcritical" and hopf.first_lyapunov > 0
    # at the Hopf point the eigenvalues are a purely imaginary pair
    assert np.max(np.abs(hopf.eigenvalues.real)) < 1e-8 * np.max(np.abs(hopf.eigenvalues))


def test_cycles_from_the_hopf_point_are_unstable_until_the_fold_of_cycles(diagram):
    (hopf,) = diagram.special("hopf")
    (fold,) = diagram.special("cycle_fold")
    (branch,) = diagram.cycle_branches
    I = branch.values["I"]
    # subcritical: the unstable cycles are born on the side where the rest state is stable
    # (below the Hopf current), then turn at the fold of cycles into the stable spiking cycles
    assert fold.values["I"] < hopf.values["I"]
    near_hopf = np.argmin(np.abs(I - hopf.values["I"]) + 1e3 * (branch.values["period"] > 15))
    assert not branch.stable[near_hopf]
    assert np.all(branch.stable[I > hopf.values["I"] + 0.5])
    assert I.min() == pytest.approx(fold.values["I"], abs=1e-6)
    # the fold is where a Floquet multiplier other than the trivial one crosses 1
    assert np.sort(np.abs(fold.eigenvalues - 1.0))[1] < 1e-3


@pytest.mark.parametrize("I", [10.0, 15.0])
def test_stable_cycle_periods_and_extremes_match_solve_ivp(diagram, I):
    (branch,) = diagram.cycle_branches
    k = np.argmin(np.abs(branch.values["I"] - I) + 1e3 * ~branch.stable)   # a stable point near I
    at = branch.values["I"][k]
    with np.errstate(invalid="ignore", divide="ignore"):
        reference, high, low = models.simulated_period(hh_reduced, [-60.0, 0.4], (at,), 300.0)
    assert branch.values["period"][k] == pytest.approx(reference, rel=1e-6)
    assert branch.values["V_max"][k] == pytest.approx(high, abs=1e-3)
    assert branch.values["V_min"][k] == pytest.approx(low, abs=1e-3)


def test_rest_and_spiking_coexist_between_the_fold_of_cycles_and_the_hopf_point(diagram):
    (hopf,) = diagram.special("hopf")
    (fold,) = diagram.special("cycle_fold")
    I = 0.5 * (hopf.values["I"] + fold.values["I"])
    rest = [b for b in diagram.branches if b.kind == "equilibrium"]
    rest_V = [np.interp(I, b.values["I"], b.values["V"]) for b in rest
              if b.values["I"].min() <= I <= b.values["I"].max()]
    with np.errstate(invalid="ignore", divide="ignore"):
        # started near rest: stays at rest; started at a spike: keeps spiking
        period, high, low = models.simulated_period(hh_reduced, [20.0, 0.6], (I,), 300.0)
        from scipy import integrate
        quiet = integrate.solve_ivp(lambda t, y: hh_reduced(*y, t, I), (0, 300.),
                                    [rest_V[0] + 0.5, 0.395], rtol=1e-10, atol=1e-12)
    assert high > 20.0 and np.isfinite(period)
    assert np.ptp(quiet.y[0][quiet.t > 200.]) < 1e-3
