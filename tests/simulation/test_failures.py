"""StateWatch: NaN/inf checks between chunks and the snapshots that replay a failing chunk."""

import os
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import workbench as bp
from workbench.errors import SimulationError
from workbench.simulation.failures import StateWatch


def _poison(values, position):
    # a helper the step calls: its stores are not the step's own, so no compiled NaN
    # watch sees them and only the check after the chunk finds the NaN
    values[position] = values[position] - values[position] + np.nan


class LatePoisoner(bp.NeuGroup):
    """Counts steps in a number and in an array, and poisons ``x`` through a helper at step ``at``.

    Both counts must agree for the poison: a replay that started from a wrong snapshot
    of either would not poison at the right step.
    """

    def __init__(self, at, **kwargs):
        self.at = at
        self.count = 0
        self.x = bp.ops.zeros(4)
        self.y = bp.ops.zeros(4)
        super().__init__(size=4, **kwargs)

    def update(self, _t):
        for i in range(4):
            self.y[i] += 1.
        self.count += 1
        if self.count == self.at and self.y[0] == self.at:
            _poison(self.x, 2)


@pytest.mark.parametrize("at", [3, 24, 50])
def test_a_nan_the_steps_do_not_store_is_timed_by_replaying_its_chunk(backend, at):
    # 50 steps in 10 chunks: the replay starts from the snapshot of the chunk holding
    # step `at` (the snapshot buffers were written by every chunk before it), and must
    # find the number `count` and the array `y` as they were there to land on the step
    group = LatePoisoner(at, name="late")
    with pytest.raises(SimulationError, match=rf"LatePoisoner 'late' \(size 4\): x became NaN at "
                                              rf"t={(at - 1) / 10:g} ms \(step {at - 1} of the "
                                              rf"run\) in step 'update'"):
        group.run(5.)


def _scaled(values, factor):
    return values * factor


class WholeArrayScaler(bp.NeuGroup):
    """Scales ``V`` as a whole array (no element store, so no compiled NaN flag) at step ``at``."""

    def __init__(self, at, factor, **kwargs):
        self.at = at
        self.factor = factor
        self.count = 0
        self.V = bp.ops.ones(3)
        super().__init__(size=3, **kwargs)

    def update(self, _t):
        self.count += 1
        if self.count == self.at:
            self.V = _scaled(self.V, self.factor)


def test_a_failed_run_leaves_numpys_generator_as_the_failing_chunk_found_it(backend):
    # a progress callback (user code) draws between chunks; the replay restores the failing
    # chunk's snapshot, numpy's random state included: 8 chunks of 5 steps ran before step 43
    np.random.seed(0)
    expected = np.random.random_sample(9)[8]
    np.random.seed(0)
    group = LatePoisoner(44, name="late")
    with pytest.raises(SimulationError, match=r"x became NaN at t=4\.3 ms"):
        group.run(5., progress=lambda fraction: np.random.random())
    assert np.random.random() == expected


def test_a_replay_whose_python_steps_rebind_an_array_still_finds_its_nan(backend):
    # compiled, V is written in place by a whole-array store and only the check after the
    # chunk sees the NaN; the replay then runs the step in Python, where `self.V = ...` binds
    # a new array: the watch must follow the attribute, not the array the compiled run wrote
    # (else the replay finds nothing: "V became NaN between t=2 and 2.4 ms")
    group = WholeArrayScaler(24, np.nan, name="scaler")
    with pytest.raises(SimulationError, match=r"WholeArrayScaler 'scaler' \(size 3\): V became "
                                              r"NaN at t=2\.3 ms \(step 23 of the run\) in step "
                                              r"'update'"):
        group.run(5.)


class _Delay:
    def __init__(self):
        self.data = np.arange(6.).reshape(3, 2)
        self.head = np.zeros(1, dtype=np.int64)


class _Node:
    def __init__(self):
        self.v = np.linspace(0., 1., 5)
        self.flags = np.zeros(5, dtype=bool)
        self.rate = 2.5
        self.steps = 7
        self.name = "node"
        self._delays = {"v": _Delay()}


def _state(node):
    return (node.v.copy(), node.flags.copy(), node.rate, node.steps,
            node._delays["v"].data.copy(), node._delays["v"].head.copy())


def _assert_state(node, expected):
    actual = _state(node)
    for got, want in zip(actual, expected):
        np.testing.assert_array_equal(got, want)


def _change(node, amount):
    node.v += amount                 # arrays change in place, numbers by name, as
    node.flags[1] = not node.flags[1]  # compiled steps and their sync do
    node.rate += amount
    node.steps += 1
    node._delays["v"].data += amount
    node._delays["v"].head[0] = (node._delays["v"].head[0] + 1) % 3


@pytest.mark.parametrize("fixed", [False, True])
def test_restoring_a_snapshot_puts_back_the_state_when_it_was_taken(fixed):
    node = _Node()
    watch = StateWatch([node], [], fixed=fixed)
    written = [(node, "v"), (node, "flags")]
    first = watch.snapshot(written)
    at_first = _state(node)
    _change(node, 1.)
    second = watch.snapshot(written)
    at_second = _state(node)
    _change(node, 10.)
    watch.restore(second)
    _assert_state(node, at_second)
    assert node.v is not second["nodes"][0][1]["v"]       # restored into the object's array
    if not fixed:
        watch.restore(first)                              # each snapshot is its own copy
        _assert_state(node, at_first)


@pytest.mark.parametrize("fixed", [False, True])
def test_check_reports_only_new_non_finite_values(fixed):
    node = _Node()
    node.v[0] = -np.inf                                   # infinite from the start: fine
    watch = StateWatch([node], [], fixed=fixed)
    rows = lambda record: slice(0, 0)                     # noqa: E731
    assert watch.check(rows, np.zeros(1)) is None
    node.v[3] = np.inf
    found = watch.check(rows, np.zeros(1))
    assert (found.name, found.kind) == ("v", "inf")
    node.v[3] = 0.
    node._delays["v"].data[1, 1] = np.nan
    found = watch.check(rows, np.zeros(1))
    assert (found.name, found.kind) == ("v (delay buffer)", "NaN")


def test_the_fixed_watch_finds_the_arrays_once_and_the_dynamic_one_every_time():
    node = _Node()
    rows = lambda record: slice(0, 0)                     # noqa: E731
    dynamic, fixed = StateWatch([node], []), StateWatch([node], [], fixed=True)
    node.late = np.array([np.nan])     # an attribute only a Python step could add mid-run
    assert dynamic.check(rows, np.zeros(1)).name == "late"
    assert fixed.check(rows, np.zeros(1)) is None


class RandomPoisoner(bp.NeuGroup):
    """Poisons ``x`` through a helper at the first step after the 20th whose draw is below 0.1."""

    def __init__(self, **kwargs):
        self.count = 0
        self.x = bp.ops.zeros(4)
        super().__init__(size=4, **kwargs)

    def update(self, _t):
        self.count += 1
        u = np.random.random()
        if self.count > 20 and u < 0.1:
            _poison(self.x, 2)


def _run_without_jit(script, cache_dir):
    """The lines ``script`` prints, run in a process with ``NUMBA_DISABLE_JIT=1``."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", WORKBENCH_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script],
                          capture_output=True, text=True, env=env, cwd=repo, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()


_RANDOM_POISON = textwrap.dedent("""
    import numpy as np
    import workbench as bp
    from workbench.errors import SimulationError
    from tests.simulation.test_failures import RandomPoisoner

    draws = np.random.RandomState(3).random_sample(50)
    print(next(i for i in range(20, 50) if draws[i] < 0.1))
    bp.backend.set("numba", dt=0.1)
    np.random.seed(3)
    group = RandomPoisoner(name="rp")
    try:
        group.run(5.)
    except SimulationError as exc:
        print(exc)
    print(type(group.__dict__["_wb_executor"]).__name__)
""")


def test_with_numba_disabled_the_replay_draws_the_random_numbers_of_its_chunk(tmp_path):
    # NUMBA_DISABLE_JIT=1: the "compiled" loop runs as Python and its steps draw from numpy's
    # global generator, so each chunk's snapshot must hold numpy's random state at that chunk
    # (a state taken once per run made the replay draw other numbers and miss the step)
    step, message, executor = _run_without_jit(_RANDOM_POISON, tmp_path)[-3:]
    assert executor == "CompiledExecutor"       # the generated loop, run as Python
    assert int(step) >= 30                     # in a later chunk than the first
    assert message == (f"RandomPoisoner 'rp' (size 4): x became NaN at t={int(step) / 10:g} ms "
                       f"(step {step} of the run) in step 'update'.")


_BLIP = textwrap.dedent("""
    import workbench as bp
    from workbench.errors import SimulationError
    from tests.simulation.test_nan_within_a_chunk import Blip

    bp.backend.set("numba", dt=0.1)
    group = Blip(3, name="blip")
    group.run(0.4)                    # before the NaN: the baselines run at the first step
    print(type(group.__dict__["_wb_executor"]).__name__)
    try:
        group.run(20.)
    except SimulationError as exc:
        print(exc)
""")


def test_with_numba_disabled_the_nan_watch_of_the_generated_loop_runs_as_python(tmp_path):
    # the watch's kernels then run as Python: none may call a numba intrinsic directly
    # (``_unlikely`` raised NotImplementedError at the first step of every run)
    executor, message = _run_without_jit(_BLIP, tmp_path)[-2:]
    assert executor == "CompiledExecutor"
    assert message == ("Blip 'blip' (size 3): V became NaN at t=0.5 ms (step 5 of the run) in "
                       "step 'update'.")


class _Switch:
    """A node whose step flips a bool number (a compiled step's cell)."""

    def __init__(self):
        self.v = np.zeros(2)
        self.on = False
        self.np_on = np.bool_(False)


@pytest.mark.parametrize("fixed", [False, True])
def test_restoring_a_snapshot_puts_back_bool_numbers(fixed):
    """A chunk run again (RerunChunk) starts from the snapshot: a bool a step wrote must be
    put back like every other number (compiled steps write it back mid-chunk when event
    buffers grow)."""
    node = _Switch()
    watch = StateWatch([node], [], fixed=fixed)
    snap = watch.snapshot([(node, "v")])
    node.on, node.np_on = True, np.bool_(True)
    watch.restore(snap)
    assert node.on is False and not node.np_on


class FlipGrowing(bp.NeuGroup):
    """Flips a bool every step; spikes from t = 0.3 on; a loop that outgrows ``V`` from t = 1.05."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.spike = np.zeros(size, dtype=bool)
        self.reach = 2
        self.flip = False
        self.ones = 0.
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        self.flip = not self.flip
        if self.flip:
            self.ones += 1.
        for i in range(self.num):
            self.spike[i] = _t > 0.25
        if _t > 1.:
            self.reach = self.num + 2
        for i in range(self.reach):
            if i < self.num:
                self.V[i] += 1.


def test_a_chunk_run_again_after_its_event_buffers_grew_restores_bool_cells(monkeypatch):
    from workbench.simulation.nodes import records
    monkeypatch.setattr(records, "_INITIAL_EVENTS", 8)     # the buffers grow at step 7
    bp.backend.set("numba", dt=0.1)
    group = FlipGrowing(4, monitors=["spike"])
    run_steps = group.build(2.05)
    run_steps(0, 21)                                       # one chunk: grows, then reruns
    assert group._wb_executor.checked_copies
    assert group.flip is True and group.ones == 11.        # 21 flips from False, as numpy
    assert len(group.mon.spike_events.steps) == 4 * 18


@pytest.mark.parametrize("fixed", [False, True])
def test_restoring_a_snapshot_puts_back_pythons_random_state_too(fixed):
    """Python steps (numpy backend, a replay, NUMBA_DISABLE_JIT=1) may draw from ``random``:
    a chunk replayed or run again must draw what it drew the first time."""
    import random
    node = _Node()
    watch = StateWatch([node], [], fixed=fixed)
    random.seed(5)
    snap = watch.snapshot([(node, "v")])
    first = [random.random() for _ in range(3)]
    watch.restore(snap)
    assert [random.random() for _ in range(3)] == first


class PythonRandomPoisoner(bp.NeuGroup):
    """Poisons ``x`` at the first step whose draw from Python's ``random`` is below 0.1."""
    target_backend = ["numpy"]

    def __init__(self, **kwargs):
        self.x = bp.ops.zeros(2)
        super().__init__(size=2, **kwargs)

    def update(self, _t):
        if random.random() < 0.1:
            self.x[0] = np.nan


def test_the_replay_of_a_python_step_that_draws_from_random_finds_its_nan():
    import random as python_random
    python_random.seed(11)
    expected = next(i for i in range(1000) if python_random.random() < 0.1)
    bp.backend.set("numpy", dt=0.1)
    group = PythonRandomPoisoner()
    python_random.seed(11)
    with pytest.raises(SimulationError, match=rf"x became NaN at t=.* \(step {expected} of the run\)"):
        group.run(100.)
