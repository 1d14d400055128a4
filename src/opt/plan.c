/* plan.c — grouping a graph into kernels. For now each computing node is its own kernel; the fusion pass of the
 * native backend will replace this with fused groups behind the same interface. */
#include "opt/plan.h"

opt_plan *opt_plan_unfused(const ir_graph *g) {
    opt_plan *p = calloc(1, sizeof *p);
    if (p) p->kernels = calloc((size_t)g->nnodes + 1, sizeof *p->kernels);
    if (!p || !p->kernels) {
        free(p);
        core_err(BJ_ERR_NOMEM, "planning kernels: out of memory");
        return NULL;
    }
    p->g = g;
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i]->op != IR_ARG)
            p->kernels[p->nkernels++] = (opt_kernel){.nodes = (ir_node **)&g->nodes[i], .nnodes = 1};
    return p;
}

void opt_plan_free(opt_plan *p) {
    if (!p) return;
    free(p->kernels);
    free(p);
}
