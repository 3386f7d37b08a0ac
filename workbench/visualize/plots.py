"""``bp.visualize.line_plot`` and ``bp.visualize.raster_plot`` on matplotlib."""

import numpy as np

from .. import measure
from ..simulation.nodes.records import SpikeEvents
from .figures import finish_axes, resolve_axes

__all__ = ["line_plot", "raster_plot"]


def _check_times(ts, num_rows, what):
    """``ts`` as a 1-D array with one entry per row of the data."""
    times = np.asarray(ts)
    if times.ndim != 1 or times.shape[0] != num_rows:
        raise ValueError(f"`ts` has shape {times.shape} but `{what}` has {num_rows} rows; "
                         f"give one time per row.")
    return times


def _as_columns(values):
    """View of a ``(steps, ...)`` array as ``(steps, n)`` columns."""
    return values.reshape(values.shape[0], int(np.prod(values.shape[1:], dtype=np.int64)))


def _plot_ids(plot_ids, num_columns):
    """Validated list of column indices to draw (default: column 0)."""
    if plot_ids is None:
        ids = [0]
    elif isinstance(plot_ids, str) and plot_ids == "all":
        ids = list(range(num_columns))
    elif np.ndim(plot_ids) == 0:
        ids = [plot_ids]
    else:
        ids = list(plot_ids)
    for idx in ids:
        if isinstance(idx, bool) or not hasattr(idx, "__index__") or \
                not -num_columns <= idx < num_columns:
            raise ValueError(f"`plot_ids`={plot_ids!r}: {idx!r} is not a column index of the "
                             f"{num_columns} recorded values; use ints in "
                             f"[0, {num_columns}) or 'all'.")
    return [int(idx) for idx in ids]


def minmax_decimate(values, max_points):
    """Indices of at most ``max_points`` samples that keep a trace's envelope.

    The trace is cut into equal buckets; of each bucket the smallest and the
    largest sample are kept (in time order), plus the first and the last
    sample, so spikes and troughs stay visible when a long trace is drawn with
    few points. The data themselves are not changed.

    Parameters
    ----------
    values : numpy.ndarray
        1-D trace.
    max_points : int
        Largest number of indices to return, at least 4.

    Returns
    -------
    numpy.ndarray
        Sorted, unique int64 indices into ``values``.

    Raises
    ------
    ValueError
        If ``max_points`` is not an int of at least 4.
    """
    if isinstance(max_points, bool) or not hasattr(max_points, "__index__") or max_points < 4:
        raise ValueError(f"`max_points`={max_points!r} must be an int of at least 4.")
    size = values.shape[0]
    if size <= max_points:
        return np.arange(size)
    num_buckets = (max_points - 2) // 2
    per_bucket = -(-size // num_buckets)
    padded = np.pad(values, (0, num_buckets * per_bucket - size), mode="edge")
    buckets = padded.reshape(num_buckets, per_bucket)
    offsets = np.arange(num_buckets) * per_bucket
    kept = np.concatenate(([0, size - 1], offsets + buckets.argmin(axis=1),
                           offsets + buckets.argmax(axis=1)))
    return np.unique(np.minimum(kept, size - 1))


def line_plot(ts, val_matrix, plot_ids=None, ax=None, xlim=None, ylim=None, xlabel="Time (ms)",
              ylabel=None, legend=None, title=None, show=False, max_points=None):
    """Draw recorded values against time, one line per chosen column.

    Parameters
    ----------
    ts : array_like
        ``(steps,)`` times, e.g. ``mon.ts`` or ``mon.V_t``.
    val_matrix : array_like
        ``(steps,)`` or ``(steps, n)`` values (more dimensions are flattened
        to ``n`` columns), e.g. ``mon.V``.
    plot_ids : int, sequence of int or 'all', optional
        Columns to draw; column 0 when omitted (as in BrainPy).
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current axes when omitted.
    xlim, ylim : (float, float), optional
        Axis limits.
    xlabel : str, optional
        Label of the time axis.
    ylabel : str, optional
        Label of the value axis.
    legend : str, optional
        Label of the lines: ``legend`` for a single line, ``f'{legend}-{id}'``
        for several. A legend is drawn when given.
    title : str, optional
        Title of the axes.
    show : bool, optional
        Call ``matplotlib.pyplot.show()`` at the end.
    max_points : int, optional
        Extension: draw each line with at most this many points, chosen by
        :func:`minmax_decimate` (keeps peaks). The data are never changed; by
        default every sample is drawn.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    ValueError
        If ``ts`` does not match the rows of ``val_matrix``, a plot id is out of
        range, or ``max_points`` is below 4.

    Examples
    --------
    >>> ts = np.arange(0, 10, 0.1)
    >>> ax = line_plot(ts, np.sin(ts), legend='sin')
    >>> ax.lines[0].get_label()
    'sin'
    """
    values = np.asarray(val_matrix)
    if values.ndim == 0:
        raise ValueError(f"`val_matrix`={val_matrix!r} must be a (steps,) or (steps, n) array.")
    values = _as_columns(values)
    times = _check_times(ts, values.shape[0], "val_matrix")
    ids = _plot_ids(plot_ids, values.shape[1])
    ax = resolve_axes(ax)
    for idx in ids:
        column = values[:, idx]
        if max_points is not None:
            kept = minmax_decimate(column, max_points)
            x_data, y_data = times[kept], column[kept]
        else:
            x_data, y_data = times, column
        label = None if not legend else (legend if len(ids) == 1 else f"{legend}-{idx}")
        ax.plot(x_data, y_data, label=label)
    return finish_axes(ax, xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title,
                       legend=bool(legend), show=show)


def raster_plot(ts, sp_matrix, ax=None, marker=".", markersize=2, color="k", xlabel="Time (ms)",
                ylabel="Neuron index", xlim=None, ylim=None, title=None, show=False):
    """Draw a spike raster: one marker per spike at (time, neuron index).

    Parameters
    ----------
    ts : array_like
        ``(steps,)`` times, e.g. ``mon.ts`` or ``mon.spike_t``.
    sp_matrix : array_like or SpikeEvents
        ``(steps, n)`` spike matrix; non-zero entries are spikes. Or a
        monitor's events, ``mon.spike_events``, drawn without making the matrix.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current axes when omitted.
    marker : str, optional
        Matplotlib marker.
    markersize : float, optional
        Marker size in points.
    color : color, optional
        Marker colour.
    xlabel, ylabel : str, optional
        Axis labels.
    xlim : (float, float), optional
        Time limits; the recorded span ``(ts[0], ts[-1])`` when omitted, so a
        quiet stretch at either end stays visible.
    ylim : (float, float), optional
        Index limits; ``(-0.5, n - 0.5)`` when omitted, so neurons that never
        fire still have their row.
    title : str, optional
        Title of the axes.
    show : bool, optional
        Call ``matplotlib.pyplot.show()`` at the end.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into; the spikes are its last line (``x`` = times,
        ``y`` = neuron indices).

    Raises
    ------
    ValueError
        If ``ts`` does not match the rows of ``sp_matrix``.

    Examples
    --------
    >>> spikes = np.zeros((100, 3)); spikes[10, 1] = 1
    >>> ax = raster_plot(np.arange(100) * 0.1, spikes)
    >>> ax.lines[-1].get_xdata().tolist(), ax.lines[-1].get_ydata().tolist()
    ([1.0], [1])
    """
    if isinstance(sp_matrix, SpikeEvents):
        times = _check_times(ts, sp_matrix.n_steps, "sp_matrix")
        indices, spike_times = measure.raster_plot(sp_matrix, times)
        num_neurons = int(sp_matrix.neurons.max()) + 1 if sp_matrix.n_neurons else 0
    else:
        spikes = np.asarray(sp_matrix)
        if spikes.ndim == 0:
            raise ValueError(f"`sp_matrix`={sp_matrix!r} must be a (steps, n) spike matrix.")
        spikes = _as_columns(spikes)
        times = _check_times(ts, spikes.shape[0], "sp_matrix")
        indices, spike_times = measure.raster_plot(spikes, times)
        num_neurons = spikes.shape[1]
    ax = resolve_axes(ax)
    ax.plot(spike_times, indices, linestyle="none", marker=marker, markersize=markersize,
            color=color)
    if xlim is None and times.size and times[-1] > times[0]:
        xlim = (times[0], times[-1])
    if ylim is None:
        ylim = (-0.5, num_neurons - 0.5)
    return finish_axes(ax, xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title,
                       show=show)
