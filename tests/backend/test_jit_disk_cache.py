"""Damaged or unusable disk caches cost a recompilation and a warning, never a failed run."""

import glob
import os
import subprocess
import sys
import textwrap

MODEL = textwrap.dedent("""
    import warnings
    import numpy as np
    import workbench as bp
    from workbench.backend.jit import CacheWarning

    class Unit(bp.NeuGroup):
        def __init__(self, size, step=0.5, **kwargs):
            self.V = np.zeros(size)
            self.step = step
            super().__init__(size=size, **kwargs)

        def update(self, _t):
            for i in range(self.num):
                self.V[i] += self.step

    class Other(Unit):
        def update(self, _t):
            self.V -= self.step

    bp.backend.set('numba', dt=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unit, other = Unit(2), Other(3)
        unit.run(0.2)
        other.run(0.3)
    for w in caught:
        if issubclass(w.category, CacheWarning):
            print("WARNING", str(w.message).replace(chr(10), " "))
    print(unit.V[0], other.V[0], bp.jit_stats()['compiled'])
""")


def _run(folder, cache_dir):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = folder / "model.py"
    script.write_text(MODEL)
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    # numba's files go next to the generated modules (the tests damage them there) unless a
    # NUMBA_CACHE_DIR of the caller's environment sends them elsewhere
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          cwd=str(folder), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    warned = [line[len("WARNING "):] for line in lines if line.startswith("WARNING ")]
    v_unit, v_other, compiled = lines[-1].split()
    # two steps of +0.5 and three of -0.5
    assert (float(v_unit), float(v_other)) == (1.0, -1.5)
    return warned, int(compiled)


def _one(pattern):
    (path,) = glob.glob(pattern)
    return path


def test_damaged_cache_entries_are_compiled_again_with_a_warning(tmp_path):
    cache = tmp_path / "cache"
    warned, compiled = _run(tmp_path, cache)
    assert warned == [] and compiled > 0
    # Damage each kind of file: numba's data file of one loop (truncated), numba's index of
    # the other loop (garbage), and the generated source of a step (edited). Steps have no
    # cache entries of their own (they are compiled only inside the loops that call them).
    assert glob.glob(str(cache / "__pycache__" / "wb_Unit_update_*.nb*")) == []
    data = _one(str(cache / "__pycache__" / "wb_loop_Unit_*.nbc"))
    with open(data, "rb") as fh:
        head = fh.read(100)
    with open(data, "wb") as fh:
        fh.write(head)
    with open(_one(str(cache / "__pycache__" / "wb_loop_Other_*.nbi")), "wb") as fh:
        fh.write(b"garbage")
    with open(_one(str(cache / "wb_Unit_update_*.py")), "a") as fh:
        fh.write("raise SystemExit('stale edit')\n")
    warned, compiled = _run(tmp_path, cache)
    assert len(warned) == 3, warned
    assert sum("run_loop" in w and "unreadable (" in w for w in warned) == 2, warned
    assert any("wb_Unit_update" in w and "damaged" in w for w in warned), warned
    # The entries were written again: the next process loads everything without a warning.
    warned, compiled = _run(tmp_path, cache)
    assert warned == [] and compiled == 0


def test_unusable_cache_dir_falls_back_to_memory_with_one_warning(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    warned, compiled = _run(tmp_path, blocker / "cache")
    assert len(warned) == 1 and "is unusable" in warned[0] and "in memory" in warned[0], warned
    assert compiled > 0
    if os.geteuid() != 0:       # file modes do not stop root
        read_only = tmp_path / "read_only"
        read_only.mkdir()
        read_only.chmod(0o555)
        warned, _ = _run(tmp_path, read_only)
        assert len(warned) == 1 and "is unusable" in warned[0], warned


def test_cache_loads_stay_counted_after_the_dispatcher_is_gone(tmp_path, monkeypatch):
    import gc

    import workbench as bp
    from workbench.backend.jit import load_generated_module

    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    source = "@jit\ndef triple(x):\n    return 3.0 * x\n"
    from workbench.backend.jit import jit
    first = load_generated_module(source, "triple", namespace={"jit": jit})
    assert first.triple(2.0) == 6.0                       # compiled and saved
    second = load_generated_module(source, "triple", namespace={"jit": jit})
    before = bp.jit_stats()
    assert second.triple(2.0) == 6.0                      # a new dispatcher: loaded from disk
    after = bp.jit_stats()
    assert after["cache_loads"] == before["cache_loads"] + 1
    del first, second
    gc.collect()
    assert bp.jit_stats()["cache_loads"] == after["cache_loads"]
