"""The integrator object that ``bp.odeint`` and ``bp.sdeint`` return.

It holds the user's derivative, the settings (method, dt, ...), the generated
step source and two builds of it: a Python function (numpy backend) and a
counted numba dispatcher (numba backends, :attr:`Integrator.jit_step`).
Calling the integrator performs one step. Argument handling is precomputed
so that a Python loop over ``integral(...)`` (manual ch. 2) costs little more
than the step itself: a positional call with every argument goes straight to
the step function.

The class is a descriptor: when the derivative's first argument is ``self``,
``obj.integral(V, m, t, Iext)`` passes ``obj`` as ``self``.
"""

import types
import warnings

from numba.core import types as numba_types
from numba.core.errors import NumbaError

from ..backend import on_backend_change
from ..backend.jit import options_key, register_module_maker
from ..backend.settings import get_dt, is_numba_backend, on_dt_change
from ..constants import SCALAR_VAR, SUPPORTED_VAR_TYPE, normalize_choice
from ..errors import DiffEqError, IntegratorError, StepError
from .codegen import StepSpec, build_step
from .signature import count_mismatch_message, read_signature

__all__ = ["Integrator", "check_dt", "check_var_type"]

_MISSING = object()

# Bumped on every backend switch; integrators re-select their step lazily.
_BACKEND_EPOCH = [0]


def _backend_changed(_name):
    _BACKEND_EPOCH[0] += 1


on_backend_change(_backend_changed)
# A new default dt: integrators that follow it regenerate their step on their next call.
on_dt_change(_backend_changed)


def check_dt(dt, owner="integrator"):
    """Validate a time step.

    Parameters
    ----------
    dt : float or None
        None means the backend's default (``bp.backend.get_dt()``).
    owner : str, optional
        Used in the message.

    Returns
    -------
    float

    Raises
    ------
    IntegratorError
        If ``dt`` is not a positive finite number.
    """
    if dt is None:
        return get_dt()
    if isinstance(dt, bool):
        raise IntegratorError(f"`dt`={dt!r} of the {owner} must be a positive number (ms).")
    try:
        value = float(dt)
    except (TypeError, ValueError):
        raise IntegratorError(f"`dt`={dt!r} of the {owner} must be a positive number (ms).") \
            from None
    if not (0.0 < value < float("inf")):
        raise IntegratorError(f"`dt`={dt!r} of the {owner} must be a positive, finite time "
                              f"step (ms).")
    return value


def check_var_type(var_type):
    """Validate ``var_type`` (None means ``bp.SCALAR_VAR``).

    Parameters
    ----------
    var_type : str or None
        ``bp.SCALAR_VAR``, ``bp.POPU_VAR`` or ``bp.SYSTEM_VAR``, or their
        values in any capitalisation (``'population'``, ``'POPULATION'``).

    Returns
    -------
    str
        The canonical value.

    Raises
    ------
    IntegratorError
        If it names none of them.
    """
    if var_type is None:
        return SCALAR_VAR
    return normalize_choice("var_type", var_type, SUPPORTED_VAR_TYPE)


class Integrator:
    """One-step numerical integrator of a derivative function.

    Built by :func:`workbench.integrators.odeint` / :func:`~workbench.integrators.sdeint`;
    users do not create it directly.

    Parameters
    ----------
    derivative : callable
        ``f(vars..., t, params...)`` returning one derivative per variable.
    method : str
        The method keyword.
    scheme : object
        Generates step source: ``scheme.generate(spec) -> GeneratedStep`` and
        ``scheme.extra_arguments`` (``('dt',)`` for adaptive methods).
    dt : float, optional
        Time step; the backend's ``get_dt()`` at creation when omitted.
    var_type : str, optional
        ``bp.SCALAR_VAR`` (default), ``bp.POPU_VAR`` or ``bp.SYSTEM_VAR``.
    show_code : bool, optional
        Print the generated step source.
    adaptive : bool, optional
        Whether the step adapts ``dt`` (then ``dt`` is an argument and the
        new ``dt`` is returned last).
    tol : float, optional
        Error tolerance of adaptive steps.
    signature : DerivativeSignature, optional
        The call's variables and parameters (default: read from ``derivative``).

    Attributes
    ----------
    variables, parameters : tuple of str
        Arguments before and after ``t`` (``self`` excluded).
    defaults : dict
        Defaults of parameters.
    has_self : bool
        Whether the derivative is a method taking ``self``.
    derivative : callable
        The function as the user wrote it.
    method, var_type, adaptive, tol : settings.
    """

    kind = "ODE"

    def __init__(self, derivative, method, scheme, dt=None, var_type=None, show_code=False,
                 adaptive=False, tol=None, signature=None):
        signature = read_signature(derivative, "f") if signature is None else signature
        self.derivative = derivative
        self.method = method
        self.var_type = check_var_type(var_type)
        self.adaptive = bool(adaptive)
        self.tol = tol
        self.variables = signature.variables
        self.parameters = signature.parameters
        self.defaults = dict(signature.defaults)
        self.has_self = signature.has_self
        self._signature = signature
        self._scheme = scheme
        # Without an explicit dt the integrator follows bp.backend's dt (manual: "initialized as
        # the default dt step"), also when bp.backend.set_dt() comes after the model's definition.
        self._dt_follows_backend = dt is None
        self._dt = check_dt(dt)
        self.__name__ = signature.name
        self.__qualname__ = getattr(derivative, "__qualname__", signature.name)
        self.__doc__ = getattr(derivative, "__doc__", None)
        self.__module__ = getattr(derivative, "__module__", None)
        self._setup()
        if show_code:
            print(self.source)

    # ---------------------------------------------------------------- settings
    @property
    def dt(self):
        """The time step (ms) written into the generated step; setting it regenerates.

        An integrator created without ``dt`` follows ``bp.backend.get_dt()``: after
        ``bp.backend.set_dt()`` its step is regenerated for the new value.
        """
        self._sync_dt()
        return self._dt

    @dt.setter
    def dt(self, value):
        self._dt = check_dt(value)
        self._dt_follows_backend = value is None
        self._setup()

    def _sync_dt(self):
        if self._dt_follows_backend and self._dt != get_dt():
            self._dt = get_dt()
            self._setup()

    @property
    def source(self):
        """Source code of the generated step function (``show_code=True`` prints it)."""
        self._sync_dt()
        return self._generated.source

    @property
    def arguments(self):
        """Names of the call's arguments, in order (``self`` first for methods)."""
        return self._arg_names

    def _spec(self, derivative, parameters, has_self, **extra):
        return StepSpec(name=self._signature.name, variables=self.variables,
                        parameters=tuple(parameters), dt=self._dt, derivative=derivative,
                        has_self=has_self, defaults=self.defaults, **extra)

    def _step_spec(self):
        """The :class:`StepSpec` of this integrator's own step."""
        return self._spec(self.derivative, self.parameters, self.has_self)

    def _setup(self):
        """(Re)generate the step source and the argument mapping."""
        self._generated = self._scheme.generate(self._step_spec())
        self._python_step = None
        self._jit_step = None
        self._jit_options = None
        if not self.has_self and not getattr(self, "_module_maker", False):
            register_module_maker(self._make_jit_module)
            self._module_maker = True
        self._jit_failure = None
        self._made_steps = {}
        self._epoch = -1
        self._fast = None
        extra = tuple(self._scheme.extra_arguments)
        self._arg_names = self._signature.arguments + extra
        self._n_args = len(self._arg_names)
        self._arg_index = {name: i for i, name in enumerate(self._arg_names)}
        defaults = [self.defaults.get(name, _MISSING) for name in self._arg_names]
        if "dt" in extra:
            defaults[self._arg_index["dt"]] = self._dt
        self._arg_defaults = defaults

    # ---------------------------------------------------------------- builds
    @property
    def python_step(self):
        """The generated step as a plain Python function (what the numpy backend runs)."""
        self._sync_dt()
        if self._python_step is None:
            self._python_step = build_step(self._generated, jit=False)
        return self._python_step

    @property
    def jit_step(self):
        """The numba dispatcher of the step, callable from other compiled functions.

        Its arguments are the integrator's call arguments, all positional;
        it returns what calling the integrator returns.

        Raises
        ------
        IntegratorError
            For a derivative taking ``self`` (use :meth:`make_step` after
            turning ``self.x`` reads into parameters).
        """
        if self.has_self:
            raise IntegratorError(f"{self!r} integrates a method taking `self`, which compiled "
                                  f"code cannot receive: integrate a plain function to call it "
                                  f"from @numba.njit code (the simulation engine regenerates "
                                  f"such steps with make_step()).")
        self._sync_dt()
        options = options_key()
        if self._jit_step is None or self._jit_options != options:
            self._jit_step = build_step(self._generated, jit=True)
            self._jit_options = options
        return self._jit_step

    def _make_jit_module(self):
        """Load the module of :attr:`jit_step` (numba's disk cache may import it by name)."""
        self.jit_step

    @property
    def _numba_type_(self):
        """The type numba gives this object: that of its compiled step (:attr:`jit_step`).

        numba reads this attribute when a ``@numba.njit`` function uses the
        integrator (as a global, a closure variable or an argument), so user
        code can call it in its own compiled loops, as with BrainPy's
        integrators on the numba backend. Compilations are counted by
        ``bp.jit_compilations()`` like every other use of ``jit_step``.
        """
        return numba_types.Dispatcher(self.jit_step)

    def make_step(self, derivative, diffusion=None, parameters=None, jit=False):
        """Generate this method's step for another derivative with the same variables.

        The simulation engine uses it after rewriting ``self.x`` reads of a
        method-derivative into explicit parameters.

        Parameters
        ----------
        derivative : callable
            ``f(vars..., t, params...)`` with this integrator's variables.
        diffusion : callable, optional
            ``g`` for SDE integrators (default: none for ODEs, required for SDEs).
        parameters : sequence of str, optional
            Parameter names of the step (default: :attr:`parameters`). The
            functions may take any subset of them, in this order.
        jit : bool, optional
            Return a counted numba dispatcher instead of a Python function.

        Returns
        -------
        callable
            ``step(vars..., t, params...[, dt])``.

        Raises
        ------
        IntegratorError
            If the derivative's variables differ, or it takes parameters not
            in ``parameters``.
        """
        self._sync_dt()
        parameters = self.parameters if parameters is None else tuple(parameters)
        key = (id(derivative), id(diffusion), parameters, bool(jit), jit and options_key())
        cached = self._made_steps.get(key)
        if cached is not None and cached[0] is derivative and cached[1] is diffusion:
            return cached[2]
        spec = self._make_step_spec(derivative, diffusion, parameters)
        step = build_step(self._scheme.generate(spec), jit=jit)
        self._made_steps[key] = (derivative, diffusion, step)
        return step

    def _function_parameters(self, func, parameters, role):
        """The parameters ``func`` takes, checked against the step's ``parameters``."""
        signature = read_signature(func, role)
        if signature.variables != self.variables:
            raise IntegratorError(f"make_step(): `{role}`={signature.name!r} has variables "
                                  f"{signature.variables}, but this integrator integrates "
                                  f"{self.variables}.")
        unknown = [p for p in signature.parameters if p not in parameters]
        if unknown:
            raise IntegratorError(f"make_step(): `{role}`={signature.name!r} takes "
                                  f"{', '.join(unknown)}, which are not among `parameters`="
                                  f"{parameters}.")
        if list(signature.parameters) != [p for p in parameters if p in signature.parameters]:
            raise IntegratorError(f"make_step(): `{role}`={signature.name!r} takes its "
                                  f"parameters in the order {signature.parameters}; list them "
                                  f"in that order in `parameters`={parameters}.")
        return signature

    def _make_step_spec(self, derivative, diffusion, parameters):
        if diffusion is not None:
            raise IntegratorError(f"make_step(): {self!r} is an ODE integrator; it takes no "
                                  f"`diffusion`.")
        signature = self._function_parameters(derivative, parameters, "derivative")
        return self._spec(derivative, parameters, signature.has_self,
                          derivative_parameters=signature.parameters)

    # ---------------------------------------------------------------- calling
    def __get__(self, instance, owner=None):
        if instance is None or not self.has_self:
            return self
        return types.MethodType(self, instance)

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != self._n_args:
            args = self._bind(args, kwargs)
        if self._epoch != _BACKEND_EPOCH[0]:
            self._select_step()
        return self._fast(*args)

    def _select_step(self):
        self._sync_dt()
        self._epoch = _BACKEND_EPOCH[0]
        if is_numba_backend() and not self.has_self and self._jit_failure is None:
            self._fast = self._first_jit_call
        else:
            self._fast = self._first_python_call

    def _first_python_call(self, *args):
        step = self.python_step
        # Checked before the first step: a multi-variable derivative returning one array of
        # matching length would otherwise be unpacked along its first axis without error.
        self._diagnose(args)
        try:
            result = step(*args)
        except (ValueError, TypeError):
            self._diagnose(args)
            raise
        self._fast = step
        return result

    def _first_jit_call(self, *args):
        try:
            step = self.jit_step
            result = step(*args)
        except StepError:
            raise                   # the step compiled and ran; the call itself failed
        except (NumbaError, IntegratorError) as exc:
            self._diagnose(args)
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self._jit_failure = reason
            warnings.warn(f"{self!r} could not be compiled with numba ({reason}); it runs as "
                          f"Python code on this backend.", RuntimeWarning, stacklevel=3)
            self._fast = self._first_python_call
            return self._fast(*args)
        self._fast = step
        return result

    def _checked_functions(self):
        """(function, role) pairs whose return counts :meth:`_diagnose` verifies."""
        return [(self.derivative, "f")]

    def _diagnose(self, args):
        """Raise a clear error if a function returns the wrong number of values."""
        values = dict(zip(self._arg_names, args))
        for func, role in self._checked_functions():
            signature = read_signature(func, role)
            try:
                result = func(*[values[name] for name in signature.arguments])
            except Exception:       # the original error is more telling
                return
            n = len(self.variables)
            many = isinstance(result, (tuple, list))
            count = len(result) if many else 1
            if count != n and not (n == 1 and not many):
                what = "derivative" if role == "f" else "diffusion coefficient"
                text = f"a {type(result).__name__}" if count == 1 else f"a tuple of {count}"
                raise DiffEqError(count_mismatch_message(signature, count, text, what))

    def _bind(self, args, kwargs):
        """Map a call's arguments onto the positional order, filling defaults."""
        names = self._arg_names
        if len(args) > self._n_args:
            raise TypeError(f"{self.__name__}() takes {self._n_args} arguments "
                            f"({', '.join(names)}) but {len(args)} were given.")
        values = list(args) + [_MISSING] * (self._n_args - len(args))
        for key, value in kwargs.items():
            index = self._arg_index.get(key)
            if index is None:
                hint = ""
                if key == "dt" and not self.adaptive:
                    hint = (" `dt` is an argument of adaptive integrators only "
                            "(adaptive=True with an embedded method); this one steps with "
                            f"its fixed dt={self._dt!r}.")
                raise TypeError(f"{self.__name__}() got an unexpected keyword argument {key!r}; "
                                f"it takes: {', '.join(names)}.{hint}")
            if values[index] is not _MISSING:
                raise TypeError(f"{self.__name__}() got multiple values for argument {key!r}.")
            values[index] = value
        missing = []
        for index, value in enumerate(values):
            if value is _MISSING:
                default = self._arg_defaults[index]
                if default is _MISSING:
                    missing.append(names[index])
                values[index] = default
        if missing:
            raise TypeError(f"{self.__name__}() is missing argument(s) "
                            f"{', '.join(repr(m) for m in missing)}; it takes: "
                            f"{', '.join(names)}.")
        return values

    # ---------------------------------------------------------------- misc
    def __repr__(self):
        arguments = ", ".join(self._arg_names)
        extra = f", tol={self.tol!r}" if self.adaptive else ""
        return (f"<{type(self).__name__} {self.method!r} of {self.__name__}({arguments}), "
                f"dt={self._dt!r}{extra}>")

    def __getstate__(self):
        state = dict(self.__dict__)
        for key in ("_generated", "_python_step", "_jit_step", "_jit_options", "_made_steps",
                    "_fast",
                    "_arg_names", "_arg_index", "_arg_defaults", "_n_args", "_epoch",
                    "_jit_failure", "_module_maker"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._setup()

