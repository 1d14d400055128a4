/* fuse.c — fusion: grouping the rewritten graph into kernels (loop nests) and deciding which values get buffers.
 *
 * Design note. Values fall into four classes. Buffers that exist anyway (arguments, constants). Values computed
 * where they are read, never stored: literals, full, iota and the views (reshape, broadcast_to, transpose, slice,
 * flip), which are index arithmetic on their operand. Elementwise nodes, each computed once in one LOOP kernel
 * whose iteration space is the node's shape. And everything else (reductions, gathers, scatters, scans, matmul,
 * concatenation, dynamic slices), the root of a kernel of its own.
 *
 * Nodes are placed greedily in topological order. An elementwise node joins the group of any operand computed in
 * an open LOOP group of its own shape (merging such groups), else the latest open group of its shape, else a new
 * one; operands it cannot read in place (another shape, another kind of kernel) are materialised. A group is
 * SEALED as soon as another kernel reads one of its values: it takes no more nodes. That rule is what keeps the
 * kernel graph acyclic — a node may join only groups nobody reads, so no path can lead from the group back to the
 * node through another kernel — and it is cheap. Reductions fuse with their producers the other way round: a
 * backward pass first finds the elementwise nodes of the reduction's operand shape whose every use is (transitively)
 * that reduction, and those are computed inside the reduction's loop instead of a group. A reshape reads its
 * operand as a flat buffer, so a reshape of anything but a buffer or a uniform value materialises its operand,
 * unless it only adds or removes size-1 axes (opt_is_squeeze): that one is an affine view like a slice.
 * A NODE kernel reads its operands as flat buffers. One that is a view of a contiguous block of another value (a
 * reshape; a slice keeping one index on its leading axes, a range on the next and whole trailing axes; chains of
 * those: opt_flat_view) is read in place, that value's buffer at an offset, instead of from a copy: an event-driven
 * projection reading the excitatory slice of a population's spikes costs no copy kernel per step.
 * Kernels are finally sorted topologically by the buffers they read (creation order breaks ties), in time linear in
 * the kernels and the edges between them.
 *
 * Size: a LOOP or REDUCE kernel holds at most OPT_KERNEL_MAX_NODES nodes (plan.h). A group that reaches it is
 * sealed; a node whose operands' groups would exceed it together reads the operands it cannot add from buffers; a
 * reduction computes at most that many producers in its loop (the rest, farther back, form groups of their own). A
 * 200,000-op chain thus becomes about 400 kernels joined by temporaries, and the C compiler's time, which grows
 * faster than a function's length, stays linear in the graph's.
 *
 * Loops and conds: the live FOR (WHILE, COND) nodes of one loop (cond) form one FOR kernel that reads the needed
 * carries' initial values (a cond's needed operands and predicate) and the values its regions capture (all stored,
 * like a NODE kernel's operands) and stores every member; its regions are planned on their own (loop.c). Which values are sources (buffers that exist anyway) is the graph's inputs and constants,
 * so a loop body's sub-graph, whose inputs are its parameters and captured values, fuses like any graph.
 *
 * Consequences worth knowing: a LIF update (a dozen elementwise ops over [N]) is one kernel; softmax over the last
 * axis is four (max, exp-and-subtract, sum, divide), because exp(x - max) is read by both the sum and the divide
 * and is computed once rather than twice. */
#include "opt/plan.h"

#include <string.h>

typedef struct group {
    opt_kernel_kind kind;
    int rank;
    int64_t shape[BJ_MAX_RANK];
    int *nodes, n, cap; /* node ids */
    bool sealed;
    int merged; /* >= 0: merged into that group */
    opt_loop *loop; /* FOR groups: the loop */
} group;

typedef struct fz {
    opt_plan *p;
    const ir_graph *g;
    ir_node **byid;
    int *home;  /* node id -> group, -1 */
    int *owner; /* node id -> id of the reduction computing it in its loop, -1 */
    int *rk;    /* reduction id -> its group, -1 */
    unsigned char *mat, *out;
    unsigned char *src; /* node id -> an input of the graph or a constant: a buffer that exists anyway */
    group *gs;
    int ng, gcap;
    opt_loop **loops; /* the graph's loops (loop.c), and each one's group or -1 */
    int *loop_group, nloops;
    bool oom;
} fz;

bool opt_is_view(const ir_node *n) {
    switch ((ir_op)n->op) {
    case IR_RESHAPE: case IR_BROADCAST_TO: case IR_TRANSPOSE: case IR_SLICE: case IR_FLIP: return true;
    default: return false;
    }
}
bool opt_is_squeeze(const ir_node *n) {
    if (n->op != IR_RESHAPE) return false;
    const ir_node *x = n->in[0];
    int j = 0, k = 0;
    for (;;) { /* the extents other than 1, in order, are the same */
        while (j < x->rank && x->shape[j] == 1) j++;
        while (k < n->rank && n->shape[k] == 1) k++;
        if (j == x->rank || k == n->rank) return j == x->rank && k == n->rank;
        if (x->shape[j++] != n->shape[k++]) return false;
    }
}
/* A slice of x is a contiguous block when, for some axis a, the axes before a keep one index, axis a a range of
 * step 1, and the axes after a are whole; the block starts at the flat index of its first element. */
static bool slice_block(const ir_node *v, int64_t *off) {
    const ir_node *x = v->in[0];
    int a = v->rank - 1;
    while (a >= 0 && v->shape[a] == x->shape[a] && (v->shape[a] == 1 || (v->attr[2 * a] == 0 && v->attr[2 * a + 1] == 1)))
        a--; /* whole trailing axes */
    if (a >= 0 && v->shape[a] > 1 && v->attr[2 * a + 1] != 1) return false;
    for (int j = 0; j < a; j++)
        if (v->shape[j] != 1) return false;
    int64_t o = 0, stride = 1;
    for (int j = v->rank - 1; j >= 0; j--) o += (v->shape[j] == 1 || j == a ? v->attr[2 * j] : 0) * stride, stride *= x->shape[j];
    *off = o;
    return true;
}

const ir_node *opt_flat_view(const ir_node *x, int64_t *off) {
    int64_t o = 0, e = 1;
    for (int j = 0; j < x->rank; j++) e *= x->shape[j];
    const ir_node *v = x;
    for (;;) { /* a reshape keeps the flat order; a block of a block is a block */
        int64_t d = 0;
        if (v->op == IR_SLICE ? !slice_block(v, &d) : v->op != IR_RESHAPE) break;
        o += d, v = v->in[0];
    }
    *off = o;
    return e && v != x ? v : NULL;
}

static bool is_leaf(const ir_node *n) { return n->op == IR_LIT || n->op == IR_FULL || n->op == IR_IOTA; }
static bool is_source(const fz *f, const ir_node *n) { return f->src[n->id]; }
static bool is_elt(const ir_node *n) {
    ir_kind k = ir_ops[n->op].kind;
    return k == IR_K_UNARY || k == IR_K_BINARY || k == IR_K_TERNARY || k == IR_K_RANDOM; /* random: elementwise in i */
}
static bool is_reduce(const ir_node *n) { return ir_ops[n->op].kind == IR_K_REDUCE; }
static bool same_shape(const ir_node *a, int rank, const int64_t *shape) {
    return a->rank == rank && !memcmp(a->shape, shape, sizeof(int64_t) * (size_t)rank);
}

static int find(fz *f, int k) {
    while (f->gs[k].merged >= 0) k = f->gs[k].merged;
    return k;
}

static int new_group(fz *f, opt_kernel_kind kind, int rank, const int64_t *shape) {
    if (f->ng == f->gcap) {
        int nc = f->gcap ? f->gcap * 2 : 16;
        group *ng = realloc(f->gs, sizeof *ng * (size_t)nc);
        if (!ng) return f->oom = true, -1;
        f->gs = ng, f->gcap = nc;
    }
    group *g = &f->gs[f->ng];
    memset(g, 0, sizeof *g);
    g->kind = kind, g->rank = rank, g->merged = -1;
    if (rank) memcpy(g->shape, shape, sizeof(int64_t) * (size_t)rank);
    return f->ng++;
}

static void add_node(fz *f, int k, const ir_node *n) {
    group *g = &f->gs[k];
    if (g->n == g->cap) {
        int nc = g->cap ? g->cap * 2 : 8;
        int *nn = realloc(g->nodes, sizeof *nn * (size_t)nc);
        if (!nn) {
            f->oom = true;
            return;
        }
        g->nodes = nn, g->cap = nc;
    }
    g->nodes[g->n++] = n->id;
    f->home[n->id] = k;
}

/* Moves group b's nodes into group a. */
static void merge(fz *f, int a, int b) {
    for (int i = 0; i < f->gs[b].n; i++) add_node(f, a, f->byid[f->gs[b].nodes[i]]);
    f->gs[b].n = 0;
    f->gs[b].merged = a;
}

/* A consumer reads view or leaf v in place: what v reads must be readable by index arithmetic. Returns the node
 * that must therefore live in a buffer (the caller stores it), or NULL. */
static ir_node *source_need(fz *f, ir_node *v) {
    while (opt_is_view(v)) {
        ir_node *o = v->in[0];
        /* a reshape reads a flat buffer (one adding or removing size-1 axes: a view) */
        if (v->op == IR_RESHAPE && !is_source(f, o) && o->op != IR_LIT && o->op != IR_FULL && !opt_is_squeeze(v))
            return o;
        if (!opt_is_view(o) && !is_leaf(o)) return o;
        v = o;
    }
    return NULL;
}

/* x must live in a buffer that another kernel reads (seal) or the caller receives (an output). A leaf or view not
 * yet placed is stored by a kernel of its own, which may in turn need what it reads stored: a loop, not recursion,
 * so a chain of a million views cannot overflow the stack. */
static void need_buffer(fz *f, ir_node *x, bool seal) {
    while (x && !is_source(f, x)) {
        bool fresh = f->home[x->id] < 0;
        if (fresh) {
            int k = new_group(f, OPT_LOOP, x->rank, x->shape);
            if (k < 0) return;
            add_node(f, k, x);
        }
        f->mat[x->id] = 1;
        if (seal) f->gs[find(f, f->home[x->id])].sealed = true;
        if (!fresh) return;
        x = source_need(f, x), seal = true;
    }
}

static void need_source(fz *f, ir_node *v) { need_buffer(f, source_need(f, v), true); }

/* Whether elementwise consumer n (in a group of n's shape) may read operand x in place from x's group. */
static int inline_group(fz *f, const ir_node *n, const ir_node *x) {
    if (!is_elt(x) || f->owner[x->id] >= 0 || f->home[x->id] < 0 || !same_shape(x, n->rank, n->shape)) return -1;
    int k = find(f, f->home[x->id]);
    return f->gs[k].kind == OPT_LOOP && !f->gs[k].sealed ? k : -1;
}

/* Operand x of a node placed in group k, read other than in place. */
static void read_operand(fz *f, ir_node *x) {
    if (is_source(f, x)) return;
    if (f->home[x->id] < 0 && (is_leaf(x) || opt_is_view(x))) need_source(f, x);
    else need_buffer(f, x, true);
}

/* Nodes of the groups cands[0..nc-1] (distinct ones counted once) and of group k if it is not among them. */
static int joined_size(fz *f, const int *cands, int nc, int k) {
    int total = 0;
    bool k_in = false;
    for (int i = 0; i < nc; i++) {
        int a = find(f, cands[i]);
        bool first = true;
        for (int j = 0; j < i && first; j++) first = find(f, cands[j]) != a;
        if (first) total += f->gs[a].n;
        k_in |= a == k;
    }
    return k_in ? total : total + f->gs[k].n;
}

static void place_elementwise(fz *f, ir_node *n) {
    int cands[4], nc = 0;
    bool inl[4] = {0};
    for (int i = 0; i < n->nin && i < 4; i++) inl[i] = inline_group(f, n, n->in[i]) >= 0;
    for (int i = 0; i < n->nin; i++)
        if (i >= 4 || !inl[i]) read_operand(f, n->in[i]);
    for (int i = 0; i < n->nin && i < 4; i++) {
        if (!inl[i]) continue;
        int k = inline_group(f, n, n->in[i]); /* may have been sealed by another operand meanwhile */
        if (k >= 0 && joined_size(f, cands, nc, k) + 1 > OPT_KERNEL_MAX_NODES) k = -1; /* too big together */
        if (k < 0) need_buffer(f, n->in[i], true);
        else cands[nc++] = k;
    }
    int target = -1;
    for (int i = 0; i < nc; i++) {
        int k = find(f, cands[i]);
        if (target < 0) target = k;
        else if (k != target) merge(f, target, k);
    }
    for (int k = f->ng - 1; target < 0 && k >= 0 && k >= f->ng - 16; k--) /* an open group of the same shape */
        if (f->gs[k].merged < 0 && f->gs[k].kind == OPT_LOOP && !f->gs[k].sealed &&
            same_shape(n, f->gs[k].rank, f->gs[k].shape))
            target = k;
    if (target < 0) target = new_group(f, OPT_LOOP, n->rank, n->shape);
    if (target < 0) return;
    add_node(f, target, n);
    if (f->gs[target].n >= OPT_KERNEL_MAX_NODES) f->gs[target].sealed = true; /* full: its readers read a buffer */
}

/* The reduction group of reduction id r. */
static int reduce_group(fz *f, const ir_node *r) {
    if (f->rk[r->id] < 0) {
        const ir_node *x = r->in[0];
        f->rk[r->id] = new_group(f, OPT_REDUCE, x->rank, x->shape);
    }
    return f->rk[r->id];
}

static void place_owned(fz *f, ir_node *n) {
    int o = f->owner[n->id], k = reduce_group(f, f->byid[o]);
    for (int i = 0; i < n->nin; i++)
        if (f->owner[n->in[i]->id] != o) read_operand(f, n->in[i]);
    if (k >= 0) add_node(f, k, n);
}

/* The loop or cond control node n (FOR, WHILE, COND) belongs to. */
static int loop_index(const fz *f, const ir_node *n) {
    for (int i = 0; i < f->nloops; i++)
        if (ir_same_loop(f->loops[i]->lead, n)) return i;
    return -1;
}

/* A FOR, WHILE or COND node: the members of one loop or cond share a FOR kernel, which reads the needed carries'
 * initial values (a cond's needed operands and its predicate) and the values the regions capture (each a buffer of
 * this plan) and stores every member. */
static void place_loop(fz *f, ir_node *n) {
    int i = loop_index(f, n);
    if (i < 0) {
        f->oom = true;
        return;
    }
    const opt_loop *l = f->loops[i];
    if (f->loop_group[i] < 0) {
        for (int k = 0; k < l->ncarry; k++)
            if (l->need[k]) need_buffer(f, l->init[k], true);
        for (int k = 0; k < l->ncapt; k++) need_buffer(f, l->capt[k], true);
        if (l->pred) need_buffer(f, l->pred, true);
        int g = f->loop_group[i] = new_group(f, OPT_FOR, n->rank, n->shape);
        if (g < 0) return;
        f->gs[g].loop = f->loops[i];
    }
    add_node(f, f->loop_group[i], n);
    f->mat[n->id] = 1;
}

static void place(fz *f, ir_node *n) {
    if (is_source(f, n) || is_leaf(n) || opt_is_view(n)) return; /* placed when someone needs it stored */
    if (ir_is_control(n)) {
        place_loop(f, n);
        return;
    }
    if (is_elt(n)) {
        if (f->owner[n->id] >= 0) place_owned(f, n);
        else place_elementwise(f, n);
        return;
    }
    if (is_reduce(n)) {
        int k = reduce_group(f, n);
        if (f->owner[n->in[0]->id] != n->id) read_operand(f, n->in[0]);
        if (k >= 0) add_node(f, k, n);
        return;
    }
    for (int i = 0; i < n->nin; i++) { /* NODE kernels read whole buffers; sparse ops paste a literal weight */
        ir_node *x = n->in[i];
        int64_t off;
        const ir_node *base = f->p->no_flat_views || f->home[x->id] >= 0 ? NULL : opt_flat_view(x, &off);
        if (ir_ops[n->op].kind == IR_K_SPARSE && x->op == IR_LIT) continue;
        if (base && !is_leaf(base)) need_buffer(f, (ir_node *)base, true); /* read in place, at an offset */
        else need_buffer(f, x, true);
    }
    int k = new_group(f, OPT_NODE, n->rank, n->shape);
    if (k >= 0) add_node(f, k, n);
}

/* Backward pass: owner[x] = the reduction whose loop computes x (x elementwise, of the reduction operand's shape,
 * every use inside that reduction's producer tree, not an output). claim[x] collects what x's users allow. */
static void find_owners(fz *f) {
    const ir_graph *g = f->g;
    size_t nid = (size_t)g->tr->next_id + 1;
    int *claim = malloc(sizeof *claim * 2 * nid), *owned = claim + nid; /* owned: nodes each reduction computes */
    if (!claim) {
        f->oom = true;
        return;
    }
    for (size_t i = 0; i < nid; i++) claim[i] = -1, owned[i] = 0;
    for (int i = g->nnodes - 1; i >= 0; i--) {
        ir_node *c = g->nodes[i];
        int r = is_elt(c) && !f->out[c->id] ? claim[c->id] : -1;
        if (r >= 0 && owned[r] < OPT_KERNEL_MAX_NODES - 1) /* the kernel's bound: the rest is computed aside */
            f->owner[c->id] = r, owned[r]++;
        int li = ir_is_control(c) ? loop_index(f, c) : -1; /* what a loop's regions capture is read from a buffer */
        for (int j = 0; li >= 0 && j < f->loops[li]->ncapt; j++) claim[f->loops[li]->capt[j]->id] = -2;
        for (int j = 0; j < c->nin; j++) {
            const ir_node *x = c->in[j];
            int want = -2;
            if (is_reduce(c)) want = c->id;
            else if (f->owner[c->id] >= 0 && same_shape(x, c->rank, c->shape)) want = f->owner[c->id];
            claim[x->id] = claim[x->id] == -1 || claim[x->id] == want ? want : -2;
        }
    }
    free(claim);
}

/* The kernel graph: an edge h -> k when kernel k reads a buffer that group h stores. Built in time linear in the
 * nodes and edges (each reader's edges collected once, values computed in place walked once per reader), so that
 * graphs of very many kernels plan as fast as they render. */
typedef struct kgraph {
    int *from, *to, n, cap; /* the edges */
    int *gmark;             /* by group: the last reader that noted an edge from it, plus 1 */
    int *vmark;             /* by node id: the last reader that walked it, plus 1 */
    ir_node **stack;        /* values to walk */
    int nstack, scap;
    bool oom;
} kgraph;

static void push_value(kgraph *kg, ir_node *x, int k) {
    if (kg->vmark[x->id] == k + 1) return;
    kg->vmark[x->id] = k + 1;
    if (kg->nstack == kg->scap) {
        int nc = kg->scap ? 2 * kg->scap : 64;
        ir_node **ns = realloc(kg->stack, sizeof *ns * (size_t)nc);
        if (!ns) {
            kg->oom = true;
            return;
        }
        kg->stack = ns, kg->scap = nc;
    }
    kg->stack[kg->nstack++] = x;
}

/* What node n of kernel k reads: its operands, or for a loop (cond) its needed carries' initial values (operands),
 * what its regions capture and a cond's predicate. */
static void push_reads(fz *f, kgraph *kg, ir_node *n, int k) {
    const opt_loop *l = ir_is_control(n) && f->home[n->id] >= 0 ? f->gs[find(f, f->home[n->id])].loop : NULL;
    if (!l) {
        for (int i = 0; i < n->nin; i++) push_value(kg, n->in[i], k);
        return;
    }
    for (int i = 0; i < l->ncarry; i++)
        if (l->need[i]) push_value(kg, l->init[i], k);
    for (int i = 0; i < l->ncapt; i++) push_value(kg, l->capt[i], k);
    if (l->pred) push_value(kg, l->pred, k);
}

/* Notes the edges into kernel k: from the group of each value it reads, looking through values computed in place. */
static void reader_edges(fz *f, kgraph *kg, int k) {
    const group *g = &f->gs[k];
    for (int i = 0; i < g->n; i++) push_reads(f, kg, f->byid[g->nodes[i]], k);
    while (kg->nstack && !kg->oom) {
        ir_node *x = kg->stack[--kg->nstack];
        int h = f->home[x->id] >= 0 ? find(f, f->home[x->id]) : -1;
        if (h < 0) {
            if (!is_source(f, x))
                for (int i = 0; i < x->nin; i++) push_value(kg, x->in[i], k);
            continue;
        }
        if (h == k || kg->gmark[h] == k + 1) continue;
        kg->gmark[h] = k + 1;
        if (kg->n == kg->cap) {
            int nc = kg->cap ? 2 * kg->cap : 64;
            int *nf = realloc(kg->from, sizeof *nf * (size_t)nc);
            if (nf) kg->from = nf;
            int *nt = nf ? realloc(kg->to, sizeof *nt * (size_t)nc) : NULL;
            if (!nt) {
                kg->oom = true;
                return;
            }
            kg->to = nt, kg->cap = nc;
        }
        kg->from[kg->n] = h, kg->to[kg->n++] = k;
    }
}

/* A binary min-heap of group indices: Kahn's algorithm takes the ready group created first. */
static void heap_push(int *hp, int *n, int v) {
    int i = (*n)++;
    while (i > 0 && hp[(i - 1) / 2] > v) hp[i] = hp[(i - 1) / 2], i = (i - 1) / 2;
    hp[i] = v;
}
static int heap_pop(int *hp, int *n) {
    int top = hp[0], v = hp[--*n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && hp[c + 1] < hp[c]) c++;
        if (hp[c] >= v) break;
        hp[i] = hp[c], i = c;
    }
    if (*n) hp[i] = v;
    return top;
}

static int cmp_int(const void *a, const void *b) { return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b); }

/* Emits the live groups as kernels in a topological order of their buffer dependencies (among the groups ready,
 * the one created first). */
static bool emit(fz *f) {
    opt_plan *p = f->p;
    int ng = f->ng;
    size_t nid = (size_t)f->g->tr->next_id + 1;
    kgraph kg = {.gmark = calloc((size_t)ng + 1, sizeof(int)), .vmark = calloc(nid, sizeof(int))};
    int *order = malloc(sizeof *order * (size_t)(ng + 1)), *indeg = calloc((size_t)ng + 1, sizeof *indeg);
    int *first = calloc((size_t)ng + 2, sizeof *first), *succ = NULL, *heap = malloc(sizeof *heap * (size_t)(ng + 1));
    bool ok = kg.gmark && kg.vmark && order && indeg && first && heap;
    int nlive = 0, no = 0, nheap = 0;
    for (int k = 0; ok && k < ng; k++) {
        group *g = &f->gs[k];
        if (g->merged >= 0) continue;
        nlive++;
        qsort(g->nodes, (size_t)g->n, sizeof *g->nodes, cmp_int);
        reader_edges(f, &kg, k);
        ok = !kg.oom;
    }
    if (ok) ok = (succ = malloc(sizeof *succ * ((size_t)kg.n + 1))) != NULL;
    if (ok) { /* successors by group (counting sort of the edges by their source) */
        for (int e = 0; e < kg.n; e++) first[kg.from[e] + 2]++, indeg[kg.to[e]]++;
        for (int h = 0; h < ng; h++) first[h + 2] += first[h + 1];
        for (int e = 0; e < kg.n; e++) succ[first[kg.from[e] + 1]++] = kg.to[e];
        for (int k = 0; k < ng; k++)
            if (f->gs[k].merged < 0 && !indeg[k]) heap_push(heap, &nheap, k);
        while (nheap) {
            int pick = heap_pop(heap, &nheap);
            order[no++] = pick;
            for (int e = first[pick]; e < first[pick + 1]; e++)
                if (!--indeg[succ[e]]) heap_push(heap, &nheap, succ[e]);
        }
        if (no < nlive) {
            ok = false;
            core_err(BJ_ERR_INTERNAL, "fusion made a cycle between kernels (a brainjit bug)");
        }
    } else {
        core_err(BJ_ERR_NOMEM, "fusion: out of memory");
    }
    free(kg.from), free(kg.to), free(kg.gmark), free(kg.vmark), free(kg.stack), free(indeg), free(first), free(succ);
    free(heap);
    if (ok) {
        p->kernels = core_arena_alloc(&p->arena, sizeof *p->kernels * (size_t)(no + 1));
        ok = p->kernels != NULL;
        if (!ok) core_err(BJ_ERR_NOMEM, "fusion: out of memory");
    }
    for (int o = 0; ok && o < no; o++) {
        group *g = &f->gs[order[o]];
        opt_kernel *kr = &p->kernels[p->nkernels++];
        kr->kind = g->kind, kr->rank = g->rank, kr->loop = g->loop;
        memcpy(kr->shape, g->shape, sizeof kr->shape);
        kr->nodes = core_arena_alloc(&p->arena, sizeof *kr->nodes * (size_t)(g->n + 1));
        kr->stores = core_arena_alloc(&p->arena, sizeof *kr->stores * (size_t)(g->n + 1));
        if (!kr->nodes || !kr->stores) {
            ok = false;
            core_err(BJ_ERR_NOMEM, "fusion: out of memory");
            break;
        }
        for (int i = 0; i < g->n; i++) {
            ir_node *n = f->byid[g->nodes[i]];
            kr->nodes[kr->nnodes++] = n;
            if (f->mat[n->id]) kr->stores[kr->nstores++] = n;
        }
    }
    free(order);
    return ok;
}

bj_status opt_fuse(opt_plan *p) {
    const ir_graph *g = p->g;
    size_t nid = (size_t)g->tr->next_id + 1;
    fz f = {.p = p, .g = g};
    f.byid = calloc(nid, sizeof *f.byid);
    f.home = malloc(nid * sizeof *f.home), f.owner = malloc(nid * sizeof *f.owner), f.rk = malloc(nid * sizeof *f.rk);
    f.mat = calloc(nid, 1), f.out = calloc(nid, 1), f.src = calloc(nid, 1);
    f.loops = malloc(sizeof *f.loops * ((size_t)g->nnodes + 1));
    f.loop_group = malloc(sizeof *f.loop_group * ((size_t)g->nnodes + 1));
    bj_status s = BJ_OK;
    if (!f.byid || !f.home || !f.owner || !f.rk || !f.mat || !f.out || !f.src || !f.loops || !f.loop_group) {
        s = core_err(BJ_ERR_NOMEM, "fusion: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nid; i++) f.home[i] = f.owner[i] = f.rk[i] = -1;
    for (int i = 0; i < g->nin; i++) f.src[g->inputs[i]->id] = 1;
    for (int i = 0; i < g->nnodes; i++) {
        ir_node *n = g->nodes[i];
        f.byid[n->id] = n;
        if (n->op == IR_CONST) f.src[n->id] = 1;
        if (is_source(&f, n)) f.mat[n->id] = 1;
        if (ir_is_control(n) && loop_index(&f, n) < 0) { /* a new loop or cond, led by its first live member */
            if (!(f.loops[f.nloops] = opt_loop_new(p, n))) {
                s = core_last_status() ? core_last_status() : BJ_ERR_NOMEM;
                goto done;
            }
            f.loop_group[f.nloops++] = -1;
        }
    }
    for (int i = 0; i < g->nout; i++) f.out[g->outputs[i]->id] = 1;
    find_owners(&f);
    for (int i = 0; i < g->nnodes && !f.oom; i++) place(&f, g->nodes[i]);
    for (int i = 0; i < g->nout && !f.oom; i++) need_buffer(&f, g->outputs[i], false);
    if (f.oom) s = core_err(BJ_ERR_NOMEM, "fusion: out of memory");
    else if (!emit(&f)) s = core_last_status() ? core_last_status() : BJ_ERR_INTERNAL;
    if (!s) {
        p->buf_of = core_arena_alloc(&p->arena, sizeof *p->buf_of * nid);
        if (!p->buf_of) s = core_err(BJ_ERR_NOMEM, "fusion: out of memory");
        for (size_t i = 0; !s && i < nid; i++) p->buf_of[i] = f.mat[i] ? 0 : -1; /* memplan numbers them */
    }
done:
    for (int k = 0; k < f.ng; k++) free(f.gs[k].nodes);
    free(f.gs), free(f.byid), free(f.home), free(f.owner), free(f.rk), free(f.mat), free(f.out), free(f.src);
    free(f.loops), free(f.loop_group);
    return s;
}
