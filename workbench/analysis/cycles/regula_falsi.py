"""Regula falsi (Illinois) along the arclength of a cycle branch.

Both uses on a branch -- locating a special point where a test function
changes sign, and stopping exactly on the edge of the parameter range --
search the arclength ``s`` between two corrected states for a zero of a
scalar function of the state corrected at ``s``.
"""

__all__ = ["illinois"]


def illinois(evaluate, s_b, g_a, g_b, done, max_iter):
    """Search ``[0, s_b]`` for the zero of ``g`` bracketed by ``g_a`` (at 0) and ``g_b``.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(s) -> (state, g)``: the state corrected at arclength ``s``
        and the function's value there; ``(None, None)`` when the corrector fails.
    s_b : float
        Arclength of the bracket's far end.
    g_a, g_b : float
        Values at ``0`` and ``s_b``, of opposite signs.
    done : callable
        ``done(s_a, s_b, g) -> bool``: stop after a state with value ``g`` was
        found while the bracket was ``[s_a, s_b]``.
    max_iter : int

    Returns
    -------
    state or None
        The last state corrected (None when the first correction failed).
    """
    s_a, best, side = 0.0, None, 0
    for _ in range(max_iter):
        s = s_a - g_a * (s_b - s_a) / (g_b - g_a)
        state, g = evaluate(s)
        if state is None:
            break
        best = state
        if done(s_a, s_b, g):
            break
        # Illinois: halve the value kept at an end that stays twice in a row
        if g * g_a < 0.0:
            s_b, g_b = s, g
            if side == -1:
                g_a *= 0.5
            side = -1
        else:
            s_a, g_a = s, g
            if side == 1:
                g_b *= 0.5
            side = 1
    return best
