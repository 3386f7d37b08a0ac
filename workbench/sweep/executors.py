"""Where parameter sets run: in this process, in a local process pool, or on a Dask cluster.

Every executor is wrapped in a small *backend* with one interface -- ``submit``
a task, ``wait`` for some to finish, read an ``outcome`` -- so that one driver
loop (:func:`drive`) handles all of them the same way: it keeps tasks in
flight, hands finished records to the caller as they arrive, stops on a mistake
in the sweep itself, and cancels what is left when stopped or interrupted.

No finished row is lost when workers die. A set whose worker died is not
blamed at once: it may only have shared the pool with the set that killed it.
Such *suspects* run again one at a time (a broken pool is replaced first); a
set whose worker dies while it runs alone is charged an attempt, and becomes an
error row when its attempts are used up. When no worker is left (a broken
executor that cannot be replaced, a Dask cluster without workers), the sets not
run become error rows saying so.
"""

import collections
import concurrent.futures
import dataclasses
import multiprocessing
import os
import pickle
import random
import time

import numpy as np

from .errors import SweepError
from .worker import run_task

__all__ = ["make_backend", "drive", "EXECUTORS"]

#: Names accepted by ``executor=``.
EXECUTORS = ("serial", "processes")

#: How long the driver waits before checking for a stop request (seconds).
POLL_SECONDS = 0.2

#: How many times a set the cluster cancelled (without running it) is submitted again.
MAX_UNBLAMED = 5

#: How long scattering the spec again after a worker loss may take (seconds).
SCATTER_SECONDS = 5.0

#: How long a Dask cluster may have no worker before the sets not run become error rows.
NO_WORKER_SECONDS = 30.0


class _SerialBackend:
    """Runs each set in the calling thread, one at a time (the default).

    numpy's and Python's global random states are put back after the sweep,
    since seeding them is a side effect on the user's process.
    """

    name = "serial"
    max_in_flight = 1

    def __init__(self, shipped):
        self.shipped = shipped
        self.workers = 1
        self._numpy_state = np.random.get_state()
        self._random_state = random.getstate()

    def submit(self, task):
        future = concurrent.futures.Future()
        try:
            future.set_result(run_task(self.shipped, task))
        except BaseException as exc:      # KeyboardInterrupt included: surface it at once
            if not isinstance(exc, Exception):
                raise
            future.set_exception(exc)
        return future

    def wait(self, futures):
        return set(futures)

    def outcome(self, future):
        return future.result()

    def cancel(self, futures):
        pass

    def recover(self):
        return True

    def ready(self):
        return True

    def blames(self, exc):
        return True

    def gone(self):
        return None

    def close(self):
        np.random.set_state(self._numpy_state)
        random.setstate(self._random_state)


class _FuturesBackend:
    """A ``concurrent.futures`` executor: a process pool made for the sweep, or the user's.

    Parameters
    ----------
    shipped : ShippedSpec
    executor : concurrent.futures.Executor or None
        The user's executor (kept open), or None to start a pool of ``n_workers``
        spawned processes that is shut down after the sweep.
    n_workers : int or None
        Size of a pool made here (default: the number of CPUs).
    """

    def __init__(self, shipped, executor=None, n_workers=None):
        self.shipped = shipped
        self.owned = executor is None
        self.n_workers = n_workers or os.cpu_count() or 1
        self.executor = executor if executor is not None else self._new_pool()
        self.name = "processes" if self.owned else type(executor).__name__
        self.workers = getattr(self.executor, "_max_workers", self.n_workers)
        # Only as many tasks as workers: when a worker dies the pool fails every task it
        # holds, and each of them must then run again alone to find the one to blame.
        self.max_in_flight = self.workers
        self._unrecoverable = None

    def _new_pool(self):
        # spawn, not fork: the driver may run threads (Jupyter, tqdm, Dask) that a
        # forked child would inherit in an unknown state
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.n_workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, task):
        return self.executor.submit(run_task, self.shipped, task)

    def wait(self, futures):
        done, _ = concurrent.futures.wait(list(futures), timeout=POLL_SECONDS,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def outcome(self, future):
        return future.result()

    def cancel(self, futures):
        for future in futures:
            future.cancel()

    def recover(self):
        """Replace a broken pool made here; a user's broken executor cannot be replaced."""
        broken = getattr(self.executor, "_broken", False)
        if not broken:
            return True
        if not self.owned:
            self._unrecoverable = (f"the {type(self.executor).__name__} passed as `executor` broke "
                                   f"(a worker process died) and a sweep cannot replace a pool it "
                                   f"did not make; use executor='processes' to let it")
            return False
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new_pool()
        return True

    def ready(self):
        return True

    def blames(self, exc):
        """Whether the task may have caused ``exc`` (a worker death while it ran)."""
        return not isinstance(exc, concurrent.futures.CancelledError)

    def gone(self):
        """Why no task can run any more, or None."""
        return self._unrecoverable

    def close(self):
        if self.owned:
            self.executor.shutdown(wait=True, cancel_futures=True)


class _DaskBackend:
    """A ``dask.distributed.Client``: one task per set, the spec scattered once.

    Parameters
    ----------
    shipped : ShippedSpec
    client : distributed.Client
    """

    name = "dask"

    def __init__(self, shipped, client):
        import distributed
        self._distributed = distributed
        self.client = client
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self.max_in_flight = max(256, 8 * self.workers)
        self._spec = shipped
        self._shipped = client.scatter(shipped, broadcast=True, hash=False)
        self._counter = 0
        self._no_worker_since = None
        self._workers_checked_at = -float("inf")
        self._workers_known = True

    def submit(self, task):
        self._counter += 1
        key = f"workbench-sweep-{self.client.id}-{id(self)}-{task.index}-{self._counter}"
        return self.client.submit(run_task, self._shipped, task, key=key, pure=False)

    def wait(self, futures):
        try:
            result = self._distributed.wait(list(futures), timeout=POLL_SECONDS,
                                            return_when="FIRST_COMPLETED")
        except TimeoutError:           # nothing finished yet: let the driver check for a stop
            return set()
        except self._distributed.client.FuturesCancelledError:
            # the cluster dropped some (a killed worker, lost workers): their outcome() raises
            # and the driver runs them again or marks them
            return {future for future in futures if future.done()}
        return result.done

    def outcome(self, future):
        try:
            return future.result()
        finally:
            future.release()

    def cancel(self, futures):
        if futures:
            try:
                self.client.cancel(list(futures))
            except Exception:       # a closed client: nothing left to cancel
                pass

    def ready(self):
        """Whether tasks can be submitted: a worker is there and holds the spec.

        The spec is scattered again when the workers holding it died (the tasks
        needing it were cancelled by the cluster, not run).
        """
        if not self._has_workers():
            return False
        if self._shipped.status != "finished":
            try:
                self._shipped = self.client.scatter(self._spec, broadcast=True, hash=False,
                                                    timeout=SCATTER_SECONDS)
            except Exception:       # the new worker left again: gone() decides when to give up
                return False
        return True

    def recover(self):
        return True

    def blames(self, exc):
        """A cancelled task did not run (lost data, lost workers); a KilledWorker did."""
        return not isinstance(exc, concurrent.futures.CancelledError)

    def _has_workers(self):
        now = time.monotonic()
        if now - self._workers_checked_at >= POLL_SECONDS:     # one scheduler call per poll
            try:
                self._workers_known = bool(self.client.scheduler_info().get("workers"))
            except Exception:
                self._workers_known = False
            self._workers_checked_at = now
        return self._workers_known

    def gone(self):
        """Why no task can run any more (no worker for NO_WORKER_SECONDS, a closed client), or None."""
        if getattr(self.client, "status", "running") in ("closed", "closing"):
            return "the Dask client was closed"
        if self._has_workers():
            self._no_worker_since = None
            return None
        now = time.monotonic()
        if self._no_worker_since is None:
            self._no_worker_since = now
        if now - self._no_worker_since >= NO_WORKER_SECONDS:
            return f"the Dask cluster has had no worker for {NO_WORKER_SECONDS:g} s"
        return None

    def close(self):
        try:
            self.client.cancel([self._shipped])
        except Exception:           # the cluster is gone; the scattered spec with it
            pass


def _looks_like_dask_client(obj):
    return all(hasattr(obj, name) for name in ("submit", "scatter", "gather", "scheduler_info"))


def make_backend(shipped, executor=None, client=None, n_workers=None):
    """The backend for the requested executor.

    Parameters
    ----------
    shipped : ShippedSpec
    executor : None or str or concurrent.futures.Executor or distributed.Client
        ``None``/``'serial'``: this process; ``'processes'``: a pool of
        ``n_workers`` local processes; an Executor instance: that executor.
    client : distributed.Client, optional
        Run on this Dask cluster (takes precedence over ``executor``).
    n_workers : int, optional
        Size of the ``'processes'`` pool.

    Returns
    -------
    _SerialBackend or _FuturesBackend or _DaskBackend

    Raises
    ------
    SweepError
        For an unknown executor or a bad ``n_workers``.
    """
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, int)
                                  or n_workers < 1):
        raise SweepError(f"`n_workers`={n_workers!r} must be a positive integer.")
    if client is not None:
        if not _looks_like_dask_client(client):
            raise SweepError(f"`client`={client!r} is not a dask.distributed.Client; create one "
                             f"with Client('tcp://scheduler:8786') or Client(LocalCluster()).")
        return _DaskBackend(shipped, client)
    if executor is None or executor == "serial":
        return _SerialBackend(shipped)
    if executor == "processes":
        return _FuturesBackend(shipped, None, n_workers)
    if _looks_like_dask_client(executor):
        return _DaskBackend(shipped, executor)
    if isinstance(executor, concurrent.futures.Executor):
        return _FuturesBackend(shipped, executor)
    raise SweepError(f"`executor`={executor!r} is not known; choose 'serial' (this process, the "
                     f"default), 'processes' (a local process pool), a concurrent.futures."
                     f"Executor, or pass client=dask.distributed.Client(...).")


def _lost_record(task, why, attempts):
    return {"index": task.index, "status": "error", "values": None,
            "error": f"{why} (the worker process running this set failed or its result could "
                     f"not be sent back)",
            "traceback": None, "attempts": attempts, "built": False, "worker": None,
            "compilations": 0, "seconds": float("nan"), "cpu_seconds": float("nan")}


def _not_run_record(task, why):
    return {"index": task.index, "status": "error", "values": None,
            "error": f"WorkerLost: not run, {why}", "traceback": None,
            "attempts": task.attempts_before, "built": False, "worker": None, "compilations": 0,
            "seconds": float("nan"), "cpu_seconds": float("nan")}


def drive(backend, tasks, attempts, on_record, stop=None):
    """Run tasks on a backend, handing each finished record to ``on_record``.

    Parameters
    ----------
    backend : _SerialBackend or _FuturesBackend or _DaskBackend
    tasks : list of Task
    attempts : int
        Attempts per set; a set whose worker died *while it ran alone* is run
        again while its attempts last (the worker itself retries sets that raise).
    on_record : callable
        ``on_record(record)`` for every finished set, in finishing order; sets
        that could not run get an error record too.
    stop : threading.Event, optional
        When set, pending tasks are cancelled and the loop returns.

    Returns
    -------
    bool
        True when every task has a record, False when stopped.

    Raises
    ------
    SweepError
        When a worker reports a mistake in the sweep (``'config-error'``); the
        remaining tasks are cancelled.
    """
    queue = collections.deque(tasks)
    suspects = collections.deque()      # in flight when a worker died: run again alone
    unblamed = collections.Counter()    # cancellations by the cluster, per set
    pending = {}
    solo = None                         # the future that has been alone in flight since submitted
    try:
        while queue or suspects or pending:
            if stop is not None and stop.is_set():
                backend.cancel(list(pending))
                return False
            why = backend.gone()
            if why is not None:
                backend.cancel(list(pending))
                for task in list(pending.values()) + list(suspects) + list(queue):
                    on_record(_not_run_record(task, why))
                return True
            if not backend.ready():
                if not pending:
                    time.sleep(POLL_SECONDS)
            elif suspects:
                if not pending:
                    task = suspects.popleft()
                    solo = backend.submit(task)
                    pending[solo] = task
            else:
                while queue and len(pending) < backend.max_in_flight:
                    task = queue.popleft()
                    future = backend.submit(task)
                    # alone from submission to outcome, or not: only then is a death its own
                    solo = future if not pending else None
                    pending[future] = task
            for future in backend.wait(pending):
                task = pending.pop(future)
                try:
                    record = backend.outcome(future)
                except (pickle.PicklingError, SweepError) as exc:
                    raise SweepError(f"Parameter set {task.index} {task.params} could not be "
                                     f"sent to or from a worker: {exc}") from exc
                except Exception as exc:    # the worker died or the task was lost
                    if not backend.recover():
                        suspects.append(task)       # gone() reports it on the next pass
                        continue
                    if not backend.blames(exc):
                        # cancelled by the cluster, not run: again (with the others), a
                        # bounded number of times
                        unblamed[task.index] += 1
                        if unblamed[task.index] <= MAX_UNBLAMED:
                            queue.appendleft(task)
                            continue
                    elif future is not solo:
                        suspects.append(task)       # maybe an innocent neighbour: run it alone
                        continue
                    used = task.attempts_before + 1
                    if used < attempts and backend.blames(exc):
                        suspects.appendleft(dataclasses.replace(task, attempts_before=used))
                        continue
                    record = _lost_record(task, f"{type(exc).__name__}: {exc}", used)
                if record["status"] == "config-error":
                    raise SweepError(f"Parameter set {task.index} {task.params}: "
                                     f"{record['error']}")
                on_record(record)
        return True
    except BaseException:
        backend.cancel(list(pending))
        raise
