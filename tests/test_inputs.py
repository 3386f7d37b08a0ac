"""bp.inputs against hand-built arrays and the manual's examples."""

import numpy as np
import pytest

import workbench as bp
from tests.references import brainpy_compat
from workbench.inputs import time_to_step


def segments(*pieces):
    """Concatenate ``(value, count)`` pieces into a hand-built series."""
    return np.concatenate([np.full(count, float(value)) for value, count in pieces])


# --- time grid ---------------------------------------------------------------

@pytest.mark.parametrize("t, dt, step", [
    (0.0, 0.1, 0), (100.0, 0.1, 1000), (1.1, 0.1, 11), (3.0, 0.1, 30), (0.3, 0.1, 3),
    (0.7, 0.1, 7), (sum([0.1] * 30), 0.1, 30), (10.04, 0.1, 101), (10.1, 0.1, 101),
    (0.25, 0.1, 3), (1e6, 0.01, 100_000_000), (0.5, 0.2, 3)])
def test_time_to_step_snaps_float_error_and_rounds_up_off_grid(t, dt, step):
    assert time_to_step(t, dt) == step


def test_time_to_step_on_arrays_and_default_dt():
    np.testing.assert_array_equal(time_to_step([0.0, 0.25, 1.1, 2.0], 0.1), [0, 3, 11, 20])
    bp.backend.set(dt=0.5)
    assert time_to_step(2.0) == 4


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "x"])
def test_time_to_step_rejects_bad_times(bad):
    with pytest.raises(ValueError, match="`t`="):
        time_to_step(bad, 0.1)


def test_time_to_step_rejects_bad_dt():
    with pytest.raises(ValueError, match="`dt`=0"):
        time_to_step(1.0, 0)


# --- period_input / constant_input ------------------------------------------

def test_period_input_manual_example():
    current, duration = bp.inputs.period_input(values=[0, 1., 0.], durations=[100, 300, 100],
                                               return_length=True)
    assert duration == 500.0
    np.testing.assert_array_equal(current, segments((0, 1000), (1, 3000), (0, 1000)))
    assert current.dtype == np.float64
    # the charge delivered is the analytic integral 1 * 300 ms
    assert current.sum() * 0.1 == pytest.approx(300.0, rel=1e-12)


def test_period_input_without_return_length_gives_the_array_only():
    current = bp.inputs.period_input([2., 3.], [1., 1.], dt=0.5)
    assert isinstance(current, np.ndarray)
    np.testing.assert_array_equal(current, [2., 2., 3., 3.])


def test_constant_current_manual_examples():
    assert bp.inputs.constant_current is bp.inputs.constant_input
    current, duration = bp.inputs.constant_current([(0, 100), (1, 300), (0, 100)])
    np.testing.assert_array_equal(current, segments((0, 1000), (1, 3000), (0, 1000)))
    assert duration == 500.0
    current, duration = bp.inputs.constant_current([(-1, 10), (1, 3), (3, 30), (-0.5, 10)], 0.1)
    np.testing.assert_array_equal(current, segments((-1, 100), (1, 30), (3, 300), (-0.5, 100)))
    assert duration == pytest.approx(53.0)


def test_period_boundaries_survive_float_error():
    # 1.1 / 0.1 and the running sum 0.1 + 0.2 carry rounding error; no step is gained or lost
    np.testing.assert_array_equal(bp.inputs.period_input([1, 2], [1.1, 1.0], dt=0.1),
                                  segments((1, 11), (2, 10)))
    np.testing.assert_array_equal(bp.inputs.period_input([1, 2, 3], [0.1, 0.2, 0.4], dt=0.1),
                                  segments((1, 1), (2, 2), (3, 4)))
    values = np.arange(30.)
    np.testing.assert_array_equal(bp.inputs.period_input(values, [0.1] * 30, dt=0.1), values)


def test_period_off_grid_boundaries_round_up_to_the_next_step():
    # periods [0, .25) and [.25, .5): steps at 0, .1, .2 | .3, .4
    np.testing.assert_array_equal(bp.inputs.period_input([1, 2], [0.25, 0.25], dt=0.1),
                                  [1, 1, 1, 2, 2])


def test_period_covering_no_step_is_an_error():
    with pytest.raises(ValueError, match=r"`durations\[1\]`=0.05 ms covers no time step"):
        bp.inputs.period_input([1, 2, 3], [0.12, 0.05, 1.0], dt=0.1)


def test_period_input_per_neuron_values_give_2d_series():
    current = bp.inputs.period_input([0, np.array([1., 2., 3.]), 5], [1., 0.5, 0.5], dt=0.5)
    expected = np.array([[0, 0, 0], [0, 0, 0], [1, 2, 3], [5, 5, 5]], dtype=float)
    np.testing.assert_array_equal(current, expected)
    current, _ = bp.inputs.constant_input([(np.ones(2), 1.0), (np.array([3., 4.]), 1.0)], dt=1.0)
    np.testing.assert_array_equal(current, [[1., 1.], [3., 4.]])


def test_period_input_default_dt_follows_the_backend():
    bp.backend.set(dt=0.5)
    np.testing.assert_array_equal(bp.inputs.period_input([1, 0], [1.0, 1.0]), [1, 1, 0, 0])


@pytest.mark.parametrize("values, durations, match", [
    ([1, 2], [1.0], "`values` has 2 entries but 1 are needed"),
    ([1], [-1.0], r"`durations\[0\]`=-1.0 must be a positive"),
    ([1], [0.0], r"`durations\[0\]`=0.0 must be a positive"),
    ([1], [], r"`durations`=\[\] is empty"),
    ([1], 5.0, "`durations`=5.0 must be a sequence"),
    (3.0, [1.0], "`values`=3.0 must be a sequence"),
    ([np.ones(2), np.ones(3)], [1.0, 1.0], "incompatible shapes"),
    ([1, "high"], [1.0, 1.0], r"`values\[1\]`='high' is not a number"),
])
def test_period_input_errors_name_the_argument(values, durations, match):
    with pytest.raises(ValueError, match=match):
        bp.inputs.period_input(values, durations, dt=0.1)


def test_constant_input_rejects_non_pairs():
    with pytest.raises(ValueError, match=r"`I_and_duration\[1\]`=\(1, 2, 3\) must be a"):
        bp.inputs.constant_input([(0, 1), (1, 2, 3)])
    with pytest.raises(ValueError, match="must be a sequence of"):
        bp.inputs.constant_input(5.0)


# --- spike_input -------------------------------------------------------------

def test_spike_input_manual_example():
    current = bp.inputs.spike_input(points=[10, 20, 30, 200, 300], lengths=1., sizes=0.5,
                                    duration=400.)
    expected = np.zeros(4000)
    for point in (10, 20, 30, 200, 300):
        expected[point * 10: point * 10 + 10] = 0.5
    np.testing.assert_array_equal(current, expected)


def test_spike_input_per_point_lengths_and_sizes_and_overlap_adds():
    current = bp.inputs.spike_input(points=[1.0, 1.5, 4.0], lengths=[1.0, 1.0, 2.0],
                                    sizes=[1.0, 2.0, 3.0], duration=5.0, dt=0.5)
    # steps at 0, .5, ..., 4.5; pulses [1, 2), [1.5, 2.5), [4, 6) clipped at 5
    np.testing.assert_array_equal(current, [0, 0, 1, 3, 2, 0, 0, 0, 3, 3])


def test_spike_input_float_grid_and_off_grid_points():
    current = bp.inputs.spike_input([0.3], 0.2, 1.0, duration=1.0, dt=0.1)
    np.testing.assert_array_equal(np.nonzero(current)[0], [3, 4])
    current = bp.inputs.spike_input([0.31], 0.2, 1.0, duration=1.0, dt=0.1)
    np.testing.assert_array_equal(np.nonzero(current)[0], [4, 5])   # [0.31, 0.51)


def test_spike_input_without_points_is_silent():
    np.testing.assert_array_equal(bp.inputs.spike_input([], 1.0, 1.0, duration=2.0, dt=0.5),
                                  np.zeros(4))


def test_spike_input_per_neuron_sizes():
    current = bp.inputs.spike_input([0.0, 2.0], 1.0, [np.array([1., 2.]), np.array([3., 4.])],
                                    duration=3.0, dt=1.0)
    np.testing.assert_array_equal(current, [[1, 2], [0, 0], [3, 4]])
    current = bp.inputs.spike_input([1.0], 1.0, np.array([[5., 6., 7.]]), duration=2.0, dt=1.0)
    np.testing.assert_array_equal(current, [[0, 0, 0], [5, 6, 7]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(points=[5.0], lengths=1.0, sizes=1.0, duration=5.0),
     r"`points\[0\]`=5.0 ms is outside the input's time span \[0, duration=5.0\)"),
    (dict(points=[-1.0], lengths=1.0, sizes=1.0, duration=5.0), r"`points\[0\]`=-1.0"),
    (dict(points=[1.0], lengths=0.0, sizes=1.0, duration=5.0), r"`lengths\[0\]`=0.0"),
    (dict(points=[1.0, 2.0], lengths=[1.0], sizes=1.0, duration=5.0),
     "`lengths` has 1 entries but there are 2 points"),
    (dict(points=[1.0, 2.0], lengths=1.0, sizes=[1.0, 2.0, 3.0], duration=5.0),
     "`sizes` has 3 entries but there are 2 points"),
    (dict(points=[1.02], lengths=0.05, sizes=1.0, duration=5.0),
     r"pulse at `points\[0\]`=1.02 ms with length 0.05 ms covers no time step"),
    (dict(points=[1.0], lengths=1.0, sizes=1.0, duration=0.0), "`duration`=0.0"),
])
def test_spike_input_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.inputs.spike_input(dt=0.1, **kwargs)


# --- ramp_input --------------------------------------------------------------

def test_ramp_input_manual_example_full_span_ends_at_c_end():
    # manual ch. 17.4: "we increase the current size from 0. to 1."
    current = bp.inputs.ramp_input(0, 1, 1000)
    assert current.shape == (10000,)
    np.testing.assert_allclose(current, np.arange(10000) / 9999, rtol=0, atol=1e-12)
    assert current[0] == 0.0 and current[-1] == 1.0


def test_ramp_input_manual_example_partial_span_is_zero_outside():
    current = bp.inputs.ramp_input(0, 1, 1000, 200, 800)
    expected = np.zeros(10000)
    expected[2000:8000] = np.arange(6000) / 5999
    np.testing.assert_allclose(current, expected, rtol=0, atol=1e-12)
    assert current[1999] == 0 and current[2000] == 0 and current[8000] == 0
    assert current[7999] == 1.0


def test_ramp_input_decreasing_off_grid_and_per_neuron():
    current = bp.inputs.ramp_input(2.0, 1.0, 1.0, t_start=0.25, t_end=0.75, dt=0.1)
    expected = np.zeros(10)
    expected[3:8] = [2.0, 1.75, 1.5, 1.25, 1.0]     # t = .3 ... .7 lie in [.25, .75)
    np.testing.assert_allclose(current, expected, atol=1e-12)
    current = bp.inputs.ramp_input(np.zeros(2), np.array([1.0, -1.0]), 4.0, dt=1.0)
    np.testing.assert_allclose(current, [[0, 0], [1 / 3, -1 / 3], [2 / 3, -2 / 3], [1, -1]])


def test_ramp_input_one_step_ramp_holds_c_start():
    np.testing.assert_array_equal(bp.inputs.ramp_input(3., 5., 3., 1., 2., dt=1.), [0., 3., 0.])


@pytest.mark.parametrize("kwargs, match", [
    (dict(t_start=5.0, t_end=5.0), "must satisfy 0 <= t_start < t_end <= duration=10.0"),
    (dict(t_start=1.0, t_end=11.0), "`t_end`=11.0"),
    (dict(t_start=-1.0), r"`t_start`=-1.0 must be a non-negative"),
])
def test_ramp_input_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.inputs.ramp_input(0, 1, 10.0, dt=0.1, **kwargs)


def test_ramp_input_rejects_incompatible_value_shapes():
    with pytest.raises(ValueError, match="`c_start/c_end` mixes entries of incompatible shapes"):
        bp.inputs.ramp_input(np.zeros(2), np.ones(3), 1.0, dt=0.1)


def test_docstring_examples_run():
    from .doctests import run_examples
    run_examples("workbench.inputs", 13, extraglobs={"np": np})


def test_the_manuals_show_helper_gets_one_time_per_value():
    # chapter 17 plots every example with ts = np.arange(0, duration, 0.1)
    examples = [bp.inputs.period_input([0, 1., 0.], [100, 300, 100], return_length=True),
                bp.inputs.constant_current([(-1, 10), (1, 3), (3, 30), (-0.5, 10)], 0.1),
                (bp.inputs.spike_input([10, 20, 30, 200, 300], 1., 0.5, 400.), 400),
                (bp.inputs.ramp_input(0, 1, 1000, 200, 800), 1000)]
    for current, duration in examples:
        assert current.shape == np.arange(0, duration, 0.1).shape


# --- BrainPy 1.0.2 compatibility (numbers recorded by tests/references/make_brainpy_compat.py)

@pytest.mark.parametrize("case", brainpy_compat()["ramp_input"],
                         ids=lambda case: f"{case['c_start']}->{case['c_end']}")
def test_ramp_input_equals_brainpy(case):
    arguments = {k: v for k, v in case.items() if k != "result"}
    np.testing.assert_allclose(bp.inputs.ramp_input(**arguments), case["result"], rtol=0,
                               atol=1e-12)


@pytest.mark.parametrize("name", ["ch17_first", "ch17_second"])
def test_ramp_input_manual_examples_equal_brainpy(name):
    recorded = brainpy_compat()["ramp_input_manual"][name]
    current = bp.inputs.ramp_input(*recorded["args"], dt=0.1)
    assert list(current.shape) == recorded["shape"]
    for step, value in recorded["samples"].items():
        assert current[int(step)] == pytest.approx(value, abs=1e-12), step


def test_release_note_names_are_the_array_functions():
    assert bp.inputs.spike_current is bp.inputs.spike_input
    assert bp.inputs.ramp_current is bp.inputs.ramp_input
    current = bp.inputs.spike_current([1, 2.5], [0.5, 0.4], [1.0, -2.0], 4., dt=0.1)
    np.testing.assert_array_equal(current, brainpy_compat()["spike_current"])
