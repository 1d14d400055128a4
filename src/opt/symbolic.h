/* symbolic.h — abstracted axes: which axis of which value is a symbolic extent (a size known only at run time). */
#ifndef BJ_OPT_SYMBOLIC_H
#define BJ_OPT_SYMBOLIC_H

#include "opt/plan.h"

#define OPT_SYM_MAX 32 /* distinct symbols an executable may have */

/* What an executable with abstracted axes knows about its symbols (made by exec_compile, read-only afterwards).
 * The IR has static shapes (the graph was traced at one size per symbol); `node` says, for every node of `g` (an
 * inline-only copy of the user's graph, no regions) and every axis, which symbol its extent is, or -1 (static).
 * Every extent is either static or exactly one symbol: nothing computes 2n or n - 1. */
typedef struct opt_syms {
    int nsym;
    int64_t traced[OPT_SYM_MAX];    /* the size each symbol had when traced (>= 2), -1 if on no input */
    char names[OPT_SYM_MAX][32];    /* for messages: the caller's names, or "s0", "s1", ... */
    int first_in[OPT_SYM_MAX];      /* the first input axis carrying each symbol, -1 if none */
    int first_axis[OPT_SYM_MAX];
    int nin;
    int8_t *in_sym;                 /* nin * BJ_MAX_RANK */
    ir_graph *g;                    /* inline-only copy of the graph (owned) */
    int8_t *node;                   /* by node id of g, BJ_MAX_RANK entries each */
    const ir_node **empty_check;    /* max/min/argmax/argmin of g reducing a symbolic axis */
    int nempty;
} opt_syms;

#define OPT_SYM(tab, n, k) ((tab)[(size_t)(n)->id * BJ_MAX_RANK + (size_t)(k)])

/* Validates the input symbols (ids in range, one traced size per symbol, at least 2), copies the graph with calls
 * inlined and propagates the symbols through it. NULL with the error set ("abstracted axes: ..."). */
BJ_HIDDEN opt_syms *opt_sym_new(const ir_graph *g, int nsym, const int8_t *in_sym, const char *const *names);
BJ_HIDDEN void opt_sym_free(opt_syms *s);

/* The symbol table (by node id, malloc'd) of a region-free graph whose inputs are those of s, or NULL with the
 * error set when a symbolic axis is used in a way that is not supported. */
BJ_HIDDEN int8_t *opt_sym_propagate(const opt_syms *s, const ir_graph *g);
/* "f32[n,3]": a type with symbolic axes by name (sym: rank entries, NULL: all static). */
BJ_HIDDEN const char *opt_sym_fmt(const opt_syms *s, char *buf, size_t cap, bj_dtype d, int rank,
                                  const int64_t *shape, const int8_t *sym);
/* A copy of region-free graph g (own trace) with every symbolic extent replaced by ext[symbol]. */
BJ_HIDDEN ir_graph *opt_sym_replay(const ir_graph *g, const int8_t *sym, const int64_t *ext);
/* The symbol values of inputs that were checked against the graph (symbols on no input: 0). */
BJ_HIDDEN void opt_sym_values(const opt_syms *s, bj_array *const *ins, int64_t *vals);

/* For the code generator: propagates the symbols through rewritten graph rg (same inputs), picks for each symbol a
 * stand-in extent ("sentinel": >= 2, distinct from each other and from every static extent of rg) and returns rg
 * replayed at the stand-ins, so that fusion and planning, which compare shapes, tell symbolic axes from static ones.
 * ext receives the stand-ins (-1: symbol unused). NULL with the error set on failure. */
BJ_HIDDEN ir_graph *opt_sym_standin(const opt_syms *s, const ir_graph *rg, int64_t *ext);
/* Marks plan p (made from a stand-in graph) as symbolic: extents equal to ext[s] are symbol s at run time. */
BJ_HIDDEN bool opt_plan_set_syms(opt_plan *p, int nsym, const int64_t *ext);
/* The symbol an extent of a symbolic plan's node stands for, or -1 (static). */
static inline int opt_plan_sym_of(const opt_plan *p, int64_t extent) {
    for (int s = 0; s < p->nsym; s++)
        if (p->sym_ext[s] == extent) return s;
    return -1;
}
/* Whether node n of plan p has a symbolic extent. */
BJ_HIDDEN bool opt_plan_is_symbolic(const opt_plan *p, const ir_node *n);
/* Bytes of node n's value when the symbols have values dims (SIZE_MAX on overflow). */
BJ_HIDDEN size_t opt_plan_nbytes(const opt_plan *p, const ir_node *n, const int64_t *dims);
#endif
