"""A derivative returning one array for several variables is an error, never split along axis 0.

The derivatives are defined with ``exec`` (no source text), so only the call can tell.
"""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import DiffEqError, SimulationError

namespace = {"np": np}
exec("def stacked(x, y, t):\n    return np.array([-x, -y]) if np.ndim(x) == 0 else -x\n"
     "def as_list(x, y, t):\n    return [-x, -y]\n", namespace)

MESSAGE = r"`stacked` returns 1 value \(a ndarray\) but has 2 variables before `t` \(x, y\)"


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("x", [1.0, np.ones(2), np.ones(3)], ids=["scalar", "two", "three"])
def test_one_array_for_two_variables_raises(backend, x):
    bp.backend.set(backend)
    integral = bp.odeint(namespace["stacked"], method="euler")
    with pytest.raises(DiffEqError, match=MESSAGE):
        integral(x, x, 0.0)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_one_array_for_two_variables_raises_in_a_simulation(backend):
    bp.backend.set(backend)

    class Pair(bp.NeuGroup):
        def __init__(self, size, **kwargs):
            self.x, self.y = np.ones(size), np.ones(size)
            self.integral = bp.odeint(namespace["stacked"], method="euler")
            super().__init__(size=size, **kwargs)

        def update(self, _t):
            self.x, self.y = self.integral(self.x, self.y, _t)

    # The run names the object, the time and the step, then the integrator's message.
    with pytest.raises(SimulationError, match=r"Pair '.*' \(size 2\) failed at t=0 ms .*" + MESSAGE):
        Pair(2).run(0.3)


def test_a_list_of_one_value_per_variable_is_accepted():
    integral = bp.odeint(namespace["as_list"], method="euler")
    x, y = integral(np.ones(2), np.full(2, 2.0), 0.0)
    np.testing.assert_allclose(x, 0.9)
    np.testing.assert_allclose(y, 1.8)
