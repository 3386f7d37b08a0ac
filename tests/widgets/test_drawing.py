"""Decimation and spike rasterization against slow reference loops."""

import io

import numpy as np
import pytest
from PIL import Image

from widgets.drawing import counts_to_png, decimate_trace, spike_counts


def reference_envelope(y, buckets):
    """Slow reference: per bucket of the same boundaries, the min and max."""
    size = -(-len(y) // buckets)
    return [(y[i:i + size].min(), y[i:i + size].max()) for i in range(0, len(y), size)]


@pytest.mark.parametrize("n", [2001, 10007, 100000])
def test_decimation_keeps_every_bucket_extreme(n):
    rng = np.random.default_rng(n)
    t = np.arange(n) * 0.1
    y = np.cumsum(rng.normal(size=n))
    y[n // 3] = 1e3                       # a spike that must survive
    tx, yx = decimate_trace(t, y, 2000)
    assert len(tx) <= 2000
    assert np.all(np.diff(tx) > 0)        # order kept, no duplicates
    assert yx.max() == 1e3 and yx.min() == y.min()
    assert tx[0] == t[0] and tx[-1] == t[-1]
    kept = set(tx.tolist())
    size = -(-n // 999)
    for k, (low, high) in enumerate(reference_envelope(y, 999)):
        segment = slice(k * size, (k + 1) * size)
        assert low in yx[np.isin(tx, t[segment])]
        assert high in yx[np.isin(tx, t[segment])]
    assert kept <= set(t.tolist())


def test_short_traces_are_returned_unchanged():
    x = np.arange(10.0)
    tx, yx = decimate_trace(x, x ** 2, 2000)
    assert tx is x and np.array_equal(yx, x ** 2)


def test_decimation_errors():
    with pytest.raises(ValueError, match="equal length"):
        decimate_trace(np.arange(3), np.arange(4))
    with pytest.raises(ValueError, match="`max_points`=2 must be at least 4"):
        decimate_trace(np.arange(3), np.arange(3), 2)


def test_spike_counts_match_a_loop():
    rng = np.random.default_rng(1)
    n_steps, n_neurons = 1000, 400
    steps = rng.integers(0, n_steps, 5000)
    neurons = rng.integers(0, n_neurons, 5000)
    counts = spike_counts(steps, neurons, n_steps, n_neurons, width=250, height=100)
    expected = np.zeros((100, 250), dtype=int)
    for s, i in zip(steps, neurons):
        expected[99 - i * 100 // n_neurons, s * 250 // n_steps] += 1
    assert np.array_equal(counts, expected)
    assert counts.sum() == 5000


def test_spike_counts_never_use_more_pixels_than_neurons_or_steps():
    counts = spike_counts([0, 9], [0, 4], n_steps=10, n_neurons=5, width=1000, height=500)
    assert counts.shape == (5, 10)
    assert counts[4, 0] == 1 and counts[0, 9] == 1     # neuron 0 at the bottom row


def test_png_encodes_counts_as_opacity():
    counts = np.array([[0, 1], [2, 5]], dtype=np.uint16)
    png = counts_to_png([(counts, (10, 20, 30))], saturation=2)
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert image.shape == (2, 2, 4)
    assert list(image[..., 3].ravel()) == [0, 127, 254, 254]
    assert tuple(image[1, 1, :3]) == (10, 20, 30)


def test_block_density_matches_a_dense_reference():
    from widgets.drawing import block_density
    rng = np.random.default_rng(3)
    num_pre, num_post = 530, 40
    mat = rng.random((num_pre, num_post)) < 0.1
    pre, post = np.nonzero(mat)
    pre_c, post_c, density = block_density(pre, post, num_pre, num_post, max_cells=50)
    assert density.shape == (50, 40)                  # the short axis keeps one cell per neuron
    row_of = np.arange(num_pre) * 50 // num_pre
    for r in (0, 17, 49):
        rows = mat[row_of == r]
        assert np.allclose(density[r], rows.mean(axis=0))
        assert pre_c[r] == np.arange(num_pre)[row_of == r].mean()
    assert np.array_equal(post_c, np.arange(40))


def test_degree_histogram_counts_every_neuron():
    from widgets.drawing import degree_histogram
    centers, counts = degree_histogram([3, 3, 5, 7])
    assert list(centers) == [3, 4, 5, 6, 7] and list(counts) == [2, 0, 1, 0, 1]
    degrees = np.random.default_rng(0).integers(100, 1100, 5000)
    centers, counts = degree_histogram(degrees, max_bins=40)
    assert len(centers) <= 40 and counts.sum() == 5000
    width = 25                                    # 1000 integer degrees in 40 bars
    assert centers[0] == degrees.min() + (width - 1) / 2
    for k in (0, 13, len(centers) - 1):
        low = degrees.min() + k * width
        assert counts[k] == np.sum((degrees >= low) & (degrees < low + width))
