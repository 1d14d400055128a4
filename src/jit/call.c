/* call.c — calling a jit handle: signature lookup, tracing on a miss, compiling (with Variables written in place
 * and donated buffers reused), binding and running, and calls made while tracing another function.
 *
 * Design note. The call path is: resolve the arguments (keywords, defaults, statics), make the key, find an entry
 * whose Variables still have their traced types; on a miss explain it, trace, and insert; compile on first use;
 * then bind. Inputs are the kept dynamic arguments (C scalars in 0-d arrays) and the Variables read; outputs are
 * fresh arrays for returned values (or a donated argument's buffer) and each written Variable's own array. A
 * Variable that is read and written is declared to the backend as an output over its input (exec_opts.out_alias),
 * so the update needs no copy where the kernels allow it. Memory the caller passes twice (a Variable's value as an
 * argument, too) is copied before the run, so no undeclared overlap reaches the backend. Nothing is written before
 * the kernels run, and everything that can fail (tracing, compiling, allocating) happens before them: a failed
 * call leaves every Variable as it was. */
#include "jit/jit.h"

#include <string.h>

static bool config_on(const char *key) {
    char v[8];
    core_config(key, v, sizeof v);
    return v[0] == '1';
}

/* ---------------------------------------------------------------- compile */
/* Donation: each donated argument's buffer goes to the first returned output of the same dtype and byte size. */
static void plan_donation(bj_jit *f, jit_entry *e) {
    for (int d = 0; d < f->o.ndonate && !e->nsym; d++) { /* (abstracted sizes vary from call to call: no donation) */
        int p = f->o.donate[d];
        if (p >= e->sig->n) continue; /* checked at call time */
        const jit_param *q = &e->sig->p[p];
        char nm[80], ty[96];
        jit_param_name(f, p, nm, sizeof nm);
        core_fmt_type(ty, sizeof ty, q->dtype, q->rank, q->shape);
        int in = -1;
        for (int i = 0; i < e->nin; i++)
            if (e->in_src[i] == p) in = i;
        int out = -1;
        const ir_graph *g = e->graph;
        for (int o = 0; in >= 0 && o < e->nret && out < 0; o++) {
            const ir_node *n = g->outputs[o];
            bool dup = false;
            for (int k = 0; k < o; k++) dup |= g->outputs[k] == n; /* one buffer per value */
            if (!dup && e->out_alias[o] < 0 && n->dtype == q->dtype &&
                ir_nelem(n) * (int64_t)bj_dtype_size((bj_dtype)n->dtype) ==
                    ir_nelem(g->inputs[in]) * (int64_t)bj_dtype_size(q->dtype))
                out = o;
        }
        if (out >= 0) {
            e->out_alias[out] = in, e->donor_of[out] = p;
        } else {
            fprintf(stderr, "brainjit: warning: %s: donated argument %d (%s) %s is not reused: %s; the array stays "
                    "valid\n", f->name, p, nm, ty, in < 0 ? "the function does not use it"
                                                         : "no output has its dtype and size");
        }
    }
}

bj_status jit_compile_entry(bj_jit *f, jit_entry *e) {
    if (e->exec) return BJ_OK;
    plan_donation(f, e);
    bool any = false;
    for (int o = 0; o < e->nret + e->nwrite; o++) any |= e->out_alias[o] >= 0;
    const char *names[sizeof f->o.symname / sizeof f->o.symname[0]];
    for (int i = 0; i < f->o.nsym; i++) names[i] = f->o.symname[i];
    exec_opts opts = {.out_alias = any ? e->out_alias : NULL, .nsym = e->nsym, .in_sym = e->in_sym,
                      .sym_names = e->nsym ? names : NULL};
    double t0 = jit_now();
    e->exec = exec_compile(e->graph, f->o.backend, &opts);
    double dt = jit_now() - t0;
    if (!e->exec) {
        for (int o = 0; o < e->nret; o++) /* undo the donation plan: the next try redoes it */
            if (e->donor_of[o] >= 0) e->out_alias[o] = -1, e->donor_of[o] = -1;
        return core_err(core_last_status() ? core_last_status() : BJ_ERR_INTERNAL, "%s: compiling failed: %s",
                        f->name, bj_last_error());
    }
    f->st.compiles++;
    f->st.compile_s += dt;
    if (config_on("log_compiles")) {
        char sig[512] = "";
        size_t k = 0;
        for (int i = 0; i < e->sig->n && k < sizeof sig; i++) {
            char nm[80], v[128];
            jit_param_name(f, i, nm, sizeof nm);
            jit_fmt_param(v, sizeof v, &e->sig->p[i], &f->o);
            k += (size_t)snprintf(sig + k, sizeof sig - k, "%s%s%s%s", i ? ", " : "", nm,
                                  e->sig->p[i].is_static ? "=" : ": ", v);
        }
        fprintf(stderr, "brainjit: compiled %s(%s) for %s in %.1f ms (%d kernels)\n", f->name, sig,
                bj_exec_backend(e->exec), 1e3 * dt, bj_exec_num_kernels(e->exec));
    }
    return BJ_OK;
}

/* ---------------------------------------------------------------- lookup */
/* The entry for sig (traced on a miss, and inserted); NULL with the error set. trace: whether a miss may run the
 * function (false for foreign handles, which get BJ_ERR_TRACE "needs a trace"). */
static jit_entry *lookup(bj_jit *f, const jit_sig *sig, bool trace, const char *fn, bool *missed) {
    jit_key k;
    if (!jit_key_make(sig, &k)) return core_err(BJ_ERR_NOMEM, "%s(%s): out of memory", fn, f->name), NULL;
    uint64_t h = jit_key_hash(&k);
    jit_entry *e = jit_cache_find(f, &k, h);
    if (e) {
        f->st.cache_hits++;
        jit_key_free(&k);
        return e;
    }
    jit_explain_miss(f, sig, &k);
    f->st.cache_misses++;
    if (config_on("explain_cache_misses")) fprintf(stderr, "brainjit: cache miss in %s: %s\n", f->name, f->last_miss);
    if (!trace || !f->fn) {
        jit_key_free(&k);
        if (missed) *missed = true;
        core_err(BJ_ERR_TRACE, "%s(%s): no compiled signature for these arguments and no function to trace (trace it "
                 "with bj_jit_trace_begin / bj_jit_trace_end)", fn, f->name);
        return NULL;
    }
    bj_trace *t = jit_begin(f, sig);
    if (t) {
        bj_status s = f->fn(t, f->ud);
        if (s && !t->status) ir_fail(t, s, "%s: the traced function returned %s%s%s", f->name, bj_status_name(s),
                                     bj_last_error()[0] ? ": " : "", bj_last_error());
        e = jit_end(t, &k, h);
    }
    if (e) jit_cache_insert(f, e);
    f->st.cache_size = f->nentries;
    jit_key_free(&k);
    return e;
}

/* ---------------------------------------------------------------- running */
static bool overlap(const bj_array *a, const bj_array *b) {
    const char *pa = a->data, *pb = b->data;
    return a->nbytes && b->nbytes && pa < pb + b->nbytes && pb < pa + a->nbytes;
}

static bj_array *scalar_array(const jit_param *p) {
    bj_array *a = core_array_alloc(p->dtype, 0, NULL, "bj_jit_call");
    if (!a) return NULL;
    switch (p->dtype) {
    case BJ_F32: *(float *)a->data = (float)p->f; break;
    case BJ_F64: *(double *)a->data = p->f; break;
    case BJ_I32: *(int32_t *)a->data = (int32_t)p->i; break;
    case BJ_I64: *(int64_t *)a->data = p->i; break;
    case BJ_BOOL: *(bool *)a->data = p->i != 0; break;
    default: break;
    }
    return a;
}

#define RUN_MAX 256

/* Checks donations for this call: a donated argument must be an array of its own (not a Variable's value, not
 * passed twice). */
static bj_status check_donors(const bj_jit *f, const jit_entry *e, const jit_sig *sig) {
    for (int o = 0; o < e->nret; o++) {
        int p = e->donor_of[o];
        if (p < 0) continue;
        const jit_param *q = &sig->p[p];
        char nm[80];
        jit_param_name(f, p, nm, sizeof nm);
        if (q->var || atomic_load(&q->array->var_owned) > 0)
            return core_err(BJ_ERR_ARG, "bj_jit_call(%s): argument %d (%s) is donated but holds %s%s: a Variable's "
                            "buffer cannot be donated (it is the Variable's state)", f->name, p, nm,
                            q->var ? "Variable " : "a Variable's value", q->var ? q->var->name : "");
        for (int i = 0; i < sig->n; i++)
            if (i != p && sig->p[i].array == q->array)
                return core_err(BJ_ERR_ARG, "bj_jit_call(%s): argument %d (%s) is donated, but the same array is also "
                                "argument %d", f->name, p, nm, i);
    }
    return BJ_OK;
}

static bj_status run_entry(bj_jit *f, jit_entry *e, const jit_sig *sig, bj_array **outs, int nout) {
    const ir_graph *g = e->graph;
    int nin = e->nin, ngo = g->nout;
    if (nout && nout != e->nret)
        return core_err(BJ_ERR_ARG, "bj_jit_call(%s): the function returns %d output%s, room for %d given", f->name,
                        e->nret, e->nret == 1 ? "" : "s", nout);
    if (nin > RUN_MAX || ngo > RUN_MAX)
        return core_err(BJ_ERR_ARG, "bj_jit_call(%s): more than %d inputs or outputs", f->name, RUN_MAX);
    bj_status s = check_donors(f, e, sig);
    if (s) return s;
    bj_array *ins[RUN_MAX], *o[RUN_MAX], *own_in[RUN_MAX], *tmp_out[RUN_MAX];
    bool fresh[RUN_MAX];
    int nmax = nin > ngo ? nin : ngo;
    for (int i = 0; i < nmax; i++) own_in[i] = tmp_out[i] = NULL, fresh[i] = false;
    for (int i = 0; i < nin; i++) {
        int src = e->in_src[i];
        if (src >= 0) {
            const jit_param *p = &sig->p[src];
            ins[i] = p->array ? p->array : (own_in[i] = scalar_array(p));
        } else {
            ins[i] = e->vars[-1 - src].var->value;
        }
        if (!ins[i]) goto oom;
    }
    int64_t symvals[64];
    if (e->nsym && (s = exec_bind_syms(e->exec, ins, symvals))) { /* abstracted axes: this call's sizes */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        for (int i = 0; i < nmax; i++) bj_array_release(own_in[i]);
        return core_err(s, "bj_jit_call(%s): %s", f->name, msg);
    }
    for (int r = 0; r < e->nret; r++) {
        if (e->donor_of[r] >= 0) {
            o[r] = ins[e->out_alias[r]];
            continue;
        }
        const ir_node *n = g->outputs[r];
        int64_t shape[BJ_MAX_RANK];
        if (e->nsym && exec_out_shape(e->exec, r, symvals, shape)) goto oom;
        if (!(o[r] = core_array_alloc((bj_dtype)n->dtype, n->rank, e->nsym ? shape : n->shape, "bj_jit_call")))
            goto oom;
        fresh[r] = true;
    }
    for (int w = 0; w < e->nwrite; w++) o[e->nret + w] = e->vars[e->write_var[w]].var->value;
    /* undeclared overlaps: an input sharing memory with an aliased output is copied; an unaliased output sharing
     * memory with an input is computed into a temporary */
    for (int j = 0; j < ngo; j++) {
        if (fresh[j]) continue;
        int a = e->out_alias[j];
        for (int i = 0; i < nin; i++) {
            if (i == a || !overlap(o[j], ins[i])) continue;
            if (a >= 0) {
                bj_array *c = bj_array_copy(ins[i]);
                if (!c) goto oom;
                bj_array_release(own_in[i]);
                ins[i] = own_in[i] = c;
            } else if (!tmp_out[j]) {
                if (!(tmp_out[j] = core_array_alloc(o[j]->dtype, o[j]->rank, o[j]->shape, "bj_jit_call"))) goto oom;
            }
        }
    }
    bj_array *bound[RUN_MAX];
    for (int j = 0; j < ngo; j++) bound[j] = tmp_out[j] ? tmp_out[j] : o[j];
    s = exec_run_aliased(e->exec, ins, bound);
    if (!s)
        for (int j = 0; j < ngo; j++)
            if (tmp_out[j] && o[j]->nbytes) memcpy(o[j]->data, tmp_out[j]->data, o[j]->nbytes);
    for (int r = 0; !s && r < e->nret; r++)
        if (e->donor_of[r] >= 0) {
            const ir_node *n = g->outputs[r];
            bj_array *a = core_array_take(o[r], (bj_dtype)n->dtype, n->rank, n->shape);
            if (!a) {
                s = core_last_status();
                break;
            }
            o[r] = a, fresh[r] = true;
        }
    for (int r = 0; r < e->nret; r++) {
        if (!fresh[r]) continue;
        if (!s && nout) outs[r] = o[r];
        else bj_array_release(o[r]);
    }
    for (int i = 0; i < nmax; i++)
        if (own_in[i] || tmp_out[i]) bj_array_release(own_in[i]), bj_array_release(tmp_out[i]);
    return s;
oom:
    for (int r = 0; r < e->nret; r++)
        if (fresh[r]) bj_array_release(o[r]);
    for (int i = 0; i < nmax; i++) bj_array_release(own_in[i]), bj_array_release(tmp_out[i]);
    return core_err(BJ_ERR_NOMEM, "bj_jit_call(%s): out of memory", f->name);
}

/* ---------------------------------------------------------------- public calls */
/* Pins f (jit_pin) and refuses calls made while tracing; on success the caller unpins f when done. */
static bj_status enter(const bj_jit *f, const char *fn) {
    if (!jit_pin(f, fn)) return core_last_status();
    if (!state_tracing) return BJ_OK;
    bj_status s = core_err(BJ_ERR_TRACE, "%s(%s): called while tracing '%s'; inside a traced function call jit "
                           "functions with bj_jit_call_traced", fn, f->name, state_tracing);
    jit_unpin(f);
    return s;
}

/* The Variables a run uses, each once, locked in address order (state.h). */
typedef struct var_hold {
    bj_var *v;
    bool write;
} var_hold;

static int hold_cmp(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)((const var_hold *)a)->v, y = (uintptr_t)((const var_hold *)b)->v;
    return (x > y) - (x < y);
}

/* Locks what a run of e on sig uses (its Variables, for writing those it writes, and Variables passed as arguments)
 * into *h (on the stack when they fit in `room`, else malloc'd); the count, or -1 on OOM. */
static int hold_vars(const jit_entry *e, const jit_sig *sig, var_hold **h, int room) {
    int n = 0, max = e->nvars + sig->n;
    if (max > room && !(*h = malloc(sizeof **h * (size_t)max))) return -1;
    var_hold *x = *h;
    for (int i = 0; i < e->nvars; i++) x[n++] = (var_hold){e->vars[i].var, e->vars[i].written};
    for (int i = 0; i < sig->n; i++)
        if (sig->p[i].var) x[n++] = (var_hold){sig->p[i].var, false};
    if (n > 8) qsort(x, (size_t)n, sizeof *x, hold_cmp);
    else /* (a few: insertion, cheaper than qsort's calls) */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && hold_cmp(&x[j - 1], &x[j]) > 0; j--) {
                var_hold t = x[j];
                x[j] = x[j - 1], x[j - 1] = t;
            }
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k && x[k - 1].v == x[i].v) x[k - 1].write |= x[i].write;
        else x[k++] = x[i];
    }
    for (int i = 0; i < k; i++)
        if (x[i].write) pthread_rwlock_wrlock(&x[i].v->lock);
        else pthread_rwlock_rdlock(&x[i].v->lock);
    return k;
}

static void unhold_vars(var_hold *h, int n, const var_hold *stack) {
    for (int i = n - 1; i >= 0; i--) pthread_rwlock_unlock(&h[i].v->lock);
    if (h != stack) free(h);
}

/* tagged: bj_jit_call_tagged (cap outputs at most; *nout and *tag receive the entry's; a foreign miss is
 * *nout = -1). */
static bj_status call_impl(bj_jit *f, const bj_arg *args, int nargs, bj_array **outs, int nout, bool tagged,
                           int *nout_got, void **tag) {
    bj_status s = enter(f, "bj_jit_call");
    if (s) return s;
    if (nout < 0 || (nout && !outs)) {
        s = core_err(BJ_ERR_ARG, "bj_jit_call(%s): room for %d outputs, outs %s", f->name, nout,
                     outs ? "given" : "is NULL");
        jit_unpin(f);
        return s;
    }
    for (int i = 0; i < nout; i++) outs[i] = NULL;
    jit_sig sigbuf, *sig = &sigbuf; /* on the stack: a call allocates nothing but its outputs */
    var_hold stack[64], *held = stack;
    int nheld = 0;
    pthread_rwlock_rdlock(&state_values); /* until the run holds its Variables (state.h) */
    pthread_mutex_lock(&f->lock);
    f->st.calls++;
    s = jit_resolve(f, args, nargs, core_x64(), sig, "bj_jit_call");
    for (int i = 0; !s && i < sig->n; i++)
        if (sig->p[i].kind == BJ_ARG_SPEC)
            s = core_err(BJ_ERR_ARG, "bj_jit_call(%s): argument %d is a shape spec (bj_arg_spec): it can be compiled "
                         "and inspected, not run", f->name, i);
    bool missed = false;
    jit_entry *e = s ? NULL : lookup(f, sig, true, "bj_jit_call", &missed);
    if (!s && !e) s = core_last_status() ? core_last_status() : BJ_ERR_INTERNAL;
    if (tagged && missed) *nout_got = -1;
    if (!s && tagged) {
        if (e->nret > nout) {
            *nout_got = e->nret;
            s = core_err(BJ_ERR_ARG, "bj_jit_call_tagged(%s): the function returns %d outputs, room for %d given",
                         f->name, e->nret, nout);
        } else {
            nout = *nout_got = e->nret;
            *tag = e->tag;
        }
    }
    if (!s) s = jit_compile_entry(f, e);
    if (!s && (nheld = hold_vars(e, sig, &held, 64)) < 0)
        s = core_err(BJ_ERR_NOMEM, "bj_jit_call(%s): out of memory", f->name), nheld = 0;
    pthread_rwlock_unlock(&state_values);
    if (!s) s = run_entry(f, e, sig, outs, nout);
    unhold_vars(held, nheld, stack);
    pthread_mutex_unlock(&f->lock);
    jit_unpin(f);
    return s;
}

bj_status bj_jit_call(bj_jit *f, const bj_arg *args, int nargs, bj_array **outs, int nout) {
    return call_impl(f, args, nargs, outs, nout, false, NULL, NULL);
}

bj_status bj_jit_call_tagged(bj_jit *f, const bj_arg *args, int nargs, bj_array **outs, int cap, int *nout,
                             void **tag) {
    if (!nout || !tag)
        return core_err(BJ_ERR_ARG, "bj_jit_call_tagged: %s is NULL", nout ? "tag" : "nout");
    *nout = 0, *tag = NULL;
    if (cap < 0 || (cap && !outs))
        return core_err(BJ_ERR_ARG, "bj_jit_call_tagged: room for %d outputs, outs %s", cap, outs ? "given" : "is NULL");
    return call_impl(f, args, nargs, outs, cap, true, nout, tag);
}

/* Ahead of time: trace and compile for these arguments (which may be shape specs). Caller holds f->lock and
 * state_values. */
static jit_entry *entry_for(bj_jit *f, const bj_arg *args, int nargs, bool compile, const char *fn) {
    jit_sig *sig = malloc(sizeof *sig);
    if (!sig) return core_err(BJ_ERR_NOMEM, "%s: out of memory", fn), NULL;
    bj_status s = jit_resolve(f, args, nargs, core_x64(), sig, fn);
    jit_entry *e = s ? NULL : lookup(f, sig, true, fn, NULL);
    if (e && compile && jit_compile_entry(f, e)) e = NULL;
    free(sig);
    return e;
}

static void lock_handle(bj_jit *f) {
    pthread_rwlock_rdlock(&state_values);
    pthread_mutex_lock(&f->lock);
}

static void unlock_handle(bj_jit *f) {
    pthread_mutex_unlock(&f->lock);
    pthread_rwlock_unlock(&state_values);
}

bj_status bj_jit_compile(bj_jit *f, const bj_arg *args, int nargs) {
    if (enter(f, "bj_jit_compile")) return core_last_status();
    lock_handle(f);
    jit_entry *e = entry_for(f, args, nargs, true, "bj_jit_compile");
    unlock_handle(f);
    jit_unpin(f);
    return e ? BJ_OK : core_last_status();
}

char *bj_jit_ir(bj_jit *f, const bj_arg *args, int nargs) {
    if (enter(f, "bj_jit_ir")) return NULL;
    lock_handle(f);
    jit_entry *e = entry_for(f, args, nargs, false, "bj_jit_ir");
    char *s = e ? bj_graph_to_string(e->graph) : NULL;
    unlock_handle(f);
    jit_unpin(f);
    return s;
}

char *bj_jit_source(bj_jit *f, const bj_arg *args, int nargs) {
    if (enter(f, "bj_jit_source")) return NULL;
    lock_handle(f);
    jit_entry *e = entry_for(f, args, nargs, true, "bj_jit_source");
    const char *src = e ? bj_exec_source(e->exec) : NULL;
    char *s = NULL;
    if (e && !src) core_err(BJ_ERR_UNSUPPORTED, "bj_jit_source(%s): backend \"%s\" generates no source", f->name,
                            bj_exec_backend(e->exec));
    else if (src && (s = malloc(strlen(src) + 1))) memcpy(s, src, strlen(src) + 1);
    else if (src) core_err(BJ_ERR_NOMEM, "bj_jit_source: out of memory");
    unlock_handle(f);
    jit_unpin(f);
    return s;
}

/* ---------------------------------------------------------------- foreign callers */
int bj_jit_needs_trace(bj_jit *f, const bj_arg *args, int nargs) {
    if (enter(f, "bj_jit_needs_trace")) return -1;
    jit_sig *sig = malloc(sizeof *sig);
    if (!sig) return core_err(BJ_ERR_NOMEM, "bj_jit_needs_trace: out of memory"), jit_unpin(f), -1;
    lock_handle(f);
    int r = -1;
    jit_key k;
    if (!jit_resolve(f, args, nargs, core_x64(), sig, "bj_jit_needs_trace")) {
        if (jit_key_make(sig, &k)) {
            r = jit_cache_find(f, &k, jit_key_hash(&k)) ? 0 : 1;
            jit_key_free(&k);
        } else {
            core_err(BJ_ERR_NOMEM, "bj_jit_needs_trace: out of memory");
        }
    }
    unlock_handle(f);
    free(sig);
    jit_unpin(f);
    return r;
}

bj_trace *bj_jit_trace_begin(bj_jit *f, const bj_arg *args, int nargs) {
    if (enter(f, "bj_jit_trace_begin")) return NULL; /* the reference bj_jit_trace_end releases */
    jit_sig *sig = malloc(sizeof *sig);
    if (!sig) return core_err(BJ_ERR_NOMEM, "bj_jit_trace_begin: out of memory"), jit_unpin(f), NULL;
    lock_handle(f); /* held until bj_jit_trace_end: the trace belongs to this thread */
    bj_trace *t = jit_resolve(f, args, nargs, core_x64(), sig, "bj_jit_trace_begin") ? NULL : jit_begin(f, sig);
    free(sig);
    if (!t) unlock_handle(f), jit_unpin(f);
    return t;
}

bj_status bj_jit_trace_end(bj_trace *t) {
    if (!trace_check(t, "bj_jit_trace_end")) return BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    if (!c || c->frame != &c->top)
        return core_err(BJ_ERR_TRACE, "bj_jit_trace_end: trace '%s' was not begun with bj_jit_trace_begin", t->name);
    bj_jit *f = c->f;
    jit_key k;
    bj_status s = BJ_OK;
    if (!jit_key_make(&c->sig, &k)) s = ir_fail(t, BJ_ERR_NOMEM, "bj_jit_trace_end: out of memory") ? 0 : BJ_ERR_NOMEM;
    uint64_t h = jit_key_hash(&k);
    jit_entry *old = s ? NULL : jit_cache_find(f, &k, h);
    void *tag = c->tag;
    void (*free_tag)(void *) = c->free_tag;
    jit_entry *e = jit_end(t, &k, h);
    if (e) e->tag = tag, e->free_tag = free_tag;
    else if (free_tag) free_tag(tag);
    if (e && old) { /* traced again: the new trace replaces the old one */
        jit_entry *x = f->head;
        while (x && x != old) x = x->next;
        if (x) {
            if (old->prev) old->prev->next = old->next;
            else f->head = old->next;
            if (old->next) old->next->prev = old->prev;
            else f->tail = old->prev;
            f->nentries--;
            jit_entry_free(old);
        }
    }
    if (e) {
        jit_cache_insert(f, e);
        f->st.cache_size = f->nentries;
        s = jit_compile_entry(f, e);
    } else {
        s = core_last_status() ? core_last_status() : BJ_ERR_TRACE;
    }
    jit_key_free(&k);
    unlock_handle(f);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", bj_last_error());
    jit_unpin(f);
    if (s) core_err(s, "%s", msg);
    return s;
}

bj_status bj_jit_trace_set_tag(bj_trace *t, void *tag, void (*free_tag)(void *tag)) {
    if (!trace_check(t, "bj_jit_trace_set_tag")) return BJ_ERR_HANDLE;
    jit_ctx *c = t->owner;
    if (!c || c->frame != &c->top || c->outer)
        return core_err(BJ_ERR_TRACE, "bj_jit_trace_set_tag: trace '%s' was not begun with bj_jit_trace_begin", t->name);
    if (c->free_tag && c->tag != tag) c->free_tag(c->tag);
    c->tag = tag, c->free_tag = free_tag;
    return BJ_OK;
}
