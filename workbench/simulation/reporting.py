"""Progress reports of a run: the manual's lines in a terminal, a bar in a notebook."""

import numbers
import sys

from ..errors import ModelError

__all__ = ["Reporter", "in_notebook", "check_report_percent"]


def in_notebook():
    """Whether the code runs in a Jupyter kernel (where a progress bar renders).

    Returns
    -------
    bool
    """
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def check_report_percent(report_percent):
    """Validate ``report_percent``.

    Parameters
    ----------
    report_percent : float
        A fraction in (0, 1].

    Returns
    -------
    float

    Raises
    ------
    ModelError
        If it is not a number in (0, 1].
    """
    if isinstance(report_percent, bool) or not isinstance(report_percent, numbers.Real) \
            or not (0.0 < float(report_percent) <= 1.0):
        raise ModelError(f"`report_percent`={report_percent!r} must be a fraction in (0, 1], "
                         f"e.g. 0.1 to report every 10%.")
    return float(report_percent)


class Reporter:
    """Reports compilation and running progress.

    Parameters
    ----------
    report : bool
        Print the manual's lines (or show a bar in a notebook).
    progress : callable or None
        Called with the completed fraction after every chunk.
    stream : file, optional
        Where lines go (``sys.stdout`` by default).
    """

    def __init__(self, report, progress=None, stream=None):
        if progress is not None and not callable(progress):
            raise ModelError(f"`progress`={progress!r} must be a callable taking the completed "
                             f"fraction, or None.")
        self.report = bool(report)
        self.progress = progress
        self.stream = stream
        self._bar = None

    def _print(self, text):
        print(text, file=self.stream or sys.stdout)

    def compiled(self, seconds):
        """Report the build/compile time and the start of the run.

        Parameters
        ----------
        seconds : float
        """
        if not self.report:
            return
        self._print(f"Compilation used {seconds:.4f} s.")
        self._print("Start running ...")
        if in_notebook():
            try:
                from tqdm.auto import tqdm
                self._bar = tqdm(total=100, unit="%", leave=True)
            except ImportError:
                self._bar = None

    def update(self, fraction, elapsed):
        """Report a completed fraction.

        Parameters
        ----------
        fraction : float
            Completed fraction of the run, in (0, 1].
        elapsed : float
            Seconds since the start of the run.
        """
        if self.report:
            if self._bar is not None:
                self._bar.n = round(100 * fraction, 1)
                self._bar.set_postfix_str(f"{elapsed:.3f} s", refresh=True)
            else:
                self._print(f"Run {100 * fraction:.1f}% used {elapsed:.3f} s.")
        if self.progress is not None:
            self.progress(fraction)

    def done(self, elapsed):
        """Report the end of the run.

        Parameters
        ----------
        elapsed : float
            The running time in seconds.
        """
        if not self.report:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._print(f"Simulation is done in {elapsed:.3f} s.")

    def close(self):
        """Close a progress bar left open by a failed run."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
