"""Invariants of every Butcher and SRI tableau, parametrized over the registries."""

from fractions import Fraction
from types import SimpleNamespace

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
    with pytest.raises(IntegratorError, match=r"Tableau 'bad': row 1 of A has entries on or above the "
                                              r"diagonal; only explicit methods are supported"):
        ButcherTableau("bad", "bad", A=((1,),), b=(1,), c=(1,), order=1)
    with pytest.raises(IntegratorError, match=r"row 2 of A has entries on or above"):
        ButcherTableau("bad", "bad", A=((), (Fraction(1, 2), Fraction(1, 2))),
                       b=(Fraction(1, 2), Fraction(1, 2)), c=(0, 1), order=1)


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


def _vec(matrix, vector):
    return [sum(a * x for a, x in zip(row, vector)) for row in matrix]


def _dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def _rossler_conditions(t):
    """Rößler (2010), SIAM J. Numer. Anal. 48(3) 922-952, Theorem 6.? (SRI, Ito, scalar noise).

    Returns ``{number: (value, required)}`` for the 25 conditions of strong
    order 1.5; conditions 1-9 alone give strong order 1.0. Written out from the
    paper with ``e = (1, ..., 1)`` and squares taken element-wise.
    """
    e = [1] * t.stages
    B0e, B1e = _vec(t.B0, e), _vec(t.B1, e)
    B1B1e, A1B0e = _vec(t.B1, B1e), _vec(t.A1, B0e)
    square = lambda v: [x * x for x in v]            # noqa: E731
    betas = (t.beta1, t.beta2, t.beta3, t.beta4)
    conditions = {1: (_dot(t.alpha, e), 1)}
    for k, (beta, required) in enumerate(zip(betas, (1, 0, 0, 0))):
        conditions[2 + k] = (_dot(beta, e), required)
    for k, (beta, required) in enumerate(zip(betas, (0, 1, 0, 0))):
        conditions[6 + k] = (_dot(beta, B1e), required)
    conditions[10] = (_dot(t.alpha, _vec(t.A0, e)), Fraction(1, 2))
    conditions[11] = (_dot(t.alpha, B0e), 1)
    conditions[12] = (_dot(t.alpha, square(B0e)), Fraction(3, 2))
    for k, (beta, required) in enumerate(zip(betas, (1, 0, -1, 0))):
        conditions[13 + k] = (_dot(beta, _vec(t.A1, e)), required)
    for k, (beta, required) in enumerate(zip(betas, (1, 0, -1, 2))):
        conditions[17 + k] = (_dot(beta, square(B1e)), required)
    for k, (beta, required) in enumerate(zip(betas, (0, 0, 0, 1))):
        conditions[21 + k] = (_dot(beta, B1B1e), required)
    conditions[25] = (Fraction(1, 2) * _dot(t.beta1, A1B0e)
                      + Fraction(1, 3) * _dot(t.beta3, A1B0e), 0)
    return conditions


def _violated(t, numbers):
    conditions = _rossler_conditions(t)
    return [k for k in numbers if conditions[k][0] != conditions[k][1]]


STRONG_CONDITIONS = {1.0: range(1, 10), 1.5: range(1, 26)}


@pytest.mark.parametrize("name", sorted(SRI_TABLEAUS))
def test_sri_tableaus_satisfy_rosslers_order_conditions_exactly(name):
    t = SRI_TABLEAUS[name]
    entries = [v for key in ("A0", "A1", "B0", "B1") for row in getattr(t, key) for v in row]
    entries += [v for key in ("alpha", "beta1", "beta2", "beta3", "beta4", "c0", "c1")
                for v in getattr(t, key)]
    assert all(isinstance(v, Fraction) for v in entries)          # exact arithmetic below
    assert _violated(t, STRONG_CONDITIONS[t.strong_order]) == []
    # the weak (deterministic) order is that of the drift tableau (alpha, A0, c0)
    assert achieved_order(t.alpha, t.A0, t.c0) == t.weak_order


def test_kloeden_platen_does_not_reach_strong_order_one_and_a_half():
    # Its declared order is 1.0: the 1.5 conditions must fail, or the check proves nothing.
    assert _violated(SRI_TABLEAUS["KlPl_scalar"], STRONG_CONDITIONS[1.5]) != []


# Entries no order condition of strong order 1.5 constrains: B0 rows of drift stages H0_i
# with alpha_i = 0 enter the step only at higher order. Rößler's tables set them to 0.
UNCONSTRAINED = {"srk1w1_scalar": {("B0", 2, 0), ("B0", 2, 1), ("B0", 3, 0), ("B0", 3, 1),
                                   ("B0", 3, 2)},
                 "srk2w1_scalar": {("B0", 3, 0), ("B0", 3, 1), ("B0", 3, 2)}}


@pytest.mark.parametrize("name", ["srk1w1_scalar", "srk2w1_scalar"])
def test_a_typo_in_the_fourth_decimal_of_any_sri_entry_breaks_an_order_condition(name):
    """Perturb every entry by 1e-4: each breaks a condition, or is one of Rößler's zeros."""
    t = SRI_TABLEAUS[name]
    delta = Fraction(1, 10000)
    perturbed, free = 0, set()
    for key in ("A0", "A1", "B0", "B1", "alpha", "beta1", "beta2", "beta3", "beta4"):
        value = getattr(t, key)
        cells = ([(i, j) for i in range(t.stages) for j in range(i)] if key[0] in "AB"
                 else [(i, None) for i in range(t.stages)])
        for i, j in cells:
            if j is None:
                changed = tuple(v + delta if k == i else v for k, v in enumerate(value))
            else:
                changed = tuple(tuple(v + delta if (r, k) == (i, j) else v
                                      for k, v in enumerate(row)) for r, row in enumerate(value))
            fake = SimpleNamespace(**{f: getattr(t, f) for f in (
                "A0", "A1", "B0", "B1", "alpha", "beta1", "beta2", "beta3", "beta4", "c0", "c1",
                "stages")})
            setattr(fake, key, changed)
            broken = _violated(fake, STRONG_CONDITIONS[1.5])
            # the stage times are data too: rows of A0 and A1 must still sum to them
            e = [1] * t.stages
            broken += ["A0 e = c0"] if _vec(fake.A0, e) != list(t.c0) else []
            broken += ["A1 e = c1"] if _vec(fake.A1, e) != list(t.c1) else []
            # the drift tableau (alpha, A0, c0) is also held to its deterministic order
            if achieved_order(fake.alpha, fake.A0, t.c0) < t.weak_order:
                broken.append("weak order")
            if not broken:
                free.add((key, i, j))
                assert value[i][j] == 0, f"{name}: {key}[{i}][{j}] is free and must be 0"
            perturbed += 1
    assert perturbed == 4 * 6 + 5 * 4
    assert free == UNCONSTRAINED[name]


def test_sri_validation():
    with pytest.raises(IntegratorError, match="beta2"):
        SRITableau("bad", "bad", A0=((), (0,)), A1=((), (1,)), B0=((), (0,)), B1=((), (1,)),
                   alpha=(1, 0), beta1=(1, 0), beta2=(1, 1), beta3=(0, 0), beta4=(0, 0),
                   c0=(0, 0), c1=(0, 1), strong_order=1.0, weak_order=1.0)


def test_only_the_order_one_and_a_half_schemes_draw_the_time_integral():
    # I10 enters through beta3 and B0; Kloeden-Platen has neither (all zeros), SRI1/SRI2 both
    assert SRI_TABLEAUS["KlPl_scalar"].uses_time_integral is False
    assert SRI_TABLEAUS["srk1w1_scalar"].uses_time_integral is True
    assert SRI_TABLEAUS["srk2w1_scalar"].uses_time_integral is True


def test_order_of_a_float_tableau_is_checked_to_the_float_tolerance():
    rk4 = ODE_TABLEAUS["rk4"]
    as_float = lambda rows: [[float(v) for v in row] for row in rows]      # noqa: E731
    A, b, c = as_float(rk4.A), [float(v) for v in rk4.b], [float(v) for v in rk4.c]
    assert achieved_order(b, A, c) == 4
    b_typo = list(b)
    b_typo[1] += 1e-3
    assert achieved_order(b_typo, A, c) == 0        # sum(b) = 1 fails already


@pytest.mark.parametrize("name", sorted(ODE_TABLEAUS))
def test_needed_stages_are_those_the_weights_reach(name):
    """Stage j is needed iff a weight uses it or a needed later stage reads it (a reference by hand)."""
    t = ODE_TABLEAUS[name]
    for with_error in (False, True):
        weights = [t.b] + ([t.b_error] if with_error and t.is_embedded else [])
        needed = set()
        for j in range(t.stages - 1, -1, -1):
            if any(w[j] != 0 for w in weights) or any(t.A[i][j] != 0 for i in needed if i > j):
                needed.add(j)
        assert t.needed_stages(with_error=with_error) == tuple(sorted(needed))
        assert 0 in needed          # every method reads f(x_n) (mutation_test.EQUIVALENT relies on it)
