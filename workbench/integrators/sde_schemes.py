"""Step-source generators of the SDE methods (manual ch. 12, 15.2).

An SDE ``dx = f dt + g dW`` is given by the drift ``f`` and the diffusion
``g``, both written like ODE derivatives. Noise conventions:

* ``bp.SCALAR_WIENER``: every element of every variable has its own Wiener
  process (``g`` has the variable's shape; diagonal noise), as in the noisy
  Lorenz example ``dx = sigma (y - x) dt + p x dW_x``;
* ``bp.VECTOR_WIENER``: ``g`` returns arrays whose last axis indexes ``m``
  Wiener processes shared by all variables; the noise term is
  ``sum_j g[..., j] dW_j``.

Every scheme is generated twice from the same writer code: the public step,
which draws its Wiener increments (``numpy.random`` on the numpy backend,
numba's generator when compiled), and a *noise-driven* step that takes the
increments as extra arguments -- used to drive several step sizes with one
Brownian path (convergence tests, common random numbers).

Schemes (``h`` the step, ``dW ~ N(0, h)``):

* ``euler`` -- Ito: Euler-Maruyama ``x + f h + g dW``. Stratonovich: the same
  on the equivalent Ito equation, with the drift correction ``g'g / 2`` taken
  derivative-free from the central difference ``g(x + g sqrt(h)) - g(x - g
  sqrt(h))`` (strong order 0.5, weak 1; converges to the Stratonovich solution).
* ``heun`` -- Stratonovich stochastic Heun (predictor ``x + f h + g dW``,
  trapezoidal corrector).
* ``milstein`` -- derivative-free Milstein. Ito (Kloeden & Platen eq. 11.1.5):
  ``g'g`` from the forward difference at ``x + f h + g sqrt(h)``, times
  ``dW**2 - h``. Stratonovich: ``g'g`` from a central difference (a forward
  one would leave an O(sqrt h) bias in ``g'g dW**2``), times ``dW**2``. Vector
  noise uses the commutative-noise form (strong order 1 for commutative noise).
* ``exponential_euler`` -- ``x + h exprel(h A) f + exp(h A) g dW`` (Ito).
* ``srk1w1_scalar``, ``srk2w1_scalar``, ``KlPl_scalar`` -- SRI tableaus
  (:class:`.tableaus.SRITableau`), Ito, scalar noise.
"""

import math

from ..constants import ITO_SDE, VECTOR_WIENER
from .codegen import StepWriter, scaled, time_at, weighted_sum
from .exponential import linear_coefficients, write_exponential_update
from .kernels import KERNELS

__all__ = ["SDEScheme"]


class _Noise:
    """Names of the Wiener increments of one step; draws them lazily or takes them as arguments."""

    def __init__(self, writer, wiener_type, given, dt_name, sqrt_dt_name, time_integral):
        self.writer = writer
        self.vector = wiener_type == VECTOR_WIENER
        self.given = given
        self.dt = dt_name
        self.sqrt_dt = sqrt_dt_name
        variables = writer.spec.variables
        if self.vector:
            self.names = {None: writer.fresh("dW")}
        else:
            self.names = {v: writer.fresh(f"dW_{v}") for v in variables}
        self.time_integrals = {v: writer.fresh(f"I10_{v}") for v in variables} \
            if time_integral else {}
        self.arguments = tuple(self.names.values()) + tuple(self.time_integrals.values())
        self._drawn = set()

    def increment(self, variable, diffusion_value=None):
        """Name of ``dW`` for ``variable`` (vector noise: the shared vector, drawn from ``g``'s shape)."""
        key = None if self.vector else variable
        name = self.names[key]
        if not self.given and key not in self._drawn:
            self._drawn.add(key)
            if self.vector:
                draw = self.writer.add_global("normal_vector", KERNELS["normal_vector"])
                self.writer.assign([name], f"{draw}({diffusion_value}, {self.sqrt_dt})")
            else:
                draw = self.writer.add_global("normal_like", KERNELS["normal_like"])
                self.writer.assign([name], f"{draw}({variable}, {self.sqrt_dt})")
        return name

    def time_integral(self, variable):
        """Name of ``I10 = int_t^{t+h} (W(s) - W(t)) ds`` for ``variable`` (scalar noise)."""
        name = self.time_integrals[variable]
        if not self.given and ("I10", variable) not in self._drawn:
            self._drawn.add(("I10", variable))
            increment = self.increment(variable)
            draw = self.writer.add_global("normal_like", KERNELS["normal_like"])
            extra = self.writer.fresh(f"dZ_{variable}")
            self.writer.comment("I10 has covariance h**2/2 with dW and variance h**3/3")
            self.writer.assign([extra], f"{draw}({variable}, {self.sqrt_dt})")
            self.writer.assign([name], f"0.5 * {self.dt} * ({increment} + {extra} / "
                                       f"{math.sqrt(3.0)!r})")
        return name


class _Context:
    """Shared pieces of one generated SDE step."""

    def __init__(self, spec, method, sde_type, wiener_type, given, time_integral=False):
        suffix = "_noise_driven" if given else ""
        self.writer = writer = StepWriter(spec, f"{method}{suffix}")
        self.spec = spec
        self.sde_type = sde_type
        self.vector = wiener_type == VECTOR_WIENER
        self.f = writer.add_global("f", spec.derivative, user_function=True)
        self.g = writer.add_global("g", spec.diffusion, user_function=True)
        self.wiener_sum = writer.add_global("wiener_sum", KERNELS["wiener_sum"]) \
            if self.vector else None
        self.dt = writer.fresh("dt")
        self.sqrt_dt = writer.fresh("sqrt_dt")
        writer.assign([self.dt], repr(spec.dt))
        writer.assign([self.sqrt_dt], repr(math.sqrt(spec.dt)))
        self.noise = _Noise(writer, wiener_type, given, self.dt, self.sqrt_dt, time_integral)

    def evaluate(self, which, values, t_expr, label):
        """Call ``f`` or ``g`` at ``values``; return variable -> name of the result."""
        spec = self.spec
        func = self.f if which == "f" else self.g
        parameters = spec.f_parameters if which == "f" else spec.g_parameters
        targets = [self.writer.fresh(f"{which}_{v}{label}") for v in spec.variables]
        self.writer.assign(targets, self.writer.call(func, [values[v] for v in spec.variables],
                                                     t_expr, parameters))
        return dict(zip(spec.variables, targets))

    def noise_term(self, variable, diffusion):
        """Source of ``g dW`` (scalar) or ``sum_j g[..., j] dW_j`` (vector) for a variable."""
        increment = self.noise.increment(variable, diffusion)
        if self.vector:
            return f"{self.wiener_sum}({diffusion}, {increment})"
        return f"{diffusion} * {increment}"

    def assign_values(self, base, expressions):
        """Assign ``{base}_{v} = expression`` per variable; return variable -> name."""
        names = {}
        for v in self.spec.variables:
            names[v] = self.writer.fresh(f"{v}_{base}")
            self.writer.assign([names[v]], expressions[v])
        return names

    def finish(self, results, method_title):
        self.writer.line(f"return {', '.join(results[v] for v in self.spec.variables)}")
        extra = self.noise.arguments if self.noise.given else ()
        kind = "Ito" if self.sde_type == ITO_SDE else "Stratonovich"
        wiener = "vector" if self.vector else "scalar"
        driven = ", noise given as arguments" if self.noise.given else ""
        return self.writer.finish(f"{method_title} step of `{self.spec.name}` ({kind}, {wiener} "
                                  f"Wiener{driven}), dt={self.spec.dt!r}.", extra=extra)


def _differences(ctx, f_values, g_values):
    """Derivative-free ``g'g`` pieces of scalar noise: variable -> difference of ``g`` values.

    Ito (Milstein): forward difference ``g(x + f h + g sqrt h) - g(x)``, which
    multiplies the zero-mean ``dW**2 - h``. Stratonovich: central difference
    ``g(x + g sqrt h) - g(x - g sqrt h)``, whose bias is O(h), so the correction
    (multiplying ``dW**2`` or ``h``) keeps the scheme's order.
    """
    variables = ctx.spec.variables
    if ctx.sde_type == ITO_SDE:
        support = ctx.assign_values("support", {v: f"{v} + {f_values[v]} * {ctx.dt} + "
                                                   f"{g_values[v]} * {ctx.sqrt_dt}"
                                                for v in variables})
        shifted = ctx.evaluate("g", support, ctx.writer.t, "_support")
        return {v: f"({shifted[v]} - {g_values[v]})" for v in variables}
    plus = ctx.assign_values("plus", {v: f"{v} + {g_values[v]} * {ctx.sqrt_dt}"
                                      for v in variables})
    minus = ctx.assign_values("minus", {v: f"{v} - {g_values[v]} * {ctx.sqrt_dt}"
                                        for v in variables})
    g_plus = ctx.evaluate("g", plus, ctx.writer.t, "_plus")
    g_minus = ctx.evaluate("g", minus, ctx.writer.t, "_minus")
    return {v: f"({g_plus[v]} - {g_minus[v]})" for v in variables}


def _vector_differences(ctx, f_values, g_values, milstein):
    """Derivative-free ``L^j g`` sums of vector noise, two or one ``g`` calls per Wiener process.

    Returns variable -> name of ``sum_j D_j`` where ``D_j`` is the difference of
    ``g`` at the support values of process ``j`` (forward with drift for Ito,
    central for Stratonovich, see :func:`_differences`), weighted for Milstein
    by ``sum_k D_j[..., k] dW_k dW_j`` (minus ``D_j[..., j] h`` for Ito), and
    for the Stratonovich Euler correction only its diagonal ``D_j[..., j]``.
    """
    writer, spec = ctx.writer, ctx.spec
    ito = ctx.sde_type == ITO_SDE
    first = spec.variables[0]
    increment = ctx.noise.increment(first, g_values[first])
    totals = {v: writer.fresh(f"{v}_correction") for v in spec.variables}
    for v in spec.variables:
        writer.assign([totals[v]], f"0.0 * {f_values[v]}")
    j = writer.fresh("j")
    writer.line(f"for {j} in range({increment}.shape[-1]):")
    writer.indent += 1
    if ito:
        plus = ctx.assign_values("plus", {v: f"{v} + {f_values[v]} * {ctx.dt} + "
                                             f"{g_values[v]}[..., {j}] * {ctx.sqrt_dt}"
                                          for v in spec.variables})
        lower = g_values
    else:
        plus = ctx.assign_values("plus", {v: f"{v} + {g_values[v]}[..., {j}] * {ctx.sqrt_dt}"
                                          for v in spec.variables})
        minus = ctx.assign_values("minus", {v: f"{v} - {g_values[v]}[..., {j}] * {ctx.sqrt_dt}"
                                            for v in spec.variables})
        lower = ctx.evaluate("g", minus, writer.t, "_minus")
    upper = ctx.evaluate("g", plus, writer.t, "_plus")
    for v in spec.variables:
        if milstein:
            term = (f"{ctx.wiener_sum}({upper[v]} - {lower[v]}, {increment}) * "
                    f"{increment}[..., {j}]")
            if ito:
                term += f" - ({upper[v]}[..., {j}] - {lower[v]}[..., {j}]) * {ctx.dt}"
        else:
            term = f"{upper[v]}[..., {j}] - {lower[v]}[..., {j}]"
        writer.assign([totals[v]], f"{totals[v]} + {term}")
    writer.indent -= 1
    return totals


def _write_euler(ctx):
    x = {v: v for v in ctx.spec.variables}
    f_values = ctx.evaluate("f", x, ctx.writer.t, "")
    g_values = ctx.evaluate("g", x, ctx.writer.t, "")
    new = {}
    if ctx.sde_type == ITO_SDE:
        for v in ctx.spec.variables:
            new[v] = f"{v} + {f_values[v]} * {ctx.dt} + {ctx.noise_term(v, g_values[v])}"
        return ctx.assign_values("new", new)
    ctx.writer.comment("Stratonovich: Euler-Maruyama plus the drift correction g'g/2, "
                       "by central differences")
    if ctx.vector:
        corrections = _vector_differences(ctx, f_values, g_values, milstein=False)
    else:
        corrections = _differences(ctx, f_values, g_values)
    for v in ctx.spec.variables:
        new[v] = (f"{v} + {f_values[v]} * {ctx.dt} + {ctx.noise_term(v, g_values[v])} "
                  f"+ 0.25 * {ctx.sqrt_dt} * {corrections[v]}")
    return ctx.assign_values("new", new)


def _write_heun(ctx):
    variables = ctx.spec.variables
    x = {v: v for v in variables}
    f_values = ctx.evaluate("f", x, ctx.writer.t, "")
    g_values = ctx.evaluate("g", x, ctx.writer.t, "")
    predictor = ctx.assign_values("bar", {v: f"{v} + {f_values[v]} * {ctx.dt} + "
                                            f"{ctx.noise_term(v, g_values[v])}"
                                  for v in variables})
    f_bar = ctx.evaluate("f", predictor, f"{ctx.writer.t} + {ctx.dt}", "_bar")
    g_bar = ctx.evaluate("g", predictor, f"{ctx.writer.t} + {ctx.dt}", "_bar")
    new = {}
    for v in variables:
        noise = ctx.noise_term(v, f"({g_values[v]} + {g_bar[v]})")
        new[v] = f"{v} + 0.5 * ({f_values[v]} + {f_bar[v]}) * {ctx.dt} + 0.5 * {noise}"
    return ctx.assign_values("new", new)


def _write_milstein(ctx):
    variables = ctx.spec.variables
    ito = ctx.sde_type == ITO_SDE
    x = {v: v for v in variables}
    f_values = ctx.evaluate("f", x, ctx.writer.t, "")
    g_values = ctx.evaluate("g", x, ctx.writer.t, "")
    # Milstein term: (1/2) g'g (dW**2 - h) for Ito, (1/2) g'g dW**2 for Stratonovich, with
    # g'g ~ forward difference / sqrt(h) (Ito) or central difference / (2 sqrt(h)) (Strat.)
    scale = "0.5" if ito else "0.25"
    new = {}
    if ctx.vector:
        corrections = _vector_differences(ctx, f_values, g_values, milstein=True)
        for v in variables:
            new[v] = (f"{v} + {f_values[v]} * {ctx.dt} + {ctx.noise_term(v, g_values[v])} "
                      f"+ {scale} / {ctx.sqrt_dt} * {corrections[v]}")
        return ctx.assign_values("new", new)
    differences = _differences(ctx, f_values, g_values)
    for v in variables:
        increment = ctx.noise.increment(v)
        square = f"{increment} * {increment}"
        if ito:
            square = f"({square} - {ctx.dt})"
        new[v] = (f"{v} + {f_values[v]} * {ctx.dt} + {g_values[v]} * {increment} "
                  f"+ {scale} / {ctx.sqrt_dt} * {differences[v]} * {square}")
    return ctx.assign_values("new", new)


def _write_exponential_euler(ctx):
    variables = ctx.spec.variables
    coefficients = linear_coefficients(ctx.spec.derivative, variables)
    x = {v: v for v in variables}
    f_values = ctx.evaluate("f", x, ctx.writer.t, "")
    g_values = ctx.evaluate("g", x, ctx.writer.t, "")
    products = write_exponential_update(ctx.writer, coefficients, ctx.dt)
    exprel = ctx.writer.add_global("exprel", KERNELS["exprel"])
    new = {}
    for v in variables:
        noise = ctx.noise_term(v, g_values[v])
        if products[v] is None:
            new[v] = f"{v} + {ctx.dt} * {f_values[v]} + {noise}"
        else:
            z = products[v]
            new[v] = f"{v} + {ctx.dt} * {exprel}({z}) * {f_values[v]} + numpy.exp({z}) * {noise}"
    return ctx.assign_values("new", new)


def _needed_sri_stages(tableau):
    """Stages whose drift / diffusion values the update or a later needed stage reads."""
    s = tableau.stages
    need_f = {i for i in range(s) if tableau.alpha[i] != 0}
    need_g = {i for i in range(s) if any(b[i] != 0 for b in (tableau.beta1, tableau.beta2,
                                                              tableau.beta3, tableau.beta4))}
    for i in range(s - 1, -1, -1):
        if i in need_f:
            need_f |= {j for j in range(i) if tableau.A0[i][j] != 0}
            need_g |= {j for j in range(i) if tableau.B0[i][j] != 0}
        if i in need_g:
            need_f |= {j for j in range(i) if tableau.A1[i][j] != 0}
            need_g |= {j for j in range(i) if tableau.B1[i][j] != 0}
    return need_f, need_g


def _write_sri(ctx, tableau):
    writer, variables = ctx.writer, ctx.spec.variables
    need_f, need_g = _needed_sri_stages(tableau)
    uses_i10 = tableau.uses_time_integral
    scaled_i10 = {}
    if uses_i10:
        for v in variables:
            scaled_i10[v] = writer.fresh(f"J10_{v}")
            writer.assign([scaled_i10[v]], f"{ctx.noise.time_integral(v)} / {ctx.dt}")
    f_at, g_at, points = {}, {}, {}
    for i in range(tableau.stages):
        for kind, A, B, nodes, needed, store, scale in (
                ("f", tableau.A0, tableau.B0, tableau.c0, need_f, f_at, "I10"),
                ("g", tableau.A1, tableau.B1, tableau.c1, need_g, g_at, "sqrt")):
            if i not in needed:
                continue
            values = {}
            for v in variables:
                drift = weighted_sum((A[i][j], f_at[j][v]) for j in range(i) if j in f_at)
                noise = weighted_sum((B[i][j], g_at[j][v]) for j in range(i) if j in g_at)
                parts = [v]
                if drift is not None:
                    parts.append(scaled(ctx.dt, drift))
                if noise is not None:
                    factor = scaled_i10[v] if scale == "I10" else ctx.sqrt_dt
                    parts.append(scaled(factor, noise))
                expression = " + ".join(parts)
                if expression in points:                   # same point as an earlier stage
                    values[v] = points[expression]
                elif len(parts) == 1:
                    values[v] = v
                else:
                    name = writer.fresh(f"{v}_H{0 if kind == 'f' else 1}{i + 1}")
                    writer.assign([name], expression)
                    points[expression] = name
                    values[v] = name
            store[i] = ctx.evaluate(kind, values, time_at(writer.t, ctx.dt, nodes[i]), f"_{i + 1}")
    new = {}
    for v in variables:
        increment = ctx.noise.increment(v)
        multipliers = {}
        j11 = writer.fresh(f"J11_{v}")
        writer.assign([j11], f"0.5 * ({increment} * {increment} - {ctx.dt}) / {ctx.sqrt_dt}")
        multipliers["beta2"] = j11
        if any(b != 0 for b in tableau.beta4):
            j111 = writer.fresh(f"J111_{v}")
            writer.assign([j111], f"({increment} * {increment} * {increment} - 3.0 * {ctx.dt} * "
                                  f"{increment}) / (6.0 * {ctx.dt})")
            multipliers["beta4"] = j111
        drift = weighted_sum((tableau.alpha[i], f_at[i][v]) for i in sorted(f_at))
        terms = [v]
        if drift is not None:
            terms.append(scaled(ctx.dt, drift))
        for i in sorted(g_at):
            weights = weighted_sum([(tableau.beta1[i], increment),
                                    (tableau.beta2[i], multipliers["beta2"]),
                                    (tableau.beta3[i], scaled_i10.get(v, "0.0")),
                                    (tableau.beta4[i], multipliers.get("beta4", "0.0"))])
            if weights is not None:
                factor = weights if weights.isidentifier() else f"({weights})"
                terms.append(f"{factor} * {g_at[i][v]}")
        new[v] = " + ".join(terms)
    return ctx.assign_values("new", new)


class SDEScheme:
    """Generates the step of one SDE method for given ``sde_type`` and ``wiener_type``.

    Parameters
    ----------
    method : str
        The method keyword.
    sde_type : str
        ``bp.ITO_SDE`` or ``bp.STRA_SDE``.
    wiener_type : str
        ``bp.SCALAR_WIENER`` or ``bp.VECTOR_WIENER``.
    tableau : SRITableau, optional
        For the stochastic Runge-Kutta methods.
    """

    extra_arguments = ()

    _WRITERS = {"euler": _write_euler, "heun": _write_heun, "milstein": _write_milstein,
                "exponential_euler": _write_exponential_euler}

    def __init__(self, method, sde_type, wiener_type, tableau=None):
        self.method = method
        self.sde_type = sde_type
        self.wiener_type = wiener_type
        self.tableau = tableau

    def generate(self, spec, given_noise=False):
        """Source of the step for ``spec``.

        Parameters
        ----------
        spec : StepSpec
            With ``diffusion`` set.
        given_noise : bool, optional
            Generate the noise-driven variant (increments as trailing arguments).

        Returns
        -------
        GeneratedStep
        """
        time_integral = self.tableau is not None and self.tableau.uses_time_integral
        ctx = _Context(spec, self.method, self.sde_type, self.wiener_type, given_noise,
                       time_integral)
        if self.tableau is not None:
            results = _write_sri(ctx, self.tableau)
            title = f"{self.method} ({self.tableau.title})"
        else:
            results = self._WRITERS[self.method](ctx)
            title = self.method
        return ctx.finish(results, title)

