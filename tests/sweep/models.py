"""Models, builders and measures of the sweep tests (importable by worker processes).

The gamma network is the manual's ch. 9 model as printed there
(``tests.simulation.manual_gamma``, whose class-level integrators are made with the
chapter's ``dt=0.04`` and exponential Euler in every process that imports it).
"""

import numpy as np

import workbench as bp
from tests.simulation.manual_gamma import GABAA, HH

GAMMA_SIZE = 100
GAMMA_G_MAX = np.arange(0.05, 0.151, 0.01) / GAMMA_SIZE     # the manual's 11 values


def build_gamma(num=GAMMA_SIZE):
    """The ch. 9 network: HH neurons coupled all-to-all by GABAA synapses."""
    group = HH(num, monitors=['spike'])
    syn = GABAA(pre=group, post=group, g_max=0.1 / num,
                conn=bp.connect.All2All(include_self=False))
    return bp.Network(HH=group, GABAA=syn)


def coherence(net):
    """The manual's measure, plus the mean firing rate (Hz) for a second column."""
    spikes = net.HH.mon.spike
    return {'cc': bp.measure.cross_correlation(spikes, bin=0.5),
            'rate': float(spikes.sum()) / spikes.shape[1] / (spikes.shape[0] * bp.backend.get_dt())
            * 1000.}


class NoisyLIF(bp.NeuGroup):
    """A LIF group driven by white noise drawn inside the (compiled) step."""

    target_backend = ['numpy', 'numba']

    def __init__(self, size, tau=10., sigma=5., mu=15., V_th=10., **kwargs):
        self.tau, self.sigma, self.mu, self.V_th = tau, sigma, mu, V_th
        self.V = np.zeros(size)
        self.spike = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def reset(self):
        self.V[:] = np.random.random(self.num) * self.V_th    # numpy's global generator

    def update(self, _t, _dt):
        for i in range(self.num):
            noise = self.sigma * np.sqrt(_dt) * np.random.normal()   # numba's generator
            self.V[i] += _dt * (self.mu - self.V[i]) / self.tau + noise
            if self.V[i] >= self.V_th:
                self.V[i] = 0.
                self.spike[i] = 1.
            else:
                self.spike[i] = 0.


def build_noisy(num=20):
    return NoisyLIF(num, monitors=['spike'], name='N')


def spike_count(group):
    return {'count': int(group.mon.spike.sum()), 'last_V': group.V.copy()}


class Leaky(bp.NeuGroup):
    """dV/dt = (drive + input - V) / tau by Euler steps: V_n = I (1 - (1 - dt/tau)^n) from V_0 = 0."""

    target_backend = ['numpy', 'numba']

    def __init__(self, size, tau=10., drive=0., **kwargs):
        self.tau, self.drive = tau, drive
        self.V = np.zeros(size)
        self.input = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t, _dt):
        for i in range(self.num):
            self.V[i] += _dt * (self.drive + self.input[i] - self.V[i]) / self.tau
            self.input[i] = 0.


def build_leaky(size=1):
    return Leaky(size, monitors=['V'], name='L')


def final_V(group):
    if not np.all(np.isfinite(group.V)):
        raise FloatingPointError(f"V is not finite: {group.V}")
    return {'V': float(group.V[0])}


def final_V_and_profile(group):
    """:func:`final_V` and whether the process that ran the set compiled with fast math."""
    return dict(final_V(group), fastmath=float(bp.backend.get_numba_profile()['fastmath']))


def euler_leaky(I, tau, dt, steps):
    """Closed form of the Euler iteration of :class:`Leaky` from rest."""
    return I * (1. - (1. - dt / tau) ** steps)


def exit_once(group):
    """A measure whose first call in a sweep kills the worker process (a crash, not an error).

    The marker file named by ``group.marker_path`` records that the crash happened.
    """
    import os
    if group.crash and not os.path.exists(group.marker_path):
        with open(group.marker_path, 'w') as marker:
            marker.write('crashed once')
        os._exit(3)
    return final_V(group)


def build_crashing_leaky(marker_path):
    group = Leaky(1, name='L')
    group.crash = False
    group.marker_path = marker_path
    return group
