/* memplan.c — where each stored value lives: the caller's inputs and outputs, constants in the graph's arena, and
 * temporaries in one scratch block whose slots are reused once their value is dead.
 *
 * Design note. Kernels run in plan order, so a temporary lives from the kernel that stores it to the last kernel
 * that reads it. Slots are assigned greedily in that order, best fit among the free slots, and a slot is free for
 * kernel k only if its value died before k: a kernel never reads and writes the same memory, which is what lets
 * the renderer declare every buffer pointer restrict. Outputs that no kernel writes (an input or a constant returned
 * as is, or the same value returned twice) become copies done by the runner after the kernels. */
#include "opt/plan.h"

typedef struct slot {
    size_t offset, nbytes;
    int free_after; /* kernel index after which the slot is free; -1 while in use by a value with no death yet */
} slot;

/* Marks in `last` (by node id) that kernel k reads the buffers behind operand x, looking through values computed in
 * place. */
static void note_reads(const opt_plan *p, const int *kern_of, const ir_node *x, int k, int *last) {
    if (kern_of[x->id] == k) return;
    if (p->buf_of[x->id] >= 0) {
        if (last[x->id] < k) last[x->id] = k;
        return;
    }
    for (int i = 0; i < x->nin; i++) note_reads(p, kern_of, x->in[i], k, last);
}

static size_t round_up(size_t n) { return (n + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN; }

bj_status opt_memplan(opt_plan *p) {
    const ir_graph *g = p->g;
    size_t nid = (size_t)g->tr->next_id + 1;
    int *kern_of = malloc(nid * sizeof *kern_of), *last = malloc(nid * sizeof *last);
    slot *slots = calloc((size_t)g->nnodes + 1, sizeof *slots);
    p->bufs = core_arena_alloc(&p->arena, sizeof *p->bufs * (size_t)(g->nnodes + 1));
    p->copies = core_arena_alloc(&p->arena, sizeof *p->copies * (size_t)(g->nout + 1));
    bj_status s = BJ_OK;
    if (!kern_of || !last || !slots || !p->bufs || !p->copies) {
        s = core_err(BJ_ERR_NOMEM, "planning buffers: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nid; i++) kern_of[i] = last[i] = -1;
    for (int k = 0; k < p->nkernels; k++)
        for (int j = 0; j < p->kernels[k].nnodes; j++) kern_of[p->kernels[k].nodes[j]->id] = k;
    for (int k = 0; k < p->nkernels; k++)
        for (int j = 0; j < p->kernels[k].nnodes; j++) {
            const ir_node *n = p->kernels[k].nodes[j];
            for (int i = 0; i < n->nin; i++) note_reads(p, kern_of, n->in[i], k, last);
        }
    /* buffers in node order: inputs, constants, outputs (first occurrence), temporaries */
    for (int i = 0; i < g->nnodes; i++) {
        ir_node *n = g->nodes[i];
        if (p->buf_of[n->id] < 0) continue;
        opt_buf b = {.kind = OPT_BUF_TEMP, .nbytes = (size_t)ir_nelem(n) * bj_dtype_size((bj_dtype)n->dtype), .node = n};
        if (n->op == IR_ARG) {
            b.kind = OPT_BUF_INPUT;
            for (int a = 0; a < g->nin; a++)
                if (g->inputs[a] == n) b.index = a;
        } else if (n->op == IR_CONST) {
            b.kind = OPT_BUF_CONST;
        } else {
            for (int o = g->nout - 1; o >= 0; o--)
                if (g->outputs[o] == n) b.kind = OPT_BUF_OUTPUT, b.index = o;
        }
        p->buf_of[n->id] = p->nbufs;
        p->bufs[p->nbufs++] = b;
    }
    for (int o = 0; o < g->nout; o++) {
        const ir_node *n = g->outputs[o];
        const opt_buf *b = &p->bufs[p->buf_of[n->id]];
        if (b->kind != OPT_BUF_OUTPUT || b->index != o) p->copies[p->ncopies++] = (opt_copy){o, p->buf_of[n->id]};
    }
    /* temporaries: greedy slot reuse in kernel order */
    int nslots = 0;
    for (int k = 0; k < p->nkernels; k++) {
        for (int j = 0; j < p->kernels[k].nstores; j++) {
            const ir_node *n = p->kernels[k].stores[j];
            opt_buf *b = &p->bufs[p->buf_of[n->id]];
            if (b->kind != OPT_BUF_TEMP) continue;
            size_t need = round_up(b->nbytes ? b->nbytes : 1);
            int best = -1;
            for (int q = 0; q < nslots; q++)
                if (slots[q].free_after >= 0 && slots[q].free_after < k && slots[q].nbytes >= need &&
                    (best < 0 || slots[q].nbytes < slots[best].nbytes))
                    best = q;
            if (best < 0) {
                best = nslots++;
                slots[best] = (slot){.offset = p->scratch, .nbytes = need};
                p->scratch += need;
            }
            slots[best].free_after = last[n->id] >= k ? last[n->id] : k;
            b->offset = slots[best].offset;
        }
    }
done:
    free(kern_of), free(last), free(slots);
    return s;
}
