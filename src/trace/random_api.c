/* random_api.c — the public random number functions: keys, the distributions built on the RANDOM op (uniform with
 * bounds, bernoulli and randint are composed of RANDOM and elementwise ops, so they fuse like any elementwise
 * chain), split and fold_in, and RandomState (a Variable holding a key, advanced on every jitted call).
 * Rules: src/ir/build_random.c; per-element math: src/core/bjrand.h; docs/architecture.md, "Random numbers". */
#include "ir/build_random.h"
#include "trace/trace.h"

#include <math.h>
#include <string.h>

#define TYPE(buf, n) core_fmt_type(buf, sizeof buf, (bj_dtype)(n)->dtype, (n)->rank, (n)->shape)

bj_array *bj_random_key(uint64_t seed) {
    uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    return bj_array_new(BJ_U32, 1, (const int64_t[]){2}, k);
}

bj_val *bj_random_key_const(bj_trace *t, uint64_t seed) {
    if (!trace_check(t, "random_key_const") || t->status) return NULL;
    uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    return ir_const(t, BJ_U32, 1, (const int64_t[]){2}, k);
}

/* The trace of key (checked live, uint32[2]) and its two words as one-element slices (views: read in place). */
static ir_trace *key_words(bj_val *key, const char *op, ir_node **k0, ir_node **k1) {
    if (!key) return core_err(BJ_ERR_ARG, "%s: key is NULL (an earlier op failed?)", op), NULL;
    if (!ir_node_live(key)) return core_err(BJ_ERR_HANDLE, "%s: key %s", op, ir_node_why(key)), NULL;
    if (!core_handle_live(key->trace, CORE_H_TRACE))
        return core_err(BJ_ERR_TRACE, "%s: key belongs to a trace that was finished or freed", op), NULL;
    ir_trace *t = key->trace;
    if (t->status) return NULL;
    if (key->dtype != BJ_U32 || key->rank != 1 || key->shape[0] != 2) {
        char a[96];
        return ir_fail(t, key->dtype != BJ_U32 ? BJ_ERR_DTYPE : BJ_ERR_SHAPE,
                       "%s: key must be uint32[2] (from bj_random_key, bj_random_split or a RandomState), got %s", op,
                       TYPE(a, key)), NULL;
    }
    *k0 = ir_slice(t, key, (const int64_t[]){0}, (const int64_t[]){1}, NULL);
    *k1 = ir_slice(t, key, (const int64_t[]){1}, (const int64_t[]){2}, NULL);
    return *k0 && *k1 ? t : NULL;
}

static bool float_dtype(ir_trace *t, const char *op, bj_dtype d) {
    if (d == BJ_F32 || d == BJ_F64) return true;
    return ir_fail(t, BJ_ERR_DTYPE, "%s: dtype must be float32 or float64, got %s", op,
                   (unsigned)d < BJ_NDTYPES ? bj_dtype_name(d) : "an invalid dtype"), false;
}

/* A traced operand (a value of t) that must broadcast into the result (dtype rd, shape) without enlarging it. */
static ir_node *param_value(ir_trace *t, const char *op, const char *what, bj_val *v, bj_dtype rd, int rank,
                            const int64_t *shape) {
    ir_node *n = val_of(t, v, op);
    if (!n) return NULL;
    int br;
    int64_t bs[BJ_MAX_RANK];
    if (rank < 0 || rank > BJ_MAX_RANK || (rank && !shape)) return n; /* ir_random reports the shape */
    if (n->rank > rank || !ir_broadcast_shapes(n->rank, n->shape, rank, shape, &br, bs) ||
        (rank && memcmp(bs, shape, sizeof(int64_t) * (size_t)rank))) {
        char a[96], b[96];
        return ir_fail(t, BJ_ERR_SHAPE, "%s: %s %s does not broadcast to the result %s", op, what, TYPE(a, n),
                       core_fmt_type(b, sizeof b, rd, rank, shape));
    }
    return n;
}

/* A C number operand as a double; false (error recorded) for bools and invalid kinds. */
static bool c_number(ir_trace *t, const char *op, const char *what, bj_in x, double *out) {
    if (x.kind == 1) *out = x.f;
    else if (x.kind == 2) *out = (double)x.i;
    else return ir_fail(t, BJ_ERR_ARG, "%s: %s must be a number or a traced value%s", op, what,
                        x.kind == 3 ? ", got a C bool" : ""), false;
    return true;
}

/* ---------------------------------------------------------------- distributions */
bj_val *bj_random_bits(bj_val *key, int rank, const int64_t *shape) {
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, "random_bits", &k0, &k1);
    return t ? ir_random(t, "random_bits", IR_RAND_BITS, BJ_U32, k0, k1, NULL, rank, shape) : NULL;
}

bj_val *bj_random_normal(bj_val *key, bj_dtype dtype, int rank, const int64_t *shape) {
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, "random_normal", &k0, &k1);
    if (!t || !float_dtype(t, "random_normal", dtype)) return NULL;
    return ir_random(t, "random_normal", IR_RAND_NORMAL, dtype, k0, k1, NULL, rank, shape);
}

/* A bound of uniform in dtype d: a C number (finite, checked by the caller) or a value converted to d. */
static ir_node *float_bound(ir_trace *t, const char *what, bj_in x, bj_dtype d, int rank, const int64_t *shape) {
    if (x.kind == 0) {
        ir_node *n = param_value(t, "random_uniform", what, x.v, d, rank, shape);
        return n ? ir_cast(t, n, d) : NULL;
    }
    return ir_lit(t, d, false, x.kind == 1 ? x.f : (double)x.i, 0);
}

bj_val *bj_random_uniform_in(bj_val *key, bj_dtype dtype, int rank, const int64_t *shape, bj_in lo, bj_in hi) {
    const char *op = "random_uniform";
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, op, &k0, &k1);
    if (!t || !float_dtype(t, op, dtype)) return NULL;
    double l = 0, h = 1;
    if ((lo.kind != 0 && !c_number(t, op, "lo", lo, &l)) || (hi.kind != 0 && !c_number(t, op, "hi", hi, &h)))
        return NULL;
    if (!isfinite(l) || !isfinite(h))
        return ir_fail(t, BJ_ERR_ARG, "%s: lo (%g) and hi (%g) must be finite", op, l, h);
    if (lo.kind != 0 && hi.kind != 0 && !(h > l))
        return ir_fail(t, BJ_ERR_ARG, "%s: hi (%g) must be greater than lo (%g)", op, h, l);
    ir_node *u = ir_random(t, op, IR_RAND_UNIFORM, dtype, k0, k1, NULL, rank, shape);
    if (!u || (lo.kind != 0 && hi.kind != 0 && l == 0 && h == 1)) return u;
    ir_node *ln = float_bound(t, "lo", lo, dtype, rank, shape), *hn = ln ? float_bound(t, "hi", hi, dtype, rank, shape) : NULL;
    if (!hn) return NULL;
    /* as JAX: u * (hi - lo) + lo, kept >= lo against rounding */
    ir_node *r = ir_binary(t, IR_ADD, ir_binary(t, IR_MUL, u, ir_binary(t, IR_SUB, hn, ln)), ln);
    return r ? ir_binary(t, IR_MAXIMUM, ln, r) : NULL;
}

bj_val *bj_random_bernoulli_in(bj_val *key, bj_in p, int rank, const int64_t *shape) {
    const char *op = "random_bernoulli";
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, op, &k0, &k1);
    if (!t) return NULL;
    ir_node *pn;
    bj_dtype d = BJ_F32;
    if (p.kind == 0) {
        if (!(pn = param_value(t, op, "p", p.v, BJ_BOOL, rank, shape))) return NULL;
        if (pn->dtype == BJ_F64) d = BJ_F64;
        if (!(pn = ir_cast(t, pn, d))) return NULL;
    } else {
        double v;
        if (!c_number(t, op, "p", p, &v)) return NULL;
        if (!(v >= 0 && v <= 1)) return ir_fail(t, BJ_ERR_ARG, "%s: p (%g) must be in [0, 1]", op, v);
        d = ir_default_float(t); /* a C p is a weak float: float64 in x64 mode */
        if (!(pn = ir_lit(t, d, false, v, 0))) return NULL;
    }
    ir_node *u = ir_random(t, op, IR_RAND_UNIFORM, d, k0, k1, NULL, rank, shape);
    return u ? ir_binary(t, IR_LT, u, pn) : NULL;
}

/* An integer bound of randint: a C integer in dtype d's range, or an integer value, in int64 after conversion to d. */
static ir_node *int_bound(ir_trace *t, const char *what, bj_in x, bj_dtype d, int rank, const int64_t *shape) {
    const char *op = "random_randint";
    if (x.kind == 0) {
        ir_node *n = param_value(t, op, what, x.v, d, rank, shape);
        if (!n) return NULL;
        if (!ir_is_int(n->dtype)) {
            char a[96];
            return ir_fail(t, BJ_ERR_DTYPE, "%s: %s must be an integer value, got %s", op, what, TYPE(a, n));
        }
        n = ir_cast(t, n, d);
        return n ? ir_cast(t, n, BJ_I64) : NULL;
    }
    if (x.kind != 2)
        return ir_fail(t, BJ_ERR_ARG, "%s: %s must be a C integer or a traced value", op, what);
    int64_t v = x.i;
    bool fits = d == BJ_I64 || (d == BJ_I32 && v >= INT32_MIN && v <= INT32_MAX) || (d == BJ_U32 && v >= 0 &&
                                                                                      v <= UINT32_MAX);
    if (!fits) return ir_fail(t, BJ_ERR_ARG, "%s: %s (%lld) does not fit in %s", op, what, (long long)v, bj_dtype_name(d));
    return ir_lit(t, BJ_I64, false, 0, v);
}

bj_val *bj_random_randint_in(bj_val *key, bj_in lo, bj_in hi, bj_dtype dtype, int rank, const int64_t *shape) {
    const char *op = "random_randint";
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, op, &k0, &k1);
    if (!t) return NULL;
    if (dtype != BJ_I32 && dtype != BJ_I64 && dtype != BJ_U32)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: dtype must be int32, int64 or uint32, got %s", op,
                       (unsigned)dtype < BJ_NDTYPES ? bj_dtype_name(dtype) : "an invalid dtype");
    ir_node *ln = int_bound(t, "lo", lo, dtype, rank, shape), *hn = ln ? int_bound(t, "hi", hi, dtype, rank, shape) : NULL;
    if (!hn) return NULL;
    ir_node *span;
    if (ln->op == IR_LIT && hn->op == IR_LIT) {
        if (hn->ival <= ln->ival)
            return ir_fail(t, BJ_ERR_ARG, "%s: hi (%lld) must be greater than lo (%lld)", op, (long long)hn->ival,
                           (long long)ln->ival);
        span = ir_lit(t, BJ_I64, false, 0, (int64_t)((uint64_t)hn->ival - (uint64_t)ln->ival));
    } else { /* traced bounds: hi <= lo gives lo, as JAX */
        span = ir_ternary(t, IR_WHERE, ir_binary(t, IR_GT, hn, ln), ir_binary(t, IR_SUB, hn, ln),
                          ir_lit(t, BJ_I64, false, 0, 1));
    }
    ir_node *off = span ? ir_random(t, op, IR_RAND_RANDINT, BJ_I64, k0, k1, span, rank, shape) : NULL;
    ir_node *r = off ? ir_binary(t, IR_ADD, ln, off) : NULL;
    return r && dtype != BJ_I64 ? ir_cast(t, r, dtype) : r;
}

bj_val *bj_random_poisson_in(bj_val *key, bj_in lam, bj_dtype dtype, int rank, const int64_t *shape) {
    const char *op = "random_poisson";
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, op, &k0, &k1);
    if (!t) return NULL;
    if (dtype != BJ_I32 && dtype != BJ_I64 && dtype != BJ_F32 && dtype != BJ_F64)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: dtype must be int32, int64, float32 or float64, got %s", op,
                       (unsigned)dtype < BJ_NDTYPES ? bj_dtype_name(dtype) : "an invalid dtype");
    ir_node *ln;
    if (lam.kind == 0) {
        if (!(ln = param_value(t, op, "lam", lam.v, dtype, rank, shape))) return NULL;
        if (ln->dtype == BJ_BOOL) {
            char a[96];
            return ir_fail(t, BJ_ERR_DTYPE, "%s: lam must be a number, got %s", op, TYPE(a, ln));
        }
    } else {
        double v;
        if (!c_number(t, op, "lam", lam, &v)) return NULL;
        if (!(v >= 0) || isinf(v)) return ir_fail(t, BJ_ERR_ARG, "%s: lam (%g) must be finite and >= 0", op, v);
        if (!(ln = ir_lit(t, BJ_F64, false, v, 0))) return NULL;
    }
    return ir_random(t, op, IR_RAND_POISSON, dtype, k0, k1, ln, rank, shape);
}

/* ---------------------------------------------------------------- keys */
/* Keys first .. first + n - 1 of the split of (k0, k1), as uint32[n, 2] (n 0: the uint32[2] key first). */
static ir_node *split_rows(ir_trace *t, const char *op, ir_node *k0, ir_node *k1, uint32_t first, int64_t n) {
    ir_node *f = ir_lit(t, BJ_U32, false, 0, first);
    if (!f) return NULL;
    return n ? ir_random(t, op, IR_RAND_SPLIT, BJ_U32, k0, k1, f, 2, (const int64_t[]){n, 2})
             : ir_random(t, op, IR_RAND_SPLIT, BJ_U32, k0, k1, f, 1, (const int64_t[]){2});
}

bj_val *bj_random_split(bj_val *key, int64_t n) {
    ir_node *k0, *k1;
    ir_trace *t = key_words(key, "random_split", &k0, &k1);
    if (!t) return NULL;
    if (n < 1) return ir_fail(t, BJ_ERR_ARG, "random_split: n (%lld) must be at least 1", (long long)n);
    return split_rows(t, "random_split", k0, k1, 0, n);
}

bj_val *bj_random_fold_in_in(bj_val *key, bj_in data) {
    const char *op = "random_fold_in";
    ir_node *k0, *k1, *d;
    ir_trace *t = key_words(key, op, &k0, &k1);
    if (!t) return NULL;
    if (data.kind == 0) {
        if (!(d = val_of(t, data.v, op))) return NULL;
        if (!ir_is_int(d->dtype) || d->rank != 0) {
            char a[96];
            return ir_fail(t, BJ_ERR_DTYPE, "%s: data must be an integer scalar, got %s", op, TYPE(a, d));
        }
        d = ir_cast(t, d, BJ_U32); /* wraps, as JAX's conversion to uint32 */
    } else if (data.kind == 2) {
        if (data.i < INT32_MIN || data.i > (int64_t)UINT32_MAX)
            return ir_fail(t, BJ_ERR_ARG, "%s: data (%lld) must fit in 32 bits (int32 or uint32)", op, (long long)data.i);
        d = ir_lit(t, BJ_U32, false, 0, (int64_t)(uint32_t)(uint64_t)data.i);
    } else {
        return ir_fail(t, BJ_ERR_ARG, "%s: data must be a C integer or a traced integer scalar", op);
    }
    return d ? ir_random(t, op, IR_RAND_FOLD_IN, BJ_U32, k0, k1, d, 1, (const int64_t[]){2}) : NULL;
}

/* ---------------------------------------------------------------- RandomState */
static bool is_key_array(const bj_array *a) {
    return a && bj_array_dtype(a) == BJ_U32 && bj_array_rank(a) == 1 && bj_array_shape(a)[0] == 2;
}

bj_var *bj_random_state_new(const char *name, uint64_t seed) {
    bj_array *k = bj_random_key(seed);
    if (!k) return NULL;
    bj_var *v = bj_var_new(name, k, -1);
    bj_array_release(k);
    return v;
}

bj_status bj_random_state_seed(bj_var *state, uint64_t seed) {
    const bj_array *cur = bj_var_value(state);
    if (!cur) return core_last_status();
    if (!is_key_array(cur))
        return core_err(BJ_ERR_DTYPE, "random_state_seed: Variable %s is not a RandomState (uint32[2] key)",
                        bj_var_name(state));
    bj_array *k = bj_random_key(seed);
    if (!k) return core_last_status();
    bj_status s = bj_var_set(state, k);
    bj_array_release(k);
    return s;
}

bj_val *bj_random_state_next(bj_trace *t, bj_var *state) {
    const char *op = "random_state_next";
    if (!trace_check(t, op) || t->status) return NULL;
    if (!t->owner)
        return ir_fail(t, BJ_ERR_TRACE, "%s: trace '%s' is not the trace of a jit function (a RandomState advances "
                       "only inside jitted functions; use bj_random_split on a key elsewhere)", op, t->name);
    bj_val *key = bj_var_read(t, state); /* checks that t is a jit trace and state a live Variable */
    if (!key) return NULL;
    if (!is_key_array(bj_var_value(state)))
        return ir_fail(t, BJ_ERR_DTYPE, "%s: Variable %s is not a RandomState (a uint32[2] key)", op, bj_var_name(state));
    ir_node *k0, *k1;
    if (!key_words(key, op, &k0, &k1)) return NULL;
    /* as JAX's `key, sub = split(key)`: the new state is key 0 of the split, the draw key 1 */
    ir_node *next = split_rows(t, op, k0, k1, 0, 0), *sub = split_rows(t, op, k0, k1, 1, 0);
    if (!next || !sub || bj_var_write(t, state, next)) return NULL;
    return sub;
}

/* ---------------------------------------------------------------- by name (bj_op) */
static bool nin_is(ir_trace *t, const char *name, int nin, int a, int b) {
    if (nin == a || nin == b) return true;
    if (a == b) return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): takes %d operands, got %d", name, a, nin), false;
    return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): takes %d or %d operands, got %d", name, a, b, nin), false;
}

bj_val *trace_random_op(bj_trace *t, const char *name, bj_val *const *in, int nin, const bj_attrs *a, bool *found) {
    *found = true;
#define IS(s) !strcmp(name, s)
    if (IS("random_bits")) return nin_is(t, name, nin, 1, 1) ? bj_random_bits(in[0], a->rank, a->shape) : NULL;
    if (IS("random_normal"))
        return nin_is(t, name, nin, 1, 1) ? bj_random_normal(in[0], a->dtype, a->rank, a->shape) : NULL;
    if (IS("random_uniform")) {
        if (!nin_is(t, name, nin, 1, 3)) return NULL;
        bj_in lo = nin == 3 ? bj_in_val(in[1]) : bj_in_f64(0), hi = nin == 3 ? bj_in_val(in[2]) : bj_in_f64(1);
        return bj_random_uniform_in(in[0], a->dtype, a->rank, a->shape, lo, hi);
    }
    if (IS("random_bernoulli"))
        return nin_is(t, name, nin, 2, 2) ? bj_random_bernoulli_in(in[0], bj_in_val(in[1]), a->rank, a->shape) : NULL;
    if (IS("random_randint"))
        return nin_is(t, name, nin, 3, 3) ? bj_random_randint_in(in[0], bj_in_val(in[1]), bj_in_val(in[2]), a->dtype,
                                                                 a->rank, a->shape)
                                          : NULL;
    if (IS("random_poisson"))
        return nin_is(t, name, nin, 2, 2) ? bj_random_poisson_in(in[0], bj_in_val(in[1]), a->dtype, a->rank, a->shape)
                                          : NULL;
    if (IS("random_split")) return nin_is(t, name, nin, 1, 1) ? bj_random_split(in[0], a->n) : NULL;
    if (IS("random_fold_in")) return nin_is(t, name, nin, 2, 2) ? bj_random_fold_in_in(in[0], bj_in_val(in[1])) : NULL;
#undef IS
    *found = false;
    return NULL;
}
