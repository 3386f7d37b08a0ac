"""The code generator: readable source, collision-free names, cache keys."""

from fractions import Fraction

import numpy as np
import pytest

import workbench as bp
from workbench.integrators import codegen
from workbench.integrators.codegen import (StepSpec, fingerprint, format_coefficient,
                                           runge_kutta_source, weighted_sum)
from workbench.integrators.tableaus import ODE_TABLEAUS


def test_coefficients_and_sums_are_readable():
    assert format_coefficient(Fraction(-7200, 2197)) == "-7200 / 2197"
    assert format_coefficient(Fraction(2)) == "2"
    assert format_coefficient(0.4) == "0.4"
    assert weighted_sum([(Fraction(1, 6), "k1"), (0, "k2"), (Fraction(-1, 3), "k3"),
                         (1, "k4")]) == "1 / 6 * k1 - 1 / 3 * k3 + k4"
    assert weighted_sum([(-1, "k1")]) == "-k1"
    assert weighted_sum([(0, "k1")]) is None


def test_rk4_source_is_the_textbook_formula():
    spec = StepSpec(name="decay", variables=("x",), parameters=("a",), dt=0.5,
                    derivative=lambda x, t, a: -a * x)
    source = runge_kutta_source(ODE_TABLEAUS["rk4"], spec).source
    assert "x_new = x + dt * (1 / 6 * dx_1 + 1 / 3 * dx_2 + 1 / 3 * dx_3 + 1 / 6 * dx_4)" in source
    assert "dx_3 = f(x_3, t + 1 / 2 * dt, a)" in source


def test_generated_names_never_shadow_user_arguments():
    # variables and parameters named like the generator's internals
    def clash(f, dt, t, df_1, f_1, dt_):
        return -f, df_1 - dt + f_1 * dt_

    integral = bp.odeint(clash, method="rk4", dt=0.1)
    assert "def rk4_step_of_clash(f, dt, t, df_1, f_1, dt_):" in integral.source

    def rhs(state):                 # the same right-hand side with df_1=5, f_1=3, dt_=4
        y, z = state
        return np.array([-y, 5.0 - z + 3.0 * 4.0])

    state = np.array([1.0, 2.0])
    k1 = rhs(state)
    k2 = rhs(state + 0.05 * k1)
    k3 = rhs(state + 0.05 * k2)
    k4 = rhs(state + 0.1 * k3)
    expected = state + 0.1 * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    np.testing.assert_allclose(integral(1.0, 2.0, 0.0, 5.0, 3.0, 4.0), expected, rtol=1e-14)


def test_fixed_step_skips_stages_without_weight():
    integral = bp.odeint(lambda x, t: -x, method="rkdp", dt=0.1)
    assert integral.source.count("f(") == 6               # 7 stages, the FSAL one is unused


def test_fingerprint_follows_globals_closures_and_attribute_chains():
    scale = 2.0

    def closure(x, t):
        return -scale * x

    first = fingerprint(closure)
    scale = 3.0                                           # noqa: F841 (the closure reads it)
    assert fingerprint(closure) != first
    assert "attr bp.ops.exp=" in fingerprint(uses_ops)
    assert fingerprint(np.arange(3.0)) != fingerprint(np.arange(3.0) + 1)
    assert fingerprint(uses_ops) == fingerprint(uses_ops)


def uses_ops(x, t):
    return bp.ops.exp(-x)


def test_helper_functions_are_compiled_with_the_derivative():
    integral = bp.odeint(with_helper, method="euler", dt=0.1)
    assert integral.jit_step(1.0, 0.0) == pytest.approx(1.0 + 0.1 * rate(1.0))
    assert isinstance(codegen.as_dispatcher(with_helper), type(integral.jit_step))


def rate(x):
    return -2.0 * x


def with_helper(x, t):
    return rate(x)
