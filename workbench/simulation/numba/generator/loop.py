"""A run's schedule -> the source of one compiled loop over its time steps.

Each step function is rewritten into a compiled function over arrays and
numbers (:mod:`~workbench.simulation.numba.generator.rewrite`); this module
generates the loop over time steps that applies the inputs, calls every step in
schedule order (honouring ``@bp.every``), writes the monitors and advances the
delays:

.. code-block:: python

    @jit
    def run_loop(_i0, _i1, _t0, _dt, E__V, E__input, ..., _in_0, _rec_0, _per_0):
        for _i in range(_i0, _i1):
            _t = _t0 + _i * _dt
            _iadd(E__input, _in_0)                      # E.input
            LIF_update(_t, _i, _dt, E__V, ...)          # E.update
            _assign(_rec_0[_i], E__V)                   # E.monitor
            ...
        return _i1

Spike variables are recorded as events
(:class:`~workbench.simulation.nodes.records.EventRecord`): the monitor item
appends the row and column of every non-zero entry to the record's buffers, and
each step starts by checking that one more row of events fits; if not, the loop
returns the step it stopped at, and the executor grows the buffers and calls it
again from there.

Everything the loop reads -- state, parameters, input values, monitor storage,
record periods -- is an argument (:class:`LoopArguments` says where each comes
from), so a repeat run with new values calls the same machine code. The
compiled steps are loaded here (``load_generated_module``: hashed files, so
numba's disk cache serves a second process) and shared by every loop of the
process that calls the same source.
"""


import re

import numpy as np

from ....backend.jit import jit, load_generated_module, options_key
from ...codegen.names import node_variable_names
from ...nodes.records import EventRecord
from .. import kernels, spin_barrier
from . import chunk_region
from .bindings import BindingRegistry, GlobalOwner, classify
from .fingerprints import fingerprint
from .method_integrators import method_integrator_step
from .rewrite import rewrite_step

__all__ = ["RunLoopCode", "LoopArguments", "load_step", "load_loop_module"]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_INPUT_KERNELS = {"=": "_assign", "+": "_iadd", "-": "_isub", "*": "_imul", "/": "_idiv"}

# (source, key parts, options) -> module of a compiled step or run loop, shared by all
# builds of the process: a network built again reuses its machine code instead of loading
# (and retaining) another copy
_step_cache = {}
_loop_cache = {}
_every_cache = {}


def load_step(rewritten):
    """The compiled function of a rewritten step (loaded once per process).

    Parameters
    ----------
    rewritten : RewrittenStep

    Returns
    -------
    numba dispatcher
    """
    return getattr(load_step_module(rewritten), rewritten.name)


def load_step_module(rewritten):
    """The module of a rewritten step (loaded once per process).

    Parameters
    ----------
    rewritten : RewrittenStep

    Returns
    -------
    module
        Holds the step function and, under ``'numba-parallel'``, its parallel twin.
    """
    return _cached_module(_step_cache, rewritten.source, rewritten.name, rewritten.key_parts,
                          rewritten.namespace)


def _cached_module(cache, source, name, key_parts, namespace):
    """``load_generated_module`` once per process for each source, key and numba profile."""
    key = (source, tuple(key_parts), options_key())
    module = cache.get(key)
    if module is None:
        module = load_generated_module(source, name, key_parts, namespace)
        cache[key] = module
    return module


def load_loop_module(code, plan):
    """The module of a run loop's code (loaded once per process for each source and key).

    Parameters
    ----------
    code : RunLoopCode
    plan : RunPlan

    Returns
    -------
    module
        Holds ``run_loop``.
    """
    return _cached_module(_loop_cache, code.source, "loop_" + code.description(plan),
                          code.key_parts, code.namespace)


def _every_function(func):
    key = (getattr(func, "__code__", None), id(func), options_key())
    compiled = _every_cache.get(key)
    if compiled is None or compiled[0] is not func:
        compiled = (func, jit(func))
        _every_cache[key] = compiled
    return compiled[1]


class LoopArguments:
    """Names of the run loop's arguments, and where each one's value comes from.

    ``sources[k]`` is one of ``('binding', binding, index)`` (an attribute or global
    a step reads), ``('input', k)`` (an input value), ``('record', k)``,
    ``('period', k)``, ``('index', k)`` (monitor storage, period in steps,
    indices), ``('events', k, part)`` (the ``rows``, ``columns``, ``weights`` or
    ``count`` array of an event record), ``('every', k)`` (the period of schedule
    item ``k``), ``('delay_head', delay)``, ``('where',)`` (one int64 the loop sets
    to the schedule index of the step it calls, to name the object of a failed index
    check), ``('nan',)`` (the first NaN/inf a step stored: site, step, kind, item) and
    ``('nan_counts',)`` (NaN and inf counts per schedule item and watched array),
    ``('threads',)`` (numba's thread count), ``('parallel_min',)`` (the fewest elements a
    parallel twin splits) and ``('descents', binding)`` (the descents of an index array,
    ``parallel_kernels.descents``).

    Parameters
    ----------
    node_names : dict
        ``id(node)`` to the node's identifier in generated code.
    """

    def __init__(self, node_names):
        self.node_names = node_names
        self.names = []
        self.sources = []          # ('binding', binding, index) | ('input', k) | ...
        self._by_binding = {}

    def for_binding(self, binding, index=0):
        """The argument name of a binding's ``index``-th argument (added on first use).

        Parameters
        ----------
        binding : Binding
        index : int, optional

        Returns
        -------
        str
        """
        key = (binding.key, index)
        name = self._by_binding.get(key)
        if name is None:
            owner = binding.owner
            if isinstance(owner, GlobalOwner):
                base = f"g__{binding.attr}"
            elif id(owner) in self.node_names:
                base = f"{self.node_names[id(owner)]}__{binding.attr}"
            elif getattr(owner, "_auto_name", False):     # outside the run: see node_names
                base = f"{type(owner).__name__}_x__{binding.attr}"
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
        """Add an argument.

        Parameters
        ----------
        name : str
        source : tuple
            Where its value comes from (see the class docstring).

        Returns
        -------
        str
            ``name``.
        """
        self.names.append(name)
        self.sources.append(source)
        return name


class RunLoopCode:
    """The generated code of a run: every step rewritten, and the loop calling them.

    Parameters
    ----------
    plan : RunPlan
    parallel : bool, optional
        Give steps their parallel twins (default: under ``'numba-parallel'``).
    checked_copies : bool, optional
        Compile the checked copy of every versioned loop (``generator/index_checks.py``);
        without them a loop whose range is not proven raises ``RangeNotProven``.
    region : bool, optional
        With parallel twins, run chunks in one region of threads when the run qualifies
        (``generator/chunk_region.py``; then ``region`` is True and the source also holds
        ``run_region_start`` and ``run_region_thread``); else the run loop calls the twins.

    Attributes
    ----------
    registry : BindingRegistry
        The bindings of every value the steps, inputs and monitors use.
    steps : dict
        Schedule index to :class:`~workbench.simulation.numba.generator.rewrite.RewrittenStep`.
    arguments : LoopArguments
    source : str
        The loop module's source.
    namespace : dict
        Globals of the loop module (compiled steps, kernels, ``@every`` functions).
    key_parts : list of str
        What the loop freezes besides its source (for the disk cache key).
    region : bool
        Whether the module holds the chunk region.
    region_width : int
        With the region: flag columns per thread. ``written_arrays``: the loop's array
        arguments some item writes (``CompiledExecutor`` tests their memory apart).

    Raises
    ------
    StepCompileError
        If a step cannot be rewritten (the message names the user's file and line).
    """

    def __init__(self, plan, parallel=None, checked_copies=True, region=True):
        self.parallel = plan.backend == "numba-parallel" if parallel is None else parallel
        self.checked_copies = checked_copies
        self.allow_region = region
        self.registry = BindingRegistry()
        self.steps = self._rewrite_steps(plan)
        self._node_names = node_variable_names(plan.nodes)
        self.source, self.namespace, self.arguments, self.key_parts = self._loop(plan)

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
                                                method_integrator_step,
                                                parallel=self.parallel,
                                                checked_copies=self.checked_copies)
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

    def unique_steps(self):
        """The rewritten steps, each source once.

        Returns
        -------
        list of RewrittenStep
        """
        seen, result = set(), []
        for rewritten in self.steps.values():
            if rewritten.source not in seen:
                seen.add(rewritten.source)
                result.append(rewritten)
        return result

    def _loop(self, plan):
        args = LoopArguments(self._node_names)
        namespace = dict(kernels.KERNEL_NAMESPACE)
        namespace["jit"] = jit
        key_parts = [fingerprint(kernels)]
        step_names = {}
        twins = [step.twin for step in self.steps.values() if step.twin is not None]
        # one region per chunk when every twin can run in it (chunk_region.py); the run
        # loop then calls the serial steps
        self.region = self.allow_region and chunk_region.region_wanted(
            [(step.twin, plan.items[index].every is None)
             for index, step in self.steps.items() if step.twin is not None])
        body, region_items = [], []
        self._split_items = []
        room_checks = self._event_room_checks(plan, args)
        body.extend(line for check in room_checks
                    for line in (f"if {check}:", "    return _i  # the executor grows the "
                                 "event buffers and resumes"))
        for index, item in enumerate(plan.items):
            comment = f"{self._node_names[id(item.node)]}.{item.key}"
            body.append(f"# {comment}")
            if item.key == "input":
                lines = self._input_lines(plan, item, args)
            elif item.key == "monitor":
                lines = self._monitor_lines(plan, item, args)
            else:
                lines = self._step_lines(index, item, args, namespace, key_parts, step_names)
            body.extend(lines)
            region_items.append(self._region_item(index, item, comment, lines, args, namespace,
                                                  key_parts))
        delay_lines = []
        for node in plan.nodes:
            for name, delay in node.__dict__.get("_delays", {}).items():
                head = args.add(f"_head_{len(args.names)}", ("delay_head", delay))
                delay_lines.append(f"{head}[0] += 1  # advance the delay "
                                   f"{self._node_names[id(node)]}.{name}")
        body.extend(delay_lines)
        region = []
        if self.region:
            args.add("_apart_all", ("apart_all",))
            region, self.region_width = chunk_region.region_source(
                region_items, args.names, room_checks, delay_lines)
            namespace.update(_barrier_wait=spin_barrier.barrier_wait,
                             _barrier_abort=spin_barrier.barrier_abort)
            key_parts.append(fingerprint(spin_barrier))
            self.written_arrays = sorted(set().union(*[item.writes for item in region_items]))
        # a run loop calling parallel twins is not cached on disk (rewrite.py)
        parallel = bool(twins) and not self.region
        header = [f"# Run loop of {self.description(plan)}, generated by workbench.",
                  "@jit(cache=False, no_cfunc_wrapper=True)" if parallel else
                  "@jit(no_cfunc_wrapper=True)",
                  f"def run_loop(_i0, _i1, _t0, _dt, {', '.join(args.names)}):",
                  "    for _i in range(_i0, _i1):",
                  "        _t = _t0 + _i * _dt"]
        footer = ["    return _i1"]
        source = "\n".join(header + ["        " + line for line in body] + footer) + "\n"
        if region:
            source += "\n\n" + "\n".join(region) + "\n"
        return source, namespace, args, key_parts

    def _array_arguments(self, names, args):
        """Of the loop's argument ``names``, those that hold arrays (numbers are copied)."""
        result = set()
        for name in names:
            if name not in args.names:
                continue
            source = args.sources[args.names.index(name)]
            if source[0] == "binding" and source[1].kind == "scalar":
                continue
            # numbers, read-only values, and what only thread 0 writes and reads (NaN
            # records, the index-check site: split steps' threads do not touch them)
            if source[0] in ("period", "every", "threads", "parallel_min", "input",
                             "apart_all", "nan", "nan_counts", "where"):
                continue
            result.add(name)
        return result

    def _region_item(self, index, item, comment, lines, args, namespace, key_parts):
        """The :class:`~.chunk_region.RegionItem` of a schedule item (``lines``: its serial code)."""
        if not self.region:
            return None
        used = self._array_arguments(set(_WORD.findall("\n".join(lines))), args)
        if item.key == "input":       # writes its targets (the values are never written)
            return chunk_region.RegionItem(index, comment, lines, used, used)
        if item.key == "monitor":
            written = {name for name in used
                       if args.sources[args.names.index(name)][0] in ("record", "events")}
            return chunk_region.RegionItem(index, comment, lines, used, written)
        rewritten = self.steps[index]
        twin = rewritten.twin
        if twin is None or item.every is not None:
            return chunk_region.RegionItem(index, comment, lines, used, used)
        # a split item: every thread calls the step's thread function
        module = load_step_module(rewritten)
        chunk = twin.chunk
        names = {}
        for part in ("thread", "baseline"):
            name = f"{getattr(chunk, part)}_{index}"
            namespace[name] = getattr(module, getattr(chunk, part))
            names[part] = name
        key_parts.append(f"{names['thread']}={module.__name__}")
        call_args = self._call_arguments(index, rewritten, args, twin=True)
        by_param = dict(zip(["_t", "_i", "_dt"] + [p for p, _, _ in rewritten.params] +
                            (["_nan", "_nan_counts"] if rewritten.nan_sites else []), call_args))
        start = max([c.columns[1] for c in self._split_items] + [0])
        columns = (start, start + chunk.width)
        flags = f"_tf[_p, :, {columns[0]}:{columns[1]}]"
        joined = ", ".join(call_args)
        used = self._array_arguments(set(call_args) | {a.split("[")[0] for a in call_args}, args)
        written = {by_param[p] for p in chunk.written}
        first = ", ".join(["_t0 + _i0 * _dt", "_i0", "_dt"] + call_args[3:])  # (run_region_start)
        region_item = chunk_region.RegionItem(
            index, comment, [f"{names['thread']}(_tid, {joined}, {flags})"], used, written,
            split=chunk, baseline=f"{names['baseline']}({first})", columns=columns)
        self._split_items.append(region_item)
        return region_item

    def description(self, plan):
        """The run's host as the loop's source names it: ``Network(CobaLIF_0, SynVec5_1)``.

        Unlike ``describe()`` it holds no automatic names, so that a network built again
        in this process has the same source (``node_variable_names``).
        """
        names = ", ".join(self._node_names[id(node)] for node in plan.nodes)
        return f"{type(plan.host).__name__}({names})"

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

    def _event_room_checks(self, plan, args):
        """Conditions true when an event record may not hold one more row of events
        (the loop then stops before the step)."""
        checks = []
        for k, (node, record) in enumerate(plan.records):
            if not isinstance(record, EventRecord):
                continue
            rows = args.add(f"_evrows_{k}", ("events", k, "rows"))
            count = args.add(f"_evcount_{k}", ("events", k, "count"))
            source, _ = self._value_expr(node, record.key, args)
            width = f"{source}.size" if record.index is None else \
                args.add(f"_idx_{k}", ("index", k)) + ".shape[0]"
            checks.append(f"{count}[0] + {width} > {rows}.shape[0]")
        return checks

    def _event_lines(self, k, record, source, binding, args):
        """Append the non-zero entries of a spike variable as (row, column[, value]) events."""
        rows, count = f"_evrows_{k}", f"_evcount_{k}"
        columns = args.add(f"_evcols_{k}", ("events", k, "columns"))
        one_d = np.ndim(getattr(binding.owner, binding.attr)) == 1
        flat = source if one_d else f"{source}.reshape({source}.size)"
        # the weights buffer is an argument even when unused (one element): every record
        # then calls the kernel with the same types
        weights = args.add(f"_evw_{k}", ("events", k, "weights"))
        if record.index is None:
            # one shared kernel (it skips blocks of zeros: spikes are rare) rather than a
            # copy of the loop per monitor, which cost compilation time in every run loop
            return [f"_append_events({flat}, {rows}, {columns}, {weights}, "
                    f"{record.weighted}, {count}, _i // _per_{k})"]
        lines = ["_n = " + count + "[0]", f"_flat = {flat}"]
        append = ["if _v:", f"    {rows}[_n] = _i // _per_{k}", f"    {columns}[_n] = _j"]
        if record.weighted:
            append.append(f"    {weights}[_n] = _v")
        append.append("    _n += 1")
        lines += [f"for _j in range(_idx_{k}.shape[0]):", f"    _v = _flat[_idx_{k}[_j]]"]
        return lines + [f"    {line}" for line in append] + [f"{count}[0] = _n"]

    def _monitor_lines(self, plan, item, args):
        lines = []
        for k, (node, record) in enumerate(plan.records):
            if node is not item.node:
                continue
            source, binding = self._value_expr(node, record.key, args)
            if isinstance(record, EventRecord):
                period = args.add(f"_per_{k}", ("period", k))
                write = self._event_lines(k, record, source, binding, args)
                lines.extend([f"if _i % {period} == 0:"] + [f"    {line}" for line in write])
                continue
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

    def _call_arguments(self, index, rewritten, args, twin):
        """The arguments of a step's call (``twin``: and those of its parallel twin)."""
        call_args = ["_t", "_i", "_dt"] + [args.for_binding(binding, position)
                                           for _, binding, position in rewritten.params]
        if rewritten.nan_sites:
            if "_nan" not in args.names:
                args.add("_nan", ("nan",))
                args.add("_nan_counts", ("nan_counts",))
            call_args += ["_nan", f"_nan_counts[{index}]"]
        if twin:
            for extra in ("threads", "parallel_min"):
                if "_" + extra not in args.names:
                    args.add("_" + extra, (extra,))
            call_args += ["_threads", "_parallel_min"]
            for ids in rewritten.twin.descents:
                binding = next(b for n, b, _ in rewritten.params if n == ids)
                desc = f"_desc_{args.for_binding(binding)}"
                if desc not in args.names:
                    args.add(desc, ("descents", binding))
                call_args.append(desc)
        return call_args

    def _step_lines(self, index, item, args, namespace, key_parts, step_names):
        rewritten = self.steps[index]
        dispatcher = load_step(rewritten)
        twin = rewritten.twin is not None and not self.region
        if twin:
            dispatcher = getattr(load_step_module(rewritten), rewritten.twin.name)
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
        call = f"{name}({', '.join(self._call_arguments(index, rewritten, args, twin))})"
        if rewritten.nan_sites:
            # the first NaN/inf a step reports is tagged with this schedule item
            call += f"\nif _nan[0] >= 0 and _nan[3] < 0:\n    _nan[3] = {index}"
        if rewritten.sites:
            # which schedule item runs: names the object when an index check fails
            if "_where" not in args.names:
                args.add("_where", ("where",))
            call = f"_where[0] = {index}; {call}"
        lines = call.split("\n")
        if item.every is None:
            return lines
        if callable(item.every):
            condition = f"_everyfn_{index}"
            namespace[condition] = _every_function(item.every)
            key_parts.append(f"{condition}={fingerprint(item.every)}")
            return [f"if {condition}():"] + [f"    {line}" for line in lines]
        period = args.add(f"_every_{index}", ("every", index))
        return [f"if (_t + 0.5 * _dt) % {period} < _dt:"] + [f"    {line}" for line in lines]
