/* ir.h — the IR: a hash-consed SSA graph of typed nodes in one arena per trace, with nested regions. */
#ifndef BJ_IR_H
#define BJ_IR_H

#include "core/core.h"

typedef enum {
    IR_K_ARG, IR_K_CONST, IR_K_CALL, IR_K_UNARY, IR_K_BINARY, IR_K_TERNARY, IR_K_SHAPE, IR_K_INDEX, IR_K_REDUCE,
    IR_K_SCAN, IR_K_LINALG, IR_K_CREATE,
    IR_K_SPARSE, /* CSR and procedural connectivity (build_sparse.c) */
    IR_K_RANDOM, /* counter-based random numbers, elementwise in the flat index (build_random.c) */
    IR_K_SORT    /* sort and argsort along one axis (build.c: ir_sort) */
} ir_kind;

enum { F_FLOAT = 1, F_NOBOOL = 2, F_INTONLY = 4, F_CMP = 8, F_NOFLOAT = 16 };

typedef enum {
#define OP(e, name, kind, arity, flags) IR_##e,
#include "ir/ops.def"
#undef OP
    IR_NUM_OPS
} ir_op;

typedef struct ir_opinfo {
    const char *name;
    ir_kind kind;
    int arity; /* -1: variadic */
    int flags;
} ir_opinfo;
BJ_HIDDEN extern const ir_opinfo ir_ops[IR_NUM_OPS];
BJ_HIDDEN int ir_op_lookup(const char *name); /* -1 if unknown */

typedef struct ir_region ir_region;
typedef struct bj_trace ir_trace;

/* A node is a value; the public bj_val is this struct. Fields are fixed once the node is interned. */
struct bj_val {
    uint32_t magic;
    uint16_t op;
    uint8_t dtype;
    uint8_t rank;
    bool weak;   /* weakly typed scalar (C literal) or result of weak-only arithmetic */
    int id;      /* creation order in the trace: a topological order */
    ir_trace *trace;
    ir_region *region; /* the region the node was built in (NULL: the top level) */
    int64_t shape[BJ_MAX_RANK];
    int nin;
    struct bj_val **in;
    int nattr;
    int64_t *attr;
    double fval;  /* LIT/FULL value (float view) */
    int64_t ival; /* LIT value for integer dtypes (exact) */
    void *data;   /* CONST: element bytes (C order), in the arena */
    size_t nbytes;
    ir_region *body; /* CALL: the callee region; FOR, WHILE: the loop body; COND: the branch taken when true */
    ir_region *body2; /* WHILE: the condition; COND: the branch taken when false; NULL for every other op */
    const char *name; /* ARG: the argument's name (not part of its identity) */
    uint64_t hash;
    struct bj_val *hnext; /* hash chain */
};
typedef struct bj_val ir_node;
#define IR_NODE_MAGIC 0x6a69744eu

/* Checks a pointer a caller passed as a value before anything of it is read: nodes live in checkable storage
 * (core_arena_obj), so a value whose trace was freed (or whose graph was released) is told from a live one. The
 * node if p is a live node (of any trace, finished or not), else NULL; ir_node_why then says what p is, for the
 * message: "belongs to a freed trace (...)" or "is not a traced value". */
BJ_HIDDEN ir_node *ir_node_live(const void *p);
BJ_HIDDEN const char *ir_node_why(const void *p);

/* A region: a sub-graph with parameters and results. Nodes built while it is open belong to it and may use
 * values of enclosing regions. */
struct ir_region {
    ir_region *parent;
    int depth; /* regions around it, itself included (1: opened at the top level); at most IR_MAX_NEST */
    int nparams, nresults;
    ir_node **params; /* ARG nodes of this region */
    ir_node **results;
};

/* The trace state behind bj_trace: arena, intern table, error state, arguments. */
struct bj_trace {
    uint32_t magic;
    core_arena arena;
    char *name;
    bj_status status;
    char *error; /* first error message (malloc'd) */
    ir_node **table;
    size_t tcap, tcount;
    int next_id;
    ir_region *cur; /* open region (NULL: top level) */
    ir_node **args;
    int nargs, args_cap;
    void *owner; /* the jit context tracing into this trace (src/jit), or NULL for a plain trace */
    bool x64;    /* the "x64" setting when the trace was made: the defaults of the dtype rules (rules.c) */
};

typedef struct bj_graph {
    _Atomic int refcount; /* changed under the handle registry's lock (core_ref_retain, core_ref_release) */
    ir_trace *tr;     /* owns the arena of every node */
    int nin, nout, nnodes;
    ir_node **inputs;  /* ARG nodes by position */
    ir_node **outputs;
    ir_node **nodes;   /* live top-level nodes in topological order (inputs included) */
} ir_graph;

/* ---- building (graph.c) */
BJ_HIDDEN ir_trace *ir_trace_create(const char *name);
BJ_HIDDEN void ir_trace_destroy(ir_trace *t);
/* Records the trace's first error (also the thread-local error) and returns NULL, so builders can `return`. */
BJ_HIDDEN ir_node *ir_fail(ir_trace *t, bj_status s, const char *fmt, ...) BJ_PRINTF(3, 4);
/* Interns a node: returns the existing identical node or a new one. Copies ins and attr into the arena.
 * The caller has computed dtype/rank/shape. NULL on OOM (error recorded). */
typedef struct ir_proto {
    ir_op op;
    bj_dtype dtype;
    int rank;
    const int64_t *shape;
    bool weak;
    int nin;
    ir_node *const *in;
    int nattr;
    const int64_t *attr;
    double fval;
    int64_t ival;
    const void *data;
    size_t nbytes;
    ir_region *body;
    ir_region *body2;
} ir_proto;
BJ_HIDDEN ir_node *ir_intern(ir_trace *t, const ir_proto *p);
/* Opens a nested region; NULL (error recorded) beyond IR_MAX_NEST regions inside each other. Walks over region
 * nesting (printing, planning, rewriting, interpreting) recurse that deep at most; walks over nodes never recurse. */
#define IR_MAX_NEST 256
BJ_HIDDEN ir_region *ir_region_begin(ir_trace *t);
BJ_HIDDEN ir_node *ir_region_param(ir_trace *t, bj_dtype d, int rank, const int64_t *shape);
BJ_HIDDEN bj_status ir_region_end(ir_trace *t, ir_node *const *results, int nresults); /* closes it */
/* A CALL of a closed region on inputs (one per param), yielding result `which`. */
BJ_HIDDEN ir_node *ir_call(ir_trace *t, ir_region *r, ir_node *const *ins, int which);
/* FOR: a body region run n times (n >= 0). Body params: [step (int32 scalar, 0..n-1), carry_0 .. carry_{c-1}];
 * body results: [new carry_0 .. new carry_{c-1}, y_0 .. y_{m-1}] (new carries of the carries' exact types).
 * The FOR node for result `which`: which < c: the final carry (the init value when n == 0); which >= c: the
 * per-step values y_{which-c} recorded every `every` steps, stacked along a new leading axis: steps
 * every-1, 2*every-1, ... (so every = 1 records all n steps; shape [n / every, ...]). ins: the init carries.
 * The body must be closed and built in the region the FOR is built in (t->cur); n <= INT32_MAX; every >= 1.
 * FOR nodes sharing (body, init, n, every) are one loop: backends run it once for all of them. */
BJ_HIDDEN ir_node *ir_for(ir_trace *t, int64_t n, int64_t every, ir_region *body, ir_node *const *init, int ncarry,
                          int which);
/* Attributes of a FOR node: attr {which, n, every}. */
enum { IR_FOR_WHICH = 0, IR_FOR_N = 1, IR_FOR_EVERY = 2 };
/* WHILE: runs body while cond holds. cond: params [carry_0 .. carry_{c-1}], one result of type bool[]; body: params
 * [carry_0 ..], results [new carry_0 .. new carry_{c-1}] (the carries' exact types). The WHILE node for result
 * `which` (< c) is the final carry: the init when the condition is false at once. There is no cap on iterations (a
 * condition that stays true never ends; that is the caller's loop). Both regions closed and built in t->cur; c >= 1.
 * WHILE nodes sharing (cond, body, init) are one loop. */
BJ_HIDDEN ir_node *ir_while(ir_trace *t, ir_region *cond, ir_region *body, ir_node *const *init, int ncarry,
                            int which);
/* COND: pred (a scalar of any dtype, cast to bool: nonzero is true) picks a branch; each branch has params
 * [op_0 .. op_{k-1}] (the operands' types) and results of identical types in both branches (a mismatch is an error
 * naming the result and both types). The COND node for result `which` is that result of the branch taken; only
 * that branch runs. COND nodes sharing (branches, pred, operands) are one cond. */
BJ_HIDDEN ir_node *ir_cond(ir_trace *t, ir_node *pred, ir_region *then_r, ir_region *else_r, ir_node *const *ops,
                           int nops, int which);
/* attr[0] of CALL, FOR, WHILE and COND: the result index (IR_FOR_WHICH). */
/* FOR, WHILE, COND: ops holding regions that backends run once for all the nodes of one loop or cond. */
static inline bool ir_is_control(const ir_node *n) { return n->op == IR_FOR || n->op == IR_WHILE || n->op == IR_COND; }
/* Whether control nodes a and b are the same loop or cond (same op, region, regions, operands; for FOR n and
 * every). */
BJ_HIDDEN bool ir_same_loop(const ir_node *a, const ir_node *b);
/* Replaces the results of closed region r (the jit's cond adds results for the Variables a later branch writes);
 * only before any node holds r. */
BJ_HIDDEN bj_status ir_region_set_results(ir_trace *t, ir_region *r, ir_node *const *results, int nresults);

/* import.c: g copied into t as a closed region whose parameters are g's inputs and results g's outputs (the body
 * of a call op); NULL with the error recorded in t. */
BJ_HIDDEN ir_region *ir_import(ir_trace *t, const ir_graph *g);

/* ---- graphs (graph.c) */
/* Marks in live (by node id) every node reachable from roots through operands and, with regions, through the
 * results of the regions nodes hold (so what a body captures from outside counts), skipping nodes marked already;
 * iterative, so chains of any length are fine. With order, *order receives the nodes this call marked in id order
 * (a topological order; malloc'd, *count of them). false on OOM (nothing in *order). */
BJ_HIDDEN bool ir_mark(ir_node *const *roots, int nroots, bool regions, unsigned char *live, ir_node ***order,
                       int *count);
/* A stack of nodes for iterative walks: a few entries in place, then the heap. Init before use, free after. */
typedef struct ir_stack {
    const ir_node **v;
    size_t n, cap;
    bool oom; /* a push failed: the walk is incomplete */
    const ir_node *small[32];
} ir_stack;
static inline void ir_stack_init(ir_stack *s) { s->v = s->small, s->n = 0, s->cap = 32, s->oom = false; }
BJ_HIDDEN bool ir_stack_push(ir_stack *s, const ir_node *x); /* false (and s->oom) on OOM */
static inline void ir_stack_free(ir_stack *s) {
    if (s->v != s->small) free((void *)s->v);
}
/* Post-order over what n needs, without recursion: make(ud, x) for every node x reachable from n through operands
 * for which done(ud, x) is false, operands before their users, in the order a recursive walk taking operands in
 * turn would use; make must leave done(ud, x) true. Stops when make returns false (false; its error stands) or on
 * OOM (false; the error recorded in t). */
BJ_HIDDEN bool ir_postorder(ir_trace *t, const ir_node *n, bool (*done)(void *ud, const ir_node *x),
                            bool (*make)(void *ud, const ir_node *x), void *ud);
BJ_HIDDEN ir_graph *ir_graph_from_trace(ir_trace *t, ir_node *const *outs, int nout);
BJ_HIDDEN bj_status ir_verify(const ir_graph *g); /* structural invariants; BJ_ERR_INTERNAL on violation */

/* ---- printing (print.c) */
BJ_HIDDEN void ir_print_node_type(core_str *b, const ir_node *n);
BJ_HIDDEN void ir_print_graph(core_str *b, const ir_graph *g);

/* ---- shape and dtype rules (rules.c) */
/* NumPy broadcast of two shapes; false if incompatible. */
BJ_HIDDEN bool ir_broadcast_shapes(int ra, const int64_t *a, int rb, const int64_t *b, int *rout, int64_t *out);
BJ_HIDDEN bool ir_is_float(bj_dtype d);
BJ_HIDDEN bool ir_is_int(bj_dtype d); /* int32, int64, uint32 */
/* The defaults of the dtype rules, by the trace's x64 flag (JAX's jax_enable_x64): float32 / int32, or float64 /
 * int64. Weak C scalars (literals, dynamic jit scalars) take them; ir_weak_int_dtype: a C integer (int64 if it does
 * not fit in int32). ir_inexact: the float dtype a bool or integer becomes for float-only ops and mean (JAX's
 * to_inexact_dtype: float64 for int64 with x64, else float32); floats stay. */
BJ_HIDDEN bj_dtype ir_default_float(const ir_trace *t);
BJ_HIDDEN bj_dtype ir_default_int(const ir_trace *t);
BJ_HIDDEN bj_dtype ir_weak_int_dtype(bool x64, int64_t v);
BJ_HIDDEN bj_dtype ir_inexact(const ir_trace *t, bj_dtype d);
BJ_HIDDEN int64_t ir_nelem(const ir_node *n);

#endif
