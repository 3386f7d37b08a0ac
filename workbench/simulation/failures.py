"""Detect diverging state (NaN/inf) between chunks, and snapshot state to replay a chunk.

The check runs after every chunk of a run. It looks at every floating-point
array attribute of the run's objects (and their delay buffers) and at the
monitor rows written in the chunk. Only *new* non-finite values count: a
model may legitimately start with ``-inf`` (e.g. "never spiked").

To name the exact time and step of a failure, the runner restores the
snapshot taken at the start of the chunk and replays the chunk in Python, one
schedule item at a time (see ``runner._locate``).
"""

import math
import numbers
import random

import numpy as np

from ..backend.tensors import copy_tensor, is_tensor, nbytes, numpy_dtype, restore_tensor, to_numpy
from .nodes.records import DenseRecord

__all__ = ["StateWatch", "Divergence"]

#: Snapshots (to replay a failing chunk) are taken only below this state size.
SNAPSHOT_LIMIT_BYTES = 256 * 2 ** 20


#: Numbers a snapshot keeps by value: bools too, since compiled steps write bool numbers
#: (cells) and a chunk run again (RerunChunk) must start from their old value.
_NUMBERS = (numbers.Number, np.bool_)

#: Attribute types that are never tensors (this check runs twice per chunk of every run).
_PLAIN_TYPES = frozenset({int, float, bool, str, type(None), dict, list, tuple, set})


class Divergence:
    """A variable that became NaN or inf.

    Attributes
    ----------
    node : DynamicalSystem
    name : str
        The attribute (or ``'<delay> (delay buffer)'``).
    kind : str
        ``'NaN'`` or ``'inf'``.
    time : float or None
        The exact time when known.
    """

    def __init__(self, node, name, kind, time=None):
        self.node = node
        self.name = name
        self.kind = kind
        self.time = time


def _non_finite(arr):
    """(number of NaNs, number of infs) of a float array, fast when there are none."""
    # math.isfinite: a third of numpy's ufunc call on a scalar (float128 sums beyond
    # float's range only take the exact count below)
    if not arr.size or math.isfinite(arr.sum()):
        return 0, 0
    nan = int(np.count_nonzero(np.isnan(arr)))
    return nan, int(np.count_nonzero(np.isinf(arr)))


def _random_states():
    """numpy's and Python's global generator states: Python steps (the numpy backend, a
    replay, ``NUMBA_DISABLE_JIT=1``) draw from both."""
    return np.random.get_state(), random.getstate()


def _set_random_states(states):
    np.random.set_state(states[0])
    random.setstate(states[1])


class StateWatch:
    """Watches the floating-point state of a run's objects.

    Parameters
    ----------
    nodes : list of DynamicalSystem
        The objects of the run.
    records : list of (DynamicalSystem, MonitorRecord)
        The monitor records of the run.
    fixed : bool, optional
        The executor neither replaces the objects' attributes during the run nor draws
        from numpy's global random generator
        (:attr:`~workbench.simulation.executor.Executor.touches_python_state`). The
        arrays are then looked up once, numpy's random state is taken once, and
        snapshots copy into buffers kept from one chunk to the next: with 10 chunks per
        run this bookkeeping was 2.6 ms of a 64 ms run of the 4,000-cell COBA network,
        and 75% of a 10 ms run.
    callbacks : bool, optional
        User code (a ``progress`` callback) runs between chunks and may draw from numpy's
        generator: with ``fixed``, numpy's random state is then still taken before every
        chunk, so that a failed run leaves the generator as it was when the failing
        chunk started.
    """

    def __init__(self, nodes, records, fixed=False, callbacks=False):
        self.nodes = nodes
        self.records = records
        self._random_per_chunk = callbacks
        # the attributes found once, when the executor cannot replace them during the run
        self._fixed = list(self._find_float_arrays()) if fixed else None
        self._dense_float = [(node, record) for node, record in records
                             if isinstance(record, DenseRecord) and record.data.dtype.kind == "f"]
        self._snapshot_plan = None
        self._base = self._counts()

    def _float_arrays(self):
        if self._fixed is not None:
            return iter(self._fixed)
        return self._find_float_arrays()

    def _find_float_arrays(self):
        for node in self.nodes:
            for name, value in vars(node).items():
                if name.startswith("_"):
                    continue
                if isinstance(value, np.ndarray):
                    if value.dtype.kind == "f":
                        yield node, name, value
                elif type(value) in _PLAIN_TYPES:
                    continue          # most attributes: skips is_tensor's abstract-class tests
                elif is_tensor(value) and numpy_dtype(value).kind == "f":
                    yield node, name, to_numpy(value)     # state of the tensor backends
            for name, delay in node.__dict__.get("_delays", {}).items():
                yield node, f"{name} (delay buffer)", delay.data

    def _counts(self):
        return {(id(node), name): _non_finite(arr) for node, name, arr in self._float_arrays()}

    def check(self, row_ranges, ts):
        """Look for new non-finite values after a chunk.

        Parameters
        ----------
        row_ranges : callable
            ``row_ranges(record)`` gives the ``slice`` of rows the chunk wrote.
        ts : numpy.ndarray
            Times of the run's steps.

        Returns
        -------
        Divergence or None
        """
        for node, record in self._dense_float:
            rows = record.data[row_ranges(record)]
            if rows.size and not np.isfinite(rows.sum()):
                bad = np.isnan(rows.reshape(len(rows), -1)).any(axis=1)
                if bad.any():
                    first = row_ranges(record).start + int(np.argmax(bad))
                    return Divergence(node, record.key, "NaN", float(ts[first * record.period_steps]))
        counts, base = {}, self._base
        for node, name, arr in self._float_arrays():
            key = (id(node), name)
            new = counts[key] = _non_finite(arr)
            old = base.get(key, (0, 0))
            if new[0] > old[0] or new[1] > old[1]:
                return Divergence(node, name, "NaN" if new[0] > old[0] else "inf")
        self._base = counts
        return None

    def step_check(self):
        """A quick check to call after every step: ``check() -> Divergence or None``.

        Executors that do not watch their stores (the interpreted ones) are checked
        after every step, so a NaN that appears and is overwritten within a chunk is
        still seen (unless it is overwritten within the same step). Arrays that were
        all finite when the chunk started cost one sum each; the others are counted.

        Returns
        -------
        callable
        """
        finite, counted = [], []
        for node, name, _ in self._float_arrays():
            key = (id(node), name)
            (finite if self._base.get(key, (0, 0)) == (0, 0) else counted).append((node, name))

        def current(node, name):
            if name.endswith(" (delay buffer)"):
                return node.__dict__["_delays"][name[:-len(" (delay buffer)")]].data
            value = node.__dict__.get(name)
            return to_numpy(value) if is_tensor(value) else value

        def check():
            for node, name in finite:
                arr = current(node, name)
                if isinstance(arr, np.ndarray) and arr.size and not np.isfinite(arr.sum()):
                    nan, inf = _non_finite(arr)
                    if nan or inf:
                        return Divergence(node, name, "NaN" if nan else "inf")
            for node, name in counted:
                arr = current(node, name)
                old = self._base.get((id(node), name), (0, 0))
                if isinstance(arr, np.ndarray):
                    new = _non_finite(arr)
                    if new[0] > old[0] or new[1] > old[1]:
                        return Divergence(node, name, "NaN" if new[0] > old[0] else "inf")
            return None
        return check

    def is_new_divergence(self):
        """Quick re-check used while replaying a chunk step by step.

        Returns
        -------
        Divergence or None
        """
        counts = self._counts()
        for node, name, arr in self._float_arrays():
            old = self._base.get((id(node), name), (0, 0))
            new = counts[(id(node), name)]
            if new[0] > old[0] or new[1] > old[1]:
                return Divergence(node, name, "NaN" if new[0] > old[0] else "inf")
        return None

    # -- snapshots -------------------------------------------------------------------------
    def snapshot(self, written=None):
        """Copy the state a chunk may change (None if it is too large to copy).

        Parameters
        ----------
        written : list of (DynamicalSystem, str), optional
            The array attributes the steps and inputs can change; all arrays of
            every object when None.

        Returns
        -------
        dict or None
        """
        if self._fixed is not None:
            return self._snapshot_into_buffers(written)
        chosen = self._snapshot_choice(written)
        if chosen is None:
            return None
        arrays = {}
        for node, name in chosen:
            value = node.__dict__[name]
            copy = value.copy() if isinstance(value, np.ndarray) else copy_tensor(value)
            arrays.setdefault(id(node), (node, {}))[1][name] = copy
        snap = {"random": _random_states(), "base": dict(self._base), "nodes": []}
        for node in self.nodes:
            values = dict(arrays.get(id(node), (node, {}))[1])
            for name, value in vars(node).items():
                if isinstance(value, _NUMBERS):
                    values[name] = value
            delays = {name: (d.data.copy(), d.head.copy())
                      for name, d in node.__dict__.get("_delays", {}).items()}
            snap["nodes"].append((node, values, delays))
        return snap

    def _snapshot_choice(self, written):
        """The (object, attribute) pairs to copy, or None when they exceed the size limit."""
        if written is None:
            chosen = [(node, name) for node in self.nodes for name, value in vars(node).items()
                      if isinstance(value, np.ndarray) or is_tensor(value)]
        else:
            chosen = [(node, name) for node, name in written
                      if isinstance(node.__dict__.get(name), np.ndarray)
                      or is_tensor(node.__dict__.get(name))]
        size = sum(nbytes(node.__dict__[name]) for node, name in chosen)
        size += sum(d.data.nbytes for node in self.nodes
                    for d in node.__dict__.get("_delays", {}).values())
        return None if size > SNAPSHOT_LIMIT_BYTES else chosen

    def _snapshot_into_buffers(self, written):
        """:meth:`snapshot` for fixed attributes: what to copy is found once per run.

        Only the latest snapshot is ever restored (a failing chunk ends the run), so
        each chunk's copy overwrites the buffers of the one before.
        """
        if self._snapshot_plan is None or self._snapshot_plan[0] is not written:
            self._snapshot_plan = (written, self._plan_snapshot(written), _random_states())
        _, plan, random_state = self._snapshot_plan
        if plan is None:
            return None
        if self._random_per_chunk:
            random_state = _random_states()
        snap = {"random": random_state, "base": dict(self._base), "nodes": []}
        for node, arrays, tensors, number_names, delays in plan:
            values = {}
            for name, value, buffer in arrays:
                np.copyto(buffer, value)
                values[name] = buffer
            for name, value in tensors:
                values[name] = copy_tensor(value)
            attributes = node.__dict__
            for name in number_names:
                values[name] = attributes[name]
            for name, delay, data, head in delays:
                np.copyto(data, delay.data)
                np.copyto(head, delay.head)
            snap["nodes"].append((node, values, {name: (data, head)
                                                 for name, _, data, head in delays}))
        return snap

    def _plan_snapshot(self, written):
        chosen = self._snapshot_choice(written)
        if chosen is None:
            return None
        per_node = {id(node): ([], [], [], []) for node in self.nodes}
        for node, name in chosen:
            value = node.__dict__[name]
            arrays, tensors = per_node.setdefault(id(node), ([], [], [], []))[:2]
            if isinstance(value, np.ndarray):
                arrays.append((name, value, np.empty_like(value)))
            else:
                tensors.append((name, value))
        plan = []
        for node in self.nodes:
            arrays, tensors, number_names, delays = per_node[id(node)]
            number_names += [name for name, value in vars(node).items()
                             if isinstance(value, _NUMBERS)]
            delays += [(name, d, np.empty_like(d.data), np.empty_like(d.head))
                       for name, d in node.__dict__.get("_delays", {}).items()]
            plan.append((node, arrays, tensors, number_names, delays))
        return plan

    def restore(self, snap):
        """Put a snapshot back (arrays are restored in place where possible).

        Parameters
        ----------
        snap : dict
            From :meth:`snapshot`.
        """
        _set_random_states(snap["random"])
        self._base = dict(snap["base"])
        # a replay in Python follows, whose steps may replace attributes (``self.V = ...``
        # binds a new array there), as may the loop below: look them up again from now on
        self._fixed = None
        for node, values, delays in snap["nodes"]:
            for name, value in values.items():
                current = node.__dict__.get(name)
                if isinstance(value, np.ndarray) and isinstance(current, np.ndarray) \
                        and current.shape == value.shape and current.dtype == value.dtype:
                    current[...] = value
                elif is_tensor(value):
                    node.__dict__[name] = restore_tensor(current, value)
                else:
                    node.__dict__[name] = value.copy() if isinstance(value, np.ndarray) else value
            for name, (data, head) in delays.items():
                delay = node._delays[name]
                delay.data[...] = data
                delay.head[...] = head
