"""``bp.DynamicalSystem``: the base of neuron groups, synapses and networks.

An object is a bag of attributes (parameters as numbers, state as arrays) plus
*step functions* (``steps``, by default its ``update`` method) that advance the
state by one time step. The engine runs the steps in the order given by
``schedule()`` — by default ``('input', *steps, 'monitor')`` — either by calling
them (numpy backend) or by compiling them into one native loop (numba).

``super().__init__(...)`` may be called anywhere in a subclass' ``__init__``:
nothing is read from the object's attributes until the model is built.
"""

import inspect
import itertools
import types

from ...backend import settings
from ...errors import ModelError, choices
from .delays import ConstantDelay
from .monitors import Monitor
from .runnable import Runnable

__all__ = ["DynamicalSystem", "check_backend_support", "STEP_ARGUMENTS"]

#: Arguments a step function may take, in any combination and order.
STEP_ARGUMENTS = ("_t", "_i", "_dt")
#: Schedule items every object has besides its steps.
BUILTIN_ITEMS = ("input", "monitor")

_name_counters = {}


def _next_auto_name(cls):
    counter = _name_counters.setdefault(cls.__name__, itertools.count())
    return f"{cls.__name__}{next(counter)}"


def check_backend_support(cls, backend=None):
    """Refuse a model class whose ``target_backend`` excludes the backend.

    Parameters
    ----------
    cls : type
        A DynamicalSystem subclass.
    backend : str, optional
        The backend to check; the active one by default.

    Raises
    ------
    ModelError
        If ``cls.target_backend`` names backends that do not include ``backend``.
        ``'general'`` (the default) supports every backend, and ``'numba'``
        also covers ``'numba-parallel'``.
    """
    declared = getattr(cls, "target_backend", "general")
    if declared is None:
        return
    allowed = [declared] if isinstance(declared, str) else list(declared)
    if not all(isinstance(b, str) for b in allowed):
        raise ModelError(f"{cls.__name__}.target_backend={declared!r} must be a backend name or "
                         f"a list of them, e.g. ['numpy', 'numba'] or 'general'.")
    backend = backend or settings.get_backend()
    if "general" in allowed or backend in allowed:
        return
    if backend == "numba-parallel" and "numba" in allowed:
        return
    known = [b for b in allowed if b in settings.SUPPORTED_BACKENDS] or allowed
    raise ModelError(f"{cls.__name__} does not support the active backend {backend!r}: its "
                     f"`target_backend` is {choices(allowed)}. Switch with "
                     f"bp.backend.set({known[0]!r}), or add {backend!r} to "
                     f"{cls.__name__}.target_backend if the model is written for it.")


def _step_parameters(func, owner_text, name):
    """Check that a step takes only ``_t``, ``_i`` and ``_dt``; return their names."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        raise ModelError(f"Step {name!r} of {owner_text} is not a Python function.") from None
    names = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name not in STEP_ARGUMENTS:
            if p.default is not p.empty:
                continue
            raise ModelError(f"Step {name!r} of {owner_text} takes the argument {p.name!r}; step "
                             f"functions may only take {choices(STEP_ARGUMENTS)} (besides self).")
        names.append(p.name)
    return tuple(names)


class DynamicalSystem(Runnable):
    """Base class of everything the engine can run.

    Parameters
    ----------
    steps : list or tuple or dict, optional
        The step functions: bound methods (``[self.update, self.reset]``), method
        names, or a dict ``{name: function}``. Defaults to ``[self.update]``.
        A step may take any of ``_t`` (current time), ``_i`` (index of the time
        step in the run) and ``_dt`` (time step).
    monitors : list or tuple or dict or Monitor, optional
        Variables to record, see :class:`~workbench.simulation.nodes.monitors.Monitor`.
    name : str, optional
        A unique identifier; an automatic one (class name + number) otherwise.
    show_code : bool, optional
        Print the generated code whenever the object is built.

    Attributes
    ----------
    target_backend : str or list of str
        Class attribute: the backends the model is written for (``'general'``
        means any backend).
    steps : dict
        Step name to callable, in schedule order.
    mon : Monitor
        The records of the last run.

    Raises
    ------
    ModelError
        For an unsupported backend, bad steps, bad monitors or a bad name.
    """

    target_backend = "general"

    def __init__(self, steps=None, monitors=None, name=None, show_code=False, **kwargs):
        if kwargs:
            raise ModelError(f"{type(self).__name__}.__init__() got unexpected keyword(s) "
                             f"{sorted(kwargs)}; DynamicalSystem takes `steps`, `monitors`, "
                             f"`name` and `show_code`.")
        check_backend_support(type(self))
        self.name = name if name is not None else _next_auto_name(type(self))
        self._auto_name = name is None
        self.steps = self._normalize_steps(steps)
        self.mon = Monitor.from_spec(monitors)
        self.show_code = bool(show_code)
        self.__dict__.setdefault("_delays", {})

    # -- identity --------------------------------------------------------------------------
    @property
    def name(self):
        """The object's unique name (used in schedules: ``'E.update'``).

        Returns
        -------
        str
        """
        return self._name

    @name.setter
    def name(self, value):
        if not isinstance(value, str) or not value.isidentifier():
            raise ModelError(f"`name`={value!r} must be a Python identifier (letters, digits and "
                             f"underscores, not starting with a digit), e.g. 'E' or 'E2I'.")
        self._name = value

    def describe(self):
        """A short description for messages, e.g. ``"LIF 'E' (size 3200)"``.

        Returns
        -------
        str
        """
        text = f"{type(self).__name__} {self.__dict__.get('_name', '?')!r}"
        num = self.__dict__.get("num")
        if isinstance(num, int):
            text += f" (size {num})"
        return text

    def __repr__(self):
        return f"<{self.describe()}>"

    # -- steps and schedule ----------------------------------------------------------------
    def _normalize_steps(self, steps):
        owner = f"{type(self).__name__} {self._name!r}"
        if steps is None:
            if not callable(getattr(self, "update", None)):
                raise ModelError(f"{owner} has no update() method; define one or pass "
                                 f"steps=[...] to super().__init__().")
            steps = [self.update]
        if isinstance(steps, (str,)) or callable(steps):
            steps = [steps]
        if isinstance(steps, dict):
            items = list(steps.items())
        elif isinstance(steps, (list, tuple)):
            items = []
            for step in steps:
                if isinstance(step, str):
                    items.append((step, step))
                elif callable(step):
                    items.append((getattr(step, "__name__", None), step))
                else:
                    raise ModelError(f"Step {step!r} of {owner} must be a method, a method name "
                                     f"or a function.")
        else:
            raise ModelError(f"`steps`={steps!r} of {owner} must be a list of methods or names, "
                             f"or a dict {{name: function}}.")
        result = {}
        for key, step in items:
            if isinstance(step, str):
                func = getattr(self, step, None)
                if not callable(func):
                    raise ModelError(f"Step {step!r} is not a method of {owner}.")
                step = func
            if not isinstance(key, str) or not key.isidentifier():
                raise ModelError(f"Step name {key!r} of {owner} must be an identifier.")
            if key in BUILTIN_ITEMS:
                raise ModelError(f"Step name {key!r} of {owner} is reserved for the engine's "
                                 f"{key} step; rename the method.")
            if key in result:
                raise ModelError(f"Step {key!r} of {owner} is given twice.")
            if not inspect.ismethod(step) and _takes_self(step):
                step = types.MethodType(step, self)
            _step_parameters(step, owner, key)
            result[key] = step
        return result

    def schedule(self):
        """The running order of this object's step functions within one time step.

        Override it to change the order, e.g. ``('monitor', *self.steps, 'input')``.

        Returns
        -------
        tuple of str
            Step names plus ``'input'`` (apply inputs) and ``'monitor'`` (record).

        Examples
        --------
        >>> group.schedule()            # doctest: +SKIP
        ('input', 'update', 'monitor')
        """
        return ("input",) + tuple(self.steps.keys()) + ("monitor",)

    # -- delays ----------------------------------------------------------------------------
    def register_constant_delay(self, name, size, delay_time):
        """Create a constant delay for a variable of this object.

        Parameters
        ----------
        name : str
            Name of the delayed variable (for messages).
        size : int or tuple of int
            Its shape.
        delay_time : float or array_like
            The delay in ms, ``floor(delay_time / dt + 0.5)`` time steps; or one
            delay per element (an array of shape ``size``, e.g.
            ``np.random.random(4) * 2``).

        Returns
        -------
        ConstantDelay
            Call ``push(value)`` each step and ``pull()`` to read the value pushed
            ``delay_time`` ms ago (element by element for per-element delays);
            ``reset()`` clears it.
        """
        delay = ConstantDelay(size, delay_time, name=f"{type(self).__name__}.{name}")
        self.__dict__.setdefault("_delays", {})[name] = delay
        return delay

    # -- running (run() and build() come from Runnable) ---------------------------------------
    def _check_initialized(self):
        if "steps" not in self.__dict__ or "_name" not in self.__dict__:
            raise ModelError(f"{type(self).__name__} object was not initialized: call "
                             f"super().__init__(...) in its __init__.")

    def _nodes(self):
        """The objects a run of this object involves."""
        return [self]


def _takes_self(func):
    try:
        params = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "self"
