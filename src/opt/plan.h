/* plan.h — the executable plan a backend compiles: the graph grouped into kernels (loop nests), in run order. */
#ifndef BJ_OPT_PLAN_H
#define BJ_OPT_PLAN_H

#include "ir/ir.h"

/* A kernel computes its nodes in order; values used outside it are materialised as buffers. */
typedef struct opt_kernel {
    ir_node **nodes;
    int nnodes;
} opt_kernel;

typedef struct opt_plan {
    const ir_graph *g;
    opt_kernel *kernels;
    int nkernels;
} opt_plan;

/* One kernel per computing node, no fusion: what the interpreter runs (fusion comes with the C backend). */
BJ_HIDDEN opt_plan *opt_plan_unfused(const ir_graph *g);
BJ_HIDDEN void opt_plan_free(opt_plan *p);
#endif
