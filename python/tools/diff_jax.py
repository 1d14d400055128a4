"""Differential check of brainjit.math (bm) against jax.numpy: values and dtypes, eager and under bm.jit.

Run with the python of a throwaway venv holding jax (the same CPython as the extension, so both import in one
process; `python3 -m venv /tmp/jaxvenv && /tmp/jaxvenv/bin/pip install jax numpy`; jax is never a dependency):
    /tmp/jaxvenv/bin/python python/tools/diff_jax.py            # x64 off (full grid)
    /tmp/jaxvenv/bin/python python/tools/diff_jax.py --x64      # x64 on (smaller grid)
Options: --only name1,name2   --no-cpu (skip the batched cpu-backend pass)   --json out.json   -v (all failures)
Not part of the test suite (CI has no JAX). Modes compared with JAX eager:
  eager  bm outside jit (the C interpreter runs each op)
  jit    bm.jit(backend='interp'), inputs as jit arguments (traced)
  cpu    bm.jit (generated C), cases batched into one jitted function per function name
plus a weak-type probe (result + a strong uint32 0-d, and with x64 a float32 / int32 0-d) whose dtype tells whether
the result is weakly typed in JAX's sense.
"""
import argparse
import collections
import json
import math
import os
import sys
import traceback
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))  # <root>/python
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--x64', action='store_true')
ap.add_argument('--only', default='')
ap.add_argument('--no-cpu', action='store_true')
ap.add_argument('--json', default='')
ap.add_argument('-v', action='store_true')
ARGS = ap.parse_args()
X64 = ARGS.x64

import jax  # noqa: E402
if X64:
    jax.config.update('jax_enable_x64', True)
import jax.numpy as jnp  # noqa: E402
import brainjit.math as bm  # noqa: E402
if X64:
    bm.enable_x64()
import brainpy.math as bpm  # noqa: E402  (only for BrainPy-specific functions jnp lacks)
if X64:  # importing brainpy turns jax's x64 off again
    jax.config.update('jax_enable_x64', True)
    bpm.enable_x64()
assert jax.config.jax_enable_x64 == X64 and bm.x64_enabled() == X64

warnings.simplefilter('ignore')
nan, inf = float('nan'), float('inf')


class _J:
    """The oracle namespace: jax.numpy, and BrainPy 2.8's own functions where jnp has no such name."""
    SPECIAL = {
        'exprel': lambda x, *a, **k: bpm.exprel(x, *a, **k),
        'flatten': lambda x, *a, **k: bpm.flatten(x, *a, **k),
        'softplus': lambda x, *a, **k: bpm.softplus(x, *a, **k),
        'one_hot': jax.nn.one_hot, 'relu': jax.nn.relu, 'sigmoid': jax.nn.sigmoid, 'softmax': jax.nn.softmax,
        'as_numpy': lambda x, dtype=None: np.asarray(x, dtype=dtype),
    }

    def __getattr__(self, n):
        if n in self.SPECIAL:
            return self.SPECIAL[n]
        return getattr(jnp, n)


J = _J()

# ------------------------------------------------------------------------------------------------ inputs
F32 = [0.0, -0.0, 1.0, -1.5, 2.5, 0.5, -3.0, nan, inf, -inf, 1e30, -1e-30, 3.7, 100.0, -0.25]
I32 = [0, 1, -1, 2, -3, 7, 100, -100, 2147483647, -2147483648, 5, -7]
BOOL = [True, False, True, False, True, True, False, False, True, False, False, True]
POOL = {'float32': F32, 'int32': I32, 'bool': BOOL}
if X64:
    POOL['float64'] = F32 + [1e300, 1e-300]  # no subnormal inputs: XLA on CPU treats them as zero (DAZ)
    POOL['int64'] = I32 + [2 ** 40, -2 ** 62]
DTYPES = list(POOL)
NUM = [d for d in DTYPES if d != 'bool']
SCALARS = [0, 1, -1, 2, 3, -2, 0.5, 2.5, -0.0, 1.0, True, False, nan, inf]


def arr(dtype, vals, shape=None):
    a = np.array(vals, dtype=dtype)
    return a if shape is None else a.reshape(shape)


def vec(dtype):
    return arr(dtype, POOL[dtype])


def chunks(dtype, shape):
    """Arrays of `shape` covering the pool (cyclically)."""
    p = POOL[dtype]
    n = int(np.prod(shape)) if shape else 1
    out = []
    for s in range(0, len(p), n):
        vals = [p[(s + i) % len(p)] for i in range(n)]
        out.append(arr(dtype, vals, shape))
    return out


def grid1(dtype, scalars0d=True):
    """Unary inputs: the pool as a vector, as (2,3) chunks, and each value as a 0-d array."""
    out = [vec(dtype)] + chunks(dtype, (2, 3))[:2]
    if scalars0d:
        out += [arr(dtype, v) for v in POOL[dtype]]
    return out


def cart(da, db):
    pa, pb = POOL[da], POOL[db]
    a = arr(da, [x for x in pa for _ in pb])
    b = arr(db, [y for _ in pa for y in pb])
    return a, b


def desc(x):
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return f'{x.dtype}({x.item()!r})'
        if x.size <= 6:
            return f'{x.dtype}{list(x.shape)}={x.tolist()}'
        return f'{x.dtype}{list(x.shape)}'
    return repr(x)


# ------------------------------------------------------------------------------------------------ cases
Case = collections.namedtuple('Case', 'group name label fn args jit')
CASES = []


def add(group, name, fn, args, label=None, jit=True):
    if ARGS.only and name not in ARGS.only.split(','):
        return
    if label is None:
        label = ', '.join(desc(a) for a in args)
    CASES.append(Case(group, name, f'{name}({label})', fn, tuple(args), jit))


def kwtxt(kw):
    return ', '.join(f'{k}={v!r}' for k, v in kw.items())


UNARY = ['exp', 'log', 'log1p', 'expm1', 'sqrt', 'square', 'abs', 'sign', 'sin', 'cos', 'tan', 'tanh', 'sinh',
         'cosh', 'arctan', 'arcsin', 'arccos', 'exp2', 'log2', 'log10', 'reciprocal', 'negative', 'positive',
         'round', 'rint', 'floor', 'ceil', 'trunc', 'fix', 'logical_not', 'isnan', 'isinf', 'isfinite',
         'bitwise_not', 'invert', 'absolute', 'around', 'exprel', 'relu', 'sigmoid', 'softplus']
for name in UNARY:
    for d in DTYPES:
        for x in grid1(d, scalars0d=not X64 or d in ('float64', 'int64')):
            add('unary', name, lambda M, x, _n=name: getattr(M, _n)(x), [x])
    # Python scalars straight in
    for s in ([0.5, -2, True, 0.0] if not X64 else [0.5, -2]):
        add('unary', name, lambda M, _n=name, _s=s: getattr(M, _n)(_s), [], label=repr(s))

for d in ('float32',) + (('float64',) if X64 else ()):
    for x in [vec(d), arr(d, [1e-6, -1e-6, 1e-9, 2e-5, 5e-6, 0.0, -0.0, 1e-3])]:
        add('unary', 'exprel', lambda M, x: M.exprel(x), [x])
        for thr in (1e-3, 1e-12):
            add('unary', 'exprel', lambda M, x, _t=thr: M.exprel(x, threshold=_t), [x],
                label=f'{desc(x)}, threshold={thr}')
    for kw in ({'beta': 2.0}, {'beta': 0.5, 'threshold': 5.0}, {'threshold': 1.0}):
        add('unary', 'softplus', lambda M, x, _k=kw: M.softplus(x, **_k), [vec(d)], label=f'{desc(vec(d))}, {kwtxt(kw)}')
for d in DTYPES:
    for dec in (1, 2, -1):
        add('unary', 'round', lambda M, x, _d=dec: M.round(x, decimals=_d), [vec(d)], label=f'{desc(vec(d))}, decimals={dec}')
    add('unary', 'round', lambda M, x: M.round(x, 1), [arr(d, [0.25, 0.35, -0.45, 1.05, 2.5, 123.456] if d != 'bool' and 'int' not in d else POOL[d][:6])])

BINARY = ['add', 'subtract', 'multiply', 'divide', 'true_divide', 'floor_divide', 'power', 'maximum', 'minimum',
          'remainder', 'mod', 'arctan2', 'hypot', 'logical_and', 'logical_or', 'logical_xor', 'bitwise_and',
          'bitwise_or', 'bitwise_xor', 'left_shift', 'right_shift', 'equal', 'not_equal', 'less', 'less_equal',
          'greater', 'greater_equal', 'logaddexp', 'heaviside', 'isclose']
SHIFT_POOL = [0, 1, 3, 31, 32, 33, -1, 40]
for name in BINARY:
    f = (lambda M, a, b, _n=name: getattr(M, _n)(a, b))
    for da in DTYPES:
        for db in DTYPES:
            if X64 and not (da in ('float64', 'int64') or db in ('float64', 'int64')) and (da, db) != ('int32', 'float32'):
                continue
            a, b = cart(da, db)
            if name in ('left_shift', 'right_shift') and 'int' in db:
                b = arr(db, [SHIFT_POOL[i % len(SHIFT_POOL)] for i in range(b.size)])
            add('binary', name, f, [a, b])
            if not X64:
                add('binary', name, f, [chunks(da, (2, 3))[0], chunks(db, (3,))[1]])
                add('binary', name, f, [arr(da, POOL[da][1]), chunks(db, (2, 3))[0]])
                add('binary', name, f, [arr(da, POOL[da][2]), arr(db, POOL[db][3])])
    for d in DTYPES:
        for s in (SCALARS if not X64 else [2, 0.5, True, -1]):
            add('binary', name, lambda M, a, _n=name, _s=s: getattr(M, _n)(a, _s), [vec(d)], label=f'{desc(vec(d))}, {s!r}')
            add('binary', name, lambda M, a, _n=name, _s=s: getattr(M, _n)(_s, a), [vec(d)], label=f'{s!r}, {desc(vec(d))}')
    for s1, s2 in [(2, 3), (2.5, 1), (True, 2), (7, -2), (1.5, 0.5), (True, False)]:
        add('binary', name, lambda M, _n=name, _a=s1, _b=s2: getattr(M, _n)(_a, _b), [], label=f'{s1!r}, {s2!r}')
    add('binary', name, lambda M, a, _n=name: getattr(M, _n)(a, 2 ** 31), [vec('int32')], label='int32 vec, 2**31')

# isclose / allclose / array_equal with keywords
for d in DTYPES:
    a, b = cart(d, d)
    for kw in ({}, {'rtol': 0.5}, {'atol': 1.0}, {'equal_nan': True}, {'rtol': 0.0, 'atol': 0.0}):
        add('binary', 'isclose', lambda M, a, b, _k=kw: M.isclose(a, b, **_k), [a, b], label=f'{desc(a)}, {desc(b)}, {kwtxt(kw)}')
        add('binary', 'allclose', lambda M, a, b, _k=kw: M.allclose(a, b, **_k), [a, b], label=f'{desc(a)}, {desc(b)}, {kwtxt(kw)}')
        add('binary', 'allclose', lambda M, a, _k=kw: M.allclose(a, a, **_k), [vec(d)], label=f'x, x, {kwtxt(kw)}')
        add('binary', 'allclose', lambda M, a, _k=kw: M.allclose(a, a + 1e-7 if a.dtype != bool else a, **_k), [vec(d)],
            label=f'x, x+1e-7, {kwtxt(kw)}')
    add('binary', 'array_equal', lambda M, a: M.array_equal(a, a), [vec(d)])
    add('binary', 'array_equal', lambda M, a: M.array_equal(a, a, equal_nan=True), [vec(d)], label='x, x, equal_nan')
    add('binary', 'array_equal', lambda M, a, b: M.array_equal(a, b), [vec(d), vec(d)[::-1].copy()])
    add('binary', 'allclose', lambda M, a: M.allclose(a, 1), [vec(d)], label=f'{desc(vec(d))}, 1')

# where / clip
for dc in DTYPES:
    c = chunks(dc, (2, 3))[0]
    for dx in DTYPES:
        for dy in DTYPES:
            if X64 and 'float64' not in (dx, dy) and 'int64' not in (dx, dy):
                continue
            add('select', 'where', lambda M, c, x, y: M.where(c, x, y), [c, chunks(dx, (2, 3))[1], chunks(dy, (3,))[0]])
    for s1, s2 in [(1, 0), (1.0, 0), (1., 0.), (True, False), (2, 2.5), (-0.0, nan)]:
        add('select', 'where', lambda M, c, _a=s1, _b=s2: M.where(c, _a, _b), [c], label=f'{desc(c)}, {s1!r}, {s2!r}')
    for dx in DTYPES:
        add('select', 'where', lambda M, c, x: M.where(c, x, 0), [c, chunks(dx, (2, 3))[1]], label=f'c, {dx}, 0')
        add('select', 'where', lambda M, c, x: M.where(c, 1.5, x), [c, chunks(dx, (3,))[1]], label=f'c, 1.5, {dx}')
    add('select', 'where', lambda M, c: M.where(c), [c], jit=False)
    add('select', 'where', lambda M, c: M.where(M.asarray(c)), [arr(dc, POOL[dc][0])], jit=False)
for d in DTYPES:
    x = vec(d)
    for lo, hi in [(0, 1), (-1.5, 2.5), (None, 0), (0, None), (2, -2), (-0.0, 0.0), (nan, 1.0), (True, True), (0.5, 2)]:
        add('select', 'clip', lambda M, x, _l=lo, _h=hi: M.clip(x, _l, _h), [x], label=f'{desc(x)}, {lo!r}, {hi!r}')
    for dl in DTYPES:
        add('select', 'clip', lambda M, x, l, h: M.clip(x, l, h), [x, arr(dl, POOL[dl][2]), arr(dl, POOL[dl][4])])
    add('select', 'clip', lambda M, x: M.clip(x, None, None), [x], label=f'{desc(x)}, None, None')
    add('select', 'clip', lambda M, x: M.clip(x, a_min=0, a_max=1), [x], label=f'{desc(x)}, a_min=0, a_max=1')

# ------------------------------------------------------------------ promotion with uint32 (not in the grid above)
for d in DTYPES:
    u = arr('uint32', [0, 1, 7, 4294967295])
    x = arr(d, POOL[d][:4])
    for name in ('add', 'multiply', 'maximum', 'where'):
        if name == 'where':
            add('promo', 'where', lambda M, x, u: M.where(True, x, u), [x, u])
        else:
            add('promo', name, lambda M, x, u, _n=name: getattr(M, _n)(x, u), [x, u])
    add('promo', 'concatenate', lambda M, x, u: M.concatenate([x, u]), [x, u])
for s in (1, 2.5, True, -1):
    add('promo', 'add', lambda M, u, _s=s: M.add(u, _s), [arr('uint32', [0, 1, 7, 4294967295])], label=f'uint32[4], {s!r}')
add('promo', 'sum', lambda M, u: M.sum(u), [arr('uint32', [0, 1, 7, 4294967295])])
add('promo', 'exp', lambda M, u: M.exp(u), [arr('uint32', [0, 1, 7, 4294967295])])

# ------------------------------------------------------------------ reductions
RED_AXES = [None, 0, -1, 1, (0, 1), ()]
for name in ['sum', 'prod', 'mean', 'std', 'var', 'max', 'min', 'amax', 'amin', 'any', 'all', 'argmax', 'argmin',
             'cumsum', 'cumprod', 'count_nonzero']:
    for d in DTYPES:
        xs = [vec(d)] + chunks(d, (2, 3))[:3] + [arr(d, POOL[d][3]), arr(d, POOL[d][:4], (4, 1)), arr(d, [], (0,)),
                                               arr(d, [], (2, 0))]
        if d == 'float32':
            xs += [arr(d, [1.0, 2.0, 3.0, 4.5, -2.0, 0.25], (2, 3)), arr(d, [1e8, 1.0, -1e8, 3.0]),
                   arr(d, [-0.0, -0.0]), arr(d, [-0.0])]
        if d == 'int32':
            xs += [arr(d, [1, 2, 3, 4, 5, 6], (2, 3)), arr(d, [2 ** 30, 2 ** 30, 2 ** 30])]
        for x in xs:
            for ax in RED_AXES:
                if name in ('argmax', 'argmin', 'cumsum', 'cumprod') and isinstance(ax, tuple):
                    continue
                kws = [{}, {'keepdims': True}] if name not in ('cumsum', 'cumprod') else [{}]
                for kw in kws:
                    if ax is not None:
                        kw = dict(kw, axis=ax)
                    add('reduce', name, lambda M, x, _n=name, _k=kw: getattr(M, _n)(x, **_k), [x],
                        label=f'{desc(x)}, {kwtxt(kw)}')
        x = chunks(d, (2, 3))[0]
        if name in ('std', 'var'):
            for ddof in (1, 2, 3):
                add('reduce', name, lambda M, x, _n=name, _d=ddof: getattr(M, _n)(x, ddof=_d), [x], label=f'{desc(x)}, ddof={ddof}')
                add('reduce', name, lambda M, x, _n=name, _d=ddof: getattr(M, _n)(x, axis=1, ddof=_d), [x],
                    label=f'{desc(x)}, axis=1, ddof={ddof}')
        if name in ('sum', 'prod', 'mean', 'cumsum', 'cumprod', 'std', 'var'):
            for dt in ('float32', 'int32', 'bool', 'float64', 'int64', float, int):
                add('reduce', name, lambda M, x, _n=name, _t=dt: getattr(M, _n)(x, dtype=_t), [x],
                    label=f'{desc(x)}, dtype={dt!r}')
        if name in ('sum', 'prod', 'max', 'min'):
            add('reduce', name, lambda M, x, _n=name: getattr(M, _n)(x, initial=5), [x], label=f'{desc(x)}, initial=5')
            add('reduce', name, lambda M, x, _n=name: getattr(M, _n)(x, axis=0, initial=-1.5), [x],
                label=f'{desc(x)}, axis=0, initial=-1.5')
            add('reduce', name, lambda M, x, _n=name: getattr(M, _n)(x, where=np.array([True, False, True]), initial=0),
                [x], label=f'{desc(x)}, where=[T,F,T], initial=0')
    add('reduce', name, lambda M, _n=name: getattr(M, _n)(3.5), [], label='3.5')
    add('reduce', name, lambda M, _n=name: getattr(M, _n)([1, 2, 3]), [], label='[1, 2, 3]')

# ------------------------------------------------------------------ creation
CR_DT = [None, 'float32', 'int32', 'bool', float, int, bool, np.float64, np.int64, 'uint32', 'float16', 'int8']
for name in ('zeros', 'ones', 'empty'):
    for shp in [3, (2, 3), (), (0,), [2, 2], (1, 0, 2)]:
        for dt in CR_DT:
            add('create', name, lambda M, _n=name, _s=shp, _t=dt: getattr(M, _n)(_s, dtype=_t), [], label=f'{shp!r}, dtype={dt!r}')
    add('create', name, lambda M, _n=name: getattr(M, _n)(np.int32(3)), [], label='np.int32(3)')
for fv in [2, 2.5, True, -0.0, nan, 2 ** 31, np.float32(1.5), np.int64(7), np.float64(0.1)]:
    for dt in [None, 'float32', 'int32', bool, 'uint32']:
        add('create', 'full', lambda M, _f=fv, _t=dt: M.full((2, 3), _f, dtype=_t), [], label=f'(2,3), {fv!r}, dtype={dt!r}')
for d in DTYPES:
    add('create', 'full', lambda M, v: M.full((2, 3), v), [arr(d, POOL[d][2])])
    add('create', 'full', lambda M, v: M.full((2, 3), v), [chunks(d, (3,))[0]])
    add('create', 'full', lambda M, v: M.full((2, 3), v, dtype='float32'), [chunks(d, (3,))[0]], label=f'{d}[3], dtype=float32')
    for name in ('zeros_like', 'ones_like', 'empty_like'):
        for dt in [None, 'float32', 'int32', bool, float]:
            add('create', name, lambda M, x, _n=name, _t=dt: getattr(M, _n)(x, dtype=_t), [chunks(d, (2, 3))[0]],
                label=f'{d}[2,3], dtype={dt!r}')
        add('create', name, lambda M, x, _n=name: getattr(M, _n)(x, shape=(4,)), [chunks(d, (2, 3))[0]], label=f'{d}[2,3], shape=(4,)')
    for fv in [3, 2.5, True, nan]:
        add('create', 'full_like', lambda M, x, _f=fv: M.full_like(x, _f), [chunks(d, (2, 3))[0]], label=f'{d}[2,3], {fv!r}')
    add('create', 'full_like', lambda M, x: M.full_like(x, 2.5, dtype='float32'), [chunks(d, (3,))[0]], label=f'{d}[3], 2.5, float32')
for name in ('zeros_like', 'ones_like', 'full_like'):
    extra = (1,) if name == 'full_like' else ()
    add('create', name, lambda M, _n=name, _e=extra: getattr(M, _n)(2.5, *_e), [], label='2.5')
    add('create', name, lambda M, _n=name, _e=extra: getattr(M, _n)([1, 2], *_e), [], label='[1, 2]')
AR = [(5,), (0,), (-3,), (2, 7), (7, 2), (2, 7, 2), (7, 2, -2), (0.5, 3), (0, 1, 0.1), (1.5,), (3, 0.5, -0.5),
      (np.int32(4),), (np.float32(2.5),), (-1, 1, 0.25), (0, 10, 3), (10, 0, -3), (1e8, 1e8 + 4)]
for a in AR:
    for dt in [None, 'float32', 'int32', float, 'bool', 'uint32']:
        if dt == 'bool' and len(a) > 1 and a[0] != 0:
            continue
        add('create', 'arange', lambda M, _a=a, _t=dt: M.arange(*_a, dtype=_t), [], label=f'{a!r}, dtype={dt!r}')
add('create', 'arange', lambda M: M.arange(start=1, stop=5), [], label='start=1, stop=5')
add('create', 'arange', lambda M: M.arange(5, step=2), [], label='5, step=2')
LS = [(0, 1), (0, 1, 5), (0., 10., 7), (1, -1, 4), (2, 3, 1), (0, 1, 0), (0, 10, 5, False), (-1.5, 2.5, 9)]
for a in LS:
    for kw in [{}, {'dtype': 'int32'}, {'dtype': 'float32'}, {'retstep': True}, {'endpoint': False}]:
        add('create', 'linspace', lambda M, _a=a, _k=kw: M.linspace(*_a, **_k), [], label=f'{a!r}, {kwtxt(kw)}')
for d in NUM:
    add('create', 'linspace', lambda M, s, t: M.linspace(s, t, 4), [arr(d, [0, 1]), arr(d, [10, -1])])
    add('create', 'linspace', lambda M, s, t: M.linspace(s, t, 4, axis=1), [arr(d, [0, 1]), arr(d, [10, -1])],
        label=f'{d}[2], {d}[2], 4, axis=1')
    add('create', 'linspace', lambda M, s: M.linspace(s, 5, 6), [arr(d, 1)])
for a in [(3,), (3, 4), (4, 3), (3, 3, 1), (3, 3, -1), (3, 4, 2), (3, 4, -5), (0,), (2, None, 1)]:
    for dt in [None, 'int32', bool, 'float32', float]:
        add('create', 'eye', lambda M, _a=a, _t=dt: M.eye(*_a, dtype=_t), [], label=f'{a!r}, dtype={dt!r}')
    add('create', 'identity', lambda M, _n=a[0]: M.identity(_n), [], label=f'{a[0]!r}')

# ------------------------------------------------------------------ shapes
for d in DTYPES:
    x23 = chunks(d, (2, 3))[0]
    x3 = chunks(d, (3,))[1]
    x0 = arr(d, POOL[d][2])
    x234 = arr(d, [POOL[d][i % len(POOL[d])] for i in range(24)], (2, 3, 4))
    S = 'shape'
    for sh in [(3, 2), (6,), (-1,), (1, 6), (2, -1), 6, (1, 2, 3)]:
        add(S, 'reshape', lambda M, x, _s=sh: M.reshape(x, _s), [x23], label=f'{desc(x23)}, {sh!r}')
    add(S, 'reshape', lambda M, x: M.reshape(x, (1, 1)), [x0])
    add(S, 'reshape', lambda M, x: M.reshape(x, (4, 5)), [x23], label='bad shape')
    for kw in [{}, {'start_dim': 1}, {'end_dim': 1}, {'start_dim': 0, 'end_dim': 1}, {'start_dim': -2}, {'start_dim': 1, 'end_dim': -1}]:
        add(S, 'flatten', lambda M, x, _k=kw: M.flatten(x, **_k), [x234], label=f'{desc(x234)}, {kwtxt(kw)}')
    add(S, 'flatten', lambda M, x: M.flatten(x), [x0])
    for x in (x0, x3, x23):
        add(S, 'ravel', lambda M, x: M.ravel(x), [x])
    for x in (x0, x3, x23):
        for ax in (0, -1, 1, (0, 1), (0, -1)):
            add(S, 'expand_dims', lambda M, x, _a=ax: M.expand_dims(x, _a), [x], label=f'{desc(x)}, {ax!r}')
    xs = arr(d, POOL[d][:6], (1, 3, 1, 2))
    for ax in (None, 0, 2, (0, 2), -2, 1):
        add(S, 'squeeze', lambda M, x, _a=ax: M.squeeze(x, _a), [xs], label=f'{desc(xs)}, {ax!r}')
    add(S, 'squeeze', lambda M, x: M.squeeze(x), [x0])
    for db in DTYPES:
        if X64 and 'float64' not in (d, db) and 'int64' not in (d, db):
            continue
        y23 = chunks(db, (2, 3))[1]
        for ax in (0, 1, -1, None):
            add(S, 'concatenate', lambda M, a, b, _a=ax: M.concatenate([a, b], axis=_a), [x23, y23], label=f'[{d}[2,3], {db}[2,3]], axis={ax!r}')
        for ax in (0, 1, 2, -1):
            add(S, 'stack', lambda M, a, b, _a=ax: M.stack([a, b], axis=_a), [x23, y23], label=f'[{d}[2,3], {db}[2,3]], axis={ax!r}')
        add(S, 'hstack', lambda M, a, b: M.hstack([a, b]), [x23, y23])
        add(S, 'vstack', lambda M, a, b: M.vstack([a, b]), [x23, y23])
        add(S, 'hstack', lambda M, a, b: M.hstack((a, b)), [x3, chunks(db, (3,))[0]])
        add(S, 'vstack', lambda M, a, b: M.vstack((a, b)), [x3, chunks(db, (3,))[0]])
    add(S, 'concatenate', lambda M, a: M.concatenate([a, a, a]), [x3])
    add(S, 'concatenate', lambda M, a: M.concatenate([a, a], dtype='float32'), [x3], label=f'{desc(x3)} x2, dtype=float32')
    add(S, 'stack', lambda M, a: M.stack([a, a], dtype='int32'), [x3], label=f'{desc(x3)} x2, dtype=int32')
    add(S, 'stack', lambda M, a: M.stack([a, a]), [x0])
    add(S, 'hstack', lambda M, a: M.hstack([a, a]), [x0])
    add(S, 'vstack', lambda M, a: M.vstack([a, a]), [x0])
    add(S, 'stack', lambda M, a: M.stack(a), [x23], label=f'{desc(x23)} (an array)')
    add(S, 'concatenate', lambda M, a: M.concatenate(a), [x23], label=f'{desc(x23)} (an array)')
    for rep, ax in [(2, None), (2, 0), (3, 1), (0, 1), ([1, 2], 0), ([1, 0, 2], 1), (2, -1)]:
        add(S, 'repeat', lambda M, x, _r=rep, _a=ax: M.repeat(x, _r, axis=_a), [x23], label=f'{desc(x23)}, {rep!r}, axis={ax!r}')
    add(S, 'repeat', lambda M, x: M.repeat(x, 3), [x0])
    for reps in [2, (2, 1), (1, 2), (2, 1, 2), (0, 1), ()]:
        add(S, 'tile', lambda M, x, _r=reps: M.tile(x, _r), [x23], label=f'{desc(x23)}, {reps!r}')
        add(S, 'tile', lambda M, x, _r=reps: M.tile(x, _r), [x3], label=f'{desc(x3)}, {reps!r}')
    add(S, 'tile', lambda M, x: M.tile(x, 3), [x0])
    x6 = arr(d, [POOL[d][i % len(POOL[d])] for i in range(12)], (6, 2))
    for sec, ax in [(2, 0), (3, 0), ([1, 4], 0), ([2], 1), (2, 1), ([0, 3, 3, 10], 0), ([-2], 0), (4, 0), ([], 0)]:
        add(S, 'split', lambda M, x, _s=sec, _a=ax: M.split(x, _s, axis=_a), [x6], label=f'{desc(x6)}, {sec!r}, axis={ax!r}')
    for src, dst in [(0, 1), (0, -1), (2, 0), ((0, 1), (2, 0)), (-1, 0)]:
        add(S, 'moveaxis', lambda M, x, _s=src, _d=dst: M.moveaxis(x, _s, _d), [x234], label=f'{desc(x234)}, {src!r}, {dst!r}')
    for axes in [None, (1, 0, 2), (2, 0, 1), (0, 1, 2), (-1, 0, 1)]:
        add(S, 'transpose', lambda M, x, _a=axes: M.transpose(x, _a), [x234], label=f'{desc(x234)}, {axes!r}')
    for x in (x0, x3, x23):
        add(S, 'transpose', lambda M, x: M.transpose(x), [x])
    add(S, 'swapaxes', lambda M, x: M.swapaxes(x, 0, 2), [x234])
    for sh in [(2, 3), (4, 2, 3), (2, 2, 3)]:
        add(S, 'broadcast_to', lambda M, x, _s=sh: M.broadcast_to(x, _s), [x3], label=f'{desc(x3)}, {sh!r}')
    for ax in (None, 0, 1, (0, 1), -1):
        add(S, 'flip', lambda M, x, _a=ax: M.flip(x, _a), [x23], label=f'{desc(x23)}, {ax!r}')
    for idx in ([0, 2], [[1, 0], [2, 2]], [-1], [5], [-7]):
        for ax in (None, 1, 0):
            add(S, 'take', lambda M, x, i, _a=ax: M.take(x, i, axis=_a), [x23, arr('int32', idx)],
                label=f'{desc(x23)}, {idx!r}, axis={ax!r}')
    add(S, 'take_along_axis', lambda M, x, i: M.take_along_axis(x, i, axis=1), [x23, arr('int32', [[2, 0, 1], [1, 1, 0]])])
    add(S, 'take_along_axis', lambda M, x, i: M.take_along_axis(x, i, axis=0), [x23, arr('int32', [[1, 0, 1]])])
    add(S, 'take_along_axis', lambda M, x, i: M.take_along_axis(x, i, axis=None), [x23, arr('int32', [5, 0, -1])])
    for name in ('atleast_1d', 'atleast_2d', 'atleast_3d'):
        for x in (x0, x3, x23):
            add(S, name, lambda M, x, _n=name: getattr(M, _n)(x), [x])
    for v, k in [(x3, 0), (x3, 1), (x3, -2), (x23, 0), (x23, 1), (x23, -1), (x23, 5), (arr(d, POOL[d][:9], (3, 3)), 0)]:
        add(S, 'diag', lambda M, v, _k=k: M.diag(v, _k), [v], label=f'{desc(v)}, k={k}')
    for x in (vec(d), chunks(d, (2, 3))[0], chunks(d, (2, 3))[1], arr(d, [POOL[d][i % 4] for i in range(12)], (3, 4))):
        for ax in (-1, 0, None):
            add(S, 'sort', lambda M, x, _a=ax: M.sort(x, axis=_a), [x], label=f'{desc(x)}, axis={ax!r}')
            add(S, 'argsort', lambda M, x, _a=ax: M.argsort(x, axis=_a), [x], label=f'{desc(x)}, axis={ax!r}')
        add(S, 'sort', lambda M, x: M.sort(x, descending=True), [x], label=f'{desc(x)}, descending=True')
        add(S, 'argsort', lambda M, x: M.argsort(x, descending=True), [x], label=f'{desc(x)}, descending=True')
        add(S, 'argsort', lambda M, x: M.argsort(x, stable=True), [x], label=f'{desc(x)}, stable=True')
    add(S, 'sort', lambda M, x: M.sort(x), [x0])
    if d != 'bool':
        xi = arr(d, [0, 2, 1, 3, -1, 5] if d != 'float32' and d != 'float64' else [0., 2., 1., 3., -1., 2.5])
        for kw in [{}, {'dtype': 'int32'}, {'dtype': bool}, {'axis': 0}, {'dtype': 'float32', 'axis': 0}]:
            add(S, 'one_hot', lambda M, x, _k=kw: M.one_hot(x, 4, **_k), [xi], label=f'{desc(xi)}, 4, {kwtxt(kw)}')
        add(S, 'one_hot', lambda M, x: M.one_hot(x, 3), [xi.reshape(2, 3)])
        add(S, 'one_hot', lambda M, x: M.one_hot(x, 3, axis=0), [xi.reshape(2, 3)], label=f'{d}[2,3], 3, axis=0')
    for x in (vec(d), chunks(d, (2, 3))[0], arr(d, POOL[d][:6], (2, 3)), x0):
        for ax in (-1, 0):
            if x.ndim == 0:
                continue
            add(S, 'softmax', lambda M, x, _a=ax: M.softmax(x, axis=_a), [x], label=f'{desc(x)}, axis={ax}')
    add(S, 'softmax', lambda M, x: M.softmax(x, axis=(0, 1)), [arr(d, POOL[d][:6], (2, 3))], label='axis=(0,1)')

# ------------------------------------------------------------------ linear algebra
for da in DTYPES:
    for db in DTYPES:
        if X64 and 'float64' not in (da, db) and 'int64' not in (da, db):
            continue
        A = arr(da, [POOL[da][i % len(POOL[da])] for i in range(2, 8)], (2, 3))
        B = arr(db, [POOL[db][i % len(POOL[db])] for i in range(3, 15)], (3, 4))
        v = arr(db, POOL[db][1:4])
        w = arr(da, POOL[da][2:5])
        s = arr(db, POOL[db][2])
        L = 'linalg'
        for name in ('dot', 'matmul'):
            f = (lambda M, a, b, _n=name: getattr(M, _n)(a, b))
            add(L, name, f, [A, B])
            add(L, name, f, [A, v])
            add(L, name, f, [w, v])
            add(L, name, f, [v, B])
            add(L, name, f, [arr(da, POOL[da][:12], (2, 2, 3)), B])
        add(L, 'dot', lambda M, a, b: M.dot(a, b), [A, s])
        add(L, 'dot', lambda M, a: M.dot(a, 2), [A], label=f'{desc(A)}, 2')
        add(L, 'matmul', lambda M, a, b: M.matmul(a, b), [A, s])
        add(L, 'outer', lambda M, a, b: M.outer(a, b), [w, v])
        add(L, 'outer', lambda M, a, b: M.outer(a, b), [A, v])
        add(L, 'inner', lambda M, a, b: M.inner(a, b), [w, v])
        add(L, 'inner', lambda M, a, b: M.inner(a, b), [A, arr(db, POOL[db][:6], (2, 3))])
        add(L, 'inner', lambda M, a, b: M.inner(a, b), [A, s])
    add('linalg', 'matmul', lambda M, a: M.matmul(a, np.ones((0, 2), a.dtype)), [arr(da, [], (3, 0))], label=f'{da}[3,0] @ [0,2]')

# ------------------------------------------------------------------ interoperability
for d in DTYPES:
    for x in (vec(d), chunks(d, (2, 3))[0], arr(d, POOL[d][1])):
        add('interop', 'as_numpy', lambda M, x: M.as_numpy(M.asarray(x)), [x], jit=False)
        add('interop', 'as_numpy', lambda M, x: M.as_numpy(M.asarray(x), dtype='float64'), [x], label=f'{desc(x)}, dtype=float64', jit=False)
    add('interop', 'as_numpy', lambda M: M.as_numpy([1, 2.5]), [], label='[1, 2.5]', jit=False)

# ------------------------------------------------------------------ Array operators and methods (bm.Array vs jax.Array)
BINOPS = {
    '+': lambda a, b: a + b, '-': lambda a, b: a - b, '*': lambda a, b: a * b, '/': lambda a, b: a / b,
    '//': lambda a, b: a // b, '%': lambda a, b: a % b, '**': lambda a, b: a ** b, '&': lambda a, b: a & b,
    '|': lambda a, b: a | b, '^': lambda a, b: a ^ b, '<<': lambda a, b: a << b, '>>': lambda a, b: a >> b,
    '==': lambda a, b: a == b, '!=': lambda a, b: a != b, '<': lambda a, b: a < b, '<=': lambda a, b: a <= b,
    '>': lambda a, b: a > b, '>=': lambda a, b: a >= b,
}


def _iop(op):
    def f(a, b):
        if op == '+': a += b
        elif op == '-': a -= b
        elif op == '*': a *= b
        elif op == '/': a /= b
        elif op == '//': a //= b
        elif op == '%': a %= b
        elif op == '**': a **= b
        elif op == '&': a &= b
        elif op == '|': a |= b
        elif op == '^': a ^= b
        elif op == '<<': a <<= b
        elif op == '>>': a >>= b
        return a
    return f


def _cvt(M, x):
    return M.asarray(x)


for op, f in BINOPS.items():
    for da in DTYPES:
        for db in DTYPES:
            if X64 and 'float64' not in (da, db) and 'int64' not in (da, db):
                continue
            a, b = cart(da, db)
            if op in ('<<', '>>') and 'int' in db:
                b = arr(db, [SHIFT_POOL[i % len(SHIFT_POOL)] for i in range(b.size)])
            add('operator', op, lambda M, a, b, _f=f: _f(a, b), [a, b])
        for s in ([2, 0.5, True, -1, 0, nan] if not X64 else [2, 0.5]):
            add('operator', op, lambda M, a, _f=f, _s=s: _f(a, _s), [vec(da)], label=f'{desc(vec(da))}, {s!r}')
            add('operator', 'r' + op, lambda M, a, _f=f, _s=s: _f(_s, a), [vec(da)], label=f'{s!r}, {desc(vec(da))}')
        add('operator', op, lambda M, a, b, _f=f: _f(a, b), [vec(da), np.array(2, np.float64)], label=f'{desc(vec(da))}, np.float64(2) 0-d')
    if op in ('==', '!=', '<', '<=', '>', '>='):
        continue
    io = _iop(op)
    for da in DTYPES:
        for db in DTYPES:
            if X64 and 'float64' not in (da, db) and 'int64' not in (da, db):
                continue
            a, b = cart(da, db)
            if op in ('<<', '>>') and 'int' in db:
                b = arr(db, [SHIFT_POOL[i % len(SHIFT_POOL)] for i in range(b.size)])
            add('operator', op + '=', lambda M, a, b, _f=io: _f(a, b), [a, b])
        for s in ([2, 0.5, True] if not X64 else [2]):
            add('operator', op + '=', lambda M, a, _f=io, _s=s: _f(a, _s), [vec(da)], label=f'{desc(vec(da))}, {s!r}')
for da in DTYPES:
    for db in DTYPES:
        if X64 and 'float64' not in (da, db) and 'int64' not in (da, db):
            continue
        add('operator', '@', lambda M, a, b: a @ b, [chunks(da, (2, 3))[0], chunks(db, (3,))[1]])
        add('operator', '@', lambda M, a, b: a @ b, [chunks(da, (3,))[0], chunks(db, (3,))[1]])
    for name, f in [('neg', lambda a: -a), ('pos', lambda a: +a), ('invert', lambda a: ~a), ('abs()', lambda a: abs(a))]:
        for x in (vec(da), arr(da, POOL[da][2])):
            add('operator', name, lambda M, x, _f=f: _f(x), [x])
METHODS = [
    ('sum', {}), ('sum', {'axis': 0}), ('mean', {}), ('mean', {'axis': 1, 'keepdims': True}), ('std', {}),
    ('std', {'ddof': 1}), ('var', {'axis': 0}), ('max', {}), ('min', {'axis': 1}), ('prod', {}), ('any', {}),
    ('all', {'axis': 0}), ('argmax', {}), ('argmin', {'axis': 1}), ('cumsum', {}), ('cumsum', {'axis': 1}),
    ('cumprod', {'axis': 0}), ('flatten', {}), ('ravel', {}), ('transpose', {}), ('squeeze', {}),
    ('round', {}), ('clip', {'min': 0, 'max': 1}), ('astype', {'dtype': 'float32'}), ('astype', {'dtype': 'int32'}),
    ('astype', {'dtype': bool}), ('reshape', {'shape': (3, 2)}), ('repeat', {'repeats': 2}), ('sort', {}),
    ('argsort', {}), ('dot', {'b': np.ones(3, np.float32)}), ('take', {'indices': np.array([0, 2], np.int32)}),
    ('nonzero', {}),
]
for d in DTYPES:
    x = chunks(d, (2, 3))[0]
    for name, kw in METHODS:
        def meth(M, x, _n=name, _k=kw):
            k = dict(_k)
            if _n == 'reshape':
                return x.reshape(k['shape'])
            if _n == 'repeat':
                return x.repeat(k['repeats'])
            if _n == 'dot':
                return x.dot(k['b'])
            if _n == 'take':
                return x.take(k['indices'])
            return getattr(x, _n)(**k)
        add('method', '.' + name, meth, [x], label=f'{desc(x)}, {kwtxt(kw)}', jit=name != 'nonzero')
    add('method', '.T', lambda M, x: x.T, [x])
    add('method', '.mT', lambda M, x: x.mT, [x])
    add('method', '.real', lambda M, x: x.real, [x])
    for idx in [0, -1, (1, 2), slice(None, None, -1), (Ellipsis, None), (slice(None), 1), (None, 0),
                np.array([1, 0, 1]), (np.array([0, 1]), np.array([2, 0])), (0, slice(1, None))]:
        add('method', '[]', lambda M, x, _i=idx: x[_i], [x], label=f'{desc(x)}[{idx!r}]')
    add('method', '[]', lambda M, x: x[x > 0] if x.dtype != bool else x[x], [x], label=f'{desc(x)}[mask]', jit=False)


# ------------------------------------------------------------------------------------------------ running
def to_jax(x):
    return jnp.asarray(x) if isinstance(x, np.ndarray) else x


def to_bm(x):
    return bm.asarray(x) if isinstance(x, np.ndarray) else x


def leaves(r):
    if isinstance(r, (list, tuple)):
        out = []
        for e in r:
            out.extend(leaves(e))
        return out
    return [r]


def structure(r):
    if isinstance(r, (list, tuple)):
        return (type(r).__name__, len(r))
    return 'leaf'


U32 = np.zeros((), np.uint32)
PROBES = [('u32', U32)] + ([('f32', np.zeros((), np.float32)), ('i32', np.zeros((), np.int32))] if X64 else [])


def probe_dtypes(M, r):
    out = []
    for _, p in PROBES:
        try:
            q = r + M.asarray(p)
            d = str(np.dtype(q.dtype))
            if M is bm and not X64:  # brainjit's int32 + uint32 is int64 even with x64 off (see the 'promo' cases)
                d = {'int64': 'int32', 'float64': 'float32'}.get(d, d)
            out.append(d)
        except Exception as e:  # noqa: BLE001
            out.append('err:' + type(e).__name__)
    return out


def run_jax(c):
    r = c.fn(J, *[to_jax(a) for a in c.args])
    ls = leaves(r)
    vals = [np.asarray(v) for v in ls]
    probes = [probe_dtypes(jnp, v) if hasattr(v, 'dtype') and not isinstance(v, np.ndarray) else None for v in ls]
    return structure(r), vals, probes, [type(v).__name__ for v in ls]


def run_bm_eager(c):
    r = c.fn(bm, *[to_bm(a) for a in c.args])
    ls = leaves(r)
    vals = [np.asarray(v) for v in ls]
    probes = [probe_dtypes(bm, v) if isinstance(v, bm.Array) else None for v in ls]
    return structure(r), vals, probes, [type(v).__name__ for v in ls]


def run_bm_jit(c, backend='interp'):
    info = {}

    def f(*xs):
        r = c.fn(bm, *xs)
        ls = leaves(r)
        info['structure'] = structure(r)
        pr = []
        for v in ls:
            pr.append(probe_dtypes(bm, v) if isinstance(v, bm.Array) else None)
        info['probes'] = pr
        return list(ls)

    out = bm.jit(f, backend=backend)(*[to_bm(a) for a in c.args])
    ls = leaves(out)
    return info['structure'], [np.asarray(v) for v in ls], info['probes'], [type(v).__name__ for v in ls]


def rtol_for(dt):
    return 1e-12 if dt == np.float64 else 1e-6


def compare(jr, br):
    """A list of (kind, detail) differences between the jax result and a bm result."""
    js, jv, jp, _ = jr
    bs, bv, bp, _ = br
    if js != bs or len(jv) != len(bv):
        return [('structure', f'jax {js} vs bm {bs}')]
    diffs = []
    for i, (a, b) in enumerate(zip(jv, bv)):
        where_ = f'[out {i}] ' if len(jv) > 1 else ''
        if a.shape != b.shape:
            diffs.append(('shape', f'{where_}jax {a.shape} vs bm {b.shape}'))
            continue
        if a.dtype != b.dtype:
            diffs.append(('dtype', f'{where_}jax {a.dtype} vs bm {b.dtype}'))
        if a.dtype.kind in 'biu' and b.dtype.kind in 'biu':
            ai, bi = a.astype(np.int64).ravel(), b.astype(np.int64).ravel()
            if not np.array_equal(ai, bi):
                bad = np.nonzero(ai != bi)[0][:3]
                diffs.append(('value', f'{where_}jax {ai[bad].tolist()} vs bm {bi[bad].tolist()} at {bad.tolist()}'))
            continue
        af, bf = np.atleast_1d(a.astype(np.float64)).ravel(), np.atleast_1d(b.astype(np.float64)).ravel()
        nan_a, nan_b = np.isnan(af), np.isnan(bf)
        tol = rtol_for(a.dtype if a.dtype.kind == 'f' else b.dtype)
        with np.errstate(all='ignore'):
            close = (af == bf) | (np.abs(af - bf) <= tol * np.maximum(np.abs(af), np.abs(bf)))
        # XLA on CPU flushes subnormal results to zero (FTZ): a 0 against a subnormal is not counted.
        tiny = np.finfo(a.dtype if a.dtype.kind == 'f' else b.dtype if b.dtype.kind == 'f' else np.float32).tiny
        with np.errstate(all='ignore'):
            ftz = ((af == 0) & (np.abs(bf) < tiny)) | ((bf == 0) & (np.abs(af) < tiny))
        close = close | ftz
        ok = (nan_a & nan_b) | (~nan_a & ~nan_b & close)
        if not ok.all():
            bad = np.nonzero(~ok)[0][:3]
            xs = None
            diffs.append(('value', f'{where_}jax {af[bad].tolist()} vs bm {bf[bad].tolist()} at {bad.tolist()}'))
            del xs
            continue
        z = (af == 0) & (bf == 0) & (np.signbit(af) != np.signbit(bf))
        if z.any():
            bad = np.nonzero(z)[0][:3]
            diffs.append(('zerosign', f'{where_}jax {af[bad].tolist()} vs bm {bf[bad].tolist()} at {bad.tolist()}'))
    for i, (p, q) in enumerate(zip(jp, bp)):
        if p is not None and q is not None and p != q:
            diffs.append(('weak', f'[out {i}] r+{[n for n, _ in PROBES]}: jax {p} vs bm {q}'))
    return diffs


def short_exc(e):
    s = f'{type(e).__name__}: {e}'.split('\n')[0]
    return s[:160]


RESULTS = []  # dicts


def record(c, mode, kind, detail):
    RESULTS.append({'group': c.group, 'name': c.name, 'label': c.label, 'mode': mode, 'kind': kind, 'detail': detail})


def main():
    print(f'{len(CASES)} cases, x64={X64}', file=sys.stderr)
    jax_res = {}
    cpu_todo = collections.defaultdict(list)
    for i, c in enumerate(CASES):
        try:
            jr = run_jax(c)
            jerr = None
        except Exception as e:  # noqa: BLE001
            jr, jerr = None, e
        jax_res[i] = jr
        modes = [('eager', run_bm_eager)] + ([('jit', run_bm_jit)] if c.jit else [])
        for mode, runner in modes:
            try:
                br = runner(c)
                berr = None
            except Exception as e:  # noqa: BLE001
                br, berr = None, e
            if jerr is not None and berr is not None:
                record(c, mode, 'both-raise', f'jax {short_exc(jerr)} | bm {short_exc(berr)}')
                continue
            if jerr is not None:
                record(c, mode, 'raise-jax-only', f'jax {short_exc(jerr)}')
                continue
            if berr is not None:
                record(c, mode, 'raise-bm-only', f'bm {short_exc(berr)}' + (
                    '' if not ARGS.v else '\n' + traceback.format_exception(berr)[-2]))
                continue
            d = compare(jr, br)
            if mode == 'eager':
                d = [x for x in d if x[0] != 'weak'] + [('weak-eager', x[1]) for x in d if x[0] == 'weak']
            if not d:
                record(c, mode, 'ok', '')
            for kind, det in d:
                record(c, mode, kind, det)
            if mode == 'jit' and not ARGS.no_cpu and not [x for x in d if x[0] not in ('weak',)]:
                cpu_todo[c.name].append(i)
    # cpu backend: each function's cases batched in jitted functions (bisected on failure)
    if not ARGS.no_cpu:
        ncpu = 0

        def run_batch(idxs):
            nonlocal ncpu
            cs = [CASES[i] for i in idxs]
            spans, flat = [], []
            for c in cs:
                spans.append((len(flat), len(flat) + len(c.args)))
                flat.extend(to_bm(a) for a in c.args)
            structs = {}

            def f(*xs):
                outs = []
                for k, c in enumerate(cs):
                    r = c.fn(bm, *xs[spans[k][0]:spans[k][1]])
                    structs[k] = structure(r)
                    outs.append(list(leaves(r)))
                return outs

            try:
                ncpu += 1
                res = bm.jit(f)(*flat)
            except Exception as e:  # noqa: BLE001
                if len(idxs) == 1:
                    record(CASES[idxs[0]], 'cpu', 'raise-bm-only', f'bm {short_exc(e)}')
                    return
                h = len(idxs) // 2
                run_batch(idxs[:h])
                run_batch(idxs[h:])
                return
            for k, i in enumerate(idxs):
                c = CASES[i]
                br = (structs[k], [np.asarray(v) for v in res[k]], [None] * len(res[k]), None)
                d = compare(jax_res[i], br)
                if not d:
                    record(c, 'cpu', 'ok', '')
                for kind, det in d:
                    record(c, 'cpu', kind, det)

        for name, idxs in cpu_todo.items():
            for s in range(0, len(idxs), 48):
                run_batch(idxs[s:s + 48])
        print(f'cpu: {ncpu} compiled batches', file=sys.stderr)
    report()


def report():
    bad_kinds = ('value', 'dtype', 'shape', 'structure', 'raise-bm-only', 'raise-jax-only', 'zerosign', 'weak')
    per = collections.OrderedDict()
    for r in RESULTS:
        key = (r['group'], r['name'])
        per.setdefault(key, collections.Counter())[(r['mode'], r['kind'])] += 1
    ncase = collections.Counter((c.group, c.name) for c in CASES)
    tot = collections.Counter(r['kind'] for r in RESULTS)
    print(f'# diff_jax x64={X64}: {len(CASES)} cases; results by kind: {dict(tot)}')
    print('| group | function | cases | eager ok | jit ok | cpu ok | divergences (mode:kind count) |')
    print('|---|---|---|---|---|---|---|')
    for (g, n), cnt in per.items():
        div = ', '.join(f'{m}:{k} {v}' for (m, k), v in sorted(cnt.items()) if k in bad_kinds or k == 'weak-eager')
        print(f'| {g} | {n} | {ncase[(g, n)]} | {cnt[("eager", "ok")]} | {cnt[("jit", "ok")]} | {cnt[("cpu", "ok")]} '
              f'| {div} |')
    print()
    print('## Divergences (first examples per function/mode/kind)')
    shown = collections.Counter()
    lim = 1000 if ARGS.v else 4
    for r in RESULTS:
        if r['kind'] not in bad_kinds and r['kind'] != 'weak-eager':
            continue
        key = (r['name'], r['mode'], r['kind'])
        shown[key] += 1
        if shown[key] <= lim:
            print(f'- {r["mode"]:5s} {r["kind"]:14s} {r["label"]}: {r["detail"]}')
    if ARGS.json:
        with open(ARGS.json, 'w') as fh:
            json.dump(RESULTS, fh, indent=0)


if __name__ == '__main__':
    main()
