/* test_jitconn_w.c — the procedural ops with random weights (jitconn_mv_uniform / _normal and their event_ twins):
 * against a dense matrix rebuilt from the same generator (the CSR of bj_conn_fixed_prob and the weights of
 * src/core/bjconn.h, bit for bit through matmul), the same network as jitconn_mv, event against non-event, weights
 * independent of allow_self and of which rows are made, the weights' statistics, dtypes, by name, inside a jit, and
 * the errors. Every graph runs on the interpreter and the native backend, which must agree byte for byte. */
#include "core/bjconn.h"
#include "rgraph.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- helpers */
/* Uniform floats in [-2, 2) of dtype d, seeded. */
static bj_array *rand_vec(bj_dtype d, int64_t n, uint64_t seed) {
    bj_array *a = bj_array_zeros(d, 1, &n);
    rg_rng r = {seed * 2654435761u + 3};
    for (int64_t i = 0; a && i < n; i++) {
        double u = rg_unit(&r) * 4 - 2;
        if (d == BJ_F32) ((float *)bj_array_data(a))[i] = (float)u;
        else ((double *)bj_array_data(a))[i] = u;
    }
    return a;
}

/* A bool vector with each element true with probability q. */
static bj_array *rand_spikes(int64_t n, double q, uint64_t seed) {
    bj_array *a = bj_array_zeros(BJ_BOOL, 1, &n);
    rg_rng r = {seed * 40503u + 11};
    for (int64_t i = 0; a && i < n; i++) ((bool *)bj_array_data(a))[i] = rg_unit(&r) < q;
    return a;
}

static bj_array *one_hot(int64_t n, int64_t k) {
    bj_array *a = bj_array_zeros(BJ_BOOL, 1, &n);
    if (a) ((bool *)bj_array_data(a))[k] = true;
    return a;
}

/* ---------------------------------------------------------------- against a dense matrix */
typedef struct wcase {
    int64_t n_pre, n_post;
    double p;
    bool self;
    uint64_t seed;
    double a, b; /* (w_low, w_high) or (mu, sigma) */
} wcase;

/* The dense [n_pre, n_post] weight matrix of the network of c: the synapses of bj_conn_fixed_prob, each weighted by
 * bjconn.h's draw for (pre, post). */
static bj_array *dense_w(bj_dtype d, const wcase *c, bool normal) {
    bj_array *ip, *ix;
    if (bj_conn_fixed_prob(c->n_pre, c->n_post, c->p, c->seed, c->self, &ip, &ix)) return NULL;
    bj_array *m = bj_array_zeros(d, 2, (int64_t[]){c->n_pre, c->n_post});
    bj_conn_rule rule;
    bj_conn_rule_init(&rule, c->seed, c->p, c->n_post, c->self);
    const int32_t *p = bj_array_data(ip), *col = bj_array_data(ix);
    for (int64_t i = 0; m && i < c->n_pre; i++)
        for (int32_t k = p[i]; k < p[i + 1]; k++) {
            int64_t at = i * c->n_post + col[k];
            if (d == BJ_F32)
                ((float *)bj_array_data(m))[at] = normal ? bj_conn_weight_normal_f32(&rule, i, col[k], (float)c->a, (float)c->b)
                                                         : bj_conn_weight_uniform_f32(&rule, i, col[k], (float)c->a, (float)c->b);
            else
                ((double *)bj_array_data(m))[at] = normal ? bj_conn_weight_normal_f64(&rule, i, col[k], c->a, c->b)
                                                          : bj_conn_weight_uniform_f64(&rule, i, col[k], c->a, c->b);
        }
    bj_array_release(ip), bj_array_release(ix);
    return m;
}

/* y = x @ W and spikes @ W (as 0/1 floats) give the bits of the four ops: the same synapses, weights and adds. */
static void vs_dense(bj_dtype d) {
    static const wcase C[] = {{60, 80, 0.1, true, 1, -1, 3},  {100, 100, 0.05, false, 2, 0.5, 0.25},
                              {30, 20, 1.0, false, 3, 0, 1},  {40, 50, 0.0, true, 4, 1, 2},
                              {7, 3, 0.7, true, 5, -2, 1},    {3, 0, 0.5, true, 6, 0, 1},
                              {90, 70, 0.3, false, 0xfeedfacecafebeefULL, 0.5, 2}};
    const int nc = (int)(sizeof C / sizeof *C);
    diff_batch b = {.t = bj_trace_new("dense")};
    for (int c = 0; c < nc; c++)
        for (int normal = 0; normal < 2; normal++) {
            const wcase *w = &C[c];
            bj_val *W = diff_batch_arg(&b, dense_w(d, w, normal));
            bj_val *x = diff_batch_arg(&b, rand_vec(d, w->n_pre, 10 + (uint64_t)c));
            bj_val *s = diff_batch_arg(&b, rand_spikes(w->n_pre, 0.3, 20 + (uint64_t)c));
            /* parameters as C numbers, or as 0-d traced values (cases 1 and 4; case 1's bounds are the wrong way
             * round, which only a literal refuses: the weights then lie in (w_high, w_low]) */
            bool traced = c % 3 == 1;
            bj_val *pa = traced ? diff_batch_arg(&b, test_scalar(d, w->a)) : NULL, *pb = traced ? diff_batch_arg(&b, test_scalar(d, w->b)) : NULL;
            bj_in A = traced ? bj_in_val(pa) : bj_in_f64(w->a), B = traced ? bj_in_val(pb) : bj_in_f64(w->b);
            if (!traced && d == BJ_F64) /* C numbers are weak float32: make the result float64 through x */
                A = bj_in_val(bj_lit(b.t, BJ_F64, w->a)), B = bj_in_val(bj_lit(b.t, BJ_F64, w->b));
            bj_val *y = (normal ? bj_jitconn_mv_normal_in : bj_jitconn_mv_uniform_in)(x, A, B, w->p, w->seed, w->n_post,
                                                                                    w->self);
            bj_val *e = (normal ? bj_jitconn_event_mv_normal_in : bj_jitconn_event_mv_uniform_in)(
                s, A, B, w->p, w->seed, w->n_post, w->self);
            diff_batch_out(&b, y), diff_batch_out(&b, bj_matmul(x, W));
            diff_batch_out(&b, e), diff_batch_out(&b, bj_matmul(bj_astype(s, d), W));
        }
    int n = b.nout;
    bj_array *res[256] = {0};
    const char *src = NULL;
    CHECK(diff_batch_run(&b, res, &src));
    for (int i = 0; res[0] && i < n; i += 2)
        for (int k = 0; k < 2; k++) {
            CHECK(bj_array_dtype(res[k * n + i]) == d);
            CHECK_MSG(diff_bytes_same(res[k * n + i], res[k * n + i + 1]), "%s: case %d, %s %s differs from the dense matrix",
                      k ? "native" : "interp", i / 8, i / 4 % 2 ? "normal" : "uniform", i % 4 ? "event" : "x");
        }
    CHECK(src && strstr(src, "bj_conn_row_add_normal_") && strstr(src, "bj_conn_row_add_uniform_") &&
          strstr(src, "jitconn_event_mv_normal:"));
    free((void *)src);
    diff_batch_free(&b, res, 2 * n);
}
static void jitconn_w_dense_f32(void) { vs_dense(BJ_F32); }
static void jitconn_w_dense_f64(void) { vs_dense(BJ_F64); }

/* ---------------------------------------------------------------- the network and the weights */
/* The same seed gives the synapses of jitconn_mv: with w_low == w_high (uniform) or sigma == 0 (normal) every
 * weight is the constant, and the results equal jitconn_mv's and jitconn_event_mv's bit for bit. */
static void jitconn_w_same_network(void) {
    diff_batch b = {.t = bj_trace_new("same")};
    bj_val *x = diff_batch_arg(&b, rand_vec(BJ_F32, 300, 1)), *s = diff_batch_arg(&b, rand_spikes(300, 0.2, 2));
    for (int c = 0; c < 3; c++) {
        double p = c == 0 ? 0.05 : c == 1 ? 0.5 : 1.0;
        uint64_t seed = 100 + (uint64_t)c;
        bool self = c != 1;
        diff_batch_out(&b, bj_jitconn_mv(x, 0.75, p, seed, 250, self));
        diff_batch_out(&b, bj_jitconn_mv_uniform(x, 0.75, 0.75, p, seed, 250, self));
        diff_batch_out(&b, bj_jitconn_mv_normal(x, 0.75, 0.0, p, seed, 250, self));
        diff_batch_out(&b, bj_jitconn_event_mv(s, 0.75, p, seed, 250, self));
        diff_batch_out(&b, bj_jitconn_event_mv_uniform(s, 0.75, 0.75, p, seed, 250, self));
        diff_batch_out(&b, bj_jitconn_event_mv_normal(s, 0.75, 0.0, p, seed, 250, self));
    }
    bj_array *res[36] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int i = 0; res[0] && i < 18; i += 3)
        CHECK_MSG(diff_bytes_same(res[i], res[i + 1]) && diff_bytes_same(res[i], res[i + 2]), "case %d differs from jitconn", i / 3);
    diff_batch_free(&b, res, 36);
}

/* A synapse's weight depends on (seed, pre, post) only: one spiking neuron gives its row's weights whichever other
 * neurons spike, and without self connections the row is the same but for its diagonal. Event and non-event agree
 * on spikes given as 0/1 floats. */
static void jitconn_w_weights_per_synapse(void) {
    const int64_t n = 200;
    const int64_t ks[3] = {0, 7, 150};
    diff_batch b = {.t = bj_trace_new("rows")};
    bj_val *all = diff_batch_arg(&b, rand_spikes(n, 0.5, 3));
    for (int c = 0; c < 3; c++) {
        bj_val *s = diff_batch_arg(&b, one_hot(n, ks[c]));
        diff_batch_out(&b, bj_jitconn_event_mv_normal(s, 0.0, 1.0, 0.3, 9, n, true));
        diff_batch_out(&b, bj_jitconn_event_mv_normal(s, 0.0, 1.0, 0.3, 9, n, false));
        diff_batch_out(&b, bj_jitconn_mv_normal(bj_astype(s, BJ_F32), 0.0, 1.0, 0.3, 9, n, true));
    }
    diff_batch_out(&b, bj_jitconn_event_mv_uniform(all, -1.0, 1.0, 0.3, 9, n, true));
    diff_batch_out(&b, bj_jitconn_mv_uniform(bj_astype(all, BJ_F32), -1.0, 1.0, 0.3, 9, n, true));
    bj_array *res[22] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int c = 0; res[0] && c < 3; c++) {
        const float *yt = bj_array_data(res[3 * c]), *yf = bj_array_data(res[3 * c + 1]);
        int nonzero = 0;
        for (int64_t j = 0; j < n; j++) {
            nonzero += yt[j] != 0;
            if (j == ks[c]) CHECK(yf[j] == 0 && !signbit(yf[j]));
            else CHECK_MSG(!memcmp(&yt[j], &yf[j], sizeof(float)), "row %lld, post %lld", (long long)ks[c], (long long)j);
        }
        CHECK_MSG(nonzero > 30 && nonzero < 90, "row %lld has %d synapses (expected about 60)", (long long)ks[c], nonzero);
        CHECK(diff_bytes_same(res[3 * c], res[3 * c + 2]));
    }
    if (res[0]) CHECK(diff_bytes_same(res[9], res[10])); /* event and non-event */
    diff_batch_free(&b, res, 22);
}

static void moments(const double *v, int64_t n, double *mean, double *var) {
    double s = 0, q = 0;
    for (int64_t i = 0; i < n; i++) s += v[i];
    *mean = s / (double)n;
    for (int64_t i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *var = q / (double)(n - 1);
}

/* The weights' distribution, read out one row at a time (one neuron with x = 1 onto 100,000 posts at p = 1):
 * mean and variance within 5 standard errors of uniform [-1, 3) and normal(0.5, 2), the uniform inside its bounds
 * with each quarter holding a quarter of the weights, 68.3% of the normal within one sigma, and two rows
 * uncorrelated. */
static void jitconn_w_statistics(void) {
    const int64_t n = 100000;
    for (int d = 0; d < 2; d++) {
        bj_dtype dt = d ? BJ_F64 : BJ_F32;
        diff_batch b = {.t = bj_trace_new("stats")};
        bj_val *x = diff_batch_arg(&b, test_arr(dt, 1, SH(2), V(1, 0))), *x2 = diff_batch_arg(&b, test_arr(dt, 1, SH(2), V(0, 1)));
        bj_val *lo = bj_lit(b.t, dt, -1.0), *hi = bj_lit(b.t, dt, 3.0), *mu = bj_lit(b.t, dt, 0.5), *sg = bj_lit(b.t, dt, 2.0);
        diff_batch_out(&b, bj_jitconn_mv_uniform(x, lo, hi, 1.0, 31337, n, true));
        diff_batch_out(&b, bj_jitconn_mv_normal(x, mu, sg, 1.0, 31337, n, true));
        diff_batch_out(&b, bj_jitconn_mv_normal(x2, mu, sg, 1.0, 31337, n, true));
        bj_array *res[6] = {0};
        CHECK(diff_batch_run(&b, res, NULL));
        if (!res[0]) continue;
        double *u = malloc(sizeof *u * (size_t)n), *z = malloc(sizeof *z * (size_t)n), *z2 = malloc(sizeof *z2 * (size_t)n);
        for (int64_t j = 0; j < n; j++) u[j] = bj_array_get(res[0], j), z[j] = bj_array_get(res[1], j), z2[j] = bj_array_get(res[2], j);
        double mean, var, sn = sqrt((double)n);
        moments(u, n, &mean, &var);
        double uv = 16.0 / 12;
        CHECK_MSG(fabs(mean - 1) < 5 * sqrt(uv) / sn, "%s uniform mean %g, expected 1", bj_dtype_name(dt), mean);
        CHECK_MSG(fabs(var - uv) < 5 * sqrt((3.2 - uv * uv) / (double)n), "uniform variance %g, expected %g", var, uv);
        int64_t quarter[4] = {0}, out_of = 0;
        for (int64_t j = 0; j < n; j++) {
            out_of += !(u[j] >= -1 && u[j] < 3);
            if (u[j] >= -1 && u[j] < 3) quarter[(int)(u[j] + 1)]++;
        }
        CHECK_MSG(out_of == 0, "%lld uniform weights outside [-1, 3)", (long long)out_of);
        for (int q = 0; q < 4; q++)
            CHECK_MSG(fabs((double)quarter[q] - n / 4.0) < 5 * sqrt(n * 0.25 * 0.75), "quarter %d holds %lld", q,
                      (long long)quarter[q]);
        moments(z, n, &mean, &var);
        CHECK_MSG(fabs(mean - 0.5) < 5 * 2 / sn, "%s normal mean %g, expected 0.5", bj_dtype_name(dt), mean);
        CHECK_MSG(fabs(var - 4) < 5 * 4 * sqrt(2.0 / (double)n), "normal variance %g, expected 4", var);
        int64_t within = 0;
        double cov = 0;
        for (int64_t j = 0; j < n; j++) within += fabs(z[j] - 0.5) < 2, cov += (z[j] - 0.5) * (z2[j] - 0.5);
        double frac = (double)within / (double)n;
        CHECK_MSG(fabs(frac - 0.682689) < 5 * sqrt(0.6827 * 0.3173 / (double)n), "%.4f within one sigma", frac);
        double corr = cov / (double)n / 4;
        CHECK_MSG(fabs(corr) < 5 / sn, "rows 0 and 1 correlate: %g", corr);
        if (getenv("BJ_TEST_VERBOSE"))
            printf("    %s: normal mean %.4f variance %.4f, %.4f within one sigma, row correlation %.4f\n",
                   bj_dtype_name(dt), mean, var, frac, corr);
        free(u), free(z), free(z2);
        diff_batch_free(&b, res, 6);
    }
}

/* ---------------------------------------------------------------- dtypes, by name, printing, jit */
static void jitconn_w_dtypes(void) {
    bj_trace *t = bj_trace_new("dtypes");
    bj_val *xi = bj_trace_arg(t, "xi", BJ_I32, 1, SH(5)), *xd = bj_trace_arg(t, "xd", BJ_F64, 1, SH(5));
    bj_val *s = bj_trace_arg(t, "s", BJ_BOOL, 1, SH(5)), *a64 = bj_trace_arg(t, "a", BJ_F64, 0, NULL);
    CHECK(bj_val_dtype(bj_jitconn_mv_uniform(xi, 0, 1, 0.5, 1, 4, true)) == BJ_F32); /* ints and C numbers: f32 */
    CHECK(bj_val_dtype(bj_jitconn_mv_normal(xd, 0.0, 1.0, 0.5, 1, 4, true)) == BJ_F64);
    CHECK(bj_val_dtype(bj_jitconn_event_mv_uniform(s, 0.0, 1.0, 0.5, 1, 4, true)) == BJ_F32);
    CHECK(bj_val_dtype(bj_jitconn_event_mv_normal(s, a64, 1.0, 0.5, 1, 4, true)) == BJ_F64);
    bj_val *y = bj_jitconn_event_mv_normal(s, 0.0, 1.0, 0.02, 42, 20, false);
    CHECK(y && bj_val_shape(y)[0] == 20);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    char *txt = g ? bj_graph_to_string(g) : NULL;
    CHECK(txt && strstr(txt, "jitconn_event_mv_normal %") && strstr(txt, "p=0.02 seed=42 no_self"));
    if (txt && !strstr(txt, "p=0.02 seed=42 no_self")) printf("%s", txt);
    bj_free(txt);
    bj_graph_release(g);
}

static void jitconn_w_by_name(void) {
    static const char *const names[4] = {"jitconn_mv_uniform", "jitconn_mv_normal", "jitconn_event_mv_uniform",
                                         "jitconn_event_mv_normal"};
    bj_attrs a = {.n = 30, .value = 0.2, .seed = 77, .allow_self = false};
    for (int k = 0; k < 4; k++) {
        bool event = k >= 2, normal = k % 2;
        bj_array *x = event ? rand_spikes(40, 0.5, 4) : rand_vec(BJ_F32, 40, 4);
        bj_array *wa = test_scalar(BJ_F32, normal ? 1 : -1), *wb = test_scalar(BJ_F32, 2);
        bj_array *r = test_op(names[k], &a, 3, INS(x, wa, wb));
        bj_array_release(wa), bj_array_release(wb);
        /* the same through the C function */
        diff_batch b = {.t = bj_trace_new("byname")};
        bj_val *xv = diff_batch_arg(&b, bj_array_copy(x));
        diff_batch_out(&b, k == 0 ? bj_jitconn_mv_uniform(xv, -1.0, 2.0, 0.2, 77, 30, false)
                : k == 1 ? bj_jitconn_mv_normal(xv, 1.0, 2.0, 0.2, 77, 30, false)
                : k == 2 ? bj_jitconn_event_mv_uniform(xv, -1.0, 2.0, 0.2, 77, 30, false)
                         : bj_jitconn_event_mv_normal(xv, 1.0, 2.0, 0.2, 77, 30, false));
        bj_array *res[2] = {0};
        CHECK(diff_batch_run(&b, res, NULL));
        CHECK_MSG(diff_bytes_same(r, res[0]), "%s by name", names[k]);
        bj_array_release(r), bj_array_release(x);
        diff_batch_free(&b, res, 2);
    }
    CHECK(test_op_fails("jitconn_mv_uniform", &a, 2, INS(rand_vec(BJ_F32, 4, 1), test_scalar(BJ_F32, 1)),
                        "takes 3 operands, got 2"));
}

/* A recurrent network of 400 units driven through normal random weights (Variables v and s), 20 steps on both
 * backends, byte for byte. */
typedef struct net {
    bj_var *v, *s;
} net;

static bj_status net_step(bj_trace *t, void *ud) {
    net *m = ud;
    bj_val *drive = bj_param(t, 0), *sigma = bj_param(t, 1);
    bj_val *v = bj_var_read(t, m->v), *s = bj_var_read(t, m->s);
    bj_val *syn = bj_jitconn_event_mv_normal(s, 0.02, sigma, 0.05, 21, 400, false);
    bj_val *nv = bj_add(bj_add(bj_mul(v, 0.9), syn), drive);
    bj_val *ns = bj_gt(nv, 1.0);
    bj_var_write(t, m->v, bj_where(ns, 0.0, nv));
    return bj_var_write(t, m->s, ns);
}

static void jitconn_w_in_jit(void) {
    bj_array *drive = rand_vec(BJ_F32, 400, 5), *sigma = test_scalar(BJ_F32, 0.05), *finals[2] = {0};
    for (int i = 0; drive && i < 400; i++) ((float *)bj_array_data(drive))[i] *= 0.06f;
    for (int k = 0; k < 2; k++) {
        bj_array *v0 = bj_array_zeros(BJ_F32, 1, (int64_t[]){400}), *s0 = rand_spikes(400, 0.1, 9);
        net m = {bj_var_new("v", v0, -1), bj_var_new("s", s0, -1)};
        bj_jit *f = bj_jit_new(net_step, &m, &(bj_jit_opts){.argnames = "drive, sigma", .backend = k ? "interp" : "cpu"});
        for (int step = 0; f && step < 20; step++)
            CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(drive), bj_arg_array(sigma)), NULL, 0) == BJ_OK);
        finals[k] = bj_array_copy(bj_var_value(m.v));
        bj_jit_release(f), bj_var_release(m.v), bj_var_release(m.s), bj_array_release(v0), bj_array_release(s0);
    }
    CHECK(diff_bytes_same(finals[0], finals[1]));
    double reset = 0;
    for (int64_t i = 0; finals[0] && i < 400; i++) reset += bj_array_get(finals[0], i) == 0;
    CHECK_MSG(reset > 0 && reset < 400, "%g of 400 units at reset", reset);
    bj_array_release(finals[0]), bj_array_release(finals[1]), bj_array_release(drive), bj_array_release(sigma);
}

/* ---------------------------------------------------------------- errors */
static void jitconn_w_errors(void) {
    struct {
        const char *want;
        int k;
    } C[] = {{"jitconn_mv_uniform: w_low = 2 is above w_high = 1", 0},
             {"jitconn_event_mv_normal: sigma = -1 is negative", 1},
             {"jitconn_mv_normal: mu = nan must be finite", 2},
             {"jitconn_event_mv_uniform: w_high = inf must be finite", 3},
             {"jitconn_mv_uniform: w_low must be a scalar", 4},
             {"jitconn_event_mv_normal: spikes must be a bool vector", 5},
             {"jitconn_mv_normal: x must be a vector", 6},
             {"jitconn_mv_uniform: p = 1.5 is outside [0, 1]", 7},
             {"jitconn_event_mv_uniform: n_post is -1", 8},
             {"jitconn_mv_normal: sigma must be a number, got bool", 9},
             {"jitconn_mv_uniform: a weight must be a number or a traced value, got a C bool", 10},
             {"jitconn_mv_uniform: w_high = inf must be finite in float32", 11}};
    for (size_t c = 0; c < sizeof C / sizeof *C; c++) {
        bj_trace *t = bj_trace_new("err");
        bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(10)), *s = bj_trace_arg(t, "s", BJ_BOOL, 1, SH(10));
        bj_val *m = bj_trace_arg(t, "m", BJ_F32, 2, SH(2, 5)), *v = bj_trace_arg(t, "v", BJ_F32, 1, SH(3));
        bj_val *bl = bj_trace_arg(t, "b", BJ_BOOL, 0, NULL);
        bj_val *y = NULL;
        switch (C[c].k) {
        case 0: y = bj_jitconn_mv_uniform(x, 2.0, 1.0, 0.1, 1, 10, true); break;
        case 1: y = bj_jitconn_event_mv_normal(s, 0.0, -1.0, 0.1, 1, 10, true); break;
        case 2: y = bj_jitconn_mv_normal(x, NAN, 1.0, 0.1, 1, 10, true); break;
        case 3: y = bj_jitconn_event_mv_uniform(s, 0.0, INFINITY, 0.1, 1, 10, true); break;
        case 4: y = bj_jitconn_mv_uniform(x, v, 1.0, 0.1, 1, 10, true); break;
        case 5: y = bj_jitconn_event_mv_normal(x, 0.0, 1.0, 0.1, 1, 10, true); break;
        case 6: y = bj_jitconn_mv_normal(m, 0.0, 1.0, 0.1, 1, 10, true); break;
        case 7: y = bj_jitconn_mv_uniform(x, 0.0, 1.0, 1.5, 1, 10, true); break;
        case 8: y = bj_jitconn_event_mv_uniform(s, 0.0, 1.0, 0.1, 1, -1, true); break;
        case 9: y = bj_jitconn_mv_normal(x, 0.0, bl, 0.1, 1, 10, true); break;
        case 10: y = bj_jitconn_mv_uniform_in(x, bj_in_bool(true), bj_in_f64(1), 0.1, 1, 10, true); break;
        default: y = bj_jitconn_mv_uniform(x, 0.0, 1e300, 0.1, 1, 10, true); break; /* inf once made float32 */
        }
        CHECK(y == NULL);
        CHECK_MSG(strstr(bj_last_error(), C[c].want) != NULL, "case %zu: '%s' lacks '%s'", c, bj_last_error(),
                  C[c].want);
        bj_trace_free(t);
    }
    /* equal bounds and a zero deviation are fine; traced bounds are not checked (their values are run-time data) */
    bj_trace *t = bj_trace_new("ok");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(10)), *lo = bj_trace_arg(t, "lo", BJ_F32, 0, NULL);
    CHECK(bj_jitconn_mv_uniform(x, 1.0, 1.0, 0.1, 1, 10, true) && bj_jitconn_mv_normal(x, 1.0, 0.0, 0.1, 1, 10, true));
    CHECK(bj_jitconn_mv_uniform(x, lo, -5.0, 0.1, 1, 10, true));
    bj_trace_free(t);
}

void tests_jitconn_w(void) {
    RUN(jitconn_w_dense_f32);
    RUN(jitconn_w_dense_f64);
    RUN(jitconn_w_same_network);
    RUN(jitconn_w_weights_per_synapse);
    RUN(jitconn_w_statistics);
    RUN(jitconn_w_dtypes);
    RUN(jitconn_w_by_name);
    RUN(jitconn_w_in_jit);
    RUN(jitconn_w_errors);
}
