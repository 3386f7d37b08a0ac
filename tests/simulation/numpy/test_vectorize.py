"""Loop vectorization on the numpy backend: bit-for-bit equal results, and fallbacks."""

import numpy as np
import pytest

import workbench as bp
from workbench.simulation.numpy.interpreter import InterpretedExecutor
from workbench.simulation.plan import RunPlan
from workbench.simulation.numpy.vectorize import vectorized_step

from tests.reference import fixed_prob_structures

from ..models import CobaLIF, EulerLIF, ListSyn, SliceSyn


def _run(net_factory, vectorize, duration=40., inputs=()):
    net, groups = net_factory()
    plan = RunPlan(net, duration, inputs)
    executor = InterpretedExecutor(plan, vectorize=vectorize)
    executor.bind(plan)
    executor.run_chunk(0, plan.n_steps)
    return [g.mon.spike.copy() for g in groups], [g.V.copy() for g in groups], executor


def _coba(syn):
    def factory():
        rng = np.random.RandomState(0)
        E, I = CobaLIF(60, monitors=["spike"]), CobaLIF(15, monitors=["spike"])
        E.V, I.V = rng.randn(60) * 5. - 60., rng.randn(15) * 5. - 60.
        syns = [syn(E, E, fixed_prob_structures(60, 60, .2, 1), 5., .6, 0.),
                syn(E, I, fixed_prob_structures(60, 15, .2, 2), 5., .6, 0.),
                syn(I, E, fixed_prob_structures(15, 60, .2, 3), 10., 6.7, -80.),
                syn(I, I, fixed_prob_structures(15, 15, .2, 4), 10., 6.7, -80.)]
        return bp.Network(E, I, *syns), [E, I]
    return factory


@pytest.mark.parametrize("syn", [SliceSyn, ListSyn])
def test_vectorized_network_is_bit_for_bit_equal(syn):
    spikes, voltages, executor = _run(_coba(syn), vectorize=True)
    plain_spikes, plain_voltages, _ = _run(_coba(syn), vectorize=False)
    assert spikes[0].sum() > 10
    for a, b in zip(spikes + voltages, plain_spikes + plain_voltages):
        np.testing.assert_array_equal(a, b)
    patterns = {pattern for v in executor.vectorized.values() for _, pattern in v.loops}
    assert patterns == {"element-wise", "filter", "scatter"}


def test_manual_lif_update_is_element_wise():
    step = vectorized_step(EulerLIF(4).update)
    assert [pattern for _, pattern in step.loops] == ["element-wise"]
    assert "for i in" not in step.source


def test_lif_with_input_equal_with_and_without_vectorization():
    def factory():
        group = EulerLIF(7, monitors=["spike"])
        group.V = np.linspace(-5., 19., 7)
        return group, [group]
    drive = ("input", np.linspace(20., 30., 7))
    spikes_v, voltages_v, _ = _run(factory, True, inputs=drive)
    spikes_p, voltages_p, _ = _run(factory, False, inputs=drive)
    assert spikes_v[0].sum() > 7
    np.testing.assert_array_equal(spikes_v[0], spikes_p[0])
    np.testing.assert_array_equal(voltages_v[0], voltages_p[0])


class Patterns(bp.NeuGroup):
    """Loops that must NOT be vectorized, and one that must."""

    def __init__(self):
        self.a = np.arange(6.)
        self.b = np.zeros(6)
        self.idx = np.array([0, 0, 1, 5])
        super().__init__(size=6, steps=[self.carried])

    def carried(self):               # reads a[i - 1], written by the previous iteration
        for i in range(1, 6):
            self.a[i] = self.a[i - 1] + 1.

    def local_after(self):           # a loop local read after the loop
        for i in range(6):
            last = self.a[i]
        self.b[0] = last

    def carried_local(self):         # s is read before it is assigned in an iteration
        s = 0.
        for i in range(6):
            s = s + self.a[i]
            self.b[i] = s

    def two_accumulations(self):     # b accumulated by two statements: order would change
        for i in range(4):
            self.b[self.idx[i]] += 1.
            self.b[self.idx[i]] += 2.

    def accumulation(self):          # one accumulation: np.add.at in the same order
        for i in range(4):
            self.b[self.idx[i]] += self.a[i] * 0.1

    def short_circuit(self):         # a[i + 1] out of range for i = 5 is never evaluated
        for i in range(6):
            if i < 5 and self.a[i + 1] > 2.:
                self.b[i] = 1.


class FilterWrites(bp.NeuGroup):
    """Filter loops whose body changes the tested array in ways a proof can miss."""

    def __init__(self):
        self.x = np.zeros(20)
        self.x[[1, 9]] = 1.
        self.one = np.ones(20)
        self.m = self.x[10:18].reshape(2, 4)
        self.order = np.zeros(60)
        self.n = np.zeros(1, dtype=np.int64)
        super().__init__(size=17, steps=[self.ufunc_out])

    def visits(self):
        return self.order[:self.n[0]].tolist()

    def ufunc_out(self):             # a ufunc's positional out is the tested array
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                np.add(self.one, 0.0, self.x)

    def round_out(self):             # np.round(a, decimals, out)
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                np.round(self.one, 0, self.x)

    def fill_view(self):             # np.fill_diagonal writes a view of x
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                np.fill_diagonal(self.m, 1.)

    def local_alias(self):           # a local name for x
        v = self.x
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                v[i + 3] = 1.


@pytest.mark.parametrize("name", ["ufunc_out", "round_out", "fill_view", "local_alias"])
def test_filter_loops_whose_body_writes_the_condition_through_a_call_or_alias_are_kept(name):
    model, reference = FilterWrites(), FilterWrites()
    step = vectorized_step(getattr(model, name))
    if step is not None:
        step.function(model)
    else:
        getattr(model, name)()
    getattr(reference, name)()
    assert model.visits() == reference.visits() and len(reference.visits()) > 2
    assert step is None or all(kind != "filter" for _, kind in step.loops)


@pytest.mark.parametrize("name", ["carried", "local_after", "carried_local", "two_accumulations"])
def test_dependent_loops_are_kept(name):
    model = Patterns()
    assert vectorized_step(getattr(model, name)) is None


@pytest.mark.parametrize("name", ["accumulation", "short_circuit"])
def test_safe_loops_are_vectorized_and_equal(name):
    model, reference = Patterns(), Patterns()
    step = vectorized_step(getattr(model, name))
    assert step is not None and step.loops[0][1] == "element-wise"
    step.function(model)
    getattr(reference, name)()
    np.testing.assert_array_equal(model.b, reference.b)
