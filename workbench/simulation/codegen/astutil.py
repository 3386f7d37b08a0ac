"""AST helpers shared by the step rewriter (numba) and the loop vectorizer (numpy)."""

import ast
import inspect
import linecache
import textwrap
import types

__all__ = ["chain_names", "static_get", "MISSING", "local_names", "parse_function",
           "compile_function"]

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


def compile_function(raw, fdef, source, filename, helpers):
    """Compile a rewritten function definition with the original's globals and closure.

    Parameters
    ----------
    raw : function
        The original function (its globals, closure cells and defaults are kept,
        so global and closure lookups stay live).
    fdef : ast.FunctionDef
        The rewritten definition.
    source : str
        Readable source of the rewritten function (shown in tracebacks).
    filename : str
        A pseudo file name for tracebacks, e.g. ``'<vectorized update of LIF>'``.
    helpers : dict
        Extra names the rewritten body uses, passed as closure cells.

    Returns
    -------
    function
    """
    freevars = list(raw.__code__.co_freevars)
    outer_args = freevars + list(helpers)
    wrapper = ast.Module([ast.FunctionDef(
        name="_wb_outer", args=ast.arguments(posonlyargs=[], args=[ast.arg(a) for a in outer_args],
                                             kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=[fdef, ast.Return(ast.Name(fdef.name, ast.Load()))], decorator_list=[],
        returns=None, type_params=[])], type_ignores=[])
    ast.fix_missing_locations(wrapper)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(wrapper, filename, "exec")
    outer = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in outer.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == fdef.name)
    cells_by_name = dict(zip(freevars, raw.__closure__ or ()))
    for name, value in helpers.items():
        cells_by_name[name] = types.CellType(value)
    closure = tuple(cells_by_name[name] for name in inner.co_freevars)
    function = types.FunctionType(inner, raw.__globals__, fdef.name, raw.__defaults__, closure)
    function.__kwdefaults__ = raw.__kwdefaults__
    return function
