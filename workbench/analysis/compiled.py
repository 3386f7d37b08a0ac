"""Compiled classical Runge-Kutta chunks of a symbolic :class:`~workbench.analysis.system.ReducedSystem`.

The limit-cycle searches of the bifurcation and fast-slow analyses step many
starts (each with its own parameter values) for a few hundred steps. In numpy,
every step is four calls of the lambdified right-hand side on short arrays, so
Python overhead dominates. Here the SymPy right-hand side is printed as scalar
Python (after common-subexpression elimination) into a generated module whose
two numba kernels are a scalar right-hand side and an RK4 loop over starts and
steps. The parameters and the constants are arguments, so changing them never
compiles again; the module goes through
:func:`~workbench.backend.jit.load_generated_module` so numba's disk cache
serves later processes.

The arithmetic of one step is that of :func:`workbench.analysis.simulate._rk4_step`
(same stages and the same order of the final sum), so both paths agree to
rounding.
"""

import numpy as np
import sympy
from sympy.printing.pycode import PythonCodePrinter

from ..backend.jit import is_jit_disabled, load_generated_module

__all__ = ["rk4_chunk_kernel", "rk4_chunk_source", "as_kernel_arguments"]


def _printer():
    return PythonCodePrinter({"fully_qualified_modules": True, "standard": "python3"})


def rk4_chunk_source(expressions, unknowns, free, constants):
    """Source code of the scalar right-hand side and the RK4 chunk kernel.

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
    if any(not expr.free_symbols <= set(args) for expr in expressions):
        return None
    names = [f"x{i}" for i in range(n)] + [f"p{j}" for j in range(m)] + \
        [f"c{j}" for j in range(c)]
    plain = dict(zip(args, sympy.symbols(names)))
    exprs = [sympy.sympify(e).xreplace(plain) for e in expressions]
    temporaries, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("t"))
    printer = _printer()
    body = []
    try:
        for symbol, value in temporaries:
            body.append(f"    {symbol} = {printer.doprint(value)}")
        outputs = [printer.doprint(e) for e in reduced]
    except Exception:   # an expression SymPy cannot print as Python: use the numpy path
        return None
    if any("not supported" in line.lower() for line in body + outputs):
        return None
    rhs_args = ", ".join(names)
    lines = ["import math", "import numpy as np", "", "",
             "@jit", f"def rhs({rhs_args}):"]
    lines += body
    lines.append(f"    return ({', '.join(f'float({o})' for o in outputs)},)")
    lines += ["", "", "@jit", "def rk4_chunk(X, P, C, dt, steps):",
              "    # X (n, k) states, P (m, k) parameters, C (c,) constants",
              "    record = np.empty((steps, X.shape[0], X.shape[1]))",
              "    half = 0.5 * dt",
              "    sixth = dt / 6.0",
              "    for start in range(X.shape[1]):"]
    lines += [f"        x{i} = X[{i}, start]" for i in range(n)]
    lines += [f"        p{j} = P[{j}, start]" for j in range(m)]
    lines += [f"        c{j} = C[{j}]" for j in range(c)]
    rest = "".join(f", {name}" for name in names[n:])
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
    lines.append("    return record")
    return "\n".join(lines) + "\n"


def rk4_chunk_kernel(expressions, unknowns, free, constants):
    """A compiled ``rk4_chunk(X, P, C, dt, steps) -> record (steps, n, k)``, or None.

    None when numba is disabled (``NUMBA_DISABLE_JIT=1``: the numpy path is
    faster than interpreted loops) or the expressions cannot be printed as
    plain Python; callers then use the numpy RK4.

    Parameters
    ----------
    expressions, unknowns, free, constants
        As for :func:`rk4_chunk_source`.

    Returns
    -------
    callable or None
        Called with contiguous float64 arrays ``X (n, k)``, ``P (m, k)``,
        ``C (c,)``, a float ``dt`` and an int ``steps``; compiles on its first
        call only.
    """
    if is_jit_disabled():
        return None
    source = rk4_chunk_source(expressions, unknowns, free, constants)
    if source is None:
        return None
    from ..backend.jit import jit
    module = load_generated_module(source, "analysis_rk4", namespace={"jit": jit})
    return module.rk4_chunk


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
