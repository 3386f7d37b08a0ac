"""What one parallel region per chunk of steps gains on the 40,000-neuron COBA (hand-written).

``numba-parallel`` enters a ``prange`` region for every parallel step, six per
time step on this network, and every synapse thread scans all presynaptic spikes
(``docs/backends.md``); on 2 cores it gains 1.1-1.3x over ``numba``, short of the
issue's 1.7x. This script measures, outside the engine, the design proposed to
reach it, on the network of ``benchmarks/scale.py`` (the same connections,
weights and initial potentials: ``CobaLIF`` + 4 ``SynVec5``, Euler steps of
0.1 ms, every spike recorded as events):

* ``serial``: one thread; every neuron group writes the list of its spiking
  neurons after its update, so the synapses visit only the spikes (instead of
  scanning the spike array) and the monitor copies the list;
* ``one region``: all threads enter one region for the whole chunk of steps
  (``for tid in prange(threads)``); thread ``t`` owns the ``t``-th slice of every
  group's neurons, updates them, lists its own spikes, then meets the others at a
  spin barrier (``workbench/simulation/numba/spin_barrier.py``) once per step;
  each synapse thread then decays, scatters (two binary searches find its part
  of each spiking neuron's row) and outputs for its own post-synaptic slice, and
  thread 0 records the spike lists as events. Spike lists alternate between two
  buffers by step parity, so one barrier per step suffices.

Both compute every element with the same operations in the same order: their
spikes and potentials must be bitwise equal (printed as one hash per run). Each
run also prints, per thread, the CPU time-stamp counter's cycles per step in each
phase (neurons, spike lists, waiting at the barrier, synapses, event recording),
which shows where the parallel step loses against half the serial one. The
two alternate in one process, every run is printed, and the ratio of the medians
is the answer. A loaded machine (another process on one of the 2 cores) ruins
the parallel runs; the load is printed with every run.

Usage::

    PYTHONPATH=. python benchmarks/one_region.py [--size 40000] [--steps 2000] [--rounds 5]
"""

import argparse
import hashlib
import os
import sys
import time

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workbench.simulation.numba.parallel_kernels import owned_span  # noqa: E402
from workbench.simulation.numba.spin_barrier import barrier_wait, new_barrier  # noqa: E402

DT = 0.1
TAU, V_TH, V_RESET, E_L, REF, I_EXT = 20., -50., -60., -60., 5.0, 20.   # manual_models.py
#: Columns apart that two threads' spike-list counters are kept (no shared cache line).
PAD = 8
#: Descents of an index array whose rows are all sorted (``parallel_kernels.descents``).
SORTED = np.zeros(0, dtype=np.int64)
#: Phases of a step whose cycles each thread adds up (``phases[thread, k]``).
PHASES = ("neurons", "spike lists", "barrier wait", "synapses", "events")


@intrinsic
def _cycles(typingctx):
    """The CPU's time-stamp counter (``llvm.readcyclecounter``): cheap, per-thread timing."""

    def codegen(context, builder, signature, args):
        counter = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(64), []), "llvm.readcyclecounter")
        return builder.call(counter, [])
    return types.int64(), codegen


def network(size):
    """Arrays of the ``benchmarks/scale.py`` network: ``(V_E, V_I, synapses)``.

    ``synapses`` is four ``(pre, post, tau, weight, E, pre_slice, post_ids)`` (pre and post 0
    for the excitatory group, 1 for the inhibitory one).
    """
    import workbench as bp
    from scale import coba_network
    bp.backend.set("numpy", dt=DT)
    _, E, I, synapses = coba_network(size)
    groups = {id(E): 0, id(I): 1}
    return (np.array(E.V, dtype=np.float64), np.array(I.V, dtype=np.float64),
            [(groups[id(s.pre)], groups[id(s.post)], float(s.tau), float(s.weight), float(s.E),
              np.ascontiguousarray(s.pre_slice, dtype=np.int64),
              np.ascontiguousarray(s.post_ids, dtype=np.int64)) for s in synapses])


@numba.njit(nogil=True, inline="always")
def _neurons(lo, hi, t, V, spike, inp, t_last):
    """CobaLIF's update; stores blended by arithmetic (LLVM turns ``x[i] = a if c else x[i]``
    into masked vector stores, several times slower on AMD cores than plain ones)."""
    for i in range(lo, hi):
        v_old, t_old = V[i], t_last[i]
        awake = 1.0 if (t - t_old) > REF else 0.0
        v = v_old + DT * ((inp[i] + E_L - v_old) / TAU)
        fired = awake * (1.0 if v >= V_TH else 0.0)
        V[i] = fired * V_RESET + (awake - fired) * v + (1.0 - awake) * v_old
        spike[i] = fired
        t_last[i] = fired * t + (1.0 - fired) * t_old
        inp[i] = I_EXT


@numba.njit(nogil=True, inline="always")
def _list_spikes(lo, hi, spike, spikes, row, counts):
    count = 0
    for i in range(lo, hi):
        if spike[i] != 0:
            spikes[row, count] = i
            count += 1
    counts[row] = count


@numba.njit(nogil=True, inline="always")
def _synapses(lo, hi, g, tau, weight, E, pre_slice, post_ids, V, inp, spikes, counts, rows):
    """SynVec5's update for the post-synaptic slice ``[lo, hi)``; the presynaptic spikes are
    listed in the rows ``rows`` of ``spikes``."""
    for j in range(lo, hi):
        g[j] = g[j] + DT * (-g[j] / tau)
    first, last = np.int64(lo), np.int64(hi)
    for row in rows:
        for q in range(counts[row]):
            pre = spikes[row, q]
            # the engine's parallel twins' search (rows of bp.connect are sorted)
            start, end = owned_span(post_ids, SORTED, pre_slice[pre, 0], pre_slice[pre, 1],
                                    first, last)
            for k in range(start, end):
                g[post_ids[k]] += weight
    for j in range(lo, hi):
        inp[j] += g[j] * (E - V[j])


@numba.njit(nogil=True, inline="always")
def _step_synapses(lo_e, hi_e, lo_i, hi_i, V_E, V_I, in_E, in_I, g, taus, weights, Es, slices, ids,
                   spikes, counts, rows):
    """The four SynVec5 steps; ``rows[0]``, ``rows[1]`` list the spikes of E and I."""
    _synapses(lo_e, hi_e, g[0], taus[0], weights[0], Es[0], slices[0], ids[0], V_E, in_E, spikes,
              counts, rows[0])
    _synapses(lo_i, hi_i, g[1], taus[1], weights[1], Es[1], slices[1], ids[1], V_I, in_I, spikes,
              counts, rows[0])
    _synapses(lo_e, hi_e, g[2], taus[2], weights[2], Es[2], slices[2], ids[2], V_E, in_E, spikes,
              counts, rows[1])
    _synapses(lo_i, hi_i, g[3], taus[3], weights[3], Es[3], slices[3], ids[3], V_I, in_I, spikes,
              counts, rows[1])


@numba.njit(nogil=True, inline="always")
def _record(step, spikes, counts, rows, n_e, times, indices, recorded):
    """Events (step, neuron; I after E) of the spikes listed in ``rows[group]``."""
    n = recorded[0]
    for group in range(2):
        offset = 0 if group == 0 else n_e
        for row in rows[group]:
            for q in range(counts[row]):
                times[n] = step
                indices[n] = offset + spikes[row, q]
                n += 1
    recorded[0] = n


@numba.njit(nogil=True)
def serial(i0, i1, V_E, V_I, s_E, s_I, in_E, in_I, t_E, t_I, g, taus, weights, Es, slices, ids,
           spikes, counts, times, indices, recorded, phases):
    """Steps ``i0 .. i1 - 1`` on one thread (cycles per phase added to ``phases[0]``)."""
    n_e, n_i = np.uintp(V_E.shape[0]), np.uintp(V_I.shape[0])
    zero = np.uintp(0)
    rows = np.array([[0], [PAD]], dtype=np.int64)          # the spike lists of E and I
    for step in range(i0, i1):
        t = step * DT
        c0 = _cycles()
        _neurons(zero, n_e, t, V_E, s_E, in_E, t_E)
        _neurons(zero, n_i, t, V_I, s_I, in_I, t_I)
        c1 = _cycles()
        _list_spikes(zero, n_e, s_E, spikes, rows[0, 0], counts)
        _list_spikes(zero, n_i, s_I, spikes, rows[1, 0], counts)
        c2 = _cycles()
        _step_synapses(zero, n_e, zero, n_i, V_E, V_I, in_E, in_I, g, taus, weights, Es, slices,
                       ids, spikes, counts, rows)
        c3 = _cycles()
        _record(step, spikes, counts, rows, n_e, times, indices, recorded)
        c4 = _cycles()
        phases[0, 0] += c1 - c0
        phases[0, 1] += c2 - c1
        phases[0, 3] += c3 - c2
        phases[0, 4] += c4 - c3


@numba.njit(nogil=True)
def _thread(tid, threads, i0, i1, V_E, V_I, s_E, s_I, in_E, in_I, t_E, t_I, g, taus, weights,
            Es, slices, ids, spikes, counts, times, indices, recorded, barrier, phases):
    n_e, n_i = V_E.shape[0], V_I.shape[0]
    # unsigned bounds: numba's wrap-around test of signed indices keeps LLVM from vectorizing
    lo_e, hi_e = np.uintp(tid * n_e // threads), np.uintp((tid + 1) * n_e // threads)
    lo_i, hi_i = np.uintp(tid * n_i // threads), np.uintp((tid + 1) * n_i // threads)
    # the spike-list rows of each buffer, group (E, I) and thread, PAD rows apart
    rows_of = np.empty((2, 2, threads), dtype=np.int64)
    for buffer in range(2):
        for group in range(2):
            for u in range(threads):
                rows_of[buffer, group, u] = ((buffer * 2 + group) * threads + u) * PAD
    for step in range(i0, i1):
        t = step * DT
        buffer = step & 1                  # the other buffer may still be read by a slower thread
        c0 = _cycles()
        _neurons(lo_e, hi_e, t, V_E, s_E, in_E, t_E)
        _neurons(lo_i, hi_i, t, V_I, s_I, in_I, t_I)
        c1 = _cycles()
        _list_spikes(lo_e, hi_e, s_E, spikes, rows_of[buffer, 0, tid], counts)
        _list_spikes(lo_i, hi_i, s_I, spikes, rows_of[buffer, 1, tid], counts)
        c2 = _cycles()
        if not barrier_wait(barrier, threads):
            return
        c3 = _cycles()
        _step_synapses(lo_e, hi_e, lo_i, hi_i, V_E, V_I, in_E, in_I, g, taus, weights, Es, slices,
                       ids, spikes, counts, rows_of[buffer])
        c4 = _cycles()
        if tid == 0:
            _record(step, spikes, counts, rows_of[buffer], n_e, times, indices, recorded)
        c5 = _cycles()
        phases[tid, 0] += c1 - c0
        phases[tid, 1] += c2 - c1
        phases[tid, 2] += c3 - c2
        phases[tid, 3] += c4 - c3
        phases[tid, 4] += c5 - c4


@numba.njit(parallel=True, nogil=True)
def one_region(i0, i1, V_E, V_I, s_E, s_I, in_E, in_I, t_E, t_I, g, taus, weights, Es, slices,
               ids, spikes, counts, times, indices, recorded, phases, barrier, threads):
    """Steps ``i0 .. i1 - 1`` on ``threads`` threads in one region (cycles per phase added
    to ``phases[thread]``)."""
    for tid in numba.prange(threads):
        _thread(tid, threads, i0, i1, V_E, V_I, s_E, s_I, in_E, in_I, t_E, t_I, g, taus, weights,
                Es, slices, ids, spikes, counts, times, indices, recorded, barrier, phases)


@numba.njit(parallel=True)
def _first_region(x):
    for k in numba.prange(x.shape[0]):
        x[k] = k


def _state(V_E, V_I, synapses, steps, threads):
    n_e, n_i = V_E.shape[0], V_I.shape[0]
    rows = 2 * 2 * threads * PAD
    by_post = [n_e if post == 0 else n_i for _, post, *_ in synapses]
    return [V_E.copy(), V_I.copy(), np.zeros(n_e), np.zeros(n_i), np.zeros(n_e), np.zeros(n_i),
            np.full(n_e, -1e7), np.full(n_i, -1e7),
            tuple(np.zeros(n) for n in by_post),
            np.array([s[2] for s in synapses]), np.array([s[3] for s in synapses]),
            np.array([s[4] for s in synapses]),
            tuple(s[5] for s in synapses), tuple(s[6] for s in synapses),
            np.zeros((rows, n_e + n_i), dtype=np.int64), np.zeros(rows, dtype=np.int64),
            np.zeros(_capacity(n_e + n_i, steps), dtype=np.int64),
            np.zeros(_capacity(n_e + n_i, steps), dtype=np.int64), np.zeros(1, dtype=np.int64),
            np.zeros((threads, 8), dtype=np.int64)]


def _capacity(neurons, steps):
    """Events that ``steps`` steps can record: a neuron spikes at most once per refractory
    period (and in the step it leaves it), so the event arrays need no bounds checks."""
    return neurons * (1 + int(steps * DT / REF) + 1)


def _digest(state):
    recorded = state[-2][0]
    digest = hashlib.sha1()
    for array in (state[0], state[1], state[-4][:recorded], state[-3][:recorded]):
        digest.update(np.ascontiguousarray(array).tobytes())
    return recorded, digest.hexdigest()[:16]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40000)
    parser.add_argument("--steps", type=int, default=2000, help="time steps per run (0.1 ms)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    threads = numba.get_num_threads()
    _first_region(np.zeros(threads))           # numba picks its threading layer on first use
    if numba.threading_layer() == "tbb":
        # TBB may run two iterations of prange(threads) on one thread: the first would wait
        # at the barrier for the second forever
        sys.exit("one_region.py needs numba's OpenMP or workqueue threading layer "
                 "(NUMBA_THREADING_LAYER=omp), not tbb")
    V_E, V_I, synapses = network(args.size)
    print(f"COBA {args.size} neurons, {args.steps} steps per run, {threads} threads, numba "
          f"{numba.__version__}; load {os.getloadavg()[0]:.2f}", flush=True)
    runs = {"serial": [], "one region": []}
    digests = set()
    for round_ in range(args.rounds):
        for name in runs:
            state = _state(V_E, V_I, synapses, args.steps + 1, threads)
            if name == "serial":
                def call(i0, i1):
                    serial(i0, i1, *state)
            else:
                barrier = new_barrier()

                def call(i0, i1):
                    one_region(i0, i1, *state, barrier, threads)
            started = time.perf_counter()
            call(0, 1)                                   # compiles in the first round
            first = time.perf_counter() - started
            phases = state[-1]
            phases[:] = 0
            started = time.perf_counter()
            call(1, args.steps + 1)
            elapsed = time.perf_counter() - started
            runs[name].append(elapsed)
            spikes, digest = _digest(state)
            digests.add(digest)
            print(f"  round {round_ + 1} {name:10s} {elapsed:.3f} s  "
                  f"{elapsed / args.steps * 1e6:7.1f} us per step  (first call {first:.2f} s)  "
                  f"spikes {spikes}  hash {digest}  load {os.getloadavg()[0]:.2f}", flush=True)
            used = 1 if name == "serial" else threads
            print("      thousand cycles per step: " + " | ".join(
                f"thread {u}: " + ", ".join(f"{phase} {phases[u, k] / args.steps / 1e3:.0f}"
                                             for k, phase in enumerate(PHASES))
                for u in range(used)), flush=True)
    ratios = [s / p for s, p in zip(runs["serial"], runs["one region"])]
    serial_s, region_s = np.median(runs["serial"]), np.median(runs["one region"])
    print(f"median serial {serial_s:.3f} s, one region {region_s:.3f} s: "
          f"{serial_s / region_s:.2f}x; rounds: " + ", ".join(f"{r:.2f}x" for r in ratios))
    print(f"spikes and potentials identical in every run: {len(digests) == 1}; numba "
          f"threading layer {numba.threading_layer()}")


if __name__ == "__main__":
    main()
