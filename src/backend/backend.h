/* backend.h — what a backend is: something that turns a plan (kernels) into an executable and runs it. */
#ifndef BJ_BACKEND_H
#define BJ_BACKEND_H

#include "opt/plan.h"
#include "opt/symbolic.h"

typedef struct backend_vt {
    const char *name;
    bj_status (*compile)(bj_exec *e);                                        /* sets e->impl from e->plan */
    bj_status (*run)(bj_exec *e, bj_array *const *ins, bj_array **outs);      /* ins/outs: graph arity */
    /* into caller-owned outputs of the right types (NULL: run, then copy) */
    bj_status (*run_into)(bj_exec *e, bj_array *const *ins, bj_array *const *outs);
    /* exec_run_aliased: outs[o] may be ins[opts.out_alias[o]] (NULL: run into fresh arrays, then copy) */
    bj_status (*run_aliased)(bj_exec *e, bj_array *const *ins, bj_array *const *outs);
    void (*destroy)(bj_exec *e);                                             /* frees e->impl */
} backend_vt;

/* What the jit asks of a compile beyond the graph (internal; bj_compile passes none).
 *  - out_alias[o] >= 0: output o will be bound to the same memory as input out_alias[o] (a Variable updated in
 *    place, or a donated argument's buffer). The backend either writes that output in place (when every read of
 *    the input happens before or at the same element) or computes it into a temporary and copies it over the
 *    input after all kernels ran; either way exec_run_aliased gives the same result as an unaliased run.
 *  - nsym / in_sym: abstracted axes. in_sym[i * BJ_MAX_RANK + k] is the symbol (0 .. nsym-1) of axis k of input
 *    i, or -1 for a static axis; one executable then serves every size along those axes (opt/symbolic.c says
 *    which uses of a symbolic axis are supported; exec_compile fails with "abstracted axes: ..." otherwise).
 *    sym_names (nsym entries, or NULL: "s0", "s1", ...) name the symbols in messages. */
typedef struct exec_opts {
    const int *out_alias; /* nout entries, or NULL */
    int nsym;
    const int8_t *in_sym; /* nin * BJ_MAX_RANK entries, or NULL */
    const char *const *sym_names;
} exec_opts;

struct bj_exec {
    _Atomic int refcount; /* changed under the handle registry's lock; a run holds a reference while it runs */
    exec_opts opts;      /* a copy, owned (arrays malloc'd) */
    const backend_vt *vt;
    ir_graph *g; /* retained */
    opt_plan *plan;      /* the backend's own plan, freed with the executable (NULL if it keeps it elsewhere) */
    void *impl;
    int nkernels;        /* introspection, set by compile */
    int ninplace;        /* introspection: aliased outputs an aliased run writes in place, with no copy */
    const char *source;  /* generated source (owned by impl) or NULL */
    opt_syms *sym;       /* abstracted axes (owned), or NULL */
};

/* bj_compile with options (o NULL: none). */
BJ_HIDDEN bj_exec *exec_compile(bj_graph *g, const char *backend, const exec_opts *o);
/* Runs e on inputs and outputs the caller has checked (types match the graph); outs[o] for an aliased output is
 * the same array as ins[out_alias[o]]; no other output may overlap an input. */
BJ_HIDDEN bj_status exec_run_aliased(bj_exec *e, bj_array *const *ins, bj_array *const *outs);
/* How many aliased outputs exec_run_aliased writes straight into their input's memory (or that are their input
 * unchanged), with no copy: the cpu backend's plan decides (see opt/memplan.c); 0 for the interpreter. */
BJ_HIDDEN int exec_num_inplace(const bj_exec *e);

/* Abstracted axes. exec_bind_syms checks inputs against the graph (live arrays, dtype, rank, static extents, one
 * size per symbol, and no reduction without identity over an empty symbolic axis) and returns the symbols' values
 * (e->opts.nsym entries; symbols on no input get 0). Messages name the input and both types, e.g. "input 1 (y) is
 * f32[7], the graph expects f32[n] with n = 5 from input 0 (x)". exec_out_shape gives output `out`'s shape for
 * those values (a static executable: the graph's shape; symvals may then be NULL). */
BJ_HIDDEN bj_status exec_bind_syms(const bj_exec *e, bj_array *const *ins, int64_t *symvals);
BJ_HIDDEN bj_status exec_out_shape(const bj_exec *e, int out, const int64_t *symvals, int64_t *shape);

BJ_HIDDEN extern const backend_vt backend_interp;
BJ_HIDDEN extern const backend_vt backend_c;
#endif
