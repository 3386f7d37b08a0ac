"""``for x in a[lo:hi]`` in a compiled step runs as an index loop with Python's slice bounds."""

import itertools

import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import jit
from workbench.simulation.numba import kernels

BOUNDS = [-9, -7, -3, -1, 0, 1, 3, 6, 7, 12]


@jit
def _compiled_bounds(lower, upper, size):
    return kernels.slice_bounds(lower, upper, size)


def test_slice_bounds_equal_pythons_slice_indices():
    for lower, upper, size in itertools.product(BOUNDS, BOUNDS, [0, 1, 7]):
        start, stop, _ = slice(lower, upper).indices(size)
        expected = list(range(start, stop))
        for bounds in (kernels.slice_bounds, _compiled_bounds):
            assert list(range(*bounds(lower, upper, size))) == expected, (lower, upper, size)


class SliceSum(bp.NeuGroup):
    """Adds ids[lo:hi] (a row of a 2-d array too) with bounds from attributes."""
    target_backend = ["numpy", "numba"]

    def __init__(self, lo, hi, **kwargs):
        self.ids = np.array([4, 0, 3, 1, 2, 6, 5])
        self.pairs = np.arange(14.).reshape(7, 2)
        self.lo, self.hi = lo, hi
        self.out = np.zeros(7)
        self.rows = np.zeros(2)
        super().__init__(size=7, **kwargs)

    def update(self, _t):
        for j in self.ids[self.lo:self.hi]:
            self.out[j] += 1.
        for row in self.pairs[self.lo:]:
            self.rows[0] += row[0]
            self.rows[1] += row[1]
        for j in self.ids[:self.hi]:
            self.out[j] += 0.5


@pytest.mark.parametrize("lo, hi", [(0, 7), (2, 5), (-3, -1), (-9, 12), (5, 2), (3, 3), (6, 40)])
def test_compiled_slice_loops_visit_what_python_visits(lo, hi):
    results = {}
    for backend in ("numba", "numpy"):
        bp.backend.set(backend, dt=0.1)
        group = SliceSum(lo, hi)
        group.run(0.3)
        results[backend] = (group.out.copy(), group.rows.copy())
    np.testing.assert_array_equal(results["numba"][0], results["numpy"][0])
    np.testing.assert_array_equal(results["numba"][1], results["numpy"][1])
    expected = np.zeros(7)
    for j in SliceSum(lo, hi).ids[lo:hi]:
        expected[j] += 3.
    for j in SliceSum(lo, hi).ids[:hi]:
        expected[j] += 1.5
    np.testing.assert_array_equal(results["numba"][0], expected)


def test_the_generated_step_iterates_by_index():
    bp.backend.set("numba", dt=0.1)
    group = SliceSum(1, 4)
    group.run(0.1)
    source = group._wb_executor.source
    assert "_slice_bounds(self__lo, self__hi, self__ids.shape[0])" in source
    assert "in self__ids[" not in source
