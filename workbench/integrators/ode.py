"""``bp.odeint``: numerical integration of ordinary differential equations.

This module is also ``bp.integrators.ode``: besides :func:`odeint` it holds
one function per method (``bp.integrators.ode.rk4(f=..., dt=...)``, manual
ch. 15.1). The method registry is filled in one place (:data:`ODE_METHODS`):
every Butcher tableau of :mod:`.tableaus` plus exponential Euler.
"""

import inspect
from dataclasses import dataclass
from fractions import Fraction

from ..errors import IntegratorError, choices
from .adaptive import AdaptiveRungeKuttaScheme
from .codegen import runge_kutta_source
from .exponential import ExponentialEulerScheme
from .integrator import Integrator
from .signature import check_return_count, read_signature
from .tableaus import EMBEDDED_METHODS, ODE_TABLEAUS, rk2_tableau

__all__ = ["odeint", "ODEIntegrator", "SUPPORTED_ODE_METHODS", "ODE_METHODS",
           "set_default_odeint", "get_default_odeint", "DEFAULT_TOL"]

#: Tolerance of adaptive steps when ``tol`` is not given.
DEFAULT_TOL = 1e-3


class RungeKuttaScheme:
    """Generates the fixed step of an explicit Runge-Kutta tableau."""

    extra_arguments = ()

    def __init__(self, tableau):
        self.tableau = tableau

    def generate(self, spec):
        """Source of one step for ``spec``; see :func:`.codegen.runge_kutta_source`."""
        return runge_kutta_source(self.tableau, spec)


@dataclass(frozen=True)
class ODEMethod:
    """A registry entry: how to build a method's scheme.

    Attributes
    ----------
    name : str
        The manual's keyword.
    summary : str
        One-line description.
    embedded : bool
        Supports ``adaptive=True``.
    options : tuple of str
        Extra keyword options of the method (``('beta',)`` for ``rk2``).
    """

    name: str
    summary: str
    embedded: bool = False
    options: tuple = ()

    def scheme(self, adaptive, tol, options):
        """Build the scheme for the given settings."""
        if self.name == "exponential_euler":
            return ExponentialEulerScheme()
        tableau = ODE_TABLEAUS[self.name]
        if self.name == "rk2" and options.get("beta") is not None:
            tableau = rk2_tableau(options["beta"])
        if adaptive:
            return AdaptiveRungeKuttaScheme(tableau, tol)
        return RungeKuttaScheme(tableau)


def _registry():
    methods = {}
    for name, tableau in ODE_TABLEAUS.items():
        methods[name] = ODEMethod(name=name, summary=f"{tableau.title} (order {tableau.order}).",
                                  embedded=tableau.is_embedded,
                                  options=("beta",) if name == "rk2" else ())
    methods["exponential_euler"] = ODEMethod(
        name="exponential_euler",
        summary="Explicit exponential Euler (order 1; exact for linear ODEs).")
    return methods


#: Method keyword -> :class:`ODEMethod`, for every supported ODE method.
ODE_METHODS = _registry()

#: The supported ODE method keywords, sorted (manual ch. 2).
SUPPORTED_ODE_METHODS = sorted(ODE_METHODS)

_default = {"method": "euler"}


def _method_name(method, kind="ODE", known=None):
    """Normalise a method given as a keyword or as a ``bp.integrators.ode.<name>`` function."""
    known = ODE_METHODS if known is None else known
    name = getattr(method, "method_name", method)
    if not isinstance(name, str) or name not in known:
        raise IntegratorError(f"`method`={method!r} is not a known {kind} method; choose one "
                              f"of: {choices(known)}.")
    return name


def set_default_odeint(method):
    """Set the method ``bp.odeint`` uses when none is given.

    Parameters
    ----------
    method : str or callable
        A keyword of :data:`SUPPORTED_ODE_METHODS`, or a method function such
        as ``bp.integrators.ode.rk4``.

    Raises
    ------
    IntegratorError
        For an unknown method.

    Examples
    --------
    >>> import workbench as bp
    >>> bp.integrators.set_default_odeint('exponential_euler')
    >>> bp.integrators.get_default_odeint()
    'exponential_euler'
    >>> bp.integrators.set_default_odeint('euler')
    """
    _default["method"] = _method_name(method)


def get_default_odeint():
    """The method ``bp.odeint`` uses when none is given (initially ``'euler'``).

    Returns
    -------
    str
    """
    return _default["method"]


class ODEIntegrator(Integrator):
    """The integrator :func:`odeint` returns; see :class:`.integrator.Integrator`."""

    kind = "ODE"


_ODEINT_ARGUMENTS = ("f", "method", "dt", "show_code", "var_type", "adaptive", "tol")


def odeint(f=None, method=None, dt=None, show_code=False, var_type=None, adaptive=False,
           tol=None, **options):
    """Numerical integrator of an ODE, as a decorator or a function.

    Parameters
    ----------
    f : callable, optional
        The derivative ``f(x, y, ..., t, p1, p2, ...)``: variables before
        ``t``, parameters after it (a leading ``self`` makes it a method);
        returns one derivative per variable, in order. When omitted, a
        decorator is returned.
    method : str, optional
        One of :data:`SUPPORTED_ODE_METHODS`; default :func:`get_default_odeint`.
    dt : float, optional
        Time step; default ``bp.backend.get_dt()`` at creation.
    show_code : bool, optional
        Print the generated step function.
    var_type : str, optional
        ``bp.SCALAR_VAR`` (default), ``bp.POPU_VAR`` or ``bp.SYSTEM_VAR``.
        The generated code works element-wise, so scalars and arrays both work.
    adaptive : bool, optional
        Adaptive step size (embedded methods only: 'bs', 'ck', 'heun_euler',
        'rkdp', 'rkf12', 'rkf45'). The call then takes ``dt=`` and returns the
        next ``dt`` last.
    tol : float, optional
        Error tolerance of adaptive steps (default 1e-3).
    **options
        Method options: ``beta`` for ``'rk2'`` (default 2/3).

    Returns
    -------
    ODEIntegrator or callable
        The integrator: ``integral(x, y, t, p1, p2)`` returns the new values.

    Raises
    ------
    IntegratorError
        For an unknown method, bad settings, or a function that cannot be
        integrated (no ``t``, wrong number of returned derivatives).
    TypeError
        For unknown keyword arguments.

    Examples
    --------
    >>> import workbench as bp
    >>> @bp.odeint(method='rk4', dt=0.01)
    ... def integral(V, w, t, Iext, a, b, tau):
    ...     dw = (V + a - b * w) / tau
    ...     dV = V - V * V * V / 3 - w + Iext
    ...     return dV, dw
    >>> V, w = integral(0., 0., 0., 1., 0.7, 0.8, 12.5)
    >>> round(V, 6), round(w, 8)
    (0.010047, 0.00056383)
    """
    if f is None:
        def decorator(func):
            return odeint(func, method=method, dt=dt, show_code=show_code, var_type=var_type,
                          adaptive=adaptive, tol=tol, **options)
        return decorator
    method = get_default_odeint() if method is None else _method_name(method)
    entry = ODE_METHODS[method]
    unknown = sorted(k for k in options if k not in entry.options)
    if unknown:
        accepted = list(_ODEINT_ARGUMENTS) + list(entry.options)
        raise TypeError(f"odeint() got unexpected keyword argument(s) "
                        f"{', '.join(repr(k) for k in unknown)} for method={method!r}; it "
                        f"takes: {', '.join(accepted)}.")
    tol = _check_adaptive(method, entry, adaptive, tol)
    if isinstance(f, (staticmethod, classmethod)):
        f = f.__func__
    signature = read_signature(f, "f")
    check_return_count(f, signature, "f")
    if adaptive and "dt" in signature.arguments:
        raise IntegratorError(f"`{signature.name}` has an argument named `dt`, which adaptive "
                              f"integrators use for the step size; rename it.")
    scheme = entry.scheme(adaptive, tol, options)
    return ODEIntegrator(f, method, scheme, dt=dt, var_type=var_type, show_code=show_code,
                         adaptive=bool(adaptive), tol=tol)


def _check_adaptive(method, entry, adaptive, tol):
    """Validate ``adaptive``/``tol``; return the tolerance to use (None if fixed-step)."""
    if not isinstance(adaptive, (bool, int)) or adaptive not in (True, False):
        raise IntegratorError(f"`adaptive`={adaptive!r} must be True or False.")
    if not adaptive:
        if tol is not None:
            raise IntegratorError(f"`tol`={tol!r} only applies with adaptive=True; "
                                  f"method={method!r} steps with a fixed dt here.")
        return None
    if not entry.embedded:
        raise IntegratorError(f"`adaptive`=True needs an embedded method; method={method!r} "
                              f"has no error estimate; choose one of: "
                              f"{choices(EMBEDDED_METHODS)}.")
    if tol is None:
        return DEFAULT_TOL
    if isinstance(tol, bool) or not isinstance(tol, (int, float, Fraction)) or not tol > 0 \
            or tol == float("inf"):
        raise IntegratorError(f"`tol`={tol!r} must be a positive, finite number.")
    return float(tol)


# --------------------------------------------------------------------------------------------
# bp.integrators.ode.<method>(f=None, ...) (manual ch. 15.1)
# --------------------------------------------------------------------------------------------

def _method_function(name):
    entry = ODE_METHODS[name]

    if entry.embedded:
        def method_function(f=None, tol=None, adaptive=None, dt=None, show_code=None,
                            var_type=None):
            return odeint(f, method=name, dt=dt, show_code=bool(show_code), var_type=var_type,
                          adaptive=bool(adaptive), tol=tol)
        extra = ("    tol : float, optional\n        Error tolerance with ``adaptive=True``.\n"
                 "    adaptive : bool, optional\n        Adapt the step size.\n")
    elif entry.options:
        def method_function(f=None, show_code=None, dt=None, beta=None, var_type=None):
            return odeint(f, method=name, dt=dt, show_code=bool(show_code), var_type=var_type,
                          beta=beta)
        extra = "    beta : float, optional\n        Second-stage position in (0, 1]; 2/3.\n"
    else:
        def method_function(f=None, show_code=None, dt=None, var_type=None):
            return odeint(f, method=name, dt=dt, show_code=bool(show_code), var_type=var_type)
        extra = ""

    tableau = ODE_TABLEAUS.get(name)
    reference = f"\n    References\n    ----------\n    {tableau.reference}\n" \
        if tableau is not None and tableau.reference else ""
    method_function.__doc__ = (
        f"{entry.summary}\n\n    Same as ``bp.odeint(f, method={name!r}, ...)``.\n\n"
        f"    Parameters\n    ----------\n    f : callable, optional\n"
        f"        The derivative; a decorator is returned when omitted.\n{extra}"
        f"    dt : float, optional\n        Time step (default ``bp.backend.get_dt()``).\n"
        f"    show_code : bool, optional\n        Print the generated step.\n"
        f"    var_type : str, optional\n        Variable type.\n\n"
        f"    Returns\n    -------\n    ODEIntegrator or callable\n{reference}")
    return method_function


def export_method_functions(namespace, names, factory):
    """Define ``namespace[name] = factory(name)`` for every method (``bp.integrators.ode.rk4``).

    Parameters
    ----------
    namespace : dict
        The module's globals.
    names : iterable of str
        Method keywords.
    factory : callable
        ``factory(name)`` returns the method function; it gets ``method_name``
        (read by :func:`set_default_odeint`) and an explicit ``__signature__``.
    """
    for name in names:
        function = factory(name)
        function.__name__ = function.__qualname__ = name
        function.method_name = name
        function.__signature__ = inspect.signature(function)
        namespace[name] = function
        namespace["__all__"].append(name)


export_method_functions(globals(), SUPPORTED_ODE_METHODS, _method_function)
