"""bp.visualize.line_plot and raster_plot: assertions on the drawn artists."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import workbench as bp
from workbench.visualize.plots import minmax_decimate


@pytest.fixture
def traces():
    ts = np.arange(0, 50, 0.1)
    return ts, np.stack([np.sin(ts * (k + 1)) for k in range(4)], axis=1)


# --- line_plot ---------------------------------------------------------------

def test_line_plot_draws_column_zero_by_default_with_the_manual_labels(traces, show_calls):
    ts, values = traces
    ax = bp.visualize.line_plot(ts, values)
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), ts)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), values[:, 0])
    assert ax.get_xlabel() == "Time (ms)" and ax.get_ylabel() == "" and ax.get_legend() is None
    assert show_calls == []


def test_line_plot_chosen_ids_labels_limits_and_title(traces):
    ts, values = traces
    ax = plt.figure().add_subplot()
    returned = bp.visualize.line_plot(ts, values, plot_ids=[3, 1], ax=ax, xlim=(5, 10),
                                      ylim=(-2, 2), xlabel="t", ylabel="V (mV)", legend="V",
                                      title="two")
    assert returned is ax
    assert [line.get_label() for line in ax.lines] == ["V-3", "V-1"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), values[:, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), values[:, 1])
    assert ax.get_xlim() == (5.0, 10.0) and ax.get_ylim() == (-2.0, 2.0)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("t", "V (mV)", "two")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["V-3", "V-1"]


def test_line_plot_all_columns_one_dimensional_values_and_geometry(traces):
    ts, values = traces
    ax = bp.visualize.line_plot(ts, values, plot_ids="all")
    assert len(ax.lines) == 4
    ax = plt.figure().add_subplot()
    bp.visualize.line_plot(ts, values[:, 2], ax=ax, legend="one")
    assert ax.lines[0].get_label() == "one"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), values[:, 2])
    grid = values.reshape(len(ts), 2, 2)                  # a (2, 2) group
    ax = bp.visualize.line_plot(ts, grid, plot_ids=3, ax=plt.figure().add_subplot())
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), grid[:, 1, 1])


def test_line_plot_draws_into_the_current_subplot_like_the_manual(traces, show_calls):
    ts, values = traces
    fig, gs = bp.visualize.get_figure(2, 1, 3, 8)
    top = fig.add_subplot(gs[0, 0])
    bp.visualize.line_plot(ts, values, legend="pre-V")
    bottom = fig.add_subplot(gs[1, 0])
    bp.visualize.line_plot(ts, values[:, 1], legend="syn-s", show=True)
    assert [line.get_label() for line in top.lines] == ["pre-V"]
    assert [line.get_label() for line in bottom.lines] == ["syn-s"]
    assert len(show_calls) == 1


def test_line_plot_max_points_keeps_peaks_and_never_changes_the_data():
    ts = np.arange(100_000) * 0.1
    values = np.random.default_rng(0).normal(size=(100_000, 2))
    values[77_777, 0] = 50.0                 # a spike
    values[12_345, 0] = -40.0                # a trough
    original = values.copy()
    ax = bp.visualize.line_plot(ts, values, max_points=500)
    x_data, y_data = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert len(x_data) <= 500
    assert y_data.max() == 50.0 and y_data.min() == -40.0
    assert x_data[0] == ts[0] and x_data[-1] == ts[-1] and np.all(np.diff(x_data) > 0)
    np.testing.assert_array_equal(y_data, values[np.round(x_data / 0.1).astype(int), 0])
    np.testing.assert_array_equal(values, original)


def test_minmax_decimate_is_identity_for_short_traces_and_checks_max_points():
    np.testing.assert_array_equal(minmax_decimate(np.arange(10.0), 10), np.arange(10))
    kept = minmax_decimate(np.array([0, 0, 9, 0, 0, 0, -9, 0, 0, 0, 0.]), 6)
    assert {2, 6, 0, 10} <= set(kept.tolist()) and len(kept) <= 6
    with pytest.raises(ValueError, match="`max_points`=3 must be an int of at least 4"):
        minmax_decimate(np.arange(10.0), 3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(plot_ids=[0, 4]), r"`plot_ids`=\[0, 4\]: 4 is not a column index of the 4"),
    (dict(plot_ids=[1.5]), r"1.5 is not a column index"),
    (dict(max_points=2), "`max_points`=2"),
])
def test_line_plot_errors(traces, kwargs, match):
    ts, values = traces
    with pytest.raises(ValueError, match=match):
        bp.visualize.line_plot(ts, values, **kwargs)


def test_line_plot_rejects_mismatched_times(traces):
    ts, values = traces
    with pytest.raises(ValueError, match=r"`ts` has shape \(499,\) but `val_matrix` has 500 rows"):
        bp.visualize.line_plot(ts[:-1], values)


# --- raster_plot -------------------------------------------------------------

def test_raster_plot_draws_one_marker_per_spike(show_calls):
    ts = np.arange(300) * 0.1
    spikes = np.random.default_rng(1).random((300, 12)) < 0.05
    spikes[:, 11] = False                                   # a silent neuron keeps its row
    ax = bp.visualize.raster_plot(ts, spikes, show=True)
    line = ax.lines[-1]
    rows, cols = np.nonzero(spikes)
    order = np.lexsort((cols, rows))
    np.testing.assert_array_equal(line.get_xdata(), ts[rows[order]])
    np.testing.assert_array_equal(line.get_ydata(), cols[order])
    assert line.get_linestyle() == "None" and line.get_marker() == "."
    assert line.get_markersize() == 2 and line.get_color() == "k"
    assert ax.get_xlim() == (0.0, ts[-1]) and ax.get_ylim() == (-0.5, 11.5)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Time (ms)", "Neuron index")
    assert len(show_calls) == 1


def test_raster_plot_options_and_the_manual_layout(show_calls):
    ts = np.arange(100) * 0.1
    e_spikes = np.zeros((100, 8))
    e_spikes[[5, 50], [2, 7]] = 1
    i_spikes = np.zeros((100, 2))
    i_spikes[20, 1] = 1
    fig, gs = bp.visualize.get_figure(row_num=5, col_num=1, row_len=1, col_len=10)
    top = fig.add_subplot(gs[:4, 0])
    bp.visualize.raster_plot(ts, e_spikes, ylabel="E Group", xlabel="")
    bottom = fig.add_subplot(gs[4, 0])
    bp.visualize.raster_plot(ts, i_spikes, ylabel="I Group", marker="|", markersize=5,
                             color="r", xlim=(1, 3), ylim=(0, 2), title="I", show=True)
    assert top.lines[0].get_xdata().tolist() == [0.5, 5.0]
    assert top.lines[0].get_ydata().tolist() == [2, 7]
    assert (top.get_xlabel(), top.get_ylabel()) == ("", "E Group")
    line = bottom.lines[0]
    assert line.get_marker() == "|" and line.get_markersize() == 5 and line.get_color() == "r"
    assert bottom.get_xlim() == (1.0, 3.0) and bottom.get_ylim() == (0.0, 2.0)
    assert bottom.get_title() == "I" and len(show_calls) == 1


def test_raster_plot_rejects_mismatched_times():
    with pytest.raises(ValueError, match=r"`ts` has shape \(3,\) but `sp_matrix` has 4 rows"):
        bp.visualize.raster_plot(np.arange(3.0), np.zeros((4, 2)))
