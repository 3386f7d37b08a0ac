"""The numpy backend: run the schedule by calling the step functions as written.

The executor generates one small Python function per schedule item (inputs,
a step call, monitors) -- readable with ``show_code=True`` -- and a loop that
calls them. Step methods run unchanged with numpy arrays; loops inside them
that :mod:`~workbench.simulation.numpy.vectorize` can prove equivalent to array
operations are replaced by those (the others run as written).

The same item functions replay a failing chunk one item at a time, which is
how failures on every backend are located (see ``runner``).
"""

import linecache

import numpy as np

from ..codegen.names import node_variable_names
from ..executor import Executor
from .vectorize import vectorized_step

__all__ = ["InterpretedExecutor"]


class InterpretedExecutor(Executor):
    """Runs a planned schedule in Python (see :class:`~workbench.simulation.executor.Executor`).

    Parameters
    ----------
    plan : RunPlan
        The run's nodes, schedule items, inputs and monitor records.
    vectorize : bool, optional
        Replace provably equivalent loops in step methods by array operations.

    Attributes
    ----------
    vectorized : dict
        Step label to :class:`~workbench.simulation.numpy.vectorize.VectorizedStep`
        for the steps whose loops were replaced.
    """

    description = "Python (numpy-backend) executor"

    def __init__(self, plan, vectorize=True):
        super().__init__(plan)
        self.vectorize = vectorize
        self.nodes = plan.nodes
        self.items = plan.items
        self._var = node_variable_names(plan.nodes)
        self.vectorized = {}
        self.namespace = {"np": np}
        for node in plan.nodes:
            self.namespace[self._var[id(node)]] = node
        lines = []
        self._item_names = []
        for index, item in enumerate(plan.items):
            name = f"_item_{index}"
            self._item_names.append(name)
            lines.extend(self._item_source(name, index, item, plan))
            lines.append("")
        self.source = "\n".join(lines)
        filename = f"<workbench numpy run of {', '.join(n.name for n in plan.nodes)[:60]}>"
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        exec(compile(self.source, filename, "exec"), self.namespace)
        self.functions = [self.namespace[name] for name in self._item_names]
        self.heads = [d.head for node in plan.nodes for d in node.__dict__.get("_delays", {}).values()]
        self.t0 = 0.0
        self.dt = plan.dt

    # -- code generation -------------------------------------------------------------------
    def _item_source(self, name, index, item, plan):
        var = self._var[id(item.node)]
        lines = [f"def {name}(_t, _i, _dt):", f"    # {item.label}"]
        body = []
        if item.key == "input":
            for k, spec in enumerate(plan.inputs):
                if spec.node is item.node:
                    body.append(self._input_line(var, spec, plan.inputs.index(spec)))
        elif item.key == "monitor":
            for k, (node, record) in enumerate(plan.records):
                if node is item.node:
                    body.extend(self._monitor_lines(var, record, k))
        else:
            step = f"_step_{index}"
            func = item.func
            replaced = vectorized_step(func) if self.vectorize else None
            if replaced is not None:
                self.vectorized[item.label] = replaced
                self.namespace[step] = replaced.function.__get__(item.node)
            else:
                self.namespace[step] = func
            call = f"{step}({', '.join(item.args)})"
            if item.every is None:
                body.append(call)
            elif callable(item.every):
                self.namespace[f"_every_{index}"] = item.every
                body.extend([f"if _every_{index}():", f"    {call}"])
            else:
                self.namespace[f"_every_{index}"] = item.every
                body.extend([f"if (_t + 0.5 * _dt) % _every_{index} < _dt:", f"    {call}"])
        return lines + ["    " + line for line in (body or ["pass"])]

    def _input_line(self, var, spec, k):
        value = f"_in_{k}" + ("[_i]" if spec.kind == "series" else "")
        if spec.op == "=":
            return f"{var}.{spec.attr}[...] = {value}"
        return f"{var}.{spec.attr} {spec.op}= {value}"

    def _monitor_lines(self, var, record, k):
        if record.index is None:
            value = f"{var}.{record.key}"
        else:
            self.namespace[f"_idx_{k}"] = record.index
            value = f"np.ravel({var}.{record.key})[_idx_{k}]"
        if record.period_steps == 1:
            return [f"_rec_{k}.write(_i, {value})"]
        p = record.period_steps
        return [f"if _i % {p} == 0:", f"    _rec_{k}.write(_i // {p}, {value})"]

    # -- running ---------------------------------------------------------------------------
    def bind(self, plan, force=False):
        """Put the run's input values, monitor storage and times where the items read them."""
        for k, spec in enumerate(plan.inputs):
            self.namespace[f"_in_{k}"] = spec.value
        for k, (node, record) in enumerate(plan.records):
            self.namespace[f"_rec_{k}"] = record
            if record.index is not None:
                self.namespace[f"_idx_{k}"] = record.index
        self.t0 = plan.t0
        self.dt = plan.dt

    def run_chunk(self, i_start, i_end):
        """Call the item functions of steps ``i_start`` to ``i_end - 1``; advance the delays."""
        functions, heads, t0, dt = self.functions, self.heads, self.t0, self.dt
        for i in range(i_start, i_end):
            t = t0 + i * dt
            for function in functions:
                function(t, i, dt)
            for head in heads:
                head[0] += 1

    def run_item(self, index, i):
        """Call the function of schedule item ``index`` for step ``i``."""
        self.functions[index](self.t0 + i * self.dt, i, self.dt)

    def end_step(self):
        """Advance the delays after the last item of a replayed step."""
        for head in self.heads:
            head[0] += 1

    def item_of_frame(self, code):
        """The schedule index whose generated item function has the code object ``code``."""
        for index, function in enumerate(self.functions):
            if function.__code__ is code:
                return index
        return None
