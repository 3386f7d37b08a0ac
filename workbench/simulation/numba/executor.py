"""The numba target's runtime: compile a run's loop once, then feed it each run's values.

:class:`~workbench.simulation.numba.generator.loop.RunLoopCode` generates the
code of a run (its steps rewritten, one loop over the time steps). The
executor loads and compiles it (``load_generated_module`` and ``jit``:
hashed files, so numba's disk cache serves a second process; counted by
``bp.jit_compilations()``), and at every run gathers the loop's arguments from
the objects -- state, parameters, input values, monitor storage -- so a
repeat run with new values calls the same machine code. Only a change of
*structure* (schedule, input kinds, monitored variables, the kind or dtype of
an attribute) builds a new loop.
"""

import ctypes
import gc
import re
import sys
import threading
import time
import warnings

import numba
import numpy as np
from numba import _helperlib

from ...backend.jit import is_jit_disabled
from ...errors import SimulationError
from ..codegen.codeprint import user_line_of
from ..executor import Executor, RerunChunk, StepCompileError, StepCompileWarning
from ..nodes.records import EventRecord
from ..numpy.interpreter import InterpretedExecutor
from .generator.bindings import GlobalOwner, RangeBinding, ValueKindError
from .generator.loop import RunLoopCode, load_loop_module, load_step
from .kernels import RangeNotProven
from .parallel_choice import PROBE_STEPS, ParallelChoice
from .parallel_kernels import UNSORTED, descents
from .spin_barrier import barrier_abort, new_barrier

#: ``'numba-parallel'`` runs a step's parallel twin only when its written arrays have at
#: least this many elements (entering a parallel region costs ~1-10 us, see docs/backends.md).
#: Read at every run; tests set it to 1 to send small networks through the twins.
PARALLEL_MIN_SIZE = 4096

#: Steps the probe runs in the chunk region (after PROBE_STEPS serial ones).
REGION_PROBE_STEPS = 8

__all__ = ["CompiledExecutor"]


class _RandomState(ctypes.Structure):
    """numba's generator state of one thread (``rnd_state_t`` of numba's ``_random.c``)."""
    _fields_ = [("index", ctypes.c_int), ("mt", ctypes.c_uint * 624), ("has_gauss", ctypes.c_int),
                ("gauss", ctypes.c_double), ("is_initialized", ctypes.c_int)]


#: numba's two generators of a thread: ``np.random``'s and Python ``random``'s
_STATE_POINTERS = (_helperlib.rnd_get_np_state_ptr, _helperlib.rnd_get_py_state_ptr)


def _numba_random_state():
    """A copy of the calling thread's numba generator states (the ones serial steps draw from)."""
    return [ctypes.string_at(pointer(), ctypes.sizeof(_RandomState)) for pointer in _STATE_POINTERS]


def _set_numba_random_state(state):
    for pointer, saved in zip(_STATE_POINTERS, state):
        ctypes.memmove(pointer(), saved, ctypes.sizeof(_RandomState))


#: numpy >= 2 keeps it in ``np.lib.array_utils``, numpy 1 at the top
_byte_bounds = getattr(getattr(np.lib, "array_utils", np), "byte_bounds")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')


#: The status of a region thread that saw a NaN flag (``generator/chunk_region.py``).
_NAN_STORED = -3


class _RegionFailed(Exception):
    """A chunk that must run again in the run loop (``permanent``: and never in the region)."""

    def __init__(self, permanent):
        super().__init__()
        self.permanent = permanent


class CompiledExecutor(Executor):
    """Runs a planned schedule as one compiled loop (an Executor, see the module docs).

    Parameters
    ----------
    plan : RunPlan

    Raises
    ------
    StepCompileError
        If a step uses something numba cannot compile (the message names the
        user's file and line).
    """

    description = "compiled numba executor"
    watches_stores = True

    @property
    def touches_python_state(self):
        """False while numba compiles: steps write arrays in place and draw from numba's
        generator. With ``NUMBA_DISABLE_JIT=1`` the loop runs as Python, whose steps draw
        from numpy's global generator: every chunk's snapshot then needs its random state."""
        return is_jit_disabled()

    def __init__(self, plan):
        super().__init__(plan)
        self.nodes = plan.nodes
        self.items = plan.items
        # the checked copies of loops whose range is not proven are compiled when a run
        # first needs them (generator/index_checks.py): a quarter of the first compile
        self.checked_copies = False
        # the chunk region runs until a chunk fails in it (then the run loop names the error)
        self.region_usable = True
        self._region_skip_once = False       # the next chunk runs in the run loop, serially
        self._serial_attempt = False
        # after a chunk that failed in the region: leave the region for the per-step twins
        # (None: no; 'quietly'; 'warn': when the chunk then runs through in the run loop)
        self._leave_region = None
        self._load(plan, parallel=None)
        self._pending = None
        self._bound_plan = None
        self.cells = []
        self.args = ()
        self.t0, self.dt = plan.t0, plan.dt
        self._where = np.zeros(1, dtype=np.int64)     # schedule index of the running step
        self._nan = np.full(4, -1, dtype=np.int64)     # first NaN/inf stored: site, i, kind, item
        sites = max([len(step.nan_sites) for step in self.code.steps.values()] + [1])
        self._nan_counts = np.full((len(plan.items), sites, 2), -1, dtype=np.int64)
        self.parallel_choice = ParallelChoice()
        self._compile_or_serial(plan)

    def _compile_or_serial(self, plan):
        """Compile the loaded code; if numba cannot compile its parallel parts, the serial steps."""
        try:
            self._compile(plan)
        except StepCompileError as exc:
            if self._threads_position is None:
                raise
            # a parallel twin numba cannot compile must not cost the compiled loop
            warnings.warn(f"The parallel steps of {plan.host.describe()} cannot be compiled "
                          f"({exc}); running its serial steps.", StepCompileWarning,
                          stacklevel=3)
            self._load(plan, parallel=False)
            self._threads_position = None
            self._bound_plan = None
            self._compile(plan)

    def _load(self, plan, parallel):
        """Generate and load the run loop (``parallel``: with twins; None: as the backend says).

        All or nothing: an interrupted load must not pair new arguments with the old loop.
        """
        code = RunLoopCode(plan, parallel, checked_copies=self.checked_copies,
                           region=self.region_usable)
        module = load_loop_module(code, plan)
        self.code, self.registry, self.arguments, self.loop = \
            code, code.registry, code.arguments, module.run_loop
        self.region = (module.run_region_start, module.run_region_thread) if code.region \
            else None
        self.source = "\n\n".join([s.source for s in code.unique_steps()] + [code.source])
        sources = [source[0] for source in code.arguments.sources]
        self._threads_position = sources.index("threads") if "threads" in sources else None
        # what steps write outside the run's objects (a chunk run again puts it back)
        nodes = {id(node) for node in self.nodes}
        self._outside_bindings = [
            binding for binding in code.registry.bindings.values()
            if (binding.written or binding.handed_out) and id(binding.owner) not in nodes]

    @property
    def may_rerun_chunk(self):
        """True until the checked copies are compiled, and while the chunk region may run
        (see :class:`RerunChunk`)."""
        return not self.checked_copies or self._region_runs()

    def _region_runs(self):
        """Whether parallel chunks run in the chunk region (with more than one thread)."""
        return self.region is not None and self.region_usable and \
            self._threads_position is not None and self.args != () and \
            self.args[self._threads_position] > 1

    def avoid_reruns(self):
        """Compile the checked copies now and leave the chunk region out (the runner cannot
        restore the chunk's state; the run loop then calls the parallel twins)."""
        region = self.region is not None
        self.region_usable = False
        if not self.checked_copies:
            self._compile_checked_copies()
        elif region:
            self._reload()

    def _compile_checked_copies(self):
        """Generate and compile the run loop again, with the checked copy of every loop."""
        plan = self._bound_plan
        self.checked_copies = True
        try:
            self._load(plan, parallel=self._threads_position is not None)
        except BaseException:             # (KeyboardInterrupt too) the old loop stays
            self.checked_copies = False
            raise
        self._bound_plan = self._pending = None
        self._compile_or_serial(plan)

    # -- run-time data ---------------------------------------------------------------------
    def _gather(self, plan):
        """The loop's arguments for ``plan`` (raises ValueKindError on a kind change)."""
        per_binding = {}
        values, cells = [], []
        for source in self.arguments.sources:
            kind = source[0]
            if kind == "binding":
                binding, index = source[1], source[2]
                values.append(self._arguments_of(binding, per_binding, cells)[index])
            elif kind == "input":
                values.append(plan.inputs[source[1]].value)
            elif kind == "record":
                values.append(plan.records[source[1]][1].data)
            elif kind == "period":
                values.append(int(plan.records[source[1]][1].period_steps))
            elif kind == "index":
                values.append(plan.records[source[1]][1].index)
            elif kind == "every":
                values.append(float(plan.items[source[1]].every))
            elif kind == "events":
                values.append(getattr(plan.records[source[1]][1], source[2]))
            elif kind == "delay_head":
                values.append(source[1].head)
            elif kind == "where":
                values.append(self._where)
            elif kind == "nan":
                values.append(self._nan)
            elif kind == "nan_counts":
                values.append(self._nan_counts)
            elif kind == "threads":
                values.append(int(numba.get_num_threads()))
            elif kind == "parallel_min":
                values.append(int(PARALLEL_MIN_SIZE))
            elif kind == "apart_all":
                values.append(None)                 # filled in below (needs every array)
            elif kind == "descents":
                binding = source[1]
                # an index array a step writes could change order during the run
                values.append(UNSORTED if binding.written else descents(binding.read()))
        if ("apart_all",) in self.arguments.sources:
            position = self.arguments.sources.index(("apart_all",))
            values[position] = self._written_apart(values)
        return tuple(values), cells

    def _written_apart(self, values):
        """Whether no array the chunk region writes shares memory with another argument.

        The region leaves out the barrier between items that use different arguments
        (``generator/chunk_region.py``); two arguments holding one array (or views of
        one) would make that wrong, so then every barrier runs.
        """
        written = set(self.code.written_arrays)
        extents = []
        for name, value in zip(self.arguments.names, values):
            if isinstance(value, np.ndarray) and value.nbytes:
                low, high = _byte_bounds(value)
                extents.append((low, high, name in written))
        extents.sort()
        reach, reach_written = -1, False       # the furthest end so far, and whether written
        for low, high, is_written in extents:
            if low < reach and (is_written or reach_written):
                return False
            if high > reach:
                reach, reach_written = high, is_written
            else:
                reach_written = reach_written or is_written
        return True

    @staticmethod
    def _arguments_of(binding, per_binding, cells):
        """A binding's arguments, converted once per gather (a range reuses its base's)."""
        if binding.key not in per_binding:
            if isinstance(binding, RangeBinding):
                base = CompiledExecutor._arguments_of(binding.base, per_binding, cells)
                per_binding[binding.key] = binding.arguments(base)
            else:
                per_binding[binding.key] = binding.arguments()
                if binding.kind == "cell":
                    cells.append((binding, per_binding[binding.key][0]))
        return per_binding[binding.key]

    def _with_new_event_buffers(self, plan):
        """The loop's arguments with the event buffers of ``plan`` after they grew.

        Nothing else changes while a chunk runs, so the other arguments (and the
        cells the loop writes) are kept rather than gathered and converted again.
        """
        values = list(self.args)
        for position, source in enumerate(self.arguments.sources):
            if source[0] == "events":
                values[position] = getattr(plan.records[source[1]][1], source[2])
        return tuple(values)

    def accepts(self, plan):
        """False when an attribute a step reads changed kind (number to array, dtype, ...)."""
        try:
            self._pending = (plan, self._gather(plan))
        except ValueKindError:
            return False
        return True

    def bind(self, plan, force=False):
        """Gather the loop's arguments from the objects (unless ``plan`` is bound already)."""
        if self._bound_plan is plan and not force:
            return
        if self._pending is not None and self._pending[0] is plan:
            self.args, self.cells = self._pending[1]
        else:
            self.args, self.cells = self._gather(plan)
        self._pending = None
        self._bound_plan = plan
        self.t0, self.dt = plan.t0, plan.dt
        self._nan[:] = -1
        self._nan_counts[...] = -1            # counted again when the run's first step starts
        if self._leave_region == "at_bind":   # a chunk failed in the region last run
            self._leave_region = None
            self.region_usable = False
            self._reload()

    def _compile(self, plan):
        """Compile (or load from the disk cache) by running zero steps."""
        self.bind(plan)
        # numba allocates some 10^5 objects while it compiles; the cyclic garbage collector's
        # passes over them cost about 0.2 s of the ch. 6 network's compilation
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.loop(0, 0, self.t0, self.dt, *self.args)
            if self.region is not None:         # zero steps on this thread alone
                start, thread = self.region
                start(0, 0, self.t0, self.dt, *self.args)
                thread(np.zeros(1, dtype=np.int64), 0, *self._region_shared(0, 0, 1, self.args))
        except numba.core.errors.NumbaError as exc:
            raise self._compile_error(exc) from None
        finally:
            if collecting:
                gc.enable()

    def _compile_error(self, exc):
        text = _ANSI.sub("", str(exc))
        summary = next((line.strip() for line in text.splitlines()
                        if line.strip() and not line.startswith("Failed in")), text.strip())
        for path, line in _FILE_LINE.findall(text):
            for rewritten in self.code.unique_steps():
                module_file = getattr(load_step(rewritten), "__module__", "")
                if module_file and module_file in path:
                    with open(path) as handle:
                        user_line = user_line_of(handle.read().splitlines(), int(line))
                    return StepCompileError(f"{rewritten.label} cannot be compiled for numba "
                                            f"({rewritten.filename}, line {user_line}): {summary}")
        return StepCompileError(f"The run loop of {self.nodes[0].describe()} and its network "
                                f"cannot be compiled for numba: {summary}")

    def run_chunk(self, i_start, i_end):
        """Call the compiled loop for steps ``i_start`` to ``i_end - 1``.

        The loop stops early, before a step, when a spike-event buffer might
        overflow; the buffers then grow and the loop resumes at that step. With
        parallel twins (``'numba-parallel'``) a chunk may start with a probe that
        decides whether they run with all threads (:mod:`.parallel_choice`).

        Raises
        ------
        SimulationError
            If an index check of a step failed (naming the object, variable, index and time).
        RerunChunk
            If a loop's index range was not proven before it ran (sizes that disagree,
            negative entries in an index array): the checked copies are then compiled,
            and the chunk must run again from its start. Also when the chunk stopped in
            the parallel region (an exception, a NaN or inf): it runs again in the run
            loop, serially, which names what happened.
        """
        # a chunk run again must draw what it drew the first time (steps that draw run serially)
        rerun = self.may_rerun_chunk
        random_state = _numba_random_state() if rerun else None
        outside = self._outside_state() if rerun else None
        self._region_ran = False
        # a chunk that stopped in the region runs again serially (its errors are named)
        self._serial_attempt, self._region_skip_once = self._region_skip_once, False
        try:
            i = i_start
            if self._threads_position is not None and not self._serial_attempt and \
                    self.parallel_choice.probe_due(i_end - i_start):
                i = self._probe(i, i_end)
            self._advance(i, i_end, self.parallel_choice.parallel)
        except RangeNotProven:
            _set_numba_random_state(random_state)
            self._put_back(outside)
            self._compile_checked_copies()
            raise RerunChunk(f"{self.nodes[0].describe()}: a loop's index range was not "
                             f"proven; its checked copy is compiled now") from None
        except _RegionFailed as failure:
            # the run loop runs the chunk again and names what happened (the region cannot:
            # a thread's exception is caught whole, and NaN reports come at the step's end)
            _set_numba_random_state(random_state)
            self._put_back(outside)
            self._region_skip_once = True
            if failure.permanent:
                self.region_usable = False
                if not self.checked_copies:       # reloads the run loop, calling the twins
                    self._compile_checked_copies()
                else:
                    self._leave_region = "warn"
            elif self._leave_region is None:
                # flags set but no new NaN in the run loop (a model that stores non-finite
                # values on purpose) would send every chunk back: then the twins
                self._leave_region = "quietly"
            raise RerunChunk(f"{self.nodes[0].describe()}: a chunk failed in the parallel "
                             f"region; it runs again in the run loop") from None
        except IndexError as exc:
            failure = self._index_failure(exc)
            if failure is None:
                raise
            raise failure from None
        except SystemError as exc:
            # An exception inside a parallel region (a ZeroDivisionError in an integrator)
            # reaches Python as a SystemError whose context is the exception.
            cause = exc.__cause__ or exc.__context__
            if cause is None:
                raise
            raise cause from None
        finally:
            if self._serial_attempt and sys.exc_info()[0] is not None:
                self._after_failed_rerun()
        if self._nan[0] >= 0:
            if self._serial_attempt:
                self._after_failed_rerun()
            raise self._nonfinite_failure()
        if self._serial_attempt and self._leave_region is not None:
            self._leave_region_for_twins()

    def _after_failed_rerun(self):
        """The serial attempt at a chunk that stopped in the region failed too: a real error."""
        if self._leave_region == "quietly":
            self._leave_region = None           # a real NaN: the region stays
        elif self._leave_region == "warn":
            self._leave_region = "at_bind"      # the twins from the next run on

    def _leave_region_for_twins(self):
        """A chunk that stopped in the region ran through in the run loop: use the twins."""
        if self._leave_region == "warn":
            warnings.warn(f"A chunk of {self.nodes[0].describe()} failed in the parallel "
                          f"region but not in the serial run loop; numba-parallel runs its "
                          f"steps' parallel twins from here (please report this).",
                          RuntimeWarning, stacklevel=2)
        self._leave_region = None
        self.region_usable = False
        self._reload()

    def _reload(self):
        """Generate, load and compile the run loop again for the bound run (its options changed).

        The numbers the loop wrote so far go back to their objects first: binding again
        reads them from there.
        """
        self.sync()
        plan = self._bound_plan
        self._load(plan, parallel=self._threads_position is not None)
        self._bound_plan = self._pending = None
        self._compile_or_serial(plan)

    def _probe(self, i, i_end):
        """Run the first steps of a chunk serially and in parallel, and choose the faster way.

        Returns
        -------
        int
            The next step to run.
        """
        started = time.perf_counter()
        i = self._advance(i, i + PROBE_STEPS, False)
        serial = time.perf_counter() - started
        if self.region is not None:
            if self._region_runs():
                return self._probe_region(i, i_end, serial)
            return i                            # the parallel path is this same loop
        started = time.perf_counter()
        i = self._advance(i, i + 1, True)       # wakes the threads
        waking = time.perf_counter() - started
        if waking > 2 * serial:                 # slower even with the wake-up discounted
            self.parallel_choice.record(waking, serial)
            return i
        started = time.perf_counter()
        i = self._advance(i, i + PROBE_STEPS, True)
        self.parallel_choice.record(time.perf_counter() - started, serial)
        return i

    def _probe_region(self, i, i_end, serial):
        """Time the chunk region against ``serial`` (the seconds of PROBE_STEPS serial steps).

        A region call has a fixed cost (starting its threads: ~0.1-0.5 ms), paid once per
        chunk: it is timed with zero steps and spread over the rest of the chunk, and the
        steps are timed over REGION_PROBE_STEPS.

        Returns
        -------
        int
            The next step to run.
        """
        started = time.perf_counter()
        self._advance(i, i, True)
        fixed = time.perf_counter() - started
        started = time.perf_counter()
        i = self._advance(i, i + REGION_PROBE_STEPS, True)
        per_step = max(time.perf_counter() - started - fixed, 0.0) / REGION_PROBE_STEPS
        estimate = PROBE_STEPS * (per_step + fixed / max(i_end - i, 1))
        self.parallel_choice.record(estimate, serial)
        return i

    def _outside_state(self):
        """Copies of what steps write outside the run's objects, for a chunk run again.

        The runner's snapshot covers the run's objects (``plan.nodes``); a step may also
        write a global array or an object that is not part of the run (the post group of a
        synapse run alone). Usually nothing, so the copy costs nothing.
        """
        saved = []
        for binding in self._outside_bindings:
            value = binding.read()
            if binding.kind == "array" and isinstance(value, np.ndarray):
                saved.append((binding, value, value.copy()))
            elif binding.kind == "cell":
                saved.append((binding, None, value))
        return saved

    @staticmethod
    def _put_back(saved):
        """Restore what :meth:`_outside_state` copied (arrays in place: the loop holds them)."""
        for binding, array, value in saved:
            if array is None:
                binding.write(value)
            else:
                array[...] = value

    def _advance(self, i_start, i_end, parallel):
        """Run steps ``i_start`` to ``i_end - 1`` (growing event buffers when the loop asks)."""
        parallel = parallel and not self._serial_attempt
        run = self._run_region if parallel and self._region_runs() else self.loop
        i = run(i_start, i_end, self.t0, self.dt, *self._arguments(parallel))
        while i < i_end:
            self.sync()             # numbers written so far go back to their objects
            grown = False
            for _, record in self._bound_plan.records:
                if isinstance(record, EventRecord) and not record.has_room():
                    record.grow()
                    grown = True
            if not grown:           # the loop stopped with room left: it would never advance
                raise RuntimeError(f"the compiled run loop stopped at step {i} of "
                                   f"[{i_start}, {i_end}) although every event record has room")
            self.args = self._with_new_event_buffers(self._bound_plan)
            i = run(i, i_end, self.t0, self.dt, *self._arguments(parallel))
        if self._threads_position is not None:
            self.parallel_choice.steps[parallel] += i_end - i_start
        return i_end

    def _run_region(self, i_start, i_end, t0, dt, *args):
        """The chunk region over steps ``i_start`` to ``i_end - 1``; the step it stopped at.

        Raises
        ------
        _RegionFailed
            If a thread raised or could not start (the region's threads all left), or a NaN
            or inf was stored.
        """
        self._region_ran = True
        start, thread = self.region
        if not start(i_start, i_end, self.t0, self.dt, *args):
            return i_start                          # an event buffer must grow first
        threads = max(1, args[self._threads_position])
        status = np.zeros(threads, dtype=np.int64)
        shared = self._region_shared(i_start, i_end, threads, args)
        barrier = shared[4]
        failures = []

        def work(k):
            try:
                thread(status, k, *shared)
            except BaseException as exc:    # (numba compiling in a thread) never leave thread 0 waiting
                failures.append(exc)
                barrier_abort(barrier)
        # thread 0 is this one: serial steps draw from its random state, as in the run loop
        workers = [threading.Thread(target=work, args=(k,), daemon=True)
                   for k in range(1, threads)]
        started = []
        try:
            for worker in workers:
                worker.start()
                started.append(worker)
            work(0)
        except BaseException as exc:          # a thread that cannot start, an interrupt
            barrier_abort(barrier)
            for worker in started:
                worker.join()
            if isinstance(exc, Exception):    # the started threads may have begun the chunk
                raise _RegionFailed(permanent=True) from exc
            raise
        for worker in started:
            worker.join()
        if failures:
            raise failures[0]
        if self._nan[0] >= 0 or (status == _NAN_STORED).any():
            raise _RegionFailed(permanent=False)
        i = int(status.min())
        if i < 0:
            raise _RegionFailed(permanent=True)
        return i

    def _region_shared(self, i_start, i_end, threads, args):
        """The region threads' arguments after their number: steps, barrier, flags, stop."""
        return (i_start, i_end, self.t0, self.dt, new_barrier(),
                np.zeros((2, threads, self.code.region_width), dtype=np.bool_),
                np.zeros(2, dtype=np.bool_)) + tuple(args)

    def _arguments(self, parallel):
        """The loop's arguments; unless ``parallel``, the parallel twins get one thread."""
        if self._threads_position is None or parallel:
            return self.args
        args = list(self.args)
        args[self._threads_position] = 1
        return tuple(args)

    def _nonfinite_failure(self):
        """The SimulationError of the first NaN/inf a compiled step stored in this run."""
        site, i, kind, item_index = (int(v) for v in self._nan)
        self._nan[:] = -1
        plan = self._bound_plan
        item = plan.items[item_index]
        owner, variable = item.node, self.code.steps[item_index].nan_sites[site]
        chain = variable.split(".")
        if chain[0] == "self" and len(chain) > 1:       # self.post.input: the post group's input
            for attr in chain[1:-1]:
                owner = getattr(owner, attr, owner)
            variable = chain[-1]
        return SimulationError(f"{owner.describe()}: {variable} became "
                               f"{'NaN' if kind == 1 else 'inf'} at t={plan.ts[i]:.6g} ms (step "
                               f"{i} of the run) in step {item.key!r}.")

    def _index_failure(self, exc):
        """The SimulationError of a failed ``_check_index`` (None for other IndexErrors)."""
        if len(exc.args) != 4 or not all(isinstance(a, int) for a in exc.args):
            return None
        site, index, size, i = exc.args
        item_index = int(self._where[0])
        rewritten = self.code.steps.get(item_index)
        plan = self._bound_plan
        if rewritten is None or not 0 <= site < len(rewritten.sites) or plan is None:
            return None
        variable, axis, line = rewritten.sites[site]
        item = plan.items[item_index]
        along = f" along axis {axis}" if axis else ""
        when = f"t={plan.ts[i]:.6g} ms (step {i} of the run)" if 0 <= i < len(plan.ts) else \
            f"step {i} of the run"
        return SimulationError(f"{item.node.describe()}: index {index} is out of range for "
                               f"{variable} ({size} elements{along}) at {when} in step "
                               f"{item.key!r} ({rewritten.filename}, line {line}); valid indices "
                               f"are {-size} to {size - 1}.")

    def sync(self):
        """Copy written numbers (cells) back to their objects."""
        for binding, cell in self.cells:
            binding.copy_back(cell)

    def finish(self):
        """Copy cells back once at the end of the run."""
        self.sync()
        self.cells = []

    def replayer(self, plan):
        """The Python executor of ``plan`` (loops as written), bound, to replay a chunk."""
        replay = InterpretedExecutor(plan, vectorize=False)
        replay.bind(plan)
        return replay

    def written_arrays(self):
        """Arrays a step or input writes, and small float/bool state.

        Arrays no step assigns to (connectivity, connection matrices) are left out
        of the per-chunk snapshot unless they are small, or handed whole to a local
        name or a user function (which could write them), which keeps snapshots cheap.
        The snapshot must be complete: a chunk may be run again from it (RerunChunk).
        """
        result = []
        for binding in self.registry.bindings.values():
            if binding.kind != "array" or isinstance(binding.owner, GlobalOwner):
                continue
            value = binding.owner.__dict__.get(binding.attr)
            if not isinstance(value, np.ndarray):
                continue
            if binding.written or binding.handed_out or \
                    (value.dtype.kind in "fb" and value.nbytes <= 2 ** 20):
                result.append((binding.owner, binding.attr))
        return result
