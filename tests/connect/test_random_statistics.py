"""Random connectors against their exact distributions, with bands that catch a 1% bias.

Seeds are fixed, so every test is deterministic; the bands are chosen so that a
correct connector passes for all but a tiny fraction of seeds (4 standard
deviations, or a chi-square p-value above 1e-4) while a connection probability
biased by 1%, or one self-exclusion too many or too few, lies well outside.
"""

import math

import numpy as np
import pytest
from scipy import stats

import workbench as bp

METHODS = ("matrix", "iter")
SHAPES = [(2000, 10), (10, 2000), (300, 200), (200, 300)]


def _degrees(conn, axis):
    """Out-degrees (axis=1: per pre-synaptic neuron) or in-degrees (axis=0), from the CSR."""
    csr = conn.csr
    if axis == 1:
        return np.diff(csr.indptr)
    return np.bincount(csr.indices, minlength=conn.num_post)


def _chi_square_pvalue(samples, trials, prob):
    """Goodness of fit of integer ``samples`` to Binomial(trials, prob), tails pooled.

    Bins run over the support; neighbouring bins are merged until each expects
    at least 5 counts, so the chi-square approximation holds.
    """
    samples = np.asarray(samples)
    pmf = stats.binom.pmf(np.arange(trials + 1), trials, prob)
    observed = np.bincount(samples, minlength=trials + 1).astype(float)
    edges, expected, counted = [], [], []
    acc_e = acc_o = 0.0
    for k in range(trials + 1):
        acc_e += pmf[k] * samples.size
        acc_o += observed[k]
        if acc_e >= 5.0:
            expected.append(acc_e)
            counted.append(acc_o)
            acc_e = acc_o = 0.0
    expected[-1] += acc_e
    counted[-1] += acc_o
    assert len(expected) >= 3, "too few samples for a chi-square test"
    return stats.chisquare(counted, expected).pvalue


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_fixed_prob_degree_distributions_are_exactly_binomial(method, include_self, shape):
    """Out-degree of pre i: Binomial(num_post - [i < num_post and no self], p); same for in-degrees.

    With 2000 pre and 10 post neurons, pre neurons 10..1999 have no "self" to
    skip: giving them one candidate fewer moves their mean degree by 10% and
    the chi-square p-value to ~0.
    """
    num_pre, num_post = shape
    prob = 0.3
    conn = bp.connect.FixedProb(prob, include_self=include_self, seed=17, method=method)(*shape)
    pre_ids, post_ids = conn.pre_ids, conn.post_ids
    if not include_self:
        assert not np.any(pre_ids == post_ids)
    assert len(set(zip(pre_ids.tolist(), post_ids.tolist()))) == len(pre_ids)   # no duplicates
    out_degree, in_degree = _degrees(conn, 1), _degrees(conn, 0)
    square = min(num_pre, num_post)
    for degrees, others in ((out_degree, num_post), (in_degree, num_pre)):
        if include_self:
            if len(degrees) >= 200:           # 10 neurons are too few for a chi-square test
                assert _chi_square_pvalue(degrees, others, prob) > 1e-4
            continue
        with_self, without_self = degrees[:square], degrees[square:]
        if len(with_self) >= 200:
            assert _chi_square_pvalue(with_self, others - 1, prob) > 1e-4
        if len(without_self) >= 200:
            assert _chi_square_pvalue(without_self, others, prob) > 1e-4
        # the means, separately: a 1-candidate shift is 20-30 standard deviations here
        for part, trials in ((with_self, others - 1), (without_self, others)):
            if len(part) >= 200:
                sd = math.sqrt(len(part) * trials * prob * (1 - prob))
                assert abs(part.sum() - len(part) * trials * prob) < 4 * sd


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("prob", [0.1, 0.5])
def test_fixed_prob_total_count_catches_a_one_percent_bias(method, prob):
    """N pairs with N p (1 - p) variance: a 1% bias is >= 8 sd, the band is 4 sd."""
    num = 2500 if prob == 0.1 else 1200
    candidates = num * num - num
    conn = bp.connect.FixedProb(prob, include_self=False, seed=3, method=method)(num, num)
    count = conn.csr.num_syn
    mean, sd = candidates * prob, math.sqrt(candidates * prob * (1 - prob))
    assert 0.01 * mean >= 8 * sd                 # the band below cannot hide a 1% bias
    assert abs(count - mean) < 4 * sd, (count, mean, sd)


@pytest.mark.parametrize("method", METHODS)
def test_fixed_prob_small_probability_one_percent_band(method):
    """p = 0.02, COBA's probability: 6000 x 6000 pairs from the CSR alone (no dense matrix)."""
    num, prob = 6000, 0.02
    conn = bp.connect.FixedProb(prob, include_self=True, seed=8, method=method)(num, num)
    count = conn.csr.num_syn
    mean, sd = num * num * prob, math.sqrt(num * num * prob * (1 - prob))
    assert 0.01 * mean >= 8 * sd
    assert abs(count - mean) < 4 * sd, (count, mean, sd)
    # and no block of the matrix is favoured: the four quadrants are equally filled
    pre, post = conn.pre_ids, conn.post_ids
    quadrant = (pre >= num // 2).astype(int) * 2 + (post >= num // 2)
    assert stats.chisquare(np.bincount(quadrant, minlength=4)).pvalue > 1e-4


@pytest.mark.parametrize("connector, shape", [
    (bp.connect.FixedPostNum, (300, 40)), (bp.connect.FixedPostNum, (40, 300)),
    (bp.connect.FixedPreNum, (40, 300)), (bp.connect.FixedPreNum, (300, 40))])
@pytest.mark.parametrize("include_self", [True, False])
def test_fixed_numbers_choose_uniformly_among_the_allowed_neurons(connector, shape, include_self):
    """Each fixed-degree neuron picks `num` of its allowed partners uniformly.

    The number of times each partner is picked is a sum of independent
    Bernoulli(num / allowed) draws, one per fixed-degree neuron that may pick it.
    """
    num_pre, num_post = shape
    num = 7
    conn = connector(num, include_self=include_self, seed=23)(num_pre, num_post)
    fixed_axis = 1 if connector is bp.connect.FixedPostNum else 0    # whose degree is fixed
    assert set(_degrees(conn, fixed_axis).tolist()) == {num}
    if not include_self:
        assert not np.any(conn.pre_ids == conn.post_ids)
    picked = _degrees(conn, 1 - fixed_axis)
    choosers, partners = (num_pre, num_post) if fixed_axis == 1 else (num_post, num_pre)
    square = min(num_pre, num_post)
    expected = np.empty(partners)
    for j in range(partners):
        # chooser i may pick partner j unless i == j is excluded; chooser i's allowed count
        # is partners - 1 when it has a "self" among the partners
        total = 0.0
        for i in range(choosers):
            if not include_self and i == j:
                continue
            allowed = partners - 1 if (not include_self and i < square) else partners
            total += num / allowed
        expected[j] = total
    assert picked.sum() == pytest.approx(expected.sum())
    assert stats.chisquare(picked, expected).pvalue > 1e-4
