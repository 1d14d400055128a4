/* loop.c — loops and conds (FOR, WHILE, COND) in the native backend's plan: which nodes form one loop or cond, what
 * its regions need, and each region planned as a plan of its own.
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
 * A WHILE loop is the same kind of kernel with two regions: the condition, planned with the carries as inputs and
 * the predicate as its one output (a byte of the loop's memory), and the body, planned as a FOR body without the
 * step. Both read the carries in the same memory; they run one after the other, so they share their scratch. A
 * COND is one kernel too: each branch is planned with the operands as inputs (read in place from their buffers: a
 * branch runs once and never writes them) and the live results as outputs, which are the members' buffers — the
 * branch taken writes them directly.
 *
 * Dead code: results nobody uses are no members; a carry is needed if its final value is used or a needed result
 * (or a while's condition) depends on it (a fixpoint over the regions), and an unneeded carry is neither
 * initialised, nor computed, nor read. A cond's operand is needed if a live result of either branch reads it.
 *
 * Memory at run time (the renderer, src/backend/c/unit.c): a carry lives in its member's buffer (the final value is
 * then where the loop leaves it) or, with no live member, in the loop's own memory; a recorded value's output of the
 * body points at its row of the stacked buffer on recorded steps and at a scratch row on the others; the regions'
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
        for (int j = 0; j < 2; j++) {
            const ir_region *b = j ? x->body2 : x->body;
            for (int i = 0; b && i < b->nresults; i++) {
                ir_node *y = b->results[i];
                if (!w->seen[y->id]) w->seen[y->id] = 1, w->stack[w->nstack++] = y;
            }
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

/* The results of region j (0: body, 1: body2) that the loop or cond computes: needed carries and recorded values of
 * live members (FOR, a WHILE's body), the predicate (a WHILE's condition), the results of live members (COND). */
static int region_roots(const opt_loop *l, int j, ir_node **roots) {
    int n = 0;
    if (j == 1 && l->op == IR_WHILE) {
        roots[n++] = l->body2->results[0];
        return n;
    }
    const ir_region *r = j ? l->body2 : l->body;
    for (int k = 0; k < l->nres; k++) {
        bool carry = l->op != IR_COND && k < l->ncarry;
        if (carry ? l->need[k] : l->member[k] != NULL) roots[n++] = r->results[k];
    }
    return n;
}

opt_loop *opt_loop_new(opt_plan *p, ir_node *n) {
    const ir_graph *g = p->g;
    core_arena *a = &p->arena;
    opt_loop *l = core_arena_alloc(a, sizeof *l);
    if (!l) return core_err(BJ_ERR_NOMEM, "planning a loop: out of memory"), NULL;
    memset(l, 0, sizeof *l);
    l->lead = n, l->op = (ir_op)n->op, l->body = n->body, l->body2 = n->body2, l->scratch_buf = -1;
    if (l->op == IR_FOR) l->n = n->attr[IR_FOR_N], l->every = n->attr[IR_FOR_EVERY], l->first = 1;
    l->ncarry = l->op == IR_COND ? n->nin - 1 : n->nin;
    l->nres = l->body->nresults;
    l->pred = l->op == IR_COND ? n->in[0] : NULL;
    l->init = core_arena_alloc(a, sizeof *l->init * ((size_t)l->ncarry + 1));
    l->member = core_arena_alloc(a, sizeof *l->member * ((size_t)l->nres + 1));
    l->need = core_arena_alloc(a, sizeof *l->need * ((size_t)l->ncarry + 1));
    l->out_of = core_arena_alloc(a, sizeof *l->out_of * ((size_t)l->nres + 1));
    l->out_of2 = core_arena_alloc(a, sizeof *l->out_of2 * ((size_t)l->nres + 1));
    l->carry_off = core_arena_alloc(a, sizeof *l->carry_off * ((size_t)l->ncarry + 1));
    l->discard_off = core_arena_alloc(a, sizeof *l->discard_off * ((size_t)l->nres + 1));
    ir_node **roots = malloc(sizeof *roots * ((size_t)l->nres + 1));
    walk w[2] = {0};
    int nreg = l->body2 ? 2 : 1;
    bool ok = l->init && l->member && l->need && l->out_of && l->out_of2 && l->carry_off && l->discard_off && roots;
    if (!ok) core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
    for (int k = 0; ok && k < l->ncarry; k++) l->init[k] = n->in[k + (l->op == IR_COND)];
    for (int k = 0; ok && k < l->nres; k++)
        l->member[k] = NULL, l->out_of[k] = l->out_of2[k] = -1, l->discard_off[k] = 0;
    for (int i = 0; ok && i < g->nnodes; i++) {
        ir_node *m = g->nodes[i];
        if (ir_is_control(m) && ir_same_loop(m, n) && !l->member[m->attr[IR_FOR_WHICH]])
            l->member[m->attr[IR_FOR_WHICH]] = m;
    }
    for (int k = 0; ok && k < l->ncarry; k++)
        l->need[k] = l->op != IR_COND && l->member[k] != NULL, l->carry_off[k] = 0;
    for (bool changed = ok; changed;) { /* carries that needed results (or a while's condition) read are needed */
        changed = false;
        for (int j = 0; j < nreg && ok; j++) {
            const ir_region *r = j ? l->body2 : l->body;
            walk_free(&w[j]);
            if (!(ok = walk_init(&w[j], g->tr, r))) break;
            walk_run(&w[j], roots, region_roots(l, j, roots));
            int first = j ? 0 : l->first;
            for (int k = 0; k < l->ncarry && k + first < r->nparams; k++)
                if (w[j].param[k + first] && !l->need[k]) l->need[k] = changed = true;
        }
    }
    if (ok) { /* the last walks saw what the computed results use: the union of what they capture */
        int nout = w[0].nout + (nreg > 1 ? w[1].nout : 0);
        ir_node **all = malloc(sizeof *all * ((size_t)nout + 1));
        l->capt = core_arena_alloc(a, sizeof *l->capt * ((size_t)nout + 1));
        l->leaves = core_arena_alloc(a, sizeof *l->leaves * ((size_t)nout + 1));
        if (!(ok = all && l->capt && l->leaves)) core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
        for (int j = 0, m = 0; ok && j < nreg; j++)
            for (int i = 0; i < w[j].nout; i++) all[m++] = w[j].out[i];
        if (ok) qsort(all, (size_t)nout, sizeof *all, by_id);
        for (int i = 0; ok && i < nout; i++) {
            if (i > 0 && all[i] == all[i - 1]) continue;
            if (is_leaf(all[i])) l->leaves[l->nleaves++] = all[i];
            else l->capt[l->ncapt++] = all[i];
        }
        free(all);
    }
    walk_free(&w[0]), walk_free(&w[1]);
    free(roots);
    return ok ? l : NULL;
}

/* Plans region j of loop l (0: body, 1: body2) as a sub-plan: the sub-graph, its plan (stored in l). */
static bj_status plan_region(opt_plan *p, opt_loop *l, int j) {
    const ir_region *r = j ? l->body2 : l->body;
    const ir_trace *t = p->g->tr;
    core_arena *a = &p->arena;
    ir_node **roots = malloc(sizeof *roots * ((size_t)l->nres + 1));
    walk w = {0};
    if (!roots || !walk_init(&w, t, r)) {
        free(roots), walk_free(&w);
        return core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
    }
    int nout = region_roots(l, j, roots);
    walk_run(&w, roots, nout);
    int nin = r->nparams + l->ncapt, nn = nin + w.nown + l->nleaves;
    ir_graph *sg = core_arena_alloc(a, sizeof *sg);
    ir_node **ins = core_arena_alloc(a, sizeof *ins * ((size_t)nin + 1));
    ir_node **outs = core_arena_alloc(a, sizeof *outs * ((size_t)nout + 1));
    ir_node **nodes = core_arena_alloc(a, sizeof *nodes * ((size_t)nn + 1));
    int *alias = malloc(sizeof *alias * ((size_t)nout + 1));
    opt_plan *sub = calloc(1, sizeof *sub);
    if (sub) *(j ? &l->plan2 : &l->plan) = sub; /* owned by the loop from now on (freed with the enclosing plan) */
    bj_status s = BJ_OK;
    if (!sg || !ins || !outs || !nodes || !alias || !sub) {
        s = core_err(BJ_ERR_NOMEM, "planning a loop: out of memory");
        goto done;
    }
    for (int i = 0; i < r->nparams; i++) ins[i] = r->params[i];
    for (int i = 0; i < l->ncapt; i++) ins[r->nparams + i] = l->capt[i];
    int o = 0;
    if (j == 1 && l->op == IR_WHILE) { /* the predicate */
        alias[o] = -1;
        outs[o++] = r->results[0];
    }
    for (int k = 0; o < nout && k < l->nres; k++) {
        bool carry = l->op != IR_COND && k < l->ncarry;
        if (carry ? !l->need[k] : !l->member[k]) continue;
        alias[o] = carry ? k + l->first : -1; /* a new carry over its carry */
        (j ? l->out_of2 : l->out_of)[k] = o;
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
done:
    free(roots), free(alias);
    walk_free(&w);
    return s;
}

/* Plans loop l's regions, then the loop's own memory. */
static bj_status plan_body(opt_plan *p, opt_loop *l) {
    bj_status s = plan_region(p, l, 0);
    if (!s && l->body2) s = plan_region(p, l, 1);
    if (s) return s;
    /* the loop's own memory: the regions' scratch (shared: they never run at once), carries with no live member, a
     * while's predicate, scratch rows */
    size_t sc = l->plan->scratch;
    if (l->plan2 && l->plan2->scratch > sc) sc = l->plan2->scratch;
    size_t off = round_up(sc);
    for (int k = 0; l->op != IR_COND && k < l->ncarry; k++)
        if (l->need[k] && !l->member[k]) {
            const ir_node *c = l->body->params[k + l->first];
            l->carry_off[k] = off;
            off += round_up((size_t)ir_nelem(c) * bj_dtype_size((bj_dtype)c->dtype) + 1);
        }
    if (l->op == IR_WHILE) l->pred_off = off, off += round_up(1);
    for (int k = l->ncarry; l->op == IR_FOR && l->every > 1 && k < l->nres; k++)
        if (l->member[k]) {
            const ir_node *y = l->body->results[k];
            l->discard_off[k] = off;
            off += round_up((size_t)ir_nelem(y) * bj_dtype_size((bj_dtype)y->dtype) + 1);
        }
    l->bytes = off;
    return BJ_OK;
}

bj_status opt_plan_loops(opt_plan *p) {
    for (int k = 0; k < p->nkernels; k++) {
        if (p->kernels[k].kind != OPT_FOR) continue;
        bj_status s = plan_body(p, p->kernels[k].loop);
        if (s) return s;
    }
    return BJ_OK;
}
