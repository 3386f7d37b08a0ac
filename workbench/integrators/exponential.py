"""Exponential Euler for ODEs and SDEs, with linear parts found by SymPy.

For each variable ``x`` with derivative ``f(x, ...)`` the scheme uses the
linear coefficient ``A = df/dx`` at the current state (the other variables
held fixed) and advances

    x' = x + dt * exprel(dt * A) * f,           exprel(z) = (exp(z) - 1) / z

which is exact when ``f = A x + B`` with constant ``A`` and ``B`` (manual
ch. 11.3) -- the gating variables of Hodgkin-Huxley models are of that form,
so large steps stay stable. For SDEs ``dx = f dt + g dW`` (Ito, manual
ch. 15.2.4) the noise is propagated with ``exp(dt * A)``:

    x' = x + dt * exprel(dt * A) * f + exp(dt * A) * g * dW

``A`` comes from :func:`workbench.symbolic.to_sympy`; the derivative itself is
still the user's function. Whatever ``A`` is, the update is consistent
(``x + dt f + O(dt**2)``), so a symbolic mistake could only cost stability,
never correctness.
"""

import weakref
from functools import lru_cache

import numpy as np

from ..errors import IntegratorError
from .codegen import StepWriter
from .kernels import KERNELS
from .signature import count_mismatch_message, read_signature, unwrap

__all__ = ["ExponentialEulerScheme", "linear_coefficients", "write_exponential_update"]

_NUMPY = "numpy"


@lru_cache(maxsize=None)
def _printer_class():
    """The SymPy printer for step code (SymPy is imported only when exponential Euler is used)."""
    from sympy.printing.numpy import NumPyPrinter

    class StepPrinter(NumPyPrinter):
        """NumPy printer that keeps floats exact and prints max/min without functools."""

        def _print_Float(self, expr):
            return repr(float(expr))

        def _nested(self, function, args):
            args = list(args)
            text = self._print(args[-1])
            for arg in reversed(args[:-1]):
                text = f"{_NUMPY}.{function}({self._print(arg)}, {text})"
            return text

        def _print_Max(self, expr):
            return self._nested("maximum", expr.args)

        def _print_Min(self, expr):
            return self._nested("minimum", expr.args)

    return StepPrinter


_coefficient_cache = weakref.WeakKeyDictionary()


def linear_coefficients(derivative, variables):
    """The linear coefficient ``d f_i / d x_i`` of each variable, as SymPy expressions.

    Parameters
    ----------
    derivative : callable
        The derivative function (its source must be readable by
        :func:`workbench.symbolic.to_sympy`).
    variables : sequence of str
        The variables, in order.

    Returns
    -------
    tuple of sympy.Expr
        One coefficient per variable; numeric globals are substituted by
        their values, ``self.x`` reads stay symbols named ``self.x``.

    Raises
    ------
    IntegratorError
        If the function has no symbolic form, or returns a different number
        of derivatives than there are variables.
    """
    import sympy

    from ..symbolic import SymbolicError, to_sympy

    func = unwrap(derivative)
    key = tuple(variables)
    try:
        cached = _coefficient_cache.get(func, {})
    except TypeError:
        cached = {}
    if key in cached:
        return cached[key]
    try:
        symbolic = to_sympy(func)
    except SymbolicError as exc:
        raise IntegratorError(f"method='exponential_euler' needs the linear part of "
                              f"`{getattr(func, '__name__', func)}` from SymPy, but: {exc} "
                              f"Rewrite the function as assignments and one return, or choose "
                              f"another method (e.g. 'rk4').") from None
    if len(symbolic.expressions) != len(variables):
        signature = read_signature(func)
        text = ", ".join(str(e) for e in symbolic.expressions)
        raise IntegratorError(count_mismatch_message(signature, len(symbolic.expressions), text))
    expressions = symbolic.substituted()
    coefficients = tuple(sympy.diff(expression, symbolic.symbols[v])
                         for v, expression in zip(variables, expressions))
    try:
        _coefficient_cache.setdefault(func, {})[key] = coefficients
    except TypeError:
        pass
    return coefficients


def write_exponential_update(writer, coefficients, dt_name):
    """Write ``A_x = ...`` lines and return the names of the ``dt * A_x`` products.

    Parameters
    ----------
    writer : StepWriter
    coefficients : sequence of sympy.Expr
        One linear coefficient per variable of ``writer.spec``.
    dt_name : str
        Name holding the time step.

    Returns
    -------
    dict
        Variable -> name of ``dt * A`` (None where ``A`` is identically zero).
    """
    if writer.add_global(_NUMPY, np) != _NUMPY:
        raise IntegratorError("method='exponential_euler' cannot be used with a variable or "
                              "parameter named `numpy`; rename it.")
    printer = _printer_class()()
    products = {}
    writer.comment("linear coefficients A = d(dx/dt)/dx at the current state (from SymPy)")
    for v, coefficient in zip(writer.spec.variables, coefficients):
        if coefficient == 0:
            products[v] = None
            continue
        a_name = writer.fresh(f"A_{v}")
        writer.assign([a_name], printer.doprint(coefficient))
        products[v] = writer.fresh(f"z_{v}")
        writer.assign([products[v]], f"{dt_name} * {a_name}")
    return products


class ExponentialEulerScheme:
    """Generates the exponential Euler step of an ODE (see the module docstring)."""

    extra_arguments = ()

    def generate(self, spec):
        """Source of the exponential Euler step for ``spec``.

        Parameters
        ----------
        spec : StepSpec

        Returns
        -------
        GeneratedStep
        """
        coefficients = linear_coefficients(spec.derivative, spec.variables)
        writer = StepWriter(spec, "exponential_euler")
        f_name = writer.add_global("f", spec.derivative, user_function=True)
        exprel = writer.add_global("exprel", KERNELS["exprel"])
        dt_name = writer.fresh("dt")
        writer.assign([dt_name], repr(spec.dt))
        slopes = [writer.fresh(f"d{v}") for v in spec.variables]
        writer.assign(slopes, writer.call(f_name, spec.variables, writer.t,
                                          spec.f_parameters))
        products = write_exponential_update(writer, coefficients, dt_name)
        results = []
        for v, slope in zip(spec.variables, slopes):
            name = writer.fresh(f"{v}_new")
            if products[v] is None:
                writer.assign([name], f"{v} + {dt_name} * {slope}")
            else:
                writer.assign([name], f"{v} + {dt_name} * {exprel}({products[v]}) * {slope}")
            results.append(name)
        writer.line(f"return {', '.join(results)}")
        return writer.finish(f"Exponential Euler step of `{spec.name}`, dt={spec.dt!r}.")
