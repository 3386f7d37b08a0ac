"""Stability types on hand-made Jacobians, and against an eigenvalue-based reference."""

import numpy as np
import pytest

import workbench as bp
from workbench.analysis import stability
from workbench.errors import AnalysisError

TWO_D = {
    "saddle node": [[1.0, 0.0], [0.0, -1.0]],
    "center": [[0.0, 1.0], [-1.0, 0.0]],
    "stable node": [[-1.0, 0.0], [0.0, -2.0]],
    "stable focus": [[-1.0, 2.0], [-2.0, -1.0]],
    "stable star": [[-1.5, 0.0], [0.0, -1.5]],
    "center manifold": [[-1.0, 0.0], [0.0, 0.0]],
    "unstable node": [[1.0, 0.5], [0.0, 2.0]],
    "unstable focus": [[1.0, 2.0], [-2.0, 1.0]],
    "unstable star": [[2.0, 0.0], [0.0, 2.0]],
    "unstable line": [[1.0, 0.0], [0.0, 0.0]],
    "stable degenerate": [[-1.0, 1.0], [0.0, -1.0]],
    "unstable degenerate": [[1.0, 1.0], [0.0, 1.0]],
}


def test_type_lists_are_the_manuals():
    assert bp.analysis.get_1d_stability_types() == ["saddle node", "stable point",
                                                    "unstable point"]
    assert bp.analysis.get_2d_stability_types() == [
        "saddle node", "center", "stable node", "stable focus", "stable star",
        "center manifold", "unstable node", "unstable focus", "unstable star",
        "unstable line", "stable degenerate", "unstable degenerate"]
    assert set(TWO_D) == set(bp.analysis.get_2d_stability_types())


@pytest.mark.parametrize("slope, kind", [(-0.3, "stable point"), (2.0, "unstable point"),
                                         (0.0, "saddle node"), ([[-1.0]], "stable point")])
def test_1d_types(slope, kind):
    assert bp.analysis.stability_analysis(slope) == kind


# det = trace = 0: both eigenvalues are 0. The manual's table puts det = 0 with trace <= 0 on
# the 'center manifold' side ('unstable line' needs trace > 0), whatever the Jordan form.
DEGENERATE_ZERO = [
    [[0.0, 0.0], [0.0, 0.0]],          # zero matrix
    [[0.0, 1.0], [0.0, 0.0]],          # nilpotent Jordan block
    [[0.0, 0.0], [-3.0, 0.0]],         # nilpotent, lower
    [[2.0, 4.0], [-1.0, -2.0]],        # nilpotent, full: trace 0, det -4 + 4 = 0
]


@pytest.mark.parametrize("jacobian", DEGENERATE_ZERO)
def test_det_and_trace_zero_is_a_center_manifold(jacobian):
    jac = np.array(jacobian)
    assert np.trace(jac) == 0.0 and jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0] == 0.0
    assert bp.analysis.stability_analysis(jacobian) == "center manifold"
    assert list(stability.classify_2d(np.array([jacobian] * 3))) == ["center manifold"] * 3


# Borders of the trace-determinant plane, each label derived by hand from its eigenvalues.
BORDERS = [
    ([[0.0, 0.0], [0.0, 5e-324]], "unstable line"),        # eigenvalues 0 and the tiniest > 0
    ([[0.0, 0.0], [0.0, -5e-324]], "center manifold"),     # 0 and the tiniest < 0
    ([[5e-324, 1.0], [-1.0, 5e-324]], "unstable focus"),   # +tiny +- i
    ([[-5e-324, 1.0], [-1.0, -5e-324]], "stable focus"),
    ([[1.0, 0.0], [0.0, 1.0]], "unstable star"),           # disc = 0, scalar matrix
    ([[1.0, 0.0], [1e-300, 1.0]], "unstable degenerate"),  # disc = 0, not scalar
    ([[-1.0, -2.0], [0.0, -1.0]], "stable degenerate"),
    ([[0.0, 1.0], [1.0, 0.0]], "saddle node"),             # trace 0, det < 0: +-1
]


@pytest.mark.parametrize("jacobian, kind", BORDERS)
def test_labels_on_the_borders_of_the_trace_determinant_plane(jacobian, kind):
    assert bp.analysis.stability_analysis(jacobian) == kind


@pytest.mark.parametrize("kind", sorted(TWO_D))
def test_2d_types_on_hand_made_jacobians(kind):
    assert bp.analysis.stability_analysis(TWO_D[kind]) == kind
    assert bp.analysis.stability_analysis(np.array(TWO_D[kind])) == kind


def _reference_2d(jac):
    """Classification from the eigenvalues (independent of trace/determinant code)."""
    lam = np.linalg.eigvals(jac)
    if np.any(np.abs(lam.imag) > 1e-12):
        return "stable focus" if lam[0].real < 0 else "unstable focus"
    l1, l2 = np.sort(lam.real)
    if l1 < 0 < l2:
        return "saddle node"
    return "stable node" if l2 < 0 else "unstable node"


def test_2d_generic_jacobians_match_eigenvalue_reference():
    rng = np.random.default_rng(5)
    jacobians = rng.normal(size=(2000, 2, 2))
    got = stability.classify_2d(jacobians)
    expected = [_reference_2d(j) for j in jacobians]
    assert list(got) == expected


@pytest.mark.parametrize("eigenvalues, kind", [
    ((-1, -2, -3), "stable node"), ((1, 2, 3), "unstable node"), ((-1, 2, 3), "saddle node"),
    ((-1, -1 + 2j, -1 - 2j), "stable focus"), ((1, 1 + 2j, 1 - 2j), "unstable focus"),
    ((-1, 1 + 2j, 1 - 2j), "saddle focus"), ((-1, 2j, -2j), "center manifold"),
    ((0, -1, -2), "center manifold")])
def test_3d_types(eigenvalues, kind):
    # a real matrix with the given spectrum: block diagonal, then a similarity transform
    blocks = []
    values = list(eigenvalues)
    while values:
        lam = values.pop(0)
        if np.iscomplexobj(lam) and np.imag(lam) != 0:
            values.pop(0)
            blocks.append(np.array([[lam.real, lam.imag], [-lam.imag, lam.real]]))
        else:
            blocks.append(np.array([[float(np.real(lam))]]))
    diag = np.zeros((3, 3))
    i = 0
    for block in blocks:
        k = block.shape[0]
        diag[i:i + k, i:i + k] = block
        i += k
    basis = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.3], [0.1, 0.0, 1.0]])
    jac = basis @ diag @ np.linalg.inv(basis)
    if kind == "center manifold":
        jac = diag          # exact zero real parts survive only without round-off
    assert bp.analysis.stability_analysis(jac) == kind
    assert kind in bp.analysis.get_3d_stability_types()


@pytest.mark.parametrize("bad", [[[1, 2, 3]], np.zeros((4, 4)), [[np.nan, 0], [0, 1]], "x"])
def test_bad_derivatives_are_rejected(bad):
    with pytest.raises(AnalysisError, match="derivatives"):
        bp.analysis.stability_analysis(bad)


def _reference_3d(jac):
    """The documented 3-D rules, from the eigenvalues of one matrix."""
    lam = np.linalg.eigvals(jac)
    if np.any(lam.real == 0.0):
        return "center manifold"
    pair = np.any(np.abs(lam.imag) > 1e-9 * np.abs(lam).max())
    if np.all(lam.real < 0):
        return "stable focus" if pair else "stable node"
    if np.all(lam.real > 0):
        return "unstable focus" if pair else "unstable node"
    return "saddle focus" if pair else "saddle node"


def test_batches_classify_like_single_matrices_in_every_dimension():
    """A (4, 5, n, n) stack: each label where it belongs (axis handling), against references."""
    rng = np.random.default_rng(11)
    slopes = rng.normal(size=(4, 5))
    slopes[0, 0] = 0.0
    assert [list(row) for row in stability.classify(slopes[..., None, None])] == [
        ["saddle node" if s == 0 else "stable point" if s < 0 else "unstable point" for s in row]
        for row in slopes]
    two = rng.normal(size=(4, 5, 2, 2))
    two[1, 2] = [[0.0, 1.0], [0.0, 0.0]]
    labels = stability.classify(two)
    assert labels.shape == (4, 5)
    for index in np.ndindex(4, 5):
        expected = "center manifold" if index == (1, 2) else _reference_2d(two[index])
        assert labels[index] == expected, index
    three = rng.normal(size=(4, 5, 3, 3))
    labels = stability.classify(three)
    assert labels.shape == (4, 5)
    assert [labels[i] for i in np.ndindex(4, 5)] == [_reference_3d(three[i]) for i in np.ndindex(4, 5)]
    assert {str(label) for label in labels.ravel()} >= {"saddle node", "saddle focus"}


@pytest.mark.parametrize("imag, kind", [(1e-15, "stable node"), (1e-6, "stable focus")])
def test_3d_complex_pairs_below_rounding_count_as_real(imag, kind):
    jac = np.array([[-2.0, imag, 0.0], [-imag, -2.0, 0.0], [0.0, 0.0, -1.0]])
    assert bp.analysis.stability_analysis(jac) == kind


def test_3d_zero_matrix_and_types_of_each_dimension():
    assert bp.analysis.stability_analysis(np.zeros((3, 3))) == "center manifold"
    for dim, names in ((1, bp.analysis.get_1d_stability_types()),
                       (2, bp.analysis.get_2d_stability_types()),
                       (3, bp.analysis.get_3d_stability_types())):
        assert stability.stability_types_of(dim) == names
    assert len(stability.stability_types_of(3)) == 7
    with pytest.raises(AnalysisError, match=r"1-, 2- and 3-dimensional systems; got Jacobians of "
                                            r"shape \(4, 4\)"):
        stability.classify(np.eye(4))
