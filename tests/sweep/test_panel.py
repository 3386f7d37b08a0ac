"""SweepPanel: the marks show the table's pivot as results arrive, without a browser."""

import numpy as np
import pytest

import workbench as bp
from widgets.panels.sweep import SweepPanel
from workbench.sweep import Sweep, SweepError

from .models import build_leaky, euler_leaky, final_V


def _two_measures(group):
    return {'V': final_V(group)['V'], 'twice': 2. * float(group.V[0])}


@pytest.fixture(autouse=True)
def fresh_cache():
    bp.sweep.clear_cache()


def test_one_parameter_is_drawn_as_a_line():
    taus = [2., 5., 10., 20.]
    search = Sweep(build_leaky, {'tau': taus}, duration=10., inputs=('input', 1.),
                   measure=_two_measures, seed=0)
    panel = SweepPanel(search, measure='V')
    assert panel.heatmap is None and panel.status.value.startswith('4 parameter sets')
    panel.start()
    table = panel.wait(timeout=60)
    expected = [euler_leaky(1., tau, 0.1, 100) for tau in taus]
    np.testing.assert_allclose(panel.line.x, taus)
    np.testing.assert_allclose(panel.line.y, expected, rtol=1e-12)
    np.testing.assert_allclose(panel.points.y, table['V'])
    assert panel.progress.value == 4 and '4/4 sets, 0 failed' in panel.status.value
    assert list(panel.measure_choice.options) == ['V', 'twice']
    panel.measure_choice.value = 'twice'                      # switching redraws
    np.testing.assert_allclose(panel.line.y, 2 * np.array(expected), rtol=1e-12)
    assert panel.figure.title == 'twice'
    assert not panel.run_button.disabled and panel.stop_button.disabled


def test_the_table_exports_as_csv(tmp_path):
    search = Sweep(build_leaky, {'tau': [5., 10.]}, duration=10., inputs=('input', 1.),
                   measure=final_V, seed=0)
    panel = SweepPanel(search)
    panel.export.directory = str(tmp_path)
    panel.start()
    table = panel.wait(timeout=60)
    exported = panel.export_tables()['sweep']
    assert {'tau', 'V', 'status', 'error', 'worker'} <= set(exported)
    [path] = panel.export.export_csv()
    text = open(path).read()
    assert text.splitlines()[0].split(',')[:2] == ['tau', 'V']
    assert repr(table['V'][1])[:8] in text or f"{table['V'][1]:.8g}"[:8] in text


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_two_parameters_are_drawn_as_a_heat_map_with_failures_listed():
    params = {'tau': [0., 5., 10.], 'drive': [0., 1.]}
    search = Sweep(build_leaky, params, duration=5., measure=final_V, seed=0)
    panel = SweepPanel(search)
    panel.start()
    table = panel.wait(timeout=60)
    assert panel.line is None and panel.heatmap is not None
    xs, ys, grid = table.pivot('V', x='tau', y='drive')
    np.testing.assert_array_equal(np.asarray(panel.heatmap.color), grid)
    assert panel.heatmap.column.tolist() == ['0', '5', '10']
    assert np.isnan(grid[:, 0]).all()                               # tau = 0 failed
    np.testing.assert_allclose(grid[1, 1:], [euler_leaky(1., 5., 0.1, 50),
                                             euler_leaky(1., 10., 0.1, 50)], rtol=1e-12)
    assert '2 failed' in panel.status.value and 'tau=0.0' in panel.failures.value


def test_a_bad_panel_request_is_refused():
    search = Sweep(build_leaky, {'tau': [1.]}, duration=1., measure=final_V)
    with pytest.raises(SweepError, match="`x`='taux' is not a parameter"):
        SweepPanel(search, x='taux')
    with pytest.raises(SweepError, match="must be a bp.sweep.Sweep"):
        SweepPanel(object())
