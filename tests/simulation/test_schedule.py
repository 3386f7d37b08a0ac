"""Running order (chapter 7): schedules of objects and networks, and @bp.every."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError

from .models import Counter, Periodic


class Resetting(bp.NeuGroup):
    """Like the manual's HH: update() consumes the input and resets it to 0."""

    target_backend = ["numpy", "numba"]

    def __init__(self, **kwargs):
        self.input = bp.ops.zeros(1)
        self.consumed = bp.ops.zeros(1)
        super().__init__(size=1, **kwargs)

    def update(self, _t):
        self.consumed[0] = self.input[0]
        self.input[:] = 0.


class MonitorFirst(Resetting):
    """The manual's HH2 schedule: monitor, steps, then input."""

    def schedule(self):
        return ('monitor',) + tuple(self.steps.keys()) + ('input',)


def test_object_schedules_as_printed_in_the_manual():
    assert Resetting().schedule() == ("input", "update", "monitor")
    assert MonitorFirst().schedule() == ("monitor", "update", "input")


def test_monitor_before_reset_sees_the_input(backend):
    """HH2 of chapter 7: with the monitor first the recorded input is the previous step's."""
    series = np.random.RandomState(0).random_sample(1000) * 10.
    group1 = Resetting(monitors=["input"])
    group1.run(100., inputs=("input", series))
    assert not group1.mon.input.any()          # reset to 0 before the monitor ran
    group2 = MonitorFirst(monitors=["input"])
    group2.run(100., inputs=("input", series))
    np.testing.assert_array_equal(group2.mon.input[1:, 0], series[:-1])
    assert group2.mon.input[0, 0] == 0.


def _ch7_network():
    nodes = [Counter(1, name=n) for n in ("E", "I")]
    synapses = [Counter(1, name=n) for n in ("E2E", "E2I", "I2E", "I2I")]
    for syn in synapses:                        # synapse-like objects with two steps
        syn.steps = syn._normalize_steps({"update": syn.update, "output": syn.update})
    for neu in nodes:
        neu.steps = neu._normalize_steps({"update": neu.update, "threshold": neu.update,
                                          "reset": neu.update})
    return nodes, synapses


def test_default_network_schedule_matches_the_manual():
    nodes, synapses = _ch7_network()
    net = bp.Network(*nodes, *synapses)
    expected = []
    for name in ("E", "I"):
        expected += [f"{name}.input", f"{name}.update", f"{name}.threshold", f"{name}.reset",
                     f"{name}.monitor"]
    for name in ("E2E", "E2I", "I2E", "I2I"):
        expected += [f"{name}.input", f"{name}.update", f"{name}.output", f"{name}.monitor"]
    assert list(net.schedule()) == expected


def test_customized_network_schedule_runs_in_its_order(backend):
    order = []

    class Logger(bp.NeuGroup):
        def __init__(self, name):
            super().__init__(size=1, name=name, steps=[self.first, self.second])

        def first(self):
            order.append(f"{self.name}.first")

        def second(self):
            order.append(f"{self.name}.second")

    class Interleaved(bp.Network):
        def schedule(self):
            for key in ("first", "second"):
                for node in self.all_nodes.values():
                    yield f"{node.name}.{key}"

    bp.backend.set("numpy")           # Python lists cannot be appended from compiled code
    net = Interleaved(Logger("A"), Logger("B"))
    net.run(0.1)
    assert order == ["A.first", "B.first", "A.second", "B.second"]


def test_bad_schedule_entries_are_named():
    class Bad(bp.Network):
        def schedule(self):
            return ["A.update", "A.reset"]

    with pytest.raises(ModelError, match=r"'reset' is not a step of Counter 'A' \(size 1\); choose one of: "
                                         "'input', 'monitor', 'update'"):
        Bad(Counter(1, name="A")).run(1.)


def test_every_period_runs_at_each_multiple_and_keeps_phase(backend):
    group = Periodic()
    group.run(10.)
    assert group.ticks[0] == 10
    np.testing.assert_allclose(group.tick_times[:10], np.arange(10.), atol=1e-9)
    group.run((10., 15.))
    np.testing.assert_allclose(group.tick_times[10:15], np.arange(10., 15.), atol=1e-9)


class CoinFlip(bp.NeuGroup):
    """The manual's HH3 idea: @bp.every(time=lambda: np.random.random() < 0.5)."""

    def __init__(self, **kwargs):
        self.runs = bp.ops.zeros(1)
        super().__init__(size=1, **kwargs)

    @bp.every(time=lambda: np.random.random() < 0.5)
    def update(self, _t):
        self.runs[0] += 1.


def test_every_callable_runs_about_half_of_the_steps(backend):
    group = CoinFlip()
    group.run(200.)                            # 2000 steps
    n, p = 2000, 0.5
    assert abs(group.runs[0] - n * p) < 5 * np.sqrt(n * p * (1 - p))


def test_every_rejects_bad_periods():
    with pytest.raises(ModelError, match="`time`=-1.0 must be a positive, finite period"):
        bp.every(time=-1.)
    with pytest.raises(ModelError, match="positive period in ms or a callable"):
        bp.every(time="1ms")
