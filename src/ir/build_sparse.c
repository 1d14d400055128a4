/* build_sparse.c — the dtype and shape rules of the sparse connectivity ops (see build_sparse.h, docs/ops.md).
 *
 * The CSR operands are data, not types: their values are checked here only when they are constants (a network
 * baked into the graph); at run time both backends give the same defined result for any contents (a row's range is
 * clamped into [0, nnz], targets outside [0, n_post) are dropped), so a bad matrix can never read or write out of
 * bounds. Operands are normalised as elementwise ops are: weights and x carry the result's float dtype. */
#include "ir/build.h"
#include "ir/build_sparse.h"

#include <math.h>

#define TYPE(buf, n) core_fmt_type(buf, sizeof buf, (bj_dtype)(n)->dtype, (n)->rank, (n)->shape)
static const char *opname(ir_op op) { return ir_ops[op].name; }

/* x in dtype d, strongly typed (a weak literal is re-made in d; a value gets a cast). */
static ir_node *as_dtype(ir_trace *t, ir_node *x, bj_dtype d) {
    if (!x || (x->dtype == d && !x->weak)) return x;
    return ir_cast(t, x, d);
}

static bool is_vector(const ir_node *x) { return x->rank == 1; }

/* Element i of a constant integer vector. */
static int64_t const_at(const ir_node *c, int64_t i) {
    switch ((bj_dtype)c->dtype) {
    case BJ_I32: return ((const int32_t *)c->data)[i];
    case BJ_U32: return ((const uint32_t *)c->data)[i];
    default: return ((const int64_t *)c->data)[i];
    }
}

/* The contents of constant CSR operands. */
static bool csr_contents_ok(ir_trace *t, ir_op op, const ir_node *indptr, const ir_node *indices, int64_t n_post) {
    int64_t nnz = indices->shape[0];
    if (indptr->op == IR_CONST)
        for (int64_t i = 0; i < indptr->shape[0]; i++) {
            int64_t v = const_at(indptr, i);
            if (v < 0 || v > nnz)
                return ir_fail(t, BJ_ERR_ARG, "%s: indptr[%lld] = %lld is outside [0, %lld] (nnz, the length of indices)",
                               opname(op), (long long)i, (long long)v, (long long)nnz), false;
            if (i && v < const_at(indptr, i - 1))
                return ir_fail(t, BJ_ERR_ARG, "%s: indptr decreases at %lld (%lld after %lld)", opname(op), (long long)i,
                               (long long)v, (long long)const_at(indptr, i - 1)), false;
        }
    if (indices->op == IR_CONST)
        for (int64_t k = 0; k < nnz; k++) {
            int64_t v = const_at(indices, k);
            if (v < 0 || v >= n_post)
                return ir_fail(t, BJ_ERR_ARG, "%s: indices[%lld] = %lld is outside [0, %lld) (n_post)", opname(op),
                               (long long)k, (long long)v, (long long)n_post), false;
        }
    return true;
}

static bool n_post_ok(ir_trace *t, ir_op op, int64_t n_post, int64_t max) {
    if (n_post >= 0 && n_post <= max) return true;
    return ir_fail(t, n_post < 0 ? BJ_ERR_ARG : BJ_ERR_SHAPE, "%s: n_post is %lld; it must be in [0, %lld]", opname(op),
                   (long long)n_post, (long long)max), false;
}

/* The result dtype from the weights (and x for the non-event ops): promoted, then made a float (ir_inexact). */
static bj_dtype result_dtype(const ir_trace *t, ir_node *w, ir_node *x, bool event) {
    bool weak;
    bj_dtype d = event ? (bj_dtype)w->dtype : bj_promote((bj_dtype)w->dtype, w->weak, (bj_dtype)x->dtype, x->weak, &weak);
    return ir_inexact(t, d);
}

ir_node *ir_csrmv(ir_trace *t, ir_op op, ir_node *indptr, ir_node *indices, ir_node *w, ir_node *x, int64_t n_post) {
    if (t->status) return NULL;
    bool event = op == IR_EVENT_CSRMV;
    char a[96], b[96];
    const char *xname = event ? "spikes" : "x";
    if (!is_vector(x) || (event && x->dtype != BJ_BOOL))
        return ir_fail(t, event ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "%s: %s must be a %svector, got %s%s", opname(op), xname,
                       event ? "bool " : "", TYPE(a, x),
                       event && is_vector(x) ? " (compare with a threshold, or use csrmv for graded input)" : "");
    if (!n_post_ok(t, op, n_post, INT64_MAX / 16)) return NULL;
    int64_t n_pre = x->shape[0];
    if (!is_vector(indptr) || !ir_is_int((bj_dtype)indptr->dtype) || indptr->shape[0] != n_pre + 1)
        return ir_fail(t, is_vector(indptr) && !ir_is_int((bj_dtype)indptr->dtype) ? BJ_ERR_DTYPE : BJ_ERR_SHAPE,
                       "%s: indptr must be an integer vector of length n_pre + 1 = %lld (%s is %s), got %s", opname(op),
                       (long long)(n_pre + 1), xname, TYPE(b, x), TYPE(a, indptr));
    if (!is_vector(indices) || !ir_is_int((bj_dtype)indices->dtype))
        return ir_fail(t, is_vector(indices) ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "%s: indices must be an integer vector, got %s",
                       opname(op), TYPE(a, indices));
    int64_t nnz = indices->shape[0];
    if (!(w->rank == 0 || (is_vector(w) && w->shape[0] == nnz)))
        return ir_fail(t, BJ_ERR_SHAPE, "%s: weights must be a scalar or one per synapse ([%lld], as indices %s), got %s",
                       opname(op), (long long)nnz, TYPE(b, indices), TYPE(a, w));
    if (!csr_contents_ok(t, op, indptr, indices, n_post)) return NULL;
    bj_dtype d = result_dtype(t, w, x, event);
    ir_node *in[4] = {indptr, indices, as_dtype(t, w, d), event ? x : as_dtype(t, x, d)};
    if (!in[2] || !in[3]) return NULL;
    return ir_intern(t, &(ir_proto){.op = op, .dtype = d, .rank = 1, .shape = &n_post, .nin = 4, .in = in});
}

/* The checks every procedural op shares: x (spikes) a vector (bool for the event ops) of at most IR_CONN_MAX_N
 * neurons, n_post in [0, IR_CONN_MAX_N], p in [0, 1]. */
static bool jitconn_ok(ir_trace *t, ir_op op, ir_node *x, double p, int64_t n_post) {
    bool event = ir_jitconn_is_event(op);
    char a[96];
    const char *xname = event ? "spikes" : "x";
    if (!is_vector(x) || (event && x->dtype != BJ_BOOL))
        return ir_fail(t, event ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "%s: %s must be a %svector, got %s", opname(op), xname,
                       event ? "bool " : "", TYPE(a, x)), false;
    if (x->shape[0] > IR_CONN_MAX_N)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: %s has %lld neurons; at most %lld are supported", opname(op), xname,
                       (long long)x->shape[0], (long long)IR_CONN_MAX_N), false;
    if (!n_post_ok(t, op, n_post, IR_CONN_MAX_N)) return false;
    if (!(p >= 0 && p <= 1)) return ir_fail(t, BJ_ERR_ARG, "%s: p = %g is outside [0, 1]", opname(op), p), false;
    return true;
}

static ir_node *jitconn_node(ir_trace *t, ir_op op, bj_dtype d, ir_node *const *in, int nin, double p, uint64_t seed,
                             int64_t n_post, bool allow_self) {
    for (int i = 0; i < nin; i++)
        if (!in[i]) return NULL;
    if (p == 0) p = 0; /* -0.0 is 0 */
    int64_t attr[3] = {0, 0, allow_self};
    memcpy(&attr[0], &seed, sizeof seed);
    memcpy(&attr[1], &p, sizeof p);
    return ir_intern(t, &(ir_proto){.op = op, .dtype = d, .rank = 1, .shape = &n_post, .nin = nin, .in = in,
                                    .nattr = 3, .attr = attr});
}

ir_node *ir_jitconn(ir_trace *t, ir_op op, ir_node *x, ir_node *w, double p, uint64_t seed, int64_t n_post,
                    bool allow_self) {
    if (t->status || !jitconn_ok(t, op, x, p, n_post)) return NULL;
    bool event = ir_jitconn_is_event(op);
    char a[96];
    if (w->rank != 0)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: weight must be a scalar (one weight for every synapse), got %s", opname(op),
                       TYPE(a, w));
    bj_dtype d = result_dtype(t, w, x, event);
    ir_node *in[2] = {event ? x : as_dtype(t, x, d), as_dtype(t, w, d)};
    return jitconn_node(t, op, d, in, 2, p, seed, n_post, allow_self);
}

/* The value of a literal operand (C number), for the checks made when a parameter is known at trace time. */
static double lit_value(const ir_node *n) { return ir_is_float((bj_dtype)n->dtype) ? n->fval : (double)n->ival; }

ir_node *ir_jitconn_w(ir_trace *t, ir_op op, ir_node *x, ir_node *wa, ir_node *wb, double p, uint64_t seed,
                      int64_t n_post, bool allow_self) {
    if (t->status || !jitconn_ok(t, op, x, p, n_post)) return NULL;
    int dist = ir_jitconn_dist(op);
    bool event = ir_jitconn_is_event(op);
    const char *na = dist == IR_JITCONN_UNIFORM ? "w_low" : "mu", *nb = dist == IR_JITCONN_UNIFORM ? "w_high" : "sigma";
    char a[96];
    if (dist == IR_JITCONN_HOMOGENEOUS) return ir_fail(t, BJ_ERR_INTERNAL, "%s: not a random-weight op", opname(op));
    if (wa->rank != 0 || wb->rank != 0)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: %s must be a scalar (the weights' distribution is shared by every synapse), "
                       "got %s", opname(op), wa->rank ? na : nb, TYPE(a, wa->rank ? wa : wb));
    if (wa->dtype == BJ_BOOL || wb->dtype == BJ_BOOL)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: %s must be a number, got bool", opname(op), wa->dtype == BJ_BOOL ? na : nb);
    bool weak;
    bj_dtype d = bj_promote((bj_dtype)wa->dtype, wa->weak, (bj_dtype)wb->dtype, wb->weak, &weak);
    if (!event) d = bj_promote(d, weak, (bj_dtype)x->dtype, x->weak, &weak);
    d = ir_inexact(t, d);
    ir_node *in[3] = {event ? x : as_dtype(t, x, d), as_dtype(t, wa, d), as_dtype(t, wb, d)};
    if (!in[0] || !in[1] || !in[2]) return NULL;
    /* C numbers are checked as the kernel will see them: converted to the result's dtype (1e300 is inf in float32) */
    bool ka = in[1]->op == IR_LIT, kb = in[2]->op == IR_LIT;
    double va = ka ? lit_value(in[1]) : 0, vb = kb ? lit_value(in[2]) : 0;
    if ((ka && !isfinite(va)) || (kb && !isfinite(vb)))
        return ir_fail(t, BJ_ERR_ARG, "%s: %s = %g must be finite in %s", opname(op), ka && !isfinite(va) ? na : nb,
                       ka && !isfinite(va) ? va : vb, bj_dtype_name(d));
    if (dist == IR_JITCONN_UNIFORM && ka && kb && va > vb)
        return ir_fail(t, BJ_ERR_ARG, "%s: w_low = %g is above w_high = %g", opname(op), va, vb);
    if (dist == IR_JITCONN_NORMAL && kb && vb < 0)
        return ir_fail(t, BJ_ERR_ARG, "%s: sigma = %g is negative", opname(op), vb);
    return jitconn_node(t, op, d, in, 3, p, seed, n_post, allow_self);
}
