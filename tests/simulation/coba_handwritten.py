"""Hand-written ``@numba.njit`` loops of the manual's ch. 6 COBA network, one per synapse variant.

The reference for ``benchmarks/coba.py`` (speed) and ``test_coba_handwritten.py``
(identical spikes). Each loop does the work the variant's ``update()`` asks
for -- the same structures, the same arithmetic in the same order -- written the
way a person would write it by hand: explicit index loops, no temporaries, no
checks. Nothing here is generated or imported from the engine; only the
connectivity (the connector's arrays) and the initial state are shared, so the
spikes of a correct engine are identical to these.

``build(variant, ...)`` returns a :class:`Handwritten` whose ``simulate(t0, steps)``
advances the network and returns the dense spike records.
"""

import time

import numba
import numpy as np

import workbench as bp

from . import manual_models as mm

VARIANTS = ("SynVec1", "SynVec2", "SynVec3", "SynVec4", "SynVec5")
# what each variant asks its connector for (manual ch. 6)
REQUIRES = {"SynVec1": ("pre_ids", "post_ids"), "SynVec2": ("pre2syn", "post2syn"),
            "SynVec3": ("pre2post",), "SynVec4": ("pre_ids", "post_slice"),
            "SynVec5": ("pre_slice", "post_ids")}
PER_SYNAPSE = ("SynVec1", "SynVec2", "SynVec4")       # g has one entry per synapse, else per post
DT = 0.1


@numba.njit(cache=False)
def lif_kernel(t, V, spike, inp, t_last, ref, El, tau, Vt, Vr, drive):
    for i in range(V.shape[0]):
        spike[i] = 0.
        if t - t_last[i] > ref:
            v = V[i] + DT * ((inp[i] + El - V[i]) / tau)
            if v >= Vt:
                V[i] = Vr
                spike[i] = 1.
                t_last[i] = t
            else:
                V[i] = v
        inp[i] = drive


@numba.njit(cache=False)
def decay_kernel(g, tau):
    for j in range(g.shape[0]):
        g[j] = g[j] + DT * (-g[j] / tau)


@numba.njit(cache=False)
def synvec1_kernel(g, tau, weight, E, pre_spike, pre_ids, post_ids, unused_a, unused_b,
                   post_input, post_V):
    decay_kernel(g, tau)
    for syn in range(pre_ids.shape[0]):
        if pre_spike[pre_ids[syn]]:
            g[syn] += weight
    for syn in range(post_ids.shape[0]):
        post = post_ids[syn]
        post_input[post] += g[syn] * (E - post_V[post])


@numba.njit(cache=False)
def synvec2_kernel(g, tau, weight, E, pre_spike, pre2syn_ptr, pre2syn, post2syn_ptr, post2syn,
                   post_input, post_V):
    decay_kernel(g, tau)
    for pre in range(pre_spike.shape[0]):
        if pre_spike[pre]:
            for k in range(pre2syn_ptr[pre], pre2syn_ptr[pre + 1]):
                g[pre2syn[k]] += weight
    for post in range(post_input.shape[0]):
        for k in range(post2syn_ptr[post], post2syn_ptr[post + 1]):
            post_input[post] += g[post2syn[k]] * (E - post_V[post])


@numba.njit(cache=False)
def synvec3_kernel(g, tau, weight, E, pre_spike, pre2post_ptr, pre2post, unused_a, unused_b,
                   post_input, post_V):
    decay_kernel(g, tau)
    for pre in range(pre_spike.shape[0]):
        if pre_spike[pre]:
            for k in range(pre2post_ptr[pre], pre2post_ptr[pre + 1]):
                g[pre2post[k]] += weight
    for post in range(post_input.shape[0]):
        post_input[post] += g[post] * (E - post_V[post])


@numba.njit(cache=False)
def synvec4_kernel(g, tau, weight, E, pre_spike, pre_ids, post_slice, unused_a, unused_b,
                   post_input, post_V):
    decay_kernel(g, tau)
    for syn in range(pre_ids.shape[0]):
        if pre_spike[pre_ids[syn]]:
            g[syn] += weight
    for post in range(post_input.shape[0]):
        for syn in range(post_slice[post, 0], post_slice[post, 1]):
            post_input[post] += g[syn] * (E - post_V[post])


@numba.njit(cache=False)
def synvec5_kernel(g, tau, weight, E, pre_spike, pre_slice, post_ids, unused_a, unused_b,
                   post_input, post_V):
    decay_kernel(g, tau)
    for pre in range(pre_spike.shape[0]):
        if pre_spike[pre]:
            for k in range(pre_slice[pre, 0], pre_slice[pre, 1]):
                g[post_ids[k]] += weight
    for post in range(post_input.shape[0]):
        post_input[post] += g[post] * (E - post_V[post])


KERNELS = {"SynVec1": synvec1_kernel, "SynVec2": synvec2_kernel, "SynVec3": synvec3_kernel,
           "SynVec4": synvec4_kernel, "SynVec5": synvec5_kernel}


def _make_run(synapse):
    """One run loop per variant: ``synapse`` is a compile-time constant of the closure."""

    @numba.njit(cache=False)
    def run(i0, i1, t0, neuron_params, Ve, se, ie, te, Vi, si, ii, ti, syn_params,
            g1, a1, b1, c1, d1, g2, a2, b2, c2, d2, g3, a3, b3, c3, d3, g4, a4, b4, c4, d4,
            rec_e, rec_i):
        ref, El, tau, Vt, Vr, drive = neuron_params
        tau_e, w_e, E_e, tau_i, w_i, E_i = syn_params
        for k in range(i0, i1):
            t = t0 + k * DT
            lif_kernel(t, Ve, se, ie, te, ref, El, tau, Vt, Vr, drive)
            lif_kernel(t, Vi, si, ii, ti, ref, El, tau, Vt, Vr, drive)
            synapse(g1, tau_e, w_e, E_e, se, a1, b1, c1, d1, ie, Ve)
            synapse(g2, tau_e, w_e, E_e, se, a2, b2, c2, d2, ii, Vi)
            synapse(g3, tau_i, w_i, E_i, si, a3, b3, c3, d3, ie, Ve)
            synapse(g4, tau_i, w_i, E_i, si, a4, b4, c4, d4, ii, Vi)
            row_e, row_i = rec_e[k - i0], rec_i[k - i0]
            for j in range(se.shape[0]):
                row_e[j] = se[j]
            for j in range(si.shape[0]):
                row_i[j] = si[j]

    return run


_RUNS = {}


def _csr(rows):
    """(indptr, indices) of a list of per-row index arrays (``pre2post``-style structures)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    indices = np.concatenate([np.asarray(row, dtype=np.int64) for row in rows]) \
        if indptr[-1] else np.zeros(0, dtype=np.int64)
    return indptr, indices


def _structure_slots(variant, conn):
    """The four structure arguments of a variant's kernel (unused slots hold an empty array)."""
    arrays = []
    values = conn.requires(*REQUIRES[variant])        # together: the order of synapses follows them
    for value in (values if len(REQUIRES[variant]) > 1 else [values]):
        arrays += list(_csr(value)) if isinstance(value, list) else [value]
    empty = np.zeros(0, dtype=np.int64)
    return arrays + [empty] * (4 - len(arrays))


class Handwritten:
    """The network of ``manual_models.run_net(CobaLIF, <variant>, ...)``, hand-written.

    Parameters are those of ``run_net``; the initial potentials and the four
    connectors are drawn exactly as ``run_net`` draws them, so both simulate the
    same network.
    """

    def __init__(self, variant, n_exc=mm.num_exc, n_inh=mm.num_inh, prob=0.02, seed=1234):
        if variant not in KERNELS:
            raise ValueError(f"`variant`={variant!r} has no hand-written loop; choose one of: "
                             f"{', '.join(VARIANTS)}")
        self.variant, self.n_exc, self.n_inh = variant, n_exc, n_inh
        np.random.seed(seed)
        V_e = np.random.randn(n_exc) * 5. + mm.Vr
        V_i = np.random.randn(n_inh) * 5. + mm.Vr
        self.neurons = [V_e, np.zeros(n_exc), np.zeros(n_exc), np.ones(n_exc) * -1e7,
                        V_i, np.zeros(n_inh), np.zeros(n_inh), np.ones(n_inh) * -1e7]
        self.synapses = []
        for k, (pre, post) in enumerate([(n_exc, n_exc), (n_exc, n_inh), (n_inh, n_exc),
                                         (n_inh, n_inh)]):
            conn = bp.connect.FixedProb(prob, seed=seed + k + 1)(pre, post)
            slots = _structure_slots(self.variant, conn)
            size = conn.csr.num_syn if variant in PER_SYNAPSE else post
            self.synapses += [np.zeros(size)] + slots
        self.neuron_params = (float(mm.ref_time), float(mm.El), float(mm.tau), float(mm.Vt),
                              float(mm.Vr), float(mm.I))
        self.syn_params = (float(mm.tau_exc), float(mm.delta_exc), float(mm.E_exc),
                           float(mm.tau_inh), float(mm.delta_inh), float(mm.E_inh))
        if variant not in _RUNS:
            _RUNS[variant] = _make_run(KERNELS[variant])
        self._run = _RUNS[variant]
        started = time.perf_counter()
        self._call(0, 0, 0., np.zeros((1, n_exc)), np.zeros((1, n_inh)))
        self.compile_time = time.perf_counter() - started

    def _call(self, i0, i1, t0, rec_e, rec_i):
        self._run(i0, i1, t0, self.neuron_params, *self.neurons, self.syn_params,
                  *self.synapses, rec_e, rec_i)

    @property
    def V_e(self):
        return self.neurons[0]

    def simulate(self, t0, steps):
        """Advance ``steps`` steps from time ``t0``: (wall seconds, E spikes, I spikes)."""
        rec_e, rec_i = np.zeros((steps, self.n_exc)), np.zeros((steps, self.n_inh))
        begin = time.perf_counter()
        self._call(0, steps, t0, rec_e, rec_i)
        return time.perf_counter() - begin, rec_e, rec_i
