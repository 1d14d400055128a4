"""bm against jax.numpy: representative values and result dtypes, eager and under bm.jit (interp and generated C).

The expected values and dtypes were produced by jax 0.10.2 (x64 off) and BrainPy 2.8.2 (exprel, softplus; jax.nn
for relu, sigmoid, softmax, one_hot) running the same lambdas on jax.numpy; CI has no JAX, so they are literals.
NaNs compare equal, -0.0 and +0.0 do not."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit.math as bm  # noqa: E402

nan, inf = float('nan'), float('inf')

# inputs (jnp.asarray / bm.asarray of these)
F = np.array([0., -0., 1., -1.5, 2.5, nan, inf, -inf, 1e30, -3.], np.float32)
I = np.array([0, 1, -1, 7, -8, 2147483647, -2147483648], np.int32)
B = np.array([True, False, True, True], bool)
F23 = np.array([[0., -1.5, 2.5], [3., nan, -0.5]], np.float32)
G23 = np.array([[1., -1.5, 2.5], [3., 4., -0.5]], np.float32)
I23 = np.array([[0, 1, -1], [2, -3, 7]], np.int32)
B23 = np.array([[True, False, True], [False, True, True]], bool)
S = np.array([1e-6, -1e-6, 1e-9, 2e-5, 5e-6, 0., -0., 1e-3, 1., -20.], np.float32)
U = np.array([0, 1, 7, 4294967295], np.uint32)

# (id, function of the module M (jax.numpy or bm) and the arguments, arguments, JAX's (values, dtype) or a list)
CASES = [
    ('exprel_small', lambda M, x: M.exprel(x), [S],
     ([1.0000004768371582, 0.9999995231628418, 1.0, 1.0013580322265625, 1.0000025033950806, 1.0, 1.0,
      1.000523567199707, 1.7182817459106445, 0.05000000074505806], 'float32')),
    ('exprel_f', lambda M, x: M.exprel(x), [F],
     ([1.0, 1.0, 1.7182817459106445, 0.5179132223129272, 4.472997665405273, nan, nan, 0.0, inf,
      0.31673765182495117], 'float32')),
    ('exprel_thr', lambda M, x: M.exprel(x, threshold=1e-3), [S],
     ([1.0000004768371582, 0.9999995231628418, 1.0, 1.0000100135803223, 1.0000025033950806, 1.0, 1.0,
      1.0005000829696655, 1.7182817459106445, 0.05000000074505806], 'float32')),
    ('heaviside_ff', lambda M, x: M.heaviside(x, 0.5), [F],
     ([0.5, 0.5, 1.0, 0.0, 1.0, nan, 1.0, 0.0, 1.0, 0.0], 'float32')),
    ('heaviside_fx', lambda M, x, y: M.heaviside(x, y), [F, np.full(10, -0., np.float32)],
     ([-0.0, -0.0, 1.0, 0.0, 1.0, nan, 1.0, 0.0, 1.0, 0.0], 'float32')),
    ('heaviside_ii', lambda M, x: M.heaviside(x, x), [I],
     ([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], 'float32')),
    ('heaviside_b', lambda M, x: M.heaviside(x, 0.25), [B],
     ([1.0, 0.25, 1.0, 1.0], 'float32')),
    ('isclose_b', lambda M, x: M.isclose(x, True), [B],
     ([True, False, True, True], 'bool')),
    ('isclose_i', lambda M, x: M.isclose(x, 7), [I],
     ([False, False, False, True, False, False, False], 'bool')),
    ('isclose_f', lambda M, x, y: M.isclose(x, y),
     [F, np.array([0., 0., 1.00001, -1.5, inf, nan, inf, inf, 1.00001e30, 3.], np.float32)],
     ([True, True, False, True, False, False, True, False, True, False], 'bool')),
    ('isclose_nan', lambda M, x: M.isclose(x, x, equal_nan=True), [F],
     ([True, True, True, True, True, True, True, True, True, True], 'bool')),
    ('isclose_tol', lambda M, x: M.isclose(x, 1.0, rtol=0.5, atol=1.0), [F],
     ([True, True, True, False, True, False, False, False, False, False], 'bool')),
    ('allclose_bf', lambda M, x: M.allclose(x, x.astype("float32")), [B],
     (True, 'bool')),
    ('rint_i', lambda M, x: M.rint(x), [I],
     ([0.0, 1.0, -1.0, 7.0, -8.0, 2147483648.0, -2147483648.0], 'float32')),
    ('rint_b', lambda M, x: M.rint(x), [B],
     ([1.0, 0.0, 1.0, 1.0], 'float32')),
    ('rint_f', lambda M, x: M.rint(x), [np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49], np.float32)],
     ([0.0, 2.0, 2.0, -0.0, -2.0, 0.0], 'float32')),
    ('round_i', lambda M, x: M.round(x), [I],
     ([0, 1, -1, 7, -8, 2147483647, -2147483648], 'int32')),
    ('round_f2', lambda M, x: M.round(x, 2), [np.array([0.125, 1.555, -2.345, 3.14159], np.float32)],
     ([0.11999999731779099, 1.559999942779541, -2.3399999141693115, 3.1399998664855957], 'float32')),
    ('clip_none', lambda M, x: M.clip(x, None, None), [I],
     ([0, 1, -1, 7, -8, 2147483647, -2147483648], 'int32')),
    ('clip_kw', lambda M, x: M.clip(x, min=-1, max=2), [F],
     ([0.0, -0.0, 1.0, -1.0, 2.0, nan, 2.0, -1.0, 2.0, -1.0], 'float32')),
    ('clip_int_float', lambda M, x: M.clip(x, -1.5, 2.5), [I],
     ([0.0, 1.0, -1.0, 2.5, -1.5, 2.5, -1.5], 'float32')),
    ('sum_bool_dtype', lambda M, x: M.sum(x, dtype=bool), [I23],
     (True, 'bool')),
    ('sum_bool_axis', lambda M, x: M.sum(x, axis=0, dtype=bool), [F23],
     ([True, True, True], 'bool')),
    ('sum_initial_i', lambda M, x: M.sum(x, axis=0, initial=-1.5), [I23],
     ([1, -3, 5], 'int32')),
    ('sum_initial_b', lambda M, x: M.sum(x, initial=2), [B23],
     (6, 'int32')),
    ('sum_where', lambda M, x: M.sum(x, axis=1, where=np.array([True, False, True])), [G23],
     ([3.5, 2.5], 'float32')),
    ('prod_bool_dtype', lambda M, x: M.prod(x, axis=1, dtype=bool), [I23],
     ([False, True], 'bool')),
    ('prod_initial', lambda M, x: M.prod(x, initial=2), [I23],
     (0, 'int32')),
    ('max_initial_b', lambda M, x: M.max(x, initial=5), [B23],
     (True, 'bool')),
    ('max_initial_i', lambda M, x: M.max(x, axis=0, initial=-1.5), [I23],
     ([2, 1, 7], 'int32')),
    ('min_where', lambda M, x: M.min(x, axis=1, where=np.array([True, False, True]), initial=10.), [G23],
     ([1.0, -0.5], 'float32')),
    ('max_where_b', lambda M, x: M.max(x, where=np.array([True, False, True]), initial=False), [B23],
     (True, 'bool')),
    ('any_empty_axis', lambda M, x: M.any(x, axis=()), [F23],
     ([[False, True, True], [True, True, True]], 'bool')),
    ('all_empty_axis', lambda M, x: M.all(x, axis=()), [I23],
     ([[False, True, True], [True, True, True]], 'bool')),
    ('any_axis', lambda M, x: M.any(x, axis=1, keepdims=True), [I23],
     ([[True], [True]], 'bool')),
    ('sum_empty_axis_b', lambda M, x: M.sum(x, axis=()), [B23],
     ([[1, 0, 1], [0, 1, 1]], 'int32')),
    ('mean_i', lambda M, x: M.mean(x), [I23],
     (1.0, 'float32')),
    ('mean_b_axis', lambda M, x: M.mean(x, axis=0), [B23],
     ([0.5, 0.5, 1.0], 'float32')),
    ('mean_dtype_i', lambda M, x: M.mean(x, axis=1, dtype="int32"), [np.array([[1, 2, 4], [-7, -1, -1]], np.int32)],
     ([2, -3], 'int32')),
    ('mean_where', lambda M, x: M.mean(x, axis=1, where=np.array([[True, False, True], [False, False, True]])), [G23],
     ([1.75, -0.5], 'float32')),
    ('var_ddof_big', lambda M, x: M.var(x, axis=1, ddof=3), [G23],
     ([nan, nan], 'float32')),
    ('std_ddof_big', lambda M, x: M.std(x, ddof=7), [G23],
     (nan, 'float32')),
    ('var_ddof1', lambda M, x: M.var(x, axis=0, ddof=1), [G23],
     ([2.0, 15.125, 4.5], 'float32')),
    ('var_int_dtype', lambda M, x: M.var(x, dtype="int32"), [I23],
     (9.0, 'float32')),
    ('var_float_in_int_dtype', lambda M, x: M.var(x, dtype="int32"), [G23],
     (3.0, 'float32')),
    ('std_i', lambda M, x: M.std(x, axis=1), [I23],
     ([0.8164966106414795, 4.082482814788818], 'float32')),
    ('var_correction', lambda M, x: M.var(x, correction=1), [G23],
     (4.5416669845581055, 'float32')),
    ('cumsum_bool', lambda M, x: M.cumsum(x, dtype=bool), [F23],
     ([False, True, True, True, True, True], 'bool')),
    ('cumprod_bool', lambda M, x: M.cumprod(x, axis=1, dtype=bool), [I23],
     ([[False, False, False], [True, True, True]], 'bool')),
    ('cumsum_b', lambda M, x: M.cumsum(x, axis=0), [B23],
     ([[1, 0, 1], [1, 1, 2]], 'int32')),
    ('take_fill_f', lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1), [G23],
     ([[2.5, nan, nan, nan, 1.0], [-0.5, nan, nan, nan, 3.0]], 'float32')),
    ('take_fill_i', lambda M, x: M.take(x, np.array([5, -7, 2], np.int32)), [I23],
     ([7, -2147483648, -1], 'int32')),
    ('take_fill_b', lambda M, x: M.take(x, np.array([9, 0], np.int32)), [B23],
     ([True, True], 'bool')),
    ('take_fill_u', lambda M, x: M.take(x, np.array([9, 1], np.int32)), [U],
     ([4294967295, 1], 'uint32')),
    ('take_fill_value', lambda M, x: M.take(x, np.array([[5], [1]], np.int32), axis=1, fill_value=-2), [G23],
     ([[[-2.0], [-1.5]], [[-2.0], [4.0]]], 'float32')),
    ('take_clip', lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1, mode="clip"), [G23],
     ([[1.0, 1.0, 2.5, 2.5, 1.0], [3.0, 3.0, -0.5, -0.5, 3.0]], 'float32')),
    ('take_wrap', lambda M, x: M.take(x, np.array([-1, -4, 3, 7, 0], np.int32), axis=1, mode="wrap"), [G23],
     ([[2.5, 2.5, 1.0, -1.5, 1.0], [-0.5, -0.5, 3.0, 4.0, 3.0]], 'float32')),
    ('argsort_desc', lambda M, x: M.argsort(x, descending=True), [np.array([3, 1, 3, 2, 1, 3], np.int32)],
     ([0, 2, 5, 3, 1, 4], 'int32')),
    ('argsort_desc_f', lambda M, x: M.argsort(x, axis=0, descending=True),
     [np.array([[1., nan], [1., 2.], [-0., 2.]], np.float32)],
     ([[0, 0], [1, 1], [2, 2]], 'int32')),
    ('sort_desc', lambda M, x: M.sort(x, descending=True), [np.array([3., nan, 1., -0., 0., 2.], np.float32)],
     ([nan, 3.0, 2.0, 1.0, 0.0, -0.0], 'float32')),
    ('dot_scalar', lambda M, x: M.dot(x, 2.5), [I],
     ([0.0, 2.5, -2.5, 17.5, -20.0, 5368709120.0, -5368709120.0], 'float32')),
    ('inner_scalar', lambda M, x: M.inner(3, x), [B],
     ([3, 0, 3, 3], 'int32')),
    ('logaddexp_i', lambda M, x: M.logaddexp(x, 1), [I],
     ([1.3132617473602295, 1.6931471824645996, 1.1269279718399048, 7.002475738525391, 1.000123381614685,
      2147483648.0, 1.0], 'float32')),
    ('full_weak_u32', lambda M, u: M.full((4,), 3) + u, [U],
     ([3, 4, 10, 2], 'uint32')),
    ('full_float_weak', lambda M, u: M.full((4,), 2.5) * u, [U],
     ([0.0, 2.5, 17.5, 10737418240.0], 'float32')),
    ('full_strong_np', lambda M, u: M.full((4,), np.int32(3)) + u, [U],
     ([3, 4, 10, 2], 'int32')),
    ('where_weak', lambda M, c, u: M.where(c, 1, 0) + u, [B, U],
     ([1, 1, 8, 0], 'uint32')),
    ('add_u32_py', lambda M, u: u + 1, [U],
     ([1, 2, 8, 0], 'uint32')),
    ('floor_divide_ff', lambda M, x: M.floor_divide(x, 2.), [np.array([5., -5., 0.5, -0.5, 7.], np.float32)],
     ([2.0, -3.0, 0.0, -1.0, 3.0], 'float32')),
    ('remainder_ff', lambda M, x: M.remainder(x, -2.), [np.array([5., -5., 0.5, -0.5, 7.], np.float32)],
     ([-1.0, -1.0, -1.5, -0.5, -1.0], 'float32')),
    ('power_ii', lambda M, x: M.power(x, 3), [I],
     ([0, 1, -1, 343, -512, 2147483647, 0], 'int32')),
    ('arctan2_if', lambda M, x: M.arctan2(x, 2.), [I],
     ([0.0, 0.46364760398864746, -0.46364760398864746, 1.292496681213379, -1.3258177042007446,
      1.5707963705062866, -1.5707963705062866], 'float32')),
    ('sign_f', lambda M, x: M.sign(x), [F],
     ([0.0, -0.0, 1.0, -1.0, 1.0, nan, 1.0, -1.0, 1.0, -1.0], 'float32')),
    ('sqrt_i', lambda M, x: M.sqrt(x), [np.array([0, 1, 4, 9, 2], np.int32)],
     ([0.0, 1.0, 2.0, 3.0, 1.4142135381698608], 'float32')),
    ('exp_b', lambda M, x: M.exp(x), [B],
     ([2.7182817459106445, 1.0, 2.7182817459106445, 2.7182817459106445], 'float32')),
    ('true_divide_ii', lambda M, x: x / 2, [I],
     ([0.0, 0.5, -0.5, 3.5, -4.0, 1073741824.0, -1073741824.0], 'float32')),
    ('floordiv_op_ii', lambda M, x: x // 3, [I],
     ([0, 0, -1, 2, -3, 715827882, -715827883], 'int32')),
    ('mod_op_ii', lambda M, x: x % -3, [I],
     ([0, -2, -1, -2, -2, -2, -2], 'int32')),
    ('maximum_nan', lambda M, x: M.maximum(x, 0.), [F],
     ([0.0, 0.0, 1.0, 0.0, 2.5, nan, inf, 0.0, 1.0000000150474662e+30, 0.0], 'float32')),
    ('minimum_zero', lambda M, x: M.minimum(x, -0.), [F],
     ([-0.0, -0.0, -0.0, -1.5, -0.0, nan, -0.0, -inf, -0.0, -3.0], 'float32')),
    ('argmax_nan', lambda M, x: M.argmax(x), [F],
     (5, 'int32')),
    ('argmin_axis', lambda M, x: M.argmin(x, axis=1, keepdims=True), [F23],
     ([[1], [1]], 'int32')),
    ('softmax', lambda M, x: M.softmax(x, axis=0), [G23],
     ([[0.11920291185379028, 0.004070138093084097, 0.9525741338729858], [0.8807970285415649, 0.9959298968315125,
      0.04742587357759476]], 'float32')),
    ('sigmoid', lambda M, x: M.sigmoid(x), [F],
     ([0.5, 0.5, 0.7310585975646973, 0.18242552876472473, 0.9241418242454529, nan, 1.0, 0.0, 1.0,
      0.04742587357759476], 'float32')),
    ('softplus', lambda M, x: M.softplus(x), [F],
     ([0.6931471824645996, 0.6931471824645996, 1.3132617473602295, 0.20141328871250153, 2.578889846801758, nan,
      inf, 0.0, 1.0000000150474662e+30, 0.04858735203742981], 'float32')),
    ('relu_i', lambda M, x: M.relu(x), [I],
     ([0, 1, 0, 7, 0, 2147483647, 0], 'int32')),
    ('one_hot', lambda M, x: M.one_hot(x, 3), [np.array([0, 2, 5, -1], np.int32)],
     ([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], 'float32')),
    ('linspace_i', lambda M: M.linspace(0, 10, 5, dtype="int32"), [],
     ([0, 2, 5, 7, 10], 'int32')),
    ('linspace_f', lambda M: M.linspace(-1.5, 2.5, 9), [],
     ([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5], 'float32')),
    ('arange_f', lambda M: M.arange(0, 1, 0.1), [],
     ([0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.5,
      0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.9000000357627869], 'float32')),
    ('arange_neg', lambda M: M.arange(10, 0, -3), [],
     ([10, 7, 4, 1], 'int32')),
    ('eye_k', lambda M: M.eye(3, 4, k=1, dtype=bool), [],
     ([[False, True, False, False], [False, False, True, False], [False, False, False, True]], 'bool')),
    ('full_like_b', lambda M, x: M.full_like(x, 2.5), [B],
     ([True, True, True, True], 'bool')),
    ('zeros_like_dt', lambda M, x: M.zeros_like(x, dtype=float), [I],
     ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 'float32')),
    ('split_idx', lambda M, x: M.split(x, [1, 2], axis=1), [I23],
     [([[0], [2]], 'int32'), ([[1], [-3]], 'int32'), ([[-1], [7]], 'int32')]),
    ('repeat_arr', lambda M, x: M.repeat(x, np.array([1, 0, 2]), axis=1), [I23],
     ([[0, -1, -1], [2, 7, 7]], 'int32')),
    ('tile', lambda M, x: M.tile(x, (2, 1)), [B23],
     ([[True, False, True], [False, True, True], [True, False, True], [False, True, True]], 'bool')),
    ('diag_k', lambda M, x: M.diag(x, -1), [np.array([1, 2, 3], np.int32)],
     ([[0, 0, 0, 0], [1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0]], 'int32')),
    ('moveaxis', lambda M: M.moveaxis(M.arange(24).reshape(2, 3, 4), (0, 1), (2, 0)), [],
     ([[[0, 12], [1, 13], [2, 14], [3, 15]], [[4, 16], [5, 17], [6, 18], [7, 19]], [[8, 20], [9, 21], [10, 22],
      [11, 23]]], 'int32')),
    ('concat_mixed', lambda M, x, y: M.concatenate([x, y], axis=None), [I23, B23],
     ([0, 1, -1, 2, -3, 7, 1, 0, 1, 0, 1, 1], 'int32')),
    ('stack_mixed', lambda M, x, y: M.stack([x, y], axis=-1), [F23, I23],
     ([[[0.0, 0.0], [-1.5, 1.0], [2.5, -1.0]], [[3.0, 2.0], [nan, -3.0], [-0.5, 7.0]]], 'float32')),
    ('hstack_0d', lambda M, x: M.hstack([x, x]), [np.array(2.5, np.float32)],
     ([2.5, 2.5], 'float32')),
    ('vstack_1d', lambda M, x: M.vstack([x, x]), [B],
     ([[True, False, True, True], [True, False, True, True]], 'bool')),
    ('count_nonzero', lambda M, x: M.count_nonzero(x, axis=0), [F23],
     ([1, 2, 2], 'int32')),
    ('outer_bi', lambda M, x, y: M.outer(x, y), [B, np.array([1, -2], np.int32)],
     ([[1, -2], [0, 0], [1, -2], [1, -2]], 'int32')),
    ('matmul_if', lambda M, x, y: M.matmul(x, y), [I23, np.array([1.5, -1., 0.5], np.float32)],
     ([-1.5, 9.5], 'float32')),

]

# Results that depend on weak typing: a concrete (eager) brainjit array is always strongly typed, so these hold
# inside jit only (see /work/notes/compat_requests.md).
JIT_ONLY = {'full_weak_u32', 'full_float_weak', 'where_weak'}

# Known divergences in the C core, filed in /work/notes/compat_requests.md (strict: they must fail until fixed).
KNOWN = {
    'full_strong_np': 'C core: int32 with uint32 promotes to int64 even with x64 off (JAX: int32)',
}

CASE_PARAMS = [pytest.param(c, id=c[0], marks=[pytest.mark.xfail(reason=KNOWN[c[0]], strict=True)]
                            if c[0] in KNOWN else []) for c in CASES]


def _close(got, want_vals, want_dtype, where):
    got = np.asarray(got)
    want = np.asarray(want_vals, dtype=want_dtype)
    assert got.dtype == want.dtype, f'{where}: dtype {got.dtype}, JAX {want.dtype}'
    assert got.shape == want.shape, f'{where}: shape {got.shape}, JAX {want.shape}'
    if want.dtype.kind == 'f':
        g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
        nan_g, nan_w = np.isnan(g), np.isnan(w)
        assert np.array_equal(nan_g, nan_w), f'{where}: NaNs at {np.nonzero(nan_g)[0]}, JAX at {np.nonzero(nan_w)[0]}'
        ok = ~nan_w
        np.testing.assert_allclose(g[ok], w[ok], rtol=2e-6, atol=0, err_msg=where)
        zeros = ok & (w == 0)
        assert np.array_equal(np.signbit(g[zeros]), np.signbit(w[zeros])), f'{where}: sign of zero differs'
    else:
        np.testing.assert_array_equal(got, want, err_msg=where)


def _check(out, expected, where):
    if isinstance(expected, list):
        assert isinstance(out, (list, tuple)) and len(out) == len(expected), f'{where}: {len(expected)} outputs'
        for k, (o, (v, d)) in enumerate(zip(out, expected)):
            _close(o, v, d, f'{where}[{k}]')
    else:
        _close(out, expected[0], expected[1], where)


def _bm_args(args):
    return [bm.asarray(a) for a in args]


@pytest.mark.parametrize('case', CASE_PARAMS)
def test_eager(case):
    cid, fn, args, expected = case
    if cid in JIT_ONLY:
        pytest.skip('weak typing of concrete arrays (jit only)')
    _check(fn(bm, *_bm_args(args)), expected, f'{cid} eager')


@pytest.mark.parametrize('case', CASE_PARAMS)
def test_jit_interp(case):
    cid, fn, args, expected = case
    out = bm.jit(lambda *xs: fn(bm, *xs), backend='interp')(*_bm_args(args))
    _check(out, expected, f'{cid} jit(interp)')


def _groups(cases, max_args=40, max_cases=30):
    group, n = [], 0
    for c in cases:
        if group and (n + len(c[2]) > max_args or len(group) >= max_cases):
            yield group
            group, n = [], 0
        group.append(c)
        n += len(c[2])
    if group:
        yield group


def test_jit_cpu_cases_batched():
    """The cases inside a few jitted functions on the generated-C backend (few compilations)."""
    for group in _groups([c for c in CASES if c[0] not in KNOWN]):
        spans, flat = [], []
        for _, _, args, _ in group:
            spans.append((len(flat), len(flat) + len(args)))
            flat.extend(_bm_args(args))

        def make(group, spans):
            def cases(*xs):
                return [fn(bm, *xs[a:b]) for (_, fn, _, _), (a, b) in zip(group, spans)]
            return cases

        outs = bm.jit(make(group, spans))(*flat)
        for (cid, _, _, expected), out in zip(group, outs):
            _check(out, expected, f'{cid} jit(cpu)')


def test_fill_diagonal_as_brainpy():
    """BrainPy 2.8.2: fill_diagonal(a, val, inplace=True) writes a bm.Array and returns None; inplace=False returns
    the new array (docs/tutorial_advanced/base_and_collector.ipynb)."""
    a = bm.ones((3, 4))
    r = bm.fill_diagonal(a, 0., inplace=False)
    np.testing.assert_array_equal(np.asarray(r), [[0, 1, 1, 1], [1, 0, 1, 1], [1, 1, 0, 1]])
    np.testing.assert_array_equal(np.asarray(a), np.ones((3, 4)))
    b = bm.ones((3, 3))
    assert bm.fill_diagonal(b, 0.) is None
    np.testing.assert_array_equal(np.asarray(b), 1 - np.eye(3))
    v = bm.Variable(bm.ones((2, 3)))
    bm.jit(lambda: bm.fill_diagonal(v, bm.asarray(np.array([5., 6.], np.float32))))()
    np.testing.assert_array_equal(np.asarray(v), [[5, 1, 1], [1, 6, 1]])
    with pytest.raises(ValueError):
        bm.fill_diagonal(np.ones((2, 2)), 0.)           # in place needs a bm.Array
    with pytest.raises(ValueError):
        bm.fill_diagonal(bm.ones(3), 0.)


def test_signatures_follow_jnp():
    x = bm.asarray(np.array([-2., 0.5, 3.], np.float32))
    np.testing.assert_array_equal(np.asarray(bm.clip(x, min=0., max=1.)), [0., 0.5, 1.])
    np.testing.assert_array_equal(np.asarray(bm.clip(x, a_min=0., a_max=1.)), [0., 0.5, 1.])   # numpy's names
    with pytest.raises(TypeError):
        bm.clip(x, 0., min=1.)
    assert bm.argsort(x, dtype='int32').dtype == np.int32
    assert bm.var(x, correction=1).dtype == np.float32
    with pytest.raises(ValueError):
        bm.var(x, ddof=1, correction=1)
    with pytest.raises(ValueError):
        bm.std(x, dtype='int32')                    # jnp.std wants a float dtype
    with pytest.raises(ValueError):
        bm.max(x, where=np.array([True, False, True]))   # no identity without initial
    assert float(bm.mean(x, where=np.array([True, False, True]))) == 0.5
    assert bool(bm.any(x > 2, where=np.array([True, True, False]))) is False


def test_where_with_size_traces():
    """jnp.where(condition, size=, fill_value=) (values from jax 0.10.2): a static size makes it traceable."""
    x = bm.asarray(np.array([[0, 3, 0], [1, 0, 2]], np.int32))
    rows, cols = bm.where(x > 0, size=5, fill_value=-1)
    assert rows.dtype == np.int32
    assert np.asarray(rows).tolist() == [0, 1, 1, -1, -1] and np.asarray(cols).tolist() == [1, 0, 2, -1, -1]
    f = bm.jit(lambda v: bm.where(v, size=3))
    (idx,) = f(bm.asarray(np.array([False, True, False, True])))
    assert np.asarray(idx).tolist() == [1, 3, 0]
    assert [np.asarray(i).tolist() for i in bm.nonzero(x)] == [[0, 1, 1], [1, 0, 2]]
    with pytest.raises(TypeError):
        bm.jit(lambda v: bm.where(v))(bm.asarray(np.array([True])))


def test_reshape_shape_keywords():
    x = bm.arange(6)
    assert bm.reshape(x, shape=(2, 3)).shape == (2, 3)        # jnp's name
    assert bm.reshape(x, newshape=(3, 2)).shape == (3, 2)     # numpy's older name
    assert bm.stack([x, x], 0, None, 'float32').dtype == np.float32   # jnp's (arrays, axis, out, dtype)
