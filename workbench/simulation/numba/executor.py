"""The numba backend: compile a run's whole schedule into one native loop.

Each step function is rewritten into a compiled function over arrays and
numbers (:mod:`~workbench.simulation.numba.generator.rewrite`); this module generates the
loop over time steps that applies the inputs, calls every step in schedule
order (honouring ``@bp.every``), writes the monitors and advances the delays:

.. code-block:: python

    @jit
    def run_loop(_i0, _i1, _t0, _dt, E__V, E__input, ..., _in_0, _rec_0, _per_0):
        for _i in range(_i0, _i1):
            _t = _t0 + _i * _dt
            _iadd(E__input, _in_0)                      # E.input
            LIF_update(_t, _i, _dt, E__V, ...)          # E.update
            _assign(_rec_0[_i], E__V)                   # E.monitor
            ...

Everything the loop reads -- state, parameters, input values, monitor storage,
record periods -- is an argument, so a repeat run with new values calls the
same machine code. Only a change of *structure* (schedule, input kinds,
monitored variables, the kind or dtype of an attribute) builds a new loop.
All generated modules go through ``load_generated_module`` (hashed files, so
numba's disk cache serves a second process) and ``jit`` (counted by
``bp.jit_compilations()``).
"""

import re

import numba
import numpy as np

from ...backend.jit import jit, load_generated_module
from . import kernels
from .generator.bindings import GlobalOwner, ValueKindError, classify
from ..codegen.codeprint import user_line_of
from .generator.fingerprints import fingerprint
from ..codegen.names import node_variable_names
from ..executor import Executor, StepCompileError
from ..numpy.interpreter import InterpretedExecutor
from .generator.method_integrators import method_integrator_step
from .generator.rewrite import KERNEL_NAMESPACE, BindingRegistry, rewrite_step

__all__ = ["CompiledExecutor"]

_INPUT_KERNELS = {"=": "_assign", "+": "_iadd", "-": "_isub", "*": "_imul", "/": "_idiv"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')

# (source, key parts) -> compiled step dispatcher, shared by all builds of the process
_step_cache = {}
_every_cache = {}


def _load_step(rewritten):
    key = (rewritten.source, tuple(rewritten.key_parts))
    dispatcher = _step_cache.get(key)
    if dispatcher is None:
        module = load_generated_module(rewritten.source, rewritten.name, rewritten.key_parts,
                                       rewritten.namespace)
        dispatcher = getattr(module, rewritten.name)
        _step_cache[key] = dispatcher
    return dispatcher


def _every_function(func):
    key = (getattr(func, "__code__", None), id(func))
    compiled = _every_cache.get(key)
    if compiled is None or compiled[0] is not func:
        compiled = (func, jit(func))
        _every_cache[key] = compiled
    return compiled[1]


class _LoopArguments:
    """Names and sources of the run loop's arguments."""

    def __init__(self, node_names):
        self.node_names = node_names
        self.names = []
        self.sources = []          # ('binding', binding, index) | ('input', k) | ...
        self._by_binding = {}

    def for_binding(self, binding, index=0):
        key = (binding.key, index)
        name = self._by_binding.get(key)
        if name is None:
            owner = binding.owner
            if isinstance(owner, GlobalOwner):
                base = f"g__{binding.attr}"
            elif id(owner) in self.node_names:
                base = f"{self.node_names[id(owner)]}__{binding.attr}"
            elif isinstance(getattr(owner, "name", None), str) and owner.name.isidentifier():
                base = f"{owner.name}__{binding.attr}"      # an object outside the run
            else:
                base = f"m__{binding.attr}"
            name = base + binding.suffixes()[index]
            k = 1
            while name in self.names:
                k += 1
                name = f"{base}_{k}{binding.suffixes()[index]}"
            self._by_binding[key] = name
            self.add(name, ("binding", binding, index))
        return name

    def add(self, name, source):
        self.names.append(name)
        self.sources.append(source)
        return name


class CompiledExecutor(Executor):
    """Runs a planned schedule as one compiled loop (see :class:`~workbench.simulation.executor.Executor`).

    Parameters
    ----------
    plan : RunPlan

    Raises
    ------
    StepCompileError
        If a step uses something numba cannot compile (the message names the
        user's file and line).
    """

    description = "compiled numba executor"

    def __init__(self, plan):
        super().__init__(plan)
        self.nodes = plan.nodes
        self.items = plan.items
        self.registry = BindingRegistry()
        self.steps = self._rewrite_steps(plan)
        self._node_names = node_variable_names(plan.nodes)
        self.loop_source, self.namespace, self.arguments, key_parts = self._loop(plan)
        self.source = "\n\n".join([s.source for s in self._unique_steps()] + [self.loop_source])
        module = load_generated_module(self.loop_source, "loop_" + plan.host.describe(),
                                       key_parts, self.namespace)
        self.loop = module.run_loop
        self._pending = None
        self._bound_plan = None
        self.cells = []
        self.args = ()
        self.t0, self.dt = plan.t0, plan.dt
        self._compile(plan)

    # -- steps -----------------------------------------------------------------------------
    def _rewrite_steps(self, plan):
        """Rewrite every step; a second pass turns written numbers into cells."""
        for attempt in range(2):
            rewritten = {}
            for index, item in enumerate(plan.items):
                if not item.is_step:
                    continue
                label = f"step {item.key!r} of {item.node.describe()}"
                name = f"{type(item.node).__name__}_{item.key}"
                rewritten[index] = rewrite_step(item.func, item.node, self.registry, label, name,
                                                method_integrator_step)
            promoted = [b for b in self.registry.bindings.values()
                        if b.written and b.kind == "scalar"]
            if not promoted:
                break
            for binding in promoted:
                binding.kind = "cell"
        self._add_builtin_bindings(plan)
        for binding in self.registry.bindings.values():
            binding.finalize_type()
        return rewritten

    def _add_builtin_bindings(self, plan):
        for spec in plan.inputs:
            binding = self.registry.get(spec.node, spec.attr, "array", getattr(spec.node, spec.attr))
            binding.written = True
        for node, record in plan.records:
            value = getattr(node, record.key)
            self.registry.get(node, record.key, classify(value), value)

    def _unique_steps(self):
        seen, result = set(), []
        for rewritten in self.steps.values():
            if rewritten.source not in seen:
                seen.add(rewritten.source)
                result.append(rewritten)
        return result

    # -- the loop --------------------------------------------------------------------------
    def _loop(self, plan):
        args = _LoopArguments(self._node_names)
        namespace = dict(KERNEL_NAMESPACE)
        namespace["jit"] = jit
        key_parts = [fingerprint(kernels)]
        step_names = {}
        body = []
        for index, item in enumerate(plan.items):
            body.append(f"# {item.label}")
            if item.key == "input":
                body.extend(self._input_lines(plan, item, args))
            elif item.key == "monitor":
                body.extend(self._monitor_lines(plan, item, args))
            else:
                body.extend(self._step_lines(index, item, args, namespace, key_parts, step_names))
        for node in plan.nodes:
            for name, delay in node.__dict__.get("_delays", {}).items():
                head = args.add(f"_head_{len(args.names)}", ("delay_head", delay))
                body.append(f"{head}[0] += 1  # advance the delay {node.name}.{name}")
        header = [f"# Run loop of {plan.host.describe()}, generated by workbench.",
                  "@jit",
                  f"def run_loop(_i0, _i1, _t0, _dt, {', '.join(args.names)}):",
                  "    for _i in range(_i0, _i1):",
                  "        _t = _t0 + _i * _dt"]
        source = "\n".join(header + ["        " + line for line in body]) + "\n"
        return source, namespace, args, key_parts

    def _value_expr(self, node, attr, args):
        value = getattr(node, attr)
        binding = self.registry.get(node, attr, classify(value), value)
        name = args.for_binding(binding)
        return (f"{name}[0]" if binding.kind == "cell" else name), binding

    def _input_lines(self, plan, item, args):
        lines = []
        for k, spec in enumerate(plan.inputs):
            if spec.node is not item.node:
                continue
            target, binding = self._value_expr(spec.node, spec.attr, args)
            value = args.add(f"_in_{k}", ("input", k))
            if np.ndim(getattr(spec.node, spec.attr)) == 1:
                # a plain loop compiles much faster than a generic array kernel
                element = {"scalar": value, "vector": f"{value}[_j]"}.get(spec.kind)
                if element is None:
                    element = f"{value}[_i]" if np.ndim(spec.value) == 1 else f"{value}[_i, _j]"
                op = "=" if spec.op == "=" else f"{spec.op}="
                lines.extend([f"for _j in range({target}.shape[0]):",
                              f"    {target}[_j] {op} {element}"])
                continue
            if spec.kind == "series":
                value += "[_i]"
            lines.append(f"{_INPUT_KERNELS[spec.op]}({target}, {value})")
        return lines

    def _monitor_lines(self, plan, item, args):
        lines = []
        for k, (node, record) in enumerate(plan.records):
            if node is not item.node:
                continue
            source, binding = self._value_expr(node, record.key, args)
            rec = args.add(f"_rec_{k}", ("record", k))
            period = args.add(f"_per_{k}", ("period", k))
            row = f"{rec}[_i // {period}]"
            one_d = binding.kind == "array" and np.ndim(getattr(node, record.key)) == 1
            if record.index is not None:
                index = args.add(f"_idx_{k}", ("index", k))
                if one_d:
                    write = [f"_row = {row}", f"for _j in range({index}.shape[0]):",
                             f"    _row[_j] = {source}[{index}[_j]]"]
                else:
                    write = [f"_gather_into({row}, {source}, {index})"]
            elif binding.kind in ("scalar", "cell"):
                write = [f"{row} = {source}"]
            elif one_d:
                write = [f"_row = {row}", f"for _j in range({source}.shape[0]):",
                         f"    _row[_j] = {source}[_j]"]
            else:
                write = [f"_assign({row}, {source})"]
            lines.extend([f"if _i % {period} == 0:"] + [f"    {line}" for line in write])
        return lines

    def _step_lines(self, index, item, args, namespace, key_parts, step_names):
        rewritten = self.steps[index]
        dispatcher = _load_step(rewritten)
        name = step_names.get(id(dispatcher))
        if name is None:
            name = rewritten.name
            k = 1
            while name in namespace:
                k += 1
                name = f"{rewritten.name}_{k}"
            namespace[name] = dispatcher
            step_names[id(dispatcher)] = name
            key_parts.append(f"{name}={dispatcher.__module__}")
        call_args = ["_t", "_i", "_dt"] + [args.for_binding(binding, position)
                                           for _, binding, position in rewritten.params]
        call = f"{name}({', '.join(call_args)})"
        if item.every is None:
            return [call]
        if callable(item.every):
            condition = f"_everyfn_{index}"
            namespace[condition] = _every_function(item.every)
            key_parts.append(f"{condition}={fingerprint(item.every)}")
            return [f"if {condition}():", f"    {call}"]
        period = args.add(f"_every_{index}", ("every", index))
        return [f"if (_t + 0.5 * _dt) % {period} < _dt:", f"    {call}"]

    # -- run-time data ---------------------------------------------------------------------
    def _gather(self, plan):
        """The loop's arguments for ``plan`` (raises ValueKindError on a kind change)."""
        per_binding = {}
        values, cells = [], []
        for source in self.arguments.sources:
            kind = source[0]
            if kind == "binding":
                binding, index = source[1], source[2]
                if binding.key not in per_binding:
                    per_binding[binding.key] = binding.arguments()
                    if binding.kind == "cell":
                        cells.append((binding, per_binding[binding.key][0]))
                values.append(per_binding[binding.key][index])
            elif kind == "input":
                values.append(plan.inputs[source[1]].value)
            elif kind == "record":
                values.append(plan.records[source[1]][1].data)
            elif kind == "period":
                values.append(int(plan.records[source[1]][1].period_steps))
            elif kind == "index":
                values.append(plan.records[source[1]][1].index)
            elif kind == "every":
                values.append(float(plan.items[source[1]].every))
            elif kind == "delay_head":
                values.append(source[1].head)
        return tuple(values), cells

    def accepts(self, plan):
        """Whether the compiled loop fits the current attribute kinds.

        Parameters
        ----------
        plan : RunPlan

        Returns
        -------
        bool
            False when an attribute changed kind (number to array, dtype, ...).
        """
        try:
            self._pending = (plan, self._gather(plan))
        except ValueKindError:
            return False
        return True

    def bind(self, plan, force=False):
        """Attach the values of a run (gathered again unless already bound to ``plan``).

        Parameters
        ----------
        plan : RunPlan
        force : bool, optional
            Gather the objects' current attributes even if ``plan`` is bound.
        """
        if self._bound_plan is plan and not force:
            return
        if self._pending is not None and self._pending[0] is plan:
            self.args, self.cells = self._pending[1]
        else:
            self.args, self.cells = self._gather(plan)
        self._pending = None
        self._bound_plan = plan
        self.t0, self.dt = plan.t0, plan.dt

    def _compile(self, plan):
        """Compile (or load from the disk cache) by running zero steps."""
        self.bind(plan)
        try:
            self.loop(0, 0, self.t0, self.dt, *self.args)
        except numba.core.errors.NumbaError as exc:
            raise self._compile_error(exc) from None

    def _compile_error(self, exc):
        text = _ANSI.sub("", str(exc))
        summary = next((line.strip() for line in text.splitlines()
                        if line.strip() and not line.startswith("Failed in")), text.strip())
        for path, line in _FILE_LINE.findall(text):
            for rewritten in self._unique_steps():
                module_file = getattr(_load_step(rewritten), "__module__", "")
                if module_file and module_file in path:
                    with open(path) as handle:
                        user_line = user_line_of(handle.read().splitlines(), int(line))
                    return StepCompileError(f"{rewritten.label} cannot be compiled for numba "
                                            f"({rewritten.filename}, line {user_line}): {summary}")
        return StepCompileError(f"The run loop of {self.nodes[0].describe()} and its network "
                                f"cannot be compiled for numba: {summary}")

    def run_chunk(self, i_start, i_end):
        """Advance the run from step ``i_start`` to ``i_end`` (exclusive).

        Parameters
        ----------
        i_start, i_end : int
        """
        self.loop(i_start, i_end, self.t0, self.dt, *self.args)

    def sync(self):
        """Copy written numbers (cells) back to their objects."""
        for binding, cell in self.cells:
            binding.copy_back(cell)

    def finish(self):
        """Copy cells back once at the end of the run."""
        self.sync()
        self.cells = []

    def replayer(self, plan):
        """The Python executor of ``plan`` (without vectorized loops), to replay a chunk item by item.

        Parameters
        ----------
        plan : RunPlan

        Returns
        -------
        InterpretedExecutor
        """
        replay = InterpretedExecutor(plan, vectorize=False)
        replay.bind(plan)
        return replay

    def written_arrays(self):
        """Arrays a chunk may change: those a step or input writes, and small float/bool state.

        Arrays no step assigns to (connectivity, connection matrices) are left out
        of the per-chunk snapshot unless they are small (a local alias could still
        write them), which keeps snapshots cheap.

        Returns
        -------
        list of (object, str)
        """
        result = []
        for binding in self.registry.bindings.values():
            if binding.kind != "array" or isinstance(binding.owner, GlobalOwner):
                continue
            value = binding.owner.__dict__.get(binding.attr)
            if not isinstance(value, np.ndarray):
                continue
            if binding.written or (value.dtype.kind in "fb" and value.nbytes <= 2 ** 20):
                result.append((binding.owner, binding.attr))
        return result
