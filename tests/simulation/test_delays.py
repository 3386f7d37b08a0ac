"""Constant delays: a value pushed at t arrives exactly at t + delay, on both backends."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError
from workbench.simulation.nodes.delays import ConstantDelay

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
