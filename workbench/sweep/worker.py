"""What runs on a worker: build the model once per process, then run parameter sets on it.

:func:`run_task` is the function every executor calls (in the driver's process,
in a process pool, on a Dask worker). It keeps, per process,

* the unpickled sweep spec (by :attr:`ShippedSpec.key`), and
* up to :data:`MODELS_PER_PROCESS` built models with their initial-state
  snapshots (by the builder's hash, the settings and the ``build_params``
  values), so a worker builds and compiles a model once and re-runs it in
  repeat mode for every set it gets -- also across sweeps of the same model.

One parameter set, in order: restore the snapshot (``reset=True``), seed, assign
the parameters, call the nodes' ``reset()`` methods, run, measure. A set that
raises is retried once on a freshly built model; its record says how many
attempts it took and what the last error was. A mistake in the sweep itself
(a parameter path that does not exist, a measure that returns no numbers) is
returned as ``'config-error'`` and not retried: the driver stops the sweep.
"""

import collections
import dataclasses
import inspect
import numbers
import os
import socket
import threading
import time
import traceback

import numpy as np

from ..backend.jit import jit_compilations
from ..simulation.nodes.base import DynamicalSystem
from ..simulation.nodes.network import Network
from .errors import SweepError
from .params import RESERVED_COLUMNS, plain_value
from .paths import assign_path, is_path, model_nodes
from .seeding import build_seed, seed_all
from .state import StateSnapshot

__all__ = ["SweepSpec", "Task", "run_task", "build_model", "evaluate", "clear_cache",
           "cached_models", "MODELS_PER_PROCESS", "worker_name"]

#: Built models a process keeps (least recently used dropped first).
MODELS_PER_PROCESS = 4

#: Sets of one process run one at a time: numpy's global generator is shared by
#: all threads of a process, so concurrent sets would draw from each other's stream.
_LOCK = threading.RLock()
_specs = {}
_models = collections.OrderedDict()


@dataclasses.dataclass
class SweepSpec:
    """Everything a worker needs to run parameter sets (validated by :class:`Sweep`).

    Attributes
    ----------
    build : callable
        ``build(**build_kwargs)`` returns a Network or a DynamicalSystem.
    measure : callable
        ``measure(model)`` returns ``{name: value}`` or one number.
    duration : float or tuple
        Passed to ``model.run``.
    inputs : tuple or list or callable
        Passed to ``model.run``; a callable is called as ``inputs(model, params)``.
    apply : callable or None
        ``apply(model, **free_params)``.
    reset : bool or str or callable
        ``True``, ``'methods'``, ``False`` or ``reset(model)``.
    build_params : tuple of str
        Parameter names given to ``build`` instead of being assigned.
    attempts : int
        Attempts per set (1 + retries).
    seed : int
        The sweep's seed (entropy of the seed sequence).
    """

    build: object
    measure: object
    duration: object
    inputs: object = ()
    apply: object = None
    reset: object = True
    build_params: tuple = ()
    attempts: int = 2
    seed: int = 0


@dataclasses.dataclass
class Task:
    """One parameter set to run.

    Attributes
    ----------
    index : int
        Row in the table.
    params : dict
        The set (build parameters included).
    seed : int
        The set's seed.
    attempts_before : int
        Attempts already spent (by a worker that died); the first attempt of this
        task then uses a fresh model.
    """

    index: int
    params: dict
    seed: int
    attempts_before: int = 0


class _ModelSlot:
    """A built model, its initial-state snapshot and the builder (kept alive for its id)."""

    def __init__(self, model, snapshot, build):
        self.model = model
        self.snapshot = snapshot
        self.build = build
        self.run_id = None


def worker_name():
    """This process as ``'host:pid'`` (the ``worker`` column of the table).

    Returns
    -------
    str
    """
    return f"{socket.gethostname()}:{os.getpid()}"


def clear_cache():
    """Forget the models and specs cached in this process (the next set rebuilds)."""
    with _LOCK:
        _models.clear()
        _specs.clear()


def cached_models():
    """Number of models cached in this process.

    Returns
    -------
    int
    """
    return len(_models)


def _build_kwargs(spec, params):
    return {name: params[name] for name in spec.build_params if name in params}


def build_model(spec, build_kwargs):
    """Build a model with the build seed and snapshot its initial state.

    Parameters
    ----------
    spec : SweepSpec
    build_kwargs : dict
        Values of the ``build_params``.

    Returns
    -------
    model : Network or DynamicalSystem
    snapshot : StateSnapshot

    Raises
    ------
    SweepError
        When the builder returns something that cannot run.
    """
    seed_all(build_seed(spec.seed, build_kwargs))
    model = spec.build(**build_kwargs)
    if not isinstance(model, (Network, DynamicalSystem)):
        raise SweepError(f"`build` returned {model!r}; it must return the model to run: a "
                         f"bp.Network or a bp.DynamicalSystem (NeuGroup, TwoEndConn, ...).")
    return model, StateSnapshot(model)


def _model_slot(shipped, spec, build_kwargs, fresh):
    key = (shipped.model_key, repr(sorted((k, repr(v)) for k, v in build_kwargs.items())),
           spec.seed)
    if not fresh and key in _models:
        _models.move_to_end(key)
        return _models[key], False
    _models.pop(key, None)
    model, snapshot = build_model(spec, build_kwargs)
    slot = _ModelSlot(model, snapshot, spec.build)
    _models[key] = slot
    while len(_models) > MODELS_PER_PROCESS:
        _models.popitem(last=False)
    return slot, True


def _apply_accepts(apply):
    """Names ``apply`` takes as keywords; None when it takes ``**kwargs`` (everything)."""
    if apply is None:
        return set()
    try:
        parameters = list(inspect.signature(apply).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters[1:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _assign_parameters(spec, model, params):
    """Assign path parameters and call ``apply`` with the plain names it takes.

    A name with a dot is a path. A plain name goes to ``apply`` when its
    signature takes it (or ``**kwargs``), else it is an attribute of a single
    object, else it is left to a callable ``inputs``; otherwise it is an error.
    """
    accepted = _apply_accepts(spec.apply)
    for_apply = {}
    for name, value in params.items():
        if name in spec.build_params:
            continue
        if "." in name:
            assign_path(model, name, value)
        elif spec.apply is not None and (accepted is None or name in accepted):
            for_apply[name] = value
        elif is_path(model, name):
            assign_path(model, name, value)
        elif not callable(spec.inputs):
            nodes = ", ".join(repr(n.name) for n in model_nodes(model))
            raise SweepError(f"Parameter {name!r} is not an attribute path of the model (nodes: "
                             f"{nodes}); write it as 'node.attribute', list it in "
                             f"`build_params`, or take it in an `apply(model, {name}, ...)` hook "
                             f"or a callable `inputs(model, params)`.")
    if spec.apply is not None:
        spec.apply(model, **for_apply)


def _call_reset_methods(model):
    for node in model_nodes(model):
        reset = getattr(node, "reset", None)
        if callable(reset):
            reset()


def _measure_name(measure):
    name = getattr(measure, "__name__", "measure")
    return name if name.isidentifier() else "measure"


def _is_number(value):
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray)


def _measure_values(spec, values, params):
    if _is_number(values) or (isinstance(values, np.ndarray) and values.ndim == 0):
        values = {_measure_name(spec.measure): values}
    if not isinstance(values, dict):
        raise SweepError(f"`measure` returned {type(values).__name__} {values!r:.80}; return "
                         f"{{name: value}} (numbers or arrays) or a single number.")
    result = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise SweepError(f"`measure` returned the key {name!r}; keys are column names "
                             f"(non-empty strings).")
        if name in RESERVED_COLUMNS or name in params:
            raise SweepError(f"`measure` returned the column {name!r}, which is already a "
                             f"{'table' if name in RESERVED_COLUMNS else 'parameter'} column; "
                             f"rename it.")
        # a copy: a monitor or state array would be overwritten by the next set's run
        is_array = isinstance(value, np.ndarray) and value.ndim > 0
        result[name] = value.copy() if is_array else plain_value(value)
    return result


def evaluate(spec, model, snapshot, params, seed):
    """Run one parameter set on a built model and measure it.

    Parameters
    ----------
    spec : SweepSpec
    model : Network or DynamicalSystem
    snapshot : StateSnapshot
        The model's state right after it was built.
    params : dict
    seed : int

    Returns
    -------
    dict
        ``{measure name: value}``.
    """
    if spec.reset is True:
        snapshot.restore()
    seed_all(seed)
    _assign_parameters(spec, model, params)
    if spec.reset is True or spec.reset == "methods":
        _call_reset_methods(model)
    elif callable(spec.reset):
        spec.reset(model)
    inputs = spec.inputs(model, dict(params)) if callable(spec.inputs) else spec.inputs
    model.run(spec.duration, inputs=inputs)
    return _measure_values(spec, spec.measure(model), params)


def _error_text(exc):
    return f"{type(exc).__name__}: {exc}"


def run_task(shipped, task):
    """Run one parameter set (retrying on a fresh model) and describe the outcome.

    Parameters
    ----------
    shipped : ShippedSpec
    task : Task

    Returns
    -------
    dict
        ``index``, ``status`` (``'ok'``, ``'error'`` or ``'config-error'``),
        ``values``, ``error``, ``traceback``, ``attempts``, ``worker``, ``built``,
        ``compilations``, ``seconds``, ``cpu_seconds``.
    """
    with _LOCK:
        started, cpu_started = time.perf_counter(), time.process_time()
        compiled_before = jit_compilations()
        record = {"index": task.index, "status": "error", "values": None, "error": None,
                  "traceback": None, "attempts": task.attempts_before, "built": False,
                  "worker": worker_name()}
        try:
            try:
                spec = shipped.load(_specs)
            except Exception as exc:
                raise SweepError(f"Worker {record['worker']} cannot load the sweep: "
                                 f"{_error_text(exc)}. Modules that define the builder, the "
                                 f"measure or the model classes must be importable on every "
                                 f"worker (installed there), or be defined in the notebook/"
                                 f"script that starts the sweep.") from exc
            attempts_left = max(spec.attempts - task.attempts_before, 1)
            build_kwargs = _build_kwargs(spec, task.params)
            for attempt in range(attempts_left):
                record["attempts"] += 1
                fresh = attempt > 0 or task.attempts_before > 0
                try:
                    slot, built = _model_slot(shipped, spec, build_kwargs, fresh)
                    record["built"] = record["built"] or built
                    if slot.run_id != shipped.run_id:      # first set of this run here
                        slot.snapshot.restore()
                        slot.run_id = shipped.run_id
                    record["values"] = evaluate(spec, slot.model, slot.snapshot, task.params,
                                                task.seed)
                    record.update(status="ok", error=None, traceback=None)
                    break
                except SweepError:
                    raise
                except Exception as exc:     # the set failed: report it, retry on a fresh model
                    record.update(status="error", error=_error_text(exc),
                                  traceback=traceback.format_exc())
        except SweepError as exc:
            record.update(status="config-error", error=str(exc), traceback=traceback.format_exc())
        record["compilations"] = jit_compilations() - compiled_before
        record["seconds"] = time.perf_counter() - started
        record["cpu_seconds"] = time.process_time() - cpu_started
        return record
