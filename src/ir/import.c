/* import.c — copying a finished graph into another trace as a region (the body of a call op): how a jitted
 * function traced once is called from every trace that uses it.
 *
 * Nested regions (call and loop bodies, while conditions, cond branches) are copied once each, however many nodes
 * hold them (the FOR nodes of one loop share a body), and every node is interned in the copy of its own region, so
 * a value captured by a nested body stays in the region that made it. Nodes are copied operands first without
 * recursion (ir_postorder), so a body of any length imports; only regions recurse, once per nesting level. */
#include "ir/ir.h"

#include <string.h>

typedef struct imp {
    ir_trace *t;
    ir_node **map; /* source node id -> copy */
    ir_region *root; /* the copy of g's top level */
    const ir_region **rfrom;
    ir_region **rto;
    int nreg, capreg;
} imp;

static ir_node *copy_node(imp *m, const ir_node *n);

/* The copy of source region r (NULL: g's top level), or NULL if it has none yet. */
static ir_region *region_copy(const imp *m, const ir_region *r) {
    if (!r) return m->root;
    for (int i = 0; i < m->nreg; i++)
        if (m->rfrom[i] == r) return m->rto[i];
    return NULL;
}

static bool region_note(imp *m, const ir_region *from, ir_region *to) {
    if (m->nreg == m->capreg) {
        int nc = m->capreg ? m->capreg * 2 : 8;
        const ir_region **f = realloc(m->rfrom, sizeof *f * (size_t)nc);
        if (f) m->rfrom = f;
        ir_region **t = f ? realloc(m->rto, sizeof *t * (size_t)nc) : NULL;
        if (!t) return ir_fail(m->t, BJ_ERR_NOMEM, "importing a call body: out of memory"), false;
        m->rto = t, m->capreg = nc;
    }
    m->rfrom[m->nreg] = from, m->rto[m->nreg++] = to;
    return true;
}

/* Copies region r (a call or loop body inside the source graph) into a new region of m->t, opened in t->cur. */
static ir_region *copy_region(imp *m, const ir_region *r) {
    ir_region *nr = ir_region_begin(m->t);
    if (!nr) return NULL;
    if (!region_note(m, r, nr)) {
        ir_region_end(m->t, NULL, 0);
        return NULL;
    }
    for (int i = 0; i < r->nparams; i++) {
        const ir_node *p = r->params[i];
        ir_node *q = ir_region_param(m->t, (bj_dtype)p->dtype, p->rank, p->shape);
        if (!q) break;
        m->map[p->id] = q;
    }
    ir_node *res[64], **rs = r->nresults <= 64 ? res : malloc(sizeof *rs * (size_t)r->nresults);
    bool ok = rs != NULL && !m->t->status;
    for (int i = 0; ok && i < r->nresults; i++) ok = (rs[i] = copy_node(m, r->results[i])) != NULL;
    if (!rs) ir_fail(m->t, BJ_ERR_NOMEM, "importing a call body: out of memory");
    m->t->cur = nr; /* copy_node leaves t->cur as it found it; close this region from itself */
    bj_status s = ir_region_end(m->t, rs ? rs : res, ok ? r->nresults : 0);
    if (rs != res) free(rs);
    return ok && !s ? nr : NULL;
}

static bool copied(void *ud, const ir_node *n) { return ((imp *)ud)->map[n->id] != NULL; }

/* Copies n, whose operands are copied (ir_postorder): regions it holds are copied first, once, opened in n's region
 * (recursion over region nesting only, bounded by IR_MAX_NEST). */
static bool copy_one(void *ud, const ir_node *n) {
    imp *m = ud;
    if (n->op == IR_ARG)
        return ir_fail(m->t, BJ_ERR_INTERNAL, "importing a call body: unbound argument %%%d", n->id), false;
    ir_region *home = region_copy(m, n->region);
    if (!home) return ir_fail(m->t, BJ_ERR_INTERNAL, "importing a call body: %%%d is outside the copied regions",
                              n->id), false;
    ir_node *ins[8], **in = n->nin <= 8 ? ins : malloc(sizeof *in * (size_t)n->nin);
    if (!in) return ir_fail(m->t, BJ_ERR_NOMEM, "importing a call body: out of memory"), false;
    ir_region *saved = m->t->cur;
    ir_node *r = NULL;
    for (int i = 0; i < n->nin; i++) in[i] = m->map[n->in[i]->id];
    bool ok = true;
    ir_region *body = NULL, *body2 = NULL;
    if (n->body && !(body = region_copy(m, n->body))) { /* bodies are copied once, opened in n's region */
        m->t->cur = home;
        ok = (body = copy_region(m, n->body)) != NULL;
    }
    if (ok && n->body2 && !(body2 = region_copy(m, n->body2))) { /* a while's condition, a cond's false branch */
        m->t->cur = home;
        ok = (body2 = copy_region(m, n->body2)) != NULL;
    }
    m->t->cur = home;
    if (ok)
        r = ir_intern(m->t, &(ir_proto){.op = (ir_op)n->op, .dtype = (bj_dtype)n->dtype, .rank = n->rank,
                                        .shape = n->shape, .weak = n->weak, .nin = n->nin, .in = in,
                                        .nattr = n->nattr, .attr = n->attr, .fval = n->fval, .ival = n->ival,
                                        .data = n->data, .nbytes = n->nbytes, .body = body, .body2 = body2});
    m->t->cur = saved;
    if (in != ins) free(in);
    return (m->map[n->id] = r) != NULL;
}

static ir_node *copy_node(imp *m, const ir_node *n) {
    return ir_postorder(m->t, n, copied, copy_one, m) ? m->map[n->id] : NULL;
}

ir_region *ir_import(ir_trace *t, const ir_graph *g) {
    if (t->status) return NULL;
    imp m = {.t = t, .map = calloc((size_t)g->tr->next_id + 1, sizeof(ir_node *))};
    if (!m.map) return ir_fail(t, BJ_ERR_NOMEM, "importing a call body: out of memory"), NULL;
    ir_region *r = m.root = ir_region_begin(t);
    for (int i = 0; r && i < g->nin; i++) {
        const ir_node *p = g->inputs[i];
        if (!(m.map[p->id] = ir_region_param(t, (bj_dtype)p->dtype, p->rank, p->shape))) break;
    }
    ir_node **rs = malloc(sizeof *rs * (size_t)(g->nout + 1));
    bool ok = r && rs && !t->status;
    if (!rs) ir_fail(t, BJ_ERR_NOMEM, "importing a call body: out of memory");
    for (int i = 0; ok && i < g->nout; i++) ok = (rs[i] = copy_node(&m, g->outputs[i])) != NULL;
    if (r) t->cur = r;
    bj_status s = r ? ir_region_end(t, rs, ok ? g->nout : 0) : BJ_ERR_NOMEM;
    free(rs), free(m.map), free(m.rfrom), free(m.rto);
    return ok && !s ? r : NULL;
}
