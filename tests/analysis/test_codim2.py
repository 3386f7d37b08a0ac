"""Codimension-2 curves and points against closed forms, AUTO, and across the two paths."""

import json
import os
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest

import workbench as bp

from . import normal_form_models as nf

# AUTO runs in a child process (XPPAUT 8 through xpplab, a test extra of pyproject.toml)
AUTO_PYTHON = sys.executable


def codim2(func, pars, variables, resolution, **options):
    analyzer = bp.analysis.Bifurcation(func, target_pars=OrderedDict(pars),
                                       target_vars=OrderedDict(variables),
                                       numerical_resolution=resolution,
                                       options=dict(verbose=False, **options))
    return analyzer, analyzer.compute_bifurcation()


@pytest.fixture(params=["source", "exec"])
def path(request, tmp_path):
    """'source': imported from a file (symbolic path); 'exec': no source, numeric path."""
    return None if request.param == "exec" else tmp_path


def _fhn(path):
    func = nf.from_source(nf.FHN_SOURCE, "fhn", path and path / "fhn.py")
    return codim2(func, [("Iext", [-1.0, 2.0]), ("b", [0.5, 4.0])],
                  [("V", [-3, 3]), ("w", [-5.0, 5.0])], 0.1)


def _pieces(branch, name):
    """The NaN-separated pieces of one coordinate of a curve."""
    values = branch.values[name]
    cuts = np.flatnonzero(np.isnan(values))
    return [piece for piece in np.split(values, cuts) if np.any(np.isfinite(piece))]


def test_fhn_hopf_curves_end_at_the_bogdanov_takens_points(path):
    analyzer, diagram = _fhn(path)
    assert (analyzer.system.symbolic is None) == (path is None)
    b_bt, V_bt, w_bt, I_bt = nf.fhn_bogdanov_takens()
    bt = sorted(diagram.special("bogdanov_takens"), key=lambda p: p.values["V"])
    assert [p.label[:2] for p in bt] == ["BT", "BT"]
    for point, V, w, Iext in zip(bt, V_bt, w_bt, I_bt):
        assert point.values["b"] == pytest.approx(b_bt, abs=1e-10)
        assert point.values["V"] == pytest.approx(V, abs=1e-9)
        assert point.values["w"] == pytest.approx(w, abs=1e-9)
        assert point.values["Iext"] == pytest.approx(Iext, abs=1e-9)
    hopf = [branch for branch in diagram.branches if branch.kind == "hopf"]
    assert len(hopf) == 2
    for branch in hopf:
        # each Hopf curve runs from the box's edge up to b = sqrt(tau) exactly
        assert np.nanmax(branch.values["b"]) == pytest.approx(b_bt, abs=1e-12)
        V, b = branch.values["V"], branch.values["b"]
        finite = np.isfinite(V)
        # on the curve: trace = 1 - V^2 - b / tau = 0
        assert np.max(np.abs(1 - V[finite] ** 2 - b[finite] / 12.5)) < 1e-9
        assert len(_pieces(branch, "b")) == 1          # one connected Hopf piece
    # the cusp of the fold curve: V = 0, b = 1, Iext = a = 0.7
    (cusp,) = diagram.special("cusp")
    assert cusp.label == "CP1"
    assert (cusp.values["b"], cusp.values["Iext"]) == pytest.approx((1.0, 0.7), abs=1e-9)
    assert cusp.values["V"] == pytest.approx(0.0, abs=1e-9)
    (fold,) = [branch for branch in diagram.branches if branch.kind == "fold"]
    # the fold curve is one curve through the cusp, from the edge b = 4 back to it
    assert np.min(fold.values["b"]) == pytest.approx(1.0, abs=1e-3)
    assert np.sum(np.isclose(fold.values["b"], 4.0, atol=1e-9)) == 2


def test_fhn_bautin_point_is_where_l1_changes_sign(tmp_path):
    _, diagram = _fhn(tmp_path)
    (bautin,) = diagram.special("bautin")
    v = bautin.values
    # the planar formula (independent of workbench) gives l1 = 0 there, and opposite signs
    # a little way along the Hopf curve (V^2 = 1 - b / tau)
    scale = abs(nf.fhn_lyapunov(-0.95, (-0.95 + 0.7) / 0.5, 0.0, b=0.5))
    assert abs(nf.fhn_lyapunov(v["V"], v["w"], v["Iext"], b=v["b"])) < 1e-8 * scale
    signs = []
    for db in (-0.01, 0.01):
        b = v["b"] + db
        V = -np.sqrt(1 - b / 12.5)
        w = (V + 0.7) / b
        signs.append(np.sign(nf.fhn_lyapunov(V, w, w - V + V ** 3 / 3, b=b)))
    assert signs[0] == -signs[1]
    assert bautin.criticality == "degenerate" and bautin.label == "GH1"


def test_fhn_hopf_curve_contains_autos_two_parameter_curve(tmp_path):
    """AUTO (XPPAUT 8 via xpplab) continues H1 in (Iext, b); its points lie on our curve."""
    script = tmp_path / "auto_fhn.py"
    script.write_text(AUTO_FHN_SCRIPT)
    (tmp_path / "fhn.ode").write_text(FHN_ODE)
    out = subprocess.run([AUTO_PYTHON, str(script), str(tmp_path / "fhn.ode")], check=True,
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    auto = np.array(json.loads(out.stdout.strip().splitlines()[-1]))     # (Iext, b)
    assert auto[:, 1].max() > 3.53              # AUTO reaches the BT point too
    _, diagram = _fhn(tmp_path)
    curve = [br for br in diagram.branches if br.kind == "hopf"
             and np.nanmin(br.values["V"]) < 0][0]
    # both against the closed form Iext(b) of the lower Hopf curve (V = -sqrt(1 - b / tau));
    # AUTO's default tolerances (EPSL = 1e-4 ...) allow it about 1e-4
    def exact(b):
        V = -np.sqrt(1 - b / 12.5)
        return (V + 0.7) / b - V + V ** 3 / 3
    assert np.max(np.abs(auto[:, 0] - exact(auto[:, 1]))) < 1e-4
    b = curve.values["b"][np.isfinite(curve.values["b"])]
    assert np.max(np.abs(curve.values["Iext"][np.isfinite(curve.values["b"])] - exact(b))) < 1e-9
    # and ours covers AUTO's range in b, to its end at the BT point
    assert b.min() <= auto[:, 1].min() + 1e-9 and b.max() >= auto[:, 1].max()


FHN_ODE = """# FitzHugh-Nagumo (manual ch. 4.2)
par Iext=0, a=0.7, b=0.8, tau=12.5
v' = v - v^3/3 - w + Iext
w' = (v + a - b*w)/tau
init v=-1.199408, w=-0.624260
@ total=100, dt=0.05
done
"""

AUTO_FHN_SCRIPT = """
import json, sys
import xpplab
m = xpplab.load(sys.argv[1])
d = m.auto.equilibria('Iext', ds=0.01, nmax=400, parmin=-1, parmax=2)
hb = d.first('HB')
c = m.auto.continue_from(hb, 'two-parameter', second='b', ds=0.01, nmax=2000, parmin=-1,
                         parmax=4)
print(json.dumps([[p.value, p.value2] for p in c]))
"""


@pytest.mark.parametrize("numeric", [False, True])
def test_cusp_normal_form(numeric, tmp_path):
    func = nf.from_source(nf.CUSP_NORMAL_FORM_SOURCE, "cusp_normal_form",
                          None if numeric else tmp_path / "cusp.py")
    _, diagram = codim2(func, [("beta1", [-0.5, 0.5]), ("beta2", [-0.5, 1.0])],
                        [("x", [-2, 2]), ("y", [-1, 1])], 0.05)
    (cusp,) = diagram.special("cusp")
    assert max(abs(cusp.values[k]) for k in ("beta1", "beta2", "x")) < 1e-8
    (fold,) = [br for br in diagram.branches if br.kind == "fold"]
    b1, b2 = fold.values["beta1"], fold.values["beta2"]
    assert np.max(np.abs(27 * b1 ** 2 - 4 * b2 ** 3)) < 1e-9
    # both arms, from the cusp to the box's edge (beta1 = +-0.5 or beta2 = 1)
    assert b1.min() < -0.38 and b1.max() > 0.38 and b2.max() == pytest.approx(1.0, abs=1e-9)
    assert not diagram.special("bogdanov_takens") and not diagram.special("bautin")


@pytest.mark.parametrize("numeric", [False, True])
def test_bautin_normal_form(numeric, tmp_path):
    func = nf.from_source(nf.BAUTIN_NORMAL_FORM_SOURCE, "bautin_normal_form",
                          None if numeric else tmp_path / "bautin.py")
    _, diagram = codim2(func, [("beta1", [-0.5, 0.5]), ("beta2", [-1.0, 1.0])],
                        [("x", [-1, 1]), ("y", [-1, 1])], 0.05, limit_cycles=False,
                        escape_sympy_solver=True)       # SymPy's quintic solve takes seconds
    (gh,) = diagram.special("bautin")
    assert abs(gh.values["beta1"]) < 1e-10 and abs(gh.values["beta2"]) < 1e-7
    (hopf,) = [br for br in diagram.branches if br.kind == "hopf"]
    assert np.max(np.abs(hopf.values["beta1"])) < 1e-10
    assert hopf.values["beta2"].min() == pytest.approx(-1.0) and hopf.values["beta2"].max() == \
        pytest.approx(1.0)


@pytest.mark.parametrize("numeric", [False, True])
def test_bogdanov_takens_normal_form(numeric, tmp_path):
    func = nf.from_source(nf.BT_NORMAL_FORM_SOURCE, "bt_normal_form",
                          None if numeric else tmp_path / "bt.py")
    _, diagram = codim2(func, [("beta1", [-0.5, 0.5]), ("beta2", [-1.0, 1.0])],
                        [("x", [-2, 2]), ("y", [-1, 1])], 0.05)
    bt = diagram.special("bogdanov_takens")
    assert len(bt) == 1 and bt[0].label == "BT1"
    assert max(abs(bt[0].values[k]) for k in ("beta1", "beta2", "x", "y")) < 1e-9
    (hopf,) = [br for br in diagram.branches if br.kind == "hopf"]
    b1, b2 = hopf.values["beta1"], hopf.values["beta2"]
    # the Hopf half-line beta1 = 0, beta2 < 0, ending at the BT point; beta2 > 0 is a neutral saddle
    assert np.nanmax(np.abs(b1)) < 1e-10
    assert np.nanmax(b2) == pytest.approx(0.0, abs=1e-9) and np.nanmin(b2) == pytest.approx(-1.0)
    folds = [br for br in diagram.branches if br.kind == "fold"]
    assert len(folds) == 1
    assert np.max(np.abs(folds[0].values["beta1"] - folds[0].values["beta2"] ** 2 / 4)) < 1e-9


def test_morris_lecar_hopf_curve_is_complete_and_the_same_on_both_paths(tmp_path):
    diagrams = []
    for path in (tmp_path / "ml.py", None):
        func = nf.from_source(nf.MORRIS_LECAR_SOURCE, "morris_lecar", path)
        analyzer, diagram = codim2(func, [("Iext", [0.0, 300.0]), ("gCa", [2.0, 8.0])],
                                   [("V", [-80, 60]), ("w", [-0.1, 1.1])],
                                   {"V": 2.0, "w": 0.02, "Iext": 10.0, "gCa": 0.2},
                                   limit_cycles=False)
        assert (analyzer.system.symbolic is None) == (path is None)
        diagrams.append(diagram)
        (hopf,) = [br for br in diagram.branches if br.kind == "hopf"]
        assert not np.any(np.isnan(hopf.values["V"]))           # one connected curve
        # every Hopf point of the one-parameter diagrams at gCa = 3, 4.4, 6 lies on it
        for gCa in (3.0, 6.0) if path else ():       # (the paths agree on codim 1 elsewhere)
            one = bp.analysis.Bifurcation(func, target_pars={"Iext": [0.0, 300.0]},
                                          target_vars={"V": [-80, 60], "w": [-0.1, 1.1]},
                                          pars_update={"gCa": gCa},
                                          numerical_resolution={"V": 1.0, "w": 0.01, "Iext": 2.0},
                                          options={"verbose": False, "limit_cycles": False})
            points = one.compute_bifurcation().special("hopf")
            assert len(points) == 2
            for point in points:
                distance = np.hypot((hopf.values["Iext"] - point.values["Iext"]) / 300.0,
                                    (hopf.values["gCa"] - gCa) / 6.0)
                assert distance.min() < 0.01
    symbolic, numeric = diagrams
    for kind in ("fold", "hopf"):
        a = [br for br in symbolic.branches if br.kind == kind]
        b = [br for br in numeric.branches if br.kind == kind]
        assert len(a) == len(b) == 1
        # the numeric curve lies on the exact one
        I_a, g_a = a[0].values["Iext"], a[0].values["gCa"]
        for I_b, g_b in zip(b[0].values["Iext"], b[0].values["gCa"]):
            assert np.min(np.hypot((I_a - I_b) / 300.0, (g_a - g_b) / 6.0)) < 0.01
    def labels(diagram):
        return sorted((p.kind, round(p.values["Iext"], 5), round(p.values["gCa"], 6))
                      for p in diagram.special_points)
    assert labels(symbolic) == labels(numeric)
    assert [p.kind for p in symbolic.special_points].count("bautin") == 2


def test_exact_curve_jacobian_matches_differences_and_cofactors_are_the_gradient_of_det(tmp_path):
    from workbench.analysis.codim2 import _cofactors, curve_equations, curve_jacobian
    from workbench.analysis.normal_form import Derivatives
    analyzer, _ = _fhn(tmp_path)
    derivatives = Derivatives(analyzer.system)
    u = np.array([-0.9, -0.3, 0.4, 1.7])
    for kind in ("fold", "hopf"):
        equations = curve_equations(analyzer.system, derivatives, kind)
        exact = curve_jacobian(analyzer.system, derivatives, kind)(u)
        steps = 1e-6 * np.eye(4)
        differences = np.stack([(equations(u + e) - equations(u - e)) / 2e-6 for e in steps], 1)
        assert np.allclose(exact, differences, rtol=1e-7, atol=1e-8)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    a[2] = a[0] + a[1]                                  # singular, as on a fold curve
    units = np.eye(3)
    for matrix in (a, rng.normal(size=(3, 3))):
        gradient = np.array([[(np.linalg.det(matrix + 1e-6 * np.outer(units[i], units[j]))
                               - np.linalg.det(matrix - 1e-6 * np.outer(units[i], units[j])))
                              / 2e-6 for j in range(3)] for i in range(3)])
        assert np.allclose(_cofactors(matrix), gradient, atol=1e-8)


class _ZeroHopfNormalForm:
    """x' = b1 + x^2, (y, z) rotating at omega = 1 with rate b2 + x: a three-dimensional system.

    The analysers take at most two target variables, so the codim-2 functions are driven
    directly. Folds on b1 = 0, Hopf points on b1 = -b2^2 (x = -b2), zero-Hopf at the origin.
    """

    unknowns, free, dim, symbolic = ("x", "y", "z"), ("b1", "b2"), 3, None

    def f(self, X, P):
        x, y, z = (np.asarray(v, dtype=float) for v in X)
        b1, b2 = (np.asarray(v, dtype=float) for v in P)
        return np.array([b1 + x * x + 0 * y, (b2 + x) * y - z, y + (b2 + x) * z])

    def f_point(self, x, p):
        return self.f(list(x), list(p))

    def jacobian_point(self, x, p):
        (x, y, z), (b1, b2) = x, p
        return np.array([[2 * x, 0, 0], [y, b2 + x, -1], [z, 1, b2 + x]], dtype=float)

    def dfdp_point(self, x, p):
        return np.array([[1, 0], [0, x[1]], [0, x[2]]], dtype=float)


def test_zero_hopf_point_on_the_fold_and_the_hopf_curve_of_a_3d_normal_form():
    from workbench.analysis.codim2 import bifurcation_curves
    from workbench.analysis.normal_form import Derivatives
    system = _ZeroHopfNormalForm()
    ranges = np.array([[-1, 1], [-1, 1], [-1, 1], [-0.5, 0.5], [-0.5, 0.5]], dtype=float)
    seeds = [("fold", np.array([0, 0, 0, 0, 0.3])), ("hopf", np.array([0.3, 0, 0, -0.09, -0.3]))]
    curves, found = bifurcation_curves(system, Derivatives(system), seeds, ranges)
    assert sorted(kind for kind, _ in curves) == ["fold", "hopf"]
    zero_hopf = [u for kind, u, _ in found if kind == "zero_hopf"]
    assert len(zero_hopf) == 2                 # found on both curves, at the same point
    for u in zero_hopf:
        assert np.max(np.abs(u)) < 1e-8
    assert not [kind for kind, _, _ in found if kind == "bogdanov_takens"]
    hopf = [points for kind, points in curves if kind == "hopf"][0]
    assert np.max(np.abs(hopf[:, 3] + hopf[:, 4] ** 2)) < 1e-8      # b1 = -b2^2
    assert hopf[:, 4].min() < -0.49 and hopf[:, 4].max() > 0.49     # through the ZH point


def hopf_isola(x, y, t, beta1, beta2):
    """Origin with rate mu = 0.01 - (beta1 - 0.37)^2 - (beta2 - 0.63)^2: a closed Hopf curve
    (circle of radius 0.1) that crosses none of the one-parameter slices at 0, 1/4, 1/2, 3/4, 1."""
    mu = 0.01 - (beta1 - 0.37) ** 2 - (beta2 - 0.63) ** 2
    r2 = x * x + y * y
    return mu * x - y - x * r2, x + mu * y - y * r2


def test_a_closed_hopf_curve_between_the_slices_is_found_from_the_grid():
    _, diagram = codim2(hopf_isola, [("beta1", [0.0, 1.0]), ("beta2", [0.0, 1.0])],
                        [("x", [-1, 1]), ("y", [-1, 1])], 0.02, limit_cycles=False,
                        escape_sympy_solver=True)
    (hopf,) = [br for br in diagram.branches if br.kind == "hopf"]
    b1, b2 = hopf.values["beta1"], hopf.values["beta2"]
    assert np.max(np.abs(np.hypot(b1 - 0.37, b2 - 0.63) - 0.1)) < 1e-9
    # closed: it goes all the way round and ends where it started
    angles = np.unwrap(np.arctan2(b2 - 0.63, b1 - 0.37))
    assert abs(abs(angles[-1] - angles[0]) - 2 * np.pi) < 1e-9
    assert np.max(np.abs(np.diff(angles))) < 0.25


def fold_isola(x, y, t, beta1, beta2):
    """x' = c - x^2 with c = 0.01 - (beta1 - 0.37)^2 - (beta2 - 0.63)^2: two equilibria inside a
    circle of radius 0.1, a closed fold curve crossing none of the one-parameter slices."""
    c = 0.01 - (beta1 - 0.37) ** 2 - (beta2 - 0.63) ** 2
    return c - x * x, -y


def test_a_closed_fold_curve_between_the_slices_is_found_from_the_grid():
    _, diagram = codim2(fold_isola, [("beta1", [0.0, 1.0]), ("beta2", [0.0, 1.0])],
                        [("x", [-0.2, 0.2]), ("y", [-1, 1])], 0.01, limit_cycles=False)
    (fold,) = [br for br in diagram.branches if br.kind == "fold"]
    b1, b2 = fold.values["beta1"], fold.values["beta2"]
    assert np.max(np.abs(np.hypot(b1 - 0.37, b2 - 0.63) - 0.1)) < 1e-9
    assert np.max(np.abs(fold.values["x"])) < 1e-9
    angles = np.unwrap(np.arctan2(b2 - 0.63, b1 - 0.37))
    assert abs(abs(angles[-1] - angles[0]) - 2 * np.pi) < 1e-9


class _FoldInP2:
    """x' = p2 - x^2: two equilibria x = +-sqrt(p2) for p2 > 0, a fold along p2 = 0 (any p1)."""
    dim = 1

    def jacobian(self, xs, ps):
        return (-2.0 * np.asarray(xs[0], dtype=float))[:, None, None]


def test_grid_seeds_find_a_fold_along_the_second_parameter():
    from workbench.analysis.codim2 import grid_seeds

    rows = [(s * np.sqrt(p2), p1, p2) for p1 in np.linspace(-1.0, 1.0, 5)
            for p2 in np.linspace(-1.0, 1.0, 21) if p2 >= 0.0 for s in ((0,) if p2 == 0 else (-1, 1))]
    points = np.array(rows, dtype=float)
    seeds = grid_seeds(_FoldInP2(), points, np.array([[-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0]]))
    # one fold seed per p1 grid line: the midpoint (x = 0) of the pair x = +-sqrt(0.1) at the
    # first grid value of p2 beyond the fold; none along p1 (the count never changes there)
    assert [kind for kind, _ in seeds] == ["fold"] * 5
    np.testing.assert_allclose(np.array([u for _, u in seeds]),
                               [(0.0, p1, 0.1) for p1 in np.linspace(-1.0, 1.0, 5)], atol=1e-12)
