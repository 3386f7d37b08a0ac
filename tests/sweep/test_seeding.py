"""Seeds: derived from the sweep's seed and the row; seed_all seeds numpy, numba and random."""

import random

import numpy as np

from workbench.backend.jit import jit
from workbench.sweep import seed_all, set_seed
from workbench.sweep.seeding import build_seed


@jit
def _numba_draws(n):
    out = np.empty(n)
    for i in range(n):
        out[i] = np.random.random()
    return out


def test_set_seeds_follow_the_documented_seed_sequence():
    for index in (0, 1, 7, 1000):
        expected = np.random.SeedSequence(42, spawn_key=(1, index)).generate_state(1, np.uint32)[0]
        assert set_seed(42, index) == int(expected)
    seeds = [set_seed(42, i) for i in range(200)]
    assert len(set(seeds)) == 200 and all(0 <= s < 2 ** 32 for s in seeds)
    assert set_seed(43, 0) != set_seed(42, 0)


def test_build_seeds_differ_from_set_seeds_and_between_build_values():
    assert build_seed(42) == int(np.random.SeedSequence(42, spawn_key=(0, 0))
                                 .generate_state(1, np.uint32)[0])
    assert build_seed(42) not in {set_seed(42, i) for i in range(100)}
    assert build_seed(42, {'num': 10}) != build_seed(42, {'num': 20})
    assert build_seed(42, {'num': 10}) == build_seed(42, {'num': 10})


def test_seed_all_reseeds_numpy_numba_and_random():
    seed_all(5)
    first = (np.random.random(3), _numba_draws(3), random.random())
    seed_all(5)
    again = (np.random.random(3), _numba_draws(3), random.random())
    seed_all(6)
    other = (np.random.random(3), _numba_draws(3), random.random())
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert first[2] == again[2]
    assert not np.array_equal(first[0], other[0]) and not np.array_equal(first[1], other[1])
    assert first[2] != other[2]
