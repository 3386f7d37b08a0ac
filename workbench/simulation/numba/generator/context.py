"""The state of one step's rewrite: what the step is, what it reads, what it will take.

A :class:`StepContext` parses the step, knows its locals, globals and closure
(to resolve names, :mod:`.resolve`), and collects the generated function's
parameters (one per :class:`~workbench.simulation.numba.generator.bindings.Binding`
argument) and the values injected into its module (with their cache keys).
"""

import ast
import builtins
import inspect

from ....backend.jit import jit
from ...codegen.astutil import local_names, parse_function
from ...executor import StepCompileError
from .. import kernels
from .bindings import GlobalOwner
from .fingerprints import fingerprint

__all__ = ["StepContext", "loop_indices"]


def loop_indices(fdef, namespace):
    """Names that only ever hold loop indices (targets of range/enumerate loops)."""
    candidates, other = set(), set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.For):
            call = node.iter
            func = call.func.id if isinstance(call, ast.Call) and \
                isinstance(call.func, ast.Name) else None
            if func in ("range", "prange") and isinstance(node.target, ast.Name):
                candidates.add(node.target.id)
                continue
            if func == "enumerate" and isinstance(node.target, ast.Tuple) and \
                    isinstance(node.target.elts[0], ast.Name):
                candidates.add(node.target.elts[0].id)
                other.update(n.id for e in node.target.elts[1:] for n in ast.walk(e)
                             if isinstance(n, ast.Name))
                continue
            other.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            other.add(node.id)
    loop_targets = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.For):
            loop_targets.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    stored_elsewhere = {n for n in other if n not in loop_targets} | \
        {n.id for node in ast.walk(fdef) if isinstance(node, (ast.Assign, ast.AugAssign))
         for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
         for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    shadowed = {name for name in ("range", "prange", "enumerate") if name in namespace}
    if shadowed:
        return set()
    return candidates - stored_elsewhere - (other - candidates)


class StepContext:
    """Per-step state of a rewrite.

    Parameters
    ----------
    func, node, registry, label, method_integrators
        As for :func:`~workbench.simulation.numba.generator.rewrite.rewrite_step`.

    Raises
    ------
    StepCompileError
        If the step is not a plain function definition.
    OSError, TypeError
        If its source is not available.
    """

    def __init__(self, func, node, registry, label, method_integrators):
        self.func = func
        self.node = node
        self.registry = registry
        self.label = label
        self.method_integrators = method_integrators
        raw = func.__func__ if inspect.ismethod(func) else func
        self.raw = raw
        self.fdef, self.filename, self.first_line = parse_function(func)
        if not isinstance(self.fdef, ast.FunctionDef):
            raise StepCompileError(f"{label} ({self.filename}, line {self.first_line}) is not a "
                                   f"plain function definition (a lambda or callable object); "
                                   f"write it as a method with def.")
        args = [a.arg for a in self.fdef.args.args]
        self.self_name = args[0] if inspect.ismethod(func) and args else None
        self.locals = local_names(self.fdef)
        self.globals = raw.__globals__
        self.module_name = self.globals.get("__name__", "?")
        self.closure = {}
        if raw.__closure__:
            self.closure = dict(zip(raw.__code__.co_freevars, raw.__closure__))
        self.int_names = loop_indices(self.fdef, self.globals)
        self.params = []               # (param name, binding, index)
        self.param_names = set()
        self.namespace = dict(kernels.KERNEL_NAMESPACE)
        self.namespace["jit"] = jit
        self.key_parts = {fingerprint(kernels): None}   # ordered set
        self._injected = {}
        self.origins = {}              # injected name -> what it stands for (an integrator)

    def fresh_index(self):
        """A new loop-variable name that no local of the step uses."""
        self._index_count = getattr(self, "_index_count", 0) + 1
        name = f"_k{self._index_count}"
        while name in self.locals:
            name += "_"
        return name

    def error(self, node, message):
        """A StepCompileError naming the step, its file and the line of ``node``."""
        line = getattr(node, "lineno", self.first_line)
        return StepCompileError(f"{self.label} cannot be compiled for numba ({self.filename}, "
                                f"line {line}): {message}")

    # -- arguments and injected globals ---------------------------------------------------
    def add_param(self, base, binding):
        """The parameter names of a binding's arguments (added on first use)."""
        names = [base + suffix for suffix in binding.suffixes()]
        if names[0] not in self.param_names:
            for index, name in enumerate(names):
                self.params.append((name, binding, index))
                self.param_names.add(name)
        return names

    def inject(self, base, value, key):
        """Put ``value`` into the generated module under a free name; ``key`` joins the key."""
        for existing, (obj, _) in self._injected.items():
            if obj is value:
                return existing
        name = base
        k = 1
        while name in self._injected or name in self.locals or name in self.namespace:
            k += 1
            name = f"{base}_{k}"
        self._injected[name] = (value, key)
        self.namespace[name] = value
        self.key_parts[f"{name}={key}"] = None
        return name

    def lookup_global(self, name, node):
        """(value, GlobalOwner) of a global or closure name, (value, None) for a builtin."""
        if name in self.closure:
            cell = self.closure[name]
            try:
                return cell.cell_contents, GlobalOwner(cell=cell, module_name=self.module_name)
            except ValueError:
                raise self.error(node, f"the closure variable {name!r} is not defined yet") \
                    from None
        if name in self.globals:
            return self.globals[name], GlobalOwner(namespace=self.globals,
                                                   module_name=self.module_name)
        if hasattr(builtins, name):
            return getattr(builtins, name), None
        raise self.error(node, f"the name {name!r} is not defined")
