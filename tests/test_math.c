/* test_math.c — brainjit's own exp/log/tanh (src/core/bjmath.h): max ulp error against glibc over deterministic
 * sweeps, special values bit for bit, monotonicity, and that the interpreter's ops give exactly these bits. */
#include "test.h"

#include "core/bjmath.h"

#include <float.h>
#include <stdint.h>

/* Sanitizer builds run fewer points (the checks are the same). */
#if defined(__SANITIZE_ADDRESS__)
#define MATH_SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define MATH_SCALE 4
#endif
#endif
#ifndef MATH_SCALE
#define MATH_SCALE 1
#endif

#define ULP_BOUND 2 /* the stated bound, float32 and float64, against glibc */

/* Position on the line of floats (-0 and +0 both 0), so that a difference counts the floats in between. */
static int64_t ord32(float x) {
    uint32_t u = bj_m_bits32(x);
    return (u >> 31) ? -(int64_t)(u & 0x7fffffffu) : (int64_t)u;
}
static int64_t ord64(double x) {
    uint64_t u = bj_m_bits64(x);
    return (u >> 63) ? -(int64_t)(u & 0x7fffffffffffffffu) : (int64_t)u;
}
#define NAN_MISMATCH INT64_C(1000000000)
static int64_t ulps32(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : NAN_MISMATCH;
    int64_t d = ord32(a) - ord32(b);
    return d < 0 ? -d : d;
}
static int64_t ulps64(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : NAN_MISMATCH;
    int64_t d = ord64(a) - ord64(b);
    if (d == INT64_MIN) return INT64_MAX;
    return d < 0 ? -d : d;
}

static uint64_t rng_state;
static uint64_t rng(void) { /* xorshift64: the same sequence everywhere */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * ((double)(rng() >> 11) * 0x1p-53); }

/* ---------------------------------------------------------------- float32 */
typedef struct {
    float (*ours)(float);
    float (*libm)(float);
    double (*libm64)(double); /* the float64 function rounded to float32: a near-exact reference */
    int64_t worst, worst_ref;
    float at;
    long n;
} sweep32;

static void one32(sweep32 *s, float x) {
    float y = s->ours(x);
    int64_t d = ulps32(y, s->libm(x)), dr = ulps32(y, (float)s->libm64(x));
    if (d > s->worst) s->worst = d, s->at = x;
    if (dr > s->worst_ref) s->worst_ref = dr;
    s->n++;
}

/* Every bit pattern with a prime stride (about 4 million points, all exponents and both signs), then windows of
 * consecutive floats around the places where things happen: zero and the subnormals, 1, the switch points and
 * the overflow and underflow thresholds. */
static void run_sweep32(sweep32 *s, const char *name) {
    uint32_t stride = 1021 * MATH_SCALE;
    for (uint64_t u = 0; u < UINT64_C(0x100000000); u += stride) one32(s, bj_m_float((uint32_t)u));
    static const float centers[] = {0.0f,        -0.0f,       FLT_MIN,     -FLT_MIN,       1.0f,     -1.0f,
                                    0.5f,        2.0f,        0.55f,       -0.55f,         0.3466f,  9.0f,
                                    0x1.62e42ep6f, -0x1.5d589ep6f, -0x1.9fe368p6f, 20.0f,   FLT_MAX,  -FLT_MAX};
    int w = 16384 / MATH_SCALE;
    for (size_t c = 0; c < sizeof centers / sizeof *centers; c++) {
        uint32_t b = bj_m_bits32(centers[c]);
        for (int i = -w; i <= w; i++) {
            uint32_t u = b + (uint32_t)i;
            if ((u ^ b) >> 31) continue; /* do not wrap across the sign or past inf into NaN space */
            one32(s, bj_m_float(u));
        }
    }
    printf("    %-5s f32: max %lld ulp vs glibc (at %a), %lld vs the f64 function rounded, %ld points\n", name,
           (long long)s->worst, (double)s->at, (long long)s->worst_ref, s->n);
}

static void test_math_exp_f32(void) {
    sweep32 s = {bj_exp_f32, expf, exp, 0, 0, 0, 0};
    run_sweep32(&s, "exp");
    CHECK_MSG(s.worst <= ULP_BOUND, "exp f32 %lld ulp at %a", (long long)s.worst, (double)s.at);
    CHECK(s.worst_ref <= 1);
}
static void test_math_log_f32(void) {
    sweep32 s = {bj_log_f32, logf, log, 0, 0, 0, 0};
    run_sweep32(&s, "log");
    CHECK_MSG(s.worst <= ULP_BOUND, "log f32 %lld ulp at %a", (long long)s.worst, (double)s.at);
    CHECK(s.worst_ref <= 1);
}
static void test_math_tanh_f32(void) {
    sweep32 s = {bj_tanh_f32, tanhf, tanh, 0, 0, 0, 0};
    run_sweep32(&s, "tanh");
    CHECK_MSG(s.worst <= ULP_BOUND, "tanh f32 %lld ulp at %a", (long long)s.worst, (double)s.at);
    CHECK(s.worst_ref <= 1);
}

/* ---------------------------------------------------------------- float64 */
typedef struct {
    double (*ours)(double);
    double (*libm)(double);
    int64_t worst;
    double at;
    long n;
} sweep64;

static void one64(sweep64 *s, double x) {
    int64_t d = ulps64(s->ours(x), s->libm(x));
    if (d > s->worst) s->worst = d, s->at = x;
    s->n++;
}

/* n random bit patterns (every exponent, NaNs and subnormals included), then n uniform points in each range. */
static void run_sweep64(sweep64 *s, const char *name, int n, int nranges, const double (*ranges)[2]) {
    rng_state = UINT64_C(0x9e3779b97f4a7c15);
    n /= MATH_SCALE;
    for (int i = 0; i < n; i++) one64(s, bj_m_double(rng()));
    for (int r = 0; r < nranges; r++)
        for (int i = 0; i < n; i++) one64(s, uniform(ranges[r][0], ranges[r][1]));
    printf("    %-5s f64: max %lld ulp vs glibc (at %a), %ld points\n", name, (long long)s->worst, s->at, s->n);
}

static void test_math_exp_f64(void) {
    static const double ranges[][2] = {{-746, 710}, {-1, 1}, {-0x1p-20, 0x1p-20}, {709, 709.8}, {-745.2, -708},
                                       {-40, 40}};
    sweep64 s = {bj_exp_f64, exp, 0, 0, 0};
    run_sweep64(&s, "exp", 400000, 6, ranges);
    CHECK_MSG(s.worst <= ULP_BOUND, "exp f64 %lld ulp at %a", (long long)s.worst, s.at);
}
static void test_math_log_f64(void) {
    static const double ranges[][2] = {{0.5, 2}, {1 - 0x1p-20, 1 + 0x1p-20}, {0, 0x1p-1022}, {1, 1e6}, {0, 1},
                                       {1e300, DBL_MAX}};
    sweep64 s = {bj_log_f64, log, 0, 0, 0};
    run_sweep64(&s, "log", 400000, 6, ranges);
    CHECK_MSG(s.worst <= ULP_BOUND, "log f64 %lld ulp at %a", (long long)s.worst, s.at);
}
static void test_math_tanh_f64(void) {
    static const double ranges[][2] = {{-1, 1}, {-25, 25}, {0.74, 0.76}, {-0x1p-20, 0x1p-20}, {-4, 4}, {17, 20}};
    sweep64 s = {bj_tanh_f64, tanh, 0, 0, 0};
    run_sweep64(&s, "tanh", 400000, 6, ranges);
    CHECK_MSG(s.worst <= ULP_BOUND, "tanh f64 %lld ulp at %a", (long long)s.worst, s.at);
}

/* ---------------------------------------------------------------- special values, bit for bit */
static bool same32(float a, float b) { return isnan(a) ? isnan(b) : bj_m_bits32(a) == bj_m_bits32(b); }
static bool same64(double a, double b) { return isnan(a) ? isnan(b) : bj_m_bits64(a) == bj_m_bits64(b); }
#define SAME32(got, want) CHECK_MSG(same32(got, want), "%s = %a, want %a", #got, (double)(got), (double)(want))
#define SAME64(got, want) CHECK_MSG(same64(got, want), "%s = %a, want %a", #got, (got), (double)(want))

static void test_math_special_exp(void) {
    float inf = INFINITY, fmin_sub = 0x1p-149f;
    SAME32(bj_exp_f32(NAN), NAN);
    SAME32(bj_exp_f32(-NAN), NAN);
    SAME32(bj_exp_f32(inf), inf);
    SAME32(bj_exp_f32(-inf), 0.0f);
    SAME32(bj_exp_f32(0.0f), 1.0f);
    SAME32(bj_exp_f32(-0.0f), 1.0f);
    SAME32(bj_exp_f32(fmin_sub), 1.0f);
    SAME32(bj_exp_f32(-fmin_sub), 1.0f);
    SAME32(bj_exp_f32(FLT_MAX), inf);
    SAME32(bj_exp_f32(-FLT_MAX), 0.0f);
    SAME32(bj_exp_f32(0x1.62e43p6f), inf);                  /* the first x that overflows */
    SAME32(bj_exp_f32(0x1.62e42ep6f), expf(0x1.62e42ep6f)); /* the largest finite result */
    SAME32(bj_exp_f32(-110.0f), 0.0f);
    SAME32(bj_exp_f32(-0x1.9fe368p6f), 0x1p-149f); /* the smallest subnormal */
    SAME32(bj_exp_f32(-0x1.9fe36ap6f), 0.0f);      /* the first x that rounds to zero */
    CHECK(ulps32(bj_exp_f32(1.0f), 2.71828182845904523536f) <= 1);
    double dinf = INFINITY;
    SAME64(bj_exp_f64(NAN), NAN);
    SAME64(bj_exp_f64(dinf), dinf);
    SAME64(bj_exp_f64(-dinf), 0.0);
    SAME64(bj_exp_f64(0.0), 1.0);
    SAME64(bj_exp_f64(-0.0), 1.0);
    SAME64(bj_exp_f64(0x1p-1074), 1.0);
    SAME64(bj_exp_f64(DBL_MAX), dinf);
    SAME64(bj_exp_f64(-DBL_MAX), 0.0);
    SAME64(bj_exp_f64(0x1.62e42fefa39efp9), exp(0x1.62e42fefa39efp9)); /* the largest finite result */
    SAME64(bj_exp_f64(0x1.62e42fefa39f0p9), dinf);                      /* the first x that overflows */
    SAME64(bj_exp_f64(-0x1.74910d52d3051p9), 0x1p-1074);                /* the smallest subnormal */
    SAME64(bj_exp_f64(-0x1.74910d52d3052p9), 0.0);                      /* the first x that rounds to zero */
    SAME64(bj_exp_f64(-746.0), 0.0);
    CHECK(ulps64(bj_exp_f64(1.0), 2.71828182845904523536) <= 1);
}

static void test_math_special_log(void) {
    float inf = INFINITY;
    SAME32(bj_log_f32(NAN), NAN);
    SAME32(bj_log_f32(-1.0f), NAN);
    SAME32(bj_log_f32(-inf), NAN);
    SAME32(bj_log_f32(-0x1p-149f), NAN);
    SAME32(bj_log_f32(0.0f), -inf);
    SAME32(bj_log_f32(-0.0f), -inf);
    SAME32(bj_log_f32(inf), inf);
    SAME32(bj_log_f32(1.0f), 0.0f); /* +0, not -0 */
    SAME32(bj_log_f32(0x1p-149f), logf(0x1p-149f));
    SAME32(bj_log_f32(0x1p-127f), logf(0x1p-127f));
    SAME32(bj_log_f32(FLT_MAX), logf(FLT_MAX));
    SAME32(bj_log_f32(2.0f), logf(2.0f));
    double dinf = INFINITY;
    SAME64(bj_log_f64(NAN), NAN);
    SAME64(bj_log_f64(-1.0), NAN);
    SAME64(bj_log_f64(-dinf), NAN);
    SAME64(bj_log_f64(-0x1p-1074), NAN);
    SAME64(bj_log_f64(0.0), -dinf);
    SAME64(bj_log_f64(-0.0), -dinf);
    SAME64(bj_log_f64(dinf), dinf);
    SAME64(bj_log_f64(1.0), 0.0);
    SAME64(bj_log_f64(0x1p-1074), log(0x1p-1074));
    SAME64(bj_log_f64(0x1.fffffffffffffp-1023), log(0x1.fffffffffffffp-1023));
    SAME64(bj_log_f64(DBL_MAX), log(DBL_MAX));
    SAME64(bj_log_f64(2.0), log(2.0));
}

static void test_math_special_tanh(void) {
    float inf = INFINITY;
    SAME32(bj_tanh_f32(NAN), NAN);
    SAME32(bj_tanh_f32(0.0f), 0.0f);
    SAME32(bj_tanh_f32(-0.0f), -0.0f);
    SAME32(bj_tanh_f32(inf), 1.0f);
    SAME32(bj_tanh_f32(-inf), -1.0f);
    SAME32(bj_tanh_f32(FLT_MAX), 1.0f);
    SAME32(bj_tanh_f32(-FLT_MAX), -1.0f);
    SAME32(bj_tanh_f32(10.0f), 1.0f);
    SAME32(bj_tanh_f32(-20.0f), -1.0f);
    SAME32(bj_tanh_f32(0x1p-149f), 0x1p-149f);
    SAME32(bj_tanh_f32(-0x1p-149f), -0x1p-149f);
    SAME32(bj_tanh_f32(1e-30f), 1e-30f);
    SAME32(bj_tanh_f32(-0x1p-13f), -0x1p-13f); /* tanh(x) = x - x^3/3 rounds to x below about 2^-12 */
    double dinf = INFINITY;
    SAME64(bj_tanh_f64(NAN), NAN);
    SAME64(bj_tanh_f64(0.0), 0.0);
    SAME64(bj_tanh_f64(-0.0), -0.0);
    SAME64(bj_tanh_f64(dinf), 1.0);
    SAME64(bj_tanh_f64(-dinf), -1.0);
    SAME64(bj_tanh_f64(DBL_MAX), 1.0);
    SAME64(bj_tanh_f64(-25.0), -1.0);
    SAME64(bj_tanh_f64(0x1p-1074), 0x1p-1074);
    SAME64(bj_tanh_f64(-0x1p-1074), -0x1p-1074);
    SAME64(bj_tanh_f64(1e-300), 1e-300);
    SAME64(bj_tanh_f64(-0x1p-28), -0x1p-28);
}

/* ---------------------------------------------------------------- monotonicity */
/* n consecutive floats from x up: true if each result is >= the one before. */
static bool monotone32(float (*f)(float), float x, int n) {
    float prev = f(x);
    for (int i = 1; i < n; i++) {
        x = nextafterf(x, INFINITY);
        float y = f(x);
        if (y < prev) return false;
        prev = y;
    }
    return true;
}
static bool monotone64(double (*f)(double), double x, int n) {
    double prev = f(x);
    for (int i = 1; i < n; i++) {
        x = nextafter(x, INFINITY);
        double y = f(x);
        if (y < prev) return false;
        prev = y;
    }
    return true;
}

static void test_math_monotone(void) {
    int n = 20000 / MATH_SCALE;
    /* starts just below the switches: the reduction's k changing (x = (j + 1/2) ln2), the tanh branches, the
     * mantissa range of log (sqrt(2) times a power of 2), zero and the subnormal boundary */
    static const float starts32[] = {0.3465f, 1.0396f, -0.3466f, -1.0397f, 0.5499f, -1e-30f, 0.0f, -1e-3f, 1.41419f,
                                     0.707f, 0x1.fffp-127f, 88.7f, -87.33f, -103.9f, 8.99f};
    for (size_t i = 0; i < sizeof starts32 / sizeof *starts32; i++) {
        float x = starts32[i];
        CHECK_MSG(monotone32(bj_exp_f32, x, n), "exp f32 from %a", (double)x);
        CHECK_MSG(monotone32(bj_tanh_f32, x, n), "tanh f32 from %a", (double)x);
        if (x >= 0) CHECK_MSG(monotone32(bj_log_f32, x, n), "log f32 from %a", (double)x);
    }
    static const double starts64[] = {0.34657359027997264 - 1e-12, 1.0397207708399179 - 1e-12, -0.3465735902799727,
                                      0.7499999999999, -0.75, 0.0, -1e-300, 1.4142135623730949, 0.7071067811865475,
                                      0x1.ffffffffff000p-1023, 709.7827128933839, -708.3964185322641, 19.0};
    for (size_t i = 0; i < sizeof starts64 / sizeof *starts64; i++) {
        double x = starts64[i];
        CHECK_MSG(monotone64(bj_exp_f64, x, n), "exp f64 from %a", x);
        CHECK_MSG(monotone64(bj_tanh_f64, x, n), "tanh f64 from %a", x);
        if (x >= 0) CHECK_MSG(monotone64(bj_log_f64, x, n), "log f64 from %a", x);
    }
}

/* ---------------------------------------------------------------- the interpreter uses exactly these functions */
static const double PROBES[] = {-120, -100, -87.5, -20, -1.5, -0.75, -0.3, -1e-20, 0, 1e-30, 0.25, 0.55,
                                0.75, 1, 2.5, 9, 30, 88.5, 100, 710, 1e30, INFINITY, -INFINITY, NAN};
#define NPROBES ((int)(sizeof PROBES / sizeof *PROBES))

static float sigmoid32(float x) { return 1.0f / (1.0f + bj_exp_f32(-x)); }
static double sigmoid64(double x) { return 1.0 / (1.0 + bj_exp_f64(-x)); }

static void interp_same(const char *op, float (*f32)(float), double (*f64)(double)) {
    int64_t n = NPROBES;
    float want32[NPROBES];
    double want64[NPROBES];
    for (int i = 0; i < NPROBES; i++) want32[i] = f32((float)PROBES[i]), want64[i] = f64(PROBES[i]);
    bj_array *x = test_arr(BJ_F32, 1, &n, PROBES);
    bj_array *r = test_op(op, NULL, 1, &x);
    CHECK_MSG(test_bytes_eq(r, BJ_F32, NPROBES, want32, op), "%s float32", op);
    bj_array_release(r), bj_array_release(x);
    x = test_arr(BJ_F64, 1, &n, PROBES);
    r = test_op(op, NULL, 1, &x);
    CHECK_MSG(test_bytes_eq(r, BJ_F64, NPROBES, want64, op), "%s float64", op);
    bj_array_release(r), bj_array_release(x);
}

static void test_math_interp_bits(void) {
    interp_same("exp", bj_exp_f32, bj_exp_f64);
    interp_same("log", bj_log_f32, bj_log_f64);
    interp_same("tanh", bj_tanh_f32, bj_tanh_f64);
    interp_same("sigmoid", sigmoid32, sigmoid64);
}

void tests_math(void) {
    RUN(test_math_exp_f32);
    RUN(test_math_log_f32);
    RUN(test_math_tanh_f32);
    RUN(test_math_exp_f64);
    RUN(test_math_log_f64);
    RUN(test_math_tanh_f64);
    RUN(test_math_special_exp);
    RUN(test_math_special_log);
    RUN(test_math_special_tanh);
    RUN(test_math_monotone);
    RUN(test_math_interp_bits);
}
