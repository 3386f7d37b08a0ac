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
def test_a_nan_overwritten_within_a_chunk_is_reported(backend, fallback):
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
