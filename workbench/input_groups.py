"""Neuron groups that emit given spikes: ``bp.inputs.SpikeTimeInput``, ``PoissonInput``, ``FreqInput``.

The names come from BrainPy's release notes (0.2.3) and BrainPy 1.0.2's
``bp.inputs``. Each group has a boolean ``spike`` array of ``num`` neurons (flat
indices, as connectors use) that a synapse reads like any neuron group's.

Spike times follow the time grid of :mod:`workbench.inputs`: a spike at time
``s`` is emitted at the first step whose time ``t_i`` is at or after ``s``
(a time within a relative 1e-9 step of the grid counts as on it). The steps
hold no hidden state, so a repeat run over the same window emits the same
spikes, and a continued run (``run((200., 400.))``) emits those of its window.
"""

import math

import numpy as np

from .errors import ModelError
from .simulation import NeuGroup

__all__ = ["SpikeTimeInput", "PoissonInput", "FreqInput"]

# Fraction of a step by which a time may miss the grid and still count as on it.
_GRID_TOLERANCE = 1e-9


def _times_array(owner, name, values):
    times = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(times)) or np.any(times < 0.0):
        raise ModelError(f"{owner}: `{name}`={values!r} must hold non-negative, finite times "
                         f"in ms.")
    return times


def _per_neuron(owner, name, values, num):
    array = np.asarray(values, dtype=float)
    if array.ndim > 1 or (array.ndim == 1 and array.size != num):
        raise ModelError(f"{owner}: `{name}` has shape {array.shape}; give one number or one "
                         f"per neuron ({num}).")
    if not np.all(np.isfinite(array)) or np.any(array < 0.0):
        raise ModelError(f"{owner}: `{name}`={values!r} must be non-negative and finite.")
    return np.ascontiguousarray(np.broadcast_to(array, (num,)), dtype=float)


class SpikeTimeInput(NeuGroup):
    """Neurons that fire at given times.

    Parameters
    ----------
    size : int or tuple of int
        The group's size or geometry; neurons are numbered in flat (C) order.
    times : sequence of float
        Spike times in ms.
    indices : int or sequence of int, optional
        The neuron that fires at each time (same length as ``times``), or one
        neuron for all of them. When omitted, every neuron fires at every time.
    need_sort : bool, optional
        Sort the spikes by time (default). With False the times must already
        be sorted; this is checked.
    **kwargs
        ``monitors``, ``name``, ... of :class:`~workbench.NeuGroup`.

    Attributes
    ----------
    spike : numpy.ndarray
        ``(num,)`` booleans: who fires at the current step.
    times, indices : numpy.ndarray
        The spikes, sorted by time.

    Raises
    ------
    ModelError
        For negative or non-finite times, indices outside the group, lengths
        that differ, or unsorted times with ``need_sort=False``.

    Examples
    --------
    >>> import workbench as bp
    >>> group = bp.inputs.SpikeTimeInput(2, times=[10., 20., 30.], indices=[0, 1, 0],
    ...                                  monitors=['spike'])
    >>> group.run(40.)                                        # doctest: +SKIP
    >>> np.argwhere(group.mon.spike).tolist()                 # doctest: +SKIP
    [[100, 0], [200, 1], [300, 0]]
    """

    target_backend = ["numpy", "numba", "numba-parallel"]

    def __init__(self, size, times, indices=None, need_sort=True, **kwargs):
        super().__init__(size=size, **kwargs)
        owner = type(self).__name__
        times = _times_array(owner, "times", times)
        if indices is None:
            times = np.repeat(times, self.num)
            indices = np.tile(np.arange(self.num), times.size // max(self.num, 1))
        else:
            indices = np.asarray(indices)
            if indices.dtype.kind not in "iu" or indices.ndim > 1:
                raise ModelError(f"{owner}: `indices`={indices.tolist()!r} must be neuron "
                                 f"indices (ints), one per time or one for all.")
            indices = np.broadcast_to(indices, times.shape) if indices.ndim == 0 else indices
            if indices.size != times.size:
                raise ModelError(f"{owner}: `indices` has {indices.size} entries but `times` "
                                 f"has {times.size}; give one neuron per spike time.")
            if indices.size and (indices.min() < 0 or indices.max() >= self.num):
                raise ModelError(f"{owner}: `indices` must lie in [0, {self.num}) for a group "
                                 f"of {self.num} neurons; got {indices.min()}..{indices.max()}.")
        if need_sort:
            order = np.argsort(times, kind="stable")
            times, indices = times[order], indices[order]
        elif np.any(np.diff(times) < 0.0):
            raise ModelError(f"{owner}: `times` are not sorted; pass need_sort=True.")
        self.times = np.ascontiguousarray(times, dtype=float)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _t, _dt):
        self.spike[:] = False
        # the spikes whose first step at or after them is this one: t - dt < time <= t
        first = np.searchsorted(self.times, _t - _dt + _GRID_TOLERANCE * _dt, "right")
        last = np.searchsorted(self.times, _t + _GRID_TOLERANCE * _dt, "right")
        for k in range(first, last):
            self.spike[self.indices[k]] = True


class PoissonInput(NeuGroup):
    """Neurons that fire as independent Poisson processes.

    At every step neuron ``i`` fires with probability ``freqs[i] * dt / 1000``
    (``freqs`` in Hz, ``dt`` in ms; a rate of ``1000 / dt`` Hz or more fires at
    every step). Random numbers come from numpy's global generator on the numpy
    backend (``np.random.seed`` makes a run reproducible) and from numba's on
    the numba backends.

    Parameters
    ----------
    size : int or tuple of int
        The group's size or geometry.
    freqs : float or array_like
        Firing rate in Hz, one for all neurons or one per neuron.
    **kwargs
        ``monitors``, ``name``, ... of :class:`~workbench.NeuGroup`.

    Raises
    ------
    ModelError
        For negative or non-finite rates, or a per-neuron array of another length.

    Examples
    --------
    >>> import workbench as bp
    >>> group = bp.inputs.PoissonInput(1000, freqs=20., monitors=['spike'])
    >>> group.run(1000.)                                      # doctest: +SKIP
    >>> group.mon.spike.sum() / 1000                          # doctest: +SKIP
    20.1
    """

    target_backend = ["numpy", "numba", "numba-parallel"]

    def __init__(self, size, freqs, **kwargs):
        super().__init__(size=size, **kwargs)
        self.freqs = _per_neuron(type(self).__name__, "freqs", freqs, self.num)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _dt):
        self.spike[:] = np.random.random(self.freqs.shape) < self.freqs * (_dt / 1000.0)


class FreqInput(NeuGroup):
    """Neurons that fire regularly at a given frequency (BrainPy 0.2.3's ``FreqInput``).

    Neuron ``i`` fires at ``start_time + k * 1000 / freq[i]`` ms for
    ``k = 0, 1, 2, ...``, each spike at the first step at or after that time.

    Parameters
    ----------
    size : int or tuple of int
        The group's size or geometry.
    freq : float or array_like
        Frequency in Hz (positive), one for all neurons or one per neuron.
    start_time : float or array_like, optional
        Time of the first spike in ms (default 0).
    **kwargs
        ``monitors``, ``name``, ... of :class:`~workbench.NeuGroup`.

    Raises
    ------
    ModelError
        For a frequency that is not positive, or a negative start time.

    Examples
    --------
    >>> import workbench as bp
    >>> group = bp.inputs.FreqInput(2, freq=100., start_time=5., monitors=['spike'])
    >>> group.run(30.)                                        # doctest: +SKIP
    >>> np.flatnonzero(group.mon.spike[:, 0]) * 0.1           # doctest: +SKIP
    array([ 5., 15., 25.])
    """

    target_backend = ["numpy", "numba", "numba-parallel"]

    def __init__(self, size, freq, start_time=0., **kwargs):
        super().__init__(size=size, **kwargs)
        owner = type(self).__name__
        freq = _per_neuron(owner, "freq", freq, self.num)
        if np.any(freq <= 0.0):
            raise ModelError(f"{owner}: `freq` must be a positive frequency in Hz.")
        self.period = 1000.0 / freq
        self.start_time = _per_neuron(owner, "start_time", start_time, self.num)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _t, _dt):
        for i in range(self.num):
            # the last spike time at or before t, and whether it falls in (t - dt, t]
            elapsed = _t + _GRID_TOLERANCE * _dt - self.start_time[i]
            if elapsed < 0.0:
                self.spike[i] = False
            else:
                last = self.start_time[i] + math.floor(elapsed / self.period[i]) * self.period[i]
                self.spike[i] = last > _t - _dt + _GRID_TOLERANCE * _dt
