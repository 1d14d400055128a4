/* backend.h — what a backend is: something that turns a plan (kernels) into an executable and runs it. */
#ifndef BJ_BACKEND_H
#define BJ_BACKEND_H

#include "opt/plan.h"

typedef struct backend_vt {
    const char *name;
    bj_status (*compile)(bj_exec *e);                                        /* sets e->impl from e->plan */
    bj_status (*run)(bj_exec *e, bj_array *const *ins, bj_array **outs);      /* ins/outs: graph arity */
    /* into caller-owned outputs of the right types (NULL: run, then copy) */
    bj_status (*run_into)(bj_exec *e, bj_array *const *ins, bj_array *const *outs);
    void (*destroy)(bj_exec *e);                                             /* frees e->impl */
} backend_vt;

struct bj_exec {
    int refcount;
    const backend_vt *vt;
    ir_graph *g; /* retained */
    opt_plan *plan;      /* the backend's own plan, freed with the executable (NULL if it keeps it elsewhere) */
    void *impl;
    int nkernels;        /* introspection, set by compile */
    const char *source;  /* generated source (owned by impl) or NULL */
};

BJ_HIDDEN extern const backend_vt backend_interp;
BJ_HIDDEN extern const backend_vt backend_c;
#endif
