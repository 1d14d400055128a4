/* build.h — node builders: each applies its op's dtype and shape rule, reports a mismatch at that op with both
 * types, inserts the casts that make operands agree, and interns the node. All take and return traced nodes and
 * return NULL once the trace is in an error state. */
#ifndef BJ_IR_BUILD_H
#define BJ_IR_BUILD_H

#include "ir/ir.h"

BJ_HIDDEN ir_node *ir_arg(ir_trace *t, const char *name, bj_dtype d, int rank, const int64_t *shape);
/* An argument that is weakly typed (a C scalar passed to a jit function as a dynamic argument). */
BJ_HIDDEN ir_node *ir_arg_weak(ir_trace *t, const char *name, bj_dtype d, int rank, const int64_t *shape, bool weak);
BJ_HIDDEN ir_node *ir_const(ir_trace *t, bj_dtype d, int rank, const int64_t *shape, const void *data);
BJ_HIDDEN ir_node *ir_lit(ir_trace *t, bj_dtype d, bool weak, double f, int64_t i);
BJ_HIDDEN ir_node *ir_full(ir_trace *t, const char *what, bj_dtype d, int rank, const int64_t *shape, double value);
BJ_HIDDEN ir_node *ir_iota(ir_trace *t, bj_dtype d, int rank, const int64_t *shape, int axis);

BJ_HIDDEN ir_node *ir_cast(ir_trace *t, ir_node *x, bj_dtype d);
BJ_HIDDEN ir_node *ir_unary(ir_trace *t, ir_op op, ir_node *x);
BJ_HIDDEN ir_node *ir_binary(ir_trace *t, ir_op op, ir_node *a, ir_node *b);
BJ_HIDDEN ir_node *ir_ternary(ir_trace *t, ir_op op, ir_node *a, ir_node *b, ir_node *c);

BJ_HIDDEN ir_node *ir_reshape(ir_trace *t, ir_node *x, int rank, const int64_t *shape); /* one -1 allowed */
BJ_HIDDEN ir_node *ir_broadcast_to(ir_trace *t, ir_node *x, int rank, const int64_t *shape);
BJ_HIDDEN ir_node *ir_transpose(ir_trace *t, ir_node *x, const int *perm);
BJ_HIDDEN ir_node *ir_concatenate(ir_trace *t, ir_node *const *xs, int n, int axis);
/* start/stop == BJ_END mean Python's None; step != 0. NULL arrays: full axis. */
BJ_HIDDEN ir_node *ir_slice(ir_trace *t, ir_node *x, const int64_t *start, const int64_t *stop, const int64_t *step);
BJ_HIDDEN ir_node *ir_dynamic_slice(ir_trace *t, ir_node *x, ir_node *const *starts, const int64_t *sizes);
BJ_HIDDEN ir_node *ir_dynamic_update_slice(ir_trace *t, ir_node *x, ir_node *upd, ir_node *const *starts);
BJ_HIDDEN ir_node *ir_flip(ir_trace *t, ir_node *x, int naxes, const int *axes);

BJ_HIDDEN ir_node *ir_take(ir_trace *t, ir_node *x, ir_node *idx, int axis);
BJ_HIDDEN ir_node *ir_scatter(ir_trace *t, ir_op op, ir_node *x, ir_node *idx, ir_node *upd, int axis);

BJ_HIDDEN ir_node *ir_reduce(ir_trace *t, ir_op op, ir_node *x, int naxes, const int *axes, bool keepdims);
BJ_HIDDEN ir_node *ir_argreduce(ir_trace *t, ir_op op, ir_node *x, int axis, bool keepdims);
BJ_HIDDEN ir_node *ir_scan(ir_trace *t, ir_op op, ir_node *x, int axis);
/* SORT (x's dtype) or ARGSORT (int32) along axis: rank >= 1, the axis at most INT32_MAX long. */
BJ_HIDDEN ir_node *ir_sort(ir_trace *t, ir_op op, ir_node *x, int axis);
BJ_HIDDEN ir_node *ir_nonzero(ir_trace *t, ir_node *x, int64_t size, int64_t fill);
BJ_HIDDEN ir_node *ir_matmul(ir_trace *t, ir_node *a, ir_node *b); /* both rank >= 2 */

/* Normalises axis (negative counts from the end) against rank; false (error recorded) if out of range. */
BJ_HIDDEN bool ir_norm_axis(ir_trace *t, const char *op, int *axis, int rank);
#endif
