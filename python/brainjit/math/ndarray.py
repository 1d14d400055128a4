"""bm.Array, bm.Variable (+ TrainVar, Parameter, VarList, VarDict), array/asarray and dtype helpers over _core."""

import operator
import re
import threading
import weakref

import numpy as np

from .. import _core, errors
from . import environment as _env

__all__ = [
    'Array', 'JaxArray', 'Variable', 'TrainVar', 'Parameter', 'VarList', 'var_list', 'VarDict',
    'var_dict', 'array', 'asarray', 'is_array', 'canonical_dtype', 'dtype_code', 'dtype_of',
    'bool_', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32',
    'float64', 'dtype', 'as_variable',
]

ArrayBase = _core.ArrayBase
Buffer = _core.Buffer
Val = _core.Val
Var = _core.Var
_op = _core.op
_tracing = _core.tracing
_var_read = _core.var_read
_var_write = _core.var_write

# bj_dtype codes, in the order of include/brainjit.h: BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64.
DTYPES = (np.dtype(np.bool_), np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.uint32), np.dtype(np.float32),
          np.dtype(np.float64))
CODES = {d: i for i, d in enumerate(DTYPES)}
B, I32, I64, U32, F32, F64 = range(6)
BJ_END = 2 ** 63 - 1

bool_, int8, int16, int32, int64 = np.bool_, np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64 = np.float16, np.float32, np.float64
dtype = np.dtype

_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1


# ---------------------------------------------------------------------------------------------------- dtypes
def canonical_dtype(dt):
    """The numpy dtype brainjit stores for a requested dtype, as JAX canonicalises it: float64 and int64 become
    float32 and int32 unless bm.enable_x64(); narrower ints become int32, float16 float32, unsigned uint32."""
    x64 = _env.X64
    if dt is float:
        return DTYPES[F64 if x64 else F32]
    if dt is int:
        return DTYPES[I64 if x64 else I32]
    if dt is bool:
        return DTYPES[B]
    d = np.dtype(dt)
    code = CODES.get(d)
    if code is not None:
        if code == F64 and not x64:
            return DTYPES[F32]
        if code == I64 and not x64:
            return DTYPES[I32]
        return d
    k = d.kind
    if k == 'f':
        return DTYPES[F32]
    if k == 'i':
        return DTYPES[I32]
    if k == 'u':
        if d.itemsize == 8 and x64:
            raise TypeError('brainjit has no uint64 dtype; use int64 or uint32.')
        return DTYPES[U32]
    if k == 'b':
        return DTYPES[B]
    raise TypeError(f'brainjit does not support the dtype {d} (supported: bool, int32, int64, uint32, float32, '
                    f'float64).')


def dtype_code(dt):
    """The bj_dtype code of canonical_dtype(dt)."""
    return CODES[canonical_dtype(dt)]


def _scalar_code(x):
    t = type(x)
    if t is bool:
        return B
    if t is float:
        return F64 if _env.X64 else F32
    if t is int:
        if not _env.X64 and not _INT32_MIN <= x <= _INT32_MAX:
            raise OverflowError(f'Python int {x} too large to convert to int32 (bm.enable_x64() allows int64).')
        return I64 if _env.X64 else I32
    return None


def dtype_of(x):
    """The numpy dtype x has (or would have) as a brainjit value: Arrays and Variables their own, Python scalars
    the default float32 / int32 / bool, numpy values their canonical dtype."""
    if isinstance(x, ArrayBase):
        return DTYPES[x._v.dtype]
    code = _scalar_code(x)
    if code is not None:
        return DTYPES[code]
    if isinstance(x, (Buffer, Val, Var)):
        return DTYPES[x.dtype]
    return canonical_dtype(np.asarray(x).dtype)


def _shape_of(x):
    if isinstance(x, ArrayBase):
        return tuple(x._v.shape)
    if isinstance(x, (bool, int, float)):
        return ()
    if isinstance(x, (Buffer, Val, Var)):
        return tuple(x.shape)
    return np.shape(x)


# ---------------------------------------------------------------------------------------------------- conversion
def _buffer(x, dt=None, copy=False):
    """A Buffer for a host value (numpy array or scalar, Python scalar, nested list), canonicalised."""
    if dt is not None:
        code = dtype_code(dt)
        return _core.buffer(x, code, copy)
    code = _scalar_code(x)
    if code is not None:
        return _core.buffer(x, code, copy)
    if not isinstance(x, np.ndarray):
        if isinstance(x, (list, tuple)) and _has_arrays(x):
            raise TypeError('internal: sequences of Arrays are stacked, not converted')
        x = np.asarray(x)
    if not x.dtype.isnative:  # big-endian data (from a file or the network): numpy swaps it to native order
        x = x.astype(x.dtype.newbyteorder('='))
    code = CODES.get(x.dtype)
    want = dtype_code(x.dtype)
    if code == want:
        return _core.buffer(x, -1, copy)
    return _core.buffer(x, want, copy)


def _has_arrays(seq):
    for e in seq:
        if isinstance(e, ArrayBase) or (isinstance(e, (list, tuple)) and _has_arrays(e)):
            return True
    return False


def _new(v):
    """An Array around a _core value (Buffer or Val)."""
    a = _array_new(Array)
    a._v = v
    return a


def _value_v(x, dt=None):
    """The _v (Buffer or Val; a Variable's current value) of anything array-like, converted to dt if given."""
    if isinstance(x, ArrayBase):
        v = x._v
        if type(v) is Var:
            v = _var_read(v)._v
        if dt is not None:
            code = dtype_code(dt)
            if v.dtype != code:
                v = _op('astype', [v], {'dtype': code})._v
        return v
    if isinstance(x, (list, tuple)) and _has_arrays(x):
        parts = [_new(_value_v(e)) for e in x]
        v = _op('stack', parts, {'axis': 0})._v
        return _value_v(_new(v), dt) if dt is not None else v
    if isinstance(x, (Buffer, Val)):
        return x if dt is None else _value_v(_new(x), dt)
    return _buffer(x, dt)


def _in(x):
    """An operand for _core ops: Arrays, Variables and Python scalars as they are (scalars stay weakly typed),
    numpy values and lists as canonical Buffers; NotImplemented for anything else."""
    t = type(x)
    if t is float or t is int or t is bool or isinstance(x, ArrayBase):
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple)):
        if isinstance(x, (list, tuple)) and _has_arrays(x):
            return _new(_value_v(x))
        return _buffer(x)
    return NotImplemented


def is_array(x):
    return isinstance(x, ArrayBase)


# ---------------------------------------------------------------------------------------------------- tracing helpers
_CONCRETE_HINT = ('A traced value has no concrete value while a function is being compiled. Make the argument '
                  'static (static_argnums / static_argnames of bm.jit), or use bm.cond / bm.ifelse / bm.while_loop '
                  '/ bm.where for control flow that depends on traced values.')


# Per thread, the jitted functions being traced (innermost last): each entry maps a C parameter number to the
# Python argument it holds, so errors name the argument as the user wrote it (the C core numbers flattened leaves).
_frames = threading.local()


def trace_frames():
    st = getattr(_frames, 'stack', None)
    if st is None:
        st = _frames.stack = []
    return st


_DYNAMIC_PARAM = re.compile(r'bj_val_to_f64: parameter (\d+) \(\w+\) of (.+?) is dynamic: its value is not known '
                            r'while tracing; make it static \(static_argnums="\d+"\)')


def _python_names(msg):
    m = _DYNAMIC_PARAM.search(msg)
    st = getattr(_frames, 'stack', None)
    if m is None or not st:
        return msg
    try:
        found = st[-1](int(m.group(1)))
    except Exception:  # a best effort: the C message stands
        found = None
    if found is None:
        return msg
    argnum, argname, path = found
    how = (f'static_argnums={argnum} or static_argnames={argname!r}' if argnum is not None
           else 'a positional parameter in static_argnames')
    what = f'argument {path!r}' if path == argname else f'{path!r} (part of argument {argname!r})'
    return (msg[:m.start()] + f'the value depends on {what} of {m.group(2)}, which is traced: its value is not known '
            f'while tracing; make it static ({how})' + msg[m.end():])


def _concrete(v, what):
    """The Python float of a traced scalar known at trace time; otherwise a ConcretizationTypeError (for bool():
    TracerBoolConversionError; for int() and indices: TracerIntegerConversionError, as JAX names them)."""
    try:
        return _core.to_f64(v)
    except errors.ConcretizationTypeError:
        raise
    except (errors.BrainJitError, TypeError, ValueError) as e:
        shape = getattr(v, 'shape', ())
        if what == 'bool()' and int(np.prod(shape)) != 1:
            # numpy's and JAX's error for the truth value of an array of several elements
            raise ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or '
                             'a.all()') from None
        msg = _python_names(str(e))
        if 'static' not in msg:
            msg = f'{msg}\n{_CONCRETE_HINT}'
        cls = (errors.TracerBoolConversionError if what == 'bool()' else
               errors.TracerIntegerConversionError if what in ('int()', 'an index') else
               errors.ConcretizationTypeError)
        raise cls(f'{what} of a traced Array: {msg}') from None


def _host(x):
    """numpy view of a concrete value (a Variable's: a copy); ConcretizationTypeError for a traced one."""
    v = x._v
    if type(v) is Var:
        if _tracing():
            raise errors.TracerArrayConversionError(
                'A Variable has no concrete value while a function is being compiled (it is read at run time). '
                + _CONCRETE_HINT)
        return np.array(_core.var_value_nocopy(v))
    if type(v) is Val:
        raise errors.TracerArrayConversionError(
            'A traced Array cannot be converted to a numpy array while a function is being compiled. '
            + _CONCRETE_HINT)
    return np.asarray(v)


_MUTATE_MSG = ('Array created outside of the jitted function cannot be updated inside it ({what}): the change would '
               'happen once, while tracing, instead of on every call. You should declare it as a '
               'brainpy.math.Variable instead (bm.Variable(x)).')


# ---------------------------------------------------------------------------------------------------- indexing
def _norm_int(i, dim, axis):
    j = i + dim if i < 0 else i
    if not 0 <= j < dim:
        raise IndexError(f'index {i} is out of bounds for axis {axis} with size {dim}')
    return j


def _slice_params(s, dim):
    start, stop, step = s.indices(dim)
    n = len(range(start, stop, step))
    if n == 0:
        return 0, 0, 1, 0
    if step < 0 and stop < 0:
        stop = BJ_END
    return start, stop, step, n


def _is_int_scalar(i):
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _classify(index, shape):
    """Expands an index into entries ('s', slice, axis), ('i', int, axis), ('a', int-Array, axis), ('n',)."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    masks = {}  # where a boolean mask's index arrays start in items -> the mask's shape (checked below)
    for it in index:
        if it is None or it is Ellipsis or isinstance(it, slice) or _is_int_scalar(it):
            items.append(it)
            continue
        if isinstance(it, (bool, np.bool_)):
            raise IndexError('brainjit does not support a Python bool as an index; use a boolean array mask.')
        if isinstance(it, ArrayBase):
            v = it._v
            arr = it
            dt = v.dtype
        else:
            host = np.asarray(it)
            if host.dtype.kind not in 'biu':
                raise IndexError(f'only integers, slices (`:`), ellipsis (`...`), None and integer or boolean '
                                 f'arrays are valid indices, not {host.dtype}')
            arr = None if host.dtype.kind == 'b' else _new(_buffer(host))
            dt = B if host.dtype.kind == 'b' else arr._v.dtype
            if host.dtype.kind == 'b':
                masks[len(items)] = host.shape
                items.extend(_mask_to_ints(host))
                continue
        if dt == B:
            if type(arr._v) is Val or (type(arr._v) is Var and _tracing()):
                raise IndexError(
                    'Boolean mask indexing needs a concrete mask: inside jit the result shape would depend on '
                    'traced values. Use bm.where(mask, x, y) instead (assignment x[mask] = v works).')
            host = _host(arr)
            masks[len(items)] = host.shape
            items.extend(_mask_to_ints(host))
            continue
        if dt in (F32, F64):
            raise IndexError('Arrays used as indices must be of integer (or boolean) type')
        items.append(arr)
    n_ell = sum(1 for it in items if it is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for it in items if it is not None and it is not Ellipsis)
    ndim = len(shape)
    if consumed > ndim:
        raise IndexError(f'too many indices for array: array is {ndim}-dimensional, but {consumed} were indexed')
    out, axis = [], 0
    if n_ell == 0:
        items.append(Ellipsis)
    for pos, it in enumerate(items):
        ms = masks.get(pos)
        if ms is not None and tuple(shape[axis:axis + len(ms)]) != tuple(ms):
            raise IndexError(f'boolean index of shape {tuple(ms)} does not match the indexed array of shape '
                             f'{tuple(shape)} at axis {axis}')
        if it is None:
            out.append(('n',))
        elif it is Ellipsis:
            for _ in range(ndim - consumed):
                out.append(('s', slice(None), axis))
                axis += 1
        elif isinstance(it, slice):
            out.append(('s', it, axis))
            axis += 1
        elif isinstance(it, ArrayBase):
            out.append(('a', it, axis))
            axis += 1
        else:
            out.append(('i', _norm_int(int(it), shape[axis], axis), axis))
            axis += 1
    return out


def _mask_to_ints(mask):
    return [_new(_buffer(ix.astype(np.int64 if ix.size and ix.max() > _INT32_MAX else np.int32)))
            for ix in np.nonzero(mask)]


_TAKE0 = _core.EagerOp('take', {'axis': 0})


def _getitem(x, index):
    """x[index] built from _core ops (slice, take, transpose, reshape); x is an Array or a Variable."""
    shape = tuple(x._v.shape)
    if type(index) is int and shape:  # the common x[i]: one take of a checked index
        return _TAKE0(x, _norm_int(index, shape[0], 0))
    entries = _classify(index, shape)
    has_adv = any(e[0] == 'a' for e in entries)
    if has_adv:  # integers join the advanced indices, as numpy does when arrays are present
        entries = [('a', _new(_buffer(e[1], np.int32)), e[2]) if e[0] == 'i' else e for e in entries]
    start, stop, step = [], [], []
    out_shape = []
    adv = []  # (position in entries, axis, index array)
    identity = True
    for pos, e in enumerate(entries):
        kind = e[0]
        if kind == 'n':
            out_shape.append(1)
            continue
        axis = e[2]
        dim = shape[axis]
        if kind == 's':
            s0, s1, s2, n = _slice_params(e[1], dim)
            if n != dim or s2 != 1:
                identity = False
            start.append(s0), stop.append(s1), step.append(s2)
            out_shape.append(n)
        elif kind == 'i':
            start.append(e[1]), stop.append(e[1] + 1), step.append(1)
            identity = False
        else:
            start.append(0), stop.append(BJ_END), step.append(1)
            adv.append((pos, axis, e[1]))
            out_shape.append(None)  # placeholder of the advanced block
    y = x
    if not identity:
        y = _op('slice', [x], {'rank': len(shape), 'start': tuple(start), 'stop': tuple(stop), 'step': tuple(step)})
    if adv:
        y, bshape, contiguous = _advanced(y, adv)
        first = out_shape.index(None)
        basic = [d for d in out_shape if d is not None]
        n_before = sum(1 for d in out_shape[:first] if d is not None)
        if contiguous:
            final = basic[:n_before] + list(bshape) + basic[n_before:]
            k = sum(1 for e in entries[:adv[0][0]] if e[0] == 's')
            nb = len(bshape)
            if k and nb and len(adv) > 1:
                # _advanced put the index dims first; numpy keeps them where the indices stood
                yr = len(y._v.shape)
                perm = list(range(nb, nb + k)) + list(range(nb)) + list(range(nb + k, yr))
                y = _op('transpose', [y], {'naxes': yr, 'axes': tuple(perm)})
        else:
            final = list(bshape) + basic
    else:
        final = out_shape
    if tuple(y._v.shape) != tuple(final):
        y = _op('reshape', [y], {'rank': len(final), 'shape': tuple(final)})
    elif y is x:
        y = _new(_value_v(x))
    return y


def _advanced(y, adv):
    """Applies the advanced indices adv [(pos, axis, idx)] to y; returns (result, the broadcast index shape,
    whether the indices were adjacent). Several indices: the index dims come first, then y's other axes."""
    shape = tuple(y._v.shape)
    positions = [p for p, _, _ in adv]
    contiguous = positions == list(range(positions[0], positions[0] + len(positions)))
    if len(adv) == 1:
        _, axis, idx = adv[0]
        # take leaves the index dims at `axis`, which is where numpy puts a single advanced index
        r = _op('take', [y, idx], {'axis': axis})
        ishape = tuple(idx._v.shape)
        return r, ishape, contiguous
    axes = [a for _, a, _ in adv]
    others = [a for a in range(len(shape)) if a not in axes]
    perm = axes + others
    if perm != list(range(len(shape))):
        y = _op('transpose', [y], {'naxes': len(perm), 'axes': tuple(perm)})
    dims = [shape[a] for a in axes]
    total = int(np.prod(dims)) if dims else 1
    rest = [shape[a] for a in others]
    y = _op('reshape', [y], {'rank': 1 + len(rest), 'shape': tuple([total] + rest)})
    bshape = np.broadcast_shapes(*[tuple(i._v.shape) for _, _, i in adv])
    flat = None
    stride = 1
    idt = np.int64 if total > _INT32_MAX else np.int32
    for dim, (_, _, idx) in reversed(list(zip(dims, adv))):
        i = idx if DTYPES[idx._v.dtype] == np.dtype(idt) else _op('astype', [idx], {'dtype': CODES[np.dtype(idt)]})
        i = _op('where', [_op('lt', [i, 0]), _op('add', [i, dim]), i])
        i = _op('clip', [i, 0, max(dim - 1, 0)])
        term = i if stride == 1 else _op('mul', [i, stride])
        flat = term if flat is None else _op('add', [flat, term])
        stride *= dim
    if tuple(flat._v.shape) != tuple(bshape):
        flat = _op('broadcast_to', [flat], {'rank': len(bshape), 'shape': tuple(bshape)})
    return _op('take', [y, flat], {'axis': 0}), tuple(bshape), contiguous


def _positions(shape, index):
    """The flat C-order positions x[index] reads, as an int Array of the result's shape."""
    size = int(np.prod(shape)) if shape else 1
    code = I64 if size > _INT32_MAX else I32
    iota = _op('arange', [], {'dtype': code, 'value': 0.0, 'stop_value': float(size), 'step_value': 1.0})
    if tuple(shape) != (size,):
        iota = _op('reshape', [iota], {'rank': len(shape), 'shape': tuple(shape)})
    return _getitem(iota, index)


def _mask_of(index, shape):
    """The boolean mask Array if index is one mask (any array-like of bool) fitting x's leading dims, else None."""
    if isinstance(index, ArrayBase):
        if index._v.dtype != B:
            return None
        m = index
    elif isinstance(index, np.ndarray) and index.dtype == np.bool_:
        m = _new(_buffer(index))
    else:
        return None
    ms = tuple(m._v.shape)
    if len(ms) > len(shape) or ms != tuple(shape[:len(ms)]):
        raise IndexError(f'boolean index of shape {ms} does not match the indexed array of shape {tuple(shape)}')
    if len(ms) < len(shape):
        m = _op('reshape', [m], {'rank': len(shape), 'shape': ms + (1,) * (len(shape) - len(ms))})
    return m


def _updated(x, index, value, mode='set'):
    """A new value of x with x[index] set to (or increased by) value: x.at[index].set(value) in JAX terms."""
    shape = tuple(x._v.shape)
    code = x._v.dtype
    given, value = value, _in(value)
    if value is NotImplemented:
        raise TypeError(f'cannot assign a {type(given).__name__} to an Array element')
    mask = _mask_of(index, shape)
    if mask is not None:
        vshape = _shape_of(value)
        if len(vshape) == 0 or tuple(vshape) == shape:
            new = value if mode == 'set' else _op('add', [x, value])
            new = _op('astype', [_op('where', [mask, new, x])], {'dtype': code})
            return new
        index = tuple(np.nonzero(_host(mask if mask._v.shape == shape else
                                       _op('broadcast_to', [mask], {'rank': len(shape), 'shape': shape}))))
    if index is Ellipsis or (isinstance(index, slice) and index == slice(None)) or \
            (isinstance(index, tuple) and len(index) == 0):
        if mode == 'set':
            vs = _shape_of(value)
            if tuple(vs) != shape:
                value = _op('broadcast_to', [value if isinstance(value, ArrayBase) else _new(_value_v(value))],
                            {'rank': len(shape), 'shape': shape})
            new = _new(_value_v(value, DTYPES[code]))
            return new
    pos = _positions(shape, index)
    flat = _op('reshape', [x], {'rank': 1, 'shape': (int(np.prod(shape)) if shape else 1,)})
    flat = _op('scatter_set' if mode == 'set' else 'scatter_add', [flat, pos, value], {'axis': 0})
    return _op('reshape', [flat], {'rank': len(shape), 'shape': shape})


class _IndexUpdateRef:
    __slots__ = ('array', 'index')

    def __init__(self, array, index):
        self.array, self.index = array, index

    def get(self):
        return _getitem(self.array, self.index)

    def set(self, value):
        return _updated(self.array, self.index, value, 'set')

    def add(self, value):
        return _updated(self.array, self.index, value, 'add')


class _IndexUpdateHelper:
    __slots__ = ('array',)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)


# ---------------------------------------------------------------------------------------------------- printing
def _jax_like_repr(a, dt):
    """numpy text of a with JAX's layout ("Array([1., 2.], dtype=float32)")."""
    body = np.array2string(a, prefix='Array(', separator=', ', suffix=',')
    return f'Array({body}, dtype={dt.name})'


def _array_repr(self, cls_name):
    v = self._v
    dt = DTYPES[v.dtype]
    if type(v) is Val:
        shape = ','.join(str(d) for d in v.shape)
        return f'{cls_name}(value=Traced<{dt.name}[{shape}]>, dtype={dt.name})'
    host = np.asarray(_core.var_value_nocopy(v)) if type(v) is Var else np.asarray(v)
    code = _jax_like_repr(host, dt).split(', dtype')[0] + ')'
    prefix = f'{cls_name}(value='
    if '\n' in code:
        lines = code.split('\n')
        lines[0] = prefix + lines[0]
        lines[1:] = [' ' * len(prefix) + ln for ln in lines[1:]]
        lines[-1] += ','
        lines.append(' ' * (len(cls_name) + 1) + f'dtype={dt.name})')
        return '\n'.join(lines)
    return f'{prefix}{code}, dtype={dt.name})'


_numpy_ops = None


def _ops():
    # numpy_ops imports this module, so it is looked up on first use
    global _numpy_ops
    if _numpy_ops is None:
        from . import numpy_ops
        _numpy_ops = numpy_ops
    return _numpy_ops


# ---------------------------------------------------------------------------------------------------- Array
def _binary(name, doc):
    f = _core.EagerOp(name)

    def fwd(self, other):
        t = type(other)
        if t is float or t is int or isinstance(other, ArrayBase):
            return f(self, other)
        other = _in(other)
        if other is NotImplemented:
            return NotImplemented
        return f(self, other)

    def rev(self, other):
        other = _in(other)
        if other is NotImplemented:
            return NotImplemented
        return f(other, self)

    def inplace(self, other):
        other = _in(other)
        if other is NotImplemented:
            return NotImplemented
        self._assign(f(self, other), doc, same_dtype=False)
        return self

    return fwd, rev, inplace


def _unary(name):
    f = _core.EagerOp(name)

    def g(self):
        return f(self)
    return g


class Array(ArrayBase):
    """A multi-dimensional array of brainjit (BrainPy's bm.Array): numpy-like, computed by the C core.

    Operators and methods build C ops: run at once outside jit, traced into the graph inside. In-place operators
    (``a += 1``, ``a[0] = 2``) give ``a`` a new value of the same shape (an operator may change its dtype, as in
    BrainPy 2.8: ``a += 0.5`` on ints gives floats); inside a jitted function only Variables may be changed.
    """
    __slots__ = ()
    __array_priority__ = 100
    is_brainpy_array = True

    def __init__(self, value, dtype=None):
        self._v = _value_v(value, dtype)

    # ---- value
    @property
    def value(self):
        return self

    @value.setter
    def value(self, value):
        self._assign_checked(value)

    def update(self, value):
        """Sets the value (same shape and dtype)."""
        self._assign_checked(value)

    def _assign_checked(self, value):
        shape, dt = tuple(self._v.shape), DTYPES[self._v.dtype]
        vshape, vdt = _shape_of(value), dtype_of(value)
        if tuple(vshape) != shape:
            raise errors.MathError(f'The shape of the original data is {shape}, while we got {tuple(vshape)}.')
        if vdt != dt:
            raise errors.MathError(f'The dtype of the original data is {dt}, while we got {vdt}.')
        self._assign(_new(_value_v(value)), 'value assignment')

    def _assign(self, new, what, same_dtype=True):
        # same_dtype=False: an in-place operator on a plain Array rebinds it to the result's dtype, as BrainPy 2.8
        # and JAX do (a = bm.arange(3); a += 0.5 is float32); a Variable keeps its dtype and refuses (its _assign)
        v = self._v
        if type(v) is not Val and _tracing():
            raise errors.MathError(_MUTATE_MSG.format(what=what))
        nv = new._v
        if tuple(nv.shape) != tuple(v.shape):
            raise errors.MathError(f'The shape of the original data is {tuple(v.shape)}, while we got '
                                   f'{tuple(nv.shape)}.')
        if same_dtype and nv.dtype != v.dtype:
            raise errors.MathError(f'The dtype of the original data is {DTYPES[v.dtype]}, while we got '
                                   f'{DTYPES[nv.dtype]}.')
        self._v = nv

    # ---- attributes
    @property
    def dtype(self):
        return DTYPES[self._v.dtype]

    @property
    def shape(self):
        return tuple(self._v.shape)

    @property
    def ndim(self):
        return len(self._v.shape)

    @property
    def size(self):
        return int(np.prod(self._v.shape)) if self._v.shape else 1

    @property
    def T(self):
        return _op('transpose', [self], {'naxes': 0})

    @property
    def mT(self):
        """The last two axes swapped (matrix transpose of a stack), as jax arrays' mT."""
        if self.ndim < 2:
            raise ValueError(f'Matrix transpose with ndim < 2 is undefined, got {self.ndim}.')
        return _ops().swapaxes(self, -1, -2)

    # brainjit has no complex dtypes: every array is its own real part and its own conjugate
    @property
    def real(self):
        return self

    @property
    def imag(self):
        return _ops().zeros_like(self)

    def conj(self):
        return self

    conjugate = conj

    @property
    def at(self):
        return _IndexUpdateHelper(self)

    # ---- Python protocol
    def __repr__(self):
        return _array_repr(self, type(self).__name__)

    def __str__(self):
        # BrainPy 2.8 prints the values as numpy does (print(x)); a traced value prints its repr
        v = self._v
        if type(v) is Val or (type(v) is Var and _tracing()):
            return repr(self)
        return str(_host(self))

    def __format__(self, spec):
        v = self._v
        if type(v) is Val or (type(v) is Var and _tracing()):
            return format(repr(self), spec)
        host = _host(self)
        if host.ndim == 0:
            return format(host.item(), spec)
        return format(host, spec)

    def __len__(self):
        shape = self._v.shape
        if not shape:
            raise TypeError('len() of unsized object')
        return shape[0]

    def __iter__(self):
        shape = self._v.shape
        if not shape:
            raise TypeError('iteration over a 0-d array')
        for i in range(shape[0]):
            yield _getitem(self, i)

    def __getitem__(self, index):
        return _getitem(self, index)

    def __setitem__(self, index, value):
        self._assign(_updated(self, index, value), 'item assignment')

    def __array__(self, dtype=None, copy=None):
        a = _host(self)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        if copy:
            a = a.copy()
        return a

    def __bool__(self):
        v = self._v
        if type(v) is Var and _tracing():
            v = _var_read(v)._v  # its traced read: the error names the Variable
        if type(v) is Val:
            return bool(_concrete(v, 'bool()'))
        return bool(_host(self))

    def __float__(self):
        v = self._v
        if type(v) is Var and _tracing():
            v = _var_read(v)._v
        if type(v) is Val:
            return float(_concrete(v, 'float()'))
        return float(_host(self))

    def __int__(self):
        v = self._v
        if type(v) is Var and _tracing():
            v = _var_read(v)._v
        if type(v) is Val:
            return int(_concrete(v, 'int()'))
        return int(_host(self))

    def __index__(self):
        v = self._v
        if v.dtype in (F32, F64):
            raise TypeError('only integer scalar arrays can be converted to a scalar index')
        if type(v) is Val:
            return int(_concrete(v, 'an index'))
        return operator.index(_host(self))

    def __complex__(self):
        return complex(float(self))

    __hash__ = None

    # ---- operators
    __add__, __radd__, __iadd__ = _binary('add', 'a += b')
    __sub__, __rsub__, __isub__ = _binary('sub', 'a -= b')
    __mul__, __rmul__, __imul__ = _binary('mul', 'a *= b')
    __truediv__, __rtruediv__, __itruediv__ = _binary('div', 'a /= b')
    __floordiv__, __rfloordiv__, __ifloordiv__ = _binary('floor_divide', 'a //= b')
    __mod__, __rmod__, __imod__ = _binary('remainder', 'a %= b')
    __pow__, __rpow__, __ipow__ = _binary('pow', 'a **= b')
    __matmul__, __rmatmul__, __imatmul__ = _binary('matmul', 'a @= b')
    __and__, __rand__, __iand__ = _binary('bitwise_and', 'a &= b')
    __or__, __ror__, __ior__ = _binary('bitwise_or', 'a |= b')
    __xor__, __rxor__, __ixor__ = _binary('bitwise_xor', 'a ^= b')
    __lshift__, __rlshift__, __ilshift__ = _binary('shift_left', 'a <<= b')
    __rshift__, __rrshift__, __irshift__ = _binary('shift_right', 'a >>= b')
    __eq__ = _binary('eq', '')[0]
    __ne__ = _binary('ne', '')[0]
    __lt__ = _binary('lt', '')[0]
    __le__ = _binary('le', '')[0]
    __gt__ = _binary('gt', '')[0]
    __ge__ = _binary('ge', '')[0]
    __neg__ = _unary('neg')
    __abs__ = _unary('abs')
    __invert__ = _unary('bitwise_not')

    def __pos__(self):
        return _new(_value_v(self))

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __round__(self, ndigits=None):
        if ndigits is None:
            if self.ndim:
                raise TypeError('round() of an array needs ndigits; use a.round()')
            return round(float(self))
        return self.round(ndigits)

    # ---- conversion
    def numpy(self, dtype=None):
        """A numpy copy-free view (a copy for a Variable) of a concrete value."""
        a = _host(self)
        return a if dtype is None else a.astype(dtype)

    to_numpy = numpy

    def tolist(self):
        return _host(self).tolist()

    def item(self, *args):
        return _host(self).item(*args)

    def copy(self):
        return _new(_value_v(self))

    clone = copy

    def as_variable(self):
        return Variable(self)

    def block_until_ready(self, *args):
        return self

    # ---- numpy methods: delegated to numpy_ops (bm.sum(a) and a.sum() are one function)
    def astype(self, dtype):
        if dtype is None:
            return _new(_value_v(self))
        return _op('astype', [self], {'dtype': dtype_code(dtype)})

    def reshape(self, *shape, order='C'):
        if order != 'C':
            raise NotImplementedError('brainjit arrays are C-ordered: reshape(order="C") only')
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def flatten(self):
        return _ops().reshape(self, (-1,))

    def ravel(self, order='C'):
        return _ops().reshape(self, (-1,))

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _ops().transpose(self, axes if axes else None)

    def swapaxes(self, axis1, axis2):
        return _ops().swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _ops().squeeze(self, axis)

    def expand_dims(self, axis):
        return _ops().expand_dims(self, axis)

    unsqueeze = expand_dims

    def sum(self, axis=None, dtype=None, keepdims=False, **kwargs):
        x = self if dtype is None else self.astype(dtype)
        return _ops().sum(x, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False, **kwargs):
        x = self if dtype is None else self.astype(dtype)
        return _ops().prod(x, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False, **kwargs):
        x = self if dtype is None else self.astype(dtype)
        return _ops().mean(x, axis=axis, keepdims=keepdims)

    def std(self, axis=None, dtype=None, ddof=0, keepdims=False):
        x = self if dtype is None else self.astype(dtype)
        return _ops().std(x, axis=axis, ddof=ddof, keepdims=keepdims)

    def var(self, axis=None, dtype=None, ddof=0, keepdims=False):
        x = self if dtype is None else self.astype(dtype)
        return _ops().var(x, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, keepdims=False, *args, **kwargs):
        return _ops().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, *args, **kwargs):
        return _ops().min(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _ops().any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _ops().all(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None):
        return _ops().argmax(self, axis=axis)

    def argmin(self, axis=None):
        return _ops().argmin(self, axis=axis)

    def cumsum(self, axis=None, dtype=None):
        x = self if dtype is None else self.astype(dtype)
        return _ops().cumsum(x, axis=axis)

    def cumprod(self, axis=None, dtype=None):
        x = self if dtype is None else self.astype(dtype)
        return _ops().cumprod(x, axis=axis)

    def clip(self, min=None, max=None):
        return _ops().clip(self, min, max)

    def round(self, decimals=0):
        return _ops().round(self, decimals)

    def dot(self, b):
        return _ops().dot(self, b)

    def outer(self, b):
        return _ops().outer(self, b)

    def repeat(self, repeats, axis=None):
        return _ops().repeat(self, repeats, axis=axis)

    def tile(self, reps):
        return _ops().tile(self, reps)

    def take(self, indices, axis=None):
        return _ops().take(self, indices, axis=axis)

    def sort(self, axis=-1):
        return _ops().sort(self, axis=axis)

    def argsort(self, axis=-1):
        return _ops().argsort(self, axis=axis)

    def nonzero(self):
        return _ops().nonzero(self)

    def split(self, indices_or_sections, axis=0):
        return _ops().split(self, indices_or_sections, axis=axis)

    def fill(self, value):
        """Sets every element to value (in place, as BrainPy)."""
        self._assign(_op('astype', [_ops().full_like(self, value)], {'dtype': self._v.dtype}), 'fill')

    fill_ = fill  # BrainPy's in-place spelling

    def abs(self):
        return _op('abs', [self])

    def pow(self, index):
        return self ** index

    def exp(self):
        return _op('exp', [self])

    def log(self):
        return _op('log', [self])

    def sqrt(self):
        return _op('sqrt', [self])

    def sin(self):
        return _op('sin', [self])

    def cos(self):
        return _op('cos', [self])

    def tanh(self):
        return _op('tanh', [self])

    def bool(self):
        return self.astype(np.bool_)

    def int(self):
        return self.astype(np.int32)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)


_array_new = ArrayBase.__new__
ndarray = Array
JaxArray = Array


def asarray(a, dtype=None, order=None):
    """An Array of a (no copy where the layout allows: a numpy array of a supported dtype is shared)."""
    return _new(_value_v(a, dtype))


def array(a, dtype=None, copy=True, order='K', ndmin=0):
    """A new Array holding a copy of a (numpy inputs are copied; Arrays are immutable and shared)."""
    if isinstance(a, (ArrayBase, Buffer, Val)) or (isinstance(a, (list, tuple)) and _has_arrays(a)):
        r = _new(_value_v(a, dtype))
    else:
        r = _new(_buffer(a, dtype, copy=True))
    while len(r._v.shape) < ndmin:
        r = _op('expand_dims', [r], {'axis': 0})
    return r


# ---------------------------------------------------------------------------------------------------- Variable
_VARIABLES = weakref.WeakValueDictionary()  # Var name -> Variable, to map the C core's lists back to objects


def variable_by_name(name):
    """The Variable whose C Var has this name (None if it is gone)."""
    return _VARIABLES.get(name)


class Variable(Array):
    """A mutable array whose value lives in the C core (BrainPy's bm.Variable).

    Its dtype and shape are fixed at creation (except the size along ``batch_axis``). Jitted functions find the
    Variables they read or write by themselves; in-place operators, ``v[idx] = x``, ``v.value = x`` and
    ``v.update(x)`` write the Variable, eagerly outside jit and on every call inside it.

    >>> v = bm.Variable(bm.arange(4)); v[0] = 10; v[1:3] = 9      # Variable([10, 9, 9, 3])
    """

    def __init__(self, value_or_size, dtype=None, batch_axis=None, *, axis_names=None, ready_to_trace=None):
        if isinstance(value_or_size, int) and not isinstance(value_or_size, bool):
            buf = _buffer(np.zeros(value_or_size, dtype=canonical_dtype(dtype or float)))
        elif isinstance(value_or_size, (tuple, list)) and value_or_size and \
                all(isinstance(s, int) and not isinstance(s, bool) for s in value_or_size):
            buf = _buffer(np.zeros(tuple(value_or_size), dtype=canonical_dtype(dtype or float)))
        else:
            if isinstance(value_or_size, Variable):
                vb = value_or_size.batch_axis
                if vb is not None and batch_axis is not None and vb != batch_axis:
                    raise errors.MathError(f'"batch_axis" is not consistent. Got batch_axis in the given value is '
                                           f'{vb}, but the specified batch_axis is {batch_axis}')
                if batch_axis is None:
                    batch_axis = vb
            buf = _value_v(value_or_size, dtype)
            if type(buf) is Val:
                raise errors.MathError(
                    'A Variable cannot be created from a traced value inside a jitted function or loop body: '
                    'create it outside (in __init__) and assign to it here.')
        ndim = len(buf.shape)
        if batch_axis is not None:
            if not isinstance(batch_axis, int) or batch_axis >= ndim or batch_axis < -ndim:
                raise errors.MathError(f'This variables has {ndim} dimension, but the batch axis is set to be '
                                       f'{batch_axis}.')
            if batch_axis < 0:
                batch_axis += ndim
        self._v = Var(buf, None, -1 if batch_axis is None else batch_axis)
        _VARIABLES[self._v.name] = self
        self.axis_names = tuple(axis_names) if axis_names is not None else None
        self.ready_to_trace = True if ready_to_trace is None else ready_to_trace

    @property
    def name(self):
        return self._v.name

    @property
    def batch_axis(self):
        b = self._v.batch_axis
        return None if b is None or b < 0 else b

    @batch_axis.setter
    def batch_axis(self, val):
        raise ValueError(f'Cannot set "batch_axis" after creating a {type(self).__name__} instance.')

    @property
    def batch_size(self):
        b = self.batch_axis
        return None if b is None else self._v.shape[b]

    @property
    def value(self):
        return _var_read(self._v)

    @value.setter
    def value(self, v):
        self._write_checked(v)

    def update(self, value):
        self._write_checked(value)

    def _write_checked(self, v):
        shape, dt = tuple(self._v.shape), DTYPES[self._v.dtype]
        vshape, vdt = tuple(_shape_of(v)), dtype_of(v)
        b = self.batch_axis
        int_shape, ext_shape = shape, vshape
        if b is not None:
            int_shape = shape[:b] + shape[b + 1:]
            ext_shape = vshape[:b] + vshape[b + 1:]
        if ext_shape != int_shape:
            raise errors.MathError(f'The shape of the original data is {int_shape}, while we got {ext_shape} with '
                                   f'batch_axis={b}.')
        if vdt != dt:
            raise errors.MathError(f'The dtype of the original data is {dt}, while we got {vdt}.')
        x = v if isinstance(v, ArrayBase) and type(v._v) is not Var else _new(_value_v(v))
        _var_write(self._v, x)

    def _assign(self, new, what, same_dtype=True):
        self._write_checked(new)

    def __setitem__(self, index, value):
        _var_write(self._v, _updated(self, index, value))

    def __array__(self, dtype=None, copy=None):
        a = _host(self)
        return a if dtype is None else a.astype(dtype, copy=False)

    def clone(self):
        return type(self)(_new(_value_v(self)), batch_axis=self.batch_axis)

    def numpy(self, dtype=None):
        a = _host(self)
        return a if dtype is None else a.astype(dtype)

    to_numpy = numpy


class TrainVar(Variable):
    """A trainable Variable."""


class Parameter(Variable):
    """A parameter Variable."""


class VarList(list):
    """A list of Variables that BrainPyObject.vars() lists ("Obj0.attr-0"); item assignment writes the Variable."""

    def __init__(self, seq=()):
        super().__init__()
        self.extend(seq)

    def append(self, element):
        if not isinstance(element, Variable):
            raise TypeError(f'element must be an instance of {Variable.__name__}.')
        super().append(element)
        return self

    def extend(self, iterable):
        for element in iterable:
            self.append(element)
        return self

    def __setitem__(self, key, value):
        if isinstance(key, int):
            self[key].value = value
        else:
            super().__setitem__(key, value)


var_list = VarList


class VarDict(dict):
    """A dict of Variables that BrainPyObject.vars() lists ("Obj0.attr-key"); assignment to a key writes it."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.update(*args, **kwargs)

    def update(self, *args, **kwargs):
        for arg in args:
            items = arg.items() if isinstance(arg, dict) else arg
            for k, v in items:
                self[k] = v
        for k, v in kwargs.items():
            self[k] = v
        return self

    def __setitem__(self, key, value):
        if key in self:
            self[key].value = value
        else:
            if not isinstance(value, Variable):
                raise TypeError(f'Element should be {Variable.__name__}, but got {type(value)}.')
            super().__setitem__(key, value)


var_dict = VarDict


# results of C ops, jit calls and Variable reads are created as these classes
_core.set_types(Array, Variable)


def as_variable(tensor, dtype=None):
    """A Variable holding (a copy of) tensor."""
    return Variable(tensor, dtype=dtype)
