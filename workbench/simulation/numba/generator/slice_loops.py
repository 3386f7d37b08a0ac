"""``for x in a[lo:hi]:`` becomes a loop over indices of ``a``.

Numba iterates a slice by building an array view (reference counting, bounds
normalisation, an iterator object) every time the loop starts. In the manual's
ch. 6 synapses the loop starts once per spike (``for post_i in
self.post_ids[start:end]``, ``for post_i in self.pre2post[pre_i]``), and the view
made the scatter three times slower than the index loop a person writes. The
rewrite

    for x in a[lo:hi]:            _b1, _b2 = _slice_bounds(lo, hi, a.shape[0])
        body              ->      for _k1 in range(_nonnegative_index(_b1), _nonnegative_index(_b2)):
                                      x = a[_k1]
                                      body

visits the same elements in the same order: ``_slice_bounds`` normalises the
bounds exactly as Python slicing does (negative bounds count from the end, then
both are clipped to ``[0, len]``; an empty range when ``hi <= lo``), and
``a[_k1]`` is the element (or, for a 2-d ``a``, the row view) the iterator
would yield. It applies only when ``a`` is a plain name that the loop does not
rebind, and the slice has no step.
"""

import ast

__all__ = ["index_slice_loops"]


def _nonnegative(name):
    # ``_slice_bounds`` returns bounds in [0, len]: as unsigned integers they make the loop
    # index unsigned, and ``a[_k1]`` skips numba's negative-index wrap-around
    return ast.Call(ast.Name("_nonnegative_index", ast.Load()), [ast.Name(name, ast.Load())], [])


def _stored_names(nodes):
    return {n.id for statement in nodes for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


class _SliceLoops(ast.NodeTransformer):
    def __init__(self, fresh_name):
        self.fresh_name = fresh_name
        self.in_range = set()

    def visit_For(self, node):
        self.generic_visit(node)
        iterated = node.iter
        if not (isinstance(iterated, ast.Subscript) and isinstance(iterated.value, ast.Name)
                and isinstance(iterated.slice, ast.Slice) and iterated.slice.step is None):
            return node
        array = iterated.value.id
        if array in _stored_names([node.target] + node.body + node.orelse):
            return node
        size = ast.Subscript(ast.Attribute(ast.Name(array, ast.Load()), "shape", ast.Load()),
                             ast.Constant(0), ast.Load())
        lower = iterated.slice.lower or ast.Constant(0)
        upper = iterated.slice.upper or size
        start, stop, index = self.fresh_name(), self.fresh_name(), self.fresh_name()
        bounds = ast.Assign([ast.Tuple([ast.Name(start, ast.Store()), ast.Name(stop, ast.Store())],
                                       ast.Store())],
                            ast.Call(ast.Name("_slice_bounds", ast.Load()), [lower, upper, size],
                                     []))
        element = ast.Assign([node.target], ast.Subscript(ast.Name(array, ast.Load()),
                                                          ast.Name(index, ast.Load()),
                                                          ast.Load()))
        self.in_range.add((index, array, 0))       # _slice_bounds clips to [0, a.shape[0]]
        loop = ast.For(ast.Name(index, ast.Store()),
                       ast.Call(ast.Name("range", ast.Load()),
                                [_nonnegative(start), _nonnegative(stop)], []),
                       [element] + node.body, node.orelse)
        return [ast.copy_location(bounds, node), ast.copy_location(loop, node)]


def index_slice_loops(statements, fresh_name):
    """Rewrite every ``for x in a[lo:hi]`` among ``statements`` (see the module docs).

    Parameters
    ----------
    statements : list of ast.stmt
        A rewritten step body (array attributes are plain names by now).
    fresh_name : callable
        ``fresh_name()`` returns a local name the step does not use.

    Returns
    -------
    statements : list of ast.stmt
    in_range : set of (str, str, int)
        (index name, array name, axis 0) of every new loop: its index is always a
        valid position of the array (for ``generator/index_checks.py``).
    """
    transformer = _SliceLoops(fresh_name)
    result = []
    for statement in statements:
        new = transformer.visit(statement)
        result.extend(new if isinstance(new, list) else [new])
    return [ast.fix_missing_locations(s) for s in result], transformer.in_range
