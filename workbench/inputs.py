"""``bp.inputs``: helpers that build input currents as time series.

Every function returns a float64 array whose first axis is time: row ``i``
holds the input at step ``i``, i.e. at time ``t_i = i * dt``. Values may be
scalars (a ``(steps,)`` series, the same for every neuron) or arrays (a
per-neuron value gives a ``(steps, n)`` series; any shape ``s`` gives
``(steps,) + s``).

The time grid
-------------
All functions share one rule, :func:`time_to_step`: a span of time
``[t_a, t_b)`` covers exactly the steps whose time ``i * dt`` lies in it, so
the span runs from step ``time_to_step(t_a)`` to step ``time_to_step(t_b) - 1``
and an input of ``duration`` has ``time_to_step(duration)`` steps (the length of
``np.arange(0, duration, dt)`` when ``duration`` is a multiple of ``dt``).
Times that are a multiple of ``dt`` up to floating-point error (``3 / 0.1`` is
``29.999999999999996``, ``1.1 / 0.1`` is ``11.000000000000002``) are snapped to
that multiple before rounding up, so ``period_input([0, 1], [1.1, 1.0],
dt=0.1)`` switches at step 11 exactly. A time that is not a multiple of ``dt``
is rounded *up* to the next step: a pulse starting at 10.04 ms with
``dt=0.1`` starts at step 101 (10.1 ms), the first step at or after it.
"""

import math

import numpy as np

from .backend.settings import get_dt
# neuron groups that emit given spikes; bp.inputs holds them as BrainPy's does
from .input_groups import FreqInput, PoissonInput, SpikeTimeInput

__all__ = ["period_input", "constant_input", "constant_current", "spike_input",
           "spike_current", "ramp_input", "ramp_current", "time_to_step", "SpikeTimeInput",
           "PoissonInput", "FreqInput"]

# Relative tolerance under which t / dt counts as a whole number of steps: far
# above the rounding error of one division (~1e-16 relative), far below any
# intended offset from the grid.
_GRID_RTOL = 1e-9


def resolve_dt(dt):
    """The time step to use: ``dt``, or ``bp.backend.get_dt()`` when it is None.

    Parameters
    ----------
    dt : float or None
        A time step in ms.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``dt`` is not a positive, finite number.
    """
    if dt is None:
        return get_dt()
    try:
        value = float(dt)
    except (TypeError, ValueError):
        raise ValueError(f"`dt`={dt!r} is not a number; give a positive time step in ms.") from None
    if not (0.0 < value < math.inf):
        raise ValueError(f"`dt`={dt!r} must be a positive, finite time step in ms.")
    return value


def check_time(name, value, allow_zero=True):
    """Convert the time argument ``name`` to float, refusing negative, NaN or infinite values.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    value : float
        The time in ms.
    allow_zero : bool, optional
        Accept 0 (otherwise the time must be positive).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Naming the argument and its value.
    """
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}`={value!r} is not a number; give a time in ms.") from None
    if not math.isfinite(t) or t < 0.0 or (t == 0.0 and not allow_zero):
        allowed = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"`{name}`={value!r} must be {allowed}, finite time in ms.")
    return t


def time_to_step(t, dt=None):
    """Index of the first time step at or after time ``t``.

    Step ``i`` is at time ``i * dt``. Equivalently, the number of steps whose
    time lies in ``[0, t)``: an input of ``duration`` ms has
    ``time_to_step(duration, dt)`` steps. A ``t / dt`` within a relative
    ``1e-9`` of a whole number counts as that number (so floating-point error
    in ``t`` never adds or drops a step); otherwise it is rounded up.

    Parameters
    ----------
    t : float or array_like of float
        Non-negative time(s) in ms.
    dt : float, optional
        The time step in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    int or numpy.ndarray of int64
        The step index (an array of them for an array ``t``).

    Raises
    ------
    ValueError
        If a time is negative or not finite, or ``dt`` is not positive.

    Examples
    --------
    >>> time_to_step(1.1, dt=0.1)    # 1.1 / 0.1 == 11.000000000000002
    11
    >>> time_to_step(10.04, dt=0.1)  # not on the grid: rounded up to 10.1 ms
    101
    >>> time_to_step([0, 0.3, 0.7], dt=0.1).tolist()
    [0, 3, 7]
    """
    dt = resolve_dt(dt)
    if np.ndim(t) == 0:
        return int(_ceil_to_grid(np.array([check_time("t", t)]) / dt)[0])
    times = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(times) & (times >= 0.0)):
        raise ValueError(f"`t`={t!r} must hold non-negative, finite times in ms.")
    return _ceil_to_grid(times / dt)


def _ceil_to_grid(steps):
    """Round step counts up, snapping those within a relative tolerance of a whole number."""
    nearest = np.round(steps)
    on_grid = np.abs(steps - nearest) <= _GRID_RTOL * np.maximum(1.0, steps)
    return np.where(on_grid, nearest, np.ceil(steps)).astype(np.int64)


def _is_sequence(value):
    """Whether ``value`` is a list/tuple/range or an array of at least one dimension.

    Unlike ``np.ndim`` this never builds an array, so ragged lists (scalars mixed
    with per-neuron arrays) are fine.
    """
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, (list, tuple, range))


def _as_values(name, values, count=None):
    """Turn a sequence of scalars/arrays into one float array ``(k,) + shape``.

    Scalars and arrays of different shapes are broadcast to a common shape, so
    ``[0, np.ones(3), 0]`` gives a ``(3, 3)`` array.
    """
    if not _is_sequence(values):
        raise ValueError(f"`{name}`={values!r} must be a sequence (one entry per period).")
    entries = []
    for k, value in enumerate(values):
        try:
            entries.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            raise ValueError(f"`{name}[{k}]`={value!r} is not a number or a numeric "
                             f"array.") from None
    if count is not None and len(entries) != count:
        raise ValueError(f"`{name}` has {len(entries)} entries but {count} are needed "
                         f"(one per period).")
    if all(e.ndim == 0 for e in entries):
        return np.array(entries, dtype=float)
    try:
        shape = np.broadcast_shapes(*(e.shape for e in entries))
    except ValueError:
        shapes = [e.shape for e in entries]
        raise ValueError(f"`{name}` mixes entries of incompatible shapes {shapes}; give "
                         f"scalars or per-neuron arrays of one shape.") from None
    return np.stack([np.broadcast_to(e, shape) for e in entries])


def period_input(values, durations, dt=None, return_length=False):
    """An input that takes ``values[k]`` during the ``k``-th period.

    Period ``k`` spans ``[T_k, T_k + durations[k])`` with
    ``T_k = sum(durations[:k])``; it covers the steps whose time ``i * dt``
    lies in that span (see :func:`time_to_step`).

    Parameters
    ----------
    values : sequence of float or array_like
        The value of each period. Scalars give a ``(steps,)`` series; arrays
        (e.g. one value per neuron) give ``(steps, n)``. Scalars and arrays may
        be mixed: scalars are broadcast to the arrays' shape.
    durations : sequence of float
        The length of each period in ms, positive.
    dt : float, optional
        The time step in ms; ``bp.backend.get_dt()`` when omitted.
    return_length : bool, optional
        Also return the total duration.

    Returns
    -------
    current : numpy.ndarray
        Float64 array of shape ``(steps,) + value_shape`` with
        ``steps = time_to_step(sum(durations), dt)``.
    duration : float
        The total duration ``sum(durations)`` in ms; only when
        ``return_length`` is True.

    Raises
    ------
    ValueError
        If ``values`` and ``durations`` differ in length, a duration is not
        positive, a period is shorter than one step and so covers no step, or
        the values have incompatible shapes.

    Examples
    --------
    >>> current, duration = period_input([0, 1., 0.], [100, 300, 100],
    ...                                  dt=0.1, return_length=True)
    >>> current.shape, duration
    ((5000,), 500.0)
    >>> current[[999, 1000, 3999, 4000]].tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    dt = resolve_dt(dt)
    if not _is_sequence(durations) or np.ndim(durations) != 1:
        raise ValueError(f"`durations`={durations!r} must be a sequence of times in ms.")
    lengths = [check_time(f"durations[{k}]", d, allow_zero=False) for k, d in enumerate(durations)]
    if not lengths:
        raise ValueError("`durations`=[] is empty; give at least one period.")
    table = _as_values("values", values, count=len(lengths))
    bounds = [0]
    end_time = 0.0
    for k, length in enumerate(lengths):
        end_time += length
        bounds.append(time_to_step(end_time, dt))
        if bounds[-1] == bounds[-2]:
            raise ValueError(f"`durations[{k}]`={durations[k]!r} ms covers no time step of "
                             f"dt={dt!r} ms (period [{end_time - length!r}, {end_time!r}) "
                             f"contains no multiple of dt); make it longer.")
    current = np.repeat(table, np.diff(bounds), axis=0)
    if return_length:
        return current, float(sum(lengths))
    return current


def constant_input(I_and_duration, dt=None):
    """A piecewise-constant input from ``(value, duration)`` pairs.

    ``constant_input([(0, 100), (1, 300), (0, 100)])`` is
    ``period_input([0, 1, 0], [100, 300, 100], return_length=True)``.

    Parameters
    ----------
    I_and_duration : sequence of (value, duration)
        Each pair gives a value (scalar or per-neuron array) and the length of
        its period in ms.
    dt : float, optional
        The time step in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    current : numpy.ndarray
        Float64 array of shape ``(steps,) + value_shape``.
    duration : float
        The total duration in ms.

    Raises
    ------
    ValueError
        If an entry is not a ``(value, duration)`` pair, or as
        :func:`period_input`.

    Examples
    --------
    >>> current, duration = constant_input([(-1, 10), (1, 3)], 0.1)
    >>> current.shape, duration, current[[99, 100]].tolist()
    ((130,), 13.0, [-1.0, 1.0])
    """
    if not _is_sequence(I_and_duration):
        raise ValueError(f"`I_and_duration`={I_and_duration!r} must be a sequence of "
                         f"(value, duration) pairs.")
    pairs = list(I_and_duration)
    for k, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"`I_and_duration[{k}]`={pair!r} must be a (value, duration) pair.")
    return period_input([p[0] for p in pairs], [p[1] for p in pairs], dt=dt, return_length=True)


#: The name used in the manual's examples (``bp.inputs.constant_current``).
constant_current = constant_input


def _per_point(name, value, count, scalar_only):
    """Expand a scalar or a one-per-point sequence to a list of ``count`` entries."""
    if not _is_sequence(value):
        return [value] * count
    entries = list(value)
    if len(entries) != count:
        raise ValueError(f"`{name}` has {len(entries)} entries but there are {count} points; "
                         f"give a scalar or one entry per point (to give every point the "
                         f"same per-neuron array, repeat it once per point).")
    if scalar_only and any(_is_sequence(e) for e in entries):
        raise ValueError(f"`{name}`={value!r} must hold one scalar per point.")
    return entries


def spike_input(points, lengths, sizes, duration, dt=None):
    """An input made of short rectangular pulses ("spikes").

    Pulse ``k`` has height ``sizes[k]`` on the span
    ``[points[k], points[k] + lengths[k])``, clipped at ``duration``; it covers
    the steps whose time lies in that span (see :func:`time_to_step`).
    Overlapping pulses add up. The input is zero elsewhere.

    Parameters
    ----------
    points : sequence of float
        Start times of the pulses in ms, in ``[0, duration)``.
    lengths : float or sequence of float
        Pulse length(s) in ms: one for all pulses, or one per point.
    sizes : float, array_like or sequence
        Pulse height(s): one for all pulses or one per point; each may be a
        scalar or a per-neuron array (giving a ``(steps, n)`` series).
    duration : float
        The total duration in ms.
    dt : float, optional
        The time step in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(time_to_step(duration, dt),) + size_shape``.

    Raises
    ------
    ValueError
        If a point lies outside ``[0, duration)``, a length is not positive,
        ``lengths``/``sizes`` do not match ``points``, or a pulse is so short
        that it covers no time step (it would be lost).

    Examples
    --------
    >>> current = spike_input([10, 20], lengths=1., sizes=0.5, duration=40., dt=0.1)
    >>> current.shape, current[[99, 100, 109, 110]].tolist()
    ((400,), [0.0, 0.5, 0.5, 0.0])
    """
    dt = resolve_dt(dt)
    duration = check_time("duration", duration, allow_zero=False)
    if not _is_sequence(points) or np.ndim(points) != 1:
        raise ValueError(f"`points`={points!r} must be a sequence of times in ms.")
    starts = [check_time(f"points[{k}]", p) for k, p in enumerate(points)]
    widths = [check_time(f"lengths[{k}]", w, allow_zero=False)
              for k, w in enumerate(_per_point("lengths", lengths, len(starts), True))]
    heights = _as_values("sizes", _per_point("sizes", sizes, len(starts), False)) \
        if starts else np.zeros((0,))
    num_steps = time_to_step(duration, dt)
    current = np.zeros((num_steps,) + heights.shape[1:])
    for k, start in enumerate(starts):
        if start >= duration:
            raise ValueError(f"`points[{k}]`={points[k]!r} ms is outside the input's time span "
                             f"[0, duration={duration!r}).")
    firsts = time_to_step(np.array(starts, dtype=float), dt)
    lasts = time_to_step(np.minimum(np.add(starts, widths), duration), dt)
    for k, (first, last) in enumerate(zip(firsts, lasts)):
        if last <= first:
            raise ValueError(f"the pulse at `points[{k}]`={points[k]!r} ms with length "
                             f"{widths[k]!r} ms covers no time step of dt={dt!r} ms; make it at "
                             f"least dt long or start it on the grid.")
        current[first:last] += heights[k]
    return current


#: The name of the release notes (BrainPy 0.2.0): :func:`spike_input`.
spike_current = spike_input


def ramp_input(c_start, c_end, duration, t_start=0, t_end=None, dt=None):
    """A current that changes linearly from ``c_start`` to ``c_end``.

    The ramp covers the steps whose time ``t_i = i * dt`` lies in
    ``[t_start, t_end)`` (see :func:`time_to_step`) and is 0 outside them. Its
    first sample is ``c_start`` and its last one, a step before ``t_end``, is
    ``c_end``, as in the manual (ch. 17.4): the samples are evenly spaced
    between the two values (``numpy.linspace``), so for times on the grid the
    slope is ``(c_end - c_start) / (t_end - t_start - dt)`` per ms.

    Parameters
    ----------
    c_start, c_end : float or array_like
        Values at the first and the last step of the ramp; arrays (e.g. per
        neuron) give a ``(steps, n)`` series.
    duration : float
        The total duration in ms.
    t_start : float, optional
        Start of the ramp in ms (default 0).
    t_end : float, optional
        End of the ramp in ms; ``duration`` when omitted.
    dt : float, optional
        The time step in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(time_to_step(duration, dt),) + value_shape``.

    Raises
    ------
    ValueError
        If not ``0 <= t_start < t_end <= duration``, or ``c_start`` and
        ``c_end`` have incompatible shapes.

    Examples
    --------
    >>> current = ramp_input(0, 1, 5., dt=1.)
    >>> current.tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> ramp_input(0, 1, 10., t_start=2, t_end=6, dt=1.).tolist()
    [0.0, 0.0, 0.0, 0.3333333333333333, 0.6666666666666666, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
    dt = resolve_dt(dt)
    duration = check_time("duration", duration, allow_zero=False)
    t_start = check_time("t_start", t_start)
    t_end = duration if t_end is None else check_time("t_end", t_end)
    if not t_start < t_end <= duration:
        raise ValueError(f"`t_start`={t_start!r} and `t_end`={t_end!r} must satisfy "
                         f"0 <= t_start < t_end <= duration={duration!r}.")
    start_value, end_value = _as_values("c_start/c_end", [c_start, c_end])
    first, last = time_to_step(t_start, dt), time_to_step(t_end, dt)
    current = np.zeros((time_to_step(duration, dt),) + start_value.shape)
    current[first:last] = np.linspace(start_value, end_value, last - first)
    return current


#: The name of the release notes (BrainPy 0.2.0): :func:`ramp_input`.
ramp_current = ramp_input
