"""A run after ``bp.backend.set_dt()`` integrates with the new step (the model was defined before)."""

import numpy as np
import pytest

import workbench as bp


class Decay(bp.NeuGroup):
    """x' = -x / tau with forward Euler: after n steps of dt, x = (1 - dt / tau) ** n."""

    def __init__(self, size, tau=2.0, **kwargs):
        self.x = np.ones(size)
        self.tau = tau
        self.integral = bp.odeint(self.derivative, method="euler")
        super().__init__(size=size, **kwargs)

    @staticmethod
    def derivative(x, t, tau):
        return -x / tau

    def update(self, _t):
        self.x = self.integral(self.x, _t, self.tau)


def test_model_defined_before_set_dt_runs_with_the_new_dt(backend):
    group = Decay(2, monitors=["x"])
    bp.backend.set_dt(0.05)
    group.run(1.0)
    assert group.mon.ts.size == 20
    np.testing.assert_allclose(group.x, (1 - 0.05 / 2.0) ** 20, rtol=1e-13)
    # Back to 0.1: the executor of the previous run must not be reused with the old step.
    bp.backend.set_dt(0.1)
    group.x[:] = 1.0
    group.run(1.0)
    np.testing.assert_allclose(group.x, (1 - 0.1 / 2.0) ** 10, rtol=1e-13)
