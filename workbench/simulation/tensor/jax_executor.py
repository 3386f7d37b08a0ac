"""The jax backend: one time step of the whole schedule, looped over a block, compiled once.

A run is advanced in *blocks* of at most ``B`` time steps. Each block is one
call of a ``jax.jit``-compiled function that loops (``lax.fori_loop``) over
the steps of the block; each step runs the schedule as the numpy executor
would: inputs, step functions (with ``@bp.every`` periods), monitors.

* **Arguments, not constants.** The nodes' numeric state and parameters
  (arrays and floats), the input values, the monitor indices, the start time,
  ``dt``, the first step and the number of steps are arguments. Repeat runs
  with new parameter values, new state, other input values, durations or start
  times reuse the compiled block: ``bp.jit_compilations()`` does not change.
  A new array shape or dtype, another value of an ``int``/``bool`` attribute
  (sizes, flags: they stay Python values so steps can use them in shapes and
  ``if``), another object in a non-numeric attribute, or another value of a
  global number a step reads compiles once more (counted).
* **Immutable arrays.** Steps are traced with the nodes' attributes swapped
  for JAX values; index writes were rewritten into rebinding
  (:mod:`~workbench.simulation.tensor.immutable`). Attributes the steps set are the
  block's outputs; after the block they are written back as JAX arrays (floats
  that were Python floats come back as floats).
* **Types that change in the first step.** JAX needs the state's shapes and
  dtypes to be the same before and after a step (``self.spike`` made with
  ``bp.ops.zeros`` becomes boolean in ``update``). When a step would change
  them, that step runs alone (one more compiled function) and the loop starts
  from its result.
* **Random numbers.** ``bp.ops.normal`` & co. draw from a key that is part of
  the block's state, so every step draws new numbers
  (:mod:`workbench.backend.jax_ops`).
* **Monitors** are collected in a buffer of ``B`` rows per block and copied to
  the numpy records after it. ``B`` is fixed when the compiled schedule is
  made (at most 256, fewer when a step's records are large), so run lengths
  never change shapes.
* **Sharing.** The compiled schedule is kept per host (object or network) and
  trace structure (schedule, input targets and kinds, monitored variables). A
  new executor for the same structure -- the engine makes one when, say, a
  monitored variable changed its dtype -- reuses it.

Steps that cannot be traced (Python ``if`` on a state value, ``@bp.every``
with a function, ``bp.ops.where(cond)`` with one argument, an ``int``
attribute changed by a step) make the executor warn with
``StepCompileWarning`` and run the model eagerly with the
:class:`~workbench.simulation.tensor.executor.TensorExecutor` -- slower, but
correct, and the warning says what to change.
"""

import math
import warnings

import numpy as np

from ...backend import jax_ops
from ...backend.tracing import counted_jit
from ...backend.tensors import tensor_backend_of
from ..executor import Executor, StepCompileWarning
from .executor import TensorExecutor, check_tensor_backend_support, convert_state
from .functional import FunctionalSchedule, Untraceable, schedule_for

__all__ = ["JaxExecutor", "MAX_BLOCK_STEPS", "BLOCK_RECORD_BYTES"]

#: Most time steps in one compiled block.
MAX_BLOCK_STEPS = 256
#: Memory budget of one block's monitor buffers; ``B`` shrinks to stay within it.
BLOCK_RECORD_BYTES = 64 * 2 ** 20
#: Single steps tried before giving up on stable state types.
_MAX_SINGLE_STEPS = 3


def _block_steps(records):
    row_bytes = sum(r.row_nbytes for _, r in records) if records else 0
    if row_bytes == 0:
        return MAX_BLOCK_STEPS
    fitting = max(1, BLOCK_RECORD_BYTES // row_bytes)
    return int(min(MAX_BLOCK_STEPS, 2 ** int(math.log2(fitting))))


class _JaxSchedule(FunctionalSchedule):
    """The schedule on JAX arrays: one step, and the ``jax.jit``-compiled block of steps."""

    backend = "jax"

    def __init__(self, plan):
        import jax
        self._jax = jax
        super().__init__(plan)
        self.block_steps = _block_steps(plan.records)
        self.stable = {}          # state signature -> (shape, dtype) of each record
        self.source = "\n".join([
            f"# jax backend: blocks of up to {self.block_steps} time steps compiled with jax.jit;"
            f" each step runs {self.schedule_text}", *self.step_sources])
        self.block = counted_jit(self._block_function, static_argnums=(0,))
        # a step that changes the state's types runs alone (compiled once, not op by op:
        # eager JAX compiles every operation separately, which costs far more)
        self.single = counted_jit(self.one_step)

    def asarray(self, value):
        return self._jax.numpy.asarray(value)

    def scalar(self, value):
        return np.float64(value)

    def flat_take(self, value, index):
        return self._jax.numpy.ravel(value)[index]

    def select(self, flag, new, old):
        jnp = self._jax.numpy
        return jnp.where(flag, new, jnp.asarray(old).astype(new.dtype))

    def index_update(self, array, index, value, op=None):
        return jax_ops.index_update(array, index, value, op)

    def get_key(self):
        return jax_ops.get_random_key()

    def set_key(self, key):
        jax_ops.set_random_key(key)

    def strong(self, tree):
        """``tree`` with weakly typed JAX values (made from Python numbers) given their dtype."""
        jax = self._jax
        return jax.tree_util.tree_map(
            lambda x: x.astype(x.dtype) if tensor_backend_of(x) == "jax"
            and jax.typeof(x).weak_type else x, tree)

    def record_specs(self, state, static, key, arguments):
        """Shapes and dtypes of the monitor values, or None if a step changes the state's types.

        Parameters
        ----------
        state, static, key
            From :meth:`gather` and the random key.
        arguments : tuple
            ``(t0, dt, inputs, flags, series_rows, indices)`` of one step.

        Returns
        -------
        tuple of (shape, numpy.dtype) or None
        """
        signature = (static, tuple(tuple((name, np.shape(v), np.dtype(v.dtype).str)
                                         for name, v in sorted(arrays.items()))
                                   for arrays in state))
        if signature in self.stable:
            return self.stable[signature]
        after, _, records = self._jax.eval_shape(
            lambda s, k: self.one_step(s, k, np.int64(0), *arguments), state, key)
        same = len(after) == len(state) and all(
            set(new) == set(old) and all(np.shape(old[name]) == new[name].shape and
                                         np.dtype(old[name].dtype) == new[name].dtype
                                         for name in old)
            for old, new in zip(state, after))
        if not same:
            return None
        specs = tuple((tuple(r.shape), np.dtype(r.dtype)) for r in records)
        self.stable[signature] = specs
        return specs

    def _block_function(self, layout, state, key, t0, dt, i0, n, inputs, flags, series,
                        indices):
        jax, jnp = self._jax, self._jax.numpy
        steps, record_specs = layout

        def body(j, carry):
            state, key, buffers = carry
            new_state, new_key, records = self.one_step(
                state, key, i0 + j, t0, dt, inputs, [f[j] for f in flags],
                [s[j] for s in series], indices)
            buffers = tuple(jax.lax.dynamic_update_index_in_dim(buffer, record, j, 0)
                            for buffer, record in zip(buffers, records))
            return self.strong(new_state), new_key, buffers

        buffers = tuple(jnp.zeros((steps,) + shape, dtype) for shape, dtype in record_specs)
        return jax.lax.fori_loop(0, n, body, (state, key, buffers))


class JaxExecutor(Executor):
    """Runs a planned schedule as ``jax.jit``-compiled blocks of time steps.

    An :class:`~workbench.simulation.executor.Executor`; see the module docs.

    Parameters
    ----------
    plan : RunPlan
        Without constant delays (``check_tensor_backend_support`` raises ModelError).
    """

    description = "jax.jit executor"

    def __init__(self, plan):
        check_tensor_backend_support(plan)
        super().__init__(plan)
        self.compiled = schedule_for(plan, _JaxSchedule)
        self.source = self.compiled.source
        self._plan = None
        self._fallback = None
        self._done = 0

    def bind(self, plan, force=False):
        """Attach a run's values; state becomes JAX arrays, input values JAX or numpy arrays."""
        import jax.numpy as jnp
        self._plan = plan
        convert_state(plan.nodes, "jax")
        self._inputs = []
        for spec in plan.inputs:
            dtype = np.asarray(getattr(spec.node, spec.attr)).dtype
            value = np.asarray(spec.value, dtype=dtype)
            self._inputs.append(value if spec.kind == "series" else jnp.asarray(value))
        self._indices = tuple(None if r.index is None else jnp.asarray(r.index)
                              for _, r in plan.records)
        if self._fallback is not None:
            self._fallback.bind(plan, force)

    def _arguments(self, i_first, count):
        """``(t0, dt, inputs, flags, series, indices)`` for ``count`` steps from ``i_first``."""
        plan = self._plan
        steps = i_first + np.arange(count)
        ts = plan.t0 + steps * plan.dt
        flags = [(ts + 0.5 * plan.dt) % item.every < plan.dt
                 for item in plan.items if item.is_step and item.every is not None]
        series = [self._inputs[k][np.minimum(steps, plan.n_steps - 1)]
                  for k, spec in enumerate(plan.inputs) if spec.kind == "series"]
        inputs = tuple(None if spec.kind == "series" else self._inputs[k]
                       for k, spec in enumerate(plan.inputs))
        return np.float64(plan.t0), np.float64(plan.dt), inputs, flags, series, self._indices

    def _write_records(self, buffers, i_first, count):
        steps = i_first + np.arange(count)
        for buffer, (_, record) in zip(buffers, self._plan.records):
            rows = np.asarray(buffer)[:count]
            chosen = steps % record.period_steps == 0
            record.write_rows(steps[chosen] // record.period_steps, rows[chosen])

    def run_chunk(self, i_start, i_end):
        """Run compiled blocks of steps; after a fall-back, run the rest eagerly."""
        import jax
        if self._fallback is None:
            self._done = i_start
            try:
                self._run_compiled(i_start, i_end)
                return
            except (Untraceable, jax.errors.JAXTypeError, jax.errors.JAXIndexError) as exc:
                self._fall_back(exc)
            i_start = self._done          # steps before it ran and were written back
        self._fallback.run_chunk(i_start, i_end)

    def _run_compiled(self, i_start, i_end):
        compiled = self.compiled
        compiled.plan = self._plan
        if compiled.untraceable is not None:
            raise Untraceable(compiled.untraceable)
        state, static, floats = compiled.gather()
        state = compiled.strong(state)
        key = jax_ops.get_random_key()
        i = i_start
        while i < i_end:
            one = self._arguments(i, 1)
            single = one[:3] + ([f[0] for f in one[3]], [x[0] for x in one[4]], one[5])
            specs = compiled.record_specs(state, static, key, single)
            if specs is not None:
                break
            if i - i_start == _MAX_SINGLE_STEPS:
                raise Untraceable(f"the shapes or dtypes of the state still change after "
                                  f"{_MAX_SINGLE_STEPS} time steps")
            state, key, records = compiled.single(state, key, np.int64(i), *single)
            state = compiled.strong(state)
            self._write_records([np.asarray(r)[None] for r in records], i, 1)
            self._write_back(state, key, floats)
            i += 1
            self._done = i
        while i < i_end:
            count = min(compiled.block_steps, i_end - i)
            arguments = self._arguments(i, compiled.block_steps)
            state, key, buffers = compiled.block((compiled.block_steps, specs), state, key,
                                                 *arguments[:2], np.int64(i), np.int64(count),
                                                 *arguments[2:])
            self._write_records(buffers, i, count)
            self._write_back(state, key, floats)
            i += count
            self._done = i

    def _write_back(self, state, key, floats):
        self.compiled.write_back(state, floats)
        jax_ops.set_random_key(key)

    def _fall_back(self, exc):
        plan = self._plan
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        warnings.warn(f"{plan.host.describe()} cannot be compiled with jax.jit ({reason}) -- "
                      f"running it eagerly, op by op, on the jax backend, which is much slower.",
                      StepCompileWarning, stacklevel=6)
        self._fallback = TensorExecutor(plan)
        self._fallback.bind(plan)

    def replayer(self, plan):
        """An eager executor of ``plan`` (bound), to replay a failing chunk item by item."""
        replay = TensorExecutor(plan)
        replay.bind(plan)
        return replay
