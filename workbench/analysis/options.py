"""Validation of the analysers' arguments: ranges, values, resolutions, options.

Every check raises :class:`~workbench.errors.AnalysisError` naming the
argument, repeating the value and saying what is allowed.
"""

import numbers

import numpy as np

from ..errors import AnalysisError, choices

__all__ = ["DEFAULT_OPTIONS", "normalize_options", "check_ranges", "check_values",
           "resolution_grids"]

#: Options of the manual (ch. 14) and workbench's additions, with defaults.
DEFAULT_OPTIONS = {
    # the manual's options
    "lim_scale": 1.05,              # axes span (max-min)*lim_scale around the target range
    "sympy_solver_timeout": 5.0,    # seconds allowed to each SymPy solve
    "escape_sympy_solver": False,   # skip SymPy solve; numeric root finding only
    "shgo_args": None,              # when given: also search fixed points with scipy's shgo
    "show_shgo": False,             # print shgo's results
    "perturbation": 1e-6,           # relative step of finite-difference derivatives
    "fl_tol": 1e-6,                 # |f| below which a point counts as a root
    "xl_tol": 1e-4,                 # distance below which two roots are the same point
    # workbench additions
    "verbose": True,                # print the manual's progress messages
    "continuation": True,           # continue equilibrium branches, locate folds and Hopf points
    "limit_cycles": True,           # codim-1: limit-cycle envelopes from short simulations
    "cycle_samples": 40,            # codim-1: parameter values simulated for the envelopes
    "cycle_envelope": "continuation",  # codim-1 cycles: 'continuation' (branches) or 'simulation'
    "cycle_intervals": 40,          # codim-1: collocation mesh intervals of periodic orbits (NTST)
}

_POSITIVE = ("lim_scale", "perturbation", "fl_tol", "xl_tol")
_BOOLEAN = ("escape_sympy_solver", "show_shgo", "verbose", "continuation", "limit_cycles")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def normalize_options(options):
    """Merge user options with the defaults and check them.

    Parameters
    ----------
    options : dict or None

    Returns
    -------
    dict
        Every key of :data:`DEFAULT_OPTIONS`.

    Raises
    ------
    AnalysisError
        For an unknown key or a value of the wrong kind.
    """
    merged = dict(DEFAULT_OPTIONS)
    if options is None:
        return merged
    if not isinstance(options, dict):
        raise AnalysisError(f"`options`={options!r} must be a dict with keys among: "
                            f"{choices(DEFAULT_OPTIONS)}.")
    for key, value in options.items():
        if key not in DEFAULT_OPTIONS:
            raise AnalysisError(f"`options` has an unknown key {key!r}; allowed keys: "
                                f"{choices(DEFAULT_OPTIONS)}.")
        if key in _POSITIVE and not (_is_number(value) and value > 0 and np.isfinite(value)):
            raise AnalysisError(f"`options`[{key!r}]={value!r} must be a positive number.")
        if key in _BOOLEAN and not isinstance(value, (bool, np.bool_)):
            raise AnalysisError(f"`options`[{key!r}]={value!r} must be True or False.")
        if key == "sympy_solver_timeout" and not (value is None or
                                                  (_is_number(value) and value > 0)):
            raise AnalysisError(f"`options`['sympy_solver_timeout']={value!r} must be a "
                                f"positive number of seconds (or None for no limit).")
        if key == "shgo_args" and not (value is None or isinstance(value, dict)):
            raise AnalysisError(f"`options`['shgo_args']={value!r} must be a dict of arguments "
                                f"of scipy.optimize.shgo.")
        if key == "cycle_samples" and not (isinstance(value, numbers.Integral) and value >= 2):
            raise AnalysisError(f"`options`['cycle_samples']={value!r} must be an integer >= 2.")
        if key == "cycle_envelope" and value not in ("continuation", "simulation"):
            raise AnalysisError(f"`options`['cycle_envelope']={value!r} is not allowed; choose "
                                f"'continuation' (cycle branches by collocation) or "
                                f"'simulation' (cycles found by simulation).")
        if key == "cycle_intervals" and not (isinstance(value, numbers.Integral) and value >= 8):
            raise AnalysisError(f"`options`['cycle_intervals']={value!r} must be an integer "
                                f">= 8 (mesh intervals of the periodic-orbit collocation).")
        merged[key] = value
    return merged


def check_ranges(argument, ranges, allowed, describe, min_count=1, max_count=None):
    """Validate ``{name: [min, max]}`` for target variables or parameters.

    Parameters
    ----------
    argument : str
        The argument's name for messages (``'target_vars'``...).
    ranges : dict
        The user's value.
    allowed : callable
        ``allowed(name) -> bool``.
    describe : str
        What the model has (for the message on an unknown name).
    min_count, max_count : int
        How many entries are allowed.

    Returns
    -------
    dict
        ``{name: (float min, float max)}`` in the given order.
    """
    if not isinstance(ranges, dict):
        raise AnalysisError(f"`{argument}`={ranges!r} must be a dict {{name: [min, max]}}.")
    if len(ranges) < min_count or (max_count is not None and len(ranges) > max_count):
        span = f"{min_count}" if max_count == min_count else (
            f"{min_count} to {max_count}" if max_count else f"at least {min_count}")
        raise AnalysisError(f"`{argument}` has {len(ranges)} entries ({choices(ranges)}); "
                            f"this analysis takes {span}.")
    out = {}
    for name, bounds in ranges.items():
        if not allowed(name):
            raise AnalysisError(f"`{argument}` names {name!r}, which the model does not have; "
                                f"{describe}.")
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise AnalysisError(f"`{argument}`[{name!r}]={bounds!r} must be a pair [min, max] "
                                f"of numbers.") from None
        if not (np.isfinite(low) and np.isfinite(high)):
            raise AnalysisError(f"`{argument}`[{name!r}]={bounds!r} must be finite.")
        if low == high:
            raise AnalysisError(f"`{argument}`[{name!r}]={bounds!r} is an empty range; give "
                                f"[min, max] with min < max.")
        if low > high:
            raise AnalysisError(f"`{argument}`[{name!r}]={bounds!r} is a reversed range; give "
                                f"[min, max] with min < max.")
        out[name] = (low, high)
    return out


def check_values(argument, values, allowed, describe):
    """Validate ``{name: number}`` for fixed variables or parameter updates.

    Parameters
    ----------
    argument : str
        The argument's name for messages.
    values : dict or None
    allowed : callable
        ``allowed(name) -> bool``.
    describe : str
        What the model has.

    Returns
    -------
    dict
        ``{name: float}``.
    """
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise AnalysisError(f"`{argument}`={values!r} must be a dict {{name: value}}.")
    out = {}
    for name, value in values.items():
        if not allowed(name):
            raise AnalysisError(f"`{argument}` names {name!r}, which the model does not have; "
                                f"{describe}.")
        try:
            number = float(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            raise AnalysisError(f"`{argument}`[{name!r}]={value!r} must be a single number; "
                                f"analysis works with scalar values.") from None
        if not np.isfinite(number):
            raise AnalysisError(f"`{argument}`[{name!r}]={value!r} must be finite.")
        out[name] = number
    return out


def resolution_grids(resolution, ranges):
    """Search grids for every target variable and parameter.

    Parameters
    ----------
    resolution : float or dict
        A step used for every name, or ``{name: step or array}``. A step
        gives ``linspace(min, max, round((max - min) / step) + 1)`` (both ends
        included); an array is used as given (sorted).
    ranges : dict
        ``{name: (min, max)}`` for every name needing a grid.

    Returns
    -------
    dict
        ``{name: 1-D float array}``.
    """
    if isinstance(resolution, dict):
        unknown = [k for k in resolution if k not in ranges]
        if unknown:
            raise AnalysisError(f"`numerical_resolution` names {choices(unknown)}, which are not "
                                f"target variables or parameters ({choices(ranges)}).")
        missing = [k for k in ranges if k not in resolution]
        if missing:
            raise AnalysisError(f"`numerical_resolution` has no entry for {choices(missing)}; give "
                                f"a float, or an entry for each of {choices(ranges)}.")
        entries = resolution
    else:
        entries = {name: resolution for name in ranges}
    grids = {}
    for name, (low, high) in ranges.items():
        entry = entries[name]
        if _is_number(entry):
            if not (entry > 0 and np.isfinite(entry)):
                raise AnalysisError(f"`numerical_resolution` for {name!r} is {entry!r}; give a "
                                    f"positive step.")
            count = int(round((high - low) / float(entry))) + 1
            grids[name] = np.linspace(low, high, max(count, 2))
            continue
        try:
            grid = np.unique(np.asarray(entry, dtype=float))
        except (TypeError, ValueError):
            grid = None
        if grid is None or grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)):
            raise AnalysisError(f"`numerical_resolution` for {name!r} is {entry!r}; give a "
                                f"positive step or a 1-D array of at least two finite values.")
        grids[name] = grid
    return grids
