"""Exponential Euler: exact on linear ODEs, linear parts from SymPy, helpful failures."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import IntegratorError
from workbench.integrators.exponential import linear_coefficients

DECAY_RATE = 0.3            # a numeric global: substituted into the generated coefficient


def linear_pair(x, y, t, a, b, c):
    dx = a - b * x                       # x(t) = a/b + (x0 - a/b) exp(-b t)
    dy = c * (2.0 - y) - DECAY_RATE * y  # y' = 2c - (c + 0.3) y
    return dx, dy


def exact_pair(t, x0, y0, a, b, c):
    rate = c + DECAY_RATE
    return (a / b + (x0 - a / b) * np.exp(-b * t),
            2 * c / rate + (y0 - 2 * c / rate) * np.exp(-rate * t))


@pytest.mark.parametrize("dt", [0.05, 0.5, 3.0])
def test_exact_on_linear_odes_for_any_step(dt):
    integral = bp.odeint(linear_pair, method="exponential_euler", dt=dt)
    x, y = 5.0, -1.0
    for i in range(10):
        x, y = integral(x, y, i * dt, 2.0, 0.7, 1.3)
    ex, ey = exact_pair(10 * dt, 5.0, -1.0, 2.0, 0.7, 1.3)
    assert x == pytest.approx(ex, rel=1e-13) and y == pytest.approx(ey, rel=1e-13)


def test_exact_on_arrays_of_rates():
    def relax(x, t, k):
        return 1.0 - k * x

    integral = bp.odeint(relax, method="exponential_euler", dt=0.25)
    k = np.array([0.0, 1e-12, 0.5, 40.0])          # zero and tiny rates: exprel(0) = 1
    x = np.zeros(4)
    for i in range(8):
        x = integral(x, i * 0.25, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(k > 0, -np.expm1(-k * 2.0) / k, 2.0)
    np.testing.assert_allclose(x, exact, rtol=1e-11)


def test_linear_coefficients_come_from_sympy():
    a_x, a_y = linear_coefficients(linear_pair, ("x", "y"))
    assert str(a_x) == "-b" and str(a_y) == "-c - 0.3"


def test_variable_without_linear_part_takes_an_euler_step():
    integral = bp.odeint(forced, method="exponential_euler", dt=0.1)
    assert "A_x" not in integral.source
    assert integral(1.0, 0.5) == pytest.approx(1.0 + 0.1 * np.cos(0.5), rel=1e-15)


def forced(x, t):
    return np.cos(t)


def test_first_order_on_a_nonlinear_problem_and_consistent_with_euler_for_small_dt():
    def logistic(x, t, r):
        return r * x * (1 - x)

    integral = bp.odeint(logistic, method="exponential_euler", dt=1e-6)
    x = integral(0.2, 0.0, 2.0)
    assert x == pytest.approx(0.2 + 1e-6 * 2.0 * 0.2 * 0.8, rel=1e-10)


class HH:
    """Manual ch. 7: an exponential Euler integrator written as a method."""

    def __init__(self):
        self.ENa, self.EK, self.EL = 50., -77., -54.387
        self.C, self.gNa, self.gK, self.gL = 1.0, 120., 36., 0.03

    @bp.odeint(method='exponential_euler', dt=0.05)
    def integral(self, V, m, h, n, t, Iext):
        alpha = 0.1 * (V + 40) / (1 - bp.ops.exp(-(V + 40) / 10))
        beta = 4.0 * bp.ops.exp(-(V + 65) / 18)
        dmdt = alpha * (1 - m) - beta * m

        alpha = 0.07 * bp.ops.exp(-(V + 65) / 20.)
        beta = 1 / (1 + bp.ops.exp(-(V + 35) / 10))
        dhdt = alpha * (1 - h) - beta * h

        alpha = 0.01 * (V + 55) / (1 - bp.ops.exp(-(V + 55) / 10))
        beta = 0.125 * bp.ops.exp(-(V + 65) / 80)
        dndt = alpha * (1 - n) - beta * n

        I_Na = (self.gNa * m ** 3 * h) * (V - self.ENa)
        I_K = (self.gK * n ** 4) * (V - self.EK)
        I_leak = self.gL * (V - self.EL)
        dVdt = (- I_Na - I_K - I_leak + Iext) / self.C

        return dVdt, dmdt, dhdt, dndt


def test_method_taking_self_reads_instance_parameters_in_the_linear_part():
    neuron = HH()
    assert "self.gNa" in HH.integral.source
    V, m, h, n = -65., 0.05, 0.6, 0.32
    spikes = 0
    for i in range(2000):                                    # 100 ms
        V_new, m, h, n = neuron.integral(V, m, h, n, i * 0.05, 10.0)
        spikes += V < 0 <= V_new
        V = V_new
    assert spikes >= 5
    neuron.gNa = 0.0                                         # no sodium current: no spikes
    V, m, h, n = -65., 0.05, 0.6, 0.32
    for i in range(2000):
        V, m, h, n = neuron.integral(V, m, h, n, i * 0.05, 10.0)
    assert V < -40


def test_numba_and_numpy_agree():
    integral = bp.odeint(linear_pair, method="exponential_euler", dt=0.5)
    expected = integral(5.0, -1.0, 0.0, 2.0, 0.7, 1.3)
    bp.backend.set("numba")
    np.testing.assert_allclose(integral(5.0, -1.0, 0.0, 2.0, 0.7, 1.3), expected, rtol=1e-14)


def test_function_without_symbolic_form_is_refused_with_advice():
    def branching(x, t):
        if x > 0:
            return -x
        return x

    with pytest.raises(IntegratorError, match=r"exponential_euler.*SymPy.*another method"):
        bp.odeint(branching, method="exponential_euler")
