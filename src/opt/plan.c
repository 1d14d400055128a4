/* plan.c — the optimizer's entry points: the compile pipeline, top to bottom, and the interpreter's plain plan. */
#include "opt/plan.h"

static opt_plan *plan_new(const ir_graph *g) {
    opt_plan *p = calloc(1, sizeof *p);
    if (!p) core_err(BJ_ERR_NOMEM, "planning kernels: out of memory");
    else p->src = g;
    return p;
}

/* The pipeline. Each step either succeeds or leaves the error set; the plan owns everything it made. */
opt_plan *opt_compile(const ir_graph *g) {
    ir_graph *rg = opt_rewrite(g); /* inline calls, fold constants, exact algebra, drop dead nodes */
    return rg ? opt_plan_rewritten(g, rg, NULL) : NULL;
}

/* The plan's own copy of out_alias, or NULL when no output is aliased (then the plan is the plain one). */
static bool copy_alias(opt_plan *p, const int *out_alias) {
    int n = p->g->nout;
    bool any = false;
    for (int o = 0; out_alias && o < n; o++) any |= out_alias[o] >= 0;
    if (!any) return true;
    int *a = core_arena_alloc(&p->arena, sizeof *a * (size_t)(n + 1));
    if (!a) return core_err(BJ_ERR_NOMEM, "planning kernels: out of memory"), false;
    for (int o = 0; o < n; o++) a[o] = out_alias[o] >= 0 && out_alias[o] < p->g->nin ? out_alias[o] : -1;
    p->out_alias = a;
    return true;
}

static opt_plan *plan_rewritten(const ir_graph *g, ir_graph *rg, const int *out_alias, bool symbolic) {
    opt_plan *p = plan_new(g);
    if (!p) {
        opt_graph_free(rg);
        return NULL;
    }
    p->g = rg, p->no_flat_views = symbolic;
    if (!copy_alias(p, out_alias) /* same input and output positions as g */
        || opt_fuse(p)        /* elementwise chains -> loops, producers -> reductions, loops, the rest alone */
        || opt_plan_loops(p)  /* each loop's body planned on its own (loop.c) */
        || opt_memplan(p)) { /* buffers: inputs, outputs, constants, reused temporaries, in-place outputs */
        opt_plan_free(p);
        return NULL;
    }
    return p;
}

opt_plan *opt_plan_rewritten(const ir_graph *g, ir_graph *rg, const int *out_alias) {
    return plan_rewritten(g, rg, out_alias, false);
}

opt_plan *opt_plan_rewritten_symbolic(const ir_graph *g, ir_graph *rg, const int *out_alias) {
    return plan_rewritten(g, rg, out_alias, true);
}

opt_plan *opt_plan_unfused(const ir_graph *g) {
    opt_plan *p = plan_new(g);
    if (!p) return NULL;
    p->g = (ir_graph *)g;
    p->kernels = core_arena_alloc(&p->arena, sizeof *p->kernels * (size_t)(g->nnodes + 1));
    if (!p->kernels) {
        opt_plan_free(p);
        core_err(BJ_ERR_NOMEM, "planning kernels: out of memory");
        return NULL;
    }
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i]->op != IR_ARG)
            p->kernels[p->nkernels++] = (opt_kernel){.kind = OPT_NODE, .nodes = (ir_node **)&g->nodes[i], .nnodes = 1};
    return p;
}

void opt_plan_free(opt_plan *p) {
    if (!p) return;
    for (int k = 0; k < p->nkernels; k++) /* the plans of loop bodies, while conditions and cond branches */
        if (p->kernels[k].kind == OPT_FOR && p->kernels[k].loop)
            opt_plan_free(p->kernels[k].loop->plan), opt_plan_free(p->kernels[k].loop->plan2);
    if (p->g && p->g != p->src) opt_graph_free(p->g);
    core_arena_free(&p->arena);
    free(p);
}
