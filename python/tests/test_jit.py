"""bm.jit: the seed's Hello and selu examples verbatim, static arguments by position and name, keywords, pytrees,
methods and callable objects, JITTransform introspection, nested jit, cls_jit, deprecations, concretization errors."""

import functools
import gc
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402


def np_of(x):
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------------- seed examples
class Hello(bp.BrainPyObject):
    def __init__(self):
        super(Hello, self).__init__()
        self.a = bp.math.Variable(bp.math.array(10.))
        self.b = bp.math.Variable(bp.math.array(2.))

    def transform(self):
        self.a *= self.b


def test_seed_hello():
    test = Hello()
    jit_transform = bp.math.jit(test.transform)
    jit_transform()
    assert float(test.a) == 20.
    jit_transform()
    assert float(test.a) == 40.
    assert float(test.b) == 2.
    assert isinstance(jit_transform, bm.JITTransform)
    assert set(jit_transform.vars().keys()) == {f'{test.name}.a', f'{test.name}.b'}
    assert jit_transform.stats()['traces'] == 1
    assert f'{test.name}.transform' in repr(jit_transform)


@bm.jit
def selu(x, alpha=1.67, lmbda=1.05):
    return lmbda * bm.where(x > 0, x, alpha * bm.exp(x) - alpha)


def selu_ref(x, alpha=1.67, lmbda=1.05):
    x = x.astype(np.float64)
    return lmbda * np.where(x > 0, x, alpha * np.exp(x) - alpha)


X = np.linspace(-3, 3, 13).astype(np.float32)


def test_seed_selu_values_and_retraces_with_dynamic_alpha():
    f = bm.jit(selu.fun)
    y = f(bm.asarray(X))
    assert y.dtype == np.float32 and y.shape == X.shape
    np.testing.assert_allclose(np_of(y), selu_ref(X), rtol=2e-6, atol=1e-6)
    y2 = f(bm.asarray(X), 2.0)  # one more argument: a new signature, as in JAX (omitted defaults are constants)
    np.testing.assert_allclose(np_of(y2), selu_ref(X, alpha=2.0), rtol=2e-6, atol=1e-6)
    assert f.stats()['traces'] == 2
    f(bm.asarray(X), 1.5)  # a Python float is a dynamic, weakly typed argument: same signature
    assert f.stats()['traces'] == 2
    f(bm.asarray(X), alpha=1.5, lmbda=1.1)
    f(bm.asarray(X), 1.2, 1.3)  # keywords are bound to positions first: the same signature
    assert f.stats()['traces'] == 3
    f(bm.asarray(X[:5]))  # a new shape is a new signature
    assert f.stats()['traces'] == 4
    np.testing.assert_allclose(np_of(selu(bm.asarray(X))), selu_ref(X), rtol=2e-6, atol=1e-6)


def test_selu_static_argnames_retrace_per_value():
    f = bm.jit(selu.fun, static_argnames=('alpha', 'lmbda'))
    x = bm.asarray(X)
    f(x)
    f(x)
    assert f.stats()['traces'] == 1
    y = f(x, alpha=2.0)
    np.testing.assert_allclose(np_of(y), selu_ref(X, alpha=2.0), rtol=2e-6, atol=1e-6)
    assert f.stats()['traces'] == 2
    f(x, 2.0)  # by position: the same static value
    assert f.stats()['traces'] == 2
    f(x, lmbda=1.05)  # alpha is filled (1.67) and lmbda given: not f(x)'s signature (JAX retraces too)
    assert f.stats()['traces'] == 3
    f(x, 1.67, 1.05)
    assert f.stats()['traces'] == 3


def test_static_argnums_and_names_steer_python_control_flow():
    def f(x, n, mode='add'):
        for _ in range(n):
            x = x + 1 if mode == 'add' else x * 2
        return x

    g = bm.jit(f, static_argnums=1, static_argnames='mode')
    np.testing.assert_array_equal(np_of(g(bm.ones(2), 3)), [4., 4.])
    np.testing.assert_array_equal(np_of(g(bm.ones(2), 3, mode='mul')), [8., 8.])
    np.testing.assert_array_equal(np_of(g(bm.ones(2), n=2)), [3., 3.])
    assert g.stats()['traces'] == 3
    with pytest.raises(bp.errors.ConcretizationTypeError):
        bm.jit(f)(bm.ones(2), 3)


def test_static_unhashable_argument_is_a_type_error():
    g = bm.jit(lambda x, s: x, static_argnums=1)
    with pytest.raises(TypeError):
        g(bm.ones(2), [1, 2])


def test_unknown_static_argname_is_refused():
    with pytest.raises(ValueError):
        bm.jit(selu.fun, static_argnames='beta')


# ---------------------------------------------------------------------------------------------------- forms
def test_decorator_with_and_without_arguments_and_wraps():
    @bm.jit
    def f(x):
        """doc of f"""
        return x * 2

    @bm.jit(static_argnums=(1,))
    def g(x, k):
        return x * k

    assert f.__name__ == 'f' and f.__doc__ == 'doc of f' and f.__wrapped__ is not None
    np.testing.assert_array_equal(np_of(f(bm.ones(2))), [2., 2.])
    np.testing.assert_array_equal(np_of(g(bm.ones(2), 3)), [3., 3.])
    assert 'JITTransform' in repr(f) and 'f' in repr(f)


def test_callable_object_and_cls_jit():
    class Acc(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros(1))

        def __call__(self, x):
            self.total += x
            return self.total.value

    acc = Acc()
    f = bm.jit(acc)
    f(1.)
    np.testing.assert_array_equal(np_of(f(2.)), [3.])
    assert set(f.vars().keys()) == {f'{acc.name}.total'}

    class Prog(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.b = bm.Variable(bm.ones(2))

        @bm.cls_jit
        def __call__(self, x):
            self.b += x

        @bm.cls_jit(static_argnums=0)
        def scale(self, k):
            self.b *= k

    p = Prog()
    p(1.)
    p(1.)
    p.scale(2)
    np.testing.assert_array_equal(np_of(p.b), [6., 6.])
    assert p.scale is p.scale and isinstance(p.scale, bm.JITTransform)


def test_keyword_arguments_and_kwargs():
    @bm.jit
    def f(x, y=1., *, z=2., **extra):
        return x + y * z + sum(extra.values(), 0.)

    np.testing.assert_array_equal(np_of(f(bm.ones(2))), [3., 3.])
    np.testing.assert_array_equal(np_of(f(bm.ones(2), z=3.)), [4., 4.])
    np.testing.assert_array_equal(np_of(f(x=bm.ones(2), y=2., w=10.)), [15., 15.])
    with pytest.raises(TypeError):
        f()


def test_pytrees_in_and_out():
    @bm.jit
    def f(d, pair, items):
        return {'s': d['a'] + d['b'], 'p': (pair[0] * 2, pair[1])}, [i + 1 for i in items], None

    out, lst, none = f({'b': bm.ones(2), 'a': bm.ones(2) * 3}, (bm.zeros(1), 5.), [bm.ones(1), bm.zeros(1)])
    np.testing.assert_array_equal(np_of(out['s']), [4., 4.])
    np.testing.assert_array_equal(np_of(out['p'][0]), [0.])
    assert float(out['p'][1]) == 5.
    assert isinstance(lst, list) and float(lst[1][0]) == 1.
    assert none is None

    @bm.jit
    def two(x):
        return x, x * 2

    a, b = two(bm.ones(1))
    assert float(b[0]) == 2.

    @bm.jit
    def nothing(x):
        pass

    assert nothing(bm.ones(1)) is None


def test_numpy_arguments_and_result_outlives_the_handle():
    f = bm.jit(lambda x: x + 1)
    y = f(np.arange(3, dtype=np.float32))
    del f
    gc.collect()
    np.testing.assert_array_equal(np_of(y), [1., 2., 3.])


def test_nested_jit_inlines():
    inner = bm.jit(lambda x: x * 3)

    @bm.jit
    def outer(x):
        return inner(x) + 1

    np.testing.assert_array_equal(np_of(outer(bm.ones(2))), [4., 4.])
    np.testing.assert_array_equal(np_of(inner(bm.ones(2))), [3., 3.])


def test_variables_of_functions_are_listed():
    v = bm.Variable(bm.zeros(2))

    @bm.jit
    def f(x):
        v.value = v + x

    f(1.)
    assert any(var is v for var in f.vars().values())


def test_introspection_ir_source_stats_clear_cache():
    f = bm.jit(lambda x: bm.exp(x) * 2)
    x = bm.ones(4)
    ir = f.ir(x)
    assert isinstance(ir, str) and 'exp' in ir
    src = f.source(x)
    assert src is None or isinstance(src, str)
    f(x)
    f(x)
    s = f.stats()
    assert s['calls'] >= 2 and s['traces'] >= 1 and s['cache_hits'] >= 1
    f.clear_cache()
    f(x)
    assert f.stats()['traces'] == s['traces'] + 1


def test_dyn_vars_and_child_objs_are_deprecated():
    v = bm.Variable(bm.zeros(1))
    with pytest.warns(DeprecationWarning):
        f = bm.jit(lambda: v.value, dyn_vars=[v])
    with pytest.warns(DeprecationWarning):
        bm.jit(lambda: v.value, child_objs=Hello())
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        bm.jit(lambda: v.value)
    np.testing.assert_array_equal(np_of(f()), [0.])


def test_python_control_flow_on_traced_values_is_a_clear_error():
    @bm.jit
    def f(x):
        while x < 10:
            x = x + 1
        return x

    with pytest.raises(TypeError, match='static'):
        f(1.)


def test_partial_and_functools():
    f = bm.jit(functools.partial(selu.fun, alpha=1.0))
    np.testing.assert_allclose(np_of(f(bm.asarray(X))), selu_ref(X, alpha=1.0), rtol=2e-6, atol=1e-6)


def test_non_array_arguments_are_static_objects():
    seen = []

    @bm.jit
    def f(x, how, obj):
        seen.append((how, obj))
        return x * 2 if how == 'double' else x

    marker = object()
    np.testing.assert_array_equal(np_of(f(bm.ones(1), 'double', marker)), [2.])
    np.testing.assert_array_equal(np_of(f(bm.ones(1), 'same', marker)), [1.])
    f(bm.ones(1), 'same', marker)
    assert seen == [('double', marker), ('same', marker)]


def test_varargs_and_jit_of_a_jitted_function():
    @bm.jit
    def total(*xs):
        return sum(xs[1:], xs[0])

    np.testing.assert_array_equal(np_of(total(bm.ones(2), bm.ones(2), 1.)), [3., 3.])
    twice = bm.jit(total)
    np.testing.assert_array_equal(np_of(twice(bm.ones(2), 2.)), [3., 3.])


def test_static_argument_before_dynamic_ones():
    # trace.param numbers only the dynamic leaves: a static first argument must not shift them
    f = bm.jit(lambda n, x, y: x * n + y, static_argnums=0)
    out = f(3, bm.ones(2), bm.arange(2))
    assert np.allclose(np.asarray(out), [3.0, 4.0])
    out = f(2, bm.ones(2), bm.arange(2))
    assert np.allclose(np.asarray(out), [2.0, 3.0])


def test_donating_an_array_over_numpy_memory_leaves_the_numpy_array_alone():
    # bm.asarray(x) shares x's memory; donating it must not let the output be written into x
    x = np.arange(4, dtype=np.float32)
    f = bm.jit(lambda a: a * 2, donate_argnums=0)
    out = f(bm.asarray(x))
    assert np.array_equal(np.asarray(out), [0, 2, 4, 6])
    assert np.array_equal(x, [0, 1, 2, 3])


def test_omitted_defaults_stay_python_constants():
    # as in JAX: a parameter the caller leaves out is not an argument, so Python control flow on it works
    calls = []

    @bm.jit
    def f(x, n=3, flag=True):
        calls.append(1)
        for _ in range(n):
            x = x + 1
        return x if flag else -x

    assert np.allclose(np.asarray(f(bm.zeros(2))), [3, 3])
    assert np.allclose(np.asarray(f(bm.zeros(2))), [3, 3]) and len(calls) == 1
    with pytest.raises(TypeError):
        f(bm.zeros(2), 2)  # given positionally and not static: traced, so range(n) fails as in JAX
    g = bm.jit(f.__wrapped__, static_argnames=('n', 'flag'))
    assert np.allclose(np.asarray(g(bm.zeros(2), 2)), [2, 2])
    assert np.allclose(np.asarray(g(bm.zeros(2), flag=False)), [-3, -3])  # n filled before flag: static 3


def test_static_argnames_with_keyword_only_parameters_keep_positions():
    @bm.jit(static_argnames='alpha')
    def h(x, alpha=2.0, *, beta=1.0):
        return x * alpha + beta

    assert np.allclose(np.asarray(h(bm.ones(2))), [3, 3])
    assert np.allclose(np.asarray(h(bm.ones(2), beta=0.0)), [2, 2])
    assert np.allclose(np.asarray(h(bm.ones(2), 3.0, beta=0.0)), [3, 3])
