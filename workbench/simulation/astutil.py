"""AST helpers shared by the step rewriter (numba) and the loop vectorizer (numpy)."""

import ast
import inspect
import textwrap
import types

__all__ = ["chain_names", "static_get", "MISSING", "local_names", "parse_function"]

#: Returned by :func:`static_get` for a missing attribute.
MISSING = object()


def chain_names(node):
    """``a.b.c`` -> ``['a', 'b', 'c']``; None if ``node`` is not a plain attribute chain.

    Parameters
    ----------
    node : ast.expr

    Returns
    -------
    list of str or None
    """
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
        return names[::-1]
    return None


def static_get(obj, attr):
    """An attribute of ``obj`` without triggering descriptors such as integrators' ``__get__``.

    Static methods are unwrapped, properties evaluated, and methods defined in
    the class returned bound.

    Parameters
    ----------
    obj : object
    attr : str

    Returns
    -------
    object
        The value, or :data:`MISSING`.
    """
    try:
        value = inspect.getattr_static(obj, attr)
    except AttributeError:
        return MISSING
    if isinstance(value, staticmethod):
        return value.__func__
    if isinstance(value, property):
        return getattr(obj, attr)
    if isinstance(value, types.FunctionType) and attr not in getattr(obj, "__dict__", {}):
        return getattr(obj, attr)
    return value


def local_names(fdef):
    """Names a function assigns (its local variables, arguments included).

    Parameters
    ----------
    fdef : ast.FunctionDef

    Returns
    -------
    set of str
    """
    names = {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fdef:
            names.update(a.arg for a in node.args.args)
            if isinstance(node, ast.FunctionDef):
                names.add(node.name)
    return names


def parse_function(func):
    """The AST of a function's source, with line numbers of its file.

    Parameters
    ----------
    func : function or method

    Returns
    -------
    fdef : ast.FunctionDef or ast.expr
        The definition (the first statement of the parsed source).
    filename : str
    first_line : int

    Raises
    ------
    OSError, TypeError
        If the source is unavailable.
    """
    raw = func.__func__ if inspect.ismethod(func) else func
    filename = inspect.getsourcefile(raw) or "<unknown>"
    lines, first_line = inspect.getsourcelines(raw)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first_line - 1)
    return tree.body[0], filename, first_line
