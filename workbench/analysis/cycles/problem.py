"""The vector field of a one-parameter system seen by the cycle continuation.

:class:`OrbitProblem` evaluates ``f``, ``df/dx`` and ``df/dp`` of a
:class:`~workbench.analysis.system.ReducedSystem` with one free parameter on
many points at once (the Gauss points of a collocated orbit): one call per
Newton iteration, with the model's constants as arguments, so changing a
constant (a slider) compiles nothing. Models without source text use the
system's central differences, the same numeric path as the rest of the
analysis.
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

    def f(self, X, p):
        """``f`` at points ``X`` of shape ``(..., n)``, same shape."""
        flat = X.reshape(-1, self.dim)
        # the raw evaluation with a scalar parameter: the corrector calls this on every
        # iteration, and the general path's broadcasting costs more than the arithmetic
        values = self.system.f_raw(list(flat.T), [float(p)])
        out = np.empty((self.dim, len(flat)))
        for i, value in enumerate(values):
            out[i] = value          # broadcasts entries that do not depend on the state
        return out.T.reshape(X.shape)

    def jacobian(self, X, p):
        """``df/dx`` at points ``X`` of shape ``(..., n)``: shape ``(..., n, n)``."""
        flat = X.reshape(-1, self.dim)
        out = self.system.jacobian(list(flat.T), [float(p)])
        return np.asarray(out, dtype=float).reshape(X.shape + (self.dim,))

    def dfdp(self, X, p):
        """``df/dp`` at points ``X`` of shape ``(..., n)``, same shape."""
        flat = X.reshape(-1, self.dim)
        out = self.system.dfdp(list(flat.T), [float(p)])
        return np.asarray(out, dtype=float)[..., 0].reshape(X.shape)
