/* sparse_api.c — the public sparse connectivity ops: csrmv and event_csrmv over a stored CSR matrix, and the
 * procedural (just-in-time connectivity) jitconn_mv and jitconn_event_mv, with one weight or (the _uniform and
 * _normal variants) a weight per synapse drawn from the seed. Rules and checks: src/ir/build_sparse.c. */
#include "ir/build_sparse.h"
#include "trace/trace.h"

/* The trace of value operand v (checked live), or NULL with the error set. */
static ir_trace *trace_of_val(const bj_val *v, const char *op, const char *what) {
    if (!v) return core_err(BJ_ERR_ARG, "%s: %s is NULL (an earlier op failed?)", op, what), NULL;
    if (!ir_node_live(v)) return core_err(BJ_ERR_HANDLE, "%s: %s %s", op, what, ir_node_why(v)), NULL;
    if (!core_handle_live(v->trace, CORE_H_TRACE))
        return core_err(BJ_ERR_TRACE, "%s: %s belongs to a trace that was finished or freed", op, what), NULL;
    return v->trace;
}

/* A weight operand: a traced value of t, or a C number (a weakly typed literal). */
static ir_node *weight_of(ir_trace *t, bj_in w, const char *op) {
    switch (w.kind) {
    case 0: return val_of(t, w.v, op);
    case 1: return ir_lit(t, ir_default_float(t), true, w.f, 0);
    case 2: return ir_lit(t, ir_weak_int_dtype(t->x64, w.i), true, 0, w.i);
    case 3: return ir_fail(t, BJ_ERR_DTYPE, "%s: a weight must be a number or a traced value, got a C bool", op);
    default: return ir_fail(t, BJ_ERR_ARG, "%s: the weight operand has an invalid kind %d", op, w.kind);
    }
}

static bj_val *csr(ir_op op, bj_val *indptr, bj_val *indices, bj_in w, bj_val *x, int64_t n_post) {
    const char *name = ir_ops[op].name;
    ir_trace *t = trace_of_val(indptr, name, "indptr");
    if (!t || t->status) return NULL;
    if (!val_of(t, indices, name) || !val_of(t, x, name)) return NULL;
    ir_node *wn = weight_of(t, w, name);
    return wn ? ir_csrmv(t, op, indptr, indices, wn, x, n_post) : NULL;
}

bj_val *bj_csrmv_in(bj_val *indptr, bj_val *indices, bj_in weights, bj_val *x, int64_t n_post) {
    return csr(IR_CSRMV, indptr, indices, weights, x, n_post);
}

bj_val *bj_event_csrmv_in(bj_val *indptr, bj_val *indices, bj_in weights, bj_val *spikes, int64_t n_post) {
    return csr(IR_EVENT_CSRMV, indptr, indices, weights, spikes, n_post);
}

static bj_val *jitconn(ir_op op, bj_val *x, bj_in w, double p, uint64_t seed, int64_t n_post, bool allow_self) {
    const char *name = ir_ops[op].name;
    ir_trace *t = trace_of_val(x, name, ir_jitconn_is_event(op) ? "spikes" : "x");
    if (!t || t->status) return NULL;
    ir_node *wn = weight_of(t, w, name);
    return wn ? ir_jitconn(t, op, x, wn, p, seed, n_post, allow_self) : NULL;
}

bj_val *bj_jitconn_mv_in(bj_val *x, bj_in weight, double p, uint64_t seed, int64_t n_post, bool allow_self) {
    return jitconn(IR_JITCONN_MV, x, weight, p, seed, n_post, allow_self);
}

bj_val *bj_jitconn_event_mv_in(bj_val *spikes, bj_in weight, double p, uint64_t seed, int64_t n_post,
                               bool allow_self) {
    return jitconn(IR_JITCONN_EVENT_MV, spikes, weight, p, seed, n_post, allow_self);
}

static bj_val *jitconn_w(ir_op op, bj_val *x, bj_in a, bj_in b, double p, uint64_t seed, int64_t n_post,
                         bool allow_self) {
    const char *name = ir_ops[op].name;
    ir_trace *t = trace_of_val(x, name, ir_jitconn_is_event(op) ? "spikes" : "x");
    if (!t || t->status) return NULL;
    ir_node *an = weight_of(t, a, name), *bn = an ? weight_of(t, b, name) : NULL;
    return bn ? ir_jitconn_w(t, op, x, an, bn, p, seed, n_post, allow_self) : NULL;
}

bj_val *bj_jitconn_mv_uniform_in(bj_val *x, bj_in w_low, bj_in w_high, double p, uint64_t seed, int64_t n_post,
                                 bool allow_self) {
    return jitconn_w(IR_JITCONN_MV_UNIFORM, x, w_low, w_high, p, seed, n_post, allow_self);
}

bj_val *bj_jitconn_mv_normal_in(bj_val *x, bj_in mu, bj_in sigma, double p, uint64_t seed, int64_t n_post,
                                bool allow_self) {
    return jitconn_w(IR_JITCONN_MV_NORMAL, x, mu, sigma, p, seed, n_post, allow_self);
}

bj_val *bj_jitconn_event_mv_uniform_in(bj_val *spikes, bj_in w_low, bj_in w_high, double p, uint64_t seed,
                                       int64_t n_post, bool allow_self) {
    return jitconn_w(IR_JITCONN_EVENT_MV_UNIFORM, spikes, w_low, w_high, p, seed, n_post, allow_self);
}

bj_val *bj_jitconn_event_mv_normal_in(bj_val *spikes, bj_in mu, bj_in sigma, double p, uint64_t seed, int64_t n_post,
                                      bool allow_self) {
    return jitconn_w(IR_JITCONN_EVENT_MV_NORMAL, spikes, mu, sigma, p, seed, n_post, allow_self);
}
