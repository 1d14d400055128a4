"""Generates the CASES table of python/tests/test_compat_np.py from JAX (run with the python of a venv that has jax, see diff_jax.py)."""
import sys, textwrap, warnings
warnings.simplefilter('ignore')
import numpy as np
import jax, jax.numpy as jnp
import brainpy.math as bpm

nan, inf = float('nan'), float('inf')
J = type('J', (), {})()
for n in dir(jnp):
    if not n.startswith('_'):
        try: setattr(J, n, getattr(jnp, n))
        except Exception: pass
J.exprel = bpm.exprel; J.softplus = bpm.softplus; J.flatten = bpm.flatten
J.relu = jax.nn.relu; J.sigmoid = jax.nn.sigmoid; J.softmax = jax.nn.softmax; J.one_hot = jax.nn.one_hot

F = "np.array([0., -0., 1., -1.5, 2.5, nan, inf, -inf, 1e30, -3.], np.float32)"
I = "np.array([0, 1, -1, 7, -8, 2147483647, -2147483648], np.int32)"
B = "np.array([True, False, True, True], bool)"
F23 = "np.array([[0., -1.5, 2.5], [3., nan, -0.5]], np.float32)"
G23 = "np.array([[1., -1.5, 2.5], [3., 4., -0.5]], np.float32)"
I23 = "np.array([[0, 1, -1], [2, -3, 7]], np.int32)"
B23 = "np.array([[True, False, True], [False, True, True]], bool)"
S = "np.array([1e-6, -1e-6, 1e-9, 2e-5, 5e-6, 0., -0., 1e-3, 1., -20.], np.float32)"
U = "np.array([0, 1, 7, 4294967295], np.uint32)"

CASES = [
    # (id, lambda source over M and args, [arg sources])
    ('exprel_small', 'lambda M, x: M.exprel(x)', [S]),
    ('exprel_f', 'lambda M, x: M.exprel(x)', [F]),
    ('exprel_thr', 'lambda M, x: M.exprel(x, threshold=1e-3)', [S]),
    ('heaviside_ff', 'lambda M, x: M.heaviside(x, 0.5)', [F]),
    ('heaviside_fx', 'lambda M, x, y: M.heaviside(x, y)', [F, "np.full(10, -0., np.float32)"]),
    ('heaviside_ii', 'lambda M, x: M.heaviside(x, x)', [I]),
    ('heaviside_b', 'lambda M, x: M.heaviside(x, 0.25)', [B]),
    ('isclose_b', 'lambda M, x: M.isclose(x, True)', [B]),
    ('isclose_i', 'lambda M, x: M.isclose(x, 7)', [I]),
    ('isclose_f', 'lambda M, x, y: M.isclose(x, y)', [F, "np.array([0., 0., 1.00001, -1.5, inf, nan, inf, inf, 1.00001e30, 3.], np.float32)"]),
    ('isclose_nan', 'lambda M, x: M.isclose(x, x, equal_nan=True)', [F]),
    ('isclose_tol', 'lambda M, x: M.isclose(x, 1.0, rtol=0.5, atol=1.0)', [F]),
    ('allclose_bf', 'lambda M, x: M.allclose(x, x.astype("float32"))', [B]),
    ('rint_i', 'lambda M, x: M.rint(x)', [I]),
    ('rint_b', 'lambda M, x: M.rint(x)', [B]),
    ('rint_f', 'lambda M, x: M.rint(x)', ["np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49], np.float32)"]),
    ('round_i', 'lambda M, x: M.round(x)', [I]),
    ('round_f2', 'lambda M, x: M.round(x, 2)', ["np.array([0.125, 1.555, -2.345, 3.14159], np.float32)"]),
    ('clip_none', 'lambda M, x: M.clip(x, None, None)', [I]),
    ('clip_kw', 'lambda M, x: M.clip(x, min=-1, max=2)', [F]),
    ('clip_int_float', 'lambda M, x: M.clip(x, -1.5, 2.5)', [I]),
    ('sum_bool_dtype', 'lambda M, x: M.sum(x, dtype=bool)', [I23]),
    ('sum_bool_axis', 'lambda M, x: M.sum(x, axis=0, dtype=bool)', [F23]),
    ('sum_initial_i', 'lambda M, x: M.sum(x, axis=0, initial=-1.5)', [I23]),
    ('sum_initial_b', 'lambda M, x: M.sum(x, initial=2)', [B23]),
    ('sum_where', 'lambda M, x: M.sum(x, axis=1, where=np.array([True, False, True]))', [G23]),
    ('prod_bool_dtype', 'lambda M, x: M.prod(x, axis=1, dtype=bool)', [I23]),
    ('prod_initial', 'lambda M, x: M.prod(x, initial=2)', [I23]),
    ('max_initial_b', 'lambda M, x: M.max(x, initial=5)', [B23]),
    ('max_initial_i', 'lambda M, x: M.max(x, axis=0, initial=-1.5)', [I23]),
    ('min_where', 'lambda M, x: M.min(x, axis=1, where=np.array([True, False, True]), initial=10.)', [G23]),
    ('max_where_b', 'lambda M, x: M.max(x, where=np.array([True, False, True]), initial=False)', [B23]),
    ('any_empty_axis', 'lambda M, x: M.any(x, axis=())', [F23]),
    ('all_empty_axis', 'lambda M, x: M.all(x, axis=())', [I23]),
    ('any_axis', 'lambda M, x: M.any(x, axis=1, keepdims=True)', [I23]),
    ('sum_empty_axis_b', 'lambda M, x: M.sum(x, axis=())', [B23]),
    ('mean_i', 'lambda M, x: M.mean(x)', [I23]),
    ('mean_b_axis', 'lambda M, x: M.mean(x, axis=0)', [B23]),
    ('mean_dtype_i', 'lambda M, x: M.mean(x, axis=1, dtype="int32")', ["np.array([[1, 2, 4], [-7, -1, -1]], np.int32)"]),
    ('mean_where', 'lambda M, x: M.mean(x, axis=1, where=np.array([[True, False, True], [False, False, True]]))', [G23]),
    ('var_ddof_big', 'lambda M, x: M.var(x, axis=1, ddof=3)', [G23]),
    ('std_ddof_big', 'lambda M, x: M.std(x, ddof=7)', [G23]),
    ('var_ddof1', 'lambda M, x: M.var(x, axis=0, ddof=1)', [G23]),
    ('var_int_dtype', 'lambda M, x: M.var(x, dtype="int32")', [I23]),
    ('var_float_in_int_dtype', 'lambda M, x: M.var(x, dtype="int32")', [G23]),
    ('std_i', 'lambda M, x: M.std(x, axis=1)', [I23]),
    ('var_correction', 'lambda M, x: M.var(x, correction=1)', [G23]),
    ('cumsum_bool', 'lambda M, x: M.cumsum(x, dtype=bool)', [F23]),
    ('cumprod_bool', 'lambda M, x: M.cumprod(x, axis=1, dtype=bool)', [I23]),
    ('cumsum_b', 'lambda M, x: M.cumsum(x, axis=0)', [B23]),
    ('take_fill_f', 'lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1)', [G23]),
    ('take_fill_i', 'lambda M, x: M.take(x, np.array([5, -7, 2], np.int32))', [I23]),
    ('take_fill_b', 'lambda M, x: M.take(x, np.array([9, 0], np.int32))', [B23]),
    ('take_fill_u', 'lambda M, x: M.take(x, np.array([9, 1], np.int32))', [U]),
    ('take_fill_value', 'lambda M, x: M.take(x, np.array([[5], [1]], np.int32), axis=1, fill_value=-2)', [G23]),
    ('take_clip', 'lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1, mode="clip")', [G23]),
    ('take_wrap', 'lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1, mode="wrap")', [G23]),
    ('argsort_desc', 'lambda M, x: M.argsort(x, descending=True)', ["np.array([3, 1, 3, 2, 1, 3], np.int32)"]),
    ('argsort_desc_f', 'lambda M, x: M.argsort(x, axis=0, descending=True)', ["np.array([[1., nan], [1., 2.], [-0., 2.]], np.float32)"]),
    ('sort_desc', 'lambda M, x: M.sort(x, descending=True)', ["np.array([3., nan, 1., -0., 0., 2.], np.float32)"]),
    ('dot_scalar', 'lambda M, x: M.dot(x, 2.5)', [I]),
    ('inner_scalar', 'lambda M, x: M.inner(3, x)', [B]),
    ('logaddexp_i', 'lambda M, x: M.logaddexp(x, 1)', [I]),
    ('full_weak_u32', 'lambda M, u: M.full((4,), 3) + u', [U]),
    ('full_float_weak', 'lambda M, u: M.full((4,), 2.5) * u', [U]),
    ('full_strong_np', 'lambda M, u: M.full((4,), np.int32(3)) + u', [U]),
    ('where_weak', 'lambda M, c, u: M.where(c, 1, 0) + u', [B, U]),
    ('add_u32_py', 'lambda M, u: u + 1', [U]),
    ('floor_divide_ff', 'lambda M, x: M.floor_divide(x, 2.)', ["np.array([5., -5., 0.5, -0.5, 7.], np.float32)"]),
    ('remainder_ff', 'lambda M, x: M.remainder(x, -2.)', ["np.array([5., -5., 0.5, -0.5, 7.], np.float32)"]),
    ('power_ii', 'lambda M, x: M.power(x, 3)', [I]),
    ('arctan2_if', 'lambda M, x: M.arctan2(x, 2.)', [I]),
    ('sign_f', 'lambda M, x: M.sign(x)', [F]),
    ('sqrt_i', 'lambda M, x: M.sqrt(x)', ["np.array([0, 1, 4, 9, 2], np.int32)"]),
    ('exp_b', 'lambda M, x: M.exp(x)', [B]),
    ('true_divide_ii', 'lambda M, x: x / 2', [I]),
    ('floordiv_op_ii', 'lambda M, x: x // 3', [I]),
    ('mod_op_ii', 'lambda M, x: x % -3', [I]),
    ('maximum_nan', 'lambda M, x: M.maximum(x, 0.)', [F]),
    ('minimum_zero', 'lambda M, x: M.minimum(x, -0.)', [F]),
    ('argmax_nan', 'lambda M, x: M.argmax(x)', [F]),
    ('argmin_axis', 'lambda M, x: M.argmin(x, axis=1, keepdims=True)', [F23]),
    ('softmax', 'lambda M, x: M.softmax(x, axis=0)', [G23]),
    ('sigmoid', 'lambda M, x: M.sigmoid(x)', [F]),
    ('softplus', 'lambda M, x: M.softplus(x)', [F]),
    ('relu_i', 'lambda M, x: M.relu(x)', [I]),
    ('one_hot', 'lambda M, x: M.one_hot(x, 3)', ["np.array([0, 2, 5, -1], np.int32)"]),
    ('linspace_i', 'lambda M: M.linspace(0, 10, 5, dtype="int32")', []),
    ('linspace_f', 'lambda M: M.linspace(-1.5, 2.5, 9)', []),
    ('arange_f', 'lambda M: M.arange(0, 1, 0.1)', []),
    ('arange_neg', 'lambda M: M.arange(10, 0, -3)', []),
    ('eye_k', 'lambda M: M.eye(3, 4, k=1, dtype=bool)', []),
    ('full_like_b', 'lambda M, x: M.full_like(x, 2.5)', [B]),
    ('zeros_like_dt', 'lambda M, x: M.zeros_like(x, dtype=float)', [I]),
    ('split_idx', 'lambda M, x: M.split(x, [1, 2], axis=1)', [I23]),
    ('repeat_arr', 'lambda M, x: M.repeat(x, np.array([1, 0, 2]), axis=1)', [I23]),
    ('tile', 'lambda M, x: M.tile(x, (2, 1))', [B23]),
    ('diag_k', 'lambda M, x: M.diag(x, -1)', ["np.array([1, 2, 3], np.int32)"]),
    ('moveaxis', 'lambda M: M.moveaxis(M.arange(24).reshape(2, 3, 4), (0, 1), (2, 0))', []),
    ('concat_mixed', 'lambda M, x, y: M.concatenate([x, y], axis=None)', [I23, B23]),
    ('stack_mixed', 'lambda M, x, y: M.stack([x, y], axis=-1)', [F23, I23]),
    ('hstack_0d', 'lambda M, x: M.hstack([x, x])', ["np.array(2.5, np.float32)"]),
    ('vstack_1d', 'lambda M, x: M.vstack([x, x])', [B]),
    ('count_nonzero', 'lambda M, x: M.count_nonzero(x, axis=0)', [F23]),
    ('outer_bi', 'lambda M, x, y: M.outer(x, y)', [B, "np.array([1, -2], np.int32)"]),
    ('matmul_if', 'lambda M, x, y: M.matmul(x, y)', [I23, "np.array([1.5, -1., 0.5], np.float32)"]),
]

def run(src, args):
    f = eval(src)
    r = f(J, *[jnp.asarray(eval(a)) for a in args])
    if isinstance(r, (list, tuple)):
        return [(np.asarray(x).tolist(), str(np.asarray(x).dtype)) for x in r]
    return (np.asarray(r).tolist(), str(np.asarray(r).dtype))

def fix(v):
    return repr(v).replace('nan', 'nan').replace('inf', 'inf')

out = []
for cid, src, args in CASES:
    try:
        res = run(src, args)
    except Exception as e:
        print('# ERROR', cid, e, file=sys.stderr); continue
    names = {F: 'F', I: 'I', B: 'B', F23: 'F23', G23: 'G23', I23: 'I23', B23: 'B23', S: 'S', U: 'U'}
    argtxt = ', '.join(names.get(a, a) for a in args)
    head = f"    ({cid!r}, {src}, [{argtxt}],"
    if len(head) > 120:
        head = f"    ({cid!r}, {src},\n     [{argtxt}],"
    body = textwrap.fill(repr(res), width=112, initial_indent='     ', subsequent_indent='      ',
                         break_on_hyphens=False, break_long_words=False) + '),'
    out.append(head + '\n' + body)
print('\n'.join(out))
print('# INPUTS', file=sys.stderr)
for n, v in (('F', F), ('I', I), ('B', B), ('F23', F23), ('G23', G23), ('I23', I23), ('B23', B23), ('S', S), ('U', U)):
    print(f'{n} = {v}', file=sys.stderr)
