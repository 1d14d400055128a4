/* test_nan.c — NaN results and IEEE corner cases on both backends (NaN-ness agrees, NaN bits are not part of the
 * contract), and JAX's conventions: maximum(-0, +0), scans from the identity, negative dynamic-slice starts; NULL
 * backends (issue 10, class 7). */
#include "rgraph.h"
#include "test.h"

#include <stdint.h>

#define N_ NAN          /* any NaN: its bits are not compared */
#define ANY 7777777.0   /* not checked against a value (inexact results): the backends must still agree */
#define NB 2
static const char *const BACKENDS[NB] = {"interp", "cpu"};

/* Element i of a equals want: the same bits (the sign of zero counts), or both NaN. */
static bool same_elem(const bj_array *a, int64_t i, double want) {
    if (want == ANY) return true;
    switch (bj_array_dtype(a)) {
    case BJ_F32: {
        float v = ((const float *)bj_array_data(a))[i], w = (float)want;
        return isnan(w) ? isnan(v) : !memcmp(&v, &w, sizeof v);
    }
    case BJ_F64: {
        double v = ((const double *)bj_array_data(a))[i];
        return isnan(want) ? isnan(v) : !memcmp(&v, &want, sizeof v);
    }
    case BJ_I32: return ((const int32_t *)bj_array_data(a))[i] == (int32_t)want;
    default: return false;
    }
}

/* got (from backend b, output `label`) has n elements equal to want; prints the first that differs. */
static bool expect(const char *b, const char *label, const bj_array *got, int64_t n, const double *want) {
    if (!got || bj_array_size(got) != n) {
        printf("    %s: %s: %s\n", b, label, got ? "wrong size" : bj_last_error());
        return false;
    }
    for (int64_t i = 0; i < n; i++)
        if (!same_elem(got, i, want[i])) {
            const void *d = bj_array_data(got);
            bj_dtype t = bj_array_dtype(got);
            double v = t == BJ_F32   ? ((const float *)d)[i]
                       : t == BJ_F64 ? ((const double *)d)[i]
                                     : ((const int32_t *)d)[i];
            printf("    %s: %s: element %lld is %g (sign %d), want %g (sign %d)\n", b, label, (long long)i, v,
                   signbit(v) != 0, want[i], signbit(want[i]) != 0);
            return false;
        }
    return true;
}

/* One expected output: its label, element count and values. */
typedef struct want_out {
    const char *label;
    bj_val *v;
    int64_t n;
    const double *want;
} want_out;

/* Finishes t with the outputs of w, runs it on both backends and checks every output of each against its
 * expectation, and the backends against each other (diff_same: equal bits but for NaN's). */
static bool run_both(bj_trace *t, want_out *w, int nout, bj_array *const *ins, int nin) {
    bj_val *outs[32];
    for (int i = 0; i < nout; i++) outs[i] = w[i].v;
    bj_graph *g = bj_trace_finish(t, outs, nout);
    bool ok = g != NULL;
    bj_array *res[NB][32] = {{0}};
    for (int b = 0; ok && b < NB; b++) {
        ok = bj_graph_run(g, BACKENDS[b], ins, nin, res[b], nout) == BJ_OK;
        for (int i = 0; ok && i < nout; i++) ok &= expect(BACKENDS[b], w[i].label, res[b][i], w[i].n, w[i].want);
    }
    for (int i = 0; ok && i < nout; i++)
        if (!diff_same(res[0][i], res[1][i], NULL)) printf("    %s: the backends differ\n", w[i].label), ok = false;
    for (int b = 0; b < NB; b++)
        for (int i = 0; i < nout; i++) bj_array_release(res[b][i]);
    bj_graph_release(g);
    test_release_all(nin, ins);
    return ok;
}

static bj_val *arg(bj_trace *t, bj_dtype d, int rank, const int64_t *shape) {
    return bj_trace_arg(t, NULL, d, rank, shape);
}

/* ---------------------------------------------------------------- NaN results */
/* x = [NaN, -NaN with a payload, 1, -2, inf, -inf, 0, -0]: every op that creates or propagates a NaN gives a NaN
 * exactly where the interpreter does, fused or not, on both backends; every other element has the same bits. */
static bj_array *nan_input(bj_dtype d) {
    bj_array *x = test_arr(d, 1, SH(8), V(0, 0, 1, -2, INFINITY, -INFINITY, 0.0, -0.0));
    if (d == BJ_F32) {
        uint32_t q = 0x7fc00000u, p = 0xffc00123u;
        memcpy((float *)bj_array_data(x), &q, 4), memcpy((float *)bj_array_data(x) + 1, &p, 4);
    } else {
        uint64_t q = 0x7ff8000000000000u, p = 0xfff8000000000123u;
        memcpy((double *)bj_array_data(x), &q, 8), memcpy((double *)bj_array_data(x) + 1, &p, 8);
    }
    return x;
}

static void nan_elementwise(void) {
    for (int k = 0; k < 2; k++) {
        bj_dtype d = k ? BJ_F64 : BJ_F32, other = k ? BJ_F32 : BJ_F64;
        bj_trace *t = bj_trace_new("nan_elementwise");
        bj_val *x = arg(t, d, 1, SH(8)), *s = bj_sigmoid(x);
        want_out w[] = {
            {"mul(x, -1)", bj_mul(x, -1.0), 8, V(N_, N_, -1, 2, -INFINITY, INFINITY, -0.0, 0.0)},
            {"0 - x", bj_sub(0.0, x), 8, V(N_, N_, -1, 2, -INFINITY, INFINITY, 0.0, 0.0)},
            {"neg", bj_neg(x), 8, V(N_, N_, -1, 2, -INFINITY, INFINITY, -0.0, 0.0)},
            {"sigmoid", s, 8, V(N_, N_, ANY, ANY, 1, 0, 0.5, 0.5)},
            {"sigmoid fused", bj_mul(s, 2.0), 8, V(N_, N_, ANY, ANY, 2, 0, 1, 1)},
            {"x - x", bj_sub(x, x), 8, V(N_, N_, 0, 0, N_, N_, 0, 0)},
            {"x * 0", bj_mul(x, 0.0), 8, V(N_, N_, 0, -0.0, N_, N_, 0, -0.0)},
            {"x / x", bj_div(x, x), 8, V(N_, N_, 1, 1, N_, N_, N_, N_)},
            {"sqrt", bj_sqrt(x), 8, V(N_, N_, 1, N_, INFINITY, N_, 0, -0.0)},
            {"log", bj_log(x), 8, V(N_, N_, 0, N_, INFINITY, N_, -INFINITY, -INFINITY)},
            {"maximum(x, 0)", bj_maximum(x, 0.0), 8, V(N_, N_, 1, 0, INFINITY, 0, 0, 0)},
            {"minimum(x, 0)", bj_minimum(x, 0.0), 8, V(N_, N_, 0, -2, 0, -INFINITY, 0, -0.0)},
            {"clip(x, -1, 1)", bj_clip(x, -1.0, 1.0), 8, V(N_, N_, 1, -1, 1, -1, 0, -0.0)},
            {"x % 0", bj_remainder(x, 0.0), 8, V(N_, N_, N_, N_, N_, N_, N_, N_)},
            {"where(isnan)", bj_where(bj_isnan(x), x, 1.0), 8, V(N_, N_, 1, 1, 1, 1, 1, 1)},
            {"astype", bj_astype(x, other), 8, V(N_, N_, 1, -2, INFINITY, -INFINITY, 0, -0.0)},
            {"exp(-x) fused", bj_add(bj_exp(bj_neg(x)), 0.0), 8, V(N_, N_, ANY, ANY, 0, INFINITY, 1, 1)},
        };
        CHECK(run_both(t, w, (int)(sizeof w / sizeof *w), INS(nan_input(d)), 1));
    }
}

/* Ops that only move elements copy a NaN's bits (here a negative NaN with a payload) on both backends, fused with
 * a computation or not. */
static void nan_moves_keep_bits(void) {
    bj_trace *t = bj_trace_new("nan_moves");
    bj_val *x = arg(t, BJ_F32, 1, SH(8)), *i = arg(t, BJ_I32, 1, SH(2));
    bj_val *outs[4] = {bj_take(x, i, 0), bj_flip(x, 0, NULL), bj_where(bj_lt(x, 0.0), 5.0, x),
                       bj_reshape(bj_slice(x, NULL, (int64_t[]){2}, NULL), 2, SH(1, 2))};
    bj_val *keep = bj_add(outs[2], 1.0); /* a computed output beside the select, so that they share a kernel */
    bj_val *all[5] = {outs[0], outs[1], outs[2], outs[3], keep};
    bj_graph *g = bj_trace_finish(t, all, 5);
    CHECK(g != NULL);
    uint32_t want[2] = {0x7fc00000u, 0xffc00123u}; /* x[0], x[1] */
    for (int b = 0; g && b < NB; b++) {
        bj_array *ins[2] = {nan_input(BJ_F32), test_arr(BJ_I32, 1, SH(2), V(1, 0))}, *r[5] = {0};
        CHECK(bj_graph_run(g, BACKENDS[b], ins, 2, r, 5) == BJ_OK);
        uint32_t got[4][2] = {{0}};
        for (int o = 0; r[0] && o < 4; o++) {
            const float *d = bj_array_data(r[o]);
            int64_t at0 = o == 0 ? 1 : o == 1 ? 7 : 0, at1 = o == 0 ? 0 : o == 1 ? 6 : 1; /* where x[0], x[1] went */
            memcpy(&got[o][0], d + at0, 4), memcpy(&got[o][1], d + at1, 4);
            CHECK_MSG(got[o][0] == want[0] && got[o][1] == want[1], "%s: output %d: %08x %08x", BACKENDS[b], o,
                      got[o][0], got[o][1]);
        }
        test_release_all(2, ins), test_release_all(5, r);
    }
    bj_graph_release(g);
}

/* Reductions, scans and matmul over NaN, and the empty mean (0 / 0). */
static void nan_reductions(void) {
    for (int k = 0; k < 2; k++) {
        bj_dtype d = k ? BJ_F64 : BJ_F32;
        bj_trace *t = bj_trace_new("nan_reductions");
        bj_val *x = arg(t, d, 1, SH(8)), *e = arg(t, d, 2, SH(2, 0));
        int one = 1;
        want_out w[] = {
            {"sum", bj_sum(x, 0, NULL, false), 1, V(N_)},
            {"max", bj_max(x, 0, NULL, false), 1, V(N_)},
            {"min", bj_min(x, 0, NULL, false), 1, V(N_)},
            {"mean", bj_mean(x, 0, NULL, false), 1, V(N_)},
            {"mean of an empty axis", bj_mean(e, 1, &one, false), 2, V(N_, N_)},
            {"sum of an empty axis", bj_sum(e, 1, &one, false), 2, V(0, 0)},
            {"cumsum", bj_cumsum(x, 0), 8, V(N_, N_, N_, N_, N_, N_, N_, N_)},
            {"cumsum of the finite part", bj_cumsum(bj_slice(x, (int64_t[]){2}, (int64_t[]){4}, NULL), 0), 2, V(1, -1)},
            {"matmul", bj_matmul(bj_reshape(x, 2, SH(1, 8)), bj_reshape(x, 2, SH(8, 1))), 1, V(N_)},
            {"argmax", bj_argmax(x, 0, false), 1, V(0)},
            {"max fused", bj_max(bj_mul(x, -1.0), 0, NULL, false), 1, V(N_)},
        };
        CHECK(run_both(t, w, (int)(sizeof w / sizeof *w), INS(nan_input(d), bj_array_zeros(d, 2, SH(2, 0))), 2));
    }
}

/* ---------------------------------------------------------------- signed zeros in maximum / minimum */
/* IEEE 754-2019 maximum/minimum (NumPy, JAX): max(-0, +0) and max(+0, -0) are +0, min of them -0; over 1000
 * elements, so that the generated loop runs vectorized, and fused after neg. The pairs cycle through (-0, +0),
 * (+0, -0), (-0, -0), (+0, +0). */
static void nan_maximum_signed_zeros(void) {
    enum { N = 1000 };
    static double a[N], b[N], mx[N], mn[N], nmx[N];
    for (int i = 0; i < N; i++) {
        a[i] = (i % 4 == 0 || i % 4 == 2) ? -0.0 : 0.0;
        b[i] = (i % 4 == 1 || i % 4 == 2) ? -0.0 : 0.0;
        mx[i] = i % 4 == 2 ? -0.0 : 0.0;
        mn[i] = i % 4 == 3 ? 0.0 : -0.0;
        nmx[i] = i % 4 == 3 ? -0.0 : 0.0; /* maximum(-a, -b) */
    }
    for (int k = 0; k < 2; k++) {
        bj_dtype d = k ? BJ_F64 : BJ_F32;
        bj_trace *t = bj_trace_new("signed_zeros");
        bj_val *x = arg(t, d, 1, SH(N)), *y = arg(t, d, 1, SH(N)), *m = arg(t, d, 2, SH(4, 2));
        int one = 1;
        want_out w[] = {
            {"maximum", bj_maximum(x, y), N, mx},
            {"minimum", bj_minimum(x, y), N, mn},
            {"maximum fused", bj_maximum(bj_neg(x), bj_neg(y)), N, nmx},
            {"clip(x, y, 1)", bj_clip(x, y, 1.0), N, mx},
            {"clip(x, -1, y)", bj_clip(x, -1.0, y), N, mn},
            {"max axis 1", bj_max(m, 1, &one, false), 4, V(0.0, 0.0, -0.0, 0.0)},
            {"min axis 1", bj_min(m, 1, &one, false), 4, V(-0.0, -0.0, -0.0, 0.0)},
            {"max", bj_max(m, 0, NULL, false), 1, V(0.0)},
            {"min", bj_min(m, 0, NULL, false), 1, V(-0.0)},
            {"max fused", bj_max(bj_neg(m), 0, NULL, false), 1, V(0.0)},
            {"argmax axis 1", bj_argmax(m, 1, false), 4, V(0, 0, 0, 0)}, /* equal values: the first wins */
            {"argmin axis 1", bj_argmin(m, 1, false), 4, V(0, 0, 0, 0)},
        };
        bj_array *ins[3] = {test_arr(d, 1, SH(N), a), test_arr(d, 1, SH(N), b),
                            test_arr(d, 2, SH(4, 2), V(-0.0, 0.0, 0.0, -0.0, -0.0, -0.0, 0.0, 0.0))};
        CHECK(run_both(t, w, (int)(sizeof w / sizeof *w), ins, 3));
    }
}

/* ---------------------------------------------------------------- scans start from the identity */
/* cumsum starts from +0 as sum does (JAX's reduce_window with init 0): a leading -0.0 gives +0.0, on every path of
 * the generated scan (rows side by side, a row tail, lanes along an inner axis); cumprod from 1 keeps -0.0. */
static void nan_scan_from_identity(void) {
    bj_trace *t = bj_trace_new("scans");
    bj_val *z1 = arg(t, BJ_F32, 1, SH(1)), *z3 = arg(t, BJ_F64, 1, SH(3)), *zr = arg(t, BJ_F32, 2, SH(9, 3));
    bj_val *zc = arg(t, BJ_F32, 2, SH(2, 5)), *p = arg(t, BJ_F64, 1, SH(2)), *i = arg(t, BJ_I32, 1, SH(2));
    static double zeros27[27], pz27[27], zeros10[10];
    for (int k = 0; k < 27; k++) zeros27[k] = -0.0, pz27[k] = 0.0;
    for (int k = 0; k < 10; k++) zeros10[k] = k < 5 ? -0.0 : (k == 5 ? 1.0 : -0.0);
    want_out w[] = {
        {"cumsum [-0]", bj_cumsum(z1, 0), 1, V(0.0)},
        {"cumsum [-0, -0, -0]", bj_cumsum(z3, 0), 3, V(0.0, 0.0, 0.0)},
        {"cumsum rows", bj_cumsum(zr, 1), 27, pz27},
        {"cumsum axis 0", bj_cumsum(zc, 0), 10, V(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)},
        {"cumsum fused operand", bj_cumsum(bj_neg(bj_neg(bj_mul(z1, 1.0))), 0), 1, V(0.0)},
        {"cumprod [-0]", bj_cumprod(z1, 0), 1, V(-0.0)},
        {"cumprod [-0, 2]", bj_cumprod(p, 0), 2, V(-0.0, -0.0)},
        {"cumsum int32", bj_cumsum(i, 0), 2, V(1, 3)},
    };
    bj_array *ins[6] = {test_arr(BJ_F32, 1, SH(1), V(-0.0)), test_arr(BJ_F64, 1, SH(3), V(-0.0, -0.0, -0.0)),
                        test_arr(BJ_F32, 2, SH(9, 3), zeros27), test_arr(BJ_F32, 2, SH(2, 5), zeros10),
                        test_arr(BJ_F64, 1, SH(2), V(-0.0, 2)), test_arr(BJ_I32, 1, SH(2), V(1, 2))};
    CHECK(run_both(t, w, (int)(sizeof w / sizeof *w), ins, 6));
}

/* ---------------------------------------------------------------- dynamic slices with negative starts */
/* JAX (jax 0.10, lax.dynamic_slice / dynamic_update_slice of arange(10.) with a block of 3): a negative start
 * counts from the end once, then clamps into [0, dim - size]. */
static void nan_dynamic_slice_negative(void) {
    static const struct {
        double start;
        double slice[3], update[10];
    } cases[] = {
        {-1, {7, 8, 9}, {0, 1, 2, 3, 4, 5, 6, -1, -2, -3}},
        {-3, {7, 8, 9}, {0, 1, 2, 3, 4, 5, 6, -1, -2, -3}},
        {-4, {6, 7, 8}, {0, 1, 2, 3, 4, 5, -1, -2, -3, 9}},
        {-10, {0, 1, 2}, {-1, -2, -3, 3, 4, 5, 6, 7, 8, 9}},
        {-11, {0, 1, 2}, {-1, -2, -3, 3, 4, 5, 6, 7, 8, 9}},
        {-100, {0, 1, 2}, {-1, -2, -3, 3, 4, 5, 6, 7, 8, 9}},
        {-2147483648.0, {0, 1, 2}, {-1, -2, -3, 3, 4, 5, 6, 7, 8, 9}},
        {2, {2, 3, 4}, {0, 1, -1, -2, -3, 5, 6, 7, 8, 9}},
        {9, {7, 8, 9}, {0, 1, 2, 3, 4, 5, 6, -1, -2, -3}},
    };
    bj_trace *t = bj_trace_new("dslice");
    bj_val *x = arg(t, BJ_F32, 1, SH(10)), *u = arg(t, BJ_F32, 1, SH(3)), *s = arg(t, BJ_I32, 0, NULL);
    bj_val *outs[2] = {bj_dynamic_slice(x, &s, SH(3)), bj_dynamic_update_slice(x, u, &s)};
    bj_graph *g = bj_trace_finish(t, outs, 2);
    CHECK(g != NULL);
    for (int b = 0; g && b < NB; b++) {
        bj_exec *e = bj_compile(g, BACKENDS[b]);
        CHECK(e != NULL);
        for (size_t c = 0; e && c < sizeof cases / sizeof *cases; c++) {
            bj_array *ins[3] = {test_seq(BJ_F32, 1, SH(10)), test_arr(BJ_F32, 1, SH(3), V(-1, -2, -3)),
                                test_scalar(BJ_I32, cases[c].start)}, *r[2] = {0};
            char label[64];
            snprintf(label, sizeof label, "start %g", cases[c].start);
            CHECK(bj_exec_run(e, ins, 3, r, 2) == BJ_OK && expect(BACKENDS[b], label, r[0], 3, cases[c].slice) &&
                  expect(BACKENDS[b], label, r[1], 10, cases[c].update));
            test_release_all(3, ins), test_release_all(2, r);
        }
        bj_exec_release(e);
    }
    bj_graph_release(g);
    /* 2-d, int64 and int32 starts: JAX's dynamic_slice(arange(12.).reshape(3, 4), (-1, -2), (2, 2)) */
    t = bj_trace_new("dslice2");
    x = arg(t, BJ_F32, 2, SH(3, 4)), u = arg(t, BJ_F32, 2, SH(2, 2));
    bj_val *st[2] = {arg(t, BJ_I64, 0, NULL), arg(t, BJ_I32, 0, NULL)};
    want_out w[] = {
        {"dynamic_slice (-1, -2)", bj_dynamic_slice(x, st, SH(2, 2)), 4, V(6, 7, 10, 11)},
        {"dynamic_update_slice (-1, -2)", bj_dynamic_update_slice(x, u, st), 12,
         V(0, 1, 2, 3, 4, 5, -1, -2, 8, 9, -3, -4)},
    };
    CHECK(run_both(t, w, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_arr(BJ_F32, 2, SH(2, 2), V(-1, -2, -3, -4)),
                                test_scalar(BJ_I64, -1), test_scalar(BJ_I32, -2)), 4));
    t = bj_trace_new("dslice3");
    x = arg(t, BJ_F32, 2, SH(3, 4));
    st[0] = arg(t, BJ_I64, 0, NULL), st[1] = arg(t, BJ_I32, 0, NULL);
    want_out w2[] = {{"dynamic_slice (INT64_MIN, -2)", bj_dynamic_slice(x, st, SH(2, 2)), 4, V(2, 3, 6, 7)}};
    CHECK(run_both(t, w2, 1, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_scalar(BJ_I64, -9223372036854775808.0),
                                 test_scalar(BJ_I32, -2)), 3));
}

/* ---------------------------------------------------------------- NULL backends */
static bj_status jit_body(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_param(t, 0), 1.0));
}

/* A NULL backend is an error naming the parameter, not a silent choice of the interpreter; the jit's NULL is its
 * documented default ("cpu"), an empty name is an unknown backend. */
static void nan_null_backend(void) {
    bj_trace *t = bj_trace_new("null_backend");
    bj_val *x = arg(t, BJ_F32, 1, SH(2)), *y = bj_add(x, 1.0);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g != NULL);
    CHECK(bj_compile(g, NULL) == NULL && bj_last_status() == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_compile: backend is NULL (use \"cpu\" or \"interp\")");
    bj_array *in = test_seq(BJ_F32, 1, SH(2)), *out = NULL;
    CHECK(bj_graph_run(g, NULL, &in, 1, &out, 1) == BJ_ERR_ARG && out == NULL);
    CHECK_ERR_HAS("bj_graph_run: backend is NULL");
    CHECK(bj_compile(g, "") == NULL && bj_last_status() == BJ_ERR_ARG);
    CHECK_ERR_HAS("unknown backend \"\"");
    bj_array_release(in), bj_array_release(out);
    bj_graph_release(g);
    CHECK(bj_jit_new(jit_body, NULL, &(bj_jit_opts){.name = "f", .backend = ""}) == NULL);
    CHECK_ERR_HAS("bj_jit_new(f): unknown backend \"\"");
    bj_jit *f = bj_jit_new(jit_body, NULL, &(bj_jit_opts){.name = "f"});
    char *s = f ? bj_jit_to_string(f) : NULL;
    CHECK(s && strstr(s, "backend=cpu"));
    bj_free(s);
    bj_jit_release(f);
}

void tests_nan(void) {
    RUN(nan_elementwise);
    RUN(nan_moves_keep_bits);
    RUN(nan_reductions);
    RUN(nan_maximum_signed_zeros);
    RUN(nan_scan_from_identity);
    RUN(nan_dynamic_slice_negative);
    RUN(nan_null_backend);
}
