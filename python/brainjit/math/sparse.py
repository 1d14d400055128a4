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

__all__ = ['csrmv', 'csrmm', 'coomv', 'seg_matmul', 'csr_to_dense', 'csr_to_coo', 'coo_to_csr',
           'csr_fixed_prob']

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


def _matrix(m, n, name, mat_shape, transpose):
    m = _np_ops._arr(m)
    shp = _np_ops._shp(m)
    if len(shp) != 2:
        raise ValueError(f'{name} should be a 2D matrix, but we got shape {shp}.')
    if shp[0] != n:
        if transpose:
            raise ValueError(f'Shape mismatch, mat {shp}.T @ mat {tuple(mat_shape)}.')
        raise ValueError(f'Shape mismatch, mat {tuple(mat_shape)} @ mat {shp}.')
    return m


def _csr_mm(data, indices, indptr, matrix, shape, transpose, event):
    """CSR (data, indices, indptr) of `shape` times a dense matrix: a gather of the matrix rows each synapse reads,
    scaled by its weight (event: the weight where the matrix entry is non-zero), added into its output row."""
    n_rows, n_cols = _check_shape(shape)
    indices = _int_vector(indices, 'indices')
    indptr = _int_vector(indptr, 'indptr')
    if _np_ops._shp(indptr)[0] != n_rows + 1:
        raise ValueError(f'indptr should have shape[0] + 1 = {n_rows + 1} elements, but we got '
                         f'{_np_ops._shp(indptr)[0]}.')
    nnz = _np_ops._shp(indices)[0]
    data = _weights(data, nnz)
    matrix = _matrix(matrix, n_rows if transpose else n_cols, 'matrix', shape, transpose)
    k = _np_ops._shp(matrix)[1]
    code = _float_result(data) if event else _float_result(data, matrix)
    n_out = n_cols if transpose else n_rows
    if nnz == 0:
        return _np_ops.zeros((n_out, k), code)
    rows = _row_ids(indptr, nnz, n_rows)
    src, dst = (rows, indices) if transpose else (indices, rows)
    picked = _op('take', [matrix, src], {'axis': 0})
    w = data if type(data) is float else _np_ops.expand_dims(_np_ops._astype(data, code), -1) \
        if len(_np_ops._shp(data)) == 1 else _np_ops._astype(data, code)
    if event:
        contrib = _np_ops.where(_np_ops.not_equal(picked, 0), w, _np_ops.zeros((), code))
    else:
        contrib = _np_ops.multiply(w, picked)
    contrib = _np_ops._astype(_np_ops.broadcast_to(contrib, (nnz, k)), code)
    return _op('scatter_add', [_np_ops.zeros((n_out, k), code), dst, contrib], {'axis': 0})


def csrmm(data, indices, indptr, matrix, *, shape, transpose=False):
    """Product of a CSR matrix (data, indices, indptr) of `shape` with a dense matrix (BrainPy's
    bm.sparse.csrmm): transpose=False, M @ matrix (matrix of shape[1] rows, result shape[0] rows); transpose=True,
    M.T @ matrix (matrix of shape[0] rows, result shape[1] rows). float32, or float64 with a float64 operand."""
    return _csr_mm(data, indices, indptr, matrix, shape, transpose, False)


def seg_matmul(A, B):
    """A @ B where one of A and B is a COO sparse matrix given as a dict {'data': values, 'index': (rows, cols),
    'shape': (n, m)} and the other is dense (1-D or 2-D); entries are added in their stored order."""
    def parse(sp):
        data = sp['data']
        rows, cols = sp['index']
        return data, _int_vector(rows, 'rows'), _int_vector(cols, 'cols'), _check_shape(sp['shape'])

    if isinstance(A, dict) and isinstance(B, dict):
        raise ValueError('A and B cannot be both sparse.')
    if not isinstance(A, dict) and not isinstance(B, dict):
        raise ValueError('One of A and B should be a sparse matrix (a dict with data, index and shape).')
    if isinstance(A, dict):
        data, rows, cols, (n, m) = parse(A)
        dense, src, dst, n_out = _np_ops._arr(B), cols, rows, n
        if _np_ops._shp(dense)[0] != m:
            raise ValueError(f'Shape mismatch, sparse ({n}, {m}) @ dense {_np_ops._shp(dense)}.')
        lead = False
    else:
        data, rows, cols, (n, m) = parse(B)
        dense = _np_ops._arr(A)
        if _np_ops._shp(dense)[-1] != n:
            raise ValueError(f'Shape mismatch, dense {_np_ops._shp(dense)} @ sparse ({n}, {m}).')
        # A @ S == (S.T @ A.T).T
        dense = _np_ops.transpose(dense) if len(_np_ops._shp(dense)) == 2 else dense
        src, dst, n_out = rows, cols, m
        lead = True
    nnz = _np_ops._shp(rows)[0]
    data = _np_ops._arr(data)
    picked = _op('take', [dense, src], {'axis': 0})
    extra = _np_ops._shp(dense)[1:]
    w = _np_ops.reshape(data, (nnz,) + (1,) * len(extra)) if _np_ops._shp(data) else data
    contrib = _np_ops.multiply(w, picked)
    code = contrib._v.dtype
    out = _op('scatter_add', [_np_ops.zeros((n_out,) + extra, code), dst,
                              _np_ops.broadcast_to(contrib, (nnz,) + extra)], {'axis': 0})
    return _np_ops.transpose(out) if lead and extra else out


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
