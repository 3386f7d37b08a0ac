"""The exception of parameter sweeps."""

from ..errors import WorkbenchError

__all__ = ["SweepError"]


class SweepError(WorkbenchError, ValueError):
    """A sweep that is set up wrongly (and so cannot run any parameter set).

    Failures of single parameter sets are not raised: they are rows of the
    result table with ``status='error'``. A ``SweepError`` raised while the sweep
    was running carries the rows finished so far in :attr:`table`.

    Attributes
    ----------
    table : SweepTable or None
        The partial result table, when the error stopped a running sweep.
    """

    def __init__(self, message, table=None):
        super().__init__(message)
        self.table = table
