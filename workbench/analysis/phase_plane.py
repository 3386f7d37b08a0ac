"""Phase-plane analysis of one- and two-dimensional systems (manual ch. 4.1, 14.2).

:class:`PhasePlane` computes result objects (:mod:`~workbench.analysis.results`)
with its ``compute_*`` methods; the ``plot_*`` methods of the manual compute,
draw with :mod:`workbench.visualize.analysis` and return the data.
"""

import numpy as np

from ..errors import AnalysisError
from .base import Analyzer
from .contour import zero_contour
from .equilibria import (equilibrium_lines, find_fixed_points, in_range, off_lines,
                         singular_lines)
from .results import (EquilibriumLine, FixedPoint, FixedPoints, Nullcline, Nullclines,
                      PhasePlaneResult, VectorField)
from .simulate import limit_cycles_from
from .stability import classify

__all__ = ["PhasePlane"]

#: Curves from SymPy solutions are sampled with at least this many points.
_MIN_CURVE_POINTS = 1000


def _fine_grid(grid):
    """The grid, refined to at least _MIN_CURVE_POINTS for smooth curves."""
    if grid.size >= _MIN_CURVE_POINTS:
        return grid
    return np.linspace(grid[0], grid[-1], _MIN_CURVE_POINTS)


def _nan_separated(x, y, valid):
    """Keep valid points; one NaN marks each gap between runs of valid points."""
    keep = valid.copy()
    starts = np.flatnonzero(valid[1:] & ~valid[:-1]) + 1     # first point after a gap
    x = np.where(valid, x, np.nan)
    y = np.where(valid, y, np.nan)
    if np.any(valid):
        keep[starts - 1] = True                                  # one NaN before each run
        first = np.argmax(valid)
        keep[:first] = False
    return x[keep], y[keep]


class PhasePlane(Analyzer):
    """A tool class for phase plane analyzer.

    Analyses 1-D and 2-D systems; a higher-dimensional model is analysed in
    the plane of two (or one) of its variables with the others fixed.

    Parameters
    ----------
    integrals : integral, callable or list of them
        Integrals made by ``bp.odeint`` (or plain derivative functions
        ``f(vars..., t, pars...)``).
    target_vars : dict
        ``{'var1': [var_min, var_max], 'var2': [var_min, var_max]}`` (one or
        two variables).
    fixed_vars : dict, optional
        ``{var: value}`` for every other variable of the model.
    pars_update : dict, optional
        ``{par: value}`` for parameters (or numeric module constants the
        derivative reads).
    numerical_resolution : float or dict, optional
        Grid step of every variable, or ``{var: step or array}``.
    options : dict, optional
        ``lim_scale``, ``sympy_solver_timeout``, ``escape_sympy_solver``,
        ``shgo_args``, ``show_shgo``, ``perturbation``, ``fl_tol``, ``xl_tol``
        (manual ch. 14) and ``verbose`` (print the manual's messages, default
        True).

    Raises
    ------
    AnalysisError
        For more than two target variables, names the model lacks, empty or
        reversed ranges, bad resolutions or options.

    Examples
    --------
    >>> pp = bp.analysis.PhasePlane(int_fhn, target_vars={'V': [-3, 3], 'w': [-3, 3]},
    ...                             pars_update={'Iext': 0.8})           # doctest: +SKIP
    >>> pp.plot_fixed_point()                                           # doctest: +SKIP
    Fixed point #1 at V=-0.2729009589972976, w=0.533873801253378 is a unstable node.

    To recompute after a parameter change (nothing is derived again)::

        pp.update_pars({'Iext': 0.9})
        result = pp.compute_phase_plane()
    """

    def __init__(self, integrals, target_vars, fixed_vars=None, pars_update=None,
                 numerical_resolution=0.1, options=None):
        if isinstance(target_vars, dict) and len(target_vars) > 2:
            raise AnalysisError(f"`target_vars` has {len(target_vars)} variables "
                                f"({', '.join(map(repr, target_vars))}); a phase plane shows one "
                                f"or two. Fix the others with `fixed_vars`.")
        super().__init__(integrals, target_vars, None, fixed_vars, pars_update,
                         numerical_resolution, options, max_vars=2, max_pars=0)
        self.dim = len(self.target_vars)
        self._trajectory_request = None
        self._cache = {}

    def _on_update(self):
        super()._on_update()
        self._cache.clear()

    # ------------------------------------------------------------ computing
    def compute_nullclines(self):
        """Nullclines of a 2-D system.

        Returns
        -------
        Nullclines

        Raises
        ------
        AnalysisError
            For a one-dimensional system.
        """
        if self.dim != 2:
            raise AnalysisError("nullclines exist for two target variables; this phase plane "
                                f"has one ({next(iter(self.target_vars))!r}).")
        if "nullclines" not in self._cache:
            x_name, y_name = self.system.unknowns
            curves = tuple(self._nullcline(var) for var in self.system.unknowns)
            self._cache["nullclines"] = Nullclines(x_name, y_name, curves)
        return self._cache["nullclines"]

    def _nullcline(self, variable):
        system = self.system
        x_name, y_name = system.unknowns
        index = system.unknowns.index(variable)
        for solved, along in ((y_name, x_name), (x_name, y_name)):
            solution = system.solve(variable, solved)
            if solution is None:
                continue
            grid = _fine_grid(self.grids[along])
            xs, ys = [], []
            for branch in range(len(solution.functions)):
                values = system.evaluate_solution(solution, branch, [grid])
                valid = np.isfinite(values) & in_range(values, self.target_vars[solved])
                curve = {along: grid, solved: values}
                x, y = _nan_separated(curve[x_name], curve[y_name], valid)
                xs.append(np.append(x, np.nan))
                ys.append(np.append(y, np.nan))
            for line in self._nullcline_lines(solution, index, along, solved):
                xs.append(np.append(line[x_name], np.nan))
                ys.append(np.append(line[y_name], np.nan))
            x, y = np.concatenate(xs)[:-1], np.concatenate(ys)[:-1]
            return Nullcline(variable, x, y, "sympy")

        def component(x, y):
            return system.f([x, y])[index]
        x, y = zero_contour(component, self.grids[x_name], self.grids[y_name])
        return Nullcline(variable, x, y, "numeric")

    def _nullcline_lines(self, solution, index, along, solved):
        """Lines ``along = x*`` on which the equation holds for every value of ``solved``.

        SymPy's solution of ``x (y - 1) = 0`` for ``y`` is ``y = 1`` only; the line
        ``x = 0`` (a zero of a factor free of ``y``, see ``Solution.singular``) is part
        of the nullcline too.
        """
        system = self.system
        values = system.singular_values(solution, [], 1)[:, 0]
        inside = np.isfinite(values) & in_range(values, self.target_vars[along])
        lines = []
        for x_star in values[inside]:
            line = _fine_grid(self.grids[solved])
            at = {along: np.full_like(line, x_star), solved: line}
            with np.errstate(all="ignore"):
                value = system.f([at[name] for name in system.unknowns])[index]
            if np.all(np.abs(value) <= 1e-10):
                lines.append(at)
        return lines

    def compute_vector_field(self):
        """The vector field on the resolution grid.

        Returns
        -------
        VectorField
        """
        if "vector_field" not in self._cache:
            names = self.system.unknowns
            x = self.grids[names[0]]
            if self.dim == 1:
                dx = self.system.f([x])[0]
                field = VectorField(names[0], None, x, np.zeros(0), dx, np.zeros(0))
            else:
                y = self.grids[names[1]]
                dx, dy = self.system.f([x[None, :], y[:, None]])
                field = VectorField(names[0], names[1], x, y, dx, dy)
            self._cache["vector_field"] = field
        return self._cache["vector_field"]

    def compute_fixed_points(self):
        """Fixed points with eigenvalues and stability types.

        Returns
        -------
        FixedPoints
        """
        if "fixed_points" not in self._cache:
            system = self.system
            points = find_fixed_points(system, self.grids, self.target_vars, self.options)
            lines = equilibrium_lines(system, self.grids, self.target_vars)
            points = off_lines(points, lines, self.grids, system.unknowns)
            jac = system.jacobian(list(points.T)) if len(points) else np.zeros((0,) + (system.dim,) * 2)
            if system.dim == 2 and system.residuals() is None:
                more, isolated = singular_lines(points, jac, self.grids, system.unknowns)
                lines, points, jac = lines + more, points[isolated], jac[isolated]
            kinds = classify(jac) if len(points) else []
            eig = np.linalg.eigvals(jac) if len(points) else []
            fixed = tuple(FixedPoint(dict(zip(system.unknowns, point)), str(kind), e, j)
                          for point, kind, e, j in zip(points, kinds, eig, jac))
            lines = tuple(EquilibriumLine(dict(zip(system.unknowns, line.T))) for line in lines)
            self._cache["fixed_points"] = FixedPoints(system.unknowns, fixed, lines)
        return self._cache["fixed_points"]

    def compute_trajectories(self, initials, duration, plot_duration=None):
        """Simulate trajectories with the integral (vectorized over initial points).

        Parameters
        ----------
        initials : dict, sequence of dict, or sequence of tuples
            Initial values of the target variables: ``{'V': -2.8, 'w': -1.8}``,
            ``(a, b)`` or a list of them.
        duration : float, (t_start, t_end) or list of (t_start, t_end)
            Simulated time span (one for all, or one per initial point).
        plot_duration : (start, end) or list of them, optional
            The part of each trajectory to keep.

        Returns
        -------
        tuple of Trajectory
        """
        trajectories = self._simulate_orbits(self.system.unknowns, initials, duration,
                                             plot_duration)
        self._trajectory_request = (initials, duration, plot_duration)
        self._cache["trajectories"] = trajectories
        return trajectories

    def compute_limit_cycles(self, initials, duration, tol=0.001):
        """Limit cycles reached from initial points, found by simulation.

        Parameters
        ----------
        initials, duration
            As for :meth:`compute_trajectories`.
        tol : float
            Relative tolerance for two periods to count as the same cycle.

        Returns
        -------
        list
            One :class:`LimitCycle` per initial point, None where the
            trajectory did not settle on a cycle.
        """
        names = self.system.unknowns
        initials = self._check_initials(initials, names)
        trajectories = self._simulate_orbits(names, initials, duration)
        cycles = limit_cycles_from(trajectories, initials, tol)
        self._cache["limit_cycles"] = tuple(c for c in cycles if c is not None)
        return cycles

    def compute_phase_plane(self, initials=None, duration=None):
        """Everything the phase plane shows, as one result object.

        Parameters
        ----------
        initials, duration : optional
            Trajectories to simulate; by default those of the last
            :meth:`plot_trajectory` / :meth:`compute_trajectories` call are
            simulated again with the current parameters. An empty list means no
            trajectories (and forgets the last request).

        Returns
        -------
        PhasePlaneResult
        """
        if isinstance(initials, (list, tuple)) and len(initials) == 0:
            self._trajectory_request = None
            self._cache.pop("trajectories", None)
            trajectories = ()
        elif initials is not None:
            trajectories = self.compute_trajectories(initials, duration)
        elif self._trajectory_request is not None:
            if "trajectories" not in self._cache:
                self.compute_trajectories(*self._trajectory_request)
            trajectories = self._cache["trajectories"]
        else:
            trajectories = ()
        return PhasePlaneResult(
            nullclines=self.compute_nullclines() if self.dim == 2 else None,
            vector_field=self.compute_vector_field(),
            fixed_points=self.compute_fixed_points(),
            trajectories=trajectories,
            limit_cycles=self._cache.get("limit_cycles", ()))

    @property
    def result(self):
        """The latest results computed (without computing anything new).

        Returns
        -------
        PhasePlaneResult
        """
        return PhasePlaneResult(self._cache.get("nullclines"), self._cache.get("vector_field"),
                                self._cache.get("fixed_points"),
                                self._cache.get("trajectories", ()),
                                self._cache.get("limit_cycles", ()))

    # -------------------------------------------------------------- plotting
    def _finish(self, ax, show):
        from ..visualize import analysis as draw
        draw.finish_phase_plane(ax, self.system.unknowns, [self._axis_limits(n)
                                                           for n in self.system.unknowns],
                                show)

    def plot_nullcline(self, show=False, ax=None):
        """Plot nullcline (only supported in 2D system).

        Parameters
        ----------
        show : bool
            Whether show the figure.
        ax : matplotlib Axes, optional

        Returns
        -------
        Nullclines
        """
        from ..visualize import analysis as draw
        self._log("plot nullcline ...")
        nullclines = self.compute_nullclines()
        ax = draw.draw_nullclines(nullclines, ax=ax)
        self._finish(ax, show)
        return nullclines

    def plot_vector_field(self, plot_method="streamplot", plot_style=None, show=False, ax=None):
        """Plot vector field of a 2D/1D system.

        Parameters
        ----------
        plot_method : {'streamplot', 'quiver'}
            How to draw a 2-D field.
        plot_style : dict, optional
            Keyword arguments of the matplotlib call.
        show : bool
            Whether show the figure.
        ax : matplotlib Axes, optional

        Returns
        -------
        VectorField
        """
        from ..visualize import analysis as draw
        self._log("plot vector field ...")
        field = self.compute_vector_field()
        ax = draw.draw_vector_field(field, ax=ax, method=plot_method, style=plot_style)
        self._finish(ax, show)
        return field

    def plot_fixed_point(self, show=False, ax=None):
        """Plot fixed points.

        Prints one line per point (``Fixed point #1 at V=..., w=... is a
        unstable node.``) when verbose.

        Parameters
        ----------
        show : bool
            Whether show the figure.
        ax : matplotlib Axes, optional

        Returns
        -------
        numpy.ndarray or tuple of numpy.ndarray
            The fixed points' coordinates, as BrainPy returns them: one array
            per target variable (``xs, ys = analyzer.plot_fixed_point()``), a
            single array in 1-D. :meth:`compute_fixed_points` gives the points
            with their stability and eigenvalues.
        """
        from ..visualize import analysis as draw
        self._log("plot fixed point ...")
        points = self.compute_fixed_points()
        for i, point in enumerate(points, start=1):
            where = ", ".join(f"{k}={v!r}" for k, v in point.values.items())
            also = f" (a {point.kind})" if point.kind != point.stability else ""
            self._log(f"Fixed point #{i} at {where} is a {point.stability}{also}.")
        for line in points.lines:
            self._log(f"Degenerate equilibria: {line.describe()} (every point on it is an "
                      f"equilibrium).")
        if len(points) == 0 and not points.lines:
            self._log("No fixed point found in the target range.")
        ax = draw.draw_fixed_points(points, ax=ax)
        self._finish(ax, show)
        coordinates = tuple(points.array(var) for var in self.system.unknowns)
        return coordinates[0] if len(coordinates) == 1 else coordinates

    def plot_trajectory(self, initials, duration, plot_duration=None, axes="v-v", show=False,
                        ax=None):
        """Plot trajectories according to the settings.

        Parameters
        ----------
        initials : list, tuple, dict
            Initial values: ``{'V': -2.8, 'w': -1.8}``, ``(a, b)``, or a list
            of them.
        duration : int, float, tuple, list
            ``t_end``, ``(t_start, t_end)``, or one such pair per initial point.
        plot_duration : tuple, list, optional
            ``(start, end)`` to plot, or one per initial point.
        axes : {'v-v', 't-v'}
            Phase-plane view (``'v-v'``) or time courses (``'t-v'``).
        show : bool
            Whether show the figure.
        ax : matplotlib Axes, optional

        Returns
        -------
        tuple of Trajectory
        """
        from ..visualize import analysis as draw
        if axes not in ("v-v", "t-v"):
            raise AnalysisError(f"`axes`={axes!r} is not known; choose 'v-v' or 't-v'.")
        self._log("plot trajectory ...")
        trajectories = self.compute_trajectories(initials, duration, plot_duration)
        if axes == "v-v" and self.dim == 2:
            ax = draw.draw_trajectory(trajectories, self.system.unknowns, ax=ax)
            self._finish(ax, show)
        else:
            draw.draw_time_courses(trajectories, self.system.unknowns, show=show)
        return trajectories

    def plot_limit_cycle_by_sim(self, initials, duration, tol=0.001, show=False, ax=None):
        """Plot limit cycles according to the settings.

        Parameters
        ----------
        initials : list, tuple
            Initial values, as for :meth:`plot_trajectory`.
        duration : int, float, tuple, list
            Simulated time span(s).
        tol : float
            Tolerance to recognise a periodic orbit.
        show : bool
            Whether show or not.
        ax : matplotlib Axes, optional

        Returns
        -------
        tuple of LimitCycle
            The cycles found (initial points without a cycle are reported).
        """
        from ..visualize import analysis as draw
        self._log("plot limit cycle ...")
        cycles = self.compute_limit_cycles(initials, duration, tol)
        initials = self._check_initials(initials, self.system.unknowns)
        for initial, cycle in zip(initials, cycles):
            if cycle is None:
                self._log(f"No limit cycle found for initial value {initial}.")
        found = tuple(c for c in cycles if c is not None)
        if self.dim == 2:
            ax = draw.draw_limit_cycles(found, self.system.unknowns, ax=ax)
            self._finish(ax, show)
        else:
            draw.draw_time_courses(found, self.system.unknowns, show=show)
        return found
