/* bjmath.h — brainjit's own exp, log and tanh for float32 and float64, shared bit for bit by the interpreter and the
 * generated C code (this header is pasted verbatim into generated sources, so it includes no project header).
 *
 * Why not libm: glibc's expf/logf/tanhf are scalar calls that stop a loop from vectorizing, and the interpreter must
 * give the same bits as the generated code. So these functions are:
 *  - branch-free (selects on values, bits through memcpy), so `for (i..) y[i] = bj_exp_f32(x[i]);` vectorizes;
 *  - exactly reproducible: only + - * / and integer bit operations, a product and a sum never in one expression,
 *    no fma and no library call, so every build (any -O level, with or without -march=native, gcc or clang) rounds
 *    the same operations the same way, provided contraction across statements is off (-ffp-contract=off, the
 *    default of -std=c17, or clang's default =on; NOT gcc's gnu-mode default =fast). Integer <-> float conversions
 *    are bit tricks too, because AVX2 has no vector int64 <-> double conversion;
 *  - accurate: max error against glibc 2.36, float32 exhaustively and float64 on millions of points, subnormals
 *    included: exp 1 ulp, log 1 ulp, tanh 2 ulp (glibc's tanhf/tanh are themselves up to 2 ulp off; against the
 *    exact result all six are within about 1 ulp). tests/test_math.c measures it. The polynomials are minimax
 *    fits whose own error is far below the rounding of the final additions.
 * Special values are those of libm: NaN in gives NaN out (the input, quieted), exp overflows to +inf and underflows
 * gradually to +0, log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, tanh keeps the sign of zero and goes to +-1.
 * Nothing here touches errno or depends on global state; the rounding mode is assumed to be round-to-nearest. */
#ifndef BJ_MATH_H
#define BJ_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Marked unused because the text is pasted into generated sources, where clang warns about any function the
 * generated code happens not to call. */
#if defined(__GNUC__) || defined(__clang__)
#define BJ_M_FN static inline __attribute__((unused))
#else
#define BJ_M_FN static inline
#endif

BJ_M_FN uint32_t bj_m_bits32(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
BJ_M_FN float bj_m_float(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}
BJ_M_FN uint64_t bj_m_bits64(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
BJ_M_FN double bj_m_double(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}
/* c ? a : b through a bit mask. A C ternary is a branch to the compiler: with -ftrapping-math (the default) gcc will
 * not execute the arithmetic of both arms unconditionally, so the loop keeps control flow and does not vectorize
 * (without AVX-512 masking). Here both arms are plain values and the choice is integer arithmetic. */
BJ_M_FN float bj_m_sel32(int c, float a, float b) {
    uint32_t m = 0u - (uint32_t)c;
    return bj_m_float((bj_m_bits32(a) & m) | (bj_m_bits32(b) & ~m));
}
BJ_M_FN double bj_m_sel64(int c, double a, double b) {
    uint64_t m = 0u - (uint64_t)c;
    return bj_m_double((bj_m_bits64(a) & m) | (bj_m_bits64(b) & ~m));
}
/* a * b + c as two statements: clang's default -ffp-contract=on fuses a * b + c written as one expression, which
 * would round differently where the target has fma. */
BJ_M_FN float bj_m_mad32(float a, float b, float c) {
    float t = a * b;
    return t + c;
}
BJ_M_FN double bj_m_mad64(double a, double b, double c) {
    double t = a * b;
    return t + c;
}

/* ---------------------------------------------------------------- exp
 * x = k ln2 + r with |r| <= ln2/2, k = round(x / ln2); exp(x) = 2^k (1 + r + r^2 P(r)).
 * k is found by adding 1.5 * 2^(mantissa bits): the sum's low bits are k in two's complement, read as an unsigned
 * k + bias. ln2 is split so that k * LN2_HI is exact and x - k * LN2_HI loses nothing (Sterbenz).
 * 2^k is applied as two factors 2^(k/2) and 2^(k - k/2), both normal numbers: y * 2^(k/2) is exact, so the second
 * product is the only rounding, which makes overflow to inf and gradual underflow into subnormals come out right.
 * x is clamped first to a range where 2^k still splits into normal halves but the result already is inf or 0. */
BJ_M_FN float bj_exp_f32(float x) {
    float xc = bj_m_sel32(x < -110.0f, -110.0f, x);
    xc = bj_m_sel32(xc > 100.0f, 100.0f, xc);
    float t = xc * 0x1.715476p+0f;
    t = t + 0x1.8p23f;
    float kf = t - 0x1.8p23f;
    uint32_t kb = bj_m_bits32(t) - 0x4b400000u + 256u; /* k + 256 */
    float khi = kf * 0x1.62e4p-1f; /* exact */
    float r = xc - khi;            /* exact */
    float klo = kf * 0x1.7f7d1cp-20f;
    r = r - klo;
    float p = 0x1.6a241ap-10f; /* minimax on |r| <= ln2/2, relative error 2^-28.3 */
    p = bj_m_mad32(p, r, 0x1.1239f2p-7f);
    p = bj_m_mad32(p, r, 0x1.5558f2p-5f);
    p = bj_m_mad32(p, r, 0x1.555492p-3f);
    p = bj_m_mad32(p, r, 0x1.fffffcp-2f);
    p = p * (r * r);
    float y = 1.0f + (r + p);
    uint32_t h = kb >> 1; /* floor(k / 2) + 128 */
    float s1 = bj_m_float((h - 1u) << 23);
    float s2 = bj_m_float((kb - h - 1u) << 23);
    y = y * s1;
    y = y * s2;
    return bj_m_sel32(x != x, x + x, y);
}

BJ_M_FN double bj_exp_f64(double x) {
    double xc = bj_m_sel64(x < -760.0, -760.0, x);
    xc = bj_m_sel64(xc > 720.0, 720.0, xc);
    double t = xc * 0x1.71547652b82fep+0;
    t = t + 0x1.8p52;
    double kd = t - 0x1.8p52;
    uint64_t kb = bj_m_bits64(t) - UINT64_C(0x4338000000000000) + 2048u; /* k + 2048 */
    double khi = kd * 0x1.62e42feep-1; /* exact */
    double r = xc - khi;               /* exact */
    double klo = kd * 0x1.a39ef35793c76p-33;
    r = r - klo;
    double p = 0x1.ad7f64edc7367p-26; /* minimax on |r| <= ln2/2, relative error 2^-57.9 */
    p = bj_m_mad64(p, r, 0x1.28ad7d01fb0e9p-22);
    p = bj_m_mad64(p, r, 0x1.71df2569228fdp-19);
    p = bj_m_mad64(p, r, 0x1.a0199a01de846p-16);
    p = bj_m_mad64(p, r, 0x1.a01a012a4633ep-13);
    p = bj_m_mad64(p, r, 0x1.6c16c1842dbc6p-10);
    p = bj_m_mad64(p, r, 0x1.1111111127c2ep-7);
    p = bj_m_mad64(p, r, 0x1.555555555086dp-5);
    p = bj_m_mad64(p, r, 0x1.55555555554fap-3);
    p = bj_m_mad64(p, r, 0x1.000000000000ap-1);
    p = p * (r * r);
    double y = 1.0 + (r + p);
    uint64_t h = kb >> 1; /* floor(k / 2) + 1024 */
    double s1 = bj_m_double((h - 1u) << 52);
    double s2 = bj_m_double((kb - h - 1u) << 52);
    y = y * s1;
    y = y * s2;
    return bj_m_sel64(x != x, x + x, y);
}

/* ---------------------------------------------------------------- log
 * x = 2^k m with m in [sqrt(1/2), sqrt(2)) (subnormals are first scaled up), f = m - 1 (exact), s = f / (2 + f):
 * log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R(s^2)), R a minimax polynomial. The sum is arranged so that
 * f and k LN2_HI enter last, exactly, and only the small correction terms carry rounding error. k is turned into a
 * float by placing it in the mantissa of 2^23 (2^52) and subtracting that. */
BJ_M_FN float bj_log_f32(float x) {
    int tiny = x < 0x1p-126f;
    float xs = bj_m_sel32(tiny, x * 0x1p23f, x);
    uint32_t ix = bj_m_bits32(xs) + (0x3f800000u - 0x3f3504f3u);
    float e = bj_m_float(0x4b000000u + (ix >> 23)) - 0x1p23f; /* biased exponent of x / m */
    float kf = e - bj_m_sel32(tiny, 150.0f, 127.0f);
    float f = bj_m_float((ix & 0x007fffffu) + 0x3f3504f3u) - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float R = 0x1.e2f722p-3f; /* minimax on s^2 <= 0.0295, absolute error 2^-36.6 */
    R = bj_m_mad32(R, z, 0x1.2438d2p-2f);
    R = bj_m_mad32(R, z, 0x1.999a7ap-2f);
    R = bj_m_mad32(R, z, 0x1.555554p-1f);
    R = R * z;
    float hfsq = 0.5f * f;
    hfsq = hfsq * f;
    float c = s * (hfsq + R);
    float klo = kf * 0x1.7f7d1cp-20f;
    c = c + klo;
    float khi = kf * 0x1.62e4p-1f; /* exact */
    float y = khi - ((hfsq - c) - f);
    y = bj_m_sel32(x == 0.0f, -INFINITY, y);
    y = bj_m_sel32(x < 0.0f, NAN, y);
    y = bj_m_sel32(x == INFINITY, x, y);
    return bj_m_sel32(x != x, x + x, y);
}

BJ_M_FN double bj_log_f64(double x) {
    int tiny = x < 0x1p-1022;
    double xs = bj_m_sel64(tiny, x * 0x1p54, x);
    uint64_t ix = bj_m_bits64(xs) + (UINT64_C(0x3ff0000000000000) - UINT64_C(0x3fe6a09e667f3bcd));
    double e = bj_m_double(UINT64_C(0x4330000000000000) + (ix >> 52)) - 0x1p52;
    double kd = e - bj_m_sel64(tiny, 1077.0, 1023.0);
    double f = bj_m_double((ix & UINT64_C(0x000fffffffffffff)) + UINT64_C(0x3fe6a09e667f3bcd)) - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double R = 0x1.2f0634541af55p-3; /* minimax on s^2 <= 0.0295, absolute error 2^-58.5 */
    R = bj_m_mad64(R, z, 0x1.39a1a6fe78fffp-3);
    R = bj_m_mad64(R, z, 0x1.74663fa1c55efp-3);
    R = bj_m_mad64(R, z, 0x1.c71c52060a47ep-3);
    R = bj_m_mad64(R, z, 0x1.24924941f4f82p-2);
    R = bj_m_mad64(R, z, 0x1.999999997fd77p-2);
    R = bj_m_mad64(R, z, 0x1.5555555555592p-1);
    R = R * z;
    double hfsq = 0.5 * f;
    hfsq = hfsq * f;
    double c = s * (hfsq + R);
    double klo = kd * 0x1.a39ef35793c76p-33;
    c = c + klo;
    double khi = kd * 0x1.62e42feep-1; /* exact */
    double y = khi - ((hfsq - c) - f);
    y = bj_m_sel64(x == 0.0, -INFINITY, y);
    y = bj_m_sel64(x < 0.0, NAN, y);
    y = bj_m_sel64(x == INFINITY, x, y);
    return bj_m_sel64(x != x, x + x, y);
}

/* ---------------------------------------------------------------- tanh
 * On a = |x|: below a threshold T (0.55 for float32; 0.75 for float64, where a longer polynomial is cheaper than the
 * error of the other form near 0.55) an odd minimax polynomial a + a^3 P(a^2) (accurate for tiny and subnormal a),
 * above it 1 - 2 / (exp(2a) + 1), where the subtraction loses nothing because tanh(T) > 1/2. Both are computed and
 * one is selected; a is clamped where tanh already rounds to 1. The sign of x is put back with its bit, which keeps
 * tanh(-0) = -0. */
BJ_M_FN float bj_tanh_f32(float x) {
    uint32_t sign = bj_m_bits32(x) & 0x80000000u;
    float a = bj_m_float(bj_m_bits32(x) & 0x7fffffffu);
    a = bj_m_sel32(a > 10.0f, 10.0f, a);
    float z = a * a;
    float p = -0x1.9b3044p-8f; /* minimax on a <= 0.55, relative error 2^-29.8 */
    p = bj_m_mad32(p, z, 0x1.593d06p-6f);
    p = bj_m_mad32(p, z, -0x1.b9287ap-5f);
    p = bj_m_mad32(p, z, 0x1.110d26p-3f);
    p = bj_m_mad32(p, z, -0x1.55554ap-2f);
    p = p * z;
    float small = bj_m_mad32(a, p, a);
    float e = bj_exp_f32(a + a);
    float big = 1.0f - 2.0f / (e + 1.0f);
    float y = bj_m_sel32(a < 0.55f, small, big);
    y = bj_m_float(bj_m_bits32(y) | sign);
    return bj_m_sel32(x != x, x + x, y);
}

BJ_M_FN double bj_tanh_f64(double x) {
    uint64_t sign = bj_m_bits64(x) & UINT64_C(0x8000000000000000);
    double a = bj_m_double(bj_m_bits64(x) & UINT64_C(0x7fffffffffffffff));
    a = bj_m_sel64(a > 22.0, 22.0, a);
    double z = a * a;
    double p = 0x1.22cc932115495p-21; /* minimax on a <= 0.75, relative error 2^-63.5 */
    p = bj_m_mad64(p, z, -0x1.e50a5ce545905p-19);
    p = bj_m_mad64(p, z, 0x1.bbb54f2b1d65dp-17);
    p = bj_m_mad64(p, z, -0x1.3a4a74ea9d448p-15);
    p = bj_m_mad64(p, z, 0x1.92cfaa66bc3abp-14);
    p = bj_m_mad64(p, z, -0x1.f4d7606a8c176p-13);
    p = bj_m_mad64(p, z, 0x1.354d7c4a08cdfp-11);
    p = bj_m_mad64(p, z, -0x1.7da2679324bb3p-10);
    p = bj_m_mad64(p, z, 0x1.d6d3c04cd26cdp-9);
    p = bj_m_mad64(p, z, -0x1.226e34ff0e099p-7);
    p = bj_m_mad64(p, z, 0x1.664f487ff8b22p-6);
    p = bj_m_mad64(p, z, -0x1.ba1ba1ba0f46ap-5);
    p = bj_m_mad64(p, z, 0x1.1111111111033p-3);
    p = bj_m_mad64(p, z, -0x1.5555555555555p-2);
    p = p * z;
    double small = bj_m_mad64(a, p, a);
    double e = bj_exp_f64(a + a);
    double big = 1.0 - 2.0 / (e + 1.0);
    double y = bj_m_sel64(a < 0.75, small, big);
    y = bj_m_double(bj_m_bits64(y) | sign);
    return bj_m_sel64(x != x, x + x, y);
}

#endif
