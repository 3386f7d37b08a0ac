import os
import subprocess
import sys
import textwrap

import workbench as bp
from workbench.backend.jit import jit, load_generated_module


def test_compilations_are_counted_once_per_signature():
    @jit
    def add_one(x):
        return x + 1.0

    before = bp.jit_compilations()
    assert add_one(1.0) == 2.0
    after_first = bp.jit_compilations()
    assert after_first == before + 1
    for _ in range(3):
        add_one(5.0)
    assert bp.jit_compilations() == after_first


def test_foreign_numba_functions_are_not_counted():
    import numba

    @numba.njit
    def foreign(x):
        return x * 2

    before = bp.jit_compilations()
    foreign(3.0)
    assert bp.jit_compilations() == before


def test_inner_functions_run_from_compiled_code_and_refuse_python_calls():
    import numpy as np
    import pytest

    @jit(inner=True)
    def scale_into(a, factor):
        for i in range(a.shape[0]):
            if factor < 0:
                raise IndexError(7, i)
            a[i] *= factor

    @jit
    def caller(a, factor):
        scale_into(a, factor)

    before = bp.jit_compilations()
    a = np.ones(3)
    caller(a, 2.0)
    np.testing.assert_array_equal(a, [2.0, 2.0, 2.0])
    assert bp.jit_compilations() == before + 2          # both are counted
    with pytest.raises(IndexError) as raised:           # exceptions still reach Python
        caller(a, -1.0)
    assert raised.value.args == (7, 0)
    # no Python entry point is compiled: a call from Python raises instead of crashing
    with pytest.raises(TypeError, match="called from compiled code only"):
        scale_into(a, 2.0)


def test_generated_module_gets_namespace_and_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    source = "def f(x):\n    return x * scale\n"
    m1 = load_generated_module(source, "scaled", key_parts=("2",), namespace={"scale": 2})
    m2 = load_generated_module(source, "scaled", key_parts=("3",), namespace={"scale": 3})
    assert m1.f(2) == 4 and m2.f(2) == 6
    assert m1.__file__ != m2.__file__          # different keys, different files
    assert len(list(tmp_path.glob("wb_scaled_*.py"))) == 2


def test_disk_cache_makes_a_second_process_load_instead_of_compile(tmp_path):
    script = textwrap.dedent("""
        import workbench as bp
        from workbench.backend.jit import load_generated_module
        src = "from workbench.backend.jit import jit\\n@jit\\ndef g(x):\\n    return x * 3.0\\n"
        m = load_generated_module(src, "cachetest")
        assert m.g(2.0) == 6.0
        print(bp.jit_stats()['compiled'], bp.jit_stats()['cache_loads'])
    """)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env, check=True).stdout.split()
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, check=True).stdout.split()
    assert first == ["1", "0"]
    assert second == ["0", "1"]


def test_inner_function_linked_into_two_callers_runs_and_raises_in_both():
    # an inner function has no machine code of its own: each caller compiles its own copy,
    # and the exception's arguments (which need the function's environment) reach Python
    import numpy as np
    import pytest

    @jit(inner=True)
    def checked_get(a, i):
        if i >= a.shape[0]:
            raise IndexError(3, i, a.shape[0])
        return a[i]

    @jit
    def first(a, i):
        return checked_get(a, i) + 1.0

    @jit
    def second(a, i):
        return 2.0 * checked_get(a, i)

    a = np.arange(4.0)
    assert first(a, 2) == 3.0 and second(a, 3) == 6.0
    for caller in (first, second):
        with pytest.raises(IndexError) as raised:
            caller(a, 7)
        assert raised.value.args == (3, 7, 4)
    (compiled,) = checked_get.overloads.values()
    assert compiled.library.get_pointer_to_function(compiled.fndesc.llvm_func_name) == 0
