"""Short simulations for the analyses: trajectories, limit cycles, cycle envelopes.

Trajectories are integrated with the user's integrals themselves (their method
and ``dt``), vectorized over several initial points. Plain derivative
functions, adaptive integrals and integrals whose module constants are varied
by the analysis are stepped with the classical Runge-Kutta method at the
integral's ``dt`` (or the backend's default ``dt``) instead.

Limit cycles are recognised by returns to a Poincare section (upward
crossings of the mid-level of the most oscillating variable) whose period
repeats and whose per-variable maxima and minima repeat within ``tol``.
"""

import warnings

import numpy as np

from ..backend.settings import get_dt
from .compiled import as_kernel_arguments
from .results import LimitCycle, Trajectory
from .roots import newton

__all__ = ["IntegralStepper", "RungeKuttaStepper", "make_stepper", "simulate",
           "detect_cycle", "normalize_durations"]


def _with_constants_as_parameters(func, assign, source, constants):
    """A derivative ``f(vars..., t, pars..., constants...)`` that sets the constants first.

    Integrators read the derivative's signature, so the wrapper is generated
    with explicit argument names.
    """
    inner = source.variables + ("t",) + source.parameters
    arguments = inner + tuple(constants)
    lines = [f"def {source.name}({', '.join(arguments)}):"]
    lines += [f"    _assign_constant({name!r}, {name})" for name in constants]
    lines.append(f"    return _derivative({', '.join(inner)})")
    namespace = {"_assign_constant": assign, "_derivative": func}
    exec("\n".join(lines), namespace)  # names are validated identifiers of the signature
    return namespace[source.name]


class IntegralStepper:
    """Steps the model with its own integral objects.

    Parameters
    ----------
    model : ModelView
        Every source must come from an integral.
    evolving : sequence of str
        Variables that move; the others stay at their value in ``env``.
    exposed : sequence of str
        Module constants that the analysis varies (passed as extra parameters
        through ``integral.make_step``).
    """

    def __init__(self, model, evolving, exposed):
        self.evolving = tuple(evolving)
        self.plans = []
        for source in model.sources:
            integral = source.integral
            own = tuple(c for c in exposed if c in source.constants())
            step = integral
            if own:
                func, assign = source.rebound(own)
                derivative = _with_constants_as_parameters(func, assign, source, own)
                step = integral.make_step(derivative, parameters=source.parameters + own)
            self.plans.append((step, source.variables, source.parameters + own))
        self.dt = float(model.sources[0].integral.dt)

    def step(self, state, t, env):
        """One step of every integral.

        Parameters
        ----------
        state : dict
            Current values of the evolving variables.
        t : float
        env : dict
            Values of everything else (fixed variables, parameters).

        Returns
        -------
        dict
            New values of the evolving variables.
        """
        new = dict(state)
        lookup = dict(env)
        lookup.update(state)
        for step, variables, parameters in self.plans:
            args = [lookup[v] for v in variables] + [t] + [lookup[p] for p in parameters]
            result = step(*args)
            if len(variables) == 1 and not isinstance(result, (tuple, list)):
                result = (result,)
            for var, value in zip(variables, result):
                if var in state:
                    new[var] = value
        return new

    def bind(self, env):
        """A step function of value lists for one run with fixed ``env``.

        The same calls and arithmetic as :meth:`step`, without building the
        lookup dictionaries at every step: what each integral reads from ``env``
        is looked up once.

        Parameters
        ----------
        env : dict
            Values of everything that does not evolve.

        Returns
        -------
        callable
            ``advance(values, t) -> list``: new values of :attr:`evolving`
            (in that order) from the current ones.
        """
        position = {v: i for i, v in enumerate(self.evolving)}
        calls = []
        for step, variables, parameters in self.plans:
            reads = [(position[name], None) if name in position else (None, env[name])
                     for name in variables]
            time_slot = len(reads)
            reads.append((None, None))              # the time, set at every step
            reads += [(position[name], None) if name in position else (None, env[name])
                      for name in parameters]
            writes = [position.get(v) for v in variables]
            calls.append((step, reads, time_slot, writes, len(variables) == 1))

        def advance(values, t):
            new = list(values)
            for step, reads, time_slot, writes, single in calls:
                args = [values[i] if i is not None else constant for i, constant in reads]
                args[time_slot] = t
                result = step(*args)
                if single and not isinstance(result, (tuple, list)):
                    result = (result,)
                for slot, value in zip(writes, result):
                    if slot is not None:
                        new[slot] = value
            return new
        return advance


def _rk4_step(f_raw, x, p, h):
    """One classical Runge-Kutta step of ``dx/dt = f(x, p)`` on lists of values."""
    half, sixth = 0.5 * h, h / 6.0
    k1 = f_raw(x, p)
    k2 = f_raw([a + half * k for a, k in zip(x, k1)], p)
    k3 = f_raw([a + half * k for a, k in zip(x, k2)], p)
    k4 = f_raw([a + h * k for a, k in zip(x, k3)], p)
    return [a + sixth * (b + 2.0 * c + 2.0 * d + e) for a, b, c, d, e in zip(x, k1, k2, k3, k4)]


class RungeKuttaStepper:
    """Classical fourth-order Runge-Kutta steps of a :class:`ReducedSystem`.

    Parameters
    ----------
    system : ReducedSystem
        Its unknowns are the evolving variables; its free parameters are
        read from ``env`` at every step (arrays allowed).
    dt : float
    """

    def __init__(self, system, dt):
        self.system = system
        self.evolving = system.unknowns
        self.dt = float(dt)

    def step(self, state, t, env):
        """One RK4 step (see :meth:`IntegralStepper.step`)."""
        x = _rk4_step(self.system.f_raw, [state[v] for v in self.evolving],
                      [env[name] for name in self.system.free], self.dt)
        return dict(zip(self.evolving, x))


def make_stepper(model, evolving, exposed, system_factory):
    """The stepper for trajectories: the integrals when possible, else RK4.

    Parameters
    ----------
    model : ModelView
    evolving : sequence of str
    exposed : sequence of str
        Module constants varied by the analysis.
    system_factory : callable
        ``system_factory(evolving) -> ReducedSystem`` for the RK4 fallback.

    Returns
    -------
    IntegralStepper or RungeKuttaStepper
    """
    integrals = [s.integral for s in model.sources]
    usable = all(i is not None and not getattr(i, "adaptive", False) for i in integrals)
    needs_make_step = any(c in s.constants() for s in model.sources for c in exposed)
    if usable and needs_make_step:
        usable = all(hasattr(i, "make_step") for i in integrals)
    if usable:
        return IntegralStepper(model, evolving, exposed)
    dt = getattr(integrals[0], "dt", None) if integrals[0] is not None else None
    return RungeKuttaStepper(system_factory(tuple(evolving)), dt or get_dt())


def normalize_durations(duration, count):
    """Per-initial-point ``(t_start, t_end)`` pairs from the manual's forms.

    Parameters
    ----------
    duration : float, (start, end), or list of (start, end)
    count : int
        Number of initial points.

    Returns
    -------
    list of (float, float)
    """
    from ..errors import AnalysisError

    def pair(value):
        if np.ndim(value) == 0:
            start, end = 0.0, float(value)
        else:
            if len(value) != 2:
                raise AnalysisError(f"`duration`={duration!r}: give t_end, (t_start, t_end) or one "
                                    f"(t_start, t_end) per initial point.")
            start, end = float(value[0]), float(value[1])
        if not end > start:
            raise AnalysisError(f"`duration`={duration!r} gives an empty or reversed time span "
                                f"({start}, {end}); t_end must exceed t_start.")
        return start, end

    if np.ndim(duration) == 0:
        return [pair(duration)] * count
    if np.ndim(duration) == 1:
        return [pair(duration)] * count
    if len(duration) != count:
        raise AnalysisError(f"`duration` has {len(duration)} spans for {count} initial points; give "
                            f"one span, or one per initial point.")
    return [pair(d) for d in duration]


def simulate(stepper, initials, env, span):
    """Integrate several initial points over the same time span at once.

    Parameters
    ----------
    stepper : IntegralStepper or RungeKuttaStepper
    initials : dict
        ``{variable: array (k,)}`` for the evolving variables.
    env : dict
        Values of the fixed variables and parameters (numbers or arrays of
        shape ``(k,)``).
    span : (float, float)
        Start and end time.

    Returns
    -------
    (numpy.ndarray, dict)
        Times ``(nt,)`` and ``{variable: array (nt, k)}`` of the evolving
        variables.
    """
    start, end = span
    dt = stepper.dt
    steps = int(np.ceil((end - start) / dt - 1e-9))
    ts = start + dt * np.arange(steps + 1)
    state = {v: np.array(initials[v], dtype=float) for v in stepper.evolving}
    size = len(next(iter(state.values())))
    if size == 1:
        # one initial point: Python floats step an order of magnitude faster
        state = {v: float(value[0]) for v, value in state.items()}
        env = {k: float(np.ravel(v)[0]) if np.size(v) == 1 else v for k, v in env.items()}
        if hasattr(stepper, "bind"):
            return ts, _simulate_one(stepper.bind(env), stepper.evolving, state, ts, steps)
    history = {v: np.empty((steps + 1, size)) for v in stepper.evolving}
    for v in stepper.evolving:
        history[v][0] = state[v]
    with np.errstate(all="ignore"):
        for i in range(steps):
            state = stepper.step(state, ts[i], env)
            for v in stepper.evolving:
                history[v][i + 1] = state[v]
    return ts, history


def _simulate_one(advance, evolving, state, ts, steps):
    """The history ``{variable: (nt, 1)}`` of one initial point stepped by ``advance``."""
    values = [state[v] for v in evolving]
    rows = [values]
    with np.errstate(all="ignore"):
        for i in range(steps):
            values = advance(values, ts[i])
            rows.append(values)
    table = np.array(rows, dtype=float).reshape(steps + 1, len(evolving))
    return {v: table[:, j:j + 1].copy() for j, v in enumerate(evolving)}


def trajectories_from(ts, history, fixed, initials, warn=True):
    """Split a vectorized simulation into :class:`Trajectory` objects.

    Trajectories that become NaN or infinite are cut before the first bad
    value, with a warning naming the variable and the time.

    Parameters
    ----------
    ts : numpy.ndarray
    history : dict
        ``{variable: (nt, k)}``.
    fixed : dict
        Values of variables that did not evolve (kept constant).
    initials : list of dict
        The initial points (for the warning).
    warn : bool

    Returns
    -------
    list of Trajectory
    """
    out = []
    for j, initial in enumerate(initials):
        values = {v: h[:, j] for v, h in history.items()}
        end = len(ts)
        for v, series in values.items():
            bad = np.flatnonzero(~np.isfinite(series))
            if bad.size and bad[0] < end:
                end = bad[0]
                if warn:
                    warnings.warn(f"trajectory from {initial}: {v} became {series[bad[0]]} at "
                                  f"t={ts[bad[0]]:g}; the trajectory is cut there.",
                                  RuntimeWarning, stacklevel=4)
        values = {v: s[:end] for v, s in values.items()}
        values.update({v: np.full(end, value) for v, value in fixed.items()})
        out.append(Trajectory(ts[:end], values))
    return out


def detect_cycle(ts, values, tol, transient=0.5):
    """Find one period of a limit cycle at the end of a trajectory.

    Parameters
    ----------
    ts : numpy.ndarray
        Times ``(nt,)``.
    values : dict
        ``{variable: (nt,)}``.
    tol : float
        Relative tolerance: maxima and minima of consecutive periods must
        agree within ``tol`` times each variable's range.
    transient : float
        Fraction of the trajectory ignored at its start.

    Returns
    -------
    (float, int, int) or None
        Period and the index range ``[start, stop)`` of the last period, or
        None when the end of the trajectory is not periodic.
    """
    names = list(values)
    # one row per variable: the reductions below run along contiguous rows (reducing a
    # (time, variable) array over time is ten times slower in numpy)
    states = np.stack([np.asarray(values[v], dtype=float) for v in names], axis=0)
    length = states.shape[1]
    half = states[:, int(length * transient):]
    if half.shape[1] < 8 or not np.all(np.isfinite(half)):
        return None
    top, bottom = half.max(axis=1), half.min(axis=1)
    ranges = top - bottom
    magnitude = np.maximum(np.maximum(top, -bottom), 1.0)      # max |x| per variable
    if np.all(ranges <= 1e-3 * magnitude):
        return None                                    # settled on an equilibrium
    k = int(np.argmax(ranges / magnitude))
    level = 0.5 * (top[k] + bottom[k])
    offset = length - half.shape[1]
    series = half[k]
    up = np.flatnonzero((series[:-1] < level) & (series[1:] >= level))
    if len(up) < 3:
        return None
    frac = (level - series[up]) / (series[up + 1] - series[up])
    t_half = ts[offset:]
    crossing_t = t_half[up] + frac * (t_half[up + 1] - t_half[up])
    scale = np.maximum(ranges, 1e-12)
    last = len(up) - 1
    for j in range(last - 1, 0, -1):
        period = crossing_t[last] - crossing_t[j]
        earlier = np.flatnonzero(np.abs(crossing_t[last] - 2 * period - crossing_t[:j]) <=
                                 1e-2 * period + 2 * (t_half[1] - t_half[0]))
        if earlier.size == 0:
            continue
        i = earlier[-1]
        one = half[:, up[j]:up[last] + 1]
        two = half[:, up[i]:up[j] + 1]
        if (np.all(np.abs(one.max(axis=1) - two.max(axis=1)) <= tol * scale) and
                np.all(np.abs(one.min(axis=1) - two.min(axis=1)) <= tol * scale)):
            return period, offset + up[j], offset + up[last] + 1
    return None


def limit_cycles_from(trajectories, initials, tol):
    """Limit cycles at the end of simulated trajectories.

    Parameters
    ----------
    trajectories : list of Trajectory
    initials : list of dict
    tol : float

    Returns
    -------
    list of LimitCycle or None
        One entry per trajectory (None where no cycle was found).
    """
    out = []
    for trajectory, initial in zip(trajectories, initials):
        moving = {v: s for v, s in trajectory.values.items() if np.ptp(s) > 0} \
            if len(trajectory.ts) else {}
        found = detect_cycle(trajectory.ts, moving, tol) if moving else None
        if found is None:
            out.append(None)
            continue
        period, start, stop = found
        out.append(LimitCycle(trajectory.ts[start:stop],
                              {v: s[start:stop] for v, s in trajectory.values.items()},
                              period, initial))
    return out


def _time_scales(jacobians):
    """Oscillation period guess and fastest rate at the starting equilibria."""
    eig = np.linalg.eigvals(jacobians)
    imag = np.abs(eig.imag).max(axis=1)
    size = np.abs(eig).max(axis=1)
    # a focus oscillates at its imaginary part; a node sets the scale by its fastest rate
    period = 2.0 * np.pi / np.where(imag > 1e-3 * size, imag, np.maximum(size, 1e-12))
    return float(np.median(period)), float(np.max(size))


def _rk4_chunk(system, X, P, dt, steps):
    """``steps`` RK4 steps of all starts; returns the record ``(steps, n, k)`` and the state.

    Uses the system's compiled kernel when it has one (same arithmetic, no
    Python overhead per step), else numpy steps of ``system.f_raw``.
    """
    kernels = system.kernels()
    if kernels is not None:
        states, pars, constants = as_kernel_arguments(X, P, system._constant_args())
        record = kernels.rk4_chunk(states, pars, constants, float(dt), int(steps))
        if steps == 0:
            return record, X
        return record, [record[-1, i].copy() for i in range(len(X))]
    record = np.empty((steps, len(X), len(X[0])))
    for s in range(steps):
        X = _rk4_step(system.f_raw, X, P, dt)
        record[s] = X
    return record, X


def _distance_to_stable_equilibrium(system, states, P, spans):
    """Scaled distance of each state to the stable equilibrium Newton finds from it.

    Infinite where Newton fails or the equilibrium is not stable.
    """
    distance = np.full(len(states), np.inf)
    ok = np.all(np.isfinite(states), axis=1)
    if not np.any(ok):
        return distance
    X = np.where(ok[:, None], states, 0.0)
    kernels = system.kernels()
    if kernels is not None:
        starts, pars, constants = as_kernel_arguments(list(X.T), P, system._constant_args())
        equilibria, converged = kernels.newton_equilibria(starts, pars, constants, 1e-12, 8)
        equilibria = equilibria.T
    else:
        equilibria, converged = newton(lambda z, i: system.f(list(z.T), [p[i] for p in P]).T,
                                       lambda z, i: system.jacobian(list(z.T), [p[i] for p in P]),
                                       X, maxiter=8)
    good = converged & ok
    if np.any(good):
        eig = np.linalg.eigvals(system.jacobian(list(equilibria.T), P))
        good &= np.all(eig.real < 0.0, axis=1)
    scaled = np.max(np.abs(equilibria - X) / spans, axis=1)
    distance[good] = scaled[good]
    return distance


def _settling(history):
    """Starts approaching a stable equilibrium: very close, or closing in steadily.

    On a cycle the distance to an equilibrium oscillates; three geometric
    decreases in a row at chunk ends mean an approach.
    """
    last = history[-1]
    settled = last < 0.02
    if len(history) >= 4:
        steady = np.ones_like(last, dtype=bool)
        for newer, older in zip(history[-1:-4:-1], history[-2:-5:-1]):
            steady &= newer < 0.7 * older
        settled |= steady & (last < 0.1)
    return settled


def sample_cycles(system, X0, P0, sample, spans, tol=3e-3, max_chunks=6, box=None):
    """Simulate from many starts (each with its own parameters) until they settle.

    All starts are integrated at once with the classical Runge-Kutta method in
    chunks of two estimated periods (the time step resolves the estimated
    period with 80 steps and the fastest linear rate at the start); from the
    third chunk on, :func:`detect_cycle` is applied to everything after the
    first chunk, for every start still running. A start stops when it found a cycle,
    settled on an equilibrium, left ``box`` or diverged, or when another start
    of the same sample found a cycle.

    Parameters
    ----------
    system : ReducedSystem
        Its free parameters take per-start values ``P0``.
    X0 : numpy.ndarray
        Starting states ``(k, n)``.
    P0 : numpy.ndarray
        Parameters ``(k, m)``.
    sample : numpy.ndarray
        Sample id of each start ``(k,)``.
    spans : numpy.ndarray
        Size of the analysed range of each variable ``(n,)``; a start whose
        spread over a chunk falls below ``1e-4 * spans`` has settled.
    tol : float
        Relative tolerance of :func:`detect_cycle`.
    max_chunks : int
    box : numpy.ndarray, optional
        ``(n, 2)`` bounds; a start leaving them stops.

    Returns
    -------
    list
        Per start: ``(period, maxima (n,), minima (n,), state (n,))`` with a
        state on the cycle, or None.
    """
    k, n = X0.shape
    results = [None] * k
    if k == 0:
        return results
    period, rate = _time_scales(system.jacobian(list(X0.T), list(P0.T)))
    dt = min(period / 50.0, 0.5 / max(rate, 1e-12))
    steps = int(np.ceil(2.0 * period / dt))
    active = np.arange(k)
    X = [X0[:, i].copy() for i in range(n)]
    chunks, distances = [], []
    names = system.unknowns
    solved = set()
    with np.errstate(all="ignore"):
        for chunk in range(max_chunks):
            P = [P0[active, j] for j in range(P0.shape[1])]
            record, X = _rk4_chunk(system, X, P, dt, steps)
            chunks.append(record)
            final = record[-1].T                                  # (k_active, n)
            done = ~np.all(np.isfinite(final), axis=1)
            if box is not None:
                done |= np.any((final < box[:, 0]) | (final > box[:, 1]), axis=1)
            done |= np.isin(sample[active], list(solved))
            # cycles narrower than 1e-3 of the ranges are not reported: stop well before
            done |= np.all(np.ptp(record, axis=0) <= 1e-4 * spans[:, None], axis=0)
            distances.append(_distance_to_stable_equilibrium(system, final, P, spans))
            done |= _settling(distances)
            if len(chunks) >= 3:
                window = np.concatenate(chunks[1:], axis=0)       # (t, n, k_active)
                ts = dt * np.arange(len(window))
                for j in np.flatnonzero(~done):
                    series = window[:, :, j]
                    found = detect_cycle(ts, {v: series[:, i] for i, v in enumerate(names)}, tol,
                                         transient=0.0)
                    if found is not None:
                        cycle_period, first, stop = found
                        cycle = series[first:stop]
                        results[active[j]] = (cycle_period, cycle.max(axis=0), cycle.min(axis=0),
                                              series[-1].copy())
                        solved.add(sample[active[j]])
                        done[j] = True
            keep = ~done
            active = active[keep]
            if active.size == 0:
                break
            X = [x[keep] for x in X]
            chunks = [c[:, :, keep] for c in chunks]
            distances = [d[keep] for d in distances]
    return results
