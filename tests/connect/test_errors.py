"""Clear errors: each names the argument, the value and what is allowed."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ConnectorError


def test_one2one_names_both_sizes():
    with pytest.raises(ConnectorError, match=r"One2One needs pre- and post-synaptic groups of the same number "
                                             r"of neurons; got pre_size=\(3,\) \(3 neurons\) and "
                                             r"post_size=\(2, 2\) \(4 neurons\)"):
        bp.connect.One2One()(3, (2, 2))


@pytest.mark.parametrize("make, match", [
    (lambda: bp.connect.FixedProb(1.5), r"FixedProb: `prob`=1.5 must be a probability in \[0, 1\]"),
    (lambda: bp.connect.FixedProb(-0.1), r"`prob`=-0.1 must be a probability"),
    (lambda: bp.connect.FixedPostNum(1.5), r"FixedPostNum: `num`=1.5 must be a probability in \[0, 1\]"),
    (lambda: bp.connect.GaussianProb(0.1, p_min=2), r"GaussianProb: `p_min`=2 must be a probability"),
    (lambda: bp.connect.SmallWorld(4, prob=1.01), r"SmallWorld: `prob`=1.01 must be a probability"),
    (lambda: bp.connect.ScaleFreeBADual(2, 3, p=-1), r"ScaleFreeBADual: `p`=-1 must be a probability"),
    (lambda: bp.connect.PowerLaw(2, p=1.2), r"PowerLaw: `p`=1.2 must be a probability"),
])
def test_probabilities_outside_unit_interval(make, match):
    with pytest.raises(ConnectorError, match=match):
        make()


@pytest.mark.parametrize("make, sizes, match", [
    (lambda: bp.connect.FixedPostNum(11), (5, 10),
     r"FixedPostNum: `num`=11 asks for 11 post-synaptic neurons per pre-synaptic neuron, but a "
     r"pre-synaptic neuron can choose from only 10\.$"),
    (lambda: bp.connect.FixedPostNum(10, include_self=False), (5, 10),
     r"can choose from only 9 \(include_self=False excludes neuron i itself\)"),
    (lambda: bp.connect.FixedPreNum(6), (5, 10),
     r"FixedPreNum: `num`=6 asks for 6 pre-synaptic neurons per post-synaptic neuron, but a "
     r"post-synaptic neuron can choose from only 5"),
    (lambda: bp.connect.FixedPreNum(1.0, include_self=False), (5, 5), r"`num`=1.0 asks for 5"),
    (lambda: bp.connect.ScaleFreeBA(10), (10, 10), r"ScaleFreeBA: `m`=10 must be smaller than the number "
                                                    r"of neurons \(10\)"),
    (lambda: bp.connect.ScaleFreeBADual(2, 12, 0.5), (10, 10), r"`m2`=12 must be smaller"),
    (lambda: bp.connect.PowerLaw(10, 0.5), (10, 10), r"PowerLaw: `m`=10 must be smaller"),
    (lambda: bp.connect.SmallWorld(10, 0.5), (10, 10), r"SmallWorld: `num_neighbor`=10 must be smaller"),
])
def test_counts_larger_than_the_population(make, sizes, match):
    with pytest.raises(ConnectorError, match=match):
        make()(*sizes)


@pytest.mark.parametrize("make, sizes, match", [
    (bp.connect.GridFour, ((2, 2), (3, 3)), r"GridFour needs pre- and post-synaptic groups of the same "
                                            r"geometry; got pre_size=\(2, 2\) \(4 neurons\) and "
                                            r"post_size=\(3, 3\) \(9 neurons\)"),
    (bp.connect.GridEight, ((2, 3), (3, 2)), r"GridEight needs .* same geometry"),
    (bp.connect.GridFour, ((2, 2, 2), (2, 2, 2)), r"GridFour works on 1-D or 2-D geometries; got "
                                                  r"`pre_size`=\(2, 2, 2\) with 3 dimensions"),
    (lambda: bp.connect.GaussianWeight(0.1, 1.0), (10, (2, 5)),
     r"GaussianWeight needs pre- and post-synaptic geometries with the same number of dimensions; "
     r"got pre_size=\(10,\) and post_size=\(2, 5\)"),
    (lambda: bp.connect.GaussianProb(0.1), ((2, 2, 2), (2, 2, 2)), r"GaussianProb works on 1-D or 2-D"),
    (lambda: bp.connect.ScaleFreeBA(2), (10, 12), r"ScaleFreeBA builds a graph on one population: .* got "
                                                   r"pre_size=\(10,\) \(10 neurons\) and post_size=\(12,\)"),
])
def test_geometry_mismatches(make, sizes, match):
    with pytest.raises(ConnectorError, match=match):
        make()(*sizes)


def test_requires_before_sizes_are_known():
    with pytest.raises(ConnectorError, match=r"FixedProb: the group sizes are not known yet; call the "
                                             r"connector with them first, e\.g\. `conn\(pre\.size, post\.size\)`"):
        bp.connect.FixedProb(0.1).requires("pre_ids")
    with pytest.raises(ConnectorError, match="the group sizes are not known yet"):
        _ = bp.connect.GridFour().pre2post


def test_a_refused_requires_changes_nothing():
    """requires('post_slice') before the sizes are known fails before the synapse order moves."""
    conn = bp.connect.FixedProb(0.5, seed=1)
    with pytest.raises(ConnectorError, match="the group sizes are not known yet"):
        conn.requires("post_slice")
    assert conn.synapse_order == "pre"
    conn(3, 3)
    assert conn.synapse_order == "pre"
    # pre-major synapse numbering: pre_ids ascending
    assert np.all(np.diff(conn.requires("pre_ids")) >= 0)


class PairsOnly(bp.connect.Connector):
    def __init__(self, i=None, j=None):
        super().__init__()
        if i is not None:
            self.pre_ids = i
        if j is not None:
            self.post_ids = j


def test_custom_connector_errors():
    with pytest.raises(ConnectorError, match="the group sizes are not known yet"):
        PairsOnly([0], [0]).requires("pre2post")
    with pytest.raises(ConnectorError, match=r"PairsOnly sets only one of `pre_ids` and `post_ids`; "
                                             r"`post_ids` is missing"):
        PairsOnly([0])(2, 2).requires("conn_mat")
    with pytest.raises(ConnectorError, match=r"PairsOnly has no connectivity: a custom connector must set"):
        PairsOnly()(2, 2).requires("conn_mat")
    with pytest.raises(ConnectorError, match=r"`pre_ids` contains index 5, outside the 3 neurons of "
                                             r"`num_pre`=3; indices must be in \[0, 3\)"):
        PairsOnly([0, 5], [0, 0])(3, 3).requires("pre2post")
    with pytest.raises(ConnectorError, match=r"`pre_ids` and `post_ids` must have the same length; got 2 and 1"):
        PairsOnly([0, 1], [0])(3, 3).requires("pre2post")


def test_invalid_parameters_and_sizes():
    with pytest.raises(ConnectorError, match=r"`pre_size`=-3 is not a group size"):
        bp.connect.All2All()(-3, 3)
    with pytest.raises(ConnectorError, match=r"`post_size`=2.5 is not a group size"):
        bp.connect.All2All()(3, 2.5)
    with pytest.raises(ConnectorError, match=r"FixedProb: `method`='dense' is not known; choose one of: "
                                             r"'matrix', 'iter'"):
        bp.connect.FixedProb(0.1, method="dense")
    with pytest.raises(ConnectorError, match=r"All2All: `include_self`='yes' must be True or False"):
        bp.connect.All2All(include_self="yes")
    with pytest.raises(ConnectorError, match=r"GridN: `N`=0 must be an int >= 1"):
        bp.connect.GridN(N=0)
    with pytest.raises(ConnectorError, match=r"`seed`=-1 must be None, a non-negative int"):
        bp.connect.FixedProb(0.1, seed=-1)
    with pytest.raises(ConnectorError, match=r"GaussianWeight: `sigma`=0 must be a finite number > 0"):
        bp.connect.GaussianWeight(0, 1.0)
    with pytest.raises(ConnectorError, match=r"GaussianWeight: `w_min`=2.0 must not exceed `w_max`=1.0"):
        bp.connect.GaussianWeight(0.1, 1.0, w_min=2.0)
    with pytest.raises(ConnectorError, match=r"DOG: `sigmas`=0.1 must be a pair"):
        bp.connect.DOG(0.1, (1.0, 0.5))
    with pytest.raises(ConnectorError, match=r"ScaleFreeBA: `m`=0 must be an int >= 1"):
        bp.connect.ScaleFreeBA(0)
    with pytest.raises(ConnectorError, match=r"FixedPreNum: `num`=-2 must be a non-negative number"):
        bp.connect.FixedPreNum(-2)
    with pytest.raises(ConnectorError, match=r"computes its own connectivity; `weights` can only be set"):
        bp.connect.FixedProb(0.5, seed=1)(3, 3).weights = [1.0]


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        bp.connect.FixedProb(2.0)


def test_check_int_accepts_zero_by_default_and_names_the_minimum():
    from workbench.connect.checks import check_int
    assert check_int("X", "n", 0) == 0 and check_int("X", "n", 7) == 7
    with pytest.raises(ConnectorError, match=r"X: `n`=-1 must be an int >= 0\."):
        check_int("X", "n", -1)
    with pytest.raises(ConnectorError, match=r"`n`=2 must be an int >= 3"):
        check_int("X", "n", 2, minimum=3)
    assert bp.connect.SmallWorld(0, 0.5, seed=1)(6, 6).csr.num_syn == 0     # no neighbours


def test_sizes_are_unknown_until_the_connector_is_called():
    conn = bp.connect.FixedProb(0.5, seed=1)
    assert conn.pre_size is None and conn.post_size is None
    conn((2, 3), 4)
    assert conn.pre_size == (2, 3) and conn.post_size == (4,)
    assert (conn.num_pre, conn.num_post) == (6, 4)
