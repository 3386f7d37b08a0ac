"""Reduce large data to what a screen can show: for drawing only, never for results.

These functions change what is *drawn*, never what is computed or exported: a
100,000-point SVG line costs about half a second per update in the browser, a
few thousand points a few milliseconds, and a screen has only about a thousand
pixel columns anyway.

* :func:`decimate_trace`: min/max decimation keeps every spike peak and trough visible;
* :func:`spike_counts` / :func:`counts_to_png`: a raster of 100,000 spikes becomes one
  small PNG instead of 100,000 SVG elements;
* :func:`block_density`: a connection matrix of millions of pairs becomes at most a
  few hundred by a few hundred cells;
* :func:`degree_histogram`: degree counts in at most a few dozen bars.
"""

import io

import numpy as np

__all__ = ["decimate_trace", "spike_counts", "counts_to_png", "block_density", "degree_histogram"]


def decimate_trace(x, y, max_points=2000):
    """Reduce a trace to at most ``max_points`` points keeping each bucket's min and max.

    The samples are split into ``max_points // 2`` consecutive buckets; from each,
    the samples with the smallest and the largest ``y`` are kept (in their original
    order), plus the first and the last sample, so the drawn envelope is exact.

    Parameters
    ----------
    x, y : array_like
        1-D arrays of equal length (``x`` usually time, increasing).
    max_points : int, optional
        Upper bound of the returned length (at least 4).

    Returns
    -------
    x_out, y_out : numpy.ndarray
        The kept samples (the inputs themselves when already short enough).

    Raises
    ------
    ValueError
        When the arrays are not 1-D of equal length or ``max_points`` < 4.

    Examples
    --------
    >>> t = np.arange(100000) * 0.01
    >>> tx, vx = decimate_trace(t, np.sin(t), 2000)
    >>> len(tx) <= 2000, bool(vx.max() == np.sin(t).max())
    (True, True)
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"decimate_trace needs 1-D x and y of equal length, got shapes "
                         f"{x.shape} and {y.shape}")
    max_points = int(max_points)
    if max_points < 4:
        raise ValueError(f"`max_points`={max_points} must be at least 4")
    n = len(y)
    if n <= max_points:
        return x, y
    buckets = (max_points - 2) // 2
    size = -(-n // buckets)                      # ceil: every bucket but the last is full
    full = n // size
    body = y[:full * size].reshape(full, size)
    offsets = np.arange(full) * size
    keep = [offsets + body.argmin(axis=1), offsets + body.argmax(axis=1), [0, n - 1]]
    if full * size < n:
        tail = y[full * size:]
        keep.append([full * size + int(tail.argmin()), full * size + int(tail.argmax())])
    index = np.unique(np.concatenate(keep))
    return x[index], y[index]


def spike_counts(step_index, neuron_index, n_steps, n_neurons, width, height):
    """Count spikes per screen pixel.

    Parameters
    ----------
    step_index, neuron_index : array_like of int
        Time step and neuron of every spike (as ``numpy.nonzero(spike_matrix)`` gives).
    n_steps, n_neurons : int
        Extent of the raster.
    width, height : int
        Pixel columns (time) and rows (neurons) of the image; each is capped at
        the extent so a pixel never covers less than one step or one neuron.

    Returns
    -------
    numpy.ndarray
        ``uint16`` counts of shape ``(rows, columns)``; row 0 is the *highest*
        neuron index, as an image is drawn top-down.
    """
    rows = max(1, min(int(height), int(n_neurons)))
    cols = max(1, min(int(width), int(n_steps)))
    steps = np.asarray(step_index, dtype=np.int64)
    neurons = np.asarray(neuron_index, dtype=np.int64)
    col = steps * cols // max(int(n_steps), 1)
    row = rows - 1 - neurons * rows // max(int(n_neurons), 1)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    flat = np.bincount(row[inside] * cols + col[inside], minlength=rows * cols)
    return np.minimum(flat, np.iinfo(np.uint16).max).astype(np.uint16).reshape(rows, cols)


def counts_to_png(layers, saturation=2):
    """Encode spike-count images as one transparent PNG.

    Parameters
    ----------
    layers : list of (counts, color)
        Count images of equal shape (from :func:`spike_counts`) and their RGB
        colours as ``(r, g, b)`` bytes; later layers are drawn over earlier ones.
    saturation : int, optional
        Count at which a pixel becomes fully opaque (fewer spikes are lighter).

    Returns
    -------
    bytes
        The PNG file.
    """
    from PIL import Image as PILImage   # pillow comes with matplotlib

    shape = layers[0][0].shape
    rgba = np.zeros(shape + (4,), dtype=np.uint8)
    for counts, color in layers:
        if counts.shape != shape:
            raise ValueError(f"all count images need the shape {shape}, got {counts.shape}")
        alpha = (np.minimum(counts, saturation) * (255 // saturation)).astype(np.uint8)
        hit = alpha > 0
        rgba[hit, 0], rgba[hit, 1], rgba[hit, 2] = color
        rgba[..., 3] = np.maximum(rgba[..., 3], alpha)
    stream = io.BytesIO()
    PILImage.fromarray(rgba, "RGBA").save(stream, format="png", compress_level=1)
    return stream.getvalue()


def _blocks(n, cells):
    """Block index of each of ``n`` items split into ``cells`` near-equal blocks, and sizes."""
    index = np.arange(n, dtype=np.int64) * cells // max(n, 1)
    return index, np.bincount(index, minlength=cells)


def block_density(pre_ids, post_ids, num_pre, num_post, max_cells=200):
    """Fraction of connected pairs in blocks of a connection matrix.

    Parameters
    ----------
    pre_ids, post_ids : array_like of int
        One entry per synapse.
    num_pre, num_post : int
        Matrix shape.
    max_cells : int, optional
        Blocks per axis at most (an axis shorter than this keeps one cell per neuron).

    Returns
    -------
    pre_centers : numpy.ndarray
        Centre (in pre-synaptic neuron index) of each block row.
    post_centers : numpy.ndarray
        Centre of each block column.
    density : numpy.ndarray
        ``(rows, cols)``: synapses in the block divided by the pairs it holds
        (1 for a full block; more than 1 only with multiple synapses per pair).
    """
    rows = max(1, min(int(max_cells), int(num_pre)))
    cols = max(1, min(int(max_cells), int(num_post)))
    row_of, row_sizes = _blocks(int(num_pre), rows)
    col_of, col_sizes = _blocks(int(num_post), cols)
    pre = np.asarray(pre_ids, dtype=np.int64)
    post = np.asarray(post_ids, dtype=np.int64)
    counts = np.bincount(row_of[pre] * cols + col_of[post], minlength=rows * cols)
    pairs = np.outer(row_sizes, col_sizes).astype(float)
    density = counts.reshape(rows, cols) / np.maximum(pairs, 1.0)
    pre_centers = np.bincount(row_of, weights=np.arange(int(num_pre)), minlength=rows) / \
        np.maximum(row_sizes, 1)
    post_centers = np.bincount(col_of, weights=np.arange(int(num_post)), minlength=cols) / \
        np.maximum(col_sizes, 1)
    return pre_centers, post_centers, density


def degree_histogram(degrees, max_bins=50):
    """Histogram of integer degrees: one bar per degree, or bars of a whole number of degrees.

    Parameters
    ----------
    degrees : array_like of int
    max_bins : int, optional
        Bars at most; each bar then covers the same number of integer degrees
        (unequal coverage would draw a comb pattern).

    Returns
    -------
    centers, counts : numpy.ndarray
        Bar centres (in degrees) and the number of neurons per bar.
    """
    degrees = np.asarray(degrees, dtype=np.int64)
    if degrees.size == 0:
        return np.zeros(0), np.zeros(0)
    low, high = int(degrees.min()), int(degrees.max())
    width = -(-(high - low + 1) // int(max_bins))
    counts = np.bincount((degrees - low) // width)
    centers = low + width * np.arange(len(counts)) + (width - 1) / 2.0
    return centers.astype(float), counts.astype(float)
