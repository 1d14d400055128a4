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

/* What the jit asks of a compile beyond the graph (internal; bj_compile passes none).
 *  - out_alias[o] >= 0: output o will be bound to the same memory as input out_alias[o] (a Variable updated in
 *    place, or a donated argument's buffer). The backend either writes that output in place (when every read of
 *    the input happens before or at the same element) or computes it into a temporary and copies it over the
 *    input after all kernels ran; either way exec_run_aliased gives the same result as an unaliased run.
 *  - nsym / in_sym: abstracted axes. in_sym[i * BJ_MAX_RANK + k] is the symbol (0 .. nsym-1) of axis k of input
 *    i, or -1 for a static axis; one executable then serves every size along those axes. */
typedef struct exec_opts {
    const int *out_alias; /* nout entries, or NULL */
    int nsym;
    const int8_t *in_sym; /* nin * BJ_MAX_RANK entries, or NULL */
} exec_opts;

struct bj_exec {
    int refcount;
    exec_opts opts;      /* a copy, owned (arrays malloc'd) */
    const backend_vt *vt;
    ir_graph *g; /* retained */
    opt_plan *plan;      /* the backend's own plan, freed with the executable (NULL if it keeps it elsewhere) */
    void *impl;
    int nkernels;        /* introspection, set by compile */
    const char *source;  /* generated source (owned by impl) or NULL */
};

/* bj_compile with options (o NULL: none). */
BJ_HIDDEN bj_exec *exec_compile(bj_graph *g, const char *backend, const exec_opts *o);
/* Runs e on inputs and outputs the caller has checked (types match the graph); outs[o] for an aliased output is
 * the same array as ins[out_alias[o]]; no other output may overlap an input. */
BJ_HIDDEN bj_status exec_run_aliased(bj_exec *e, bj_array *const *ins, bj_array *const *outs);

BJ_HIDDEN extern const backend_vt backend_interp;
BJ_HIDDEN extern const backend_vt backend_c;
#endif
