/* import.c — copying a finished graph into another trace as a region (the body of a call op): how a jitted
 * function traced once is called from every trace that uses it. */
#include "ir/ir.h"

#include <string.h>

typedef struct imp {
    ir_trace *t;
    ir_node **map; /* source node id -> copy */
    int depth;
} imp;

static ir_node *copy_node(imp *m, const ir_node *n);

/* Copies region r (a call body inside the source graph) into a new region of m->t. */
static ir_region *copy_region(imp *m, const ir_region *r) {
    ir_region *nr = ir_region_begin(m->t);
    if (!nr) return NULL;
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
    bj_status s = ir_region_end(m->t, rs ? rs : res, ok ? r->nresults : 0);
    if (rs != res) free(rs);
    return ok && !s ? nr : NULL;
}

static ir_node *copy_node(imp *m, const ir_node *n) {
    if (m->map[n->id]) return m->map[n->id];
    if (n->op == IR_ARG) return ir_fail(m->t, BJ_ERR_INTERNAL, "importing a call body: unbound argument %%%d", n->id);
    if (++m->depth > 100000) return ir_fail(m->t, BJ_ERR_ARG, "importing a call body: graph too deep");
    ir_node *ins[8], **in = n->nin <= 8 ? ins : malloc(sizeof *in * (size_t)n->nin);
    if (!in) return ir_fail(m->t, BJ_ERR_NOMEM, "importing a call body: out of memory");
    ir_node *r = NULL;
    bool ok = true;
    for (int i = 0; ok && i < n->nin; i++) ok = (in[i] = copy_node(m, n->in[i])) != NULL;
    ir_region *body = NULL;
    if (ok && n->body) ok = (body = copy_region(m, n->body)) != NULL;
    if (ok)
        r = ir_intern(m->t, &(ir_proto){.op = (ir_op)n->op, .dtype = (bj_dtype)n->dtype, .rank = n->rank,
                                        .shape = n->shape, .weak = n->weak, .nin = n->nin, .in = in,
                                        .nattr = n->nattr, .attr = n->attr, .fval = n->fval, .ival = n->ival,
                                        .data = n->data, .nbytes = n->nbytes, .body = body});
    if (in != ins) free(in);
    m->depth--;
    return m->map[n->id] = r;
}

ir_region *ir_import(ir_trace *t, const ir_graph *g) {
    if (t->status) return NULL;
    imp m = {.t = t, .map = calloc((size_t)g->tr->next_id + 1, sizeof(ir_node *))};
    if (!m.map) return ir_fail(t, BJ_ERR_NOMEM, "importing a call body: out of memory"), NULL;
    ir_region *r = ir_region_begin(t);
    for (int i = 0; r && i < g->nin; i++) {
        const ir_node *p = g->inputs[i];
        if (!(m.map[p->id] = ir_region_param(t, (bj_dtype)p->dtype, p->rank, p->shape))) break;
    }
    ir_node **rs = malloc(sizeof *rs * (size_t)(g->nout + 1));
    bool ok = r && rs && !t->status;
    if (!rs) ir_fail(t, BJ_ERR_NOMEM, "importing a call body: out of memory");
    for (int i = 0; ok && i < g->nout; i++) ok = (rs[i] = copy_node(&m, g->outputs[i])) != NULL;
    bj_status s = r ? ir_region_end(t, rs, ok ? g->nout : 0) : BJ_ERR_NOMEM;
    free(rs), free(m.map);
    return ok && !s ? r : NULL;
}
