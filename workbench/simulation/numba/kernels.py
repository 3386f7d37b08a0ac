"""Helpers that generated (compiled) code calls to write whole arrays in place.

``self.g = expr`` in a step method rebinds an attribute; compiled code must
write into the existing array instead (other steps and the monitors hold it).
Numba's generic ``a[...] = b`` costs about 3 s of compilation the first time
in a process; these helpers compile in a fraction of that. Each is a plain
Python function (used when numba is disabled) with a numba ``overload``
specialised on the argument types: a scalar fills, an array of the same shape
copies, an array matching the trailing dimensions broadcasts along the
leading ones.

Error messages follow numpy's wording ("could not broadcast").
"""

import numpy as np
from numba import types
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic, overload, register_jitable

from workbench.backend.jit import INNER_OPTIONS

__all__ = ["assign", "iadd", "isub", "imul", "idiv", "gather_into", "delay_pull", "slice_bounds",
           "element_bits", "block_is_zero", "nonfinite_bits", "nonnegative_index",
           "append_events",
           "check_index", "check_index_unless", "RangeNotProven", "nonfinite_baseline",
           "nonfinite_report", "unlikely",
           "KERNEL_OPS"]

#: numba options of every kernel. They are only ever called from compiled code, so they
#: need neither the CPython wrapper (unboxing every argument) nor the C wrapper numba
#: builds by default: leaving both out saves about 30 ms of compilation per kernel
#: (measured with five array arguments).
#: ``fastmath=False``: overloads otherwise inherit their caller's flags, and under
#: ``bp.backend.set_numba_profile(fastmath=True)`` LLVM would fold the NaN watch's
#: ``value - value`` to 0 (``reassoc`` with ``nsz``); the kernels compute exactly always.
_INNER = dict(INNER_OPTIONS, nogil=True, fastmath=False)


def assign(dst, src):
    """``dst[...] = src`` (in place)."""
    dst[...] = src


def iadd(dst, src):
    """``dst += src`` (in place)."""
    dst += src


def isub(dst, src):
    """``dst -= src`` (in place)."""
    dst -= src


def imul(dst, src):
    """``dst *= src`` (in place)."""
    dst *= src


def idiv(dst, src):
    """``dst /= src`` (in place)."""
    dst /= src


def gather_into(dst, src, index):
    """``dst[:] = src.ravel()[index]``."""
    dst[...] = np.ravel(src)[index]


#: AST operator class name -> in-place kernel name.
KERNEL_OPS = {"Add": "iadd", "Sub": "isub", "Mult": "imul", "Div": "idiv"}


@register_jitable(**_INNER)
def _replace(a, b):
    return b


@register_jitable(**_INNER)
def _add(a, b):
    return a + b


@register_jitable(**_INNER)
def _sub(a, b):
    return a - b


@register_jitable(**_INNER)
def _mul(a, b):
    return a * b


@register_jitable(**_INNER)
def _div(a, b):
    return a / b


_COMBINE = {"=": _replace, "+": _add, "-": _sub, "*": _mul, "/": _div}


def _make_overload(op):
    """Build the numba implementation chooser of one in-place operation.

    Implementations are written per number of dimensions with plain loops:
    they compile several times faster than numba's generic array assignment.
    """
    combine = _COMBINE[op]

    def chooser(dst, src):
        if not isinstance(dst, types.Array):
            return None
        scalar = isinstance(src, (types.Number, types.Boolean))
        if not scalar and not isinstance(src, types.Array):
            return None
        if not scalar and src.ndim == 0:
            def fill0(dst, src):
                value = src[()]
                flat = dst.reshape(dst.size)
                for k in range(flat.size):
                    flat[k] = combine(flat[k], value)
            return fill0
        if dst.ndim == 1:
            if scalar:
                def fill1(dst, src):
                    for k in range(dst.shape[0]):
                        dst[k] = combine(dst[k], src)
                return fill1
            if src.ndim == 1:
                def copy1(dst, src):
                    if src.shape[0] != dst.shape[0]:
                        raise ValueError("could not broadcast input array into the target "
                                         "array (shapes differ)")
                    for k in range(dst.shape[0]):
                        dst[k] = combine(dst[k], src[k])
                return copy1
            return None
        if dst.ndim == 2:
            if scalar:
                def fill2(dst, src):
                    for i in range(dst.shape[0]):
                        for j in range(dst.shape[1]):
                            dst[i, j] = combine(dst[i, j], src)
                return fill2
            if src.ndim == 1:
                def rows2(dst, src):
                    if src.shape[0] != dst.shape[1]:
                        raise ValueError("could not broadcast input array into the target "
                                         "array (shapes differ)")
                    for i in range(dst.shape[0]):
                        for j in range(dst.shape[1]):
                            dst[i, j] = combine(dst[i, j], src[j])
                return rows2
            if src.ndim == 2:
                def copy2(dst, src):
                    if src.shape[0] != dst.shape[0] or src.shape[1] != dst.shape[1]:
                        raise ValueError("could not broadcast input array into the target "
                                         "array (shapes differ)")
                    for i in range(dst.shape[0]):
                        for j in range(dst.shape[1]):
                            dst[i, j] = combine(dst[i, j], src[i, j])
                return copy2
            return None
        if scalar:
            def fill(dst, src):
                flat = dst.reshape(dst.size)
                for k in range(flat.size):
                    flat[k] = combine(flat[k], src)
            return fill
        if src.ndim > dst.ndim:
            return None
        lead = dst.ndim - src.ndim

        def copy(dst, src):
            for axis in range(src.ndim):
                if src.shape[axis] != dst.shape[lead + axis]:
                    raise ValueError("could not broadcast input array into the target array "
                                     "(shapes differ)")
            flat = dst.reshape(dst.size)
            source = np.ascontiguousarray(src).reshape(src.size)
            n = source.size
            if n == 0:
                return
            for k in range(flat.size):
                flat[k] = combine(flat[k], source[k % n])
        return copy

    return chooser


for _func, _op in ((assign, "="), (iadd, "+"), (isub, "-"), (imul, "*"), (idiv, "/")):
    overload(_func, jit_options=_INNER)(_make_overload(_op))


@overload(gather_into, jit_options=_INNER)
def _gather_into_overload(dst, src, index):
    if isinstance(src, types.Array):
        def impl(dst, src, index):
            flat = src.reshape(src.size)
            for k in range(index.size):
                dst[k] = flat[index[k]]
        return impl
    if isinstance(src, (types.Number, types.Boolean)):
        def impl_scalar(dst, src, index):
            for k in range(index.size):
                dst[k] = src
        return impl_scalar
    return None


# -- element-wise integrator calls -------------------------------------------------------------
_elementwise_calls = {}


def elementwise_call(step, n_outputs):
    """A function ``call(*args)`` that applies the scalar ``step`` element by element.

    Compiled steps call integrators through it. With only numbers it is
    ``step(*args)``; when some arguments are arrays (all of one shape, numbers
    broadcast) it loops over their elements and calls the step's *scalar*
    specialization, returning one new float64 array per output. For a
    straight-line element-wise derivative (checked by the caller) the values
    are exactly those of the array call, and numba compiles the scalar step
    about three times faster than the same step on arrays.

    Parameters
    ----------
    step : numba dispatcher
        The integrator's compiled step.
    n_outputs : int
        Number of values the step returns (the integrator's variables).

    Returns
    -------
    function
        Usable from compiled code (a numba overload) and from Python.
    """
    key = (id(step), n_outputs)
    cached = _elementwise_calls.get(key)
    if cached is not None and cached[0] is step:
        return cached[1]

    def call(*args):
        return step(*args)

    call.__name__ = f"elementwise_{getattr(step, '__name__', 'step')}"

    def chooser(*args):
        arrays = [k for k, a in enumerate(args) if isinstance(a, types.Array)]
        layouts = {k: ("1d" if args[k].ndim == 1 else "C" if args[k].layout == "C" else "A")
                   for k in arrays}
        return _elementwise_impl(step, len(args), layouts, n_outputs)

    overload(call, jit_options=_INNER)(chooser)
    _elementwise_calls[key] = (step, call)
    return call


def _elementwise_impl(step, n_args, layouts, n_outputs):
    """Source of the element-by-element loop; ``step`` is a global of it (a direct call).

    ``layouts`` maps the positions of array arguments to '1d' (indexed directly),
    'C' (a flat view) or 'A' (copied to a contiguous array first).
    """
    arrays = sorted(layouts)
    names = [f"a{k}" for k in range(n_args)]
    lines = ["def impl(*args):"]
    lines += [f"    {names[k]} = args[{k}]" for k in range(n_args)]
    if not arrays:
        lines.append(f"    return step({', '.join(names)})")
    else:
        first = names[arrays[0]]
        lines += [f"    shape = {first}.shape", f"    size = {first}.size"]
        for k in arrays[1:]:
            lines += [f"    if {names[k]}.shape != shape:",
                      "        raise ValueError('an element-wise integrator call needs its array "
                      "arguments in one shape')"]
        flat = {"1d": "{0}", "C": "{0}.reshape(size)",
                "A": "np.ascontiguousarray({0}).reshape(size)"}
        lines += [f"    f{k} = " + flat[layouts[k]].format(names[k]) for k in arrays]
        lines += [f"    o{j} = np.empty(size)" for j in range(n_outputs)]
        call_args = ", ".join(f"f{k}[e]" if k in layouts else names[k] for k in range(n_args))
        lines += ["    for e in range(size):", f"        r = step({call_args})"]
        one_d = all(layout == "1d" for layout in layouts.values())
        result = "o{0}" if one_d else "o{0}.reshape(shape)"
        if n_outputs == 1:
            lines += ["        o0[e] = r", "    return " + result.format(0)]
        else:
            lines += [f"        o{j}[e] = r[{j}]" for j in range(n_outputs)]
            lines += ["    return " + ", ".join(result.format(j) for j in range(n_outputs))]
    namespace = {"np": np, "step": step}
    exec("\n".join(lines), namespace)
    return namespace["impl"]


# -- sums along an axis ------------------------------------------------------------------------
def sum_axis(x, axis):
    """``np.sum(x, axis=axis)``."""
    return np.sum(x, axis=axis)


@overload(sum_axis, jit_options=_INNER)
def _sum_axis_overload(x, axis):
    if not isinstance(x, types.Array) or not isinstance(axis, types.Integer):
        return None
    if x.ndim != 2:
        return lambda x, axis: np.sum(x, axis=axis)
    dtype = np.float64 if isinstance(x.dtype, types.Float) else np.int64

    def impl(x, axis):
        # rows are added one after the other, as numpy reduces over the outer axis; along
        # the inner axis numpy sums pairwise, so axis=1 may differ from it in the last bits
        if axis == 0 or axis == -2:
            out = np.zeros(x.shape[1], dtype=dtype)
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    out[j] += x[i, j]
            return out
        if axis == 1 or axis == -1:
            out = np.zeros(x.shape[0], dtype=dtype)
            for i in range(x.shape[0]):
                total = out[i]
                for j in range(x.shape[1]):
                    total += x[i, j]
                out[i] = total
            return out
        raise ValueError("axis out of bounds for a 2-d array")
    return impl


@register_jitable(**_INNER)
def delay_pull(data, head, lags):
    """``pull()`` of a per-element delay: element j of the slot pushed ``lags[j]`` steps ago."""
    slots = data.shape[0]
    flat = data.reshape((slots, lags.size))
    out = np.empty(lags.size, dtype=data.dtype)
    for j in range(lags.size):
        out[j] = flat[(head[0] - lags[j]) % slots, j]
    return out.reshape(data.shape[1:])


# -- slice bounds ------------------------------------------------------------------------------
@register_jitable(**_INNER)
def slice_bounds(lower, upper, size):
    """``range(*slice(lower, upper).indices(size))`` bounds for a step of 1: (start, stop)."""
    if lower < 0:
        lower += size
        if lower < 0:
            lower = 0
    elif lower > size:
        lower = size
    if upper < 0:
        upper += size
        if upper < 0:
            upper = 0
    elif upper > size:
        upper = size
    return lower, upper


def nonnegative_index(value):
    """``value`` as an unsigned index; the generated code calls it only where ``value >= 0`` is proven.

    Numba indexes with signed integers as numpy does, adding the axis length to a
    negative index: three instructions per access that LLVM cannot remove when the
    index is loaded from memory (``g[post_ids[k]]`` in the ch. 6 scatter). An
    unsigned index has no negative case.
    """
    return value


@overload(nonnegative_index, jit_options=_INNER)
def _nonnegative_index_overload(value):
    if isinstance(value, types.Integer):
        return lambda value: np.uintp(value)
    # anything else (an index array read from a row, a float bound from unsigned
    # arithmetic) is left as it is: numba indexes with it as before
    return lambda value: value


# -- zero blocks -------------------------------------------------------------------------------
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def element_bits(value):
    """The bits of one bool, integer or float element as an unsigned integer.

    They are all zero exactly when the element is ``0`` / ``False`` / ``+0.0``
    (``-0.0`` is the only zero with a bit set). OR-ing the bits of a block of
    elements tells, in a loop the compiler vectorizes, that no element of the
    block is true (``generator/zero_blocks.py``).
    """
    value = np.asarray(value)
    return int(value.reshape(1).view(_UNSIGNED[value.itemsize])[0])


@intrinsic
def _element_bits(typingctx, value):
    # a bit cast (free in machine code); an intrinsic compiles in a few ms where
    # ``array.view`` cost about a second of numba compilation per process
    if isinstance(value, types.Float) and value.bitwidth in (16, 32, 64):
        unsigned = types.Integer.from_bitwidth(value.bitwidth, signed=False)

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(value.bitwidth))
        return unsigned(value), codegen
    if isinstance(value, types.Integer):
        unsigned = types.Integer.from_bitwidth(value.bitwidth, signed=False)
        return unsigned(value), lambda context, builder, signature, args: args[0]
    if isinstance(value, types.Boolean):
        def codegen(context, builder, signature, args):
            return builder.zext(args[0], ir.IntType(8))
        return types.uint8(value), codegen
    return None


@overload(element_bits, jit_options=_INNER)
def _element_bits_overload(value):
    if isinstance(value, (types.Float, types.Integer, types.Boolean)):
        return lambda value: _element_bits(value)
    return None


def block_is_zero(array, start, count):
    """Whether ``array[start:start + count]`` has only zero bits (``0``, ``False``, ``+0.0``).

    The caller guarantees ``0 <= start`` and ``start + count <= array.shape[0]``
    (the compiled version reads the block without checks). Compiled, a C-contiguous
    block is one vector load OR-reduced to a scalar (``llvm.vector.reduce.or``):
    LLVM left the element-by-element OR of ``element_bits`` a chain of scalar ``or``
    instructions, one cycle per element, which was a fifth of the ch. 6 COBA step.
    """
    block = np.ascontiguousarray(array[start:start + count])
    return not block.view(np.uint8).any()


def _block_lane_width(array, start, count, max_lanes=None):
    """Bits per lane of a vector block of ``array`` (C-contiguous 1-d, literal count), or None."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and array.layout == "C"
            and isinstance(start, types.Integer) and isinstance(count, types.IntegerLiteral)
            and (max_lanes is None or 0 < count.literal_value <= max_lanes)):
        return None
    dtype = array.dtype
    if isinstance(dtype, types.Boolean):
        return 8
    if isinstance(dtype, (types.Integer, types.Float)) and dtype.bitwidth in (8, 16, 32, 64):
        return dtype.bitwidth
    return None


def _load_block(context, builder, signature, args, width, lanes):
    """The ``lanes`` elements from ``args[1]`` on of the array ``args[0]``, as one integer vector."""
    array_type = signature.args[0]
    data = context.make_array(array_type)(context, builder, args[0]).data
    vector = ir.VectorType(ir.IntType(width), lanes)
    first = builder.bitcast(builder.gep(data, [args[1]], inbounds=True), vector.as_pointer())
    # an array numba types as unaligned (np.frombuffer at an odd offset) gets no claim
    return builder.load(first, align=width // 8 if array_type.aligned else 1)


@intrinsic
def _block_is_zero(typingctx, array, start, count):
    # ``count`` is a literal: the vector type is fixed when the code is generated
    width = _block_lane_width(array, start, count)
    if width is None:
        return None
    lanes = count.literal_value

    def codegen(context, builder, signature, args):
        block = _load_block(context, builder, signature, args, width, lanes)
        reduce_or = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(width), [block.type]),
            f"llvm.vector.reduce.or.v{lanes}i{width}")
        bits = builder.call(reduce_or, [block])
        return builder.icmp_unsigned("==", bits, ir.Constant(ir.IntType(width), 0))
    return types.boolean(array, start, count), codegen


@overload(block_is_zero, jit_options=_INNER, inline="always", prefer_literal=True)
def _block_is_zero_overload(array, start, count):
    if not (isinstance(array, types.Array) and array.ndim == 1):
        return None
    if array.layout == "C" and isinstance(count, types.IntegerLiteral) and \
            isinstance(array.dtype, (types.Boolean, types.Integer, types.Float)):
        return lambda array, start, count: _block_is_zero(array, start, count)

    def elementwise(array, start, count):     # strided views: element by element
        for j in range(start, start + count):
            if _element_bits(array[j]) != 0:
                return False
        return True
    return elementwise


def nonzero_span(array, start, count):
    """The range ``(first, stop)`` of the elements of a block with non-zero bits.

    ``first`` is the position of the first element of ``array[start:start + count]``
    whose bits are not all zero, ``stop`` one past the last; an all-zero block
    gives an empty range (``first >= stop``). The caller guarantees
    ``0 <= start``, ``start + count <= array.shape[0]`` and ``count <= 64`` (the
    compiled version reads the block without checks). Compiled, a C-contiguous
    block is one vector compare whose lane mask gives both ends by counting its
    trailing and leading zero bits (``generator/zero_blocks.py``).
    """
    block = np.ascontiguousarray(array[start:start + count])
    lanes = block.view(_UNSIGNED[block.itemsize]) if block.dtype.kind != "b" \
        else block.view(np.uint8)
    where = np.flatnonzero(lanes)
    if where.size == 0:
        return start + count, start
    return start + int(where[0]), start + int(where[-1]) + 1


@intrinsic
def _nonzero_span(typingctx, array, start, count):
    width = _block_lane_width(array, start, count, max_lanes=64)
    if width is None:
        return None
    lanes = count.literal_value

    def codegen(context, builder, signature, args):
        block = _load_block(context, builder, signature, args, width, lanes)
        nonzero = builder.icmp_unsigned("!=", block, ir.Constant(block.type, None))
        mask = builder.bitcast(nonzero, ir.IntType(lanes))
        if lanes < 64:
            mask = builder.zext(mask, ir.IntType(64))
        module = builder.module
        i64, i1 = ir.IntType(64), ir.IntType(1)
        cttz = cgutils.get_or_insert_function(module, ir.FunctionType(i64, [i64, i1]),
                                              "llvm.cttz.i64")
        ctlz = cgutils.get_or_insert_function(module, ir.FunctionType(i64, [i64, i1]),
                                              "llvm.ctlz.i64")
        # a zero mask gives cttz = ctlz = 64: first = start + 64 > stop = start (an empty range)
        low = builder.call(cttz, [mask, ir.Constant(i1, 0)])
        high = builder.call(ctlz, [mask, ir.Constant(i1, 0)])
        start_value = context.cast(builder, args[1], signature.args[1], types.intp)
        first_index = builder.add(start_value, low)
        stop_index = builder.sub(builder.add(start_value, ir.Constant(i64, 64)), high)
        return context.make_tuple(builder, signature.return_type, [first_index, stop_index])
    return types.UniTuple(types.intp, 2)(array, start, count), codegen


@overload(nonzero_span, jit_options=_INNER, inline="always", prefer_literal=True)
def _nonzero_span_overload(array, start, count):
    if not (isinstance(array, types.Array) and array.ndim == 1):
        return None
    if array.layout == "C" and isinstance(count, types.IntegerLiteral) and \
            count.literal_value <= 64 and \
            isinstance(array.dtype, (types.Boolean, types.Integer, types.Float)):
        return lambda array, start, count: _nonzero_span(array, start, count)

    def elementwise(array, start, count):     # strided views: element by element
        first, stop = start + count, start
        for j in range(start, start + count):
            if _element_bits(array[j]) != 0:
                if first > j:
                    first = j
                stop = j + 1
        return first, stop
    return elementwise


def nonfinite_bits(value):
    """Non-zero exactly when ``value`` is NaN or infinite (the NaN watch's per-store test).

    Compiled, it is the bits of ``value - value``: ``+0.0`` (all bits zero) for every
    finite float in round-to-nearest, NaN for NaN and inf. OR-ing these integers into
    one accumulator costs a subtraction and an integer ``or`` per store; the boolean
    form ``value - value != 0.0`` took a compare, two ``set`` and two ``or`` per
    synapse in the scatter loops. Integers and booleans are always finite (0); a 0-d
    array counts as its element; anything else is tested as ``x - x != 0``.
    """
    value = np.asarray(value)
    if value.dtype.kind in "biu":
        return 0
    return 0 if np.all(np.isfinite(value)) else 1


@overload(nonfinite_bits, jit_options=_INNER)
def _nonfinite_bits_overload(value):
    if isinstance(value, types.Float):
        return lambda value: np.uint64(_element_bits(value - value))
    if isinstance(value, (types.Integer, types.Boolean)):
        return lambda value: np.uint64(0)
    if isinstance(value, types.Array) and value.ndim == 0:
        return lambda value: nonfinite_bits(value[()])

    def other(value):          # what the boolean flag did before: numba types it or says why
        return np.uint64(1) if value - value != 0 else np.uint64(0)
    return other


# -- spike events ------------------------------------------------------------------------------
@register_jitable(**_INNER)
def append_events(flat, rows, columns, weights, weighted, count, row):
    """Append ``(row, j[, flat[j]])`` for every non-zero ``flat[j]`` to an event record's buffers.

    ``count[0]`` is the number of events so far (the caller made room for
    ``flat.size`` more). Blocks of 32 elements whose bits are all zero are skipped
    after one vector test (:func:`block_is_zero`), as ``generator/zero_blocks.py``
    does in steps: the monitors of a network share this one compiled function
    instead of each compiling its own copy of the loop in the run loop.

    Parameters
    ----------
    flat : 1-d array
        The monitored variable (bool, integer or float).
    rows, columns : 1-d int64 arrays
        Event buffers: ``row`` and the element's index are written at ``count[0]`` on.
    weights : 1-d float64 array
        The element's value is written there too when ``weighted``.
    weighted : bool
    count : 1-element int64 array
        Events recorded so far; advanced by the events appended.
    row : int
        The record row (time step of the monitor) of these events.
    """
    n = count[0]
    size = flat.shape[0]
    for block in range(0, size, 32):           # generator/zero_blocks.py's BLOCK
        end = block + 32 if block + 32 < size else size
        if end - block == 32 and block_is_zero(flat, block, 32):
            continue
        for j in range(block, end):
            if flat[j]:
                rows[n] = row
                columns[n] = j
                if weighted:
                    weights[n] = flat[j]
                n += 1
    count[0] = n


# -- index checks ------------------------------------------------------------------------------
def check_index(index, size, site, step):
    """``index`` if it is a valid position along an axis of ``size`` elements, else IndexError.

    Valid positions are ``-size .. size - 1`` (negative ones count from the end, as
    in numpy). The error's arguments ``(site, index, size, step)`` let the executor
    name the variable, the index and the time (``generator/index_checks.py``).
    Anything but an integer (a slice, a mask, an index array) passes unchanged:
    numba checks those itself.
    """
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        if index >= size or index < -size:
            raise IndexError(site, int(index), int(size), int(step))
    return index


# Not ``inline="always"``: numba's IR-level inlining re-typed the body at every call site and
# cost 0.3-0.5 s per step of the ch. 6 network; LLVM inlines the small function anyway, and the
# checked loop copies that call it run only when a range could not be proved before the loop.
@overload(check_index, jit_options=_INNER)
def _check_index_overload(index, size, site, step):
    if isinstance(index, types.Integer):
        def impl(index, size, site, step):
            if index >= size or index < -size:
                raise IndexError(site, index, size, step)
            return index
        return impl
    return lambda index, size, site, step: index


class RangeNotProven(Exception):
    """A versioned loop's range was not proven and its checked copy was not compiled.

    Raised by steps compiled with ``checked_copies=False``
    (``generator/index_checks.py``) before the loop runs; the executor then compiles
    the checked copies and asks the runner to run the chunk again
    (:class:`~workbench.simulation.executor.RerunChunk`). Never reaches the user.
    """


def check_index_unless(index, size, proven, site, step):
    """:func:`check_index` unless ``proven`` (a flag computed once before the loops)."""
    if proven:
        return index
    return check_index(index, size, site, step)


@overload(check_index_unless, jit_options=_INNER)
def _check_index_unless_overload(index, size, proven, site, step):
    if isinstance(index, types.Integer):
        def impl(index, size, proven, site, step):
            if not proven and (index >= size or index < -size):
                raise IndexError(site, index, size, step)
            return index
        return impl
    return lambda index, size, proven, site, step: index


# -- non-finite values -------------------------------------------------------------------------
def unlikely(flag):
    """``flag != 0``, marked for the compiler as almost always false (``llvm.expect``).

    The NaN watch's reports and baselines run once per run or when a NaN appears. A
    branch LLVM knows to be cold keeps their counting loop out of line: without the
    mark LLVM inlined and vectorized a copy at every call (the ch. 6 steps' IR was
    1.5-2.4x larger; the compile time did not change measurably).
    """
    return bool(flag != 0)          # a bool also for numpy scalars (NUMBA_DISABLE_JIT=1)


@intrinsic
def _unlikely(typingctx, flag):
    if not isinstance(flag, (types.Integer, types.Boolean)):
        return None

    def codegen(context, builder, signature, args):
        value = args[0]
        if value.type != ir.IntType(1):
            value = builder.icmp_unsigned("!=", value, ir.Constant(value.type, 0))
        expect = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(1), [ir.IntType(1), ir.IntType(1)]),
            "llvm.expect.i1")
        return builder.call(expect, [value, ir.Constant(ir.IntType(1), 0)])
    return types.boolean(flag), codegen


@overload(unlikely, jit_options=_INNER, inline="always")
def _unlikely_overload(flag):
    if isinstance(flag, (types.Integer, types.Boolean)):
        return lambda flag: _unlikely(flag)
    return None


@register_jitable(**_INNER)
def _count_nonfinite(values):
    # ``values.flat[k]`` compiles in a third of the time of iterating ``values.ravel()``
    # (which types an array iterator) and runs as fast as a range loop on C-contiguous arrays
    nan = 0
    inf = 0
    for k in range(values.size):
        x = values.flat[k]
        if x != x:
            nan += 1
        elif x - x != 0.0:
            inf += 1
    return nan, inf


@register_jitable(**_INNER)
def _tally_nonfinite(values, counts, record, site, step):
    # the one out-of-line copy of the counting loop that baselines and reports share
    nan, inf = _count_nonfinite(values)
    if site >= 0 and record[0] < 0 and (nan > counts[0] or inf > counts[1]):
        record[0] = site
        record[1] = step
        record[2] = 1 if nan > counts[0] else 2
    counts[0] = nan
    counts[1] = inf


@register_jitable(**_INNER)
def nonfinite_baseline(values, counts, record):
    """Count the NaNs and infs of ``values`` into ``counts`` once per run (``counts[0] < 0``).

    ``record`` (the run's record, see :func:`nonfinite_report`) is not written; it is
    passed so that baselines and reports call one compiled counting function.
    """
    # ``unlikely``, not the intrinsic: with NUMBA_DISABLE_JIT=1 this runs as Python
    if unlikely(counts[0] < 0):
        _tally_nonfinite(values, counts, record, -1, 0)


@register_jitable(**_INNER)
def nonfinite_report(values, counts, record, site, step):
    """Record ``(site, step, kind)`` in ``record`` if ``values`` has more NaNs or infs than counted.

    ``record`` is ``[site, step, kind, schedule item]`` of the run's first new NaN
    (kind 1) or inf (kind 2); ``site < 0`` while nothing happened; the run loop fills
    in the item. ``counts`` follows the array (values may also become finite again).
    """
    _tally_nonfinite(values, counts, record, site, step)


#: Names under which generated code calls the kernels.
KERNEL_NAMESPACE = {"_assign": assign, "_iadd": iadd, "_isub": isub,
                    "_imul": imul, "_idiv": idiv,
                    "_gather_into": gather_into, "_sum_axis": sum_axis,
                    "_delay_pull": delay_pull,
                    "_slice_bounds": slice_bounds, "_element_bits": element_bits,
                    "_block_is_zero": block_is_zero, "_nonzero_span": nonzero_span,
                    "_nonfinite_bits": nonfinite_bits, "_unlikely": unlikely,
                    "_nonnegative_index": nonnegative_index,
                    "_append_events": append_events,
                    "_check_index": check_index,
                    "_check_index_unless": check_index_unless,
                    "_RangeNotProven": RangeNotProven,
                    "_nonfinite_baseline": nonfinite_baseline,
                    "_nonfinite_report": nonfinite_report}
