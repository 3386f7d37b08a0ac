"""Live-update runner: coalesce rapid requests, compute off the kernel thread, show only the latest.

A slider can fire many value changes while one computation is still running. The
:class:`LiveRunner` keeps a generation counter: every request gets the next number,
a worker thread always takes the *newest* pending request (older pending ones are
dropped), and a finished result is handed to ``show`` only when no newer request
arrived in the meantime. So the last value always wins and a stale result never
reaches the screen. Exceptions are handed to ``show_error`` instead of killing the
worker, and long computations report progress through :class:`RunToken`.
"""

import threading
import time

__all__ = ["LiveRunner", "RunToken", "Superseded"]


class Superseded(Exception):
    """Raised inside a computation (by :meth:`RunToken.check`) when a newer request arrived."""


class RunToken:
    """What a computation receives to report progress and to notice it is outdated.

    Parameters
    ----------
    runner : LiveRunner
        The runner that started the computation.
    generation : int
        The request number of this computation.
    """

    def __init__(self, runner, generation):
        self._runner = runner
        self.generation = generation

    @property
    def stale(self):
        """bool: True when a newer request was made after this one."""
        return self._runner.generation != self.generation

    def check(self):
        """Raise :class:`Superseded` when a newer request is waiting.

        Raises
        ------
        Superseded
            When the result of this computation would never be shown.
        """
        if self.stale:
            raise Superseded(f"request #{self.generation} superseded by #{self._runner.generation}")

    def progress(self, fraction):
        """Report progress (0..1) of this computation to the runner's progress callback.

        Parameters
        ----------
        fraction : float
            Completed fraction of the work.

        Raises
        ------
        Superseded
            When the runner is ``cancellable`` and a newer request arrived, so
            that a long run stops early instead of finishing for nothing.
        """
        if self._runner.cancellable:
            self.check()
        self._runner._report_progress(self.generation, fraction)


class LiveRunner:
    """Run the newest requested computation on a worker thread and show only current results.

    Parameters
    ----------
    compute : callable
        ``compute(params, token) -> result``; asks the engine. ``params`` is what
        was passed to :meth:`request`, ``token`` a :class:`RunToken`.
    show : callable
        ``show(result, params)``; draws a result. Called only for the newest request.
    show_error : callable
        ``show_error(exc, params)``; called when the newest request raised.
    on_busy : callable, optional
        ``on_busy(params)``; called when a computation starts.
    on_progress : callable, optional
        ``on_progress(fraction)``; called (throttled to about 20 Hz) from
        :meth:`RunToken.progress`.
    threaded : bool, optional
        When False, :meth:`request` computes and shows in the calling thread
        (useful for debugging and for scripts without an event loop).
    cancellable : bool, optional
        When True, :meth:`RunToken.progress` raises :class:`Superseded` in an
        outdated computation so it stops early.

    Examples
    --------
    >>> shown = []
    >>> runner = LiveRunner(lambda p, token: p * 2, lambda r, p: shown.append(r),
    ...                     lambda e, p: None)
    >>> _ = runner.request(1); _ = runner.request(2); runner.wait()
    True
    >>> shown[-1]
    4
    """

    def __init__(self, compute, show, show_error, on_busy=None, on_progress=None,
                 threaded=True, cancellable=False):
        for name, value in (("compute", compute), ("show", show), ("show_error", show_error)):
            if not callable(value):
                raise TypeError(f"`{name}`={value!r} is not callable; pass a function")
        self._compute = compute
        self._show = show
        self._show_error = show_error
        self._on_busy = on_busy
        self._on_progress = on_progress
        self.threaded = bool(threaded)
        self.cancellable = bool(cancellable)
        self._cond = threading.Condition()
        self._generation = 0         # number of the newest request
        self._handled = 0            # number of the newest request whose outcome was delivered
        self._pending = None         # (generation, params) waiting for the worker
        self._thread = None
        self._closed = False
        self._last_progress = 0.0
        self.shown_generation = 0    # generation of what is on screen (0: nothing yet)
        self.dropped = 0             # requests never computed because a newer one came first
        self.discarded = 0           # computations finished but not shown (outdated)

    @property
    def generation(self):
        """int: number of the newest request."""
        return self._generation

    @property
    def busy(self):
        """bool: True while a request is pending or being computed."""
        with self._cond:
            return self._handled != self._generation

    def request(self, params):
        """Ask for a computation with ``params``; returns at once (unless not threaded).

        Parameters
        ----------
        params : object
            Handed unchanged to ``compute``, ``show`` and ``show_error``.

        Returns
        -------
        int
            The generation number of this request.
        """
        with self._cond:
            if self._closed:
                raise RuntimeError("LiveRunner is closed; create a new panel")
            self._generation += 1
            generation = self._generation
            if self._pending is not None:
                self.dropped += 1
            self._pending = (generation, params)
            if self.threaded:
                self._ensure_thread()
                self._cond.notify_all()
                return generation
        self._work_once()
        return generation

    def wait(self, timeout=None):
        """Block until the newest request has been shown (or its error reported).

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most.

        Returns
        -------
        bool
            True when idle, False on timeout.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._handled != self._generation:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self):
        """Stop the worker thread after the current computation."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- worker -------------------------------------------------------------------------
    def _ensure_thread(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="workbench-live-runner",
                                            daemon=True)
            self._thread.start()

    def _loop(self):
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
            self._work_once()

    def _work_once(self):
        with self._cond:
            if self._pending is None:
                return
            generation, params = self._pending
            self._pending = None
        token = RunToken(self, generation)
        self._last_progress = 0.0
        try:
            if self._on_busy is not None:
                self._on_busy(params)
            result = self._compute(params, token)
        except Superseded:
            self._finish(generation, None)
            return
        except Exception as exc:  # shown in the panel; the worker must survive any model error
            self._deliver(generation, lambda: self._show_error(exc, params))
            return
        self._deliver(generation, lambda: self._show(result, params))

    def _deliver(self, generation, action):
        if generation != self._generation:
            self.discarded += 1
            self._finish(generation, None)
            return
        try:
            action()
            shown = generation
        except Exception as exc:  # a drawing failure must not kill the worker either
            shown = None
            try:
                self._show_error(exc, None)
            except Exception:
                pass
        self._finish(generation, shown)

    def _finish(self, generation, shown):
        with self._cond:
            if shown is not None:
                self.shown_generation = shown
            if self._pending is None and generation == self._generation:
                self._handled = generation
            self._cond.notify_all()

    def _report_progress(self, generation, fraction):
        if self._on_progress is None or generation != self._generation:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_progress < 0.05:
            return
        self._last_progress = now
        self._on_progress(float(fraction))
