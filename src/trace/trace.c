/* trace.c — the public trace API: creating a trace, its arguments, constants and literals, and finishing it. */
#include "trace/trace.h"
#include "core/scalar.h"

#include <string.h>

bool trace_check(const bj_trace *t, const char *what) {
    return core_handle_check(t, CORE_H_TRACE, what) == BJ_OK;
}

bj_trace *bj_trace_new(const char *name) {
    ir_trace *t = ir_trace_create(name);
    if (t) t->x64 = core_x64(); /* fixed for the trace's life: its dtypes do not change midway */
    if (!t || !core_handle_add(t, CORE_H_TRACE)) {
        ir_trace_destroy(t);
        core_err(BJ_ERR_NOMEM, "bj_trace_new: out of memory");
        return NULL;
    }
    return t;
}

void bj_trace_free(bj_trace *t) {
    if (!t) return;
    if (!trace_check(t, "bj_trace_free")) return;
    if (t->owner) {
        ir_fail(t, BJ_ERR_TRACE, "bj_trace_free: trace '%s' belongs to a jit function; end it with bj_jit_trace_end",
                t->name);
        return;
    }
    core_handle_remove(t);
    ir_trace_destroy(t);
}

bj_val *bj_trace_arg(bj_trace *t, const char *name, bj_dtype dtype, int rank, const int64_t *shape) {
    if (!trace_check(t, "bj_trace_arg")) return NULL;
    return ir_arg(t, name, dtype, rank, shape);
}

bj_val *bj_trace_const(bj_trace *t, const bj_array *a) {
    if (!trace_check(t, "bj_trace_const")) return NULL;
    if (!bj_array_valid(a))
        return ir_fail(t, a ? BJ_ERR_HANDLE : BJ_ERR_ARG, "bj_trace_const: %s",
                       a ? "not a live array handle (freed, or a pointer to something else)" : "array is NULL");
    return ir_const(t, bj_array_dtype(a), bj_array_rank(a), bj_array_shape(a), bj_array_data(a));
}

bj_val *bj_lit_f64(bj_trace *t, double v, bool weak) {
    if (!trace_check(t, "bj_lit_f64")) return NULL;
    return ir_lit(t, weak ? ir_default_float(t) : BJ_F64, weak, v, 0);
}

bj_val *bj_lit_i64(bj_trace *t, int64_t v, bool weak) {
    if (!trace_check(t, "bj_lit_i64")) return NULL;
    return ir_lit(t, weak ? ir_weak_int_dtype(t->x64, v) : BJ_I64, weak, 0, v);
}

bj_val *bj_lit_bool(bj_trace *t, bool v) {
    if (!trace_check(t, "bj_lit_bool")) return NULL;
    return ir_lit(t, BJ_BOOL, false, 0, v);
}

bj_val *bj_lit(bj_trace *t, bj_dtype dtype, double v) {
    if (!trace_check(t, "bj_lit")) return NULL;
    if ((unsigned)dtype >= BJ_NDTYPES) return ir_fail(t, BJ_ERR_DTYPE, "bj_lit: invalid dtype %d", (int)dtype);
    if (ir_is_float(dtype)) return ir_lit(t, dtype, false, v, 0);
    int64_t i = dtype == BJ_BOOL ? v != 0 : dtype == BJ_I32 ? core_f2i32(v) : dtype == BJ_U32 ? core_f2u32(v)
                                                                                                : core_f2i64(v);
    return ir_lit(t, dtype, false, 0, i);
}

bj_status bj_trace_status(const bj_trace *t) {
    if (!trace_check(t, "bj_trace_status")) return BJ_ERR_HANDLE;
    return t->status;
}

const char *bj_trace_error(const bj_trace *t) {
    if (!trace_check(t, "bj_trace_error")) return bj_last_error();
    return t->error ? t->error : "";
}

bj_graph *bj_trace_finish(bj_trace *t, bj_val *const *outs, int nout) {
    if (!trace_check(t, "bj_trace_finish")) return NULL;
    if (t->owner) return ir_fail(t, BJ_ERR_TRACE, "bj_trace_finish: trace '%s' belongs to a jit function; end it "
                                              "with bj_jit_trace_end (or return from the function)", t->name), NULL;
    if (t->status == BJ_OK) {
        if (nout < 0 || (nout > 0 && !outs)) ir_fail(t, BJ_ERR_ARG, "bj_trace_finish: %d outputs, outs %s", nout,
                                                     outs ? "given" : "is NULL");
        for (int i = 0; !t->status && i < nout; i++)
            if (!val_of(t, outs[i], "bj_trace_finish")) break;
        if (!t->status && t->cur) ir_fail(t, BJ_ERR_TRACE, "bj_trace_finish: a region is still open");
    }
    if (t->status) {
        core_err(t->status, "%s", t->error ? t->error : "trace failed");
        bj_trace_free(t);
        return NULL;
    }
    return trace_to_graph(t, NULL, -1, outs, nout);
}

bj_graph *trace_to_graph(ir_trace *t, ir_node *const *ins, int nin, ir_node *const *outs, int nout) {
    core_handle_remove(t);
    if (nin >= 0) { /* a subset of the arguments, in the caller's order */
        for (int i = 0; i < nin; i++) t->args[i] = ins[i];
        t->nargs = nin;
    }
    ir_graph *g = ir_graph_from_trace(t, outs, nout);
    if (!g || !core_handle_add(g, CORE_H_GRAPH)) {
        free(g);
        ir_trace_destroy(t);
        core_err(BJ_ERR_NOMEM, "bj_trace_finish: out of memory");
        return NULL;
    }
    bj_status vs = ir_verify(g);
    if (vs) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        bj_graph_release(g);
        core_err(vs, "%s", msg);
        return NULL;
    }
    return g;
}

/* ---- values */
ir_node *val_of(ir_trace *t, const bj_val *v, const char *what) {
    if (!v) return ir_fail(t, BJ_ERR_ARG, "%s: value is NULL (an earlier op failed?)", what);
    if (!ir_node_live(v)) return ir_fail(t, BJ_ERR_HANDLE, "%s: value %s", what, ir_node_why(v));
    if (t && v->trace != t) return ir_fail(t, BJ_ERR_TRACE, "%s: value belongs to another trace", what);
    return (ir_node *)v;
}

/* The queries read a value of a finished trace as long as its graph lives (its nodes are the graph's). */
static const ir_node *val_ok(const bj_val *v, const char *what) {
    if (!v) return core_err(BJ_ERR_ARG, "%s: value is NULL", what), NULL;
    if (!ir_node_live(v)) return core_err(BJ_ERR_HANDLE, "%s: value %s", what, ir_node_why(v)), NULL;
    return v;
}

bj_dtype bj_val_dtype(const bj_val *v) { return val_ok(v, "bj_val_dtype") ? (bj_dtype)v->dtype : BJ_NDTYPES; }
int bj_val_rank(const bj_val *v) { return val_ok(v, "bj_val_rank") ? v->rank : -1; }
const int64_t *bj_val_shape(const bj_val *v) { return val_ok(v, "bj_val_shape") ? v->shape : NULL; }
bool bj_val_weak(const bj_val *v) { return val_ok(v, "bj_val_weak") && v->weak; }
bj_trace *bj_val_trace(const bj_val *v) { return val_ok(v, "bj_val_trace") ? v->trace : NULL; }
