"""Monitors: which variables of an object are recorded, and the records of the last run.

``monitors=['V', ('spike', [1, 2, 3])]``, ``monitors={'V': None, 'spike': [1, 2, 3]}``
and ``monitors=bp.simulation.Monitor(variables=..., every={'spike': 1.})`` all
build a :class:`Monitor`. After a run it holds ``mon.ts`` (the times of the run),
``mon.<var>`` (a 2-D ``(rows, columns)`` array, as in BrainPy 1.0.2) and
``mon.<var>_t`` (the times of those rows). Spike variables are stored as events
(:mod:`~workbench.simulation.nodes.records`): ``mon.spike`` is made from them on
first access and ``mon.spike_events`` gives them as they are.

Repeat runs: every ``run()`` *replaces* the records with those of the new run
(this is BrainPy's behaviour, and what makes splitting a long simulation into
short runs save memory). Within a run every promised record is kept; copy the
arrays (``V = mon.V.copy()``) to keep older runs.
"""

import math
import numbers

import numpy as np

from ...backend.tensors import is_tensor, numpy_dtype
from ...errors import ModelError, choices
from .every import check_every
from .records import DenseRecord, EventRecord, check_memory, is_event_variable

__all__ = ["Monitor"]


def _as_index(key, index):
    """Validate a monitor index: None or a 1-D array of non-negative ints."""
    if index is None:
        return None
    arr = np.asarray(index)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ModelError(f"Monitor index of {key!r}={index!r} must be a sequence of ints "
                         f"(flat positions in the variable) or None.")
    if arr.size and arr.min() < 0:
        raise ModelError(f"Monitor index of {key!r}={index!r} has negative positions; give "
                         f"positions from 0 to size - 1.")
    return arr.astype(np.int64)


def _parse_variables(variables):
    """Normalize the accepted variable specifications to ``{key: index or None}``."""
    if variables is None:
        return {}
    if isinstance(variables, str):
        variables = [variables]
    if isinstance(variables, dict):
        items = list(variables.items())
    elif isinstance(variables, (list, tuple)):
        items = []
        for entry in variables:
            if isinstance(entry, str):
                items.append((entry, None))
            elif isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str):
                items.append((entry[0], entry[1]))
            else:
                raise ModelError(f"Monitor variable {entry!r} must be a name or a (name, index) "
                                 f"tuple, e.g. 'V' or ('spike', [1, 2, 3]).")
    else:
        raise ModelError(f"`monitors`={variables!r} must be a list of names or (name, index) "
                         f"tuples, a dict {{name: index or None}}, or a bp.simulation.Monitor.")
    parsed = {}
    for key, index in items:
        if not isinstance(key, str) or not key.isidentifier():
            raise ModelError(f"Monitor variable {key!r} must be an attribute name.")
        if key in _RESERVED:
            raise ModelError(f"Monitor variable {key!r} clashes with a Monitor attribute; "
                             f"reserved names are: {choices(_RESERVED)}.")
        if key in parsed:
            raise ModelError(f"Monitor variable {key!r} is given twice.")
        parsed[key] = _as_index(key, index)
    return parsed


def _parse_every(every, keys):
    """Normalize ``every`` to ``{key: period or None}``."""
    if every is None or isinstance(every, numbers.Real):
        period = check_every(every, "Monitor `every`")
        return {key: period for key in keys}
    if isinstance(every, (list, tuple)):
        # BrainPy 1.0.2's form: one period per variable, in the order of `variables`
        if len(every) != len(keys):
            raise ModelError(f"Monitor `every`={every!r} gives {len(every)} periods for "
                             f"{len(keys)} variables {list(keys)}; give one period (or None) "
                             f"per variable, in their order.")
        every = dict(zip(keys, every))
    if not isinstance(every, dict):
        raise ModelError(f"Monitor `every`={every!r} must be None, a period in ms, a list with "
                         f"one period per variable, or a dict {{name: period or None}}.")
    unknown = sorted(set(every) - set(keys))
    if unknown:
        raise ModelError(f"Monitor `every` names {unknown} that are not monitored; monitored "
                         f"variables are: {choices(keys)}.")
    result = {}
    for key in keys:
        period = every.get(key)
        if callable(period):
            raise ModelError(f"Monitor `every` of {key!r} is a function; monitors need a fixed "
                             f"period in ms because their storage is allocated before the run.")
        result[key] = check_every(period, f"Monitor `every` of {key!r}")
    return result


def period_in_steps(period, dt, what):
    """Convert a period in ms into a whole number of time steps.

    Parameters
    ----------
    period : float or None
        The period; None means every step.
    dt : float
        The time step.
    what : str
        Name used in the error message.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ModelError
        If the period is shorter than ``dt`` or not a multiple of it.
    """
    if period is None:
        return 1
    steps = int(round(period / dt))
    if steps < 1 or abs(steps * dt - period) > 1e-6 * max(period, dt):
        raise ModelError(f"{what}={period!r} ms is not a whole multiple of the time step "
                         f"dt={dt!r} ms; choose a multiple of dt.")
    return steps


class Monitor:
    """The monitor of a neuron group, synapse or any dynamical system.

    Parameters
    ----------
    variables : list or dict or str, optional
        Names (``['V', 'spike']``), ``(name, index)`` tuples (``[('spike', [1, 2, 3])]``)
        or a dict ``{name: index or None}``. An index selects flat positions of
        the variable.
    every : float or list or tuple or dict, optional
        Record period in ms for all variables, a list/tuple with one period per
        variable (in the order of ``variables``, BrainPy 1.0.2's form), or a dict
        ``{name: period or None}`` (None = every time step). A period must be a
        whole multiple of ``dt``.

    Attributes
    ----------
    ts : numpy.ndarray
        Times (ms) of the time steps of the last run.
    <var> : numpy.ndarray
        Records of a variable, 2-D as in BrainPy 1.0.2: ``(rows, size)`` (a
        number gives ``(rows, 1)``, a ``(2, 2)`` array ``(rows, 4)``) or
        ``(rows, len(index))``. Spike variables (see below) give a read-only
        array made from their events on first access.
    <var>_t : numpy.ndarray
        Times of those rows.
    <var>_events : SpikeEvents
        Only for spike variables -- bool arrays, and numeric arrays named
        ``spike`` -- which are recorded as events (row, neuron): memory grows with
        the number of spikes, not with ``rows x neurons``. ``mon.spike_events.times``
        and ``.indices`` are what a raster plot needs.

    Notes
    -----
    Before a run allocates dense records, their total size is checked against the
    memory available; a request that does not fit raises ModelError.

    Examples
    --------
    >>> import workbench as bp
    >>> mon = bp.simulation.Monitor(variables={'V': None, 'spike': [1, 2, 3]},
    ...                             every={'V': None, 'spike': 1.})
    >>> mon.variables
    ['V', 'spike']
    """

    def __init__(self, variables=None, every=None):
        self._specs = _parse_variables(variables)
        self._every = _parse_every(every, list(self._specs))
        self._records = {}
        self._ts = None
        self._owner = None

    @classmethod
    def from_spec(cls, monitors):
        """Build a Monitor from the ``monitors`` argument of a model.

        Parameters
        ----------
        monitors : None or list or tuple or dict or Monitor
            As accepted by :class:`Monitor` (a Monitor is used as is).

        Returns
        -------
        Monitor
        """
        if isinstance(monitors, Monitor):
            return monitors
        return cls(variables=monitors)

    @property
    def variables(self):
        """Names of the monitored variables, in the order given.

        Returns
        -------
        list of str
        """
        return list(self._specs)

    @property
    def every(self):
        """Record period per variable (None = every time step).

        Returns
        -------
        dict
        """
        return dict(self._every)

    @property
    def ts(self):
        """Times of the time steps of the last run.

        Returns
        -------
        numpy.ndarray
        """
        if self._ts is None:
            raise AttributeError(f"{self._owner_text()} has no records yet: run the model first.")
        return self._ts

    def records_events(self, name):
        """Whether the last run recorded ``name`` as events (``mon.<name>_events`` exists).

        Parameters
        ----------
        name : str

        Returns
        -------
        bool
        """
        return isinstance(self._records.get(name), EventRecord)

    def _owner_text(self):
        return "This monitor" if self._owner is None else f"The monitor of {self._owner}"

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        records = self.__dict__.get("_records", {})
        if name in records:
            return records[name].values()
        if name.endswith("_t") and name[:-2] in records:
            record = records[name[:-2]]
            return self._ts[::record.period_steps]
        if name.endswith("_events") and isinstance(records.get(name[:-7]), EventRecord):
            record = records[name[:-7]]
            return record.events(self._ts[::record.period_steps])
        specs = self.__dict__.get("_specs", {})
        if name.endswith("_events") and name[:-7] in specs and name[:-7] in records:
            raise AttributeError(f"{self._owner_text()} records {name[:-7]!r} as dense rows, not "
                                 f"as events: only bool arrays and arrays named 'spike' are "
                                 f"recorded as events.")
        if name in specs or (name.endswith("_t") and name[:-2] in specs) or \
                (name.endswith("_events") and name[:-7] in specs):
            raise AttributeError(f"{self._owner_text()} has no records of {name!r} yet: run the "
                                 f"model first.")
        raise AttributeError(f"{self._owner_text()} does not record {name!r}; it records: "
                             f"{choices(specs) or 'nothing'}.")

    def __getitem__(self, name):
        return getattr(self, name)

    def __repr__(self):
        return f"Monitor(variables={self.variables}, every={self.every})"

    def prepare(self, owner, ts, dt):
        """Validate the variables on ``owner`` and allocate records for a run.

        Called by the engine before each run; the previous records are dropped.

        Parameters
        ----------
        owner : DynamicalSystem
            The monitored object.
        ts : numpy.ndarray
            The times of the run's time steps.
        dt : float
            The time step.

        Returns
        -------
        list of MonitorRecord
            A :class:`~workbench.simulation.nodes.records.EventRecord` for spike
            variables, a :class:`~workbench.simulation.nodes.records.DenseRecord`
            otherwise.

        Raises
        ------
        ModelError
            If a variable is not an attribute of ``owner``, is not numeric, an
            index is out of range, or the dense records would not fit in the
            available memory (raised before allocating them).
        """
        self._owner = owner.describe() if hasattr(owner, "describe") else repr(owner)
        layouts = self._layouts(owner, ts, dt)
        dense_bytes = sum(_dense_nbytes(layout) for layout in layouts)
        check_memory(dense_bytes, f"Monitoring {', '.join(self._specs)} of {self._owner} for "
                                  f"{len(ts)} steps")
        records = {}
        previous = getattr(self, "_records", None) or {}
        for key, index, period, shape, dtype, events, size in layouts:
            if events:
                records[key] = EventRecord(key, index, period, shape[0],
                                           int(np.prod(shape[1:], dtype=np.int64)), dtype, size,
                                           expected=_expected_events(previous.get(key),
                                                                     shape[0]))
            else:
                records[key] = DenseRecord(key, index, period, shape, dtype)
        self._records = records
        self._ts = np.asarray(ts)
        return list(records.values())

    def dense_nbytes(self, owner, ts, dt):
        """Bytes the dense records of a run would take (checked before allocating).

        Parameters
        ----------
        owner : DynamicalSystem
        ts : numpy.ndarray
        dt : float

        Returns
        -------
        int
        """
        return sum(_dense_nbytes(layout) for layout in self._layouts(owner, ts, dt))

    def _layouts(self, owner, ts, dt):
        self._owner = owner.describe() if hasattr(owner, "describe") else repr(owner)
        layouts = []
        for key, index in self._specs.items():
            value = _monitored_value(owner, key)
            period = period_in_steps(self._every[key], dt, f"Monitor `every` of {key!r}")
            rows = int(math.ceil(len(ts) / period))
            size = int(np.prod(np.shape(value), dtype=np.int64))   # tensors too
            if index is None:
                shape = (rows,) + tuple(np.shape(value))
            else:
                if index.size and index.max() >= size:
                    raise ModelError(f"Monitor index of {key!r} of {self._owner} goes up to "
                                     f"{int(index.max())}, but the variable has only {size} "
                                     f"elements.")
                shape = (rows, index.size)
            dtype = _dtype_of(value)
            if dtype.kind not in "biuf":
                dtype = np.dtype(np.float64)
            events = is_event_variable(key, np.shape(value), dtype)
            layouts.append((key, index, period, shape, dtype, events, size))
        return layouts


def _expected_events(previous, n_rows):
    """Events a run of ``n_rows`` rows will likely record: the previous run's rate, +25%.

    Sizing the buffers from it saves the compiled loop from stopping to grow them
    (each stop returns to Python and copies the events) in repeat runs.
    """
    if not isinstance(previous, EventRecord) or previous.n_rows <= 0:
        return 0
    return int(previous.count[0] * 1.25 * n_rows / previous.n_rows)


def _dense_nbytes(layout):
    _, _, _, shape, dtype, events, _ = layout
    return 0 if events else int(np.prod(shape, dtype=np.int64)) * dtype.itemsize


def _dtype_of(value):
    if isinstance(value, np.ndarray):
        return value.dtype
    if is_tensor(value):
        return np.dtype(numpy_dtype(value))
    return np.asarray(value).dtype


def _monitored_value(owner, key):
    """The current value of a monitored attribute, validated as numeric."""
    try:
        value = getattr(owner, key)
    except AttributeError:
        names = numeric_attributes(owner)
        raise ModelError(f"Monitor variable {key!r} is not an attribute of {owner.describe()}; "
                         f"its numeric attributes are: {choices(names) or 'none'}.") from None
    arr = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind not in "biuf":
        raise ModelError(f"Monitor variable {key!r} of {owner.describe()} is {type(value).__name__}"
                         f", not a number or a numeric array.")
    return value


def numeric_attributes(obj, arrays_only=False):
    """Names of an object's numeric attributes (arrays, and numbers unless ``arrays_only``).

    Parameters
    ----------
    obj : object
        Any object with a ``__dict__``.
    arrays_only : bool
        Only list arrays (numpy arrays and the tensors of the tensor backends).

    Returns
    -------
    list of str
    """
    names = []
    for name, value in vars(obj).items():
        if name.startswith("_"):
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            names.append(name)
        elif is_tensor(value) and numpy_dtype(value).kind in "biuf":
            names.append(name)
        elif not arrays_only and isinstance(value, numbers.Real):
            names.append(name)
    return sorted(names)


_RESERVED = tuple(sorted({"ts", "variables", "every", "prepare", "from_spec", "records_events",
                           "dense_nbytes"}))
