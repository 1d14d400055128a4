"""bm.Variable: creation, every in-place form writes the Variable, BrainPy's shape/dtype messages, VarList/VarDict,
Variables inside jit, and the refusal to change a plain Array inside jit."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402


def np_of(x):
    return np.asarray(x)


def test_documented_item_assignment_and_inplace_ops():
    v = bm.Variable(bm.arange(4))
    v[0] = 10
    v[1:3] = 9
    np.testing.assert_array_equal(np_of(v), [10, 9, 9, 3])
    ident = id(v)
    v -= 3
    v <<= 1
    np.testing.assert_array_equal(np_of(v), [14, 12, 12, 0])
    assert id(v) == ident and isinstance(v, bm.Variable) and v.dtype == np.int32


def test_creation_forms():
    v = bm.Variable(10)
    assert v.shape == (10,) and v.dtype == np.float32
    np.testing.assert_array_equal(np_of(v), np.zeros(10))
    assert bm.Variable((2, 3)).shape == (2, 3)
    assert bm.Variable(4, dtype=bm.int32).dtype == np.int32
    assert bm.Variable(bm.asarray([1, 2]), dtype=bm.float32).dtype == np.float32
    assert bm.Variable(np.ones(3)).dtype == np.float32
    w = bm.Variable(v)
    assert w is not v and w.shape == v.shape
    assert isinstance(v, bm.Array) and bp.math.Variable is bm.Variable
    assert isinstance(bm.TrainVar(3), bm.Variable)


def test_shape_and_dtype_messages():
    v = bm.Variable(bm.zeros(10))
    with pytest.raises(bp.errors.MathError) as info:
        v.value = 1.
    assert str(info.value) == 'The shape of the original data is (10,), while we got () with batch_axis=None.'
    assert isinstance(info.value, ValueError)
    w = bm.Variable(bm.arange(3))
    with pytest.raises(bp.errors.MathError) as info:
        w.value = bm.zeros(3)
    assert str(info.value) == 'The dtype of the original data is int32, while we got float32.'
    with pytest.raises(ValueError):
        w.update(np.zeros(4, np.int32))
    with pytest.raises(bp.errors.MathError):
        w += 0.5
    np.testing.assert_array_equal(np_of(w), [0, 1, 2])  # unchanged by the refused writes


INT_OPS = [('+=', lambda v: v.__iadd__(3), lambda x: x + 3), ('-=', lambda v: v.__isub__(2), lambda x: x - 2),
           ('*=', lambda v: v.__imul__(3), lambda x: x * 3), ('//=', lambda v: v.__ifloordiv__(2), lambda x: x // 2),
           ('%=', lambda v: v.__imod__(4), lambda x: x % 4), ('**=', lambda v: v.__ipow__(2), lambda x: x ** 2),
           ('&=', lambda v: v.__iand__(6), lambda x: x & 6), ('|=', lambda v: v.__ior__(1), lambda x: x | 1),
           ('^=', lambda v: v.__ixor__(5), lambda x: x ^ 5), ('<<=', lambda v: v.__ilshift__(2), lambda x: x << 2),
           ('>>=', lambda v: v.__irshift__(1), lambda x: x >> 1)]


@pytest.mark.parametrize('name,apply,ref', INT_OPS, ids=[o[0] for o in INT_OPS])
def test_every_augmented_operator_writes_the_variable(name, apply, ref):
    x = np.array([3, -4, 7, 10], dtype=np.int32)
    v = bm.Variable(bm.asarray(x))
    snapshot = v.value
    r = apply(v)
    assert r is v
    np.testing.assert_array_equal(np_of(v), ref(x))
    np.testing.assert_array_equal(np_of(snapshot), x)  # .value is a snapshot


def test_float_inplace_division_and_matmul():
    v = bm.Variable(bm.asarray(np.ones((2, 2), np.float32)))
    v /= 4
    np.testing.assert_array_equal(np_of(v), np.full((2, 2), 0.25))
    v @= bm.asarray(np.eye(2, dtype=np.float32) * 2)
    np.testing.assert_array_equal(np_of(v), np.full((2, 2), 0.5))


def test_value_update_and_identity():
    v = bm.Variable(bm.zeros(3))
    v.value = bm.ones(3)
    np.testing.assert_array_equal(np_of(v.value), np.ones(3))
    v.update(np.full(3, 2., np.float32))
    np.testing.assert_array_equal(np_of(v), np.full(3, 2.))
    n = np.asarray(v)
    v += 1
    assert float(n[0]) == 2.  # numpy got a copy
    assert float(v[0]) == 3.


def test_batch_axis():
    v = bm.Variable(bm.zeros((2, 3)), batch_axis=0)
    assert v.batch_axis == 0 and v.batch_size == 2
    v.value = bm.ones((5, 3))
    assert v.shape == (5, 3)
    with pytest.raises(bp.errors.MathError, match=r'The shape of the original data is \(3,\), while we got \(4,\) '
                                                  r'with batch_axis=0.'):
        v.value = bm.ones((5, 4))
    with pytest.raises(bp.errors.MathError, match='batch axis'):
        bm.Variable(bm.zeros(3), batch_axis=1)
    with pytest.raises(ValueError):
        v.batch_axis = 1


def test_repr():
    assert repr(bm.Variable(bm.zeros(2))) == 'Variable(value=Array([0., 0.]), dtype=float32)'
    assert repr(bm.Variable(bm.asarray([1, 2]))) == 'Variable(value=Array([1, 2]), dtype=int32)'


def test_varlist_and_vardict():
    a, b = bm.Variable(bm.zeros(2)), bm.Variable(bm.ones(2))
    vl = bm.VarList([a, b])
    vl[1] = bm.asarray([5., 6.])
    assert vl[1] is b
    np.testing.assert_array_equal(np_of(b), [5., 6.])
    with pytest.raises(TypeError):
        vl.append(bm.zeros(2))
    vd = bm.VarDict(a=a)
    vd['a'] = bm.asarray([7., 8.])
    assert vd['a'] is a
    np.testing.assert_array_equal(np_of(a), [7., 8.])
    with pytest.raises(TypeError):
        vd['c'] = 1.


def test_variables_are_read_fresh_and_written_by_jitted_functions():
    v = bm.Variable(bm.zeros(3))
    w = bm.Variable(bm.ones(3))

    @bm.jit
    def step(x):
        v.value = v + x * w
        return v.value

    np.testing.assert_array_equal(np_of(step(bm.ones(3))), np.ones(3))
    w.value = bm.ones(3) * 2   # changed outside: the next call must see it
    np.testing.assert_array_equal(np_of(step(bm.ones(3))), np.full(3, 3.))
    np.testing.assert_array_equal(np_of(v), np.full(3, 3.))
    assert step.stats()['traces'] == 1


def test_inplace_ops_and_setitem_inside_jit():
    v = bm.Variable(bm.arange(4))

    @bm.jit
    def f():
        nonlocal v
        v[0] = 10
        v[1:3] = 9
        v -= 3
        v <<= 1

    f()
    np.testing.assert_array_equal(np_of(v), [14, 12, 12, 0])
    f()
    np.testing.assert_array_equal(np_of(v), [14, 12, 12, -6])


def test_mutating_a_plain_array_inside_jit_is_refused():
    a = bm.zeros(3)

    @bm.jit
    def f(x):
        a[0] = x
        return x

    with pytest.raises(bp.errors.MathError, match='Variable'):
        f(1.)

    @bm.jit
    def g(x):
        global_a = a
        global_a += x
        return x

    with pytest.raises(bp.errors.MathError, match='Variable'):
        g(1.)
    np.testing.assert_array_equal(np_of(a), np.zeros(3))


def test_variable_passed_as_argument_is_the_variable():
    v = bm.Variable(bm.zeros(2))

    @bm.jit
    def f(var, x):
        var.value = var + x
        return var * 1

    r = f(v, 1.)
    np.testing.assert_array_equal(np_of(r), [1., 1.])
    np.testing.assert_array_equal(np_of(v), [1., 1.])


def test_failed_call_leaves_variables_unchanged():
    v = bm.Variable(bm.ones(3))

    @bm.jit
    def f(x):
        v.value = v * 2
        raise RuntimeError('boom')

    with pytest.raises(RuntimeError, match='boom'):
        f(1.)
    np.testing.assert_array_equal(np_of(v), np.ones(3))


def test_creating_a_variable_from_a_traced_value_is_refused():
    @bm.jit
    def f(x):
        return bm.Variable(x)

    with pytest.raises(bp.errors.MathError):
        f(bm.ones(2))
