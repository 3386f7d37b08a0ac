"""Pseudo-arclength continuation of periodic orbits in (orbit, period, parameter).

:class:`CycleTracer` follows a branch of collocated periodic orbits
(:mod:`.collocation`): tangent predictor, Newton corrector on the bordered
system ``[collocation; integral phase condition; pseudo-arclength]`` solved
with a sparse LU, step size adapted to the Newton iterations and the turning
angle, mesh adapted every few steps (:mod:`.mesh`), Floquet multipliers at
every point (:mod:`.floquet`). The pseudo-arclength metric is the discrete L2
norm of the profile scaled by the variables' ranges plus the parameter scaled
by its range; the period is left out of it (as AUTO's demos do with THL), so
steps stay finite where the period grows without bound.

The branch stops when the parameter leaves its range, the orbit shrinks to
an equilibrium (another Hopf point), the period exceeds ``period_limit``
times the smallest period seen (a homoclinic or SNIC end), or Newton fails at
the smallest step (the message says where).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.linalg import splu

from . import banded
from .collocation import Collocation, _monomial_coefficients, _uniform_table
from .floquet import floquet_multipliers
from .mesh import adapted_mesh, remesh
from .regula_falsi import illinois

__all__ = ["CycleTracer", "CycleState", "TracedBranch"]


class _SuperLU:
    """SuperLU's factorization with the update of :class:`.banded.BorderedLU` (numba off)."""

    def __init__(self, lu):
        self.lu = lu

    def __bool__(self):
        return self.lu is not None

    def solve(self, rhs):
        return self.lu.solve(rhs)

    def update(self, dX, F, T, z, z_pred, phase_row, last_row, inverse_unit):
        size = phase_row.size
        rhs = np.empty(size + 2)
        rhs[:size] = (dX - T * F).ravel()
        rhs[size] = phase_row @ z[:size]
        rhs[size + 1] = last_row @ (z - z_pred)
        dz = self.lu.solve(rhs)
        return z - dz, np.max(np.abs(dz) * inverse_unit)


@dataclass
class CycleState:
    """One point of a cycle branch (mutable working state of the tracer)."""

    collocation: Collocation
    U: np.ndarray           # profile (N m, n)
    period: float
    parameter: float
    tangent: np.ndarray     # (N m n + 2,) in unscaled coordinates
    multipliers: np.ndarray = None

    def vector(self):
        return np.concatenate([self.U.ravel(), [self.period, self.parameter]])


@dataclass
class TracedBranch:
    """What :meth:`CycleTracer.trace` returns."""

    parameter: list = field(default_factory=list)
    period: list = field(default_factory=list)
    maxima: list = field(default_factory=list)
    minima: list = field(default_factory=list)
    multipliers: list = field(default_factory=list)
    special: list = field(default_factory=list)    # (kind, index along branch, dict, multipliers)
    end: str = ""                                   # why the branch stopped
    message: str = ""
    states: list = field(default_factory=list)      # first and last CycleState


def _parabola_peak(a, b, c):
    """Largest value of the parabola through three equally spaced values (``b`` the largest)."""
    curvature = a - 2.0 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(curvature < 0.0, b - 0.125 * (c - a) ** 2 / curvature, b)


def extremes(collocation, U):
    """Largest and smallest value of each variable on the orbit.

    The piecewise polynomial is sampled 8 times per interval, then 33 times
    around the best sample, and a parabola through the best three values
    gives the extreme (its error is far below the collocation error). With
    numba on, :func:`.banded.extremes` runs the same steps compiled.
    """
    per_interval = 8
    if banded.available():
        return banded.extremes(collocation, U, _uniform_table(collocation.degree, per_interval),
                               _monomial_coefficients(collocation.degree))
    dense = collocation.dense(U, per_interval=per_interval)
    times = collocation.dense_times(per_interval)
    n = collocation.dim
    # rows: the maximum of every variable, then the minimum of every variable
    signs = np.repeat([1.0, -1.0], n)
    columns = np.tile(np.arange(n), 2)
    best = np.concatenate([np.argmax(dense, axis=0), np.argmin(dense, axis=0)])
    left = np.where(best > 0, times[best - 1], times[-1] - 1.0)
    right = np.where(best + 1 < len(times), times[np.minimum(best + 1, len(times) - 1)],
                     1.0 + times[0])
    fine = left[:, None] + (right - left)[:, None] * np.linspace(0.0, 1.0, 33)[None, :]
    values = collocation.evaluate(U, fine.ravel()).reshape(2 * n, 33, n)
    v = signs[:, None] * values[np.arange(2 * n), :, columns]            # (2 n, 33)
    j = np.clip(np.argmax(v, axis=1), 1, v.shape[1] - 2)
    rows = np.arange(2 * n)
    peaks = signs * _parabola_peak(v[rows, j - 1], v[rows, j], v[rows, j + 1])
    return peaks[:n], peaks[n:]


class CycleTracer:
    """Continuation of one branch of periodic orbits.

    Parameters
    ----------
    problem : OrbitProblem
    parameter_range : (float, float)
        The branch stops when the parameter leaves it.
    scale : numpy.ndarray
        Typical size of each variable (their ranges), shape ``(n,)``.
    intervals, degree : int
        Mesh intervals ``N`` and collocation degree ``m`` (AUTO's NTST, NCOL).
    ds, ds_min, ds_max : float
        Steps in the scaled metric.
    max_steps : int
    period_limit : float
        Stop (homoclinic end) when the period exceeds this many times the
        smallest period on the branch.
    adapt_every : int
        Steps between mesh adaptations.
    tol : float
        Newton stops when the largest update, relative to the variables'
        ranges, the period and the parameter range, is below it.
    max_iterations : int
        Newton iterations per step (chord iterations reuse the last
        factorization while they contract fast).
    easy_iterations : int
        A step that converged in at most this many iterations grows the
        next one by 1.5; four more halve it.
    """

    def __init__(self, problem, parameter_range, scale, intervals=40, degree=4, ds=0.02,
                 ds_min=1e-6, ds_max=0.15, max_steps=600, period_limit=40.0, adapt_every=3,
                 tol=1e-9, max_iterations=12, easy_iterations=5):
        self.problem = problem
        self.low, self.high = (float(v) for v in parameter_range)
        self.pspan = self.high - self.low
        self.scale = np.asarray(scale, dtype=float)
        self.intervals, self.degree = int(intervals), int(degree)
        self.ds, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.max_steps = max_steps
        self.period_limit = period_limit
        self.adapt_every = adapt_every
        self.tol = tol
        self.max_iterations = max_iterations
        self.easy_iterations = easy_iterations
        self._weights = None
        # the compiled factorization and Gauss-point values (numba on), else numpy and SuperLU
        self._compiled = banded.available()

    # -------------------------------------------------------------- metric
    def weights(self, collocation):
        """Diagonal of the pseudo-arclength metric for ``(U, T, p)``."""
        cached = self._weights
        if cached is not None and cached[0] is collocation:
            return cached[1]      # one mesh serves several steps
        node = collocation.node_weights()[:, None] / self.scale[None, :] ** 2
        w = np.concatenate([node.ravel(), [0.0, 1.0 / self.pspan ** 2]])
        w.setflags(write=False)
        self._weights = (collocation, w)
        return w

    def _norm(self, collocation, vector):
        return float(np.sqrt(np.sum(self.weights(collocation) * vector ** 2)))

    # ------------------------------------------------------------- Newton
    def _at_gauss(self, collocation, U):
        if self._compiled:
            return banded.at_gauss(collocation, U)
        return collocation.at_gauss(U)

    def _newton_matrix(self, collocation, U, T, p, phase_row, last_row):
        """``du/dtau`` and ``f`` at the Gauss points and the bordered Jacobian's LU (or None)."""
        problem = self.problem
        X, dX = self._at_gauss(collocation, U)
        F = problem.f(X, p)
        J = problem.jacobian(X, p)
        Fp = problem.dfdp(X, p)
        if self._compiled and collocation.size + 2 <= banded.MAX_SIZE:
            return dX, F, banded.factor_bordered(collocation, J, T, F, Fp, phase_row, last_row)
        return dX, F, _SuperLU(self._factor(collocation.bordered_matrix(J, T, F, Fp, phase_row,
                                                                        last_row)))

    def correct(self, collocation, z_pred, tangent, phase_row, fixed_parameter=False):
        """Newton on the orbit, the phase condition and the hyperplane normal to ``tangent``.

        With ``fixed_parameter`` the last equation fixes the parameter instead.

        Returns
        -------
        (numpy.ndarray or None, int, object, numpy.ndarray)
            Corrected vector, iterations, LU factorization, Jacobians at the Gauss points.
        """
        w = self.weights(collocation)
        size = collocation.size
        last_row = np.zeros(size + 2)
        if fixed_parameter:
            last_row[-1] = 1.0
        else:
            last_row[:] = w * tangent
        z = z_pred.copy()
        inverse_unit = 1.0 / np.concatenate([np.tile(self.scale, size // self.problem.dim),
                                             [max(abs(z[size]), 1e-12), self.pspan]])
        lu, previous = None, np.inf
        for iteration in range(1, self.max_iterations + 1):
            U = z[:size].reshape(-1, self.problem.dim)
            if lu is None:
                dX, F, lu = self._newton_matrix(collocation, U, z[size], z[size + 1],
                                                phase_row, last_row)
                if not lu:
                    return None, iteration, None, None
            else:
                # chord iteration: the factorization of an earlier iterate, a new residual
                X, dX = self._at_gauss(collocation, U)
                F = self.problem.f(X, z[size + 1])
            z, change = lu.update(dX, F, z[size], z, z_pred, phase_row, last_row, inverse_unit)
            if not np.isfinite(change):     # a non-finite residual gives a non-finite update
                return None, iteration, None, None
            if z[size] <= 0.0:
                return None, iteration, None, None
            ratio = change / previous if previous < np.inf else 1.0
            # chord iterations contract linearly: about change * ratio / (1 - ratio) is left
            # after this update. When that is a tenth of the tolerance, the next update would
            # pass the test below: stop now (the step control counts that iteration, so the
            # steps are those of the plain test)
            predicted = ratio < 0.25 and change * ratio < 0.1 * self.tol * (1.0 - ratio)
            if change < self.tol or predicted:
                # the multipliers need the Jacobian at the converged point; the tangent comes
                # from the last factorization (an earlier iterate of this step: it only
                # steers the next predictor)
                U = z[:size].reshape(-1, self.problem.dim)
                X, _ = self._at_gauss(collocation, U)
                return (z, iteration + (change >= self.tol), lu,
                        self.problem.jacobian(X, z[size + 1]))
            if change > 0.25 * previous:
                lu = None           # slow contraction: a fresh Newton matrix next
            previous = change
        return None, iteration, None, None

    @staticmethod
    def _factor(matrix):
        """SuperLU's factorization (numba off), None when singular or not finite."""
        if not np.all(np.isfinite(matrix.data)):
            return None
        try:
            # the natural order: the blocks already form a narrow cyclic band plus two
            # border rows, and a fill-reducing permutation costs more than it saves here
            # (partial pivoting is kept)
            return splu(matrix, permc_spec="NATURAL")
        except RuntimeError:         # exactly singular
            return None

    def tangent(self, collocation, lu, previous):
        """Unit tangent at a corrected point from the last factorization (same orientation)."""
        rhs = np.zeros(collocation.size + 2)
        rhs[-1] = 1.0
        t = lu.solve(rhs)
        norm = self._norm(collocation, t)
        t = t / norm
        if np.sum(self.weights(collocation) * t * previous) < 0.0:
            t = -t
        return t

    # ------------------------------------------------------------ starts
    def start_from_hopf(self, x, p, eigenvalue, eigenvector):
        """The state at a Hopf point and the tangent into the bifurcating cycles.

        Parameters
        ----------
        x : numpy.ndarray
            The equilibrium at the Hopf point.
        p : float
            The parameter at the Hopf point.
        eigenvalue : complex
            ``i omega`` (omega > 0).
        eigenvector : numpy.ndarray
            Its eigenvector (complex).

        Returns
        -------
        (CycleState, numpy.ndarray)
            The (constant) starting orbit and the phase reference profile.
        """
        collocation = Collocation(self.problem.dim, self.intervals, self.degree)
        times = collocation.node_times()
        omega = abs(float(np.imag(eigenvalue)))
        psi = np.real(np.asarray(eigenvector)[None, :] * np.exp(2j * np.pi * times)[:, None])
        U = np.tile(np.asarray(x, dtype=float), (len(times), 1))
        tangent = np.concatenate([psi.ravel(), [0.0, 0.0]])
        tangent /= self._norm(collocation, tangent)
        state = CycleState(collocation, U, 2.0 * np.pi / omega, float(p), tangent)
        return state, psi

    def start_from_orbit(self, times, values, period, p):
        """A state from a sampled orbit (one period), corrected at fixed parameter.

        Parameters
        ----------
        times : numpy.ndarray
            Sample times of one period, shape ``(k,)``.
        values : numpy.ndarray
            Samples, shape ``(k, n)``.
        period : float
        p : float

        Returns
        -------
        CycleState or None
            None when Newton does not converge onto a periodic orbit.
        """
        collocation = Collocation(self.problem.dim, self.intervals, self.degree)
        phase = (np.asarray(times, dtype=float) - times[0]) / period
        keep = phase < 1.0
        phase, values = np.append(phase[keep], 1.0), np.vstack([values[keep], values[:1]])
        nodes = collocation.node_times()
        U = np.stack([np.interp(nodes, phase, values[:, i]) for i in range(values.shape[1])],
                     axis=1)
        for _ in range(2):   # a mesh suited to the orbit's shape, then correct again
            z0 = np.concatenate([U.ravel(), [period, p]])
            z, _, lu, J = self.correct(collocation, z0, np.zeros_like(z0),
                                       collocation.integral_weights(U), fixed_parameter=True)
            if z is None:
                return None
            U, period = z[:collocation.size].reshape(-1, self.problem.dim), z[-2]
            collocation, U, _ = remesh(collocation, U, [], adapted_mesh(collocation, U, self.scale))
        z0 = np.concatenate([U.ravel(), [period, p]])
        z, _, lu, J = self.correct(collocation, z0, np.zeros_like(z0),
                                   collocation.integral_weights(U), fixed_parameter=True)
        if z is None:
            return None
        rhs = np.zeros(collocation.size + 2)
        rhs[-1] = 1.0
        tangent = lu.solve(rhs)      # the direction with d(parameter) = 1
        tangent /= self._norm(collocation, tangent)
        U = z[:collocation.size].reshape(-1, self.problem.dim)
        return CycleState(collocation, U, z[-2], z[-1], tangent,
                          floquet_multipliers(collocation, J.reshape(self._gauss_shape(collocation)),
                                              z[-2]))

    def _gauss_shape(self, collocation):
        n = self.problem.dim
        return (collocation.intervals, collocation.degree, n, n)

    # -------------------------------------------------------------- march
    def _record(self, branch, state):
        high, low = extremes(state.collocation, state.U)
        branch.parameter.append(state.parameter)
        branch.period.append(state.period)
        branch.maxima.append(high)
        branch.minima.append(low)
        branch.multipliers.append(state.multipliers)

    def step(self, state, ds, phase_row):
        """One predictor-corrector step of arclength ``ds`` from ``state``.

        Returns
        -------
        (CycleState or None, int)
            The new state (None when Newton failed) and the iterations used.
        """
        collocation = state.collocation
        z_pred = state.vector() + ds * state.tangent
        z, iterations, lu, J = self.correct(collocation, z_pred, state.tangent, phase_row)
        if z is None:
            return None, iterations
        size = collocation.size
        new = CycleState(collocation, z[:size].reshape(-1, self.problem.dim), z[size],
                         z[size + 1], self.tangent(collocation, lu, state.tangent))
        new.multipliers = floquet_multipliers(collocation, J, new.period)
        return new, iterations

    def trace(self, state, phase_reference, locate):
        """Follow the branch from ``state`` along its tangent.

        Parameters
        ----------
        state : CycleState
            The first point (its multipliers may be None at a Hopf point).
        phase_reference : numpy.ndarray
            Profile whose derivative defines the first phase condition.
        locate : callable
            ``locate(tracer, previous, new, ds, phase_row) -> list`` of special
            points ``(kind, state, test data)`` found between two states.

        Returns
        -------
        TracedBranch
        """
        branch = TracedBranch()
        from_hopf = state.multipliers is None
        if not from_hopf:
            self._record(branch, state)
        branch.states.append(state)
        phase_row = state.collocation.integral_weights(phase_reference)
        ds = self.ds
        smallest_period = state.period
        amplitude0, last_span = None, None
        for count in range(self.max_steps):
            new, iterations = self.step(state, ds, phase_row)
            if new is not None:
                turn = np.sum(self.weights(new.collocation) * new.tangent * state.tangent)
                if turn < 0.9 and ds > 4.0 * self.ds_min:
                    new = None           # sharp turn: resolve it with smaller steps
            if new is None:
                ds *= 0.5
                if ds < self.ds_min:
                    branch.end = "failed"
                    branch.message = (f"periodic-orbit continuation did not converge beyond "
                                      f"parameter = {state.parameter:.10g} (period "
                                      f"{state.period:.6g}, last step {2.0 * ds:.3g}); the branch "
                                      f"computed so far is returned")
                    break
                continue
            if from_hopf and not branch.parameter:
                # the Hopf point itself: a zero-amplitude orbit with the new point's multipliers
                first = CycleState(state.collocation, state.U, state.period, state.parameter,
                                   state.tangent, new.multipliers)
                self._record(branch, first)
            outside = not self.low <= new.parameter <= self.high
            if outside:
                # end exactly on the edge of the range (the plots clip nothing)
                bound = self.high if new.parameter > self.high else self.low
                new = self._at_parameter(state, new, ds, phase_row, bound) or new
            for item in locate(self, state, new, ds, phase_row):
                branch.special.append((item[0], len(branch.parameter)) + tuple(item[1:]))
            previous, state = state, new
            self._record(branch, state)
            smallest_period = min(smallest_period, state.period)
            span = np.max((branch.maxima[-1] - branch.minima[-1]) / self.scale)
            amplitude0 = span if amplitude0 is None else max(amplitude0, span)
            if outside:
                branch.end = "range"
                break
            if (count > 3 and last_span is not None and last_span < 0.05 * amplitude0
                    and span > last_span):
                # passed through zero amplitude: a Hopf point ends the branch; the last
                # point is the same family of orbits again (shifted by half a period)
                for key in ("parameter", "period", "maxima", "minima", "multipliers"):
                    getattr(branch, key).pop()
                branch.special = [item for item in branch.special
                                  if item[1] < len(branch.parameter)]
                state = previous
                branch.end = "hopf"
                break
            last_span = span
            if state.period > self.period_limit * smallest_period:
                branch.end = "homoclinic"
                break
            phase_row = state.collocation.integral_weights(state.U)
            # chord iterations converge linearly: five of them is an easy step
            if iterations <= self.easy_iterations:
                ds = min(1.5 * ds, self.ds_max)
            elif iterations >= self.easy_iterations + 4:
                ds = max(0.5 * ds, self.ds_min)
            if count % self.adapt_every == self.adapt_every - 1:
                state = self._adapt(state)
                phase_row = state.collocation.integral_weights(state.U)
        else:
            branch.end = "steps"
        branch.states.append(state)
        return branch

    def _at_parameter(self, previous, new, ds, phase_row, bound, max_iter=30):
        """The state between ``previous`` and ``new`` where the parameter equals ``bound``.

        Regula falsi (Illinois) on the arclength from ``previous``; None when a
        corrector solve fails.
        """
        g_a, g_b = previous.parameter - bound, new.parameter - bound
        if g_a * g_b > 0.0:
            return None

        def evaluate(s):
            state, _ = self.step(previous, s, phase_row)
            return (None, None) if state is None else (state, state.parameter - bound)

        return illinois(evaluate, ds, g_a, g_b,
                        lambda s_a, s_b, g: abs(g) <= 1e-12 * self.pspan, max_iter)

    def _adapt(self, state):
        size = state.collocation.size
        n = self.problem.dim
        tangent_profile = state.tangent[:size].reshape(-1, n)
        mesh = adapted_mesh(state.collocation, state.U, self.scale)
        collocation, U, (tU,) = remesh(state.collocation, state.U, [tangent_profile], mesh)
        tangent = np.concatenate([tU.ravel(), state.tangent[size:]])
        tangent /= self._norm(collocation, tangent)
        return CycleState(collocation, U, state.period, state.parameter, tangent,
                          state.multipliers)
