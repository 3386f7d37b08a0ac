"""Butcher tableaus of the Runge-Kutta methods, as checked data.

Every method is one frozen dataclass instance. Coefficients are exact
:class:`fractions.Fraction` values wherever the method has rational
coefficients; creation validates the tableau (row sums equal ``c``, the weights
sum to one, embedded error weights sum to zero, the declared order satisfies
the Butcher order conditions), so a typo in a coefficient cannot ship.

:class:`ButcherTableau` describes explicit (optionally embedded) ODE methods;
:class:`SRITableau` describes Rößler's stochastic Runge-Kutta methods for Ito
SDEs with scalar noise. The code generator (:mod:`.codegen`) turns either into
the source of a step function.
"""

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from ..errors import IntegratorError

__all__ = ["ButcherTableau", "SRITableau", "ODE_TABLEAUS", "SRI_TABLEAUS", "rk2_tableau",
           "achieved_order", "rooted_trees"]

#: Tolerance of the checks for tableaus with floating-point coefficients.
FLOAT_TOLERANCE = 1e-12


def _frac(value):
    """An exact Fraction for ints, Fractions and strings; floats stay floats."""
    if isinstance(value, (Fraction, int)):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(value)
    return float(value)


def _is_exact(values):
    return all(isinstance(v, Fraction) for v in values)


def _equal(a, b, exact):
    return a == b if exact else abs(float(a) - float(b)) <= FLOAT_TOLERANCE * max(1.0, abs(float(b)))


def _square(rows, stages):
    """Pad lower-triangular rows to a full ``stages x stages`` tuple of tuples."""
    full = []
    for row in rows:
        row = tuple(_frac(v) for v in row)
        full.append(row + (Fraction(0),) * (stages - len(row)))
    return tuple(full)


# --------------------------------------------------------------------------------------------
# Butcher order conditions, from rooted trees
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def rooted_trees(order):
    """All rooted trees with ``order`` vertices.

    A tree is the sorted tuple of its children's subtrees; the single vertex is ``()``.

    Parameters
    ----------
    order : int
        Number of vertices (>= 1).

    Returns
    -------
    tuple of tuple
        The distinct trees.
    """
    if order == 1:
        return ((),)
    return tuple(sorted({tuple(sorted(children)) for children in _forests(order - 1)}))


def _forests(total):
    """Every sequence of trees whose vertex counts add up to ``total``."""
    if total == 0:
        yield ()
        return
    for size in range(1, total + 1):
        for tree in rooted_trees(size):
            for rest in _forests(total - size):
                yield (tree,) + rest


def _tree_size(tree):
    return 1 + sum(_tree_size(child) for child in tree)


def _density(tree):
    """Butcher's density gamma(t): |t| times the densities of the children."""
    result = _tree_size(tree)
    for child in tree:
        result *= _density(child)
    return result


def _stage_weights(tree, A, c):
    """Phi_i(t) for every stage i: the product over children of sum_j a_ij Phi_j(child)."""
    stages = len(c)
    result = [Fraction(1) if isinstance(c[0], Fraction) else 1.0] * stages
    for child in tree:
        child_weights = _stage_weights(child, A, c)
        for i in range(stages):
            result[i] = result[i] * sum(A[i][j] * child_weights[j] for j in range(stages))
    return result


def achieved_order(weights, A, c, max_order=6):
    """Highest order whose Butcher order conditions the weights satisfy.

    Parameters
    ----------
    weights : sequence
        The quadrature weights ``b``.
    A : sequence of sequences
        The full (square) Runge-Kutta matrix.
    c : sequence
        The nodes.
    max_order : int, optional
        Stop checking beyond this order.

    Returns
    -------
    int
        The largest p such that sum_i b_i Phi_i(t) = 1 / gamma(t) for every
        rooted tree t with at most p vertices (exactly for Fractions, to
        :data:`FLOAT_TOLERANCE` otherwise).
    """
    exact = _is_exact(list(weights) + list(c) + [v for row in A for v in row])
    order = 0
    for p in range(1, max_order + 1):
        for tree in rooted_trees(p):
            phi = _stage_weights(tree, A, c)
            value = sum(b * w for b, w in zip(weights, phi))
            if not _equal(value, Fraction(1, _density(tree)), exact):
                return order
        order = p
    return order


# --------------------------------------------------------------------------------------------
# Explicit Runge-Kutta tableaus
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ButcherTableau:
    """An explicit Runge-Kutta method, optionally with an embedded error estimate.

    Parameters
    ----------
    name : str
        The registry key (the manual's keyword, e.g. ``'rk4'``).
    title : str
        A readable name, e.g. ``"Classical fourth-order Runge-Kutta"``.
    A : tuple of tuple
        The Runge-Kutta matrix; rows may be given lower-triangular (shorter).
    b : tuple
        Weights of the solution that is propagated.
    c : tuple
        Nodes (stage times as fractions of the step).
    order : int
        Order of the propagated solution.
    b_embedded : tuple, optional
        Weights of the embedded solution used to estimate the local error.
    embedded_order : int, optional
        Order of the embedded solution.
    reference : str, optional
        One-line literature reference.
    b_estimate : tuple, optional
        Weights of the solution that adaptive steps compare the propagated one
        with to estimate its local error, when that is not ``b_embedded``.
    estimate_order : int, optional
        Order of the ``b_estimate`` solution.

    Raises
    ------
    IntegratorError
        If the tableau is inconsistent (shape, explicitness, row sums, weight
        sums, or an order that the coefficients do not reach).
    """

    name: str
    title: str
    A: tuple
    b: tuple
    c: tuple
    order: int
    b_embedded: tuple = None
    embedded_order: int = None
    reference: str = ""
    b_estimate: tuple = None
    estimate_order: int = None
    b_error: tuple = field(init=False)

    def __post_init__(self):
        stages = len(self.b)
        set_ = object.__setattr__      # frozen dataclass: normalise once here
        set_(self, "b", tuple(_frac(v) for v in self.b))
        set_(self, "c", tuple(_frac(v) for v in self.c))
        if len(self.A) != stages or len(self.c) != stages:
            raise IntegratorError(f"Tableau {self.name!r}: A has {len(self.A)} rows and c has "
                                  f"{len(self.c)} entries, but b has {stages} weights.")
        if any(len(row) > stages for row in self.A):
            raise IntegratorError(f"Tableau {self.name!r}: a row of A is longer than {stages}.")
        set_(self, "A", _square(self.A, stages))
        if self.b_embedded is not None:
            set_(self, "b_embedded", tuple(_frac(v) for v in self.b_embedded))
            if len(self.b_embedded) != stages:
                raise IntegratorError(f"Tableau {self.name!r}: b_embedded has "
                                      f"{len(self.b_embedded)} weights, expected {stages}.")
            if self.b_estimate is not None:
                set_(self, "b_estimate", tuple(_frac(v) for v in self.b_estimate))
            compared = self.b_embedded if self.b_estimate is None else self.b_estimate
            if len(compared) != stages:
                raise IntegratorError(f"Tableau {self.name!r}: b_estimate has {len(compared)} "
                                      f"weights, expected {stages}.")
            set_(self, "b_error", tuple(x - y for x, y in zip(self.b, compared)))
        else:
            set_(self, "b_error", None)
        self._validate()

    @property
    def exact(self):
        """True when every coefficient is an exact Fraction."""
        coefficients = list(self.b) + list(self.c) + [v for row in self.A for v in row]
        for extra in (self.b_embedded, self.b_estimate):
            if extra is not None:
                coefficients += list(extra)
        return _is_exact(coefficients)

    def _validate(self):
        exact = self.exact
        stages = self.stages
        for i, row in enumerate(self.A):
            if any(row[j] != 0 for j in range(i, stages)):
                raise IntegratorError(f"Tableau {self.name!r}: row {i + 1} of A has entries on or "
                                      f"above the diagonal; only explicit methods are supported.")
            if not _equal(sum(row), self.c[i], exact):
                raise IntegratorError(f"Tableau {self.name!r}: row {i + 1} of A sums to "
                                      f"{sum(row)}, but c[{i}] = {self.c[i]}.")
        if not _equal(sum(self.b), 1, exact):
            raise IntegratorError(f"Tableau {self.name!r}: the weights b sum to {sum(self.b)}, "
                                  f"not 1.")
        got = achieved_order(self.b, self.A, self.c, max_order=self.order)
        if got < self.order:
            raise IntegratorError(f"Tableau {self.name!r}: declared order {self.order}, but the "
                                  f"weights b only satisfy the order conditions up to {got}.")
        if self.b_embedded is not None:
            if self.embedded_order is None:
                raise IntegratorError(f"Tableau {self.name!r}: give `embedded_order` together "
                                      f"with `b_embedded`.")
            if not _equal(sum(self.b_error), 0, exact):
                raise IntegratorError(f"Tableau {self.name!r}: the error weights b - b_embedded "
                                      f"sum to {sum(self.b_error)}, not 0.")
            got = achieved_order(self.b_embedded, self.A, self.c, max_order=self.embedded_order)
            if got < self.embedded_order:
                raise IntegratorError(f"Tableau {self.name!r}: declared embedded order "
                                      f"{self.embedded_order}, but b_embedded only reaches {got}.")
            if self.b_estimate is not None:
                if self.estimate_order is None:
                    raise IntegratorError(f"Tableau {self.name!r}: give `estimate_order` "
                                          f"together with `b_estimate`.")
                got = achieved_order(self.b_estimate, self.A, self.c,
                                     max_order=self.estimate_order)
                if got < self.estimate_order:
                    raise IntegratorError(f"Tableau {self.name!r}: declared estimate order "
                                          f"{self.estimate_order}, but b_estimate only reaches "
                                          f"{got}.")

    @property
    def stages(self):
        """Number of stages (derivative evaluations of a full step)."""
        return len(self.b)

    @property
    def is_embedded(self):
        """True when the tableau carries an error estimate (usable with ``adaptive=True``)."""
        return self.b_embedded is not None

    @property
    def fsal(self):
        """First Same As Last: the last stage is evaluated at the new solution.

        For such methods the last stage does not contribute to the propagated
        solution, so a fixed step skips it (see :meth:`needed_stages`).
        """
        last = self.stages - 1
        return (self.stages > 1 and self.c[last] == 1 and self.b[last] == 0
                and all(self.A[last][j] == self.b[j] for j in range(self.stages)))

    @property
    def error_exponent_order(self):
        """The order q in the local error estimate ``err ~ dt**(q + 1)`` (the lower order)."""
        if not self.is_embedded:
            return self.order
        compared = self.embedded_order if self.b_estimate is None else self.estimate_order
        return min(self.order, compared)

    def needed_stages(self, with_error=False):
        """Indices of the stages that influence the result.

        Parameters
        ----------
        with_error : bool
            Also keep the stages that the error estimate needs.

        Returns
        -------
        tuple of int
            Stage indices in increasing order. Stages with zero weight that no
            later needed stage reads (e.g. the FSAL stage of ``rkdp`` in a fixed
            step) are left out.
        """
        weights = self.b_error if with_error and self.is_embedded else None
        needed = {i for i, w in enumerate(self.b) if w != 0}
        if weights is not None:
            needed |= {i for i, w in enumerate(weights) if w != 0}
        for i in range(self.stages - 1, -1, -1):
            if i in needed:
                needed |= {j for j in range(i) if self.A[i][j] != 0}
        needed.add(0)
        return tuple(sorted(needed))


def rk2_tableau(beta=Fraction(2, 3)):
    """The generic second-order Runge-Kutta method with parameter ``beta``.

    Parameters
    ----------
    beta : float or Fraction, optional
        Position of the second stage, in (0, 1]. ``1/2`` gives the midpoint
        method, ``1`` Heun's method, the default ``2/3`` Ralston's method.

    Returns
    -------
    ButcherTableau

    Raises
    ------
    IntegratorError
        If ``beta`` is not a number in (0, 1].
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float, Fraction)):
        raise IntegratorError(f"`beta`={beta!r} must be a number in (0, 1].")
    if not (0 < beta <= 1):
        raise IntegratorError(f"`beta`={beta!r} must be in (0, 1]; beta = 1/2 is the midpoint "
                              f"method, 1 is Heun's, 2/3 is Ralston's.")
    beta = Fraction(beta) if isinstance(beta, (int, Fraction)) else float(beta)
    return ButcherTableau(
        name="rk2", title=f"Generic second-order Runge-Kutta (beta={beta})",
        A=((), (beta,)), b=(1 - 1 / (2 * beta), 1 / (2 * beta)), c=(0, beta), order=2,
        reference="Butcher, Numerical Methods for ODEs (2016), sec. 232.")


F = Fraction
_SQRT5 = math.sqrt(5.0)

_ODE_TABLEAU_LIST = [
    ButcherTableau("euler", "Forward Euler", A=((),), b=(1,), c=(0,), order=1,
                   reference="Euler (1768)."),
    ButcherTableau("midpoint", "Explicit midpoint", A=((), (F(1, 2),)), b=(0, 1), c=(0, F(1, 2)),
                   order=2, reference="Runge (1895)."),
    ButcherTableau("heun2", "Heun's second-order (explicit trapezoid)", A=((), (1,)),
                   b=(F(1, 2), F(1, 2)), c=(0, 1), order=2, reference="Heun (1900)."),
    ButcherTableau("ralston2", "Ralston's second-order", A=((), (F(2, 3),)),
                   b=(F(1, 4), F(3, 4)), c=(0, F(2, 3)), order=2,
                   reference="Ralston, Math. Comput. 16 (1962) 431-437."),
    ButcherTableau("rk3", "Classical third-order Runge-Kutta",
                   A=((), (F(1, 2),), (-1, 2)), b=(F(1, 6), F(2, 3), F(1, 6)),
                   c=(0, F(1, 2), 1), order=3, reference="Kutta (1901)."),
    ButcherTableau("heun3", "Heun's third-order", A=((), (F(1, 3),), (0, F(2, 3))),
                   b=(F(1, 4), 0, F(3, 4)), c=(0, F(1, 3), F(2, 3)), order=3,
                   reference="Heun (1900)."),
    ButcherTableau("ralston3", "Ralston's third-order", A=((), (F(1, 2),), (0, F(3, 4))),
                   b=(F(2, 9), F(1, 3), F(4, 9)), c=(0, F(1, 2), F(3, 4)), order=3,
                   reference="Ralston, Math. Comput. 16 (1962) 431-437."),
    ButcherTableau("ssprk3", "Third-order strong stability preserving (Shu-Osher)",
                   A=((), (1,), (F(1, 4), F(1, 4))), b=(F(1, 6), F(1, 6), F(2, 3)),
                   c=(0, 1, F(1, 2)), order=3,
                   reference="Shu & Osher, J. Comput. Phys. 77 (1988) 439-471."),
    ButcherTableau("rk4", "Classical fourth-order Runge-Kutta",
                   A=((), (F(1, 2),), (0, F(1, 2)), (0, 0, 1)),
                   b=(F(1, 6), F(1, 3), F(1, 3), F(1, 6)), c=(0, F(1, 2), F(1, 2), 1), order=4,
                   reference="Kutta (1901)."),
    # Ralston's minimum-error coefficients are irrational; the manual prints them to
    # 8 decimals. Here they are the closed forms in sqrt(5), correct to machine precision.
    ButcherTableau("ralston4", "Ralston's fourth-order (minimum error bound)",
                   A=((), (0.4,),
                      ((-2889 + 1428 * _SQRT5) / 1024, (3785 - 1620 * _SQRT5) / 1024),
                      ((-3365 + 2094 * _SQRT5) / 6040, (-975 - 3046 * _SQRT5) / 2552,
                       (467040 + 203968 * _SQRT5) / 240845)),
                   b=((263 + 24 * _SQRT5) / 1812, (125 - 1000 * _SQRT5) / 3828,
                      1024 * (3346 + 1623 * _SQRT5) / 5924787, (30 - 4 * _SQRT5) / 123),
                   c=(0.0, 0.4, 7 / 8 - 3 * _SQRT5 / 16, 1.0), order=4,
                   reference="Ralston, Math. Comput. 16 (1962) 431-437."),
    ButcherTableau("rk4_38rule", "Kutta's 3/8-rule fourth-order",
                   A=((), (F(1, 3),), (F(-1, 3), 1), (1, -1, 1)),
                   b=(F(1, 8), F(3, 8), F(3, 8), F(1, 8)), c=(0, F(1, 3), F(2, 3), 1), order=4,
                   reference="Kutta (1901)."),
    # Embedded pairs: `b` is the higher-order solution that is propagated (local
    # extrapolation), `b_embedded` the lower-order one used for the error estimate.
    # Fehlberg's pair differs by h/512 (k3 - k1): an O(h^2) term with a tiny constant that
    # sees neither solution's O(h^3/6) error once h*|f'| > ~0.01, so adaptive steps grew until
    # the local error was ~100x tol (tests/integrators/test_adaptive.py). The propagated
    # second-order solution is compared instead with the trapezoid rule on the same stages
    # (k3 is evaluated at t + h): their difference h*255/256*(k2 - (k1 + k3)/2) is O(h^3), as
    # the propagated solution's error, and 3x resp. 1.5x its two leading terms.
    ButcherTableau("rkf12", "Runge-Kutta-Fehlberg 1(2)",
                   A=((), (F(1, 2),), (F(1, 256), F(255, 256))),
                   b=(F(1, 512), F(255, 256), F(1, 512)), c=(0, F(1, 2), 1), order=2,
                   b_embedded=(F(1, 256), F(255, 256), 0), embedded_order=1,
                   b_estimate=(F(1, 2), 0, F(1, 2)), estimate_order=2,
                   reference="Fehlberg, NASA TR R-315 (1969)."),
    ButcherTableau("heun_euler", "Heun-Euler 2(1)", A=((), (1,)), b=(F(1, 2), F(1, 2)), c=(0, 1),
                   order=2, b_embedded=(1, 0), embedded_order=1,
                   reference="Hairer, Norsett & Wanner, Solving ODEs I (1993), II.4."),
    ButcherTableau("bs", "Bogacki-Shampine 3(2)",
                   A=((), (F(1, 2),), (0, F(3, 4)), (F(2, 9), F(1, 3), F(4, 9))),
                   b=(F(2, 9), F(1, 3), F(4, 9), 0), c=(0, F(1, 2), F(3, 4), 1), order=3,
                   b_embedded=(F(7, 24), F(1, 4), F(1, 3), F(1, 8)), embedded_order=2,
                   reference="Bogacki & Shampine, Appl. Math. Lett. 2 (1989) 321-325."),
    ButcherTableau("rkf45", "Runge-Kutta-Fehlberg 4(5)",
                   A=((), (F(1, 4),), (F(3, 32), F(9, 32)),
                      (F(1932, 2197), F(-7200, 2197), F(7296, 2197)),
                      (F(439, 216), -8, F(3680, 513), F(-845, 4104)),
                      (F(-8, 27), 2, F(-3544, 2565), F(1859, 4104), F(-11, 40))),
                   b=(F(16, 135), 0, F(6656, 12825), F(28561, 56430), F(-9, 50), F(2, 55)),
                   c=(0, F(1, 4), F(3, 8), F(12, 13), 1, F(1, 2)), order=5,
                   b_embedded=(F(25, 216), 0, F(1408, 2565), F(2197, 4104), F(-1, 5), 0),
                   embedded_order=4, reference="Fehlberg, NASA TR R-315 (1969)."),
    ButcherTableau("ck", "Cash-Karp 5(4)",
                   A=((), (F(1, 5),), (F(3, 40), F(9, 40)), (F(3, 10), F(-9, 10), F(6, 5)),
                      (F(-11, 54), F(5, 2), F(-70, 27), F(35, 27)),
                      (F(1631, 55296), F(175, 512), F(575, 13824), F(44275, 110592),
                       F(253, 4096))),
                   b=(F(37, 378), 0, F(250, 621), F(125, 594), 0, F(512, 1771)),
                   c=(0, F(1, 5), F(3, 10), F(3, 5), 1, F(7, 8)), order=5,
                   b_embedded=(F(2825, 27648), 0, F(18575, 48384), F(13525, 55296),
                               F(277, 14336), F(1, 4)), embedded_order=4,
                   reference="Cash & Karp, ACM TOMS 16 (1990) 201-222."),
    ButcherTableau("rkdp", "Dormand-Prince 5(4)",
                   A=((), (F(1, 5),), (F(3, 40), F(9, 40)), (F(44, 45), F(-56, 15), F(32, 9)),
                      (F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729)),
                      (F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176), F(-5103, 18656)),
                      (F(35, 384), 0, F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84))),
                   b=(F(35, 384), 0, F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84), 0),
                   c=(0, F(1, 5), F(3, 10), F(4, 5), F(8, 9), 1, 1), order=5,
                   b_embedded=(F(5179, 57600), 0, F(7571, 16695), F(393, 640),
                               F(-92097, 339200), F(187, 2100), F(1, 40)), embedded_order=4,
                   reference="Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19-26."),
]

#: Every Runge-Kutta tableau, by the manual's keyword. ``rk2`` holds the default
#: ``beta = 2/3``; :func:`rk2_tableau` builds other members of that family.
ODE_TABLEAUS = {t.name: t for t in _ODE_TABLEAU_LIST}
ODE_TABLEAUS["rk2"] = rk2_tableau()

#: Keywords of the embedded pairs that support ``adaptive=True``.
EMBEDDED_METHODS = tuple(sorted(name for name, t in ODE_TABLEAUS.items() if t.is_embedded))


# --------------------------------------------------------------------------------------------
# Stochastic Runge-Kutta (SRI) tableaus for Ito SDEs with scalar noise
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SRITableau:
    """A stochastic Runge-Kutta method of Rößler's SRI family (Ito, scalar noise).

    One step from ``X`` with step ``h`` and Wiener increment ``dW`` reads::

        H0_i = X + h sum_j A0_ij f(H0_j) + (I10 / h) sum_j B0_ij g(H1_j)
        H1_i = X + h sum_j A1_ij f(H0_j) + sqrt(h) sum_j B1_ij g(H1_j)
        X'   = X + h sum_i alpha_i f(H0_i)
                 + sum_i (beta1_i I1 + beta2_i I11 / sqrt(h) + beta3_i I10 / h
                          + beta4_i I111 / h) g(H1_i)

    with the iterated Ito integrals ``I1 = dW``, ``I11 = (dW**2 - h) / 2``,
    ``I111 = (dW**3 - 3 h dW) / 6`` and ``I10`` (time integral of the Wiener
    increment). Stage times are ``t + c0_i h`` for ``f`` and ``t + c1_i h`` for ``g``.

    Parameters
    ----------
    name, title : str
        Registry key and readable name.
    A0, A1, B0, B1 : tuple of tuple
        Stage matrices (explicit: strictly lower triangular).
    alpha, beta1, beta2, beta3, beta4 : tuple
        Weights.
    c0, c1 : tuple
        Stage times of the drift and the diffusion evaluations.
    strong_order : float
        The strong order of convergence.
    weak_order : float
        The weak (deterministic) order.
    reference : str
        One-line literature reference.

    Raises
    ------
    IntegratorError
        If the tableau is not explicit, its rows do not sum to the nodes, or
        the weights violate the consistency conditions (``sum(alpha) = 1``,
        ``sum(beta1) = 1``, ``sum(beta2) = sum(beta3) = sum(beta4) = 0``).
    """

    name: str
    title: str
    A0: tuple
    A1: tuple
    B0: tuple
    B1: tuple
    alpha: tuple
    beta1: tuple
    beta2: tuple
    beta3: tuple
    beta4: tuple
    c0: tuple
    c1: tuple
    strong_order: float
    weak_order: float
    reference: str = ""

    def __post_init__(self):
        stages = len(self.alpha)
        set_ = object.__setattr__
        for key in ("alpha", "beta1", "beta2", "beta3", "beta4", "c0", "c1"):
            values = tuple(_frac(v) for v in getattr(self, key))
            if len(values) != stages:
                raise IntegratorError(f"SRI tableau {self.name!r}: `{key}` has {len(values)} "
                                      f"entries, expected {stages}.")
            set_(self, key, values)
        for key in ("A0", "A1", "B0", "B1"):
            matrix = getattr(self, key)
            if len(matrix) != stages or any(len(row) > stages for row in matrix):
                raise IntegratorError(f"SRI tableau {self.name!r}: `{key}` must be "
                                      f"{stages} x {stages}.")
            matrix = _square(matrix, stages)
            for i, row in enumerate(matrix):
                if any(row[j] != 0 for j in range(i, stages)):
                    raise IntegratorError(f"SRI tableau {self.name!r}: `{key}` row {i + 1} is "
                                          f"not strictly lower triangular.")
            set_(self, key, matrix)
        for matrix_key, nodes_key in (("A0", "c0"), ("A1", "c1")):
            matrix, nodes = getattr(self, matrix_key), getattr(self, nodes_key)
            for i in range(stages):
                if sum(matrix[i]) != nodes[i]:
                    raise IntegratorError(f"SRI tableau {self.name!r}: row {i + 1} of "
                                          f"`{matrix_key}` sums to {sum(matrix[i])}, but "
                                          f"{nodes_key}[{i}] = {nodes[i]}.")
        for key, total in (("alpha", 1), ("beta1", 1), ("beta2", 0), ("beta3", 0), ("beta4", 0)):
            if sum(getattr(self, key)) != total:
                raise IntegratorError(f"SRI tableau {self.name!r}: `{key}` sums to "
                                      f"{sum(getattr(self, key))}, not {total}.")

    @property
    def stages(self):
        """Number of stages."""
        return len(self.alpha)

    @property
    def uses_time_integral(self):
        """True when the scheme needs the iterated integral I10 (besides dW)."""
        return any(v != 0 for v in self.beta3) or any(v != 0 for row in self.B0 for v in row)


_SRI_TABLEAU_LIST = [
    SRITableau("srk1w1_scalar", "Rößler SRI1W1 (strong 1.5, weak 2.0)",
               A0=((), (F(3, 4),), (0, 0), (0, 0, 0)),
               A1=((), (F(1, 4),), (1, 0), (0, 0, F(1, 4))),
               B0=((), (F(3, 2),), (0, 0), (0, 0, 0)),
               B1=((), (F(1, 2),), (-1, 0), (-5, 3, F(1, 2))),
               alpha=(F(1, 3), F(2, 3), 0, 0),
               beta1=(-1, F(4, 3), F(2, 3), 0), beta2=(-1, F(4, 3), F(-1, 3), 0),
               beta3=(2, F(-4, 3), F(-2, 3), 0), beta4=(-2, F(5, 3), F(-2, 3), 1),
               c0=(0, F(3, 4), 0, 0), c1=(0, F(1, 4), 1, F(1, 4)),
               strong_order=1.5, weak_order=2.0,
               reference="Rößler, SIAM J. Numer. Anal. 48 (2010) 922-952, table 5.2 (SRI1)."),
    SRITableau("srk2w1_scalar", "Rößler SRI2W1 (strong 1.5, weak 3.0)",
               A0=((), (1,), (F(1, 4), F(1, 4)), (0, 0, 0)),
               A1=((), (F(1, 4),), (1, 0), (0, 0, F(1, 4))),
               B0=((), (0,), (1, F(1, 2)), (0, 0, 0)),
               B1=((), (F(-1, 2),), (1, 0), (2, -1, F(1, 2))),
               alpha=(F(1, 6), F(1, 6), F(2, 3), 0),
               beta1=(-1, F(4, 3), F(2, 3), 0), beta2=(1, F(-4, 3), F(1, 3), 0),
               beta3=(2, F(-4, 3), F(-2, 3), 0), beta4=(-2, F(5, 3), F(-2, 3), 1),
               c0=(0, 1, F(1, 2), 0), c1=(0, F(1, 4), 1, F(1, 4)),
               strong_order=1.5, weak_order=3.0,
               reference="Rößler, SIAM J. Numer. Anal. 48 (2010) 922-952, table 5.2 (SRI2)."),
    # Platen's derivative-free order 1.0 scheme written as an SRI tableau: the second
    # diffusion stage sits at X + f h + g sqrt(h) and beta2 forms the Milstein term.
    SRITableau("KlPl_scalar", "Kloeden-Platen derivative-free Milstein (strong 1.0)",
               A0=((), (0,)), A1=((), (1,)), B0=((), (0,)), B1=((), (1,)),
               alpha=(1, 0), beta1=(1, 0), beta2=(-1, 1), beta3=(0, 0), beta4=(0, 0),
               c0=(0, 0), c1=(0, 1), strong_order=1.0, weak_order=1.0,
               reference="Kloeden & Platen, Numerical Solution of SDEs (1995), eq. 11.1.5."),
]

#: Stochastic Runge-Kutta tableaus by the manual's keyword.
SRI_TABLEAUS = {t.name: t for t in _SRI_TABLEAU_LIST}
