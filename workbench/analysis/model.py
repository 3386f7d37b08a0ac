"""The model behind the integrals: names, a numeric view and a symbolic view.

:class:`ModelView` reads one integral (an object returned by ``bp.odeint``) or
a plain derivative function, or a list of them, and exposes

* the names: ``variables`` (arguments before ``t``), ``parameters`` (arguments
  after ``t`` that are no variable of another integral), their ``defaults``
  and the numeric module-level or closure constants the derivatives read
  (``globals``) -- the manual's examples vary such constants (``a`` in the FHN
  codimension-2 example) as bifurcation parameters;
* :meth:`ModelView.numeric_derivative`: a vectorized Python callable of the
  whole system, with chosen constants turned into arguments;
* :meth:`ModelView.symbolic`: SymPy expressions of the derivatives (read from
  the source by :func:`workbench.symbolic.to_sympy`; when the source cannot be
  read, by calling the derivative with SymPy symbols), or None when the model
  cannot be expressed symbolically.
"""

import inspect
import numbers
import types

import numpy as np
import sympy
# SymPy imports these inside the first Add it builds (Add.flatten imports sympy.tensor and
# with it sympy.combinatorics), the first derivative, set and lambdify: about 40 ms that the
# first symbolic analysis of every session would pay inside its call. Imported with the
# package instead.
import sympy.assumptions.wrapper  # noqa: F401
import sympy.codegen.ast  # noqa: F401
import sympy.sets.setexpr  # noqa: F401
import sympy.tensor.tensor  # noqa: F401

from ..errors import AnalysisError, choices
from ..symbolic import SymbolicError, to_sympy

__all__ = ["ModelView", "DerivativeSource"]


class DerivativeSource:
    """One derivative function with its argument names.

    Parameters
    ----------
    func : callable
        The derivative ``f(vars..., t, pars...)``.
    variables, parameters : tuple of str
    defaults : dict
        Default values of parameters.
    integral : object or None
        The integral object the function came from (None for a plain function).
    """

    def __init__(self, func, variables, parameters, defaults, integral=None):
        self.func = func
        self.variables = tuple(variables)
        self.parameters = tuple(parameters)
        self.defaults = dict(defaults)
        self.integral = integral
        self.name = getattr(func, "__name__", "f")

    def constants(self):
        """Numeric constants the function reads from its module or closure.

        Returns
        -------
        dict
            ``{name: float}``.
        """
        code = getattr(self.func, "__code__", None)
        if code is None:
            return {}
        found = {}
        module_globals = getattr(self.func, "__globals__", {})
        for name in code.co_names:
            value = module_globals.get(name)
            if _is_number(value):
                found[name] = float(value)
        for name, cell in zip(code.co_freevars, self.func.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # empty cell
                continue
            if _is_number(value):
                found[name] = float(value)
        return found

    def rebound(self, names):
        """A copy of the function whose constants ``names`` can be reassigned.

        Parameters
        ----------
        names : iterable of str
            Constants (globals or closure variables) to expose.

        Returns
        -------
        (callable, callable)
            The copied function and ``assign(name, value)`` that changes what
            the copy reads for ``name``.
        """
        names = tuple(names)
        func = self.func
        if not names:
            return func, None
        code = func.__code__
        new_globals = dict(func.__globals__)
        cells = {}
        closure = []
        for name, cell in zip(code.co_freevars, func.__closure__ or ()):
            if name in names:
                new_cell = types.CellType(cell.cell_contents)
                cells[name] = new_cell
                closure.append(new_cell)
            else:
                closure.append(cell)
        copy = types.FunctionType(code, new_globals, func.__name__, func.__defaults__,
                                  tuple(closure) if func.__closure__ else None)
        copy.__kwdefaults__ = func.__kwdefaults__

        def assign(name, value):
            if name in cells:
                cells[name].cell_contents = value
            else:
                new_globals[name] = value

        return copy, assign


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _source_of(item, position):
    """Build a DerivativeSource from an integral object or a plain function."""
    where = f"`integrals`[{position}]" if position is not None else "`integrals`"
    if hasattr(item, "variables") and hasattr(item, "derivative"):
        if getattr(item, "has_self", False):
            raise AnalysisError(f"{where} integrates a method (its derivative takes `self`); "
                                f"analysis needs a plain derivative f(vars..., t, pars...).")
        return DerivativeSource(item.derivative, item.variables, item.parameters,
                                getattr(item, "defaults", {}) or {}, integral=item)
    if not callable(item):
        raise AnalysisError(f"{where}={item!r} is neither an integral made by bp.odeint nor a "
                            f"derivative function f(vars..., t, pars...).")
    try:
        signature = inspect.signature(item)
    except (TypeError, ValueError):
        raise AnalysisError(f"{where}={item!r}: cannot read its signature.") from None
    names = [p.name for p in signature.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if names and names[0] == "self":
        raise AnalysisError(f"{where}={item!r} takes `self`; analysis needs a plain derivative "
                            f"f(vars..., t, pars...).")
    if "t" not in names:
        raise AnalysisError(f"{where}={getattr(item, '__name__', item)!r} has arguments "
                            f"{names}; a derivative lists its variables, then `t`, then its "
                            f"parameters.")
    index = names.index("t")
    if index == 0:
        raise AnalysisError(f"{where}={getattr(item, '__name__', item)!r} has no variable "
                            f"before `t`.")
    defaults = {p.name: p.default for p in signature.parameters.values()
                if p.default is not inspect.Parameter.empty and p.name in names[index + 1:]}
    return DerivativeSource(item, names[:index], names[index + 1:], defaults)


class ModelView:
    """Names and evaluators of the differential equations of one or several integrals.

    Parameters
    ----------
    integrals : integral, callable, or list/tuple of them
        Objects returned by ``bp.odeint`` (with ``variables``, ``parameters``,
        ``defaults`` and ``derivative``) or plain derivative functions whose
        arguments are the variables, then ``t``, then the parameters.

    Raises
    ------
    AnalysisError
        If an item is neither, or a variable is integrated twice.
    """

    def __init__(self, integrals):
        items = list(integrals) if isinstance(integrals, (list, tuple)) else [integrals]
        if not items:
            raise AnalysisError("`integrals` is empty; give at least one integral.")
        several = len(items) > 1
        self.sources = tuple(_source_of(item, i if several else None)
                             for i, item in enumerate(items))
        variables = []
        for source in self.sources:
            for var in source.variables:
                if var in variables:
                    raise AnalysisError(f"variable {var!r} is integrated by two of the "
                                        f"`integrals`; each variable needs exactly one.")
                variables.append(var)
        self.variables = tuple(variables)
        parameters, defaults = [], {}
        for source in self.sources:
            for par in source.parameters:
                if par not in variables and par not in parameters:
                    parameters.append(par)
            defaults.update({k: v for k, v in source.defaults.items() if k not in variables})
        self.parameters = tuple(parameters)
        self.defaults = defaults
        self.name = self.sources[0].name
        self.globals = {}
        for source in self.sources:
            for name, value in source.constants().items():
                if name not in self.variables and name not in self.parameters:
                    self.globals.setdefault(name, value)
        self._symbolic_cache = {}

    # ------------------------------------------------------------------ names
    def describe(self):
        """A short text naming the variables, parameters and constants, for errors.

        Returns
        -------
        str
        """
        text = f"{self.name} has variables {choices(self.variables)}"
        text += f"; parameters {choices(self.parameters)}" if self.parameters else "; no parameters"
        if self.globals:
            text += f"; constants it reads {choices(self.globals)}"
        return text

    def is_parameter(self, name):
        """Whether ``name`` is a parameter or a numeric constant of the model.

        Parameters
        ----------
        name : str

        Returns
        -------
        bool
        """
        return name in self.parameters or name in self.globals

    def parameter_value(self, name):
        """Default value of a parameter or current value of a constant.

        Parameters
        ----------
        name : str

        Returns
        -------
        float or None
            None when the parameter has no default.
        """
        if name in self.defaults:
            return self.defaults[name]
        return self.globals.get(name)

    # ---------------------------------------------------------------- numeric
    def numeric_derivative(self, constants=()):
        """A vectorized evaluator of the whole system.

        Parameters
        ----------
        constants : iterable of str
            Module or closure constants of the derivatives that become
            arguments (looked up by name in the environment).

        Returns
        -------
        callable
            ``rhs(env) -> dict`` mapping each variable to its time derivative,
            where ``env`` maps every variable, parameter and listed constant to
            a number or an array (arrays broadcast).
        """
        constants = tuple(constants)
        plans = []
        for source in self.sources:
            own = tuple(c for c in constants if c in source.constants())
            func, assign = source.rebound(own)
            plans.append((func, assign, own, source.variables, source.parameters))

        def rhs(env):
            out = {}
            for func, assign, own, variables, parameters in plans:
                for name in own:
                    assign(name, env[name])
                args = [env[v] for v in variables] + [0.0] + [env[p] for p in parameters]
                result = func(*args)
                if len(variables) == 1 and not isinstance(result, (tuple, list)):
                    result = (result,)
                if len(result) != len(variables):
                    raise AnalysisError(f"{func.__name__} returned {len(result)} derivatives "
                                        f"for {len(variables)} variables {variables}.")
                out.update(zip(variables, result))
            return out

        return rhs

    # --------------------------------------------------------------- symbolic
    def symbolic(self, constants=()):
        """SymPy expressions of the derivatives, or None.

        Parameters
        ----------
        constants : iterable of str
            Module or closure constants to keep as symbols (instead of their
            numeric values).

        Returns
        -------
        dict or None
            ``{'symbols': {name: Symbol}, 'expressions': {variable: Expr}}``
            for every variable, or None when some derivative cannot be
            expressed with SymPy.
        """
        key = tuple(sorted(constants))
        if key not in self._symbolic_cache:
            self._symbolic_cache[key] = self._derive_symbolic(key)
        return self._symbolic_cache[key]

    def _derive_symbolic(self, constants):
        symbols = {name: sympy.Symbol(name)
                   for name in self.variables + self.parameters + tuple(constants)}
        expressions = {}
        for source in self.sources:
            derived = _to_sympy(source, constants, symbols)
            if derived is None:
                return None
            expressions.update(derived)
        return {"symbols": symbols, "expressions": expressions}


def _canonical(expr, symbols):
    """Replace every free symbol by the model's symbol of the same name."""
    mapping = {}
    for sym in expr.free_symbols:
        name = str(sym)
        if name not in symbols:
            return None
        mapping[sym] = symbols[name]
    return expr.xreplace(mapping)


def _to_sympy(source, constants, symbols):
    """Expressions of one derivative source, keyed by variable, or None."""
    own = tuple(c for c in constants if c in source.constants())
    expressions = _with_workbench_symbolic(source.func, own)
    if expressions is None:
        func, assign = source.rebound(own)
        for name in own:
            assign(name, symbols[name])
        expressions = _by_calling(func, source, symbols)
    if expressions is None or len(expressions) != len(source.variables):
        return None
    out = {}
    for var, expr in zip(source.variables, expressions):
        try:
            expr = sympy.sympify(expr)
        except (sympy.SympifyError, TypeError):
            return None
        expr = _canonical(expr, symbols)
        if expr is None or expr.has(sympy.I, sympy.zoo, sympy.nan):
            return None
        out[var] = expr
    return out


def _with_workbench_symbolic(func, exposed):
    """Expressions from :func:`workbench.symbolic.to_sympy`, or None.

    Module constants become numbers, except the ``exposed`` ones, which stay
    symbols (the analysis varies them).
    """
    try:
        function = to_sympy(func)
    except SymbolicError:
        return None
    mapping = {function.symbols[name]: sympy.sympify(value)
               for name, value in function.constants.items() if name not in exposed}
    return tuple(sympy.sympify(expr).xreplace(mapping) for expr in function.expressions)


def _by_calling(func, source, symbols):
    """Expressions obtained by calling the derivative with SymPy symbols, or None."""
    args = ([symbols[v] for v in source.variables] + [sympy.Symbol("t")] +
            [symbols[p] for p in source.parameters])
    try:
        with np.errstate(all="ignore"):
            result = func(*args)
    except Exception:  # any failure means "not expressible by calling"
        return None
    if len(source.variables) == 1 and not isinstance(result, (tuple, list)):
        result = (result,)
    try:
        result = tuple(result)
    except TypeError:
        return None
    for expr in result:
        if isinstance(expr, np.ndarray) or not isinstance(expr, (sympy.Basic, numbers.Number)):
            return None
        if isinstance(expr, sympy.Basic) and expr.has(sympy.Symbol("t")):
            return None
    return result
