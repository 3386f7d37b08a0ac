"""Skip blocks of false elements in ``for i in range(a, b): if x[i]: ...`` loops.

The ch. 6 synapses look at every pre-synaptic neuron each step
(``for pre_i in range(self.pre.num): if self.pre.spike[pre_i]: ...``) while few
spike: one load, test and branch per neuron, as much as the rest of the step.
A loop of exactly that shape (one ``if`` without ``else`` on an element of a
1-d array argument, indexed by the loop variable) becomes::

    _in = a >= 0 and b <= x.shape[0]
    for _k in range(a, b, BLOCK):
        _e = min(_k + BLOCK, b)
        if _in and _e - _k == BLOCK:
            if _block_is_zero(x, _k, BLOCK):   # one vector load, OR-reduced
                continue                       # every element is 0 / False / +0.0
        for i in range(_k, _e):
            if x[i]:
                ...

The body runs for the same ``i`` in the same order: inside a block every element
is still tested when the loop reaches it (so a body that writes ``x``, or an
array sharing its memory, is seen as before), and a block is skipped only when
all its elements are zero when the block starts -- then no body runs within the
block and none of them can change before it is tested. Bits are all zero exactly
for ``0``, ``False`` and ``+0.0``; ``-0.0`` (false, one bit set) only costs a
visit, and NaN (true) has bits set. A range reaching outside ``x`` (numpy counts a
negative start from the end) is tested element by element (the vector test reads
the block without checks). The loop is left alone when its variable is
used after it (its final value could differ), when the body may ``break`` (the
inner loop would end instead), or when ``x`` is reassigned in the step.

**Narrowed blocks.** When the body cannot change ``x`` -- it writes no element
through ``x``, only through array arguments that the run finds apart from ``x``
in memory, and calls nothing but pure functions -- the elements that are zero
when a block starts stay zero while it runs, so the inner loop only needs to
cover the block's first to last non-zero element, which one vector compare
finds (``_nonzero_span``: the lane mask's trailing and leading zero bits)::

    _narrow = _in and x.flags.c_contiguous and (w.flags.c_contiguous and (
        x.ctypes.data + x.nbytes <= w.ctypes.data or w.ctypes.data + w.nbytes <= x.ctypes.data))
                                               # and so on for every array w the body writes
    for _k in range(a, b, BLOCK):
        _lo = _k
        _e = min(_k + BLOCK, b)
        if _in and _e - _k == BLOCK:
            if _narrow:
                _lo, _e = _nonzero_span(x, _k, BLOCK)   # empty when all are zero
            elif _block_is_zero(x, _k, BLOCK):
                continue
        for i in range(_lo, _e):
            if x[i]:
                ...

A spike is rare, so a block that holds one usually runs its test once instead of
32 times (one test, load and branch per neuron was most of the cost of such
blocks). The same ``i`` still run in the same order: only elements that test
false are left out.
"""

import ast

import numpy as np

__all__ = ["skip_zero_blocks", "BLOCK"]

#: Elements tested together. With the vector test (``kernels.block_is_zero``) 32 beat 16
#: and 64 on the ch. 6 spike arrays (one spike per 500 elements and step): 2.0x and
#: 1.6x faster than the scalar OR chain of 16 it replaced, 64 lost to 32 by 20-40%.
BLOCK = 32

#: Narrow blocks to their non-zero elements where the body cannot change the tested array
#: (off: every element of a non-zero block is tested; for comparisons in benchmarks).
NARROW = True


def _names(nodes, stored):
    wanted = (ast.Store, ast.Del) if stored else (ast.Load,)
    return {n.id for node in nodes for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, wanted)}


def _matches(node, arrays, stored):
    """(loop variable, array name, start, stop) of a loop to rewrite, else None."""
    if not (isinstance(node, ast.For) and not node.orelse and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
            and node.iter.func.id == "range" and not node.iter.keywords
            and len(node.iter.args) in (1, 2) and len(node.body) == 1):
        return None
    test = node.body[0]
    if not (isinstance(test, ast.If) and not test.orelse and isinstance(test.test, ast.Subscript)
            and isinstance(test.test.value, ast.Name) and test.test.value.id in arrays
            and test.test.value.id not in stored and isinstance(test.test.slice, ast.Name)
            and test.test.slice.id == node.target.id):
        return None
    if any(isinstance(n, ast.Break) for n in ast.walk(test)):
        return None
    args = node.iter.args
    start, stop = (ast.Constant(0), args[0]) if len(args) == 1 else args
    return node.target.id, test.test.value.id, start, stop


def _written_arrays(body, arrays, cannot_write):
    """Array arguments the statements ``body`` may write, or None when that is unknown.

    Known means: every element store goes through an array argument named in
    ``arrays`` and no call can write an array (``cannot_write(call_node)``).
    """
    written = set()
    for node in body:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and not cannot_write(sub):
                return None
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                if not (isinstance(sub.value, ast.Name) and sub.value.id in arrays):
                    return None
                written.add(sub.value.id)
    return written


def _apart(a, b):
    """Source testing that C-contiguous ``a`` and array ``b`` share no memory (False if unknown).

    Written out rather than a kernel call: a kernel compiles once more for every pair
    of array types (~0.1 s of a first run each), attributes cost nothing extra.
    """
    return (f"({b}.flags.c_contiguous and ({a}.ctypes.data + {a}.nbytes <= {b}.ctypes.data or "
            f"{b}.ctypes.data + {b}.nbytes <= {a}.ctypes.data))")


def _rewritten(node, match, fresh_name, written):
    var, array, start, stop = match
    first, end, inside, block, last, low, narrow = (fresh_name() for _ in range(7))
    lines = [f"{first} = 0",
             f"{end} = 0",
             f"{inside} = {first} >= 0 and {end} <= {array}.shape[0]"]
    if written is not None:
        lines.append(f"{narrow} = {inside} and {array}.flags.c_contiguous" +
                     "".join(f" and {_apart(array, name)}" for name in sorted(written)))
    lines += [f"for {block} in range({first}, {end}, {BLOCK}):",
              f"    {low} = {block}",
              f"    {last} = min({block} + {BLOCK}, {end})",
              f"    if {inside} and {last} - {block} == {BLOCK}:"]
    if written is not None:
        lines += [f"        if {narrow}:",
                  f"            {low}, {last} = _nonzero_span({array}, {block}, {BLOCK})",
                  f"        elif _block_is_zero({array}, {block}, {BLOCK}):",
                  "            continue"]
    else:
        lines += [f"        if _block_is_zero({array}, {block}, {BLOCK}):",
                  "            continue"]
    lines += [f"    for {var} in range({low}, {last}):",
              "        pass"]
    statements = ast.parse("\n".join(lines)).body
    for statement in statements:
        for sub in ast.walk(statement):
            ast.copy_location(sub, node)
    statements[0].value = start         # the bounds are evaluated once, start first
    statements[1].value = stop
    statements[-1].body[-1].body = node.body
    return [ast.fix_missing_locations(s) for s in statements]


def skip_zero_blocks(statements, arrays, fresh_name, written_ok=(), cannot_write=None):
    """Rewrite the ``for i in range(..): if x[i]: ...`` loops among ``statements``.

    Parameters
    ----------
    statements : list of ast.stmt
        A rewritten step body.
    arrays : dict
        Name -> numpy dtype of the 1-d array arguments that may be tested
        (bool, integer or float elements of at most 8 bytes).
    fresh_name : callable
        Returns an unused name.
    written_ok : collection of str, optional
        Names of the array arguments a body may write and still narrow its
        blocks (each is tested apart from the scanned array when the run starts).
    cannot_write : callable, optional
        ``cannot_write(call_node)``: whether a call surely writes no array. Without
        it blocks are never narrowed.

    Returns
    -------
    list of ast.stmt
    """
    arrays = {name for name, dtype in arrays.items()
              if np.dtype(dtype).kind in "biuf" and np.dtype(dtype).itemsize in (1, 2, 4, 8)}
    if not arrays:
        return statements
    stored = _names(statements, stored=True)

    def free_loads(var):
        # reads of ``var`` not in the body of a loop that binds it: they would see its value
        # after a loop (which the rewrite changes); reads within such bodies see that loop's
        count = 0

        def visit(node, bound):
            nonlocal count
            if isinstance(node, ast.Name) and node.id == var and isinstance(node.ctx, ast.Load) \
                    and not bound:
                count += 1
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and \
                    node.target.id == var:
                visit(node.iter, bound)
                for child in node.body:
                    visit(child, True)
                for child in node.orelse:
                    visit(child, bound)
                return
            for child in ast.iter_child_nodes(node):
                visit(child, bound)

        for statement in statements:
            visit(statement, False)
        return count

    def rewrite(body):
        result = []
        for node in body:
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(node, field, rewrite(inner))
            match = _matches(node, arrays, stored)
            if match is not None and free_loads(match[0]) == 0:
                written = None if cannot_write is None or not NARROW else \
                    _written_arrays(node.body, written_ok, cannot_write)
                if written is not None and match[1] in written:
                    written = None
                result.extend(_rewritten(node, match, fresh_name, written))
            else:
                result.append(node)
        return result

    return rewrite(list(statements))
