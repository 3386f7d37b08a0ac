"""Compiled kernels of a symbolic :class:`~workbench.analysis.system.ReducedSystem`.

The limit-cycle searches of the bifurcation and fast-slow analyses step many
starts (each with its own parameter values) for a few hundred steps, and after
every chunk of steps ask Newton's method where the nearest equilibrium is. In
numpy, every step and every Newton iteration is a few calls of lambdified
functions on short arrays, so Python overhead dominates. Here the SymPy
right-hand side and its Jacobian are printed as scalar Python (after
common-subexpression elimination) into a generated module of numba
functions: ``rhs``, ``jac_into``, an RK4 loop over starts and steps
(``rk4_chunk``), a Newton loop over starts (``newton_equilibria``), and
``rhs_many`` / ``jac_many`` on many points with one parameter set (the
collocation points of a periodic orbit). The
parameters and the constants are arguments, so changing them never compiles
again; the module goes through
:func:`~workbench.backend.jit.load_generated_module` so numba's disk cache
serves later processes.

The arithmetic of one RK4 step is that of
:func:`workbench.analysis.simulate._rk4_step` (same stages and the same order of
the final sum), and Newton's iteration is that of
:func:`workbench.analysis.roots.newton` (same stopping rule; the linear solve is
Gaussian elimination with partial pivoting instead of LAPACK's), so both paths
agree to rounding.
"""

import numpy as np
import sympy
from sympy.printing.pycode import PythonCodePrinter

from ..backend.jit import is_jit_disabled, load_generated_module

__all__ = ["system_kernels", "kernels_source", "as_kernel_arguments"]

#: Gaussian elimination with partial pivoting on small dense systems (Newton's step).
_SOLVE_SOURCE = """
@jit
def solve_in_place(A, b):
    # A x = b for small n; b is overwritten by x. False when a pivot is zero.
    n = A.shape[0]
    for col in range(n):
        pivot = col
        best = abs(A[col, col])
        for row in range(col + 1, n):
            if abs(A[row, col]) > best:
                best = abs(A[row, col])
                pivot = row
        if best == 0.0:
            return False
        if pivot != col:
            for k in range(n):
                A[col, k], A[pivot, k] = A[pivot, k], A[col, k]
            b[col], b[pivot] = b[pivot], b[col]
        for row in range(col + 1, n):
            factor = A[row, col] / A[col, col]
            for k in range(col, n):
                A[row, k] -= factor * A[col, k]
            b[row] -= factor * b[col]
    for row in range(n - 1, -1, -1):
        total = b[row]
        for k in range(row + 1, n):
            total -= A[row, k] * b[k]
        b[row] = total / A[row, row]
    return True
"""


def _printer():
    return PythonCodePrinter({"fully_qualified_modules": True, "standard": "python3"})


def _print_block(exprs, indent):
    """CSE temporaries and the printed expressions, or None when not printable."""
    temporaries, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("t"))
    printer = _printer()
    try:
        lines = [f"{indent}{symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
        outputs = [printer.doprint(e) for e in reduced]
    except Exception:   # an expression SymPy cannot print as Python: use the numpy path
        return None
    if any("not supported" in line.lower() for line in lines + outputs):
        return None
    return lines, outputs


def kernels_source(expressions, unknowns, free, constants):
    """Source code of the generated kernel module.

    Parameters
    ----------
    expressions : list of sympy.Expr
        ``dx_i/dt`` per unknown.
    unknowns, free, constants : list of sympy.Symbol
        Arguments: the state, the per-start parameters and the shared constants.

    Returns
    -------
    str or None
        The module source, or None when an expression has symbols outside the
        arguments or cannot be printed as plain Python.
    """
    n, m, c = len(unknowns), len(free), len(constants)
    args = list(unknowns) + list(free) + list(constants)
    exprs = [sympy.sympify(e) for e in expressions]
    if any(not expr.free_symbols <= set(args) for expr in exprs):
        return None
    names = [f"x{i}" for i in range(n)] + [f"p{j}" for j in range(m)] + \
        [f"c{j}" for j in range(c)]
    plain = dict(zip(args, sympy.symbols(names)))
    exprs = [e.xreplace(plain) for e in exprs]
    state_symbols = [plain[u] for u in unknowns]
    jacobian = sympy.Matrix(exprs).jacobian(state_symbols)
    rhs_block = _print_block(exprs, "    ")
    jac_block = _print_block(list(jacobian), "    ")
    if rhs_block is None or jac_block is None:
        return None
    arguments = ", ".join(names)
    state = ", ".join(f"x{i}" for i in range(n))
    rest = "".join(f", {name}" for name in names[n:])
    lines = ["import math", "import numpy as np", "", "",
             "@jit", f"def rhs({arguments}):"]
    lines += rhs_block[0]
    lines.append(f"    return ({', '.join(f'float({o})' for o in rhs_block[1])},)")
    lines += ["", "", "@jit", f"def jac_into(J, {arguments}):"]
    lines += jac_block[0]
    lines += [f"    J[{k // n}, {k % n}] = {o}" for k, o in enumerate(jac_block[1])]
    lines += ["", "", _SOLVE_SOURCE.strip(), ""]
    # many points sharing one parameter set (the Gauss points of a collocated orbit)
    shared = [f"        p{j} = p[{j}]" for j in range(m)] + [f"        c{j} = C[{j}]" for j in range(c)]
    point = [f"        x{i} = X[point, {i}]" for i in range(n)]
    lines += ["", "@jit", "def rhs_many(X, p, C):",
              "    # X (k, n) states, p (m,) parameters shared by all points, C (c,) constants",
              "    out = np.empty(X.shape)",
              "    for point in range(X.shape[0]):"]
    lines += point + shared
    lines += [f"        {''.join(f'out[point, {i}], ' for i in range(n))}= rhs({arguments})",
              "    return out", "", ""]
    lines += ["@jit", "def jac_many(X, p, C):",
              "    # X (k, n) states, p (m,) shared parameters: df/dx (k, n, n)",
              f"    out = np.empty((X.shape[0], {n}, {n}))",
              "    for point in range(X.shape[0]):"]
    lines += point + shared
    lines += [f"        jac_into(out[point], {arguments})",
              "    return out", ""]
    load = [f"        x{i} = X[{i}, start]" for i in range(n)]
    load += [f"        p{j} = P[{j}, start]" for j in range(m)]
    load += [f"        c{j} = C[{j}]" for j in range(c)]

    lines += ["", "@jit", "def rk4_chunk(X, P, C, dt, steps):",
              "    # X (n, k) states, P (m, k) parameters, C (c,) constants",
              "    record = np.empty((steps, X.shape[0], X.shape[1]))",
              "    half = 0.5 * dt",
              "    sixth = dt / 6.0",
              "    for start in range(X.shape[1]):"]
    lines += load
    lines.append("        for step in range(steps):")
    # stages k1..k4 are named a, b, d, e; each evaluates rhs at x + shift * previous stage
    for stage, previous, shift in (("a", None, None), ("b", "a", "half"), ("d", "b", "half"),
                                   ("e", "d", "dt")):
        point = ", ".join(f"x{i}" if previous is None else f"x{i} + {shift} * {previous}{i}"
                          for i in range(n))
        targets = "".join(f"{stage}{i}, " for i in range(n))
        lines.append(f"            {targets}= rhs({point}{rest})")
    for i in range(n):
        lines.append(f"            x{i} = x{i} + sixth * (a{i} + 2.0 * b{i} + 2.0 * d{i} + e{i})")
        lines.append(f"            record[step, {i}, start] = x{i}")
    lines += ["    return record", "", ""]

    lines += ["@jit", "def newton_equilibria(X, P, C, tol, maxiter):",
              "    # X (n, k) starting states; returns equilibria (n, k) and convergence flags",
              "    out = X.copy()",
              "    converged = np.zeros(X.shape[1], dtype=np.bool_)",
              f"    J = np.empty(({n}, {n}))",
              f"    f = np.empty({n})",
              "    for start in range(X.shape[1]):"]
    lines += load
    lines += ["        for iteration in range(maxiter):",
              f"            {''.join(f'f{i}, ' for i in range(n))}= rhs({state}{rest})",
              f"            jac_into(J, {state}{rest})",
              f"            if not np.all(np.isfinite(J)) or not ({' and '.join(f'math.isfinite(f{i})' for i in range(n))}):",
              "                break"]
    lines += [f"            f[{i}] = f{i}" for i in range(n)]
    lines += ["            if not solve_in_place(J, f):",
              "                break",
              "            small = True"]
    for i in range(n):
        lines.append(f"            small = small and abs(f[{i}]) <= tol * (1.0 + abs(x{i}))")
        lines.append(f"            x{i} = x{i} - f[{i}]")
    lines += ["            if small:",
              "                converged[start] = True",
              "                break"]
    lines += [f"        out[{i}, start] = x{i}" for i in range(n)]
    lines.append("    return out, converged")
    return "\n".join(lines) + "\n"


def system_kernels(expressions, unknowns, free, constants):
    """The compiled kernel module of a symbolic system, or None.

    None when numba is disabled (``NUMBA_DISABLE_JIT=1``: the numpy path is
    faster than interpreted loops) or the expressions cannot be printed as
    plain Python; callers then use numpy.

    Parameters
    ----------
    expressions, unknowns, free, constants
        As for :func:`kernels_source`.

    Returns
    -------
    module or None
        With ``rk4_chunk(X (n, k), P (m, k), C (c,), dt, steps) -> record
        (steps, n, k)``, ``newton_equilibria(X (n, k), P, C, tol, maxiter)
        -> (equilibria (n, k), converged (k,))``, and ``rhs_many(X (k, n), p (m,),
        C) -> (k, n)`` and ``jac_many(X (k, n), p, C) -> (k, n, n)`` on points
        sharing one parameter set, called with contiguous float64 arrays, a
        float and an int; each compiles on its first call only.
    """
    if is_jit_disabled():
        return None
    source = kernels_source(expressions, unknowns, free, constants)
    if source is None:
        return None
    from ..backend.jit import jit
    return load_generated_module(source, "analysis_kernels", namespace={"jit": jit})


def as_kernel_arguments(X, P, constants):
    """Contiguous float64 ``X (n, k)``, ``P (m, k)`` and ``C (c,)`` for the kernel.

    Parameters
    ----------
    X : list of numpy.ndarray
        One ``(k,)`` array per unknown.
    P : list of array_like
        One ``(k,)`` array (or scalar) per free parameter.
    constants : list of float

    Returns
    -------
    tuple of numpy.ndarray
    """
    k = len(X[0])
    states = np.ascontiguousarray(np.stack([np.asarray(x, dtype=float) for x in X]))
    pars = np.empty((len(P), k))
    for j, p in enumerate(P):
        pars[j] = p
    return states, pars, np.array(constants, dtype=float).reshape(-1)
