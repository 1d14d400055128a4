/* sparse.c — the interpreter's sparse connectivity ops, the definition the generated kernels (render_sparse.c)
 * follow bit for bit: y starts at +0.0; presynaptic neurons are visited in ascending order, each row's synapses in
 * stored (or generated) order, and every contribution is one add into y[post] in the result's dtype (csrmv and
 * jitconn_mv first round the product w * x[pre] in that dtype). A row's range [indptr[i], indptr[i + 1]) is clamped
 * into [0, nnz] (its end to no less than its start) and synapses whose target lies outside [0, n_post) are dropped,
 * so any CSR contents give a defined result. The random-weight jitconn ops run bjconn.h's row functions, the code
 * the generated kernels call. */
#include "backend/interp/interp.h"
#include "core/bjconn.h"
#include "ir/build_sparse.h"

/* y[j] += v (v already rounded to y's dtype). */
static inline void add_at(bj_array *y, int64_t j, double v32or64) {
    if (y->dtype == BJ_F32) INTERP_F32P(y)[j] += (float)v32or64;
    else INTERP_F64P(y)[j] += v32or64;
}

/* w * x[i] (x NULL: w) rounded in y's dtype; w is weight k (or the scalar weight when ws is 0-d). */
static inline double contribution(const bj_array *y, const bj_array *w, int64_t k, const bj_array *x, int64_t i) {
    int64_t wk = w->rank == 0 ? 0 : k;
    if (y->dtype == BJ_F32) {
        float v = INTERP_F32P(w)[wk];
        if (x) v = v * INTERP_F32P(x)[i];
        return v;
    }
    double v = INTERP_F64P(w)[wk];
    if (x) v = v * INTERP_F64P(x)[i];
    return v;
}

/* Whether row i is visited: every row for csrmv / jitconn_mv, spiking ones for the event ops. */
static inline bool visited(const bj_array *spikes, int64_t i) { return !spikes || ((const uint8_t *)spikes->data)[i]; }

static bj_status csr(const ir_node *n, bj_array *const *in, bj_array *y) {
    const bj_array *ip = in[0], *ix = in[1], *w = in[2], *x = in[3];
    bool event = n->op == IR_EVENT_CSRMV;
    int64_t n_pre = x->size, nnz = ix->size, n_post = y->size;
    if (ip->rank != 1 || ip->size != n_pre + 1 || interp_domain_of(ip->dtype) != INTERP_INT || ix->rank != 1 ||
        interp_domain_of(ix->dtype) != INTERP_INT || w->dtype != y->dtype || (w->rank && w->size != nnz) ||
        (event ? x->dtype != BJ_BOOL : x->dtype != y->dtype))
        return interp_fail(n, "operands do not fit");
    for (int64_t i = 0; i < n_pre; i++) {
        if (!visited(event ? x : NULL, i)) continue;
        int64_t s = interp_get_i(ip, i), e = interp_get_i(ip, i + 1);
        s = s < 0 ? 0 : s > nnz ? nnz : s;
        e = e < s ? s : e > nnz ? nnz : e;
        for (int64_t k = s; k < e; k++) {
            int64_t j = interp_get_i(ix, k);
            if (j < 0 || j >= n_post) continue;
            add_at(y, j, contribution(y, w, k, event ? NULL : x, i));
        }
    }
    return BJ_OK;
}

static bj_status jitconn(const ir_node *n, bj_array *const *in, bj_array *y) {
    const bj_array *x = in[0], *w = in[1];
    bool event = n->op == IR_JITCONN_EVENT_MV;
    uint64_t seed;
    double p;
    bool allow_self;
    if (!ir_jitconn_attrs(n, &seed, &p, &allow_self) || x->rank != 1 || w->rank != 0 || w->dtype != y->dtype ||
        (event ? x->dtype != BJ_BOOL : x->dtype != y->dtype))
        return interp_fail(n, "operands do not fit");
    bj_conn_rule rule;
    bj_conn_rule_init(&rule, seed, p, y->size, allow_self);
    for (int64_t i = event ? bj_next_spike(x->data, 0, x->size) : 0; i < x->size;
         i = event ? bj_next_spike(x->data, i + 1, x->size) : i + 1) {
        bj_conn_row row;
        bj_conn_row_begin(&rule, i, &row);
        double v = contribution(y, w, 0, event ? NULL : x, i);
        for (int64_t j; (j = bj_conn_row_next(&rule, &row)) >= 0;) add_at(y, j, v);
    }
    return BJ_OK;
}

/* The random-weight variants: each row through bjconn.h's bj_conn_row_add_*, the generated kernels' code. */
static bj_status jitconn_w(const ir_node *n, bj_array *const *in, bj_array *y) {
    const bj_array *x = in[0], *a = in[1], *b = in[2];
    bool event = ir_jitconn_is_event((ir_op)n->op), normal = ir_jitconn_dist((ir_op)n->op) == IR_JITCONN_NORMAL;
    uint64_t seed;
    double p;
    bool allow_self;
    if (!ir_jitconn_attrs(n, &seed, &p, &allow_self) || x->rank != 1 || a->rank != 0 || b->rank != 0 ||
        a->dtype != y->dtype || b->dtype != y->dtype || (event ? x->dtype != BJ_BOOL : x->dtype != y->dtype))
        return interp_fail(n, "operands do not fit");
    bj_conn_rule rule;
    bj_conn_rule_init(&rule, seed, p, y->size, allow_self);
    bool f32 = y->dtype == BJ_F32;
    for (int64_t i = event ? bj_next_spike(x->data, 0, x->size) : 0; i < x->size;
         i = event ? bj_next_spike(x->data, i + 1, x->size) : i + 1) {
        if (f32) {
            float xi = event ? 1.0f : INTERP_F32P(x)[i], wa = INTERP_F32P(a)[0], wb = INTERP_F32P(b)[0];
            (normal ? bj_conn_row_add_normal_f32 : bj_conn_row_add_uniform_f32)(&rule, i, xi, wa, wb, INTERP_F32P(y));
        } else {
            double xi = event ? 1.0 : INTERP_F64P(x)[i], wa = INTERP_F64P(a)[0], wb = INTERP_F64P(b)[0];
            (normal ? bj_conn_row_add_normal_f64 : bj_conn_row_add_uniform_f64)(&rule, i, xi, wa, wb, INTERP_F64P(y));
        }
    }
    return BJ_OK;
}

bj_status interp_sparse(const ir_node *n, bj_array *const *in, bj_array *out) {
    if (out->rank != 1 || !ir_is_float(out->dtype)) return interp_fail(n, "the result is not a float vector");
    switch ((ir_op)n->op) {
    case IR_CSRMV: case IR_EVENT_CSRMV: return csr(n, in, out);
    case IR_JITCONN_MV: case IR_JITCONN_EVENT_MV: return jitconn(n, in, out);
    case IR_JITCONN_MV_UNIFORM: case IR_JITCONN_MV_NORMAL: case IR_JITCONN_EVENT_MV_UNIFORM:
    case IR_JITCONN_EVENT_MV_NORMAL: return jitconn_w(n, in, out);
    default: return interp_fail(n, "not a sparse op");
    }
}
