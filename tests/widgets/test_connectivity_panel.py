"""ConnectivityPanel: sliders rebuild the connector; the views show exactly its synapses."""

import numpy as np
import pytest

import workbench as bp
from widgets import ConnectivityPanel


@pytest.fixture(scope="module")
def gaussian():
    panel = ConnectivityPanel(bp.connect.GaussianWeight, (20, 20),
                              pars={"sigma": (0.1, 0.03, 0.4), "w_max": (1.0, 0.1, 2.0)},
                              fixed={"w_min": 0.01, "normalize": True, "include_self": True})
    yield panel
    panel.close()


def shown_map(panel):
    return panel.weight_map.values


def reference_map(connector, neuron, shape):
    """Slow reference: walk the synapse list."""
    grid = np.zeros(shape)
    pre, post = connector.requires("pre_ids", "post_ids")
    for p, q, w in zip(pre, post, connector.weights):
        if p == neuron:
            grid[q // shape[1], q % shape[1]] += w
    return grid


def test_weight_map_and_matrix_show_the_connector(gaussian):
    connector = gaussian.result
    assert gaussian.params["neuron"] == 10 * 20 + 10
    assert np.array_equal(shown_map(gaussian), reference_map(connector, 210, (20, 20)))
    density = gaussian.matrix.values
    dense = np.zeros((400, 400))
    pre, post = connector.requires("pre_ids", "post_ids")
    dense[pre, post] = 1.0
    assert density.shape == (200, 200)           # 400 neurons in blocks of 2 x 2
    assert np.allclose(density, dense.reshape(200, 2, 200, 2).mean(axis=(1, 3)))
    out_total = np.asarray(gaussian.out_bars.mark.y).sum()
    assert out_total == 400                      # every pre neuron is in one bar


def test_sigma_widens_the_projection_without_compiling(gaussian):
    before_syn = len(gaussian.result.requires("pre_ids"))
    before_cells = np.count_nonzero(shown_map(gaussian))
    compiled = bp.jit_compilations()
    gaussian.controls["sigma"].value = 0.2
    assert gaussian.wait(60)
    assert bp.jit_compilations() == compiled
    assert len(gaussian.result.requires("pre_ids")) > before_syn
    assert np.count_nonzero(shown_map(gaussian)) > before_cells
    assert np.array_equal(shown_map(gaussian), reference_map(gaussian.result, 210, (20, 20)))
    assert "sigma=0.2" in gaussian.status.text


def test_choosing_a_neuron_moves_the_map_only(gaussian):
    connector = gaussian.result
    gaussian.controls["neuron"].value = 3 * 20 + 15
    assert gaussian.wait(30)
    assert gaussian.result is connector          # not rebuilt
    row, col = np.unravel_index(np.argmax(shown_map(gaussian)), (20, 20))
    assert (row, col) == (3, 15)
    assert list(gaussian.chosen.x) == [15] and list(gaussian.chosen.y) == [3]
    tables = gaussian.export_tables()
    assert len(tables["synapses"]["weight"]) == len(connector.requires("pre_ids"))
    chosen = tables["chosen_neuron"]
    assert np.array_equal(np.sort(chosen["post"]),
                          np.sort(connector.requires("post_ids")[connector.requires("pre_ids") == 75]))


def test_random_connector_density_and_errors():
    panel = ConnectivityPanel(lambda prob: bp.connect.FixedProb(prob=prob * 10, seed=3), 300,
                              pars={"prob": (0.02, 0.001, 0.2)}, threaded=False)
    density = panel.matrix.values
    assert density.shape == (200, 200)
    assert density.mean() == pytest.approx(0.2, abs=0.02)
    panel.controls["prob"].value = 0.15          # prob * 10 > 1: the connector refuses
    assert panel.status.state == "error" and "ConnectorError" in panel.status.text
    assert "prob=0.15" in panel.status.text
    assert panel.result is None and not panel.matrix.mark.visible
    panel.controls["prob"].value = 0.05
    assert panel.status.state == "ready" and panel.matrix.mark.visible
    assert panel.matrix.values.mean() == pytest.approx(0.5, abs=0.03)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="`neuron`=400 is not a pre-synaptic neuron"):
        ConnectivityPanel(bp.connect.FixedProb, (20, 20), pars={"prob": (0.1, 0.0, 1.0)},
                          neuron=400)
    with pytest.raises(ValueError, match=r"\['seed'\] appear in `pars` and in `fixed`"):
        ConnectivityPanel(bp.connect.FixedProb, 10, pars={"seed": (1, 0, 10)}, fixed={"seed": 2})
    with pytest.raises(TypeError, match="must be a connector class"):
        ConnectivityPanel("FixedProb", 10)
