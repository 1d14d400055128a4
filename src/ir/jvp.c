/* jvp.c — forward-mode differentiation (JAX's jvp) of a region: every node's tangent built from its operands'.
 *
 * Design note. The region r to differentiate was traced on fresh parameters (bj_jvp_begin), so "depends on a
 * primal" is a property of the graph, never of a node merged by hash-consing with an unrelated use. The transform
 * copies r into a new region whose parameters are [primals, tangents] and whose results are [outputs, output
 * tangents], building each node's tangent next to its copy. Two passes over the nodes of r and of the regions
 * nested in it (those reachable from r's results), in creation order, which is topological:
 *  1. activity: a node is active when it is a float that depends, through differentiable ops, on a parameter.
 *     Loops reach a fixpoint over their carries (a carry is active if its init is, or the body makes its new value
 *     from an active value); a cond's result is active if either branch's is. Inactive values have a zero tangent
 *     and get no tangent node: comparisons, integers, random draws, floor/ceil/round/trunc/sign.
 *  2. build: every node is copied into the region being built (nodes of r cannot be reused: r is closed), and an
 *     active node also gets its tangent from its operands' copies and tangents (rules below, JAX's where JAX defines
 *     them). A call's body is inlined (the optimizer inlines calls anyway). A for loop becomes a loop that also
 *     carries the tangents of its active carries and also records the tangents of its active per-step values; a
 *     while loop likewise (its condition copied as is); a cond gets both branches differentiated, taking the
 *     tangents of its active operands and giving those of its active results. Values captured by a nested region
 *     keep their tangents as captures.
 * Tangents have their primal's dtype and shape; NULL stands for zero while building, and zeros are made only where a
 * region's result or a loop carry needs a value. */
#include "ir/jvp.h"
#include "ir/build.h"
#include "ir/build_sparse.h"

#include <string.h>

#define TYPE(buf, n) core_fmt_type(buf, sizeof buf, (bj_dtype)(n)->dtype, (n)->rank, (n)->shape)

/* A loop, cond or call: analysed in generation agen of the pass over its region, built once. Keyed by its (first)
 * region: the nodes of one loop, cond or call share their regions, and a region belongs to one of them. */
typedef struct grp {
    const ir_region *key;
    int agen;
    bool built;
    ir_region *nb, *nb2; /* the new regions */
    ir_node **nin;       /* the new operands (for, while: init; cond: the operands, after the predicate) */
    int nnin;
    int *tres; /* per old result: the new result holding its tangent, or -1 (inactive) */
    int *pres; /* per old result: the new result holding its value */
} grp;

typedef struct jvp {
    ir_trace *t;
    const ir_region *root;
    int nid;                 /* nodes with smaller ids are the graph being differentiated (and what it captures) */
    ir_node **all;           /* the nodes of root and of the regions nested in it, by id */
    int nall;
    unsigned char *act;      /* per id: active */
    ir_node **prim, **tan;   /* per id: its copy in the region being built; its tangent (NULL: zero) */
    grp *grps;
    int ngrps, capgrps;
} jvp;

static bool is_float(const ir_node *n) { return n->dtype == BJ_F32 || n->dtype == BJ_F64; }

/* ---------------------------------------------------------------- the nodes to differentiate */
static bool in_root(const jvp *j, const ir_region *q) {
    while (q && q->depth > j->root->depth) q = q->parent;
    return q == j->root;
}

static int by_id(const void *a, const void *b) {
    int x = (*(ir_node *const *)a)->id, y = (*(ir_node *const *)b)->id;
    return (x > y) - (x < y);
}

static void visit(const jvp *j, ir_stack *st, unsigned char *seen, const ir_node *x) {
    if (x->id < j->nid && in_root(j, x->region) && !seen[x->id]) seen[x->id] = 1, ir_stack_push(st, x);
}

/* j->all: what root's results need, through operands and the results of nested regions, staying inside root. */
static bool collect(jvp *j) {
    unsigned char *seen = calloc((size_t)j->nid + 1, 1);
    j->all = malloc(sizeof *j->all * ((size_t)j->nid + 1));
    if (!seen || !j->all) {
        free(seen);
        return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory"), false;
    }
    ir_stack st;
    ir_stack_init(&st);
    for (int i = 0; i < j->root->nresults; i++) visit(j, &st, seen, j->root->results[i]);
    while (st.n && !st.oom) {
        const ir_node *x = st.v[--st.n];
        j->all[j->nall++] = (ir_node *)x;
        for (int i = 0; i < x->nin; i++) visit(j, &st, seen, x->in[i]);
        for (int k = 0; k < 2; k++) {
            const ir_region *r = k ? x->body2 : x->body;
            for (int i = 0; r && i < r->nresults; i++) visit(j, &st, seen, r->results[i]);
        }
    }
    bool ok = !st.oom;
    ir_stack_free(&st);
    free(seen);
    if (!ok) return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory"), false;
    qsort(j->all, (size_t)j->nall, sizeof *j->all, by_id);
    return true;
}

static grp *group(jvp *j, const ir_region *key) {
    for (int i = 0; i < j->ngrps; i++)
        if (j->grps[i].key == key) return &j->grps[i];
    if (j->ngrps == j->capgrps) {
        int cap = j->capgrps ? 2 * j->capgrps : 8;
        grp *g = realloc(j->grps, sizeof *g * (size_t)cap);
        if (!g) return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory"), NULL;
        j->grps = g, j->capgrps = cap;
    }
    grp *g = &j->grps[j->ngrps++];
    memset(g, 0, sizeof *g);
    g->key = key;
    return g;
}

static bool act_of(const jvp *j, const ir_node *x) { return x->id < j->nid && j->act[x->id]; }
static void set_act(jvp *j, const ir_node *x, bool a) { j->act[x->id] = a && is_float(x); }

/* ---------------------------------------------------------------- pass 1: activity */
static void act_region(jvp *j, const ir_region *r, int *gen);

/* Ops whose float results do not vary with their float operands (JAX: zero derivative almost everywhere). */
static bool constant_op(ir_op op) {
    switch (op) {
    case IR_SIGN: case IR_FLOOR: case IR_CEIL: case IR_ROUND: case IR_TRUNC: case IR_FLOOR_DIVIDE: case IR_RANDOM:
    case IR_STOP_GRADIENT:
        return true;
    default: return false;
    }
}

/* Activity of a loop, cond or call node n: its group is analysed once per pass over its region (generation g). */
static bool act_control(jvp *j, const ir_node *n, int g, int *gen) {
    grp *G = group(j, n->body);
    if (!G) return false;
    int c = n->op == IR_COND ? n->nin - 1 : n->nin;
    if (G->agen != g) {
        G->agen = g;
        if (n->op == IR_CALL) {
            for (int i = 0; i < n->body->nparams; i++) set_act(j, n->body->params[i], act_of(j, n->in[i]));
            act_region(j, n->body, gen);
        } else if (n->op == IR_COND) {
            for (int i = 0; i < c; i++) {
                set_act(j, n->body->params[i], act_of(j, n->in[i + 1]));
                set_act(j, n->body2->params[i], act_of(j, n->in[i + 1]));
            }
            act_region(j, n->body, gen);
            act_region(j, n->body2, gen);
        } else { /* for, while: the body's carry parameters until they stop changing */
            const ir_region *B = n->body;
            int off = n->op == IR_FOR; /* a for body's parameter 0 is the step */
            for (int k = 0; k < c; k++) set_act(j, B->params[k + off], act_of(j, n->in[k]));
            for (bool changed = true; changed && !j->t->status;) {
                act_region(j, B, gen);
                changed = false;
                for (int k = 0; k < c; k++)
                    if (!act_of(j, B->params[k + off]) && act_of(j, B->results[k])) {
                        set_act(j, B->params[k + off], true);
                        changed = act_of(j, B->params[k + off]);
                    }
            }
        }
    }
    int w = (int)n->attr[IR_FOR_WHICH];
    switch (n->op) {
    case IR_CALL: return act_of(j, n->body->results[w]);
    case IR_COND: return act_of(j, n->body->results[w]) || act_of(j, n->body2->results[w]);
    case IR_FOR: return w < c ? act_of(j, n->body->params[w + 1]) : act_of(j, n->body->results[w]);
    default: return act_of(j, n->body->params[w]); /* while */
    }
}

/* The activity of r's nodes; its parameters' is set by the caller. */
static void act_region(jvp *j, const ir_region *r, int *gen) {
    int g = ++*gen;
    for (int i = 0; i < j->nall && !j->t->status; i++) {
        const ir_node *n = j->all[i];
        if (n->region != r || n->op == IR_ARG) continue;
        bool a = false;
        if (ir_ops[n->op].kind == IR_K_CALL) {
            a = act_control(j, n, g, gen);
        } else if (!constant_op((ir_op)n->op)) {
            for (int k = 0; k < n->nin && !a; k++) a = act_of(j, n->in[k]);
        }
        set_act(j, n, a);
    }
}

/* ---------------------------------------------------------------- building blocks (NULL: zero or failed) */
static ir_node *P(const jvp *j, const ir_node *x) {
    return x->id < j->nid && j->prim[x->id] ? j->prim[x->id] : (ir_node *)x;
}
static ir_node *D(const jvp *j, const ir_node *x) { return x->id < j->nid ? j->tan[x->id] : NULL; }

static ir_node *zeros(jvp *j, const ir_node *like) {
    return ir_full(j->t, "jvp", (bj_dtype)like->dtype, like->rank, like->shape, 0);
}
/* x's tangent, or zeros of its type where a value is needed. */
static ir_node *DZ(jvp *j, const ir_node *x) { return D(j, x) ? D(j, x) : zeros(j, P(j, x)); }

static ir_node *lit(jvp *j, const ir_node *like, double v) { return ir_lit(j->t, (bj_dtype)like->dtype, false, v, 0); }
static ir_node *un(jvp *j, ir_op op, ir_node *a) { return a ? ir_unary(j->t, op, a) : NULL; }
static ir_node *bin(jvp *j, ir_op op, ir_node *a, ir_node *b) { return a && b ? ir_binary(j->t, op, a, b) : NULL; }
static ir_node *sel(jvp *j, ir_node *c, ir_node *a, ir_node *b) {
    return c && a && b ? ir_ternary(j->t, IR_WHERE, c, a, b) : NULL;
}
static ir_node *mul(jvp *j, ir_node *a, ir_node *b) { return bin(j, IR_MUL, a, b); }
/* Sum of two tangents, either of which may be zero (NULL). */
static ir_node *tadd(jvp *j, ir_node *a, ir_node *b) { return !a ? b : !b ? a : bin(j, IR_ADD, a, b); }

/* A tangent contribution given n's dtype and shape (broadcast as the op broadcast its operand). */
static ir_node *fit(jvp *j, ir_node *d, const ir_node *n) {
    if (!d) return NULL;
    if (d->dtype != n->dtype) d = ir_cast(j->t, d, (bj_dtype)n->dtype);
    if (d && (d->rank != n->rank || memcmp(d->shape, n->shape, sizeof(int64_t) * n->rank)))
        d = ir_broadcast_to(j->t, d, n->rank, n->shape);
    return d;
}

/* n remade with operands ins (same attributes). */
static ir_node *relike(jvp *j, const ir_node *n, ir_node *const *ins) {
    for (int i = 0; i < n->nin; i++)
        if (!ins[i]) return NULL;
    return ir_intern(j->t, &(ir_proto){.op = (ir_op)n->op, .dtype = (bj_dtype)n->dtype, .rank = n->rank,
                                       .shape = n->shape, .weak = n->weak, .nin = n->nin, .in = ins,
                                       .nattr = n->nattr, .attr = n->attr, .fval = n->fval, .ival = n->ival,
                                       .data = n->data, .nbytes = n->nbytes});
}

/* n remade with its operands' copies (mask 0: the copy of n), or with the tangents (zeros where inactive) at the
 * operand positions in mask (bit i: operand i; ALL_OPERANDS: every one): the tangent of an op linear in those. */
#define ALL_OPERANDS (-1)
static ir_node *remake(jvp *j, const ir_node *n, int mask) {
    ir_node *small[8], **ins = n->nin <= 8 ? small : malloc(sizeof *ins * (size_t)n->nin);
    if (!ins) return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory");
    for (int i = 0; i < n->nin; i++) {
        bool tangent = mask == ALL_OPERANDS || (i < 16 && (mask >> i & 1));
        ins[i] = tangent ? DZ(j, n->in[i]) : P(j, n->in[i]);
    }
    ir_node *r = relike(j, n, ins);
    if (ins != small) free(ins);
    return r;
}

/* JAX's _balanced_eq: 1 where x is the result z, halved where w is too (ties split the derivative). */
static ir_node *balanced(jvp *j, const ir_node *n, ir_node *x, ir_node *z, ir_node *w) {
    ir_node *one = lit(j, n, 1), *zero = lit(j, n, 0), *two = lit(j, n, 2);
    return bin(j, IR_DIV, sel(j, bin(j, IR_EQ, x, z), one, zero), sel(j, bin(j, IR_EQ, w, z), two, one));
}

/* ---------------------------------------------------------------- rules */
static ir_node *rule_unary(jvp *j, const ir_node *n, ir_node *y) {
    ir_node *x = P(j, n->in[0]), *dx = D(j, n->in[0]);
    if (!dx) return NULL;
    switch ((ir_op)n->op) {
    case IR_NEG: return un(j, IR_NEG, dx);
    case IR_ABS: return sel(j, bin(j, IR_GE, x, lit(j, n, 0)), dx, un(j, IR_NEG, dx)); /* JAX: abs'(0) = 1 */
    case IR_EXP: return mul(j, dx, y);
    case IR_EXP2: return mul(j, dx, mul(j, y, lit(j, n, 0.693147180559945309417232121458176568)));
    case IR_EXPM1: return mul(j, dx, bin(j, IR_ADD, y, lit(j, n, 1)));
    case IR_LOG: return bin(j, IR_DIV, dx, x);
    case IR_LOG1P: return bin(j, IR_DIV, dx, bin(j, IR_ADD, x, lit(j, n, 1)));
    case IR_LOG2: return bin(j, IR_DIV, dx, mul(j, x, lit(j, n, 0.693147180559945309417232121458176568)));
    case IR_SQRT: return mul(j, dx, bin(j, IR_DIV, lit(j, n, 0.5), y));
    case IR_RSQRT: return mul(j, dx, mul(j, lit(j, n, -0.5), bin(j, IR_DIV, y, x)));
    case IR_SQUARE: return mul(j, dx, mul(j, lit(j, n, 2), x));
    case IR_RECIPROCAL: return mul(j, un(j, IR_NEG, dx), mul(j, y, y));
    case IR_SIN: return mul(j, dx, un(j, IR_COS, x));
    case IR_COS: return mul(j, dx, un(j, IR_NEG, un(j, IR_SIN, x)));
    case IR_TAN: return mul(j, dx, bin(j, IR_ADD, lit(j, n, 1), mul(j, y, y)));
    case IR_TANH: return mul(j, bin(j, IR_ADD, dx, mul(j, dx, y)), bin(j, IR_SUB, lit(j, n, 1), y));
    case IR_SINH: return mul(j, dx, un(j, IR_COSH, x));
    case IR_COSH: return mul(j, dx, un(j, IR_SINH, x));
    case IR_ARCSIN: return mul(j, dx, un(j, IR_RSQRT, bin(j, IR_SUB, lit(j, n, 1), mul(j, x, x))));
    case IR_ARCCOS: return mul(j, un(j, IR_NEG, dx), un(j, IR_RSQRT, bin(j, IR_SUB, lit(j, n, 1), mul(j, x, x))));
    case IR_ARCTAN: return bin(j, IR_DIV, dx, bin(j, IR_ADD, lit(j, n, 1), mul(j, x, x)));
    case IR_SIGMOID: return mul(j, dx, mul(j, y, bin(j, IR_SUB, lit(j, n, 1), y)));
    case IR_CAST: return ir_cast(j->t, dx, (bj_dtype)n->dtype);
    default: return NULL;
    }
}

static ir_node *rule_binary(jvp *j, const ir_node *n, ir_node *y) {
    ir_node *a = P(j, n->in[0]), *b = P(j, n->in[1]), *da = D(j, n->in[0]), *db = D(j, n->in[1]);
    ir_node *zero = lit(j, n, 0), *one = lit(j, n, 1);
    switch ((ir_op)n->op) {
    case IR_ADD: return tadd(j, fit(j, da, n), fit(j, db, n));
    case IR_SUB: return tadd(j, fit(j, da, n), fit(j, un(j, IR_NEG, db), n));
    case IR_MUL: return tadd(j, da ? mul(j, da, b) : NULL, db ? mul(j, a, db) : NULL);
    case IR_DIV: /* d(a/b) = da/b - db a/b^2 */
        return tadd(j, da ? bin(j, IR_DIV, da, b) : NULL,
                    db ? un(j, IR_NEG, mul(j, db, bin(j, IR_DIV, y, b))) : NULL);
    case IR_POW: /* JAX: b a^(b-1) (0 where b == 0) and log(a) a^b (log 1 where a == 0) */
        return tadd(j,
                    da ? mul(j, da, sel(j, bin(j, IR_EQ, b, zero), zero,
                                        mul(j, b, bin(j, IR_POW, a, bin(j, IR_SUB, b, one))))) : NULL,
                    db ? mul(j, db, mul(j, un(j, IR_LOG, sel(j, bin(j, IR_EQ, a, zero), one, a)), y)) : NULL);
    case IR_MAXIMUM: case IR_MINIMUM:
        return tadd(j, da ? mul(j, da, balanced(j, n, a, y, b)) : NULL,
                    db ? mul(j, db, balanced(j, n, b, y, a)) : NULL);
    case IR_ATAN2: { /* atan2(a, b): (b da - a db) / (a^2 + b^2) */
        ir_node *den = bin(j, IR_ADD, mul(j, a, a), mul(j, b, b));
        return tadd(j, da ? mul(j, da, bin(j, IR_DIV, b, den)) : NULL,
                    db ? mul(j, db, bin(j, IR_DIV, un(j, IR_NEG, a), den)) : NULL);
    }
    case IR_HYPOT: { /* (a da + b db) / h, 0 at h == 0 */
        ir_node *h0 = bin(j, IR_EQ, y, zero);
        return tadd(j, da ? mul(j, da, sel(j, h0, zero, bin(j, IR_DIV, a, y))) : NULL,
                    db ? mul(j, db, sel(j, h0, zero, bin(j, IR_DIV, b, y))) : NULL);
    }
    case IR_REMAINDER: /* a - b floor(a / b), numpy's sign convention */
        return tadd(j, fit(j, da, n), db ? mul(j, un(j, IR_NEG, db), un(j, IR_FLOOR, bin(j, IR_DIV, a, b))) : NULL);
    default: return NULL;
    }
}

static ir_node *rule_clip(jvp *j, const ir_node *n, ir_node *y) { /* minimum(maximum(x, lo), hi), as jnp.clip */
    ir_node *x = P(j, n->in[0]), *lo = P(j, n->in[1]), *hi = P(j, n->in[2]);
    ir_node *dx = D(j, n->in[0]), *dlo = D(j, n->in[1]), *dhi = D(j, n->in[2]);
    ir_node *m = bin(j, IR_MAXIMUM, x, lo);
    ir_node *dm = tadd(j, dx ? mul(j, dx, balanced(j, n, x, m, lo)) : NULL,
                       dlo ? mul(j, dlo, balanced(j, n, lo, m, x)) : NULL);
    return tadd(j, dm ? mul(j, dm, balanced(j, n, m, y, hi)) : NULL,
                dhi ? mul(j, dhi, balanced(j, n, hi, y, m)) : NULL);
}

/* The attributes of a reduction: its axes (flags) and keepdims. */
static bool reduced_axes(const ir_node *n, bool *red) {
    memset(red, 0, sizeof(bool) * BJ_MAX_RANK);
    for (int k = 1; k < n->nattr; k++) red[n->attr[k]] = true;
    return n->attr[0] != 0;
}

static ir_node *reduce(jvp *j, ir_op op, ir_node *x, const ir_node *n, bool keepdims) {
    int axes[BJ_MAX_RANK];
    for (int k = 1; k < n->nattr; k++) axes[k - 1] = (int)n->attr[k];
    return x ? ir_reduce(j->t, op, x, n->nattr - 1, axes, keepdims) : NULL;
}

/* max / min: the tangent averaged over the elements equal to the result (JAX's chooser rule). */
static ir_node *rule_maxmin(jvp *j, const ir_node *n, ir_node *y) {
    ir_node *x = P(j, n->in[0]), *dx = D(j, n->in[0]);
    bool red[BJ_MAX_RANK], keep = reduced_axes(n, red);
    ir_node *yk = y;
    if (!keep) {
        int64_t s[BJ_MAX_RANK];
        for (int i = 0; i < x->rank; i++) s[i] = red[i] ? 1 : x->shape[i];
        yk = ir_reshape(j->t, y, x->rank, s);
    }
    ir_node *ind = bin(j, IR_EQ, x, yk);
    ind = ind ? ir_cast(j->t, ind, (bj_dtype)n->dtype) : NULL;
    return bin(j, IR_DIV, reduce(j, IR_SUM, mul(j, dx, ind), n, keep), reduce(j, IR_SUM, ind, n, keep));
}

/* prod: the sum over the reduced elements of dx times the product of the others, with the reduced axes moved last
 * and merged, the others' product being an exclusive prefix product times an exclusive suffix product (exact at
 * zeros, unlike y / x). */
static ir_node *rule_prod(jvp *j, const ir_node *n) {
    ir_trace *t = j->t;
    ir_node *x = P(j, n->in[0]), *dx = D(j, n->in[0]);
    bool red[BJ_MAX_RANK];
    reduced_axes(n, red);
    int perm[BJ_MAX_RANK], np = 0, nk, r = x->rank;
    int64_t s[BJ_MAX_RANK], len = 1;
    bool ident = true;
    for (int i = 0; i < r; i++)
        if (!red[i]) s[np] = x->shape[i], perm[np++] = i;
    nk = np;
    for (int i = 0; i < r; i++)
        if (red[i]) len *= x->shape[i], perm[np++] = i;
    for (int i = 0; i < r; i++) ident = ident && perm[i] == i;
    if (len <= 1) return len == 0 ? zeros(j, n) : ir_reshape(t, dx, n->rank, n->shape);
    s[nk] = len;
    ir_node *xr = ir_reshape(t, ident ? x : ir_transpose(t, x, perm), nk + 1, s);
    ir_node *dr = ir_reshape(t, ident ? dx : ir_transpose(t, dx, perm), nk + 1, s);
    if (!xr || !dr) return NULL;
    int64_t os[BJ_MAX_RANK], start[BJ_MAX_RANK], stop[BJ_MAX_RANK], step[BJ_MAX_RANK];
    for (int i = 0; i <= nk; i++) os[i] = s[i], start[i] = 0, stop[i] = BJ_END, step[i] = 1;
    os[nk] = 1;
    ir_node *one = ir_full(t, "jvp", (bj_dtype)x->dtype, nk + 1, os, 1);
    stop[nk] = len - 1;
    ir_node *lo = ir_slice(t, xr, start, stop, step);
    stop[nk] = BJ_END, start[nk] = 1;
    ir_node *hi = ir_slice(t, xr, start, stop, step);
    if (!one || !lo || !hi) return NULL;
    int ax = nk;
    ir_node *left = ir_scan(t, IR_CUMPROD, ir_concatenate(t, (ir_node *[]){one, lo}, 2, ax), ax);
    ir_node *cat = ir_concatenate(t, (ir_node *[]){hi, one}, 2, ax);
    ir_node *right = cat ? ir_flip(t, ir_scan(t, IR_CUMPROD, ir_flip(t, cat, 1, &ax), ax), 1, &ax) : NULL;
    if (!left || !right) return NULL;
    ir_node *d = ir_reduce(t, IR_SUM, mul(j, dr, mul(j, left, right)), 1, &ax, false);
    return d ? ir_reshape(t, d, n->rank, n->shape) : NULL;
}

/* cumprod: y_i times the running sum of dx / x while no zero was seen; after exactly one zero, the running product
 * of the other elements times the zero's dx; after two, 0. */
static ir_node *rule_cumprod(jvp *j, const ir_node *n) {
    ir_trace *t = j->t;
    ir_node *x = P(j, n->in[0]), *dx = D(j, n->in[0]), *zero = lit(j, n, 0), *one = lit(j, n, 1);
    int ax = (int)n->attr[0];
    ir_node *z = bin(j, IR_EQ, x, zero), *xr = sel(j, z, one, x);
    if (!z || !xr) return NULL;
    ir_node *pr = ir_scan(t, IR_CUMPROD, xr, ax);
    ir_node *zc = ir_scan(t, IR_CUMSUM, ir_cast(t, z, (bj_dtype)n->dtype), ax);
    ir_node *q = bin(j, IR_DIV, dx, xr), *dz = sel(j, z, dx, zero);
    if (!pr || !zc || !q || !dz) return NULL;
    ir_node *t0 = mul(j, pr, ir_scan(t, IR_CUMSUM, q, ax)), *t1 = mul(j, pr, ir_scan(t, IR_CUMSUM, dz, ax));
    return sel(j, bin(j, IR_EQ, zc, zero), t0, sel(j, bin(j, IR_EQ, zc, one), t1, zero));
}

/* v[..., idx[..., i], ...] along axis (numpy's take_along_axis), as one gather over the flattened v. */
static ir_node *take_along(jvp *j, ir_node *v, ir_node *idx, int axis) {
    ir_trace *t = j->t;
    int r = v->rank;
    if (r == 1) return ir_take(t, v, idx, 0);
    int perm[BJ_MAX_RANK], inv[BJ_MAX_RANK], np = 0;
    for (int i = 0; i < r; i++)
        if (i != axis) perm[np++] = i;
    perm[np] = axis;
    for (int i = 0; i < r; i++) inv[perm[i]] = i;
    bool moved = axis != r - 1;
    ir_node *vt = moved ? ir_transpose(t, v, perm) : v, *it = moved ? ir_transpose(t, idx, perm) : idx;
    if (!vt || !it) return NULL;
    int64_t len = v->shape[axis], rows = 1;
    for (int i = 0; i < r; i++)
        if (i != axis) rows *= v->shape[i];
    bj_dtype id = rows * len > INT32_MAX ? BJ_I64 : BJ_I32;
    int64_t flat = rows * len, s2[2] = {rows, len};
    ir_node *base = ir_iota(t, id, 2, s2, 0);
    ir_node *it2 = ir_reshape(t, it, 2, s2);
    ir_node *fi = bin(j, IR_ADD, it2 ? ir_cast(t, it2, id) : NULL, bin(j, IR_MUL, base, ir_lit(t, id, false, 0, len)));
    ir_node *g = fi ? ir_take(t, ir_reshape(t, vt, 1, &flat), fi, 0) : NULL;
    g = g ? ir_reshape(t, g, r, vt->shape) : NULL;
    return g && moved ? ir_transpose(t, g, inv) : g;
}

static ir_node *rule_sparse(jvp *j, const ir_node *n) {
    ir_trace *t = j->t;
    ir_op op = (ir_op)n->op;
    int64_t np = n->shape[0];
    if (op == IR_CSRMV || op == IR_EVENT_CSRMV) {
        ir_node *ip = P(j, n->in[0]), *ix = P(j, n->in[1]), *w = P(j, n->in[2]), *x = P(j, n->in[3]);
        ir_node *dw = D(j, n->in[2]), *dx = D(j, n->in[3]);
        return tadd(j, dw ? ir_csrmv(t, op, ip, ix, dw, x, np) : NULL,
                    dx && op == IR_CSRMV ? ir_csrmv(t, op, ip, ix, w, dx, np) : NULL);
    }
    uint64_t seed;
    double p;
    bool self;
    if (!ir_jitconn_attrs(n, &seed, &p, &self))
        return ir_fail(t, BJ_ERR_INTERNAL, "jvp: %s attributes", ir_ops[op].name);
    bool event = ir_jitconn_is_event(op);
    ir_node *x = P(j, n->in[0]), *dx = event ? NULL : D(j, n->in[0]);
    if (ir_jitconn_dist(op) == IR_JITCONN_HOMOGENEOUS) {
        ir_node *w = P(j, n->in[1]), *dw = D(j, n->in[1]);
        return tadd(j, dx ? ir_jitconn(t, op, dx, w, p, seed, np, self) : NULL,
                    dw ? ir_jitconn(t, op, x, dw, p, seed, np, self) : NULL);
    }
    /* weights a + (b - a) u (uniform) or a + b z (normal), u and z fixed by the seed: linear in x, affine in (a, b) */
    ir_node *a = P(j, n->in[1]), *b = P(j, n->in[2]), *da = D(j, n->in[1]), *db = D(j, n->in[2]);
    ir_op homo = event ? IR_JITCONN_EVENT_MV : IR_JITCONN_MV;
    ir_node *s0 = da ? ir_jitconn(t, homo, x, lit(j, n, 1), p, seed, np, self) : NULL;
    ir_node *s1 = da || db ? ir_jitconn_w(t, op, x, lit(j, n, 0), lit(j, n, 1), p, seed, np, self) : NULL;
    bool uni = ir_jitconn_dist(op) == IR_JITCONN_UNIFORM;
    ir_node *ta = da ? mul(j, da, uni ? bin(j, IR_SUB, s0, s1) : s0) : NULL, *tb = db ? mul(j, db, s1) : NULL;
    return tadd(j, tadd(j, dx ? ir_jitconn_w(t, op, dx, a, b, p, seed, np, self) : NULL, ta), tb);
}

/* The tangent of an active node n whose copy is y (not a loop, cond or call). */
static ir_node *rule(jvp *j, const ir_node *n, ir_node *y) {
    ir_trace *t = j->t;
    switch (ir_ops[n->op].kind) {
    case IR_K_UNARY: return rule_unary(j, n, y);
    case IR_K_BINARY: return rule_binary(j, n, y);
    case IR_K_TERNARY:
        if (n->op == IR_CLIP) return rule_clip(j, n, y);
        return sel(j, P(j, n->in[0]), D(j, n->in[1]) ? D(j, n->in[1]) : lit(j, n, 0),
                   D(j, n->in[2]) ? D(j, n->in[2]) : lit(j, n, 0));
    case IR_K_SHAPE:
        switch ((ir_op)n->op) {
        case IR_CONCATENATE: return remake(j, n, ALL_OPERANDS);
        case IR_DYNAMIC_UPDATE_SLICE: return remake(j, n, 3);
        default: return remake(j, n, 1); /* reshape, broadcast_to, transpose, slice, dynamic_slice, flip */
        }
    case IR_K_INDEX: return remake(j, n, n->op == IR_TAKE ? 1 : 5); /* take: x; scatter: x and the updates */
    case IR_K_REDUCE:
        switch ((ir_op)n->op) {
        case IR_SUM: case IR_MEAN: return remake(j, n, 1);
        case IR_PROD: return rule_prod(j, n);
        case IR_MAX: case IR_MIN: return rule_maxmin(j, n, y);
        default: break;
        }
        break;
    case IR_K_SCAN: return n->op == IR_CUMSUM ? remake(j, n, 1) : rule_cumprod(j, n);
    case IR_K_SORT:
        if (n->op == IR_SORT) {
            ir_node *x = P(j, n->in[0]);
            return take_along(j, D(j, n->in[0]), ir_sort(t, IR_ARGSORT, x, (int)n->attr[0]), (int)n->attr[0]);
        }
        break;
    case IR_K_LINALG: {
        ir_node *a = P(j, n->in[0]), *b = P(j, n->in[1]), *da = D(j, n->in[0]), *db = D(j, n->in[1]);
        return tadd(j, da ? ir_matmul(t, da, b) : NULL, db ? ir_matmul(t, a, db) : NULL);
    }
    case IR_K_SPARSE: return rule_sparse(j, n);
    default: break;
    }
    char ty[96];
    return ir_fail(t, BJ_ERR_UNSUPPORTED, "jvp: no derivative rule for %s (%s)", ir_ops[n->op].name, TYPE(ty, n));
}

/* ---------------------------------------------------------------- pass 2: build */
static bool build_region(jvp *j, const ir_region *r);

/* Opens a region in t->cur with parameters like old region R's, mapped to them, then a tangent parameter for each
 * active one among R's parameters [from, from + count). */
static ir_region *open_like(jvp *j, const ir_region *R, int from, int count) {
    ir_region *nr = ir_region_begin(j->t);
    for (int k = 0; nr && k < R->nparams; k++) {
        const ir_node *p = R->params[k];
        ir_node *q = ir_region_param(j->t, (bj_dtype)p->dtype, p->rank, p->shape);
        if (!q) break;
        j->prim[p->id] = q, j->tan[p->id] = NULL;
    }
    for (int k = from; nr && !j->t->status && k < from + count; k++) {
        const ir_node *p = R->params[k];
        if (!act_of(j, p)) continue;
        if (!(j->tan[p->id] = ir_region_param(j->t, (bj_dtype)p->dtype, p->rank, p->shape))) break;
    }
    return nr;
}

/* Closes nr (opened by open_like for old region R) with results [copies of R's results [0, c), tangents of the
 * active ones among them, copies of the rest, tangents of the active ones among those]: a for body's new carries
 * then its per-step values (c = its carries; c = all results for a while body and a cond branch). G->pres and
 * G->tres receive where each old result's value and tangent went. */
static bool close_like(jvp *j, ir_region *nr, const ir_region *R, grp *G, const bool *active, int c) {
    ir_trace *t = j->t;
    int n = R->nresults, m = 0;
    for (int k = 0; k < n; k++) m += active[k];
    ir_node **res = malloc(sizeof *res * (size_t)(n + m + 1));
    if (!res) ir_fail(t, BJ_ERR_NOMEM, "jvp: out of memory");
    int at = 0;
    for (int part = 0; part < 2 && res; part++) {
        int lo = part ? c : 0, hi = part ? n : c;
        for (int k = lo; k < hi && !t->status; k++) G->pres[k] = at, res[at++] = P(j, R->results[k]);
        for (int k = lo; k < hi && !t->status; k++) {
            G->tres[k] = active[k] ? at : -1;
            if (active[k]) res[at++] = DZ(j, R->results[k]);
        }
    }
    if (t->cur != nr && !t->status) ir_fail(t, BJ_ERR_INTERNAL, "jvp: region nesting");
    bj_status s = t->cur == nr ? ir_region_end(t, res, t->status ? 0 : n + m) : t->status;
    free(res);
    return !s && !t->status;
}

/* The new operands: the old ones' copies, then the tangents (zeros if inactive) of those whose parameter in the
 * old region R is active (operand k is parameter k + off). */
static bool new_operands(jvp *j, grp *G, const ir_node *n, int first, const ir_region *R, int off) {
    int c = n->nin - first, m = 0;
    for (int k = 0; k < c; k++) m += act_of(j, R->params[k + off]);
    G->nin = malloc(sizeof *G->nin * (size_t)(c + m + 1));
    if (!G->nin) return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory"), false;
    G->nnin = c + m;
    for (int k = 0, a = c; k < c && !j->t->status; k++) {
        G->nin[k] = P(j, n->in[first + k]);
        if (act_of(j, R->params[k + off])) G->nin[a++] = DZ(j, n->in[first + k]);
    }
    return !j->t->status;
}

/* Which results of region a get a tangent: loop carries (k < c0 with carries_from_params) as their parameter's
 * activity (a carry active only through its init still carries a tangent), others if active in a or in b. */
static bool *result_activity(jvp *j, const ir_region *a, const ir_region *b, int c0, bool carries_from_params,
                             int off) {
    int n = a->nresults;
    bool *act = calloc((size_t)n + 1, sizeof *act);
    if (!act) return ir_fail(j->t, BJ_ERR_NOMEM, "jvp: out of memory"), NULL;
    for (int k = 0; k < n; k++)
        act[k] = carries_from_params && k < c0 ? act_of(j, a->params[k + off])
                                               : act_of(j, a->results[k]) || (b && act_of(j, b->results[k]));
    return act;
}

/* Builds the differentiated loop, cond or call of group G (first met as node n). */
static bool build_group(jvp *j, grp *G, const ir_node *n) {
    ir_trace *t = j->t;
    G->built = true;
    const ir_region *B = n->body;
    if (n->op == IR_CALL) { /* inlined: the body's parameters are the operands */
        for (int i = 0; i < B->nparams; i++) {
            j->prim[B->params[i]->id] = P(j, n->in[i]);
            j->tan[B->params[i]->id] = D(j, n->in[i]);
        }
        return build_region(j, B);
    }
    int nres = B->nresults;
    G->tres = malloc(sizeof *G->tres * (size_t)(nres + 1));
    G->pres = malloc(sizeof *G->pres * (size_t)(nres + 1));
    if (!G->tres || !G->pres) return ir_fail(t, BJ_ERR_NOMEM, "jvp: out of memory"), false;
    bool ok;
    if (n->op == IR_COND) {
        int c = n->nin - 1;
        bool *act = result_activity(j, B, n->body2, 0, false, 0);
        ok = act && new_operands(j, G, n, 1, B, 0);
        for (int b = 0; ok && b < 2; b++) { /* both branches take [operands, active tangents] */
            const ir_region *R = b ? n->body2 : B;
            for (int k = 0; k < c; k++) j->act[R->params[k]->id] = j->act[B->params[k]->id];
            ir_region *nr = open_like(j, R, 0, c);
            ok = nr && build_region(j, R);
            ok = nr && close_like(j, nr, R, G, act, nres) && ok; /* closed after a failure too */
            if (b) G->nb2 = nr;
            else G->nb = nr;
        }
        free(act);
        return ok;
    }
    int off = n->op == IR_FOR, c = n->nin;
    bool *act = result_activity(j, B, NULL, c, true, off);
    ok = act && new_operands(j, G, n, 0, B, off);
    if (ok && n->op == IR_WHILE) { /* the condition, on [carries, tangents], copied as is */
        const ir_region *C = n->body2;
        for (int k = 0; k < c; k++) j->act[C->params[k]->id] = j->act[B->params[k]->id];
        ir_region *nc = open_like(j, C, 0, c);
        ok = nc && build_region(j, C);
        for (int k = 0; k < c; k++) j->act[C->params[k]->id] = 0; /* nothing in it has a tangent */
        ir_node *pred = ok ? P(j, C->results[0]) : NULL;
        bj_status s = nc && t->cur == nc ? ir_region_end(t, &pred, ok ? 1 : 0) : t->status;
        ok = ok && !s;
        G->nb2 = nc;
    }
    if (ok) {
        ir_region *nb = open_like(j, B, off, c);
        ok = nb && build_region(j, B);
        ok = nb && close_like(j, nb, B, G, act, c) && ok;
        G->nb = nb;
    }
    free(act);
    return ok && !t->status;
}

/* A loop, cond or call node n: its group built once, then n's copy and tangent. */
static bool build_control(jvp *j, const ir_node *n) {
    grp *G = group(j, n->body);
    if (!G) return false;
    if (!G->built && !build_group(j, G, n)) return false;
    ir_trace *t = j->t;
    int w = (int)n->attr[IR_FOR_WHICH];
    const ir_region *B = n->body;
    ir_node *p = NULL, *d = NULL;
    switch (n->op) {
    case IR_CALL:
        p = P(j, B->results[w]), d = j->act[n->id] ? D(j, B->results[w]) : NULL;
        break;
    case IR_FOR:
        p = ir_for(t, n->attr[IR_FOR_N], n->attr[IR_FOR_EVERY], G->nb, G->nin, G->nnin, G->pres[w]);
        if (G->tres[w] >= 0)
            d = ir_for(t, n->attr[IR_FOR_N], n->attr[IR_FOR_EVERY], G->nb, G->nin, G->nnin, G->tres[w]);
        break;
    case IR_WHILE:
        p = ir_while(t, G->nb2, G->nb, G->nin, G->nnin, G->pres[w]);
        if (G->tres[w] >= 0) d = ir_while(t, G->nb2, G->nb, G->nin, G->nnin, G->tres[w]);
        break;
    case IR_COND:
        p = ir_cond(t, P(j, n->in[0]), G->nb, G->nb2, G->nin, G->nnin, G->pres[w]);
        if (G->tres[w] >= 0) d = ir_cond(t, P(j, n->in[0]), G->nb, G->nb2, G->nin, G->nnin, G->tres[w]);
        break;
    default: break;
    }
    j->prim[n->id] = p, j->tan[n->id] = d;
    return p && !t->status;
}

/* Copies r's nodes into t->cur (r's parameters are mapped by the caller), with the tangents of the active ones. */
static bool build_region(jvp *j, const ir_region *r) {
    ir_trace *t = j->t;
    for (int i = 0; i < j->nall && !t->status; i++) {
        const ir_node *n = j->all[i];
        if (n->region != r || n->op == IR_ARG) continue;
        if (ir_ops[n->op].kind == IR_K_CALL) {
            if (!build_control(j, n)) break;
            continue;
        }
        ir_node *y = remake(j, n, 0);
        j->prim[n->id] = y;
        if (y && j->act[n->id]) j->tan[n->id] = fit(j, rule(j, n, y), n);
        if (y && j->act[n->id] && !j->tan[n->id] && !t->status)
            ir_fail(t, BJ_ERR_INTERNAL, "jvp: %s gave no tangent", ir_ops[n->op].name);
    }
    return !t->status;
}

ir_region *ir_jvp(ir_trace *t, const ir_region *r, int n) {
    if (t->status) return NULL;
    jvp j = {.t = t, .root = r, .nid = t->next_id};
    size_t nid = (size_t)j.nid + 1;
    j.act = calloc(nid, 1);
    j.prim = calloc(nid, sizeof *j.prim);
    j.tan = calloc(nid, sizeof *j.tan);
    ir_region *nr = NULL;
    if (!j.act || !j.prim || !j.tan) {
        ir_fail(t, BJ_ERR_NOMEM, "jvp: out of memory");
    } else if (collect(&j)) {
        int gen = 0;
        for (int i = 0; i < n; i++) set_act(&j, r->params[i], true);
        act_region(&j, r, &gen);
        nr = ir_region_begin(t);
        for (int i = 0; nr && i < n; i++)
            j.prim[r->params[i]->id] = ir_region_param(t, (bj_dtype)r->params[i]->dtype, r->params[i]->rank,
                                                       r->params[i]->shape);
        for (int i = 0; nr && i < n; i++)
            j.tan[r->params[i]->id] = ir_region_param(t, (bj_dtype)r->params[i]->dtype, r->params[i]->rank,
                                                      r->params[i]->shape);
        int m = r->nresults;
        ir_node **res = malloc(sizeof *res * (size_t)(2 * m + 1));
        if (!res) ir_fail(t, BJ_ERR_NOMEM, "jvp: out of memory");
        if (nr && res && !t->status && build_region(&j, r))
            for (int i = 0; i < m && !t->status; i++) res[i] = P(&j, r->results[i]), res[m + i] = DZ(&j, r->results[i]);
        if (nr && t->cur != nr && !t->status) ir_fail(t, BJ_ERR_INTERNAL, "jvp: region nesting");
        if (nr && t->cur == nr && ir_region_end(t, res, t->status ? 0 : 2 * m)) nr = NULL;
        if (t->status) nr = NULL;
        free(res);
    }
    for (int i = 0; i < j.ngrps; i++) free(j.grps[i].nin), free(j.grps[i].tres), free(j.grps[i].pres);
    free(j.grps), free(j.all), free(j.act), free(j.prim), free(j.tan);
    return nr;
}
