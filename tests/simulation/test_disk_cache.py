"""A second process loads a compiled network from numba's disk cache instead of compiling it."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np
    import workbench as bp
    from tests.sweep.models import build_gamma
    bp.backend.set('numba', dt=0.04)
    np.random.seed(3)
    net = build_gamma()
    net.run(5., inputs=('HH.input', 1.2))
    stats = bp.jit_stats()
    print(stats['compiled'], stats['cache_loads'], repr(float(net.HH.V.sum())))
""")


METHOD_SCRIPT = textwrap.dedent("""
    import numpy as np
    import workbench as bp
    from tests.simulation.test_manual_ch7 import NumbaHH7
    bp.backend.set('numba', dt=0.1)
    group = NumbaHH7(3, monitors=['V'])
    group.run(20., inputs=('input', np.array([5., 10., 15.])))
    stats = bp.jit_stats()
    print(stats['compiled'], stats['cache_loads'], repr(float(group.mon.V.sum())))
""")


def _run(cache_dir, script=SCRIPT):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, WORKBENCH_CACHE_DIR=str(cache_dir),
               PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=repo)
    assert done.returncode == 0, done.stderr[-3000:]
    compiled, loaded, v_sum = done.stdout.split()
    return int(compiled), int(loaded), float(v_sum)


def test_exponential_euler_network_is_loaded_from_the_cache_by_a_second_process(tmp_path):
    # The gamma network's HH and GABAA integrate with exponential Euler, whose generated step
    # calls a kernel helper; the cached loop refers to the step's module by name, so that name
    # must be the same in every process (it once embedded process state and the load failed).
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert first[0] > 0
    assert second[0] == 0 and second[1] > 0
    assert second[2] == first[2]


def test_method_integrator_is_loaded_from_the_cache_by_a_second_process(tmp_path):
    # Chapter 7's integral(self, V, m, h, n, t, Iext) compiles through a rewritten step whose
    # `self.x` reads became parameters; that step's module must be named the same way too.
    first = _run(tmp_path, METHOD_SCRIPT)
    second = _run(tmp_path, METHOD_SCRIPT)
    assert first[0] > 0
    assert second[0] == 0 and second[1] > 0
    assert second[2] == first[2]


def _coba(prob=0.2):
    from tests.simulation import manual_models as mm
    _, net, E, I = mm.run_net(mm.CobaLIF, mm.SynVec5, duration=2., seed=7, n_exc=320, n_inh=80,
                              prob=prob)
    return net, E, I


@pytest.mark.parametrize("backend", ["numba", "numba-parallel"])
def test_a_network_built_again_in_the_same_process_reuses_its_compiled_loop(tmp_path,
                                                                             monkeypatch,
                                                                             backend):
    """Automatic names (CobaLIF0, CobaLIF2, ...) count instances: the loop's source names
    nodes by class and position instead, so the second build neither compiles nor loads
    another copy of the machine code (it took 1.2 s and kept 5.6 MB per build), and the
    cache directory holds one run loop. Under numba-parallel the second build also compiled
    its parallel regions again: numba emptied the dict of PARALLEL_OPTIONS it was given, so
    the regions' cache key (and options) changed after the first compilation."""
    import copy

    import numpy as np

    import workbench as bp
    from workbench.backend.jit import PARALLEL_OPTIONS
    from workbench.simulation.numba.generator import loop
    options = copy.deepcopy(PARALLEL_OPTIONS)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    # another test's network of this structure would otherwise serve the first build from
    # the process's loop cache, and no loop file would be written to tmp_path
    monkeypatch.setattr(loop, "_loop_cache", {})
    bp.backend.set(backend, dt=0.1)
    first, E1, _ = _coba()
    assert PARALLEL_OPTIONS == options
    stats = bp.jit_stats()
    again, E2, _ = _coba()
    assert E1.name != E2.name
    assert bp.jit_stats() == stats                        # neither compiled nor loaded
    assert again._wb_executor.loop is first._wb_executor.loop
    np.testing.assert_array_equal(E2.V, E1.V)
    assert len([f for f in os.listdir(tmp_path) if f.startswith("wb_loop_")]) == 1
    assert "CobaLIF_0__V" in again._wb_executor.source

    from tests.simulation import manual_models as mm
    named = mm.CobaLIF(10, name="E", monitors=["V"])         # another structure: a new loop
    named.run(1.)
    assert named._wb_executor.loop is not first._wb_executor.loop
    assert "E__V" in named._wb_executor.source               # a given name is kept
