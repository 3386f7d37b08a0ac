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
