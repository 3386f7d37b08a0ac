"""Every code example of manual chapters 2 (numerical solvers), 10 (unified operations),
11 (ODE solvers) and 12 (SDE solvers), run with ``import workbench as bp``, with numbers
checked against independent references (scipy's DOP853 at tight tolerances, exact solutions).

Chapter 10's cell [9] (``bp.ops.set_buffer('numba-cuda', ...)``) is not run: 'numba-cuda'
is not a backend of workbench (see bp.backend.SUPPORTED_BACKENDS).
"""

import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import workbench as bp


def spike_times(ts, V, threshold=0.0):
    crossings = np.where((V[:-1] < threshold) & (V[1:] >= threshold))[0]
    return ts[crossings + 1]


# ---------------------------------------------------------------------------------------------
# Chapter 2.1: ODEs
# ---------------------------------------------------------------------------------------------

def f1(x, t, y, p1):
    return -p1 * x + np.sin(t) * y


def g1(y, t, x, p2):
    return p2 * x - y


def test_ch2_cells_2_to_6_define_and_decorate():
    def diff(x, y, t, p1, p2):                         # [2]
        dx = f1(x, t, y, p1)
        dy = g1(y, t, x, p2)
        return dx, dy

    def diff_system(xy, t, p1, p2):                    # [3]
        x, y = xy
        dx = f1(x, t, y, p1)
        dy = g1(y, t, x, p2)
        return np.array([dx, dy])

    euler = bp.odeint(diff)                            # [4]: bare decorator, default method
    rk4 = bp.odeint(method='rk4', dt=0.01)(diff)       # [6]
    system = bp.odeint(diff_system, var_type=bp.SYSTEM_VAR)
    assert euler.method == "euler" and rk4.method == "rk4" and rk4.dt == 0.01
    x, y = euler(1.0, 2.0, 0.5, 0.3, 0.7)
    assert (x, y) == pytest.approx((1.0 + 0.1 * f1(1.0, 0.5, 2.0, 0.3),
                                    2.0 + 0.1 * g1(2.0, 0.5, 1.0, 0.7)), rel=1e-15)
    np.testing.assert_allclose(system(np.array([1.0, 2.0]), 0.5, 0.3, 0.7), [x, y], rtol=1e-15)


def test_ch2_fitzhugh_nagumo_cells_7_to_9():
    @bp.odeint(dt=0.01)
    def integral(V, w, t, Iext, a, b, tau):
        dw = (V + a - b * w) / tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw

    a = 0.7; b = 0.8; tau = 12.5; Iext = 1.                     # noqa: E702 (manual style)
    hist_times = np.arange(0, 100, integral.dt)
    hist_V = []
    V, w = 0., 0.
    for t in hist_times:
        V, w = integral(V, w, t, Iext, a, b, tau)
        hist_V.append(V)

    reference = solve_ivp(lambda t, y: integral.derivative(*y, t, Iext, a, b, tau),
                          (0, 100.01), [0., 0.], method="DOP853", rtol=1e-12, atol=1e-12,
                          dense_output=True)
    exact_V = reference.sol(hist_times + integral.dt)[0]
    # forward Euler with dt = 0.01: first-order global error, measured 0.032 at the peaks
    assert np.max(np.abs(np.array(hist_V) - exact_V)) < 0.05
    assert len(hist_V) == 10000
    # the same loop with rk4 is accurate to ~1e-9
    rk4 = bp.odeint(integral.derivative, method="rk4", dt=0.01)
    V, w = 0., 0.
    hist_rk4 = []
    for t in hist_times:
        V, w = rk4(V, w, t, Iext, a, b, tau)
        hist_rk4.append(V)
    assert np.max(np.abs(np.array(hist_rk4) - exact_V)) < 1e-8


def hh_derivative(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C):
    alpha = 0.1 * (V + 40) / (1 - bp.ops.exp(-(V + 40) / 10))
    beta = 4.0 * bp.ops.exp(-(V + 65) / 18)
    dmdt = alpha * (1 - m) - beta * m

    alpha = 0.07 * bp.ops.exp(-(V + 65) / 20.)
    beta = 1 / (1 + bp.ops.exp(-(V + 35) / 10))
    dhdt = alpha * (1 - h) - beta * h

    alpha = 0.01 * (V + 55) / (1 - bp.ops.exp(-(V + 55) / 10))
    beta = 0.125 * bp.ops.exp(-(V + 65) / 80)
    dndt = alpha * (1 - n) - beta * n

    I_Na = (gNa * m ** 3.0 * h) * (V - ENa)
    I_K = (gK * n ** 4.0) * (V - EK)
    I_leak = gL * (V - EL)
    dVdt = (- I_Na - I_K - I_leak + Iext) / C

    return dVdt, dmdt, dhdt, dndt


HH = dict(Iext=10., ENa=50., EK=-77., EL=-54.387, C=1.0, gNa=120., gK=36., gL=0.03)


@pytest.fixture(scope="module")
def hh_reference():
    """HH from V = m = h = n = 0 over 100 ms, scipy DOP853 at rtol = atol = 1e-11."""
    p = HH
    return solve_ivp(lambda t, y: hh_derivative(*y, t, p["Iext"], p["gNa"], p["ENa"], p["gK"],
                                                p["EK"], p["gL"], p["EL"], p["C"]),
                     (0, 100.3), [0., 0., 0., 0.], method="DOP853", rtol=1e-11, atol=1e-11,
                     dense_output=True)


def test_ch2_hodgkin_huxley_cells_10_to_12(hh_reference):
    @bp.odeint(method='rk4', dt=0.01)
    def integral(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C):
        return hh_derivative(V, m, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C)

    Iext=10.;   ENa=50.;   EK=-77.;   EL=-54.387                        # noqa: E702,E225
    C=1.0;          gNa=120.;    gK=36.;    gL=0.03                     # noqa: E702,E225

    hist_times = np.arange(0, 100, integral.dt)
    hist_V, hist_m, hist_h, hist_n = [], [], [], []
    V, m, h, n = 0., 0., 0., 0.
    for t in hist_times:
        V, m, h, n = integral(V, m, h, n, t, Iext,
                              gNa, ENa, gK, EK, gL, EL, C)
        hist_V.append(V)
        hist_m.append(m)
        hist_h.append(h)
        hist_n.append(n)

    exact = hh_reference.sol(hist_times + integral.dt)
    assert np.max(np.abs(np.array(hist_V) - exact[0])) < 1e-3        # measured 7e-5 mV
    for got, ref in zip((hist_m, hist_h, hist_n), exact[1:]):
        assert np.max(np.abs(np.array(got) - ref)) < 1e-5
    assert len(spike_times(hist_times, np.array(hist_V))) == 7


# ---------------------------------------------------------------------------------------------
# Chapter 2.2: SDEs
# ---------------------------------------------------------------------------------------------

def f(x, t, p1):
    return -p1 * x


def g(x, t, p2):
    return p2 * np.ones_like(x)


def test_ch2_sde_cells_13_to_16():
    def g_part(x, t, p1, p2):                          # [13]
        dg = g(x, t, p2)
        return dg

    def f_part(x, t, p1, p2):
        df = f(x, t, p1)
        return df

    decorated = bp.sdeint(g=g_part, method='milstein')(f_part)                     # [14]
    functional = bp.sdeint(f=f_part, g=g_part, method='milstein')                 # [15]
    stratonovich = bp.sdeint(f=f_part, g=g_part, method='milstein',               # [16]
                             sde_type=bp.STRA_SDE, wiener_type=bp.SCALAR_WIENER)
    x = np.linspace(-1, 1, 5)
    dW = np.linspace(-0.3, 0.3, 5)
    expected = x + 0.1 * (-0.5 * x) + 0.2 * dW       # additive noise: Milstein = Euler
    for integral in (decorated, functional, stratonovich):
        assert integral.parameters == ("p1", "p2")
        np.testing.assert_allclose(integral.noise_driven_step()(x, 0.0, 0.5, 0.2, dW), expected,
                                   rtol=1e-14)
    assert stratonovich.sde_type == bp.STRA_SDE
    np.random.seed(1)
    assert decorated(x, 0.0, 0.5, 0.2).shape == (5,)


def test_ch2_noisy_lorenz_cells_17_and_18():
    sigma = 10; beta = 8/3;                                  # noqa: E702,E226
    rho = 28; p = 0.1                                        # noqa: E702

    def lorenz_g(x, y, z, t):
        return p * x, p * y, p * z

    def lorenz_f(x, y, z, t):
        dx = sigma * (y - x)
        dy = x * (rho - z) - y
        dz = x * y - beta * z
        return dx, dy, dz

    lorenz = bp.sdeint(f=lorenz_f, g=lorenz_g,
                       sde_type=bp.ITO_SDE,
                       wiener_type=bp.SCALAR_WIENER,
                       dt=0.005)

    np.random.seed(42)
    hist_times = np.arange(0, 50, lorenz.dt)
    hist_x, hist_y, hist_z = [], [], []
    x, y, z = 1., 1., 1.
    for t in hist_times:
        x, y, z = lorenz(x, y, z, t)
        hist_x.append(x)
        hist_y.append(y)
        hist_z.append(z)
    hist_x, hist_z = np.array(hist_x), np.array(hist_z)
    # on the butterfly: bounded, both wings visited, z around the attractor's mean (~23.5)
    assert np.all(np.abs(hist_x) < 30) and np.all((hist_z > -1) & (hist_z < 60))
    assert (hist_x[2000:] > 5).any() and (hist_x[2000:] < -5).any()
    assert 20 < hist_z[2000:].mean() < 27
    # without noise the step is exactly Euler's
    deterministic = lorenz.noise_driven_step()(1., 1., 1., 0., 0., 0., 0.)
    assert deterministic == pytest.approx((1.0, 1.0 + 0.005 * 26.0, 1.0 + 0.005 * (1 - 8 / 3)))


# ---------------------------------------------------------------------------------------------
# Chapter 2.3 and chapter 10: backend-independent operations
# ---------------------------------------------------------------------------------------------

def test_ch2_and_ch10_unified_operations():
    assert bp.ops.OPS_FOR_SOLVER == ['normal', 'sum', 'exp', 'shape']
    assert bp.ops.OPS_FOR_SIMULATION == ['as_tensor', 'zeros', 'ones', 'arange', 'concatenate',
                                         'where', 'reshape']
    assert bp.ops.OPS_OF_DTYPE == ['bool', 'int', 'int32', 'int64', 'float', 'float32',
                                   'float64']
    bp.ops.set_buffer('numpy', clip=np.clip, sqrt=np.sqrt)                          # ch10 [5]
    try:                                                                            # [6]
        import torch
        bp.ops.set_buffer('pytorch', clip=torch.clamp, sqrt=torch.sqrt)
    except ModuleNotFoundError:
        pass
    try:                                                                            # [7]
        import tensorflow as tf
        bp.ops.set_buffer('tensorflow', clip=tf.clip_by_value, sqrt=tf.math.sqrt)
    except ModuleNotFoundError:
        pass
    try:                                                                            # [8]
        import numba as nb

        @nb.njit
        def nb_clip(x, x_min, x_max):
            x = np.maximum(x, x_min)
            x = np.minimum(x, x_max)
            return x

        bp.ops.set_buffer('numba', clip=nb_clip, sqrt=np.sqrt)
        bp.ops.set_buffer('numba-parallel', clip=nb_clip, sqrt=np.sqrt)
    except ModuleNotFoundError:
        pass

    def test(arr):                                                                  # [10]
        return bp.ops.sqrt(bp.ops.clip(arr, 0., 1.))

    bp.backend.set('numpy')                                                         # [11]
    np.testing.assert_allclose(test(bp.ops.as_tensor([-1, 0.5, 2.])), [0., 0.70710678, 1.],
                               rtol=1e-8)
    bp.backend.set('numba')                                                         # [14]
    np.testing.assert_allclose(test(bp.ops.as_tensor([-1, 0.5, 2.])), [0., 0.70710678, 1.],
                               rtol=1e-8)
    assert bp.ops.clip is nb_clip


def test_ch2_backend_switch_cells_21_22():
    bp.backend.set('numpy')
    assert bp.backend.get_backend() == 'numpy'
    bp.backend.set('numba')
    assert bp.backend.get_backend() == 'numba'


# ---------------------------------------------------------------------------------------------
# Chapter 11: ODE solvers
# ---------------------------------------------------------------------------------------------

def test_ch11_cell_2_explicit_rk():
    @bp.odeint(method='rk4')
    def int_v(v, t, p):
        # do something
        return v

    assert int_v(1.0, 0.0, 0.0) == pytest.approx(np.exp(0.1), rel=1e-6)   # rk4 of v' = v


def test_ch11_adaptive_lorenz_cells_4_and_5():
    @bp.odeint(method='rkf45',
               adaptive=True,  # active the "adaptive" option
               tol=0.001)  # set the tolerance
    def lorenz(x, y, z, t, sigma, beta, rho):
        dx = sigma * (y - x)
        dy = x * (rho - z) - y
        dz = x * y - beta * z
        return dx, dy, dz

    times = np.arange(0, 100, 0.01)
    hist_x, hist_y, hist_z, hist_dt = [], [], [], []
    x, y, z, dt = 1, 1, 1, 0.05
    for t in times:
        # should provide one more argument "dt" when using the adaptive rk method
        x, y, z, dt = lorenz(x, y, z, t, sigma=10, beta=8/3, rho=28, dt=dt)
        hist_x.append(x)
        hist_y.append(y)
        hist_z.append(z)
        hist_dt.append(dt)
    hist_x = np.array(hist_x)
    hist_y = np.array(hist_y)
    hist_z = np.array(hist_z)
    hist_dt = np.array(hist_dt)

    assert len(np.unique(np.round(hist_dt[:100], 10))) > 10           # the step adapts
    assert 1e-2 < hist_dt.min() and hist_dt.max() < 0.5             # measured 0.038 .. 0.20
    assert np.all(np.abs(hist_x) < 25) and np.all((hist_z > 0) & (hist_z < 55))
    # each call advanced by the dt it was given: compare with scipy over the first 50 calls
    # (about 4 time units; later the chaotic flow amplifies any error beyond comparison)
    dts = np.concatenate([[0.05], hist_dt[:-1]])
    reached = np.cumsum(dts)[:50]
    reference = solve_ivp(lambda t, s: lorenz.derivative(*s, t, 10, 8 / 3, 28),
                          (0, reached[-1]), [1., 1., 1.], method="DOP853", rtol=1e-12,
                          atol=1e-12, t_eval=reached)
    error = np.abs(np.vstack([hist_x, hist_y, hist_z])[:, :50] - reference.y)
    # tol = 1e-3 is relative for values of 10-40: measured 0.38 at most
    assert error.max() < 0.05 * np.abs(reference.y).max()


def test_ch11_cell_7_non_adaptive_call_with_dt_raises_type_error():
    @bp.odeint(method='rkf45')
    def lorenz_non_adaptive(x, y, z, t, sigma, beta, rho):
        dx = sigma * (y - x)
        dy = x * (rho - z) - y
        dz = x * y - beta * z
        return dx, dy, dz

    with pytest.raises(TypeError, match="unexpected keyword argument 'dt'"):
        lorenz_non_adaptive(x=1., y=1., z=1., t=0., sigma=10, beta=8/3, rho=28, dt=0.05)


def run_hh(method, Iext=10.):                                    # ch11 [10], recording V
    Iext_ = Iext
    p = HH
    hist_times = np.arange(0, 100, method.dt)
    hist_V = []
    V, m, h, n = 0., 0., 0., 0.
    for t in hist_times:
        V, m, h, n = method(V, m, h, n, t, Iext_, p["gNa"], p["ENa"], p["gK"], p["EK"],
                            p["gL"], p["EL"], p["C"])
        hist_V.append(V)
    return hist_times + method.dt, np.array(hist_V)


def test_ch11_hh_cells_11_to_14_euler_and_rk4(hh_reference):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)           # the manual shows overflows
        _, V1 = run_hh(bp.odeint(f=hh_derivative, method='euler', dt=0.1))       # [11]
        ts2, V2 = run_hh(bp.odeint(f=hh_derivative, method='euler', dt=0.02))    # [12]
        ts3, V3 = run_hh(bp.odeint(f=hh_derivative, method='rk4', dt=0.1))       # [13]
        _, V4 = run_hh(bp.odeint(f=hh_derivative, method='rk4', dt=0.2))         # [14]
    assert not np.all(np.isfinite(V1))              # Euler at 0.1 ms blows up ...
    assert not np.all(np.isfinite(V4))              # ... and so does rk4 at 0.2 ms
    reference_spikes = spike_times(np.arange(0, 100, 0.001), hh_reference.sol(
        np.arange(0, 100, 0.001))[0])
    for ts, V, tolerance in ((ts2, V2, 0.1), (ts3, V3, 0.15)):
        assert np.all(np.isfinite(V))
        spikes = spike_times(ts, V)
        assert len(spikes) == len(reference_spikes) == 7
        assert np.max(np.abs(spikes - reference_spikes)) < tolerance


def test_ch11_cell_15_exponential_euler_at_dt_02_is_bounded_and_spikes(hh_reference):
    int5 = bp.odeint(f=hh_derivative, method='exponential_euler', dt=0.2)
    ts, V = run_hh(int5, Iext=10)
    assert np.all(np.isfinite(V)) and np.all(np.abs(V) < 100)
    spikes = spike_times(ts, V)
    reference_spikes = spike_times(np.arange(0, 100, 0.001), hh_reference.sol(
        np.arange(0, 100, 0.001))[0])
    # first order with a 20x larger step than rk4 needs: same spiking, a slower rhythm
    assert 5 <= len(spikes) <= 7                                   # measured: 6 (reference 7)
    assert abs(spikes[0] - reference_spikes[0]) < 1.5
    assert np.mean(np.diff(spikes)) == pytest.approx(np.mean(np.diff(reference_spikes)), rel=0.15)


# ---------------------------------------------------------------------------------------------
# Chapter 9 (the solver part): default method and numba backend with dt = 0.04
# ---------------------------------------------------------------------------------------------

def test_ch9_default_exponential_euler_on_numba():
    bp.backend.set('numba', dt=0.04)
    bp.integrators.set_default_odeint('exponential_euler')
    try:
        class HHGamma:
            @staticmethod
            @bp.odeint
            def integral(V, h, n, t, Iext, gNa, ENa, gK, EK, gL, EL, C, phi):
                alpha = 0.07 * bp.ops.exp(-(V + 58) / 20)
                beta = 1 / (bp.ops.exp(-0.1 * (V + 28)) + 1)
                dhdt = phi * (alpha * (1 - h) - beta * h)

                alpha = -0.01 * (V + 34) / (bp.ops.exp(-0.1 * (V + 34)) - 1)
                beta = 0.125 * bp.ops.exp(-(V + 44) / 80)
                dndt = phi * (alpha * (1 - n) - beta * n)

                m_alpha = -0.1 * (V + 35) / (bp.ops.exp(-0.1 * (V + 35)) - 1)
                m_beta = 4 * bp.ops.exp(-(V + 60) / 18)
                m = m_alpha / (m_alpha + m_beta)
                INa = gNa * m ** 3 * h * (V - ENa)
                IK = gK * n ** 4 * (V - EK)
                IL = gL * (V - EL)
                dVdt = (- INa - IK - IL + Iext) / C

                return dVdt, dhdt, dndt
    finally:
        bp.integrators.set_default_odeint('euler')

    integral = HHGamma.integral
    assert integral.method == 'exponential_euler' and integral.dt == 0.04
    V = -70. + np.linspace(0, 20, 10)
    h = np.full(10, 0.6)
    n = np.full(10, 0.32)
    before = bp.jit_compilations()
    spikes = np.zeros(10)
    for i in range(2500):                                            # 100 ms
        V_new, h, n = HHGamma().integral(V, h, n, i * 0.04, 1.0, 35., 55., 9., -90., 0.1,
                                         -65., 1.0, 5.0)
        spikes += (V < 20) & (V_new >= 20)
        V = V_new
    assert bp.jit_compilations() > before                            # it ran compiled
    assert np.all(np.isfinite(V)) and np.all(spikes >= 3)
