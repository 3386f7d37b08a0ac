"""Catch a NaN or inf that a compiled step stores, even if it is overwritten later in the chunk.

The runner looks for new non-finite values between chunks of steps; a value that
becomes NaN and is overwritten within the same chunk (a reset, a clip, a later
step) would pass unseen. This pass watches every store of one element of a
floating-point array argument with one integer flag per array:

    A[idx] = value            _k1 = value                  # (A[idx] + value for +=)
                      ->      A[idx] = _k1
                              _k2 |= _nonfinite_bits(_k1)

``x - x`` is exactly +0.0 (no bit set) for finite ``x`` and NaN for NaN and inf,
so the integer flag ``_k2``, which ORs the bits of ``x - x``
(``kernels.nonfinite_bits``), stays 0 until a non-finite value is stored: a
subtraction and an integer ``or`` per store, no branch, no extra load. (Measured
on the ch. 6 SynVec2 loops: two flags per kind that also load the old value cost
3x, a floating-point accumulator 1.9x -- its additions form a chain --, a boolean
flag ``x - x != 0.0`` 1.4x; in the SynVec5 scatter that boolean took six of the
fourteen instructions per synapse, the integer flag two.) When the step ends (and before every ``return``) a tripped accumulator makes
``_nonfinite_report`` count the array's NaNs and infs and compare them with the
counts it keeps for the run (measured by ``_nonfinite_baseline`` when the run's
first step starts): only *more* NaNs or infs than before count, so elements that
were non-finite already (``-inf`` for "never spiked") stored again do not, as
between chunks. The first new one is recorded with the step index; the executor
raises ``SimulationError`` naming the object, the variable and the time after the
chunk. A value that becomes non-finite and is overwritten within the same step
call is not seen; the counting then happens each step while an array keeps
re-storing non-finite values.

Arrays a step writes only by scattered sticky stores (``self.post.input[post_i] +=
...`` per synapse: a NaN or inf stays one under ``+=``, ``-=``, ``*=``, ``/=``) get no
flag: the report counts them whenever the step ends (:func:`scanned_arrays`), which
costs the array's size per step instead of work per synapse. (Counting every array
that way was measured too: on SynVec5, whose per-neuron loops are as cheap as the
count, it cost 2.5x; flags in element-wise loops cost a few percent.)

A store of a finite number written in the code (``spike[i] = 0.``) gets no flag, and
one of a value that is the same at every store of the step (``V[i] = Vr``,
``t_last[i] = _t``: numbers, names the step never assigns, ``+ - *``) is tested once
when the step starts: the LIF loop of ch. 6 kept one flag of five (measured on
SynVec5: the watch cost 27 ms per simulated second, then 13 ms).

Only element stores are watched (one index per dimension, no slices); whole-array
writes of the in-place kernels and inputs are left to the check between chunks.
"""

import ast
import math

__all__ = ["add_nan_watch", "scanned_arrays", "ENABLED"]

#: Generate the watch (benchmarks/coba.py turns it off once to measure its cost; the
#: flag changes the generated source, so the disk cache cannot mix the two).
ENABLED = True


#: Operators under which a non-finite element stays non-finite (inf + x, inf * 0, NaN / x, ...).
_STICKY = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def scanned_arrays(statements, arrays):
    """Arrays that the step writes only by scattered ``A[j] op= v`` with a sticky ``op``.

    Once such a store makes an element NaN or inf, later ``+=``, ``-=``, ``*=``, ``/=``
    keep it non-finite, so counting the array once when the step ends sees it: cheaper
    than a flag per store when the stores run per synapse into a per-neuron array.
    A store counts as scattered unless its index is the target of the ``range`` loop
    directly around it (an element-wise loop, where a flag costs little); any other
    store to the array (``A[i] = v``, ``A[i] **= v``) keeps the flags.
    """
    scattered, other = set(), set()

    def visit(node, loop):
        if isinstance(node, ast.For):
            loop = node
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign) else []
        for target in targets:
            for sub in ast.walk(target):
                if not (isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name)
                        and sub.value.id in arrays):
                    continue
                sticky = isinstance(node, ast.AugAssign) and isinstance(node.op, _STICKY) \
                    and sub is target
                element_wise = loop is not None and isinstance(loop.target, ast.Name) and \
                    isinstance(sub.slice, ast.Name) and sub.slice.id == loop.target.id
                (scattered if sticky and not element_wise else other).add(sub.value.id)
        for child in ast.iter_child_nodes(node):
            visit(child, loop)

    for statement in statements:
        visit(statement, None)
    return scattered - other


#: Operators of a store's value that may be tested once when the step starts (they cannot raise).
_INVARIANT_OPS = (ast.Add, ast.Sub, ast.Mult)


def _finite_constant(node):
    """Whether ``node`` is a finite number written in the code (``0.``, ``-1e7``)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
        math.isfinite(node.value)


def _invariant(node, stored):
    """Whether ``node`` has the same value wherever it appears in the step.

    Numbers, names the step never assigns (its arguments: parameters, ``_t``) and
    ``+ - *`` of them: no element read, no call, no division (which could raise
    when moved out of the branch that guards it).
    """
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float))
    if isinstance(node, ast.Name):
        return node.id not in stored
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) and _invariant(node.operand, stored)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _INVARIANT_OPS) and _invariant(node.left, stored) and \
            _invariant(node.right, stored)
    return False


def _stored_names(statements):
    return {n.id for statement in statements for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def _flag_update(accumulator, value):
    """``accumulator |= _nonfinite_bits(value)`` (non-zero once ``value`` was NaN or inf)."""
    return ast.AugAssign(ast.Name(accumulator, ast.Store()), ast.BitOr(),
                         ast.Call(ast.Name("_nonfinite_bits", ast.Load()),
                                  [ast.Name(value, ast.Load())], []))


class _Watch(ast.NodeTransformer):
    def __init__(self, arrays, fresh_name, scanned=(), stored=()):
        self.arrays = arrays            # name -> (variable, ndim)
        self.fresh_name = fresh_name
        self.scanned = set(scanned)     # arrays counted when the step ends, without flags
        self.stored = set(stored)       # names the step assigns (not invariant)
        self.sites = []                 # variable of each watched array
        self.accumulators = {}          # array -> (site, accumulator name or None)
        self.hoisted = []               # (accumulator, value) tested once when the step starts
        self._hoisted_keys = set()

    def _element_store(self, target):
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                and target.value.id in self.arrays):
            return False
        if target.value.id in self.scanned:
            if target.value.id not in self.accumulators:
                self.sites.append(self.arrays[target.value.id][0])
                self.accumulators[target.value.id] = (len(self.sites) - 1, None)
            return False
        parts = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
        return len(parts) == self.arrays[target.value.id][1] and \
            not any(isinstance(p, ast.Slice) for p in parts)

    def _accumulator(self, array):
        """The flag of ``array`` (named an accumulator: it ORs every store's test)."""
        if array not in self.accumulators:
            self.sites.append(self.arrays[array][0])
            self.accumulators[array] = (len(self.sites) - 1, self.fresh_name())
        return self.accumulators[array][1]

    def _watched(self, node, target, value, op=None):
        array = target.value.id
        accumulator = self._accumulator(array)
        new = self.fresh_name()
        statements = []
        if op is not None:
            index = self.fresh_name()
            statements.append(ast.Assign([ast.Name(index, ast.Store())], target.slice))
            element = ast.Subscript(ast.Name(array, ast.Load()), ast.Name(index, ast.Load()),
                                    ast.Load())
            value = ast.BinOp(element, op, value)
            target = ast.Subscript(ast.Name(array, ast.Load()), ast.Name(index, ast.Load()),
                                   ast.Store())
        statements += [
            ast.Assign([ast.Name(new, ast.Store())], value),
            ast.Assign([target], ast.Name(new, ast.Load())),
            _flag_update(accumulator, new)]
        return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in statements]

    def visit_Assign(self, node):
        if len(node.targets) == 1 and self._element_store(node.targets[0]):
            if _finite_constant(node.value):
                return node                  # a finite number stored is never a new NaN/inf
            if _invariant(node.value, self.stored):
                # the same value at every store (``V[i] = Vr``, ``t_last[i] = _t``): test it
                # once when the step starts instead of at each store in the loop. A flag
                # raised although no store ran only makes the report count the array, which
                # finds no new NaN/inf.
                accumulator = self._accumulator(node.targets[0].value.id)
                key = (accumulator, ast.dump(node.value))
                if key not in self._hoisted_keys:
                    self._hoisted_keys.add(key)
                    self.hoisted.append((accumulator, node.value))
                return node
            return self._watched(node, node.targets[0], node.value)
        return node

    def hoisted_tests(self, node):
        """The flags of the invariant stores, set when the step starts (placed before ``node``)."""
        statements = []
        for accumulator, value in self.hoisted:
            new = self.fresh_name()
            statements += [
                ast.Assign([ast.Name(new, ast.Store())], value),
                _flag_update(accumulator, new)]
        return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in statements]

    def visit_AugAssign(self, node):
        if self._element_store(node.target):
            return self._watched(node, node.target, node.value, node.op)
        return node

    def _calls(self, kernel, node, with_accumulator):
        statements = []
        for array, (site, accumulator) in self.accumulators.items():
            row = ast.Subscript(ast.Name("_nan_counts", ast.Load()), ast.Constant(site),
                                ast.Load())
            args = [ast.Name(array, ast.Load()), row, ast.Name("_nan", ast.Load())]
            if with_accumulator:
                args += [ast.Constant(site), ast.Name("_i", ast.Load())]
            call = ast.Expr(ast.Call(ast.Name(kernel, ast.Load()), args, []))
            if with_accumulator and accumulator is not None:
                # a cold branch: LLVM keeps the report's counting loop out of line
                test = ast.Call(ast.Name("_unlikely", ast.Load()),
                                [ast.Name(accumulator, ast.Load())], [])
                call = ast.If(test, [call], [])
            statements.append(call)
        return [ast.fix_missing_locations(ast.copy_location(s, node)) for s in statements]

    def reports(self, node):
        """The report calls of every watched array (placed before ``node``)."""
        return self._calls("_nonfinite_report", node, True)


def add_nan_watch(statements, arrays, fresh_name, scanned=None):
    """Watched statements of a step (see the module docs).

    Parameters
    ----------
    statements : list of ast.stmt
    arrays : dict
        Name of each floating-point array argument -> (variable as the user wrote
        it, number of dimensions).
    fresh_name : callable
    scanned : set of str, optional
        The arrays to count when the step ends instead of flagging their stores
        (default: :func:`scanned_arrays` of ``statements``; pass it computed before
        passes that copy loops, such as the versioning of index checks).

    Returns
    -------
    statements : list of ast.stmt
        Unchanged (the same list) when no store is watched. Otherwise the step
        also takes ``_nan`` (the run's record) and ``_nan_counts`` (one row of
        counts per site).
    sites : list of str
        The variable of each watched array (its site number is the position).
    """
    if not ENABLED:
        return statements, []
    if scanned is None:
        scanned = scanned_arrays(statements, arrays)
    watch = _Watch(arrays, fresh_name, scanned, _stored_names(statements))
    body = []
    for statement in statements:
        new = watch.visit(statement)
        body.extend(new if isinstance(new, list) else [new])
    if not watch.accumulators:
        return statements, []
    first = ast.Pass(lineno=getattr(statements[0], "lineno", 0), col_offset=0)
    init = [ast.fix_missing_locations(ast.copy_location(
        ast.Assign([ast.Name(accumulator, ast.Store())],
                   ast.Call(ast.Name("_nonfinite_bits", ast.Load()), [ast.Constant(0.0)], [])),
        first))
        for _, accumulator in watch.accumulators.values() if accumulator is not None]
    baseline = watch._calls("_nonfinite_baseline", first, False)
    last = ast.Pass(lineno=getattr(statements[-1], "end_lineno", None) or first.lineno,
                    col_offset=0)
    return init + baseline + watch.hoisted_tests(first) + _with_reports(body, watch) + \
        watch.reports(last), watch.sites


def _with_reports(statements, watch):
    """Put the reports before every ``return``."""
    class _Returns(ast.NodeTransformer):
        def visit_Return(self, node):
            return watch.reports(node) + [node]
    result = []
    for statement in statements:
        new = _Returns().visit(statement)
        result.extend(new if isinstance(new, list) else [new])
    return result
