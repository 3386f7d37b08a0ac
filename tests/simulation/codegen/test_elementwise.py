"""The element-wise proofs the numpy and numba targets share."""

import numpy as np

import workbench as bp
from workbench.simulation.codegen import elementwise
from workbench.simulation.codegen.elementwise import (function_kind, integrator_is_elementwise,
                                                      is_integrator, straight_line_elementwise)


def decay(V, t, tau):
    dV = -V / tau + np.exp(-t)
    return dV


def branching(V, t, tau):
    if V > 0:
        return -V / tau
    return V


def indexing(V, t, tau):
    return -V[0] / tau


def summing(V, t, tau):
    return -np.sum(V) / tau


def noise(V, t, tau):
    return 0.1


def test_straight_line_elementwise_accepts_arithmetic_and_ufuncs_only():
    assert straight_line_elementwise(decay)
    assert not straight_line_elementwise(branching)
    assert not straight_line_elementwise(indexing)
    assert not straight_line_elementwise(summing)
    assert not straight_line_elementwise(np.exp)          # no Python source


def test_integrators_are_elementwise_when_fixed_step_and_straight_line():
    assert integrator_is_elementwise(bp.odeint(decay, method="rk4"))
    assert not integrator_is_elementwise(bp.odeint(branching, method="rk4"))
    assert not integrator_is_elementwise(bp.odeint(decay, method="rkf45", adaptive=True))
    noisy = bp.sdeint(f=decay, g=noise, method="euler")
    assert is_integrator(noisy) and not integrator_is_elementwise(noisy)


def test_one_analysis_per_integrator_shared_by_both_targets(monkeypatch):
    from workbench.simulation.numba.generator import fusion, rewrite
    from workbench.simulation.numpy import vectorize

    for module in (fusion, rewrite, vectorize):
        assert module.integrator_is_elementwise is integrator_is_elementwise
    calls = []
    original = elementwise.straight_line_elementwise
    monkeypatch.setattr(elementwise, "straight_line_elementwise",
                        lambda func: calls.append(func) or original(func))
    integrator = bp.odeint(decay, method="euler")
    assert integrator_is_elementwise(integrator) and integrator_is_elementwise(integrator)
    assert calls == [integrator.derivative]


def test_function_kinds():
    assert function_kind(np.exp) == "elementwise"
    assert function_kind(np.where) == "elementwise"
    assert function_kind(abs) == "elementwise"
    assert function_kind(len) == "pure"
    assert function_kind(np.sum) == "pure"
    assert function_kind(np.random.normal) is None
    assert function_kind(print) is None
    assert function_kind(bp.odeint(decay, method="euler")) == "elementwise"
    assert function_kind(bp.odeint(decay, method="euler"), lambda integrator: False) is None
