/* op_generic.c — bj_op: every op reachable by name with a bj_attrs record, for callers without C macros
 * (the coming Python front end through ctypes). Names are those of docs/ops.md. */
#include "trace/trace.h"

#include <string.h>

typedef enum { G_UNARY, G_BINARY, G_TERNARY, G_OTHER } gkind;

static bool arity(ir_trace *t, const char *name, int nin, int want) {
    if (nin == want) return true;
    return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): takes %d operands, got %d", name, want, nin), false;
}

static bj_val *composite(bj_trace *t, const char *name, bj_val *const *in, int nin, const bj_attrs *a, bool *found) {
    *found = true;
#define IS(s) !strcmp(name, s)
    if (IS("zeros")) return bj_zeros(t, a->dtype, a->rank, a->shape);
    if (IS("ones")) return bj_ones(t, a->dtype, a->rank, a->shape);
    if (IS("arange")) return bj_arange(t, a->dtype, a->value, a->stop_value, a->step_value);
    if (IS("eye")) return bj_eye(t, a->dtype, a->n, a->m, a->k);
    if (IS("full")) return bj_full(t, a->dtype, a->rank, a->shape, a->value);
    if (IS("iota")) return bj_iota(t, a->dtype, a->rank, a->shape, a->axis);
    if ((IS("concatenate") || IS("stack")) && nin < 1)
        return ir_fail(t, BJ_ERR_ARG, "%s: needs at least one array, got %d", name, nin);
    if (IS("concatenate")) return bj_concatenate(in, nin, a->axis);
    if (IS("stack")) return bj_stack(in, nin, a->axis);
    if (IS("dynamic_slice")) return arity(t, name, nin, 1 + (in && in[0] ? in[0]->rank : 0)) ? bj_dynamic_slice(in[0], in + 1, a->shape) : NULL;
    if (IS("dynamic_update_slice"))
        return arity(t, name, nin, 2 + (in && in[0] ? in[0]->rank : 0)) ? bj_dynamic_update_slice(in[0], in[1], in + 2) : NULL;
    if (IS("dot") || IS("outer") || IS("matmul") || IS("take") || IS("scatter_set") || IS("scatter_add")) {
        int want = IS("scatter_set") || IS("scatter_add") ? 3 : 2;
        if (!arity(t, name, nin, want)) return NULL;
        if (IS("dot")) return bj_dot(in[0], in[1]);
        if (IS("outer")) return bj_outer(in[0], in[1]);
        if (IS("matmul")) return bj_matmul(in[0], in[1]);
        if (IS("take")) return bj_take(in[0], in[1], a->axis);
        if (IS("scatter_set")) return bj_scatter_set(in[0], in[1], in[2], a->axis);
        return bj_scatter_add(in[0], in[1], in[2], a->axis);
    }
    if (IS("csrmv") || IS("event_csrmv")) /* operands indptr, indices, weights (0-d or [nnz]), x; n = n_post */
        return arity(t, name, nin, 4) ? (IS("csrmv") ? bj_csrmv_in : bj_event_csrmv_in)(in[0], in[1], bj_in_val(in[2]),
                                                                                        in[3], a->n) : NULL;
    if (IS("jitconn_mv") || IS("jitconn_event_mv")) /* operands x, weight (0-d); n = n_post, value = p */
        return arity(t, name, nin, 2) ? (IS("jitconn_mv") ? bj_jitconn_mv_in : bj_jitconn_event_mv_in)(
                                            in[0], bj_in_val(in[1]), a->value, a->seed, a->n, a->allow_self) : NULL;
    if (IS("jitconn_mv_uniform") || IS("jitconn_mv_normal") || IS("jitconn_event_mv_uniform") ||
        IS("jitconn_event_mv_normal")) { /* operands x or spikes, then w_low, w_high or mu, sigma (0-d) */
        if (!arity(t, name, nin, 3)) return NULL;
        bj_in w0 = bj_in_val(in[1]), w1 = bj_in_val(in[2]);
        if (IS("jitconn_mv_uniform"))
            return bj_jitconn_mv_uniform_in(in[0], w0, w1, a->value, a->seed, a->n, a->allow_self);
        if (IS("jitconn_mv_normal"))
            return bj_jitconn_mv_normal_in(in[0], w0, w1, a->value, a->seed, a->n, a->allow_self);
        if (IS("jitconn_event_mv_uniform"))
            return bj_jitconn_event_mv_uniform_in(in[0], w0, w1, a->value, a->seed, a->n, a->allow_self);
        return bj_jitconn_event_mv_normal_in(in[0], w0, w1, a->value, a->seed, a->n, a->allow_self);
    }
    if (!arity(t, name, nin, 1)) return NULL; /* the rest take one operand */
    bj_val *x = in[0];
    if (IS("astype")) return bj_astype(x, a->dtype);
    if (IS("nonzero")) return bj_nonzero(x, a->n, a->k); /* n = size, k = fill_value */
    if (IS("reshape")) return bj_reshape(x, a->rank, a->shape);
    if (IS("broadcast_to")) return bj_broadcast_to(x, a->rank, a->shape);
    if (IS("transpose")) return bj_transpose(x, a->naxes ? a->axes : NULL);
    if (IS("expand_dims")) return bj_expand_dims(x, a->axis);
    if (IS("squeeze")) return bj_squeeze(x, a->naxes, a->axes);
    if (IS("slice")) return bj_slice(x, a->start, a->stop, a->step);
    if (IS("flip")) return bj_flip(x, a->naxes, a->axes);
    if (IS("tile")) return bj_tile(x, a->rank, a->shape);
    if (IS("repeat")) return bj_repeat(x, a->n, a->axis);
    if (IS("argmax")) return bj_argmax(x, a->axis, a->keepdims);
    if (IS("argmin")) return bj_argmin(x, a->axis, a->keepdims);
    if (IS("cumsum")) return bj_cumsum(x, a->axis);
    if (IS("cumprod")) return bj_cumprod(x, a->axis);
    if (IS("sort")) return bj_sort(x, a->axis);
    if (IS("argsort")) return bj_argsort(x, a->axis);
    int op = ir_op_lookup(name);
    if (op >= 0 && ir_ops[op].kind == IR_K_REDUCE) return ir_reduce(t, (ir_op)op, x, a->naxes, a->axes, a->keepdims);
#undef IS
    *found = false;
    return NULL;
}

bj_val *bj_op(bj_trace *t, const char *name, bj_val *const *ins, int nin, const bj_attrs *attrs) {
    if (!trace_check(t, "bj_op")) return NULL;
    if (!name) return ir_fail(t, BJ_ERR_ARG, "bj_op: name is NULL");
    if (t->status) return NULL;
    if (nin < 0 || (nin > 0 && !ins)) return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): %d operands, ins %s", name, nin,
                                                     ins ? "given" : "is NULL");
    for (int i = 0; i < nin; i++)
        if (!val_of(t, ins[i], name)) return NULL;
    bj_attrs none = {0};
    const bj_attrs *a = attrs ? attrs : &none;
    int op = ir_op_lookup(name);
    static const char *const composites[] = {"zeros", "ones", "arange", "eye", "expand_dims", "squeeze",
                                             "stack", "tile", "repeat", "dot", "outer",
                                             /* random numbers: random_api.c */
                                             "random_bits", "random_uniform", "random_normal", "random_bernoulli",
                                             "random_randint", "random_poisson", "random_split", "random_fold_in"};
    bool known = op >= 0;
    for (size_t i = 0; !known && i < sizeof composites / sizeof *composites; i++) known = !strcmp(name, composites[i]);
    if (!known) return ir_fail(t, BJ_ERR_ARG, "bj_op: unknown op \"%s\" (docs/ops.md lists them)", name);
    if (op >= 0 && ir_ops[op].kind == IR_K_CALL) /* call, for, while, cond */
        return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): an op holding a region is not built by bj_op", name);
    if (op == IR_RANDOM)
        return ir_fail(t, BJ_ERR_ARG, "bj_op(\"random\"): use random_bits, random_uniform, random_normal, "
                       "random_bernoulli, random_randint, random_poisson, random_split or random_fold_in");
    if (op == IR_ARG || op == IR_CONST || op == IR_LIT)
        return ir_fail(t, BJ_ERR_ARG, "bj_op(\"%s\"): build it with bj_trace_arg / bj_trace_const / bj_lit_*", name);
    if (op >= 0 && (ir_ops[op].kind == IR_K_UNARY || ir_ops[op].kind == IR_K_BINARY || ir_ops[op].kind == IR_K_TERNARY)
        && op != IR_CAST) {
        int want = ir_ops[op].kind == IR_K_UNARY ? 1 : ir_ops[op].kind == IR_K_BINARY ? 2 : 3;
        if (!arity(t, name, nin, want)) return NULL;
        if (want == 1) return ir_unary(t, (ir_op)op, ins[0]);
        if (want == 2) return ir_binary(t, (ir_op)op, ins[0], ins[1]);
        return ir_ternary(t, (ir_op)op, ins[0], ins[1], ins[2]);
    }
    bool found;
    bj_val *r = trace_random_op(t, name, ins, nin, a, &found);
    if (found) return r;
    r = composite(t, name, ins, nin, a, &found);
    return found ? r : ir_fail(t, BJ_ERR_INTERNAL, "bj_op(\"%s\"): known but not dispatched", name);
}
