"""``@bp.every(time=...)``: run a step function periodically or conditionally.

A period ``time`` (ms) runs the step at the time step nearest to every
multiple of ``time`` (measured from t = 0, so continuing runs keep the phase);
a callable ``time()`` returning a bool runs the step whenever it returns True.
"""

import numbers

from ...errors import ModelError

__all__ = ["every", "get_every", "EVERY_ATTRIBUTE"]

#: Attribute set on a decorated function.
EVERY_ATTRIBUTE = "__wb_every__"


def check_every(time, what="`time`"):
    """Validate an every-specification.

    Parameters
    ----------
    time : float or callable or None
        A positive period in ms, a callable without arguments returning a
        bool, or None (every step).
    what : str
        How the value is named in error messages.

    Returns
    -------
    float or callable or None
        ``time`` with numbers converted to float.

    Raises
    ------
    ModelError
        For a non-positive or non-finite period, or an unsupported type.
    """
    if time is None or callable(time):
        return time
    if isinstance(time, bool) or not isinstance(time, numbers.Real):
        raise ModelError(f"{what}={time!r} must be a positive period in ms or a callable "
                         f"returning a bool.")
    value = float(time)
    if not (0.0 < value < float("inf")):
        raise ModelError(f"{what}={time!r} must be a positive, finite period in ms.")
    return value


def every(time):
    """Decorate a step function so it runs every ``time`` ms, or when ``time()`` is True.

    Parameters
    ----------
    time : float or callable
        A period in ms (the step runs at the time step nearest to each multiple
        of ``time``), or a function without arguments returning a bool, called
        at every time step (for example ``lambda: np.random.random() < 0.5``).

    Returns
    -------
    callable
        A decorator that marks the function and returns it unchanged.

    Raises
    ------
    ModelError
        If ``time`` is neither a positive number nor a callable.

    Examples
    --------
    >>> import workbench as bp
    >>> class Resetter(bp.NeuGroup):
    ...     @bp.every(time=10.)
    ...     def update(self, _t):
    ...         self.x[:] = 0.
    """
    time = check_every(time)
    if time is None:
        raise ModelError("`time`=None is not a period; give a positive number of ms or a "
                         "callable returning a bool.")

    def decorate(func):
        setattr(func, EVERY_ATTRIBUTE, time)
        return func

    return decorate


def get_every(func):
    """The ``@every`` specification of a step function, or None.

    Parameters
    ----------
    func : callable
        A function or bound method.

    Returns
    -------
    float or callable or None
    """
    return getattr(func, EVERY_ATTRIBUTE, None)
