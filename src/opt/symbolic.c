/* symbolic.c — abstracted axes: propagating "this extent is symbol s" from the inputs through a graph, checking that
 * every use of a symbolic axis is one the backends can run at any size, and replaying a graph at other extents.
 *
 * Design note. The IR has static shapes: a graph with abstracted axes was traced at one size per symbol (n = 100,
 * say). The pass walks the nodes in topological order and gives every axis of every node either a symbol or
 * "static", under one invariant: a symbolic extent is exactly the symbol (no 2n, no n - 1), so at run time a
 * node's concrete shape is its traced shape with the symbolic extents replaced by the symbols' values. What keeps
 * an axis symbolic, and what is refused (error naming the op, the axis and the type, "f32[n] (n abstract)"):
 *  - elementwise ops broadcast: a symbolic axis against 1 or a missing axis stays symbolic; against a static
 *    extent > 1 (which equalled the traced size: the trace could not tell them apart) or another symbol, refused;
 *  - reductions drop (or keep as 1) the reduced axes; transpose permutes; broadcast_to keeps the operand's symbolic
 *    axes, and the axes it creates are static; slice keeps a symbolic axis it takes whole (start 0, step 1) and
 *    refuses any other slice of it; flip of a symbolic axis is refused (its offset would be n - 1);
 *  - reshape keeps the symbolic axes, in order, when the static blocks between them keep their products (adding or
 *    removing size-1 axes, merging static axes around a symbolic one); merging or splitting a symbolic axis is
 *    refused;
 *  - matmul: M (rows of a), N (columns of b) and K may be symbolic (K the same on both sides); batch axes static;
 *  - created values (full, iota, constants) are static even when an extent equals a traced size: `zeros(100)`
 *    cannot be told from `zeros(n)`, so combining one with a symbolic axis is refused (the message says to make the
 *    value from the abstract input, e.g. by broadcasting a scalar against it);
 *  - take, scatter, concatenate, dynamic slices and scans accept only static values;
 *  - for and while loops and conds are refused (for now) in any graph compiled with abstracted axes.
 * A symbol must be traced at size >= 2, so that a size-1 axis of the trace is never symbolic and broadcasting is
 * unambiguous. The executable keeps the propagated table of an inline-only copy of the graph, which gives output
 * shapes for any symbol values; the interpreter replays that copy at the concrete sizes (opt_sym_replay), and the
 * code generator replays the rewritten graph at stand-in extents that no static extent uses, so that fusion and the
 * memory plan, which compare shapes, keep symbolic and static values apart, and the renderer turns every stand-in
 * extent into the run-time dims[s]. */
#include "opt/symbolic.h"

#include "core/array.h"
#include "ir/build.h"

#include <stdio.h>
#include <string.h>

static const char *sym_name(const opt_syms *s, int k) { return s->names[k]; }

const char *opt_sym_fmt(const opt_syms *s, char *buf, size_t cap, bj_dtype d, int rank, const int64_t *shape,
                        const int8_t *sym) {
    size_t k = (size_t)snprintf(buf, cap, "%s[", core_dtype_short(d));
    for (int i = 0; i < rank && k < cap; i++) {
        if (sym && sym[i] >= 0) k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? "," : "", sym_name(s, sym[i]));
        else k += (size_t)snprintf(buf + k, cap - k, i ? ",%lld" : "%lld", (long long)shape[i]);
    }
    if (k < cap) snprintf(buf + k, cap - k, "]");
    return buf;
}

/* ---------------------------------------------------------------- propagation */
typedef struct sctx {
    const opt_syms *s;
    int8_t *tab;
} sctx;

static const int8_t *syms_of(const sctx *x, const ir_node *n) { return &OPT_SYM(x->tab, n, 0); }

/* The type of n with its symbols, and " (n abstract)" for symbol k. */
static void type_of(const sctx *x, const ir_node *n, char *buf, size_t cap) {
    opt_sym_fmt(x->s, buf, cap, (bj_dtype)n->dtype, n->rank, n->shape, syms_of(x, n));
}

/* "<op> on axis k of <type of v> (<sym> abstract) is not supported; make the axis static" */
static bool refuse(const sctx *x, const ir_node *n, const ir_node *v, int k, const char *why) {
    char ty[160];
    type_of(x, v, ty, sizeof ty);
    core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: %s on axis %d of %s (%s abstract) is not supported%s%s",
             ir_ops[n->op].name, k, ty, sym_name(x->s, OPT_SYM(x->tab, v, k)), why ? ": " : "; make the axis static",
             why ? why : "");
    return false;
}

/* The first symbolic axis of v, or -1. */
static int first_sym(const sctx *x, const ir_node *v) {
    for (int k = 0; k < v->rank; k++)
        if (OPT_SYM(x->tab, v, k) >= 0) return k;
    return -1;
}

static bool elementwise(sctx *x, const ir_node *n) {
    for (int k = 0; k < n->rank; k++) {
        int s = -1;
        const ir_node *from = NULL;
        for (int i = 0; i < n->nin; i++) {
            const ir_node *o = n->in[i];
            int ko = k - (n->rank - o->rank);
            if (ko < 0 || OPT_SYM(x->tab, o, ko) < 0) continue;
            int so = OPT_SYM(x->tab, o, ko);
            if (s >= 0 && so != s) {
                char a[160], b[160];
                type_of(x, from, a, sizeof a), type_of(x, o, b, sizeof b);
                return core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: %s of %s and %s: axis %d is %s on one side and "
                                "%s on the other; use one name for sizes that are always equal", ir_ops[n->op].name,
                                a, b, k, sym_name(x->s, s), sym_name(x->s, so)), false;
            }
            s = so, from = o;
        }
        for (int i = 0; s >= 0 && i < n->nin; i++) {
            const ir_node *o = n->in[i];
            int ko = k - (n->rank - o->rank);
            if (ko < 0 || OPT_SYM(x->tab, o, ko) >= 0 || o->shape[ko] == 1) continue;
            char a[160], b[160];
            type_of(x, from, a, sizeof a), type_of(x, o, b, sizeof b);
            return core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: %s broadcasts %s (%s abstract) against %s on axis %d: "
                            "a static extent cannot follow an abstract one (a value made with the traced size, e.g. "
                            "zeros(%lld), cannot be told from one of size %s; derive it from the abstract input, e.g. "
                            "by broadcasting a scalar against it)", ir_ops[n->op].name, a, sym_name(x->s, s), b, k,
                            (long long)o->shape[ko], sym_name(x->s, s)), false;
        }
        OPT_SYM(x->tab, n, k) = (int8_t)s;
    }
    return true;
}

static bool reduction(sctx *x, const ir_node *n) {
    const ir_node *a = n->in[0];
    bool red[BJ_MAX_RANK] = {0}, keep = n->nattr > 0 && n->attr[0];
    for (int i = 1; i < n->nattr; i++)
        if (n->attr[i] >= 0 && n->attr[i] < a->rank) red[n->attr[i]] = true;
    int j = 0;
    for (int k = 0; k < a->rank; k++) {
        if (!red[k]) OPT_SYM(x->tab, n, j++) = OPT_SYM(x->tab, a, k);
        else if (keep) OPT_SYM(x->tab, n, j++) = -1;
    }
    if (j != n->rank) return core_err(BJ_ERR_INTERNAL, "abstracted axes: %s has an unexpected rank", ir_ops[n->op].name), false;
    return true;
}

/* Reshape: the symbolic axes of the operand, in order, with static blocks of equal products between them (size-1
 * axes may appear or vanish anywhere). A symbol was traced at >= 2, so where it lands in the result is unique. */
static bool reshape(sctx *x, const ir_node *n) {
    const ir_node *a = n->in[0];
    int first = first_sym(x, a);
    if (first < 0) return true;
    const char *why = "the reshape merges or splits an abstract axis; only size-1 axes and static axes may move";
    for (int k = 0; k < a->rank; k++)
        if (a->shape[k] == 0) return refuse(x, n, a, first, why);
    int j = 0; /* next axis of n */
    int64_t pa = 1;
    for (int k = 0; k <= a->rank; k++) {
        int s = k < a->rank ? OPT_SYM(x->tab, a, k) : -2;
        if (s == -1) {
            pa *= a->shape[k];
            continue;
        }
        int64_t pn = 1; /* n's axes from j whose product is the static block's, then the symbol's axis */
        for (;;) {
            if (pn == pa && s >= 0 && j < n->rank && n->shape[j] == x->s->traced[s]) break;
            if (j >= n->rank || pn > pa || (pn == pa && n->shape[j] != 1)) break;
            pn *= n->shape[j++];
        }
        bool ok = pn == pa && (s >= 0 ? j < n->rank && n->shape[j] == x->s->traced[s] : j == n->rank);
        if (!ok) return refuse(x, n, a, s >= 0 ? k : first, why);
        if (s >= 0) OPT_SYM(x->tab, n, j++) = (int8_t)s;
        pa = 1;
    }
    return true;
}

static bool broadcast_to(sctx *x, const ir_node *n) {
    const ir_node *a = n->in[0];
    for (int k = 0; k < n->rank; k++) {
        int ka = k - (n->rank - a->rank);
        if (ka >= 0) OPT_SYM(x->tab, n, k) = OPT_SYM(x->tab, a, ka);
    }
    return true;
}

static bool slice(sctx *x, const ir_node *n) {
    const ir_node *a = n->in[0];
    for (int k = 0; k < a->rank; k++) {
        if (OPT_SYM(x->tab, a, k) < 0) continue;
        if (n->nattr != 2 * a->rank || n->attr[2 * k] != 0 || n->attr[2 * k + 1] != 1 || n->shape[k] != a->shape[k])
            return refuse(x, n, a, k, NULL);
        OPT_SYM(x->tab, n, k) = OPT_SYM(x->tab, a, k);
    }
    return true;
}

static bool matmul(sctx *x, const ir_node *n) {
    const ir_node *a = n->in[0], *b = n->in[1];
    for (int k = 0; k < a->rank - 2; k++)
        if (OPT_SYM(x->tab, a, k) >= 0) return refuse(x, n, a, k, "abstract batch axes of matmul are not supported");
    for (int k = 0; k < b->rank - 2; k++)
        if (OPT_SYM(x->tab, b, k) >= 0) return refuse(x, n, b, k, "abstract batch axes of matmul are not supported");
    int ka = OPT_SYM(x->tab, a, a->rank - 1), kb = OPT_SYM(x->tab, b, b->rank - 2);
    if (ka != kb) {
        char ta[160], tb[160];
        type_of(x, a, ta, sizeof ta), type_of(x, b, tb, sizeof tb);
        return core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: matmul of %s and %s: the contracted axis must be the same "
                        "abstract size on both sides, or static on both", ta, tb), false;
    }
    OPT_SYM(x->tab, n, n->rank - 2) = OPT_SYM(x->tab, a, a->rank - 2);
    OPT_SYM(x->tab, n, n->rank - 1) = OPT_SYM(x->tab, b, b->rank - 1);
    return true;
}

static bool node(sctx *x, const ir_node *n, int *argpos) {
    switch ((ir_op)n->op) {
    case IR_ARG: {
        int i = argpos[n->id];
        if (i < 0) return core_err(BJ_ERR_INTERNAL, "abstracted axes: %%%d is not a graph input", n->id), false;
        for (int k = 0; k < n->rank; k++) OPT_SYM(x->tab, n, k) = x->s->in_sym[(size_t)i * BJ_MAX_RANK + (size_t)k];
        return true;
    }
    case IR_CONST: case IR_LIT: case IR_FULL: case IR_IOTA: return true;
    case IR_CALL: return core_err(BJ_ERR_INTERNAL, "abstracted axes: a call was not inlined"), false;
    case IR_FOR: case IR_WHILE: case IR_COND:
        return core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: %s are not supported yet; compile the graph "
                        "without abstracted axes", n->op == IR_FOR ? "for loops" : n->op == IR_WHILE ?
                        "while loops" : "conds"), false;
    case IR_RESHAPE: return reshape(x, n);
    case IR_BROADCAST_TO: return broadcast_to(x, n);
    case IR_TRANSPOSE:
        for (int k = 0; k < n->rank && k < n->nattr; k++) OPT_SYM(x->tab, n, k) = OPT_SYM(x->tab, n->in[0], n->attr[k]);
        return true;
    case IR_SLICE: return slice(x, n);
    case IR_FLIP:
        for (int i = 0; i < n->nattr; i++)
            if (OPT_SYM(x->tab, n->in[0], n->attr[i]) >= 0) return refuse(x, n, n->in[0], (int)n->attr[i], NULL);
        memcpy(&OPT_SYM(x->tab, n, 0), syms_of(x, n->in[0]), BJ_MAX_RANK);
        return true;
    case IR_MATMUL: return matmul(x, n);
    default: break;
    }
    switch (ir_ops[n->op].kind) {
    case IR_K_UNARY: case IR_K_BINARY: case IR_K_TERNARY: return elementwise(x, n);
    case IR_K_REDUCE: return reduction(x, n);
    default: /* take, scatter, concatenate, dynamic slices, scans: static values only */
        for (int i = 0; i < n->nin; i++) {
            int k = first_sym(x, n->in[i]);
            if (k >= 0) return refuse(x, n, n->in[i], k, NULL);
        }
        return true;
    }
}

int8_t *opt_sym_propagate(const opt_syms *s, const ir_graph *g) {
    size_t nid = (size_t)g->tr->next_id + 1;
    sctx x = {.s = s, .tab = malloc(nid * BJ_MAX_RANK)};
    int *argpos = malloc(nid * sizeof *argpos);
    if (!x.tab || !argpos) {
        free(x.tab), free(argpos);
        return core_err(BJ_ERR_NOMEM, "abstracted axes: out of memory"), NULL;
    }
    memset(x.tab, -1, nid * BJ_MAX_RANK);
    for (size_t i = 0; i < nid; i++) argpos[i] = -1;
    for (int i = 0; i < g->nin; i++) argpos[g->inputs[i]->id] = i;
    bool ok = g->nin == s->nin;
    if (!ok) core_err(BJ_ERR_INTERNAL, "abstracted axes: the graph has %d inputs, the symbols name %d", g->nin, s->nin);
    for (int i = 0; ok && i < g->nin; i++) ok = node(&x, g->inputs[i], argpos);
    for (int i = 0; ok && i < g->nnodes; i++)
        if (g->nodes[i]->op != IR_ARG) ok = node(&x, g->nodes[i], argpos);
    free(argpos);
    if (!ok) free(x.tab), x.tab = NULL;
    return x.tab;
}

/* ---------------------------------------------------------------- the executable's symbols */
void opt_sym_free(opt_syms *s) {
    if (!s) return;
    opt_graph_free(s->g);
    free(s->node), free(s->in_sym), free((void *)s->empty_check);
    free(s);
}

opt_syms *opt_sym_new(const ir_graph *g, int nsym, const int8_t *in_sym, const char *const *names) {
    if (nsym > OPT_SYM_MAX)
        return core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: %d symbols, at most %d are supported", nsym, OPT_SYM_MAX),
               NULL;
    if (!in_sym) return core_err(BJ_ERR_ARG, "abstracted axes: %d symbols but no input axes name them", nsym), NULL;
    opt_syms *s = calloc(1, sizeof *s);
    if (!s || !(s->in_sym = malloc((size_t)g->nin * BJ_MAX_RANK + 1))) {
        free(s);
        return core_err(BJ_ERR_NOMEM, "abstracted axes: out of memory"), NULL;
    }
    s->nsym = nsym, s->nin = g->nin;
    memcpy(s->in_sym, in_sym, (size_t)g->nin * BJ_MAX_RANK);
    for (int k = 0; k < nsym; k++) {
        s->traced[k] = -1, s->first_in[k] = s->first_axis[k] = -1;
        const char *nm = names && names[k] && names[k][0] ? names[k] : NULL;
        if (nm) snprintf(s->names[k], sizeof s->names[k], "%s", nm);
        else snprintf(s->names[k], sizeof s->names[k], "s%d", k);
    }
    for (int i = 0; i < g->nin; i++) {
        const ir_node *a = g->inputs[i];
        char an[80] = "";
        if (a->name) snprintf(an, sizeof an, " (%s)", a->name);
        for (int k = 0; k < BJ_MAX_RANK; k++) {
            int q = in_sym[(size_t)i * BJ_MAX_RANK + (size_t)k];
            if (q < 0) continue;
            char ty[160];
            opt_sym_fmt(s, ty, sizeof ty, (bj_dtype)a->dtype, a->rank, a->shape, NULL);
            if (q >= nsym || k >= a->rank) {
                core_err(BJ_ERR_ARG, "abstracted axes: input %d%s %s: axis %d names symbol %d (of %d)", i, an, ty, k, q,
                         nsym);
                goto fail;
            }
            if (a->shape[k] < 2) {
                core_err(BJ_ERR_UNSUPPORTED, "abstracted axes: input %d%s %s: axis %d (%s) was traced with size %lld; "
                         "trace with a size of at least 2, so that broadcasting is unambiguous", i, an, ty, k,
                         s->names[q], (long long)a->shape[k]);
                goto fail;
            }
            if (s->traced[q] < 0) {
                s->traced[q] = a->shape[k], s->first_in[q] = i, s->first_axis[q] = k;
            } else if (s->traced[q] != a->shape[k]) {
                const ir_node *f = g->inputs[s->first_in[q]];
                core_err(BJ_ERR_SHAPE, "abstracted axes: input %d%s %s: axis %d (%s) was traced with size %lld, but %s "
                         "= %lld from input %d%s%s", i, an, ty, k, s->names[q], (long long)a->shape[k], s->names[q],
                         (long long)s->traced[q], s->first_in[q], f->name ? " " : "", f->name ? f->name : "");
                goto fail;
            }
        }
    }
    if (!(s->g = opt_rewrite_ex(g, OPT_RW_INLINE_ONLY))) goto fail;
    if (!(s->node = opt_sym_propagate(s, s->g))) goto fail;
    /* reductions with no identity over a symbolic axis: a run with that axis empty is refused (exec_bind_syms) */
    s->empty_check = malloc(sizeof *s->empty_check * ((size_t)s->g->nnodes + 1));
    if (!s->empty_check) {
        core_err(BJ_ERR_NOMEM, "abstracted axes: out of memory");
        goto fail;
    }
    for (int i = 0; i < s->g->nnodes; i++) {
        const ir_node *n = s->g->nodes[i];
        if (n->op != IR_MAX && n->op != IR_MIN && n->op != IR_ARGMAX && n->op != IR_ARGMIN) continue;
        bool any = false;
        for (int j = 1; j < n->nattr; j++)
            any |= n->attr[j] >= 0 && n->attr[j] < n->in[0]->rank && OPT_SYM(s->node, n->in[0], n->attr[j]) >= 0;
        if (any) s->empty_check[s->nempty++] = n;
    }
    return s;
fail:
    opt_sym_free(s);
    return NULL;
}

void opt_sym_values(const opt_syms *s, bj_array *const *ins, int64_t *vals) {
    for (int k = 0; k < s->nsym; k++)
        vals[k] = s->first_in[k] >= 0 ? ins[s->first_in[k]]->shape[s->first_axis[k]] : 0;
}

/* ---------------------------------------------------------------- replay */
ir_graph *opt_sym_replay(const ir_graph *g, const int8_t *sym, const int64_t *ext) {
    ir_trace *t = ir_trace_create(g->tr->name ? g->tr->name : "graph");
    ir_node **map = calloc((size_t)g->tr->next_id + 1, sizeof *map);
    ir_node **outs = calloc((size_t)g->nout + 1, sizeof *outs);
    ir_graph *r = NULL;
    if (!t || !map || !outs) {
        core_err(BJ_ERR_NOMEM, "abstracted axes: out of memory replaying the graph");
        goto done;
    }
    for (int i = 0; i < g->nin; i++) {
        const ir_node *a = g->inputs[i];
        int64_t sh[BJ_MAX_RANK];
        for (int k = 0; k < a->rank; k++) sh[k] = OPT_SYM(sym, a, k) >= 0 ? ext[OPT_SYM(sym, a, k)] : a->shape[k];
        map[a->id] = ir_arg_weak(t, a->name, (bj_dtype)a->dtype, a->rank, sh, a->weak);
    }
    for (int i = 0; i < g->nnodes && !t->status; i++) {
        const ir_node *n = g->nodes[i];
        if (n->op == IR_ARG) continue;
        if (n->body || n->nin > 64) {
            ir_fail(t, BJ_ERR_INTERNAL, "replay: %%%d %s cannot be replayed", n->id, ir_ops[n->op].name);
            break;
        }
        ir_node *ins[64];
        int64_t sh[BJ_MAX_RANK];
        for (int j = 0; j < n->nin; j++) ins[j] = map[n->in[j]->id];
        for (int k = 0; k < n->rank; k++) sh[k] = OPT_SYM(sym, n, k) >= 0 ? ext[OPT_SYM(sym, n, k)] : n->shape[k];
        map[n->id] = ir_intern(t, &(ir_proto){.op = (ir_op)n->op, .dtype = (bj_dtype)n->dtype, .rank = n->rank,
                                              .shape = sh, .weak = n->weak, .nin = n->nin, .in = ins,
                                              .nattr = n->nattr, .attr = n->attr, .fval = n->fval, .ival = n->ival,
                                              .data = n->data, .nbytes = n->nbytes});
    }
    for (int i = 0; i < g->nout && !t->status; i++)
        if (!(outs[i] = map[g->outputs[i]->id])) ir_fail(t, BJ_ERR_INTERNAL, "replay: output %d is missing", i);
    if (t->status) core_err(t->status, "abstracted axes: replaying the graph: %s", t->error ? t->error : "");
    else r = ir_graph_from_trace(t, outs, g->nout);
done:
    if (!r && t) ir_trace_destroy(t);
    free(map), free(outs);
    return r;
}

/* ---------------------------------------------------------------- the code generator's stand-ins */
static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

ir_graph *opt_sym_standin(const opt_syms *s, const ir_graph *rg, int64_t *ext) {
    int8_t *tab = opt_sym_propagate(s, rg);
    if (!tab) return NULL;
    bool used[OPT_SYM_MAX] = {0};
    size_t n = 0, cap = (size_t)rg->nnodes * BJ_MAX_RANK + 1;
    int64_t *st = malloc(sizeof *st * cap); /* static extents, sorted */
    if (!st) {
        free(tab);
        return core_err(BJ_ERR_NOMEM, "abstracted axes: out of memory"), NULL;
    }
    for (int i = 0; i < rg->nnodes; i++) {
        const ir_node *v = rg->nodes[i];
        for (int k = 0; k < v->rank; k++) {
            if (OPT_SYM(tab, v, k) >= 0) used[OPT_SYM(tab, v, k)] = true;
            else st[n++] = v->shape[k];
        }
    }
    qsort(st, n, sizeof *st, cmp_i64);
    int64_t next = 2;
    size_t at = 0;
    for (int k = 0; k < s->nsym; k++) {
        ext[k] = -1;
        if (!used[k]) continue;
        for (;;) { /* the smallest extent >= next that no static extent uses */
            while (at < n && st[at] < next) at++;
            if (at < n && st[at] == next) next++;
            else break;
        }
        ext[k] = next++;
    }
    free(st);
    ir_graph *r = opt_sym_replay(rg, tab, ext);
    free(tab);
    return r;
}

bool opt_plan_set_syms(opt_plan *p, int nsym, const int64_t *ext) {
    int64_t *e = core_arena_dup(&p->arena, ext, sizeof *ext * (size_t)nsym);
    if (!e) return core_err(BJ_ERR_NOMEM, "planning kernels: out of memory"), false;
    p->sym_ext = e, p->nsym = nsym;
    return true;
}

bool opt_plan_is_symbolic(const opt_plan *p, const ir_node *n) {
    for (int k = 0; p->nsym && k < n->rank; k++)
        if (opt_plan_sym_of(p, n->shape[k]) >= 0) return true;
    return false;
}

size_t opt_plan_nbytes(const opt_plan *p, const ir_node *n, const int64_t *dims) {
    int64_t e = (int64_t)bj_dtype_size((bj_dtype)n->dtype);
    for (int k = 0; k < n->rank; k++) {
        int s = dims ? opt_plan_sym_of(p, n->shape[k]) : -1;
        if (!core_mul_ok(e, s >= 0 ? dims[s] : n->shape[k], &e)) return SIZE_MAX;
    }
    return (size_t)e;
}
