/* exec.c — the public compile-and-run API: choosing a backend, checking inputs against the graph, running. */
#include "backend/backend.h"
#include "core/array.h"

#include <string.h>

static const backend_vt *find_backend(const char *name) {
    if (!strcmp(name, "interp")) return &backend_interp;
    if (!strcmp(name, "cpu")) return &backend_c;
    return NULL;
}

static void opts_free(exec_opts *o) {
    free((void *)o->out_alias), free((void *)o->in_sym);
    *o = (exec_opts){0};
}

static bool opts_copy(exec_opts *to, const exec_opts *o, const ir_graph *g) {
    *to = (exec_opts){0};
    if (!o) return true;
    if (o->out_alias) {
        int *a = malloc(sizeof *a * (size_t)(g->nout + 1));
        if (!a) return false;
        memcpy(a, o->out_alias, sizeof *a * (size_t)g->nout);
        to->out_alias = a;
    }
    if (o->nsym > 0 && o->in_sym) {
        int8_t *y = malloc((size_t)g->nin * BJ_MAX_RANK + 1);
        if (!y) return false;
        memcpy(y, o->in_sym, (size_t)g->nin * BJ_MAX_RANK);
        to->in_sym = y, to->nsym = o->nsym;
    }
    return true;
}

bj_exec *exec_compile(bj_graph *g, const char *backend, const exec_opts *o) {
    if (core_handle_check(g, CORE_H_GRAPH, "bj_compile")) return NULL;
    if (!backend) /* no default: "cpu" and "interp" differ in cost and in what they report, so the caller names one */
        return core_err(BJ_ERR_ARG, "bj_compile: backend is NULL (use \"cpu\" or \"interp\")"), NULL;
    const backend_vt *vt = find_backend(backend);
    if (!vt) {
        if (!strcmp(backend, "gpu"))
            core_err(BJ_ERR_UNSUPPORTED, "bj_compile: backend \"gpu\" is not available in this build (use \"cpu\" or "
                     "\"interp\")");
        else
            core_err(BJ_ERR_ARG, "bj_compile: unknown backend \"%s\" (known: \"cpu\", \"interp\")", backend);
        return NULL;
    }
    bj_exec *e = calloc(1, sizeof *e);
    if (!e) return core_err(BJ_ERR_NOMEM, "bj_compile: out of memory"), NULL;
    /* the executable's reference, taken before compiling: g stays alive if the caller's goes on another thread */
    if (!(e->g = bj_graph_retain(g))) return free(e), NULL;
    atomic_init(&e->refcount, 1), e->vt = vt;
    char msg[1024];
    if (!opts_copy(&e->opts, o, g)) {
        core_err(BJ_ERR_NOMEM, "bj_compile: out of memory");
    } else if (o && o->nsym > 0 && !(e->sym = opt_sym_new(g, o->nsym, o->in_sym, o->sym_names))) {
        snprintf(msg, sizeof msg, "%s", bj_last_error()); /* abstracted axes: what is not supported, and where */
        core_err(core_last_status() ? core_last_status() : BJ_ERR_NOMEM, "bj_compile: %s", msg);
    } else if (!vt->compile(e) && core_handle_add(e, CORE_H_EXEC)) {
        return e;
    }
    snprintf(msg, sizeof msg, "%s", bj_last_error());
    if (e->impl) e->vt->destroy(e);
    opt_plan_free(e->plan); /* may refer to e->sym's graph (the interpreter's plan) */
    opt_sym_free(e->sym);
    opts_free(&e->opts);
    bj_graph_release(e->g);
    free(e);
    core_err(core_last_status() ? core_last_status() : BJ_ERR_NOMEM, "%s", msg[0] ? msg : "bj_compile: out of memory");
    return NULL;
}

bj_exec *bj_compile(bj_graph *g, const char *backend) { return exec_compile(g, backend, NULL); }

void bj_exec_release(bj_exec *e) {
    if (!core_ref_release(e, e ? &e->refcount : NULL, CORE_H_EXEC, "bj_exec_release")) return;
    e->vt->destroy(e);
    opt_plan_free(e->plan); /* may refer to e->sym's graph (the interpreter's plan) */
    opt_sym_free(e->sym);
    opts_free(&e->opts);
    bj_graph_release(e->g);
    free(e);
}

/* An array matching node p's dtype and shape, or the error naming which argument and both types. */
static bj_status check_array(const bj_array *a, const ir_node *p, const char *fn, const char *what, int i) {
    bool ok = bj_array_valid(a) && a->dtype == p->dtype && a->rank == p->rank;
    for (int k = 0; ok && k < a->rank; k++) ok = a->shape[k] == p->shape[k];
    if (ok) return BJ_OK;
    char nm[80] = "";
    if (p->name) snprintf(nm, sizeof nm, " (%s)", p->name);
    if (!bj_array_valid(a))
        return core_err(a ? BJ_ERR_HANDLE : BJ_ERR_ARG, "%s: %s %d%s is %s", fn, what, i, nm,
                        a ? "not a live array (freed, or a pointer to something else)" : "NULL");
    if (a->dtype != p->dtype || a->rank != p->rank || memcmp(a->shape, p->shape, sizeof(int64_t) * a->rank)) {
        char x[96], y[96];
        return core_err(a->dtype != p->dtype ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "%s: %s %d%s is %s, the graph %s %s", fn,
                        what, i, nm, core_fmt_type(x, sizeof x, a->dtype, a->rank, a->shape),
                        strcmp(what, "input") ? "makes" : "expects", core_fmt_type(y, sizeof y, p->dtype, p->rank,
                        p->shape));
    }
    return BJ_OK;
}

/* ---------------------------------------------------------------- abstracted axes */
/* exec_bind_syms with the calling function's name as a prefix of messages (NULL: none). */
static bj_status bind_syms(const bj_exec *e, bj_array *const *ins, int64_t *vals, const char *fn) {
    const opt_syms *sy = e->sym;
    const ir_graph *g = e->g;
    int from[OPT_SYM_MAX];
    char pre[64] = "";
    if (fn) snprintf(pre, sizeof pre, "%s: ", fn);
    for (int k = 0; k < sy->nsym; k++) vals[k] = -1, from[k] = -1;
    for (int i = 0; i < g->nin; i++) {
        const bj_array *a = ins[i];
        const ir_node *p = g->inputs[i];
        const int8_t *in = &sy->in_sym[(size_t)i * BJ_MAX_RANK];
        char nm[80] = "", x[160], y[160];
        if (p->name) snprintf(nm, sizeof nm, " (%s)", p->name);
        if (!bj_array_valid(a))
            return core_err(a ? BJ_ERR_HANDLE : BJ_ERR_ARG, "%sinput %d%s is %s", pre, i, nm,
                            a ? "not a live array (freed, or a pointer to something else)" : "NULL");
        bool ok = a->dtype == p->dtype && a->rank == p->rank;
        for (int k = 0; ok && k < a->rank; k++) ok = in[k] >= 0 || a->shape[k] == p->shape[k];
        if (!ok)
            return core_err(a->dtype != p->dtype ? BJ_ERR_DTYPE : BJ_ERR_SHAPE, "%sinput %d%s is %s, the graph expects %s",
                            pre, i, nm, core_fmt_type(x, sizeof x, a->dtype, a->rank, a->shape),
                            opt_sym_fmt(sy, y, sizeof y, (bj_dtype)p->dtype, p->rank, p->shape, in));
        for (int k = 0; k < a->rank; k++) {
            int q = in[k];
            if (q < 0) continue;
            if (vals[q] < 0) {
                vals[q] = a->shape[k], from[q] = i;
            } else if (vals[q] != a->shape[k]) {
                const ir_node *f = g->inputs[from[q]];
                char fn2[80] = "";
                if (f->name) snprintf(fn2, sizeof fn2, " (%s)", f->name);
                core_fmt_type(x, sizeof x, a->dtype, a->rank, a->shape);
                opt_sym_fmt(sy, y, sizeof y, (bj_dtype)p->dtype, p->rank, p->shape, in);
                return core_err(BJ_ERR_SHAPE, "%sinput %d%s is %s, the graph expects %s with %s = %lld from input %d%s",
                                pre, i, nm, x, y, sy->names[q], (long long)vals[q], from[q], fn2);
            }
        }
    }
    for (int k = 0; k < sy->nsym; k++)
        if (vals[k] < 0) vals[k] = 0;
    for (int i = 0; i < sy->nempty; i++) { /* max/min/argmax/argmin of an empty symbolic axis has no value */
        const ir_node *n = sy->empty_check[i], *x = n->in[0];
        bool red[BJ_MAX_RANK] = {0};
        for (int j = 1; j < n->nattr; j++) red[n->attr[j]] = true;
        int64_t count = 1, kept = 1;
        int zero = -1;
        for (int k = 0; k < x->rank; k++) {
            int q = OPT_SYM(sy->node, x, k);
            int64_t v = q >= 0 ? vals[q] : x->shape[k];
            if (red[k] && !v && zero < 0) zero = k;
            if (red[k]) count *= v ? 1 : 0;
            else kept *= v ? 1 : 0;
        }
        if (!count && kept) {
            char t[160];
            opt_sym_fmt(sy, t, sizeof t, (bj_dtype)x->dtype, x->rank, x->shape, &OPT_SYM(sy->node, x, 0));
            int q = OPT_SYM(sy->node, x, zero);
            return core_err(BJ_ERR_SHAPE, "%s%s over axis %d of %s with %s = 0 reduces an empty axis, which has no "
                            "identity", pre, ir_ops[n->op].name, zero, t, q >= 0 ? sy->names[q] : "?");
        }
    }
    return BJ_OK;
}

bj_status exec_bind_syms(const bj_exec *e, bj_array *const *ins, int64_t *symvals) {
    if (!e->sym) {
        for (int i = 0; i < e->g->nin; i++) {
            bj_status s = check_array(ins[i], e->g->inputs[i], "exec_bind_syms", "input", i);
            if (s) return s;
        }
        return BJ_OK;
    }
    return bind_syms(e, ins, symvals, NULL);
}

bj_status exec_out_shape(const bj_exec *e, int out, const int64_t *symvals, int64_t *shape) {
    if (out < 0 || out >= e->g->nout)
        return core_err(BJ_ERR_ARG, "exec_out_shape: output %d of a graph with %d outputs", out, e->g->nout);
    const ir_node *n = e->sym ? e->sym->g->outputs[out] : e->g->outputs[out];
    for (int k = 0; k < n->rank; k++) {
        int q = e->sym ? OPT_SYM(e->sym->node, n, k) : -1;
        shape[k] = q >= 0 ? symvals[q] : n->shape[k];
    }
    return BJ_OK;
}

/* Fresh outputs of run e on ins: at the symbols' sizes for an executable with abstracted axes (whose backend runs
 * into outputs the caller allocated), else what the backend's run makes. */
static bj_status run_fresh(bj_exec *e, bj_array *const *ins, bj_array **outs, const char *fn) {
    if (!e->sym || !e->vt->run_into) return e->vt->run(e, ins, outs);
    int64_t vals[OPT_SYM_MAX], sh[BJ_MAX_RANK];
    opt_sym_values(e->sym, ins, vals);
    for (int j = 0; j < e->g->nout; j++) {
        const ir_node *o = e->g->outputs[j];
        exec_out_shape(e, j, vals, sh);
        if (!(outs[j] = core_array_alloc((bj_dtype)o->dtype, o->rank, sh, fn))) return core_last_status();
    }
    return e->vt->run_into(e, ins, outs);
}

/* e is pinned by the caller (pin below), so it is live. */
static bj_status check_inputs(bj_exec *e, bj_array *const *ins, int nin, int nout, bool have_outs, const char *fn) {
    bj_status s;
    const ir_graph *g = e->g;
    if (nin != g->nin) return core_err(BJ_ERR_ARG, "%s: %d inputs given, the graph takes %d", fn, nin, g->nin);
    if (nout != g->nout) return core_err(BJ_ERR_ARG, "%s: room for %d outputs, the graph makes %d", fn, nout, g->nout);
    if ((nin && !ins) || (nout && !have_outs))
        return core_err(BJ_ERR_ARG, "%s: %s is NULL", fn, !have_outs ? "outs" : "ins");
    if (e->sym) {
        int64_t vals[OPT_SYM_MAX];
        return bind_syms(e, ins, vals, fn);
    }
    for (int i = 0; i < nin; i++)
        if ((s = check_array(ins[i], g->inputs[i], fn, "input", i))) return s;
    return BJ_OK;
}

/* A run holds a reference to e while it runs: a release of the caller's last one on another thread (the caller's
 * error) then frees e when the run ends, not under it; a run that starts after the free fails as not live. */
static bool pin(bj_exec *e, const char *fn) { return core_ref_retain(e, e ? &e->refcount : NULL, CORE_H_EXEC, fn); }

bj_status bj_exec_run(bj_exec *e, bj_array *const *ins, int nin, bj_array **outs, int nout) {
    if (!pin(e, "bj_exec_run")) return core_last_status();
    bj_status s = check_inputs(e, ins, nin, nout, outs != NULL, "bj_exec_run");
    if (!s) {
        for (int i = 0; i < nout; i++) outs[i] = NULL;
        s = run_fresh(e, ins, outs, "bj_exec_run");
        if (s)
            for (int i = 0; i < nout; i++) bj_array_release(outs[i]), outs[i] = NULL;
    }
    bj_exec_release(e);
    return s;
}

/* The last calls of this thread that passed every check: a step called in a loop on the same arrays (or on two
 * sets of arrays in turn, ping-pong) skips the checks, as long as no handle was freed since (an array's dtype and
 * shape never change while it lives). */
#define LAST_MAX 16
#define LAST_WAYS 2
typedef struct last_call {
    const bj_exec *e;
    uint64_t gen;
    int nin, nout;
    const bj_array *a[LAST_MAX];
} last_call;
static _Thread_local BJ_TLS_FAST last_call last[LAST_WAYS];
static _Thread_local BJ_TLS_FAST unsigned last_next;

static bool same_call(const last_call *l, const bj_exec *e, bj_array *const *ins, int nin, bj_array *const *outs,
                      int nout, uint64_t gen) {
    if (l->e != e || l->nin != nin || l->nout != nout || l->gen != gen) return false;
    for (int i = 0; i < nin; i++)
        if (l->a[i] != ins[i]) return false;
    for (int i = 0; i < nout; i++)
        if (l->a[nin + i] != outs[i]) return false;
    return true;
}

static bool seen_before(const bj_exec *e, bj_array *const *ins, int nin, bj_array *const *outs, int nout) {
    if (nin + nout > LAST_MAX || (nin && !ins) || (nout && !outs)) return false;
    uint64_t gen = core_handle_generation();
    for (int w = 0; w < LAST_WAYS; w++)
        if (same_call(&last[w], e, ins, nin, outs, nout, gen)) return true;
    return false;
}

static void remember(const bj_exec *e, uint64_t gen, bj_array *const *ins, int nin, bj_array *const *outs, int nout) {
    if (nin + nout > LAST_MAX) return;
    last_call *l = &last[last_next++ % LAST_WAYS];
    for (int i = 0; i < nin; i++) l->a[i] = ins[i];
    for (int i = 0; i < nout; i++) l->a[nin + i] = outs[i];
    l->nin = nin, l->nout = nout, l->gen = gen, l->e = e;
}

static bj_status run_into(bj_exec *e, bj_array *const *ins, int nin, bj_array *const *outs, int nout) {
    bj_status s;
    if (!seen_before(e, ins, nin, outs, nout)) {
        uint64_t gen = core_handle_generation(); /* before the checks: a free during them invalidates */
        s = check_inputs(e, ins, nin, nout, outs != NULL, "bj_exec_run_into");
        if (s) return s;
        const ir_graph *g = e->g;
        int64_t vals[OPT_SYM_MAX];
        if (e->sym) opt_sym_values(e->sym, ins, vals);
        for (int i = 0; i < nout; i++) {
            const ir_node *o = g->outputs[i];
            if (e->sym) { /* the output's type at these sizes */
                ir_node at = *o;
                exec_out_shape(e, i, vals, at.shape);
                at.name = NULL;
                s = check_array(outs[i], &at, "bj_exec_run_into", "output", i);
            } else {
                s = check_array(outs[i], o, "bj_exec_run_into", "output", i);
            }
            if (s) return s;
        }
        remember(e, gen, ins, nin, outs, nout);
    }
    if (e->vt->run_into) return e->vt->run_into(e, ins, outs);
    bj_array *tmp[64], **t = nout <= 64 ? tmp : calloc((size_t)nout, sizeof *t);
    if (!t) return core_err(BJ_ERR_NOMEM, "bj_exec_run_into: out of memory");
    for (int i = 0; i < nout; i++) t[i] = NULL;
    s = run_fresh(e, ins, t, "bj_exec_run_into");
    for (int i = 0; i < nout; i++) {
        if (!s && outs[i]->nbytes) memmove(outs[i]->data, t[i]->data, outs[i]->nbytes);
        bj_array_release(t[i]);
    }
    if (t != tmp) free(t);
    return s;
}

bj_status bj_exec_run_into(bj_exec *e, bj_array *const *ins, int nin, bj_array *const *outs, int nout) {
    if (!pin(e, "bj_exec_run_into")) return core_last_status();
    bj_status s = run_into(e, ins, nin, outs, nout);
    bj_exec_release(e);
    return s;
}

static bool overlaps(const bj_array *a, const bj_array *b) {
    const char *pa = a->data, *pb = b->data;
    return a->nbytes && b->nbytes && pa < pb + b->nbytes && pb < pa + a->nbytes;
}

bj_status exec_run_aliased(bj_exec *e, bj_array *const *ins, bj_array *const *outs) {
    if (e->vt->run_aliased) return e->vt->run_aliased(e, ins, outs);
    if (!e->opts.out_alias && e->vt->run_into) return e->vt->run_into(e, ins, outs);
    int nout = e->g->nout;
    bj_array *tmp[64], **t = nout <= 64 ? tmp : calloc((size_t)nout, sizeof *t);
    if (!t) return core_err(BJ_ERR_NOMEM, "bj_exec_run: out of memory");
    for (int i = 0; i < nout; i++) t[i] = NULL;
    bj_status s = run_fresh(e, ins, t, "bj_exec_run");
    /* a result may be an input array itself (the interpreter returns what it computed, inputs included): one that
     * some output overwrites is duplicated before any copy; a result that is its destination needs no copy */
    for (int i = 0; !s && i < nout; i++) {
        bool clobbered = false;
        for (int j = 0; j < nout; j++)
            clobbered |= overlaps(t[i], outs[j]) && (j != i || t[i]->data != outs[i]->data);
        if (!clobbered) continue;
        bj_array *c = bj_array_copy(t[i]);
        if (!c) s = core_last_status() ? core_last_status() : BJ_ERR_NOMEM;
        else bj_array_release(t[i]), t[i] = c;
    }
    for (int i = 0; i < nout; i++) {
        if (!s && outs[i]->nbytes && t[i]->data != outs[i]->data) memcpy(outs[i]->data, t[i]->data, outs[i]->nbytes);
        bj_array_release(t[i]);
    }
    if (t != tmp) free(t);
    return s;
}

int exec_num_inplace(const bj_exec *e) { return e->ninplace; }

const char *bj_exec_backend(const bj_exec *e) {
    if (core_handle_check(e, CORE_H_EXEC, "bj_exec_backend")) return NULL;
    return e->vt->name;
}
int bj_exec_num_kernels(const bj_exec *e) {
    if (core_handle_check(e, CORE_H_EXEC, "bj_exec_num_kernels")) return -1;
    return e->nkernels;
}
const char *bj_exec_source(const bj_exec *e) {
    if (core_handle_check(e, CORE_H_EXEC, "bj_exec_source")) return NULL;
    return e->source;
}

bj_status bj_graph_run(bj_graph *g, const char *backend, bj_array *const *ins, int nin, bj_array **outs, int nout) {
    if (!backend) return core_err(BJ_ERR_ARG, "bj_graph_run: backend is NULL (use \"cpu\" or \"interp\")");
    bj_exec *e = bj_compile(g, backend);
    if (!e) return core_last_status();
    bj_status s = bj_exec_run(e, ins, nin, outs, nout);
    bj_exec_release(e);
    return s;
}
