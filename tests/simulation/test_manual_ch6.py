"""Manual chapter 6 (Efficient synaptic computation): the seven COBA synapse variants.

The network is the chapter's, scaled down (300 neurons, p = 0.1) so that every
variant runs on both backends within the test budget; ``benchmarks/coba.py``
runs the full 4,000-neuron network.
"""

import numpy as np
import pytest

import workbench as bp

from . import manual_models as mm

VARIANTS = ["SynMat1", "SynMat2", "SynVec1", "SynVec2", "SynVec3", "SynVec4", "SynVec5"]
SIZES = dict(n_exc=240, n_inh=60, prob=0.1, duration=30., seed=11)


@pytest.fixture(scope="module")
def runs():
    """Every variant on numba and numpy, same connectivity and initial state."""
    results = {}
    for backend in ("numba", "numpy"):
        bp.backend.set(backend, dt=0.1)
        for name in VARIANTS:
            _, net, E, I = mm.run_net(mm.CobaLIF, getattr(mm, name), **SIZES)
            results[backend, name] = (E.mon.spike.copy(), I.mon.spike.copy())
    return results


@pytest.mark.parametrize("name", VARIANTS)
def test_numpy_and_numba_give_the_same_spikes(runs, name):
    e_numba, i_numba = runs["numba", name]
    e_numpy, i_numpy = runs["numpy", name]
    np.testing.assert_array_equal(e_numba, e_numpy)
    np.testing.assert_array_equal(i_numba, i_numpy)


def test_per_post_variants_are_identical(runs):
    """SynVec3 (pre2post) and SynVec5 (pre_slice/post_ids) add the same numbers in order."""
    for backend in ("numba", "numpy"):
        np.testing.assert_array_equal(runs[backend, "SynVec3"][0], runs[backend, "SynVec5"][0])


def test_all_variants_simulate_the_same_network(runs):
    """Per-synapse and per-neuron conductances differ only by rounding: same rates."""
    rates = {name: runs["numba", name][0].mean() * 1e4 for name in VARIANTS}   # Hz, dt = 0.1
    reference = rates["SynVec5"]
    assert reference > 5.
    for name, rate in rates.items():
        assert abs(rate - reference) < 0.05 * reference, (name, rates)
    # and the same spikes for the first ms, before rounding differences can grow
    first = runs["numba", "SynVec5"][0][:100]
    for name in VARIANTS:
        np.testing.assert_array_equal(runs["numba", name][0][:100], first)


def test_neuron_group_alone(backend):
    """The chapter's check of the LIF group without synapses (input 5 mA, 100 ms)."""
    np.random.seed(3)
    group = mm.CobaLIF(400, monitors=['spike'])
    group.V = np.random.randn(400) * 5. + mm.Vr
    group.run(100., inputs=('input', 5.))
    # update() sets input to I = 20 after every step, and the run's input adds 5 before it:
    # V relaxes to El + 25 = -35 > Vt, so every neuron fires regularly
    counts = group.mon.spike.sum(axis=0)
    assert counts.min() >= 4 and counts.max() <= 8
