"""'numba-parallel': a chunk of steps in one region of threads meeting at spin barriers.

Like ``test_partition.py`` the tests lower the minimum size to 1 and switch off the
executor's measuring (``always_parallel``, ``conftest.py``), so every chunk of every
run goes through the region with 2 threads; every result is compared with the serial
backend's, bit for bit.
"""

import numba
import numpy as np
import pytest

import workbench as bp
from tests.simulation import manual_models as mm
from workbench.errors import SimulationError
from workbench.simulation.nodes import records
from workbench.simulation.numba import executor as numba_executor
from workbench.simulation.numba.generator.chunk_region import RegionItem, _barriers

from .test_partition import Bad, Decay, _twin


@pytest.fixture
def region_calls(monkeypatch):
    """How many chunks (or parts of chunks) ran in the region."""
    calls = []
    original = numba_executor.CompiledExecutor._run_region

    def counted(self, *args):
        calls.append(args[:2])
        return original(self, *args)
    monkeypatch.setattr(numba_executor.CompiledExecutor, "_run_region", counted)
    return calls


def _executor(host):
    return host.__dict__["_wb_executor"]


def _coba(backend, n_exc=80, n_inh=20, duration=40., monitors=("spike", "V")):
    bp.backend.set(backend, dt=0.1)
    np.random.seed(3)
    E = mm.CobaLIF(n_exc, monitors=list(monitors))
    E.V = np.random.randn(n_exc) * 5. + mm.Vr
    I = mm.CobaLIF(n_inh, monitors=list(monitors))
    I.V = np.random.randn(n_inh) * 5. + mm.Vr
    synapses = [mm.SynVec5(pre=pre, post=post, conn=bp.connect.FixedProb(0.2, seed=3 + k),
                           tau=tau, weight=weight, E=rev)
                for k, (pre, post, tau, weight, rev) in enumerate([
                    (E, E, mm.tau_exc, mm.delta_exc, mm.E_exc),
                    (E, I, mm.tau_exc, mm.delta_exc, mm.E_exc),
                    (I, E, mm.tau_inh, mm.delta_inh, mm.E_inh),
                    (I, I, mm.tau_inh, mm.delta_inh, mm.E_inh)])]
    net = bp.Network(E, I, *synapses)
    net.run(duration)
    return net, E, I


def test_the_ch6_network_runs_in_the_region_bit_for_bit(always_parallel, region_calls):
    _, E, I = _coba("numba")
    serial = [E.mon.spike.copy(), E.mon.V.copy(), I.mon.spike.copy(), I.V.copy()]
    assert serial[0].sum() > 20
    net, E, I = _coba("numba-parallel")
    for expected, actual in zip(serial, [E.mon.spike, E.mon.V, I.mon.spike, I.V]):
        np.testing.assert_array_equal(actual, expected)
    executor = _executor(net)
    assert executor.region is not None and executor.region_usable
    assert region_calls and sum(b - a for a, b in region_calls) >= 400
    source = executor.source
    # the run loop calls the serial steps; the region calls each step's thread function
    assert "CobaLIF_update_thread_1(_tid," in source and "_barrier_wait(" in source
    # a repeat run compiles nothing
    before = bp.jit_compilations()
    net.run((40., 60.))
    assert bp.jit_compilations() == before


def test_event_buffers_grow_in_the_middle_of_a_chunk(always_parallel, region_calls,
                                                     monkeypatch):
    grown = []
    original = records.EventRecord.grow

    def grow(self):
        grown.append(self.count[0])
        return original(self)
    monkeypatch.setattr(records.EventRecord, "grow", grow)
    monkeypatch.setattr(records, "_INITIAL_EVENTS", 1)     # room for 4 steps of all spiking
    _, E, I = _coba("numba", monitors=("spike",), duration=200.)
    serial = [E.mon.spike.copy(), I.mon.spike.copy()]
    assert serial[0].sum() > 400            # more than the buffers' first 320 events
    grown.clear()
    _, E, I = _coba("numba-parallel", monitors=("spike",), duration=200.)
    assert grown                         # the region stopped, the buffers grew, it resumed
    assert any(a > 0 for a, _ in region_calls)
    np.testing.assert_array_equal(E.mon.spike, serial[0])
    np.testing.assert_array_equal(I.mon.spike, serial[1])


def _item(name, lines=("x",), reads=(), writes=(), split=False):
    return RegionItem(0, name, list(lines), reads, writes, split=object() if split else None)


def test_barriers_go_where_another_thread_may_have_written():
    neurons = _item("E.update", reads={"V", "spike"}, writes={"V", "spike"}, split=True)
    monitor = _item("E.monitor", reads={"spike", "events"}, writes={"events"})
    other = _item("I.update", reads={"W"}, writes={"W"}, split=True)
    empty = _item("I.input", lines=())
    synapse = _item("EE.update", reads={"spike", "g", "input"}, writes={"g", "input"}, split=True)
    synapse2 = _item("IE.update", reads={"g2", "input"}, writes={"g2", "input"}, split=True)
    serial = _item("E2.monitor", reads={"V"}, writes={"rec"})
    kinds, open_window = _barriers([neurons, monitor, other, empty, synapse, synapse2, serial,
                                    _item("I.monitor", reads={"W"}, writes={"rec2"})])
    assert kinds == [None,           # the first item
                     "always",       # the monitor reads the spikes both threads wrote
                     "overlap",      # I.update touches nothing the monitor touches
                     None,           # an input of nothing
                     "overlap",      # reads the spikes too (the neurons' are behind a barrier)
                     "always",       # both synapses add to input
                     "overlap",      # V was last written behind a barrier
                     "overlap"]      # W too; and after thread 0's own monitor, in order
    assert open_window


def test_a_split_step_reading_what_the_last_one_wrote_waits():
    neurons = _item("E.update", reads={"V", "spike"}, writes={"V", "spike"}, split=True)
    synapse = _item("EE.update", reads={"spike", "g"}, writes={"g"}, split=True)
    assert _barriers([neurons, synapse])[0] == [None, "always"]


def test_barriers_between_serial_items_of_thread_zero_are_left_out():
    kinds, _ = _barriers([_item("a", reads={"x"}, writes={"x"}),
                          _item("b", reads={"x"}, writes={"x"})])
    assert kinds == [None, None]


class Writer(bp.NeuGroup):
    """Writes x element-wise (a split step)."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.x = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.x[i] += 1.


class Mirror(bp.NeuGroup):
    """Sums another array in reverse: reads the elements the other thread wrote."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, source, **kwargs):
        self.y = np.zeros(size)
        self.source = source
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.y[i] += self.source[self.num - 1 - i]


def _mirror(backend, size=50000, steps=20):
    bp.backend.set(backend, dt=0.1)
    writer = Writer(size)
    mirror = Mirror(size, writer.x)            # one array under two names
    net = bp.Network(writer, mirror)
    net.run(steps * 0.1)
    return net, mirror


def test_arrays_shared_under_two_names_keep_every_barrier(always_parallel, region_calls):
    _, serial = _mirror("numba")
    net, mirror = _mirror("numba-parallel")
    executor = _executor(net)
    assert executor.region is not None and region_calls
    position = executor.arguments.names.index("_apart_all")
    assert executor.args[position] is False
    # the second group adds, in reverse, what the first wrote in the same step (1, 2, ...
    # 20): a read before the other thread's write would leave a smaller sum
    np.testing.assert_array_equal(mirror.y, serial.y)
    np.testing.assert_array_equal(mirror.y, np.full(50000, 210.))


def test_arrays_apart_leave_the_barriers_out(always_parallel):
    net, _, _ = _coba("numba-parallel", duration=1.)
    executor = _executor(net)
    assert executor.args[executor.arguments.names.index("_apart_all")] is True


def test_an_exception_in_a_thread_fails_the_run_as_serially(always_parallel, region_calls):
    bp.backend.set("numba-parallel", dt=0.1)
    group = Decay(50)
    group.tau[30] = 0.
    with pytest.raises(SimulationError, match="ZeroDivisionError") as failure:
        group.run(0.3)
    assert region_calls                   # it failed in the region, and ran again serially
    executor = _executor(group)
    assert not executor.region_usable
    assert "Decay" in str(failure.value)


class Growth(bp.NeuGroup):
    """V grows a thousandfold each step: one element reaches inf after a known number of steps."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.ones(size)
        self.k = np.ones(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.V[i] = self.V[i] * self.k[i]


def _growth_failure(backend):
    bp.backend.set(backend, dt=0.1)
    group = Growth(60)
    group.k[41] = 1e100                    # V[41]: 1e100, 1e200, 1e300, inf at the fourth step
    with pytest.raises(SimulationError) as failure:
        group.run(1.)
    return str(failure.value), group


def test_a_nan_or_inf_is_reported_as_serially(always_parallel, region_calls):
    message, _ = _growth_failure("numba")
    assert "V became inf" in message and "step 3 of the run" in message
    parallel_message, group = _growth_failure("numba-parallel")
    assert region_calls
    # the same words after the group's automatic name
    assert parallel_message.split(":", 1)[1] == message.split(":", 1)[1]
    assert _executor(group).region_usable        # a NaN leaves the region in use


class Noisy(bp.NeuGroup):
    """Draws a number per element (a serial step: random draws keep their order)."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.V[i] += np.random.normal()


@numba.njit
def _seed_numba(seed):
    np.random.seed(seed)


def _noisy(backend):
    bp.backend.set(backend, dt=0.1)
    noisy, decay = Noisy(30), Decay(40)
    net = bp.Network(noisy, decay)
    _seed_numba(7)
    net.run(2.)
    return net, noisy.V.copy(), decay.V.copy()


def test_serial_steps_that_draw_give_the_serial_numbers(always_parallel, region_calls):
    _, noise, decay = _noisy("numba")
    net, parallel_noise, parallel_decay = _noisy("numba-parallel")
    assert _executor(net).region is not None and region_calls
    np.testing.assert_array_equal(parallel_noise, noise)
    np.testing.assert_array_equal(parallel_decay, decay)


def _delayed(backend):
    bp.backend.set(backend, dt=0.1)
    np.random.seed(5)
    E = mm.CobaLIF(60, monitors=["spike"])
    E.V = np.random.randn(60) * 5. + mm.Vr
    syn = mm.AMPA(pre=E, post=E, conn=bp.connect.FixedProb(0.3, seed=2), delay=0.5,
                  g_max=0.5)
    net = bp.Network(E, syn)
    net.run(30.)
    return net, E.mon.spike.copy(), E.V.copy()


def test_delays_advance_at_the_end_of_each_step(always_parallel, region_calls):
    _, spikes, V = _delayed("numba")
    assert spikes.sum() > 10
    net, parallel_spikes, parallel_V = _delayed("numba-parallel")
    assert _executor(net).region is not None and region_calls
    np.testing.assert_array_equal(parallel_spikes, spikes)
    np.testing.assert_array_equal(parallel_V, V)


def test_a_prelude_reading_what_the_step_writes_keeps_the_step_out_of_the_region():
    # every thread runs the prelude when it reaches the step: x[0] could already be
    # another thread's new value
    loop = "for i in range(n):\n    x[i] = x[i] - v0\n"
    assert _twin("v0 = y[0]\n" + loop).chunk is not None
    assert _twin("v0 = x[0]\n" + loop).chunk is None
    assert _twin("v0 = np.max(x)\n" + loop).chunk is None
    assert _twin("v0 = x.shape[0]\n" + loop).chunk is not None


class Clamp(bp.NeuGroup):
    """Sets another group's V to 1 (an array under two names: every barrier stays)."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, target, **kwargs):
        self.target = target
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.target[i] = 1.


def _overwritten_inf(backend):
    bp.backend.set(backend, dt=0.1)
    group = Growth(60)
    group.k[41] = np.inf                   # V[41] becomes inf in the first step ...
    net = bp.Network(group, Clamp(60, group.V))      # ... and 1 again in the same step
    with pytest.raises(SimulationError) as failure:
        net.run(1.)
    return str(failure.value)


def test_an_inf_overwritten_later_in_its_step_is_still_reported(always_parallel, region_calls):
    message = _overwritten_inf("numba")
    assert "V became inf" in message and "step 0 of the run" in message
    assert region_calls == []
    parallel_message = _overwritten_inf("numba-parallel")
    assert region_calls
    assert parallel_message.split(":", 1)[1] == message.split(":", 1)[1]


def test_an_unproven_range_in_the_region_fails_as_serially(always_parallel, region_calls):
    bp.backend.set("numba-parallel", dt=0.1)
    group = Bad(50)
    group.run(0.2)
    executor = _executor(group)
    assert executor.region is not None and region_calls
    group.short = np.zeros(40)          # the twin's conditions fail: thread 0's serial step raises
    with pytest.raises(SimulationError, match="index 40 is out of range for self.short"):
        group.run(0.2)
    # the region is left for the per-step twins, compiled with the checked copies
    assert not executor.region_usable and executor.region is None


def test_after_a_failure_in_the_region_the_next_run_uses_the_twins_quietly(always_parallel,
                                                                          region_calls):
    import warnings

    bp.backend.set("numba-parallel", dt=0.1)
    group = Decay(50)
    group.run(0.2)
    executor = _executor(group)
    executor._compile_checked_copies()        # as after an unproven range: the region stays
    assert executor.region is not None
    group.tau[30] = 0.
    with pytest.raises(SimulationError, match="ZeroDivisionError"):
        group.run(0.2)
    group.tau[30] = 1.
    group.V[:] = 1.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)      # no "please report this"
        group.run(0.3)
    np.testing.assert_allclose(group.V, 0.9 ** 3)             # Euler steps of dV = -V
    assert executor.region is None and executor.code.parallel  # the per-step twins
