/* interp.c — the reference interpreter backend: walks the plan node by node, keeping every value in an env
 * indexed by node id, evaluates CALL and FOR bodies in place, and releases each intermediate right after its last
 * use.
 *
 * Compile splits the graph into blocks: the top level (the plan's kernels, in order) and one block per region run
 * by a CALL, FOR, WHILE or COND (its live nodes, ordered by id, which is topological). For each block it
 * precomputes which values die after each step. A value is owned by the block of its region; a use from inside a
 * nested region counts as a use by the node that runs that region, so that node keeps it alive.
 *
 * Loops: the FOR nodes of one loop (same body, operands, n and every) run it once: the first live one (the lead)
 * runs the body n times, carrying values from step to step (each step's results become the next step's
 * parameters; nothing is copied but the recorded rows), and sets the value of every live member; the others find
 * theirs already there. A WHILE loop's lead runs the condition on the carries, then the body, until the condition
 * is false (no cap: an endless condition loops forever, as the program says); a COND's lead runs the branch its
 * predicate picks, binding the operands to its parameters, and only that one. */
#include "backend/interp/interp.h"

#include <limits.h>
#include <stdio.h>

bj_status interp_fail(const ir_node *n, const char *fmt, ...) {
    char why[512], type[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return core_err(BJ_ERR_INTERNAL, "interp: %%%d %s %s: %s", n->id, ir_ops[n->op].name,
                    core_fmt_type(type, sizeof type, n->dtype, n->rank, n->shape), why);
}

/* ---------------------------------------------------------------- one node */
bj_status interp_eval(const ir_node *n, bj_array *const *in, bj_array **out) {
    *out = NULL;
    if (n->op >= IR_NUM_OPS) return core_err(BJ_ERR_INTERNAL, "interp: %%%d has an invalid op %d", n->id, n->op);
    if (n->op == IR_ARG || n->body) return interp_fail(n, "not evaluated by interp_eval");
    int arity = ir_ops[n->op].arity;
    if (arity >= 0 && n->nin != arity) return interp_fail(n, "has %d operands, wants %d", n->nin, arity);
    for (int k = 0; k < n->nin; k++) { /* the arrays must be what the graph says they are */
        const ir_node *p = n->in[k];
        if (!in[k] || in[k]->dtype != p->dtype || in[k]->rank != p->rank ||
            (p->rank && memcmp(in[k]->shape, p->shape, sizeof(int64_t) * p->rank)))
            return interp_fail(n, "operand %d (%%%d) does not match its node's type", k, p->id);
    }
    char what[128];
    snprintf(what, sizeof what, "interp: %%%d %s", n->id, ir_ops[n->op].name);
    bj_array *r = core_array_alloc((bj_dtype)n->dtype, n->rank, n->shape, what);
    if (!r) return core_last_status();
    bj_status s;
    switch (ir_ops[n->op].kind) {
    case IR_K_SHAPE: case IR_K_INDEX: s = interp_shape(n, in, r); break;
    case IR_K_REDUCE: case IR_K_SCAN: case IR_K_LINALG: s = interp_reduce(n, in, r); break;
    case IR_K_SPARSE: s = interp_sparse(n, in, r); break;
    case IR_K_RANDOM: s = interp_random(n, in, r); break;
    case IR_K_SORT: s = interp_sort(n, in, r); break;
    default: s = interp_eltwise(n, in, r); break;
    }
    if (s) {
        bj_array_release(r);
        return s;
    }
    *out = r;
    return BJ_OK;
}

/* ---------------------------------------------------------------- compiled form */
typedef struct interp_block {
    const ir_region *region; /* NULL: the top level */
    ir_node **nodes;         /* evaluated in this order (region parameters and graph inputs are bound, not here) */
    int nnodes;
    int *drop_at, *drop; /* after step i, release env[drop[drop_at[i] .. drop_at[i + 1] - 1]] */
    int *captured;       /* ids of values of enclosing regions used inside (nested regions included) */
    int ncaptured;
    bool analysed;
} interp_block;

typedef struct interp_prog {
    int nids;             /* the trace's next_id: env size */
    interp_block *blocks; /* blocks[0]: top level */
    int nblocks;
    int *call_block;  /* by node id: the block of n->body (CALL, FOR, WHILE, COND) */
    int *call_block2; /* by node id: the block of n->body2 (a WHILE's condition, a COND's false branch) */
    int *for_lead;   /* by node id of a live FOR, WHILE or COND: the id of the member that runs it */
    int *for_next;   /* by node id of a live FOR, WHILE or COND: the next live member of its loop or cond, or -1 */
    const ir_node **for_node; /* by node id of a live FOR, WHILE or COND: the node */
} interp_prog;

static void prog_free(interp_prog *p) {
    if (!p) return;
    for (int b = 0; b < p->nblocks; b++) {
        free(p->blocks[b].nodes);
        free(p->blocks[b].drop_at);
        free(p->blocks[b].drop);
        free(p->blocks[b].captured);
    }
    free(p->blocks);
    free(p->call_block);
    free(p->call_block2);
    free(p->for_lead);
    free(p->for_next);
    free(p->for_node);
    free(p);
}

/* Scratch of the analysis, by node id. */
typedef struct interp_scratch {
    const ir_graph *g;
    ir_node **byid;
    int *last; /* step of the last use in the block being analysed; INT_MAX: never released (result/output) */
    int *seen; /* block number + 1 once added to that block's captured list */
} interp_scratch;

static bool oom(void) { return core_err(BJ_ERR_NOMEM, "bj_compile(interp): out of memory"), false; }

/* The block running region r, or -1. */
static int block_of(const interp_prog *p, const ir_region *r) {
    for (int b = 1; b < p->nblocks; b++)
        if (p->blocks[b].region == r) return b;
    return -1;
}

/* Live nodes: reachable from the outputs through operands and the results of called bodies. Operands and body
 * results were built before their user, so one pass by decreasing id sees every user before its operands. */
static unsigned char *live_nodes(const interp_scratch *sc, int nids) {
    unsigned char *live = calloc((size_t)nids + 1, 1);
    if (!live) return NULL;
    for (int i = 0; i < sc->g->nout; i++) live[sc->g->outputs[i]->id] = 1;
    for (int id = nids - 1; id >= 0; id--) {
        const ir_node *n = sc->byid[id];
        if (!live[id] || !n) continue;
        for (int k = 0; k < n->nin; k++) live[n->in[k]->id] = 1;
        if (n->body)
            for (int k = 0; k < n->body->nresults; k++) live[n->body->results[k]->id] = 1;
        if (n->body2)
            for (int k = 0; k < n->body2->nresults; k++) live[n->body2->results[k]->id] = 1;
    }
    return live;
}

/* Creates the blocks: the top level from the plan, then one per region run by a live CALL, FOR, WHILE or COND,
 * holding that region's live nodes (parameters excluded) in id order. */
static bool make_blocks(interp_prog *p, const opt_plan *plan, const interp_scratch *sc, const unsigned char *live) {
    int nregions = 0, ntop = 0;
    for (int id = 0; id < p->nids; id++)
        if (live[id] && sc->byid[id] && sc->byid[id]->body) nregions += 1 + (sc->byid[id]->body2 != NULL);
    for (int k = 0; k < plan->nkernels; k++) ntop += plan->kernels[k].nnodes;
    p->blocks = calloc((size_t)nregions + 1, sizeof *p->blocks);
    if (!p->blocks) return oom();
    p->nblocks = 1;
    interp_block *top = &p->blocks[0];
    top->nodes = malloc(sizeof *top->nodes * ((size_t)ntop + 1));
    if (!top->nodes) return oom();
    for (int k = 0; k < plan->nkernels; k++)
        for (int j = 0; j < plan->kernels[k].nnodes; j++) top->nodes[top->nnodes++] = plan->kernels[k].nodes[j];
    for (int id = 0; id < p->nids; id++) { /* distinct called regions */
        const ir_node *n = sc->byid[id];
        if (!live[id] || !n || !n->body) continue;
        int b = block_of(p, n->body);
        if (b < 0) b = p->nblocks++, p->blocks[b].region = n->body;
        p->call_block[id] = b;
        if (n->body2) {
            b = block_of(p, n->body2);
            if (b < 0) b = p->nblocks++, p->blocks[b].region = n->body2;
            p->call_block2[id] = b;
        }
        if (!ir_is_control(n)) continue;
        p->for_node[id] = n;
        p->for_lead[id] = id; /* loops and conds: the first live member leads, the others are chained after it */
        for (int j = id - 1; j >= 0; j--) {
            const ir_node *q = sc->byid[j];
            if (!live[j] || !q || !ir_is_control(q) || !ir_same_loop(q, n)) continue;
            p->for_lead[id] = p->for_lead[j];
            int last = p->for_lead[id];
            while (p->for_next[last] >= 0) last = p->for_next[last];
            p->for_next[last] = id;
            break;
        }
    }
    int *count = calloc((size_t)p->nblocks, sizeof *count);
    if (!count) return oom();
    int *where = calloc((size_t)p->nids + 1, sizeof *where); /* block of each live region node, or 0 */
    if (!where) return free(count), oom();
    for (int id = 0; id < p->nids; id++) {
        const ir_node *n = sc->byid[id];
        if (!live[id] || !n || !n->region || n->op == IR_ARG) continue;
        int b = block_of(p, n->region);
        if (b > 0) where[id] = b, count[b]++; /* a region never called has no block: its nodes never run */
    }
    bool ok = true;
    for (int b = 1; ok && b < p->nblocks; b++)
        ok = (p->blocks[b].nodes = malloc(sizeof(ir_node *) * ((size_t)count[b] + 1))) != NULL;
    for (int id = 0; ok && id < p->nids; id++)
        if (where[id]) p->blocks[where[id]].nodes[p->blocks[where[id]].nnodes++] = sc->byid[id];
    free(count);
    free(where);
    return ok || oom();
}

/* Adds value v, used at step `step` of block b: its own value, or one captured from an enclosing region. */
static bool note_use(interp_prog *p, int b, interp_scratch *sc, const ir_node *v, int step) {
    interp_block *blk = &p->blocks[b];
    if (v->region == blk->region) {
        if (sc->last[v->id] != INT_MAX && sc->last[v->id] < step) sc->last[v->id] = step;
        return true;
    }
    if (sc->seen[v->id] == b + 1) return true;
    sc->seen[v->id] = b + 1;
    int *nc = realloc(blk->captured, sizeof *nc * ((size_t)blk->ncaptured + 1));
    if (!nc) return oom();
    blk->captured = nc;
    nc[blk->ncaptured++] = v->id;
    return true;
}

/* The values this block owns: its nodes, plus the graph inputs (top level) or the region's parameters. */
static int owned_count(const interp_scratch *sc, const interp_block *blk) {
    return blk->nnodes + (blk->region ? blk->region->nparams : sc->g->nin);
}
static const ir_node *owned(const interp_scratch *sc, const interp_block *blk, int i) {
    if (i < blk->nnodes) return blk->nodes[i];
    i -= blk->nnodes;
    return blk->region ? blk->region->params[i] : sc->g->inputs[i];
}

/* Computes the block's release lists and captured values; nested blocks first, since a CALL uses what its body
 * captures. Region nesting is finite and a region cannot call itself (it is closed before any call of it). */
static bool analyse(interp_prog *p, int b, interp_scratch *sc) {
    if (p->blocks[b].analysed) return true;
    p->blocks[b].analysed = true;
    for (int i = 0; i < p->blocks[b].nnodes; i++) {
        const ir_node *n = p->blocks[b].nodes[i];
        if (n->body && !analyse(p, p->call_block[n->id], sc)) return false;
        if (n->body2 && !analyse(p, p->call_block2[n->id], sc)) return false;
    }
    interp_block *blk = &p->blocks[b];
    int nown = owned_count(sc, blk);
    for (int i = 0; i < nown; i++) sc->last[owned(sc, blk, i)->id] = -1;
    if (blk->region) /* results outlive the steps: the CALL takes its result after the last one */
        for (int k = 0; k < blk->region->nresults; k++) {
            const ir_node *r = blk->region->results[k];
            if (r->region == blk->region) sc->last[r->id] = INT_MAX;
            else if (!note_use(p, b, sc, r, blk->nnodes)) return false;
        }
    else
        for (int k = 0; k < sc->g->nout; k++) sc->last[sc->g->outputs[k]->id] = INT_MAX;
    for (int i = 0; i < blk->nnodes; i++) {
        const ir_node *n = blk->nodes[i];
        for (int k = 0; k < n->nin; k++)
            if (!note_use(p, b, sc, n->in[k], i)) return false;
        for (int j = 0; j < 2; j++) {
            if (!(j ? n->body2 : n->body)) continue;
            const interp_block *callee = &p->blocks[j ? p->call_block2[n->id] : p->call_block[n->id]];
            for (int k = 0; k < callee->ncaptured; k++)
                if (!note_use(p, b, sc, sc->byid[callee->captured[k]], i)) return false;
        }
        if (sc->last[n->id] < i) sc->last[n->id] = i; /* never used and not kept: released right away */
    }
    /* bucket the owned values by the step after which they die (inputs/params never used stay until the end) */
    blk->drop_at = calloc((size_t)blk->nnodes + 2, sizeof *blk->drop_at);
    blk->drop = malloc(sizeof *blk->drop * ((size_t)nown + 1));
    if (!blk->drop_at || !blk->drop) return oom();
    for (int i = 0; i < nown; i++) {
        int at = sc->last[owned(sc, blk, i)->id];
        if (at >= 0 && at < blk->nnodes) blk->drop_at[at + 1]++;
    }
    for (int i = 0; i < blk->nnodes; i++) blk->drop_at[i + 1] += blk->drop_at[i];
    int *fill = calloc((size_t)blk->nnodes + 1, sizeof *fill);
    if (!fill) return oom();
    for (int i = 0; i < nown; i++) {
        const ir_node *v = owned(sc, blk, i);
        int at = sc->last[v->id];
        if (at >= 0 && at < blk->nnodes) blk->drop[blk->drop_at[at] + fill[at]++] = v->id;
    }
    free(fill);
    return true;
}

static bj_status interp_compile(bj_exec *e) {
    if (e->sym) return interp_sym_compile(e);
    const ir_graph *g = e->g;
    if (!e->plan && !(e->plan = opt_plan_unfused(g))) return core_last_status();
    e->nkernels = e->plan->nkernels;
    interp_prog *p = calloc(1, sizeof *p);
    if (!p) return oom(), BJ_ERR_NOMEM;
    p->nids = g->tr->next_id;
    interp_scratch sc = {.g = g};
    sc.byid = calloc((size_t)p->nids + 1, sizeof *sc.byid);
    sc.last = calloc((size_t)p->nids + 1, sizeof *sc.last);
    sc.seen = calloc((size_t)p->nids + 1, sizeof *sc.seen);
    p->call_block = calloc((size_t)p->nids + 1, sizeof *p->call_block);
    p->call_block2 = calloc((size_t)p->nids + 1, sizeof *p->call_block2);
    p->for_lead = malloc(sizeof *p->for_lead * ((size_t)p->nids + 1));
    p->for_next = malloc(sizeof *p->for_next * ((size_t)p->nids + 1));
    p->for_node = calloc((size_t)p->nids + 1, sizeof *p->for_node);
    unsigned char *live = NULL;
    bool ok = sc.byid && sc.last && sc.seen && p->call_block && p->call_block2 && p->for_lead && p->for_next &&
              p->for_node;
    for (int id = 0; ok && id <= p->nids; id++) p->for_lead[id] = p->for_next[id] = -1;
    if (ok) { /* every node of the trace, by id, from the intern table */
        for (size_t b = 0; b < g->tr->tcap; b++)
            for (ir_node *n = g->tr->table[b]; n; n = n->hnext) sc.byid[n->id] = n;
        ok = (live = live_nodes(&sc, p->nids)) != NULL;
    }
    if (!ok) oom();
    ok = ok && make_blocks(p, e->plan, &sc, live);
    for (int b = 0; ok && b < p->nblocks; b++) ok = analyse(p, b, &sc);
    free(live);
    free(sc.byid);
    free(sc.last);
    free(sc.seen);
    if (!ok) {
        prog_free(p);
        return core_last_status() ? core_last_status() : BJ_ERR_NOMEM;
    }
    e->impl = p;
    return BJ_OK;
}

static void interp_destroy(bj_exec *e) {
    if (e->sym) {
        interp_sym_destroy(e);
        return;
    }
    prog_free(e->impl);
    e->impl = NULL;
}

/* ---------------------------------------------------------------- running */
static void drop(bj_array **env, int id) {
    bj_array_release(env[id]);
    env[id] = NULL;
}

static bj_status missing(const ir_node *user, const ir_node *v) {
    return interp_fail(user, "value %%%d (%s) was not computed before its use", v->id, ir_ops[v->op].name);
}

static bj_status run_block(const interp_prog *p, int b, bj_array **env);

/* Runs the body of CALL n: binds the parameters to the call's operands, runs the block, keeps the chosen result
 * and releases everything the block owns, on success and on error alike. */
static bj_status run_call(const interp_prog *p, const ir_node *n, bj_array **env) {
    int b = p->call_block[n->id];
    const interp_block *blk = &p->blocks[b];
    const ir_region *r = blk->region;
    if (b <= 0 || r != n->body || n->nin != r->nparams || n->nattr != 1 || n->attr[0] < 0 ||
        n->attr[0] >= r->nresults)
        return interp_fail(n, "the call does not match its body");
    bj_status s = BJ_OK;
    for (int k = 0; k < r->nparams; k++) {
        if (!env[n->in[k]->id]) return missing(n, n->in[k]);
        bj_array_release(env[r->params[k]->id]);
        env[r->params[k]->id] = bj_array_retain(env[n->in[k]->id]);
    }
    s = run_block(p, b, env);
    const ir_node *res = r->results[n->attr[0]];
    if (!s && !env[res->id]) s = missing(n, res);
    if (!s) env[n->id] = bj_array_retain(env[res->id]);
    for (int i = 0; i < blk->nnodes; i++) drop(env, blk->nodes[i]->id);
    for (int k = 0; k < r->nparams; k++) drop(env, r->params[k]->id);
    return s;
}

/* Releases everything block b owns after a run of its region (on success and on error alike). */
static void drop_block(const interp_prog *p, int b, bj_array **env) {
    const interp_block *blk = &p->blocks[b];
    for (int i = 0; i < blk->nnodes; i++) drop(env, blk->nodes[i]->id);
    for (int k = 0; k < blk->region->nparams; k++) drop(env, blk->region->params[k]->id);
}

/* Runs the loop of FOR node n (its lead): the body n times, carries passed from each step's results to the next
 * step's parameters, the recorded ys copied into their stacked arrays; then sets every live member's value. */
static bj_status run_for(const interp_prog *p, const ir_node *n, bj_array **env) {
    int b = p->call_block[n->id];
    const interp_block *blk = b > 0 ? &p->blocks[b] : NULL;
    const ir_region *r = blk ? blk->region : NULL;
    if (!r || r != n->body || n->nattr != 3 || n->nin + 1 != r->nparams || r->nresults < n->nin ||
        n->attr[IR_FOR_N] < 0 || n->attr[IR_FOR_EVERY] < 1)
        return interp_fail(n, "the loop does not match its body");
    int c = n->nin, nm = 0;
    int64_t steps = n->attr[IR_FOR_N], every = n->attr[IR_FOR_EVERY];
    for (int m = n->id; m >= 0; m = p->for_next[m]) nm++;
    bj_array **carry = calloc((size_t)(2 * c + nm) + 1, sizeof *carry), **next = carry + c, **stack = next + c;
    if (!carry) return core_err(BJ_ERR_NOMEM, "interp: %%%d for: out of memory", n->id);
    bj_status s = BJ_OK;
    for (int k = 0; !s && k < c; k++)
        if (!(carry[k] = bj_array_retain(env[n->in[k]->id]))) s = missing(n, n->in[k]);
    int j = 0;
    for (int m = n->id; !s && m >= 0; m = p->for_next[m], j++) { /* the stacked outputs of the live members */
        const ir_node *q = p->for_node[m];
        if (q->attr[IR_FOR_WHICH] >= c)
            if (!(stack[j] = core_array_alloc((bj_dtype)q->dtype, q->rank, q->shape, "interp: for")))
                s = core_last_status();
    }
    for (int64_t step = 0; !s && step < steps; step++) {
        bj_array *sv = core_array_alloc(BJ_I32, 0, NULL, "interp: for"); /* fresh: a body may keep the step */
        if (!sv) {
            s = core_last_status();
            break;
        }
        *(int32_t *)sv->data = (int32_t)step;
        drop(env, r->params[0]->id);
        env[r->params[0]->id] = sv;
        for (int k = 0; k < c; k++) drop(env, r->params[k + 1]->id), env[r->params[k + 1]->id] = bj_array_retain(carry[k]);
        s = run_block(p, b, env);
        for (int k = 0; !s && k < r->nresults; k++)
            if (!env[r->results[k]->id]) s = missing(n, r->results[k]);
        for (int k = 0; !s && k < c; k++) next[k] = bj_array_retain(env[r->results[k]->id]);
        if (!s && (step + 1) % every == 0) { /* a recorded step: row (step + 1) / every - 1 */
            int64_t row = (step + 1) / every - 1;
            j = 0;
            for (int m = n->id; m >= 0; m = p->for_next[m], j++) {
                if (!stack[j]) continue;
                const bj_array *y = env[r->results[p->for_node[m]->attr[IR_FOR_WHICH]]->id];
                if (y->nbytes) memcpy((char *)stack[j]->data + (size_t)row * y->nbytes, y->data, y->nbytes);
            }
        }
        drop_block(p, b, env);
        for (int k = 0; !s && k < c; k++) bj_array_release(carry[k]), carry[k] = next[k], next[k] = NULL;
    }
    j = 0;
    for (int m = n->id; !s && m >= 0; m = p->for_next[m], j++) {
        int64_t w = p->for_node[m]->attr[IR_FOR_WHICH];
        env[m] = bj_array_retain(w < c ? carry[w] : stack[j]);
    }
    for (int k = 0; k < 2 * c + nm; k++) bj_array_release(carry[k]);
    free(carry);
    return s;
}

/* Binds region r's parameters (block b) to vals. */
static void bind_params(const ir_region *r, bj_array *const *vals, bj_array **env) {
    for (int k = 0; k < r->nparams; k++) drop(env, r->params[k]->id), env[r->params[k]->id] = bj_array_retain(vals[k]);
}

/* Runs the loop of WHILE node n (its lead): the condition on the carries, then (while it is true) the body, whose
 * results become the next carries; then sets every live member's value (its final carry). */
static bj_status run_while(const interp_prog *p, const ir_node *n, bj_array **env) {
    int b = p->call_block[n->id], bc = p->call_block2[n->id];
    const ir_region *r = b > 0 ? p->blocks[b].region : NULL, *cr = bc > 0 ? p->blocks[bc].region : NULL;
    int c = n->nin;
    if (!r || !cr || r != n->body || cr != n->body2 || n->nattr != 1 || c < 1 || r->nparams != c ||
        cr->nparams != c || r->nresults != c || cr->nresults != 1)
        return interp_fail(n, "the loop does not match its regions");
    bj_array **carry = calloc((size_t)(2 * c) + 1, sizeof *carry), **next = carry + c;
    if (!carry) return core_err(BJ_ERR_NOMEM, "interp: %%%d while: out of memory", n->id);
    bj_status s = BJ_OK;
    for (int k = 0; !s && k < c; k++)
        if (!(carry[k] = bj_array_retain(env[n->in[k]->id]))) s = missing(n, n->in[k]);
    while (!s) {
        bind_params(cr, carry, env);
        s = run_block(p, bc, env);
        const bj_array *pr = s ? NULL : env[cr->results[0]->id];
        if (!s && (!pr || pr->dtype != BJ_BOOL || pr->size != 1)) s = interp_fail(n, "the condition gave no bool[]");
        bool go = !s && *(const bool *)pr->data;
        drop_block(p, bc, env);
        if (!go) break;
        bind_params(r, carry, env);
        s = run_block(p, b, env);
        for (int k = 0; !s && k < c; k++)
            if (!(next[k] = bj_array_retain(env[r->results[k]->id]))) s = missing(n, r->results[k]);
        drop_block(p, b, env);
        for (int k = 0; !s && k < c; k++) bj_array_release(carry[k]), carry[k] = next[k], next[k] = NULL;
    }
    for (int m = n->id; !s && m >= 0; m = p->for_next[m]) env[m] = bj_array_retain(carry[p->for_node[m]->attr[0]]);
    for (int k = 0; k < 2 * c; k++) bj_array_release(carry[k]);
    free(carry);
    return s;
}

/* Runs COND node n (its lead): the branch its predicate picks, on the operands; sets every live member's value. */
static bj_status run_cond(const interp_prog *p, const ir_node *n, bj_array **env) {
    const bj_array *pr = env[n->in[0]->id];
    if (!pr) return missing(n, n->in[0]);
    if (pr->dtype != BJ_BOOL || pr->size != 1 || n->nattr != 1) return interp_fail(n, "the predicate is not bool[]");
    bool taken = *(const bool *)pr->data;
    int b = taken ? p->call_block[n->id] : p->call_block2[n->id];
    const ir_region *r = b > 0 ? p->blocks[b].region : NULL;
    if (!r || r != (taken ? n->body : n->body2) || r->nparams != n->nin - 1)
        return interp_fail(n, "the cond does not match its branches");
    for (int k = 1; k < n->nin; k++) {
        if (!env[n->in[k]->id]) return missing(n, n->in[k]);
        drop(env, r->params[k - 1]->id);
        env[r->params[k - 1]->id] = bj_array_retain(env[n->in[k]->id]);
    }
    bj_status s = run_block(p, b, env);
    for (int m = n->id; !s && m >= 0; m = p->for_next[m]) {
        const ir_node *res = r->results[p->for_node[m]->attr[0]];
        if (!env[res->id]) s = missing(n, res);
        else env[m] = bj_array_retain(env[res->id]);
    }
    drop_block(p, b, env);
    return s;
}

static bj_status run_node(const interp_prog *p, const ir_node *n, bj_array **env) {
    if (ir_is_control(n) && p->for_lead[n->id] != n->id) /* a member of a loop or cond its lead ran */
        return env[n->id] ? BJ_OK : interp_fail(n, "its loop has not run before it");
    if (env[n->id]) return interp_fail(n, "evaluated twice");
    if (n->op == IR_CALL) return run_call(p, n, env);
    if (n->op == IR_FOR) return run_for(p, n, env);
    if (n->op == IR_WHILE) return run_while(p, n, env);
    if (n->op == IR_COND) return run_cond(p, n, env);
    bj_array *small[8], **in = n->nin <= 8 ? small : malloc(sizeof *in * (size_t)n->nin);
    if (!in) return core_err(BJ_ERR_NOMEM, "interp: %%%d %s: out of memory", n->id, ir_ops[n->op].name);
    bj_status s = BJ_OK;
    for (int k = 0; !s && k < n->nin; k++)
        if (!(in[k] = env[n->in[k]->id])) s = missing(n, n->in[k]);
    if (!s) s = interp_eval(n, in, &env[n->id]);
    if (in != small) free(in);
    return s;
}

static bj_status run_block(const interp_prog *p, int b, bj_array **env) {
    const interp_block *blk = &p->blocks[b];
    for (int i = 0; i < blk->nnodes; i++) {
        bj_status s = run_node(p, blk->nodes[i], env);
        if (s) return s;
        for (int j = blk->drop_at[i]; j < blk->drop_at[i + 1]; j++) drop(env, blk->drop[j]);
    }
    return BJ_OK;
}

static bj_status interp_run(bj_exec *e, bj_array *const *ins, bj_array **outs) {
    if (e->sym) return interp_sym_run(e, ins, outs);
    const interp_prog *p = e->impl;
    const ir_graph *g = e->g;
    bj_array **env = calloc((size_t)p->nids + 1, sizeof *env);
    if (!env) return core_err(BJ_ERR_NOMEM, "bj_exec_run(interp): out of memory");
    for (int i = 0; i < g->nin; i++) env[g->inputs[i]->id] = bj_array_retain(ins[i]);
    bj_status s = run_block(p, 0, env);
    for (int i = 0; !s && i < g->nout; i++) { /* new references; one node may be several outputs */
        const ir_node *o = g->outputs[i];
        if (!env[o->id]) s = core_err(BJ_ERR_INTERNAL, "interp: output %d (%%%d %s) was not computed", i, o->id,
                                      ir_ops[o->op].name);
        else outs[i] = bj_array_retain(env[o->id]);
    }
    for (int id = 0; id < p->nids; id++) bj_array_release(env[id]);
    free(env);
    return s;
}

const backend_vt backend_interp = {
    .name = "interp", .compile = interp_compile, .run = interp_run, .destroy = interp_destroy};
