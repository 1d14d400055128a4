"""Tests of bp.init: initializer shapes, dtypes and statistics (seeded through bm.random), parameter() and
variable_() as BrainPy 2.8.2, and initializers called inside bm.jit on both backends."""
import math

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

I = bp.init

SHAPES = [((3,), (3,)), ((2, 3), (2, 3)), (4, (4,)), (((2, 5),), (2, 5))]

INITS = [
    lambda: I.ZeroInit(), lambda: I.Constant(2.5), lambda: I.OneInit(), lambda: I.Normal(seed=1),
    lambda: I.Uniform(seed=1), lambda: I.TruncatedNormal(seed=1), lambda: I.KaimingNormal(seed=1),
    lambda: I.KaimingUniform(seed=1), lambda: I.XavierNormal(seed=1), lambda: I.XavierUniform(seed=1),
    lambda: I.LecunNormal(seed=1), lambda: I.LecunUniform(seed=1), lambda: I.Gamma(2., seed=1),
    lambda: I.Exponential(1., seed=1),
]


@pytest.mark.parametrize('make', INITS)
@pytest.mark.parametrize('shape,expect', SHAPES)
def test_shapes_and_dtypes(make, shape, expect):
    init = make()
    if isinstance(init, (I.ZeroInit, I.Constant)) and isinstance(shape, tuple) and isinstance(shape[0], tuple):
        expect = (10,)  # these take each entry's size (BrainPy's size2num): ((2, 5),) is 10 elements
    v = init(shape)
    assert isinstance(v, bm.Array) and v.shape == expect and v.dtype == np.float32
    assert init(shape, dtype=bm.float32).dtype == np.float32


def test_constant_values():
    np.testing.assert_array_equal(np.asarray(I.ZeroInit()((2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(np.asarray(I.OneInit()((3,))), np.ones(3))
    np.testing.assert_array_equal(np.asarray(I.OneInit(-2.)((3,))), -2 * np.ones(3))
    v = I.Constant(-65)((4,))  # an int value gives floats (BrainPy 2.6; 2.8 gives int32)
    assert v.dtype == np.float32 and np.asarray(v).tolist() == [-65.] * 4
    v = I.Constant(np.arange(3.))((2, 3))
    np.testing.assert_array_equal(np.asarray(v), np.tile(np.arange(3.), (2, 1)))
    np.testing.assert_array_equal(np.asarray(I.Identity(2.)(3)), 2 * np.eye(3))
    np.testing.assert_array_equal(np.asarray(I.Identity()((2, 3))), np.eye(2, 3))
    with pytest.raises(ValueError):
        I.Identity()((2, 3, 4))
    assert repr(I.Constant(2.)) == 'Constant(value=2.0)' and repr(I.ZeroInit()) == 'ZeroInit'


def test_normal_and_uniform_statistics():
    x = np.asarray(I.Normal(mean=-55., scale=2., seed=3)((20000,)))
    assert abs(x.mean() + 55.) < 5 * 2 / math.sqrt(20000) and abs(x.std() - 2.) < 0.05
    x = np.asarray(I.Uniform(-1., 3., seed=3)((20000,)))
    assert x.min() >= -1. and x.max() <= 3. and abs(x.mean() - 1.) < 5 * 4 / math.sqrt(12 * 20000)
    x = np.asarray(I.TruncatedNormal(loc=1., scale=2., seed=3)((20000,)))
    assert x.min() >= 1. - 4. - 1e-5 and x.max() <= 1. + 4. + 1e-5
    assert abs(x.std() - 2 * .8796256610342398) < 0.05 and abs(x.mean() - 1.) < 0.05
    x = np.asarray(I.TruncatedNormal(lower=0., upper=None, seed=3)((20000,)))
    assert x.min() >= 0. and abs(x.mean() - math.sqrt(2 / math.pi)) < 0.03
    x = np.asarray(I.KaimingNormal(seed=3)((400, 300)))
    assert abs(x.std() - math.sqrt(2 / 400)) < 0.002
    x = np.asarray(I.XavierUniform(seed=3)((400, 200)))
    bound = math.sqrt(3 / 300)
    assert x.min() >= -bound and x.max() <= bound and abs(x.std() - math.sqrt(1 / 300)) < 0.002
    x = np.asarray(I.LecunNormal(seed=3)((500, 10)))
    assert abs(x.std() - math.sqrt(1 / 500)) < 0.003


def test_seeds():
    a, b = I.Normal(seed=5)((3,)), I.Normal(seed=5)((3,))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    init = I.Uniform(seed=5)
    first, second = np.asarray(init((3,))), np.asarray(init((3,)))
    assert (first != second).any()  # each call draws new numbers
    assert (np.asarray(I.Normal(seed=6)((3,))) != np.asarray(a)).any()
    bm.random.seed(11)
    x = np.asarray(I.Normal()((5,)))
    bm.random.seed(11)
    np.testing.assert_array_equal(np.asarray(I.Normal()((5,))), x)


def test_clip():
    x = np.asarray(I.Clip(I.Normal(scale=5., seed=1), min=-1., max=1.)((100,)))
    assert x.min() >= -1 and x.max() <= 1 and (np.abs(x) == 1).any()


def test_parameter():
    assert I.parameter(None, 3) is None
    with pytest.raises(ValueError, match='None'):
        I.parameter(None, 3, allow_none=False)
    assert I.parameter(1.5, (3,)) == 1.5
    with pytest.raises(ValueError, match='Unknown param type'):
        I.parameter(1.5, (3,), allow_scalar=False)
    np.testing.assert_array_equal(np.asarray(I.parameter(I.OneInit(), 3)), np.ones(3))
    np.testing.assert_array_equal(np.asarray(I.parameter(lambda s: bm.ones(s) * 2, (2, 2))), 2 * np.ones((2, 2)))
    p = I.parameter(np.ones(3), 3)
    assert isinstance(p, bm.Array) and p.shape == (3,)
    assert I.parameter(np.ones(1), 3).shape == (1,)
    var = bm.Variable(bm.zeros(3))
    assert I.parameter(var, 3) is var
    with pytest.raises(ValueError, match='should be'):
        I.parameter(np.ones(4), 3)
    with pytest.raises(ValueError, match='should be'):
        I.parameter(np.ones(1), 3, allow_scalar=False)
    with pytest.raises(ValueError, match='Unknown param type'):
        I.parameter('x', 3)


def test_variable_():
    v = I.variable_(I.ZeroInit(), 3)
    assert isinstance(v, bm.Variable) and v.shape == (3,) and v.batch_axis is None
    v = I.variable_(I.ZeroInit(), 3, 4)
    assert v.shape == (4, 3) and v.batch_axis == 0
    v = I.variable_(I.OneInit(), (2, 3), bm.BatchingMode(5))
    assert v.shape == (5, 2, 3) and v.batch_axis == 0
    v = I.variable_(I.OneInit(), (2, 3), bm.NonBatchingMode())
    assert v.shape == (2, 3) and v.batch_axis is None
    v = I.variable_(bm.arange(3.), 3, 2)
    np.testing.assert_array_equal(np.asarray(v), [[0, 1, 2], [0, 1, 2]])
    v = I.variable(I.OneInit(), 3, sizes=(2,))
    assert v.shape == (3, 2)
    with pytest.raises(ValueError, match='does not match'):
        I.variable_(bm.zeros(4), 3)
    with pytest.raises(ValueError, match='cannot be None'):
        I.variable_(I.ZeroInit())
    f = I.noise(0.5, 3)
    assert f(1, 2) == 0.5 and I.noise(None, 3) is None and I.noise(f, 3) is f
    assert I.noise(0.5, 3, num_vars=2, noise_idx=1)() == (None, 0.5)


@pytest.mark.parametrize('backend', ['cpu', 'interp'])
def test_inside_jit(backend):
    init = I.Normal(2., 0.5, seed=9)

    @bm.jit(backend=backend)
    def f(x):
        return x + init((4, 3)) + I.Constant(1.)((3,))

    a = np.asarray(f(bm.zeros((4, 3))))
    b = np.asarray(f(bm.zeros((4, 3))))
    assert a.shape == (4, 3) and (a != b).any()  # the initializer's state advances on every call
    assert abs(a.mean() - 3.) < 1.
