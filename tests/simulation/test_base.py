"""DynamicalSystem / NeuGroup / TwoEndConn / Network: construction, names, steps, backends."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ModelError

from .models import Counter, EulerLIF, Pulse, SliceSyn


def test_size_as_int_or_tuple():
    assert EulerLIF(5).size == (5,) and EulerLIF(5).num == 5
    group = EulerLIF((4, 3))
    assert group.size == (4, 3) and group.num == 12


def test_super_init_before_attributes_works():
    group = Counter(3, monitors=["count"])
    group.run(1.)
    np.testing.assert_array_equal(group.mon.count[-1], [10., 10., 10.])


def test_auto_names_are_unique_and_explicit_names_kept():
    a, b = EulerLIF(1), EulerLIF(1)
    assert a.name != b.name and a.name.startswith("EulerLIF")
    assert EulerLIF(1, name="E").name == "E"


def test_bad_name_is_refused():
    with pytest.raises(ModelError, match="must be a Python identifier"):
        EulerLIF(1, name="E.1")


def test_unknown_keyword_is_named():
    with pytest.raises(ModelError, match=r"unexpected keyword\(s\) \['monitor'\]"):
        EulerLIF(1, monitor=["V"])


def test_default_steps_and_schedule():
    group = EulerLIF(2)
    assert list(group.steps) == ["update"]
    assert group.schedule() == ("input", "update", "monitor")


def test_steps_as_list_dict_and_names():
    class ThreeSteps(bp.NeuGroup):
        def __init__(self):
            super().__init__(size=1, steps=[self.a, "b", self.c])

        def a(self):
            pass

        def b(self, _t):
            pass

        def c(self, _i, _dt):
            pass

    group = ThreeSteps()
    assert group.schedule() == ("input", "a", "b", "c", "monitor")
    other = Counter(1)
    other.steps = other._normalize_steps({"count_up": other.update})
    assert list(other.steps) == ["count_up"]


def test_step_with_other_arguments_is_refused():
    class Bad(bp.NeuGroup):
        def __init__(self):
            super().__init__(size=1)

        def update(self, t):
            pass

    with pytest.raises(ModelError, match=r"takes the argument 't'.*'_dt', '_i', '_t'"):
        Bad()


def test_reserved_step_names_are_refused():
    class Bad(bp.NeuGroup):
        def __init__(self):
            super().__init__(size=1, steps=[self.monitor])

        def monitor(self):
            pass

    with pytest.raises(ModelError, match="reserved"):
        Bad()


def test_target_backend_refuses_other_backends():
    class NumpyOnly(bp.NeuGroup):
        target_backend = "numpy"

        def __init__(self):
            self.x = np.zeros(1)
            super().__init__(size=1)

        def update(self):
            pass

    group = NumpyOnly()
    bp.backend.set("numba")
    with pytest.raises(ModelError, match=r"NumpyOnly does not support the active backend 'numba'"):
        NumpyOnly()
    with pytest.raises(ModelError, match="target_backend"):
        group.run(1.)          # created on numpy, run on numba: refused at build


def test_target_backend_general_and_numba_parallel():
    """['numpy', 'numba'] covers numba-parallel, and 'general' (Counter's default) too."""
    traces = {}
    for backend in ("numba", "numba-parallel"):
        bp.backend.set(backend, dt=0.1)
        group = EulerLIF(3, monitors=["V", "spike"])
        group.run(100., inputs=("input", np.array([21., 25., 30.])))
        counter = Counter(2, monitors=["count"])
        counter.run(1.)
        np.testing.assert_array_equal(counter.mon.count[-1], [10., 10.])   # one count a step
        traces[backend] = group.mon.V.copy(), group.mon.spike.copy()
    # a constant input R I > V_th makes every neuron fire, the strongest first
    spikes = traces["numba"][1].sum(axis=0)
    assert spikes[0] >= 1 and spikes[0] < spikes[1] < spikes[2]
    np.testing.assert_array_equal(traces["numba-parallel"][0], traces["numba"][0])
    np.testing.assert_array_equal(traces["numba-parallel"][1], traces["numba"][1])


def test_missing_super_init_is_explained():
    class Forgot(bp.NeuGroup):
        def __init__(self):
            self.x = np.zeros(1)

        def update(self):
            pass

    with pytest.raises(ModelError, match=r"call super\(\).__init__"):
        Forgot().run(1.)


def test_two_end_conn_keeps_user_size_and_conn():
    pre, post = Pulse(0), Pulse(0)
    conn = {"pre_slice": np.zeros((1, 2), dtype=np.int64), "post_ids": np.zeros(0, np.int64)}
    syn = SliceSyn(pre, post, conn, tau=5., weight=1., E=0.)
    assert syn.pre is pre and syn.post is post
    assert bp.SynConn is bp.TwoEndConn
    with pytest.raises(ModelError, match="`pre`=3 of SliceSyn must be a neuron group"):
        SliceSyn(3, post, conn, tau=5., weight=1., E=0.)


def test_network_nodes_names_and_duplicates():
    a, b = EulerLIF(1, name="A"), EulerLIF(1, name="B")
    net = bp.Network(a, [b])
    assert list(net.all_nodes) == ["A", "B"] and net.A is a
    with pytest.raises(ModelError, match="Two network nodes are named 'A'"):
        bp.Network(a, EulerLIF(1, name="A"))
    auto = EulerLIF(1)
    named = bp.Network(X=auto)
    assert auto.name == "X" and named.all_nodes["X"] is auto
    with pytest.raises(ModelError, match="is named 'A'"):
        bp.Network(Y=a)
    with pytest.raises(ModelError, match="must be a bp.DynamicalSystem"):
        bp.Network(a, "b")
    with pytest.raises(AttributeError, match="its nodes are: 'A', 'B'"):
        net.C
