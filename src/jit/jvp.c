/* jvp.c — the public forward-mode differentiation API (bj_jvp_begin / bj_jvp_param / bj_jvp_end, bj_jvp): scopes on
 * any trace, and in a jit trace the rule that the differentiated function reads Variables but never writes them.
 *
 * Design note. begin opens a region whose parameters are fresh values of the primals' types and records a scope:
 * the trace, the region, the primals and, in a jit trace, the Variables' current values. Scopes live in one list
 * (a trace has no field for them), innermost first; a scope whose trace was freed or finished while it was open is
 * recognised (its trace is no longer a live handle, or its first parameter no longer a live node of that region)
 * and dropped. Variables need nothing while the region is open: a read made inside is the enclosing scope's value
 * (the top level's input, or a parameter a loop around adds), which the region captures. A write would move the
 * Variable's value to a node of the region, which does not exist once it closes, so end compares every Variable's
 * value with the one recorded at begin and refuses a change, naming the Variable. end closes the region with the
 * outputs, has src/ir/jvp.c build the differentiated region [primals, tangents] -> [outputs, tangents], and calls
 * it: one call node per result, which the optimizer inlines. */
#include "ir/jvp.h"
#include "jit/jit.h"

#include <string.h>

typedef struct jvp_scope {
    struct jvp_scope *next; /* the scope opened before it (on any trace) */
    bj_trace *t;
    ir_region *r;
    int n;
    ir_node **primals, **params;
    /* jit traces: the Variables' values at begin, in the scope around (c->loop, or the top level) */
    jit_loop *loop;
    int nvars;
    ir_node **cur;
} jvp_scope;

static jvp_scope *scopes;
static pthread_mutex_t scopes_lock = PTHREAD_MUTEX_INITIALIZER;

static void scope_free(jvp_scope *s) {
    if (!s) return;
    free(s->primals), free(s->params), free(s->cur);
    free(s);
}

/* Whether region r is open in t (the current region or one around it). */
static bool region_open(const ir_trace *t, const ir_region *r) {
    for (const ir_region *q = t->cur; q; q = q->parent)
        if (q == r) return true;
    return false;
}

/* Whether s still describes an open region of a live trace. */
static bool scope_live(const jvp_scope *s) {
    if (!core_handle_live(s->t, CORE_H_TRACE)) return false;
    if (s->n && (!ir_node_live(s->params[0]) || s->params[0]->trace != s->t || s->params[0]->region != s->r))
        return false;
    return region_open(s->t, s->r);
}

/* The innermost scope of t, removed from the list if take; stale scopes are dropped on the way. */
static jvp_scope *scope_find(const bj_trace *t, bool take) {
    pthread_mutex_lock(&scopes_lock);
    jvp_scope **pp = &scopes, *found = NULL;
    while (*pp) {
        jvp_scope *s = *pp;
        if (s->t == t && scope_live(s)) {
            if (take) *pp = s->next;
            found = s;
            break;
        }
        if (s->t != t && scope_live(s)) {
            pp = &s->next;
            continue;
        }
        *pp = s->next; /* its trace was freed or finished with the scope open */
        scope_free(s);
    }
    pthread_mutex_unlock(&scopes_lock);
    return found;
}

/* Whether s is on the list (not ended, not dropped). */
static bool scope_listed(const jvp_scope *s) {
    pthread_mutex_lock(&scopes_lock);
    const jvp_scope *q = scopes;
    while (q && q != s) q = q->next;
    pthread_mutex_unlock(&scopes_lock);
    return q != NULL;
}

/* ---------------------------------------------------------------- Variables (jit traces) */
/* The Variables of the scope around the region: the innermost loop's (or cond's), or the trace's own. */
static int vars_count(const jit_ctx *c, const jit_loop *l) { return l ? l->nvars : c->nvars; }
static ir_node *vars_cur(const jit_ctx *c, const jit_loop *l, int i) { return l ? l->vars[i].cur : c->vars[i].cur; }
static bool vars_written(const jit_ctx *c, const jit_loop *l, int i) {
    return l ? l->vars[i].written : c->vars[i].written;
}

static bool snapshot(bj_trace *t, jvp_scope *s) {
    jit_ctx *c = t->owner;
    if (!c) return true;
    s->loop = c->loop;
    s->nvars = vars_count(c, s->loop);
    s->cur = malloc(sizeof *s->cur * (size_t)(s->nvars + 1));
    if (!s->cur) return ir_fail(t, BJ_ERR_NOMEM, "bj_jvp_begin: out of memory"), false;
    for (int i = 0; i < s->nvars; i++) s->cur[i] = vars_cur(c, s->loop, i);
    return true;
}

/* A Variable written since begin: an error naming it. */
static bj_status check_writes(bj_trace *t, const jvp_scope *s) {
    jit_ctx *c = t->owner;
    if (!c) return BJ_OK;
    if (c->loop != s->loop)
        return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_end: a loop or cond opened inside the differentiated function is "
                       "still open"), BJ_ERR_TRACE;
    for (int i = 0; i < vars_count(c, s->loop); i++) {
        bool changed = i < s->nvars ? vars_cur(c, s->loop, i) != s->cur[i] : vars_written(c, s->loop, i);
        if (!changed) continue;
        const bj_var *v = s->loop ? s->loop->vars[i].var : c->vars[i].var;
        const char *path = v->name;
        for (int k = 0; k < c->nvars; k++)
            if (c->vars[k].var == v) path = c->vars[k].path;
        return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_end: Variable %s is written inside the differentiated function; a "
                       "function being differentiated may read Variables but not write them (return the new value "
                       "and write it after bj_jvp_end)", path), BJ_ERR_TRACE;
    }
    return BJ_OK;
}

/* ---------------------------------------------------------------- the API */
bj_status bj_jvp_begin(bj_trace *t, bj_val *const *primals, int n) {
    if (!trace_check(t, "bj_jvp_begin")) return BJ_ERR_HANDLE;
    if (t->status) return core_err(t->status, "%s", t->error ? t->error : "trace failed");
    if (n < 0 || n > 100000 || (n && !primals))
        return ir_fail(t, BJ_ERR_ARG, "bj_jvp_begin: %d primals%s", n, n > 0 ? " but primals is NULL" : ""),
               BJ_ERR_ARG;
    char ty[96];
    for (int i = 0; i < n; i++) {
        ir_node *p = val_of(t, primals[i], "bj_jvp_begin");
        if (!p) return t->status;
        if (!ir_is_float((bj_dtype)p->dtype))
            return ir_fail(t, BJ_ERR_DTYPE, "bj_jvp_begin: primal %d is %s; only float values have tangents (integer "
                           "and bool inputs have none, as JAX's float0): use it as a captured value instead", i,
                           core_fmt_type(ty, sizeof ty, (bj_dtype)p->dtype, p->rank, p->shape)), BJ_ERR_DTYPE;
        if (p->region && !region_open(t, p->region))
            return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_begin: primal %d was computed inside a loop body or cond branch "
                           "that is closed", i), BJ_ERR_TRACE;
    }
    jvp_scope *s = calloc(1, sizeof *s);
    if (s) {
        s->t = t, s->n = n;
        s->primals = malloc(sizeof *s->primals * (size_t)(n + 1));
        s->params = malloc(sizeof *s->params * (size_t)(n + 1));
    }
    if (!s || !s->primals || !s->params || !snapshot(t, s)) {
        scope_free(s);
        return ir_fail(t, BJ_ERR_NOMEM, "bj_jvp_begin: out of memory"), BJ_ERR_NOMEM;
    }
    s->r = ir_region_begin(t);
    for (int i = 0; s->r && i < n; i++) {
        const ir_node *p = primals[i];
        s->primals[i] = (ir_node *)p;
        if (!(s->params[i] = ir_region_param(t, (bj_dtype)p->dtype, p->rank, p->shape))) break;
    }
    if (t->status) {
        if (s->r && t->cur == s->r) ir_region_end(t, NULL, 0);
        scope_free(s);
        return t->status;
    }
    scope_find(t, false); /* drops stale scopes */
    pthread_mutex_lock(&scopes_lock);
    s->next = scopes, scopes = s;
    pthread_mutex_unlock(&scopes_lock);
    return BJ_OK;
}

bj_val *bj_jvp_param(bj_trace *t, int i) {
    if (!trace_check(t, "bj_jvp_param")) return NULL;
    if (t->status) return core_err(t->status, "%s", t->error ? t->error : "trace failed"), NULL;
    jvp_scope *s = scope_find(t, false);
    if (!s) return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_param: no bj_jvp_begin is open on this trace");
    if (i < 0 || i >= s->n)
        return ir_fail(t, BJ_ERR_ARG, "bj_jvp_param: input %d is out of range (%d primals)", i, s->n);
    return s->params[i];
}

/* Whether x is visible in region r: made in r or in a region around it. */
static bool visible_in(const ir_node *x, const ir_region *r) {
    for (const ir_region *q = r; q; q = q->parent)
        if (q == x->region) return true;
    return !x->region;
}

/* Checks the outputs and tangents of scope s (before its region closes). */
static bj_status check_end(bj_trace *t, const jvp_scope *s, bj_val *const *outs, int nout, bj_val *const *tangents,
                           int ntangents) {
    char a[96], b[96];
    if (nout < 0 || nout > 100000 || (nout && !outs))
        return ir_fail(t, BJ_ERR_ARG, "bj_jvp_end: %d outputs%s", nout, nout > 0 ? " but outs is NULL" : ""),
               BJ_ERR_ARG;
    if (ntangents != s->n || (ntangents && !tangents))
        return ir_fail(t, BJ_ERR_ARG, "bj_jvp_end: %d tangents for %d primals%s", ntangents, s->n,
                       ntangents && !tangents ? " but tangents is NULL" : ""), BJ_ERR_ARG;
    for (int i = 0; i < nout; i++) {
        const ir_node *o = val_of(t, outs[i], "bj_jvp_end");
        if (!o) return t->status;
        if (!visible_in(o, s->r))
            return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_end: output %d was computed inside a loop body or cond branch "
                           "that is closed; use the loop's or cond's results", i), BJ_ERR_TRACE;
    }
    for (int i = 0; i < ntangents; i++) {
        const ir_node *v = val_of(t, tangents[i], "bj_jvp_end"), *p = s->primals[i];
        if (!v) return t->status;
        if (!visible_in(v, s->r->parent))
            return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_end: tangent %d was computed inside the differentiated function "
                           "(or a closed region); tangents come from outside it", i), BJ_ERR_TRACE;
        bool same_shape = v->rank == p->rank && !memcmp(v->shape, p->shape, sizeof(int64_t) * p->rank);
        if (!same_shape || (v->dtype != p->dtype && !v->weak))
            return ir_fail(t, same_shape ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "bj_jvp_end: tangent %d is %s but primal %d "
                           "is %s; a tangent has its primal's dtype and shape", i,
                           core_fmt_type(a, sizeof a, (bj_dtype)v->dtype, v->rank, v->shape), i,
                           core_fmt_type(b, sizeof b, (bj_dtype)p->dtype, p->rank, p->shape)), t->status;
    }
    return BJ_OK;
}

/* Ends scope s (taken off the list): closes its region and, without an error, builds the results. */
static bj_status scope_end(bj_trace *t, jvp_scope *s, bj_val *const *outs, int nout, bj_val *const *tangents,
                           int ntangents, bj_val **res, bj_val **res_tangents) {
    bj_status st = t->status;
    if (!st && t->cur != s->r)
        st = BJ_ERR_TRACE, ir_fail(t, st, "bj_jvp_end: a loop, cond or bj_jvp_begin opened inside the differentiated "
                                   "function is still open");
    if (!st) st = check_end(t, s, outs, nout, tangents, ntangents);
    if (!st) st = check_writes(t, s);
    if (t->cur == s->r) {
        bj_status e = ir_region_end(t, (ir_node *const *)outs, st ? 0 : nout);
        if (!st) st = e;
    }
    int n = s->n;
    ir_node **ins = st ? NULL : malloc(sizeof *ins * (size_t)(2 * n + 1));
    if (!st && !ins) st = BJ_ERR_NOMEM, ir_fail(t, st, "bj_jvp_end: out of memory");
    for (int i = 0; !st && i < n; i++) {
        ins[i] = s->primals[i], ins[n + i] = (ir_node *)tangents[i];
        if (ins[n + i]->dtype != ins[i]->dtype && !(ins[n + i] = ir_cast(t, ins[n + i], (bj_dtype)ins[i]->dtype)))
            st = t->status;
    }
    ir_region *d = st ? NULL : ir_jvp(t, s->r, n);
    if (!st && !d) st = t->status ? t->status : BJ_ERR_INTERNAL;
    for (int i = 0; !st && i < nout; i++) {
        ir_node *y = ir_call(t, d, ins, i), *dy = ir_call(t, d, ins, nout + i);
        if (!y || !dy) st = t->status;
        else {
            if (res) res[i] = y;
            if (res_tangents) res_tangents[i] = dy;
        }
    }
    free(ins);
    scope_free(s);
    return st;
}

bj_status bj_jvp_end(bj_trace *t, bj_val *const *outs, int nout, bj_val *const *tangents, int ntangents,
                     bj_val **res, bj_val **res_tangents) {
    if (!trace_check(t, "bj_jvp_end")) return BJ_ERR_HANDLE;
    jvp_scope *s = scope_find(t, true);
    if (!s) return ir_fail(t, BJ_ERR_TRACE, "bj_jvp_end: no bj_jvp_begin is open on this trace"), BJ_ERR_TRACE;
    return scope_end(t, s, outs, nout, tangents, ntangents, res, res_tangents);
}

bj_status bj_jvp(bj_trace *t, bj_jvp_fn fn, void *ud, bj_val *const *primals, bj_val *const *tangents, int n,
                 bj_val **outs, bj_val **out_tangents, int cap, int *nout) {
    if (!trace_check(t, "bj_jvp")) return BJ_ERR_HANDLE;
    if (nout) *nout = 0;
    if (!fn || !nout || cap < 0 || (cap && !outs))
        return ir_fail(t, BJ_ERR_ARG, "bj_jvp: %s", !fn ? "the function is NULL" : !nout ? "nout is NULL"
                                                    : "room for a negative number of outputs, or outs is NULL"),
               BJ_ERR_ARG;
    bj_status st = bj_jvp_begin(t, primals, n);
    if (st) return st;
    jvp_scope *s = scope_find(t, false);
    bj_val **x = malloc(sizeof *x * (size_t)(n + 1)), **ys = malloc(sizeof *ys * (size_t)(cap + 1));
    if (!x || !ys) ir_fail(t, BJ_ERR_NOMEM, "bj_jvp: out of memory");
    int k = 0;
    if (x && ys) {
        memcpy(x, s->params, sizeof *x * (size_t)n);
        st = fn(t, ud, x, n, ys, cap, &k);
        if (st && !t->status) ir_fail(t, st, "bj_jvp: the function returned %s", bj_status_name(st));
        if (!t->status && (k < 0 || k > cap))
            ir_fail(t, BJ_ERR_ARG, "bj_jvp: the function gives %d outputs, room for %d", k, cap);
    }
    /* close what the function left open above this scope, then this scope */
    while (scope_listed(s) && scope_find(t, false) != s) {
        if (!t->status) ir_fail(t, BJ_ERR_TRACE, "bj_jvp: the function left a bj_jvp_begin open");
        scope_end(t, scope_find(t, true), NULL, 0, NULL, 0, NULL, NULL);
    }
    if (!scope_listed(s)) {
        free(x), free(ys);
        if (!t->status) ir_fail(t, BJ_ERR_TRACE, "bj_jvp: the function ended the scope bj_jvp opened");
        return t->status;
    }
    bool ok = !t->status;
    st = scope_end(t, scope_find(t, true), ok ? ys : NULL, ok ? k : 0, tangents, n, outs, out_tangents);
    if (!st) *nout = k;
    free(x), free(ys);
    return st;
}
