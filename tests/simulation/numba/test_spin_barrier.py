"""Atomic integers and the spin barrier of one-region parallel loops (numba/spin_barrier.py).

A broken barrier shows as a thread reading another thread's value of an earlier
round, or as a hang: the multi-thread tests run their compiled code in Python
threads joined with a timeout, so a hang fails the test instead of the suite.
"""

import threading

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


def test_atomic_operations_refuse_other_arrays():
    @numba.njit
    def add_to_floats(a):
        return sb.atomic_add(a, 0, 1)

    with pytest.raises(numba.core.errors.TypingError):
        add_to_floats(np.zeros(3))


@numba.njit(nogil=True)
def _count(a, times):
    for _ in range(times):
        sb.atomic_add(a, 0, 1)


def _run_threads(target, args_of, count, timeout=60.):
    """Run ``target(*args_of(k))`` on ``count`` Python threads; fail if one is still running."""
    threads = [threading.Thread(target=target, args=args_of(k), daemon=True)
               for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs"


def test_atomic_add_loses_no_increment_across_threads():
    a = np.zeros(1, dtype=np.int64)
    _count(a, 1)
    a[0] = 0
    _run_threads(_count, lambda k: (a, 200_000), 4)
    assert a[0] == 800_000


@numba.njit(nogil=True)
def _rounds(barrier, slots, seen, tid, threads, rounds, abort_at):
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
                seen[tid] += 1                  # another thread's write of this round unseen
        if not sb.barrier_wait(barrier, threads):
            return r
    return rounds


@pytest.mark.parametrize("threads", [2, 4])
def test_after_the_barrier_every_thread_sees_every_write_of_the_round(threads):
    # 4 threads on a 2-core machine: waiting threads must give their core away
    barrier, slots = sb.new_barrier(), np.full(threads, -1, dtype=np.int64)
    seen = np.zeros(threads, dtype=np.int64)
    done = np.zeros(threads, dtype=np.int64)
    _rounds(sb.new_barrier(), np.zeros(1, np.int64), np.zeros(1, np.int64), 0, 1, 1, -1)

    def thread(k):
        done[k] = _rounds(barrier, slots, seen, k, threads, 5000, -1)

    _run_threads(thread, lambda k: (k,), threads)
    assert done.tolist() == [5000] * threads
    assert seen.tolist() == [0] * threads
    assert barrier[sb.COUNT] == 0 and barrier[sb.GENERATION] == 2 * 5000


def test_an_aborting_thread_releases_the_waiting_ones():
    threads = 3
    barrier, slots = sb.new_barrier(), np.zeros(threads, dtype=np.int64)
    seen = np.zeros(threads, dtype=np.int64)
    done = np.zeros(threads, dtype=np.int64)

    def thread(k):
        done[k] = _rounds(barrier, slots, seen, k, threads, 1000, 300)

    _run_threads(thread, lambda k: (k,), threads)
    assert done.tolist() == [300] * threads
    assert barrier[sb.ABORTED] == 1
    assert not sb.barrier_wait(barrier, threads)        # and every later wait returns at once


@numba.njit(nogil=True)
def _thread_work(tid, threads, barrier, slots, seen, ids, rounds):
    ids[tid] = numba.get_thread_id()
    _rounds(barrier, slots, seen, tid, threads, rounds, -1)


@numba.njit(parallel=True, nogil=True)
def _one_region(threads, barrier, slots, seen, ids, rounds):
    for tid in numba.prange(threads):
        _thread_work(tid, threads, barrier, slots, seen, ids, rounds)


def test_prange_over_the_thread_count_runs_every_iteration_on_its_own_thread():
    threads = numba.get_num_threads()
    barrier, slots = sb.new_barrier(), np.zeros(threads, dtype=np.int64)
    seen, ids = np.zeros(threads, dtype=np.int64), np.full(threads, -1, dtype=np.int64)
    result = {}

    def region():
        _one_region(threads, barrier, slots, seen, ids, 2000)
        result["done"] = True

    _run_threads(region, lambda k: (), 1)
    assert result.get("done")
    assert sorted(ids.tolist()) == list(range(threads))
    assert seen.tolist() == [0] * threads
