"""The numba backend: compiled steps, one loop per run, repeat mode without recompilation."""

import re

import numpy as np
import pytest

import workbench as bp
from workbench.backend.jit import is_jit_disabled
from workbench.simulation import StepCompileWarning
from workbench.simulation.numba.generator import loop

from tests.reference import fixed_prob_structures, scalar_euler_lif

from .. import models
from ..models import CobaLIF, Counter, EulerLIF, ListSyn, MethodCaller, Rebinder, SliceSyn


def _coba(size_e=80, size_i=20, syn=SliceSyn, seed=3):
    rng = np.random.RandomState(seed)
    E = CobaLIF(size_e, monitors=["spike"], name="E")
    E.V = rng.randn(size_e) * 5. - 60.
    I = CobaLIF(size_i, monitors=["spike"], name="I")
    I.V = rng.randn(size_i) * 5. - 60.
    prob = 0.2
    synapses = [syn(E, E, fixed_prob_structures(size_e, size_e, prob, 1), 5., 0.6, 0.),
                syn(E, I, fixed_prob_structures(size_e, size_i, prob, 2), 5., 0.6, 0.),
                syn(I, E, fixed_prob_structures(size_i, size_e, prob, 3), 10., 6.7, -80.),
                syn(I, I, fixed_prob_structures(size_i, size_i, prob, 4), 10., 6.7, -80.)]
    return bp.Network(E, I, *synapses), E, I


@pytest.fixture(scope="module")
def coba_numba():
    """A small COBA network on numba, compiled once for the module's tests."""
    bp.backend.set("numba", dt=0.1)
    net, E, I = _coba()
    net.run(50.)
    return net, E, I


def test_lif_spike_times_match_the_scalar_reference(backend):
    group = EulerLIF(3, monitors=["spike"])
    group.run(200., inputs=("input", 26.))
    reference = scalar_euler_lif(2000, 26.)
    for neuron in range(3):
        # the manual's update() leaves spike at 1 while refractory: spikes are rising edges
        onsets = np.diff(group.mon.spike[:, neuron], prepend=0.) > 0
        np.testing.assert_allclose(group.mon.ts[onsets], reference, atol=1e-9)
    # the continuous-time inter-spike interval of the same LIF, for scale: 1 + 10 ln(31/6) ms;
    # Euler steps and the input accumulated during refractoriness make it ~1 ms shorter
    isi = np.diff(reference).mean()
    assert 1. + 10. * np.log(31. / 6.) - 1.2 < isi < 1. + 10. * np.log(31. / 6.)


def test_numpy_and_numba_give_the_same_spikes(coba_numba):
    net, E, I = coba_numba
    bp.backend.set("numpy")
    net_np, E_np, I_np = _coba()
    net_np.run(50.)
    assert E.mon.spike.sum() > 20            # the network is active
    np.testing.assert_array_equal(E.mon.spike, E_np.mon.spike)
    np.testing.assert_array_equal(I.mon.spike, I_np.mon.spike)


def test_list_connectivity_compiles_to_csr_and_agrees():
    bp.backend.set("numba")
    net, E, I = _coba(syn=ListSyn)
    net.run(30.)
    bp.backend.set("numpy")
    net_np, E_np, I_np = _coba(syn=ListSyn)
    net_np.run(30.)
    np.testing.assert_array_equal(E.mon.spike, E_np.mon.spike)
    # the row is read as a CSR slice, iterated by index (generator/slice_loops.py)
    assert "_slice_bounds(self__pre2post__indptr[pre_i], self__pre2post__indptr[pre_i + 1], " \
        "self__pre2post__indices.shape[0])" in net._wb_executor.source     # indptr: checked once


def test_repeat_runs_compile_nothing(coba_numba):
    net, E, I = coba_numba
    bp.backend.set("numba")
    before = bp.jit_compilations()
    syn = net.all_nodes[list(net.all_nodes)[2]]
    syn.weight = 0.9                                  # a parameter
    E.V = np.random.RandomState(9).randn(E.num) * 5. - 60.  # a new state array
    net.run((50., 80.))                               # continuing in time
    E.t_last_spike[:] = -1e7                          # resetting state
    net.run(30.)
    syn.tau = 6                                       # an int where a float was: still float64
    net.run(10., report=True)
    assert bp.jit_compilations() == before


def test_parameters_are_runtime_data(coba_numba):
    """A changed parameter changes the result without recompiling (not frozen in code)."""
    net, E, I = coba_numba
    bp.backend.set("numba")
    before = bp.jit_compilations()

    def rerun():
        for group in (E, I):
            group.V[:] = np.random.RandomState(5).randn(group.num) * 5. - 60.
            group.t_last_spike[:] = -1e7
            group.input[:] = 0.
        for node in list(net.all_nodes.values())[2:]:
            node.g[:] = 0.
        net.run(20.)
        return E.mon.spike.sum()

    baseline = rerun()
    assert rerun() == baseline
    E.drive = 25.
    stronger = rerun()
    E.drive = 20.
    models.REF_TIME = 1.0                  # a module constant read by the step
    shorter_refractory = rerun()
    models.REF_TIME = 5.0
    assert stronger > baseline and shorter_refractory > baseline
    assert rerun() == baseline
    assert bp.jit_compilations() == before


def test_input_value_change_compiles_nothing_structure_change_only_the_loop(monkeypatch, tmp_path):
    # empty caches, on disk and in this process: a run loop an earlier test left would be
    # loaded whole, and the new loop would then compile the step as well (the test failed
    # when test_runner.py had run before it)
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(loop, "_step_cache", {})
    monkeypatch.setattr(loop, "_loop_cache", {})
    bp.backend.set("numba")
    group = EulerLIF(5, monitors=["spike"])
    group.run(10., inputs=("input", 26.))
    before = bp.jit_compilations()
    group.run(10., inputs=("input", 30.))
    assert bp.jit_compilations() == before
    group.run(10., inputs=("input", np.full(5, 26.)))      # scalar -> vector: a new loop
    compiled = bp.jit_compilations() - before
    assert compiled == (0 if is_jit_disabled() else 1)      # NUMBA_DISABLE_JIT=1 compiles nothing


def test_written_numbers_are_copied_back(backend):
    group = Counter(2)
    group.run(1.)
    group.run(0.5)
    assert group.total == 15 and isinstance(group.total, int)


def test_step_arguments_by_name(backend):
    group = Counter(1)
    group.run((2., 2.5))
    assert group.last_t[0] == pytest.approx(2.4)
    assert group.last_i[0] == 4 and group.last_dt[0] == pytest.approx(0.1)


def test_rebinding_array_attributes_writes_in_place():
    bp.backend.set("numba")
    group = Rebinder(3, monitors=["x", "flag"])
    x_array = group.x
    group.run(1., inputs=("input", 1.))
    assert group.x is x_array                    # written in place on numba
    expected = 1. - 0.9 ** np.arange(1, 11)
    np.testing.assert_allclose(group.mon.x[:, 0], expected, rtol=1e-12)
    np.testing.assert_array_equal(np.flatnonzero(group.mon.flag[:, 0]), [6])


def test_uncompilable_step_falls_back_with_a_warning_naming_the_line():
    bp.backend.set("numba")
    group = MethodCaller(monitors=["x"])
    with pytest.warns(StepCompileWarning, match=r"step 'update' of MethodCaller .* cannot be "
                                                r"compiled for numba \(.*models\.py, line \d+\): "
                                                r"self\.helper\(\.\.\.\) calls another method"):
        group.run(0.3)
    np.testing.assert_array_equal(group.mon.x[:, 0], [1., 2., 3.])


def test_show_code_prints_the_compiled_step_and_loop(capsys):
    bp.backend.set("numba")
    group = EulerLIF(2)
    group.build(1., inputs=("input", 1.), show_code=True)
    code = capsys.readouterr().out
    assert "def EulerLIF_update(_t, _i, _dt, self__size" in code
    assert "if _t - self__t_last_spike[i] <= self__t_refractory:  # line" in code
    assert "def run_loop(" in code
    assert re.search(r"for _j in range\(\w+__input\.shape\[0\]\):\n\s+\w+__input\[_j\] \+= _in_0",
                     code)
