"""The panel skeleton: controls + one handler that asks the engine + renderers + status + export.

A concrete panel implements four small hooks:

* :meth:`Panel.compute` asks the engine for a result (no numerics in widgets);
* :meth:`Panel.render` hands that result to the renderers of :mod:`widgets.render`;
* :meth:`Panel.describe` says in one line what is on screen;
* :meth:`Panel.export_tables` lists the data behind the figure for CSV/NPZ export.

Everything else -- coalescing slider moves, computing off the kernel thread, never
showing a stale result, reporting errors and progress, counting compilations,
reset, export -- lives here once.
"""

import threading
import time

import ipywidgets as W

from ..controls import ControlPanel, StatusBar
from ..export import ExportBar
from ..render import figure_style
from ..runner import LiveRunner

__all__ = ["Panel", "analyzer_arguments"]


def analyzer_arguments(specs, pars_update, options):
    """``pars_update`` and ``options`` for an analyser driven by sliders.

    The sliders' parameters join ``pars_update`` with their default values (so the
    analyser lets :meth:`update_pars` change them later), and the analysis is quiet
    unless ``options['verbose']`` says otherwise.

    Parameters
    ----------
    specs : list of ControlSpec
    pars_update, options : dict or None

    Returns
    -------
    updates, options : dict
    """
    updates = dict(pars_update or {})
    updates.update({spec.name: spec.value for spec in specs})
    options = dict(options or {})
    options.setdefault("verbose", False)
    return updates, options


def _compilations():
    from workbench.backend.jit import jit_compilations
    return jit_compilations()


class Panel(W.VBox):
    """Base class of the live panels (an ``ipywidgets.VBox`` you can display or put in tabs).

    Parameters
    ----------
    specs : list of ControlSpec
        The panel's controls.
    figure : bqplot.Figure or dict
        The figure whose marks the renderers update in place, or ``{name: Figure}``
        for a panel with several figures stacked vertically (the first is
        :attr:`figure`).
    title : str, optional
        Heading of the controls column.
    export_name : str, optional
        File name stem of exports.
    threaded : bool, optional
        Compute on a worker thread (default) so the kernel stays responsive and
        rapid moves coalesce; False computes in the calling thread.
    cancellable : bool, optional
        Let a newer request stop an outdated long run at its next progress report.
    extra : list of ipywidgets.Widget, optional
        Widgets shown below the controls (e.g. a neuron chooser).

    Attributes
    ----------
    controls : dict
        ``{name: ipywidgets control}``.
    figure : bqplot.Figure
        The (main) figure.
    figures : dict
        ``{name: bqplot.Figure}``, all figures of the panel.
    result : object or None
        The engine result currently on screen (None before the first result and
        after an error).
    params : dict or None
        The request (control values) that produced :attr:`result`.
    error : Exception or None
        The error of the newest request, if it failed.
    status : StatusBar
    export : ExportBar
    """

    def __init__(self, specs, figure, title=None, export_name="panel", threaded=True,
                 cancellable=False, extra=()):
        self.control_panel = ControlPanel(specs, title=title)
        self.figures = dict(figure) if isinstance(figure, dict) else {"figure": figure}
        self.figure = next(iter(self.figures.values()))
        self.status = StatusBar()
        self.export = ExportBar(self.figures, self.export_tables, export_name)
        self.result = None
        self.params = None
        self.error = None
        self.last_timing = {}
        self._cleared = []
        self._busy_lock = threading.Lock()
        self._busy_token = None
        self._busy_timer = None
        self._runner = LiveRunner(self._compute_timed, self._show, self._show_error,
                                  on_busy=self._on_busy, on_progress=self.status.set_progress,
                                  threaded=threaded, cancellable=cancellable)
        left = W.VBox([self.control_panel.widget, *extra],
                      layout=W.Layout(min_width="340px", max_width="520px", flex="0 1 auto"))
        right = W.VBox([self.layout_figures(self.figures), self.status.widget,
                        self.export.widget, figure_style()],
                       layout=W.Layout(flex="1 1 600px"))
        super().__init__([W.HBox([left, right], layout=W.Layout(flex_flow="row wrap"))])
        self.add_class("wb-panel")
        self.control_panel.on_change(lambda _values, _changed: self.refresh())

    # -- public -------------------------------------------------------------------------
    @property
    def controls(self):
        """dict: ``{name: ipywidgets control}``; set ``.value`` to change a parameter."""
        return self.control_panel.controls

    def values(self):
        """Current control values.

        Returns
        -------
        dict
        """
        return self.control_panel.values()

    def refresh(self):
        """Recompute with the current control values (coalesced with pending requests).

        Returns
        -------
        int
            The request's generation number.
        """
        return self._runner.request(self.request_params())

    def wait(self, timeout=120.0):
        """Block until the newest request is on screen (or its error is shown).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most.

        Returns
        -------
        bool
            True when the panel is idle, False on timeout.
        """
        return self._runner.wait(timeout)

    def reset(self):
        """Put every control back to its default (one recomputation)."""
        self.control_panel.reset()

    @property
    def generation(self):
        """int: number of the newest request (0 before any)."""
        return self._runner.generation

    @property
    def shown_generation(self):
        """int: number of the request whose result or error is on screen."""
        return self._runner.shown_generation

    def close(self):
        """Stop the worker thread and close the widgets."""
        runner = getattr(self, "_runner", None)    # absent when __init__ failed early
        if runner is not None:
            runner.close()
        super().close()

    # -- hooks for subclasses -----------------------------------------------------------
    def layout_figures(self, figures):
        """Arrange the figures (default: stacked vertically).

        Parameters
        ----------
        figures : dict
            ``{name: bqplot.Figure}``.

        Returns
        -------
        ipywidgets.Widget
        """
        return W.VBox(list(figures.values()))

    def request_params(self):
        """What one request carries; by default the control values.

        Returns
        -------
        dict
        """
        return self.values()

    def compute(self, params, token):
        """Ask the engine for the result of ``params`` (runs on the worker thread).

        Parameters
        ----------
        params : dict
            From :meth:`request_params`.
        token : RunToken
            For progress reports (``token.progress(fraction)``).

        Returns
        -------
        object
            The engine's result object.
        """
        raise NotImplementedError

    def render(self, result):
        """Update the marks from ``result`` (in place, under ``hold_sync``).

        :attr:`params` already holds the request that produced ``result``.

        Parameters
        ----------
        result : object
        """
        raise NotImplementedError

    def describe(self, result, params):
        """One line about what is on screen.

        Parameters
        ----------
        result : object
        params : dict

        Returns
        -------
        str
        """
        return self.describe_params(params)

    def export_tables(self):
        """The data on screen as ``{table: {column: 1-D array}}`` (full resolution).

        Returns
        -------
        dict
        """
        raise NotImplementedError

    def clear(self):
        """Hide the visible marks (after an error, so no outdated result stays visible)."""
        for mark in (m for fig in self.figures.values() for m in fig.marks):
            if mark.visible:
                mark.visible = False
                self._cleared.append(mark)

    def unclear(self):
        """Show again the marks :meth:`clear` hid (before drawing a fresh result)."""
        cleared, self._cleared = self._cleared, []
        for mark in cleared:
            mark.visible = True

    # -- plumbing -----------------------------------------------------------------------
    #: Seconds a computation may take before the status says "computing ..." (quick
    #: updates then cost no extra messages and the status line does not flicker).
    busy_delay = 0.15

    def _on_busy(self, params):
        text = "computing " + self.describe_params(params) + " ..."
        with self._busy_lock:
            self._busy_token = token = object()
            timer = threading.Timer(self.busy_delay, self._show_busy, (token, text))
            timer.daemon = True
            self._busy_timer = timer
        timer.start()

    def _show_busy(self, token, text):
        with self._busy_lock:            # never after the result: _cancel_busy takes the lock
            if self._busy_token is token:
                self.status.busy(text)

    def _cancel_busy(self):
        with self._busy_lock:
            self._busy_token = None
            if self._busy_timer is not None:
                self._busy_timer.cancel()

    def describe_params(self, params):
        """Short text of the control values in ``params``.

        Parameters
        ----------
        params : dict

        Returns
        -------
        str
        """
        return ", ".join(f"{name}={_fmt(value)}" for name, value in params.items()
                         if name in self.controls)

    def _compute_timed(self, params, token):
        before = _compilations()
        start = time.perf_counter()
        result = self.compute(params, token)
        self.last_timing = {"compute_s": time.perf_counter() - start,
                            "compiled": _compilations() - before}
        return result

    def _show(self, result, params):
        self._cancel_busy()
        start = time.perf_counter()
        self.unclear()
        self.params = params
        self.render(result)
        self.result = result
        self.error = None
        self.last_timing["render_s"] = time.perf_counter() - start
        timing = self.last_timing
        note = f"computed in {1e3 * timing['compute_s']:.0f} ms"
        if timing.get("compiled"):
            note += f", compiled {timing['compiled']} function(s)"
        self.status.ready(f"{self.describe(result, params)}  ({note})")

    def _show_error(self, exc, params):
        self._cancel_busy()
        self.error = exc
        self.result = None
        self.params = params
        self.clear()
        where = f" for {self.describe_params(params)}" if params else ""
        self.status.error(f"{type(exc).__name__}{where}: {exc}")


def _fmt(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)
