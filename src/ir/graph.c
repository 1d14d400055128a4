/* graph.c — building the IR: the op table, interning (hash-consing) nodes, regions, and finishing a graph.
 *
 * Design: every node is interned in a per-trace hash table keyed by everything that defines it (op, dtype, shape,
 * weak flag, operands, attributes, literal value, constant bytes, region). Building an identical node twice
 * returns the first one, so common subexpressions are shared as the trace is built and node identity is
 * structural. Node ids are creation order; operands always exist before their users, so sorting by id is a
 * topological order. Nested regions (bodies of calls and loops, while conditions, cond branches) are built while
 * "open": nodes built meanwhile belong to them, may use values of enclosing regions (interning checks that every
 * operand is visible: of the open region or one around it), and are never shared with other regions. */
#include "ir/build.h"
#include "ir/ir.h"

#include <stdio.h>
#include <string.h>

const ir_opinfo ir_ops[IR_NUM_OPS] = {
#define OP(e, nm, kind, arity, flags) [IR_##e] = {nm, kind, arity, flags},
#include "ir/ops.def"
#undef OP
};
_Static_assert(sizeof ir_ops / sizeof ir_ops[0] == IR_NUM_OPS, "ops.def and the op table disagree");

int ir_op_lookup(const char *name) {
    if (!name) return -1;
    for (int i = 0; i < IR_NUM_OPS; i++)
        if (!strcmp(ir_ops[i].name, name)) return i;
    return -1;
}
int bj_op_count(void) { return IR_NUM_OPS; }
const char *bj_op_name(int code) { return code >= 0 && code < IR_NUM_OPS ? ir_ops[code].name : NULL; }

ir_trace *ir_trace_create(const char *name) {
    ir_trace *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->magic = IR_NODE_MAGIC ^ 1;
    t->name = core_arena_strdup(&t->arena, name ? name : "f");
    t->tcap = 256;
    t->table = calloc(t->tcap, sizeof *t->table);
    if (!t->name || !t->table) {
        ir_trace_destroy(t);
        return NULL;
    }
    return t;
}

void ir_trace_destroy(ir_trace *t) {
    if (!t) return;
    core_arena_free(&t->arena);
    free(t->table);
    free(t->error);
    free(t->args);
    free(t);
}

_Static_assert(sizeof(ir_node) % 8 == 0 && sizeof(ir_node) <= 4096, "nodes are checkable objects (core_arena_obj)");

ir_node *ir_node_live(const void *p) {
    const ir_trace *owner = core_obj_owner(p, sizeof(ir_node));
    ir_node *n = (ir_node *)p;
    return owner && n->magic == IR_NODE_MAGIC && n->trace == owner ? n : NULL;
}

const char *ir_node_why(const void *p) {
    if (p && core_obj_freed(p))
        return "belongs to a freed trace (the trace was freed or failed, or the graph it was finished into was "
               "released): a value lives as long as its trace or graph";
    return "is not a traced value";
}

ir_node *ir_fail(ir_trace *t, bj_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    core_verr(s, fmt, ap);
    va_end(ap);
    if (t && t->status == BJ_OK) {
        t->status = s;
        size_t n = strlen(bj_last_error()) + 1;
        t->error = malloc(n);
        if (t->error) memcpy(t->error, bj_last_error(), n);
    }
    return NULL;
}

static uint64_t proto_hash(const ir_trace *t, const ir_proto *p) {
    uint64_t h = core_hash_mix((uint64_t)p->op, (uint64_t)p->dtype | (uint64_t)p->rank << 8 | (uint64_t)p->weak << 16);
    h = core_hash_mix(h, (uint64_t)(uintptr_t)t->cur);
    h = core_hash_bytes(p->shape, sizeof(int64_t) * (size_t)p->rank, h);
    for (int i = 0; i < p->nin; i++) h = core_hash_mix(h, (uint64_t)(uintptr_t)p->in[i]);
    h = core_hash_bytes(p->attr, sizeof(int64_t) * (size_t)p->nattr, h);
    uint64_t fbits;
    memcpy(&fbits, &p->fval, 8);
    h = core_hash_mix(h, fbits ^ (uint64_t)p->ival);
    if (p->nbytes) h = core_hash_bytes(p->data, p->nbytes, h);
    h = core_hash_mix(h, (uint64_t)(uintptr_t)p->body);
    return core_hash_mix(h, (uint64_t)(uintptr_t)p->body2);
}

static bool same(const ir_trace *t, const ir_node *n, const ir_proto *p) {
    if (n->op != p->op || n->dtype != p->dtype || n->rank != p->rank || n->weak != p->weak || n->region != t->cur ||
        n->nin != p->nin || n->nattr != p->nattr || n->ival != p->ival || n->nbytes != p->nbytes || n->body != p->body ||
        n->body2 != p->body2)
        return false;
    if (memcmp(&n->fval, &p->fval, sizeof(double))) return false; /* bitwise: -0.0 and NaN payloads are distinct */
    if (p->rank && memcmp(n->shape, p->shape, sizeof(int64_t) * (size_t)p->rank)) return false;
    for (int i = 0; i < p->nin; i++)
        if (n->in[i] != p->in[i]) return false;
    if (p->nattr && memcmp(n->attr, p->attr, sizeof(int64_t) * (size_t)p->nattr)) return false;
    return !p->nbytes || !memcmp(n->data, p->data, p->nbytes);
}

static bool table_grow(ir_trace *t) {
    size_t ncap = t->tcap * 2;
    ir_node **nt = calloc(ncap, sizeof *nt);
    if (!nt) return false;
    for (size_t i = 0; i < t->tcap; i++)
        for (ir_node *n = t->table[i], *next; n; n = next) {
            next = n->hnext;
            n->hnext = nt[n->hash & (ncap - 1)];
            nt[n->hash & (ncap - 1)] = n;
        }
    free(t->table);
    t->table = nt, t->tcap = ncap;
    return true;
}

ir_node *ir_intern(ir_trace *t, const ir_proto *p) {
    if (t->status) return NULL;
    for (int i = 0; i < p->nin; i++) { /* an operand must be visible here: of this region or one around it */
        const ir_region *q = t->cur, *r = p->in[i]->region;
        while (q && q != r) q = q->parent;
        if (q != r)
            return ir_fail(t, BJ_ERR_TRACE, "%s: operand %d was computed inside a loop body or cond branch that is "
                           "closed; use the loop's or cond's results outside it", ir_ops[p->op].name, i);
    }
    uint64_t h = proto_hash(t, p);
    if (p->op != IR_ARG) /* arguments are distinct even when alike */
        for (ir_node *n = t->table[h & (t->tcap - 1)]; n; n = n->hnext)
            if (n->hash == h && same(t, n, p)) return n;
    if (t->tcount + 1 > t->tcap && !table_grow(t)) return ir_fail(t, BJ_ERR_NOMEM, "out of memory building the IR");
    ir_node *n = core_arena_obj(&t->arena, sizeof *n, t);
    ir_node **in = p->nin ? core_arena_dup(&t->arena, p->in, sizeof *in * (size_t)p->nin) : NULL;
    int64_t *attr = p->nattr ? core_arena_dup(&t->arena, p->attr, sizeof *attr * (size_t)p->nattr) : NULL;
    void *data = p->nbytes ? core_arena_dup(&t->arena, p->data, p->nbytes) : NULL;
    if (!n || (p->nin && !in) || (p->nattr && !attr) || (p->nbytes && !data))
        return ir_fail(t, BJ_ERR_NOMEM, "out of memory building the IR");
    n->magic = IR_NODE_MAGIC;
    n->op = (uint16_t)p->op, n->dtype = (uint8_t)p->dtype, n->rank = (uint8_t)p->rank, n->weak = p->weak;
    n->id = t->next_id++;
    n->trace = t, n->region = t->cur;
    if (p->rank) memcpy(n->shape, p->shape, sizeof(int64_t) * (size_t)p->rank);
    n->nin = p->nin, n->in = in, n->nattr = p->nattr, n->attr = attr;
    n->fval = p->fval, n->ival = p->ival, n->data = data, n->nbytes = p->nbytes, n->body = p->body;
    n->body2 = p->body2;
    n->hash = h;
    n->hnext = t->table[h & (t->tcap - 1)];
    t->table[h & (t->tcap - 1)] = n;
    t->tcount++;
    return n;
}

ir_region *ir_region_begin(ir_trace *t) {
    if (t->status) return NULL;
    int depth = t->cur ? t->cur->depth + 1 : 1;
    if (depth > IR_MAX_NEST)
        return ir_fail(t, BJ_ERR_UNSUPPORTED, "regions nested deeper than %d (loop bodies, cond branches and calls "
                       "inside each other)", IR_MAX_NEST), NULL;
    ir_region *r = core_arena_alloc(&t->arena, sizeof *r);
    if (!r) return ir_fail(t, BJ_ERR_NOMEM, "out of memory opening a region"), NULL;
    r->parent = t->cur, r->depth = depth;
    t->cur = r;
    return r;
}

ir_node *ir_region_param(ir_trace *t, bj_dtype d, int rank, const int64_t *shape) {
    ir_region *r = t->cur;
    if (!r) return ir_fail(t, BJ_ERR_INTERNAL, "region parameter outside a region");
    int64_t idx = r->nparams;
    ir_node *n = ir_intern(t, &(ir_proto){.op = IR_ARG, .dtype = d, .rank = rank, .shape = shape, .nattr = 1,
                                          .attr = &idx});
    if (!n) return NULL;
    ir_node **np = core_arena_alloc(&t->arena, sizeof *np * (size_t)(r->nparams + 1));
    if (!np) return ir_fail(t, BJ_ERR_NOMEM, "out of memory adding a region parameter");
    if (r->nparams) memcpy(np, r->params, sizeof *np * (size_t)r->nparams);
    np[r->nparams++] = n;
    r->params = np;
    return n;
}

bj_status ir_region_end(ir_trace *t, ir_node *const *results, int nresults) {
    ir_region *r = t->cur;
    if (!r) return ir_fail(t, BJ_ERR_INTERNAL, "closing a region that is not open"), BJ_ERR_INTERNAL;
    t->cur = r->parent;
    if (t->status) return t->status;
    r->results = core_arena_dup(&t->arena, results, sizeof *results * (size_t)nresults);
    if (!r->results) return ir_fail(t, BJ_ERR_NOMEM, "out of memory closing a region"), BJ_ERR_NOMEM;
    r->nresults = nresults;
    return BJ_OK;
}

ir_node *ir_call(ir_trace *t, ir_region *r, ir_node *const *ins, int which) {
    if (which < 0 || which >= r->nresults)
        return ir_fail(t, BJ_ERR_INTERNAL, "call: result %d of a region with %d results", which, r->nresults);
    for (int i = 0; i < r->nparams; i++)
        if (ins[i]->dtype != r->params[i]->dtype || ins[i]->rank != r->params[i]->rank ||
            memcmp(ins[i]->shape, r->params[i]->shape, sizeof ins[i]->shape)) {
            char a[96], b[96];
            core_fmt_type(a, sizeof a, ins[i]->dtype, ins[i]->rank, ins[i]->shape);
            core_fmt_type(b, sizeof b, r->params[i]->dtype, r->params[i]->rank, r->params[i]->shape);
            return ir_fail(t, BJ_ERR_SHAPE, "call: argument %d is %s, the body expects %s", i, a, b);
        }
    const ir_node *res = r->results[which];
    int64_t w = which;
    return ir_intern(t, &(ir_proto){.op = IR_CALL, .dtype = res->dtype, .rank = res->rank, .shape = res->shape,
                                    .weak = res->weak, .nin = r->nparams, .in = ins, .nattr = 1, .attr = &w,
                                    .body = r});
}

static bool same_type(const ir_node *a, const ir_node *b) {
    return a->dtype == b->dtype && a->rank == b->rank &&
           (!a->rank || !memcmp(a->shape, b->shape, sizeof(int64_t) * a->rank));
}

/* Whether region r is open: the current region or one of its ancestors. */
static bool region_open(const ir_trace *t, const ir_region *r) {
    for (const ir_region *q = t->cur; q; q = q->parent)
        if (q == r) return true;
    return false;
}

ir_node *ir_for(ir_trace *t, int64_t n, int64_t every, ir_region *body, ir_node *const *init, int ncarry,
                int which) {
    if (!t || t->status) return NULL;
    char a[96], b[96];
    if (!body) return ir_fail(t, BJ_ERR_ARG, "for: the body region is NULL");
    if (region_open(t, body)) return ir_fail(t, BJ_ERR_ARG, "for: the body region is still open (close it first)");
    if (body->nparams < 1 || !body->params || body->params[0]->trace != t)
        return ir_fail(t, BJ_ERR_ARG, "for: the body has no step parameter (or was built in another trace)");
    if (body->parent != t->cur)
        return ir_fail(t, BJ_ERR_ARG, "for: the body was built in another region than the loop");
    if (n < 0) return ir_fail(t, BJ_ERR_ARG, "for: n = %lld steps; n must be >= 0", (long long)n);
    if (n > INT32_MAX)
        return ir_fail(t, BJ_ERR_ARG, "for: n = %lld steps; at most %d (the step is an int32)", (long long)n, INT32_MAX);
    if (every < 1) return ir_fail(t, BJ_ERR_ARG, "for: every = %lld; must be >= 1", (long long)every);
    if (ncarry < 0 || ncarry + 1 != body->nparams)
        return ir_fail(t, BJ_ERR_ARG, "for: %d carries, but the body has %d parameters (wants the step, then one per "
                       "carry)", ncarry, body->nparams);
    if (body->nresults < ncarry)
        return ir_fail(t, BJ_ERR_ARG, "for: the body returns %d results, fewer than its %d carries", body->nresults,
                       ncarry);
    const ir_node *sp = body->params[0];
    if (sp->dtype != BJ_I32 || sp->rank != 0)
        return ir_fail(t, BJ_ERR_ARG, "for: body parameter 0 (the step) is %s; it must be i32[]",
                       core_fmt_type(a, sizeof a, sp->dtype, sp->rank, sp->shape));
    if (ncarry > 0 && !init) return ir_fail(t, BJ_ERR_ARG, "for: %d carries but init is NULL", ncarry);
    for (int k = 0; k < ncarry; k++) {
        const ir_node *p = body->params[k + 1], *r = body->results[k], *v = init[k];
        if (!ir_node_live(v) || v->trace != t)
            return ir_fail(t, BJ_ERR_ARG, "for: init %d is not a value of this trace", k);
        core_fmt_type(b, sizeof b, p->dtype, p->rank, p->shape);
        if (!same_type(v, p))
            return ir_fail(t, BJ_ERR_SHAPE, "for: carry %d: the init is %s, the body's parameter is %s", k,
                           core_fmt_type(a, sizeof a, v->dtype, v->rank, v->shape), b);
        if (!same_type(r, p))
            return ir_fail(t, BJ_ERR_SHAPE, "for: carry %d: the body returns %s for a carry of type %s", k,
                           core_fmt_type(a, sizeof a, r->dtype, r->rank, r->shape), b);
    }
    if (which < 0 || which >= body->nresults)
        return ir_fail(t, BJ_ERR_ARG, "for: result %d of a body with %d results", which, body->nresults);
    const ir_node *res = body->results[which];
    int rank = res->rank;
    int64_t shape[BJ_MAX_RANK];
    if (which < ncarry) {
        memcpy(shape, res->shape, sizeof shape);
    } else {
        if (res->rank + 1 > BJ_MAX_RANK)
            return ir_fail(t, BJ_ERR_SHAPE, "for: stacking result %d (%s) would exceed rank %d", which,
                           core_fmt_type(a, sizeof a, res->dtype, res->rank, res->shape), BJ_MAX_RANK);
        rank = res->rank + 1;
        shape[0] = n / every;
        for (int k = 0; k < res->rank; k++) shape[k + 1] = res->shape[k];
    }
    int64_t attr[3] = {which, n, every};
    return ir_intern(t, &(ir_proto){.op = IR_FOR, .dtype = res->dtype, .rank = rank, .shape = shape, .nin = ncarry,
                                    .in = init, .nattr = 3, .attr = attr, .body = body});
}

bool ir_same_loop(const ir_node *a, const ir_node *b) {
    if (!ir_is_control(a) || a->op != b->op || a->body != b->body || a->body2 != b->body2 || a->region != b->region ||
        a->nin != b->nin || a->nattr != b->nattr)
        return false;
    if (a->op == IR_FOR && (a->nattr != 3 || a->attr[IR_FOR_N] != b->attr[IR_FOR_N] ||
                            a->attr[IR_FOR_EVERY] != b->attr[IR_FOR_EVERY]))
        return false;
    for (int i = 0; i < a->nin; i++)
        if (a->in[i] != b->in[i]) return false;
    return true;
}

/* Checks a region given to a WHILE or COND builder (what: "while: the condition", ...): closed, built in the
 * current region of this trace, with nparams parameters of the operands' types (op: "carry" or "operand"). */
static bool check_region(ir_trace *t, const char *what, const ir_region *r, ir_node *const *ops, int nops,
                         const char *op) {
    char a[96], b[96];
    if (!r) return ir_fail(t, BJ_ERR_ARG, "%s region is NULL", what), false;
    if (region_open(t, r)) return ir_fail(t, BJ_ERR_ARG, "%s region is still open (close it first)", what), false;
    if (r->parent != t->cur) return ir_fail(t, BJ_ERR_ARG, "%s region was built in another region", what), false;
    for (int i = 0; i < r->nparams; i++)
        if (!r->params[i] || r->params[i]->magic != IR_NODE_MAGIC || r->params[i]->trace != t)
            return ir_fail(t, BJ_ERR_ARG, "%s region was built in another trace", what), false;
    for (int i = 0; i < r->nresults; i++)
        if (!r->results[i] || r->results[i]->magic != IR_NODE_MAGIC || r->results[i]->trace != t)
            return ir_fail(t, BJ_ERR_ARG, "%s region was built in another trace", what), false;
    if (r->nparams != nops)
        return ir_fail(t, BJ_ERR_ARG, "%s region has %d parameters for %d %ss", what, r->nparams, nops, op), false;
    for (int k = 0; k < nops; k++) {
        const ir_node *v = ops[k], *p = r->params[k];
        if (!same_type(v, p))
            return ir_fail(t, BJ_ERR_SHAPE, "%s region's parameter %d is %s, the %s is %s", what, k,
                           core_fmt_type(a, sizeof a, p->dtype, p->rank, p->shape), op,
                           core_fmt_type(b, sizeof b, v->dtype, v->rank, v->shape)), false;
    }
    return true;
}

/* Checks operands of a WHILE or COND builder: values of this trace. */
static bool check_values(ir_trace *t, const char *what, ir_node *const *v, int n) {
    if (n > 0 && !v) return ir_fail(t, BJ_ERR_ARG, "%s: %d operands but the list is NULL", what, n), false;
    for (int k = 0; k < n; k++)
        if (!ir_node_live(v[k]) || v[k]->trace != t)
            return ir_fail(t, BJ_ERR_ARG, "%s: operand %d is not a value of this trace", what, k), false;
    return true;
}

ir_node *ir_while(ir_trace *t, ir_region *cond, ir_region *body, ir_node *const *init, int ncarry, int which) {
    if (!t || t->status) return NULL;
    char a[96], b[96];
    if (ncarry < 1) return ir_fail(t, BJ_ERR_ARG, "while: %d carries; a while loop needs at least one", ncarry);
    if (!check_values(t, "while", init, ncarry) || !check_region(t, "while: the condition", cond, init, ncarry, "carry") ||
        !check_region(t, "while: the body", body, init, ncarry, "carry"))
        return NULL;
    if (cond->nresults != 1)
        return ir_fail(t, BJ_ERR_ARG, "while: the condition returns %d results; it must return one bool[]",
                       cond->nresults);
    const ir_node *pr = cond->results[0];
    if (pr->dtype != BJ_BOOL || pr->rank != 0)
        return ir_fail(t, BJ_ERR_ARG, "while: the condition returns %s; it must return bool[]",
                       core_fmt_type(a, sizeof a, pr->dtype, pr->rank, pr->shape));
    if (body->nresults != ncarry)
        return ir_fail(t, BJ_ERR_ARG, "while: the body returns %d results for %d carries", body->nresults, ncarry);
    for (int k = 0; k < ncarry; k++) {
        const ir_node *r = body->results[k], *v = init[k];
        if (!same_type(r, v))
            return ir_fail(t, BJ_ERR_SHAPE, "while: carry %d: the body returns %s for a carry of type %s", k,
                           core_fmt_type(a, sizeof a, r->dtype, r->rank, r->shape),
                           core_fmt_type(b, sizeof b, v->dtype, v->rank, v->shape));
    }
    if (which < 0 || which >= ncarry) return ir_fail(t, BJ_ERR_ARG, "while: result %d of %d carries", which, ncarry);
    const ir_node *res = init[which];
    int64_t w = which;
    return ir_intern(t, &(ir_proto){.op = IR_WHILE, .dtype = res->dtype, .rank = res->rank, .shape = res->shape,
                                    .nin = ncarry, .in = init, .nattr = 1, .attr = &w, .body = body, .body2 = cond});
}

ir_node *ir_cond(ir_trace *t, ir_node *pred, ir_region *then_r, ir_region *else_r, ir_node *const *ops, int nops,
                 int which) {
    if (!t || t->status) return NULL;
    char a[96], b[96];
    if (!ir_node_live(pred) || pred->trace != t)
        return ir_fail(t, BJ_ERR_ARG, "cond: the predicate is not a value of this trace");
    if (pred->rank != 0)
        return ir_fail(t, BJ_ERR_SHAPE, "cond: the predicate is %s; it must be a scalar (rank 0)",
                       core_fmt_type(a, sizeof a, pred->dtype, pred->rank, pred->shape));
    if (nops < 0 || nops > 100000) return ir_fail(t, BJ_ERR_ARG, "cond: %d operands", nops);
    if (!check_values(t, "cond", ops, nops) ||
        !check_region(t, "cond: the true branch", then_r, ops, nops, "operand") ||
        !check_region(t, "cond: the false branch", else_r, ops, nops, "operand"))
        return NULL;
    if (then_r->nresults != else_r->nresults)
        return ir_fail(t, BJ_ERR_ARG, "cond: the true branch returns %d results, the false branch %d",
                       then_r->nresults, else_r->nresults);
    for (int k = 0; k < then_r->nresults; k++) {
        const ir_node *x = then_r->results[k], *y = else_r->results[k];
        if (!same_type(x, y))
            return ir_fail(t, BJ_ERR_SHAPE, "cond: result %d is %s in the true branch and %s in the false branch", k,
                           core_fmt_type(a, sizeof a, x->dtype, x->rank, x->shape),
                           core_fmt_type(b, sizeof b, y->dtype, y->rank, y->shape));
    }
    if (which < 0 || which >= then_r->nresults)
        return ir_fail(t, BJ_ERR_ARG, "cond: result %d of branches with %d results", which, then_r->nresults);
    if (pred->dtype != BJ_BOOL && !(pred = ir_cast(t, pred, BJ_BOOL))) return NULL; /* nonzero is true */
    ir_node *small[16], **in = nops < 16 ? small : malloc(sizeof *in * (size_t)(nops + 1));
    if (!in) return ir_fail(t, BJ_ERR_NOMEM, "cond: out of memory");
    in[0] = pred;
    for (int k = 0; k < nops; k++) in[k + 1] = ops[k];
    const ir_node *x = then_r->results[which], *y = else_r->results[which];
    int64_t w = which;
    ir_node *r = ir_intern(t, &(ir_proto){.op = IR_COND, .dtype = x->dtype, .rank = x->rank, .shape = x->shape,
                                          .weak = x->weak && y->weak, .nin = nops + 1, .in = in, .nattr = 1,
                                          .attr = &w, .body = then_r, .body2 = else_r});
    if (in != small) free(in);
    return r;
}

bj_status ir_region_set_results(ir_trace *t, ir_region *r, ir_node *const *results, int nresults) {
    if (t->status) return t->status;
    if (!r || region_open(t, r) || nresults < 0)
        return ir_fail(t, BJ_ERR_INTERNAL, "setting the results of a region that is not closed"), BJ_ERR_INTERNAL;
    ir_node **res = core_arena_alloc(&t->arena, sizeof *res * (size_t)(nresults + 1));
    if (!res) return ir_fail(t, BJ_ERR_NOMEM, "out of memory closing a region"), BJ_ERR_NOMEM;
    for (int i = 0; i < nresults; i++) res[i] = results[i];
    r->results = res, r->nresults = nresults;
    return BJ_OK;
}

static int by_id(const void *a, const void *b) {
    int x = (*(ir_node *const *)a)->id, y = (*(ir_node *const *)b)->id;
    return (x > y) - (x < y);
}

bool ir_stack_push(ir_stack *s, const ir_node *x) {
    if (s->oom) return false;
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        const ir_node **nv = s->v == s->small ? malloc(sizeof *nv * cap) : realloc((void *)s->v, sizeof *nv * cap);
        if (!nv) return s->oom = true, false;
        if (s->v == s->small) memcpy(nv, s->small, sizeof s->small);
        s->v = nv, s->cap = cap;
    }
    s->v[s->n++] = x;
    return true;
}

/* The stack is the path from n to the node at hand (a DAG: no node is on it twice); a parallel array holds, for each
 * entry, the index of its next operand to look at. */
bool ir_postorder(ir_trace *t, const ir_node *n, bool (*done)(void *ud, const ir_node *x),
                  bool (*make)(void *ud, const ir_node *x), void *ud) {
    if (done(ud, n)) return true;
    ir_stack st;
    ir_stack_init(&st);
    int small[32], *next = small;
    size_t capnext = 32;
    bool ok = ir_stack_push(&st, n);
    next[0] = 0;
    while (ok && st.n) {
        const ir_node *x = st.v[st.n - 1];
        int i = next[st.n - 1];
        if (i < x->nin) {
            next[st.n - 1] = i + 1;
            const ir_node *y = x->in[i];
            if (done(ud, y)) continue;
            if (!ir_stack_push(&st, y)) break;
            if (st.n > capnext) {
                int *nn = next == small ? malloc(sizeof *nn * st.cap) : realloc(next, sizeof *nn * st.cap);
                if (!nn) {
                    st.oom = true;
                    break;
                }
                if (next == small) memcpy(nn, small, sizeof small);
                next = nn, capnext = st.cap;
            }
            next[st.n - 1] = 0;
            continue;
        }
        st.n--;
        if (!done(ud, x)) ok = make(ud, x);
    }
    if (st.oom) ok = false, ir_fail(t, BJ_ERR_NOMEM, "out of memory walking the graph");
    ir_stack_free(&st);
    if (next != small) free(next);
    return ok;
}

static void mark_push(ir_stack *st, const ir_node *x, unsigned char *live) {
    if (!live[x->id]) live[x->id] = 1, ir_stack_push(st, x);
}

/* Depth-first with an explicit stack (graphs of millions of chained nodes): a node is marked when pushed, so the
 * stack never holds more entries than there are nodes. */
bool ir_mark(ir_node *const *roots, int nroots, bool regions, unsigned char *live, ir_node ***order, int *count) {
    ir_stack st, ord;
    ir_stack_init(&st), ir_stack_init(&ord);
    for (int i = nroots - 1; i >= 0; i--) mark_push(&st, roots[i], live);
    while (st.n && !st.oom && !ord.oom) {
        const ir_node *x = st.v[--st.n];
        if (order) ir_stack_push(&ord, x);
        for (int i = x->nin - 1; i >= 0; i--) mark_push(&st, x->in[i], live);
        for (int j = 0; regions && j < 2; j++) {
            const ir_region *r = j ? x->body2 : x->body;
            for (int i = r ? r->nresults - 1 : -1; i >= 0; i--) mark_push(&st, r->results[i], live);
        }
    }
    bool ok = !st.oom && !ord.oom;
    ir_stack_free(&st);
    ir_node **list = ok && order ? malloc(sizeof *list * (ord.n + 1)) : NULL;
    if (list) {
        memcpy(list, ord.v, sizeof *list * ord.n);
        qsort(list, ord.n, sizeof *list, by_id);
        *order = list, *count = (int)ord.n;
    }
    ir_stack_free(&ord);
    return ok && (!order || list);
}

ir_graph *ir_graph_from_trace(ir_trace *t, ir_node *const *outs, int nout) {
    unsigned char *live = calloc((size_t)t->next_id + 1, 1);
    ir_graph *g = calloc(1, sizeof *g);
    ir_node **byid = calloc((size_t)t->next_id + 1, sizeof *byid);
    if (!live || !g || !byid) goto oom;
    if (!ir_mark(outs, nout, true, live, NULL, NULL)) goto oom;
    for (int i = 0; i < t->nargs; i++) live[t->args[i]->id] = 1; /* arguments stay: their positions are the ABI */
    for (size_t b = 0; b < t->tcap; b++)
        for (ir_node *n = t->table[b]; n; n = n->hnext) byid[n->id] = n;
    g->nodes = core_arena_alloc(&t->arena, sizeof *g->nodes * (size_t)(t->next_id + 1));
    g->outputs = nout ? core_arena_dup(&t->arena, outs, sizeof *outs * (size_t)nout) : core_arena_alloc(&t->arena, 8);
    g->inputs = t->nargs ? core_arena_dup(&t->arena, t->args, sizeof *t->args * (size_t)t->nargs)
                         : core_arena_alloc(&t->arena, 8);
    if (!g->nodes || !g->outputs || !g->inputs) goto oom;
    for (int id = 0; id < t->next_id; id++)
        if (live[id] && byid[id] && !byid[id]->region) g->nodes[g->nnodes++] = byid[id];
    g->tr = t, g->nin = t->nargs, g->nout = nout;
    g->refcount = 1;
    free(live);
    free(byid);
    return g;
oom:
    free(live);
    free(byid);
    free(g);
    core_err(BJ_ERR_NOMEM, "out of memory finishing the trace");
    return NULL;
}

/* Invariants every later stage relies on; a violation is a bug in a builder or pass. */
bj_status ir_verify(const ir_graph *g) {
    for (int i = 0; i < g->nnodes; i++) {
        const ir_node *n = g->nodes[i];
        const ir_opinfo *info = &ir_ops[n->op];
        if (n->magic != IR_NODE_MAGIC || n->op >= IR_NUM_OPS)
            return core_err(BJ_ERR_INTERNAL, "verify: node %d is corrupt", n->id);
        if (info->arity >= 0 && n->nin != info->arity)
            return core_err(BJ_ERR_INTERNAL, "verify: %%%d %s has %d operands, wants %d", n->id, info->name, n->nin,
                            info->arity);
        if (n->dtype >= BJ_NDTYPES || n->rank > BJ_MAX_RANK)
            return core_err(BJ_ERR_INTERNAL, "verify: %%%d %s has a bad type", n->id, info->name);
        for (int j = 0; j < n->nin; j++)
            if (n->in[j]->id >= n->id)
                return core_err(BJ_ERR_INTERNAL, "verify: %%%d %s uses %%%d, built after it", n->id, info->name,
                                n->in[j]->id);
        if ((info->kind == IR_K_CALL) != (n->body != NULL) ||
            (n->op == IR_WHILE || n->op == IR_COND) != (n->body2 != NULL))
            return core_err(BJ_ERR_INTERNAL, "verify: %%%d %s region mismatch", n->id, info->name);
        if (n->op == IR_WHILE) {
            const ir_region *c = n->body2, *r = n->body;
            bool ok = n->nattr == 1 && n->nin >= 1 && c->nparams == n->nin && r->nparams == n->nin &&
                      r->nresults == n->nin && c->nresults == 1 && c->results[0]->dtype == BJ_BOOL &&
                      c->results[0]->rank == 0 && n->attr[0] >= 0 && n->attr[0] < n->nin;
            for (int k = 0; ok && k < n->nin; k++)
                ok = same_type(n->in[k], c->params[k]) && same_type(n->in[k], r->params[k]) &&
                     same_type(r->results[k], r->params[k]);
            if (!ok) return core_err(BJ_ERR_INTERNAL, "verify: %%%d while does not match its regions", n->id);
        }
        if (n->op == IR_COND) {
            const ir_region *a = n->body, *b = n->body2;
            bool ok = n->nattr == 1 && n->nin >= 1 && n->in[0]->dtype == BJ_BOOL && n->in[0]->rank == 0 &&
                      a->nparams == n->nin - 1 && b->nparams == n->nin - 1 && a->nresults == b->nresults &&
                      n->attr[0] >= 0 && n->attr[0] < a->nresults;
            for (int k = 0; ok && k + 1 < n->nin; k++)
                ok = same_type(n->in[k + 1], a->params[k]) && same_type(n->in[k + 1], b->params[k]);
            for (int k = 0; ok && k < a->nresults; k++) ok = same_type(a->results[k], b->results[k]);
            if (!ok) return core_err(BJ_ERR_INTERNAL, "verify: %%%d cond does not match its branches", n->id);
        }
        if (n->op == IR_FOR) { /* the builder's checks, again */
            const ir_region *r = n->body;
            bool ok = n->nattr == 3 && n->nin + 1 == r->nparams && r->nresults >= n->nin && n->attr[IR_FOR_WHICH] >= 0 &&
                      n->attr[IR_FOR_WHICH] < r->nresults && n->attr[IR_FOR_N] >= 0 && n->attr[IR_FOR_EVERY] >= 1 &&
                      r->params[0]->dtype == BJ_I32 && r->params[0]->rank == 0;
            for (int k = 0; ok && k < n->nin; k++)
                ok = same_type(n->in[k], r->params[k + 1]) && same_type(r->results[k], r->params[k + 1]);
            if (!ok) return core_err(BJ_ERR_INTERNAL, "verify: %%%d for does not match its body", n->id);
        }
    }
    return BJ_OK;
}
