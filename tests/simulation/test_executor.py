"""The Executor contract: every backend's executors derive from it, the runner picks them from one table."""

import numpy as np
import pytest

import workbench as bp
from workbench.backend.settings import SUPPORTED_BACKENDS
from workbench.simulation import StepCompileWarning, runner
from workbench.simulation.executor import Executor, StepCompileError
from workbench.simulation.numpy.interpreter import InterpretedExecutor

from .models import Counter


def test_every_backend_has_executors_and_they_follow_the_contract():
    assert set(runner.EXECUTORS) == set(SUPPORTED_BACKENDS)
    for backend, candidates in runner.EXECUTORS.items():
        assert candidates, backend
        for executor_class in candidates:
            assert issubclass(executor_class, Executor), executor_class
            assert executor_class.description != Executor.description, executor_class


def test_an_executor_must_bind_and_run_chunks():
    class Incomplete(Executor):
        def bind(self, plan, force=False):
            pass

    with pytest.raises(TypeError, match="run_chunk"):
        Incomplete(None)


def test_objects_and_networks_share_one_run_and_build():
    assert bp.Network.run is bp.DynamicalSystem.run is bp.NeuGroup.run
    assert bp.Network.build is bp.DynamicalSystem.build
    assert "On a network" in bp.Network.run.__doc__


class _Refusing(InterpretedExecutor):
    description = "refusing test executor"

    def __init__(self, plan, **kwargs):
        raise StepCompileError("step 'update' of Counter cannot be compiled for the test")


def test_a_step_compile_error_falls_back_to_the_next_executor(monkeypatch):
    monkeypatch.setitem(runner.EXECUTORS, "numpy", (_Refusing, InterpretedExecutor))
    group = Counter(3, monitors=["count"])
    with pytest.warns(StepCompileWarning, match=r"cannot be compiled for the test -- running "
                                                r"Counter\d* '\w+' \(size 3\) with the Python "
                                                r"\(numpy-backend\) executor instead"):
        group.run(0.5)
    assert type(group._wb_executor) is InterpretedExecutor
    np.testing.assert_array_equal(group.mon.count[:, 0], np.arange(1., 6.))


def test_the_last_executor_s_step_compile_error_is_raised(monkeypatch):
    monkeypatch.setitem(runner.EXECUTORS, "numpy", (_Refusing,))
    with pytest.raises(StepCompileError, match="cannot be compiled for the test"):
        Counter(2).run(0.5)
