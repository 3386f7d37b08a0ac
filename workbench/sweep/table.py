"""The result of a sweep: a tidy table, one row per parameter set, numpy columns.

Columns, in order: the parameters, the measures, then ``repeat`` (only with
``repeats > 1``), ``seed``, ``status``, ``error``, ``attempts``, ``worker``,
``built``, ``compilations``, ``seconds`` and ``cpu_seconds``. Row ``i`` belongs to
parameter set ``i`` whatever order the sets finished in. Numeric columns are
numpy number arrays (NaN where a failed set has no value); other columns are
object arrays. pandas is needed only for :meth:`SweepTable.to_pandas`.
"""

import html
import numbers

import numpy as np

from .errors import SweepError
from .params import plain_value

__all__ = ["SweepTable", "VOLATILE_COLUMNS", "STATUSES"]

#: Columns that describe *where and how fast* a set ran, not *what it gave*; they
#: differ between executors and are ignored by :meth:`SweepTable.equals` by default.
VOLATILE_COLUMNS = ("worker", "built", "compilations", "seconds", "cpu_seconds")

#: Values of the ``status`` column.
STATUSES = ("ok", "error", "pending", "cancelled")


def _is_number(value):
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray)


def make_column(values):
    """A numpy column from per-row values (``None`` marks a missing value).

    Numbers give a number array (NaN for missing values, which turns int and bool
    columns into float); everything else an object array.

    Parameters
    ----------
    values : list

    Returns
    -------
    numpy.ndarray
    """
    present = [v for v in values if v is not None]
    if present and all(_is_number(v) for v in present):
        if len(present) == len(values):
            return np.asarray(values)
        column = np.asarray([np.nan if v is None else v for v in values])
        return column.astype(float) if column.dtype.kind in "biu" else column
    column = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        column[i] = value
    return column


def _cells_equal(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def columns_equal(a, b):
    """Whether two columns hold the same values (NaN equals NaN; arrays compared whole).

    Parameters
    ----------
    a, b : numpy.ndarray

    Returns
    -------
    bool
    """
    if a.shape != b.shape:
        return False
    if a.dtype != object and b.dtype != object:
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    return all(_cells_equal(x, y) for x, y in zip(a, b))


class SweepTable:
    """One row per parameter set: parameters, measures, and how each set ran.

    Parameters
    ----------
    columns : dict
        ``{name: numpy array}``, all of the same length, in display order.
    parameters : list of str
        The parameter columns.
    measures : list of str
        The measure columns.
    meta : dict, optional
        Facts about the sweep (``seed``, ``executor``, ``workers``, ``wall_seconds``,
        ``varied``...).
    tracebacks : dict, optional
        ``{row: traceback text}`` of failed sets.

    Attributes
    ----------
    parameters, measures : list of str
    meta : dict
    tracebacks : dict

    Examples
    --------
    >>> table = bp.sweep(build, {'GABAA.g_max': g_values}, duration=200.,
    ...                  measure=coherence)                              # doctest: +SKIP
    >>> table['cc']                      # a numpy column                # doctest: +SKIP
    >>> table[3]                         # row 3 as a dict               # doctest: +SKIP
    >>> table.failed                     # the rows that failed          # doctest: +SKIP
    >>> df = table.to_pandas()                                           # doctest: +SKIP
    >>> x, cc = table.pivot('cc')        # measure against the varied parameter  # doctest: +SKIP
    """

    def __init__(self, columns, parameters, measures, meta=None, tracebacks=None):
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise SweepError(f"SweepTable columns have different lengths {sorted(lengths)}.")
        self._columns = {name: np.asarray(v) if not isinstance(v, np.ndarray) else v
                         for name, v in columns.items()}
        self.parameters = list(parameters)
        self.measures = list(measures)
        self.meta = dict(meta or {})
        self.tracebacks = dict(tracebacks or {})

    # -- access ------------------------------------------------------------------------------
    @property
    def columns(self):
        """Column names in display order.

        Returns
        -------
        list of str
        """
        return list(self._columns)

    def __len__(self):
        return len(self._columns["status"]) if "status" in self._columns else \
            len(next(iter(self._columns.values()), ()))

    def __contains__(self, name):
        return name in self._columns

    def __getitem__(self, key):
        """A column (by name), a row (by int) or a sub-table (slice, mask or index array).

        Parameters
        ----------
        key : str or int or slice or array

        Returns
        -------
        numpy.ndarray or dict or SweepTable

        Raises
        ------
        KeyError
            For an unknown column name (the message lists the columns).
        """
        if isinstance(key, str):
            if key not in self._columns:
                raise KeyError(f"The sweep table has no column {key!r}; its columns are "
                               f"{', '.join(repr(c) for c in self._columns)}.")
            return self._columns[key]
        if isinstance(key, (int, np.integer)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f"Row {key} is outside the table of {n} rows.")
            return {name: plain_value(column[key]) for name, column in self._columns.items()}
        rows = np.arange(len(self))[key]
        rows = np.atleast_1d(rows)
        return SweepTable({name: column[rows] for name, column in self._columns.items()},
                          self.parameters, self.measures, self.meta,
                          {int(i): self.tracebacks[int(r)] for i, r in enumerate(rows)
                           if int(r) in self.tracebacks})

    def __iter__(self):
        """Iterate over rows, each a ``{column: value}`` dict."""
        for i in range(len(self)):
            yield self[i]

    def rows(self):
        """All rows as ``{column: value}`` dicts.

        Returns
        -------
        list of dict
        """
        return list(self)

    @property
    def ok(self):
        """SweepTable: the rows whose set ran and was measured."""
        return self[self._columns["status"] == "ok"]

    @property
    def failed(self):
        """SweepTable: the rows whose set failed (``status='error'``)."""
        return self[self._columns["status"] == "error"]

    def counts(self):
        """How many rows have each status.

        Returns
        -------
        dict
            ``{'ok': n, 'error': n, 'pending': n, 'cancelled': n}``.
        """
        status = self._columns["status"]
        return {s: int(np.count_nonzero(status == s)) for s in STATUSES}

    def raise_for_errors(self):
        """Raise when any set failed (or did not run); return the table otherwise.

        Returns
        -------
        SweepTable
            ``self``, for chaining.

        Raises
        ------
        SweepError
            Listing up to five failed rows with their parameters and errors.
        """
        bad = np.flatnonzero(self._columns["status"] != "ok")
        if bad.size == 0:
            return self
        lines = []
        for row in bad[:5]:
            params = {p: plain_value(self._columns[p][row]) for p in self.parameters}
            lines.append(f"  row {row} {params}: {self._columns['status'][row]}"
                         f"{': ' + str(self._columns['error'][row]) if self._columns['error'][row] else ''}")
        more = f"\n  ... and {bad.size - 5} more" if bad.size > 5 else ""
        raise SweepError(f"{bad.size} of {len(self)} parameter sets did not succeed:\n"
                         + "\n".join(lines) + more, table=self)

    # -- conversion --------------------------------------------------------------------------
    def to_dict(self, orient="columns"):
        """The table as plain Python containers.

        Parameters
        ----------
        orient : {'columns', 'records'}, optional
            ``'columns'``: ``{name: numpy array}`` (copies); ``'records'``: a list
            of ``{name: value}`` dicts, one per row.

        Returns
        -------
        dict or list of dict

        Raises
        ------
        SweepError
            For another ``orient``.
        """
        if orient == "columns":
            return {name: column.copy() for name, column in self._columns.items()}
        if orient == "records":
            return self.rows()
        raise SweepError(f"`orient`={orient!r} is not supported; choose 'columns' or 'records'.")

    def to_pandas(self):
        """The table as a ``pandas.DataFrame`` (one row per parameter set).

        Returns
        -------
        pandas.DataFrame
            With the same columns; ``df.attrs`` holds :attr:`meta`.

        Raises
        ------
        ImportError
            When pandas is not installed (``pip install workbench[sweep]``).
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("SweepTable.to_pandas() needs pandas: pip install pandas (or the "
                              "'sweep' extra of workbench).") from exc
        frame = pandas.DataFrame({name: column for name, column in self._columns.items()})
        frame.attrs.update(self.meta)
        return frame

    def drop(self, *names):
        """A table without some columns.

        Parameters
        ----------
        *names : str

        Returns
        -------
        SweepTable
        """
        for name in names:
            self[name]          # raises KeyError for unknown names
        keep = {k: v for k, v in self._columns.items() if k not in names}
        return SweepTable(keep, [p for p in self.parameters if p not in names],
                          [m for m in self.measures if m not in names], self.meta,
                          self.tracebacks)

    def equals(self, other, ignore=VOLATILE_COLUMNS):
        """Whether two tables hold the same results.

        Parameters
        ----------
        other : SweepTable
        ignore : iterable of str, optional
            Columns not compared; by default those that say where and how fast a
            set ran (:data:`VOLATILE_COLUMNS`).

        Returns
        -------
        bool
        """
        ignore = set(ignore)
        mine = [c for c in self.columns if c not in ignore]
        theirs = [c for c in other.columns if c not in ignore]
        if mine != theirs or len(self) != len(other):
            return False
        return all(columns_equal(self._columns[c], other[c]) for c in mine)

    def pivot(self, value, x=None, y=None, reduce=np.nanmean):
        """A measure against one or two parameters, ready for a line or a heat map.

        Parameters
        ----------
        value : str
            The column to show (a measure).
        x : str, optional
            The parameter on the x axis; by default the first varied parameter.
        y : str, optional
            A second parameter; by default the second varied one, if any.
        reduce : callable, optional
            Combines rows with the same ``x`` (and ``y``) -- repeats, or other
            parameters that vary -- into one number; ``numpy.nanmean`` by default.

        Returns
        -------
        tuple
            ``(xs, values)`` for one parameter (``values[i]`` at ``xs[i]``), or
            ``(xs, ys, grid)`` for two, with ``grid[j, i]`` at ``(xs[i], ys[j])``.
            Failed and pending sets count as NaN.

        Raises
        ------
        SweepError
            For an unknown or non-numeric column, or no parameter to plot against.
        """
        varied = list(self.meta.get("varied", self.parameters))
        if x is None:
            if not varied:
                raise SweepError("pivot(): no parameter varies in this sweep; give `x`.")
            x = varied[0]
        if y is None and len(varied) > 1 and x == varied[0]:
            y = varied[1]
        data = self[value]
        if data.dtype == object:
            try:
                data = np.array([np.nan if v is None else float(v) for v in data])
            except (TypeError, ValueError):
                raise SweepError(f"pivot(): column {value!r} does not hold numbers.") from None
        data = data.astype(float)
        ok = self._columns["status"] == "ok"
        data = np.where(ok, data, np.nan)
        xs, x_index = _axis(self[x])
        if y is None:
            out = np.array([_reduce(reduce, data[x_index == i]) for i in range(len(xs))])
            return xs, out
        ys, y_index = _axis(self[y])
        grid = np.full((len(ys), len(xs)), np.nan)
        for j in range(len(ys)):
            for i in range(len(xs)):
                grid[j, i] = _reduce(reduce, data[(x_index == i) & (y_index == j)])
        return xs, ys, grid

    # -- display -----------------------------------------------------------------------------
    def _summary(self):
        counts = {k: v for k, v in self.counts().items() if v}
        status = ", ".join(f"{v} {k}" for k, v in counts.items())
        return (f"SweepTable: {len(self)} rows ({status}); parameters: "
                f"{', '.join(self.parameters) or '-'}; measures: {', '.join(self.measures) or '-'}")

    def _cell(self, value):
        if isinstance(value, (float, np.floating)):
            return f"{value:.6g}"
        if isinstance(value, np.ndarray):
            return f"array{value.shape}"
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."

    def __repr__(self, max_rows=12):
        shown = [c for c in self.columns if c not in ("traceback",)]
        cells = [[self._cell(self._columns[c][i]) for c in shown]
                 for i in range(min(len(self), max_rows))]
        widths = [max([len(c)] + [len(r[k]) for r in cells]) for k, c in enumerate(shown)]
        lines = [self._summary(), "  ".join(c.rjust(w) for c, w in zip(shown, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
        if len(self) > max_rows:
            lines.append(f"... {len(self) - max_rows} more rows")
        return "\n".join(lines)

    def _repr_html_(self, max_rows=20):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(self._cell(self._columns[c][i]))}</td>"
                                        for c in self.columns) + "</tr>"
                       for i in range(min(len(self), max_rows)))
        more = f"<p>... {len(self) - max_rows} more rows</p>" if len(self) > max_rows else ""
        return (f"<p>{html.escape(self._summary())}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{more}")


def _axis(column):
    """Distinct values of a parameter column (sorted when they are numbers) and row codes."""
    if column.dtype != object:
        distinct, codes = np.unique(column, return_inverse=True)
        return distinct.astype(float), codes.ravel()
    values = list(column)
    distinct = []
    for v in values:
        if not any(_cells_equal(v, d) for d in distinct):
            distinct.append(v)
    if all(_is_number(v) for v in distinct):
        distinct.sort()
    codes = np.array([next(k for k, d in enumerate(distinct) if _cells_equal(v, d))
                      for v in values], dtype=int)
    return np.array(distinct, dtype=float if all(_is_number(v) for v in distinct) else object), \
        codes


def _reduce(reduce, values):
    if values.size == 0 or np.all(np.isnan(values)):
        return np.nan
    return float(reduce(values))

