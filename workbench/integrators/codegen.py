"""The one code generator: method data + argument names -> step function source.

A step function advances the variables of a derivative function by one time
step. Its source is plain, readable Python (``show_code=True`` prints it); the
very same source runs on the numpy backend and is compiled with numba on the
numba backends. It is executed from a file through
:func:`workbench.backend.jit.load_generated_module`, so numba's disk cache
works; everything the compiled code freezes (the derivative's source, the
values of globals it reads, the helpers in :mod:`.kernels`) is part of the
file's key.

Layers:

* :class:`StepSpec` -- what the step looks like from outside (names, dt).
* :class:`StepWriter` -- collision-free names, lines, the final ``def``.
* :func:`write_rk_stages` / :func:`runge_kutta_source` -- a Butcher tableau
  becomes stage evaluations and the weighted update; adaptive stepping,
  exponential Euler and the SDE schemes build on the same writer.
* :class:`GeneratedStep` and :func:`build_step` -- source -> Python function
  or counted numba dispatcher.
"""

import ast
import functools
import hashlib
import inspect
import keyword
import math
import re
import sys
import types
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..backend.jit import load_generated_module, options_key
from ..backend.jit import jit as _jit
from ..errors import IntegratorError
from .kernels import KERNELS_FINGERPRINT
from .signature import TIME_ARGUMENT, function_ast, function_source, unwrap

__all__ = ["StepSpec", "StepWriter", "GeneratedStep", "build_step", "runge_kutta_source",
           "write_rk_stages", "weighted_sum", "format_coefficient", "fingerprint"]


# --------------------------------------------------------------------------------------------
# Formatting numbers and sums
# --------------------------------------------------------------------------------------------

def format_coefficient(value):
    """Source text of a coefficient: ``1 / 6`` for Fractions, ``repr`` for floats.

    CPython folds ``1 / 6`` to a constant at compile time and LLVM does the
    same in numba, so the readable form costs nothing.

    Parameters
    ----------
    value : Fraction, int or float

    Returns
    -------
    str
    """
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value.numerator} / {value.denominator}"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def weighted_sum(terms):
    """Source of ``sum(coefficient * name)`` without zero terms, or None if all vanish.

    Parameters
    ----------
    terms : iterable of (coefficient, str)

    Returns
    -------
    str or None
        E.g. ``'1 / 6 * dV_1 + 1 / 3 * dV_2 - 2 * dV_3'``.
    """
    parts = []
    for coefficient, name in terms:
        if coefficient == 0:
            continue
        negative = coefficient < 0
        magnitude = -coefficient if negative else coefficient
        text = name if magnitude == 1 else f"{format_coefficient(magnitude)} * {name}"
        if not parts:
            parts.append(f"-{text}" if negative else text)
        else:
            parts.append(f"- {text}" if negative else f"+ {text}")
    return " ".join(parts) if parts else None


def scaled(factor, expression):
    """``factor * (expression)``, without parentheses around a single name."""
    if expression is None:
        return None
    return f"{factor} * {expression}" if expression.isidentifier() else \
        f"{factor} * ({expression})"


def time_at(t_name, dt_name, c):
    """Source of the stage time ``t + c * dt``."""
    if c == 0:
        return t_name
    if c == 1:
        return f"{t_name} + {dt_name}"
    return f"{t_name} + {format_coefficient(c)} * {dt_name}"


def _literal(value):
    """Source text of a default value that can be written literally, else None."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return None


# --------------------------------------------------------------------------------------------
# What a step function looks like
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepSpec:
    """The outside of a generated step function.

    Parameters
    ----------
    name : str
        Name of the derivative function (used in the generated name and docstring).
    variables : tuple of str
        Variables, in order.
    parameters : tuple of str
        Parameters of the step, in order.
    dt : float
        The time step written into the source.
    derivative : callable
        The drift/derivative function ``f``.
    has_self : bool, optional
        Whether the step (and ``f``) take ``self`` first.
    defaults : dict, optional
        Default values of parameters; literal ones appear in the signature.
    diffusion : callable, optional
        The diffusion function ``g`` of an SDE.
    derivative_parameters, diffusion_parameters : tuple of str, optional
        The parameters ``f`` and ``g`` take (default: all ``parameters``).
    """

    name: str
    variables: tuple
    parameters: tuple
    dt: float
    derivative: object
    has_self: bool = False
    defaults: dict = field(default_factory=dict)
    diffusion: object = None
    derivative_parameters: tuple = None
    diffusion_parameters: tuple = None

    @property
    def f_parameters(self):
        """The parameters the derivative ``f`` takes, in order."""
        return self.parameters if self.derivative_parameters is None \
            else self.derivative_parameters

    @property
    def g_parameters(self):
        """The parameters the diffusion ``g`` takes, in order."""
        return self.parameters if self.diffusion_parameters is None \
            else self.diffusion_parameters

    @property
    def arguments(self):
        """Argument names of the step in order (without method-specific extras)."""
        return (("self",) if self.has_self else ()) + self.variables + (TIME_ARGUMENT,) \
            + self.parameters


def _identifier(text):
    safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in text).strip("_")
    return safe or "func"


class StepWriter:
    """Collects the lines of one generated step function.

    Generated names never collide with the user's argument names: every
    internal name goes through :meth:`fresh`, which appends underscores until
    the name is free.

    Parameters
    ----------
    spec : StepSpec
        Names of the arguments and the derivative.
    method : str
        The method keyword, used in the function name and docstring.
    """

    def __init__(self, spec, method):
        self.spec = spec
        self.method = method
        # user arguments, Python keywords and the module names printed code may use
        self._used = set(spec.arguments) | set(keyword.kwlist)
        self.lines = []
        self.indent = 1
        self.namespace = {}
        self.user_functions = set()
        self.func_name = self.fresh(f"{_identifier(method)}_step_of_{_identifier(spec.name)}")
        self.t = TIME_ARGUMENT

    def fresh(self, base):
        """A new name based on ``base`` that no argument or earlier name uses."""
        name = base
        while name in self._used:
            name += "_"
        self._used.add(name)
        return name

    def reserve(self, name):
        """Mark an externally chosen name (e.g. an extra argument) as used."""
        self._used.add(name)

    def add_global(self, base, value, user_function=False):
        """Make ``value`` available to the step under a fresh global name.

        Parameters
        ----------
        base : str
            Preferred name.
        value : object
            The object (function, helper, module).
        user_function : bool
            True for user functions, which are compiled separately for numba.

        Returns
        -------
        str
            The name to use in the source.
        """
        for existing, obj in self.namespace.items():
            if obj is value and (existing in self.user_functions) == user_function:
                return existing
        name = self.fresh(base)
        self.namespace[name] = value
        if user_function:
            self.user_functions.add(name)
        return name

    def line(self, text=""):
        """Append a line at the current indentation."""
        self.lines.append("    " * self.indent + text if text else "")

    def comment(self, text):
        """Append a ``# comment`` line."""
        self.line(f"# {text}")

    def call(self, func_name, values, t_expr, parameters):
        """Source of a call ``func(self, *values, t, *parameters)``.

        Parameters
        ----------
        func_name : str
            The generated name of the function.
        values : sequence of str
            Expressions for the variables, in order.
        t_expr : str
            Expression of the time.
        parameters : sequence of str
            Parameter names the function takes.
        """
        arguments = (["self"] if self.spec.has_self else []) + list(values) + [t_expr] \
            + list(parameters)
        return f"{func_name}({', '.join(arguments)})"

    def assign(self, targets, expression):
        """Append ``a, b = expression`` (or ``a = expression`` for one target)."""
        self.line(f"{', '.join(targets)} = {expression}")

    def signature(self, extra=()):
        """The step's argument list, with literal defaults for trailing parameters."""
        names = list(self.spec.arguments) + list(extra)
        rendered = list(names)
        if not extra:
            # Only a trailing run of literal defaults can be written into the signature.
            for index in range(len(names) - 1, -1, -1):
                name = names[index]
                if name not in self.spec.parameters or name not in self.spec.defaults:
                    break
                text = _literal(self.spec.defaults[name])
                if text is None:
                    break
                rendered[index] = f"{name}={text}"
        return ", ".join(rendered)

    def finish(self, docstring, extra=()):
        """Assemble the ``def`` with the collected body.

        Parameters
        ----------
        docstring : str
            One line describing the step.
        extra : sequence of str, optional
            Extra argument names appended after the parameters (e.g. ``dt``);
            then no defaults are written into the signature.

        Returns
        -------
        GeneratedStep
        """
        arguments = self.signature(extra)
        header = f"def {self.func_name}({arguments}):"
        body = [f'    """{docstring}"""'] + self.lines
        source = "\n".join([header] + body) + "\n"
        return GeneratedStep(source=source, func_name=self.func_name,
                             namespace=dict(self.namespace),
                             user_functions=frozenset(self.user_functions),
                             extra_arguments=tuple(extra))


# --------------------------------------------------------------------------------------------
# Runge-Kutta tableaus -> source
# --------------------------------------------------------------------------------------------

def write_rk_stages(writer, tableau, stages, f_name, dt_name, state=None, t_name=None):
    """Write the stage evaluations of an explicit Runge-Kutta step.

    Parameters
    ----------
    writer : StepWriter
    tableau : ButcherTableau
    stages : sequence of int
        Indices of the stages to evaluate (see ``ButcherTableau.needed_stages``).
    f_name : str
        Generated name of the derivative.
    dt_name : str
        Name holding the step size.
    state : dict, optional
        Variable -> name of its value at the start of the step (default: the variables).
    t_name : str, optional
        Name holding the time at the start of the step (default: ``t``).

    Returns
    -------
    dict
        ``(stage, variable) -> name`` of the derivative evaluated at that stage.
    """
    spec = writer.spec
    state = state or {v: v for v in spec.variables}
    t_name = t_name or writer.t
    params = spec.f_parameters
    slopes = {}
    for i in stages:
        values = []
        for v in spec.variables:
            increment = weighted_sum((tableau.A[i][j], slopes[j, v]) for j in range(i)
                                     if (j, v) in slopes)
            if increment is None:
                values.append(state[v])
            else:
                name = writer.fresh(f"{v}_{i + 1}")
                writer.assign([name], f"{state[v]} + {scaled(dt_name, increment)}")
                values.append(name)
        targets = [writer.fresh(f"d{v}_{i + 1}") for v in spec.variables]
        for v, target in zip(spec.variables, targets):
            slopes[i, v] = target
        writer.assign(targets, writer.call(f_name, values, time_at(t_name, dt_name,
                                                                    tableau.c[i]), params))
    return slopes


def weighted_update(writer, variable, weights, slopes, dt_name, state=None):
    """Source of ``x + dt * sum(b_i k_i)`` for one variable."""
    base = (state or {}).get(variable, variable)
    total = weighted_sum((w, slopes[i, variable]) for i, w in enumerate(weights)
                         if (i, variable) in slopes)
    if total is None:
        return base
    return f"{base} + {scaled(dt_name, total)}"


def runge_kutta_source(tableau, spec, method=None):
    """Generate the fixed-step function of an explicit Runge-Kutta method.

    Parameters
    ----------
    tableau : ButcherTableau
    spec : StepSpec
    method : str, optional
        Keyword used in names (default: the tableau's name).

    Returns
    -------
    GeneratedStep

    Examples
    --------
    >>> from workbench.integrators.tableaus import ODE_TABLEAUS
    >>> spec = StepSpec(name="decay", variables=("x",), parameters=("tau",), dt=0.1,
    ...                 derivative=lambda x, t, tau: -x / tau)
    >>> print(runge_kutta_source(ODE_TABLEAUS["heun2"], spec).source)
    def heun2_step_of_decay(x, t, tau):
        \"\"\"heun2 step (Heun's second-order (explicit trapezoid)) of `decay`, dt=0.1.\"\"\"
        dt = 0.1
        dx_1 = f(x, t, tau)
        x_2 = x + dt * dx_1
        dx_2 = f(x_2, t + dt, tau)
        x_new = x + dt * (1 / 2 * dx_1 + 1 / 2 * dx_2)
        return x_new
    <BLANKLINE>
    """
    method = method or tableau.name
    writer = StepWriter(spec, method)
    f_name = writer.add_global("f", spec.derivative, user_function=True)
    dt_name = writer.fresh("dt")
    writer.line(f"{dt_name} = {spec.dt!r}")
    slopes = write_rk_stages(writer, tableau, tableau.needed_stages(), f_name, dt_name)
    results = []
    for v in spec.variables:
        name = writer.fresh(f"{v}_new")
        writer.assign([name], weighted_update(writer, v, tableau.b, slopes, dt_name))
        results.append(name)
    writer.line(f"return {', '.join(results)}")
    return writer.finish(f"{method} step ({tableau.title}) of `{spec.name}`, dt={spec.dt!r}.")


# --------------------------------------------------------------------------------------------
# Source -> callable
# --------------------------------------------------------------------------------------------

@dataclass
class GeneratedStep:
    """Generated source plus the globals it needs.

    Attributes
    ----------
    source : str
        The module source: one ``def``.
    func_name : str
        Name of the step function in ``source``.
    namespace : dict
        Global name -> object used by the source.
    user_functions : frozenset of str
        Globals that hold user functions; the numba build compiles them.
    extra_arguments : tuple of str
        Arguments after the parameters (``dt`` of adaptive steps, Wiener
        increments of noise-driven SDE steps).
    """

    source: str
    func_name: str
    namespace: dict
    user_functions: frozenset = frozenset()
    extra_arguments: tuple = ()
    _key_parts: tuple = None

    def key_parts(self):
        """Everything numba would freeze besides the source: user functions, helpers, flags.

        The compilation flags are included because numba's cache index does not
        distinguish, e.g., code compiled with and without ``fastmath``.
        """
        if self._key_parts is None:
            parts = [f"kernels:{KERNELS_FINGERPRINT}"]
            for name in sorted(self.namespace):
                parts.append(f"{name}={fingerprint(self.namespace[name])}")
            self._key_parts = tuple(parts)
        # the options are read now: bp.backend.set_numba_profile() may change them later
        return (f"jit-options:{options_key()}",) + self._key_parts


#: Modules whose Python functions numba already knows (or must not be jitted as user code).
_LIBRARY_PREFIXES = ("numpy", "math", "numba", "scipy", "workbench", "cmath", "builtins")


def as_dispatcher(func, _memo=None):
    """A numba dispatcher for a user function (compiled into the caller, not cached alone).

    The function is not cached on its own: its machine code is cached as part
    of the generated step, whose key includes the function's fingerprint. A
    separate cache entry could be stale when a global it reads changes.
    Plain Python helper functions the function calls through globals (e.g. an
    ``alpha_m(V)`` rate function) are compiled the same way, so a derivative
    written with helpers runs on the numba backend unchanged.

    Parameters
    ----------
    func : callable
        A Python function or a numba dispatcher.

    Returns
    -------
    numba.core.dispatcher.Dispatcher

    Raises
    ------
    IntegratorError
        If ``func`` is not a plain function (e.g. a bound method).
    """
    if hasattr(func, "py_func") and hasattr(func, "overloads"):
        return func
    memo = {} if _memo is None else _memo
    func = unwrap(func)
    if not isinstance(func, types.FunctionType):
        raise IntegratorError(f"{func!r} cannot be compiled with numba: it is a "
                              f"{type(func).__name__}, not a plain function (a bound method "
                              f"carries `self`, which compiled code cannot receive).")
    if id(func) in memo:
        return memo[id(func)]
    helpers = {}
    for name in func.__code__.co_names:
        value = func.__globals__.get(name)
        if isinstance(value, types.FunctionType) and value is not func and \
                not (value.__module__ or "").startswith(_LIBRARY_PREFIXES):
            helpers[name] = value
    if helpers:
        memo[id(func)] = None        # recursion guard: a recursive helper is left to numba
        compiled = {name: as_dispatcher(helper, memo) for name, helper in helpers.items()}
        globals_ = dict(func.__globals__)
        globals_.update({k: v for k, v in compiled.items() if v is not None})
        func = types.FunctionType(func.__code__, globals_, func.__name__, func.__defaults__,
                                  func.__closure__)
    dispatcher = _jit(func, cache=False)
    memo[id(func)] = dispatcher
    return dispatcher


def build_step(generated, jit=False):
    """Turn generated source into a callable.

    Parameters
    ----------
    generated : GeneratedStep
    jit : bool, optional
        Compile with numba (through :func:`workbench.backend.jit.jit`).

    Returns
    -------
    callable
        The Python function, or a counted numba dispatcher (compiled lazily on
        the first call, or loaded from the disk cache).
    """
    if not jit:
        module = load_generated_module(generated.source, generated.func_name,
                                       key_parts=("python",), namespace=generated.namespace)
        return getattr(module, generated.func_name)
    namespace = {name: (as_dispatcher(value) if name in generated.user_functions else value)
                 for name, value in generated.namespace.items()}
    module = load_generated_module(generated.source, generated.func_name,
                                   key_parts=("numba",) + generated.key_parts(),
                                   namespace=namespace)
    return _jit(getattr(module, generated.func_name))


# --------------------------------------------------------------------------------------------
# Fingerprints of what compiled code freezes
# --------------------------------------------------------------------------------------------

def fingerprint(value, _depth=0, _seen=None):
    """A text that changes whenever compiled code using ``value`` could change.

    Functions are described by their source (or bytecode), the values of the
    globals and closure variables they read (recursively, with attribute chains
    such as ``bp.ops.exp`` resolved), and their defaults. Arrays by dtype, shape
    and a hash of their bytes; numbers and strings by ``repr``.

    Parameters
    ----------
    value : object

    Returns
    -------
    str
    """
    seen = set() if _seen is None else _seen
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), Fraction)):
        return repr(value)
    if isinstance(value, np.ndarray):
        digest = hashlib.sha1(np.ascontiguousarray(value).tobytes()).hexdigest()
        return f"array[{value.dtype},{value.shape},{digest}]"
    if isinstance(value, np.generic):
        return f"{type(value).__name__}({value!r})"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(fingerprint(v, _depth + 1, seen) for v in value)
        return f"{type(value).__name__}({inner})"
    if isinstance(value, types.ModuleType):
        return f"module:{value.__name__}"
    if isinstance(value, (staticmethod, classmethod)) or hasattr(value, "py_func"):
        value = unwrap(value)
    if isinstance(value, types.FunctionType):
        if (value.__module__ or "").startswith("workbench."):
            # our own helpers: their module's source identifies them; walking their globals
            # would describe process state (the active bp.ops, object addresses)
            return f"function:{value.__module__}.{value.__qualname__}:{_module_digest(value)}"
        if id(value) in seen or _depth > 4:
            return f"function:{value.__module__}.{value.__qualname__}"
        seen.add(id(value))
        return _function_fingerprint(value, _depth, seen)
    if isinstance(value, type):
        return f"class:{value.__module__}.{value.__qualname__}"
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    module = getattr(value, "__module__", None) or type(value).__module__
    if name is not None and callable(value):
        return f"callable:{module}.{name}"
    # default reprs carry memory addresses, which differ in every process
    text = _ADDRESS.sub("0x_", repr(value))
    return f"object:{type(value).__module__}.{type(value).__qualname__}:{text}"


#: A memory address in a default ``repr``.
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


@functools.lru_cache(maxsize=None)
def _module_source_digest(module_name):
    module = sys.modules.get(module_name)
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return "no-source"
    return hashlib.sha1(source.encode()).hexdigest()


def _module_digest(func):
    return _module_source_digest(func.__module__)


def _attribute_chains(func):
    """Dotted names read by ``func``: ``bp.ops.exp`` -> ('bp', 'ops', 'exp')."""
    node = function_ast(func)
    if node is None:
        return set()
    chains = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            parts = []
            current = sub
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name):
                chains.add(tuple([current.id] + parts[::-1]))
    return chains


def _function_fingerprint(func, depth, seen):
    source = function_source(func)
    code = func.__code__
    parts = [f"function:{func.__module__}.{func.__qualname__}"]
    if source is not None:
        parts.append(source)
    else:
        parts.append(code.co_code.hex())
        parts.append(repr(code.co_consts))
        parts.append(repr(code.co_names))
    if func.__defaults__:
        parts.append("defaults=" + fingerprint(func.__defaults__, depth + 1, seen))
    try:
        closure = inspect.getclosurevars(func)
    except (TypeError, ValueError):
        closure = None
    if closure is not None:
        for name, value in sorted(closure.nonlocals.items()):
            parts.append(f"nonlocal {name}={fingerprint(value, depth + 1, seen)}")
        for name, value in sorted(closure.globals.items()):
            parts.append(f"global {name}={fingerprint(value, depth + 1, seen)}")
        for chain in sorted(_attribute_chains(func)):
            root = closure.globals.get(chain[0], closure.nonlocals.get(chain[0]))
            if not isinstance(root, types.ModuleType):
                continue
            value = root
            for attr in chain[1:]:
                value = getattr(value, attr, None)
                if value is None or not isinstance(value, types.ModuleType):
                    break
            parts.append(f"attr {'.'.join(chain)}={fingerprint(value, depth + 1, seen)}")
    return "\n".join(parts)
