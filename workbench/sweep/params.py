"""Parameter sets of a sweep: a grid (Cartesian product), an explicit list, or a table.

A sweep runs an ordered list of *parameter sets* (``{name: value}`` dicts); row
``i`` of the result table belongs to set ``i``, and set ``i``'s random seed is
derived from the sweep's seed and ``i``. This module turns what the user gave
into that list and checks the names.
"""

import itertools
import numbers

import numpy as np

from .errors import SweepError

__all__ = ["ParameterSets", "expand_parameter_sets", "check_parameter_name", "plain_value",
           "RESERVED_COLUMNS", "MAX_PARAMETER_SETS"]

#: Most rows a sweep may have. Every set is a Python dict, a task and a table row, made
#: before the first run: a 1e5 x 1e5 grid would fill the memory and never start.
MAX_PARAMETER_SETS = 1_000_000

#: Columns every sweep table has besides parameters and measures (in this order).
RESERVED_COLUMNS = ("repeat", "seed", "status", "error", "attempts", "worker", "built",
                    "compilations", "seconds", "cpu_seconds")


def check_parameter_name(name, where="`params`"):
    """Check a parameter name: a non-empty string of dot-separated identifiers.

    Parameters
    ----------
    name : object
        The name to check, e.g. ``'GABAA.g_max'`` or ``'drive'``.
    where : str, optional
        Where the name came from, for the message.

    Returns
    -------
    str
        The name.

    Raises
    ------
    SweepError
        For a non-string, an empty part (``'a..b'``), a part that is not a
        Python identifier, or a name reserved for the table's own columns.
    """
    if not isinstance(name, str) or not name:
        raise SweepError(f"{where} has the parameter name {name!r}; names are non-empty strings "
                         f"such as 'GABAA.g_max' (node.attribute) or 'drive'.")
    if not all(part.isidentifier() for part in name.split(".")):
        raise SweepError(f"{where} has the parameter name {name!r}; a name is an attribute path "
                         f"of Python identifiers separated by dots, e.g. 'GABAA.g_max'.")
    if name in RESERVED_COLUMNS:
        raise SweepError(f"{where} has the parameter name {name!r}, which is a column of every "
                         f"sweep table ({', '.join(RESERVED_COLUMNS)}); rename it.")
    return name


def plain_value(value):
    """A parameter value as a plain Python object where possible.

    numpy scalars and 0-d arrays become Python numbers (so tables, pickles and
    ``setattr`` on models see ``float``/``int``/``bool``); arrays stay arrays.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def _axis_values(name, values):
    """The values one grid axis takes: a sequence is swept, anything else is fixed."""
    if isinstance(values, (str, bytes, numbers.Number, np.generic)) or values is None:
        return [plain_value(values)]
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            return [values.item()]
        if values.ndim > 1:
            raise SweepError(f"`params[{name!r}]` is an array of shape {values.shape}; give a "
                             f"1-D array of values, or a list of arrays to sweep array values.")
        return [plain_value(v) for v in values]
    if isinstance(values, (list, tuple, range)):
        return [plain_value(v) for v in values]
    raise SweepError(f"`params[{name!r}]`={values!r} is not a list of values; give a list, "
                     f"tuple, range or 1-D array (or one number to hold it fixed).")


def _records_of(params):
    """Rows of a pandas DataFrame (duck-typed: pandas stays optional)."""
    return [{str(k): plain_value(v) for k, v in row.items()}
            for row in params.to_dict(orient="records")]


def expand_parameter_sets(params, repeats=1):
    """Turn a grid, a list of dicts or a DataFrame into a list of parameter sets.

    Parameters
    ----------
    params : dict or list of dict or pandas.DataFrame
        ``{name: values}`` is a grid: every combination of the values, the first
        name varying slowest (like ``itertools.product``); a single number or
        string holds a parameter fixed. A list (or tuple) of dicts gives the
        sets explicitly; they may name different parameters. A DataFrame gives
        one set per row.
    repeats : int, optional
        How many times each set will run; only for the size check.

    Returns
    -------
    list of dict

    Raises
    ------
    SweepError
        For an empty grid or list, an axis without values, a set that is not a
        dict, a bad name, or more than :data:`MAX_PARAMETER_SETS` rows (checked
        before a grid is expanded).

    Examples
    --------
    >>> expand_parameter_sets({'a': [1, 2], 'b': [10., 20.]})
    [{'a': 1, 'b': 10.0}, {'a': 1, 'b': 20.0}, {'a': 2, 'b': 10.0}, {'a': 2, 'b': 20.0}]
    >>> expand_parameter_sets([{'a': 1}, {'a': 3, 'b': 0.5}])
    [{'a': 1}, {'a': 3, 'b': 0.5}]
    """
    if hasattr(params, "to_dict") and hasattr(params, "columns"):
        sets = _records_of(params)
    elif isinstance(params, dict):
        if not params:
            raise SweepError("`params`={} names no parameter; give {name: values}, e.g. "
                             "{'GABAA.g_max': numpy.linspace(0.0005, 0.0015, 11)}.")
        axes = []
        for name, values in params.items():
            check_parameter_name(name)
            axis = _axis_values(name, values)
            if not axis:
                raise SweepError(f"`params[{name!r}]` is empty; give at least one value.")
            axes.append(axis)
        names = list(params)
        _check_size([len(axis) for axis in axes], names, repeats)
        sets = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    elif isinstance(params, (list, tuple)):
        sets = []
        for i, entry in enumerate(params):
            if not isinstance(entry, dict):
                raise SweepError(f"`params[{i}]`={entry!r} is not a dict; an explicit list holds "
                                 f"one {{name: value}} dict per parameter set.")
            sets.append({name: plain_value(value) for name, value in entry.items()})
    else:
        raise SweepError(f"`params`={params!r} must be a dict {{name: values}} (a grid), a list "
                         f"of {{name: value}} dicts, or a pandas DataFrame (one set per row).")
    if not sets:
        raise SweepError("`params` gives no parameter set; give at least one.")
    _check_size([len(sets)], None, repeats)
    for i, entry in enumerate(sets):
        for name in entry:
            check_parameter_name(name, where=f"parameter set {i}")
    return sets


def _check_size(lengths, names, repeats):
    total = repeats
    for length in lengths:
        total *= length
    if total <= MAX_PARAMETER_SETS:
        return
    if names is None:
        shape = f"{lengths[0]:,} parameter sets"
    else:
        shape = " x ".join(f"{length:,} ({name})" for name, length in zip(names, lengths))
        shape = f"the grid {shape}"
    if repeats > 1:
        shape += f" x {repeats} repeats"
    raise SweepError(f"`params`: {shape} makes {total:,} runs, more than the "
                     f"{MAX_PARAMETER_SETS:,} one sweep holds (each is a row of the table, made "
                     f"before the first run). Sweep a coarser grid, or split it into several sweeps.")


class ParameterSets:
    """The ordered parameter sets of a sweep, each repeated ``repeats`` times.

    Parameters
    ----------
    params : dict or list of dict or pandas.DataFrame
        See :func:`expand_parameter_sets`.
    repeats : int, optional
        Run every set this many times (each with its own seed); the table gets a
        ``repeat`` column (0, 1, ...). Rows of one set are adjacent.

    Attributes
    ----------
    sets : list of dict
        One dict per row of the result table (repeats expanded).
    repeat : list of int
        The repeat number of each row.
    names : list of str
        Every parameter name, in first-seen order.
    varied : list of str
        Names that take more than one distinct value (the axes of a plot).

    Raises
    ------
    SweepError
        For bad ``params`` or ``repeats``.
    """

    def __init__(self, params, repeats=1):
        if isinstance(repeats, bool) or not isinstance(repeats, numbers.Integral) or repeats < 1:
            raise SweepError(f"`repeats`={repeats!r} must be a positive integer (how many times "
                             f"each parameter set runs, each with its own seed).")
        base = expand_parameter_sets(params, int(repeats))
        self.sets = [dict(entry) for entry in base for _ in range(int(repeats))]
        self.repeat = [r for _ in base for r in range(int(repeats))]
        self.repeats = int(repeats)
        names = {}
        for entry in base:
            for name in entry:
                names.setdefault(name, None)
        self.names = list(names)
        self.varied = [name for name in self.names if _distinct_count(base, name) > 1]

    def __len__(self):
        return len(self.sets)

    def values(self, name):
        """The distinct values of one parameter, in first-seen order.

        Parameters
        ----------
        name : str

        Returns
        -------
        list
        """
        seen = []
        for entry in self.sets:
            if name in entry and not any(_same(entry[name], v) for v in seen):
                seen.append(entry[name])
        return seen


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and \
            a.shape == b.shape and bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except Exception:       # values that refuse comparison count as distinct
        return False


def _distinct_count(sets, name):
    try:            # numbers and strings: one hash per set (a 1000 x 1000 grid took minutes)
        hashed = {entry.get(name, _MISSING) for entry in sets}
        if all(isinstance(v, (numbers.Number, str, bytes)) or v is None or v is _MISSING
               for v in hashed):
            # 1 == 1.0 == True hash alike and compare equal, as _same has them
            return len(hashed)
    except TypeError:   # unhashable values (arrays): compare pairwise
        pass
    seen = []
    for entry in sets:
        value = entry.get(name, _MISSING)
        if not any(_same(value, v) for v in seen):
            seen.append(value)
    return len(seen)


_MISSING = object()
