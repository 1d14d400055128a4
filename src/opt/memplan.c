/* memplan.c — where each stored value lives: the caller's inputs and outputs, constants in the graph's arena, and
 * temporaries in one scratch block whose slots are reused once their value is dead.
 *
 * Design note. Kernels run in plan order, so a temporary lives from the kernel that stores it to the last kernel
 * that reads it. Slots are assigned greedily in that order, best fit among the free slots, and a slot is free for
 * kernel k only if its value died before k: a kernel never reads and writes the same memory, which is what lets
 * the renderer declare every buffer pointer restrict. Outputs that no kernel writes (an input or a constant returned
 * as is, or the same value returned twice) become copies done by the runner after the kernels.
 *
 * Aliased outputs (p->out_alias: output o will be bound to the memory of input i, a Variable updated every call or
 * a donated buffer). Writing o straight into input i's buffer is safe when no read of input i can see the new
 * value: o is stored by a LOOP kernel K over the input's shape and dtype; kernels before K may read input i
 * anyhow, K only at the loop's own coordinates (an elementwise operand of K's shape, not through a view: flip or
 * transpose read other elements, which another iteration or thread may already have overwritten), and no kernel
 * after K and no copy reads it; o's value is no other output and no other output aliases input i. Then o's node
 * takes the input's buffer index, so K declares one non-const pointer for it and `restrict` stays true (a kernel
 * after K reading o reads the input's buffer). Otherwise o is computed into a temporary that stays alive to the
 * end and copied over the input after the kernels. Copies run in order; one that reads an input another copy
 * overwrites (two Variables swapped) reads a staged copy of it, taken first. An aliased output that is its input
 * unchanged needs nothing: the runner skips a copy whose source and destination are the same memory.
 *
 * A final carry of a loop whose initial value is its aliased input is carried in that input's memory throughout
 * (the loop starts from it in place), when no later kernel reads the input and the loop reads it only as that
 * initial value: a jit Variable stepped by a loop then costs no copy at all.
 *
 * Inputs are the graph's inputs by position (a loop body's sub-graph has its parameters and captured values as
 * inputs, loop.c). A FOR kernel (a for or while loop, or a cond) reads its needed carries' initial values (a cond's
 * needed operands and predicate) and what its regions capture, and gets one more temporary, the loop's own memory
 * (the regions' scratch and more), live during that kernel only. A cond's results are never written in place over
 * an aliased input: the branch that computes them may read that input (its value is computed aside and copied). */
#include "opt/plan.h"

#include <string.h>

typedef struct slot {
    size_t offset, nbytes;
    int free_after; /* kernel index after which the slot is free; -1 while in use by a value with no death yet */
} slot;

/* Marks in `last` (by node id) that kernel k reads the buffers behind operand x, looking through values computed in
 * place (views and leaves: chains of any length, walked with a stack). false on OOM. */
static bool note_reads(const opt_plan *p, const int *kern_of, const ir_node *x, int k, int *last) {
    ir_stack st;
    ir_stack_init(&st);
    ir_stack_push(&st, x);
    while (st.n && !st.oom) {
        x = st.v[--st.n];
        if (kern_of[x->id] == k) continue;
        if (p->buf_of[x->id] >= 0) {
            if (last[x->id] < k) last[x->id] = k;
            continue;
        }
        for (int i = x->nin - 1; i >= 0; i--) ir_stack_push(&st, x->in[i]);
    }
    bool ok = !st.oom;
    ir_stack_free(&st);
    return ok;
}

static size_t round_up(size_t n) { return (n + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN; }

static bool same_shape(const ir_node *a, int rank, const int64_t *shape) {
    return a->rank == rank && !memcmp(a->shape, shape, sizeof(int64_t) * (size_t)rank);
}

/* Whether operand x, read in kernel k, leads to arg through values computed in place (views, leaves); also true on
 * OOM, the answer that keeps the plan safe (no writing in place). */
static bool reaches(const opt_plan *p, const int *kern_of, const ir_node *x, int k, const ir_node *arg) {
    ir_stack st;
    ir_stack_init(&st);
    ir_stack_push(&st, x);
    bool found = false;
    while (st.n && !st.oom && !found) {
        x = st.v[--st.n];
        if (x == arg) found = true;
        else if (kern_of[x->id] != k && p->buf_of[x->id] < 0)
            for (int i = x->nin - 1; i >= 0; i--) ir_stack_push(&st, x->in[i]);
    }
    found |= st.oom;
    ir_stack_free(&st);
    return found;
}

/* Whether LOOP kernel k reads arg only at the loop's coordinates: as a same-shape operand of its elementwise nodes. */
static bool identity_reads(const opt_plan *p, const int *kern_of, int k, const ir_node *arg) {
    const opt_kernel *kr = &p->kernels[k];
    for (int j = 0; j < kr->nnodes; j++) {
        const ir_node *m = kr->nodes[j];
        ir_kind kind = ir_ops[m->op].kind;
        bool elt = (kind == IR_K_UNARY || kind == IR_K_BINARY || kind == IR_K_TERNARY) &&
                   same_shape(m, kr->rank, kr->shape);
        for (int i = 0; i < m->nin; i++) {
            const ir_node *x = m->in[i];
            if (x == arg ? !elt || !same_shape(x, m->rank, m->shape) : reaches(p, kern_of, x, k, arg)) return false;
        }
    }
    return true;
}

/* Whether aliased output o may be written straight into its input's buffer (see the design note). in_pos: node id
 * -> input position or -1. */
static bool in_place_ok(const opt_plan *p, const int *kern_of, const int *last, const int *in_pos, int o) {
    const ir_graph *g = p->g;
    int i = p->out_alias[o];
    if (i < 0) return false;
    const ir_node *n = g->outputs[o], *arg = g->inputs[i];
    if (in_pos[n->id] >= 0 || n->op == IR_CONST || n->dtype != arg->dtype || !same_shape(n, arg->rank, arg->shape))
        return false;
    for (int q = 0; q < g->nout; q++)
        if (q != o && (g->outputs[q] == n || g->outputs[q] == arg || p->out_alias[q] == i)) return false;
    int k = kern_of[n->id];
    const opt_loop *l = k >= 0 && p->kernels[k].kind == OPT_FOR ? p->kernels[k].loop : NULL;
    if (l && (n->op == IR_FOR || n->op == IR_WHILE)) { /* a final carry whose initial value is the input: the loop
                                                           * carries it in place */
        int w = (int)n->attr[IR_FOR_WHICH];
        if (w >= l->ncarry || l->init[w] != arg || last[arg->id] > k) return false;
        for (int j = 0; j < l->ncarry; j++)
            if (j != w && l->need[j] && l->init[j] == arg) return false;
        for (int j = 0; j < l->ncapt; j++)
            if (l->capt[j] == arg) return false; /* the body reads it as it was */
        return true;
    }
    if (k < 0 || p->kernels[k].kind != OPT_LOOP || !same_shape(n, p->kernels[k].rank, p->kernels[k].shape))
        return false;
    bool stored = false;
    for (int j = 0; j < p->kernels[k].nstores; j++) stored |= p->kernels[k].stores[j] == n;
    return stored && last[arg->id] <= k && identity_reads(p, kern_of, k, arg);
}

/* Copies reading an input that another copy overwrites read a staged copy of it instead, taken first (staging
 * buffers are fresh scratch after the temporaries). Needs room for g->nout more buffers and copies. */
static void stage_copies(opt_plan *p) {
    int n = p->ncopies, first = p->nbufs;
    opt_copy *c = p->copies;
    for (int j = 0; j < n; j++) {
        const opt_buf *src = &p->bufs[c[j].from_buf];
        if (src->kind != OPT_BUF_INPUT) continue;
        bool clobbered = false;
        for (int q = 0; q < n; q++) clobbered |= q != j && p->out_alias[c[q].out] == src->index;
        if (!clobbered) continue;
        int t = first;
        while (t < p->nbufs && p->bufs[t].node != src->node) t++;
        if (t == p->nbufs) {
            p->bufs[p->nbufs++] = (opt_buf){.kind = OPT_BUF_TEMP, .offset = p->scratch, .nbytes = src->nbytes,
                                            .node = src->node};
            p->scratch += round_up(src->nbytes ? src->nbytes : 1);
        }
        c[j].from_buf = t;
    }
    int ns = p->nbufs - first;
    memmove(c + ns, c, sizeof *c * (size_t)n);
    for (int t = 0; t < ns; t++)
        c[t] = (opt_copy){.out = -1, .from_buf = p->buf_of[p->bufs[first + t].node->id], .to_buf = first + t};
    p->ncopies = n + ns;
}

/* The slot for a temporary of `bytes` stored by kernel k: the smallest free slot that fits (free: its value died
 * before k), else a new one at the end of the scratch block. The caller sets its free_after. */
static int take_slot(opt_plan *p, slot *slots, int *nslots, int k, size_t bytes) {
    size_t need = round_up(bytes);
    int best = -1;
    for (int q = 0; q < *nslots; q++)
        if (slots[q].free_after >= 0 && slots[q].free_after < k && slots[q].nbytes >= need &&
            (best < 0 || slots[q].nbytes < slots[best].nbytes))
            best = q;
    if (best < 0) {
        best = (*nslots)++;
        slots[best] = (slot){.offset = p->scratch, .nbytes = need};
        p->scratch += need;
    }
    return best;
}

bj_status opt_memplan(opt_plan *p) {
    const ir_graph *g = p->g;
    size_t nid = (size_t)g->tr->next_id + 1;
    int *kern_of = malloc(nid * sizeof *kern_of), *last = malloc(nid * sizeof *last), *in_pos = malloc(nid * sizeof *in_pos);
    int nloops = 0;
    for (int k = 0; k < p->nkernels; k++) nloops += p->kernels[k].kind == OPT_FOR;
    slot *slots = calloc((size_t)(g->nnodes + nloops) + 1, sizeof *slots);
    unsigned char *inplace = calloc((size_t)g->nout + 1, 1); /* by output: written into its input's buffer */
    /* room for a staging buffer and copy per output (aliased plans), and each loop's own memory */
    p->bufs = core_arena_alloc(&p->arena, sizeof *p->bufs * (size_t)(g->nnodes + g->nout + nloops + 1));
    p->copies = core_arena_alloc(&p->arena, sizeof *p->copies * (size_t)(2 * g->nout + 1));
    bj_status s = BJ_OK;
    if (!kern_of || !last || !in_pos || !slots || !inplace || !p->bufs || !p->copies) {
        s = core_err(BJ_ERR_NOMEM, "planning buffers: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nid; i++) kern_of[i] = last[i] = in_pos[i] = -1;
    for (int i = 0; i < g->nin; i++) in_pos[g->inputs[i]->id] = i;
    for (int k = 0; k < p->nkernels; k++)
        for (int j = 0; j < p->kernels[k].nnodes; j++) kern_of[p->kernels[k].nodes[j]->id] = k;
    bool ok = true;
    for (int k = 0; k < p->nkernels; k++) {
        const opt_loop *l = p->kernels[k].loop;
        if (p->kernels[k].kind == OPT_FOR && l) { /* a loop reads its needed carries' inits and what it captures */
            for (int i = 0; i < l->ncarry; i++)
                if (l->need[i]) ok &= note_reads(p, kern_of, l->init[i], k, last);
            for (int i = 0; i < l->ncapt; i++) ok &= note_reads(p, kern_of, l->capt[i], k, last);
            if (l->pred) ok &= note_reads(p, kern_of, l->pred, k, last); /* a cond's predicate */
            continue;
        }
        for (int j = 0; j < p->kernels[k].nnodes; j++) {
            const ir_node *n = p->kernels[k].nodes[j];
            for (int i = 0; i < n->nin; i++) ok &= note_reads(p, kern_of, n->in[i], k, last);
        }
    }
    if (!ok) {
        s = core_err(BJ_ERR_NOMEM, "planning memory: out of memory");
        goto done;
    }
    for (int o = 0; p->out_alias && o < g->nout; o++) inplace[o] = in_place_ok(p, kern_of, last, in_pos, o);
    /* buffers in node order: inputs, constants, outputs (first occurrence), temporaries */
    for (int i = 0; i < g->nnodes; i++) {
        ir_node *n = g->nodes[i];
        if (p->buf_of[n->id] < 0) continue;
        opt_buf b = {.kind = OPT_BUF_TEMP, .nbytes = (size_t)ir_nelem(n) * bj_dtype_size((bj_dtype)n->dtype), .node = n};
        if (in_pos[n->id] >= 0) {
            b.kind = OPT_BUF_INPUT, b.index = in_pos[n->id];
        } else if (n->op == IR_CONST) {
            b.kind = OPT_BUF_CONST;
        } else {
            bool aliased = false, in_place = false; /* outputs bound only to inputs: in place, or kept to the end */
            for (int o = g->nout - 1; o >= 0; o--)
                if (g->outputs[o] != n) continue;
                else if (!p->out_alias || p->out_alias[o] < 0) b.kind = OPT_BUF_OUTPUT, b.index = o;
                else aliased = true, in_place |= inplace[o];
            if (b.kind == OPT_BUF_TEMP && in_place) continue; /* numbered below: its input's buffer */
            if (b.kind == OPT_BUF_TEMP && aliased) last[n->id] = p->nkernels;
        }
        p->buf_of[n->id] = p->nbufs;
        p->bufs[p->nbufs++] = b;
    }
    for (int o = 0; o < g->nout; o++)
        if (inplace[o]) p->buf_of[g->outputs[o]->id] = p->buf_of[g->inputs[p->out_alias[o]]->id], p->ninplace++;
    for (int o = 0; o < g->nout; o++) {
        const ir_node *n = g->outputs[o];
        const opt_buf *b = &p->bufs[p->buf_of[n->id]];
        if (!inplace[o] && (b->kind != OPT_BUF_OUTPUT || b->index != o))
            p->copies[p->ncopies++] = (opt_copy){o, p->buf_of[n->id], -1};
    }
    /* temporaries: greedy slot reuse in kernel order */
    int nslots = 0;
    for (int k = 0; k < p->nkernels; k++) {
        for (int j = 0; j < p->kernels[k].nstores; j++) {
            const ir_node *n = p->kernels[k].stores[j];
            opt_buf *b = &p->bufs[p->buf_of[n->id]];
            if (b->kind != OPT_BUF_TEMP) continue;
            int best = take_slot(p, slots, &nslots, k, b->nbytes ? b->nbytes : 1);
            slots[best].free_after = last[n->id] >= k ? last[n->id] : k;
            b->offset = slots[best].offset;
        }
        opt_loop *l = p->kernels[k].kind == OPT_FOR ? p->kernels[k].loop : NULL;
        if (l && l->bytes) { /* the loop's own memory: a temporary of this kernel alone */
            int best = take_slot(p, slots, &nslots, k, l->bytes);
            slots[best].free_after = k;
            l->scratch_buf = p->nbufs;
            p->bufs[p->nbufs++] = (opt_buf){.kind = OPT_BUF_TEMP, .offset = slots[best].offset, .nbytes = l->bytes,
                                            .node = l->lead};
        }
    }
    if (p->out_alias) {
        stage_copies(p);
        for (int j = 0; j < p->ncopies; j++) { /* an aliased output that is its input unchanged: skipped at run time */
            const opt_copy *c = &p->copies[j];
            const opt_buf *b = &p->bufs[c->from_buf];
            p->ninplace += c->to_buf < 0 && b->kind == OPT_BUF_INPUT && b->index == p->out_alias[c->out];
        }
    }
done:
    free(kern_of), free(last), free(in_pos), free(slots), free(inplace);
    return s;
}
