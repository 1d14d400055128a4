/* test_x64.c — the "x64" setting (JAX's jax_enable_x64): the dtypes of weak scalars, float-only promotion,
 * reductions and positions with it off and on, on both backends; traces fixing it at creation; jit retracing. */
#include "test.h"

#include <stdlib.h>

static void set_x64(bool on) { CHECK(bj_config_set("x64", on ? "1" : "0") == BJ_OK); }
static void reset_x64(void) { CHECK(bj_config_set("x64", NULL) == BJ_OK); }

/* One row of the dtype table: inputs [0, 1, 2] of the given dtypes (bool: [0, 1, 1]), the expression numbered
 * `expr`, and its dtype and weak flag with x64 off and on. Values are the same in both modes (up to float32
 * rounding). */
typedef struct {
    const char *what;
    int nin;
    bj_dtype in[2];
    bj_dtype off, on;
    bool woff, won;
    int n; /* elements of the result: 3, or 1 for scalars */
    double want[3];
} xcase;

static const int ax0[1] = {0};

static bj_val *expr(int k, bj_trace *t, bj_val **a) {
    switch (k) {
    case 0: return bj_mul(a[0], 2.0);
    case 1: return bj_add(a[0], 1);
    case 2: return bj_mul(a[0], 2.0);
    case 3: return bj_add(a[0], 1);
    case 4: return bj_exp(bj_lit_f64(t, 1.0, true));
    case 5: return bj_exp(bj_lit_i64(t, 1, true));
    case 6: return bj_add(bj_lit_i64(t, 1, true), 2);
    case 7: return bj_add(bj_lit_i64(t, 1, true), 2.5);
    case 8: return bj_exp(a[0]);
    case 9: return bj_exp(a[0]);
    case 10: return bj_sqrt(a[0]);
    case 11: return bj_div(a[0], a[1]);
    case 12: return bj_div(a[0], a[1]);
    case 13: return bj_div(a[0], 2);
    case 14: return bj_mean(a[0], 0, NULL, false);
    case 15: return bj_mean(a[0], 0, NULL, false);
    case 16: return bj_mean(a[0], 0, NULL, false);
    case 17: return bj_sum(a[0], 0, NULL, false);
    case 18: return bj_prod(a[0], 0, NULL, false);
    case 19: return bj_sum(a[0], 0, NULL, false);
    case 20: return bj_sum(a[0], 0, NULL, false);
    case 21: return bj_sum(a[0], 0, NULL, false);
    case 22: return bj_cumsum(a[0], 0);
    case 23: return bj_cumsum(a[0], 0);
    case 24: return bj_argmax(a[0], 0, false);
    case 25: return bj_argmin(a[0], 0, false);
    case 26: return bj_argsort(bj_neg(a[0]), 0);
    case 27: return bj_where(bj_gt(a[0], 0.5), a[0], 1.0);
    case 28: return bj_where(bj_gt(a[0], 0.5), 2, 1.5);
    case 29: return bj_clip(a[0], 0, 1.5);
    case 30: return bj_mul(a[0], 2.0);
    case 31: return bj_add(a[0], -1);
    case 32: return bj_sum(bj_exp(a[0]), 1, ax0, false);
    default: return NULL;
    }
}

#define E 2.718281828459045
static const xcase CASES[] = {
    {"f32 x * 2.0", 1, {BJ_F32}, BJ_F32, BJ_F32, false, false, 3, {0, 2, 4}},
    {"i32 x + 1", 1, {BJ_I32}, BJ_I32, BJ_I32, false, false, 3, {1, 2, 3}},
    {"i32 x * 2.0", 1, {BJ_I32}, BJ_F32, BJ_F64, true, true, 3, {0, 2, 4}},
    {"bool b + 1", 1, {BJ_BOOL}, BJ_I32, BJ_I64, true, true, 3, {1, 2, 2}},
    {"exp(1.0)", 0, {0}, BJ_F32, BJ_F64, true, true, 1, {E}},
    {"exp(1)", 0, {0}, BJ_F32, BJ_F64, true, true, 1, {E}},
    {"1 + 2", 0, {0}, BJ_I32, BJ_I64, true, true, 1, {3}},
    {"1 + 2.5", 0, {0}, BJ_F32, BJ_F64, true, true, 1, {3.5}},
    {"exp(i32 x)", 1, {BJ_I32}, BJ_F32, BJ_F32, false, false, 3, {1, E, E * E}},
    {"exp(i64 x)", 1, {BJ_I64}, BJ_F32, BJ_F64, false, false, 3, {1, E, E * E}},
    {"sqrt(bool b)", 1, {BJ_BOOL}, BJ_F32, BJ_F32, false, false, 3, {0, 1, 1}},
    {"i32 x / i32 y", 2, {BJ_I32, BJ_I32}, BJ_F32, BJ_F32, false, false, 3, {NAN, 1, 1}},
    {"i64 x / i64 y", 2, {BJ_I64, BJ_I64}, BJ_F32, BJ_F64, false, false, 3, {NAN, 1, 1}},
    {"i32 x / 2", 1, {BJ_I32}, BJ_F32, BJ_F32, false, false, 3, {0, 0.5, 1}},
    {"mean(i32 x)", 1, {BJ_I32}, BJ_F32, BJ_F32, false, false, 1, {1}},
    {"mean(i64 x)", 1, {BJ_I64}, BJ_F32, BJ_F64, false, false, 1, {1}},
    {"mean(bool b)", 1, {BJ_BOOL}, BJ_F32, BJ_F32, false, false, 1, {2.0 / 3}},
    {"sum(bool b)", 1, {BJ_BOOL}, BJ_I32, BJ_I64, false, false, 1, {2}},
    {"prod(bool b)", 1, {BJ_BOOL}, BJ_I32, BJ_I64, false, false, 1, {0}},
    {"sum(i32 x)", 1, {BJ_I32}, BJ_I32, BJ_I64, false, false, 1, {3}},
    {"sum(u32 x)", 1, {BJ_U32}, BJ_U32, BJ_U32, false, false, 1, {3}},
    {"sum(f32 x)", 1, {BJ_F32}, BJ_F32, BJ_F32, false, false, 1, {3}},
    {"cumsum(bool b)", 1, {BJ_BOOL}, BJ_I32, BJ_I64, false, false, 3, {0, 1, 2}},
    {"cumsum(i32 x)", 1, {BJ_I32}, BJ_I32, BJ_I32, false, false, 3, {0, 1, 3}},
    {"argmax(f32 x)", 1, {BJ_F32}, BJ_I32, BJ_I64, false, false, 1, {2}},
    {"argmin(f32 x)", 1, {BJ_F32}, BJ_I32, BJ_I64, false, false, 1, {0}},
    {"argsort(-x)", 1, {BJ_F32}, BJ_I32, BJ_I64, false, false, 3, {2, 1, 0}},
    {"where(x > .5, f32 x, 1.0)", 1, {BJ_F32}, BJ_F32, BJ_F32, false, false, 3, {1, 1, 2}},
    {"where(x > .5, 2, 1.5)", 1, {BJ_F32}, BJ_F32, BJ_F64, true, true, 3, {1.5, 2, 2}},
    {"clip(i32 x, 0, 1.5)", 1, {BJ_I32}, BJ_F32, BJ_F64, true, true, 3, {0, 1, 1.5}},
    {"f64 x * 2.0", 1, {BJ_F64}, BJ_F64, BJ_F64, false, false, 3, {0, 2, 4}},
    {"u32 x + -1", 1, {BJ_U32}, BJ_NDTYPES, BJ_NDTYPES, false, false, 0, {0}}, /* fails: -1 is not a uint32 */
    {"sum(exp(i64 x))", 1, {BJ_I64}, BJ_F32, BJ_F64, false, false, 1, {1 + E + E * E}},
};
#define NCASES (int)(sizeof CASES / sizeof CASES[0])

/* Element i of a as a double. */
static double elem(const bj_array *a, int i) {
    const void *p = bj_array_data(a);
    switch (bj_array_dtype(a)) {
    case BJ_BOOL: return ((const bool *)p)[i];
    case BJ_I32: return ((const int32_t *)p)[i];
    case BJ_I64: return (double)((const int64_t *)p)[i];
    case BJ_U32: return ((const uint32_t *)p)[i];
    case BJ_F32: return ((const float *)p)[i];
    default: return ((const double *)p)[i];
    }
}

/* Traces case k with the setting x64 (the trace records it), checks the value's dtype and weak flag, then runs the
 * graph on both backends and checks the arrays' dtype and values. */
static void check_case(int k, bool x64) {
    const xcase *c = &CASES[k];
    bj_dtype want = x64 ? c->on : c->off;
    bool wweak = x64 ? c->won : c->woff;
    set_x64(x64);
    bj_trace *t = bj_trace_new("x64case");
    set_x64(!x64); /* too late: the trace keeps the setting it was made with */
    bj_val *a[2] = {NULL, NULL};
    bj_array *ins[2] = {NULL, NULL};
    for (int i = 0; i < c->nin; i++) {
        a[i] = bj_trace_arg(t, NULL, c->in[i], 1, SH(3));
        ins[i] = test_arr(c->in[i], 1, SH(3), V(0, 1, 2));
    }
    bj_val *y = expr(k, t, a);
    if (want == BJ_NDTYPES) {
        CHECK_MSG(!y && bj_trace_status(t) == BJ_ERR_DTYPE, "%s (x64 %d) should fail", c->what, x64);
        bj_trace_free(t);
        test_release_all(c->nin, ins);
        return;
    }
    CHECK_MSG(y && bj_val_dtype(y) == want && bj_val_weak(y) == wweak, "%s (x64 %d): %s%s, want %s%s", c->what, x64,
              y ? bj_dtype_name(bj_val_dtype(y)) : "failed", y && bj_val_weak(y) ? " weak" : "",
              bj_dtype_name(want), wweak ? " weak" : "");
    bj_graph *g = y ? bj_trace_finish(t, &y, 1) : NULL;
    if (!y) bj_trace_free(t);
    static const char *const backends[] = {"interp", "cpu"};
    for (int b = 0; g && b < 2; b++) {
        bj_array *out = NULL;
        bj_status s = bj_graph_run(g, backends[b], ins, c->nin, &out, 1);
        CHECK_MSG(!s && out && bj_array_dtype(out) == want, "%s (x64 %d, %s): %s", c->what, x64, backends[b],
                  s ? bj_last_error() : out ? bj_dtype_name(bj_array_dtype(out)) : "no output");
        for (int i = 0; !s && out && i < c->n; i++) {
            double v = elem(out, i), w = c->want[i];
            CHECK_MSG(test_close(v, w, want == BJ_F32 ? 1e-6 : 1e-12), "%s (x64 %d, %s)[%d] = %.17g, want %.17g",
                      c->what, x64, backends[b], i, v, w);
        }
        bj_array_release(out);
    }
    bj_graph_release(g);
    test_release_all(c->nin, ins);
}

static void test_x64_dtype_table(void) {
    for (int k = 0; k < NCASES; k++) check_case(k, false), check_case(k, true);
    reset_x64();
}

/* The value-level rules that need no run: weak literals and bj_promote (which stays trace-independent). */
static void test_x64_literals(void) {
    set_x64(true);
    bj_trace *t = bj_trace_new("lits");
    bj_val *f = bj_lit_f64(t, 0.5, true), *i = bj_lit_i64(t, 3, true), *big = bj_lit_i64(t, (int64_t)1 << 40, true);
    CHECK(bj_val_dtype(f) == BJ_F64 && bj_val_weak(f));
    CHECK(bj_val_dtype(i) == BJ_I64 && bj_val_weak(i));
    CHECK(bj_val_dtype(big) == BJ_I64 && bj_val_weak(big));
    /* strong literals do not depend on the setting */
    CHECK(bj_val_dtype(bj_lit_f64(t, 0.5, false)) == BJ_F64 && !bj_val_weak(bj_lit_f64(t, 0.5, false)));
    CHECK(bj_val_dtype(bj_lit_i64(t, 3, false)) == BJ_I64);
    /* a float32 value stays float32 against a weak float64, an int32 against a weak int64 */
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 0, NULL), *n = bj_trace_arg(t, "n", BJ_I32, 0, NULL);
    CHECK(bj_val_dtype(bj_mul(x, f)) == BJ_F32 && !bj_val_weak(bj_mul(x, f)));
    CHECK(bj_val_dtype(bj_add(n, i)) == BJ_I32);
    CHECK(bj_add(n, (long long)1 << 40) == NULL); /* does not fit in int32: an error, as without x64 */
    CHECK(bj_trace_status(t) == BJ_ERR_DTYPE);
    bj_trace_free(t);
    set_x64(false);
    t = bj_trace_new("lits32");
    CHECK(bj_val_dtype(bj_lit_f64(t, 0.5, true)) == BJ_F32);
    CHECK(bj_val_dtype(bj_lit_i64(t, 3, true)) == BJ_I32);
    CHECK(bj_val_dtype(bj_lit_i64(t, (int64_t)1 << 40, true)) == BJ_I64);
    bj_trace_free(t);
    bool w = false;
    CHECK(bj_promote(BJ_I32, false, BJ_F64, true, &w) == BJ_F64 && w);
    CHECK(bj_promote(BJ_F32, false, BJ_F64, true, &w) == BJ_F32 && !w);
    CHECK(bj_promote(BJ_BOOL, false, BJ_I64, true, &w) == BJ_I64 && w);
    reset_x64();
}

static void test_x64_config(void) {
    char buf[16];
    CHECK(bj_config_set("x64", "1") == BJ_OK);
    CHECK(bj_config_get("x64", buf, sizeof buf) == BJ_OK && !strcmp(buf, "1"));
    CHECK(bj_config_set("x64", "0") == BJ_OK);
    CHECK(bj_config_get("x64", buf, sizeof buf) == BJ_OK && !strcmp(buf, "0"));
    static const char *const bad[] = {"2", "yes", "true", "on", " 1", "1 ", "01", "-1"};
    for (int i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
        CHECK_MSG(bj_config_set("x64", bad[i]) == BJ_ERR_ARG, "x64 = '%s' accepted", bad[i]);
        CHECK_ERR_HAS("\"0\" or \"1\"");
    }
    CHECK(bj_config_get("x64", buf, sizeof buf) == BJ_OK && !strcmp(buf, "0")); /* unchanged by the refusals */
    CHECK(bj_config_set("x64", "1") == BJ_OK);
    CHECK(bj_config_set("nope", "1") == BJ_ERR_ARG);
    CHECK_ERR_HAS("x64"); /* listed among the known keys */
    reset_x64(); /* NULL: the environment's value (BJ_X64), "" when unset */
    CHECK(bj_config_get("x64", buf, sizeof buf) == BJ_OK);
    const char *env = getenv("BJ_X64");
    CHECK(!strcmp(buf, env && (!strcmp(env, "0") || !strcmp(env, "1")) ? env : ""));
}

/* x * 2.0 for an array x: the arguments' types are the same with x64 off and on, so only the setting in the
 * signature tells the two traces apart. */
static bj_status fn_double(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_mul(bj_param(t, 0), 2.0));
}

/* A dynamic C float s (weak float32, or weak float64 with x64), returned as it is and through exp. */
static bj_status fn_scalar(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *s = bj_param(t, 0);
    bj_val *ys[2] = {s, bj_exp(s)};
    return bj_return_n(t, ys, 2);
}

static void test_x64_jit_retrace(void) {
    bj_jit *f = bj_jit_new(fn_double, NULL, &(bj_jit_opts){.name = "double", .argnames = "x", .backend = "interp"});
    bj_array *x = test_arr(BJ_I32, 1, SH(3), V(1, 2, 3));
    bj_array *ys[2] = {NULL, NULL};
    bj_jit_stats st = {0};
    char why[256];
    for (int round = 0; round < 4; round++) {
        bool on = round & 1; /* off, on, off, on: the last two are served by the cache */
        set_x64(on);
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), ys, 1) == BJ_OK);
        bj_dtype fd = on ? BJ_F64 : BJ_F32;
        CHECK_MSG(ys[0] && bj_array_dtype(ys[0]) == fd, "round %d: x * 2.0 is %s", round,
                  ys[0] ? bj_dtype_name(bj_array_dtype(ys[0])) : "missing");
        CHECK(ys[0] && test_arr_eq(ys[0], fd, 1, SH(3), V(2, 4, 6), 0));
        bj_array_release(ys[0]), ys[0] = NULL;
        CHECK(bj_jit_stats_get(f, &st) == BJ_OK);
        CHECK_MSG(st.traces == (round < 2 ? round + 1 : 2), "round %d: %lld traces", round, (long long)st.traces);
        if (round == 1) {
            CHECK(bj_jit_last_miss(f, why, sizeof why) == BJ_OK);
            CHECK_MSG(strstr(why, "x64") != NULL, "miss explained as '%s'", why);
        }
    }
    CHECK(st.cache_hits == 2 && st.cache_misses == 2 && st.cache_size == 2);
    bj_jit_release(f);
    bj_array_release(x);
    /* dynamic C scalars become weak float32 / float64 arguments, on both backends */
    static const char *const backends[] = {"interp", "cpu"};
    for (int b = 0; b < 2; b++) {
        bj_jit *g = bj_jit_new(fn_scalar, NULL, &(bj_jit_opts){.name = "scalar", .argnames = "s", .backend = backends[b]});
        for (int on = 0; on < 2; on++) {
            set_x64(on);
            bj_dtype fd = on ? BJ_F64 : BJ_F32;
            CHECK(bj_jit_call(g, BJ_ARGS(bj_arg_f64(0.1)), ys, 2) == BJ_OK);
            CHECK_MSG(ys[0] && test_arr_eq(ys[0], fd, 0, NULL, V(on ? 0.1 : (double)0.1f), 0), "%s, x64 %d: s",
                      backends[b], on);
            CHECK_MSG(ys[1] && test_arr_eq(ys[1], fd, 0, NULL, V(1.1051709180756477), on ? 1e-15 : 1e-7),
                      "%s, x64 %d: exp(s)", backends[b], on);
            test_release_all(2, ys);
            ys[0] = ys[1] = NULL;
        }
        CHECK(bj_jit_stats_get(g, &st) == BJ_OK && st.traces == 2);
        bj_jit_release(g);
    }
    reset_x64();
}

/* A non-inlined callee traced from inside a caller's trace follows the caller's setting, even when the setting
 * changes while the caller is being traced. */
static bj_jit *inner_fn;
static bj_status fn_inner(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_exp(bj_param(t, 0)));
}
static bj_status fn_outer(bj_trace *t, void *ud) {
    bool *flip_to = ud;
    bj_config_set("x64", *flip_to ? "1" : "0");
    bj_val *r = NULL;
    bj_status s = bj_jit_call_traced(inner_fn, t, BJ_ARGS(bj_arg_f64(1.0)), &r, 1);
    if (s) return s;
    bj_val *ys[2] = {r, bj_mul(bj_param(t, 0), 0.5)};
    return bj_return_n(t, ys, 2);
}

static void test_x64_nested_follows_caller(void) {
    inner_fn = bj_jit_new(fn_inner, NULL, &(bj_jit_opts){.name = "inner", .argnames = "s"});
    for (int on = 0; on < 2; on++) {
        bool flip_to = !on;
        bj_jit *outer = bj_jit_new(fn_outer, &flip_to, &(bj_jit_opts){.name = "outer", .argnames = "x"});
        bj_array *x = test_arr(BJ_I32, 0, NULL, V(3));
        set_x64(on);
        bj_array *ys[2] = {NULL, NULL};
        CHECK(bj_jit_call(outer, BJ_ARGS(bj_arg_array(x)), ys, 2) == BJ_OK);
        bj_dtype fd = on ? BJ_F64 : BJ_F32;
        CHECK_MSG(ys[0] && bj_array_dtype(ys[0]) == fd, "x64 %d: inner exp(1.0) is %s", on,
                  ys[0] ? bj_dtype_name(bj_array_dtype(ys[0])) : "missing");
        CHECK(ys[1] && test_arr_eq(ys[1], fd, 0, NULL, V(1.5), 0));
        test_release_all(2, ys);
        bj_array_release(x);
        bj_jit_release(outer);
    }
    bj_jit_release(inner_fn);
    reset_x64();
}

/* The setting is read when a trace is made: flipping it midway leaves the trace's literals alone. */
static void test_x64_trace_keeps_setting(void) {
    set_x64(false);
    bj_trace *t32 = bj_trace_new("t32");
    set_x64(true);
    bj_trace *t64 = bj_trace_new("t64");
    set_x64(false);
    CHECK(bj_val_dtype(bj_lit_f64(t64, 1.0, true)) == BJ_F64);
    CHECK(bj_val_dtype(bj_exp(bj_trace_arg(t64, "i", BJ_I64, 0, NULL))) == BJ_F64);
    set_x64(true);
    CHECK(bj_val_dtype(bj_lit_f64(t32, 1.0, true)) == BJ_F32);
    CHECK(bj_val_dtype(bj_exp(bj_trace_arg(t32, "i", BJ_I64, 0, NULL))) == BJ_F32);
    bj_trace_free(t32);
    bj_trace_free(t64);
    reset_x64();
}

void tests_x64(void) {
    RUN(test_x64_config);
    RUN(test_x64_literals);
    RUN(test_x64_dtype_table);
    RUN(test_x64_trace_keeps_setting);
    RUN(test_x64_jit_retrace);
    RUN(test_x64_nested_follows_caller);
}
