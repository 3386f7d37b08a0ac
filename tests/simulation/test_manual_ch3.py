"""Manual chapter 3 (Neurodynamics simulation): LIF, HH on arrays, AMPA with delay, Network."""

import re

import numpy as np
import pytest

import workbench as bp

from tests.reference import hh_upward_crossings, scalar_euler_lif

from .manual_models import AMPA, HH, LIF


def _onsets(spike):
    """Rising edges: the manual's LIF leaves spike at 1 during the refractory period."""
    return np.diff(spike, axis=0, prepend=0.) > 0


def test_lif_run_and_continue(backend, capsys):
    group = LIF(100, monitors=['V'])
    group.run(duration=200., inputs=('input', 26.), report=True)
    assert group.mon.V.shape == (2000, 100)
    out = capsys.readouterr().out
    assert out.count("Run ") == 10 and "Simulation is done in" in out
    group.run(duration=(200, 400.), report=True)
    np.testing.assert_allclose(group.mon.ts[[0, -1]], [200., 399.9])
    assert re.search(r"Compilation used \d\.\d{4} s\.", capsys.readouterr().out)


def test_lif_spike_times_against_reference(backend):
    group = LIF(4, monitors=['spike'])
    group.run(duration=200., inputs=('input', 26.))
    reference = scalar_euler_lif(2000, 26.)         # bp.odeint's default method is Euler
    for neuron in range(4):
        np.testing.assert_allclose(group.mon.ts[_onsets(group.mon.spike)[:, neuron]], reference,
                                   atol=1e-9)


def test_lif_continuing_run_keeps_spiking_on_time(backend):
    """Continuing with the same input: spikes at the times one long run gives."""
    long = LIF(1, monitors=['spike'])
    long.run(duration=400., inputs=('input', 26.))
    split = LIF(1, monitors=['spike'])
    split.run(duration=200., inputs=('input', 26.))
    first = split.mon.spike.copy()
    split.run(duration=(200., 400.), inputs=('input', 26.))
    np.testing.assert_array_equal(np.concatenate([first, split.mon.spike]), long.mon.spike)


def test_hh_spike_count_against_solve_ivp(backend):
    bp.backend.set(dt=0.01)             # the integrator's dt = 0.01: one ODE step per time step
    group = HH(10, monitors=['V', 'spike'])
    group.run(60., inputs=('input', 10.))
    assert group.mon.V.shape == (6000, 10)
    counts = group.mon.spike.sum(axis=0)
    assert np.all(counts == hh_upward_crossings(60., Iext=10.))


@pytest.fixture(scope="module")
def ampa_runs():
    """The chapter's HH + AMPA network, run on numpy and on numba."""
    results = {}
    for backend in ("numpy", "numba"):
        bp.backend.set(backend, dt=0.1)
        group = HH(10, monitors=['V', 'spike'])
        syn = AMPA(pre=group, post=group, conn=bp.connect.All2All(), delay=1.5, monitors=['s'])
        net = bp.Network(group, syn)
        elapsed = net.run(duration=200., inputs=(group, "input", 20.))
        results[backend] = (group, syn, elapsed)
    return results


def test_network_of_hh_and_ampa(ampa_runs):
    group, syn, elapsed = ampa_runs["numpy"]
    assert elapsed > 0
    assert group.mon.V.shape == (2000, 10) and syn.mon.s.shape == (2000, 100)   # 2-D as in BrainPy 1.0.2
    assert group.mon.spike.sum() > 10
    assert syn.mon.s.max() > 0.5          # all-to-all: every spike raises a whole row of s


def test_network_numpy_and_numba_agree(ampa_runs):
    (g1, s1, _), (g2, s2, _) = ampa_runs["numpy"], ampa_runs["numba"]
    np.testing.assert_array_equal(g1.mon.spike, g2.mon.spike)
    np.testing.assert_allclose(g1.mon.V, g2.mon.V, rtol=0, atol=1e-8)
    np.testing.assert_allclose(s1.mon.s, s2.mon.s, rtol=0, atol=1e-10)


def test_ampa_delay_reaches_the_post_group_after_1_5_ms(ampa_runs):
    """Synaptic current starts exactly 15 steps (1.5 ms) after the first spike raises s."""
    group, syn, _ = ampa_runs["numpy"]
    first_s = np.flatnonzero(syn.mon.s.reshape(2000, -1).max(axis=1) > 0)[0]
    free = HH(10, monitors=['V'])         # the same neurons without the synapse
    bp.backend.set("numpy")
    free.run(200., inputs=('input', 20.))
    diverged = np.flatnonzero(np.abs(free.mon.V - group.mon.V).max(axis=1) > 0)[0]
    # the pulled conductance enters post.input at step first_s + 15; V changes one step later
    assert diverged == first_s + 15 + 1
