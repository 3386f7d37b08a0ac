"""The manual's COBA (ch. 6) and HH/AMPA (ch. 3) networks against Brian2, a simulator nobody here wrote.

Both sides get the same connectivity (our CSR passed to Brian2's
``connect(i=..., j=...)``), the same dt, initial values and inputs, and the same
integration scheme (Brian2's ``method=`` name; the update formulas are compared
below). ``references/brian2_networks.py`` is the Brian2 side; it documents how
each manual model maps onto Brian2's schedule.

Where the arithmetic is the same the spike trains must be identical:

* COBA at dt = 0.125 ms with Euler. Brian2 computes ``dt*(El + Iexc - v)/tau + v``
  where we compute ``V + dt*((Iexc + El - V)/tau)``: with dt a power of two,
  ``(dt*x)/tau == dt*(x/tau)`` exactly and additions commute, so each step gives
  the same float (the conductances likewise), provided Brian2 does not
  precompute ``dt/tau`` (its loop-invariant optimisation is switched off) and
  adds the synaptic currents in our order. Spike increments go through
  ``numpy.add.at``, one at a time like ours. Times ``k*dt`` are exact, so the
  refractory test ``t - t_last > 5`` agrees too: the voltage traces are
  bit-for-bit identical (measured: 800 steps, 400 neurons, ~1100 spikes).
* HH/AMPA with rk4 at the manual's dt = 0.01 ms: Brian2 rewrites the rate
  functions through SymPy and forms ``k/6`` where we form ``(1/6)*k``, so the
  traces differ by rounding (measured 2e-11 mV at most); that is far from
  moving any threshold crossing by a step in 40 ms, so the spikes are
  identical as well.

Where it is not the same (COBA at the manual's dt = 0.1 ms, where
``(dt*x)/tau`` and ``dt*(x/tau)`` round differently), the voltages first
differ (by 1 ulp) at step 29; the test checks that, and compares population
rates and the CV of inter-spike intervals within 4 standard errors. (The
spikes still coincide in this run: a LIF network with resets forgets
differences of an ulp, but nothing guarantees it.)
"""

import math

import numpy as np
import pytest

import workbench as bp

from . import manual_models as mm
from .brian2_reference import run_brian2

pytestmark = pytest.mark.slow          # Brian2 in its own interpreter: ~20 s on a quiet machine

COBA_SIZES = dict(n_exc=320, n_inh=80, prob=0.1)
COBA_DURATION = 100.0
HH_SIZE, HH_DURATION, HH_DT = 12, 40.0, 0.01
PROJECTIONS = [("E2E", "E", "E", "exc"), ("E2I", "E", "I", "exc"),
               ("I2E", "I", "E", "inh"), ("I2I", "I", "I", "inh")]


def build_coba(dt, seed, backend="numba"):
    """The chapter-6 network (CobaLIF + SynVec5), not yet run; returns it and its spec."""
    bp.backend.set(backend, dt=dt)
    rng = np.random.default_rng(seed)
    groups = {"E": mm.CobaLIF(COBA_SIZES["n_exc"], monitors=["spike", "V"]),
              "I": mm.CobaLIF(COBA_SIZES["n_inh"], monitors=["spike"])}
    for group in groups.values():
        group.V = rng.normal(size=group.num) * 5. + mm.Vr
    spec = {"model": "coba", "dt": dt, "duration": COBA_DURATION, "method": "euler",
            "n_E": groups["E"].num, "n_I": groups["I"].num,
            "V0_E": groups["E"].V.copy(), "V0_I": groups["I"].V.copy(), "tau": mm.tau,
            "Vt": mm.Vt, "Vr": mm.Vr, "El": mm.El, "I": mm.I, "ref_time": mm.ref_time,
            "tau_exc": mm.tau_exc, "tau_inh": mm.tau_inh, "E_exc": mm.E_exc, "E_inh": mm.E_inh,
            "delta_exc": mm.delta_exc, "delta_inh": mm.delta_inh}
    synapses = {}
    for k, (name, pre, post, kind) in enumerate(PROJECTIONS):
        conn = bp.connect.FixedProb(COBA_SIZES["prob"], seed=seed + k)
        synapses[name] = mm.SynVec5(pre=groups[pre], post=groups[post], conn=conn,
                                    tau=getattr(mm, f"tau_{kind}"),
                                    weight=getattr(mm, f"delta_{kind}"), E=getattr(mm, f"E_{kind}"))
        spec[f"i_{name}"], spec[f"j_{name}"] = synapses[name].conn.requires("pre_ids", "post_ids")
    net = bp.Network(groups["E"], groups["I"], **synapses)
    return net, groups, spec


def build_hh_ampa(seed):
    """Chapter 3.3: HH neurons, All2All AMPA with a 1.5 ms delay; varied initial V and input."""
    bp.backend.set("numba", dt=HH_DT)
    rng = np.random.default_rng(seed)
    group = mm.HH(HH_SIZE, monitors=["V", "spike"])
    group.V = rng.uniform(-70., -55., HH_SIZE)
    current = rng.uniform(8., 14., HH_SIZE)
    syn = mm.AMPA(pre=group, post=group, conn=bp.connect.All2All(), delay=1.5)
    pre_ids, post_ids = syn.conn.requires("pre_ids", "post_ids")
    spec = {"model": "hh_ampa", "dt": HH_DT, "duration": HH_DURATION, "method": "rk4", "n": HH_SIZE,
            "V0": group.V.copy(), "m0": group.m.copy(), "h0": group.h.copy(), "n0": group.n.copy(),
            "I_input": current, "i": pre_ids, "j": post_ids, "delay": 1.5,
            "ENa": 50., "EK": -77., "EL": -54.387, "C": 1.0, "gNa": 120., "gK": 36., "gL": 0.03,
            "V_th": 20., "g_max": syn.g_max, "E": syn.E, "tau": syn.tau}
    net = bp.Network(group, syn)
    return net, group, current, spec


def spike_set(spikes):
    steps, neurons = np.nonzero(spikes)
    return set(zip(steps.tolist(), neurons.tolist()))


@pytest.fixture(scope="module")
def runs():
    """Our runs (numba), and Brian2's on the same specs, in one Brian2 process."""
    ours, spec = {}, {}
    for label, dt in (("exact", 0.125), ("manual_dt", 0.1)):
        net, groups, coba_spec = build_coba(dt, seed=21)
        net.run(COBA_DURATION)
        ours[label] = {name: (g.mon.spike.copy(), g.mon.V.copy() if name == "E" else None)
                       for name, g in groups.items()}
        spec.update({f"coba_{label}.{k}": v for k, v in coba_spec.items()})
    net, group, current, hh_spec = build_hh_ampa(seed=4)
    net.run(HH_DURATION, inputs=(group, "input", current))
    ours["hh"] = group.mon.spike.copy(), group.mon.V.copy()
    spec.update({f"hh_ampa.{k}": v for k, v in hh_spec.items()})
    return ours, run_brian2(spec)


def test_update_formulas_are_the_same_scheme(runs):
    """Brian2's euler / rk4 / exponential_euler formulas against our integrators, on numbers."""
    _, brian2 = runs
    El, tau, dt = -60., 20., 0.125
    bp.backend.set("numba", dt=dt)

    def dev_V(V, t, Iexc):
        return (Iexc + El - V) / tau

    rng = np.random.default_rng(1)
    for method in ("euler", "rk4", "exponential_euler"):
        code = str(brian2[f"code.{method}_v"])
        ours = bp.odeint(dev_V, method=method, dt=dt)
        for v, Iexc in rng.uniform(-80., 40., size=(50, 2)):
            namespace = {"v": v, "Iexc": Iexc, "El": El, "tau": tau, "dt": dt, "exp": math.exp}
            exec(code, namespace)
            # v relaxes to Iexc + El: exponential Euler is the linear ODE's exact step
            exact = (Iexc + El) + (v - (Iexc + El)) * math.exp(-dt / tau)
            if method == "euler":
                assert namespace["v"] == ours(v, 0., Iexc)              # bit for bit (dt = 2^-3)
            elif method == "rk4":
                assert namespace["v"] == pytest.approx(ours(v, 0., Iexc), rel=1e-15, abs=1e-13)
            else:                                                       # exact for linear ODEs
                assert namespace["v"] == pytest.approx(exact, rel=1e-14, abs=1e-12)
                assert ours(v, 0., Iexc) == pytest.approx(exact, rel=1e-14, abs=1e-12)
    code = str(brian2["code.euler_g"])
    for g in rng.uniform(0., 5., 20):
        namespace = {"g": g, "tau": 5., "dt": dt}
        exec(code, namespace)
        assert namespace["g"] == g + dt * (-g / 5.)                     # our Euler step, exactly


def test_coba_spike_trains_are_identical_to_brian2_where_the_arithmetic_is(runs):
    ours, brian2 = runs
    for name in ("E", "I"):
        spikes = spike_set(ours["exact"][name][0])
        assert len(spikes) > 20 * ours["exact"][name][0].shape[1] * COBA_DURATION / 1000.  # > 20 Hz
        theirs = set(zip(brian2[f"coba_exact.spike_step_{name}"].tolist(),
                         brian2[f"coba_exact.spike_i_{name}"].tolist()))
        assert spikes == theirs, f"{name}: first differing spike {min(spikes ^ theirs)}"
    np.testing.assert_array_equal(ours["exact"]["E"][1], brian2["coba_exact.v_E"])


def _rate_and_cv(spikes, dt):
    """Population rate (Hz) and mean CV of the ISIs of neurons with >= 3 spikes, with SEs."""
    counts = spikes.sum(axis=0)
    rate = counts.mean() / (spikes.shape[0] * dt) * 1000.
    rate_se = math.sqrt(max(counts.sum(), 1)) / counts.size / (spikes.shape[0] * dt) * 1000.
    cvs = []
    for column in spikes.T:
        times = np.nonzero(column)[0]
        if times.size >= 3:
            isi = np.diff(times)
            cvs.append(isi.std() / isi.mean())
    cvs = np.array(cvs)
    return rate, rate_se, cvs.mean(), cvs.std() / math.sqrt(cvs.size)


def test_coba_at_the_manuals_dt_agrees_statistically(runs):
    """dt = 0.1: rounding differs (see the module docstring); rates and ISI CVs agree."""
    ours, brian2 = runs
    V_ours, V_brian2 = ours["manual_dt"]["E"][1], brian2["coba_manual_dt.v_E"]
    differs = np.nonzero(np.any(V_ours != V_brian2, axis=1))[0]
    # Euler's dt*(x/tau) and Brian2's (dt*x)/tau round differently: first at step 29
    assert differs.size > 0 and differs[0] == 29, "the arithmetic was expected to differ here"
    assert np.max(np.abs(V_ours[:differs[0] + 1] - V_brian2[:differs[0] + 1])) < 1e-12
    for name in ("E", "I"):
        spikes = ours["manual_dt"][name][0]
        theirs = np.zeros_like(spikes)
        theirs[brian2[f"coba_manual_dt.spike_step_{name}"], brian2[f"coba_manual_dt.spike_i_{name}"]] = 1
        rate, rate_se, cv, cv_se = _rate_and_cv(spikes, 0.1)
        rate_b, rate_se_b, cv_b, cv_se_b = _rate_and_cv(theirs, 0.1)
        assert rate > 20.
        assert abs(rate - rate_b) <= 4 * math.hypot(rate_se, rate_se_b), (name, rate, rate_b)
        assert abs(cv - cv_b) <= 4 * math.hypot(cv_se, cv_se_b) + 1e-12, (name, cv, cv_b)


def test_hh_ampa_spikes_are_identical_to_brian2(runs):
    ours, brian2 = runs
    spikes, V = ours["hh"]
    mine = spike_set(spikes)
    theirs = set(zip(brian2["hh_ampa.spike_step"].tolist(), brian2["hh_ampa.spike_i"].tolist()))
    assert len(mine) >= 2 * HH_SIZE                    # every neuron fires repeatedly
    assert mine == theirs, f"first differing spike (step, neuron): {min(mine ^ theirs)}"
    # rounding differs (SymPy-ordered rate functions, k/6 against (1/6) k): traces stay close
    assert V.shape == brian2["hh_ampa.v_trace"].shape
    assert np.max(np.abs(V - brian2["hh_ampa.v_trace"])) < 1e-9


def test_numba_parallel_gives_the_same_spikes_as_serial_numba(runs):
    ours, _ = runs
    net, groups, _ = build_coba(0.1, seed=21, backend="numba-parallel")
    net.run(COBA_DURATION)
    for name in ("E", "I"):
        np.testing.assert_array_equal(groups[name].mon.spike, ours["manual_dt"][name][0])
    np.testing.assert_array_equal(groups["E"].mon.V, ours["manual_dt"]["E"][1])
