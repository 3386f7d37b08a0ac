"""``bp.sdeint``: numerical integration of stochastic differential equations.

This module is also ``bp.integrators.sde``: besides :func:`sdeint` it holds
one function per method (``bp.integrators.sde.milstein(f=..., g=...)``,
manual ch. 15.2). :data:`SDE_METHODS` is the registry with the support table
of manual ch. 12; the schemes themselves are in :mod:`.sde_schemes`.
"""

from dataclasses import dataclass

from ..constants import (ITO_SDE, SCALAR_WIENER, STRA_SDE, SUPPORTED_SDE_TYPE,
                         SUPPORTED_WIENER_TYPE, VECTOR_WIENER, normalize_choice)
from ..errors import IntegratorError, choices
from .codegen import build_step
from .integrator import Integrator
from .ode import _method_name, export_method_functions
from .sde_schemes import SDEScheme
from .signature import DerivativeSignature, check_return_count, read_signature
from .tableaus import SRI_TABLEAUS

__all__ = ["sdeint", "SDEIntegrator", "SUPPORTED_SDE_METHODS", "SDE_METHODS",
           "set_default_sdeint", "get_default_sdeint"]


@dataclass(frozen=True)
class SDEMethod:
    """A registry entry: a method and the SDE/Wiener types it supports.

    Attributes
    ----------
    name : str
        The manual's keyword.
    summary : str
        One-line description.
    sde_types : tuple of str
        Supported ``sde_type`` values.
    wiener_types : tuple of str
        Supported ``wiener_type`` values.
    """

    name: str
    summary: str
    sde_types: tuple
    wiener_types: tuple

    def scheme(self, sde_type, wiener_type):
        """Build the scheme for the given types."""
        return SDEScheme(self.name, sde_type, wiener_type, tableau=SRI_TABLEAUS.get(self.name))


_BOTH = (ITO_SDE, STRA_SDE)
_ALL_NOISE = (SCALAR_WIENER, VECTOR_WIENER)

#: Method keyword -> :class:`SDEMethod`: the support table of manual ch. 12.
SDE_METHODS = {m.name: m for m in [
    SDEMethod("euler", "Euler-Maruyama (strong order 0.5, weak 1.0).", _BOTH, _ALL_NOISE),
    SDEMethod("heun", "Stochastic Heun for Stratonovich SDEs.", (STRA_SDE,), _ALL_NOISE),
    SDEMethod("milstein", "Derivative-free Milstein (strong order 1.0).", _BOTH, _ALL_NOISE),
    SDEMethod("exponential_euler", "Exponential Euler (linear drift part from SymPy).",
              (ITO_SDE,), _ALL_NOISE),
    SDEMethod("srk1w1_scalar", "Order 2.0 weak / 1.5 strong SRK method (Rößler SRI1W1).",
              (ITO_SDE,), (SCALAR_WIENER,)),
    SDEMethod("srk2w1_scalar", "Order 1.5 strong SRK method (Rößler SRI2W1).",
              (ITO_SDE,), (SCALAR_WIENER,)),
    SDEMethod("KlPl_scalar", "Order 1.0 strong SRK method (Kloeden-Platen).",
              (ITO_SDE,), (SCALAR_WIENER,)),
]}

#: The supported SDE method keywords, sorted.
SUPPORTED_SDE_METHODS = sorted(SDE_METHODS)

_default = {"method": "euler"}


def _sde_method_name(method):
    try:
        return _method_name(method, "SDE", SDE_METHODS)
    except IntegratorError as exc:
        lowered = {name.lower(): name for name in SDE_METHODS}
        if isinstance(method, str) and method.lower() in lowered:
            raise IntegratorError(f"{exc} Did you mean {lowered[method.lower()]!r}?") from None
        raise


def set_default_sdeint(method):
    """Set the method ``bp.sdeint`` uses when none is given.

    Parameters
    ----------
    method : str or callable
        A keyword of :data:`SUPPORTED_SDE_METHODS` or a ``bp.integrators.sde`` function.

    Raises
    ------
    IntegratorError
        For an unknown method.
    """
    _default["method"] = _sde_method_name(method)


def get_default_sdeint():
    """The method ``bp.sdeint`` uses when none is given (initially ``'euler'``).

    Returns
    -------
    str
    """
    return _default["method"]


class SDEIntegrator(Integrator):
    """The integrator :func:`sdeint` returns.

    Besides the members of :class:`.integrator.Integrator` it has ``diffusion``
    (the function ``g``), ``sde_type``, ``wiener_type``, and
    :meth:`noise_driven_step`, the same step with its Wiener increments as
    arguments.
    """

    kind = "SDE"

    def __init__(self, f, g, method, scheme, dt=None, var_type=None, show_code=False,
                 sde_type=ITO_SDE, wiener_type=SCALAR_WIENER):
        f_signature = read_signature(f, "f")
        g_signature = read_signature(g, "g")
        if g_signature.variables != f_signature.variables:
            raise IntegratorError(f"`g`={g_signature.name!r} has variables "
                                  f"{g_signature.variables} but `f`={f_signature.name!r} has "
                                  f"{f_signature.variables}; both take the same variables "
                                  f"before `t`.")
        if g_signature.has_self != f_signature.has_self:
            raise IntegratorError(f"`f`={f_signature.name!r} and `g`={g_signature.name!r} must "
                                  f"both take `self`, or neither.")
        parameters = f_signature.parameters + tuple(p for p in g_signature.parameters
                                                    if p not in f_signature.parameters)
        defaults = dict(g_signature.defaults)
        defaults.update(f_signature.defaults)
        combined = DerivativeSignature(name=f_signature.name, variables=f_signature.variables,
                                       parameters=parameters, defaults=defaults,
                                       has_self=f_signature.has_self)
        self.diffusion = g
        self.sde_type = sde_type
        self.wiener_type = wiener_type
        self._f_signature, self._g_signature = f_signature, g_signature
        super().__init__(f, method, scheme, dt=dt, var_type=var_type, show_code=show_code,
                         signature=combined)

    def _step_spec(self):
        return self._spec(self.derivative, self.parameters, self.has_self,
                          diffusion=self.diffusion,
                          derivative_parameters=self._f_signature.parameters,
                          diffusion_parameters=self._g_signature.parameters)

    def _setup(self):
        super()._setup()
        self._noise_driven = {}

    def _make_step_spec(self, derivative, diffusion, parameters):
        if diffusion is None:
            raise IntegratorError(f"make_step(): {self!r} is an SDE integrator; give the "
                                  f"`diffusion` function too.")
        f_signature = self._function_parameters(derivative, parameters, "derivative")
        g_signature = self._function_parameters(diffusion, parameters, "diffusion")
        return self._spec(derivative, parameters, f_signature.has_self, diffusion=diffusion,
                          derivative_parameters=f_signature.parameters,
                          diffusion_parameters=g_signature.parameters)

    def _checked_functions(self):
        return [(self.derivative, "f"), (self.diffusion, "g")]

    @property
    def noise_arguments(self):
        """Names of the Wiener increments :meth:`noise_driven_step` takes after the parameters.

        ``dW_<var>`` per variable for scalar noise (``dW`` for vector noise),
        then ``I10_<var>`` (the time integral of the increment) for the SRK
        methods that need it.
        """
        return self._noise_generated().extra_arguments

    def _noise_generated(self):
        generated = self._noise_driven.get("generated")
        if generated is None:
            generated = self._scheme.generate(self._step_spec(), given_noise=True)
            self._noise_driven["generated"] = generated
        return generated

    def noise_driven_step(self, jit=False):
        """The step with its Wiener increments as trailing arguments.

        ``step(vars..., t, params..., dW..., [I10...])`` performs exactly the
        computation of a call, with the given increments instead of random
        draws. Use it to drive several step sizes with one Brownian path
        (sum the fine increments for a coarse step), or for common random
        numbers across parameter values.

        Parameters
        ----------
        jit : bool, optional
            Return a compiled dispatcher.

        Returns
        -------
        callable
        """
        key = bool(jit)
        step = self._noise_driven.get(key)
        if step is None:
            step = build_step(self._noise_generated(), jit=jit)
            self._noise_driven[key] = step
        return step

    def __repr__(self):
        return (super().__repr__()[:-1] + f", sde_type={self.sde_type!r}, "
                f"wiener_type={self.wiener_type!r}>")


_SDEINT_ARGUMENTS = ("f", "method", "g", "dt", "sde_type", "wiener_type", "var_type", "show_code")


def _method_and_diffusion(method, g):
    """Sort out ``sdeint(f, method, g=g)`` (BrainPy) from ``sdeint(f, g)`` (earlier workbench).

    A second positional argument that is a plain function (not a
    ``bp.integrators.sde.<method>`` function) is the diffusion, as in earlier
    workbench releases; then ``g`` must not be given as well.
    """
    if method is None or isinstance(method, str) or hasattr(method, "method_name") \
            or not callable(method):
        return method, g
    if g is not None:
        raise IntegratorError(f"`method`={method!r} is a function and `g`={g!r} is given too; "
                              f"pass the method as a string, e.g. "
                              f"bp.sdeint(f, 'milstein', g=g).")
    return None, method


def sdeint(f=None, method=None, g=None, dt=None, sde_type=None, wiener_type=None,
           var_type=None, show_code=False, **kwargs):
    """Numerical integrator of an SDE ``dx = f dt + g dW``, as a decorator or a function.

    Parameters
    ----------
    f : callable, optional
        The drift ``f(x, ..., t, params...)``; a decorator is returned when omitted.
    method : str, optional
        One of :data:`SUPPORTED_SDE_METHODS`; default :func:`get_default_sdeint`.
        It is the second positional argument, as in BrainPy
        (``bp.sdeint(f, 'milstein', g=g)``). A plain function in this place
        is taken as ``g`` (the call form of earlier workbench releases).
    g : callable
        The diffusion ``g(x, ..., t, params...)`` with the same variables.
    dt : float, optional
        Time step; default ``bp.backend.get_dt()`` at creation.
    sde_type : str, optional
        ``bp.ITO_SDE`` (default, ``'Ito'``) or ``bp.STRA_SDE``
        (``'Stratonovich'``); any capitalisation.
    wiener_type : str, optional
        ``bp.SCALAR_WIENER`` (default, ``'scalar'``; one Wiener process per
        element of each variable) or ``bp.VECTOR_WIENER`` (``'vector'``;
        ``g``'s last axis indexes shared Wiener processes).
    var_type : str, optional
        ``bp.SCALAR_VAR`` (default), ``bp.POPU_VAR`` or ``bp.SYSTEM_VAR``.
    show_code : bool, optional
        Print the generated step.

    Returns
    -------
    SDEIntegrator or callable

    Raises
    ------
    IntegratorError
        For an unknown method, a bad ``sde_type``/``wiener_type`` value, a
        combination the method does not support (the message lists what it
        supports), a missing ``g``, a function given both as the second
        positional argument and as ``g``, or functions that cannot be
        integrated.
    TypeError
        For unknown keyword arguments.

    Examples
    --------
    >>> import workbench as bp
    >>> def g(x, t, sigma):
    ...     return sigma * x
    >>> @bp.sdeint(g=g, method='milstein', dt=0.01)
    ... def f(x, t, sigma, mu=0.1):
    ...     return mu * x
    >>> f.variables, f.parameters
    (('x',), ('sigma', 'mu'))
    >>> bp.sdeint(f.derivative, 'milstein', g=g, wiener_type='scalar').method
    'milstein'
    """
    if kwargs:
        raise TypeError(f"sdeint() got unexpected keyword argument(s) "
                        f"{', '.join(repr(k) for k in sorted(kwargs))}; it takes: "
                        f"{', '.join(_SDEINT_ARGUMENTS)}.")
    method, g = _method_and_diffusion(method, g)
    if f is None:
        def decorator(func):
            return sdeint(func, method=method, g=g, dt=dt, sde_type=sde_type,
                          wiener_type=wiener_type, var_type=var_type, show_code=show_code)
        return decorator
    method = get_default_sdeint() if method is None else _sde_method_name(method)
    sde_type = ITO_SDE if sde_type is None else \
        normalize_choice("sde_type", sde_type, SUPPORTED_SDE_TYPE)
    wiener_type = SCALAR_WIENER if wiener_type is None else \
        normalize_choice("wiener_type", wiener_type, SUPPORTED_WIENER_TYPE)
    entry = SDE_METHODS[method]
    if sde_type not in entry.sde_types:
        raise IntegratorError(f"method={method!r} does not support `sde_type`={sde_type!r}; it "
                              f"supports: {choices(entry.sde_types)}.")
    if wiener_type not in entry.wiener_types:
        raise IntegratorError(f"method={method!r} does not support `wiener_type`="
                              f"{wiener_type!r}; it supports: {choices(entry.wiener_types)}.")
    if g is None:
        raise IntegratorError("`g` is missing: sdeint() needs the diffusion function, e.g. "
                              "bp.sdeint(f=drift, g=diffusion).")
    for func, role in ((f, "f"), (g, "g")):
        check_return_count(func, read_signature(func, role), role)
    if isinstance(f, (staticmethod, classmethod)):
        f = f.__func__
    if isinstance(g, (staticmethod, classmethod)):
        g = g.__func__
    return SDEIntegrator(f, g, method, entry.scheme(sde_type, wiener_type), dt=dt,
                         var_type=var_type, show_code=show_code, sde_type=sde_type,
                         wiener_type=wiener_type)


# --------------------------------------------------------------------------------------------
# bp.integrators.sde.<method>(f=None, g=None, ...) (manual ch. 15.2)
# --------------------------------------------------------------------------------------------

def _method_function(name):
    entry = SDE_METHODS[name]

    def method_function(f=None, g=None, dt=None, sde_type=None, var_type=None, wiener_type=None,
                        show_code=None):
        return sdeint(f, g=g, method=name, dt=dt, sde_type=sde_type, wiener_type=wiener_type,
                      var_type=var_type, show_code=bool(show_code))

    method_function.__doc__ = (
        f"{entry.summary}\n\n    Same as ``bp.sdeint(f, g=g, method={name!r}, ...)``. Supports "
        f"``sde_type`` {choices(entry.sde_types)} and\n    ``wiener_type`` "
        f"{choices(entry.wiener_types)}.\n\n    Parameters\n    ----------\n"
        f"    f, g : callable, optional\n        Drift and diffusion; a decorator is returned "
        f"when ``f`` is omitted.\n    dt : float, optional\n    sde_type, wiener_type, "
        f"var_type : str, optional\n    show_code : bool, optional\n\n    Returns\n    -------\n"
        f"    SDEIntegrator or callable\n")
    return method_function


export_method_functions(globals(), SUPPORTED_SDE_METHODS, _method_function)
