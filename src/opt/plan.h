/* plan.h — what the optimizer hands a backend: the graph (rewritten), grouped into kernels in run order, and where
 * every value that crosses a kernel boundary lives. */
#ifndef BJ_OPT_PLAN_H
#define BJ_OPT_PLAN_H

#include "ir/ir.h"

/* LOOP: elementwise nodes over one iteration space (shape), any number of them stored.
 * REDUCE: a reduction (or arg-reduction) over the shape of its operand, with the elementwise producers that feed
 *         only it computed inside its loop.
 * NODE: one op with a loop nest of its own (take, scatter, concatenate, dynamic slices, scans, matmul).
 * FOR: a loop or a cond (the live FOR, WHILE or COND nodes of one, opt_loop below; loop->op tells which): its
 *      regions planned on their own, run n times, while a condition holds, or the branch the predicate picks.
 * The interpreter's plan (opt_plan_unfused) uses NODE kernels of one node each. */
typedef enum { OPT_LOOP, OPT_REDUCE, OPT_NODE, OPT_FOR } opt_kernel_kind;
/* The most nodes fusion puts in one LOOP or REDUCE kernel: a longer elementwise chain is split into kernels joined by
 * temporaries. The C compiler's time on one function grows faster than its length (register allocation), so this
 * bound keeps a graph's compile time linear in its size; real models' kernels are far smaller. */
#define OPT_KERNEL_MAX_NODES 512
typedef struct opt_loop opt_loop;

typedef struct opt_kernel {
    opt_kernel_kind kind;
    int rank;                      /* iteration space: the output shape (LOOP), the operand's shape (REDUCE) */
    int64_t shape[BJ_MAX_RANK];
    ir_node **nodes;               /* computed here, in topological order; for REDUCE/NODE the last is the root */
    int nnodes;
    ir_node **stores;              /* nodes whose values this kernel writes to buffers */
    int nstores;
    opt_loop *loop;                /* FOR: the loop or cond */
} opt_kernel;

/* Where a materialised value lives at run time. */
typedef enum { OPT_BUF_INPUT, OPT_BUF_OUTPUT, OPT_BUF_CONST, OPT_BUF_TEMP } opt_buf_kind;
typedef struct opt_buf {
    opt_buf_kind kind;
    int index;        /* INPUT/OUTPUT: argument/result position */
    size_t offset;    /* TEMP: byte offset in the scratch block */
    size_t nbytes;
    ir_node *node;
} opt_buf;

/* A graph output that no kernel writes: a copy of an input, a constant, or another output, done by the runner after
 * the kernels, in plan order. With aliased outputs also: a value kept in a temporary and copied over its input, and
 * staging copies (to_buf >= 0, first) that save an input which a later copy overwrites. The runner skips a copy
 * whose source and destination are the same memory (an aliased output that is its input unchanged). */
typedef struct opt_copy {
    int out;      /* output position */
    int from_buf; /* buffer to copy from */
    int to_buf;   /* -1: into output `out`; else a TEMP buffer (staging) */
} opt_copy;

typedef struct opt_plan {
    const ir_graph *src; /* the graph as the user built it (not owned) */
    ir_graph *g;         /* the rewritten graph the kernels refer to (owned unless == src) */
    opt_kernel *kernels;
    int nkernels;
    opt_buf *bufs;
    int nbufs;
    int *buf_of;         /* node id -> buffer index, -1 if the value is never materialised */
    size_t scratch;      /* bytes of scratch the temporaries need */
    opt_copy *copies;
    int ncopies;
    /* Aliased outputs (the jit's in-place Variables, donated buffers): out_alias[o] >= 0 is the input whose memory
     * output o is bound to in aliased runs, -1 otherwise; NULL when none (in the arena; set before memplan). An
     * output written in place has the input's buffer index (its node's buffer is that OPT_BUF_INPUT). */
    const int *out_alias;
    int ninplace;        /* aliased outputs needing no copy: written in place, or the input itself unchanged */
    core_arena arena;    /* the plan's own allocations */
    /* Abstracted axes (symbolic.h): 0 for a static plan; else the plan's graph was made at stand-in extents and an
     * extent equal to sym_ext[s] is symbol s, whose size the entry point receives in dims[s]. */
    int nsym;
    const int64_t *sym_ext;
    bool no_flat_views;  /* set before fusion: operands of NODE kernels are never read as flat views (the plan will
                          * be symbolic, and a view's offset would depend on stand-in extents) */
} opt_plan;

/* A loop or cond of a plan (loop.c): the FOR, WHILE or COND nodes of one loop or cond (same regions and operands;
 * for FOR also n and every), run once for all. Each region is planned as a graph of its own (a sub-plan over the
 * same trace) whose inputs are the region's parameters then the values captured from enclosing regions (the union
 * over the regions, `capt`).
 *  - FOR: body plan inputs [step, carry_0 .. carry_{c-1}, captured...], outputs [the needed new carries..., the
 *    recorded ys...], each new carry an aliased output over its carry input (written in place when memplan finds it
 *    safe, else computed aside and copied at the end of the step).
 *  - WHILE: `plan2` the condition (inputs [carries..., captured...], output 0 the predicate, bool[]), `plan` the
 *    body (inputs [carries..., captured...], outputs the needed new carries, aliased over their inputs as for FOR).
 *  - COND: `plan` the true branch, `plan2` the false one (inputs [operands..., captured...], outputs the results
 *    of live members); ncarry counts the operands (init[k] is operand k), which the branches read in place.
 * The loop's own memory (one temporary of the enclosing plan, `scratch_buf`): the regions' scratch (they never run
 * at once, so they share it), the carries whose final value no result buffer holds, the predicate of a WHILE, and
 * one row per recorded y that FOR steps not recorded write. */
struct opt_loop {
    ir_node *lead;        /* the first live member: op, regions, operands, n, every */
    ir_op op;             /* IR_FOR, IR_WHILE or IR_COND */
    ir_region *body;      /* FOR, WHILE: the body; COND: the true branch */
    ir_region *body2;     /* WHILE: the condition; COND: the false branch; NULL for FOR */
    int64_t n, every;     /* FOR */
    int ncarry, nres;     /* carries (COND: operands); results of body */
    int first;            /* index of carry 0 among body's parameters: 1 for FOR (the step comes first), else 0 */
    ir_node **init;       /* by carry: its initial value (COND: the operand) */
    ir_node *pred;        /* COND: the predicate (bool[]), read from its buffer; else NULL */
    ir_node **member;     /* by result index: the live node for it, or NULL */
    bool *need;           /* by carry: its value matters (its final value is used, or a needed result reads it) */
    ir_node **capt;       /* values of enclosing regions the regions read from their buffers */
    int ncapt;
    ir_node **leaves;     /* literals, fulls and iotas of enclosing regions the regions read (computed where read) */
    int nleaves;
    struct opt_plan *plan; /* body's plan (owned) */
    struct opt_plan *plan2; /* body2's plan (owned), or NULL */
    int *out_of;          /* by result index: its output position in plan, or -1 */
    int *out_of2;         /* COND: by result index, its output position in plan2, or -1 */
    int scratch_buf;      /* the enclosing plan's buffer of the loop's own memory, or -1 (none needed) */
    size_t bytes;         /* size of the loop's own memory */
    size_t *carry_off;    /* by carry: offset in the loop's memory of a needed carry with no live member, else 0 */
    size_t *discard_off;  /* by result: offset of the row a not-recorded step writes a recorded y into, else 0 */
    size_t pred_off;      /* WHILE: offset of the predicate in the loop's memory */
};

/* One NODE kernel per computing node of g, no rewriting: what the interpreter runs. */
BJ_HIDDEN opt_plan *opt_plan_unfused(const ir_graph *g);
/* The optimizing pipeline for code generation: rewrite (inline calls, fold, simplify, drop dead code), fuse, plan
 * buffers. NULL with the error set on failure. */
BJ_HIDDEN opt_plan *opt_compile(const ir_graph *g);
/* The rest of the pipeline after opt_rewrite (rg: its result, owned by the plan, or freed on failure); lets a
 * cache key on the rewritten graph before paying for fusion. out_alias: g->nout entries (see opt_plan), or NULL. */
BJ_HIDDEN opt_plan *opt_plan_rewritten(const ir_graph *g, ir_graph *rg, const int *out_alias);
/* The same for a plan that abstracted axes will make symbolic (opt_plan_set_syms). */
BJ_HIDDEN opt_plan *opt_plan_rewritten_symbolic(const ir_graph *g, ir_graph *rg, const int *out_alias);
BJ_HIDDEN void opt_plan_free(opt_plan *p);

/* The passes (each file opens with its design note). */
BJ_HIDDEN ir_graph *opt_rewrite(const ir_graph *g);      /* rewrite.c: a new graph in a trace of its own */
/* opt_rewrite with flags: OPT_RW_INLINE_ONLY copies with calls inlined and nothing else (no folding, no rules);
 * OPT_RW_NO_COUNT leaves float sums of bools alone (their exactness depends on a count that a symbolic axis makes
 * unknown at compile time). */
enum { OPT_RW_INLINE_ONLY = 1, OPT_RW_NO_COUNT = 2 };
BJ_HIDDEN ir_graph *opt_rewrite_ex(const ir_graph *g, int flags);
BJ_HIDDEN bj_status opt_fuse(opt_plan *p);                /* fuse.c: fills kernels and marks buffers */
BJ_HIDDEN bj_status opt_memplan(opt_plan *p);             /* memplan.c: buffer kinds, scratch, copies, aliases */
/* loop.c: the loop or cond whose lead is FOR, WHILE or COND node n of p's graph (members, needed carries, captured
 * values), in p's arena; NULL with the error set. opt_plan_loops plans the regions of every FOR kernel of p (after
 * opt_fuse, before opt_memplan, which then allocates each loop's own memory). */
BJ_HIDDEN opt_loop *opt_loop_new(opt_plan *p, ir_node *n);
BJ_HIDDEN bj_status opt_plan_loops(opt_plan *p);
/* loop.c: the nodes of region r reachable from its results (through nested bodies), in id order (malloc'd, *n
 * entries); NULL with the error set on OOM. */
BJ_HIDDEN ir_node **opt_region_nodes(const ir_trace *t, const ir_region *r, int *n);
/* fuse.c: whether a node is a view (reshape, broadcast_to, transpose, slice, flip): index arithmetic on its
 * operand, computed where it is read. */
BJ_HIDDEN bool opt_is_view(const ir_node *n);
/* fuse.c: whether reshape n only adds or removes size-1 axes (then it is an affine view of any operand). */
BJ_HIDDEN bool opt_is_squeeze(const ir_node *n);
/* fuse.c: whether x is a view (reshapes and slices) of a contiguous block of another value: then the farthest such
 * value (the first along the chain that is not itself a reshape or a contiguous slice), which *off elements into
 * its buffer holds x in x's own order; else NULL. A NODE kernel reads such an operand in place instead of from a
 * copy (the event-driven synapses' slices of a population's spikes, a row of a matrix). */
BJ_HIDDEN const ir_node *opt_flat_view(const ir_node *x, int64_t *off);
BJ_HIDDEN void opt_graph_free(ir_graph *g);               /* rewrite.c: frees a graph made by opt_rewrite */
#endif
