"""bp.measure against slow references (tests/reference.py) and analytic cases."""

import math

import numpy as np
import pytest

import workbench as bp
from tests.reference import (slow_cross_correlation, slow_firing_rate, slow_raster,
                             slow_voltage_fluctuation)
from tests.references import brainpy_compat


def sparse_spikes(seed, steps, neurons, p, silent=()):
    """Random 0/1 spike matrix; the given columns never fire."""
    spikes = (np.random.default_rng(seed).random((steps, neurons)) < p).astype(float)
    spikes[:, list(silent)] = 0
    return spikes


# --- cross_correlation -------------------------------------------------------

def test_synchronous_trains_have_coherence_one():
    rng = np.random.default_rng(0)
    spikes = np.zeros((2000, 30), dtype=bool)
    spikes[rng.choice(2000, size=40, replace=False)] = True        # every neuron, same steps
    assert bp.measure.cross_correlation(spikes, bin=0.5, dt=0.1) == pytest.approx(1.0, abs=1e-12)


def test_never_coinciding_trains_have_coherence_zero():
    spikes = np.zeros((1000, 2))
    spikes[0::20, 0] = 1
    spikes[10::20, 1] = 1        # 1 ms apart, in different 0.5 ms bins
    assert bp.measure.cross_correlation(spikes, bin=0.5, dt=0.1) == 0.0


def test_jitter_within_a_bin_still_counts_as_synchronous_but_not_across_bins():
    spikes = np.zeros((100, 2))
    spikes[[10, 50], 0] = 1
    spikes[[14, 54], 1] = 1      # same 0.5 ms bins [1.0, 1.5) and [5.0, 5.5)
    assert bp.measure.cross_correlation(spikes, bin=0.5, dt=0.1) == pytest.approx(1.0)
    spikes[54, 1], spikes[55, 1] = 0, 1     # now bin [5.5, 6.0): half the spikes coincide
    assert bp.measure.cross_correlation(spikes, bin=0.5, dt=0.1) == pytest.approx(0.5)


@pytest.mark.parametrize("seed, bin, dt, silent_cols", [
    (1, 0.5, 0.1, ()), (2, 1.0, 0.1, (3,)), (3, 0.25, 0.1, (0, 5)), (4, 0.3, 0.1, ()),
    (5, 2.0, 0.5, (1,)), (6, 0.1, 0.1, ())])
@pytest.mark.parametrize("silent", ["zero", "exclude"])
def test_cross_correlation_matches_the_pairwise_reference(seed, bin, dt, silent_cols, silent):
    spikes = sparse_spikes(seed, 301, 8, 0.05, silent_cols)
    expected = slow_cross_correlation(spikes, bin, dt, silent)
    got = bp.measure.cross_correlation(spikes, bin=bin, dt=dt, silent=silent)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_independent_bernoulli_trains_match_the_chance_coincidence_prediction():
    # Independent trains, spike probability p per step. A bin of m steps holds a
    # spike with probability q = 1 - (1 - p)^m. Over K bins a pair coincides in
    # about K q^2 bins while each fires in about K q, so kappa -> K q^2 / K q = q
    # (= 1 - exp(-rate * bin) in the Poisson limit).
    dt, rate_hz, bin = 0.1, 20.0, 5.0
    p = rate_hz * dt / 1000.0
    spikes = np.random.default_rng(7).random((100_000, 40)) < p
    q = 1 - (1 - p) ** round(bin / dt)
    assert q == pytest.approx(1 - math.exp(-rate_hz * bin / 1000), rel=0.01)
    # standard error of the mean over 780 pairs is ~0.001
    assert bp.measure.cross_correlation(spikes, bin=bin, dt=dt) == pytest.approx(q, abs=0.005)


def test_silent_neurons_count_as_zero_or_are_excluded():
    spikes = np.zeros((100, 3))
    spikes[[10, 60], 0:2] = 1    # neurons 0 and 1 synchronous, neuron 2 silent
    assert bp.measure.cross_correlation(spikes, 0.5, dt=0.1) == pytest.approx(1 / 3)
    assert bp.measure.cross_correlation(spikes, 0.5, dt=0.1, silent="exclude") == \
        pytest.approx(1.0)
    silent_net = np.zeros((100, 4))
    assert bp.measure.cross_correlation(silent_net, 0.5, dt=0.1) == 0.0
    assert math.isnan(bp.measure.cross_correlation(silent_net, 0.5, dt=0.1, silent="exclude"))


def test_cross_correlation_default_dt_follows_the_backend():
    spikes = sparse_spikes(8, 200, 6, 0.1)
    bp.backend.set(dt=0.5)
    assert bp.measure.cross_correlation(spikes, bin=1.0) == pytest.approx(
        slow_cross_correlation(spikes, 1.0, 0.5))


@pytest.mark.parametrize("spikes, kwargs, match", [
    (np.zeros((10, 1)), dict(bin=1.0), r"at least 2 neurons"),
    (np.zeros(10), dict(bin=1.0), r"at least 2 neurons"),
    (np.zeros((10, 2, 2)), dict(bin=1.0), r"give a \(steps, n\) array"),
    (np.zeros((10, 2)), dict(bin=0.05), "`bin`=0.05 ms is shorter than the time step"),
    (np.zeros((10, 2)), dict(bin=-1.0), "`bin`=-1.0 must be a positive"),
    (np.zeros((10, 2)), dict(bin=1.0, silent="drop"), "`silent`='drop' is not a known policy"),
    (np.array([["a", "b"]]), dict(bin=1.0), "dtype <U1"),
])
def test_cross_correlation_errors(spikes, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.measure.cross_correlation(spikes, dt=0.1, **kwargs)


# --- firing_rate -------------------------------------------------------------

@pytest.mark.parametrize("window, width", [("gaussian", 2.0), ("flat", 10.0), ("flat", 0.05)])
def test_population_firing_at_a_constant_rate_gives_that_rate_everywhere(window, width):
    # 100 neurons, neuron k fires at steps k, k+100, ...: each fires at 100 Hz and
    # exactly one neuron fires per step, so the population rate is 100 Hz at every step.
    steps = np.arange(3000)
    spikes = np.zeros((3000, 100), dtype=bool)
    spikes[steps, steps % 100] = True
    rate = bp.measure.firing_rate(spikes, width=width, window=window, dt=0.1)
    assert rate.shape == (3000,)
    np.testing.assert_allclose(rate, 100.0, rtol=1e-9)


@pytest.mark.parametrize("window, width, dt", [("gaussian", 0.3, 0.1), ("gaussian", 1.0, 0.25),
                                               ("flat", 1.0, 0.1), ("flat", 0.75, 0.25)])
def test_firing_rate_matches_the_windowed_average_reference(window, width, dt):
    spikes = sparse_spikes(11, 150, 5, 0.08)
    expected = slow_firing_rate(spikes, width, window, dt)
    np.testing.assert_allclose(bp.measure.firing_rate(spikes, width, window, dt=dt), expected,
                               rtol=1e-10, atol=1e-9)


def test_a_single_spike_spreads_into_a_flat_pulse_that_integrates_to_one_spike():
    spikes = np.zeros(200)
    spikes[100] = 1              # one neuron, one spike at 10 ms
    rate = bp.measure.firing_rate(spikes, width=1.0, window="flat", dt=0.1)
    # a 1 ms flat window covers 11 steps (|offset| <= 0.5 ms)
    expected = np.zeros(200)
    expected[95:106] = 1000.0 / 0.1 / 11
    np.testing.assert_allclose(rate, expected, rtol=1e-10, atol=1e-9)
    # away from the edges (where windows are renormalised) the spike count is kept
    spikes = np.zeros(400)
    spikes[200] = 1
    gaussian = bp.measure.firing_rate(spikes, width=2.0, window="gaussian", dt=0.1)
    assert gaussian.argmax() == 200
    assert gaussian.sum() * 0.1 / 1000.0 == pytest.approx(1.0, rel=1e-9)


def test_poisson_population_rate_is_recovered():
    dt, rate_hz = 0.1, 40.0
    spikes = np.random.default_rng(3).random((20_000, 200)) < rate_hz * dt / 1000.0
    rate = bp.measure.firing_rate(spikes, width=5.0, dt=dt)
    # 200 neurons x 2 s x 40 Hz = 16000 spikes: relative error of the mean ~ 0.8%
    assert rate.mean() == pytest.approx(rate_hz, rel=0.03)


def test_firing_rate_default_dt_and_empty_recording():
    bp.backend.set(dt=0.5)
    spikes = np.eye(4)
    np.testing.assert_allclose(bp.measure.firing_rate(spikes, 0.1, "flat"), 500.0)
    assert bp.measure.firing_rate(np.zeros((0, 3)), 1.0).shape == (0,)


@pytest.mark.parametrize("kwargs, match", [
    (dict(width=0.0), "`width`=0.0 must be a positive"),
    (dict(width="wide"), "`width`='wide' is not a number"),
    (dict(width=1.0, window="box"), "`window`='box' is not a known window; choose one of: "
                                    "'flat', 'gaussian'"),
])
def test_firing_rate_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.measure.firing_rate(np.zeros((10, 2)), dt=0.1, **kwargs)


# --- raster_plot -------------------------------------------------------------

def test_raster_plot_matches_the_loop_reference():
    spikes = sparse_spikes(21, 120, 7, 0.1) > 0
    times = 5.0 + np.arange(120) * 0.2
    indices, spike_times = bp.measure.raster_plot(spikes, times)
    ref_indices, ref_times = slow_raster(spikes, times)
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_array_equal(spike_times, ref_times)
    assert indices.dtype == np.int64


def test_raster_plot_of_one_neuron_and_errors():
    indices, spike_times = bp.measure.raster_plot(np.array([0, 1, 1]), [0.0, 1.0, 2.0])
    assert indices.tolist() == [0, 0] and spike_times.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"`times` has shape \(2,\) but `spikes` has 3 rows"):
        bp.measure.raster_plot(np.zeros((3, 2)), [0.0, 1.0])


# --- voltage_fluctuation -----------------------------------------------------

def test_identical_potentials_give_one_even_with_offsets():
    wave = np.sin(np.linspace(0, 20, 500))
    assert bp.measure.voltage_fluctuation(np.tile(wave[:, None], 10)) == pytest.approx(1.0)
    shifted = wave[:, None] + np.arange(10.0) * 3 - 65
    assert bp.measure.voltage_fluctuation(shifted) == pytest.approx(1.0)


def test_scaled_copies_give_the_squared_mean_amplitude_ratio():
    # V_i = a_i s(t): Var(mean V) = mean(a)^2 Var(s), mean Var(V_i) = mean(a^2) Var(s)
    wave = np.cos(np.linspace(0, 30, 800))
    amplitudes = np.array([0.5, 1.0, 2.0, 4.0])
    ratio = bp.measure.voltage_fluctuation(wave[:, None] * amplitudes)
    assert ratio == pytest.approx(amplitudes.mean() ** 2 / (amplitudes ** 2).mean(), rel=1e-12)


def test_independent_potentials_give_one_over_n():
    potentials = np.random.default_rng(5).normal(-60, 3, size=(20_000, 25))
    # chi^2 ~ 1/n; the sampling error of both variances is ~1% here
    assert bp.measure.voltage_fluctuation(potentials) == pytest.approx(1 / 25, rel=0.05)


def test_voltage_fluctuation_matches_the_reference_and_constant_is_nan():
    potentials = np.random.default_rng(9).normal(size=(60, 6)) + np.linspace(0, 1, 60)[:, None]
    assert bp.measure.voltage_fluctuation(potentials) == pytest.approx(
        slow_voltage_fluctuation(potentials), rel=1e-9)
    assert math.isnan(bp.measure.voltage_fluctuation(np.full((50, 3), -65.0)))
    with pytest.raises(ValueError, match=r"`potentials` has shape \(\)"):
        bp.measure.voltage_fluctuation(3.0)


def test_docstring_examples_run():
    from .doctests import run_examples
    run_examples("workbench.measure", 13, extraglobs={"np": np})


# --- BrainPy 1.0.2's numbers (recorded by tests/references/make_brainpy_compat.py) ----------

def recorded_spikes():
    recorded = brainpy_compat()["firing_rate"]
    spikes = np.zeros(recorded["shape"], dtype=bool)
    spikes[recorded["rows"], recorded["cols"]] = True
    return spikes, recorded


def test_brainpy_firing_rate_reproduces_brainpy():
    spikes, recorded = recorded_spikes()
    for case in recorded["cases"]:
        got = bp.measure.brainpy_firing_rate(spikes, case["width"], case["window"],
                                             dt=recorded["dt"])
        np.testing.assert_allclose(got, case["rate"], rtol=1e-12, atol=1e-14, err_msg=str(case))


def test_brainpy_counts_relate_to_the_documented_rate_in_the_interior():
    # flat windows agree up to units away from the edges: BrainPy's count per step times
    # 1000 / (n dt) is the rate in Hz
    spikes, recorded = recorded_spikes()
    for case in recorded["cases"]:
        if case["window"] != "flat" or case["width"] != 1.0:
            continue
        rate = bp.measure.firing_rate(spikes, case["width"], "flat", dt=0.1)
        hertz = np.array(case["rate"]) * 1000.0 / (spikes.shape[1] * 0.1)
        np.testing.assert_allclose(rate[10:-10], hertz[10:-10], rtol=1e-12)


def test_neuron_firing_rates_are_counts_over_the_recording():
    spikes, _ = recorded_spikes()
    rates = bp.measure.neuron_firing_rates(spikes, dt=0.1)
    np.testing.assert_allclose(rates, spikes.sum(axis=0) / (spikes.shape[0] * 0.1e-3))
    with pytest.raises(ValueError, match="holds no time step"):
        bp.measure.neuron_firing_rates(np.zeros((0, 3)), dt=0.1)
