"""Codimension-1 and codimension-2 bifurcation analysis (manual ch. 4.2, 14.3).

:class:`Bifurcation` computes a :class:`~workbench.analysis.results.BifurcationDiagram`:

* the manual's "points": equilibria on the parameter grid with their stability
  types (all parameter values at once, see :mod:`~workbench.analysis.equilibria`);
* beyond BrainPy: equilibrium branches by pseudo-arclength continuation with
  folds and Hopf points located exactly (codim 1), fold and Hopf curves in
  the parameter plane (codim 2), and branches of periodic orbits continued
  by collocation from the Hopf points and from cycles found by simulation,
  with Floquet multipliers and folds of cycles, period doublings, torus
  points and homoclinic ends (codim 1, :mod:`workbench.analysis.cycles`).
"""

import warnings

import numpy as np

from ..errors import AnalysisError, AnalysisWarning, ContinuationWarning, choices
from .base import Analyzer
from .codim2 import bifurcation_curves, grid_seeds
from .continuation import (ParameterSlice, branch_stability,
                           equilibrium_branches, locate_special_points, with_special_points)
from .cycles.branches import cycle_branch_from_orbit
from .cycles.diagram import diagram_cycles, stable_envelope
from .equilibria import accept, batched_equilibria, find_fixed_points
from .normal_form import Derivatives, criticality, first_lyapunov
from .results import BifurcationDiagram, Branch, CycleEnvelope, SpecialPoint
from .roots import newton
from .simulate import detect_cycle, normalize_durations, sample_cycles, simulate
from .stability import classify, stability_types_of

__all__ = ["Bifurcation", "DiagramBuilder", "LABEL_PREFIXES"]

#: Largest 2-D grid (points per parameter value) of the numeric seed search.
_MAX_SEED_GRID = 250_000
#: Parameter values at which the numeric path searches seeds.
_SEED_VALUES = 11


#: AUTO's / MatCont's label of each kind of special point (numbered per kind).
LABEL_PREFIXES = {"fold": "LP", "hopf": "H", "branch_point": "BP", "bogdanov_takens": "BT",
                  "cusp": "CP", "bautin": "GH", "zero_hopf": "ZH"}

#: Slices per parameter whose folds and Hopf points seed the codim-2 curves.
_CODIM2_SLICES = 5

#: How many spans of its range a non-first variable may leave it by on a branch.
_SECONDARY_WIDENING = 10.0


class DiagramBuilder:
    """Computes bifurcation diagrams of a reduced system (shared with fast-slow analysis).

    Parameters
    ----------
    analyzer : Analyzer
        Provides ``system``, ``grids``, ``target_vars``, ``target_pars``,
        ``options`` and the simulation ``dt``.
    """

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.system = analyzer.system
        self.options = analyzer.options
        self._derivatives = None
        self._stops = []

    # ------------------------------------------------------------ grid points
    def parameter_batch(self):
        """Every grid combination of the free parameters, as flat arrays."""
        grids = [self.analyzer.grids[p] for p in self.system.free]
        mesh = np.meshgrid(*grids, indexing="ij")
        return [m.ravel() for m in mesh]

    def grid_equilibria(self, P):
        """Equilibria for all parameter combinations: rows into P and points."""
        system, options = self.system, self.options
        found = batched_equilibria(system, self.analyzer.grids, P, options["fl_tol"])
        if found is None:
            found = self._numeric_equilibria(P)
        return accept(system, found[0], found[1], P, self._ranges(), options)

    def _seed_grids(self):
        grids = {u: self.analyzer.grids[u] for u in self.system.unknowns}
        size = np.prod([g.size for g in grids.values()])
        if size > _MAX_SEED_GRID:
            side = int(np.sqrt(_MAX_SEED_GRID))
            grids = {u: np.linspace(g[0], g[-1], min(side, g.size)) for u, g in grids.items()}
        return grids

    def _numeric_equilibria(self, P):
        """Without a SymPy reduction: seeds on a few parameter values, continuation, sampling.

        Two parameters are handled slice by slice along the parameter with fewer
        grid values; each slice starts from the previous slice's equilibria
        and searches new seeds at three values only.
        """
        system = self.system
        if len(system.free) == 1:
            return self._numeric_slice(system, self.analyzer.grids[system.free[0]],
                                       np.arange(len(P[0])), _SEED_VALUES, [])
        grids = [self.analyzer.grids[p] for p in system.free]
        held = 0 if len(grids[0]) <= len(grids[1]) else 1
        moving_grid = grids[1 - held]
        rows_out, points_out, previous = [], [], []
        for i, value in enumerate(grids[held]):
            if held == 0:
                row_ids = i * len(grids[1]) + np.arange(len(grids[1]))
            else:
                row_ids = np.arange(len(grids[0])) * len(grids[1]) + i
            piece = ParameterSlice(system, held, value)
            rows, points = self._numeric_slice(piece, moving_grid, row_ids,
                                               _SEED_VALUES if i == 0 else 3, previous)
            position = {row: k for k, row in enumerate(row_ids)}
            previous = [np.append(point, moving_grid[position[row]])
                        for row, point in zip(rows, points)]
            rows_out.append(rows)
            points_out.append(points)
        return np.concatenate(rows_out), np.vstack(points_out)

    def _numeric_slice(self, system, grid, row_ids, seed_values, seeds):
        """Equilibria of a one-parameter (slice) system at every value of ``grid``."""
        seed_grids = self._seed_grids()
        n = system.dim
        if len(seeds):
            # the previous slice's equilibria, moved onto this slice (same parameter values)
            seeds = np.array(seeds)
            moved, ok = newton(lambda z, i: system.f(list(z.T), [seeds[i, n]]).T,
                               lambda z, i: system.jacobian(list(z.T), [seeds[i, n]]),
                               seeds[:, :n])
            seeds = [np.append(x, p) for x, p in zip(moved[ok], seeds[ok, n])]
        seeds = list(seeds)
        for value in grid[np.unique(np.linspace(0, len(grid) - 1, seed_values).astype(int))]:
            points = find_fixed_points(system, seed_grids, self.analyzer.target_vars,
                                       self.options, [value])
            seeds.extend(np.append(p, value) for p in points)
        if not seeds:
            return np.zeros(0, dtype=int), np.zeros((0, n))
        branches = equilibrium_branches(system, np.array(seeds), self._box(grid))
        guesses, indices = [], []
        for branch, tangents in branches:
            # the exact folds split the branch into pieces monotone in the parameter
            folds = locate_special_points(system, branch, tangents, kinds=("fold",),
                                          positions=True)
            branch, _ = with_special_points(branch, tangents, folds)
            p = branch[:, n]
            for k in range(len(branch) - 1):
                low, high = sorted((p[k], p[k + 1]))
                inside = np.flatnonzero((grid >= low) & (grid <= high))
                if inside.size == 0 or p[k] == p[k + 1]:
                    continue
                weight = (grid[inside] - p[k]) / (p[k + 1] - p[k])
                guesses.append(branch[k, :n] + weight[:, None] * (branch[k + 1, :n] -
                                                                 branch[k, :n]))
                indices.append(inside)
        if not guesses:
            return np.zeros(0, dtype=int), np.zeros((0, n))
        indices = np.concatenate(indices)
        values = grid[indices]
        polished, ok = newton(lambda z, i: system.f(list(z.T), [values[i]]).T,
                              lambda z, i: system.jacobian(list(z.T), [values[i]]),
                              np.vstack(guesses))
        return row_ids[indices][ok], polished[ok]

    def _ranges(self):
        """Ranges of the unknowns that bound a diagram's branches and points.

        The first target variable (the diagram's vertical axis) is bounded by
        its range. The ranges of the other variables only seed the search: as
        in BrainPy, where those variables are solved from the first one, a
        branch may leave them (the Hindmarsh-Rose fast subsystem's resting
        branch reaches y = -31 with y given as [-10, 5] in manual ch. 4), so
        they are widened by ten spans on either side.
        """
        ranges = {}
        for k, u in enumerate(self.system.unknowns):
            low, high = (float(v) for v in self.analyzer.target_vars[u])
            if k > 0:
                span = high - low
                low, high = low - _SECONDARY_WIDENING * span, high + _SECONDARY_WIDENING * span
            ranges[u] = (low, high)
        return ranges

    def _box(self, parameter_grid):
        """The ``(unknowns..., parameter)`` box branches are followed in."""
        ranges = list(self._ranges().values())
        ranges.append((parameter_grid[0], parameter_grid[-1]))
        return np.array(ranges, dtype=float)

    # ------------------------------------------------------------- diagram
    def points_dict(self, rows, points, P, kinds):
        """The manual's ``{stability type: {name: array}}`` dict."""
        out = {}
        names = list(self.system.free) + list(self.system.unknowns)
        columns = [par[rows] for par in P] + [points[:, i] for i in range(points.shape[1])]
        for kind in stability_types_of(self.system.dim):
            mask = kinds == kind
            out[kind] = {name: column[mask] for name, column in zip(names, columns)}
        return out

    def build(self):
        """Compute the diagram.

        Returns
        -------
        BifurcationDiagram
        """
        system = self.system
        P = self.parameter_batch()
        rows, points = self.grid_equilibria(P)
        if len(points):
            jac = system.jacobian(list(points.T), [par[rows] for par in P])
            kinds = classify(jac)
        else:
            kinds = np.zeros(0, dtype=object)
        points_dict = self.points_dict(rows, points, P, kinds)
        branches, specials, envelopes = (), (), ()
        self._stops = []
        if self.options["continuation"] and len(points):
            seeds = np.hstack([points, np.stack([par[rows] for par in P], axis=1)])
            if len(system.free) == 1:
                branches, specials = self._codim1_continuation(seeds)
            else:
                branches, specials = self._codim2_continuation(seeds)
        cycles = ()
        if (len(system.free) == 1 and system.dim >= 2 and self.options["limit_cycles"]
                and len(points)):
            if self.options["cycle_envelope"] == "simulation":
                envelopes = (self.cycle_envelope(rows, points, P[0], kinds),)
            else:
                cycles, found = self.cycle_branches(rows, points, P[0], kinds, specials)
                specials = tuple(specials) + tuple(found)
                envelopes = (stable_envelope(cycles, system.free[0], system.unknowns),)
        notes = list(dict.fromkeys(self._stops))
        if not len(points):
            notes.insert(0, self._no_equilibria_note())
        for note in notes:
            warnings.warn(note, ContinuationWarning if note in self._stops else AnalysisWarning,
                          stacklevel=4)
        return BifurcationDiagram(system.free, system.unknowns, points_dict, tuple(branches),
                                  tuple(specials), envelopes, tuple(cycles), notes=tuple(notes))

    def _no_equilibria_note(self):
        box = ", ".join(f"{u} in [{lo:g}, {hi:g}]"
                        for u, (lo, hi) in self.analyzer.target_vars.items())
        pars = ", ".join(f"{p} in [{self.analyzer.grids[p][0]:g}, {self.analyzer.grids[p][-1]:g}]"
                         for p in self.system.free)
        return (f"{self.system.signature}: no equilibrium in the box {box} for {pars}; "
                f"widen `target_vars` or change the parameters")

    def _codim1_continuation(self, seeds):
        system = self.system
        n = system.dim
        par = system.free[0]
        box = self._box(self.analyzer.grids[par])
        branches, found = [], []
        for points, tangents in equilibrium_branches(system, seeds, box, stops=self._stops):
            located = locate_special_points(system, points, tangents, positions=True,
                                            kinds=("fold", "hopf", "branch_point"))
            found.extend(item[1:] for item in located)
            points, _ = with_special_points(points, tangents, located)   # drawn through them
            eigenvalues, kinds = branch_stability(system, points)
            values = {par: points[:, n]}
            values.update({u: points[:, i] for i, u in enumerate(system.unknowns)})
            branches.append(Branch("equilibrium", values, kinds, eigenvalues))
        return branches, self._label(found, box)

    def _label(self, found, box):
        """Drop duplicates, sort by (first) parameter value and label LP1.., H1.., BT1.."""
        system = self.system
        n = system.dim
        span = box[:, 1] - box[:, 0]
        unique = []
        for kind, u, eig in sorted(found, key=lambda item: item[1][n]):
            inside = np.all(u >= box[:, 0] - 1e-9 * span) and np.all(u <= box[:, 1] + 1e-9 * span)
            if not inside:
                continue
            # a branch point is found on both branches through it, less exactly (bisection)
            tolerance = 1e-6 if kind == "branch_point" else 1e-7
            if any(k == kind and np.linalg.norm((u - v) / span) < tolerance for k, v, _ in unique):
                continue
            unique.append((kind, u, eig))
        counts = dict.fromkeys(LABEL_PREFIXES, 0)
        specials = []
        for kind, u, eig in unique:
            counts[kind] += 1
            label = f"{LABEL_PREFIXES[kind]}{counts[kind]}"
            values = {p: u[n + j] for j, p in enumerate(system.free)}
            values.update({name: u[i] for i, name in enumerate(system.unknowns)})
            extra = {}
            if kind in ("hopf", "bautin"):
                l1, scale = first_lyapunov(self.derivatives(), u[:n], u[n:])
                extra = dict(first_lyapunov=l1, criticality=criticality(l1, scale))
            specials.append(SpecialPoint(kind, values, eig, label, **extra))
        return specials

    def derivatives(self):
        """The system's :class:`~workbench.analysis.normal_form.Derivatives` (made once)."""
        if self._derivatives is None:
            self._derivatives = Derivatives(self.system)
        return self._derivatives

    def _codim2_continuation(self, seeds):
        """Fold and Hopf curves from special points of one-parameter slices, and codim-2 points.

        Slices at five values of each parameter (the box edges, quarters and
        middle) seed the curves; a curve is traced once however many seeds lie
        on it.
        """
        system = self.system
        n = system.dim
        grids = [self.analyzer.grids[p] for p in system.free]
        box = np.vstack([self._box(grids[0])[:n],
                         [[grids[0][0], grids[0][-1]], [grids[1][0], grids[1][-1]]]])
        starts = []
        for held in (0, 1):
            moving = 1 - held
            held_grid = grids[held]
            picks = np.unique(np.linspace(0, len(held_grid) - 1, _CODIM2_SLICES).astype(int))
            for value in held_grid[picks]:
                mask = np.isclose(seeds[:, n + held], value)
                if not np.any(mask):
                    continue
                piece = ParameterSlice(system, held, value)
                slice_seeds = seeds[mask][:, list(range(n)) + [n + moving]]
                slice_box = np.vstack([box[:n], box[n + moving]])
                # seeds only: longer steps (the special points are solved for exactly)
                for points, tangents in equilibrium_branches(piece, slice_seeds, slice_box,
                                                             ds_max=0.08):
                    for kind, u, _ in locate_special_points(piece, points, tangents):
                        full = np.empty(n + 2)
                        full[:n] = u[:n]
                        full[n + held] = value
                        full[n + moving] = u[n]
                        starts.append((kind, full))
        # then seeds from the whole grid: closed curves crossing none of the slices
        starts += grid_seeds(system, seeds, box)
        curves, found = bifurcation_curves(system, self.derivatives(), starts, box,
                                           stops=self._stops)
        branches = []
        for kind, points in curves:
            values = {p: points[:, n + j] for j, p in enumerate(system.free)}
            values.update({u: points[:, i] for i, u in enumerate(system.unknowns)})
            branches.append(Branch(kind, values, np.zeros(0, dtype=object),
                                   np.zeros((0, n), dtype=complex)))
        return branches, self._label(found, box)

    # --------------------------------------------------------------- cycles
    def cycle_branches(self, rows, points, parameter_values, kinds, specials):
        """Cycle branches from the Hopf points and from cycles found by simulation.

        Parameters
        ----------
        rows, points, parameter_values, kinds
            As for :meth:`cycle_envelope`.
        specials : sequence of SpecialPoint
            The equilibrium branches' special points (the Hopf points start branches).

        Returns
        -------
        (tuple of Branch, list of SpecialPoint)
        """
        system = self.system
        grid = self.analyzer.grids[system.free[0]]
        found, P0 = self._simulated_cycles(rows, points, parameter_values, kinds)
        seeds = [(P0[i, 0], item[0], item[1], item[2], item[3])
                 for i, item in enumerate(found) if item is not None]
        spans = np.array([hi - lo for lo, hi in self.analyzer.target_vars.values()])
        settings = {"intervals": self.options["cycle_intervals"]}
        return diagram_cycles(system, [p for p in specials if p.kind == "hopf"],
                              (grid[0], grid[-1]), spans, settings, seeds)

    def cycle_envelope(self, rows, points, parameter_values, kinds):
        """Limit-cycle envelope from simulations started near unstable equilibria.

        Parameters
        ----------
        rows, points : numpy.ndarray
            Grid equilibria (rows index ``parameter_values``).
        parameter_values : numpy.ndarray
            Values of the (single) free parameter per row.
        kinds : numpy.ndarray
            Stability type of each equilibrium.

        Returns
        -------
        CycleEnvelope
        """
        found, P0 = self._simulated_cycles(rows, points, parameter_values, kinds)
        spans = np.array([hi - lo for lo, hi in self.analyzer.target_vars.values()])
        return _envelope_from(found, P0, self.system, spans)

    def _simulated_cycles(self, rows, points, parameter_values, kinds):
        """Cycles found by simulation: per start ``(period, max, min, state)`` or None."""
        system = self.system
        par = system.free[0]
        grid = self.analyzer.grids[par]
        wanted = np.linspace(grid[0], grid[-1], self.options["cycle_samples"])
        nearest = np.unique(np.abs(grid[:, None] - wanted[None, :]).argmin(axis=0))
        unstable = np.array([not (k.startswith("stable") or k == "center") for k in kinds],
                            dtype=bool)
        chosen = np.flatnonzero(np.isin(rows, nearest) & unstable)
        spans = np.array([hi - lo for lo, hi in self.analyzer.target_vars.values()])
        # two starts per unstable equilibrium: near it, and a quarter of the box away
        offsets = np.array([0.02, 0.25])
        X0 = (points[chosen][None, :, :] + offsets[:, None, None] * spans).reshape(-1, len(spans))
        P0 = np.tile(parameter_values[rows[chosen]], len(offsets))[:, None]
        sample = np.tile(rows[chosen], len(offsets))
        box = np.array([[lo - 10 * (hi - lo), hi + 10 * (hi - lo)]
                        for lo, hi in self.analyzer.target_vars.values()])
        found = _one_per_sample(sample_cycles(system, X0, P0, sample, spans, box=box), sample)
        # second pass: every sample without a cycle starts on the nearest cycle found, which
        # reaches cycles that coexist with stable equilibria or lie far from the equilibria
        solved = {row: item for row, item in zip(sample, found) if item is not None}
        pending = np.array([row for row in nearest if row not in solved], dtype=int)
        if solved and pending.size:
            known = np.array(sorted(solved))
            closest = known[np.abs(parameter_values[known][None, :] -
                                   parameter_values[pending][:, None]).argmin(axis=1)]
            X1 = np.array([solved[row][3] for row in closest])
            P1 = parameter_values[pending][:, None]
            more = sample_cycles(system, X1, P1, pending, spans, box=box)
            found, P0 = found + more, np.vstack([P0, P1])
        return found, P0


def _unstable_points(diagram, system):
    """Grid equilibria that are not stable: states ``(k, n)`` and parameter arrays."""
    names = list(system.free) + list(system.unknowns)
    columns = {name: [] for name in names}
    for kind, values in diagram.points.items():
        if not (kind.startswith("stable") or kind == "center"):
            for name in names:
                columns[name].append(values[name])
    stacked = {name: np.concatenate(c) if c else np.zeros(0) for name, c in columns.items()}
    points = np.stack([stacked[u] for u in system.unknowns], axis=1)
    return points, [stacked[p] for p in system.free]


def _one_per_sample(found, sample):
    """Keep the first cycle found for each sample."""
    seen = set()
    out = []
    for item, key in zip(found, sample):
        if item is not None and key not in seen:
            seen.add(key)
            out.append(item)
        else:
            out.append(None)
    return out


def _envelope_from(found, P0, system, spans):
    """Collect detected cycles (amplitude above 1e-3 of the range) into a CycleEnvelope."""
    keep = [i for i, item in enumerate(found)
            if item is not None and np.max((item[1] - item[2]) / spans) > 1e-3]
    names = system.unknowns
    parameters = {p: P0[keep, j] for j, p in enumerate(system.free)}
    maxima = {v: np.array([found[i][1][k] for i in keep]) for k, v in enumerate(names)}
    minima = {v: np.array([found[i][2][k] for i in keep]) for k, v in enumerate(names)}
    periods = np.array([found[i][0] for i in keep])
    return CycleEnvelope(parameters, maxima, minima, periods)


class Bifurcation(Analyzer):
    """A tool class for bifurcation analysis.

    Codimension 1 (one target parameter) or 2 (two target parameters) of a
    one- or two-dimensional system (other variables fixed). Externally
    injected current is treated as a model parameter.

    Parameters
    ----------
    integrals : integral, callable or list of them
        Integrals made by ``bp.odeint`` (or plain derivative functions).
    target_pars : dict
        ``{'par1': [min, max]}`` or two such entries. Besides the arguments
        after ``t``, numeric module constants the derivative reads (such as
        ``a`` in the manual's FHN example) can be targets.
    target_vars : dict
        ``{'var1': [min, max]}`` (one or two variables).
    fixed_vars : dict, optional
        ``{var: value}`` for the other variables.
    pars_update : dict, optional
        ``{par: value}`` for the other parameters.
    numerical_resolution : float or dict, optional
        Grid step for every variable and parameter, or per name (a step or
        an array of grid values).
    options : dict, optional
        The manual's ``perturbation``, ``sympy_solver_timeout``,
        ``escape_sympy_solver``, ``lim_scale``, ``shgo_args``, ``show_shgo``,
        ``fl_tol``, ``xl_tol``, and workbench's ``verbose``, ``continuation``
        (continue branches and locate folds/Hopf points, default True),
        ``limit_cycles`` (codim-1 periodic orbits, default True),
        ``cycle_envelope`` (``'continuation'``, the default: cycle branches
        continued by collocation from the Hopf points and from the cycles
        simulation finds, with Floquet multipliers and LPC/PD/NS/homoclinic
        points; ``'simulation'``: only the envelope of the cycles found by
        simulation), ``cycle_intervals`` (collocation mesh intervals, default
        40) and ``cycle_samples`` (parameter values simulated, default 40).

    Examples
    --------
    >>> analyzer = bp.analysis.Bifurcation(int_fhn, target_pars={'Iext': [0., 1.]},
    ...     target_vars={'V': [-3, 3], 'w': [-3., 3.]}, numerical_resolution=0.001)  # doctest: +SKIP
    >>> points = analyzer.plot_bifurcation()                                # doctest: +SKIP
    >>> analyzer.result.special('hopf')[0].values['Iext']                   # doctest: +SKIP
    0.3312...

    A parameter that is not a target can be changed and everything recomputed
    without deriving or compiling again::

        analyzer.update_pars({'tau': 10.0})      # if tau was in pars_update
        diagram = analyzer.compute_bifurcation()
    """

    def __init__(self, integrals, target_pars, target_vars, fixed_vars=None, pars_update=None,
                 numerical_resolution=0.1, options=None):
        super().__init__(integrals, target_vars, target_pars, fixed_vars, pars_update,
                         numerical_resolution, options, max_vars=2, max_pars=2, min_pars=1)
        self._builder = DiagramBuilder(self)
        self._diagram = None
        self._axes = {}
        self._plotted = None        # what plot_bifurcation() last returned (BrainPy's `res`)

    def _on_update(self):
        super()._on_update()
        self._diagram = None

    def simulation_dt(self):
        """Time step of the simulations: the integral's ``dt`` or the default ``dt``.

        Returns
        -------
        float
        """
        return self._stepper(self.system.unknowns).dt

    def compute_bifurcation(self):
        """The bifurcation diagram (cached until a parameter changes).

        Returns
        -------
        BifurcationDiagram
        """
        if self._diagram is None:
            self._diagram = self._builder.build()
        return self._diagram

    @property
    def result(self):
        """The bifurcation diagram (computed on first access).

        Returns
        -------
        BifurcationDiagram
        """
        return self.compute_bifurcation()

    def compute_cycle_branch(self, cycle, value):
        """Continue the family of periodic orbits through a given cycle (beyond BrainPy).

        The cycle (for example one found by simulation, or by
        :class:`~workbench.analysis.PhasePlane`) is corrected onto a periodic
        orbit by collocation at the given parameter value and continued both
        ways, as the branches from the Hopf points are (see
        :mod:`workbench.analysis.cycles`).

        Parameters
        ----------
        cycle : LimitCycle or dict
            One period: a :class:`~workbench.analysis.results.LimitCycle`, or
            ``{'ts': array, 'values': {var: array}, 'period': float}``, with
            every target variable.
        value : float
            The bifurcation parameter's value at which the cycle exists.

        Returns
        -------
        (Branch, list of SpecialPoint)
            A branch with ``kind='cycle'`` and its special points
            (``'cycle_fold'``, ``'period_doubling'``, ``'torus'``,
            ``'homoclinic'``).

        Raises
        ------
        AnalysisError
            For a codimension-2 analysis, a value outside the parameter's
            range, a cycle without a target variable, or when the cycle
            cannot be corrected onto a periodic orbit.
        """
        system = self.system
        if len(system.free) != 1:
            raise AnalysisError(f"compute_cycle_branch needs one bifurcation parameter; this "
                                f"analysis has {len(system.free)}: {choices(system.free)}.")
        par = system.free[0]
        low, high = self.target_pars[par]
        if not (isinstance(value, (int, float, np.floating, np.integer))
                and not isinstance(value, (bool, np.bool_)) and low <= float(value) <= high):
            raise AnalysisError(f"`value`={value!r} must be a number in the range of {par!r}, "
                                f"[{low}, {high}].")
        if isinstance(cycle, dict):
            ts, values, period = cycle.get("ts"), cycle.get("values"), cycle.get("period")
        else:
            ts, values, period = (getattr(cycle, k, None) for k in ("ts", "values", "period"))
        if ts is None or not isinstance(values, dict) or period is None:
            raise AnalysisError(f"`cycle`={type(cycle).__name__} must be a LimitCycle or a dict "
                                f"with 'ts', 'values' and 'period'.")
        missing = [u for u in system.unknowns if u not in values]
        if missing:
            raise AnalysisError(f"`cycle` has no values of {choices(missing)}; it needs every "
                                f"target variable: {choices(system.unknowns)}.")
        grid = self.grids[par]
        spans = np.array([hi - lo for lo, hi in self.target_vars.values()])
        samples = np.stack([np.asarray(values[u], dtype=float) for u in system.unknowns], axis=1)
        branch, specials = cycle_branch_from_orbit(
            system, np.asarray(ts, dtype=float), samples, float(period), float(value),
            (grid[0], grid[-1]), spans, {"intervals": self.options["cycle_intervals"]})
        if branch is None:
            raise AnalysisError(f"`cycle` (period {float(period):.6g}) could not be corrected "
                                f"onto a periodic orbit at {par}={float(value):.6g}; give one "
                                f"period of a settled cycle at that value.")
        return branch, specials

    def plot_bifurcation(self, show=False):
        """Plot bifurcation, which support bifurcation analysis of co-dimension 1 and co-dimension 2.

        Codimension 1: one figure per target variable (equilibria by stability
        type, continued branches, LP/H labels, and the cycle branches' max and
        min, stable solid and unstable dashed, with LPC/PD/NS/HC labels; the
        simulated envelope with ``options={'cycle_envelope': 'simulation'}``).
        Codimension 2: one 3-D figure per variable and one figure of the fold
        and Hopf curves in the parameter plane.

        Parameters
        ----------
        show : bool
            Whether show the bifurcation figure.

        Returns
        -------
        dict
            The bifurcation points ``{stability type: {name: array}}`` keyed as in
            BrainPy: the parameter values under ``'p'`` (codimension 1) or
            ``'p0'``, ``'p1'`` (codimension 2), and under the parameters' own
            names too, then the variables. :meth:`plot_limit_cycle_by_sim`
            adds ``'limit_cycle'`` to this dict.
        """
        import matplotlib.pyplot as plt
        from ..visualize import analysis as draw
        self._log("plot bifurcation ...")
        diagram = self.compute_bifurcation()
        for var in diagram.variables:
            figure = plt.figure()
            if diagram.codimension == 1:
                ax = draw.draw_bifurcation(diagram, var, ax=figure.add_subplot(),
                                           lim=self._axis_limits(var))
                ax.set_xlim(*self._axis_limits(diagram.parameters[0]))
            else:
                ax = draw.draw_bifurcation_3d(diagram, var,
                                              ax=figure.add_subplot(projection="3d"))
            self._axes[var] = ax
        if diagram.codimension == 2:
            plt.figure()
            ax = draw.draw_codim2_curves(diagram)
            ax.set_xlim(*self._axis_limits(diagram.parameters[0]))
            ax.set_ylim(*self._axis_limits(diagram.parameters[1]))
        if show:
            plt.show()
        self._plotted = _brainpy_keyed(diagram.points, diagram.parameters)
        return self._plotted

    def compute_limit_cycles(self, var, duration=100, inputs=(), tol=0.001):
        """Limit cycles by simulation from the unstable equilibria of the grid.

        Every parameter grid value with an unstable equilibrium is simulated
        once (all at the same time), starting 5% of the variable ranges away
        from the equilibrium; the second half of the run is searched for a
        periodic orbit.

        Parameters
        ----------
        var : str
            The target variable whose extent is reported.
        duration : float or (start, end)
            Simulated time.
        inputs : tuple or list
            ``(name, value)`` or ``(name, value, operation)`` (operation one
            of ``'='``, ``'+'``, ``'-'``, ``'*'``, ``'/'``), or a list of them:
            changes of non-target parameters for the simulation.
        tol : float
            Tolerance to recognise periodic signals.

        Returns
        -------
        CycleEnvelope
        """
        if var not in self.system.unknowns:
            raise AnalysisError(f"`var`={var!r} is not a target variable; choose one of "
                                f"{', '.join(map(repr, self.system.unknowns))}.")
        diagram = self.compute_bifurcation()
        span = normalize_durations(duration, 1)[0]
        overrides = self._inputs_to_constants(inputs)
        system = self.system
        points, P = _unstable_points(diagram, system)
        spans = np.array([hi - lo for lo, hi in self.target_vars.values()])
        if len(points) == 0:
            return _envelope_from([], np.zeros((0, len(P))), system, spans)
        starts = points + 0.05 * spans
        with self._temporary_constants(overrides):
            env = dict(system.constants)
            env.update({p: P[j] for j, p in enumerate(system.free)})
            ts, history = simulate(self._stepper(system.unknowns),
                                   {u: starts[:, i] for i, u in enumerate(system.unknowns)},
                                   env, span)
        found = []
        for j in range(len(starts)):
            series = {u: history[u][:, j] for u in system.unknowns}
            cycle = detect_cycle(ts, series, tol)
            if cycle is None:
                found.append(None)
                continue
            _, start, stop = cycle
            block = np.stack([series[u][start:stop] for u in system.unknowns], axis=1)
            found.append((cycle[0], block.max(axis=0), block.min(axis=0)))
        return _envelope_from(found, np.stack(P, axis=1), system, spans)

    def _inputs_to_constants(self, inputs):
        """Parameter changes ``{name: value}`` from the manual-style ``inputs``."""
        if not inputs:
            return {}
        items = [inputs] if isinstance(inputs[0], str) else list(inputs)
        operations = {"=": lambda old, v: v, "+": lambda old, v: old + v,
                      "-": lambda old, v: old - v, "*": lambda old, v: old * v,
                      "/": lambda old, v: old / v}
        constants = self.system.constants
        out = {}
        for item in items:
            if len(item) not in (2, 3) or item[0] not in constants or item[0] in self.fixed_vars:
                raise AnalysisError(f"`inputs` entry {item!r}: give (name, value) or (name, value, "
                                    f"operation) for a non-target parameter, one of "
                                    f"{', '.join(repr(c) for c in constants if c not in self.fixed_vars)}.")
            operation = item[2] if len(item) == 3 else "="
            if operation not in operations:
                raise AnalysisError(f"`inputs` entry {item!r}: operation {operation!r} is not one "
                                    f"of '=', '+', '-', '*', '/'.")
            out[item[0]] = operations[operation](out.get(item[0], constants[item[0]]),
                                                 float(item[1]))
        return out

    def plot_limit_cycle_by_sim(self, var, duration=100, inputs=(), plot_style=None, tol=0.001,
                                show=False):
        """Plot limit cycles by the simulation results.

        Parameters
        ----------
        var : str
            The target variable to found its limit cycles.
        duration : int, float, tuple, list
            The simulation duration.
        inputs : tuple, list
            The simulation inputs: parameter changes ``(name, value[, op])``.
        plot_style : dict, optional
            Line style of the envelope (matplotlib keywords).
        tol : float
            The tolerance to found periodic signals.
        show : bool
            Whether show the figure.

        Returns
        -------
        CycleEnvelope
            The cycles found. As in BrainPy, the result of
            :meth:`plot_bifurcation` also gets a ``'limit_cycle'`` entry: the
            parameter values with a cycle (``'p'`` or ``'p0'``, ``'p1'``, and
            the parameters' names), each variable's ``'<var>_max'`` and
            ``'<var>_min'``, and ``'period'``.
        """
        import matplotlib.pyplot as plt
        self._log("plot limit cycle ...")
        envelope = self.compute_limit_cycles(var, duration, inputs, tol)
        if self._plotted is None:
            diagram = self.compute_bifurcation()
            self._plotted = _brainpy_keyed(diagram.points, diagram.parameters)
        self._plotted["limit_cycle"] = _limit_cycle_entry(envelope, self.system.free)
        if len(envelope) == 0:
            self._log("No limit cycle found.")
        style = {"color": "tab:purple", "marker": "o", "ms": 3, "linestyle": "none"}
        style.update(plot_style or {})
        ax = self._axes.get(var)
        if ax is None or not plt.fignum_exists(ax.figure.number):
            ax = plt.figure().add_subplot(
                projection="3d" if self.compute_bifurcation().codimension == 2 else None)
        if self.compute_bifurcation().codimension == 1:
            par = self.system.free[0]
            ax.plot(envelope.parameters[par], envelope.maxima[var], label="limit cycle max", **style)
            ax.plot(envelope.parameters[par], envelope.minima[var], label="limit cycle min", **style)
            ax.set_xlabel(par)
        else:
            p1, p2 = self.system.free
            ax.scatter(envelope.parameters[p1], envelope.parameters[p2], envelope.maxima[var],
                       color=style["color"], s=4)
            ax.scatter(envelope.parameters[p1], envelope.parameters[p2], envelope.minima[var],
                       color=style["color"], s=4)
            ax.set_xlabel(p1)
            ax.set_ylabel(p2)
        ax.set_ylabel(var) if self.compute_bifurcation().codimension == 1 else ax.set_zlabel(var)
        if show:
            plt.show()
        return envelope


def _brainpy_keys(parameters):
    """BrainPy's keys of the parameter values: ``'p'``, or ``'p0'``, ``'p1'``."""
    return ["p"] if len(parameters) == 1 else [f"p{i}" for i in range(len(parameters))]


def _brainpy_keyed(points, parameters):
    """``{kind: {name: array}}`` with the parameters first under BrainPy's keys.

    BrainPy's keys take precedence over a parameter or variable of the same name.
    """
    keyed = {}
    for kind, values in points.items():
        entry = {key: values[par] for key, par in zip(_brainpy_keys(parameters), parameters)}
        entry.update({name: array for name, array in values.items() if name not in entry})
        keyed[kind] = entry
    return keyed


def _limit_cycle_entry(envelope, parameters):
    """BrainPy's ``res['limit_cycle']`` from a :class:`CycleEnvelope`."""
    entry = {key: envelope.parameters[par]
             for key, par in zip(_brainpy_keys(parameters), parameters)}
    for par in parameters:
        entry.setdefault(par, envelope.parameters[par])
    for var in envelope.maxima:
        entry.setdefault(f"{var}_max", envelope.maxima[var])
        entry.setdefault(f"{var}_min", envelope.minima[var])
    entry.setdefault("period", envelope.periods)
    return entry
