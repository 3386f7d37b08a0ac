"""Constant delays: ``self.g = self.register_constant_delay('g', size, delay_time)``.

A delay is a ring buffer of ``D + 1`` slots where ``D = floor(delay_time / dt + 0.5)``
(halves round up, as in BrainPy 1.0.2).
At time step ``k`` (counted since the last ``reset()``), ``push(x)`` stores ``x``
in slot ``k mod (D + 1)`` and ``pull()`` returns slot ``(k + 1) mod (D + 1)``,
which is the value pushed at step ``k - D``. So a value pushed at time ``t``
is pulled at exactly ``t + D * dt``; with ``D = 0`` (no delay) ``pull()``
returns the value pushed in the same step. The engine advances ``k`` once at
the end of every time step, after all step functions ran, so the arrival time
does not depend on the schedule.

Per-element delays (``delay_time`` an array, one delay per element) share one
buffer of ``max(D_i) + 1`` slots: element ``i`` of ``pull()`` reads slot
``(k - D_i) mod (max(D) + 1)``, the value pushed at step ``k - D_i``.

Compiled step functions read the same arrays (``data``, ``head`` and, per
element, ``lags``), so delays behave identically on the numpy and numba
backends.
"""

import numbers

import numpy as np

from ...backend import settings
from ...errors import ModelError
from ...sizes import normalize_size

__all__ = ["ConstantDelay"]


def _delay_array(delay_time, size, name):
    """Validate ``delay_time``: a number, or one non-negative number per element of ``size``."""
    message = (f"`delay_time`={delay_time!r} of delay {name!r} must be a non-negative number of "
               f"ms, or an array of them with the delayed variable's shape {size}")
    if isinstance(delay_time, bool):
        raise ModelError(message + ".")
    if isinstance(delay_time, numbers.Real):
        if not (0.0 <= float(delay_time) < float("inf")):
            raise ModelError(message + ".")
        return float(delay_time)
    try:
        times = np.asarray(delay_time)
    except Exception:   # noqa: BLE001  (anything numpy cannot read is refused below)
        raise ModelError(message + ".") from None
    if times.dtype.kind not in "iuf" or times.dtype == bool:
        raise ModelError(message + ".")
    times = times.astype(np.float64)
    if times.ndim == 0:
        return _delay_array(float(times), size, name)
    if times.shape != tuple(size) and not (len(size) == 1 and times.shape == (size[0],)):
        raise ModelError(message + f"; it has shape {times.shape}.")
    if not (np.all(np.isfinite(times)) and np.all(times >= 0)):
        raise ModelError(message + "; some are negative, NaN or infinite.")
    return times


def delay_steps_of(delay_time, dt):
    """Delay in whole time steps, rounding halves up: ``floor(delay_time / dt + 0.5)``.

    BrainPy 1.0.2 rounds the same way (0.25 ms at dt = 0.1 is 3 steps).

    Parameters
    ----------
    delay_time : float or numpy.ndarray
    dt : float

    Returns
    -------
    int or numpy.ndarray
        int64 array for an array of delays.
    """
    steps = np.floor(np.asarray(delay_time, dtype=np.float64) / dt + 0.5).astype(np.int64)
    return int(steps) if steps.ndim == 0 else steps


class ConstantDelay:
    """A constant transmission delay of an array variable, uniform or one per element.

    Parameters
    ----------
    size : int or tuple of int
        Shape of the delayed variable.
    delay_time : float or array_like
        Delay in ms (0 means no delay), or one delay per element (an array of
        shape ``size``): element ``i`` of ``pull()`` is element ``i`` pushed
        ``delay_steps[i]`` time steps ago.
    dt : float, optional
        Time step; defaults to ``bp.backend.get_dt()``.
    name : str, optional
        Name used in messages.

    Attributes
    ----------
    data : numpy.ndarray
        The ring buffer, shape ``(max delay steps + 1,) + size``.
    head : numpy.ndarray
        One int64: the number of time steps since the last reset.
    uniform : bool
        Whether all elements have the same delay (``delay_time`` a number).
    lags : numpy.ndarray
        int64, the delay in steps of each element (flattened); used by
        per-element delays.

    Examples
    --------
    >>> from workbench.simulation.nodes.delays import ConstantDelay
    >>> d = ConstantDelay(3, delay_time=0.2, dt=0.1)
    >>> d.push([1., 2., 3.]); d.advance()
    >>> d.push([0., 0., 0.]); d.advance()
    >>> d.pull()
    array([1., 2., 3.])
    >>> d = ConstantDelay(3, delay_time=[0., 0.1, 0.2], dt=0.1)
    >>> for k in range(3):
    ...     d.push([k + 1.] * 3); out = d.pull(); d.advance()
    >>> out
    array([3., 2., 1.])
    """

    def __init__(self, size, delay_time, dt=None, name="delay"):
        self.name = name
        self.size = () if size == () else normalize_size(size)
        self.delay_time = _delay_array(delay_time, self.size, name)
        self.uniform = not isinstance(self.delay_time, np.ndarray)
        if not self.uniform:
            self.delay_time = self.delay_time.reshape(self.size)
        self.dt = float(dt if dt is not None else settings.get_dt())
        self.head = np.zeros(1, dtype=np.int64)
        self._allocate()

    def _allocate(self):
        steps = delay_steps_of(self.delay_time, self.dt)
        self.lags = np.ascontiguousarray(np.ravel(steps), dtype=np.int64)
        slots = (int(self.lags.max()) if self.lags.size else 0) + 1
        dtype = self.data.dtype if hasattr(self, "data") else np.float64
        self.data = np.zeros((slots,) + self.size, dtype=dtype)
        self.head[0] = 0

    @property
    def delay_steps(self):
        """Number of time steps of the delay, ``floor(delay_time / dt + 0.5)``.

        Returns
        -------
        int or numpy.ndarray
            An int64 array of shape ``size`` for per-element delays.
        """
        return delay_steps_of(self.delay_time, self.dt)

    def set_dt(self, dt):
        """Adapt the buffer to a new time step (clears it when the delays in steps change).

        Parameters
        ----------
        dt : float
            The time step of the coming run.
        """
        dt = float(dt)
        if dt == self.dt:
            return
        self.dt = dt
        if not np.array_equal(np.ravel(self.delay_steps), self.lags):
            self._allocate()

    def push(self, value):
        """Store the value of the current time step.

        Parameters
        ----------
        value : float or array_like
            Broadcastable to ``size``.
        """
        self.data[self.head[0] % self.data.shape[0]] = value

    def pull(self):
        """The value pushed ``delay_steps`` time steps ago (zeros before that).

        Returns
        -------
        numpy.ndarray
            A view of the buffer slot (do not keep it across time steps); a new
            array for per-element delays.
        """
        slots = self.data.shape[0]
        if self.uniform:
            return self.data[(self.head[0] + 1) % slots]
        flat = self.data.reshape(slots, -1)
        rows = (self.head[0] - self.lags) % slots
        return flat[rows, np.arange(flat.shape[1])].reshape(self.size)

    def advance(self):
        """Move to the next time step (called by the engine after every step)."""
        self.head[0] += 1

    def reset(self):
        """Clear the buffer and restart counting time steps."""
        self.data[...] = 0
        self.head[0] = 0

    def __repr__(self):
        steps = self.delay_steps if self.uniform else f"{self.lags.min()}..{self.lags.max()}"
        time = self.delay_time if self.uniform else "per element"
        return f"ConstantDelay({self.name!r}, size={self.size}, delay_time={time}, steps={steps})"
