"""Compiled steps for integrators of methods (derivatives that read ``self.x``).

``@bp.odeint def integral(self, V, m, h, n, t, Iext)`` reading ``self.gNa``
cannot be compiled as is: numba has no ``self``. Its derivative is rewritten
into ``integral(V, m, h, n, t, Iext, self__gNa, ...)`` -- every ``self.x`` read
becomes a trailing parameter -- and the integrator regenerates its step for
that function through ``make_step(..., jit=True)`` (the integrator contract).
Compiled step methods then pass the object's current ``self.x`` values as the
extra arguments, so those parameters stay run-time data too.
"""

import ast
import inspect
import textwrap

from ....backend.jit import load_generated_module, options_key
from ....errors import ModelError
from .fingerprints import fingerprint

__all__ = ["method_integrator_step"]

_cache = {}


class _SelfReads(ast.NodeTransformer):
    """Replace ``self.a.b`` chains by names ``self__a__b``, recording the chains."""

    def __init__(self, self_name, where):
        self.self_name = self_name
        self.where = where
        self.chains = []

    def visit_Attribute(self, node):
        names = []
        inner = node
        while isinstance(inner, ast.Attribute):
            names.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and inner.id == self.self_name:
            if not isinstance(node.ctx, ast.Load):
                raise ModelError(f"{self.where} assigns to {ast.unparse(node)}; a derivative may "
                                 f"only read attributes of self.")
            chain = tuple(reversed(names))
            if chain not in self.chains:
                self.chains.append(chain)
            return ast.copy_location(ast.Name("self__" + "__".join(chain), ast.Load()), node)
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == self.self_name:
            raise ModelError(f"{self.where} uses `self` other than to read attributes (line "
                             f"{node.lineno}); compiled derivatives can only read self.x.")
        return node


def method_integrator_step(integrator):
    """The compiled step of a method integrator, and the ``self`` chains it needs.

    Parameters
    ----------
    integrator : object
        An integrator with ``has_self`` True.

    Returns
    -------
    step : numba dispatcher
        Called as ``step(*variables, t, *parameters, *self_values)``.
    chains : list of tuple of str
        The attribute chains (e.g. ``('gNa',)``) whose values follow the
        integrator's own parameters, in order.

    Raises
    ------
    ModelError
        If the derivative's source is unavailable or it uses ``self`` other
        than by reading attributes.
    """
    cached = _cache.get((id(integrator), options_key()))
    if cached is not None and cached[0] is integrator:
        return cached[1], cached[2]
    derivative = integrator.derivative
    where = f"The derivative {getattr(derivative, '__qualname__', derivative)!r}"
    try:
        source = textwrap.dedent(inspect.getsource(derivative))
    except (OSError, TypeError) as exc:
        raise ModelError(f"{where} has no source code ({exc}); it cannot be compiled.") from None
    fdef = ast.parse(source).body[0]
    fdef.decorator_list = []
    self_name = fdef.args.args[0].arg
    reads = _SelfReads(self_name, where)
    fdef.body = [reads.visit(statement) for statement in fdef.body]
    names = ["self__" + "__".join(chain) for chain in reads.chains]
    fdef.args.args = fdef.args.args[1:] + [ast.arg(name) for name in names]
    fdef.args.defaults = []          # the compiled call site passes every argument
    generated = ast.unparse(ast.fix_missing_locations(fdef)) + "\n"
    module = load_generated_module(generated, f"derivative_{fdef.name}",
                                   key_parts=[fingerprint(derivative)],
                                   namespace={k: v for k, v in derivative.__globals__.items()
                                              if not (k.startswith("__") and k.endswith("__"))})
    new_derivative = getattr(module, fdef.name)
    parameters = tuple(integrator.parameters) + tuple(names)
    step = integrator.make_step(new_derivative, parameters=parameters, jit=True)
    _cache[id(integrator), options_key()] = (integrator, step, list(reads.chains))
    return step, list(reads.chains)
