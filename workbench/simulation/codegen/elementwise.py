"""What computes element by element: the proofs both the numpy and the numba targets rely on.

Applying a function to arrays gives the same values as applying it to every
element when it is *straight-line element-wise arithmetic*: names assigned
from arithmetic and numpy ufunc calls, returned, without branches or
indexing. Integrators of such derivatives (fixed-step, no noise) then map
arrays exactly like scalars:

* the numpy target (:mod:`~workbench.simulation.numpy.vectorize`) may call them
  on arrays in place of a loop over elements;
* the numba target (:mod:`~workbench.simulation.numba.generator`) may call the
  scalar compiled step element by element in place of array code (faster to
  compile), and fuse them into element-wise loops.

The analysis of an integrator is made once per process and shared by both.
"""

import ast
import builtins
import inspect

import numpy as np

from .astutil import MISSING, chain_names, parse_function

__all__ = ["is_integrator", "straight_line_elementwise", "integrator_is_elementwise",
           "function_kind", "call_may_write", "BINARY_OPERATORS", "ELEMENTWISE_BUILTINS"]

#: Binary operators that act element by element on arrays.
BINARY_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
                    ast.BitAnd, ast.BitOr, ast.BitXor)
#: Builtins that act element by element on arrays (through numpy's protocols).
ELEMENTWISE_BUILTINS = frozenset({builtins.abs})
#: Builtins without side effects (element-wise only if also in ELEMENTWISE_BUILTINS).
PURE_BUILTINS = frozenset({builtins.len, builtins.min, builtins.max, builtins.int, builtins.float,
                           builtins.bool, builtins.round, builtins.range, builtins.abs,
                           builtins.sum})

#: Numpy functions that write into an argument they are given (not counting ``out``).
IN_PLACE_FUNCTIONS = frozenset({np.copyto, np.put, np.place, np.putmask, np.fill_diagonal,
                                np.put_along_axis})

# id(integrator) -> (integrator, result): the integrator is kept to detect a reused id
_integrators = {}


def is_integrator(value):
    """Whether ``value`` follows the integrator contract (``bp.odeint`` results).

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    return all(hasattr(value, name) for name in
               ("make_step", "variables", "parameters", "has_self", "derivative"))


def straight_line_elementwise(func):
    """Whether ``func`` is straight-line element-wise arithmetic (no branches, no indexing).

    Parameters
    ----------
    func : function

    Returns
    -------
    bool
        True when the body only assigns names from arithmetic and numpy ufunc calls
        and returns them: applying it to arrays equals applying it element by element.
    """
    try:
        fdef, _, _ = parse_function(func)
    except (OSError, TypeError):
        return False
    allowed = (ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign,
               ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Attribute, ast.Tuple,
               ast.Load, ast.Store, ast.Call, ast.Expr, ast.USub, ast.UAdd) + BINARY_OPERATORS
    namespace = getattr(func, "__globals__", {})
    for node in ast.walk(fdef):
        if isinstance(node, ast.operator) or isinstance(node, ast.unaryop):
            if not isinstance(node, BINARY_OPERATORS + (ast.USub, ast.UAdd)):
                return False
            continue
        if not isinstance(node, allowed):
            return False
        if isinstance(node, ast.Call):
            names = chain_names(node.func)
            if names is None or names[0] not in namespace:
                return False
            value = namespace[names[0]]
            for attr in names[1:]:
                value = getattr(value, attr, MISSING)
            if not (isinstance(value, np.ufunc) or value in ELEMENTWISE_BUILTINS):
                return False
    return True


def integrator_is_elementwise(integrator):
    """Whether an integrator maps arrays element by element exactly like numbers.

    True for fixed-step ODE integrators whose derivative is straight-line
    element-wise arithmetic (:func:`straight_line_elementwise`); adaptive and
    stochastic integrators are never element-wise. Computed once per integrator.

    Parameters
    ----------
    integrator : object
        A ``bp.odeint`` / ``bp.sdeint`` result.

    Returns
    -------
    bool
    """
    if getattr(integrator, "adaptive", False) or getattr(integrator, "diffusion", None) is not None:
        return False
    cached = _integrators.get(id(integrator))
    if cached is None or cached[0] is not integrator:
        cached = (integrator, straight_line_elementwise(integrator.derivative))
        _integrators[id(integrator)] = cached
    return cached[1]


def function_kind(value, is_elementwise_integrator=integrator_is_elementwise):
    """How a function called in a loop acts on its arguments.

    Parameters
    ----------
    value : object
        The called object.
    is_elementwise_integrator : callable, optional
        Decides for integrators (a target may add conditions).

    Returns
    -------
    str or None
        ``'elementwise'`` (ufuncs, ``np.where``, ``np.clip``, ``abs``, element-wise
        integrators), ``'pure'`` (no side effects, but only for arguments that do
        not vary per element: other builtins and numpy functions, except random
        draws) or None (unknown: may have side effects). A call can still write
        an array passed as ``out``: see :func:`call_may_write`.
    """
    if is_integrator(value):
        return "elementwise" if is_elementwise_integrator(value) else None
    try:
        if value in IN_PLACE_FUNCTIONS:
            return None
    except TypeError:
        return None
    if isinstance(value, np.ufunc) or value is np.where or value is np.clip:
        return "elementwise"
    try:
        if value in PURE_BUILTINS:
            return "elementwise" if value in ELEMENTWISE_BUILTINS else "pure"
    except TypeError:
        return None
    module = getattr(value, "__module__", "") or ""
    if callable(value) and module.startswith("numpy") and "random" not in module:
        return "pure"
    return None


def call_may_write(value, call):
    """Whether a call of ``value`` hands it an array to write (``out``), as far as the code shows.

    A ufunc writes the positional arguments after its ``nin`` inputs; other numpy
    functions the one landing on their ``out`` parameter. ``*args``/``**kwargs`` or a
    function whose signature cannot be read count as writing.

    Parameters
    ----------
    value : object
        The called function (:func:`function_kind` found it pure or element-wise).
    call : ast.Call

    Returns
    -------
    bool
    """
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None or k.arg == "out" for k in call.keywords):
        return True
    if isinstance(value, np.ufunc):
        return len(call.args) > value.nin
    if _hashable(value) and value in PURE_BUILTINS:     # no ``out``, and no readable signature
        return False
    try:
        names = list(inspect.signature(value).parameters)
    except (TypeError, ValueError):
        return True
    return "out" in names and names.index("out") < len(call.args)


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True
