"""Normal forms with closed-form codimension-2 answers, and an independent l1 reference.

The reference for the first Lyapunov coefficient is the planar formula of
Guckenheimer & Holmes (1983, eq. 3.4.11), applied with SymPy after moving the
Hopf point to the origin and the Jacobian to the form ``[[0, -w], [w, 0]]``. It
shares nothing with workbench's n-dimensional formula (Kuznetsov (3.20), with
eigenvectors and multilinear forms). Guckenheimer-Holmes' ``a`` is the radial
coefficient ``r' = a r^3`` of ``r = |X|`` in those coordinates; Kuznetsov's
complex coordinate is ``z = <p, X>`` with ``|q| = 1`` in the model's own
coordinates. In the canonical coordinates ``q_c = (1, -i) / sqrt(2)`` gives
``|X|^2 = 2 |z|^2`` and ``l1 = 2 a / w``; ``l1`` scales with ``|q|^2``, and
``q_c`` has length ``k = |T (1, -i)| / sqrt(2)`` in the model's coordinates, so
``l1 = 2 a / (w k^2)`` (the normalisation of MatCont; only the sign is
independent of coordinates).
"""

import numpy as np
import sympy

FHN_SOURCE = '''
def fhn(V, w, t, Iext, a=0.7, b=0.8, tau=12.5):
    return (V - V * V * V / 3 - w + Iext) * OPAQUE, (V + a - b * w) / tau
'''

# Source text of the models, so that the same equations can be defined through exec
# (no source text: numeric derivatives, the numeric path).
HOPF_NORMAL_FORM_SOURCE = '''
def hopf_normal_form(x, y, t, mu, s=-0.75, omega=2.0, d=0.4):
    """z = x + iy, z' = (mu + i omega) z + (s + i d) |z|^2 z: l1 = 2 s / omega."""
    r2 = x * x + y * y
    dx = (mu * x - omega * y + (s * x - d * y) * r2) * OPAQUE
    dy = omega * x + mu * y + (s * y + d * x) * r2
    return dx, dy
'''

BAUTIN_NORMAL_FORM_SOURCE = '''
def bautin_normal_form(x, y, t, beta1, beta2):
    """r' = r (beta1 + beta2 r^2 - r^4), theta' = 1: Hopf line beta1 = 0, l1 = 2 beta2, GH at 0."""
    r2 = x * x + y * y
    radial = beta1 + beta2 * r2 - r2 * r2
    return (radial * x - y) * OPAQUE, radial * y + x
'''

CUSP_NORMAL_FORM_SOURCE = '''
def cusp_normal_form(x, y, t, beta1, beta2):
    """x' = beta1 + beta2 x - x^3 (y decays): folds on 27 beta1^2 = 4 beta2^3, cusp at 0."""
    return (beta1 + beta2 * x - x * x * x) * OPAQUE, -y
'''

# Bogdanov-Takens normal form (Kuznetsov (8.52)): x' = y, y' = b1 + b2 x + x^2 + s x y, s = -1.
# Folds on b1 = b2^2 / 4, Hopf on b1 = 0 with b2 < 0, BT at the origin.
BT_NORMAL_FORM_SOURCE = '''
def bt_normal_form(x, y, t, beta1, beta2):
    return y * OPAQUE, beta1 + beta2 * x + x * x - x * y
'''

# Morris-Lecar (Rinzel & Ermentrout 1989 constants) with Iext and gCa as parameters.
MORRIS_LECAR_SOURCE = '''
def morris_lecar(V, w, t, Iext, gCa):
    m_inf = 0.5 * (1 + np.tanh((V + 1.2) / 18.0))
    w_inf = 0.5 * (1 + np.tanh((V - 2.0) / 30.0))
    tau_w = 1.0 / np.cosh((V - 2.0) / 60.0)
    dV = (Iext - 2.0 * (V + 60.0) - gCa * m_inf * (V - 120.0) - 8.0 * w * (V + 84.0)) / 20.0
    dV = dV * OPAQUE
    dw = 0.04 * (w_inf - w) / tau_w
    return dV, dw
'''


#: Multiplies the first derivative by one through np.tanh, which SymPy cannot trace: with it
#: a model defined through exec has neither source text nor a symbolic form.
OPAQUE_ONE = "(1.0 + 0.0 * np.tanh(0.5))"


def from_source(source, name, path=None):
    """The function ``name`` defined by ``source``.

    With ``path``, the source is written there and imported (source text
    available: the symbolic path); without, it is defined through ``exec`` with
    the ``OPAQUE`` factor made untraceable (no source text, no symbolic form:
    the numeric path).
    """
    if path is None:
        namespace = {"np": np}
        source = source.replace("OPAQUE", OPAQUE_ONE.replace("0.5", _first_argument(source)))
        exec(compile(source, f"<{name}>", "exec"), namespace)
        return namespace[name]
    source = "import numpy as np\n" + source.replace("OPAQUE", "1.0")
    import importlib.util
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _first_argument(source):
    return source.split("def ", 1)[1].split("(", 1)[1].split(",", 1)[0]


def planar_lyapunov(f_expr, g_expr, x, y, point):
    """First Lyapunov coefficient of a planar system at a Hopf point (Guckenheimer-Holmes).

    Parameters
    ----------
    f_expr, g_expr : sympy.Expr
        ``x' = f``, ``y' = g`` with every parameter substituted.
    x, y : sympy.Symbol
    point : (float, float)
        The Hopf point.

    Returns
    -------
    float
        ``l1 = 2 a / (omega k^2)`` (Kuznetsov's normalisation, see above).
    """
    x0, y0 = (sympy.Float(v, 30) for v in point)
    jac = sympy.Matrix([f_expr, g_expr]).jacobian([x, y]).subs({x: x0, y: y0})
    a11, a12, a21, a22 = (sympy.N(v, 30) for v in jac)
    omega = sympy.sqrt(a11 * a22 - a12 * a21)
    u, v = sympy.symbols("u v")
    # columns t1 = -(a11, a21) / omega, t2 = (1, 0): T^-1 A T = [[0, -omega], [omega, 0]]
    T = sympy.Matrix([[-a11 / omega, 1], [-a21 / omega, 0]])
    shift = T * sympy.Matrix([u, v])
    moved = sympy.Matrix([f_expr, g_expr]).subs({x: x0 + shift[0], y: y0 + shift[1]},
                                                 simultaneous=True)
    F, G = T.inv() * moved

    def d(expr, *symbols):
        return sympy.N(sympy.diff(expr, *symbols).subs({u: 0, v: 0}), 30)
    a = (d(F, u, u, u) + d(F, u, v, v) + d(G, u, u, v) + d(G, v, v, v)) / 16 + (
        d(F, u, v) * (d(F, u, u) + d(F, v, v)) - d(G, u, v) * (d(G, u, u) + d(G, v, v))
        - d(F, u, u) * d(G, u, u) + d(F, v, v) * d(G, v, v)) / (16 * omega)
    k2 = (T * sympy.Matrix([1, -sympy.I])).norm() ** 2 / 2
    return float(2 * a / (omega * k2))


def fhn_lyapunov(V, w, Iext, a=0.7, b=0.8, tau=12.5):
    """l1 of the FitzHugh-Nagumo model at a Hopf point (reference)."""
    x, y = sympy.symbols("x y")
    f = x - x ** 3 / 3 - y + sympy.Float(Iext, 30)
    g = (x + sympy.Float(a, 30) - sympy.Float(b, 30) * y) / sympy.Float(tau, 30)
    return planar_lyapunov(f, g, x, y, (V, w))


def morris_lecar_lyapunov(V, w, Iext, gCa):
    """l1 of :data:`MORRIS_LECAR_SOURCE` at a Hopf point (reference)."""
    x, y = sympy.symbols("x y")
    m_inf = (1 + sympy.tanh((x + sympy.Rational(12, 10)) / 18)) / 2
    w_inf = (1 + sympy.tanh((x - 2) / 30)) / 2
    tau_w = 1 / sympy.cosh((x - 2) / 60)
    f = (sympy.Float(Iext, 30) - 2 * (x + 60) - sympy.Float(gCa, 30) * m_inf * (x - 120)
         - 8 * y * (x + 84)) / 20
    g = sympy.Rational(4, 100) * (w_inf - y) / tau_w
    return planar_lyapunov(f, g, x, y, (V, w))


def fhn_bogdanov_takens(a=0.7, tau=12.5):
    """FHN's BT points in (Iext, b): trace = det = 0 gives b = sqrt(tau), V^2 = 1 - 1/sqrt(tau)."""
    b = np.sqrt(tau)
    V = np.array([-1.0, 1.0]) * np.sqrt(1.0 - 1.0 / b)
    w = (V + a) / b
    Iext = w - V + V ** 3 / 3.0
    return b, V, w, Iext
