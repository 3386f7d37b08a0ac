"""Models of the manual's chapter 4 for the panel tests, with analytic references."""

import numpy as np

import workbench as bp

# FitzHugh-Nagumo as in the manual (module constants a, b, tau)
a = 0.7
b = 0.8
tau = 12.5


def make_fhn():
    """The manual's FHN integral (created under the current backend)."""
    @bp.odeint
    def int_fhn(V, w, t, Iext):
        dw = (V + a - b * w) / tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw
    return int_fhn


def make_fhn_explicit():
    """FHN with a, b, tau as arguments (so they can be bifurcation parameters)."""
    @bp.odeint
    def int_fhn2(V, w, t, Iext, a=0.7, b=0.8, tau=12.5):
        dw = (V + a - b * w) / tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw
    return int_fhn2


def fhn_fixed_point(Iext, a_=a, b_=b):
    """The single real equilibrium of FHN: root of V - V^3/3 - (V + a)/b + Iext = 0."""
    roots = np.roots([-1.0 / 3.0, 0.0, 1.0 - 1.0 / b_, Iext - a_ / b_])
    real = roots[np.abs(roots.imag) < 1e-9].real
    assert len(real) == 1
    V = real[0]
    return V, (V + a_) / b_


def fhn_hopf_current(a_=a, b_=b, tau_=tau):
    """Iext of the Hopf point: trace of the Jacobian 1 - V^2 - b/tau vanishes (lower branch)."""
    V = -np.sqrt(1.0 - b_ / tau_)
    return -(V - V ** 3 / 3.0 - (V + a_) / b_)


# Hindmarsh-Rose as in the manual (chapter 4.3)
hr_a, hr_b, hr_c, hr_d, hr_s, hr_x_r, hr_r = 1.0, 3.0, 1.0, 5.0, 4.0, -1.6, 0.001


def make_hr():
    """The manual's Hindmarsh-Rose integral."""
    @bp.odeint(method="rk4", dt=0.02)
    def int_hr(x, y, z, t, Isyn):
        dx = y - hr_a * x ** 3 + hr_b * x * x - z + Isyn
        dy = hr_c - hr_d * x * x - y
        dz = hr_r * (hr_s * (x - hr_x_r) - z)
        return dx, dy, dz
    return int_hr


def hr_folds(Isyn):
    """Folds of the fast subsystem: z(x) = 1 + I - 2x^2 - x^3 has extrema at x = -4/3 and 0."""
    return sorted([Isyn - 5.0 / 27.0, Isyn + 1.0])


# A small COBA network (manual chapter 6) with its constants as attributes, so sliders can set them.
class CobaLIF(bp.NeuGroup):
    target_backend = ["numpy", "numba"]

    @staticmethod
    def dev_V(V, t, Iexc, El, tau):
        return (Iexc + El - V) / tau

    def __init__(self, size, tau=20., Vt=-50., Vr=-60., El=-60., ref_time=5., I=20., **kwargs):
        self.tau, self.Vt, self.Vr, self.El, self.ref_time, self.I = tau, Vt, Vr, El, ref_time, I
        self.V = bp.ops.zeros(size)
        self.spike = bp.ops.zeros(size)
        self.input = bp.ops.zeros(size)
        self.t_last_spike = bp.ops.ones(size) * -1e7
        self.int_V = bp.odeint(self.dev_V)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.spike[i] = 0.
            if (_t - self.t_last_spike[i]) > self.ref_time:
                V = self.int_V(self.V[i], _t, self.input[i], self.El, self.tau)
                if V >= self.Vt:
                    self.V[i] = self.Vr
                    self.spike[i] = 1.
                    self.t_last_spike[i] = _t
                else:
                    self.V[i] = V
            self.input[i] = self.I


class CobaSyn(bp.TwoEndConn):
    target_backend = ["numpy", "numba"]

    @staticmethod
    def dev_g(g, t, tau):
        return - g / tau

    def __init__(self, pre, post, conn, tau, weight, E, **kwargs):
        self.tau, self.weight, self.E = tau, weight, E
        self.conn = conn(pre.size, post.size)
        self.pre_slice, self.post_ids = self.conn.requires("pre_slice", "post_ids")
        self.g = bp.ops.zeros(post.num)
        self.int_g = bp.odeint(self.dev_g)
        super().__init__(pre=pre, post=post, **kwargs)

    def update(self, _t):
        self.g = self.int_g(self.g, _t, self.tau)
        for pre_i in range(self.pre.num):
            if self.pre.spike[pre_i]:
                start, end = self.pre_slice[pre_i]
                for post_i in self.post_ids[start: end]:
                    self.g[post_i] += self.weight
        self.post.input += self.g * (self.E - self.post.V)


def make_coba(n_exc=400, n_inh=100, prob=0.1, seed=0):
    """A small COBA network: (net, E, I, synapses E2E, E2I, I2E, I2I)."""
    E = CobaLIF(n_exc, monitors=["spike", ("V", [0, 1, 2])])
    I = CobaLIF(n_inh, monitors=["spike"])
    rng = np.random.default_rng(seed)
    E.V[:] = rng.normal(-60.0, 5.0, n_exc)
    I.V[:] = rng.normal(-60.0, 5.0, n_inh)
    syns = [CobaSyn(E, E, bp.connect.FixedProb(prob, seed=1), tau=5., weight=0.6, E=0.),
            CobaSyn(E, I, bp.connect.FixedProb(prob, seed=2), tau=5., weight=0.6, E=0.),
            CobaSyn(I, E, bp.connect.FixedProb(prob, seed=3), tau=10., weight=6.7, E=-80.),
            CobaSyn(I, I, bp.connect.FixedProb(prob, seed=4), tau=10., weight=6.7, E=-80.)]
    return (bp.Network(E, I, *syns), E, I, *syns)
