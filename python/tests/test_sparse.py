"""bm.sparse / bm.event / bm.jitconn against dense numpy products, eagerly and inside bm.jit."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit.math as bm  # noqa: E402

RNG = np.random.default_rng(42)


def random_csr(n_rows, n_cols, p, empty_rows=()):
    mask = RNG.random((n_rows, n_cols)) < p
    for r in empty_rows:
        mask[r] = False
    indptr = np.concatenate([[0], np.cumsum(mask.sum(1))]).astype(np.int32)
    indices = np.nonzero(mask)[1].astype(np.int32)
    data = RNG.normal(size=indices.size).astype(np.float32)
    dense = np.zeros((n_rows, n_cols), np.float32)
    dense[mask] = data
    return data, indices, indptr, dense, mask


SHAPES = [(7, 5, 0.4), (1, 6, 0.7), (6, 1, 0.7), (20, 30, 0.1)]


def both(f, *args):
    args = [bm.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    e = f(*args)
    j = bm.jit(lambda *a: f(*a))(*args)
    assert e.dtype == j.dtype
    return np.asarray(e), np.asarray(j), e.dtype


@pytest.mark.parametrize('n_rows,n_cols,p', SHAPES)
@pytest.mark.parametrize('transpose', [False, True])
@pytest.mark.parametrize('homo', [False, True])
def test_csrmv(n_rows, n_cols, p, transpose, homo):
    data, indices, indptr, dense, mask = random_csr(n_rows, n_cols, p, empty_rows=(0,) if n_rows > 2 else ())
    if homo:
        data = np.float32(1.5)
        dense = mask * np.float32(1.5)
    v = RNG.normal(size=n_rows if transpose else n_cols).astype(np.float32)
    ref = (v.astype(np.float64) @ dense) if transpose else (dense @ v.astype(np.float64))
    d = float(data) if homo else data
    e, j, dt = both(lambda a, b, c, x: bm.sparse.csrmv(d if homo else a, b, c, x, shape=(n_rows, n_cols),
                                                       transpose=transpose),
                    data if not homo else 0., indices, indptr, v)
    assert dt == np.float32
    np.testing.assert_allclose(e, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(e, j)
    if not homo:  # data of shape (1,) is homogeneous too
        e1 = np.asarray(bm.sparse.csrmv(bm.asarray(np.array([2.], np.float32)), indices, indptr, v,
                                        shape=(n_rows, n_cols), transpose=transpose))
        ref1 = (v @ (mask * 2.)) if transpose else ((mask * 2.) @ v)
        np.testing.assert_allclose(e1, ref1, rtol=1e-5, atol=1e-5)


def test_csrmv_bits_match_dense_matmul_order():
    data, indices, indptr, dense, _ = random_csr(30, 40, 0.3)
    v = RNG.normal(size=30).astype(np.float32)
    y = np.asarray(bm.sparse.csrmv(data, indices, indptr, v, shape=(30, 40), transpose=True))
    ref = np.zeros(40, np.float32)
    for i in range(30):
        for k in range(indptr[i], indptr[i + 1]):
            ref[indices[k]] = np.float32(ref[indices[k]] + np.float32(data[k] * v[i]))
    np.testing.assert_array_equal(y, ref)
    w = RNG.normal(size=40).astype(np.float32)
    y = np.asarray(bm.sparse.csrmv(data, indices, indptr, w, shape=(30, 40), transpose=False))
    ref = np.zeros(30, np.float32)
    for i in range(30):
        for k in range(indptr[i], indptr[i + 1]):
            ref[i] = np.float32(ref[i] + np.float32(data[k] * w[indices[k]]))
    np.testing.assert_array_equal(y, ref)


def test_csrmv_checks():
    data, indices, indptr, _, _ = random_csr(4, 3, 0.5)
    with pytest.raises(ValueError):
        bm.sparse.csrmv(data, indices, indptr, np.ones(4, np.float32), shape=(4, 3))          # needs shape[1]
    with pytest.raises(ValueError):
        bm.sparse.csrmv(data, indices, indptr[:-1], np.ones(3, np.float32), shape=(4, 3))
    with pytest.raises(ValueError):
        bm.sparse.csrmv(data, indices.astype(np.float32), indptr, np.ones(3, np.float32), shape=(4, 3))
    with pytest.raises(ValueError):
        bm.sparse.csrmv(np.ones(2, np.float32), indices, indptr, np.ones(3, np.float32), shape=(4, 3))
    z = bm.sparse.csrmv(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(5, np.int32),
                        np.ones(4, np.float32), shape=(4, 3), transpose=True)
    np.testing.assert_array_equal(np.asarray(z), np.zeros(3))


@pytest.mark.parametrize('n_rows,n_cols,p', SHAPES)
@pytest.mark.parametrize('transpose', [False, True])
@pytest.mark.parametrize('homo', [False, True])
@pytest.mark.parametrize('float_events', [False, True])
def test_event_csrmv(n_rows, n_cols, p, transpose, homo, float_events):
    data, indices, indptr, dense, mask = random_csr(n_rows, n_cols, p)
    if homo:
        data = np.float32(0.25)
        dense = mask * np.float32(0.25)
    ev = RNG.random(n_rows if transpose else n_cols) < 0.5
    evf = ev.astype(np.float64)
    ref = (evf @ dense) if transpose else (dense @ evf)
    events = np.where(ev, RNG.uniform(0.5, 2., ev.size), 0.).astype(np.float32) if float_events else ev
    d = float(data) if homo else data
    e, j, dt = both(lambda b, c, x: bm.event.csrmv(d, b, c, x, shape=(n_rows, n_cols), transpose=transpose),
                    indices, indptr, events)
    assert dt == np.float32
    np.testing.assert_allclose(e, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(e, j)


def test_event_matches_csrmv_on_spikes():
    data, indices, indptr, _, _ = random_csr(25, 18, 0.3)
    ev = RNG.random(25) < 0.4
    a = np.asarray(bm.event.csrmv(data, indices, indptr, ev, shape=(25, 18), transpose=True))
    b = np.asarray(bm.sparse.csrmv(data, indices, indptr, ev.astype(np.float32), shape=(25, 18), transpose=True))
    np.testing.assert_array_equal(a, b)


def test_coo_and_conversions():
    data, indices, indptr, dense, _ = random_csr(9, 7, 0.4)
    np.testing.assert_array_equal(np.asarray(bm.sparse.csr_to_dense(data, indices, indptr, shape=(9, 7))), dense)
    rows, cols = bm.sparse.csr_to_coo(indices, indptr)
    np.testing.assert_array_equal(np.asarray(rows), np.repeat(np.arange(9), np.diff(indptr)))
    np.testing.assert_array_equal(np.asarray(cols), indices)
    v = RNG.normal(size=7).astype(np.float32)
    y = np.asarray(bm.sparse.coomv(data, rows, cols, v, shape=(9, 7)))
    np.testing.assert_allclose(y, dense @ v, rtol=1e-5, atol=1e-5)
    w = RNG.normal(size=9).astype(np.float32)
    y = np.asarray(bm.sparse.coomv(data, rows, cols, w, shape=(9, 7), transpose=True))
    np.testing.assert_allclose(y, w @ dense, rtol=1e-5, atol=1e-5)
    perm = RNG.permutation(indices.size)
    ind2, ptr2 = bm.sparse.coo_to_csr(np.asarray(rows)[perm], indices[perm], num_row=9)
    np.testing.assert_array_equal(np.asarray(ptr2), indptr)
    d2 = np.asarray(bm.sparse.csr_to_dense(data[perm][np.argsort(np.asarray(rows)[perm], kind='stable')],
                                           ind2, ptr2, shape=(9, 7)))
    np.testing.assert_array_equal(d2, dense)


def test_csr_fixed_prob():
    ind, ptr = bm.sparse.csr_fixed_prob(200, 300, 0.1, seed=3)
    ind, ptr = np.asarray(ind), np.asarray(ptr)
    assert ind.dtype == np.int32 and ptr.dtype == np.int32 and ptr.shape == (201,)
    assert ptr[0] == 0 and ptr[-1] == ind.size and np.all(np.diff(ptr) >= 0)
    assert abs(ind.size / (200 * 300) - 0.1) < 0.01
    for i in range(200):
        row = ind[ptr[i]:ptr[i + 1]]
        assert np.all(np.diff(row) > 0) and (row.size == 0 or (row[0] >= 0 and row[-1] < 300))
    ind2, ptr2 = bm.sparse.csr_fixed_prob(200, 300, 0.1, seed=3)
    np.testing.assert_array_equal(np.asarray(ind2), ind)
    ind3, ptr3 = bm.sparse.csr_fixed_prob(50, 50, 0.5, seed=1, include_self=False)
    ind3, ptr3 = np.asarray(ind3), np.asarray(ptr3)
    assert all(i not in ind3[ptr3[i]:ptr3[i + 1]] for i in range(50))


# ---------------------------------------------------------------- jitconn

@pytest.mark.parametrize('transpose', [False, True])
@pytest.mark.parametrize('shape', [(30, 20), (8, 40)])
def test_jitconn_homo_against_its_matrix(transpose, shape):
    seed, p, w = 12, 0.3, 0.7
    W = np.asarray(bm.jitconn.get_homo_weight_matrix(w, p, seed, shape=shape, transpose=transpose))
    # BrainPy 2.8: y = W @ v, so W has `shape`, or its transpose with transpose=True
    assert W.shape == (shape[::-1] if transpose else shape)
    M = W.T if transpose else W
    assert set(np.unique(M)) <= {0., np.float32(w)}
    assert abs((M != 0).mean() - p) < 0.08
    v = RNG.normal(size=shape[0] if transpose else shape[1]).astype(np.float32)
    ref = (v @ M) if transpose else (M @ v)
    e, j, dt = both(lambda x: bm.jitconn.mv_prob_homo(x, w, p, seed, shape=shape, transpose=transpose), v)
    assert dt == np.float32
    np.testing.assert_allclose(e, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(e, j)
    ev = RNG.random(v.size) < 0.5
    ref = (ev @ M) if transpose else (M @ ev)
    e, j, _ = both(lambda x: bm.jitconn.event_mv_prob_homo(x, w, p, seed, shape=shape, transpose=transpose), ev)
    np.testing.assert_allclose(e, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(e, j)
    e2 = np.asarray(bm.jitconn.event_mv_prob_homo(ev.astype(np.float32) * 3, w, p, seed, shape=shape,
                                                  transpose=transpose))
    np.testing.assert_array_equal(e2, e)


def test_jitconn_event_matches_stored_network():
    """transpose=True is the network csr_fixed_prob builds for the same seed, bit for bit."""
    shape, p, seed, w = (60, 45), 0.2, 77, 0.5
    ind, ptr = bm.sparse.csr_fixed_prob(shape[0], shape[1], p, seed=seed)
    ev = RNG.random(shape[0]) < 0.3
    a = np.asarray(bm.jitconn.event_mv_prob_homo(ev, w, p, seed, shape=shape, transpose=True))
    b = np.asarray(bm.event.csrmv(w, ind, ptr, ev, shape=shape, transpose=True))
    np.testing.assert_array_equal(a, b)


def test_jitconn_seed_matters_and_none_seed():
    v = np.ones(50, np.float32)
    a = np.asarray(bm.jitconn.mv_prob_homo(v, 1., 0.3, 1, shape=(50, 50), transpose=True))
    b = np.asarray(bm.jitconn.mv_prob_homo(v, 1., 0.3, 1, shape=(50, 50), transpose=True))
    c = np.asarray(bm.jitconn.mv_prob_homo(v, 1., 0.3, 2, shape=(50, 50), transpose=True))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert bm.jitconn.mv_prob_homo(v, 1., 0.3, shape=(50, 50)).shape == (50,)
    with pytest.raises(ValueError):
        bm.jitconn.mv_prob_homo(v, 1., 1.5, 1, shape=(50, 50))
    with pytest.raises(ValueError):
        bm.jitconn.mv_prob_homo(v, 1., 0.5, 1, shape=(40, 60))


def _has_jitconn_weights():
    try:
        bm.jitconn.mv_prob_uniform(np.ones(3, np.float32), 0., 1., 0.5, 1, shape=(3, 3))
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _has_jitconn_weights(), reason='the C library has no jitconn_mv_uniform yet')
@pytest.mark.parametrize('transpose', [False, True])
def test_jitconn_uniform_normal(transpose):
    shape, p, seed = (40, 30), 0.5, 5
    def mat(f, *args):  # as M of `shape`: y = v @ M with transpose=True, M @ v without
        W = np.asarray(f(*args, p, seed, shape=shape, transpose=transpose))
        return W.T if transpose else W
    Mu = mat(bm.jitconn.get_uniform_weight_matrix, -1., 2.)
    Mh = mat(bm.jitconn.get_homo_weight_matrix, 1.)
    nz = Mh != 0
    np.testing.assert_array_equal(Mu != 0, nz & (Mu != 0))        # the same network
    w = Mu[nz]
    assert w.min() >= -1. and w.max() <= 2. and abs(w.mean() - 0.5) < 0.15
    Mn = mat(bm.jitconn.get_normal_weight_matrix, 1., 0.5)
    w = Mn[nz]
    assert np.all(Mn[~nz] == 0) and abs(w.mean() - 1.) < 0.08 and abs(w.std() - 0.5) < 0.08
    v = RNG.normal(size=shape[0] if transpose else shape[1]).astype(np.float32)
    for M, f, args in ((Mu, bm.jitconn.mv_prob_uniform, (-1., 2.)), (Mn, bm.jitconn.mv_prob_normal, (1., 0.5))):
        ref = (v @ M) if transpose else (M @ v)
        e, j, dt = both(lambda x: f(x, *args, p, seed, shape=shape, transpose=transpose), v)
        assert dt == np.float32
        np.testing.assert_allclose(e, ref, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(e, j)
    ev = RNG.random(v.size) < 0.5
    for M, f, args in ((Mu, bm.jitconn.event_mv_prob_uniform, (-1., 2.)),
                       (Mn, bm.jitconn.event_mv_prob_normal, (1., 0.5))):
        ref = (ev @ M) if transpose else (M @ ev)
        e, j, _ = both(lambda x: f(x, *args, p, seed, shape=shape, transpose=transpose), ev)
        np.testing.assert_allclose(e, ref, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(e, j)


# ------------------------------------------------- csrmm / event.csrmm / seg_matmul (BrainPy 2.8.2's values)

_MM_INDPTR = np.array([0, 2, 3, 5], np.int32)
_MM_INDICES = np.array([0, 3, 1, 0, 2], np.int32)
_MM_DATA = np.arange(1, 6, dtype=np.float32)


def test_csrmm_matches_brainpy():
    M = np.arange(8, dtype=np.float32).reshape(4, 2)
    N = np.arange(6, dtype=np.float32).reshape(3, 2)
    for f in (lambda *a: bm.sparse.csrmm(*a, shape=(3, 4)), bm.jit(lambda *a: bm.sparse.csrmm(*a, shape=(3, 4)))):
        r = f(_MM_DATA, _MM_INDICES, _MM_INDPTR, M)
        assert r.dtype == np.float32
        np.testing.assert_array_equal(np.asarray(r), [[12., 15.], [6., 9.], [20., 29.]])
    r = bm.sparse.csrmm(_MM_DATA, _MM_INDICES, _MM_INDPTR, N, shape=(3, 4), transpose=True)
    np.testing.assert_array_equal(np.asarray(r), [[16., 21.], [6., 9.], [20., 25.], [0., 2.]])
    r = bm.sparse.csrmm(0.5, _MM_INDICES, _MM_INDPTR, M, shape=(3, 4))
    np.testing.assert_array_equal(np.asarray(r), [[3., 4.], [1., 1.5], [2., 3.]])
    with pytest.raises(ValueError):
        bm.sparse.csrmm(_MM_DATA, _MM_INDICES, _MM_INDPTR, N, shape=(3, 4))


def test_event_csrmm_matches_brainpy():
    E = np.array([[True, False], [False, True], [True, True], [False, False]])
    r = bm.event.csrmm(_MM_DATA, _MM_INDICES, _MM_INDPTR, E, shape=(3, 4))
    np.testing.assert_array_equal(np.asarray(r), [[1., 0.], [0., 3.], [9., 5.]])
    E2 = np.array([[True, False], [False, True], [True, True]])
    r = bm.jit(lambda e: bm.event.csrmm(_MM_DATA, _MM_INDICES, _MM_INDPTR, e, shape=(3, 4), transpose=True))(E2)
    np.testing.assert_array_equal(np.asarray(r), [[5., 4.], [0., 3.], [5., 5.], [2., 0.]])
    # float events: non-zero is an event, its value is not a factor
    Ef = np.array([[1., 0.], [0., 2.], [1., 1.], [0., 0.]], np.float32)
    r = bm.event.csrmm(_MM_DATA, _MM_INDICES, _MM_INDPTR, Ef, shape=(3, 4))
    np.testing.assert_array_equal(np.asarray(r), [[1., 0.], [0., 3.], [9., 5.]])


def test_seg_matmul_docstring():
    values = bm.asarray([2, 4, 1, 3, 2])
    rows = bm.asarray([0, 0, 1, 2, 2])
    cols = bm.asarray([1, 3, 0, 1, 3])
    sparse = {'data': values, 'index': (rows, cols), 'shape': (3, 4)}
    r = bm.sparse.seg_matmul(sparse, bm.arange(4))
    assert r.dtype == np.int32 and np.asarray(r).tolist() == [14, 0, 9]
    assert np.asarray(bm.sparse.seg_matmul(bm.arange(3), sparse)).tolist() == [1, 6, 0, 4]
    D = np.zeros((3, 4), np.float32)
    D[[0, 0, 1, 2, 2], [1, 3, 0, 1, 3]] = [2, 4, 1, 3, 2]
    B = RNG.random((4, 3)).astype(np.float32)
    A = RNG.random((2, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(bm.sparse.seg_matmul(sparse, B)), D @ B, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(bm.sparse.seg_matmul(A, sparse)), A @ D, rtol=1e-6)
    with pytest.raises(ValueError):
        bm.sparse.seg_matmul(sparse, sparse)
