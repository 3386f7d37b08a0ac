"""An out-of-range index in a compiled step raises SimulationError instead of corrupting memory."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import workbench as bp
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
