/* rgraph.h — differential testing against the interpreter: output comparison, and a seeded random-graph generator. */
#ifndef BJ_RGRAPH_H
#define BJ_RGRAPH_H

#include "brainjit.h"

/* ---------------------------------------------------------------- comparing backends */
/* The backend the differential tests compare with the interpreter: "cpu", or $BJ_DIFF_BACKEND when set (for
 * example "interp", to check the tests themselves). */
const char *diff_backend(void);

/* True if a and b have one dtype and shape and equal bytes, except that any NaN equals any NaN. Zero signs count.
 * If not, *first (may be NULL) is the flat index of the first differing element, or -1 for a dtype/shape mismatch. */
bool diff_same(const bj_array *want, const bj_array *got, int64_t *first);
/* Prints how got differs from want: dtype/shape, or up to max differing elements with their values and bits. */
void diff_print(const bj_array *want, const bj_array *got, int max);

/* Compiles g with "interp" and diff_backend(), runs both on ins and compares every output with diff_same.
 * bad (nout entries, may be NULL) marks the outputs that differ. If labels is not NULL, each differing output is
 * printed with labels[i]. Returns the number of differing outputs, or -1 if a compile or run failed (printed).
 * exec_out (may be NULL) receives the diff_backend() executable (new reference) when compiling it succeeded. */
int diff_graph(bj_graph *g, bj_array *const *ins, int nin, bool *bad, const char *const *labels, bj_exec **exec_out);

/* Prints bj_exec_source of e (or why there is none). */
void diff_print_source(const bj_exec *e);

/* A batch of cases traced into one graph (one C compile per batch), run on "interp" and diff_backend(). arg adds an
 * argument and takes a (NULL when full); out records an output (a NULL one is a failed check). run finishes the
 * trace and runs both backends: res[0..nout) interp, res[nout..2 nout) the other (new references), which must agree
 * byte for byte (NaN bits included); source (may be NULL) receives a strdup of the generated C. free releases the
 * inputs and nres results. */
typedef struct diff_batch {
    bj_trace *t;
    bj_array *ins[128];
    int nin;
    bj_val *outs[128];
    int nout;
} diff_batch;
bj_val *diff_batch_arg(diff_batch *b, bj_array *a);
void diff_batch_out(diff_batch *b, bj_val *v);
bool diff_batch_run(diff_batch *b, bj_array **res, const char **source);
void diff_batch_free(diff_batch *b, bj_array **res, int nres);
bool diff_bytes_same(const bj_array *a, const bj_array *b); /* one dtype and size, equal bytes */

/* ---------------------------------------------------------------- random graphs */
/* A splitmix64 generator: small, seedable, the same sequence everywhere. */
typedef struct rg_rng {
    uint64_t s;
} rg_rng;
uint64_t rg_next(rg_rng *r);
int rg_below(rg_rng *r, int n); /* uniform in [0, n), n >= 1 */
double rg_unit(rg_rng *r);      /* uniform in [0, 1) */
/* Fills a with random data of its dtype: mostly small values (with exact ties and zeros), some special ones
 * (NaN, +-inf, -0.0, subnormals, huge; INT_MIN, INT_MAX, UINT32_MAX, shift counts around the width). */
void rg_fill(rg_rng *r, bj_array *a);

/* The elementwise unary and binary ops by name (those of docs/ops.md sections 4 and 5, astype aside), and the
 * public function of a binary op (bj_add_in for "add"; NULL if unknown). */
extern const char *const rg_unary_ops[];
extern const int rg_nunary;
extern const char *const rg_binary_ops[];
extern const int rg_nbinary;
bj_val *(*rg_binary_fn(const char *op))(bj_in, bj_in);

/* The inputs and outputs one random graph added to a trace. */
#define RG_MAX_ARGS 4
#define RG_MAX_OUTS 6
typedef struct rg_graph {
    uint64_t seed;
    int nargs;
    bj_array *args[RG_MAX_ARGS]; /* input data for the graph's arguments, in order (owned) */
    int nouts;
    bj_val *outs[RG_MAX_OUTS];   /* values of the trace */
    int nops;                    /* ops the generator emitted */
} rg_graph;

/* Adds the random graph of `seed` to trace t: new arguments (after those t already has) with their data, 1 to
 * 40 ops, and up to RG_MAX_OUTS outputs. The same seed gives the same graph and data in any trace. Returns
 * false if the trace failed (a generator bug; bj_trace_error says why). */
bool rg_build(bj_trace *t, uint64_t seed, rg_graph *out);
/* As rg_build, stopping after the first nops ops (the same ops as the full graph's first nops), with the last value
 * as the only output: for shrinking a failing graph. */
bool rg_build_prefix(bj_trace *t, uint64_t seed, int nops, rg_graph *out);
void rg_graph_free(rg_graph *g); /* releases the input arrays */

#endif
