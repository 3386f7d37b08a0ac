"""Slow, obviously-correct reference implementations used by the tests.

Each function is written from the textbook definition with plain loops and
exact arithmetic where the grid matters, and shares no code with workbench.
"""

import math
from fractions import Fraction

import numpy as np


# --- bp.measure ------------------------------------------------------------

def bin_index_exact(step, dt, bin):
    """Bin of step ``step``: floor(step * dt / bin) in exact decimal arithmetic."""
    return math.floor(Fraction(step) * Fraction(str(dt)) / Fraction(str(bin)))


def slow_cross_correlation(spikes, bin, dt, silent="zero"):
    """Wang & Buzsaki coherence with explicit binning and a double loop over pairs."""
    num_steps, num_neurons = spikes.shape
    num_bins = bin_index_exact(num_steps - 1, dt, bin) + 1
    binned = [[0] * num_neurons for _ in range(num_bins)]
    for step in range(num_steps):
        k = bin_index_exact(step, dt, bin)
        for i in range(num_neurons):
            if spikes[step, i]:
                binned[k][i] = 1
    totals = [sum(binned[k][i] for k in range(num_bins)) for i in range(num_neurons)]
    pair_sum, pairs = 0.0, 0
    for i in range(num_neurons):
        for j in range(i + 1, num_neurons):
            if totals[i] == 0 or totals[j] == 0:
                if silent == "zero":
                    pairs += 1
                continue
            both = sum(binned[k][i] * binned[k][j] for k in range(num_bins))
            pair_sum += both / math.sqrt(totals[i] * totals[j])
            pairs += 1
    return pair_sum / pairs if pairs else math.nan


def slow_firing_rate(spikes, width, window, dt):
    """Population rate in Hz: per step, a window-weighted average over the steps that exist."""
    num_steps, num_neurons = spikes.shape
    instantaneous = [sum(1 for i in range(num_neurons) if spikes[s, i]) / num_neurons / dt * 1000.0
                     for s in range(num_steps)]
    # Gaussian: round(2 width / dt) steps to each side (Brian2's smooth_rate); flat: |offset| <= w/2
    reach = round(2.0 * width / dt) * dt if window == "gaussian" else width / 2.0
    rate = np.zeros(num_steps)
    for s in range(num_steps):
        total = mass = 0.0
        for r in range(num_steps):
            offset = (r - s) * dt
            if abs(offset) > reach + 1e-9 * dt:
                continue
            weight = math.exp(-offset ** 2 / (2.0 * width ** 2)) if window == "gaussian" else 1.0
            total += weight * instantaneous[r]
            mass += weight
        rate[s] = total / mass
    return rate


def slow_raster(spikes, times):
    """(indices, times) of spikes, time-major, by looping over the matrix."""
    indices, spike_times = [], []
    for step in range(spikes.shape[0]):
        for i in range(spikes.shape[1]):
            if spikes[step, i]:
                indices.append(i)
                spike_times.append(times[step])
    return np.array(indices, dtype=int), np.array(spike_times, dtype=float)


def slow_voltage_fluctuation(potentials):
    """Golomb & Rinzel's chi^2 from the sums in their paper."""
    num_steps, num_neurons = potentials.shape
    population = [sum(potentials[t]) / num_neurons for t in range(num_steps)]
    mean_pop = sum(population) / num_steps
    var_pop = sum(p * p for p in population) / num_steps - mean_pop ** 2
    variances = []
    for i in range(num_neurons):
        column = [potentials[t, i] for t in range(num_steps)]
        mean_i = sum(column) / num_steps
        variances.append(sum(v * v for v in column) / num_steps - mean_i ** 2)
    return var_pop / (sum(variances) / num_neurons)


# --- simulation ------------------------------------------------------------

def fixed_prob_structures(pre_num, post_num, prob, seed):
    """Random connectivity and every derived structure of the manual's chapter 6, from scratch.

    Returns a dict with conn_mat, pre_ids, post_ids (synapses sorted by pre, then post),
    pre_slice, post_slice (synapses sorted by post for post_slice), pre2post, post2pre,
    pre2syn, post2syn.
    """
    rng = np.random.RandomState(seed)
    conn_mat = rng.random_sample((pre_num, post_num)) < prob
    pairs = [(i, j) for i in range(pre_num) for j in range(post_num) if conn_mat[i, j]]
    pre_ids = np.array([i for i, _ in pairs], dtype=np.int64)
    post_ids = np.array([j for _, j in pairs], dtype=np.int64)
    pre2post = [[j for i2, j in pairs if i2 == i] for i in range(pre_num)]
    post2pre = [[i for i, j2 in pairs if j2 == j] for j in range(post_num)]
    pre2syn = [[s for s, (i2, _) in enumerate(pairs) if i2 == i] for i in range(pre_num)]
    post2syn = [[s for s, (_, j2) in enumerate(pairs) if j2 == j] for j in range(post_num)]
    pre_slice = np.zeros((pre_num, 2), dtype=np.int64)
    start = 0
    for i in range(pre_num):
        pre_slice[i] = (start, start + len(pre2post[i]))
        start += len(pre2post[i])
    post_slice = np.zeros((post_num, 2), dtype=np.int64)
    start = 0
    for j in range(post_num):
        post_slice[j] = (start, start + len(post2pre[j]))
        start += len(post2pre[j])
    return dict(conn_mat=conn_mat.astype(float), pre_ids=pre_ids, post_ids=post_ids,
                pre_slice=pre_slice, post_slice=post_slice, pre2post=pre2post,
                post2pre=post2pre, pre2syn=pre2syn, post2syn=post2syn)


def scalar_euler_lif(n_steps, current, dt=0.1, t_refractory=1.0, V_rest=0.0, V_reset=-5.0,
                     V_th=20.0, R=1.0, tau=10.0, t_start=0.0):
    """Spike times of the manual's chapter-3 LIF (one neuron), written as a scalar loop.

    The input is added before each update (schedule 'input, update'), reset to 0 only
    when the neuron is not refractory -- exactly the manual's update().
    """
    V, I, t_last = V_reset, 0.0, -1e7
    spikes = []
    for k in range(n_steps):
        t = t_start + k * dt
        I += current
        if t - t_last <= t_refractory:
            continue
        V_new = V + dt * (-(V - V_rest) + R * I) / tau
        if V_new >= V_th:
            V = V_reset
            t_last = t
            spikes.append(t)
        else:
            V = V_new
        I = 0.0
    return spikes


def hh_upward_crossings(duration, Iext=10., V_th=20., y0=(-65., 0.5, 0.6, 0.32), ENa=50.,
                        EK=-77., EL=-54.387, C=1.0, gNa=120., gK=36., gL=0.03):
    """Number of upward crossings of ``V_th`` by the manual's HH neuron, with scipy's LSODA.

    The right-hand side is written out here independently of the manual's code.
    """
    from scipy.integrate import solve_ivp

    def rhs(t, y):
        V, m, h, n = y
        am = 0.1 * (V + 40.) / (1. - math.exp(-(V + 40.) / 10.))
        bm = 4.0 * math.exp(-(V + 65.) / 18.)
        ah = 0.07 * math.exp(-(V + 65.) / 20.)
        bh = 1. / (1. + math.exp(-(V + 35.) / 10.))
        an = 0.01 * (V + 55.) / (1. - math.exp(-(V + 55.) / 10.))
        bn = 0.125 * math.exp(-(V + 65.) / 80.)
        current = gNa * m ** 3 * h * (V - ENa) + gK * n ** 4 * (V - EK) + gL * (V - EL)
        return [(Iext - current) / C, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                an * (1 - n) - bn * n]

    def crossing(t, y):
        return y[0] - V_th
    crossing.direction = 1.0
    solution = solve_ivp(rhs, (0., duration), list(y0), method="LSODA", rtol=1e-9, atol=1e-9,
                         events=crossing, max_step=0.05)
    return len(solution.t_events[0])
