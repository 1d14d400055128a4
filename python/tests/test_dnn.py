"""Tests of bp.dnn: each layer against a numpy product, inside bm.jit on both backends; the event-driven CSR layer on
a FixedProb connector against the just-in-time layer of the same seed, bit for bit."""
import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

BACKENDS = ['cpu', 'interp']


def _run(layer, x, backend):
    return np.asarray(bm.jit(lambda v: layer(v), backend=backend)(x))


def _dense_csr(conn, weight):
    """The (pre, post) weight matrix of a CSR layer on conn: weight per synapse (CSR order) or one for all."""
    ind, ptr = (np.asarray(a) for a in conn.require('csr'))
    pre = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    w = np.zeros((conn.pre_num, conn.post_num))
    np.add.at(w, (pre, ind), np.broadcast_to(np.asarray(weight, dtype=np.float64), ind.shape))
    return w


def test_layer_basics():
    assert bp.layers is bp.dnn and bp.dnn.Dense is bp.dnn.Linear
    assert issubclass(bp.dnn.Layer, bp.DynamicalSystem)
    l = bp.dnn.Linear(4, 3)
    assert l.W.shape == (4, 3) and l.b.shape == (3,) and not isinstance(l.W, bm.Variable)
    assert np.asarray(l.b).tolist() == [0., 0., 0.]
    assert bp.dnn.Linear(4, 3, b_initializer=None).b is None
    t = bp.dnn.Linear(4, 3, mode=bm.TrainingMode())
    assert isinstance(t.W, bm.TrainVar) and isinstance(t.b, bm.TrainVar)
    assert 'num_in=4' in repr(l)
    with pytest.raises(ValueError):
        bp.dnn.Linear(-1, 3)
    with pytest.raises(ValueError):
        bp.dnn.Linear(2, 3, W_initializer='x')
    l.reset_state()


@pytest.mark.parametrize('backend', BACKENDS)
def test_linear(backend):
    l = bp.dnn.Linear(5, 3, W_initializer=bp.init.Normal(seed=1), b_initializer=bp.init.Uniform(seed=2))
    W, b = np.asarray(l.W, dtype=np.float64), np.asarray(l.b, dtype=np.float64)
    x = np.random.RandomState(0).randn(5).astype(np.float32)
    np.testing.assert_allclose(_run(l, x, backend), x @ W + b, rtol=1e-5, atol=1e-5)
    xb = np.random.RandomState(1).randn(4, 5).astype(np.float32)
    np.testing.assert_allclose(_run(l, xb, backend), xb @ W + b, rtol=1e-5, atol=1e-5)
    nb = bp.dnn.Linear(5, 3, W_initializer=np.ones((5, 3)), b_initializer=None)
    np.testing.assert_allclose(_run(nb, x, backend), np.full(3, x.sum()), rtol=1e-5)
    # a TrainVar weight is read at run time
    t = bp.dnn.Dense(5, 3, W_initializer=bp.init.OneInit(), mode=bm.TrainingMode())
    f = bm.jit(lambda v: t(v), backend=backend)
    np.testing.assert_allclose(np.asarray(f(x)), np.full(3, x.sum()), rtol=1e-5)
    t.W.value = bm.zeros((5, 3))
    np.testing.assert_allclose(np.asarray(f(x)), np.zeros(3))


@pytest.mark.parametrize('backend', BACKENDS)
def test_event_csr_equals_event_jitconn(backend):
    n_in, n_out, p, s = 300, 200, 0.1, 5
    csr = bp.dnn.EventCSRLinear(bp.conn.FixedProb(p, seed=s, pre=n_in, post=n_out), 0.6)
    jit = bp.dnn.EventJitFPHomoLinear(n_in, n_out, prob=p, weight=0.6, seed=s)
    rng = np.random.RandomState(0)
    for rate in (0.02, 0.3, 1.0):
        spikes = rng.rand(n_in) < rate
        a, b = _run(csr, spikes, backend), _run(jit, spikes, backend)
        assert a.dtype == np.float32 and a.shape == (n_out,)
        np.testing.assert_array_equal(a, b)
        ref = spikes.astype(np.float64) @ _dense_csr(csr.conn, 0.6)
        np.testing.assert_allclose(a, ref, rtol=1e-5, atol=1e-5)
    batch = rng.rand(3, n_in) < 0.2
    a, b = _run(csr, batch, backend), _run(jit, batch, backend)
    assert a.shape == (3, n_out)
    np.testing.assert_array_equal(a, b)
    # the non-event pair: the same network
    c = bp.dnn.CSRLinear(bp.conn.FixedProb(p, seed=s, pre=n_in, post=n_out), weight=0.6)
    j = bp.dnn.JitFPHomoLinear(n_in, n_out, prob=p, weight=0.6, seed=s)
    x = rng.rand(n_in).astype(np.float32)
    np.testing.assert_allclose(_run(c, x, backend), _run(j, x, backend), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('backend', BACKENDS)
def test_csr_layers_per_synapse_weights(backend):
    conn = bp.conn.FixedProb(0.2, seed=3)(40, 30)
    nnz = int(conn.require('csr')[0].size)
    w = np.random.RandomState(2).rand(nnz).astype(np.float32)
    dense = _dense_csr(conn, w)
    x = np.random.RandomState(3).randn(40).astype(np.float32)
    np.testing.assert_allclose(_run(bp.dnn.CSRLinear(conn, w), x, backend), x @ dense, rtol=1e-5, atol=1e-5)
    xb = np.random.RandomState(4).randn(2, 5, 40).astype(np.float32)
    np.testing.assert_allclose(_run(bp.dnn.CSRLinear(conn, w), xb, backend), xb @ dense, rtol=1e-5, atol=1e-5)
    spikes = np.random.RandomState(5).rand(40) < 0.3
    np.testing.assert_allclose(_run(bp.dnn.EventCSRLinear(conn, w), spikes, backend), spikes @ dense,
                               rtol=1e-5, atol=1e-5)
    layer = bp.dnn.EventCSRLinear(conn, bp.init.Uniform(1., 2., seed=7))
    assert layer.weight.shape == (nnz,)
    np.testing.assert_allclose(_run(layer, spikes, backend), spikes @ _dense_csr(conn, np.asarray(layer.weight)),
                               rtol=1e-5, atol=1e-5)
    # transpose=False: M @ x, x of the post size
    v = np.random.RandomState(6).randn(30).astype(np.float32)
    np.testing.assert_allclose(_run(bp.dnn.CSRLinear(conn, w, transpose=False), v, backend), dense @ v,
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        bp.dnn.CSRLinear(conn, np.ones(nnz + 1))
    with pytest.raises(bp.errors.ConnectorError):
        bp.dnn.CSRLinear(bp.conn.FixedProb(0.1), 1.)


@pytest.mark.parametrize('backend', BACKENDS)
def test_jit_layers_against_their_matrices(backend):
    x = np.random.RandomState(0).rand(20).astype(np.float32)
    spikes = np.random.RandomState(1).rand(20) < 0.4
    layers = [bp.dnn.JitFPHomoLinear(20, 15, 0.3, 0.5, seed=2),
              bp.dnn.JitFPUniformLinear(20, 15, 0.3, -1., 1., seed=2),
              bp.dnn.JitFPNormalLinear(20, 15, 0.3, 0., 1., seed=2),
              bp.dnn.JitFPHomoLinear(15, 20, 0.3, 0.5, seed=2, transpose=True)]
    for l in layers:
        m = np.asarray(l.get_conn_matrix(), dtype=np.float64)
        assert m.shape == (15, 20)
        np.testing.assert_allclose(_run(l, x, backend), m @ x, rtol=1e-5, atol=1e-5)
    events = [bp.dnn.EventJitFPHomoLinear(20, 15, 0.3, 0.5, seed=2),
              bp.dnn.EventJitFPUniformLinear(20, 15, 0.3, -1., 1., seed=2),
              bp.dnn.EventJitFPNormalLinear(20, 15, 0.3, 0., 1., seed=2)]
    for l, dense in zip(events, layers):
        np.testing.assert_allclose(_run(l, spikes, backend), np.asarray(dense.get_conn_matrix()) @ spikes,
                                   rtol=1e-5, atol=1e-5)
    xb = np.random.RandomState(2).rand(3, 20).astype(np.float32)
    np.testing.assert_allclose(_run(layers[0], xb, backend),
                               xb @ np.asarray(layers[0].get_conn_matrix(), dtype=np.float64).T, rtol=1e-5, atol=1e-5)
    bm.random.seed(5)
    a = bp.dnn.JitFPHomoLinear(20, 15, 0.3, 0.5)
    bm.random.seed(5)
    assert bp.dnn.JitFPHomoLinear(20, 15, 0.3, 0.5).seed == a.seed


@pytest.mark.parametrize('backend', BACKENDS)
def test_all2all_one2one_masked(backend):
    x = np.random.RandomState(0).rand(6).astype(np.float32)
    w = np.random.RandomState(1).rand(6, 4).astype(np.float32)
    np.testing.assert_allclose(_run(bp.dnn.AllToAll(6, 4, w), x, backend), x @ w, rtol=1e-5)
    w2 = np.random.RandomState(1).rand(6, 6).astype(np.float32)
    ref = x @ (w2 * (1 - np.eye(6)))
    np.testing.assert_allclose(_run(bp.dnn.AllToAll(6, 6, w2, include_self=False), x, backend), ref, rtol=1e-5)
    np.testing.assert_allclose(_run(bp.dnn.AllToAll(6, 6, 0.5, include_self=False), x, backend),
                               0.5 * (x.sum() - x), rtol=1e-5)
    np.testing.assert_allclose(_run(bp.dnn.AllToAll(6, 4, 0.5), x, backend), 0.5 * x.sum(), rtol=1e-5)
    np.testing.assert_allclose(_run(bp.dnn.AllToAll(6, 4, 0.5, include_self=False), x, backend),
                               0.5 * (x.sum() - x[:4]), rtol=1e-5)
    np.testing.assert_allclose(_run(bp.dnn.OneToOne(6, 2.), x, backend), 2 * x, rtol=1e-6)
    conn = bp.conn.FixedProb(0.5, seed=1)(6, 4)
    mask = np.asarray(conn.require('conn_mat'))
    np.testing.assert_allclose(_run(bp.dnn.MaskedLinear(conn, w), x, backend), x @ (w * mask), rtol=1e-5)
    np.testing.assert_array_equal(_run(bp.dnn.Identity(), x, backend), x)
