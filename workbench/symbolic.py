"""Read a Python derivative function as SymPy expressions.

Both exponential Euler (which needs each variable's linear coefficient) and the
dynamics analysis (nullclines, Jacobians) work on the symbolic form of a
user's derivative function. :func:`to_sympy` parses the function's source with
:mod:`ast` and evaluates it symbolically, statement by statement:

* arguments before ``t`` are variables, ``t`` is time, arguments after it are
  parameters (a leading ``self`` is skipped);
* ``self.x`` reads become symbols named ``'self.x'`` (SymPy's Python printer
  prints them back as ``self.x``);
* numeric globals (and closure values) become symbols too, with their values in
  :attr:`SymbolicFunction.constants`, so an analysis can vary them (manual ch. 4
  varies the global ``a`` of ``int_fhn``);
* calls to ``np.exp``, ``bp.ops.exp``, ``math.exp`` (and the other functions of
  :data:`FUNCTIONS`) map to SymPy functions; calls to other plain Python
  functions with a parsable body are inlined.

Anything else (loops, branches, unknown calls) raises :class:`SymbolicError`,
which callers catch to fall back to numerical methods.
"""

import ast
import inspect
import numbers
import textwrap
import types
from dataclasses import dataclass, field

import numpy as np
import sympy

from .errors import CodeError

__all__ = ["SymbolicError", "SymbolicFunction", "to_sympy", "FUNCTIONS"]


class SymbolicError(CodeError):
    """A function that cannot be turned into SymPy expressions."""


#: Function names (the last attribute of the call, e.g. ``np.exp`` -> ``exp``)
#: understood symbolically.
FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "abs": sympy.Abs, "absolute": sympy.Abs, "fabs": sympy.Abs,
    "power": sympy.Pow, "pow": sympy.Pow, "square": lambda x: x ** 2,
    "maximum": sympy.Max, "minimum": sympy.Min, "max": sympy.Max, "min": sympy.Min,
    "sign": sympy.sign, "log10": lambda x: sympy.log(x, 10), "expm1": lambda x: sympy.exp(x) - 1,
    "log1p": lambda x: sympy.log(1 + x),
}

_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}

_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a ** b}


@dataclass(frozen=True)
class SymbolicFunction:
    """The symbolic form of a derivative function.

    Attributes
    ----------
    name : str
        The function's name.
    variables : tuple of str
        Arguments before ``t``.
    t : str
        Name of the time argument.
    parameters : tuple of str
        Arguments after ``t``.
    expressions : tuple of sympy.Expr
        One expression per returned value, in order.
    symbols : dict
        Name to ``sympy.Symbol`` for variables, time, parameters, ``self.x``
        attributes and numeric globals.
    constants : dict
        Numeric globals read by the function (name to value); they appear as
        symbols in :attr:`expressions`.
    self_attributes : tuple of str
        Names ``x`` of the ``self.x`` attributes read.
    local_definitions : tuple of (str, sympy.Expr)
        Intermediate assignments in source order (after substitution).
    """

    name: str
    variables: tuple
    t: str
    parameters: tuple
    expressions: tuple
    symbols: dict = field(repr=False)
    constants: dict = field(default_factory=dict)
    self_attributes: tuple = ()
    local_definitions: tuple = field(default=(), repr=False)

    def substituted(self, values=None):
        """Expressions with constants (and optional extra values) substituted.

        Parameters
        ----------
        values : dict, optional
            Name to number for symbols to replace besides :attr:`constants`;
            entries here win over the constants.

        Returns
        -------
        tuple of sympy.Expr
        """
        mapping = {self.symbols[k]: v for k, v in self.constants.items()}
        for k, v in (values or {}).items():
            if k not in self.symbols:
                raise SymbolicError(f"{k!r} is not a symbol of {self.name}(); it has: "
                                    f"{', '.join(sorted(self.symbols))}.")
            mapping[self.symbols[k]] = v
        return tuple(sympy.sympify(e).xreplace(mapping) for e in self.expressions)


def _number(value):
    """A SymPy number for a Python/numpy number (integral floats become Integers)."""
    if isinstance(value, (bool, np.bool_)):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    value = float(value)
    if value.is_integer() and abs(value) < 2 ** 53:
        return sympy.Integer(int(value))
    return sympy.Float(value)


def _signature_parts(func):
    """Split a derivative's arguments into (has_self, variables, t, parameters)."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError) as exc:
        raise SymbolicError(f"Cannot read the signature of {func!r}: {exc}") from None
    has_self = bool(names) and names[0] == "self"
    if has_self:
        names = names[1:]
    if "t" not in names:
        raise SymbolicError(f"{getattr(func, '__name__', func)}() has no time argument `t`; "
                            f"its arguments are {names}.")
    k = names.index("t")
    return has_self, tuple(names[:k]), "t", tuple(names[k + 1:])


class _Evaluator:
    """Evaluates the statements of one function body symbolically."""

    def __init__(self, func, env, symbols, constants, self_attributes, depth):
        self.func = func
        self.name = getattr(func, "__name__", "<function>")
        self.env = env                      # local name -> sympy expression
        self.symbols = symbols              # shared: name -> Symbol
        self.constants = constants          # shared: global name -> value
        self.self_attributes = self_attributes
        self.depth = depth
        self.definitions = []
        closure = {}
        if getattr(func, "__closure__", None):
            for cell_name, cell in zip(func.__code__.co_freevars, func.__closure__):
                try:
                    closure[cell_name] = cell.cell_contents
                except ValueError:
                    pass
        self.outer = dict(getattr(func, "__globals__", {}))
        self.outer.update(closure)

    def fail(self, node, why):
        line = getattr(node, "lineno", None)
        where = f" (line {line} of the function)" if line else ""
        raise SymbolicError(f"Cannot read {self.name}() symbolically{where}: {why}.")

    # statements ---------------------------------------------------------------
    def run(self, body):
        for node in body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                continue                                     # docstring
            if isinstance(node, ast.Pass):
                continue
            if isinstance(node, ast.Assign):
                value = node.value
                for target in node.targets:
                    self.assign(target, value, node)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self.assign(node.target, node.value, node)
            elif isinstance(node, ast.AugAssign):
                if not isinstance(node.target, ast.Name) or type(node.op) not in _BINARY:
                    self.fail(node, "only `name op= expression` with + - * / ** is supported")
                current = self.name_value(node.target.id, node)
                self.bind(node.target.id, _BINARY[type(node.op)](current, self.expr(node.value)))
            elif isinstance(node, ast.Return):
                if node.value is None:
                    self.fail(node, "the function returns nothing")
                return self.returned(node.value)
            else:
                self.fail(node, f"a `{type(node).__name__}` statement has no symbolic form")
        self.fail(None, "the function has no return statement")

    def bind(self, name, value):
        self.env[name] = value
        self.definitions.append((name, value))

    def assign(self, target, value, node):
        if isinstance(target, ast.Name):
            self.bind(target.id, self.expr(value))
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts):
            results = [self.expr(v) for v in value.elts]
            for t, r in zip(target.elts, results):
                if not isinstance(t, ast.Name):
                    self.fail(node, "only plain names can be assigned")
                self.bind(t.id, r)
        else:
            self.fail(node, "only assignments to plain names are supported")

    def returned(self, value):
        if isinstance(value, (ast.Tuple, ast.List)):
            return tuple(self.expr(v) for v in value.elts)
        # ``return np.array([dx, dy])`` / ``bp.ops.as_tensor([...])``
        if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords \
                and isinstance(value.args[0], (ast.Tuple, ast.List)) \
                and _call_name(value.func) in ("array", "asarray", "as_tensor", "stack"):
            return tuple(self.expr(v) for v in value.args[0].elts)
        return (self.expr(value),)

    # expressions ---------------------------------------------------------------
    def name_value(self, name, node):
        if name in self.env:
            return self.env[name]
        if name in _CONSTANTS and name not in self.outer:
            return _CONSTANTS[name]
        if name in self.outer:
            value = self.outer[name]
            if isinstance(value, (numbers.Number, np.number)) and not isinstance(value, complex):
                self.constants.setdefault(name, value)
                return self.symbols.setdefault(name, sympy.Symbol(name, real=True))
            self.fail(node, f"`{name}` is a {type(value).__name__}, not a number")
        self.fail(node, f"`{name}` is not defined")

    def expr(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return _number(node.value)
            self.fail(node, f"the constant {node.value!r} is not a number")
        if isinstance(node, ast.Name):
            return self.name_value(node.id, node)
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                self.fail(node, f"the operator `{type(node.op).__name__}` has no symbolic form")
            return op(self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            self.fail(node, f"the operator `{type(node.op).__name__}` has no symbolic form")
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        self.fail(node, f"a `{type(node).__name__}` expression has no symbolic form")

    def attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            name = f"self.{node.attr}"
            if node.attr not in self.self_attributes:
                self.self_attributes.append(node.attr)
            return self.symbols.setdefault(name, sympy.Symbol(name, real=True))
        if node.attr in _CONSTANTS:
            return _CONSTANTS[node.attr]
        self.fail(node, f"the attribute `{ast.unparse(node)}` is not a number")

    def call(self, node):
        if node.keywords:
            self.fail(node, f"keyword arguments in `{ast.unparse(node)}` are not supported")
        name = _call_name(node.func)
        args = [self.expr(a) for a in node.args]
        if name in FUNCTIONS and not self._is_user_function(node.func):
            try:
                return FUNCTIONS[name](*args)
            except TypeError as exc:
                self.fail(node, f"`{ast.unparse(node)}`: {exc}")
        target = self._resolve(node.func)
        if isinstance(target, types.FunctionType):
            if self.depth > 8:
                self.fail(node, "functions are nested too deeply")
            return _inline(target, args, self, node)
        self.fail(node, f"the call `{ast.unparse(node)}` has no symbolic form "
                        f"(known functions: {', '.join(sorted(FUNCTIONS))})")

    def _resolve(self, func_node):
        if isinstance(func_node, ast.Name):
            return self.env.get(func_node.id, self.outer.get(func_node.id))
        if isinstance(func_node, ast.Attribute):
            base = self._resolve(func_node.value)
            return getattr(base, func_node.attr, None) if base is not None else None
        return None

    def _is_user_function(self, func_node):
        target = self._resolve(func_node)
        return isinstance(target, types.FunctionType) and not target.__module__.startswith(
            ("numpy", "math", "workbench"))


def _call_name(func_node):
    if isinstance(func_node, ast.Name):
        return func_node.id
    if isinstance(func_node, ast.Attribute):
        return func_node.attr
    return None


def _function_node(func):
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as exc:
        raise SymbolicError(f"The source of {getattr(func, '__name__', func)!r} is not "
                            f"available ({exc}).") from None
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SymbolicError(f"The source of {func.__name__}() cannot be parsed: {exc}") from None
    if func.__name__ == "<lambda>":
        return _lambda_node(func, tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func.__name__:
            return node
    raise SymbolicError(f"The definition of {func.__name__}() was not found in its source.")


def _lambda_node(func, tree):
    """The lambda of ``func`` in its source lines, as a one-statement function."""
    code = func.__code__
    names = list(code.co_varnames[:code.co_argcount])
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)
             and [a.arg for a in node.args.args] == names]
    if len(found) != 1:
        raise SymbolicError(f"Cannot tell which lambda with arguments {names} is meant: its "
                            f"source lines hold {len(found)}; define the function with `def`.")
    lam = found[0]
    node = ast.FunctionDef(name="<lambda>", args=lam.args, body=[ast.Return(lam.body)],
                           decorator_list=[], returns=None, type_params=[])
    return ast.fix_missing_locations(ast.copy_location(node, lam))


def _inline(func, args, caller, node):
    """Evaluate a called helper function with symbolic arguments."""
    fnode = _function_node(func)
    names = [a.arg for a in fnode.args.args]
    if len(names) != len(args):
        caller.fail(node, f"{func.__name__}() takes {len(names)} arguments, got {len(args)}")
    env = dict(zip(names, args))
    sub = _Evaluator(func, env, caller.symbols, caller.constants, caller.self_attributes,
                     caller.depth + 1)
    result = sub.run(fnode.body)
    return result[0] if len(result) == 1 else caller.fail(node, "the helper returns several values")


def to_sympy(func):
    """Turn a derivative function into SymPy expressions.

    Parameters
    ----------
    func : callable
        A function ``f(x, y, ..., t, p1, p2, ...)`` (optionally with a leading
        ``self``) whose body is a sequence of assignments and a return of one
        expression per variable.

    Returns
    -------
    SymbolicFunction
        Variables, parameters, expressions and the symbols they use.

    Raises
    ------
    SymbolicError
        If the function has no ``t`` argument, its source is unavailable, or a
        statement or call has no symbolic form.

    Examples
    --------
    >>> def fhn(V, w, t, Iext, a=0.7, b=0.8, tau=12.5):
    ...     dw = (V + a - b * w) / tau
    ...     dV = V - V * V * V / 3 - w + Iext
    ...     return dV, dw
    >>> sf = to_sympy(fhn)
    >>> sf.variables, sf.parameters
    (('V', 'w'), ('Iext', 'a', 'b', 'tau'))
    >>> sf.expressions[0]
    Iext - V**3/3 + V - w
    """
    func = getattr(func, "__func__", func)
    has_self, variables, t, parameters = _signature_parts(func)
    fnode = _function_node(func)
    symbols = {name: sympy.Symbol(name, real=True) for name in variables + (t,) + parameters}
    env = dict(symbols)
    constants, self_attributes = {}, []
    evaluator = _Evaluator(func, env, symbols, constants, self_attributes, depth=0)
    expressions = evaluator.run(fnode.body)
    return SymbolicFunction(name=func.__name__, variables=variables, t=t, parameters=parameters,
                            expressions=tuple(expressions), symbols=symbols,
                            constants=dict(constants), self_attributes=tuple(self_attributes),
                            local_definitions=tuple(evaluator.definitions))
