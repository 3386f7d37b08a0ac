"""Rewrite a step method into a compiled function over arrays and numbers.

``def update(self, _t)`` reading ``self.V[i]``, ``self.pre.spike`` or the module
constant ``ref_time`` becomes ``def LIF_update(_t, _i, _dt, self__V,
self__pre__spike, ref_time, ...)``: every attribute chain from ``self`` and
every global number or array the method reads becomes an argument (a
:class:`~workbench.simulation.numba.generator.bindings.Binding`), so parameters
and state are run-time data and changing them never recompiles. What a chain
refers to is decided by :mod:`.resolve`; element-wise array stores become loops
in :mod:`.fusion`; this module rewrites the statements. In detail:

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
import numbers
import types

import numba
import numpy as np

from ....backend.jit import PARALLEL_OPTIONS, jit, options_key
from ...codegen.astutil import chain_names
from ...codegen.codeprint import render_body
from ...codegen.elementwise import integrator_is_elementwise
from ...codegen.names import sanitize
from ...executor import StepCompileError
from .. import kernels, parallel_kernels
from ..parallel_kernels import PARALLEL_KERNELS
from .bindings import DELAY_KINDS
from .context import StepContext, loop_indices
from .fingerprints import fingerprint, integrator_fingerprint
from .fusion import fused_store
from .resolve import is_dispatcher, resolve
from . import index_checks
from .nan_watch import add_nan_watch, scanned_arrays
from .partition import call_kind_in, hands_over_array, partition_step
from .slice_loops import index_slice_loops
from .zero_blocks import skip_zero_blocks

__all__ = ["RewrittenStep", "rewrite_step"]

#: Calls whose arguments must stay integers (sizes, counts).
_INT_CALLS = {builtins.range, builtins.int, np.zeros, np.ones, np.empty, np.full, np.arange,
              np.zeros_like, np.ones_like, numba.prange}

_FORBIDDEN = {ast.Global: "`global` statements", ast.Nonlocal: "`nonlocal` statements",
              ast.Import: "imports", ast.ImportFrom: "imports", ast.ClassDef: "class definitions",
              ast.AsyncFunctionDef: "async functions", ast.Await: "await",
              ast.Yield: "yield", ast.YieldFrom: "yield", ast.Delete: "del statements",
              ast.AsyncFor: "async loops", ast.AsyncWith: "async with"}

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
    sites : list of (str, int, int)
        The index checks (``generator/index_checks.py``): variable, axis, line.
    nan_sites : list of str
        The variables whose element stores are watched for NaN/inf
        (``generator/nan_watch.py``); the function then takes ``_nan, _nan_counts`` last.
    twin : PartitionedStep or None
        The step as one parallel region (``'numba-parallel'``, ``generator/partition.py``).
    """

    def __init__(self, name, source, params, namespace, key_parts, label, filename, sites=(),
                 nan_sites=(), twin=None):
        self.twin = twin
        self.sites = list(sites)
        self.nan_sites = list(nan_sites)
        self.name = name
        self.source = source
        self.params = params
        self.namespace = namespace
        self.key_parts = key_parts
        self.label = label
        self.filename = filename


class _Rewriter(ast.NodeTransformer):
    """Rewrites one step function's body (see the module docs)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.int_depth = 0
        self.temp_count = 0

    # -- expressions -----------------------------------------------------------------------
    def _binding_expr(self, ref, node, allow=("array", "scalar", "cell", "tuple")):
        binding = ref.binding
        if binding.kind not in allow:
            what = {"csr": "a list of index arrays (use it as x[i] or len(x))",
                    "delay": "a delay (use .push(value), .pull() or .reset())",
                    "element_delay": "a delay (use .push(value), .pull() or .reset())"}
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
            expr = self._ref_expr(resolve(self.ctx, [node.id], node), node)
            if expr is not None:
                return ast.copy_location(expr, node)
        return node

    def visit_Attribute(self, node):
        names = chain_names(node)
        if names is None or not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        ref = resolve(self.ctx, names, node)
        if ref.kind == "binding" and ref.binding.kind in DELAY_KINDS and ref.rest:
            raise self.ctx.error(node, f"{ast.unparse(node)}: call the delay's push(), pull() "
                                       f"or reset() method")
        expr = self._ref_expr(ref, node)
        if expr is None:
            return self.generic_visit(node)
        return ast.copy_location(expr, node)

    def visit_Subscript(self, node):
        names = chain_names(node.value)
        if names is not None:
            ref = resolve(self.ctx, names, node.value)
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
        names = chain_names(node.func)
        ref = resolve(self.ctx, names, node.func) if names is not None else None
        if ref is not None and ref.kind == "integrator":
            return ast.copy_location(self._integrator_call(ref, node), node)
        if ref is not None and ref.kind == "binding" and ref.binding.kind in DELAY_KINDS:
            return ast.copy_location(self._delay_call(ref, node, statement=False), node)
        if ref is not None and ref.kind == "keep" and ref.value is builtins.len and \
                len(node.args) == 1:
            inner = chain_names(node.args[0])
            if inner is not None:
                inner_ref = resolve(self.ctx, inner, node.args[0])
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
        # a user function may write the arrays it gets; a numpy function may write the ones
        # it gets with another argument (np.copyto(a, b), a ufunc's out: np.add(a, 1, a))
        if ref is not None and (ref.kind == "function" or len(node.args) + len(node.keywords) > 1):
            for argument in node.args + [k.value for k in node.keywords]:
                self._hand_out(argument)
        if ref is not None and ref.kind == "binding" and ref.binding.kind == "array" and \
                len(ref.rest) == 1:               # self.x.fill(v), self.x.sort()
            ref.binding.handed_out = True
        int_call = ref is not None and _safe_in(ref.value, _INT_CALLS) and not ref.rest
        node.func = self.visit(node.func)
        if int_call:
            self.int_depth += 1
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        if int_call:
            self.int_depth -= 1
        return node

    def _hand_out(self, expr, unpack=False):
        """Flag the arrays ``expr`` gives whole or as a view (``self.x``, ``self.W[i]`` of a
        2-d ``W``, ``self.x[a:b]``, or a tuple of them): see Binding. ``unpack``: ``expr``
        is unpacked (``start, end = self.pre_slice[i]``), which takes one more index."""
        for element in expr.elts if isinstance(expr, (ast.Tuple, ast.List)) else [expr]:
            view, sliced, positions = isinstance(element, ast.Subscript), False, []
            if view:
                index = element.slice
                positions = index.elts if isinstance(index, ast.Tuple) else [index]
                sliced = any(isinstance(p, ast.Slice) for p in positions)
                element = element.value
            names = chain_names(element)
            if names is None:
                continue
            ref = resolve(self.ctx, names, element)
            if ref.kind != "binding" or ref.binding.kind != "array" or ref.rest:
                continue
            # an element (post_i = self.post_ids[k]) is a copy: only views can write back
            if sliced or np.ndim(ref.binding.read()) > len(positions) + unpack:
                ref.binding.handed_out = True

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
        names = chain_names(target.value)
        if names is None or names[0] != self.ctx.self_name:
            return None
        index = target.slice
        if not ((isinstance(index, ast.Name) and index.id in self.ctx.int_names) or
                (isinstance(index, ast.Constant) and isinstance(index.value, int))):
            return None
        ref = resolve(self.ctx, names, target.value)
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
        if integrator_is_elementwise(integ):
            # arrays run element by element through the scalar step (see kernels)
            caller = kernels.elementwise_call(step_function, len(integ.variables))
            name = ctx.inject(f"_int_{sanitize(ref.name)}", caller,
                              "elementwise:" + integrator_fingerprint(integ, step_function))
        else:
            name = ctx.inject(f"_int_{sanitize(ref.name)}", step_function,
                              integrator_fingerprint(integ, step_function))
        ctx.origins[name] = integ          # what the call is, for generator/partition.py
        return ast.Call(ast.Name(name, ast.Load()), ordered, [])

    def _delay_call(self, ref, call, statement):
        ctx = self.ctx
        method = ref.rest[0] if len(ref.rest) == 1 else None
        data, head = ctx.add_param(ref.param, ref.binding)[:2]
        data_expr = ast.Name(data, ast.Load())
        slots = ast.Subscript(ast.Attribute(data_expr, "shape", ast.Load()), ast.Constant(0),
                              ast.Load())
        now = ast.Subscript(ast.Name(head, ast.Load()), ast.Constant(0), ast.Load())
        if method == "pull" and not call.args and not call.keywords \
                and ref.binding.kind == "element_delay":
            lags = ctx.add_param(ref.param, ref.binding)[2]
            return ast.Call(ast.Name("_delay_pull", ast.Load()),
                            [data_expr, ast.Name(head, ast.Load()), ast.Name(lags, ast.Load())], [])
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
            names = chain_names(node.value.func)
            if names is not None:
                ref = resolve(self.ctx, names, node.value.func)
                if ref.kind == "binding" and ref.binding.kind in DELAY_KINDS:
                    statements = self._delay_call(ref, node.value, statement=True)
                    if isinstance(statements, list):
                        return [ast.copy_location(s, node) for s in statements]
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None                     # a docstring
        return self.generic_visit(node)

    def _attribute_target(self, target):
        names = chain_names(target)
        if names is None or names[0] != self.ctx.self_name:
            return None
        ref = resolve(self.ctx, names, target)
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
        fused = fused_store(self, target, node.value, None, node)
        if fused is not None:
            return fused
        if isinstance(target, (ast.Name, ast.Tuple, ast.List)):
            # ``hits = self.hits``: the alias may be written
            unpack = not isinstance(target, ast.Name) and \
                not isinstance(node.value, (ast.Tuple, ast.List))
            self._hand_out(node.value, unpack)
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
        fused = fused_store(self, node.target, node.value, node.op, node)
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


def _safe_in(value, collection):
    try:
        return value in collection
    except TypeError:
        return False


_jitted_helpers = {}


def _callable_for_numba(value):
    """Functions called from compiled steps: plain Python functions are compiled too."""
    if isinstance(value, types.FunctionType) and not is_dispatcher(value):
        # the options: a helper compiled under one numba profile must not be linked into
        # steps compiled under the other (bp.backend.set_numba_profile)
        key = (value.__code__, id(value.__globals__), options_key())
        if key not in _jitted_helpers:
            # No disk cache of its own: numba would key it on the helper's file only and
            # serve machine code that froze another module's edited constants. Its code is
            # linked into the caller, whose cache key holds the helper's full fingerprint.
            _jitted_helpers[key] = jit(value, cache=False)
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


def _add_index_checks(ctx, body, in_range, checked_copies):
    """``generator/index_checks.py`` on a step body: every array argument is checked."""
    arrays, bindings = {}, {}
    for name, binding, position in ctx.params:
        if binding.kind in ("array", "csr"):
            arrays[name] = name.replace("__", ".")
            bindings[name] = (binding, position)

    def range_of(array):
        binding, position = bindings[array]
        if binding.kind == "csr" and position != 1:
            return None                      # indptr values are offsets, not indices
        value = binding.read()
        if binding.kind == "array" and not (isinstance(value, np.ndarray)
                                            and value.dtype.kind in "iu"):
            return None
        ranged = ctx.registry.range_of(binding)
        return ctx.add_param(array.removesuffix("__indices"), ranged)[0]

    return index_checks.add_index_checks(body, arrays, loop_indices(ast.Module(body, []),
                                                                    ctx.globals),
                                         ctx.fresh_index, in_range, range_of, checked_copies)


def _parallel_twin(ctx, body, params, function_name):
    """``generator/partition.py`` on a step body: the twin, its namespace added to ``ctx``."""
    arrays = {}
    for name, binding, _ in ctx.params:
        value = binding.read() if binding.kind in ("array", "cell") else None
        if isinstance(value, np.ndarray):
            arrays[name] = value.ndim
        elif binding.kind == "range":          # [min, max] of an index array
            arrays[name] = 1
    twin = partition_step(body, params, arrays, call_kind_in(ctx.namespace, ctx.origins),
                          function_name, ctx.fresh_index)
    if twin is None:
        return None
    # Neither the twin nor its region (nor the run loop calling it, generator/loop.py) is
    # cached on disk: a run loop loaded from a numba cache shared by several processes,
    # calling parallel code, crashed while loading (seen with numba 0.68).
    ctx.namespace.update(PARALLEL_KERNELS)
    ctx.namespace.update(_prange=numba.prange, _np=np, _uintp=np.uintp,
                         _parallel_options=dict(PARALLEL_OPTIONS))
    ctx.key_parts[f"parallel={PARALLEL_OPTIONS!r}"] = None
    ctx.key_parts[fingerprint(parallel_kernels)] = None
    return twin


#: Generated kernels that take values and return values (or raise): they write no array.
_VALUE_KERNELS = frozenset({"_check_index", "_check_index_unless", "_slice_bounds",
                            "_nonnegative_index", "_nonfinite_bits", "_element_bits",
                            "_block_is_zero", "_nonzero_span"})


def _cannot_write_arrays(ctx, scalars, arrays):
    """``cannot_write(call_node)`` for generated code (``generator/zero_blocks.py``).

    True for the value kernels above and injected integrators (state in, new state
    out), and for pure or element-wise functions called with element values only:
    every name in an argument is a number argument (``scalars``) or an element of a
    1-d array argument (``arrays``: name -> ndim). Numpy functions may write an array
    they are given (a ufunc's ``out``, ``np.fill_diagonal``, ``np.copyto``), so an
    array, a slice or a local name (which may hold an array) as an argument answers False.
    """
    kind = call_kind_in(ctx.namespace, ctx.origins)

    def element_valued(expr):
        return not hands_over_array(expr, arrays) and all(
            n.id in scalars or n.id in arrays for n in ast.walk(expr) if isinstance(n, ast.Name))

    def cannot_write(call):
        func = call.func
        if isinstance(func, ast.Name) and (func.id in _VALUE_KERNELS or func.id in ctx.origins):
            return True
        if kind(func) not in ("pure", "elementwise") or call.keywords:
            return False
        return all(element_valued(arg) for arg in call.args)
    return cannot_write


def rewrite_step(func, node, registry, label, function_name, method_integrators, parallel=False,
                 checked_copies=True):
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
    parallel : bool, optional
        Also generate the step's parallel twin when its loops can be split by the
        index they write (``'numba-parallel'``, ``generator/partition.py``).
    checked_copies : bool, optional
        Give every versioned loop its checked copy; when False, a loop whose range is
        not proven raises ``RangeNotProven`` (``generator/index_checks.py``).

    Returns
    -------
    RewrittenStep

    Raises
    ------
    StepCompileError
        For constructs that cannot be compiled (the message names the line).
    """
    try:
        ctx = StepContext(func, node, registry, label, method_integrators)
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
    body, in_range = index_slice_loops([ast.fix_missing_locations(s) for s in body],
                                       ctx.fresh_index)
    floats = {}
    for name, binding, _ in ctx.params:
        value = binding.read() if binding.kind == "array" else None
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            floats[name] = (name.replace("__", "."), value.ndim)
    scanned = scanned_arrays(body, floats)       # before index checks copy loops
    body, sites = _add_index_checks(ctx, body, in_range, checked_copies)
    body, nan_sites = add_nan_watch(body, floats, ctx.fresh_index, scanned)
    vectors, array_ndims, scalars = {}, {}, {"_t", "_i", "_dt"}
    for name, binding, _ in ctx.params:
        value = binding.read() if binding.kind == "array" else None
        if isinstance(value, np.ndarray):
            array_ndims[name] = value.ndim
            if value.ndim == 1:
                vectors[name] = value.dtype
        elif binding.kind == "scalar":          # a number passed by value
            scalars.add(name)
    body = skip_zero_blocks(body, vectors, ctx.fresh_index, array_ndims,
                            _cannot_write_arrays(ctx, scalars, array_ndims))
    params = ["_t", "_i", "_dt"] + [name for name, _, _ in ctx.params] + \
        (["_nan", "_nan_counts"] if nan_sites else [])
    header = [f"# Step {function_name.split('_', 1)[-1]!r} of {type(node).__name__}, compiled by "
              f"workbench.",
              f"# Source: {ctx.filename}, line {ctx.first_line}.",
              # under 'numba-parallel' the steps keep their wrappers: compiled without them,
              # the parallel steps of benchmarks/parallel.py --chunks ran 2x slower (cause
              # not found; 136 against 50 us per step on 2 threads)
              "@jit(no_cfunc_wrapper=True)" if parallel else "@jit(inner=True)",
              f"def {function_name}({', '.join(params)}):"]
    twin = _parallel_twin(ctx, body, params, function_name) if parallel else None
    lines = header + render_body(body) + (["", ""] + twin.lines if twin else [])
    source = "\n".join(lines) + "\n"
    return RewrittenStep(function_name, source, ctx.params, ctx.namespace, list(ctx.key_parts),
                         label, ctx.filename, sites, nan_sites, twin)
