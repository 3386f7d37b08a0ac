"""Constant delays: ``self.g = self.register_constant_delay('g', size, delay_time)``.

A delay is a ring buffer of ``D + 1`` slots where ``D = round(delay_time / dt)``.
At time step ``k`` (counted since the last ``reset()``), ``push(x)`` stores ``x``
in slot ``k mod (D + 1)`` and ``pull()`` returns slot ``(k + 1) mod (D + 1)``,
which is the value pushed at step ``k - D``. So a value pushed at time ``t``
is pulled at exactly ``t + D * dt``; with ``D = 0`` (no delay) ``pull()``
returns the value pushed in the same step. The engine advances ``k`` once at
the end of every time step, after all step functions ran, so the arrival time
does not depend on the schedule.

Compiled step functions read the same two arrays (``data`` and ``head``), so
delays behave identically on the numpy and numba backends.
"""

import numbers

import numpy as np

from ...backend import settings
from ...errors import ModelError
from ...sizes import normalize_size

__all__ = ["ConstantDelay"]


class ConstantDelay:
    """A constant transmission delay of an array variable.

    Parameters
    ----------
    size : int or tuple of int
        Shape of the delayed variable.
    delay_time : float
        Delay in ms (0 means no delay).
    dt : float, optional
        Time step; defaults to ``bp.backend.get_dt()``.
    name : str, optional
        Name used in messages.

    Attributes
    ----------
    data : numpy.ndarray
        The ring buffer, shape ``(delay_steps + 1,) + size``.
    head : numpy.ndarray
        One int64: the number of time steps since the last reset.

    Examples
    --------
    >>> from workbench.simulation.nodes.delays import ConstantDelay
    >>> d = ConstantDelay(3, delay_time=0.2, dt=0.1)
    >>> d.push([1., 2., 3.]); d.advance()
    >>> d.push([0., 0., 0.]); d.advance()
    >>> d.pull()
    array([1., 2., 3.])
    """

    def __init__(self, size, delay_time, dt=None, name="delay"):
        if isinstance(delay_time, bool) or not isinstance(delay_time, numbers.Real) \
                or not (0.0 <= float(delay_time) < float("inf")):
            raise ModelError(f"`delay_time`={delay_time!r} of delay {name!r} must be a "
                             f"non-negative number of ms.")
        self.name = name
        self.size = () if size == () else normalize_size(size)
        self.delay_time = float(delay_time)
        self.dt = float(dt if dt is not None else settings.get_dt())
        self.head = np.zeros(1, dtype=np.int64)
        self.data = np.zeros((self.delay_steps + 1,) + self.size)

    @property
    def delay_steps(self):
        """Number of time steps of the delay, ``round(delay_time / dt)``.

        Returns
        -------
        int
        """
        return int(round(self.delay_time / self.dt))

    def set_dt(self, dt):
        """Adapt the buffer to a new time step (clears it when the length changes).

        Parameters
        ----------
        dt : float
            The time step of the coming run.
        """
        dt = float(dt)
        if dt == self.dt:
            return
        self.dt = dt
        if self.data.shape[0] != self.delay_steps + 1:
            self.data = np.zeros((self.delay_steps + 1,) + self.size, dtype=self.data.dtype)
            self.head[0] = 0

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
            A view of the buffer slot (do not keep it across time steps).
        """
        return self.data[(self.head[0] + 1) % self.data.shape[0]]

    def advance(self):
        """Move to the next time step (called by the engine after every step)."""
        self.head[0] += 1

    def reset(self):
        """Clear the buffer and restart counting time steps."""
        self.data[...] = 0
        self.head[0] = 0

    def __repr__(self):
        return (f"ConstantDelay({self.name!r}, size={self.size}, delay_time={self.delay_time}, "
                f"steps={self.delay_steps})")
