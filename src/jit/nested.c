/* nested.c — a jit function called while another is traced: inlined into the caller's trace, or called as a body
 * traced once and cached with the callee.
 *
 * Design note. With `inlined`, the callee runs on the caller's trace in a frame of its own: its parameters are
 * the caller's values, its Variable reads and writes go to the caller's state, and it is traced again at every
 * call site. Without it, the callee's cache serves the body: the signature (with traced values as dynamic
 * arguments) finds or traces an entry whose graph is copied into the caller as a region, called by one call op per
 * output; the callee's Variable reads become reads in the caller and its writes become writes there, so the outer
 * function's state set is complete. Either way the result is the same graph after call inlining in the optimizer;
 * the counters show the difference (the callee's traces). */
#include "jit/jit.h"

#include <string.h>

/* Is f being traced already: on this trace (directly or through inlined frames), or on a trace that is calling
 * this one's body (a non-inlined callee is traced on a trace of its own; without this, g -> h -> g would wait
 * forever on g's lock)? */
static bool active(const jit_ctx *c, const bj_jit *f) {
    for (; c; c = c->outer)
        for (const jit_frame *fr = c->frame; fr; fr = fr->up)
            if (fr->f == f) return true;
    return false;
}

/* Values for the dynamic parameters in the caller's trace. */
static bool caller_values(ir_trace *t, const jit_sig *sig, ir_node **v) {
    for (int i = 0; i < sig->n; i++) {
        const jit_param *p = &sig->p[i];
        v[i] = NULL;
        if (p->is_static) continue;
        switch (p->kind) {
        case BJ_ARG_VAL: v[i] = p->val; break;
        case BJ_ARG_ARRAY:
            if (p->var) { /* a Variable passed on: its value in this trace */
                v[i] = bj_var_read(t, p->var);
                break;
            }
            v[i] = ir_const(t, p->array->dtype, p->array->rank, p->array->shape, p->array->data); break;
        case BJ_ARG_F64: v[i] = ir_lit(t, p->dtype, true, p->f, 0); break;
        case BJ_ARG_I64: v[i] = ir_lit(t, p->dtype, true, 0, p->i); break;
        case BJ_ARG_BOOL: v[i] = ir_lit(t, BJ_BOOL, false, 0, p->i); break;
        default: ir_fail(t, BJ_ERR_ARG, "bj_jit_call_traced: argument %d cannot be used while tracing", i); break;
        }
        if (!v[i]) return false;
    }
    return true;
}

static bj_status call_inline(bj_jit *g, bj_trace *t, jit_ctx *c, jit_sig *sig, bj_val **outs, int nout) {
    jit_frame fr = {.up = c->frame, .f = g, .sig = sig};
    fr.pnode = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(sig->n + 1));
    if (!fr.pnode) return ir_fail(t, BJ_ERR_NOMEM, "bj_jit_call_traced: out of memory"), BJ_ERR_NOMEM;
    if (!caller_values(t, sig, fr.pnode)) return t->status;
    c->frame = &fr;
    double t0 = jit_now();
    bj_status s = g->fn(t, g->ud);
    c->frame = fr.up;
    pthread_mutex_lock(&g->lock);
    g->st.traces++;
    g->st.trace_s += jit_now() - t0;
    pthread_mutex_unlock(&g->lock);
    if (s && !t->status) ir_fail(t, s, "%s: the traced function returned %s", g->name, bj_status_name(s));
    if (t->status) return t->status;
    if (nout && nout != fr.nret)
        return ir_fail(t, BJ_ERR_ARG, "bj_jit_call_traced(%s): the function returns %d outputs, room for %d given",
                       g->name, fr.nret, nout), BJ_ERR_ARG;
    for (int i = 0; i < nout; i++) outs[i] = fr.rets[i];
    return BJ_OK;
}

static bj_status call_body(bj_jit *g, bj_trace *t, jit_sig *sig, bj_val **outs, int nout) {
    jit_key k;
    if (!jit_key_make(sig, &k)) return ir_fail(t, BJ_ERR_NOMEM, "bj_jit_call_traced: out of memory"), BJ_ERR_NOMEM;
    uint64_t h = jit_key_hash(&k);
    pthread_mutex_lock(&g->lock);
    jit_entry *e = jit_cache_find(g, &k, h);
    if (e) {
        g->st.cache_hits++;
    } else {
        jit_explain_miss(g, sig, &k);
        g->st.cache_misses++;
        /* the body is traced on a trace of its own, with the caller's values as dynamic arguments */
        const char *outer = state_tracing;
        bj_trace *b = jit_begin(g, sig);
        if (b) {
            ((jit_ctx *)b->owner)->outer = t->owner;
            bj_status s = g->fn(b, g->ud);
            if (s && !b->status) ir_fail(b, s, "%s: the traced function returned %s", g->name, bj_status_name(s));
            e = jit_end(b, &k, h);
        }
        state_tracing = outer;
        if (e) jit_cache_insert(g, e);
    }
    jit_key_free(&k);
    if (!e) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        pthread_mutex_unlock(&g->lock);
        return ir_fail(t, core_last_status() ? core_last_status() : BJ_ERR_TRACE, "%s", msg), t->status;
    }
    bj_status s = BJ_OK;
    if (nout && nout != e->nret)
        s = BJ_ERR_ARG, ir_fail(t, s, "bj_jit_call_traced(%s): the function returns %d outputs, room for %d given",
                                g->name, e->nret, nout);
    ir_node *pv[JIT_MAX_PARAMS];
    if (!s && !caller_values(t, sig, pv)) s = t->status;
    ir_node **ins = s ? NULL : malloc(sizeof *ins * (size_t)(e->nin + 1));
    if (!s && !ins) s = BJ_ERR_NOMEM, ir_fail(t, s, "bj_jit_call_traced: out of memory");
    for (int i = 0; !s && i < e->nin; i++) {
        int src = e->in_src[i];
        ins[i] = src >= 0 ? pv[src] : bj_var_read(t, e->vars[-1 - src].var);
        if (!ins[i]) s = t->status ? t->status : BJ_ERR_TRACE;
    }
    ir_region *r = s ? NULL : ir_import(t, e->graph);
    if (!s && !r) s = t->status;
    for (int o = 0; !s && o < e->nret + e->nwrite; o++) {
        ir_node *v = ir_call(t, r, ins, o);
        if (!v) s = t->status;
        else if (o < e->nret && o < nout) outs[o] = v;
        else if (o >= e->nret) s = bj_var_write(t, e->vars[e->write_var[o - e->nret]].var, v);
    }
    free(ins);
    pthread_mutex_unlock(&g->lock);
    return s;
}

static bj_status call_traced(bj_jit *g, bj_trace *t, const bj_arg *args, int nargs, bj_val **outs, int nout) {
    bj_status s;
    if (!trace_check(t, "bj_jit_call_traced")) return BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    if (!c) return ir_fail(t, BJ_ERR_TRACE, "bj_jit_call_traced(%s): trace '%s' is not tracing a jit function",
                           g->name, t->name), BJ_ERR_TRACE;
    if (t->status) return t->status;
    if (nout < 0 || (nout && !outs))
        return ir_fail(t, BJ_ERR_ARG, "bj_jit_call_traced(%s): room for %d outputs, outs %s", g->name, nout,
                       outs ? "given" : "is NULL"), BJ_ERR_ARG;
    if (active(c, g) || jit_is_tracing(g))
        return ir_fail(t, BJ_ERR_TRACE, "bj_jit_call_traced(%s): %s calls itself while being traced (recursion is "
                       "not supported)", g->name, g->name), BJ_ERR_TRACE;
    if (!g->fn)
        return ir_fail(t, BJ_ERR_TRACE, "bj_jit_call_traced(%s): the handle has no function to trace", g->name),
               BJ_ERR_TRACE;
    for (int i = 0; args && i < nargs; i++) /* checked before anything of them is read */
        if (args[i].kind == BJ_ARG_VAL && args[i].val && !ir_node_live(args[i].val))
            return ir_fail(t, BJ_ERR_HANDLE, "bj_jit_call_traced(%s): argument %d %s", g->name, i,
                           ir_node_why(args[i].val)), BJ_ERR_HANDLE;
    jit_sig *sig = malloc(sizeof *sig);
    if (!sig) return ir_fail(t, BJ_ERR_NOMEM, "bj_jit_call_traced: out of memory"), BJ_ERR_NOMEM;
    s = jit_resolve(g, args, nargs, t->x64, sig, "bj_jit_call_traced"); /* the caller's trace decides */
    for (int i = 0; !s && i < sig->n; i++)
        if (sig->p[i].kind == BJ_ARG_VAL && sig->p[i].val->trace != t)
            s = core_err(BJ_ERR_TRACE, "bj_jit_call_traced(%s): argument %d belongs to another trace", g->name, i);
    if (s) {
        ir_fail(t, s, "%s", bj_last_error());
        free(sig);
        return s;
    }
    pthread_mutex_lock(&g->lock);
    g->st.calls++;
    pthread_mutex_unlock(&g->lock);
    s = g->o.inlined ? call_inline(g, t, c, sig, outs, nout) : call_body(g, t, sig, outs, nout);
    free(sig);
    return s;
}

/* The callee is pinned (a reference held) while its lock is taken and its cache used, so a release of the caller's
 * last reference on another thread frees it after this returns, never under it. */
bj_status bj_jit_call_traced(bj_jit *g, bj_trace *t, const bj_arg *args, int nargs, bj_val **outs, int nout) {
    if (!jit_pin(g, "bj_jit_call_traced")) return core_last_status() ? core_last_status() : BJ_ERR_HANDLE;
    bj_status s = call_traced(g, t, args, nargs, outs, nout);
    jit_unpin(g);
    return s;
}
