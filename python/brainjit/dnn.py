"""bp.dnn / bp.layers: BrainPy's linear layers (dense, sparse CSR, event-driven, just-in-time connectivity)."""

import numbers

import numpy as np

from . import connect
from . import initialize as init
from . import math as bm
from .dynsys import DynamicalSystem
from .initialize import XavierNormal, ZeroInit, Initializer, parameter
from .mixin import SupportOnline, SupportOffline, SupportSTDP

# A layer's update(x) is traced bm operations, so it compiles into the loop of whatever calls it. Weights are what
# BrainPy holds: constant arrays or numbers (folded into the compiled code), bm.TrainVar under a TrainingMode.
# Batched inputs (x.ndim > 1) of the sparse layers go through one matrix-matrix op (csrmm); those of the
# just-in-time layers through one product per row, unrolled at trace time.

__all__ = [
    'Layer', 'Dense', 'Linear', 'Identity', 'AllToAll', 'OneToOne', 'MaskedLinear', 'CSRLinear', 'EventCSRLinear',
    'JitFPHomoLinear', 'JitFPUniformLinear', 'JitFPNormalLinear',
    'EventJitFPHomoLinear', 'EventJitFPUniformLinear', 'EventJitFPNormalLinear',
]


class Layer(DynamicalSystem):
    """Base class of the layers of artificial neural networks (stateless unless a layer says otherwise)."""

    def reset_state(self, *args, **kwargs):
        pass


def _check_initializer(value, name, allow_none=False):
    if value is None:
        if allow_none:
            return
        raise ValueError(f'{name} must be an initializer, but we got None.')
    if isinstance(value, (Initializer, bm.Array, np.ndarray, numbers.Number)) or callable(value):
        return
    raise ValueError(f'{name} should be an instance of brainpy.init.Initializer, but we got {type(value)}')


def _trainable(layer, w):
    return bm.TrainVar(w) if (w is not None and isinstance(layer.mode, bm.TrainingMode)) else w


class Dense(Layer, SupportSTDP, SupportOnline, SupportOffline):
    r"""A fully connected layer: ``y = x @ W + b``, W of shape (num_in, num_out) from W_initializer, b of shape
    (num_out,) from b_initializer (None: no bias)."""

    def __init__(self, num_in, num_out, W_initializer=XavierNormal(), b_initializer=ZeroInit(), mode=None,
                 name=None):
        super().__init__(mode=mode, name=name)
        self.num_in = num_in
        self.num_out = num_out
        if num_in < 0:
            raise ValueError(f'Received an invalid value for `num_out`, expected a positive integer. Received: '
                             f'num_in={num_in}')
        if num_out < 0:
            raise ValueError(f'Received an invalid value for `num_out`, expected a positive integer. Received: '
                             f'num_out={num_out}')
        self.W_initializer = W_initializer
        self.bias_initializer = b_initializer
        _check_initializer(W_initializer, 'weight_initializer')
        _check_initializer(b_initializer, 'bias_initializer', allow_none=True)
        self.W = _trainable(self, parameter(W_initializer, (num_in, num_out)))
        self.b = _trainable(self, parameter(b_initializer, (num_out,)))
        self.online_fit_by = None
        self.offline_fit_by = None
        self.fit_record = dict()

    def __repr__(self):
        return f'{self.__class__.__name__}(name={self.name}, num_in={self.num_in}, num_out={self.num_out}, ' \
               f'mode={self.mode})'

    def update(self, x):
        res = bm.matmul(x, self.W)
        if self.b is not None:
            res = res + self.b
        return res


Linear = Dense


class Identity(Layer):
    """Returns its input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def update(self, x):
        return x


class AllToAll(Layer, SupportSTDP):
    """Every presynaptic value to every postsynaptic unit: ``pre_val @ weight`` for a (num_pre, num_post) weight
    (the diagonal zeroed unless include_self); a scalar weight gives ``weight * sum(pre_val)`` (minus each unit's
    own value when include_self is False), BrainPy's shapes included."""

    def __init__(self, num_pre, num_post, weight, sharding=None, include_self=True, mode=None, name=None):
        super().__init__(mode=mode, name=name)
        self.num_pre = num_pre
        self.num_post = num_post
        self.include_self = include_self
        self.sharding = sharding
        self.weight = _trainable(self, init.parameter(weight, (num_pre, num_post)))

    def update(self, pre_val):
        if bm.ndim(self.weight) == 0:
            if isinstance(self.mode, bm.BatchingMode):
                if bm.ndim(pre_val) != 2:
                    raise ValueError('Under the batching mode, the input should be a 2D array.')
                post_val = bm.sum(pre_val, keepdims=True, axis=1)
            else:
                if bm.ndim(pre_val) != 1:
                    raise ValueError('Under the NonBatching mode, the input should be a 1D array.')
                post_val = bm.sum(pre_val)
            if not self.include_self:
                if self.num_pre == self.num_post:
                    post_val = post_val - pre_val
                elif self.num_pre > self.num_post:
                    post_val = post_val - pre_val[..., :self.num_post]
                else:
                    pad = bm.zeros(bm.shape(pre_val)[:-1] + (self.num_post - self.num_pre,),
                                   dtype=bm.asarray(pre_val).dtype)
                    post_val = post_val - bm.concatenate([pre_val, pad], axis=-1)
            return self.weight * post_val
        if bm.ndim(self.weight) != 2:
            raise ValueError('"weight" must be a 2D matrix.')
        w = self.weight if self.include_self else bm.fill_diagonal(self.weight, 0.0, inplace=False)
        return bm.matmul(pre_val, w)


class OneToOne(Layer, SupportSTDP):
    """Unit i to unit i: ``pre_val * weight`` (a number or num weights)."""

    def __init__(self, num, weight, sharding=None, mode=None, name=None):
        super().__init__(mode=mode, name=name)
        self.num = num
        self.sharding = sharding
        self.weight = _trainable(self, init.parameter(weight, (num,)))

    def update(self, pre_val):
        return pre_val * self.weight


def _sizes(conn):
    if not isinstance(conn, connect.TwoEndConnector):
        raise TypeError(f'conn must be a brainpy.conn.TwoEndConnector, but we got {type(conn)}.')
    if conn.pre_num is None or conn.post_num is None:
        raise connect.ConnectorError(f'{conn} has no sizes: give pre= and post= or call it with (pre_size, '
                                     f'post_size) first.')
    return conn.pre_num, conn.post_num


class MaskedLinear(Layer, SupportSTDP):
    """``x @ mask_fun(weight * conn_mat)``: a dense weight (num_pre, num_post) masked by the connector's
    matrix."""

    def __init__(self, conn, weight, mask_fun=Identity(), sharding=None, mode=None, name=None):
        super().__init__(name=name, mode=mode)
        pre_num, post_num = _sizes(conn)
        self.conn = conn
        self.sharding = sharding
        self.mask_fun = mask_fun
        self.weight = _trainable(self, init.parameter(weight, (pre_num, post_num)))
        self.mask = conn.require('conn_mat')

    def update(self, x):
        return bm.matmul(x, self.mask_fun(self.weight * self.mask))


class _CSRLayer(Layer, SupportSTDP):
    """A layer on the connector's CSR matrix (one row per presynaptic unit) with a weight per synapse or one for
    all (a number, or an initializer called with (nnz,))."""

    _event = False

    def __init__(self, conn, weight, sharding=None, mode=None, name=None, transpose=True):
        super().__init__(name=name, mode=mode)
        if sharding is not None:
            raise ValueError('Currently this model does not support sharding.')
        self.shape = _sizes(conn)
        self.conn = conn
        self.sharding = sharding
        self.transpose = transpose
        self.indices, self.indptr = conn.require('csr')
        self.weight = _trainable(self, init.parameter(weight, (int(self.indices.size),)))

    def update(self, x):
        ops = bm.event if self._event else bm.sparse
        if bm.ndim(x) == 1:
            return ops.csrmv(self.weight, self.indices, self.indptr, x, shape=self.shape, transpose=self.transpose)
        if bm.ndim(x) == 0:
            raise ValueError(f'{self.__class__.__name__} needs an input of at least one dimension.')
        lead = bm.shape(x)[:-1]
        rows = bm.reshape(x, (-1, bm.shape(x)[-1]))
        y = ops.csrmm(self.weight, self.indices, self.indptr, bm.transpose(rows), shape=self.shape,
                      transpose=self.transpose)
        y = bm.transpose(y)
        return bm.reshape(y, lead + (bm.shape(y)[-1],))


class CSRLinear(_CSRLayer):
    r"""``y = x @ M`` with M the connector's CSR matrix of weights (transpose=True, BrainPy's default; ``M @ x``
    with transpose=False), by bm.sparse.csrmv."""

    def __init__(self, conn, weight, sharding=None, mode=None, name=None, method=None, transpose=True):
        super().__init__(conn, weight, sharding=sharding, mode=mode, name=name, transpose=transpose)
        self.method = method


class EventCSRLinear(_CSRLayer):
    r"""``y = x @ M`` for spikes x (bool, or numbers: non-zero is a spike), M the connector's CSR matrix of
    weights, by the event-driven bm.event.csrmv: only the rows of spiking units are read."""

    _event = True


class _JitLayer(Layer):
    """A layer multiplying by a fixed-probability matrix of shape (num_out, num_in) generated from seed inside
    the op (bm.jitconn): y = M @ x (transpose=True: M.T @ x). With transpose=False it is the network that
    connect.FixedProb(prob, seed=seed) builds for (num_in, num_out), so EventCSRLinear on that connector gives
    the same outputs as EventJitFPHomoLinear(num_in, num_out, prob, weight, seed)."""

    def _init(self, num_in, num_out, prob, seed, sharding, transpose, atomic):
        self.prob = prob
        self.sharding = sharding
        self.transpose = transpose
        self.seed = np.random.randint(0, 100000) if seed is None else seed
        self.atomic = atomic
        self.num_in = num_in
        self.num_out = num_out

    def _mv(self, x):
        raise NotImplementedError

    def _kw(self):
        return dict(shape=(self.num_out, self.num_in), transpose=self.transpose, outdim_parallel=not self.atomic)

    def update(self, x):
        nd = bm.ndim(x)
        if nd == 1:
            return self._mv(x)
        if nd == 0:
            raise ValueError(f'{self.__class__.__name__} needs an input of at least one dimension.')
        lead = bm.shape(x)[:-1]
        rows = bm.reshape(x, (-1, bm.shape(x)[-1]))
        y = bm.stack([self._mv(rows[i]) for i in range(bm.shape(rows)[0])])
        return bm.reshape(y, lead + (bm.shape(y)[-1],))


class _JitHomo(_JitLayer):
    def __init__(self, num_in, num_out, prob, weight, seed=None, sharding=None, mode=None, name=None,
                 transpose=False, atomic=False):
        super().__init__(name=name, mode=mode)
        self._init(num_in, num_out, prob, seed, sharding, transpose, atomic)
        self.weight = _trainable(self, weight)

    def get_conn_matrix(self):
        return bm.jitconn.get_homo_weight_matrix(self.weight, self.prob, self.seed, **self._kw())


class _JitUniform(_JitLayer):
    def __init__(self, num_in, num_out, prob, w_low, w_high, seed=None, sharding=None, mode=None, name=None,
                 transpose=False, atomic=False):
        super().__init__(name=name, mode=mode)
        self._init(num_in, num_out, prob, seed, sharding, transpose, atomic)
        self.w_low = w_low
        self.w_high = w_high

    def get_conn_matrix(self):
        return bm.jitconn.get_uniform_weight_matrix(self.w_low, self.w_high, self.prob, self.seed, **self._kw())


class _JitNormal(_JitLayer):
    def __init__(self, num_in, num_out, prob, w_mu, w_sigma, seed=None, sharding=None, transpose=False,
                 atomic=False, mode=None, name=None):
        super().__init__(name=name, mode=mode)
        self._init(num_in, num_out, prob, seed, sharding, transpose, atomic)
        self.w_mu = w_mu
        self.w_sigma = w_sigma

    def get_conn_matrix(self):
        return bm.jitconn.get_normal_weight_matrix(self.w_mu, self.w_sigma, self.prob, self.seed, **self._kw())


class JitFPHomoLinear(_JitHomo):
    """``y = M @ x``, M (num_out, num_in) with `weight` at each connection, each present with probability
    prob (bm.jitconn.mv_prob_homo)."""

    def _mv(self, x):
        return bm.jitconn.mv_prob_homo(x, self.weight, self.prob, self.seed, **self._kw())


class JitFPUniformLinear(_JitUniform):
    """JitFPHomoLinear with each connection's weight uniform in [w_low, w_high)."""

    def _mv(self, x):
        return bm.jitconn.mv_prob_uniform(x, self.w_low, self.w_high, self.prob, self.seed, **self._kw())


class JitFPNormalLinear(_JitNormal):
    """JitFPHomoLinear with each connection's weight normal (w_mu, w_sigma)."""

    def _mv(self, x):
        return bm.jitconn.mv_prob_normal(x, self.w_mu, self.w_sigma, self.prob, self.seed, **self._kw())


class EventJitFPHomoLinear(_JitHomo):
    """Event-driven JitFPHomoLinear (x: spikes; only the connections of spiking units are generated)."""

    def __init__(self, num_in, num_out, prob, weight, seed=None, sharding=None, mode=None, name=None,
                 transpose=False, atomic=True):
        super().__init__(num_in, num_out, prob, weight, seed=seed, sharding=sharding, mode=mode, name=name,
                         transpose=transpose, atomic=atomic)

    def _mv(self, x):
        return bm.jitconn.event_mv_prob_homo(x, self.weight, self.prob, self.seed, **self._kw())


class EventJitFPUniformLinear(_JitUniform):
    """Event-driven JitFPUniformLinear."""

    def __init__(self, num_in, num_out, prob, w_low, w_high, seed=None, sharding=None, mode=None, name=None,
                 transpose=False, atomic=True):
        super().__init__(num_in, num_out, prob, w_low, w_high, seed=seed, sharding=sharding, mode=mode, name=name,
                         transpose=transpose, atomic=atomic)

    def _mv(self, x):
        return bm.jitconn.event_mv_prob_uniform(x, self.w_low, self.w_high, self.prob, self.seed, **self._kw())


class EventJitFPNormalLinear(_JitNormal):
    """Event-driven JitFPNormalLinear."""

    def __init__(self, num_in, num_out, prob, w_mu, w_sigma, seed=None, sharding=None, transpose=False,
                 atomic=True, mode=None, name=None):
        super().__init__(num_in, num_out, prob, w_mu, w_sigma, seed=seed, sharding=sharding, transpose=transpose,
                         atomic=atomic, mode=mode, name=name)

    def _mv(self, x):
        return bm.jitconn.event_mv_prob_normal(x, self.w_mu, self.w_sigma, self.prob, self.seed, **self._kw())


# BrainPy's names of the base classes
JitLinear = _JitLayer
JitFPHomoLayer = _JitHomo
JitFPUniformLayer = _JitUniform
JitFPNormalLayer = _JitNormal
