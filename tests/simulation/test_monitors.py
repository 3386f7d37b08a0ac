"""Monitors: the forms of chapter 8 and the shapes it prints, on both backends."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError

from ..references import brainpy_compat
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
    np.testing.assert_array_equal(group.mon.total, [[1], [2], [3], [4], [5]])   # a number: (5, 1)
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


# -- BrainPy 1.0.2's record shapes (recorded with BrainPy 1.0.3, tests/references) ---------------
class Shapes(bp.NeuGroup):
    """A number, a (2, 2) array, a vector and a bool vector (make_brainpy_compat.py's model)."""

    target_backend = ["numpy", "numba"]

    def __init__(self, size, **kwargs):
        super().__init__(size=size, **kwargs)
        self.a = 0.
        self.b = np.zeros((2, 2))
        self.v = np.zeros(self.num)
        self.spike = np.zeros(self.num, dtype=bool)

    def update(self, _t):
        self.a = _t
        self.b += 1.
        self.v += _t
        self.spike = self.v > 3


MONITOR_CASES = {
    "names": lambda: ["a", "b", "v", "spike"],
    "every_list_one": lambda: bp.simulation.Monitor(variables=["a"], every=[1.]),
    "index_dict": lambda: {"v": [1, 2], "b": None},
    "index_tuples": lambda: [("v", [0]), "b", ("spike", [5])],
    "index_every_dict": lambda: bp.simulation.Monitor(variables={"v": [1, 2], "spike": None},
                                                      every={"v": None, "spike": 1.}),
}


@pytest.mark.parametrize("case", sorted(MONITOR_CASES))
def test_record_shapes_match_brainpy(backend, case):
    expected = brainpy_compat()["monitors"][case]
    group = Shapes(6, monitors=MONITOR_CASES[case]())
    group.run(2.)
    for key, want in expected.items():
        got = getattr(group.mon, key)
        assert list(got.shape) == want["shape"], key
        assert str(got.dtype) == want["dtype"], key
        assert len(getattr(group.mon, key + "_t")) == want["times"], key


def test_records_are_2d_and_hold_the_values(backend):
    group = Shapes(6, monitors=["a", "b", "v"])
    group.run(1.)
    ts = np.arange(10) * 0.1
    np.testing.assert_allclose(group.mon.a, ts[:, None])                        # (steps, 1)
    np.testing.assert_allclose(group.mon.b, np.repeat(np.arange(1., 11.)[:, None], 4, axis=1))
    np.testing.assert_allclose(group.mon.v, np.repeat(np.cumsum(ts)[:, None], 6, axis=1))


def test_every_as_a_list_gives_one_period_per_variable(backend):
    # BrainPy 1.0.2 accepts the form but gives the second variable no rows (recorded as data)
    assert brainpy_compat()["monitors"]["every_list_two"]["b_shape"] == [0, 4]
    for every in ([1., 0.5], (1., 0.5)):
        group = Shapes(6, monitors=bp.simulation.Monitor(variables=["a", "b"], every=every))
        group.run(2.)
        assert group.mon.a.shape == (2, 1) and group.mon.b.shape == (4, 4)
        np.testing.assert_allclose(group.mon.a[:, 0], [0., 1.], atol=1e-12)
        np.testing.assert_allclose(group.mon.b_t, [0., .5, 1., 1.5], atol=1e-12)
    mon = bp.simulation.Monitor(variables=["a", "b"], every=[None, 0.5])
    assert mon.every == {"a": None, "b": 0.5}
    with pytest.raises(ModelError, match=r"gives 1 periods for 2 variables \['a', 'b'\]"):
        bp.simulation.Monitor(variables=["a", "b"], every=[1.])
