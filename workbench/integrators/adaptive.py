"""Adaptive step-size control for the embedded Runge-Kutta pairs.

``@bp.odeint(method='rkf45', adaptive=True, tol=1e-3)`` makes the step take
``dt`` as its last argument and return the suggested next ``dt`` as its last
value (manual ch. 11.2):

    x, y, z, dt = lorenz(x, y, z, t, sigma, beta, rho, dt=dt)

Semantics (one call advances from ``t`` to exactly ``t + dt``):

* the interval is covered by one or more accepted sub-steps; a sub-step is
  accepted when every component's error estimate satisfies
  ``|err_i| <= tol * (1 + max(|x_i|, |x_i'|))`` (``tol`` is both the absolute
  and the relative tolerance); a rejected sub-step is repeated with a smaller
  size, as the manual describes ("if error > tol, then replace dt with
  dt_new and repeat the step");
* a NaN error estimate ends the call at once (the NaN state is returned, and
  a simulation reports it with the variable and time);
* the returned ``dt`` is the controller's proposal for the next call,
  ``h * clip(0.9 * ratio**(-1/(q+1)), 0.2, 5)`` where ``q`` is the lower order
  of the pair (it grows after easy steps and shrinks after hard ones);
* a call raises :class:`AdaptiveStepError` instead of returning an inaccurate
  state when ``dt`` is not positive, when the error stays above ``tol`` for
  sub-steps shorter than ``MIN_STEP_FRACTION * dt`` (the solution blows up or
  is not smooth), or after ``MAX_ATTEMPTS`` sub-step attempts.

Because the time reached is always ``t + dt``, a loop that adds the ``dt`` it
passed to ``t`` keeps exact time. The propagated solution is the higher-order
one of the pair (local extrapolation); ``rkf12`` estimates its error against
the trapezoid rule rather than Fehlberg's first-order solution (see its
tableau).

BrainPy 1.0.2 never repeats a step: it takes the ``dt`` it is given and
returns a smaller one for the next call when the error was too large (and
never a larger one), so the same loop visits other time points there.
"""

from ..errors import StepError
from .codegen import StepWriter, scaled, weighted_sum, weighted_update, write_rk_stages
from .kernels import KERNELS

__all__ = ["AdaptiveRungeKuttaScheme", "AdaptiveStepError", "SAFETY", "MIN_FACTOR", "MAX_FACTOR",
           "MIN_STEP_FRACTION", "MAX_ATTEMPTS"]

#: Safety factor of the step-size proposal.
SAFETY = 0.9
#: Smallest factor by which one proposal may shrink the step.
MIN_FACTOR = 0.2
#: Largest factor by which one proposal may grow the step.
MAX_FACTOR = 5.0
#: A sub-step shorter than this fraction of ``dt`` whose error is still above
#: ``tol`` raises :class:`AdaptiveStepError` (a singularity cannot loop forever).
MIN_STEP_FRACTION = 1e-12
#: A call that needs more sub-step attempts than this raises
#: :class:`AdaptiveStepError`, so every call returns (or fails) in bounded time.
MAX_ATTEMPTS = 100000


class AdaptiveStepError(StepError):
    """An adaptive step that cannot advance to ``t + dt`` within its tolerance.

    Raised from the generated step (compiled or not); the arguments are what
    the step knows, the message says what happened and what to change.

    Parameters
    ----------
    reason : {'dt', 'underflow', 'attempts'}
        A non-positive ``dt``, a sub-step shorter than ``MIN_STEP_FRACTION * dt``
        that still misses ``tol``, or more than ``MAX_ATTEMPTS`` attempts.
    step : str
        Name of the generated step (method and derivative).
    t, dt : float
        The call's time and step.
    t_now, h : float
        Where the step got to, and the sub-step size it tried last.
    tol : float
        The tolerance.
    """

    def __init__(self, reason, step, t, dt, t_now, h, tol):
        self.details = (reason, step, t, dt, t_now, h, tol)
        t, dt, t_now, h, tol = (float(value) for value in (t, dt, t_now, h, tol))
        if reason == "dt":
            text = (f"`dt`={dt!r} must be a positive time step (ms); an adaptive step "
                    f"advances from t to t + dt.")
        elif reason == "underflow":
            text = (f"at t={t_now!r} the error estimate stays above tol={tol!r} even for a "
                    f"sub-step of {h!r} ms ({MIN_STEP_FRACTION:g} of dt={dt!r}): the solution "
                    f"blows up or is not smooth there. Check the model, or loosen `tol`.")
        else:
            text = (f"{MAX_ATTEMPTS} sub-step attempts from t={t!r} reached only t={t_now!r} of "
                    f"t + dt={t + dt!r} (last sub-step {h!r} ms at tol={tol!r}). Pass the "
                    f"returned dt to the next call, as the manual's loop does, call with a "
                    f"smaller dt, or loosen `tol`.")
        super().__init__(f"{step}: {text}")

    def __reduce__(self):
        return type(self), self.details


class AdaptiveRungeKuttaScheme:
    """Generates the adaptive step of an embedded Runge-Kutta pair.

    Parameters
    ----------
    tableau : ButcherTableau
        An embedded tableau (``tableau.is_embedded``).
    tol : float
        Error tolerance per sub-step.
    """

    extra_arguments = ("dt",)

    def __init__(self, tableau, tol):
        self.tableau = tableau
        self.tol = float(tol)

    def generate(self, spec):
        """Source of the adaptive step for ``spec`` (see the module docstring).

        Parameters
        ----------
        spec : StepSpec

        Returns
        -------
        GeneratedStep
        """
        tableau = self.tableau
        writer = StepWriter(spec, f"{tableau.name}_adaptive")
        writer.reserve("dt")
        f_name = writer.add_global("f", spec.derivative, user_function=True)
        ratio_of = writer.add_global("error_ratio", KERNELS["error_ratio"])
        larger = writer.add_global("larger", KERNELS["larger"])
        failure = writer.add_global("AdaptiveStepError", AdaptiveStepError)
        names = {key: writer.fresh(key) for key in
                 ("tol", "t_now", "h", "planned", "remaining", "ratio", "factor", "proposal",
                  "attempts")}
        tol, t_now, h, planned = names["tol"], names["t_now"], names["h"], names["planned"]
        remaining, ratio, factor = names["remaining"], names["ratio"], names["factor"]
        proposal, attempts = names["proposal"], names["attempts"]
        exponent = -1.0 / (tableau.error_exponent_order + 1)

        def fail(reason):
            writer.line(f"raise {failure}({reason!r}, {writer.func_name!r}, t, dt, {t_now}, "
                        f"{h}, {tol})")

        writer.line(f"{tol} = {self.tol!r}")
        writer.assign([t_now], "t")
        writer.assign([h], "dt")
        writer.line("if not dt > 0.0:")
        writer.indent += 1
        fail("dt")
        writer.indent -= 1
        state = {}
        for v in spec.variables:
            state[v] = writer.fresh(f"{v}_now")
            writer.assign([state[v]], f"{v} + 0.0")     # a float copy that the loop advances
        writer.assign([planned], "dt")
        writer.assign([remaining], "dt")
        writer.assign([proposal], "dt")
        writer.assign([attempts], "0")
        writer.line("while True:")
        writer.indent += 1
        writer.assign([attempts], f"{attempts} + 1")
        slopes = write_rk_stages(writer, tableau, tableau.needed_stages(with_error=True), f_name,
                                 h, state=state, t_name=t_now)
        new, errors = {}, {}
        for v in spec.variables:
            new[v] = writer.fresh(f"{v}_new")
            writer.assign([new[v]], weighted_update(writer, v, tableau.b, slopes, h, state))
        for v in spec.variables:
            errors[v] = writer.fresh(f"{v}_error")
            estimate = weighted_sum((w, slopes[i, v]) for i, w in enumerate(tableau.b_error)
                                    if (i, v) in slopes)
            writer.assign([errors[v]], scaled(h, estimate) if estimate else "0.0")
        for index, v in enumerate(spec.variables):
            term = f"{ratio_of}({errors[v]}, {state[v]}, {new[v]}, {tol})"
            writer.assign([ratio], term if index == 0 else f"{larger}({ratio}, {term})")
        writer.line(f"if {ratio} != {ratio}:")
        writer.indent += 1
        writer.comment("a NaN estimate: return the NaN state now; the caller reports it")
        for v in spec.variables:
            writer.assign([state[v]], new[v])
        writer.line("break")
        writer.indent -= 1
        writer.line(f"if {ratio} <= 1.0:")
        writer.indent += 1
        writer.comment("accept the sub-step")
        for v in spec.variables:
            writer.assign([state[v]], new[v])
        writer.assign([t_now], f"{t_now} + {h}")
        writer.assign([remaining], f"{remaining} - {h}")
        writer.assign([factor], f"{MAX_FACTOR!r}")
        writer.line(f"if {ratio} > 0.0:")
        writer.line(f"    {factor} = {SAFETY!r} * {ratio} ** {exponent!r}")
        writer.line(f"if {factor} > {MAX_FACTOR!r}:")
        writer.line(f"    {factor} = {MAX_FACTOR!r}")
        writer.line(f"if not {factor} >= {MIN_FACTOR!r}:")
        writer.line(f"    {factor} = {MIN_FACTOR!r}")
        writer.assign([proposal], f"{h} * {factor}")
        writer.comment("a sub-step cut short to land on t + dt must not shrink the proposal")
        writer.line(f"if {h} < {planned} and {proposal} < {planned}:")
        writer.line(f"    {proposal} = {planned}")
        writer.line(f"if {remaining} <= {MIN_STEP_FRACTION!r} * dt:")
        writer.line("    break")
        writer.assign([planned], proposal)
        writer.assign([h], f"{proposal} if {proposal} < {remaining} else {remaining}")
        writer.indent -= 1
        writer.line("else:")
        writer.indent += 1
        writer.comment("reject: retry a shorter sub-step, unless it is already negligible")
        writer.line(f"if {h} <= {MIN_STEP_FRACTION!r} * dt:")
        writer.indent += 1
        fail("underflow")
        writer.indent -= 1
        writer.assign([factor], f"{SAFETY!r} * {ratio} ** {exponent!r}")
        writer.line(f"if not {factor} >= {MIN_FACTOR!r}:")
        writer.line(f"    {factor} = {MIN_FACTOR!r}")
        writer.assign([h], f"{h} * {factor}")
        writer.assign([planned], h)
        writer.indent -= 1
        writer.line(f"if {attempts} >= {MAX_ATTEMPTS}:")
        writer.indent += 1
        fail("attempts")
        writer.indent -= 2
        writer.line(f"return {', '.join(state[v] for v in spec.variables)}, {proposal}")
        return writer.finish(f"Adaptive {tableau.name} step ({tableau.title}, tol={self.tol!r}) "
                             f"of `{spec.name}`: advances to t + dt, returns the next dt.",
                             extra=("dt",))
