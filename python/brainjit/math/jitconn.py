"""bm.jitconn: BrainPy's matrix-vector products with a just-in-time generated fixed-probability matrix (C ops)."""

import numpy as np

from .. import _core
from . import numpy_ops as _np_ops

# The C ops jitconn_* (docs/ops.md section 13) multiply by the fixed-probability network of (n_pre, n_post, p, seed),
# generated inside the kernel row by presynaptic row: y[post] = sum over the synapses pre -> post of w * x[pre].
# That is BrainPy's transpose=True product with M of shape (n_pre, n_post) = shape. For transpose=False
# (y = M @ v, v of shape[1] elements) the same ops run on the network generated with the roles swapped
# (n_pre = shape[1], n_post = shape[0]) and M is its transpose: so, as BrainPy's outdim_parallel=False, the M of
# transpose=False is not the M of transpose=True for the same seed (a different, equally distributed matrix).
# get_*_weight_matrix return exactly the M that the products use for the same arguments.
# Every pair (diagonal included) is a synapse with probability conn_prob, as BrainPy's jitconn matrices.

__all__ = ['mv_prob_homo', 'mv_prob_uniform', 'mv_prob_normal', 'event_mv_prob_homo', 'event_mv_prob_uniform',
           'event_mv_prob_normal', 'get_homo_weight_matrix', 'get_uniform_weight_matrix',
           'get_normal_weight_matrix']

_op = _core.op
_BOOL, _I32, _I64, _U32, _F32, _F64 = range(6)


def _seed(seed):
    if seed is None:
        return int(np.random.randint(0, int(1e8)))
    return _np_ops._static_int(seed, 'seed') % (1 << 64)


def _prob(conn_prob):
    p = _np_ops._static_float(conn_prob, 'conn_prob')
    if not 0.0 <= p <= 1.0:
        raise ValueError(f'conn_prob must be in [0, 1], but we got {conn_prob}.')
    return p


def _scalar(w, name):
    """A weight parameter as a 0-d operand (Python numbers stay weakly typed literals)."""
    if type(w) in (int, float):
        return float(w)
    w = _np_ops._arr(w)
    if _np_ops.size(w) != 1:
        raise ValueError(f'{name} must be a scalar, but we got an array of shape {_np_ops._shp(w)}.')
    return _np_ops.reshape(w, ())


def _dims(shape, transpose, x, what):
    """(n_pre, n_post) of the generated network, checking the vector's length."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f'shape should be a length-2 tuple, but we got {shape!r}.')
    rows, cols = int(shape[0]), int(shape[1])
    n_in, n_out = (rows, cols) if transpose else (cols, rows)
    shp = _np_ops._shp(x)
    if len(shp) != 1:
        raise ValueError(f'{what} should be a 1D vector, but we got shape {shp}.')
    if shp[0] != n_in:
        if transpose:
            raise ValueError(f'Shape mismatch, vec {shp} @ mat {tuple(shape)}.')
        raise ValueError(f'Shape mismatch, mat {tuple(shape)} @ vec {shp}.')
    return n_in, n_out


def _mv(name, x, params, conn_prob, seed, shape, transpose, event):
    x = _np_ops._arr(x)
    n_in, n_out = _dims(shape, transpose, x, 'events' if event else 'vector')
    if event and x._v.dtype != _BOOL:
        x = _np_ops.not_equal(x, 0)
    attrs = {'n': n_out, 'value': _prob(conn_prob), 'seed': _seed(seed), 'allow_self': True}
    return _op(name, [x] + list(params), attrs)


def mv_prob_homo(vector, weight, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    """y = M @ vector (M.T @ vector with transpose=True), M of `shape` with `weight` at each connection, every
    entry connected with probability conn_prob, generated from seed inside the kernel. outdim_parallel is
    accepted for BrainPy scripts; the matrix does not depend on it (see the module's note on transpose)."""
    return _mv('jitconn_mv', vector, [_scalar(weight, 'weight')], conn_prob, seed, shape, transpose, False)


def mv_prob_uniform(vector, w_low, w_high, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    """As mv_prob_homo, each connection's weight uniform in [w_low, w_high)."""
    return _mv('jitconn_mv_uniform', vector, [_scalar(w_low, 'w_low'), _scalar(w_high, 'w_high')], conn_prob, seed,
               shape, transpose, False)


def mv_prob_normal(vector, w_mu, w_sigma, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    """As mv_prob_homo, each connection's weight normal with mean w_mu and standard deviation w_sigma."""
    return _mv('jitconn_mv_normal', vector, [_scalar(w_mu, 'w_mu'), _scalar(w_sigma, 'w_sigma')], conn_prob, seed,
               shape, transpose, False)


def event_mv_prob_homo(events, weight, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    """Event-driven mv_prob_homo: events are bool (or numbers, non-zero is an event); each event adds `weight` to
    its connections' outputs, and only the connections of events are generated."""
    return _mv('jitconn_event_mv', events, [_scalar(weight, 'weight')], conn_prob, seed, shape, transpose, True)


def event_mv_prob_uniform(events, w_low, w_high, conn_prob, seed=None, *, shape, transpose=False,
                          outdim_parallel=True):
    """Event-driven mv_prob_uniform (the same weights for the same seed)."""
    return _mv('jitconn_event_mv_uniform', events, [_scalar(w_low, 'w_low'), _scalar(w_high, 'w_high')], conn_prob,
               seed, shape, transpose, True)


def event_mv_prob_normal(events, w_mu, w_sigma, conn_prob, seed=None, *, shape, transpose=False,
                         outdim_parallel=True):
    """Event-driven mv_prob_normal (the same weights for the same seed)."""
    return _mv('jitconn_event_mv_normal', events, [_scalar(w_mu, 'w_mu'), _scalar(w_sigma, 'w_sigma')], conn_prob,
               seed, shape, transpose, True)


def _matrix(name, params, conn_prob, seed, shape, transpose):
    """The matrix W with y = W @ vector for the products with these arguments, as BrainPy's get_*_weight_matrix:
    `shape` for transpose=False, its transpose (shape[1], shape[0]) for transpose=True. Row k of the generated
    network is the event product of the one-hot event vector k (every row, one op each: for checks and small
    matrices)."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f'shape should be a length-2 tuple, but we got {shape!r}.')
    rows, cols = int(shape[0]), int(shape[1])
    n_in, n_out = (rows, cols) if transpose else (cols, rows)
    attrs = {'n': n_out, 'value': _prob(conn_prob), 'seed': _seed(seed), 'allow_self': True}
    eye = np.eye(n_in, dtype=bool)
    net = _np_ops.stack([_op(name, [eye[k]] + list(params), attrs) for k in range(n_in)]) if n_in else \
        _np_ops.zeros((0, n_out))
    return _np_ops.transpose(net)


def get_homo_weight_matrix(weight, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    """The dense W with mv_prob_homo(v, ...) == W @ v for these arguments (seed must be given to match); W has
    `shape`, or its transpose with transpose=True (BrainPy's convention)."""
    return _matrix('jitconn_event_mv', [_scalar(weight, 'weight')], conn_prob, seed, shape, transpose)


def get_uniform_weight_matrix(w_low, w_high, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    return _matrix('jitconn_event_mv_uniform', [_scalar(w_low, 'w_low'), _scalar(w_high, 'w_high')], conn_prob, seed,
                   shape, transpose)


def get_normal_weight_matrix(w_mu, w_sigma, conn_prob, seed=None, *, shape, transpose=False, outdim_parallel=True):
    return _matrix('jitconn_event_mv_normal', [_scalar(w_mu, 'w_mu'), _scalar(w_sigma, 'w_sigma')], conn_prob, seed,
                   shape, transpose)
