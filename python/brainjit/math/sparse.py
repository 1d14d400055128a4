"""bm.sparse: BrainPy's CSR/COO matrix-vector products and conversions, on the C csrmv op and C compositions."""

import numpy as np

from .. import _core
from . import ndarray as _nd
from . import numpy_ops as _np_ops

# The C op `csrmv` (docs/ops.md section 13) is BrainPy's transpose=True product over a CSR matrix with one row per
# presynaptic neuron: y[col] = sum over the synapses row -> col of data * vector[row]. The transpose=False product,
# y[row] = sum over the row's synapses of data * vector[col], is composed from C ops: the row of every synapse
# (a cumulative count of the row starts), a gather of vector, and a scatter-add into the rows in synapse order, so
# each y[row] adds its row's products in stored order, the order the transposed op uses too.

__all__ = ['csrmv', 'coomv', 'csr_to_dense', 'csr_to_coo', 'coo_to_csr', 'csr_fixed_prob']

_op = _core.op
_ArrayBase = _core.ArrayBase
_BOOL, _I32, _I64, _U32, _F32, _F64 = range(6)
_INTS = (_I32, _I64, _U32)


def _int_vector(x, name):
    x = _np_ops._arr(x)
    if len(_np_ops._shp(x)) != 1:
        raise ValueError(f'{name} should be a 1D vector with integer type.')
    if x._v.dtype not in _INTS:
        raise ValueError(f'{name} should be a 1D vector with integer type, but we got {_np_ops._np_dtype(x._v.dtype)}.')
    return x


def _check_shape(shape):
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f'shape should be a length-2 tuple, but we got {shape!r}.')
    return int(shape[0]), int(shape[1])


def _weights(data, nnz):
    """data as a homogeneous weight (Python number or 0-d) or a [nnz] vector; (1,)-shaped data is homogeneous."""
    if type(data) in (int, float):
        return float(data)
    data = _np_ops._arr(data)
    shp = _np_ops._shp(data)
    if len(shp) == 1 and shp[0] == 1 and nnz != 1:
        return _np_ops.reshape(data, ())
    if len(shp) > 1 or (len(shp) == 1 and shp[0] != nnz):
        raise ValueError(f'The size of data should be 1 or be consistent with indices. But we got {shp} != '
                         f'({nnz},), {shp} != (1,).')
    return data


def _float_result(*xs):
    """The C sparse ops' result dtype: float64 if an operand is float64, else float32."""
    return _F64 if any(_np_ops._dt(x) == _F64 for x in xs if x is not None) else _F32


def _vector(x, n, name, mat_shape, transpose):
    x = _np_ops._arr(x)
    shp = _np_ops._shp(x)
    if len(shp) != 1:
        raise ValueError(f'{name} should be a 1D vector.')
    if shp[0] != n:
        if transpose:
            raise ValueError(f'Shape mismatch, vec ({shp[0]},) @ mat {tuple(mat_shape)}.')
        raise ValueError(f'Shape mismatch, mat {tuple(mat_shape)} @ vec ({shp[0]},).')
    return x


def _row_ids(indptr, nnz, n_rows):
    """The row of every synapse (int32 [nnz]): the number of row starts indptr[1:n_rows] at or before it."""
    if n_rows <= 1 or nnz == 0:
        return _np_ops.zeros((nnz,), _I32)
    starts = _np_ops._slice_axis(indptr, 0, 1, n_rows)
    marks = _op('scatter_add', [_np_ops.zeros((nnz,), _I32), starts, 1], {'axis': 0})
    return _op('cumsum', [marks], {'axis': 0})


def _segment_sum(rows, contrib, n_rows, code):
    return _op('scatter_add', [_np_ops.zeros((n_rows,), code), rows, contrib], {'axis': 0})


def csrmv(data, indices, indptr, vector, *, shape, transpose=False, method=None):
    """Product of a CSR matrix (data, indices, indptr) of `shape` with a dense vector (BrainPy's bm.sparse.csrmv).

    data: a number, or an array of shape (1,) (homogeneous) or (nnz,). transpose=False: y = M @ vector
    (vector of shape[1] elements, y of shape[0]); transpose=True: y = M.T @ vector (vector of shape[0], y of
    shape[1]), the C op `csrmv` itself. The result is float32, or float64 when data or vector is float64.
    Column indices outside [0, shape[1]) are dropped by transpose=True and clamped by transpose=False (a gather:
    JAX's rule for indexed retrieval); a valid matrix never has them. `method` is accepted for BrainPy scripts."""
    n_rows, n_cols = _check_shape(shape)
    indices = _int_vector(indices, 'indices')
    indptr = _int_vector(indptr, 'indptr')
    if _np_ops._shp(indptr)[0] != n_rows + 1:
        raise ValueError(f'indptr should have shape[0] + 1 = {n_rows + 1} elements, but we got '
                         f'{_np_ops._shp(indptr)[0]}.')
    nnz = _np_ops._shp(indices)[0]
    data = _weights(data, nnz)
    vector = _vector(vector, n_rows if transpose else n_cols, 'vector', shape, transpose)
    code = _float_result(data, vector)
    if nnz == 0:
        return _np_ops.zeros((n_cols if transpose else n_rows,), code)
    if transpose:
        return _op('csrmv', [indptr, indices, data, vector], {'n': n_cols})
    contrib = _np_ops.multiply(data, _op('take', [vector, indices], {'axis': 0}))
    return _segment_sum(_row_ids(indptr, nnz, n_rows), _np_ops._astype(_np_ops._arr(contrib), code), n_rows, code)


def coomv(data, row, col, vector, *, shape, rows_sorted=False, cols_sorted=False, transpose=False, method=None):
    """Product of a COO matrix (data, row, col) of `shape` with a dense vector (BrainPy's bm.sparse.coomv):
    y = M @ vector, or M.T @ vector with transpose=True; entries are added in their stored order."""
    n_rows, n_cols = _check_shape(shape)
    row, col = _int_vector(row, 'row'), _int_vector(col, 'col')
    nnz = _np_ops._shp(row)[0]
    if _np_ops._shp(col)[0] != nnz:
        raise ValueError('row and col should have the same length.')
    data = _weights(data, nnz)
    vector = _vector(vector, n_rows if transpose else n_cols, 'vector', shape, transpose)
    code = _float_result(data, vector)
    src, dst, n_out = (row, col, n_cols) if transpose else (col, row, n_rows)
    if nnz == 0:
        return _np_ops.zeros((n_out,), code)
    contrib = _np_ops.multiply(data, _op('take', [vector, src], {'axis': 0}))
    return _segment_sum(dst, _np_ops._astype(_np_ops._arr(contrib), code), n_out, code)


def csr_to_dense(data, indices, indptr, *, shape):
    """The dense matrix of a CSR matrix (duplicates add up)."""
    n_rows, n_cols = _check_shape(shape)
    indices = _int_vector(indices, 'indices')
    indptr = _int_vector(indptr, 'indptr')
    nnz = _np_ops._shp(indices)[0]
    data = _weights(data, nnz)
    code = _np_ops._dt(data)
    code = code if code in (_F32, _F64) else _np_ops._float_code()
    if nnz == 0:
        return _np_ops.zeros((n_rows, n_cols), code)
    rows = _np_ops._astype(_row_ids(indptr, nnz, n_rows), _I64)
    flat = _np_ops.add(_np_ops.multiply(rows, n_cols), _np_ops._astype(indices, _I64))
    upd = _np_ops.broadcast_to(_np_ops._astype(_np_ops._arr(data), code), (nnz,))
    dense = _op('scatter_add', [_np_ops.zeros((n_rows * n_cols,), code), flat, upd], {'axis': 0})
    return _np_ops.reshape(dense, (n_rows, n_cols))


def csr_to_coo(indices, indptr):
    """(row, col) of every synapse of a CSR matrix."""
    indices = _int_vector(indices, 'indices')
    indptr = _int_vector(indptr, 'indptr')
    return _row_ids(indptr, _np_ops._shp(indices)[0], _np_ops._shp(indptr)[0] - 1), indices


def coo_to_csr(pre_ids, post_ids, *, num_row):
    """(indices, indptr) of the CSR matrix of the pairs pre_ids[k] -> post_ids[k]: rows in pre order, each row in
    pair order (a stable sort)."""
    pre_ids = _int_vector(pre_ids, 'pre_ids')
    post_ids = _int_vector(post_ids, 'post_ids')
    num_row = _np_ops._static_int(num_row, 'num_row')
    order = _np_ops.argsort(pre_ids)
    indices = _op('take', [post_ids, order], {'axis': 0})
    counts = _op('scatter_add', [_np_ops.zeros((num_row,), _I32), pre_ids, 1], {'axis': 0})
    indptr = _np_ops.concatenate([_np_ops.zeros((1,), _I32), _op('cumsum', [counts], {'axis': 0})])
    return indices, indptr


def csr_fixed_prob(num_pre, num_post, prob, seed=None, include_self=True):
    """(indices, indptr), int32, of a fixed-probability network built on the host by the C core: each pair
    pre -> post is a synapse with probability prob, independently, from seed (None: a random seed).
    include_self=False drops the pairs pre == post. The same (num_pre, num_post, prob, seed, include_self) gives
    exactly the network of bm.jitconn's procedural ops with transpose=True (docs/ops.md section 13)."""
    if seed is None:
        seed = int(np.random.randint(0, int(1e8)))
    indptr, indices = _core.conn_fixed_prob(int(num_pre), int(num_post), float(prob), int(seed) % (1 << 64),
                                            bool(include_self))
    return _nd.asarray(indices), _nd.asarray(indptr)
