"""Parameter names as attribute paths on a built model: ``'GABAA.g_max'``.

On a :class:`~workbench.simulation.nodes.network.Network` the first part of a path
names a node: its ``name`` (``bp.Network(E=group)`` or ``NeuGroup(..., name='E')``)
or, when exactly one node has it, its class name (so ``'GABAA.g_max'`` finds the
manual's ``GABAA(...)`` object whatever its automatic name). On a single
:class:`~workbench.simulation.nodes.base.DynamicalSystem` a path starts with one of its
attributes, or with its own name or class name. The remaining parts are plain
attribute look-ups.

Assigning keeps the compiled loop valid: a value for an attribute that holds a
numpy array is written *into* the array (broadcast), so the attribute keeps its
kind and repeat mode compiles nothing.
"""

import difflib

import numpy as np

from ..simulation.nodes.base import DynamicalSystem
from ..simulation.nodes.network import Network
from .errors import SweepError

__all__ = ["model_nodes", "resolve_path", "assign_path", "is_path"]


def model_nodes(model):
    """The nodes of a model: a Network's nodes, or ``[model]`` for one object.

    Parameters
    ----------
    model : Network or DynamicalSystem

    Returns
    -------
    list of DynamicalSystem
    """
    if isinstance(model, Network):
        return list(model.all_nodes.values())
    return [model]


def _public_names(obj):
    names = [k for k in vars(obj) if not k.startswith("_")] if hasattr(obj, "__dict__") else []
    return sorted(set(names) | {k for k in dir(type(obj)) if not k.startswith("_")})


def _suggest(name, candidates):
    close = difflib.get_close_matches(name, list(candidates), n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _node_of(network, name, path):
    if name in network.all_nodes:
        return network.all_nodes[name]
    by_class = [n for n in network.all_nodes.values() if type(n).__name__ == name]
    if len(by_class) == 1:
        return by_class[0]
    listing = ", ".join(f"{key!r} ({type(node).__name__})" for key, node in
                        network.all_nodes.items())
    if by_class:
        raise SweepError(f"Parameter {path!r}: {len(by_class)} nodes have the class {name!r} "
                         f"({', '.join(repr(n.name) for n in by_class)}); address one by its "
                         f"name, e.g. {by_class[0].name + path[len(name):]!r}, or name the nodes "
                         f"when building: bp.Network(E=group_e, I=group_i).")
    candidates = list(network.all_nodes) + [type(n).__name__ for n in network.all_nodes.values()]
    raise SweepError(f"Parameter {path!r}: the network has no node named {name!r}; its nodes "
                     f"are {listing}.{_suggest(name, candidates)}")


def is_path(model, name):
    """Whether a parameter name addresses an attribute of the model.

    Dotted names always are paths (a wrong one is an error when assigned). A
    plain name is a path on a single object that has that attribute.

    Parameters
    ----------
    model : Network or DynamicalSystem
    name : str

    Returns
    -------
    bool
    """
    if "." in name:
        return True
    return isinstance(model, DynamicalSystem) and hasattr(model, name)


def resolve_path(model, path):
    """The object and attribute name a parameter path addresses.

    Parameters
    ----------
    model : Network or DynamicalSystem
        The built model.
    path : str
        ``'node.attribute'`` (``'node.sub.attribute'``) on a network;
        ``'attribute'`` or ``'name.attribute'`` on a single object.

    Returns
    -------
    owner : object
    attribute : str

    Raises
    ------
    SweepError
        When a part does not exist; the message lists what does.
    """
    parts = path.split(".")
    if isinstance(model, Network):
        if len(parts) < 2:
            raise SweepError(f"Parameter {path!r} does not say which node it belongs to; on a "
                             f"network write 'node.attribute', e.g. "
                             f"'{next(iter(model.all_nodes), 'E')}.{path}'.")
        owner = _node_of(model, parts[0], path)
        parts = parts[1:]
    elif isinstance(model, DynamicalSystem):
        owner = model
        if len(parts) > 1 and parts[0] in (model.name, type(model).__name__) \
                and not hasattr(model, parts[0]):
            parts = parts[1:]
    else:
        raise SweepError(f"Parameter {path!r} cannot be set on {model!r}: the model must be a "
                         f"bp.Network or a bp.DynamicalSystem.")
    for depth, part in enumerate(parts[:-1]):
        if not hasattr(owner, part):
            raise SweepError(f"Parameter {path!r}: {_describe(owner)} has no attribute "
                             f"{part!r}.{_suggest(part, _public_names(owner))}")
        owner = getattr(owner, part)
    attribute = parts[-1]
    if not hasattr(owner, attribute):
        raise SweepError(f"Parameter {path!r}: {_describe(owner)} has no attribute "
                         f"{attribute!r}.{_suggest(attribute, _public_names(owner))} A sweep "
                         f"sets existing attributes only (a typo would otherwise be ignored).")
    return owner, attribute


def _describe(obj):
    describe = getattr(obj, "describe", None)
    return describe() if callable(describe) else type(obj).__name__


def assign_path(model, path, value):
    """Set the attribute a parameter path addresses.

    Parameters
    ----------
    model : Network or DynamicalSystem
    path : str
    value : object
        A number replaces a number; an array attribute receives the value
        in place (broadcast to its shape), so its shape and dtype stay and the
        compiled loop is reused.

    Raises
    ------
    SweepError
        For an unknown path, or a value that does not fit an array attribute.
    """
    owner, attribute = resolve_path(model, path)
    current = getattr(owner, attribute)
    if isinstance(current, np.ndarray) and current.ndim > 0:
        try:
            np.copyto(current, value, casting="same_kind")
        except (TypeError, ValueError) as exc:
            raise SweepError(f"Parameter {path!r}: the value {value!r} does not fit the array "
                             f"attribute of shape {current.shape} and dtype {current.dtype} "
                             f"({exc}).") from None
        return
    setattr(owner, attribute, value)
