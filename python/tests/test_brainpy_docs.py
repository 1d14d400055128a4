"""test_brainpy_docs.py — BrainPy's documented behaviours (docstrings of for_loop/while_loop, the jit page, the
Variable tutorial) with the values BrainPy 2.8.2 and 2.6.1 print for the same code (run in a throwaway venv). Where the
two BrainPy versions differ, the issue's choice is tested and named."""
import math

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm


def npv(x):
    return np.asarray(x)


# ---------------------------------------------------------------- Variables read fresh, jitted methods

class Counter(bp.BrainPyObject):
    def __init__(self):
        super().__init__()
        self.c = bm.Variable(bm.zeros(1))

    def step(self, inc):
        self.c += inc
        return self.c.value

    def __call__(self, x):
        return self.c + x


def test_variables_read_fresh_on_every_call():
    cnt = Counter()
    st = bm.jit(cnt.step)
    assert npv(st(1.)).tolist() == [1.0]
    assert npv(st(2.)).tolist() == [3.0]
    assert npv(cnt.c).tolist() == [3.0]
    cnt.c.value = bm.ones(1) * 100
    assert npv(st(1.)).tolist() == [101.0]


def test_jit_of_object_with_call():
    cnt = Counter()
    cnt.c.value = bm.ones(1) * 101
    cj = bm.jit(cnt)
    assert npv(cj(5.)).tolist() == [106.0]
    assert npv(cnt.c).tolist() == [101.0]


def test_variables_of_global_objects_found():
    glob = Counter()

    def uses_glob(x):
        glob.c.value = glob.c + x
        return glob.c.value

    uj = bm.jit(uses_glob)
    assert npv(uj(1.)).tolist() == [1.0]
    assert npv(uj(1.)).tolist() == [2.0]
    assert npv(glob.c).tolist() == [2.0]


def test_objects_in_plain_lists_updated_under_jit():
    """Variables of objects kept in a plain list are found by tracing (BrainPy: the same)."""
    class Holder(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.items = [Counter(), Counter()]

        def step(self):
            for k, c in enumerate(self.items):
                c.c += k + 1

    h = Holder()
    f = bm.jit(h.step)
    f()
    f()
    assert [npv(c.c).tolist() for c in h.items] == [[2.0], [4.0]]


def test_cls_jit():
    class M(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.a = bm.Variable(bm.ones(2))

        @bm.cls_jit
        def upd(self, x):
            self.a += x
            return self.a.value

    m = M()
    assert npv(m.upd(1.)).tolist() == [2.0, 2.0]
    assert npv(m.upd(1.)).tolist() == [3.0, 3.0]
    m2 = M()
    assert npv(m2.upd(5.)).tolist() == [6.0, 6.0]
    assert npv(m.a).tolist() == [3.0, 3.0]


def test_nested_jit():
    ncalls = {"in": 0, "out": 0}

    @bm.jit
    def inner(x):
        ncalls["in"] += 1
        return x * 2

    @bm.jit
    def outer(x):
        ncalls["out"] += 1
        return inner(x) + 1

    assert npv(outer(bm.ones(2))).tolist() == [3.0, 3.0]
    assert npv(outer(bm.ones(2))).tolist() == [3.0, 3.0]
    assert ncalls == {"in": 1, "out": 1}  # BrainPy 2.8 / JAX: one trace each
    assert npv(inner(bm.ones(2))).tolist() == [2.0, 2.0]


def test_nested_jit_with_variables():
    v = bm.Variable(bm.zeros(2))

    @bm.jit
    def inner(x):
        v.value += x

    @bm.jit
    def outer(x):
        inner(x)
        inner(x * 2)
        return v.value

    assert npv(outer(bm.ones(2))).tolist() == [3.0, 3.0]
    assert npv(v).tolist() == [3.0, 3.0]


def test_jit_decorator_with_arguments_and_static_names():
    @bm.jit(static_argnums=1)
    def pw(x, n):
        return x ** n

    assert npv(pw(bm.ones(2) * 2, 3)).tolist() == [8.0, 8.0]

    @bm.jit(static_argnames='n')
    def pw2(x, n=2):
        return x ** n

    assert npv(pw2(bm.ones(2) * 3)).tolist() == [9.0, 9.0]
    assert npv(pw2(bm.ones(2) * 3, n=3)).tolist() == [27.0, 27.0]
    assert npv(pw2(bm.ones(2) * 3, 3)).tolist() == [27.0, 27.0]


def test_keyword_arguments():
    @bm.jit
    def kw(x, y=1.):
        return x + y

    assert npv(kw(x=bm.ones(2), y=2.)).tolist() == [3.0, 3.0]
    assert npv(kw(bm.ones(2))).tolist() == [2.0, 2.0]


def test_pytrees_in_and_out():
    @bm.jit
    def tree(d, t):
        return {'s': d['a'] + d['b'], 'l': [t[0] * 2, t[1]]}, (1, None)

    out, rest = tree({'a': bm.ones(2), 'b': bm.ones(2)}, (bm.ones(1), bm.zeros(1)))
    assert set(out) == {'s', 'l'}
    assert npv(out['s']).tolist() == [2.0, 2.0]
    assert isinstance(out['l'], list) and len(out['l']) == 2
    assert npv(out['l'][0]).tolist() == [2.0] and npv(out['l'][1]).tolist() == [0.0]
    assert isinstance(rest, tuple) and rest[1] is None
    assert int(rest[0]) == 1 and npv(rest[0]).dtype == np.int32


def test_non_hashable_static_argument():
    def g(x, s):
        return x

    gj = bm.jit(g, static_argnums=1)
    # JAX and BrainPy raise ValueError with this text; py_spec.md says TypeError: either is accepted here
    with pytest.raises((TypeError, ValueError), match="Non-hashable static arguments are not supported"):
        gj(1., [1, 2])


def test_dyn_vars_and_child_objs_deprecated():
    cnt = Counter()
    with pytest.warns(DeprecationWarning):
        f = bm.jit(lambda: cnt.c + 1, dyn_vars=[cnt.c])
        assert npv(f()).tolist() == [1.0]
    with pytest.warns(DeprecationWarning):
        f = bm.jit(lambda: cnt.c + 2, child_objs=cnt)
        assert npv(f()).tolist() == [2.0]


# ---------------------------------------------------------------- errors inside jit

def test_python_if_on_traced_value():
    @bm.jit
    def f_if(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError) as e:
        f_if(bm.array(1.))
    msg = str(e.value)
    assert "static" in msg and ("cond" in msg or "while_loop" in msg), msg


@pytest.mark.parametrize("conv", [float, int, bool])
def test_concrete_conversion_of_traced_value(conv):
    @bm.jit
    def f(x):
        return conv(x)

    with pytest.raises(TypeError) as e:
        f(bm.array(1.))
    assert "static" in str(e.value)


def test_python_while_on_traced_value():
    @bm.jit
    def f_while(x):
        while x < 10:
            x = x + 1
        return x

    with pytest.raises(TypeError):
        f_while(bm.array(1.))


def test_mutating_closed_over_array_inside_jit():
    """BrainPy 2.6 raises (UnexpectedTracerError), 2.8 silently leaks a tracer into the Array; the issue asks for an
    error that says to declare a Variable, and the Array must stay as it was."""
    closed = bm.zeros(3)

    @bm.jit
    def f_mut(x):
        closed[0] = x
        return closed

    with pytest.raises(bp.errors.MathError, match="Variable"):
        f_mut(1.)
    assert npv(closed).tolist() == [0.0, 0.0, 0.0]

    closed3 = bm.zeros(3)

    @bm.jit
    def f_mut3(x):
        closed3.value = closed3 + x
        return closed3

    with pytest.raises(bp.errors.MathError, match="Variable"):
        f_mut3(1.)
    assert npv(closed3).tolist() == [0.0, 0.0, 0.0]


def test_failed_trace_leaves_variables_unchanged():
    v = bm.Variable(bm.ones(2))

    @bm.jit
    def bad(x):
        v.value = v + x
        if x > 0:  # raises while tracing, after the write
            pass
        return v.value

    with pytest.raises(TypeError):
        bad(bm.array(1.))
    assert npv(v).tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- for_loop / while_loop / cond / ifelse

def test_for_loop_over_1000_scalars():
    a = bm.Variable(bm.zeros(1))

    def body(x):
        a.value += x
        return a.value

    r = bm.for_loop(body, bm.arange(1000))
    assert r.shape == (1000, 1)
    assert npv(r).dtype == np.float32
    assert npv(r)[-1].tolist() == [499500.0] and npv(r)[0].tolist() == [0.0] and npv(r)[2].tolist() == [3.0]
    assert npv(a).tolist() == [499500.0]


def test_for_loop_docstring_examples():
    a = bm.Variable(bm.zeros(1))
    b = bm.Variable(bm.ones(1))

    def body(x):
        a.value += x
        b.value *= x
        return a.value

    a_hist = bm.for_loop(body, operands=bm.arange(1, 5))
    assert npv(a_hist).tolist() == [[1.0], [3.0], [6.0], [10.0]]
    assert npv(a).tolist() == [10.0] and npv(b).tolist() == [24.0]

    def body(x, y):
        a.value += x
        b.value *= y
        return a.value

    a_hist = bm.for_loop(body, operands=(bm.arange(1, 5), bm.arange(2, 6)))
    assert npv(a_hist).tolist() == [[11.0], [13.0], [16.0], [20.0]]
    assert npv(a).tolist() == [20.0] and npv(b).tolist() == [2880.0]


def test_for_loop_shapes_and_pytrees():
    r = bm.for_loop(lambda x: x * 2, bm.arange(5))
    assert npv(r).tolist() == [0, 2, 4, 6, 8] and npv(r).dtype == np.int32
    r = bm.for_loop(lambda x, y: (x + y, x * y), (bm.arange(3.), bm.ones(3)))
    assert isinstance(r, tuple) and len(r) == 2
    assert npv(r[0]).tolist() == [1.0, 2.0, 3.0] and npv(r[1]).tolist() == [0.0, 1.0, 2.0]
    assert bm.for_loop(lambda x: None, bm.arange(3.)) is None
    assert bm.for_loop(lambda x: x, bm.random.rand(1000)).shape == (1000,)


def test_for_loop_reverse():
    acc = bm.Variable(bm.zeros(1))

    def body(x):
        acc.value = acc * 10 + x
        return acc.value

    r = bm.for_loop(body, bm.arange(1., 4.), reverse=True)
    # iterations run 3, 2, 1; outputs are stacked in the operands' order (JAX's scan with reverse=True)
    assert npv(acc).tolist() == [321.0]
    assert npv(r).tolist() == [[321.0], [32.0], [3.0]]


def test_for_loop_under_jit_not_retraced():
    count = [0]
    v = bm.Variable(bm.zeros(1))

    def body(x):
        count[0] += 1
        v.value += x
        return v.value

    @bm.jit
    def run(xs):
        return bm.for_loop(body, xs)

    run(bm.arange(10.))
    n = count[0]
    r = run(bm.arange(10.))
    assert count[0] == n == 1
    assert npv(r)[-1].tolist() == [90.0]


def test_while_loop_counts_to_ten():
    r = bm.while_loop(lambda i, s: (i + 1, s + i + 1), lambda i, s: i < 10, (0, 0))
    assert isinstance(r, tuple) and len(r) == 2
    assert int(r[0]) == 10 and int(r[1]) == 55
    assert npv(r[0]).dtype == np.int32 and npv(r[1]).dtype == np.int32


def test_while_loop_with_variables_only():
    i = bm.Variable(bm.zeros(1))
    s = bm.Variable(bm.zeros(1))

    def body():
        i.value += 1
        s.value += i

    def cond():
        return i[0] < 10

    r = bm.while_loop(body, cond, ())
    assert r == () or r is None or len(r) == 0
    assert npv(i).tolist() == [10.0] and npv(s).tolist() == [55.0]


def test_while_loop_docstring_example():
    a = bm.Variable(bm.zeros(1))
    b = bm.Variable(bm.ones(1))

    def cond(x, y):
        return x < 6.

    def body(x, y):
        a.value += x
        b.value *= y
        return x + b[0], y + 1.

    res = bm.while_loop(body, cond, operands=(1., 1.))
    assert float(res[0]) == 10.0 and float(res[1]) == 4.0
    assert npv(a).tolist() == [7.0] and npv(b).tolist() == [6.0]


def test_cond_and_ifelse():
    assert float(bm.cond(True, lambda x: x + 1, lambda x: x - 1, 3.)) == 4.0
    assert float(bm.cond(False, lambda x: x + 1, lambda x: x - 1, 3.)) == 2.0
    got = [int(bm.ifelse([x > 5, x > 0], [lambda y: 1, lambda y: 2, lambda y: 3], x)) for x in (6., 1., -1.)]
    assert got == [1, 2, 3]

    @bm.jit
    def f(x):
        return bm.cond(x > 0, lambda y: y * 2, lambda y: -y, x)

    assert float(f(bm.array(3.))) == 6.0 and float(f(bm.array(-3.))) == 3.0


# ---------------------------------------------------------------- Variable: in-place forms, messages

def test_variable_item_and_inplace_sequence():
    v = bm.Variable(bm.arange(4))
    ident = id(v)
    v[0] = 10
    assert npv(v).tolist() == [10, 1, 2, 3]
    v[1:3] = 9
    assert npv(v).tolist() == [10, 9, 9, 3]
    v -= 3
    assert npv(v).tolist() == [7, 6, 6, 0]
    v <<= 1
    assert npv(v).tolist() == [14, 12, 12, 0]
    assert id(v) == ident and isinstance(v, bm.Variable) and npv(v).dtype == np.int32


@pytest.mark.parametrize("op,expected", [
    ("+=", [3, 4, 5, 6]), ("*=", [2, 4, 6, 8]), ("//=", [0, 1, 1, 2]), ("%=", [1, 0, 1, 0]),
    ("**=", [1, 4, 9, 16]), (">>=", [0, 0, 0, 1]), ("&=", [0, 2, 2, 0]), ("|=", [3, 2, 3, 6]), ("^=", [3, 0, 1, 6]),
])
def test_int_variable_augmented_ops(op, expected):
    w = bm.Variable(bm.arange(1, 5))
    wid = id(w)
    ns = {"w": w}
    exec(f"w {op} 2", ns)
    assert ns["w"] is w and id(w) == wid
    assert npv(w).tolist() == expected and npv(w).dtype == np.int32


def test_float_variable_matmul_and_int_operand():
    w = bm.Variable(bm.arange(4.))
    w @= bm.ones((4, 4))
    assert npv(w).tolist() == [6.0, 6.0, 6.0, 6.0]
    w = bm.Variable(bm.arange(4.))
    w += bm.ones(4, dtype=bm.int32)
    assert npv(w).tolist() == [1.0, 2.0, 3.0, 4.0] and npv(w).dtype == np.float32


def test_int_variable_refuses_float_results():
    w = bm.Variable(bm.arange(1, 5))
    with pytest.raises(bp.errors.MathError) as e:
        w /= 2
    assert str(e.value) == "The dtype of the original data is int32, while we got float32."
    with pytest.raises(bp.errors.MathError):
        w += 1.5
    assert npv(w).tolist() == [1, 2, 3, 4]
    w[0] = 2.7  # item assignment casts (BrainPy: [2 1 2 3] with a warning)
    assert npv(w).tolist() == [2, 2, 3, 4] and npv(w).dtype == np.int32


def test_shape_and_dtype_messages():
    assert issubclass(bp.errors.MathError, ValueError)  # the choice (BrainPy's derives from Exception)
    v = bm.Variable(bm.zeros(10))
    with pytest.raises(bp.errors.MathError) as e:
        v.value = bm.array(1.)
    assert str(e.value) == "The shape of the original data is (10,), while we got () with batch_axis=None."
    with pytest.raises(bp.errors.MathError) as e:
        v.value = bm.zeros(10, dtype=bm.int32)
    assert str(e.value) == "The dtype of the original data is float32, while we got int32."
    with pytest.raises(bp.errors.MathError) as e:
        v.update(bm.zeros(3))
    assert str(e.value) == "The shape of the original data is (10,), while we got (3,) with batch_axis=None."
    with pytest.raises(ValueError) as e:
        v.update(bm.zeros(10, dtype=int))
    assert str(e.value) == "The dtype of the original data is float32, while we got int32."
    vi = bm.Variable(bm.arange(10))
    with pytest.raises(bp.errors.MathError) as e:
        vi.value = bm.zeros(10)
    assert str(e.value) == "The dtype of the original data is int32, while we got float32."
    with pytest.raises(bp.errors.MathError) as e:
        vi.update(3)
    assert str(e.value) == "The shape of the original data is (10,), while we got () with batch_axis=None."
    assert npv(v).tolist() == [0.0] * 10 and npv(vi).tolist() == list(range(10))


def test_value_and_update_accept_matching_values():
    w = bm.Variable(bm.zeros(3))
    w.value = bm.ones(3)
    assert npv(w).tolist() == [1.0, 1.0, 1.0]
    w.update(bm.ones(3) * 2)
    assert npv(w).tolist() == [2.0, 2.0, 2.0]
    w.value = np.ones(3)  # float64 numpy: converted to float32 with x64 off (BrainPy 2.8)
    assert npv(w).dtype == np.float32 and npv(w).tolist() == [1.0, 1.0, 1.0]


def test_variable_construction():
    v = bm.Variable(3)  # a size
    assert npv(v).tolist() == [0.0, 0.0, 0.0] and npv(v).dtype == np.float32
    assert npv(bm.Variable(3, dtype=bm.int32)).tolist() == [0, 0, 0]
    assert npv(bm.Variable(np.arange(3.))).dtype == np.float32
    assert npv(bm.Variable(np.arange(3))).dtype == np.int32
    vb = bm.Variable(bm.zeros((2, 3)), batch_axis=0)
    assert vb.batch_axis == 0 and vb.shape == (2, 3)


def test_variable_arithmetic_gives_arrays():
    v = bm.Variable(bm.arange(4.))
    r = v + 1
    assert not isinstance(r, bm.Variable)
    assert npv(r).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert isinstance(np.asarray(v), np.ndarray)


# ---------------------------------------------------------------- objects: names, vars(), nodes()

class HH(bp.BrainPyObject):
    def __init__(self, size=3, name=None):
        super().__init__(name=name)
        self.V = bm.Variable(bm.zeros(size))
        self.m = bm.Variable(bm.zeros(size))
        self.h = bm.Variable(bm.zeros(size))
        self.n = bm.Variable(bm.zeros(size))


def test_hh_like_vars():
    hh = HH()
    k = hh.name
    assert k.startswith("HH") and k[2:].isdigit()
    assert list(hh.vars().keys()) == [f"{k}.V", f"{k}.m", f"{k}.h", f"{k}.n"]
    assert hh.vars()[f"{k}.V"] is hh.V
    assert list(hh.nodes().keys()) == [k]


def test_default_names_count_per_class():
    class UniqueNameProbe(bp.BrainPyObject):
        pass

    assert UniqueNameProbe().name == "UniqueNameProbe0"
    assert UniqueNameProbe().name == "UniqueNameProbe1"


def test_explicit_and_duplicate_names():
    h = HH(name="docs_hh_explicit")
    assert list(h.vars().keys()) == ["docs_hh_explicit.V", "docs_hh_explicit.m", "docs_hh_explicit.h",
                                     "docs_hh_explicit.n"]
    with pytest.raises(bp.errors.UniqueNameError):
        HH(name="docs_hh_explicit")


def test_nested_objects_and_var_collections():
    class Net(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.a = HH()
            self.vl = bm.VarList([bm.Variable(bm.zeros(2)), bm.Variable(bm.ones(2))])
            self.vd = bm.VarDict({'p': bm.Variable(bm.zeros(2)), 'q': bm.Variable(bm.ones(2))})
            self.w = bm.Variable(bm.ones(1))
            self.plain = bm.ones(2)  # not a Variable: not listed

    net = Net()
    n, a = net.name, net.a.name
    keys = list(net.vars().keys())
    # BrainPy 2.8.2 and 2.6.1: the object's own first (VarList items "-i", VarDict items "-key"), then children's
    assert keys == [f"{n}.vl-0", f"{n}.vl-1", f"{n}.vd-p", f"{n}.vd-q", f"{n}.w",
                    f"{a}.V", f"{a}.m", f"{a}.h", f"{a}.n"]
    assert list(net.nodes().keys()) == [n, a]
    assert isinstance(net.vl, list) and isinstance(net.vd, dict)


def test_nodelist_and_nodedict():
    class Net(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.nl = bm.NodeList([HH()])
            self.nd = bm.NodeDict({'k': HH()})

    net = Net()
    l0, dk = net.nl[0].name, net.nd['k'].name
    assert list(net.vars().keys()) == [f"{l0}.V", f"{l0}.m", f"{l0}.h", f"{l0}.n",
                                       f"{dk}.V", f"{dk}.m", f"{dk}.h", f"{dk}.n"]
    assert list(net.nodes().keys()) == [net.name, l0, dk]


def test_jit_of_method_lists_object_vars():
    cnt = Counter()
    g = bm.jit(cnt.step)
    g(1.)
    assert list(g.vars().keys()) == [f"{cnt.name}.c"]


# ---------------------------------------------------------------- random

def test_random_seed_reproducible_and_jitted_draws_differ():
    bm.random.seed(42)
    a = npv(bm.random.rand(3))
    b = npv(bm.random.rand(3))
    bm.random.seed(42)
    assert np.array_equal(npv(bm.random.rand(3)), a) and not np.array_equal(a, b)

    @bm.jit
    def draw():
        return bm.random.rand(3)

    d1, d2 = npv(draw()), npv(draw())
    assert not np.array_equal(d1, d2)
    assert d1.dtype == np.float32 and ((d1 >= 0) & (d1 < 1)).all()
    bm.random.seed(42)
    e1 = npv(draw())
    bm.random.seed(42)
    assert np.array_equal(npv(draw()), e1)


def test_random_state_is_a_variable():
    rs = bm.random.RandomState(123)
    assert isinstance(rs, bm.Variable)  # BrainPy 2.6 (2.8's brainstate RandomState is not a bm.Variable)
    assert isinstance(bm.random.DEFAULT, bm.random.RandomState)
    x = npv(bm.random.RandomState(123).rand(2))
    assert np.array_equal(npv(bm.random.RandomState(123).rand(2)), x)

    class R(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.rng = bm.random.RandomState(1)

        def f(self):
            return self.rng.rand(2)

    r = R()
    fj = bm.jit(r.f)
    assert not np.array_equal(npv(fj()), npv(fj()))
    assert f"{r.name}.rng" in r.vars()


def test_random_dtypes_and_shapes():
    assert npv(bm.random.randint(0, 10, 5)).dtype == np.int32
    assert npv(bm.random.normal(size=3)).dtype == np.float32
    assert npv(bm.random.uniform(size=(3,))).dtype == np.float32
    assert npv(bm.random.bernoulli(0.5, 3)).dtype == np.bool_
    assert npv(bm.random.poisson(2., 3)).dtype == np.int32
    assert npv(bm.random.permutation(5)).dtype == np.int32
    assert sorted(npv(bm.random.permutation(5)).tolist()) == [0, 1, 2, 3, 4]
    assert npv(bm.random.choice(5, 3)).dtype == np.int32
    c = npv(bm.random.choice(5, 3, replace=False))
    assert c.shape == (3,) and len(set(c.tolist())) == 3
    assert npv(bm.random.exponential(1., 3)).dtype == np.float32
    assert bm.random.randn(2, 3).shape == (2, 3) and bm.random.random((2,)).shape == (2,)


# ---------------------------------------------------------------- dtypes, inside and outside jit

DTYPES = [
    ("arange(4)", lambda: bm.arange(4), "int32"),
    ("arange(4.)", lambda: bm.arange(4.), "float32"),
    ("ones(3)", lambda: bm.ones(3), "float32"),
    ("zeros(3)", lambda: bm.zeros(3), "float32"),
    ("array(10.)", lambda: bm.array(10.), "float32"),
    ("array(3)", lambda: bm.array(3), "int32"),
    ("array([1, 2])", lambda: bm.array([1, 2]), "int32"),
    ("array(True)", lambda: bm.array(True), "bool"),
    ("array(np float64)", lambda: bm.array(np.arange(3.)), "float32"),
    ("asarray(np int64)", lambda: bm.asarray(np.arange(3)), "int32"),
    ("mean(arange(4))", lambda: bm.mean(bm.arange(4)), "float32"),
    ("arange(4).mean()", lambda: bm.arange(4).mean(), "float32"),
    ("sum(arange(4))", lambda: bm.sum(bm.arange(4)), "int32"),
    ("arange(4) / 2", lambda: bm.arange(4) / 2, "float32"),
    ("arange(4) // 2", lambda: bm.arange(4) // 2, "int32"),
    ("arange(4) * 1.5", lambda: bm.arange(4) * 1.5, "float32"),
    ("arange(4) + True", lambda: bm.arange(4) + True, "int32"),
    ("exp(arange(4))", lambda: bm.exp(bm.arange(4)), "float32"),
    ("sqrt(arange(4))", lambda: bm.sqrt(bm.arange(4)), "float32"),
    ("linspace(0, 1, 5)", lambda: bm.linspace(0, 1, 5), "float32"),
    ("eye(3)", lambda: bm.eye(3), "float32"),
    ("full(3, 2)", lambda: bm.full(3, 2), "int32"),
    ("full(3, 2.)", lambda: bm.full(3, 2.), "float32"),
    ("zeros(3, bool)", lambda: bm.zeros(3, dtype=bool), "bool"),
    ("arange(4) > 2", lambda: bm.arange(4) > 2, "bool"),
    ("argmax", lambda: bm.argmax(bm.arange(4.)), "int32"),
    ("ones(3) + np.ones(3)", lambda: bm.ones(3) + np.ones(3), "float32"),
    ("std(arange(4))", lambda: bm.std(bm.arange(4)), "float32"),
    ("var(arange(4))", lambda: bm.var(bm.arange(4)), "float32"),
    ("cumsum(arange(4))", lambda: bm.cumsum(bm.arange(4)), "int32"),
    ("prod(arange(1, 4))", lambda: bm.prod(bm.arange(1, 4)), "int32"),
    ("one_hot(arange(3), 3)", lambda: bm.one_hot(bm.arange(3), 3), "float32"),
    ("where(c, 1, 0)", lambda: bm.where(bm.arange(4) > 1, 1, 0), "int32"),
    ("where(c, 1., 0)", lambda: bm.where(bm.arange(4) > 1, 1., 0), "float32"),
    ("remainder(arange(4), 3)", lambda: bm.remainder(bm.arange(4), 3), "int32"),
    ("power(arange(4), 2)", lambda: bm.power(bm.arange(4), 2), "int32"),
    ("round(ones(3))", lambda: bm.round(bm.ones(3)), "float32"),
    ("abs(arange(4))", lambda: bm.abs(bm.arange(4)), "int32"),
    ("sign(arange(4))", lambda: bm.sign(bm.arange(4)), "int32"),
    ("exprel(ones(3))", lambda: bm.exprel(bm.ones(3)), "float32"),
]


@pytest.mark.parametrize("label,make,dtype", DTYPES, ids=[d[0] for d in DTYPES])
def test_result_dtypes_eager_and_jitted(label, make, dtype):
    eager = make()
    assert str(npv(eager).dtype) == dtype
    jitted = bm.jit(make)()
    assert str(npv(jitted).dtype) == dtype
    np.testing.assert_allclose(npv(jitted), npv(eager), rtol=1e-6)


def test_documented_values():
    assert float(bm.mean(bm.arange(4))) == 1.5
    assert abs(float(bm.std(bm.arange(4))) - 1.118034) < 1e-6
    assert npv(bm.exprel(bm.zeros(1))).tolist() == [1.0]
    assert npv(bm.as_numpy(bm.ones(3))).dtype == np.float32 and isinstance(bm.as_numpy(bm.ones(3)), np.ndarray)


# ---------------------------------------------------------------- Array surface and printing

def test_array_properties():
    a = bm.ones((2, 3))
    assert a.T.shape == (3, 2) and a.ndim == 2 and a.size == 6 and a.shape == (2, 3)
    assert len(bm.arange(4)) == 4
    assert [int(x) for x in bm.arange(3)] == [0, 1, 2]
    assert isinstance(np.asarray(a), np.ndarray) and np.asarray(a).tolist() == [[1.0] * 3] * 2
    x = bm.arange(4)
    xid = id(x)
    x += 1
    assert id(x) == xid and npv(x).tolist() == [1, 2, 3, 4] and isinstance(x, bm.Array)
    x[0] = 5
    assert npv(x).tolist() == [5, 2, 3, 4]


def test_array_repr_as_brainpy():
    """BrainPy 2.8.2 and 2.6.1 print bm.Array the same way."""
    assert repr(bm.arange(4)) == "Array(value=Array([0, 1, 2, 3]), dtype=int32)"
    assert repr(bm.ones(3)) == "Array(value=Array([1., 1., 1.]), dtype=float32)"
    assert repr(bm.array(10.)) == "Array(value=Array(10.), dtype=float32)"
    assert repr(bm.array(3)) == "Array(value=Array(3), dtype=int32)"
    assert repr(bm.array(True)) == "Array(value=Array(True), dtype=bool)"
    assert repr(bm.array([True, False])) == "Array(value=Array([ True, False]), dtype=bool)"
    assert repr(bm.array([1.5, -2.25])) == "Array(value=Array([ 1.5 , -2.25]), dtype=float32)"
    assert repr(bm.zeros(2000)) == "Array(value=Array([0., 0., 0., ..., 0., 0., 0.]), dtype=float32)"
    assert repr(bm.asarray(np.arange(12.).reshape(3, 4))) == (
        "Array(value=Array([[ 0.,  1.,  2.,  3.],\n"
        "                   [ 4.,  5.,  6.,  7.],\n"
        "                   [ 8.,  9., 10., 11.]]),\n"
        "      dtype=float32)")


def test_array_str_as_brainpy_28():
    """BrainPy 2.8.2 prints values as numpy does (2.6.1 printed the repr)."""
    assert str(bm.arange(4)) == "[0 1 2 3]"
    assert str(bm.array(10.)) == "10.0"
    assert str(bm.zeros(2000)) == "[0. 0. 0. ... 0. 0. 0.]"


def test_variable_repr_as_brainpy_26():
    """BrainPy 2.6.1's form (2.8.2 prints brainstate's State repr with an abstract ShapedArray and no values)."""
    assert repr(bm.Variable(bm.arange(4))) == "Variable(value=Array([0, 1, 2, 3]), dtype=int32)"
    assert repr(bm.Variable(bm.array(10.))) == "Variable(value=Array(10.), dtype=float32)"
    assert repr(bm.Variable(bm.zeros(2000))) == "Variable(value=Array([0., 0., 0., ..., 0., 0., 0.]), dtype=float32)"
    assert repr(bm.Variable(bm.zeros((2, 3)))) == (
        "Variable(value=Array([[0., 0., 0.],\n"
        "                      [0., 0., 0.]]),\n"
        "         dtype=float32)")
    assert repr(bm.VarList([bm.Variable(bm.zeros(2))])) == "[Variable(value=Array([0., 0.]), dtype=float32)]"


# ---------------------------------------------------------------- environment

def test_environment():
    assert bm.get_dt() == 0.1
    assert bm.get_platform() == "cpu"
    bm.set_platform("cpu")
    old = bm.get_dt()
    try:
        bm.set_dt(0.05)
        assert bm.get_dt() == 0.05
    finally:
        bm.set_dt(old)
    assert bm.get_dt() == 0.1
    with bm.environment(dt=0.2):
        assert bm.get_dt() == 0.2
    assert bm.get_dt() == 0.1


def test_exp_decay_constant_matches_python():
    """A Python float folded into a float32 trace keeps the float32 value of the constant."""
    v = bm.Variable(bm.ones(2))

    @bm.jit
    def decay():
        v.value = v * math.exp(-0.1 / 5.0)
        return v.value

    y = npv(decay())
    assert y.dtype == np.float32
    assert y.tolist() == [float(np.float32(math.exp(-0.1 / 5.0)))] * 2
