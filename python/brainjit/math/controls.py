"""bm.for_loop, bm.while_loop, bm.cond, bm.ifelse: traced once and run by the C core's compiled loops and conds."""

import collections
import sys

import numpy as np

from .. import _core
from . import pytree
from .jit import _Compiled, _deprecations
from .ndarray import ArrayBase, Var, _new, _value_v, _buffer, _op

__all__ = ['ProgressBar', 'for_loop', 'scan', 'while_loop', 'cond', 'ifelse', 'make_loop', 'make_while', 'make_cond']

_tracing = _core.tracing

# Outside a jitted function each control-flow call runs inside an implicit jit, cached by its functions, so a
# second call with the same signature runs the compiled code without tracing again (BrainPy caches the same way).
_IMPLICIT = collections.OrderedDict()
_SHARE_KEYS = {}  # for_loop's implicit jits: the bp.share keys their body saves (see for_loop)
_IMPLICIT_MAX = 256


def _run_implicit(key, fn, name, args):
    try:
        c = _IMPLICIT.get(key)
    except TypeError:  # unhashable functions: compiled for this call only
        key, c = None, None
    if c is None:
        c = _Compiled(fn, name=name)
        if key is not None:
            _IMPLICIT[key] = c
            if len(_IMPLICIT) > _IMPLICIT_MAX:
                _IMPLICIT.popitem(last=False)
    else:
        _IMPLICIT.move_to_end(key)
    return c.jit(*args)


def _wrap(v):
    return v if isinstance(v, ArrayBase) else _new(v)


def _arr(x):
    """An Array for a pytree leaf (a Variable gives its current value)."""
    if isinstance(x, ArrayBase):
        return x.value if type(x._v) is Var else x
    return _new(_value_v(x))


def _flat_out(res, keep_scalars):
    """Leaves and structure of a body's or branch's result: Variables as their values, numpy as arrays; Python
    scalars kept (weakly typed) when keep_scalars, else made arrays."""
    leaves, treedef = pytree.flatten(res)
    out = []
    for x in leaves:
        t = type(x)
        if keep_scalars and (t is float or t is int or t is bool):
            out.append(x)
        else:
            try:
                out.append(_arr(x))
            except (TypeError, ValueError):
                raise TypeError(f'control flow functions must return arrays, numbers or tuples / lists / dicts / '
                                f'None of them, not {type(x).__name__}.') from None
    return out, treedef


def _end_quietly(end, *args):
    # after a failure in Python the region must still be closed in C; the Python error is the one to report
    try:
        end(*args)
    except Exception:
        pass


def _check_f(f):
    if callable(f):
        return f
    return lambda *args, **kwargs: f


def _key_of(f):
    return f if callable(f) else (type(f), f)


class ProgressBar:
    """Accepted as for_loop's / scan's progress_bar (BrainPy's): brainjit's loops run as one compiled C loop and
    show no progress."""

    def __init__(self, freq=None, count=None, desc=None, **kwargs):
        self.freq, self.count, self.desc = freq, count, desc


# ---------------------------------------------------------------------------------------------------- for_loop
def for_loop(body_fun, operands, reverse=False, unroll=1, remat=False, jit=None, progress_bar=False,
             unroll_kwargs=None, dyn_vars=None, child_objs=None):
    """Runs body_fun over the leading axis of operands and stacks its results (brainpy.math.for_loop).

    body_fun receives one slice of each operand (``body_fun(*operands_slice)``); Variables it reads or writes are
    carried through the loop by the C core. The loop is traced once and runs as one compiled loop.

    >>> a = bm.Variable(bm.zeros(1))
    >>> def body(x):
    ...     a.value += x
    ...     return a.value
    >>> bm.for_loop(body, bm.arange(1, 5))      # [[1.], [3.], [6.], [10.]]
    """
    _deprecations(dyn_vars, child_objs)
    if not callable(body_fun):
        raise TypeError(f'for_loop: body_fun must be callable, but we got {type(body_fun).__name__}.')
    if not isinstance(unroll, int) or unroll < 1:
        raise ValueError(f'for_loop: unroll must be a positive int, but we got {unroll!r}.')
    kw = dict(unroll_kwargs or {})
    if not isinstance(operands, (list, tuple)):
        operands = (operands,)
    if jit is False:
        return _for_eager(body_fun, operands, reverse, kw)
    if _tracing():
        return _for_traced(body_fun, operands, reverse, kw)
    key = ('for', body_fun, bool(reverse), tuple(sorted(kw.items())))
    share = getattr(sys.modules.get('brainjit.context'), 'share', None)
    if share is None:
        return _run_implicit(key, lambda ops: _for_traced(body_fun, ops, reverse, kw), 'for_loop', (operands,))
    # bp.share: a step_run in the body saves traced t and i; the loop also returns their last values, saved back as
    # numbers after the run (BrainPy 2.8 leaves tracers in bp.share after a for_loop).
    try:
        keys = _SHARE_KEYS.setdefault(key, [])
    except TypeError:  # an unhashable body: compiled for this call only
        keys = []
    if len(_SHARE_KEYS) > 2 * _IMPLICIT_MAX:  # forget the keys of implicit jits the cache has dropped
        for k in [k for k in _SHARE_KEYS if k not in _IMPLICIT and k != key]:
            del _SHARE_KEYS[k]
    out, last = _run_implicit(key, lambda ops: _for_traced(body_fun, ops, reverse, kw, share, keys), 'for_loop',
                              (operands,))
    for k, v in zip(keys, last):
        a = np.asarray(v)
        share.save(k, a.item())
    return out


def _loop_operands(operands, what):
    leaves, treedef = pytree.flatten(operands)
    if not leaves:
        raise ValueError(f'{what}: operands hold no arrays to iterate over.')
    xs = [_arr(x) for x in leaves]
    for x in xs:
        if not x._v.shape:
            raise ValueError(f'{what}: every operand needs a leading axis to iterate over, but one has shape ().')
    n = min(x._v.shape[0] for x in xs)
    return xs, treedef, n


def _flip0(x):
    return _op('flip', [x], {'naxes': 1, 'axes': (0,)})


def _traced_share_scalars(share):
    """bp.share's entries that are traced scalars of the trace now open (saved by the loop body)."""
    return [(k, v) for k, v in share.get_shargs().items()
            if isinstance(v, ArrayBase) and type(v._v) is _core.Val and v._v.alive and not v._v.shape]


def _for_traced(body_fun, operands, reverse, kw, share=None, share_keys=None):
    xs, treedef, n = _loop_operands(operands, 'for_loop')
    if reverse:
        xs = [_flip0(x) for x in xs]
    _core.for_begin(n, 1, [], xs)
    try:
        args = pytree.unflatten(treedef, [_wrap(_core.loop_x(i)) for i in range(len(xs))])
        ys, ydef = _flat_out(body_fun(*args, **kw), keep_scalars=False)
        extra = _traced_share_scalars(share) if share is not None and n else []
    except BaseException:
        _end_quietly(_core.for_end, [], [])
        raise
    _, stacked = _core.for_end([], ys + [v for _, v in extra])
    out = [_wrap(s) for s in stacked[:len(ys)]]
    if reverse:
        out = [_flip0(s) for s in out]
    result = pytree.unflatten(ydef, out)
    if share is None:
        return result
    share_keys[:] = [k for k, _ in extra]
    return result, [_wrap(s)[n - 1] for s in stacked[len(ys):]]  # the values of the loop's last step


def _for_eager(body_fun, operands, reverse, kw):
    xs, treedef, n = _loop_operands(operands, 'for_loop')
    steps = range(n - 1, -1, -1) if reverse else range(n)
    results, ydef = [], None
    for i in steps:
        args = pytree.unflatten(treedef, [x[i] for x in xs])
        ys, d = _flat_out(body_fun(*args, **kw), keep_scalars=False)
        if ydef is None:
            ydef = d
        elif d != ydef:
            raise TypeError('for_loop: the body returned results of different structures in different steps.')
        results.append(ys)
    if reverse:
        results.reverse()
    if not results:
        raise ValueError('for_loop with jit=False needs at least one step.')
    stacked = [_op('stack', [r[j] for r in results], {'axis': 0}) for j in range(len(results[0]))]
    return pytree.unflatten(ydef, stacked)


# ---------------------------------------------------------------------------------------------------- scan
def scan(body_fun, init, operands, reverse=False, unroll=1, remat=False, progress_bar=False):
    """``carry, y = body_fun(carry, x)`` over the leading axis of operands (brainpy.math.scan, jax.lax.scan's
    form): returns ``(final_carry, stacked_ys)``. Variables the body writes are updated; one compiled loop.

    >>> bm.scan(lambda c, x: (c + x, c * x), 0., bm.arange(4.))      # (6.0, [0., 0., 2., 9.])
    """
    if not callable(body_fun):
        raise TypeError(f'scan: body_fun must be callable, but we got {type(body_fun).__name__}.')
    if not isinstance(unroll, int) or unroll < 1:
        raise ValueError(f'scan: unroll must be a positive int, but we got {unroll!r}.')
    if _tracing():
        return _scan_traced(body_fun, init, operands, reverse)
    key = ('scan', body_fun, bool(reverse))
    return _run_implicit(key, lambda c, ops: _scan_traced(body_fun, c, ops, reverse), 'scan', (init, operands))


def _scan_traced(body_fun, init, operands, reverse):
    xs, xdef, n = _loop_operands(operands, 'scan')
    if reverse:
        xs = [_flip0(x) for x in xs]
    cl, cdef = pytree.flatten(init)
    cinit = [_arr(x) for x in cl]
    _core.for_begin(n, 1, cinit, xs)
    try:
        carry = pytree.unflatten(cdef, [_wrap(_core.loop_carry(i)) for i in range(len(cinit))])
        x = pytree.unflatten(xdef, [_wrap(_core.loop_x(i)) for i in range(len(xs))])
        res = body_fun(carry, x)
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError('scan: body_fun must return a pair (new_carry, y).')
        nl, nd = pytree.flatten(res[0])
        if nd != cdef:
            raise TypeError(f'scan: body_fun must return a carry of the structure of init {cdef}, but it returned '
                            f'{nd}.')
        nl = [_carry_leaf(v, cinit[i]) for i, v in enumerate(nl)]
        ys, ydef = _flat_out(res[1], keep_scalars=False)
    except BaseException:
        _end_quietly(_core.for_end, [], [])
        raise
    final, stacked = _core.for_end(nl, ys)
    out = [_wrap(v) for v in stacked]
    if reverse:
        out = [_flip0(v) for v in out]
    return pytree.unflatten(cdef, [_wrap(f) for f in final]), pytree.unflatten(ydef, out)


# ---------------------------------------------------------------------------------------------------- while_loop
def while_loop(body_fun, cond_fun, operands, dyn_vars=None, child_objs=None):
    """Repeats ``operands = body_fun(*operands)`` while ``cond_fun(*operands)`` is true, as one compiled loop
    (brainpy.math.while_loop). Returns the final operands as a tuple; Variables written in the body are updated.

    >>> i = bm.Variable(bm.zeros(1)); total = bm.Variable(bm.zeros(1))
    >>> def body():
    ...     i.value += 1
    ...     total.value += i
    >>> bm.while_loop(body, lambda: i[0] < 10, ())          # total == [55.]
    """
    _deprecations(dyn_vars, child_objs)
    if not callable(body_fun) or not callable(cond_fun):
        raise TypeError('while_loop: body_fun and cond_fun must be callable.')
    if not isinstance(operands, (list, tuple)):
        operands = (operands,)
    operands = tuple(operands)
    if _tracing():
        return _while_traced(body_fun, cond_fun, operands)
    key = ('while', body_fun, cond_fun)
    return _run_implicit(key, lambda ops: _while_traced(body_fun, cond_fun, ops), 'while_loop', (operands,))


def _carry_leaf(x, like):
    t = type(x)
    if t is float or t is int or t is bool:
        return _new(_buffer(x, like.dtype))
    return _arr(x)


def _while_traced(body_fun, cond_fun, operands):
    leaves, treedef = pytree.flatten(tuple(operands))
    init = [_arr(x) for x in leaves]
    _core.while_begin(init)
    try:
        carries = pytree.unflatten(treedef, [_wrap(_core.loop_carry(i)) for i in range(len(init))])
        pred = _arr(cond_fun(*carries))
        _core.while_body(pred)
    except BaseException:
        _end_quietly(_core.while_end, [])
        raise
    try:
        carries = pytree.unflatten(treedef, [_wrap(_core.loop_carry(i)) for i in range(len(init))])
        new = body_fun(*carries)
        if new is None:
            new = carries
        if isinstance(new, list):
            new = tuple(new)
        if not isinstance(new, tuple):
            new = (new,)
        nl, nd = pytree.flatten(new)
        if nd != treedef:
            raise TypeError(f'while_loop: body_fun must return the operands\' structure {treedef}, but it returned '
                            f'{nd}.')
        nl = [_carry_leaf(x, init[i]) for i, x in enumerate(nl)]
    except BaseException:
        _end_quietly(_core.while_end, [])
        raise
    final = _core.while_end(nl)
    return pytree.unflatten(treedef, [_wrap(f) for f in final])


# ---------------------------------------------------------------------------------------------------- cond / ifelse
def cond(pred, true_fun, false_fun, operands=(), dyn_vars=None, child_objs=None):
    """``true_fun(*operands) if pred else false_fun(*operands)``, both branches compiled, one run
    (brainpy.math.cond). Branches may be values instead of functions; Variables written in the taken branch are
    updated."""
    _deprecations(dyn_vars, child_objs)
    tf, ff = _check_f(true_fun), _check_f(false_fun)
    if not isinstance(operands, (tuple, list)):
        operands = (operands,)
    if _tracing():
        return _cond_traced(pred, tf, ff, operands)
    key = ('cond', _key_of(true_fun), _key_of(false_fun))
    return _run_implicit(key, lambda p, ops: _cond_traced(p, tf, ff, ops), 'cond', (pred, tuple(operands)))


def _cond_traced(pred, true_fun, false_fun, operands):
    leaves, treedef = pytree.flatten(tuple(operands))
    ops = [_arr(x) for x in leaves]
    p = _arr(pred)
    _core.cond_begin(p, ops)
    try:
        args = pytree.unflatten(treedef, [_wrap(_core.loop_carry(i)) for i in range(len(ops))])
        r1, d1 = _flat_out(true_fun(*args), keep_scalars=True)
        _core.cond_else(r1)
    except BaseException:
        _end_quietly(_core.cond_end, [])
        raise
    try:
        args = pytree.unflatten(treedef, [_wrap(_core.loop_carry(i)) for i in range(len(ops))])
        r2, d2 = _flat_out(false_fun(*args), keep_scalars=True)
        if d2 != d1:
            raise TypeError(f'cond: true_fun and false_fun must return the same structure, but we got {d1} and '
                            f'{d2}.')
    except BaseException:
        _end_quietly(_core.cond_end, [])
        raise
    outs = _core.cond_end(r2)
    return pytree.unflatten(d1, [_wrap(o) for o in outs])


def ifelse(conditions, branches, operands=None, show_code=False, dyn_vars=None, child_objs=None):
    """The first branch whose condition holds, else the last (brainpy.math.ifelse): len(branches) ==
    len(conditions) + 1; branches are functions of the operands or values. Compiled as nested conds.

    >>> bm.ifelse([a > 10, a > 5, a > 2, a > 0], [1, 2, 3, 4, 5])
    """
    _deprecations(dyn_vars, child_objs)
    if not isinstance(conditions, (tuple, list)):
        conditions = [conditions]
    if not isinstance(branches, (tuple, list)):
        raise ValueError(f'"branches" must be a tuple/list. But we got {type(branches)}.')
    if len(branches) != len(conditions) + 1:
        raise ValueError(f'The numbers of branches and conditions do not match. Got len(conditions)='
                         f'{len(conditions)} and len(branches)={len(branches)}. We expect len(conditions) + 1 == '
                         f'len(branches). ')
    if operands is None:
        operands = ()
    if not isinstance(operands, (tuple, list)):
        operands = (operands,)
    branches = list(branches)
    if _tracing():
        return _ifelse_traced(list(conditions), branches, tuple(operands))
    key = ('ifelse', tuple(_key_of(b) for b in branches))
    return _run_implicit(key, lambda conds, ops: _ifelse_traced(conds, branches, ops), 'ifelse',
                         (list(conditions), tuple(operands)))


def _ifelse_traced(conditions, branches, operands):
    fs = [_check_f(b) for b in branches]
    if len(conditions) == 1:
        return _cond_traced(conditions[0], fs[0], fs[1], operands)
    rest_c, rest_b = conditions[1:], branches[1:]
    return _cond_traced(conditions[0], fs[0], lambda *ops: _ifelse_traced(rest_c, rest_b, ops), operands)


# ---------------------------------------------------------------------------------------------------- old names
def make_loop(body_fun, dyn_vars=None, out_vars=None, has_return=False):
    """BrainPy < 2.3's loop builder: a function of the operands that runs for_loop(body_fun, operands)."""
    return lambda xs: for_loop(body_fun, xs)


def make_while(cond_fun, body_fun, dyn_vars=None):
    return lambda x=(): while_loop(body_fun, cond_fun, x)


def make_cond(true_fun, false_fun, dyn_vars=None):
    return lambda pred, x=(): cond(pred, true_fun, false_fun, x)

