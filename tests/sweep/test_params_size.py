"""A grid too large to hold is refused before it is expanded (issue 15: 1e5 x 1e5 never returned)."""

import time

import numpy as np
import pytest

from workbench.sweep import ParameterSets, SweepError
from workbench.sweep import params


def test_huge_grid_is_refused_at_once_naming_its_axes():
    started = time.perf_counter()
    with pytest.raises(SweepError, match=r"the grid 100,000 \(a\) x 100,000 \(b\) makes "
                                         r"10,000,000,000 runs, more than the 1,000,000"):
        ParameterSets({'a': np.arange(1e5), 'b': np.arange(1e5)})
    assert time.perf_counter() - started < 5.0


def test_repeats_count_and_the_limit_itself_passes(monkeypatch):
    with pytest.raises(SweepError, match=r"1,000 \(a\) x 1,001 \(b\) x 2 repeats"):
        ParameterSets({'a': range(1000), 'b': range(1001)}, repeats=2)
    with pytest.raises(SweepError, match=r"600,000 parameter sets x 2 repeats"):
        ParameterSets([{'a': 1}] * 600_000, repeats=2)
    monkeypatch.setattr(params, "MAX_PARAMETER_SETS", 100)
    sets = ParameterSets({"a": range(10), "b": range(10)})
    assert len(sets) == 100 and sets.varied == ["a", "b"]
    with pytest.raises(SweepError, match=r"10 \(a\) x 11 \(b\) makes 110 runs, more than the 100"):
        ParameterSets({"a": range(10), "b": range(11)})
