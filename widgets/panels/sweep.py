"""``SweepPanel``: watch a parameter sweep fill in -- a line for one parameter, a heat map for two.

The panel is a view of a :class:`workbench.sweep.Sweep`: *Run* starts the sweep
in a background thread (on whatever executor you give: this process, a process
pool, a Dask client), and every finished set updates the figure, the progress
bar and the status line. It computes nothing itself: the values come from
``SweepTable.pivot`` (repeats and any further varied parameters are averaged
there).

It is not a :class:`widgets.panels.base.Panel`: a panel there recomputes one
result per control change, while a sweep is one long job whose results stream
in. It shares the export bar (:class:`widgets.export.ExportBar`: PNG/SVG of the
figure, CSV/NPZ of the table).
"""

import html
import threading
import time

import bqplot
import ipywidgets as W
import numpy as np

from workbench.sweep import Sweep, SweepError

from ..export import ExportBar

__all__ = ["SweepPanel"]

#: Seconds between two redraws while results arrive (the last result always redraws).
REDRAW_SECONDS = 0.25


class SweepPanel(W.VBox):
    """A live view of a sweep: measure against one parameter (line) or two (heat map).

    Parameters
    ----------
    sweep : Sweep
        The sweep to run and show.
    measure : str, optional
        The measure shown first (a dropdown lists the others once they arrive).
    x, y : str, optional
        Parameters on the axes; by default the first one or two that vary.
    client : dask.distributed.Client, optional
        Run the sweep on this cluster.
    executor, n_workers : optional
        As for :meth:`Sweep.run` when there is no client.
    autostart : bool, optional
        Start the sweep at once.

    Attributes
    ----------
    table : SweepTable or None
        The rows so far (the final table when the sweep has ended).
    error : Exception or None
        What stopped the sweep, if it failed.
    figure : bqplot.Figure
    line, points : bqplot.Lines, bqplot.Scatter
        The marks of a one-parameter sweep.
    heatmap : bqplot.GridHeatMap or None
        The mark of a two-parameter sweep.
    progress : ipywidgets.IntProgress
    status : ipywidgets.HTML
    export : widgets.export.ExportBar
        PNG/SVG of the figure, CSV/NPZ of :meth:`export_tables`.

    Raises
    ------
    SweepError
        For a ``sweep`` that is not a :class:`Sweep`, or unknown ``x``/``y``.

    Examples
    --------
    >>> search = bp.sweep.Sweep(build, {'GABAA.g_max': g_values}, measure=coherence,
    ...                         duration=500., inputs=('HH.input', 1.2), seed=1)   # doctest: +SKIP
    >>> panel = SweepPanel(search, measure='cc', executor='processes')              # doctest: +SKIP
    >>> panel            # in a notebook cell; press Run                            # doctest: +SKIP
    """

    def __init__(self, sweep, measure=None, x=None, y=None, client=None, executor=None,
                 n_workers=None, autostart=False):
        if not isinstance(sweep, Sweep):
            raise SweepError(f"`sweep`={sweep!r} must be a bp.sweep.Sweep (the sweep to run "
                             f"and show).")
        self.sweep = sweep
        names = sweep.parameter_sets.names
        varied = list(sweep.parameter_sets.varied)
        for label, value in (("x", x), ("y", y)):
            if value is not None and value not in names:
                raise SweepError(f"`{label}`={value!r} is not a parameter of the sweep; choose "
                                 f"one of {names}.")
        self.x = x or (varied[0] if varied else None)
        if y is None and x is None and len(varied) > 1:
            y = varied[1]
        self.y = y
        self._run_kwargs = {"client": client, "executor": executor, "n_workers": n_workers}
        self.table = None
        self.error = None
        self._run = None
        self._watcher = None
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._finished = 0
        self._run_ready = threading.Event()
        self._started = None

        self.measure_choice = W.Dropdown(options=[measure] if measure else [], value=measure,
                                         description="measure")
        self.measure_choice.observe(lambda change: self.redraw(), names="value")
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        self.run_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.progress = W.IntProgress(value=0, min=0, max=len(sweep), description="sets")
        self.status = W.HTML(value=f"{len(sweep)} parameter sets, not started.")
        self.failures = W.HTML(value="")
        self.figure, self.line, self.points, self.heatmap = self._make_figure()
        self.export = ExportBar(self.figure, self.export_tables, "sweep")
        super().__init__([W.HBox([self.run_button, self.stop_button, self.measure_choice]),
                          W.HBox([self.progress, self.status]), self.figure, self.failures,
                          self.export.widget])
        if autostart:
            self.start()

    # -- figure ------------------------------------------------------------------------------
    def _make_figure(self):
        if self.y is None:
            x_scale, y_scale = bqplot.LinearScale(), bqplot.LinearScale()
            line = bqplot.Lines(x=[], y=[], scales={"x": x_scale, "y": y_scale})
            points = bqplot.Scatter(x=[], y=[], scales={"x": x_scale, "y": y_scale},
                                    default_size=32)
            axes = [bqplot.Axis(scale=x_scale, label=self.x or "row"),
                    bqplot.Axis(scale=y_scale, side="left", label="")]
            figure = bqplot.Figure(marks=[line, points], axes=axes, title="",
                                   layout=W.Layout(width="640px", height="420px"))
            return figure, line, points, None
        column, row, color = bqplot.OrdinalScale(), bqplot.OrdinalScale(), \
            bqplot.ColorScale(scheme="viridis")
        columns, rows = self._labels(self.x), self._labels(self.y)
        # every cell is there from the start (grey until its set arrives); bqplot squeezes
        # the color array, so the grid keeps its full shape all along
        heatmap = bqplot.GridHeatMap(color=np.full((len(rows), len(columns)), np.nan),
                                     row=rows, column=columns, null_color="#dddddd",
                                     scales={"column": column, "row": row, "color": color})
        axes = [bqplot.Axis(scale=column, label=self.x),
                bqplot.Axis(scale=row, side="left", label=self.y),
                bqplot.ColorAxis(scale=color, side="right")]
        figure = bqplot.Figure(marks=[heatmap], axes=axes, title="",
                               layout=W.Layout(width="640px", height="480px"))
        return figure, None, None, heatmap

    def export_tables(self):
        """The table for CSV/NPZ export: every column of numbers or text.

        Columns whose cells are arrays (array-valued measures) are left out; use
        ``panel.table.to_pandas()`` or ``to_dict()`` for those.

        Returns
        -------
        dict
            ``{'sweep': {column: 1-D array}}`` (empty before the first result).
        """
        if self.table is None:
            return {}
        columns = {}
        for name in self.table.columns:
            column = self.table[name]
            if column.dtype != object:
                columns[name] = column
            elif all(v is None or isinstance(v, str) for v in column):
                columns[name] = np.array(["" if v is None else v for v in column])
        return {"sweep": columns}

    def _labels(self, name):
        """Axis labels of a parameter: its distinct values, as ``SweepTable.pivot`` orders them."""
        values = self.sweep.parameter_sets.values(name)
        try:
            values = sorted(values)
        except TypeError:
            pass
        return [_label(v) for v in values]

    def redraw(self):
        """Draw the current table (the marks are updated in place)."""
        table, measure = self.table, self.measure_choice.value
        if table is None or measure is None or measure not in table:
            return
        self.figure.title = measure
        with self.figure.hold_sync():
            if self.heatmap is None:
                if self.x is None:
                    xs, values = np.arange(len(table), dtype=float), \
                        np.where(table["status"] == "ok", table[measure], np.nan).astype(float)
                else:
                    xs, values = table.pivot(measure, x=self.x)
                shown = ~np.isnan(values)
                self.line.x, self.line.y = xs[shown], values[shown]
                self.points.x, self.points.y = xs[shown], values[shown]
                self.figure.axes[1].label = measure
            else:
                xs, ys, grid = table.pivot(measure, x=self.x, y=self.y)
                self.heatmap.color = grid
                self.heatmap.column = [_label(v) for v in xs]
                self.heatmap.row = [_label(v) for v in ys]

    def _show_status(self, final=False):
        table = self.table
        counts = table.counts() if table is not None else {}
        done = counts.get("ok", 0) + counts.get("error", 0)
        self.progress.value = done
        elapsed = time.perf_counter() - self._started if self._started else 0.0
        state = "done" if final else "running"
        if final and self.error is not None:
            state = f"stopped by an error: {self.error}"
        elif final and counts.get("cancelled"):
            state = f"stopped ({counts['cancelled']} sets cancelled)"
        self.status.value = (f"{done}/{len(self.sweep)} sets, {counts.get('error', 0)} failed, "
                             f"{elapsed:.1f} s -- {state}")
        failed = table.failed if table is not None else None
        if failed is not None and len(failed):
            rows = "".join(
                "<li>" + html.escape(", ".join(f"{p}={row[p]!r}" for p in failed.parameters)
                                     + f": {row['error']}") + "</li>"
                for row in failed.rows()[:5])
            self.failures.value = f"<b>Failed sets</b><ul>{rows}</ul>"

    # -- running -----------------------------------------------------------------------------
    def _update_measure_choice(self):
        names = list(self.table.measures)
        if names and list(self.measure_choice.options) != names:
            current = self.measure_choice.value
            self.measure_choice.options = names
            self.measure_choice.value = current if current in names else names[0]

    def _on_result(self, index, row):
        self._run_ready.wait()
        self._finished += 1
        now = time.perf_counter()
        if now - self._last_draw < REDRAW_SECONDS and self._finished < len(self.sweep):
            return
        with self._lock:
            self._last_draw = now
            self.table = self._run.table
            self._update_measure_choice()
            self._show_status()
            self.redraw()

    def _watch(self, run):
        try:
            self.table = run.result()
        except BaseException as exc:
            self.error = exc
            self.table = getattr(exc, "table", None) or run.table
        with self._lock:
            if self.table is not None:
                self._update_measure_choice()
            self._show_status(final=True)
            self.redraw()
            self.run_button.disabled = False
            self.stop_button.disabled = True

    def start(self):
        """Start (or restart) the sweep in the background.

        Returns
        -------
        SweepRun
        """
        if self._run is not None and not self._run.done:
            return self._run
        self.table, self.error, self._started = None, None, time.perf_counter()
        self.failures.value = ""
        self.progress.value = 0
        self.run_button.disabled = True
        self.stop_button.disabled = False
        self._finished, self._last_draw = 0, 0.0
        self._run_ready.clear()
        self._run = self.sweep.start(progress=False, on_result=self._on_result,
                                     **self._run_kwargs)
        self._run_ready.set()
        self._watcher = threading.Thread(target=self._watch, args=(self._run,), daemon=True,
                                         name="workbench-sweep-panel")
        self._watcher.start()
        return self._run

    def stop(self):
        """Stop the sweep: unfinished sets are cancelled."""
        if self._run is not None:
            self._run.stop()

    def wait(self, timeout=None):
        """Block until the sweep and the last redraw are done (for scripts and tests).

        Parameters
        ----------
        timeout : float, optional

        Returns
        -------
        SweepTable or None
        """
        if self._watcher is not None:
            self._watcher.join(timeout)
        return self.table


def _label(value):
    return f"{value:.4g}" if isinstance(value, (int, float, np.number)) else str(value)
