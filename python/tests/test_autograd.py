"""bm.jvp, bm.jacfwd, bm.vector_grad (forward mode, the C core's JVP): against derivatives known in closed form and
central differences, inside bm.jit (traced inline, on "cpu" and "interp") and outside (an implicit jit, concrete
results), in float32 and float64, with pytrees, has_aux / return_value, Variables (read: constants; written: an
error), the exponential-Euler pattern of bp.odeint's exp_auto inside bm.for_loop, and JAX's error cases."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit.math as bm  # noqa: E402

BACKENDS = ('cpu', 'interp')


@pytest.fixture
def x64():
    bm.enable_x64()
    try:
        yield
    finally:
        bm.disable_x64()


def a64(*v):
    return bm.asarray(np.array(v, dtype=np.float64))


def a32(*v):
    return bm.asarray(np.array(v, dtype=np.float32))


def npv(x):
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------------- jvp
@pytest.mark.parametrize('backend', BACKENDS)
def test_jvp_elementwise_known_derivatives_in_jit(backend):
    x = a32(-1.5, -0.2, 0.0, 0.7, 2.0)
    t = a32(1, 2, -1, 0.5, 3)
    cases = [(bm.sin, np.cos), (bm.exp, np.exp), (bm.tanh, lambda v: 1 - np.tanh(v) ** 2),
             (lambda v: v * bm.exp(v), lambda v: (1 + v) * np.exp(v)), (bm.abs, lambda v: np.where(v >= 0, 1., -1.)),
             (lambda v: bm.maximum(v, 0.0), lambda v: np.where(v > 0, 1., np.where(v == 0, .5, 0.)))]
    for f, df in cases:
        g = bm.jit(lambda a, b: bm.jvp(f, (a,), (b,)), backend=backend)
        y, dy = g(x, t)
        assert y.dtype == np.float32 and dy.dtype == np.float32
        np.testing.assert_allclose(npv(y), npv(f(x)), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(npv(dy), df(npv(x).astype(np.float64)) * npv(t), rtol=2e-6, atol=1e-6)


def test_jvp_outside_jit_is_concrete_and_matches_known_values():
    # jax.jvp(jnp.sin, (0.5,), (1.,)) == (sin 0.5, cos 0.5)
    y, dy = bm.jvp(bm.sin, (a32(0.5),), (a32(1.0),))
    assert isinstance(y, bm.Array) and isinstance(dy, bm.Array)
    np.testing.assert_allclose(npv(y), [np.sin(0.5)], rtol=1e-6)
    np.testing.assert_allclose(npv(dy), [np.cos(0.5)], rtol=1e-6)
    # Python floats are weakly typed scalars: the default float dtype
    y, dy = bm.jvp(lambda v: v ** 3, (2.0,), (1.0,))
    assert float(y) == 8.0 and float(dy) == 12.0


@pytest.mark.parametrize('backend', BACKENDS)
def test_jvp_against_central_differences_float64(x64, backend):
    rng = np.random.default_rng(0)

    def f(a, b):
        m = bm.matmul(a, bm.tanh(b))
        return bm.sum(m * m, axis=0) + bm.cumsum(bm.sort(b), axis=0) + bm.sqrt(bm.abs(a[:, 0]) + 1.0)

    a = bm.asarray(rng.normal(size=(3, 3)))
    b = bm.asarray(rng.normal(size=(3,)))
    ta = bm.asarray(rng.normal(size=(3, 3)))
    tb = bm.asarray(rng.normal(size=(3,)))
    y, dy = bm.jit(lambda *v: bm.jvp(f, v[:2], v[2:]), backend=backend)(a, b, ta, tb)
    assert dy.dtype == np.float64
    h = 1e-6
    fd = (npv(f(a + h * ta, b + h * tb)) - npv(f(a - h * ta, b - h * tb))) / (2 * h)
    np.testing.assert_allclose(npv(dy), fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(npv(y), npv(f(a, b)), rtol=1e-12)


def test_jvp_pytrees_and_has_aux():
    p = {'w': a32(1, 2), 'b': a32(0.5)}
    t = {'w': a32(1, 0), 'b': a32(2)}

    def f(d):
        out = d['w'] * d['w'] + d['b']
        return (out, bm.sum(out)), {'aux': d['w'] * 10}

    (y, s), (dy, ds), aux = bm.jvp(f, (p,), (t,), has_aux=True)
    np.testing.assert_allclose(npv(y), [1.5, 4.5])
    np.testing.assert_allclose(npv(dy), [2 * 1 * 1 + 2, 2 * 2 * 0 + 2])
    np.testing.assert_allclose(float(ds), 6.0)
    np.testing.assert_allclose(npv(aux['aux']), [10, 20])
    # inside a jit, the same
    r = bm.jit(lambda pp, tt: bm.jvp(f, (pp,), (tt,), has_aux=True))(p, t)
    np.testing.assert_allclose(npv(r[1][0]), [4, 2])


def test_jvp_variables_are_constants_and_writes_are_refused():
    w = bm.Variable(a32(2.0, 3.0))

    @bm.jit
    def f(x):
        y, dy = bm.jvp(lambda v: v * w.value + w.value ** 2, (x,), (bm.ones_like(x),))
        w.value = w.value + 1.0  # after the JVP: allowed
        return y, dy

    y, dy = f(a32(1.0, 1.0))
    np.testing.assert_allclose(npv(dy), [2, 3])
    np.testing.assert_allclose(npv(w), [3, 4])
    y, dy = f(a32(1.0, 1.0))
    np.testing.assert_allclose(npv(dy), [3, 4])  # the Variable's value at this call

    def writes(v):
        w.value = v * 2
        return v

    with pytest.raises(Exception, match='is written inside the differentiated function'):
        bm.jit(lambda x: bm.jvp(writes, (x,), (x,)))(a32(1.0, 1.0))
    np.testing.assert_allclose(npv(w), [4, 5])
    # the trace that failed left nothing open: the next one works
    np.testing.assert_allclose(npv(bm.jit(lambda x: bm.jvp(bm.exp, (x,), (x,))[1])(a32(0.0, 0.0))), [0, 0])


@pytest.mark.parametrize('backend', BACKENDS)
def test_exp_euler_with_jvp_inside_for_loop(backend, x64):
    # bp.odeint's exp_auto: x += dt * exprel(dt * df/dx) * f(x), the linear part from a JVP along ones
    v = bm.Variable(a64(-1.0, 0.2, 0.7, 2.0))
    dt = 0.1

    def rhs(x):
        return -x + 2 * bm.tanh(x) + 0.3

    def step(i):
        f, lin = bm.jvp(rhs, (v.value,), (bm.ones_like(v.value),))
        z = dt * lin
        v.value = v.value + dt * bm.expm1(z) / z * f
        return lin

    lins = bm.jit(lambda: bm.for_loop(step, bm.arange(10)), backend=backend)()
    ref = np.array([-1.0, 0.2, 0.7, 2.0])
    for _ in range(10):
        th = np.tanh(ref)
        f, lin = -ref + 2 * th + 0.3, -1 + 2 * (1 - th * th)
        z = dt * lin
        ref = ref + dt * np.expm1(z) / z * f
    np.testing.assert_allclose(npv(v), ref, rtol=1e-12)
    assert lins.shape == (10, 4)


def test_jvp_with_control_flow_inside(x64):
    def f(x):
        def body(c, _):
            return c * x + bm.sin(c), c * c
        c, ys = bm.scan(body, x, bm.arange(4))
        z = bm.cond(bm.sum(x) > 0, lambda a: a * a, lambda a: bm.exp(a), (c,))
        return z + bm.sum(ys, axis=0)

    x = a64(0.3, -0.2, 0.5)
    t = a64(1.0, 2.0, -1.0)
    y, dy = bm.jit(lambda a, b: bm.jvp(f, (a,), (b,)))(x, t)
    h = 1e-6
    fd = (npv(f(x + h * t)) - npv(f(x - h * t))) / (2 * h)
    np.testing.assert_allclose(npv(dy), fd, rtol=1e-6, atol=1e-9)


def test_jvp_second_derivative_by_nesting(x64):
    x = a64(1.0, 2.0, -3.0)
    one = bm.ones_like(x)
    d2 = bm.jit(lambda a: bm.jvp(lambda b: bm.jvp(lambda c: c ** 3, (b,), (one,))[1], (a,), (one,))[1])(x)
    np.testing.assert_allclose(npv(d2), 6 * npv(x))


def test_jvp_errors_are_jax_like():
    x = a32(1.0, 2.0)
    with pytest.raises(TypeError, match='must be callable'):
        bm.jvp(3, (x,), (x,))
    with pytest.raises(TypeError, match='tuple or a list'):
        bm.jvp(bm.sin, x, x)
    with pytest.raises(ValueError, match='equal length'):
        bm.jvp(bm.sin, (x,), (x, x))
    with pytest.raises(TypeError, match='same tree structure'):
        bm.jvp(lambda d: d['a'], ({'a': x},), ([x],))
    with pytest.raises(ValueError, match='different primal and tangent shapes'):
        bm.jvp(bm.sin, (x,), (a32(1.0),))
    with pytest.raises(TypeError, match='dtypes must be equal'):
        bm.jit(lambda a, b: bm.jvp(bm.sin, (a,), (b,)))(x, bm.asarray(np.array([1, 2], dtype=np.int32)))
    with pytest.raises(TypeError, match='only float values can be differentiated'):
        bm.jvp(lambda i: i * 2, (bm.arange(3),), (bm.arange(3),))
    with pytest.raises(TypeError, match='pair'):
        bm.jvp(bm.sin, (x,), (x,), has_aux=True)


# ---------------------------------------------------------------------------------------------------- jacfwd
@pytest.mark.parametrize('backend', BACKENDS)
def test_jacfwd_matches_closed_form(x64, backend):
    rng = np.random.default_rng(1)
    A = rng.normal(size=(2, 3))
    x = a64(*rng.normal(size=3))
    f = lambda v: bm.matmul(bm.asarray(A), bm.tanh(v))  # noqa: E731
    J = bm.jit(lambda v: bm.jacfwd(f)(v), backend=backend)(x)
    want = A * (1 - np.tanh(npv(x)) ** 2)[None, :]
    assert J.shape == (2, 3)
    np.testing.assert_allclose(npv(J), want, rtol=1e-12)


def test_jacfwd_layout_argnums_aux_and_value(x64):
    # out [2, 2] from in [3]: J [2, 2, 3]; argnums tuple: one Jacobian per argument
    def f(a, b):
        return bm.outer(a[:2], b) * 2.0, a

    a, b = a64(1., 2., 3.), a64(4., 5.)
    ja, jb = bm.jacfwd(lambda p, q: f(p, q)[0], argnums=(0, 1))(a, b)
    assert ja.shape == (2, 2, 3) and jb.shape == (2, 2, 2)
    want_a = np.zeros((2, 2, 3))
    want_b = np.zeros((2, 2, 2))
    for i in range(2):
        for j in range(2):
            want_a[i, j, i] = 2 * npv(b)[j]
            want_b[i, j, j] = 2 * npv(a)[i]
    np.testing.assert_allclose(npv(ja), want_a)
    np.testing.assert_allclose(npv(jb), want_b)
    jac, value, aux = bm.jacfwd(f, has_aux=True, return_value=True)(a, b)
    assert jac.shape == (2, 2, 3)
    np.testing.assert_allclose(npv(value), npv(f(a, b)[0]))
    np.testing.assert_allclose(npv(aux), npv(a))
    # a pytree input: the Jacobian has the input's structure per output leaf
    jd = bm.jacfwd(lambda d: d['u'] * d['v'])({'u': a64(1., 2.), 'v': a64(3., 4.)})
    np.testing.assert_allclose(npv(jd['u']), np.diag([3., 4.]))
    np.testing.assert_allclose(npv(jd['v']), np.diag([1., 2.]))
    # a scalar input and output
    np.testing.assert_allclose(float(bm.jacfwd(lambda s: s ** 3)(a64(2.0)[0])), 12.0)


# ---------------------------------------------------------------------------------------------------- vector_grad
@pytest.mark.parametrize('backend', BACKENDS)
def test_vector_grad_elementwise_and_general(x64, backend):
    x = a64(0.0, 1.0, 2.0)
    g = bm.jit(lambda v: bm.vector_grad(lambda u: u ** 3)(v), backend=backend)(x)
    np.testing.assert_allclose(npv(g), [0., 3., 12.])
    # not elementwise: the gradient of sum(f) = J^T 1
    A = np.array([[1., 2., 0.], [0., -1., 3.]])
    g = bm.jit(lambda v: bm.vector_grad(lambda u: bm.sin(bm.matmul(bm.asarray(A), u)))(v), backend=backend)(x)
    np.testing.assert_allclose(npv(g), A.T @ np.cos(A @ npv(x)), rtol=1e-12)


def test_vector_grad_brainpy_returns(x64):
    x, y = a64(1., 2.), a64(3., 4.)
    f = lambda a, b: (a * b, a + b)  # noqa: E731
    ga = bm.vector_grad(lambda a, b: f(a, b)[0])(x, y)
    np.testing.assert_allclose(npv(ga), npv(y))
    (ga, gb), value = bm.vector_grad(lambda a, b: f(a, b)[0], argnums=(0, 1), return_value=True)(x, y)
    np.testing.assert_allclose(npv(ga), npv(y))
    np.testing.assert_allclose(npv(gb), npv(x))
    np.testing.assert_allclose(npv(value), [3., 8.])
    ga, aux = bm.vector_grad(f, has_aux=True)(x, y)
    np.testing.assert_allclose(npv(aux), [4., 6.])
    ga, value, aux = bm.vector_grad(f, has_aux=True, return_value=True)(x, y)
    np.testing.assert_allclose(npv(ga), npv(y))

    @bm.vector_grad(argnums=1)
    def h(a, b):
        return a * b * b

    np.testing.assert_allclose(npv(h(x, y)), 2 * npv(x) * npv(y))
    assert bm.functional_vector_grad is bm.vector_grad
    with pytest.raises(NotImplementedError, match='grad_vars'):
        bm.vector_grad(lambda a: a, grad_vars=bm.Variable(a64(1.)))


def test_float32_stays_float32():
    x = a32(0.5, 1.5)
    g = bm.vector_grad(lambda u: bm.exp(u))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(npv(g), np.exp([0.5, 1.5]), rtol=1e-6)
    J = bm.jacfwd(bm.sin)(x)
    assert J.dtype == np.float32 and J.shape == (2, 2)


def test_an_exception_inside_closes_the_region():
    def bad(v):
        raise RuntimeError('boom')

    @bm.jit
    def f(x):
        try:
            bm.jvp(bad, (x,), (x,))
        except RuntimeError:
            pass
        return bm.jvp(bm.sin, (x,), (bm.ones_like(x),))[1]

    np.testing.assert_allclose(npv(f(a32(0.0, 1.0))), np.cos([0.0, 1.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match='boom'):
        bm.jvp(bad, (a32(1.0),), (a32(1.0),))


def test_stop_gradient_has_a_zero_derivative():
    # jax.jvp(lambda x: x * lax.stop_gradient(x) + lax.stop_gradient(x) ** 2, (x,), (ones,)) -> tangent x
    x = bm.asarray([1., -2., 0.5])
    y, t = bm.jvp(lambda x: x * bm.stop_gradient(x) + bm.stop_gradient(x) ** 2, (x,), (bm.ones(3),))
    np.testing.assert_allclose(np.asarray(y), [2., 8., 0.5])
    np.testing.assert_allclose(np.asarray(t), [1., -2., 0.5])
    for backend in ('cpu', 'interp'):
        f = bm.jit(lambda x: bm.stop_gradient(x) * 2., backend=backend)
        np.testing.assert_allclose(np.asarray(f(x)), [2., -4., 1.])
    tree = bm.stop_gradient({'a': x, 'b': 3})
    assert tree['b'] == 3 and np.array_equal(np.asarray(tree['a']), np.asarray(x))
