"""The base class of every connector (``bp.connect.Connector``).

A connector is created with its parameters (``bp.connect.FixedProb(0.1)``),
called with the two group sizes (``conn(pre.size, post.size)``, which returns
the connector) and then asked for synaptic structures with
:meth:`Connector.requires`.

Source of truth
    Built-in connectors generate a sorted pre-major CSR (:class:`~.csr.CSR`)
    when called. A user-defined connector may instead set ``pre_ids`` and
    ``post_ids`` (or ``conn_mat``) plus ``num_pre`` and ``num_post`` (manual
    ch. 5.3); the CSR is then sorted from those on first use. Every other
    structure is derived from the CSR once, on first request, and cached;
    a dense ``conn_mat`` exists only when asked for.

Synapse order
    ``pre_ids``, ``post_ids``, ``pre2syn``, ``post2syn`` and ``weights`` number
    the synapses. They come in one of two orders, :attr:`Connector.synapse_order`:

    * ``'pre'`` (the default): sorted by pre-synaptic neuron, then by
      post-synaptic neuron. ``pre_slice[i]`` is the contiguous range of the
      synapses of pre-synaptic neuron ``i`` (the manual's SynVec5 model uses
      ``pre_slice`` with ``post_ids``).
    * ``'post'``: sorted by post-synaptic neuron, then by pre-synaptic neuron.
      ``post_slice[j]`` is the contiguous range of the synapses onto
      post-synaptic neuron ``j`` (the manual's SynVec4 model uses ``pre_ids``
      with ``post_slice``).

    Requesting ``post_slice`` switches the connector to the ``'post'`` order,
    requesting ``pre_slice`` switches it back to ``'pre'``; any other request
    keeps the current order. Within one :meth:`~Connector.requires` call all
    structures therefore agree. ``pre_slice`` and ``post_slice`` cannot be
    contiguous in the same order, so asking for both in one call raises a
    :class:`~workbench.errors.ConnectorError` (use ``pre_slice`` with
    ``post2syn``, or ``post_slice`` with ``pre2syn``). ``conn_mat``,
    ``pre2post`` and ``post2pre`` do not number synapses and are the same in
    both orders.

Dtypes
    Neuron and synapse indices of built-in connectors are ``int32`` (``int64``
    beyond 2**31 - 1 neurons or synapses); user-given integer ``pre_ids`` keep
    their dtype. Rows without synapses in the list structures are
    ``array([], dtype=int32)`` as the manual prints them. ``conn_mat`` is a
    ``float64`` matrix of zeros and ones.

The returned arrays are the connector's cached copies: copy them before
modifying them in place.
"""

import numpy as np

from ..errors import ConnectorError, ModelError, choices
from ..sizes import normalize_size, size2len
from .csr import CSR, csr_from_pairs, index_dtype, offsets_from_counts, split_rows, transpose

__all__ = ["Connector", "STRUCTURES", "STRUCTURE_ALIASES"]

#: Names accepted by :meth:`Connector.requires`, in the manual's order.
STRUCTURES = ("conn_mat", "pre_ids", "post_ids", "pre2post", "post2pre",
              "pre2syn", "post2syn", "pre_slice", "post_slice")

#: Other spellings of the same structures (manual ch. 5.3 uses ``pre_slice_syn``).
STRUCTURE_ALIASES = {"pre_slice_syn": "pre_slice", "post_slice_syn": "post_slice"}

# Structures that number synapses and so depend on the synapse order.
_ORDERED = frozenset({"pre_ids", "post_ids", "pre2syn", "post2syn", "weights"})


def geometry(arg_name, size):
    """Validate a group size given as an int or a tuple and return it as a tuple.

    Parameters
    ----------
    arg_name : str
        Name of the argument, for the error message.
    size : int or tuple of int
        The size or geometry.

    Returns
    -------
    tuple of int

    Raises
    ------
    ConnectorError
        If ``size`` is not a non-negative int or a tuple of them.
    """
    try:
        return normalize_size(size)
    except ModelError as err:
        raise ConnectorError(f"`{arg_name}`={size!r} is not a group size: {err}") from None


class Connector:
    """Base class of synaptic connectivity (manual ch. 5 and 16).

    Subclasses either implement :meth:`build_csr` (the built-in connectors)
    or, as in the manual's ``IndexConn`` example, set ``pre_ids`` and
    ``post_ids`` (or ``conn_mat``) and ``num_pre``/``num_post`` themselves.
    See the module docstring for the synapse order and the dtypes.

    Attributes
    ----------
    pre_size, post_size : tuple of int or None
        Geometries of the groups, known once the connector was called.
    num_pre, num_post : int or None
        Numbers of neurons in the groups.
    conn_mat, pre_ids, post_ids, pre2post, post2pre, pre2syn, post2syn, pre_slice, post_slice
        The synaptic structures; reading one is the same as ``requires(name)``.

    Examples
    --------
    >>> import workbench as bp
    >>> conn = bp.connect.One2One()(3, 3)
    >>> conn.requires('pre_ids', 'post_ids')
    (array([0, 1, 2], dtype=int32), array([0, 1, 2], dtype=int32))
    """

    # Class-level defaults: user subclasses may set pre_ids or num_pre before
    # (or without) calling Connector.__init__, which must not erase them.
    pre_size = None
    post_size = None
    _num_pre = None
    _num_post = None
    _csr = None
    _csr_from_user = False
    _user_pre_ids = None
    _user_post_ids = None
    _user_conn_mat = None
    _user_weights = None
    _synapse_order = "pre"
    #: Names of the constructor parameters shown by ``repr``.
    _repr_params = ()

    def __init__(self):
        self._drop_derived()

    def __repr__(self):
        params = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_params)
        return f"{type(self).__name__}({params})"

    # ------------------------------------------------------------------ sizes
    def __call__(self, pre_size, post_size):
        """Build the connection between groups of the given sizes.

        Parameters
        ----------
        pre_size, post_size : int or tuple of int
            Sizes (or geometries, e.g. ``(40, 40)``) of the pre- and
            post-synaptic groups.

        Returns
        -------
        Connector
            The connector itself, ready for :meth:`requires`.

        Raises
        ------
        ConnectorError
            If a size is invalid or does not suit the connector.
        """
        pre_geometry = geometry("pre_size", pre_size)
        post_geometry = geometry("post_size", post_size)
        self.pre_size, self.post_size = pre_geometry, post_geometry
        self._num_pre, self._num_post = size2len(pre_geometry), size2len(post_geometry)
        self._csr, self._csr_from_user = None, False
        self._synapse_order = "pre"
        self._drop_derived()
        built = self.build_csr()
        if built is not None:
            if built.shape != (self._num_pre, self._num_post):
                raise ConnectorError(f"{type(self).__name__}.build_csr() returned shape {built.shape}, "
                                     f"expected {(self._num_pre, self._num_post)}.")
            self._csr = built
        return self

    def check_fits(self, num_pre, num_post, where):
        """Refuse to connect groups whose sizes differ from the ones the connector was built for.

        A connector built for other sizes holds indices past the ends of the
        groups' arrays: compiled steps would read and write outside them.

        Parameters
        ----------
        num_pre, num_post : int
            Numbers of neurons of the pre- and post-synaptic groups.
        where : str
            What uses the connector, for the message (e.g. ``"Syn 'E2I' (E -> I), `conn`"``).

        Raises
        ------
        ConnectorError
            If the connector's known ``num_pre``/``num_post`` differ from the groups' sizes.
            A connector whose sizes are not known yet passes (it is refused when read).

        Examples
        --------
        >>> import workbench as bp
        >>> bp.connect.All2All()(50, 50).check_fits(5, 5, "my synapse")
        Traceback (most recent call last):
        ...
        workbench.errors.ConnectorError: my synapse: All2All(include_self=True) was built for 50 pre- and 50 post-synaptic neurons, but the groups have 5 and 5; call it with the groups' sizes, e.g. `conn(pre.size, post.size)`.
        """
        known = (self._num_pre, self._num_post)
        if None in known or known == (num_pre, num_post):
            return
        raise ConnectorError(f"{where}: {self!r} was built for {known[0]} pre- and {known[1]} "
                             f"post-synaptic neurons, but the groups have {num_pre} and {num_post}; "
                             f"call it with the groups' sizes, e.g. `conn(pre.size, post.size)`.")

    def build_csr(self):
        """Generate the connection for ``self.pre_size`` and ``self.post_size``.

        Built-in connectors override this; the base class returns None, which
        means the structures come from ``pre_ids``/``post_ids`` or
        ``conn_mat`` set by the subclass.

        Returns
        -------
        CSR or None
            Sorted pre-major arrays of shape ``(num_pre, num_post)``.
        """
        return None

    @property
    def num_pre(self):
        """Number of pre-synaptic neurons (None until known)."""
        return self._num_pre

    @num_pre.setter
    def num_pre(self, value):
        self._set_count("num_pre", value)

    @property
    def num_post(self):
        """Number of post-synaptic neurons (None until known)."""
        return self._num_post

    @num_post.setter
    def num_post(self, value):
        self._set_count("num_post", value)

    def _set_count(self, name, value):
        if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 0:
            raise ConnectorError(f"`{name}`={value!r} must be a non-negative int (a number of neurons).")
        if getattr(self, "_" + name) != int(value):
            setattr(self, "_" + name, int(value))
            self._drop_derived()
            if self._csr_from_user:
                self._csr = None

    # ------------------------------------------------------ user-set sources
    def _set_user_source(self, attr, value):
        if attr == "_user_weights" and self._csr is not None and not self._csr_from_user:
            raise ConnectorError(f"{type(self).__name__} computes its own connectivity; `weights` can "
                                 f"only be set by a custom connector together with `pre_ids`/`post_ids`.")
        setattr(self, attr, None if value is None else np.asarray(value))
        if attr == "_user_conn_mat":
            self._user_pre_ids = self._user_post_ids = self._user_weights = None
        elif attr in ("_user_pre_ids", "_user_post_ids"):
            self._user_conn_mat = None
        self._csr, self._csr_from_user = None, False
        self._synapse_order = "pre"
        self._drop_derived()

    def _drop_derived(self):
        self.__dict__["_structures"] = {}

    @property
    def _cache(self):
        return self.__dict__.setdefault("_structures", {})

    @property
    def csr(self):
        """The pre-major sorted CSR arrays (:class:`~workbench.connect.csr.CSR`), the source of truth.

        Raises
        ------
        ConnectorError
            If the sizes or the connectivity are not known yet.
        """
        return self._source()

    def _source(self):
        name = type(self).__name__
        if self._user_conn_mat is not None and self._csr is None:
            self._csr_from_conn_mat()
        if self._num_pre is None or self._num_post is None:
            raise ConnectorError(f"{name}: the group sizes are not known yet; call the connector with "
                                 f"them first, e.g. `conn(pre.size, post.size)`, or set `num_pre` and "
                                 f"`num_post` in a custom connector.")
        if self._csr is None:
            if self._user_pre_ids is None and self._user_post_ids is None:
                raise ConnectorError(f"{name} has no connectivity: a custom connector must set "
                                     f"`pre_ids` and `post_ids` (or `conn_mat`), or implement build_csr().")
            if self._user_pre_ids is None or self._user_post_ids is None:
                missing = "pre_ids" if self._user_pre_ids is None else "post_ids"
                raise ConnectorError(f"{name} sets only one of `pre_ids` and `post_ids`; "
                                     f"`{missing}` is missing.")
            dtype = self._user_pre_ids.dtype
            if not (np.issubdtype(dtype, np.signedinteger) and self._user_pre_ids.size):
                dtype = None
            self._csr = csr_from_pairs(self._user_pre_ids, self._user_post_ids, self._num_pre,
                                       self._num_post, weights=self._user_weights, dtype=dtype)
            self._csr_from_user = True
        if self._csr.shape != (self._num_pre, self._num_post):
            raise ConnectorError(f"{name} was built for {self._csr.shape[0]} pre- and {self._csr.shape[1]} "
                                 f"post-synaptic neurons, but num_pre={self._num_pre} and "
                                 f"num_post={self._num_post} now; call the connector again with the new sizes.")
        return self._csr

    def _csr_from_conn_mat(self):
        mat = self._user_conn_mat
        if self._user_weights is not None:
            raise ConnectorError("`weights` can only be set together with `pre_ids` and `post_ids`, "
                                 "not with `conn_mat`.")
        if mat.ndim != 2:
            raise ConnectorError(f"`conn_mat` must be a 2-D (num_pre, num_post) matrix; got shape {mat.shape}.")
        for axis, attr in enumerate(("_num_pre", "_num_post")):
            if getattr(self, attr) is None:
                setattr(self, attr, mat.shape[axis])
        if mat.shape != (self._num_pre, self._num_post):
            raise ConnectorError(f"`conn_mat` has shape {mat.shape}, but num_pre={self._num_pre} and "
                                 f"num_post={self._num_post}.")
        pre_ids, post_ids = np.nonzero(mat)
        num_syn = pre_ids.shape[0]
        indptr = offsets_from_counts(np.bincount(pre_ids, minlength=mat.shape[0]))
        dtype = index_dtype(*mat.shape, num_syn)
        self._csr = CSR(indptr, post_ids.astype(dtype), mat.shape)
        self._csr_from_user = True

    # ------------------------------------------------------------- requires
    def requires(self, *names):
        """Return the synaptic structures named, building each once.

        Parameters
        ----------
        *names : str
            Any of ``'conn_mat'``, ``'pre_ids'``, ``'post_ids'``,
            ``'pre2post'``, ``'post2pre'``, ``'pre2syn'``, ``'post2syn'``,
            ``'pre_slice'`` (also spelled ``'pre_slice_syn'``) and
            ``'post_slice'`` (also ``'post_slice_syn'``).

        Returns
        -------
        object or tuple
            The structure when one name is given, else a tuple in the order
            asked. See the module docstring for the synapse order that
            ``post_slice`` selects.

        Raises
        ------
        ConnectorError
            For an unknown name, for ``pre_slice`` together with
            ``post_slice``, or when the sizes are not known yet.

        Examples
        --------
        >>> import workbench as bp
        >>> conn = bp.connect.All2All(include_self=False)(3, 3)
        >>> pre_ids, post_slice = conn.requires('pre_ids', 'post_slice')
        >>> pre_ids
        array([1, 2, 0, 2, 0, 1], dtype=int32)
        """
        if len(names) == 1 and isinstance(names[0], (list, tuple)):
            names = tuple(names[0])
        if not names:
            raise ConnectorError("requires() needs at least one structure name; choose from: "
                                 f"{choices(STRUCTURES)}.")
        canonical = [self._canonical_name(name) for name in names]
        if "pre_slice" in canonical and "post_slice" in canonical:
            raise ConnectorError(
                "`pre_slice` and `post_slice` cannot be required together: synapses sorted by "
                "pre-synaptic neuron make pre_slice contiguous, sorted by post-synaptic neuron make "
                "post_slice contiguous, and one set of synapse arrays has one order. Require "
                "('pre_slice', 'post2syn') or ('post_slice', 'pre2syn') instead.")
        self._source()
        if "post_slice" in canonical:
            self._synapse_order = "post"
        elif "pre_slice" in canonical:
            self._synapse_order = "pre"
        values = tuple(self._structure(name) for name in canonical)
        return values[0] if len(values) == 1 else values

    @staticmethod
    def _canonical_name(name):
        if not isinstance(name, str):
            raise ConnectorError(f"structure names are strings; got {name!r}. Choose from: "
                                 f"{choices(STRUCTURES)}.")
        name = STRUCTURE_ALIASES.get(name, name)
        if name not in STRUCTURES:
            raise ConnectorError(f"{name!r} is not a known synaptic structure; choose one of: "
                                 f"{choices(STRUCTURES + tuple(STRUCTURE_ALIASES))}.")
        return name

    @property
    def synapse_order(self):
        """``'pre'`` or ``'post'``: how synapse-numbered structures are sorted now."""
        return self._synapse_order

    @property
    def weights(self):
        """Weight of every synapse in the current synapse order (weighted connectors only)."""
        if self._source().weights is None:
            raise AttributeError(f"{type(self).__name__} has no synaptic weights.")
        return self._structure("weights")

    @weights.setter
    def weights(self, value):
        self._set_user_source("_user_weights", value)

    def to_sparse(self):
        """The connection as a ``scipy.sparse.csr_array`` of shape (num_pre, num_post).

        Returns
        -------
        scipy.sparse.csr_array
            Entries are the weights of weighted connectors, else ones.
        """
        from scipy import sparse
        csr = self._source()
        data = csr.weights if csr.weights is not None else np.ones(csr.num_syn)
        return sparse.csr_array((data, csr.indices, csr.indptr), shape=csr.shape)

    # ------------------------------------------------------------ derivation
    def _structure(self, name):
        key = (name, self._synapse_order) if name in _ORDERED else name
        cache = self._cache
        if key not in cache:
            cache[key] = getattr(self, "_make_" + name)()
        return cache[key]

    def _dtype(self):
        return self._source().indices.dtype

    def _post_major(self):
        """Counting sort by post neuron: (offsets, perm, pre ids in post-major order)."""
        cache = self._cache
        if "_post_major" not in cache:
            cache["_post_major"] = transpose(self._source())
        return cache["_post_major"]

    def _pre_major_pre_ids(self):
        cache = self._cache
        if ("pre_ids", "pre") not in cache:
            csr = self._source()
            counts = np.diff(csr.indptr)
            cache[("pre_ids", "pre")] = np.repeat(np.arange(csr.shape[0], dtype=self._dtype()), counts)
        return cache[("pre_ids", "pre")]

    def _make_pre_ids(self):
        if self._synapse_order == "pre":
            return self._pre_major_pre_ids()
        return self._post_major()[2]

    def _make_post_ids(self):
        csr = self._source()
        if self._synapse_order == "pre":
            return csr.indices
        offsets = self._post_major()[0]
        return np.repeat(np.arange(csr.shape[1], dtype=self._dtype()), np.diff(offsets))

    def _make_weights(self):
        csr = self._source()
        if self._synapse_order == "pre":
            return csr.weights
        return csr.weights[self._post_major()[1]]

    def _make_pre_slice(self):
        indptr = self._source().indptr
        return np.stack([indptr[:-1], indptr[1:]], axis=1).astype(self._dtype())

    def _make_post_slice(self):
        offsets = self._post_major()[0]
        return np.stack([offsets[:-1], offsets[1:]], axis=1).astype(self._dtype())

    def _make_pre2post(self):
        csr = self._source()
        return split_rows(csr.indices, csr.indptr)

    def _make_post2pre(self):
        offsets, _, pre_ids = self._post_major()
        return split_rows(pre_ids, offsets)

    def _make_pre2syn(self):
        csr = self._source()
        if self._synapse_order == "pre":
            positions = np.arange(csr.num_syn, dtype=self._dtype())
        else:
            perm = self._post_major()[1]
            positions = np.empty_like(perm)
            positions[perm] = np.arange(perm.shape[0], dtype=perm.dtype)
        return split_rows(positions, csr.indptr)

    def _make_post2syn(self):
        offsets, perm, _ = self._post_major()
        if self._synapse_order == "post":
            perm = np.arange(perm.shape[0], dtype=perm.dtype)
        return split_rows(perm, offsets)

    def _make_conn_mat(self):
        csr = self._source()
        mat = np.zeros(csr.shape, dtype=np.float64)
        mat[self._pre_major_pre_ids(), csr.indices] = 1.0
        return mat

    # ------------------------------------------- manual ch. 16 method names
    def make_conn_mat(self):
        """Return ``requires('conn_mat')``."""
        return self.requires("conn_mat")

    def make_mat2ij(self):
        """Return ``requires('pre_ids', 'post_ids')``: the (i, j) pairs of ``conn_mat``."""
        return self.requires("pre_ids", "post_ids")

    def make_pre2post(self):
        """Return ``requires('pre2post')``."""
        return self.requires("pre2post")

    def make_post2pre(self):
        """Return ``requires('post2pre')``."""
        return self.requires("post2pre")

    def make_pre2syn(self):
        """Return ``requires('pre2syn')``."""
        return self.requires("pre2syn")

    def make_post2syn(self):
        """Return ``requires('post2syn')``."""
        return self.requires("post2syn")

    def make_pre_slice(self):
        """Return ``requires('pre_slice')`` (switches to the ``'pre'`` synapse order)."""
        return self.requires("pre_slice")

    def make_post_slice(self):
        """Return ``requires('post_slice')`` (switches to the ``'post'`` synapse order)."""
        return self.requires("post_slice")


def _structure_property(name, settable):
    def getter(self):
        return self.requires(name)

    def setter(self, value):
        if not settable:
            raise ConnectorError(f"`{name}` is derived from the connectivity and cannot be set; "
                                 f"a custom connector sets `pre_ids` and `post_ids` (or `conn_mat`).")
        self._set_user_source(f"_user_{name}", value)

    doc = (f"The ``{name}`` structure, same as ``requires('{name}')``."
           + (" Assignable in custom connectors." if settable else ""))
    return property(getter, setter, doc=doc)


for _name in STRUCTURES:
    setattr(Connector, _name, _structure_property(_name, _name in ("pre_ids", "post_ids", "conn_mat")))
for _alias, _name in STRUCTURE_ALIASES.items():
    setattr(Connector, _alias, _structure_property(_name, False))
del _name, _alias
