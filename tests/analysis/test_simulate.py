"""Trajectories of one initial point: the bound step function against the generic step."""

import numpy as np
import pytest

import workbench as bp
from workbench.analysis.simulate import IntegralStepper, simulate

from . import models


def reference_history(stepper, initial, env, span):
    """Step with ``IntegralStepper.step`` (dictionaries at every step)."""
    start, end = span
    steps = int(np.ceil((end - start) / stepper.dt - 1e-9))
    ts = start + stepper.dt * np.arange(steps + 1)
    state = {v: float(initial[v]) for v in stepper.evolving}
    rows = [[state[v] for v in stepper.evolving]]
    for i in range(steps):
        state = stepper.step(state, ts[i], env)
        rows.append([state[v] for v in stepper.evolving])
    return ts, np.array(rows)


@pytest.mark.parametrize("make, names, initial", [
    (lambda: bp.analysis.PhasePlane(bp.odeint(models.int_fhn),
                                    target_vars={"V": [-3, 3], "w": [-3, 3]},
                                    pars_update={"Iext": 0.8}, options={"verbose": False}),
     ("V", "w"), {"V": -2.8, "w": -1.8}),
    # module constants varied by the analysis: steps made by integral.make_step
    (lambda: bp.analysis.PhasePlane(bp.odeint(models.int_fhn),
                                    target_vars={"V": [-3, 3], "w": [-3, 3]},
                                    pars_update={"Iext": 0.5, "a": 0.9, "b": 0.6},
                                    options={"verbose": False}),
     ("V", "w"), {"V": 1.0, "w": 0.5}),
    # the slow variable fixed: it is read from the environment, not stepped
    (lambda: bp.analysis.PhasePlane(bp.odeint(models.int_hr, method="rk4", dt=0.02),
                                    target_vars={"x": [-3, 3], "y": [-20, 3]},
                                    fixed_vars={"z": 1.0}, pars_update={"Isyn": 0.5},
                                    options={"verbose": False}),
     ("x", "y"), {"x": 1.0, "y": 0.0}),
    # the full Hindmarsh-Rose system of a fast-slow analysis
    (lambda: bp.analysis.FastSlowBifurcation(bp.odeint(models.int_hr, method="rk4", dt=0.02),
                                             fast_vars={"x": [-3, 3], "y": [-10, 5]},
                                             slow_vars={"z": [-5, 5]},
                                             pars_update={"Isyn": 1.5},
                                             options={"verbose": False}),
     ("x", "y", "z"), {"x": 1.0, "y": 0.0, "z": 0.0}),
])
def test_one_point_simulation_equals_the_generic_step(make, names, initial):
    analyzer = make()
    stepper = analyzer._stepper(names)
    assert isinstance(stepper, IntegralStepper)
    exposed = [c for plan in stepper.plans for c in plan[2] if c in ("a", "b")]
    assert exposed == (["a", "b"] if "a" in analyzer.system.constants else [])
    env = analyzer.system.constants
    env.update({k: v for k, v in getattr(analyzer, "fixed_vars", {}).items() if k not in names})
    span = (0.0, 60.0)
    ts, history = simulate(stepper, {v: np.array([initial[v]]) for v in names}, env, span)
    ref_ts, expected = reference_history(stepper, initial, env, span)
    got = np.stack([history[v][:, 0] for v in stepper.evolving], axis=1)
    assert np.array_equal(ts, ref_ts)
    assert got.shape == expected.shape and np.ptp(got[:, 0]) > 0.5      # it moved
    assert np.array_equal(got, expected)                                 # bit for bit
