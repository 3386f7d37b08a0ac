"""Fixtures of the numba backends' tests."""

import numba
import pytest

from workbench.simulation.numba import executor as numba_executor
from workbench.simulation.numba import parallel_choice


@pytest.fixture
def always_parallel(monkeypatch):
    """Every step with a parallel twin takes the parallel path, with 2 threads: the minimum
    size is 1 and the executor's measuring is off."""
    monkeypatch.setattr(numba_executor, "PARALLEL_MIN_SIZE", 1)
    monkeypatch.setattr(parallel_choice, "ADAPTIVE", False)
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.fail("these tests need numba to have at least 2 threads")
    numba.set_num_threads(2)
