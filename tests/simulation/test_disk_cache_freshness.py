"""A second process never loads compiled code that froze values which have changed since.

numba compiles the values of the globals a function reads (arrays, tuples, numbers) and the
defaults of its arguments into the machine code of every caller. Each test edits a module
between two processes and asserts that the second one computes with the new values.
"""

import os
import subprocess
import sys
import textwrap

import pytest

HELPERS = textwrap.dedent("""
    import numba
    import numpy as np

    from wb_fresh_config import BIAS, GAIN

    TABLE = np.linspace(0.0, {table_end}, 100)    # longer than a short array
    SHIFT = (1.0, {shift})


    @numba.njit
    def inner(x):
        return x * TABLE[99] + SHIFT[1]


    def helper(x, k=GAIN):
        return inner(x) * k + BIAS
""")

MODEL = textwrap.dedent("""
    import numpy as np
    import workbench as bp
    import wb_fresh_helpers as helpers
    from wb_fresh_helpers import helper

    class Unit(bp.NeuGroup):
        def __init__(self, size, **kwargs):
            self.V = np.zeros(size)
            self.W = np.zeros(size)
            super().__init__(size=size, **kwargs)

        def update(self, _t):
            for i in range(self.num):
                self.V[i] = helper(1.0)
                self.W[i] = helpers.helper(2.0)

    bp.backend.set('numba', dt=0.1)
    unit = Unit(2)
    unit.run(0.2)
    print(repr(float(unit.V[0])), repr(float(unit.W[0])), bp.jit_stats()['compiled'])
""")


def _expected(table_end, shift, gain, bias):
    return (1.0 * table_end + shift) * gain + bias, (2.0 * table_end + shift) * gain + bias


def _run(folder, cache_dir, **values):
    # helper()'s default and a global it reads come from another module than its own.
    (folder / "wb_fresh_config.py").write_text(f"GAIN = {values['gain']}\nBIAS = {values['bias']}\n")
    (folder / "wb_fresh_helpers.py").write_text(HELPERS.format(**values))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([str(folder), repo, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(folder / "model.py")], capture_output=True,
                          text=True, env=env, cwd=str(folder), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "cannot be compiled" not in done.stderr, done.stderr[-3000:]
    v, w, compiled = done.stdout.split()
    return (float(v), float(w)), int(compiled)


def test_edited_module_values_reach_the_next_process(tmp_path):
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "model.py").write_text(MODEL)
    values = {"table_end": 2.0, "shift": 3.0, "gain": 5.0, "bias": 0.5}
    first, _ = _run(folder, tmp_path / "cache", **values)
    assert first == pytest.approx(_expected(**values))
    again, compiled = _run(folder, tmp_path / "cache", **values)
    assert again == first and compiled == 0      # unchanged modules: loaded from the cache
    # One edit per process: a 100-element global array, a global tuple (both read by a numba
    # function the helper calls), a default taken from another module's constant, and a
    # global the helper imports from that module.
    for edit, value in [("table_end", 4.0), ("shift", 7.0), ("gain", 2.0), ("bias", 1.5)]:
        values[edit] = value
        result, _ = _run(folder, tmp_path / "cache", **values)
        assert result == pytest.approx(_expected(**values)), edit
