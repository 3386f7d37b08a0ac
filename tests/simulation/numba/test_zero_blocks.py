"""``for i in range(a, b): if x[i]: ...`` skips blocks of zeros and still visits what numpy visits."""

import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import jit
from workbench.simulation.numba import kernels
from workbench.simulation.numba.generator.zero_blocks import BLOCK


@jit
def _compiled_bits(values, k):
    return kernels.element_bits(values[k])


@pytest.mark.parametrize("values", [np.array([0., -0., 1e-320, np.nan, -np.inf]),
                                    np.array([0., -0., 2.5], dtype=np.float32),
                                    np.array([0, -1, 7], dtype=np.int16),
                                    np.array([False, True])])
def test_element_bits_are_zero_only_for_zero_false_and_plus_zero(values):
    for k, value in enumerate(values):
        bits = kernels.element_bits(value)
        assert bits == _compiled_bits(values, k)
        assert (bits == 0) == (not value and not np.signbit(value)), value


@jit
def _compiled_block_is_zero(values, start):
    return kernels.block_is_zero(values, start, BLOCK)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int16, np.uint8, np.bool_])
def test_block_is_zero_sees_every_element_of_the_block_and_none_outside(dtype):
    values = np.zeros(3 * BLOCK, dtype=dtype)
    values[BLOCK - 1] = values[2 * BLOCK] = 1          # just outside the middle block
    for start in (0, BLOCK, 2 * BLOCK - 1, 2 * BLOCK):
        expected = not values[start:start + BLOCK].any()
        assert kernels.block_is_zero(values, start, BLOCK) == expected, start
        assert _compiled_block_is_zero(values, start) == expected, start
    for k in range(BLOCK, 2 * BLOCK):                   # each lane of the vector counts
        one = values.copy()
        one[k] = 1
        assert not _compiled_block_is_zero(one, BLOCK)


def test_block_is_zero_counts_negative_zero_and_nan_and_reads_strided_views():
    values = np.zeros(2 * BLOCK)
    values[5] = -0.0
    assert not _compiled_block_is_zero(values, 0) and not kernels.block_is_zero(values, 0, BLOCK)
    values[5] = np.nan
    assert not _compiled_block_is_zero(values, 0)
    strided = np.zeros(4 * BLOCK)[::2]                 # a non-contiguous view: element by element
    assert _compiled_block_is_zero(strided, BLOCK)
    strided[BLOCK + 3] = 2.
    assert not _compiled_block_is_zero(strided, BLOCK)
    assert not kernels.block_is_zero(strided, BLOCK, BLOCK)


@jit
def _compiled_nonzero_span(values, start):
    return kernels.nonzero_span(values, start, BLOCK)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int16, np.uint8, np.bool_])
def test_nonzero_span_covers_the_first_to_the_last_nonzero_element_of_the_block(dtype):
    rng = np.random.default_rng(3)
    for trial in range(200):
        values = np.zeros(3 * BLOCK, dtype=dtype)
        values[rng.integers(0, len(values), size=rng.integers(0, 4))] = 1
        if trial % 5 == 0 and values.dtype.kind == "f":
            values[rng.integers(0, len(values))] = -0.0          # false, but bits set
        start = int(rng.integers(0, 2 * BLOCK + 1))
        set_bits = [k for k in range(start, start + BLOCK)
                    if values[k] or (values.dtype.kind == "f" and np.signbit(values[k]))]
        for first, stop in (_compiled_nonzero_span(values, start),
                            kernels.nonzero_span(values, start, BLOCK)):
            if set_bits:
                assert (first, stop) == (set_bits[0], set_bits[-1] + 1), (start, set_bits)
            else:
                assert first >= stop
    strided = np.zeros(4 * BLOCK)[::2]                       # element by element
    strided[BLOCK + 3] = strided[BLOCK + 9] = 2.
    assert _compiled_nonzero_span(strided, BLOCK) == (BLOCK + 3, BLOCK + 10)
    assert _compiled_nonzero_span(strided, 0)[0] >= _compiled_nonzero_span(strided, 0)[1]


class Chain(bp.NeuGroup):
    """Each true x[i] sets x[i + 3] (the next block too) and counts its visit in order."""
    target_backend = ["numpy", "numba"]

    def __init__(self, x, lo, hi, **kwargs):
        self.x = x
        self.lo, self.hi = lo, hi
        self.order = np.zeros(x.shape[0] * 4)
        self.n = np.zeros(1, dtype=np.int64)
        super().__init__(size=x.shape[0], **kwargs)

    def update(self, _t):
        for i in range(self.lo, self.hi):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                if i + 3 < self.num:
                    self.x[i + 3] = 1


def _visits(backend, x, lo, hi):
    bp.backend.set(backend, dt=0.1)
    group = Chain(x.copy(), lo, hi)
    group.run(0.1)                                      # one step
    return group.order[:group.n[0]].tolist(), group.x.tolist(), group


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
@pytest.mark.parametrize("size, lo, hi", [(3 * BLOCK + 5, 0, 3 * BLOCK + 5), (40, 7, 33),
                                          (40, -30, -2), (BLOCK, 0, BLOCK), (5, 0, 5)])
def test_visits_equal_numpy_when_the_body_sets_later_elements(dtype, size, lo, hi):
    x = np.zeros(size, dtype=dtype)
    x[[1, size // 2]] = 1
    expected = _visits("numpy", x, lo, hi)[:2]
    order, values, group = _visits("numba", x, lo, hi)
    assert (order, values) == expected
    assert "_block_is_zero(self__x, " in group._wb_executor.source
    assert "_nonzero_span" not in group._wb_executor.source      # the body writes x


def test_negative_zero_is_false_and_nan_is_true():
    x = np.zeros(2 * BLOCK)
    x[3], x[BLOCK + 2] = -0.0, np.nan
    order, _, _ = _visits("numba", x, 0, 2 * BLOCK)
    assert order[0] == BLOCK + 2.                      # then the chain it starts
    assert order == _visits("numpy", x, 0, 2 * BLOCK)[0]


class LastIndex(bp.NeuGroup):
    """Reads the loop variable after the loop: its last value must stay that of range()."""
    target_backend = ["numpy", "numba"]

    def __init__(self, **kwargs):
        self.x = np.zeros(3 * BLOCK)
        self.x[2] = 1.
        self.out = np.zeros(2)
        super().__init__(size=3 * BLOCK, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            if self.x[i]:
                self.out[0] += 1.
        self.out[1] = i


def test_a_loop_whose_variable_is_read_later_is_left_alone():
    bp.backend.set("numba", dt=0.1)
    group = LastIndex()
    group.run(0.1)
    assert group.out.tolist() == [1., 3 * BLOCK - 1.]
    assert "_block_is_zero" not in group._wb_executor.source.split("def run_loop")[0]


class Relay(bp.NeuGroup):
    """Each true x[i] sets y[i + 3]; y is a view of x (aliased) or another array.

    x has 3 elements more than the group, so the compiled step proves every index
    in range and runs its fast copy, the one whose blocks are narrowed.
    """
    target_backend = ["numpy", "numba"]

    def __init__(self, x, aliased, **kwargs):
        self.x = x
        self.y = x[:] if aliased else np.zeros_like(x)   # another object: a run-time test
        self.order = np.zeros(x.shape[0] * 4)
        self.n = np.zeros(1, dtype=np.int64)
        super().__init__(size=x.shape[0] - 3, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                self.y[i + 3] = 1.


@pytest.mark.parametrize("aliased", [False, True])
def test_narrowed_blocks_visit_what_numpy_visits_also_when_the_written_array_is_the_tested_one(
        aliased):
    x = np.zeros(4 * BLOCK + 10)
    x[[1, 5, BLOCK + 30, 2 * BLOCK + 31, 4 * BLOCK + 2]] = 1.
    runs = {}
    for backend in ("numpy", "numba"):
        bp.backend.set(backend, dt=0.1)
        group = Relay(x.copy(), aliased)
        group.run(0.3)                                   # three steps
        runs[backend] = (group.order[:group.n[0]].tolist(), group.x.tolist(), group.y.tolist())
    assert runs["numba"] == runs["numpy"]
    # x never changes in the step unless y is x: then the chain reaches later elements
    assert len(runs["numpy"][0]) > 3 * 5 if aliased else len(runs["numpy"][0]) == 3 * 5
    fast_copy = group._wb_executor.source.split("else:")[0]
    assert "_nonzero_span(self__x, " in fast_copy and \
        "self__y.ctypes.data + self__y.nbytes <= self__x.ctypes.data" in fast_copy


class Writer(bp.NeuGroup):
    """The body writes x through a numpy call: a ufunc's ``out``, ``fill_diagonal`` of a view."""
    target_backend = ["numpy", "numba"]

    def __init__(self, how, **kwargs):
        self.how = how
        self.x = np.zeros(3 * BLOCK + 3)
        self.x[[1, 40]] = 1.
        self.one = np.ones(3 * BLOCK + 3)
        self.m = self.x[34:98].reshape(2, BLOCK)
        self.order = np.zeros(4 * BLOCK)
        self.n = np.zeros(1, dtype=np.int64)
        super().__init__(size=3 * BLOCK, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            if self.x[i]:
                self.order[self.n[0]] = i
                self.n[0] += 1
                if self.how == 0:
                    np.add(self.one, 0.0, self.x)
                else:
                    np.fill_diagonal(self.m, 1.)


@pytest.mark.parametrize("how", [0, 1])
def test_a_numpy_call_that_writes_the_tested_array_keeps_every_visit(how):
    # Python itself is the reference (the numpy backend vectorizes such loops)
    bp.backend.set("numpy", dt=0.1)
    direct = Writer(how)
    direct.update(0.)
    bp.backend.set("numba", dt=0.1)
    group = Writer(how)
    group.run(0.1)
    assert group.order[:group.n[0]].tolist() == direct.order[:direct.n[0]].tolist()
    assert direct.n[0] > 2
    assert "_nonzero_span" not in group._wb_executor.source
