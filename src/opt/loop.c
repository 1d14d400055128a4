/* loop.c — loops (FOR) in the native backend's plan: which FOR nodes form one loop, what its body needs, and the
 * body planned as a plan of its own.
 *
 * Design note. The FOR nodes of one loop (same body, operands, n and every) are one kernel of the enclosing plan
 * (kind OPT_FOR), which stores every live member: the final carries and the stacked recorded values. The body is
 * planned like any graph — fusion, memory plan, nested loops recursively — as a sub-graph over the same trace whose
 * inputs are the step, the carries and the values it captures from enclosing regions (weights, arguments, constants:
 * each must have a buffer in the enclosing plan; captured literals, fulls and iotas are computed where read, as
 * anywhere) and whose outputs are the new carries and the recorded values. Each new carry is an aliased output over
 * its carry input, so memplan's rule decides: written in place when every read of the carry happens before or at
 * the same element (a LIF step updates its state in place: no copy), otherwise computed aside and copied over the
 * carry after the body's kernels, with staging when carries swap.
 *
 * Dead code: results nobody uses are no members; a carry is needed if its final value is used or a needed result
 * depends on it (a fixpoint over the body), and an unneeded carry is neither initialised, nor computed, nor read.
 *
 * Memory at run time (the renderer, src/backend/c/unit.c): a carry lives in its member's buffer (the final value is
 * then where the loop leaves it) or, with no live member, in the loop's own memory; a recorded value's output of the
 * body points at its row of the stacked buffer on recorded steps and at a scratch row on the others; the body's
 * temporaries are the rest of the loop's own memory, one temporary of the enclosing plan. */
#include "opt/plan.h"

#include <string.h>

static size_t round_up(size_t n) { return (n + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN; }

static bool is_leaf(const ir_node *n) { return n->op == IR_LIT || n->op == IR_FULL || n->op == IR_IOTA; }

/* Whether x belongs to region r or a region nested in it. */
static bool inside(const ir_node *x, const ir_region *r) {
    for (const ir_region *q = x->region; q; q = q->parent)
        if (q == r) return true;
    return false;
}

/* A walk of region r's dependencies from some of its values: the parameters of r reached, the nodes of r, and the
 * values of enclosing regions used (by r or regions nested in it). */
typedef struct walk {
    const ir_region *r;
    unsigned char *seen; /* by node id */
    ir_node **stack;
    int nstack;
    bool *param;         /* by parameter index */
    ir_node **own, **out;
    int nown, nout;
} walk;

static bool walk_init(walk *w, const ir_trace *t, const ir_region *r) {
    size_t n = (size_t)t->next_id + 1;
    *w = (walk){.r = r, .seen = calloc(n, 1), .stack = malloc(sizeof(ir_node *) * n),
                .param = calloc((size_t)r->nparams + 1, sizeof(bool)), .own = malloc(sizeof(ir_node *) * n),
                .out = malloc(sizeof(ir_node *) * n)};
    if (w->seen && w->stack && w->param && w->own && w->out) return true;
    core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
    return false;
}

static void walk_free(walk *w) { free(w->seen), free(w->stack), free(w->param), free(w->own), free(w->out); }

/* Walks from roots. Each node is pushed at most once (seen), so the stack holds at most next_id entries. */
static void walk_run(walk *w, ir_node *const *roots, int nroots) {
    for (int i = 0; i < nroots; i++)
        if (!w->seen[roots[i]->id]) w->seen[roots[i]->id] = 1, w->stack[w->nstack++] = roots[i];
    while (w->nstack) {
        ir_node *x = w->stack[--w->nstack];
        if (!inside(x, w->r)) {
            w->out[w->nout++] = x;
            continue;
        }
        if (x->op == IR_ARG) { /* a parameter of r (those of nested regions are bound by their loops) */
            if (x->region == w->r && x->nattr == 1 && x->attr[0] >= 0 && x->attr[0] < w->r->nparams)
                w->param[x->attr[0]] = true;
            continue;
        }
        if (x->region == w->r) w->own[w->nown++] = x;
        for (int i = 0; i < x->nin; i++)
            if (!w->seen[x->in[i]->id]) w->seen[x->in[i]->id] = 1, w->stack[w->nstack++] = x->in[i];
        for (int i = 0; x->body && i < x->body->nresults; i++) {
            ir_node *y = x->body->results[i];
            if (!w->seen[y->id]) w->seen[y->id] = 1, w->stack[w->nstack++] = y;
        }
    }
}

static int by_id(const void *a, const void *b) {
    int x = (*(ir_node *const *)a)->id, y = (*(ir_node *const *)b)->id;
    return (x > y) - (x < y);
}

ir_node **opt_region_nodes(const ir_trace *t, const ir_region *r, int *n) {
    walk w;
    *n = 0;
    if (!walk_init(&w, t, r)) {
        walk_free(&w);
        return NULL;
    }
    walk_run(&w, r->results, r->nresults);
    ir_node **own = w.own;
    w.own = NULL;
    qsort(own, (size_t)w.nown, sizeof *own, by_id);
    *n = w.nown;
    walk_free(&w);
    return own;
}

/* The results of l's body that the loop computes: needed carries and recorded values of live members. */
static int needed_results(const opt_loop *l, ir_node **roots) {
    int n = 0;
    for (int k = 0; k < l->nres; k++)
        if (k < l->ncarry ? l->need[k] : l->member[k] != NULL) roots[n++] = l->body->results[k];
    return n;
}

opt_loop *opt_loop_new(opt_plan *p, ir_node *n) {
    const ir_graph *g = p->g;
    const ir_region *r = n->body;
    core_arena *a = &p->arena;
    opt_loop *l = core_arena_alloc(a, sizeof *l);
    if (!l) return core_err(BJ_ERR_NOMEM, "planning a loop: out of memory"), NULL;
    memset(l, 0, sizeof *l);
    l->lead = n, l->body = n->body, l->n = n->attr[IR_FOR_N], l->every = n->attr[IR_FOR_EVERY];
    l->ncarry = n->nin, l->nres = r->nresults, l->scratch_buf = -1;
    l->member = core_arena_alloc(a, sizeof *l->member * ((size_t)l->nres + 1));
    l->need = core_arena_alloc(a, sizeof *l->need * ((size_t)l->ncarry + 1));
    l->out_of = core_arena_alloc(a, sizeof *l->out_of * ((size_t)l->nres + 1));
    l->carry_off = core_arena_alloc(a, sizeof *l->carry_off * ((size_t)l->ncarry + 1));
    l->discard_off = core_arena_alloc(a, sizeof *l->discard_off * ((size_t)l->nres + 1));
    ir_node **roots = malloc(sizeof *roots * ((size_t)l->nres + 1));
    walk w = {0};
    bool ok = l->member && l->need && l->out_of && l->carry_off && l->discard_off && roots;
    if (!ok) core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
    for (int k = 0; ok && k < l->nres; k++) l->member[k] = NULL, l->out_of[k] = -1, l->discard_off[k] = 0;
    for (int i = 0; ok && i < g->nnodes; i++) {
        ir_node *m = g->nodes[i];
        if (m->op == IR_FOR && ir_same_loop(m, n) && !l->member[m->attr[IR_FOR_WHICH]]) l->member[m->attr[IR_FOR_WHICH]] = m;
    }
    for (int k = 0; ok && k < l->ncarry; k++) l->need[k] = l->member[k] != NULL, l->carry_off[k] = 0;
    for (bool changed = ok; changed;) { /* carries that needed results read are needed */
        changed = false;
        walk_free(&w);
        if (!(ok = walk_init(&w, g->tr, r))) break;
        walk_run(&w, roots, needed_results(l, roots));
        for (int k = 0; k < l->ncarry; k++)
            if (w.param[k + 1] && !l->need[k]) l->need[k] = changed = true;
    }
    if (ok) { /* the last walk saw what the needed results use */
        l->capt = core_arena_alloc(a, sizeof *l->capt * ((size_t)w.nout + 1));
        l->leaves = core_arena_alloc(a, sizeof *l->leaves * ((size_t)w.nout + 1));
        if (!(ok = l->capt && l->leaves)) core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
        qsort(w.out, (size_t)w.nout, sizeof *w.out, by_id);
        for (int i = 0; ok && i < w.nout; i++) {
            if (is_leaf(w.out[i])) l->leaves[l->nleaves++] = w.out[i];
            else l->capt[l->ncapt++] = w.out[i];
        }
    }
    walk_free(&w);
    free(roots);
    return ok ? l : NULL;
}

/* Plans loop l's body: the sub-graph, its plan, then the loop's own memory. */
static bj_status plan_body(opt_plan *p, opt_loop *l) {
    const ir_region *r = l->body;
    const ir_trace *t = p->g->tr;
    core_arena *a = &p->arena;
    ir_node **roots = malloc(sizeof *roots * ((size_t)l->nres + 1));
    walk w = {0};
    if (!roots || !walk_init(&w, t, r)) {
        free(roots), walk_free(&w);
        return core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
    }
    int nout = needed_results(l, roots);
    walk_run(&w, roots, nout);
    int nin = r->nparams + l->ncapt, nn = nin + w.nown + l->nleaves;
    ir_graph *sg = core_arena_alloc(a, sizeof *sg);
    ir_node **ins = core_arena_alloc(a, sizeof *ins * ((size_t)nin + 1));
    ir_node **outs = core_arena_alloc(a, sizeof *outs * ((size_t)nout + 1));
    ir_node **nodes = core_arena_alloc(a, sizeof *nodes * ((size_t)nn + 1));
    int *alias = malloc(sizeof *alias * ((size_t)nout + 1));
    opt_plan *sub = calloc(1, sizeof *sub);
    if (sub) l->plan = sub; /* owned by the loop from now on (opt_plan_free of the enclosing plan frees it) */
    bj_status s = BJ_OK;
    if (!sg || !ins || !outs || !nodes || !alias || !sub) {
        s = core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
        goto done;
    }
    for (int i = 0; i < r->nparams; i++) ins[i] = r->params[i];
    for (int i = 0; i < l->ncapt; i++) ins[r->nparams + i] = l->capt[i];
    int o = 0;
    for (int k = 0; k < l->nres; k++) {
        if (k < l->ncarry ? !l->need[k] : !l->member[k]) continue;
        alias[o] = k < l->ncarry ? k + 1 : -1;
        l->out_of[k] = o;
        outs[o++] = r->results[k];
    }
    memcpy(nodes, ins, sizeof *ins * (size_t)nin);
    memcpy(nodes + nin, w.own, sizeof *w.own * (size_t)w.nown);
    if (l->nleaves) memcpy(nodes + nin + w.nown, l->leaves, sizeof *l->leaves * (size_t)l->nleaves);
    qsort(nodes, (size_t)nn, sizeof *nodes, by_id);
    *sg = (ir_graph){.refcount = 1, .tr = (ir_trace *)t, .nin = nin, .nout = nout, .nnodes = nn, .inputs = ins,
                     .outputs = outs, .nodes = nodes};
    sub->src = sub->g = sg; /* the sub-graph lives in p's arena: the sub-plan never frees it */
    bool any = false;
    for (int i = 0; i < nout; i++) any |= alias[i] >= 0;
    if (any) {
        int *al = core_arena_dup(&sub->arena, alias, sizeof *alias * (size_t)nout);
        if (!al) {
            s = core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
            goto done;
        }
        sub->out_alias = al;
    }
    if ((s = opt_fuse(sub)) || (s = opt_plan_loops(sub)) || (s = opt_memplan(sub))) goto done;
    /* the loop's own memory: the body's scratch, carries with no live member, scratch rows */
    size_t off = round_up(sub->scratch);
    for (int k = 0; k < l->ncarry; k++)
        if (l->need[k] && !l->member[k]) {
            const ir_node *c = r->params[k + 1];
            l->carry_off[k] = off;
            off += round_up((size_t)ir_nelem(c) * bj_dtype_size((bj_dtype)c->dtype) + 1);
        }
    for (int k = l->ncarry; l->every > 1 && k < l->nres; k++)
        if (l->member[k]) {
            const ir_node *y = r->results[k];
            l->discard_off[k] = off;
            off += round_up((size_t)ir_nelem(y) * bj_dtype_size((bj_dtype)y->dtype) + 1);
        }
    l->bytes = off;
done:
    free(roots), free(alias);
    walk_free(&w);
    return s;
}

bj_status opt_plan_loops(opt_plan *p) {
    for (int k = 0; k < p->nkernels; k++) {
        if (p->kernels[k].kind != OPT_FOR) continue;
        bj_status s = plan_body(p, p->kernels[k].loop);
        if (s) return s;
    }
    return BJ_OK;
}
