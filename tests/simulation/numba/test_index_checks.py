"""An out-of-range index in a compiled step raises SimulationError instead of corrupting memory."""

import os
import random
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

import workbench as bp
from tests.simulation import manual_models as mm
from workbench.backend.jit import is_jit_disabled
from workbench.errors import SimulationError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import workbench as bp
    from workbench.simulation.numba.generator import index_checks
    index_checks.ENABLED = sys.argv[1] == "on"
    bp.backend.set("numba", dt=0.1)

    class Scatter(bp.NeuGroup):
        target_backend = ["numpy", "numba"]

        def __init__(self, size, targets, **kwargs):
            self.V = np.zeros(size)
            self.targets = targets
            super().__init__(size=size, **kwargs)

        def update(self, _t):
            if _t > 0.25:
                for j in self.targets:
                    self.V[j] += 1.

    group = Scatter(5, np.array([0, 4, 10 ** 9]), name="S")
    try:
        group.run(1.)
    except Exception as exc:
        print(type(exc).__name__ + ": " + str(exc))
""")


def _run(mode, tmp_path):
    script = tmp_path / "scatter.py"           # a file: compiled steps need their source
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)


def test_a_scatter_past_the_array_raises_a_clear_error_in_a_subprocess(tmp_path):
    done = _run("on", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]          # no signal, no crash
    assert "SimulationError: Scatter 'S'" in done.stdout
    assert "index 1000000000 is out of range for self.V (5 elements)" in done.stdout
    assert "t=0.3 ms (step 3 of the run) in step 'update'" in done.stdout
    line = [text.strip() for text in SCRIPT.splitlines()].index("self.V[j] += 1.") + 1
    assert f"scatter.py, line {line})" in done.stdout
    assert "valid indices are -5 to 4" in done.stdout


def test_without_the_checks_the_same_run_corrupts_memory(tmp_path):
    """What the checks prevent (so the test above can fail): the write lands 8 GB away."""
    done = _run("off", tmp_path)
    assert done.returncode != 0 or "SimulationError" not in done.stdout


class Guarded(bp.NeuGroup):
    """Loops over more positions than `short` has, reading it only where it exists."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.short = np.arange(3.)
        self.ids = np.array([-1, -5, 2])
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            if i < 3:
                self.V[i] += self.short[i]
            self.V[i - 1] += 0.5
        for k in range(3):
            self.V[self.ids[k]] += 10.


def test_guarded_and_negative_indices_behave_as_in_numpy():
    """A loop bound larger than an array is not an error by itself; negative indices count
    from the end (the check allows -size .. size - 1, as numpy does)."""
    results = {}
    for backend in ("numba", "numpy"):
        bp.backend.set(backend, dt=0.1)
        group = Guarded(5)
        group.run(0.3)
        results[backend] = group.V.copy()
    np.testing.assert_array_equal(results["numba"], results["numpy"])
    # V[-1] is V[4]: 0.5 (i = 0) and 10 (ids[0] = -1) per step; V[-5] is V[0]
    assert results["numba"][4] == 3 * (0.5 + 10.)
    assert results["numba"][0] == 3 * (0. + 0.5 + 10.)


@pytest.mark.parametrize("bad", [5, -6])
def test_an_index_just_outside_raises_on_both_backends(bad):
    for backend in ("numba", "numpy"):
        bp.backend.set(backend, dt=0.1)
        group = Guarded(5)
        group.ids = np.array([0, bad, 1])
        with pytest.raises(SimulationError, match=r"Guarded .*t=0 ms.*step 'update'"):
            group.run(0.3)


def test_the_loop_over_a_provably_valid_range_is_checked_once():
    bp.backend.set("numba", dt=0.1)
    group = Guarded(5)
    group.run(0.1)
    source = group._wb_executor.source
    # V[i] and V[i - 1] under range(self.num): one condition before the loop covers them
    assert "_k2 - 1 <= self__V.shape[0]" in source
    assert "self__V[self__ids[k]]" not in source            # a read index: checked at use
    assert "_check_index(self__ids[k], self__V.shape[0]" in source


class ReadIndex(bp.NeuGroup):
    """Indices read from an integer array: V[j] with j = ids[k]."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, ids, rewrite_at=None, **kwargs):
        self.V = np.zeros(size)
        self.ids = ids
        self.rewrite_at = 1e9 if rewrite_at is None else rewrite_at
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        if _t > self.rewrite_at:
            self.ids[1] = 2 * self.num           # the step itself writes the index array
        for k in range(self.ids.shape[0]):
            j = self.ids[k]
            self.V[j] += 1.


def test_indices_read_from_an_array_are_proved_by_its_range_once_per_run():
    bp.backend.set("numba", dt=0.1)
    group = ReadIndex(5, np.array([0, 4, 2]))
    group.run(0.3)
    np.testing.assert_array_equal(group.V, [3., 0., 3., 0., 3.])
    source = group._wb_executor.source
    assert "_check_index_unless(j, self__V.shape[0]" in source
    group.ids[2] = 5                             # changed between runs: the range is measured again
    with pytest.raises(SimulationError, match=r"index 5 is out of range for self.V"):
        group.run(0.3)


def test_negative_indices_read_from_an_array_count_from_the_end_as_in_numpy():
    """The fast copy indexes with unsigned integers, proven by ``min(ids) >= 0``; an array
    with negative entries must take the checked copy, where -1 is the last element."""
    bp.backend.set("numba", dt=0.1)
    group = ReadIndex(5, np.array([0, -1, 2, -5]))
    group.run(0.3)
    np.testing.assert_array_equal(group.V, [6., 0., 3., 0., 3.])
    assert "_nonnegative_index(j)" in group._wb_executor.source
    group.ids[:] = [0, 4, 2, 1]                  # all non-negative: the fast copy, same sums
    group.run(0.3)
    np.testing.assert_array_equal(group.V, [9., 3., 6., 0., 6.])
    group.ids[1] = -6
    with pytest.raises(SimulationError, match=r"index -6 is out of range for self.V"):
        group.run(0.3)


def test_an_index_array_written_during_the_run_is_checked_at_every_use():
    bp.backend.set("numba", dt=0.1)
    group = ReadIndex(5, np.array([0, 4, 2]), rewrite_at=0.15)
    with pytest.raises(SimulationError, match=r"index 10 is out of range for self.V .*t=0.2 ms"):
        group.run(0.5)


# -- checked copies compiled on demand ------------------------------------------------------
class Growing(bp.NeuGroup):
    """A loop whose bound outgrows ``V`` during the run, reading ``V`` only where it exists.

    From ``t = 1.05`` on (step 11) the range of ``range(self.reach)`` is no longer proven, so
    the first compile (without checked copies) cannot run that step: the chunk is run again.
    """
    target_backend = ["numpy", "numba", "numba-parallel"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.spike = np.zeros(size, dtype=bool)
        self.reach = 2
        self.calls = 0.
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        self.calls += 1.
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += 0.25 * (i + 1)
                self.spike[i] = self.V[i] > 1.
                if self.spike[i]:
                    self.V[i] = 0.


def _growing(backend, duration=2.0, **run_kwargs):
    bp.backend.set(backend, dt=0.1)
    group = Growing(4, monitors=["V", "spike"])
    group.run(duration, **run_kwargs)
    return group


def test_a_first_compile_has_no_checked_copies_only_a_raise():
    bp.backend.set("numba", dt=0.1)
    E = mm.CobaLIF(40)
    syn = mm.SynVec5(pre=E, post=E, conn=bp.connect.FixedProb(0.2, seed=1), tau=5., weight=0.6,
                     E=0.)
    net = bp.Network(E, syn)
    net.run(1.)
    executor = net._wb_executor
    assert not executor.checked_copies
    assert "raise _RangeNotProven()" in executor.source
    assert "_check_index(" not in executor.source.split("def CobaLIF_update")[1].split("def ")[0]


@pytest.mark.parametrize("backend", ["numba", "numba-parallel"])
def test_a_chunk_whose_range_is_not_proven_runs_again_with_checked_copies(backend):
    reference = _growing("numpy")
    compiled_before = bp.jit_compilations()
    group = _growing(backend)
    executor = group._wb_executor
    assert executor.checked_copies            # switched during the run
    assert "raise _RangeNotProven()" not in executor.source
    # the chunk that switched ran once more from its snapshot: nothing counted twice
    assert group.calls == reference.calls == 20
    np.testing.assert_array_equal(group.V, reference.V)
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)
    np.testing.assert_array_equal(group.mon.spike, reference.mon.spike)
    events, expected = group.mon.spike_events, reference.mon.spike_events
    assert len(events.steps) == len(expected.steps) > 0       # no event recorded twice
    np.testing.assert_array_equal(events.steps, expected.steps)
    np.testing.assert_array_equal(events.indices, expected.indices)
    # (NUMBA_DISABLE_JIT=1 runs the same Python code and compiles nothing to count)
    assert bp.jit_compilations() > compiled_before or is_jit_disabled()
    compiled = bp.jit_compilations()
    group.run(1.)                                # a repeat run: the checked loop, compiled once
    assert bp.jit_compilations() == compiled


def test_the_rerun_keeps_numbers_and_events_of_the_run_before():
    """The switch in the second of two runs: the first run's records stay, the second's chunk
    restarts from its own snapshot (numbers written by the loop included)."""
    reference = _growing("numpy", duration=0.8)
    reference.run((0.8, 2.0))
    group = _growing("numba", duration=0.8)
    assert not group._wb_executor.checked_copies
    group.run((0.8, 2.0))
    assert group._wb_executor.checked_copies
    assert group.calls == reference.calls == 20
    np.testing.assert_array_equal(group.V, reference.V)
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)
    np.testing.assert_array_equal(group.mon.spike, reference.mon.spike)


def test_without_a_snapshot_the_checked_copies_are_compiled_before_the_chunk(monkeypatch):
    from workbench.simulation import failures
    monkeypatch.setattr(failures, "SNAPSHOT_LIMIT_BYTES", 0)
    reference = _growing("numpy")
    group = _growing("numba")
    assert group._wb_executor.checked_copies
    assert group.calls == reference.calls
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)


def test_build_run_steps_reruns_the_chunk_too():
    reference = _growing("numpy")
    bp.backend.set("numba", dt=0.1)
    group = Growing(4, monitors=["V", "spike"])
    run_steps = group.build(2.0)
    assert not group._wb_executor.checked_copies
    run_steps(0, 5)
    run_steps(5, 20)
    assert group._wb_executor.checked_copies
    assert group.calls == reference.calls
    np.testing.assert_array_equal(group.V, reference.V)
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)


def test_an_index_error_behind_an_unproven_range_is_still_named_exactly():
    """The rerun with checked copies raises the same error as a checked first compile."""
    bp.backend.set("numba", dt=0.1)
    group = Guarded(5)
    group.short = np.arange(2.)               # i = 2 < 3 reads past `short` at the first step
    with pytest.raises(SimulationError, match=r"index 2 is out of range for self.short "
                                              r"\(2 elements\) at t=0 ms \(step 0 of the run\)"):
        group.run(0.3)


class RandomGrowing(Growing):
    """:class:`Growing` with a random draw per element: a chunk run again must draw the same."""

    def update(self, _t):
        self.calls += 1.
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += np.random.random() * 0.5


@numba.njit
def _seed_numba(seed):
    np.random.seed(seed)


def _random_growing():
    bp.backend.set("numba", dt=0.1)
    group = RandomGrowing(4, monitors=["V"])
    _seed_numba(7)
    group.run(2.0)
    return group


class PythonRandomGrowing(Growing):
    """:class:`RandomGrowing` drawing from Python's ``random`` (numba's second generator)."""

    def update(self, _t):
        self.calls += 1.
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += random.random() * 0.5


@numba.njit
def _seed_numba_python_random(seed):
    random.seed(seed)


def test_a_chunk_run_again_draws_the_same_python_random_numbers(monkeypatch):
    def run():
        bp.backend.set("numba", dt=0.1)
        group = PythonRandomGrowing(4, monitors=["V"])
        _seed_numba_python_random(7)
        group.run(2.0)
        return group
    switched = run()
    assert switched._wb_executor.checked_copies
    from workbench.simulation import failures
    monkeypatch.setattr(failures, "SNAPSHOT_LIMIT_BYTES", 0)    # checked from the first chunk
    checked = run()
    np.testing.assert_array_equal(switched.mon.V, checked.mon.V)
    assert np.unique(np.diff(checked.mon.V[:, 0])).size > 5       # it did draw


def test_a_chunk_run_again_draws_the_same_random_numbers(monkeypatch):
    switched = _random_growing()
    assert switched._wb_executor.checked_copies
    from workbench.simulation import failures
    monkeypatch.setattr(failures, "SNAPSHOT_LIMIT_BYTES", 0)    # checked from the first chunk
    checked = _random_growing()
    assert checked.calls == switched.calls == 20
    np.testing.assert_array_equal(switched.mon.V, checked.mon.V)
    assert np.unique(np.diff(checked.mon.V[:, 0])).size > 5       # it did draw


#: A global array that a step writes: the runner's snapshot (of the run's objects) has no copy.
STEP_COUNT = np.zeros(1)


class CountingGrowing(Growing):
    """:class:`Growing` that also counts its steps in a global array, before the loop."""

    def update(self, _t):
        STEP_COUNT[0] += 1.
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += 0.25 * (i + 1)


def test_a_chunk_run_again_puts_back_the_global_arrays_its_steps_wrote():
    STEP_COUNT[0] = 0.
    bp.backend.set("numba", dt=0.1)
    group = CountingGrowing(4)
    group.run(2.0)
    assert group._wb_executor.checked_copies          # the chunk from t = 1.05 ran twice
    assert STEP_COUNT[0] == 20.                       # numpy's count: each step once


class Counted(bp.NeuGroup):
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.count = 0.
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        pass


class PokeGrowing(bp.TwoEndConn):
    """Writes its post group's ``V`` and ``count`` before a loop that outgrows ``w``."""
    target_backend = ["numpy", "numba"]

    def __init__(self, pre, post, **kwargs):
        self.w = np.zeros(4)
        self.reach = 2
        super().__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.post.V[0] += 1.
        self.post.count += 1.
        if _t > 1.:
            self.reach = 6
        for i in range(self.reach):
            if i < 4:
                self.w[i] += 1.


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_chunk_run_again_puts_back_objects_that_are_not_part_of_the_run(backend):
    """A synapse run alone writes its post group, which is not among the run's objects."""
    bp.backend.set(backend, dt=0.1)
    post = Counted(3)
    poke = PokeGrowing(post, post, monitors=["w"])
    poke.run(2.0)
    if backend == "numba":
        assert poke._wb_executor.checked_copies
    assert post.V[0] == 20. and post.count == 20.
    np.testing.assert_array_equal(poke.w, [20., 20., 9., 9.])


class AliasGrowing(Growing):
    """Writes arrays through local names before the loop: an int array and a large float array."""

    def __init__(self, size, **kwargs):
        self.hits = np.zeros(3, dtype=np.int64)
        self.big = np.zeros(200_000)             # over the 1 MiB of small float state
        super().__init__(size, **kwargs)

    def update(self, _t):
        hits = self.hits
        hits[0] += 1
        big = self.big
        big[0] += 1.
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += 0.25 * (i + 1)


def test_a_chunk_run_again_puts_back_arrays_written_through_a_local_name():
    bp.backend.set("numba", dt=0.1)
    group = AliasGrowing(4)
    group.run(2.0)
    assert group._wb_executor.checked_copies
    assert group.hits[0] == 20 and group.big[0] == 20.     # numpy's counts: each step once


def test_an_interrupted_switch_to_checked_copies_leaves_a_working_executor(monkeypatch):
    """A KeyboardInterrupt while the checked copies load must not leave the cached executor
    with new arguments for the old loop (every later run then failed)."""
    from workbench.simulation.numba import executor as numba_executor
    load = numba_executor.load_loop_module
    calls = []

    def interrupted_once(code, plan):
        calls.append(code.checked_copies)
        if code.checked_copies and calls.count(True) == 1:
            raise KeyboardInterrupt
        return load(code, plan)
    monkeypatch.setattr(numba_executor, "load_loop_module", interrupted_once)
    reference = _growing("numpy")
    bp.backend.set("numba", dt=0.1)
    group = Growing(4, monitors=["V"])
    with pytest.raises(KeyboardInterrupt):
        group.run(2.0)
    group.V[:], group.calls, group.reach = 0., 0., 2     # start again, as a user would
    group.run(2.0)
    assert group._wb_executor.checked_copies
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)


class ViewGrowing(Growing):
    """Writes int arrays through views held by local names (a row, a slice) and a ufunc's out."""

    def __init__(self, size, **kwargs):
        self.counts = np.zeros((2, 3), dtype=np.int64)
        self.flat = np.zeros(6, dtype=np.int64)
        self.acc = np.zeros(3, dtype=np.int64)
        self.filled = np.zeros(3, dtype=np.int64)
        super().__init__(size, **kwargs)

    def update(self, _t):
        row = self.counts[1]
        row[0] += 1
        part = self.flat[2:4]
        part[0] += 1
        np.add(self.acc, 1, self.acc)            # a ufunc's out
        self.filled.fill(self.filled[0] + 1)     # a method of the array
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += 0.25 * (i + 1)


def test_a_chunk_run_again_puts_back_arrays_written_through_a_view():
    bp.backend.set("numba", dt=0.1)
    group = ViewGrowing(4)
    group.run(2.0)
    assert group._wb_executor.checked_copies
    assert group.counts[1, 0] == 20 and group.flat[2] == 20 and group.acc[0] == 20
    assert group.filled[2] == 20
