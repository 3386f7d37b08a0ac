"""Progress of a sweep: a bar in notebooks and terminals, or a callable for widgets."""

import sys
import time

from .errors import SweepError

__all__ = ["SweepProgress"]


class SweepProgress:
    """Reports finished parameter sets.

    Parameters
    ----------
    total : int
        Number of parameter sets.
    progress : bool or callable
        ``True``: a ``tqdm.auto`` bar (a widget in Jupyter, a text bar in a
        terminal; plain lines when tqdm is missing). ``False``: nothing. A
        callable is called as ``progress(fraction)`` after every finished set.
    description : str, optional
        Label of the bar.

    Raises
    ------
    SweepError
        For a ``progress`` that is neither a bool nor a callable.
    """

    def __init__(self, total, progress=True, description="sweep"):
        if not isinstance(progress, bool) and not callable(progress):
            raise SweepError(f"`progress`={progress!r} must be True (a progress bar), False, or "
                             f"a callable taking the finished fraction.")
        self.total = int(total)
        self.done = 0
        self.failed = 0
        self._callback = progress if callable(progress) else None
        self._bar = None
        self._lines = False
        self._next_line = 0.1
        self._started = time.perf_counter()
        if progress is True:
            try:
                from tqdm.auto import tqdm
                self._bar = tqdm(total=self.total, desc=description, unit="set", leave=True)
            except ImportError:
                self._lines = True

    def update(self, status):
        """Count one finished set.

        Parameters
        ----------
        status : str
            Its status (``'ok'`` or ``'error'``).
        """
        self.done += 1
        if status != "ok":
            self.failed += 1
        if self._bar is not None:
            if self.failed:
                self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self._bar.update(1)
        elif self._lines and (self.done / self.total >= self._next_line or self.done == self.total):
            self._next_line += 0.1
            print(f"Sweep {self.done}/{self.total} sets ({self.failed} failed) in "
                  f"{time.perf_counter() - self._started:.1f} s.", file=sys.stdout)
        if self._callback is not None:
            self._callback(self.done / self.total)

    def close(self):
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
