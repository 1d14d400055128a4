"""bm.jvp, bm.jacfwd, bm.vector_grad: forward-mode derivatives, computed by the C core's JVP transform.

Inside a jitted function (or a loop body) they are traced inline: the function is traced once on fresh inputs and
the C core builds its tangent next to it, so the derivative compiles into the same executable. Outside, each runs
in an implicit jit cached by the function (as bm.for_loop does) and returns concrete Arrays. A Jacobian takes one
JVP per input element, run as one compiled loop over the basis vectors (the function's value, which does not depend
on the loop's step, is hoisted out of it by the optimizer); vector_grad is the gradient of the sum of the outputs
taken the same way (exact, O(n) JVPs: brainjit has no reverse mode).
"""

import functools

from .. import _core
from . import pytree
from .controls import _arr, _end_quietly, _flat_out, _run_implicit, _wrap
from .ndarray import DTYPES, _op

__all__ = ['jvp', 'jacfwd', 'vector_grad', 'functional_vector_grad', 'stop_gradient']

_FLOATS = ('float32', 'float64')


def _float_check(x, what):
    dt = DTYPES[x._v.dtype]
    if str(dt) not in _FLOATS:
        raise TypeError(f'{what} has dtype {dt}: only float values can be differentiated (an integer or bool input '
                        f'has no tangent; JAX would ask for a float0 tangent). Close over it instead.')


# ---------------------------------------------------------------------------------------------------- jvp
def stop_gradient(x):
    """x itself (every Array leaf of a pytree), with a zero derivative: bm.jvp, jacfwd and exp_auto's linear part see
    a constant (jax.lax.stop_gradient). Non-array leaves pass through."""
    leaves, treedef = pytree.flatten(x)
    out = [_op('stop_gradient', [_arr(v)]) if hasattr(v, '_v') or hasattr(v, '__array__') else v for v in leaves]
    return pytree.unflatten(treedef, out)


def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), d fun(primals) . tangents)`` (jax.jvp): the value and the directional derivative of fun
    at primals along tangents, computed in forward mode. primals and tangents are tuples (or lists) of the same
    pytree structure, each tangent of its primal's dtype and shape; with has_aux, fun returns ``(out, aux)`` and
    jvp returns ``(out, tangent_out, aux)``. Variables fun reads are constants; fun may not write them.

    >>> bm.jvp(bm.sin, (x,), (bm.ones_like(x),))        # (sin(x), cos(x))
    """
    if not callable(fun):
        raise TypeError(f'jvp: fun must be callable, but we got {type(fun).__name__}.')
    for what, v in (('primal', primals), ('tangent', tangents)):
        if not isinstance(v, (tuple, list)):
            raise TypeError(f'{what} arguments to jvp must be a tuple or a list; found {type(v).__name__}.')
    if len(primals) != len(tangents):
        raise ValueError(f'jvp: primal and tangent arguments must have equal length; primals have length '
                         f'{len(primals)} whereas tangents have length {len(tangents)}.')
    primals, tangents = tuple(primals), tuple(tangents)
    if _core.tracing():
        return _jvp_traced(fun, primals, tangents, has_aux)
    key = ('jvp', fun, bool(has_aux))
    return _run_implicit(key, lambda p, t: _jvp_traced(fun, p, t, has_aux), 'jvp', (primals, tangents))


def _jvp_traced(fun, primals, tangents, has_aux):
    pl, pdef = pytree.flatten(primals)
    tl, tdef = pytree.flatten(tangents)
    if pdef != tdef:
        raise TypeError(f'primal and tangent arguments to jvp must have the same tree structure; primals have tree '
                        f'structure {pdef} whereas tangents have tree structure {tdef}.')
    xs = [_arr(x) for x in pl]
    ts = [_arr(t) for t in tl]
    for i, (x, t) in enumerate(zip(xs, ts)):
        _float_check(x, f'jvp: primal {i}')
        if tuple(x.shape) != tuple(t.shape):
            raise ValueError(f'jvp called with different primal and tangent shapes; got primal shape {x.shape} and '
                             f'tangent shape {t.shape} (input {i}).')
        if x.dtype != t.dtype:
            raise TypeError(f'primal and tangent arguments to jvp do not match; dtypes must be equal. Got primal '
                            f'dtype {x.dtype} and tangent dtype {t.dtype} (input {i}).')
    outs, touts, aux = _jvp_flat(fun, pdef, xs, ts, has_aux)
    return (outs, touts, aux) if has_aux else (outs, touts)


def _jvp_flat(fun, pdef, xs, ts, has_aux):
    """fun traced inside bj_jvp_begin / bj_jvp_end on the leaves xs (structure pdef) along ts; its outputs and
    their tangents as pytrees, and its aux (or None)."""
    params, ts = _core.jvp_begin(xs, ts)
    try:
        args = pytree.unflatten(pdef, [_wrap(p) for p in params])
        res = fun(*args)
        aux = None
        if has_aux:
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(f'jvp with has_aux=True: fun must return a pair (out, aux), but it returned '
                                f'{type(res).__name__}.')
            res, aux = res
        ol, odef = _flat_out(res, keep_scalars=False)
        al, adef = _flat_out(aux, keep_scalars=False)
    except BaseException:
        _end_quietly(_core.jvp_end, [], ts)  # closes the region without outputs; the trace stays usable
        raise
    ys, dys = _core.jvp_end(ol + al, ts)
    n = len(ol)
    outs = pytree.unflatten(odef, [_wrap(y) for y in ys[:n]])
    touts = pytree.unflatten(odef, [_wrap(d) for d in dys[:n]])
    aux = pytree.unflatten(adef, [_wrap(a) for a in ys[n:]]) if has_aux else None
    return outs, touts, aux


# ---------------------------------------------------------------------------------------------------- Jacobians
def _argnums(argnums, nargs, what):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise ValueError(f'{what}: argnums must name at least one argument.')
    out = []
    for i in nums:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f'{what}: argnums must be ints, got {i!r}.')
        j = i + nargs if i < 0 else i
        if not 0 <= j < nargs:
            raise ValueError(f'{what}: argnums {i} is out of range for a function called with {nargs} positional '
                             f'arguments.')
        out.append(j)
    return single, tuple(out)


def _columns(func, args, kwargs, k, leaf, nums, defs, leaves, has_aux, reduce):
    """The JVPs of func along every basis vector of input leaf `leaf` of argument nums[k], as one compiled loop:
    per output leaf, the stacked tangents [n, *out_shape] (reduce: the sum of all output tangents, [n])."""
    x = leaves[k][leaf]
    shape = tuple(x.shape)
    n = 1
    for s in shape:
        n *= s
    basis = _op('eye', [], {'dtype': x._v.dtype, 'n': n, 'm': n, 'k': 0})
    basis = basis.reshape((n,) + shape)

    def with_leaf(v):
        new = list(args)
        ls = list(leaves[k])
        ls[leaf] = v
        new[nums[k]] = pytree.unflatten(defs[k], ls)
        res = func(*new, **kwargs)
        return res[0] if has_aux else res

    _core.for_begin(n, 1, [], [basis])
    try:
        e = _wrap(_core.loop_x(0))
        (out_leaves, odef), (dl, _) = _jvp_leaves(with_leaf, x, e)
        if reduce:
            tot = None
            for d in dl:
                s = d.sum() if d.ndim else d
                tot = s if tot is None else tot + s
            ys = [tot if tot is not None else _op('zeros', [], {'dtype': x._v.dtype, 'rank': 0, 'shape': ()})]
        else:
            ys = dl
    except BaseException:
        _end_quietly(_core.for_end, [], [])
        raise
    _, stacked = _core.for_end([], ys)
    return [_wrap(s) for s in stacked], odef, out_leaves


def _jvp_leaves(f, x, t):
    ys, ds, _ = _jvp_flat(f, pytree.flatten((x,))[1], [x], [t], False)
    yl, ydef = _flat_out(ys, keep_scalars=False)
    dl, _ = _flat_out(ds, keep_scalars=False)
    return (yl, ydef), (dl, None)


def _jacobian(func, args, kwargs, argnums, has_aux, return_value, reduce, what):
    single, nums = _argnums(0 if argnums is None else argnums, len(args), what)
    defs, leaves = [], []
    for i in nums:
        ls, d = pytree.flatten(args[i])
        arrs = [_arr(v) for v in ls]
        for j, v in enumerate(arrs):
            _float_check(v, f'{what}: argument {i} (leaf {j})')
        defs.append(d)
        leaves.append(arrs)
    value = aux = None
    if return_value or has_aux:  # the value itself, outside the loops
        res = func(*args, **kwargs)
        if has_aux:
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(f'{what} with has_aux=True: the function must return a pair (out, aux), but it '
                                f'returned {type(res).__name__}.')
            value, aux = res
        else:
            value = res
    per_arg = []  # per argument: per leaf: stacked tangents per output leaf
    odef = None
    out_shapes = None
    for k in range(len(nums)):
        cols = []
        for leaf in range(len(leaves[k])):
            stacked, odef, out_leaves = _columns(func, args, kwargs, k, leaf, nums, defs, leaves, has_aux, reduce)
            out_shapes = [tuple(o.shape) for o in out_leaves]
            cols.append(stacked)
        per_arg.append(cols)
    if reduce:  # the gradient of sum(f): one array per input leaf, of its shape
        grads = [pytree.unflatten(defs[k], [cols[0].reshape(tuple(leaves[k][j].shape))
                                            for j, cols in enumerate(per_arg[k])]) for k in range(len(nums))]
        result = grads[0] if single else tuple(grads)
    else:
        if odef is None:  # no input leaf: the outputs' structure from a plain call
            ol, odef = _flat_out(func(*args, **kwargs)[0] if has_aux else func(*args, **kwargs), keep_scalars=False)
            out_shapes = [tuple(o.shape) for o in ol]
        jac_leaves = []
        for j, oshape in enumerate(out_shapes):
            per = []
            for k in range(len(nums)):
                ls = []
                for leaf, cols in enumerate(per_arg[k]):
                    ishape = tuple(leaves[k][leaf].shape)
                    m = cols[j].reshape(ishape + oshape)  # [*in, *out] -> [*out, *in]
                    ni, no = len(ishape), len(oshape)
                    perm = tuple(range(ni, ni + no)) + tuple(range(ni))
                    ls.append(m.transpose(perm) if ni and no else m)
                per.append(pytree.unflatten(defs[k], ls))
            jac_leaves.append(per[0] if single else tuple(per))
        result = _unflatten_any(odef, jac_leaves)
    if return_value and has_aux:
        return result, value, aux
    if return_value:
        return result, value
    if has_aux:
        return result, aux
    return result


def _unflatten_any(treedef, leaves):
    """unflatten whose leaves may themselves be pytrees (a Jacobian per output leaf)."""
    it = iter(leaves)
    return pytree._unflatten(treedef, it)


def _transform(func, argnums, has_aux, return_value, reduce, what, grad_vars):
    if not callable(func):
        raise TypeError(f'{what}: func must be callable, but we got {type(func).__name__}.')
    if grad_vars is not None:
        raise NotImplementedError(f'{what}: grad_vars (derivatives with respect to Variables) is not supported by '
                                  f'brainjit; pass the values as arguments and use argnums.')
    has_aux = bool(has_aux)

    @functools.wraps(func)
    def transformed(*args, **kwargs):
        if _core.tracing():
            return _jacobian(func, args, kwargs, argnums, has_aux, return_value, reduce, what)
        try:
            key = (what, func, argnums if argnums is None or isinstance(argnums, int) else tuple(argnums), has_aux,
                   bool(return_value))
            hash(key)
        except TypeError:
            key = object()
        return _run_implicit(key, lambda a, kw: _jacobian(func, a, kw, argnums, has_aux, return_value, reduce, what),
                             what, (args, kwargs))

    return transformed


def jacfwd(func, grad_vars=None, argnums=None, has_aux=None, return_value=False, holomorphic=False):
    """The Jacobian of func by forward mode (brainpy.math.jacfwd, jax.jacfwd's layout): for each output leaf, the
    input's structure (argnums an int: that argument's; a tuple: a tuple of them) holding arrays of shape
    ``out.shape + in.shape``. argnums defaults to 0. Returns ``jac``, ``(jac, aux)`` with has_aux, ``(jac, value)``
    with return_value, ``(jac, value, aux)`` with both.

    >>> bm.jacfwd(lambda x: x ** 2)(bm.arange(3.))            # diag([0., 2., 4.])
    """
    if holomorphic:
        raise NotImplementedError('jacfwd: holomorphic (complex) functions are not supported: brainjit has no '
                                  'complex dtypes.')
    return _transform(func, argnums, has_aux, return_value, False, 'jacfwd', grad_vars)


def vector_grad(func=None, grad_vars=None, argnums=None, return_value=False, has_aux=None):
    """The gradient of ``sum(func(...))`` with respect to argument(s) argnums (default 0) (brainpy.math.vector_grad):
    arrays of the inputs' shapes; for an elementwise func, its derivative at every element. Computed as a Jacobian by
    forward mode (one JVP per input element, in one compiled loop). Returns ``grads``, ``(grads, aux)``,
    ``(grads, value)`` or ``(grads, value, aux)`` as BrainPy does. ``vector_grad(argnums=...)`` without func is a
    decorator.

    >>> bm.vector_grad(lambda x: x ** 3)(bm.arange(3.))       # [0., 3., 12.]
    """
    if func is None:
        return lambda f: vector_grad(f, grad_vars=grad_vars, argnums=argnums, return_value=return_value,
                                     has_aux=has_aux)
    return _transform(func, argnums, has_aux, return_value, True, 'vector_grad', grad_vars)


functional_vector_grad = vector_grad
