"""bm's numpy-like functions against numpy (the oracle), eagerly and inside bm.jit, with equal dtypes."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit.math as bm  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4)).astype(np.float32)
XP = (np.abs(X) + 0.1).astype(np.float32)           # positive
XU = RNG.uniform(-0.9, 0.9, size=(3, 4)).astype(np.float32)   # inside (-1, 1)
XI = RNG.integers(-5, 6, size=(3, 4)).astype(np.int32)
XB = X > 0


def canon(dt):
    """numpy's result dtype as JAX with x64 off gives it."""
    dt = np.dtype(dt)
    return {np.dtype('float64'): np.dtype('float32'), np.dtype('int64'): np.dtype('int32')}.get(dt, dt)


def run_both(f, *args):
    """f on bm Arrays eagerly and inside bm.jit; both results as numpy, with their dtypes."""
    bargs = [bm.asarray(a) for a in args]
    eager = f(*bargs)
    jitted = bm.jit(lambda *a: f(*a))(*bargs)
    return eager, jitted


def assert_same(out, ref, dtype=None, rtol=2e-6, atol=1e-6):
    ref = np.asarray(ref)
    got = np.asarray(out)
    want_dt = canon(ref.dtype) if dtype is None else np.dtype(dtype)
    assert got.dtype == want_dt, (got.dtype, want_dt)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    if got.dtype.kind in 'biu':
        np.testing.assert_array_equal(got, ref.astype(got.dtype))
    else:
        np.testing.assert_allclose(got, ref.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)


def check(f, ref_f, *args, dtype=None, rtol=2e-6, atol=1e-6, jit=True):
    ref = ref_f(*args)
    if jit:
        eager, jitted = run_both(f, *args)
        assert np.asarray(eager).dtype == np.asarray(jitted).dtype
        assert_same(jitted, ref, dtype, rtol, atol)
    else:
        eager = f(*[bm.asarray(a) for a in args])
    assert_same(eager, ref, dtype, rtol, atol)
    return eager


# ---------------------------------------------------------------- elementwise

UNARY = [
    ('exp', X), ('log', XP), ('log1p', XP), ('expm1', X), ('sqrt', XP), ('square', X), ('abs', X), ('sign', X),
    ('sin', X), ('cos', X), ('tan', XU), ('tanh', X), ('sinh', X), ('cosh', X), ('arctan', X), ('arcsin', XU),
    ('arccos', XU), ('floor', X * 3), ('ceil', X * 3), ('trunc', X * 3), ('negative', X), ('isnan', X),
    ('isinf', X), ('isfinite', X), ('logical_not', X), ('log2', XP), ('log10', XP), ('exp2', X),
    ('reciprocal', XP), ('rint', X * 3), ('abs', XI), ('sign', XI), ('square', XI), ('negative', XI),
    ('exp', XI), ('sqrt', np.abs(XI)), ('logical_not', XB),
]


@pytest.mark.parametrize('name,x', UNARY, ids=[f'{n}-{x.dtype}' for n, x in UNARY])
def test_unary(name, x):
    check(getattr(bm, name), getattr(np, name), x, rtol=1e-5, atol=1e-6)


BINARY = [
    ('add', X, XP), ('subtract', X, XP), ('multiply', X, XP), ('divide', X, XP), ('true_divide', X, XP),
    ('floor_divide', X * 4, XP), ('remainder', X * 4, XP), ('mod', X * 4, -XP), ('power', XP, X),
    ('maximum', X, XU), ('minimum', X, XU), ('equal', XI, XI[::-1]), ('not_equal', XI, XI[::-1]),
    ('less', X, XU), ('less_equal', X, XU), ('greater', X, XU), ('greater_equal', X, XU),
    ('logical_and', XB, X > 0.5), ('logical_or', XB, X > 0.5), ('logical_xor', XB, X > 0.5),
    ('add', XI, XI), ('multiply', XI, XI), ('floor_divide', XI, np.where(XI == 0, 3, XI).astype(np.int32)),
    ('remainder', XI, np.where(XI == 0, 3, XI).astype(np.int32)), ('maximum', XI, XI[::-1]),
    ('arctan2', X, XP), ('hypot', X, XU), ('add', X, XI), ('divide', XI, np.where(XI == 0, 3, XI).astype(np.int32)),
]


@pytest.mark.parametrize('name,a,b', BINARY, ids=[f'{n}-{a.dtype}-{b.dtype}' for n, a, b in BINARY])
def test_binary(name, a, b):
    check(getattr(bm, name), getattr(np, name), a, b, rtol=1e-5, atol=1e-6)


def test_binary_broadcast_and_scalars():
    check(lambda a, b: bm.add(a, b), np.add, X, X[0])
    out = bm.multiply(bm.asarray(X), 2)          # a Python scalar is weakly typed: float32 stays float32
    assert_same(out, X * 2)
    out = bm.add(bm.asarray(XI), 1)
    assert_same(out, XI + 1)
    out = bm.multiply(bm.asarray(XI), 0.5)        # weak float over int32: float32
    assert_same(out, XI * np.float32(0.5), dtype=np.float32)


def test_where_clip_round():
    check(lambda c, x, y: bm.where(c, x, y), np.where, XB, X, XU)
    check(lambda x: bm.where(x > 0, x, 0.), lambda x: np.where(x > 0, x, np.float32(0)), X)
    check(lambda x: bm.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), X)
    check(lambda x: bm.clip(x, None, 0.5), lambda x: np.minimum(x, np.float32(0.5)), X)
    check(lambda x: bm.clip(x, -0.5), lambda x: np.maximum(x, np.float32(-0.5)), X)
    halves = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49], np.float32)
    check(lambda x: bm.round(x), np.round, halves)             # ties to even, as numpy
    check(lambda x: bm.round(x, 2), lambda x: np.round(x, 2), X, rtol=1e-5)
    check(lambda x: bm.around(x), np.around, X * 5)
    assert_same(bm.round(bm.asarray(XI)), XI)
    with pytest.raises(NotImplementedError):
        bm.round(bm.asarray(XI), -1)


def test_exprel():
    x = np.array([-3., -1e-3, -1e-9, 0., 1e-9, 1e-4, 0.5, 2., 20.], np.float32)
    x64 = x.astype(np.float64)
    ref = np.where(np.abs(x64) < 1e-8, 1.0, np.expm1(x64) / np.where(x64 == 0, 1, x64))
    out = check(lambda v: bm.exprel(v), lambda v: ref.astype(np.float32), x, rtol=3e-4)
    assert np.asarray(out)[3] == 1.0
    assert np.all(np.isfinite(np.asarray(out)))
    # integers become the default float
    assert bm.exprel(bm.asarray(np.array([0, 1, 2], np.int32))).dtype == np.float32


def test_isclose_allclose():
    a = np.array([1.0, np.inf, -np.inf, np.nan, 1.0, 0.0], np.float32)
    b = np.array([1.0 + 1e-7, np.inf, np.inf, np.nan, 1.1, 1e-9], np.float32)
    check(lambda x, y: bm.isclose(x, y), np.isclose, a, b)
    check(lambda x, y: bm.isclose(x, y, equal_nan=True), lambda x, y: np.isclose(x, y, equal_nan=True), a, b)
    assert bool(bm.allclose(bm.asarray(X), bm.asarray(X + 1e-7)))
    assert not bool(bm.allclose(bm.asarray(X), bm.asarray(X + 1e-2)))
    r = bm.jit(lambda x, y: bm.allclose(x, y))(bm.asarray(X), bm.asarray(X))
    assert r.dtype == np.bool_ and r.shape == () and bool(r)
    assert bool(bm.allclose(bm.asarray(XI), bm.asarray(XI)))


# ---------------------------------------------------------------- reductions

@pytest.mark.parametrize('name', ['sum', 'prod', 'mean', 'max', 'min', 'amax', 'amin', 'any', 'all', 'std', 'var'])
@pytest.mark.parametrize('axis', [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize('keepdims', [False, True])
def test_reductions(name, axis, keepdims):
    x = XP if name == 'prod' else X
    check(lambda a: getattr(bm, name)(a, axis=axis, keepdims=keepdims),
          lambda a: getattr(np, name)(a, axis=axis, keepdims=keepdims), x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['sum', 'prod', 'mean', 'max', 'min', 'any', 'all', 'std', 'var'])
def test_reductions_int_bool(name):
    check(lambda a: getattr(bm, name)(a), lambda a: getattr(np, name)(a), XI, rtol=1e-5)
    check(lambda a: getattr(bm, name)(a, axis=0), lambda a: getattr(np, name)(a, axis=0), XB, rtol=1e-5,
          dtype={'max': np.bool_, 'min': np.bool_}.get(name))


def test_std_var_ddof():
    check(lambda a: bm.std(a, ddof=1), lambda a: np.std(a, ddof=1), X, rtol=1e-5)
    check(lambda a: bm.var(a, axis=0, ddof=1), lambda a: np.var(a, axis=0, ddof=1), X, rtol=1e-5)


@pytest.mark.parametrize('name', ['argmax', 'argmin'])
@pytest.mark.parametrize('axis', [None, 0, 1, -1])
def test_arg_reductions(name, axis):
    check(lambda a: getattr(bm, name)(a, axis=axis), lambda a: getattr(np, name)(a, axis=axis), X)
    check(lambda a: getattr(bm, name)(a, axis=axis, keepdims=True),
          lambda a: getattr(np, name)(a, axis=axis, keepdims=True), XI)


@pytest.mark.parametrize('axis', [None, 0, 1])
def test_cumsum(axis):
    check(lambda a: bm.cumsum(a, axis=axis), lambda a: np.cumsum(a, axis=axis), X, rtol=1e-5)
    check(lambda a: bm.cumsum(a, axis=axis), lambda a: np.cumsum(a, axis=axis), XI)
    check(lambda a: bm.cumprod(a, axis=axis), lambda a: np.cumprod(a, axis=axis), XP, rtol=1e-5)


def test_sum_dtype_where_initial():
    check(lambda a: bm.sum(a, dtype=np.float32), lambda a: np.sum(a, dtype=np.float32), XI)
    check(lambda a: bm.sum(a, axis=1, initial=10.), lambda a: np.sum(a, axis=1, initial=10.), X, rtol=1e-5)
    check(lambda a: bm.max(a, axis=0, initial=0.), lambda a: np.max(a, axis=0, initial=0.), X)


# ---------------------------------------------------------------- creation

def test_creation():
    assert_same(bm.zeros((2, 3)), np.zeros((2, 3), np.float32))
    assert_same(bm.zeros(4, dtype=bm.int32), np.zeros(4, np.int32))
    assert_same(bm.ones((2,)), np.ones(2, np.float32))
    assert_same(bm.ones(3, dtype=bool), np.ones(3, bool))
    assert_same(bm.empty((2, 2)), np.zeros((2, 2), np.float32))
    assert_same(bm.full((2, 3), 7), np.full((2, 3), 7, np.int32))
    assert_same(bm.full((2, 3), 1.5), np.full((2, 3), 1.5, np.float32))
    assert_same(bm.full((2,), True), np.full(2, True))
    assert_same(bm.full((2, 3), bm.asarray(np.arange(3, dtype=np.float32))), np.tile(np.arange(3.), (2, 1)),
                dtype=np.float32)
    assert_same(bm.zeros_like(bm.asarray(XI)), np.zeros_like(XI))
    assert_same(bm.ones_like(X), np.ones_like(X))
    assert_same(bm.ones_like(X, dtype=np.int32), np.ones_like(X, dtype=np.int32))
    assert_same(bm.full_like(X, 2.5), np.full_like(X, 2.5))
    assert_same(bm.arange(5), np.arange(5, dtype=np.int32))
    assert_same(bm.arange(1, 10, 3), np.arange(1, 10, 3, dtype=np.int32))
    assert_same(bm.arange(0, 1, 0.1), np.arange(0, 1, 0.1).astype(np.float32))
    assert_same(bm.arange(5, dtype=bm.float32), np.arange(5, dtype=np.float32))
    assert_same(bm.arange(5, 0, -1), np.arange(5, 0, -1, dtype=np.int32))
    assert_same(bm.eye(3), np.eye(3, dtype=np.float32))
    assert_same(bm.eye(3, 4, k=1, dtype=bm.int32), np.eye(3, 4, k=1, dtype=np.int32))
    assert_same(bm.identity(2), np.identity(2, np.float32))


def test_creation_inside_jit():
    f = bm.jit(lambda x: (bm.zeros(3) + x, bm.ones((2, 2), dtype=bm.int32), bm.arange(4), bm.eye(2),
                          bm.full((2,), 3.0), bm.linspace(0., 1., 5)))
    z, o, a, e, fu, ls = f(bm.asarray(np.float32(1)))
    assert_same(z, np.ones(3, np.float32))
    assert_same(o, np.ones((2, 2), np.int32))
    assert_same(a, np.arange(4, dtype=np.int32))
    assert_same(e, np.eye(2, dtype=np.float32))
    assert_same(fu, np.full(2, 3.0, np.float32))
    assert_same(ls, np.linspace(0, 1, 5).astype(np.float32))


@pytest.mark.parametrize('args', [(0., 1., 5), (0., 1., 5, False), (-3., 7., 11), (2., 2., 1), (0., 1., 0),
                                  (1., 10., 4, True, False, np.int32)])
def test_linspace(args):
    ref = np.linspace(*args)
    assert_same(bm.linspace(*args), ref if len(args) < 6 else ref, rtol=1e-6)


def test_linspace_retstep_arrays():
    out, step = bm.linspace(0., 2., 5, retstep=True)
    ref, rstep = np.linspace(0., 2., 5, retstep=True)
    assert_same(out, ref)
    np.testing.assert_allclose(float(step), rstep)
    s, t = np.array([0., 1.], np.float32), np.array([1., 3.], np.float32)
    assert_same(bm.linspace(s, t, 4), np.linspace(s, t, 4))
    assert_same(bm.linspace(s, t, 4, axis=1), np.linspace(s, t, 4, axis=1))


def test_diag():
    v = np.arange(1, 4, dtype=np.float32)
    for k in (0, 1, -2):
        check(lambda a: bm.diag(a, k), lambda a: np.diag(a, k), v)
    m = np.arange(12, dtype=np.int32).reshape(3, 4)
    for k in (0, 1, -1, 3, -3):
        check(lambda a: bm.diag(a, k), lambda a: np.diag(a, k), m)


# ---------------------------------------------------------------- shapes

def test_shape_ops():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    check(lambda x: bm.reshape(x, (4, 6)), lambda x: np.reshape(x, (4, 6)), a)
    check(lambda x: bm.reshape(x, (-1, 4)), lambda x: np.reshape(x, (-1, 4)), a)
    check(lambda x: bm.ravel(x), np.ravel, a)
    check(lambda x: bm.flatten(x), lambda x: x.flatten(), a)
    check(lambda x: bm.flatten(x, 1), lambda x: x.reshape(2, 12), a)
    check(lambda x: bm.flatten(x, 0, 1), lambda x: x.reshape(6, 4), a)
    check(lambda x: bm.expand_dims(x, 1), lambda x: np.expand_dims(x, 1), a)
    check(lambda x: bm.expand_dims(x, -1), lambda x: np.expand_dims(x, -1), a)
    check(lambda x: bm.expand_dims(x, (0, 2)), lambda x: np.expand_dims(x, (0, 2)), a)
    b = a.reshape(2, 1, 3, 1, 4)
    check(lambda x: bm.squeeze(x), np.squeeze, b)
    check(lambda x: bm.squeeze(x, 1), lambda x: np.squeeze(x, 1), b)
    check(lambda x: bm.squeeze(x, (1, 3)), lambda x: np.squeeze(x, (1, 3)), b)
    check(lambda x: bm.transpose(x), np.transpose, a)
    check(lambda x: bm.transpose(x, (1, 0, 2)), lambda x: np.transpose(x, (1, 0, 2)), a)
    check(lambda x: bm.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), a)
    check(lambda x: bm.moveaxis(x, [0, 1], [-1, 0]), lambda x: np.moveaxis(x, [0, 1], [-1, 0]), a)
    check(lambda x: bm.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), a)
    check(lambda x: bm.repeat(x, 2), lambda x: np.repeat(x, 2), a)
    check(lambda x: bm.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), a)
    check(lambda x: bm.repeat(x, [1, 0, 2], axis=1), lambda x: np.repeat(x, [1, 0, 2], axis=1), a)
    check(lambda x: bm.tile(x, 2), lambda x: np.tile(x, 2), a)
    check(lambda x: bm.tile(x, (2, 1, 1, 2)), lambda x: np.tile(x, (2, 1, 1, 2)), a)
    check(lambda x: bm.broadcast_to(x, (5, 2, 3, 4)), lambda x: np.broadcast_to(x, (5, 2, 3, 4)), a)
    check(lambda x: bm.flip(x, 1), lambda x: np.flip(x, 1), a)
    check(lambda x: bm.take(x, np.array([2, 0], np.int32), axis=1), lambda x: np.take(x, [2, 0], axis=1), a)
    assert bm.shape(bm.asarray(a)) == (2, 3, 4) and bm.ndim(a) == 3 and bm.size(bm.asarray(a)) == 24


def test_join_split():
    a, b = X, XU
    check(lambda x, y: bm.concatenate([x, y]), lambda x, y: np.concatenate([x, y]), a, b)
    check(lambda x, y: bm.concatenate((x, y), axis=1), lambda x, y: np.concatenate((x, y), axis=1), a, b)
    check(lambda x, y: bm.concatenate((x, y), axis=None), lambda x, y: np.concatenate((x, y), axis=None), a, b)
    check(lambda x, y: bm.concatenate([x, y]), lambda x, y: np.concatenate([x, y]).astype(np.float32), a, XI)
    check(lambda x, y: bm.stack([x, y]), lambda x, y: np.stack([x, y]), a, b)
    check(lambda x, y: bm.stack([x, y], axis=-1), lambda x, y: np.stack([x, y], axis=-1), a, b)
    check(lambda x, y: bm.hstack([x, y]), lambda x, y: np.hstack([x, y]), a, b)
    check(lambda x, y: bm.vstack([x, y]), lambda x, y: np.vstack([x, y]), a, b)
    v, w = np.arange(3, dtype=np.float32), np.arange(2, dtype=np.float32)
    check(lambda x, y: bm.hstack([x, y]), lambda x, y: np.hstack([x, y]), v, w)
    check(lambda x, y: bm.vstack([x, x]), lambda x, y: np.vstack([x, x]), v, w)
    c = np.arange(12, dtype=np.float32).reshape(6, 2)
    for spec in (3, [1, 4], [2, -1], [0, 10]):
        outs = bm.split(bm.asarray(c), spec)
        refs = np.split(c, spec)
        assert len(outs) == len(refs)
        for o, r in zip(outs, refs):
            assert_same(o, r)
    outs = bm.jit(lambda x: bm.split(x, 2, axis=1))(bm.asarray(c))
    for o, r in zip(outs, np.split(c, 2, axis=1)):
        assert_same(o, r)
    with pytest.raises(ValueError):
        bm.split(bm.asarray(c), 4)


# ---------------------------------------------------------------- linear algebra and sorting

def test_linalg():
    a = RNG.normal(size=(3, 4)).astype(np.float32)
    b = RNG.normal(size=(4, 5)).astype(np.float32)
    v = RNG.normal(size=4).astype(np.float32)
    check(lambda x, y: bm.dot(x, y), np.dot, a, b, rtol=1e-5)
    check(lambda x, y: bm.dot(x, y), np.dot, a, v, rtol=1e-5)
    check(lambda x, y: bm.matmul(x, y), np.matmul, a, b, rtol=1e-5)
    check(lambda x, y: bm.dot(x, y), np.dot, v, v, rtol=1e-5)
    check(lambda x, y: bm.outer(x, y), np.outer, v, v[:3])
    check(lambda x, y: bm.inner(x, y), np.inner, v, v, rtol=1e-5)
    check(lambda x, y: bm.inner(x, y), np.inner, a, a, rtol=1e-5)
    c = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    check(lambda x, y: bm.inner(x, y), np.inner, a, c, rtol=1e-5, atol=1e-5)
    check(lambda x, y: bm.matmul(x, y), np.matmul, XI, XI.T)


def _has_sort():
    try:
        bm.sort(bm.asarray(np.array([2., 1.], np.float32)))
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _has_sort(), reason='the C library has no sort op yet')
def test_sort_argsort():
    x = np.array([[3., np.nan, -1., 0., -0., 2.], [1., 1., -5., np.inf, -np.inf, 0.]], np.float32)
    for axis in (-1, 0, None):
        check(lambda a: bm.sort(a, axis=axis), lambda a: np.sort(a, axis=axis), x)
        check(lambda a: bm.argsort(a, axis=axis), lambda a: np.argsort(a, axis=axis, kind='stable'), x)
    check(lambda a: bm.sort(a), np.sort, XI)
    check(lambda a: bm.argsort(a), lambda a: np.argsort(a, kind='stable'), XI)
    assert bm.argsort(bm.asarray(X)).dtype == np.int32


# ---------------------------------------------------------------- activations and one_hot

def test_activations():
    x = np.array([-100., -3., -0.5, 0., 0.5, 3., 25., 100.], np.float32)
    check(lambda a: bm.relu(a), lambda a: np.maximum(a, 0), x)
    check(lambda a: bm.sigmoid(a), lambda a: 1 / (1 + np.exp(-a.astype(np.float64))), x, dtype=np.float32)
    check(lambda a: bm.softplus(a), lambda a: np.logaddexp(a.astype(np.float64), 0), x, dtype=np.float32,
          rtol=1e-5)
    check(lambda a: bm.softplus(a, beta=2.), lambda a: np.where(2 * a > 20, a, np.logaddexp(2. * a, 0) / 2),
          x, dtype=np.float32, rtol=1e-5)
    m = X

    def np_softmax(a, axis=-1):
        e_ = np.exp(a - a.max(axis, keepdims=True))
        return e_ / e_.sum(axis, keepdims=True)
    check(lambda a: bm.softmax(a), np_softmax, m, rtol=1e-5)
    check(lambda a: bm.softmax(a, axis=0), lambda a: np_softmax(a, 0), m, rtol=1e-5)
    check(lambda a: bm.relu(a), lambda a: np.maximum(a, 0), XI)


def test_one_hot():
    idx = np.array([0, 2, -1, 3, 1], np.int32)
    check(lambda a: bm.one_hot(a, 3), lambda a: (a[:, None] == np.arange(3)).astype(np.float32), idx)
    check(lambda a: bm.one_hot(a, 3, axis=0), lambda a: (a[None, :] == np.arange(3)[:, None]).astype(np.float32), idx)
    check(lambda a: bm.one_hot(a, 4, dtype=bm.int32), lambda a: (a[:, None] == np.arange(4)).astype(np.int32), idx)


def test_misc():
    check(lambda a, b: bm.logaddexp(a, b), np.logaddexp, X, XU, rtol=1e-5)
    check(lambda a: bm.heaviside(a, 0.5), lambda a: np.heaviside(a, np.float32(0.5)),
          np.array([-1., 0., 2.], np.float32))
    check(lambda a: bm.count_nonzero(a), np.count_nonzero, XI, dtype=np.int32)
    nz = bm.nonzero(bm.asarray(XI))
    for o, r in zip(nz, np.nonzero(XI)):
        assert_same(o, r.astype(np.int32))
    w = bm.where(bm.asarray(XB))
    for o, r in zip(w, np.where(XB)):
        assert_same(o, r.astype(np.int32))
    idx = np.argsort(X, axis=1).astype(np.int32)
    check(lambda a, i: bm.take_along_axis(a, i, 1), lambda a, i: np.take_along_axis(a, i, 1), X, idx)
    check(lambda a, i: bm.take_along_axis(a, i, 0), lambda a, i: np.take_along_axis(a, i, 0), X,
          np.argsort(X, axis=0).astype(np.int32))


def test_as_numpy():
    a = bm.asarray(X)
    n = bm.as_numpy(a)
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    np.testing.assert_array_equal(n, X)
    assert bm.as_numpy(a, dtype=np.float64).dtype == np.float64
    assert isinstance(bm.as_numpy([1, 2]), np.ndarray)


def test_numpy_inputs_are_canonicalised():
    out = bm.exp(np.zeros(3))                 # float64 numpy input, x64 off: float32
    assert out.dtype == np.float32
    out = bm.sum(np.arange(4, dtype=np.int64))
    assert out.dtype == np.int32 and int(out) == 6
    out = bm.add([1, 2], 1)
    assert out.dtype == np.int32


def test_errors_surface():
    with pytest.raises(Exception) as e:
        bm.add(bm.zeros(3), bm.zeros(4))
    assert 'shape' in str(e.value).lower() or '3' in str(e.value)
    with pytest.raises(ValueError):
        bm.sum(bm.zeros((2, 2)), axis=2)


def test_nested_jit_pipeline():
    """A composite chain gives the same numbers eagerly and jitted (one graph)."""
    def f(x):
        y = bm.softmax(bm.tanh(x) * 2, axis=1)
        return bm.std(y, axis=0) + bm.mean(bm.exprel(x)) - bm.max(bm.cumsum(x, axis=1))
    e, j = run_both(f, X)
    np.testing.assert_allclose(np.asarray(e), np.asarray(j), rtol=1e-6, atol=1e-6)
    assert e.dtype == j.dtype == np.float32


def test_x64_defaults():
    """With bm.enable_x64() the defaults are float64 / int64, as JAX's; the same inside jit."""
    with bm.environment(x64=True):
        assert bm.zeros(2).dtype == np.float64 and bm.arange(3).dtype == np.int64
        assert bm.linspace(0., 1., 3).dtype == np.float64
        xi = bm.asarray(np.arange(4, dtype=np.int32))
        # jax 0.10 with x64: sums of int32 accumulate in int64, cumsum keeps int32, mean/std of int32 stay float32
        # (to_inexact_dtype), rint gives the default float
        for f, want in ((bm.sum, np.int64), (bm.mean, np.float32), (bm.std, np.float32), (bm.cumsum, np.int32),
                        (bm.rint, np.float64)):
            assert f(xi).dtype == want
            assert bm.jit(lambda a: f(a))(xi).dtype == want
        assert bm.random.rand(2).dtype == np.float64 and bm.random.randint(5, size=2).dtype == np.int64
    assert bm.zeros(2).dtype == np.float32 and bm.arange(3).dtype == np.int32


def test_numpy_signatures():
    x = bm.asarray(X)
    # jnp's positional order: (a, axis, dtype, out, keepdims) and (a, axis, out, keepdims)
    assert bm.sum(x, 0, None, None, True).shape == (1, 4)
    assert bm.max(x, 1, None, True).shape == (3, 1)
    assert bm.std(x, None, None, None, 1).dtype == np.float32
    for f in (bm.sum, bm.mean, bm.max, bm.any, bm.argmax, bm.cumsum):
        with pytest.raises(NotImplementedError):
            f(x, out=np.zeros(4))
    with pytest.raises(ValueError):
        bm.take(x, np.array([0], np.int32), mode='bogus')


def test_shapes_must_be_concrete():
    with pytest.raises(bp_errors().ConcretizationTypeError):
        bm.jit(lambda n: bm.zeros(n))(3)
    with pytest.raises(bp_errors().ConcretizationTypeError):
        bm.jit(lambda n: bm.arange(n))(bm.asarray(np.int32(3)))
    with pytest.raises(TypeError):
        bm.jit(lambda c: bm.where(c))(bm.asarray(XB))
    assert bm.jit(lambda n: bm.zeros(n), static_argnums=0)(3).shape == (3,)


def bp_errors():
    import brainjit
    return brainjit.errors


def test_empty_arrays():
    e = np.zeros((0, 3), np.float32)
    check(lambda a: bm.sum(a, axis=0), lambda a: np.sum(a, axis=0), e)
    check(lambda a: bm.prod(a, axis=0), lambda a: np.prod(a, axis=0), e)
    check(lambda a: bm.cumsum(a, axis=0), lambda a: np.cumsum(a, axis=0), e)
    check(lambda a: bm.concatenate([a, a]), lambda a: np.concatenate([a, a]), e)
    check(lambda a: bm.exp(a), np.exp, e)


def test_float_power_promotes_to_float_as_jax():
    # jnp.float_power(jnp.arange(4), 2) -> float32 [0, 1, 4, 9] with x64 off
    r = bm.float_power(bm.arange(4), 2)
    assert r.dtype == np.float32 and np.array_equal(np.asarray(r), [0., 1., 4., 9.])
    r = bm.float_power(bm.array([2., 3.]), 0.5)
    np.testing.assert_allclose(np.asarray(r), np.sqrt([2., 3.]), rtol=1e-6)


def test_fill_underscore_is_brainpys_in_place_fill():
    v = bm.Variable(bm.zeros(3))
    v.fill_(2.)
    assert np.array_equal(np.asarray(v), [2., 2., 2.])
