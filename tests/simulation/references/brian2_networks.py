"""The manual's COBA and HH/AMPA networks written for Brian2 (run by a Brian2 interpreter).

Usage: ``python brian2_networks.py SPEC.npz RESULT.npz``. The spec holds, for
each network to run (keys ``<label>.*``, with ``<label>.model`` 'coba' or
'hh_ampa'), the network's connectivity
(our CSR as ``i``/``j`` arrays), initial values, dt and duration; the result
holds the spike monitors' indices and step numbers, voltage traces, and the
state updaters' abstract code (``code.*``). This file imports only Brian2 and numpy:
it runs in an environment without workbench (Brian2 2.9 needs numpy < 2.4).

Units: Brian2 checks dimensions, workbench does not. Every quantity keeps the
manual's numbers (ms, mV, ...) and Brian2 reads the time unit as ``second``:
the floating-point values are then identical on both sides, which is what an
exact comparison needs (Brian2's SI scaling would round ms to s differently).
"""

import sys

import numpy as np

from brian2 import (Equations, Network, NeuronGroup, SpikeMonitor, Synapses, StateMonitor,
                    defaultclock, prefs, second, seed)
from brian2.stateupdaters.explicit import euler, rk4
from brian2.stateupdaters.exponential_euler import exponential_euler


def _spikes(monitor, dt):
    steps = np.round(np.asarray(monitor.t / second) / dt).astype(np.int64)
    return np.asarray(monitor.i, dtype=np.int64), steps


# ---- chapter 6: COBA ---------------------------------------------------------------------------
# The manual's CobaLIF integrates V only when (t - t_last_spike) > ref_time and otherwise holds it;
# its synapses (SynVec5) keep one conductance per post-synaptic neuron, decaying by the same
# method, and add `g * (E - V)` to the neuron's `input` after the neurons were updated. So the
# input a neuron integrates at step k is I + g_exc (E_exc - V) + g_inh (E_inh - V) of step k - 1,
# held constant during the step: here `Iexc` is a state variable that a custom operation sets at
# the end of every step, in the same order of additions (exc projection first, then inh).
COBA_EQUATIONS = """
dv/dt = (Iexc + El - v) / tau : 1 (unless refractory)
dge/dt = -ge / tau_exc : 1
dgi/dt = -gi / tau_inh : 1
Iexc : 1
"""


def coba(spec):
    dt = float(spec["dt"])
    defaultclock.dt = dt * second
    namespace = {name: float(spec[name]) for name in (
        "tau", "Vt", "Vr", "El", "I", "tau_exc", "tau_inh", "E_exc", "E_inh",
        "delta_exc", "delta_inh")}
    namespace["tau"] *= second
    namespace["tau_exc"] *= second
    namespace["tau_inh"] *= second
    namespace["ref_time"] = float(spec["ref_time"]) * second
    method = str(spec["method"])
    groups = {}
    for name in ("E", "I"):
        group = NeuronGroup(int(spec[f"n_{name}"]), COBA_EQUATIONS, method=method,
                            threshold="v >= Vt", reset="v = Vr",
                            refractory="(t - lastspike) <= ref_time",
                            namespace=namespace, name=name)
        group.v = spec[f"V0_{name}"]
        # the refractory test of the manual's model: integrate while t - t_last > ref_time
        group.lastspike = -1e7 * second
        # two statements: one would be parenthesised I + (exc + inh)
        group.run_regularly("Iexc = I + ge * (E_exc - v)\nIexc = Iexc + gi * (E_inh - v)",
                            when="end")
        groups[name] = group
    objects = list(groups.values())
    for name, (pre, post, variable, weight) in {
            "E2E": ("E", "E", "ge", "delta_exc"), "E2I": ("E", "I", "ge", "delta_exc"),
            "I2E": ("I", "E", "gi", "delta_inh"), "I2I": ("I", "I", "gi", "delta_inh")}.items():
        synapses = Synapses(groups[pre], groups[post], on_pre=f"{variable}_post += {weight}",
                            namespace=namespace, name=name)
        synapses.connect(i=spec[f"i_{name}"], j=spec[f"j_{name}"])
        objects.append(synapses)
    monitors = {name: SpikeMonitor(group) for name, group in groups.items()}
    trace = StateMonitor(groups["E"], "v", record=True, when="end", order=1)
    net = Network(*objects, *monitors.values(), trace)
    net.run(float(spec["duration"]) * second, namespace=namespace)
    out = {}
    for name, monitor in monitors.items():
        out[f"spike_i_{name}"], out[f"spike_step_{name}"] = _spikes(monitor, dt)
    out["v_E"] = np.asarray(trace.v).T              # (time step, neuron), after the step
    return out


# ---- chapter 3: HH neurons with AMPA synapses ---------------------------------------------------
# The manual's HH integrates with `input` held constant during the step; `input` is the
# external current (added at the start of the step) minus the AMPA current the synapses wrote
# after the previous step, sum_pre g_max s(t - delay) (V - E) with V after that step. Brian2's
# summed variable is updated before the group's state update with the values at the end of the
# previous step, which is the same thing. A spike is an upward crossing of V_th (V < V_th before
# the step, >= after): threshold `v >= V_th` with refractoriness until V falls below V_th again.
HH_EQUATIONS = """
dv/dt = (-I_Na - I_K - I_leak + Iext) / C : 1
dm/dt = alpha_m * (1 - m) - beta_m * m : 1
dh/dt = alpha_h * (1 - h) - beta_h * h : 1
dn/dt = alpha_n * (1 - n) - beta_n * n : 1
alpha_m = 0.1 * (v + 40) / (1 - exp(-(v + 40) / 10)) / second : Hz
beta_m = 4.0 * exp(-(v + 65) / 18) / second : Hz
alpha_h = 0.07 * exp(-(v + 65) / 20.) / second : Hz
beta_h = 1 / (1 + exp(-(v + 35) / 10)) / second : Hz
alpha_n = 0.01 * (v + 55) / (1 - exp(-(v + 55) / 10)) / second : Hz
beta_n = 0.125 * exp(-(v + 65) / 80) / second : Hz
I_Na = gNa * m ** 3 * h * (v - ENa) : 1
I_K = gK * n ** 4 * (v - EK) : 1
I_leak = gL * (v - EL) : 1
Iext = I_input - I_syn : 1
I_syn : 1
I_input : 1
"""


def hh_ampa(spec):
    dt = float(spec["dt"])
    defaultclock.dt = dt * second
    namespace = {name: float(spec[name]) for name in (
        "ENa", "EK", "EL", "gNa", "gK", "gL", "V_th", "g_max", "E")}
    namespace["C"] = float(spec["C"]) * second
    namespace["tau"] = float(spec["tau"]) * second
    group = NeuronGroup(int(spec["n"]), HH_EQUATIONS, method=str(spec["method"]),
                        threshold="v >= V_th", refractory="v >= V_th",
                        namespace=namespace, name="HH")
    group.v, group.m, group.h, group.n = spec["V0"], spec["m0"], spec["h0"], spec["n0"]
    group.I_input = spec["I_input"]
    synapses = Synapses(group, group, """ds/dt = -s / tau : 1 (clock-driven)
                                         I_syn_post = g_max * s * (v_post - E) : 1 (summed)""",
                        on_pre="s += 1", method="euler", namespace=namespace, name="AMPA")
    synapses.connect(i=spec["i"], j=spec["j"])
    synapses.delay = float(spec["delay"]) * second
    spikes = SpikeMonitor(group)
    trace = StateMonitor(group, "v", record=True, when="end")
    net = Network(group, synapses, spikes, trace)
    net.run(float(spec["duration"]) * second, namespace=namespace)
    out = {}
    out["spike_i"], out["spike_step"] = _spikes(spikes, dt)
    out["v_trace"] = np.asarray(trace.v).T          # (time, neuron), as workbench's monitors
    return out


def state_updaters():
    """Brian2's update formulas for the equations the tests compare with workbench's."""
    coba_v = Equations("dv/dt = (Iexc + El - v) / tau : 1\nIexc : 1")
    coba_g = Equations("dg/dt = -g / tau : 1")
    return {"euler_v": str(euler(coba_v)), "euler_g": str(euler(coba_g)),
            "rk4_v": str(rk4(coba_v)), "exponential_euler_v": str(exponential_euler(coba_v))}


MODELS = {"coba": coba, "hh_ampa": hh_ampa}


def main(spec_path, result_path):
    """Run every network of the spec (keys ``<label>.<name>``, ``model`` names the function).

    All runs share this one process: importing Brian2 is the slow part.
    """
    prefs.codegen.target = "numpy"        # no compiler needed; the arithmetic is numpy's float64
    # Brian2 would precompute dt / tau once ("loop invariant") and multiply: a different rounding
    # from dt * (x / tau). Without it, its Euler step is the same sequence of float operations.
    prefs.codegen.loop_invariant_optimisations = False
    seed(0)                               # nothing here is random; fixed all the same
    data = dict(np.load(spec_path, allow_pickle=False))
    labels = sorted({key.split(".", 1)[0] for key in data})
    out = {}
    for label in labels:
        spec = {key.split(".", 1)[1]: value for key, value in data.items()
                if key.startswith(label + ".")}
        result = MODELS[str(spec["model"])](spec)
        out.update({f"{label}.{key}": value for key, value in result.items()})
    for key, code in state_updaters().items():
        out[f"code.{key}"] = np.array(code)
    np.savez(result_path, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
