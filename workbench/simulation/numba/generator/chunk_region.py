"""``'numba-parallel'``: a whole chunk of time steps in ONE region of threads.

The run loop (:mod:`.loop`) calls each step in turn; a step with a parallel twin
(:mod:`.partition`) would open a ``prange`` region of its own, six per time step
on the ch. 6 network, each costing a microsecond or more and a wait for the
slowest thread. Here the executor starts its threads once per chunk
(``CompiledExecutor._run_region``: Python threads, each calling the ``nogil``
function ``run_region_thread``; thread 0 is the calling thread), and each runs
the whole chunk:

.. code-block:: python

    def _chunk_thread(_tid, _i0, _i1, ...):
        for _i in range(_i0, _i1):
            E_update_thread(_tid, ...)           # its part of the neurons (split step)
            barrier                              # the monitor reads all of E.spike
            if _tid == 0:
                <E.monitor>                      # serial items: thread 0 alone
            ...
            if _tid == 0: _stop[_p] = <an event buffer may overflow next step, or a NaN>
            barrier                              # end of the time step
            if <a NaN flag of any thread>: return -3
            if _stop[_p]: return _i + 1

* **Split items** are the steps whose twin has
  :class:`~.partition.ChunkParts` (and no ``@every``): each thread runs its part
  (the indices it owns), or thread 0 the serial step when the twin's conditions fail.
* **Serial items** -- inputs, monitors, other steps, steps under ``@every`` --
  run on thread 0, the caller's thread, so serial steps draw from the same random
  state as in the run loop.
* **Barriers** (:mod:`~workbench.simulation.numba.spin_barrier`) go where an
  item may touch what another thread wrote: between two items of which one
  writes an array argument the other uses, unless both run on thread 0; one at
  the end of every time step. Between items that use disjoint arrays a barrier
  is placed only when the run's arrays overlap in memory (``_apart_all``, tested
  when a run binds its values, as two names could hold one array).
* **NaN watch**: a split item stores its threads' NaN flags (two buffers
  alternating by the step's parity, so a fast thread does not overwrite what a
  slow one reads); after the end barrier every thread reads them, and when one is
  set all return -3; a serial step that recorded a NaN stops the region at the
  step's end. The executor then runs the chunk again in the run loop, which names
  the first NaN exactly (also one stored and overwritten later in the same step).
* **Errors**: an exception in a thread (a failed index check, a division by
  zero, ``RangeNotProven``) is caught by ``run_region_thread``, which aborts the
  barrier: every thread leaves with status -1, and the executor runs the chunk
  again in the run loop, whose errors name the step.

:data:`ENABLED` and :func:`region_wanted` say when a run uses it.
"""

__all__ = ["RegionItem", "region_source", "region_wanted", "ENABLED"]

#: Build the chunk region when a run qualifies (tests switch it off to run the per-step
#: parallel twins; the flag changes the generated source, so the disk cache keeps both).
ENABLED = True


def region_wanted(twins_by_item):
    """Whether a run gets the chunk region.

    Parameters
    ----------
    twins_by_item : list of (PartitionedStep, bool)
        Each step's twin and whether it runs every step (no ``@every``).

    Returns
    -------
    bool
        True when every twin has chunk parts and at least one would be split.
    """
    return ENABLED and bool(twins_by_item) and \
        all(twin.chunk is not None for twin, _ in twins_by_item) and \
        any(every_step for _, every_step in twins_by_item)

_BARRIER = "if not _barrier_wait(_barrier, _threads):\n    return -1"


class RegionItem:
    """One schedule item as the chunk region runs it.

    Parameters
    ----------
    index : int
        Its schedule index.
    comment : str
    lines : list of str
        Serial items: the code thread 0 runs. Split items: the call of the thread
        function (all threads), ending in the flag columns ``_tf[_p, :, a:b]``.
    reads, writes : set of str
        Array arguments of the loop it reads and writes.
    split : ChunkParts or None
        For a split item; then also ``baseline`` (the line calling its baseline
        function) and ``columns`` (its first and last flag column).
    """

    def __init__(self, index, comment, lines, reads, writes, split=None, baseline=None,
                 columns=None):
        self.index = index
        self.comment = comment
        self.lines = lines
        self.reads = set(reads)
        self.writes = set(writes)
        self.split = split
        self.baseline = baseline
        self.columns = columns

    def conflicts(self, other):
        """Whether one of the two writes an array the other uses."""
        return bool(self.writes & (other.reads | other.writes) or other.writes & self.reads)


def _barriers(items):
    """For each item, the barrier before it: ``'always'``, ``'overlap'`` or None.

    ``'overlap'``: needed only when the run's arrays overlap in memory.
    """
    kinds, window = [], []
    for item in items:
        kind = None
        if item.split is None and not item.lines:         # an input or monitor of nothing
            kinds.append(None)
            continue
        others = [w for w in window if w.split is not None or item.split is not None]
        if any(item.conflicts(w) for w in others):
            kind = "always"
        elif others:
            kind = "overlap"
        if kind == "always":
            window = []
        kinds.append(kind)
        window.append(item)
    return kinds, any(w.split is not None for w in window)


def region_source(items, argument_names, room_checks, delay_lines):
    """The source of the chunk region's functions.

    Parameters
    ----------
    items : list of RegionItem
    argument_names : list of str
        The run loop's arguments (the region's functions take the same).
    room_checks : list of str
        Conditions that are true when an event buffer may not hold the next step's events.
    delay_lines : list of str
        Code advancing the delays at the end of a time step (thread 0).

    Returns
    -------
    list of str
        The source of ``run_region_thread`` (a thread's whole chunk: returns the step it
        stopped at, -1 when a thread failed, -3 after a NaN flag) and ``run_region_start``
        (False when the first step's events may not fit; takes the NaN baselines).
    int
        Flag columns of each thread (``_tf`` is ``(2, threads, columns)`` bool).
    """
    arguments = ", ".join(argument_names)
    width = max([item.columns[1] for item in items if item.split is not None] + [1])
    room = " or ".join(f"({check})" for check in room_checks) or "False"
    body = []
    kinds, open_window = _barriers(items)
    for item, kind in zip(items, kinds):
        if kind == "always":
            body += _BARRIER.split("\n")
        elif kind == "overlap":
            body += ["if not _apart_all:"] + ["    " + line for line in _BARRIER.split("\n")]
        body.append(f"# {item.comment}")
        if item.split is not None:
            body += item.lines
        elif item.lines:
            body += ["if _tid == 0:"] + ["    " + line for line in item.lines]
    if delay_lines:
        if open_window:
            body += _BARRIER.split("\n")
        body += ["if _tid == 0:"] + ["    " + line for line in delay_lines]
    # a NaN a serial step recorded stops the region too (the run loop then names it)
    stop = room + (" or _nan[0] >= 0" if "_nan" in argument_names else "")
    body += ["if _tid == 0:", f"    _stop[_p] = {stop}"]
    body += ["# end of the time step"] + _BARRIER.split("\n")
    split = [item for item in items if item.split is not None]
    flags = " or ".join(f"_tf[_p, :, {item.columns[0] + item.split.first_nan_flag}:"
                        f"{item.columns[1]}].any()" for item in split
                        if item.split.first_nan_flag < item.split.width)
    if flags:                # read after the barrier: the same on every thread
        body += [f"if {flags}:", "    return -3  # a NaN or inf was stored"]
    body += ["if _stop[_p]:", "    return _i + 1"]

    # the thread takes the arguments as one tuple: Python 3.11 passes more than 30 through
    # a list, which numba cannot compile
    common = "_tid, _i0, _i1, _t0, _dt, _barrier, _tf, _stop"
    unpack = f"    {arguments}, = _args"
    thread = ["# The work of one thread of the chunk region (generator/chunk_region.py).",
              "@jit(nogil=True, error_model='python')",
              f"def _chunk_thread({common}, _args):",
              unpack,
              "    for _i in range(_i0, _i1):",
              "        _t = _t0 + _i * _dt",
              "        _p = _i & 1"]
    thread += ["        " + line for line in body]
    thread += ["    return _i1"]
    guard = ["# What each thread runs (CompiledExecutor._run_region starts them).",
             "@jit(nogil=True, error_model='python')",
             f"def run_region_thread(_status, {common}, *_args):",
             "    try:",
             f"        _status[_tid] = _chunk_thread({common}, _args)",
             "    except Exception:",
             "        _status[_tid] = -1",
             "        _barrier_abort(_barrier)"]
    start = ["# Before the threads start: room for the first step's events, the NaN baselines.",
             "@jit",
             "def run_region_start(_i0, _i1, _t0, _dt, *_args):",
             unpack,
             "    if _i0 >= _i1:",
             "        return True",
             f"    if {room}:",
             "        return False"]
    start += [f"    {item.baseline}" for item in split]
    start += ["    return True"]
    return thread + ["", ""] + guard + ["", ""] + start, width
