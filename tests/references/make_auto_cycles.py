"""Record AUTO's periodic-orbit continuations for the cycle tests (run once, outside the project).

Runs XPPAUT 8's AUTO through ``xpplab`` (a test extra) on the models
of the cycle tests and writes ``auto_cycles.json`` next to this file: the
special points of the cycle branches (folds of cycles, the parameter where
the period grows without bound), a sample of the periodic points (parameter,
period, stability, maximum and minimum) and AUTO's wall time. The tests read
that file; they never run AUTO.

Usage (from the repository root)::

    python tests/references/make_auto_cycles.py      # xpplab comes with the test extra

AUTO settings: NTST = 60, NCOL = 4 (collocation of degree 4 on 60 mesh
intervals, adaptive mesh), tight Newton tolerances.
"""

import json
import os
import time

import numpy as np
import xpplab

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "auto_cycles.json")

FHN = """# FitzHugh-Nagumo, manual ch. 4.2
par Iext=0.0
par a=0.7,b=0.8,tau=12.5
V'=V-V^3/3-w+Iext
w'=(V+a-b*w)/tau
init V=-1.1994,w=-0.6243
@ total=400,dt=0.05,xlo=-3,xhi=3,ylo=-3,yhi=3
done
"""

HR_FAST = """# Hindmarsh-Rose fast subsystem (manual ch. 4.3), slow variable z as parameter, I = 2
par z=-3.0,I=2
x'=y-x^3+3*x^2-z+I
y'=1-5*x^2-y
init x=-1.5,y=-10
@ total=400,dt=0.01
done
"""

TIGHT = dict(ntst=60, ncol=4, epsl=1e-9, epsu=1e-9, epss=1e-7, dsmin=1e-6, itnw=12)


def points_of(diagram, variables):
    """Periodic points; XPPAUT upper-cases variable names, the file keeps the model's."""
    out = []
    for p in diagram:
        if not p.periodic:
            continue
        out.append({"parameter": p.value, "period": p.period, "stable": bool(p.stable),
                    "type": p.type,
                    "max": {v: p.umax[v.upper()] for v in variables},
                    "min": {v: p.umin[v.upper()] for v in variables}})
    return out


def fhn():
    model = xpplab.Model.from_text(FHN, "fhn.ode")
    start = time.perf_counter()
    steady = model.auto.equilibria("Iext", ds=0.01, dsmax=0.05, parmin=0.0, parmax=1.5,
                                   nmax=500, **TIGHT)
    hopf = [p for p in steady.special("HB")]
    orbits = model.auto.continue_from(hopf[0], "periodic", ds=0.01, dsmax=0.2, nmax=600,
                                      parmin=0.0, parmax=1.5, **TIGHT)
    elapsed = time.perf_counter() - start
    return {
        "hopf": [p.value for p in hopf],
        "cycle_folds": [p.value for p in orbits.special("LP") if p.periodic],
        "cycle_fold_periods": [p.period for p in orbits.special("LP") if p.periodic],
        "points": points_of(orbits, ["V", "w"]),
        "seconds": elapsed,
    }


def hr_fast():
    """The Hopf branch (small cycles) and the spiking branch, started from a simulated orbit.

    The spiking branch of the fast subsystem meets no Hopf point inside z in [-5, 5]: AUTO
    starts it from a simulation at z = 1.9 (x = 1, y = -5), towards larger z.
    """
    model = xpplab.Model.from_text(HR_FAST, "hrfast.ode")
    start = time.perf_counter()
    steady = model.auto.equilibria("z", ds=0.01, dsmax=0.05, parmin=-5.0, parmax=5.0,
                                   nmax=800, **TIGHT)
    hopf = [p for p in steady.special("HB")]
    small = model.auto.continue_from(hopf[0], "periodic", ds=0.01, dsmax=0.1, nmax=800,
                                     parmin=-5.0, parmax=5.0, **TIGHT)
    elapsed = time.perf_counter() - start
    spiking_model = xpplab.Model.from_text(
        HR_FAST.replace("z=-3.0", "z=1.9").replace("init x=-1.5,y=-10", "init x=1,y=-5"),
        "hrspike.ode")
    spiking_model.set(total=400)
    run = spiking_model.run()                  # settle on the spiking orbit
    t, x = np.asarray(run.t), np.asarray(run["x"])
    up = np.flatnonzero((x[:-1] < 0.0) & (x[1:] >= 0.0))
    crossings = t[up] - x[up] * (t[up + 1] - t[up]) / (x[up + 1] - x[up])
    period = float(np.mean(np.diff(crossings[-6:])))
    spiking_model.ic_last()
    spiking_model.set(total=period, dt=period / 2000.0)
    spiking_model.run()                        # exactly one period: AUTO's starting orbit
    start = time.perf_counter()
    spiking = spiking_model.auto.start("periodic", "z", ds=0.01, dsmax=0.1, nmax=800,
                                       parmin=-5.0, parmax=5.0, **TIGHT)
    spiking_seconds = time.perf_counter() - start
    out = {"hopf": [p.value for p in hopf], "folds": [p.value for p in steady.special("LP")],
           "seconds": elapsed, "spiking_seconds": spiking_seconds}
    for name, run in (("hopf_branch", small), ("spiking_branch", spiking)):
        pts = points_of(run, ["x", "y"])
        periods = np.array([p["period"] for p in pts])
        longest = int(np.argmax(periods))
        out[name] = {"points": pts, "longest_period": pts[longest]["period"],
                     "parameter_at_longest": pts[longest]["parameter"],
                     "cycle_folds": [p.value for p in run.special("LP") if p.periodic]}
    return out


ROSSLER = """# Rossler (xpplab's example rossler.ode), parameter a (often called c)
x'=-y-z
y'=x+b*y
z'=b+z*(x-a)
par b=.2,a=2.5
init x=1,y=1,z=0
@ total=400,dt=0.01
done
"""


def rossler():
    """Period-1 orbits of Rossler from a simulated orbit at a = 2.5, towards larger a: the PD."""
    model = xpplab.Model.from_text(ROSSLER, "rossler.ode")
    run = model.run()                          # settle on the period-1 orbit
    t, x = np.asarray(run.t), np.asarray(run["x"])
    up = np.flatnonzero((x[:-1] < 0.0) & (x[1:] >= 0.0))
    crossings = t[up] - x[up] * (t[up + 1] - t[up]) / (x[up + 1] - x[up])
    period = float(np.mean(np.diff(crossings[-6:])))
    model.ic_last()
    model.set(total=period, dt=period / 2000.0)
    model.run()
    start = time.perf_counter()
    orbits = model.auto.start("periodic", "a", ds=0.01, dsmax=0.05, nmax=300, parmin=2.0,
                              parmax=3.5, **TIGHT)
    elapsed = time.perf_counter() - start
    pd = [p for p in orbits.special("PD")]
    return {"start_period": period, "seconds": elapsed,
            "period_doublings": [p.value for p in pd],
            "period_at_doubling": [p.period for p in pd],
            "points": points_of(orbits, ["x", "y", "z"])}


if __name__ == "__main__":
    result = {"xpplab": xpplab.__version__, "settings": TIGHT, "fhn": fhn(), "hr_fast": hr_fast(),
              "rossler": rossler()}
    with open(OUT, "w") as handle:
        json.dump(result, handle, indent=1)
    print("FHN Hopf", result["fhn"]["hopf"], "cycle folds", result["fhn"]["cycle_folds"])
    for name in ("hopf_branch", "spiking_branch"):
        run = result["hr_fast"][name]
        print("HR", name, "longest period", run["longest_period"], "at z =",
              run["parameter_at_longest"], "cycle folds", run["cycle_folds"])
    print("Rossler PD", result["rossler"]["period_doublings"], "periods",
          result["rossler"]["period_at_doubling"])
