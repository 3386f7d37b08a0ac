"""'numba-parallel': a step split by the index it writes gives bitwise what 'numba' gives.

Small networks go through the parallel regions because the tests lower the minimum
size to 1 and switch off the executor's measuring (``parallel_choice.ADAPTIVE``), so
every step of every run takes the parallel path with numba's threads (at least 2).
"""

import ast

import numba
import numpy as np
import pytest

import workbench as bp
from tests.simulation import manual_models as mm
from workbench.errors import SimulationError
from workbench.simulation import StepCompileWarning
from workbench.simulation.numba.generator import chunk_region, partition
from workbench.simulation.numba.parallel_kernels import UNSORTED, descents, owned_span

CH6_SYNAPSES = ["SynVec1", "SynVec2", "SynVec3", "SynVec4", "SynVec5"]


@pytest.fixture(autouse=True)
def twins_in_the_run_loop(monkeypatch):
    """The run loop calls the twins (the chunk region has its own tests: test_chunk_region.py)."""
    monkeypatch.setattr(chunk_region, "ENABLED", False)


_PAIRS = [(0, 0, mm.tau_exc, mm.delta_exc, mm.E_exc), (0, 1, mm.tau_exc, mm.delta_exc, mm.E_exc),
          (1, 0, mm.tau_inh, mm.delta_inh, mm.E_inh), (1, 1, mm.tau_inh, mm.delta_inh, mm.E_inh)]


def _coba(syn_names, backend, shuffle=False, duration=40.):
    """The ch. 6 network (80 + 20 neurons) with the four connections of every synapse class."""
    bp.backend.set(backend, dt=0.1)
    np.random.seed(3)
    E = mm.CobaLIF(80, monitors=["spike", "V"])
    E.V = np.random.randn(80) * 5. + mm.Vr
    I = mm.CobaLIF(20, monitors=["spike", "V"])
    I.V = np.random.randn(20) * 5. + mm.Vr
    groups, synapses = (E, I), []
    for n, syn_name in enumerate(syn_names):
        for k, (pre, post, tau, weight, rev) in enumerate(_PAIRS):
            synapses.append(getattr(mm, syn_name)(
                pre=groups[pre], post=groups[post], conn=bp.connect.FixedProb(0.2, seed=3 + k + n),
                tau=tau, weight=weight / len(syn_names), E=rev))
    if shuffle:     # targets in no order within each row: threads walk whole rows
        rng = np.random.RandomState(0)
        for s in synapses:
            for start, end in s.pre_slice:
                s.post_ids[start:end] = rng.permutation(s.post_ids[start:end])
    net = bp.Network(E, I, *synapses)
    net.run(duration)
    return net, E, I


def _twins(net):
    return {step.name for step in net.__dict__["_wb_executor"].code.steps.values()
            if step.twin is not None}


def test_every_ch6_variant_gives_the_same_spikes_and_voltages(always_parallel):
    _, E, I = _coba(CH6_SYNAPSES, "numba")
    serial = [E.mon.spike.copy(), E.mon.V.copy(), I.mon.spike.copy(), I.mon.V.copy()]
    net, E, I = _coba(CH6_SYNAPSES, "numba-parallel")
    assert serial[0].sum() > 20                     # the network is active
    for expected, actual in zip(serial, [E.mon.spike, E.mon.V, I.mon.spike, I.mon.V]):
        np.testing.assert_array_equal(actual, expected)
    executor = net.__dict__["_wb_executor"]
    assert executor.parallel_choice.steps == {True: 400, False: 0}
    # the neuron step splits; of the synapses SynVec5, whose every loop writes by the
    # post-synaptic index (decay, scatter into g, output); SynVec1-3 scatter in forms the
    # proof does not know, SynVec4 keeps an index check in its loop: they stay serial
    assert _twins(net) == {"CobaLIF_update", "SynVec5_update"}


def test_unsorted_targets_and_repeat_runs(always_parallel):
    _, E, I = _coba(["SynVec5"], "numba", shuffle=True)
    serial = [E.mon.spike.copy(), E.V.copy(), I.V.copy()]
    net, E, I = _coba(["SynVec5"], "numba-parallel", shuffle=True)
    np.testing.assert_array_equal(E.mon.spike, serial[0])
    np.testing.assert_array_equal(E.V, serial[1])
    np.testing.assert_array_equal(I.V, serial[2])
    source = net.__dict__["_wb_executor"].source
    assert "def SynVec5_update_region(" in source and "for _tid in _prange(_nthreads):" in source
    assert "_owned_span(self__post_ids" in source
    before = bp.jit_compilations()
    net.run((40., 60.))
    net.run((60., 70.))
    assert bp.jit_compilations() == before


def test_the_serial_backend_has_no_twin():
    net, _, _ = _coba(["SynVec5"], "numba", duration=0.5)
    assert not _twins(net)
    assert "_prange" not in net.__dict__["_wb_executor"].source


class Bad(bp.NeuGroup):
    """An element-wise loop (it has a twin) reading a shorter array."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.short = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.V[i] += self.short[i]


def test_a_bad_index_raises_a_simulation_error(always_parallel):
    bp.backend.set("numba-parallel", dt=0.1)
    group = Bad(50)
    group.run(0.2)
    assert _twins(group) == {"Bad_update"}
    group.short = np.zeros(40)          # the index check fails: the serial code runs and raises
    with pytest.raises(SimulationError, match="index 40 is out of range for self.short"):
        group.run(0.2)


def test_owned_span_cuts_sorted_slices_and_keeps_unsorted_ones_whole():
    ids = np.array([0, 3, 5, 5, 9, 2, 1, 4, 8])
    desc = descents(ids)
    np.testing.assert_array_equal(desc, [5, 6])
    assert owned_span(ids, desc, 0, 5, 4, 9) == (2, 4)         # targets 5, 5
    assert owned_span(ids, desc, 0, 5, 0, 4) == (0, 2)
    assert owned_span(ids, desc, 5, 9, 0, 3) == (5, 9)         # 2, 1, 4, 8: not sorted
    assert owned_span(ids, desc, 6, 9, 2, 5) == (7, 8)         # 1, 4, 8 is sorted
    assert owned_span(ids, UNSORTED, 0, 5, 4, 9) == (0, 5)
    jitted = numba.njit(owned_span)
    assert jitted(ids, desc, 0, 5, 4, 9) == (2, 4)


# -- the proof on small bodies (no compilation) ------------------------------------------

_ARRAYS = {"x": 1, "y": 1, "g": 1, "ids": 1, "ids__range": 1, "spike": 1, "sl": 2}


def _twin(code, arrays=_ARRAYS):
    body = ast.parse(code).body
    names = iter(f"_f{k}" for k in range(100))
    kind = partition.call_kind_in({"np": np}, {})
    params = sorted(arrays) + ["n", "w"]
    return partition.partition_step(body, params, arrays, kind, "step", lambda: next(names))


def test_the_proof_accepts_element_wise_loops_and_sorted_scatters():
    assert _twin("for i in range(n):\n    x[i] = y[i] * 2.0\n") is not None
    scatter = ("for p in range(n):\n"
               "    if spike[p]:\n"
               "        a, b = sl[p]\n"
               "        for k in range(a, b):\n"
               "            j = ids[k]\n"
               "            g[j] += w\n"
               "for i in range(n):\n"
               "    x[i] += g[i] * y[i]\n")
    twin = _twin(scatter)
    assert twin is not None and twin.descents == ["ids"]


@pytest.mark.parametrize("code", [
    "for i in range(n):\n    x[i] = x[i + 1]\n",                       # a neighbour
    "for i in range(n):\n    x[i] = y[i]\n    y[0] = 1.0\n",             # another index
    "s = 0.0\nfor i in range(n):\n    s = s + y[i]\n    x[i] = s\n",     # a running sum
    "for i in range(n):\n    if i > 0:\n        s = y[i]\n    x[i] = s\n",  # carried value
    "for i in range(n):\n    x[i] = np.random.rand()\n",               # a random draw
    "for i in range(n):\n    x[i] = y[i]\n        \nfor i in range(n):\n    y[i] = x[n - 1 - i]\n",
    "for i in range(n):\n    x[i] = y[i]\n    if x[i] > 1:\n        break\n",
    "for p in range(n):\n    for k in range(0, 4):\n        j = ids[k]\n        g[j] += 1.0\n"
    "        x[p] = 1.0\n",                                              # written by source
    # a name assigned between loops and before them: the region would run both loops after
    # the second assignment (the first loop must see the first value)
    "c = w\nfor i in range(n):\n    x[i] = c\nc = n\nfor i in range(n):\n    y[i] = c\n",
    # numpy writes an array handed to it (here every thread would write all of y)
    "for i in range(n):\n    x[i] = w\n    np.add(x[i], 1.0, y)\n",
    "for i in range(n):\n    x[i] = np.sum(y[0:3])\n    np.fill_diagonal(sl, 1.0)\n",
])
def test_the_proof_rejects(code):
    assert _twin(code) is None


def test_a_scatter_row_indexes_unsigned_only_from_clipped_starts():
    # a start that _slice_bounds returned is never negative; any other may be, and
    # ids[k] must then wrap around as numba does serially instead of reading before ids
    loose = "for p in range(n):\n    for k in range(p - 1, p + 1):\n        j = ids[k]\n" \
        "        g[j] += w\n"
    clipped = "for p in range(n):\n    a, b = _slice_bounds(p - 1, p + 1, ids.shape[0])\n" \
        "    for k in range(a, b):\n        j = ids[k]\n        g[j] += w\n"
    assert "ids[_uintp(k)]" not in "\n".join(_twin(loose).lines)
    assert "ids[_uintp(k)]" in "\n".join(_twin(clipped).lines)
    twice = clipped + clipped.replace("g[j] += w", "g[j] += 2.0 * w")  # two copies of a loop
    assert "ids[_uintp(k)]" in "\n".join(_twin(twice).lines)
    assert "ids[_uintp(k)]" not in "\n".join(_twin(twice + "a = n - 9\n").lines)


def test_a_scatter_needs_the_range_of_its_targets():
    arrays = dict(_ARRAYS)
    del arrays["ids__range"]
    code = "for p in range(n):\n    for k in range(0, 4):\n        j = ids[k]\n        g[j] += w\n"
    assert _twin(code, arrays) is None
    assert _twin(code) is not None


class Decay(bp.NeuGroup):
    """An element-wise loop through an integrator that divides by a per-neuron tau."""
    target_backend = ["numpy", "numba"]

    @staticmethod
    def dev_V(V, t, tau):
        return -V / tau

    def __init__(self, size, **kwargs):
        self.V = np.ones(size)
        self.tau = np.ones(size)
        self.int_V = bp.odeint(self.dev_V)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.V[i] = self.int_V(self.V[i], _t, self.tau[i])


def test_an_exception_in_a_thread_is_not_lost(always_parallel):
    # numba drops an exception raised inside a parallel region: the thread stops and the
    # region returns; the twin must notice and the run must fail as serially
    bp.backend.set("numba-parallel", dt=0.1)
    group = Decay(50)
    group.tau[30] = 0.
    with pytest.raises(SimulationError, match="ZeroDivisionError"):
        group.run(0.2)
    assert _twins(group) == {"Decay_update"}


def test_a_twin_numba_cannot_compile_leaves_the_serial_steps(always_parallel, monkeypatch):
    monkeypatch.setattr(partition, "_BIG", "_no_such_name")     # breaks every region
    bp.backend.set("numba-parallel", dt=0.1)
    group = Decay(50)
    with pytest.warns(StepCompileWarning, match="running its serial steps"):
        group.run(0.3)
    np.testing.assert_allclose(group.V, 0.9 ** 3)                 # Euler steps of dV = -V
    executor = group.__dict__["_wb_executor"]
    assert type(executor).__name__ == "CompiledExecutor" and not _twins(group)


_SCATTER = ("for p in range({start}, n):\n"
            "    if spike[p]:\n"
            "        a, b = sl[p]\n"
            "        for k in range(a, b):\n"
            "            j = ids[k]\n"
            "            g[j] += w\n")


def test_unsigned_indices_only_where_proven_non_negative():
    text = "\n".join(_twin(_SCATTER.format(start="0")).lines)
    assert "spike[_uintp(p)]" in text and "g[_uintp(j)]" in text
    assert "j = ids[k]" in text          # a row start read from sl may be negative: signed
    text = "\n".join(_twin(_SCATTER.format(start="n - 5")).lines)
    assert "spike[p]" in text and "sl[p]" in text         # n - 5 may be negative


class Shifted(bp.NeuGroup):
    """Writes x[i + 1] from x[i] through two views: each iteration reads the previous one's result."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.x = np.zeros(size + 1)
        self.ahead = self.x[1:]
        self.behind = self.x[:-1]
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.ahead[i] = self.behind[i] + 1.


def test_arrays_that_share_memory_run_the_serial_code(always_parallel):
    bp.backend.set("numba-parallel", dt=0.1)
    group = Shifted(100000)
    group.run(0.1)
    np.testing.assert_array_equal(group.x, np.arange(100001.))     # serial order: a running count
    assert _twins(group) == {"Shifted_update"}
