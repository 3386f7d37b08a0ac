"""The system an analysis works on: unknowns, free parameters and constants.

A :class:`ReducedSystem` restricts a :class:`~workbench.analysis.model.ModelView`
to the analysis' target variables (the unknowns ``x``) and target parameters
(the free parameters ``p``); every other variable and parameter is a constant
whose value can be changed later (:meth:`ReducedSystem.set_constants`) without
deriving or compiling anything again.

Everything is derived once, on first use, and kept:

* vectorized evaluators of ``f(x, p)``, its Jacobian ``df/dx`` and ``df/dp``
  (SymPy expressions turned into numpy code with ``lambdify`` when the model
  is symbolic; the user's derivative with central finite differences
  otherwise);
* SymPy solutions of single equations ``f_i = 0`` for one unknown (nullclines
  and the one-dimensional reduction used to find fixed points), each under
  ``sympy_solver_timeout``.
"""

import numpy as np
import sympy

from .timeout import SolverTimeout, call_with_timeout

__all__ = ["ReducedSystem", "Solution", "Residual"]


class Solution:
    """A SymPy solution ``var = g(others, free)`` of one equation ``f_eq = 0``.

    Attributes
    ----------
    equation : str
        The unknown whose derivative vanishes.
    variable : str
        The unknown solved for.
    expressions : tuple of sympy.Expr
        One expression per solution branch.
    functions : tuple of callable
        Vectorized ``g_k(*unknowns_except_variable, *free, *constants)``.
    singular : tuple of callable
        For a 2-D system: vectorized ``s_j(*free, *constants)``, the values of the
        other unknown where the branches miss roots of the equation: a denominator of
        some branch vanishes there, so ``g_k`` is undefined (``x y^2 + y - x = 0``
        solved for ``y`` divides by ``x``, yet ``y = 0`` solves it at ``x = 0``), or a
        factor free of ``variable`` vanishes (``x (y - 1) = 0`` holds on ``x = 0``).
        Equilibria there are searched along the line itself.
    """

    def __init__(self, equation, variable, expressions, functions, singular=()):
        self.equation = equation
        self.variable = variable
        self.expressions = tuple(expressions)
        self.functions = tuple(functions)
        self.singular = tuple(singular)


class Residual:
    """A function of one unknown (and the free parameters) whose roots are equilibria.

    When the residual is symbolic, it is split as ``a(x) + b(p) + c(x, p)``
    so that a grid of x times a batch of p costs one broadcast addition when
    ``c`` vanishes (the common case of an additive input), and the roots can
    then be bracketed without evaluating the full grid (see
    :func:`~workbench.analysis.roots.roots_separable`).

    Parameters
    ----------
    system : ReducedSystem
    variable : str
        The unknown searched along its grid.
    expr : sympy.Expr or None
        The residual in terms of ``variable``, the free parameters and the
        constants; None in the numeric path.
    solution : Solution or None
        The reduction giving the other unknown, for 2-D systems.
    branch : int or None
        The branch of ``solution``.
    """

    def __init__(self, system, variable, expr, solution, branch):
        self.system = system
        self.variable = variable
        self.solution = solution
        self.branch = branch
        self.separable = False
        if expr is None:
            self._full = None
            return
        x = system.symbolic["symbols"][variable]
        pars = system._symbols(system.free)
        consts = system._symbols(system.constant_names)
        expanded = sympy.expand_mul(expr, deep=False)
        # as_independent returns (terms free of the symbols, terms with them)
        rest, x_part = expanded.as_independent(x, as_Add=True)
        if pars:
            x_only, mixed = x_part.as_independent(*pars, as_Add=True)
        else:
            x_only, mixed = x_part, sympy.S.Zero
        self._full = _numpy_function([x] + pars + consts, expr, cse=True)
        self._x_part = _numpy_function([x] + consts, x_only)
        self._p_part = _numpy_function(pars + consts, rest)
        self._mixed = (None if mixed == 0 else
                       _numpy_function([x] + pars + consts, mixed, cse=True))
        self.separable = self._mixed is None

    def __call__(self, x, P):
        """Residual at ``x`` for parameters ``P`` (broadcasting)."""
        if self._full is None:
            return self._numeric(x, P)
        consts = self.system._constant_args()
        with np.errstate(all="ignore"):
            value = self._full(x, *P, *consts)
        shape = np.broadcast_shapes(np.shape(x), *(np.shape(p) for p in P))
        return np.broadcast_to(np.asarray(value, dtype=float), shape)

    def _numeric(self, x, P):
        return self.system.f([x], P)[0]

    def parts(self, grid, P):
        """``a(grid)`` of shape ``(n,)`` and ``b(P)`` of shape ``(B,)`` when separable."""
        consts = self.system._constant_args()
        batch = len(P[0]) if P else 1
        with np.errstate(all="ignore"):
            a = np.broadcast_to(np.asarray(self._x_part(grid, *consts), dtype=float), grid.shape)
            b = np.broadcast_to(np.asarray(self._p_part(*P, *consts), dtype=float), (batch,))
        return a, b

    def complete(self, x, P):
        """Full points ``(k, n)`` from roots ``x`` with parameters ``P``."""
        system = self.system
        if self.solution is None:
            return np.asarray(x, dtype=float)[:, None]
        other = system.evaluate_solution(self.solution, self.branch, [x], P)
        values = {self.variable: x, self.solution.variable: other}
        return np.stack([np.broadcast_to(values[u], np.shape(x)) for u in system.unknowns],
                        axis=1)


def _solve_linear(expr, symbol):
    """The solution of ``expr = 0`` when ``expr`` is affine in ``symbol``, or None.

    ``expr = a s + c`` with ``a = d expr / ds`` free of ``s`` and not zero gives
    ``s = -c / a``, the set ``solveset`` returns for it (with the zeros of ``a``
    handled by :func:`_singular_zeros` as for any solution). It takes about a
    millisecond where ``solveset`` takes tens (the first call of an analysis
    solves the nullcline of a linear recovery variable this way).
    """
    if expr.has(sympy.Piecewise):
        return None
    slope = sympy.diff(expr, symbol)
    if slope == 0 or slope.has(symbol) or slope.has(sympy.Derivative):
        return None
    return (-expr.xreplace({symbol: sympy.S.Zero}) / slope,)


def _solve_real(expr, symbol):
    """Real solution set of ``expr = 0`` for ``symbol`` as a tuple, or None."""
    linear = _solve_linear(expr, symbol)
    if linear is not None:
        return _real_closed_forms(linear, symbol)
    try:
        solution_set = sympy.solveset(expr, symbol, domain=sympy.S.Reals)
    except (NotImplementedError, TypeError, ValueError):
        # e.g. a Piecewise with conditions on two variables (np.maximum(y - x, c)): no
        # closed form, so the numeric search takes over
        return None
    if isinstance(solution_set, sympy.Intersection):
        finite = [arg for arg in solution_set.args if isinstance(arg, sympy.FiniteSet)]
        others = [arg for arg in solution_set.args if not isinstance(arg, sympy.FiniteSet)]
        if len(finite) != 1 or any(not isinstance(o, (sympy.Interval, type(sympy.S.Reals)))
                                   for o in others):
            return None
        solution_set = finite[0]
    if not isinstance(solution_set, sympy.FiniteSet):
        return None
    return _real_closed_forms(tuple(solution_set.args), symbol)


def _real_closed_forms(solutions, symbol):
    """``solutions`` when each is a real closed form free of ``symbol``, else None."""
    for sol in solutions:
        if (sol.has(symbol) or sol.has(sympy.I) or sol.has(sympy.Piecewise)
                or sol.has(sympy.CRootOf) or sol.has(sympy.zoo) or sol.has(sympy.nan)):
            return None
    return solutions


def _singular_zeros(expr, symbol, solutions, other):
    """Values of ``other`` where the solutions of ``expr = 0`` for ``symbol`` miss roots.

    Two kinds: zeros of a denominator of a solution (``g`` is undefined there, e.g.
    ``x y^2 + y - x = 0`` gives ``y = (-1 + sqrt(1 + 4 x^2)) / (2 x)``), and zeros of a
    factor of ``expr`` free of ``symbol`` (``x (y - 1) = 0`` gives only ``y = 1``; the
    line ``x = 0`` solves it for every ``y``).

    Returns
    -------
    tuple of sympy.Expr
        Free of ``symbol`` and ``other``; zeros SymPy cannot find in closed form are
        left out (the numeric search around undefined grid nodes still covers them).
    """
    factors = [sympy.fraction(sympy.together(sol))[1] for sol in solutions]
    try:
        numerator = sympy.fraction(sympy.together(expr))[0]
        factors += [factor for factor, _ in sympy.factor_list(numerator)[1]
                    if not factor.has(symbol)]
    except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError):
        pass
    zeros = []
    for factor in factors:
        if not factor.has(other):
            continue
        for value in _solve_real(factor, other) or ():
            if not value.has(symbol) and value not in zeros:
                zeros.append(value)
    return tuple(zeros)


def _numpy_function(args, expr, cse=False):
    """``sympy.lambdify`` to numpy, without the docstring (it prints every expression once
    more, about a fifth of the time of each of the dozen lambdify calls of a first analysis).
    """
    return sympy.lambdify(args, expr, modules="numpy", cse=cse, docstring_limit=0)


def _floats(values):
    """A point's coordinates as Python floats.

    Iterating over an array gives numpy scalars, on which lambdified scalar code
    runs about four times slower than on floats (the single-point evaluations
    of continuation make thousands of such calls).
    """
    if isinstance(values, np.ndarray):
        return values.tolist()
    return [float(v) for v in values]


def _broadcast_stack(values, shape):
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), shape) for v in values])


class ReducedSystem:
    """The equations ``f(x, p) = dx/dt`` of the target variables.

    Parameters
    ----------
    model : ModelView
        The model.
    unknowns : sequence of str
        Target variables (the state ``x``), in the order used everywhere.
    free : sequence of str
        Target parameters ``p`` (bifurcation parameters, or slow variables of
        a fast-slow analysis); may be empty.
    constants : dict
        Values of every other variable and parameter the derivatives need
        (including module constants that are to be changeable).
    options : dict
        Normalized analysis options (see :mod:`workbench.analysis.options`).
    log : callable
        ``log(message)`` for the verbose messages.
    """

    def __init__(self, model, unknowns, free, constants, options, log):
        self.model = model
        self.unknowns = tuple(unknowns)
        self.free = tuple(free)
        self.constant_names = tuple(constants)
        self._constants = {k: float(v) for k, v in constants.items()}
        self.options = options
        self._log = log
        self.dim = len(self.unknowns)
        self._exposed = tuple(n for n in self.free + self.constant_names if n in model.globals)
        self._symbolic = None
        self._symbolic_done = False
        self._f = None
        self._f_raw = None
        self._jac = None
        self._jac_raw = None
        self._dfdp_raw = None
        self._jet_raw = None
        self._kernels = None
        self._kernels_done = False
        self._last_differences = None
        self._residuals = None
        self._dfdp = None
        self._solutions = {}
        self._reduction = None
        self._reduction_done = False
        self.signature = (f'{model.name}({", ".join(self.unknowns + self.free)})')

    # ---------------------------------------------------------------- state
    @property
    def constants(self):
        """Current values of the constants (a copy).

        Returns
        -------
        dict
        """
        return dict(self._constants)

    def set_constants(self, values):
        """Change constant values; nothing is derived or compiled again.

        Parameters
        ----------
        values : dict
            ``{name: float}`` for names among :attr:`constant_names`.
        """
        for name, value in values.items():
            self._constants[name] = float(value)

    def _constant_args(self):
        return [self._constants[name] for name in self.constant_names]

    # ------------------------------------------------------------- symbolic
    @property
    def symbolic(self):
        """The model's SymPy view (dict) or None.

        Returns
        -------
        dict or None
        """
        if not self._symbolic_done:
            self._symbolic = self.model.symbolic(self._exposed)
            self._symbolic_done = True
        return self._symbolic

    def _symbols(self, names):
        return [self.symbolic["symbols"][n] for n in names]

    def _arg_symbols(self):
        return self._symbols(self.unknowns + self.free + self.constant_names)

    def _lambdify(self, expr, args=None):
        args = self._arg_symbols() if args is None else args
        return _numpy_function(args, expr, cse=True)

    # ----------------------------------------------------------- evaluation
    def _build_f_raw(self):
        if self.symbolic is not None:
            exprs = [self.symbolic["expressions"][v] for v in self.unknowns]
            func = self._lambdify(exprs)

            def f_raw(X, P):
                return func(*X, *P, *self._constant_args())
        else:
            rhs = self.model.numeric_derivative(self._exposed)
            names = self.unknowns + self.free

            def f_raw(X, P):
                env = dict(self._constants)
                env.update(zip(names, list(X) + list(P)))
                with np.errstate(all="ignore"):
                    out = rhs(env)
                return [out[v] for v in self.unknowns]
        return f_raw

    def f_raw(self, X, P=()):
        """Evaluate ``dx/dt`` as a list of per-unknown values, without broadcasting.

        The fast path of time stepping: entries may be scalars where a
        derivative does not depend on the arguments.

        Parameters
        ----------
        X, P : sequences of array_like
            As for :meth:`f`.

        Returns
        -------
        list
        """
        if self._f_raw is None:
            self._f_raw = self._build_f_raw()
        return self._f_raw(X, P)

    def kernels(self):
        """The compiled kernels of :func:`~workbench.analysis.compiled.system_kernels`.

        Built once (each compiles on its first call); the constants are an
        argument, so :meth:`set_constants` never compiles again.

        Returns
        -------
        module or None
            With ``rk4_chunk`` and ``newton_equilibria``, or None for a model
            without SymPy expressions or with numba disabled.
        """
        if not self._kernels_done:
            if self.symbolic is not None:
                from .compiled import system_kernels
                self._kernels = system_kernels(
                    [self.symbolic["expressions"][v] for v in self.unknowns],
                    self._symbols(self.unknowns), self._symbols(self.free),
                    self._symbols(self.constant_names))
            self._kernels_done = True
        return self._kernels

    def _build_f(self):
        def f(X, P):
            shape = np.broadcast_shapes(*(np.shape(a) for a in list(X) + list(P)))
            return _broadcast_stack(self.f_raw(X, P), shape)
        return f

    def f(self, X, P=()):
        """Evaluate ``dx/dt`` (vectorized).

        Parameters
        ----------
        X : sequence of array_like
            One array per unknown (broadcastable).
        P : sequence of array_like
            One array per free parameter.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_unknowns, *broadcast shape)``.
        """
        if self._f is None:
            self._f = self._build_f()
        return self._f(X, P)

    def _log_derivatives(self):
        for _ in self.unknowns:
            for var in self.unknowns:
                self._log(f'SymPy solve derivative of "{self.signature}" by "{var}", success.')

    def _build_jacobian(self):
        if self.symbolic is not None:
            exprs = sympy.Matrix([self.symbolic["expressions"][v] for v in self.unknowns])
            matrix = exprs.jacobian(self._symbols(self.unknowns))
            self._log_derivatives()
            func = self._lambdify(list(matrix))
            self._jac_raw = func
            n = self.dim

            def jac(X, P):
                shape = np.broadcast_shapes(*(np.shape(a) for a in list(X) + list(P)))
                flat = _broadcast_stack(func(*X, *P, *self._constant_args()), shape)
                return np.moveaxis(flat.reshape((n, n) + shape), (0, 1), (-2, -1))
            return jac
        return self._finite_difference(by_unknown=True)

    def _finite_difference(self, by_unknown):
        """Central differences of f with respect to the unknowns or the free parameters."""
        step = self.options["perturbation"]
        names = self.unknowns if by_unknown else self.free

        def jac(X, P):
            X = [np.asarray(x, dtype=float) for x in X]
            P = [np.asarray(p, dtype=float) for p in P]
            columns = []
            for i in range(len(names)):
                target = X if by_unknown else P
                h = step * (1.0 + np.abs(target[i]))
                plus, minus = list(target), list(target)
                plus[i] = target[i] + h
                minus[i] = target[i] - h
                if by_unknown:
                    high, low = self.f(plus, P), self.f(minus, P)
                else:
                    high, low = self.f(X, plus), self.f(X, minus)
                columns.append((high - low) / (2.0 * h))
            out = np.stack(columns, axis=1)     # (n, m, *shape)
            return np.moveaxis(out, (0, 1), (-2, -1))
        return jac

    def jacobian(self, X, P=()):
        """Jacobian ``df/dx`` (vectorized).

        Parameters
        ----------
        X, P : sequences of array_like
            As for :meth:`f`.

        Returns
        -------
        numpy.ndarray
            Shape ``(*broadcast shape, n, n)``.
        """
        if self._jac is None:
            self._jac = self._build_jacobian()
        return self._jac(X, P)

    def _build_dfdp(self):
        if self.symbolic is not None and self.free:
            exprs = sympy.Matrix([self.symbolic["expressions"][v] for v in self.unknowns])
            matrix = exprs.jacobian(self._symbols(self.free))
            func = self._lambdify(list(matrix))
            self._dfdp_raw = func
            n, m = self.dim, len(self.free)

            def dfdp(X, P):
                shape = np.broadcast_shapes(*(np.shape(a) for a in list(X) + list(P)))
                flat = _broadcast_stack(func(*X, *P, *self._constant_args()), shape)
                return np.moveaxis(flat.reshape((n, m) + shape), (0, 1), (-2, -1))
            return dfdp
        return self._finite_difference(by_unknown=False)

    def dfdp(self, X, P):
        """Derivative of f with respect to the free parameters (vectorized).

        Parameters
        ----------
        X, P : sequences of array_like

        Returns
        -------
        numpy.ndarray
            Shape ``(*broadcast shape, n, m)``.
        """
        if self._dfdp is None:
            self._dfdp = self._build_dfdp()
        return self._dfdp(X, P)

    # ------------------------------------------------------ single points
    def f_point(self, x, p=()):
        """``dx/dt`` at one point (fast path of continuation).

        Parameters
        ----------
        x : sequence of float
            Values of the unknowns.
        p : sequence of float
            Values of the free parameters.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``.
        """
        return np.array(self.f_raw(_floats(x), _floats(p)), dtype=float)

    def jacobian_point(self, x, p=()):
        """``df/dx`` at one point, shape ``(n, n)``."""
        if self._jac is None:
            self._jac = self._build_jacobian()
        if self._jac_raw is None:
            return self._differences_point(x, p)[:, :self.dim]
        entries = self._jac_raw(*_floats(x), *_floats(p), *self._constant_args())
        return np.array(entries, dtype=float).reshape(self.dim, self.dim)

    def dfdp_point(self, x, p):
        """``df/dp`` at one point, shape ``(n, m)``."""
        if self._dfdp is None:
            self._dfdp = self._build_dfdp()
        if self._dfdp_raw is None:
            return self._differences_point(x, p)[:, self.dim:]
        entries = self._dfdp_raw(*_floats(x), *_floats(p), *self._constant_args())
        return np.array(entries, dtype=float).reshape(self.dim, len(self.free))

    def point_jet(self, x, p=()):
        """``f`` and ``[df/dx | df/dp]`` at one point, from one call (continuation's corrector).

        The values are those of :meth:`f_point`, :meth:`jacobian_point` and
        :meth:`dfdp_point`; on the symbolic path all of them come from one
        lambdified function (one Python call per Newton iteration instead of three).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Shapes ``(n,)`` and ``(n, n + m)``.
        """
        if self.symbolic is None:
            return self.f_point(x, p), self._differences_point(x, p)
        if self._jet_raw is None:
            self.jacobian_point(x, p)        # derived (and logged) as before
            exprs = sympy.Matrix([self.symbolic["expressions"][v] for v in self.unknowns])
            matrix = exprs.jacobian(self._symbols(self.unknowns + self.free))
            self._jet_raw = self._lambdify(list(exprs) + list(matrix))
        n = self.dim
        values = np.array(self._jet_raw(*_floats(x), *_floats(p), *self._constant_args()),
                          dtype=float)
        return values[:n], values[n:].reshape(n, -1)

    def _differences_point(self, x, p):
        """``[df/dx, df/dp]`` at one point by central differences, in one vectorized call.

        The last result is kept: continuation asks for both blocks at the same point.
        """
        key = (tuple(np.asarray(x, dtype=float)), tuple(np.asarray(p, dtype=float)),
               tuple(self._constant_args()))
        if self._last_differences is not None and self._last_differences[0] == key:
            return self._last_differences[1]
        u = np.concatenate([np.asarray(x, dtype=float), np.asarray(p, dtype=float)])
        h = self.options["perturbation"] * (1.0 + np.abs(u))
        shifts = np.concatenate([np.diag(h), -np.diag(h)])          # (2k, k)
        probes = u + shifts
        n = self.dim
        values = self.f(list(probes[:, :n].T), list(probes[:, n:].T))   # (n, 2k)
        k = u.size
        block = (values[:, :k] - values[:, k:]) / (2.0 * h)
        self._last_differences = (key, block)
        return block

    # ---------------------------------------------------------- residuals
    def residuals(self):
        """One-dimensional residuals whose roots are the equilibria, or None.

        For a 1-D system the residual is ``f`` itself; for a 2-D system with a
        SymPy :meth:`reduction` ``y = g_k(x, p)`` there is one residual per
        solution branch, the other equation with ``g_k`` substituted.

        Returns
        -------
        list of Residual or None
            None for a 2-D system without reduction (or higher dimensions).
        """
        if self._residuals is not None:
            return self._residuals
        if self.dim == 1:
            name = self.unknowns[0]
            expr = self.symbolic["expressions"][name] if self.symbolic is not None else None
            self._residuals = [Residual(self, name, expr, None, None)]
        elif self.dim == 2 and self.reduction() is not None:
            reduction = self.reduction()
            search = [u for u in self.unknowns if u != reduction.variable][0]
            remaining = [u for u in self.unknowns if u != reduction.equation][0]
            expr = self.symbolic["expressions"][remaining]
            symbol = self.symbolic["symbols"][reduction.variable]
            self._residuals = [Residual(self, search, expr.xreplace({symbol: sol}), reduction, k)
                               for k, sol in enumerate(reduction.expressions)]
        return self._residuals

    # ---------------------------------------------------------- SymPy solve
    def _describe_solve(self, variable):
        others = [u for u in self.unknowns if u != variable]
        target = f'{variable} = f({", ".join(others)}, {", ".join(self.free)})'
        return f'SymPy solve "{self.signature} = 0" to "{target}"'

    def solve(self, equation, variable):
        """Solve ``d(equation)/dt = 0`` for ``variable`` with SymPy (cached).

        Parameters
        ----------
        equation : str
            An unknown; its derivative is set to zero.
        variable : str
            The unknown to solve for.

        Returns
        -------
        Solution or None
            None when SymPy is escaped, the model is not symbolic, SymPy timed
            out or found no closed-form real solution set.
        """
        key = (equation, variable)
        if key in self._solutions:
            return self._solutions[key]
        solution = None
        if not self.options["escape_sympy_solver"] and self.symbolic is not None:
            expr = self.symbolic["expressions"][equation]
            symbol = self.symbolic["symbols"][variable]
            description = self._describe_solve(variable)
            others = [u for u in self.unknowns if u != variable]
            other = self.symbolic["symbols"][others[0]] if len(others) == 1 else None
            timeout = self.options["sympy_solver_timeout"]
            zeros = ()
            try:
                found = call_with_timeout(_solve_real, (expr, symbol), timeout)
            except SolverTimeout:
                self._log(f"{description}, failed because of timeout.")
                found = None
            if found and other is not None:
                try:
                    zeros = call_with_timeout(_singular_zeros, (expr, symbol, found, other),
                                              timeout)
                except SolverTimeout:
                    # the numeric search around undefined grid nodes stands in for them
                    zeros = ()
            else:
                if not found:
                    self._log(f"{description}, failed: no closed-form real solution.")
            if found:
                self._log(f"{description}, success.")
                args = self._symbols(others + list(self.free) + list(self.constant_names))
                functions = [_numpy_function(args, sol) for sol in found]
                fixed = self._symbols(list(self.free) + list(self.constant_names))
                singular = [_numpy_function(fixed, zero) for zero in zeros]
                solution = Solution(equation, variable, found, functions, singular)
        self._solutions[key] = solution
        return solution

    def evaluate_solution(self, solution, branch, others, P=()):
        """Evaluate one branch of a :class:`Solution`.

        Parameters
        ----------
        solution : Solution
        branch : int
            Index into ``solution.functions``.
        others : sequence of array_like
            Values of the unknowns other than ``solution.variable``.
        P : sequence of array_like
            Free parameter values.

        Returns
        -------
        numpy.ndarray
            Values (NaN where the expression is not real and finite).
        """
        shape = np.broadcast_shapes(*(np.shape(a) for a in list(others) + list(P)))
        with np.errstate(all="ignore"):
            value = solution.functions[branch](*others, *P, *self._constant_args())
            value = np.broadcast_to(np.asarray(value), shape)
            if np.iscomplexobj(value):
                value = np.where(np.abs(value.imag) > 0.0, np.nan, value.real)
            value = np.asarray(value, dtype=float)
        return np.where(np.isfinite(value), value, np.nan)

    def singular_values(self, solution, P, batch):
        """Values of the searched unknown where a branch of ``solution`` is undefined.

        Parameters
        ----------
        solution : Solution
        P : sequence of numpy.ndarray
            Free parameter values, each of shape ``(batch,)``.
        batch : int

        Returns
        -------
        numpy.ndarray
            Shape ``(len(solution.singular), batch)``; NaN where a value is not real.
        """
        out = np.full((len(solution.singular), batch), np.nan)
        for j, function in enumerate(solution.singular):
            with np.errstate(all="ignore"):
                value = np.asarray(function(*P, *self._constant_args()))
            if np.iscomplexobj(value):
                value = np.where(np.abs(value.imag) > 0.0, np.nan, value.real)
            out[j] = np.broadcast_to(np.asarray(value, dtype=float), (batch,))
        return out

    def reduction(self):
        """A solution of one equation for one unknown, to reduce a 2-D search to 1-D.

        Tries the equations and unknowns in the order (second equation, second
        unknown), (first, second), (second, first), (first, first); the first
        success is used.

        Returns
        -------
        Solution or None
        """
        if self._reduction_done:
            return self._reduction
        self._reduction_done = True
        if self.dim == 2:
            x, y = self.unknowns
            for equation, variable in ((y, y), (x, y), (y, x), (x, x)):
                solution = self.solve(equation, variable)
                if solution is not None:
                    self._reduction = solution
                    break
        return self._reduction
