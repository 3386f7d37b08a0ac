"""Steps that compiled before unsigned indices and integer NaN-watch flags still compile.

The fast copy casts proven non-negative indices to unsigned (``_nonnegative_index``)
and the NaN watch ORs ``_nonfinite_bits(value)`` into integer flags. Values that are
not integer scalars or floats (an index array read from a row, a float slice bound
from unsigned arithmetic, a 0-d array stored into an element) must compile as they
did, with numpy's results; a warning would mean the step fell back to the
interpreter.
"""

import warnings

import numpy as np
import pytest

import workbench as bp
from workbench.simulation.numba import kernels


def _run(cls, backend, *args):
    bp.backend.set(backend, dt=0.1)
    group = cls(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no StepCompileWarning: compiled
        group.run(0.3)
    return group


class RowScatter(bp.NeuGroup):
    """``posts = self.pre2post[i]`` is an index array read from an array of rows."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size):
        self.g = np.zeros(size)
        self.spike = np.ones(size, dtype=bool)
        self.pre2post = [np.array([1, 2]), np.array([0]), np.array([3, 1, 2]),
                         np.array([], dtype=int)]
        super().__init__(size=size)

    def update(self, _t):
        for i in range(self.num):
            if self.spike[i]:
                posts = self.pre2post[i]
                self.g[posts] += 1.


def test_an_index_array_read_from_a_row_still_compiles():
    group = _run(RowScatter, "numba", 4)
    np.testing.assert_array_equal(group.g, _run(RowScatter, "numpy", 4).g)
    np.testing.assert_array_equal(group.g, [3., 6., 6., 3.])


class UnsignedSlice(bp.NeuGroup):
    """Slice bounds of uint64: numba's uint64 + int64 arithmetic makes them floats."""
    target_backend = ["numpy", "numba"]

    def __init__(self, lo, hi, dtype):
        self.V = np.zeros(5)
        self.ids = np.array([4, 3, 2, 1, 0], dtype=dtype)
        self.ptr = np.array([lo, hi], dtype=dtype)
        super().__init__(size=5)

    def update(self, _t):
        for j in self.ids[self.ptr[0]:self.ptr[1]]:
            self.V[j] += 1.


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint32, np.uint64])
@pytest.mark.parametrize("lo, hi", [(1, 4), (3, 1), (0, 0), (2, 9)])
def test_slice_loops_with_unsigned_bounds_visit_what_numpy_visits(dtype, lo, hi):
    compiled = _run(UnsignedSlice, "numba", lo, hi, dtype)
    np.testing.assert_array_equal(compiled.V, _run(UnsignedSlice, "numpy", lo, hi, dtype).V)


class ZeroDimStore(bp.NeuGroup):
    """``V[i] = self.vr`` with a 0-d array: the NaN watch tests the stored value."""
    target_backend = ["numpy", "numba"]

    def __init__(self, vr):
        self.V = np.zeros(4)
        self.vr = np.array(vr)
        super().__init__(size=4)

    def update(self, _t):
        for i in range(self.num):
            self.V[i] = self.vr


def test_a_zero_dimensional_array_stored_into_an_element_compiles_and_is_watched():
    np.testing.assert_array_equal(_run(ZeroDimStore, "numba", -65.).V, [-65.] * 4)
    bp.backend.set("numba", dt=0.1)
    group = ZeroDimStore(np.inf)
    with pytest.raises(bp.errors.SimulationError, match=r"V became inf at t=0 ms"):
        group.run(0.3)


@pytest.mark.parametrize("value, expected", [(1.5, 0), (-0.0, 0), (np.inf, 1), (np.nan, 1),
                                             (np.float32(-np.inf), 1), (3, 0), (True, 0),
                                             (np.bool_(True), 0), (np.array(np.nan), 1)])
def test_nonfinite_bits_without_numba_says_whether_a_value_is_nan_or_inf(value, expected):
    assert kernels.nonfinite_bits(value) == expected


@pytest.mark.parametrize("fastmath", [True, {"reassoc", "nsz"}, {"arcp", "contract", "afn"}])
def test_nonfinite_bits_stays_exact_inside_a_caller_compiled_with_fast_math(fastmath):
    """Overloads inherit the caller's fast-math flags unless they set their own: with
    ``reassoc`` and ``nsz`` LLVM folds ``inf - inf`` to 0 and the watch went blind."""
    import numba

    @numba.njit(fastmath=fastmath)
    def watch(x):
        bits = np.uint64(0)
        for i in range(x.shape[0]):
            value = x[i] * 1e100
            x[i] = value
            bits |= kernels.nonfinite_bits(value)
        return bits

    assert watch(np.array([1e300, 1.0])) != 0          # 1e400 is inf
    assert watch(np.array([1e200, 1.0])) == 0


class ReadIndex(bp.NeuGroup):
    target_backend = ["numpy", "numba"]

    def __init__(self, ids):
        self.V = np.zeros(5)
        self.ids = ids
        super().__init__(size=5)

    def update(self, _t):
        for k in range(self.ids.shape[0]):
            j = self.ids[k]
            self.V[j] += 1.


def test_an_unsigned_index_beyond_the_int64_range_is_a_clear_error():
    bp.backend.set("numba", dt=0.1)
    for ids in ([0, 2 ** 64 - 1 - 10 ** 12], [2 ** 63 + 5, 2 ** 64 - 1]):
        group = ReadIndex(np.array(ids, dtype=np.uint64))
        with pytest.raises(bp.errors.SimulationError, match=r"out of range for self\.V"):
            group.run(0.1)
    group.ids[:] = [0, 3]                             # in range again: the fast copy
    group.V[:] = 0.
    group.run(0.1)
    assert group.V.tolist() == [1., 0., 0., 1., 0.]
