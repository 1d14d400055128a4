"""bm's numpy-like functions (BrainPy 2.4 / jax.numpy names): argument parsing in Python, every op in the C core."""

import builtins
import math as _pymath

import numpy as np

from .. import _core, errors
from . import environment as _env
from . import ndarray as _nd

# Semantics, promotion and result dtypes come from the C ops (docs/ops.md). Python only turns numpy-style
# arguments (axis, keepdims, shapes, dtype names) into op attributes, and builds the composites (std, softmax,
# split, ...) from C ops the way jax.numpy defines them, so that eager calls (C "interp" runs one op) and
# traced calls (the op joins the trace) give the same values and dtypes.

__all__ = [
    # creation
    'zeros', 'ones', 'empty', 'full', 'zeros_like', 'ones_like', 'empty_like', 'full_like', 'arange',
    'linspace', 'eye', 'identity', 'diag', 'fill_diagonal',
    # elementwise
    'where', 'exp', 'exp2', 'log', 'log1p', 'log2', 'log10', 'expm1', 'sqrt', 'rsqrt', 'square', 'abs',
    'absolute', 'sign', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'arcsin', 'arccos', 'arctan', 'arctan2',
    'hypot', 'reciprocal', 'negative', 'positive', 'power', 'float_power', 'maximum', 'minimum', 'clip', 'round', 'around',
    'round_', 'rint', 'floor', 'ceil', 'trunc', 'fix', 'remainder', 'mod', 'exprel', 'add', 'subtract',
    'multiply', 'divide', 'true_divide', 'floor_divide', 'logical_and', 'logical_or', 'logical_not',
    'logical_xor', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not', 'invert', 'left_shift',
    'right_shift', 'equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal', 'isnan', 'isinf',
    'isfinite', 'isclose', 'allclose', 'array_equal', 'logaddexp', 'heaviside', 'nonzero', 'flatnonzero',
    'count_nonzero',
    # reductions and scans
    'sum', 'prod', 'mean', 'std', 'var', 'max', 'min', 'amax', 'amin', 'argmax', 'argmin', 'cumsum', 'cumprod',
    'any', 'all',
    # shapes
    'reshape', 'flatten', 'ravel', 'expand_dims', 'squeeze', 'concatenate', 'stack', 'hstack', 'vstack',
    'repeat', 'tile', 'split', 'moveaxis', 'swapaxes', 'transpose', 'broadcast_to', 'flip', 'take',
    'take_along_axis', 'atleast_1d', 'atleast_2d', 'atleast_3d', 'shape', 'ndim', 'size', 'astype',
    # linear algebra, sorting, activations
    'dot', 'matmul', 'outer', 'inner', 'sort', 'argsort', 'one_hot', 'relu', 'sigmoid', 'softmax', 'softplus',
    # interoperability and constants
    'as_numpy', 'as_ndarray', 'as_jax', 'pi', 'e', 'inf', 'nan', 'newaxis',
]

pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
newaxis = None

_ArrayBase = _core.ArrayBase
_op = _core.op
_EagerOp = _core.EagerOp
_tracing = _core.tracing

# bj_dtype codes (include/brainjit.h)
_BOOL, _I32, _I64, _U32, _F32, _F64 = range(6)
_FLOATS = (_F32, _F64)
_NP_OF_CODE = tuple(np.dtype(n) for n in ('bool', 'int32', 'int64', 'uint32', 'float32', 'float64'))
_CODE_OF_NAME = {'bool': _BOOL, 'int32': _I32, 'int64': _I64, 'uint32': _U32, 'float32': _F32, 'float64': _F64}
_PY_SCALARS = (bool, int, float)


# ---------------------------------------------------------------- argument helpers

def _x64():
    return _env.X64


def _float_code():
    return _F64 if _x64() else _F32


def _int_code():
    return _I64 if _x64() else _I32


def _code(dtype, default=None):
    """A dtype (None, a name, a numpy dtype or type, Python's bool/int/float, a code) -> a bj_dtype code,
    canonicalised as JAX does with x64 off (64-bit requests give 32-bit types)."""
    if dtype is None:
        return default
    if dtype is float:
        return _float_code()
    if dtype is int:
        return _int_code()
    if dtype is bool:
        return _BOOL
    if type(dtype) is int and 0 <= dtype < 6:  # already a code
        return dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = getattr(dtype, 'name', None) or getattr(dtype, '__name__', str(dtype))
    x64 = _x64()
    if name in _CODE_OF_NAME:
        c = _CODE_OF_NAME[name]
        if not x64:
            c = {_I64: _I32, _F64: _F32}.get(c, c)
        return c
    if name in ('int8', 'int16', 'uint8', 'uint16'):
        return _I32
    if name == 'uint64':
        return _U32 if not x64 else _I64
    if name in ('float16', 'bfloat16'):
        return _F32
    raise TypeError(f'brainjit does not support the dtype {dtype!r} (supported: bool, int32, int64, uint32, '
                    'float32, float64)')


def _np_dtype(code):
    return _NP_OF_CODE[code]


def _arr(x):
    """x as an Array (ArrayBase); numpy arrays, lists and scalars are converted with bm.asarray's dtype rules."""
    if isinstance(x, _ArrayBase):
        return x
    return _nd.asarray(x)


def _opnd(x):
    """An op operand: Arrays as they are, Python scalars as weakly typed literals, the rest through bm.asarray."""
    if isinstance(x, _ArrayBase) or type(x) in _PY_SCALARS:
        return x
    return _nd.asarray(x)


def _dt(x):
    """bj_dtype code of an operand (Python scalars: their weak class)."""
    if isinstance(x, _ArrayBase):
        return x._v.dtype
    t = type(x)
    if t is bool:
        return _BOOL
    if t is int:
        return _int_code()
    if t is float:
        return _float_code()
    return _arr(x)._v.dtype


def _shp(x):
    return tuple(x._v.shape) if isinstance(x, _ArrayBase) else tuple(np.shape(x))


def _is_traced(x):
    return isinstance(x, _ArrayBase) and type(x._v) is getattr(_core, 'Val', ())


def _static_int(v, what):
    """An int argument that must be known when tracing (shapes, counts)."""
    if isinstance(v, _ArrayBase):
        if _is_traced(v):
            raise errors.ConcretizationTypeError(f'{what} must be a concrete Python int, not a traced value; pass it '
                                                 'as a static argument (static_argnums / static_argnames)')
        return int(np.asarray(v))
    return int(v)


def _static_float(v, what):
    if isinstance(v, _ArrayBase):
        if _is_traced(v):
            raise errors.ConcretizationTypeError(f'{what} must be a concrete number, not a traced value; pass it as '
                                                 'a static argument (static_argnums / static_argnames)')
        return float(np.asarray(v))
    return float(v)


def _shape_arg(shape):
    if isinstance(shape, (tuple, list)):
        return tuple(_static_int(s, 'shape') for s in shape)
    return (_static_int(shape, 'shape'),)


def _norm_axis(axis, ndim, what='axis'):
    a = int(axis)
    if not -ndim <= a < ndim:
        raise ValueError(f'{what} {axis} is out of bounds for array of dimension {ndim}')
    return a + ndim if a < 0 else a


def _axes_arg(axis, ndim):
    """axis None -> None (all axes); int or sequence -> a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        axes = tuple(_norm_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f'repeated axis in {tuple(axis)}')
        return tuple(sorted(axes))
    return (_norm_axis(axis, ndim),)


def _astype(x, code):
    if x._v.dtype == code:
        return x
    return _op('astype', [x], {'dtype': code})


def _full(shape, value, code):
    shape = tuple(shape)
    return _op('full', [], {'dtype': code, 'rank': len(shape), 'shape': shape, 'value': float(value)})


# ---------------------------------------------------------------- creation

def zeros(shape, dtype=None):
    shape = _shape_arg(shape)
    return _op('zeros', [], {'dtype': _code(dtype, _float_code()), 'rank': len(shape), 'shape': shape})


def ones(shape, dtype=None):
    shape = _shape_arg(shape)
    return _op('ones', [], {'dtype': _code(dtype, _float_code()), 'rank': len(shape), 'shape': shape})


def empty(shape, dtype=None):
    """As zeros: buffers are never left uninitialised."""
    return zeros(shape, dtype)


def _fill_code(fill_value):
    t = type(fill_value)
    if t is bool or isinstance(fill_value, np.bool_):
        return _BOOL
    if t is int or isinstance(fill_value, np.integer):
        return _int_code() if t is int else _code(np.asarray(fill_value).dtype)
    if t is float or isinstance(fill_value, np.floating):
        return _float_code() if t is float else _code(np.asarray(fill_value).dtype)
    return None


def full(shape, fill_value, dtype=None, *, device=None):
    shape = _shape_arg(shape)
    code = _fill_code(fill_value)
    if dtype is None and type(fill_value) in (int, float) and \
            (type(fill_value) is float or _x64() or -2 ** 31 <= fill_value < 2 ** 31):
        # a Python number stays weakly typed, as in jnp.full (so full(3, 2) * x_uint32 is uint32)
        return _op('broadcast_to', [fill_value], {'rank': len(shape), 'shape': shape})
    if code is not None:
        return _full(shape, fill_value, _code(dtype, code))
    v = _arr(fill_value)
    v = _astype(v, _code(dtype, v._v.dtype))
    return broadcast_to(v, shape)


def zeros_like(a, dtype=None, shape=None, *, device=None):
    a = _arr(a)
    return zeros(_shp(a) if shape is None else shape, _code(dtype, a._v.dtype))


def ones_like(a, dtype=None, shape=None, *, device=None):
    a = _arr(a)
    return ones(_shp(a) if shape is None else shape, _code(dtype, a._v.dtype))


def empty_like(a, dtype=None, shape=None, *, device=None):
    return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
    a = _arr(a)
    return full(_shp(a) if shape is None else shape, fill_value, _code(dtype, a._v.dtype))


def arange(start, stop=None, step=None, dtype=None):
    """jnp.arange: start, stop and step must be concrete numbers (the length is part of the shape)."""
    vals = [v for v in (start, stop, step) if v is not None]
    # the result type of the arguments (jnp.arange): Python numbers weakly typed, numpy scalars and Arrays strong
    rcode, rweak = None, True
    for v in vals:
        if type(v) in _PY_SCALARS:
            c, w = _dt(v), True
        elif isinstance(v, np.generic):
            c, w = _code(v.dtype), False
        else:
            c, w = _dt(v), _weak(v)
        rcode, rweak = (c, w) if rcode is None else _core.promote(rcode, rweak, c, w)
    if rcode == _BOOL:
        rcode = _int_code()
    vals = [_static_float(v, 'arange\'s arguments') for v in vals]
    if stop is None:
        start_f, stop_f, step_f = 0.0, vals[0], (vals[1] if len(vals) > 1 else 1.0)
    else:
        start_f, stop_f = vals[0], vals[1]
        step_f = vals[2] if len(vals) > 2 else 1.0
    if step_f == 0:
        raise ValueError('arange: step must not be zero')
    code = _code(dtype, rcode)
    return _op('arange', [], {'dtype': code, 'value': start_f, 'stop_value': stop_f, 'step_value': step_f})


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """jnp.linspace: start * (1 - t) + stop * t with t = i / div, then stop appended when endpoint."""
    num = _static_int(num, 'linspace\'s num')
    if num < 0:
        raise ValueError(f'Number of samples, {num}, must be non-negative.')
    want = _code(dtype, None)
    # jnp.linspace computes in the float type of start and stop (to_inexact of their result type), or of dtype
    if want is None:
        comp = _inexact_code(_opnd(start), _opnd(stop))
    else:
        comp = want if want in _FLOATS else (_F64 if want == _I64 else _F32)
    s, t = _astype(_arr(start), comp), _astype(_arr(stop), comp)
    bshape = np.broadcast_shapes(_shp(s), _shp(t))
    s, t = broadcast_to(s, bshape), broadcast_to(t, bshape)
    div = num - 1 if endpoint else num
    if num == 0:
        out = zeros((0,) + bshape, comp)
    elif num == 1 or div == 0:
        out = expand_dims(s, 0)
        if num > 1:  # unreachable (div == 0 only with num == 1), kept for clarity
            out = broadcast_to(out, (num,) + bshape)
    else:
        ishape = (div,) + (1,) * len(bshape)
        step = _op('div', [_op('iota', [], {'dtype': comp, 'rank': len(ishape), 'shape': ishape, 'axis': 0}),
                           float(div)])
        out = add(multiply(expand_dims(s, 0), subtract(1.0, step)), multiply(expand_dims(t, 0), step))
        if endpoint:
            out = concatenate([out, expand_dims(t, 0)], axis=0)
    if bshape and axis != 0:
        out = moveaxis(out, 0, axis)
    if want is not None and want != comp:
        if want not in _FLOATS:
            out = floor(out)
        out = _astype(out, want)
    if retstep:
        delta = divide(subtract(t, s), float(div)) if div > 0 else full(bshape, np.nan, comp)
        return out, delta
    return out


def eye(N, M=None, k=0, dtype=None, *, device=None):
    n = _static_int(N, 'eye\'s N')
    m = n if M is None else _static_int(M, 'eye\'s M')
    return _op('eye', [], {'dtype': _code(dtype, _float_code()), 'n': n, 'm': m, 'k': _static_int(k, 'k')})


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def diag(v, k=0):
    v = _arr(v)
    k = _static_int(k, 'diag\'s k')
    shp = _shp(v)
    if len(shp) == 1:
        n = shp[0] + builtins.abs(k)
        z = zeros((builtins.abs(k),), v._v.dtype)
        vpad = concatenate([z, v] if k >= 0 else [v, z], axis=0)
        mask = _op('eye', [], {'dtype': _BOOL, 'n': n, 'm': n, 'k': k})
        return where(mask, expand_dims(vpad, 0), zeros((), v._v.dtype))
    if len(shp) == 2:
        rows, cols = shp
        i0, j0 = (0, k) if k >= 0 else (-k, 0)
        cnt = builtins.max(0, builtins.min(rows - i0, cols - j0))
        idx = (np.arange(cnt, dtype=np.int64) + i0) * cols + (np.arange(cnt, dtype=np.int64) + j0)
        return take(reshape(v, (-1,)), idx.astype(np.int32))
    raise ValueError('Input must be 1- or 2-d.')


def fill_diagonal(a, val, inplace=True):
    """Sets the main diagonal of the last two axes to val (a number, or an array along the diagonal), converted
    to a's dtype (BrainPy's bm.fill_diagonal). inplace=True writes `a` (a bm.Array or Variable) and returns None;
    inplace=False returns the new array."""
    if len(_shp(a)) < 2:
        raise ValueError(f'Only support tensor has dimension >= 2, but got {_shp(a)}')
    if inplace and not isinstance(a, _nd.Array):
        raise ValueError('``fill_diagonal()`` is used in in-place updating, therefore it requires a brainpy Array. '
                         'If you want to disable inplace updating, use ``fill_diagonal(inplace=False)``.')
    x = _arr(a)
    rows, cols = _shp(x)[-2:]
    n = builtins.min(rows, cols)
    mask = _op('eye', [], {'dtype': _BOOL, 'n': rows, 'm': cols, 'k': 0})
    v = _astype(_arr(val), x._v.dtype)
    vs = _shp(v)
    if vs and vs[-1] != 1:
        if vs[-1] != n:
            raise ValueError(f'fill_diagonal: val of shape {vs} does not fit a diagonal of {n} elements')
        if cols > n:
            v = concatenate([v, zeros(vs[:-1] + (cols - n,), v._v.dtype)], axis=-1)
        v = expand_dims(v, -2)
    r = where(mask, v, x)
    if inplace:
        a.value = r
        return None
    return r


# ---------------------------------------------------------------- elementwise

# The elementwise functions are the C EagerOp objects themselves: bm.exp(x) is one C call, eager (a cached one-op
# interpreter handle) or traced. EagerOp converts numpy inputs with the default dtypes (float64 -> float32 unless
# x64) and keeps Python scalars weakly typed, as bm.asarray and JAX do.
exp = _EagerOp('exp')
exp2 = _EagerOp('exp2')
log = _EagerOp('log')
log1p = _EagerOp('log1p')
log2 = _EagerOp('log2')
expm1 = _EagerOp('expm1')
sqrt = _EagerOp('sqrt')
rsqrt = _EagerOp('rsqrt')
square = _EagerOp('square')
abs = _EagerOp('abs')
absolute = abs
sign = _EagerOp('sign')
sin = _EagerOp('sin')
cos = _EagerOp('cos')
tan = _EagerOp('tan')
tanh = _EagerOp('tanh')
sinh = _EagerOp('sinh')
cosh = _EagerOp('cosh')
arcsin = _EagerOp('arcsin')
arccos = _EagerOp('arccos')
arctan = _EagerOp('arctan')
reciprocal = _EagerOp('reciprocal')
negative = _EagerOp('neg')
floor = _EagerOp('floor')
ceil = _EagerOp('ceil')
trunc = _EagerOp('trunc')
fix = trunc
_round = _EagerOp('round')
isnan = _EagerOp('isnan')
isinf = _EagerOp('isinf')
isfinite = _EagerOp('isfinite')
logical_not = _EagerOp('logical_not')
bitwise_not = _EagerOp('bitwise_not')
invert = bitwise_not
sigmoid = _EagerOp('sigmoid')

add = _EagerOp('add')
subtract = _EagerOp('sub')
multiply = _EagerOp('mul')
divide = _EagerOp('div')
true_divide = divide
floor_divide = _EagerOp('floor_divide')
remainder = _EagerOp('remainder')
mod = remainder
power = _EagerOp('pow')
maximum = _EagerOp('maximum')
minimum = _EagerOp('minimum')
arctan2 = _EagerOp('atan2')
hypot = _EagerOp('hypot')
equal = _EagerOp('eq')
not_equal = _EagerOp('ne')
less = _EagerOp('lt')
less_equal = _EagerOp('le')
greater = _EagerOp('gt')
greater_equal = _EagerOp('ge')
logical_and = _EagerOp('logical_and')
logical_or = _EagerOp('logical_or')
logical_xor = _EagerOp('logical_xor')
bitwise_and = _EagerOp('bitwise_and')
bitwise_or = _EagerOp('bitwise_or')
bitwise_xor = _EagerOp('bitwise_xor')
left_shift = _EagerOp('shift_left')
right_shift = _EagerOp('shift_right')


def positive(x):
    return _arr(x)


def rint(x):
    """Round to the nearest integer, ties to even; bool and integer inputs become the default float type first
    (jnp.rint; bm.round keeps integers)."""
    x = _opnd(x)
    if _dt(x) not in _FLOATS:
        x = _astype(_arr(x), _float_code())  # jnp.rint: the default float type, float64 with x64
    return _round(x)


def _weak(x):
    return type(x) in _PY_SCALARS or (isinstance(x, _ArrayBase) and bool(getattr(x._v, 'weak', False)))


def _promoted(*xs):
    """(code, weak) of the C core's promotion of the operands (Python scalars weakly typed)."""
    code, weak = _dt(xs[0]), _weak(xs[0])
    for x in xs[1:]:
        code, weak = _core.promote(code, weak, _dt(x), _weak(x))
    return code, weak


def _inexact_code(*xs):
    """The float dtype the C core's float-only ops give for these operands (JAX's promote_args_inexact)."""
    code, weak = _promoted(*xs)
    if code in _FLOATS:
        return code
    return _F64 if code == _I64 else _F32


def float_power(x1, x2):
    """jnp.float_power: power after promoting both operands to a float dtype (JAX's promote_args_inexact)."""
    x1, x2 = _opnd(x1), _opnd(x2)
    code = _inexact_code(x1, x2)
    if _dt(x1) not in _FLOATS:
        x1 = _astype(_arr(x1), code)
    if _dt(x2) not in _FLOATS:
        x2 = _astype(_arr(x2), code)
    return power(x1, x2)


def log10(x):
    """jnp.log10: log(x) / log(10) in x's float dtype."""
    return divide(log(x), _pymath.log(10.0))


def where(condition, x=None, y=None, *, size=None, fill_value=None):
    """where(c, x, y) elementwise; where(c) alone is nonzero(c, size=size, fill_value=fill_value)."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError('Either both or neither of x and y should be given.')
    return _op('where', [_opnd(condition), _opnd(x), _opnd(y)])


def nonzero(a, *, size=None, fill_value=None):
    """Indices (default int) of the non-zero elements, one array per axis. Without `size` the shape depends on the
    values, so only outside jit; with `size` (jnp's static size) the first `size` indices, padded with fill_value
    (default 0), computed from C ops, so it also traces."""
    a = _arr(a)
    code = _int_code()
    if size is None:
        if _is_traced(a):
            raise errors.ConcretizationTypeError(
                'nonzero / where(condition) has a value-dependent shape and cannot be traced; pass size=... or use '
                'where(condition, x, y) inside jit')
        return tuple(_astype(_nd.asarray(i.astype(np.int32 if code == _I32 else np.int64)), code)
                     for i in np.nonzero(np.asarray(a)))
    size = _static_int(size, 'size')
    shp = _shp(a)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else [fill_value] * builtins.max(len(shp), 1)
    fills = [0 if f is None else int(f) for f in fills]
    if len(shp) <= 1:  # the C op's flat indices are the coordinates
        return (_op('nonzero', [reshape(a, (-1,))], {'n': size, 'k': fills[0]}),)
    # flat indices (the slots past the count marked -1), then one coordinate array per axis
    flat = _op('nonzero', [a], {'n': size, 'k': -1})
    pad = less(flat, 0)
    outs = []
    stride = 1
    for d in shp:
        stride *= d
    for d, dim in enumerate(shp):
        stride //= dim if dim else 1
        coord = remainder(floor_divide(flat, builtins.max(stride, 1)), builtins.max(dim, 1))
        outs.append(where(pad, _full((size,), float(fills[d]), _int_code()), coord))
    return tuple(outs)


def flatnonzero(a):
    return nonzero(ravel(a))[0]


def count_nonzero(a, axis=None, keepdims=False):
    return sum(not_equal(a, 0), axis=axis, keepdims=keepdims)


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    """jnp.clip(arr, min, max): maximum with min, then minimum with max (None skips a bound; both None returns
    the array). BrainPy scripts' a_min / a_max (numpy's names) are accepted as well."""
    _no_out(out, 'clip')
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise TypeError('clip: give each bound once (min= or a_min=, max= or a_max=)')
    a = _opnd(a)
    if lo is None and hi is None:
        return _arr(a)
    if lo is None:
        return minimum(a, _opnd(hi))
    if hi is None:
        return maximum(a, _opnd(lo))
    return _op('clip', [a, _opnd(lo), _opnd(hi)])


def round(a, decimals=0, out=None):
    """Round to the given number of decimals, ties to even (jnp.round)."""
    _no_out(out, 'round')
    a = _arr(a)
    decimals = _static_int(decimals, 'decimals')
    if decimals == 0:
        return _round(a)
    if a._v.dtype not in _FLOATS:
        if decimals > 0:
            return a
        raise NotImplementedError('integer round is not implemented for decimals < 0 (as jnp.round)')
    factor = 10.0 ** decimals
    return divide(rint(multiply(a, factor)), factor)


around = round
round_ = round


def exprel(x, threshold=None):
    """(exp(x) - 1) / x, and 1 + x/2 + x^2/6 where |x| <= threshold (BrainPy's bm.exprel: threshold 1e-5, or
    1e-8 for float64; the limit at 0 is 1). Integer and bool inputs become floats first."""
    x = _arr(x)
    if x._v.dtype not in _FLOATS:
        x = _astype(x, _inexact_code(x))
    if threshold is None:
        threshold = 1e-8 if x._v.dtype == _F64 else 1e-5
    series = add(add(1.0, divide(x, 2.0)), divide(multiply(x, x), 6.0))
    direct = divide(subtract(exp(x), 1.0), x)
    return where(less_equal(abs(x), float(threshold)), series, direct)


def logaddexp(x1, x2):
    """jnp.logaddexp: max(x1, x2) + log1p(exp(-|x1 - x2|)); NaN differences give x1 + x2."""
    x1, x2 = _opnd(x1), _opnd(x2)
    if _dt(x1) not in _FLOATS and _dt(x2) not in _FLOATS:
        code = _inexact_code(x1, x2)
        x1, x2 = _astype(_arr(x1), code), _astype(_arr(x2), code)
    amax = maximum(x1, x2)
    delta = subtract(x1, x2)
    return where(isnan(delta), add(x1, x2), add(amax, log1p(exp(negative(abs(delta))))))


def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0, NaN where x1 is NaN, in the operands' float dtype
    (jnp.heaviside)."""
    x1, x2 = _opnd(x1), _opnd(x2)
    code = _inexact_code(x1, x2)
    x1 = _astype(_arr(x1), code) if _dt(x1) != code or type(x1) in _PY_SCALARS else x1
    x2 = _astype(_arr(x2), code) if _dt(x2) != code or type(x2) in _PY_SCALARS else x2
    zero, one = zeros((), code), ones((), code)
    return where(less(x1, zero), zero, where(greater(x1, zero), one, where(isnan(x1), x1, x2)))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """jnp.isclose: a == b, or b finite and |a - b| <= atol + rtol * |b|, in the operands' float dtype (bool and
    integers are compared as floats); NaNs are close to each other only with equal_nan."""
    a, b = _opnd(a), _opnd(b)
    code = _inexact_code(a, b)
    a = _astype(_arr(a), code) if _dt(a) != code or type(a) in _PY_SCALARS else a
    b = _astype(_arr(b), code) if _dt(b) != code or type(b) in _PY_SCALARS else b
    rtol, atol = _astype(_arr(rtol), code), _astype(_arr(atol), code)
    in_range = less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b))))
    out = logical_or(equal(a, b), logical_and(isfinite(b), in_range))
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """A bool scalar Array: all(isclose(a, b, ...))."""
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    a1, a2 = _arr(a1), _arr(a2)
    if _shp(a1) != _shp(a2):
        return _nd.asarray(False)
    eq = equal(a1, a2)
    if equal_nan:
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
    return all(eq)


# ---------------------------------------------------------------- reductions and scans

def _no_out(out, name):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to bm.{name} is not supported.")


def _reduce(name, a, axis, keepdims):
    axes = _axes_arg(axis, len(_shp(a)))
    if axes is None:
        return _op(name, [a], {'naxes': 0, 'axes': (), 'keepdims': bool(keepdims)})
    if not axes:  # an empty axis tuple reduces nothing
        return a
    return _op(name, [a], {'naxes': len(axes), 'axes': axes, 'keepdims': bool(keepdims)})


def _int_promote(a):
    """jnp's promote_integers: bool and small integer sums accumulate in the default integer type."""
    c = a._v.dtype
    if c == _BOOL or (c == _I32 and _x64()):
        return _astype(a, _int_code())
    return a


# jnp's reductions (jax._src.numpy.reductions._reduction): the operand is converted to the result dtype (given, or
# the operand's, integers promoted for sum/prod), masked with the op's identity where `where` is false, reduced, and
# then combined with `initial` converted to that dtype. On bool the C ops sum/prod/max/min are or/and/or/and.
_RED = {  # name: (C reduction on numbers, C reduction on bool, binary op name, identity)
    'sum': ('sum', 'any', 'add', 0.0),
    'prod': ('prod', 'all', 'mul', 1.0),
    'max': ('max', 'any', 'maximum', -_pymath.inf),
    'min': ('min', 'all', 'minimum', _pymath.inf),
}


def _jreduce(name, a, axis, dtype, keepdims, initial, where, promote):
    a = _arr(a)
    if dtype is not None:
        code = _code(dtype)
    else:
        code = _int_promote(a)._v.dtype if promote else a._v.dtype
    a = _astype(a, code)
    num_op, bool_op, bin_op, ident = _RED[name]
    if initial is None and name in ('max', 'min'):
        shp = _shp(a)
        axes = _axes_arg(axis, len(shp))
        if builtins.any(shp[d] == 0 for d in (range(len(shp)) if axes is None else axes)):
            raise ValueError(f'zero-size array to reduction operation {name} which has no identity')
    if code == _BOOL:
        ident = {'sum': 0.0, 'prod': 1.0, 'max': 0.0, 'min': 1.0}[name]
    if where is not None:
        a = globals()['where'](where, a, _full((), ident, code))
        if initial is None and name in ('max', 'min'):
            raise ValueError(f'reduction operation {name} does not have an identity, so to use a where mask one '
                             'has to specify \'initial\'')
    # the C sum/prod of int32 accumulate in int64 with x64; the low 32 bits are the int32 result (ints wrap)
    r = _astype(_reduce(bool_op if code == _BOOL else num_op, a, axis, keepdims), code)
    if initial is not None:
        init = _astype(_arr(initial), code)
        if _shp(init) != ():
            raise ValueError(f'initial value must be a scalar. Got array of shape {_shp(init)}')
        r = _op(bin_op if code != _BOOL else {'add': 'logical_or', 'mul': 'logical_and', 'maximum': 'logical_or',
                                               'minimum': 'logical_and'}[bin_op], [init, r])
    return r


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None, promote_integers=True):
    _no_out(out, 'sum')
    return _jreduce('sum', a, axis, dtype, keepdims, initial, where, promote_integers)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None, promote_integers=True):
    _no_out(out, 'prod')
    return _jreduce('prod', a, axis, dtype, keepdims, initial, where, promote_integers)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _no_out(out, 'max')
    return _jreduce('max', a, axis, None, keepdims, initial, where, False)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _no_out(out, 'min')
    return _jreduce('min', a, axis, None, keepdims, initial, where, False)


amax = max
amin = min


def _count(shp, axis):
    axes = _axes_arg(axis, len(shp))
    if axes is None:
        axes = range(len(shp))
    n = 1
    for ax in axes:
        n *= shp[ax]
    return n


def _normalizer(a, axis, keepdims, where, code):
    """The number of elements reduced (jnp's _count): a Python int, or an Array when a `where` mask is given."""
    if where is None:
        return _count(_shp(a), axis)
    mask = broadcast_to(_arr(where), _shp(a))
    return sum(_astype(mask, code), axis=axis, keepdims=keepdims)


def _int_div(x, n):
    """Integer division truncating toward zero (lax.div on integers)."""
    q = floor_divide(x, n)
    return where(logical_and(less(x, 0), not_equal(remainder(x, n), 0)), add(q, 1), q)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """jnp.mean: the sum in the result dtype (the operand's float dtype, or `dtype`) divided by the count."""
    _no_out(out, 'mean')
    a = _arr(a)
    code = _code(dtype, None)
    if code is None:
        code = a._v.dtype if a._v.dtype in _FLOATS else _inexact_code(a)
    if code == _BOOL:
        raise TypeError('mean: dtype=bool is not supported (div does not accept dtype bool)')
    if where is None and code in _FLOATS:
        return _reduce('mean', _astype(a, code), axis, keepdims)
    n = _normalizer(a, axis, keepdims, where, code)
    s = sum(a, axis=axis, dtype=code, keepdims=keepdims, where=where)
    if code in _FLOATS:
        return divide(s, float(n) if type(n) is int else n)
    return _int_div(s, n if type(n) is not int else _full((), n, code))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """jnp.var: mean of squared deviations, computed in the operand's float dtype (or `dtype`), divided by
    N - ddof; NaN where N - ddof <= 0."""
    _no_out(out, 'var')
    if correction is not None:
        if ddof != 0:
            raise ValueError('ddof and correction can\'t be provided simultaneously.')
        ddof = correction
    a = _arr(a)
    if dtype is not None:
        code = _code(dtype)
    else:
        code = a._v.dtype if a._v.dtype in _FLOATS else _inexact_code(a)
    a = _astype(a, code)
    a_mean = globals()['mean'](a, axis, dtype=code, keepdims=True, where=where) if mean is None else \
        _astype(_arr(mean), code)
    centered = square(subtract(a, a_mean))
    n = _normalizer(a, axis, keepdims, where, code)
    s = sum(centered, axis=axis, dtype=code, keepdims=keepdims, where=where)
    if type(n) is int:
        nn = n - ddof
        r = divide(s, float(nn)) if code in _FLOATS else _int_div(s, _full((), nn, code))
        return globals()['where'](nn > 0, r, _pymath.nan)
    nn = subtract(n, _astype(_arr(ddof), code))
    r = divide(s, nn) if code in _FLOATS else _int_div(s, nn)
    return globals()['where'](greater(nn, 0), r, _pymath.nan)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """jnp.std: sqrt(var(...)); `dtype` must be a float type."""
    _no_out(out, 'std')
    if dtype is not None and _code(dtype) not in _FLOATS:
        raise ValueError(f'dtype argument to jnp.std must be inexact; got {np.dtype(_np_dtype(_code(dtype)))}')
    return sqrt(var(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean, correction=correction))


def any(a, axis=None, out=None, keepdims=False, *, where=None):
    _no_out(out, 'any')
    a = _astype(_arr(a), _BOOL)
    if where is not None:
        a = logical_and(a, where)
    return _reduce('any', a, axis, keepdims)


def all(a, axis=None, out=None, keepdims=False, *, where=None):
    _no_out(out, 'all')
    a = _astype(_arr(a), _BOOL)
    if where is not None:
        a = logical_or(a, logical_not(_arr(where)))
    return _reduce('all', a, axis, keepdims)


def _arg(name, a, axis, keepdims):
    a = _arr(a)
    shp = _shp(a)
    if axis is None:
        r = _op(name, [reshape(a, (-1,))], {'axis': 0, 'keepdims': False})
        return reshape(r, (1,) * len(shp)) if keepdims else r
    return _op(name, [a], {'axis': _norm_axis(axis, len(shp)), 'keepdims': bool(keepdims)})


def argmax(a, axis=None, out=None, keepdims=None):
    """Index of the first maximum (int32; a NaN counts as the maximum)."""
    _no_out(out, 'argmax')
    return _arg('argmax', a, axis, keepdims)


def argmin(a, axis=None, out=None, keepdims=None):
    _no_out(out, 'argmin')
    return _arg('argmin', a, axis, keepdims)


def _scan(name, a, axis, dtype):
    a = _arr(a)
    if dtype is not None:
        a = _astype(a, _code(dtype))
    elif a._v.dtype == _BOOL:  # jnp's cumsum/cumprod: bool accumulates in the default int; int32 stays int32
        a = _astype(a, _int_code())
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    attrs = {'axis': _norm_axis(axis, len(_shp(a)))}
    if a._v.dtype == _BOOL:  # a bool scan is a running or (cumsum) / and (cumprod), as jnp's with dtype=bool
        return _astype(_op(name, [_astype(a, _I32)], attrs), _BOOL)
    return _op(name, [a], attrs)


def cumsum(a, axis=None, dtype=None, out=None):
    _no_out(out, 'cumsum')
    return _scan('cumsum', a, axis, dtype)


def cumprod(a, axis=None, dtype=None, out=None):
    _no_out(out, 'cumprod')
    return _scan('cumprod', a, axis, dtype)


# ---------------------------------------------------------------- shapes

def reshape(a, shape=None, order='C', *, newshape=None, copy=None):
    """jnp.reshape(a, shape); numpy's older keyword `newshape` is accepted too."""
    if newshape is not None:
        if shape is not None:
            raise TypeError('reshape: give shape or newshape, not both')
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument: 'shape'")
    newshape = shape
    if order != 'C':
        raise NotImplementedError('reshape: only order="C" is supported')
    a = _arr(a)
    shape = _shape_arg(newshape)
    if shape == _shp(a):
        return a
    return _op('reshape', [a], {'rank': len(shape), 'shape': shape})


def ravel(a, order='C'):
    return reshape(a, (-1,), order)


def flatten(input, start_dim=None, end_dim=None):
    """BrainPy's bm.flatten: merges the axes start_dim .. end_dim (all by default) into one."""
    a = _arr(input)
    shp = _shp(a)
    nd = len(shp)
    if nd == 0:
        return reshape(a, (1,))
    s = 0 if start_dim is None else _norm_axis(start_dim, nd, 'start_dim')
    t = nd - 1 if end_dim is None else _norm_axis(end_dim, nd, 'end_dim')
    if s > t:
        raise ValueError(f'start_dim ({start_dim}) must be <= end_dim ({end_dim})')
    n = 1
    for d in shp[s:t + 1]:
        n *= d
    return reshape(a, shp[:s] + (n,) + shp[t + 1:])


def expand_dims(a, axis):
    a = _arr(a)
    if isinstance(axis, (tuple, list)):
        out_nd = len(_shp(a)) + len(axis)
        axes = sorted(_norm_axis(ax, out_nd) for ax in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f'repeated axis in {tuple(axis)}')
        for ax in axes:
            a = _op('expand_dims', [a], {'axis': ax})
        return a
    return _op('expand_dims', [a], {'axis': int(axis)})


def squeeze(a, axis=None):
    a = _arr(a)
    if axis is None:
        return _op('squeeze', [a], {'naxes': 0, 'axes': ()})
    axes = _axes_arg(axis, len(_shp(a)))
    if not axes:
        return a
    return _op('squeeze', [a], {'naxes': len(axes), 'axes': axes})


def _seq(arrays, what):
    if isinstance(arrays, _ArrayBase):  # an array is a sequence of its rows, as in numpy
        return [arrays[i] for i in range(_shp(arrays)[0])]
    arrays = [_arr(x) for x in arrays]
    if not arrays:
        raise ValueError(f'need at least one array to {what}')
    return arrays


def concatenate(arrays, axis=0, dtype=None):
    arrays = _seq(arrays, 'concatenate')
    if axis is None:
        arrays, axis = [ravel(x) for x in arrays], 0
    nd = len(_shp(arrays[0]))
    if nd == 0:
        raise ValueError('zero-dimensional arrays cannot be concatenated')
    r = _op('concatenate', arrays, {'axis': _norm_axis(axis, nd)})
    return _astype(r, _code(dtype)) if dtype is not None else r


def stack(arrays, axis=0, out=None, dtype=None):
    _no_out(out, 'stack')
    arrays = _seq(arrays, 'stack')
    r = _op('stack', arrays, {'axis': _norm_axis(axis, len(_shp(arrays[0])) + 1)})
    return _astype(r, _code(dtype)) if dtype is not None else r


def atleast_1d(*arys):
    out = [x if len(_shp(x)) >= 1 else reshape(x, (1,)) for x in map(_arr, arys)]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = []
    for x in map(_arr, arys):
        nd = len(_shp(x))
        out.append(x if nd >= 2 else reshape(x, (1, 1) if nd == 0 else (1,) + _shp(x)))
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    out = []
    for x in map(_arr, arys):
        s = _shp(x)
        if len(s) == 0:
            x = reshape(x, (1, 1, 1))
        elif len(s) == 1:
            x = reshape(x, (1,) + s + (1,))
        elif len(s) == 2:
            x = reshape(x, s + (1,))
        out.append(x)
    return out[0] if len(out) == 1 else out


def hstack(tup, dtype=None):
    arrs = [atleast_1d(x) for x in _seq(tup, 'hstack')]
    return concatenate(arrs, axis=0 if len(_shp(arrs[0])) == 1 else 1, dtype=dtype)


def vstack(tup, dtype=None):
    return concatenate([atleast_2d(x) for x in _seq(tup, 'vstack')], axis=0, dtype=dtype)


def repeat(a, repeats, axis=None, total_repeat_length=None):
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _norm_axis(axis, len(_shp(a)))
    if isinstance(repeats, (int, np.integer)) or np.ndim(repeats) == 0 and not isinstance(repeats, _ArrayBase):
        return _op('repeat', [a], {'n': int(repeats), 'axis': axis})
    if isinstance(repeats, _ArrayBase):
        if _is_traced(repeats):
            raise TypeError('repeat: an array of repeats must be concrete (the result\'s shape depends on it)')
        repeats = np.asarray(repeats)
    reps = np.asarray(repeats)
    if reps.ndim == 0:
        return _op('repeat', [a], {'n': int(reps), 'axis': axis})
    idx = np.repeat(np.arange(_shp(a)[axis], dtype=np.int32), reps)
    return take(a, idx, axis=axis)


def tile(A, reps):
    A = _arr(A)
    reps = _shape_arg(reps)
    return _op('tile', [A], {'rank': len(reps), 'shape': reps})


def _slice_axis(a, axis, start, stop):
    shp = _shp(a)
    starts = tuple(start if i == axis else 0 for i in range(len(shp)))
    stops = tuple(stop if i == axis else shp[i] for i in range(len(shp)))
    return _op('slice', [a], {'start': starts, 'stop': stops, 'step': (1,) * len(shp)})


def split(ary, indices_or_sections, axis=0):
    a = _arr(ary)
    shp = _shp(a)
    axis = _norm_axis(axis, len(shp))
    n = shp[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sec = int(indices_or_sections)
        if sec <= 0 or n % sec:
            raise ValueError('array split does not result in an equal division')
        bounds = [i * (n // sec) for i in range(sec + 1)]
    else:
        idx = [_static_int(i, 'split indices') for i in indices_or_sections]
        bounds = [0] + [builtins.min(builtins.max(i + n if i < 0 else i, 0), n) for i in idx] + [n]
    return [_slice_axis(a, axis, bounds[i], builtins.max(bounds[i], bounds[i + 1])) for i in range(len(bounds) - 1)]


def transpose(a, axes=None):
    a = _arr(a)
    nd = len(_shp(a))
    if axes is None:
        if nd < 2:
            return a
        return _op('transpose', [a], {'naxes': 0, 'axes': ()})
    perm = tuple(_norm_axis(ax, nd) for ax in axes)
    if sorted(perm) != list(range(nd)):
        raise ValueError(f'axes {tuple(axes)} don\'t match array of dimension {nd}')
    if perm == tuple(range(nd)):
        return a
    return _op('transpose', [a], {'naxes': nd, 'axes': perm})


def moveaxis(a, source, destination):
    a = _arr(a)
    nd = len(_shp(a))
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError('`source` and `destination` arguments must have the same number of elements')
    src = [_norm_axis(s, nd, 'source') for s in src]
    dst = [_norm_axis(d, nd, 'destination') for d in dst]
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(a, perm)


def swapaxes(a, axis1, axis2):
    a = _arr(a)
    nd = len(_shp(a))
    perm = list(range(nd))
    i, j = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def broadcast_to(array, shape):
    a = _arr(array)
    shape = _shape_arg(shape)
    if _shp(a) == shape:
        return a
    return _op('broadcast_to', [a], {'rank': len(shape), 'shape': shape})


def flip(m, axis=None):
    m = _arr(m)
    axes = _axes_arg(axis, len(_shp(m)))
    if axes is None:
        return _op('flip', [m], {'naxes': 0, 'axes': ()})
    return _op('flip', [m], {'naxes': len(axes), 'axes': axes})


def _index_arr(indices):
    if isinstance(indices, _ArrayBase):
        return indices
    idx = np.asarray(indices)
    if idx.dtype.kind not in 'iu':
        raise TypeError(f'indices must be integers, got {idx.dtype}')
    return _nd.asarray(idx.astype(np.int32) if idx.dtype.itemsize > 4 and not _x64() else idx)


def _fill_for(code):
    """jnp.take's default fill value for out-of-range indices: NaN, the smallest signed / largest unsigned int,
    or True."""
    return {_BOOL: 1.0, _I32: -2.0 ** 31, _I64: -2.0 ** 63, _U32: 2.0 ** 32 - 1}.get(code, _pymath.nan)


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False, indices_are_sorted=False,
         fill_value=None):
    """jnp.take. mode None / "fill" (JAX's default): a negative index counts from the end once, and indices still
    out of range give fill_value (default NaN for floats, the smallest int for signed ints, the largest for
    uint32, True for bool); "clip": indices clamped into [0, n - 1] (negative ones to 0); "wrap": taken modulo n."""
    _no_out(out, 'take')
    if mode not in (None, 'fill', 'clip', 'wrap', 'promise_in_bounds'):
        raise ValueError(f"Invalid mode value: {mode!r}; must be 'fill', 'clip', 'wrap' or 'promise_in_bounds'")
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    shp = _shp(a)
    axis = _norm_axis(axis, len(shp))
    n = shp[axis]
    idx = _index_arr(indices)
    attrs = {'axis': axis}
    if mode == 'clip':
        return _op('take', [a, clip(idx, 0, builtins.max(n - 1, 0))], attrs)
    if mode == 'wrap':
        return _op('take', [a, remainder(idx, n) if n else idx], attrs)
    if mode == 'promise_in_bounds':
        return _op('take', [a, idx], attrs)
    r = _op('take', [a, idx], attrs)  # negative indices counted from the end once, the rest clamped
    valid = logical_and(greater_equal(idx, -n), less(idx, n))
    ishp = _shp(idx)
    valid = reshape(valid, (1,) * axis + ishp + (1,) * (len(shp) - axis - 1))
    code = a._v.dtype
    fill = _astype(_arr(fill_value), code) if fill_value is not None else _full((), _fill_for(code), code)
    return where(valid, r, fill)


def take_along_axis(arr, indices, axis):
    """numpy's take_along_axis for indices of arr's rank (composed: flat offsets + take)."""
    a = _arr(arr)
    idx = _index_arr(indices)
    if axis is None:
        return take(ravel(a), ravel(idx))
    shp, ishp = _shp(a), _shp(idx)
    nd = len(shp)
    if len(ishp) != nd:
        raise ValueError('`indices` and `arr` must have the same number of dimensions')
    axis = _norm_axis(axis, nd)
    oshape = tuple(np.broadcast_shapes(tuple(1 if i == axis else s for i, s in enumerate(shp)),
                                       tuple(1 if i == axis else s for i, s in enumerate(ishp))))
    oshape = oshape[:axis] + (ishp[axis],) + oshape[axis + 1:]
    idx = broadcast_to(idx, oshape)
    icode = idx._v.dtype if idx._v.dtype in (_I32, _I64) else _I64
    idx = _astype(idx, icode)
    n = shp[axis]
    idx = where(less(idx, 0), add(idx, n), idx)  # negative indices count from the end, as numpy
    idx = clip(idx, 0, builtins.max(n - 1, 0))
    flat = zeros(oshape, icode)
    stride = 1
    for d in range(nd - 1, -1, -1):
        if d == axis:
            term = multiply(idx, stride)
        else:
            it = _op('iota', [], {'dtype': icode, 'rank': nd, 'shape': oshape, 'axis': d})
            term = multiply(it, stride)
        flat = add(flat, term)
        stride *= shp[d]
    return reshape(take(reshape(a, (-1,)), reshape(flat, (-1,)), axis=0), oshape)


def shape(a):
    return _shp(a) if isinstance(a, _ArrayBase) else np.shape(a)


def ndim(a):
    return len(shape(a))


def size(a, axis=None):
    s = shape(a)
    if axis is not None:
        return s[axis]
    n = 1
    for d in s:
        n *= d
    return n


def astype(x, dtype):
    return _astype(_arr(x), _code(dtype))


# ---------------------------------------------------------------- linear algebra

_dot = _EagerOp('dot')
_matmul = _EagerOp('matmul')
_outer = _EagerOp('outer')


def _no_precision(precision, preferred_element_type):
    if preferred_element_type is not None:
        raise NotImplementedError('preferred_element_type is not supported; cast the operands with astype')


def dot(a, b, *, precision=None, preferred_element_type=None):
    """numpy's dot; a Python number operand multiplies (keeping it weakly typed, as jnp.dot)."""
    _no_precision(precision, preferred_element_type)
    if type(a) in _PY_SCALARS or type(b) in _PY_SCALARS:
        return multiply(_opnd(a), _opnd(b))
    return _dot(_arr(a), _arr(b))


def matmul(a, b, *, precision=None, preferred_element_type=None):
    _no_precision(precision, preferred_element_type)
    return _matmul(_arr(a), _arr(b))


def outer(a, b, out=None):
    _no_out(out, 'outer')
    return _outer(_arr(a), _arr(b))


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Sum over the last axes of a and b (numpy's inner)."""
    _no_precision(precision, preferred_element_type)
    if type(a) in _PY_SCALARS or type(b) in _PY_SCALARS:
        return multiply(_opnd(a), _opnd(b))
    a, b = _arr(a), _arr(b)
    if len(_shp(a)) == 0 or len(_shp(b)) == 0:
        return multiply(a, b)
    if len(_shp(b)) == 1:
        return dot(a, b)
    return dot(a, swapaxes(b, -1, -2))


# ---------------------------------------------------------------- sorting

def _sort_op(name, a, axis):
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    if len(_shp(a)) == 0:
        raise ValueError(f'{name}: a 0-d array has no axis to sort')
    return _op(name, [a], {'axis': _norm_axis(axis, len(_shp(a)))})


def sort(a, axis=-1, kind=None, order=None, stable=True, descending=False):
    """Sorted copy along axis (NaNs last, as numpy); axis None sorts the flattened array."""
    if order is not None:
        raise ValueError('order argument to sort is not supported')
    r = _sort_op('sort', a, axis)
    if descending:
        r = flip(r, -1 if axis is not None else 0)
    return r


def argsort(a, axis=-1, kind=None, order=None, stable=True, descending=False, dtype=None):
    """Indices (int32) that sort a along axis, stable; axis None sorts the flattened array."""
    if order is not None:
        raise ValueError('order argument to argsort is not supported')
    if not descending:
        return _astype(_sort_op('argsort', a, axis), _code(dtype)) if dtype is not None else \
            _sort_op('argsort', a, axis)
    # jnp's stable descending order: ties keep their input order (sort the reversed array, map back, reverse)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    if len(_shp(a)) == 0:
        raise ValueError('argsort: a 0-d array has no axis to sort')
    axis = _norm_axis(axis, len(_shp(a)))
    n = _shp(a)[axis]
    if not stable:
        r = flip(_sort_op('argsort', a, axis), axis)
    else:
        r = flip(subtract(n - 1, _sort_op('argsort', flip(a, axis), axis)), axis)
    return _astype(r, _code(dtype)) if dtype is not None else r


# ---------------------------------------------------------------- activations

def relu(x):
    """jax.nn.relu: maximum(x, 0)."""
    return maximum(x, 0)


def softmax(x, axis=-1):
    """exp(x - max(x)) / sum(exp(x - max(x))) along axis (BrainPy's bm.softmax)."""
    x = _arr(x)
    unnormalized = exp(subtract(x, max(x, axis, keepdims=True)))
    return divide(unnormalized, sum(unnormalized, axis, keepdims=True))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (torch's definition, which
    BrainPy's bm.softplus(x, beta, threshold) follows; BrainPy returns x * beta there, which is not the limit:
    here the linear regime is x). With beta = 1 this is jax.nn.softplus = logaddexp(x, 0) up to rounding."""
    x = _arr(x)
    if x._v.dtype not in _FLOATS:
        x = _astype(x, _float_code())
    bx = multiply(x, float(beta)) if beta != 1 else x
    soft = logaddexp(bx, 0.0)
    if beta != 1:
        soft = divide(soft, float(beta))
    if threshold is None:
        return soft
    return where(greater(bx, float(threshold)), x, soft)


def one_hot(x, num_classes, *, dtype=None, axis=-1):
    """jax.nn.one_hot: x == arange(num_classes) along a new axis; indices outside [0, num_classes) give zeros."""
    x = _arr(x)
    num_classes = _static_int(num_classes, 'num_classes')
    nd = len(_shp(x))
    out_axis = _norm_axis(axis, nd + 1)
    lhs = expand_dims(x, out_axis)
    rshape = [1] * (nd + 1)
    rshape[out_axis] = num_classes
    xcode = x._v.dtype if x._v.dtype != _BOOL else _I32
    rhs = _op('iota', [], {'dtype': xcode, 'rank': nd + 1, 'shape': tuple(rshape), 'axis': out_axis})
    return _astype(equal(lhs, rhs), _code(dtype, _float_code()))


# ---------------------------------------------------------------- interoperability

def as_numpy(tensor, dtype=None):
    """A numpy array (a zero-copy view of a concrete Array where the layout allows)."""
    if isinstance(tensor, _ArrayBase) and _is_traced(tensor):
        raise TypeError('as_numpy: a traced value has no data yet; return it from the jitted function instead')
    r = np.asarray(tensor)
    return r if dtype is None else r.astype(dtype)


as_ndarray = as_numpy


def as_jax(tensor, dtype=None):
    """brainjit has no JAX arrays: the value as a bm.Array."""
    r = _arr(tensor)
    return r if dtype is None else _astype(r, _code(dtype))
