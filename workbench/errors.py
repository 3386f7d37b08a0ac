"""Exception classes of workbench.

Every class also derives from the familiar built-in type (``ValueError``,
``TypeError``, ``RuntimeError``) so that users can catch what they already know.
Messages name the argument, repeat the offending value and list what is allowed;
:func:`choices` formats the "what is allowed" part the same way everywhere.

BrainPy 1.0.2's names are here too, fitted into this hierarchy so that an
``except`` clause written for BrainPy catches what workbench raises in the
same situation: :class:`DiffEqError` (a derivative function that cannot be
integrated) is an :class:`IntegratorError`, :class:`AnalyzerError` is
:class:`AnalysisError`, and :class:`CodeError` is the base of errors about
user code that cannot be read (e.g. a function whose source is needed but
unavailable).
"""


class WorkbenchError(Exception):
    """Base class of all errors raised by workbench."""


class BackendError(WorkbenchError, ValueError):
    """An unknown, unavailable or unsupported computation backend."""


class IntegratorError(WorkbenchError, ValueError):
    """A differential equation or integrator setting that cannot be integrated."""


class StepError(IntegratorError):
    """A generated step that ran but cannot return a valid result (raised from compiled code too)."""


class DiffEqError(IntegratorError):
    """A derivative function that cannot be integrated: its arguments or returned values."""


class CodeError(WorkbenchError, ValueError):
    """User code that cannot be read: unavailable source, or syntax that cannot be translated."""


class ModelError(WorkbenchError, ValueError):
    """A model (neuron group, synapse, network) that is defined or used wrongly."""


class ConnectorError(WorkbenchError, ValueError):
    """A connector with inconsistent parameters or geometry."""


class AnalysisError(WorkbenchError, ValueError):
    """A dynamics analysis asked for something the model does not have."""


class AnalysisWarning(RuntimeWarning):
    """An analysis whose result is incomplete or empty (the message says why and where)."""


class ContinuationWarning(AnalysisWarning):
    """A continuation stopped inside the box (Newton failed at the smallest step); the
    curve computed up to there is kept, and the message says where."""


#: BrainPy 1.0.2's name of :class:`AnalysisError`.
AnalyzerError = AnalysisError


class SimulationError(WorkbenchError, RuntimeError):
    """A simulation that failed while running (NaN/inf, an exception in a step)."""


def choices(values):
    """Format allowed values for an error message: ``'a', 'b', 'c'``.

    Parameters
    ----------
    values : iterable
        The allowed values; they are sorted when they are all strings.

    Returns
    -------
    str
        The values, quoted and comma separated.
    """
    values = list(values)
    if all(isinstance(v, str) for v in values):
        values = sorted(values)
    return ", ".join(repr(v) for v in values)
