"""Manual chapter 7 (Running order scheduling): schedules, HH2's monitor, @every, networks."""

import numpy as np
import pytest

import workbench as bp

from . import manual_models as mm

MANUAL_DEFAULT_SCHEDULE = [
    'E.input', 'E.update', 'E.threshold', 'E.reset', 'E.monitor',
    'I.input', 'I.update', 'I.threshold', 'I.reset', 'I.monitor',
    'E2E.input', 'E2E.update', 'E2E.output', 'E2E.monitor',
    'E2I.input', 'E2I.update', 'E2I.output', 'E2I.monitor',
    'I2E.input', 'I2E.update', 'I2E.output', 'I2E.monitor',
    'I2I.input', 'I2I.update', 'I2I.output', 'I2I.monitor']

MANUAL_CUSTOMIZED_SCHEDULE = [
    'E.input', 'I.input', 'E2E.input', 'E2I.input', 'I2E.input', 'I2I.input',
    'E2E.update', 'E2E.output', 'E2I.update', 'E2I.output',
    'I2E.update', 'I2E.output', 'I2I.update', 'I2I.output',
    'E.update', 'E.threshold', 'E.reset', 'I.update', 'I.threshold', 'I.reset',
    'E.monitor', 'I.monitor', 'E2E.monitor', 'E2I.monitor', 'I2E.monitor', 'I2I.monitor']


def test_hh_schedules_and_build(capsys):
    group1 = mm.HH7(1, monitors=['V', 'input'])
    assert tuple(group1.schedule()) == ('input', 'update', 'monitor')
    group1.build(duration=100, inputs=('input', 10.), show_code=True)
    code = capsys.readouterr().out
    assert code.index("input +=") < code.index("update") < code.index("_rec_0.write(_i, ")
    group2 = mm.HH2(1, monitors=['V', 'input'])
    assert group2.schedule() == ('monitor', 'update', 'input')


def test_hh2_monitors_the_input_before_update_resets_it():
    duration = 100
    random_inputs = np.random.RandomState(1).random_sample(int(duration / bp.backend.get_dt())) * 10.
    group1 = mm.HH7(1, monitors=['V', 'input'])
    group1.run(duration, inputs=('input', random_inputs))
    assert not group1.mon.input.any()
    group2 = mm.HH2(1, monitors=['V', 'input'])
    group2.run(duration, inputs=('input', random_inputs))
    np.testing.assert_array_equal(group2.mon.input[1:, 0], random_inputs[:-1])
    np.testing.assert_array_equal(group2.mon.input_t, group2.mon.ts)


def test_hh3_every_runs_update_about_half_of_the_steps():
    np.random.seed(2021)
    group3 = mm.HH3(1, monitors=['V'])
    group3.run(100.)
    changed = np.count_nonzero(np.diff(group3.mon.V[:, 0]) != 0)
    n, p = 999, 0.5
    assert abs(changed - n * p) < 4 * np.sqrt(n * p * (1 - p))
    # repeated values: "the monitors will get the same values at the nearest time points"
    assert np.count_nonzero(np.diff(group3.mon.V[:, 0]) == 0) > 300


class NumbaHH7(mm.HH7):
    """Chapter 7's HH (a method integrator reading self.gNa ...) allowed on numba."""

    target_backend = ['numpy', 'numba']


def test_method_integrator_compiles_and_matches_numpy():
    results = {}
    for backend in ("numpy", "numba"):
        bp.backend.set(backend)
        group = NumbaHH7(3, monitors=['V'])
        group.gNa = 100.                 # a parameter the derivative reads through self
        group.run(50., inputs=('input', np.array([5., 10., 15.])))
        results[backend] = group.mon.V
    np.testing.assert_allclose(results["numba"], results["numpy"], rtol=0, atol=1e-9)
    assert results["numpy"].max() > 20.


@pytest.fixture(scope="module")
def networks():
    bp.backend.set("numba", dt=0.1)
    np.random.seed(7)
    default = mm.run_network(mm.DefaultNetwork, n_exc=400, n_inh=100, duration=50., prob=0.05)
    np.random.seed(7)
    customized = mm.run_network(mm.CustomizedNetwork, n_exc=400, n_inh=100, duration=50.,
                                prob=0.05)
    return default, customized


def test_network_schedules_as_printed(networks):
    (_, _, default_schedule, *_), (_, _, customized_schedule, *_) = networks
    assert default_schedule == MANUAL_DEFAULT_SCHEDULE
    assert customized_schedule == MANUAL_CUSTOMIZED_SCHEDULE
    assert list(bp.Network(*networks[0][1].all_nodes.values()).schedule()) == \
        MANUAL_DEFAULT_SCHEDULE


def test_both_networks_run_on_numba(networks):
    for _, net, _, E, I in networks:
        assert E.mon.spike.shape == (500, 400) and E.mon.spike.dtype == bool
        rate = E.mon.spike.mean() * 1e4             # Hz; at most 200 with 5 ms refractoriness
        assert 5. < rate < 200.
