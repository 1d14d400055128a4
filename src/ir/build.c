/* build.c — the dtype and shape rule of every op, applied as the node is built (see build.h and docs/ops.md).
 *
 * Elementwise nodes are normalised so that later stages need no promotion logic: the operands of a binary or
 * ternary node all carry the node's compute dtype (casts are inserted, weak literals are re-made in the target
 * dtype), F_FLOAT ops see only floats, logical ops see only bools. Broadcasting stays implicit: operands keep
 * their own shapes and the node has the broadcast shape. */
#include "ir/build.h"
#include "core/scalar.h"

#include <math.h>
#include <string.h>

#define TYPE(buf, n) core_fmt_type(buf, sizeof buf, (n)->dtype, (n)->rank, (n)->shape)
static const char *opname(ir_op op) { return ir_ops[op].name; }

static ir_node *node(ir_trace *t, ir_op op, bj_dtype d, int rank, const int64_t *shape, bool weak, int nin,
                     ir_node *const *in, int nattr, const int64_t *attr) {
    return ir_intern(t, &(ir_proto){.op = op, .dtype = d, .rank = rank, .shape = shape, .weak = weak, .nin = nin,
                                    .in = in, .nattr = nattr, .attr = attr});
}

static bool shape_ok(ir_trace *t, const char *op, int rank, const int64_t *shape) {
    if (rank < 0 || rank > BJ_MAX_RANK)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: rank %d is outside 0..%d", op, rank, BJ_MAX_RANK), false;
    if (rank && !shape) return ir_fail(t, BJ_ERR_ARG, "%s: shape is NULL for rank %d", op, rank), false;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 0)
            return ir_fail(t, BJ_ERR_SHAPE, "%s: dimension %d is negative (%lld)", op, i, (long long)shape[i]), false;
        if (!core_mul_ok(n, shape[i], &n) || !core_mul_ok(n, 8, &(int64_t){0}))
            return ir_fail(t, BJ_ERR_SHAPE, "%s: the shape's element count overflows at dimension %d", op, i), false;
    }
    return true;
}

static bool dtype_ok(ir_trace *t, const char *op, bj_dtype d) {
    if ((unsigned)d < BJ_NDTYPES) return true;
    return ir_fail(t, BJ_ERR_DTYPE, "%s: invalid dtype %d", op, (int)d), false;
}

bool ir_norm_axis(ir_trace *t, const char *op, int *axis, int rank) {
    int a = *axis;
    if (a < -rank || a >= rank || (rank == 0))
        return ir_fail(t, BJ_ERR_ARG, "%s: axis %d is out of range for rank %d", op, a, rank), false;
    *axis = a < 0 ? a + rank : a;
    return true;
}

/* ---------------------------------------------------------------- leaves */
ir_node *ir_arg(ir_trace *t, const char *name, bj_dtype d, int rank, const int64_t *shape) {
    return ir_arg_weak(t, name, d, rank, shape, false);
}

ir_node *ir_arg_weak(ir_trace *t, const char *name, bj_dtype d, int rank, const int64_t *shape, bool weak) {
    if (t->status || !dtype_ok(t, "bj_trace_arg", d) || !shape_ok(t, "bj_trace_arg", rank, shape)) return NULL;
    if (t->cur) return ir_fail(t, BJ_ERR_TRACE, "bj_trace_arg: cannot add an argument inside a region");
    if (t->nargs == t->args_cap) {
        int ncap = t->args_cap ? t->args_cap * 2 : 8;
        ir_node **na = realloc(t->args, sizeof *na * (size_t)ncap);
        if (!na) return ir_fail(t, BJ_ERR_NOMEM, "bj_trace_arg: out of memory");
        t->args = na, t->args_cap = ncap;
    }
    int64_t idx = t->nargs;
    ir_node *n = node(t, IR_ARG, d, rank, shape, weak, 0, NULL, 1, &idx);
    if (!n) return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "arg%d", t->nargs);
    n->name = core_arena_strdup(&t->arena, name ? name : buf);
    if (!n->name) return ir_fail(t, BJ_ERR_NOMEM, "bj_trace_arg: out of memory");
    t->args[t->nargs++] = n;
    return n;
}

ir_node *ir_const(ir_trace *t, bj_dtype d, int rank, const int64_t *shape, const void *data) {
    if (t->status) return NULL;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= shape[i];
    size_t nbytes = (size_t)n * bj_dtype_size(d);
    return ir_intern(t, &(ir_proto){.op = IR_CONST, .dtype = d, .rank = rank, .shape = shape, .data = data,
                                    .nbytes = nbytes ? nbytes : 0});
}

/* Scalar literal; f and i must already hold the value in d's domain (the other is derived for hashing). */
ir_node *ir_lit(ir_trace *t, bj_dtype d, bool weak, double f, int64_t i) {
    if (t->status || !dtype_ok(t, "literal", d)) return NULL;
    if (ir_is_float(d)) {
        if (d == BJ_F32 && !weak) f = (float)f; /* a weak literal keeps its double until its dtype is final */
        i = 0;
    } else {
        f = 0;
        if (d == BJ_BOOL) i = i != 0;
    }
    return ir_intern(t, &(ir_proto){.op = IR_LIT, .dtype = d, .weak = weak, .fval = f, .ival = i});
}

ir_node *ir_full(ir_trace *t, const char *what, bj_dtype d, int rank, const int64_t *shape, double value) {
    if (t->status || !dtype_ok(t, what, d) || !shape_ok(t, what, rank, shape)) return NULL;
    return ir_intern(t, &(ir_proto){.op = IR_FULL, .dtype = d, .rank = rank, .shape = shape, .fval = value});
}

ir_node *ir_iota(ir_trace *t, bj_dtype d, int rank, const int64_t *shape, int axis) {
    if (t->status || !dtype_ok(t, "iota", d) || !shape_ok(t, "iota", rank, shape) ||
        !ir_norm_axis(t, "iota", &axis, rank))
        return NULL;
    int64_t a = axis;
    return node(t, IR_IOTA, d, rank, shape, false, 0, NULL, 1, &a);
}

/* ---------------------------------------------------------------- casts and elementwise */

/* Converts a literal's value to dtype d; ints out of d's range are an error, as in JAX. */
static ir_node *relit(ir_trace *t, const char *op, ir_node *x, bj_dtype d, bool weak) {
    bool xf = ir_is_float(x->dtype);
    if (ir_is_float(d)) return ir_lit(t, d, weak, xf ? x->fval : (double)x->ival, 0);
    if (d == BJ_BOOL) return ir_lit(t, d, weak, 0, xf ? (x->fval != 0) : (x->ival != 0));
    if (xf) { /* float literal to int: only by an explicit cast (promotion never does it) */
        double v = x->fval;
        int64_t i = d == BJ_I32 ? core_f2i32(v) : d == BJ_U32 ? (int64_t)core_f2u32(v) : core_f2i64(v);
        return ir_lit(t, d, weak, 0, i);
    }
    int64_t v = x->ival;
    bool fits = d == BJ_I64 || (d == BJ_I32 && v >= INT32_MIN && v <= INT32_MAX) || (d == BJ_U32 && v >= 0 &&
                                                                                         v <= UINT32_MAX);
    if (!fits && x->weak)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: literal %lld does not fit in %s", op, (long long)v, bj_dtype_name(d));
    if (!fits) v = d == BJ_I32 ? core_wrap_i32(v) : (int64_t)(uint32_t)(uint64_t)v;
    return ir_lit(t, d, weak, 0, v);
}

/* x converted to dtype d with the given weak flag (no node if nothing changes). */
static ir_node *convert(ir_trace *t, const char *op, ir_node *x, bj_dtype d, bool weak) {
    if (!x) return NULL;
    if (x->dtype == d && x->weak == weak) return x;
    if (x->op == IR_LIT) return relit(t, op, x, d, weak);
    return node(t, IR_CAST, d, x->rank, x->shape, weak, 1, &x, 0, NULL);
}

ir_node *ir_cast(ir_trace *t, ir_node *x, bj_dtype d) {
    if (t->status || !dtype_ok(t, "astype", d)) return NULL;
    if (x->op == IR_LIT && ir_is_float(x->dtype) && !ir_is_float(d)) /* explicit cast saturates, never errors */
        return relit(t, "astype", x, d, false);
    if (x->op == IR_LIT && !ir_is_float(x->dtype) && ir_is_int(d)) {
        int64_t v = x->ival;
        return ir_lit(t, d, false, 0, d == BJ_I32 ? core_wrap_i32(v) : d == BJ_U32 ? (int64_t)(uint32_t)(uint64_t)v : v);
    }
    return convert(t, "astype", x, d, false);
}

static ir_node *to_float(ir_trace *t, const char *op, ir_node *x) {
    return ir_is_float(x->dtype) ? x : convert(t, op, x, ir_inexact(t, x->dtype), x->weak);
}

/* Whether op accepts compute dtype d; the message names the operands' types (b NULL: one operand), formatted only
 * then (tracing formats nothing per op). */
static ir_node *check_flags(ir_trace *t, ir_op op, bj_dtype d, const ir_node *a, const ir_node *b) {
    int fl = ir_ops[op].flags;
    bool nobool = (fl & F_NOBOOL) && d == BJ_BOOL, nofloat = (fl & F_NOFLOAT) && ir_is_float(d);
    if (!nobool && !nofloat) return (ir_node *)1;
    char ta[96], tb[96], types[200];
    if (b) snprintf(types, sizeof types, "%s and %s", TYPE(ta, a), TYPE(tb, b));
    else TYPE(types, a);
    if (nobool)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: bool operands are not supported (%s); cast with astype first",
                       opname(op), types);
    return ir_fail(t, BJ_ERR_DTYPE, "%s: needs integer or bool operands, got %s", opname(op), types);
}

ir_node *ir_unary(ir_trace *t, ir_op op, ir_node *x) {
    if (t->status) return NULL;
    int fl = ir_ops[op].flags;
    if (!check_flags(t, op, x->dtype, x, NULL)) return NULL;
    if (fl & F_FLOAT) x = to_float(t, opname(op), x);
    if (op == IR_LOGICAL_NOT) x = convert(t, opname(op), x, BJ_BOOL, false);
    if (!x) return NULL;
    /* rounding an integer is the identity (JAX keeps integer dtypes for floor/ceil/round/trunc) */
    if ((op == IR_FLOOR || op == IR_CEIL || op == IR_ROUND || op == IR_TRUNC) && !ir_is_float(x->dtype)) return x;
    bj_dtype out = (fl & F_CMP) ? BJ_BOOL : x->dtype;
    return node(t, op, out, x->rank, x->shape, (fl & F_CMP) ? false : x->weak, 1, &x, 0, NULL);
}

static bool bcast(ir_trace *t, ir_op op, ir_node *const *xs, int n, int *rank, int64_t *shape) {
    *rank = xs[0]->rank;
    memcpy(shape, xs[0]->shape, sizeof(int64_t) * (size_t)*rank);
    for (int i = 1; i < n; i++)
        if (!ir_broadcast_shapes(*rank, shape, xs[i]->rank, xs[i]->shape, rank, shape)) {
            char a[96], b[96];
            ir_fail(t, BJ_ERR_SHAPE, "%s: shapes %s and %s cannot be broadcast together", opname(op),
                    TYPE(a, xs[i - 1]), TYPE(b, xs[i]));
            return false;
        }
    return true;
}

ir_node *ir_binary(ir_trace *t, ir_op op, ir_node *a, ir_node *b) {
    if (t->status) return NULL;
    int fl = ir_ops[op].flags;
    int rank;
    int64_t shape[BJ_MAX_RANK];
    ir_node *xs[2] = {a, b};
    if (!bcast(t, op, xs, 2, &rank, shape)) return NULL;
    bool weak;
    bj_dtype d = bj_promote(a->dtype, a->weak, b->dtype, b->weak, &weak);
    if (op == IR_LOGICAL_AND || op == IR_LOGICAL_OR || op == IR_LOGICAL_XOR) d = BJ_BOOL, weak = false;
    if (!check_flags(t, op, d, a, b)) return NULL;
    if (fl & F_FLOAT) d = ir_inexact(t, d);
    a = convert(t, opname(op), a, d, weak);
    b = convert(t, opname(op), b, d, weak);
    if (!a || !b) return NULL;
    xs[0] = a, xs[1] = b;
    bool cmp = fl & F_CMP;
    return node(t, op, cmp ? BJ_BOOL : d, rank, shape, cmp ? false : weak, 2, xs, 0, NULL);
}

ir_node *ir_ternary(ir_trace *t, ir_op op, ir_node *a, ir_node *b, ir_node *c) {
    if (t->status) return NULL;
    int rank;
    int64_t shape[BJ_MAX_RANK];
    ir_node *xs[3] = {a, b, c};
    if (!bcast(t, op, xs, 3, &rank, shape)) return NULL;
    ir_node *first = op == IR_WHERE ? b : a; /* where: cond is a; values are b, c */
    bool w1, weak;
    bj_dtype d = bj_promote(first->dtype, first->weak, (op == IR_WHERE ? c : b)->dtype,
                            (op == IR_WHERE ? c : b)->weak, &w1);
    if (op == IR_WHERE) {
        weak = w1;
        xs[0] = convert(t, opname(op), a, BJ_BOOL, false);
    } else {
        d = bj_promote(d, w1, c->dtype, c->weak, &weak);
        xs[0] = convert(t, opname(op), a, d, weak);
    }
    xs[1] = convert(t, opname(op), b, d, weak);
    xs[2] = convert(t, opname(op), c, d, weak);
    if (!xs[0] || !xs[1] || !xs[2]) return NULL;
    return node(t, op, d, rank, shape, weak, 3, xs, 0, NULL);
}

/* ---------------------------------------------------------------- shape ops */
ir_node *ir_reshape(ir_trace *t, ir_node *x, int rank, const int64_t *shape) {
    if (t->status) return NULL;
    if (rank && !shape) return ir_fail(t, BJ_ERR_ARG, "reshape: shape is NULL for rank %d", rank);
    if (rank < 0 || rank > BJ_MAX_RANK)
        return ir_fail(t, BJ_ERR_SHAPE, "reshape: rank %d is outside 0..%d", rank, BJ_MAX_RANK);
    int64_t s[BJ_MAX_RANK], known = 1;
    int infer = -1;
    for (int i = 0; i < rank; i++) {
        s[i] = shape[i];
        if (s[i] == -1 && infer < 0) infer = i;
        else if (s[i] < 0)
            return ir_fail(t, BJ_ERR_SHAPE, "reshape: dimension %d is %lld (only one -1 is allowed)", i,
                           (long long)s[i]);
        else if (!core_mul_ok(known, s[i], &known))
            return ir_fail(t, BJ_ERR_SHAPE, "reshape: the target shape's element count overflows");
    }
    int64_t n = ir_nelem(x);
    if (infer >= 0) {
        if (known == 0 || n % known)
            return ir_fail(t, BJ_ERR_SHAPE, "reshape: cannot infer dimension %d: %lld elements into blocks of %lld",
                           infer, (long long)n, (long long)known);
        s[infer] = n / known, known = n;
    }
    if (known != n) {
        char a[96], b[96];
        return ir_fail(t, BJ_ERR_SHAPE, "reshape: cannot reshape %s (%lld elements) to %s (%lld elements)",
                       TYPE(a, x), (long long)n, core_fmt_type(b, sizeof b, x->dtype, rank, s), (long long)known);
    }
    if (rank == x->rank && !memcmp(s, x->shape, sizeof(int64_t) * (size_t)rank)) return x;
    return node(t, IR_RESHAPE, x->dtype, rank, s, x->weak, 1, &x, 0, NULL);
}

ir_node *ir_broadcast_to(ir_trace *t, ir_node *x, int rank, const int64_t *shape) {
    if (t->status || !shape_ok(t, "broadcast_to", rank, shape)) return NULL;
    bool ok = rank >= x->rank;
    for (int i = 0; ok && i < x->rank; i++) {
        int64_t d = x->shape[i], want = shape[rank - x->rank + i];
        ok = d == want || d == 1;
    }
    if (!ok) {
        char a[96], b[96];
        return ir_fail(t, BJ_ERR_SHAPE, "broadcast_to: cannot broadcast %s to %s", TYPE(a, x),
                       core_fmt_type(b, sizeof b, x->dtype, rank, shape));
    }
    if (rank == x->rank && (!rank || !memcmp(shape, x->shape, sizeof(int64_t) * (size_t)rank))) return x;
    return node(t, IR_BROADCAST_TO, x->dtype, rank, shape, x->weak, 1, &x, 0, NULL);
}

ir_node *ir_transpose(ir_trace *t, ir_node *x, const int *perm) {
    if (t->status) return NULL;
    int64_t p[BJ_MAX_RANK], s[BJ_MAX_RANK];
    bool seen[BJ_MAX_RANK] = {0}, ident = true;
    for (int i = 0; i < x->rank; i++) {
        int a = perm ? perm[i] : x->rank - 1 - i;
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank || seen[a])
            return ir_fail(t, BJ_ERR_ARG, "transpose: perm is not a permutation of 0..%d (entry %d is %d)",
                           x->rank - 1, i, perm ? perm[i] : a);
        seen[a] = true, p[i] = a, s[i] = x->shape[a], ident &= a == i;
    }
    if (ident) return x;
    return node(t, IR_TRANSPOSE, x->dtype, x->rank, s, x->weak, 1, &x, x->rank, p);
}

ir_node *ir_concatenate(ir_trace *t, ir_node *const *xs, int n, int axis) {
    if (t->status) return NULL;
    if (n < 1) return ir_fail(t, BJ_ERR_ARG, "concatenate: needs at least one array, got %d", n);
    if (!ir_norm_axis(t, "concatenate", &axis, xs[0]->rank)) return NULL;
    bj_dtype d = xs[0]->dtype;
    bool weak = xs[0]->weak;
    int64_t s[BJ_MAX_RANK];
    memcpy(s, xs[0]->shape, sizeof s);
    s[axis] = 0;
    for (int i = 0; i < n; i++) {
        bool ok = xs[i]->rank == xs[0]->rank;
        for (int k = 0; ok && k < xs[0]->rank; k++) ok = k == axis || xs[i]->shape[k] == xs[0]->shape[k];
        if (!ok) {
            char a[96], b[96];
            return ir_fail(t, BJ_ERR_SHAPE, "concatenate: array %d is %s, array 0 is %s (only axis %d may differ)",
                           i, TYPE(a, xs[i]), TYPE(b, xs[0]), axis);
        }
        s[axis] += xs[i]->shape[axis];
        if (i) d = bj_promote(d, weak, xs[i]->dtype, xs[i]->weak, &weak);
    }
    ir_node **ys = core_arena_alloc(&t->arena, sizeof *ys * (size_t)n);
    if (!ys) return ir_fail(t, BJ_ERR_NOMEM, "concatenate: out of memory");
    for (int i = 0; i < n; i++)
        if (!(ys[i] = convert(t, "concatenate", xs[i], d, weak))) return NULL;
    if (n == 1) return ys[0];
    int64_t a = axis;
    return node(t, IR_CONCATENATE, d, xs[0]->rank, s, weak, n, ys, 1, &a);
}

/* Python's slice.indices(): clip start/stop into the axis and count the elements. */
static int64_t slice_len(int64_t n, int64_t *start, int64_t stop, int64_t step) {
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
    int64_t s = *start, e = stop;
    if (s == BJ_END) s = step > 0 ? lo : hi;
    else if (s < 0) s = s + n < lo ? lo : s + n;
    else if (s > hi) s = hi;
    if (e == BJ_END) e = step > 0 ? hi : lo;
    else if (e < 0) e = e + n < lo ? lo : e + n;
    else if (e > hi) e = hi;
    *start = s;
    int64_t span = step > 0 ? e - s : s - e, mag = step > 0 ? step : -step; /* no overflow: |span| <= n + 1 */
    return span > 0 ? 1 + (span - 1) / mag : 0;
}

ir_node *ir_slice(ir_trace *t, ir_node *x, const int64_t *start, const int64_t *stop, const int64_t *step) {
    if (t->status) return NULL;
    int64_t attr[2 * BJ_MAX_RANK], s[BJ_MAX_RANK];
    bool ident = true;
    for (int i = 0; i < x->rank; i++) {
        int64_t st = start ? start[i] : BJ_END, sp = step ? step[i] : 1, e = stop ? stop[i] : BJ_END;
        if (sp == 0) return ir_fail(t, BJ_ERR_ARG, "slice: step of axis %d is 0", i);
        if (sp == INT64_MIN) return ir_fail(t, BJ_ERR_ARG, "slice: step of axis %d is too large", i);
        s[i] = slice_len(x->shape[i], &st, e, sp);
        if (s[i] == 0) st = 0;
        attr[2 * i] = st, attr[2 * i + 1] = sp;
        ident &= s[i] == x->shape[i] && (st == 0 && sp == 1);
    }
    if (ident) return x;
    return node(t, IR_SLICE, x->dtype, x->rank, s, x->weak, 1, &x, 2 * x->rank, attr);
}

static bool index_scalars(ir_trace *t, const char *op, ir_node *const *starts, int n, ir_node **out) {
    for (int i = 0; i < n; i++) {
        ir_node *s = starts ? starts[i] : NULL;
        if (!s) return ir_fail(t, BJ_ERR_ARG, "%s: start index %d is NULL", op, i), false;
        if (!ir_node_live(s)) return ir_fail(t, BJ_ERR_HANDLE, "%s: start index %d %s", op, i, ir_node_why(s)), false;
        if (s->trace != t) return ir_fail(t, BJ_ERR_TRACE, "%s: start index %d is from another trace", op, i), false;
        if (s->rank != 0 || !(ir_is_int(s->dtype))) {
            char a[96];
            return ir_fail(t, BJ_ERR_DTYPE, "%s: start index %d must be an integer scalar, got %s", op, i, TYPE(a, s)),
                   false;
        }
        out[i] = convert(t, op, s, BJ_I64, false);
        if (!out[i]) return false;
    }
    return true;
}

ir_node *ir_dynamic_slice(ir_trace *t, ir_node *x, ir_node *const *starts, const int64_t *sizes) {
    if (t->status) return NULL;
    ir_node *in[1 + BJ_MAX_RANK] = {x};
    if (x->rank && !sizes) return ir_fail(t, BJ_ERR_ARG, "dynamic_slice: sizes is NULL");
    for (int i = 0; i < x->rank; i++)
        if (sizes[i] < 0 || sizes[i] > x->shape[i]) {
            char a[96];
            return ir_fail(t, BJ_ERR_SHAPE, "dynamic_slice: size %lld of axis %d does not fit in %s",
                           (long long)sizes[i], i, TYPE(a, x));
        }
    if (!index_scalars(t, "dynamic_slice", starts, x->rank, in + 1)) return NULL;
    return node(t, IR_DYNAMIC_SLICE, x->dtype, x->rank, sizes, x->weak, 1 + x->rank, in, 0, NULL);
}

ir_node *ir_dynamic_update_slice(ir_trace *t, ir_node *x, ir_node *upd, ir_node *const *starts) {
    if (t->status) return NULL;
    bool ok = upd->rank == x->rank;
    for (int i = 0; ok && i < x->rank; i++) ok = upd->shape[i] <= x->shape[i];
    if (!ok) {
        char a[96], b[96];
        return ir_fail(t, BJ_ERR_SHAPE, "dynamic_update_slice: update %s does not fit in %s", TYPE(a, upd),
                       TYPE(b, x));
    }
    ir_node *in[2 + BJ_MAX_RANK] = {x, convert(t, "dynamic_update_slice", upd, x->dtype, x->weak)};
    if (!in[1] || !index_scalars(t, "dynamic_update_slice", starts, x->rank, in + 2)) return NULL;
    return node(t, IR_DYNAMIC_UPDATE_SLICE, x->dtype, x->rank, x->shape, x->weak, 2 + x->rank, in, 0, NULL);
}

/* Sorted unique normalised axes; naxes 0 means all. Returns the count or -1 (error recorded). */
static int norm_axes(ir_trace *t, const char *op, int naxes, const int *axes, int rank, int64_t *out) {
    bool on[BJ_MAX_RANK] = {0};
    if (naxes < 0 || naxes > BJ_MAX_RANK || (naxes && !axes))
        return ir_fail(t, BJ_ERR_ARG, "%s: %d axes given%s", op, naxes, axes ? "" : " (axes is NULL)"), -1;
    for (int i = 0; i < naxes; i++) {
        int a = axes[i];
        if (!ir_norm_axis(t, op, &a, rank)) return -1;
        if (on[a]) return ir_fail(t, BJ_ERR_ARG, "%s: axis %d is repeated", op, axes[i]), -1;
        on[a] = true;
    }
    int n = 0;
    for (int a = 0; a < rank; a++)
        if (on[a] || !naxes) out[n++] = a;
    return n;
}

ir_node *ir_flip(ir_trace *t, ir_node *x, int naxes, const int *axes) {
    if (t->status) return NULL;
    int64_t ax[BJ_MAX_RANK];
    int n = norm_axes(t, "flip", naxes, axes, x->rank, ax);
    if (n < 0) return NULL;
    if (n == 0) return x;
    return node(t, IR_FLIP, x->dtype, x->rank, x->shape, x->weak, 1, &x, n, ax);
}

/* ---------------------------------------------------------------- indexing */
static bool gathered_shape(ir_trace *t, const char *op, ir_node *x, ir_node *idx, int axis, int *rank, int64_t *s) {
    if (!ir_is_int(idx->dtype)) {
        char a[96];
        return ir_fail(t, BJ_ERR_DTYPE, "%s: indices must be integers, got %s", op, TYPE(a, idx)), false;
    }
    *rank = x->rank - 1 + idx->rank;
    if (*rank > BJ_MAX_RANK)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: result rank %d exceeds %d", op, *rank, BJ_MAX_RANK), false;
    int k = 0;
    for (int i = 0; i < axis; i++) s[k++] = x->shape[i];
    for (int i = 0; i < idx->rank; i++) s[k++] = idx->shape[i];
    for (int i = axis + 1; i < x->rank; i++) s[k++] = x->shape[i];
    return true;
}

ir_node *ir_take(ir_trace *t, ir_node *x, ir_node *idx, int axis) {
    if (t->status || !ir_norm_axis(t, "take", &axis, x->rank)) return NULL;
    int rank;
    int64_t s[BJ_MAX_RANK];
    if (!gathered_shape(t, "take", x, idx, axis, &rank, s)) return NULL;
    if (x->shape[axis] == 0 && ir_nelem(idx) > 0)
        return ir_fail(t, BJ_ERR_SHAPE, "take: axis %d has size 0, nothing to take from", axis);
    ir_node *in[2] = {x, idx};
    int64_t a = axis;
    return node(t, IR_TAKE, x->dtype, rank, s, x->weak, 2, in, 1, &a);
}

ir_node *ir_scatter(ir_trace *t, ir_op op, ir_node *x, ir_node *idx, ir_node *upd, int axis) {
    if (t->status || !ir_norm_axis(t, opname(op), &axis, x->rank)) return NULL;
    int rank;
    int64_t s[BJ_MAX_RANK];
    if (!gathered_shape(t, opname(op), x, idx, axis, &rank, s)) return NULL;
    if (op == IR_SCATTER_ADD && x->dtype == BJ_BOOL)
        return ir_fail(t, BJ_ERR_DTYPE, "scatter_add: bool operands are not supported; use scatter_set");
    int br;
    int64_t bs[BJ_MAX_RANK];
    if (upd->rank > rank || !ir_broadcast_shapes(upd->rank, upd->shape, rank, s, &br, bs) ||
        memcmp(bs, s, sizeof(int64_t) * (size_t)rank)) {
        char a[96], b[96];
        return ir_fail(t, BJ_ERR_SHAPE, "%s: updates %s do not broadcast to %s", opname(op), TYPE(a, upd),
                       core_fmt_type(b, sizeof b, x->dtype, rank, s));
    }
    ir_node *u = ir_broadcast_to(t, upd, rank, s);
    if (!u) return NULL;
    ir_node *in[3] = {x, idx, convert(t, opname(op), u, x->dtype, x->weak)};
    if (!in[2]) return NULL;
    int64_t a = axis;
    return node(t, op, x->dtype, x->rank, x->shape, x->weak, 3, in, 1, &a);
}

/* ---------------------------------------------------------------- reductions, scans, matmul */
ir_node *ir_reduce(ir_trace *t, ir_op op, ir_node *x, int naxes, const int *axes, bool keepdims) {
    if (t->status) return NULL;
    int64_t attr[1 + BJ_MAX_RANK], s[BJ_MAX_RANK];
    int n = norm_axes(t, opname(op), naxes, axes, x->rank, attr + 1);
    if (n < 0) return NULL;
    attr[0] = keepdims;
    bool on[BJ_MAX_RANK] = {0};
    for (int i = 0; i < n; i++) on[attr[1 + i]] = true;
    int rank = 0;
    for (int i = 0; i < x->rank; i++) {
        if (on[i] && x->shape[i] == 0 && (op == IR_MAX || op == IR_MIN))
            return ir_fail(t, BJ_ERR_SHAPE, "%s: axis %d has size 0 and the reduction has no identity", opname(op), i);
        if (!on[i]) s[rank++] = x->shape[i];
        else if (keepdims) s[rank++] = 1;
    }
    if (op == IR_ANY || op == IR_ALL) x = convert(t, opname(op), x, BJ_BOOL, false);
    else if (op == IR_MEAN && !ir_is_float(x->dtype)) x = convert(t, opname(op), x, ir_inexact(t, x->dtype), false);
    else if ((op == IR_SUM || op == IR_PROD) && (x->dtype == BJ_BOOL || (t->x64 && x->dtype == BJ_I32)))
        x = convert(t, opname(op), x, ir_default_int(t), false); /* JAX's promote_integers (no uint64 here) */
    if (!x) return NULL;
    return node(t, op, x->dtype, rank, s, false, 1, &x, 1 + n, attr);
}

/* Positions (argmax, argmin, argsort) are computed in int32 and given in the default int, as JAX's int_. */
static ir_node *positions(ir_trace *t, ir_node *r) {
    return r ? convert(t, "positions", r, ir_default_int(t), false) : NULL;
}

ir_node *ir_argreduce(ir_trace *t, ir_op op, ir_node *x, int axis, bool keepdims) {
    if (t->status || !ir_norm_axis(t, opname(op), &axis, x->rank)) return NULL;
    if (x->shape[axis] == 0) return ir_fail(t, BJ_ERR_SHAPE, "%s: axis %d has size 0", opname(op), axis);
    int64_t s[BJ_MAX_RANK], attr[2] = {keepdims, axis};
    int rank = 0;
    for (int i = 0; i < x->rank; i++)
        if (i != axis) s[rank++] = x->shape[i];
        else if (keepdims) s[rank++] = 1;
    return positions(t, node(t, op, BJ_I32, rank, s, false, 1, &x, 2, attr));
}

ir_node *ir_scan(ir_trace *t, ir_op op, ir_node *x, int axis) {
    if (t->status || !ir_norm_axis(t, opname(op), &axis, x->rank)) return NULL;
    if (x->dtype == BJ_BOOL) x = convert(t, opname(op), x, ir_default_int(t), false);
    if (!x) return NULL;
    int64_t a = axis;
    return node(t, op, x->dtype, x->rank, x->shape, false, 1, &x, 1, &a);
}

ir_node *ir_sort(ir_trace *t, ir_op op, ir_node *x, int axis) {
    if (t->status || !ir_norm_axis(t, opname(op), &axis, x->rank)) return NULL;
    if (x->shape[axis] > INT32_MAX) /* positions are int32 */
        return ir_fail(t, BJ_ERR_SHAPE, "%s: axis %d has %lld elements; at most %d are supported", opname(op), axis,
                       (long long)x->shape[axis], INT32_MAX);
    int64_t a = axis;
    bool arg = op == IR_ARGSORT;
    ir_node *r = node(t, op, arg ? BJ_I32 : x->dtype, x->rank, x->shape, !arg && x->weak, 1, &x, 1, &a);
    return arg ? positions(t, r) : r;
}

ir_node *ir_nonzero(ir_trace *t, ir_node *x, int64_t size, int64_t fill) {
    if (t->status) return NULL;
    char tx[96];
    if (size < 0 || size > INT32_MAX)
        return ir_fail(t, BJ_ERR_ARG, "nonzero: size must be in [0, %d], got %lld", INT32_MAX, (long long)size);
    if (fill < INT32_MIN || fill > INT32_MAX)
        return ir_fail(t, BJ_ERR_ARG, "nonzero: fill_value must fit in int32, got %lld", (long long)fill);
    if (ir_nelem(x) > INT32_MAX) /* indices are int32 */
        return ir_fail(t, BJ_ERR_SHAPE, "nonzero: %s has more than %d elements", TYPE(tx, x), INT32_MAX);
    int64_t attr[2] = {size, fill};
    return positions(t, node(t, IR_NONZERO, BJ_I32, 1, &size, false, 1, &x, 2, attr));
}

ir_node *ir_matmul(ir_trace *t, ir_node *a, ir_node *b) {
    if (t->status) return NULL;
    char ta[96], tb[96];
    if (a->rank < 2 || b->rank < 2)
        return ir_fail(t, BJ_ERR_SHAPE, "matmul: operands must have rank >= 2 here, got %s and %s", TYPE(ta, a),
                       TYPE(tb, b));
    int64_t n = a->shape[a->rank - 2], k = a->shape[a->rank - 1], k2 = b->shape[b->rank - 2],
            m = b->shape[b->rank - 1];
    if (k != k2)
        return ir_fail(t, BJ_ERR_SHAPE, "matmul: contraction dims differ: %s and %s (%lld vs %lld)", TYPE(ta, a),
                       TYPE(tb, b), (long long)k, (long long)k2);
    int rank;
    int64_t s[BJ_MAX_RANK];
    if (!ir_broadcast_shapes(a->rank - 2, a->shape, b->rank - 2, b->shape, &rank, s))
        return ir_fail(t, BJ_ERR_SHAPE, "matmul: batch dims of %s and %s cannot be broadcast", TYPE(ta, a),
                       TYPE(tb, b));
    if (rank + 2 > BJ_MAX_RANK) return ir_fail(t, BJ_ERR_SHAPE, "matmul: result rank exceeds %d", BJ_MAX_RANK);
    s[rank] = n, s[rank + 1] = m;
    bool weak;
    bj_dtype d = bj_promote(a->dtype, a->weak, b->dtype, b->weak, &weak);
    if (!check_flags(t, IR_MATMUL, d, a, b)) return NULL;
    ir_node *in[2] = {convert(t, "matmul", a, d, weak), convert(t, "matmul", b, d, weak)};
    if (!in[0] || !in[1]) return NULL;
    return node(t, IR_MATMUL, d, rank + 2, s, weak, 2, in, 0, NULL);
}
