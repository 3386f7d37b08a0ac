"""Ragged index lists (``pre2post``) pass to compiled code as CSR arrays, read at every run."""

import numpy as np
import pytest

import workbench as bp
from workbench.simulation.numba.generator.bindings import csr_arrays


def _expected(lists):
    """indptr and indices written out element by element (independent of csr_arrays)."""
    indptr, indices = [0], []
    for row in lists:
        for value in row:
            indices.append(int(value))
        indptr.append(len(indices))
    return indptr, indices


@pytest.mark.parametrize("lists", [
    [np.array([3, 1], dtype=np.int32), np.array([], dtype=np.int32), np.array([0])],
    [np.array([2], dtype=np.uint8), np.array([5, 4], dtype=np.int64)],
    [[1, 2], [], np.array([0], dtype=np.int16)],            # lists and arrays mixed
    [np.array([7], dtype=np.uint64), np.array([1], dtype=np.int64)],   # promotes to float
    [np.array([], dtype=np.int32), np.array([], dtype=np.int32)],
])
def test_csr_arrays_flatten_every_row_in_order_as_int64(lists):
    indptr, indices = csr_arrays(lists)
    expected_ptr, expected_indices = _expected(lists)
    assert indptr.dtype == np.int64 and indices.dtype == np.int64
    assert indptr.tolist() == expected_ptr
    assert indices.tolist() == expected_indices


class Fanout(bp.NeuGroup):
    """Adds 1 to out[j] for every j in targets[i] of every i: a pre2post-style loop."""
    target_backend = ["numpy", "numba"]

    def __init__(self, **kwargs):
        self.targets = [np.array([1, 2], dtype=np.int32), np.array([], dtype=np.int32),
                        np.array([0, 0, 2], dtype=np.int32)]
        self.out = np.zeros(3)
        super().__init__(size=3, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            for j in self.targets[i]:
                self.out[j] += 1.


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_ragged_list_changed_in_place_between_runs_is_seen(backend):
    bp.backend.set(backend, dt=0.1)
    group = Fanout()
    group.run(0.1)                                  # one step
    assert group.out.tolist() == [2., 1., 2.]
    group.targets[0][:] = [0, 0]                    # the element's contents, not the list
    group.out[:] = 0.
    group.run(0.1)
    assert group.out.tolist() == [4., 0., 1.]
