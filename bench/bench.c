/* bench.c — `make bench`: traced (brainjit) steps against hand-written C in one process; compile and call costs. */
#include "bench.h"
#include "brainjit.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Batches of >= BATCH_NS, the median of ROUNDS clean ones (see measure). */
#define BATCH_NS 20e6
#define ROUNDS 7
#define MAXIO 6
#define MAXSIDES 3
#define COMPILE_REPS 5

static const char *backend = "cpu"; /* the backend under test; --backend interp for debugging */
static const char *cache_dir = "build/bench-cache";
static int small; /* --small: populations 10-100x smaller, for the slow interpreter */
static const char *only; /* --only SUBSTRING: the cases whose name holds it */
static int warnings;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A fixed-seed generator, so traced and hand sides start from the same state on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double uniform(double lo, double hi) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return lo + (hi - lo) * (double)(rng_state >> 11) * 0x1.0p-53;
}

static void warn(const char *name, const char *what) {
    printf("WARNING: %s: %s\n", name, what);
    fflush(stdout);
    warnings++;
}

/* ---------------------------------------------------------------- models as traces */

static bj_graph *finish(bj_trace *t, bj_val **outs, int nout) {
    bj_graph *g = bj_trace_finish(t, outs, nout);
    if (!g) fprintf(stderr, "bench: tracing failed: %s\n", bj_last_error());
    return g;
}

static bj_graph *lif_graph(bj_dtype dt, int64_t n, double v_th) {
    bj_trace *t = bj_trace_new("lif_step");
    bj_val *v = bj_trace_arg(t, "v", dt, 1, &n);
    bj_val *ref = bj_trace_arg(t, "ref", BJ_I32, 1, &n);
    bj_val *cur = bj_trace_arg(t, "I", dt, 1, &n);
    bj_val *refractory = bj_gt(ref, 0);
    bj_val *ref1 = bj_where(refractory, bj_sub(ref, 1), 0);
    bj_val *v_int = bj_add(v, bj_mul(bj_add(bj_neg(bj_sub(v, LIF_V_REST)), cur), LIF_DT / LIF_TAU));
    bj_val *v1 = bj_where(refractory, v, v_int);
    bj_val *spike = bj_ge(v1, v_th);
    bj_val *outs[3] = {bj_where(spike, LIF_V_RESET, v1), bj_where(spike, LIF_T_REF, ref1), spike};
    return finish(t, outs, 3);
}

/* a x / (exp(s x) - 1): the shape of alpha_m, beta_m, alpha_n. Near x = 0 it is 0/0 (float32 hits x == 0 within a
 * few hundred thousand neuron-steps, and the neuron is NaN from then on), so there it takes its limit a / s. */
static bj_val *rate_lin(double a, bj_val *x, double s) {
    return bj_where(bj_lt(bj_abs(x), 1e-3), a / s, bj_div(bj_mul(a, x), bj_sub(bj_exp(bj_mul(x, s)), 1.0)));
}

static bj_val *gate(bj_val *x, bj_val *alpha, bj_val *beta) {
    return bj_add(x, bj_mul(HH_DT, bj_sub(bj_mul(alpha, bj_sub(1.0, x)), bj_mul(beta, x))));
}

static bj_graph *hh_graph(int64_t n) {
    bj_trace *t = bj_trace_new("hh_step");
    bj_val *V = bj_trace_arg(t, "V", BJ_F32, 1, &n), *m = bj_trace_arg(t, "m", BJ_F32, 1, &n);
    bj_val *h = bj_trace_arg(t, "h", BJ_F32, 1, &n), *k = bj_trace_arg(t, "n", BJ_F32, 1, &n);
    bj_val *cur = bj_trace_arg(t, "I", BJ_F32, 1, &n);
    bj_val *vt = bj_sub(V, HH_VT);
    bj_val *am = rate_lin(0.32, bj_sub(13.0, vt), 0.25);
    bj_val *bm = rate_lin(0.28, bj_sub(vt, 40.0), 0.2);
    bj_val *ah = bj_mul(0.128, bj_exp(bj_mul(bj_sub(17.0, vt), 1.0 / 18.0)));
    bj_val *bh = bj_div(4.0, bj_add(1.0, bj_exp(bj_mul(bj_sub(40.0, vt), 0.2))));
    bj_val *an = rate_lin(0.032, bj_sub(15.0, vt), 0.2);
    bj_val *bn = bj_mul(0.5, bj_exp(bj_mul(bj_sub(10.0, vt), 0.025)));
    bj_val *m3 = bj_mul(bj_mul(m, m), m), *k2 = bj_mul(k, k), *k4 = bj_mul(k2, k2);
    bj_val *ina = bj_mul(bj_mul(bj_mul(HH_GNA, m3), h), bj_sub(V, HH_ENA));
    bj_val *ik = bj_mul(bj_mul(HH_GK, k4), bj_sub(V, HH_EK));
    bj_val *il = bj_mul(HH_GL, bj_sub(HH_EL, V));
    bj_val *V1 = bj_add(V, bj_mul(bj_add(bj_sub(bj_sub(il, ina), ik), cur), HH_DT / HH_CM));
    bj_val *spike = bj_logical_and(bj_ge(V1, HH_SPIKE), bj_lt(V, HH_SPIKE));
    bj_val *outs[5] = {V1, gate(m, am, bm), gate(h, ah, bh), gate(k, an, bn), spike};
    return finish(t, outs, 5);
}

static bj_graph *rate_graph(int64_t n) {
    bj_trace *t = bj_trace_new("mean_rate");
    bj_val *spike = bj_trace_arg(t, "spike", BJ_BOOL, 1, &n);
    bj_val *out = bj_mean(bj_astype(spike, BJ_F32), 0, NULL, false);
    return finish(t, &out, 1);
}

static bj_graph *matmul_graph(int64_t n) {
    bj_trace *t = bj_trace_new("matmul");
    bj_val *a = bj_trace_arg(t, "a", BJ_F32, 2, (int64_t[]){n, n});
    bj_val *b = bj_trace_arg(t, "b", BJ_F32, 2, (int64_t[]){n, n});
    bj_val *out = bj_matmul(a, b);
    return finish(t, &out, 1);
}

static bj_graph *call_graph(void) {
    bj_trace *t = bj_trace_new("call_overhead");
    int64_t one = 1;
    bj_val *a = bj_trace_arg(t, "a", BJ_F32, 1, &one), *b = bj_trace_arg(t, "b", BJ_F32, 1, &one);
    bj_val *c = bj_trace_arg(t, "c", BJ_F32, 1, &one);
    bj_val *out = bj_add(a, bj_mul(b, c));
    return finish(t, &out, 1);
}

/* Compiles g on the backend under test and releases g; NULL (with a message) on failure. */
static bj_exec *compile(bj_graph *g, const char *name) {
    if (!g) return NULL;
    bj_exec *e = bj_compile(g, backend);
    bj_graph_release(g);
    if (!e) {
        fprintf(stderr, "bench: %s: bj_compile(\"%s\") failed: %s\n", name, backend, bj_last_error());
        return NULL;
    }
    if (strcmp(bj_exec_backend(e), backend)) {
        char msg[128];
        snprintf(msg, sizeof msg, "ran on \"%s\", not \"%s\"", bj_exec_backend(e), backend);
        warn(name, msg);
    }
    return e;
}

/* ---------------------------------------------------------------- ping-pong state
 * Two sets of buffers: step k reads set k%2's inputs and writes its outputs, which are set (k+1)%2's state inputs.
 * Traced and hand sides each own such a pair, filled with the same initial data. */

typedef void hand_fn(int64_t n, void *const *in, void *const *out);

typedef struct pingpong {
    int nin, nout, phase, failed;
    int64_t n;
    bj_array *in[2][MAXIO], *out[2][MAXIO];
    void *in_data[2][MAXIO], *out_data[2][MAXIO]; /* raw pointers, so the hand side pays no handle checks */
    bj_array *owned[2 * MAXIO];
    int nowned;
    bj_exec *exec; /* traced side */
    hand_fn *hand; /* hand side */
} pingpong;

/* feeds[k]: the input that output k becomes on the next step, or -1. protos: outputs' dtype and shape. */
static int pp_init(pingpong *p, int64_t n, int nin, bj_array *const *init, int nout, bj_array *const *protos,
                   const int *feeds) {
    memset(p, 0, sizeof *p);
    p->n = n, p->nin = nin, p->nout = nout;
    for (int i = 0; i < nin; i++) p->in[0][i] = p->in[1][i] = p->owned[p->nowned++] = bj_array_copy(init[i]);
    for (int k = 0; k < nout; k++) {
        bj_array *a = bj_array_copy(feeds[k] >= 0 ? init[feeds[k]] : protos[k]);
        p->owned[p->nowned++] = a;
        p->out[0][k] = p->out[1][k] = a;
    }
    for (int k = 0; k < nout; k++)
        if (feeds[k] >= 0) p->in[1][feeds[k]] = p->out[0][k], p->out[1][k] = p->in[0][feeds[k]];
    for (int i = 0; i < p->nowned; i++)
        if (!p->owned[i]) return fprintf(stderr, "bench: out of memory\n"), -1;
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < nin; i++) p->in_data[s][i] = bj_array_data(p->in[s][i]);
        for (int k = 0; k < nout; k++) p->out_data[s][k] = bj_array_data(p->out[s][k]);
    }
    return 0;
}

static void pp_free(pingpong *p) {
    for (int i = 0; i < p->nowned; i++) bj_array_release(p->owned[i]);
    bj_exec_release(p->exec);
    p->nowned = 0, p->exec = NULL;
}

/* Back to the initial state: the init data into set 0's inputs (the state buffers are fixed), step 0 next. */
static void pp_reset(pingpong *p, bj_array *const *init) {
    for (int i = 0; i < p->nin; i++) memcpy(p->in_data[0][i], bj_array_data(init[i]), bj_array_nbytes(init[i]));
    p->phase = 0;
}

static void traced_step(void *ctx) {
    pingpong *p = ctx;
    if (bj_exec_run_into(p->exec, p->in[p->phase], p->nin, p->out[p->phase], p->nout) != BJ_OK && !p->failed) {
        fprintf(stderr, "bench: bj_exec_run_into failed: %s\n", bj_last_error());
        p->failed = 1;
    }
    p->phase ^= 1;
}

static void hand_step(void *ctx) {
    pingpong *p = ctx;
    p->hand(p->n, p->in_data[p->phase], p->out_data[p->phase]);
    p->phase ^= 1;
}

/* The outputs of the last step taken. */
static bj_array *pp_last(const pingpong *p, int k) { return p->out[p->phase ^ 1][k]; }

/* ---------------------------------------------------------------- hand-side adapters */

static void h_lif_f32(int64_t n, void *const *in, void *const *out) {
    hand_lif_f32(n, in[0], in[1], in[2], out[0], out[1], out[2]);
}
static void h_lif_f64(int64_t n, void *const *in, void *const *out) {
    hand_lif_f64(n, in[0], in[1], in[2], out[0], out[1], out[2]);
}
static void h_hh(int64_t n, void *const *in, void *const *out) {
    hand_hh_f32(n, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2], out[3], out[4]);
}
static void h_hh_fast(int64_t n, void *const *in, void *const *out) {
    hand_hh_f32_fastmath(n, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2], out[3], out[4]);
}
static void h_rate(int64_t n, void *const *in, void *const *out) { *(float *)out[0] = hand_rate_mean(n, in[0]); }
static void h_matmul(int64_t n, void *const *in, void *const *out) { hand_matmul_f32(n, in[0], in[1], out[0]); }

/* ---------------------------------------------------------------- checking */

static int64_t count_true(const bj_array *a) {
    const bool *d = bj_array_data(a);
    int64_t c = 0, n = bj_array_size(a);
    for (int64_t i = 0; i < n; i++) c += d[i];
    return c;
}

/* Elements of x and y (same dtype and size) differing by more than atol + rtol * |y|; the largest difference. */
static int64_t mismatches(const bj_array *x, const bj_array *y, double atol, double rtol, double *maxdiff) {
    int64_t n = bj_array_size(x), bad = 0;
    bj_dtype dt = bj_array_dtype(x);
    const void *a = bj_array_data(x), *b = bj_array_data(y);
    for (int64_t i = 0; i < n; i++) {
        double u, v;
        switch (dt) {
        case BJ_F32: u = ((const float *)a)[i], v = ((const float *)b)[i]; break;
        case BJ_F64: u = ((const double *)a)[i], v = ((const double *)b)[i]; break;
        case BJ_I32: u = ((const int32_t *)a)[i], v = ((const int32_t *)b)[i]; break;
        case BJ_BOOL: u = ((const bool *)a)[i], v = ((const bool *)b)[i]; break;
        default: return n;
        }
        if (u != u && v != v) continue; /* NaN on both sides agrees */
        double d = fabs(u - v);
        if (d != d || d > atol + rtol * fabs(v)) bad++;
        if (d > *maxdiff || d != d) *maxdiff = d;
    }
    return bad;
}

/* Runs `steps` steps on both sides from the same state and compares every output and the spike totals (output
 * spike_out, or -1). A few disagreements (a threshold crossing decided by the last bit) are tolerated and shown. */
static bool verify(const char *name, pingpong *tr, pingpong *hd, int steps, const double *atol, double rtol,
                   int spike_out, char *note, size_t notelen) {
    int64_t spikes_t = 0, spikes_h = 0;
    for (int s = 0; s < steps; s++) {
        traced_step(tr), hand_step(hd);
        if (spike_out < 0) continue;
        spikes_t += count_true(pp_last(tr, spike_out));
        spikes_h += count_true(pp_last(hd, spike_out));
    }
    if (tr->failed) return snprintf(note, notelen, "FAILED"), false;
    int64_t n = 0, bad = 0;
    double maxdiff = 0;
    for (int k = 0; k < tr->nout; k++) {
        n += bj_array_size(pp_last(tr, k));
        bad += mismatches(pp_last(tr, k), pp_last(hd, k), atol[k], rtol, &maxdiff);
    }
    int64_t allowed = n / 1000, spike_diff = llabs(spikes_t - spikes_h);
    bool ok = bad <= allowed && spike_diff <= (spikes_h / 1000 > 1 ? spikes_h / 1000 : 1);
    snprintf(note, notelen, "%s", !ok ? "WRONG" : bad || spike_diff ? "~ok" : "ok");
    char msg[256];
    snprintf(msg, sizeof msg,
             "traced vs hand after %d step(s): %lld of %lld output elements differ (max |diff| %.3g); spikes %lld vs "
             "%lld",
             steps, (long long)bad, (long long)n, maxdiff, (long long)spikes_t, (long long)spikes_h);
    if (!ok) warn(name, msg);
    else if (bad || spike_diff) printf("note: %s: %s\n", name, msg);
    return ok;
}

/* ---------------------------------------------------------------- timing
 * Wall-clock batches, interleaved A B C A B C ... so drift hits all sides alike, the median reported. A batch during
 * which the thread was descheduled (its CPU time under 90% of its wall time: another process ran) says nothing about
 * our code, so it is set aside and more rounds are run, up to MAX_ROUNDS. A side left with fewer than ROUNDS clean
 * batches (a busy machine) is reported by the median of its CPU times instead, and marked. */
#define MAX_ROUNDS 25
#define CLEAN 0.9

typedef struct side {
    void (*step)(void *ctx);
    void *ctx;
    bool wall_only; /* multi-threaded: this thread's CPU time is not the cost */
} side;

typedef struct timing {
    double ns;      /* per call */
    bool by_cpu;    /* from CPU time: too few clean wall-clock batches */
    int clean, all; /* batches */
} timing;

static double cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double run_batch(const side *s, int64_t reps, double *cpu) {
    double c0 = cpu_ns(), t0 = now_ns();
    for (int64_t r = 0; r < reps; r++) s->step(s->ctx);
    double t1 = now_ns();
    if (cpu) *cpu = cpu_ns() - c0;
    return t1 - t0;
}

static void measure(const side *sides, int nsides, timing *out) {
    int64_t reps[MAXSIDES];
    double cpu[MAXSIDES][MAX_ROUNDS], clean[MAXSIDES][MAX_ROUNDS];
    int nclean[MAXSIDES] = {0};
    for (int s = 0; s < nsides; s++) {
        run_batch(&sides[s], 3, NULL); /* warm up: page in buffers, load code */
        int64_t r = 1;
        double t;
        while ((t = run_batch(&sides[s], r, NULL)) < BATCH_NS / 8 && r < (1ll << 40)) r *= 2;
        double want = (double)r * BATCH_NS / (t > 1 ? t : 1);
        reps[s] = want < 1 ? 1 : (int64_t)want;
    }
    int rounds = 0;
    for (bool done = false; !done && rounds < MAX_ROUNDS; rounds++) {
        done = rounds + 1 >= ROUNDS;
        for (int s = 0; s < nsides; s++) {
            double w = run_batch(&sides[s], reps[s], &cpu[s][rounds]) / (double)reps[s];
            cpu[s][rounds] /= (double)reps[s];
            if (sides[s].wall_only || cpu[s][rounds] >= CLEAN * w) clean[s][nclean[s]++] = w;
            done = done && nclean[s] >= ROUNDS;
        }
    }
    for (int s = 0; s < nsides; s++) {
        out[s] = (timing){0, false, nclean[s], rounds};
        if (nclean[s] >= ROUNDS) out[s].ns = median(clean[s], nclean[s]);
        else out[s].ns = median(cpu[s], rounds), out[s].by_cpu = true;
    }
}

/* ---------------------------------------------------------------- results */

typedef struct row {
    char name[96], check[16], target[48];
    double traced_ns, hand_ns;
    bool by_cpu; /* a side timed by CPU time (busy machine) */
    int64_t per; /* neurons per step for ns/neuron-step; 0: not a population */
    bool summary; /* also printed as a `bench` line */
} row;
static row rows[32];
static int nrows;

static row *add_row(const char *name, const timing *traced, const timing *hand, int64_t per, const char *check) {
    if (nrows == (int)(sizeof rows / sizeof rows[0])) return &rows[nrows - 1];
    row *r = &rows[nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->check, sizeof r->check, "%s", check);
    r->traced_ns = traced->ns, r->hand_ns = hand->ns, r->per = per, r->summary = true;
    r->by_cpu = traced->by_cpu || hand->by_cpu;
    return r;
}

static const char *met(bool ok) { return ok ? "met" : "MISSED"; }

/* ---------------------------------------------------------------- cases */

/* One case: a traced graph, its inputs, and one or more hand-written versions of the same step. */
typedef struct kase {
    char name[64];
    int64_t n, per;
    bj_graph *g;
    int nin, nout;
    bj_array *init[MAXIO], *protos[MAXIO];
    int feeds[MAXIO];
    double atol[MAXIO], rtol;
    int verify_steps, spike_out;
    hand_fn *hands[MAXSIDES - 1];
    int nhands;
    bool threaded; /* the traced side runs on several threads */
} kase;

static void kase_free(kase *c) {
    bj_graph_release(c->g);
    for (int i = 0; i < MAXIO; i++) bj_array_release(c->init[i]), bj_array_release(c->protos[i]);
    memset(c, 0, sizeof *c);
}

/* Compiles, checks each hand side against the traced one from the initial state, then times all sides
 * interleaved. ns[0]: traced, ns[1..]: hands; check[h]: "ok", "~ok" or "WRONG" per hand side. Consumes c. */
static bool run_case(kase *c, timing *ns, char check[][16]) {
    pingpong tr = {0}, hd[MAXSIDES - 1] = {{0}};
    bool ran = false;
    if (only && !strstr(c->name, only)) goto done;
    fprintf(stderr, "bench: %s\n", c->name);
    for (int i = 0; i < c->nin; i++)
        if (!c->init[i]) goto done;
    bj_exec *e = compile(c->g, c->name);
    c->g = NULL;
    if (!e) goto done;
    if (pp_init(&tr, c->n, c->nin, c->init, c->nout, c->protos, c->feeds)) {
        bj_exec_release(e);
        goto done;
    }
    tr.exec = e;
    for (int h = 0; h < c->nhands; h++) {
        if (pp_init(&hd[h], c->n, c->nin, c->init, c->nout, c->protos, c->feeds)) goto done;
        hd[h].hand = c->hands[h];
        pp_reset(&tr, c->init);
        char label[96];
        snprintf(label, sizeof label, h ? "%s (-ffast-math hand)" : "%s", c->name);
        verify(label, &tr, &hd[h], c->verify_steps, c->atol, c->rtol, c->spike_out, check[h], 16);
        if (tr.failed) goto done;
    }
    side sides[MAXSIDES] = {{traced_step, &tr, c->threaded}};
    for (int h = 0; h < c->nhands; h++) sides[h + 1] = (side){hand_step, &hd[h], false};
    measure(sides, c->nhands + 1, ns);
    ran = !tr.failed;
done:
    pp_free(&tr);
    for (int h = 0; h < c->nhands; h++) pp_free(&hd[h]);
    kase_free(c);
    return ran;
}

static bj_array *random_array(bj_dtype dt, int64_t n, double lo, double hi) {
    bj_array *a = bj_array_zeros(dt, 1, &n);
    if (!a) return NULL;
    void *d = bj_array_data(a);
    for (int64_t i = 0; i < n; i++)
        if (dt == BJ_F32) ((float *)d)[i] = (float)uniform(lo, hi);
        else ((double *)d)[i] = uniform(lo, hi);
    return a;
}

/* LIF at dtype dt: v, ref (int32 steps left), I -> v, ref, spike. */
static void kase_lif(kase *c, bj_dtype dt, int64_t n) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "lif_%s_n%lld", dt == BJ_F32 ? "f32" : "f64", (long long)n);
    c->n = c->per = n, c->nin = 3, c->nout = 3;
    c->g = lif_graph(dt, n, LIF_V_TH);
    c->init[0] = random_array(dt, n, -70.0, -48.0);
    c->init[1] = bj_array_zeros(BJ_I32, 1, &n);
    c->init[2] = random_array(dt, n, 0.0, 30.0);
    if (c->init[1]) {
        int32_t *ref = bj_array_data(c->init[1]);
        for (int64_t i = 0; i < n; i++) ref[i] = uniform(0, 1) < 0.3 ? (int32_t)uniform(1, LIF_T_REF + 1) : 0;
    }
    c->protos[2] = bj_array_zeros(BJ_BOOL, 1, &n);
    c->feeds[0] = 0, c->feeds[1] = 1, c->feeds[2] = -1;
    c->atol[0] = dt == BJ_F32 ? 1e-4 : 1e-10, c->rtol = dt == BJ_F32 ? 1e-6 : 1e-13;
    c->verify_steps = 10, c->spike_out = 2;
    c->hands[0] = dt == BJ_F32 ? h_lif_f32 : h_lif_f64, c->nhands = 1;
}

static void kase_hh(kase *c, int64_t n) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "hh_f32_n%lld", (long long)n);
    c->n = c->per = n, c->nin = 5, c->nout = 5;
    c->g = hh_graph(n);
    c->init[0] = random_array(BJ_F32, n, -75.0, -40.0);
    c->init[1] = random_array(BJ_F32, n, 0.02, 0.1);
    c->init[2] = random_array(BJ_F32, n, 0.4, 0.7);
    c->init[3] = random_array(BJ_F32, n, 0.2, 0.4);
    c->init[4] = random_array(BJ_F32, n, 0.0, 1500.0);
    c->protos[4] = bj_array_zeros(BJ_BOOL, 1, &n);
    for (int k = 0; k < 4; k++) c->feeds[k] = k;
    c->feeds[4] = -1;
    c->atol[0] = 1e-2, c->atol[1] = c->atol[2] = c->atol[3] = 1e-4, c->rtol = 1e-4;
    c->verify_steps = 20, c->spike_out = 4;
    c->hands[0] = h_hh, c->hands[1] = h_hh_fast, c->nhands = 2;
}

static void kase_rate(kase *c, int64_t n) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "rate_mean_n%lld", (long long)n);
    c->n = c->per = n, c->nin = 1, c->nout = 1;
    c->g = rate_graph(n);
    c->init[0] = bj_array_zeros(BJ_BOOL, 1, &n);
    if (c->init[0]) {
        bool *s = bj_array_data(c->init[0]);
        for (int64_t i = 0; i < n; i++) s[i] = uniform(0, 1) < 0.05;
    }
    c->protos[0] = bj_array_zeros(BJ_F32, 0, &n);
    c->feeds[0] = -1, c->atol[0] = 1e-6, c->rtol = 1e-6;
    c->verify_steps = 1, c->spike_out = -1;
    c->hands[0] = h_rate, c->nhands = 1;
}

static void kase_matmul(kase *c, int64_t n) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "matmul_f32_%lldx%lld", (long long)n, (long long)n);
    c->n = n, c->nin = 2, c->nout = 1;
    c->g = matmul_graph(n);
    for (int i = 0; i < 2; i++) {
        c->init[i] = random_array(BJ_F32, n * n, -1.0, 1.0);
        if (c->init[i]) { /* reshape to n x n */
            bj_array *sq = bj_array_new(BJ_F32, 2, (int64_t[]){n, n}, bj_array_data(c->init[i]));
            bj_array_release(c->init[i]);
            c->init[i] = sq;
        }
    }
    c->protos[0] = bj_array_zeros(BJ_F32, 2, (int64_t[]){n, n});
    c->feeds[0] = -1, c->atol[0] = 1e-4, c->rtol = 1e-4;
    c->verify_steps = 1, c->spike_out = -1;
    c->hands[0] = h_matmul, c->nhands = 1;
}

/* Populations in --small mode (the interpreter is orders of magnitude slower). */
static int64_t scaled(int64_t n) { return small ? n / (n >= 100000 ? 100 : 10) : n; }

static void run_lif(bj_dtype dt, int64_t n) {
    kase c;
    kase_lif(&c, dt, scaled(n));
    char name[64], check[MAXSIDES][16] = {{0}};
    snprintf(name, sizeof name, "%s", c.name);
    int64_t per = c.per;
    timing ns[MAXSIDES];
    if (!run_case(&c, ns, check)) return;
    row *r = add_row(name, &ns[0], &ns[1], per, check[0]);
    snprintf(r->target, sizeof r->target, "ratio<=1.15 %s", met(ns[0].ns / ns[1].ns <= 1.15));
}

static void run_hh(int64_t n) {
    kase c;
    kase_hh(&c, scaled(n));
    char name[64], name2[80], check[MAXSIDES][16] = {{0}};
    snprintf(name, sizeof name, "%s", c.name);
    snprintf(name2, sizeof name2, "%s_vs_fastmath", c.name);
    int64_t per = c.per;
    timing ns[MAXSIDES];
    if (!run_case(&c, ns, check)) return;
    row *r = add_row(name, &ns[0], &ns[1], per, check[0]);
    if (n == 4000)
        snprintf(r->target, sizeof r->target, "<=6 ns/neuron-step %s", met(ns[0].ns / (double)per <= 6.0));
    add_row(name2, &ns[0], &ns[2], per, check[1]);
}

static void run_rate(int64_t n) {
    kase c;
    kase_rate(&c, scaled(n));
    char name[64], check[MAXSIDES][16] = {{0}};
    snprintf(name, sizeof name, "%s", c.name);
    int64_t per = c.per;
    timing ns[MAXSIDES];
    if (run_case(&c, ns, check)) add_row(name, &ns[0], &ns[1], per, check[0]);
}

static void run_matmul(int64_t n) {
    kase c;
    n = small ? 32 : n;
    kase_matmul(&c, n);
    char name[64], check[MAXSIDES][16] = {{0}};
    snprintf(name, sizeof name, "%s", c.name);
    timing ns[MAXSIDES];
    if (!run_case(&c, ns, check)) return;
    row *r = add_row(name, &ns[0], &ns[1], 0, check[0]);
    double flops = 2.0 * (double)n * (double)n * (double)n;
    snprintf(r->target, sizeof r->target, "GFLOP/s %.1f | %.1f", flops / ns[0].ns, flops / ns[1].ns);
}

/* The LIF step at 1e6 neurons with the default thread count (an info row: the hand side is single-threaded). */
static void run_lif_threads(int64_t n) {
    if (bj_config_set("num_threads", "")) fprintf(stderr, "bench: num_threads: %s\n", bj_last_error());
    kase c;
    kase_lif(&c, BJ_F32, scaled(n));
    c.threaded = true;
    char name[96], check[MAXSIDES][16] = {{0}};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(name, sizeof name, "%s_threads%ld", c.name, cpus);
    int64_t per = c.per;
    timing ns[MAXSIDES];
    bool ok = run_case(&c, ns, check);
    if (bj_config_set("num_threads", "1")) fprintf(stderr, "bench: num_threads: %s\n", bj_last_error());
    if (!ok) return;
    row *r = add_row(name, &ns[0], &ns[1], per, check[0]);
    snprintf(r->target, sizeof r->target, "info: default threads vs 1-thread hand");
    r->summary = false;
}

/* ---------------------------------------------------------------- compile and call costs */

/* Compiles the LIF step with threshold v_th and times bj_compile: ms, and the counters' changes in *delta;
 * -1 with a message if it failed. */
static double timed_lif_compile(double v_th, bj_cpu_stats *delta) {
    bj_graph *g = lif_graph(BJ_F32, scaled(4000), v_th);
    if (!g) return -1;
    bj_cpu_stats before, after;
    bj_cpu_stats_get(&before);
    double t0 = now_ns();
    bj_exec *e = bj_compile(g, backend);
    double t1 = now_ns();
    bj_cpu_stats_get(&after);
    bj_graph_release(g);
    if (!e) return fprintf(stderr, "bench: bj_compile failed: %s\n", bj_last_error()), -1;
    bj_exec_release(e);
    delta->compiles = after.compiles - before.compiles, delta->disk_hits = after.disk_hits - before.disk_hits;
    return (t1 - t0) / 1e6;
}

/* --warm-load: a fresh process traces the LIF step and times its bj_compile, which the parent made a disk hit. */
static int warm_child(void) {
    bj_cpu_stats d;
    double ms = timed_lif_compile(LIF_V_TH, &d);
    if (ms < 0) return 1;
    printf("warm_ms=%.4f disk_hits=%lld compiles=%lld\n", ms, (long long)d.disk_hits, (long long)d.compiles);
    return 0;
}

/* Runs this program again with `mode` (--warm-load, --net-child) and the common options; its stdout into buf.
 * Returns the child's exit status (-1 if it did not run or exit). */
static int spawn_self(const char *mode, char *buf, size_t size) {
    char *argv[] = {"bench", (char *)mode, "--backend", (char *)backend, "--cache-dir", (char *)cache_dir,
                    small ? "--small" : NULL, NULL};
    int fd[2];
    buf[0] = 0;
    fflush(stdout), fflush(stderr);
    if (pipe(fd)) return perror("bench: pipe"), -1;
    pid_t pid = fork();
    if (pid < 0) return perror("bench: fork"), close(fd[0]), close(fd[1]), -1;
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]), close(fd[1]);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t got;
    while (len < size - 1 && (got = read(fd[0], buf + len, size - 1 - len)) > 0) len += (size_t)got;
    buf[len] = 0;
    close(fd[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

/* Runs this program again with --warm-load; its ms, or -1. *hits: the disk hits it saw. */
static double spawn_warm(long long *hits) {
    char buf[512];
    int rc = spawn_self("--warm-load", buf, sizeof buf);
    double ms = -1;
    long long compiles = 0;
    if (rc || sscanf(buf, "warm_ms=%lf disk_hits=%lld compiles=%lld", &ms, hits, &compiles) != 3)
        return fprintf(stderr, "bench: --warm-load child failed: %s\n", buf), -1;
    return ms;
}

typedef struct call_ctx {
    bj_exec *e;
    bj_array *in[3], *out;
    int failed;
} call_ctx;

static void call_step(void *ctx) {
    call_ctx *c = ctx;
    if (bj_exec_run_into(c->e, c->in, 3, &c->out, 1) != BJ_OK) c->failed = 1;
}

static void run_compile(void) {
    if (only && !strstr("compile", only)) return;
    fprintf(stderr, "bench: compile\n");
    bool native = !strcmp(backend, "cpu");
    double cold[COMPILE_REPS], warm[COMPILE_REPS], cold_ms = -1, warm_ms = -1, call_ns = -1;
    bool call_by_cpu = false;
    /* (a) cold: no disk cache, and each graph differs (its threshold) so the in-process cache cannot serve it */
    int ncold = 0;
    if (bj_config_set("disk_cache", "0")) fprintf(stderr, "bench: disk_cache: %s\n", bj_last_error());
    for (int k = 0; k < COMPILE_REPS; k++) {
        bj_cpu_stats d;
        double ms = timed_lif_compile(LIF_V_TH + 1e-3 * (k + 1), &d);
        if (ms < 0) break;
        if (native && d.compiles != 1) warn("compile", "a cold bj_compile did not run the compiler");
        cold[ncold++] = ms;
    }
    if (bj_config_set("disk_cache", "1")) fprintf(stderr, "bench: disk_cache: %s\n", bj_last_error());
    if (ncold) cold_ms = median(cold, ncold);
    /* (b) warm: new processes load the LIF step from the disk cache; the first child (not counted) makes sure the
     * entry exists */
    int nwarm = 0;
    long long hits = 0;
    spawn_warm(&hits);
    for (int k = 0; k < COMPILE_REPS; k++) {
        hits = 0;
        double ms = spawn_warm(&hits);
        if (ms < 0) break;
        if (native && hits != 1) warn("compile", "a --warm-load child did not load from the disk cache");
        warm[nwarm++] = ms;
    }
    if (nwarm) warm_ms = median(warm, nwarm);
    /* (c) the cost of one bj_exec_run_into with 3 one-element inputs */
    call_ctx cc = {compile(call_graph(), "call"), {0}, NULL, 0};
    int64_t one = 1;
    for (int i = 0; i < 3; i++) cc.in[i] = bj_array_full(BJ_F32, 1, &one, i + 1.0);
    cc.out = bj_array_zeros(BJ_F32, 1, &one);
    if (cc.e && cc.in[0] && cc.in[1] && cc.in[2] && cc.out) {
        call_step(&cc);
        if (cc.failed || bj_array_get(cc.out, 0) != 7.0) warn("compile", "the call-overhead graph gave a wrong result");
        side s = {call_step, &cc, false};
        timing t;
        measure(&s, 1, &t);
        call_ns = cc.failed ? -1 : t.ns;
        call_by_cpu = t.by_cpu;
    }
    for (int i = 0; i < 3; i++) bj_array_release(cc.in[i]);
    bj_array_release(cc.out);
    bj_exec_release(cc.e);

    printf("\n%-28s %12s  %s\n", "compile and call", "measured", "target");
    const char *na = native ? NULL : "n/a: no compiler on this backend";
    printf("%-28s %12.2f  <= 200 ms %s\n", "cold compile+load (ms)", cold_ms,
           na ? na : met(cold_ms >= 0 && cold_ms <= 200));
    printf("%-28s %12.3f  <= 5 ms %s\n", "warm load, new process (ms)", warm_ms,
           na ? na : met(warm_ms >= 0 && warm_ms <= 5));
    printf("%-28s %12.1f%s <= 50 ns %s\n", "call, 3 args (ns)", call_ns, call_by_cpu ? "*" : " ",
           met(call_ns >= 0 && call_ns <= 50));
    if (call_by_cpu) printf("* timed by CPU time: the machine was busy\n");
    printf("bench compile cold_ms=%.2f warm_ms=%.3f call_ns=%.1f\n", cold_ms, warm_ms, call_ns);
}

/* ---------------------------------------------------------------- compile time against graph size
 * An elementwise chain of n ops over f32[1024] (x * y, + x, - 0.5, repeated: nothing folds), compiled without the
 * disk cache: fusion splits it into kernels of at most 512 ops, so gcc's time per op stays flat (one kernel of
 * 100,000 ops took minutes). Then 1,000 kernels (500 mean-and-subtract pairs), which the entry point runs through
 * parts of 32 (gcc took 40 s when they were all called from one function). */
static bj_graph *chain_graph(int n, bool pairs) {
    bj_trace *t = bj_trace_new("compile_size");
    int64_t len = 1024;
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, &len), *y = bj_trace_arg(t, "y", BJ_F32, 1, &len), *v = x;
    for (int i = 0; i < n; i += pairs ? 3 : 1) /* a pair: mean (a kernel), subtract and multiply (another) */
        if (pairs) v = bj_mul(bj_sub(v, bj_mean(v, 0, NULL, false)), y);
        else v = i % 3 == 0 ? bj_mul(v, y) : i % 3 == 1 ? bj_add(v, x) : bj_sub(v, 0.5);
    return finish(t, &v, 1);
}

static void run_compile_size(void) {
    if (only && !strstr("compile_size", only)) return;
    if (strcmp(backend, "cpu")) return;
    fprintf(stderr, "bench: compile_size\n");
    static const int sizes[] = {1000, 10000, 100000, 1500};
    char disk[8] = "", limit[64] = "";
    bj_config_get("disk_cache", disk, sizeof disk);
    bj_config_get("compile_timeout", limit, sizeof limit);
    if (bj_config_set("disk_cache", "0") || bj_config_set("compile_timeout", "0")) /* measured, not limited */
        fprintf(stderr, "bench: compile_size: %s\n", bj_last_error());
    printf("\n%-28s %8s %9s %9s %8s %9s %9s  %s\n", "compile time by graph size", "ops", "wall s", "cc CPU s",
           "kernels", "source KB", "us/op CPU", "(chains; last: 500 mean-subtract-multiply triples, 2 kernels each)");
    for (int r = 0; r < 4; r++) {
        int n = sizes[r];
        bool pairs = r == 3;
        if (small && n > 10000) continue;
        bj_graph *g = chain_graph(n, pairs);
        struct rusage r0, r1; /* the compiler's CPU time (a busy machine stretches its wall time) */
        getrusage(RUSAGE_CHILDREN, &r0);
        double t0 = now_ns();
        bj_exec *e = g ? compile(g, "compile_size") : NULL;
        double secs = (now_ns() - t0) / 1e9;
        getrusage(RUSAGE_CHILDREN, &r1);
        if (!e) {
            warn("compile_size", "a graph did not compile");
            continue;
        }
        double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                     1e-6 * (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec -
                                     r0.ru_stime.tv_usec);
        int k = bj_exec_num_kernels(e);
        size_t bytes = bj_exec_source(e) ? strlen(bj_exec_source(e)) : 0;
        printf("%-28s %8d %9.2f %9.2f %8d %9.0f %9.1f\n", pairs ? "  1,000 kernels" : "  chain", n, secs, cpu, k,
               (double)bytes / 1024.0, cpu * 1e6 / n);
        printf("bench compile_size %s=%d wall_s=%.3f cc_cpu_s=%.3f kernels=%d source_bytes=%zu us_per_op=%.1f\n",
               pairs ? "pair_ops" : "ops", n, secs, cpu, k, bytes, cpu * 1e6 / n);
        bj_exec_release(e);
    }
    if (bj_config_set("disk_cache", disk[0] ? disk : NULL) || bj_config_set("compile_timeout", limit[0] ? limit : NULL))
        fprintf(stderr, "bench: compile_size: %s\n", bj_last_error());
}

/* ---------------------------------------------------------------- disk cache size
 * CACHE_GRAPHS distinct graphs compiled into a fresh disk cache (<cache-dir>-size) with the default bound, then its
 * files and bytes counted. Real compiles of them all would take minutes, so the compiler is a stand-in script
 * (<cache-dir>-size-cc/cc) that runs the real compiler once and then copies that library: the entries hold the real
 * generated sources and real libraries of the size a small graph's gets. */
#define CACHE_GRAPHS 5000

static bool write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    return f && !fclose(f) && ok;
}

static void run_cache_size(void) {
    if ((only && !strstr("cache", only)) || strcmp(backend, "cpu")) return;
    fprintf(stderr, "bench: cache\n");
    char dir[4096], tool[4096], script[4200], template[4200], text[20000], cc[1024] = "", max[64] = "";
    snprintf(dir, sizeof dir, "%s-size", cache_dir);
    snprintf(tool, sizeof tool, "%s-size-cc", cache_dir);
    snprintf(script, sizeof script, "%s/cc", tool);
    snprintf(template, sizeof template, "%s/template.so", tool);
    bj_config_get("cc", cc, sizeof cc);
    bj_config_get("cache_max_bytes", max, sizeof max);
    mkdir(tool, 0700);
    unlink(template);
    snprintf(text, sizeof text,
             "#!/bin/sh\n# bench's stand-in C compiler: the real one (%s) once, then copies of its library\n"
             "for a; do [ \"$prev\" = -o ] && out=$a; prev=$a; done\n"
             "[ \"$1\" = --version ] && exec \"%s\" --version\n"
             "[ -f \"%s\" ] && exec cp \"%s\" \"$out\"\n"
             "\"%s\" \"$@\" && cp \"$out\" \"%s\"\n",
             cc[0] ? cc : "cc", cc[0] ? cc : "cc", template, template, cc[0] ? cc : "cc", template);
    if (!write_text(script, text) || chmod(script, 0700) || bj_config_set("cache_dir", dir) || bj_cache_clear() ||
        bj_config_set("cc", script) || bj_config_set("cache_max_bytes", NULL)) {
        fprintf(stderr, "bench: cache: cannot set up %s: %s\n", dir, bj_last_error());
        warnings++;
        return;
    }
    bj_cpu_stats before, after;
    bj_cpu_stats_get(&before);
    double t0 = now_ns();
    int made = 0;
    for (int k = 0; k < CACHE_GRAPHS; k++) { /* distinct constants: distinct sources */
        bj_trace *t = bj_trace_new("cache_size");
        int64_t n = 16;
        bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, &n);
        bj_val *y = bj_add(bj_mul(x, 1.0 + k / 8192.0), (double)k);
        bj_exec *e = compile(finish(t, &y, 1), "cache");
        made += e != NULL;
        bj_exec_release(e);
        if (!e) break;
    }
    double secs = (now_ns() - t0) / 1e9;
    bj_cpu_stats_get(&after);
    long long files = 0, bytes = 0, entries = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[8192];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, ".."))) continue;
        if (lstat(p, &st)) continue;
        files++, bytes += (long long)st.st_size;
        entries += strlen(e->d_name) == 35 && !strcmp(e->d_name + 32, ".so");
    }
    if (d) closedir(d);
    bj_cache_clear();
    if (bj_config_set("cc", cc[0] ? cc : NULL) || bj_config_set("cache_dir", cache_dir) ||
        bj_config_set("cache_max_bytes", max[0] ? max : NULL))
        fprintf(stderr, "bench: cache: cannot restore the settings: %s\n", bj_last_error());
    long long compiles = (long long)(after.compiles - before.compiles);
    if (made < CACHE_GRAPHS || compiles != CACHE_GRAPHS) warn("cache", "not every graph compiled (distinctly)");
    printf("\n%-28s %12s  %s\n", "disk cache", "measured", "target / info");
    printf("%-28s %12lld  %d distinct compiles, default bound (cache_max_bytes 1G); before issue 10: 20,001 files\n",
           "files", files, made);
    printf("%-28s %12.1f  %lld entries, %.1f KiB each; stand-in compiler, %.1f s\n", "MiB", (double)bytes / 1048576.0,
           entries, entries ? (double)bytes / 1024.0 / (double)entries : 0.0, secs);
    printf("bench cache_size compiles=%d files=%lld bytes=%lld entries=%lld\n", made, files, bytes, entries);
}

/* ---------------------------------------------------------------- jit dispatch */
/* The dispatch case: 3 array arguments and 2 Variables, u += x * y and w = w * z, one element each so the
 * kernels cost almost nothing and the jit call's own work (argument resolution, signature key and lookup, the
 * Variables' type check, binding, run, in-place write-back) is what is timed. The direct side runs the same graph
 * through bj_exec_run_into on preallocated arrays. */
typedef struct dispatch_ctx {
    bj_jit *f;
    bj_var *u, *w;
    bj_array *x, *y, *z;
    bj_exec *e;
    bj_array *in[5], *out[2];
    int failed;
} dispatch_ctx;

static bj_status dispatch_fn(bj_trace *t, void *ud) {
    dispatch_ctx *c = ud;
    bj_val *x = bj_param(t, 0), *y = bj_param(t, 1), *z = bj_param(t, 2);
    bj_status s = bj_var_write(t, c->u, bj_add(bj_var_read(t, c->u), bj_mul(x, y)));
    return s ? s : bj_var_write(t, c->w, bj_mul(bj_var_read(t, c->w), z));
}

static void dispatch_jit(void *ctx) {
    dispatch_ctx *c = ctx;
    bj_arg args[3] = {bj_arg_array(c->x), bj_arg_array(c->y), bj_arg_array(c->z)};
    if (bj_jit_call(c->f, args, 3, NULL, 0) != BJ_OK) c->failed = 1;
}

static void dispatch_direct(void *ctx) {
    dispatch_ctx *c = ctx;
    if (bj_exec_run_into(c->e, c->in, 5, c->out, 2) != BJ_OK) c->failed = 1;
}

static void run_dispatch(void) {
    if (only && !strstr("dispatch", only)) return;
    fprintf(stderr, "bench: dispatch\n");
    int64_t one = 1;
    dispatch_ctx c = {0};
    bj_array *u0 = bj_array_full(BJ_F32, 1, &one, 0), *w0 = bj_array_full(BJ_F32, 1, &one, 1);
    c.u = bj_var_new("u", u0, -1), c.w = bj_var_new("w", w0, -1);
    c.x = bj_array_full(BJ_F32, 1, &one, 1), c.y = bj_array_full(BJ_F32, 1, &one, 2);
    c.z = bj_array_full(BJ_F32, 1, &one, 1);
    c.f = bj_jit_new(dispatch_fn, &c, &(bj_jit_opts){.name = "dispatch", .backend = backend});
    /* the direct side: the same graph, traced by hand, outputs into separate arrays */
    bj_trace *t = bj_trace_new("dispatch_direct");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, &one), *y = bj_trace_arg(t, "y", BJ_F32, 1, &one);
    bj_val *z = bj_trace_arg(t, "z", BJ_F32, 1, &one), *u = bj_trace_arg(t, "u", BJ_F32, 1, &one);
    bj_val *w = bj_trace_arg(t, "w", BJ_F32, 1, &one);
    bj_val *outs[2] = {bj_add(u, bj_mul(x, y)), bj_mul(w, z)};
    c.e = compile(finish(t, outs, 2), "dispatch");
    c.in[0] = c.x, c.in[1] = c.y, c.in[2] = c.z, c.in[3] = u0, c.in[4] = w0;
    c.out[0] = bj_array_zeros(BJ_F32, 1, &one), c.out[1] = bj_array_zeros(BJ_F32, 1, &one);
    double jit_ns = -1, direct_ns = -1;
    bool by_cpu = false;
    if (c.f && c.u && c.w && c.e) {
        dispatch_jit(&c);
        dispatch_jit(&c); /* u = 0 + 2 + 2 */
        if (c.failed || bj_array_get(bj_var_value(c.u), 0) != 4.0) warn("dispatch", "the jit call gave a wrong result");
        side sides[2] = {{dispatch_jit, &c, false}, {dispatch_direct, &c, false}};
        timing tm[2];
        measure(sides, 2, tm);
        bj_jit_stats st;
        bj_jit_stats_get(c.f, &st);
        if (st.traces != 1 || st.compiles != 1) warn("dispatch", "the jit call retraced");
        if (!c.failed) jit_ns = tm[0].ns, direct_ns = tm[1].ns, by_cpu = tm[0].by_cpu || tm[1].by_cpu;
    } else {
        fprintf(stderr, "bench: dispatch: %s\n", bj_last_error());
    }
    printf("\n%-28s %12s  %s\n", "jit dispatch", "measured", "target");
    printf("%-28s %12.1f%s\n", "bj_jit_call (ns)", jit_ns, by_cpu ? "*" : " ");
    printf("%-28s %12.1f%s\n", "direct bj_exec_run_into (ns)", direct_ns, by_cpu ? "*" : " ");
    printf("%-28s %12.1f%s <= 200 ns %s\n", "jit overhead (ns)", jit_ns - direct_ns, by_cpu ? "*" : " ",
           met(jit_ns >= 0 && jit_ns - direct_ns <= 200));
    printf("bench dispatch jit_ns=%.1f direct_ns=%.1f overhead_ns=%.1f\n", jit_ns, direct_ns, jit_ns - direct_ns);
    bj_jit_release(c.f);
    bj_exec_release(c.e);
    bj_var_release(c.u), bj_var_release(c.w);
    bj_array_release(u0), bj_array_release(w0), bj_array_release(c.x), bj_array_release(c.y), bj_array_release(c.z);
    bj_array_release(c.out[0]), bj_array_release(c.out[1]);
}

/* ---------------------------------------------------------------- networks */
/* COBA and COBA-HH: bj_net_run (src/sim/coba.c, coba_hh.c; one compiled loop per 1,000 steps) against a hand-written
 * C version (hand_coba.c, hand_coba_hh.c) on the same network (bj_conn_fixed_prob with the runner's seeds), the
 * same initial state (the runner's RandomState draws, repeated here with the same calls) and the same arithmetic:
 * the spike counts must agree exactly. Wall seconds per simulated second, median of 3 runs each (the brainjit side
 * excludes its one compile). */
typedef struct net_init {
    bj_var *rng, *v, *ge, *gi;
    int64_t n;
} net_init;

static bj_status coba_v0(bj_trace *t, void *ud) { /* as src/sim/coba.c's init */
    net_init *c = ud;
    bj_val *key = bj_random_state_next(t, c->rng);
    bj_val *z = bj_random_normal(key, BJ_F32, 1, &c->n);
    return bj_var_write(t, c->v, bj_add(bj_mul(z, bj_lit(t, BJ_F32, 2.0)), bj_lit(t, BJ_F32, -55.0)));
}

/* as src/sim/coba_hh.c's init: V = E_L + (5 z - 5), the rest 0 */
static bj_status coba_hh_init(bj_trace *t, void *ud) {
    net_init *c = ud;
    bj_val *z = bj_random_normal(bj_random_state_next(t, c->rng), BJ_F32, 1, &c->n);
    bj_val *u = bj_sub(bj_mul(z, bj_lit(t, BJ_F32, 5.0)), bj_lit(t, BJ_F32, 5.0));
    return bj_var_write(t, c->v, bj_add(bj_lit(t, BJ_F32, COBAHH_E_L), u));
}

/* n elements of `size` bytes, zeroed, 64-byte aligned as brainjit's buffers are (unaligned 64-byte vectors would
 * split cache lines and handicap the hand side). */
static void *zalloc64(int64_t n, size_t size) {
    size_t bytes = ((size_t)n * size + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes);
    return p;
}
static float *f32_copy(bj_var *v, int64_t n) {
    float *x = zalloc64(n, sizeof *x);
    if (x) memcpy(x, bj_array_data(bj_var_value(v)), sizeof *x * (size_t)n);
    return x;
}

/* One hand-written run of `model` (coba or coba_hh) for `seconds`; its wall time, -1 on failure; *spikes: the count. */
static double hand_net_run(const char *model, int64_t n, double seconds, uint64_t seed, int64_t *spikes) {
    bool hh = !strcmp(model, "coba_hh");
    int64_t ne = n * 4 / 5, steps = llround(seconds * 1000.0 / (hh ? COBAHH_DT : COBA_DT));
    double p = n > 80 ? 80.0 / (double)n : 1.0;
    bj_array *ep = NULL, *ei = NULL, *ip = NULL, *ii = NULL;
    if (bj_conn_fixed_prob(ne, n, p, seed * 8 + 1, true, &ep, &ei) ||
        bj_conn_fixed_prob(n - ne, n, p, seed * 8 + 2, true, &ip, &ii))
        return fprintf(stderr, "bench: %s: %s\n", model, bj_last_error()), -1;
    bj_array *z = bj_array_zeros(BJ_F32, 1, &n);
    net_init c = {bj_random_state_new("rng", seed), bj_var_new("V", z, -1), bj_var_new("g_e", z, -1),
                  bj_var_new("g_i", z, -1), n};
    bj_jit *f = bj_jit_new(hh ? coba_hh_init : coba_v0, &c, &(bj_jit_opts){.backend = backend});
    double secs = -1;
    if (f && c.v && c.ge && c.gi && !bj_jit_call(f, NULL, 0, NULL, 0)) {
        float *v = f32_copy(c.v, n), *ge = f32_copy(c.ge, n), *gi = f32_copy(c.gi, n); /* coba: g = 0 */
        float *m = zalloc64(n, sizeof *m), *h = zalloc64(n, sizeof *h), *k = zalloc64(n, sizeof *k);
        float *in_e = zalloc64(n, sizeof *in_e), *in_i = zalloc64(n, sizeof *in_i);
        float *t_last = zalloc64(n, sizeof *t_last);
        bool *spk = zalloc64(n, sizeof *spk);
        if (v && ge && gi && m && h && k && in_e && in_i && t_last && spk) {
            for (int64_t j = 0; j < n; j++) t_last[j] = -1e7f; /* LifRef: no spike yet */
            double t0 = now_ns();
            if (hh)
                hand_coba_hh_f32(n, ne, bj_array_data(ep), bj_array_data(ei), bj_array_data(ip), bj_array_data(ii),
                                 v, m, h, k, ge, gi, spk, in_e, in_i, steps, spikes);
            else
                hand_coba_f32(n, ne, bj_array_data(ep), bj_array_data(ei), bj_array_data(ip), bj_array_data(ii), v,
                              ge, gi, t_last, spk, in_e, in_i, steps, spikes);
            secs = (now_ns() - t0) / 1e9;
        } else {
            fprintf(stderr, "bench: %s: out of memory\n", model);
        }
        free(v), free(ge), free(gi), free(m), free(h), free(k), free(in_e), free(in_i), free(t_last), free(spk);
    } else {
        fprintf(stderr, "bench: %s: %s\n", model, bj_last_error());
    }
    bj_jit_release(f);
    bj_var_release(c.rng), bj_var_release(c.v), bj_var_release(c.ge), bj_var_release(c.gi);
    bj_array_release(z), bj_array_release(ep), bj_array_release(ei), bj_array_release(ip), bj_array_release(ii);
    return secs;
}

/* One model and size: brainjit on 1 and 2 threads (setting num_threads; the loop runs threaded when its body has
 * the work, unit.c) against the hand-written C on one thread, interleaved, median of 3 each. */
static void run_net(const char *model, int64_t n, double seconds) {
    char name[64];
    snprintf(name, sizeof name, "%s n=%lld", model, (long long)n);
    if (only && !strstr(name, only)) return;
    fprintf(stderr, "bench: %s\n", name);
    double ours[2][3], hand[3];
    int64_t sp_ours[2] = {-1, -1}, sp_hand = -1;
    for (int k = 0; k < 3; k++) {
        for (int th = 0; th < 2; th++) {
            bj_net_result r;
            bj_config_set("num_threads", th ? "2" : "1");
            bj_status s = bj_net_run(&(bj_net_opts){.model = model, .n = n, .duration_s = seconds, .backend = backend,
                                                    .quiet = true}, &r);
            bj_config_set("num_threads", NULL);
            if (s) return (void)fprintf(stderr, "bench: %s: %s\n", name, bj_last_error()), (void)warnings++;
            ours[th][k] = r.wall_s / r.sim_s, sp_ours[th] = r.spikes_e + r.spikes_i;
        }
        hand[k] = hand_net_run(model, n, seconds, 42, &sp_hand) / seconds;
    }
    double o1 = median(ours[0], 3), o2 = median(ours[1], 3), h = median(hand, 3);
    bool same = sp_ours[0] == sp_hand && sp_ours[1] == sp_hand;
    printf("%-22s brainjit 1 thread %8.4f s, 2 threads %8.4f s (speed-up %.2f); hand (1 thread) %8.4f s per "
           "simulated second; ratio to hand %.3f (1 thread) %.3f (2 threads); spikes %lld %s\n", name, o1, o2, o1 / o2,
           h, o1 / h, o2 / h, (long long)sp_hand, same ? "(same on all three)" : "DIFFER");
    if (!same) warn(name, "the networks fired differently");
    printf("bench %s n=%lld ratio=%.3f ratio_2t=%.3f speedup_2t=%.3f brainjit_s=%.4f brainjit_2t_s=%.4f hand_s=%.4f\n",
           model, (long long)n, o1 / h, o2 / h, o1 / o2, o1, o2, h);
}

/* Procedural COBA at N = 1M, 3M and 10M (80 synapses per neuron: p = 80 / N) for 0.1 s simulated: no matrix is
 * stored (the rows are generated inside the kernels from the seed), so memory stays that of the state, and time per
 * simulated second should grow linearly with N. Each size runs in a new process (this program again with
 * --net-child, its N in the environment variable BENCH_PROC_N: fork + exec), so its peak resident memory (getrusage
 * ru_maxrss: the library, the loaded kernels, the state and the run; the C compiler runs in processes of its own) is
 * that size's alone. The child uses the machine's threads, as examples/coba does. wall_s excludes the compile, as in
 * the rows above. */
#define PROC_SIM_S 0.1
#define PROC_MAX_MIB 4096.0 /* the target at 10M */
static const int64_t proc_n[] = {1000000, 3000000, 10000000};
enum { PROC_SIZES = sizeof proc_n / sizeof proc_n[0] };

static int net_child(void) {
    const char *v = getenv("BENCH_PROC_N");
    char *end = NULL;
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || n < 10) return fprintf(stderr, "bench: --net-child: BENCH_PROC_N is \"%s\"\n", v ? v : ""), 1;
    bj_net_result r;
    if (bj_config_set("num_threads", NULL) ||
        bj_net_run(&(bj_net_opts){.model = "coba", .n = n, .duration_s = PROC_SIM_S, .backend = backend,
                                  .procedural = true, .quiet = true}, &r))
        return fprintf(stderr, "bench: coba_procedural: %s\n", bj_last_error()), 1;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return perror("bench: getrusage"), 1;
    printf("wall_s=%.6f compile_s=%.6f rate_hz=%.4f peak_kib=%ld\n", r.wall_s, r.compile_s, r.rate_hz, ru.ru_maxrss);
    return 0;
}

static void run_net_procedural(void) {
    double per_neuron0 = 0; /* wall per simulated second and neuron of the first size: linear growth keeps it */
    for (int i = 0; i < PROC_SIZES; i++) {
        int64_t n = small ? proc_n[i] / 10 : proc_n[i];
        char name[64], nbuf[32], buf[512];
        snprintf(name, sizeof name, "coba_procedural n=%lld", (long long)n);
        if (only && !strstr(name, only)) continue;
        fprintf(stderr, "bench: %s\n", name);
        snprintf(nbuf, sizeof nbuf, "%lld", (long long)n);
        double wall = -1, compile_s = -1, rate = -1;
        long peak_kib = -1;
        if (setenv("BENCH_PROC_N", nbuf, 1) || spawn_self("--net-child", buf, sizeof buf) ||
            sscanf(buf, "wall_s=%lf compile_s=%lf rate_hz=%lf peak_kib=%ld", &wall, &compile_s, &rate, &peak_kib) != 4) {
            fprintf(stderr, "bench: %s: the child failed: %s\n", name, buf);
            warnings++;
            continue;
        }
        double peak_mib = (double)peak_kib / 1024.0, per_sim_s = wall / PROC_SIM_S;
        double per_neuron = per_sim_s / (double)n;
        if (per_neuron0 == 0) per_neuron0 = per_neuron;
        printf("%-28s %.1f s simulated, %ld threads: %8.3f s wall per simulated second (x%.2f per neuron of the "
               "first row), %.2f s trace + compile, %.2f Hz, peak resident %7.1f MiB (target < %.0f MiB: %s)\n",
               name, PROC_SIM_S, sysconf(_SC_NPROCESSORS_ONLN), per_sim_s, per_neuron / per_neuron0, compile_s, rate, peak_mib, PROC_MAX_MIB,
               met(peak_mib < PROC_MAX_MIB));
        printf("bench coba_procedural n=%lld sim_s=%g wall_s=%.4f wall_per_sim_s=%.3f linearity=%.3f peak_mib=%.1f "
               "rate_hz=%.3f\n", (long long)n, PROC_SIM_S, wall, per_sim_s, per_neuron / per_neuron0, peak_mib, rate);
    }
    unsetenv("BENCH_PROC_N");
}

/* ---------------------------------------------------------------- main */

static void print_table(void) {
    bool any_cpu = false;
    printf("\n%-34s %12s %12s %8s %21s %6s  %s\n", "case (ns per call of one step)", "traced", "hand", "ratio",
           "ns/neuron traced|hand", "check", "target / info");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char per[48] = "-";
        if (r->per)
            snprintf(per, sizeof per, "%.3f | %.3f", r->traced_ns / (double)r->per, r->hand_ns / (double)r->per);
        printf("%-34s %12.1f %12.1f %7.3f%s %21s %6s  %s\n", r->name, r->traced_ns, r->hand_ns,
               r->traced_ns / r->hand_ns, r->by_cpu ? "*" : " ", per, r->check, r->target);
        any_cpu = any_cpu || r->by_cpu;
    }
    if (any_cpu)
        printf("* the machine was busy: fewer than %d of up to %d batches ran undisturbed, so a side is timed by its "
               "CPU time\n", ROUNDS, MAX_ROUNDS);
    printf("\n");
    for (int i = 0; i < nrows; i++)
        if (rows[i].summary)
            printf("bench %s ratio=%.3f traced_ns=%.1f hand_ns=%.1f%s\n", rows[i].name,
                   rows[i].traced_ns / rows[i].hand_ns, rows[i].traced_ns, rows[i].hand_ns,
                   strcmp(rows[i].check, "WRONG") ? "" : " check=WRONG");
}

static int usage(void) {
    fprintf(stderr, "usage: bench [--backend cpu|interp] [--cache-dir DIR] [--small] [--only SUBSTRING]\n"
                    "  --small: populations 10-100x smaller (for the interpreter)\n"
                    "  --only: run only the cases whose name contains SUBSTRING (\"compile\" for compile costs, \"dispatch\"\n"
                    "          for the jit call overhead, \"cache\" for the disk cache's size after 5,000 compiles,\n"
                    "          \"compile_size\" for compile time against graph size)\n");
    return 2;
}

int main(int argc, char **argv) {
    bool warm = false, net = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
        else if (!strcmp(argv[i], "--cache-dir") && i + 1 < argc) cache_dir = argv[++i];
        else if (!strcmp(argv[i], "--small")) small = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--warm-load")) warm = true;
        else if (!strcmp(argv[i], "--net-child")) net = true;
        else return usage();
    }
    if (bj_config_set("cache_dir", cache_dir) || bj_config_set("num_threads", "1"))
        fprintf(stderr, "bench: bj_config_set: %s\n", bj_last_error());
    if (warm) return warm_child();
    if (net) return net_child();

    char cc[256] = "?", load[64] = "?";
    bj_config_get("cc", cc, sizeof cc);
    FILE *f = fopen("/proc/loadavg", "r"); /* timings on a busy machine are worth less: say how busy it was */
    if (f) {
        if (!fgets(load, sizeof load, f)) snprintf(load, sizeof load, "?");
        load[strcspn(load, " \n")] = 0;
        fclose(f);
    }
    printf("brainjit %s bench: backend \"%s\"%s, cc \"%s\", 1 thread unless stated; median of %d interleaved batches "
           "of >= %.0f ms; load average %s on %ld CPUs\n",
           bj_version(), backend, small ? " (--small populations)" : "", cc[0] ? cc : "cc", ROUNDS, BATCH_NS / 1e6,
           load, sysconf(_SC_NPROCESSORS_ONLN));
    printf("LIF: refractory counter is an int32 array (steps left); HH: forward Euler, dt = %g ms; hand side built "
           "with the generated code's flags (Makefile BENCH_KFLAGS)\n", HH_DT);
    fflush(stdout);
    double t0 = now_ns();
    run_lif(BJ_F32, 4000);
    run_lif(BJ_F32, 1000000);
    run_lif(BJ_F64, 4000);
    run_lif(BJ_F64, 1000000);
    run_hh(4000);
    run_hh(100000);
    run_rate(4000);
    run_rate(1000000);
    run_matmul(256);
    run_lif_threads(1000000);
    print_table();
    run_compile();
    run_compile_size();
    run_cache_size();
    run_dispatch();
    printf("\nnetworks (1 s simulated, one thread; wall seconds per simulated second, median of 3)\n");
    run_net("coba", 4000, 1.0);
    run_net("coba", 40000, 1.0);
    run_net("coba", 400000, 0.2);
    run_net("coba_hh", 4000, 1.0);
    run_net("coba_hh", 40000, 1.0);
    run_net_procedural();
    printf("bench: %d warning(s), %.1f s\n", warnings, (now_ns() - t0) / 1e9);
    return 0;
}
