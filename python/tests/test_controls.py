"""bm.for_loop, bm.while_loop, bm.cond, bm.ifelse: BrainPy's documented examples, compiled once (no retrace on a
second call), inside and outside bm.jit, errors that close their regions."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402


def np_of(x):
    return np.asarray(x)


# ---------------------------------------------------------------------------------------------------- for_loop
def test_for_loop_documented_example():
    a = bm.Variable(bm.zeros(1))
    b = bm.Variable(bm.ones(1))

    def body(x):
        a.value += x
        b.value *= x
        return a.value

    a_hist = bm.for_loop(body, operands=bm.arange(1, 5))
    np.testing.assert_array_equal(np_of(a_hist), [[1.], [3.], [6.], [10.]])
    np.testing.assert_array_equal(np_of(a), [10.])
    np.testing.assert_array_equal(np_of(b), [24.])

    def body2(x, y):
        a.value += x
        b.value *= y
        return a.value

    a_hist = bm.for_loop(body2, operands=(bm.arange(1, 5), bm.arange(2, 6)))
    np.testing.assert_array_equal(np_of(a_hist), [[11.], [13.], [16.], [20.]])


def test_for_loop_over_1000_scalars_stacks_to_1000_by_1():
    a = bm.Variable(bm.zeros(1))

    def body(x):
        a.value += x
        return a.value

    out = bm.for_loop(body, bm.arange(1000))
    assert out.shape == (1000, 1)
    assert float(out[-1, 0]) == 999 * 1000 / 2


def test_for_loop_is_traced_once():
    calls = []
    a = bm.Variable(bm.zeros(2))

    def body(x):
        calls.append(1)
        a.value = a + x
        return a.value * 2

    bm.for_loop(body, bm.ones((5, 2)))
    bm.for_loop(body, bm.ones((5, 2)))
    assert len(calls) == 1
    np.testing.assert_array_equal(np_of(a), [10., 10.])


def test_for_loop_pytrees_reverse_and_eager():
    xs = {'u': bm.arange(4), 'v': bm.arange(4) * 10}

    def body(d):
        return d['u'] + d['v'], (d['u'], None)

    s, (u, none) = bm.for_loop(body, xs)
    np.testing.assert_array_equal(np_of(s), [0, 11, 22, 33])
    assert none is None
    seen = []

    def rbody(x):
        seen.append(1)
        return x * 1

    np.testing.assert_array_equal(np_of(bm.for_loop(rbody, bm.arange(3), reverse=True)), [0, 1, 2])
    v = bm.Variable(bm.zeros(1))

    def order(x):
        v.value = v * 10 + x
        return v.value

    out = bm.for_loop(order, bm.arange(1, 4), reverse=True)
    np.testing.assert_array_equal(np_of(v), [321.])
    np.testing.assert_array_equal(np_of(out), [[321.], [32.], [3.]])
    n = []
    r = bm.for_loop(lambda x: (n.append(1), x + 1)[1], bm.arange(4), jit=False)
    assert len(n) == 4
    np.testing.assert_array_equal(np_of(r), [1, 2, 3, 4])


def test_for_loop_inside_jit_and_with_methods():
    class Counter(bp.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.a = bm.Variable(bm.zeros(1))

        def update(self, i):
            self.a += 1

    c = Counter()

    @bm.jit
    def run(xs):
        bm.for_loop(c.update, xs)
        return c.a.value

    np.testing.assert_array_equal(np_of(run(bm.arange(10))), [10.])
    np.testing.assert_array_equal(np_of(c.a), [10.])


def test_for_loop_body_error_closes_the_loop():
    v = bm.Variable(bm.zeros(1))

    def bad(x):
        v.value += x
        raise KeyError('inside')

    with pytest.raises(KeyError):
        bm.for_loop(bad, bm.arange(3))
    np.testing.assert_array_equal(np_of(v), [0.])
    assert bm.for_loop(lambda x: x * 2, bm.arange(3)).shape == (3,)


# ---------------------------------------------------------------------------------------------------- while_loop
def test_while_loop_counting_to_10_sums_to_55():
    i = bm.Variable(bm.zeros(1))
    counter = bm.Variable(bm.zeros(1))

    def cond_f():
        return i[0] < 10

    def body_f():
        i.value += 1.
        counter.value += i

    bm.while_loop(body_f, cond_f, operands=())
    np.testing.assert_array_equal(np_of(counter), [55.])
    np.testing.assert_array_equal(np_of(i), [10.])


def test_while_loop_documented_example():
    a = bm.Variable(bm.zeros(1))
    b = bm.Variable(bm.ones(1))

    def cond(x, y):
        return x < 6.

    def body(x, y):
        a.value += x
        b.value *= y
        return x + b[0], y + 1.

    res = bm.while_loop(body, cond, operands=(1., 1.))
    assert isinstance(res, tuple) and len(res) == 2
    assert float(res[0]) == 10. and float(res[1]) == 4.


def test_while_loop_single_operand_and_no_retrace():
    calls = []

    def body(x):
        calls.append(1)
        return x + 1

    r = bm.while_loop(body, lambda x: x < 10, 0)
    assert int(r[0]) == 10
    r = bm.while_loop(body, lambda x: x < 10, 3)
    assert len(calls) <= 2  # a new lambda for cond is a new function: the same body is traced at most once each
    body_calls = len(calls)
    cond_f = lambda x: x < 7  # noqa: E731
    bm.while_loop(body, cond_f, 0)
    bm.while_loop(body, cond_f, 2)
    assert len(calls) == body_calls + 1


def test_while_loop_inside_jit():
    @bm.jit
    def f(n):
        return bm.while_loop(lambda i, s: (i + 1, s + i), lambda i, s: i < n, (0, 0))

    i, s = f(5)
    assert int(i) == 5 and int(s) == 10


# ---------------------------------------------------------------------------------------------------- cond, ifelse
def test_cond_documented_example():
    a = bm.Variable(bm.zeros(2))
    b = bm.Variable(bm.ones(2))

    def true_f():
        a.value += 1

    def false_f():
        b.value -= 1

    bm.cond(True, true_f, false_f)
    np.testing.assert_array_equal(np_of(a), [1., 1.])
    np.testing.assert_array_equal(np_of(b), [1., 1.])
    bm.cond(False, true_f, false_f)
    np.testing.assert_array_equal(np_of(a), [1., 1.])
    np.testing.assert_array_equal(np_of(b), [0., 0.])


def test_cond_with_operands_values_and_no_retrace():
    calls = []

    def t(x):
        calls.append('t')
        return x * 2

    def f(x):
        calls.append('f')
        return x - 1

    assert float(bm.cond(True, t, f, bm.asarray(3.))) == 6.
    assert float(bm.cond(False, t, f, bm.asarray(3.))) == 2.
    assert calls == ['t', 'f']
    assert int(bm.cond(bm.asarray(1) > 0, 1, 2)) == 1
    assert int(bm.cond(False, 1, 2)) == 2
    with pytest.raises(TypeError):
        bm.cond(True, lambda: (bm.ones(1), bm.ones(1)), lambda: bm.ones(1))


def test_ifelse_documented_example():
    def f(a):
        return bm.ifelse(conditions=[a > 10, a > 5, a > 2, a > 0],
                         branches=[lambda: 1, lambda: 2, lambda: 3, lambda: 4, lambda: 5])

    assert int(f(1)) == 4

    def g(a):
        return bm.ifelse(conditions=[a > 10, a > 5, a > 2, a > 0], branches=[1, 2, 3, 4, 5])

    assert int(g(3)) == 3
    assert int(g(-1)) == 5
    assert int(bm.jit(g)(11)) == 1
    with pytest.raises(ValueError):
        bm.ifelse([True], [1, 2, 3])


def test_cond_inside_jit_updates_variables_of_the_taken_branch():
    v = bm.Variable(bm.zeros(1))

    @bm.jit
    def step(x):
        bm.cond(x > 0, lambda: v.update(v + x), lambda: v.update(v - 1))
        return v.value

    np.testing.assert_array_equal(np_of(step(2.)), [2.])
    np.testing.assert_array_equal(np_of(step(-5.)), [1.])
    assert step.stats()['traces'] == 1


def test_branch_error_propagates_and_leaves_variables():
    v = bm.Variable(bm.ones(1))

    def t():
        v.value += 1
        raise ZeroDivisionError('branch')

    with pytest.raises(ZeroDivisionError):
        bm.cond(True, t, lambda: None)
    np.testing.assert_array_equal(np_of(v), [1.])
    assert float(bm.cond(True, 1., 2.)) == 1.


def test_for_loop_over_an_empty_axis_gives_empty_outputs():
    # as JAX's scan of length 0
    assert bm.for_loop(lambda i: i * 2, bm.zeros((0,))).shape == (0,)
    assert bm.jit(lambda x: bm.for_loop(lambda i: i, x))(bm.zeros((0, 3))).shape == (0, 3)


def test_for_loop_leaves_numbers_in_bp_share():
    """BrainPy 2.8 leaves tracers in bp.share after `bm.for_loop(lambda i: model.step_run(i, ...), indices)`; the
    loop here also returns the last step's t and i and saves them back as numbers."""
    import brainjit as bp
    m = bp.dyn.LifRef(10)
    spk = bm.for_loop(lambda i: m.step_run(i, 20.), bm.arange(100))
    assert spk.shape == (100, 10)
    t, i = bp.share.load('t'), bp.share.load('i')
    assert isinstance(t, float) and isinstance(i, int)
    assert i == 99 and t == pytest.approx(9.9, rel=1e-6)
    bm.for_loop(lambda i: m.step_run(i, 20.), bm.arange(100, 150))
    assert bp.share.load('i') == 149 and bp.share.load('t') == pytest.approx(14.9, rel=1e-6)
    bp.share.clear()
