"""bm.Array: creation and default dtypes, operators, indexing, printing, numpy interop, methods, environment."""

import operator
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402


def np_of(x):
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------------- creation
def test_default_dtypes_follow_brainpy_without_x64():
    assert bm.array([1., 2.]).dtype == np.float32
    assert bm.asarray([1, 2]).dtype == np.int32
    assert bm.asarray(np.arange(3, dtype=np.float64)).dtype == np.float32
    assert bm.asarray(np.arange(3, dtype=np.int64)).dtype == np.int32
    assert bm.asarray(np.array([True, False])).dtype == np.bool_
    assert bm.asarray(1.5).dtype == np.float32 and bm.asarray(1.5).shape == ()
    assert bm.asarray(3).dtype == np.int32
    assert bm.asarray(True).dtype == np.bool_
    assert bm.asarray([1, 2], dtype=bm.float32).dtype == np.float32
    assert isinstance(bm.asarray([1., 2.]).dtype, np.dtype)


def test_enable_x64_keeps_64_bit_types():
    bm.enable_x64()
    try:
        assert bm.asarray([1., 2.]).dtype == np.float64
        assert bm.asarray(np.arange(3)).dtype == np.int64
        assert bm.get_float() == np.float64 and bm.float_ == np.float64
    finally:
        bm.disable_x64()
    assert bm.asarray([1., 2.]).dtype == np.float32
    assert bm.get_int() == np.int32


def test_asarray_shares_numpy_memory_and_array_copies():
    x = np.arange(6, dtype=np.float32)
    a = bm.asarray(x)
    assert np.shares_memory(np.asarray(a), x)
    b = bm.array(x)
    assert not np.shares_memory(np.asarray(b), x)
    x[0] = 100.
    assert float(b[0]) == 0.


def test_array_class_and_aliases():
    a = bm.Array([1., 2.])
    assert isinstance(a, bm.Array) and bm.ndarray is bm.Array and bp.math.Array is bm.Array
    assert a.dtype == np.float32
    assert bm.Array(a, dtype=bm.int32).dtype == np.int32


def test_attributes():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a = bm.asarray(x)
    assert a.shape == (2, 3, 4) and a.ndim == 3 and a.size == 24 and len(a) == 2
    assert a.dtype == np.float32
    np.testing.assert_array_equal(np_of(a.T), x.T)
    assert a.value is a
    rows = [np_of(r) for r in a]
    assert len(rows) == 2
    np.testing.assert_array_equal(rows[1], x[1])
    with pytest.raises(TypeError):
        len(bm.asarray(1.))
    with pytest.raises(TypeError):
        iter(bm.asarray(1.)).__next__()


def test_scalar_conversions():
    assert float(bm.asarray(2.5)) == 2.5
    assert int(bm.asarray(7)) == 7
    assert bool(bm.asarray(0)) is False
    assert operator.index(bm.asarray(3)) == 3
    assert bm.asarray([1, 2]).tolist() == [1, 2]
    assert bm.asarray([[1., 2.]]).item(1) == 2.
    with pytest.raises(ValueError):
        bool(bm.asarray([1, 2]))


# ---------------------------------------------------------------------------------------------------- operators
XF = np.array([[1.5, -2., 3.], [0.25, 4., -1.]], dtype=np.float32)
YF = np.array([[2., 0.5, -3.], [1., -2., 8.]], dtype=np.float32)
XI = np.array([[7, -3, 12], [5, 9, -8]], dtype=np.int32)
YI = np.array([[2, 5, 3], [1, 4, 3]], dtype=np.int32)

BIN = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod, operator.pow,
       operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
BITS = [operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift]


@pytest.mark.parametrize('f', BIN, ids=lambda f: f.__name__)
def test_binary_operators_float(f):
    x, y = (np.abs(XF) + 0.5, YF) if f is operator.pow else (XF, YF)
    r = f(bm.asarray(x), bm.asarray(y))
    want = f(x, y)
    assert isinstance(r, bm.Array)
    assert r.dtype == want.dtype
    np.testing.assert_allclose(np_of(r), want, rtol=1e-5)


@pytest.mark.parametrize('f', [operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod] + BITS,
                         ids=lambda f: f.__name__)
def test_binary_operators_int(f):
    r = f(bm.asarray(XI), bm.asarray(YI))
    want = f(XI, YI)
    assert r.dtype == np.int32
    np.testing.assert_array_equal(np_of(r), want)


@pytest.mark.parametrize('f', BIN[:7], ids=lambda f: f.__name__)
def test_reflected_operators_with_python_scalars_and_numpy(f):
    x = np.abs(XF) + 0.5
    a = bm.asarray(x)
    r = f(2.0, a)
    assert isinstance(r, bm.Array) and r.dtype == np.float32  # a Python float is weakly typed
    np.testing.assert_allclose(np_of(r), f(np.float32(2.0), x), rtol=1e-5)
    y = np.abs(YF) + 0.5
    r2 = f(y, a)  # numpy on the left hands over to bm.Array
    assert isinstance(r2, bm.Array)
    np.testing.assert_allclose(np_of(r2), f(y, x), rtol=1e-5)


def test_matmul_and_unary():
    a, b = bm.asarray(XF), bm.asarray(YF.T.copy())
    np.testing.assert_allclose(np_of(a @ b), XF @ YF.T, rtol=1e-5)
    np.testing.assert_allclose(np_of(XF @ b), XF @ YF.T, rtol=1e-5)
    np.testing.assert_array_equal(np_of(-a), -XF)
    np.testing.assert_array_equal(np_of(+a), XF)
    np.testing.assert_array_equal(np_of(abs(a)), np.abs(XF))
    np.testing.assert_array_equal(np_of(~bm.asarray(XI)), ~XI)
    np.testing.assert_array_equal(np_of(~bm.asarray(XF > 0)), ~(XF > 0))


def test_weak_typing_of_python_scalars():
    assert (bm.asarray(XF) * 2).dtype == np.float32
    assert (bm.asarray(XI) * 2).dtype == np.int32
    assert (bm.asarray(XI) * 0.5).dtype == np.float32
    assert (bm.asarray(XI) / 2).dtype == np.float32


def test_inplace_operators_rebind_and_check_dtype():
    a = bm.arange(4) if hasattr(bm, 'arange') else bm.asarray(np.arange(4, dtype=np.int32))
    before = id(a)
    a += 1
    a *= 3
    a <<= 1
    assert id(a) == before
    np.testing.assert_array_equal(np_of(a), (np.arange(4) + 1) * 3 << 1)
    a += 1.5  # a plain Array takes the result's dtype (BrainPy 2.8.2); see the test below for Variables
    assert a.dtype == np.float32
    f = bm.asarray(np.ones(3, np.float32))
    f /= 2
    np.testing.assert_array_equal(np_of(f), np.full(3, 0.5, np.float32))


def test_shape_mismatch_raises_from_c():
    with pytest.raises(ValueError):
        bm.asarray(np.ones(3, np.float32)) + bm.asarray(np.ones(4, np.float32))


# ---------------------------------------------------------------------------------------------------- indexing
A = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
INDICES = [
    0, -1, 1, slice(None), slice(1, None), slice(None, None, -1), slice(3, 0, -2), slice(-10, 10), (0, 1),
    (1, -1, 2), (slice(None), 1), (Ellipsis, 1), (0, Ellipsis), (None, 0), (0, None, slice(1, 3)),
    (slice(None), None, slice(None, None, 2)), Ellipsis, (), np.array([1, 0, 1]), [1, 0],
    (slice(None), np.array([2, 0])), (slice(None), slice(None), np.array([[0, 3], [1, 1]])),
    (np.array([0, 1]), np.array([2, 1])), (np.array([0, 1]), slice(None), np.array([3, 0])),
    (slice(None), np.array([0, 2]), np.array([1, 3])), (0, slice(None), np.array([1, 2])),
    (np.array([-1, 0]),), A > 10, (A[:, :, 0] > 5,), (1, A[1, :, 0] > 13), (Ellipsis, A[0, 0] > 1),
]


@pytest.mark.parametrize('index', INDICES, ids=range(len(INDICES)))
def test_getitem_matches_numpy(index):
    a = bm.asarray(A)
    r = a[index]
    want = A[index]
    assert isinstance(r, bm.Array)
    assert r.shape == want.shape, (r.shape, want.shape)
    np.testing.assert_array_equal(np_of(r), want)


def test_getitem_with_array_indices():
    a = bm.asarray(A)
    np.testing.assert_array_equal(np_of(a[bm.asarray([1, 0])]), A[[1, 0]])
    np.testing.assert_array_equal(np_of(a[bm.asarray(A > 3)]), A[A > 3])


def test_getitem_errors():
    a = bm.asarray(A)
    with pytest.raises(IndexError):
        a[2]
    with pytest.raises(IndexError):
        a[0, 0, 0, 0]
    with pytest.raises(IndexError):
        a[np.array([0.5])]


@pytest.mark.parametrize('index', [0, slice(1, 3), (slice(None), 1), (1, slice(None, None, -1)), np.array([0, 2]),
                                   Ellipsis, slice(None)], ids=range(7))
def test_setitem_on_plain_array(index):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    a = bm.asarray(x.copy())
    a[index] = -1.
    x[index] = -1.
    np.testing.assert_array_equal(np_of(a), x)


def test_setitem_with_mask_and_array_values():
    x = np.arange(6, dtype=np.int32)
    a = bm.asarray(x.copy())
    a[a > 2] = 0
    x[x > 2] = 0
    np.testing.assert_array_equal(np_of(a), x)
    a[1:3] = np.array([7, 8], dtype=np.int32)
    x[1:3] = [7, 8]
    np.testing.assert_array_equal(np_of(a), x)


def test_at_set_and_add():
    a = bm.asarray(np.zeros(4, np.float32))
    b = a.at[1].set(5.)
    c = b.at[np.array([1, 3])].add(2.)
    np.testing.assert_array_equal(np_of(a), np.zeros(4))
    np.testing.assert_array_equal(np_of(c), [0., 7., 0., 2.])


# ---------------------------------------------------------------------------------------------------- printing, numpy
def test_repr_like_brainpy():
    assert repr(bm.asarray([0., 1., 2.])) == 'Array(value=Array([0., 1., 2.]), dtype=float32)'
    assert repr(bm.asarray([1, 2])) == 'Array(value=Array([1, 2]), dtype=int32)'
    two = repr(bm.asarray([[0., 1.], [2., 3.]]))
    assert two == ('Array(value=Array([[0., 1.],\n'
                   '                   [2., 3.]]),\n'
                   '      dtype=float32)')
    assert repr(bm.asarray(3.)) == 'Array(value=Array(3.), dtype=float32)'
    assert str(bm.asarray([1., 2.])) == '[1. 2.]'
    assert str(bm.asarray(10.)) == '10.0'
    assert f'{bm.asarray([1., 2.])}' == str(np.array([1., 2.], np.float32))
    assert f'{bm.asarray(2.5):.2f}' == '2.50'


def test_numpy_conversion():
    a = bm.asarray(XF)
    for n in (np.asarray(a), a.numpy(), a.to_numpy(), np.array(a)):
        assert isinstance(n, np.ndarray)
        np.testing.assert_array_equal(n, XF)
    assert np.asarray(a, dtype=np.float64).dtype == np.float64
    r = np.exp(a)  # numpy functions take bm arrays through __array__
    np.testing.assert_allclose(r, np.exp(XF), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------- methods
METHODS = [
    ('sum', (), {}), ('sum', (), {'axis': 0}), ('sum', (), {'axis': 1, 'keepdims': True}), ('mean', (), {}),
    ('mean', (), {'axis': -1}), ('max', (), {}), ('max', (), {'axis': 0}), ('min', (), {'axis': 1}),
    ('prod', (), {'axis': 1}), ('std', (), {}), ('var', (), {'axis': 0}), ('cumsum', (), {'axis': 1}),
    ('argmax', (), {}), ('argmin', (), {'axis': 1}), ('any', (), {}), ('all', (), {'axis': 0}),
    ('reshape', ((3, 2),), {}), ('reshape', (3, 2), {}), ('reshape', (-1,), {}), ('flatten', (), {}),
    ('ravel', (), {}), ('transpose', (), {}), ('transpose', ((1, 0),), {}), ('clip', (-1., 2.), {}),
    ('round', (), {}), ('astype', (np.int32,), {}),
]


@pytest.mark.parametrize('name,args,kwargs', METHODS, ids=[f'{m[0]}{i}' for i, m in enumerate(METHODS)])
def test_methods_match_numpy(name, args, kwargs):
    a = bm.asarray(XF)
    r = getattr(a, name)(*args, **kwargs)
    want = getattr(XF, name)(*args, **kwargs)
    assert np.shape(r) == np.shape(want)
    np.testing.assert_allclose(np_of(r), want, rtol=1e-5, atol=1e-6)


def test_more_methods():
    a = bm.asarray(XF[:1])
    np.testing.assert_array_equal(np_of(a.squeeze()), XF[0])
    np.testing.assert_array_equal(np_of(a.squeeze(0)), XF[0])
    assert a.expand_dims(0).shape == (1, 1, 3)
    np.testing.assert_allclose(np_of(bm.asarray(XF).dot(bm.asarray(YF.T.copy()))), XF.dot(YF.T), rtol=1e-5)
    assert bm.asarray(XF).astype(bm.float32).dtype == np.float32
    assert bm.asarray(XF).sum().shape == ()
    assert bm.asarray(XI).sum().dtype == np.int32


# ---------------------------------------------------------------------------------------------------- jit interplay
def test_bool_of_traced_array_raises_concretization_error():
    @bm.jit
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    with pytest.raises(TypeError) as info:
        f(bm.asarray(XF))
    assert isinstance(info.value, bp.errors.ConcretizationTypeError)
    assert 'static' in str(info.value) and 'cond' in str(info.value)


@pytest.mark.parametrize('conv', [float, int, bool])
def test_scalar_conversion_of_traced_array_raises(conv):
    f = bm.jit(lambda x: conv(x))
    with pytest.raises(bp.errors.ConcretizationTypeError):
        f(bm.asarray(1.))


def test_indexing_inside_jit():
    @bm.jit
    def f(x, i):
        return x[i], x[1:, ::-1], x[None, 0], x[bm.asarray([1, 0])]

    r = f(bm.asarray(A[0]), 2)
    np.testing.assert_array_equal(np_of(r[0]), A[0][2])
    np.testing.assert_array_equal(np_of(r[1]), A[0][1:, ::-1])
    np.testing.assert_array_equal(np_of(r[2]), A[0][None, 0])
    np.testing.assert_array_equal(np_of(r[3]), A[0][[1, 0]])


def test_traced_boolean_mask_indexing_is_refused_but_where_style_assignment_works():
    @bm.jit
    def g(x):
        return x[x > 2]

    with pytest.raises(IndexError):
        g(bm.asarray(np.arange(5, dtype=np.float32)))

    @bm.jit
    def h(x):
        y = x * 1
        y[y > 2] = 0.
        return y

    np.testing.assert_array_equal(np_of(h(bm.asarray(np.arange(5, dtype=np.float32)))), [0, 1, 2, 0, 0])


# ---------------------------------------------------------------------------------------------------- environment
def test_dt_and_environment():
    assert bm.get_dt() == 0.1 and bm.dt == 0.1
    old = bm.get_dt()
    with bm.environment(dt=0.05):
        assert bm.get_dt() == 0.05 and bm.dt == 0.05
    assert bm.get_dt() == old
    bm.set_dt(0.2)
    try:
        assert bm.get_dt() == 0.2 and bm.dt == 0.2
    finally:
        bm.set_dt(old)
    with bm.environment(x64=True):
        assert bm.asarray([1.]).dtype == np.float64
    assert bm.asarray([1.]).dtype == np.float32


def test_platform():
    bm.set_platform('cpu')
    assert bm.get_platform() == 'cpu'
    with pytest.raises(bp.errors.UnsupportedError):
        bm.set_platform('gpu')
    with pytest.raises(ValueError):
        bm.set_platform('quantum')


def test_remaining_methods():
    a = bm.asarray(XF)
    np.testing.assert_array_equal(np_of(a.swapaxes(0, 1)), XF.swapaxes(0, 1))
    np.testing.assert_array_equal(np_of(a.take(np.array([2, 0]), axis=1)), XF.take([2, 0], axis=1))
    np.testing.assert_array_equal(np_of(a.sort(axis=1)), np.sort(XF, axis=1))
    np.testing.assert_array_equal(np_of(a.argsort(axis=1)), np.argsort(XF, axis=1, kind='stable'))
    np.testing.assert_array_equal(np_of(a.repeat(2, axis=0)), XF.repeat(2, axis=0))
    np.testing.assert_array_equal(np_of(a.tile((1, 2))), np.tile(XF, (1, 2)))
    np.testing.assert_allclose(np_of(a.cumprod(axis=1)), XF.cumprod(axis=1), rtol=1e-6)
    np.testing.assert_allclose(np_of(a[0].outer(a[1])), np.outer(XF[0], XF[1]), rtol=1e-6)
    parts = a.split(3, axis=1)
    assert len(parts) == 3 and all(p.shape == (2, 1) for p in parts)
    nz = bm.asarray(np.array([0, 3, 0, 4])).nonzero()
    np.testing.assert_array_equal(np_of(nz[0]), [1, 3])
    b = bm.asarray(XF.copy())
    ident = id(b)
    b.fill(7.)
    assert id(b) == ident
    np.testing.assert_array_equal(np_of(b), np.full(XF.shape, 7., np.float32))
    assert f'{bm.jit(lambda x: bm.asarray(len(f"{x}")))(a)}'  # formatting a traced value does not raise


def test_inplace_operator_on_a_plain_array_may_change_its_dtype_a_variable_may_not():
    # BrainPy 2.8.2: a = bm.arange(3); a += 0.5 gives float32 [0.5, 1.5, 2.5], the same object
    a = bm.arange(3)
    ident = id(a)
    a += 0.5
    assert id(a) == ident and a.dtype == np.float32 and np.allclose(np.asarray(a), [0.5, 1.5, 2.5])
    v = bm.Variable(bm.arange(3))
    with pytest.raises(bp.errors.MathError, match='The dtype of the original data is int32, while we got float32.'):
        v += 0.5


def test_mT_real_imag_conj():
    x = bm.asarray(np.arange(6, dtype=np.float32).reshape(1, 2, 3))
    np.testing.assert_array_equal(np_of(x.mT), np.swapaxes(np.arange(6, dtype=np.float32).reshape(1, 2, 3), -1, -2))
    assert x.real is x and x.conj() is x and np_of(x.imag).sum() == 0 and x.imag.dtype == np.float32
    with pytest.raises(ValueError):
        bm.arange(3).mT
