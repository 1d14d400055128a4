/* jit.h — jit handles (brainpy.math.jit): options, resolved call signatures, the per-handle cache, tracing contexts. */
#ifndef BJ_JIT_H
#define BJ_JIT_H

#include "backend/backend.h"
#include "core/array.h"
#include "trace/state.h"
#include "trace/trace.h"

#include <pthread.h>

#define JIT_MAX_PARAMS 64
#define JIT_STR_MAX 255 /* longest static string */

/* A parameter as declared by argnames: its name and, for trailing ones, a default value. */
typedef struct jit_decl {
    char *name;
    bool has_default;
    bj_arg def; /* F64, I64, BOOL or STR (s owned by the handle) */
} jit_decl;

/* Options after parsing: positions, not strings. */
typedef struct jit_options {
    int ndecl; /* -1: no argnames (any number of positional arguments) */
    jit_decl *decl;
    int nstatic_num, static_num[JIT_MAX_PARAMS]; /* as given (may be negative) */
    bool static_name[JIT_MAX_PARAMS];            /* by declared position */
    int ndonate, donate[JIT_MAX_PARAMS];
    bool inlined, keep_unused;
    int nsym;                               /* abstracted axes: distinct axis names */
    char symname[BJ_MAX_RANK * 4][32];
    int8_t sym[JIT_MAX_PARAMS][BJ_MAX_RANK]; /* per parameter and axis: symbol or -1 */
    int symrank[JIT_MAX_PARAMS];             /* axes named for each parameter (0: none) */
    const char *backend; /* static string: "cpu" or "interp" */
    int cache_size;
} jit_options;

/* One resolved parameter of a call. */
typedef struct jit_param {
    bj_arg_kind kind;  /* after resolution: VAR becomes ARRAY (its value), static kinds stay */
    bool is_static;
    bool weak;         /* a dynamic C scalar */
    bj_array *array;   /* ARRAY (a dynamic array argument or a Variable's value) */
    bj_var *var;       /* the Variable passed, if any */
    ir_node *val;      /* VAL (nested calls) */
    double f;
    int64_t i;
    const char *s;
    bool owned;        /* s is a copy this entry frees (jit_entry_free) */
    bj_dtype dtype;    /* dynamic parameters: their type */
    int rank;
    int64_t shape[BJ_MAX_RANK];
    int8_t sym[BJ_MAX_RANK]; /* abstracted axes: symbol per axis or -1 */
} jit_param;

typedef struct jit_sig {
    int n;
    bool x64; /* the "x64" setting it was resolved with: the trace's, and part of the key */
    jit_param p[JIT_MAX_PARAMS];
} jit_sig;

/* A Variable a trace touched, with the type it had. */
typedef struct jit_vref {
    bj_var *var; /* retained */
    char *path;
    int rank;
    int64_t shape[BJ_MAX_RANK];
    bool read, written;
} jit_vref;

/* A traced signature: its graph, and (once called or compiled) its executable. */
typedef struct jit_entry {
    struct jit_entry *prev, *next; /* LRU list, most recent first */
    uint64_t hash;
    unsigned char *key;
    size_t keylen;
    jit_sig *sig;      /* a copy for explanations (arrays/values not retained; only types and static values) */
    int nvars;
    jit_vref *vars;
    bj_graph *graph;
    bj_exec *exec;     /* NULL until first needed */
    int nin;
    int *in_src;       /* per graph input: parameter index >= 0, or -(var index) - 1 */
    int nret;          /* outputs returned by the function (graph outputs 0 .. nret-1) */
    int nwrite;        /* written Variables (graph outputs nret ..): var index of each */
    int *write_var;
    int *out_alias;    /* per graph output: input index it is written over, or -1 */
    int *donor_of;     /* per returned output: parameter index whose buffer it takes, or -1 */
    int nsym;
    int8_t *in_sym;    /* per graph input and axis: symbol or -1 */
    void *tag;         /* bj_jit_trace_set_tag: the foreign caller's value, freed with free_tag */
    void (*free_tag)(void *tag);
} jit_entry;

struct bj_jit {
    atomic_int refcount;
    pthread_mutex_t lock; /* guards everything below that changes: the cache, last_miss, st, seen */
    char *name;
    bj_jit_fn fn;
    void *ud;
    bj_object *self; /* methods: retained */
    jit_options o;
    jit_entry *head, *tail; /* the cache */
    int nentries;
    char last_miss[512];
    bj_jit_stats st;
    /* the Variables seen in traces */
    bj_var **seen;
    int nseen, seen_cap;
};

/* The context of a jit trace (ir_trace.owner): the parameters of the function being traced (a stack of frames
 * for inlined calls) and the Variables read and written. */
typedef struct jit_frame {
    struct jit_frame *up;
    bj_jit *f;
    const jit_sig *sig;
    ir_node **pnode; /* per parameter: its value in this trace (created lazily for statics) */
    ir_node **rets;
    int nret;
    bool returned;
} jit_frame;

/* A scope being traced (loop.c): a for loop's body, a while loop's condition or body, a cond's branch; its regions
 * and the Variables it carries (loops) or writes (conds). */
typedef struct jit_loop_var_t {
    bj_var *var;
    ir_node *init;   /* the value before the loop or cond, in the enclosing scope */
    ir_node *param;  /* FOR: the body's parameter; WHILE: the condition's; COND: unused */
    ir_node *param2; /* WHILE: the body's parameter (NULL until the body opens) */
    ir_node *cur;    /* the current value in the open region */
    ir_node *then;   /* COND: the true branch's value, if it wrote the Variable */
    bool written;    /* in the open region (COND: the current branch) */
    bool wrote_then; /* COND: the true branch wrote it */
} jit_loop_var_t;

enum { JIT_FOR, JIT_WHILE, JIT_COND };

typedef struct jit_loop {
    struct jit_loop *up;
    int kind;         /* JIT_FOR, JIT_WHILE, JIT_COND */
    int phase;        /* WHILE: 0 the condition, 1 the body; COND: 0 the true branch, 1 the false one */
    int64_t n, every; /* FOR */
    ir_region *body;  /* FOR, WHILE: the body (a while's once open); COND: the true branch */
    ir_region *body2; /* WHILE: the condition; COND: the false branch (once open) */
    ir_region *open;  /* the region open now (NULL once closed, or when opening it failed) */
    ir_node *step;    /* FOR */
    ir_node *pred;    /* WHILE: the condition's predicate; COND: the predicate (bool[]) */
    int ncarry, nxs;  /* carries (COND: operands), per-step operands (FOR) */
    ir_node **init, **carry, **x; /* initial values (COND: operands); the open region's parameters for them; xs */
    ir_node **res;    /* COND: the true branch's results (nres), once it closed */
    int nres;
    jit_loop_var_t *vars;
    int nvars, cap;
    bool yielded; /* bj_loop_yield's values, for the callback forms (reset when a region opens) */
    bj_val *const *ycarry, *const *yys;
    int ync, yny;
} jit_loop;

typedef struct jit_ctx {
    bj_jit *f;         /* the handle being traced at the top */
    jit_frame *frame;
    jit_frame top;
    jit_sig sig;       /* the top frame's parameters */
    struct {
        bj_var *var;
        char *path;
        ir_node *read; /* the ARG node of its value at entry, or NULL if not read before written */
        ir_node *cur;  /* current value in the trace */
        bool written;
    } *vars;
    int nvars, cap;
    const char *prev_tracing;
    double t0;
    const struct jit_ctx *outer; /* a non-inlined callee's body trace: the context of the trace calling it */
    jit_loop *loop;              /* the innermost loop or cond being traced, or NULL */
    void *tag;                   /* bj_jit_trace_set_tag, moved to the entry by bj_jit_trace_end */
    void (*free_tag)(void *tag);
} jit_ctx;

/* handle.c: an entry point that locks a handle holds a reference to it meanwhile, so that a release of the caller's
 * last one on another thread (the caller's error) frees it after the entry point unlocks, never under it. jit_pin
 * retains f (false with the error set if it is not live), jit_unpin releases it. */
BJ_HIDDEN bool jit_pin(const bj_jit *f, const char *fn);
BJ_HIDDEN void jit_unpin(const bj_jit *f);

/* options.c */
BJ_HIDDEN bj_status jit_options_parse(jit_options *o, const bj_jit_opts *u, const char *fname);
BJ_HIDDEN void jit_options_free(jit_options *o);
/* Resolves a call's arguments against the declaration (keywords, defaults, statics, kinds) into sig; x64: the
 * setting to trace with (dynamic C scalars are weak float64 / int64 with it). */
BJ_HIDDEN bj_status jit_resolve(const bj_jit *f, const bj_arg *args, int nargs, bool x64, jit_sig *sig,
                                const char *fn);
BJ_HIDDEN const char *jit_param_name(const bj_jit *f, int i, char *buf, size_t n);

/* signature.c */
/* The cache key of sig (static values, dynamic types) into a growable buffer. */
typedef struct jit_key {
    unsigned char *p;
    size_t n, cap;
    unsigned char inl[1024];
} jit_key;
BJ_HIDDEN bool jit_key_make(const jit_sig *sig, jit_key *k);
BJ_HIDDEN void jit_key_free(jit_key *k);
BJ_HIDDEN uint64_t jit_key_hash(const jit_key *k);
BJ_HIDDEN jit_entry *jit_cache_find(bj_jit *f, const jit_key *k, uint64_t h);
BJ_HIDDEN void jit_cache_insert(bj_jit *f, jit_entry *e);
BJ_HIDDEN void jit_entry_free(jit_entry *e);
BJ_HIDDEN void jit_explain_miss(bj_jit *f, const jit_sig *sig, const jit_key *k);
BJ_HIDDEN void jit_fmt_param(char *buf, size_t n, const jit_param *p, const jit_options *o);

/* trace.c: tracing a signature into an entry (graph, inputs, outputs, Variables); NULL with the error set. */
BJ_HIDDEN bj_trace *jit_begin(bj_jit *f, const jit_sig *sig);
BJ_HIDDEN jit_entry *jit_end(bj_trace *t, const jit_key *k, uint64_t h);
BJ_HIDDEN double jit_now(void);
BJ_HIDDEN bool jit_is_tracing(const bj_jit *f); /* on this thread */

/* loop.c: a Variable's value in scope l (NULL: the top level; slot: its index in the context's table), made a
 * carry of l (a loop) if new; a write inside the innermost scope (refused in a while loop's condition). */
BJ_HIDDEN ir_node *jit_loop_var(bj_trace *t, jit_ctx *c, jit_loop *l, bj_var *v, int slot);
BJ_HIDDEN bj_status jit_loop_write(bj_trace *t, jit_ctx *c, bj_var *v, int slot, ir_node *x);
BJ_HIDDEN void jit_loops_free(jit_ctx *c);

/* call.c */
BJ_HIDDEN bj_status jit_compile_entry(bj_jit *f, jit_entry *e);
#endif
