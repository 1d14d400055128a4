"""test_seed.py — the seed's two examples from BrainPy's bm.jit page (Hello and selu), verbatim but for the import,
with the values and the trace counts BrainPy 2.8.2 / JAX give, measured in a throwaway venv."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

X = [-2.0, -1.0, 0.0, 1.0, 2.0]
# selu(X) as BrainPy 2.8.2 (jax 0.10.2, float32) prints it
SELU_DEFAULT = [-1.5161895, -1.1084234, 0.0, 1.05, 2.1]       # alpha=1.67, lmbda=1.05
SELU_2_1 = [-1.7293295, -1.2642411, 0.0, 1.0, 2.0]            # alpha=2.0, lmbda=1.0
SELU_15_11 = [-1.4266968, -1.0429989, 0.0, 1.1, 2.2]          # alpha=1.5, lmbda=1.1


def selu_ref(x, alpha, lmbda):
    """The formula in float32 numpy (what examples/selu.c compares with, there in C)."""
    x = np.asarray(x, np.float32)
    a, l = np.float32(alpha), np.float32(lmbda)
    return l * np.where(x > 0, x, a * np.exp(x) - a)


def check_selu(y, alpha, lmbda, brainpy_values):
    y = np.asarray(y)
    assert y.dtype == np.float32 and y.shape == (5,)
    np.testing.assert_array_max_ulp(y, selu_ref(X, alpha, lmbda), maxulp=2)
    np.testing.assert_allclose(y, np.asarray(brainpy_values, np.float32), rtol=1e-6, atol=0)


# ---------------------------------------------------------------- the seed, verbatim (import changed)

class Hello(bp.BrainPyObject):
  def __init__(self):
    super(Hello, self).__init__()
    self.a = bp.math.Variable(bp.math.array(10.))
    self.b = bp.math.Variable(bp.math.array(2.))
  def transform(self):
    self.a *= self.b


@bp.math.jit
def selu(x, alpha=1.67, lmbda=1.05):
  return lmbda * bp.math.where(x > 0, x, alpha * bp.math.exp(x) - alpha)


# ---------------------------------------------------------------- spellings

def test_three_spellings_are_one_api():
    assert bp.math is bm
    assert bp.math.Variable is bm.Variable
    assert bp.math.jit is bm.jit
    assert bp.BrainPyObject is bm.BrainPyObject
    assert bp.math.array is bm.array and bp.math.where is bm.where and bp.math.exp is bm.exp


# ---------------------------------------------------------------- Hello

SEED_HELLO = textwrap.dedent('''\
    import brainjit as bp
    class Hello(bp.BrainPyObject):
      def __init__(self):
        super(Hello, self).__init__()
        self.a = bp.math.Variable(bp.math.array(10.))
        self.b = bp.math.Variable(bp.math.array(2.))
      def transform(self):
        self.a *= self.b

    test = Hello()
    bp.math.jit(test.transform)
    ''')


def test_hello_verbatim_in_a_fresh_interpreter():
    """The seed's text exactly, then two calls: names start at Hello0 in a fresh process."""
    script = SEED_HELLO + textwrap.dedent('''\
        f = bp.math.jit(test.transform)
        r1 = f(); a1 = float(test.a)
        r2 = f(); a2 = float(test.a)
        print("RESULT", r1, r2, a1, a2, float(test.b), test.name, sorted(test.vars().keys()), Hello().name)
        ''')
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT")]
    assert line == ["RESULT None None 20.0 40.0 2.0 Hello0 ['Hello0.a', 'Hello0.b'] Hello1"], p.stdout


def test_hello_transform_twice():
    test = Hello()
    f = bp.math.jit(test.transform)
    assert f() is None
    assert float(test.a) == 20.0
    assert f() is None
    assert float(test.a) == 40.0
    assert float(test.b) == 2.0
    a = test.a.value
    assert np.asarray(a).dtype == np.float32 and np.asarray(a).shape == ()
    assert isinstance(test.a, bm.Variable)


def test_hello_names_and_vars():
    test = Hello()
    assert test.name.startswith("Hello") and test.name[5:].isdigit()
    assert list(test.vars().keys()) == [f"{test.name}.a", f"{test.name}.b"]
    k = int(test.name[5:])
    assert Hello().name == f"Hello{k + 1}"


def test_hello_jit_object():
    """bm.jit gives a JITTransform: callable with the method's metadata, printable, with the object's vars."""
    test = Hello()
    f = bp.math.jit(test.transform)
    assert callable(f)
    assert type(f).__name__ == "JITTransform"
    assert f.__name__ == "transform"
    assert f.__wrapped__ == test.transform
    assert isinstance(repr(f), str) and repr(f)
    f()
    assert set(f.vars().keys()) == {f"{test.name}.a", f"{test.name}.b"}
    assert float(test.a) == 20.0


def test_hello_traced_once():
    """The method is traced on the first call only (a Python counter in its body)."""
    count = [0]

    class HelloCounted(bp.BrainPyObject):
        def __init__(self):
            super(HelloCounted, self).__init__()
            self.a = bp.math.Variable(bp.math.array(10.))
            self.b = bp.math.Variable(bp.math.array(2.))

        def transform(self):
            count[0] += 1
            self.a *= self.b

    test = HelloCounted()
    f = bp.math.jit(test.transform)
    for k in range(1, 4):
        f()
        assert float(test.a) == 10.0 * 2 ** k
    assert count[0] == 1
    assert f.stats()["traces"] == 1


def test_hello_sees_outside_writes():
    """A Variable set outside the jitted method is read fresh by the next call."""
    test = Hello()
    f = bp.math.jit(test.transform)
    f()
    test.b.value = bm.array(3.)
    f()
    assert float(test.a) == 60.0


# ---------------------------------------------------------------- selu

def test_selu_verbatim_values():
    x = bm.array(X)
    check_selu(selu(x), 1.67, 1.05, SELU_DEFAULT)
    check_selu(selu(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    check_selu(selu(x, alpha=1.5, lmbda=1.1), 1.5, 1.1, SELU_15_11)
    check_selu(selu(x, lmbda=1.0, alpha=2.0), 2.0, 1.0, SELU_2_1)
    assert selu.__name__ == "selu"


def test_selu_numpy_input():
    y = selu(np.asarray(X, np.float32))
    check_selu(y, 1.67, 1.05, SELU_DEFAULT)


def make_counted():
    count = [0]

    def selu(x, alpha=1.67, lmbda=1.05):
        count[0] += 1
        return lmbda * bp.math.where(x > 0, x, alpha * bp.math.exp(x) - alpha)

    return selu, count


def test_selu_dynamic_traces_once_per_signature():
    """Dynamic alpha/lmbda (weakly typed Python floats): one trace serves every value (JAX: 1 trace for these 3)."""
    fn, count = make_counted()
    f = bm.jit(fn)
    x = bm.array(X)
    check_selu(f(x, 1.67, 1.05), 1.67, 1.05, SELU_DEFAULT)
    check_selu(f(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    check_selu(f(x, 1.5, 1.1), 1.5, 1.1, SELU_15_11)
    assert count[0] == 1
    # Python ints are another weak type: JAX traces again (4 -> 5 in its count), once for every int value
    check_selu(f(x, 2, 1), 2.0, 1.0, SELU_2_1)
    assert count[0] == 2
    f(x, 3, 2)
    assert count[0] == 2
    # a new shape is a new signature
    f(bm.array(X + [3.0]), 1.67, 1.05)
    assert count[0] == 3
    f(x, 1.0, 1.0)
    assert count[0] == 3


def test_selu_defaults_traced_once():
    """The seed's call with the defaults, repeated: one trace (JAX: 1)."""
    fn, count = make_counted()
    f = bp.math.jit(fn)
    x = bm.array(X)
    for _ in range(3):
        check_selu(f(x), 1.67, 1.05, SELU_DEFAULT)
    assert count[0] == 1


def test_selu_static_argnames_trace_per_value():
    """static_argnames: alpha and lmbda are folded; each new value pair is a trace, a repeated one is not (JAX: the
    same counts for calls passed the same way)."""
    fn, count = make_counted()
    f = bm.jit(fn, static_argnames=("alpha", "lmbda"))
    x = bm.array(X)
    check_selu(f(x, alpha=1.67, lmbda=1.05), 1.67, 1.05, SELU_DEFAULT)
    check_selu(f(x, alpha=1.67, lmbda=1.05), 1.67, 1.05, SELU_DEFAULT)
    assert count[0] == 1
    check_selu(f(x, alpha=2.0, lmbda=1.0), 2.0, 1.0, SELU_2_1)
    assert count[0] == 2
    check_selu(f(x, alpha=2.0, lmbda=1.0), 2.0, 1.0, SELU_2_1)
    check_selu(f(x, alpha=1.67, lmbda=1.05), 1.67, 1.05, SELU_DEFAULT)
    assert count[0] == 2
    check_selu(f(x, alpha=1.5, lmbda=1.1), 1.5, 1.1, SELU_15_11)
    assert count[0] == 3


def test_selu_static_argnames_positional_and_defaults():
    """Static names also apply to values passed by position (mapped through inspect.signature) and to defaults."""
    fn, count = make_counted()
    f = bm.jit(fn, static_argnames=("alpha", "lmbda"))
    x = bm.array(X)
    check_selu(f(x), 1.67, 1.05, SELU_DEFAULT)
    check_selu(f(x), 1.67, 1.05, SELU_DEFAULT)
    assert count[0] == 1
    check_selu(f(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    n = count[0]
    check_selu(f(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    check_selu(f(x, 3.0, 1.0), 3.0, 1.0, list(selu_ref(X, 3.0, 1.0)))
    assert count[0] == n + 1


def test_selu_static_argnums():
    fn, count = make_counted()
    f = bm.jit(fn, static_argnums=(1, 2))
    x = bm.array(X)
    check_selu(f(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    check_selu(f(x, 2.0, 1.0), 2.0, 1.0, SELU_2_1)
    assert count[0] == 1
    check_selu(f(x, 1.67, 1.05), 1.67, 1.05, SELU_DEFAULT)
    check_selu(f(x, 1.67, 1.05), 1.67, 1.05, SELU_DEFAULT)
    assert count[0] == 2


def test_selu_static_and_dynamic_agree():
    fd, _ = make_counted()
    fs, _ = make_counted()
    dyn = bm.jit(fd)
    sta = bm.jit(fs, static_argnames=("alpha", "lmbda"))
    x = bm.array(X)
    for a, l in ((1.67, 1.05), (2.0, 1.0), (0.5, 3.0)):
        yd = np.asarray(dyn(x, a, l))
        ys = np.asarray(sta(x, alpha=a, lmbda=l))
        np.testing.assert_array_max_ulp(yd, ys, maxulp=1)


def test_selu_stats_count_traces():
    fn, count = make_counted()
    f = bm.jit(fn, static_argnames=("alpha", "lmbda"))
    x = bm.array(X)
    f(x, alpha=1.0, lmbda=1.0)
    f(x, alpha=2.0, lmbda=1.0)
    f(x, alpha=2.0, lmbda=1.0)
    st = f.stats()
    assert st["traces"] == count[0] == 2
    assert st["compiles"] == 2 and st["cache_misses"] == 2 and st["cache_size"] == 2


def test_selu_inside_jit_is_inlined():
    """The seed's selu called from another jitted function: same values."""
    @bm.jit
    def outer(x):
        return selu(x) + 1.0

    y = np.asarray(outer(bm.array(X)))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, selu_ref(X, 1.67, 1.05) + np.float32(1.0), rtol=0, atol=1e-6)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
