/* rewrite.c — the first pass: copies a graph into a fresh trace of its own, simplifying each node as it arrives.
 *
 * Design note. Nodes are immutable and hash-consed, so a rewrite is a copy: walking the nodes in topological order,
 * each is re-interned in the new trace with its mapped operands, then offered to the rules below, which may answer
 * with a simpler node (LuaJIT's FOLD engine works the same way). Because the copy is interned, common
 * subexpressions that rewriting exposes merge for free; because the final graph is collected from the outputs,
 * whatever a rule made dead vanishes (dead-code elimination is the collection). The user's graph is never touched,
 * so one graph may be compiled by several threads, and the plan owns everything it refers to.
 * - Calls are inlined: the callee's body is copied with its parameters mapped to the call's operands, so fusion
 *   sees through them. Loop bodies, while conditions and cond branches are copied into regions of their own (below);
 *   a cond whose predicate is constant is replaced by the branch it picks, inlined like a call.
 * - Constant folding runs the interpreter (the executable definition of every op) on constant operands: results
 *   up to FOLD_MAX elements become constants; elementwise ops on uniform operands (literals, full) fold to a
 *   literal or a full of the result's shape at any size.
 * - Algebraic rules are exact for every input, NaN and signed zero included: x*1, x/1, x-0, x+0 (ints and bools;
 *   floats only with -0.0), --x, !!x, ~~x, max(x,x), min(x,x), where(c,x,x), where(const,x,y), casts, reshapes,
 *   broadcasts and transposes that change nothing, and reshape of a reshape.
 * - A float sum or mean of a bool cast counts in int32 instead (a firing rate): every partial sum of zeros and ones
 *   is an integer the float holds exactly while the count is at most 2^24 (2^31 for float64: the int32 counter), so
 *   the result is the same bits, and an integer count vectorizes where an ordered float sum cannot.
 * - Flags (opt_rewrite_ex): OPT_RW_INLINE_ONLY copies with calls inlined and nothing else (the form abstracted axes
 *   analyse and the interpreter replays, symbolic.c); OPT_RW_NO_COUNT skips the bool-count rule, whose exactness
 *   depends on a count that a symbolic axis leaves unknown. Folding needs no flag: it takes constant operands
 *   only, which are static, so no value with a symbolic extent is ever folded at the traced size. */
#include "backend/interp/interp.h"
#include "ir/build.h"
#include "opt/plan.h"

#define FOLD_MAX 4096

#define RW_MAX_NEST 128

/* A region being copied: a call body (inlined: its nodes go where the call was) or a loop body (copied into a new
 * region of its own). */
typedef struct rctx {
    const ir_region *old;
    int gen;            /* the generation of this copy (memo entries of its nodes) */
    ir_region *target;  /* where its nodes go in the new trace (NULL: the top level) */
} rctx;

/* A loop body already copied, for one generation of its region and one list of (new) initial carries: the FOR
 * nodes of one loop share it. */
typedef struct rbody {
    const ir_region *old;
    int gen;
    ir_node **ins; /* the loop's new operands (malloc'd) */
    int nin;
    ir_region *copy;
} rbody;

/* A call inlined: calls of the same body on the same (new) operands in the same region reuse its generation, so the
 * CALL nodes of one call (one per result) share one copy of the body, loops included. */
typedef struct rcall {
    const ir_region *body;
    ir_region *home;
    ir_node **ins;
    int nin, gen;
} rcall;

typedef struct rw {
    ir_trace *t;
    ir_node **map; /* old node id -> new node, valid where gen[id] is the generation of the copy of its region */
    int *gen;
    int next_gen;
    int depth, calls;
    int flags; /* OPT_RW_* */
    rctx ctx[RW_MAX_NEST]; /* the regions being copied, innermost last */
    int nctx;
    rbody *bodies;
    int nbodies, capbodies;
    rcall *inlined;
    int ninlined, capinlined;
    ir_region **branches; /* the copies of cond branches: hoisting stops at them */
    int nbranches, capbranches;
} rw;

static ir_node *copy(rw *w, const ir_node *n, ir_node *const *ins) {
    return ir_intern(w->t, &(ir_proto){.op = (ir_op)n->op, .dtype = (bj_dtype)n->dtype, .rank = n->rank,
                                       .shape = n->shape, .weak = n->weak, .nin = n->nin, .in = ins,
                                       .nattr = n->nattr, .attr = n->attr, .fval = n->fval, .ival = n->ival,
                                       .data = n->data, .nbytes = n->nbytes});
}

static bool same_type(const ir_node *a, const ir_node *b) {
    return a->dtype == b->dtype && a->rank == b->rank && !memcmp(a->shape, b->shape, sizeof(int64_t) * a->rank);
}

static bool uniform(const ir_node *n) { return n->op == IR_LIT || n->op == IR_FULL; }
static bool constant(const ir_node *n) { return n->op == IR_CONST || uniform(n) || n->op == IR_IOTA; }

/* The value of a uniform node as double (exact for floats and for ints held in ival). */
static double uniform_value(const ir_node *n) {
    if (n->op == IR_LIT && !ir_is_float((bj_dtype)n->dtype)) return (double)n->ival;
    return n->fval;
}

static bool is_value(const ir_node *n, double v) {
    if (!uniform(n)) return false;
    double x = uniform_value(n);
    return x == v && signbit(x) == signbit(v);
}

/* ---------------------------------------------------------------- folding */
/* An array holding node c's value (c constant); NULL on OOM. */
static bj_array *value_of(const ir_node *c) {
    bj_array *r = NULL;
    return interp_eval(c, NULL, &r) == BJ_OK ? r : NULL;
}

/* A node holding array a's value, typed like n. */
static ir_node *node_of(rw *w, const ir_node *n, const bj_array *a) {
    if (n->rank == 0) {
        double f = core_load_f64(a->dtype, a->data, 0);
        int64_t i = ir_is_float(a->dtype) ? 0 : interp_get_i(a, 0);
        return ir_lit(w->t, (bj_dtype)n->dtype, n->weak, ir_is_float(a->dtype) ? f : 0, i);
    }
    return ir_const(w->t, (bj_dtype)n->dtype, n->rank, n->shape, a->data);
}

/* Folds n (operands ins, all constant) or returns NULL to keep it. */
static ir_node *fold(rw *w, const ir_node *n, ir_node *const *ins) {
    ir_kind k = ir_ops[n->op].kind;
    bool elt = k == IR_K_UNARY || k == IR_K_BINARY || k == IR_K_TERNARY;
    bool all_uniform = elt;
    for (int i = 0; i < n->nin; i++) {
        if (!constant(ins[i])) return NULL;
        all_uniform &= uniform(ins[i]);
    }
    if (k == IR_K_CONST || k == IR_K_CREATE || k == IR_K_ARG || k == IR_K_CALL) return NULL;
    /* elementwise on uniform operands: evaluate one element */
    ir_node one = *n, *sp[3];
    if (all_uniform) one.rank = 0, one.in = sp;
    else if (ir_nelem(n) > FOLD_MAX) return NULL;
    for (int i = 0; !all_uniform && i < n->nin; i++) /* a small result of a huge operand (a sum) stays too */
        if (ir_nelem(ins[i]) > FOLD_MAX) return NULL;
    bj_array *in[4] = {0}, *out = NULL;
    ir_node scal[3];
    bool ok = n->nin <= 4;
    for (int i = 0; ok && i < n->nin; i++) {
        const ir_node *c = ins[i];
        if (all_uniform && i < 3) scal[i] = *c, scal[i].rank = 0, c = sp[i] = &scal[i];
        ok = (in[i] = value_of(c)) != NULL;
    }
    ok = ok && interp_eval(&one, in, &out) == BJ_OK;
    for (int i = 0; i < n->nin && i < 4; i++) bj_array_release(in[i]);
    ir_node *r = NULL;
    if (ok && all_uniform && n->rank > 0) {
        double v = core_load_f64(out->dtype, out->data, 0);
        /* a full holds a double: only values that survive the round trip fold at any size (int64 within 2^53) */
        int64_t iv = ir_is_float(out->dtype) ? 0 : interp_get_i(out, 0);
        if (ir_is_float(out->dtype) || (iv >= -((int64_t)1 << 53) && iv <= (int64_t)1 << 53))
            r = ir_full(w->t, "fold", (bj_dtype)n->dtype, n->rank, n->shape, v);
        else if (ir_nelem(n) <= FOLD_MAX) {
            bj_array *big = core_array_alloc(out->dtype, n->rank, n->shape, "fold");
            size_t es = bj_dtype_size(out->dtype);
            for (int64_t e = 0; big && e < big->size; e++) memcpy((char *)big->data + e * es, out->data, es);
            r = big ? node_of(w, n, big) : NULL;
            bj_array_release(big);
        }
    } else if (ok) {
        r = node_of(w, n, out);
    }
    bj_array_release(out);
    bj_clear_error(); /* a fold that could not be done is not an error: the node stays */
    return r;
}

/* ---------------------------------------------------------------- algebraic rules */
static bool identity_perm(const ir_node *n) {
    for (int i = 0; i < n->nattr; i++)
        if (n->attr[i] != i) return false;
    return true;
}

/* sum/mean(astype(b: bool, float)) -> astype(sum(astype(b, int32)), float) [/ count], when exact (see above). */
static ir_node *count_bools(rw *w, ir_node *n) {
    ir_node *c = n->in[0];
    if ((n->op != IR_SUM && n->op != IR_MEAN) || c->op != IR_CAST || c->in[0]->dtype != BJ_BOOL ||
        !ir_is_float((bj_dtype)n->dtype))
        return n;
    int axes[BJ_MAX_RANK], na = n->nattr - 1;
    int64_t count = 1;
    for (int i = 0; i < na; i++) axes[i] = (int)n->attr[i + 1], count *= c->shape[axes[i]];
    if (na == 0 || count > (n->dtype == BJ_F32 ? (int64_t)1 << 24 : INT32_MAX)) return n;
    ir_node *s = ir_reduce(w->t, IR_SUM, ir_cast(w->t, c->in[0], BJ_I32), na, axes, n->attr[0] != 0);
    ir_node *r = s ? ir_cast(w->t, s, (bj_dtype)n->dtype) : NULL;
    if (r && n->op == IR_MEAN) {
        double q = n->dtype == BJ_F32 ? (double)(float)count : (double)count;
        r = ir_binary(w->t, IR_DIV, r, ir_lit(w->t, (bj_dtype)n->dtype, false, q, 0));
    }
    return r && same_type(r, n) ? r : n;
}

static ir_node *simplify(rw *w, ir_node *n) {
    ir_node *a = n->nin > 0 ? n->in[0] : NULL, *b = n->nin > 1 ? n->in[1] : NULL;
    bool fl = ir_is_float((bj_dtype)n->dtype);
    switch ((ir_op)n->op) {
    case IR_CAST: case IR_RESHAPE: case IR_BROADCAST_TO: case IR_STOP_GRADIENT: return same_type(a, n) ? a : n;
    case IR_TRANSPOSE: return identity_perm(n) ? a : n;
    case IR_NEG: case IR_BITWISE_NOT: case IR_LOGICAL_NOT: return a->op == n->op && same_type(a->in[0], n) ? a->in[0] : n;
    case IR_MUL:
        if (is_value(b, 1) && same_type(a, n)) return a;
        if (is_value(a, 1) && same_type(b, n)) return b;
        return n;
    case IR_DIV: return is_value(b, 1) && same_type(a, n) ? a : n;
    case IR_ADD:
        if (same_type(a, n) && (fl ? is_value(b, -0.0) : is_value(b, 0))) return a;
        if (same_type(b, n) && (fl ? is_value(a, -0.0) : is_value(a, 0))) return b;
        return n;
    case IR_SUB: return is_value(b, 0) && same_type(a, n) ? a : n;
    case IR_MAXIMUM: case IR_MINIMUM: case IR_LOGICAL_AND: case IR_LOGICAL_OR: case IR_BITWISE_AND:
    case IR_BITWISE_OR:
        return a == b && same_type(a, n) ? a : n;
    case IR_WHERE: {
        ir_node *c = n->in[2];
        if (b == c && same_type(b, n)) return b;
        if (uniform(a)) {
            ir_node *pick = uniform_value(a) != 0 ? b : c;
            if (same_type(pick, n)) return pick;
        }
        return n;
    }
    case IR_SUM: case IR_MEAN: return w->flags & OPT_RW_NO_COUNT ? n : count_bools(w, n);
    default: return n;
    }
}

/* Reshape of a reshape reads the original in the same C order. */
static ir_node *pre_rules(rw *w, const ir_node *n, ir_node *const *ins) {
    if (n->op == IR_RESHAPE && ins[0]->op == IR_RESHAPE) return ir_reshape(w->t, ins[0]->in[0], n->rank, n->shape);
    return NULL;
}

/* ---------------------------------------------------------------- the copy */
static ir_node *visit(rw *w, const ir_node *n);

/* The copy context of old region r (NULL for the top level, which has generation 0 and target NULL). */
static const rctx *ctx_of(const rw *w, const ir_region *r) {
    for (int i = w->nctx - 1; r && i >= 0; i--)
        if (w->ctx[i].old == r) return &w->ctx[i];
    return NULL;
}

/* Opens the copy of region old into target, with generation gen (0: a new one). */
static bool push_ctx(rw *w, const ir_region *old, ir_region *target, int gen) {
    if (w->nctx == RW_MAX_NEST)
        return ir_fail(w->t, BJ_ERR_UNSUPPORTED, "calls and loops nested deeper than %d", RW_MAX_NEST), false;
    w->ctx[w->nctx++] = (rctx){.old = old, .gen = gen ? gen : ++w->next_gen, .target = target};
    return true;
}

/* The generation of the inlined call of body r on ins in home: the same as an earlier identical call's, else new. */
static int call_gen(rw *w, const ir_region *r, ir_node *const *ins, ir_region *home) {
    for (int i = 0; i < w->ninlined; i++) {
        const rcall *c = &w->inlined[i];
        if (c->body == r && c->home == home && c->nin == r->nparams &&
            (!c->nin || !memcmp(c->ins, ins, sizeof *ins * (size_t)c->nin)))
            return c->gen;
    }
    if (w->ninlined == w->capinlined) {
        int nc = w->capinlined ? w->capinlined * 2 : 8;
        rcall *ni = realloc(w->inlined, sizeof *ni * (size_t)nc);
        if (!ni) return 0;
        w->inlined = ni, w->capinlined = nc;
    }
    ir_node **cp = malloc(sizeof *cp * ((size_t)r->nparams + 1));
    if (!cp) return 0;
    if (r->nparams) memcpy(cp, ins, sizeof *ins * (size_t)r->nparams);
    w->inlined[w->ninlined++] = (rcall){.body = r, .home = home, .ins = cp, .nin = r->nparams, .gen = ++w->next_gen};
    return w->next_gen;
}

/* Inlines region r (a call's body, or the branch a constant predicate takes): binds its parameters to the (new)
 * operands and copies what its result `which` needs into home, the region the call or cond was in. */
static ir_node *inline_region(rw *w, const ir_region *r, ir_node *const *ins, int which, ir_region *home) {
    if (++w->calls > 64) return ir_fail(w->t, BJ_ERR_UNSUPPORTED, "calls nested deeper than 64");
    int g = call_gen(w, r, ins, home);
    if (!g) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting");
    if (!push_ctx(w, r, home, g)) return NULL;
    int gen = w->ctx[w->nctx - 1].gen;
    for (int i = 0; i < r->nparams; i++) w->map[r->params[i]->id] = ins[i], w->gen[r->params[i]->id] = gen;
    ir_node *res = visit(w, r->results[which]);
    w->nctx--;
    w->calls--;
    return res;
}

/* ---- loop bodies (for, and a while's condition and body) and cond branches: copied (not inlined) into regions of
 * their own, loop-invariant values hoisted out (but never out of a cond branch: see barrier below)
 * Values that depend on no parameter of the body (weights computed from captured arguments, say) would be computed
 * at every step; since every op is a pure function of its operands, computing them once before the loop gives the
 * same bits. A node is placed in the innermost region its operands come from. Views and leaves (literal, full,
 * iota) cost nothing where they are read, so they stay where they were made and follow a hoisted reader outward
 * (re-made in its region); constants live at the top level. */
static bool is_free(const ir_node *n) {
    return n->op == IR_LIT || n->op == IR_FULL || n->op == IR_IOTA || opt_is_view(n);
}

static int rdepth(const ir_region *r) { return r ? r->depth : 0; }

/* The innermost region that x's value needs: its own, or for a free node that of its operand (NULL: none). Free
 * nodes have at most one operand (views; leaves have none), so this follows a chain. */
static const ir_region *anchor(const ir_node *x, int *depth) {
    while (is_free(x) && x->nin == 1) x = x->in[0];
    if (is_free(x)) return *depth = 0, NULL;
    return *depth = rdepth(x->region), x->region;
}

/* Whether x must be re-made to be read in region `to`, an ancestor of its own: a free node or a constant made
 * deeper. */
static bool must_move(const ir_node *x, const ir_region *to) {
    return x->region != to && (is_free(x) || x->op == IR_CONST) && rdepth(x->region) > rdepth(to);
}

/* x (a free node or a constant) re-made in region `to`, an ancestor of its own, with the chain of operands that
 * must move too (free nodes have at most one operand) re-made from the bottom up, without recursion. */
static ir_node *relocate(rw *w, ir_node *x, ir_region *to) {
    int n = 0;
    ir_node *y = x;
    for (; y && must_move(y, to); y = y->nin ? y->in[0] : NULL) n++;
    if (!n) return x;
    ir_node *small[16], **chain = n <= 16 ? small : malloc(sizeof *chain * (size_t)n);
    if (!chain) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting");
    y = x;
    for (int k = 0; k < n; k++, y = y->nin ? y->in[0] : NULL) chain[k] = y;
    ir_node *r = y; /* the operand that stays (NULL under a leaf) */
    ir_region *saved = w->t->cur;
    w->t->cur = to;
    for (int k = n - 1; k >= 0 && (k == n - 1 || r); k--) {
        const ir_node *c = chain[k];
        r = ir_intern(w->t, &(ir_proto){.op = (ir_op)c->op, .dtype = (bj_dtype)c->dtype, .rank = c->rank,
                                        .shape = c->shape, .weak = c->weak, .nin = c->nin, .in = &r,
                                        .nattr = c->nattr, .attr = c->attr, .fval = c->fval, .ival = c->ival,
                                        .data = c->data, .nbytes = c->nbytes});
    }
    w->t->cur = saved;
    if (chain != small) free(chain);
    return r;
}

/* The first copy of a cond branch on the way out from region home to its ancestor `to`, else `to`. A branch runs
 * only when its predicate picks it, so what it computes stays inside it: hoisting it out would pay for the branch
 * not taken (and a cond exists to avoid that work). */
static const ir_region *barrier(const rw *w, const ir_region *home, const ir_region *to) {
    for (const ir_region *q = home; q && q != to; q = q->parent)
        for (int i = 0; i < w->nbranches; i++)
            if (w->branches[i] == q) return q;
    return to;
}

/* Where node n (new operands pins), made in region home, goes: home, or an enclosing region when its operands all
 * come from there (free operands are re-made there), but never out of a cond branch. */
static ir_region *hoist(rw *w, const ir_node *n, ir_node **pins, ir_region *home) {
    if (!home || is_free(n) || n->nin == 0 || n->nin > 8 || (w->flags & OPT_RW_INLINE_ONLY)) return home;
    const ir_region *to = NULL;
    int td = 0;
    for (int i = 0; i < n->nin; i++) {
        int d;
        const ir_region *a = anchor(pins[i], &d);
        if (d > td) to = a, td = d;
    }
    to = barrier(w, home, to);
    if (to == home) return home;
    for (int i = 0; i < n->nin; i++)
        if (!(pins[i] = relocate(w, pins[i], (ir_region *)to))) return NULL;
    return (ir_region *)to;
}

/* The copy of loop body r made for generation gen and operands ins, or NULL. */
static ir_region *body_copy(const rw *w, const ir_region *r, int gen, ir_node *const *ins, int nin) {
    for (int i = 0; i < w->nbodies; i++) {
        const rbody *c = &w->bodies[i];
        if (c->old == r && c->gen == gen && c->nin == nin && (!nin || !memcmp(c->ins, ins, sizeof *ins * (size_t)nin)))
            return c->copy;
    }
    return NULL;
}

/* How a region's parameters relate to the operands of the node holding it (copy_body). */
typedef enum {
    RB_FOR,    /* params [step, carry_0 ..]: carry k passes through when the body yields param k + 1 as result k */
    RB_WHILE,  /* params [carry_0 ..] of a while's condition or body: carry k passes through when the body (the
                * `through` region) yields its param k as result k */
    RB_BRANCH  /* params [op_0 ..] of a cond branch: each is its operand (a branch runs once) */
} rb_mode;

/* Copies region r of a loop or cond (operands ins: the new initial carries, or a cond's operands) into a new region
 * opened in home; its nodes are copied once per loop or cond (the nodes of one share the copy). A carry the body
 * passes through unchanged (its new value is its parameter: a Variable the jit carries but the body only reads)
 * is its initial value at every step, so the region reads that value instead (a capture; hoisting may then move
 * what depends on it out of the loop), the body yields it as the new carry, and the carry becomes unneeded. A cond
 * branch's parameters are its operands, read directly the same way. */
static ir_region *copy_body(rw *w, const ir_region *r, int gen, ir_node *const *ins, int nin, ir_region *home,
                            rb_mode mode, const ir_region *through) {
    ir_region *b = body_copy(w, r, gen, ins, nin);
    if (b) return b;
    if (mode == RB_BRANCH && w->nbranches == w->capbranches) {
        int nc = w->capbranches ? w->capbranches * 2 : 8;
        ir_region **nb = realloc(w->branches, sizeof *nb * (size_t)nc);
        if (!nb) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting"), NULL;
        w->branches = nb, w->capbranches = nc;
    }
    ir_node **res = malloc(sizeof *res * ((size_t)r->nresults + 1));
    if (!res) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting"), NULL;
    w->t->cur = home;
    b = ir_region_begin(w->t);
    if (b && mode == RB_BRANCH) w->branches[w->nbranches++] = b;
    bool ok = b && push_ctx(w, r, b, 0);
    if (ok) {
        int g = w->ctx[w->nctx - 1].gen, first = mode == RB_FOR;
        bool simplify_ok = !(w->flags & OPT_RW_INLINE_ONLY);
        for (int i = 0; ok && i < r->nparams; i++) {
            const ir_node *p = r->params[i];
            ok = (w->map[p->id] = ir_region_param(w->t, (bj_dtype)p->dtype, p->rank, p->shape)) != NULL;
            w->gen[p->id] = g;
            int k = i - first; /* the carry or operand of this parameter */
            bool same = false;
            if (mode == RB_BRANCH) same = k < nin;
            else if (k >= 0 && k < nin && through && k < through->nresults && k + first < through->nparams)
                same = through->results[k] == through->params[k + first];
            if (ok && same && simplify_ok) w->map[p->id] = ins[k]; /* passed through unchanged: its initial value */
        }
        for (int i = 0; ok && i < r->nresults; i++) ok = (res[i] = visit(w, r->results[i])) != NULL;
        w->nctx--;
    }
    if (b) {
        w->t->cur = b;
        ok = !ir_region_end(w->t, res, ok ? r->nresults : 0) && ok;
    }
    free(res);
    if (!ok) return NULL;
    if (w->nbodies == w->capbodies) { /* here, not before: the bodies copied inside this one were added meanwhile */
        int nc = w->capbodies ? w->capbodies * 2 : 8;
        rbody *nb = realloc(w->bodies, sizeof *nb * (size_t)nc);
        if (!nb) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting"), NULL;
        w->bodies = nb, w->capbodies = nc;
    }
    ir_node **cp = malloc(sizeof *cp * ((size_t)nin + 1));
    if (!cp) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting"), NULL;
    if (nin) memcpy(cp, ins, sizeof *ins * (size_t)nin);
    w->bodies[w->nbodies++] = (rbody){.old = r, .gen = gen, .ins = cp, .nin = nin, .copy = b};
    return b;
}

/* A FOR node: the body copied (once per loop), the node re-made on it; a loop of no steps is its init (final
 * carries) and empty stacks, and a carry the body passes through unchanged (or sets to its init) is its init. */
static ir_node *copy_loop(rw *w, const ir_node *n, ir_node *const *ins, int gen, ir_region *home) {
    ir_region *b = copy_body(w, n->body, gen, ins, n->nin, home, RB_FOR, n->body);
    if (!b) return NULL;
    w->t->cur = home;
    int64_t which = n->attr[IR_FOR_WHICH], steps = n->attr[IR_FOR_N];
    if (!(w->flags & OPT_RW_INLINE_ONLY) && which < n->nin &&
        (steps == 0 || b->results[which] == b->params[which + 1] || b->results[which] == ins[which]))
        return ins[which];
    if (!(w->flags & OPT_RW_INLINE_ONLY) && steps == 0)
        return ir_full(w->t, "for", (bj_dtype)n->dtype, n->rank, n->shape, 0);
    return ir_for(w->t, steps, n->attr[IR_FOR_EVERY], b, ins, n->nin, (int)which);
}

/* A WHILE node: the condition and the body copied (once per loop), the node re-made on them. A carry the body
 * passes through unchanged (or sets to its init) is its init, and so is every carry of a loop whose condition is
 * the constant false. A constant true condition stays (the program loops forever; that is its business). */
static ir_node *copy_while(rw *w, const ir_node *n, ir_node *const *ins, int gen, ir_region *home) {
    ir_region *c = copy_body(w, n->body2, gen, ins, n->nin, home, RB_WHILE, n->body);
    ir_region *b = c ? copy_body(w, n->body, gen, ins, n->nin, home, RB_WHILE, n->body) : NULL;
    if (!b) return NULL;
    w->t->cur = home;
    int which = (int)n->attr[IR_FOR_WHICH];
    const ir_node *pr = c->results[0];
    if (!(w->flags & OPT_RW_INLINE_ONLY) && which < n->nin &&
        ((uniform(pr) && uniform_value(pr) == 0) || n->body->results[which] == n->body->params[which] ||
         b->results[which] == ins[which]))
        return ins[which];
    return ir_while(w->t, c, b, ins, n->nin, which);
}

/* A COND node. A constant predicate inlines the branch it picks (the other one is never copied); so does a cond
 * whose branches are one region. Otherwise both branches are copied (once per cond), their parameters read as
 * their operands; a result both branches give as the same outer value is that value. */
static ir_node *copy_cond(rw *w, const ir_node *n, ir_node *const *ins, int gen, ir_region *home) {
    ir_node *pred = ins[0];
    int nops = n->nin - 1, which = (int)n->attr[IR_FOR_WHICH];
    bool simplify_ok = !(w->flags & OPT_RW_INLINE_ONLY);
    if (simplify_ok && (uniform(pred) || n->body == n->body2)) {
        ir_region *saved = w->t->cur;
        ir_node *r = inline_region(w, uniform(pred) && uniform_value(pred) == 0 ? n->body2 : n->body, ins + 1, which,
                                   home);
        w->t->cur = saved;
        return r;
    }
    ir_region *a = copy_body(w, n->body, gen, ins + 1, nops, home, RB_BRANCH, NULL);
    ir_region *b = a ? copy_body(w, n->body2, gen, ins + 1, nops, home, RB_BRANCH, NULL) : NULL;
    if (!b) return NULL;
    w->t->cur = home;
    if (simplify_ok && a->results[which] == b->results[which]) return a->results[which];
    return ir_cond(w->t, pred, a, b, ins + 1, nops, which);
}

/* The copy of n's region being made, if any: *gen its generation (0: the top level), *home where its nodes go. */
static bool place_of(const rw *w, const ir_node *n, int *gen, ir_region **home) {
    const rctx *cx = ctx_of(w, n->region);
    *gen = cx ? cx->gen : 0, *home = cx ? cx->target : NULL;
    return !n->region || cx;
}

/* The new node for n if made in the current copy of its region, else NULL. */
static ir_node *mapped(const rw *w, const ir_node *n) {
    int gen;
    ir_region *home;
    return place_of(w, n, &gen, &home) && w->map[n->id] && w->gen[n->id] == gen ? w->map[n->id] : NULL;
}

static bool rw_done(void *ud, const ir_node *n) { return mapped(ud, n) != NULL; }

/* Makes the new node for n, whose operands are made (visit). */
static bool rw_make(void *ud, const ir_node *n) {
    rw *w = ud;
    int gen;
    ir_region *home;
    if (!place_of(w, n, &gen, &home))
        return ir_fail(w->t, BJ_ERR_INTERNAL, "rewrite: %%%d is used outside the region that made it", n->id), false;
    if (n->op == IR_ARG) return ir_fail(w->t, BJ_ERR_INTERNAL, "rewrite: parameter %%%d is not bound", n->id), false;
    ir_node *ins[8], **pins = n->nin <= 8 ? ins : malloc(sizeof *pins * (size_t)n->nin), *r = NULL;
    if (!pins) return ir_fail(w->t, BJ_ERR_NOMEM, "out of memory rewriting"), false;
    bool ok = true;
    for (int i = 0; ok && i < n->nin; i++)
        if (!(pins[i] = mapped(w, n->in[i])))
            ok = false, ir_fail(w->t, BJ_ERR_INTERNAL, "rewrite: operand %d of %%%d is not made", i, n->id);
    ir_region *saved = w->t->cur;
    if (ok) {
        ir_region *place = ir_ops[n->op].kind == IR_K_CALL ? home : hoist(w, n, pins, home);
        w->t->cur = place;
        if (w->t->status) r = NULL; /* hoisting failed (error recorded) */
        else if (n->op == IR_CALL) r = inline_region(w, n->body, pins, (int)n->attr[0], home);
        else if (n->op == IR_FOR) r = copy_loop(w, n, pins, gen, home);
        else if (n->op == IR_WHILE) r = copy_while(w, n, pins, gen, home);
        else if (n->op == IR_COND) r = copy_cond(w, n, pins, gen, home);
        else if (w->flags & OPT_RW_INLINE_ONLY) r = copy(w, n, pins);
        else if (!(r = pre_rules(w, n, pins)) && !(r = fold(w, n, pins)) && !w->t->status && (r = copy(w, n, pins)))
            r = simplify(w, r);
        if (r && r->op == IR_CONST && r->region) r = relocate(w, r, NULL); /* constants live at the top level */
    }
    w->t->cur = saved;
    if (pins != ins) free(pins);
    if (r) w->map[n->id] = r, w->gen[n->id] = gen;
    return r != NULL;
}

/* The new node for old node n. Top-level nodes are visited in order, so their operands are mapped already; body
 * nodes are reached from a call's result or a loop's results and copied operands first, without recursion
 * (ir_postorder; regions copied on the way recurse once per nesting level: call bodies are re-copied for each call,
 * since their nodes depend on the call's operands, and hash-consing merges identical copies). Memo entries carry
 * the generation of the copy of their region, so a body's nodes are copied once per call however many paths reach
 * them, and a value captured from an enclosing region is found (or made) in that region's copy. */
static ir_node *visit(rw *w, const ir_node *n) {
    if (++w->depth > 2000) return ir_fail(w->t, BJ_ERR_UNSUPPORTED, "a call body is nested too deeply");
    ir_node *r = ir_postorder(w->t, n, rw_done, rw_make, w) ? mapped(w, n) : NULL;
    w->depth--;
    return r;
}

ir_graph *opt_rewrite(const ir_graph *g) { return opt_rewrite_ex(g, 0); }

ir_graph *opt_rewrite_ex(const ir_graph *g, int flags) {
    rw w = {.t = ir_trace_create(g->tr->name ? g->tr->name : "graph"), .flags = flags};
    w.map = calloc((size_t)g->tr->next_id + 1, sizeof *w.map);
    w.gen = calloc((size_t)g->tr->next_id + 1, sizeof *w.gen);
    if (!w.t || !w.map || !w.gen) {
        if (w.t) ir_trace_destroy(w.t);
        free(w.map);
        free(w.gen);
        core_err(BJ_ERR_NOMEM, "bj_compile: out of memory rewriting the graph");
        return NULL;
    }
    for (int i = 0; i < g->nin; i++) {
        const ir_node *a = g->inputs[i];
        w.map[a->id] = ir_arg(w.t, a->name, (bj_dtype)a->dtype, a->rank, a->shape);
    }
    for (int i = 0; i < g->nnodes && !w.t->status; i++) visit(&w, g->nodes[i]);
    ir_node **outs = calloc((size_t)g->nout + 1, sizeof *outs);
    for (int i = 0; outs && i < g->nout && !w.t->status; i++) outs[i] = visit(&w, g->outputs[i]);
    ir_graph *r = NULL;
    if (!outs) core_err(BJ_ERR_NOMEM, "bj_compile: out of memory rewriting the graph");
    else if (w.t->status) core_err(w.t->status, "bj_compile: rewriting the graph: %s", w.t->error ? w.t->error : "");
    else r = ir_graph_from_trace(w.t, outs, g->nout);
    free(outs);
    free(w.map);
    free(w.gen);
    for (int i = 0; i < w.nbodies; i++) free(w.bodies[i].ins);
    free(w.bodies);
    for (int i = 0; i < w.ninlined; i++) free(w.inlined[i].ins);
    free(w.inlined);
    free(w.branches);
    if (!r) ir_trace_destroy(w.t);
    return r;
}

void opt_graph_free(ir_graph *g) {
    if (!g) return;
    ir_trace_destroy(g->tr);
    free(g);
}
