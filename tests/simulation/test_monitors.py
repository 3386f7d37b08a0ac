"""Monitors: the forms of chapter 8 and the shapes it prints, on both backends."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError

from .models import Counter, EulerLIF


@pytest.mark.parametrize("monitors", [
    ["V", ("spike", [1, 2, 3])],
    {"V": None, "spike": [1, 2, 3]},
    bp.simulation.Monitor(variables=["V", ("spike", [1, 2, 3])]),
    bp.simulation.Monitor(variables={"V": None, "spike": [1, 2, 3]}),
])
def test_manual_monitor_forms_give_the_printed_shapes(backend, monitors):
    group = EulerLIF(size=10, monitors=monitors)
    group.run(100., inputs=("input", 26.))
    assert group.mon.V.shape == (1000, 10)
    assert group.mon.spike.shape == (1000, 3)
    assert isinstance(group.mon, bp.simulation.Monitor)


def test_periodic_monitor_records_every_period(backend):
    group = EulerLIF(size=10, monitors=bp.simulation.Monitor(
        variables={"V": None, "spike": [1, 2, 3]}, every={"V": None, "spike": 1.}))
    group.run(100., inputs=("input", 26.))
    assert group.mon.V.shape == (1000, 10)
    assert group.mon.spike.shape == (100, 3)
    np.testing.assert_allclose(group.mon.spike_t, np.arange(100) * 1.0, atol=1e-9)
    np.testing.assert_allclose(group.mon.V_t, np.arange(1000) * 0.1, atol=1e-9)
    # every 10th row of the full record equals the periodic record
    full = EulerLIF(size=10, monitors=["spike"])
    full.run(100., inputs=("input", 26.))
    np.testing.assert_array_equal(full.mon.spike[::10, 1:4], group.mon.spike)


def test_records_values_and_times(backend):
    group = Counter(2, monitors=["count", "total"])
    group.run(0.5)
    np.testing.assert_array_equal(group.mon.count[:, 0], [1., 2., 3., 4., 5.])
    np.testing.assert_array_equal(group.mon.total, [1, 2, 3, 4, 5])   # a number, recorded
    np.testing.assert_allclose(group.mon.ts, [0., .1, .2, .3, .4])
    np.testing.assert_allclose(group.mon.count_t, group.mon.ts)


def test_repeat_run_replaces_records_and_continues_time(backend):
    group = Counter(1, monitors=["count"])
    group.run(1.)
    group.run((1., 1.5))
    np.testing.assert_allclose(group.mon.ts, [1., 1.1, 1.2, 1.3, 1.4])
    np.testing.assert_array_equal(group.mon.count[:, 0], [11., 12., 13., 14., 15.])


def test_monitor_errors_name_the_problem():
    with pytest.raises(ModelError, match="'Vm' is not an attribute of EulerLIF .* 'V', 'V_reset'"):
        EulerLIF(3, monitors=["Vm"]).run(1.)
    with pytest.raises(ModelError, match="goes up to 5, but the variable has only 3"):
        EulerLIF(3, monitors=[("V", [0, 5])]).run(1.)
    with pytest.raises(ModelError, match="not a whole multiple of the time step"):
        EulerLIF(3, monitors=bp.simulation.Monitor(["V"], every=0.25)).run(1.)
    with pytest.raises(ModelError, match="a fixed period"):
        bp.simulation.Monitor(["V"], every={"V": lambda: True})
    with pytest.raises(ModelError, match="clashes with a Monitor attribute"):
        bp.simulation.Monitor(["ts"])
    with pytest.raises(ModelError, match="not monitored"):
        bp.simulation.Monitor(["V"], every={"W": 1.})


def test_reading_before_a_run_explains():
    group = EulerLIF(3, monitors=["V"])
    with pytest.raises(AttributeError, match="no records of 'V' yet: run the model first"):
        group.mon.V
    with pytest.raises(AttributeError, match="does not record 'W'; it records: 'V'"):
        group.mon.W
