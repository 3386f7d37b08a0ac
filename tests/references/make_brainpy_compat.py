"""Record BrainPy 1.0.2's behaviour for the compatibility tests (run once, outside the project).

Runs brainpy-simulator 1.0.3 (identical to 1.0.2 but for whitespace) in its own
virtualenv and writes ``brainpy_compat.json`` next to this file. The tests read
that file; they never import BrainPy.

Usage (from the repository root)::

    /work/venvs/brainpy/bin/python tests/references/make_brainpy_compat.py
    /work/venvs/brainpy/bin/python tests/references/make_brainpy_compat.py monitors delays

(the second form recomputes only the named sections).

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


class _MonitoredGroup(bp.NeuGroup):
    """A number, a (2, 2) array, a vector and a bool vector, for the monitor shapes."""

    target_backend = "general"

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.a = 0.
        self.b = np.zeros((2, 2))
        self.v = np.zeros(self.num)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _t, _i):
        self.a = _t
        self.b += 1.
        self.v += _t
        self.spike = self.v > 3


MONITOR_CASES = {
    "names": lambda: ["a", "b", "v", "spike"],
    "every_list_one": lambda: bp.simulation.Monitor(variables=["a"], every=[1.]),
    "index_dict": lambda: {"v": [1, 2], "b": None},
    "index_tuples": lambda: [("v", [0]), "b", ("spike", [5])],
    "index_every_dict": lambda: bp.simulation.Monitor(variables={"v": [1, 2], "spike": None},
                                                      every={"v": None, "spike": 1.}),
}


def monitors():
    """Record shapes and dtypes of a (2, 3) group run for 2 ms at dt = 0.1."""
    bp.backend.set("numpy", dt=0.1)
    out = {}
    for name, make in MONITOR_CASES.items():
        group = _MonitoredGroup((2, 3), monitors=make())
        group.run(2.)
        out[name] = {key: dict(shape=list(getattr(group.mon, key).shape),
                               dtype=str(getattr(group.mon, key).dtype),
                               times=len(getattr(group.mon, key + "_t")))
                     for key in ["a", "b", "v", "spike"] if hasattr(group.mon, key)}
    # BrainPy 1.0.2 gives the second variable of a list `every` no rows (a bug)
    group = _MonitoredGroup((2, 3), monitors=bp.simulation.Monitor(variables=["a", "b"],
                                                                   every=[1., 0.5]))
    try:
        group.run(2.)
        out["every_list_two"] = "ran"
    except Exception as exc:  # noqa: BLE001  (BrainPy raises its RunningError)
        out["every_list_two"] = {"error": type(exc).__name__,
                                 "b_shape": list(group.mon.b.shape)}
    return out


DELAY_CASES = [np.array([0., 0.1, 0.25, 0.34]), np.array([0.04, 0.06, 0.15, 0.2]),
               np.array([0, 1, 3, 2]), np.round(np.arange(0, 0.61, 0.01), 4),
               np.random.RandomState(0).randint(10, size=10),
               np.random.RandomState(1).random_sample(4) * 2]


def delays():
    """Per-element ConstantDelay at dt = 0.1: steps of each delay, and pull() while pushing k + 1."""
    from brainpy.simulation.delays import ConstantDelay
    bp.backend.set("numpy", dt=0.1)
    out = []
    for times in DELAY_CASES:
        delay = ConstantDelay(size=len(times), delay_time=times)
        case = dict(delay_time=listed(times), steps=listed(delay.delay_num_step - 1))
        if len(times) == 4 and max(times) < 1:      # short delays: their pulled values too
            pulled = []
            for k in range(12):
                delay.push(np.full(len(times), k + 1.))
                pulled.append(delay.pull().tolist())
                delay.update()
            case["pulled"] = pulled
        out.append(case)
    return out


SECTIONS = {"monitors": monitors, "delays": delays}


def main():
    import sys
    only = sys.argv[1:]
    if only:
        # update the named sections only, keeping the recorded rest as it is
        with open(OUT) as fh:
            data = json.load(fh)
        for name in only:
            data[name] = SECTIONS[name]()
        with open(OUT, "w") as fh:
            json.dump(data, fh, indent=1)
            fh.write("\n")
        print(f"updated {only} in {OUT}")
        return
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
        "monitors": monitors(),
        "delays": delays(),
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
