"""bp.conn / bp.connect: BrainPy's connectors, building synaptic structures (CSR, COO, matrices) on the host."""

import abc

import numpy as np

from . import _core
from . import math as bm
from .errors import ConnectorError

# A connector is built once per (pre, post) sizes on the host, before any tracing: its structures are constants
# of the compiled programs, so they are made with numpy here and handed out as bm Arrays (int32 indices, bool
# matrices: BrainPy's dtypes). Orders follow BrainPy: CSR rows in presynaptic order; within a row the order of the
# connector's pairs; post2pre/post2syn/csc group the synapses by postsynaptic neuron with a STABLE sort (BrainPy
# uses numpy's default sort there, whose order inside a column depends on the CPU's sort kernel).
#
# FixedProb (allow_multi_conn=False) takes its network from the C core's generator (_core.conn_fixed_prob): each
# pair is a synapse with probability prob, independently, rows in ascending post order, the very network that
# bm.jitconn's procedural ops and the C examples generate from the same seed. BrainPy instead draws exactly
# round(prob * post_num) targets per row from its own random stream, which is not reproducible across versions or
# machines anyway. The other random connectors draw from numpy's RandomState(seed), afresh for every build, so a
# connector gives the same network each time it is asked (BrainPy's advance their generators between requests).

__all__ = [
    'CONN_MAT', 'PRE_IDS', 'POST_IDS', 'PRE2POST', 'POST2PRE', 'PRE2SYN', 'POST2SYN', 'SUPPORTED_SYN_STRUCTURE',
    'COO', 'CSC', 'CSR', 'IJ',
    'set_default_dtype', 'MAT_DTYPE', 'IDX_DTYPE', 'get_idx_type',
    'Connector', 'TwoEndConnector', 'OneEndConnector',
    'mat2coo', 'mat2csc', 'mat2csr', 'csr2csc', 'csr2mat', 'csr2coo', 'coo2csr', 'coo2csc', 'coo2mat',
    'One2One', 'one2one', 'All2All', 'all2all', 'GridFour', 'grid_four', 'GridEight', 'grid_eight', 'GridN',
    'FixedProb', 'FixedPreNum', 'FixedPostNum', 'FixedTotalNum', 'GaussianProb',
    'MatConn', 'IJConn', 'CSRConn', 'SparseMatConn',
]

CONN_MAT = 'conn_mat'
PRE_IDS = 'pre_ids'
POST_IDS = 'post_ids'
PRE2POST = 'pre2post'
POST2PRE = 'post2pre'
PRE2SYN = 'pre2syn'
POST2SYN = 'post2syn'
PRE_SLICE = 'pre_slice'
POST_SLICE = 'post_slice'
COO = 'coo'
CSR = 'csr'
CSC = 'csc'
IJ = 'ij'  # BrainPy 2.2's name of 'coo', still accepted

SUPPORTED_SYN_STRUCTURE = [CONN_MAT, PRE_IDS, POST_IDS, PRE2POST, POST2PRE, PRE2SYN, POST2SYN, COO, CSR, CSC, IJ]

MAT_DTYPE = np.bool_
IDX_DTYPE = np.int32


def get_idx_type():
    return IDX_DTYPE


def set_default_dtype(mat_dtype=None, idx_dtype=None):
    """Sets the dtype of connection matrices (default bool) and of indices (default int32)."""
    global MAT_DTYPE, IDX_DTYPE
    if mat_dtype is not None:
        MAT_DTYPE = mat_dtype
    if idx_dtype is not None:
        IDX_DTYPE = idx_dtype


def _size(x):
    return (int(x),) if isinstance(x, (int, np.integer)) else tuple(int(s) for s in x)


def _num(size):
    return int(np.prod(size)) if len(size) else 1


def _not_customized(f):
    f.not_customized = True
    return f


def _np(x):
    return np.asarray(x)


def _idx(x):
    return bm.asarray(np.asarray(x, dtype=IDX_DTYPE))


def _mat(x):
    return bm.asarray(np.asarray(x).astype(MAT_DTYPE))


# ---------------------------------------------------------------- conversions (numpy in, numpy out)

def _by_key(keys, n):
    """(order, indptr): a stable sort of the synapses by key in [0, n), and the start of every key's group."""
    keys = np.asarray(keys, dtype=np.int64)
    order = np.argsort(keys, kind='stable')
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n)[:n], out=indptr[1:])
    return order, indptr


def _out(like, *arrays):
    """numpy results for numpy inputs, bm Arrays otherwise (BrainPy returns arrays of the input's kind)."""
    if isinstance(like, np.ndarray):
        return arrays if len(arrays) > 1 else arrays[0]
    res = tuple(bm.asarray(a) for a in arrays)
    return res if len(res) > 1 else res[0]


def mat2coo(dense):
    """(pre_ids, post_ids) of the non-zero entries of a dense matrix, in row-major order."""
    pre, post = np.nonzero(_np(dense) > 0)
    return _out(dense, pre.astype(IDX_DTYPE), post.astype(IDX_DTYPE))


def mat2csr(dense):
    """(indices, indptr) of a dense matrix."""
    d = _np(dense)
    pre, post = np.nonzero(d > 0)
    return _out(dense, *_coo2csr(pre, post, d.shape[0]))


def mat2csc(dense):
    """(indices, indptr) of the transposed dense matrix: the pre ids grouped by post."""
    d = _np(dense)
    pre, post = np.nonzero(d > 0)
    return _out(dense, *_coo2csr(post, pre, d.shape[1]))


def _coo2csr(pre, post, num_pre):
    order, indptr = _by_key(pre, num_pre)
    return np.asarray(post)[order].astype(IDX_DTYPE), indptr.astype(IDX_DTYPE)


def coo2csr(coo, num_pre):
    """(indices, indptr) of the pairs (pre_ids, post_ids): rows in pre order, each row in pair order."""
    pre, post = coo
    return _out(pre, *_coo2csr(_np(pre), _np(post), num_pre))


def _coo2csc(pre, post, num_post, data=None):
    order, indptr = _by_key(post, num_post)
    res = (np.asarray(pre)[order].astype(IDX_DTYPE), indptr.astype(IDX_DTYPE))
    return res if data is None else res + (np.asarray(data)[order],)


def coo2csc(coo, post_num, data=None):
    """(pre ids grouped by post, indptr) of the pairs (pre_ids, post_ids), and data in that order if given."""
    pre, post = coo
    return _out(pre, *_coo2csc(_np(pre), _np(post), post_num, None if data is None else _np(data)))


def _csr2coo(indices, indptr):
    indptr = np.asarray(indptr)
    pre = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return pre.astype(IDX_DTYPE), np.asarray(indices).astype(IDX_DTYPE)


def csr2coo(csr):
    """(pre_ids, post_ids) of a CSR matrix (indices, indptr)."""
    indices, indptr = csr
    return _out(indices, *_csr2coo(_np(indices), _np(indptr)))


def csr2csc(csr, post_num, data=None):
    """csc (pre ids grouped by post, indptr) of a CSR matrix, and data in that order if given."""
    indices, indptr = csr
    pre, post = _csr2coo(_np(indices), _np(indptr))
    return _out(indices, *_coo2csc(pre, post, post_num, None if data is None else _np(data)))


def _coo2mat(pre, post, num_pre, num_post):
    d = np.zeros((num_pre, num_post), dtype=MAT_DTYPE)
    d[np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)] = True
    return d


def coo2mat(ij, num_pre, num_post):
    """The dense connection matrix of the pairs (pre_ids, post_ids)."""
    pre, post = ij
    return _out(pre, _coo2mat(_np(pre), _np(post), num_pre, num_post))


def csr2mat(csr, num_pre, num_post):
    """The dense connection matrix of a CSR matrix (indices, indptr)."""
    indices, indptr = csr
    return _out(indices, _coo2mat(*_csr2coo(_np(indices), _np(indptr)), num_pre, num_post))


# ---------------------------------------------------------------- base classes

class Connector(abc.ABC):
    """Base class of synaptic connectors."""


class _Structures:
    """The structures of one network, derived on demand from the form a connector built (csr, coo or mat)."""

    def __init__(self, pre_num, post_num, csr=None, coo=None, mat=None):
        self.pre_num, self.post_num = pre_num, post_num
        self.csr_, self.coo_, self.mat_ = None, None, None
        if csr is not None:
            indices, indptr = _np(csr[0]), _np(csr[1])
            if indptr.size - 1 != pre_num:
                raise ConnectorError(f'The CSR indptr has {indptr.size} entries, but pre_num + 1 = {pre_num + 1}.')
            self.csr_ = (indices, indptr)
        if coo is not None:
            self.coo_ = (_np(coo[0]).reshape(-1), _np(coo[1]).reshape(-1))
        if mat is not None:
            self.mat_ = _np(mat)
            if self.mat_.ndim != 2:
                raise ConnectorError(f'A connection matrix must be 2-D, but we got shape {self.mat_.shape}.')

    def coo(self):
        if self.coo_ is None:
            if self.csr_ is not None:
                self.coo_ = _csr2coo(*self.csr_)
            else:
                self.coo_ = tuple(a.astype(IDX_DTYPE) for a in np.nonzero(self.mat_ > 0))
        return self.coo_

    def csr(self):
        if self.csr_ is None:
            self.csr_ = _coo2csr(*self.coo(), self.pre_num)
        return self.csr_

    def mat(self):
        if self.mat_ is None:
            if self.coo_ is not None:
                self.mat_ = _coo2mat(*self.coo_, self.pre_num, self.post_num)
            else:
                self.mat_ = _coo2mat(*_csr2coo(*self.csr_), self.pre_num, self.post_num)
        return self.mat_

    def get(self, name):
        if name == CONN_MAT:
            return _mat(self.mat())
        if name == PRE_IDS:
            return _idx(self.coo()[0])
        if name == POST_IDS:
            return _idx(self.coo()[1])
        if name in (COO, IJ):
            pre, post = self.coo()
            return _idx(pre), _idx(post)
        if name in (PRE2POST, CSR):
            indices, indptr = self.csr()
            return _idx(indices), _idx(indptr)
        if name in (POST2PRE, CSC):
            # from the pairs when the connector made pairs (BrainPy's path), else from the CSR rows
            pre, post = self.coo() if self.csr_ is None else _csr2coo(*self.csr_)
            return tuple(_idx(a) for a in _coo2csc(pre, post, self.post_num))
        indices, indptr = self.csr()
        if name == PRE2SYN:
            return _idx(np.arange(indices.size)), _idx(indptr)
        if name == POST2SYN:
            pre, post = _csr2coo(indices, indptr)
            _, indptr_c, syn = _coo2csc(pre, post, self.post_num, np.arange(indices.size))
            return _idx(syn), _idx(indptr_c)
        raise ConnectorError(f'Unknown synapse structure "{name}". Only {SUPPORTED_SYN_STRUCTURE} is supported.')


class TwoEndConnector(Connector):
    """A connector between two neuron groups. ``conn(pre_size, post_size)`` sets the sizes (returns the
    connector); ``conn.require('csr', 'conn_mat', ...)`` returns the structures (one, or a tuple of them).

    Custom connectors implement one of ``build_csr()`` -> (indices, indptr), ``build_coo()`` -> (pre_ids,
    post_ids) or ``build_mat()`` -> a (pre_num, post_num) bool matrix (or the old ``build_conn()``, returning
    ``('csr', data)``/``('coo', data)``/``('mat', data)`` or a dict of them); the rest is derived."""

    def __init__(self, pre=None, post=None):
        self.pre_size = None
        self.post_size = None
        self.pre_num = None
        self.post_num = None
        if pre is not None:
            self.pre_size = _size(pre)
            self.pre_num = _num(self.pre_size)
        if post is not None:
            self.post_size = _size(post)
            self.post_num = _num(self.post_size)

    def __repr__(self):
        return self.__class__.__name__

    def __call__(self, pre_size, post_size):
        self.pre_size, self.post_size = _size(pre_size), _size(post_size)
        self.pre_num, self.post_num = _num(self.pre_size), _num(self.post_size)
        return self

    def _reset_conn(self, pre_size, post_size):
        self.__call__(pre_size, post_size)

    @property
    def is_version2_style(self):
        return not all(getattr(getattr(self, f), 'not_customized', False)
                       for f in ('build_coo', 'build_csr', 'build_mat'))

    def _check(self, structures):
        if isinstance(structures, str):
            structures = [structures]
        if structures is None or len(structures) == 0:
            raise ConnectorError('No synaptic structure is received.')
        for n in structures:
            if n not in SUPPORTED_SYN_STRUCTURE:
                raise ConnectorError(f'Unknown synapse structure "{n}". Only {SUPPORTED_SYN_STRUCTURE} is '
                                     f'supported.')

    def _has(self, name):
        return not getattr(getattr(self, name), 'not_customized', False)

    def _built(self, structures):
        """The network as a _Structures, from the builder BrainPy would call for these structures."""
        has_coo, has_csr, has_mat = self._has('build_coo'), self._has('build_csr'), self._has('build_mat')
        n, s = (self.pre_num, self.post_num), set(structures)
        if has_coo or has_csr or has_mat:
            if has_csr and s <= {PRE2POST, CSR, PRE2SYN}:
                return _Structures(*n, csr=self.build_csr())
            if has_mat and s == {CONN_MAT}:
                return _Structures(*n, mat=self.build_mat())
            if has_coo:
                return _Structures(*n, coo=self.build_coo())
            if has_csr:
                return _Structures(*n, csr=self.build_csr())
            return _Structures(*n, mat=self.build_mat())
        data = self.build_conn()
        if isinstance(data, dict):
            coo = data.get('coo', None)
            if coo is None:
                coo = data.get('ij', None)
            data = dict(csr=data.get('csr', None), coo=coo, mat=data.get('mat', None))
        elif isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], str):
            kind = 'coo' if data[0] == 'ij' else data[0]
            if kind not in ('csr', 'coo', 'mat'):
                raise ConnectorError(f'Must provide one of "csr", "mat" or "coo". Got "{data[0]}" instead.')
            data = {kind: data[1]}
        else:
            raise ConnectorError('Unknown type')
        if all(v is None for v in data.values()):
            raise ConnectorError('Must provide one of "csr", "mat" or "coo".')
        return _Structures(*n, **data)

    def require(self, *structures):
        """The structures named (one: returned alone; several: a tuple in the order asked). The sizes may come
        first: ``conn.require(pre_size, post_size, 'csr')``."""
        if len(structures) == 0:
            return tuple()
        if not isinstance(structures[0], str):
            pre_size, structures = structures[0], structures[1:]
            post_size = None
            if structures and not isinstance(structures[0], str):
                post_size, structures = structures[0], structures[1:]
            self.__call__(pre_size, post_size)
        if self.pre_num is None or self.post_num is None:
            raise ConnectorError('self.pre_num or self.post_num is not defined. Please use '
                                 '"self.require(pre_size, post_size, DATA1, DATA2, ...)" ')
        self._check(structures)
        built = self._built(structures)
        if len(structures) == 1:
            return built.get(structures[0])
        return tuple(built.get(s) for s in structures)

    def requires(self, *structures):
        return self.require(*structures)

    @_not_customized
    def build_conn(self):
        """Old-style builder: ('csr', (indices, indptr)), ('coo', (pre_ids, post_ids)), ('mat', matrix) or a
        dict with keys csr/coo/mat."""
        raise ConnectorError(f'{self.__class__.__name__} implements none of build_csr, build_coo, build_mat or '
                             f'build_conn.')

    @_not_customized
    def build_mat(self):
        """A bool matrix of shape (pre_num, post_num)."""

    @_not_customized
    def build_csr(self):
        """(indices, indptr)."""

    @_not_customized
    def build_coo(self):
        """(pre_ids, post_ids)."""


class OneEndConnector(TwoEndConnector):
    """A connector within one population: post_size defaults to pre_size and must equal it."""

    def __call__(self, pre_size, post_size=None):
        if post_size is None:
            post_size = pre_size
        if _size(pre_size) != _size(post_size):
            raise ConnectorError(f'The shape of pre-synaptic group should be the same with the post group. But we '
                                 f'got {pre_size} != {post_size}.')
        return super().__call__(pre_size, post_size)

    def _reset_conn(self, pre_size, post_size=None):
        self.__call__(pre_size, post_size)


# ---------------------------------------------------------------- regular connectors

class One2One(TwoEndConnector):
    """Neuron i to neuron i; both groups of one size."""

    def __call__(self, pre_size, post_size):
        super().__call__(pre_size, post_size)
        self._same()
        return self

    def _same(self):
        if self.pre_num != self.post_num:
            raise ConnectorError(f'One2One connection must be defined in two groups with the same size, but '
                                 f'{self.pre_num} != {self.post_num}.')

    def build_coo(self):
        self._same()
        return np.arange(self.pre_num, dtype=IDX_DTYPE), np.arange(self.post_num, dtype=IDX_DTYPE)

    def build_csr(self):
        self._same()
        return np.arange(self.pre_num, dtype=IDX_DTYPE), np.arange(self.pre_num + 1, dtype=IDX_DTYPE)

    def build_mat(self):
        self._same()
        return np.eye(self.pre_num, dtype=MAT_DTYPE)


one2one = One2One()


class All2All(TwoEndConnector):
    """Every pre to every post (pre_num x post_num synapses); include_self=False drops i -> i."""

    def __init__(self, *args, include_self=True, **kwargs):
        self.include_self = include_self
        super().__init__(*args, **kwargs)

    def __repr__(self):
        return f'{self.__class__.__name__}(include_self={self.include_self})'

    def build_mat(self):
        mat = np.ones((self.pre_num, self.post_num), dtype=MAT_DTYPE)
        if not self.include_self:
            np.fill_diagonal(mat, False)
        return mat


all2all = All2All(include_self=True)


class GridConn(OneEndConnector):
    """Neighbours on a grid of the population's shape: offsets drawn from `strides` along every axis."""

    def __init__(self, strides, include_self=False, periodic_boundary=False, **kwargs):
        super().__init__(**kwargs)
        self.strides = np.asarray(strides)
        self.include_self = include_self
        self.periodic_boundary = periodic_boundary

    def __repr__(self):
        return f'{self.__class__.__name__}(include_self={self.include_self}, ' \
               f'periodic_boundary={self.periodic_boundary})'

    def _coords(self):
        if self.pre_num != self.post_num:
            raise ConnectorError(f'{self.__class__.__name__} is used to for connection within a same population. '
                                 f'But we detect pre_num != post_num ({self.pre_num} != {self.post_num}).')
        sizes = np.asarray(self.post_size)
        coords = np.stack(np.unravel_index(np.arange(self.post_num), self.post_size), axis=1)
        return sizes, coords

    def _select_stride(self, offsets):
        raise NotImplementedError

    def _select_dist(self, dist):
        raise NotImplementedError

    def build_mat(self):
        sizes, coords = self._coords()
        dist = np.abs(coords[:, None, :] - coords[None, :, :])
        if self.periodic_boundary:
            dist = np.where(dist > sizes / 2, sizes - dist, dist)
        return self._select_dist(dist)

    def build_coo(self):
        sizes, coords = self._coords()
        dim = len(self.post_size)
        # the offsets in BrainPy's order: numpy's meshgrid of the strides, one axis per dimension
        offsets = np.asarray(np.meshgrid(*([self.strides] * dim))).reshape(dim, -1).T
        offsets = offsets[self._select_stride(offsets)]
        posts = coords[:, None, :] + offsets[None, :, :]
        if self.periodic_boundary:
            posts = posts % sizes
            valid = np.ones(posts.shape[:2], dtype=bool)
        else:
            valid = np.all((posts >= 0) & (posts < sizes), axis=2)
        pres = np.broadcast_to(np.arange(self.pre_num)[:, None], valid.shape)[valid]
        posts = np.ravel_multi_index(tuple(posts[valid].T), self.post_size)
        if self.periodic_boundary:  # small grids wrap onto the same neighbour twice: keep the first
            _, first = np.unique(np.stack([pres, posts], axis=1), axis=0, return_index=True)
            first = np.sort(first)
            pres, posts = pres[first], posts[first]
        return pres.astype(IDX_DTYPE), posts.astype(IDX_DTYPE)


class GridFour(GridConn):
    """The four nearest neighbours (along each axis), optionally the neuron itself and a periodic boundary."""

    def __init__(self, include_self=False, periodic_boundary=False, **kwargs):
        super().__init__(strides=[-1, 0, 1], include_self=include_self, periodic_boundary=periodic_boundary,
                         **kwargs)

    def _select_stride(self, offsets):
        total = np.abs(offsets).sum(axis=1)
        return total <= 1 if self.include_self else total == 1

    def _select_dist(self, dist):
        d = np.linalg.norm(dist, axis=2)
        return d <= 1 if self.include_self else d == 1


grid_four = GridFour()


class GridN(GridConn):
    """The (2N+1)^dim nearest neighbours (every offset up to N along each axis)."""

    def __init__(self, N=1, include_self=False, periodic_boundary=False, **kwargs):
        super().__init__(strides=np.arange(-N, N + 1), include_self=include_self,
                         periodic_boundary=periodic_boundary, **kwargs)
        self.N = N

    def __repr__(self):
        return f'{self.__class__.__name__}(N={self.N}, include_self={self.include_self}, ' \
               f'periodic_boundary={self.periodic_boundary})'

    def _select_stride(self, offsets):
        if self.include_self:
            return np.ones(len(offsets), dtype=bool)
        return np.abs(offsets).sum(axis=1) > 0

    def _select_dist(self, dist):
        near = np.all(dist <= self.N, axis=2)
        return near if self.include_self else near & ~np.all(dist == 0, axis=2)


class GridEight(GridN):
    """The eight nearest neighbours (GridN with N=1)."""

    def __init__(self, include_self=False, periodic_boundary=False, **kwargs):
        super().__init__(N=1, include_self=include_self, periodic_boundary=periodic_boundary, **kwargs)


grid_eight = GridEight()


# ---------------------------------------------------------------- random connectors

def _format_seed(seed):
    # numpy's global generator, which bm.random.seed(s) seeds too, picks a missing seed (as BrainPy)
    return int(np.random.randint(0, int(1e7))) if seed is None else seed


class FixedProb(TwoEndConnector):
    """Each pair pre -> post is a synapse with probability prob, independently (allow_multi_conn=False), from the
    C core's generator: FixedProb(p, seed=s) is the network of bm.jitconn's ops and of EventJitFPHomoLinear with
    prob=p, seed=s (include_self=True; include_self=False drops the pairs i -> i). pre_ratio < 1 keeps only the
    rows of a random pre_ratio of the presynaptic neurons. allow_multi_conn=True: round(prob * post_num) targets
    per row drawn with replacement (BrainPy's rule). seed None: a random seed, fixed at construction."""

    def __init__(self, prob, pre_ratio=1., include_self=True, allow_multi_conn=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0. <= prob <= 1.:
            raise ConnectorError(f'prob must be in [0, 1], but we got {prob}.')
        if not 0. <= pre_ratio <= 1.:
            raise ConnectorError(f'pre_ratio must be in [0, 1], but we got {pre_ratio}.')
        self.prob = prob
        self.pre_ratio = pre_ratio
        self.include_self = include_self
        self.seed = _format_seed(seed)
        self.allow_multi_conn = allow_multi_conn

    def __repr__(self):
        return (f'{self.__class__.__name__}(prob={self.prob}, pre_ratio={self.pre_ratio}, '
                f'include_self={self.include_self}, allow_multi_conn={self.allow_multi_conn}, seed={self.seed})')

    def _pre_rows(self, rng):
        if self.pre_ratio < 1.:
            return np.sort(rng.choice(self.pre_num, size=int(self.pre_num * self.pre_ratio), replace=False))
        return None

    def build_csr(self):
        rng = np.random.RandomState(int(self.seed) % (1 << 32))
        rows = self._pre_rows(rng)
        if self.allow_multi_conn:
            k = int(round(self.post_num * self.prob))
            pres = np.arange(self.pre_num) if rows is None else rows
            posts = rng.randint(0, self.post_num, (len(pres), k))
            pre_ids = np.repeat(pres, k)
            post_ids = posts.reshape(-1)
            if not self.include_self:
                keep = pre_ids != post_ids
                pre_ids, post_ids = pre_ids[keep], post_ids[keep]
            return _coo2csr(pre_ids, post_ids, self.pre_num)
        indptr, indices = _core.conn_fixed_prob(self.pre_num, self.post_num, float(self.prob),
                                                int(self.seed) % (1 << 64), bool(self.include_self))
        indptr, indices = np.asarray(indptr), np.asarray(indices)
        if rows is not None:
            counts = np.zeros(self.pre_num, dtype=np.int64)
            counts[rows] = np.diff(indptr)[rows]
            keep = np.repeat(np.isin(np.arange(self.pre_num), rows), np.diff(indptr))
            indices = indices[keep]
            indptr = np.concatenate([[0], np.cumsum(counts)])
        return indices.astype(IDX_DTYPE), indptr.astype(IDX_DTYPE)


class FixedTotalNum(TwoEndConnector):
    """num synapses in all (an int, or a float fraction of pre_num * post_num), drawn without replacement
    (allow_multi_conn=True: with replacement)."""

    def __init__(self, num, allow_multi_conn=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_num(num)
        self.num = num
        self.seed = _format_seed(seed)
        self.allow_multi_conn = allow_multi_conn

    def __repr__(self):
        return f'{self.__class__.__name__}(num={self.num}, seed={self.seed})'

    def build_coo(self):
        total = self.pre_num * self.post_num
        num = int(round(self.num * total)) if isinstance(self.num, float) else self.num
        if num > total:
            raise ConnectorError(f'"num" must be smaller than "all2all num", but got {num} > {total}')
        rng = np.random.RandomState(int(self.seed) % (1 << 32))
        if self.allow_multi_conn:
            pre = rng.randint(0, self.pre_num, (num,))
            post = rng.randint(0, self.post_num, (num,))
        else:
            index = rng.choice(total, size=(num,), replace=False)
            pre, post = index // self.post_num, index % self.post_num
        return pre.astype(IDX_DTYPE), post.astype(IDX_DTYPE)


def _check_num(num):
    if isinstance(num, bool) or not isinstance(num, (int, float)):
        raise ConnectorError(f'Unknown type: {type(num)}')
    if isinstance(num, int) and num < 0:
        raise ConnectorError('"num" must be a non-negative integer.')
    if isinstance(num, float) and not 0. <= num <= 1.:
        raise ConnectorError('"num" must be in [0., 1.).')


class FixedNum(TwoEndConnector):
    def __init__(self, num, include_self=True, allow_multi_conn=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_num(num)
        self.num = num
        self.seed = _format_seed(seed)
        self.include_self = include_self
        self.allow_multi_conn = allow_multi_conn

    def __repr__(self):
        return f'{self.__class__.__name__}(num={self.num}, include_self={self.include_self}, seed={self.seed})'

    def _draw(self, rows, total, what):
        """rows x k ids in [0, total): k = num (or num * total for a float), without replacement per row."""
        if isinstance(self.num, int) and self.num > total:
            raise ConnectorError(f'"num" must be smaller than "{what}", but got {self.num} > {total}')
        if not self.include_self and self.pre_num != self.post_num:
            raise ConnectorError(f'We found pre_num != post_num ({self.pre_num} != {self.post_num}). But '
                                 f'`include_self` is set to True.')
        k = int(total * self.num) if isinstance(self.num, float) else self.num
        rng = np.random.RandomState(int(self.seed) % (1 << 32))
        if self.allow_multi_conn:
            return rng.randint(0, total, (rows, k))
        ids = np.zeros((rows, k), dtype=np.int64)
        for i in range(rows):
            ids[i] = rng.choice(total, k, replace=False)
        return ids

    @staticmethod
    def _pairs(ids, include_self):
        """(row ids, drawn ids) of a rows x k draw, dropping the pairs row == id unless include_self."""
        rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1])
        flat = ids.reshape(-1)
        if not include_self:
            keep = rows != flat
            rows, flat = rows[keep], flat[keep]
        return rows, flat


class FixedPreNum(FixedNum):
    """Every postsynaptic neuron receives from num presynaptic ones (an int, or a float fraction of pre_num);
    the pairs are ordered by post."""

    def build_coo(self):
        ids = self._draw(self.post_num, self.pre_num, 'pre_num')
        post, pre = self._pairs(ids, self.include_self)
        return pre.astype(IDX_DTYPE), post.astype(IDX_DTYPE)


class FixedPostNum(FixedNum):
    """Every presynaptic neuron sends to num postsynaptic ones (an int, or a float fraction of post_num)."""

    def build_csr(self):
        ids = self._draw(self.pre_num, self.post_num, 'post_num')
        pre, post = self._pairs(ids, self.include_self)
        return _coo2csr(pre, post, self.pre_num)

    def build_coo(self):
        return _csr2coo(*self.build_csr())


class GaussianProb(OneEndConnector):
    """Within a population: i -> j with probability exp(-|v_i - v_j|^2 / (2 sigma^2)) (divided by its maximum
    when normalize), v the neurons' positions (or the encoding_values ranges spread over each axis), optionally
    with a periodic boundary; drawn from numpy's RandomState(seed) as BrainPy does."""

    def __init__(self, sigma, encoding_values=None, normalize=True, include_self=True, periodic_boundary=False,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.sigma = sigma
        self.encoding_values = encoding_values
        self.normalize = normalize
        self.include_self = include_self
        self.periodic_boundary = periodic_boundary
        self.seed = _format_seed(seed)

    def __repr__(self):
        return (f'{self.__class__.__name__}(sigma={self.sigma}, normalize={self.normalize}, '
                f'periodic_boundary={self.periodic_boundary}, include_self={self.include_self}, seed={self.seed})')

    def _ranges(self):
        ev = self.encoding_values
        if ev is None:
            return [(0, s) for s in self.pre_size]
        if not isinstance(ev, (tuple, list)):
            raise ConnectorError(f'Unsupported encoding values: {ev}')
        if len(ev) == 0:
            raise ConnectorError('encoding_values has a length of 0.')
        if isinstance(ev[0], (int, float)):
            if len(ev) != 2 or not ev[0] < ev[1]:
                raise ConnectorError(f'encoding_values must be (low, high) with low < high, but we got {ev}')
            return [tuple(ev)] * len(self.pre_size)
        if isinstance(ev[0], (tuple, list)):
            if len(ev) != len(self.pre_size):
                raise ConnectorError(f'The network size has {len(self.pre_size)} dimensions, while the encoded '
                                     f'values provided only has {len(ev)}-D. Error in {str(self)}.')
            return [tuple(v) for v in ev]
        raise ConnectorError(f'Unsupported encoding values: {ev}')

    def build_mat(self):
        ranges = self._ranges()
        values = [np.linspace(lo, hi, n + 1)[:n] for (lo, hi), n in zip(ranges, self.pre_size)]
        # neuron k's value along axis d: BrainPy numbers neurons with the FIRST axis varying fastest here
        coords = []
        k = np.arange(self.pre_num)
        for n in self.pre_size[:-1]:
            k, pos = np.divmod(k, n)
            coords.append(pos)
        coords.append(k)
        pos = np.stack([values[d][c] for d, c in enumerate(coords)], axis=1)  # [num, dim]
        dist = np.abs(pos[:, None, :] - pos[None, :, :])
        if self.periodic_boundary:
            span = np.asarray([hi - lo for lo, hi in ranges], dtype=float)
            dist = np.where(dist > span / 2, span - dist, dist)
        prob = np.exp(-(np.sqrt(np.sum(dist ** 2, axis=2)) / self.sigma) ** 2 / 2).astype(np.float32)
        if self.normalize:
            prob = prob / prob.max()
        mat = prob >= np.random.RandomState(int(self.seed) % (1 << 32)).random_sample(prob.shape)
        if not self.include_self:
            np.fill_diagonal(mat, False)
        return mat


# ---------------------------------------------------------------- connectors of given data

class MatConn(TwoEndConnector):
    """A connector of a dense (pre_num, post_num) connection matrix."""

    def __init__(self, conn_mat, **kwargs):
        super().__init__(**kwargs)
        mat = _np(conn_mat)
        if mat.ndim != 2:
            raise ConnectorError(f'conn_mat must be 2-D, but we got shape {mat.shape}.')
        self.pre_num, self.post_num = mat.shape
        self.pre_size, self.post_size = (self.pre_num,), (self.post_num,)
        self.conn_mat = mat.astype(MAT_DTYPE)

    def __call__(self, pre_size, post_size):
        if _num(_size(pre_size)) != self.pre_num or _num(_size(post_size)) != self.post_num:
            raise ConnectorError(f'The sizes ({pre_size}, {post_size}) do not match the matrix of shape '
                                 f'{self.conn_mat.shape}.')
        return self

    def build_mat(self):
        return self.conn_mat


class IJConn(TwoEndConnector):
    """A connector of the pairs i[k] -> j[k]."""

    def __init__(self, i, j, **kwargs):
        super().__init__(**kwargs)
        i, j = _np(i), _np(j)
        if i.ndim != 1 or j.ndim != 1 or i.size != j.size:
            raise ConnectorError('i and j must be 1-D arrays of one length.')
        self.pre_ids = i.astype(IDX_DTYPE)
        self.post_ids = j.astype(IDX_DTYPE)
        self.max_pre = int(i.max()) if i.size else -1
        self.max_post = int(j.max()) if j.size else -1

    def __call__(self, pre_size, post_size):
        super().__call__(pre_size, post_size)
        self._check_ids()
        return self

    def _check_ids(self):
        if self.max_pre >= self.pre_num:
            raise ConnectorError(f'pre_num ({self.pre_num}) should be greater than the maximum id ({self.max_pre}) '
                                 f'of self.pre_ids.')
        if self.max_post >= self.post_num:
            raise ConnectorError(f'post_num ({self.post_num}) should be greater than the maximum id '
                                 f'({self.max_post}) of self.post_ids.')

    def build_coo(self):
        self._check_ids()
        return self.pre_ids, self.post_ids


class CSRConn(TwoEndConnector):
    """A connector of a CSR matrix (indices, inptr)."""

    def __init__(self, indices, inptr, **kwargs):
        super().__init__(**kwargs)
        self.indices = _np(indices).astype(IDX_DTYPE)
        self.inptr = _np(inptr).astype(IDX_DTYPE)
        self.pre_num = self.inptr.size - 1
        self.max_post = int(self.indices.max()) if self.indices.size else -1

    def build_csr(self):
        if self.pre_num != self.inptr.size - 1:
            raise ConnectorError('(pre_size, post_size) is inconsistent with the shape of the sparse matrix.')
        if self.post_num <= self.max_post:
            raise ConnectorError(f'post_num ({self.post_num}) should be greater than the maximum id '
                                 f'({self.max_post}) of self.post_ids.')
        return self.indices, self.inptr


class SparseMatConn(CSRConn):
    """A connector of a scipy.sparse.csr_matrix."""

    def __init__(self, csr_mat, **kwargs):
        try:
            from scipy.sparse import csr_matrix
        except ImportError:
            raise ConnectorError('Using SparseMatConn requires the scipy package. Please run "pip install scipy" '
                                 'to install scipy.') from None
        if not isinstance(csr_mat, csr_matrix):
            raise ConnectorError(f'csr_mat must be a scipy.sparse.csr_matrix, but we got {type(csr_mat)}.')
        self.csr_mat = csr_mat
        super().__init__(indices=csr_mat.indices, inptr=csr_mat.indptr, **kwargs)
        self.pre_num, self.post_num = csr_mat.shape
