"""NetworkPanel: repeat-mode re-runs from the same state, exact raster, no recompilation."""

import io

import numpy as np
import pytest
from PIL import Image

import workbench as bp
from widgets import NetworkPanel, RasterPanel

from .models import make_coba


@pytest.fixture(autouse=True)
def numba_backend(default_backend):
    bp.backend.set("numba", dt=0.1)


@pytest.fixture(scope="module")
def coba():
    bp.backend.set("numba", dt=0.1)
    net, E, I, e2e, e2i, i2e, i2i = make_coba()
    panel = NetworkPanel(net, 50.0,
                         pars={"w_exc": (0.6, 0.0, 2.0), "tau_E": (20.0, 0.0, 40.0)},
                         apply={"w_exc": [(e2e, "weight"), (e2i, "weight")],
                                "tau_E": [(E, "tau")]},
                         groups={"E": E, "I": I}, voltage=("E", "V"))
    panel.model = (E, I)
    yield panel
    panel.close()


@pytest.fixture(autouse=True)
def defaults(request):
    """Each test starts from the default slider values (one shared panel for speed)."""
    if "coba" in request.fixturenames:
        panel = request.getfixturevalue("coba")
        panel.reset()
        assert panel.wait(60)


def test_slider_reruns_in_repeat_mode_from_the_same_state(coba):
    first = coba.result
    compiled = bp.jit_compilations()
    coba.controls["w_exc"].value = 1.2
    assert coba.wait(60)
    stronger = coba.result
    assert stronger.spike_count > first.spike_count
    assert coba.result.params == {"w_exc": 1.2, "tau_E": 20.0}
    coba.controls["w_exc"].value = 0.6
    assert coba.wait(60)
    again = coba.result
    for label in ("E", "I"):                     # same parameters, same initial state: same spikes
        assert np.array_equal(again.spikes[label]["times"], first.spikes[label]["times"])
        assert np.array_equal(again.spikes[label]["indices"], first.spikes[label]["indices"])
    assert bp.jit_compilations() == compiled


def test_raster_shows_exactly_the_monitored_spikes(coba):
    E, I = coba.model
    image = np.asarray(Image.open(io.BytesIO(coba.raster.image.value)))
    rows, cols = image.shape[:2]
    assert (rows, cols) == (500, 500)            # 500 neurons, 500 steps of 0.1 ms
    expected = set()
    for offset, group in ((0, E), (E.num, I)):
        steps, neurons = np.nonzero(group.mon.spike)
        for s, n in zip(steps, neurons + offset):
            expected.add((rows - 1 - n * rows // 500, s * cols // 500))
    assert {tuple(p) for p in np.argwhere(image[..., 3] > 0)} == expected
    rate = np.asarray(coba.rates.lines[0].y)
    assert np.allclose(rate, bp.measure.firing_rate(E.mon.spike, 5.0))


def test_choosing_a_neuron_does_not_rerun(coba):
    run = coba.result
    coba.controls["neuron"].value = 2
    assert coba.wait(30)
    assert coba.result is run
    assert np.array_equal(coba.trace.lines[0].y, run.voltage["values"][:, 2])
    assert "V of E neuron 2" in coba.status.text


def test_a_diverging_run_shows_the_engine_error(coba):
    coba.controls["tau_E"].value = 0.0           # dV/dt = (...) / 0
    assert coba.wait(60)
    assert coba.status.state == "error"
    assert "SimulationError" in coba.status.text and "tau_E=0" in coba.status.text
    assert coba.result is None and not coba.raster.mark.visible
    coba.controls["tau_E"].value = 20.0
    assert coba.wait(60)
    assert coba.status.state == "ready" and coba.raster.mark.visible


def test_rapid_moves_end_with_the_last_value(coba):
    for value in np.round(np.linspace(0.0, 1.5, 16), 2):
        coba.controls["w_exc"].value = float(value)
    assert coba.wait(120)
    assert coba.result.params["w_exc"] == 1.5
    assert "w_exc=1.5" in coba.status.text


def test_export_and_raster_panel():
    bp.backend.set("numba", dt=0.1)
    net, E, I, *syns = make_coba()
    panel = RasterPanel(net, 20.0, pars={"w": (0.6, 0.0, 2.0)},
                        apply={"w": [(syns[0], "weight")]}, threaded=False)
    tables = panel.export_tables()
    assert set(tables) == {f"spikes_{E.name}", f"spikes_{I.name}", "rates"}
    assert len(tables[f"spikes_{E.name}"]["t"]) == int(E.mon.spike.sum())
    assert "voltage" not in panel.figures
    panel.close()


def test_bad_arguments():
    bp.backend.set("numba", dt=0.1)
    net, E, I, *syns = make_coba(n_exc=20, n_inh=5)
    with pytest.raises(ValueError, match="names no node of the network"):
        NetworkPanel(net, 10.0, pars={"nope.weight": (0.6, 0.0, 1.0)})
    with pytest.raises(ValueError, match="does not monitor 'W'"):
        NetworkPanel(net, 10.0, groups={"E": E}, voltage=("E", "W"))
    with pytest.raises(ValueError, match="`duration`=-1 must be a positive number"):
        NetworkPanel(net, -1)


def test_progress_is_shown_and_a_newer_move_cancels_a_long_run(coba, monkeypatch):
    import threading
    from widgets.runner import Superseded

    outcomes, fractions = [], []
    started, moved = threading.Event(), threading.Event()
    original_run = coba.network.run

    def recording_run(*args, **kwargs):
        progress = kwargs["progress"]

        def spy(fraction):
            fractions.append(fraction)
            if not started.is_set():
                started.set()
                # the long run may not finish before the newer move: whatever the timing
                assert moved.wait(60), "the test never moved the slider"
            progress(fraction)
        kwargs["progress"] = spy
        try:
            out = original_run(*args, **kwargs)
        except Superseded:
            outcomes.append("cancelled")
            raise
        outcomes.append("finished")
        return out

    monkeypatch.setattr(coba.network, "run", recording_run)
    coba.controls["duration"].value = 200.0       # a long run ...
    assert started.wait(30)
    coba.controls["w_exc"].value = 0.9            # ... overtaken by a newer move
    moved.set()
    assert coba.wait(60)
    assert outcomes == ["cancelled", "finished"]
    assert coba.result.params["w_exc"] == 0.9 and coba.params["duration"] == 200.0
    assert fractions[-1] == 1.0 and all(0 < f <= 1 for f in fractions)
    # once the result is shown the bar is hidden; its last value is not checked: a "computing"
    # message that comes due between the run's end and the drawing resets it (harmless)
    assert coba.status.progress.layout.visibility == "hidden" and coba.status.state == "ready"
