"""Loop fusion: ``self.x = expr`` on an array as one element-wise loop without temporaries.

When ``expr`` combines only arrays of the target's shape, numbers and
element-wise functions (arithmetic, numpy ufuncs, single-variable integrators
with straight-line derivatives, see :mod:`~workbench.simulation.codegen.elementwise`),
numpy computes each element from the same element of its operands; one loop
(over flat views of the C-contiguous arrays) computes the same values without
temporary arrays. The arrays' shapes become part of the compiled code's
signature: a run with arrays of another shape builds the step again.
"""

import ast

import numpy as np

from ...codegen.elementwise import integrator_is_elementwise
from ...codegen.astutil import chain_names
from ...codegen.names import sanitize
from .. import kernels
from .fingerprints import integrator_fingerprint
from .resolve import resolve

__all__ = ["fused_store"]


class _NotFusable(Exception):
    """An expression that is not element-wise over equal-length 1-d arrays."""


_FUSABLE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)


class _Fuser:
    """Builds the per-element form of an element-wise array expression (see fused_store)."""

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
        names = chain_names(node)
        rewriter = self.rewriter
        if names is None or (names[0] in rewriter.ctx.locals and
                             names[0] != rewriter.ctx.self_name):
            raise _NotFusable()
        ref = resolve(rewriter.ctx, names, node)
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
        names = chain_names(node.func)
        if names is None or (names[0] in rewriter.ctx.locals and
                             names[0] != rewriter.ctx.self_name):
            raise _NotFusable()
        ref = resolve(rewriter.ctx, names, node.func)
        if ref.rest:
            raise _NotFusable()
        if ref.kind == "integrator":
            integ = ref.value
            if integ.has_self or len(integ.variables) != 1 or \
                    not integrator_is_elementwise(integ) or \
                    len(node.args) != len(integ.variables) + 1 + len(integ.parameters):
                raise _NotFusable()
            step = getattr(integ, "jit_step", None)
            name = rewriter.ctx.inject(f"_int_{sanitize(ref.name)}_element", step,
                                       integrator_fingerprint(integ, step))
            rewriter.ctx.origins[name] = integ     # for generator/partition.py
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


def fused_store(rewriter, target, value, op, node):
    """``self.x = expr`` / ``self.x += expr`` on an array as one element-wise loop.

    Parameters
    ----------
    rewriter : ast.NodeTransformer
        The step's rewriter (its ``ctx`` and ``visit`` rewrite the operands).
    target : ast.expr
    value : ast.expr
    op : ast.operator or None
        None for ``=``, else the operator of ``op=``.
    node : ast.stmt
        The statement (for line numbers).

    Returns
    -------
    list of ast.stmt or None
        The loop, or None when the statement is not an element-wise store.
    """
    if not isinstance(target, ast.Attribute) or (op is not None and
                                                 type(op).__name__ not in kernels.KERNEL_OPS):
        return None
    names = chain_names(target)
    if names is None or names[0] != rewriter.ctx.self_name:
        return None
    ref = resolve(rewriter.ctx, names, target)
    if ref.kind != "binding" or ref.binding.kind != "array" or ref.rest:
        return None
    current = ref.binding.read()
    if np.ndim(current) < 1:
        return None
    fuser = _Fuser(rewriter, np.shape(current))
    try:
        element = fuser.element(value)
    except _NotFusable:
        return None
    if not fuser.arrays:                       # a plain number: the kernel fills
        return None
    target_name = rewriter.ctx.add_param(ref.param, ref.binding)[0]
    ref.binding.fixed_shape = np.shape(current)
    index = rewriter.ctx.fresh_index()
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
