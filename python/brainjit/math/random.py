"""bm.random: BrainPy's RandomState (a Variable holding a uint32[2] key) and its numpy-like draws, on the C core."""

import numpy as np

from .. import _core
from . import ndarray as _nd
from . import numpy_ops as _np_ops

# A draw is a pure function of a key (docs/ops.md section 14). A RandomState is a Variable holding the key;
# each draw first advances it as JAX's `key, sub = split(key)` does and draws from `sub`. Inside a trace that is
# _core.random_next (the C core records the Variable, so a jitted function draws new numbers on every call);
# outside it is the same split run eagerly by the C core, so a seed replays the same numbers whether the draws
# are jitted or not, on every backend.

__all__ = [
    'RandomState', 'Generator', 'DEFAULT', 'seed', 'default_rng', 'split_key', 'split_keys',
    'rand', 'randn', 'random', 'random_sample', 'ranf', 'sample', 'uniform', 'normal', 'standard_normal',
    'randint', 'random_integers', 'bernoulli', 'poisson', 'exponential', 'standard_exponential', 'lognormal',
    'choice', 'permutation', 'shuffle', 'rand_like', 'randn_like', 'randint_like',
]

_op = _core.op
_ArrayBase = _core.ArrayBase
_U32 = 3
_I32 = 1
_ROW0 = np.array(0, dtype=np.int32)
_ROW1 = np.array(1, dtype=np.int32)
_F32_TINY = float(np.finfo(np.float32).tiny)


def _size2shape(size):
    if size is None:
        return ()
    if isinstance(size, (tuple, list)):
        return tuple(_np_ops._static_int(s, 'size') for s in size)
    return (_np_ops._static_int(size, 'size'),)


def _pshape(*params):
    """The broadcast shape of the distribution parameters (None ones ignored), the default draw shape."""
    shapes = [_np_ops._shp(p) if isinstance(p, _ArrayBase) else np.shape(p) for p in params if p is not None]
    return tuple(np.broadcast_shapes(*shapes)) if shapes else ()


def _param(p):
    """A distribution parameter as an op operand (Python numbers stay weak literals)."""
    if p is None or isinstance(p, _ArrayBase) or type(p) in (bool, int, float):
        return p
    return _nd.asarray(p)


def _check_shape(name, shape, *params):
    pshape = _pshape(*params)
    if tuple(np.broadcast_shapes(shape, pshape)) != tuple(shape):
        raise ValueError(f'{name} parameter shapes must be broadcast-compatible with shape argument, and the '
                         f'result of broadcasting the shapes must equal the shape argument, but got result '
                         f'{tuple(np.broadcast_shapes(shape, pshape))} for shape argument {tuple(shape)}.')


def _formalize_key(key):
    if isinstance(key, (int, np.integer)):
        return _core.random_key(int(key))
    k = key if isinstance(key, _ArrayBase) else _nd.asarray(np.asarray(key))
    if k._v.dtype != _U32 or _np_ops.size(k) != 2:
        raise TypeError('key must be a int or an array with two uint32.')
    return _np_ops.reshape(k, (2,))


def _loc_scale(loc, scale, value):
    if scale is not None:
        value = _np_ops.multiply(value, _param(scale))
    if loc is not None:
        value = _np_ops.add(value, _param(loc))
    return value


class RandomState(_nd.Variable):
    """A random number generator whose state, a uint32[2] key, is a Variable (BrainPy's bm.random.RandomState).

    seed_or_key: an int seed, a uint32[2] key, or None for a random seed."""

    def __init__(self, seed_or_key=None, seed=None, ready_to_trace=True):
        if seed is not None:
            if seed_or_key is not None:
                raise ValueError('Please set "seed_or_key" or "seed", not both.')
            seed_or_key = seed
        super().__init__(self._key_array(seed_or_key))

    @staticmethod
    def _key_array(seed_or_key):
        if seed_or_key is None:
            seed_or_key = np.random.randint(0, 100000, 2, dtype=np.uint32)
        if isinstance(seed_or_key, (int, np.integer)):
            return np.asarray(_core.random_key(int(seed_or_key)))
        k = np.asarray(seed_or_key)
        if k.size != 2 or k.dtype != np.uint32:
            raise ValueError(f'key must be an array with dtype uint32. But we got {seed_or_key}')
        return k.reshape(2)

    def __repr__(self):
        return f'{type(self).__name__}(key={np.asarray(_core.var_value_nocopy(self._v)).tolist()})'

    # ------------------------------------------------------------ seed and keys

    def seed(self, seed_or_key=None, seed=None):
        """Sets a new seed (an int) or key (uint32[2])."""
        if seed is not None:
            if seed_or_key is not None:
                raise ValueError('Please set "seed_or_key" or "seed", not both.')
            seed_or_key = seed
        if isinstance(seed_or_key, (int, np.integer)) and not _core.tracing():
            _core.random_state_seed(self._v, int(seed_or_key))
        else:
            _core.var_write(self._v, _nd.asarray(self._key_array(seed_or_key)))

    def split_key(self):
        """Advances the state and returns a new key (JAX's `key, sub = split(key)`: the state becomes key 0)."""
        return self._next()

    def split_keys(self, n):
        """n new keys (uint32[n, 2]); the state becomes key 0 of an (n + 1)-way split."""
        n = _np_ops._static_int(n, 'n')
        cur = _core.var_read(self._v)
        keys = _op('random_split', [cur], {'n': n + 1})
        _core.var_write(self._v, _op('take', [keys, _ROW0], {'axis': 0}))
        return _np_ops._slice_axis(keys, 0, 1, n + 1)

    def clone(self):
        return type(self)(np.asarray(self.split_key()))

    def _next(self):
        if _core.tracing():
            return _nd._new(_core.random_next(self._v))
        cur = _core.var_read(self._v)
        keys = _op('random_split', [cur], {'n': 2})
        _core.var_write(self._v, _op('take', [keys, _ROW0], {'axis': 0}))
        return _op('take', [keys, _ROW1], {'axis': 0})

    def _key(self, key):
        return self._next() if key is None else _formalize_key(key)

    # ------------------------------------------------------------ draws

    def _uniform(self, key, shape, lo=None, hi=None, dtype=None):
        code = _np_ops._code(dtype, _np_ops._float_code())
        attrs = {'dtype': code, 'rank': len(shape), 'shape': tuple(shape)}
        ins = [self._key(key)] if lo is None else [self._key(key), _param(lo), _param(hi)]
        return _op('random_uniform', ins, attrs)

    def rand(self, *dn, key=None):
        return self._uniform(key, _size2shape(tuple(dn)))

    def random(self, size=None, key=None):
        return self._uniform(key, _size2shape(size))

    def random_sample(self, size=None, key=None):
        return self.random(size, key=key)

    ranf = random_sample
    sample = random_sample

    def uniform(self, low=0.0, high=1.0, size=None, key=None):
        shape = _pshape(low, high) if size is None else _size2shape(size)
        _check_shape('uniform', shape, low, high)
        if type(low) in (int, float) and type(high) in (int, float):
            if low == 0 and high == 1:
                return self._uniform(key, shape)
            if not low < high:
                raise ValueError(f'uniform: low ({low}) must be less than high ({high})')
            return self._uniform(key, shape, float(low), float(high))
        return self._uniform(key, shape, low, high)

    def _normal(self, key, shape, dtype=None):
        code = _np_ops._code(dtype, _np_ops._float_code())
        return _op('random_normal', [self._key(key)], {'dtype': code, 'rank': len(shape), 'shape': tuple(shape)})

    def randn(self, *dn, key=None):
        return self._normal(key, _size2shape(tuple(dn)))

    def standard_normal(self, size=None, key=None):
        return self._normal(key, _size2shape(size))

    def normal(self, loc=None, scale=None, size=None, key=None):
        shape = _pshape(loc, scale) if size is None else _size2shape(size)
        _check_shape('normal', shape, loc, scale)
        return _loc_scale(loc, scale, self._normal(key, shape))

    def lognormal(self, mean=None, sigma=None, size=None, key=None):
        shape = _pshape(mean, sigma) if size is None else _size2shape(size)
        _check_shape('lognormal', shape, mean, sigma)
        return _np_ops.exp(_loc_scale(mean, sigma, self._normal(key, shape)))

    def randint(self, low, high=None, size=None, dtype=int, key=None):
        if high is None:
            low, high = 0, low
        low, high = _param(low), _param(high)
        shape = _pshape(low, high) if size is None else _size2shape(size)
        _check_shape('randint', shape, low, high)
        if type(low) is int and type(high) is int and not low < high:
            raise ValueError(f'randint: low ({low}) must be less than high ({high})')
        code = _np_ops._code(_np_ops._int_code() if dtype is None else dtype)
        return _op('random_randint', [self._key(key), low, high],
                   {'dtype': code, 'rank': len(shape), 'shape': tuple(shape)})

    def random_integers(self, low, high=None, size=None, key=None):
        if high is None:
            low, high = 1, low
        high = high + 1 if type(high) is int else _np_ops.add(_param(high), 1)
        return self.randint(low, high, size, key=key)

    def bernoulli(self, p=0.5, size=None, key=None):
        if type(p) in (int, float) and not 0 <= p <= 1:
            raise ValueError(f'Parameter p should be within [0, 1], but we got {p}')
        p = _param(p)
        shape = _pshape(p) if size is None else _size2shape(size)
        _check_shape('bernoulli', shape, p)
        return _op('random_bernoulli', [self._key(key), p], {'rank': len(shape), 'shape': tuple(shape)})

    def poisson(self, lam=1.0, size=None, key=None, dtype=None):
        if type(lam) in (int, float) and not lam >= 0:
            raise ValueError(f'poisson: lam must be >= 0, got {lam}')
        lam = _param(lam)
        shape = _pshape(lam) if size is None else _size2shape(size)
        _check_shape('poisson', shape, lam)
        code = _np_ops._code(dtype, _np_ops._int_code())
        return _op('random_poisson', [self._key(key), lam], {'dtype': code, 'rank': len(shape), 'shape': tuple(shape)})

    def standard_exponential(self, size=None, key=None):
        # -log1p(-u) with u in [0, 1) (jax.random.exponential's transform): finite, >= 0.
        return _np_ops.negative(_np_ops.log1p(_np_ops.negative(self._uniform(key, _size2shape(size)))))

    def exponential(self, scale=None, size=None, key=None):
        """Exponential draws with mean `scale` (numpy's meaning). BrainPy 2.4 divides by scale, giving mean
        1 / scale, contrary to its numpy-compatible name and docstring: brainjit multiplies."""
        shape = _pshape(scale) if size is None else _size2shape(size)
        _check_shape('exponential', shape, scale)
        r = self.standard_exponential(shape, key=key)
        return r if scale is None else _np_ops.multiply(r, _param(scale))

    def _perm_indices(self, key, shape, axis):
        """argsort of random 32-bit words: a uniformly random permutation along axis (ties, 2^-32 per pair,
        keep index order)."""
        bits = _op('random_bits', [self._key(key)], {'rank': len(shape), 'shape': tuple(shape)})
        return _np_ops.argsort(bits, axis=axis)

    def permutation(self, x, axis=0, independent=False, key=None):
        """A permuted copy of x along axis (x an int: a permutation of arange(x), int32); independent=True
        permutes every slice along axis on its own."""
        if isinstance(x, (int, np.integer)):
            return self._perm_indices(key, (int(x),), 0)
        x = _np_ops._arr(x)
        shp = _np_ops._shp(x)
        if not shp:
            raise TypeError('x must be an integer or at least 1-dimensional')
        axis = _np_ops._norm_axis(axis, len(shp))
        if independent:
            return _np_ops.take_along_axis(x, self._perm_indices(key, shp, axis), axis)
        return _np_ops.take(x, self._perm_indices(key, (shp[axis],), 0), axis=axis)

    def shuffle(self, x, axis=0, key=None):
        """Permutes a bm.Array in place along axis (its value is replaced)."""
        if not isinstance(x, _nd.Array):
            raise TypeError('This numpy operator needs in-place updating, therefore inputs should be brainpy Array.')
        x.value = self.permutation(x, axis=axis, key=key)

    def choice(self, a, size=None, replace=True, p=None, key=None, axis=0):
        """Random samples of a (an int n: of arange(n)) along axis, with or without replacement, uniform or
        with probabilities p (cumulative search with replacement; Gumbel top-k without)."""
        if isinstance(a, (int, np.integer)):
            n, arr = int(a), None
        else:
            arr = _np_ops._arr(a)
            shp = _np_ops._shp(arr)
            if not shp:
                raise ValueError('a must be an integer or at least one-dimensional')
            axis = _np_ops._norm_axis(axis, len(shp))
            n = shp[axis]
        shape = _size2shape(size)
        k = 1
        for d in shape:
            k *= d
        if n <= 0 and k > 0:
            raise ValueError('a must be greater than 0 unless no samples are taken')
        if p is not None:
            p = _np_ops._arr(p)
            if _np_ops._shp(p) != (n,):
                raise ValueError('p must be None or match the shape of a')
        if replace:
            if p is None:
                idx = self.randint(0, n, shape, key=key)
            else:
                cdf = _np_ops.cumsum(p)
                total = _np_ops.take(cdf, np.array([n - 1], dtype=np.int32))
                u = self._uniform(key, shape + (1,))
                r = _np_ops.multiply(total, _np_ops.subtract(1.0, u))
                idx = _np_ops.sum(_np_ops.less(cdf, r), axis=-1, dtype=np.int32)
                idx = _np_ops.minimum(idx, n - 1)
        else:
            if k > n:
                raise ValueError('Cannot take a larger sample than population when replace=False')
            if p is None:
                order = self._perm_indices(key, (n,), 0)
            else:
                u = self._uniform(key, (n,), _F32_TINY, 1.0)
                g = _np_ops.subtract(_np_ops.log(_np_ops.negative(_np_ops.log(u))), _np_ops.log(p))
                order = _np_ops.argsort(g)
            idx = _np_ops.reshape(_np_ops._slice_axis(order, 0, 0, k), shape)
        if arr is None:
            return idx
        return _np_ops.take(arr, idx, axis=axis)

    # ------------------------------------------------------------ torch-like

    def rand_like(self, input, *, dtype=None, key=None):
        return self._uniform(key, _np_ops.shape(input), dtype=dtype)

    def randn_like(self, input, *, dtype=None, key=None):
        return self._normal(key, _np_ops.shape(input), dtype=dtype)

    def randint_like(self, input, low=0, high=None, *, dtype=None, key=None):
        if high is None:
            low, high = 0, low
        return self.randint(low, high, _np_ops.shape(input), dtype=dtype or _np_ops._int_code(), key=key)


Generator = RandomState

DEFAULT = RandomState(np.random.randint(0, 10000, size=2, dtype=np.uint32))


def seed(seed=None):
    """Seeds DEFAULT (and numpy's global generator, as BrainPy does); None picks a random seed."""
    if seed is None:
        seed = int(np.random.randint(0, 100000))
    np.random.seed(int(seed) & 0xFFFFFFFF)
    DEFAULT.seed(int(seed))


def default_rng(seed_or_key=None, clone=True):
    if seed_or_key is None:
        return DEFAULT.clone() if clone else DEFAULT
    return RandomState(seed_or_key)


def split_key():
    return DEFAULT.split_key()


def split_keys(n):
    return DEFAULT.split_keys(n)


def rand(*dn, key=None):
    return DEFAULT.rand(*dn, key=key)


def randn(*dn, key=None):
    return DEFAULT.randn(*dn, key=key)


def random(size=None, key=None):
    return DEFAULT.random(size, key=key)


def random_sample(size=None, key=None):
    return DEFAULT.random_sample(size, key=key)


ranf = random_sample
sample = random_sample


def uniform(low=0.0, high=1.0, size=None, key=None):
    return DEFAULT.uniform(low, high, size, key=key)


def normal(loc=None, scale=None, size=None, key=None):
    return DEFAULT.normal(loc, scale, size, key=key)


def standard_normal(size=None, key=None):
    return DEFAULT.standard_normal(size, key=key)


def lognormal(mean=None, sigma=None, size=None, key=None):
    return DEFAULT.lognormal(mean, sigma, size, key=key)


def randint(low, high=None, size=None, dtype=int, key=None):
    return DEFAULT.randint(low, high, size, dtype, key=key)


def random_integers(low, high=None, size=None, key=None):
    return DEFAULT.random_integers(low, high, size, key=key)


def bernoulli(p=0.5, size=None, key=None):
    return DEFAULT.bernoulli(p, size, key=key)


def poisson(lam=1.0, size=None, key=None, dtype=None):
    return DEFAULT.poisson(lam, size, key=key, dtype=dtype)


def exponential(scale=None, size=None, key=None):
    return DEFAULT.exponential(scale, size, key=key)


def standard_exponential(size=None, key=None):
    return DEFAULT.standard_exponential(size, key=key)


def choice(a, size=None, replace=True, p=None, key=None):
    return DEFAULT.choice(a, size, replace, p, key=key)


def permutation(x, axis=0, independent=False, key=None):
    return DEFAULT.permutation(x, axis=axis, independent=independent, key=key)


def shuffle(x, axis=0, key=None):
    DEFAULT.shuffle(x, axis, key=key)


def rand_like(input, *, dtype=None, key=None):
    return DEFAULT.rand_like(input, dtype=dtype, key=key)


def randn_like(input, *, dtype=None, key=None):
    return DEFAULT.randn_like(input, dtype=dtype, key=key)


def randint_like(input, low=0, high=None, *, dtype=None, key=None):
    return DEFAULT.randint_like(input, low, high, dtype=dtype, key=key)
