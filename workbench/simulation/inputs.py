"""Run-time inputs: parse and validate ``run(..., inputs=...)``.

Accepted forms (one input, or a list of them):

* object run: ``('input', value[, op])``
* network run: ``(node, 'input', value[, op])``, ``('E', 'input', value[, op])`` or
  ``('E.input', value[, op])``

``value`` is a number (*scalar*), an array shaped like the target (*vector*,
also anything broadcastable to it), or a *series* with one entry per time step:
shape ``(steps,)`` (one number per step) or ``(steps,) + target shape``. A 1-D
array whose length equals both the target size and the number of steps is
taken as a vector. ``op`` is ``'+'`` (default), ``'-'``, ``'*'``, ``'/'`` or ``'='``.

The *structure* of an input (target, op, kind, dimensions) decides the
generated code; its *value* is run-time data, so changing only values between
runs compiles nothing.
"""

import numbers

import numpy as np

from ..backend.tensors import is_tensor, numpy_dtype
from ..errors import ModelError, choices
from .nodes.base import DynamicalSystem
from .nodes.monitors import numeric_attributes

__all__ = ["InputSpec", "parse_inputs", "INPUT_OPS"]

#: Operations an input may apply to its target.
INPUT_OPS = ("+", "-", "*", "/", "=")


class InputSpec:
    """One validated input of a run.

    Attributes
    ----------
    node : DynamicalSystem
        The object whose attribute receives the input.
    attr : str
        The target attribute (a numeric array).
    value : float or numpy.ndarray
        The value (float64).
    op : str
        One of :data:`INPUT_OPS`.
    kind : str
        ``'scalar'``, ``'vector'`` or ``'series'``.
    """

    def __init__(self, node, attr, value, op, kind):
        self.node = node
        self.attr = attr
        self.value = value
        self.op = op
        self.kind = kind

    @property
    def structure(self):
        """What the generated code depends on (not the value).

        Returns
        -------
        tuple
        """
        return (self.node.name, self.attr, self.op, self.kind, np.ndim(self.value))

    def __repr__(self):
        return f"InputSpec({self.node.name}.{self.attr} {self.op}= <{self.kind}>)"


def _is_single(entry):
    return isinstance(entry, (tuple, list)) and 2 <= len(entry) <= 4 and \
        isinstance(entry[0], (str, DynamicalSystem))


def _split(entry, host, nodes_by_name):
    """Return (node, attr, value, op) of one input entry."""
    head = entry[0]
    if isinstance(head, DynamicalSystem):
        if len(entry) < 3 or not isinstance(entry[1], str):
            raise ModelError(f"Input {entry!r} must be (node, 'attribute', value[, op]).")
        return (head, entry[1], entry[2]) + tuple(entry[3:])
    if len(entry) >= 3 and isinstance(entry[1], str) and entry[1] not in INPUT_OPS:
        node = nodes_by_name.get(head)
        if node is None:
            raise ModelError(f"Input {entry!r} names the node {head!r}, which is not part of this "
                             f"run; nodes are: {choices(nodes_by_name)}.")
        return (node, entry[1], entry[2]) + tuple(entry[3:])
    if "." in head:
        node_name, attr = head.split(".", 1)
        node = nodes_by_name.get(node_name)
        if node is None:
            raise ModelError(f"Input target {head!r} names the node {node_name!r}, which is not "
                             f"part of this run; nodes are: {choices(nodes_by_name)}.")
        return (node, attr) + tuple(entry[1:])
    if isinstance(host, DynamicalSystem):
        return (host, head) + tuple(entry[1:])
    raise ModelError(f"Network input {entry!r} must say which node it targets: "
                     f"(node, {head!r}, value[, op]) or ('<node name>.{head}', value[, op]).")


def _target_array(node, attr):
    value = getattr(node, attr, None) if isinstance(attr, str) else None
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value
    if is_tensor(value) and numpy_dtype(value).kind in "biuf":
        # a tensor backend's state: only its shape matters here
        return np.broadcast_to(np.zeros((), numpy_dtype(value)), tuple(value.shape))
    arrays = numeric_attributes(node, arrays_only=True)
    if value is None:
        problem = f"is not an attribute of {node.describe()}"
    else:
        problem = f"of {node.describe()} is a {type(value).__name__}, not a numeric array"
    raise ModelError(f"Input target {attr!r} {problem}; its array attributes are: "
                     f"{choices(arrays) or 'none'}.")


def _classify(value, target, n_steps, where):
    """Return (kind, float64 value) for an input value and its target array."""
    if isinstance(value, numbers.Real):
        return "scalar", float(value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError(f"Input value for {where} must be a number or a numeric array, got "
                         f"{type(value).__name__}.") from None
    if arr.ndim == 0:
        return "scalar", float(arr)
    if arr.shape == target.shape:
        return "vector", np.ascontiguousarray(arr)
    if arr.shape[0] == n_steps and (arr.ndim == 1 or arr.shape[1:] == target.shape):
        return "series", np.ascontiguousarray(arr)
    try:
        if np.broadcast_shapes(arr.shape, target.shape) == target.shape:
            return "vector", np.ascontiguousarray(np.broadcast_to(arr, target.shape))
    except ValueError:
        pass
    raise ModelError(f"Input value for {where} has shape {arr.shape}; give a number, an array "
                     f"of shape {target.shape}, or a time series of shape ({n_steps},) or "
                     f"{(n_steps,) + target.shape} (one entry per time step of this run).")


def parse_inputs(inputs, host, nodes, n_steps):
    """Validate the ``inputs`` of a run.

    Parameters
    ----------
    inputs : tuple or list or None
        One input or a list of inputs, in the forms listed in the module docs.
    host : DynamicalSystem or Network
        What is being run (a bare ``'attribute'`` target refers to it).
    nodes : list of DynamicalSystem
        The objects of the run.
    n_steps : int
        Number of time steps of the run (length of a time series).

    Returns
    -------
    list of InputSpec

    Raises
    ------
    ModelError
        For a malformed input, an unknown node or attribute, an unknown
        operation, or a value of the wrong shape.
    """
    if inputs is None or (isinstance(inputs, (tuple, list)) and len(inputs) == 0):
        return []
    entries = [inputs] if _is_single(inputs) else inputs
    if not isinstance(entries, (tuple, list)):
        raise ModelError(f"`inputs`={inputs!r} must be (target, value[, op]) or a list of them.")
    nodes_by_name = {node.name: node for node in nodes}
    specs = []
    for entry in entries:
        if not _is_single(entry):
            raise ModelError(f"Input {entry!r} must be (target, value[, op]) or "
                             f"(node, 'attribute', value[, op]).")
        parts = _split(entry, host, nodes_by_name)
        if len(parts) not in (3, 4):
            raise ModelError(f"Input {entry!r} has {len(entry)} items; expected "
                             f"(target, value[, op]).")
        node, attr, value = parts[:3]
        op = parts[3] if len(parts) == 4 else "+"
        if not any(node is n for n in nodes):
            raise ModelError(f"Input target {node.describe()} is not part of this run; nodes are: "
                             f"{choices(nodes_by_name)}.")
        if op not in INPUT_OPS:
            raise ModelError(f"Input operation {op!r} for {node.name}.{attr} is not supported; "
                             f"choose one of: {choices(INPUT_OPS)}.")
        target = _target_array(node, attr)
        kind, value = _classify(value, target, n_steps, f"{node.name}.{attr}")
        specs.append(InputSpec(node, attr, value, op, kind))
    return specs
