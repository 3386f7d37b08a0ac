"""A second process loads a compiled network from numba's disk cache instead of compiling it."""

import os
import subprocess
import sys
import textwrap

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
