"""Invariants of every Butcher and SRI tableau, parametrized over the registries."""

from fractions import Fraction

import pytest

from workbench.errors import IntegratorError
from workbench.integrators.tableaus import (EMBEDDED_METHODS, ODE_TABLEAUS, SRI_TABLEAUS,
                                            ButcherTableau, SRITableau, achieved_order,
                                            rk2_tableau, rooted_trees)


@pytest.mark.parametrize("name", sorted(ODE_TABLEAUS))
def test_butcher_tableau_invariants(name):
    tableau = ODE_TABLEAUS[name]
    s = tableau.stages
    assert len(tableau.A) == s and all(len(row) == s for row in tableau.A)
    assert len(tableau.c) == s
    for i in range(s):
        assert all(tableau.A[i][j] == 0 for j in range(i, s))          # explicit
        assert sum(tableau.A[i]) == pytest.approx(tableau.c[i], abs=1e-14)
    assert sum(tableau.b) == pytest.approx(1, abs=1e-14)
    # the propagated weights reach the declared order, and not more (nominal order is exact)
    assert achieved_order(tableau.b, tableau.A, tableau.c, max_order=6) == tableau.order
    if tableau.is_embedded:
        assert sum(tableau.b_error) == pytest.approx(0, abs=1e-14)
        assert achieved_order(tableau.b_embedded, tableau.A, tableau.c) == tableau.embedded_order
        if tableau.b_estimate is None:
            assert tableau.error_exponent_order == min(tableau.order, tableau.embedded_order)
            assert tableau.b_error == tuple(x - y for x, y in zip(tableau.b, tableau.b_embedded))
        else:
            assert achieved_order(tableau.b_estimate, tableau.A, tableau.c) == \
                tableau.estimate_order
            assert tableau.error_exponent_order == min(tableau.order, tableau.estimate_order)
            assert tableau.b_error == tuple(x - y for x, y in zip(tableau.b, tableau.b_estimate))


def test_only_rkf12_compares_with_another_solution_than_its_embedded_one():
    assert [n for n, t in ODE_TABLEAUS.items() if t.b_estimate is not None] == ["rkf12"]
    pair = dict(A=((), (1,)), b=(Fraction(1, 2), Fraction(1, 2)), c=(0, 1), order=2,
                b_embedded=(1, 0), embedded_order=1)
    with pytest.raises(IntegratorError, match="give `estimate_order` together with `b_estimate`"):
        ButcherTableau("bad", "bad", b_estimate=(0, 1), **pair)
    with pytest.raises(IntegratorError, match="declared estimate order 2, but b_estimate only "
                                              "reaches 1"):
        ButcherTableau("bad", "bad", b_estimate=(0, 1), estimate_order=2, **pair)


@pytest.mark.parametrize("name", sorted(n for n in ODE_TABLEAUS if n != "ralston4"))
def test_rational_tableaus_are_exact_fractions(name):
    tableau = ODE_TABLEAUS[name]
    assert tableau.exact
    assert all(isinstance(v, Fraction) for v in tableau.b + tableau.c)
    assert sum(tableau.b) == 1                                  # exactly, not approximately


def test_ralston4_matches_the_manuals_eight_digit_coefficients():
    t = ODE_TABLEAUS["ralston4"]
    manual = {(2, 0): .29697761, (2, 1): .15875964, (3, 0): .21810040, (3, 1): -3.05096516,
              (3, 2): 3.83286476}
    for (i, j), value in manual.items():
        assert t.A[i][j] == pytest.approx(value, abs=2e-8)   # the manual rounds a41
    for got, value in zip(t.b, (.17476028, -.55148066, 1.20553560, .17118478)):
        assert got == pytest.approx(value, abs=5e-9)
    assert t.c[2] == pytest.approx(.45573725, abs=5e-9)


def test_stage_counts_and_fsal_flags_match_the_manual():
    stages = {"euler": 1, "midpoint": 2, "heun2": 2, "ralston2": 2, "rk2": 2, "rk3": 3,
              "heun3": 3, "ralston3": 3, "ssprk3": 3, "rk4": 4, "ralston4": 4, "rk4_38rule": 4,
              "rkf45": 6, "rkf12": 3, "rkdp": 7, "ck": 6, "bs": 4, "heun_euler": 2}
    assert {n: t.stages for n, t in ODE_TABLEAUS.items()} == stages
    assert {n for n, t in ODE_TABLEAUS.items() if t.fsal} == {"rkdp", "bs"}
    assert EMBEDDED_METHODS == ("bs", "ck", "heun_euler", "rkdp", "rkf12", "rkf45")
    # a fixed step skips the FSAL stage: it only feeds the error estimate
    assert ODE_TABLEAUS["rkdp"].needed_stages() == (0, 1, 2, 3, 4, 5)
    assert ODE_TABLEAUS["rkdp"].needed_stages(with_error=True) == tuple(range(7))


def test_rooted_tree_counts():
    # OEIS A000081
    assert [len(rooted_trees(n)) for n in range(1, 7)] == [1, 1, 2, 4, 9, 20]


@pytest.mark.parametrize("beta", [Fraction(1, 2), Fraction(2, 3), 1, 0.3])
def test_rk2_family(beta):
    t = rk2_tableau(beta)
    assert t.order == 2 and achieved_order(t.b, t.A, t.c) == 2
    assert rk2_tableau(Fraction(1, 2)).b == ODE_TABLEAUS["midpoint"].b
    assert rk2_tableau(1).b == ODE_TABLEAUS["heun2"].b
    assert ODE_TABLEAUS["rk2"].b == ODE_TABLEAUS["ralston2"].b          # default beta = 2/3


@pytest.mark.parametrize("beta", [0, -1, 1.5, "a", True])
def test_rk2_rejects_bad_beta(beta):
    with pytest.raises(IntegratorError, match="beta"):
        rk2_tableau(beta)


def test_validation_catches_a_typo():
    rows = ((), (Fraction(1, 2),), (0, Fraction(1, 2)), (0, 0, 1))
    with pytest.raises(IntegratorError, match="row 3 of A sums to 1/2"):
        ButcherTableau("bad", "bad", A=rows, b=(Fraction(1, 6), Fraction(1, 3), Fraction(1, 3),
                                                Fraction(1, 6)), c=(0, Fraction(1, 2), 1, 1),
                       order=4)
    with pytest.raises(IntegratorError, match="sum to 7/6"):
        ButcherTableau("bad", "bad", A=rows, b=(Fraction(1, 3), Fraction(1, 3), Fraction(1, 3),
                                                Fraction(1, 6)),
                       c=(0, Fraction(1, 2), Fraction(1, 2), 1), order=4)
    with pytest.raises(IntegratorError, match="declared order 4"):
        ButcherTableau("bad", "bad", A=rows, b=(Fraction(1, 6), Fraction(1, 6), Fraction(1, 2),
                                                Fraction(1, 6)),
                       c=(0, Fraction(1, 2), Fraction(1, 2), 1), order=4)
    with pytest.raises(IntegratorError, match="error weights"):
        ButcherTableau("bad", "bad", A=((), (1,)), b=(Fraction(1, 2), Fraction(1, 2)), c=(0, 1),
                       order=2, b_embedded=(1, Fraction(1, 2)), embedded_order=1)
    with pytest.raises(IntegratorError, match="explicit"):
        ButcherTableau("bad", "bad", A=((1,),), b=(1,), c=(1,), order=1)


@pytest.mark.parametrize("name", sorted(SRI_TABLEAUS))
def test_sri_tableau_consistency(name):
    t = SRI_TABLEAUS[name]
    assert sum(t.alpha) == 1 and sum(t.beta1) == 1
    assert sum(t.beta2) == sum(t.beta3) == sum(t.beta4) == 0
    for matrix, nodes in ((t.A0, t.c0), (t.A1, t.c1)):
        for i in range(t.stages):
            assert sum(matrix[i]) == nodes[i]
    for matrix in (t.A0, t.A1, t.B0, t.B1):
        assert all(matrix[i][j] == 0 for i in range(t.stages) for j in range(i, t.stages))


def test_sri_rossler_order_conditions_for_strong_order_one():
    # Rößler (2010), Theorem 6.? conditions for strong order 1.0: beta1.e = 1, beta2.e = 0,
    # beta2.(B1 e) = 1 (the Milstein term), beta1.(B1 e) = 0.
    for t in SRI_TABLEAUS.values():
        B1e = [sum(row) for row in t.B1]
        assert sum(b * x for b, x in zip(t.beta2, B1e)) == 1
        assert sum(b * x for b, x in zip(t.beta1, B1e)) == 0


def test_sri_validation():
    with pytest.raises(IntegratorError, match="beta2"):
        SRITableau("bad", "bad", A0=((), (0,)), A1=((), (1,)), B0=((), (0,)), B1=((), (1,)),
                   alpha=(1, 0), beta1=(1, 0), beta2=(1, 1), beta3=(0, 0), beta4=(0, 0),
                   c0=(0, 0), c1=(0, 1), strong_order=1.0, weak_order=1.0)
