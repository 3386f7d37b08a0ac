"""Regular connections (manual ch. 5.1 and 16.2): One2One, All2All and the grid neighbourhoods."""

import numpy as np

from .base import Connector
from .checks import check_bool, check_int, grid_shape, same_size
from .csr import CSR, index_dtype, offsets_from_counts

__all__ = ["One2One", "All2All", "GridFour", "GridEight", "GridN"]


class One2One(Connector):
    """Connect neuron ``i`` of the pre-synaptic group to neuron ``i`` of the post-synaptic group.

    Both groups must have the same number of neurons.

    Raises
    ------
    ConnectorError
        When called with groups of different sizes (the message names both).

    Examples
    --------
    >>> import workbench as bp
    >>> bp.connect.One2One()(3, 3).requires('pre2post')
    [array([0], dtype=int32), array([1], dtype=int32), array([2], dtype=int32)]
    """

    def build_csr(self):
        """Build the identity connection; see :meth:`Connector.build_csr`."""
        same_size("One2One", self.pre_size, self.post_size)
        num = self.num_pre
        dtype = index_dtype(num)
        return CSR(np.arange(num + 1, dtype=np.int64), np.arange(num, dtype=dtype), (num, num))


class All2All(Connector):
    """Connect every pre-synaptic neuron to every post-synaptic neuron.

    Parameters
    ----------
    include_self : bool, default True
        Whether neuron ``i`` connects to neuron ``i`` of the other group
        (the (i, i) synapses).

    Examples
    --------
    >>> import workbench as bp
    >>> bp.connect.All2All(include_self=False)(3, 3).requires('conn_mat')
    array([[0., 1., 1.],
           [1., 0., 1.],
           [1., 1., 0.]])
    """

    _repr_params = ("include_self",)

    def __init__(self, include_self=True):
        super().__init__()
        self.include_self = check_bool("All2All", "include_self", include_self)

    def build_csr(self):
        """Build the dense connection; see :meth:`Connector.build_csr`."""
        num_pre, num_post = self.num_pre, self.num_post
        dtype = index_dtype(num_pre, num_post, num_pre * num_post)
        indices = np.tile(np.arange(num_post, dtype=dtype), num_pre)
        counts = np.full(num_pre, num_post, dtype=np.int64)
        if not self.include_self:
            num_diag = min(num_pre, num_post)
            keep = np.ones(indices.shape[0], dtype=bool)
            keep[np.arange(num_diag) * (num_post + 1)] = False
            indices = indices[keep]
            counts[:num_diag] -= 1
        return CSR(offsets_from_counts(counts), indices, (num_pre, num_post))


class _Grid(Connector):
    """Neighbourhood connection on a 1-D (one row) or 2-D grid, without wrap-around.

    Subclasses give the stencil: the (row, column) offsets of the neighbours.
    Neurons at borders and corners have fewer neighbours.
    """

    _repr_params = ("include_self",)

    def __init__(self, include_self=False):
        super().__init__()
        self.include_self = check_bool(type(self).__name__, "include_self", include_self)

    def stencil(self):
        """The (row, column) offsets of the neighbours, without (0, 0)."""
        raise NotImplementedError

    def build_csr(self):
        """Build the neighbourhood connection; see :meth:`Connector.build_csr`."""
        owner = type(self).__name__
        same_size(owner, self.pre_size, self.post_size, what="geometry")
        height, width = grid_shape(owner, "pre_size", self.pre_size)
        offsets = list(self.stencil()) + ([(0, 0)] if self.include_self else [])
        # Sorted (row, column) offsets give ascending flat targets for every neuron,
        # because a valid target's column offset is smaller than the width.
        offsets = np.array(sorted(offsets), dtype=np.int64).reshape(-1, 2)
        num = height * width
        dtype = index_dtype(num, num * len(offsets))
        counts = np.zeros(num, dtype=np.int64)
        chunks = []
        block = max(1, (1 << 22) // max(1, len(offsets)))
        for start in range(0, num, block):
            neurons = np.arange(start, min(num, start + block), dtype=np.int64)
            rows = neurons[:, None] // width + offsets[None, :, 0]
            cols = neurons[:, None] % width + offsets[None, :, 1]
            valid = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
            counts[neurons] = valid.sum(axis=1)
            chunks.append((rows * width + cols)[valid].astype(dtype))
        indices = np.concatenate(chunks) if chunks else np.empty(0, dtype=dtype)
        return CSR(offsets_from_counts(counts), indices, (num, num))


class GridFour(_Grid):
    """Connect every neuron to its four nearest neighbours (up, down, left, right) on a grid.

    Both groups must have the same 1-D or 2-D geometry (a 1-D geometry is
    one row). There is no wrap-around: border neurons have three neighbours
    and corner neurons two.

    Parameters
    ----------
    include_self : bool, default False
        Whether every neuron also connects to the neuron at its own position.

    Raises
    ------
    ConnectorError
        When the geometries differ or have more than two dimensions.
    """

    def stencil(self):
        """The four offsets ``(-1, 0), (0, -1), (0, 1), (1, 0)``."""
        return [(-1, 0), (0, -1), (0, 1), (1, 0)]


class GridEight(_Grid):
    """Connect every neuron to its eight nearest neighbours (a 3x3 square) on a grid.

    Both groups must have the same 1-D or 2-D geometry. There is no
    wrap-around: border neurons have five neighbours and corner neurons three.

    Parameters
    ----------
    include_self : bool, default False
        Whether every neuron also connects to the neuron at its own position.

    Raises
    ------
    ConnectorError
        When the geometries differ or have more than two dimensions.
    """

    def stencil(self):
        """The eight offsets of the 3x3 square around (0, 0)."""
        return [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


class GridN(_Grid):
    """Connect every neuron to all neurons in the (2N+1) x (2N+1) square around it.

    Parameters
    ----------
    N : int, default 1
        Reach of the square: neighbours are at most ``N`` rows and ``N``
        columns away. ``N=1`` is :class:`GridEight`.
    include_self : bool, default False
        Whether every neuron also connects to the neuron at its own position.

    Raises
    ------
    ConnectorError
        When ``N`` is not a positive int, or the geometries differ or have
        more than two dimensions.
    """

    _repr_params = ("N", "include_self")

    def __init__(self, N=1, include_self=False):
        super().__init__(include_self=include_self)
        self.N = check_int("GridN", "N", N, minimum=1)

    def stencil(self):
        """All offsets with ``max(|dr|, |dc|) <= N`` except (0, 0)."""
        reach = range(-self.N, self.N + 1)
        return [(dr, dc) for dr in reach for dc in reach if (dr, dc) != (0, 0)]

