"""``build()`` and ``run()`` of objects and networks.

A run is planned (time window, inputs, schedule, monitor storage), handed to an
*executor* -- interpreted on the numpy backend, one compiled loop on numba --
and advanced in chunks. Between chunks the runner reports progress and checks
the state for new NaN/inf values. A failing chunk is replayed from a snapshot
in Python, one schedule item at a time, to name the object, variable, step and
time of the failure.

Executors are cached on the object or network and reused while the structure
of the run (schedule, input structure, monitors, kinds of the attributes the
steps use) stays the same: that is the repeat mode -- new parameter values,
state arrays, input values, durations and start times compile nothing.
"""

import math
import numbers
import time
import warnings

import numpy as np

from ..backend import settings
from ..backend.tensors import TENSOR_BACKENDS
from ..errors import ModelError, SimulationError
from .base import check_backend_support
from .failures import StateWatch
from .inputs import parse_inputs
from .interpreter import InterpretedExecutor
from .reporting import Reporter, check_report_percent
from .schedule import resolve_schedule

__all__ = ["RunPlan", "build", "run", "time_window"]

#: Number of chunks of a run without report/progress (cadence of NaN checks).
DEFAULT_CHUNKS = 10


def time_window(duration, dt):
    """Start time and number of steps of a run.

    Parameters
    ----------
    duration : float or tuple
        A length in ms (start 0), or ``(start, end)``.
    dt : float
        The time step.

    Returns
    -------
    start : float
    n_steps : int
        ``ceil((end - start) / dt)`` with a tolerance for rounding (so 100 ms at
        dt = 0.1 gives 1000 steps).

    Raises
    ------
    ModelError
        If the duration is not a positive length or an increasing pair.
    """
    if isinstance(duration, numbers.Real) and not isinstance(duration, bool):
        start, end = 0.0, float(duration)
    elif isinstance(duration, (tuple, list)) and len(duration) == 2 and \
            all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in duration):
        start, end = float(duration[0]), float(duration[1])
    else:
        raise ModelError(f"`duration`={duration!r} must be a length in ms or a (start, end) "
                         f"pair of times.")
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        raise ModelError(f"`duration`={duration!r} must end after it starts (and be finite).")
    n_steps = int(math.ceil((end - start) / dt - 1e-9))
    return start, max(n_steps, 1)


class RunPlan:
    """Everything one run needs: nodes, schedule items, inputs, monitor storage, times.

    Attributes
    ----------
    host : DynamicalSystem or Network
    nodes : list of DynamicalSystem
    items : list of ScheduleItem
    inputs : list of InputSpec
    records : list of (DynamicalSystem, MonitorRecord)
    t0 : float
        Start time.
    dt : float
    n_steps : int
    ts : numpy.ndarray
        Times of the steps, ``t0 + arange(n_steps) * dt``.
    backend : str
    """

    def __init__(self, host, duration, inputs):
        self.host = host
        nodes = host._nodes()
        if not nodes:
            raise ModelError(f"{host.describe()} has no nodes to run.")
        for node in nodes:
            node._check_initialized()
        self.backend = settings.get_backend()
        for node in nodes:
            check_backend_support(type(node), self.backend)
        self.nodes = nodes
        self.dt = settings.get_dt()
        self.t0, self.n_steps = time_window(duration, self.dt)
        self.ts = self.t0 + np.arange(self.n_steps) * self.dt
        for node in nodes:
            for delay in node.__dict__.get("_delays", {}).values():
                delay.set_dt(self.dt)
        self.inputs = parse_inputs(inputs, host, nodes, self.n_steps)
        self.items = resolve_schedule(host, nodes)
        self.records = [(node, record) for node in nodes
                        for record in node.mon.prepare(node, self.ts, self.dt)]

    def structure_key(self):
        """What an executor's generated code depends on (values excluded).

        Returns
        -------
        tuple
        """
        return (self.backend,
                tuple(id(node) for node in self.nodes),
                tuple(item.structure for item in self.items),
                tuple(spec.structure for spec in self.inputs),
                tuple((id(node), r.key, r.index is None, r.period_steps == 1,
                       r.data.dtype.str, r.data.ndim) for node, r in self.records))

    def rows_of_chunk(self, i_start, i_end):
        """A function giving the slice of monitor rows written by steps [i_start, i_end).

        Parameters
        ----------
        i_start, i_end : int

        Returns
        -------
        callable
        """
        def rows(record):
            p = record.period_steps
            return slice(-(-i_start // p), -(-i_end // p))
        return rows


def _make_executor(plan):
    if plan.backend in TENSOR_BACKENDS:
        from .tensor_executor import make_tensor_executor
        return make_tensor_executor(plan)
    if settings.is_numba_backend(plan.backend):
        from .compiler import CompiledExecutor, StepCompileError
        try:
            return CompiledExecutor(plan)
        except StepCompileError as exc:
            warnings.warn(f"{exc} -- running {plan.host.describe()} with the Python "
                          f"(numpy-backend) executor instead, which is much slower.",
                          StepCompileWarning, stacklevel=5)
    return InterpretedExecutor(plan)


class StepCompileWarning(UserWarning):
    """A step function could not be compiled; the run falls back to Python."""


def _executor(plan, show_code):
    host = plan.host
    cached = host.__dict__.get("_wb_executor")
    key = plan.structure_key()
    if cached is not None and cached.key == key and cached.accepts(plan):
        executor = cached
    else:
        executor = _make_executor(plan)
        host.__dict__["_wb_executor"] = executor
    executor.bind(plan)
    if show_code:
        print(executor.source)
    return executor


def build(host, duration, inputs=(), show_code=False):
    """Plan a run and prepare its executor (compiling on numba).

    Parameters
    ----------
    host : DynamicalSystem or Network
    duration : float or tuple
    inputs : tuple or list, optional
    show_code : bool, optional

    Returns
    -------
    callable
        ``run_steps(i_start, i_end)``: advance the prepared run over its steps
        ``i_start`` to ``i_end - 1`` (0 <= i_start <= i_end <= number of steps);
        the monitors of ``host`` hold that run's records.
    """
    plan = RunPlan(host, duration, inputs)
    executor = _executor(plan, show_code)

    def run_steps(i_start, i_end):
        if not (0 <= i_start <= i_end <= plan.n_steps):
            raise ModelError(f"run_steps({i_start}, {i_end}) is outside the built run of "
                             f"{plan.n_steps} steps; give 0 <= i_start <= i_end <= "
                             f"{plan.n_steps}.")
        executor.bind(plan, force=True)
        try:
            executor.run_chunk(int(i_start), int(i_end))
        finally:
            executor.finish()

    return run_steps


def _chunk_bounds(n_steps, n_chunks):
    bounds = sorted({int(round(n_steps * k / n_chunks)) for k in range(n_chunks + 1)})
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def run(host, duration, inputs=(), report=False, report_percent=0.1, progress=None):
    """Run an object or a network; see ``DynamicalSystem.run``.

    Returns
    -------
    float
        The running time in seconds (compilation excluded).
    """
    report_percent = check_report_percent(report_percent)
    reporter = Reporter(report, progress)
    t_build = time.perf_counter()
    plan = RunPlan(host, duration, inputs)
    executor = _executor(plan, show_code=getattr(host, "show_code", False))
    reporter.compiled(time.perf_counter() - t_build)

    n_chunks = max(1, int(round(1.0 / report_percent))) if (report or progress) else DEFAULT_CHUNKS
    watch = StateWatch(plan.nodes, plan.records)
    started = time.perf_counter()
    try:
        for i_start, i_end in _chunk_bounds(plan.n_steps, n_chunks):
            snapshot = watch.snapshot(executor.written_arrays())
            try:
                executor.run_chunk(i_start, i_end)
            except Exception as exc:
                executor.finish()
                raise _step_failure(plan, executor, exc, watch, snapshot, i_start, i_end) from exc
            executor.sync()
            divergence = watch.check(plan.rows_of_chunk(i_start, i_end), plan.ts)
            if divergence is not None:
                raise _divergence_failure(plan, divergence, watch, snapshot, i_start, i_end)
            reporter.update(i_end / plan.n_steps, time.perf_counter() - started)
    finally:
        executor.finish()
        reporter.close()
    elapsed = time.perf_counter() - started
    reporter.done(elapsed)
    return elapsed


# -- failures ------------------------------------------------------------------------------
def _replayer(plan, executor):
    if isinstance(executor, InterpretedExecutor):
        return executor
    make = getattr(executor, "make_replayer", None)     # e.g. the jax executor's eager twin
    replay = make(plan) if make is not None else InterpretedExecutor(plan, vectorize=False)
    replay.bind(plan)
    return replay


def _replay(plan, executor, watch, snapshot, i_start, i_end):
    """Re-run a chunk item by item; return (item index, step index, exception, divergence)."""
    watch.restore(snapshot)
    replay = _replayer(plan, executor)
    for i in range(i_start, i_end):
        for index in range(len(plan.items)):
            try:
                replay.run_item(index, i)
            except Exception as exc:      # the user's step raised: that is the finding
                return index, i, exc, None
            divergence = watch.is_new_divergence()
            if divergence is not None:
                return index, i, None, divergence
        replay.end_step()
    return None


def _where(plan, index, i):
    item = plan.items[index]
    what = "its input" if item.key == "input" else \
        "its monitor" if item.key == "monitor" else f"step {item.key!r}"
    return item, f"at t={plan.ts[i]:.6g} ms (step {i} of the run) in {what}"


def _step_failure(plan, executor, exc, watch, snapshot, i_start, i_end):
    window = f"between t={plan.ts[i_start]:.6g} and {plan.ts[i_end - 1]:.6g} ms"
    if isinstance(executor, InterpretedExecutor):
        located = _locate_in_traceback(executor, exc)
        if located is not None:
            item, where = _where(plan, *located)
            return SimulationError(f"{item.node.describe()} failed {where}: "
                                   f"{type(exc).__name__}: {exc}")
    if snapshot is not None:
        found = _replay(plan, executor, watch, snapshot, i_start, i_end)
        if found is not None and found[2] is not None:
            item, where = _where(plan, found[0], found[1])
            return SimulationError(f"{item.node.describe()} failed {where}: "
                                   f"{type(found[2]).__name__}: {found[2]} (the compiled step "
                                   f"raised {type(exc).__name__}: {exc}; replaying the chunk in "
                                   f"Python located it)")
    return SimulationError(f"{plan.host.describe()} failed {window}: {type(exc).__name__}: {exc}"
                           f" (the failing step could not be located by replaying the chunk in "
                           f"Python)")


def _locate_in_traceback(executor, exc):
    tb = exc.__traceback__
    while tb is not None:
        index = executor.item_of_frame(tb.tb_frame.f_code)
        if index is not None:
            return index, int(tb.tb_frame.f_locals.get("_i", 0))
        tb = tb.tb_next
    return None


def _divergence_failure(plan, divergence, watch, snapshot, i_start, i_end):
    node = divergence.node
    if divergence.time is not None:
        return SimulationError(f"{node.describe()}: {divergence.name} became {divergence.kind} at "
                               f"t={divergence.time:.6g} ms (monitor record).")
    if snapshot is not None:
        found = _replay(plan, plan.host.__dict__.get("_wb_executor"), watch, snapshot,
                        i_start, i_end)
        if found is not None:
            index, i, exc, located = found
            item, where = _where(plan, index, i)
            if located is not None:
                return SimulationError(f"{located.node.describe()}: {located.name} became "
                                       f"{located.kind} {where}.")
            return SimulationError(f"{item.node.describe()} failed {where}: "
                                   f"{type(exc).__name__}: {exc}")
    return SimulationError(f"{node.describe()}: {divergence.name} became {divergence.kind} "
                           f"between t={plan.ts[i_start]:.6g} and {plan.ts[i_end - 1]:.6g} ms.")
