"""The storage of one monitored variable during a run: dense rows or spike events.

A monitor (:mod:`~workbench.simulation.nodes.monitors`) makes one record per
monitored variable before each run. Two kinds exist:

* :class:`DenseRecord` -- one row per record step, allocated before the run
  (``(rows,) + shape`` of the variable, or ``(rows, len(index))``); users see it
  as a 2-D ``(rows, columns)`` array, as in BrainPy 1.0.2.
* :class:`EventRecord` -- spike variables (bool arrays, and arrays named
  ``spike``) store only their non-zero entries, as ``(row, column)`` events in
  buffers that grow while the run goes on: memory is proportional to the
  number of spikes, not to ``rows x neurons``. ``mon.spike`` materializes the
  dense matrix on first access; ``mon.spike_events`` gives the events.

The contract every executor relies on is :class:`MonitorRecord`'s.
"""

import abc
import os
from dataclasses import dataclass

import numpy as np

from ...errors import ModelError

__all__ = ["MonitorRecord", "DenseRecord", "EventRecord", "SpikeEvents", "available_memory",
           "is_event_variable"]

#: Attribute names recorded as events even when their dtype is not bool (the manual's
#: models keep ``self.spike = bp.ops.zeros(num)`` as a float array of 0/1).
EVENT_NAMES = ("spike",)


def is_event_variable(key, shape, dtype):
    """Whether a monitored variable is recorded as events (see the module docs).

    Parameters
    ----------
    key : str
        The attribute name.
    shape : tuple of int
        The variable's shape before the run.
    dtype : numpy.dtype
        Its dtype.

    Returns
    -------
    bool
        True for arrays (at least one dimension) of dtype bool, and for numeric
        arrays named ``spike``.

    Examples
    --------
    >>> import numpy as np
    >>> is_event_variable('spike', (10,), np.dtype(float))
    True
    >>> is_event_variable('V', (10,), np.dtype(float))
    False
    """
    if len(shape) == 0:
        return False
    dtype = np.dtype(dtype)
    return dtype.kind == "b" or (key in EVENT_NAMES and dtype.kind in "iuf")


def available_memory():
    """Bytes of memory the system can still give this process (``MemAvailable``).

    Returns
    -------
    int or None
        None when the platform does not say.
    """
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(nbytes, what):
    """Refuse an allocation of ``nbytes`` that exceeds the available memory.

    Parameters
    ----------
    nbytes : int
    what : str
        What would be allocated, for the message.

    Raises
    ------
    ModelError
        Before the allocation, naming ``what``, the size and what is available.
    """
    if nbytes <= 0:
        return                    # nothing to allocate (event records only): no need to ask
    available = available_memory()
    if available is not None and nbytes > available:
        raise ModelError(f"{what} needs {nbytes / 2 ** 30:.3g} GiB, but only "
                         f"{available / 2 ** 30:.3g} GiB of memory are available; monitor fewer "
                         f"elements (an index), record less often (`every`) or run shorter.")


class MonitorRecord(abc.ABC):
    """The storage of one monitored variable for one run (the contract executors use).

    An executor writes a record in one of two ways:

    * Python executors (numpy, tensor backends) call :meth:`write` with the row
      number ``i // period_steps`` and the variable's value at step ``i`` when
      ``i % period_steps == 0``, or :meth:`write_rows` for a block of rows;
    * the compiled (numba) loop writes the arrays it is given by kind:
      ``DenseRecord.data`` in place, or the event buffers of
      :class:`EventRecord` (see there).

    The runner calls :meth:`rewind` before each chunk of steps, so that a chunk
    run again (``build()``'s ``run_steps``, a replay) rewrites its rows.
    Users read :meth:`values` (the 2-D ``(rows, columns)`` array).

    Attributes
    ----------
    key : str
        The variable name.
    index : numpy.ndarray or None
        Flat indices into the variable, or None for the whole variable.
    period_steps : int
        A row is recorded every ``period_steps`` time steps (1 = every step).
    n_rows : int
        Rows of the run.
    n_columns : int
        Elements recorded per row.
    dtype : numpy.dtype
        The dtype of the values.
    """

    def __init__(self, key, index, period_steps, n_rows, n_columns, dtype):
        self.key = key
        self.index = index
        self.period_steps = period_steps
        self.n_rows = n_rows
        self.n_columns = n_columns
        self.dtype = np.dtype(dtype)

    @property
    @abc.abstractmethod
    def structure(self):
        """What generated code depends on (kind, dtype, ...), for the plan's structure key."""

    @property
    @abc.abstractmethod
    def row_nbytes(self):
        """Bytes of one dense row (sizes the blocks of the JAX executor)."""

    @abc.abstractmethod
    def write(self, row, value):
        """Record ``value`` (the variable, or its indexed elements) as row ``row``."""

    def write_rows(self, rows, values):
        """Record ``values[k]`` as row ``rows[k]`` (rows increasing).

        Parameters
        ----------
        rows : numpy.ndarray
        values : numpy.ndarray
            One value per row.
        """
        for row, value in zip(rows, values):
            self.write(int(row), value)

    def rewind(self, first_row):
        """Forget what rows ``first_row`` and later hold (a chunk starts there).

        Parameters
        ----------
        first_row : int
        """

    @abc.abstractmethod
    def values(self):
        """The records as a ``(rows, columns)`` array (BrainPy 1.0.2's shape)."""


class DenseRecord(MonitorRecord):
    """Rows allocated before the run (see :class:`MonitorRecord`).

    Attributes
    ----------
    data : numpy.ndarray
        The storage, shape ``(rows,) + variable shape`` or ``(rows, len(index))``,
        written in place by the executors. :meth:`values` is its 2-D view.
    """

    def __init__(self, key, index, period_steps, shape, dtype):
        super().__init__(key, index, period_steps, shape[0],
                         int(np.prod(shape[1:], dtype=np.int64)), dtype)
        self.data = np.zeros(shape, dtype=dtype)

    @property
    def structure(self):
        return ("dense", self.dtype.str, self.data.ndim)

    @property
    def row_nbytes(self):
        return self.data[0:1].nbytes

    def write(self, row, value):
        self.data[row] = value

    def write_rows(self, rows, values):
        self.data[rows] = values

    def values(self):
        return self.data.reshape(self.n_rows, self.n_columns)


@dataclass(frozen=True)
class SpikeEvents:
    """The spikes of one monitored variable as events, for rasters and rates.

    ``bp.measure.raster_plot`` and ``bp.measure.firing_rate`` accept it in place
    of the ``(steps, n)`` spike matrix.

    Attributes
    ----------
    steps : numpy.ndarray
        int64, the monitor row of each event (the time step when recorded every
        step), increasing.
    indices : numpy.ndarray
        int64, the neuron (flat position in the variable) of each event.
    times : numpy.ndarray
        float64, the time (ms) of each event.
    n_steps : int
        Rows of the run (``len(mon.spike_t)``).
    neurons : numpy.ndarray
        int64, the monitored neurons (all, or the monitor's index), in the
        order of the columns of ``mon.spike``.
    columns : numpy.ndarray
        int64, the column of ``mon.spike`` of each event.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.simulation.nodes.records import SpikeEvents
    >>> ev = SpikeEvents.from_columns([2, 5], [0, 1], np.arange(10) * 0.1, np.arange(2))
    >>> ev.to_dense().sum(axis=0).tolist(), ev.times.tolist()
    ([1.0, 1.0], [0.2, 0.5])
    """

    steps: np.ndarray
    indices: np.ndarray
    times: np.ndarray
    n_steps: int
    neurons: np.ndarray
    columns: np.ndarray

    @classmethod
    def from_columns(cls, steps, columns, times_of_rows, neurons):
        """Events from their rows and columns.

        Parameters
        ----------
        steps, columns : array_like of int
            Row and column of each event.
        times_of_rows : numpy.ndarray
            The time of every row.
        neurons : array_like of int
            The neuron of each column.

        Returns
        -------
        SpikeEvents
        """
        steps = np.asarray(steps, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        neurons = np.asarray(neurons, dtype=np.int64)
        times_of_rows = np.asarray(times_of_rows, dtype=np.float64)
        return cls(steps=steps, indices=neurons[columns], times=times_of_rows[steps],
                   n_steps=len(times_of_rows), neurons=neurons, columns=columns)

    @property
    def n_neurons(self):
        """Number of monitored neurons (columns of the dense matrix)."""
        return len(self.neurons)

    def __len__(self):
        return len(self.steps)

    def counts(self):
        """Number of spikes of each row.

        Returns
        -------
        numpy.ndarray
            int64, shape ``(n_steps,)``.
        """
        return np.bincount(self.steps, minlength=self.n_steps)

    def to_dense(self, dtype=np.float64):
        """The ``(n_steps, n_neurons)`` spike matrix (1 where a neuron spiked).

        Parameters
        ----------
        dtype : numpy dtype, optional

        Returns
        -------
        numpy.ndarray
        """
        check_memory(self.n_steps * self.n_neurons * np.dtype(dtype).itemsize,
                     f"A ({self.n_steps}, {self.n_neurons}) spike matrix")
        dense = np.zeros((self.n_steps, self.n_neurons), dtype=dtype)
        dense[self.steps, self.columns] = 1
        return dense


_INITIAL_EVENTS = 1 << 14


class EventRecord(MonitorRecord):
    """Non-zero entries of a spike variable as ``(row, column)`` events (see the module docs).

    The compiled loop receives :attr:`rows`, :attr:`columns`, :attr:`weights`
    and :attr:`count` and appends in place while a step's worth of room
    remains (``count[0] + n_columns <= len(rows)``); otherwise it returns the
    step it stopped at, the executor calls :meth:`grow` and resumes. The
    buffers start with room for ``expected`` events (the monitor passes the
    previous run's rate), so that repeat runs rarely stop.

    Attributes
    ----------
    rows, columns : numpy.ndarray
        int64 buffers: the row and the column (position in the record's row) of
        each event; the first ``count[0]`` entries are used.
    weights : numpy.ndarray
        The value of each event for non-bool variables (float64 buffer like
        ``rows``), a 1-element placeholder for bool ones.
    count : numpy.ndarray
        One int64: the number of events stored.
    size : int
        Number of elements of the variable.
    """

    def __init__(self, key, index, period_steps, n_rows, n_columns, dtype, size, expected=0):
        super().__init__(key, index, period_steps, n_rows, n_columns, dtype)
        self.size = size
        self.count = np.zeros(1, dtype=np.int64)
        self.weighted = self.dtype.kind != "b"
        capacity = max(_INITIAL_EVENTS, 4 * n_columns)
        # room for the expected events and one more row (at most the dense matrix's size, and
        # a quarter of the free memory: beyond that the buffers grow when the events come)
        wanted = min(int(expected) + n_columns, max(n_rows, 1) * n_columns)
        if wanted > capacity:
            available = available_memory()
            if available is None or wanted * (24 if self.weighted else 16) < available // 4:
                capacity = wanted
        self._allocate(capacity)
        self._dense = None

    def _allocate(self, capacity):
        old = self.count[0]
        rows = np.empty(capacity, dtype=np.int64)
        columns = np.empty(capacity, dtype=np.int64)
        weights = np.empty(capacity if self.weighted else 1, dtype=np.float64)
        if old:
            rows[:old] = self.rows[:old]
            columns[:old] = self.columns[:old]
            if self.weighted:
                weights[:old] = self.weights[:old]
        self.rows, self.columns, self.weights = rows, columns, weights

    @property
    def structure(self):
        return ("events", self.dtype.str, self.weighted)

    @property
    def row_nbytes(self):
        return self.n_columns * self.dtype.itemsize

    def has_room(self):
        """Whether one more row of events fits in the buffers."""
        return self.count[0] + self.n_columns <= len(self.rows)

    def grow(self):
        """Double the buffers (keeping the events) so that at least one more row fits."""
        needed = self.count[0] + self.n_columns
        capacity = len(self.rows)
        while capacity < needed:
            capacity *= 2
        if capacity == len(self.rows):
            capacity *= 2
        check_memory((capacity - len(self.rows)) * (24 if self.weighted else 16),
                     f"The spike events of {self.key!r}")
        self._allocate(capacity)

    def write(self, row, value):
        flat = np.ravel(np.asarray(value))
        columns = np.flatnonzero(flat)
        n, k = self.count[0], len(columns)
        while n + k > len(self.rows):
            self.grow()
        self.rows[n:n + k] = row
        self.columns[n:n + k] = columns
        if self.weighted:
            self.weights[n:n + k] = flat[columns]
        self.count[0] = n + k
        self._dense = None

    def rewind(self, first_row):
        n = self.count[0]
        self.count[0] = np.searchsorted(self.rows[:n], first_row, side="left")
        self._dense = None

    def events(self, times_of_rows):
        """The events as :class:`SpikeEvents`.

        Parameters
        ----------
        times_of_rows : numpy.ndarray
            The time of each row (``mon.spike_t``).

        Returns
        -------
        SpikeEvents
        """
        n = self.count[0]
        neurons = np.arange(self.size) if self.index is None else self.index
        return SpikeEvents.from_columns(self.rows[:n].copy(), self.columns[:n].copy(),
                                        times_of_rows, neurons)

    def values(self):
        if self._dense is None:
            check_memory(self.n_rows * self.n_columns * self.dtype.itemsize,
                         f"The ({self.n_rows}, {self.n_columns}) matrix of {self.key!r} "
                         f"(use `mon.{self.key}_events` for the events)")
            dense = np.zeros((self.n_rows, self.n_columns), dtype=self.dtype)
            n = self.count[0]
            dense[self.rows[:n], self.columns[:n]] = self.weights[:n] if self.weighted else True
            dense.flags.writeable = False
            self._dense = dense
        return self._dense
