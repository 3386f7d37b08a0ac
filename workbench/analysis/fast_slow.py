"""Fast-slow bifurcation analysis (Rinzel's method; manual ch. 4.3, 14.4).

The slow variables are treated as bifurcation parameters of the fast
subsystem: :class:`FastSlowBifurcation` computes the fast subsystem's
bifurcation diagram over one or two slow variables (with continuation, folds,
Hopf points and, over one slow variable, cycle branches with their homoclinic
ends as in
:class:`~workbench.analysis.bifurcation.Bifurcation`) and overlays
trajectories and periodic orbits of the full system.
"""

from ..errors import AnalysisError, choices
from .base import Analyzer
from .bifurcation import Bifurcation, DiagramBuilder
from .results import FastSlowResult
from .simulate import limit_cycles_from

__all__ = ["FastSlowBifurcation"]


class FastSlowBifurcation(Bifurcation):
    """Fast slow analysis analysis proposed by John Rinzel.

    Parameters
    ----------
    integrals : integral, callable or list of them
        Integrals made by ``bp.odeint`` (or plain derivative functions).
    fast_vars : dict
        ``{'var1': [min, max]}``: one or two fast variables.
    slow_vars : dict
        ``{'var1': [min, max]}``: one or two slow variables (the bifurcation
        parameters of the fast subsystem).
    fixed_vars : dict, optional
        ``{var: value}`` for any other variable.
    pars_update : dict, optional
        ``{par: value}`` for the parameters.
    numerical_resolution : float or dict, optional
        Grid step per fast and slow variable (or arrays).
    options : dict, optional
        As for :class:`~workbench.analysis.Bifurcation`.

    Examples
    --------
    >>> analyzer = bp.analysis.FastSlowBifurcation(int_hr,
    ...     fast_vars={'x': [-3, 3], 'y': [-10., 5.]}, slow_vars={'z': [-5., 5.]},
    ...     pars_update={'Isyn': 0.5}, numerical_resolution=0.001)      # doctest: +SKIP
    >>> analyzer.plot_bifurcation()                                     # doctest: +SKIP
    >>> analyzer.plot_trajectory([{'x': 1., 'y': 0., 'z': -0.0}], duration=100.,
    ...                          show=True)                             # doctest: +SKIP
    """

    def __init__(self, integrals, fast_vars, slow_vars, fixed_vars=None, pars_update=None,
                 numerical_resolution=0.1, options=None):
        if isinstance(fast_vars, dict) and isinstance(slow_vars, dict):
            shared = [name for name in slow_vars if name in fast_vars]
            if shared:
                raise AnalysisError(f"`fast_vars` and `slow_vars` share {choices(shared)}; a "
                                    f"variable is either fast or slow.")
        Analyzer.__init__(self, integrals, fast_vars, slow_vars, fixed_vars, pars_update,
                          numerical_resolution, options, max_vars=2, max_pars=2,
                          var_argument="fast_vars", par_argument="slow_vars", min_pars=1)
        self.fast_vars = self.target_vars
        self.slow_vars = self.target_pars
        self._builder = DiagramBuilder(self)
        self._diagram = None
        self._axes = {}
        self._orbits = {"trajectories": (), "limit_cycles": ()}

    def _is_free_candidate(self, name):
        return name in self.model.variables and name not in self.target_vars

    def _on_update(self):
        super()._on_update()
        self._orbits = {"trajectories": (), "limit_cycles": ()}

    def simulation_dt(self):
        """Time step of the fast subsystem's simulations (the integral's ``dt``).

        Returns
        -------
        float
        """
        return self._stepper(self._full_variables()).dt

    def _full_variables(self):
        return tuple(self.fast_vars) + tuple(self.slow_vars)

    # ------------------------------------------------------------- orbits
    def compute_trajectories(self, initials, duration, plot_duration=None):
        """Simulate the full system (fast and slow variables) from initial points.

        Parameters
        ----------
        initials : dict, sequence of dict, or sequence of tuples
            Values of the fast and slow variables.
        duration : float, (t_start, t_end) or list of them
        plot_duration : (start, end) or list of them, optional
            The part of each trajectory to keep.

        Returns
        -------
        tuple of Trajectory
        """
        out = self._simulate_orbits(self._full_variables(), initials, duration, plot_duration)
        self._orbits["trajectories"] = tuple(out)
        return tuple(out)

    def compute_limit_cycles(self, initials, duration, tol=0.001):
        """Periodic orbits of the full system reached from initial points.

        Parameters
        ----------
        initials, duration
            As for :meth:`compute_trajectories`.
        tol : float
            Relative tolerance to recognise a periodic orbit.

        Returns
        -------
        list
            One :class:`LimitCycle` per initial point (None where none).
        """
        names = self._full_variables()
        checked = self._check_initials(initials, names)
        trajectories = self.compute_trajectories(checked, duration)
        cycles = limit_cycles_from(trajectories, checked, tol)
        self._orbits["limit_cycles"] = tuple(c for c in cycles if c is not None)
        return cycles

    def compute_fast_slow(self):
        """The diagram with the latest orbits.

        Returns
        -------
        FastSlowResult
        """
        return FastSlowResult(self.compute_bifurcation(), self._orbits["trajectories"],
                              self._orbits["limit_cycles"])

    # ------------------------------------------------------------ plotting
    def _orbit_axes(self, var):
        import matplotlib.pyplot as plt
        ax = self._axes.get(var)
        if ax is None or not plt.fignum_exists(ax.figure.number):
            figure = plt.figure()
            ax = (figure.add_subplot(projection="3d") if len(self.slow_vars) == 2
                  else figure.add_subplot())
            self._axes[var] = ax
        return ax

    def _draw_orbits(self, orbits, label, show):
        import matplotlib.pyplot as plt
        slow = tuple(self.slow_vars)
        for var in self.fast_vars:
            ax = self._orbit_axes(var)
            for i, orbit in enumerate(orbits):
                coords = [orbit.values[s] for s in slow] + [orbit.values[var]]
                ax.plot(*coords, lw=1.0, label=f"{label} {i + 1}")
            if len(slow) == 1:
                ax.set_xlabel(slow[0])
                ax.set_ylabel(var)
            ax.legend(fontsize="small")
        if show:
            plt.show()

    def plot_trajectory(self, initials, duration, plot_duration=None, show=False):
        """Plot trajectory.

        Draws the full system's trajectories over the fast subsystem's
        diagram (slow variable(s) against each fast variable).

        Parameters
        ----------
        initials : dict, list
            Initial values of all fast and slow variables.
        duration : int, float, tuple, list
            Simulated time span(s).
        plot_duration : tuple, list, optional
            Part(s) of the trajectories to draw.
        show : bool
            Whether show the figure.

        Returns
        -------
        tuple of Trajectory
        """
        self._log("plot trajectory ...")
        trajectories = self.compute_trajectories(initials, duration, plot_duration)
        self._draw_orbits(trajectories, "trajectory", show)
        return trajectories

    def plot_limit_cycle_by_sim(self, initials, duration, tol=0.001, show=False):
        """Plot limit cycles by the simulation results.

        Parameters
        ----------
        initials : dict, list
            Initial values of all fast and slow variables.
        duration : int, float, tuple, list
            Simulated time span(s); the second half is searched for a cycle.
        tol : float
            Tolerance to recognise periodic orbits.
        show : bool
            Whether show the figure.

        Returns
        -------
        tuple of LimitCycle
        """
        self._log("plot limit cycle ...")
        cycles = self.compute_limit_cycles(initials, duration, tol)
        for initial, cycle in zip(self._check_initials(initials, self._full_variables()),
                                  cycles):
            if cycle is None:
                self._log(f"No limit cycle found for initial value {initial}.")
        found = tuple(c for c in cycles if c is not None)
        self._draw_orbits(found, "limit cycle", show)
        return found
