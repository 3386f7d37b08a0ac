"""The tensor backends (PyTorch, TensorFlow; JAX without compilation): run the steps eagerly.

Models declared ``target_backend = 'general'`` and written with ``bp.ops`` run
their step functions unchanged, on the backend's tensors:

* **State.** At every run, numeric numpy arrays among a node's public
  attributes become tensors of the backend (PyTorch shares their memory), so
  a model built under another backend runs too. Attributes stay tensors
  after the run.
* **Immutable tensors** (TensorFlow, JAX): index writes in steps
  (``self.input[:] = 0``) are rewritten into rebinding an updated copy, see
  :mod:`~workbench.simulation.tensor.immutable`; inputs rebind their target too.
  PyTorch tensors are written in place, exactly like numpy arrays.
* **Inputs** keep the target's dtype (as numpy's in-place operators do);
  values become tensors once per run.
* **Monitors** stay numpy arrays: each record is copied from the tensor when
  the monitor item runs (``benchmarks/backends.py`` measures this against
  collecting a chunk in a tensor first: per-step copies are as fast for
  PyTorch and faster for TensorFlow).
* **Failures**: NaN/inf checks and chunk replays see the tensors through
  numpy views (:mod:`workbench.backend.tensors`).

Constant delays (``register_constant_delay``) keep numpy ring buffers and run
on the numpy and numba backends only; a model using them is refused here with
a message saying so.

The JAX backend normally compiles the whole schedule instead
(:mod:`~workbench.simulation.tensor.jax_executor`); this executor is its fallback for
steps that cannot be traced, and its replayer.
"""

import inspect
import numbers

import numpy as np

from ...backend.tensor_modules import ops_module
from ...backend.tensors import IMMUTABLE_BACKENDS, numpy_dtype
from ...errors import ModelError
from ..numpy.interpreter import InterpretedExecutor
from .immutable import immutable_step

__all__ = ["TensorExecutor", "check_tensor_backend_support", "convert_state"]


def check_tensor_backend_support(plan):
    """Refuse what the tensor backends cannot run (constant delays).

    Parameters
    ----------
    plan : RunPlan

    Raises
    ------
    ModelError
        If a node registered constant delays.
    """
    for node in plan.nodes:
        delays = node.__dict__.get("_delays") or {}
        if delays:
            raise ModelError(f"{node.describe()} registers constant delays ({', '.join(delays)}), "
                             f"whose ring buffers are numpy arrays: delays run on the 'numpy' and "
                             f"'numba' backends only, not on {plan.backend!r}. Switch with "
                             f"bp.backend.set('numba').")


def convert_state(nodes, backend):
    """Turn the numeric numpy arrays among the nodes' public attributes into tensors.

    Parameters
    ----------
    nodes : list of DynamicalSystem
    backend : str
        A tensor backend.
    """
    from_numpy = ops_module(backend).from_numpy
    for node in nodes:
        for name, value in list(vars(node).items()):
            if not name.startswith("_") and isinstance(value, np.ndarray) \
                    and value.dtype.kind in "biuf":
                node.__dict__[name] = from_numpy(value)


class TensorExecutor(InterpretedExecutor):
    """Runs a planned schedule eagerly on PyTorch, TensorFlow or JAX tensors.

    Parameters
    ----------
    plan : RunPlan
        Without constant delays (:func:`check_tensor_backend_support` raises
        ModelError).

    Attributes
    ----------
    rewritten : dict
        Step label to :class:`~workbench.simulation.tensor.immutable.ImmutableStep`
        for the steps whose index writes were rewritten.
    """

    description = "eager tensor executor"

    def __init__(self, plan):
        check_tensor_backend_support(plan)
        self.backend = plan.backend
        self.immutable = plan.backend in IMMUTABLE_BACKENDS
        self._ops = ops_module(plan.backend)
        super().__init__(plan, vectorize=False)
        self.rewritten = {}
        if self.immutable:
            self.namespace["_wb_update"] = self._ops.index_update
            sources = [self.source]
            for index, item in enumerate(plan.items):
                if not item.is_step:
                    continue
                step = immutable_step(item.func, self._ops.index_update, plan.backend)
                if step is not None:
                    function = step.function
                    if inspect.ismethod(item.func):
                        function = function.__get__(item.func.__self__)
                    self.namespace[f"_step_{index}"] = function
                    self.rewritten[item.label] = step
                    sources.append(step.source)
            self.source = "\n".join(sources)

    def _input_line(self, var, spec, k):
        if not self.immutable:
            return super()._input_line(var, spec, k)
        value = f"_in_{k}" + ("[_i]" if spec.kind == "series" else "")
        op = "None" if spec.op == "=" else repr(spec.op)
        return f"{var}.{spec.attr} = _wb_update({var}.{spec.attr}, ..., {value}, {op})"

    def bind(self, plan, force=False):
        """Attach a run's values; state and input values become tensors of the backend."""
        super().bind(plan, force)
        convert_state(plan.nodes, self.backend)
        for k, spec in enumerate(plan.inputs):
            if not isinstance(spec.value, numbers.Number):
                target = getattr(spec.node, spec.attr)
                value = np.asarray(spec.value, dtype=numpy_dtype(target))
                self.namespace[f"_in_{k}"] = self._ops.from_numpy(np.ascontiguousarray(value))
