/* net.c — running a standard network (bj_net_run): the model's state and connectivity, a jitted initialisation, a
 * jitted run of `steps` steps as one compiled loop whose per-step output is the spike vector, called in chunks so
 * the host can show progress; rates, counts and times in the result. Built on the public API only. */
#include "sim/net.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bj_var *net_var(net *n, const char *name, bj_dtype d) {
    bj_array *z = bj_array_zeros(d, 1, &n->n);
    bj_var *v = z ? bj_var_new(name, z, -1) : NULL;
    bj_array_release(z);
    if (v && bj_object_add_var(n->obj, name, v)) bj_var_release(v), v = NULL;
    bj_var_release(v); /* the object holds it */
    return v;
}

/* Seeds of the populations' connectivity: the same for stored and procedural runs, so they are one network. */
static uint64_t conn_seed(const net *n, int pop) { return n->o.seed * 8 + 1 + (uint64_t)pop; }

bj_status net_connect(net *n, int pop, int64_t n_pre) {
    if (pop >= NET_MAX_CONN) return bj_set_error(BJ_ERR_INTERNAL, "net_connect: population %d", pop);
    if (pop >= n->nconn) n->nconn = pop + 1;
    if (n->o.procedural) { /* the run's signature keeps the arguments: tiny placeholders, never read */
        int64_t one = 1;
        int32_t zero = 0;
        n->conn[2 * pop] = bj_array_new(BJ_I32, 1, &one, &zero);
        n->conn[2 * pop + 1] = bj_array_new(BJ_I32, 1, &one, &zero);
        return n->conn[2 * pop] && n->conn[2 * pop + 1] ? BJ_OK : bj_last_status();
    }
    return bj_conn_fixed_prob(n_pre, n->n, n->p, conn_seed(n, pop), true, &n->conn[2 * pop], &n->conn[2 * pop + 1]);
}

bj_status net_lifref_setup(net *n) {
    net_lifref *c = n->state = calloc(1, sizeof *c);
    if (!c) return bj_set_error(BJ_ERR_NOMEM, "%s: out of memory", n->model->name);
    c->v = net_var(n, "V", n->ft), c->ge = net_var(n, "g_e", n->ft), c->gi = net_var(n, "g_i", n->ft);
    c->t_last = net_var(n, "t_last_spike", n->ft);
    bj_array *zero = bj_array_zeros(BJ_I32, 0, NULL);
    bj_var *step = zero ? bj_var_new("step", zero, -1) : NULL;
    bj_array_release(zero);
    if (step && bj_object_add_var(n->obj, "step", step)) bj_var_release(step), step = NULL;
    bj_var_release(step); /* the object holds it */
    c->step = step;
    if (!c->v || !c->ge || !c->gi || !c->t_last || !c->step) return bj_last_status();
    bj_status s = net_connect(n, 0, n->ne);
    return s ? s : net_connect(n, 1, n->n - n->ne);
}

bj_val *net_input(bj_trace *t, const net *n, int pop, bj_val *spikes, double w) {
    if (n->o.procedural) return bj_jitconn_event_mv(spikes, net_num(t, n, w), n->p, conn_seed(n, pop), n->n, true);
    return bj_event_csrmv(n->tconn[2 * pop], n->tconn[2 * pop + 1], net_num(t, n, w), spikes, n->n);
}

bj_val *net_exprel(bj_trace *t, const net *n, bj_val *x) {
    bj_val *one = net_num(t, n, 1.0);
    bj_val *series = bj_add(bj_add(one, bj_div(x, net_num(t, n, 2.0))), bj_div(bj_mul(x, x), net_num(t, n, 6.0)));
    bj_val *direct = bj_div(bj_sub(bj_exp(x), one), x);
    return bj_where(bj_le(bj_abs(x), net_num(t, n, n->ft == BJ_F64 ? 1e-8 : 1e-5)), series, direct);
}

bj_val *net_exp_auto(bj_trace *t, const net *n, bj_val *x, net_rhs f, const void *ctx) {
    bj_val *ones = bj_full(t, n->ft, 1, &n->n, 1.0), *val = NULL, *lin = NULL;
    if (!x || bj_jvp_begin(t, &x, 1)) return NULL;
    bj_val *y = f(t, n, bj_jvp_param(t, 0), ctx);
    if (bj_jvp_end(t, &y, 1, &ones, 1, &val, &lin)) return NULL;
    bj_val *dt = net_num(t, n, n->model->dt_ms);
    return bj_add(x, bj_mul(bj_mul(dt, net_exprel(t, n, bj_mul(dt, lin))), val));
}

static bj_val *decay(bj_trace *t, const net *n, bj_val *g, const void *tau) {
    return bj_div(bj_neg(g), net_num(t, n, *(const double *)tau));
}

typedef struct membrane_ctx {
    const net_lifref_pars *p;
    bj_val *i;
} membrane_ctx;

static bj_val *membrane(bj_trace *t, const net *n, bj_val *v, const void *ctx) {
    const membrane_ctx *m = ctx;
    return bj_div(bj_add(bj_add(bj_neg(v), net_num(t, n, m->p->v_rest)), m->i), net_num(t, n, m->p->tau));
}

bj_val *net_lifref_step(bj_trace *t, net *n, const net_lifref_pars *p) {
    net_lifref *c = n->state;
    bj_val *spk = bj_var_read(t, n->spike); /* the last step's spikes act now */
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *tm = bj_mul(bj_astype(bj_var_read(t, c->step), n->ft), net_num(t, n, n->model->dt_ms));
    bj_val *ge = bj_add(net_exp_auto(t, n, bj_var_read(t, c->ge), decay, &p->tau_e),
                        net_input(t, n, 0, bj_slice(spk, &zero, &ne, NULL), p->w_e));
    bj_val *gi = bj_add(net_exp_auto(t, n, bj_var_read(t, c->gi), decay, &p->tau_i),
                        net_input(t, n, 1, bj_slice(spk, &ne, &nn, NULL), p->w_i));
    bj_val *v = bj_var_read(t, c->v), *t_last = bj_var_read(t, c->t_last);
    membrane_ctx m = {p, p->current(t, n, ge, gi, v)};
    bj_val *refractory = bj_le(bj_sub(tm, t_last), net_num(t, n, p->tau_ref));
    bj_val *v1 = bj_where(refractory, v, net_exp_auto(t, n, v, membrane, &m));
    bj_val *fired = bj_ge(v1, net_num(t, n, p->v_th));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->v, bj_where(fired, net_num(t, n, p->v_reset), v1));
    if (!s) s = bj_var_write(t, c->t_last, bj_where(fired, tm, t_last));
    if (!s) s = bj_var_write(t, c->step, bj_add(bj_var_read(t, c->step), 1));
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

/* The loop body: the model's step, then what is recorded: the number of spikes of each population (int32[2]),
 * which is all the rates need, and with record the step's spikes as events, the first kev spiking neurons (int32
 * [kev], -1 past the count; the runner checks the counts and runs a chunk again with room for more if a step had
 * more), so that recording every spike writes a few indices a step, not N flags. */
static bj_status body(bj_trace *t, void *ud) {
    net *n = ud;
    bj_val *fired = n->model->step(t, n);
    if (!fired) return bj_trace_status(t) ? bj_trace_status(t) : BJ_ERR_TRACE;
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *counts[2] = {bj_sum(bj_slice(fired, &zero, &ne, NULL), 0, NULL, false),
                         bj_sum(bj_slice(fired, &ne, &nn, NULL), 0, NULL, false)};
    bj_val *rec[2] = {bj_stack(counts, 2, 0), n->o.record ? bj_nonzero(fired, n->kev, -1) : NULL};
    return bj_loop_yield(t, NULL, 0, rec, n->o.record ? 2 : 1);
}

/* run(conn..., steps[, kev]): `steps` steps in one compiled loop; returns what the body records, stacked */
static bj_status run_fn(bj_trace *t, void *ud) {
    net *n = ud;
    for (int i = 0; i < 2 * n->nconn; i++) n->tconn[i] = bj_param(t, i);
    int64_t steps = bj_param_i64(t, 2 * n->nconn);
    if (n->o.record) n->kev = bj_param_i64(t, 2 * n->nconn + 1);
    bj_val *rec[2] = {0};
    bj_status s = bj_trace_status(t);
    if (!s) s = bj_for_loop(t, steps, 1, body, n, NULL, 0, NULL, 0, NULL, rec, n->o.record ? 2 : 1);
    return s ? s : bj_return_n(t, rec, n->o.record ? 2 : 1);
}

/* ---------------------------------------------------------------- recording events */
typedef struct evlog {
    int32_t *step, *neuron;
    int64_t n, cap;
} evlog;

static bool evlog_add(evlog *e, int64_t step, const int32_t *idx, int64_t k) {
    if (e->n + k > e->cap) {
        int64_t cap = e->cap ? e->cap : 4096;
        while (cap < e->n + k) cap *= 2;
        int32_t *s = realloc(e->step, sizeof *s * (size_t)cap);
        if (s) e->step = s;
        int32_t *u = s ? realloc(e->neuron, sizeof *u * (size_t)cap) : NULL;
        if (!u) return false;
        e->neuron = u, e->cap = cap;
    }
    for (int64_t j = 0; j < k; j++) e->step[e->n + j] = (int32_t)step, e->neuron[e->n + j] = idx[j];
    e->n += k;
    return true;
}

/* The state before a chunk, to run it again when a step spiked more than the events row holds: every Variable's
 * value (copies). */
typedef struct snapshot {
    bj_var **vars;
    bj_array **vals;
    int n;
} snapshot;

static void snapshot_free(snapshot *sn) {
    for (int i = 0; i < sn->n; i++) bj_array_release(sn->vals[i]);
    free(sn->vars), free(sn->vals);
    *sn = (snapshot){0};
}

static bj_status snapshot_take(snapshot *sn, const net *n) {
    int nv = bj_object_num_vars(n->obj);
    if (nv < 0) return bj_last_status();
    if (!sn->vars) {
        sn->vars = calloc((size_t)nv + 1, sizeof *sn->vars), sn->vals = calloc((size_t)nv + 1, sizeof *sn->vals);
        if (!sn->vars || !sn->vals) return bj_set_error(BJ_ERR_NOMEM, "record: out of memory");
    }
    for (int i = 0; i < sn->n; i++) bj_array_release(sn->vals[i]);
    sn->n = 0;
    for (int i = 0; i < nv; i++) {
        bj_var *v = bj_object_var_at(n->obj, i, NULL, 0);
        bj_array *a = v ? bj_array_copy(bj_var_value(v)) : NULL;
        if (!a) return bj_last_status() ? bj_last_status() : BJ_ERR_NOMEM;
        sn->vars[sn->n] = v, sn->vals[sn->n++] = a;
    }
    return BJ_OK;
}

static bj_status snapshot_restore(const snapshot *sn) {
    for (int i = 0; i < sn->n; i++) {
        bj_status s = bj_var_set(sn->vars[i], sn->vals[i]);
        if (s) return s;
    }
    return BJ_OK;
}

static bj_array *i32_array(const int32_t *p, int64_t n) {
    bj_array *a = bj_array_zeros(BJ_I32, 1, &n);
    if (a && n) memcpy(bj_array_data(a), p, sizeof *p * (size_t)n);
    return a;
}

static const net_model *find_model(const char *name) {
    static const net_model *const all[] = {&net_coba, &net_cuba, &net_coba_hh};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(all[i]->name, name)) return all[i];
    return NULL;
}

static void net_free(net *n) {
    for (int i = 0; i < 2 * NET_MAX_CONN; i++) bj_array_release(n->conn[i]);
    bj_var_release(n->rng);
    bj_object_release(n->obj);
    free(n->state);
}

/* Checks every numeric option (zero fields already replaced by their defaults) and derives the step count: the
 * first bad field is named in the error. Sizes are bounded so that every product below fits int64: n by int32
 * indices, steps x n (the spike counts, and the bytes of a recording) checked for overflow. */
static bj_status check_opts(const bj_net_opts *o, const net_model *m, int64_t *steps) {
    const char *fn = "bj_net_run";
    if (o->n < 10 || o->n > BJ_NET_MAX_N)
        return bj_set_error(BJ_ERR_ARG, "%s: n must be an integer in [10, %lld] (0 for the default 4000), got %lld", fn,
                            (long long)BJ_NET_MAX_N, (long long)o->n);
    if (!isfinite(o->duration_s) || o->duration_s <= 0 || o->duration_s > BJ_NET_MAX_DURATION_S)
        return bj_set_error(BJ_ERR_ARG, "%s: duration_s must be a finite number of seconds in (0, %g] (0 for the "
                            "default 1), got %g", fn, BJ_NET_MAX_DURATION_S, o->duration_s);
    if (o->chunk_steps < 1)
        return bj_set_error(BJ_ERR_ARG, "%s: chunk_steps must be >= 1 (0 for the default 1000), got %lld", fn,
                            (long long)o->chunk_steps);
    double exact = o->duration_s * 1000.0 / m->dt_ms; /* <= 1e10 steps: llround is exact and in range */
    int64_t total = (int64_t)llround(exact), cells;
    if (total < 1)
        return bj_set_error(BJ_ERR_ARG, "%s(%s): duration_s = %g s is less than half a step (%g ms): nothing to "
                            "simulate", fn, m->name, o->duration_s, m->dt_ms);
    if (__builtin_mul_overflow(total, o->n, &cells))
        return bj_set_error(BJ_ERR_ARG, "%s(%s): duration_s = %g s (%lld steps) with n = %lld neurons: steps x n "
                            "overflows int64 spike counts; shorten the run or the network", fn, m->name,
                            o->duration_s, (long long)total, (long long)o->n);
    *steps = total;
    return BJ_OK;
}

/* Steps per compiled call unless the caller chose: 1000, fewer in large networks (a divisor of 1000, at most 1e9
 * neuron-steps: a few seconds of wall at 10M neurons) so that progress, shown between calls, keeps coming; runs of
 * whole tenths of a second then compile one loop length. Any chunking gives the same spikes. */
static int64_t default_chunk(int64_t n) {
    static const int64_t steps[] = {1000, 500, 200, 100, 50, 20};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] <= 1000000000 / n) return steps[i];
    return 10;
}

bj_status bj_net_run(const bj_net_opts *opts, bj_net_result *r) {
    if (!opts || !r) return bj_set_error(BJ_ERR_ARG, "bj_net_run: %s is NULL", opts ? "result" : "opts");
    memset(r, 0, sizeof *r);
    net n = {.o = *opts};
    if (!n.o.model) n.o.model = "coba";
    if (!n.o.n) n.o.n = 4000;
    if (n.o.duration_s == 0) n.o.duration_s = 1.0; /* NaN, infinities and negatives are refused below */
    if (!n.o.seed) n.o.seed = 42;
    if (!n.o.backend) n.o.backend = "cpu";
    if (!n.o.chunk_steps) n.o.chunk_steps = default_chunk(n.o.n);
    if (!(n.model = find_model(n.o.model)))
        return bj_set_error(BJ_ERR_ARG, "bj_net_run: unknown model \"%s\" (known: coba, cuba, coba_hh)", n.o.model);
    int64_t total = 0;
    bj_status s = check_opts(&n.o, n.model, &total);
    if (s) return s;
    /* 80% excitatory (rounded down), without forming 4 n */
    n.n = n.o.n, n.ne = n.o.n / 5 * 4 + n.o.n % 5 * 4 / 5, n.ft = n.o.f64 ? BJ_F64 : BJ_F32;
    n.p = n.n > 80 ? 80.0 / (double)n.n : 1.0; /* about 80 inputs per neuron, as BrainPy's published scripts */
    if (total > INT32_MAX && n.o.record) /* events hold int32 steps */
        return bj_set_error(BJ_ERR_ARG, "bj_net_run(%s): record: %lld steps; events hold steps up to %d", n.o.model,
                            (long long)total, INT32_MAX);
    if (n.o.events_per_step < 0)
        return bj_set_error(BJ_ERR_ARG, "bj_net_run: events_per_step must be >= 0 (0 for the default), got %lld",
                            (long long)n.o.events_per_step);
    n.kev = n.o.events_per_step ? n.o.events_per_step : 128; /* by default n / 16 or more, a power of two, >= 128 */
    while (!n.o.events_per_step && n.kev < n.n / 16) n.kev *= 2;
    if (n.kev > n.n) n.kev = n.n;
    double t0 = now();
    n.obj = bj_object_new(n.model->cls, NULL);
    n.rng = bj_random_state_new("rng", n.o.seed);
    if (!n.obj || !n.rng) s = bj_last_status();
    if (!s) n.spike = net_var(&n, "spike", BJ_BOOL), s = n.spike ? BJ_OK : bj_last_status();
    if (!s) s = n.model->setup(&n);
    r->build_s = now() - t0;
    bj_jit *f_init = s ? NULL : bj_jit_method(n.obj, "init", n.model->init, &n, &(bj_jit_opts){.backend = n.o.backend});
    char argnames[256] = "";
    for (int i = 0; i < 2 * n.nconn; i++)
        snprintf(argnames + strlen(argnames), sizeof argnames - strlen(argnames), "%s%s%d", i ? ", " : "",
                 i % 2 ? "indices" : "indptr", i / 2);
    strncat(argnames, n.nconn ? ", steps" : "steps", sizeof argnames - strlen(argnames) - 1);
    if (n.o.record) strncat(argnames, ", events", sizeof argnames - strlen(argnames) - 1);
    bj_jit *f_run = s ? NULL : bj_jit_method(n.obj, "run", run_fn, &n, &(bj_jit_opts){
        .argnames = argnames, .static_argnames = n.o.record ? "steps, events" : "steps", .backend = n.o.backend});
    if (!s && (!f_init || !f_run)) s = bj_last_status();
    if (!s) s = bj_jit_call(f_init, NULL, 0, NULL, 0);
    int64_t done = 0;
    bj_progress *pr = s ? NULL : bj_progress_new(n.model->name, (double)total * n.model->dt_ms / 1000.0, n.o.quiet);
    evlog ev = {0};
    snapshot sn = {0};
    double t_run = now();
    while (!s && done < total) {
        int64_t k = total - done < n.o.chunk_steps ? total - done : n.o.chunk_steps;
        bj_arg args[2 * NET_MAX_CONN + 2];
        for (int i = 0; i < 2 * n.nconn; i++) args[i] = bj_arg_array(n.conn[i]);
        args[2 * n.nconn] = bj_arg_i64(k), args[2 * n.nconn + 1] = bj_arg_i64(n.kev);
        bj_array *rec[2] = {0};
        if (n.o.record && (s = snapshot_take(&sn, &n))) break;
        if ((s = bj_jit_call(f_run, args, 2 * n.nconn + 1 + n.o.record, rec, 1 + n.o.record))) break;
        const int32_t *c = bj_array_data(rec[0]);
        int64_t most = 0;
        for (int64_t j = 0; j < k; j++) most = c[2 * j] + c[2 * j + 1] > most ? c[2 * j] + c[2 * j + 1] : most;
        if (n.o.record && most > n.kev) { /* a step spiked more than a row holds: again, with room for it */
            bj_array_release(rec[0]), bj_array_release(rec[1]);
            while (n.kev < most) n.kev *= 2;
            if (n.kev > n.n) n.kev = n.n;
            if ((s = snapshot_restore(&sn))) break;
            continue;
        }
        for (int64_t j = 0; j < k; j++) r->spikes_e += c[2 * j], r->spikes_i += c[2 * j + 1];
        const int32_t *e = n.o.record ? bj_array_data(rec[1]) : NULL;
        for (int64_t j = 0; e && j < k; j++)
            if (!evlog_add(&ev, done + j, e + j * n.kev, c[2 * j] + c[2 * j + 1])) {
                s = bj_set_error(BJ_ERR_NOMEM, "record: out of memory for %lld spike events", (long long)ev.n);
                break;
            }
        bj_array_release(rec[0]), bj_array_release(rec[1]);
        if (s) break;
        done += k;
        double sim = (double)done * n.model->dt_ms / 1000.0;
        bj_progress_update(pr, sim, (double)(r->spikes_e + r->spikes_i) / (double)n.n / sim);
    }
    bj_progress_free(pr);
    double wall = now() - t_run;
    if (!s) {
        bj_jit_stats si, sr;
        bj_jit_stats_get(f_init, &si), bj_jit_stats_get(f_run, &sr);
        r->compile_s = si.trace_s + si.compile_s + sr.trace_s + sr.compile_s;
        r->wall_s = wall - (sr.trace_s + sr.compile_s); /* the run's compile happened inside its first call */
        r->n = n.n, r->n_exc = n.ne, r->steps = total, r->dt_ms = n.model->dt_ms, r->p = n.p;
        r->sim_s = (double)total * n.model->dt_ms / 1000.0;
        double ts = r->sim_s > 0 ? r->sim_s : 1;
        r->rate_e_hz = (double)r->spikes_e / (double)n.ne / ts;
        r->rate_i_hz = n.n > n.ne ? (double)r->spikes_i / (double)(n.n - n.ne) / ts : 0;
        r->rate_hz = (double)(r->spikes_e + r->spikes_i) / (double)n.n / ts;
        if (n.o.record && (!(r->spike_step = i32_array(ev.step, ev.n)) || !(r->spike_neuron = i32_array(ev.neuron, ev.n))))
            s = bj_last_status() ? bj_last_status() : BJ_ERR_NOMEM;
    }
    if (s) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        bj_array_release(r->spike_step), bj_array_release(r->spike_neuron);
        r->spike_step = r->spike_neuron = NULL;
        bj_set_error(s, "bj_net_run(%s): %s", n.o.model, msg);
    }
    free(ev.step), free(ev.neuron);
    snapshot_free(&sn);
    bj_jit_release(f_init), bj_jit_release(f_run);
    net_free(&n);
    return s;
}
