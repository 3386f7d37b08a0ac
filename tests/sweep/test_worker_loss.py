"""Workers killed for real (os.kill in the worker): no finished row is lost, every failure is a row.

Closed forms (:func:`euler_leaky`) check the rows that ran. The measure kills the worker
process that runs a set with a "deadly" tau, every time that set runs.
"""

import concurrent.futures
import logging
import multiprocessing
import os
import signal

import numpy as np
import pytest

import workbench as bp
from workbench.sweep import SweepError
from workbench.sweep import executors

from .models import build_leaky, euler_leaky, final_V

pytestmark = pytest.mark.slow

DEADLY = (3.0, 6.0)
TAUS = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
OPTIONS = dict(duration=5., inputs=('input', 1.), seed=0, progress=False)


def kill_deadly(group):
    """The measure: SIGKILL this worker process for a deadly tau, else V (closed form known)."""
    if group.tau in DEADLY:
        os.kill(os.getpid(), signal.SIGKILL)
    return final_V(group)


def _check_rows(table, taus=TAUS, lost_status="error"):
    for i, tau in enumerate(taus):
        if tau in DEADLY:
            assert table['status'][i] == lost_status, (i, table['status'][i])
            assert np.isnan(table['V'][i])
        else:
            assert table['status'][i] == 'ok', (i, table['error'][i])
            assert table['V'][i] == pytest.approx(euler_leaky(1., tau, 0.1, 50), rel=1e-12)


def test_two_worker_deaths_in_a_pool_lose_no_other_row():
    # The deadly set dies next to another one (2 workers): both are rerun alone, the
    # neighbour finishes, the deadly set dies again (the second death) and is the error row.
    taus = [2.0, 3.0, 4.0, 5.0]
    table = bp.sweep(build_leaky, {'tau': taus}, measure=kill_deadly, retries=0,
                     executor='processes', n_workers=2, **OPTIONS)
    _check_rows(table, taus)
    assert table['error'][1].startswith("BrokenProcessPool"), table['error'][1]
    assert "worker process running this set failed" in table['error'][1]
    assert table['attempts'][1] == 1


def test_a_broken_user_pool_keeps_finished_rows_and_marks_the_rest():
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context('spawn'))
    try:
        table = bp.sweep(build_leaky, {'tau': TAUS}, measure=kill_deadly, executor=pool,
                         **OPTIONS)
    finally:
        pool.shutdown(wait=False)
    assert table['status'][0] == 'ok'
    assert table['V'][0] == pytest.approx(euler_leaky(1., 2.0, 0.1, 50), rel=1e-12)
    assert set(table['status'][1:]) == {'error'}
    assert "cannot replace a pool it did not make; use executor='processes'" in table['error'][2]


def test_all_sets_failing_is_one_error_with_the_table():
    with pytest.raises(SweepError, match=r"All 1 parameter set failed: BrokenProcessPool.* "
                                         r"\(1 set\)") as info:
        bp.sweep(build_leaky, {'tau': [DEADLY[0]]}, measure=kill_deadly, retries=0,
                 executor='processes', n_workers=1, **OPTIONS)
    assert info.value.table['status'].tolist() == ['error']


def test_dask_worker_deaths_and_loss_of_all_workers_keep_finished_rows(monkeypatch):
    import dask
    from distributed import Client, LocalCluster
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                               host='127.0.0.1', dashboard_address=None,
                               silence_logs=logging.CRITICAL)
    client = Client(cluster)
    try:
        # A worker killed by a set: the nanny restarts it, the set is retried alone and marked.
        taus = [2.0, 3.0, 4.0, 5.0]
        table = bp.sweep(build_leaky, {'tau': taus}, measure=kill_deadly, retries=0,
                         client=client, **OPTIONS)
        _check_rows(table, taus)
        assert "KilledWorker" in table['error'][1]

        # Every worker gone after the first row: that row stays, the others say why.
        monkeypatch.setattr(executors, "NO_WORKER_SECONDS", 1.0)
        def lose_workers(index, row):
            if not lost:
                lost.append(index)
                cluster.scale(0)

        lost = []
        table = bp.sweep(build_leaky, {'tau': [2.0, 4.0, 5.0, 7.0]}, measure=final_V,
                         client=client, on_result=lose_workers, **OPTIONS)
    finally:
        client.close()
        cluster.close()
    (first,) = lost
    assert table['status'][first] == 'ok'
    rest = [i for i in range(4) if i != first]
    assert all(table['status'][i] in ('ok', 'error') for i in rest)
    failed = [i for i in rest if table['status'][i] == 'error']
    assert failed, "scaling to no worker left every set running"
    assert all("the Dask cluster has had no worker" in table['error'][i] for i in failed)
