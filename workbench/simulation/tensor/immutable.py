"""Step methods for immutable arrays (TensorFlow, JAX): index writes become rebinding.

General models change state in place: ``self.input[:] = 0``,
``self.V[spike] = self.V_reset``, ``self.s[idx] += w``. TensorFlow tensors and
JAX arrays cannot be written, so on those backends each such statement is
rewritten into an assignment of an updated copy::

    self.input[:] = 0          ->  self.input = _wb_update(self.input, (slice(None),), 0)
    self.s[idx] += w           ->  self.s = _wb_update(self.s, idx, w, '+')

where ``_wb_update`` is the backend's ``index_update`` (same shape and dtype,
numpy's casting). Plain attribute assignments (``self.V = V``) and ``+=`` on a
whole attribute already rebind and need nothing.

What is supported, and what is refused with a message naming the line:

* writes through an index into an attribute chain (``self.x[...]``,
  ``self.pre.x[...]``) or into a local array the step made itself;
* a write through a local name that aliases state (``V = self.V; V[:] = 0``)
  cannot reach the state once arrays are copies, so it is refused: write
  ``self.V[:] = 0``;
* nested indexing (``self.x[i][j] = v``, write ``self.x[i, j] = v``), several
  targets in one statement, and index writes inside tuple targets are refused.

``show_code=True`` prints the rewritten steps.
"""

import ast
import inspect

from ...errors import ModelError
from ..codegen.astutil import chain_names, compile_function, parse_function
from ..codegen.codeprint import render_body

__all__ = ["ImmutableStep", "immutable_step"]

_UPDATE = "_wb_update"
_SLICE = "_wb_slice"

_OPERATOR_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                     ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&",
                     ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
                     ast.MatMult: "@"}


class ImmutableStep:
    """A step method rewritten for immutable arrays.

    Attributes
    ----------
    function : function
        The rewritten function (takes ``self`` when the original was a method).
    source : str
        Its readable source (what ``show_code`` prints).
    lines : list of int
        Lines of the user's file whose index writes were rewritten.
    """

    def __init__(self, function, source, lines):
        self.function = function
        self.source = source
        self.lines = lines


def _index_value(node):
    """The expression a subscript's index evaluates to (``a:b`` -> ``slice(a, b, None)``)."""
    if isinstance(node, ast.Slice):
        parts = [part if part is not None else ast.Constant(None)
                 for part in (node.lower, node.upper, node.step)]
        return ast.Call(ast.Name(_SLICE, ast.Load()), parts, [])
    if isinstance(node, ast.Tuple):
        return ast.Tuple([_index_value(element) for element in node.elts], ast.Load())
    return node


def _store(target):
    """A copy of an attribute chain or name expression in Store context."""
    copy = ast.parse(ast.unparse(target), mode="eval").body
    copy.ctx = ast.Store()
    return copy


class _Rewriter(ast.NodeTransformer):
    def __init__(self, where, backend):
        self.where = where
        self.backend = backend
        self.lines = []
        self.aliases = {}   # local name -> the attribute chain it was bound to

    def refuse(self, node, problem, advice):
        line = getattr(node, "lineno", "?")
        raise ModelError(f"{self.where}, line {line}: `{ast.unparse(node)}` {problem}; arrays of "
                         f"the {self.backend!r} backend cannot be changed in place. {advice}")

    def _update(self, node, subscript, value, op=None):
        base = subscript.value
        if chain_names(base) is None:
            self.refuse(node, "writes through a nested index or into an expression",
                        "Write into an attribute with one index, e.g. `self.x[i, j] = v`.")
        if isinstance(base, ast.Name) and base.id in self.aliases:
            self.refuse(node, f"writes into the local name {base.id!r}, which refers to the "
                        f"state array {self.aliases[base.id]}", f"Write into the attribute itself: "
                        f"`{self.aliases[base.id]}[...] = ...`.")
        arguments = [ast.parse(ast.unparse(base), mode="eval").body,
                     _index_value(subscript.slice), value]
        if op is not None:
            arguments.append(ast.Constant(op))
        call = ast.Call(ast.Name(_UPDATE, ast.Load()), arguments, [])
        self.lines.append(node.lineno)
        return ast.copy_location(ast.Assign([_store(base)], call), node)

    def visit_Assign(self, node):
        writes = [t for t in node.targets for sub in ast.walk(t) if isinstance(sub, ast.Subscript)]
        if not writes:
            self._track_aliases(node)
            return node
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Subscript):
            self.refuse(node, "writes through an index inside a multiple or tuple assignment",
                        "Write one array element or slice per statement.")
        return self._update(node, node.targets[0], node.value)

    def _track_aliases(self, node):
        """Remember local names bound to an attribute chain (``V = self.V``)."""
        names = [sub.id for t in node.targets for sub in ast.walk(t) if isinstance(sub, ast.Name)]
        is_alias = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Attribute) and chain_names(node.value) is not None
        for name in names:
            if is_alias:
                self.aliases[name] = ast.unparse(node.value)
            else:
                self.aliases.pop(name, None)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name) and node.target.id in self.aliases:
            chain = self.aliases[node.target.id]
            self.refuse(node, f"changes the local name {node.target.id!r}, which refers to the "
                        f"state array {chain}, in place", f"Write `{chain} "
                        f"{_OPERATOR_SYMBOLS[type(node.op)]}= ...` instead.")
        if not isinstance(node.target, ast.Subscript):
            return node
        return self._update(node, node.target, node.value, _OPERATOR_SYMBOLS[type(node.op)])


def immutable_step(func, index_update, backend):
    """Rewrite the index writes of a step for immutable arrays.

    Parameters
    ----------
    func : callable
        A step function (usually a bound method of a DynamicalSystem).
    index_update : callable
        The backend's ``index_update(array, index, value, op=None)``.
    backend : str
        The backend name (for messages).

    Returns
    -------
    ImmutableStep or None
        None when the step writes nothing through an index (it runs as written)
        or its source is not available.

    Raises
    ------
    ModelError
        For an index write that cannot be rewritten (see the module docs).
    """
    try:
        fdef, filename, _ = parse_function(func)
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    if not isinstance(fdef, ast.FunctionDef):
        return None
    owner = getattr(func, "__self__", None)
    where = f"Step {fdef.name!r}" + (f" of {owner.describe()}" if hasattr(owner, "describe")
                                     else "") + f" ({filename}"
    rewriter = _Rewriter(where + ")", backend)
    fdef.body = [rewriter.visit(statement) for statement in fdef.body]
    if not rewriter.lines:
        return None
    if any(isinstance(n, ast.Name) and n.id == "super" for n in ast.walk(fdef)):
        raise ModelError(f"{where}) writes arrays through an index and calls super(); on the "
                         f"{backend!r} backend such steps are rewritten, which super() does not "
                         f"survive. Call the parent's method by name instead.")
    fdef.decorator_list = []
    ast.fix_missing_locations(fdef)
    args = ", ".join(a.arg for a in fdef.args.args)
    header = (f"# {fdef.name} rewritten for immutable {backend} arrays (index writes on lines "
              f"{', '.join(str(line) for line in rewriter.lines)} rebind an updated copy)")
    source = "\n".join([header, f"def {fdef.name}({args}):"] + render_body(fdef.body)) + "\n"
    raw = func.__func__ if inspect.ismethod(func) else func
    function = compile_function(raw, fdef, source, f"<{backend} step {fdef.name} from {filename}>",
                                {_UPDATE: index_update, _SLICE: slice})
    return ImmutableStep(function, source, rewriter.lines)
