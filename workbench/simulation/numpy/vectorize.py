"""Numpy backend: replace loops in step methods by array operations, when provably equivalent.

Step methods written for numba loop over neurons or synapses in Python, which
is slow on the numpy backend. This module rewrites three loop patterns into
numpy operations that produce *the same values in the same order*, and leaves
every other loop as written:

**Element-wise loop** -- ``for i in range(...)`` whose body only reads and
writes element ``i`` of the arrays it changes (``self.V[i] = ...``,
``self.spike[i] += ...``), uses locals it assigns earlier in the same
iteration, and branches with ``if/elif/else``. It becomes masked array code:
an ``if`` splits the active index set, locals become arrays over it.
Equivalent because no iteration reads anything another iteration writes:

* every array written with ``[i]`` is read only with ``[i]`` (checked by
  identity and memory overlap across all attribute chains, ``self.pre.x``
  included); other arrays are not written in the loop, so gathers
  (``self.pre.spike[self.pre_ids[i]]``) read the same values;
* locals are definitely assigned before use in each iteration, and neither
  they nor the loop variable are read after the loop;
* an *accumulation* ``A[k] += v`` (``-=``) into an array the loop touches
  nowhere else, from a single statement, becomes ``np.add.at`` over the active
  indices in increasing order -- the same additions in the same order;
* only pure element-wise operations are used: arithmetic, comparisons, numpy
  ufuncs and integrators whose derivative is straight-line element-wise
  arithmetic (no SDEs, no adaptive steps); ``and``/``or`` keep their
  short-circuit per element (the right side is evaluated only where needed),
  and branches are skipped when no element takes them.

**Filter loop** -- ``for i in range(...): if cond(i): BODY`` (also
``for i, x in enumerate(A): if x: BODY``) where ``cond`` is element-wise as
above and reads nothing BODY can change (BODY writes no array overlapping
what ``cond`` reads, assigns no attribute ``cond`` reads and calls only pure
functions). It becomes ``for i in <indices where cond holds>: BODY``: the
same iterations, in the same order, with the same ``i`` (a Python int).

**Scatter loop** -- ``for j in seq: A[j] += v`` (or ``-=``) where ``v`` depends
neither on ``j`` nor on ``A``: ``np.add.at(A, seq, v)``, which applies the same
updates sequentially in the same order.

Anything else (other statements, ``while``, nested loops in an element-wise
body, unknown calls, writes through other indices, lists) keeps the original
loop, whose inner loops may still match. Results are bit-for-bit those of the
original code; ``tests/simulation/numpy/test_vectorize.py`` checks this on every
manual model.
"""

import ast
import builtins
import inspect
import types

import numpy as np

from ..codegen.astutil import (MISSING, chain_names, compile_function, local_names, parse_function,
                               static_get)
from ..codegen.codeprint import render_body
from ..codegen.elementwise import (BINARY_OPERATORS, call_may_write, function_kind,
                                   integrator_is_elementwise)
from ..nodes.base import DynamicalSystem
from ..nodes.delays import ConstantDelay

__all__ = ["vectorized_step", "VectorizedStep", "VecLocals"]

_COMPARE_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


class _NotVectorizable(Exception):
    """The loop does not match a pattern (it is kept as written)."""


class VectorizedStep:
    """A step method with some loops replaced by array operations.

    Attributes
    ----------
    function : function
        Takes the same arguments as the original method (``self`` first).
    source : str
        The rewritten source (shown by ``show_code``).
    loops : list of (int, str)
        Line and pattern (``'element-wise'``, ``'filter'``, ``'scatter'``) of each
        replaced loop.
    """

    def __init__(self, function, source, loops):
        self.function = function
        self.source = source
        self.loops = loops


class VecLocals:
    """Loop-local variables of a vectorized element-wise loop, one array entry per iteration.

    Parameters
    ----------
    first, step, count : int
        The loop's ``range`` (iteration ``k`` has index ``first + k * step``).
    """

    def __init__(self, first, step, count):
        self.first = first
        self.step = step
        self.count = count
        self.arrays = {}

    def _positions(self, idx):
        if self.first == 0 and self.step == 1:
            return idx
        return (idx - self.first) // self.step

    def set(self, name, idx, value, aligned):
        """Store ``value`` (one entry per index of ``idx`` if ``aligned``) for ``name``."""
        value = np.asarray(value)
        if not aligned:
            value = np.broadcast_to(value, (len(idx),) + value.shape)
        array = self.arrays.get(name)
        if array is None:
            array = np.empty((self.count,) + value.shape[1:], dtype=value.dtype)
        elif array.shape[1:] != value.shape[1:]:
            raise ValueError(f"the local variable {name!r} changes shape between iterations "
                             f"({array.shape[1:]} and {value.shape[1:]})")
        elif array.dtype != value.dtype:
            array = array.astype(np.result_type(array.dtype, value.dtype))
        array[self._positions(idx)] = value
        self.arrays[name] = array

    def get(self, name, idx):
        """The values of ``name`` at the iterations ``idx``."""
        return self.arrays[name][self._positions(idx)]


def _truth(value, size, aligned):
    """Python truthiness per iteration, as a bool array of length ``size``."""
    if aligned:
        return np.asarray(value).astype(bool)
    return np.full(size, bool(value))


_HELPERS = {"_wb_np": np, "_wb_Locals": VecLocals, "_wb_truth": _truth}


# -- what names and chains refer to -----------------------------------------------------------
class _Context:
    def __init__(self, func):
        self.func = func
        self.node = func.__self__
        self.raw = func.__func__
        self.fdef, self.filename, self.first_line = parse_function(func)
        args = [a.arg for a in self.fdef.args.args]
        self.self_name = args[0] if args else None
        self.function_locals = local_names(self.fdef)
        self.globals = self.raw.__globals__
        self.closure = {}
        if self.raw.__closure__:
            for name, cell in zip(self.raw.__code__.co_freevars, self.raw.__closure__):
                try:
                    self.closure[name] = cell.cell_contents
                except ValueError:
                    pass
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return f"_wb_{prefix}{self.counter}"

    def value_of(self, names):
        """The current value an attribute/name chain refers to (MISSING if unknown)."""
        root = names[0]
        if root == self.self_name:
            value = self.node
        elif root in self.function_locals:
            return MISSING
        elif root in self.closure:
            value = self.closure[root]
        elif root in self.globals:
            value = self.globals[root]
        elif hasattr(builtins, root):
            value = getattr(builtins, root)
        else:
            return MISSING
        for attr in names[1:]:
            if isinstance(value, (DynamicalSystem, types.ModuleType)) or root == self.self_name:
                value = static_get(value, attr) if not isinstance(value, types.ModuleType) \
                    else getattr(value, attr, MISSING)
            else:
                return MISSING
            if value is MISSING:
                return MISSING
        return value


def _elementwise_integrator(integrator, node):
    """Whether an integrator called on the loop's arrays maps them element by element.

    Besides the shared proof (``integrator_is_elementwise``), a derivative that reads
    ``self.x`` must not read arrays of the node: called on the selected elements, it
    would combine them with whole arrays.
    """
    if not integrator_is_elementwise(integrator):
        return False
    if getattr(integrator, "has_self", False):
        reads = _self_reads(integrator.derivative)
        return all(not isinstance(getattr(node, attr, None), np.ndarray) for attr in reads)
    return True


def _self_reads(func):
    fdef, _, _ = parse_function(func)
    self_name = fdef.args.args[0].arg if fdef.args.args else None
    return {node.attr for node in ast.walk(fdef) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == self_name}


def _function_kind(value, node):
    """'elementwise', 'pure' (only with non-varying arguments) or None (unknown)."""
    return function_kind(value, lambda integrator: _elementwise_integrator(integrator, node))


# -- loop analysis helpers ----------------------------------------------------------------------
def _names_read(nodes):
    return {n.id for stmt in nodes for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _read_counts(nodes):
    counts = {}
    for stmt in nodes:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _assigned_before_read(statements):
    """Names a block assigns (plain ``name = value`` at its top level) before reading them."""
    assigned, read = set(), set()
    for stmt in statements:
        read |= _names_read([stmt]) - assigned
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and node.id not in read:
                        assigned.add(node.id)
    return assigned


def _names_stored(nodes):
    return {n.id for stmt in nodes for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _overlaps(a, b):
    return a is b or np.may_share_memory(a, b)


def _range_args(ctx, loop):
    """The (start, stop, step) expressions of ``for i in range(...)``, or None."""
    call = loop.iter
    if not (isinstance(call, ast.Call) and chain_names(call.func) == ["range"]
            and ctx.value_of(["range"]) is builtins.range and not call.keywords
            and 1 <= len(call.args) <= 3 and isinstance(loop.target, ast.Name)):
        return None
    args = list(call.args)
    if len(args) == 1:
        return ast.Constant(0), args[0], ast.Constant(1)
    if len(args) == 2:
        return args[0], args[1], ast.Constant(1)
    step = args[2]
    if not (isinstance(step, ast.Constant) and isinstance(step.value, int) and step.value > 0):
        return None
    return tuple(args)


class _Accesses:
    """Arrays read and written by a candidate loop."""

    def __init__(self):
        self.elem_writes = []       # arrays written at [i]
        self.acc_writes = []        # arrays accumulated into
        self.reads = []             # (array, at_loop_variable)

    def check(self):
        for array in self.acc_writes:
            if sum(1 for other in self.acc_writes if other is array) > 1:
                raise _NotVectorizable("an array is accumulated by two statements")
            for other in self.elem_writes:
                if _overlaps(array, other):
                    raise _NotVectorizable("an accumulated array is also written element-wise")
            for other, _ in self.reads:
                if _overlaps(array, other):
                    raise _NotVectorizable("an accumulated array is read in the loop")
        for array in self.elem_writes:
            for other in self.elem_writes:
                if other is not array and _overlaps(array, other):
                    raise _NotVectorizable("two written arrays share memory")
            for other, at_var in self.reads:
                if _overlaps(array, other) and not (other is array and at_var):
                    raise _NotVectorizable("a written array is read at another position")


# -- the element-wise transform -----------------------------------------------------------------
class _Elementwise:
    """Transforms an element-wise loop body; raises _NotVectorizable when it does not apply."""

    def __init__(self, ctx, var, loop_locals, locals_name):
        self.ctx = ctx
        self.var = var
        self.loop_locals = loop_locals
        self.locals_name = locals_name
        self.access = _Accesses()
        self.defined = set()

    # expressions: return (ast, aligned)
    def expr(self, node, idx):
        if isinstance(node, ast.Constant):
            return node, False
        if isinstance(node, ast.Name):
            return self._name(node, idx)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, idx)
        if isinstance(node, ast.BinOp) and isinstance(node.op, BINARY_OPERATORS):
            left, a = self.expr(node.left, idx)
            right, b = self.expr(node.right, idx)
            return ast.BinOp(left, node.op, right), a or b
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand, a = self.expr(node.operand, idx)
            return ast.UnaryOp(node.op, operand), a
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and \
                isinstance(node.ops[0], _COMPARE_OPS):
            left, a = self.expr(node.left, idx)
            right, b = self.expr(node.comparators[0], idx)
            return ast.Compare(left, node.ops, [right]), a or b
        if isinstance(node, ast.Call):
            return self._call(node, idx)
        raise _NotVectorizable(f"expression {type(node).__name__}")

    def _name(self, node, idx):
        if node.id == self.var:
            return ast.Name(idx, ast.Load()), True
        if node.id in self.loop_locals:
            if node.id not in self.defined:
                raise _NotVectorizable(f"{node.id} may be read before it is assigned")
            return _call(f"{self.locals_name}.get", ast.Constant(node.id),
                         ast.Name(idx, ast.Load())), True
        value = self.ctx.value_of([node.id])
        if isinstance(value, np.ndarray):
            self.access.reads.append((value, False))
        if node.id == self.ctx.self_name:
            raise _NotVectorizable("self used directly")
        return node, False

    def _attribute(self, node):
        names = chain_names(node)
        if names is None:
            raise _NotVectorizable("attribute of an expression")
        value = self.ctx.value_of(names)
        if value is MISSING and names[0] not in self.ctx.function_locals:
            raise _NotVectorizable(f"unknown {'.'.join(names)}")
        if names[0] in self.loop_locals or names[0] == self.var:
            raise _NotVectorizable("attribute of a loop variable")
        if isinstance(value, np.ndarray):
            self.access.reads.append((value, False))
        elif isinstance(value, (list, DynamicalSystem)):
            raise _NotVectorizable("a list or object used as a value")
        return node, False

    def _array_of(self, node):
        names = chain_names(node)
        value = self.ctx.value_of(names) if names is not None else MISSING
        if not isinstance(value, np.ndarray):
            raise _NotVectorizable("indexing something that is not an attribute array")
        return value

    def _subscript(self, node, idx):
        names = chain_names(node.value)
        container = self.ctx.value_of(names) if names is not None else MISSING
        if isinstance(container, tuple) and not isinstance(node.slice, (ast.Slice, ast.Tuple)):
            index, aligned = self.expr(node.slice, idx)
            if aligned:
                raise _NotVectorizable("a tuple indexed by the loop variable")
            return ast.Subscript(node.value, index, ast.Load()), False
        array = self._array_of(node.value)
        if isinstance(node.slice, ast.Name) and node.slice.id == self.var:
            self.access.reads.append((array, True))
            return ast.Subscript(node.value, ast.Name(idx, ast.Load()), ast.Load()), True
        if isinstance(node.slice, (ast.Slice, ast.Tuple)):
            raise _NotVectorizable("slices or several indices")
        index, aligned = self.expr(node.slice, idx)
        self.access.reads.append((array, False))
        return ast.Subscript(node.value, index, ast.Load()), aligned

    def _call(self, node, idx):
        names = chain_names(node.func)
        value = self.ctx.value_of(names) if names is not None else MISSING
        kind = _function_kind(value, self.ctx.node) if value is not MISSING else None
        if kind is None or call_may_write(value, node):
            raise _NotVectorizable("call of an unknown or impure function")
        args = [self.expr(a, idx) for a in node.args]
        keywords = [(k.arg, self.expr(k.value, idx)) for k in node.keywords]
        aligned = any(a for _, a in args) or any(a for _, (_, a) in keywords)
        if aligned and kind != "elementwise":
            raise _NotVectorizable("a non element-wise function of varying values")
        return ast.Call(node.func, [a for a, _ in args],
                        [ast.keyword(k, v) for k, (v, _) in keywords]), aligned

    # conditions: statements computing a bool mask over idx
    def condition(self, test, idx, out):
        mask = self.ctx.fresh("m")
        if isinstance(test, ast.BoolOp):
            first = self.condition(test.values[0], idx, out)
            out.append(_assign(mask, ast.Name(first, ast.Load())))
            for value in test.values[1:]:
                undecided = self.ctx.fresh("m")
                sub_idx = self.ctx.fresh("i")
                keep = mask if isinstance(test.op, ast.And) else None
                selector = ast.Name(mask, ast.Load()) if keep else \
                    _call("_wb_np.logical_not", ast.Name(mask, ast.Load()))
                out.append(_assign(undecided, selector))
                out.append(_assign(sub_idx, ast.Subscript(ast.Name(idx, ast.Load()),
                                                          ast.Name(undecided, ast.Load()),
                                                          ast.Load())))
                inner = []
                result = self.condition(value, sub_idx, inner)
                inner.append(ast.Assign([ast.Subscript(ast.Name(mask, ast.Load()),
                                                       ast.Name(undecided, ast.Load()),
                                                       ast.Store())],
                                        ast.Name(result, ast.Load())))
                out.append(ast.If(ast.Attribute(ast.Name(sub_idx, ast.Load()), "size",
                                                ast.Load()), inner, []))
            return mask
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.condition(test.operand, idx, out)
            out.append(_assign(mask, _call("_wb_np.logical_not", ast.Name(inner, ast.Load()))))
            return mask
        value, aligned = self.expr(test, idx)
        size = ast.Call(ast.Name("len", ast.Load()), [ast.Name(idx, ast.Load())], [])
        out.append(_assign(mask, _call("_wb_truth", value, size, ast.Constant(aligned))))
        return mask

    # statements
    def block(self, statements, idx):
        out = []
        for stmt in statements:
            out.extend(self.statement(stmt, idx))
        return out

    def statement(self, stmt, idx):
        if isinstance(stmt, ast.Pass):
            return []
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return []
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            value, aligned = self.expr(stmt.value, idx)
            return [self._store(stmt.targets[0], value, aligned, idx, stmt)]
        if isinstance(stmt, ast.AugAssign):
            return [self._augmented(stmt, idx)]
        if isinstance(stmt, ast.If):
            return self._if(stmt, idx)
        raise _NotVectorizable(f"statement {type(stmt).__name__}")

    def _store(self, target, value, aligned, idx, stmt):
        if isinstance(target, ast.Name) and target.id in self.loop_locals and \
                target.id != self.var:
            self.defined.add(target.id)
            return ast.copy_location(ast.Expr(_call(
                f"{self.locals_name}.set", ast.Constant(target.id), ast.Name(idx, ast.Load()),
                value, ast.Constant(aligned))), stmt)
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Name) and \
                target.slice.id == self.var:
            self.access.elem_writes.append(self._array_of(target.value))
            store = ast.Subscript(target.value, ast.Name(idx, ast.Load()), ast.Store())
            return ast.copy_location(ast.Assign([store], value), stmt)
        raise _NotVectorizable("assignment to something other than a local or array[i]")

    def _augmented(self, stmt, idx):
        target = stmt.target
        value, aligned = self.expr(stmt.value, idx)
        if isinstance(target, ast.Name) and target.id in self.loop_locals:
            current, _ = self._name(ast.Name(target.id, ast.Load()), idx)
            return self._store(ast.Name(target.id, ast.Store()),
                               ast.BinOp(current, stmt.op, value), True, idx, stmt)
        if not isinstance(target, ast.Subscript) or not isinstance(stmt.op, BINARY_OPERATORS):
            raise _NotVectorizable("augmented assignment target")
        array = self._array_of(target.value)
        if isinstance(target.slice, ast.Name) and target.slice.id == self.var:
            self.access.elem_writes.append(array)
            store = ast.Subscript(target.value, ast.Name(idx, ast.Load()), ast.Store())
            return ast.copy_location(ast.AugAssign(store, stmt.op, value), stmt)
        if not isinstance(stmt.op, (ast.Add, ast.Sub)) or isinstance(target.slice,
                                                                     (ast.Slice, ast.Tuple)):
            raise _NotVectorizable("accumulation other than += / -= at one index")
        index, index_aligned = self.expr(target.slice, idx)
        self.access.acc_writes.append(array)
        size = ast.Tuple([ast.Call(ast.Name("len", ast.Load()), [ast.Name(idx, ast.Load())],
                                   [])], ast.Load())
        if not index_aligned:
            index = _call("_wb_np.broadcast_to", index, size)
        if not aligned:
            value = _call("_wb_np.broadcast_to", value, ast.BinOp(
                size, ast.Add(), _call("_wb_np.shape", value)))
        ufunc = "_wb_np.add.at" if isinstance(stmt.op, ast.Add) else "_wb_np.subtract.at"
        return ast.copy_location(ast.Expr(_call(ufunc, target.value, index, value)), stmt)

    def _if(self, stmt, idx):
        out = []
        mask = self.condition(stmt.test, idx, out)
        before = set(self.defined)
        branches = []
        for body, selector in ((stmt.body, ast.Name(mask, ast.Load())),
                               (stmt.orelse, _call("_wb_np.logical_not",
                                                   ast.Name(mask, ast.Load())))):
            self.defined = set(before)
            if body:
                sub = self.ctx.fresh("i")
                out.append(_assign(sub, ast.Subscript(ast.Name(idx, ast.Load()), selector,
                                                      ast.Load())))
                inner = self.block(body, sub)
                if inner:
                    out.append(ast.If(ast.Attribute(ast.Name(sub, ast.Load()), "size",
                                                    ast.Load()), inner, []))
            branches.append(self.defined)
        self.defined = branches[0] & branches[1]
        return [ast.copy_location(s, stmt) for s in out]


def _call(dotted, *args):
    parts = dotted.split(".")
    func = ast.Name(parts[0], ast.Load())
    for attr in parts[1:]:
        func = ast.Attribute(func, attr, ast.Load())
    return ast.Call(func, list(args), [])


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value)


# -- the loop rewriter ----------------------------------------------------------------------------
class _Vectorizer:
    def __init__(self, ctx):
        self.ctx = ctx
        self.loops = []
        self.total_reads = _read_counts(ctx.fdef.body)

    def block(self, statements):
        """Rewrite the loops of a block of statements."""
        result = []
        for stmt in statements:
            result.extend(self.statement(stmt))
        return result

    def statement(self, stmt):
        if isinstance(stmt, ast.For) and not stmt.orelse:
            for attempt in (self._scatter, self._elementwise, self._filter):
                try:
                    replaced = attempt(stmt)
                except _NotVectorizable:
                    continue
                return [ast.copy_location(s, stmt) for s in replaced]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(stmt, field, self.block(inner))
        return [stmt]

    def _check_not_used_after(self, names, loop):
        """No read outside the loop may see a value the loop assigned.

        Reads inside another loop that rebinds the name first (as its loop variable, or
        by an assignment at the top of its body before any read) are not affected.
        """
        inside = _read_counts([loop])
        covered = {}
        for other in ast.walk(self.ctx.fdef):
            if not isinstance(other, ast.For) or other is loop or \
                    any(node is loop for node in ast.walk(other)):
                continue
            rebound = {n.id for n in ast.walk(other.target) if isinstance(n, ast.Name)}
            rebound |= _assigned_before_read(other.body)
            reads = _read_counts(other.body)
            for name in rebound & names:
                covered[name] = covered.get(name, 0) + reads.get(name, 0)
        total = self.total_reads
        for name in names:
            if total.get(name, 0) - covered.get(name, 0) > inside.get(name, 0):
                raise _NotVectorizable(f"{name} is used outside the loop")

    # pattern 1
    def _elementwise(self, loop):
        bounds = _range_args(self.ctx, loop)
        if bounds is None:
            raise _NotVectorizable("not a range loop")
        var = loop.target.id
        loop_locals = _names_stored(loop.body) | {var}
        self._check_not_used_after(loop_locals, loop)
        idx = self.ctx.fresh("idx")
        local_store = self.ctx.fresh("loc")
        transform = _Elementwise(self.ctx, var, loop_locals, local_store)
        body = transform.block(loop.body, idx)
        transform.access.check()
        start, stop, step = bounds
        prologue = [
            _assign(idx, _call("_wb_np.arange", start, stop, step)),
            _assign(local_store, _call("_wb_Locals",
                                       ast.Subscript(ast.Name(idx, ast.Load()), ast.Constant(0),
                                                     ast.Load()),
                                       step, _call("len", ast.Name(idx, ast.Load())))),
        ]
        self.loops.append((loop.lineno, "element-wise"))
        guarded = ast.If(ast.Attribute(ast.Name(idx, ast.Load()), "size", ast.Load()),
                         prologue[1:] + (body or [ast.Pass()]), [])
        return [prologue[0], guarded]

    # pattern 2
    def _filter(self, loop):
        target, iterable, alias = loop.target, loop.iter, None
        if isinstance(iterable, ast.Call) and chain_names(iterable.func) == ["enumerate"] and \
                len(iterable.args) == 1 and not iterable.keywords and \
                isinstance(target, ast.Tuple) and len(target.elts) == 2 and \
                all(isinstance(e, ast.Name) for e in target.elts):
            sequence = iterable.args[0]
            if not isinstance(self.ctx.value_of(chain_names(sequence) or ["?"]), np.ndarray):
                raise _NotVectorizable("enumerate of something that is not an array")
            var, alias = target.elts[0].id, target.elts[1].id
            bounds = (ast.Constant(0), _call("len", sequence), ast.Constant(1))
        else:
            bounds = _range_args(self.ctx, loop)
            if bounds is None:
                raise _NotVectorizable("not a range or enumerate loop")
            var = target.id
        if len(loop.body) != 1 or not isinstance(loop.body[0], ast.If) or loop.body[0].orelse:
            raise _NotVectorizable("the body is not a single if without else")
        test, body = loop.body[0].test, loop.body[0].body
        if alias is not None:
            test = _replace_name(test, alias, ast.Subscript(sequence, ast.Name(var, ast.Load()),
                                                            ast.Load()))
        stored = _names_stored(body) | {var} | ({alias} if alias else set())
        self._check_not_used_after(stored, loop)
        if _names_read([test]) & (_names_stored(body) - {var}):
            raise _NotVectorizable("the condition reads a variable the body assigns")
        idx = self.ctx.fresh("idx")
        transform = _Elementwise(self.ctx, var, {var}, "_unused")
        mask_code = []
        mask = transform.condition(test, idx, mask_code)
        self._check_body_keeps(body, transform.access.reads, test)
        rewritten = self.block(body)
        if alias is not None:
            rewritten = [_assign(alias, ast.Subscript(sequence, ast.Name(var, ast.Load()),
                                                      ast.Load()))] + rewritten
        chosen = ast.Subscript(ast.Name(idx, ast.Load()), ast.Name(mask, ast.Load()), ast.Load())
        selected = ast.Call(ast.Attribute(chosen, "tolist", ast.Load()), [], [])
        start, stop, step = bounds
        new_loop = ast.For(ast.Name(var, ast.Store()), selected, rewritten, [])
        self.loops.append((loop.lineno, "filter"))
        return [_assign(idx, _call("_wb_np.arange", start, stop, step))] + mask_code + [new_loop]

    def _check_body_keeps(self, body, condition_reads, test):
        """BODY must not change anything the condition reads."""
        read_arrays = [array for array, _ in condition_reads]
        read_attrs = set()
        for node in ast.walk(test):
            names = chain_names(node) if isinstance(node, ast.Attribute) else None
            if names:
                read_attrs.add(tuple(names))
        for node in (n for stmt in body for n in ast.walk(stmt)):
            if isinstance(node, ast.Call):
                names = chain_names(node.func)
                value = self.ctx.value_of(names) if names else MISSING
                if value is MISSING or _function_kind(value, self.ctx.node) is None \
                        or call_may_write(value, node):
                    if not _is_delay_method(names, self.ctx):
                        raise _NotVectorizable("the body calls a function that may change state")
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in (t for tt in targets for t in ast.walk(tt)):
                base = target.value if isinstance(target, ast.Subscript) else target
                names = chain_names(base)
                if not names:
                    continue
                if isinstance(target, ast.Subscript) and len(names) == 1 and \
                        names[0] in self.ctx.function_locals:
                    # ``v = self.x`` earlier: a local may be a view of what the condition reads
                    raise _NotVectorizable("the body writes through a local variable")
                if tuple(names) in read_attrs:
                    raise _NotVectorizable("the body assigns what the condition reads")
                value = self.ctx.value_of(names)
                if isinstance(value, np.ndarray) and any(_overlaps(value, a) for a in read_arrays):
                    raise _NotVectorizable("the body writes an array the condition reads")

    # pattern 3
    def _scatter(self, loop):
        if len(loop.body) != 1 or not isinstance(loop.body[0], ast.AugAssign) or \
                not isinstance(loop.target, ast.Name):
            raise _NotVectorizable("not a single accumulation")
        stmt, var = loop.body[0], loop.target.id
        if not isinstance(stmt.op, (ast.Add, ast.Sub)) or not isinstance(stmt.target, ast.Subscript) \
                or not (isinstance(stmt.target.slice, ast.Name) and stmt.target.slice.id == var):
            raise _NotVectorizable("not A[j] += v")
        target_array = self.ctx.value_of(chain_names(stmt.target.value) or ["?"])
        if not isinstance(target_array, np.ndarray):
            raise _NotVectorizable("the target is not an attribute array")
        self._check_not_used_after({var}, loop)
        if not self._one_dimensional_sequence(loop.iter):
            raise _NotVectorizable("the iterated sequence is not a 1-D index array")
        if var in _names_read([stmt.value]):
            raise _NotVectorizable("the added value depends on the loop variable")
        plain_locals = self.ctx.function_locals - {self.ctx.self_name}
        if _names_read([stmt.value]) & plain_locals:
            raise _NotVectorizable("the added value reads a local variable (it may alias)")
        index_names = {n.id for sub in ast.walk(loop.iter) if isinstance(sub, ast.Subscript)
                       for n in ast.walk(sub.slice) if isinstance(n, ast.Name)}
        if (_names_read([loop.iter]) - index_names) & plain_locals:
            raise _NotVectorizable("the iterated sequence is a local variable (it may alias)")
        for array in self._arrays_read([stmt.value, loop.iter]):
            if _overlaps(array, target_array):
                raise _NotVectorizable("the added value reads the target")
        sequence = self.ctx.fresh("seq")
        ufunc = "_wb_np.add.at" if isinstance(stmt.op, ast.Add) else "_wb_np.subtract.at"
        call = ast.Expr(_call(ufunc, stmt.target.value, ast.Name(sequence, ast.Load()),
                              stmt.value))
        self.loops.append((loop.lineno, "scatter"))
        return [_assign(sequence, _call("_wb_np.asarray", loop.iter)),
                ast.If(ast.Attribute(ast.Name(sequence, ast.Load()), "size", ast.Load()),
                       [call], [])]

    def _arrays_read(self, nodes):
        """Arrays reached by attribute chains in ``nodes``; only pure calls allowed."""
        arrays = []
        for node in (n for tree in nodes for n in ast.walk(tree)):
            if isinstance(node, ast.Call):
                names = chain_names(node.func)
                value = self.ctx.value_of(names) if names else MISSING
                if value is MISSING or _function_kind(value, self.ctx.node) is None \
                        or call_may_write(value, node):
                    raise _NotVectorizable("a call of an unknown function")
            names = chain_names(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
            if names:
                value = self.ctx.value_of(names)
                if isinstance(value, np.ndarray):
                    arrays.append(value)
                elif names[0] in self.ctx.function_locals and len(names) == 1:
                    continue
        return arrays

    def _one_dimensional_sequence(self, node):
        if isinstance(node, ast.Call) and chain_names(node.func) == ["range"]:
            return self.ctx.value_of(["range"]) is builtins.range
        base = node.value if isinstance(node, ast.Subscript) else node
        value = self.ctx.value_of(chain_names(base) or ["?"])
        if isinstance(node, ast.Subscript):
            if isinstance(value, np.ndarray):
                return value.ndim == 1 and isinstance(node.slice, ast.Slice)
            if isinstance(value, (list, tuple)) and value and \
                    not isinstance(node.slice, (ast.Slice, ast.Tuple)):
                return all(np.ndim(v) == 1 for v in value)
            return False
        return isinstance(value, np.ndarray) and value.ndim == 1


def _is_delay_method(names, ctx):
    if not names or len(names) < 2 or names[-1] not in ("push", "pull"):
        return False
    return isinstance(ctx.value_of(names[:-1]), ConstantDelay)


def _replace_name(tree, name, replacement):
    class Replace(ast.NodeTransformer):
        def visit_Name(self, node):
            return replacement if node.id == name and isinstance(node.ctx, ast.Load) else node
    return Replace().visit(ast.parse(ast.unparse(tree), mode="eval").body)


# -- building the function ------------------------------------------------------------------------
def _make_function(ctx, fdef, source):
    filename = f"<vectorized {fdef.name} of {type(ctx.node).__name__} from {ctx.filename}>"
    return compile_function(ctx.raw, fdef, source, filename, _HELPERS)


def vectorized_step(func):
    """Replace provably equivalent loops of a step method by array operations.

    Parameters
    ----------
    func : callable
        A step (a bound method of a DynamicalSystem).

    Returns
    -------
    VectorizedStep or None
        None when no loop could be replaced (the method then runs as written).
    """
    if not inspect.ismethod(func) or not isinstance(func.__self__, DynamicalSystem):
        return None
    try:
        ctx = _Context(func)
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    fdef = ctx.fdef
    if not isinstance(fdef, ast.FunctionDef) or any(
            isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(fdef)):
        return None
    vectorizer = _Vectorizer(ctx)
    body = vectorizer.block(list(fdef.body))
    if not vectorizer.loops:
        return None
    fdef.body = [ast.fix_missing_locations(s) for s in body]
    fdef.decorator_list = []
    args = ", ".join(a.arg for a in fdef.args.args)
    source = "\n".join([f"# {fdef.name} of {type(ctx.node).__name__} with loops replaced by array "
                        f"operations (lines {', '.join(str(line) for line, _ in vectorizer.loops)})",
                        f"def {fdef.name}({args}):"] + render_body(fdef.body)) + "\n"
    try:
        function = _make_function(ctx, fdef, source)
    except (SyntaxError, ValueError, KeyError, StopIteration):
        return None
    return VectorizedStep(function, source, vectorizer.loops)
