"""One time step of a schedule as a function of the state: what the compiled tensor backends trace.

JAX (``jax.jit``) and TensorFlow (``tf.function``) compile functions of
tensors, not methods that change objects. :class:`FunctionalSchedule` turns a
run's schedule into ``one_step(state, ...) -> (new state, monitor values)``:

* the *state* is every numeric attribute of the nodes (arrays and floats), one
  dict per node; it is installed on the nodes while the step functions run and
  the nodes get their own values back afterwards, so traced values never leak
  into user objects;
* ``int``/``bool`` attributes, strings and the identity of other objects form
  the *static* signature: they stay Python values (usable in shapes and
  ``if``) and another value means another compiled function;
* index writes in steps were rewritten into rebinding
  (:mod:`~workbench.simulation.tensor.immutable`); the attributes the steps set
  are the new state;
* inputs and monitors run where the schedule puts them; a step with a
  ``@bp.every`` period runs every time and keeps its changes only where the
  period's flag (computed on the host) is true.

Subclasses supply the array operations of their backend (``asarray``,
``scalar``, ``flat_take``, ``select``, ``index_update``) and the compiler.
Compiled schedules are kept per host and trace structure (:func:`schedule_for`).
"""

import inspect
import numbers
import weakref

import numpy as np

from ...backend.tensors import tensor_backend_of
from ..codegen.names import node_variable_names
from .immutable import immutable_step

__all__ = ["FunctionalSchedule", "Untraceable", "schedule_for"]

#: Attributes the engine keeps on nodes (never state).
ENGINE_ATTRIBUTES = ("_name", "_auto_name", "_delays")

#: host -> {(schedule class, trace key): FunctionalSchedule}
_schedules = weakref.WeakKeyDictionary()


class Untraceable(Exception):
    """A step does something the backend's compiler cannot trace; run it eagerly instead."""


def _global_numbers(functions):
    """(name, value) of global numbers the functions read: constants of a compiled step."""
    found = []
    for function in functions:
        raw = inspect.unwrap(getattr(function, "__func__", function))
        code = getattr(raw, "__code__", None)
        if code is None:
            continue
        names = set(code.co_names)
        for const in code.co_consts:
            if inspect.iscode(const):
                names.update(const.co_names)
        for name in sorted(names):
            value = raw.__globals__.get(name)
            if isinstance(value, numbers.Number):
                found.append((name, value))
    return tuple(found)


def _trace_key(plan):
    """What the traced code of a plan depends on (besides argument shapes and static values)."""
    return (tuple(id(node) for node in plan.nodes),
            tuple(item.structure for item in plan.items),
            tuple(spec.structure for spec in plan.inputs),
            tuple((id(node), r.key, r.index is None) for node, r in plan.records))


def schedule_for(plan, schedule_class):
    """The compiled schedule of ``plan``'s host and structure, made on first use.

    Parameters
    ----------
    plan : RunPlan
    schedule_class : type
        A :class:`FunctionalSchedule` subclass.

    Returns
    -------
    FunctionalSchedule
        Shared by every executor of the same host and structure (the engine
        makes a new executor when, say, a monitored variable changed its dtype).
    """
    by_key = _schedules.setdefault(plan.host, {})
    key = (schedule_class, _trace_key(plan))
    schedule = by_key.get(key)
    if schedule is None:
        schedule = by_key[key] = schedule_class(plan)
    return schedule


class FunctionalSchedule:
    """A run's schedule as a function of the nodes' state (see the module docs).

    The executor using it sets :attr:`plan` before every call (only the plan's
    structure enters a trace; its values are arguments).

    Parameters
    ----------
    plan : RunPlan
    """

    #: The backend name (``tensor_backend_of`` of its arrays).
    backend = None

    def __init__(self, plan):
        self.plan = plan
        self.nodes = plan.nodes
        self.items = plan.items
        self.untraceable = None
        self.functions = []
        sources = []
        for item in plan.items:
            function = item.func
            if item.is_step:
                step = immutable_step(item.func, self.index_update, self.backend)
                if step is not None:
                    function = step.function
                    if inspect.ismethod(item.func):
                        function = function.__get__(item.func.__self__)
                    sources.append(step.source)
                if callable(item.every):
                    self.untraceable = (f"step {item.label!r} runs @bp.every with a function, "
                                        f"which is evaluated in Python at every step")
            self.functions.append(function)
        self.global_numbers = _global_numbers(
            [item.func for item in plan.items if item.is_step] +
            [value.derivative for node in plan.nodes for value in vars(node).values()
             if callable(getattr(value, "derivative", None))])
        names = node_variable_names(plan.nodes)
        self.schedule_text = ", ".join(f"{names[id(item.node)]}.{item.key}" for item in plan.items)
        self.step_sources = sources

    # -- the backend's array operations (subclasses) -----------------------------------------
    def asarray(self, value):
        """A backend array of ``value`` (a numpy array, number or backend array)."""
        raise NotImplementedError

    def scalar(self, value):
        """A float attribute as a float64 value the compiler takes as an argument."""
        raise NotImplementedError

    def flat_take(self, value, index):
        """``ravel(value)[index]``."""
        raise NotImplementedError

    def select(self, flag, new, old):
        """``new`` where ``flag`` else ``old`` (in ``new``'s dtype)."""
        raise NotImplementedError

    def index_update(self, array, index, value, op=None):
        """The backend's ``index_update`` (see :mod:`~workbench.simulation.tensor.immutable`)."""
        raise NotImplementedError

    def get_key(self):
        """The random state carried through a step (None when the backend keeps its own)."""
        return None

    def set_key(self, key):
        """Restore the random state carried through a step."""

    # -- state ------------------------------------------------------------------------------
    def gather(self):
        """The nodes' state: (arrays and floats by node, static signature, names of floats).

        Returns
        -------
        state : tuple of dict
        static : tuple
        floats : list of set
        """
        state, static, floats = [], [self.global_numbers], []
        for node in self.nodes:
            arrays, fixed, scalars = {}, [], set()
            for name, value in vars(node).items():
                if name in ENGINE_ATTRIBUTES or name.startswith("_wb"):
                    continue
                if isinstance(value, (bool, np.bool_, numbers.Integral)):
                    fixed.append((name, "number", value))
                elif isinstance(value, numbers.Real):
                    arrays[name] = self.scalar(value)
                    scalars.add(name)
                elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
                    arrays[name] = self.asarray(value)
                elif tensor_backend_of(value) == self.backend:
                    arrays[name] = value
                elif isinstance(value, (str, type(None))) or (isinstance(value, tuple) and all(
                        isinstance(v, (int, str)) for v in value)):
                    fixed.append((name, "value", value))
                else:
                    fixed.append((name, "object", id(value)))
            state.append(arrays)
            static.append(tuple(fixed))
            floats.append(scalars)
        return tuple(state), tuple(static), floats

    def write_back(self, state, floats):
        """Put a state into the nodes (floats that were Python floats become floats again).

        Parameters
        ----------
        state : tuple of dict
        floats : list of set
            From :meth:`gather`.
        """
        for node, arrays, scalars in zip(self.nodes, state, floats):
            for name, value in arrays.items():
                node.__dict__[name] = float(value) if name in scalars and np.ndim(value) == 0 \
                    else value

    def _install(self, state):
        saved = [dict(node.__dict__) for node in self.nodes]
        for node, arrays in zip(self.nodes, state):
            node.__dict__.update(arrays)
        return saved

    def _collect(self, state, saved):
        """The new state after the steps ran (every backend value the nodes hold)."""
        result = []
        for node, arrays, before in zip(self.nodes, state, saved):
            new = {}
            for name, value in node.__dict__.items():
                if name in arrays:
                    new[name] = value if tensor_backend_of(value) else self.asarray(value)
                elif tensor_backend_of(value) == self.backend:
                    new[name] = value
                elif name in before and (value is not before[name]) and \
                        isinstance(before[name], (bool, np.bool_, numbers.Integral)):
                    raise Untraceable(f"a step changes {node.describe()}.{name}, an int or bool "
                                      f"attribute, which the compiled step holds constant; make "
                                      f"it a float or an array")
            result.append(new)
        return tuple(result)

    def _restore(self, saved):
        for node, before in zip(self.nodes, saved):
            node.__dict__.clear()
            node.__dict__.update(before)

    # -- one time step ----------------------------------------------------------------------
    def one_step(self, state, key, i, t0, dt, inputs, flags, series_rows, indices):
        """Run the schedule once on ``state``; return (new state, new key, monitor values).

        Parameters
        ----------
        state : tuple of dict
        key : object
            The carried random state (see :meth:`get_key`).
        i : int or array
            The step index within the run.
        t0, dt : float or array
        inputs : tuple
            Input values (None for series inputs, whose rows are ``series_rows``).
        flags : sequence
            For each step with a ``@bp.every`` period, whether it runs now.
        series_rows : sequence
            This step's row of each series input.
        indices : tuple
            Monitor indices (None for whole variables).

        Returns
        -------
        tuple
        """
        plan = self.plan
        saved = self._install(state)
        saved_key = self.get_key()
        self.set_key(key)
        try:
            values = {"_t": t0 + i * dt, "_i": i, "_dt": dt}
            records = []
            every = iter(flags)
            series = iter(series_rows)
            for item, function in zip(self.items, self.functions):
                node = item.node
                if item.key == "input":
                    for k, spec in enumerate(plan.inputs):
                        if spec.node is node:
                            value = next(series) if spec.kind == "series" else inputs[k]
                            op = None if spec.op == "=" else spec.op
                            target = node.__dict__[spec.attr]
                            node.__dict__[spec.attr] = self.index_update(target, ..., value, op)
                elif item.key == "monitor":
                    for k, (owner, record) in enumerate(plan.records):
                        if owner is node:
                            value = self.asarray(getattr(node, record.key))
                            if record.index is not None:
                                value = self.flat_take(value, indices[k])
                            records.append(value)
                elif item.every is None:
                    function(*[values[a] for a in item.args])
                else:
                    self._run_sometimes(node, function, item, values, next(every))
            new_state = self._collect(state, saved)
            new_key = self.get_key()
        finally:
            self._restore(saved)
            self.set_key(saved_key)
        return new_state, new_key, tuple(records)

    def _run_sometimes(self, node, function, item, values, flag):
        """A step with a period: run it, keep its changes only where ``flag`` is true."""
        before = dict(node.__dict__)
        key_before = self.get_key()
        function(*[values[a] for a in item.args])
        for name, value in list(node.__dict__.items()):
            old = before.get(name)
            if value is not old and tensor_backend_of(value) == self.backend and old is not None:
                node.__dict__[name] = self.select(flag, value, old)
        if key_before is not None:
            self.set_key(self.select(flag, self.get_key(), key_before))
