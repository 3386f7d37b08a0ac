"""``'numba-parallel'``: a whole chunk of time steps in ONE parallel region.

The run loop (:mod:`.loop`) calls each step in turn; a step with a parallel twin
(:mod:`.partition`) would open a region of its own, six per time step on the
ch. 6 network, each costing a microsecond or more and a wait for the slowest
thread. Here every thread of the region runs the whole chunk:

.. code-block:: python

    for _tid in prange(_threads):               # run_region: one region per chunk
        _chunk_guard(_tid, ...)                 # try: _chunk_thread(...) except: abort

    def _chunk_thread(_tid, _i0, _i1, ...):
        for _i in range(_i0, _i1):
            _split = E_update_thread(_tid, ...)  # its part of the neurons (split step)
            barrier                              # the monitor reads all of E.spike
            if _tid == 0:
                <E.monitor>                      # serial items: thread 0 alone
            ...
            if _tid == 0: _stop[_p] = <an event buffer may overflow next step>
            barrier                              # end of the time step
            if <a NaN flag of any thread>: thread 0 reports, barrier
            if _stop[_p]: return _i + 1

* **Split items** are the steps whose twin has
  :class:`~.partition.ChunkParts`: each thread runs its part (the indices it
  owns), or thread 0 the serial code when the twin's conditions fail.
* **Serial items** -- inputs, monitors, other steps, steps under ``@every`` --
  run on thread 0 (numba's OpenMP layer runs iteration 0 of a ``prange`` on the
  calling thread, so serial steps draw from the same random state as in the run
  loop; the guard aborts the region if it does not).
* **Barriers** (:mod:`~workbench.simulation.numba.spin_barrier`) go where an
  item may touch what another thread wrote: between two items of which one
  writes an array argument the other uses, unless both run on thread 0; one at
  the end of every time step. Between items that use disjoint arrays a barrier
  is placed only when the run's arrays overlap in memory (``_apart_all``, tested
  when a run binds its values, as two names could hold one array).
* **NaN watch**: a split item stores its threads' NaN flags (two buffers
  alternating by the step's parity, so a fast thread does not overwrite what a
  slow one reads); after the end barrier thread 0 runs the reports of the items
  whose flags are set. The executor runs a chunk that reported a NaN again with
  the run loop, which names the first one exactly.
* **Errors**: an exception in a thread (a failed index check, a division by
  zero, ``RangeNotProven``) is caught by the thread's guard, which aborts the
  barrier: every thread leaves, the region returns -1 and the executor runs the
  chunk again with the run loop, whose errors name the step.

The region is used only when every twin of the run has chunk parts (else the
run loop calls the twins as before).
"""

__all__ = ["RegionItem", "region_source"]

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
        For a split item; then also ``report`` (the line calling its report function
        with the flags of parity ``_p``), ``baseline`` (idem, for the baselines) and
        ``columns`` (its first and last flag column).
    """

    def __init__(self, index, comment, lines, reads, writes, split=None, report=None,
                 baseline=None, columns=None):
        self.index = index
        self.comment = comment
        self.lines = lines
        self.reads = set(reads)
        self.writes = set(writes)
        self.split = split
        self.report = report
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
    return kinds, bool(window)


def region_source(items, argument_names, room_checks, delay_lines):
    """The source of ``run_region`` and its thread functions.

    Parameters
    ----------
    items : list of RegionItem
    argument_names : list of str
        The run loop's arguments (``run_region`` takes the same).
    room_checks : list of str
        Conditions that are true when an event buffer may not hold the next step's events.
    delay_lines : list of str
        Code advancing the delays at the end of a time step (thread 0).

    Returns
    -------
    list of str
        The source.
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
    body += ["if _tid == 0:", f"    _stop[_p] = {room}"]
    body += ["# end of the time step"] + _BARRIER.split("\n")
    split = [item for item in items if item.split is not None]
    flags = " or ".join(f"_tf[_p, :, {item.columns[0] + item.split.first_report}:"
                        f"{item.columns[1]}].any()" for item in split) or "False"
    body += [f"if {flags}:", "    if _tid == 0:"]
    for item in split:
        body += [f"        {item.report}",
                 f"        if _nan[0] >= 0 and _nan[3] < 0:",
                 f"            _nan[3] = {item.index}"]
    body += ["    " + line for line in _BARRIER.split("\n")]
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
