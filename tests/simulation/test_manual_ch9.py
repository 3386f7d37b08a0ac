"""Manual chapter 9 (Repeat running mode): parameter search and memory saving, no recompilation.

The chapter runs 500 ms per g_max and 4 x 500 ms for the split run; the tests
use 100 ms runs to stay within the test budget (the code paths are the same).
"""

import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import is_jit_disabled

from .manual_gamma import GABAA, HH

DURATION = 100.


@pytest.fixture
def gamma_backend():
    bp.backend.set('numba', dt=0.04)


def test_parameter_search_compiles_once_for_eleven_runs(gamma_backend):
    num = 100
    np.random.seed(12)
    group = HH(num, monitors=['spike', 'V'])
    conn = GABAA(pre=group, post=group, g_max=0.1 / num,
                 conn=bp.connect.All2All(include_self=False))
    net = bp.Network(group, conn)

    all_g_max = np.arange(0.05, 0.151, 0.01) / num
    assert len(all_g_max) == 11
    all_cc, compilations = [], []
    for i, g_max in enumerate(all_g_max):
        before = bp.jit_compilations()
        conn.g_max = g_max
        group.reset()
        conn.reset()
        net.run(duration=DURATION, inputs=[group, 'input', 1.2], report=True, report_percent=1.)
        compilations.append(bp.jit_compilations() - before)
        all_cc.append(bp.measure.cross_correlation(group.mon.spike, bin=0.5))
    assert compilations[0] > 0 or is_jit_disabled()   # compiled (or loaded from the cache) once
    assert compilations[1:] == [0] * 10         # ... and never again
    assert group.mon.spike.shape == (2500, num)
    assert all(0. <= cc <= 1. for cc in all_cc)
    assert len(set(np.round(all_cc, 12))) > 5   # g_max is run-time data: results change
    # stronger inhibition synchronizes the network (the chapter's figure): the last
    # third of the search is more coherent than the first third
    assert np.mean(all_cc[-4:]) > np.mean(all_cc[:4])


def _gamma_net(num, seed):
    np.random.seed(seed)
    group = HH(num, monitors=['spike', 'V'])
    group.reset()
    conn = GABAA(pre=group, post=group, g_max=0.1 / num,
                 conn=bp.connect.All2All(include_self=False))
    return bp.Network(group, conn), group


def test_memory_saving_split_run_equals_one_long_run(gamma_backend):
    net, group = _gamma_net(60, seed=5)
    net.run(duration=(0., DURATION), inputs=[group, 'input', 1.2], report=True,
            report_percent=0.5)
    first = group.mon.spike.copy()
    before = bp.jit_compilations()
    net.run(duration=(DURATION, 2 * DURATION), inputs=[group, 'input', 1.2])
    assert bp.jit_compilations() == before
    second = group.mon.spike.copy()
    np.testing.assert_allclose(group.mon.spike_t[[0, -1]], [DURATION, 2 * DURATION - 0.04])

    long_net, long_group = _gamma_net(60, seed=5)
    long_net.run(duration=(0., 2 * DURATION), inputs=[long_group, 'input', 1.2])
    np.testing.assert_array_equal(np.concatenate([first, second]), long_group.mon.spike)
    assert long_group.mon.spike.sum() > 60

    # a vector input instead of a number: only the input step (the run loop) is rebuilt
    Iext = np.ones(group.num) * 1.2
    before = bp.jit_compilations()
    net.run(duration=(2 * DURATION, 3 * DURATION), inputs=[group, 'input', Iext], report=True,
            report_percent=0.5)
    assert bp.jit_compilations() - before == (0 if is_jit_disabled() else 1)
    long_net.run(duration=(2 * DURATION, 3 * DURATION), inputs=[long_group, 'input', 1.2])
    np.testing.assert_array_equal(group.mon.spike, long_group.mon.spike)
