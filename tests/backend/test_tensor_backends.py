"""The tensor backends (pytorch, tensorflow, jax) against the numpy backend.

Every test that needs a backend's package fails -- never skips -- with a
message naming the package when it is missing: CI installs them
(``pip install torch==2.13.0 jax jaxlib tensorflow-cpu``).
"""

import importlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import workbench as bp
from tests.simulation.manual_models import HH
from workbench.backend import jax_ops, torch_ops
from workbench.backend.ops import numpy_operations
from workbench.simulation import StepCompileWarning

TENSOR_BACKENDS = ["pytorch", "tensorflow", "jax"]
PACKAGES = {"pytorch": "torch", "tensorflow": "tensorflow", "jax": "jax"}
PIP = {"pytorch": "torch==2.13.0", "tensorflow": "tensorflow-cpu", "jax": "jax jaxlib"}


def require(backend):
    """Switch to ``backend``; fail naming the package if it is not installed."""
    package = PACKAGES.get(backend)
    if package is not None:
        try:
            importlib.import_module(package)
        except ImportError as exc:
            pytest.fail(f"backend {backend!r} needs the package {package!r}, which is not "
                        f"installed ({exc}); pip install {PIP[backend]}")
    bp.backend.set(backend)


def numpy_of(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


# -- the manual's HH model (ch. 3.1.2) on every backend ------------------------------------------
@pytest.fixture(scope="module")
def hh_reference():
    bp.backend.set("numpy")
    group = HH(4, monitors=["V", "spike"])
    group.run(15., inputs=("input", np.array([0., 5., 10., 20.])))
    assert group.mon.spike.sum() >= 4          # the trace includes spikes and recovery
    return group.mon.V.copy(), group.mon.spike.copy()


@pytest.mark.parametrize("backend", ["numba"] + TENSOR_BACKENDS)
def test_general_hh_gives_the_numpy_trace(backend, hh_reference):
    require(backend)
    group = HH(4, monitors=["V", "spike"])
    group.run(15., inputs=("input", np.array([0., 5., 10., 20.])))
    V, spike = hh_reference
    # float64 on every backend: only the order of floating-point operations differs
    np.testing.assert_allclose(group.mon.V, V, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(group.mon.spike, spike)
    assert isinstance(group.mon.V, np.ndarray)
    if backend != "numba":
        assert bp.backend.tensors.tensor_backend_of(group.V) == backend


# -- in-place idioms, every periods, monitor indices and periods, series inputs ------------------
class Features(bp.NeuGroup):
    target_backend = 'general'

    def __init__(self, size, **kwargs):
        self.x = bp.ops.zeros(size)
        self.count = bp.ops.zeros(size)
        self.input = bp.ops.zeros(size)
        self.tau = 5.
        super().__init__(size=size, steps=['update', 'tick'], **kwargs)

    def update(self, _dt):
        self.x = self.x + _dt * (-self.x / self.tau + self.input)
        self.count[self.x > 1.] += 1.
        self.x[self.x > 2.] = 0.
        self.input[:] = 0.

    @bp.every(time=0.5)
    def tick(self):
        self.count[0:2] += 10.


def _run_features():
    monitor = bp.simulation.Monitor(variables={"x": None, "count": [0, 2]},
                                    every={"x": None, "count": 0.3})
    group = Features(3, monitors=monitor)
    series = np.linspace(0., 6., 100)
    group.run(10., inputs=[("input", series), ("input", np.array([1., 2., 4.]))])
    return group


@pytest.mark.parametrize("backend", TENSOR_BACKENDS)
def test_index_writes_every_steps_monitor_options_and_series_inputs(backend):
    bp.backend.set("numpy")
    reference = _run_features()
    require(backend)
    group = _run_features()
    np.testing.assert_allclose(group.mon.x, reference.mon.x, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(group.mon.count, reference.mon.count)
    np.testing.assert_array_equal(group.mon.count_t, reference.mon.count_t)
    assert reference.mon.count.max() > 50 and (reference.mon.x == 0).any()


def test_immutable_backends_show_the_rewritten_step(capsys):
    require("jax")
    group = Features(2, show_code=True)
    group.run(0.3)
    shown = capsys.readouterr().out
    assert "self.count = _wb_update(self.count, self.x > 1.0, 1.0, '+')" in shown
    assert "self.input = _wb_update(self.input, _wb_slice(None, None, None), 0.0)" in shown
    assert "self.count = _wb_update(self.count, _wb_slice(0, 2, None), 10.0, '+')" in shown


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_writing_state_through_a_local_alias_is_refused(backend):
    class Alias(bp.NeuGroup):
        def __init__(self, size):
            self.V = bp.ops.zeros(size)
            super().__init__(size=size)

        def update(self):
            V = self.V
            V[:] = 1.

    require(backend)
    with pytest.raises(ValueError, match=r"writes into the local name 'V', which refers to the "
                                         r"state array self\.V.*cannot be changed in place.*"
                                         r"`self\.V\[\.\.\.\] = \.\.\.`"):
        Alias(3).run(1.)


# -- the unified operations (manual ch. 2.3 and 10) ----------------------------------------------
def test_manual_ch10_clip_sqrt_on_pytorch_prints_as_in_the_manual():
    import torch
    bp.ops.set_buffer('pytorch', clip=torch.clamp, sqrt=torch.sqrt)

    def test(arr):
        return bp.ops.sqrt(bp.ops.clip(arr, 0., 1.))

    require('pytorch')
    out = test(bp.ops.as_tensor([-1, 0.5, 2.]))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert repr(out) == "tensor([0.0000, 0.7071, 1.0000])"
    bp.backend.set('numpy')
    assert torch.get_default_dtype() == torch.float32      # restored when leaving pytorch


def test_manual_ch10_clip_sqrt_on_tensorflow_and_jax():
    import tensorflow as tf
    bp.ops.set_buffer('tensorflow', clip=tf.clip_by_value, sqrt=tf.math.sqrt)

    def test(arr):
        return bp.ops.sqrt(bp.ops.clip(arr, 0., 1.))

    require('tensorflow')
    out = test(bp.ops.as_tensor([-1, 0.5, 2.]))
    assert isinstance(out, tf.Tensor)
    np.testing.assert_allclose(out.numpy(), [0., np.sqrt(0.5), 1.], rtol=1e-15)
    require('jax')
    out = test(bp.ops.as_tensor([-1, 0.5, 2.]))          # jax's default clip/sqrt
    assert bp.backend.tensors.tensor_backend_of(out) == 'jax'
    np.testing.assert_allclose(np.asarray(out), [0., np.sqrt(0.5), 1.], rtol=1e-15)


@pytest.mark.parametrize("backend", TENSOR_BACKENDS)
def test_every_numpy_operation_exists_and_agrees(backend):
    require(backend)
    missing = sorted(set(numpy_operations()) - set(vars(bp.ops)))
    assert missing == []
    ops = bp.ops
    x = ops.as_tensor([[1., -2., 3.], [4., 5., -6.]])
    assert ops.shape(x) == (2, 3)
    assert numpy_of(ops.zeros(3)).dtype == np.float64
    assert numpy_of(ops.ones((2, 2), dtype=ops.int32)).dtype == np.int32
    np.testing.assert_array_equal(numpy_of(ops.arange(4)), [0, 1, 2, 3])
    np.testing.assert_allclose(numpy_of(ops.sum(x, axis=1)), [2., 3.])
    np.testing.assert_allclose(numpy_of(ops.max(x, axis=0)), [4., 5., 3.])
    np.testing.assert_allclose(numpy_of(ops.min(x)), -6.)
    np.testing.assert_allclose(numpy_of(ops.mean(ops.as_tensor([1, 2]))), 1.5)
    np.testing.assert_allclose(numpy_of(ops.reshape(x, (3, 2))), np.reshape(numpy_of(x), (3, 2)))
    np.testing.assert_allclose(numpy_of(ops.concatenate([ops.zeros(1), ops.ones(2)])), [0, 1, 1])
    np.testing.assert_allclose(numpy_of(ops.where(x > 0, x, 0.)), np.where(numpy_of(x) > 0,
                                                                           numpy_of(x), 0.))
    np.testing.assert_allclose(numpy_of(ops.clip(x, -1., 1.)), np.clip(numpy_of(x), -1, 1))
    np.testing.assert_allclose(numpy_of(ops.maximum(x, 0.)), np.maximum(numpy_of(x), 0.))
    np.testing.assert_allclose(numpy_of(ops.exp(ops.as_tensor(1.))), np.e)
    np.testing.assert_allclose(numpy_of(ops.power(x, 2)), numpy_of(x) ** 2)
    draws = numpy_of(ops.normal(1., 2., (20000,)))
    assert draws.shape == (20000,) and abs(draws.mean() - 1.) < 0.1 and abs(draws.std() - 2.) < 0.1
    uniform = numpy_of(ops.uniform(-1., 1., 1000))
    assert uniform.min() >= -1. and uniform.max() < 1. and numpy_of(ops.random(5)).shape == (5,)
    assert numpy_of(ops.logical_and(x > 0, x < 4)).tolist() == [[True, False, True],
                                                                [False, False, False]]


# -- jax: compiled once, repeat runs reuse it ----------------------------------------------------
def test_jax_repeat_runs_compile_nothing_and_use_new_values():
    require('jax')
    group = HH(3, monitors=['V'])
    group.run(5., inputs=('input', 10.))
    compiled = bp.jit_compilations()
    assert bp.jit_stats()['jax'] >= 1
    group.gNa = 100.                                   # a parameter
    group.V = bp.ops.ones(3) * -70.                    # new state
    group.run(5., inputs=('input', 3.))               # a new input value
    group.run((5., 12.), inputs=('input', 4.))        # another duration and start time
    assert bp.jit_compilations() == compiled
    traces = group.mon.V.copy()

    bp.backend.set('numpy')
    reference = HH(3, monitors=['V'])
    reference.run(5., inputs=('input', 10.))
    reference.gNa = 100.
    reference.V = np.ones(3) * -70.
    reference.run(5., inputs=('input', 3.))
    reference.run((5., 12.), inputs=('input', 4.))
    np.testing.assert_allclose(traces, reference.mon.V, rtol=0, atol=1e-9)
    np.testing.assert_allclose(group.mon.ts, reference.mon.ts)


class Noisy(bp.NeuGroup):
    target_backend = 'general'

    def __init__(self, size, **kwargs):
        self.x = bp.ops.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self):
        self.x = self.x + bp.ops.normal(0., 1., self.num)


def test_jax_random_draws_are_new_every_step_and_follow_the_seed():
    require('jax')
    jax_ops.seed(7)
    group = Noisy(2000, monitors=['x'])
    group.run(10.)
    walk = group.mon.x
    # a random walk: the variance grows by one per step
    np.testing.assert_allclose(walk.var(axis=1)[[9, 49, 99]], [10., 50., 100.], rtol=0.15)
    jax_ops.seed(7)
    again = Noisy(2000, monitors=['x'])
    again.run(10.)
    np.testing.assert_array_equal(again.mon.x, walk)


class Wiener(bp.NeuGroup):
    target_backend = 'general'

    def __init__(self, size, **kwargs):
        self.x = bp.ops.zeros(size)
        super().__init__(size=size, **kwargs)

    @staticmethod
    @bp.sdeint(g=lambda x, t: 1., dt=0.1)
    def integral(x, t):
        return 0. * x

    def update(self, _t):
        self.x = self.integral(self.x, _t)


def test_jax_sde_steps_draw_new_increments_inside_the_compiled_step():
    require('jax')
    group = Wiener(2000, monitors=['x'])
    group.run(10.)
    # dx = dW: the variance grows by dt = 0.1 per step (frozen numpy draws would give t^2)
    np.testing.assert_allclose(group.mon.x.var(axis=1)[[9, 99]], [1., 10.], rtol=0.15)


@pytest.mark.parametrize("backend", TENSOR_BACKENDS)
def test_exponential_euler_steps_tensors(backend):
    def decay(x, t, tau):
        return -x / tau

    require(backend)
    step = bp.odeint(decay, method='exponential_euler', dt=0.1)
    out = step(bp.ops.as_tensor([1., 2.]), 0., 2.)
    assert bp.backend.tensors.tensor_backend_of(out) == backend
    np.testing.assert_allclose(numpy_of(out), np.array([1., 2.]) * np.exp(-0.05), rtol=1e-14)


class PythonBranch(bp.NeuGroup):
    target_backend = 'general'

    def __init__(self, size, **kwargs):
        self.V = bp.ops.zeros(size)
        super().__init__(size=size, **kwargs)

    def update(self, _t):
        if self.V[0] < 1.:                 # Python control flow on state: not traceable
            self.V = self.V + 0.25
        else:
            self.V = self.V * 0.


def test_jax_untraceable_step_falls_back_to_eager_with_a_warning():
    bp.backend.set('numpy')
    reference = PythonBranch(2, monitors=['V'])
    reference.run(2.)
    require('jax')
    group = PythonBranch(2, monitors=['V'])
    with pytest.warns(StepCompileWarning, match=r"cannot be compiled with jax\.jit.*eagerly"):
        group.run(2.)
    np.testing.assert_array_equal(group.mon.V, reference.mon.V)


# -- failures, refusals and messages -------------------------------------------------------------
class Diverging(bp.NeuGroup):
    target_backend = 'general'

    def __init__(self, size, **kwargs):
        self.x = bp.ops.ones(size) * 3.
        super().__init__(size=size, **kwargs)

    def update(self):
        self.x = bp.ops.log(self.x - 1.)


@pytest.mark.parametrize("backend", TENSOR_BACKENDS)
def test_nan_is_reported_with_variable_and_time(backend):
    require(backend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(bp.errors.SimulationError,
                           match=r"Diverging '\w+' \(size 2\): x became NaN at t=0\.1 ms "
                                 r"\(step 1 of the run\) in step 'update'"):
            Diverging(2).run(5.)


def test_model_excluding_a_tensor_backend_is_refused():
    class NumbaOnly(bp.NeuGroup):
        target_backend = ['numpy', 'numba']

        def __init__(self, size):
            self.V = bp.ops.zeros(size)
            super().__init__(size=size)

        def update(self):
            pass

    for backend in TENSOR_BACKENDS:
        require(backend)
        with pytest.raises(ValueError, match=rf"NumbaOnly does not support the active backend "
                                             rf"'{backend}'.*'numba', 'numpy'"):
            NumbaOnly(2)


def test_constant_delays_are_refused_on_tensor_backends():
    class Delayed(bp.NeuGroup):
        def __init__(self, size):
            self.V = bp.ops.zeros(size)
            self.d = self.register_constant_delay('V', size, 1.)
            super().__init__(size=size)

        def update(self):
            self.d.push(self.V)

    require('pytorch')
    with pytest.raises(ValueError, match=r"registers constant delays \(V\).*'numpy' and 'numba' "
                                         r"backends only, not on 'pytorch'"):
        Delayed(2).run(1.)


@pytest.mark.parametrize("backend", TENSOR_BACKENDS)
def test_missing_package_names_what_to_install(backend, monkeypatch):
    package = PACKAGES[backend]
    module = {"pytorch": torch_ops, "jax": jax_ops,
              "tensorflow": bp.backend.tensorflow_ops}[backend]
    monkeypatch.setitem(sys.modules, package, None)          # makes `import package` fail
    monkeypatch.setattr(module, "torch" if backend == "pytorch" else
                        "tf" if backend == "tensorflow" else "jax", None)
    with pytest.raises(ValueError, match=rf"Backend '{backend}' needs the package '{package}'.*"
                                         rf"pip install 'workbench\[{backend}\]'"):
        bp.backend.set(backend)
    assert bp.backend.get_backend() == 'numpy'


def test_importing_workbench_imports_no_tensor_package():
    code = ("import sys, workbench; "
            "print([m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=".")
    assert result.stdout.strip() == "[]"
