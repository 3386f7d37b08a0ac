"""Spike variables are recorded as events; the dense view, the events and a closed form agree."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError
from workbench.simulation.nodes import records

PERIOD = 7


class Flicker(bp.NeuGroup):
    """Element j of a (2, 3) group spikes at step i when i * (j + 1) % 7 == 0 (a closed form).

    ``spike`` (float, named spike) and ``fired`` (bool) are recorded as events; ``level``
    (float, another name) holds the same values and is recorded densely.
    """

    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.spike = bp.ops.zeros(self.size)
        self.fired = np.zeros(self.size, dtype=bool)
        self.level = bp.ops.zeros(self.size)

    def update(self, _i):
        for a in range(self.size[0]):
            for b in range(self.size[1]):
                hit = (_i * (a * self.size[1] + b + 1)) % 7 == 0
                self.fired[a, b] = hit
                self.spike[a, b] = 1. if hit else 0.
                self.level[a, b] = self.spike[a, b]


def expected(n_steps, n=6, period=1):
    steps = np.arange(0, n_steps, period)
    return ((steps[:, None] * (np.arange(n)[None, :] + 1)) % PERIOD == 0).astype(float)


def test_events_dense_view_and_closed_form_agree(backend):
    group = Flicker((2, 3), monitors=["spike", "fired", "level"])
    group.run(5.)
    want = expected(50)
    np.testing.assert_array_equal(group.mon.level, want)              # dense record
    np.testing.assert_array_equal(group.mon.spike, want)              # events, materialized
    np.testing.assert_array_equal(group.mon.fired, want.astype(bool))
    assert group.mon.spike.dtype == np.float64 and group.mon.fired.dtype == bool
    assert not group.mon.spike.flags.writeable
    for key in ("spike", "fired"):
        events = getattr(group.mon, f"{key}_events")
        steps, neurons = np.nonzero(want)
        np.testing.assert_array_equal(events.steps, steps)
        np.testing.assert_array_equal(events.indices, neurons)
        np.testing.assert_allclose(events.times, group.mon.ts[steps])
        assert events.n_steps == 50 and events.n_neurons == 6 and len(events) == want.sum()
        np.testing.assert_array_equal(events.columns, neurons)
        np.testing.assert_array_equal(events.to_dense(), want)
        np.testing.assert_array_equal(events.counts(), want.sum(axis=1))
    assert isinstance(group.mon.level, np.ndarray)
    with pytest.raises(AttributeError, match="records 'level' as dense rows, not as events"):
        group.mon.level_events


def test_measure_and_raster_plot_take_events():
    import matplotlib
    matplotlib.use("Agg")
    group = Flicker((2, 3), monitors=[("spike", [5, 0, 3])])
    group.run(20.)
    events, dense, ts = group.mon.spike_events, group.mon.spike, group.mon.spike_t
    for window in ("gaussian", "flat"):
        np.testing.assert_allclose(bp.measure.firing_rate(events, 1., window),
                                   bp.measure.firing_rate(dense, 1., window), rtol=1e-12)
    indices, times = bp.measure.raster_plot(events)
    want_indices, want_times = bp.measure.raster_plot(dense, ts)
    np.testing.assert_array_equal(np.array([5, 0, 3])[want_indices], indices)   # neuron ids
    np.testing.assert_array_equal(want_times, times)
    ax = bp.visualize.raster_plot(ts, events)
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), indices)
    assert ax.get_ylim() == (-0.5, 5.5)
    with pytest.raises(ValueError, match="give None"):
        bp.measure.raster_plot(events, ts[:-1])


def test_events_with_index_and_period(backend):
    group = Flicker((2, 3), monitors=bp.simulation.Monitor(
        variables={"spike": [4, 1], "fired": None}, every={"spike": 0.3, "fired": None}))
    group.run(6.)
    want = expected(60, period=3)
    np.testing.assert_array_equal(group.mon.spike, want[:, [4, 1]])
    events = group.mon.spike_events
    steps, columns = np.nonzero(want[:, [4, 1]])
    np.testing.assert_array_equal(events.steps, steps)
    np.testing.assert_array_equal(events.indices, np.array([4, 1])[columns])   # neuron ids
    np.testing.assert_allclose(events.times, steps * 0.3, atol=1e-9)
    assert events.neurons.tolist() == [4, 1] and events.n_neurons == 2
    np.testing.assert_array_equal(events.to_dense(), want[:, [4, 1]])


def test_growing_buffers_and_repeat_runs_keep_every_event(backend, monkeypatch):
    monkeypatch.setattr(records, "_INITIAL_EVENTS", 1)     # room for 4 rows: grows many times
    group = Flicker((2, 3), monitors=["spike", "level"])
    group.run(2.)
    np.testing.assert_array_equal(group.mon.spike, group.mon.level)
    before = bp.jit_compilations()
    group.run((2., 12.))                                   # a longer repeat run
    assert bp.jit_compilations() == before
    np.testing.assert_array_equal(group.mon.spike, group.mon.level)
    assert len(group.mon.spike_events) == group.mon.level.sum() > 50


def test_a_repeat_run_sizes_its_buffers_from_the_previous_rate(backend, monkeypatch):
    monkeypatch.setattr(records, "_INITIAL_EVENTS", 1)     # room for 4 rows at first
    grows = []
    grow = records.EventRecord.grow
    monkeypatch.setattr(records.EventRecord, "grow", lambda self: grows.append(1) or grow(self))
    group = Flicker((2, 3), monitors=["spike"])
    group.run(20.)
    assert len(grows) >= 2                                 # the first run grew its buffers
    first = len(group.mon.spike_events)
    del grows[:]
    group.run((20., 60.))                                  # twice as long, the same rate
    assert grows == []
    assert len(group.mon.spike_events) > 1.9 * first
    np.testing.assert_array_equal(group.mon.spike, expected(400))         # _i counts from 0


def test_a_chunk_run_again_rewrites_its_events(backend):
    group = Flicker((2, 3), monitors=["spike"])
    run_steps = group.build(3.)
    run_steps(0, 20)
    run_steps(10, 30)        # steps 10..19 again: their events replace the earlier ones
    np.testing.assert_array_equal(group.mon.spike, expected(30))


def test_dense_records_beyond_available_memory_are_refused_before_allocation(monkeypatch):
    monkeypatch.setattr(records, "available_memory", lambda: 10 ** 6)
    big = Flicker((200, 300), monitors=["level"])           # 60,000 x 1,000 float64 = 480 MB
    with pytest.raises(ModelError, match=r"Monitoring level of .* needs 0.447 GiB, but only "
                                         r"0.000931 GiB of memory are available"):
        big.run(100.)
    monkeypatch.setattr(records, "available_memory", lambda: 1_500_000)
    first, second = (Flicker((200, 300), monitors=["level"]) for _ in range(2))
    first.run(0.2)                                          # 2 rows, 0.96 MB fit...
    with pytest.raises(ModelError, match=r"Monitoring level of Flicker .*; level of Flicker "
                                         r".* for 2 steps needs 0.00179 GiB"):
        bp.Network(first, second).run(0.2)                  # ...twice they do not
    monkeypatch.setattr(records, "available_memory", lambda: 10 ** 6)
    events_only = Flicker((2, 3), monitors=["spike"])      # events need no dense rows
    events_only.run(100.)
    many = Flicker((200, 300), monitors=["spike"])
    monkeypatch.setattr(records, "available_memory", lambda: 10 ** 9)
    many.run(0.2)
    monkeypatch.setattr(records, "available_memory", lambda: 10 ** 5)
    assert len(many.mon.spike_events) > 0                   # the events need no matrix
    with pytest.raises(ModelError, match=r"\(2, 60000\) matrix of 'spike' \(use "
                                         r"`mon.spike_events`"):
        many.mon.spike   # noqa: B018


_SCRIPT = r"""
import json, resource, sys
import numpy as np
import workbench as bp


class LIF(bp.NeuGroup):
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.V = np.zeros(self.num)
        self.input = np.zeros(self.num)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _t):
        for i in range(self.num):
            V = self.V[i] + 0.1 * (self.input[i] - self.V[i]) / 10.
            self.spike[i] = V >= 20.
            self.V[i] = 0. if V >= 20. else V
            self.input[i] = 0.


def peak_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


bp.backend.set(sys.argv[1], dt=0.1)
drive = 20.5 + np.random.RandomState(0).random_sample(40000)     # 27 to 37 Hz
LIF(40000).run(1000., inputs=("input", drive))                   # compiles; no monitor
before = peak_kb()
group = LIF(40000, monitors=["spike"])
group.run(1000., inputs=("input", drive))
events = group.mon.spike_events
print(json.dumps({"events": len(events), "peak_kb_before": before, "peak_kb_after": peak_kb()}))
"""


def test_40k_neurons_for_1_s_with_spikes_monitored_stay_under_a_memory_bound(tmp_path):
    """Dense records would need 400 MB (bool) or 3.2 GB (float64); events need ~ 20 MB."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = tmp_path / "lif40k.py"            # a file: numba compiles the step from source
    script.write_text(_SCRIPT)
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, str(script), "numba"], capture_output=True,
                         text=True, env=env, cwd=root, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["events"] > 1_000_000                     # every spike of the second
    # 16 bytes per event, buffers doubling, the events copied once: measured +57 MB for
    # 1.29 M events; dense bool records would add 400 MB
    grown_kb = result["peak_kb_after"] - result["peak_kb_before"]
    assert grown_kb < 100 * 1024, result


def test_models_without_source_record_events_and_delay_per_element_in_python():
    """exec-defined models fall back to the Python executor on numba: same records."""
    import inspect
    import textwrap
    import warnings

    from . import test_delays
    bp.backend.set("numba", dt=0.1)
    source = "\n".join(textwrap.dedent(inspect.getsource(cls)) for cls in
                       (Flicker, test_delays.Wave, test_delays.WaveDelay))
    namespace = {"bp": bp, "np": np}
    exec(compile(source, "<exec-defined models>", "exec"), namespace)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        group = namespace["Flicker"]((2, 3), monitors=["spike", "level"])
        group.run(5.)
        delays = np.random.RandomState(1).random_sample(4) * 2
        wave = namespace["Wave"](4, monitors=["x"])
        probe = namespace["WaveDelay"](wave, wave, delay=delays, monitors=["out"])
        bp.Network(wave, probe).run(6.)
    assert sum("source code is not available" in str(w.message) for w in caught) == 2
    np.testing.assert_array_equal(group.mon.spike, expected(50))
    np.testing.assert_array_equal(group.mon.spike_events.steps, np.nonzero(expected(50))[0])
    for j, lag in enumerate(np.floor(delays / 0.1 + 0.5).astype(int)):
        np.testing.assert_allclose(probe.mon.out[lag:, j], wave.mon.x[:60 - lag, j], atol=1e-12)
        assert not probe.mon.out[:lag, j].any()
