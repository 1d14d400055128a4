/* tracing.c — tracing a jit function: its parameters (bj_param ...), its outputs (bj_return), the Variables it
 * reads and writes (bj_var_read / bj_var_write), and turning the finished trace into a cache entry.
 *
 * Design note. A jit trace is an ordinary trace whose `owner` is a jit_ctx. Dynamic parameters are ARG nodes made
 * when the trace begins; static ones become weak literals when asked for. The first read of a Variable makes an ARG
 * node holding its value at entry; a write only moves the Variable's current value in the trace, so reads after a
 * write see it, and nothing happens to the Variable itself until the compiled code runs. At the end, the graph's
 * outputs are the returned values, then the final value of each written Variable (unless it is the value read);
 * its inputs are the dynamic parameters and the Variable reads that the outputs depend on (all dynamic parameters
 * with keep_unused). Inlined calls push a frame whose parameters are the caller's values. */
#include "backend/interp/interp.h"
#include "jit/jit.h"

#include <math.h>
#include <string.h>
#include <time.h>

double jit_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The jit context of t, or NULL with the error recorded in t (and set) naming fn. */
static jit_ctx *ctx_of(bj_trace *t, const char *fn) {
    if (!trace_check(t, fn)) return NULL;
    if (!t->owner) {
        ir_fail(t, BJ_ERR_TRACE, "%s: trace '%s' is not tracing a jit function (use bj_jit_new, or "
                "bj_jit_trace_begin)", fn, t->name);
        return NULL;
    }
    if (t->status) {
        core_err(t->status, "%s", t->error ? t->error : "trace failed");
        return NULL;
    }
    return t->owner;
}

static ir_node *static_lit(ir_trace *t, const jit_param *p, const char *fn, const char *nm, int i) {
    switch (p->kind) {
    case BJ_ARG_F64: return ir_lit(t, ir_default_float(t), true, p->f, 0);
    case BJ_ARG_I64: return ir_lit(t, ir_weak_int_dtype(t->x64, p->i), true, 0, p->i);
    case BJ_ARG_BOOL: return ir_lit(t, BJ_BOOL, false, 0, p->i);
    default:
        return ir_fail(t, BJ_ERR_ARG, "%s: parameter %d (%s) is a static string; read it with bj_param_str", fn, i, nm);
    }
}

/* ---------------------------------------------------------------- begin */
/* The handles this thread is tracing, innermost last: a handle met again would wait for its own lock. */
static _Thread_local const bj_jit *tracing[64];
static _Thread_local int ntracing;

bool jit_is_tracing(const bj_jit *f) {
    for (int i = 0; i < ntracing; i++)
        if (tracing[i] == f) return true;
    return false;
}

bj_trace *jit_begin(bj_jit *f, const jit_sig *sig) {
    if (ntracing == (int)(sizeof tracing / sizeof tracing[0]))
        return core_err(BJ_ERR_TRACE, "tracing %s: jit calls nested more than %d deep", f->name, ntracing), NULL;
    bj_trace *t = bj_trace_new(f->name);
    if (t) t->x64 = sig->x64; /* the setting the signature was resolved (and keyed) with */
    jit_ctx *c = t ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        bj_trace_free(t);
        core_err(BJ_ERR_NOMEM, "tracing %s: out of memory", f->name);
        return NULL;
    }
    c->f = f, c->sig = *sig;
    c->top = (jit_frame){.f = f, .sig = &c->sig};
    c->frame = &c->top;
    c->top.pnode = core_arena_alloc(&t->arena, sizeof(ir_node *) * (size_t)(sig->n + 1));
    for (int i = 0; c->top.pnode && i < sig->n; i++) {
        const jit_param *p = &sig->p[i];
        char nm[80];
        jit_param_name(f, i, nm, sizeof nm);
        if (!p->is_static && !(c->top.pnode[i] = ir_arg_weak(t, nm, p->dtype, p->rank, p->shape, p->weak))) break;
    }
    if (!c->top.pnode || t->status) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", t->error ? t->error : "out of memory");
        free(c);
        bj_trace_free(t);
        core_err(BJ_ERR_NOMEM, "tracing %s: %s", f->name, msg);
        return NULL;
    }
    t->owner = c;
    tracing[ntracing++] = f;
    c->prev_tracing = state_tracing;
    state_tracing = f->name;
    c->t0 = jit_now();
    return t;
}

/* ---------------------------------------------------------------- parameters */
static const jit_param *param_of(bj_trace *t, int i, const char *fn, jit_frame **fr) {
    jit_ctx *c = ctx_of(t, fn);
    if (!c) return NULL;
    *fr = c->frame;
    if (i < 0 || i >= c->frame->sig->n) {
        ir_fail(t, BJ_ERR_ARG, "%s: parameter %d is out of range (%s takes %d)", fn, i, c->frame->f->name,
                c->frame->sig->n);
        return NULL;
    }
    return &c->frame->sig->p[i];
}

bj_val *bj_param(bj_trace *t, int i) {
    jit_frame *fr;
    const jit_param *p = param_of(t, i, "bj_param", &fr);
    if (!p) return NULL;
    if (!fr->pnode[i]) {
        char nm[80];
        fr->pnode[i] = static_lit(t, p, "bj_param", jit_param_name(fr->f, i, nm, sizeof nm), i);
    }
    return fr->pnode[i];
}

int bj_num_params(bj_trace *t) {
    jit_ctx *c = ctx_of(t, "bj_num_params");
    return c ? c->frame->sig->n : -1;
}

bj_val *bj_param_named(bj_trace *t, const char *name) {
    jit_ctx *c = ctx_of(t, "bj_param_named");
    if (!c) return NULL;
    const jit_options *o = &c->frame->f->o;
    for (int i = 0; name && i < o->ndecl; i++)
        if (!strcmp(o->decl[i].name, name)) return bj_param(t, i);
    return ir_fail(t, BJ_ERR_ARG, "bj_param_named: %s has no parameter \"%s\"", c->frame->f->name,
                   name ? name : "(null)");
}

/* The error for asking a dynamic parameter's value at trace time; recorded in t (failing it) when sticky. */
static void dynamic_value_error(bj_trace *t, const bj_jit *f, int i, const char *fn, bool sticky) {
    char nm[80];
    jit_param_name(f, i, nm, sizeof nm);
    core_err(BJ_ERR_TRACE, "%s: parameter %d (%s) of %s is dynamic: its value is not known while tracing; make it "
             "static (static_argnums=\"%d\"%s%s%s)", fn, i, nm, f->name, i,
             i < f->o.ndecl ? " or static_argnames=\"" : "", i < f->o.ndecl ? nm : "", i < f->o.ndecl ? "\"" : "");
    if (sticky) ir_fail(t, BJ_ERR_TRACE, "%s", bj_last_error());
}

static const jit_param *static_param(bj_trace *t, int i, const char *fn) {
    jit_frame *fr;
    const jit_param *p = param_of(t, i, fn, &fr);
    if (p && !p->is_static) {
        /* a literal passed by an inlining caller is as good as a static value */
        dynamic_value_error(t, fr->f, i, fn, true);
        return NULL;
    }
    return p;
}

double bj_param_f64(bj_trace *t, int i) {
    const jit_param *p = static_param(t, i, "bj_param_f64");
    if (!p) return NAN;
    if (p->kind == BJ_ARG_STR) return ir_fail(t, BJ_ERR_ARG, "bj_param_f64: parameter %d is a string", i), NAN;
    return p->kind == BJ_ARG_F64 ? p->f : (double)p->i;
}

int64_t bj_param_i64(bj_trace *t, int i) {
    const jit_param *p = static_param(t, i, "bj_param_i64");
    if (!p) return 0;
    if (p->kind == BJ_ARG_STR) return ir_fail(t, BJ_ERR_ARG, "bj_param_i64: parameter %d is a string", i), 0;
    if (p->kind == BJ_ARG_F64) {
        if (!(p->f >= -9.2e18 && p->f <= 9.2e18) || p->f != trunc(p->f))
            return ir_fail(t, BJ_ERR_ARG, "bj_param_i64: parameter %d is the float %g, not an integer", i, p->f), 0;
        return (int64_t)p->f;
    }
    return p->i;
}

bool bj_param_bool(bj_trace *t, int i) {
    const jit_param *p = static_param(t, i, "bj_param_bool");
    if (!p) return false;
    if (p->kind == BJ_ARG_STR) return ir_fail(t, BJ_ERR_ARG, "bj_param_bool: parameter %d is a string", i), false;
    return p->kind == BJ_ARG_F64 ? p->f != 0 : p->i != 0;
}

const char *bj_param_str(bj_trace *t, int i) {
    const jit_param *p = static_param(t, i, "bj_param_str");
    if (!p) return NULL;
    if (p->kind != BJ_ARG_STR) return ir_fail(t, BJ_ERR_ARG, "bj_param_str: parameter %d is not a string", i), NULL;
    return p->s;
}

/* Why v (one element, in trace t) has no value while tracing: the error naming the dynamic parameter, Variable or
 * argument it depends on (arg: the earliest one). Not recorded in t: a probe leaves the trace usable. */
static bj_status dynamic_error(bj_trace *t, const ir_node *arg) {
    jit_ctx *c = t->owner;
    for (jit_frame *fr = c ? c->frame : NULL; fr; fr = fr->up)
        for (int i = 0; i < fr->sig->n; i++)
            if (fr->pnode[i] == arg) return dynamic_value_error(t, fr->f, i, "bj_val_to_f64", false), BJ_ERR_TRACE;
    for (int i = 0; c && i < c->nvars; i++)
        if (c->vars[i].read == arg)
            return core_err(BJ_ERR_TRACE, "bj_val_to_f64: the value depends on Variable %s, whose value is not known "
                            "while tracing", c->vars[i].path);
    return core_err(BJ_ERR_TRACE, "bj_val_to_f64: the value depends on argument %s, whose value is not known while "
                    "tracing", arg->name ? arg->name : "?");
}

/* v's value by the interpreter when it depends on no argument: the nodes it needs (found iteratively, each once,
 * so long chains and shared subexpressions cost their size), in id order, each freed after its last use. */
static bj_status probe(bj_trace *t, ir_node *v, double *out) {
    unsigned char *live = calloc((size_t)t->next_id + 1, 1);
    ir_node **ord = NULL;
    int n = 0;
    if (!live || !ir_mark(&v, 1, false, live, &ord, &n)) {
        free(live);
        return core_err(BJ_ERR_NOMEM, "bj_val_to_f64: out of memory");
    }
    free(live);
    for (int k = 0; k < n; k++)
        if (ord[k]->op == IR_ARG) {
            bj_status s = dynamic_error(t, ord[k]);
            free(ord);
            return s;
        }
    /* by position in ord: the value and how many readers have still to read it */
    int *pos = malloc(sizeof *pos * ((size_t)t->next_id + 1)), *left = calloc((size_t)n + 1, sizeof *left);
    bj_array **val = calloc((size_t)n + 1, sizeof *val), *small[8], **in = small;
    bj_status s = pos && left && val ? BJ_OK : BJ_ERR_NOMEM;
    for (int k = 0; !s && k < n; k++) {
        pos[ord[k]->id] = k;
        for (int i = 0; i < ord[k]->nin; i++) left[pos[ord[k]->in[i]->id]]++;
    }
    for (int k = 0; !s && k < n; k++) {
        const ir_node *x = ord[k];
        if (x->body || ir_nelem(x) > (1 << 20)) {
            s = BJ_ERR_TRACE;
            break;
        }
        if (x->nin > 8 && !(in = malloc(sizeof *in * (size_t)x->nin))) s = BJ_ERR_NOMEM;
        for (int i = 0; !s && i < x->nin; i++) in[i] = val[pos[x->in[i]->id]];
        if (!s && interp_eval(x, in, &val[k])) s = BJ_ERR_TRACE;
        for (int i = 0; !s && i < x->nin; i++) {
            int p = pos[x->in[i]->id];
            if (!--left[p]) bj_array_release(val[p]), val[p] = NULL;
        }
        if (in != small) free(in), in = small;
    }
    if (!s) *out = bj_array_get(val[n - 1], 0);
    for (int k = 0; val && k < n; k++) bj_array_release(val[k]);
    free(pos), free(left), free(val), free(ord);
    if (s == BJ_ERR_NOMEM) return core_err(s, "bj_val_to_f64: out of memory");
    if (s) return core_err(s, "bj_val_to_f64: the value cannot be computed while tracing");
    return BJ_OK;
}

bj_status bj_val_to_f64(bj_val *v, double *out) {
    if (!v) return core_err(BJ_ERR_ARG, "bj_val_to_f64: value is NULL (an earlier op failed?)");
    if (!ir_node_live(v)) return core_err(BJ_ERR_HANDLE, "bj_val_to_f64: value %s", ir_node_why(v));
    if (!out) return core_err(BJ_ERR_ARG, "bj_val_to_f64: out is NULL");
    ir_trace *t = v->trace;
    if (t->status) return core_err(t->status, "%s", t->error ? t->error : "trace failed");
    if (ir_nelem(v) != 1) {
        char ty[96];
        return core_err(BJ_ERR_SHAPE, "bj_val_to_f64: the value is %s, not one element",
                        core_fmt_type(ty, sizeof ty, (bj_dtype)v->dtype, v->rank, v->shape));
    }
    return probe(t, v, out);
}

/* ---------------------------------------------------------------- outputs */
bj_status bj_return_n(bj_trace *t, bj_val *const *vs, int n) {
    jit_ctx *c = ctx_of(t, "bj_return");
    if (!c) return t && trace_check(t, "bj_return") ? t->status ? t->status : BJ_ERR_TRACE : BJ_ERR_HANDLE;
    jit_frame *fr = c->frame;
    if (fr->returned) return ir_fail(t, BJ_ERR_TRACE, "bj_return: %s returned twice", fr->f->name), BJ_ERR_TRACE;
    if (n < 0 || (n && !vs)) return ir_fail(t, BJ_ERR_ARG, "bj_return: %d values, vs %s", n, vs ? "given" : "is NULL"),
                             BJ_ERR_ARG;
    for (int i = 0; i < n; i++)
        if (!val_of(t, vs[i], "bj_return")) return t->status;
    fr->rets = core_arena_alloc(&t->arena, sizeof *fr->rets * (size_t)(n + 1));
    if (!fr->rets) return ir_fail(t, BJ_ERR_NOMEM, "bj_return: out of memory"), BJ_ERR_NOMEM;
    for (int i = 0; i < n; i++) fr->rets[i] = (ir_node *)vs[i];
    fr->nret = n, fr->returned = true;
    return BJ_OK;
}

bj_status bj_return(bj_trace *t, bj_val *v) {
    if (!v && t && trace_check(t, "bj_return") && t->status) return t->status; /* an op failed: its error stands */
    return bj_return_n(t, &v, 1);
}

/* ---------------------------------------------------------------- Variables */
/* The path of v as the handle sees it: "<object>.<attr>" when reachable from a method's object, else its name. */
static char *var_path(const bj_jit *f, const bj_var *v) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", v->name);
    int n = f->self ? bj_object_num_vars(f->self) : 0;
    for (int i = 0; i < n; i++) {
        char p[512];
        if (bj_object_var_at(f->self, i, p, sizeof p) == v) {
            snprintf(buf, sizeof buf, "%s", p);
            break;
        }
    }
    size_t l = strlen(buf) + 1;
    char *s = malloc(l);
    if (s) memcpy(s, buf, l);
    return s;
}

/* The slot of v in c (added if new), or -1 with the error recorded. */
static int var_slot(bj_trace *t, jit_ctx *c, bj_var *v) {
    for (int i = 0; i < c->nvars; i++)
        if (c->vars[i].var == v) return i;
    if (c->nvars == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        void *nv = realloc(c->vars, sizeof *c->vars * (size_t)cap);
        if (!nv) return ir_fail(t, BJ_ERR_NOMEM, "bj_var_read: out of memory"), -1;
        c->vars = nv, c->cap = cap;
    }
    int i = c->nvars;
    memset(&c->vars[i], 0, sizeof c->vars[i]);
    if (!(c->vars[i].path = var_path(c->f, v)) || !bj_var_retain(v)) {
        free(c->vars[i].path);
        return ir_fail(t, BJ_ERR_NOMEM, "bj_var_read: out of memory"), -1;
    }
    c->vars[i].var = v;
    c->nvars++;
    return i;
}

bj_val *bj_var_read(bj_trace *t, bj_var *v) {
    jit_ctx *c = ctx_of(t, "bj_var_read");
    if (!c) return NULL;
    if (core_handle_check(v, CORE_H_VAR, "bj_var_read"))
        return ir_fail(t, core_last_status(), "%s", bj_last_error());
    int i = var_slot(t, c, v);
    if (i < 0) return NULL;
    return jit_loop_var(t, c, c->loop, v, i); /* inside a loop body: a carry; else the top level's value */
}

bj_status bj_var_write(bj_trace *t, bj_var *v, bj_val *x) {
    jit_ctx *c = ctx_of(t, "bj_var_write");
    if (!c) return t && trace_check(t, "bj_var_write") && t->status ? t->status : BJ_ERR_TRACE;
    if (core_handle_check(v, CORE_H_VAR, "bj_var_write"))
        return ir_fail(t, core_last_status(), "%s", bj_last_error()), core_last_status();
    ir_node *n = val_of(t, x, "bj_var_write");
    if (!n) return t->status;
    const bj_array *a = v->value;
    if (n->weak && n->dtype != a->dtype && n->rank == a->rank) n = ir_cast(t, n, a->dtype);
    if (!n) return t->status;
    bool same = n->dtype == a->dtype && n->rank == a->rank && !memcmp(n->shape, a->shape, sizeof(int64_t) * a->rank);
    if (!same) {
        char want[96], got[96];
        char *path = var_path(c->f, v);
        ir_fail(t, n->dtype != a->dtype ? BJ_ERR_DTYPE : BJ_ERR_SHAPE,
                "bj_var_write: Variable %s is %s, the new value is %s (a Variable keeps the dtype and shape it was "
                "created with)", path ? path : v->name, core_fmt_type(want, sizeof want, a->dtype, a->rank, a->shape),
                core_fmt_type(got, sizeof got, (bj_dtype)n->dtype, n->rank, n->shape));
        free(path);
        return t->status;
    }
    int i = var_slot(t, c, v);
    if (i < 0) return t->status;
    if (c->loop) return jit_loop_write(t, c, v, i, n);
    c->vars[i].cur = n;
    c->vars[i].written = true;
    return BJ_OK;
}

/* ---------------------------------------------------------------- end: the entry */
static void ctx_free(jit_ctx *c) {
    jit_loops_free(c);
    for (int i = 0; i < c->nvars; i++) bj_var_release(c->vars[i].var), free(c->vars[i].path);
    free(c->vars);
    free(c);
}

/* Remembers the Variables a handle has seen (bj_jit_var_at). */
static void note_seen(bj_jit *f, bj_var *v) {
    for (int i = 0; i < f->nseen; i++)
        if (f->seen[i] == v) return;
    if (f->nseen == f->seen_cap) {
        int cap = f->seen_cap ? 2 * f->seen_cap : 8;
        bj_var **ns = realloc(f->seen, sizeof *ns * (size_t)cap);
        if (!ns) return;
        f->seen = ns, f->seen_cap = cap;
    }
    f->seen[f->nseen++] = bj_var_retain(v);
}

jit_entry *jit_end(bj_trace *t, const jit_key *k, uint64_t h) {
    jit_ctx *c = t->owner;
    bj_jit *f = c->f;
    state_tracing = c->prev_tracing;
    t->owner = NULL;
    for (int i = ntracing - 1; i >= 0; i--) /* normally the last one */
        if (tracing[i] == f) {
            memmove(&tracing[i], &tracing[i + 1], sizeof tracing[0] * (size_t)(ntracing - i - 1));
            ntracing--;
            break;
        }
    jit_entry *e = NULL;
    if (!t->status && t->cur) ir_fail(t, BJ_ERR_TRACE, "%s: a region is still open at the end of the trace", f->name);
    if (t->status) {
        core_err(t->status, "%s", t->error ? t->error : "trace failed");
        goto fail;
    }
    e = calloc(1, sizeof *e);
    int nret = c->top.nret, n = c->sig.n;
    int nout_max = nret + c->nvars, nin_max = n + c->nvars;
    ir_node **outs = malloc(sizeof *outs * (size_t)(nout_max + 1)), **ins = malloc(sizeof *ins * (size_t)(nin_max + 1));
    unsigned char *live = calloc((size_t)t->next_id + 1, 1);
    if (e) {
        e->sig = calloc(1, sizeof *e->sig);
        e->key = malloc(k->n + 1);
        e->vars = calloc((size_t)c->nvars + 1, sizeof *e->vars);
        e->in_src = malloc(sizeof(int) * (size_t)(nin_max + 1));
        e->write_var = malloc(sizeof(int) * (size_t)(c->nvars + 1));
        e->out_alias = malloc(sizeof(int) * (size_t)(nout_max + 1));
        e->donor_of = malloc(sizeof(int) * (size_t)(nret + 1));
    }
    if (!e || !outs || !ins || !live || !e->sig || !e->key || !e->vars || !e->in_src || !e->write_var ||
        !e->out_alias || !e->donor_of) {
        free(outs), free(ins), free(live);
        core_err(BJ_ERR_NOMEM, "tracing %s: out of memory", f->name);
        goto fail;
    }
    *e->sig = c->sig;
    for (int i = 0; i < n; i++) e->sig->p[i].array = NULL, e->sig->p[i].var = NULL, e->sig->p[i].val = NULL;
    /* static strings are the caller's (a foreign caller's may be gone by the next call): the entry keeps copies
     * for its miss explanations */
    for (int i = 0; i < n; i++)
        if ((e->sig->p[i].owned = false), e->sig->p[i].kind == BJ_ARG_STR && e->sig->p[i].s) {
            char *d = strdup(e->sig->p[i].s);
            e->sig->p[i].s = d ? d : "?";
            if (d) e->sig->p[i].owned = true;
        }
    memcpy(e->key, k->p, k->n), e->keylen = k->n, e->hash = h;
    int nout = 0;
    for (int i = 0; i < nret; i++) outs[nout++] = c->top.rets[i];
    e->nret = nret;
    for (int i = 0; i < c->nvars; i++)
        if (c->vars[i].written && c->vars[i].cur != c->vars[i].read) {
            e->write_var[e->nwrite++] = i;
            outs[nout++] = c->vars[i].cur;
        }
    if (!ir_mark(outs, nout, true, live, NULL, NULL)) {
        free(outs), free(ins), free(live);
        core_err(BJ_ERR_NOMEM, "tracing %s: out of memory", f->name);
        goto fail;
    }
    int nin = 0;
    for (int i = 0; i < n; i++) {
        ir_node *a = c->top.pnode[i];
        if (!c->sig.p[i].is_static && a && (live[a->id] || f->o.keep_unused)) e->in_src[nin] = i, ins[nin++] = a;
    }
    for (int i = 0; i < c->nvars; i++) {
        ir_node *a = c->vars[i].read;
        if (a && live[a->id]) e->in_src[nin] = -1 - i, ins[nin++] = a;
    }
    e->nin = nin;
    bool sym = false;
    for (int i = 0; i < nin && !sym; i++)
        for (int a = 0; a < BJ_MAX_RANK && e->in_src[i] >= 0; a++) sym |= c->sig.p[e->in_src[i]].sym[a] >= 0;
    if (sym) { /* abstracted axes: which axis of which input is which symbol */
        if (!(e->in_sym = malloc((size_t)nin * BJ_MAX_RANK + 1))) {
            free(outs), free(ins), free(live);
            core_err(BJ_ERR_NOMEM, "tracing %s: out of memory", f->name);
            goto fail;
        }
        memset(e->in_sym, -1, (size_t)nin * BJ_MAX_RANK);
        for (int i = 0; i < nin; i++)
            if (e->in_src[i] >= 0) memcpy(e->in_sym + i * BJ_MAX_RANK, c->sig.p[e->in_src[i]].sym, BJ_MAX_RANK);
        e->nsym = f->o.nsym;
    }
    for (int o = 0; o < nout; o++) e->out_alias[o] = -1;
    for (int w = 0; w < e->nwrite; w++)
        for (int i = 0; i < nin; i++)
            if (e->in_src[i] == -1 - e->write_var[w]) e->out_alias[nret + w] = i;
    for (int o = 0; o < nret; o++) e->donor_of[o] = -1;
    e->nvars = c->nvars;
    for (int i = 0; i < c->nvars; i++) {
        const bj_array *a = c->vars[i].var->value;
        e->vars[i] = (jit_vref){.var = c->vars[i].var, .path = c->vars[i].path, .rank = a->rank,
                                .read = c->vars[i].read != NULL, .written = c->vars[i].written};
        memcpy(e->vars[i].shape, a->shape, sizeof(int64_t) * (size_t)a->rank);
        c->vars[i].var = NULL, c->vars[i].path = NULL; /* moved */
        note_seen(f, e->vars[i].var);
    }
    free(live);
    double t1 = jit_now();
    f->st.traces++;
    f->st.trace_s += t1 - c->t0;
    ctx_free(c);
    e->graph = trace_to_graph(t, ins, nin, outs, nout); /* consumes t */
    free(ins), free(outs);
    if (!e->graph) {
        jit_entry_free(e);
        return NULL;
    }
    return e;
fail:
    jit_entry_free(e);
    ctx_free(c);
    core_handle_remove(t);
    {
        char msg[2048];
        bj_status s = core_last_status();
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        ir_trace_destroy(t);
        core_err(s ? s : BJ_ERR_TRACE, "%s", msg);
    }
    return NULL;
}
