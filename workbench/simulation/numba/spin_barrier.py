"""Atomic integers and a spin barrier for threads that stay inside one parallel region.

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
  thread's store);
* :func:`barrier_wait`: the calling thread waits until all ``threads`` threads
  have called it (a counter and a generation number); it spins with the CPU's
  pause hint first, then gives its core away (``sched_yield``) so that on a
  loaded machine the thread it waits for can run;
* :func:`barrier_abort`: a thread that cannot go on (an error) releases every
  waiting thread, and every later :func:`barrier_wait` returns ``False`` at once,
  so no thread is left spinning.

A barrier is an ``int64`` array from :func:`new_barrier`; its counter, generation
and abort flag lie 64 bytes apart (one cache line each), so that threads spinning
on the generation do not slow the counter's updates.

The threads of one region must all run at the same time: with numba's OpenMP or
workqueue layer, ``for tid in prange(n)`` with ``n`` equal to the thread count
gives each thread one iteration (``tests/simulation/numba/test_spin_barrier.py``
checks it). A ``return`` inside the ``prange`` body itself breaks numba's region
(it hangs); put the thread's work in a function and return from that.
"""

import ctypes
import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ...backend.jit import jit

__all__ = ["atomic_load", "atomic_store", "atomic_add", "cpu_relax", "new_barrier",
           "barrier_wait", "barrier_abort", "COUNT", "GENERATION", "ABORTED", "SPINS"]

#: Positions of the counter, the generation and the abort flag in a barrier array.
COUNT, GENERATION, ABORTED = 0, 8, 16

#: Pause-hinted spins before a waiting thread starts yielding its core to the scheduler
#: (a spin is a few ns; a quiet 2-core machine meets at a barrier in well under 1 us).
SPINS = 4000

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")

try:
    _sched_yield = ctypes.CDLL(None).sched_yield      # POSIX
    _sched_yield.restype = ctypes.c_int
    _sched_yield.argtypes = []
except (OSError, AttributeError, TypeError):          # no C library to ask: spin only
    @jit(cache=False)
    def _sched_yield():
        cpu_relax()
        return 0


def _int64_array(array):
    return isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.int64


def _element_pointer(context, builder, array_type, array, index):
    struct = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, struct, [index],
                                    wraparound=False)


@intrinsic
def atomic_load(typingctx, array, index):
    """``array[index]`` read atomically with acquire ordering (no bounds check)."""
    if not (_int64_array(array) and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        pointer = _element_pointer(context, builder, signature.args[0], args[0], index)
        return builder.load_atomic(pointer, "acquire", 8)
    return types.int64(array, index), codegen


@intrinsic
def atomic_store(typingctx, array, index, value):
    """``array[index] = value`` written atomically with release ordering (no bounds check)."""
    if not (_int64_array(array) and isinstance(index, types.Integer)
            and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        value = context.cast(builder, args[2], signature.args[2], types.int64)
        pointer = _element_pointer(context, builder, signature.args[0], args[0], index)
        builder.store_atomic(value, pointer, "release", 8)
        return context.get_dummy_value()
    return types.void(array, index, value), codegen


@intrinsic
def atomic_add(typingctx, array, index, value):
    """``array[index] += value`` atomically; returns the value before (no bounds check)."""
    if not (_int64_array(array) and isinstance(index, types.Integer)
            and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        value = context.cast(builder, args[2], signature.args[2], types.int64)
        pointer = _element_pointer(context, builder, signature.args[0], args[0], index)
        return builder.atomic_rmw("add", pointer, value, "acq_rel")
    return types.int64(array, index, value), codegen


@intrinsic
def cpu_relax(typingctx):
    """The CPU's spin-wait hint (x86 ``pause``; nothing elsewhere)."""

    def codegen(context, builder, signature, args):
        if _X86:
            pause = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause")
            builder.call(pause, [])
        return context.get_dummy_value()
    return types.void(), codegen


def new_barrier():
    """A fresh barrier: an ``int64`` array with counter, generation and abort flag at 0."""
    return np.zeros(ABORTED + 8, dtype=np.int64)


# not disk-cached: numba cannot cache a function that calls a ctypes function (sched_yield)
@jit(cache=False)
def barrier_wait(barrier, threads):
    """Wait until ``threads`` threads have called this on ``barrier``.

    Returns ``True`` when all arrived, ``False`` when a thread called
    :func:`barrier_abort` (then at once, also on every later call). Writes a
    thread made before the call are seen by every thread after it.
    """
    if atomic_load(barrier, ABORTED) != 0:
        return False
    generation = atomic_load(barrier, GENERATION)
    if atomic_add(barrier, COUNT, 1) == threads - 1:
        atomic_store(barrier, COUNT, 0)                 # before the others may arrive again
        atomic_store(barrier, GENERATION, generation + 1)
        return True
    spins = 0
    while atomic_load(barrier, GENERATION) == generation:
        if atomic_load(barrier, ABORTED) != 0:
            return False
        if spins < SPINS:
            spins += 1
            cpu_relax()
        else:
            _sched_yield()
    return True


@jit(cache=False)
def barrier_abort(barrier):
    """Release every thread waiting on ``barrier``; later waits return ``False`` at once."""
    atomic_store(barrier, ABORTED, 1)
