/* test_random.c — random numbers (src/core/bjrand.h, the RANDOM op, src/trace/random_api.c): Philox known answers,
 * golden values, both backends byte for byte at every thread count and fused with other ops, goodness of fit of
 * every distribution, keys (split, fold_in), RandomState in jitted functions, and bad arguments.
 *
 * Statistical tests use fixed keys, so they are deterministic; each is a chi-square test that must pass at p > 1e-4
 * (critical value from the Wilson-Hilferty approximation, z = 3.719), or a z-test |z| < 4.5 for means. */
#include "rgraph.h"
#include "test.h"

#include "core/bjrand.h"

#include <stdlib.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* ---------------------------------------------------------------- helpers */
/* A graph of one argument, the key (uint32[2]), and the outputs build makes from it. */
typedef int (*build_fn)(bj_trace *t, bj_val *key, bj_val **outs, void *ud);

static bj_graph *key_graph(build_fn build, void *ud, int *nout) {
    bj_trace *t = bj_trace_new("random");
    bj_val *key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    bj_val *outs[64] = {0};
    *nout = build(t, key, outs, ud);
    bj_graph *g = bj_trace_finish(t, outs, *nout);
    if (!g) printf("    trace failed: %s\n", bj_last_error());
    return g;
}

/* Runs g on the key of seed with backend; outs receive new references. */
static bool run_seed(bj_graph *g, const char *backend, uint64_t seed, bj_array **outs, int nout) {
    bj_exec *e = bj_compile(g, backend);
    bj_array *k = bj_random_key(seed);
    bool ok = e && k && bj_exec_run(e, &k, 1, outs, nout) == BJ_OK;
    if (!ok) printf("    %s failed: %s\n", backend, bj_last_error());
    if (ok && strcmp(bj_exec_backend(e), backend)) printf("    asked for %s, ran %s\n", backend, bj_exec_backend(e)), ok = false;
    bj_exec_release(e);
    bj_array_release(k);
    return ok;
}

/* One draw of nout == 1 output on the native backend, for the statistics. */
static bj_array *draw1(build_fn build, void *ud, uint64_t seed) {
    int nout;
    bj_graph *g = key_graph(build, ud, &nout);
    bj_array *r = NULL;
    if (g && nout == 1 && !run_seed(g, "cpu", seed, &r, 1)) r = NULL;
    bj_graph_release(g);
    return r;
}

/* Compares g on interp and cpu for the given seeds: byte for byte (diff_graph). */
static bool same_on_backends(bj_graph *g, uint64_t seed) {
    bj_array *k = bj_random_key(seed);
    int r = diff_graph(g, &k, 1, NULL, NULL, NULL);
    bj_array_release(k);
    if (r) printf("    %d outputs differ between interp and %s (seed %llu)\n", r, diff_backend(), (unsigned long long)seed);
    return r == 0;
}

static double chi2_critical(int df) { /* Wilson-Hilferty at p = 1e-4 */
    double z = 3.719, v = 2.0 / (9.0 * df), c = 1 - v + z * sqrt(v);
    return df * c * c * c;
}

/* Chi-square of observed counts against expected counts over nb bins; prints and fails above the critical value. */
static bool chi2_ok(const char *what, const double *obs, const double *expect, int nb) {
    double x = 0;
    for (int b = 0; b < nb; b++) x += (obs[b] - expect[b]) * (obs[b] - expect[b]) / expect[b];
    double crit = chi2_critical(nb - 1);
    if (getenv("BJ_TEST_VERBOSE")) printf("    %s: chi2 %.1f, df %d, critical %.1f\n", what, x, nb - 1, crit);
    if (!(x < crit)) printf("    %s: chi2 %.1f >= %.1f (df %d)\n", what, x, crit, nb - 1);
    return x < crit;
}

static double elem(const bj_array *a, int64_t i) { return bj_array_get(a, i); }

/* ---------------------------------------------------------------- Philox and golden values */
static void random_philox_known_answers(void) {
    /* Random123's kat_vectors for philox4x32_10 */
    static const uint32_t ctr[3][4] = {{0, 0, 0, 0},
                                       {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                                       {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}};
    static const uint32_t key[3][2] = {{0, 0}, {0xffffffffu, 0xffffffffu}, {0xa4093822u, 0x299f31d0u}};
    static const uint32_t want[3][4] = {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u},
                                        {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu},
                                        {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}};
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        bj_philox4x32(ctr[v], key[v], out);
        for (int w = 0; w < 4; w++) CHECK_MSG(out[w] == want[v][w], "vector %d word %d: %08x, want %08x", v, w, out[w], want[v][w]);
    }
    /* the block a draw reads: counter (i low, i high, tag, j) */
    uint32_t a[4], b[4];
    bj_rand_block(7, 9, 0x100000002ull, BJ_RAND_TAG_NORMAL, 3, a);
    bj_philox4x32((const uint32_t[]){2, 1, BJ_RAND_TAG_NORMAL, 3}, (const uint32_t[]){7, 9}, b);
    CHECK(!memcmp(a, b, sizeof a));
}

static void random_key_layout(void) {
    bj_array *k = bj_random_key(0x123456789abcdef0ull);
    CHECK(k && bj_array_dtype(k) == BJ_U32 && bj_array_rank(k) == 1 && bj_array_shape(k)[0] == 2);
    if (k) CHECK(((uint32_t *)bj_array_data(k))[0] == 0x9abcdef0u && ((uint32_t *)bj_array_data(k))[1] == 0x12345678u);
    bj_array_release(k);
}

static int build_golden(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)t, (void)ud;
    const int64_t n[1] = {8};
    int k = 0;
    o[k++] = bj_random_bits(key, 1, n);
    o[k++] = bj_random_uniform(key, BJ_F32, 1, n, 0, 1);
    o[k++] = bj_random_uniform(key, BJ_F64, 1, n, 0, 1);
    o[k++] = bj_random_normal(key, BJ_F32, 1, n);
    o[k++] = bj_random_normal(key, BJ_F64, 1, n);
    o[k++] = bj_random_randint(key, -5, 5, BJ_I32, 1, n);
    o[k++] = bj_random_poisson(key, 3.5, BJ_I32, 1, n);
    o[k++] = bj_random_poisson(key, 1000.0, BJ_I64, 1, n);
    o[k++] = bj_random_bernoulli(key, 0.3, 1, n);
    o[k++] = bj_random_split(key, 2);
    o[k++] = bj_random_fold_in(key, 7);
    return k;
}

/* Fixed outputs for the key of seed 42 (computed once by this implementation). Bits and uniforms are also what this
 * Python (numpy) prints, and the float64 normals are within 2 ulp of sqrt(-2 log(u1)) cos(2 pi u2) on the same
 * words, evaluated in 100-bit arithmetic by mpmath (numpy's float64 formula is up to 30 ulp off near zeros of cos):
 *
 *   import numpy as np
 *   M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
 *   def philox(c, k):
 *       c, (k0, k1) = list(c), k
 *       for _ in range(10):
 *           p0, p1 = M0 * c[0], M1 * c[2]
 *           c = [((p1 >> 32) ^ c[1] ^ k0) & 0xffffffff, p1 & 0xffffffff, ((p0 >> 32) ^ c[3] ^ k1) & 0xffffffff,
 *                p0 & 0xffffffff]
 *           k0, k1 = (k0 + W0) & 0xffffffff, (k1 + W1) & 0xffffffff
 *       return c
 *   key, BITS, UNIF, NORM = [42, 0], 0x42495453, 0x554E4946, 0x4E4F524D
 *   print([philox([i, 0, BITS, 0], key)[0] for i in range(8)])
 *   f32 = lambda w: np.uint32((w >> 9) | 0x3F800000).view(np.float32) - np.float32(1)
 *   f64 = lambda hi, lo: np.uint64((((hi << 32) | lo) >> 12) | 0x3FF0000000000000).view(np.float64) - 1.0
 *   print([f32(philox([i, 0, UNIF, 0], key)[0]) for i in range(8)])
 *   print([f64(*philox([i, 0, UNIF, 0], key)[:2]) for i in range(8)])
 *   from mpmath import mp, mpf, sqrt, log, cos, pi
 *   mp.prec = 100
 *   w = [philox([i, 0, NORM, 0], key) for i in range(8)]
 *   print([sqrt(-2 * log(1 - mpf(f64(*x[:2])))) * cos(2 * pi * mpf(f64(*x[2:]))) for x in w])
 */
static void random_golden_values(void) {
    static const uint32_t bits[8] = {1792740239u, 1832467976u, 673285349u, 923242032u,
                                     4011072944u, 3227515684u, 3474017799u, 483413474u};
    static const float uf[8] = {0.27596092224121094f, 0.2729595899581909f, 0.9410017728805542f, 0.9512934684753418f,
                                0.1706329584121704f, 0.15388047695159912f, 0.5535144805908203f, 0.654728889465332f};
    static const double ud[8] = {0.275960933784799, 0.2729596795274676, 0.94100186405142, 0.9512934958086063,
                                 0.17063303655613615, 0.15388059190489134, 0.5535145414147749, 0.6547289512519168};
    static const double nd[8] = {1.2666777757408003, -0.09658754045900875, -1.288804229909075, 0.7918515775816718,
                                 -0.17978407434815652, -0.6206769142644848, 0.661056029818218, -0.12016166968882565};
    static const int32_t ri[8] = {-5, 2, 4, -4, 1, -4, -4, 4};
    static const int32_t pi[8] = {3, 5, 4, 4, 2, 5, 1, 3};
    static const int64_t pl[8] = {988, 1026, 1009, 1009, 975, 1033, 939, 985};
    static const bool be[8] = {true, true, false, false, true, true, false, false};
    static const uint32_t sp[4] = {3537909173u, 897373399u, 1160447337u, 2307897376u};
    static const uint32_t fo[2] = {1480161642u, 2613695334u};
    int nout;
    bj_graph *g = key_graph(build_golden, NULL, &nout);
    for (int b = 0; g && b < 2; b++) {
        const char *backend = b ? "cpu" : "interp";
        bj_array *o[16] = {0};
        if (!run_seed(g, backend, 42, o, nout)) {
            CHECK(false);
            break;
        }
        CHECK(!memcmp(bj_array_data(o[0]), bits, sizeof bits));
        CHECK(!memcmp(bj_array_data(o[1]), uf, sizeof uf));
        CHECK(!memcmp(bj_array_data(o[2]), ud, sizeof ud));
        for (int i = 0; i < 8; i++) {
            CHECK_MSG(((double *)bj_array_data(o[4]))[i] == nd[i], "%s normal f64 [%d] %.17g", backend, i,
                      ((double *)bj_array_data(o[4]))[i]);
            CHECK(((float *)bj_array_data(o[3]))[i] == (float)nd[i]); /* float32 normal = float64 rounded */
        }
        CHECK(!memcmp(bj_array_data(o[5]), ri, sizeof ri));
        CHECK(!memcmp(bj_array_data(o[6]), pi, sizeof pi));
        CHECK(!memcmp(bj_array_data(o[7]), pl, sizeof pl));
        for (int i = 0; i < 8; i++) CHECK(((bool *)bj_array_data(o[8]))[i] == be[i]);
        CHECK(!memcmp(bj_array_data(o[9]), sp, sizeof sp));
        CHECK(!memcmp(bj_array_data(o[10]), fo, sizeof fo));
        for (int i = 0; i < nout; i++) bj_array_release(o[i]);
    }
    CHECK(g != NULL);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- backends and threads */
typedef struct {
    int64_t n;           /* elements along the last axis */
    int64_t lead;        /* a leading axis (1: none) */
    bool fused;          /* also some elementwise work and reductions around the draws */
} shape_case;

static int build_every(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    const shape_case *c = ud;
    int64_t sh[2] = {c->lead, c->n};
    int r = c->lead > 1 ? 2 : 1;
    const int64_t *s = r == 2 ? sh : sh + 1;
    int k = 0;
    bj_val *lam_small = bj_mul(bj_random_uniform(key, BJ_F32, r, s, 0, 1), 9.5);
    bj_val *lam_big = bj_add(bj_mul(bj_random_uniform(key, BJ_F64, r, s, 0, 1), 5000.0), 10.0);
    o[k++] = bj_random_bits(key, r, s);
    o[k++] = bj_random_uniform(key, BJ_F32, r, s, 0, 1);
    o[k++] = bj_random_uniform(key, BJ_F64, r, s, -3.5, 7.25);
    o[k++] = bj_random_normal(key, BJ_F32, r, s);
    o[k++] = bj_random_normal(key, BJ_F64, r, s);
    o[k++] = bj_random_bernoulli(key, 0.25, r, s);
    o[k++] = bj_random_bernoulli(key, bj_random_uniform(key, BJ_F64, r, s, 0, 1), r, s);
    o[k++] = bj_random_randint(key, -1000, 1000, BJ_I32, r, s);
    o[k++] = bj_random_randint(key, (long long)INT64_MIN, (long long)INT64_MAX, BJ_I64, r, s);
    o[k++] = bj_random_randint(key, 0, 4000000000ull, BJ_U32, r, s);
    o[k++] = bj_random_poisson(key, lam_small, BJ_I32, r, s);
    o[k++] = bj_random_poisson(key, lam_big, BJ_I64, r, s);
    o[k++] = bj_random_poisson(key, 2.5, BJ_F32, r, s);
    o[k++] = bj_random_poisson(key, 77.0, BJ_F64, r, s);
    o[k++] = bj_random_split(key, 3);
    o[k++] = bj_random_fold_in(key, bj_lit_i64(t, -3, false));
    if (c->fused) {
        bj_val *z = bj_random_normal(key, BJ_F32, r, s);
        o[k++] = bj_add(bj_mul(z, 0.5f), bj_exp(bj_random_uniform(key, BJ_F32, r, s, -1, 1)));
        o[k++] = bj_sum(bj_random_normal(key, BJ_F64, r, s), 1, (int[]){r - 1}, false);
        o[k++] = bj_mean(bj_astype(bj_random_poisson(key, 4.0, BJ_I32, r, s), BJ_F32), 0, NULL, false);
        bj_val *k2 = bj_random_fold_in(key, 11);
        o[k++] = bj_where(bj_random_bernoulli(k2, 0.5, r, s), bj_random_normal(k2, BJ_F32, r, s), -1.0f);
        bj_val *rows = bj_random_split(key, 4);
        bj_val *row2 = bj_reshape(bj_slice(rows, (int64_t[]){2, 0}, (int64_t[]){3, 2}, NULL), 1, (int64_t[]){2});
        o[k++] = bj_random_uniform(row2, BJ_F32, r, s, 0, 1);
        o[k++] = bj_random_uniform(bj_random_key_const(t, 5), BJ_F64, 1, (int64_t[]){6}, 0, 1); /* folded */
    }
    return k;
}

static void random_backends_identical(void) {
    static const shape_case cases[] = {{1, 1, true}, {7, 1, true}, {5, 3, true}, {0, 1, false}, {1000, 1, true}};
    for (int i = 0; i < COUNT(cases); i++) {
        int nout;
        bj_graph *g = key_graph(build_every, (void *)&cases[i], &nout);
        CHECK(g != NULL);
        for (uint64_t seed = 0; g && seed < 3; seed++) CHECK_MSG(same_on_backends(g, seed * 1000003 + 1), "case %d", i);
        bj_graph_release(g);
    }
    /* a scalar draw (rank 0) */
    bj_trace *t = bj_trace_new("scalar");
    bj_val *key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    bj_val *o[3] = {bj_random_normal(key, BJ_F64, 0, NULL), bj_random_randint(key, 3, 9, BJ_I64, 0, NULL),
                    bj_random_poisson(key, 12.5, BJ_I32, 0, NULL)};
    bj_graph *g = bj_trace_finish(t, o, 3);
    CHECK(g && same_on_backends(g, 9));
    bj_graph_release(g);
    /* fold_in of a traced step number (as in a simulation loop), int32 and int64, against the C integer */
    t = bj_trace_new("fold");
    key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    bj_val *step = bj_trace_arg(t, "step", BJ_I32, 0, NULL), *step64 = bj_trace_arg(t, "step64", BJ_I64, 0, NULL);
    bj_val *f[4] = {bj_random_normal(bj_random_fold_in(key, step), BJ_F32, 1, (int64_t[]){9}),
                    bj_random_normal(bj_random_fold_in(key, -7), BJ_F32, 1, (int64_t[]){9}),
                    bj_random_fold_in(key, step64), bj_random_fold_in(key, 5)};
    g = bj_trace_finish(t, f, 4);
    bj_array *ins[3] = {bj_random_key(8), bj_array_new(BJ_I32, 0, NULL, (int32_t[]){-7}),
                        bj_array_new(BJ_I64, 0, NULL, (int64_t[]){(int64_t)1 << 32 | 5})}; /* wraps to 5 */
    bool bad[4] = {0};
    CHECK(g && diff_graph(g, ins, 3, bad, NULL, NULL) == 0);
    bj_array *r[4] = {0};
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    CHECK(e && bj_exec_run(e, ins, 3, r, 4) == BJ_OK);
    if (r[0] && r[2]) {
        CHECK(!memcmp(bj_array_data(r[0]), bj_array_data(r[1]), 9 * sizeof(float)));
        CHECK(!memcmp(bj_array_data(r[2]), bj_array_data(r[3]), 2 * sizeof(uint32_t)));
    }
    for (int i = 0; i < 4; i++) bj_array_release(r[i]);
    for (int i = 0; i < 3; i++) bj_array_release(ins[i]);
    bj_exec_release(e);
    bj_graph_release(g);
}

/* Above the native backend's threading threshold (131072 elements): 1, 2 and 4 threads all give the interpreter's
 * bits, with extents that split unevenly. */
static void random_threads(void) {
    char saved[64] = "";
    CHECK(bj_config_get("num_threads", saved, sizeof saved) == BJ_OK);
    static const shape_case big[] = {{300007, 1, false}, {100003, 3, true}};
    for (int i = 0; i < COUNT(big); i++) {
        int nout;
        bj_graph *g = key_graph(build_every, (void *)&big[i], &nout);
        CHECK(g != NULL);
        for (int nt = 1; g && nt <= 4; nt *= 2) {
            char v[8];
            snprintf(v, sizeof v, "%d", nt);
            CHECK(bj_config_set("num_threads", v) == BJ_OK);
            CHECK_MSG(same_on_backends(g, 77), "case %d, %d threads", i, nt);
        }
        bj_graph_release(g);
    }
    CHECK(bj_config_set("num_threads", saved) == BJ_OK);
}

/* Elementwise chains with draws are one kernel; a reduction of a draw computes the draw inside its loop. */
static int build_lif_noise(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)ud;
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, (int64_t[]){1000});
    bj_val *noise = bj_mul(bj_random_normal(key, BJ_F32, 1, (int64_t[]){1000}), 0.7f);
    bj_val *nv = bj_add(bj_add(v, bj_mul(bj_sub(-65.0f, v), 0.1f)), noise);
    bj_val *spike = bj_ge(nv, -50.0f);
    o[0] = bj_where(spike, -65.0f, nv);
    o[1] = spike;
    return 2;
}

static void random_fused(void) {
    int nout;
    bj_graph *g = key_graph(build_lif_noise, NULL, &nout);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    CHECK(e && bj_exec_num_kernels(e) == 1);
    if (e && bj_exec_source(e)) CHECK(strstr(bj_exec_source(e), "bj_rand_normal_f32(") != NULL);
    bj_exec_release(e);
    bj_array *ins[2] = {bj_random_key(3), bj_array_full(BJ_F32, 1, (int64_t[]){1000}, -60)};
    if (g) CHECK(diff_graph(g, ins, 2, NULL, NULL, NULL) == 0);
    bj_array_release(ins[0]), bj_array_release(ins[1]);
    bj_graph_release(g);
    /* sum of a draw: one reduction kernel */
    bj_trace *t = bj_trace_new("sum");
    bj_val *key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    const int64_t sh[2] = {40, 50};
    bj_val *s = bj_sum(bj_mul(bj_random_uniform(key, BJ_F64, 2, sh, 0, 1), 2.0), 1, (int[]){1}, false);
    g = bj_trace_finish(t, &s, 1);
    e = g ? bj_compile(g, "cpu") : NULL;
    CHECK(e && bj_exec_num_kernels(e) == 1);
    bj_exec_release(e);
    CHECK(g && same_on_backends(g, 5));
    bj_graph_release(g);
}

/* Element i depends only on (key, i): a larger draw starts with a smaller one, a [3, 4] draw is the [12] draw in C
 * order, and the same key gives the same draw in any graph. */
static int build_prefix(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)t, (void)ud;
    o[0] = bj_random_normal(key, BJ_F64, 1, (int64_t[]){5});
    o[1] = bj_slice(bj_random_normal(key, BJ_F64, 1, (int64_t[]){12}), NULL, (int64_t[]){5}, NULL);
    o[2] = bj_reshape(bj_random_normal(key, BJ_F64, 2, (int64_t[]){3, 4}), 1, (int64_t[]){12});
    o[3] = bj_random_normal(key, BJ_F64, 1, (int64_t[]){12});
    o[4] = bj_random_split(key, 2);
    o[5] = bj_slice(bj_random_split(key, 9), NULL, (int64_t[]){2, 2}, NULL);
    return 6;
}

static void random_counter_layout(void) {
    int nout;
    bj_graph *g = key_graph(build_prefix, NULL, &nout);
    for (int b = 0; g && b < 2; b++) {
        bj_array *o[6] = {0};
        CHECK(run_seed(g, b ? "cpu" : "interp", 123, o, nout));
        if (o[0] && o[1]) CHECK(!memcmp(bj_array_data(o[0]), bj_array_data(o[1]), 5 * sizeof(double)));
        if (o[2] && o[3]) CHECK(!memcmp(bj_array_data(o[2]), bj_array_data(o[3]), 12 * sizeof(double)));
        if (o[4] && o[5]) CHECK(!memcmp(bj_array_data(o[4]), bj_array_data(o[5]), 4 * sizeof(uint32_t)));
        for (int i = 0; i < nout; i++) bj_array_release(o[i]);
    }
    CHECK(g != NULL);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- goodness of fit */
typedef struct {
    int dist;      /* 0 uniform, 1 normal, 2 bernoulli, 3 randint, 4 poisson */
    bj_dtype dtype;
    int64_t n;
    double a, b;   /* uniform [a, b); bernoulli p = a; randint [a, b); poisson lam = a */
} draw_case;

static int build_draw(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)t;
    const draw_case *c = ud;
    const int64_t *s = &c->n;
    switch (c->dist) {
    case 0: o[0] = bj_random_uniform(key, c->dtype, 1, s, c->a, c->b); break;
    case 1: o[0] = bj_random_normal(key, c->dtype, 1, s); break;
    case 2: o[0] = bj_random_bernoulli(key, c->a, 1, s); break;
    case 3: o[0] = bj_random_randint(key, (long long)c->a, (long long)c->b, c->dtype, 1, s); break;
    default: o[0] = bj_random_poisson(key, c->a, c->dtype, 1, s); break;
    }
    return 1;
}

static void mean_var(const bj_array *a, double *mean, double *var) {
    int64_t n = bj_array_size(a);
    double s = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) s += elem(a, i);
    *mean = s / (double)n;
    for (int64_t i = 0; i < n; i++) ss += (elem(a, i) - *mean) * (elem(a, i) - *mean);
    *var = ss / (double)(n - 1);
}

/* |mean - mu| within 4.5 standard errors, and the variance within 4.5 of its standard errors (normal-theory
 * sqrt(2 / n) relative, times 2 for margin on the heavier-tailed counts). */
static bool moments_ok(const char *what, const bj_array *a, double mu, double var) {
    double m, v, n = (double)bj_array_size(a);
    mean_var(a, &m, &v);
    bool ok = fabs(m - mu) < 4.5 * sqrt(var / n) && fabs(v / var - 1) < 9 * sqrt(2 / n);
    if (!ok || getenv("BJ_TEST_VERBOSE"))
        printf("    %s: mean %.6g (want %.6g), variance %.6g (want %.6g)\n", what, m, mu, v, var);
    return ok;
}

static void random_uniform_fit(void) {
    static const draw_case cs[] = {{0, BJ_F32, 1000000, 0, 1}, {0, BJ_F64, 1000000, 0, 1}, {0, BJ_F32, 400000, -2, 6},
                                   {0, BJ_F64, 400000, 1e-3, 2e-3}};
    for (int i = 0; i < COUNT(cs); i++) {
        bj_array *a = draw1(build_draw, (void *)&cs[i], 1000 + (uint64_t)i);
        CHECK(a != NULL);
        if (!a) continue;
        enum { NB = 200 };
        double obs[NB] = {0}, ex[NB], lo = cs[i].a, hi = cs[i].b, mn = INFINITY, mx = -INFINITY;
        for (int64_t k = 0; k < cs[i].n; k++) {
            double x = elem(a, k);
            mn = fmin(mn, x), mx = fmax(mx, x);
            int bin = (int)floor((x - lo) / (hi - lo) * NB);
            obs[bin < 0 ? 0 : bin >= NB ? NB - 1 : bin]++;
        }
        for (int b = 0; b < NB; b++) ex[b] = (double)cs[i].n / NB;
        CHECK_MSG(mn >= lo && mx < hi, "case %d: range [%.9g, %.9g]", i, mn, mx);
        CHECK_MSG(chi2_ok("uniform", obs, ex, NB), "case %d", i);
        CHECK_MSG(moments_ok("uniform", a, (lo + hi) / 2, (hi - lo) * (hi - lo) / 12), "case %d", i);
        bj_array_release(a);
    }
}

static double phi(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

static void random_normal_fit(void) {
    static const draw_case cs[] = {{1, BJ_F32, 1000000, 0, 0}, {1, BJ_F64, 1000000, 0, 0}};
    for (int i = 0; i < COUNT(cs); i++) {
        bj_array *a = draw1(build_draw, (void *)&cs[i], 2000 + (uint64_t)i);
        CHECK(a != NULL);
        if (!a) continue;
        enum { NB = 200 }; /* bins of equal probability: Phi(z) */
        double obs[NB] = {0}, ex[NB], mx = 0;
        for (int64_t k = 0; k < cs[i].n; k++) {
            double z = elem(a, k);
            mx = fmax(mx, fabs(z));
            int bin = (int)floor(phi(z) * NB);
            obs[bin < 0 ? 0 : bin >= NB ? NB - 1 : bin]++;
        }
        for (int b = 0; b < NB; b++) ex[b] = (double)cs[i].n / NB;
        CHECK_MSG(chi2_ok("normal", obs, ex, NB), "case %d", i);
        CHECK_MSG(moments_ok("normal", a, 0, 1), "case %d", i);
        CHECK_MSG(mx > 4 && mx < 8.5, "case %d: largest |z| %g", i, mx); /* 1e6 draws reach about 5 */
        /* the tails: P(|z| > 3) = 0.0027 */
        double tail = 0;
        for (int64_t k = 0; k < cs[i].n; k++) tail += fabs(elem(a, k)) > 3;
        double p3 = 2 * phi(-3), se = sqrt(p3 * (1 - p3) / (double)cs[i].n);
        CHECK_MSG(fabs(tail / (double)cs[i].n - p3) < 4.5 * se, "case %d: tail %g", i, tail / (double)cs[i].n);
        bj_array_release(a);
    }
    /* Box-Muller's cos(2 pi u) against long double on a sweep of u: within 2 ulp of 1 (absolute) */
    double worst = 0;
    for (int k = 0; k < 100000; k++) {
        double u = k / 100000.0 + 0x1p-40 * (k % 7);
        long double ref = cosl(2.0L * 3.14159265358979323846264338327950288L * (long double)u);
        double d = fabs((double)((long double)bj_rand_cos2pi(u) - ref));
        worst = fmax(worst, d);
    }
    CHECK_MSG(worst <= 0x1p-52, "cos2pi error %g", worst);
}

static void random_bernoulli_fit(void) {
    static const double ps[] = {0.3, 0.01, 0.5, 0.999};
    for (int i = 0; i < COUNT(ps); i++) {
        draw_case c = {2, BJ_BOOL, 500000, ps[i], 0};
        bj_array *a = draw1(build_draw, &c, 3000 + (uint64_t)i);
        CHECK(a && bj_array_dtype(a) == BJ_BOOL);
        if (!a) continue;
        double n1 = 0;
        for (int64_t k = 0; k < c.n; k++) n1 += ((bool *)bj_array_data(a))[k];
        double z = (n1 - c.n * ps[i]) / sqrt(c.n * ps[i] * (1 - ps[i]));
        CHECK_MSG(fabs(z) < 4.5, "p %g: %g ones of %lld (z %.2f)", ps[i], n1, (long long)c.n, z);
        bj_array_release(a);
    }
    /* p = 0 and p = 1 are exact */
    for (int v = 0; v <= 1; v++) {
        draw_case c = {2, BJ_BOOL, 10000, v, 0};
        bj_array *a = draw1(build_draw, &c, 7);
        bool all = a != NULL;
        for (int64_t k = 0; a && k < c.n; k++) all &= ((bool *)bj_array_data(a))[k] == (v == 1);
        CHECK_MSG(all, "p = %d", v);
        bj_array_release(a);
    }
}

static void random_randint_fit(void) {
    static const draw_case cs[] = {{3, BJ_I32, 500000, -3, 7}, {3, BJ_I64, 500000, 0, 1000}, {3, BJ_U32, 500000, 5, 6},
                                   {3, BJ_I32, 500000, -2147483648.0, 2147483647.0}};
    for (int i = 0; i < COUNT(cs); i++) {
        bj_array *a = draw1(build_draw, (void *)&cs[i], 4000 + (uint64_t)i);
        CHECK(a && bj_array_dtype(a) == cs[i].dtype);
        if (!a) continue;
        double lo = cs[i].a, hi = cs[i].b, span = hi - lo;
        int nb = span < 1000 ? (int)span : 500;
        double *obs = calloc((size_t)nb, sizeof *obs), *ex = calloc((size_t)nb, sizeof *ex);
        bool in = true;
        for (int64_t k = 0; obs && k < cs[i].n; k++) {
            double x = elem(a, k);
            in &= x >= lo && x < hi;
            int bin = (int)floor((x - lo) / span * nb);
            obs[bin < 0 ? 0 : bin >= nb ? nb - 1 : bin]++;
        }
        for (int b = 0; ex && b < nb; b++) ex[b] = (double)cs[i].n / nb;
        CHECK_MSG(in, "case %d: a value outside [lo, hi)", i);
        if (nb > 1 && obs && ex) CHECK_MSG(chi2_ok("randint", obs, ex, nb), "case %d", i);
        free(obs), free(ex);
        bj_array_release(a);
    }
}

/* Chi-square against the Poisson pmf (libm's lgamma), the tails merged into the end bins, bins of expectation >= 5. */
static bool poisson_fit(const bj_array *a, double lam) {
    int64_t n = bj_array_size(a);
    int kmax = (int)(lam + 12 * sqrt(lam) + 30);
    double *pmf = calloc((size_t)kmax + 1, sizeof *pmf), *cnt = calloc((size_t)kmax + 1, sizeof *cnt);
    double *obs = calloc((size_t)kmax + 1, sizeof *obs), *ex = calloc((size_t)kmax + 1, sizeof *ex);
    bool ok = pmf && cnt && obs && ex;
    for (int k = 0; ok && k <= kmax; k++) pmf[k] = exp(k * log(lam) - lam - lgamma(k + 1.0));
    for (int64_t i = 0; ok && i < n; i++) {
        double x = elem(a, i);
        if (x < 0 || x != floor(x)) {
            printf("    poisson lam %g: value %g\n", lam, x);
            ok = false;
        }
        cnt[x > kmax ? kmax : (int)x]++;
    }
    int nb = 0;
    double o = 0, e = 0;
    for (int k = 0; ok && k <= kmax; k++) { /* close a bin once it expects 5 and what remains expects 5 too */
        o += cnt[k], e += pmf[k] * (double)n;
        double rest = 0;
        for (int j = k + 1; j <= kmax; j++) rest += pmf[j] * (double)n;
        if (k == kmax || (e >= 5 && rest >= 5)) obs[nb] = o, ex[nb] = e, nb++, o = 0, e = 0;
        if (k < kmax && rest < 5) { /* the upper tail: everything left in one bin */
            for (int j = k + 1; j <= kmax; j++) o += cnt[j];
            obs[nb - 1] += o, ex[nb - 1] += rest;
            break;
        }
    }
    char what[64];
    snprintf(what, sizeof what, "poisson lam %g", lam);
    ok = ok && nb > 1 && chi2_ok(what, obs, ex, nb);
    free(pmf), free(cnt), free(obs), free(ex);
    return ok;
}

static void random_poisson_fit(void) {
    static const draw_case cs[] = {{4, BJ_I32, 300000, 0.05, 0}, {4, BJ_I32, 300000, 1.0, 0},
                                   {4, BJ_I64, 300000, 3.5, 0},  {4, BJ_F32, 300000, 9.99, 0},
                                   {4, BJ_I32, 300000, 10.0, 0}, {4, BJ_F64, 300000, 25.0, 0},
                                   {4, BJ_I32, 300000, 137.5, 0}, {4, BJ_I64, 300000, 10000.0, 0}};
    for (int i = 0; i < COUNT(cs); i++) {
        bj_array *a = draw1(build_draw, (void *)&cs[i], 5000 + (uint64_t)i);
        CHECK(a && bj_array_dtype(a) == cs[i].dtype);
        if (!a) continue;
        CHECK_MSG(poisson_fit(a, cs[i].a), "lam %g", cs[i].a);
        CHECK_MSG(moments_ok("poisson", a, cs[i].a, cs[i].a), "lam %g", cs[i].a);
        bj_array_release(a);
    }
    /* the normal approximation (lam >= 2^40): mean and variance */
    draw_case huge = {4, BJ_F64, 200000, 3e12, 0};
    bj_array *a = draw1(build_draw, &huge, 99);
    CHECK(a && moments_ok("poisson 3e12", a, huge.a, huge.a));
    bj_array_release(a);
    /* lam = 0 gives 0 */
    draw_case zero = {4, BJ_I32, 1000, 0.0, 0};
    a = draw1(build_draw, &zero, 1);
    double m, v;
    if (a) mean_var(a, &m, &v);
    CHECK(a && m == 0 && v == 0);
    bj_array_release(a);
}

/* Traced lam out of range: -1 for lam < 0 or NaN, saturation for +inf; a huge lam saturates int32. */
static int build_lam_edges(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)ud;
    double v[6] = {-1.0, NAN, INFINITY, 0.0, 5e12, 1e300};
    bj_array *la = bj_array_new(BJ_F64, 1, (int64_t[]){6}, v);
    bj_val *lam = bj_trace_const(t, la);
    bj_array_release(la);
    o[0] = bj_random_poisson(key, lam, BJ_I32, 1, (int64_t[]){6});
    o[1] = bj_random_poisson(key, lam, BJ_F64, 1, (int64_t[]){6});
    o[2] = bj_random_poisson(key, lam, BJ_I64, 1, (int64_t[]){6});
    return 3;
}

static void random_poisson_edges(void) {
    int nout;
    bj_graph *g = key_graph(build_lam_edges, NULL, &nout);
    CHECK(g && same_on_backends(g, 4));
    bj_array *o[3] = {0};
    if (g && run_seed(g, "cpu", 4, o, 3)) {
        const int32_t *i32 = bj_array_data(o[0]);
        const double *f64 = bj_array_data(o[1]);
        const int64_t *i64 = bj_array_data(o[2]);
        CHECK(i32[0] == -1 && i32[1] == -1 && i32[2] == INT32_MAX && i32[3] == 0 && i32[4] == INT32_MAX && i32[5] == INT32_MAX);
        CHECK(f64[0] == -1 && f64[1] == -1 && f64[2] == INFINITY && f64[3] == 0 && fabs(f64[4] - 5e12) < 2e7);
        CHECK(i64[0] == -1 && i64[2] == INT64_MAX && i64[3] == 0 && i64[5] == INT64_MAX);
    }
    for (int i = 0; i < 3; i++) bj_array_release(o[i]);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- keys */
static int build_keys(bj_trace *t, bj_val *key, bj_val **o, void *ud) {
    (void)ud;
    int k = 0;
    o[k++] = bj_random_split(key, 1000);
    o[k++] = bj_random_fold_in(key, 0);
    o[k++] = bj_random_fold_in(key, 1);
    o[k++] = bj_random_fold_in(key, -1);
    o[k++] = bj_random_fold_in(key, 4294967295ull);
    o[k++] = bj_random_fold_in(key, bj_lit(t, BJ_I32, -1)); /* a traced int32 -1 is 0xffffffff, as the C -1 */
    bj_val *k1 = bj_reshape(bj_slice(o[0], (int64_t[]){1, 0}, (int64_t[]){2, 2}, NULL), 1, (int64_t[]){2});
    o[k++] = bj_random_uniform(k1, BJ_F64, 1, (int64_t[]){4}, 0, 1);
    o[k++] = bj_random_uniform(key, BJ_F64, 1, (int64_t[]){4}, 0, 1);
    return k;
}

static void random_split_fold_in(void) {
    int nout;
    bj_graph *g = key_graph(build_keys, NULL, &nout);
    CHECK(g && same_on_backends(g, 31) && same_on_backends(g, 32));
    bj_array *a[8] = {0}, *b[8] = {0}, *c[8] = {0};
    bool ran = g && run_seed(g, "cpu", 31, a, nout) && run_seed(g, "interp", 31, b, nout) &&
               run_seed(g, "cpu", 32, c, nout);
    CHECK(ran);
    if (ran) {
        /* reproducible */
        for (int i = 0; i < nout; i++) CHECK(!memcmp(bj_array_data(a[i]), bj_array_data(b[i]), bj_array_nbytes(a[i])));
        /* 1000 distinct keys, none equal to the parent's words */
        const uint64_t *keys = bj_array_data(a[0]);
        uint64_t *sorted = malloc(1000 * sizeof *sorted);
        if (sorted) {
            memcpy(sorted, keys, 1000 * sizeof *sorted);
            int dup = 0;
            for (int i = 0; i < 1000; i++)
                for (int j = i + 1; j < 1000; j++) dup += sorted[i] == sorted[j];
            CHECK(dup == 0);
            free(sorted);
        }
        const uint32_t *f0 = bj_array_data(a[1]), *f1 = bj_array_data(a[2]), *fm = bj_array_data(a[3]),
                       *fx = bj_array_data(a[4]), *ft = bj_array_data(a[5]);
        CHECK(memcmp(f0, f1, 8) && memcmp(f0, fm, 8));
        CHECK(!memcmp(fm, fx, 8) && !memcmp(fm, ft, 8)); /* -1, 0xffffffff and a traced -1 fold the same */
        /* draws from a split key differ from the parent's, and other seeds give other keys */
        CHECK(memcmp(bj_array_data(a[6]), bj_array_data(a[7]), 32));
        CHECK(memcmp(bj_array_data(a[0]), bj_array_data(c[0]), 8000) && memcmp(f0, bj_array_data(c[1]), 8));
    }
    for (int i = 0; i < 8; i++) bj_array_release(a[i]), bj_array_release(b[i]), bj_array_release(c[i]);
    bj_graph_release(g);
    /* the keys of a split look uniform: chi-square of the top byte of 1000 x 2 words over 16 bins */
    int n2;
    g = key_graph(build_keys, NULL, &n2);
    bj_array *o[8] = {0};
    if (g && run_seed(g, "cpu", 5, o, n2)) {
        double obs[16] = {0}, ex[16];
        const uint32_t *w = bj_array_data(o[0]);
        for (int i = 0; i < 2000; i++) obs[w[i] >> 28]++;
        for (int i = 0; i < 16; i++) ex[i] = 2000.0 / 16;
        CHECK(chi2_ok("split words", obs, ex, 16));
    }
    for (int i = 0; i < 8; i++) bj_array_release(o[i]);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- RandomState */
typedef struct {
    bj_var *rs;
    int draws;
} rs_ctx;

static bj_status draw_fn(bj_trace *t, void *ud) {
    rs_ctx *c = ud;
    bj_val *outs[2];
    for (int i = 0; i < c->draws; i++) outs[i] = bj_random_uniform(bj_random_state_next(t, c->rs), BJ_F32, 1, (int64_t[]){5}, 0, 1);
    return bj_return_n(t, outs, c->draws);
}

/* Three calls from seed: outputs [call][draw], and the final key. */
static bool three_calls(const char *backend, uint64_t seed, int draws, bj_array *out[3][2], uint32_t key_after[2]) {
    rs_ctx c = {bj_random_state_new("rng", seed), draws};
    bj_jit *f = c.rs ? bj_jit_new(draw_fn, &c, &(bj_jit_opts){.backend = backend}) : NULL;
    bool ok = f != NULL;
    for (int call = 0; ok && call < 3; call++) ok = bj_jit_call(f, NULL, 0, out[call], draws) == BJ_OK;
    if (ok) memcpy(key_after, bj_array_data(bj_var_value(c.rs)), 8);
    bj_jit_stats st = {0};
    if (f) bj_jit_stats_get(f, &st);
    if (ok && st.traces != 1) printf("    %lld traces\n", (long long)st.traces), ok = false;
    if (!ok) printf("    %s: %s\n", backend, bj_last_error());
    bj_jit_release(f);
    bj_var_release(c.rs);
    return ok;
}

static void release_calls(bj_array *o[3][2]) {
    for (int i = 0; i < 3; i++) bj_array_release(o[i][0]), bj_array_release(o[i][1]), o[i][0] = o[i][1] = NULL;
}

static void random_state_jit(void) {
    bj_array *cpu[3][2] = {{0}}, *in[3][2] = {{0}}, *again[3][2] = {{0}}, *other[3][2] = {{0}};
    uint32_t ka[2], kb[2], kc[2], kd[2];
    bool ok = three_calls("cpu", 2024, 2, cpu, ka) && three_calls("interp", 2024, 2, in, kb) &&
              three_calls("cpu", 2024, 2, again, kc) && three_calls("cpu", 2025, 2, other, kd);
    CHECK(ok);
    if (ok) {
        for (int i = 0; i < 3; i++)
            for (int d = 0; d < 2; d++) {
                CHECK(!memcmp(bj_array_data(cpu[i][d]), bj_array_data(in[i][d]), 20));    /* cpu == interp */
                CHECK(!memcmp(bj_array_data(cpu[i][d]), bj_array_data(again[i][d]), 20)); /* same seed */
                CHECK(memcmp(bj_array_data(cpu[i][d]), bj_array_data(other[i][d]), 20));  /* other seed */
                for (int j = 0; j < 3; j++) /* every call and every draw is new */
                    for (int e = 0; e < 2; e++)
                        if (i != j || d != e) CHECK(memcmp(bj_array_data(cpu[i][d]), bj_array_data(cpu[j][e]), 20));
            }
        CHECK(!memcmp(ka, kb, 8) && !memcmp(ka, kc, 8) && memcmp(ka, kd, 8));
    }
    /* the first draw of the first call is uniform(split(key(seed))[1]), and the state became split(key(seed))[0]
     * advanced once more by the second draw */
    bj_trace *t = bj_trace_new("manual");
    bj_val *key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    bj_val *ks = bj_random_split(key, 2);
    bj_val *sub = bj_reshape(bj_slice(ks, (int64_t[]){1, 0}, NULL, NULL), 1, (int64_t[]){2});
    bj_val *y = bj_random_uniform(sub, BJ_F32, 1, (int64_t[]){5}, 0, 1);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    bj_array *r = NULL;
    if (g && run_seed(g, "interp", 2024, &r, 1) && cpu[0][0]) CHECK(!memcmp(bj_array_data(r), bj_array_data(cpu[0][0]), 20));
    CHECK(r != NULL);
    bj_array_release(r);
    bj_graph_release(g);
    release_calls(cpu), release_calls(in), release_calls(again), release_calls(other);
    /* re-seeding restarts the sequence */
    rs_ctx c = {bj_random_state_new(NULL, 7), 1};
    bj_jit *f = bj_jit_new(draw_fn, &c, NULL);
    bj_array *a = NULL, *b = NULL;
    CHECK(f && bj_jit_call(f, NULL, 0, &a, 1) == BJ_OK);
    CHECK(bj_random_state_seed(c.rs, 7) == BJ_OK);
    CHECK(f && bj_jit_call(f, NULL, 0, &b, 1) == BJ_OK);
    CHECK(a && b && !memcmp(bj_array_data(a), bj_array_data(b), 20));
    bj_array_release(a), bj_array_release(b);
    bj_jit_release(f);
    bj_var_release(c.rs);
}

/* ---------------------------------------------------------------- by name */
static void random_by_name(void) {
    bj_trace *t = bj_trace_new("names");
    bj_val *key = bj_trace_arg(t, "key", BJ_U32, 1, (int64_t[]){2});
    bj_val *lo = bj_lit(t, BJ_I32, -4), *hi = bj_lit(t, BJ_I32, 9), *lam = bj_lit(t, BJ_F32, 6.5f);
    bj_val *p = bj_lit(t, BJ_F32, 0.4f), *d = bj_lit(t, BJ_U32, 3), *flo = bj_lit(t, BJ_F64, -1), *fhi = bj_lit(t, BJ_F64, 2);
    bj_attrs a = {.rank = 1, .shape = {6}, .dtype = BJ_F64, .n = 3};
    bj_attrs ai = a;
    ai.dtype = BJ_I32;
    bj_val *o[] = {
        bj_op(t, "random_bits", &key, 1, &a), bj_random_bits(key, 1, (int64_t[]){6}),
        bj_op(t, "random_uniform", &key, 1, &a), bj_random_uniform(key, BJ_F64, 1, (int64_t[]){6}, 0, 1),
        bj_op(t, "random_uniform", (bj_val *[]){key, flo, fhi}, 3, &a), bj_random_uniform(key, BJ_F64, 1, (int64_t[]){6}, -1.0, 2.0),
        bj_op(t, "random_normal", &key, 1, &a), bj_random_normal(key, BJ_F64, 1, (int64_t[]){6}),
        bj_op(t, "random_bernoulli", (bj_val *[]){key, p}, 2, &a), bj_random_bernoulli(key, 0.4f, 1, (int64_t[]){6}),
        bj_op(t, "random_randint", (bj_val *[]){key, lo, hi}, 3, &ai), bj_random_randint(key, -4, 9, BJ_I32, 1, (int64_t[]){6}),
        bj_op(t, "random_poisson", (bj_val *[]){key, lam}, 2, &ai), bj_random_poisson(key, 6.5, BJ_I32, 1, (int64_t[]){6}),
        bj_op(t, "random_split", &key, 1, &a), bj_random_split(key, 3),
        bj_op(t, "random_fold_in", (bj_val *[]){key, d}, 2, &a), bj_random_fold_in(key, 3),
    };
    for (int i = 0; i < COUNT(o); i += 2) CHECK_MSG(o[i] && o[i] == o[i + 1], "pair %d: %s", i / 2, bj_trace_error(t));
    CHECK(!bj_op(t, "random", &key, 1, &a)); /* the IR op itself is not built by name */
    CHECK_ERR_HAS("random_uniform");
    bj_trace_free(t);
    bj_clear_error();
}

/* ---------------------------------------------------------------- bad arguments */
/* Builds one op on a fresh trace; true if it failed with a message containing sub. */
typedef bj_val *(*bad_fn)(bj_trace *t, bj_val *key);
static bool fails_with(bad_fn fn, bj_dtype kd, int64_t klen, const char *sub) {
    bj_trace *t = bj_trace_new("bad");
    bj_val *key = bj_trace_arg(t, "key", kd, 1, (int64_t[]){klen});
    bj_clear_error();
    bj_val *r = fn(t, key);
    bool ok = !r && bj_trace_status(t) != BJ_OK && strstr(bj_trace_error(t), sub);
    if (!ok) printf("    wanted an error with '%s', got %s ('%s')\n", sub, r ? "a value" : "NULL", bj_trace_error(t));
    bj_trace_free(t);
    bj_clear_error();
    return ok;
}

static bj_val *bad_uniform(bj_trace *t, bj_val *k) { (void)t; return bj_random_uniform(k, BJ_F32, 1, (int64_t[]){3}, 0, 1); }
static bj_val *bad_bits(bj_trace *t, bj_val *k) { (void)t; return bj_random_bits(k, 1, (int64_t[]){3}); }
static bj_val *bad_hi_lo(bj_trace *t, bj_val *k) { (void)t; return bj_random_uniform(k, BJ_F32, 1, (int64_t[]){3}, 2.0, 2.0); }
static bj_val *bad_nan_lo(bj_trace *t, bj_val *k) { (void)t; return bj_random_uniform(k, BJ_F64, 1, (int64_t[]){3}, NAN, 1); }
static bj_val *bad_uniform_dtype(bj_trace *t, bj_val *k) { (void)t; return bj_random_uniform(k, BJ_I32, 1, (int64_t[]){3}, 0, 1); }
static bj_val *bad_normal_dtype(bj_trace *t, bj_val *k) { (void)t; return bj_random_normal(k, BJ_U32, 1, (int64_t[]){3}); }
static bj_val *bad_randint(bj_trace *t, bj_val *k) { (void)t; return bj_random_randint(k, 5, 5, BJ_I32, 1, (int64_t[]){3}); }
static bj_val *bad_randint_fit(bj_trace *t, bj_val *k) { (void)t; return bj_random_randint(k, -1, 5, BJ_U32, 1, (int64_t[]){3}); }
static bj_val *bad_randint_dtype(bj_trace *t, bj_val *k) { (void)t; return bj_random_randint(k, 0, 5, BJ_F32, 1, (int64_t[]){3}); }
static bj_val *bad_randint_float(bj_trace *t, bj_val *k) {
    return bj_random_randint(k, bj_lit(t, BJ_F32, 0), 5, BJ_I32, 1, (int64_t[]){3});
}
static bj_val *bad_p(bj_trace *t, bj_val *k) { (void)t; return bj_random_bernoulli(k, -0.1, 1, (int64_t[]){3}); }
static bj_val *bad_p_big(bj_trace *t, bj_val *k) { (void)t; return bj_random_bernoulli(k, 1.5, 1, (int64_t[]){3}); }
static bj_val *bad_lam(bj_trace *t, bj_val *k) { (void)t; return bj_random_poisson(k, -2.0, BJ_I32, 1, (int64_t[]){3}); }
static bj_val *bad_lam_dtype(bj_trace *t, bj_val *k) { (void)t; return bj_random_poisson(k, 2.0, BJ_BOOL, 1, (int64_t[]){3}); }
static bj_val *bad_split(bj_trace *t, bj_val *k) { (void)t; return bj_random_split(k, 0); }
static bj_val *bad_fold(bj_trace *t, bj_val *k) { (void)t; return bj_random_fold_in(k, 5000000000ll); }
static bj_val *bad_fold_float(bj_trace *t, bj_val *k) { return bj_random_fold_in(k, bj_lit(t, BJ_F32, 1)); }
static bj_val *bad_shape(bj_trace *t, bj_val *k) { (void)t; return bj_random_normal(k, BJ_F32, 1, (int64_t[]){-4}); }
static bj_val *bad_rank(bj_trace *t, bj_val *k) { (void)t; return bj_random_bits(k, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}); }
static bj_val *bad_bcast(bj_trace *t, bj_val *k) {
    bj_val *p = bj_full(t, BJ_F32, 1, (int64_t[]){4}, 0.5);
    return bj_random_bernoulli(k, p, 1, (int64_t[]){3});
}
static bj_val *bad_bcast_grow(bj_trace *t, bj_val *k) { /* p [2, 1] would enlarge the shape [3] */
    bj_val *lam = bj_full(t, BJ_F32, 2, (int64_t[]){2, 1}, 0.5);
    return bj_random_poisson(k, lam, BJ_I32, 1, (int64_t[]){3});
}
static bj_val *bad_state_plain(bj_trace *t, bj_val *k) {
    (void)k;
    bj_var *s = bj_random_state_new("rs_plain", 1);
    bj_val *r = bj_random_state_next(t, s);
    bj_var_release(s);
    return r;
}

static void random_bad_arguments(void) {
    CHECK(fails_with(bad_uniform, BJ_F32, 2, "random_uniform: key must be uint32[2]"));
    CHECK(fails_with(bad_bits, BJ_U32, 3, "random_bits: key must be uint32[2]"));
    CHECK(fails_with(bad_bits, BJ_I32, 2, "got i32[2]"));
    CHECK(fails_with(bad_hi_lo, BJ_U32, 2, "random_uniform: hi (2) must be greater than lo (2)"));
    CHECK(fails_with(bad_nan_lo, BJ_U32, 2, "random_uniform: lo (nan) and hi (1) must be finite"));
    CHECK(fails_with(bad_uniform_dtype, BJ_U32, 2, "random_uniform: dtype must be float32 or float64, got int32"));
    CHECK(fails_with(bad_normal_dtype, BJ_U32, 2, "random_normal: dtype must be float32 or float64, got uint32"));
    CHECK(fails_with(bad_randint, BJ_U32, 2, "random_randint: hi (5) must be greater than lo (5)"));
    CHECK(fails_with(bad_randint_fit, BJ_U32, 2, "random_randint: lo (-1) does not fit in uint32"));
    CHECK(fails_with(bad_randint_dtype, BJ_U32, 2, "random_randint: dtype must be int32, int64 or uint32, got float32"));
    CHECK(fails_with(bad_randint_float, BJ_U32, 2, "random_randint: lo must be an integer value, got f32[]"));
    CHECK(fails_with(bad_p, BJ_U32, 2, "random_bernoulli: p (-0.1) must be in [0, 1]"));
    CHECK(fails_with(bad_p_big, BJ_U32, 2, "random_bernoulli: p (1.5) must be in [0, 1]"));
    CHECK(fails_with(bad_lam, BJ_U32, 2, "random_poisson: lam (-2) must be finite and >= 0"));
    CHECK(fails_with(bad_lam_dtype, BJ_U32, 2, "random_poisson: dtype must be int32, int64, float32 or float64, got bool"));
    CHECK(fails_with(bad_split, BJ_U32, 2, "random_split: n (0) must be at least 1"));
    CHECK(fails_with(bad_fold, BJ_U32, 2, "random_fold_in: data (5000000000) must fit in 32 bits"));
    CHECK(fails_with(bad_fold_float, BJ_U32, 2, "random_fold_in: data must be an integer scalar, got f32[]"));
    CHECK(fails_with(bad_shape, BJ_U32, 2, "random_normal: dimension 0 is negative (-4)"));
    CHECK(fails_with(bad_rank, BJ_U32, 2, "random_bits: rank 9 is outside 0..8"));
    CHECK(fails_with(bad_bcast, BJ_U32, 2, "random_bernoulli: p f32[4] does not broadcast to the result bool[3]"));
    CHECK(fails_with(bad_bcast_grow, BJ_U32, 2, "random_poisson: lam f32[2,1] does not broadcast to the result i32[3]"));
    CHECK(fails_with(bad_state_plain, BJ_U32, 2, "random_state_next: trace 'bad' is not the trace of a jit function"));
    /* a NULL key (an earlier failure) is reported, not dereferenced */
    bj_clear_error();
    CHECK(!bj_random_normal(NULL, BJ_F32, 1, (int64_t[]){3}));
    CHECK_ERR_HAS("random_normal: key is NULL");
    CHECK(!bj_random_split((bj_val *)"not a value!!", 2));
    CHECK_ERR_HAS("random_split: key is not a traced value");
    /* a Variable that is not a key */
    bj_array *f = bj_array_zeros(BJ_F32, 1, (int64_t[]){2});
    bj_var *v = bj_var_new("notkey", f, -1);
    bj_array_release(f);
    CHECK(bj_random_state_seed(v, 3) == BJ_ERR_DTYPE);
    CHECK_ERR_HAS("random_state_seed: Variable notkey is not a RandomState");
    bj_var_release(v);
    bj_clear_error();
}

void tests_random(void) {
    RUN(random_philox_known_answers);
    RUN(random_key_layout);
    RUN(random_golden_values);
    RUN(random_backends_identical);
    RUN(random_threads);
    RUN(random_fused);
    RUN(random_counter_layout);
    RUN(random_uniform_fit);
    RUN(random_normal_fit);
    RUN(random_bernoulli_fit);
    RUN(random_randint_fit);
    RUN(random_poisson_fit);
    RUN(random_poisson_edges);
    RUN(random_split_fold_in);
    RUN(random_state_jit);
    RUN(random_by_name);
    RUN(random_bad_arguments);
}
