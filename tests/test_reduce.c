/* test_reduce.c — reductions, argmax/argmin and scans through the interpreter: axes, dtypes, NaN, empty, wrap. */
#include "test.h"

#define AXES(...) ((const int[]){__VA_ARGS__})

/* [[1, 2, 3], [4, 5, 6]] in dtype d. */
static bj_array *m23(bj_dtype d) { return test_arr(d, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6)); }

static bj_array *vec(bj_dtype d, int64_t n, const double *v) { return test_arr(d, 1, &n, v); }

/* Runs op `name` through bj_op on the one input x (released here) and compares with the expectation. */
static bool red_near(const char *name, const bj_attrs *at, bj_array *x, bj_dtype d, int rank, const int64_t *shape,
                     const double *want, double tol) {
    bj_array *r = test_op(name, at, 1, &x);
    bool ok = test_arr_eq(r, d, rank, shape, want, tol);
    if (!ok) printf("    (op %s)\n", name);
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}
static bool red_is(const char *name, const bj_attrs *at, bj_array *x, bj_dtype d, int rank, const int64_t *shape,
                   const double *want) {
    return red_near(name, at, x, d, rank, shape, want, 0);
}

/* Runs op `name` on x (released here); true if it failed with a message containing sub. */
static bool red_fails(const char *name, const bj_attrs *at, bj_array *x, const char *sub) {
    bj_clear_error();
    bj_array *r = test_op(name, at, 1, &x);
    bool ok = !r && strstr(bj_last_error(), sub);
    if (!ok)
        printf("    op %s: wanted a failure with '%s', got %s ('%s')\n", name, sub, r ? "a result" : "NULL",
               bj_last_error());
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}

static const bj_attrs ALL = {0}, ALLK = {.keepdims = true};
static const bj_attrs A0 = {.naxes = 1, .axes = {0}}, A1 = {.naxes = 1, .axes = {1}}, A2 = {.naxes = 1, .axes = {2}};
static const bj_attrs A0K = {.naxes = 1, .axes = {0}, .keepdims = true},
                      AM1K = {.naxes = 1, .axes = {-1}, .keepdims = true};
static const bj_attrs A01 = {.naxes = 2, .axes = {0, 1}}, A10K = {.naxes = 2, .axes = {1, 0}, .keepdims = true};
static const bj_attrs A02 = {.naxes = 2, .axes = {0, 2}}, A02K = {.naxes = 2, .axes = {0, -1}, .keepdims = true};

/* ---------------------------------------------------------------- sum */
static void test_reduce_sum_axes(void) {
    CHECK(red_is("sum", &ALL, m23(BJ_F32), BJ_F32, 0, NULL, V(21)));
    CHECK(red_is("sum", &A0, m23(BJ_F32), BJ_F32, 1, SH(3), V(5, 7, 9)));
    CHECK(red_is("sum", &A1, m23(BJ_F32), BJ_F32, 1, SH(2), V(6, 15)));
    CHECK(red_is("sum", &AM1K, m23(BJ_F32), BJ_F32, 2, SH(2, 1), V(6, 15)));
    CHECK(red_is("sum", &A0K, m23(BJ_F32), BJ_F32, 2, SH(1, 3), V(5, 7, 9)));
    CHECK(red_is("sum", &A01, m23(BJ_F32), BJ_F32, 0, NULL, V(21)));
    CHECK(red_is("sum", &A10K, m23(BJ_F32), BJ_F32, 2, SH(1, 1), V(21)));
    CHECK(red_is("sum", &ALLK, m23(BJ_F32), BJ_F32, 2, SH(1, 1), V(21)));
    /* y = arange(24).reshape(2, 3, 4) */
    CHECK(red_is("sum", &A02, test_seq(BJ_F32, 3, SH(2, 3, 4)), BJ_F32, 1, SH(3), V(60, 92, 124)));
    CHECK(red_is("sum", &A02K, test_seq(BJ_I32, 3, SH(2, 3, 4)), BJ_I32, 3, SH(1, 3, 1), V(60, 92, 124)));
    CHECK(red_is("sum", &A1, test_seq(BJ_F64, 3, SH(2, 3, 4)), BJ_F64, 2, SH(2, 4), V(12, 15, 18, 21, 48, 51, 54, 57)));
    CHECK(red_is("sum", &A2, test_seq(BJ_I64, 3, SH(2, 3, 4)), BJ_I64, 2, SH(2, 3), V(6, 22, 38, 54, 70, 86)));
}

static void test_reduce_sum_dtypes(void) {
    CHECK(red_is("sum", &ALL, m23(BJ_I32), BJ_I32, 0, NULL, V(21)));
    CHECK(red_is("sum", &A0, m23(BJ_I64), BJ_I64, 1, SH(3), V(5, 7, 9)));
    CHECK(red_is("sum", &A1, m23(BJ_U32), BJ_U32, 1, SH(2), V(6, 15)));
    CHECK(red_is("sum", &ALL, m23(BJ_F64), BJ_F64, 0, NULL, V(21)));
    /* bool sums count as int32 */
    CHECK(red_is("sum", &ALL, test_arr(BJ_BOOL, 2, SH(2, 3), V(1, 0, 1, 1, 1, 0)), BJ_I32, 0, NULL, V(4)));
    CHECK(red_is("sum", &A0, test_arr(BJ_BOOL, 2, SH(2, 3), V(1, 0, 1, 1, 1, 0)), BJ_I32, 1, SH(3), V(2, 1, 1)));
    CHECK(red_is("sum", &ALL, vec(BJ_I64, 2, V(4e15, 5e15)), BJ_I64, 0, NULL, V(9e15)));
    CHECK(red_near("sum", &ALL, vec(BJ_F64, 3, V(0.1, 0.2, 0.3)), BJ_F64, 0, NULL, V(0.6), 1e-15));
    CHECK(red_is("sum", &ALL, vec(BJ_F32, 3, V(1, -INFINITY, 2)), BJ_F32, 0, NULL, V(-INFINITY)));
    CHECK(red_is("sum", &ALL, vec(BJ_F32, 3, V(1, NAN, 2)), BJ_F32, 0, NULL, V(NAN)));
}

static void test_reduce_sum_int_wrap(void) {
    CHECK(red_is("sum", &ALL, vec(BJ_I32, 2, V(2147483647.0, 1)), BJ_I32, 0, NULL, V(-2147483648.0)));
    CHECK(red_is("sum", &ALL, vec(BJ_I32, 3, V(-2147483648.0, -1, -2)), BJ_I32, 0, NULL, V(2147483645.0)));
    CHECK(red_is("sum", &ALL, vec(BJ_U32, 2, V(4294967295.0, 2)), BJ_U32, 0, NULL, V(1)));
    CHECK(red_is("sum", &A1, test_arr(BJ_I32, 2, SH(2, 2), V(2000000000, 2000000000, 5, 6)), BJ_I32, 1, SH(2),
                 V(-294967296.0, 11)));
}

static void test_reduce_sum_float32_accumulates_in_float32(void) {
    /* 1 + 2^24 rounds back to 2^24 in float32; float64 accumulation would give 2^24 + 2 */
    CHECK(red_is("sum", &ALL, vec(BJ_F32, 3, V(1, 16777216, 1)), BJ_F32, 0, NULL, V(16777216)));
    CHECK(red_is("sum", &A0, test_arr(BJ_F32, 2, SH(3, 1), V(1, 16777216, 1)), BJ_F32, 1, SH(1), V(16777216)));
    CHECK(red_is("sum", &ALL, vec(BJ_F64, 3, V(1, 16777216, 1)), BJ_F64, 0, NULL, V(16777218)));
}

static void test_reduce_sum_empty_scalar_rank8(void) {
    CHECK(red_is("sum", &ALL, test_arr(BJ_F32, 1, SH(0), NULL), BJ_F32, 0, NULL, V(0)));
    CHECK(red_is("sum", &ALL, test_arr(BJ_I32, 1, SH(0), NULL), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("sum", &ALL, test_arr(BJ_BOOL, 1, SH(0), NULL), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("sum", &A1, test_arr(BJ_F64, 2, SH(2, 0), NULL), BJ_F64, 1, SH(2), V(0, 0)));
    CHECK(red_is("sum", &A0, test_arr(BJ_F64, 2, SH(2, 0), NULL), BJ_F64, 1, SH(0), NULL));
    CHECK(red_is("sum", &ALLK, test_arr(BJ_U32, 2, SH(0, 3), NULL), BJ_U32, 2, SH(1, 1), V(0)));
    CHECK(red_is("sum", &ALL, test_scalar(BJ_F32, 2.5), BJ_F32, 0, NULL, V(2.5)));
    CHECK(red_is("sum", &ALLK, test_scalar(BJ_I32, -3), BJ_I32, 0, NULL, V(-3)));
    CHECK(red_is("sum", &ALL, test_seq(BJ_I32, 8, SH(2, 1, 2, 1, 2, 1, 2, 1)), BJ_I32, 0, NULL, V(120)));
    bj_attrs a06 = {.naxes = 2, .axes = {0, 6}, .keepdims = true};
    CHECK(red_is("sum", &a06, test_seq(BJ_F32, 8, SH(2, 1, 2, 1, 2, 1, 2, 1)), BJ_F32, 8, SH(1, 1, 2, 1, 2, 1, 1, 1),
                 V(18, 26, 34, 42)));
}

/* x = arange(16).reshape(2, 2, 2, 2) over the non-adjacent axes 1 and 3 */
static void test_reduce_noncontiguous_axes(void) {
    bj_attrs a13 = {.naxes = 2, .axes = {1, 3}}, a31k = {.naxes = 2, .axes = {-1, 1}, .keepdims = true};
    bj_attrs a02 = {.naxes = 2, .axes = {0, 2}};
    CHECK(red_is("sum", &a13, test_seq(BJ_I32, 4, SH(2, 2, 2, 2)), BJ_I32, 2, SH(2, 2), V(10, 18, 42, 50)));
    CHECK(red_is("sum", &a31k, test_seq(BJ_F32, 4, SH(2, 2, 2, 2)), BJ_F32, 4, SH(2, 1, 2, 1), V(10, 18, 42, 50)));
    CHECK(red_is("mean", &a13, test_seq(BJ_F64, 4, SH(2, 2, 2, 2)), BJ_F64, 2, SH(2, 2), V(2.5, 4.5, 10.5, 12.5)));
    CHECK(red_is("max", &a31k, test_seq(BJ_U32, 4, SH(2, 2, 2, 2)), BJ_U32, 4, SH(2, 1, 2, 1), V(5, 7, 13, 15)));
    CHECK(red_is("min", &a13, test_seq(BJ_I64, 4, SH(2, 2, 2, 2)), BJ_I64, 2, SH(2, 2), V(0, 2, 8, 10)));
    CHECK(red_is("prod", &a02, test_seq(BJ_F64, 4, SH(2, 2, 2, 2)), BJ_F64, 2, SH(2, 2), V(0, 297, 4032, 6825)));
    bj_attrs c0 = {.axis = 0};
    CHECK(red_is("cumsum", &c0, test_seq(BJ_I32, 3, SH(2, 3, 2)), BJ_I32, 3, SH(2, 3, 2),
                 V(0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16)));
}

/* ---------------------------------------------------------------- prod */
static void test_reduce_prod(void) {
    CHECK(red_is("prod", &ALL, m23(BJ_F32), BJ_F32, 0, NULL, V(720)));
    CHECK(red_is("prod", &A0, m23(BJ_F32), BJ_F32, 1, SH(3), V(4, 10, 18)));
    CHECK(red_is("prod", &AM1K, m23(BJ_I32), BJ_I32, 2, SH(2, 1), V(6, 120)));
    CHECK(red_is("prod", &A01, m23(BJ_I64), BJ_I64, 0, NULL, V(720)));
    CHECK(red_is("prod", &A1, m23(BJ_U32), BJ_U32, 1, SH(2), V(6, 120)));
    CHECK(red_is("prod", &ALL, vec(BJ_F64, 2, V(0.5, -4)), BJ_F64, 0, NULL, V(-2)));
    CHECK(red_is("prod", &ALL, vec(BJ_I64, 2, V(3e9, 3)), BJ_I64, 0, NULL, V(9e9)));
    CHECK(red_is("prod", &ALL, vec(BJ_F32, 2, V(NAN, 0)), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("prod", &A02, test_seq(BJ_F64, 3, SH(2, 3, 2)), BJ_F64, 1, SH(3), V(0, 2 * 3 * 8 * 9, 4 * 5 * 10 * 11)));
}

static void test_reduce_prod_bool_wrap_empty(void) {
    CHECK(red_is("prod", &ALL, vec(BJ_BOOL, 3, V(1, 1, 0)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("prod", &ALL, vec(BJ_BOOL, 2, V(1, 1)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("prod", &ALL, vec(BJ_I32, 2, V(65537, 65537)), BJ_I32, 0, NULL, V(131073)));
    CHECK(red_is("prod", &ALL, vec(BJ_I32, 2, V(65536, 65536)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("prod", &ALL, vec(BJ_U32, 2, V(65536, 65537)), BJ_U32, 0, NULL, V(65536)));
    CHECK(red_is("prod", &ALL, test_arr(BJ_F32, 1, SH(0), NULL), BJ_F32, 0, NULL, V(1)));
    CHECK(red_is("prod", &ALL, test_arr(BJ_I32, 1, SH(0), NULL), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("prod", &ALL, test_arr(BJ_BOOL, 1, SH(0), NULL), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("prod", &A1, test_arr(BJ_I64, 2, SH(2, 0), NULL), BJ_I64, 1, SH(2), V(1, 1)));
}

/* ---------------------------------------------------------------- mean */
static void test_reduce_mean(void) {
    CHECK(red_is("mean", &ALL, m23(BJ_F32), BJ_F32, 0, NULL, V(3.5)));
    CHECK(red_is("mean", &A0, m23(BJ_F32), BJ_F32, 1, SH(3), V(2.5, 3.5, 4.5)));
    CHECK(red_is("mean", &AM1K, m23(BJ_F64), BJ_F64, 2, SH(2, 1), V(2, 5)));
    CHECK(red_is("mean", &A10K, m23(BJ_F32), BJ_F32, 2, SH(1, 1), V(3.5)));
    CHECK(red_is("mean", &A02, test_seq(BJ_F32, 3, SH(2, 3, 4)), BJ_F32, 1, SH(3), V(7.5, 11.5, 15.5)));
    CHECK(red_near("mean", &ALL, vec(BJ_F64, 2, V(0.1, 0.2)), BJ_F64, 0, NULL, V(0.15), 1e-15));
    CHECK(red_near("mean", &ALL, vec(BJ_F32, 3, V(0.1, 0.2, 0.4)), BJ_F32, 0, NULL, V(0.7 / 3), 1e-6));
    CHECK(red_is("mean", &ALL, vec(BJ_F32, 3, V(1, NAN, 3)), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("mean", &ALL, test_scalar(BJ_F64, -1.25), BJ_F64, 0, NULL, V(-1.25)));
}

static void test_reduce_mean_ints_bool_empty(void) {
    /* integer and bool means are float32 */
    CHECK(red_is("mean", &ALL, vec(BJ_I32, 2, V(1, 2)), BJ_F32, 0, NULL, V(1.5)));
    CHECK(red_is("mean", &A1, m23(BJ_I64), BJ_F32, 1, SH(2), V(2, 5)));
    CHECK(red_is("mean", &A0, m23(BJ_U32), BJ_F32, 1, SH(3), V(2.5, 3.5, 4.5)));
    CHECK(red_is("mean", &ALL, vec(BJ_BOOL, 4, V(1, 0, 1, 1)), BJ_F32, 0, NULL, V(0.75)));
    /* no integer overflow on the way: the values are float32 first */
    CHECK(red_is("mean", &ALL, vec(BJ_I32, 2, V(2147483647.0, 2147483647.0)), BJ_F32, 0, NULL, V(2147483648.0)));
    CHECK(red_is("mean", &ALL, vec(BJ_U32, 2, V(4e9, 4e9)), BJ_F32, 0, NULL, V(4e9)));
    CHECK(red_is("mean", &ALL, vec(BJ_I32, 2, V(-3, 0)), BJ_F32, 0, NULL, V(-1.5)));
    /* the mean of nothing is NaN */
    CHECK(red_is("mean", &ALL, test_arr(BJ_F32, 1, SH(0), NULL), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("mean", &ALL, test_arr(BJ_I32, 1, SH(0), NULL), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("mean", &A1, test_arr(BJ_F64, 2, SH(2, 0), NULL), BJ_F64, 1, SH(2), V(NAN, NAN)));
    CHECK(red_is("mean", &A0K, test_arr(BJ_F32, 2, SH(0, 3), NULL), BJ_F32, 2, SH(1, 3), V(NAN, NAN, NAN)));
    CHECK(red_is("mean", &A1, test_arr(BJ_F32, 2, SH(0, 3), NULL), BJ_F32, 1, SH(0), NULL));
}

/* ---------------------------------------------------------------- max, min */
static void test_reduce_max_min(void) {
    bj_array *x = test_arr(BJ_F32, 2, SH(2, 3), V(3, -1, 8, 2, 9, -4));
    bj_array_retain(x), bj_array_retain(x), bj_array_retain(x), bj_array_retain(x), bj_array_retain(x);
    CHECK(red_is("max", &ALL, x, BJ_F32, 0, NULL, V(9)));
    CHECK(red_is("max", &A0, x, BJ_F32, 1, SH(3), V(3, 9, 8)));
    CHECK(red_is("max", &AM1K, x, BJ_F32, 2, SH(2, 1), V(8, 9)));
    CHECK(red_is("min", &ALL, x, BJ_F32, 0, NULL, V(-4)));
    CHECK(red_is("min", &A0K, x, BJ_F32, 2, SH(1, 3), V(2, -1, -4)));
    CHECK(red_is("min", &A1, x, BJ_F32, 1, SH(2), V(-1, -4)));
    CHECK(red_is("max", &A02, test_seq(BJ_F64, 3, SH(2, 3, 4)), BJ_F64, 1, SH(3), V(15, 19, 23)));
    CHECK(red_is("min", &A02K, test_seq(BJ_F64, 3, SH(2, 3, 4)), BJ_F64, 3, SH(1, 3, 1), V(0, 4, 8)));
    CHECK(red_is("max", &ALL, vec(BJ_F32, 2, V(-INFINITY, -1)), BJ_F32, 0, NULL, V(-1)));
    CHECK(red_is("min", &ALL, vec(BJ_F32, 2, V(-INFINITY, -1)), BJ_F32, 0, NULL, V(-INFINITY)));
    CHECK(red_is("max", &ALL, vec(BJ_F64, 2, V(-5, INFINITY)), BJ_F64, 0, NULL, V(INFINITY)));
    CHECK(red_is("max", &ALL, test_scalar(BJ_F32, 1.5), BJ_F32, 0, NULL, V(1.5)));
}

static void test_reduce_max_min_dtypes(void) {
    CHECK(red_is("max", &ALL, vec(BJ_I32, 3, V(-5, 3, -7)), BJ_I32, 0, NULL, V(3)));
    CHECK(red_is("min", &ALL, vec(BJ_I32, 3, V(-5, 3, -7)), BJ_I32, 0, NULL, V(-7)));
    CHECK(red_is("max", &ALL, vec(BJ_I32, 2, V(-2147483648.0, -2147483647.0)), BJ_I32, 0, NULL, V(-2147483647.0)));
    /* uint32 compares unsigned */
    CHECK(red_is("max", &ALL, vec(BJ_U32, 3, V(1, 4e9, 3e9)), BJ_U32, 0, NULL, V(4e9)));
    CHECK(red_is("min", &ALL, vec(BJ_U32, 3, V(3e9, 4e9, 1)), BJ_U32, 0, NULL, V(1)));
    CHECK(red_is("max", &ALL, vec(BJ_I64, 2, V(-1e15, 1e15)), BJ_I64, 0, NULL, V(1e15)));
    CHECK(red_is("min", &ALL, vec(BJ_I64, 2, V(-1e15, 1e15)), BJ_I64, 0, NULL, V(-1e15)));
    CHECK(red_is("max", &ALL, vec(BJ_BOOL, 3, V(0, 1, 0)), BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("min", &ALL, vec(BJ_BOOL, 3, V(1, 0, 1)), BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("min", &A1, test_arr(BJ_BOOL, 2, SH(2, 2), V(1, 1, 0, 1)), BJ_BOOL, 1, SH(2), V(1, 0)));
    CHECK(red_is("max", &A0, m23(BJ_U32), BJ_U32, 1, SH(3), V(4, 5, 6)));
}

static void test_reduce_max_min_nan(void) {
    CHECK(red_is("max", &ALL, vec(BJ_F32, 3, V(1, NAN, 3)), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("min", &ALL, vec(BJ_F32, 3, V(1, NAN, 3)), BJ_F32, 0, NULL, V(NAN)));
    CHECK(red_is("max", &ALL, vec(BJ_F64, 3, V(NAN, 5, 7)), BJ_F64, 0, NULL, V(NAN)));
    CHECK(red_is("min", &ALL, vec(BJ_F64, 3, V(5, 7, NAN)), BJ_F64, 0, NULL, V(NAN)));
    CHECK(red_is("max", &A1, test_arr(BJ_F32, 2, SH(2, 2), V(1, NAN, 3, 4)), BJ_F32, 1, SH(2), V(NAN, 4)));
    CHECK(red_is("min", &A0, test_arr(BJ_F32, 2, SH(2, 2), V(1, NAN, 3, 4)), BJ_F32, 1, SH(2), V(1, NAN)));
}

static void test_reduce_max_min_empty(void) {
    CHECK(red_fails("max", &ALL, test_arr(BJ_F32, 1, SH(0), NULL),
                    "max: axis 0 has size 0 and the reduction has no identity"));
    CHECK(red_fails("min", &A1, test_arr(BJ_I32, 2, SH(2, 0), NULL), "min: axis 1 has size 0"));
    CHECK(red_fails("min", &ALL, test_arr(BJ_I32, 2, SH(2, 0), NULL), "min: axis 1 has size 0"));
    /* the error comes while tracing, before anything runs */
    bj_trace *t = bj_trace_new("empty_max");
    bj_val *x = bj_trace_arg(t, "x", BJ_F64, 2, SH(3, 0));
    CHECK(bj_max(x, 1, AXES(-1), false) == NULL);
    CHECK(bj_trace_status(t) == BJ_ERR_SHAPE);
    CHECK(strstr(bj_trace_error(t), "max: axis 1 has size 0") != NULL);
    CHECK(bj_argmin(x, 1, true) == NULL); /* the trace stays failed */
    bj_trace_free(t);
    /* reducing a non-empty axis of an empty array is fine */
    CHECK(red_is("max", &A1, test_arr(BJ_F32, 2, SH(0, 3), NULL), BJ_F32, 1, SH(0), NULL));
    CHECK(red_is("min", &A0K, test_arr(BJ_F32, 2, SH(2, 0), NULL), BJ_F32, 2, SH(1, 0), NULL));
}

/* ---------------------------------------------------------------- any, all */
static void test_reduce_any_all(void) {
    bj_array *b = test_arr(BJ_BOOL, 2, SH(2, 3), V(1, 0, 1, 1, 1, 1));
    for (int i = 0; i < 7; i++) bj_array_retain(b);
    CHECK(red_is("any", &ALL, b, BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("all", &ALL, b, BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("all", &A1, b, BJ_BOOL, 1, SH(2), V(0, 1)));
    CHECK(red_is("all", &A0, b, BJ_BOOL, 1, SH(3), V(1, 0, 1)));
    CHECK(red_is("any", &A0, b, BJ_BOOL, 1, SH(3), V(1, 1, 1)));
    CHECK(red_is("all", &AM1K, b, BJ_BOOL, 2, SH(2, 1), V(0, 1)));
    CHECK(red_is("any", &ALLK, b, BJ_BOOL, 2, SH(1, 1), V(1)));
    CHECK(red_is("all", &A10K, b, BJ_BOOL, 2, SH(1, 1), V(0)));
    CHECK(red_is("any", &A1, test_arr(BJ_BOOL, 2, SH(2, 2), V(0, 0, 0, 1)), BJ_BOOL, 1, SH(2), V(0, 1)));
}

static void test_reduce_any_all_numeric_empty(void) {
    /* numbers count as nonzero; NaN is nonzero, -0.0 is zero */
    CHECK(red_is("any", &ALL, vec(BJ_F32, 2, V(0, -0.0)), BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("any", &ALL, vec(BJ_F32, 3, V(0, -0.0, NAN)), BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("all", &ALL, vec(BJ_F64, 2, V(0.5, NAN)), BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("all", &ALL, vec(BJ_F64, 2, V(0.5, -0.0)), BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("any", &ALL, vec(BJ_I32, 2, V(0, 0)), BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("all", &ALL, vec(BJ_U32, 2, V(4e9, 1)), BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("any", &A1, test_arr(BJ_I64, 2, SH(2, 2), V(0, 1e12, 0, 0)), BJ_BOOL, 1, SH(2), V(1, 0)));
    CHECK(red_is("all", &A0, test_arr(BJ_I64, 2, SH(2, 2), V(0, 1e12, 0, -3)), BJ_BOOL, 1, SH(2), V(0, 1)));
    /* of nothing: any is false, all is true */
    CHECK(red_is("any", &ALL, test_arr(BJ_BOOL, 1, SH(0), NULL), BJ_BOOL, 0, NULL, V(0)));
    CHECK(red_is("all", &ALL, test_arr(BJ_BOOL, 1, SH(0), NULL), BJ_BOOL, 0, NULL, V(1)));
    CHECK(red_is("any", &A1, test_arr(BJ_F32, 2, SH(2, 0), NULL), BJ_BOOL, 1, SH(2), V(0, 0)));
    CHECK(red_is("all", &A1, test_arr(BJ_I32, 2, SH(2, 0), NULL), BJ_BOOL, 1, SH(2), V(1, 1)));
    CHECK(red_is("all", &ALL, test_scalar(BJ_F32, 0), BJ_BOOL, 0, NULL, V(0)));
}

/* ---------------------------------------------------------------- argmax, argmin */
static void test_reduce_argmax_argmin(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, am1 = {.axis = -1}, a1k = {.axis = 1, .keepdims = true},
             a0k = {.axis = 0, .keepdims = true};
    bj_array *x = test_arr(BJ_F32, 2, SH(2, 3), V(1, 5, 5, 7, 0, 7));
    for (int i = 0; i < 6; i++) bj_array_retain(x);
    CHECK(red_is("argmax", &a1, x, BJ_I32, 1, SH(2), V(1, 0))); /* ties: the first */
    CHECK(red_is("argmax", &a0, x, BJ_I32, 1, SH(3), V(1, 0, 1)));
    CHECK(red_is("argmin", &am1, x, BJ_I32, 1, SH(2), V(0, 1)));
    CHECK(red_is("argmin", &a0, x, BJ_I32, 1, SH(3), V(0, 1, 0)));
    CHECK(red_is("argmax", &a1k, x, BJ_I32, 2, SH(2, 1), V(1, 0)));
    CHECK(red_is("argmin", &a0k, x, BJ_I32, 2, SH(1, 3), V(0, 1, 0)));
    CHECK(red_is("argmax", &am1, x, BJ_I32, 1, SH(2), V(1, 0)));
    CHECK(red_is("argmax", &a0, vec(BJ_F64, 3, V(3, 3, 3)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("argmin", &a0, vec(BJ_F64, 3, V(3, 3, 3)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("argmax", &a0k, vec(BJ_F32, 4, V(-1, -3, -0.5, -0.5)), BJ_I32, 1, SH(1), V(2)));
    CHECK(red_is("argmin", &a0, vec(BJ_F32, 1, V(4)), BJ_I32, 0, NULL, V(0)));
}

static void test_reduce_argmax_3d(void) {
    /* x = [[[3, 1], [4, 1], [5, 9]], [[2, 6], [5, 3], [5, 8]]] */
    bj_array *x = test_arr(BJ_I32, 3, SH(2, 3, 2), V(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8));
    for (int i = 0; i < 4; i++) bj_array_retain(x);
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, a2 = {.axis = 2}, am2k = {.axis = -2, .keepdims = true};
    CHECK(red_is("argmax", &a1, x, BJ_I32, 2, SH(2, 2), V(2, 2, 1, 2)));
    CHECK(red_is("argmin", &a1, x, BJ_I32, 2, SH(2, 2), V(0, 0, 0, 1)));
    CHECK(red_is("argmax", &a2, x, BJ_I32, 2, SH(2, 3), V(0, 0, 1, 1, 0, 1)));
    CHECK(red_is("argmax", &a0, x, BJ_I32, 2, SH(3, 2), V(0, 1, 1, 1, 0, 0)));
    CHECK(red_is("argmin", &am2k, x, BJ_I32, 3, SH(2, 1, 2), V(0, 0, 0, 1)));
}

static void test_reduce_argmax_nan_inf(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1};
    /* NaN counts as the extreme: the first NaN wins both */
    CHECK(red_is("argmax", &a0, vec(BJ_F32, 4, V(1, NAN, 7, NAN)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmin", &a0, vec(BJ_F32, 4, V(1, NAN, -7, NAN)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmax", &a0, vec(BJ_F64, 3, V(NAN, INFINITY, 2)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("argmin", &a0, vec(BJ_F64, 3, V(-INFINITY, 2, NAN)), BJ_I32, 0, NULL, V(2)));
    CHECK(red_is("argmax", &a1, test_arr(BJ_F32, 2, SH(2, 3), V(1, 2, NAN, 9, 3, 9)), BJ_I32, 1, SH(2), V(2, 0)));
    CHECK(red_is("argmin", &a0, test_arr(BJ_F32, 2, SH(2, 2), V(NAN, 5, 0, NAN)), BJ_I32, 1, SH(2), V(0, 1)));
    CHECK(red_is("argmin", &a0, vec(BJ_F32, 3, V(-INFINITY, -INFINITY, 2)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("argmax", &a0, vec(BJ_F32, 3, V(INFINITY, 2, INFINITY)), BJ_I32, 0, NULL, V(0)));
    CHECK(red_is("argmax", &a0, vec(BJ_F32, 3, V(-INFINITY, -INFINITY, -INFINITY)), BJ_I32, 0, NULL, V(0)));
}

static void test_reduce_argmax_dtypes(void) {
    bj_attrs a0 = {.axis = 0};
    CHECK(red_is("argmax", &a0, vec(BJ_U32, 3, V(1, 4e9, 3e9)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmin", &a0, vec(BJ_U32, 3, V(4e9, 1, 3e9)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmin", &a0, vec(BJ_I64, 3, V(5, -1e15, -1e15)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmax", &a0, vec(BJ_I64, 3, V(-1e15, 1e15, 5)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmax", &a0, vec(BJ_I32, 4, V(-9, -2, -2, -5)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmax", &a0, vec(BJ_BOOL, 3, V(0, 1, 1)), BJ_I32, 0, NULL, V(1)));
    CHECK(red_is("argmin", &a0, vec(BJ_BOOL, 3, V(1, 1, 0)), BJ_I32, 0, NULL, V(2)));
    CHECK(red_is("argmin", &a0, vec(BJ_BOOL, 2, V(1, 1)), BJ_I32, 0, NULL, V(0)));
    bj_attrs a1 = {.axis = 1};
    CHECK(red_is("argmax", &a1, test_arr(BJ_F32, 2, SH(0, 3), NULL), BJ_I32, 1, SH(0), NULL));
}

static void test_reduce_argmax_errors(void) {
    bj_attrs a0 = {.axis = 0}, a2 = {.axis = 2};
    CHECK(red_fails("argmax", &a0, test_arr(BJ_F32, 1, SH(0), NULL), "argmax: axis 0 has size 0"));
    CHECK(red_fails("argmin", &a0, test_arr(BJ_F32, 2, SH(0, 3), NULL), "argmin: axis 0 has size 0"));
    CHECK(red_fails("argmax", &a2, m23(BJ_F32), "argmax: axis 2 is out of range for rank 2"));
    CHECK(red_fails("argmin", &a0, test_scalar(BJ_F32, 1), "argmin: axis 0 is out of range for rank 0"));
}

/* ---------------------------------------------------------------- cumsum, cumprod */
static void test_reduce_cumsum_cumprod(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, am1 = {.axis = -1};
    CHECK(red_is("cumsum", &a0, m23(BJ_F32), BJ_F32, 2, SH(2, 3), V(1, 2, 3, 5, 7, 9)));
    CHECK(red_is("cumsum", &a1, m23(BJ_I32), BJ_I32, 2, SH(2, 3), V(1, 3, 6, 4, 9, 15)));
    CHECK(red_is("cumsum", &am1, m23(BJ_I64), BJ_I64, 2, SH(2, 3), V(1, 3, 6, 4, 9, 15)));
    CHECK(red_is("cumprod", &a1, m23(BJ_F64), BJ_F64, 2, SH(2, 3), V(1, 2, 6, 4, 20, 120)));
    CHECK(red_is("cumprod", &a0, m23(BJ_U32), BJ_U32, 2, SH(2, 3), V(1, 2, 3, 4, 10, 18)));
    /* y = arange(12).reshape(2, 3, 2) along the middle axis */
    CHECK(red_is("cumsum", &a1, test_seq(BJ_F32, 3, SH(2, 3, 2)), BJ_F32, 3, SH(2, 3, 2),
                 V(0, 1, 2, 4, 6, 9, 6, 7, 14, 16, 24, 27)));
    CHECK(red_is("cumprod", &a0, vec(BJ_F32, 4, V(2, 0.5, 0, 3)), BJ_F32, 1, SH(4), V(2, 1, 0, 0)));
    CHECK(red_is("cumsum", &a0, vec(BJ_F32, 3, V(1, NAN, 2)), BJ_F32, 1, SH(3), V(1, NAN, NAN)));
}

static void test_reduce_cumsum_bool_wrap_empty(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1};
    CHECK(red_is("cumsum", &a0, vec(BJ_BOOL, 4, V(1, 0, 1, 1)), BJ_I32, 1, SH(4), V(1, 1, 2, 3)));
    CHECK(red_is("cumprod", &a0, vec(BJ_BOOL, 4, V(1, 1, 0, 1)), BJ_I32, 1, SH(4), V(1, 1, 0, 0)));
    CHECK(red_is("cumsum", &a0, vec(BJ_I32, 3, V(2147483647.0, 1, 1)), BJ_I32, 1, SH(3),
                 V(2147483647.0, -2147483648.0, -2147483647.0)));
    CHECK(red_is("cumprod", &a0, vec(BJ_I32, 3, V(65536, 65536, 3)), BJ_I32, 1, SH(3), V(65536, 0, 0)));
    CHECK(red_is("cumsum", &a0, vec(BJ_U32, 2, V(4294967295.0, 1)), BJ_U32, 1, SH(2), V(4294967295.0, 0)));
    CHECK(red_is("cumsum", &a0, test_arr(BJ_F32, 1, SH(0), NULL), BJ_F32, 1, SH(0), NULL));
    CHECK(red_is("cumprod", &a1, test_arr(BJ_I32, 2, SH(2, 0), NULL), BJ_I32, 2, SH(2, 0), NULL));
    CHECK(red_is("cumsum", &a0, test_arr(BJ_BOOL, 2, SH(0, 2), NULL), BJ_I32, 2, SH(0, 2), NULL));
    CHECK(red_fails("cumsum", &a0, test_scalar(BJ_F32, 1), "cumsum: axis 0 is out of range for rank 0"));
    bj_attrs a2 = {.axis = 2};
    CHECK(red_fails("cumprod", &a2, m23(BJ_F32), "cumprod: axis 2 is out of range for rank 2"));
}

/* ---------------------------------------------------------------- errors and composed reductions */
static void test_reduce_axis_errors(void) {
    CHECK(red_fails("sum", &A2, m23(BJ_F32), "sum: axis 2 is out of range for rank 2"));
    bj_attrs am3 = {.naxes = 1, .axes = {-3}};
    CHECK(red_fails("mean", &am3, m23(BJ_F32), "mean: axis -3 is out of range for rank 2"));
    bj_attrs dup = {.naxes = 2, .axes = {0, -2}};
    CHECK(red_fails("prod", &dup, m23(BJ_F32), "prod: axis -2 is repeated"));
    bj_attrs many = {.naxes = 9};
    CHECK(red_fails("any", &many, m23(BJ_F32), "any: 9 axes given"));
    CHECK(red_fails("max", &A0, test_scalar(BJ_F32, 1), "max: axis 0 is out of range for rank 0"));
    CHECK(red_fails("all", &A2, m23(BJ_BOOL), "all: axis 2 is out of range for rank 2"));
}

/* sum(x - max(x, axis=1, keepdims), axis=1) and mean via the direct API. */
static bj_val *build_centered(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    bj_val *m = bj_max(args[0], 1, AXES(1), true);
    bj_val *c = bj_sub(args[0], m);
    return bj_sum(c, 1, AXES(-1), false);
}
static bj_val *build_reduce_chain(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud; /* cumsum of the row sums */
    bj_val *s = bj_sum(args[0], 1, AXES(1), false);
    return bj_cumsum(s, 0);
}
static bj_val *build_mean_of_bool(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud; /* fraction of positive entries per row */
    return bj_mean(bj_gt(args[0], 0.0), 1, AXES(1), false);
}

/* column means minus x: the reduced operand (rank 1) comes first and broadcasts against the rank-2 x */
static bj_val *build_column_centered(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_sub(bj_mean(args[0], 1, AXES(0), false), args[0]);
}
/* sum over axis 0 of a transposed operand: the row sums of x */
static bj_val *build_sum_of_transpose(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_sum(bj_transpose(args[0], NULL), 1, AXES(0), false);
}

static void test_reduce_composed(void) {
    bj_array *x = m23(BJ_F32), *r = test_eval(1, &x, build_centered, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(2), V(-3, -3), 0));
    bj_array_release(r);
    r = test_eval(1, &x, build_reduce_chain, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(2), V(6, 21), 0));
    bj_array_release(r), bj_array_release(x);
    x = test_arr(BJ_F32, 2, SH(2, 4), V(1, -1, 2, -2, 0, 0, 5, -0.5));
    r = test_eval(1, &x, build_mean_of_bool, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(2), V(0.5, 0.25), 0));
    bj_array_release(r), bj_array_release(x);
    x = m23(BJ_F32);
    r = test_eval(1, &x, build_column_centered, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 2, SH(2, 3), V(1.5, 1.5, 1.5, -1.5, -1.5, -1.5), 0));
    bj_array_release(r);
    r = test_eval(1, &x, build_sum_of_transpose, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(2), V(6, 15), 0));
    bj_array_release(r), bj_array_release(x);
}

void tests_reduce(void) {
    RUN(test_reduce_sum_axes);
    RUN(test_reduce_sum_dtypes);
    RUN(test_reduce_sum_int_wrap);
    RUN(test_reduce_sum_float32_accumulates_in_float32);
    RUN(test_reduce_sum_empty_scalar_rank8);
    RUN(test_reduce_noncontiguous_axes);
    RUN(test_reduce_prod);
    RUN(test_reduce_prod_bool_wrap_empty);
    RUN(test_reduce_mean);
    RUN(test_reduce_mean_ints_bool_empty);
    RUN(test_reduce_max_min);
    RUN(test_reduce_max_min_dtypes);
    RUN(test_reduce_max_min_nan);
    RUN(test_reduce_max_min_empty);
    RUN(test_reduce_any_all);
    RUN(test_reduce_any_all_numeric_empty);
    RUN(test_reduce_argmax_argmin);
    RUN(test_reduce_argmax_3d);
    RUN(test_reduce_argmax_nan_inf);
    RUN(test_reduce_argmax_dtypes);
    RUN(test_reduce_argmax_errors);
    RUN(test_reduce_cumsum_cumprod);
    RUN(test_reduce_cumsum_bool_wrap_empty);
    RUN(test_reduce_axis_errors);
    RUN(test_reduce_composed);
}
