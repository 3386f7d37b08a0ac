"""Manual chapter 8 (More about monitor), with the chapter's HH model (numpy backend)."""

import numpy as np

import workbench as bp

from .manual_models import HH7 as HH


def test_monitor_from_list_and_class():
    group1 = HH(size=10, monitors=['V', 'spike'])
    assert type(group1.mon) is bp.simulation.Monitor
    group2 = HH(size=10, monitors=bp.simulation.Monitor(variables=['V', 'spike']))
    for group in (group1, group2):
        group.run(100., inputs=('input', 10))
    np.testing.assert_array_equal(group1.mon.V, group2.mon.V)
    np.testing.assert_allclose(group1.mon.V_t, np.arange(1000) * 0.1, atol=1e-9)
    assert group1.mon.V.max() > 20.            # input 10 makes the HH neuron fire


def test_monitor_at_selected_index_shapes():
    forms = [['V', ('spike', [1, 2, 3])],
             {'V': None, 'spike': [1, 2, 3]},
             bp.simulation.Monitor(variables={'V': None, 'spike': [1, 2, 3]})]
    full = HH(size=10, monitors=['spike'])
    full.run(100., inputs=('input', 10.))
    for monitors in forms:
        group = HH(size=10, monitors=monitors)
        group.run(100., inputs=('input', 10.))
        assert group.mon.V.shape == (1000, 10)
        assert group.mon.spike.shape == (1000, 3)
        np.testing.assert_array_equal(group.mon.spike, full.mon.spike[:, 1:4])


def test_monitor_with_customized_period():
    group6 = HH(size=10, monitors=bp.simulation.Monitor(variables={'V': None, 'spike': [1, 2, 3]},
                                                        every={'V': None, 'spike': 1.}))
    group6.run(100., inputs=('input', 10.))
    assert group6.mon.V.shape == (1000, 10)
    assert group6.mon.spike.shape == (100, 3)
    np.testing.assert_allclose(group6.mon.spike_t, np.arange(100.), atol=1e-9)
