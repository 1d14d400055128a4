/* test_unary.c — every elementwise unary op and astype through the interpreter: dtypes, edge values, rejections. */
#include "test.h"

#define I64S(...) ((const int64_t[]){__VA_ARGS__})
#define NV(a) ((int)(sizeof(a) / sizeof(double)))
#define NI(a) ((int)(sizeof(a) / sizeof(int64_t)))

#define T32 1e-6  /* float32 math */
#define T64 1e-12 /* float64 math */
#define INF INFINITY
#define PI 3.14159265358979323846
#define I32MIN (-2147483648.0)
#define I32MAX 2147483647.0
#define U32MAX 4294967295.0

/* Runs op `name` (attrs at) on the 1-d array of dtype d holding in[0..n) and compares with want (dtype rd). */
static bool un_(const char *name, const bj_attrs *at, bj_dtype d, int n, const double *in, bj_dtype rd, int nw,
                const double *want, double tol) {
    if (n != nw) {
        printf("    (test bug: %d inputs, %d expected values)\n", n, nw);
        return false;
    }
    int64_t s = n;
    bj_array *x = test_arr(d, 1, &s, in);
    bj_array *r = test_op(name, at, 1, &x);
    bool ok = test_arr_eq(r, rd, 1, &s, want, tol);
    if (!ok) printf("    (%s on %s)\n", name, bj_dtype_name(d));
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}
#define UN(name, d, IN, rd, W, tol) CHECK(un_(name, NULL, d, NV(IN), IN, rd, NV(W), W, tol))
#define CAST(d, IN, rd, W) CHECK(un_("astype", &(bj_attrs){.dtype = rd}, d, NV(IN), IN, rd, NV(W), W, 0))

/* The same with raw element bytes in and out (for int64 values a double cannot hold). */
static bool raw_(const char *name, const bj_attrs *at, bj_dtype d, int n, const void *in, bj_dtype rd,
                 const void *want) {
    int64_t s = n;
    bj_array *x = bj_array_new(d, 1, &s, in);
    bj_array *r = test_op(name, at, 1, &x);
    char label[96];
    snprintf(label, sizeof label, "%s on %s", name, bj_dtype_name(d));
    bool ok = test_bytes_eq(r, rd, n, want, label);
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}
/* int64 -> int64 */
#define RAW64(name, IN, W) CHECK(NI(IN) == NI(W) && raw_(name, NULL, BJ_I64, NI(IN), IN, BJ_I64, W))

/* One element, compared with a relative tolerance (for tiny results where test_close is absolute). */
static bool rel1(const char *name, bj_dtype d, double in, double want, double rtol) {
    bj_array *x = test_arr(d, 1, SH(1), &in);
    bj_array *r = test_op(name, NULL, 1, &x);
    double g = r && bj_array_size(r) == 1 ? bj_array_get(r, 0) : NAN;
    bool ok = r && bj_array_dtype(r) == d && fabs(g - want) <= rtol * fabs(want);
    if (!ok) printf("    %s(%.17g) on %s: got %.17g, want %.17g (rel %g)\n", name, in, bj_dtype_name(d), g, want, rtol);
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}

/* Tracing op `name` on a [2] operand of dtype d fails with BJ_ERR_DTYPE, naming the op and containing sub. */
static bool un_rejects(const char *name, bj_dtype d, const char *sub) {
    bj_trace *t = bj_trace_new("reject");
    bj_val *x = bj_trace_arg(t, "x", d, 1, SH(2));
    bj_val *y = bj_op(t, name, &x, 1, NULL);
    const char *e = bj_trace_error(t);
    bool ok = !y && bj_trace_status(t) == BJ_ERR_DTYPE && e && strstr(e, name) && strstr(e, sub);
    if (!ok) printf("    %s on %s: wanted a dtype error with '%s', got %s ('%s')\n", name, bj_dtype_name(d), sub,
                    y ? "a value" : "NULL", e ? e : "");
    bj_trace_free(t);
    return ok;
}

/* ---------------------------------------------------------------- neg abs sign square */
static void test_unary_neg(void) {
    UN("neg", BJ_F32, V(1, -2.5, 0, -0.0, INF, -INF, NAN), BJ_F32, V(-1, 2.5, -0.0, 0, -INF, INF, NAN), 0);
    UN("neg", BJ_F64, V(1e300, -1e-300, 0), BJ_F64, V(-1e300, 1e-300, -0.0), 0);
    UN("neg", BJ_I32, V(5, -7, 0, I32MAX, I32MIN), BJ_I32, V(-5, 7, 0, -I32MAX, I32MIN), 0); /* INT32_MIN wraps */
    UN("neg", BJ_U32, V(0, 1, U32MAX, 2147483648.0), BJ_U32, V(0, U32MAX, 1, 2147483648.0), 0);
    UN("neg", BJ_I64, V(5, -7, 0, 3e12), BJ_I64, V(-5, 7, 0, -3e12), 0);
    RAW64("neg", I64S(INT64_MIN, INT64_MAX, 1), I64S(INT64_MIN, -INT64_MAX, -1));
}

static void test_unary_abs(void) {
    UN("abs", BJ_F32, V(-3, 3, -0.0, -INF, NAN, 0), BJ_F32, V(3, 3, 0.0, INF, NAN, 0), 0);
    UN("abs", BJ_F64, V(-1e-300, 2.5, -INF), BJ_F64, V(1e-300, 2.5, INF), 0);
    UN("abs", BJ_I32, V(-5, 5, 0, I32MIN, -I32MAX), BJ_I32, V(5, 5, 0, I32MIN, I32MAX), 0);
    UN("abs", BJ_U32, V(0, U32MAX, 2147483648.0), BJ_U32, V(0, U32MAX, 2147483648.0), 0); /* never negative */
    UN("abs", BJ_I64, V(-4e12, 7), BJ_I64, V(4e12, 7), 0);
    RAW64("abs", I64S(INT64_MIN, -9, INT64_MAX), I64S(INT64_MIN, 9, INT64_MAX));
}

static void test_unary_sign(void) {
    UN("sign", BJ_F32, V(-2.5, 3, 0, -0.0, INF, -INF, NAN, 1e-30), BJ_F32, V(-1, 1, 0, -0.0, 1, -1, NAN, 1), 0);
    UN("sign", BJ_F64, V(-1e-300, 0, -0.0, NAN, 7), BJ_F64, V(-1, 0, -0.0, NAN, 1), 0);
    UN("sign", BJ_I32, V(-7, 0, 9, I32MIN, I32MAX), BJ_I32, V(-1, 0, 1, -1, 1), 0);
    UN("sign", BJ_U32, V(0, 1, U32MAX), BJ_U32, V(0, 1, 1), 0);
    UN("sign", BJ_I64, V(-5e12, 0, 5e12), BJ_I64, V(-1, 0, 1), 0);
    RAW64("sign", I64S(INT64_MIN, INT64_MAX), I64S(-1, 1));
}

static void test_unary_square(void) {
    UN("square", BJ_F32, V(-3, 1.5, -0.0, -INF, NAN, 1e20), BJ_F32, V(9, 2.25, 0, INF, NAN, INF), 0);
    UN("square", BJ_F64, V(1e20, -0.5), BJ_F64, V(1e40, 0.25), 1e-15);
    /* ints wrap: 65536^2 = 2^32, 46341^2 = 2147488281, INT32_MIN^2 = 2^62 */
    UN("square", BJ_I32, V(-3, 65536, 46341, I32MIN, 0), BJ_I32, V(9, 0, -2147479015.0, 0, 0), 0);
    UN("square", BJ_U32, V(65535, 65536, U32MAX, 3), BJ_U32, V(4294836225.0, 0, 1, 9), 0);
    UN("square", BJ_I64, V(-3, 3e6), BJ_I64, V(9, 9e12), 0);
    RAW64("square", I64S(3037000500, 4294967296, INT64_MIN), I64S(-9223372036709301616, 0, 0));
}

/* ---------------------------------------------------------------- float math: literal known values */
static void test_unary_exp(void) {
    UN("exp", BJ_F32, V(0, 1, -1, 1.5, INF, -INF, NAN, 100, -0.0), BJ_F32,
       V(1, 2.718281828459045, 0.36787944117144233, 4.4816890703380645, INF, 0, NAN, INF, 1), T32);
    UN("exp", BJ_F64, V(1, 100, 710, -1000), BJ_F64, V(2.718281828459045, 2.6881171418161356e43, INF, 0), T64);
    UN("exp", BJ_I32, V(0, 1), BJ_F32, V(1, 2.718281828459045), T32);
    UN("exp", BJ_BOOL, V(0, 1), BJ_F32, V(1, 2.718281828459045), T32);
}

static void test_unary_exp2(void) {
    UN("exp2", BJ_F32, V(0, 3, -1, 0.5, -INF, INF, 10, 128), BJ_F32,
       V(1, 8, 0.5, 1.4142135623730951, 0, INF, 1024, INF), T32); /* 2^128 overflows float32 */
    UN("exp2", BJ_F64, V(128, 0.5, -1), BJ_F64, V(3.402823669209385e38, 1.4142135623730951, 0.5), T64);
    UN("exp2", BJ_I64, V(3, -2), BJ_F32, V(8, 0.25), T32);
}

static void test_unary_expm1(void) {
    UN("expm1", BJ_F32, V(0, -0.0, 1, -INF, INF, NAN), BJ_F32, V(0, -0.0, 1.718281828459045, -1, INF, NAN), T32);
    UN("expm1", BJ_F64, V(1, -INF), BJ_F64, V(1.718281828459045, -1), T64);
    UN("expm1", BJ_U32, V(0, 1), BJ_F32, V(0, 1.718281828459045), T32);
    /* accurate near 0, where exp(x) - 1 is not */
    CHECK(rel1("expm1", BJ_F64, 1e-10, 1.00000000005e-10, 1e-12));
    CHECK(rel1("expm1", BJ_F32, 1e-5, expm1((double)1e-5f), 1e-5));
}

static void test_unary_log(void) {
    UN("log", BJ_F32, V(1, 0, -1, INF, -0.0, 8, NAN), BJ_F32, V(0, -INF, NAN, INF, -INF, 2.0794415416798357, NAN), T32);
    UN("log", BJ_F64, V(2.718281828459045, 1e-300, 1), BJ_F64, V(1, -690.7755278982137, 0), T64);
    UN("log", BJ_I32, V(1, 8, 0), BJ_F32, V(0, 2.0794415416798357, -INF), T32);
}

static void test_unary_log1p(void) {
    UN("log1p", BJ_F32, V(0, -1, -2, INF, -0.0, 1), BJ_F32, V(0, -INF, NAN, INF, -0.0, 0.6931471805599453), T32);
    UN("log1p", BJ_F64, V(1, -1), BJ_F64, V(0.6931471805599453, -INF), T64);
    UN("log1p", BJ_BOOL, V(0, 1), BJ_F32, V(0, 0.6931471805599453), T32);
    CHECK(rel1("log1p", BJ_F64, 1e-10, 9.999999999500001e-11, 1e-12));
    CHECK(rel1("log1p", BJ_F32, 1e-5, log1p((double)1e-5f), 1e-5));
}

static void test_unary_log2(void) {
    UN("log2", BJ_F32, V(1, 8, 0.5, 0, -1, 1024, 3), BJ_F32, V(0, 3, -1, -INF, NAN, 10, 1.584962500721156), T32);
    UN("log2", BJ_F64, V(1e300, 0x1p-1000), BJ_F64, V(996.5784284662087, -1000), T64);
    UN("log2", BJ_I64, V(1024, 1), BJ_F32, V(10, 0), T32);
}

static void test_unary_sqrt(void) {
    UN("sqrt", BJ_F32, V(4, 0, -0.0, -1, INF, 2, 0.25, NAN), BJ_F32, V(2, 0, -0.0, NAN, INF, 1.4142135623730951, 0.5, NAN),
       T32);
    UN("sqrt", BJ_F64, V(1e300, 2, -INF), BJ_F64, V(1e150, 1.4142135623730951, NAN), 1e-15);
    UN("sqrt", BJ_I32, V(4, 9, -1), BJ_F32, V(2, 3, NAN), T32);
}

static void test_unary_rsqrt(void) {
    UN("rsqrt", BJ_F32, V(4, 0.25, 0, INF, -1, 2, -0.0), BJ_F32, V(0.5, 2, INF, 0, NAN, 0.7071067811865476, -INF), T32);
    UN("rsqrt", BJ_F64, V(1e-300, 16), BJ_F64, V(1e150, 0.25), T64);
    UN("rsqrt", BJ_U32, V(4, 0), BJ_F32, V(0.5, INF), T32);
}

static void test_unary_reciprocal(void) {
    UN("reciprocal", BJ_F32, V(2, -4, 0, -0.0, INF, -INF, NAN, 3), BJ_F32,
       V(0.5, -0.25, INF, -INF, 0, -0.0, NAN, 0.3333333432674408), T32);
    UN("reciprocal", BJ_F64, V(3, 0.1), BJ_F64, V(1.0 / 3, 10), 1e-15);
    UN("reciprocal", BJ_I32, V(2, 0, -4), BJ_F32, V(0.5, INF, -0.25), 0); /* not integer division */
    UN("reciprocal", BJ_BOOL, V(1, 0), BJ_F32, V(1, INF), 0);
}

static void test_unary_sin(void) {
    UN("sin", BJ_F32, V(0, -0.0, PI / 2, PI / 6, INF, NAN, -PI / 2), BJ_F32, V(0, -0.0, 1, 0.5, NAN, NAN, -1), T32);
    UN("sin", BJ_F64, V(PI / 6, 1, PI), BJ_F64, V(0.5, 0.8414709848078965, 0), T64);
    UN("sin", BJ_I32, V(0, 1), BJ_F32, V(0, 0.8414709848078965), T32);
}

static void test_unary_cos(void) {
    UN("cos", BJ_F32, V(0, PI, INF, PI / 3, -0.0), BJ_F32, V(1, -1, NAN, 0.5, 1), T32);
    UN("cos", BJ_F64, V(1, PI, PI / 2), BJ_F64, V(0.5403023058681398, -1, 0), T64);
    UN("cos", BJ_I64, V(0, 1), BJ_F32, V(1, 0.5403023058681398), T32);
}

static void test_unary_tan(void) {
    UN("tan", BJ_F32, V(0, PI / 4, -0.0, -PI / 4, INF), BJ_F32, V(0, 1, -0.0, -1, NAN), T32);
    UN("tan", BJ_F64, V(1, PI / 4), BJ_F64, V(1.5574077246549023, 1), T64);
    UN("tan", BJ_U32, V(0, 1), BJ_F32, V(0, 1.5574077246549023), T32);
}

static void test_unary_tanh(void) {
    UN("tanh", BJ_F32, V(0, INF, -INF, 1, -0.0, 20, -20, NAN), BJ_F32, V(0, 1, -1, 0.7615941559557649, -0.0, 1, -1, NAN),
       T32);
    UN("tanh", BJ_F64, V(0.5, -INF), BJ_F64, V(0.46211715726000974, -1), T64);
    UN("tanh", BJ_BOOL, V(1, 0), BJ_F32, V(0.7615941559557649, 0), T32);
}

static void test_unary_sinh(void) {
    UN("sinh", BJ_F32, V(0, 1, -1, INF, -INF, -0.0), BJ_F32,
       V(0, 1.1752011936438014, -1.1752011936438014, INF, -INF, -0.0), T32);
    UN("sinh", BJ_F64, V(2, 1000), BJ_F64, V(3.626860407847019, INF), T64);
    UN("sinh", BJ_I32, V(-1, 0), BJ_F32, V(-1.1752011936438014, 0), T32);
}

static void test_unary_cosh(void) {
    UN("cosh", BJ_F32, V(0, 1, -1, INF, -INF, NAN), BJ_F32, V(1, 1.5430806348152437, 1.5430806348152437, INF, INF, NAN),
       T32);
    UN("cosh", BJ_F64, V(2, -0.0), BJ_F64, V(3.7621956910836314, 1), T64);
    UN("cosh", BJ_I64, V(0, 2), BJ_F32, V(1, 3.7621956910836314), T32);
}

static void test_unary_arcsin(void) {
    UN("arcsin", BJ_F32, V(0, 1, -1, 0.5, 2, -0.0, NAN), BJ_F32, V(0, PI / 2, -PI / 2, PI / 6, NAN, -0.0, NAN), T32);
    UN("arcsin", BJ_F64, V(0.5, -2), BJ_F64, V(0.5235987755982989, NAN), T64);
    UN("arcsin", BJ_I32, V(1, 0, 2), BJ_F32, V(PI / 2, 0, NAN), T32);
}

static void test_unary_arccos(void) {
    UN("arccos", BJ_F32, V(1, -1, 0, 0.5, 1.5, -1.5), BJ_F32, V(0, PI, PI / 2, PI / 3, NAN, NAN), T32);
    UN("arccos", BJ_F64, V(-0.5, 1), BJ_F64, V(2.0943951023931957, 0), T64);
    UN("arccos", BJ_BOOL, V(1, 0), BJ_F32, V(0, PI / 2), T32);
}

static void test_unary_arctan(void) {
    UN("arctan", BJ_F32, V(0, 1, INF, -INF, -0.0, -1, NAN), BJ_F32, V(0, PI / 4, PI / 2, -PI / 2, -0.0, -PI / 4, NAN),
       T32);
    UN("arctan", BJ_F64, V(1e300, 1), BJ_F64, V(PI / 2, PI / 4), T64);
    UN("arctan", BJ_U32, V(1, 0), BJ_F32, V(PI / 4, 0), T32);
}

static void test_unary_sigmoid(void) {
    UN("sigmoid", BJ_F32, V(0, INF, -INF, 1, -1, NAN, 100, -100, 20), BJ_F32,
       V(0.5, 1, 0, 0.7310585786300049, 0.2689414213699951, NAN, 1, 3.7200759760208356e-44, 0.9999999979388463), T32);
    UN("sigmoid", BJ_F64, V(0, 2, -800, 800), BJ_F64, V(0.5, 0.8807970779778823, 0, 1), T64);
    UN("sigmoid", BJ_I32, V(0, 1), BJ_F32, V(0.5, 0.7310585786300049), T32);
}

/* ---------------------------------------------------------------- float math: against libm, every dtype */
static float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }
static double sigmoid_(double x) { return 1.0 / (1.0 + exp(-x)); }
static float rsqrtf_(float x) { return 1.0f / sqrtf(x); }
static double rsqrt_(double x) { return 1.0 / sqrt(x); }
static float recipf_(float x) { return 1.0f / x; }
static double recip_(double x) { return 1.0 / x; }

static const struct fmath {
    const char *name;
    float (*f)(float);
    double (*d)(double);
} FMATH[] = {
    {"exp", expf, exp},       {"exp2", exp2f, exp2},   {"expm1", expm1f, expm1},   {"log", logf, log},
    {"log1p", log1pf, log1p}, {"log2", log2f, log2},   {"sqrt", sqrtf, sqrt},      {"rsqrt", rsqrtf_, rsqrt_},
    {"reciprocal", recipf_, recip_}, {"sin", sinf, sin}, {"cos", cosf, cos},       {"tan", tanf, tan},
    {"tanh", tanhf, tanh},    {"sinh", sinhf, sinh},   {"cosh", coshf, cosh},      {"arcsin", asinf, asin},
    {"arccos", acosf, acos},  {"arctan", atanf, atan}, {"sigmoid", sigmoidf_, sigmoid_},
};
#define NFMATH ((int)(sizeof FMATH / sizeof *FMATH))

/* in (n <= 8) through every float math op, dtype d; expected from libm in float32 (or float64 for f64 input). */
static void fmath_all(bj_dtype d, int n, const double *in) {
    for (int k = 0; k < NFMATH; k++) {
        double want[8];
        bj_dtype rd = d == BJ_F64 ? BJ_F64 : BJ_F32;
        for (int i = 0; i < n; i++) want[i] = d == BJ_F64 ? FMATH[k].d(in[i]) : (double)FMATH[k].f((float)in[i]);
        CHECK_MSG(un_(FMATH[k].name, NULL, d, n, in, rd, n, want, d == BJ_F64 ? T64 : T32), "%s on %s",
                  FMATH[k].name, bj_dtype_name(d));
    }
}

static void test_unary_float_math_f32(void) { fmath_all(BJ_F32, 6, V(0.25, 0.5, -0.75, 3, 1.5, -2)); }
static void test_unary_float_math_f64(void) { fmath_all(BJ_F64, 6, V(0.25, 0.5, -0.75, 3, 1.5, -2)); }
static void test_unary_float_math_ints(void) {
    fmath_all(BJ_I32, 4, V(1, 2, 0, -3));
    fmath_all(BJ_I64, 4, V(1, 2, 0, -3));
    fmath_all(BJ_U32, 3, V(1, 2, 0));
    fmath_all(BJ_BOOL, 2, V(0, 1));
}

/* ---------------------------------------------------------------- rounding */
static void test_unary_floor(void) {
    UN("floor", BJ_F32, V(1.5, -1.5, -0.5, 2, -0.0, INF, -INF, NAN, 0.5, 16777215), BJ_F32,
       V(1, -2, -1, 2, -0.0, INF, -INF, NAN, 0, 16777215), 0);
    UN("floor", BJ_F64, V(4503599627370495.5, -1e-300, 0.999), BJ_F64, V(4503599627370495.0, -1, 0), 0);
}

static void test_unary_ceil(void) {
    UN("ceil", BJ_F32, V(1.5, -1.5, -0.5, 2, 0.2, INF, NAN, -0.0), BJ_F32, V(2, -1, -0.0, 2, 1, INF, NAN, -0.0), 0);
    UN("ceil", BJ_F64, V(-0.999, 1e-300, -INF), BJ_F64, V(-0.0, 1, -INF), 0);
}

static void test_unary_round_half_even(void) {
    UN("round", BJ_F32, V(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.4999, 2.6, -0.0, INF, NAN, -0.4, 8388609), BJ_F32,
       V(0, 2, 2, -0.0, -2, -2, 4, 0, 3, -0.0, INF, NAN, -0.0, 8388609), 0);
    /* 0.49999999999999994 + 0.5 rounds up to 1 in double: a floor(x + 0.5) rounding gets it wrong */
    UN("round", BJ_F64, V(4.5, 5.5, -4.5, 0.49999999999999994, 4503599627370497.0, -INF), BJ_F64,
       V(4, 6, -4, 0, 4503599627370497.0, -INF), 0);
}

static void test_unary_trunc(void) {
    UN("trunc", BJ_F32, V(1.7, -1.7, -0.5, 0.5, INF, NAN, -0.0), BJ_F32, V(1, -1, -0.0, 0, INF, NAN, -0.0), 0);
    UN("trunc", BJ_F64, V(-2.9999, 1e300), BJ_F64, V(-2, 1e300), 0);
}

/* floor/ceil/round/trunc of ints: the identity, in the same dtype (no round trip through float) */
static void test_unary_rounding_ints_identity(void) {
    static const char *const ops[] = {"floor", "ceil", "round", "trunc"};
    for (int k = 0; k < 4; k++) {
        UN(ops[k], BJ_I32, V(-3, 7, I32MIN, I32MAX), BJ_I32, V(-3, 7, I32MIN, I32MAX), 0);
        UN(ops[k], BJ_U32, V(U32MAX, 0, 16777217), BJ_U32, V(U32MAX, 0, 16777217), 0);
        UN(ops[k], BJ_I64, V(-5, 9), BJ_I64, V(-5, 9), 0);
        RAW64(ops[k], I64S(9007199254740993, INT64_MIN, INT64_MAX), I64S(9007199254740993, INT64_MIN, INT64_MAX));
    }
}

/* ---------------------------------------------------------------- predicates */
static void test_unary_isnan(void) {
    UN("isnan", BJ_F32, V(NAN, INF, -INF, 0, -1.5, 3.4e38, -NAN), BJ_BOOL, V(1, 0, 0, 0, 0, 0, 1), 0);
    UN("isnan", BJ_F64, V(NAN, 1e308, -INF), BJ_BOOL, V(1, 0, 0), 0);
    UN("isnan", BJ_I32, V(0, I32MIN), BJ_BOOL, V(0, 0), 0);
    UN("isnan", BJ_I64, V(0, -1), BJ_BOOL, V(0, 0), 0);
    UN("isnan", BJ_U32, V(0, U32MAX), BJ_BOOL, V(0, 0), 0);
    UN("isnan", BJ_BOOL, V(1, 0), BJ_BOOL, V(0, 0), 0);
}

static void test_unary_isinf(void) {
    UN("isinf", BJ_F32, V(NAN, INF, -INF, 0, -1.5, 3.4e38), BJ_BOOL, V(0, 1, 1, 0, 0, 0), 0);
    UN("isinf", BJ_F64, V(NAN, 1e308, -INF), BJ_BOOL, V(0, 0, 1), 0);
    UN("isinf", BJ_I32, V(I32MAX, I32MIN), BJ_BOOL, V(0, 0), 0);
    UN("isinf", BJ_I64, V(0, -1), BJ_BOOL, V(0, 0), 0);
    UN("isinf", BJ_U32, V(0, U32MAX), BJ_BOOL, V(0, 0), 0);
    UN("isinf", BJ_BOOL, V(1, 0), BJ_BOOL, V(0, 0), 0);
}

static void test_unary_isfinite(void) {
    UN("isfinite", BJ_F32, V(NAN, INF, -INF, 0, -1.5, 3.4e38), BJ_BOOL, V(0, 0, 0, 1, 1, 1), 0);
    UN("isfinite", BJ_F64, V(NAN, 1e308, INF), BJ_BOOL, V(0, 1, 0), 0);
    UN("isfinite", BJ_I32, V(0, I32MIN), BJ_BOOL, V(1, 1), 0);
    UN("isfinite", BJ_I64, V(0, -1), BJ_BOOL, V(1, 1), 0);
    UN("isfinite", BJ_U32, V(0, U32MAX), BJ_BOOL, V(1, 1), 0);
    UN("isfinite", BJ_BOOL, V(1, 0), BJ_BOOL, V(1, 1), 0);
}

static void test_unary_logical_not(void) {
    UN("logical_not", BJ_F32, V(0, -0.0, NAN, 2, -INF, 1e-30), BJ_BOOL, V(1, 1, 0, 0, 0, 0), 0);
    UN("logical_not", BJ_F64, V(0, 1e-300), BJ_BOOL, V(1, 0), 0);
    UN("logical_not", BJ_I32, V(0, 5, -1, I32MIN), BJ_BOOL, V(1, 0, 0, 0), 0);
    UN("logical_not", BJ_U32, V(0, U32MAX), BJ_BOOL, V(1, 0), 0);
    UN("logical_not", BJ_I64, V(0, -3), BJ_BOOL, V(1, 0), 0);
    /* 2^40 has zero low 32 bits: it is still true */
    CHECK(raw_("logical_not", NULL, BJ_I64, 2, I64S((int64_t)1 << 40, 0), BJ_BOOL, (const bool[]){false, true}));
    UN("logical_not", BJ_BOOL, V(0, 1), BJ_BOOL, V(1, 0), 0);
}

static void test_unary_bitwise_not(void) {
    UN("bitwise_not", BJ_I32, V(0, 5, -1, I32MIN, I32MAX), BJ_I32, V(-1, -6, 0, I32MAX, I32MIN), 0);
    UN("bitwise_not", BJ_U32, V(0, U32MAX, 1), BJ_U32, V(U32MAX, 0, 4294967294.0), 0);
    UN("bitwise_not", BJ_I64, V(0, 5), BJ_I64, V(-1, -6), 0);
    RAW64("bitwise_not", I64S(0, INT64_MIN, (int64_t)1 << 40), I64S(-1, INT64_MAX, ~((int64_t)1 << 40)));
    UN("bitwise_not", BJ_BOOL, V(0, 1), BJ_BOOL, V(1, 0), 0); /* logical for bool, not ~1 */
}

/* ---------------------------------------------------------------- rejections */
static void test_unary_bool_rejected(void) {
    static const char *const ops[] = {"neg", "abs", "sign", "square", "floor", "ceil", "round", "trunc"};
    for (int k = 0; k < 8; k++) CHECK(un_rejects(ops[k], BJ_BOOL, "bool"));
    /* through the C entry points too */
    bj_trace *t = bj_trace_new("rej");
    bj_val *b = bj_trace_arg(t, "b", BJ_BOOL, 0, NULL);
    CHECK(bj_neg(b) == NULL && bj_trace_status(t) == BJ_ERR_DTYPE);
    CHECK(strstr(bj_trace_error(t), "neg") != NULL);
    bj_trace_free(t);
}

static void test_unary_float_rejected_bitwise_not(void) {
    CHECK(un_rejects("bitwise_not", BJ_F32, "f32[2]"));
    CHECK(un_rejects("bitwise_not", BJ_F64, "f64[2]"));
}

/* Float math promotes; the others keep every int dtype (neither is an error). */
static void test_unary_accepts(void) {
    bj_trace *t = bj_trace_new("acc");
    bj_val *x[4] = {bj_trace_arg(t, "b", BJ_BOOL, 0, NULL), bj_trace_arg(t, "i", BJ_I32, 0, NULL),
                    bj_trace_arg(t, "l", BJ_I64, 0, NULL), bj_trace_arg(t, "u", BJ_U32, 0, NULL)};
    for (int k = 0; k < NFMATH; k++)
        for (int j = 0; j < 4; j++) {
            bj_val *y = bj_op(t, FMATH[k].name, &x[j], 1, NULL);
            CHECK_MSG(y && bj_val_dtype(y) == BJ_F32, "%s(%s)", FMATH[k].name, bj_dtype_name(bj_val_dtype(x[j])));
        }
    static const char *const keep[] = {"neg", "abs", "sign", "square", "floor", "ceil", "round", "trunc", "bitwise_not"};
    for (int k = 0; k < 9; k++)
        for (int j = 1; j < 4; j++) {
            bj_val *y = bj_op(t, keep[k], &x[j], 1, NULL);
            CHECK_MSG(y && bj_val_dtype(y) == bj_val_dtype(x[j]), "%s(%s)", keep[k], bj_dtype_name(bj_val_dtype(x[j])));
        }
    CHECK(bj_trace_status(t) == BJ_OK);
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- shapes */
static void test_unary_shapes(void) {
    bj_array *x = test_arr(BJ_F32, 2, SH(2, 3), V(1, -2, 3, -4, 5, -6));
    bj_array *r = test_op("neg", NULL, 1, &x);
    CHECK(test_arr_eq(r, BJ_F32, 2, SH(2, 3), V(-1, 2, -3, 4, -5, 6), 0));
    bj_array_release(r);
    bj_array_release(x);

    x = test_arr(BJ_I32, 0, NULL, V(0));
    r = test_op("exp", NULL, 1, &x);
    CHECK(test_arr_eq(r, BJ_F32, 0, NULL, V(1), 0));
    bj_array_release(r);
    bj_array_release(x);

    x = test_arr(BJ_F32, 1, SH(0), V(0));
    r = test_op("sqrt", NULL, 1, &x);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(0), V(0), 0));
    bj_array_release(r);
    bj_array_release(x);

    x = test_arr(BJ_F64, 3, SH(2, 0, 3), V(0));
    r = test_op("isnan", NULL, 1, &x);
    CHECK(test_arr_eq(r, BJ_BOOL, 3, SH(2, 0, 3), V(0), 0));
    bj_array_release(r);
    bj_array_release(x);

    x = test_arr(BJ_U32, 3, SH(1, 2, 1), V(0, 7));
    r = test_op("bitwise_not", NULL, 1, &x);
    CHECK(test_arr_eq(r, BJ_U32, 3, SH(1, 2, 1), V(U32MAX, 4294967288.0), 0));
    bj_array_release(r);
    bj_array_release(x);
}

/* ---------------------------------------------------------------- the C entry points match bj_op by name */
typedef struct {
    bj_val *(*fn)(bj_val *);
} c_call;
static bj_val *build_c(bj_trace *t, bj_val **args, void *ud) {
    (void)t;
    return ((const c_call *)ud)->fn(args[0]);
}

static void test_unary_c_api(void) {
    static const struct {
        const char *name;
        bj_val *(*fn)(bj_val *);
    } fns[] = {{"neg", bj_neg},         {"abs", bj_abs},         {"sign", bj_sign},       {"exp", bj_exp},
               {"exp2", bj_exp2},       {"expm1", bj_expm1},     {"log", bj_log},         {"log1p", bj_log1p},
               {"log2", bj_log2},       {"sqrt", bj_sqrt},       {"rsqrt", bj_rsqrt},     {"square", bj_square},
               {"reciprocal", bj_reciprocal}, {"sin", bj_sin},   {"cos", bj_cos},         {"tan", bj_tan},
               {"tanh", bj_tanh},       {"sinh", bj_sinh},       {"cosh", bj_cosh},       {"arcsin", bj_arcsin},
               {"arccos", bj_arccos},   {"arctan", bj_arctan},   {"sigmoid", bj_sigmoid}, {"floor", bj_floor},
               {"ceil", bj_ceil},       {"round", bj_round},     {"trunc", bj_trunc},     {"isnan", bj_isnan},
               {"isinf", bj_isinf},     {"isfinite", bj_isfinite}, {"logical_not", bj_logical_not},
               {"bitwise_not", bj_bitwise_not}};
    int n = (int)(sizeof fns / sizeof *fns);
    CHECK(n == 32);
    for (int k = 0; k < n; k++) {
        bool bits = !strcmp(fns[k].name, "bitwise_not");
        bj_array *x = bits ? test_arr(BJ_I32, 1, SH(5), V(0, -1, 5, 7, -8))
                           : test_arr(BJ_F32, 1, SH(5), V(0.75, -1.5, 2.5, INF, NAN));
        bj_array *a = test_eval(1, &x, build_c, &(c_call){fns[k].fn});
        bj_array *b = test_op(fns[k].name, NULL, 1, &x);
        bool same = a && b && bj_array_dtype(a) == bj_array_dtype(b) && bj_array_size(a) == 5 &&
                    bj_array_size(b) == 5 && !memcmp(bj_array_data(a), bj_array_data(b), bj_array_nbytes(a));
        CHECK_MSG(same, "bj_%s and bj_op(\"%s\") differ", fns[k].name, fns[k].name);
        bj_array_release(a);
        bj_array_release(b);
        bj_array_release(x);
    }
}

/* ---------------------------------------------------------------- astype */
static void test_unary_astype_float_to_int(void) {
    CAST(BJ_F32, V(1e10, -1e10, NAN, 2.7, -2.7, INF, -INF, 2147483520.0, -0.0), BJ_I32,
         V(I32MAX, I32MIN, 0, 2, -2, I32MAX, I32MIN, 2147483520.0, 0));
    CAST(BJ_F64, V(2147483647.5, -2147483648.9, 3e9, -3e9, -NAN), BJ_I32, V(I32MAX, I32MIN, I32MAX, I32MIN, 0));
    CAST(BJ_F32, V(-1, 5e9, NAN, 3.9, -0.5, INF, 4294967040.0), BJ_U32, V(0, U32MAX, 0, 3, 0, U32MAX, 4294967040.0));
    CAST(BJ_F64, V(4294967295.7, -3, 4294967296.0), BJ_U32, V(U32MAX, 0, U32MAX));
    CAST(BJ_F32, V(-7.9, 1e6), BJ_I64, V(-7, 1e6));
    CHECK(raw_("astype", &(bj_attrs){.dtype = BJ_I64}, BJ_F64, 6, ((const double[]){1e19, -1e19, NAN, -9.2e18, 12.9, INF}),
               BJ_I64, I64S(INT64_MAX, INT64_MIN, 0, -9200000000000000000, 12, INT64_MAX)));
}

static void test_unary_astype_int_to_int(void) {
    CAST(BJ_I32, V(-1, I32MIN, 7), BJ_U32, V(U32MAX, 2147483648.0, 7));
    CAST(BJ_U32, V(U32MAX, 2147483648.0, 7), BJ_I32, V(-1, I32MIN, 7));
    CAST(BJ_U32, V(U32MAX, 0), BJ_I64, V(U32MAX, 0)); /* zero-extends */
    CAST(BJ_I32, V(-1, I32MIN), BJ_I64, V(-1, I32MIN)); /* sign-extends */
    CHECK(raw_("astype", &(bj_attrs){.dtype = BJ_I32}, BJ_I64, 4, I64S(4294967297, -2147483649, 2147483648, -1), BJ_I32,
               ((const int32_t[]){1, INT32_MAX, INT32_MIN, -1})));
    CHECK(raw_("astype", &(bj_attrs){.dtype = BJ_U32}, BJ_I64, 3, I64S(-1, 4294967296, 4294967297), BJ_U32,
               ((const uint32_t[]){UINT32_MAX, 0, 1})));
}

static void test_unary_astype_to_bool(void) {
    CAST(BJ_F32, V(0, -0.0, NAN, 0.5, -INF, 1e-30), BJ_BOOL, V(0, 0, 1, 1, 1, 1));
    CAST(BJ_F64, V(0, 1e-300, -NAN), BJ_BOOL, V(0, 1, 1));
    CAST(BJ_I32, V(0, 7, -1, I32MIN), BJ_BOOL, V(0, 1, 1, 1));
    CAST(BJ_U32, V(0, U32MAX), BJ_BOOL, V(0, 1));
    CHECK(raw_("astype", &(bj_attrs){.dtype = BJ_BOOL}, BJ_I64, 3, I64S((int64_t)1 << 32, 0, INT64_MIN), BJ_BOOL,
               ((const bool[]){true, false, true})));
}

static void test_unary_astype_from_bool(void) {
    CAST(BJ_BOOL, V(1, 0), BJ_F32, V(1, 0));
    CAST(BJ_BOOL, V(1, 0), BJ_F64, V(1, 0));
    CAST(BJ_BOOL, V(1, 0), BJ_I32, V(1, 0));
    CAST(BJ_BOOL, V(1, 0), BJ_I64, V(1, 0));
    CAST(BJ_BOOL, V(1, 0), BJ_U32, V(1, 0));
}

static void test_unary_astype_to_float(void) {
    CAST(BJ_I32, V(16777217, -16777217, I32MIN), BJ_F32, V(16777216, -16777216, I32MIN)); /* rounds to nearest */
    CAST(BJ_U32, V(U32MAX, 1), BJ_F64, V(U32MAX, 1));
    CAST(BJ_F64, V(1e300, -1e300, 1e-50, -1e-50, NAN, 0.1), BJ_F32, V(INF, -INF, 0, -0.0, NAN, (double)0.1f));
    CAST(BJ_F32, V(0.1, -0.0, INF), BJ_F64, V((double)0.1f, -0.0, INF));
    CHECK(raw_("astype", &(bj_attrs){.dtype = BJ_F64}, BJ_I64, 2, I64S(9007199254740993, INT64_MIN), BJ_F64,
               ((const double[]){9007199254740992.0, -9223372036854775808.0})));
}

static void test_unary_astype_identity_and_shapes(void) {
    CAST(BJ_F32, V(1.5, NAN, -0.0), BJ_F32, V(1.5, NAN, -0.0));
    CAST(BJ_I64, V(-3, 4), BJ_I64, V(-3, 4));
    bj_array *x = test_arr(BJ_F32, 0, NULL, V(-2.5));
    bj_array *r = test_op("astype", &(bj_attrs){.dtype = BJ_I32}, 1, &x);
    CHECK(test_arr_eq(r, BJ_I32, 0, NULL, V(-2), 0));
    bj_array_release(r);
    bj_array_release(x);
    x = test_arr(BJ_I32, 2, SH(2, 2), V(1, 0, -1, 3));
    r = test_op("astype", &(bj_attrs){.dtype = BJ_BOOL}, 1, &x);
    CHECK(test_arr_eq(r, BJ_BOOL, 2, SH(2, 2), V(1, 0, 1, 1), 0));
    bj_array_release(r);
    bj_array_release(x);
    x = test_arr(BJ_F64, 2, SH(0, 2), V(0));
    r = test_op("astype", &(bj_attrs){.dtype = BJ_U32}, 1, &x);
    CHECK(test_arr_eq(r, BJ_U32, 2, SH(0, 2), V(0), 0));
    bj_array_release(r);
    bj_array_release(x);
}

void tests_unary(void) {
    RUN(test_unary_neg);
    RUN(test_unary_abs);
    RUN(test_unary_sign);
    RUN(test_unary_square);
    RUN(test_unary_exp);
    RUN(test_unary_exp2);
    RUN(test_unary_expm1);
    RUN(test_unary_log);
    RUN(test_unary_log1p);
    RUN(test_unary_log2);
    RUN(test_unary_sqrt);
    RUN(test_unary_rsqrt);
    RUN(test_unary_reciprocal);
    RUN(test_unary_sin);
    RUN(test_unary_cos);
    RUN(test_unary_tan);
    RUN(test_unary_tanh);
    RUN(test_unary_sinh);
    RUN(test_unary_cosh);
    RUN(test_unary_arcsin);
    RUN(test_unary_arccos);
    RUN(test_unary_arctan);
    RUN(test_unary_sigmoid);
    RUN(test_unary_float_math_f32);
    RUN(test_unary_float_math_f64);
    RUN(test_unary_float_math_ints);
    RUN(test_unary_floor);
    RUN(test_unary_ceil);
    RUN(test_unary_round_half_even);
    RUN(test_unary_trunc);
    RUN(test_unary_rounding_ints_identity);
    RUN(test_unary_isnan);
    RUN(test_unary_isinf);
    RUN(test_unary_isfinite);
    RUN(test_unary_logical_not);
    RUN(test_unary_bitwise_not);
    RUN(test_unary_bool_rejected);
    RUN(test_unary_float_rejected_bitwise_not);
    RUN(test_unary_accepts);
    RUN(test_unary_shapes);
    RUN(test_unary_c_api);
    RUN(test_unary_astype_float_to_int);
    RUN(test_unary_astype_int_to_int);
    RUN(test_unary_astype_to_bool);
    RUN(test_unary_astype_from_bool);
    RUN(test_unary_astype_to_float);
    RUN(test_unary_astype_identity_and_shapes);
}
