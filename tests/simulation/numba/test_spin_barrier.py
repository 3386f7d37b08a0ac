"""Atomic integers and the spin barrier of one-region parallel loops (numba/spin_barrier.py).

A broken barrier shows as a thread reading another thread's value of an earlier
round, or as a hang: the multi-thread tests run their compiled code in Python
threads joined with a timeout, and on a timeout abort the barrier so that the
threads end, so a hang fails the test instead of the suite. The memory ordering
(acquire and release, the counter reset before the generation moves on) is argued
in the code, not tested: x86 keeps stores in order even where the code would not
need to.
"""

import threading
import time

import numba
import numpy as np
import pytest

from workbench.simulation.numba import spin_barrier as sb


@numba.njit(nogil=True)
def _single_thread_ops(a):
    before = sb.atomic_add(a, 3, 5)
    after = sb.atomic_add(a, 3, -2)
    sb.atomic_store(a, 1, 42)
    return before, after, sb.atomic_load(a, 1), sb.atomic_load(a, 3)


def test_atomic_operations_on_one_thread():
    a = np.zeros(5, dtype=np.int64)
    a[3] = 10
    assert _single_thread_ops(a) == (10, 15, 42, 13)
    assert a.tolist() == [0, 42, 0, 13, 0]


@numba.njit
def _add(a):
    return sb.atomic_add(a, 0, 1)


@numba.njit
def _store(a):
    sb.atomic_store(a, 0, 1)


@numba.njit
def _load(a):
    return sb.atomic_load(a, 0)


def test_atomic_operations_refuse_other_arrays():
    read_only = np.zeros(3, dtype=np.int64)
    read_only.flags.writeable = False
    for func, array in [(_add, np.zeros(3)), (_add, np.zeros((2, 2), dtype=np.int64)),
                        (_add, read_only), (_store, read_only),
                        (_load, np.zeros(3, dtype=np.int32))]:
        with pytest.raises(numba.core.errors.TypingError):
            func(array)
    assert _load(read_only) == 0                         # reading a read-only array is fine


@numba.njit(nogil=True)
def _count(a, gate, threads, returned):
    """Wait until all threads are here (so that they overlap), then add 1 to ``a[0]`` many
    times, keeping the value each add returned."""
    sb.atomic_add(gate, 0, 1)
    while sb.atomic_load(gate, 0) < threads:
        sb.cpu_relax()
    for k in range(returned.shape[0]):
        returned[k] = sb.atomic_add(a, 0, 1)


def _run_threads(target, args_of, count, barrier=None, timeout=120.):
    """Run ``target(*args_of(k))`` on ``count`` Python threads; fail if one is still running.

    On a timeout the ``barrier`` (when given) is aborted, so that the threads end
    instead of spinning through the rest of the test suite.
    """
    threads = [threading.Thread(target=target, args=args_of(k), daemon=True)
               for k in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0., deadline - time.monotonic()))
    hanging = [thread for thread in threads if thread.is_alive()]
    if hanging and barrier is not None:
        sb.barrier_abort(barrier)
        for thread in hanging:
            thread.join(10.)
    assert not hanging, f"{len(hanging)} of {count} threads hang"


def test_atomic_add_loses_no_increment_across_threads():
    threads, per_thread = 4, 2_000_000
    a, gate = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    returned = np.full((threads, per_thread), -1, dtype=np.int64)
    _count(a, np.ones(1, dtype=np.int64), 1, returned[0, :1])      # compile
    a[0] = 0
    _run_threads(_count, lambda k: (a, gate, threads, returned[k]), threads)
    # every add saw a different value before it: none was lost or counted twice
    assert a[0] == threads * per_thread
    assert np.array_equal(np.sort(returned, axis=None), np.arange(threads * per_thread))


@numba.njit(nogil=True)
def _rounds(barrier, slots, missed, tid, threads, rounds, abort_at):
    """Each round: write my slot, meet, read every slot, meet again (before the next writes)."""
    for r in range(rounds):
        if r == abort_at and tid == threads - 1:
            sb.barrier_abort(barrier)           # this thread fails and leaves
            return r
        slots[tid] = r
        if not sb.barrier_wait(barrier, threads):
            return r
        for u in range(threads):
            if slots[u] != r:
                missed[tid] += 1                # another thread's write of this round not seen
        if not sb.barrier_wait(barrier, threads):
            return r
    return rounds


@pytest.mark.parametrize("threads", [2, 4])
def test_after_the_barrier_every_thread_sees_every_write_of_the_round(threads):
    # 4 threads on a 2-core machine: waiting threads must give their core away
    barrier, slots = sb.new_barrier(), np.full(threads, -1, dtype=np.int64)
    missed = np.zeros(threads, dtype=np.int64)
    done = np.zeros(threads, dtype=np.int64)
    _rounds(sb.new_barrier(), np.zeros(1, np.int64), np.zeros(1, np.int64), 0, 1, 1, -1)

    def thread(k):
        done[k] = _rounds(barrier, slots, missed, k, threads, 5000, -1)

    _run_threads(thread, lambda k: (k,), threads, barrier)
    assert done.tolist() == [5000] * threads
    assert missed.tolist() == [0] * threads
    assert barrier[sb.COUNT] == 0 and barrier[sb.GENERATION] == 2 * 5000


def test_an_aborting_thread_releases_the_waiting_ones():
    threads = 3
    barrier, slots = sb.new_barrier(), np.zeros(threads, dtype=np.int64)
    missed = np.zeros(threads, dtype=np.int64)
    done = np.zeros(threads, dtype=np.int64)

    def thread(k):
        done[k] = _rounds(barrier, slots, missed, k, threads, 1000, 300)

    _run_threads(thread, lambda k: (k,), threads, barrier)
    assert done.tolist() == [300] * threads
    assert barrier[sb.ABORTED] == 1
    assert not sb.barrier_wait(barrier, threads)        # and every later wait returns at once


@numba.njit(nogil=True)
def _thread_work(tid, threads, barrier, slots, missed, ids, rounds):
    ids[tid] = numba.get_thread_id()
    _rounds(barrier, slots, missed, tid, threads, rounds, -1)


@numba.njit(parallel=True, nogil=True)
def _one_region(threads, barrier, slots, missed, ids, rounds):
    for tid in numba.prange(threads):
        _thread_work(tid, threads, barrier, slots, missed, ids, rounds)


def test_prange_over_the_thread_count_runs_every_iteration_on_its_own_thread():
    threads = numba.get_num_threads()       # at most numba's NUMBA_NUM_THREADS (the cores)
    barrier, slots = sb.new_barrier(), np.zeros(threads, dtype=np.int64)
    missed, ids = np.zeros(threads, dtype=np.int64), np.full(threads, -1, dtype=np.int64)
    result = {}

    def region():
        _one_region(threads, barrier, slots, missed, ids, 2000)
        result["done"] = True

    _run_threads(region, lambda k: (), 1, barrier)
    assert result.get("done")
    assert sorted(ids.tolist()) == list(range(threads))
    assert missed.tolist() == [0] * threads


def test_one_thread_passes_at_once_and_fewer_than_one_fails():
    barrier = sb.new_barrier()
    assert sb.barrier_wait(barrier, 1) and sb.barrier_wait(barrier, 1)
    assert barrier[sb.GENERATION] == 2 and barrier[sb.COUNT] == 0
    assert not sb.barrier_wait(sb.new_barrier(), 0)
    assert not sb.barrier_wait(sb.new_barrier(), -3)
