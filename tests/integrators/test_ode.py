"""bp.odeint: calling forms, settings, errors, and each method's convergence order."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import IntegratorError
from workbench.integrators import ode
from workbench.integrators.tableaus import ODE_TABLEAUS


def fhn(V, w, t, Iext, a, b, tau):
    dw = (V + a - b * w) / tau
    dV = V - V * V * V / 3 - w + Iext
    return dV, dw


FHN_ARGS = (1.0, 0.7, 0.8, 12.5)


def fhn_euler_step(V, w, t, dt, Iext=1.0, a=0.7, b=0.8, tau=12.5):
    """Slow reference: one forward Euler step written by hand."""
    dV, dw = fhn(V, w, t, Iext, a, b, tau)
    return V + dt * dV, w + dt * dw


# ---------------------------------------------------------------------------------------------
# calling forms
# ---------------------------------------------------------------------------------------------

def test_bare_decorator_uses_default_method_and_backend_dt():
    bp.backend.set(dt=0.05)

    @bp.odeint
    def integral(V, w, t, Iext, a, b, tau):
        return fhn(V, w, t, Iext, a, b, tau)

    assert integral.method == "euler" and integral.dt == 0.05
    assert integral.variables == ("V", "w") and integral.parameters == ("Iext", "a", "b", "tau")
    assert integral.has_self is False and integral.derivative.__name__ == "integral"
    assert integral(0.3, 0.1, 0.0, *FHN_ARGS) == pytest.approx(fhn_euler_step(0.3, 0.1, 0.0, 0.05),
                                                               rel=1e-15)


def test_decorator_with_arguments_and_function_form_agree():
    @bp.odeint(method="rk4", dt=0.01, var_type=bp.SCALAR_VAR)
    def integral(V, w, t, Iext, a, b, tau):
        return fhn(V, w, t, Iext, a, b, tau)

    same = bp.odeint(f=fhn, method="rk4", dt=0.01)
    also = bp.integrators.ode.rk4(f=fhn, dt=0.01)
    as_decorator = bp.integrators.ode.rk4(dt=0.01)(fhn)
    expected = integral(0.3, 0.1, 0.0, *FHN_ARGS)
    for other in (same, also, as_decorator):
        assert other(0.3, 0.1, 0.0, *FHN_ARGS) == expected
    assert integral.method == "rk4" and integral.var_type == bp.SCALAR_VAR


def test_positional_keyword_and_default_arguments():
    def lif(V, t, Iext, V_rest=-65.0, tau=10.0):
        return (-(V - V_rest) + Iext) / tau

    integral = bp.odeint(lif, method="euler", dt=0.1)
    expected = -64.0 + 0.1 * (-(-64.0 + 65.0) + 2.0) / 10.0
    assert integral(-64.0, 0.0, 2.0) == pytest.approx(expected, rel=1e-15)
    assert integral(-64.0, 0.0, 2.0, -65.0, 10.0) == pytest.approx(expected, rel=1e-15)
    assert integral(V=-64.0, t=0.0, Iext=2.0) == pytest.approx(expected, rel=1e-15)
    assert integral(-64.0, Iext=2.0, t=0.0, tau=20.0) == pytest.approx(
        -64.0 + 0.1 * 1.0 / 20.0, rel=1e-15)
    assert integral.defaults == {"V_rest": -65.0, "tau": 10.0}
    assert "Iext, V_rest=-65.0, tau=10.0)" in integral.source


def test_scalars_and_arrays_population_variables():
    integral = bp.odeint(fhn, method="rk4", dt=0.01, var_type=bp.POPU_VAR)
    V = np.linspace(-2, 2, 7)
    w = np.linspace(-0.5, 1, 7)
    Iext = np.linspace(0, 1, 7)
    new_V, new_w = integral(V, w, 0.0, Iext, 0.7, 0.8, 12.5)
    for i in range(7):
        sV, sw = integral(V[i], w[i], 0.0, Iext[i], 0.7, 0.8, 12.5)
        assert new_V[i] == pytest.approx(sV, rel=1e-14) and new_w[i] == pytest.approx(sw, rel=1e-14)
    assert integral.var_type == bp.POPU_VAR


def test_system_variable():
    def rotation(xy, t, omega):
        x, y = xy
        return np.array([-omega * y, omega * x])

    integral = bp.odeint(rotation, method="rk4", dt=0.01, var_type=bp.SYSTEM_VAR)
    xy = np.array([1.0, 0.0])
    for _ in range(100):
        xy = integral(xy, 0.0, 2.0)
    np.testing.assert_allclose(xy, [np.cos(2.0), np.sin(2.0)], atol=1e-9)


class LIF:
    """A class using the three method forms of the manual."""

    def __init__(self):
        self.tau = 10.0
        self.V_rest = -65.0

    @staticmethod
    @bp.odeint(method="rk2", dt=0.1)
    def int_static(V, t, Iext, V_rest, tau):
        return (-(V - V_rest) + Iext) / tau

    @bp.odeint(method="rk2", dt=0.1)
    def int_method(self, V, t, Iext):
        return (-(V - self.V_rest) + Iext) / self.tau


def test_staticmethod_and_self_method_forms():
    neuron = LIF()
    by_static = neuron.int_static(-60.0, 0.0, 3.0, -65.0, 10.0)
    assert LIF.int_static(-60.0, 0.0, 3.0, -65.0, 10.0) == by_static
    assert LIF.int_method.has_self and LIF.int_method.parameters == ("Iext",)
    assert LIF.int_method.variables == ("V",)
    assert neuron.int_method(-60.0, 0.0, 3.0) == pytest.approx(by_static, rel=1e-15)
    assert neuron.int_method(V=-60.0, t=0.0, Iext=3.0) == pytest.approx(by_static, rel=1e-15)
    neuron.tau = 20.0                                    # the instance is read at call time
    assert neuron.int_method(-60.0, 0.0, 3.0) == pytest.approx(
        neuron.int_static(-60.0, 0.0, 3.0, -65.0, 20.0), rel=1e-15)
    # the unbound integrator takes the instance explicitly
    assert LIF.int_method(neuron, -60.0, 0.0, 3.0) == neuron.int_method(-60.0, 0.0, 3.0)


def test_integrator_of_a_staticmethod_attribute_inside_init():
    class HHLike:
        @staticmethod
        def diff(V, t, Iext):
            return -V + Iext

        def __init__(self):
            self.integral = bp.odeint(f=self.diff, method="euler", dt=0.5)

    obj = HHLike()
    assert obj.integral(1.0, 0.0, 3.0) == pytest.approx(1.0 + 0.5 * 2.0)


def test_dt_setting_regenerates_the_step():
    integral = bp.odeint(fhn, method="euler", dt=0.1)
    integral.dt = 0.02
    assert "dt = 0.02" in integral.source
    assert integral(0.3, 0.1, 0.0, *FHN_ARGS) == pytest.approx(fhn_euler_step(0.3, 0.1, 0.0, 0.02))
    with pytest.raises(IntegratorError, match="`dt`=-1"):
        integral.dt = -1


def test_show_code_prints_the_source(capsys):
    integral = bp.odeint(fhn, method="heun2", dt=0.1, show_code=True)
    printed = capsys.readouterr().out
    assert printed.strip() == integral.source.strip()
    assert "def heun2_step_of_fhn(V, w, t, Iext, a, b, tau):" in printed


def test_default_method_setting():
    assert bp.integrators.get_default_odeint() == "euler"
    try:
        bp.integrators.set_default_odeint("exponential_euler")
        assert bp.odeint(fhn).method == "exponential_euler"
        bp.set_default_odeint(bp.integrators.ode.rk4)          # a method function works too
        assert bp.get_default_odeint() == "rk4"
        with pytest.raises(IntegratorError, match="choose one of: 'bs', 'ck', 'euler'"):
            bp.integrators.set_default_odeint("rk5")
    finally:
        bp.integrators.set_default_odeint("euler")


def test_supported_methods_are_the_manuals_sorted_list():
    assert bp.integrators.SUPPORTED_ODE_METHODS == [
        'bs', 'ck', 'euler', 'exponential_euler', 'heun2', 'heun3', 'heun_euler', 'midpoint',
        'ralston2', 'ralston3', 'ralston4', 'rk2', 'rk3', 'rk4', 'rk4_38rule', 'rkdp', 'rkf12',
        'rkf45', 'ssprk3']
    for name in bp.integrators.SUPPORTED_ODE_METHODS:
        function = getattr(ode, name)
        assert function.method_name == name and function.__doc__


def test_rk2_beta_option():
    midpoint = bp.odeint(fhn, method="midpoint", dt=0.1)
    rk2_half = bp.odeint(fhn, method="rk2", dt=0.1, beta=0.5)
    rk2_fn = bp.integrators.ode.rk2(f=fhn, dt=0.1, beta=0.5)
    expected = midpoint(0.3, 0.1, 0.0, *FHN_ARGS)
    assert rk2_half(0.3, 0.1, 0.0, *FHN_ARGS) == pytest.approx(expected, rel=1e-15)
    assert rk2_fn(0.3, 0.1, 0.0, *FHN_ARGS) == pytest.approx(expected, rel=1e-15)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------

def test_unknown_method_lists_the_supported_ones():
    with pytest.raises(IntegratorError, match=r"`method`='rk5' is not a known ODE method; choose "
                                              r"one of: 'bs', 'ck', 'euler', 'exponential_euler'"):
        bp.odeint(fhn, method="rk5")


def test_function_without_t():
    def no_time(V, w, Iext):
        return V, w

    with pytest.raises(IntegratorError, match=r"`f`='no_time' has no time argument `t` "
                                              r"\(its arguments are V, w, Iext\)"):
        bp.odeint(no_time)


def test_function_without_variables():
    def only_time(t, a):
        return a

    with pytest.raises(IntegratorError, match="no variable before `t`"):
        bp.odeint(only_time)


def test_derivative_count_mismatch_is_caught_from_the_source():
    def three_vars(V, w, z, t):
        return V, w

    with pytest.raises(IntegratorError, match=r"returns 2 values \(V, w\) but has 3 variables "
                                              r"before `t` \(V, w, z\)"):
        bp.odeint(three_vars)


def test_derivative_count_mismatch_hidden_in_a_name_is_caught_at_the_first_call():
    def hidden(V, w, t):
        result = (V, w, V)
        return result

    integral = bp.odeint(hidden, method="rk4")
    with pytest.raises(IntegratorError, match=r"returns 3 values \(a tuple of 3\) but has 2 "
                                              r"variables before `t` \(V, w\)"):
        integral(1.0, 1.0, 0.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"var_type": "vector"}, r"`var_type`='vector' is not a variable type; choose one of"),
    ({"dt": 0}, r"`dt`=0 .* positive"),
    ({"dt": "fast"}, r"`dt`='fast'"),
    ({"method": "rk4", "adaptive": True}, r"needs an embedded method; method='rk4' has no error estimate; choose one"
                                          r" of: 'bs', 'ck', 'heun_euler', 'rkdp', 'rkf12'"),
    ({"method": "rkf45", "tol": 0.1}, r"`tol`=0.1 only applies with adaptive=True"),
    ({"method": "rkf45", "adaptive": True, "tol": -1}, r"`tol`=-1 must be a positive"),
])
def test_bad_settings(kwargs, match):
    with pytest.raises(IntegratorError, match=match):
        bp.odeint(fhn, **kwargs)


def test_unknown_keyword_arguments():
    with pytest.raises(TypeError, match=r"odeint\(\) got unexpected keyword argument\(s\) "
                                        r"'beta' for method='rk4'; it takes: f, method"):
        bp.odeint(fhn, method="rk4", beta=0.5)
    integral = bp.odeint(fhn, method="rkf45")
    with pytest.raises(TypeError, match=r"fhn\(\) got an unexpected keyword argument 'dt'; it "
                                        r"takes: V, w, t, Iext, a, b, tau\. `dt` is an argument "
                                        r"of adaptive integrators only"):
        integral(V=1., w=1., t=0., Iext=1., a=0.7, b=0.8, tau=12.5, dt=0.01)
    with pytest.raises(TypeError, match=r"missing argument\(s\) 'tau'"):
        integral(1., 1., 0., 1., 0.7, 0.8)
    with pytest.raises(TypeError, match=r"multiple values for argument 'V'"):
        integral(1., 1., 0., 1., 0.7, 0.8, 12.5, V=2.)
    with pytest.raises(TypeError, match=r"takes 7 arguments"):
        integral(1., 1., 0., 1., 0.7, 0.8, 12.5, 3.)


def test_variadic_derivatives_are_refused():
    def variadic(V, t, *args):
        return V

    with pytest.raises(IntegratorError, match=r"\*args"):
        bp.odeint(variadic)


# ---------------------------------------------------------------------------------------------
# convergence orders against exact solutions
# ---------------------------------------------------------------------------------------------

def rotation_and_growth(x, y, z, t, omega):
    """x, y rotate (x = cos wt, y = sin wt); z' = z cos t (z = exp(sin t)): non-autonomous."""
    return -omega * y, omega * x, z * np.cos(t)


def exact_solution(t, omega=1.5):
    return np.array([np.cos(omega * t), np.sin(omega * t), np.exp(np.sin(t))])


def global_error(method, steps, T=2.0, **options):
    integral = bp.odeint(rotation_and_growth, method=method, dt=T / steps, **options)
    x, y, z = 1.0, 0.0, 1.0
    for i in range(steps):
        x, y, z = integral(x, y, z, i * integral.dt, 1.5)
    return np.max(np.abs(np.array([x, y, z]) - exact_solution(T)))


def fitted_order(method, orders_of_steps, **options):
    steps = np.array(orders_of_steps)
    errors = np.array([global_error(method, n, **options) for n in steps])
    slope = np.polyfit(np.log(2.0 / steps), np.log(errors), 1)[0]
    return slope, errors


NOMINAL_ORDERS = {name: tableau.order for name, tableau in ODE_TABLEAUS.items()}
NOMINAL_ORDERS["exponential_euler"] = 1


@pytest.mark.parametrize("method", sorted(NOMINAL_ORDERS))
def test_fixed_step_convergence_order(method):
    order = NOMINAL_ORDERS[method]
    # step counts where the error is far above round-off and in the asymptotic range
    steps = {1: [64, 128, 256, 512], 2: [32, 64, 128, 256], 3: [16, 32, 64, 128],
             4: [16, 32, 64, 128], 5: [8, 16, 32, 64]}[order]
    slope, errors = fitted_order(method, steps)
    assert errors[-1] > 1e-13, errors
    assert abs(slope - order) < 0.3, (slope, errors)


def test_rk2_with_custom_beta_is_second_order():
    slope, _ = fitted_order("rk2", [32, 64, 128, 256], beta=0.9)
    assert abs(slope - 2) < 0.3
