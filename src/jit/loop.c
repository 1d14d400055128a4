/* loop.c — compiled loops and conds inside a jit trace: for loops (BrainPy's for_loop, JAX's scan: a body traced
 * once into a region, run n times by the backend, with explicit carries, Variables carried automatically, per-step
 * operands sliced from xs, and per-step values stacked — monitors — recorded every k-th step), while loops
 * (BrainPy's while_loop: a condition and a body, each traced once) and conds (BrainPy's cond / ifelse with two
 * branches: both traced once, the one the traced predicate picks runs).
 *
 * Design note. Each construct is a scope (jit_loop) on a stack in the jit context, holding the region open now.
 * bj_loop_begin opens a for body with the step index and the explicit carries as parameters (and slices each xs
 * along its leading axis at the step). Variables are found as anywhere else: the first time a loop's region reads or
 * writes a Variable, it becomes a carry of the innermost loop — a parameter appended to the region, initialised with
 * the Variable's value just outside the loop (asking the enclosing scope, or the top level, which makes its input).
 * Every Variable touched is carried, read-only ones too, so a value read before a write in the same body is the
 * previous step's; one never written is passed through unchanged and the optimizer may turn it back into a
 * capture. bj_loop_end closes the region with the new carries (explicit, then Variables) and the per-step values,
 * and makes one FOR node per result; the final values of the Variables become their values after the loop.
 *
 * A while loop has two regions with the same carries: the condition, open first, and the body. A Variable the
 * condition touches gets a parameter there, and one in the body when it opens; a Variable first touched in the body
 * gets a parameter in the body and one appended to the condition, closed by then (unused there): both regions keep
 * their parameters in the same order, [explicit carries, Variables in order of first touch]. Writing a Variable in
 * the condition is refused (it runs once more than the body; BrainPy forbids it too). The WHILE nodes are made when
 * the body closes.
 *
 * A cond's branches run at most once, so they carry nothing: a Variable read in a branch is the enclosing scope's
 * value (a capture), and one written is recorded per branch. At the end every Variable written by either branch
 * becomes a result of both (the branch that did not write it returns the value from before the cond, appended to
 * the true branch's results after it closed), so after the cond each has the taken branch's value. Results whose
 * types differ only because one side is weakly typed (a C literal) take the other side's dtype, as in JAX; other
 * mismatches are errors naming the result and both types. */
#include "jit/jit.h"

#include <string.h>

/* ---------------------------------------------------------------- scopes */
/* The Variable slot of scope l (or -1). */
static int loop_slot(const jit_loop *l, const bj_var *v) {
    for (int i = 0; i < l->nvars; i++)
        if (l->vars[i].var == v) return i;
    return -1;
}

/* A parameter appended to region r while another (inner) region may be open, or r may be closed (a while loop's
 * condition gaining a Variable the body touched first). */
static ir_node *param_in(ir_trace *t, ir_region *r, const ir_node *like) {
    ir_region *cur = t->cur;
    t->cur = r;
    ir_node *p = ir_region_param(t, (bj_dtype)like->dtype, like->rank, like->shape);
    t->cur = cur;
    return p;
}

static jit_loop_var_t *add_var(bj_trace *t, jit_loop *l) {
    if (l->nvars == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        void *nv = realloc(l->vars, sizeof *l->vars * (size_t)cap);
        if (!nv) return ir_fail(t, BJ_ERR_NOMEM, "loop: out of memory"), NULL;
        l->vars = nv, l->cap = cap;
    }
    jit_loop_var_t *e = &l->vars[l->nvars++];
    memset(e, 0, sizeof *e);
    return e;
}

/* The value of v inside scope l (l NULL: the top level), making it a carry of l (and of every loop around l) if it
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
    ir_node *p = NULL, *p2 = NULL, *cur = init; /* a cond reads the value from before it */
    if (l->kind == JIT_FOR) {
        if (!(cur = p = param_in(t, l->body, init))) return NULL;
    } else if (l->kind == JIT_WHILE) {
        if (!(cur = p = param_in(t, l->body2, init))) return NULL;
        if (l->phase == 1 && (!l->body || !(cur = p2 = param_in(t, l->body, init))))
            return t->status ? NULL : ir_fail(t, BJ_ERR_INTERNAL, "while loop: the body is not open");
    }
    jit_loop_var_t *e = add_var(t, l);
    if (!e) return NULL;
    e->var = v, e->init = init, e->param = p, e->param2 = p2, e->cur = cur;
    return cur;
}

bj_status jit_loop_write(bj_trace *t, jit_ctx *c, bj_var *v, int slot, ir_node *x) {
    jit_loop *l = c->loop;
    if (l->kind == JIT_WHILE && l->phase == 0)
        return ir_fail(t, BJ_ERR_TRACE, "bj_var_write: Variable %s is written in a while loop's condition; the "
                       "condition only reads (write it in the body)", c->vars[slot].path), BJ_ERR_TRACE;
    if (!jit_loop_var(t, c, l, v, slot)) return t->status;
    int i = loop_slot(l, v);
    l->vars[i].cur = x;
    l->vars[i].written = true;
    return BJ_OK;
}

/* Variable v's new value x after a loop or cond, in the scope around it (now the innermost, or the top level). */
static bj_status write_back(bj_trace *t, jit_ctx *c, bj_var *v, ir_node *x) {
    int slot = -1;
    for (int k = 0; k < c->nvars; k++)
        if (c->vars[k].var == v) slot = k;
    if (slot < 0) return ir_fail(t, BJ_ERR_INTERNAL, "loop: a Variable the trace does not know"), BJ_ERR_INTERNAL;
    if (c->loop) return jit_loop_write(t, c, v, slot, x);
    c->vars[slot].cur = x, c->vars[slot].written = true;
    return BJ_OK;
}

static jit_ctx *loop_ctx(bj_trace *t, const char *fn) {
    if (!trace_check(t, fn)) return NULL;
    if (t->status) return core_err(t->status, "%s", t->error ? t->error : "trace failed"), NULL;
    if (!t->owner) {
        ir_fail(t, BJ_ERR_TRACE, "%s: loops and conds are traced inside a jit function (bj_jit_new, or "
                "bj_jit_trace_begin)", fn);
        return NULL;
    }
    return t->owner;
}

/* The status a begin function returns when loop_ctx refused. */
static bj_status ctx_status(bj_trace *t, const char *fn) {
    return trace_check(t, fn) && t->status ? t->status : trace_check(t, fn) ? BJ_ERR_TRACE : BJ_ERR_HANDLE;
}

static void loop_free(jit_loop *l) {
    free(l->vars);
    free(l);
}

void jit_loops_free(jit_ctx *c) {
    while (c->loop) {
        jit_loop *l = c->loop;
        c->loop = l->up;
        loop_free(l);
    }
}

/* A new scope of kind `kind` with ncarry carries (or operands) and nxs per-step operands; NULL with the error. */
static jit_loop *scope_new(bj_trace *t, int kind, int ncarry, int nxs, const char *fn) {
    jit_loop *l = calloc(1, sizeof *l);
    if (!l) return ir_fail(t, BJ_ERR_NOMEM, "%s: out of memory", fn), NULL;
    l->kind = kind, l->ncarry = ncarry, l->nxs = nxs;
    l->init = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(ncarry + 1));
    l->carry = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(ncarry + 1));
    l->x = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(nxs + 1));
    if (!l->init || !l->carry || !l->x) {
        free(l);
        return ir_fail(t, BJ_ERR_NOMEM, "%s: out of memory", fn), NULL;
    }
    return l;
}

/* Opens a region for scope l with one parameter per carry (types of l->init), stored in l->carry. */
static ir_region *open_region(bj_trace *t, jit_loop *l) {
    ir_region *r = ir_region_begin(t);
    l->open = r;
    l->yielded = false;
    for (int i = 0; r && i < l->ncarry; i++)
        if (!(l->carry[i] = ir_region_param(t, (bj_dtype)l->init[i]->dtype, l->init[i]->rank, l->init[i]->shape)))
            break;
    return r;
}

/* Closes the region scope l has open, if it is the current one (results: n of them; none after an error). */
static bj_status close_region(bj_trace *t, jit_loop *l, ir_node *const *results, int n, const char *fn) {
    bj_status s = t->status;
    if (!l->open) return s;
    if (t->cur == l->open) {
        bj_status e = ir_region_end(t, results, s ? 0 : n);
        if (!s) s = e;
    } else if (!s) {
        s = BJ_ERR_TRACE, ir_fail(t, s, "%s: a region opened inside it is still open", fn);
    }
    l->open = NULL;
    return s;
}

/* The innermost scope, which must be of kind `kind` (-1: any); NULL with the error recorded. */
static jit_loop *inner_of(bj_trace *t, int kind, const char *fn) {
    if (!trace_check(t, fn)) return NULL;
    jit_ctx *c = t->owner;
    jit_loop *l = c ? c->loop : NULL;
    static const char *const what[] = {"a for loop body (bj_loop_begin)", "a while loop (bj_while_begin)",
                                       "a cond (bj_cond_begin)"};
    if (!l) {
        ir_fail(t, BJ_ERR_TRACE, "%s: not inside %s", fn, kind >= 0 ? what[kind] : "a loop body or cond branch");
        return NULL;
    }
    if (kind >= 0 && l->kind != kind) {
        ir_fail(t, BJ_ERR_TRACE, "%s: the innermost open scope is %s, not %s", fn, what[l->kind], what[kind]);
        return NULL;
    }
    return l;
}

/* The innermost for loop around the open region (its step and xs may be read from anywhere inside it). */
static jit_loop *inner_for(bj_trace *t, const char *fn) {
    if (!trace_check(t, fn)) return NULL;
    jit_ctx *c = t->owner;
    for (jit_loop *l = c ? c->loop : NULL; l; l = l->up)
        if (l->kind == JIT_FOR) return l;
    return ir_fail(t, BJ_ERR_TRACE, "%s: not inside a for loop body (bj_loop_begin)", fn), NULL;
}

/* After a callback: closes (with the trace's error set) every scope the callback left open above l. */
static void close_inner(bj_trace *t, jit_ctx *c, jit_loop *l, const char *fn, const char *what) {
    if (c->loop != l && !t->status) ir_fail(t, BJ_ERR_TRACE, "%s: %s left a loop or cond open", fn, what);
    while (c->loop && c->loop != l) {
        jit_loop *q = c->loop;
        close_region(t, q, NULL, 0, fn);
        c->loop = q->up;
        loop_free(q);
    }
}

/* Checks a callback's return and yield: s its status, want_c / want_y the carries and values it must yield. */
static void check_yield(bj_trace *t, const jit_loop *l, bj_status s, int want_c, int want_y, const char *fn,
                        const char *what) {
    if (s && !t->status) ir_fail(t, s, "%s: %s returned %s", fn, what, bj_status_name(s));
    if (t->status) return;
    if (!l->yielded && (want_c || want_y))
        ir_fail(t, BJ_ERR_TRACE, "%s: %s returned without bj_loop_yield (%d carries, %d values expected)", fn, what,
                want_c, want_y);
    else if (l->yielded && (l->ync != want_c || l->yny != want_y))
        ir_fail(t, BJ_ERR_ARG, "%s: %s yields %d carries and %d values; %d and %d expected", fn, what, l->ync, l->yny,
                want_c, want_y);
}

/* ---------------------------------------------------------------- for loops */
bj_status bj_loop_begin(bj_trace *t, int64_t n, int64_t every, bj_val *const *init, int ncarry, bj_val *const *xs,
                        int nxs) {
    jit_ctx *c = loop_ctx(t, "bj_loop_begin");
    if (!c) return ctx_status(t, "bj_loop_begin");
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
    jit_loop *l = scope_new(t, JIT_FOR, ncarry, nxs, "bj_loop_begin");
    if (!l) return t->status;
    l->up = c->loop, l->n = n, l->every = every;
    for (int i = 0; i < ncarry; i++) l->init[i] = init[i];
    l->body = ir_region_begin(t);
    l->open = l->body;
    l->step = l->body ? ir_region_param(t, BJ_I32, 0, NULL) : NULL;
    for (int i = 0; l->step && i < ncarry; i++)
        if (!(l->carry[i] = ir_region_param(t, (bj_dtype)init[i]->dtype, init[i]->rank, init[i]->shape))) break;
    for (int i = 0; l->step && !t->status && i < nxs; i++) { /* x_i = xs_i[step] */
        const ir_node *a = xs[i];
        if (a->shape[0] == 0) { /* n == 0: the body never runs; x_i only gives it its type (JAX's empty scan) */
            l->x[i] = ir_full(t, "bj_loop_begin", (bj_dtype)a->dtype, a->rank - 1, a->shape + 1, 0);
            continue;
        }
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

bj_val *bj_loop_step(bj_trace *t) {
    jit_loop *l = inner_for(t, "bj_loop_step");
    return l ? l->step : NULL;
}

bj_val *bj_loop_carry(bj_trace *t, int i) {
    jit_loop *l = inner_of(t, -1, "bj_loop_carry");
    if (l && (i < 0 || i >= l->ncarry))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_carry: %s %d is out of range (%d %s)",
                       l->kind == JIT_COND ? "operand" : "carry", i, l->ncarry,
                       l->kind == JIT_COND ? "operands" : "carries"), NULL;
    if (l && !l->open) return ir_fail(t, BJ_ERR_TRACE, "bj_loop_carry: no region of this scope is open"), NULL;
    return l ? l->carry[i] : NULL;
}

bj_val *bj_loop_x(bj_trace *t, int i) {
    jit_loop *l = inner_for(t, "bj_loop_x");
    if (l && (i < 0 || i >= l->nxs))
        return ir_fail(t, BJ_ERR_ARG, "bj_loop_x: xs %d is out of range (%d xs)", i, l->nxs);
    return l ? l->x[i] : NULL;
}

bj_status bj_loop_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys, bj_val **final,
                      bj_val **stacked) {
    jit_loop *l = inner_of(t, JIT_FOR, "bj_loop_end");
    if (!l) return t && trace_check(t, "bj_loop_end") ? t->status : BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
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
    bj_status e = close_region(t, l, res, nres, "bj_loop_end");
    if (!s) s = e;
    for (int r = 0; !s && r < nres; r++) {
        ir_node *v = ir_for(t, l->n, l->every, l->body, ins, nc, r);
        if (!v) s = t->status;
        else if (r < l->ncarry && final) final[r] = v;
        else if (r >= nc && stacked) stacked[r - nc] = v;
        else if (r >= l->ncarry && r < nc && l->vars[r - l->ncarry].written)
            s = write_back(t, c, l->vars[r - l->ncarry].var, v); /* its value after the loop */
    }
    free(res), free(ins);
    loop_free(l);
    return s;
}

/* ---------------------------------------------------------------- the callback forms */
bj_status bj_loop_yield(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys) {
    jit_loop *l = inner_of(t, -1, "bj_loop_yield");
    if (!l) return t && trace_check(t, "bj_loop_yield") && t->status ? t->status : BJ_ERR_TRACE;
    if (l->yielded)
        return ir_fail(t, BJ_ERR_TRACE, "bj_loop_yield: called twice in one body, condition or branch"), BJ_ERR_TRACE;
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
    close_inner(t, c, l, "bj_for_loop", "the body");
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

/* ---------------------------------------------------------------- while loops */
bj_status bj_while_begin(bj_trace *t, bj_val *const *init, int ncarry) {
    jit_ctx *c = loop_ctx(t, "bj_while_begin");
    if (!c) return ctx_status(t, "bj_while_begin");
    if (ncarry < 0 || (ncarry && !init))
        return ir_fail(t, BJ_ERR_ARG, "bj_while_begin: %d carries%s", ncarry, ncarry ? " but init is NULL" : ""),
               BJ_ERR_ARG;
    for (int i = 0; i < ncarry; i++)
        if (!val_of(t, init[i], "bj_while_begin")) return t->status;
    jit_loop *l = scope_new(t, JIT_WHILE, ncarry, 0, "bj_while_begin");
    if (!l) return t->status;
    l->up = c->loop;
    for (int i = 0; i < ncarry; i++) l->init[i] = init[i];
    l->body2 = open_region(t, l); /* the condition */
    if (t->status) {
        if (l->body2 && t->cur == l->body2) ir_region_end(t, NULL, 0);
        free(l);
        return t->status;
    }
    c->loop = l;
    return BJ_OK;
}

static bj_status while_body(bj_trace *t, bj_val *pred, const char *fn) {
    jit_loop *l = inner_of(t, JIT_WHILE, fn);
    if (!l) return t && trace_check(t, fn) ? t->status : BJ_ERR_HANDLE;
    if (l->phase != 0)
        return ir_fail(t, BJ_ERR_TRACE, "%s: the body is already open (bj_while_end closes it)", fn), BJ_ERR_TRACE;
    ir_node *p = t->status ? NULL : val_of(t, pred, fn);
    char ty[96];
    if (p && p->rank != 0)
        p = ir_fail(t, BJ_ERR_SHAPE, "%s: the condition is %s; it must be a scalar (rank 0): reduce it with bj_any "
                    "or bj_all", fn, core_fmt_type(ty, sizeof ty, (bj_dtype)p->dtype, p->rank, p->shape));
    if (p && p->dtype != BJ_BOOL) p = ir_cast(t, p, BJ_BOOL); /* nonzero is true */
    bj_status s = close_region(t, l, &p, 1, fn);
    l->pred = p, l->phase = 1;
    if (s) return s;
    l->body = open_region(t, l);
    for (int i = 0; l->body && i < l->nvars; i++) { /* the Variables the condition carries, in the same order */
        jit_loop_var_t *e = &l->vars[i];
        if (!(e->param2 = ir_region_param(t, (bj_dtype)e->init->dtype, e->init->rank, e->init->shape))) break;
        e->cur = e->param2, e->written = false;
    }
    return t->status;
}

bj_status bj_while_body(bj_trace *t, bj_val *pred) { return while_body(t, pred, "bj_while_body"); }

static bj_status while_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val **final, const char *fn) {
    jit_loop *l = inner_of(t, JIT_WHILE, fn);
    if (!l) return t && trace_check(t, fn) ? t->status : BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    bj_status s = t->status; /* a failed loop still closes its region and is freed */
    if (!s && l->phase == 0)
        s = BJ_ERR_TRACE, ir_fail(t, s, "%s: the condition is still open (bj_while_body yields it and opens the "
                                  "body)", fn);
    if (!s && (ncarry != l->ncarry || (ncarry && !new_carry)))
        s = BJ_ERR_ARG, ir_fail(t, s, "%s: %d new carries for %d carries", fn, ncarry, l->ncarry);
    for (int i = 0; !s && i < ncarry; i++) {
        const ir_node *a = val_of(t, new_carry[i], fn), *b = l->init[i];
        if (!a) s = t->status;
        else if (a->dtype != b->dtype || a->rank != b->rank || memcmp(a->shape, b->shape, sizeof(int64_t) * b->rank)) {
            char x[96], y[96];
            s = BJ_ERR_SHAPE;
            ir_fail(t, s, "%s: carry %d enters the loop as %s but the body returns %s", fn, i,
                    core_fmt_type(x, sizeof x, (bj_dtype)b->dtype, b->rank, b->shape),
                    core_fmt_type(y, sizeof y, (bj_dtype)a->dtype, a->rank, a->shape));
        }
    }
    int nc = l->ncarry + l->nvars;
    ir_node **res = s ? NULL : malloc(sizeof *res * (size_t)(nc + 1));
    ir_node **ins = s ? NULL : malloc(sizeof *ins * (size_t)(nc + 1));
    if (!s && (!res || !ins)) s = BJ_ERR_NOMEM, ir_fail(t, s, "%s: out of memory", fn);
    if (!s) {
        for (int i = 0; i < l->ncarry; i++) res[i] = (ir_node *)new_carry[i], ins[i] = l->init[i];
        for (int i = 0; i < l->nvars; i++) res[l->ncarry + i] = l->vars[i].cur, ins[l->ncarry + i] = l->vars[i].init;
    }
    c->loop = l->up; /* the enclosing scope, for the WHILE nodes and the Variables' values after the loop */
    bj_status e = close_region(t, l, res, nc, fn);
    if (!s) s = e;
    for (int r = 0; !s && r < nc; r++) { /* no carry at all: nothing leaves the loop, nothing to run */
        ir_node *v = ir_while(t, l->body2, l->body, ins, nc, r);
        if (!v) s = t->status;
        else if (r < l->ncarry && final) final[r] = v;
        else if (r >= l->ncarry && l->vars[r - l->ncarry].written) s = write_back(t, c, l->vars[r - l->ncarry].var, v);
    }
    free(res), free(ins);
    loop_free(l);
    return s;
}

bj_status bj_while_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val **final) {
    return while_end(t, new_carry, ncarry, final, "bj_while_end");
}

bj_status bj_while_loop(bj_trace *t, bj_loop_fn cond, bj_loop_fn body, void *ud, bj_val *const *init, int ncarry,
                        bj_val **final) {
    if (!cond || !body) {
        if (trace_check(t, "bj_while_loop"))
            ir_fail(t, BJ_ERR_ARG, "bj_while_loop: the %s function is NULL", cond ? "body" : "condition");
        return BJ_ERR_ARG;
    }
    bj_status s = bj_while_begin(t, init, ncarry);
    if (s) return s;
    jit_ctx *c = t->owner;
    jit_loop *l = c->loop;
    s = cond(t, ud);
    close_inner(t, c, l, "bj_while_loop", "the condition");
    check_yield(t, l, s, 0, 1, "bj_while_loop", "the condition");
    while_body(t, t->status ? NULL : l->yys[0], "bj_while_loop"); /* closes the condition on every path */
    if (!t->status) {
        s = body(t, ud);
        close_inner(t, c, l, "bj_while_loop", "the body");
        check_yield(t, l, s, ncarry, 0, "bj_while_loop", "the body");
    }
    return while_end(t, t->status ? NULL : l->ycarry, ncarry, final, "bj_while_loop");
}

/* ---------------------------------------------------------------- conds */
bj_status bj_cond_begin(bj_trace *t, bj_val *pred, bj_val *const *ops, int nops) {
    jit_ctx *c = loop_ctx(t, "bj_cond_begin");
    if (!c) return ctx_status(t, "bj_cond_begin");
    if (nops < 0 || (nops && !ops))
        return ir_fail(t, BJ_ERR_ARG, "bj_cond_begin: %d operands%s", nops, nops ? " but ops is NULL" : ""),
               BJ_ERR_ARG;
    ir_node *p = val_of(t, pred, "bj_cond_begin");
    if (!p) return t->status;
    char ty[96];
    if (p->rank != 0)
        return ir_fail(t, BJ_ERR_SHAPE, "bj_cond_begin: the predicate is %s; it must be a scalar (rank 0): reduce it "
                       "with bj_any or bj_all", core_fmt_type(ty, sizeof ty, (bj_dtype)p->dtype, p->rank, p->shape)),
               BJ_ERR_SHAPE;
    if (p->dtype != BJ_BOOL && !(p = ir_cast(t, p, BJ_BOOL))) return t->status; /* nonzero is true */
    for (int i = 0; i < nops; i++)
        if (!val_of(t, ops[i], "bj_cond_begin")) return t->status;
    jit_loop *l = scope_new(t, JIT_COND, nops, 0, "bj_cond_begin");
    if (!l) return t->status;
    l->up = c->loop, l->pred = p;
    for (int i = 0; i < nops; i++) l->init[i] = ops[i];
    l->body = open_region(t, l); /* the true branch */
    if (t->status) {
        if (l->body && t->cur == l->body) ir_region_end(t, NULL, 0);
        free(l);
        return t->status;
    }
    c->loop = l;
    return BJ_OK;
}

/* Checks n results of a branch (fn names the caller in messages). */
static bj_status branch_results(bj_trace *t, bj_val *const *results, int n, const char *fn) {
    if (t->status) return t->status;
    if (n < 0 || (n && !results)) return ir_fail(t, BJ_ERR_ARG, "%s: %d results", fn, n), BJ_ERR_ARG;
    for (int i = 0; i < n; i++)
        if (!val_of(t, results[i], fn)) return t->status;
    return BJ_OK;
}

bj_status bj_cond_else(bj_trace *t, bj_val *const *results, int nresults) {
    jit_loop *l = inner_of(t, JIT_COND, "bj_cond_else");
    if (!l) return t && trace_check(t, "bj_cond_else") ? t->status : BJ_ERR_HANDLE;
    if (l->phase != 0)
        return ir_fail(t, BJ_ERR_TRACE, "bj_cond_else: the false branch is already open (bj_cond_end closes it)"),
               BJ_ERR_TRACE;
    bj_status s = branch_results(t, results, nresults, "bj_cond_else");
    if (!s) {
        l->res = core_arena_alloc(&t->arena, sizeof *l->res * (size_t)(nresults + 1));
        if (!l->res) s = BJ_ERR_NOMEM, ir_fail(t, s, "bj_cond_else: out of memory");
        for (int i = 0; !s && i < nresults; i++) l->res[i] = (ir_node *)results[i];
        l->nres = nresults;
    }
    bj_status e = close_region(t, l, l->res, s ? 0 : nresults, "bj_cond_else");
    if (!s) s = e;
    for (int i = 0; i < l->nvars; i++) { /* the false branch starts from the values before the cond */
        jit_loop_var_t *v = &l->vars[i];
        v->then = v->written ? v->cur : NULL, v->wrote_then = v->written;
        v->cur = v->init, v->written = false;
    }
    l->phase = 1;
    if (s) return s;
    l->body2 = open_region(t, l);
    return t->status;
}

/* Makes the types of result i of both branches agree when they differ only by a weakly typed side (a C literal),
 * which then takes the other side's dtype (cast inside its branch); false if they still differ. */
static bool unify(bj_trace *t, jit_loop *l, ir_node **a, ir_node **b) {
    ir_node *x = *a, *y = *b;
    bool same_shape = x->rank == y->rank && !memcmp(x->shape, y->shape, sizeof(int64_t) * x->rank);
    if (!same_shape) return false;
    if (x->dtype == y->dtype) return true;
    if (x->weak == y->weak) return false;
    bool w;
    bj_dtype d = bj_promote((bj_dtype)x->dtype, x->weak, (bj_dtype)y->dtype, y->weak, &w);
    if (d != (x->weak ? y->dtype : x->dtype)) return false; /* the literal's class is higher: a real mismatch */
    ir_region *saved = t->cur;
    if (x->weak) t->cur = l->body, x = ir_cast(t, x, d);
    else t->cur = l->body2, y = ir_cast(t, y, d);
    t->cur = saved;
    if (!x || !y) return false;
    *a = x, *b = y;
    return true;
}

static bj_status cond_end(bj_trace *t, bj_val *const *results, int nresults, bj_val **outs, const char *fn) {
    jit_loop *l = inner_of(t, JIT_COND, fn);
    if (!l) return t && trace_check(t, fn) ? t->status : BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    bj_status s = t->status; /* a failed cond still closes its region and is freed */
    if (!s && l->phase == 0)
        s = BJ_ERR_TRACE, ir_fail(t, s, "%s: the false branch was never opened (bj_cond_else closes the true branch "
                                  "and opens it)", fn);
    if (!s) s = branch_results(t, results, nresults, fn);
    if (!s && nresults != l->nres)
        s = BJ_ERR_ARG, ir_fail(t, s, "%s: the true branch returns %d results, the false branch %d", fn, l->nres,
                                nresults);
    int nw = 0; /* the Variables either branch wrote */
    for (int i = 0; i < l->nvars; i++) nw += l->vars[i].wrote_then || l->vars[i].written;
    int n = l->nres + nw;
    ir_node **tres = s ? NULL : malloc(sizeof *tres * (size_t)(n + 1));
    ir_node **fres = s ? NULL : malloc(sizeof *fres * (size_t)(n + 1));
    if (!s && (!tres || !fres)) s = BJ_ERR_NOMEM, ir_fail(t, s, "%s: out of memory", fn);
    for (int i = 0; !s && i < l->nres; i++) {
        tres[i] = l->res[i], fres[i] = (ir_node *)results[i];
        if (!unify(t, l, &tres[i], &fres[i]) && !t->status) {
            char x[96], y[96];
            s = BJ_ERR_SHAPE;
            ir_fail(t, s, "%s: result %d is %s in the true branch and %s in the false branch", fn, i,
                    core_fmt_type(x, sizeof x, (bj_dtype)tres[i]->dtype, tres[i]->rank, tres[i]->shape),
                    core_fmt_type(y, sizeof y, (bj_dtype)fres[i]->dtype, fres[i]->rank, fres[i]->shape));
        }
        if (!s) s = t->status;
    }
    for (int i = 0, j = l->nres; !s && i < l->nvars; i++) {
        const jit_loop_var_t *v = &l->vars[i];
        if (!v->wrote_then && !v->written) continue;
        tres[j] = v->wrote_then ? v->then : v->init;
        fres[j++] = v->written ? v->cur : v->init;
    }
    c->loop = l->up; /* the enclosing scope, for the COND nodes and the Variables' values after the cond */
    bj_status e = close_region(t, l, fres, n, fn);
    if (!s) s = e;
    if (!s && l->body2) s = ir_region_set_results(t, l->body, tres, n); /* now with the Variables */
    for (int r = 0, j = 0; !s && r < n; r++) {
        ir_node *v = ir_cond(t, l->pred, l->body, l->body2, l->init, l->ncarry, r);
        if (!v) {
            s = t->status;
        } else if (r < l->nres) {
            if (outs) outs[r] = v;
        } else {
            while (!l->vars[j].wrote_then && !l->vars[j].written) j++;
            s = write_back(t, c, l->vars[j++].var, v); /* the taken branch's value */
        }
    }
    free(tres), free(fres);
    loop_free(l);
    return s;
}

bj_status bj_cond_end(bj_trace *t, bj_val *const *results, int nresults, bj_val **outs) {
    return cond_end(t, results, nresults, outs, "bj_cond_end");
}

bj_status bj_cond(bj_trace *t, bj_val *pred, bj_loop_fn then_fn, bj_loop_fn else_fn, void *ud, bj_val *const *ops,
                  int nops, bj_val **outs, int nout) {
    if (!then_fn || !else_fn) {
        if (trace_check(t, "bj_cond"))
            ir_fail(t, BJ_ERR_ARG, "bj_cond: the %s branch function is NULL", then_fn ? "false" : "true");
        return BJ_ERR_ARG;
    }
    if (nout < 0 || (nout && !outs)) {
        if (trace_check(t, "bj_cond")) ir_fail(t, BJ_ERR_ARG, "bj_cond: %d results but outs is NULL", nout);
        return BJ_ERR_ARG;
    }
    bj_status s = bj_cond_begin(t, pred, ops, nops);
    if (s) return s;
    jit_ctx *c = t->owner;
    jit_loop *l = c->loop;
    s = then_fn(t, ud);
    close_inner(t, c, l, "bj_cond", "the true branch");
    check_yield(t, l, s, 0, nout, "bj_cond", "the true branch");
    bj_cond_else(t, t->status ? NULL : l->yys, t->status ? 0 : nout); /* closes the true branch on every path */
    if (!t->status) {
        s = else_fn(t, ud);
        close_inner(t, c, l, "bj_cond", "the false branch");
        check_yield(t, l, s, 0, nout, "bj_cond", "the false branch");
    }
    return cond_end(t, t->status ? NULL : l->yys, t->status ? 0 : nout, outs, "bj_cond");
}
