"""brainjit._core, the C extension, on its own: zero-copy buffers both ways and their lifetimes, donation, the error
mapping, ops (eager and traced), the Jit hot path (pytrees, static arguments, retraces), Variables, control flow,
random numbers, and reference counts over many calls."""

import gc
import glob
import importlib.util
import os
import sys
import tracemalloc

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_core():
    try:
        from brainjit import _core
        return _core
    except Exception:  # the package's __init__ may be broken while the extension is fine: load the module alone
        paths = glob.glob(os.path.join(HERE, '..', 'brainjit', '_core*.so'))
        if not paths:
            raise
        spec = importlib.util.spec_from_file_location('brainjit._core', paths[0])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules.setdefault('brainjit._core', mod)
        return mod


_core = _load_core()


class A(_core.ArrayBase):
    """The Array class results are made of (registered with set_types)."""


class V(A):
    pass


class MyShapeError(ValueError):
    pass


class MyTraceError(TypeError):
    pass


@pytest.fixture(autouse=True)
def registered():
    """Registers A for the test and puts back whatever the package registered (types, errors, x64)."""
    types, errors, x64 = _core.get_types(), _core.get_errors(), _core.x64()
    _core.set_types(A, V)
    yield
    _core.set_types(*types)
    _core.set_errors(errors)
    _core.set_x64(x64)


def arr(x, dtype=np.float32):
    return A(_core.buffer(np.asarray(x, dtype=dtype)))


def val(a):
    """numpy view of an A (or Buffer)."""
    return np.asarray(a._v if isinstance(a, _core.ArrayBase) else a)


def leaves_of(tr):
    return [A(tr.param(k)) for k in range(tr.nparams)]


def op(name, *ins, **attrs):
    return _core.op(name, list(ins), attrs or None)


def make_jit(body, name='f', **kw):
    """A Jit whose trace_cb calls body(*flat leaves) and returns its list of outputs as a tuple (tag = count)."""
    def trace_cb(args, tr):
        outs = body(*leaves_of(tr))
        if not isinstance(outs, (list, tuple)):
            return [outs], None
        return list(outs), len(outs)
    return _core.Jit(body, name, trace_cb=trace_cb, **kw)


# ------------------------------------------------------------------------------------------------ buffers
def test_zero_copy_from_numpy():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = _core.buffer(x)
    assert b._ptr == x.ctypes.data
    assert b.shape == (2, 3) and b.dtype == _core.F32 and b.ndim == 2 and b.size == 6 and b.nbytes == 24
    x[0, 0] = 42.0  # the same memory
    assert val(b)[0, 0] == 42.0


def test_zero_copy_to_numpy_both_protocols():
    b = _core.buffer(np.arange(5, dtype=np.int32))
    v1 = np.asarray(b)
    v2 = np.asarray(memoryview(b))
    iface = b.__array_interface__
    assert iface['data'][0] == b._ptr and iface['typestr'] == '<i4' and iface['shape'] == (5,)
    for v in (v1, v2):
        assert v.ctypes.data == b._ptr
        assert not v.flags.writeable
        assert np.shares_memory(v, v1)
    with pytest.raises((BufferError, ValueError)):
        v1[0] = 3


def test_jit_outputs_are_viewed_without_copy():
    f = make_jit(lambda x: op('mul', x, 2.0))
    y = f(arr([1, 2, 3]))
    assert isinstance(y, A) and isinstance(y._v, _core.Buffer)
    view = np.asarray(y._v)
    assert view.ctypes.data == y._v._ptr
    np.testing.assert_array_equal(view, [2, 4, 6])


def test_copies_when_layout_or_dtype_requires():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]  # not contiguous
    b = _core.buffer(x)
    assert b._ptr != x.ctypes.data
    np.testing.assert_array_equal(val(b), x)
    h = _core.buffer(np.array([1.5, -2], dtype=np.float16))
    assert h.dtype == _core.F32
    np.testing.assert_array_equal(val(h), [1.5, -2])
    c = _core.buffer(np.array([1.7, -1e20, np.nan]), _core.I32)  # floats to int32: saturating, NaN -> 0
    np.testing.assert_array_equal(val(c), [1, -2**31, 0])
    assert _core.buffer([[1, 2], [3, 4]]).dtype == _core.I32
    assert _core.buffer([1.0, 2.0]).dtype == _core.F32
    assert _core.buffer(3.0).shape == () and _core.buffer(True).dtype == _core.BOOL
    cp = _core.buffer(np.ones(3, np.float32), copy=True)
    assert not np.shares_memory(val(cp), np.ones(3))
    _core.set_x64(True)
    assert _core.buffer(1.0).dtype == _core.F64 and _core.buffer([1, 2]).dtype == _core.I64


def test_buffer_lifetimes():
    x = np.arange(4, dtype=np.float64)
    b = _core.buffer(x)
    del x
    gc.collect()
    np.testing.assert_array_equal(val(b), [0, 1, 2, 3])  # the Buffer keeps numpy's memory alive
    f = make_jit(lambda a: op('add', a, 1.0))
    y = f(arr([1, 2]))
    view = np.asarray(y._v)
    del f, y
    gc.collect()
    np.testing.assert_array_equal(view, [2, 3])  # the view keeps the C array alive after the Jit and the Array
    held = _core.buffer(np.ones(3, np.int32))
    wr = memoryview(held)
    del held
    gc.collect()
    assert list(wr) == [1, 1, 1]


def test_bad_inputs_raise_and_the_interpreter_survives():
    for bad in ('text', b'bytes', 1 + 2j, None, object(), [1, [2, 3]], np.array(['a'])):
        with pytest.raises((TypeError, ValueError)):
            _core.buffer(bad)
    with pytest.raises(ValueError):
        _core.buffer(np.zeros((1,) * 9, np.float32))  # rank 9
    with pytest.raises(ValueError):
        _core.buffer(np.ones(2), 99)
    with pytest.raises(OverflowError):
        _core.buffer(2**40)  # int32 without x64
    with pytest.raises(TypeError):
        _core.Var(object())
    with pytest.raises(ValueError):
        _core.op('no_such_op', [arr([1.0])])
    with pytest.raises(ValueError):
        _core.op('exp', [arr([1.0])], {'bogus': 1})
    with pytest.raises(TypeError):
        _core.op('exp', [object()])
    with pytest.raises(TypeError):
        _core.Jit(None, 'f')  # no trace_cb
    with pytest.raises(TypeError):
        A(1).__class__  # fine
        _core.var_read(arr([1.0]))


# ------------------------------------------------------------------------------------------------ errors
def test_errors_are_mapped_with_the_c_message():
    _core.set_errors({_core.BJ_ERR_SHAPE: MyShapeError, _core.BJ_ERR_TRACE: MyTraceError})
    with pytest.raises(MyShapeError, match='cannot be broadcast'):
        op('add', arr([1, 2, 3]), arr([1, 2]))
    f = make_jit(lambda x, y: op('add', x, y))
    with pytest.raises(MyShapeError, match='cannot be broadcast'):
        f(arr([1, 2, 3]), arr([1, 2]))
    np.testing.assert_array_equal(val(f(arr([1, 2]), arr([3, 4]))), [4, 6])  # the handle stays usable
    with pytest.raises(TypeError):
        _core.set_errors({_core.BJ_ERR_SHAPE: int})


def test_leaked_tracer_is_reported():
    _core.set_errors({_core.BJ_ERR_TRACE: MyTraceError})
    leaked = []

    def body(x):
        y = op('exp', x)
        leaked.append(y)
        return y
    make_jit(body)(arr([0.0]))
    with pytest.raises(MyTraceError, match='leaked tracer'):
        op('add', leaked[0], 1.0)
    with pytest.raises(MyTraceError):
        make_jit(lambda x: op('add', x, leaked[0]))(arr([1.0]))
    with pytest.raises(MyTraceError):
        _core.buffer(leaked[0])


def test_to_f64_of_a_tracer_explains():
    _core.set_errors({_core.BJ_ERR_TRACE: MyTraceError})

    def body(x):
        assert _core.to_f64(op('add', 1.0, 2.0)) == 3.0  # known while tracing
        with pytest.raises(MyTraceError, match='static_argnums'):
            _core.to_f64(op('sum', x))
        return x
    make_jit(body)(arr([1.0]))
    assert _core.to_f64(arr([2.5])) == 2.5
    with pytest.raises(TypeError):
        _core.to_f64(arr([1.0, 2.0]))


# ------------------------------------------------------------------------------------------------ ops
def test_eager_ops():
    x = arr([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(val(_core.EagerOp('exp')(x)), np.exp([0, 1, 2, 3]), rtol=1e-6)
    y = _core.EagerOp('add')(x, 1)  # a Python int is weak: float32 stays float32
    assert y._v.dtype == _core.F32
    np.testing.assert_array_equal(val(y), [1, 2, 3, 4])
    s = op('sum', x, axes=(0,), keepdims=True)
    assert s._v.shape == (1,) and val(s)[0] == 6
    r = op('reshape', arr(np.arange(6)), shape=(2, 3))
    assert r._v.shape == (2, 3)
    z = op('zeros', dtype=_core.I32, shape=(2,))
    np.testing.assert_array_equal(val(z), [0, 0])
    sl = op('slice', arr(np.arange(6)), start=(None,), stop=(None,), step=(-2,))
    np.testing.assert_array_equal(val(sl), [5, 3, 1])
    np.testing.assert_array_equal(val(op('exp', np.zeros(2))), [1, 1])  # numpy operands
    assert val(op('add', 1.5, 2)) == 3.5  # scalars only


def test_eager_variables_read_and_write():
    v = _core.Var(_core.buffer(np.zeros(3, np.float32)), 'vv')
    assert v.name == 'vv' and v.shape == (3,) and v.dtype == _core.F32
    _core.var_write(v, arr([1, 2, 3]))
    snap = _core.var_read(v)
    with pytest.raises(ValueError, match='vv'):
        _core.var_write(V(v), 5.0)  # a Python number takes the Variable's dtype, but not its shape
    np.testing.assert_array_equal(val(snap), [1, 2, 3])  # a read is a snapshot
    s = _core.Var(_core.buffer(np.zeros((), np.int32)))
    _core.var_write(s, 5.0)  # weakly typed: becomes int32
    assert val(_core.var_read(s)) == 5 and _core.var_read(s)._v.dtype == _core.I32
    with pytest.raises(ValueError):
        _core.var_write(v, arr([1.0, 2.0]))
    with pytest.raises(TypeError, match='i32'):
        _core.var_write(v, arr([1, 2, 3], np.int32))
    np.testing.assert_array_equal(val(op('add', V(v), 0.0)), [1, 2, 3])


# ------------------------------------------------------------------------------------------------ jit
def test_jit_pytrees_and_unflatten():
    seen = []

    def trace_cb(args, tr):
        x = A(tr.param(0))
        d = {'a': A(tr.param(1)), 'b': A(tr.param(2))}
        seen.append((len(args), tr.nparams))
        return [op('add', x, d['a']), op('mul', x, d['b'])], ('pair', 2)

    f = _core.Jit(None, 'tree', trace_cb=trace_cb, unflatten_cb=lambda tag, leaves: (tag[0], tuple(leaves)))
    tag, (s, p) = f(arr([1, 2]), {'b': arr([3, 4]), 'a': arr([10, 20])}, None)
    assert tag == 'pair'
    np.testing.assert_array_equal(val(s), [11, 22])
    np.testing.assert_array_equal(val(p), [3, 8])
    f(arr([5, 6]), {'a': arr([1, 1]), 'b': arr([1, 1])}, None)
    assert f.stats()['traces'] == 1 and seen == [(3, 3)]
    f(arr([5, 6]), {'a': arr([1, 1]), 'b': arr([1, 1])}, ())  # another structure: another signature
    assert f.stats()['traces'] == 2


def test_jit_static_args_defaults_and_retraces():
    def trace_cb(args, tr):
        x, scale, mode = args
        y = op('mul', A(tr.param(0)), scale)
        return [op('neg', y) if mode == 'neg' else y], None

    f = _core.Jit(None, 'st', static_argnums=(1, 2), nparams=3, defaults=('pos',), trace_cb=trace_cb)
    x = arr([1, 2])
    np.testing.assert_array_equal(val(f(x, 2.0)), [2, 4])
    f(x, 2.0)
    np.testing.assert_array_equal(val(f(x, 3.0, 'neg')), [-3, -6])
    f(x, 3.0, 'neg')
    f(arr([1, 2, 3]), 2.0)  # a new shape retraces
    f(x, 2)  # an int static differs from a float one
    st = f.stats()
    assert st['traces'] == 4 and st['cache_hits'] >= 2, st
    assert 'arg' in f.last_miss() or f.last_miss()
    with pytest.raises(TypeError, match='Non-hashable static arguments'):
        f(x, [1, 2])
    with pytest.raises(TypeError):
        f(x)  # too few
    f.clear_cache()
    assert f.stats()['cache_size'] == 0


def test_jit_scalars_are_weak_and_dynamic():
    f = make_jit(lambda x, s: op('mul', x, s))
    np.testing.assert_array_equal(val(f(arr([1, 2]), 3.0)), [3, 6])
    r = f(arr([1, 2]), 4.0)  # same signature: scalars are dynamic
    np.testing.assert_array_equal(val(r), [4, 8])
    assert r._v.dtype == _core.F32 and f.stats()['traces'] == 1


def test_jit_non_array_leaves_are_static():
    def trace_cb(args, tr):
        x, name = tr.param(0), tr.param(1)
        assert name == 'hello'
        return [A(x)], None
    f = _core.Jit(None, 'named', trace_cb=trace_cb)
    f(arr([1.0]), 'hello')
    f(arr([2.0]), 'hello')
    assert f.stats()['traces'] == 1


def test_jit_introspection():
    f = make_jit(lambda x: op('exp', x), name='intro')
    x = arr([1.0, 2.0])
    ir = f.ir(x)
    assert 'exp' in ir and 'f32[2]' in ir
    assert 'intro' in repr(f)
    f.compile(x)
    assert f.stats()['traces'] == 1
    f(x)
    assert f.stats()['traces'] == 1
    src = f.source(x)
    assert 'exp' in src or len(src) > 100


def test_donated_input_raises_on_reuse():
    f = make_jit(lambda x: op('mul', x, 2.0), donate_argnums=(0,))
    b = _core.buffer(np.ones(4, np.float32), copy=True)
    x = A(b)
    y = f(x)
    np.testing.assert_array_equal(val(y), [2, 2, 2, 2])
    assert b.donated
    with pytest.raises(ValueError, match='donated'):
        np.asarray(b)
    with pytest.raises(ValueError, match='donated'):
        f(x)
    with pytest.raises(ValueError, match='donated'):
        op('exp', x)
    # a buffer numpy has seen is never given away (its view would dangle): a copy is donated instead
    b2 = _core.buffer(np.ones(4, np.float32), copy=True)
    view = np.asarray(b2)
    f(A(b2))
    assert not b2.donated
    np.testing.assert_array_equal(view, [1, 1, 1, 1])
    with pytest.raises(TypeError):
        f(1.0)


def test_jit_variables_read_fresh_and_written():
    v = _core.Var(_core.buffer(np.zeros(3, np.float32)), 'count')
    w = _core.Var(_core.buffer(np.ones(3, np.float32)), 'step')

    def body(x):
        c = _core.var_read(v)
        _core.var_write(v, op('add', c, _core.var_read(w)))
        return op('add', c, x)

    f = make_jit(body)
    x = arr([0, 0, 0])
    out = f(x)
    np.testing.assert_array_equal(val(out), [0, 0, 0])
    np.testing.assert_array_equal(val(_core.var_read(v)), [1, 1, 1])
    _core.var_write(w, arr([10, 10, 10]))  # changed outside: the next call reads it
    f(x)
    np.testing.assert_array_equal(val(_core.var_read(v)), [11, 11, 11])
    assert f.stats()['traces'] == 1
    assert sorted(name for _, name in f.vars()) == ['count', 'step']


def test_failed_trace_leaves_variables_unchanged():
    v = _core.Var(_core.buffer(np.full(2, 7.0, np.float32)), 'keep')

    def python_error(x):
        _core.var_write(v, op('add', x, 1.0))
        raise KeyError('boom')

    def c_error(x):
        _core.var_write(v, op('add', x, 1.0))
        return op('add', x, arr([1.0, 2.0, 3.0]))

    for body, exc in ((python_error, KeyError), (c_error, ValueError)):
        f = make_jit(body)
        for _ in range(2):
            with pytest.raises(exc):
                f(arr([1.0, 2.0]))
        np.testing.assert_array_equal(val(_core.var_read(v)), [7, 7])
        assert not _core.tracing()
    with pytest.raises(ValueError):  # a write of the wrong type fails the trace; nothing is written
        make_jit(lambda x: _core.var_write(v, arr([1.0, 2.0, 3.0])) or x)(arr([1.0]))
    np.testing.assert_array_equal(val(_core.var_read(v)), [7, 7])


def test_nested_jit_is_inlined():
    inner = make_jit(lambda x: op('mul', x, 3.0), name='inner')

    def outer_body(x):
        assert _core.tracing()
        return op('add', inner(x), 1.0)
    outer = make_jit(outer_body, name='outer')
    np.testing.assert_array_equal(val(outer(arr([1.0, 2.0]))), [4, 7])
    assert inner.stats()['calls'] == 0  # traced into the outer function, never called on its own


# ------------------------------------------------------------------------------------------------ control flow
def test_traced_for_loop():
    def body(xs, c0):
        _core.for_begin(4, 1, [c0], [xs])
        try:
            c = A(_core.loop_carry(0))
            x = A(_core.loop_x(0))
            new = op('add', c, x)
            final, stacked = _core.for_end([new], [op('mul', new, A(_core.loop_step()))])
        except BaseException:
            _core.for_end()
            raise
        return [A(final[0]), A(stacked[0])]

    f = make_jit(body)
    total, ys = f(arr([[1, 1], [2, 2], [3, 3], [4, 4]]), arr([0, 10]))
    np.testing.assert_array_equal(val(total), [10, 20])
    np.testing.assert_array_equal(val(ys), [[0, 0], [3, 13], [12, 32], [30, 60]])


def test_traced_loop_error_closes_the_region():
    def body(x):
        _core.for_begin(3, 1, [x], [])
        try:
            raise RuntimeError('in the body')
        except BaseException:
            _core.for_end()
            raise
    with pytest.raises(RuntimeError, match='in the body'):
        make_jit(body)(arr([1.0]))
    assert not _core.tracing()
    with pytest.raises(MyTraceError if False else Exception):
        _core.for_begin(2, 1, [], [])  # no trace open


def test_traced_while_and_cond():
    def body(n):
        _core.while_begin([n, 0])
        p = op('gt', A(_core.loop_carry(0)), 1)
        _core.while_body(p)
        k, steps = A(_core.loop_carry(0)), A(_core.loop_carry(1))
        fin = _core.while_end([op('floor_divide', k, 2), op('add', steps, 1)])
        big = op('gt', A(fin[1]), 2)
        _core.cond_begin(big, [fin[1]])
        a = op('mul', A(_core.loop_carry(0)), 100)
        _core.cond_else([a])
        b = op('neg', A(_core.loop_carry(0)))
        out = _core.cond_end([b])
        return [A(fin[1]), A(out[0])]

    f = make_jit(body)
    steps, c = f(arr(16, np.int32))
    assert val(steps) == 4 and val(c) == 400
    steps, c = f(arr(4, np.int32))
    assert val(steps) == 2 and val(c) == -2
    assert f.stats()['traces'] == 1


# ------------------------------------------------------------------------------------------------ random, conn
def test_random_state_and_keys():
    key = _core.random_key(42)
    assert key.shape == (2,) and key.dtype == _core.U32
    st = _core.random_state_new('rng', 7)

    def body(x):
        k = _core.random_next(st)
        return op('random_uniform', A(k), dtype=_core.F32, shape=(3,))
    f = make_jit(body)
    a, b = val(f(arr([0.0]))), val(f(arr([0.0])))
    assert a.shape == (3,) and not np.array_equal(a, b) and ((0 <= a) & (a < 1)).all()
    _core.random_state_seed(st, 7)
    np.testing.assert_array_equal(val(f(arr([0.0]))), a)
    u = op('random_uniform', A(key), dtype=_core.F32, shape=(2,))  # eager
    np.testing.assert_array_equal(val(u), val(op('random_uniform', A(key), dtype=_core.F32, shape=(2,))))


def test_sparse_ops():
    indptr, indices = _core.conn_fixed_prob(50, 40, 0.3, 5, True)
    assert indptr.shape == (51,) and indptr.dtype == _core.I32
    x = np.random.RandomState(0).rand(50).astype(np.float32)
    y = op('csrmv', A(indptr), A(indices), 0.5, x, n=40)
    dense = np.zeros((50, 40), np.float32)
    ip, ix = val(indptr), val(indices)
    for i in range(50):
        dense[i, ix[ip[i]:ip[i + 1]]] = 0.5
    np.testing.assert_allclose(val(y), x @ dense, rtol=1e-5)
    z = op('jitconn_mv', x, np.float32(0.5), n=40, value=0.3, seed=5, allow_self=True)
    np.testing.assert_allclose(val(z), val(y), rtol=1e-5)


def test_config_and_module_helpers():
    assert _core.version() == '0.1.0'
    old = _core.config_get('num_threads')
    _core.config_set('num_threads', '2')
    assert _core.config_get('num_threads') == '2'
    _core.config_set('num_threads', old or None)
    with pytest.raises(ValueError):
        _core.config_set('no_such_key', '1')
    assert set(_core.cpu_stats()) >= {'compiles', 'disk_hits'}
    assert _core.promote(_core.F32, False, _core.I32, True) == (_core.F32, False)
    assert _core.dtype_name(_core.F64) == 'float64' and _core.dtype_size(_core.I64) == 8
    o = _core.Object('Hello')
    o.add_var('a', _core.Var(_core.buffer(np.zeros(1, np.float32))))
    assert o.class_name == 'Hello' and [p for p, _ in o.vars()] == [o.name + '.a']
    assert not _core.tracing() and _core.current() is None


# ------------------------------------------------------------------------------------------------ reference counts
def test_refcounts_stable_over_many_calls():
    v = _core.Var(_core.buffer(np.zeros(4, np.float32)), 'acc')

    def body(x, y, z):
        _core.var_write(v, op('add', _core.var_read(v), x))
        return [op('add', y, z), op('mul', y, z)]

    f = make_jit(body)
    x, y = arr([1, 1, 1, 1]), arr([1, 2, 3, 4])
    z = np.arange(4, dtype=np.float32)
    eager = _core.EagerOp('add')
    for _ in range(200):
        f(x, y, z)
        eager(y, 1.0)
    gc.collect()
    counts = [sys.getrefcount(o) for o in (f, x, y, z, x._v, y._v, v, eager)]
    tracemalloc.start()
    snap = tracemalloc.take_snapshot()
    for _ in range(10000):
        f(x, y, z)
        eager(y, 1.0)
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(snap, 'filename'))
    tracemalloc.stop()
    assert [sys.getrefcount(o) for o in (f, x, y, z, x._v, y._v, v, eager)] == counts
    assert grown < 64 * 1024, grown
    np.testing.assert_array_equal(val(_core.var_read(v)), [10200] * 4)
    assert f.stats()['traces'] == 1


def test_jit_structures_many_leaves_and_long_structures():
    f = make_jit(lambda *xs: op('add', xs[0], xs[-1]))
    big = {('k%03d' % i): arr([float(i)]) for i in range(40)}  # the structure string is long: interned
    np.testing.assert_array_equal(val(f(big)), [39])
    np.testing.assert_array_equal(val(f(big)), [39])
    assert f.stats()['traces'] == 1
    with pytest.raises(ValueError, match='array arguments'):
        f([arr([1.0])] * 70)
    nested = []
    nested.append(nested)
    with pytest.raises(RecursionError):
        f(nested)
    from collections import namedtuple
    P = namedtuple('P', 'a b')
    g = make_jit(lambda a, b: op('sub', a, b))
    np.testing.assert_array_equal(val(g(P(arr([3.0]), arr([1.0])))), [2])
    np.testing.assert_array_equal(val(g((arr([3.0]), arr([1.0])))), [2])
    assert g.stats()['traces'] == 2  # a namedtuple and a tuple are different structures
    with pytest.raises(TypeError):
        make_jit(lambda x: x)(A())  # an Array without data


def test_jit_outputs_of_every_kind():
    def trace_cb(args, tr):
        x = A(tr.param(0))
        return [x, 2.5, _core.buffer(np.array([1, 2], np.int32)), op('exp', x)], 4
    f = _core.Jit(None, 'kinds', trace_cb=trace_cb)
    a, b, c, d = f(arr([0.0]))
    assert val(a) == 0 and val(b) == 2.5 and list(val(c)) == [1, 2] and val(d) == 1
    g = _core.Jit(None, 'none', trace_cb=lambda args, tr: ([], None))
    assert g(arr([1.0])) is None
    with pytest.raises(TypeError):
        _core.Jit(None, 'bad', trace_cb=lambda args, tr: 'nope')(arr([1.0]))
    with pytest.raises(TypeError):
        _core.Jit(None, 'bad2', trace_cb=lambda args, tr: ([object()], None))(arr([1.0]))
    assert not _core.tracing()


def test_static_recursion_through_inlining():
    def trace_cb(args, tr):
        x, n = A(tr.param(0)), args[1]
        return [op('add', x, 1.0) if n == 0 else f(op('mul', x, 2.0), n - 1)], None
    f = _core.Jit(None, 'rec', static_argnums=(1,), trace_cb=trace_cb)
    np.testing.assert_array_equal(val(f(arr([1.0]), 3)), [9])  # ((1*2)*2)*2 + 1


def test_threads_wait_for_an_open_trace_without_deadlock():
    import threading
    import time
    v = _core.Var(_core.buffer(np.zeros(2, np.float32)), 'shared')

    def trace_cb(args, tr):
        time.sleep(0.2)  # the handle's lock is held; the GIL is free
        x = A(tr.param(0))
        _core.var_write(v, op('add', _core.var_read(v), x))
        return [op('mul', x, 2.0)], None
    f = _core.Jit(None, 'slow', trace_cb=trace_cb)
    x = arr([1.0, 1.0])
    errors = []

    def run(fn):
        try:
            fn()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    jobs = [lambda: f(x), lambda: (time.sleep(0.05), f(x)),
            lambda: (time.sleep(0.05), _core.var_write(v, arr([5.0, 5.0])), op('exp', x))]
    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    assert f.stats()['traces'] == 1


def test_variable_arguments_are_part_of_the_signature():
    def trace_cb(args, tr):  # uses the Variable it was given (not only its value), as bm.jit does
        var, x = args[0], A(tr.param(1))
        _core.var_write(var, op('add', _core.var_read(var), x))
        return [_core.var_read(var)], None
    f = _core.Jit(None, 'inc', trace_cb=trace_cb)
    a = V(_core.Var(_core.buffer(np.zeros(2, np.float32)), 'a'))
    b = V(_core.Var(_core.buffer(np.zeros(2, np.float32)), 'b'))
    f(a, 1.0)
    f(b, 5.0)
    f(a, 1.0)
    np.testing.assert_array_equal(val(_core.var_read(a)), [2, 2])
    np.testing.assert_array_equal(val(_core.var_read(b)), [5, 5])
    assert f.stats()['traces'] == 2

