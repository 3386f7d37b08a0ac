"""Result objects of the dynamics analyses: frozen dataclasses of numpy arrays.

The analysis classes compute these objects; the matplotlib renderers in
:mod:`workbench.visualize.analysis` and the bqplot renderers of the widget
panels draw them. Nothing here knows about plotting.

Conventions shared by all classes:

* arrays are float64 (eigenvalues complex128) and read-only;
* ``values`` dictionaries map a variable or parameter name to its array (or
  to a float for a single point), in the model's order;
* a NaN inside a curve separates two branches that must not be joined.
"""

from dataclasses import dataclass, field

import numpy as np

from .stability import fixed_point_kind

__all__ = ["Nullcline", "Nullclines", "VectorField", "FixedPoint", "FixedPoints", "EquilibriumLine",
           "Trajectory", "LimitCycle", "PhasePlaneResult", "Branch", "SpecialPoint",
           "CycleEnvelope", "BifurcationDiagram", "FastSlowResult"]


def _frozen_array(values, dtype=float):
    array = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


def _frozen_dict(values, dtype=float):
    return {name: _frozen_array(value, dtype) for name, value in values.items()}


@dataclass(frozen=True, eq=False)
class Nullcline:
    """The curve where the derivative of one variable vanishes.

    Attributes
    ----------
    variable : str
        The variable whose time derivative is zero on the curve.
    x, y : numpy.ndarray
        Coordinates of the curve in the phase plane (``x`` along the plane's
        ``x_var``, ``y`` along ``y_var``); NaN separates branches.
    method : str
        ``'sympy'`` when the curve was evaluated from a SymPy solution,
        ``'numeric'`` when it was traced on the grid (marching squares, with the
        crossing points refined onto the curve).
    """

    variable: str
    x: np.ndarray
    y: np.ndarray
    method: str

    def __post_init__(self):
        object.__setattr__(self, "x", _frozen_array(self.x))
        object.__setattr__(self, "y", _frozen_array(self.y))


@dataclass(frozen=True, eq=False)
class Nullclines:
    """The nullclines of a two-dimensional phase plane.

    Attributes
    ----------
    x_var, y_var : str
        The variables on the horizontal and vertical axes.
    curves : tuple of Nullcline
        One curve per variable, in the order of the target variables.
    """

    x_var: str
    y_var: str
    curves: tuple

    def __getitem__(self, variable):
        for curve in self.curves:
            if curve.variable == variable:
                return curve
        raise KeyError(f"no nullcline of {variable!r}; have: "
                       f"{', '.join(repr(c.variable) for c in self.curves)}")


@dataclass(frozen=True, eq=False)
class VectorField:
    """The vector field sampled on a grid.

    Attributes
    ----------
    x_var : str
        Variable of the horizontal axis.
    y_var : str or None
        Variable of the vertical axis; None for a one-dimensional system.
    x : numpy.ndarray
        Grid along ``x_var``, shape ``(nx,)``.
    y : numpy.ndarray
        Grid along ``y_var``, shape ``(ny,)``; empty for a 1-D system.
    dx, dy : numpy.ndarray
        Time derivatives of ``x_var`` and ``y_var`` with shape ``(ny, nx)``
        (matplotlib's ``streamplot`` layout). For a 1-D system ``dx`` has shape
        ``(nx,)`` (the curve ``dx/dt = f(x)``) and ``dy`` is empty.
    """

    x_var: str
    y_var: object
    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray

    def __post_init__(self):
        for name in ("x", "y", "dx", "dy"):
            object.__setattr__(self, name, _frozen_array(getattr(self, name)))


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """One equilibrium with its linear stability.

    Attributes
    ----------
    values : dict
        ``{variable: float}`` for the target variables.
    stability : str
        One of :func:`~workbench.analysis.get_1d_stability_types` or
        :func:`~workbench.analysis.get_2d_stability_types` (BrainPy's labels).
    kind : str
        The textbook name (property): ``'saddle'`` where ``stability`` says
        ``'saddle node'`` in 2-D or 3-D, else ``stability``.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Jacobian (complex).
    jacobian : numpy.ndarray
        The Jacobian matrix, shape ``(n, n)``.
    """

    values: dict
    stability: str
    eigenvalues: np.ndarray
    jacobian: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "values", {k: float(v) for k, v in self.values.items()})
        object.__setattr__(self, "eigenvalues", _frozen_array(self.eigenvalues, complex))
        object.__setattr__(self, "jacobian", _frozen_array(self.jacobian))

    @property
    def kind(self):
        """The textbook name of the point's type (``'saddle'`` for a 2-D/3-D ``'saddle node'``)."""
        return fixed_point_kind(self.stability, len(self.values))

    def as_dict(self):
        """The point as a dict (what the phase-plane panel shows).

        Returns
        -------
        dict
            ``{<var>: value, ..., 'stability': str, 'eigenvalues': array}``.
        """
        out = dict(self.values)
        out["stability"] = self.stability
        out["eigenvalues"] = self.eigenvalues
        return out


@dataclass(frozen=True, eq=False)
class EquilibriumLine:
    """A continuum of equilibria (degenerate: every point of a curve is an equilibrium).

    Attributes
    ----------
    values : dict
        ``{variable: array}``: the curve sampled at the search grid, in order.
    """

    values: dict

    def __post_init__(self):
        object.__setattr__(self, "values", _frozen_dict(self.values))

    def describe(self):
        """A one-line description, e.g. ``"a line of equilibria from (x=-2, y=-2) to (x=2, y=2)"``.

        Returns
        -------
        str
        """
        ends = [", ".join(f"{name}={array[i]:.4g}" for name, array in self.values.items())
                for i in (0, -1)]
        return f"a line of equilibria from ({ends[0]}) to ({ends[1]})"


@dataclass(frozen=True, eq=False)
class FixedPoints:
    """All equilibria found in the analysed box.

    Attributes
    ----------
    variables : tuple of str
        The target variables.
    points : tuple of FixedPoint
        The isolated equilibria, sorted by the first variable.
    lines : tuple of EquilibriumLine
        Continua of equilibria (a degenerate system, e.g. ``dx = y - x, dy = x - y``); they
        are not counted by ``len()``, which counts isolated points.
    """

    variables: tuple
    points: tuple
    lines: tuple = ()

    def __len__(self):
        return len(self.points)

    def __iter__(self):
        return iter(self.points)

    def __getitem__(self, index):
        return self.points[index]

    def as_dicts(self):
        """The points as a list of dicts (see :meth:`FixedPoint.as_dict`).

        Returns
        -------
        list of dict
        """
        return [point.as_dict() for point in self.points]

    def array(self, variable):
        """Coordinates of all points along one variable.

        Parameters
        ----------
        variable : str
            One of :attr:`variables`.

        Returns
        -------
        numpy.ndarray
        """
        return np.array([point.values[variable] for point in self.points], dtype=float)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A simulated trajectory.

    Attributes
    ----------
    ts : numpy.ndarray
        Time points, shape ``(nt,)``.
    values : dict
        ``{variable: array of shape (nt,)}`` for every model variable
        (fixed variables keep their value).
    """

    ts: np.ndarray
    values: dict

    def __post_init__(self):
        object.__setattr__(self, "ts", _frozen_array(self.ts))
        object.__setattr__(self, "values", _frozen_dict(self.values))


@dataclass(frozen=True, eq=False)
class LimitCycle:
    """One period of a limit cycle found by simulation.

    Attributes
    ----------
    ts : numpy.ndarray
        Time points of one period, shape ``(nt,)``.
    values : dict
        ``{variable: array of shape (nt,)}``.
    period : float
        The period (time units of the model).
    initial : dict
        The initial values the simulation started from.
    """

    ts: np.ndarray
    values: dict
    period: float
    initial: dict

    def __post_init__(self):
        object.__setattr__(self, "ts", _frozen_array(self.ts))
        object.__setattr__(self, "values", _frozen_dict(self.values))
        object.__setattr__(self, "period", float(self.period))
        object.__setattr__(self, "initial", {k: float(v) for k, v in self.initial.items()})


@dataclass(frozen=True, eq=False)
class PhasePlaneResult:
    """Everything a phase-plane view shows.

    Attributes
    ----------
    nullclines : Nullclines or None
        None for a one-dimensional system or when not computed.
    vector_field : VectorField or None
    fixed_points : FixedPoints or None
    trajectories : tuple of Trajectory
    limit_cycles : tuple of LimitCycle
    """

    nullclines: object = None
    vector_field: object = None
    fixed_points: object = None
    trajectories: tuple = ()
    limit_cycles: tuple = ()


@dataclass(frozen=True, eq=False)
class Branch:
    """A curve computed by pseudo-arclength continuation.

    Attributes
    ----------
    kind : str
        ``'equilibrium'`` for a branch of equilibria in (parameter, variables)
        space; ``'fold'`` or ``'hopf'`` for a curve of codimension-1
        bifurcations in the plane of two parameters; ``'cycle'`` for a branch
        of periodic orbits (see :mod:`workbench.analysis.cycles`).
    values : dict
        ``{name: array of shape (n,)}`` for the continuation parameters and the
        target variables, ordered along the curve. A cycle branch holds the
        parameter, ``'period'`` and ``'<var>_max'``, ``'<var>_min'`` for every
        target variable.
    stability : numpy.ndarray
        Stability type of each point (array of str) for equilibrium branches
        (``'stable'`` or ``'unstable'`` on cycle branches); empty for fold/Hopf
        curves.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Jacobian at each point, shape ``(n, dim)`` (empty
        on cycle branches).
    multipliers : numpy.ndarray
        Floquet multipliers at each point of a cycle branch, shape
        ``(n, dim)`` (complex, by decreasing modulus; one of them is the
        trivial multiplier 1); empty on other branches.
    """

    kind: str
    values: dict
    stability: np.ndarray
    eigenvalues: np.ndarray
    multipliers: np.ndarray = None

    def __post_init__(self):
        object.__setattr__(self, "values", _frozen_dict(self.values))
        object.__setattr__(self, "stability", _frozen_array(self.stability, object))
        object.__setattr__(self, "eigenvalues", _frozen_array(self.eigenvalues, complex))
        multipliers = (np.zeros((0, self.eigenvalues.shape[-1] if self.eigenvalues.ndim == 2
                                 else 0)) if self.multipliers is None else self.multipliers)
        object.__setattr__(self, "multipliers", _frozen_array(multipliers, complex))

    @property
    def stable(self):
        """Boolean array: all eigenvalues have a negative real part (equilibria), or
        every nontrivial Floquet multiplier lies inside the unit circle (cycles)."""
        if self.kind == "cycle":
            return np.asarray(self.stability == "stable", dtype=bool)
        if self.eigenvalues.size == 0:
            return np.zeros(0, dtype=bool)
        return np.all(self.eigenvalues.real < 0.0, axis=1)


@dataclass(frozen=True, eq=False)
class SpecialPoint:
    """A bifurcation point located on a branch.

    Attributes
    ----------
    kind : str
        On equilibrium branches (codim 1): ``'fold'`` (saddle-node: one zero
        eigenvalue), ``'hopf'`` (a pair of purely imaginary eigenvalues) or
        ``'branch_point'`` (two branches cross). On fold and Hopf curves
        (codim 2): ``'bogdanov_takens'`` (a double zero eigenvalue),
        ``'cusp'`` (the fold's quadratic coefficient vanishes), ``'bautin'``
        (generalized Hopf: the first Lyapunov coefficient vanishes) and
        ``'zero_hopf'`` (a zero eigenvalue and an imaginary pair, 3-D and up).
        On cycle branches: ``'cycle_fold'`` (LPC), ``'period_doubling'`` (PD),
        ``'torus'`` (Neimark-Sacker, NS) and ``'homoclinic'`` (the period grows
        without bound: a homoclinic or SNIC end).
    values : dict
        ``{name: float}`` for the parameters and target variables. For a
        point on a cycle branch the variables hold the orbit's maxima, and
        ``'<var>_max'``, ``'<var>_min'`` and ``'period'`` are added.
    eigenvalues : numpy.ndarray
        Eigenvalues of the Jacobian at the point (Floquet multipliers for a
        point on a cycle branch).
    label : str
        AUTO's and MatCont's labels, numbered per kind: ``'LP1'`` (fold),
        ``'H1'`` (Hopf), ``'BP1'``, ``'BT1'``, ``'CP1'``, ``'GH1'``, ``'ZH1'``;
        ``'LPC1'``, ``'PD1'``, ``'NS1'``, ``'HC1'`` on cycle branches.
    first_lyapunov : float
        Hopf and Bautin points: the first Lyapunov coefficient ``l1``
        (Kuznetsov's normalisation: ``Re(c1) / omega``); NaN for other kinds.
    criticality : str
        Hopf points: ``'subcritical'`` (l1 > 0: unstable cycles on the side
        where the equilibrium is stable), ``'supercritical'`` (l1 < 0: stable
        cycles), ``'degenerate'`` (l1 = 0 to working precision) or
        ``'undetermined'`` (l1 could not be computed: not finite); ``''``
        for other kinds.
    """

    kind: str
    values: dict
    eigenvalues: np.ndarray
    label: str = ""
    first_lyapunov: float = float("nan")
    criticality: str = ""

    def __post_init__(self):
        object.__setattr__(self, "values", {k: float(v) for k, v in self.values.items()})
        object.__setattr__(self, "eigenvalues", _frozen_array(self.eigenvalues, complex))
        object.__setattr__(self, "first_lyapunov", float(self.first_lyapunov))


@dataclass(frozen=True, eq=False)
class CycleEnvelope:
    """Extent of attracting limit cycles found by simulation across parameters.

    Attributes
    ----------
    parameters : dict
        ``{parameter: array of shape (n,)}``: the parameter values at which an
        attracting cycle was found (one entry per cycle).
    maxima, minima : dict
        ``{variable: array of shape (n,)}``: the largest and smallest value of
        each variable on the cycle.
    periods : numpy.ndarray
        Period of each cycle, shape ``(n,)``.
    """

    parameters: dict
    maxima: dict
    minima: dict
    periods: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "parameters", _frozen_dict(self.parameters))
        object.__setattr__(self, "maxima", _frozen_dict(self.maxima))
        object.__setattr__(self, "minima", _frozen_dict(self.minima))
        object.__setattr__(self, "periods", _frozen_array(self.periods))

    def __len__(self):
        return len(self.periods)


@dataclass(frozen=True, eq=False)
class BifurcationDiagram:
    """A codimension-1 or codimension-2 bifurcation analysis.

    Attributes
    ----------
    parameters : tuple of str
        The bifurcation parameters (one or two; the slow variables of a
        fast-slow analysis).
    variables : tuple of str
        The target (fast) variables.
    points : dict
        The manual's "points" dict ``{stability type: {name: array}}`` with the
        equilibria found on the parameter grid; every stability type of the
        system's dimension is a key (arrays may be empty).
    branches : tuple of Branch
        Equilibrium branches (codim 1) or fold/Hopf curves (codim 2) from
        continuation.
    special_points : tuple of SpecialPoint
        Folds, Hopf and branch points located on the branches (codim 1);
        Bogdanov-Takens, cusp, Bautin and zero-Hopf points located on the
        fold and Hopf curves (codim 2).
    cycle_envelopes : tuple of CycleEnvelope
        Limit-cycle extents (codim 1): the stable part of the cycle branches
        (option ``cycle_envelope='continuation'``, the default) or cycles
        found by simulation (``cycle_envelope='simulation'``); empty when not
        computed.
    cycle_branches : tuple of Branch
        Branches of periodic orbits (``kind='cycle'``, codim 1) continued
        from the Hopf points and from attracting cycles found by simulation;
        their special points (``'cycle_fold'``, ``'period_doubling'``,
        ``'torus'``, ``'homoclinic'``) are in :attr:`special_points`.
    notes : tuple of str
        What is incomplete, and where: no equilibrium in the box, or a
        continuation that stopped inside the box (the point and the last step
        size; the curve up to there is kept). Also issued as warnings
        (:class:`~workbench.errors.AnalysisWarning`).
    """

    parameters: tuple
    variables: tuple
    points: dict
    branches: tuple = ()
    special_points: tuple = ()
    cycle_envelopes: tuple = field(default=())
    cycle_branches: tuple = ()
    notes: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "points",
                           {kind: _frozen_dict(values) for kind, values in self.points.items()})

    @property
    def codimension(self):
        """1 or 2: the number of bifurcation parameters."""
        return len(self.parameters)

    def special(self, kind):
        """The special points of one kind.

        Parameters
        ----------
        kind : str
            Equilibria: ``'fold'``, ``'hopf'``, ``'branch_point'``; codim 2:
            ``'bogdanov_takens'``, ``'cusp'``, ``'bautin'``, ``'zero_hopf'``;
            cycles: ``'cycle_fold'``, ``'period_doubling'``, ``'torus'``,
            ``'homoclinic'``.

        Returns
        -------
        list of SpecialPoint
        """
        return [point for point in self.special_points if point.kind == kind]


@dataclass(frozen=True, eq=False)
class FastSlowResult:
    """A fast-slow analysis: the fast subsystem's diagram and full-system orbits.

    Attributes
    ----------
    diagram : BifurcationDiagram
        Bifurcation of the fast subsystem with the slow variables as parameters.
    trajectories : tuple of Trajectory
        Simulations of the full system.
    limit_cycles : tuple of LimitCycle
        Periodic orbits of the full system found by simulation.
    """

    diagram: BifurcationDiagram
    trajectories: tuple = ()
    limit_cycles: tuple = ()
