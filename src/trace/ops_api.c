/* ops_api.c — the public op functions: operand checking, C scalars as weak literals, and composite ops
 * (expand_dims, squeeze, stack, tile, repeat, dot, outer, zeros, ones, arange, eye) built from IR ops. */
#include "trace/trace.h"

#include <math.h>
#include <string.h>

/* The trace of a value operand, checked to be live. NULL with the error set otherwise. */
static ir_trace *trace_of(const bj_val *x, const char *op) {
    if (!x) return core_err(BJ_ERR_ARG, "%s: operand is NULL (an earlier op failed?)", op), NULL;
    if (!ir_node_live(x)) return core_err(BJ_ERR_HANDLE, "%s: operand %s", op, ir_node_why(x)), NULL;
    if (!core_handle_live(x->trace, CORE_H_TRACE))
        return core_err(BJ_ERR_TRACE, "%s: operand belongs to a trace that was finished or freed", op), NULL;
    return x->trace;
}

/* The trace shared by the value operands among ins (scalars have none). A bad operand next to a good one is
 * recorded in the good one's trace, so that the trace reports it at finish. */
static ir_trace *trace_among(const bj_in *ins, int n, const char *op) {
    ir_trace *t = NULL;
    bool any_null = false;
    for (int i = 0; i < n && !t; i++)
        if (ins[i].kind == 0 && ir_node_live(ins[i].v) && core_handle_live(ins[i].v->trace, CORE_H_TRACE))
            t = ins[i].v->trace;
    for (int i = 0; i < n; i++) {
        if (ins[i].kind < 0 || ins[i].kind > 3)
            return core_err(BJ_ERR_ARG, "%s: operand %d has an invalid kind %d", op, i, ins[i].kind), NULL;
        if (ins[i].kind != 0) continue;
        if (!ins[i].v) {
            any_null = true;
            continue;
        }
        ir_trace *ti = trace_of(ins[i].v, op);
        if (!ti && t) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", bj_last_error());
            return ir_fail(t, core_last_status(), "%s", msg), NULL;
        }
        if (!ti) return NULL;
        if (ti != t) return ir_fail(t, BJ_ERR_TRACE, "%s: operands belong to different traces", op), NULL;
    }
    if (t && any_null) return ir_fail(t, BJ_ERR_ARG, "%s: operand is NULL (an earlier op failed?)", op), NULL;
    if (!t)
        core_err(BJ_ERR_ARG, any_null ? "%s: operand is NULL (an earlier op failed?)"
                                      : "%s: at least one operand must be a traced value", op);
    return t;
}

static ir_node *operand(ir_trace *t, bj_in in, const char *op) {
    switch (in.kind) {
    case 0: return val_of(t, in.v, op);
    case 1: return ir_lit(t, ir_default_float(t), true, in.f, 0);
    case 2: return ir_lit(t, ir_weak_int_dtype(t->x64, in.i), true, 0, in.i);
    default: return ir_lit(t, BJ_BOOL, false, 0, in.i != 0);
    }
}

/* Unary-style entry: the trace of x, with x validated. */
#define ENTER(x, name)                                                                                                \
    ir_trace *t = trace_of(x, name);                                                                                  \
    if (!t || t->status) return NULL

#define UNARY(fn, OP)                                                                                                 \
    bj_val *bj_##fn(bj_val *x) {                                                                                      \
        ENTER(x, #fn);                                                                                                \
        return ir_unary(t, IR_##OP, x);                                                                               \
    }
UNARY(neg, NEG) UNARY(abs, ABS) UNARY(sign, SIGN) UNARY(exp, EXP) UNARY(exp2, EXP2) UNARY(expm1, EXPM1)
UNARY(log, LOG) UNARY(log1p, LOG1P) UNARY(log2, LOG2) UNARY(sqrt, SQRT) UNARY(rsqrt, RSQRT) UNARY(square, SQUARE)
UNARY(reciprocal, RECIPROCAL) UNARY(sin, SIN) UNARY(cos, COS) UNARY(tan, TAN) UNARY(tanh, TANH) UNARY(sinh, SINH)
UNARY(cosh, COSH) UNARY(arcsin, ARCSIN) UNARY(arccos, ARCCOS) UNARY(arctan, ARCTAN) UNARY(sigmoid, SIGMOID)
UNARY(floor, FLOOR) UNARY(ceil, CEIL) UNARY(round, ROUND) UNARY(trunc, TRUNC) UNARY(isnan, ISNAN)
UNARY(isinf, ISINF) UNARY(isfinite, ISFINITE) UNARY(logical_not, LOGICAL_NOT) UNARY(bitwise_not, BITWISE_NOT)
UNARY(stop_gradient, STOP_GRADIENT)

static bj_val *elementwise(ir_op op, const bj_in *ins, int n) {
    const char *name = ir_ops[op].name;
    ir_trace *t = trace_among(ins, n, name);
    if (!t || t->status) return NULL;
    ir_node *x[3];
    for (int i = 0; i < n; i++)
        if (!(x[i] = operand(t, ins[i], name))) return NULL;
    return n == 2 ? ir_binary(t, op, x[0], x[1]) : ir_ternary(t, op, x[0], x[1], x[2]);
}

#define BINARY(fn, OP)                                                                                                \
    bj_val *bj_##fn##_in(bj_in a, bj_in b) { return elementwise(IR_##OP, (bj_in[]){a, b}, 2); }
BINARY(add, ADD) BINARY(sub, SUB) BINARY(mul, MUL) BINARY(div, DIV) BINARY(floor_divide, FLOOR_DIVIDE)
BINARY(remainder, REMAINDER) BINARY(pow, POW) BINARY(maximum, MAXIMUM) BINARY(minimum, MINIMUM)
BINARY(atan2, ATAN2) BINARY(hypot, HYPOT) BINARY(eq, EQ) BINARY(ne, NE) BINARY(lt, LT) BINARY(le, LE)
BINARY(gt, GT) BINARY(ge, GE) BINARY(logical_and, LOGICAL_AND) BINARY(logical_or, LOGICAL_OR)
BINARY(logical_xor, LOGICAL_XOR) BINARY(bitwise_and, BITWISE_AND) BINARY(bitwise_or, BITWISE_OR)
BINARY(bitwise_xor, BITWISE_XOR) BINARY(shift_left, SHIFT_LEFT) BINARY(shift_right, SHIFT_RIGHT)

bj_val *bj_where_in(bj_in c, bj_in x, bj_in y) { return elementwise(IR_WHERE, (bj_in[]){c, x, y}, 3); }
bj_val *bj_clip_in(bj_in x, bj_in lo, bj_in hi) { return elementwise(IR_CLIP, (bj_in[]){x, lo, hi}, 3); }

bj_val *bj_astype(bj_val *x, bj_dtype dtype) {
    ENTER(x, "astype");
    return ir_cast(t, x, dtype);
}

/* ---------------------------------------------------------------- shape ops */
bj_val *bj_reshape(bj_val *x, int rank, const int64_t *shape) {
    ENTER(x, "reshape");
    return ir_reshape(t, x, rank, shape);
}

bj_val *bj_broadcast_to(bj_val *x, int rank, const int64_t *shape) {
    ENTER(x, "broadcast_to");
    return ir_broadcast_to(t, x, rank, shape);
}

bj_val *bj_transpose(bj_val *x, const int *perm) {
    ENTER(x, "transpose");
    return ir_transpose(t, x, perm);
}

bj_val *bj_expand_dims(bj_val *x, int axis) {
    ENTER(x, "expand_dims");
    if (!ir_norm_axis(t, "expand_dims", &axis, x->rank + 1)) return NULL;
    if (x->rank == BJ_MAX_RANK) return ir_fail(t, BJ_ERR_SHAPE, "expand_dims: rank would exceed %d", BJ_MAX_RANK);
    int64_t s[BJ_MAX_RANK];
    for (int i = 0, k = 0; i <= x->rank; i++) s[i] = i == axis ? 1 : x->shape[k++];
    return ir_reshape(t, x, x->rank + 1, s);
}

bj_val *bj_squeeze(bj_val *x, int naxes, const int *axes) {
    ENTER(x, "squeeze");
    bool drop[BJ_MAX_RANK] = {0};
    if (naxes < 0 || naxes > BJ_MAX_RANK || (naxes && !axes))
        return ir_fail(t, BJ_ERR_ARG, "squeeze: %d axes given%s", naxes, axes ? "" : " (axes is NULL)");
    for (int i = 0; i < naxes; i++) {
        int a = axes[i];
        if (!ir_norm_axis(t, "squeeze", &a, x->rank)) return NULL;
        if (x->shape[a] != 1)
            return ir_fail(t, BJ_ERR_SHAPE, "squeeze: axis %d has size %lld, not 1", axes[i], (long long)x->shape[a]);
        drop[a] = true;
    }
    int64_t s[BJ_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++)
        if (!(naxes ? drop[i] : x->shape[i] == 1)) s[r++] = x->shape[i];
    return ir_reshape(t, x, r, s);
}

/* Checks an array of n values of one trace; returns the trace. */
static ir_trace *trace_of_list(bj_val *const *xs, int n, const char *op) {
    if (n < 1 || !xs) return core_err(BJ_ERR_ARG, "%s: needs at least one array (got %d%s)", op, n,
                                      xs ? "" : ", list is NULL"), NULL;
    ir_trace *t = trace_of(xs[0], op);
    if (!t || t->status) return NULL;
    for (int i = 1; i < n; i++)
        if (!val_of(t, xs[i], op)) return NULL;
    return t;
}

bj_val *bj_concatenate(bj_val *const *xs, int n, int axis) {
    ir_trace *t = trace_of_list(xs, n, "concatenate");
    return t ? ir_concatenate(t, xs, n, axis) : NULL;
}

bj_val *bj_stack(bj_val *const *xs, int n, int axis) {
    ir_trace *t = trace_of_list(xs, n, "stack");
    if (!t) return NULL;
    for (int i = 1; i < n; i++)
        if (xs[i]->rank != xs[0]->rank || memcmp(xs[i]->shape, xs[0]->shape, sizeof(int64_t) * xs[0]->rank)) {
            char a[96], b[96];
            return ir_fail(t, BJ_ERR_SHAPE, "stack: array %d is %s, array 0 is %s (all must have the same shape)", i,
                           core_fmt_type(a, sizeof a, xs[i]->dtype, xs[i]->rank, xs[i]->shape),
                           core_fmt_type(b, sizeof b, xs[0]->dtype, xs[0]->rank, xs[0]->shape));
        }
    ir_node **ys = core_arena_alloc(&t->arena, sizeof *ys * (size_t)n);
    if (!ys) return ir_fail(t, BJ_ERR_NOMEM, "stack: out of memory");
    if (!ir_norm_axis(t, "stack", &axis, xs[0]->rank + 1)) return NULL;
    for (int i = 0; i < n; i++)
        if (!(ys[i] = bj_expand_dims(xs[i], axis))) return NULL;
    return ir_concatenate(t, ys, n, axis);
}

bj_val *bj_slice(bj_val *x, const int64_t *start, const int64_t *stop, const int64_t *step) {
    ENTER(x, "slice");
    return ir_slice(t, x, start, stop, step);
}

bj_val *bj_dynamic_slice(bj_val *x, bj_val *const *starts, const int64_t *sizes) {
    ENTER(x, "dynamic_slice");
    return ir_dynamic_slice(t, x, starts, sizes);
}

bj_val *bj_dynamic_update_slice(bj_val *x, bj_val *update, bj_val *const *starts) {
    ENTER(x, "dynamic_update_slice");
    if (!val_of(t, update, "dynamic_update_slice")) return NULL;
    return ir_dynamic_update_slice(t, x, update, starts);
}

bj_val *bj_flip(bj_val *x, int naxes, const int *axes) {
    ENTER(x, "flip");
    return ir_flip(t, x, naxes, axes);
}

/* Along one axis, out[j] = x[src(j)] with src given by an index vector built from iota: tile uses j % n,
 * repeat uses j / r. A gather keeps any rank valid (a broadcast-and-reshape would need rank + 1). */
static ir_node *regather(ir_trace *t, ir_node *x, int axis, int64_t outlen, ir_op op, int64_t k) {
    ir_node *j = ir_iota(t, BJ_I64, 1, &outlen, 0);
    ir_node *src = j ? ir_binary(t, op, j, ir_lit(t, BJ_I64, false, 0, k)) : NULL;
    return src ? ir_take(t, x, src, axis) : NULL;
}

bj_val *bj_tile(bj_val *x, int nreps, const int64_t *reps) {
    ENTER(x, "tile");
    if (nreps < 0 || nreps > BJ_MAX_RANK || (nreps && !reps))
        return ir_fail(t, BJ_ERR_ARG, "tile: %d repetitions given%s", nreps, reps ? "" : " (reps is NULL)");
    ir_node *y = x;
    int rank = nreps > x->rank ? nreps : x->rank;
    int64_t s[BJ_MAX_RANK];
    for (int i = 0; i < rank; i++) s[i] = i < rank - x->rank ? 1 : x->shape[i - (rank - x->rank)];
    y = ir_reshape(t, y, rank, s); /* numpy: missing leading axes of x count as 1 */
    for (int i = 0; y && i < rank; i++) {
        int64_t r = i < rank - nreps ? 1 : reps[i - (rank - nreps)], len;
        if (r < 0) return ir_fail(t, BJ_ERR_ARG, "tile: repetition %d is negative (%lld)", i, (long long)r);
        if (!core_mul_ok(r, y->shape[i], &len)) return ir_fail(t, BJ_ERR_SHAPE, "tile: size of axis %d overflows", i);
        if (r != 1 && y->shape[i]) y = regather(t, y, i, len, IR_REMAINDER, y->shape[i]);
    }
    return y;
}

bj_val *bj_repeat(bj_val *x, int64_t repeats, int axis) {
    ENTER(x, "repeat");
    if (!ir_norm_axis(t, "repeat", &axis, x->rank)) return NULL;
    int64_t len;
    if (repeats < 0) return ir_fail(t, BJ_ERR_ARG, "repeat: repeats is negative (%lld)", (long long)repeats);
    if (!core_mul_ok(repeats, x->shape[axis], &len)) return ir_fail(t, BJ_ERR_SHAPE, "repeat: result size overflows");
    if (repeats == 1) return x;
    return regather(t, x, axis, len, IR_FLOOR_DIVIDE, repeats);
}

/* ---------------------------------------------------------------- indexing */
bj_val *bj_take(bj_val *x, bj_val *indices, int axis) {
    ENTER(x, "take");
    if (!val_of(t, indices, "take")) return NULL;
    return ir_take(t, x, indices, axis);
}

static bj_val *scatter(ir_op op, bj_val *x, bj_val *indices, bj_val *updates, int axis) {
    const char *name = ir_ops[op].name;
    ENTER(x, name);
    if (!val_of(t, indices, name) || !val_of(t, updates, name)) return NULL;
    return ir_scatter(t, op, x, indices, updates, axis);
}
bj_val *bj_scatter_set(bj_val *x, bj_val *i, bj_val *u, int axis) { return scatter(IR_SCATTER_SET, x, i, u, axis); }
bj_val *bj_scatter_add(bj_val *x, bj_val *i, bj_val *u, int axis) { return scatter(IR_SCATTER_ADD, x, i, u, axis); }

/* ---------------------------------------------------------------- reductions */
#define REDUCE(fn, OP)                                                                                                \
    bj_val *bj_##fn(bj_val *x, int naxes, const int *axes, bool keepdims) {                                           \
        ENTER(x, #fn);                                                                                                \
        return ir_reduce(t, IR_##OP, x, naxes, axes, keepdims);                                                       \
    }
REDUCE(sum, SUM) REDUCE(prod, PROD) REDUCE(mean, MEAN) REDUCE(max, MAX) REDUCE(min, MIN) REDUCE(any, ANY)
REDUCE(all, ALL)

bj_val *bj_argmax(bj_val *x, int axis, bool keepdims) {
    ENTER(x, "argmax");
    return ir_argreduce(t, IR_ARGMAX, x, axis, keepdims);
}
bj_val *bj_argmin(bj_val *x, int axis, bool keepdims) {
    ENTER(x, "argmin");
    return ir_argreduce(t, IR_ARGMIN, x, axis, keepdims);
}
bj_val *bj_cumsum(bj_val *x, int axis) {
    ENTER(x, "cumsum");
    return ir_scan(t, IR_CUMSUM, x, axis);
}
bj_val *bj_cumprod(bj_val *x, int axis) {
    ENTER(x, "cumprod");
    return ir_scan(t, IR_CUMPROD, x, axis);
}
bj_val *bj_sort(bj_val *x, int axis) {
    ENTER(x, "sort");
    return ir_sort(t, IR_SORT, x, axis);
}
bj_val *bj_argsort(bj_val *x, int axis) {
    ENTER(x, "argsort");
    return ir_sort(t, IR_ARGSORT, x, axis);
}
bj_val *bj_nonzero(bj_val *x, int64_t size, int64_t fill_value) {
    ENTER(x, "nonzero");
    return ir_nonzero(t, x, size, fill_value);
}

/* ---------------------------------------------------------------- linear algebra */
static ir_trace *trace_of_pair(bj_val *a, bj_val *b, const char *op) {
    ir_trace *t = trace_of(a, op);
    if (!t || t->status || !val_of(t, b, op)) return NULL;
    return t;
}

bj_val *bj_matmul(bj_val *a, bj_val *b) {
    ir_trace *t = trace_of_pair(a, b, "matmul");
    if (!t) return NULL;
    if (a->rank == 0 || b->rank == 0) return ir_fail(t, BJ_ERR_SHAPE, "matmul: operands must not be scalars (use mul)");
    int64_t ka = a->shape[a->rank - 1], kb = b->shape[b->rank == 1 ? 0 : b->rank - 2];
    if (ka != kb) { /* reported with the caller's shapes, before 1-d operands are reshaped */
        char x[96], y[96];
        return ir_fail(t, BJ_ERR_SHAPE, "matmul: contraction dims differ: %s and %s (%lld vs %lld)",
                       core_fmt_type(x, sizeof x, a->dtype, a->rank, a->shape),
                       core_fmt_type(y, sizeof y, b->dtype, b->rank, b->shape), (long long)ka, (long long)kb);
    }
    ir_node *x = a->rank == 1 ? ir_reshape(t, a, 2, (int64_t[]){1, a->shape[0]}) : a;
    ir_node *y = b->rank == 1 ? ir_reshape(t, b, 2, (int64_t[]){b->shape[0], 1}) : b;
    ir_node *r = x && y ? ir_matmul(t, x, y) : NULL;
    if (!r || (a->rank > 1 && b->rank > 1)) return r;
    int64_t s[BJ_MAX_RANK]; /* numpy: the axis added for a 1-d operand is removed again */
    int k = 0;
    for (int i = 0; i < r->rank; i++)
        if (!((a->rank == 1 && i == r->rank - 2) || (b->rank == 1 && i == r->rank - 1))) s[k++] = r->shape[i];
    return ir_reshape(t, r, k, s);
}

bj_val *bj_dot(bj_val *a, bj_val *b) {
    ir_trace *t = trace_of_pair(a, b, "dot");
    if (!t) return NULL;
    if (a->rank == 0 || b->rank == 0) return ir_binary(t, IR_MUL, a, b);
    if (b->rank <= 2) return bj_matmul(a, b);
    /* numpy: dot(a, b)[i.., j.., m] = sum_k a[i.., k] * b[j.., k, m]; move b's k axis first and flatten */
    int perm[BJ_MAX_RANK], r = b->rank, n = 0;
    perm[n++] = r - 2;
    for (int i = 0; i < r; i++)
        if (i != r - 2) perm[n++] = i;
    /* explicit sizes, not -1: with a zero-length axis -1 cannot be inferred */
    int64_t kdim = b->shape[r - 2], s[BJ_MAX_RANK], cols = 1, rows = 1;
    for (int i = 0; i < r; i++)
        if (i != r - 2) cols *= b->shape[i];
    for (int i = 0; i < a->rank - 1; i++) rows *= a->shape[i];
    ir_node *bt = ir_transpose(t, b, perm);
    ir_node *b2 = bt ? ir_reshape(t, bt, 2, (int64_t[]){kdim, cols}) : NULL;
    ir_node *a2 = ir_reshape(t, a, 2, (int64_t[]){rows, a->shape[a->rank - 1]});
    ir_node *m = a2 && b2 ? ir_matmul(t, a2, b2) : NULL;
    if (!m) return NULL;
    int k = 0;
    for (int i = 0; i < a->rank - 1; i++) s[k++] = a->shape[i];
    for (int i = 0; i < r; i++)
        if (i != r - 2) s[k++] = b->shape[i];
    if (k > BJ_MAX_RANK) return ir_fail(t, BJ_ERR_SHAPE, "dot: result rank %d exceeds %d", k, BJ_MAX_RANK);
    return ir_reshape(t, m, k, s);
}

bj_val *bj_outer(bj_val *a, bj_val *b) {
    ir_trace *t = trace_of_pair(a, b, "outer");
    if (!t) return NULL;
    ir_node *x = ir_reshape(t, a, 2, (int64_t[]){ir_nelem(a), 1}), *y = ir_reshape(t, b, 1, (int64_t[]){ir_nelem(b)});
    return x && y ? ir_binary(t, IR_MUL, x, y) : NULL;
}

/* ---------------------------------------------------------------- creation */
#define CREATE_ENTER(t, name)                                                                                         \
    if (!trace_check(t, name) || t->status) return NULL

bj_val *bj_full(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape, double value) {
    CREATE_ENTER(t, "full");
    return ir_full(t, "full", dtype, rank, shape, value);
}
bj_val *bj_zeros(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape) {
    CREATE_ENTER(t, "zeros");
    return ir_full(t, "zeros", dtype, rank, shape, 0);
}
bj_val *bj_ones(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape) {
    CREATE_ENTER(t, "ones");
    return ir_full(t, "ones", dtype, rank, shape, 1);
}
bj_val *bj_iota(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape, int axis) {
    CREATE_ENTER(t, "iota");
    return ir_iota(t, dtype, rank, shape, axis);
}

bj_val *bj_arange(bj_trace *t, bj_dtype dtype, double start, double stop, double step) {
    CREATE_ENTER(t, "arange");
    if (!isfinite(start) || !isfinite(stop) || !isfinite(step) || step == 0)
        return ir_fail(t, BJ_ERR_ARG, "arange: start %g, stop %g, step %g must be finite with step != 0", start, stop,
                       step);
    double len = ceil((stop - start) / step);
    if (len > 1e15) return ir_fail(t, BJ_ERR_SHAPE, "arange: %g elements is too many", len);
    int64_t n = len > 0 ? (int64_t)len : 0;
    /* start + i * step computed in float64 as numpy does, then converted */
    ir_node *i = ir_iota(t, BJ_F64, 1, &n, 0);
    ir_node *v = i ? ir_binary(t, IR_ADD, ir_binary(t, IR_MUL, i, ir_lit(t, BJ_F64, false, step, 0)),
                               ir_lit(t, BJ_F64, false, start, 0))
                   : NULL;
    return v ? ir_cast(t, v, dtype) : NULL;
}

bj_val *bj_eye(bj_trace *t, bj_dtype dtype, int64_t n, int64_t m, int64_t k) {
    CREATE_ENTER(t, "eye");
    if (n < 0 || m < 0) return ir_fail(t, BJ_ERR_SHAPE, "eye: n %lld and m %lld must be >= 0", (long long)n, (long long)m);
    int64_t s[2] = {n, m};
    ir_node *r = ir_iota(t, BJ_I64, 2, s, 0), *c = ir_iota(t, BJ_I64, 2, s, 1);
    ir_node *on = r && c ? ir_binary(t, IR_EQ, ir_binary(t, IR_ADD, r, ir_lit(t, BJ_I64, false, 0, k)), c) : NULL;
    return on ? ir_cast(t, on, dtype) : NULL;
}
