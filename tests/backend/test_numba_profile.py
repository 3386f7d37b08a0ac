"""``bp.backend.set_numba_profile``: the fast-math opt-in of the numba backends.

The profile must reach every compiled function (integrators, steps, the run loop),
never mix code compiled under two profiles (in-process caches, the disk cache, a
network's executor), and keep the NaN watch (tests/simulation/test_runner.py and
test_nan_within_a_chunk.py run it under fast math too).
"""

import re

import numpy as np
import pytest

import workbench as bp
from workbench.backend import jit as wjit
from workbench.errors import BackendError
from tests.simulation import manual_models as mm


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty disk cache: code compiles here (what numba loads from disk has no IR to read)."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))


def _float_flags(dispatcher):
    """The fast-math flags on the floating-point instructions of a dispatcher's LLVM IR."""
    text = "".join(dispatcher.inspect_llvm().values())
    found = re.findall(r"= (?:fdiv|fmul|fadd|fsub)((?: [a-z]+)*) (?:double|<)", text)
    assert found, "no floating-point arithmetic in the IR"
    return {frozenset(flags.split()) for flags in found}


def test_the_default_profile_is_exact_and_round_trips():
    profile = bp.backend.get_numba_profile()
    assert profile == {"nopython": True, "fastmath": False, "nogil": True, "parallel": False}
    bp.backend.set_numba_profile(**profile)
    bp.backend.set_numba_profile(fastmath=True)
    assert bp.backend.get_numba_profile()["fastmath"] is True
    assert wjit.JIT_OPTIONS["fastmath"] == wjit.FAST_MATH_FLAGS


@pytest.mark.parametrize("options, message", [
    ({"fastmath": 1}, r"set_numba_profile\(fastmath=1\): give True or False"),
    ({"nogil": False}, r"nogil=False\) is not available: workbench always releases the GIL"),
    ({"parallel": True}, r"bp.backend.set\('numba-parallel'\)"),
    ({"nopython": False}, r"nopython mode only"),
    ({"cache": False}, r"got the option 'cache'; it takes fastmath, nopython, nogil, parallel"),
])
def test_options_workbench_does_not_offer_are_clear_errors_that_change_nothing(options,
                                                                               message):
    with pytest.raises(BackendError, match=message):
        bp.backend.set_numba_profile(**dict({"fastmath": True}, **options))
    assert bp.backend.get_numba_profile()["fastmath"] is False


def test_nan_and_inf_assumptions_and_reassociation_are_never_among_the_flags():
    assert not wjit.FAST_MATH_FLAGS & {"nnan", "ninf", "reassoc", "fast"}


def _decay(g, t, tau):
    return -g / tau


def test_an_integrator_compiles_again_under_the_new_profile_and_back(fresh_cache):
    bp.backend.set("numba", dt=0.1)
    integral = bp.odeint(_decay)
    g = np.random.default_rng(0).random(1000) * 3.
    exact = integral(g, 0., 2.7)
    exact_step = integral.jit_step
    assert _float_flags(exact_step) == {frozenset()}

    bp.backend.set_numba_profile(fastmath=True)
    fast = integral(g, 0., 2.7)
    fast_step = integral.jit_step
    assert fast_step is not exact_step
    assert all(flags == wjit.FAST_MATH_FLAGS for flags in _float_flags(fast_step))
    # g * (1 / 2.7) instead of g / 2.7: the last bit differs for some elements
    np.testing.assert_allclose(fast, exact, rtol=4e-16, atol=0)
    assert not np.array_equal(fast, exact)

    bp.backend.set_numba_profile(fastmath=False)
    assert integral.jit_step is not fast_step
    again = integral(g, 0., 2.7)
    bp.backend.set("numpy")
    np.testing.assert_array_equal(again, integral(g, 0., 2.7))      # bit for bit


def _coba(size=400):
    """``(net, E, I)`` of the ch. 6 COBA network, run for its first 0.1 ms."""
    n_exc = int(size * 0.8)
    _, net, E, I = mm.run_net(mm.CobaLIF, mm.SynVec5, duration=0.1, seed=3, n_exc=n_exc,
                              n_inh=size - n_exc, prob=0.1)
    return net, E, I


def test_a_network_is_compiled_again_for_the_new_profile_and_stays_close(fresh_cache):
    bp.backend.set("numba", dt=0.1)
    net, E, I = _coba()
    net.run((0.1, 5.))
    exact_loop = net._wb_executor.loop

    bp.backend.set_numba_profile(fastmath=True)
    before = bp.jit_compilations()
    net2, E2, I2 = _coba()
    net2.run((0.1, 5.))
    assert bp.jit_compilations() > before                 # its own code, not the exact one
    fast_loop = net2._wb_executor.loop
    assert fast_loop is not exact_loop
    flags = _float_flags(fast_loop)
    assert wjit.FAST_MATH_FLAGS in flags                  # the model's arithmetic
    assert frozenset() in flags                           # workbench's kernels stay exact
    # 5 ms: rounding differences, no spike yet that could make them grow
    np.testing.assert_allclose(E2.V, E.V, rtol=1e-12)
    np.testing.assert_allclose(I2.V, I.V, rtol=1e-12)
    assert not np.array_equal(E2.V, E.V) or not np.array_equal(I2.V, I.V)

    before = bp.jit_compilations()
    net2.run((5., 10.))
    assert bp.jit_compilations() == before                # a repeat run compiles nothing

    net.run((5., 10.))                                    # the exact network, now fast
    assert net._wb_executor.loop is not exact_loop
    np.testing.assert_allclose(E.V, E2.V, rtol=1e-12)     # both fast from 5 ms on


def test_generated_modules_of_two_profiles_have_two_names(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    source = "def f(x):\n    return x / 3.0\n"
    exact = wjit.load_generated_module(source, "profile_probe")
    bp.backend.set_numba_profile(fastmath=True)
    fast = wjit.load_generated_module(source, "profile_probe")
    assert exact.__name__ != fast.__name__


def _scale(x, tau):
    return x / tau


class _CallsAHelper(bp.NeuGroup):
    """A step calling a plain Python helper (the engine compiles the helper too)."""
    target_backend = ['numpy', 'numba']

    def __init__(self, size, **kwargs):
        self.V = np.linspace(0.1, 7.3, size)
        self.tau = 2.7
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        for i in range(self.size[0]):
            self.V[i] = self.V[i] + _scale(self.V[i], self.tau)


def _helper_run(backend):
    bp.backend.set(backend, dt=0.1)
    group = _CallsAHelper(1000)
    group.run(2.)
    return group.V


def test_a_helper_called_from_a_step_compiles_again_for_the_exact_profile(fresh_cache):
    """The helper's own dispatcher was kept per process: compiled first under fast math, it
    was linked into the exact step too (and that step went to the disk cache as exact)."""
    bp.backend.set_numba_profile(fastmath=True)
    fast = _helper_run("numba")
    bp.backend.set_numba_profile(fastmath=False)
    exact = _helper_run("numba")
    reference = _helper_run("numpy")
    assert not np.array_equal(fast, reference)          # x / 2.7 became x * (1 / 2.7)
    np.testing.assert_array_equal(exact, reference)     # bit for bit


def test_a_method_integrators_step_is_made_again_for_each_profile(fresh_cache):
    """Derivatives taking ``self`` get their step from method_integrator_step's own cache."""
    from workbench.simulation.numba.generator.method_integrators import method_integrator_step
    from tests.simulation.test_manual_ch7 import NumbaHH7
    bp.backend.set("numba", dt=0.1)
    integral = NumbaHH7.integral          # the class attribute: the Integrator itself
    options = {}
    for fastmath in (True, False):
        bp.backend.set_numba_profile(fastmath=fastmath)
        step, _ = method_integrator_step(integral)
        options[fastmath] = step.targetoptions.get("fastmath")
    assert options == {True: wjit.FAST_MATH_FLAGS, False: False}
