"""The same sweep in this process, in a process pool and on a Dask LocalCluster.

One LocalCluster (2 worker processes on 127.0.0.1) serves the whole module. The
gamma-oscillation search of the manual's ch. 9 runs on the numba backend with a
shortened duration; its in-process table is checked against the manual's own
loop, and every executor must give the same table.
"""

import concurrent.futures
import linecache
import logging
import math
import multiprocessing

import numpy as np
import pytest

import workbench as bp
from workbench.sweep import set_seed

from .models import (GAMMA_G_MAX, build_crashing_leaky, build_gamma, build_leaky, coherence,
                     euler_leaky, exit_once, final_V_and_profile)

pytestmark = pytest.mark.slow

DT = 0.04
GAMMA = dict(duration=100., inputs=('HH.input', 1.2), measure=coherence, seed=7, progress=False)
GRID = {'GABAA.g_max': GAMMA_G_MAX}


@pytest.fixture
def numba():
    bp.backend.set('numba', dt=DT)


@pytest.fixture(scope='module')
def client():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host='127.0.0.1',
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope='module')
def pool():
    """A process pool the tests share (its processes keep their compiled models)."""
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context('spawn'))
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture(scope='module')
def gamma_serial():
    """The in-process table (the reference of the other executors)."""
    bp.backend.set('numba', dt=DT)
    bp.sweep.clear_cache()
    try:
        yield bp.sweep(build_gamma, GRID, **GAMMA)
    finally:
        bp.backend.set('numpy', dt=0.1)


def _manual_loop(g_values, seed):
    """Manual ch. 9.1, verbatim but for the seed each set gets from the sweep's rule."""
    net = build_gamma()
    group, conn = net.HH, net.GABAA
    all_cc = []
    for i, g_max in enumerate(g_values):
        conn.g_max = g_max
        np.random.seed(set_seed(seed, i))
        group.reset()
        conn.reset()
        net.run(duration=GAMMA['duration'], inputs=[group, 'input', 1.2])
        all_cc.append(bp.measure.cross_correlation(group.mon.spike, bin=0.5))
    return np.array(all_cc)


def _one_build_per_worker(table):
    for worker in set(table['worker']):
        rows = table[table['worker'] == worker]
        assert rows['built'].sum() == 1, f"{worker} built {rows['built'].sum()} models"
        assert rows['compilations'][rows['built']][0] > 0     # compiled or loaded from disk
        assert np.all(rows['compilations'][~rows['built']] == 0), rows['compilations']


def test_in_process_gamma_search_is_the_manuals_loop(gamma_serial, numba):
    table = gamma_serial
    assert table['status'].tolist() == ['ok'] * 11
    np.testing.assert_array_equal(table['GABAA.g_max'], GAMMA_G_MAX)
    assert np.all((table['cc'] > 0) & (table['cc'] <= 1)) and np.all(table['rate'] > 10)
    np.testing.assert_array_equal(table['cc'], _manual_loop(GAMMA_G_MAX, GAMMA['seed']))
    _one_build_per_worker(table)
    # the model stays built and compiled in this process: a second sweep compiles nothing
    again = bp.sweep(build_gamma, GRID, **GAMMA)
    assert again.equals(table)
    assert not again['built'].any() and not again['compilations'].any()


def test_local_cluster_gives_the_same_table(gamma_serial, client, numba):
    table = bp.sweep(build_gamma, GRID, client=client, **GAMMA)
    assert table.meta['executor'] == 'dask'
    assert table.equals(gamma_serial), (table, gamma_serial)
    assert len(set(table['worker'])) == 2
    _one_build_per_worker(table)


def test_process_pool_gives_the_same_table(gamma_serial, pool, numba):
    table = bp.sweep(build_gamma, GRID, executor=pool, **GAMMA)
    assert table.meta['executor'] == 'ProcessPoolExecutor'
    assert table.equals(gamma_serial), (table, gamma_serial)
    _one_build_per_worker(table)


def test_pool_workers_take_the_drivers_numba_profile(pool, numba):
    """The workers compile under the driver's ``set_numba_profile``, and switch back with it."""
    kwargs = dict(duration=5., inputs=('input', 1.), measure=final_V_and_profile, seed=0,
                  progress=False)
    params = {'tau': [3., 7., 10.]}
    bp.backend.set_numba_profile(fastmath=True)
    fast = bp.sweep(build_leaky, params, **kwargs)
    fast_pool = bp.sweep(build_leaky, params, executor=pool, **kwargs)
    assert fast_pool['fastmath'].tolist() == [1.0] * 3
    assert fast_pool.equals(fast), (fast_pool, fast)
    bp.backend.set_numba_profile(fastmath=False)
    exact_pool = bp.sweep(build_leaky, params, executor=pool, **kwargs)
    assert exact_pool['fastmath'].tolist() == [0.0] * 3
    np.testing.assert_allclose(exact_pool['V'], fast['V'], rtol=1e-14)


def test_a_failing_set_on_the_cluster_is_reported_and_the_others_complete(client, numba):
    sets = [{'GABAA.g_max': 0.001}, {'GABAA.g_max': 0.001, 'HH.gNa': math.nan},
            {'GABAA.g_max': 0.0012}]
    table = bp.sweep(build_gamma, sets, client=client, **GAMMA)
    assert table['status'].tolist() == ['ok', 'error', 'ok']
    assert table['attempts'].tolist() == [1, 2, 1]
    assert "HH 'HH' (size 100): V became NaN" in table['error'][1]
    assert np.isnan(table['HH.gNa'][1]) and table['GABAA.g_max'][1] == 0.001
    assert np.all(np.isfinite(table['cc'][[0, 2]])) and np.isnan(table['cc'][1])
    assert table['built'][1]                            # the retry ran on a fresh model


NOTEBOOK_CELL = '''
import numpy as np
import workbench as bp


class CellNoise(bp.NeuGroup):
    target_backend = ['numpy', 'numba']

    def __init__(self, size, sigma=3., **kwargs):
        self.sigma = sigma
        self.V = np.random.random(size)           # random initial state: the build seed
        self.spike = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def reset(self):
        self.V += 0.1 * np.random.random(self.num)

    def update(self, _t, _dt):
        for i in range(self.num):
            self.V[i] += _dt * (12. - self.V[i]) / 10. + self.sigma * np.sqrt(_dt) * np.random.normal()
            if self.V[i] > 10.:
                self.V[i] = 0.
                self.spike[i] = 1.
            else:
                self.spike[i] = 0.


def build_cell():
    return CellNoise(16, monitors=['spike'], name='C')


def cell_measure(group):
    return {'count': int(group.mon.spike.sum()), 'V': group.V.copy()}
'''


@pytest.fixture(scope='module')
def notebook():
    """Functions and a class defined like in a Jupyter cell: source only in linecache."""
    filename = '<notebook-cell-sweep-tests>'
    linecache.cache[filename] = (len(NOTEBOOK_CELL), None, NOTEBOOK_CELL.splitlines(True),
                                 filename)
    namespace = {'__name__': '__notebook__'}          # no worker can import this module
    exec(compile(NOTEBOOK_CELL, filename, 'exec'), namespace)
    return namespace


def test_notebook_model_with_noise_is_reproducible_on_every_executor(notebook, client, pool,
                                                                      numba):
    kwargs = dict(duration=30., measure=notebook['cell_measure'], repeats=2, seed=5,
                  progress=False)
    params = {'C.sigma': [1., 4.]}
    serial = bp.sweep(notebook['build_cell'], params, **kwargs)
    assert serial['status'].tolist() == ['ok'] * 4 and serial['count'].min() > 0
    assert len(set(serial['count'].tolist())) > 1       # the noise is there
    on_cluster = bp.sweep(notebook['build_cell'], params, client=client, **kwargs)
    assert on_cluster.equals(serial), (on_cluster, serial)
    in_pool = bp.sweep(notebook['build_cell'], params, executor=pool, **kwargs)
    assert in_pool.equals(serial), (in_pool, serial)
    other_seed = bp.sweep(notebook['build_cell'], params, **dict(kwargs, seed=6))
    assert not other_seed.equals(serial)


def test_a_crashed_pool_worker_is_replaced_and_its_set_retried(tmp_path):
    """executor='processes' makes its own pool, so it can replace a broken one."""
    marker = str(tmp_path / 'crashed')
    search = bp.sweep.Sweep(lambda: build_crashing_leaky(marker), [{'crash': True, 'tau': 5.},
                                                                   {'tau': 10.}],
                            duration=5., inputs=('input', 1.), measure=exit_once, seed=0)
    table = search.run(executor='processes', n_workers=1, progress=False)
    assert table['status'].tolist() == ['ok', 'ok']
    assert table['attempts'][0] == 2                     # the first attempt died with its worker
    np.testing.assert_allclose(table['V'], [euler_leaky(1., 5., 0.1, 50),
                                            euler_leaky(1., 10., 0.1, 50)], rtol=1e-12)
