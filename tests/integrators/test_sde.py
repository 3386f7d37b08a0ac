"""bp.sdeint: strong and weak orders against geometric Brownian motion, noise, errors."""

import numba
import numpy as np
import pytest

import workbench as bp
from workbench.errors import IntegratorError

MU, SIGMA, X0, T = 1.0, 0.5, 1.0, 1.0
SIGMAS = np.array([0.4, 0.3])          # two Wiener processes (commutative noise)
PATHS = 4000
LEVELS = (3, 4, 5, 6, 7)               # 2**k steps over [0, T]


def drift(x, t, mu):
    return mu * x


def diffusion(x, t, sigma):
    return sigma * x


def vector_diffusion(x, t, s1, s2):
    return np.stack((s1 * x, s2 * x), axis=-1)


class BrownianPath:
    """One set of fine Wiener increments (and time integrals), summed to coarser grids."""

    def __init__(self, seed, paths=PATHS, finest=max(LEVELS), processes=None):
        rng = np.random.default_rng(seed)
        self.n = 2 ** finest
        self.h = T / self.n
        shape = (self.n, paths) if processes is None else (self.n, paths, processes)
        self.dW = rng.normal(0.0, np.sqrt(self.h), shape)
        dZ = rng.normal(0.0, np.sqrt(self.h), shape)
        self.I10 = 0.5 * self.h * (self.dW + dZ / np.sqrt(3.0))
        self.W_T = self.dW.sum(axis=0)

    def coarse(self, level):
        """Increments dW and time integrals I10 of the grid with 2**level steps."""
        ratio = self.n // 2 ** level
        dW = self.dW.reshape((2 ** level, ratio) + self.dW.shape[1:])
        I10 = self.I10.reshape(dW.shape)
        # int (W(s) - W(t0)) ds over a coarse step = sum of fine (W(t_k) - W(t0)) h + I10_k
        before = np.cumsum(dW, axis=1) - dW
        return dW.sum(axis=1), (before * self.h + I10).sum(axis=1)


def gbm_exact(W_T, sde_type, mu=MU, sigmas=(SIGMA,)):
    correction = 0.0 if sde_type == bp.STRA_SDE else 0.5 * sum(s * s for s in sigmas)
    noise = W_T if np.ndim(sigmas) == 0 or len(sigmas) == 1 else W_T @ np.asarray(sigmas)
    if len(sigmas) == 1:
        noise = sigmas[0] * W_T
    return X0 * np.exp((mu - correction) * T + noise)


def run_levels(integral, path, args, uses_I10=False):
    """Final states for every level, driven by the same Brownian path."""
    step = integral.noise_driven_step()
    finals = []
    for level in LEVELS:
        dW, I10 = path.coarse(level)
        h = T / 2 ** level
        integral.dt = h
        step = integral.noise_driven_step()
        x = np.full(dW.shape[1], X0)
        for i in range(2 ** level):
            noise = (dW[i], I10[i]) if uses_I10 else (dW[i],)
            x = step(x, i * h, *args, *noise)
        finals.append(x)
    return finals


def slope(errors):
    steps = np.array([T / 2 ** k for k in LEVELS])
    return np.polyfit(np.log(steps), np.log(errors), 1)[0]


SCALAR_CASES = [
    ("euler", bp.ITO_SDE, 0.5), ("euler", bp.STRA_SDE, 0.5),
    ("milstein", bp.ITO_SDE, 1.0), ("milstein", bp.STRA_SDE, 1.0),
    ("heun", bp.STRA_SDE, 1.0), ("exponential_euler", bp.ITO_SDE, 0.5),
    ("KlPl_scalar", bp.ITO_SDE, 1.0), ("srk1w1_scalar", bp.ITO_SDE, 1.5),
    ("srk2w1_scalar", bp.ITO_SDE, 1.5),
]


@pytest.fixture(scope="module")
def scalar_path():
    return BrownianPath(seed=20210529)


@pytest.mark.parametrize("method, sde_type, order", SCALAR_CASES)
def test_strong_order_on_geometric_brownian_motion(method, sde_type, order, scalar_path):
    integral = bp.sdeint(f=drift, g=diffusion, method=method, sde_type=sde_type)
    uses_I10 = "I10_x" in integral.noise_arguments
    finals = run_levels(integral, scalar_path, (MU, SIGMA), uses_I10)
    exact = gbm_exact(scalar_path.W_T, sde_type)
    errors = [np.mean(np.abs(x - exact)) for x in finals]
    assert abs(slope(errors) - order) < 0.3, (method, sde_type, slope(errors), errors)


@pytest.mark.parametrize("method, sde_type", [("euler", bp.ITO_SDE), ("euler", bp.STRA_SDE),
                                              ("milstein", bp.ITO_SDE),
                                              ("milstein", bp.STRA_SDE)])
def test_weak_order_one(method, sde_type, scalar_path):
    # E[X_h - X] over the same paths: the mean of the exact solution's Monte Carlo error
    # cancels, leaving the weak error with a small standard error.
    integral = bp.sdeint(f=drift, g=diffusion, method=method, sde_type=sde_type)
    finals = run_levels(integral, scalar_path, (MU, SIGMA))
    exact = gbm_exact(scalar_path.W_T, sde_type)
    weak = [abs(np.mean(x - exact)) for x in finals]
    assert abs(slope(weak) - 1.0) < 0.3, (method, sde_type, slope(weak), weak)
    if sde_type == bp.ITO_SDE and method == "euler":
        # Euler-Maruyama's mean is exactly X0 (1 + mu h)**N
        for level, x in zip(LEVELS, finals):
            expected = X0 * (1 + MU * T / 2 ** level) ** (2 ** level)
            assert np.mean(x) - np.mean(exact) + X0 * np.exp(MU * T) == pytest.approx(
                expected, rel=0.02)


VECTOR_CASES = [("euler", bp.ITO_SDE, 0.5), ("euler", bp.STRA_SDE, 0.5),
                ("milstein", bp.ITO_SDE, 1.0), ("milstein", bp.STRA_SDE, 1.0),
                ("heun", bp.STRA_SDE, 1.0), ("exponential_euler", bp.ITO_SDE, 0.5)]


@pytest.fixture(scope="module")
def vector_path():
    return BrownianPath(seed=7, paths=2000, processes=2)


@pytest.mark.parametrize("method, sde_type, order", VECTOR_CASES)
def test_strong_order_with_two_wiener_processes(method, sde_type, order, vector_path):
    integral = bp.sdeint(f=drift, g=vector_diffusion, method=method, sde_type=sde_type,
                         wiener_type=bp.VECTOR_WIENER)
    assert integral.noise_arguments == ("dW",)
    finals = run_levels(integral, vector_path, (MU, *SIGMAS))
    exact = gbm_exact(vector_path.W_T, sde_type, sigmas=tuple(SIGMAS))
    errors = [np.mean(np.abs(x - exact)) for x in finals]
    assert abs(slope(errors) - order) < 0.3, (method, sde_type, slope(errors), errors)


def ou_drift(x, t, theta):
    return -theta * x


def ou_diffusion(x, t, s):
    return s


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_drawn_noise_has_the_right_statistics(backend):
    # Ornstein-Uhlenbeck: Var X_T = s**2 / (2 theta) (1 - exp(-2 theta T)), mean 0
    bp.backend.set(backend)
    integral = bp.sdeint(f=ou_drift, g=ou_diffusion, method="milstein", dt=0.01)
    np.random.seed(3)
    if backend == "numba":
        seed_numba(3)
    x = np.zeros(20000)
    for i in range(100):
        x = integral(x, i * 0.01, 2.0, 0.5)
    expected_var = 0.25 / 4.0 * (1 - np.exp(-4.0))
    assert abs(np.mean(x)) < 4 * np.sqrt(expected_var / x.size)
    assert np.var(x) == pytest.approx(expected_var, rel=0.05)
    scalar = integral(0.0, 0.0, 2.0, 0.5)            # scalars draw scalars
    assert np.ndim(scalar) == 0


@pytest.mark.parametrize("method", ["srk1w1_scalar", "srk2w1_scalar", "KlPl_scalar", "euler", "heun",
                                    "exponential_euler"])
def test_drawn_noise_of_every_scalar_scheme_gives_the_ou_variance(method):
    """The schemes drawing their own dW (and I10) reach Var X_T of Ornstein-Uhlenbeck within 5%.

    s^2 / (2 theta) (1 - exp(-2 theta T)) with theta = 2, s = 0.5, T = 1; 20000 paths
    make the sampling error of the variance 1%; the schemes' own bias at dt = 0.01 is < 2%.
    """
    sde_type = bp.STRA_SDE if method == "heun" else bp.ITO_SDE    # additive noise: the same SDE
    integral = bp.sdeint(f=ou_drift, g=ou_diffusion, method=method, sde_type=sde_type, dt=0.01)
    np.random.seed(4)
    x = np.zeros(20000)
    for i in range(100):
        x = integral(x, i * 0.01, 2.0, 0.5)
    expected_var = 0.25 / 4.0 * (1 - np.exp(-4.0))
    assert abs(np.mean(x)) < 5 * np.sqrt(expected_var / x.size)
    assert np.var(x) == pytest.approx(expected_var, rel=0.05)


def constant_drift(x, t, a, s):
    return a + 0.0 * x


def constant_noise(x, t, a, s):
    return s + 0.0 * x


@pytest.mark.parametrize("method", ["euler", "milstein", "exponential_euler", "srk1w1_scalar", "heun"])
def test_constant_coefficients_step_exactly(method):
    """dx = a dt + s dW is integrated exactly by every scheme: x + a dt + s dW (no linear part in x)."""
    sde_type = bp.STRA_SDE if method == "heun" else bp.ITO_SDE
    integral = bp.sdeint(f=constant_drift, g=constant_noise, method=method, sde_type=sde_type, dt=0.05)
    step = integral.noise_driven_step()
    x, dW = np.array([0.3, -1.0]), np.array([0.2, -0.1])
    noise = (dW, 0.5 * 0.05 * dW) if "srk" in method else (dW,)
    new = step(x, 0.0, 1.5, 0.7, *noise)
    np.testing.assert_allclose(new, x + 1.5 * 0.05 + 0.7 * dW, rtol=1e-14)


def constant_pair(x, t, s1, s2):
    return np.array([s1 + 0.0 * x, s2 + 0.0 * x])


def no_drift(x, t, s1, s2):
    return 0.0 * x


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("method", ["euler", "milstein"])
def test_drawn_vector_noise_increments_are_normal_with_the_summed_variance(backend, method):
    """dx = s1 dW1 + s2 dW2: each step adds N(0, (s1^2 + s2^2) dt), drawn by the integrator itself.

    3000 steps; mean within 5 standard errors of 0, variance within 5 of its
    standard errors (~13%): a step that reused, dropped or mis-scaled an increment fails.
    """
    bp.backend.set(backend)
    integral = bp.sdeint(f=no_drift, g=constant_pair, method=method, dt=0.01,
                         wiener_type=bp.VECTOR_WIENER)
    np.random.seed(5)
    if backend == "numba":
        seed_numba(5)
    steps, s1, s2, x = 3000, 0.4, 0.3, 0.0
    increments = np.empty(steps)
    for k in range(steps):
        new = integral(x, k * 0.01, s1, s2)
        increments[k], x = new - x, new
    variance = (s1 ** 2 + s2 ** 2) * 0.01
    assert abs(increments.mean()) < 5 * np.sqrt(variance / steps)
    assert abs(increments.var() / variance - 1) < 5 * np.sqrt(2.0 / steps)
    # successive increments are independent
    assert abs(np.corrcoef(increments[1:], increments[:-1])[0, 1]) < 5 / np.sqrt(steps)


@numba.njit
def seed_numba(seed):
    np.random.seed(seed)


def test_compiled_noise_driven_step_matches_python():
    # scalars keep the compilation short; the array code paths are the same source
    integral = bp.sdeint(f=drift, g=diffusion, method="srk2w1_scalar", dt=0.05)
    args = (1.3, 0.3, MU, SIGMA, -0.2, 0.003)
    assert integral.noise_driven_step(jit=True)(*args) == pytest.approx(
        integral.noise_driven_step()(*args), rel=1e-13)
    vector = bp.sdeint(f=drift, g=two_noises_of_a_scalar, method="milstein", dt=0.05,
                       wiener_type=bp.VECTOR_WIENER)
    args = (1.3, 0.3, MU, 0.4, 0.3, np.array([0.1, -0.2]))
    assert vector.noise_driven_step(jit=True)(*args) == pytest.approx(
        vector.noise_driven_step()(*args), rel=1e-13)


def two_noises_of_a_scalar(x, t, s1, s2):
    return np.array([s1 * x, s2 * x])


def test_jit_step_and_make_step_for_sdes():
    integral = bp.sdeint(f=drift, g=diffusion, method="euler", dt=0.05)
    step = integral.make_step(drift, diffusion, parameters=("mu", "sigma"), jit=True)

    @bp.backend.jit.jit
    def many(x):
        for i in range(100):
            x = step(x, 0.0, 0.0, 0.0)       # no drift, no noise: unchanged
        return x

    assert many(1.5) == 1.5
    assert integral.jit_step(1.5, 0.0, 0.0, 0.0) == 1.5
    with pytest.raises(IntegratorError, match="give the `diffusion`"):
        integral.make_step(drift)


def test_parameters_of_f_and_g_are_merged():
    def g(x, t, sigma, gain=2.0):
        return sigma * gain

    def f(x, t, mu):
        return mu

    integral = bp.sdeint(f=f, g=g, method="euler", dt=0.25)
    assert integral.parameters == ("mu", "sigma", "gain")
    assert integral.defaults == {"gain": 2.0}
    step = integral.noise_driven_step()
    assert step(1.0, 0.0, 0.5, 0.1, 2.0, 0.3) == pytest.approx(1.0 + 0.5 * 0.25 + 0.2 * 0.3)


def test_decorator_and_function_forms():
    @bp.sdeint(g=diffusion, method="milstein")
    def f_part(x, t, mu):
        return mu * x

    other = bp.sdeint(f=drift, g=diffusion, method="milstein")
    function_form = bp.integrators.sde.milstein(f=drift, g=diffusion)
    noise = (1.0, 0.0, MU, SIGMA, 0.05)
    reference = other.noise_driven_step()(*noise)
    assert f_part.noise_driven_step()(*noise) == reference
    assert function_form.noise_driven_step()(*noise) == reference
    assert f_part.diffusion is diffusion and f_part.sde_type == bp.ITO_SDE
    assert f_part.wiener_type == bp.SCALAR_WIENER


@pytest.mark.parametrize("kwargs, match", [
    ({"sde_type": "itoh"}, r"`sde_type`='itoh' is not an SDE type; choose one of: 'Ito', "
                           r"'Stratonovich' \(bp.ITO_SDE, bp.STRA_SDE\)"),
    ({"wiener_type": "scalars"}, r"`wiener_type`='scalars' is not a Wiener process type; choose "
                                 r"one of: 'scalar', 'vector'"),
    ({"method": "heun"}, r"method='heun' does not support `sde_type`='Ito'; it supports: "
                         r"'Stratonovich'"),
    ({"method": "srk1w1_scalar", "wiener_type": bp.VECTOR_WIENER},
     r"method='srk1w1_scalar' does not support `wiener_type`='vector'; it supports: "
     r"'scalar'"),
    ({"method": "KlPl_scalar", "sde_type": bp.STRA_SDE}, r"it supports: 'Ito'"),
    ({"method": "rk4"}, r"`method`='rk4' is not a known SDE method; choose one of: "
                        r"'KlPl_scalar', 'euler'"),
    ({"method": "klpl_scalar"}, r"Did you mean 'KlPl_scalar'\?"),
])
def test_bad_settings_name_what_is_supported(kwargs, match):
    with pytest.raises(IntegratorError, match=match):
        bp.sdeint(f=drift, g=diffusion, **kwargs)


def test_missing_or_mismatched_diffusion():
    with pytest.raises(IntegratorError, match="`g` is missing"):
        bp.sdeint(f=drift)

    def g_two(x, y, t):
        return x, y

    with pytest.raises(IntegratorError, match=r"has variables \('x', 'y'\) but `f`='drift' "
                                              r"has \('x',\)"):
        bp.sdeint(f=drift, g=g_two)
    with pytest.raises(TypeError, match=r"sdeint\(\) got unexpected keyword argument\(s\) "
                                        r"'tol'"):
        bp.sdeint(f=drift, g=diffusion, tol=0.1)


def test_default_sde_method():
    assert bp.integrators.get_default_sdeint() == "euler"
    try:
        bp.integrators.set_default_sdeint("milstein")
        assert bp.sdeint(f=drift, g=diffusion).method == "milstein"
    finally:
        bp.integrators.set_default_sdeint("euler")
    assert bp.integrators.SUPPORTED_SDE_METHODS == [
        'KlPl_scalar', 'euler', 'exponential_euler', 'heun', 'milstein', 'srk1w1_scalar',
        'srk2w1_scalar']


class NoisyNeuron:
    def __init__(self):
        self.tau = 2.0
        self.noise = 0.5

    def g(self, V, t):
        return self.noise

    @bp.sdeint(g=g, method="exponential_euler", dt=0.1)
    def integral(self, V, t, I):
        return (-V + I) / self.tau


def test_sde_methods_taking_self():
    neuron = NoisyNeuron()
    assert NoisyNeuron.integral.has_self and NoisyNeuron.integral.parameters == ("I",)
    step = NoisyNeuron.integral.noise_driven_step()
    z = -0.1 / neuron.tau
    expected = 1.0 + 0.1 * np.expm1(z) / z * (-1.0 + 3.0) / neuron.tau + np.exp(z) * 0.5 * 0.2
    assert step(neuron, 1.0, 0.0, 3.0, 0.2) == pytest.approx(expected, rel=1e-14)
    np.random.seed(0)
    assert np.isfinite(neuron.integral(1.0, 0.0, 3.0))


def test_second_positional_argument_is_the_method_as_in_brainpy():
    integral = bp.sdeint(drift, "milstein", g=diffusion)
    assert integral.method == "milstein" and integral.diffusion is diffusion
    by_function = bp.sdeint(drift, bp.integrators.sde.heun, g=diffusion, sde_type=bp.STRA_SDE)
    assert by_function.method == "heun"
    decorated = bp.sdeint(None, "milstein", g=diffusion)(drift)
    assert decorated.method == "milstein"


def test_earlier_positional_diffusion_still_works_and_ambiguity_is_refused():
    integral = bp.sdeint(drift, diffusion, dt=0.01)
    assert integral.diffusion is diffusion and integral.method == "euler"
    with pytest.raises(IntegratorError, match=r"is a function and `g`=.* is given too; pass "
                                              r"the method as a string"):
        bp.sdeint(drift, diffusion, g=diffusion)
