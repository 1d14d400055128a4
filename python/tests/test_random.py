"""bm.random: reproducibility (seeds, keys, jitted and eager draws, backends), dtypes and distribution bands."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit.math as bm  # noqa: E402

N = 200_000


def arr(x):
    return np.asarray(x)


def test_default_is_a_variable():
    assert isinstance(bm.random.DEFAULT, bm.random.RandomState)
    assert isinstance(bm.random.DEFAULT, bm.Variable)
    assert bm.random.DEFAULT.dtype == np.uint32 and bm.random.DEFAULT.shape == (2,)
    assert 'RandomState(key=' in repr(bm.random.DEFAULT)


def test_seed_replays_eager():
    bm.random.seed(123)
    a, b = arr(bm.random.rand(5)), arr(bm.random.rand(5))
    bm.random.seed(123)
    c, d = arr(bm.random.rand(5)), arr(bm.random.rand(5))
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b)
    bm.random.seed(124)
    assert not np.array_equal(arr(bm.random.rand(5)), a)


def test_jitted_draws_differ_between_calls_and_match_eager():
    bm.random.seed(7)
    e1, e2 = arr(bm.random.rand(4)), arr(bm.random.rand(4))
    bm.random.seed(7)
    f = bm.jit(lambda: bm.random.rand(4))
    j1, j2 = arr(f()), arr(f())
    assert not np.array_equal(j1, j2)
    np.testing.assert_array_equal(j1, e1)
    np.testing.assert_array_equal(j2, e2)


def test_same_numbers_on_every_backend():
    def draws(x):
        return (bm.random.normal(size=(3,)) + x, bm.random.randint(0, 100, (4,)), bm.random.bernoulli(0.5, (5,)),
                bm.random.poisson(3.0, (4,)), bm.random.uniform(-1., 1., (3,)))
    outs = []
    for backend in ('cpu', 'interp'):
        bm.random.seed(99)
        f = bm.jit(draws, backend=backend)
        outs.append([arr(o) for o in f(bm.zeros(3))] + [arr(o) for o in f(bm.zeros(3))])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_random_state_objects_are_independent():
    r1, r2 = bm.random.RandomState(5), bm.random.RandomState(5)
    np.testing.assert_array_equal(arr(r1.randn(6)), arr(r2.randn(6)))
    r3 = bm.random.RandomState(6)
    assert not np.array_equal(arr(r1.randn(6)), arr(r3.randn(6)))
    key = np.array([1, 2], np.uint32)
    r4, r5 = bm.random.RandomState(key), bm.random.RandomState(key)
    np.testing.assert_array_equal(arr(r4.random(3)), arr(r5.random(3)))
    r4.seed(5)
    r1.seed(5)
    np.testing.assert_array_equal(arr(r1.rand(3)), arr(r4.rand(3)))
    with pytest.raises(ValueError):
        bm.random.RandomState(np.array([1, 2, 3], np.uint32))


def test_random_state_in_jit_is_found_and_advanced():
    rs = bm.random.RandomState(11)

    @bm.jit
    def f():
        return rs.uniform(size=(3,))
    a, b = arr(f()), arr(f())
    assert not np.array_equal(a, b)
    rs.seed(11)
    np.testing.assert_array_equal(arr(f()), a)


def test_key_argument():
    a = arr(bm.random.rand(4, key=3))
    b = arr(bm.random.rand(4, key=3))
    np.testing.assert_array_equal(a, b)
    k = bm.random.split_key()
    assert k.dtype == np.uint32 and k.shape == (2,)
    np.testing.assert_array_equal(arr(bm.random.normal(size=3, key=k)), arr(bm.random.normal(size=3, key=k)))
    ks = bm.random.split_keys(3)
    assert ks.shape == (3, 2) and ks.dtype == np.uint32
    with pytest.raises(TypeError):
        bm.random.rand(2, key=np.array([1.0, 2.0]))


def test_dtypes_and_shapes():
    assert bm.random.rand(2, 3).shape == (2, 3) and bm.random.rand(2, 3).dtype == np.float32
    assert bm.random.randn(4).dtype == np.float32
    assert bm.random.random().shape == ()
    assert bm.random.random((2, 2)).shape == (2, 2)
    assert bm.random.randint(10, size=3).dtype == np.int32
    assert bm.random.randint(0, 10, (2, 2), dtype=bm.uint32).dtype == np.uint32
    assert bm.random.bernoulli(0.3, (3,)).dtype == np.bool_
    assert bm.random.poisson(2.0, 5).dtype == np.int32
    assert bm.random.exponential(size=4).dtype == np.float32
    assert bm.random.uniform(bm.zeros(3), 5.).shape == (3,)
    assert bm.random.normal(bm.zeros((2, 1)), bm.ones(3)).shape == (2, 3)
    assert bm.random.bernoulli(bm.full((4,), 0.5)).shape == (4,)
    with pytest.raises(ValueError):
        bm.random.uniform(bm.zeros(3), 1., size=(2,))
    with pytest.raises(ValueError):
        bm.random.bernoulli(1.5)


def test_uniform_band():
    bm.random.seed(0)
    u = arr(bm.random.uniform(2., 5., N))
    assert u.min() >= 2. and u.max() < 5.
    assert abs(u.mean() - 3.5) < 0.02
    assert abs(u.var() - 9 / 12) < 0.02
    r = arr(bm.random.rand(N))
    assert r.min() >= 0. and r.max() < 1. and abs(r.mean() - 0.5) < 0.005


def test_normal_band():
    bm.random.seed(1)
    z = arr(bm.random.normal(3., 2., N))
    assert abs(z.mean() - 3.) < 0.03 and abs(z.std() - 2.) < 0.03
    z = arr(bm.random.randn(N))
    assert abs(z.mean()) < 0.015 and abs(z.std() - 1) < 0.015
    assert abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.005
    ln = arr(bm.random.lognormal(0., 0.5, N))
    assert abs(np.log(ln).mean()) < 0.01


def test_randint_band():
    bm.random.seed(2)
    k = arr(bm.random.randint(-3, 7, N))
    assert k.min() == -3 and k.max() == 6
    counts = np.bincount(k + 3)
    assert np.all(np.abs(counts / N - 0.1) < 0.005)
    k = arr(bm.random.random_integers(1, 3, N))
    assert set(np.unique(k)) == {1, 2, 3}


def test_bernoulli_poisson_exponential_bands():
    bm.random.seed(3)
    b = arr(bm.random.bernoulli(0.3, N))
    assert abs(b.mean() - 0.3) < 0.005
    p = arr(bm.random.poisson(4.0, N))
    assert p.min() >= 0 and abs(p.mean() - 4) < 0.03 and abs(p.var() - 4) < 0.1
    p = arr(bm.random.poisson(50.0, N))
    assert abs(p.mean() - 50) < 0.15 and abs(p.var() - 50) < 1.5
    e = arr(bm.random.exponential(2.0, N))   # numpy's meaning: mean = scale
    assert e.min() >= 0 and abs(e.mean() - 2) < 0.03 and abs(e.std() - 2) < 0.05
    e = arr(bm.random.standard_exponential(N))
    assert abs(e.mean() - 1) < 0.015


def test_choice():
    bm.random.seed(4)
    c = arr(bm.random.choice(5, N))
    assert c.dtype == np.int32 and c.min() == 0 and c.max() == 4
    assert np.all(np.abs(np.bincount(c) / N - 0.2) < 0.006)
    p = np.array([0.1, 0.0, 0.6, 0.3], np.float32)
    c = arr(bm.random.choice(4, N, p=p))
    np.testing.assert_allclose(np.bincount(c, minlength=4) / N, p, atol=0.006)
    a = bm.asarray(np.array([10., 20., 30.], np.float32))
    c = arr(bm.random.choice(a, (3, 4)))
    assert c.shape == (3, 4) and set(np.unique(c)) <= {10., 20., 30.}
    c = arr(bm.random.choice(10, 10, replace=False))
    assert sorted(c.tolist()) == list(range(10))
    c = arr(bm.random.choice(10, 4, replace=False, p=np.full(10, 0.1, np.float32)))
    assert len(set(c.tolist())) == 4
    # weighted sampling without replacement favours heavy items
    hits = np.zeros(4)
    for _ in range(200):
        hits[arr(bm.random.choice(4, 1, replace=False, p=np.array([0.7, 0.1, 0.1, 0.1], np.float32)))[0]] += 1
    assert hits[0] > 100
    with pytest.raises(ValueError):
        bm.random.choice(3, 5, replace=False)


def test_permutation_and_shuffle():
    bm.random.seed(5)
    p = arr(bm.random.permutation(50))
    assert p.dtype == np.int32 and sorted(p.tolist()) == list(range(50))
    assert not np.array_equal(p, np.arange(50))
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    q = arr(bm.random.permutation(bm.asarray(x), axis=1))
    np.testing.assert_array_equal(np.sort(q, axis=1), x)
    assert all(sorted((q[i] - 5 * i).tolist()) == list(range(5)) for i in range(4))
    assert np.array_equal(q[1] - q[0], np.full(5, 5.))      # the same permutation for every row
    ind = arr(bm.random.permutation(bm.asarray(np.tile(np.arange(30, dtype=np.float32), (4, 1))), axis=1,
                                    independent=True))
    np.testing.assert_array_equal(np.sort(ind, axis=1), np.tile(np.arange(30), (4, 1)))
    assert len({tuple(r) for r in ind.tolist()}) > 1        # rows permuted independently
    # first-position frequencies are uniform
    first = np.array([arr(bm.random.permutation(4))[0] for _ in range(400)])
    assert np.all(np.abs(np.bincount(first, minlength=4) / 400 - 0.25) < 0.09)
    v = bm.asarray(np.arange(10, dtype=np.int32))
    bm.random.shuffle(v)
    assert sorted(arr(v).tolist()) == list(range(10))
    var = bm.Variable(bm.arange(10))
    bm.jit(lambda: bm.random.shuffle(var))()
    assert sorted(arr(var).tolist()) == list(range(10))
    with pytest.raises(TypeError):
        bm.random.shuffle(np.arange(3))


def test_draws_inside_for_loop_advance():
    bm.random.seed(8)

    def body(i):
        return bm.random.rand(2)
    ys = arr(bm.jit(lambda: bm.for_loop(body, bm.arange(5)))())
    assert ys.shape == (5, 2)
    assert len({tuple(r) for r in ys.tolist()}) == 5


# ---------------------------------------------------------------- BrainPy 2.8 signatures and the random tutorial

def test_brainpy28_keywords_and_positions():
    bm.random.seed(seed_or_key=3)
    a = arr(bm.random.rand(3))
    bm.random.seed(seed=3)                       # 2.6's name
    np.testing.assert_array_equal(arr(bm.random.rand(3)), a)
    key = np.array([7, 9], np.uint32)
    bm.random.seed(key)                          # a key instead of a seed
    np.testing.assert_array_equal(arr(bm.random.get_key()), key)
    bm.random.set_key(key)
    b = arr(bm.random.rand(2))
    bm.random.set_key(key)
    np.testing.assert_array_equal(arr(bm.random.rand(2)), b)
    for f in (bm.random.rand, bm.random.randn):
        assert f(2, dtype=bm.float32).dtype == np.float32
    for f in (bm.random.random, bm.random.random_sample, bm.random.ranf, bm.random.sample,
              bm.random.standard_normal, bm.random.standard_exponential):
        assert f(3, None, np.float32).shape == (3,)   # (size, key, dtype)
    assert bm.random.uniform(0., 1., 3, None, np.float32).dtype == np.float32
    assert bm.random.normal(0., 1., 3, None, np.float32).dtype == np.float32
    # randint: 2.8's (low, high, size, key, dtype) and numpy's / 2.6's (low, high, size, dtype)
    assert bm.random.randint(0, 5, 4, None, bm.uint32).dtype == np.uint32
    assert bm.random.randint(0, 5, 4, bm.uint32).dtype == np.uint32
    assert bm.random.randint(0, 5, 4, dtype='int32').dtype == np.int32
    np.testing.assert_array_equal(arr(bm.random.randint(0, 100, 4, 11)), arr(bm.random.randint(0, 100, 4, key=11)))
    assert bm.random.bernoulli(0.5, 3, None, check_valid=False).shape == (3,)
    assert bm.random.poisson(2., 3, None, np.int32).dtype == np.int32
    assert bm.random.exponential(1., 3, None, np.float32).shape == (3,)
    assert bm.random.lognormal(0., 1., 3, None, np.float32).shape == (3,)
    assert bm.random.random_integers(1, 3, 4, None, np.int32).dtype == np.int32
    ks = bm.random.split_key(2)                  # 2.8: split_key(n)
    assert ks.shape == (2, 2) and ks.dtype == np.uint32
    assert bm.random.split_keys(3, backup=False).shape == (3, 2)
    rng = bm.random.clone_rng(5)
    assert isinstance(rng, bm.random.RandomState)
    assert rng.split_key(4).shape == (4, 2)


def test_shuffle_returns_the_shuffled_array_in_place():
    x = bm.arange(10)
    r = bm.random.shuffle(x)                     # 2.8 returns it; 2.6 shuffles in place
    assert r is x and sorted(arr(x).tolist()) == list(range(10))


def test_repr_is_brainpy26s():
    r = bm.random.RandomState(np.array([3014124236, 2009892527], np.uint32))
    assert repr(r) == 'RandomState(key=([3014124236, 2009892527], dtype=uint32))'
    assert str(r) == repr(r)


def test_tutorial_random_number_generation():
    """BrainPy's docs/tutorial_math/random_number_generation.ipynb, cells as written (import changed)."""
    import brainjit as bp
    from functools import partial
    assert bm.random.rand(10).shape == (10,)
    assert str(bm.random.DEFAULT).startswith('RandomState(key=(')
    bm.random.rand(1)

    @bm.jit
    def get_data():
        return bm.random.random(2)
    assert not np.array_equal(arr(get_data()), arr(get_data()))   # brainjit finds DEFAULT by tracing
    bm.random.seed()
    with pytest.warns(DeprecationWarning):
        @partial(bm.jit, dyn_vars=(bm.random.DEFAULT,))
        def get_data_v2():
            return bm.random.random(2)
    assert not np.array_equal(arr(get_data_v2()), arr(get_data_v2()))

    class MyOb(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.rng = bm.random.RandomState(123)

        def __call__(self):
            size = (50, 100)
            u = self.rng.random(size)
            v = self.rng.uniform(size=size)
            z = bm.sqrt(-2 * bm.log(u)) * bm.cos(2 * bm.pi * v)
            return z

    ob = bm.jit(MyOb())
    z1, z2 = arr(ob()), arr(ob())
    assert z1.shape == (50, 100) and z1.dtype == np.float32
    assert not np.array_equal(z1, z2) and abs(z1.std() - 1) < 0.1


def test_more_distributions_bands():
    bm.random.seed(9)
    n = 40_000
    for a in (0.4, 1.0, 3.0):
        g = arr(bm.random.gamma(a, size=n))
        assert g.min() >= 0 and abs(g.mean() - a) < 0.05 * max(a, 1) and abs(g.var() - a) < 0.15 * max(a, 1)
    assert abs(arr(bm.random.gamma(2., 3., n)).mean() - 6.) < 0.15
    b = arr(bm.random.beta(2., 5., n))
    assert 0 <= b.min() and b.max() <= 1 and abs(b.mean() - 2 / 7) < 0.008
    assert abs(arr(bm.random.chisquare(4., n)).mean() - 4.) < 0.1
    assert abs(arr(bm.random.standard_t(6., n)).var() - 1.5) < 0.15
    d = arr(bm.random.dirichlet(np.array([1., 2., 3.], np.float32), 2000))
    assert d.shape == (2000, 3)
    np.testing.assert_allclose(d.sum(1), 1., rtol=1e-5)
    np.testing.assert_allclose(d.mean(0), [1 / 6, 2 / 6, 3 / 6], atol=0.02)
    lap = arr(bm.random.laplace(1., 2., n))
    assert abs(np.median(lap) - 1.) < 0.08 and abs(lap.std() - 2 * np.sqrt(2)) < 0.15
    assert abs(arr(bm.random.logistic(size=n)).std() - np.pi / np.sqrt(3)) < 0.08
    assert abs(np.median(arr(bm.random.gumbel(size=n))) + np.log(np.log(2))) < 0.05
    assert abs(np.median(arr(bm.random.standard_cauchy(n)))) < 0.05
    assert abs(arr(bm.random.rayleigh(2., n)).mean() - 2 * np.sqrt(np.pi / 2)) < 0.08
    assert abs(arr(bm.random.maxwell(n)).mean() - 2 * np.sqrt(2 / np.pi)) < 0.05
    geo = arr(bm.random.geometric(0.25, n))
    assert geo.dtype == np.int32 and geo.min() >= 1 and abs(geo.mean() - 4) < 0.15
    c = arr(bm.random.categorical(np.log(np.array([0.2, 0.3, 0.5], np.float32)), size=(n,)))
    np.testing.assert_allclose(np.bincount(c, minlength=3) / n, [0.2, 0.3, 0.5], atol=0.015)
    f = bm.jit(lambda: bm.random.beta(2., 3., (4,)))
    assert not np.array_equal(arr(f()), arr(f()))
