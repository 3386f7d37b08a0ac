"""``bp.NeuGroup``: a population of neurons of one model."""

from ...sizes import normalize_size, size2len
from .base import DynamicalSystem

__all__ = ["NeuGroup"]


class NeuGroup(DynamicalSystem):
    """Base class of neuron group models.

    Subclasses store parameters and state arrays as attributes, define
    ``update`` (or other step functions) and call ``super().__init__(size=...)``
    anywhere in their ``__init__``.

    Parameters
    ----------
    size : int or tuple of int
        Number of neurons, or the geometry of the group (e.g. ``(40, 40)``).
    **kwargs
        ``steps``, ``monitors``, ``name``, ``show_code`` of
        :class:`~workbench.simulation.nodes.base.DynamicalSystem`.

    Attributes
    ----------
    size : tuple of int
        The geometry, e.g. ``(100,)``.
    num : int
        The number of neurons.

    Examples
    --------
    >>> import workbench as bp
    >>> class Counter(bp.NeuGroup):
    ...     def __init__(self, size, **kwargs):
    ...         self.count = bp.ops.zeros(size)
    ...         super().__init__(size=size, **kwargs)
    ...     def update(self, _t):
    ...         for i in range(self.num):
    ...             self.count[i] += 1.
    >>> group = Counter(3, monitors=['count'])
    >>> group.run(1.)                                   # doctest: +SKIP
    >>> group.mon.count.shape                           # doctest: +SKIP
    (10, 3)
    """

    def __init__(self, size, **kwargs):
        self.size = normalize_size(size)
        self.num = size2len(self.size)
        super().__init__(**kwargs)
