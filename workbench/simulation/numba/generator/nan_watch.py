"""Catch a NaN or inf the moment a compiled step stores it, even if it is overwritten later.

The runner looks for new non-finite values between chunks of steps; a value that
becomes NaN and is overwritten within the same chunk (a reset, a clip, a later
step) would pass unseen. This pass instruments every store of one element of a
floating-point array argument:

    A[idx] = value            _k1 = idx
                              _k2 = A[_k1]                 # the old value
                      ->      _k3 = value                  # (_k2 + value for A[idx] += value)
                              A[_k1] = _k3
                              _k4 |= (_k3 != _k3) & (_k2 == _k2)
                              _k5 |= (_k3 - _k3 != 0.0) & (_k3 == _k3) & (_k2 - _k2 == 0.0)

(an augmented store ``A[idx] += value`` is the load, the operation and the store
numba performs for it, written out so the new value is at hand without a reload). ``x - x == 0.0`` holds exactly for
finite ``x``, so the two flags say "an element that was not NaN became NaN" and "a
finite element became inf"; elements that stay what they were (``-inf`` for "never
spiked") do not count, as between chunks. NaN is reported before inf when a step
stored both. The flags are plain local booleans (no memory traffic,
no branch in the loop); when the step ends -- and before every ``return`` -- a set
flag records (site, step index, kind) in the run's ``_nan`` array, once per run,
and the executor raises ``SimulationError`` naming the object, the variable and the
time after the chunk.

Only element stores are watched (one index per dimension, no slices); whole-array
writes of the in-place kernels and inputs are left to the check between chunks.
"""

import ast

__all__ = ["add_nan_watch", "ENABLED"]

#: Generate the watch (benchmarks/coba.py turns it off once to measure its cost; the
#: flag changes the generated source, so the disk cache cannot mix the two).
ENABLED = True


def _flag_update(flag, test):
    return ast.AugAssign(ast.Name(flag, ast.Store()), ast.BitOr(), test)


def _finite(name):
    value = ast.Name(name, ast.Load())
    return ast.Compare(ast.BinOp(value, ast.Sub(), ast.Name(name, ast.Load())), [ast.Eq()],
                       [ast.Constant(0.0)])


class _Watch(ast.NodeTransformer):
    def __init__(self, arrays, fresh_name):
        self.arrays = arrays            # name -> (variable, ndim)
        self.fresh_name = fresh_name
        self.sites = []                 # (variable,)
        self.flags = {}                 # array -> (site, nan flag, inf flag)

    def _element_store(self, target):
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                and target.value.id in self.arrays):
            return False
        parts = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        return len(parts) == self.arrays[target.value.id][1] and \
            not any(isinstance(p, ast.Slice) for p in parts)

    def _flags_of(self, array):
        if array not in self.flags:
            self.sites.append(self.arrays[array][0])
            self.flags[array] = (len(self.sites) - 1, self.fresh_name(), self.fresh_name())
        return self.flags[array]

    def _watched(self, node, target, value, op=None):
        array = target.value.id
        _, nan_flag, inf_flag = self._flags_of(array)
        index, old, new = self.fresh_name(), self.fresh_name(), self.fresh_name()

        def element(ctx):
            return ast.Subscript(ast.Name(array, ast.Load()), ast.Name(index, ast.Load()), ctx)
        old_value, new_value = ast.Name(old, ast.Load()), ast.Name(new, ast.Load())
        computed = value if op is None else ast.BinOp(ast.Name(old, ast.Load()), op, value)
        statements = [
            ast.Assign([ast.Name(index, ast.Store())], target.slice),
            ast.Assign([ast.Name(old, ast.Store())], element(ast.Load())),
            ast.Assign([ast.Name(new, ast.Store())], computed),
            ast.Assign([element(ast.Store())], new_value),
            _flag_update(nan_flag, ast.BinOp(
                ast.Compare(new_value, [ast.NotEq()], [ast.Name(new, ast.Load())]),
                ast.BitAnd(),
                ast.Compare(old_value, [ast.Eq()], [ast.Name(old, ast.Load())]))),
            _flag_update(inf_flag, ast.BinOp(ast.BinOp(
                ast.Compare(ast.BinOp(new_value, ast.Sub(), ast.Name(new, ast.Load())),
                            [ast.NotEq()], [ast.Constant(0.0)]), ast.BitAnd(),
                ast.Compare(ast.Name(new, ast.Load()), [ast.Eq()], [ast.Name(new, ast.Load())])),
                ast.BitAnd(), _finite(old)))]
        return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in statements]

    def visit_Assign(self, node):
        if len(node.targets) == 1 and self._element_store(node.targets[0]):
            return self._watched(node, node.targets[0], node.value)
        return node

    def visit_AugAssign(self, node):
        if self._element_store(node.target):
            return self._watched(node, node.target, node.value, node.op)
        return node

    def reports(self, node):
        """``if flag: _report_nonfinite(...)`` for every watched array (before ``node``)."""
        statements = []
        for site, nan_flag, inf_flag in self.flags.values():
            for flag, kind in ((nan_flag, 1), (inf_flag, 2)):
                call = ast.Call(ast.Name("_report_nonfinite", ast.Load()),
                                [ast.Name("_nan", ast.Load()), ast.Constant(site),
                                 ast.Name("_i", ast.Load()), ast.Constant(kind)], [])
                statements.append(ast.If(ast.Name(flag, ast.Load()), [ast.Expr(call)], []))
        return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in statements]


def add_nan_watch(statements, arrays, fresh_name):
    """Watched statements of a step (see the module docs).

    Parameters
    ----------
    statements : list of ast.stmt
    arrays : dict
        Name of each floating-point array argument -> (variable as the user wrote
        it, number of dimensions).
    fresh_name : callable

    Returns
    -------
    statements : list of ast.stmt
        Unchanged (the same list) when no store is watched.
    sites : list of str
        The variable of each watch site (its number is the position).
    """
    if not ENABLED:
        return statements, []
    watch = _Watch(arrays, fresh_name)
    body = []
    for statement in statements:
        new = watch.visit(statement)
        body.extend(new if isinstance(new, list) else [new])
    if not watch.flags:
        return statements, []
    line = getattr(statements[0], "lineno", 0)
    first = ast.Pass(lineno=line, col_offset=0)
    init = [ast.fix_missing_locations(ast.copy_location(
        ast.Assign([ast.Name(flag, ast.Store())], ast.Constant(False)), first))
        for _, nan_flag, inf_flag in watch.flags.values() for flag in (nan_flag, inf_flag)]
    last = ast.Pass(lineno=getattr(statements[-1], "end_lineno", line) or line, col_offset=0)
    return init + _with_reports(body, watch) + watch.reports(last), watch.sites


def _with_reports(statements, watch):
    """Put the reports before every ``return`` (now that all flags are known)."""
    class _Returns(ast.NodeTransformer):
        def visit_Return(self, node):
            return watch.reports(node) + [node]
    result = []
    for statement in statements:
        new = _Returns().visit(statement)
        result.extend(new if isinstance(new, list) else [new])
    return result
