"""Reading a derivative function: variables, time, parameters, returns.

The convention (manual ch. 2): arguments before ``t`` are the dynamical
variables, arguments after ``t`` are parameters; a method's leading ``self``
is neither. The derivative returns one value per variable, in order.
"""

import ast
import inspect
import textwrap
from dataclasses import dataclass, field

from ..errors import DiffEqError

__all__ = ["DerivativeSignature", "read_signature", "function_source", "function_ast",
           "returned_counts", "check_return_count"]

TIME_ARGUMENT = "t"


@dataclass(frozen=True)
class DerivativeSignature:
    """The argument structure of a derivative function.

    Attributes
    ----------
    name : str
        The function's name, used in messages and generated names.
    variables : tuple of str
        Arguments before ``t``.
    parameters : tuple of str
        Arguments after ``t``.
    defaults : dict
        Default values of parameters.
    has_self : bool
        Whether the first argument is ``self``.
    """

    name: str
    variables: tuple
    parameters: tuple
    defaults: dict = field(default_factory=dict)
    has_self: bool = False

    @property
    def arguments(self):
        """All argument names in call order (``self`` included when present)."""
        return (("self",) if self.has_self else ()) + self.variables + (TIME_ARGUMENT,) \
            + self.parameters


def unwrap(func):
    """The plain Python function behind a staticmethod, bound method or numba dispatcher."""
    if isinstance(func, (staticmethod, classmethod)):
        func = func.__func__
    py_func = getattr(func, "py_func", None)      # numba dispatcher
    if py_func is not None:
        return py_func
    return func


def read_signature(func, role="f"):
    """Split a derivative function's arguments into variables and parameters.

    Parameters
    ----------
    func : callable
        The derivative (or diffusion) function, e.g. ``def f(V, w, t, Iext)``.
    role : str, optional
        The argument name the function was given as, for messages (``'f'``, ``'g'``).

    Returns
    -------
    DerivativeSignature

    Raises
    ------
    DiffEqError
        If ``func`` is not callable, has no argument ``t``, has no variable
        before ``t``, or uses ``*args``, ``**kwargs`` or keyword-only arguments.
    """
    if not callable(func) and not isinstance(func, (staticmethod, classmethod)):
        raise DiffEqError(f"`{role}`={func!r} is not a function; give the derivative as a "
                              f"Python function such as def {role}(V, w, t, Iext): ...")
    target = func.__func__ if isinstance(func, (staticmethod, classmethod)) else func
    name = getattr(unwrap(func), "__name__", type(func).__name__)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError) as exc:
        raise DiffEqError(f"`{role}`={name!r}: its signature cannot be read ({exc}).") from None
    names, defaults = [], {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD,
                              parameter.KEYWORD_ONLY):
            raise DiffEqError(f"`{role}`={name!r} has the argument {parameter}; derivative "
                                  f"functions take plain positional arguments "
                                  f"(variables, t, parameters).")
        names.append(parameter.name)
        if parameter.default is not parameter.empty:
            defaults[parameter.name] = parameter.default
    if TIME_ARGUMENT not in names:
        raise DiffEqError(f"`{role}`={name!r} has no time argument `t` (its arguments are "
                              f"{', '.join(names) or 'none'}); write the variables before `t` and "
                              f"the parameters after it, e.g. def {name}(V, w, t, Iext).")
    split = names.index(TIME_ARGUMENT)
    before, parameters = names[:split], tuple(names[split + 1:])
    has_self = bool(before) and before[0] == "self"
    variables = tuple(before[1:] if has_self else before)
    if not variables:
        raise DiffEqError(f"`{role}`={name!r} has no variable before `t`; the arguments "
                              f"before `t` are the variables to integrate.")
    return DerivativeSignature(name=name, variables=variables, parameters=parameters,
                               defaults={p: defaults[p] for p in parameters if p in defaults},
                               has_self=has_self)


def function_source(func):
    """The dedented source of a function, or None when it is not available.

    Parameters
    ----------
    func : callable

    Returns
    -------
    str or None
    """
    try:
        return textwrap.dedent(inspect.getsource(unwrap(func)))
    except (OSError, TypeError):
        return None


def function_ast(func):
    """The ``ast.FunctionDef`` or ``ast.Lambda`` node of a function, or None.

    Parameters
    ----------
    func : callable

    Returns
    -------
    ast.AST or None
    """
    source = function_source(func)
    if source is None:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # a lambda inside a longer statement: parse the expression part
        return None
    name = getattr(unwrap(func), "__name__", None)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
        if isinstance(node, ast.Lambda) and name == "<lambda>":
            return node
    return None


def _own_returns(node):
    """Return statements of a function body, not of nested functions or classes."""
    stack = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Return):
            yield current
        elif not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                      ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(current))


# expressions that evaluate to one value for sure (a name or call might hold a tuple)
_SINGLE_VALUE_NODES = (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Compare, ast.BoolOp)


def returned_counts(func):
    """How many values each return statement of ``func`` yields, when visible.

    Parameters
    ----------
    func : callable

    Returns
    -------
    list of (int, str)
        One ``(count, text)`` per return statement whose count is certain from
        the source (a tuple literal or an arithmetic expression); ``text`` is
        the returned expression.
    """
    node = function_ast(func)
    if node is None:
        return []
    values = [node.body] if isinstance(node, ast.Lambda) else \
        [r.value for r in _own_returns(node) if r.value is not None]
    counts = []
    for value in values:
        if isinstance(value, ast.Tuple):
            if any(isinstance(e, ast.Starred) for e in value.elts):
                continue
            counts.append((len(value.elts), ", ".join(ast.unparse(e) for e in value.elts)))
        elif isinstance(value, _SINGLE_VALUE_NODES):
            counts.append((1, ast.unparse(value)))
    return counts


def check_return_count(func, signature, role="f"):
    """Raise early when the function visibly returns the wrong number of derivatives.

    Parameters
    ----------
    func : callable
    signature : DerivativeSignature
    role : str, optional
        ``'f'`` for drift/derivative, ``'g'`` for diffusion (used in messages).

    Raises
    ------
    DiffEqError
        Naming the variables and the returned expression.
    """
    expected = len(signature.variables)
    what = "derivative" if role == "f" else "diffusion coefficient"
    for count, text in returned_counts(func):
        if count != expected:
            raise DiffEqError(count_mismatch_message(signature, count, text, what))


def count_mismatch_message(signature, count, text, what="derivative"):
    """The message for a function returning ``count`` values for its variables.

    Parameters
    ----------
    signature : DerivativeSignature
    count : int
        Number of returned values.
    text : str
        The returned expression (source text or a description).
    what : str, optional
        ``'derivative'`` or ``'diffusion coefficient'``.

    Returns
    -------
    str
    """
    variables = ", ".join(signature.variables)
    plural = "s" if len(signature.variables) != 1 else ""
    return (f"`{signature.name}` returns {count} value{'s' if count != 1 else ''} "
            f"({text}) but has {len(signature.variables)} variable{plural} before `t` "
            f"({variables}); return one {what} per variable, in that order.")
