"""Atomic integers and a spin barrier for threads that stay inside one parallel region.

(The engine's region is ``generator/chunk_region.py``: threads the executor starts once
per chunk of steps. What follows was first written for numba's ``prange`` threads, which
``benchmarks/one_region.py`` and the tests still use.)

numba's ``prange`` gives no way for its threads to meet inside a region: every
``prange`` loop is a region of its own, and entering one costs ~1 us, six per
time step on the ch. 6 network (``docs/backends.md``). Threads that run a whole
chunk of steps inside *one* region, each on its own part of the elements, must
instead wait for each other between the parts of a step; these kernels give them
that:

* :func:`atomic_load` (acquire), :func:`atomic_store` (release) and
  :func:`atomic_add` (acquire-release, returns the value before) on an element
  of a 1-d ``int64`` array, as LLVM atomic instructions (a plain load in a spin
  loop may be hoisted out of it by the optimizer and never see the other
  thread's store). Stores and adds refuse read-only arrays when typing. The
  element must be 8-byte aligned, which numba's types cannot tell (a numpy view
  at an odd byte offset types like any other array): numpy's own allocations
  always are, and so is every barrier from :func:`new_barrier`;
* :func:`barrier_wait`: the calling thread waits until all ``threads`` threads
  have called it (a counter and a generation number); it spins with the CPU's
  pause hint first, then gives its core away (``sched_yield``) so that on a
  loaded machine the thread it waits for can run;
* :func:`barrier_abort`: a thread that cannot go on releases every waiting
  thread, and every later :func:`barrier_wait` returns ``False`` at once. An
  aborted barrier stays so (its counter is left as it was); a new run needs
  :func:`new_barrier`. Only threads that call it are covered: an exception numba
  raises inside one thread of a region (``ZeroDivisionError``, a failed index
  check) ends that thread without a word and leaves the others waiting, so a
  thread's work must catch its errors (``try: ... except Exception:
  barrier_abort(barrier); return``) or be proven not to raise.

A barrier is an ``int64`` array from :func:`new_barrier`; its counter, generation
and abort flag lie 64 bytes apart and from the array's ends (one cache line each),
so that threads spinning on the generation do not slow the counter's updates.

The threads of one region must all run at the same time: with numba's OpenMP or
workqueue layer, ``for tid in prange(n)`` with ``n`` equal to the thread count
gives each thread one iteration (``tests/simulation/numba/test_spin_barrier.py``
checks it). The TBB layer promises no such thing (a thread may run two
iterations one after the other, and the first then waits for the second
forever), nor does a region inside another; callers must not use a barrier
there. A ``return`` inside the ``prange`` body itself breaks numba's region (it
hangs); put the thread's work in a function and return from that.
"""

import os
import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ...backend.jit import jit

__all__ = ["atomic_load", "atomic_store", "atomic_add", "cpu_relax", "yield_core",
           "new_barrier", "barrier_wait", "barrier_abort", "COUNT", "GENERATION", "ABORTED",
           "SPINS"]

#: Positions of the counter, the generation and the abort flag in a barrier array.
COUNT, GENERATION, ABORTED = 8, 16, 24

#: Pause-hinted spins before a waiting thread starts yielding its core to the scheduler.
#: One ``pause`` took 27.5 ns on the AMD EPYC development machine (its length differs
#: tenfold between x86 generations), so 1,000 spins are ~30 us there; a thread that keeps
#: waiting then calls ``sched_yield``, which returns at once when no other thread wants
#: the core. (A constant of the compiled code: changing it later changes nothing.)
SPINS = 1000

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")

_POSIX = os.name == "posix"


def _int64_array(array, written=False):
    """A 1-d int64 array aligned for 8-byte atomics (and writable when ``written``)."""
    return (isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.int64
            and array.aligned and (array.mutable or not written))


def _element_pointer(context, builder, array_type, array, index):
    struct = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, struct, [index],
                                    wraparound=False)


def _pointer(context, builder, signature, args):
    """The element's pointer (arguments ``array, index``) in an intrinsic's codegen."""
    index = context.cast(builder, args[1], signature.args[1], types.intp)
    return _element_pointer(context, builder, signature.args[0], args[0], index)


def _written_value(context, builder, signature, args):
    """The pointer and the int64 value of a writing intrinsic (``array, index, value``)."""
    value = context.cast(builder, args[2], signature.args[2], types.int64)
    return _pointer(context, builder, signature, args), value


def _write_typed(array, index, value):
    return (_int64_array(array, written=True) and isinstance(index, types.Integer)
            and isinstance(value, types.Integer))


@intrinsic
def atomic_load(typingctx, array, index):
    """``array[index]`` read atomically with acquire ordering (no bounds check)."""
    if not (_int64_array(array) and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        return builder.load_atomic(_pointer(context, builder, signature, args), "acquire", 8)
    return types.int64(array, index), codegen


@intrinsic
def atomic_store(typingctx, array, index, value):
    """``array[index] = value`` written atomically with release ordering (no bounds check)."""
    if not _write_typed(array, index, value):
        return None

    def codegen(context, builder, signature, args):
        pointer, value = _written_value(context, builder, signature, args)
        builder.store_atomic(value, pointer, "release", 8)
        return context.get_dummy_value()
    return types.void(array, index, value), codegen


@intrinsic
def atomic_add(typingctx, array, index, value):
    """``array[index] += value`` atomically; returns the value before (no bounds check)."""
    if not _write_typed(array, index, value):
        return None

    def codegen(context, builder, signature, args):
        pointer, value = _written_value(context, builder, signature, args)
        return builder.atomic_rmw("add", pointer, value, "acq_rel")
    return types.int64(array, index, value), codegen


def _pause(builder):
    """Emit the x86 ``pause`` hint (nothing on other CPUs)."""
    if _X86:
        pause = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause")
        builder.call(pause, [])


@intrinsic
def cpu_relax(typingctx):
    """The CPU's spin-wait hint (x86 ``pause``; nothing elsewhere)."""

    def codegen(context, builder, signature, args):
        _pause(builder)
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def yield_core(typingctx):
    """Give the core to another runnable thread (POSIX ``sched_yield``; a pause elsewhere).

    The C function is called by its symbol, not through ctypes, so that functions
    calling this stay disk-cacheable.
    """

    def codegen(context, builder, signature, args):
        if _POSIX:
            sched_yield = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.IntType(32), []), "sched_yield")
            builder.call(sched_yield, [])
        else:
            _pause(builder)
        return context.get_dummy_value()
    return types.void(), codegen


def new_barrier():
    """A fresh barrier for :func:`barrier_wait`.

    Returns
    -------
    numpy.ndarray
        ``int64``, with the counter, generation and abort flag (at :data:`COUNT`,
        :data:`GENERATION`, :data:`ABORTED`, each with 64 bytes of padding on both
        sides, so no other data shares their cache lines) all 0.
    """
    return np.zeros(ABORTED + 8, dtype=np.int64)


@jit
def barrier_wait(barrier, threads):
    """Wait until ``threads`` threads have called this on ``barrier``.

    Writes a thread made before its call are seen by every thread after theirs.

    Parameters
    ----------
    barrier : numpy.ndarray
        From :func:`new_barrier`, shared by the threads.
    threads : int
        How many threads meet at it (each round), at least 1.

    Returns
    -------
    bool
        ``True`` when all arrived; ``False`` when the barrier was aborted
        (:func:`barrier_abort`) before the round completed, and at once on every
        call after an abort, and for ``threads < 1``.
    """
    if threads < 1 or atomic_load(barrier, ABORTED) != 0:
        return False
    # read before arriving: read after, it could already be the next round's, and this
    # thread would wait for a round too many
    generation = atomic_load(barrier, GENERATION)
    if atomic_add(barrier, COUNT, 1) == threads - 1:
        # the counter is reset before the generation moves on: a released thread can only
        # arrive at the next round after it has seen the new generation
        atomic_store(barrier, COUNT, 0)
        atomic_store(barrier, GENERATION, generation + 1)
        return True
    spins = 0
    while atomic_load(barrier, GENERATION) == generation:
        if atomic_load(barrier, ABORTED) != 0:
            # the round may have completed just before the abort: it counts as completed
            return atomic_load(barrier, GENERATION) != generation
        if spins < SPINS:
            spins += 1
            cpu_relax()
        else:
            yield_core()
    return True


@jit
def barrier_abort(barrier):
    """Release every thread waiting on ``barrier``; later waits return ``False`` at once.

    Parameters
    ----------
    barrier : numpy.ndarray
        From :func:`new_barrier`; it stays aborted.
    """
    atomic_store(barrier, ABORTED, 1)
