"""Record BrainPy 1.0.2's behaviour for the compatibility tests (run once, outside the project).

Runs brainpy-simulator 1.0.3 (identical to 1.0.2 but for whitespace) in its own
virtualenv and writes ``brainpy_compat.json`` next to this file. The tests read
that file; they never import BrainPy.

Usage (from the repository root)::

    /work/venvs/brainpy/bin/python tests/references/make_brainpy_compat.py

Nothing of BrainPy's code is copied: each entry is a public call and its result.
"""

import json
import os

import numpy as np

import brainpy as bp  # noqa: E402  (run with the BrainPy virtualenv's python)
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import FigureBase  # noqa: E402

# BrainPy 1.0.x calls fig.gca(projection='3d'), which matplotlib >= 3.6 refuses.
_gca = FigureBase.gca
FigureBase.gca = lambda self, **kw: self.add_subplot(**kw) if kw else _gca(self)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "brainpy_compat.json")


def listed(value):
    return np.asarray(value).tolist()


def constants():
    names = ["SCALAR_VAR", "POPU_VAR", "SYSTEM_VAR", "ITO_SDE", "STRA_SDE", "SCALAR_WIENER",
             "VECTOR_WIENER", "SUPPORTED_VAR_TYPE", "SUPPORTED_SDE_TYPE", "SUPPORTED_WIENER_TYPE"]
    return {name: getattr(bp, name) for name in names}


DEINDENT_CASES = [
    dict(text="    def f(x):\n        return x\n"),
    dict(text="\tdef f(x):\n\t\treturn x\n"),
    dict(text="    a\n  b\n"),
    dict(text="\n    a = 1\n    b = 2\n"),
    dict(text="  x\n\n    y\n"),
    dict(text="        a\n        b", num_tabs=1),
    dict(text="\t\ta\n\t\tb", num_tabs=1),
    dict(text="Doc first\n    more\n    lines", docstring=True),
    dict(text="    Doc first\n    more\n        lines", docstring=True),
    dict(text="    a\n\tb", spaces_per_tab=2),
]


def deindent():
    return [dict(case, result=bp.tools.deindent(**case)) for case in DEINDENT_CASES]


RAMP_CASES = [
    dict(c_start=0, c_end=1, duration=10., dt=1.),
    dict(c_start=0, c_end=1, duration=10., t_start=2, t_end=6, dt=1.),
    dict(c_start=1, c_end=-1, duration=10., t_start=2, t_end=6, dt=1.),
    dict(c_start=0, c_end=1, duration=1., t_start=0.3, t_end=0.7, dt=0.1),
    dict(c_start=-2, c_end=3, duration=5., t_start=1.0, dt=0.25),
]


def ramps():
    out = [dict(case, result=listed(bp.inputs.ramp_input(**case))) for case in RAMP_CASES]
    bp.backend.set("numpy", dt=0.1)
    manual = {}
    for key, args in {"ch17_first": (0, 1, 1000), "ch17_second": (0, 1, 1000, 200, 800)}.items():
        current = bp.inputs.ramp_input(*args)
        manual[key] = dict(args=list(args), shape=list(current.shape),
                           samples={str(i): float(current[i]) for i in
                                    (0, 1, 1999, 2000, 2001, 5000, 7998, 7999, 8000, 9999)})
    return out, manual


def spike_current():
    bp.backend.set("numpy", dt=0.1)
    return listed(bp.inputs.spike_current([1, 2.5], [0.5, 0.4], [1.0, -2.0], 4.))


def spike_matrix():
    rng = np.random.RandomState(7)
    spikes = rng.rand(400, 12) < 0.04
    return spikes


def firing_rates():
    bp.backend.set("numpy", dt=0.1)
    spikes = spike_matrix()
    rows, cols = np.nonzero(spikes)
    out = dict(shape=list(spikes.shape), rows=listed(rows), cols=listed(cols), dt=0.1, cases=[])
    for window in ("gaussian", "flat"):
        for width in (0.05, 0.13, 0.6, 1.0, 2.5):
            out["cases"].append(dict(window=window, width=width,
                                     rate=listed(bp.measure.firing_rate(spikes, width, window))))
    return out


SPIKE_TIME_CASES = [
    dict(size=4, times=[1.0, 2.0, 2.0, 3.05, 5.0], indices=[0, 1, 2, 3, 0]),
    dict(size=2, times=[1.0, 1.02, 1.05], indices=[0, 1, 0]),
    dict(size=2, times=[1.0, 1.0], indices=[0, 0]),
    dict(size=2, times=[1.0, 5.0], indices=[0, 1]),
    dict(size=(2, 2), times=[1.0], indices=[3]),
    dict(size=2, times=[0.0], indices=[1]),
]


def spike_time_inputs():
    out = []
    for backend in ("numpy", "numba"):
        bp.backend.set(backend, dt=0.1)
        for case in SPIKE_TIME_CASES:
            group = bp.inputs.SpikeTimeInput(monitors=["spike"], **case)
            group.run(4.)
            out.append(dict(case, backend=backend, duration=4.,
                            spikes=listed(np.argwhere(group.mon.spike))))
    return out


def analysis():
    bp.backend.set("numpy", dt=0.01)
    a, b, tau = 0.7, 0.8, 12.5

    @bp.odeint
    def int_fhn(V, w, t, Iext):
        dw = (V + a - b * w) / tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw

    @bp.odeint
    def int_x(x, t, Iext):
        dx = x - x ** 3 / 3 + Iext
        return dx

    out = {}
    plane = bp.analysis.PhasePlane(int_fhn, target_vars={"V": [-3, 3], "w": [-3., 3.]},
                                   pars_update={"Iext": 0.8})
    xs, ys = plane.plot_fixed_point()
    out["fixed_point_2d"] = dict(type=type(plane.plot_fixed_point()).__name__, V=listed(xs),
                                 w=listed(ys))
    line = bp.analysis.PhasePlane(int_x, target_vars={"x": [-3, 3]}, pars_update={"Iext": 0.})
    points = line.plot_fixed_point()
    out["fixed_point_1d"] = dict(type=type(points).__name__, x=listed(points))
    out["limit_cycle_phase_plane_returns"] = repr(
        plane.plot_limit_cycle_by_sim(initials={"V": -2.8, "w": -1.8}, duration=100))

    def keys_of(result):
        return {kind: sorted(values) for kind, values in result.items()}

    codim1 = bp.analysis.Bifurcation(int_fhn, target_pars={"Iext": [0., 1.]},
                                     target_vars={"V": [-3, 3], "w": [-3., 3.]},
                                     numerical_resolution=0.01)
    result = codim1.plot_bifurcation()
    out["bifurcation_codim1"] = keys_of(result)
    returned = codim1.plot_limit_cycle_by_sim("V", duration=100)
    out["limit_cycle_codim1"] = dict(returns=repr(returned), keys=keys_of(result),
                                     p=listed(result["limit_cycle"]["p"]))
    codim2 = bp.analysis.Bifurcation(int_fhn, target_pars={"a": [0.5, 1.], "Iext": [0., 1.]},
                                     target_vars={"V": [-3, 3], "w": [-3., 3.]},
                                     numerical_resolution=0.05)
    result = codim2.plot_bifurcation()
    out["bifurcation_codim2"] = keys_of(result)
    codim2.plot_limit_cycle_by_sim("V", duration=100)
    out["limit_cycle_codim2"] = dict(keys=keys_of(result))
    line_bif = bp.analysis.Bifurcation(int_x, target_pars={"Iext": [-1., 1.]},
                                       target_vars={"x": [-3, 3]}, numerical_resolution=0.1)
    out["bifurcation_1d"] = keys_of(line_bif.plot_bifurcation())
    return out


def adaptive():
    bp.backend.set("numpy")

    def growth(x, t):
        dx = x
        return dx

    out = {"rkf12_fixed_step": dict(x0=1.0, dt=0.1,
                                    x1=float(bp.integrators.ode.rkf12(growth, dt=0.1)(1.0, 0.)))}

    @bp.odeint(method="rkf45", adaptive=True, tol=0.001)
    def lorenz(x, y, z, t, sigma, beta, rho):
        dx = sigma * (y - x)
        dy = x * (rho - z) - y
        dz = x * y - beta * z
        return dx, dy, dz

    # manual ch. 11.2, first 60 calls
    x, y, z, dt = 1, 1, 1, 0.05
    history = []
    for t in np.arange(0, 100, 0.01)[:60]:
        step = dt
        x, y, z, dt = lorenz(x, y, z, t, sigma=10, beta=8 / 3, rho=28, dt=dt)
        history.append([float(step), float(x), float(y), float(z), float(dt)])
    out["lorenz_ch11_2"] = dict(columns=["dt_used", "x", "y", "z", "dt_returned"],
                                rows=history)
    # one call from (1, 1, 1) with a given dt: BrainPy takes the whole step whatever its error
    out["lorenz_first_call"] = dict(
        columns=["dt_used", "x", "y", "z", "dt_returned"],
        rows=[[dt] + [float(v) for v in lorenz(1., 1., 1., 0., 10, 8 / 3, 28, dt=dt)]
              for dt in (0.05, 0.1, 0.2, 0.3)])
    return out


def main():
    ramp_cases, ramp_manual = ramps()
    data = {
        "brainpy_version": bp.__version__,
        "numpy_version": np.__version__,
        "constants": constants(),
        "deindent": deindent(),
        "ramp_input": ramp_cases,
        "ramp_input_manual": ramp_manual,
        "spike_current": spike_current(),
        "firing_rate": firing_rates(),
        "spike_time_input": spike_time_inputs(),
        "analysis": analysis(),
        "adaptive": adaptive(),
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
