/* reduce.c — the interpreter's reductions, arg-reductions, scans and matmul. Every accumulation runs in the
 * operand's dtype, in C order of the reduced elements, through the elementwise kernels (interp_apply2), so that a
 * sum is exactly a chain of adds: ints wrap, float32 accumulates in float32. */
#include "backend/interp/interp.h"

#include <math.h>

/* Fills out with the starting value of a fold: one (prod, all) or the lowest/highest value of the dtype (max/min;
 * for floats -inf/+inf, so that the first element always wins). Sum and any start from the zeroed array. */
static void fill_start(ir_op op, bj_array *out) {
    for (int64_t i = 0; i < out->size; i++) {
        if (op == IR_PROD || op == IR_ALL) interp_put_i(out, i, 1);
        else if (op == IR_MAX || op == IR_MIN) {
            double v = op == IR_MAX ? -INFINITY : INFINITY;
            if (out->dtype == BJ_BOOL) interp_put_i(out, i, op == IR_MIN);
            else core_store_f64(out->dtype, out->data, i, v); /* ints saturate to their extremes */
        }
    }
}

/* The binary op a reduction folds with: max is "or" and min is "and" on bools, hence any/all. */
static ir_op fold_op(ir_op op) {
    switch (op) {
    case IR_SUM: case IR_MEAN: case IR_CUMSUM: return IR_ADD;
    case IR_PROD: case IR_CUMPROD: return IR_MUL;
    case IR_MAX: case IR_ANY: return IR_MAXIMUM;
    default: return IR_MINIMUM; /* IR_MIN, IR_ALL */
    }
}

/* attr = {keepdims, axes...}. Walks x in C order; a view maps each element to its result element (stride 0 on the
 * reduced axes; keepdims does not change the flat layout of the result). */
static bj_status reduce(const ir_node *n, const bj_array *x, bj_array *out) {
    ir_op op = (ir_op)n->op;
    bool on[BJ_MAX_RANK] = {0};
    for (int i = 1; i < n->nattr; i++) {
        if (n->attr[i] < 0 || n->attr[i] >= x->rank)
            return interp_fail(n, "axis %lld is out of range", (long long)n->attr[i]);
        on[n->attr[i]] = true;
    }
    if (x->dtype != out->dtype) return interp_fail(n, "the operand's dtype differs from the result's");
    if ((op == IR_MEAN && interp_domain_of(x->dtype) == INTERP_INT) ||
        ((op == IR_ANY || op == IR_ALL) && x->dtype != BJ_BOOL))
        return interp_fail(n, "not defined on %s", bj_dtype_name(x->dtype));
    int64_t st[BJ_MAX_RANK], kept = 1, count = 1;
    for (int k = x->rank - 1; k >= 0; k--) {
        if (on[k]) st[k] = 0, count *= x->shape[k];
        else st[k] = kept, kept *= x->shape[k];
    }
    if (kept != out->size) return interp_fail(n, "the result has %lld elements, expected %lld", (long long)out->size,
                                             (long long)kept);
    if ((op == IR_MAX || op == IR_MIN) && count == 0 && kept)
        return interp_fail(n, "reduces an empty axis, which has no identity");
    fill_start(op, out);
    ir_op f = fold_op(op);
    interp_iter it;
    interp_iter_init(&it, x->rank, x->shape);
    interp_iter_view(&it, 0, st);
    for (int64_t i = 0; i < x->size; i++, interp_iter_next(&it))
        if (!interp_apply2(f, out, it.off[0], out, it.off[0], x, i))
            return interp_fail(n, "not defined on %s", bj_dtype_name(x->dtype));
    if (op == IR_MEAN) /* the sum divided by the count in the dtype: an empty mean is 0 / 0 = NaN */
        for (int64_t i = 0; i < out->size; i++) {
            if (out->dtype == BJ_F32) INTERP_F32P(out)[i] /= (float)count;
            else INTERP_F64P(out)[i] /= (double)count;
        }
    return BJ_OK;
}

/* x as (outer, dim, inner) around axis: element (o, j, k) is at (o * dim + j) * inner + k. */
typedef struct {
    int64_t outer, dim, inner;
} axis_dims;

static bool split_axis(const bj_array *x, int64_t axis, axis_dims *d) {
    if (axis < 0 || axis >= x->rank) return false;
    d->outer = interp_prod(x->shape, 0, (int)axis);
    d->dim = x->shape[axis];
    d->inner = interp_prod(x->shape, (int)axis + 1, x->rank);
    return true;
}

/* Whether element c beats the best so far b: strictly greater (argmax) or smaller (argmin), so the first extreme
 * wins; a NaN beats everything and nothing beats a NaN, so the first NaN wins (numpy). */
static bool beats(ir_op op, const bj_array *x, int64_t c, int64_t b) {
    if (interp_domain_of(x->dtype) == INTERP_INT) {
        int64_t vc = interp_get_i(x, c), vb = interp_get_i(x, b);
        return op == IR_ARGMAX ? vc > vb : vc < vb;
    }
    double vc = interp_get_f(x, c), vb = interp_get_f(x, b);
    if (isnan(vb)) return false;
    if (isnan(vc)) return true;
    return op == IR_ARGMAX ? vc > vb : vc < vb;
}

/* attr = {keepdims, axis}; the int32 index of the first extreme along the axis. */
static bj_status argreduce(const ir_node *n, const bj_array *x, bj_array *out) {
    axis_dims d;
    if (n->nattr != 2 || !split_axis(x, n->attr[1], &d)) return interp_fail(n, "bad axis");
    if (out->dtype != BJ_I32 || out->size != d.outer * d.inner) return interp_fail(n, "the result does not fit");
    if (d.dim == 0 && out->size) return interp_fail(n, "reduces an empty axis");
    for (int64_t o = 0; o < d.outer; o++)
        for (int64_t k = 0; k < d.inner; k++) {
            int64_t best = 0, base = o * d.dim * d.inner + k;
            for (int64_t j = 1; j < d.dim; j++)
                if (beats((ir_op)n->op, x, base + j * d.inner, base + best * d.inner)) best = j;
            interp_put_i(out, o * d.inner + k, best);
        }
    return BJ_OK;
}

/* attr = {axis}; out[..j..] = fold of x[..0..] .. x[..j..] along the axis, in order, starting from the identity as
 * a reduction does (JAX's reduce_window), so that cumsum([-0.0]) is +0.0 + -0.0 = +0.0. */
static bj_status scan(const ir_node *n, const bj_array *x, bj_array *out) {
    axis_dims d;
    if (n->nattr != 1 || !split_axis(x, n->attr[0], &d)) return interp_fail(n, "bad axis");
    if (x->dtype != out->dtype || x->size != out->size) return interp_fail(n, "the result does not fit");
    ir_op f = fold_op((ir_op)n->op);
    for (int64_t o = 0; o < d.outer; o++)
        for (int64_t k = 0; k < d.inner; k++)
            for (int64_t j = 0; j < d.dim; j++) {
                int64_t at = (o * d.dim + j) * d.inner + k;
                if (j == 0) interp_put_i(out, at, f == IR_MUL); /* the identity, 0 or 1 */
                if (!interp_apply2(f, out, at, out, j ? at - d.inner : at, x, at))
                    return interp_fail(n, "not defined on %s", bj_dtype_name(x->dtype));
            }
    return BJ_OK;
}

/* sum_k a[ai + k * as] * b[bi + k * bs] into out[oi], accumulated from 0 in the dtype in k order. Each product
 * is its own statement, so that no compiler fuses it with the sum into an fma. */
static void dot1(const bj_array *a, int64_t ai, int64_t as, const bj_array *b, int64_t bi, int64_t bs, int64_t kk,
                 bj_array *out, int64_t oi) {
    switch (interp_domain_of(out->dtype)) {
    case INTERP_INT: { /* modulo 2^64, whose low bits are those of the narrower wrapped sum */
        uint64_t acc = 0;
        for (int64_t k = 0; k < kk; k++) {
            uint64_t p = (uint64_t)interp_get_i(a, ai + k * as) * (uint64_t)interp_get_i(b, bi + k * bs);
            acc += p;
        }
        interp_put_i(out, oi, core_wrap_i64(acc));
        break;
    }
    case INTERP_F32: {
        float acc = 0;
        for (int64_t k = 0; k < kk; k++) {
            float p = INTERP_F32P(a)[ai + k * as] * INTERP_F32P(b)[bi + k * bs];
            acc += p;
        }
        INTERP_F32P(out)[oi] = acc;
        break;
    }
    default: {
        double acc = 0;
        for (int64_t k = 0; k < kk; k++) {
            double p = INTERP_F64P(a)[ai + k * as] * INTERP_F64P(b)[bi + k * bs];
            acc += p;
        }
        INTERP_F64P(out)[oi] = acc;
        break;
    }
    }
}

/* Element strides of the batch axes of a (all but its last two) against the result's batch shape of rank rb:
 * right-aligned, 0 where a's batch axis is missing or of size 1 (broadcast). */
static void batch_strides(const bj_array *a, int rb, int64_t *st) {
    int64_t cst[BJ_MAX_RANK];
    interp_cstrides(a->rank, a->shape, cst);
    for (int k = 0; k < rb; k++) {
        int ka = k - (rb - (a->rank - 2));
        st[k] = ka >= 0 && a->shape[ka] != 1 ? cst[ka] : 0;
    }
}

/* out[..., i, j] = sum_k a[..., i, k] * b[..., k, j] with broadcast batch axes. */
static bj_status matmul(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *a = in[0], *b = in[1];
    if (a->rank < 2 || b->rank < 2 || out->rank < 2 || a->dtype != out->dtype || b->dtype != out->dtype ||
        out->dtype == BJ_BOOL)
        return interp_fail(n, "operands do not fit");
    int rb = out->rank - 2;
    int64_t rows = a->shape[a->rank - 2], kk = a->shape[a->rank - 1], cols = b->shape[b->rank - 1];
    bool ok = b->shape[b->rank - 2] == kk && out->shape[rb] == rows && out->shape[rb + 1] == cols &&
              a->rank - 2 <= rb && b->rank - 2 <= rb;
    for (int k = 0; ok && k < rb; k++) {
        int ka = k - (rb - (a->rank - 2)), kb = k - (rb - (b->rank - 2));
        ok = (ka < 0 || a->shape[ka] == 1 || a->shape[ka] == out->shape[k]) &&
             (kb < 0 || b->shape[kb] == 1 || b->shape[kb] == out->shape[k]);
    }
    if (!ok) return interp_fail(n, "operand shapes do not fit");
    int64_t sta[BJ_MAX_RANK], stb[BJ_MAX_RANK];
    batch_strides(a, rb, sta);
    batch_strides(b, rb, stb);
    interp_iter it;
    interp_iter_init(&it, rb, out->shape);
    interp_iter_view(&it, 0, sta);
    interp_iter_view(&it, 0, stb);
    int64_t nbatch = interp_prod(out->shape, 0, rb);
    for (int64_t t = 0; t < nbatch; t++, interp_iter_next(&it))
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++)
                dot1(a, it.off[0] + i * kk, 1, b, it.off[1] + j, cols, kk, out, (t * rows + i) * cols + j);
    return BJ_OK;
}

bj_status interp_reduce(const ir_node *n, bj_array *const *in, bj_array *out) {
    switch ((ir_op)n->op) {
    case IR_SUM: case IR_PROD: case IR_MEAN: case IR_MAX: case IR_MIN: case IR_ANY: case IR_ALL:
        return reduce(n, in[0], out);
    case IR_ARGMAX: case IR_ARGMIN: return argreduce(n, in[0], out);
    case IR_CUMSUM: case IR_CUMPROD: return scan(n, in[0], out);
    case IR_MATMUL: return matmul(n, in, out);
    default: return interp_fail(n, "not a reduction");
    }
}
