"""``'numba-parallel'``: a step whose loops all write by one index runs as ONE parallel region.

Threads split the *index space* of the elements a step writes: thread ``t`` of
``T`` owns the indices ``[t * N // T, (t + 1) * N // T)`` (``N``: the length of
the first written array; the last thread owns everything above). Inside one
``for _tid in prange(T)`` every thread runs *all* loops of the step, in the
serial order, but only over the indices it owns:

* an element-wise loop ``for i in range(a, b)`` becomes
  ``for i in range(max(a, _lo), min(b, _hi))``;
* a scatter ``for k in range(s, e): y = ids[k]; ... W[y] ...`` (the targets of a
  spiking neuron) becomes ``for k in range(*_owned_span(ids, desc, s, e, _lo, _hi))``
  with the body guarded by ``_lo <= y < _hi``: on a sorted slice two binary
  searches find the thread's part, an unsorted slice is walked whole and the
  guard skips the targets of other threads
  (:func:`~workbench.simulation.numba.parallel_kernels.owned_span`; ``desc``,
  the descents of ``ids``, is computed when a run binds its values).

Each element is then computed by one thread, with the same operations in the
same order as serially, so results are bitwise identical -- also across loops:
``post.input[j] += g[j] * ...`` reads the ``g[j]`` that the same thread has
just decayed and scattered into. For this the proof (:func:`partition_step`)
demands, on the step's code after index checks and NaN watch:

* the loops are top-level statements (or the fast branch of a top-level ``if``,
  the form index checks take: the condition is evaluated first, and if any is
  false the step runs serially as written); the statements between them assign
  numbers from arguments and shapes only (they are evaluated before the region);
* every array written (``W[...] =``, ``W[...] op=``) is indexed only by the
  loop's index (element-wise loops) or by the target ``y`` (scatters), in reads
  too, and nowhere else in the region; code outside those loop bodies writes no
  array and never reads a written one;
* a local assigned in a split loop body is assigned before it is read in the
  same iteration and is never read outside it (no value carried between
  iterations); the only exception are the NaN watch's "any" flags
  (``f = _nonfinite_bits(0.0)`` before, only ``f |= ...`` inside), kept per thread and or-ed;
* calls are pure (numpy functions other than random draws, pure builtins,
  element-wise integrators, ``_slice_bounds``, ``_element_bits``, ``_block_is_zero``,
  ``_nonfinite_bits``): a random draw
  or a user function keeps the step serial;
* no ``return``, ``break``, ``raise``, ``while``, ``try``, ``with`` in the region.

A twin whose prelude any thread may run (no array written, pure calls; the NaN
baselines apart) and whose epilogue holds only NaN reports also gets
:class:`ChunkParts`: the functions with which every thread of the chunk region
(:mod:`.chunk_region`) runs its part of the step.

At run time the twin also tests that loop starts and scatter targets are not
negative (a negative index names an element from the end: two threads could
own it), that written arrays share no memory with the other arrays of the
region (:func:`~workbench.simulation.numba.parallel_kernels.apart`), that more
than one thread is available and the written arrays have at least
``_pmin`` elements; otherwise the serial code runs.
"""

import ast
import builtins
import copy

from ...codegen.astutil import MISSING
from ...codegen.elementwise import function_kind

__all__ = ["partition_step", "PartitionedStep", "ChunkParts", "call_kind_in", "hands_over_array"]

_FORBIDDEN = (ast.Return, ast.Break, ast.Raise, ast.Assert, ast.Try, ast.With, ast.While,
              ast.Global, ast.Nonlocal, ast.Lambda, ast.FunctionDef, ast.Yield, ast.YieldFrom,
              ast.Await, ast.Delete, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
              ast.NamedExpr, ast.Starred, ast.ClassDef, ast.AsyncFor)

#: Generated helpers that are pure functions of their arguments.
_PURE_KERNELS = frozenset({"_slice_bounds", "_element_bits", "_block_is_zero", "_nonzero_span",
                           "_nonfinite_bits", "_nonnegative_index"})
#: Attributes of a written array that code outside its loops may read (they never change).
_SHAPE_ATTRS = frozenset({"shape", "size", "ndim"})
#: ... and attributes that tell where its memory is (aliasing tests), never changing either.
_EXTENT_ATTRS = _SHAPE_ATTRS | {"ctypes", "flags", "nbytes"}
_BIG = "9223372036854775807"


class _Unproven(Exception):
    pass


#: Function name -> why its last proof failed (for tests and for reading generated code).
last_reasons = {}


class PartitionedStep:
    """The parallel twin of a step.

    Attributes
    ----------
    name : str
        The twin's function name; it takes the step's arguments, then
        ``_nthreads, _pmin`` and one descents array per name of ``descents``.
    descents : list of str
        Index arrays (parameter names) whose descents the twin takes, in order.
    lines : list of str
        Source of the twin and its region function.
    """

    def __init__(self, name, descents, lines, chunk=None):
        self.name = name
        self.descents = descents
        self.lines = lines
        self.chunk = chunk


class ChunkParts:
    """The functions that run a twin inside the chunk region (``generator/chunk_region.py``).

    Both take the twin's arguments (the step's, then ``_nthreads, _pmin`` and the
    descents); ``thread`` also takes the thread's number first and the step's flag
    columns (a ``(threads, width)`` bool array) last.

    Attributes
    ----------
    thread : str
        ``thread(_tid, ..., _flags) -> bool``: every thread of the region calls it. When
        the twin's conditions hold it runs the thread's part (``_lo``..``_hi``), stores
        whether it stored a NaN or inf in ``_flags[_tid, first_nan_flag:]`` and returns
        True; else thread 0 calls the serial step (which records its own NaNs), the
        flags stay clear, and it returns False.
    baseline : str
        ``baseline(...)``: the step's NaN baselines (counted once per run; one thread
        calls it before the threads start).
    width : int
        Flag columns of the step.
    first_nan_flag : int
        The first column of the NaN flags (before it: the part's own columns).
    written : list of str
        Parameters the step writes.
    """

    def __init__(self, thread, baseline, width, first_nan_flag, written):
        self.thread = thread
        self.baseline = baseline
        self.width = width
        self.first_nan_flag = first_nan_flag
        self.written = written


def call_kind_in(namespace, origins):
    """A function telling whether a call node of generated code is pure (see module docs).

    Parameters
    ----------
    namespace : dict
        The generated module's globals.
    origins : dict
        Injected name -> what it stands for (an integrator for its compiled step).

    Returns
    -------
    callable
        ``kind(func_node)`` -> ``'elementwise'``, ``'pure'`` or None.
    """
    def kind(func):
        names = []
        while isinstance(func, ast.Attribute):
            names.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        names.append(func.id)
        names.reverse()
        root = names[0]
        if len(names) == 1 and root in _PURE_KERNELS:
            return "pure"
        if root in origins:
            value = origins[root]
        elif root in namespace:
            value = namespace[root]
        elif hasattr(builtins, root):
            value = getattr(builtins, root)
        else:
            return None
        for attr in names[1:]:
            value = getattr(value, attr, MISSING)
        if value is MISSING:
            return None
        return function_kind(value)
    return kind


def _stored(node):
    """Names a statement or expression stores (assignment and loop targets)."""
    return {n.id for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _loaded(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _false_flags(statements):
    """The NaN watch's flags: ``f = _nonfinite_bits(0.0)`` (0) or ``f = False`` before the loops."""
    def zero(value):
        if isinstance(value, ast.Constant):
            return value.value is False
        return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
            value.func.id == "_nonfinite_bits" and len(value.args) == 1 and \
            isinstance(value.args[0], ast.Constant) and value.args[0].value == 0.0
    return {s.targets[0].id for s in statements
            if isinstance(s, ast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name) and zero(s.value)}


class _WithoutUnsignedCasts(ast.NodeTransformer):
    """``_nonnegative_index(x)`` -> ``x``: the proof reads indices as the user wrote them.

    The serial fast copy casts proven non-negative indices to unsigned
    (``index_checks``); the region casts its own split indices (``_UnsignedIndex``),
    so its loops are proved and rendered from the plain names.
    """

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "_nonnegative_index" and \
                len(node.args) == 1 and not node.keywords:
            return node.args[0]
        return node


def _clipped_bounds(body):
    """Names only ever assigned by ``a, b = _slice_bounds(...)``: never negative.

    (The checked and unchecked copies of a loop each assign them once.)
    """
    clipped = {}
    for node in ast.walk(ast.Module(body, [])):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Tuple) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and node.value.func.id == "_slice_bounds":
            for target in node.targets[0].elts:
                if isinstance(target, ast.Name):
                    clipped[target.id] = clipped.get(target.id, 0) + 1
    counts = _store_counts(body)
    return {name for name, n in clipped.items() if counts.get(name) == n}


def _parents(node):
    """Each node under ``node`` -> the node that contains it."""
    return {child: parent for parent in ast.walk(node) for child in ast.iter_child_nodes(parent)}


def hands_over_array(arg, arrays):
    """Whether a call argument gives the callee an array (which numpy may write: ``out``).

    True for a slice, or a name of ``arrays`` (name -> ndim) used otherwise than as an
    element of a 1-d array (``x[i]``) or for its shape.

    Parameters
    ----------
    arg : ast.expr
    arrays : dict

    Returns
    -------
    bool
    """
    parents = _parents(arg)
    for n in ast.walk(arg):
        if isinstance(n, ast.Slice):
            return True
        if isinstance(n, ast.Name) and arrays.get(n.id, 0) >= 1:
            parent = parents.get(n)
            element = isinstance(parent, ast.Subscript) and parent.value is n and \
                not isinstance(parent.slice, ast.Slice) and arrays[n.id] == 1
            if not element and not (isinstance(parent, ast.Attribute)
                                    and parent.attr in _SHAPE_ATTRS):
                return True
    return False


def _store_counts(body):
    """Name -> how many times ``body`` assigns it (assignment, loop and ``op=`` targets)."""
    counts = {}
    for node in ast.walk(ast.Module(body, [])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _has_loop(statement):
    return any(isinstance(n, ast.For) for n in ast.walk(statement))


def _range_args(loop):
    """``(start, stop)`` expressions of ``for x in range(a[, b])``, else None."""
    it = loop.iter
    if not (isinstance(loop.target, ast.Name) and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name) and it.func.id == "range" and not it.keywords
            and 1 <= len(it.args) <= 2 and not loop.orelse):
        return None
    if len(it.args) == 1:
        return ast.Constant(0), it.args[0]
    return it.args[0], it.args[1]


class _Proof:
    """The checks of :func:`partition_step` on one step (raises _Unproven)."""

    def __init__(self, arrays, call_kind, flags):
        self.arrays = arrays
        self.call_kind = call_kind
        self.flags = flags
        self.written = []
        self.conditions = []
        self.descents = []
        self.parts = []            # (For node, partition names, kind): the split loop bodies
        self.clipped = set()       # names never negative (``_slice_bounds`` results)

    # -- whole-region checks --------------------------------------------------------------
    def collect_written(self, region):
        for node in ast.walk(ast.Module(region, [])):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                name = node.value.id if isinstance(node.value, ast.Name) else None
                if self.arrays.get(name, 0) < 1:
                    raise _Unproven("a store into something else than an array argument")
                if name not in self.written:
                    self.written.append(name)
            if isinstance(node, _FORBIDDEN):
                raise _Unproven(type(node).__name__)
            if isinstance(node, ast.Call):
                if self.call_kind(node.func) not in ("elementwise", "pure") or node.keywords:
                    raise _Unproven(f"call of {ast.unparse(node.func)}")
                if not (isinstance(node.func, ast.Name) and node.func.id in _PURE_KERNELS) and \
                        any(self.passes_array(arg) for arg in node.args):
                    # numpy writes an array it is given (a ufunc's positional out)
                    raise _Unproven(f"an array passed to {ast.unparse(node.func)}")
        if not self.written:
            raise _Unproven("no array written")

    def passes_array(self, arg):
        """Whether a call argument is (or holds) an array rather than elements of one."""
        return hands_over_array(arg, self.arrays)

    def check_uniform(self, node, allow_subscript_store=False):
        """Code every thread runs alike: reads no written array (but its shape), writes none."""
        parents = _parents(node)
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id in self.written:
                parent = parents.get(n)
                # its shape or its memory extent (zero_blocks.py's aliasing test), not its elements
                if not (isinstance(parent, ast.Attribute) and parent.attr in _EXTENT_ATTRS):
                    raise _Unproven(f"{n.id} used outside the loops that split it")
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and \
                    not allow_subscript_store:
                raise _Unproven("an array written outside a split loop")

    def check_split_body(self, body, names):
        """Written arrays appear in ``body`` only as ``W[name]`` with ``name`` in ``names``."""
        module = ast.Module(body, [])
        parents = _parents(module)
        for n in ast.walk(module):
            if isinstance(n, ast.Name) and n.id in self.written:
                parent = parents.get(n)
                if isinstance(parent, ast.Attribute) and parent.attr in _SHAPE_ATTRS:
                    continue
                if not (isinstance(parent, ast.Subscript) and parent.value is n
                        and isinstance(parent.slice, ast.Name) and parent.slice.id in names):
                    raise _Unproven(f"{n.id} indexed by something else than the split index")
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in names \
                    and not self._is_alias_store(n, parents, names):
                raise _Unproven(f"the split index {n.id} is reassigned")

    @staticmethod
    def _is_alias_store(n, parents, names):
        parent = parents.get(n)
        return isinstance(parent, ast.Assign) and len(parent.targets) == 1 and \
            parent.targets[0] is n and isinstance(parent.value, ast.Name) and \
            parent.value.id in names and parent.value.id != n.id

    @staticmethod
    def aliases(body, seeds):
        """``seeds`` plus locals whose every store in ``body`` copies one of them."""
        names = set(seeds)
        stores = {}
        for n in ast.walk(ast.Module(body, [])):
            if isinstance(n, ast.Assign):
                for target in n.targets:
                    for name in _stored(target):
                        stores.setdefault(name, []).append(n)
            elif isinstance(n, (ast.AugAssign, ast.For)):
                for name in _stored(n.target):
                    stores.setdefault(name, []).append(None)
        changed = True
        while changed:
            changed = False
            for name, assigns in stores.items():
                if name in names:
                    continue
                if all(a is not None and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)
                       and isinstance(a.value, ast.Name) and a.value.id in names for a in assigns):
                    names.add(name)
                    changed = True
        return names

    # -- definite assignment ----------------------------------------------------------------
    def check_flow(self, statements, defined, region_stored):
        """Every read of a name the region stores follows a definite store (see module docs)."""
        defined = set(defined)
        for s in statements:
            if isinstance(s, ast.For):
                self._reads(s.iter, defined, region_stored)
                inner = defined | _stored(s.target)
                self.check_flow(s.body, inner, region_stored)
            elif isinstance(s, ast.If):
                self._reads(s.test, defined, region_stored)
                defined = self.check_flow(s.body, defined, region_stored) & \
                    self.check_flow(s.orelse, defined, region_stored)
            elif isinstance(s, ast.Assign):
                self._reads(s.value, defined, region_stored)
                for target in s.targets:
                    self._reads(target, defined, region_stored)   # indices of W[i] = ...
                    if _stored(target) & self.flags:
                        raise _Unproven("a NaN flag assigned in a loop")
                    defined |= _stored(target)
            elif isinstance(s, ast.AugAssign):
                if isinstance(s.target, ast.Name) and s.target.id in self.flags:
                    if not isinstance(s.op, ast.BitOr):
                        raise _Unproven("a flag updated by something else than |=")
                    self._reads(s.value, defined, region_stored)
                    continue
                self._reads(s.value, defined, region_stored)
                target_reads = copy.deepcopy(s.target)
                for n in ast.walk(target_reads):
                    if isinstance(n, ast.Name):
                        n.ctx = ast.Load()
                self._reads(target_reads, defined, region_stored)
            elif isinstance(s, (ast.Expr, ast.Continue, ast.Pass)):
                self._reads(s, defined, region_stored)
            else:
                raise _Unproven(f"a {type(s).__name__} statement")
        return defined

    def _reads(self, node, defined, region_stored):
        for name in _loaded(node):
            if name in self.flags:
                raise _Unproven(f"the flag {name} is read inside the region")
            if name in region_stored and name not in defined:
                raise _Unproven(f"{name} may carry a value between iterations or loops")


class _UnsignedIndex(ast.NodeTransformer):
    """``A[i]`` -> ``A[_uintp(i)]`` for the split indices, which are never negative there.

    numba wraps a negative signed index around (``i + n``); that test per access kept
    LLVM from vectorizing the loops inside a parallel region (measured: 67 us against
    8 us serially for two loops over 32,000 elements on one thread; 9.7 us unsigned).
    """

    def __init__(self, names):
        self.names = names

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.slice, ast.Name) and node.slice.id in self.names:
            node.slice = ast.Call(ast.Name("_uintp", ast.Load()), [node.slice], [])
        return node


def _unsigned_rest(proof, branches, outside):
    """Unsigned indices for every local the region proves non-negative (in place).

    A local is non-negative when every store of it is: a loop over ``range(a, b[, c])``
    with ``a`` non-negative and ``c`` a positive constant, or an assignment of a
    non-negative int constant, a non-negative local, a sum or product or ``min``/``max``
    of such. Numbers from before the region (``outside``) count when the twin checks
    them (added to its conditions). The scan of the spikes in a scatter then runs 2.3x
    faster (5 against 12 us for 32,000 neurons, see :class:`_UnsignedIndex`).
    """
    module = ast.Module(branches, [])
    stores = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    stores.setdefault(target.id, []).append(node.value)
                else:
                    for name in _stored(target):
                        stores.setdefault(name, []).append(None)
        elif isinstance(node, ast.AugAssign):
            for name in _stored(node.target):
                stores.setdefault(name, []).append(None)
        elif isinstance(node, ast.For):
            it = node.iter
            start = None
            if isinstance(node.target, ast.Name) and isinstance(it, ast.Call) and \
                    isinstance(it.func, ast.Name) and it.func.id == "range" and \
                    not it.keywords and 1 <= len(it.args) <= 3:
                step = it.args[2] if len(it.args) == 3 else ast.Constant(1)
                if isinstance(step, ast.Constant) and isinstance(step.value, int) and \
                        step.value > 0:
                    start = ast.Constant(0) if len(it.args) == 1 else it.args[0]
            for name in _stored(node.target):
                stores.setdefault(name, []).append(start)
    scalars = {name for name in outside if name not in proof.arrays}
    known = set(stores)
    checks = set()

    def nonneg(expr):
        if isinstance(expr, ast.Constant):
            return type(expr.value) is int and expr.value >= 0
        if isinstance(expr, ast.Name):
            if expr.id in known:
                return True
            if expr.id in scalars and expr.id not in stores:
                checks.add(expr.id)
                return True
            return False
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mult)):
            return nonneg(expr.left) and nonneg(expr.right)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and \
                expr.func.id in ("min", "max") and expr.args and not expr.keywords:
            return all(nonneg(a) for a in expr.args)
        return False

    changed = True
    while changed:
        changed = False
        checks.clear()
        for name in sorted(known):
            if not all(v is not None and nonneg(v) for v in stores[name]):
                known.discard(name)
                changed = True
    proof.conditions.extend(f"({name}) >= 0" for name in sorted(checks))
    for statement in branches:
        _UnsignedIndex(known).visit(statement)


def _split_loop(proof, loop, fresh):
    """Classify a fast-branch loop and rewrite it (in place) to run over a thread's indices."""
    bounds = _range_args(loop)
    if bounds is not None:
        names = proof.aliases(loop.body, {loop.target.id})
        try:
            proof.check_split_body(loop.body, names)
        except _Unproven:
            pass
        else:
            start, stop = bounds
            proof.check_uniform(ast.Expr(loop.iter))
            proof.conditions.append(f"({ast.unparse(start)}) >= 0")
            loop.iter = ast.parse(f"range(max({ast.unparse(start)}, _lo), "
                                  f"min({ast.unparse(stop)}, _hi))", mode="eval").body
            loop.body = [_UnsignedIndex(names).visit(s) for s in loop.body]
            proof.parts.append(loop)
            return
    # a scatter: code outside inner target loops is the same for every thread
    found = []

    def visit(statements):
        result = []
        for s in statements:
            if isinstance(s, ast.For) and _scatter_target(proof, s) is not None:
                result.extend(_split_scatter(proof, s, fresh))
                found.append(s)
                continue
            for field in ("body", "orelse"):
                if isinstance(s, (ast.For, ast.If)) and getattr(s, field):
                    setattr(s, field, visit(getattr(s, field)))
            result.append(s)
        return result

    new_body = visit(loop.body)
    if not found:
        raise _Unproven("a loop that neither writes element-wise nor scatters by target")
    loop.body = new_body
    proof.check_uniform(_strip_parts([loop], proof)[0])


def _strip_parts(statements, proof):
    """A copy of ``statements`` without the split loop bodies (to check the uniform rest)."""
    result = []
    for s in statements:
        if any(s is part for part in proof.parts):
            hollow = copy.copy(s)
            hollow.body = [ast.Pass()]
            result.append(hollow)
            continue
        s = copy.copy(s)
        for field in ("body", "orelse"):
            if isinstance(s, (ast.For, ast.If)):
                setattr(s, field, _strip_parts(getattr(s, field), proof))
        result.append(s)
    return result


def _scatter_target(proof, loop):
    """``(ids, y)`` of ``for k in range(s, e): y = ids[k]; ...`` writing an array by ``y``."""
    if _range_args(loop) is None or not loop.body:
        return None
    first = loop.body[0]
    if not (isinstance(first, ast.Assign) and len(first.targets) == 1
            and isinstance(first.targets[0], ast.Name) and isinstance(first.value, ast.Subscript)
            and isinstance(first.value.value, ast.Name)
            and isinstance(first.value.slice, ast.Name) and first.value.slice.id == loop.target.id):
        return None
    ids = first.value.value.id
    if ids in proof.written or proof.arrays.get(ids) != 1:
        return None
    if not any(isinstance(n, ast.Name) and n.id in proof.written
               for s in loop.body[1:] for n in ast.walk(s)):
        return None
    return ids, first.targets[0].id


def _split_scatter(proof, loop, fresh):
    ids, target = _scatter_target(proof, loop)
    rest = loop.body[1:]
    names = proof.aliases(rest, {target})
    proof.check_split_body(rest, names)
    if ids + "__range" not in proof.arrays:
        raise _Unproven(f"no range of the targets {ids}")
    proof.conditions.append(f"{ids}__range[0] >= 0")
    if ids not in proof.descents:
        proof.descents.append(ids)
    start, stop = _range_args(loop)
    a, b = fresh(), fresh()
    span = ast.parse(f"{a}, {b} = _owned_span({ids}, _desc_{ids}, {ast.unparse(start)}, "
                     f"{ast.unparse(stop)}, _lo, _hi)").body[0]
    rest = [_UnsignedIndex(names).visit(s) for s in rest]
    guard = ast.If(ast.parse(f"_lo <= {target} and {target} < _hi", mode="eval").body, rest, [])
    loop.iter = ast.parse(f"range({a}, {b})", mode="eval").body
    # ``ids[k]`` indexes unsigned only when the row's start is one that ``_slice_bounds``
    # returned (clipped to [0, len]); any other start may be negative, which numba wraps
    # around as the serial code does
    first = loop.body[0]
    if isinstance(start, ast.Name) and start.id in proof.clipped:
        first = _UnsignedIndex({loop.target.id}).visit(first)
    loop.body = [first, guard]
    proof.parts.append(loop)
    return [span, loop]


def partition_step(body, params, arrays, call_kind, function_name, fresh):
    """The parallel twin of a step, or None when the proof fails (see the module docs).

    Parameters
    ----------
    body : list of ast.stmt
        The step's final body (after index checks, NaN watch, zero blocks).
    params : list of str
        The step function's parameters.
    arrays : dict
        Parameter name -> ndim, for the parameters that hold arrays.
    call_kind : callable
        See :func:`call_kind_in`.
    function_name : str
        The step function's name.
    fresh : callable
        A new local name at each call.

    Returns
    -------
    PartitionedStep or None
    """
    try:
        return _partition(body, params, arrays, call_kind, function_name, fresh)
    except _Unproven as reason:
        last_reasons[function_name] = str(reason)
        return None


def _partition(body, params, arrays, call_kind, function_name, fresh):
    loops = [k for k, s in enumerate(body) if _has_loop(s)]
    if not loops:
        raise _Unproven("no loop")
    first, last = loops[0], loops[-1]
    prelude, middle, epilogue = body[:first], body[first:last + 1], body[last + 1:]
    flags = _false_flags(prelude)
    proof = _Proof(arrays, call_kind, flags)
    proof.clipped = _clipped_bounds(body)

    hoisted, branches = [], []       # statements evaluated before the region; fast branches
    for s in [_WithoutUnsignedCasts().visit(copy.deepcopy(s)) for s in middle]:
        if isinstance(s, ast.If) and _has_loop(s):
            test = fresh()
            hoisted.append(ast.Assign([ast.Name(test, ast.Store())], copy.deepcopy(s.test)))
            proof.conditions.append(test)
            branches.extend(copy.deepcopy(s.body))
        elif isinstance(s, ast.For):
            branches.append(copy.deepcopy(s))
        elif isinstance(s, ast.Assign) and not _has_loop(s):
            hoisted.append(copy.deepcopy(s))
        else:
            raise _Unproven(f"a top-level {type(s).__name__} between loops")
    proof.collect_written(hoisted + branches)
    hoisted_stored = set().union(*[_stored(s) for s in hoisted]) if hoisted else set()
    # a statement between loops runs before the region, so before the loops above it: the
    # names it assigns must be assigned nowhere else (else a loop above would see the new value)
    stores = _store_counts(body)
    for name in hoisted_stored - set(proof.conditions):     # (conditions: fresh names)
        if name in params or stores.get(name, 0) != 1:
            raise _Unproven(f"{name} is assigned between loops and elsewhere too")
    for s in hoisted:
        proof.check_uniform(s)
        if (_loaded(s) | _stored(s)) & flags:
            raise _Unproven("a flag between loops")
    for s in branches:
        if isinstance(s, ast.For):
            _split_loop(proof, s, fresh)
        elif isinstance(s, ast.Assign) and not _has_loop(s):
            proof.check_uniform(s)
        else:
            raise _Unproven(f"a {type(s).__name__} in a loop's branch")
    region_stored = set().union(*[_stored(s) for s in branches]) - flags
    outside = set(params) | set().union(*[_stored(s) for s in prelude]) if prelude else set(params)
    if region_stored & (outside | hoisted_stored):
        raise _Unproven("the region reassigns a name defined before it")
    for s in hoisted:
        if _loaded(s) & region_stored:
            raise _Unproven("a statement between loops reads what a loop assigns")
    epilogue_reads = set().union(*[_loaded(s) for s in epilogue]) if epilogue else set()
    if epilogue_reads & region_stored:
        raise _Unproven("code after the loops reads a loop's local")
    split_stored, uniform_stored = set(), set()
    for part in proof.parts:
        split_stored |= _stored(part.target) | set().union(*[_stored(s) for s in part.body])
    for s in _strip_parts(branches, proof):
        uniform_stored |= _stored(s)
    if split_stored & (uniform_stored - {p.target.id for p in proof.parts}):
        raise _Unproven("a local assigned both inside and outside the split loops")
    for condition in proof.conditions:
        if _loaded(ast.parse(condition, mode="eval")) & region_stored:
            raise _Unproven("a loop bound computed inside the region")
    proof.check_flow(branches, set(), region_stored)
    _unsigned_rest(proof, branches, outside | hoisted_stored)
    return _render(proof, prelude, hoisted, middle, epilogue, branches, params, function_name,
                   region_stored)


def _source(statement):
    return ast.unparse(ast.fix_missing_locations(ast.Module([statement], []))).splitlines()


def _render(proof, prelude, hoisted, middle, epilogue, branches, params, function_name,
            region_stored):
    written = proof.written
    used_flags = sorted(n.target.id for b in branches for n in ast.walk(b)
                        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
                        and n.target.id in proof.flags)
    used_flags = list(dict.fromkeys(used_flags))
    desc_names = [f"_desc_{ids}" for ids in proof.descents]
    region_loads = set().union(*[_loaded(b) for b in branches])
    free = sorted((region_loads - region_stored - set(proof.flags) - {"_lo", "_hi"})
                  & (set(params) | set().union(*[_stored(s) for s in prelude + hoisted])
                     | set(desc_names)) | {written[0]})
    others = sorted((region_loads & set(proof.arrays)) - set(written))
    checks = list(proof.conditions)
    for k, w in enumerate(written):
        checks += [f"_apart({w}, {v}, True)" for v in written[k + 1:]]
        checks += [f"_apart({w}, {v}, False)" for v in others]
    region_name, twin_name = f"{function_name}_region", f"{function_name}_par"
    n_flags = len(used_flags) + 1

    part_name = f"{function_name}_part"
    # The thread's work is a function of its own, compiled with Python's error model like
    # the serial step (in a prange body numba divides with numpy's: inf, no
    # ZeroDivisionError). An exception raised there is lost (numba 0.68: the thread stops,
    # the region returns normally), so the function's last statement marks the thread done
    # (the last column of _flags) and the twin raises when a thread is not; the runner then
    # replays the chunk in Python to name the failing step. (A try/except would catch it
    # too, but made the thread's loops 5x slower.)
    part = ["@jit(cache=False, error_model='python')",
            f"def {part_name}(_lo, _hi, _tid, _flags, {', '.join(free)}):"]
    part += [f"    {flag} = _nonfinite_bits(0.0)" for flag in used_flags]
    for statement in branches:
        part += ["    " + line for line in _source(statement)]
    part += [f"    _flags[_tid, {k}] = {flag} != 0" for k, flag in enumerate(used_flags)]
    part += [f"    _flags[_tid, {len(used_flags)}] = True"]
    region = ["@jit(cache=False, **_parallel_options)",
              f"def {region_name}(_nthreads, _flags, {', '.join(free)}):",
              f"    _n = {written[0]}.shape[0]",
              "    for _tid in _prange(_nthreads):",
              "        _lo = _tid * _n // _nthreads",
              f"        _hi = (_tid + 1) * _n // _nthreads if _tid < _nthreads - 1 else {_BIG}",
              f"        {part_name}(_lo, _hi, _tid, _flags, {', '.join(free)})"]
    region = part + ["", ""] + region

    def block(statements, indent):
        return [indent + line for s in statements for line in _source(s)]

    twin = ["# The parallel twin of the step (generator/partition.py): one region over the index",
            "# space of the written arrays when every condition holds, else the serial code.",
            "@jit(cache=False)",
            f"def {twin_name}({', '.join(params + ['_nthreads', '_pmin'] + desc_names)}):"]
    twin += block(prelude, "    ")
    twin += block(hoisted, "    ")
    twin += [f"    if _nthreads > 1 and {written[0]}.shape[0] >= _pmin and "
             + " and ".join(f"({c})" for c in checks) + ":",
             f"        _flags = _np.zeros((_nthreads, {n_flags}), dtype=_np.bool_)",
             f"        {region_name}(_nthreads, _flags, {', '.join(free)})"]
    twin += [f"        if not _flags[:, {len(used_flags)}].all():",
             f"            raise RuntimeError('a thread of the parallel {function_name} failed "
             f"(numba loses the exception of a parallel thread; the same run under "
             f"the serial numba backend names it)')"]
    for k, flag in enumerate(used_flags):
        twin += [f"        {flag} |= _np.uint64(_flags[:, {k}].any())"]
    twin += ["    else:"] + block(middle, "        ")
    twin += block(epilogue, "    ")
    if len(twin) and twin[-1].strip() == "":
        twin.pop()
    lines = region + ["", ""] + twin
    chunk = _chunk_parts(proof, prelude, hoisted, epilogue, params, function_name, checks,
                         used_flags, free, desc_names)
    if chunk is not None:
        lines += ["", ""] + chunk[1]
        chunk = chunk[0]
    return PartitionedStep(twin_name, list(proof.descents), lines, chunk)


def _report_flags(epilogue):
    """The flags of an epilogue of NaN reports (``if _unlikely(f): _nonfinite_report(...)``),
    or None when it holds anything else (the chunk region runs no epilogue: a set flag
    sends the chunk to the run loop, whose reports name the NaN)."""
    flags = []
    for s in epilogue:
        if not (isinstance(s, ast.If) and not s.orelse and len(s.body) == 1
                and isinstance(s.test, ast.Call) and isinstance(s.test.func, ast.Name)
                and s.test.func.id == "_unlikely" and len(s.test.args) == 1
                and isinstance(s.test.args[0], ast.Name)
                and isinstance(s.body[0], ast.Expr) and isinstance(s.body[0].value, ast.Call)
                and isinstance(s.body[0].value.func, ast.Name)
                and s.body[0].value.func.id == "_nonfinite_report"):
            return None
        flags.append(s.test.args[0].id)
    return list(dict.fromkeys(flags))


def _is_call_of(statement, name):
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
        isinstance(statement.value.func, ast.Name) and statement.value.func.id == name


def _uniform_prelude(proof, prelude):
    """The prelude without its baselines, if every thread may run it; else None.

    Each thread of the chunk region runs it when it reaches the step, so it must write
    no array, call only pure functions and read no array the step writes (but its
    shape): another thread may already be writing it. The NaN baselines (which count
    arrays once per run) are taken apart, by one thread before the others start.
    """
    kept = []
    for s in prelude:
        if _is_call_of(s, "_nonfinite_baseline"):
            continue
        try:
            proof.check_uniform(s)
        except _Unproven:
            return None
        if not isinstance(s, (ast.Assign, ast.AugAssign)):
            return None
        targets = s.targets if isinstance(s, ast.Assign) else [s.target]
        if any(not isinstance(n, (ast.Name, ast.Tuple)) for n in targets) or \
                any(isinstance(n, ast.Subscript) for t in targets for n in ast.walk(t)):
            return None
        for n in ast.walk(s.value):
            if isinstance(n, ast.Call) and proof.call_kind(n.func) not in ("elementwise", "pure"):
                return None
        kept.append(s)
    return kept


def _chunk_parts(proof, prelude, hoisted, epilogue, params, function_name, checks,
                 used_flags, free, desc_names):
    """The twin's functions for the chunk region (:class:`ChunkParts`) and their source."""
    reports = _report_flags(epilogue)
    kept = _uniform_prelude(proof, prelude)
    if reports is None or kept is None or set(used_flags) - set(reports):
        return None
    written = proof.written
    n_part = len(used_flags) + 1
    width = n_part + len(reports)
    arguments = ", ".join(params + ["_nthreads", "_pmin"] + desc_names)
    names = {part: f"{function_name}_{part}" for part in ("thread", "baseline")}

    def block(statements, indent):
        return [indent + line for s in statements for line in _source(s)]

    thread = ["# The step in the chunk region (generator/chunk_region.py): every thread calls it.",
              "@jit(cache=False, error_model='python')",
              f"def {names['thread']}(_tid, {arguments}, _flags):"]
    thread += block(kept, "    ") + block(hoisted, "    ")
    thread += [f"    if _nthreads > 1 and {written[0]}.shape[0] >= _pmin and "
               + " and ".join(f"({c})" for c in checks) + ":",
               f"        _n = {written[0]}.shape[0]",
               "        _lo = _tid * _n // _nthreads",
               f"        _hi = (_tid + 1) * _n // _nthreads if _tid < _nthreads - 1 else {_BIG}",
               f"        {function_name}_part(_lo, _hi, _tid, _flags, {', '.join(free)})"]
    thread += [f"        {flag} |= _np.uint64(_flags[_tid, {k}])"
               for k, flag in enumerate(used_flags)]
    thread += [f"        _flags[_tid, {n_part + k}] = {flag} != 0"
               for k, flag in enumerate(reports)]
    # else thread 0 calls the serial step, which reports its own NaNs (compiled once, for
    # the run loop too: a copy of its loops here took seconds of every first compile)
    thread += ["        return True", "    if _tid == 0:", f"        {function_name}({', '.join(params)})"]
    thread += [f"    _flags[_tid, {n_part + k}] = False" for k in range(len(reports))]
    thread += ["    return False"]
    baselines = [s for s in prelude if _is_call_of(s, "_nonfinite_baseline")]
    baseline = ["@jit(cache=False)", f"def {names['baseline']}({arguments}):"]
    baseline += block(baselines, "    ") or ["    pass"]
    parts = ChunkParts(names["thread"], names["baseline"], width, n_part, list(written))
    return parts, thread + ["", ""] + baseline
