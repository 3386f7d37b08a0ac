"""bp.inputs.SpikeTimeInput / PoissonInput / FreqInput on the numpy and numba backends."""

import numpy as np
import pytest

import workbench as bp
from tests.references import brainpy_compat

BACKENDS = ["numpy", "numba"]


def fired(group):
    """(step, neuron) pairs of the last run's spikes."""
    return np.argwhere(group.mon.spike.reshape(len(group.mon.ts), -1)).tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_spike_time_input_emits_brainpys_spikes_and_repeats_them(backend):
    bp.backend.set(backend, dt=0.1)
    for case in brainpy_compat()["spike_time_input"]:
        if case["backend"] != backend:
            continue
        size = tuple(case["size"]) if isinstance(case["size"], list) else case["size"]
        group = bp.inputs.SpikeTimeInput(size, case["times"], case["indices"],
                                         monitors=["spike"])
        group.run(case["duration"])
        assert fired(group) == case["spikes"], case
        # BrainPy emits nothing on a second run from t = 0 (its cursor is not reset);
        # the same window gives the same input here
        n = bp.jit_compilations()
        group.run(case["duration"])
        assert fired(group) == case["spikes"], case
        assert bp.jit_compilations() == n


@pytest.mark.parametrize("backend", BACKENDS)
def test_spike_time_input_sorts_times_with_their_neurons_and_continues_runs(backend):
    bp.backend.set(backend, dt=0.1)
    # BrainPy 1.0.2 sorts the times without their indices (both neurons fire at 3 ms there)
    group = bp.inputs.SpikeTimeInput(2, times=[3., 1., 5.5], indices=[1, 0, 1],
                                     monitors=["spike"])
    group.run(4.)
    assert fired(group) == [[10, 0], [30, 1]]
    group.run((4., 8.))                       # a continued run emits the spikes of its window
    assert fired(group) == [[15, 1]]
    assert group.mon.ts[15] == pytest.approx(5.5)


def test_spike_time_input_without_indices_fires_every_neuron():
    group = bp.inputs.SpikeTimeInput((2, 2), times=[0.2, 0.5], monitors=["spike"])
    group.run(1.)
    assert fired(group) == [[2, 0], [2, 1], [2, 2], [2, 3], [5, 0], [5, 1], [5, 2], [5, 3]]


@pytest.mark.parametrize("kwargs, match", [
    (dict(times=[1., -1.], indices=[0, 1]), r"`times`=\[1.0, -1.0\] must hold non-negative"),
    (dict(times=[1., 2.], indices=[0]), r"`indices` has 1 entries but `times` has 2"),
    (dict(times=[1.], indices=[2]), r"`indices` must lie in \[0, 2\)"),
    (dict(times=[1.], indices=[0.5]), r"must be neuron indices \(ints\)"),
    (dict(times=[2., 1.], indices=[0, 1], need_sort=False), r"`times` are not sorted"),
])
def test_spike_time_input_errors(kwargs, match):
    with pytest.raises(bp.errors.ModelError, match=match):
        bp.inputs.SpikeTimeInput(2, **kwargs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_poisson_input_rates_per_neuron(backend):
    bp.backend.set(backend, dt=0.1)
    np.random.seed(11)
    rates = np.array([0., 20., 100., 400.])
    group = bp.inputs.PoissonInput(1000, freqs=np.repeat(rates, 250), monitors=["spike"])
    group.run(2000.)
    counts = group.mon.spike.reshape(20000, 4, 250).sum(axis=(0, 2))
    expected = rates * 250 * 2.0            # 250 neurons per rate, 2 s
    # Poisson counts: within 5 standard deviations
    assert np.all(np.abs(counts - expected) <= 5 * np.sqrt(expected) + 1e-9), (counts, expected)


def test_poisson_input_follows_numpys_seed_on_the_numpy_backend():
    runs = []
    for _ in range(2):
        np.random.seed(3)
        group = bp.inputs.PoissonInput(20, freqs=50., monitors=["spike"])
        group.run(100.)
        runs.append(group.mon.spike.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0].any()


@pytest.mark.parametrize("freqs, match", [(-1., "must be non-negative"),
                                          (np.ones(3), r"has shape \(3,\); give one number or one "
                                                       r"per neuron \(4\)")])
def test_poisson_input_errors(freqs, match):
    with pytest.raises(bp.errors.ModelError, match=match):
        bp.inputs.PoissonInput(4, freqs=freqs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_freq_input_fires_at_start_plus_multiples_of_the_period(backend):
    bp.backend.set(backend, dt=0.1)
    group = bp.inputs.FreqInput(3, freq=[100., 250., 1000.], start_time=[5., 0., 0.35],
                                monitors=["spike"])
    group.run(30.)
    spikes = group.mon.spike
    assert np.flatnonzero(spikes[:, 0]).tolist() == [50, 150, 250]
    assert np.flatnonzero(spikes[:, 1]).tolist() == list(range(0, 300, 40))
    # 0.35 + k ms: first step at or after it is 0.4 + k ms
    assert np.flatnonzero(spikes[:, 2]).tolist() == list(range(4, 300, 10))


def test_freq_input_errors():
    with pytest.raises(bp.errors.ModelError, match="`freq` must be a positive"):
        bp.inputs.FreqInput(2, freq=0.)
    with pytest.raises(bp.errors.ModelError, match="`start_time`=-1.0 must be non-negative"):
        bp.inputs.FreqInput(2, freq=10., start_time=-1.)


@pytest.mark.parametrize("backend", BACKENDS)
def test_input_groups_drive_a_synapse(backend):
    bp.backend.set(backend, dt=0.1)

    class Counter(bp.TwoEndConn):
        target_backend = ["numpy", "numba"]

        def __init__(self, pre, post, **kwargs):
            self.received = np.zeros(post.num)
            super().__init__(pre=pre, post=post, **kwargs)

        def update(self, _t):
            for i in range(self.pre.num):
                if self.pre.spike[i]:
                    self.received[i] += 1.

    source = bp.inputs.SpikeTimeInput(3, times=[1., 2., 2.], indices=[0, 2, 0])
    target = bp.inputs.FreqInput(3, freq=1.)
    synapse = Counter(source, target)
    bp.Network(source, synapse, target).run(5.)
    assert synapse.received.tolist() == [2., 0., 1.]
