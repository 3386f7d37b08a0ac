"""Rewrite a step method into a compiled function over arrays and numbers.

``def update(self, _t)`` reading ``self.V[i]``, ``self.pre.spike`` or the module
constant ``ref_time`` becomes ``def LIF_update(_t, _i, _dt, self__V,
self__pre__spike, ref_time, ...)``: every attribute chain from ``self`` and
every global number or array the method reads becomes an argument (a
:class:`~workbench.simulation.numba.generator.bindings.Binding`), so parameters and state are
run-time data and changing them never recompiles. In detail:

* ``self.x = expr`` on an array attribute writes into the array
  (``_assign(self__x, expr)``); ``self.x += expr`` likewise (``_iadd``). On a
  number, the number becomes a 1-element *cell* (``self__x[0] = expr``) that is
  copied back to the object after the run.
* ``self.int_V(...)`` / ``int_fhn(...)`` (integrators) call the integrator's
  compiled ``jit_step``; an integrator whose derivative reads ``self.x`` is
  regenerated through ``make_step`` with those reads as extra parameters.
* ``self.pre2post[i]`` on a ragged list reads a CSR slice; ``len()`` works too.
* ``self.g.push(v)`` / ``self.g.pull()`` / ``self.g.reset()`` on a constant delay
  read and write its ring buffer.
* ``bp.ops.exp`` and other functions reached through non-numpy modules are
  resolved now and injected by value (and put into the cache key).

Anything else that cannot be compiled raises :class:`StepCompileError` naming
the file and line.
"""

import ast
import builtins
import inspect
import numbers
import types

import numba
import numpy as np

from ....backend.jit import jit
from .. import kernels
from ...nodes.base import DynamicalSystem
from .bindings import Binding, GlobalOwner, classify, is_integrator
from ...codegen.astutil import MISSING as _MISSING, chain_names as _chain, local_names as _local_names
from ...codegen.astutil import parse_function, static_get as _static_get
from ...codegen.codeprint import render_body
from ...codegen.names import sanitize
from ...executor import StepCompileError
from .fingerprints import fingerprint, integrator_fingerprint
from ...numpy.vectorize import straight_line_elementwise

__all__ = ["RewrittenStep", "rewrite_step", "BindingRegistry"]

#: Root modules whose attribute chains are left in the code (numba resolves them and
#: their functions never change).
STABLE_MODULES = ("numpy", "math", "cmath", "numba")

#: Calls whose arguments must stay integers (sizes, counts).
_INT_CALLS = {builtins.range, builtins.int, np.zeros, np.ones, np.empty, np.full, np.arange,
              np.zeros_like, np.ones_like, numba.prange}

_FORBIDDEN = {ast.Global: "`global` statements", ast.Nonlocal: "`nonlocal` statements",
              ast.Import: "imports", ast.ImportFrom: "imports", ast.ClassDef: "class definitions",
              ast.AsyncFunctionDef: "async functions", ast.Await: "await",
              ast.Yield: "yield", ast.YieldFrom: "yield", ast.Delete: "del statements",
              ast.AsyncFor: "async loops", ast.AsyncWith: "async with"}

KERNEL_NAMESPACE = {"_assign": kernels.assign, "_iadd": kernels.iadd, "_isub": kernels.isub,
                    "_imul": kernels.imul, "_idiv": kernels.idiv,
                    "_gather_into": kernels.gather_into, "_sum_axis": kernels.sum_axis}


class BindingRegistry:
    """The bindings of one build, shared by all its steps (so each value has one binding)."""

    def __init__(self):
        self.bindings = {}

    def get(self, owner, attr, kind, value):
        """The binding of ``owner.attr``, created on first use.

        Parameters
        ----------
        owner : object
        attr : str
        kind : str
        value : object

        Returns
        -------
        Binding
        """
        binding = Binding(owner, attr, kind, value)
        existing = self.bindings.get(binding.key)
        if existing is not None:
            return existing
        self.bindings[binding.key] = binding
        return binding


class RewrittenStep:
    """The compiled form of one step method.

    Attributes
    ----------
    name : str
        Name of the generated function.
    source : str
        Source of the generated module (what ``show_code`` prints).
    params : list of (str, Binding, int)
        Argument name, binding, and which of the binding's arguments it is.
    namespace : dict
        Globals injected into the generated module.
    key_parts : list of str
        Everything numba freezes besides the source (for the disk cache).
    label : str
        ``"step 'update' of LIF 'E'"`` for messages.
    filename : str
    """

    def __init__(self, name, source, params, namespace, key_parts, label, filename):
        self.name = name
        self.source = source
        self.params = params
        self.namespace = namespace
        self.key_parts = key_parts
        self.label = label
        self.filename = filename


class _Ref:
    """What an expression chain refers to."""

    def __init__(self, kind, value=None, binding=None, rest=(), param=None, owner_chain=None,
                 name=None):
        self.kind = kind            # binding / integrator / function / keep / local / object
        self.value = value
        self.binding = binding
        self.rest = list(rest)
        self.param = param
        self.owner_chain = owner_chain
        self.name = name


def _loop_indices(fdef, namespace):
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


class _Context:
    """Per-step state of a rewrite."""

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
        self.locals = _local_names(self.fdef)
        self.globals = raw.__globals__
        self.module_name = self.globals.get("__name__", "?")
        self.closure = {}
        if raw.__closure__:
            self.closure = dict(zip(raw.__code__.co_freevars, raw.__closure__))
        self.int_names = _loop_indices(self.fdef, self.globals)
        self.params = []               # (param name, binding, index)
        self.param_names = set()
        self.namespace = dict(KERNEL_NAMESPACE)
        self.namespace["jit"] = jit
        self.key_parts = {fingerprint(kernels): None}   # ordered set
        self._injected = {}

    def fresh_index(self):
        self._index_count = getattr(self, "_index_count", 0) + 1
        name = f"_k{self._index_count}"
        while name in self.locals:
            name += "_"
        return name

    def error(self, node, message):
        line = getattr(node, "lineno", self.first_line)
        return StepCompileError(f"{self.label} cannot be compiled for numba ({self.filename}, "
                                f"line {line}): {message}")

    # -- arguments and injected globals ---------------------------------------------------
    def add_param(self, base, binding):
        names = [base + suffix for suffix in binding.suffixes()]
        if names[0] not in self.param_names:
            for index, name in enumerate(names):
                self.params.append((name, binding, index))
                self.param_names.add(name)
        return names

    def inject(self, base, value, key):
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


class _Rewriter(ast.NodeTransformer):
    """Rewrites one step function's body (see the module docs)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.int_depth = 0
        self.temp_count = 0

    # -- resolution ------------------------------------------------------------------------
    def resolve(self, names, node):
        ctx = self.ctx
        root = names[0]
        if root == ctx.self_name:
            return self._resolve_object(ctx.node, names[1:], ["self"], node, [root])
        if root in ctx.locals:
            return _Ref("local")
        value, owner = ctx.lookup_global(root, node)
        if owner is None:                        # a builtin
            return _Ref("keep", value=value)
        return self._resolve_global(root, value, owner, names, node)

    def _resolve_object(self, obj, attrs, path, node, source_chain):
        for position, attr in enumerate(attrs):
            value = _static_get(obj, attr)
            if value is _MISSING:
                raise self.ctx.error(node, f"{'.'.join(source_chain + attrs[:position + 1])}: "
                                           f"{_describe(obj)} has no attribute {attr!r}")
            if isinstance(value, DynamicalSystem):
                obj, path = value, path + [attr]
                continue
            rest = attrs[position + 1:]
            chain_text = ".".join(source_chain + attrs[:position + 1])
            if is_integrator(value):
                return _Ref("integrator", value=value, rest=rest, name=attr,
                            owner_chain=source_chain + attrs[:position])
            if inspect.ismethod(value) or isinstance(value, (types.BuiltinMethodType,)):
                raise self.ctx.error(node, f"{chain_text}(...) calls another method; compiled "
                                           f"steps can call integrators and functions, not "
                                           f"methods (inline the method's code, or make it a "
                                           f"@staticmethod).")
            if isinstance(value, types.FunctionType) or _is_dispatcher(value):
                return _Ref("function", value=value, rest=rest, name=attr)
            kind = classify(value)
            if kind == "other":
                raise self.ctx.error(node, f"{chain_text} is a {type(value).__name__}; compiled "
                                           f"steps can read numeric arrays, numbers, tuples of "
                                           f"ints, lists of index arrays and delays.")
            binding = self.ctx.registry.get(obj, attr, kind, value)
            base = "__".join(path + [attr])
            return _Ref("binding", binding=binding, rest=rest, param=base)
        raise self.ctx.error(node, f"{'.'.join(source_chain + attrs)} is a model object; compiled "
                                   f"steps can only use its attributes (e.g. .V).")

    def _resolve_global(self, root, value, owner, names, node):
        ctx = self.ctx
        if isinstance(value, types.ModuleType):
            top = value.__name__.split(".")[0]
            consumed = [root]
            current = value
            for attr in names[1:]:
                if not isinstance(current, types.ModuleType):
                    break
                if not hasattr(current, attr):
                    raise ctx.error(node, f"{'.'.join(consumed + [attr])} does not exist")
                current = getattr(current, attr)
                consumed.append(attr)
            rest = names[len(consumed):]
            if top in STABLE_MODULES:
                ctx.namespace[root] = value
                ctx.key_parts[f"{root}=module {value.__name__}"] = None
                return _Ref("keep", value=current, rest=rest)
            if isinstance(current, types.ModuleType):
                raise ctx.error(node, f"{'.'.join(consumed)} is a module; compiled steps can use "
                                      f"its functions and numbers.")
            module = _owning_module(value, consumed)
            return self._classify_global(consumed[-1], current, module, rest, node,
                                         "__".join(consumed), consumed)
        return self._classify_global(root, value, owner, names[1:], node, root, [root])

    def _classify_global(self, name, value, owner, rest, node, param, consumed):
        ctx = self.ctx
        if is_integrator(value):
            return _Ref("integrator", value=value, rest=rest, name=name, owner_chain=None)
        if callable(value) and classify(value) == "other":
            # functions, ufuncs, numpy's array-function dispatchers, types, dispatchers:
            # numba decides whether it can call them (a failure names the line)
            return _Ref("function", value=value, rest=rest, name="_".join(consumed))
        kind = classify(value)
        if kind == "other":
            raise ctx.error(node, f"{'.'.join(consumed)} is a {type(value).__name__}; compiled "
                                  f"steps can read numbers, numeric arrays and functions from "
                                  f"their module.")
        binding = ctx.registry.get(owner, name, kind, value)
        return _Ref("binding", binding=binding, rest=rest, param=param)

    # -- expressions -----------------------------------------------------------------------
    def _binding_expr(self, ref, node, allow=("array", "scalar", "cell", "tuple")):
        binding = ref.binding
        if binding.kind not in allow:
            what = {"csr": "a list of index arrays (use it as x[i] or len(x))",
                    "delay": "a delay (use .push(value), .pull() or .reset())"}
            raise self.ctx.error(node, f"{ast.unparse(node)} is {what.get(binding.kind, binding.kind)}")
        if binding.kind in ("scalar", "cell") and self.int_depth:
            binding.int_context = True
        names = self.ctx.add_param(ref.param, binding)
        expr = ast.Name(names[0], ast.Load())
        if binding.kind == "cell":
            expr = ast.Subscript(expr, ast.Constant(0), ast.Load())
        for attr in ref.rest:
            expr = ast.Attribute(expr, attr, ast.Load())
        return expr

    def _function_expr(self, ref):
        name = self.ctx.inject(sanitize(ref.name), _callable_for_numba(ref.value),
                               fingerprint(ref.value))
        expr = ast.Name(name, ast.Load())
        for attr in ref.rest:
            expr = ast.Attribute(expr, attr, ast.Load())
        return expr

    def _ref_expr(self, ref, node):
        if ref.kind in ("local", "keep"):
            return None
        if ref.kind == "binding":
            return self._binding_expr(ref, node)
        if ref.kind == "function":
            return self._function_expr(ref)
        if ref.kind == "integrator":
            raise self.ctx.error(node, f"the integrator {ast.unparse(node)} can only be called")
        raise self.ctx.error(node, f"{ast.unparse(node)} cannot be used here")

    def visit_Name(self, node):
        if node.id == self.ctx.self_name:
            raise self.ctx.error(node, "`self` can only be used to read attributes (self.x); "
                                       "it cannot be passed around in compiled steps")
        if isinstance(node.ctx, ast.Load):
            expr = self._ref_expr(self.resolve([node.id], node), node)
            if expr is not None:
                return ast.copy_location(expr, node)
        return node

    def visit_Attribute(self, node):
        names = _chain(node)
        if names is None or not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        ref = self.resolve(names, node)
        if ref.kind == "binding" and ref.binding.kind == "delay" and ref.rest:
            raise self.ctx.error(node, f"{ast.unparse(node)}: call the delay's push(), pull() "
                                       f"or reset() method")
        expr = self._ref_expr(ref, node)
        if expr is None:
            return self.generic_visit(node)
        return ast.copy_location(expr, node)

    def visit_Subscript(self, node):
        names = _chain(node.value)
        if names is not None:
            ref = self.resolve(names, node.value)
            if ref.kind == "binding" and ref.binding.kind == "csr" and not ref.rest:
                if not isinstance(node.ctx, ast.Load):
                    raise self.ctx.error(node, f"{ast.unparse(node)} cannot be assigned: lists of "
                                               f"index arrays are read-only in compiled steps")
                return ast.copy_location(self._csr_row(ref, node), node)
            if ref.kind == "binding" and ref.binding.kind in ("scalar", "cell") and not ref.rest:
                raise self.ctx.error(node, f"{ast.unparse(node.value)} is a number and cannot "
                                           f"be indexed")
            if ref.kind == "binding" and not isinstance(node.ctx, ast.Load):
                ref.binding.written = True
        node.value = self.visit(node.value)
        self.int_depth += 1
        node.slice = self.visit(node.slice)
        self.int_depth -= 1
        return node

    def _csr_row(self, ref, node):
        if isinstance(node.slice, (ast.Tuple, ast.Slice)):
            raise self.ctx.error(node, f"{ast.unparse(node)}: a list of index arrays can only be "
                                       f"indexed with one position")
        indptr, indices = self.ctx.add_param(ref.param, ref.binding)
        self.int_depth += 1
        index = self.visit(node.slice)
        self.int_depth -= 1
        ptr = ast.Name(indptr, ast.Load())
        start = ast.Subscript(ptr, index, ast.Load())
        end = ast.Subscript(ptr, ast.BinOp(index, ast.Add(), ast.Constant(1)), ast.Load())
        return ast.Subscript(ast.Name(indices, ast.Load()), ast.Slice(start, end), ast.Load())

    def visit_Call(self, node):
        names = _chain(node.func)
        ref = self.resolve(names, node.func) if names is not None else None
        if ref is not None and ref.kind == "integrator":
            return ast.copy_location(self._integrator_call(ref, node), node)
        if ref is not None and ref.kind == "binding" and ref.binding.kind == "delay":
            return ast.copy_location(self._delay_call(ref, node, statement=False), node)
        if ref is not None and ref.kind == "keep" and ref.value is builtins.len and \
                len(node.args) == 1:
            inner = _chain(node.args[0])
            if inner is not None:
                inner_ref = self.resolve(inner, node.args[0])
                if inner_ref.kind == "binding" and inner_ref.binding.kind == "csr" \
                        and not inner_ref.rest:
                    indptr = self.ctx.add_param(inner_ref.param, inner_ref.binding)[0]
                    size = ast.Attribute(ast.Name(indptr, ast.Load()), "shape", ast.Load())
                    return ast.copy_location(ast.BinOp(
                        ast.Subscript(size, ast.Constant(0), ast.Load()), ast.Sub(),
                        ast.Constant(1)), node)
        if ref is not None and ref.value is np.sum and not ref.rest:
            replaced = self._sum_with_axis(node)
            if replaced is not None:
                return ast.copy_location(replaced, node)
        int_call = ref is not None and _safe_in(ref.value, _INT_CALLS) and not ref.rest
        node.func = self.visit(node.func)
        if int_call:
            self.int_depth += 1
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        if int_call:
            self.int_depth -= 1
        return node

    def _sum_with_axis(self, call):
        """``np.sum(x, axis=k)`` -> ``_sum_axis(x, k)``: numba's axis sum compiles very slowly."""
        axis = [k.value for k in call.keywords if k.arg == "axis"]
        others = [k for k in call.keywords if k.arg != "axis"]
        if len(call.args) == 2 and not call.keywords:
            axis = [call.args[1]]
        elif len(call.args) != 1 or others or len(axis) != 1:
            return None
        self.int_depth += 1
        axis_expr = self.visit(axis[0])
        self.int_depth -= 1
        return ast.Call(ast.Name("_sum_axis", ast.Load()), [self.visit(call.args[0]), axis_expr],
                        [])

    def _row_store(self, target, value, op, node):
        """``X[i] = v`` / ``X[i] += v`` on a row of a 2-d (or more) array: a kernel call.

        Numba's generic array-valued setitem costs seconds of compilation; an integer index
        (a range/enumerate loop variable or a constant) selects a view, which the kernels
        write in place.
        """
        names = _chain(target.value)
        if names is None or names[0] != self.ctx.self_name:
            return None
        index = target.slice
        if not ((isinstance(index, ast.Name) and index.id in self.ctx.int_names) or
                (isinstance(index, ast.Constant) and isinstance(index.value, int))):
            return None
        ref = self.resolve(names, target.value)
        if ref.kind != "binding" or ref.binding.kind != "array" or ref.rest:
            return None
        if np.ndim(ref.binding.read()) < 2:
            return None
        if op is not None and type(op).__name__ not in kernels.KERNEL_OPS:
            return None
        ref.binding.written = True
        row = ast.Subscript(self._binding_expr(ref, target.value), index, ast.Load())
        kernel = "_assign" if op is None else "_" + kernels.KERNEL_OPS[type(op).__name__]
        return [ast.copy_location(ast.Expr(ast.Call(ast.Name(kernel, ast.Load()), [row, value],
                                                    [])), node)]

    def _fused_store(self, target, value, op, node):
        """``self.x = expr`` / ``self.x += expr`` on an array as one element-wise loop.

        When ``expr`` combines only arrays of the target's shape, numbers and
        element-wise functions (arithmetic, numpy ufuncs, single-variable integrators
        with straight-line derivatives), numpy computes each element from the same
        element of its operands; one loop (over flat views of the C-contiguous arrays)
        computes the same values without temporary arrays. The arrays' shapes become
        part of the compiled code's signature: a run with arrays of another shape
        builds the step again.
        """
        if not isinstance(target, ast.Attribute) or (op is not None and
                                                     type(op).__name__ not in kernels.KERNEL_OPS):
            return None
        names = _chain(target)
        if names is None or names[0] != self.ctx.self_name:
            return None
        ref = self.resolve(names, target)
        if ref.kind != "binding" or ref.binding.kind != "array" or ref.rest:
            return None
        current = ref.binding.read()
        if np.ndim(current) < 1:
            return None
        fuser = _Fuser(self, np.shape(current))
        try:
            element = fuser.element(value)
        except _NotFusable:
            return None
        if not fuser.arrays:                       # a plain number: the kernel fills
            return None
        target_name = self.ctx.add_param(ref.param, ref.binding)[0]
        ref.binding.fixed_shape = np.shape(current)
        index = self.ctx.fresh_index()
        statements = []
        flat = {}
        for name in sorted(fuser.arrays | {target_name}):
            if len(np.shape(current)) == 1:
                flat[name] = name
            else:                                  # C-contiguous: reshape gives a flat view
                flat[name] = f"{name}_flat{index}"
                statements.append(ast.Assign(
                    [ast.Name(flat[name], ast.Store())],
                    ast.Call(ast.Attribute(ast.Name(name, ast.Load()), "reshape", ast.Load()),
                             [ast.Attribute(ast.Name(name, ast.Load()), "size", ast.Load())],
                             [])))
        store = ast.Subscript(ast.Name(flat[target_name], ast.Load()),
                              ast.Name(index, ast.Load()), ast.Store())
        element = _IndexArrays(flat, index).visit(element)
        statement = ast.Assign([store], element) if op is None else \
            ast.AugAssign(store, op, element)
        statements.append(ast.For(
            ast.Name(index, ast.Store()),
            ast.Call(ast.Name("range", ast.Load()),
                     [ast.Attribute(ast.Name(target_name, ast.Load()), "size", ast.Load())], []),
            [statement], []))
        return [ast.copy_location(s, node) for s in statements]

    def visit_Slice(self, node):
        self.int_depth += 1
        self.generic_visit(node)
        self.int_depth -= 1
        return node

    # -- integrators and delays ------------------------------------------------------------
    def _integrator_call(self, ref, call):
        ctx = self.ctx
        integ = ref.value
        if ref.rest:
            raise ctx.error(call, f"{ast.unparse(call.func)}: only calling the integrator is "
                                  f"supported in compiled steps")
        names = list(integ.variables) + ["t"] + list(integ.parameters)
        if any(isinstance(a, ast.Starred) for a in call.args) or \
                any(k.arg is None for k in call.keywords):
            raise ctx.error(call, "integrator calls with *args or **kwargs cannot be compiled")
        if len(call.args) > len(names):
            raise ctx.error(call, f"the integrator {ref.name} takes {len(names)} arguments "
                                  f"({', '.join(names)}), {len(call.args)} were given")
        values = dict(zip(names, [self.visit(a) for a in call.args]))
        for keyword in call.keywords:
            if keyword.arg not in names:
                raise ctx.error(call, f"the integrator {ref.name} has no argument "
                                      f"{keyword.arg!r}; its arguments are {', '.join(names)}")
            if keyword.arg in values:
                raise ctx.error(call, f"argument {keyword.arg!r} of {ref.name} is given twice")
            values[keyword.arg] = self.visit(keyword.value)
        defaults = dict(getattr(integ, "defaults", {}) or {})
        ordered = []
        for name in names:
            if name in values:
                ordered.append(values[name])
            elif name in defaults and isinstance(defaults[name], numbers.Number):
                ordered.append(ast.Constant(defaults[name]))
            else:
                raise ctx.error(call, f"the integrator {ref.name} needs the argument {name!r}")
        if integ.has_self:
            if ref.owner_chain is None:
                raise ctx.error(call, f"{ref.name} integrates a method (its derivative takes "
                                      f"self) but is not reached through an object")
            step_function, chains = ctx.method_integrators(integ)
            for chain in chains:
                expr = ast.Name(ref.owner_chain[0], ast.Load())
                for attr in ref.owner_chain[1:] + list(chain):
                    expr = ast.Attribute(expr, attr, ast.Load())
                ast.copy_location(expr, call)
                ordered.append(self.visit(expr))
        else:
            step_function = getattr(integ, "jit_step", None)
            if step_function is None:
                raise ctx.error(call, f"the integrator {ref.name} has no compiled step "
                                      f"(jit_step)")
        if _maps_elementwise(integ):
            # arrays run element by element through the scalar step (see kernels)
            caller = kernels.elementwise_call(step_function, len(integ.variables))
            name = ctx.inject(f"_int_{sanitize(ref.name)}", caller,
                              "elementwise:" + integrator_fingerprint(integ, step_function))
        else:
            name = ctx.inject(f"_int_{sanitize(ref.name)}", step_function,
                              integrator_fingerprint(integ, step_function))
        return ast.Call(ast.Name(name, ast.Load()), ordered, [])

    def _delay_call(self, ref, call, statement):
        ctx = self.ctx
        method = ref.rest[0] if len(ref.rest) == 1 else None
        data, head = ctx.add_param(ref.param, ref.binding)
        data_expr = ast.Name(data, ast.Load())
        slots = ast.Subscript(ast.Attribute(data_expr, "shape", ast.Load()), ast.Constant(0),
                              ast.Load())
        now = ast.Subscript(ast.Name(head, ast.Load()), ast.Constant(0), ast.Load())
        if method == "pull" and not call.args and not call.keywords:
            slot = ast.BinOp(ast.BinOp(now, ast.Add(), ast.Constant(1)), ast.Mod(), slots)
            return ast.Subscript(data_expr, slot, ast.Load())
        if method == "push" and len(call.args) == 1 and not call.keywords:
            if not statement:
                raise ctx.error(call, "delay.push(value) must be a statement of its own")
            slot = ast.BinOp(now, ast.Mod(), slots)
            target = ast.Subscript(data_expr, slot, ast.Load())
            return [ast.Expr(ast.Call(ast.Name("_assign", ast.Load()),
                                      [target, self.visit(call.args[0])], []))]
        if method == "reset" and not call.args and not call.keywords:
            if not statement:
                raise ctx.error(call, "delay.reset() must be a statement of its own")
            head_store = ast.Subscript(ast.Name(head, ast.Load()), ast.Constant(0), ast.Store())
            return [ast.Expr(ast.Call(ast.Name("_assign", ast.Load()),
                                      [data_expr, ast.Constant(0.0)], [])),
                    ast.Assign([head_store], ast.Constant(0))]
        raise ctx.error(call, f"{ast.unparse(call)}: delays support push(value), pull() and "
                              f"reset() in compiled steps")

    # -- statements ------------------------------------------------------------------------
    def visit_Expr(self, node):
        if isinstance(node.value, ast.Call):
            names = _chain(node.value.func)
            if names is not None:
                ref = self.resolve(names, node.value.func)
                if ref.kind == "binding" and ref.binding.kind == "delay":
                    statements = self._delay_call(ref, node.value, statement=True)
                    if isinstance(statements, list):
                        return [ast.copy_location(s, node) for s in statements]
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None                     # a docstring
        return self.generic_visit(node)

    def _attribute_target(self, target):
        names = _chain(target)
        if names is None or names[0] != self.ctx.self_name:
            return None
        ref = self.resolve(names, target)
        if ref.kind != "binding" or ref.rest:
            raise self.ctx.error(target, f"{ast.unparse(target)} cannot be assigned in a "
                                         f"compiled step")
        return ref

    def _store(self, ref, value, node, op=None):
        """Statements that store ``value`` into the attribute of ``ref``."""
        binding = ref.binding
        if binding.kind == "array":
            binding.written = True
            target = ast.Name(self.ctx.add_param(ref.param, binding)[0], ast.Load())
            if op is None:
                call = ast.Call(ast.Name("_assign", ast.Load()), [target, value], [])
            elif type(op).__name__ in kernels.KERNEL_OPS:
                kernel = "_" + kernels.KERNEL_OPS[type(op).__name__]
                call = ast.Call(ast.Name(kernel, ast.Load()), [target, value], [])
            else:
                call = ast.Call(ast.Name("_assign", ast.Load()),
                                [target, ast.BinOp(target, op, value)], [])
            return [ast.copy_location(ast.Expr(call), node)]
        if binding.kind in ("scalar", "cell"):
            binding.written = True
            param = self.ctx.add_param(ref.param, binding)[0]
            cell = ast.Subscript(ast.Name(param, ast.Load()), ast.Constant(0), ast.Store())
            if binding.kind == "scalar":      # first pass: becomes a cell in the second
                cell = ast.Name(param, ast.Store())
            statement = ast.Assign([cell], value) if op is None else ast.AugAssign(cell, op, value)
            return [ast.copy_location(statement, node)]
        raise self.ctx.error(node, f"{ast.unparse(node)}: {binding.describe()} ({binding.kind}) "
                                   f"cannot be assigned in a compiled step")

    def visit_Assign(self, node):
        if len(node.targets) != 1:
            raise self.ctx.error(node, "chained assignments (a = b = value) cannot be compiled; "
                                       "split them")
        target = node.targets[0]
        fused = self._fused_store(target, node.value, None, node)
        if fused is not None:
            return fused
        value = self.visit(node.value)
        ref = self._attribute_target(target)
        if ref is not None:
            return self._store(ref, value, node)
        if isinstance(target, ast.Subscript):
            row = self._row_store(target, value, None, node)
            if row is not None:
                return row
        if isinstance(target, (ast.Tuple, ast.List)):
            elements, after = [], []
            for element in target.elts:
                element_ref = self._attribute_target(element)
                if element_ref is None:
                    elements.append(self.visit(element))
                    continue
                self.temp_count += 1
                temp = f"_tmp{self.temp_count}"
                elements.append(ast.Name(temp, ast.Store()))
                after.extend(self._store(element_ref, ast.Name(temp, ast.Load()), node))
            unpack = ast.copy_location(ast.Assign([type(target)(elements, ast.Store())], value),
                                       node)
            return [unpack] + after
        node.targets = [self.visit(target)]
        node.value = value
        return node

    def visit_AugAssign(self, node):
        fused = self._fused_store(node.target, node.value, node.op, node)
        if fused is not None:
            return fused
        value = self.visit(node.value)
        ref = self._attribute_target(node.target)
        if ref is not None:
            return self._store(ref, value, node, op=node.op)
        if isinstance(node.target, ast.Subscript):
            row = self._row_store(node.target, value, node.op, node)
            if row is not None:
                return row
        node.target = self.visit(node.target)
        node.value = value
        return node


_elementwise_integrators = {}


def _maps_elementwise(integrator):
    """Whether array calls of the integrator may run element by element (see kernels)."""
    if getattr(integrator, "adaptive", False) or getattr(integrator, "diffusion", None) is not None:
        return False
    cached = _elementwise_integrators.get(id(integrator))
    if cached is None or cached[0] is not integrator:
        cached = (integrator, straight_line_elementwise(integrator.derivative))
        _elementwise_integrators[id(integrator)] = cached
    return cached[1]


class _NotFusable(Exception):
    """An expression that is not element-wise over equal-length 1-d arrays."""


_FUSABLE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)


class _Fuser:
    """Builds the per-element form of an element-wise array expression (see _fused_store)."""

    def __init__(self, rewriter, shape):
        self.rewriter = rewriter
        self.shape = shape
        self.arrays = set()          # argument names of the arrays read

    def element(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return node
        if isinstance(node, ast.BinOp) and isinstance(node.op, _FUSABLE_OPS):
            return ast.BinOp(self.element(node.left), node.op, self.element(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return ast.UnaryOp(node.op, self.element(node.operand))
        if isinstance(node, ast.Name) and node.id in ("_t", "_dt", "_i"):
            return node
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._value(node)
        if isinstance(node, ast.Call) and not node.keywords and \
                not any(isinstance(a, ast.Starred) for a in node.args):
            return self._call(node)
        raise _NotFusable()

    def _value(self, node):
        names = _chain(node)
        rewriter = self.rewriter
        if names is None or (names[0] in rewriter.ctx.locals and
                             names[0] != rewriter.ctx.self_name):
            raise _NotFusable()
        ref = rewriter.resolve(names, node)
        if ref.kind != "binding" or ref.rest:
            raise _NotFusable()
        binding = ref.binding
        if binding.kind in ("scalar", "cell"):
            return rewriter.visit(node)
        if binding.kind == "array":
            value = binding.read()
            if np.shape(value) != self.shape:
                raise _NotFusable()
            name = rewriter.ctx.add_param(ref.param, binding)[0]
            binding.fixed_shape = np.shape(value)
            self.arrays.add(name)
            return ast.Name(name, ast.Load())
        raise _NotFusable()

    def _call(self, node):
        rewriter = self.rewriter
        names = _chain(node.func)
        if names is None or (names[0] in rewriter.ctx.locals and
                             names[0] != rewriter.ctx.self_name):
            raise _NotFusable()
        ref = rewriter.resolve(names, node.func)
        if ref.rest:
            raise _NotFusable()
        if ref.kind == "integrator":
            integ = ref.value
            if integ.has_self or len(integ.variables) != 1 or not _maps_elementwise(integ) or \
                    len(node.args) != len(integ.variables) + 1 + len(integ.parameters):
                raise _NotFusable()
            step = getattr(integ, "jit_step", None)
            name = rewriter.ctx.inject(f"_int_{sanitize(ref.name)}_element", step,
                                       integrator_fingerprint(integ, step))
            return ast.Call(ast.Name(name, ast.Load()), [self.element(a) for a in node.args], [])
        if isinstance(ref.value, np.ufunc) and ref.value.nout == 1:
            func = rewriter.visit(node.func)
            return ast.Call(func, [self.element(a) for a in node.args], [])
        raise _NotFusable()


class _IndexArrays(ast.NodeTransformer):
    """Index the (flat views of the) arrays of a fused expression with the loop variable."""

    def __init__(self, flat, index):
        self.flat = flat
        self.index = index

    def visit_Name(self, node):
        if node.id in self.flat:
            return ast.Subscript(ast.Name(self.flat[node.id], ast.Load()),
                                 ast.Name(self.index, ast.Load()), ast.Load())
        return node


def _safe_in(value, collection):
    try:
        return value in collection
    except TypeError:
        return False


def _is_dispatcher(value):
    return isinstance(value, numba.core.dispatcher.Dispatcher)


def _describe(obj):
    return obj.describe() if hasattr(obj, "describe") else type(obj).__name__


def _owning_module(root_module, consumed):
    owner = root_module
    for attr in consumed[1:-1]:
        owner = getattr(owner, attr)
    return owner


_jitted_helpers = {}


def _callable_for_numba(value):
    """Functions called from compiled steps: plain Python functions are compiled too."""
    if isinstance(value, types.FunctionType) and not _is_dispatcher(value):
        key = (value.__code__, id(value.__globals__))
        if key not in _jitted_helpers:
            _jitted_helpers[key] = jit(value)
        return _jitted_helpers[key]
    return value


def _check_forbidden(ctx):
    for node in ast.walk(ctx.fdef):
        for kind, what in _FORBIDDEN.items():
            if isinstance(node, kind):
                raise ctx.error(node, f"{what} cannot be compiled")
        if isinstance(node, ast.FunctionDef) and node is not ctx.fdef:
            raise ctx.error(node, "nested function definitions cannot be compiled; define the "
                                  "function at module level")


def rewrite_step(func, node, registry, label, function_name, method_integrators):
    """Rewrite one step function.

    Parameters
    ----------
    func : callable
        The step (a bound method of ``node``, or a function without ``self``).
    node : DynamicalSystem
        The object the step belongs to.
    registry : BindingRegistry
        Shared by all steps of the build.
    label : str
        ``"step 'update' of LIF 'E'"`` for messages.
    function_name : str
        Name of the generated function.
    method_integrators : callable
        ``method_integrators(integrator)`` -> (step function, attribute chains)
        for integrators whose derivative reads ``self``.

    Returns
    -------
    RewrittenStep

    Raises
    ------
    StepCompileError
        For constructs that cannot be compiled (the message names the line).
    """
    try:
        ctx = _Context(func, node, registry, label, method_integrators)
    except (OSError, TypeError) as exc:
        raise StepCompileError(f"{label} cannot be compiled for numba: its source code is not "
                               f"available ({exc}).") from None
    _check_forbidden(ctx)
    rewriter = _Rewriter(ctx)
    body = []
    for statement in ctx.fdef.body:
        result = rewriter.visit(statement)
        if result is None:
            continue
        body.extend(result if isinstance(result, list) else [result])
    body = [ast.fix_missing_locations(s) for s in body]
    params = ["_t", "_i", "_dt"] + [name for name, _, _ in ctx.params]
    header = [f"# Step {function_name.split('_', 1)[-1]!r} of {type(node).__name__}, compiled by "
              f"workbench.",
              f"# Source: {ctx.filename}, line {ctx.first_line}.",
              "@jit",
              f"def {function_name}({', '.join(params)}):"]
    source = "\n".join(header + render_body(body)) + "\n"
    return RewrittenStep(function_name, source, ctx.params, ctx.namespace, list(ctx.key_parts),
                         label, ctx.filename)
