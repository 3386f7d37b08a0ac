"""Resolve a schedule (``'E.update'`` strings) into the items of one time step."""

import inspect
import weakref

from ..errors import ModelError, choices
from .nodes.base import BUILTIN_ITEMS, DynamicalSystem, STEP_ARGUMENTS
from .nodes.every import get_every

__all__ = ["ScheduleItem", "resolve_schedule"]


class ScheduleItem:
    """One entry of the running order.

    Attributes
    ----------
    node : DynamicalSystem
        The object the item belongs to.
    key : str
        ``'input'``, ``'monitor'`` or a step name.
    func : callable or None
        The step function (None for input and monitor).
    args : tuple of str
        The step's arguments, a subset of ``('_t', '_i', '_dt')`` in its order.
    every : float or callable or None
        The ``@bp.every`` specification of the step.
    """

    def __init__(self, node, key, func=None):
        self.node = node
        self.key = key
        self.func = func
        self.args = _arguments(func) if func is not None else ()
        self.every = get_every(func) if func is not None else None

    @property
    def is_step(self):
        """Whether the item is a step function (not input or monitor).

        Returns
        -------
        bool
        """
        return self.func is not None

    @property
    def label(self):
        """``'<node name>.<key>'``.

        Returns
        -------
        str
        """
        return f"{self.node.name}.{self.key}"

    @property
    def structure(self):
        """What generated code depends on.

        Returns
        -------
        tuple
        """
        every = None if self.every is None else ("callable" if callable(self.every) else "period")
        return (id(self.node), self.key, self.args, every)

    def __repr__(self):
        return f"ScheduleItem({self.label})"


#: Step arguments per function: ``inspect.signature`` took a fifth of the Python work of
#: starting a run of the ch. 6 network (six steps), which repeat runs do again and again.
_ARGUMENTS = weakref.WeakKeyDictionary()


def _arguments(func):
    function = getattr(func, "__func__", func)      # a bound method is made at every access
    try:
        cached = _ARGUMENTS.get(function)
    except TypeError:                               # not weakly referable: not cached
        cached = None
    if cached is not None and cached[0] is getattr(function, "__code__", None):
        return cached[1]
    names = tuple(p.name for p in inspect.signature(func).parameters.values()
                  if p.name in STEP_ARGUMENTS)
    try:
        _ARGUMENTS[function] = (getattr(function, "__code__", None), names)
    except TypeError:
        pass
    return names


def resolve_schedule(host, nodes):
    """The items of one time step, in order.

    Parameters
    ----------
    host : DynamicalSystem or Network
        What is being run; its ``schedule()`` gives the order.
    nodes : list of DynamicalSystem
        The objects of the run.

    Returns
    -------
    list of ScheduleItem

    Raises
    ------
    ModelError
        If the schedule names an unknown node or step, or is not made of strings.
    """
    if isinstance(host, DynamicalSystem):
        entries = [f"{host.name}.{key}" for key in _entries(host)]
    else:
        entries = list(_entries(host))
    by_name = {node.name: node for node in nodes}
    items = []
    for entry in entries:
        if not isinstance(entry, str) or "." not in entry:
            raise ModelError(f"Schedule entry {entry!r} of {host.describe()} must be a string "
                             f"'<node name>.<step>', e.g. 'E.update'.")
        node_name, key = entry.split(".", 1)
        node = by_name.get(node_name)
        if node is None:
            raise ModelError(f"Schedule entry {entry!r} names the node {node_name!r}, which is not "
                             f"part of this run; nodes are: {choices(by_name)}.")
        if key in BUILTIN_ITEMS:
            items.append(ScheduleItem(node, key))
        elif key in node.steps:
            items.append(ScheduleItem(node, key, node.steps[key]))
        else:
            allowed = list(BUILTIN_ITEMS) + list(node.steps)
            raise ModelError(f"Schedule entry {entry!r}: {key!r} is not a step of "
                             f"{node.describe()}; choose one of: {choices(allowed)}.")
    return items


def _entries(host):
    entries = host.schedule()
    if isinstance(entries, str):
        raise ModelError(f"{host.describe()}.schedule() returned the string {entries!r}; it must "
                         f"return or yield a sequence of step names.")
    return entries
