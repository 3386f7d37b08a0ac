"""What a name or attribute chain in a step refers to, decided from the current values.

``self.V`` is an attribute (a :class:`~workbench.simulation.numba.generator.bindings.Binding`),
``self.int_V`` an integrator, ``np.exp`` a function numba resolves itself,
``bp.ops.exp`` a function injected by value, ``ref_time`` a module constant
(another binding), ``self.pre.spike`` an attribute of another model object.
Chains are followed through model objects and modules; anything that cannot be
passed to compiled code is refused with a message naming the line.
"""

import inspect
import types

import numba

from ...codegen.astutil import MISSING, static_get
from ...codegen.elementwise import is_integrator
from ...nodes.base import DynamicalSystem
from .bindings import classify

__all__ = ["Ref", "resolve", "is_dispatcher", "STABLE_MODULES"]

#: Root modules whose attribute chains are left in the code (numba resolves them and
#: their functions never change).
STABLE_MODULES = ("numpy", "math", "cmath", "numba")


class Ref:
    """What an expression chain refers to.

    Attributes
    ----------
    kind : str
        ``'binding'``, ``'integrator'``, ``'function'``, ``'keep'`` (left in the code:
        builtins, numpy, math), or ``'local'`` (a local variable of the step).
    value : object
        The integrator, function or kept object.
    binding : Binding
        For ``'binding'``.
    rest : list of str
        Attributes after the resolved part (``.shape`` in ``self.V.shape``).
    param : str
        Base name of the binding's parameters (``self__pre__spike``).
    owner_chain : list of str
        For integrators reached through an object: the chain to that object.
    name : str
        For integrators and functions: a name for the injected value.
    """

    def __init__(self, kind, value=None, binding=None, rest=(), param=None, owner_chain=None,
                 name=None):
        self.kind = kind            # binding / integrator / function / keep / local / object
        self.value = value
        self.binding = binding
        self.rest = list(rest)
        self.param = param
        self.owner_chain = owner_chain
        self.name = name


def resolve(ctx, names, node):
    """What the chain ``names`` (``['self', 'pre', 'spike']``) refers to.

    Parameters
    ----------
    ctx : StepContext
    names : list of str
    node : ast.AST
        The expression, for messages.

    Returns
    -------
    Ref

    Raises
    ------
    StepCompileError
        For a name that is not defined, a missing attribute, a method call, a
        model object used as a value, or a value compiled code cannot take.
    """
    root = names[0]
    if root == ctx.self_name:
        return _resolve_object(ctx, ctx.node, names[1:], ["self"], node, [root])
    if root in ctx.locals:
        return Ref("local")
    value, owner = ctx.lookup_global(root, node)
    if owner is None:                        # a builtin
        return Ref("keep", value=value)
    return _resolve_global(ctx, root, value, owner, names, node)

def _resolve_object(ctx, obj, attrs, path, node, source_chain):
    for position, attr in enumerate(attrs):
        value = static_get(obj, attr)
        if value is MISSING:
            raise ctx.error(node, f"{'.'.join(source_chain + attrs[:position + 1])}: "
                                       f"{_describe(obj)} has no attribute {attr!r}")
        if isinstance(value, DynamicalSystem):
            obj, path = value, path + [attr]
            continue
        rest = attrs[position + 1:]
        chain_text = ".".join(source_chain + attrs[:position + 1])
        if is_integrator(value):
            return Ref("integrator", value=value, rest=rest, name=attr,
                        owner_chain=source_chain + attrs[:position])
        if inspect.ismethod(value) or isinstance(value, (types.BuiltinMethodType,)):
            raise ctx.error(node, f"{chain_text}(...) calls another method; compiled "
                                       f"steps can call integrators and functions, not "
                                       f"methods (inline the method's code, or make it a "
                                       f"@staticmethod).")
        if isinstance(value, types.FunctionType) or is_dispatcher(value):
            return Ref("function", value=value, rest=rest, name=attr)
        kind = classify(value)
        if kind == "other":
            raise ctx.error(node, f"{chain_text} is a {type(value).__name__}; compiled "
                                       f"steps can read numeric arrays, numbers, tuples of "
                                       f"ints, lists of index arrays and delays.")
        binding = ctx.registry.get(obj, attr, kind, value)
        base = "__".join(path + [attr])
        return Ref("binding", binding=binding, rest=rest, param=base)
    raise ctx.error(node, f"{'.'.join(source_chain + attrs)} is a model object; compiled "
                               f"steps can only use its attributes (e.g. .V).")

def _resolve_global(ctx, root, value, owner, names, node):
    if isinstance(value, types.ModuleType):
        top = value.__name__.split(".")[0]
        consumed = [root]
        current = value
        for attr in names[1:]:
            if not isinstance(current, types.ModuleType):
                break
            if not hasattr(current, attr):
                raise ctx.error(node, f"{'.'.join(consumed + [attr])} does not exist")
            current = getattr(current, attr)
            consumed.append(attr)
        rest = names[len(consumed):]
        if top in STABLE_MODULES:
            ctx.namespace[root] = value
            ctx.key_parts[f"{root}=module {value.__name__}"] = None
            return Ref("keep", value=current, rest=rest)
        if isinstance(current, types.ModuleType):
            raise ctx.error(node, f"{'.'.join(consumed)} is a module; compiled steps can use "
                                  f"its functions and numbers.")
        module = _owning_module(value, consumed)
        return _classify_global(ctx, consumed[-1], current, module, rest, node,
                                     "__".join(consumed), consumed)
    return _classify_global(ctx, root, value, owner, names[1:], node, root, [root])

def _classify_global(ctx, name, value, owner, rest, node, param, consumed):
    if is_integrator(value):
        return Ref("integrator", value=value, rest=rest, name=name, owner_chain=None)
    if callable(value) and classify(value) == "other":
        # functions, ufuncs, numpy's array-function dispatchers, types, dispatchers:
        # numba decides whether it can call them (a failure names the line)
        return Ref("function", value=value, rest=rest, name="_".join(consumed))
    kind = classify(value)
    if kind == "other":
        raise ctx.error(node, f"{'.'.join(consumed)} is a {type(value).__name__}; compiled "
                              f"steps can read numbers, numeric arrays and functions from "
                              f"their module.")
    binding = ctx.registry.get(owner, name, kind, value)
    return Ref("binding", binding=binding, rest=rest, param=param)


def is_dispatcher(value):
    """Whether ``value`` is a numba dispatcher (a compiled function)."""
    return isinstance(value, numba.core.dispatcher.Dispatcher)


def _describe(obj):
    return obj.describe() if hasattr(obj, "describe") else type(obj).__name__


def _owning_module(root_module, consumed):
    owner = root_module
    for attr in consumed[1:-1]:
        owner = getattr(owner, attr)
    return owner
