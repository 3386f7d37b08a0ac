"""``bp.sweep(...)`` and :class:`Sweep`: run a model over many parameter sets, anywhere."""

import collections
import numbers
import threading
import time

import numpy as np

from ..backend import settings
from ..simulation.nodes.base import DynamicalSystem
from ..simulation.nodes.network import Network
from ..simulation.plan import time_window
from .errors import SweepError
from .executors import drive, make_backend
from .params import ParameterSets
from .progress import SweepProgress
from .seeding import new_entropy, set_seed
from .shipping import ship
from .table import SweepTable, make_column
from .worker import _LOCK, SweepSpec, Task, build_model, evaluate

__all__ = ["Sweep", "SweepRun", "sweep", "RESET_MODES"]

#: Accepted values of ``reset`` besides a callable.
RESET_MODES = (True, False, "methods")


def _check_callable(name, value, optional=False):
    if value is None and optional:
        return None
    if not callable(value):
        raise SweepError(f"`{name}`={value!r} must be a function"
                         f"{' or None' if optional else ''}.")
    return value


def _driver_objects(inputs):
    """Model objects of the driver's process inside a static ``inputs`` spec."""
    found = []
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    for item in items:
        parts = item if isinstance(item, (list, tuple)) else [item]
        found += [p for p in parts if isinstance(p, (DynamicalSystem, Network))]
    return found


def _check_inputs(inputs):
    if callable(inputs):
        return inputs
    if not isinstance(inputs, (list, tuple)):
        raise SweepError(f"`inputs`={inputs!r} must be a tuple or list as for model.run(), or a "
                         f"callable inputs(model, params) returning one.")
    objects = _driver_objects(inputs)
    if objects:
        raise SweepError(f"`inputs` refers to {objects[0]!r}, an object of this process; the "
                         f"sweep builds its own models with `build`. Name the node instead, "
                         f"e.g. ('{objects[0].name if hasattr(objects[0], 'name') else 'E'}."
                         f"input', 1.2), or pass a callable inputs(model, params).")
    return inputs


def _check_reset(reset):
    if callable(reset) or any(reset is mode for mode in (True, False)) or reset == "methods":
        return reset
    raise SweepError(f"`reset`={reset!r} is not supported; choose True (restore the state the "
                     f"model had after building, then call the nodes' reset() methods), "
                     f"'methods' (only the reset() methods, as in the manual's ch. 9), False "
                     f"(keep the state of the previous set) or a function reset(model).")


def _check_seed(seed):
    if seed is None:
        return new_entropy()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SweepError(f"`seed`={seed!r} must be a non-negative integer (or None for fresh "
                         f"entropy, recorded in table.meta['seed']).")
    return int(seed)


def _check_retries(retries):
    if isinstance(retries, bool) or not isinstance(retries, numbers.Integral) or retries < 0:
        raise SweepError(f"`retries`={retries!r} must be a non-negative integer (extra attempts "
                         f"of a failed parameter set, each on a freshly built model).")
    return int(retries)


class Sweep:
    """A model run over many parameter sets, with a measure of each run.

    A worker (this process, a pool process or a Dask worker) builds the model
    with ``build`` once, compiles it on its first run, and re-runs it in repeat
    mode for every set it gets -- nothing is recompiled between sets. Before each
    set it restores the model's initial state, seeds the random generators with
    the set's seed, assigns the parameters, calls the nodes' ``reset()``
    methods, runs ``duration`` with ``inputs`` and calls ``measure``.

    Parameters
    ----------
    build : callable
        ``build()`` (or ``build(**build_params)``) returns the model: a
        ``bp.Network`` or a ``bp.DynamicalSystem``. Name nodes to address them,
        ``bp.Network(HH=group, GABAA=syn)``; class names work when unique.
    params : dict or list of dict or pandas.DataFrame
        A grid ``{name: values}`` (every combination, the first name varying
        slowest; a single value holds a parameter fixed), an explicit list of
        ``{name: value}`` sets, or a DataFrame with one set per row. Names are
        attribute paths on the model: ``'GABAA.g_max'`` sets ``g_max`` of the
        node ``GABAA``; on a single object ``'V_th'`` works too. Array
        attributes are filled in place.
    measure : callable
        ``measure(model)`` after the run, returning ``{name: value}`` (numbers
        or arrays; one column each) or one number (a column named after the
        function).
    duration : float or tuple
        Passed to ``model.run``: a length in ms or ``(start, end)``.
    inputs : tuple or list or callable, optional
        Passed to ``model.run``; nodes by *name* (``('HH.input', 1.2)`` or
        ``[('HH', 'input', 1.2)]``). A callable ``inputs(model, params)`` returns
        them per set (to sweep an input's value).
    apply : callable, optional
        ``apply(model, **params)`` for anything a path cannot say (derived
        values, several attributes from one number, module constants). It gets
        the parameters without a dot that its signature names (all of them if
        it takes ``**kwargs``); dotted names are always assigned as paths.
    reset : bool or {'methods'} or callable, optional
        ``True`` (default): restore the arrays and numbers every node had right
        after ``build``, then call each node's ``reset()`` method if it has one.
        ``'methods'``: only the ``reset()`` methods (the manual's ch. 9 loop).
        ``False``: keep the previous set's state (results then depend on which
        sets ran before on the same worker). A callable: ``reset(model)``.
    build_params : sequence of str, optional
        Parameters given to ``build(**...)`` instead of being assigned (network
        size, connection probability...). Each distinct combination is built --
        and compiled -- once per worker.
    repeats : int, optional
        Run every set this many times with different seeds (``repeat`` column).
    seed : int, optional
        The sweep's seed; each set's seed is derived from it and the set's row
        (``numpy.random.SeedSequence(seed, spawn_key=(1, row))``), so the table
        is the same on every executor. ``None``: fresh entropy, recorded in
        ``table.meta['seed']``.
    retries : int, optional
        Extra attempts of a set that raised, each on a freshly built model
        (default 1: two attempts in all).

    Attributes
    ----------
    parameter_sets : ParameterSets
        The expanded sets (``.sets``, ``.names``, ``.varied``).
    seed : int
        The sweep's seed (drawn at creation when none was given).
    spec : SweepSpec
        What workers receive.

    Raises
    ------
    SweepError
        For arguments that cannot work (checked before anything runs).

    Examples
    --------
    The manual's gamma-oscillation search (ch. 9.1), on all cores:

    >>> def build():
    ...     group = HH(100, monitors=['spike'])
    ...     syn = GABAA(pre=group, post=group, conn=bp.connect.All2All(include_self=False))
    ...     return bp.Network(HH=group, GABAA=syn)
    >>> def coherence(net):
    ...     return {'cc': bp.measure.cross_correlation(net.HH.mon.spike, bin=0.5)}
    >>> search = bp.sweep.Sweep(build, {'GABAA.g_max': np.arange(0.05, 0.151, 0.01) / 100},
    ...                         measure=coherence, duration=500.,
    ...                         inputs=('HH.input', 1.2), seed=42)       # doctest: +SKIP
    >>> table = search.run(executor='processes')                         # doctest: +SKIP
    >>> net = search.replay(3)     # row 3 again, here, to look at its raster   # doctest: +SKIP
    """

    def __init__(self, build, params, *, measure, duration, inputs=(), apply=None, reset=True,
                 build_params=(), repeats=1, seed=None, retries=1):
        _check_callable("build", build)
        _check_callable("measure", measure)
        _check_callable("apply", apply, optional=True)
        time_window(duration, settings.get_dt())          # raises for a bad duration
        self.parameter_sets = ParameterSets(params, repeats)
        if isinstance(build_params, str):
            build_params = (build_params,)
        build_params = tuple(build_params)
        unknown = [p for p in build_params if p not in self.parameter_sets.names]
        if unknown:
            raise SweepError(f"`build_params` names {unknown}, which `params` does not give; "
                             f"the parameters are {self.parameter_sets.names}.")
        self.seed = _check_seed(seed)
        attempts = 1 + _check_retries(retries)
        self.spec = SweepSpec(build=build, measure=measure, duration=duration,
                              inputs=_check_inputs(inputs), apply=apply,
                              reset=_check_reset(reset), build_params=build_params,
                              attempts=attempts, seed=self.seed)

    # -- what will run ----------------------------------------------------------------------
    def __len__(self):
        return len(self.parameter_sets)

    @property
    def sets(self):
        """list of dict: the parameter set of each row."""
        return [dict(s) for s in self.parameter_sets.sets]

    @property
    def seeds(self):
        """list of int: the seed of each row."""
        return [set_seed(self.seed, i) for i in range(len(self))]

    def tasks(self):
        """The work items, ordered so that sets built alike are adjacent.

        Returns
        -------
        list of Task
        """
        seeds = self.seeds
        tasks = [Task(i, dict(s), seeds[i]) for i, s in enumerate(self.parameter_sets.sets)]
        if self.spec.build_params:
            def group(task):
                return repr([repr(task.params.get(p)) for p in self.spec.build_params])
            first_seen = {}
            for task in tasks:
                first_seen.setdefault(group(task), len(first_seen))
            tasks.sort(key=lambda t: (first_seen[group(t)], t.index))
        return tasks

    # -- running ----------------------------------------------------------------------------
    def run(self, client=None, executor=None, n_workers=None, progress=True, on_result=None):
        """Run every parameter set and return the table.

        Parameters
        ----------
        client : dask.distributed.Client, optional
            Run on this Dask cluster (one task per set).
        executor : {None, 'serial', 'processes'} or concurrent.futures.Executor, optional
            Without a client: ``'serial'`` (default) runs in this process;
            ``'processes'`` starts ``n_workers`` local processes for this sweep;
            an Executor you made (e.g. a ``ProcessPoolExecutor`` kept across
            sweeps, whose processes keep their compiled models) is used as is.
        n_workers : int, optional
            Processes of ``executor='processes'`` (default: the CPU count).
        progress : bool or callable, optional
            A progress bar (default), nothing, or ``progress(fraction)``.
        on_result : callable, optional
            ``on_result(row_index, row)`` in this thread whenever a set finishes
            (``row`` is the table row as a dict).

        Returns
        -------
        SweepTable

        Raises
        ------
        SweepError
            When the sweep itself is wrong (a parameter path that does not exist,
            a measure that returns no numbers, functions that cannot be sent to
            workers); ``error.table`` holds the rows finished before.
        """
        execution = _Execution(self, client, executor, n_workers, progress, on_result)
        return execution.run()

    def start(self, client=None, executor=None, n_workers=None, progress=False, on_result=None):
        """Run the sweep in a background thread; return at once.

        Takes the arguments of :meth:`run` (``progress`` defaults to False).
        ``on_result`` is then called from the background thread.

        Returns
        -------
        SweepRun
            ``.table`` (the rows so far), ``.done``, ``.stop()``, ``.result()``.
        """
        execution = _Execution(self, client, executor, n_workers, progress, on_result)
        return SweepRun(execution)

    def replay(self, index):
        """Build a fresh model here and run row ``index`` again, to look at it closely.

        The build and the set get the same seeds as in the sweep, so on the same
        backend the measure equals the table's.

        Parameters
        ----------
        index : int
            A row of the table.

        Returns
        -------
        Network or DynamicalSystem
            The model after the run (its monitors hold the records).

        Raises
        ------
        SweepError
            For a row outside the sweep.
        """
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or \
                not 0 <= index < len(self):
            raise SweepError(f"`index`={index!r} is not a row of this sweep of {len(self)} "
                             f"sets; give 0 ... {len(self) - 1}.")
        params = self.parameter_sets.sets[index]
        build_kwargs = {p: params[p] for p in self.spec.build_params if p in params}
        with _LOCK:
            model, snapshot = build_model(self.spec, build_kwargs)
            evaluate(self.spec, model, snapshot, params, set_seed(self.seed, index))
        return model


class _Execution:
    """One run of a sweep: the backend, the records as they arrive, the table."""

    def __init__(self, sweep, client, executor, n_workers, progress, on_result):
        self.sweep = sweep
        self.client, self.executor, self.n_workers = client, executor, n_workers
        self.progress = SweepProgress(len(sweep), progress) if progress is not False else None
        self.on_result = _check_callable("on_result", on_result, optional=True)
        self.records = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.finished = False
        self.stopped = False
        self.error = None
        self.backend_name = None
        self.workers_seen = set()
        self.started = None
        self.wall_seconds = None
        self._table = None

    def _on_record(self, record):
        with self.lock:
            self.records[record["index"]] = record
            if record.get("worker"):
                self.workers_seen.add(record["worker"])
        if self.progress is not None:
            self.progress.update(record["status"])
        if self.on_result is not None:
            self.on_result(record["index"], _make_row(self.sweep, record))

    def run(self):
        self.started = time.perf_counter()
        local = self.client is None and self.executor in (None, "serial")
        backend = None
        try:
            shipped = ship(self.sweep.spec, local=local)
            backend = make_backend(shipped, self.executor, self.client, self.n_workers)
            self.backend_name = backend.name
            completed = drive(backend, self.sweep.tasks(), self.sweep.spec.attempts,
                              self._on_record, self.stop_event)
            self.stopped = not completed
            if completed:
                self._check_not_all_failed()
        except SweepError as exc:
            self.error = exc
            exc.table = self.table(final=True)
            raise
        except BaseException as exc:
            self.error = exc
            try:        # the finished rows stay reachable from the exception
                exc.table = self.table(final=True)
            except Exception:
                pass
            raise
        finally:
            if backend is not None:
                backend.close()
            if self.progress is not None:
                self.progress.close()
            self.wall_seconds = time.perf_counter() - self.started
            self.finished = True
        return self.table(final=True)

    def _check_not_all_failed(self):
        """One clear error when no set succeeded (the table is attached to it)."""
        with self.lock:
            records = [self.records[i] for i in sorted(self.records)]
        n = len(self.sweep)
        if len(records) < n or any(r["status"] != "error" for r in records):
            return
        reasons = collections.Counter(str(r["error"]).splitlines()[0] for r in records)
        why = "; ".join(f"{reason} ({count} set{'s' if count > 1 else ''})"
                        for reason, count in reasons.most_common(3))
        if len(reasons) > 3:
            why += f"; and {len(reasons) - 3} other errors"
        raise SweepError(f"All {n} parameter set{'s' if n > 1 else ''} failed: {why}. "
                         f"The rows are in the `table` attribute of this exception.")

    def table(self, final=False):
        """The table of the records so far (missing rows 'pending', or 'cancelled' at the end)."""
        with self.lock:
            records = dict(self.records)
        missing = "cancelled" if final else "pending"
        return _make_table(self.sweep, records, missing, self._meta())

    def _meta(self):
        return {"seed": self.sweep.seed, "executor": self.backend_name,
                "workers": len(self.workers_seen), "wall_seconds": self.wall_seconds,
                "varied": list(self.sweep.parameter_sets.varied),
                "backend": settings.get_backend(), "dt": settings.get_dt(),
                "stopped": self.stopped}


def _make_table(sweep, records, missing_status, meta):
    sets = sweep.parameter_sets
    n = len(sets)
    rows = [records.get(i) for i in range(n)]
    columns = {name: make_column([s.get(name) for s in sets.sets]) for name in sets.names}
    measures = {}
    for record in rows:
        for name in (record or {}).get("values") or {}:
            measures.setdefault(name, None)
    for name in measures:
        columns[name] = make_column([(r.get("values") or {}).get(name) if r else None
                                     for r in rows])
    if sets.repeats > 1:
        columns["repeat"] = np.asarray(sets.repeat, dtype=np.int64)
    columns["seed"] = np.asarray(sweep.seeds, dtype=np.int64)

    def field(key, default):
        return [r[key] if r is not None else default for r in rows]

    columns["status"] = make_column(field("status", missing_status))
    columns["error"] = make_column(field("error", None))
    columns["attempts"] = np.asarray(field("attempts", 0), dtype=np.int64)
    columns["worker"] = make_column(field("worker", None))
    columns["built"] = np.asarray(field("built", False), dtype=bool)
    columns["compilations"] = np.asarray(field("compilations", 0), dtype=np.int64)
    columns["seconds"] = np.asarray(field("seconds", np.nan), dtype=float)
    columns["cpu_seconds"] = np.asarray(field("cpu_seconds", np.nan), dtype=float)
    tracebacks = {i: r["traceback"] for i, r in enumerate(rows) if r and r.get("traceback")}
    return SweepTable(columns, sets.names, list(measures), meta, tracebacks)


def _make_row(sweep, record):
    """The table row of one record, without building the table."""
    index = record["index"]
    sets = sweep.parameter_sets
    row = {name: sets.sets[index].get(name) for name in sets.names}
    row.update(record.get("values") or {})
    if sets.repeats > 1:
        row["repeat"] = sets.repeat[index]
    row["seed"] = set_seed(sweep.seed, index)
    for key in ("status", "error", "attempts", "worker", "built", "compilations", "seconds",
                "cpu_seconds"):
        row[key] = record.get(key)
    return row


class SweepRun:
    """A sweep running in a background thread (see :meth:`Sweep.start`).

    Attributes
    ----------
    done : bool
        True once every set finished, the sweep was stopped, or it failed.
    """

    def __init__(self, execution):
        self._execution = execution
        self._result = None
        self._thread = threading.Thread(target=self._target, name="workbench-sweep", daemon=True)
        self._thread.start()

    def _target(self):
        try:
            self._result = self._execution.run()
        except BaseException:      # kept in execution.error; result() re-raises it
            pass

    @property
    def done(self):
        """bool: whether the sweep has ended."""
        return not self._thread.is_alive()

    @property
    def table(self):
        """SweepTable: the rows so far (unfinished rows have ``status='pending'``)."""
        return self._execution.table(final=self.done)

    def stop(self):
        """Ask the sweep to stop: pending sets are cancelled (rows 'cancelled')."""
        self._execution.stop_event.set()

    def result(self, timeout=None):
        """Wait for the end of the sweep and return its table.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most.

        Returns
        -------
        SweepTable

        Raises
        ------
        TimeoutError
            When the sweep is still running after ``timeout``.
        Exception
            What stopped the sweep (e.g. a :class:`SweepError`).
        """
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"The sweep is still running after {timeout} s.")
        if self._execution.error is not None:
            raise self._execution.error
        return self._result


def sweep(build, params, *, measure, duration, inputs=(), apply=None, reset=True,
          build_params=(), repeats=1, seed=None, retries=1, client=None, executor=None,
          n_workers=None, progress=True, on_result=None):
    """Run a model over a grid or list of parameter sets and return a table of measures.

    ``bp.sweep(...)`` is ``bp.sweep.Sweep(...).run(...)``; see :class:`Sweep` for
    the model arguments and :meth:`Sweep.run` for where it runs.

    Parameters
    ----------
    build : callable
        Returns the model (a ``bp.Network`` or ``bp.DynamicalSystem``).
    params : dict or list of dict or pandas.DataFrame
        Grid ``{name: values}``, explicit sets, or one set per DataFrame row.
    measure : callable
        ``measure(model)`` -> ``{name: value}`` or a number.
    duration : float or tuple
        Run length in ms (or ``(start, end)``).
    inputs : tuple or list or callable, optional
        Run inputs with nodes by name, or ``inputs(model, params)``.
    apply : callable, optional
        ``apply(model, **params)`` for parameters without a dot that it names.
    reset : bool or {'methods'} or callable, optional
        How each set starts (default: the state after the build, then the nodes'
        ``reset()`` methods).
    build_params : sequence of str, optional
        Parameters passed to ``build`` (each combination built once per worker).
    repeats : int, optional
        Runs per set, each with its own seed.
    seed : int, optional
        The sweep's seed (default: fresh, in ``table.meta['seed']``).
    retries : int, optional
        Extra attempts of a failing set on a fresh model (default 1).
    client : dask.distributed.Client, optional
        Run on a Dask cluster.
    executor : {None, 'serial', 'processes'} or concurrent.futures.Executor, optional
        Where to run without a client (default: this process).
    n_workers : int, optional
        Size of the ``'processes'`` pool.
    progress : bool or callable, optional
        Progress bar (default) / nothing / ``progress(fraction)``.
    on_result : callable, optional
        ``on_result(row_index, row)`` as sets finish.

    Returns
    -------
    SweepTable
        One row per set: the parameters, the measures, ``seed``, ``status``
        (``'ok'``/``'error'``), ``error``, ``attempts``, ``worker``, ``built``,
        ``compilations``, ``seconds`` and ``cpu_seconds``.

    Raises
    ------
    SweepError
        For a sweep that cannot run (bad arguments, unknown parameter paths, a
        measure without numbers, functions that cannot reach the workers).
        Failures of single sets are rows with ``status='error'``, not exceptions.

    Examples
    --------
    >>> import numpy as np
    >>> import workbench as bp
    >>> class Leaky(bp.NeuGroup):
    ...     def __init__(self, size, tau=10., **kwargs):
    ...         self.tau, self.V, self.input = tau, np.zeros(size), np.zeros(size)
    ...         super().__init__(size=size, **kwargs)
    ...     def update(self, _t, _dt):
    ...         self.V += _dt * (self.input - self.V) / self.tau
    ...         self.input[:] = 0.
    >>> table = bp.sweep(lambda: Leaky(1), {'tau': [5., 10., 20.]}, duration=10.,
    ...                  inputs=('input', 1.), measure=lambda g: {'V': g.V[0]},
    ...                  seed=0, progress=False)
    >>> table['status'].tolist()
    ['ok', 'ok', 'ok']
    >>> bool(np.all(np.diff(table['V']) < 0))        # slower membranes charge less
    True
    >>> table.to_pandas()[['tau', 'V']].shape
    (3, 2)
    """
    return Sweep(build, params, measure=measure, duration=duration, inputs=inputs, apply=apply,
                 reset=reset, build_params=build_params, repeats=repeats, seed=seed,
                 retries=retries).run(client=client, executor=executor, n_workers=n_workers,
                                      progress=progress, on_result=on_result)
