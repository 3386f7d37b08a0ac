"""What an attribute or global name read by a step method becomes in compiled code.

A :class:`Binding` ties one run-time value (``E.V``, ``syn.g_max``, the module
constant ``ref_time``) to one or more arguments of the compiled functions:

=========  ===========================================  ===================================
kind       value                                        arguments
=========  ===========================================  ===================================
array      numeric ``numpy.ndarray``                    the array itself (written in place)
scalar     int/float/bool, never written by a step      a number (float64 unless used as an
                                                        index or size, then int64)
cell       a number some step assigns to                a 1-element array, copied back
tuple      tuple of ints (``self.size``)                the tuple
csr        list of index arrays/lists (``pre2post``)    ``indptr`` and ``indices`` arrays
delay      :class:`ConstantDelay`                       its ``data`` and ``head`` arrays
element_   a per-element :class:`ConstantDelay`          ``data``, ``head`` and ``lags``
delay
=========  ===========================================  ===================================

Ragged lists become CSR arrays (two flat int64 arrays), not numba typed lists:
numba's reflected lists are deprecated, typed lists of arrays cost a
conversion of every element on each call and are slow to iterate, while two
contiguous arrays pass without copying and ``indices[indptr[i]:indptr[i+1]]``
is as fast as the loop over a list element it replaces.

Values are read from their owner at every run (never frozen into code), and
converted so that numba sees the same types: a float parameter set to an int
later is still passed as float64.
"""

import numbers

import numpy as np

from ....errors import ModelError
from ...nodes.delays import ConstantDelay

__all__ = ["Binding", "BindingRegistry", "RangeBinding", "classify", "GlobalOwner",
           "ValueKindError", "DELAY_KINDS"]

#: The binding kinds of a ConstantDelay: uniform, and one delay per element.
DELAY_KINDS = ("delay", "element_delay")


class ValueKindError(ModelError):
    """A value a step reads cannot be passed to compiled code."""


def _is_ragged(value):
    return isinstance(value, (list, tuple)) and len(value) > 0 and \
        all(isinstance(v, (list, tuple, np.ndarray)) for v in value)


def classify(value):
    """The binding kind of a run-time value (see the module table).

    Parameters
    ----------
    value : object

    Returns
    -------
    str
        ``'array'``, ``'scalar'``, ``'tuple'``, ``'csr'``, ``'delay'``,
        ``'element_delay'``, or ``'other'`` when the value cannot be passed to compiled code.
    """
    if isinstance(value, np.ndarray):
        return "array" if value.dtype.kind in "biuf" else "other"
    if isinstance(value, ConstantDelay):
        return "delay" if value.uniform else "element_delay"
    if isinstance(value, (bool, np.bool_)) or \
            (isinstance(value, numbers.Real) and not isinstance(value, np.ndarray)):
        return "scalar"
    if isinstance(value, tuple) and value and all(isinstance(v, numbers.Integral) for v in value):
        return "tuple"
    if _is_ragged(value):
        return "csr"
    if isinstance(value, (list, tuple)) and value and \
            all(isinstance(v, numbers.Real) for v in value):
        return "array"
    return "other"


class GlobalOwner:
    """Reads (and names) a global or closure variable of a step function's module.

    Parameters
    ----------
    namespace : dict or None
        The function's ``__globals__`` (None for a closure cell).
    cell : cell or None
        The closure cell holding the value.
    module_name : str
        For messages.
    """

    def __init__(self, namespace=None, cell=None, module_name="?"):
        self.namespace = namespace
        self.cell = cell
        self.module_name = module_name

    def read(self, name):
        """The current value of the variable."""
        if self.cell is not None:
            return self.cell.cell_contents
        return self.namespace[name]

    def describe(self):
        """For messages."""
        return f"module {self.module_name!r}"

    @property
    def identity(self):
        """What distinguishes two owners of variables of the same name."""
        return id(self.cell) if self.cell is not None else id(self.namespace)


def _scalar_type(value, int_context):
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if int_context and isinstance(value, numbers.Integral):
        return "int"
    return "float"


class Binding:
    """One value read by compiled steps, and how it is passed.

    Parameters
    ----------
    owner : DynamicalSystem or GlobalOwner or module
        Where the value lives.
    attr : str
        Its attribute (or global) name.
    kind : str
        See :func:`classify`; ``'cell'`` for a written scalar.
    value : object
        The value when the binding was made (decides dtypes and shapes).
    """

    def __init__(self, owner, attr, kind, value):
        self.owner = owner
        self.attr = attr
        self.kind = kind
        self.int_context = False
        self.written = False
        # an array given whole to a local name or a function: it may be written there
        # unseen, so snapshots for a chunk run again copy it (numba/executor.py)
        self.handed_out = False
        self.fixed_shape = None       # set when compiled code relies on the array's shape
        self.scalar_type = _scalar_type(value, False) if kind in ("scalar", "cell") else None
        self._signature = None

    @property
    def key(self):
        """Identity of the bound value across steps: (owner identity, name).

        Returns
        -------
        tuple
        """
        owner = self.owner.identity if isinstance(self.owner, GlobalOwner) else id(self.owner)
        return (owner, self.attr)

    def describe(self):
        """``"E.V"`` or ``"ref_time (module 'x')"`` for messages.

        Returns
        -------
        str
        """
        if isinstance(self.owner, GlobalOwner):
            return f"{self.attr} ({self.owner.describe()})"
        name = getattr(self.owner, "name", None) or getattr(self.owner, "__name__", "?")
        return f"{name}.{self.attr}"

    def read(self):
        """The current value of the bound attribute or variable.

        Returns
        -------
        object
        """
        if isinstance(self.owner, GlobalOwner):
            return self.owner.read(self.attr)
        return getattr(self.owner, self.attr)

    def write(self, value):
        """Set the bound attribute (used to copy a cell back).

        Parameters
        ----------
        value : object
        """
        setattr(self.owner, self.attr, value)

    def suffixes(self):
        """Suffixes of the argument names this binding needs.

        Returns
        -------
        tuple of str
        """
        if self.kind == "csr":
            return ("__indptr", "__indices")
        if self.kind == "delay":
            return ("__data", "__head")
        if self.kind == "element_delay":
            return ("__data", "__head", "__lags")
        return ("",)

    def finalize_type(self):
        """Fix the scalar type once all uses (index contexts) are known."""
        if self.kind in ("scalar", "cell"):
            self.scalar_type = _scalar_type(self.read(), self.int_context)

    # -- run-time values -------------------------------------------------------------------
    def arguments(self):
        """Convert the current value into the compiled functions' arguments.

        Returns
        -------
        tuple
            One entry per :meth:`suffixes` entry.

        Raises
        ------
        ValueKindError
            If the value changed kind (e.g. a number became an array) so that
            the compiled code no longer fits: the caller rebuilds.
        """
        value = self.read()
        kind = classify(value)
        expected = "scalar" if self.kind == "cell" else self.kind
        if kind != expected:
            raise ValueKindError(f"{self.describe()} changed from {expected} to {kind}")
        if self.kind == "array":
            return (self._array(value),)
        if self.kind in ("scalar", "cell"):
            number = self._number(value)
            if self.kind == "cell":
                dtype = {"float": np.float64, "int": np.int64, "bool": np.bool_}[self.scalar_type]
                return (np.array([number], dtype=dtype),)
            return (number,)
        if self.kind == "tuple":
            return (tuple(int(v) for v in value),)
        if self.kind == "csr":
            return csr_arrays(value)
        if self.kind == "delay":
            return (value.data, value.head)
        if self.kind == "element_delay":
            return (value.data, value.head, value.lags)
        raise ValueKindError(f"{self.describe()} cannot be passed to compiled code")

    def _number(self, value):
        if self.scalar_type == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise ValueKindError(f"{self.describe()} changed from bool to "
                                     f"{type(value).__name__}")
            return bool(value)
        if self.scalar_type == "int":
            if isinstance(value, (bool, np.bool_)) or not float(value).is_integer():
                raise ValueKindError(f"{self.describe()} is used as an index or size and changed "
                                     f"to the non-integer {value!r}")
            return int(value)
        if isinstance(value, (bool, np.bool_)):
            raise ValueKindError(f"{self.describe()} changed from a number to a bool")
        return float(value)

    def _array(self, value):
        if not isinstance(value, np.ndarray):
            return np.ascontiguousarray(value, dtype=np.float64)
        signature = (value.dtype.str, value.ndim)
        if self._signature is None:
            self._signature = signature
        if signature != self._signature:
            old_dtype, old_ndim = np.dtype(self._signature[0]), self._signature[1]
            if value.ndim != old_ndim or not np.can_cast(value.dtype, old_dtype, "same_kind"):
                raise ValueKindError(f"{self.describe()} changed from a {old_ndim}-d "
                                     f"{old_dtype} array to a {value.ndim}-d {value.dtype} array")
            value = value.astype(old_dtype)
            self.write(value)
        if self.fixed_shape is not None and value.shape != self.fixed_shape:
            raise ValueKindError(f"{self.describe()} changed shape from {self.fixed_shape} to "
                                 f"{value.shape}")
        if not (value.flags.c_contiguous and value.flags.writeable):
            value = np.ascontiguousarray(value).copy()
            self.write(value)
        return value

    def copy_back(self, argument):
        """Write a cell's value back to its owner.

        Parameters
        ----------
        argument : numpy.ndarray
            The 1-element cell.
        """
        value = argument[0].item()
        old = self.read()
        if isinstance(old, numbers.Integral) and not isinstance(old, bool) \
                and float(value).is_integer():
            value = int(value)
        self.write(value)


class RangeBinding(Binding):
    """The smallest and largest value of an integer array another binding passes.

    Argument: an int64 array ``[min, max]``, computed at every run, for index checks
    (``generator/index_checks.py``): an index read from the array is in range of an
    axis of ``n`` elements when ``min >= -n and max < n``. When compiled code (a
    step or an input) writes the array, or a written array shares its memory, the
    values may change during the run and the range is the whole int64 range, which
    proves nothing.

    Parameters
    ----------
    base : Binding
        An ``array`` binding (or ``csr``: the range of its ``indices``).
    registry : BindingRegistry
        To see which arrays compiled code writes.
    """

    def __init__(self, base, registry):
        super().__init__(base.owner, base.attr, "range", None)
        self.base = base
        self.registry = registry

    @property
    def key(self):
        return self.base.key + ("range",)

    def suffixes(self):
        return ("__range",)

    def arguments(self, base_arguments=None):
        """The ``[min, max]`` argument.

        Parameters
        ----------
        base_arguments : tuple, optional
            The base binding's arguments when the caller has them already (the
            conversion of a ragged list is not repeated).

        Returns
        -------
        tuple
        """
        values = (base_arguments or self.base.arguments())[-1]
        unknown = (np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max], dtype=np.int64),)
        if values.dtype.kind not in "iu" or self.base.written:
            return unknown
        for other in self.registry.bindings.values():
            if other.written and other.kind == "array" and other is not self.base:
                written = other.read()
                if isinstance(written, np.ndarray) and np.may_share_memory(written, values):
                    return unknown
        if values.size == 0:
            return (np.array([0, -1], dtype=np.int64),)
        # a uint64 entry above the int64 range proves nothing (the checked copy then
        # raises for it); converting it would overflow
        largest = int(np.iinfo(np.int64).max)
        return (np.array([min(int(values.min()), largest), min(int(values.max()), largest)],
                         dtype=np.int64),)


def csr_arrays(lists):
    """Flatten a list of index sequences into CSR arrays.

    Parameters
    ----------
    lists : list of sequences of int
        For example ``pre2post``: ``lists[i]`` are the targets of element ``i``.

    Returns
    -------
    indptr : numpy.ndarray
        int64, length ``len(lists) + 1``; ``lists[i]`` is
        ``indices[indptr[i]:indptr[i + 1]]``.
    indices : numpy.ndarray
        int64, all entries in order.
    """
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    indptr = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    if indptr[-1] == 0:
        return indptr, np.zeros(0, dtype=np.int64)
    if all(isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype.kind in "iu" for x in lists):
        # one C-level concatenation: this runs at every run (and for every connection), and
        # converting element by element in Python cost several ms per 1,000 neurons
        flat = np.concatenate(lists)
        if flat.dtype.kind in "iu":           # (int64 mixed with uint64 would promote to float)
            return indptr, flat.astype(np.int64, copy=False)
    parts = [np.asarray(x, dtype=np.int64).reshape(-1) for x in lists]
    return indptr, np.concatenate(parts)


class BindingRegistry:
    """The bindings of one build, shared by all its steps (so each value has one binding)."""

    def __init__(self):
        self.bindings = {}

    def get(self, owner, attr, kind, value):
        """The binding of ``owner.attr``, created on first use.

        Parameters
        ----------
        owner : object
        attr : str
        kind : str
        value : object

        Returns
        -------
        Binding
        """
        binding = Binding(owner, attr, kind, value)
        return self.add(binding)

    def range_of(self, base):
        """The :class:`RangeBinding` of an integer array binding (created on first use).

        Parameters
        ----------
        base : Binding

        Returns
        -------
        RangeBinding
        """
        return self.add(RangeBinding(base, self))

    def add(self, binding):
        """Register ``binding`` unless one with its key exists; return the registered one.

        Parameters
        ----------
        binding : Binding

        Returns
        -------
        Binding
        """
        existing = self.bindings.get(binding.key)
        if existing is not None:
            return existing
        self.bindings[binding.key] = binding
        return binding
