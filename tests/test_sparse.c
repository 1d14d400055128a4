/* test_sparse.c — sparse connectivity and event-driven ops: the CSR builders (fixed probability, pairs, check),
 * csrmv and event_csrmv against a dense matmul built from the same matrix (bit for bit: the same adds in the same
 * order), the procedural ops against the stored matrix of the same seed (bit for bit), degree statistics, a
 * million-neuron procedural step, and the error messages. Every graph runs on the interpreter and the native backend
 * and the two must agree byte for byte. */
#include "rgraph.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* ---------------------------------------------------------------- helpers */
static const int32_t *i32s(const bj_array *a) { return (const int32_t *)bj_array_data(a); }

/* Uniform floats in [-2, 2) of dtype d, seeded. */
static bj_array *rand_vec(bj_dtype d, int64_t n, uint64_t seed) {
    bj_array *a = bj_array_zeros(d, 1, &n);
    rg_rng r = {seed * 2654435761u + 1};
    for (int64_t i = 0; a && i < n; i++) {
        double u = rg_unit(&r) * 4 - 2;
        if (d == BJ_F32) ((float *)bj_array_data(a))[i] = (float)u;
        else ((double *)bj_array_data(a))[i] = u;
    }
    return a;
}

/* A bool vector with each element true with probability q (q 0: none, q 1: all). */
static bj_array *rand_spikes(int64_t n, double q, uint64_t seed) {
    bj_array *a = bj_array_zeros(BJ_BOOL, 1, &n);
    rg_rng r = {seed * 40503u + 7};
    for (int64_t i = 0; a && i < n; i++) ((bool *)bj_array_data(a))[i] = rg_unit(&r) < q;
    return a;
}

/* The dense [n_pre, n_post] matrix of a CSR: W[i][j] = the weight of synapse i -> j (0 where none). w: per-synapse
 * weights, or NULL for the homogeneous weight hw. */
static bj_array *dense_of(bj_dtype d, int64_t n_pre, int64_t n_post, const bj_array *ip, const bj_array *ix,
                          const bj_array *w, double hw) {
    bj_array *m = bj_array_zeros(d, 2, (int64_t[]){n_pre, n_post});
    for (int64_t i = 0; m && i < n_pre; i++)
        for (int32_t k = i32s(ip)[i]; k < i32s(ip)[i + 1]; k++) {
            int64_t at = i * n_post + i32s(ix)[k];
            double v = w ? bj_array_get(w, k) : hw;
            if (d == BJ_F32) ((float *)bj_array_data(m))[at] = (float)v;
            else ((double *)bj_array_data(m))[at] = v;
        }
    return m;
}

/* Checks the CSR invariants of a builder's result: int32 vectors, indptr from 0 to nnz non-decreasing, each row
 * strictly increasing (sorted, no duplicate) within [0, n_post), no self connection unless allowed. */
static bool csr_ok(const bj_array *ip, const bj_array *ix, int64_t n_pre, int64_t n_post, bool allow_self) {
    if (!ip || !ix || bj_array_dtype(ip) != BJ_I32 || bj_array_dtype(ix) != BJ_I32 || bj_array_size(ip) != n_pre + 1)
        return false;
    const int32_t *p = i32s(ip), *c = i32s(ix);
    if (p[0] != 0 || p[n_pre] != bj_array_size(ix)) return false;
    for (int64_t i = 0; i < n_pre; i++) {
        if (p[i + 1] < p[i]) return false;
        for (int32_t k = p[i]; k < p[i + 1]; k++)
            if (c[k] < 0 || c[k] >= n_post || (k > p[i] && c[k] <= c[k - 1]) || (!allow_self && c[k] == i)) return false;
    }
    return bj_conn_check(n_pre, n_post, ip, ix) == BJ_OK;
}

/* Mean and (unbiased) variance of n counts. */
static void moments(const double *v, int64_t n, double *mean, double *var) {
    double s = 0, q = 0;
    for (int64_t i = 0; i < n; i++) s += v[i];
    *mean = s / (double)n;
    for (int64_t i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *var = q / (double)(n - 1);
}

/* ---------------------------------------------------------------- the CSR builders */
static void sparse_fixed_prob_edges(void) {
    bj_array *ip, *ix;
    /* p = 0: no synapse */
    CHECK(bj_conn_fixed_prob(7, 5, 0.0, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 7, 5, true) &&
          bj_array_size(ix) == 0);
    bj_array_release(ip), bj_array_release(ix);
    /* p = 1: every pair, rows 0..n_post-1 */
    CHECK(bj_conn_fixed_prob(4, 6, 1.0, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 4, 6, true) &&
          bj_array_size(ix) == 24);
    for (int k = 0; ix && k < 24; k++) CHECK(i32s(ix)[k] == k % 6);
    bj_array_release(ip), bj_array_release(ix);
    /* p = 1 without self connections: the diagonal is missing; for pre >= n_post nothing is dropped */
    CHECK(bj_conn_fixed_prob(6, 4, 1.0, 1, false, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 6, 4, false));
    for (int i = 0; ip && i < 6; i++) CHECK(i32s(ip)[i + 1] - i32s(ip)[i] == (i < 4 ? 3 : 4));
    bj_array_release(ip), bj_array_release(ix);
    /* no post or no pre neurons */
    CHECK(bj_conn_fixed_prob(3, 0, 0.5, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 3, 0, true) &&
          bj_array_size(ix) == 0);
    bj_array_release(ip), bj_array_release(ix);
    CHECK(bj_conn_fixed_prob(0, 3, 0.5, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 0, 3, true) &&
          bj_array_size(ip) == 1 && bj_array_size(ix) == 0);
    bj_array_release(ip), bj_array_release(ix);
    /* a tiny p is not zero: the rows are long gaps, never a division by zero */
    CHECK(bj_conn_fixed_prob(50, 50, 1e-300, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 50, 50, true) &&
          bj_array_size(ix) == 0);
    bj_array_release(ip), bj_array_release(ix);
    CHECK(bj_conn_fixed_prob(20, 20, 1 - 1e-16, 1, true, &ip, &ix) == BJ_OK && csr_ok(ip, ix, 20, 20, true) &&
          bj_array_size(ix) == 400);
    bj_array_release(ip), bj_array_release(ix);
}

/* Sorted rows, no self connections, degree means within 5 standard errors of p (n - 1). */
static void sparse_fixed_prob_stats(void) {
    const int64_t n = 2000;
    const double p = 0.05;
    bj_array *ip, *ix;
    CHECK(bj_conn_fixed_prob(n, n, p, 12345, false, &ip, &ix) == BJ_OK);
    CHECK(csr_ok(ip, ix, n, n, false));
    if (!ip || !ix) return;
    double *in = calloc((size_t)n, sizeof *in), *outd = calloc((size_t)n, sizeof *outd), mean, var;
    for (int64_t i = 0; i < n; i++) outd[i] = i32s(ip)[i + 1] - i32s(ip)[i];
    for (int64_t k = 0; k < bj_array_size(ix); k++) in[i32s(ix)[k]]++;
    double mu = p * (double)(n - 1), sd_mean = sqrt(mu * (1 - p) / (double)n);
    moments(in, n, &mean, &var);
    CHECK_MSG(fabs(mean - mu) < 5 * sd_mean, "mean in-degree %g, expected %g +- %g", mean, mu, 5 * sd_mean);
    CHECK_MSG(fabs(var - mu * (1 - p)) < 5 * mu * (1 - p) * sqrt(2.0 / (double)n), "in-degree variance %g", var);
    moments(outd, n, &mean, &var);
    CHECK_MSG(fabs(mean - mu) < 5 * sd_mean, "mean out-degree %g, expected %g +- %g", mean, mu, 5 * sd_mean);
    free(in), free(outd);
    bj_array_release(ip), bj_array_release(ix);
}

static void sparse_fixed_prob_seeds(void) {
    bj_array *a, *b, *c, *d, *e, *f;
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, 7, true, &a, &b) == BJ_OK);
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, 7, true, &c, &d) == BJ_OK);
    CHECK(diff_bytes_same(a, c) && diff_bytes_same(b, d)); /* reproducible */
    bj_array_release(c), bj_array_release(d);
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, 8, true, &c, &d) == BJ_OK);
    CHECK(!diff_bytes_same(b, d)); /* another seed, another network */
    bj_array_release(c), bj_array_release(d);
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, (uint64_t)7 << 32, true, &c, &d) == BJ_OK);
    CHECK(!diff_bytes_same(b, d)); /* the seed's high word counts */
    bj_array_release(c), bj_array_release(d);
    /* without self connections: the same network minus its diagonal */
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, 7, false, &e, &f) == BJ_OK && csr_ok(e, f, 300, 200, false));
    if (a && b && e && f) {
        int64_t k2 = 0, dropped = 0;
        bool same = true;
        for (int64_t i = 0; i < 300; i++)
            for (int32_t k = i32s(a)[i]; k < i32s(a)[i + 1]; k++) {
                if (i32s(b)[k] == i) dropped++;
                else same &= k2 < bj_array_size(f) && i32s(f)[k2++] == i32s(b)[k];
            }
        CHECK(same && k2 == bj_array_size(f) && dropped == bj_array_size(b) - bj_array_size(f));
    }
    bj_array_release(a), bj_array_release(b), bj_array_release(e), bj_array_release(f);
}

static void sparse_fixed_prob_errors(void) {
    bj_array *ip = (bj_array *)1, *ix = (bj_array *)1;
    CHECK(bj_conn_fixed_prob(10, 10, 1.5, 1, true, &ip, &ix) == BJ_ERR_ARG && !ip && !ix);
    CHECK_ERR_HAS("bj_conn_fixed_prob: p = 1.5 is outside [0, 1]");
    CHECK(bj_conn_fixed_prob(10, 10, NAN, 1, true, &ip, &ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("outside [0, 1]");
    CHECK(bj_conn_fixed_prob(10, 10, -0.1, 1, true, &ip, &ix) == BJ_ERR_ARG);
    CHECK(bj_conn_fixed_prob(-1, 10, 0.1, 1, true, &ip, &ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("n_pre -1");
    CHECK(bj_conn_fixed_prob(10, (int64_t)1 << 31, 0.1, 1, true, &ip, &ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("int32 indices");
    CHECK(bj_conn_fixed_prob(100000, 100000, 0.5, 1, true, &ip, &ix) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("overflow int32 indptr");
    CHECK(bj_conn_fixed_prob(10, 10, 0.1, 1, true, NULL, &ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("must not be NULL");
}

static bj_array *ivec(bj_dtype d, int n, const int64_t *v) {
    bj_array *a = bj_array_zeros(d, 1, (int64_t[]){n});
    for (int i = 0; a && i < n; i++) {
        if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)v[i];
        else if (d == BJ_I64) ((int64_t *)bj_array_data(a))[i] = v[i];
        else ((uint32_t *)bj_array_data(a))[i] = (uint32_t)v[i];
    }
    return a;
}

static void sparse_from_pairs(void) {
    /* unsorted pairs with a duplicate (2 -> 1 twice) and an empty row (3) */
    bj_array *pre = ivec(BJ_I64, 7, (int64_t[]){2, 0, 2, 4, 0, 2, 1}), *post = ivec(BJ_I32, 7, (int64_t[]){1, 3, 0, 2, 0, 1, 3});
    bj_array *ip, *ix, *ord;
    CHECK(bj_conn_from_pairs(5, 4, pre, post, &ip, &ix, &ord) == BJ_OK);
    if (ip && ix && ord) {
        int32_t wp[] = {0, 2, 3, 6, 6, 7}, wi[] = {3, 0, 3, 1, 0, 1, 2}, wo[] = {1, 4, 6, 0, 2, 5, 3};
        CHECK(!memcmp(bj_array_data(ip), wp, sizeof wp));
        CHECK(!memcmp(bj_array_data(ix), wi, sizeof wi)); /* rows in pair order: stable */
        CHECK(!memcmp(bj_array_data(ord), wo, sizeof wo));
        CHECK(bj_conn_check(5, 4, ip, ix) == BJ_OK);
    }
    bj_array_release(ip), bj_array_release(ix), bj_array_release(ord);
    CHECK(bj_conn_from_pairs(5, 4, pre, post, &ip, &ix, NULL) == BJ_OK && bj_array_size(ix) == 7);
    bj_array_release(ip), bj_array_release(ix);
    /* errors */
    bj_array *bad = ivec(BJ_U32, 7, (int64_t[]){2, 0, 2, 4, 0, 9, 1}), *f = bj_array_zeros(BJ_F32, 1, (int64_t[]){7});
    bj_array *short_ = ivec(BJ_I32, 3, (int64_t[]){0, 1, 2});
    CHECK(bj_conn_from_pairs(5, 4, bad, post, &ip, &ix, NULL) == BJ_ERR_ARG && !ip && !ix);
    CHECK_ERR_HAS("bj_conn_from_pairs: pre[5] = 9 is outside [0, 5) (n_pre)");
    CHECK(bj_conn_from_pairs(5, 4, pre, bad, &ip, &ix, NULL) == BJ_ERR_ARG);
    CHECK_ERR_HAS("post[3] = 4 is outside [0, 4) (n_post)");
    CHECK(bj_conn_from_pairs(5, 4, pre, f, &ip, &ix, NULL) == BJ_ERR_DTYPE);
    CHECK_ERR_HAS("post must be an integer vector");
    CHECK(bj_conn_from_pairs(5, 4, pre, short_, &ip, &ix, NULL) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("they must pair up");
    CHECK(bj_conn_from_pairs(5, 4, NULL, post, &ip, &ix, NULL) == BJ_ERR_ARG);
    CHECK_ERR_HAS("pre is NULL");
    bj_array_release(pre), bj_array_release(post), bj_array_release(bad), bj_array_release(f), bj_array_release(short_);
    /* no pairs at all */
    bj_array *e0 = bj_array_zeros(BJ_I32, 1, (int64_t[]){0}), *e1 = bj_array_zeros(BJ_I32, 1, (int64_t[]){0});
    CHECK(bj_conn_from_pairs(3, 3, e0, e1, &ip, &ix, NULL) == BJ_OK && csr_ok(ip, ix, 3, 3, true));
    bj_array_release(ip), bj_array_release(ix), bj_array_release(e0), bj_array_release(e1);
}

static void sparse_conn_check(void) {
    bj_array *ip = ivec(BJ_I32, 4, (int64_t[]){0, 2, 2, 3}), *ix = ivec(BJ_I64, 3, (int64_t[]){1, 0, 4});
    CHECK(bj_conn_check(3, 5, ip, ix) == BJ_OK);
    CHECK(bj_conn_check(3, 4, ip, ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_conn_check: indices[2] = 4 is outside [0, 4) (n_post)");
    CHECK(bj_conn_check(4, 5, ip, ix) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("indptr has 4 entries; n_pre + 1 = 5 expected");
    bj_array *dec = ivec(BJ_I32, 4, (int64_t[]){0, 2, 1, 3}), *big = ivec(BJ_I32, 4, (int64_t[]){0, 2, 2, 4});
    CHECK(bj_conn_check(3, 5, dec, ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("indptr decreases at 2 (1 after 2)");
    CHECK(bj_conn_check(3, 5, big, ix) == BJ_ERR_ARG);
    CHECK_ERR_HAS("indptr[3] = 4 is outside [0, 3]");
    bj_array_release(ip), bj_array_release(ix), bj_array_release(dec), bj_array_release(big);
}

/* ---------------------------------------------------------------- csrmv and event_csrmv against a dense matmul */
typedef struct mv_case {
    int64_t n_pre, n_post;
    double p;
    int wkind;     /* 0: per-synapse array; 1: C scalar; 2: 0-d argument */
    double spike_q; /* event: probability of a spike (0: none, 1: all) */
} mv_case;

static const mv_case MV_CASES[] = {
    {37, 23, 0.2, 0, 0.3},  {37, 23, 0.2, 1, 0.5},  {64, 100, 0.05, 0, 0.1}, {64, 100, 0.05, 2, 1.0},
    {50, 40, 0.03, 0, 0.5}, /* many empty rows */     {30, 30, 0.3, 0, 0.0},   {30, 30, 0.3, 1, 1.0},
    {1, 5, 1.0, 0, 1.0},    {5, 1, 0.5, 2, 0.6},     {0, 4, 0.5, 0, 0.5},     {4, 0, 0.5, 0, 0.5},
};
#define NCASES ((int)(sizeof MV_CASES / sizeof *MV_CASES))

/* For each case: csrmv(x) and matmul(x, W); event_csrmv(spikes) and matmul(float(spikes), W). */
static void mv_vs_dense(bj_dtype d) {
    diff_batch b = {.t = bj_trace_new(d == BJ_F32 ? "csr_f32" : "csr_f64")};
    for (int c = 0; c < NCASES; c++) {
        const mv_case *m = &MV_CASES[c];
        bj_array *ip, *ix;
        if (bj_conn_fixed_prob(m->n_pre, m->n_post, m->p, 100 + (uint64_t)c, c % 2 == 0, &ip, &ix) != BJ_OK) {
            CHECK(false);
            continue;
        }
        int64_t nnz = bj_array_size(ix);
        double hw = d == BJ_F32 ? (double)0.37f : 0.37;
        bj_array *w = m->wkind == 0 ? rand_vec(d, nnz, 300 + (uint64_t)c) : NULL;
        bj_array *dense = dense_of(d, m->n_pre, m->n_post, ip, ix, w, hw);
        bj_val *vip = diff_batch_arg(&b, ip), *vix = diff_batch_arg(&b, ix), *vd = diff_batch_arg(&b, dense);
        bj_in win = m->wkind == 0 ? bj_in_val(diff_batch_arg(&b, w))
                    : m->wkind == 1 ? (d == BJ_F32 ? bj_in_f64(0.37) : bj_in_val(bj_lit(b.t, BJ_F64, 0.37)))
                                    : bj_in_val(diff_batch_arg(&b, test_scalar(d, 0.37)));
        bj_val *x = diff_batch_arg(&b, rand_vec(d, m->n_pre, 500 + (uint64_t)c));
        bj_val *s = diff_batch_arg(&b, rand_spikes(m->n_pre, m->spike_q, 700 + (uint64_t)c));
        diff_batch_out(&b, bj_csrmv_in(vip, vix, win, x, m->n_post));
        diff_batch_out(&b, bj_matmul(x, vd));
        diff_batch_out(&b, bj_event_csrmv_in(vip, vix, win, s, m->n_post));
        diff_batch_out(&b, bj_matmul(bj_astype(s, d), vd));
    }
    int n = b.nout;
    bj_array *res[256] = {0};
    const char *src = NULL;
    CHECK(diff_batch_run(&b, res, &src));
    for (int i = 0; res[0] && i < n; i += 2)
        for (int k = 0; k < 2; k++) {
            bj_array *sp = res[k * n + i], *dn = res[k * n + i + 1];
            CHECK(sp && bj_array_dtype(sp) == d && bj_array_rank(sp) == 1);
            CHECK_MSG(diff_bytes_same(sp, dn), "%s output %d (case %d, %s) differs from the dense matmul",
                      k ? "native" : "interp", i, i / 4, i % 4 ? "event_csrmv" : "csrmv");
        }
    /* the generated event kernel reads only the rows of neurons that spiked */
    CHECK(src && strstr(src, "bj_next_spike(") && strstr(src, "event_csrmv:"));
    free((void *)src);
    diff_batch_free(&b, res, 2 * n);
}
static void sparse_csrmv_dense_f32(void) { mv_vs_dense(BJ_F32); }
static void sparse_csrmv_dense_f64(void) { mv_vs_dense(BJ_F64); }

/* Promotion: f32 weights with f64 x give f64; int x is converted; a C int weight is a float. */
static void sparse_dtypes(void) {
    bj_trace *t = bj_trace_new("dt");
    bj_val *ip = bj_trace_arg(t, NULL, BJ_I64, 1, (int64_t[]){4}), *ix = bj_trace_arg(t, NULL, BJ_U32, 1, (int64_t[]){5});
    bj_val *w32 = bj_trace_arg(t, NULL, BJ_F32, 1, (int64_t[]){5}), *x64 = bj_trace_arg(t, NULL, BJ_F64, 1, (int64_t[]){3});
    bj_val *xi = bj_trace_arg(t, NULL, BJ_I32, 1, (int64_t[]){3}), *s = bj_trace_arg(t, NULL, BJ_BOOL, 1, (int64_t[]){3});
    CHECK(bj_val_dtype(bj_csrmv(ip, ix, w32, x64, 6)) == BJ_F64);
    CHECK(bj_val_dtype(bj_csrmv(ip, ix, 2, xi, 6)) == BJ_F32);
    CHECK(bj_val_dtype(bj_csrmv(ip, ix, 0.5, x64, 6)) == BJ_F64);
    CHECK(bj_val_dtype(bj_event_csrmv(ip, ix, 0.5, s, 6)) == BJ_F32);
    CHECK(bj_val_dtype(bj_event_csrmv(ip, ix, bj_lit(t, BJ_F64, 0.5), s, 6)) == BJ_F64);
    CHECK(bj_val_dtype(bj_jitconn_event_mv(s, 1, 0.1, 3, 9, true)) == BJ_F32);
    bj_val *y = bj_jitconn_mv(x64, 0.5, 0.1, 3, 9, true);
    CHECK(y && bj_val_dtype(y) == BJ_F64 && bj_val_rank(y) == 1 && bj_val_shape(y)[0] == 9);
    CHECK(bj_trace_status(t) == BJ_OK);
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- procedural connectivity */
typedef struct pc_case {
    int64_t n_pre, n_post;
    double p;
    bool self;
    double q;
    uint64_t seed;
} pc_case;

/* jitconn_event_mv == event_csrmv and jitconn_mv == csrmv on the CSR bj_conn_fixed_prob builds from the same seed. */
static void procedural_vs_stored(bj_dtype d) {
    static const pc_case C[] = {{100, 80, 0.1, true, 0.2, 1},  {100, 100, 0.1, false, 0.3, 2}, {60, 90, 0.5, false, 1.0, 3},
                                {40, 40, 1.0, false, 0.5, 4},  {40, 40, 0.0, true, 0.5, 5},    {200, 150, 0.02, true, 0.0, 6},
                                {7, 3, 0.9, false, 1.0, 7},    {3, 0, 0.5, true, 1.0, 8},      {500, 500, 0.01, false, 0.05, 0xdeadbeefcafef00dULL}};
    const int nc = (int)(sizeof C / sizeof *C);
    diff_batch b = {.t = bj_trace_new("jitconn")};
    for (int c = 0; c < nc; c++) {
        bj_array *ip, *ix;
        CHECK(bj_conn_fixed_prob(C[c].n_pre, C[c].n_post, C[c].p, C[c].seed, C[c].self, &ip, &ix) == BJ_OK);
        bj_val *vip = diff_batch_arg(&b, ip), *vix = diff_batch_arg(&b, ix);
        bj_val *s = diff_batch_arg(&b, rand_spikes(C[c].n_pre, C[c].q, 900 + (uint64_t)c));
        bj_val *x = diff_batch_arg(&b, rand_vec(d, C[c].n_pre, 950 + (uint64_t)c));
        bj_val *w = c % 3 == 2 ? diff_batch_arg(&b, test_scalar(d, -0.625)) : bj_lit(b.t, d, 0.3);
        diff_batch_out(&b, bj_jitconn_event_mv(s, w, C[c].p, C[c].seed, C[c].n_post, C[c].self));
        diff_batch_out(&b, bj_event_csrmv(vip, vix, w, s, C[c].n_post));
        diff_batch_out(&b, bj_jitconn_mv(x, w, C[c].p, C[c].seed, C[c].n_post, C[c].self));
        diff_batch_out(&b, bj_csrmv(vip, vix, w, x, C[c].n_post));
    }
    int n = b.nout;
    bj_array *res[256] = {0};
    const char *src = NULL;
    CHECK(diff_batch_run(&b, res, &src));
    for (int i = 0; res[0] && i < n; i += 2)
        for (int k = 0; k < 2; k++)
            CHECK_MSG(diff_bytes_same(res[k * n + i], res[k * n + i + 1]), "%s: case %d, %s differs from the stored matrix",
                      k ? "native" : "interp", i / 4, i % 4 ? "jitconn_mv" : "jitconn_event_mv");
    CHECK(src && strstr(src, "bj_conn_row_next(") && strstr(src, "jitconn_event_mv:"));
    free((void *)src);
    diff_batch_free(&b, res, 2 * n);
}
static void sparse_procedural_equals_stored_f32(void) { procedural_vs_stored(BJ_F32); }
static void sparse_procedural_equals_stored_f64(void) { procedural_vs_stored(BJ_F64); }

/* In-degree of every post at n = 10,000, p = 0.01, no self connections: Binomial(n - 1, p). All neurons spike with
 * weight 1, so y is the in-degree. Mean and variance within 5 standard errors; the first and last tenth of the posts
 * agree (no bias along the row from the skipping). */
static void sparse_procedural_in_degree(void) {
    const int64_t n = 10000;
    const double p = 0.01;
    diff_batch b = {.t = bj_trace_new("indeg")};
    bj_val *s = diff_batch_arg(&b, rand_spikes(n, 1.0, 1));
    diff_batch_out(&b, bj_jitconn_event_mv(s, 1.0, p, 2024, n, false));
    bj_array *res[2] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    if (!res[0]) return;
    double *deg = malloc(sizeof *deg * (size_t)n), mean, var, lo = 0, hi = 0;
    for (int64_t j = 0; j < n; j++) deg[j] = ((const float *)bj_array_data(res[0]))[j];
    moments(deg, n, &mean, &var);
    double mu = p * (double)(n - 1), v = mu * (1 - p);
    CHECK_MSG(fabs(mean - mu) < 5 * sqrt(v / (double)n), "mean in-degree %g, expected %g", mean, mu);
    CHECK_MSG(fabs(var - v) < 5 * v * sqrt(2.0 / (double)(n - 1)), "in-degree variance %g, expected %g", var, v);
    for (int64_t j = 0; j < n / 10; j++) lo += deg[j], hi += deg[n - 1 - j];
    lo /= (double)(n / 10), hi /= (double)(n / 10);
    CHECK_MSG(fabs(lo - hi) < 5 * sqrt(2 * v / (double)(n / 10)), "first tenth %g, last tenth %g", lo, hi);
    if (getenv("BJ_TEST_VERBOSE"))
        printf("    in-degree at n = %lld, p = %g: mean %.3f (expected %.3f), variance %.3f (expected %.3f)\n",
               (long long)n, p, mean, mu, var, v);
    free(deg);
    diff_batch_free(&b, res, 2);
}

/* n_pre = n_post = 1,000,000 at p = 0.001 (a stored matrix would hold 10^9 synapses, 4 GB): 20 neurons spike, the
 * step finishes quickly, and memory grows by little more than the vectors. */
static void sparse_procedural_million(void) {
    const int64_t n = 1000000;
    bj_array *spikes = bj_array_zeros(BJ_BOOL, 1, &n);
    for (int k = 0; spikes && k < 20; k++) ((bool *)bj_array_data(spikes))[(k * 7919 * 113 + 5) % n] = true;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    bj_trace *t = bj_trace_new("million");
    bj_val *s = bj_trace_arg(t, "spikes", BJ_BOOL, 1, &n);
    bj_val *y = bj_jitconn_event_mv(s, 1.0, 0.001, 99, n, false);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g != NULL);
    bj_array *outs[2] = {0};
    const char *be[2] = {"interp", diff_backend()};
    double run_s[2] = {0};
    for (int k = 0; g && k < 2; k++) {
        bj_exec *e = bj_compile(g, be[k]);
        CHECK(e != NULL);
        double t0 = test_now_s();
        CHECK(e && bj_exec_run(e, &spikes, 1, &outs[k], 1) == BJ_OK);
        run_s[k] = test_now_s() - t0;
        bj_exec_release(e);
    }
    getrusage(RUSAGE_SELF, &r1);
    CHECK(diff_bytes_same(outs[0], outs[1]));
    double total = 0;
    for (int64_t j = 0; outs[1] && j < n; j++) total += ((const float *)bj_array_data(outs[1]))[j];
    CHECK_MSG(fabs(total - 20000) < 5 * sqrt(20000), "%g synapses from 20 spikes, expected about 20000", total);
    CHECK_MSG(run_s[0] < 2 && run_s[1] < 2, "the step took %.3f s (interp) and %.3f s (%s)", run_s[0], run_s[1], be[1]);
    CHECK_MSG(r1.ru_maxrss - r0.ru_maxrss < 128 * 1024, "peak memory grew by %ld KiB", r1.ru_maxrss - r0.ru_maxrss);
    if (getenv("BJ_TEST_VERBOSE"))
        printf("    1M neurons, 20 spikes: interp %.2f ms, %s %.2f ms\n", run_s[0] * 1e3, be[1], run_s[1] * 1e3);
    bj_array_release(outs[0]), bj_array_release(outs[1]), bj_array_release(spikes);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- run-time contents, bj_op, printing, errors */
/* A CSR whose contents are wrong at run time: rows are clamped and targets outside [0, n_post) dropped, identically
 * on both backends (and without reading or writing out of bounds: the sanitizer run checks that). */
static void sparse_bad_contents_dropped(void) {
    diff_batch b = {.t = bj_trace_new("bad")};
    bj_val *ip = diff_batch_arg(&b, ivec(BJ_I32, 5, (int64_t[]){-3, 2, 1, 9, 4}));
    bj_val *ix = diff_batch_arg(&b, ivec(BJ_I64, 4, (int64_t[]){0, 7, -1, 2}));
    bj_val *w = diff_batch_arg(&b, test_arr(BJ_F32, 1, (int64_t[]){4}, V(1, 2, 4, 8)));
    bj_val *x = diff_batch_arg(&b, test_arr(BJ_F32, 1, (int64_t[]){4}, V(1, 10, 100, 1000)));
    bj_val *s = diff_batch_arg(&b, test_arr(BJ_BOOL, 1, (int64_t[]){4}, V(1, 1, 1, 1)));
    diff_batch_out(&b, bj_csrmv(ip, ix, w, x, 3));
    diff_batch_out(&b, bj_event_csrmv(ip, ix, w, s, 3));
    bj_array *res[4] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    /* rows: [0, 2) -> {0, 7 dropped}; [2, 1) clamped empty; [1, 4) -> {7, -1 dropped, 2}; [4, 4) empty */
    CHECK(test_arr_eq(res[0], BJ_F32, 1, (int64_t[]){3}, V(1, 0, 800), 0));
    CHECK(test_arr_eq(res[1], BJ_F32, 1, (int64_t[]){3}, V(1, 0, 8), 0));
    diff_batch_free(&b, res, 4);
}

static void sparse_by_name(void) {
    bj_array *ip = ivec(BJ_I32, 4, (int64_t[]){0, 2, 2, 3}), *ix = ivec(BJ_I32, 3, (int64_t[]){1, 0, 1});
    bj_attrs a = {.n = 2};
    CHECK(test_op_is("csrmv", &a, 4,
                     INS(bj_array_copy(ip), bj_array_copy(ix), test_arr(BJ_F32, 1, (int64_t[]){3}, V(1, 2, 4)),
                         test_arr(BJ_F32, 1, (int64_t[]){3}, V(1, 10, 100))),
                     BJ_F32, 1, (int64_t[]){2}, V(2, 401)));
    CHECK(test_op_is("event_csrmv", &a, 4,
                     INS(bj_array_copy(ip), bj_array_copy(ix), test_scalar(BJ_F64, 0.5),
                         test_arr(BJ_BOOL, 1, (int64_t[]){3}, V(1, 0, 1))),
                     BJ_F64, 1, (int64_t[]){2}, V(0.5, 1)));
    /* p = 1 without self connections on 3 neurons: every post gets the two others */
    bj_attrs j = {.n = 3, .value = 1.0, .seed = 5, .allow_self = false};
    CHECK(test_op_is("jitconn_event_mv", &j, 2, INS(test_arr(BJ_BOOL, 1, (int64_t[]){3}, V(1, 1, 1)), test_scalar(BJ_F32, 2)),
                     BJ_F32, 1, (int64_t[]){3}, V(4, 4, 4)));
    CHECK(test_op_is("jitconn_mv", &j, 2, INS(test_arr(BJ_F32, 1, (int64_t[]){3}, V(1, 2, 4)), test_scalar(BJ_F32, 1)),
                     BJ_F32, 1, (int64_t[]){3}, V(6, 5, 3)));
    CHECK(test_op_fails("csrmv", &a, 3, INS(bj_array_copy(ip), bj_array_copy(ix), test_scalar(BJ_F32, 1)),
                        "takes 4 operands, got 3"));
    bj_array_release(ip), bj_array_release(ix);
    /* the listing shows the procedural attributes */
    bj_trace *t = bj_trace_new("print");
    bj_val *s = bj_trace_arg(t, "s", BJ_BOOL, 1, (int64_t[]){10});
    bj_val *y = bj_jitconn_event_mv(s, 0.5, 0.02, 42, 20, false);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    char *txt = g ? bj_graph_to_string(g) : NULL;
    CHECK(txt && strstr(txt, "jitconn_event_mv %0, %1 p=0.02 seed=42 no_self"));
    if (txt && !strstr(txt, "p=0.02 seed=42 no_self")) printf("%s", txt);
    bj_free(txt);
    bj_graph_release(g);
}

/* A constant CSR baked into a graph, folded or not, and run on both backends. */
static void sparse_constant_matrix(void) {
    bj_array *ip, *ix;
    CHECK(bj_conn_fixed_prob(300, 200, 0.1, 11, false, &ip, &ix) == BJ_OK);
    diff_batch b = {.t = bj_trace_new("const")};
    bj_val *cip = bj_trace_const(b.t, ip), *cix = bj_trace_const(b.t, ix);
    bj_val *s = diff_batch_arg(&b, rand_spikes(300, 0.1, 3));
    diff_batch_out(&b, bj_event_csrmv(cip, cix, 0.25, s, 200));
    diff_batch_out(&b, bj_jitconn_event_mv(s, 0.25, 0.1, 11, 200, false));
    /* all operands constant: the native backend's rewrite folds it through the interpreter */
    bj_array *cs = rand_spikes(300, 0.1, 3);
    bj_val *k = bj_trace_const(b.t, cs);
    diff_batch_out(&b, bj_event_csrmv(cip, cix, 0.25, k, 200));
    diff_batch_out(&b, bj_jitconn_event_mv(k, 0.25, 0.1, 11, 200, false));
    bj_array_release(cs);
    bj_array *res[8] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int i = 1; i < 8; i++) CHECK(diff_bytes_same(res[0], res[i]));
    diff_batch_free(&b, res, 8);
    bj_array_release(ip), bj_array_release(ix);
}

/* Inside a jit function: a recurrent network of 400 leaky units driven by its own spikes through a stored CSR
 * (Variables v and s, written every call), on both backends, 20 steps, byte for byte; and the procedural twin. */
typedef struct net {
    bj_var *v, *s;
    bool procedural;
} net;

static bj_status net_step(bj_trace *t, void *ud) {
    net *m = ud;
    bj_val *ip = bj_param(t, 0), *ix = bj_param(t, 1), *drive = bj_param(t, 2);
    bj_val *v = bj_var_read(t, m->v), *s = bj_var_read(t, m->s);
    bj_val *syn = m->procedural ? bj_jitconn_event_mv(s, 0.02, 0.05, 21, 400, false) : bj_event_csrmv(ip, ix, 0.02, s, 400);
    bj_val *nv = bj_add(bj_add(bj_mul(v, 0.9), syn), drive);
    bj_val *ns = bj_gt(nv, 1.0);
    bj_var_write(t, m->v, bj_where(ns, 0.0, nv));
    return bj_var_write(t, m->s, ns);
}

static void sparse_in_jit(void) {
    bj_array *ip, *ix;
    CHECK(bj_conn_fixed_prob(400, 400, 0.05, 21, false, &ip, &ix) == BJ_OK);
    bj_array *drive = rand_vec(BJ_F32, 400, 5), *finals[4] = {0};
    for (int i = 0; drive && i < 400; i++) ((float *)bj_array_data(drive))[i] *= 0.06f; /* some units above threshold */
    for (int k = 0; k < 4; k++) {
        bj_array *v0 = bj_array_zeros(BJ_F32, 1, (int64_t[]){400}), *s0 = rand_spikes(400, 0.1, 9);
        net m = {bj_var_new("v", v0, -1), bj_var_new("s", s0, -1), k >= 2};
        bj_jit *f = bj_jit_new(net_step, &m, &(bj_jit_opts){.argnames = "indptr, indices, drive",
                                                             .backend = k % 2 ? "interp" : "cpu"});
        for (int step = 0; f && step < 20; step++)
            CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(ip), bj_arg_array(ix), bj_arg_array(drive)), NULL, 0) == BJ_OK);
        finals[k] = bj_array_copy(bj_var_value(m.v));
        bj_jit_release(f), bj_var_release(m.v), bj_var_release(m.s), bj_array_release(v0), bj_array_release(s0);
    }
    for (int k = 1; k < 4; k++) CHECK_MSG(diff_bytes_same(finals[0], finals[k]), "run %d differs", k);
    double spiking = 0;
    for (int64_t i = 0; finals[0] && i < 400; i++) spiking += bj_array_get(finals[0], i) == 0;
    CHECK_MSG(spiking > 0 && spiking < 400, "%g of 400 units at reset", spiking); /* the network is doing something */
    for (int k = 0; k < 4; k++) bj_array_release(finals[k]);
    bj_array_release(drive), bj_array_release(ip), bj_array_release(ix);
}

static bj_status abs_fn(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_jitconn_event_mv(bj_param(t, 0), 1.0, 0.1, 1, 50, true));
}

/* Abstracted axes: the sparse ops need static sizes; the refusal names the op. */
static void sparse_abstracted_axes_refused(void) {
    bj_jit *f = bj_jit_new(abs_fn, NULL, &(bj_jit_opts){.argnames = "s", .abstracted_axes = "s: n"});
    bj_array *s = rand_spikes(20, 0.5, 1), *y = NULL;
    CHECK(f && bj_jit_call(f, BJ_ARGS(bj_arg_array(s)), &y, 1) != BJ_OK && !y);
    CHECK_ERR_HAS("jitconn_event_mv");
    CHECK_ERR_HAS("make the axis static");
    bj_jit_release(f), bj_array_release(s), bj_array_release(y);
}

/* op(...) must fail with a message containing sub; the trace is then in an error state. */
#define FAILS(expr, sub)                                                                                              \
    do {                                                                                                              \
        bj_trace *t_ = bj_trace_new("err");                                                                           \
        bj_val *ip = bj_trace_arg(t_, NULL, BJ_I32, 1, (int64_t[]){4});                                               \
        bj_val *ix = bj_trace_arg(t_, NULL, BJ_I32, 1, (int64_t[]){5});                                               \
        bj_val *w = bj_trace_arg(t_, NULL, BJ_F32, 1, (int64_t[]){5});                                                \
        bj_val *x = bj_trace_arg(t_, NULL, BJ_F32, 1, (int64_t[]){3});                                                \
        bj_val *s = bj_trace_arg(t_, NULL, BJ_BOOL, 1, (int64_t[]){3});                                               \
        bj_val *f = bj_trace_arg(t_, NULL, BJ_F32, 1, (int64_t[]){4});                                                \
        bj_val *ip5 = bj_trace_arg(t_, NULL, BJ_I32, 1, (int64_t[]){5});                                              \
        bj_val *m = bj_trace_arg(t_, NULL, BJ_F32, 2, (int64_t[]){5, 1});                                             \
        (void)ip, (void)ix, (void)w, (void)x, (void)s, (void)f, (void)ip5, (void)m;                                   \
        bj_val *r_ = (expr);                                                                                          \
        CHECK(r_ == NULL);                                                                                            \
        CHECK_MSG(strstr(bj_trace_error(t_), sub) != NULL, "error '%s' lacks '%s'", bj_trace_error(t_), sub);        \
        bj_trace_free(t_);                                                                                            \
    } while (0)

static void sparse_errors(void) {
    FAILS(bj_csrmv(f, ix, w, x, 6), "csrmv: indptr must be an integer vector of length n_pre + 1 = 4 (x is f32[3]), got f32[4]");
    FAILS(bj_csrmv(ip5, ix, w, x, 6), "csrmv: indptr must be an integer vector of length n_pre + 1 = 4 (x is f32[3]), got i32[5]");
    FAILS(bj_event_csrmv(ip, w, w, s, 6), "event_csrmv: indices must be an integer vector, got f32[5]");
    FAILS(bj_csrmv(ip, ix, x, x, 6), "csrmv: weights must be a scalar or one per synapse ([5], as indices i32[5]), got f32[3]");
    FAILS(bj_csrmv(ip, ix, m, x, 6), "got f32[5,1]");
    FAILS(bj_event_csrmv(ip, ix, w, x, 6), "event_csrmv: spikes must be a bool vector, got f32[3]");
    FAILS(bj_csrmv(ip, ix, w, m, 6), "csrmv: x must be a vector, got f32[5,1]");
    FAILS(bj_csrmv(ip, ix, w, x, -1), "csrmv: n_post is -1; it must be in [0,");
    FAILS(bj_event_csrmv(ip, ix, (_Bool)1, s, 6), "event_csrmv: a weight must be a number or a traced value");
    FAILS(bj_jitconn_event_mv(s, 1, 1.5, 1, 6, true), "jitconn_event_mv: p = 1.5 is outside [0, 1]");
    FAILS(bj_jitconn_event_mv(s, 1, NAN, 1, 6, true), "jitconn_event_mv: p = nan is outside [0, 1]");
    FAILS(bj_jitconn_mv(x, 1, -0.5, 1, 6, true), "jitconn_mv: p = -0.5 is outside [0, 1]");
    FAILS(bj_jitconn_event_mv(s, 1, 0.5, 1, -2, true), "jitconn_event_mv: n_post is -2");
    FAILS(bj_jitconn_event_mv(s, 1, 0.5, 1, (int64_t)1 << 31, true), "jitconn_event_mv: n_post is 2147483648; it must be in [0, 2147483647]");
    FAILS(bj_jitconn_event_mv(s, w, 0.5, 1, 6, true), "jitconn_event_mv: weight must be a scalar");
    FAILS(bj_jitconn_event_mv(x, 1, 0.5, 1, 6, true), "jitconn_event_mv: spikes must be a bool vector, got f32[3]");
    FAILS(bj_csrmv(ip, ix, w, NULL, 6), "csrmv: value is NULL");
    /* constant matrices are checked when traced */
    bj_trace *t = bj_trace_new("const");
    bj_array *cip = ivec(BJ_I32, 4, (int64_t[]){0, 2, 1, 3}), *cix = ivec(BJ_I32, 3, (int64_t[]){0, 1, 5});
    bj_val *vs = bj_trace_arg(t, NULL, BJ_BOOL, 1, (int64_t[]){3});
    CHECK(!bj_event_csrmv(bj_trace_const(t, cip), bj_trace_const(t, cix), 1.0, vs, 4));
    CHECK_MSG(strstr(bj_trace_error(t), "event_csrmv: indptr decreases at 2 (1 after 2)"), "%s", bj_trace_error(t));
    bj_trace_free(t);
    bj_array_release(cip);
    cip = ivec(BJ_I32, 4, (int64_t[]){0, 2, 2, 3});
    t = bj_trace_new("const2");
    vs = bj_trace_arg(t, NULL, BJ_BOOL, 1, (int64_t[]){3});
    CHECK(!bj_event_csrmv(bj_trace_const(t, cip), bj_trace_const(t, cix), 1.0, vs, 4));
    CHECK_MSG(strstr(bj_trace_error(t), "event_csrmv: indices[2] = 5 is outside [0, 4) (n_post)"), "%s", bj_trace_error(t));
    bj_trace_free(t);
    bj_array_release(cip), bj_array_release(cix);
    /* NULL operands outside any trace */
    bj_clear_error();
    CHECK(bj_event_csrmv(NULL, NULL, 1.0, NULL, 4) == NULL);
    CHECK_ERR_HAS("event_csrmv: indptr is NULL");
}

void tests_sparse(void) {
    RUN(sparse_fixed_prob_edges);
    RUN(sparse_fixed_prob_stats);
    RUN(sparse_fixed_prob_seeds);
    RUN(sparse_fixed_prob_errors);
    RUN(sparse_from_pairs);
    RUN(sparse_conn_check);
    RUN(sparse_csrmv_dense_f32);
    RUN(sparse_csrmv_dense_f64);
    RUN(sparse_dtypes);
    RUN(sparse_procedural_equals_stored_f32);
    RUN(sparse_procedural_equals_stored_f64);
    RUN(sparse_procedural_in_degree);
    RUN(sparse_procedural_million);
    RUN(sparse_bad_contents_dropped);
    RUN(sparse_by_name);
    RUN(sparse_constant_matrix);
    RUN(sparse_in_jit);
    RUN(sparse_abstracted_axes_refused);
    RUN(sparse_errors);
}
