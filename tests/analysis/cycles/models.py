"""Models of the periodic-orbit tests and their independent references.

References come from closed forms, scipy's ``solve_ivp`` at tight tolerance,
and AUTO (XPPAUT 8 through xpplab; numbers in ``tests/references/auto_cycles.json``
with the script that made them).
"""

import json
import os

import numpy as np
from scipy import integrate

AUTO = json.load(open(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "references",
                                   "auto_cycles.json")))


def hopf_normal_form(x, y, t, mu):
    """Supercritical Hopf normal form: the cycle is r = sqrt(mu), period 2 pi; trace -2 mu on it."""
    r2 = x * x + y * y
    return mu * x - y - x * r2, x + mu * y - y * r2


# Morris-Lecar with Rinzel and Ermentrout's class-I (SNIC) parameters (1989; Ermentrout and
# Terman, Mathematical Foundations of Neuroscience, ch. 3): spiking starts with infinite
# period at the saddle-node on the invariant circle, I ~ 39.96.
ml_C, ml_gCa, ml_gK, ml_gL = 20.0, 4.0, 8.0, 2.0
ml_VCa, ml_VK, ml_VL = 120.0, -84.0, -60.0
ml_V1, ml_V2, ml_V3, ml_V4, ml_phi = -1.2, 18.0, 12.0, 17.4, 1.0 / 15.0


def ml_snic(V, w, t, I):
    m_inf = 0.5 * (1 + np.tanh((V - ml_V1) / ml_V2))
    w_inf = 0.5 * (1 + np.tanh((V - ml_V3) / ml_V4))
    tau_w = 1.0 / np.cosh((V - ml_V3) / (2 * ml_V4))
    dV = (I - ml_gL * (V - ml_VL) - ml_gCa * m_inf * (V - ml_VCa) - ml_gK * w * (V - ml_VK)) / ml_C
    dw = ml_phi * (w_inf - w) / tau_w
    return dV, dw


def simulated_period(func, y0, args, t_settle, count=6, rtol=1e-10):
    """Period from upward crossings of the first variable's mid-level after settling (solve_ivp)."""
    def rhs(t, y):
        return np.array(func(*y, t, *args), dtype=float)
    settle = integrate.solve_ivp(rhs, (0.0, t_settle), y0, rtol=rtol, atol=1e-12, method="DOP853")
    start = settle.y[:, -1]
    span = t_settle
    run = integrate.solve_ivp(rhs, (0.0, span), start, rtol=rtol, atol=1e-12, method="DOP853",
                              dense_output=True)
    t = np.linspace(0.0, span, 400001)
    x = run.sol(t)[0]
    level = 0.5 * (x.max() + x.min())
    up = np.flatnonzero((x[:-1] < level) & (x[1:] >= level))
    crossings = []
    for k in up:
        # refine each crossing on the dense output (bisection to 1e-12)
        a, b = t[k], t[k + 1]
        for _ in range(60):
            m = 0.5 * (a + b)
            if run.sol(m)[0] < level:
                a = m
            else:
                b = m
        crossings.append(0.5 * (a + b))
    return float(np.mean(np.diff(crossings[-count:]))), x.max(), x.min()


class RosslerSystem:
    """Rossler's equations as the system the cycle continuation sees (3-D, parameter ``a``).

    ``x' = -y - z, y' = x + b y, z' = b + z (x - a)`` with b = 0.2 (xpplab's example
    ``rossler.ode``); derivatives written out by hand. The analysers take at most two
    variables, so the 3-D path (monodromy matrix, period doubling) is tested on this.
    """

    unknowns = ("x", "y", "z")
    free = ("a",)
    dim = 3
    b = 0.2

    def f(self, X, P):
        x, y, z = (np.asarray(v, dtype=float) for v in X)
        a = np.asarray(P[0], dtype=float)
        return np.stack(np.broadcast_arrays(-y - z, x + self.b * y, self.b + z * (x - a)))

    def jacobian(self, X, P):
        x, y, z = (np.asarray(v, dtype=float) for v in X)
        a = np.asarray(P[0], dtype=float)
        x, y, z, a = np.broadcast_arrays(x, y, z, a)
        J = np.zeros(x.shape + (3, 3))
        J[..., 0, 1] = J[..., 0, 2] = -1.0
        J[..., 1, 0] = 1.0
        J[..., 1, 1] = self.b
        J[..., 2, 0] = z
        J[..., 2, 2] = x - a
        return J

    def dfdp(self, X, P):
        x, y, z = (np.asarray(v, dtype=float) for v in X)
        out = np.zeros(np.broadcast(x, y, z, np.asarray(P[0])).shape + (3, 1))
        out[..., 2, 0] = -np.broadcast_to(z, out.shape[:-2])
        return out

    def f_point(self, x, p):
        return self.f([np.array(v) for v in x], [np.array(p[0])]).reshape(3)

    def jacobian_point(self, x, p):
        return self.jacobian([np.array(v) for v in x], [np.array(p[0])]).reshape(3, 3)
