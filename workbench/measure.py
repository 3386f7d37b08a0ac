"""``bp.measure``: measures of recorded population activity.

Spike matrices are ``(steps, n)`` arrays as monitors record them (row ``i`` is
step ``i`` at time ``i * dt``, column ``j`` is neuron ``j``); any non-zero
(``True``) entry is a spike. Potentials are ``(steps, n)`` arrays of voltages.
Times and widths are in ms, rates in Hz.
"""

import math

import numpy as np

from .errors import choices
from .inputs import check_time, resolve_dt, time_to_step
from .simulation.nodes.records import SpikeEvents

__all__ = ["cross_correlation", "firing_rate", "brainpy_firing_rate", "neuron_firing_rates",
           "raster_plot", "voltage_fluctuation"]

#: Windows of :func:`firing_rate` and the half-width of each in units of ``width``.
FIRING_RATE_WINDOWS = {"gaussian": 2.0, "flat": 0.5}

#: How :func:`cross_correlation` treats neurons that never fire.
SILENT_POLICIES = ("zero", "exclude")


def _as_matrix(name, values, min_neurons=1):
    """Validate a recorded ``(steps, n)`` array (a 1-D array is one neuron)."""
    array = np.asarray(values)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"`{name}` has shape {np.shape(values)}; give a (steps, n) array "
                         f"(rows are time steps, columns neurons).")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` has dtype {array.dtype}; give booleans or numbers.")
    if array.shape[1] < min_neurons:
        raise ValueError(f"`{name}` has shape {array.shape}: at least {min_neurons} neurons "
                         f"(columns) are needed.")
    return array


def _fired(spikes):
    """Boolean ``(steps, n)`` matrix of spikes (no copy for boolean input)."""
    return spikes if spikes.dtype == bool else spikes != 0


def _spike_positions(spikes):
    """Row (step) and column (neuron) of every spike, in row-major order.

    ``flatnonzero`` of a boolean matrix is several times faster than
    ``np.nonzero`` of a float one, and recorded spikes are sparse.
    """
    flat = np.flatnonzero(_fired(spikes))
    return np.divmod(flat, spikes.shape[1])


def _bin_spikes(spikes, bin, dt):
    """Binary ``(bins, n)`` matrix: 1 where a neuron fired at least once in a bin.

    Bin ``k`` is the time span ``[k * bin, (k + 1) * bin)``; it holds the steps
    whose time ``i * dt`` lies in it (the last bin may be shorter).
    """
    num_steps = spikes.shape[0]
    num_bins = time_to_step(num_steps * dt, bin)
    starts = time_to_step(np.arange(num_bins) * bin, dt)
    return np.logical_or.reduceat(_fired(spikes), starts, axis=0).astype(float)


def cross_correlation(spikes, bin, dt=None, silent="zero"):
    """Synchrony of a population: the mean pairwise coherence of binned spike trains.

    The measure of Wang & Buzsaki (1996, J. Neurosci. 16:6402). Time is cut
    into bins ``[k * bin, (k + 1) * bin)``; ``X_i(k)`` is 1 if neuron ``i``
    fired in bin ``k`` and 0 otherwise. The coherence of a pair is

    ``kappa_ij = sum_k X_i(k) X_j(k) / sqrt(sum_k X_i(k) * sum_k X_j(k))``

    and the result is the average of ``kappa_ij`` over pairs ``i < j``: 1 when
    all neurons fire in the same bins, about ``1 - exp(-rate * bin)`` (the
    chance that a bin holds a spike) for independent Poisson trains.

    Parameters
    ----------
    spikes : array_like
        ``(steps, n)`` spike matrix with ``n >= 2``; non-zero entries are spikes.
    bin : float
        The bin width in ms, at least ``dt``. It need not be a multiple of
        ``dt``: a bin holds the steps whose time lies in it.
    dt : float, optional
        The time step of ``spikes`` in ms; ``bp.backend.get_dt()`` when omitted.
    silent : {'zero', 'exclude'}, optional
        Neurons that never fire have no defined coherence. ``'zero'`` (the
        default, as in BrainPy) counts every pair with a silent neuron as
        ``kappa = 0`` and averages over all ``n (n - 1) / 2`` pairs, so silent
        neurons lower the result; ``'exclude'`` averages over the pairs of
        firing neurons only.

    Returns
    -------
    float
        The population coherence in ``[0, 1]``. NaN when ``silent='exclude'``
        and fewer than two neurons fire (no pair to average).

    Raises
    ------
    ValueError
        If ``spikes`` is not a ``(steps, n >= 2)`` array, ``bin`` is not a time
        of at least ``dt``, or ``silent`` is not a known policy.

    Examples
    --------
    >>> spikes = np.zeros((100, 3)); spikes[[10, 50], :] = 1   # all fire together
    >>> round(cross_correlation(spikes, bin=1., dt=0.1), 12)
    1.0
    """
    spikes = _as_matrix("spikes", spikes, min_neurons=2)
    dt = resolve_dt(dt)
    bin = check_time("bin", bin, allow_zero=False)
    if silent not in SILENT_POLICIES:
        raise ValueError(f"`silent`={silent!r} is not a known policy; choose one of: "
                         f"{choices(SILENT_POLICIES)}.")
    if bin < dt * (1.0 - 1e-9):
        raise ValueError(f"`bin`={bin!r} ms is shorter than the time step dt={dt!r} ms; "
                         f"give a bin of at least dt.")
    binned = _bin_spikes(spikes, bin, dt)
    fired_bins = binned.sum(axis=0)
    firing = fired_bins > 0
    # sum_{i,j} kappa_ij = |X w|^2 with w_i = 1/sqrt(sum_k X_i(k)); the diagonal
    # contributes exactly 1 per firing neuron. This avoids the n x n matrix.
    weights = np.zeros_like(fired_bins)
    weights[firing] = 1.0 / np.sqrt(fired_bins[firing])
    weighted = binned @ weights
    num_firing = int(firing.sum())
    pair_sum = max(0.5 * (weighted @ weighted - num_firing), 0.0)
    counted = spikes.shape[1] if silent == "zero" else num_firing
    num_pairs = counted * (counted - 1) / 2
    if num_pairs == 0:
        return math.nan
    return float(pair_sum / num_pairs)


def _window_weights(window, width, dt):
    """Symmetric, odd-length kernel of ``window`` sampled every ``dt``.

    The Gaussian reaches ``round(2 * width / dt)`` steps to each side, as
    Brian2's ``smooth_rate`` (whose definition BrainPy documents); the flat
    window covers the steps with ``|offset| <= width / 2``.
    """
    reach = FIRING_RATE_WINDOWS[window] * width / dt
    if window == "gaussian":
        half_steps = int(round(reach))
    else:
        half_steps = int(math.floor(reach + 1e-9))
    offsets = np.arange(-half_steps, half_steps + 1) * dt
    if window == "flat":
        return np.ones(offsets.size)
    return np.exp(-0.5 * (offsets / width) ** 2)


def _check_rate_arguments(spikes, width, window, dt):
    spikes = _as_matrix("spikes", spikes)
    width = check_time("width", width, allow_zero=False)
    if window not in FIRING_RATE_WINDOWS:
        raise ValueError(f"`window`={window!r} is not a known window; choose one of: "
                         f"{choices(FIRING_RATE_WINDOWS)}.")
    return spikes, width, resolve_dt(dt)


def _spikes_per_step(spikes):
    rows, _ = _spike_positions(spikes)
    return np.bincount(rows, minlength=spikes.shape[0]).astype(float)


def _convolve_same(values, weights):
    # scipy.signal picks direct or FFT convolution by size; it costs a second
    # to import, so only a call that smooths pays for it.
    from scipy import signal
    return signal.convolve(values, weights, mode="same")


def firing_rate(spikes, width, window="gaussian", dt=None):
    """The smoothed population firing rate in Hz.

    The instantaneous rate at step ``i`` is the fraction of neurons that fired
    at that step divided by ``dt`` (``1000 * count_i / (n * dt)`` Hz). It is
    smoothed by a centred window as BrainPy 1.0.2 documents (after Brian2's
    ``PopulationRateMonitor.smooth_rate``). Near the ends of the recording the
    window is renormalised over the steps that exist, so a population firing
    at a constant rate gives that rate everywhere, edges included.

    BrainPy 1.0.2 computes something else than it documents (the smoothed
    spike count per step, not Hz, with a Gaussian twice as wide); to get its
    numbers use :func:`brainpy_firing_rate`.

    Parameters
    ----------
    spikes : array_like or SpikeEvents
        ``(steps, n)`` spike matrix (a 1-D array is one neuron); non-zero
        entries are spikes. Or a monitor's events (``mon.spike_events``).
    width : float
        The window size in ms: the standard deviation of the ``'gaussian'``
        window, which spans ``round(2 * width / dt)`` steps to each side (an
        actual window of ``4 * width + dt``), or the full width of the
        ``'flat'`` window (the steps with ``|offset| <= width / 2``). A width
        below ``dt`` (flat) leaves the rate unsmoothed.
    window : {'gaussian', 'flat'}, optional
        The window shape.
    dt : float, optional
        The time step of ``spikes`` in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    numpy.ndarray
        ``(steps,)`` float64 rate in Hz.

    Raises
    ------
    ValueError
        If ``spikes`` is not a ``(steps, n)`` array, ``width`` is not a
        positive time, or ``window`` is unknown.

    Examples
    --------
    >>> spikes = np.eye(10)              # 10 neurons, one spike per step
    >>> firing_rate(spikes, width=0.5, window='flat', dt=0.1).round(6).tolist()[:3]
    [1000.0, 1000.0, 1000.0]
    """
    if isinstance(spikes, SpikeEvents):          # a monitor's events: no dense matrix needed
        _, width, dt = _check_rate_arguments(np.zeros((0, 1)), width, window, dt)
        per_step, n_neurons = spikes.counts().astype(float), max(spikes.n_neurons, 1)
    else:
        spikes, width, dt = _check_rate_arguments(spikes, width, window, dt)
        per_step, n_neurons = _spikes_per_step(spikes), spikes.shape[1]
    instantaneous = per_step * (1000.0 / (n_neurons * dt))
    if instantaneous.size == 0:
        return instantaneous
    weights = _window_weights(window, width, dt)
    smoothed = _convolve_same(instantaneous, weights)
    mass = _convolve_same(np.ones(instantaneous.size), weights)
    return smoothed / mass


def brainpy_firing_rate(spikes, width, window="gaussian", dt=None):
    """What BrainPy 1.0.2's ``bp.measure.firing_rate`` returns, for reproducing its figures.

    BrainPy documents a rate in Hz (see :func:`firing_rate`) but returns the
    number of spikes per time step summed over the neurons, smoothed by a
    window of unit sum with zero padding at both ends. Its Gaussian has a
    standard deviation of ``2 * width`` and spans ``round(2 * width / dt)``
    steps to each side (one standard deviation); its flat window spans
    ``int(width / 2 / dt)`` steps to each side. This function reproduces
    those numbers (measured on brainpy-simulator 1.0.3).

    Multiply by ``1000 / (n * dt)`` to turn a smoothed count into Hz.

    Parameters
    ----------
    spikes : array_like
        ``(steps, n)`` spike matrix (a 1-D array is one neuron).
    width : float
        Window size in ms, as BrainPy reads it.
    window : {'gaussian', 'flat'}, optional
        The window shape.
    dt : float, optional
        The time step of ``spikes`` in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    numpy.ndarray
        ``(steps,)`` smoothed spike count per step.

    Raises
    ------
    ValueError
        As :func:`firing_rate`.

    Examples
    --------
    >>> spikes = np.ones((5, 4))         # 4 neurons fire at every step
    >>> brainpy_firing_rate(spikes, 0.1, 'flat', dt=0.1).tolist()
    [4.0, 4.0, 4.0, 4.0, 4.0]
    """
    spikes, width, dt = _check_rate_arguments(spikes, width, window, dt)
    counts = _spikes_per_step(spikes)
    if window == "gaussian":
        half_steps = int(round(2 * width / dt))
        offsets = np.arange(-half_steps, half_steps + 1) * dt
        weights = np.exp(-0.5 * (offsets / (2 * width)) ** 2)
    else:
        weights = np.ones(2 * int(width / 2 / dt) + 1)
    if counts.size == 0:
        return counts
    return _convolve_same(counts, weights / weights.sum())


def neuron_firing_rates(spikes, dt=None):
    """The mean firing rate of every neuron over the whole recording, in Hz.

    Parameters
    ----------
    spikes : array_like
        ``(steps, n)`` spike matrix (a 1-D array is one neuron).
    dt : float, optional
        The time step of ``spikes`` in ms; ``bp.backend.get_dt()`` when omitted.

    Returns
    -------
    numpy.ndarray
        ``(n,)``: spike count of each neuron divided by ``steps * dt``.

    Raises
    ------
    ValueError
        If ``spikes`` is not a ``(steps, n)`` array or holds no step.

    Examples
    --------
    >>> spikes = np.zeros((1000, 2)); spikes[::100, 0] = 1   # 10 spikes in 100 ms
    >>> neuron_firing_rates(spikes, dt=0.1).tolist()
    [100.0, 0.0]
    """
    spikes = _as_matrix("spikes", spikes)
    dt = resolve_dt(dt)
    if spikes.shape[0] == 0:
        raise ValueError("`spikes` holds no time step; a rate needs a recording of some length.")
    counts = np.count_nonzero(_fired(spikes), axis=0)
    return counts * (1000.0 / (spikes.shape[0] * dt))


def raster_plot(spikes, times=None):
    """Neuron indices and times of all spikes, for drawing a raster.

    Parameters
    ----------
    spikes : array_like or SpikeEvents
        ``(steps, n)`` spike matrix (a 1-D array is one neuron); non-zero
        entries are spikes. Or a monitor's events (``mon.spike_events``), which
        hold their times already.
    times : array_like
        ``(steps,)`` time of each row, e.g. ``mon.ts`` or ``mon.spike_t``
        (None for events).

    Returns
    -------
    indices : numpy.ndarray
        Neuron index of each spike (int64).
    spike_times : numpy.ndarray
        Time of each spike. Spikes are ordered by time, then by neuron index.

    Raises
    ------
    ValueError
        If ``spikes`` is not a ``(steps, n)`` array or ``times`` does not have
        one entry per row.

    Examples
    --------
    >>> spikes = np.array([[0, 1], [0, 0], [1, 1]])
    >>> indices, spike_times = raster_plot(spikes, [0., 0.1, 0.2])
    >>> indices.tolist(), spike_times.tolist()
    ([1, 0, 1], [0.0, 0.2, 0.2])
    """
    if isinstance(spikes, SpikeEvents):
        if times is not None and len(times) != spikes.n_steps:
            raise ValueError(f"`times` has {len(times)} entries but the events come from "
                             f"{spikes.n_steps} rows; give None (events hold their times).")
        return spikes.indices, spikes.times
    spikes = _as_matrix("spikes", spikes)
    times = np.asarray(times)
    if times.ndim != 1 or times.shape[0] != spikes.shape[0]:
        raise ValueError(f"`times` has shape {times.shape} but `spikes` has {spikes.shape[0]} "
                         f"rows; give one time per row.")
    rows, indices = _spike_positions(spikes)
    return indices.astype(np.int64, copy=False), times[rows]


def voltage_fluctuation(potentials):
    """Synchrony of a population from its membrane potentials.

    The measure of Golomb & Rinzel (1993, Phys. Rev. E 48:4810): the variance
    over time of the population-mean potential divided by the mean over
    neurons of each neuron's variance over time,

    ``chi^2 = Var_t(mean_i V_i(t)) / mean_i Var_t(V_i(t))``.

    It is 1 for perfectly synchronous potentials and about ``1 / n`` for ``n``
    independent ones. (Golomb & Rinzel call the square root of this ratio
    ``chi``; BrainPy returns the ratio, and so does this function.)

    Parameters
    ----------
    potentials : array_like
        ``(steps, n)`` potentials (a 1-D array is one neuron).

    Returns
    -------
    float
        The ratio, in ``[0, 1]``. NaN when every potential is constant in time
        (the ratio is 0/0) or nothing was recorded.

    Raises
    ------
    ValueError
        If ``potentials`` is not a ``(steps, n)`` numeric array.

    Examples
    --------
    >>> V = np.sin(np.linspace(0, 10, 200))[:, None] * np.ones(5)
    >>> round(voltage_fluctuation(V), 12)
    1.0
    """
    potentials = _as_matrix("potentials", potentials).astype(float, copy=False)
    if potentials.shape[0] == 0:
        return math.nan
    mean_of_variances = potentials.var(axis=0).mean()
    if not mean_of_variances > 0.0:
        return math.nan
    return float(potentials.mean(axis=1).var() / mean_of_variances)
