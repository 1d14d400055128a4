"""BrainPy's own tutorials and docstrings (object / transform side) run unchanged but for the import: arrays,
Variables, BrainPyObject and collectors, bm.jit / cls_jit, control flow; and bm.jit's options (abstracted_axes,
keep_unused, inline, device, backend), deprecations and x64 at import. Expected values are BrainPy 2.8.2's (the tests
not marked brainjit-only pass on BrainPy itself through the shim described in notes/brainpy_facts.md)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402

# the parts that are brainjit's own API (stats(), abstracted_axes on 2.8's jit, ...) are not run on BrainPy
bj_only = pytest.mark.skipif(bp.__name__ != 'brainjit', reason="brainjit's own API")


def npv(x):
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------------- array tutorial
def test_array_tutorial_creation_and_dtypes():
    a = bm.arange(15).reshape((3, 5))
    assert a.shape == (3, 5) and a.ndim == 2 and a.dtype == np.int32
    assert bm.array([2, 3, 4]).dtype == np.int32
    b = bm.array([(1.5, 2, 3), (4, 5, 6)])
    assert b.dtype == np.float32 and npv(b).tolist() == [[1.5, 2., 3.], [4., 5., 6.]]
    assert bm.zeros((3, 4)).dtype == np.float32 and bm.ones((3, 4)).shape == (3, 4)
    r = bm.arange(2, 10, dtype=float)
    assert r.dtype == np.float32 and npv(r).tolist() == [2., 3., 4., 5., 6., 7., 8., 9.]
    r = bm.arange(2, 3, 0.1)
    assert r.dtype == np.float32 and r.shape == (10,)
    np.testing.assert_allclose(npv(bm.linspace(2, 3, 10))[[1, 4, 6]], [2.1111112, 2.4444447, 2.6666665], rtol=1e-6)


def test_array_tutorial_arithmetic_and_reductions():
    data, ones = bm.array([1, 2]), bm.ones(2)
    assert npv(data + ones).tolist() == [2., 3.] and (data + ones).dtype == np.float32
    assert npv(data - ones).tolist() == [0., 1.]
    assert npv(data * data).tolist() == [1, 4] and (data * data).dtype == np.int32
    assert npv(data / data).tolist() == [1., 1.] and (data / data).dtype == np.float32
    data = bm.array([1, 2, 3])
    assert int(data.max()) == 3 and int(data.min()) == 1 and int(data.sum()) == 6
    a = bm.array([[1, 2], [5, 3], [4, 6]])
    assert npv(a.max(axis=0)).tolist() == [5, 6] and npv(a.max(axis=1)).tolist() == [2, 5, 6]
    r = bm.array([1, 2]) * 1.6
    assert r.dtype == np.float32
    np.testing.assert_allclose(npv(r), [1.6, 3.2], rtol=1e-6)
    r = bm.array([[1, 2], [3, 4], [5, 6]]) + bm.array([[1, 1]])
    assert npv(r).tolist() == [[2, 3], [4, 5], [6, 7]] and r.dtype == np.int32
    A, B = bm.ones((8, 1, 6, 1)), bm.ones((7, 1, 5))
    assert (A + B).shape == (8, 7, 6, 5)
    with pytest.raises((TypeError, ValueError)):
        bm.ones(3) + bm.ones(4)
    with pytest.raises((TypeError, ValueError)):
        bm.ones((2, 1)) + bm.ones((8, 4, 3))


def test_array_tutorial_indexing_slicing_iteration(capsys):
    a = bm.Array(bm.arange(10) ** 3)
    assert int(a[2]) == 8 and npv(a[2:5]).tolist() == [8, 27, 64]
    a[:6:2] = 1000
    assert npv(a).tolist() == [1000, 1, 1000, 27, 1000, 125, 216, 343, 512, 729]
    assert npv(a[::-1]).tolist() == [729, 512, 343, 216, 125, 1000, 27, 1000, 1, 1000]
    roots = [float(i ** (1 / 3.)) for i in a]
    np.testing.assert_allclose(roots, [10, 1, 10, 3, 10, 5, 6, 7, 8, 9], rtol=1e-6)
    b = bm.arange(20).reshape((5, 4))
    assert int(b[2, 3]) == 11
    assert npv(b[0:5, 1]).tolist() == [1, 5, 9, 13, 17] == npv(b[:, 1]).tolist()
    assert npv(b[1:3, :]).tolist() == [[4, 5, 6, 7], [8, 9, 10, 11]]
    assert npv(b[-1]).tolist() == [16, 17, 18, 19]
    c = bm.arange(48).reshape((6, 4, 2))
    assert npv(c[1, ...]).tolist() == [[8, 9], [10, 11], [12, 13], [14, 15]]
    assert npv(c[..., 1])[0].tolist() == [1, 3, 5, 7] and c[..., 1].shape == (6, 4)
    for row in b[:3]:
        print(row)
    assert capsys.readouterr().out == '[0 1 2 3]\n[4 5 6 7]\n[ 8  9 10 11]\n'
    d = bm.linspace(0, 1, 10)
    np.testing.assert_allclose(npv(bm.sin(d))[[1, 9]], [0.11088263, 0.841471], rtol=1e-6)
    np.testing.assert_allclose(npv(bm.sinh(d))[[2, 9]], [0.22405574, 1.1752012], rtol=1e-6)
    assert npv(bm.round(d)).tolist() == [0., 0., 0., 0., 0., 1., 1., 1., 1., 1.]
    np.testing.assert_allclose(float(bm.sum(d)), 5.0, rtol=1e-6)


# ---------------------------------------------------------------------------------------------------- Variables
def test_arrays_and_variables_tutorial():
    t1 = bm.array([[[0, 1, 2, 3], [1, 2, 3, 4], [4, 5, 6, 7]],
                   [[0, 0, 0, 0], [-1, 1, -1, 1], [2, -2, 2, -2]]])
    assert (t1.ndim, t1.shape, t1.size, str(t1.dtype)) == (3, (2, 3, 4), 24, 'int32')
    t2 = bm.arange(4)
    t3 = bm.ones((2, 4)) * 1.5
    assert npv(t3[:, 2:]).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert npv(t2 + t3).tolist() == [[1.5, 2.5, 3.5, 4.5]] * 2
    assert npv(t3[0] / t1[0, 1]).tolist() == [1.5, 0.75, 0.5, 0.375]
    assert npv(bm.dot(t2, t3.T)).tolist() == [9., 9.]
    assert npv(bm.max(t1, axis=2)).tolist() == [[3, 4, 7], [0, 1, 2]]
    assert npv(t3.flatten()).tolist() == [1.5] * 8
    v = bm.Variable(t2)
    assert npv(v.value).tolist() == [0, 1, 2, 3] and npv(v + 2).tolist() == [2, 3, 4, 5]
    v[0] = 10
    v[1:3] = 9
    assert npv(v).tolist() == [10, 9, 9, 3]
    v -= 3
    v <<= 1
    assert npv(v).tolist() == [14, 12, 12, 0] and isinstance(v, bm.Variable)
    v.value = bm.arange(4)
    with pytest.raises(bp.errors.MathError, match='The dtype of the original data is int32, while we got float32.'):
        v.value = bm.array([1., 1., 1., 0.])
    v.update(bm.array([3, 4, 5, 6]))
    assert npv(v).tolist() == [3, 4, 5, 6]


def test_variables_tutorial_identity_and_errors():
    b1 = bm.asarray(np.array([0.4, 0.5, 0.1, 0.2, 0.8], np.float32))
    b2 = bm.Variable(b1)
    assert bool((b2.value == b1).all())
    assert npv(bm.floor(b2)).tolist() == [0.] * 5

    class YourVar(bm.Variable):
        pass

    class YourModel(bm.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.a = bm.Variable(bm.ones(1))
            self.b = YourVar(bm.zeros(1))

    model = YourModel()
    assert list(model.vars().subset(YourVar).keys()) == [f'{model.name}.b']
    assert isinstance(bm.TrainVar(bm.ones(4)), bm.Variable) and isinstance(bm.Parameter(bm.ones(1)), bm.Variable)

    a = bm.Variable(bm.zeros(5))
    id_of_a, id_of_data = id(a), id(a.value)
    assert id_of_a != id_of_data
    a[:] = 1.
    assert id(a) == id_of_a and npv(a).tolist() == [1.] * 5

    v = bm.Variable(bm.arange(10))
    old_id = id(v)
    v[0] = 1
    v[1: 2] = 1
    v[:] = 0
    v[...] = bm.arange(10)
    v += 1
    v *= 2
    v |= bm.random.randint(0, 2, 10)
    v **= 2
    v >>= 2
    v.value = bm.arange(10)
    assert id(v) == old_id and v.dtype == np.int32
    with pytest.raises(bp.errors.MathError, match=r'The shape of the original data is \(10,\), while we got \(\) '
                                                  r'with batch_axis=None.'):
        v.value = bm.asarray(1.)
    with pytest.raises(bp.errors.MathError, match='The dtype of the original data is int32, while we got float32.'):
        v.value = bm.random.random(10)
    v.update(bm.random.randint(0, 20, size=10))
    with pytest.raises(bp.errors.MathError, match=r'while we got \(\) with batch_axis=None.'):
        v.update(bm.asarray(1.))
    with pytest.raises(bp.errors.MathError, match='while we got float32.'):
        v.update(bm.random.random(10))


# ---------------------------------------------------------------------------------------------------- objects
class FHN(bp.BrainPyObject):
    """The base_and_collector tutorial's FHN, with its integrator written as a small child object."""

    def __init__(self, num, a=0.7, b=0.8, tau=12.5, Vth=1.9, name=None):
        super(FHN, self).__init__(name=name)
        self.num, self.a, self.b, self.tau, self.Vth = num, a, b, tau, Vth
        self.V = bm.Variable(bm.zeros(num))
        self.w = bm.Variable(bm.zeros(num))
        self.spike = bm.Variable(bm.zeros(num, dtype=bool))
        self.integral = Euler(self.derivative)

    def derivative(self, V, w, t, Iext):
        dw = (V + self.a - self.b * w) / self.tau
        dV = V - V * V * V / 3 - w + Iext
        return dV, dw

    def update(self, _t, _dt, x):
        V, w = self.integral(self.V, self.w, _t, x, _dt)
        self.spike[:] = bm.logical_and(V > self.Vth, self.V <= self.Vth)
        self.w[:] = w
        self.V[:] = V


class Euler(bp.BrainPyObject):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def __call__(self, V, w, t, Iext, dt):
        dV, dw = self.f(V, w, t, Iext)
        return V + dt * dV, w + dt * dw


class FeedForwardCircuit(bp.BrainPyObject):
    def __init__(self, num1, num2, w=0.1, a=0.7, b=0.8, tau=12.5, Vth=1.9, name=None):
        super(FeedForwardCircuit, self).__init__(name=name)
        self.pre = FHN(num1, a=a, b=b, tau=tau, Vth=Vth)
        self.post = FHN(num2, a=a, b=b, tau=tau, Vth=Vth)
        self.conn = bm.ones((num1, num2), dtype=bool) * w

    def update(self, _t, _dt, x):
        self.pre.update(_t, _dt, x)
        x2 = self.pre.spike @ self.conn
        self.post.update(_t, _dt, x2)


def test_base_tutorial_names_and_unique_name_error():
    x = FHN(10, name='compat_X')
    assert x.name == 'compat_X'
    with pytest.raises(bp.errors.UniqueNameError) as e:
        FHN(10, name='compat_X')
    msg = str(e.value)
    assert msg.startswith('In BrainPy, each object should have a unique name. However, we detect that <')
    assert 'FHN object at 0x' in msg
    assert msg.endswith('has a used name "compat_X". \nIf you try to run multiple trials, you may need \n\n'
                        '>>> brainpy.math.clear_name_cache() \n\nto clear all cached names. ')
    n1, n2 = FHN(10).name, FHN(10).name
    assert n1.startswith('FHN') and int(n2[3:]) == int(n1[3:]) + 1


def test_base_tutorial_vars_nodes_and_collectors():
    fhn = FHN(10)
    f, i = fhn.name, fhn.integral.name
    vs = fhn.vars()
    assert isinstance(vs, bp.ArrayCollector) and list(vs.keys()) == [f'{f}.V', f'{f}.w', f'{f}.spike']
    nodes = fhn.nodes()
    assert isinstance(nodes, bp.Collector) and list(nodes.keys()) == [f, i]
    assert list(fhn.nodes().subset(Euler).keys()) == [i]
    net = FeedForwardCircuit(8, 5)
    p, q, n = net.pre.name, net.post.name, net.name
    assert list(net.vars().keys()) == [f'{p}.V', f'{p}.w', f'{p}.spike', f'{q}.V', f'{q}.w', f'{q}.spike']
    assert list(net.nodes().keys()) == [n, p, q, net.pre.integral.name, net.post.integral.name]
    assert list(net.nodes(method='relative').keys()) == ['', 'pre', 'post', 'pre.integral', 'post.integral']
    assert list(net.pre.nodes('relative').keys()) == ['', 'integral']
    assert list(net.vars('relative').keys()) == ['pre.V', 'pre.w', 'pre.spike', 'post.V', 'post.w', 'post.spike']
    assert list(net.post.vars('relative').keys()) == ['V', 'w', 'spike']
    # the jitted update runs the whole circuit (values: BrainPy 2.8.2)
    step = bm.jit(net.update)
    for k in range(5):
        step(k * 0.1, 0.1, 2.0)
    np.testing.assert_allclose(npv(net.pre.V), [1.1741] * 8, atol=2e-4)
    np.testing.assert_allclose(npv(net.post.V), [-0.0061] * 5, atol=2e-4)
    np.testing.assert_allclose(npv(net.pre.w), [0.045] * 8, atol=2e-4)


def test_base_tutorial_shared_variables_and_collector_errors():
    class ModelA(bp.BrainPyObject):
        def __init__(self):
            super(ModelA, self).__init__()
            self.a = bm.Variable(bm.zeros(5))

    class SharedA(bp.BrainPyObject):
        def __init__(self, source):
            super(SharedA, self).__init__()
            self.source = source
            self.a = source.a

    class Group(bp.BrainPyObject):
        def __init__(self):
            super(Group, self).__init__()
            self.A = ModelA()
            self.A_shared = SharedA(self.A)

    g = Group()
    assert list(g.vars('relative').keys()) == ['A.a', 'A_shared.a', 'A_shared.source.a']
    assert list(g.vars('relative').unique().keys()) == ['A.a']
    assert list(g.nodes('relative').keys()) == ['', 'A', 'A_shared', 'A_shared.source']
    assert list(g.nodes('relative').unique().keys()) == ['', 'A', 'A_shared']
    tc = bp.Collector({'a': bm.zeros(10)})
    with pytest.raises(ValueError, match='Name "a" conflicts: same name for'):
        tc['a'] = bm.zeros(1)
    with pytest.raises(ValueError, match='Name "a" conflicts'):
        tc.update({'a': bm.ones(1)})
    tc.replace('a', bm.ones(3))
    assert npv(tc['a']).tolist() == [1., 1., 1.]
    s = bp.Collector({'a': bm.zeros(10)}) + bp.Collector({'b': bm.ones(10)})
    assert list(s.keys()) == ['a', 'b']


def test_state_dict_round_trip():
    fhn = FHN(3)
    fhn.V.value = bm.ones(3)
    sd = fhn.state_dict()
    assert list(sd.keys()) == [fhn.name, fhn.integral.name]
    n = fhn.name
    assert sorted(sd[n].keys()) == [f'{n}.V', f'{n}.spike', f'{n}.w'] and sd[fhn.integral.name] == {}
    fhn.V.value = bm.zeros(3)
    r = fhn.load_state_dict(sd)
    assert tuple(r) == ([], []) and r.missing_keys == [] and npv(fhn.V).tolist() == [1., 1., 1.]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        r = fhn.load_state_dict({n: {f'{n}.V': bm.zeros(3), 'zz': bm.ones(1)}})
    assert r.unexpected_keys == [f'{n}.zz'] and sorted(r.missing_keys) == [f'{n}.{n}.spike', f'{n}.{n}.w']
    assert len(w) == 2 and npv(fhn.V).tolist() == [0., 0., 0.]


def test_clear_name_cache_restarts_default_names():
    # in a fresh interpreter: it resets every class's counter, which other tests' objects must not see
    code = ('import brainjit as bp, brainjit.math as bm\n'
            'class Foo(bp.BrainPyObject): pass\n'
            'a, b = Foo(), Foo(name="keep")\n'
            'bm.clear_name_cache()\n'
            'c, d = Foo(), Foo(name="keep")\n'
            'print(a.name, c.name, Foo().name, d.name)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), '..')))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['Foo0', 'Foo0', 'Foo1', 'keep']


# ---------------------------------------------------------------------------------------------------- jit tutorial
class LogisticRegression(bp.BrainPyObject):
    def __init__(self, dimension):
        super(LogisticRegression, self).__init__()
        self.dimension = dimension
        self.w = bm.Variable(2.0 * bm.ones(dimension) - 1.3)

    def __call__(self, X, Y):
        u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, self.w))) - 1.0) * Y), X)
        self.w[:] = self.w - u


def test_compilation_tutorial_logistic_regression():
    rng = np.random.default_rng(0)
    points = bm.asarray(rng.random((200, 10), dtype=np.float32))
    labels = bm.asarray(rng.random(200, dtype=np.float32))
    lr = LogisticRegression(10)
    lr(points, labels)
    eager = npv(lr.w).copy()
    lr2 = LogisticRegression(10)
    lr_jit = bm.jit(lr2)
    lr_jit(points, labels)
    np.testing.assert_allclose(npv(lr2.w), eager, rtol=1e-5, atol=1e-5)
    lr_jit(points, labels)
    assert not np.allclose(npv(lr2.w), eager)


def test_compilation_tutorial_static_and_errors():
    @bm.jit
    def f(x):
        if x < 3:
            return 3. * x ** 2
        else:
            return -4 * x

    with pytest.raises(TypeError) as e:
        f(1.)
    assert type(e.value).__name__ == 'TracerBoolConversionError'

    def f(x):
        if x < 3:
            return 3. * x ** 2
        else:
            return -4 * x

    f_jit = bm.jit(f, static_argnames=('x',))
    assert float(f_jit(x=1.)) == 3.0 and float(f_jit(x=4.)) == -16.0

    def function():
        return bm.random.normal(0, 1, size=(10,))

    f1 = bm.jit(function)
    assert not bool((f1() == f1()).any())


@bj_only
def test_traced_bool_names_the_python_argument():
    @bm.jit
    def g(d, k=2):
        if d['a'][0] > 1:
            return d['a'][0]
        return d['a'][0] * 2

    with pytest.raises(bp.errors.TracerBoolConversionError) as e:
        g({'a': (bm.ones(1), 1)})
    msg = str(e.value)
    assert "d['a'][0]" in msg and 'static_argnums=0' in msg and "static_argnames='d'" in msg and 'bm.cond' in msg

    @bm.jit
    def h(x):
        return 1 if x > 1 else 2

    with pytest.raises(ValueError, match='more than one element is ambiguous'):
        h(bm.ones(3))


# ---------------------------------------------------------------------------------------------------- control flow
class OddEven(bp.BrainPyObject):
    def __init__(self, type_=1):
        super(OddEven, self).__init__()
        self.type_ = type_
        self.a = bm.Variable(bm.zeros(1))

    def __call__(self):
        if self.type_ == 1:
            self.a += 1
        elif self.type_ == 2:
            self.a -= 1
        else:
            raise ValueError(f'Unknown type: {self.type_}')
        return self.a


def test_control_flows_tutorial():
    assert npv(bm.jit(OddEven(type_=1))()).tolist() == [1.]
    assert npv(bm.jit(OddEven(type_=2))()).tolist() == [-1.]
    with pytest.raises(ValueError, match='Unknown type: 3'):
        bm.jit(OddEven(type_=3))()

    class OddEvenCauseError(bp.BrainPyObject):
        def __init__(self):
            super(OddEvenCauseError, self).__init__()
            self.rand = bm.Variable(bm.random.random(1))
            self.a = bm.Variable(bm.zeros(1))

        def __call__(self):
            if self.rand < 0.5:
                self.a += 1
            else:
                self.a -= 1
            return self.a

    wrong = OddEvenCauseError()
    with pytest.raises(TypeError) as e:
        bm.jit(wrong)()
    assert type(e.value).__name__ == 'TracerBoolConversionError' and float(wrong.a[0]) == 0.
    r = bm.where(1. < 0, 0., 1.)
    assert float(r) == 1.0 and r.dtype == np.float32
    x = bm.asarray(np.array([0.1, 0.7, 0.4, 0.9, 0.2], np.float32))
    assert npv(bm.where(x < 0.5, 0., 1.)).tolist() == [0., 1., 0., 1., 0.]

    class OddEvenCond(bp.BrainPyObject):
        def __init__(self, r):
            super(OddEvenCond, self).__init__()
            self.rand = bm.Variable(bm.asarray([r]))
            self.a = bm.Variable(bm.zeros(1))

        def __call__(self):
            self.a += bm.ifelse(self.rand[0] < 0.5, [lambda: 1., lambda: -1.])
            return self.a

    assert npv(bm.jit(OddEvenCond(0.7))()).tolist() == [-1.]
    assert npv(bm.jit(OddEvenCond(0.2))()).tolist() == [1.]

    def f(a):
        return bm.ifelse(conditions=[a > 10, a > 5, a > 0, a > -5], branches=[1., 2., 3., 4., 5.])

    assert [float(f(v)) for v in (11., 6., 1., -4., -6.)] == [1., 2., 3., 4., 5.]

    def f2(a, x):
        return bm.ifelse(conditions=[a > 10, a > 5, a > 0, a > -5],
                         branches=[lambda x: x * 2, 2., lambda x: x ** 2 - 1, lambda x: x - 4., 5.],
                         operands=x)

    assert [float(f2(a, 1.)) for a in (11, 6, 1, -4, -6)] == [2., 2., 0., -3., 5.]
    a, b = bm.Variable(bm.zeros(2)), bm.Variable(bm.ones(2))

    def true_f():
        a.value += 1

    def false_f():
        b.value -= 1

    bm.ifelse(True, [true_f, false_f])
    bm.ifelse(False, [true_f, false_f])
    assert npv(a).tolist() == [1., 1.] and npv(b).tolist() == [0., 0.]


def test_control_flows_tutorial_loops():
    class LoopStruct(bp.BrainPyObject):
        def __init__(self):
            super(LoopStruct, self).__init__()
            self.seq = bm.arange(1., 101.)
            self.res = bm.Variable(bm.zeros(1))

        def __call__(self):
            def add(s):
                self.res += s
                return self.res.value

            return bm.for_loop(body_fun=add, operands=self.seq)

    model = LoopStruct()
    r = bm.jit(model)()
    assert r.shape == (100, 1) and float(r[-1, 0]) == 5050. and float(model.res[0]) == 5050.
    i, counter = bm.Variable(bm.zeros(1)), bm.Variable(bm.zeros(1))

    def cond_f():
        return i[0] < 10

    def body_f():
        i.value += 1.
        counter.value += i

    bm.while_loop(body_f, cond_f, operands=())
    assert npv(counter).tolist() == [55.] and npv(i).tolist() == [10.]
    i = bm.Variable(bm.zeros(1))

    def cond_f(counter):
        return i[0] < 10

    def body_f(counter):
        i.value += 1.
        return (counter + i[0],)

    r = bm.while_loop(body_f, cond_f, operands=(1.,))
    assert isinstance(r, tuple) and len(r) == 1 and float(r[0]) == 56.


def test_scan():
    c, ys = bm.scan(lambda c, x: (c + x, c * x), 0., bm.arange(4.))
    assert float(c) == 6. and npv(ys).tolist() == [0., 0., 2., 9.]
    c, ys = bm.scan(lambda c, x: (c + x, c * x), 0., bm.arange(4.), reverse=True)
    assert float(c) == 6. and npv(ys).tolist() == [0., 5., 6., 0.]
    v = bm.Variable(bm.zeros(2))

    def body(c, x):
        v.value += x['a']
        return (c[0] + 1, c[1] * 2.), {'o': v.value, 'p': x['b'] * c[1]}

    (n, w), ys = bm.scan(body, (0, bm.ones(2)), {'a': bm.ones((3, 2)), 'b': bm.arange(3.)})
    assert int(n) == 3 and npv(w).tolist() == [8., 8.] and npv(v).tolist() == [3., 3.]
    assert npv(ys['o']).tolist() == [[1., 1.], [2., 2.], [3., 3.]]
    assert npv(ys['p']).tolist() == [[0., 0.], [2., 2.], [8., 8.]]


def test_docstring_examples_of_jit_and_control_flow():
    class SomeProgram(bp.BrainPyObject):
        def __init__(self):
            super(SomeProgram, self).__init__()
            self.a = bm.zeros(2)
            self.b = bm.Variable(bm.ones(2))

        @bm.cls_jit(inline=True)
        def __call__(self, *args, **kwargs):
            a = bm.random.uniform(size=2)
            a = a.at[0].set(1.)
            self.b += a

    program = SomeProgram()
    program()
    assert program.b.shape == (2,) and float(program.b[0]) == 2.

    def f(a):
        return bm.ifelse(conditions=[a > 10, a > 5, a > 2, a > 0],
                         branches=[lambda: 1, lambda: 2, lambda: 3, lambda: 4, lambda: 5])

    assert [int(f(v)) for v in (1, 11, 6, -1)] == [4, 1, 2, 5]
    fj = bm.jit(f)
    assert [int(fj(v)) for v in (3, 100, -5)] == [3, 1, 5]
    a, b = bm.Variable(bm.zeros(2)), bm.Variable(bm.ones(2))

    def true_f():
        a.value += 1

    def false_f():
        b.value -= 1

    bm.cond(True, true_f, false_f)
    bm.cond(False, true_f, false_f)
    assert npv(a).tolist() == [1., 1.] and npv(b).tolist() == [0., 0.]


# ---------------------------------------------------------------------------------------------------- an example script
class EchoStateNet(bp.BrainPyObject):
    """BrainPy's examples/dynamics_training/Sussillo_Abbott_2009_FORCE_Learning.py (DynamicalSystem -> BrainPyObject,
    weights from numpy so that both libraries see the same numbers)."""

    def __init__(self, rng, num_input, num_hidden, num_output, tau=1.0, dt=0.1, g=1.8, alpha=1.0):
        super(EchoStateNet, self).__init__()
        rn = lambda size: bm.asarray(rng.standard_normal(size).astype(np.float32))  # noqa: E731
        self.num_output, self.tau, self.dt = num_output, tau, dt
        self.w_ir = rn((num_input, num_hidden)) / bm.sqrt(num_input)
        self.w_rr = g * rn((num_hidden, num_hidden)) / bm.sqrt(num_hidden)
        self.w_or = rn((num_output, num_hidden))
        w_ro = rn((num_hidden, num_output)) / bm.sqrt(num_hidden)
        self.w_ro = bm.Variable(w_ro)
        self.h = bm.Variable(rn(num_hidden) * 0.5)
        self.r = bm.Variable(bm.tanh(self.h))
        self.o = bm.Variable(bm.dot(self.r, w_ro))
        self.P = bm.Variable(bm.eye(num_hidden) * alpha)

    def update(self, x):
        dhdt = -self.h + bm.dot(x, self.w_ir)
        dhdt += bm.dot(self.r, self.w_rr)
        dhdt += bm.dot(self.o, self.w_or)
        self.h += self.dt / self.tau * dhdt
        self.r.value = bm.tanh(self.h)
        self.o.value = bm.dot(self.r, self.w_ro)
        return self.r.value, self.o.value

    def rls(self, target):
        k = bm.expand_dims(bm.dot(self.P, self.r), axis=1)
        hPh = bm.dot(self.r.T, k)
        c = 1.0 / (1.0 + hPh)
        self.P -= bm.dot(k * c, k.T)
        e = bm.atleast_2d(self.o - target)
        dw = bm.dot(-c * k, e)
        self.w_ro += dw

    def simulate(self, xs):
        return bm.for_loop(self.update, operands=xs)

    def train(self, xs, targets):
        def _f(x, target):
            r, o = self.update(x)
            self.rls(target)
            return r, o

        return bm.for_loop(_f, operands=[xs, targets])


def test_force_learning_example():
    rng = np.random.default_rng(0)
    xs = bm.zeros((30, 1))
    esn1 = EchoStateNet(rng, 1, 100, 20, g=1.8)
    rs, ys = esn1.simulate(xs)
    assert rs.shape == (30, 100) and ys.shape == (30, 20)
    targets = rs[:, 0: esn1.num_output]
    esn3 = EchoStateNet(rng, 1, 100, 20, g=1.5, alpha=1.)
    rs3, ys3 = esn3.train(xs=xs, targets=targets)
    w_eager = npv(esn3.w_ro).copy()
    # BrainPy 2.8.2 on the same weights
    np.testing.assert_allclose(float(np.sum(npv(rs))), -83.01126861572266, rtol=1e-5)
    np.testing.assert_allclose(float(np.sum(npv(ys3))), -28.365419387817383, rtol=1e-5)
    np.testing.assert_allclose(npv(ys3)[-1, :3], [0.7552338242530823, 1.0701677799224854, 1.1526211500167847],
                               rtol=1e-5)
    np.testing.assert_allclose(w_eager[0, :3], [0.002637741155922413, -0.24126170575618744, -0.022832727059721947],
                               rtol=1e-4, atol=1e-7)
    esn4 = EchoStateNet(np.random.default_rng(0), 1, 100, 20, g=1.8)
    esn5 = EchoStateNet(np.random.default_rng(0), 1, 100, 20, g=1.8)
    r4, y4 = bm.jit(esn4.simulate)(xs)
    r5, y5 = esn5.simulate(xs)
    np.testing.assert_allclose(npv(r4), npv(r5), atol=1e-5)
    tr = bm.jit(esn3.train)
    tr(xs, targets)
    assert np.all(np.isfinite(npv(esn3.w_ro))) and not np.allclose(npv(esn3.w_ro), w_eager)


# ---------------------------------------------------------------------------------------------------- jit options
def test_jit_of_callable_object_and_bound_method():
    class Counter(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.c = bm.Variable(bm.zeros(1))

        def step(self, inc):
            self.c += inc
            return self.c.value

        def __call__(self, x):
            return self.c + x

    cnt = Counter()
    g = bm.jit(cnt.step)
    assert float(g(1.)[0]) == 1. and float(g(2.)[0]) == 3.
    cnt.c.value = bm.ones(1) * 100
    assert float(g(1.)[0]) == 101. and float(bm.jit(cnt)(5.)[0]) == 106.


def test_dyn_vars_and_child_objs_are_deprecated():
    vv = bm.Variable(bm.zeros(1))

    def g(x):
        vv.value += x
        return vv.value

    for kw in ({'dyn_vars': [vv]}, {'child_objs': []}):
        with pytest.warns(DeprecationWarning, match='is deprecated and ignored. This function automatically '
                                                    'collects the dynamical variables'):
            gj = bm.jit(g, **kw)
        assert float(gj(1.)[0]) == float(vv[0])


@bj_only
def test_abstracted_axes_one_executable_for_every_size():
    calls = []

    def f(x, y):
        calls.append(1)
        return (x * 2).sum(axis=0) + y

    jf = bm.jit(f, abstracted_axes=({0: 'n'}, None))
    for n in (3, 5, 7):
        r = jf(bm.ones((n, 2)), 1.)
        assert npv(r).tolist() == [2. * n + 1.] * 2
    assert jf.stats()['traces'] == 1 and len(calls) == 1 and jf.stats()['calls'] == 3
    # one tuple of names for every argument (JAX's broadcast of an axes leaf); a size mismatch is refused
    jg = bm.jit(lambda a, b: a * b, abstracted_axes=('n',))
    for n in (2, 4, 9):
        assert npv(jg(bm.arange(float(n)), bm.ones(n))).tolist() == list(range(n))
    assert jg.stats()['traces'] == 1
    with pytest.raises(ValueError, match='n = 3'):
        jg(bm.arange(3.), bm.arange(4.))
    # a pytree spec matching the argument; keyword arguments
    jd = bm.jit(lambda d: d['a'].sum() + d['b'], abstracted_axes=({'a': {0: 'n'}},))
    assert float(jd({'a': bm.ones(4), 'b': 1.})) == 5. and float(jd(d={'a': bm.ones(9), 'b': 2.})) == 11.
    assert jd.stats()['traces'] == 1
    jd.clear_cache()
    jd({'a': bm.ones(2), 'b': 0.})
    assert jd.stats()['traces'] == 2
    with pytest.raises(ValueError, match='names 1 axes'):
        bm.jit(lambda x: x, abstracted_axes=(('n',),))(bm.ones((2, 2)))
    v = bm.Variable(bm.ones(3))
    with pytest.raises(ValueError, match='not an array argument'):
        bm.jit(lambda x: x + 1, abstracted_axes=({0: 'n'},))(v)


@bj_only
def test_keep_unused_inline_device_backend():
    ku = bm.jit(lambda x, y: x + 1, keep_unused=True)
    assert npv(ku(bm.ones(2), bm.ones(3))).tolist() == [2., 2.]
    assert 'f32[3]' in ku.ir(bm.ones(2), bm.ones(3))
    assert 'f32[3]' not in bm.jit(lambda x, y: x + 1).ir(bm.ones(2), bm.ones(3))

    @bm.jit(inline=True)
    def inner(x):
        return x * 3

    @bm.jit
    def outer(x):
        return inner(x) + inner(x + 1)

    assert npv(outer(bm.ones(2))).tolist() == [9., 9.] and inner.stats()['traces'] == 0
    assert npv(inner(bm.ones(2))).tolist() == [3., 3.]
    for dev in (None, 'cpu'):
        assert float(bm.jit(lambda x: x + 1, device=dev)(1.)) == 2.
    with pytest.raises(NotImplementedError, match='CPU only'):
        bm.jit(lambda x: x, device='gpu')
    f_interp = bm.jit(lambda x: bm.exp(x) * 2, backend='interp')
    np.testing.assert_allclose(npv(f_interp(bm.arange(3.))), npv(bm.jit(lambda x: bm.exp(x) * 2)(bm.arange(3.))))
    with pytest.raises(NotImplementedError, match='backends "cpu"'):
        bm.jit(lambda x: x, backend='gpu')


@bj_only
def test_jittransform_introspection_and_cls_jit():
    class M(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.v = bm.Variable(bm.ones(2))

        @bm.cls_jit
        def upd(self, x):
            self.v += x
            return self.v.value

    m1, m2 = M(), M()
    assert npv(m1.upd(1.)).tolist() == [2., 2.] and npv(m1.upd(1.)).tolist() == [3., 3.]
    assert npv(m2.upd(5.)).tolist() == [6., 6.]
    jt = m1.upd
    assert isinstance(jt, bm.JITTransform) and jt is m1.upd and jt.__name__ == 'upd'
    assert list(jt.vars().keys()) == [f'{m1.name}.v']
    assert repr(jt).startswith('JITTransform(name=JITTransform') and f'{m1.name}.upd' in repr(jt)
    assert jt.stats()['traces'] == 1
    jt.clear_cache()
    jt(1.)
    assert jt.stats()['traces'] == 2 and npv(m1.v).tolist() == [4., 4.]


@bj_only
def test_x64_on_in_the_c_core_at_import():
    code = ('import brainjit.math as bm\n'
            'print(bm.x64_enabled(), bm.array(1.).dtype, bm.arange(3).dtype, bm.float_.__name__)\n')
    env = dict(os.environ, BJ_X64='1', PYTHONPATH=os.path.join(os.path.dirname(__file__), '..'))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['True', 'float64', 'int64', 'float64']


def test_modes_environment_and_small_helpers():
    assert repr(bm.get_mode()) == 'NonBatchingMode' and bm.get_mode() == bm.nonbatching_mode
    assert repr(bm.batching_mode) == 'BatchingMode(batch_size=1)'
    assert bm.training_mode.is_batch_mode() and bm.training_mode.is_train_mode()
    assert bm.TrainingMode(4).to_batch_mode() == bm.BatchingMode()
    with bm.environment(mode=bm.training_mode, dt=0.05):
        assert bm.get_mode() == bm.training_mode and bm.get_dt() == 0.05
    assert bm.get_mode() == bm.nonbatching_mode and bm.get_dt() == 0.1
    with pytest.raises(TypeError):
        bm.set_mode('batching')
    f = bm.to_object(lambda x: x + 1, child_objs=[])
    assert isinstance(f, bp.BrainPyObject) and float(f(1.)) == 2.
    r = bm.for_loop(lambda x: x * 2, bm.arange(3), progress_bar=bm.ProgressBar(freq=2))
    assert npv(r).tolist() == [0, 2, 4]
    v = bm.as_variable(bm.ones(2))
    assert isinstance(v, bm.Variable) and npv(v).tolist() == [1., 1.]
