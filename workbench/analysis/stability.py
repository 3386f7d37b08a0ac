"""Linear stability types of fixed points, named exactly as in the manual.

One- and two-dimensional types follow the manual (ch. 14.5); the classic
trace-determinant classification is used for 2-D systems (see
http://www.egwald.ca/nonlineardynamics/twodimensionaldynamics.php, the
reference the manual gives). The manual does not list three-dimensional
types; :func:`get_3d_stability_types` documents the names used here.

Comparisons with zero are exact, as in the manual: a degenerate type (centre,
star, line...) is reported only when the Jacobian is exactly degenerate, which
is the case for hand-made matrices and symbolic Jacobians at special points but
not for generic floating-point Jacobians.

The manual (and BrainPy) label a hyperbolic saddle of a 2-D or 3-D system --
real eigenvalues of both signs -- ``'saddle node'``. That label is kept for
compatibility (stability strings, the keys of bifurcation results), but a
saddle-node is a different, non-hyperbolic point; :func:`fixed_point_kind`
gives the textbook name, ``'saddle'``, which ``FixedPoint.kind``, the printed
messages and the plot legends show.
"""

import numpy as np

from ..errors import AnalysisError

__all__ = ["SADDLE_NODE", "SADDLE", "CENTER", "STABLE_POINT", "UNSTABLE_POINT", "STABLE_NODE",
           "STABLE_FOCUS", "STABLE_STAR", "CENTER_MANIFOLD", "UNSTABLE_NODE",
           "UNSTABLE_FOCUS", "UNSTABLE_STAR", "UNSTABLE_LINE", "STABLE_DEGENERATE",
           "UNSTABLE_DEGENERATE", "SADDLE_FOCUS",
           "get_1d_stability_types", "get_2d_stability_types", "get_3d_stability_types",
           "stability_analysis", "classify_1d", "classify_2d", "classify_3d", "classify",
           "fixed_point_kind"]

SADDLE_NODE = "saddle node"
CENTER = "center"
STABLE_POINT = "stable point"
UNSTABLE_POINT = "unstable point"
STABLE_NODE = "stable node"
STABLE_FOCUS = "stable focus"
STABLE_STAR = "stable star"
CENTER_MANIFOLD = "center manifold"
UNSTABLE_NODE = "unstable node"
UNSTABLE_FOCUS = "unstable focus"
UNSTABLE_STAR = "unstable star"
UNSTABLE_LINE = "unstable line"
STABLE_DEGENERATE = "stable degenerate"
UNSTABLE_DEGENERATE = "unstable degenerate"
SADDLE_FOCUS = "saddle focus"
#: The textbook name of what 2-D and 3-D stability types call ``SADDLE_NODE``.
SADDLE = "saddle"

_TYPES_1D = (SADDLE_NODE, STABLE_POINT, UNSTABLE_POINT)
_TYPES_2D = (SADDLE_NODE, CENTER, STABLE_NODE, STABLE_FOCUS, STABLE_STAR, CENTER_MANIFOLD,
             UNSTABLE_NODE, UNSTABLE_FOCUS, UNSTABLE_STAR, UNSTABLE_LINE, STABLE_DEGENERATE,
             UNSTABLE_DEGENERATE)
_TYPES_3D = (SADDLE_NODE, STABLE_NODE, UNSTABLE_NODE, SADDLE_FOCUS, STABLE_FOCUS,
             UNSTABLE_FOCUS, CENTER_MANIFOLD)


def get_1d_stability_types():
    """Get the stability types of 1D system.

    Returns
    -------
    list of str
        ``['saddle node', 'stable point', 'unstable point']``.
    """
    return list(_TYPES_1D)


def get_2d_stability_types():
    """Get the stability types of 2D system.

    Returns
    -------
    list of str
        The twelve trace-determinant types of the manual, in its order.
    """
    return list(_TYPES_2D)


def get_3d_stability_types():
    """Get the stability types of 3D system.

    The manual names no 3-D types; workbench classifies by the eigenvalues:
    all real and negative ('stable node'), all real and positive ('unstable
    node'), all real with both signs ('saddle node'), a complex pair with all
    real parts negative ('stable focus'), positive ('unstable focus') or of
    both signs ('saddle focus'), and any eigenvalue with a zero real part
    ('center manifold').

    Returns
    -------
    list of str
    """
    return list(_TYPES_3D)


def classify_1d(derivatives):
    """Vectorized 1-D classification.

    Parameters
    ----------
    derivatives : array_like
        Values of ``df/dx`` at the fixed points.

    Returns
    -------
    numpy.ndarray of str (object dtype)
    """
    slope = np.asarray(derivatives, dtype=float)
    out = np.full(slope.shape, SADDLE_NODE, dtype=object)
    out[slope < 0.0] = STABLE_POINT
    out[slope > 0.0] = UNSTABLE_POINT
    return out


def classify_2d(jacobians):
    """Vectorized 2-D trace-determinant classification.

    Parameters
    ----------
    jacobians : array_like
        Jacobian matrices, shape ``(..., 2, 2)``.

    Returns
    -------
    numpy.ndarray of str (object dtype)
        Shape ``(...)``.
    """
    jac = np.asarray(jacobians, dtype=float)
    a, b, c, d = jac[..., 0, 0], jac[..., 0, 1], jac[..., 1, 0], jac[..., 1, 1]
    trace = a + d
    det = a * d - b * c
    disc = trace * trace - 4.0 * det
    scalar = (b == 0.0) & (c == 0.0) & (a == d)
    negative = trace < 0.0
    conditions = [
        det < 0.0,
        (det == 0.0) & (trace <= 0.0),
        det == 0.0,
        trace == 0.0,
        disc < 0.0,
        disc > 0.0,
        scalar,
    ]
    choices_negative = [SADDLE_NODE, CENTER_MANIFOLD, UNSTABLE_LINE, CENTER,
                        STABLE_FOCUS, STABLE_NODE, STABLE_STAR]
    choices_positive = [SADDLE_NODE, CENTER_MANIFOLD, UNSTABLE_LINE, CENTER,
                        UNSTABLE_FOCUS, UNSTABLE_NODE, UNSTABLE_STAR]
    out_negative = np.select(conditions, choices_negative, STABLE_DEGENERATE)
    out_positive = np.select(conditions, choices_positive, UNSTABLE_DEGENERATE)
    return np.where(negative, out_negative, out_positive).astype(object)


def classify_3d(jacobians):
    """Vectorized 3-D classification by eigenvalues.

    Parameters
    ----------
    jacobians : array_like
        Jacobian matrices, shape ``(..., 3, 3)``.

    Returns
    -------
    numpy.ndarray of str (object dtype)
        Shape ``(...)``; see :func:`get_3d_stability_types`.
    """
    jac = np.asarray(jacobians, dtype=float)
    eig = np.linalg.eigvals(jac)
    real, imag = eig.real, eig.imag
    scale = np.maximum(np.max(np.abs(eig), axis=-1), 1e-300)
    has_pair = np.any(np.abs(imag) > 1e-12 * scale[..., None], axis=-1)
    zero = np.any(real == 0.0, axis=-1)
    negative = np.all(real < 0.0, axis=-1)
    positive = np.all(real > 0.0, axis=-1)
    out = np.select(
        [zero, negative & ~has_pair, positive & ~has_pair, ~has_pair,
         negative, positive],
        [CENTER_MANIFOLD, STABLE_NODE, UNSTABLE_NODE, SADDLE_NODE,
         STABLE_FOCUS, UNSTABLE_FOCUS],
        SADDLE_FOCUS)
    return out.astype(object)


def classify(jacobians):
    """Classify Jacobians of any supported dimension (1, 2 or 3).

    Parameters
    ----------
    jacobians : array_like
        Shape ``(..., n, n)`` with n in {1, 2, 3}.

    Returns
    -------
    numpy.ndarray of str (object dtype)
        Shape ``(...)``.
    """
    jac = np.asarray(jacobians, dtype=float)
    dim = jac.shape[-1]
    if dim == 1:
        return classify_1d(jac[..., 0, 0])
    if dim == 2:
        return classify_2d(jac)
    if dim == 3:
        return classify_3d(jac)
    raise AnalysisError(f"stability types exist for 1-, 2- and 3-dimensional systems; "
                        f"got Jacobians of shape {jac.shape}.")


def stability_types_of(dim):
    """The list of stability types for a system dimension.

    Parameters
    ----------
    dim : int
        1, 2 or 3.

    Returns
    -------
    list of str
    """
    return {1: get_1d_stability_types, 2: get_2d_stability_types,
            3: get_3d_stability_types}[dim]()


def stability_analysis(derivatives):
    """Stability analysis for fixed points.

    Parameters
    ----------
    derivatives : float, tuple, list, numpy.ndarray
        ``df/dx`` of a 1-D system (a number or a 1x1 matrix), or the Jacobian
        matrix of a 2-D or 3-D system.

    Returns
    -------
    fp_type : str
        The type of the fixed point, one of :func:`get_1d_stability_types`,
        :func:`get_2d_stability_types` or :func:`get_3d_stability_types`.

    Raises
    ------
    AnalysisError
        If ``derivatives`` is not a number or a square matrix of size 1-3, or
        holds non-finite values.

    Examples
    --------
    >>> stability_analysis(-1.0)
    'stable point'
    >>> stability_analysis([[-1.0, 0.0], [0.0, -2.0]])
    'stable node'
    """
    try:
        jac = np.asarray(derivatives, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(f"`derivatives`={derivatives!r} is not numeric; give df/dx or a "
                            f"square Jacobian matrix.") from None
    if jac.ndim == 0:
        jac = jac.reshape(1, 1)
    if jac.ndim != 2 or jac.shape[0] != jac.shape[1] or jac.shape[0] not in (1, 2, 3):
        raise AnalysisError(f"`derivatives` of shape {jac.shape} is not supported; give a number "
                            f"(1-D) or a 1x1, 2x2 or 3x3 Jacobian matrix.")
    if not np.all(np.isfinite(jac)):
        raise AnalysisError(f"`derivatives`={jac.tolist()!r} contains NaN or inf.")
    return str(classify(jac))


def fixed_point_kind(stability, dimension):
    """The textbook name of a fixed point with this stability type.

    In 2-D and 3-D, BrainPy's ``'saddle node'`` is a hyperbolic saddle (real
    eigenvalues of both signs) and is named ``'saddle'``; in 1-D it is a point
    where ``f'(x) = 0``, a saddle-node indeed, and keeps its name. Every other
    type is returned unchanged.

    Parameters
    ----------
    stability : str
        A stability type, as :func:`stability_analysis` returns.
    dimension : int
        The number of variables of the system.

    Returns
    -------
    str

    Examples
    --------
    >>> fixed_point_kind(stability_analysis([[1.0, 0.0], [0.0, -1.0]]), 2)
    'saddle'
    >>> fixed_point_kind('saddle node', 1), fixed_point_kind('stable focus', 2)
    ('saddle node', 'stable focus')
    """
    if stability == SADDLE_NODE and dimension >= 2:
        return SADDLE
    return stability
