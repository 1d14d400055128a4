"""bm.event: BrainPy's event-driven CSR matrix-vector product, on the C event_csrmv op and C compositions."""

from .. import _core
from . import numpy_ops as _np_ops
from . import sparse as _sparse

# The C op `event_csrmv` (docs/ops.md section 13) is BrainPy's transpose=True form: for every presynaptic row whose
# event is set, each synapse adds its weight to y[col]; only those rows are read. BrainPy counts an event where
# events[i] is true, or non-zero for float events: they become bool with `!= 0` (a NaN is an event, as BrainPy's
# `events[i] != 0.`). transpose=False, y[row] = sum of the weights of the row's synapses whose column has an event,
# is composed like bm.sparse.csrmv's.

__all__ = ['csrmv', 'csrmm']

_op = _core.op
_BOOL = 0


def _events_bool(events):
    events = _np_ops._arr(events)
    if events._v.dtype == _BOOL:
        return events
    return _np_ops.not_equal(events, 0)


def csrmv(data, indices, indptr, events, *, shape, transpose=False):
    """Product of a CSR matrix (data, indices, indptr) of `shape` with an event vector (BrainPy's bm.event.csrmv).

    data: a number, or an array of shape (1,) (homogeneous) or (nnz,). events: bool, or numbers (non-zero is an
    event). transpose=True (the event-driven form, BrainPy's usual one for spikes of shape[0] presynaptic neurons):
    y[j] = sum of data over the synapses i -> j of the neurons i with an event, y of shape[1] elements.
    transpose=False: y[i] = sum of data over the synapses i -> j whose column j has an event (events of shape[1]
    elements). The result has data's float dtype (float32 for integers and Python numbers)."""
    n_rows, n_cols = _sparse._check_shape(shape)
    indices = _sparse._int_vector(indices, 'indices')
    indptr = _sparse._int_vector(indptr, 'indptr')
    if _np_ops._shp(indptr)[0] != n_rows + 1:
        raise ValueError(f'indptr should have shape[0] + 1 = {n_rows + 1} elements, but we got '
                         f'{_np_ops._shp(indptr)[0]}.')
    nnz = _np_ops._shp(indices)[0]
    data = _sparse._weights(data, nnz)
    events = _sparse._vector(events, n_rows if transpose else n_cols, 'events', shape, transpose)
    code = _sparse._float_result(data)
    if nnz == 0:
        return _np_ops.zeros((n_cols if transpose else n_rows,), code)
    events = _events_bool(events)
    if transpose:
        return _op('event_csrmv', [indptr, indices, data, events], {'n': n_cols})
    hit = _op('take', [events, indices], {'axis': 0})
    w = _np_ops._astype(_np_ops._arr(data), code) if not isinstance(data, float) else data
    contrib = _np_ops.where(hit, w, _np_ops.zeros((), code))
    contrib = _np_ops._astype(_np_ops.broadcast_to(contrib, (nnz,)), code)
    return _sparse._segment_sum(_sparse._row_ids(indptr, nnz, n_rows), contrib, n_rows, code)


def csrmm(data, indices, indptr, matrix, *, shape, transpose=False):
    """Event-driven product of a CSR matrix (data, indices, indptr) of `shape` with a matrix of events (bool, or
    numbers: non-zero is an event) (BrainPy's bm.event.csrmm): each event adds the synapse's weight, whatever the
    event's value. transpose=False: M @ events (events of shape[1] rows); transpose=True: M.T @ events (events of
    shape[0] rows). The result has data's float dtype (float32 for integers and Python numbers)."""
    return _sparse._csr_mm(data, indices, indptr, matrix, shape, transpose, True)
