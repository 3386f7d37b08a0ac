"""Parameter paths on models, and the state snapshot every set starts from."""

import numpy as np
import pytest

import workbench as bp
from workbench.sweep import StateSnapshot, SweepError, assign_path, resolve_path

from .models import Leaky


def _network():
    a, b = Leaky(3, name='A'), Leaky(2)            # b keeps its automatic name
    return bp.Network(a, b), a, b


def test_nodes_by_name_or_unique_class():
    net, a, b = _network()
    assert resolve_path(net, 'A.tau') == (a, 'tau')
    single = bp.Network(Leaky(2))
    owner, attribute = resolve_path(single, 'Leaky.tau')
    assert owner is next(iter(single.all_nodes.values())) and attribute == 'tau'
    with pytest.raises(SweepError, match="2 nodes have the class 'Leaky'"):
        resolve_path(net, 'Leaky.tau')


def test_single_object_paths():
    group = Leaky(2, name='G')
    assert resolve_path(group, 'tau') == (group, 'tau')
    assert resolve_path(group, 'G.tau') == (group, 'tau')
    assert resolve_path(group, 'Leaky.tau') == (group, 'tau')


@pytest.mark.parametrize("path, match", [
    ('A.taux', "has no attribute 'taux'. Did you mean 'tau'"),
    ('Z.tau', "no node named 'Z'"),
    ('tau', "does not say which node"),
    ('A.mon.Vx', "has no attribute 'Vx'"),
])
def test_unknown_paths_are_errors_with_suggestions(path, match):
    net, _, _ = _network()
    with pytest.raises(SweepError, match=match):
        resolve_path(net, path)


def test_array_attributes_are_filled_in_place():
    net, a, _ = _network()
    before = a.V
    assign_path(net, 'A.V', 2.5)
    assert a.V is before and a.V.tolist() == [2.5, 2.5, 2.5]
    assign_path(net, 'A.V', np.array([1., 2., 3.]))
    assert a.V.tolist() == [1., 2., 3.]
    with pytest.raises(SweepError, match="does not fit the array attribute of shape \\(3,\\)"):
        assign_path(net, 'A.V', np.zeros(4))
    assign_path(net, 'A.tau', 7)
    assert a.tau == 7


def test_snapshot_restores_numbers_arrays_and_delays():
    net, a, b = _network()
    delay = a.register_constant_delay('d', size=3, delay_time=0.3)
    delay.push(np.ones(3))
    snapshot = StateSnapshot(net)
    kept = a.V
    a.V[:] = 9.
    a.tau = 99.
    b.V = np.full(2, 4.)                 # rebound by a step, as compiled steps may do
    delay.push(np.full(3, 5.))
    delay.advance()
    snapshot.restore()
    assert a.V is kept and a.V.tolist() == [0., 0., 0.] and a.tau == 10.
    assert b.V.tolist() == [0., 0.]
    np.testing.assert_array_equal(delay.data[delay.head[0]], np.ones(3))
    assert snapshot.nbytes >= a.V.nbytes + delay.data.nbytes
