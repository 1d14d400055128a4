/* build_sparse.h — builders of the sparse connectivity ops (csrmv, event_csrmv and the procedural jitconn_* ops):
 * their dtype and shape rules and operand checks (build_sparse.c), and the attribute layout of the procedural ops. */
#ifndef BJ_IR_BUILD_SPARSE_H
#define BJ_IR_BUILD_SPARSE_H

#include "ir/ir.h"

#include <string.h>

/* The largest population the procedural ops and the CSR builders accept (indices and pre numbers are 32-bit). */
#define IR_CONN_MAX_N INT32_MAX

/* CSRMV or EVENT_CSRMV (op) over a CSR (indptr [n_pre + 1], indices [nnz], integer dtypes), weights 0-d or [nnz],
 * and x [n_pre] (csrmv: any numeric dtype, promoted with the weights to a float dtype) or spikes bool [n_pre]
 * (event_csrmv: the weights' float dtype, float32 for ints and C scalars). Result [n_post]. Constant CSR operands
 * are checked here (indptr non-decreasing within [0, nnz], indices within [0, n_post)). */
BJ_HIDDEN ir_node *ir_csrmv(ir_trace *t, ir_op op, ir_node *indptr, ir_node *indices, ir_node *w, ir_node *x,
                            int64_t n_post);
/* JITCONN_MV (x [n_pre]) or JITCONN_EVENT_MV (spikes bool [n_pre]) with a 0-d weight, rows generated from
 * (seed, p, allow_self) as src/core/bjconn.h does. p in [0, 1]; n_pre, n_post <= IR_CONN_MAX_N. */
BJ_HIDDEN ir_node *ir_jitconn(ir_trace *t, ir_op op, ir_node *x, ir_node *w, double p, uint64_t seed, int64_t n_post,
                              bool allow_self);

/* JITCONN_MV_UNIFORM / _NORMAL (x [n_pre]) or JITCONN_EVENT_MV_UNIFORM / _NORMAL (spikes bool [n_pre]): the network
 * of ir_jitconn with a weight per synapse drawn from the seed, uniform in [a, b) or normal with mean a and standard
 * deviation b (0-d numbers; literals must be finite, with a <= b for uniform and b >= 0 for normal). The result
 * dtype is a and b promoted (and x for the non-event ops), float32 unless float64; every operand but spikes is
 * converted to it. */
BJ_HIDDEN ir_node *ir_jitconn_w(ir_trace *t, ir_op op, ir_node *x, ir_node *a, ir_node *b, double p, uint64_t seed,
                                int64_t n_post, bool allow_self);

/* The weights of a procedural op, and whether it reads spikes. */
enum { IR_JITCONN_HOMOGENEOUS, IR_JITCONN_UNIFORM, IR_JITCONN_NORMAL };
static inline int ir_jitconn_dist(ir_op op) {
    return op == IR_JITCONN_MV_UNIFORM || op == IR_JITCONN_EVENT_MV_UNIFORM ? IR_JITCONN_UNIFORM
           : op == IR_JITCONN_MV_NORMAL || op == IR_JITCONN_EVENT_MV_NORMAL ? IR_JITCONN_NORMAL
                                                                            : IR_JITCONN_HOMOGENEOUS;
}
static inline bool ir_jitconn_is_event(ir_op op) {
    return op == IR_JITCONN_EVENT_MV || op == IR_JITCONN_EVENT_MV_UNIFORM || op == IR_JITCONN_EVENT_MV_NORMAL;
}
static inline bool ir_is_jitconn(ir_op op) {
    return op == IR_JITCONN_MV || op == IR_JITCONN_EVENT_MV || ir_jitconn_dist(op) != IR_JITCONN_HOMOGENEOUS;
}

/* The attributes of a jitconn node (every procedural op): {seed bits, p bits, allow_self}. */
static inline bool ir_jitconn_attrs(const ir_node *n, uint64_t *seed, double *p, bool *allow_self) {
    if (n->nattr != 3) return false;
    memcpy(seed, &n->attr[0], sizeof *seed);
    memcpy(p, &n->attr[1], sizeof *p);
    *allow_self = n->attr[2] != 0;
    return true;
}
#endif
