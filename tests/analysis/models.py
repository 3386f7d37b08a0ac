"""Models and independent analytic references for the analysis tests.

Each reference is derived by hand (closed forms, numpy.roots, scipy with tight
tolerances), never from workbench's own output.
"""

import mpmath
import numpy as np
from scipy import integrate

# FitzHugh-Nagumo with the manual's constants (module globals, as in ch. 4)
a = 0.7
b = 0.8
tau = 12.5


def int_fhn(V, w, t, Iext):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw


def fhn_with_parameters(V, w, t, Iext, a=0.7, b=0.8, tau=12.5):
    """FHN with its constants as parameters after t (defaults: the manual's values)."""
    return V - V * V * V / 3 - w + Iext, (V + a - b * w) / tau


def fhn_equilibria(Iext, a=a, b=b):
    """Real roots of V - V^3/3 - (V + a)/b + Iext = 0 (w = (V + a)/b).

    numpy.roots finds them; 30-digit Newton iterations (mpmath) polish them to
    the correctly rounded double.
    """
    roots = np.roots([-1.0 / 3.0, 0.0, 1.0 - 1.0 / b, Iext - a / b])
    guesses = np.sort(roots[np.abs(roots.imag) < 1e-12].real)
    with mpmath.workdps(30):
        cubic = lambda v: v - v ** 3 / 3 - (v + a) / b + Iext  # noqa: E731
        V = np.array([float(mpmath.findroot(cubic, mpmath.mpf(g))) for g in guesses])
        w = np.array([float((mpmath.mpf(v) + a) / b) for v in V])
    return V, w


def fhn_jacobian(V):
    return np.array([[1.0 - V * V, -1.0], [1.0 / tau, -b / tau]])


def fhn_hopf_points(a=a, b=b, tau=tau):
    """Hopf points: trace (1 - V^2) - b/tau = 0, so V^2 = 1 - b/tau; Iext from the equilibrium."""
    V = np.array([-np.sqrt(1.0 - b / tau), np.sqrt(1.0 - b / tau)])
    w = (V + a) / b
    Iext = w - V + V ** 3 / 3.0
    return V, w, Iext


# Hindmarsh-Rose with the manual's constants (ch. 4.3)
hr_a, hr_b, hr_c, hr_d, hr_s, hr_xr, hr_r = 1.0, 3.0, 1.0, 5.0, 4.0, -1.6, 0.001


def int_hr(x, y, z, t, Isyn):
    dx = y - hr_a * x ** 3 + hr_b * x * x - z + Isyn
    dy = hr_c - hr_d * x * x - y
    dz = hr_r * (hr_s * (x - hr_xr) - z)
    return dx, dy, dz


def hr_fast_equilibrium_z(x, Isyn):
    """Fast equilibria satisfy y = c - d x^2 and z = -a x^3 + b x^2 + c - d x^2 + Isyn."""
    return -hr_a * x ** 3 + (hr_b - hr_d) * x ** 2 + hr_c + Isyn


def hr_fast_folds(Isyn):
    """dz/dx = -3 a x^2 + 2 (b - d) x = 0: x = 0 and x = 2 (b - d) / (3 a)."""
    x = np.array([2.0 * (hr_b - hr_d) / (3.0 * hr_a), 0.0])
    return x, hr_fast_equilibrium_z(x, Isyn)


def hr_fast_hopf(Isyn):
    """trace = -3 a x^2 + 2 b x - 1 = 0 with det = (3 a x^2 - 2 b x) + 2 d x > 0."""
    x = np.roots([-3.0 * hr_a, 2.0 * hr_b, -1.0]).real
    det = 3.0 * hr_a * x ** 2 - 2.0 * hr_b * x + 2.0 * hr_d * x
    x = x[det > 0]
    return x, hr_fast_equilibrium_z(x, Isyn)


# The "fast Morris-Lecar" equations of the MatCont manual (Dhooge, Govaerts,
# Kuznetsov, Meijer, Sautois: MatCont 7p4 documentation, example "the fast
# Morris-Lecar equations", after Terman 1991 / Rinzel & Ermentrout 1989).
def ml_fast(v, w, t, y, z=0.1):
    m_inf = (1 + np.tanh((v + 0.01) / 0.15)) / 2
    w_inf = (1 + np.tanh((v - z) / 0.145)) / 2
    tau_w = np.cosh((v - 0.1) / 0.29)
    dv = y - 0.5 * (v + 0.5) - 2 * w * (v + 0.7) - m_inf * (v - 1)
    dw = 1.15 * (w_inf - w) * tau_w
    return dv, dw


# The same equations through a helper with a conditional expression, which has no
# symbolic form (and numpy's tanh rejects symbols), so the numeric path (finite
# differences, grid cells, continuation sampling) is exercised.
def _activation(v, half, slope):
    scale = slope if slope > 0 else -slope
    return (1 + np.tanh((v - half) / scale)) / 2


def ml_fast_opaque(v, w, t, y, z=0.1):
    dv = y - 0.5 * (v + 0.5) - 2 * w * (v + 0.7) - _activation(v, -0.01, 0.15) * (v - 1)
    dw = 1.15 * (_activation(v, z, 0.145) - w) * np.cosh((v - 0.1) / 0.29)
    return dv, dw


# MatCont's continuation output for z = 0.1 (six printed digits):
# H  at (v, w, y) = (0.036756, 0.294770, 0.075658), first Lyapunov coefficient > 0
# LP at (v, w, y) = (-0.033738, 0.136501, -0.020727)
# LP at (v, w, y) = (-0.244914, 0.008514, 0.083257)
# a neutral saddle (not a Hopf point) at y = 0.033207
ML_FAST_HOPF = (0.036756, 0.294770, 0.075658)
ML_FAST_FOLDS = ((-0.033738, 0.136501, -0.020727), (-0.244914, 0.008514, 0.083257))
ML_FAST_NEUTRAL_SADDLE_Y = 0.033207


def saddle_node(x, t, r):
    return r + x * x


def reference_orbit(func, y0, t_end, args, rtol=1e-11):
    """A tight scipy solution of a plain derivative f(vars..., t, pars...)."""
    def rhs(t, y):
        return np.array(func(*y, t, *args), dtype=float)
    return integrate.solve_ivp(rhs, (0.0, t_end), y0, rtol=rtol, atol=1e-12,
                               dense_output=True, method="DOP853")
