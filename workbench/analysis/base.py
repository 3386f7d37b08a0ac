"""What every analyser shares: argument checks, the reduced system, parameter updates.

An analyser is built once: the model is read, the arguments are validated,
and a :class:`~workbench.analysis.system.ReducedSystem` keeps the derived
SymPy expressions and numeric evaluators. Parameter values and fixed
variables can then be changed with :meth:`Analyzer.update_pars` and
:meth:`Analyzer.update_fixed_vars`; the next computation reuses everything
(no SymPy derivation, no compilation).
"""

import contextlib

import numpy as np

from ..errors import AnalysisError, choices
from .model import ModelView
from .options import check_ranges, check_values, normalize_options, resolution_grids
from .simulate import make_stepper, normalize_durations, simulate, trajectories_from
from .system import ReducedSystem

__all__ = ["Analyzer"]


class Analyzer:
    """Base of :class:`PhasePlane`, :class:`Bifurcation` and :class:`FastSlowBifurcation`.

    Parameters
    ----------
    integrals : integral, callable, or list of them
        Made by ``bp.odeint`` or plain derivative functions.
    target_vars : dict
        ``{var: [min, max]}``: the unknowns of the analysis.
    target_pars : dict
        ``{par: [min, max]}``: the free parameters (may be empty).
    fixed_vars : dict or None
        ``{var: value}`` for every other variable of the model.
    pars_update : dict or None
        ``{par: value}`` for parameters (or module constants the derivative
        reads) that are not targets.
    numerical_resolution : float or dict
        See :func:`~workbench.analysis.options.resolution_grids`.
    options : dict or None
        See :data:`~workbench.analysis.options.DEFAULT_OPTIONS`.
    max_vars : int
        The most target variables the analysis accepts.
    var_argument, par_argument : str
        Argument names used in messages.
    """

    def __init__(self, integrals, target_vars, target_pars, fixed_vars, pars_update,
                 numerical_resolution, options, max_vars=2, max_pars=2,
                 var_argument="target_vars", par_argument="target_pars", min_pars=0):
        self.model = model = ModelView(integrals)
        self.options = normalize_options(options)
        describe = model.describe()
        self.target_vars = check_ranges(var_argument, target_vars, model.variables.__contains__,
                                        describe, 1, max_vars)
        if target_pars is None and min_pars == 0:
            self.target_pars = {}
        else:
            self.target_pars = check_ranges(par_argument, target_pars, self._is_free_candidate,
                                            describe, min_pars, max_pars)
        self.fixed_vars = check_values(
            "fixed_vars", fixed_vars,
            lambda n: n in model.variables and n not in self.target_vars and
            n not in self.target_pars, describe + " (target variables cannot be fixed)")
        unset = [v for v in model.variables
                 if v not in self.target_vars and v not in self.fixed_vars and
                 v not in self.target_pars]
        if unset:
            raise AnalysisError(f"variable(s) {choices(unset)} of {model.name} are neither "
                                f"`{var_argument}` nor `fixed_vars`; give their values in "
                                f"`fixed_vars`.")
        self.pars_update = check_values(
            "pars_update", pars_update,
            lambda n: model.is_parameter(n) and n not in self.target_pars,
            describe + " (target parameters cannot be updated)")
        missing = [p for p in model.parameters
                   if p not in self.target_pars and p not in self.pars_update
                   and p not in model.defaults]
        if missing:
            raise AnalysisError(f"parameter(s) {choices(missing)} of {model.name} have no "
                                f"default value; give them in `pars_update` (or as "
                                f"`{par_argument}`).")
        constants = dict(self.fixed_vars)
        for par in model.parameters:
            if par not in self.target_pars:
                constants[par] = self.pars_update.get(par, model.defaults.get(par))
        for name, value in self.pars_update.items():
            constants.setdefault(name, value)
        self.grids = resolution_grids(numerical_resolution,
                                      {**self.target_vars, **self.target_pars})
        self.system = ReducedSystem(model, tuple(self.target_vars), tuple(self.target_pars),
                                    constants, self.options, self._log)
        self._sim_systems = {}
        self._steppers = {}

    def _is_free_candidate(self, name):
        return self.model.is_parameter(name)

    # -------------------------------------------------------------- messages
    def _log(self, message):
        if self.options["verbose"]:
            print(message)

    # --------------------------------------------------------------- updates
    def update_pars(self, pars_update):
        """Change parameter values; the next computation derives and compiles nothing.

        Parameters
        ----------
        pars_update : dict
            ``{par: value}`` for parameters that are not targets (explicit
            parameters of the derivative, or module constants that were named
            in ``pars_update`` or ``target_pars`` when the analyser was made).

        Raises
        ------
        AnalysisError
            For a target parameter, an unknown name, or a module constant the
            analyser was not told to vary.
        """
        allowed = [n for n in self.system.constant_names
                   if n not in self.fixed_vars]
        values = check_values("pars_update", pars_update, lambda n: n in allowed,
                              f"parameters that can be updated here: {choices(allowed)} (name a "
                              f"module constant in `pars_update` when creating the analyser to "
                              f"make it changeable)")
        self.pars_update.update(values)
        self.system.set_constants(values)
        self._on_update()

    def update_fixed_vars(self, fixed_vars):
        """Change the values of fixed variables (nothing is derived again).

        Parameters
        ----------
        fixed_vars : dict
            ``{var: value}`` for variables given in ``fixed_vars`` initially.
        """
        values = check_values("fixed_vars", fixed_vars, lambda n: n in self.fixed_vars,
                              f"fixed variables of this analyser: {choices(self.fixed_vars)}")
        self.fixed_vars.update(values)
        self.system.set_constants(values)
        self._on_update()

    @contextlib.contextmanager
    def _temporary_constants(self, values):
        """Run with some constants changed (every derived system), then restore them."""
        systems = [self.system] + list(self._sim_systems.values())
        saved = [system.constants for system in systems]
        try:
            for system in systems:
                system.set_constants({k: v for k, v in values.items()
                                      if k in system.constant_names})
            yield
        finally:
            for system, constants in zip(systems, saved):
                system.set_constants(constants)

    def _on_update(self):
        """Forget results that depend on parameter values (subclasses extend)."""
        for system in self._sim_systems.values():
            system.set_constants({k: v for k, v in self.system.constants.items()
                                  if k in system.constant_names})

    # ------------------------------------------------------------ simulation
    def _simulation_system(self, evolving, free=()):
        """A ReducedSystem over the evolving variables; ``free`` vary per trajectory."""
        key = (tuple(evolving), tuple(free))
        if key == (self.system.unknowns, self.system.free):
            return self.system
        if key not in self._sim_systems:
            constants = {k: v for k, v in self.system.constants.items()
                         if k not in evolving and k not in free}
            self._sim_systems[key] = ReducedSystem(self.model, evolving, free, constants,
                                                   self.options, lambda message: None)
        return self._sim_systems[key]

    def _stepper(self, evolving):
        """The trajectory stepper for ``evolving`` variables (kept between calls)."""
        key = tuple(evolving)
        if key not in self._steppers:
            exposed = [n for n in self.system.constant_names + self.system.free
                       if n in self.model.globals]
            free = tuple(p for p in self.system.free if p not in key)
            self._steppers[key] = make_stepper(self.model, key, exposed,
                                               lambda names: self._simulation_system(names, free))
        return self._steppers[key]

    def _simulate_orbits(self, names, initials, duration, plot_duration=None):
        """Trajectories of the variables ``names`` (the others stay fixed).

        Initial points sharing a time span are integrated together.

        Parameters
        ----------
        names : tuple of str
            The evolving variables.
        initials, duration, plot_duration
            As accepted by the ``plot_trajectory`` methods.

        Returns
        -------
        tuple of Trajectory
        """
        initials = self._check_initials(initials, names)
        spans = normalize_durations(duration, len(initials))
        keeps = (normalize_durations(plot_duration, len(initials))
                 if plot_duration is not None else spans)
        stepper = self._stepper(names)
        env = self.system.constants
        out = [None] * len(initials)
        for span in sorted(set(spans)):
            members = [i for i, s in enumerate(spans) if s == span]
            starts = {v: np.array([initials[i][v] for i in members]) for v in names}
            ts, history = simulate(stepper, starts, env, span)
            pieces = trajectories_from(ts, history, dict(self.fixed_vars),
                                       [initials[i] for i in members])
            for i, piece in zip(members, pieces):
                low, high = keeps[i]
                keep = (piece.ts >= low - 1e-9) & (piece.ts <= high + 1e-9)
                out[i] = type(piece)(piece.ts[keep], {v: s[keep] for v, s in piece.values.items()})
        return tuple(out)

    def _check_initials(self, initials, names):
        """Initial points as a list of dicts over ``names``."""
        if isinstance(initials, dict):
            initials = [initials]
        if (isinstance(initials, (list, tuple)) and initials and
                all(np.ndim(v) == 0 and not isinstance(v, dict) for v in initials)):
            initials = [initials]
        out = []
        for item in initials:
            if isinstance(item, dict):
                unknown = [k for k in item if k not in names]
                missing = [k for k in names if k not in item]
                if unknown or missing:
                    raise AnalysisError(f"`initials` entry {item!r} must give exactly the "
                                        f"variables {choices(names)}.")
                out.append({k: float(item[k]) for k in names})
            else:
                values = list(item)
                if len(values) != len(names):
                    raise AnalysisError(f"`initials` entry {item!r} has {len(values)} values; "
                                        f"give {len(names)} ({', '.join(names)}).")
                out.append({k: float(v) for k, v in zip(names, values)})
        if not out:
            raise AnalysisError("`initials` is empty; give at least one initial point.")
        return out

    def _axis_limits(self, name):
        """Axis limits of a target variable or parameter scaled by ``lim_scale``."""
        low, high = {**self.target_vars, **self.target_pars}[name]
        extra = (high - low) * (self.options["lim_scale"] - 1.0) / 2.0
        return low - extra, high + extra
