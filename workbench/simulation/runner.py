"""The run driver behind ``run()`` and ``build()`` of objects and networks.

A run is planned (:class:`~workbench.simulation.plan.RunPlan`: time window,
inputs, schedule, monitor storage), handed to an *executor*
(:class:`~workbench.simulation.executor.Executor`) chosen from the table
:data:`EXECUTORS` -- interpreted on the numpy backend, one compiled loop on
numba, tensors on the others -- and advanced in chunks. Between chunks the
runner reports progress and checks the state for new NaN/inf values. A failing
chunk is replayed from a snapshot in Python, one schedule item at a time, to
name the object, variable, step and time of the failure.

Executors are cached on the object or network and reused while the structure
of the run (schedule, input structure, monitors, kinds of the attributes the
steps use) stays the same: that is the repeat mode -- new parameter values,
state arrays, input values, durations and start times compile nothing.
"""

import time
import warnings

from ..errors import ModelError, SimulationError
from .executor import RerunChunk, StepCompileError, StepCompileWarning
from .failures import StateWatch
from .numba.executor import CompiledExecutor
from .numpy.interpreter import InterpretedExecutor
from .plan import RunPlan
from .reporting import Reporter, check_report_percent
from .tensor.executor import TensorExecutor
from .tensor.jax_executor import JaxExecutor

__all__ = ["EXECUTORS", "build", "run"]

#: Number of chunks of a run without report/progress (cadence of NaN checks).
DEFAULT_CHUNKS = 10


#: The executors of each backend, most wanted first. The runner tries them in order: a
#: constructor raising StepCompileError makes it warn and try the next one.
EXECUTORS = {
    "numpy": (InterpretedExecutor,),
    "numba": (CompiledExecutor, InterpretedExecutor),
    "numba-parallel": (CompiledExecutor, InterpretedExecutor),
    "pytorch": (TensorExecutor,),
    "tensorflow": (TensorExecutor,),
    "jax": (JaxExecutor,),
}


def _make_executor(plan):
    candidates = EXECUTORS[plan.backend]
    for position, executor_class in enumerate(candidates):
        try:
            return executor_class(plan)
        except StepCompileError as exc:
            if position + 1 == len(candidates):
                raise
            warnings.warn(f"{exc} -- running {plan.host.describe()} with the "
                          f"{candidates[position + 1].description} instead, which is much "
                          f"slower.", StepCompileWarning, stacklevel=5)


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
        plan.begin_chunk(int(i_start))
        watch = snapshot = None
        if executor.may_rerun_chunk:
            watch = StateWatch(plan.nodes, plan.records)
            snapshot = watch.snapshot(executor.written_arrays())
            if snapshot is None:
                executor.avoid_reruns()
        try:
            for attempt in range(MAX_ATTEMPTS):
                try:
                    executor.run_chunk(int(i_start), int(i_end))
                    break
                except RerunChunk:
                    if attempt == MAX_ATTEMPTS - 1:
                        raise
                    _restart_chunk(plan, executor, watch, snapshot, int(i_start))
        finally:
            executor.finish()

    return run_steps


#: Attempts at one chunk: each RerunChunk comes after the executor changed how it runs the
#: chunk (checked copies compiled; the parallel region left, or skipped for the next
#: attempt), so a few always suffice (the longest chain: region NaN, RangeNotProven in the
#: serial attempt, region failure, serial attempt).
MAX_ATTEMPTS = 4


def _chunk_bounds(n_steps, n_chunks):
    bounds = sorted({int(round(n_steps * k / n_chunks)) for k in range(n_chunks + 1)})
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def run(host, duration, inputs=(), report=False, report_percent=0.1, progress=None):
    """Run an object or a network; see :meth:`~workbench.simulation.nodes.runnable.Runnable.run`.

    Returns
    -------
    float
        The running time in seconds (compilation excluded).
    """
    report_percent = check_report_percent(report_percent)
    reporter = Reporter(report, progress)
    t_build = time.perf_counter()
    plan = RunPlan(host, duration, inputs)
    executor = _executor(plan, show_code=host.show_code)
    reporter.compiled(time.perf_counter() - t_build)

    n_chunks = max(1, int(round(1.0 / report_percent))) if (report or progress) else DEFAULT_CHUNKS
    fixed = not executor.touches_python_state
    watch = StateWatch(plan.nodes, plan.records, fixed=fixed, callbacks=progress is not None)
    written = executor.written_arrays() if fixed else None
    started = time.perf_counter()
    try:
        for i_start, i_end in _chunk_bounds(plan.n_steps, n_chunks):
            snapshot = watch.snapshot(written if fixed else executor.written_arrays())
            if snapshot is None and executor.may_rerun_chunk:
                executor.avoid_reruns()
            plan.begin_chunk(i_start)
            try:
                for attempt in range(MAX_ATTEMPTS):
                    attempt_started = time.perf_counter()
                    try:
                        step_divergence = _run_chunk(executor, watch, i_start, i_end)
                        break
                    except RerunChunk:
                        if attempt == MAX_ATTEMPTS - 1:
                            raise
                        # the attempt ended in compiling (the checked copies) or in leaving
                        # the parallel region: not running time (a first compile with them
                        # would not run the chunk twice)
                        started += time.perf_counter() - attempt_started
                        _restart_chunk(plan, executor, watch, snapshot, i_start)
            except SimulationError:
                executor.finish()         # the executor named the object, variable and time
                raise
            except Exception as exc:
                executor.finish()
                raise _step_failure(plan, executor, exc, watch, snapshot, i_start, i_end) from exc
            executor.sync()
            if step_divergence is not None:
                raise _divergence_failure(plan, executor, step_divergence[0], watch, snapshot,
                                          i_start, step_divergence[1] + 1)
            divergence = watch.check(plan.rows_of_chunk(i_start, i_end), plan.ts)
            if divergence is not None:
                raise _divergence_failure(plan, executor, divergence, watch, snapshot, i_start,
                                          i_end)
            reporter.update(i_end / plan.n_steps, time.perf_counter() - started)
    finally:
        executor.finish()
        reporter.close()
    elapsed = time.perf_counter() - started
    reporter.done(elapsed)
    return elapsed


def _restart_chunk(plan, executor, watch, snapshot, i_start):
    """Put the state back as the chunk found it, for a second attempt (:class:`RerunChunk`)."""
    executor.finish()                    # numbers written so far go back, then are restored
    watch.restore(snapshot)
    plan.begin_chunk(i_start)
    executor.bind(plan, force=True)


def _run_chunk(executor, watch, i_start, i_end):
    """Run a chunk; step by step with a quick NaN/inf check unless the executor watches stores.

    Returns
    -------
    tuple or None
        (Divergence, step index) of the first step after which a new NaN/inf was seen.
    """
    if executor.watches_stores or not isinstance(executor, InterpretedExecutor):
        executor.run_chunk(i_start, i_end)      # tensor executors run blocks: checked per chunk
        return None
    check = watch.step_check()
    for i in range(i_start, i_end):
        executor.run_chunk(i, i + 1)
        divergence = check()
        if divergence is not None:
            return divergence, i
    return None


# -- failures ------------------------------------------------------------------------------
def _replay(plan, executor, watch, snapshot, i_start, i_end):
    """Re-run a chunk item by item; return (item index, step index, exception, divergence)."""
    watch.restore(snapshot)
    plan.begin_chunk(i_start)            # the replay records the chunk's events again
    replay = executor.replayer(plan)
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


def _divergence_failure(plan, executor, divergence, watch, snapshot, i_start, i_end):
    node = divergence.node
    if divergence.time is not None:
        return SimulationError(f"{node.describe()}: {divergence.name} became {divergence.kind} at "
                               f"t={divergence.time:.6g} ms (monitor record).")
    if snapshot is not None:
        found = _replay(plan, executor, watch, snapshot, i_start, i_end)
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
