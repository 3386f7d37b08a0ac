"""Kernels of generated code: in-place writes, axis sums, element-wise integrator calls."""

import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import is_jit_disabled, jit
from workbench.simulation.numba import kernels


@jit
def _add_in_place(a, b):
    kernels.iadd(a, b)


@pytest.mark.parametrize("shape, src_shape", [((5,), (5,)), ((3, 4), (4,)), ((3, 4), (3, 4)),
                                              ((2, 3, 4), (3, 4))])
def test_in_place_kernels_follow_numpy(shape, src_shape):
    rng = np.random.RandomState(0)
    dst, src = rng.randn(*shape), rng.randn(*src_shape)
    python = dst.copy()
    kernels.iadd(python, src)                      # the plain-Python version
    compiled = dst.copy()
    _add_in_place(compiled, src)                   # the numba overload
    np.testing.assert_array_equal(python, dst + src)
    np.testing.assert_array_equal(compiled, dst + src)


def test_in_place_kernels_refuse_mismatched_shapes():
    @jit
    def assign(a, b):
        kernels.assign(a, b)
    with pytest.raises(ValueError, match="could not broadcast"):
        assign(np.zeros(3), np.ones(4))
    scalar = np.zeros((2, 2))
    assign(scalar, 2.5)
    np.testing.assert_array_equal(scalar, np.full((2, 2), 2.5))


def test_axis_sum_equals_numpy_bit_for_bit_along_rows():
    x = np.random.RandomState(1).randn(300, 50) * 1e3

    @jit
    def total(a, axis):
        return kernels.sum_axis(a, axis)
    np.testing.assert_array_equal(total(x, 0), np.sum(x, axis=0))
    np.testing.assert_allclose(total(x, 1), np.sum(x, axis=1), rtol=1e-13)
    np.testing.assert_array_equal(total(x > 0, 0), np.sum(x > 0, axis=0))


def test_elementwise_integrator_call_equals_the_array_call():
    @bp.odeint(method='rk4', dt=0.05)
    def fhn(V, w, t, Iext, a, b, tau):
        dw = (V + a - b * w) / tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw

    bp.backend.set("numba")
    call = kernels.elementwise_call(fhn.jit_step, 2)

    @jit
    def via_elements(V, w, Iext):
        return call(V, w, 0., Iext, 0.7, 0.8, 12.5)

    V = np.linspace(-2., 2., 7)
    w = np.linspace(-1., 1., 7)
    Iext = np.linspace(0., 1., 7)
    elements = via_elements(V, w, Iext)
    arrays = fhn.python_step(V, w, 0., Iext, 0.7, 0.8, 12.5)
    np.testing.assert_array_equal(elements[0], arrays[0])
    np.testing.assert_array_equal(elements[1], arrays[1])
    assert via_elements(0.5, 0.1, 0.2) == fhn(0.5, 0.1, 0., 0.2, 0.7, 0.8, 12.5)


@jit
def _append_events(flat, rows, columns, weights, weighted, count, row):
    kernels.append_events(flat, rows, columns, weights, weighted, count, row)


@pytest.mark.parametrize("dtype", [np.bool_, np.float64, np.int32])
@pytest.mark.parametrize("size", [0, 5, 16, 37, 100])
def test_append_events_lists_every_nonzero_element_in_order(dtype, size):
    # sizes around the 16-element blocks the kernel skips; NaN counts as non-zero and
    # -0.0 as zero, as in the loop ``if x[j]:`` the kernel replaces
    rng = np.random.RandomState(size)
    flat = (rng.rand(size) < 0.2).astype(dtype)
    if dtype is np.float64 and size:
        flat[flat != 0] = rng.randn(int(np.count_nonzero(flat)))
        flat[rng.rand(size) < 0.1] = -0.0
        flat[rng.rand(size) < 0.05] = np.nan
    expected = np.flatnonzero(flat)
    for weighted in (True, False):
        rows = np.full(3 + size, -1, dtype=np.int64)
        columns = np.full(3 + size, -1, dtype=np.int64)
        weights = np.full(3 + size if weighted else 1, -5.0)
        count = np.array([3], dtype=np.int64)           # three events already recorded
        _append_events(flat, rows, columns, weights, weighted, count, 7)
        end = 3 + len(expected)
        assert count[0] == end
        np.testing.assert_array_equal(rows[3:end], 7)
        np.testing.assert_array_equal(columns[3:end], expected)
        np.testing.assert_array_equal(rows[end:], -1)
        np.testing.assert_array_equal(rows[:3], -1)
        if weighted:
            np.testing.assert_array_equal(weights[3:end], flat[expected].astype(np.float64))
        else:
            np.testing.assert_array_equal(weights, [-5.0])


@pytest.mark.parametrize("value", [0, 1, -3, 2 ** 63, True, False, np.uint64(0), np.uint64(5)])
def test_unlikely_is_the_truth_of_a_flag(value):
    compiled = jit(inner=False)(lambda flag: kernels.unlikely(flag))
    assert compiled(value) is bool(value)
    assert kernels.unlikely(value) == bool(value)


@pytest.mark.skipif(is_jit_disabled(), reason="NUMBA_DISABLE_JIT=1: nothing is compiled, "
                    "there is no LLVM IR to inspect")
def test_the_nan_reports_share_one_counting_function_out_of_line():
    """Reports and baselines are cold: LLVM must keep their counting loop out of line
    (one copy, called) instead of inlining a vectorized copy at every site."""
    @jit(inner=False, cache=False)     # a function loaded from the disk cache has no IR
    def watched_step(a, b, c, counts, record, flag):
        kernels.nonfinite_baseline(a, counts[0], record)
        kernels.nonfinite_baseline(b, counts[1], record)
        kernels.nonfinite_baseline(c, counts[2], record)
        if kernels.unlikely(flag):
            kernels.nonfinite_report(a, counts[0], record, 0, 7)
            kernels.nonfinite_report(b, counts[1], record, 1, 7)
        kernels.nonfinite_report(c, counts[2], record, 2, 7)

    a, b, c = np.zeros(8), np.zeros(8), np.zeros(8)
    counts, record = np.full((3, 2), -1, dtype=np.int64), np.full(4, -1, dtype=np.int64)
    watched_step(a, b, c, counts, record, 0)
    assert record[0] == -1
    b[3] = np.nan
    watched_step(a, b, c, counts, record, 1)
    assert list(record[:3]) == [1, 7, 1]                 # site 1, step 7, a NaN
    llvm = next(iter(watched_step.inspect_llvm().values()))
    tally = [line for line in llvm.splitlines() if line.startswith("define") and
             "_tally_nonfinite" in line]
    assert len(tally) == 1
    assert llvm.count("call ") >= llvm.count("_tally_nonfinite") - 1 >= 3
