"""The vector field of a one-parameter system seen by the cycle continuation.

:class:`OrbitProblem` evaluates ``f``, ``df/dx`` and ``df/dp`` of a
:class:`~workbench.analysis.system.ReducedSystem` with one free parameter on
many points at once (the Gauss points of a collocated orbit): one call per
Newton iteration, with the model's constants as arguments, so changing a
constant (a slider) compiles nothing. ``f`` and ``df/dx`` of a model with
source text run in the system's compiled kernels (``rhs_many``,
``jac_many``: numba, disk-cached); models without source text use the
system's lambdified or numeric functions (central differences), the same
numeric path as the rest of the analysis.
"""

import numpy as np

__all__ = ["OrbitProblem"]


class OrbitProblem:
    """``f(x, p)`` and its derivatives on arrays of points.

    Parameters
    ----------
    system : ReducedSystem
        With exactly one free parameter.
    """

    def __init__(self, system):
        self.system = system
        self.dim = system.dim
        # the compiled kernels of a model with source text (None without, or with numba off)
        kernels = system.kernels() if hasattr(system, "kernels") else None
        self._kernels = kernels if hasattr(kernels, "rhs_many") else None

    def _kernel_arguments(self, X, p):
        flat = np.ascontiguousarray(X.reshape(-1, self.dim), dtype=float)
        constants = np.array(self.system._constant_args(), dtype=float).reshape(-1)
        return flat, np.array([float(p)]), constants

    def f(self, X, p):
        """``f`` at points ``X`` of shape ``(..., n)``, same shape."""
        if self._kernels is not None:
            return self._kernels.rhs_many(*self._kernel_arguments(X, p)).reshape(X.shape)
        flat = X.reshape(-1, self.dim)
        out = self.system.f(list(flat.T), [float(p)])
        return np.asarray(out, dtype=float).T.reshape(X.shape)

    def jacobian(self, X, p):
        """``df/dx`` at points ``X`` of shape ``(..., n)``: shape ``(..., n, n)``."""
        if self._kernels is not None:
            return self._kernels.jac_many(*self._kernel_arguments(X, p)).reshape(
                X.shape + (self.dim,))
        flat = X.reshape(-1, self.dim)
        out = self.system.jacobian(list(flat.T), [float(p)])
        return np.asarray(out, dtype=float).reshape(X.shape + (self.dim,))

    def dfdp(self, X, p):
        """``df/dp`` at points ``X`` of shape ``(..., n)``, same shape."""
        if self._kernels is not None:
            # central differences of the compiled f (as the numeric path and AUTO do): only
            # the Newton matrix and the tangent's direction use it, and two kernel calls
            # cost a quarter of the lambdified derivative on arrays
            flat, par, constants = self._kernel_arguments(X, p)
            step = 1e-6 * (1.0 + abs(float(p)))
            up = self._kernels.rhs_many(flat, par + step, constants)
            down = self._kernels.rhs_many(flat, par - step, constants)
            return ((up - down) / (2.0 * step)).reshape(X.shape)
        flat = X.reshape(-1, self.dim)
        out = self.system.dfdp(list(flat.T), [float(p)])
        return np.asarray(out, dtype=float)[..., 0].reshape(X.shape)
