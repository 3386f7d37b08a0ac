"""The ch. 6 COBA network in Brian2, run in Brian2's own interpreter (shared by coba.py and scale.py).

One group of ``size`` LIF neurons (the first 80% excitatory), ``Synapses`` from the
excitatory and the inhibitory part to the whole group with ``connect(p=prob)``,
the manual's equations integrated by Euler at dt = 0.1 ms, a ``SpikeMonitor`` on
every neuron. This is the workbench network of ``tests/simulation/manual_models.py``
(``CobaLIF`` + four synapse objects, each pair connected with probability ``prob``).

The interpreter is ``$BRIAN2_PYTHON`` when set, else the Brian2 2.9 venv the tests
build once (:func:`tests.simulation.brian2_reference.brian2_python`; Brian2 2.9 does
not import beside numpy 2.4).

:func:`run_brian2` returns a dict:

* ``cpp_standalone`` (one ``run`` of ``durations_ms[0]``): ``build`` (code
  generation and C++ compilation, seconds), ``binary`` (wall time of the compiled
  program: connecting, initialising, simulating, writing results), ``run`` (the
  simulation loop alone, Brian2's own ``last_run_time``), ``peak_rss_bytes`` of the
  program, ``spikes_exc`` / ``spikes_inh`` and ``synapses``;
* ``cython`` / ``numpy`` (one ``run`` per entry of ``durations_ms``, continuing):
  ``runs`` (wall seconds of each run, the first includes code generation) and
  ``spikes_exc`` / ``spikes_inh`` per run.
"""

import json
import os
import subprocess
import sys
import tempfile

from served import Served, result_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import json, os, resource, sys, time
import numpy as np
from brian2 import *

params = json.loads(sys.argv[1])
mode, size, prob = params['mode'], params['size'], params['prob']
build_dir = params['build_dir']
n_exc = int(size * 0.8)
if mode == 'cpp_standalone':
    set_device('cpp_standalone', directory=build_dir, build_on_run=False)
    # two compiler jobs (the default '-j' starts one per source file on a 2-core machine)
    prefs.devices.cpp_standalone.extra_make_args_unix = ['-j2']
    # the program runs under a wrapper that reports its peak resident memory
    prefs.devices.cpp_standalone.run_cmd_unix = [
        sys.executable, '-c',
        'import resource, subprocess, sys; code = subprocess.call(["./main"]); '
        'open("peak_rss_kb", "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); '
        'sys.exit(code)']
else:
    prefs.codegen.target = mode
seed(params['seed'])          # Brian2's generator: the same connections in every run of the program
defaultclock.dt = 0.1 * ms
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El, Ee, Ei, I0 = -50., -60., -60., 0., -80., 20.
eqs = '''
dv/dt = (ge * (Ee - v) + gi * (Ei - v) + El - v + I0) / taum : 1 (unless refractory)
dge/dt = -ge / taue : 1
dgi/dt = -gi / taui : 1
'''
P = NeuronGroup(size, eqs, threshold='v >= Vt', reset='v = Vr', refractory=5 * ms,
                method='euler')
np.random.seed(params['seed'])
P.v = np.random.randn(size) * 5. + Vr
Pe, Pi = P[:n_exc], P[n_exc:]
Ce = Synapses(Pe, P, on_pre='ge += 0.6')
Ci = Synapses(Pi, P, on_pre='gi += 6.7')
Ce.connect(p=prob)
Ci.connect(p=prob)
spikes = SpikeMonitor(P)
result = {}


def counts():
    n = spikes.count[:]
    return int(n[:n_exc].sum()), int(n[n_exc:].sum())


def build():
    started = time.perf_counter()
    run(params['durations_ms'][0] * ms)
    device.build(directory=build_dir, compile=True, run=False, debug=False)
    return {'build': time.perf_counter() - started}


def run_program():
    # the compiled program runs from the start: connecting, initialising, simulating
    started = time.perf_counter()
    device.run(directory=build_dir, with_output=False)
    out = {'binary': time.perf_counter() - started, 'run': device._last_run_time}
    with open(os.path.join(build_dir, 'peak_rss_kb')) as handle:
        out['peak_rss_bytes'] = int(handle.read()) * 1024
    out['spikes_exc'], out['spikes_inh'] = counts()
    out['synapses'] = int(len(Ce) + len(Ci))
    return out


if mode == 'cpp_standalone' and params.get('serve'):
    sys.path.insert(0, params['benchmarks_dir'])
    from served import serve
    serve(build, run_program, dict)
    sys.exit()
if mode == 'cpp_standalone':
    result.update(build())
    result.update(run_program())
else:
    result['runs'], result['spikes_exc'], result['spikes_inh'] = [], [], []
    before = (0, 0)
    for duration in params['durations_ms']:
        started = time.perf_counter()
        run(duration * ms)
        result['runs'].append(time.perf_counter() - started)
        now = counts()
        result['spikes_exc'].append(now[0] - before[0])
        result['spikes_inh'].append(now[1] - before[1])
        before = now
print('RESULT ' + json.dumps(result))
"""


class Brian2Standalone(Served):
    """Brian2 cpp_standalone built once, its program run on request (alternating with others).

    ``ready()`` answers ``{"build": seconds}`` (code generation and compilation);
    each ``run()`` runs the compiled program once and answers as
    :func:`run_brian2`'s cpp_standalone keys (``binary``, ``run``,
    ``peak_rss_bytes``, spikes, synapses).

    Parameters
    ----------
    size, prob, duration_ms, seed
        As for :func:`run_brian2`.
    """

    def __init__(self, size, prob, duration_ms, seed):
        self._build_dir = tempfile.TemporaryDirectory()
        params = {"mode": "cpp_standalone", "size": size, "prob": prob,
                  "durations_ms": [duration_ms], "seed": seed, "build_dir": self._build_dir.name,
                  "serve": True, "benchmarks_dir": os.path.dirname(os.path.abspath(__file__))}
        super().__init__([brian2_python(), "-c", SCRIPT, json.dumps(params)], env=_env(),
                         cwd=self._build_dir.name)

    def close(self):
        super().close()
        self._build_dir.cleanup()


def _env():
    # Brian2's own interpreter: the project's PYTHONPATH (numpy 2.4) must not leak in
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def brian2_python():
    """The interpreter that runs Brian2: ``$BRIAN2_PYTHON``, else the tests' Brian2 venv."""
    given = os.environ.get("BRIAN2_PYTHON")
    if given:
        return given
    sys.path.insert(0, ROOT)
    from tests.simulation.brian2_reference import brian2_python as built
    return built()


def run_brian2(mode, size, prob, durations_ms, seed, timeout=7200):
    """Run the COBA network in Brian2 in a new process (see the module docs).

    Parameters
    ----------
    mode : {'cpp_standalone', 'cython', 'numpy'}
    size : int
        Neurons (80% excitatory).
    prob : float
        Connection probability of every (pre, post) pair.
    durations_ms : list of float
        The run (cpp_standalone: the first entry only) or the continuing runs.
    seed : int
        Seed of numpy's generator for the initial potentials.
    timeout : float, optional
        Seconds before the process is stopped.

    Returns
    -------
    dict
        The measurements, or ``{"error": ...}`` with the end of the output.
    """
    try:
        python = brian2_python()
    except RuntimeError as error:
        return {"error": str(error)[:300]}
    if not os.path.exists(python):
        return {"error": f"interpreter {python} is missing"}
    with tempfile.TemporaryDirectory() as build_dir:
        params = {"mode": mode, "size": size, "prob": prob, "durations_ms": list(durations_ms),
                  "seed": seed, "build_dir": build_dir}
        try:
            done = subprocess.run([python, "-c", SCRIPT, json.dumps(params)], capture_output=True,
                                  text=True, env=_env(), timeout=timeout, cwd=build_dir)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
    return result_of(done)
