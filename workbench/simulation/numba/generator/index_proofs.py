"""Which array accesses of a compiled step one check before their loop covers.

The claim used by :mod:`.index_checks`: in

    for i in range(lo, hi):          # or range(hi); no step
        ... A[i + c] ...             # or i + c at position k of A[..., i + c, ...]

with ``c`` an integer constant (0 when absent; ``i - c`` counts as ``i + (-c)``),
every access ``A[..., i + c, ...]`` is in range whenever

    hi <= lo   or   (lo + c >= -A.shape[k] and hi + c <= A.shape[k])

provided that

* ``i`` only ever holds loop indices: the step never assigns it except as the
  target of ``range``/``enumerate`` loops (``context.loop_indices``), and no loop
  or comprehension nested in this loop's body binds ``i`` again; so whenever the
  access is evaluated, ``i`` is a value of this ``range``, i.e. in ``[lo, hi)``;
* ``A`` is an argument of the step (an attribute or global array): compiled
  code never rebinds it and an array's shape cannot change, so ``A.shape[k]`` is
  the same before and inside the loop;
* ``range`` evaluates ``lo`` and ``hi`` once, before the first iteration, so
  evaluating the condition on the same values before the loop is enough.

A second claim covers indices read from arrays: when every assignment of a name
``x`` in the step is ``x = B[...]`` with ``B`` an integer array argument (``B`` may
differ between assignments), every value ``x`` holds is an element of one of those
arrays. If no compiled code writes them during the run (the binding registry
knows; ``bindings.RangeBinding``), each such value lies in ``[min(B), max(B)]`` of
its array, measured before the run, so ``A[x]`` is in range whenever
``min(B) >= -A.shape[k] and max(B) < A.shape[k]`` for each of them (the generated flags
ask ``min(B) >= 0``, see :mod:`.index_checks`) -- flags
computed once when the step starts (:func:`read_indices` finds these names).

Both conditions are sufficient, not necessary (the access may sit under an ``if``
that keeps it in range), which is why the checked form of the loop stays
available for when it fails.
"""

import ast

__all__ = ["range_loop_bounds", "covered_accesses", "index_offset", "read_indices"]


def range_loop_bounds(loop):
    """(lo, hi) expressions of ``for i in range(hi)`` / ``range(lo, hi)``, else None.

    Parameters
    ----------
    loop : ast.For

    Returns
    -------
    tuple of ast.expr or None
    """
    call = loop.iter
    if not (isinstance(loop.target, ast.Name) and isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name) and call.func.id == "range"
            and not call.keywords and 1 <= len(call.args) <= 2
            and not any(isinstance(a, ast.Starred) for a in call.args)):
        return None
    if len(call.args) == 1:
        return ast.Constant(0), call.args[0]
    return call.args[0], call.args[1]


def _rebinds(statements, name):
    """Whether a loop or comprehension inside ``statements`` binds ``name`` again."""
    for statement in statements:
        for node in ast.walk(statement):
            targets = []
            if isinstance(node, ast.For):
                targets = [node.target]
            elif isinstance(node, ast.comprehension):
                targets = [node.target]
            elif isinstance(node, ast.NamedExpr):
                targets = [node.target]
            if any(isinstance(n, ast.Name) and n.id == name
                   for target in targets for n in ast.walk(target)):
                return True
    return False


def covered_accesses(loop, int_names, arrays):
    """The (array, axis) pairs of ``loop``'s body indexed by its loop variable.

    Parameters
    ----------
    loop : ast.For
        A loop for which :func:`range_loop_bounds` is not None.
    int_names : set of str
        Names that only ever hold loop indices.
    arrays : container of str
        Names of the step's array arguments.

    Returns
    -------
    list of (str, int, int)
        (array, axis, offset ``c``) in order of first appearance; empty when the claim
        does not apply.
    """
    name = loop.target.id
    if name not in int_names or _rebinds(loop.body + loop.orelse, name):
        return []
    found = []
    for statement in loop.body:
        for node in ast.walk(statement):
            if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                    and node.value.id in arrays):
                continue
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for axis, part in enumerate(parts):
                offset = index_offset(part, name)
                if offset is not None and (node.value.id, axis, offset) not in found:
                    found.append((node.value.id, axis, offset))
    return found


def read_indices(statements, arrays):
    """Names whose every assignment is ``x = B[...]`` with ``B`` one of ``arrays``.

    Parameters
    ----------
    statements : list of ast.stmt
    arrays : container of str

    Returns
    -------
    dict
        ``x`` -> tuple of the arrays ``B`` it is read from.
    """
    stores, sources = {}, {}
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and \
                    isinstance(node.value, ast.Subscript) and \
                    isinstance(node.value.value, ast.Name) and node.value.value.id in arrays:
                sources.setdefault(node.targets[0].id, []).append(node.value.value.id)
    return {name: tuple(dict.fromkeys(found)) for name, found in sources.items()
            if stores.get(name) == len(found)}


def index_offset(part, name):
    """``c`` when ``part`` is ``name``, ``name + c`` or ``name - c`` (``c`` an int), else None.

    Parameters
    ----------
    part : ast.expr
    name : str

    Returns
    -------
    int or None
    """
    if isinstance(part, ast.Name):
        return 0 if part.id == name else None
    if isinstance(part, ast.BinOp) and isinstance(part.op, (ast.Add, ast.Sub)) and \
            isinstance(part.left, ast.Name) and part.left.id == name and \
            isinstance(part.right, ast.Constant) and type(part.right.value) is int:
        return part.right.value if isinstance(part.op, ast.Add) else -part.right.value
    return None
