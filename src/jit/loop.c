/* loop.c — compiled loops inside a jit trace (BrainPy's for_loop, JAX's scan): a body traced once into a region,
 * run n times by the backend, with explicit carries, Variables carried automatically, per-step operands sliced
 * from xs, and per-step values stacked (monitors), recorded every k-th step.
 *
 * Design note. bj_loop_begin opens the body region with the step index and the explicit carries as parameters
 * (and slices each xs along its leading axis at the step). Variables are found as anywhere else: the first time
 * the body reads or writes a Variable, it becomes a carry of the innermost loop — a parameter appended to the open
 * region, initialised with the Variable's value just outside the loop (asking the enclosing loop, or the top
 * level, which makes its input). Every Variable touched is carried, read-only ones too, so a value read before a
 * write in the same body is the previous step's; one never written is passed through unchanged and the optimizer
 * may turn it back into a capture. bj_loop_end closes the region with the new carries (explicit, then Variables)
 * and the per-step values, and makes one FOR node per result; the final values of the Variables become their
 * values after the loop. */
#include "jit/jit.h"

#include <string.h>

/* ---------------------------------------------------------------- scopes */
/* The Variable slot of loop l (or NULL), and its index. */
static int loop_slot(const jit_loop *l, const bj_var *v) {
    for (int i = 0; i < l->nvars; i++)
        if (l->vars[i].var == v) return i;
    return -1;
}

/* A parameter appended to region r while another (inner) region may be open. */
static ir_node *param_in(ir_trace *t, ir_region *r, const ir_node *like) {
    ir_region *cur = t->cur;
    t->cur = r;
    ir_node *p = ir_region_param(t, (bj_dtype)like->dtype, like->rank, like->shape);
    t->cur = cur;
    return p;
}

/* The value of v inside loop l (l NULL: the top level), making it a carry of l (and of every loop around l) if it
 * is not yet. */
ir_node *jit_loop_var(bj_trace *t, jit_ctx *c, jit_loop *l, bj_var *v, int slot) {
    if (!l) { /* the top level: the trace's own Variable table */
        if (!c->vars[slot].cur) {
            const bj_array *a = v->value;
            ir_region *cur = t->cur;
            t->cur = NULL; /* inputs live at the top level */
            c->vars[slot].read = c->vars[slot].cur = ir_arg(t, c->vars[slot].path, a->dtype, a->rank, a->shape);
            t->cur = cur;
        }
        return c->vars[slot].cur;
    }
    int i = loop_slot(l, v);
    if (i >= 0) return l->vars[i].cur;
    ir_node *init = jit_loop_var(t, c, l->up, v, slot);
    if (!init) return NULL;
    if (l->nvars == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        void *nv = realloc(l->vars, sizeof *l->vars * (size_t)cap);
        if (!nv) return ir_fail(t, BJ_ERR_NOMEM, "loop: out of memory"), NULL;
        l->vars = nv, l->cap = cap;
    }
    ir_node *p = param_in(t, l->body, init);
    if (!p) return NULL;
    l->vars[l->nvars++] = (jit_loop_var_t){.var = v, .init = init, .param = p, .cur = p};
    return p;
}

bj_status jit_loop_write(bj_trace *t, jit_ctx *c, bj_var *v, int slot, ir_node *x) {
    jit_loop *l = c->loop;
    if (!jit_loop_var(t, c, l, v, slot)) return t->status;
    int i = loop_slot(l, v);
    l->vars[i].cur = x;
    l->vars[i].written = true;
    return BJ_OK;
}

/* ---------------------------------------------------------------- begin / end */
static jit_ctx *loop_ctx(bj_trace *t, const char *fn) {
    if (!trace_check(t, fn)) return NULL;
    if (t->status) return core_err(t->status, "%s", t->error ? t->error : "trace failed"), NULL;
    if (!t->owner) {
        ir_fail(t, BJ_ERR_TRACE, "%s: loops are traced inside a jit function (bj_jit_new, or bj_jit_trace_begin)", fn);
        return NULL;
    }
    return t->owner;
}

bj_status bj_loop_begin(bj_trace *t, int64_t n, int64_t every, bj_val *const *init, int ncarry, bj_val *const *xs,
                        int nxs) {
    jit_ctx *c = loop_ctx(t, "bj_loop_begin");
    if (!c) return t && trace_check(t, "bj_loop_begin") && t->status ? t->status : BJ_ERR_TRACE;
    if (n < 0 || every < 1 || ncarry < 0 || nxs < 0 || (ncarry && !init) || (nxs && !xs))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_begin: n = %lld and every = %lld must be >= 0 and >= 1; %d carries, %d "
                       "xs", (long long)n, (long long)every, ncarry, nxs), BJ_ERR_ARG;
    for (int i = 0; i < ncarry; i++)
        if (!val_of(t, init[i], "bj_loop_begin")) return t->status;
    for (int i = 0; i < nxs; i++) {
        if (!val_of(t, xs[i], "bj_loop_begin")) return t->status;
        if (xs[i]->rank < 1 || xs[i]->shape[0] < n) {
            char ty[96];
            return ir_fail(t, BJ_ERR_SHAPE, "bj_loop_begin: xs %d is %s: it needs a leading axis of at least n = %lld "
                           "steps", i, core_fmt_type(ty, sizeof ty, (bj_dtype)xs[i]->dtype, xs[i]->rank,
                           xs[i]->shape), (long long)n), BJ_ERR_SHAPE;
        }
    }
    jit_loop *l = calloc(1, sizeof *l);
    if (!l) return ir_fail(t, BJ_ERR_NOMEM, "bj_loop_begin: out of memory"), BJ_ERR_NOMEM;
    l->up = c->loop, l->n = n, l->every = every, l->ncarry = ncarry, l->nxs = nxs;
    l->init = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(ncarry + 1));
    l->carry = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(ncarry + 1));
    l->x = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(nxs + 1));
    if (!l->init || !l->carry || !l->x) {
        free(l);
        return ir_fail(t, BJ_ERR_NOMEM, "bj_loop_begin: out of memory"), BJ_ERR_NOMEM;
    }
    l->body = ir_region_begin(t);
    l->step = l->body ? ir_region_param(t, BJ_I32, 0, NULL) : NULL;
    for (int i = 0; l->step && i < ncarry; i++) {
        l->init[i] = init[i];
        if (!(l->carry[i] = ir_region_param(t, (bj_dtype)init[i]->dtype, init[i]->rank, init[i]->shape))) break;
    }
    for (int i = 0; l->step && !t->status && i < nxs; i++) { /* x_i = xs_i[step] */
        const ir_node *a = xs[i];
        ir_node *starts[BJ_MAX_RANK];
        int64_t sizes[BJ_MAX_RANK];
        starts[0] = l->step, sizes[0] = 1;
        for (int k = 1; k < a->rank; k++) starts[k] = ir_lit(t, BJ_I32, false, 0, 0), sizes[k] = a->shape[k];
        ir_node *s = ir_dynamic_slice(t, (ir_node *)a, starts, sizes);
        l->x[i] = s ? ir_reshape(t, s, a->rank - 1, a->shape + 1) : NULL;
    }
    if (t->status) {
        if (l->body && t->cur == l->body) ir_region_end(t, NULL, 0);
        free(l);
        return t->status;
    }
    c->loop = l;
    return BJ_OK;
}

void jit_loops_free(jit_ctx *c) {
    while (c->loop) {
        jit_loop *l = c->loop;
        c->loop = l->up;
        free(l->vars);
        free(l);
    }
}

static jit_loop *inner(bj_trace *t, const char *fn) {
    jit_ctx *c = loop_ctx(t, fn);
    if (!c) return NULL;
    if (!c->loop) return ir_fail(t, BJ_ERR_TRACE, "%s: not inside a loop body (bj_loop_begin)", fn), NULL;
    return c->loop;
}

bj_val *bj_loop_step(bj_trace *t) {
    jit_loop *l = inner(t, "bj_loop_step");
    return l ? l->step : NULL;
}

bj_val *bj_loop_carry(bj_trace *t, int i) {
    jit_loop *l = inner(t, "bj_loop_carry");
    if (l && (i < 0 || i >= l->ncarry))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_carry: carry %d is out of range (%d carries)", i, l->ncarry);
    return l ? l->carry[i] : NULL;
}

bj_val *bj_loop_x(bj_trace *t, int i) {
    jit_loop *l = inner(t, "bj_loop_x");
    if (l && (i < 0 || i >= l->nxs))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_x: xs %d is out of range (%d xs)", i, l->nxs);
    return l ? l->x[i] : NULL;
}

static void loop_free(jit_loop *l) {
    free(l->vars);
    free(l);
}

bj_status bj_loop_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys, bj_val **final,
                      bj_val **stacked) {
    if (!trace_check(t, "bj_loop_end")) return BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    jit_loop *l = c ? c->loop : NULL;
    if (!l) return ir_fail(t, BJ_ERR_TRACE, "bj_loop_end: not inside a loop body (bj_loop_begin)"), BJ_ERR_TRACE;
    bj_status s = t->status; /* a failed body still closes its region and frees the loop */
    if (!s && (ncarry != l->ncarry || nys < 0 || (ncarry && !new_carry) || (nys && !ys)))
        s = BJ_ERR_ARG, ir_fail(t, s, "bj_loop_end: %d new carries for %d carries, %d per-step values", ncarry,
                                l->ncarry, nys);
    for (int i = 0; !s && i < ncarry; i++) {
        const ir_node *a = val_of(t, new_carry[i], "bj_loop_end"), *b = l->carry[i];
        if (!a) s = t->status;
        else if (a->dtype != b->dtype || a->rank != b->rank || memcmp(a->shape, b->shape, sizeof(int64_t) * b->rank)) {
            char x[96], y[96];
            s = BJ_ERR_SHAPE;
            ir_fail(t, s, "bj_loop_end: carry %d enters the loop as %s but the body returns %s", i,
                    core_fmt_type(x, sizeof x, (bj_dtype)b->dtype, b->rank, b->shape),
                    core_fmt_type(y, sizeof y, (bj_dtype)a->dtype, a->rank, a->shape));
        }
    }
    for (int i = 0; !s && i < nys; i++)
        if (!val_of(t, ys[i], "bj_loop_end")) s = t->status;
    int nc = l->ncarry + l->nvars, nres = nc + nys;
    ir_node **res = s ? NULL : malloc(sizeof *res * (size_t)(nres + 1));
    ir_node **ins = s ? NULL : malloc(sizeof *ins * (size_t)(nc + 1));
    if (!s && (!res || !ins)) s = BJ_ERR_NOMEM, ir_fail(t, s, "bj_loop_end: out of memory");
    if (!s) {
        for (int i = 0; i < l->ncarry; i++) res[i] = (ir_node *)new_carry[i], ins[i] = l->init[i];
        for (int i = 0; i < l->nvars; i++) res[l->ncarry + i] = l->vars[i].cur, ins[l->ncarry + i] = l->vars[i].init;
        for (int i = 0; i < nys; i++) res[nc + i] = (ir_node *)ys[i];
    }
    c->loop = l->up; /* the enclosing scope, for the FOR nodes and the Variables' values after the loop */
    if (t->cur == l->body) {
        bj_status e = ir_region_end(t, res, s ? 0 : nres);
        if (!s) s = e;
    } else if (!s) {
        s = BJ_ERR_TRACE, ir_fail(t, s, "bj_loop_end: a region opened inside the loop body is still open");
    }
    for (int r = 0; !s && r < nres; r++) {
        ir_node *v = ir_for(t, l->n, l->every, l->body, ins, nc, r);
        if (!v) s = t->status;
        else if (r < l->ncarry && final) final[r] = v;
        else if (r >= nc && stacked) stacked[r - nc] = v;
        else if (r >= l->ncarry && r < nc && l->vars[r - l->ncarry].written) {
            /* the Variable's value after the loop, in the enclosing scope */
            bj_var *v_ = l->vars[r - l->ncarry].var;
            int slot = -1;
            for (int k = 0; k < c->nvars; k++)
                if (c->vars[k].var == v_) slot = k;
            if (c->loop) s = jit_loop_write(t, c, v_, slot, v);
            else c->vars[slot].cur = v, c->vars[slot].written = true;
        }
    }
    free(res), free(ins);
    loop_free(l);
    return s;
}

/* ---------------------------------------------------------------- the callback form */
typedef struct loop_yield {
    bj_val *const *carry;
    bj_val *const *ys;
    int nc, ny;
    bool done;
} loop_yield;

bj_status bj_loop_yield(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys) {
    jit_loop *l = inner(t, "bj_loop_yield");
    if (!l) return t && trace_check(t, "bj_loop_yield") && t->status ? t->status : BJ_ERR_TRACE;
    if (l->yielded) return ir_fail(t, BJ_ERR_TRACE, "bj_loop_yield: called twice in one body"), BJ_ERR_TRACE;
    if (ncarry < 0 || nys < 0 || (ncarry && !new_carry) || (nys && !ys))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_yield: %d carries, %d per-step values", ncarry, nys), BJ_ERR_ARG;
    /* copied: the caller's arrays are often locals of the body function, gone when it returns */
    bj_val **c = core_arena_alloc(&t->arena, sizeof *c * (size_t)(ncarry + 1));
    bj_val **y = core_arena_alloc(&t->arena, sizeof *y * (size_t)(nys + 1));
    if (!c || !y) return ir_fail(t, BJ_ERR_NOMEM, "bj_loop_yield: out of memory"), BJ_ERR_NOMEM;
    for (int i = 0; i < ncarry; i++) c[i] = new_carry[i];
    for (int i = 0; i < nys; i++) y[i] = ys[i];
    l->yielded = true;
    l->ycarry = c, l->ync = ncarry, l->yys = y, l->yny = nys;
    return BJ_OK;
}

bj_status bj_for_loop(bj_trace *t, int64_t n, int64_t every, bj_loop_fn body, void *ud, bj_val *const *init,
                      int ncarry, bj_val *const *xs, int nxs, bj_val **final, bj_val **ys, int nys) {
    if (!body) {
        if (trace_check(t, "bj_for_loop")) ir_fail(t, BJ_ERR_ARG, "bj_for_loop: body is NULL");
        return BJ_ERR_ARG;
    }
    bj_status s = bj_loop_begin(t, n, every, init, ncarry, xs, nxs);
    if (s) return s;
    jit_ctx *c = t->owner;
    jit_loop *l = c->loop;
    s = body(t, ud);
    if (c->loop != l && !t->status) ir_fail(t, BJ_ERR_TRACE, "bj_for_loop: the body left a loop open");
    while (c->loop && c->loop != l) bj_loop_end(t, NULL, 0, NULL, 0, NULL, NULL);
    if (!s && !t->status && !l->yielded && (ncarry || nys))
        ir_fail(t, BJ_ERR_TRACE, "bj_for_loop: the body returned without bj_loop_yield (%d carries, %d per-step "
                "values expected)", ncarry, nys);
    if (s && !t->status) ir_fail(t, s, "bj_for_loop: the body returned %s", bj_status_name(s));
    if (l->yielded && !t->status && l->yny != nys)
        ir_fail(t, BJ_ERR_ARG, "bj_for_loop: the body yields %d per-step values, room for %d given", l->yny, nys);
    bj_val *const *nc = l->yielded ? l->ycarry : NULL;
    bj_val *const *ny = l->yielded ? l->yys : NULL;
    return bj_loop_end(t, nc, t->status ? l->ncarry : (l->yielded ? l->ync : 0), ny, t->status ? 0 : nys, final, ys);
}
