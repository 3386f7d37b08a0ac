"""A NaN that appears and is overwritten within one chunk of steps is reported (docs/simulation.md).

Compiled steps flag the store itself (``numba/generator/nan_watch.py``); the
interpreted executor is checked after every step. Both name the object, the
variable, the time and the step.
"""

import inspect

import numpy as np
import pytest

import workbench as bp
from workbench.errors import SimulationError

class Blip(bp.NeuGroup):
    """V is NaN during one step only (then reset); t_last is -inf from the start."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.V = np.zeros(size)
        self.t_last = np.full(size, -np.inf)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.t_last[i] = self.t_last[i] + 0.0        # stays -inf: not a new value
            if 0.45 < _t < 0.55:
                self.V[i] = np.log(-1.0 - i)
            else:
                self.V[i] = 0.


_no_source = {"bp": bp, "np": np}
exec(compile(inspect.getsource(Blip), "<no file>", "exec"), _no_source)   # no source: the fallback path
BlipWithoutSource = _no_source["Blip"]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning",
                            "ignore::workbench.simulation.executor.StepCompileWarning")
@pytest.mark.parametrize("fallback", [False, True])
def test_a_nan_overwritten_within_a_chunk_is_reported(backend_or_fastmath, fallback):
    """200 steps in chunks of 20: the NaN of step 5 is gone when the chunk ends."""
    cls = BlipWithoutSource if fallback else Blip
    group = cls(3, name="blip")
    with pytest.raises(SimulationError, match=r"Blip 'blip' \(size 3\): V became NaN at t=0\.5 ms "
                                              r"\(step 5 of the run\) in step 'update'"):
        group.run(20.)


def test_without_a_nan_nothing_is_reported(backend):
    group = Blip(3, name="quiet")
    group.run(0.4)                       # stops before the NaN step
    assert np.isneginf(group.t_last).all()


class Target(bp.NeuGroup):
    """Its x is reset to 0 by its own step, after the scatter of the step before."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        self.x = np.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            self.x[i] = 0.


class Scatter(bp.NeuGroup):
    """Adds to target.x[ids[k]] (a per-synapse scatter); one addend is NaN for one step."""
    target_backend = ["numpy", "numba"]

    def __init__(self, target, **kwargs):
        self.target = target
        self.ids = np.array([2, 0, 2, 1])
        super().__init__(size=4, **kwargs)

    def update(self, _t):
        for k in range(self.num):
            v = np.log(-1.0) if (0.65 < _t < 0.75 and k == 3) else 0.5
            self.target.x[self.ids[k]] += v


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("fastmath", [False, True])
def test_a_nan_scattered_into_another_array_and_reset_is_reported(fastmath):
    """x is written only by the scatter's += (counted when the step ends, no per-store flag)
    and reset by its owner's step right after: the NaN lives for part of one time step, which
    only compiled steps see (interpreted executors check after every time step)."""
    bp.backend.set("numba", dt=0.1)
    bp.backend.set_numba_profile(fastmath=fastmath)
    target = Target(3, name="tgt")
    net = bp.Network(Scatter(target, name="sc"), target)
    with pytest.raises(SimulationError, match=r"Target 'tgt' \(size 3\): x became NaN at "
                                              r"t=0\.7 ms \(step 7 of the run\) in step 'update'"):
        net.run(20.)
    source = net._wb_executor.source
    assert "_nonfinite_report(self__target__x, " in source
    assert "|= " not in source.split("def Scatter_update")[1].split("def ")[0]


class StoresAParameter(bp.NeuGroup):
    """Stores ``self.level`` (the same value at every store) during one step, then 0."""
    target_backend = ["numpy", "numba"]

    def __init__(self, size, level, window, **kwargs):
        self.V = np.zeros(size)
        self.level = level
        self.lo, self.hi = window
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.num):
            if self.lo < _t < self.hi:
                self.V[i] = self.level
            else:
                self.V[i] = 0.


def test_a_nan_parameter_stored_for_one_step_is_reported(backend_or_fastmath):
    """The store's value is tested once per step, before the loop: still seen, with its time."""
    group = StoresAParameter(3, np.nan, (0.45, 0.55), name="param")
    with pytest.raises(SimulationError, match=r"V became NaN at t=0\.5 ms \(step 5 of the run\)"):
        group.run(20.)


def test_a_nan_parameter_never_stored_is_not_reported(backend):
    group = StoresAParameter(3, np.inf, (5., 4.), name="unused")
    group.run(2.)
    assert (group.V == 0.).all()


def test_stores_of_invariant_values_have_no_flag_in_the_loop():
    bp.backend.set("numba", dt=0.1)
    group = StoresAParameter(3, 1.0, (0.45, 0.55), name="flags")
    group.run(0.2)
    loops = group._wb_executor.source.split("for i in range")[1:]
    assert loops and all("|= " not in loop.split("_nonfinite_report")[0] for loop in loops)
