"""Constant delays: a value pushed at t arrives exactly at t + delay, on both backends."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError
from workbench.simulation.nodes.delays import ConstantDelay

from ..references import brainpy_compat
from .models import DelayProbe, Pulse


@pytest.mark.parametrize("delay, arrival_step", [(0., 5), (0.1, 6), (1.5, 20)])
def test_spike_arrives_exactly_after_the_delay(backend, delay, arrival_step):
    source = Pulse(fire_step=5)
    probe = DelayProbe(source, source, delay=delay, monitors=["arrived"])
    bp.Network(source, probe).run(3.)
    arrived = probe.mon.arrived[:, 0]
    assert np.flatnonzero(arrived).tolist() == [arrival_step]
    assert probe.mon.ts[arrival_step] == pytest.approx(0.5 + delay)


def test_delay_survives_split_runs_and_resets(backend):
    source = Pulse(fire_step=9)              # t = 0.9
    probe = DelayProbe(source, source, delay=1.0, monitors=["arrived"])
    net = bp.Network(source, probe)
    net.run(1.)                              # the spike is pushed in this run...
    source.fire_step = -1
    net.run((1., 3.))                        # ...and arrives in the next one, at t = 1.9
    assert np.flatnonzero(probe.mon.arrived[:, 0]).tolist() == [9]
    assert probe.mon.ts[9] == pytest.approx(1.9)
    source.fire_step = 9
    net.run(1.)
    probe.buffer.reset()
    source.fire_step = -1
    net.run((1., 3.))
    assert not probe.mon.arrived.any()       # reset cleared the pending spike


def test_delay_object_directly():
    delay = ConstantDelay(2, delay_time=0.3, dt=0.1)
    assert delay.delay_steps == 3 and delay.data.shape == (4, 2)
    pulled = []
    for k in range(6):
        delay.push([k + 1, -(k + 1)])
        pulled.append(delay.pull().copy())
        delay.advance()
    np.testing.assert_array_equal(np.array(pulled)[:, 0], [0., 0., 0., 1., 2., 3.])
    with pytest.raises(ModelError, match="`delay_time`=-1 of delay 'x' must be a non-negative"):
        ConstantDelay(2, delay_time=-1, name="x")


# -- per-element delays -----------------------------------------------------------------------
class Wave(bp.NeuGroup):
    """x[j] = sin(3 t + j) + 0.01 t: a known signal, different for every element."""

    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.x = bp.ops.zeros(self.num)

    def update(self, _t):
        for j in range(self.num):
            self.x[j] = np.sin(3. * _t + j) + 0.01 * _t


class WaveDelay(bp.TwoEndConn):
    """``out`` is the pre-synaptic ``x`` through a delay of its own for every element."""

    target_backend = ["numpy", "numba"]

    def __init__(self, pre, post, delay, **kwargs):
        self.out = bp.ops.zeros(pre.num)
        self.g = self.register_constant_delay('g', size=pre.num, delay_time=delay)
        super().__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.g.push(self.pre.x)
        self.out = self.g.pull()


def _wave(ts, n):
    return np.sin(3. * ts[:, None] + np.arange(n)[None, :]) + 0.01 * ts[:, None]


@pytest.mark.parametrize("make_delays", [
    lambda: np.random.RandomState(0).randint(10, size=10),      # whole ms, as in issue 17
    lambda: np.random.RandomState(1).random_sample(4) * 2,      # register_constant_delay's
])
def test_per_element_delays_give_a_delayed_copy_in_repeat_runs(backend, make_delays):
    delays = make_delays()
    wave = Wave(len(delays), monitors=["x"])
    probe = WaveDelay(wave, wave, delay=delays, monitors=["out"])
    net = bp.Network(wave, probe)
    net.run(6.)
    first_x, first_out = wave.mon.x, probe.mon.out
    before = bp.jit_compilations()
    net.run((6., 12.))                                  # repeat mode: the delay carries on
    assert bp.jit_compilations() == before
    ts = np.arange(120) * 0.1
    x = np.concatenate([first_x, wave.mon.x])
    out = np.concatenate([first_out, probe.mon.out])
    np.testing.assert_allclose(x, _wave(ts, len(delays)), atol=1e-12)
    steps = np.floor(delays / 0.1 + 0.5).astype(int)
    for j, lag in enumerate(steps):                     # the closed form: x shifted by lag steps
        np.testing.assert_allclose(out[lag:, j], x[:len(x) - lag, j], rtol=0, atol=1e-12)
        assert not out[:lag, j].any()


def test_per_element_delays_match_brainpy():
    """Steps per element and pulled values of BrainPy 1.0.3's ConstantDelay (recorded data)."""
    for case in brainpy_compat()["delays"]:
        times = np.array(case["delay_time"])
        delay = ConstantDelay(len(times), delay_time=times, dt=0.1)
        assert delay.delay_steps.tolist() == case["steps"], times
        if "pulled" in case:
            pulled = []
            for k in range(len(case["pulled"])):
                delay.push(np.full(len(times), k + 1.))
                pulled.append(delay.pull().tolist())
                delay.advance()
            assert pulled == case["pulled"], times
    assert ConstantDelay(3, delay_time=0.25, dt=0.1).delay_steps == 3     # halves round up


def test_two_dimensional_per_element_delays():
    """BrainPy 1.0.2 refuses them; here each element of a (2, 3) variable has its delay."""
    lags = np.array([[0, 1, 2], [3, 2, 1]])
    delay = ConstantDelay((2, 3), delay_time=lags * 0.1, dt=0.1)
    assert delay.data.shape == (4, 2, 3)
    pulled = []
    for k in range(6):
        delay.push(np.full((2, 3), k + 1.))
        pulled.append(delay.pull())
        delay.advance()
    pulled = np.array(pulled)
    for k in range(6):
        np.testing.assert_array_equal(pulled[k], np.maximum(k + 1 - lags, 0))
    delay.set_dt(0.05)                                   # twice as many steps per delay
    assert delay.delay_steps.tolist() == (lags * 2).tolist() and delay.data.shape == (7, 2, 3)


def test_per_element_delay_errors_name_the_value():
    with pytest.raises(ModelError, match=r"array of them with the delayed variable's shape "
                                         r"\(4,\); it has shape \(3,\)"):
        ConstantDelay(4, delay_time=np.ones(3), name="g")
    with pytest.raises(ModelError, match="some are negative, NaN or infinite"):
        ConstantDelay(2, delay_time=np.array([1., -1.]), name="g")
    with pytest.raises(ModelError, match="must be a non-negative number of ms"):
        ConstantDelay(2, delay_time=["a", "b"], name="g")
