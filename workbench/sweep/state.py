"""Snapshots of a built model's state, so every parameter set starts from the same state.

A worker builds the model once and runs many parameter sets on it. Without a
reset, set ``k`` would start from the state set ``k - 1`` left behind, and the
result would depend on which sets happened to run before it on the same
worker -- a different table for every executor. A snapshot taken right after
the build and restored before each set removes that dependence, also for
models whose classes have no ``reset()`` method.

What is captured, for every node: its public attributes that are numpy arrays
(copied) or numbers (``int``, ``float``, ``bool``, numpy scalars), and the
arrays of its constant delays. Other objects (connectors, lists, dicts, the
``pre``/``post`` references) are left alone.
"""

import numbers

import numpy as np

from ..simulation.nodes.delays import ConstantDelay
from .paths import model_nodes

__all__ = ["StateSnapshot"]


def _capturable(value):
    if isinstance(value, bool) or isinstance(value, numbers.Number) or isinstance(value, np.generic):
        return True
    return isinstance(value, np.ndarray)


def _capture(obj):
    saved = {}
    for name, value in vars(obj).items():
        if name.startswith("_") or not _capturable(value):
            continue
        saved[name] = value.copy() if isinstance(value, np.ndarray) else value
    return saved


def _restore(obj, saved):
    for name, value in saved.items():
        if isinstance(value, np.ndarray):
            current = obj.__dict__.get(name)
            if isinstance(current, np.ndarray) and current.shape == value.shape \
                    and current.dtype == value.dtype and current.flags.writeable:
                np.copyto(current, value)      # in place: aliases of the array stay valid
            else:
                setattr(obj, name, value.copy())
        else:
            setattr(obj, name, value)


class StateSnapshot:
    """The numbers and arrays of a model's nodes (and their delays) at one moment.

    Parameters
    ----------
    model : Network or DynamicalSystem
        The model to capture.

    Attributes
    ----------
    nbytes : int
        Memory held by the copied arrays.

    Examples
    --------
    >>> snapshot = StateSnapshot(net)          # doctest: +SKIP
    >>> net.run(100.)                          # doctest: +SKIP
    >>> snapshot.restore()                     # state and parameters as captured
    """

    def __init__(self, model):
        self._entries = []
        for node in model_nodes(model):
            self._entries.append((node, _capture(node)))
            delays = list(node.__dict__.get("_delays", {}).values())
            delays += [v for v in vars(node).values()
                       if isinstance(v, ConstantDelay) and v not in delays]
            for delay in delays:
                self._entries.append((delay, _capture(delay)))
        self.nbytes = sum(v.nbytes for _, saved in self._entries for v in saved.values()
                          if isinstance(v, np.ndarray))

    def restore(self):
        """Put every captured attribute back to its captured value."""
        for obj, saved in self._entries:
            _restore(obj, saved)
