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
    'choice', 'permutation', 'shuffle', 'rand_like', 'randn_like', 'randint_like', 'clone_rng', 'get_key', 'set_key',
    'laplace', 'logistic', 'gumbel', 'standard_cauchy', 'rayleigh', 'maxwell', 'geometric', 'categorical',
    'standard_gamma', 'gamma', 'beta', 'chisquare', 'standard_t', 't', 'dirichlet',
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


def _is_dtype_like(x):
    if isinstance(x, (str, np.dtype)) or (isinstance(x, type) and not issubclass(x, (_ArrayBase, np.ndarray))):
        return True
    return hasattr(x, 'dtype') and not hasattr(x, 'shape') and not isinstance(x, (int, np.integer))


def _key_dtype(key, dtype):
    """(key, dtype) of a draw called positionally as BrainPy 2.8 (size, key, dtype) or numpy (size, dtype)."""
    if dtype is None and key is not None and _is_dtype_like(key):
        return None, key
    return key, dtype


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
        # BrainPy 2.6's form: RandomState(key=([0, 5], dtype=uint32)); str() is the same
        key = repr(np.asarray(_core.var_value_nocopy(self._v)))
        return f'{type(self).__name__}(key={key[len("array"):]})'

    __str__ = __repr__

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

    def split_key(self, n=None, backup=False):
        """Advances the state and returns a new key (JAX's `key, sub = split(key)`: the state becomes key 0);
        with n, n new keys (uint32[n, 2]) as split_keys(n). `backup` is accepted for BrainPy scripts."""
        if n is not None:
            return self.split_keys(n)
        return self._next()

    def split_keys(self, n, backup=False):
        """n new keys (uint32[n, 2]); the state becomes key 0 of an (n + 1)-way split."""
        n = _np_ops._static_int(n, 'n')
        cur = _core.var_read(self._v)
        keys = _op('random_split', [cur], {'n': n + 1})
        _core.var_write(self._v, _op('take', [keys, _ROW0], {'axis': 0}))
        return _np_ops._slice_axis(keys, 0, 1, n + 1)

    def clone(self):
        return type(self)(np.asarray(self.split_key()))

    def set_key(self, key):
        """Replaces the state by a uint32[2] key."""
        self.seed(key)

    def get_key(self):
        return self.value

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

    def rand(self, *dn, key=None, dtype=None):
        return self._uniform(key, _size2shape(tuple(dn)), dtype=dtype)

    def random(self, size=None, key=None, dtype=None):
        return self._uniform(key, _size2shape(size), dtype=dtype)

    def random_sample(self, size=None, key=None, dtype=None):
        return self.random(size, key=key, dtype=dtype)

    ranf = random_sample
    sample = random_sample

    def uniform(self, low=0.0, high=1.0, size=None, key=None, dtype=None):
        shape = _pshape(low, high) if size is None else _size2shape(size)
        _check_shape('uniform', shape, low, high)
        if type(low) in (int, float) and type(high) in (int, float):
            if low == 0 and high == 1:
                return self._uniform(key, shape, dtype=dtype)
            if not low < high:
                raise ValueError(f'uniform: low ({low}) must be less than high ({high})')
            return self._uniform(key, shape, float(low), float(high), dtype=dtype)
        return self._uniform(key, shape, low, high, dtype=dtype)

    def _normal(self, key, shape, dtype=None):
        code = _np_ops._code(dtype, _np_ops._float_code())
        return _op('random_normal', [self._key(key)], {'dtype': code, 'rank': len(shape), 'shape': tuple(shape)})

    def randn(self, *dn, key=None, dtype=None):
        return self._normal(key, _size2shape(tuple(dn)), dtype=dtype)

    def standard_normal(self, size=None, key=None, dtype=None):
        return self._normal(key, _size2shape(size), dtype=dtype)

    def normal(self, loc=None, scale=None, size=None, key=None, dtype=None):
        shape = _pshape(loc, scale) if size is None else _size2shape(size)
        _check_shape('normal', shape, loc, scale)
        return _loc_scale(loc, scale, self._normal(key, shape, dtype=dtype))

    def lognormal(self, mean=None, sigma=None, size=None, key=None, dtype=None):
        shape = _pshape(mean, sigma) if size is None else _size2shape(size)
        _check_shape('lognormal', shape, mean, sigma)
        return _np_ops.exp(_loc_scale(mean, sigma, self._normal(key, shape, dtype=dtype)))

    def randint(self, low, high=None, size=None, key=None, dtype=None):
        """Integers in [low, high) (BrainPy 2.8's order: size, key, dtype; a dtype given in the key's place, numpy's
        and BrainPy 2.6's order, is taken as the dtype)."""
        key, dtype = _key_dtype(key, dtype)
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

    def random_integers(self, low, high=None, size=None, key=None, dtype=None):
        if high is None:
            low, high = 1, low
        high = high + 1 if type(high) is int else _np_ops.add(_param(high), 1)
        return self.randint(low, high, size, key=key, dtype=dtype)

    def bernoulli(self, p=0.5, size=None, key=None, check_valid=True):
        if check_valid and type(p) in (int, float) and not 0 <= p <= 1:
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

    def standard_exponential(self, size=None, key=None, dtype=None):
        # -log1p(-u) with u in [0, 1) (jax.random.exponential's transform): finite, >= 0.
        u = self._uniform(key, _size2shape(size), dtype=dtype)
        return _np_ops.negative(_np_ops.log1p(_np_ops.negative(u)))

    def exponential(self, scale=None, size=None, key=None, dtype=None):
        """Exponential draws with mean `scale` (numpy's meaning). BrainPy 2.4 divides by scale, giving mean
        1 / scale, contrary to its numpy-compatible name and docstring: brainjit multiplies."""
        shape = _pshape(scale) if size is None else _size2shape(size)
        _check_shape('exponential', shape, scale)
        r = self.standard_exponential(shape, key=key, dtype=dtype)
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
        """Permutes a bm.Array in place along axis (its value is replaced, as BrainPy 2.6) and returns it (as
        BrainPy 2.8, whose shuffle returns the shuffled array)."""
        if not isinstance(x, _nd.Array):
            raise TypeError('This numpy operator needs in-place updating, therefore inputs should be brainpy Array.')
        x.value = self.permutation(x, axis=axis, key=key)
        return x

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

    # ------------------------------------------------------------ transforms of uniform / normal draws (JAX's)

    def _open_uniform(self, key, shape, dtype=None):
        """Uniform in (0, 1): tiny .. 1, so logarithms stay finite."""
        code = _np_ops._code(dtype, _np_ops._float_code())
        tiny = float(np.finfo(_np_ops._np_dtype(code)).tiny)
        return self._uniform(key, shape, tiny, 1.0, dtype=dtype)

    def laplace(self, loc=None, scale=None, size=None, key=None, dtype=None):
        shape = _pshape(loc, scale) if size is None else _size2shape(size)
        _check_shape('laplace', shape, loc, scale)
        code = _np_ops._code(dtype, _np_ops._float_code())
        epsneg = float(np.finfo(_np_ops._np_dtype(code)).epsneg)
        u = self._uniform(key, shape, -1.0 + epsneg, 1.0, dtype=dtype)
        r = _np_ops.multiply(_np_ops.sign(u), _np_ops.log1p(_np_ops.negative(_np_ops.abs(u))))
        return _loc_scale(loc, scale, r)

    def logistic(self, loc=None, scale=None, size=None, key=None, dtype=None):
        shape = _pshape(loc, scale) if size is None else _size2shape(size)
        _check_shape('logistic', shape, loc, scale)
        u = self._open_uniform(key, shape, dtype)
        return _loc_scale(loc, scale, _np_ops.subtract(_np_ops.log(u), _np_ops.log1p(_np_ops.negative(u))))

    def gumbel(self, loc=None, scale=None, size=None, key=None, dtype=None):
        shape = _pshape(loc, scale) if size is None else _size2shape(size)
        _check_shape('gumbel', shape, loc, scale)
        u = self._open_uniform(key, shape, dtype)
        return _loc_scale(loc, scale, _np_ops.negative(_np_ops.log(_np_ops.negative(_np_ops.log(u)))))

    def standard_cauchy(self, size=None, key=None, dtype=None):
        u = self._open_uniform(key, _size2shape(size), dtype)
        return _np_ops.tan(_np_ops.multiply(np.pi, _np_ops.subtract(u, 0.5)))

    def rayleigh(self, scale=1.0, size=None, key=None, dtype=None):
        shape = _pshape(scale) if size is None else _size2shape(size)
        _check_shape('rayleigh', shape, scale)
        u = self._open_uniform(key, shape, dtype)
        return _np_ops.multiply(_np_ops.sqrt(_np_ops.multiply(-2.0, _np_ops.log(u))), _param(scale))

    def maxwell(self, size=None, key=None, dtype=None):
        shape = _size2shape(size)
        z = self._normal(key, shape + (3,), dtype=dtype)
        return _np_ops.sqrt(_np_ops.sum(_np_ops.square(z), axis=-1))

    def geometric(self, p, size=None, key=None, dtype=None):
        """Number of Bernoulli(p) trials up to and including the first success (>= 1; int32)."""
        p = _param(p)
        shape = _pshape(p) if size is None else _size2shape(size)
        _check_shape('geometric', shape, p)
        u = self._open_uniform(key, shape)
        r = _np_ops.floor(_np_ops.divide(_np_ops.log(u), _np_ops.log1p(_np_ops.negative(p))))
        code = _np_ops._code(dtype, _np_ops._int_code())
        return _np_ops._astype(_np_ops.add(r, 1.0), code)

    def _keys(self, key, n):
        """n independent keys from one draw of the state (or from the given key)."""
        keys = _op('random_split', [self._key(key)], {'n': n})
        return [_op('take', [keys, np.array(i, dtype=np.int32)], {'axis': 0}) for i in range(n)]

    def _standard_gamma(self, key, a, shape, dtype=None):
        """Gamma(a, 1) draws: Marsaglia and Tsang's method (shape a + 1 and a U^(1/a) boost below 1), vectorized
        over 8 rounds of candidates (each accepted with probability > 0.95; if none is, the mode d is used, a
        chance below 1e-10 per draw)."""
        code = _np_ops._code(dtype, _np_ops._float_code())
        a = _np_ops.broadcast_to(_np_ops._astype(_np_ops._arr(_param(a)), code), shape)
        small = _np_ops.less(a, 1.0)
        d = _np_ops.subtract(_np_ops.where(small, _np_ops.add(a, 1.0), a), 1.0 / 3.0)
        c = _np_ops.divide(1.0, _np_ops.sqrt(_np_ops.multiply(9.0, d)))
        k_norm, k_unif, k_boost = self._keys(key, 3)
        rounds = (8,) + tuple(shape)
        attrs = {'dtype': code, 'rank': len(rounds), 'shape': rounds}
        x = _op('random_normal', [k_norm], attrs)
        u = _op('random_uniform', [k_unif], attrs)
        v = _np_ops.power(_np_ops.add(1.0, _np_ops.multiply(c, x)), 3)
        with np.errstate(all='ignore'):
            rhs = _np_ops.add(_np_ops.multiply(0.5, _np_ops.square(x)),
                              _np_ops.multiply(d, _np_ops.add(_np_ops.subtract(1.0, v), _np_ops.log(v))))
        accept = _np_ops.logical_and(_np_ops.greater(v, 0.0), _np_ops.less(_np_ops.log(u), rhs))
        first = _np_ops.expand_dims(_np_ops.argmax(accept, axis=0), 0)
        val = _np_ops.take_along_axis(_np_ops.multiply(d, v), first, axis=0)
        val = _np_ops.where(_np_ops.any(accept, axis=0), _np_ops.reshape(val, shape), d)
        ub = self._open_uniform(k_boost, tuple(shape), dtype)
        return _np_ops.where(small, _np_ops.multiply(val, _np_ops.power(ub, _np_ops.divide(1.0, a))), val)

    def standard_gamma(self, shape, size=None, key=None, dtype=None):
        sz = _pshape(shape) if size is None else _size2shape(size)
        _check_shape('standard_gamma', sz, shape)
        return self._standard_gamma(key, shape, sz, dtype)

    def gamma(self, shape, scale=None, size=None, key=None, dtype=None):
        sz = _pshape(shape, scale) if size is None else _size2shape(size)
        _check_shape('gamma', sz, shape, scale)
        r = self._standard_gamma(key, shape, sz, dtype)
        return r if scale is None else _np_ops.multiply(r, _param(scale))

    def beta(self, a, b, size=None, key=None, dtype=None):
        """Beta(a, b) draws: X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b)."""
        sz = _pshape(a, b) if size is None else _size2shape(size)
        _check_shape('beta', sz, a, b)
        ka, kb = self._keys(key, 2)
        x = self._standard_gamma(ka, a, sz, dtype)
        y = self._standard_gamma(kb, b, sz, dtype)
        return _np_ops.divide(x, _np_ops.add(x, y))

    def chisquare(self, df, size=None, key=None, dtype=None, check_valid=True):
        sz = _pshape(df) if size is None else _size2shape(size)
        _check_shape('chisquare', sz, df)
        return _np_ops.multiply(2.0, self._standard_gamma(key, _np_ops.divide(_param(df), 2.0), sz, dtype))

    def standard_t(self, df, size=None, key=None, dtype=None):
        sz = _pshape(df) if size is None else _size2shape(size)
        _check_shape('standard_t', sz, df)
        kn, kg = self._keys(key, 2)
        z = self._normal(kn, sz, dtype=dtype)
        g = self._standard_gamma(kg, _np_ops.divide(_param(df), 2.0), sz, dtype)
        return _np_ops.divide(z, _np_ops.sqrt(_np_ops.divide(g, _np_ops.divide(_param(df), 2.0))))

    t = standard_t

    def dirichlet(self, alpha, size=None, key=None, dtype=None):
        alpha = _np_ops._arr(alpha)
        ashape = _np_ops._shp(alpha)
        if len(ashape) < 1:
            raise ValueError('dirichlet: alpha must be at least 1-dimensional')
        sz = (ashape[:-1] if size is None else _size2shape(size)) + ashape[-1:]
        g = self._standard_gamma(key, alpha, sz, dtype)
        return _np_ops.divide(g, _np_ops.sum(g, axis=-1, keepdims=True))

    def categorical(self, logits, axis=-1, size=None, key=None):
        """Indices drawn with probabilities softmax(logits) along axis (the Gumbel-max trick, as JAX's)."""
        logits = _np_ops._arr(logits)
        lshape = _np_ops._shp(logits)
        axis = _np_ops._norm_axis(axis, len(lshape))
        bshape = lshape[:axis] + lshape[axis + 1:]
        shape = bshape if size is None else _size2shape(size)
        if tuple(np.broadcast_shapes(shape, bshape)) != tuple(shape):
            raise ValueError(f'Shape {shape} is not compatible with the logits shape {lshape} (axis {axis}).')
        full = shape[:len(shape) - len(bshape)] + lshape
        g = self.gumbel(size=full, key=key)
        lg = _np_ops.add(g, logits)
        return _np_ops.argmax(lg, axis=axis + len(shape) - len(bshape))

    def randn_like(self, input, *, dtype=None, key=None):
        return self._normal(key, _np_ops.shape(input), dtype=dtype)

    def randint_like(self, input, low=0, high=None, *, dtype=None, key=None):
        if high is None:
            low, high = 0, low
        return self.randint(low, high, _np_ops.shape(input), dtype=dtype or _np_ops._int_code(), key=key)


Generator = RandomState

DEFAULT = RandomState(np.random.randint(0, 10000, size=2, dtype=np.uint32))


def seed(seed_or_key=None, seed=None):
    """Seeds DEFAULT with an int (also numpy's global generator, as BrainPy does) or sets its uint32[2] key; None
    picks a random seed. (BrainPy 2.8 names the argument seed_or_key, 2.6 seed: both are accepted.)"""
    if seed is not None:
        if seed_or_key is not None:
            raise ValueError('Please set "seed_or_key" or "seed", not both.')
        seed_or_key = seed
    if seed_or_key is None:
        seed_or_key = int(np.random.randint(0, 100000))
    if isinstance(seed_or_key, (int, np.integer)):
        np.random.seed(int(seed_or_key) & 0xFFFFFFFF)
        DEFAULT.seed(int(seed_or_key))
    else:
        DEFAULT.seed(seed_or_key)


def default_rng(seed_or_key=None, clone=True):
    if seed_or_key is None:
        return DEFAULT.clone() if clone else DEFAULT
    return RandomState(seed_or_key)


def clone_rng(seed_or_key=None, clone=True):
    """A new RandomState: DEFAULT's clone (seed_or_key None), or seeded with seed_or_key."""
    return default_rng(seed_or_key, clone)


def get_key():
    """DEFAULT's current key (uint32[2])."""
    return DEFAULT.value


def set_key(seed_or_key):
    """Sets DEFAULT's key (or seeds it with an int)."""
    DEFAULT.seed(seed_or_key)


def split_key(n=None, backup=False):
    return DEFAULT.split_key(n, backup)


def split_keys(n, backup=False):
    return DEFAULT.split_keys(n, backup)


def rand(*dn, key=None, dtype=None):
    return DEFAULT.rand(*dn, key=key, dtype=dtype)


def randn(*dn, key=None, dtype=None):
    return DEFAULT.randn(*dn, key=key, dtype=dtype)


def random(size=None, key=None, dtype=None):
    return DEFAULT.random(size, key=key, dtype=dtype)


def random_sample(size=None, key=None, dtype=None):
    return DEFAULT.random_sample(size, key=key, dtype=dtype)


ranf = random_sample
sample = random_sample


def uniform(low=0.0, high=1.0, size=None, key=None, dtype=None):
    return DEFAULT.uniform(low, high, size, key=key, dtype=dtype)


def normal(loc=None, scale=None, size=None, key=None, dtype=None):
    return DEFAULT.normal(loc, scale, size, key=key, dtype=dtype)


def standard_normal(size=None, key=None, dtype=None):
    return DEFAULT.standard_normal(size, key=key, dtype=dtype)


def lognormal(mean=None, sigma=None, size=None, key=None, dtype=None):
    return DEFAULT.lognormal(mean, sigma, size, key=key, dtype=dtype)


def randint(low, high=None, size=None, key=None, dtype=None):
    return DEFAULT.randint(low, high, size, key, dtype)


def random_integers(low, high=None, size=None, key=None, dtype=None):
    return DEFAULT.random_integers(low, high, size, key=key, dtype=dtype)


def bernoulli(p=0.5, size=None, key=None, check_valid=True):
    return DEFAULT.bernoulli(p, size, key=key, check_valid=check_valid)


def poisson(lam=1.0, size=None, key=None, dtype=None):
    return DEFAULT.poisson(lam, size, key=key, dtype=dtype)


def exponential(scale=None, size=None, key=None, dtype=None):
    return DEFAULT.exponential(scale, size, key=key, dtype=dtype)


def standard_exponential(size=None, key=None, dtype=None):
    return DEFAULT.standard_exponential(size, key=key, dtype=dtype)


def choice(a, size=None, replace=True, p=None, key=None):
    return DEFAULT.choice(a, size, replace, p, key=key)


def permutation(x, axis=0, independent=False, key=None):
    return DEFAULT.permutation(x, axis=axis, independent=independent, key=key)


def shuffle(x, axis=0, key=None):
    return DEFAULT.shuffle(x, axis, key=key)


def rand_like(input, *, dtype=None, key=None):
    return DEFAULT.rand_like(input, dtype=dtype, key=key)


def randn_like(input, *, dtype=None, key=None):
    return DEFAULT.randn_like(input, dtype=dtype, key=key)


def randint_like(input, low=0, high=None, *, dtype=None, key=None):
    return DEFAULT.randint_like(input, low, high, dtype=dtype, key=key)


def laplace(loc=None, scale=None, size=None, key=None, dtype=None):
    return DEFAULT.laplace(loc, scale, size, key=key, dtype=dtype)


def logistic(loc=None, scale=None, size=None, key=None, dtype=None):
    return DEFAULT.logistic(loc, scale, size, key=key, dtype=dtype)


def gumbel(loc=None, scale=None, size=None, key=None, dtype=None):
    return DEFAULT.gumbel(loc, scale, size, key=key, dtype=dtype)


def standard_cauchy(size=None, key=None, dtype=None):
    return DEFAULT.standard_cauchy(size, key=key, dtype=dtype)


def rayleigh(scale=1.0, size=None, key=None, dtype=None):
    return DEFAULT.rayleigh(scale, size, key=key, dtype=dtype)


def maxwell(size=None, key=None, dtype=None):
    return DEFAULT.maxwell(size, key=key, dtype=dtype)


def geometric(p, size=None, key=None, dtype=None):
    return DEFAULT.geometric(p, size, key=key, dtype=dtype)


def categorical(logits, axis=-1, size=None, key=None):
    return DEFAULT.categorical(logits, axis, size, key=key)


def standard_gamma(shape, size=None, key=None, dtype=None):
    return DEFAULT.standard_gamma(shape, size, key=key, dtype=dtype)


def gamma(shape, scale=None, size=None, key=None, dtype=None):
    return DEFAULT.gamma(shape, scale, size, key=key, dtype=dtype)


def beta(a, b, size=None, key=None, dtype=None):
    return DEFAULT.beta(a, b, size, key=key, dtype=dtype)


def chisquare(df, size=None, key=None, dtype=None, check_valid=True):
    return DEFAULT.chisquare(df, size, key=key, dtype=dtype)


def standard_t(df, size=None, key=None, dtype=None):
    return DEFAULT.standard_t(df, size, key=key, dtype=dtype)


def t(df, size=None, key=None, dtype=None):
    return DEFAULT.standard_t(df, size, key=key, dtype=dtype)


def dirichlet(alpha, size=None, key=None, dtype=None):
    return DEFAULT.dirichlet(alpha, size, key=key, dtype=dtype)
