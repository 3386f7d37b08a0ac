"""The manual's chapter-4 analyses timed against BrainPy 1.0.3.

Scenarios (manual ch. 4, code as printed there, matplotlib on the Agg backend):

* ``phase_plane`` -- FHN phase plane at Iext = 0.8: nullclines, vector field,
  fixed points and a 100 ms trajectory (resolution 0.1);
* ``codim1`` -- FHN bifurcation over Iext in [0, 1] at resolution 0.001;
* ``codim2`` -- FHN over (a, Iext) at resolution 0.01 (BrainPy's 3-D plot
  fails on current matplotlib: its time is measured up to that failure);
* ``fast_slow`` -- Hindmarsh-Rose fast-slow analysis at resolution 0.001 with a
  100 ms trajectory;
* ``codim2_bt`` -- FHN over (Iext, b) in [-1, 2] x [0.5, 4] at resolution 0.05:
  fold and Hopf curves continued through the box with the BT, cusp and Bautin
  points located (workbench), against BrainPy's grid version and AUTO (XPPAUT
  8 through ``xpplab``: two-parameter continuation of both Hopf points in both
  directions, and of the folds found at b = 2). The repeated call changes tau.

Every scenario runs in a fresh subprocess per tool, so the *first call*
includes SymPy derivation, lambdify and any cache warm-up (imports excluded).
The *repeated call* changes a parameter and recomputes in the same process:
workbench through ``update_pars`` (nothing is derived again); BrainPy has no
repeat mode, so it builds a new analyser with the changed value. workbench's
repeated times are the median of five parameter changes; "compute" returns the
result objects (what the widget panels use), "plot" also draws them.

Cycle scenarios (periodic-orbit continuation, issue 13), timed against XPPAUT 8's
AUTO on the same problem (through ``xpplab``, ``AUTO_PYTHON``, default
this interpreter, which has xpplab from the ``test`` extra; AUTO's runs are those of
``tests/references/make_auto_cycles.py``, NTST = 60, NCOL = 4):

* ``codim1_cycles`` -- FHN over Iext in [0, 1.5] (resolution 0.01) with the
  cycle branch from the Hopf points and its two folds of cycles; AUTO:
  equilibria, then periodic orbits from the first Hopf point;
* ``fast_slow_cycles`` -- the Hindmarsh-Rose fast subsystem at Isyn = 2 over
  z in [-5, 5] (resolution 0.01) with both cycle branches (the Hopf branch and
  the spiking branch started from a simulated cycle) and their homoclinic
  ends; AUTO: equilibria, periodic orbits from the Hopf point, and the
  spiking branch from a simulated orbit.

Their "slider move" is a change of a non-target parameter (FHN's ``b``,
HR's ``Isyn`` by +-1e-3) and a full recomputation with the cycle branches;
the number of numba compilations during the moves is printed too.

Usage::

    PYTHONPATH=. python benchmarks/analysis.py [--scenario NAME ...]

Times are CPU seconds of the measuring process (``time.process_time``): the
machines these benchmarks run on are shared, and CPU time is far less
disturbed by other processes than wall-clock time (everything measured is
single-threaded).

``BRAINPY_PYTHON`` names the interpreter with brainpy-simulator 1.0.3
(default ``/work/venvs/brainpy103/bin/python``); without it only workbench runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BRAINPY_PYTHON = os.environ.get("BRAINPY_PYTHON", "/work/venvs/brainpy/bin/python")
SCENARIOS = ("phase_plane", "codim1", "codim2", "fast_slow", "codim2_bt")
CYCLE_SCENARIOS = ("codim1_cycles", "fast_slow_cycles")
#: Scenarios also run through AUTO (``AUTO_PYTHON`` has xpplab).
AUTO_PYTHON = os.environ.get("AUTO_PYTHON", sys.executable)

# ---------------------------------------------------------------- model code (both tools)
FHN = '''
a = 0.7; b = 0.8; tau = 12.5; Vth = 1.9

@bp.odeint
def int_fhn(V, w, t, Iext):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw
'''

HR = '''
a = 1.; b = 3.; c = 1.; d = 5.; s = 4.
x_r = -1.6; r = 0.001; Vth = 1.9

@bp.odeint(method='rk4', dt=0.02)
def int_hr(x, y, z, t, Isyn):
    dx = y - a * x ** 3 + b * x * x - z + Isyn
    dy = c - d * x * x - y
    dz = r * (s * (x - x_r) - z)
    return dx, dy, dz
'''

# BrainPy: the manual's calls; `value` is the changed parameter of the repeated call
BRAINPY_CALLS = {
    "phase_plane": '''
def run(value):
    analyzer = bp.analysis.PhasePlane(integrals=int_fhn,
        target_vars={'V': [-3, 3], 'w': [-3., 3.]}, pars_update={'Iext': value})
    analyzer.plot_nullcline()
    analyzer.plot_vector_field()
    points = analyzer.plot_fixed_point()
    analyzer.plot_trajectory([{'V': -2.8, 'w': -1.8}], duration=100., show=False)
    return {"fixed_points": [[float(np.ravel(c)[0]) for c in points]]}
values = (0.8, 0.9)
''',
    "codim1": '''
def run(value):
    globals()['tau'] = value
    analyzer = bp.analysis.Bifurcation(integrals=int_fhn, target_pars={'Iext': [0., 1.]},
        target_vars={'V': [-3, 3], 'w': [-3., 3.]}, numerical_resolution=0.001)
    res = analyzer.plot_bifurcation(show=False)
    stable = np.asarray(res["stable focus"]["p"])
    unstable = np.asarray(res["unstable focus"]["p"])
    return {"hopf_between": [float(stable.max()), float(unstable.min())]}
values = (12.5, 10.0)
''',
    "codim2": '''
from collections import OrderedDict
def run(value):
    globals()['tau'] = value
    analyzer = bp.analysis.Bifurcation(integrals=int_fhn,
        target_pars=OrderedDict(a=[0.5, 1.], Iext=[0., 1.]),
        target_vars=OrderedDict(V=[-3, 3], w=[-3., 3.]), numerical_resolution=0.01)
    try:
        analyzer.plot_bifurcation(show=False)
        return {"plot": "ok"}
    except Exception as exc:
        return {"plot": "fails: " + type(exc).__name__}
values = (12.5, 10.0)
''',
    "fast_slow": '''
def run(value):
    analyzer = bp.analysis.FastSlowBifurcation(integrals=int_hr,
        fast_vars={'x': [-3, 3], 'y': [-10., 5.]}, slow_vars={'z': [-5., 5.]},
        pars_update={'Isyn': value}, numerical_resolution=0.001)
    res = analyzer.plot_bifurcation()
    analyzer.plot_trajectory([{'x': 1., 'y': 0., 'z': -0.0}], duration=100., show=False)
    saddle = np.asarray(res["saddle node"]["p"])
    return {"saddle_range": [float(saddle.min()), float(saddle.max())]}
values = (0.5, 0.6)
''',
}

BRAINPY_CALLS["codim2_bt"] = '''
from collections import OrderedDict
def run(value):
    globals()['tau'] = value
    analyzer = bp.analysis.Bifurcation(integrals=int_fhn_b,
        target_pars=OrderedDict(Iext=[-1., 2.], b=[0.5, 4.]),
        target_vars=OrderedDict(V=[-3, 3], w=[-5., 5.]), numerical_resolution=0.05)
    try:
        analyzer.plot_bifurcation(show=False)
        return {"plot": "ok"}
    except Exception as exc:
        return {"plot": "fails: " + type(exc).__name__}
values = (12.5, 10.0)
'''

# FHN with b a parameter (BrainPy and workbench read the same code)
FHN_B = '''
a = 0.7; tau = 12.5

@bp.odeint
def int_fhn_b(V, w, t, Iext, b):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw
'''

AUTO_CHILD = '''
import json, os, sys, tempfile, time
import xpplab
ODE = """par Iext=0, a=0.7, b=0.8, tau=12.5
v' = v - v^3/3 - w + Iext
w' = (v + a - b*w)/tau
init v=-1.2, w=-0.62
done
"""
path = os.path.join(tempfile.mkdtemp(prefix="auto_bench_"), "fhn.ode")
open(path, "w").write(ODE)


def curves(model, kind, b):
    model.set(b=b, Iext=0.0)
    diagram = model.auto.equilibria("Iext", ds=0.01, nmax=500, parmin=-1, parmax=2)
    out = []
    for point in [p for p in diagram.special() if p.type == kind]:
        for ds in (0.01, -0.01):
            try:
                curve = model.auto.continue_from(point, "two-parameter", second="b", ds=ds,
                                                 nmax=300, parmin=-1, parmax=4)
            except Exception as exc:
                out.append([kind, "fails: " + type(exc).__name__])
                continue
            out.append([kind, len(curve), max(q.value2 for q in curve)])
    return out


def run(model, tau):
    model.auto.reset()
    model.set(tau=tau)
    return curves(model, "HB", 0.8) + curves(model, "LP", 2.0)


times, findings = [], []
start = time.process_time()
model = xpplab.load(path)
findings.append(run(model, 12.5))
times.append(time.process_time() - start)
for tau in (10.0, 11.0, 12.0, 13.0, 10.0):
    start = time.process_time()
    run(model, tau)
    times.append(time.process_time() - start)
times_repeat = sorted(times[1:])[len(times[1:]) // 2]
print("RESULT " + json.dumps({"first": times[0], "repeat": times_repeat,
                              "findings": findings[0]}))
'''

BRAINPY_CHILD = '''
import io, contextlib, json, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import brainpy as bp
{model}
{calls}
times, findings = [], []
for value in values:
    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        found = run(value)
    times.append(time.process_time() - start)
    findings.append(found)
    plt.close("all")
print("RESULT " + json.dumps({{"first": times[0], "repeat": times[1], "findings": findings[0]}}))
'''


# ---------------------------------------------------------------- workbench children
def _workbench_namespace(model):
    """Import the model from a file (SymPy reads derivative functions from their source)."""
    import importlib.util
    import tempfile
    import workbench as bp
    directory = tempfile.mkdtemp(prefix="wb_bench_")
    path = os.path.join(directory, "bench_model.py")
    with open(path, "w") as handle:
        handle.write("import workbench as bp\n" + textwrap.dedent(model))
    spec = importlib.util.spec_from_file_location("bench_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return bp, vars(module)


def _measure(analyzer, name, values, compute, plot):
    """First call (cold compute, then drawing) and median repeated calls after changes."""
    import matplotlib.pyplot as plt
    start = time.process_time()
    found = compute()
    first_compute = time.process_time() - start
    start = time.process_time()
    plot()                      # plot_* reuse the results just computed: drawing only
    first_draw = time.process_time() - start
    plt.close("all")
    compute_times, plot_times = [], []
    for value in values:
        analyzer.update_pars({name: value})
        start = time.process_time()
        compute()
        compute_times.append(time.process_time() - start)
        analyzer.update_pars({name: value})
        start = time.process_time()
        plot()
        plot_times.append(time.process_time() - start)
        plt.close("all")
    return {"first": first_compute + first_draw, "first_compute": first_compute,
            "repeat": statistics.median(compute_times),
            "repeat_plot": statistics.median(plot_times), "findings": found}


def workbench_phase_plane():
    bp, ns = _workbench_namespace(FHN)
    holder = {}

    def compute():
        if "analyzer" not in holder:
            analyzer = holder["analyzer"] = bp.analysis.PhasePlane(
                integrals=ns["int_fhn"], target_vars={'V': [-3, 3], 'w': [-3., 3.]},
                pars_update={'Iext': 0.8}, options={"verbose": False})
            analyzer.compute_trajectories([{'V': -2.8, 'w': -1.8}], duration=100.)
        result = holder["analyzer"].compute_phase_plane()
        return {"fixed_points": [[p.values["V"], p.values["w"], p.stability]
                                 for p in result.fixed_points]}

    def plot():
        analyzer = holder["analyzer"]
        analyzer.plot_nullcline()
        analyzer.plot_vector_field()
        analyzer.plot_fixed_point()
        analyzer.plot_trajectory([{'V': -2.8, 'w': -1.8}], duration=100., show=False)

    return _measure_lazy(compute, plot, lambda: holder["analyzer"], "Iext",
                         (0.9, 0.85, 0.95, 0.75, 0.9))


def _measure_lazy(compute, plot, get_analyzer, name, values):
    """_measure where the analyser is built by the first compute() call."""
    class Proxy:
        def update_pars(self, update):
            get_analyzer().update_pars(update)
    return _measure(Proxy(), name, values, compute, plot)


def _bifurcation_child(model, make, name, values, findings, extra_compute=None,
                       extra_plot=None):
    bp, ns = _workbench_namespace(model)
    holder = {}

    def compute():
        if "analyzer" not in holder:
            holder["analyzer"] = make(bp, ns)
        analyzer = holder["analyzer"]
        diagram = analyzer.compute_bifurcation()
        if extra_compute:
            extra_compute(analyzer)
        return findings(diagram)

    def plot():
        holder["analyzer"].plot_bifurcation(show=False)
        if extra_plot:
            extra_plot(holder["analyzer"])

    return _measure_lazy(compute, plot, lambda: holder["analyzer"], name, values)


def workbench_codim1():
    def make(bp, ns):
        return bp.analysis.Bifurcation(integrals=ns["int_fhn"], target_pars={'Iext': [0., 1.]},
                                       target_vars={'V': [-3, 3], 'w': [-3., 3.]},
                                       pars_update={'tau': 12.5}, numerical_resolution=0.001,
                                       options={"verbose": False})

    def findings(diagram):
        return {"hopf": [p.values for p in diagram.special("hopf")],
                "cycles": len(diagram.cycle_envelopes[0]),
                "points": sum(len(v["Iext"]) for v in diagram.points.values())}

    return _bifurcation_child(FHN, make, "tau", (10.0, 11.0, 12.0, 13.0, 10.0), findings)


def workbench_codim2():
    from collections import OrderedDict

    def make(bp, ns):
        return bp.analysis.Bifurcation(integrals=ns["int_fhn"],
                                       target_pars=OrderedDict(a=[0.5, 1.], Iext=[0., 1.]),
                                       target_vars=OrderedDict(V=[-3, 3], w=[-3., 3.]),
                                       pars_update={'tau': 12.5}, numerical_resolution=0.01,
                                       options={"verbose": False})

    def findings(diagram):
        return {"curves": [[c.kind, len(c.values["a"])] for c in diagram.branches],
                "points": sum(len(v["Iext"]) for v in diagram.points.values())}

    return _bifurcation_child(FHN, make, "tau", (10.0, 11.0, 12.0, 13.0, 10.0), findings)


def workbench_fast_slow():
    def make(bp, ns):
        return bp.analysis.FastSlowBifurcation(integrals=ns["int_hr"],
                                               fast_vars={'x': [-3, 3], 'y': [-10., 5.]},
                                               slow_vars={'z': [-5., 5.]},
                                               pars_update={'Isyn': 0.5},
                                               numerical_resolution=0.001,
                                               options={"verbose": False})

    def findings(diagram):
        return {"special_points": [[p.label, p.values["z"]] for p in diagram.special_points]}

    return _bifurcation_child(
        HR, make, "Isyn", (0.6, 0.55, 0.65, 0.45, 0.6), findings,
        extra_compute=lambda a: a.compute_trajectories([{'x': 1., 'y': 0., 'z': -0.0}],
                                                       duration=100.),
        extra_plot=lambda a: a.plot_trajectory([{'x': 1., 'y': 0., 'z': -0.0}], duration=100.,
                                               show=False))


def workbench_codim2_bt():
    from collections import OrderedDict

    def make(bp, ns):
        return bp.analysis.Bifurcation(integrals=ns["int_fhn_b"],
                                       target_pars=OrderedDict(Iext=[-1., 2.], b=[0.5, 4.]),
                                       target_vars=OrderedDict(V=[-3, 3], w=[-5., 5.]),
                                       pars_update={'tau': 12.5}, numerical_resolution=0.05,
                                       options={"verbose": False})

    def findings(diagram):
        return {"curves": [[c.kind, len(c.values["b"])] for c in diagram.branches],
                "special": [[p.label, round(p.values["Iext"], 6), round(p.values["b"], 6)]
                            for p in diagram.special_points]}

    return _bifurcation_child(FHN_B, make, "tau", (10.0, 11.0, 12.0, 13.0, 10.0), findings)


# ---------------------------------------------------------------- cycle scenarios
HR_FAST = '''
@bp.odeint
def int_hr_fast(x, y, t, z, Isyn):
    dx = y - x ** 3 + 3. * x * x - z + Isyn
    dy = 1. - 5. * x * x - y
    return dx, dy
'''


def _cycle_child(model, make, name, values, findings):
    """First call and slider moves (compute only) of a diagram with cycle branches."""
    bp, ns = _workbench_namespace(model)
    start = time.process_time()
    analyzer = make(bp, ns)
    diagram = analyzer.compute_bifurcation()
    first = time.process_time() - start
    compiled = bp.jit_compilations()
    moves = []
    for value in values:
        analyzer.update_pars({name: value})
        start = time.process_time()
        analyzer.compute_bifurcation()
        moves.append(time.process_time() - start)
    return {"first": first, "moves": moves, "repeat": statistics.median(moves),
            "compilations": bp.jit_compilations() - compiled, "findings": findings(diagram)}


def _cycle_findings(par):
    def findings(diagram):
        return {"special": [[p.label, round(p.values[par], 6)] for p in diagram.special_points
                            if p.kind not in ("fold", "hopf")],
                "branches": [len(b.values[par]) for b in diagram.cycle_branches]}
    return findings


def workbench_codim1_cycles():
    def make(bp, ns):
        return bp.analysis.Bifurcation(integrals=ns["int_fhn"], target_pars={'Iext': [0., 1.5]},
                                       target_vars={'V': [-3, 3], 'w': [-3., 3.]},
                                       pars_update={'b': 0.8}, numerical_resolution=0.01,
                                       options={"verbose": False})
    return _cycle_child(FHN, make, "b", (0.801, 0.799, 0.8005, 0.7995, 0.8), _cycle_findings("Iext"))


def workbench_fast_slow_cycles():
    def make(bp, ns):
        return bp.analysis.Bifurcation(integrals=ns["int_hr_fast"], target_pars={'z': [-5., 5.]},
                                       target_vars={'x': [-3, 3], 'y': [-10., 5.]},
                                       pars_update={'Isyn': 2.0}, numerical_resolution=0.01,
                                       options={"verbose": False})
    return _cycle_child(HR_FAST, make, "Isyn", (2.001, 1.999, 2.0005, 1.9995, 2.0),
                        _cycle_findings("z"))


AUTO_CYCLES_CHILD = '''
import sys, time, json
sys.path.insert(0, {references!r})
import make_auto_cycles as runs
times, found = [], None
for _ in range(3):
    start = time.process_time()
    found = runs.{function}()
    times.append(time.process_time() - start)
print("RESULT " + json.dumps({{"first": times[0], "repeat": sorted(times)[1], "times": times}}))
'''


def run_auto_cycles(scenario):
    function = {"codim1_cycles": "fhn", "fast_slow_cycles": "hr_fast"}[scenario]
    code = AUTO_CYCLES_CHILD.format(references=os.path.join(REPO, "tests", "references"),
                                    function=function)
    return _run_peer(AUTO_PYTHON, "AUTO_PYTHON", code, f"auto_{scenario}.py")


def print_cycle_rows(rows):
    """The cycle scenarios' table: workbench first call and slider moves next to AUTO."""
    print(f"\n{'scenario':<18}{'AUTO 1st':>10}{'AUTO rep':>10}{'wb 1st':>9}{'wb move':>9}"
          f"{'1st / AUTO':>12}{'move / AUTO':>12}{'compiles':>9}")
    for scenario, auto, workbench in rows:
        first_ratio = move_ratio = None
        if "first" in auto and "first" in workbench:
            first_ratio = workbench["first"] / auto["first"]
            move_ratio = workbench["repeat"] / auto["repeat"]
        print(f"{scenario:<18}{_fmt(auto.get('first')):>10}{_fmt(auto.get('repeat')):>10}"
              f"{_fmt(workbench.get('first')):>9}{_fmt(workbench.get('repeat')):>9}"
              f"{(f'{first_ratio:11.2f}x' if first_ratio else '-'):>12}"
              f"{(f'{move_ratio:11.2f}x' if move_ratio else '-'):>12}"
              f"{workbench.get('compilations', '-'):>9}")
    print("\nCPU seconds (time.process_time); AUTO 'rep' is the median of three runs, wb "
          "'move' the median of five slider moves (every run below). Findings:")
    for scenario, auto, workbench in rows:
        print(f"  {scenario}:")
        print(f"    AUTO runs       : {auto.get('times', auto.get('error'))}")
        print(f"    workbench moves : {workbench.get('moves', workbench.get('error'))}")
        print(f"    workbench found : {workbench.get('findings')}")


WORKBENCH_CHILDREN = {"phase_plane": workbench_phase_plane, "codim1": workbench_codim1,
                      "codim2": workbench_codim2, "fast_slow": workbench_fast_slow,
                      "codim2_bt": workbench_codim2_bt,
                      "codim1_cycles": workbench_codim1_cycles,
                      "fast_slow_cycles": workbench_fast_slow_cycles}


# ---------------------------------------------------------------- parent
def _run(command, env=None):
    process = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    for line in process.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (process.stderr or process.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail)}


def run_workbench(scenario):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=REPO)
    env.setdefault("WORKBENCH_CACHE_DIR", "/tmp/wbcache-analysis-bench")
    return _run([sys.executable, __file__, "--child", scenario], env)


def _run_peer(python, variable, code, name):
    """Run ``code`` from a file (BrainPy reads sources) with another interpreter, no PYTHONPATH."""
    if not os.path.exists(python):
        return {"error": f"interpreter {python} not found (set {variable})"}
    import tempfile
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    with tempfile.TemporaryDirectory(prefix="peer_bench_") as directory:
        path = os.path.join(directory, name)
        with open(path, "w") as handle:
            handle.write(code)
        return _run([python, path], env)


def run_brainpy(scenario):
    model = {"fast_slow": HR, "codim2_bt": FHN_B}.get(scenario, FHN)
    code = BRAINPY_CHILD.format(model=model, calls=BRAINPY_CALLS[scenario])
    return _run_peer(BRAINPY_PYTHON, "BRAINPY_PYTHON", code, f"brainpy_{scenario}.py")


def run_auto(scenario):
    if scenario != "codim2_bt":
        return {}
    return _run_peer(AUTO_PYTHON, "AUTO_PYTHON", AUTO_CHILD, "auto_codim2.py")


def _fmt(value):
    return f"{value:8.3f}" if isinstance(value, (int, float)) else f"{'-':>8}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", nargs="*", choices=SCENARIOS + CYCLE_SCENARIOS,
                        default=list(SCENARIOS + CYCLE_SCENARIOS))
    parser.add_argument("--child", choices=SCENARIOS + CYCLE_SCENARIOS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(WORKBENCH_CHILDREN[args.child]()))
        return
    cycle_rows = [(scenario, run_auto_cycles(scenario), run_workbench(scenario))
                  for scenario in args.scenario if scenario in CYCLE_SCENARIOS]
    if cycle_rows:
        print_cycle_rows(cycle_rows)
    rows, autos = [], {}
    for scenario in [s for s in args.scenario if s in SCENARIOS]:
        brainpy = run_brainpy(scenario)
        workbench = run_workbench(scenario)
        rows.append((scenario, brainpy, workbench))
        if scenario == "codim2_bt":
            autos[scenario] = (run_auto(scenario), workbench)
    if not rows:
        return
    print(f"\n{'scenario':<12}{'BrainPy 1st':>12}{'BrainPy rep':>12}{'wb 1st':>9}"
          f"{'(compute)':>10}{'wb rep':>9}{'wb rep+plot':>12}{'1st ratio':>10}{'rep ratio':>10}")
    for scenario, brainpy, workbench in rows:
        ratio_first = ratio_repeat = None
        if "first" in brainpy and "first" in workbench:
            ratio_first = brainpy["first"] / workbench["first"]
            ratio_repeat = brainpy["repeat"] / workbench["repeat"]
        print(f"{scenario:<12}{_fmt(brainpy.get('first')):>12}{_fmt(brainpy.get('repeat')):>12}"
              f"{_fmt(workbench.get('first')):>9}{_fmt(workbench.get('first_compute')):>10}"
              f"{_fmt(workbench.get('repeat')):>9}"
              f"{_fmt(workbench.get('repeat_plot')):>12}"
              f"{(f'{ratio_first:9.1f}x' if ratio_first else '-'):>10}"
              f"{(f'{ratio_repeat:9.1f}x' if ratio_repeat else '-'):>10}")
    if autos:
        print(f"\n{'scenario':<12}{'AUTO 1st':>10}{'AUTO rep':>10}{'wb 1st':>9}{'wb rep':>9}"
              f"{'1st: wb/AUTO':>14}{'rep: wb/AUTO':>14}")
        for scenario, (auto, workbench) in autos.items():
            ratios = [workbench[key] / auto[key] if key in auto and key in workbench else None
                      for key in ("first", "repeat")]
            print(f"{scenario:<12}{_fmt(auto.get('first')):>10}{_fmt(auto.get('repeat')):>10}"
                  f"{_fmt(workbench.get('first')):>9}{_fmt(workbench.get('repeat')):>9}"
                  + "".join(f"{(f'{r:13.1f}x' if r else '-'):>14}" for r in ratios))
            print(f"  AUTO findings: {auto.get('findings', auto.get('error'))}")
    print("\nCPU seconds (time.process_time). Findings:")
    for scenario, brainpy, workbench in rows:
        print(f"  {scenario}:")
        print(f"    BrainPy  : {brainpy.get('findings', brainpy.get('error'))}")
        print(f"    workbench: {workbench.get('findings', workbench.get('error'))}")


if __name__ == "__main__":
    main()
