"""The contract between the runner and the execution targets: :class:`Executor`.

The runner (:mod:`workbench.simulation.runner`) plans a run
(:class:`~workbench.simulation.plan.RunPlan`), asks its executor table for an
executor of the active backend, and advances the run chunk by chunk. Every
executor -- interpreted (numpy), compiled (numba), eager tensors (PyTorch,
TensorFlow), traced blocks (JAX) -- derives from :class:`Executor`.
"""

import abc

from ..errors import ModelError

__all__ = ["Executor", "RerunChunk", "StepCompileError", "StepCompileWarning"]


class StepCompileError(ModelError):
    """A step uses something an executor's target cannot compile.

    Raised by an executor's constructor; the runner then warns with
    :class:`StepCompileWarning` and tries the next executor of the backend.
    """


class StepCompileWarning(UserWarning):
    """A step function could not be compiled; the run falls back to a slower executor."""


class RerunChunk(Exception):
    """Raised by :meth:`Executor.run_chunk`: run the chunk again from the state it started in.

    The executor has already changed how it runs -- the compiled executor compiled the
    checked copies of loops whose index range it could not prove
    (``numba/generator/index_checks.py``), or leaves its parallel region for the run
    loop (``numba/generator/chunk_region.py``) -- so another attempt gets further. The
    runner restores the chunk's snapshot, rewinds the monitors to the chunk's start,
    binds the run again and repeats the chunk (at most ``runner.MAX_ATTEMPTS`` times in
    all). Only executors whose :attr:`Executor.may_rerun_chunk` is True raise it.
    """


class Executor(abc.ABC):
    """Base class of the executors: runs one planned schedule on one target.

    The runner creates an executor for a plan, keeps it on the host (the object or
    network being run) and reuses it for later runs of the same structure: that is
    the repeat mode, in which nothing compiles. For every run it calls, in order::

        executor.accepts(plan)           # only for a cached executor: still usable?
        executor.bind(plan)              # attach the run's values
        for each chunk [i_start, i_end):
            executor.written_arrays()    # what to snapshot before the chunk (once per run
                                         # when touches_python_state is False)
            executor.run_chunk(i_start, i_end)
            executor.sync()              # make the objects' attributes current
        executor.finish()                # always, also after a failure

    ``run_chunk`` may raise :class:`RerunChunk` while :attr:`may_rerun_chunk` is True;
    when the runner has no snapshot to restore it calls :meth:`avoid_reruns` first.
    To locate a failure, it calls ``executor.item_of_frame(code)`` on the traceback and
    ``executor.replayer(plan)`` to re-run the failing chunk one schedule item at a
    time (:meth:`run_item`, :meth:`end_step`).

    A subclass must implement :meth:`bind` and :meth:`run_chunk`, and set
    :attr:`source`. The other methods have defaults that fit an executor which
    changes the objects' attributes directly and can run single items.

    Parameters
    ----------
    plan : RunPlan
        The run to execute. The constructor may prepare (compile) code for the
        plan's *structure* (:meth:`RunPlan.structure_key`); it must not depend on
        the plan's values (parameters, state, input values, times), which
        :meth:`bind` attaches. A constructor that cannot handle the plan's steps
        raises :class:`StepCompileError` naming the step and line; one that
        refuses the model for good raises :class:`~workbench.errors.ModelError`.

    Attributes
    ----------
    key : tuple
        The plan's structure key: the runner reuses the executor only for plans
        with the same key.
    source : str
        The generated code, printed by ``show_code=True``.
    description : str
        Class attribute naming the executor in messages, e.g. ``"Python
        (numpy-backend) executor"``.
    """

    description = "executor"

    def __init__(self, plan):
        self.key = plan.structure_key()
        self.source = ""

    def accepts(self, plan):
        """Whether this executor can run ``plan``, whose structure key equals :attr:`key`.

        Called before reusing a cached executor. An executor whose code depends on
        more than the structure key (e.g. the kinds and dtypes of the attributes a
        compiled step reads) returns False when that changed, and the runner makes a
        new one.

        Parameters
        ----------
        plan : RunPlan

        Returns
        -------
        bool
        """
        return True

    @abc.abstractmethod
    def bind(self, plan, force=False):
        """Attach the values of a run: state, parameters, inputs, monitor storage, times.

        Must compile nothing. Called once per run before the first chunk, and again
        before ``build()``'s every call of ``run_steps``.

        Parameters
        ----------
        plan : RunPlan
        force : bool, optional
            Read the objects' attributes again even if ``plan`` is already bound
            (they may have been replaced between calls).
        """

    @abc.abstractmethod
    def run_chunk(self, i_start, i_end):
        """Advance the bound run over its steps ``i_start`` to ``i_end - 1``.

        Step ``i`` runs at ``_t = plan.t0 + i * plan.dt``: inputs, steps (honouring
        ``@bp.every``), monitors in schedule order, then the delays advance. The
        monitor rows of those steps are written; an exception of a step propagates.

        Parameters
        ----------
        i_start, i_end : int
            ``0 <= i_start <= i_end <= plan.n_steps``.
        """

    def sync(self):
        """Make the objects' attributes current after a chunk (e.g. copy numbers back).

        The runner calls it after every chunk, before checking the state for NaN/inf.
        Default: nothing (the steps changed the objects directly).
        """

    def finish(self):
        """End a run: write back whatever :meth:`sync` would and release run data.

        Called once after the last chunk, and also when a chunk failed. Default:
        nothing.
        """

    #: True when the executor itself reports a NaN/inf the moment a step stores it
    #: (compiled steps, ``numba/generator/nan_watch.py``); otherwise the runner checks the
    #: state after every step, so a value overwritten within a chunk is still seen.
    watches_stores = False

    #: False when a chunk can neither replace the objects' attributes nor draw from
    #: numpy's global random generator (compiled steps write arrays in place, :meth:`sync`
    #: writes numbers back under their names, and numba draws from its own generator):
    #: the runner then finds the arrays to check and snapshot, and numpy's random state,
    #: once per run instead of before every chunk.
    touches_python_state = True

    #: True while :meth:`run_chunk` may raise :class:`RerunChunk`; the runner then keeps a
    #: snapshot of every chunk (also for ``build()``'s ``run_steps``).
    may_rerun_chunk = False

    def avoid_reruns(self):
        """Prepare so that :meth:`run_chunk` never raises :class:`RerunChunk`.

        Called when the state is too large to snapshot. Default: nothing.
        """

    def written_arrays(self):
        """The arrays a chunk may change, snapshot before it to replay a failure.

        Returns
        -------
        list of (object, str) or None
            ``(owner, attribute name)`` pairs, or None for "unknown: snapshot every
            array" (the default).
        """
        return None

    # -- locating failures ------------------------------------------------------------------
    def item_of_frame(self, code):
        """The schedule index whose generated function has the code object ``code``.

        Lets the runner name the step of an exception from its traceback without a
        replay. Default: None (not known).

        Parameters
        ----------
        code : types.CodeType

        Returns
        -------
        int or None
        """
        return None

    def replayer(self, plan):
        """An executor, bound to ``plan``, that runs it one schedule item at a time.

        The runner restores the snapshot of a failing chunk and calls
        :meth:`run_item` and :meth:`end_step` of the replayer to find the step and
        time of the failure. Default: this executor, which must then implement
        :meth:`run_item` and :meth:`end_step`.

        Parameters
        ----------
        plan : RunPlan
            The plan bound to this executor.

        Returns
        -------
        Executor
        """
        return self

    def run_item(self, index, i):
        """Run the schedule item at position ``index`` for step ``i`` only.

        Parameters
        ----------
        index : int
            Position in ``plan.items``.
        i : int
            Step index within the run.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot run single schedule items; "
                                  f"its replayer() must return an executor that can.")

    def end_step(self):
        """Finish step ``i`` of a replay after its last item (advance the delays)."""
        raise NotImplementedError(f"{type(self).__name__} cannot run single schedule items; "
                                  f"its replayer() must return an executor that can.")
