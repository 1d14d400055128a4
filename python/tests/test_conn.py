"""Tests of bp.conn: structures of the deterministic connectors against BrainPy 2.8.2, the statistics of the random
ones, FixedProb against the C core's generator, custom connectors and the conversion functions."""
import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm
from brainjit import _core
from brainjit.errors import ConnectorError

# Recorded from BrainPy 2.8.2 (/work/venv-bp): conn(pre, post).require('csr' | 'coo' | 'csc' | 'conn_mat') for the
# connectors of CASES (conn_mat as numpy.packbits hex). BrainPy's order inside a csc column comes from numpy's
# unstable default sort, so only csc's indptr is recorded; brainjit sorts stably (ascending pre in a column).

BRAINPY = {'All2All': {'coo': ([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]),
             'csc_indptr': [0, 3, 6, 9, 12],
             'csr': ([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], [0, 4, 8, 12]),
             'mat': ((3, 4), 'fff0')},
 'All2All_noself': {'coo': ([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], [1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2]),
                    'csc_indptr': [0, 3, 6, 9, 12],
                    'csr': ([1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2], [0, 3, 6, 9, 12]),
                    'mat': ((4, 4), '7bde')},
 'GridEight': {'coo': ([0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6,
                        6, 7, 7, 7, 7, 7, 8, 8, 8],
                       [3, 1, 4, 0, 3, 4, 2, 5, 1, 4, 5, 0, 6, 1, 4, 7, 0, 3, 6, 1, 7, 2, 5, 8, 1, 4, 7, 2, 8, 3, 4,
                        7, 3, 6, 4, 5, 8, 4, 7, 5]),
               'csc_indptr': [0, 3, 8, 11, 16, 24, 29, 32, 37, 40],
               'csr': ([3, 1, 4, 0, 3, 4, 2, 5, 1, 4, 5, 0, 6, 1, 4, 7, 0, 3, 6, 1, 7, 2, 5, 8, 1, 4, 7, 2, 8, 3, 4,
                        7, 3, 6, 4, 5, 8, 4, 7, 5],
                       [0, 3, 8, 11, 16, 24, 29, 32, 37, 40]),
               'mat': ((9, 9), '585e13196f7b4c643d0d00')},
 'GridFour': {'coo': ([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 8, 8],
                      [3, 1, 0, 4, 2, 1, 5, 0, 6, 4, 3, 1, 7, 5, 4, 2, 8, 3, 7, 6, 4, 8, 7, 5]),
              'csc_indptr': [0, 2, 5, 7, 10, 14, 17, 19, 22, 24],
              'csr': ([3, 1, 0, 4, 2, 1, 5, 0, 6, 4, 3, 1, 7, 5, 4, 2, 8, 3, 7, 6, 4, 8, 7, 5],
                      [0, 2, 5, 7, 10, 14, 17, 19, 22, 24]),
              'mat': ((9, 9), '5054111145514444150500')},
 'GridFour_1d': {'coo': ([0, 1, 1, 2, 2, 3, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3]),
                 'csc_indptr': [0, 1, 3, 5, 7, 8],
                 'csr': ([1, 0, 2, 1, 3, 2, 4, 3], [0, 1, 3, 5, 7, 8]),
                 'mat': ((5, 5), '45145100')},
 'GridFour_self_per': {'coo': ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5,
                                5, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 11,
                                11, 11, 11, 11],
                               [3, 8, 0, 4, 1, 0, 9, 1, 5, 2, 1, 10, 2, 6, 3, 2, 11, 3, 7, 0, 7, 0, 4, 8, 5, 4, 1, 5,
                                9, 6, 5, 2, 6, 10, 7, 6, 3, 7, 11, 4, 11, 4, 8, 0, 9, 8, 5, 9, 1, 10, 9, 6, 10, 2, 11,
                                10, 7, 11, 3, 8]),
                       'csc_indptr': [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60],
                       'csr': ([3, 8, 0, 4, 1, 0, 9, 1, 5, 2, 1, 10, 2, 6, 3, 2, 11, 3, 7, 0, 7, 0, 4, 8, 5, 4, 1, 5,
                                9, 6, 5, 2, 6, 10, 7, 6, 3, 7, 11, 4, 11, 4, 8, 0, 9, 8, 5, 9, 1, 10, 9, 6, 10, 2, 11,
                                10, 7, 11, 3, 8],
                               [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]),
                       'mat': ((12, 12), 'd88e44722b118d84e42721b188d44e22711b')},
 'GridN2_1d': {'coo': ([0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4], [1, 2, 0, 2, 3, 0, 1, 3, 4, 1, 2, 4, 2, 3]),
               'csc_indptr': [0, 2, 5, 9, 12, 14],
               'csr': ([1, 2, 0, 2, 3, 0, 1, 3, 4, 1, 2, 4, 2, 3], [0, 2, 5, 9, 12, 14]),
               'mat': ((5, 5), '65b6d300')},
 'One2One': {'coo': ([0, 1, 2, 3], [0, 1, 2, 3]),
             'csc_indptr': [0, 1, 2, 3, 4],
             'csr': ([0, 1, 2, 3], [0, 1, 2, 3, 4]),
             'mat': ((4, 4), '8421')}}

CASES = {
    'One2One': (lambda: bp.conn.One2One(), 4, 4),
    'All2All': (lambda: bp.conn.All2All(), 3, 4),
    'All2All_noself': (lambda: bp.conn.All2All(include_self=False), 4, 4),
    'GridFour': (lambda: bp.conn.GridFour(), (3, 3), (3, 3)),
    'GridFour_self_per': (lambda: bp.conn.GridFour(include_self=True, periodic_boundary=True), (3, 4), (3, 4)),
    'GridEight': (lambda: bp.conn.GridEight(), (3, 3), (3, 3)),
    'GridN2_1d': (lambda: bp.conn.GridN(N=2), 5, 5),
    'GridFour_1d': (lambda: bp.conn.GridFour(), 5, 5),
}

# BrainPy 2.8.2's GaussianProb(...)(size, size).require('conn_mat') as numpy.packbits hex (numpy's RandomState(7)):
# brainjit draws from the same generator, so the matrices are the same.
GAUSS_CASES = [
    (dict(sigma=2.), 20),
    (dict(sigma=1.), (5, 6)),
    (dict(sigma=1.5), (6, 5)),
    (dict(sigma=0.3, encoding_values=(0, 1), normalize=True, include_self=False, periodic_boundary=True), (8, 8)),
]
GAUSS_BRAINPY = [
    'e0000f4000f80003c0003e0001e8000740027e0001f4001780006a0013c0001e0001f8001fc0003c000be0001f0005b00007',
    '85000003840000030000000e20080008400002188000047380000a47100008d600002310400242180008841100031c200006'
    '30c0000c6300000863100010c4200061180014cf3800018442000088500066394000027300001ce600000180000001800000'
    'e60000018e0000030c00000230',
    'c38c1003871001070408000e3809003c6042203180040c30e0000a7300004bd60601b3947c42c61c200a141100830c30800e'
    '34e3002c63e304387b1f10f4c62001c31c2014c30810818e0e02ceb958016679604118f3c00830c6000820e00400c3800041'
    'e74000c39e0081030c00432c70',
    '63c6d34200c0a3e381fbe0082809c9e4547f7e3080f5f5f3e46c4a1d10484a5e365f3a147d62861eab1eb49514871f3e958e'
    '0483102c07a3ee8d4f1f0084c6a7836373a19703a9f5e9a3ef66c8a1521964d979f17040203a3eaebe6a00128c64ce741e40'
    '642102179a1bef3b0a004bbe474d36d98b00830d0fc68c9651824261d3f76fd3e6220180d137bff9c19980f060fbdd283890'
    '001880bceffb28c4380d35ae772c4e2b14145dbd9b0e2f1c03c8be8785bf07680502499fe22bab0101cb14cfeb72e1cc9340'
    'a381f339e031a00030a4ffd8d871022470b4beeeec3c78000a581e303c100c80818e0e0b8f20260e83de27dd5e531f48038b'
    '8788dbf0c1001063a5f61bff52d240a012e5b2fad1d128e0f0f0ddfb78ac94785f3c6cfd0d0688106c7c767f1e040004199f'
    '9a0c6f158c108fcf5ddfc6a140020cefd6e79d45292041c05f65dba318800f40b1b9f28100310278bcd878e520006c687f6a'
    '3e7030108e283c35227b9e1408959f1beb3b141006cf4ec54d0603402427abe6c7ae61000000b59443eee358017161f931e1'
    'ac30041080b2d1e51e0010c5ca72ee79de7d084415cc372d1f0504845a97daaa8e00080532dbbd2f8d120082cfc6e0c3d9d2'
    'a0216099d745f921a000dae1f93af9e0d02a51e97cdeba0e7c10102e3c6e3f221834823c1d757ea40100139f9e9ace8e1830'
    '0507175d7d9b930086c7f7ec',
]


def _np(x):
    assert isinstance(x, bm.Array)
    return np.asarray(x)


def _unpack(shape, hexstr):
    n = shape[0] * shape[1]
    return np.unpackbits(np.frombuffer(bytes.fromhex(hexstr), np.uint8))[:n].reshape(shape).astype(bool)


@pytest.mark.parametrize('name', sorted(CASES))
def test_deterministic_structures_match_brainpy(name):
    make, pre, post = CASES[name]
    ref = BRAINPY[name]
    conn = make()(pre, post)
    ind, ptr = conn.require('csr')
    assert ind.dtype == np.int32 and ptr.dtype == np.int32
    assert _np(ind).tolist() == ref['csr'][0] and _np(ptr).tolist() == ref['csr'][1]
    i2, p2 = make()(pre, post).require('pre2post')
    assert _np(i2).tolist() == ref['csr'][0] and _np(p2).tolist() == ref['csr'][1]
    mat = make()(pre, post).require('conn_mat')
    assert mat.dtype == np.bool_
    np.testing.assert_array_equal(_np(mat), _unpack(*ref['mat']))
    pre_ids, post_ids = make()(pre, post).require('pre_ids', 'post_ids')
    assert _np(pre_ids).tolist() == ref['coo'][0] and _np(post_ids).tolist() == ref['coo'][1]
    assert [_np(a).tolist() for a in make()(pre, post).require('coo')] == list(ref['coo'])
    # csc/post2pre: BrainPy's indptr; each column the pres of the matrix's column, ascending
    m = _unpack(*ref['mat'])
    for what in ('post2pre', 'csc'):
        cind, cptr = (_np(a) for a in make()(pre, post).require(what))
        assert cptr.tolist() == ref['csc_indptr']
        for j in range(m.shape[1]):
            assert cind[cptr[j]:cptr[j + 1]].tolist() == np.nonzero(m[:, j])[0].tolist()
    syn, sptr = (_np(a) for a in make()(pre, post).require('pre2syn'))
    assert syn.tolist() == list(range(len(ref['csr'][0]))) and sptr.tolist() == ref['csr'][1]
    syn, sptr = (_np(a) for a in make()(pre, post).require('post2syn'))
    assert sptr.tolist() == ref['csc_indptr'] and sorted(syn.tolist()) == list(range(len(ref['csr'][0])))
    csr_ind = np.asarray(ref['csr'][0])
    for j in range(m.shape[1]):
        assert (csr_ind[syn[sptr[j]:sptr[j + 1]]] == j).all()


def test_require_forms_and_errors():
    conn = bp.conn.All2All()
    mat = conn.require(10, 20, 'conn_mat')
    assert mat.shape == (10, 20) and conn.pre_num == 10 and conn.post_num == 20
    a, b, c = bp.conn.One2One()(3, 3).require('conn_mat', 'csr', 'pre_ids')
    assert a.shape == (3, 3) and isinstance(b, tuple) and _np(c).tolist() == [0, 1, 2]
    assert bp.conn.One2One()(3, 3).require() == ()
    assert bp.conn.One2One()(3, 3).requires('pre_ids').shape == (3,)
    with pytest.raises(ConnectorError, match='Unknown synapse structure'):
        bp.conn.One2One()(3, 3).require('foo')
    with pytest.raises(ConnectorError, match='pre_num'):
        bp.conn.One2One().require('csr')
    with pytest.raises(ConnectorError, match='same size'):
        bp.conn.One2One()(3, 4)
    with pytest.raises(ConnectorError):
        bp.conn.GridFour()(3, 4)
    # sizes given at construction; 'ij' is 'coo'
    conn = bp.conn.FixedProb(0.5, pre=6, post=(2, 4), seed=1)
    assert conn.post_size == (2, 4) and conn.post_num == 8
    i, j = conn.require('ij')
    assert i.shape == j.shape and conn.require('conn_mat').shape == (6, 8)
    assert bp.connect is bp.conn


def _csr_np(conn):
    ind, ptr = conn.require('csr')
    return _np(ind), _np(ptr)


def test_fixed_prob_is_the_c_generator_network():
    ind, ptr = _csr_np(bp.conn.FixedProb(0.1, seed=42)(300, 200))
    cptr, cind = _core.conn_fixed_prob(300, 200, 0.1, 42, True)
    np.testing.assert_array_equal(ptr, np.asarray(cptr))
    np.testing.assert_array_equal(ind, np.asarray(cind))
    sind, sptr = bm.sparse.csr_fixed_prob(300, 200, 0.1, seed=42)
    np.testing.assert_array_equal(ind, np.asarray(sind))
    # the same network, whichever structure is asked and how often
    mat = _np(bp.conn.FixedProb(0.1, seed=42)(300, 200).require('conn_mat'))
    pre, post = np.nonzero(mat)
    np.testing.assert_array_equal(post, ind)
    np.testing.assert_array_equal(np.bincount(pre, minlength=300), np.diff(ptr))
    c = bp.conn.FixedProb(0.1, seed=42)(300, 200)
    np.testing.assert_array_equal(_csr_np(c)[0], _csr_np(c)[0])


def test_fixed_prob_statistics_and_self_connections():
    n_pre, n_post, p = 400, 500, 0.1
    ind, ptr = _csr_np(bp.conn.FixedProb(p, seed=3)(n_pre, n_post))
    nnz, expect = ind.size, n_pre * n_post * p
    assert abs(nnz - expect) < 5 * np.sqrt(expect * (1 - p))
    for r in range(n_pre):  # rows ascending, no duplicates
        row = ind[ptr[r]:ptr[r + 1]]
        assert (np.diff(row) > 0).all()
    assert ind.min() >= 0 and ind.max() < n_post
    # in-degrees: mean p * n_pre
    deg = np.bincount(ind, minlength=n_post)
    assert abs(deg.mean() - p * n_pre) < 5 * np.sqrt(p * n_pre / n_post)
    # without self connections: the same network minus its diagonal
    full = _np(bp.conn.FixedProb(0.3, seed=9)(50, 50).require('conn_mat')).copy()
    noself = _np(bp.conn.FixedProb(0.3, seed=9, include_self=False)(50, 50).require('conn_mat'))
    assert not np.diag(noself).any() and np.diag(full).any()
    np.fill_diagonal(full, False)
    np.testing.assert_array_equal(full, noself)
    # seeds
    a = _csr_np(bp.conn.FixedProb(0.2, seed=1)(40, 40))[0]
    b = _csr_np(bp.conn.FixedProb(0.2, seed=2)(40, 40))[0]
    assert a.size != b.size or (a != b).any()
    bm.random.seed(123)
    c1 = bp.conn.FixedProb(0.2)
    bm.random.seed(123)
    c2 = bp.conn.FixedProb(0.2)
    assert c1.seed == c2.seed
    np.testing.assert_array_equal(_csr_np(c1(30, 30))[0], _csr_np(c2(30, 30))[0])
    # edge probabilities
    assert _csr_np(bp.conn.FixedProb(0., seed=1)(5, 6))[0].size == 0
    assert _csr_np(bp.conn.FixedProb(1., seed=1)(5, 6))[0].size == 30
    assert _csr_np(bp.conn.FixedProb(1., seed=1, include_self=False)(5, 5))[0].size == 20
    with pytest.raises(ConnectorError):
        bp.conn.FixedProb(1.5)


def test_fixed_prob_multi_conn_and_pre_ratio():
    ind, ptr = _csr_np(bp.conn.FixedProb(0.1, allow_multi_conn=True, seed=4)(30, 50))
    assert (np.diff(ptr) == 5).all() and ind.max() < 50
    ind, ptr = _csr_np(bp.conn.FixedProb(1., pre_ratio=0.5, seed=4)(40, 10))
    counts = np.diff(ptr)
    assert (counts > 0).sum() == 20 and set(counts.tolist()) == {0, 10}


def test_fixed_num_connectors():
    mat = _np(bp.conn.FixedPreNum(5, seed=1)(30, 40).require('conn_mat'))
    assert (mat.sum(0) == 5).all()
    mat = _np(bp.conn.FixedPostNum(7, seed=1)(30, 40).require('conn_mat'))
    assert (mat.sum(1) == 7).all()
    ind, ptr = _csr_np(bp.conn.FixedPostNum(0.25, seed=2)(20, 40))
    assert (np.diff(ptr) == 10).all()
    mat = _np(bp.conn.FixedPreNum(6, seed=3, include_self=False)(20, 20).require('conn_mat'))
    assert not np.diag(mat).any() and (mat.sum(0) <= 6).all() and (mat.sum(0) >= 5).all()
    mat = _np(bp.conn.FixedPostNum(6, seed=3, include_self=False)(20, 20).require('conn_mat'))
    assert not np.diag(mat).any() and (mat.sum(1) >= 5).all()
    pre, post = (_np(a) for a in bp.conn.FixedTotalNum(50, seed=1)(10, 20).require('pre_ids', 'post_ids'))
    assert pre.size == 50 and len(set(zip(pre.tolist(), post.tolist()))) == 50
    assert _np(bp.conn.FixedTotalNum(0.1, seed=1)(10, 20).require('pre_ids')).size == 20
    a = _np(bp.conn.FixedPreNum(3, seed=8)(10, 10).require('conn_mat'))
    b = _np(bp.conn.FixedPreNum(3, seed=8)(10, 10).require('conn_mat'))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ConnectorError):
        bp.conn.FixedPreNum(20, seed=1)(10, 10).require('csr')
    with pytest.raises(ConnectorError):
        bp.conn.FixedTotalNum(300, seed=1)(10, 20).require('csr')
    with pytest.raises(ConnectorError):
        bp.conn.FixedPreNum('a')


@pytest.mark.parametrize('k', range(len(GAUSS_CASES)))
def test_gaussian_prob_matches_brainpy(k):
    kw, size = GAUSS_CASES[k]
    mat = _np(bp.conn.GaussianProb(seed=7, **kw)(size, size).require('conn_mat'))
    ref = np.unpackbits(np.frombuffer(bytes.fromhex(GAUSS_BRAINPY[k]), np.uint8))[:mat.size].reshape(mat.shape)
    np.testing.assert_array_equal(mat, ref.astype(bool))


def test_custom_connectors():
    m = np.array([[1, 0, 1], [0, 0, 1]], dtype=bool)
    ind, ptr = _csr_np(bp.conn.MatConn(m)(2, 3))
    assert ind.tolist() == [0, 2, 2] and ptr.tolist() == [0, 2, 3]
    c = bp.conn.IJConn(np.array([1, 0, 1]), np.array([2, 1, 0]))(2, 3)
    ind, ptr = _csr_np(c)
    assert ind.tolist() == [1, 2, 0] and ptr.tolist() == [0, 1, 3]
    with pytest.raises(ConnectorError):
        bp.conn.IJConn(np.array([5]), np.array([0]))(2, 3)
    c = bp.conn.CSRConn(np.array([1, 0]), np.array([0, 1, 2]))(2, 2)
    np.testing.assert_array_equal(_np(c.require('conn_mat')), [[False, True], [True, False]])

    class Coo(bp.conn.TwoEndConnector):
        def build_coo(self):
            return np.array([2, 0]), np.array([0, 1])

    assert _np(Coo()(3, 2).require('post2pre')[0]).tolist() == [2, 0]
    assert _np(Coo()(3, 2).require('pre2post')[1]).tolist() == [0, 1, 1, 2]

    class Old(bp.conn.TwoEndConnector):
        def build_conn(self):
            return 'ij', (np.array([0, 1]), np.array([1, 1]))

    np.testing.assert_array_equal(_np(Old()(2, 2).require('conn_mat')), [[False, True], [False, True]])

    class Nothing(bp.conn.TwoEndConnector):
        pass

    with pytest.raises(ConnectorError):
        Nothing()(2, 2).require('csr')


def test_conversions():
    mat = np.array([[0, 1, 1], [1, 0, 0]], dtype=bool)
    ind, ptr = bp.conn.mat2csr(mat)
    assert isinstance(ind, np.ndarray) and ind.tolist() == [1, 2, 0] and ptr.tolist() == [0, 2, 3]
    pre, post = bp.conn.csr2coo((ind, ptr))
    assert pre.tolist() == [0, 0, 1] and post.tolist() == [1, 2, 0]
    cind, cptr = bp.conn.csr2csc((ind, ptr), 3)
    assert cind.tolist() == [1, 0, 0] and cptr.tolist() == [0, 1, 2, 3]
    cind, cptr, data = bp.conn.coo2csc((pre, post), 3, data=np.array([10, 20, 30]))
    assert data.tolist() == [30, 10, 20]
    np.testing.assert_array_equal(bp.conn.csr2mat((ind, ptr), 2, 3), mat)
    np.testing.assert_array_equal(bp.conn.coo2mat((pre, post), 2, 3), mat)
    assert [a.tolist() for a in bp.conn.mat2coo(mat)] == [[0, 0, 1], [1, 2, 0]]
    assert [a.tolist() for a in bp.conn.mat2csc(mat)] == [[1, 0, 0], [0, 1, 2, 3]]
    ind2, ptr2 = bp.conn.coo2csr((bm.asarray(pre), bm.asarray(post)), 2)
    assert isinstance(ind2, bm.Array) and np.asarray(ind2).tolist() == [1, 2, 0]
