"""Index checks in compiled steps: an out-of-range index raises instead of corrupting memory.

Numba does not check indices: ``self.g[post_i]`` with a bad ``post_i`` writes past
the array (or crashes the process). This pass wraps every integer index of an
array argument in ``_check_index(index, A.shape[axis], site, _i)``, which raises
``IndexError(site, index, size, _i)``; the executor turns that into a
:class:`~workbench.errors.SimulationError` naming the object, the variable, the
index and the time (the *site* numbers the checks of a step:
:attr:`IndexChecks.sites`).

A check in the innermost loop would cost what the loop costs, so loops over
``range`` are versioned: when one condition evaluated before the loop proves
the accesses indexed by the loop variable in range (:mod:`.index_proofs`), a
copy of the loop without those checks runs; otherwise the checked copy runs.

    for i in range(n):                   _k1 = 0; _k2 = n
        V[i] = ...                       if _k2 <= _k1 or (_k1 >= -V.shape[0] and _k2 <= V.shape[0]):
                                 ->          for i in range(_k1, _k2):
                                                 V[i] = ...
                                         else:
                                             for i in range(_k1, _k2):
                                                 V[_check_index(i, V.shape[0], 0, _i)] = ...

The checked copies run only for models whose sizes disagree or whose index arrays
hold negative entries, but compiling them cost a quarter of a network's first
compile (ch. 6 COBA: 2.4-3.1 s with them, 1.8-2.1 s without). So a run first
compiles its steps with ``checked_copies=False``: the ``else`` branch then raises
:class:`~workbench.simulation.numba.kernels.RangeNotProven`; the executor then
compiles the checked copies, and the runner runs the chunk again with them from the
chunk's snapshot (:class:`~workbench.simulation.executor.RerunChunk`).

Indices read from an integer array (``post_i = self.post_ids[k]`` then
``self.g[post_i]``) are proved by a flag computed when the step starts from the
array's min and max (which come with the run's arguments): ``0 <= min`` and
``max < A.shape[axis]``, so the proven access indexes with the value as an unsigned
integer (``_nonnegative_index``: no negative-index wrap-around; arrays with
negative entries take the checked copy, which allows them as numpy does). The flag joins the
condition of the enclosing versioned loop, and outside such a loop the access
uses ``_check_index_unless``. Other indices are checked where they are used. Inside the checked copy, nested
loops are not versioned again, so a loop nest of depth d has d + 1 copies, not 2^d.
Local arrays a step creates itself are not checked.
"""

import ast
import copy

from .index_proofs import covered_accesses, index_offset, range_loop_bounds, read_indices

__all__ = ["IndexChecks", "add_index_checks", "ENABLED"]

#: Generate the checks (benchmarks/coba.py turns them off once to measure their cost;
#: the flag changes the generated source, so the disk cache cannot mix the two).
ENABLED = True


class IndexChecks:
    """Adds the checks to one step's statements.

    Parameters
    ----------
    arrays : dict
        Name of each array argument of the step -> the variable as the user wrote it
        (``'self.post.input'``).
    int_names : set of str
        Names that only ever hold loop indices.
    fresh_name : callable
        ``fresh_name()`` returns a local name the step does not use.
    range_of : callable, optional
        ``range_of(array)`` -> the name of the argument holding ``[min, max]`` of an
        integer array argument, or None.
    checked_copies : bool, optional
        Give versioned loops their checked copy; when False the ``else`` branch raises
        ``_RangeNotProven`` instead (see the module docs).

    Attributes
    ----------
    sites : list of (str, int, int)
        For every check (its site number is the position): the variable, the axis
        and the user's line.
    """

    def __init__(self, arrays, int_names, fresh_name, range_of=None, checked_copies=True):
        self.arrays = arrays
        self.checked_copies = checked_copies
        self.int_names = int_names
        self.fresh_name = fresh_name
        self.range_of = range_of or (lambda array: None)
        self.sites = []
        self.read_from = {}             # x -> (B, ...) for x = B[...] (see index_proofs)
        self.flags = {}                 # (B, A, axis) -> flag name
        self.entry = []                 # statements computing the flags

    def _flag(self, sources, array, axis):
        key = (sources, array, axis)
        if key not in self.flags:
            bounds = [self.range_of(source) for source in sources]
            if any(b is None for b in bounds):
                self.flags[key] = None
                return None
            name = self.fresh_name()
            self.flags[key] = name
            tests = []
            for values in bounds:
                low = ast.Subscript(ast.Name(values, ast.Load()), ast.Constant(0), ast.Load())
                high = ast.Subscript(ast.Name(values, ast.Load()), ast.Constant(1), ast.Load())
                # non-negative, not just >= -size: the proven accesses then index with
                # unsigned integers (no wrap-around); negative indices take the checked copy
                tests += [ast.Compare(low, [ast.GtE()], [ast.Constant(0)]),
                          ast.Compare(high, [ast.Lt()], [_size(array, axis)])]
            self.entry.append(ast.Assign([ast.Name(name, ast.Store())],
                                         ast.BoolOp(ast.And(), tests)))
        return self.flags[key]

    # -- statements ----------------------------------------------------------------------
    def block(self, statements, proven, version):
        """Checked copies of ``statements``; ``proven`` holds (loop name, array, axis, offset)."""
        result = []
        for statement in statements:
            result.extend(self.statement(statement, proven, version))
        return result

    def statement(self, node, proven, version):
        if isinstance(node, ast.For) and version:
            versioned = self._versioned_loop(node, proven)
            if versioned is not None:
                return versioned
        node = copy.copy(node)
        line = getattr(node, "lineno", 0)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and all(isinstance(v, ast.stmt) for v in value):
                    setattr(node, field, self.block(value, proven, version))
                else:
                    setattr(node, field, [self._any(v, proven, version, line) for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, self._any(value, proven, version, line))
        return [node]

    def _any(self, value, proven, version, line):
        if isinstance(value, ast.expr):
            return self.expression(value, proven, line)
        if isinstance(value, ast.stmt):
            return self.statement(value, proven, version)[0]
        if isinstance(value, ast.AST):           # except handlers, keywords, ...
            return self.statement(value, proven, version)[0]
        return value

    def _read_accesses(self, loop, proven):
        """(x, A, axis, flag) of accesses ``A[x]`` in ``loop`` with ``x`` read from an array."""
        found = []
        for statement in loop.body:
            for node in ast.walk(statement):
                if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                        and node.value.id in self.arrays):
                    continue
                parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                for axis, part in enumerate(parts):
                    if not (isinstance(part, ast.Name) and part.id in self.read_from):
                        continue
                    key = ("read", part.id, node.value.id, axis)
                    if key in proven or any(entry[:4] == key for entry in found):
                        continue
                    flag = self._flag(self.read_from[part.id], node.value.id, axis)
                    if flag is not None:
                        found.append(key + (flag,))
        return found

    def _versioned_loop(self, loop, proven):
        bounds = range_loop_bounds(loop)
        if bounds is None:
            return None
        name = loop.target.id
        covered = [(array, axis, offset) for array, axis, offset in
                   covered_accesses(loop, self.int_names, self.arrays)
                   if (name, array, axis, offset) not in proven]
        reads = self._read_accesses(loop, proven)
        if not covered and not reads:
            return None
        line = loop.lineno
        start, stop = self.fresh_name(), self.fresh_name()
        assigns = [ast.Assign([ast.Name(start, ast.Store())], self.expression(bounds[0], proven,
                                                                              line)),
                   ast.Assign([ast.Name(stop, ast.Store())], self.expression(bounds[1], proven,
                                                                             line))]
        lo, hi = ast.Name(start, ast.Load()), ast.Name(stop, ast.Load())
        in_range = []
        for array, axis, offset in covered:
            shifted_lo, shifted_hi = _plus(lo, offset), _plus(hi, offset)
            in_range += [ast.Compare(shifted_lo, [ast.GtE()],
                                     [ast.UnaryOp(ast.USub(), _size(array, axis))]),
                         ast.Compare(shifted_hi, [ast.LtE()], [_size(array, axis)])]
        in_range += [ast.Name(read[4], ast.Load()) for read in reads]
        condition = ast.BoolOp(ast.Or(), [ast.Compare(hi, [ast.LtE()], [lo]),
                                          ast.BoolOp(ast.And(), in_range)
                                          if len(in_range) > 1 else in_range[0]])
        fast_proven = proven | {(name, array, axis, offset) for array, axis, offset in covered} \
            | {read[:4] for read in reads}

        def copy_of(proven_here, version):
            return ast.For(ast.Name(name, ast.Store()),
                           ast.Call(ast.Name("range", ast.Load()), [lo, hi], []),
                           self.block(loop.body, proven_here, version),
                           self.block(loop.orelse, proven, version))
        fast = copy_of(fast_proven, True)
        if self.checked_copies:
            slow = copy_of(proven, False)
        else:
            slow = ast.Raise(ast.Call(ast.Name("_RangeNotProven", ast.Load()), [], []), None)
        result = assigns + [ast.If(condition, [fast], [slow])]
        return [ast.fix_missing_locations(ast.copy_location(s, loop)) for s in result]

    # -- expressions ---------------------------------------------------------------------
    def expression(self, node, proven, line):
        checks = self

        class _Wrap(ast.NodeTransformer):
            def visit_Subscript(self, sub):
                self.generic_visit(sub)
                if not (isinstance(sub.value, ast.Name) and sub.value.id in checks.arrays):
                    return sub
                array = sub.value.id
                tuple_index = isinstance(sub.slice, ast.Tuple)
                parts = list(sub.slice.elts) if tuple_index else [sub.slice]
                for axis, part in enumerate(parts):
                    if isinstance(part, ast.Slice):
                        continue
                    if isinstance(part, ast.Name) and ("read", part.id, array, axis) in proven:
                        parts[axis] = ast.Call(ast.Name("_nonnegative_index", ast.Load()),
                                               [part], [])
                        continue
                    if any(index_offset(part, entry[0]) == entry[3] for entry in proven
                           if entry[0] != "read" and entry[1] == array and entry[2] == axis):
                        continue
                    parts[axis] = checks._checked(part, array, axis, line)
                sub.slice = ast.Tuple(parts, ast.Load()) if tuple_index else parts[0]
                return sub

        return ast.fix_missing_locations(_Wrap().visit(copy.deepcopy(node)))

    def _checked(self, index, array, axis, line):
        site = len(self.sites)
        self.sites.append((self.arrays[array], axis, line))
        flag = None
        if isinstance(index, ast.Name) and index.id in self.read_from:
            flag = self._flag(self.read_from[index.id], array, axis)
        if flag is None:
            return ast.Call(ast.Name("_check_index", ast.Load()),
                            [index, _size(array, axis), ast.Constant(site),
                             ast.Name("_i", ast.Load())], [])
        return ast.Call(ast.Name("_check_index_unless", ast.Load()),
                        [index, _size(array, axis), ast.Name(flag, ast.Load()),
                         ast.Constant(site), ast.Name("_i", ast.Load())], [])


def _plus(name_expr, offset):
    if offset == 0:
        return name_expr
    return ast.BinOp(name_expr, ast.Add() if offset > 0 else ast.Sub(), ast.Constant(abs(offset)))


def _size(array, axis):
    return ast.Subscript(ast.Attribute(ast.Name(array, ast.Load()), "shape", ast.Load()),
                         ast.Constant(axis), ast.Load())


def add_index_checks(statements, arrays, int_names, fresh_name, in_range=(), range_of=None,
                     checked_copies=True):
    """Checked statements of a step and the table of their check sites.

    Parameters
    ----------
    statements : list of ast.stmt
        The rewritten step body.
    arrays, int_names, fresh_name
        As for :class:`IndexChecks`.
    in_range : set of (str, str, int), optional
        (index name, array, axis) known to be in range wherever the name is used.
    range_of : callable, optional
        As for :class:`IndexChecks`.
    checked_copies : bool, optional
        As for :class:`IndexChecks`.

    Returns
    -------
    statements : list of ast.stmt
    sites : list of (str, int, int)
        (variable, axis, line) of each check site.
    """
    if not ENABLED:
        return list(statements), []
    checks = IndexChecks(arrays, int_names, fresh_name, range_of, checked_copies)
    checks.read_from = read_indices(statements, arrays)
    body = checks.block(statements, frozenset(entry + (0,) for entry in in_range), True)
    line = getattr(statements[0], "lineno", 0) if statements else 0
    entry = [ast.copy_location(s, ast.Pass(lineno=line, col_offset=0)) for s in checks.entry]
    return [ast.fix_missing_locations(s) for s in entry + body], checks.sites
