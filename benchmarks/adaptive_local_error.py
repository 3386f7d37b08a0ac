"""Local error of every adaptive Runge-Kutta pair against its tolerance.

The manual's loop (ch. 11.2) is run with each embedded method: every call passes the
returned dt back, and its result is compared with the exact solution from the call's own
start (closed form for the Hopf normal form r' = r (1 - r^2), theta' = 1 from r = 0.1 up
to t = 20; scipy's DOP853 at rtol 1e-13 for Van der Pol, mu = 2, from (2, 0) up to t = 8).
The ratio is ``max_i |error_i| / (tol * (1 + max(|x_i|, |x_i'|)))``, workbench's acceptance
rule: <= 1 means the call met ``tol``. The row ``rkf12 (Fehlberg pair)`` runs rkf12 with
the error estimate it had before (the difference of Fehlberg's first- and second-order
solutions), for comparison. Printed: median, 90th percentile and largest ratio over the calls.

Usage::

    PYTHONPATH=. python benchmarks/adaptive_local_error.py
"""

from fractions import Fraction

import numpy as np
from scipy.integrate import solve_ivp

import workbench as bp
from workbench.integrators.adaptive import AdaptiveRungeKuttaScheme
from workbench.integrators.ode import ODEIntegrator
from workbench.integrators.tableaus import EMBEDDED_METHODS, ODE_TABLEAUS, ButcherTableau


def hopf(x, y, t):
    r2 = x * x + y * y
    return x * (1.0 - r2) - y, y * (1.0 - r2) + x


def hopf_exact(x, y, h):
    r = 1.0 / np.sqrt(1.0 + (1.0 / (x * x + y * y) - 1.0) * np.exp(-2.0 * h))
    theta = np.arctan2(y, x) + h
    return np.array([r * np.cos(theta), r * np.sin(theta)])


def van_der_pol(x, y, t):
    return y, 2.0 * (1.0 - x * x) * y - x


def van_der_pol_exact(x, y, h):
    return solve_ivp(lambda t, u: van_der_pol(u[0], u[1], t), (0.0, h), [x, y],
                     method="DOP853", rtol=1e-13, atol=1e-16).y[:, -1]


def fehlberg_rkf12(f, tol):
    """rkf12 with the estimate of Fehlberg's own pair (before workbench's fix)."""
    rkf12 = ODE_TABLEAUS["rkf12"]
    pair = ButcherTableau("rkf12", rkf12.title, A=rkf12.A, b=rkf12.b, c=rkf12.c, order=2,
                          b_embedded=rkf12.b_embedded, embedded_order=1)
    return ODEIntegrator(f, "rkf12", AdaptiveRungeKuttaScheme(pair, tol), adaptive=True, tol=tol)


def ratios(integral, exact, state, tol, T, max_calls):
    state, t, dt, out = np.array(state, float), 0.0, 1e-4, []
    with np.errstate(all="ignore"):
        while t < T and len(out) < max_calls:
            *new, proposal = integral(*state, t, dt=dt)
            new = np.array(new)
            scale = tol * (1.0 + np.maximum(np.abs(state), np.abs(new)))
            out.append(np.max(np.abs(new - exact(*state, dt)) / scale))
            if not np.all(np.isfinite(new)):
                break
            state, t, dt = new, t + dt, proposal
    return np.array(out)


def main():
    problems = [("Hopf", hopf, hopf_exact, (0.1, 0.0), 20.0, 300, (1e-2, 1e-3, 1e-5, 1e-8)),
                ("Van der Pol", van_der_pol, van_der_pol_exact, (2.0, 0.0), 8.0, 150,
                 (1e-2, 1e-3, 1e-6))]
    header = f"{'problem':12s} {'method':22s} {'tol':>7s} {'calls':>6s} {'median':>8s} " \
             f"{'p90':>8s} {'max':>8s}"
    print(header)
    print("-" * len(header))
    for name, f, exact, start, T, max_calls, tols in problems:
        makers = [(m, lambda tol, m=m: bp.odeint(f, method=m, adaptive=True, tol=tol))
                  for m in EMBEDDED_METHODS]
        makers.append(("rkf12 (Fehlberg pair)", lambda tol: fehlberg_rkf12(f, tol)))
        for method, make in makers:
            for tol in tols:
                r = ratios(make(tol), exact, start, tol, T, max_calls)
                print(f"{name:12s} {method:22s} {tol:7.0e} {r.size:6d} {np.median(r):8.3g} "
                      f"{np.percentile(r, 90):8.3g} {r.max():8.3g}", flush=True)


if __name__ == "__main__":
    main()
