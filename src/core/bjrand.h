/* bjrand.h — the per-element random number functions behind the RANDOM op: one definition, used by the
 * interpreter (src/backend/interp/random.c) and pasted into every generated source (PRELUDE_HDRS in the Makefile,
 * after bjmath.h and philox.h), so both backends give the same bits, whatever the thread count or fusion.
 *
 * Counters. A key is two uint32 words (k0, k1), the Philox4x32-10 key. Element i (flat C-order index of the output)
 * of a draw reads the block of counter (i low word, i high word, tag, j): the tag (one per distribution family,
 * four ASCII letters) keeps families apart, so uniform and normal draws from one key are independent; j numbers the
 * blocks one element needs (only poisson's rejection loop uses more than one). A value therefore depends on (key,
 * tag, i) alone: never on the order of evaluation, the thread that computes it or the kernel it was fused into.
 *
 * Distributions (docs/architecture.md, "Random numbers", has the accuracy of each):
 *  - bits:    word 0 of the block.
 *  - uniform: [0, 1) as JAX: float32 from the top 23 bits of word 0, float64 from the top 52 of words 0 and 1.
 *  - normal:  Box-Muller in float64 from the block's four words: sqrt(-2 log u1) cos(2 pi u2), u1 = 1 - (52-bit
 *             uniform) in (0, 1], u2 a 52-bit uniform; log is bjmath.h's, cos(2 pi u) a polynomial on the exact
 *             reduction of u to the nearest quarter turn. float32 is the float64 value rounded once. Tails reach
 *             |z| = 8.49 (float32 included).
 *  - randint: the high 64 bits of r * span (r the 64 bits of words 0 and 1, span < 2^64 unsigned): an offset in
 *             [0, span) with a bias below span / 2^64 per value (Lemire's multiply-shift without the rejection step).
 *  - poisson: computed in float64. lam < 10: inversion by sequential search from one 52-bit uniform (at most 64 steps;
 *             P(X > 64) < 1e-30 there). 10 <= lam < 2^40: Hormann's transformed rejection with squeeze (PTRS), at
 *             most 32 tries of one block each (a try accepts with probability 0.75 at lam = 10, rising to 0.89; if
 *             all fail, which happens with probability below 1e-19, the normal approximation below is used).
 *             lam >= 2^40: floor(lam + sqrt(lam) z + 1/2) with z normal (the Poisson's skewness there is below
 *             1e-6). lam = 0 gives 0, lam = +inf gives +inf, lam < 0 or NaN gives -1; integer results saturate.
 *  - split:   key j of split(key, n) is words 0 and 1 of block (j, 0, "SPLT", 0); fold_in(key, d) is words 0 and 1
 *             of block (d, 0, "FOLD", 0).
 * Reproducibility rules are bjmath.h's: + - * / sqrt and integer bit operations only, products and sums in separate
 * statements (no contraction), no libm call but sqrt and floor (both exact). */
#ifndef BJ_RAND_H
#define BJ_RAND_H

/* In a generated source both headers are pasted above this one, and the includes are skipped. */
#ifndef BJ_MATH_H
#include "core/bjmath.h"
#endif
#ifndef BJ_PHILOX_H
#include "core/philox.h"
#endif
#include <math.h>
#include <stdint.h>

#define BJ_RAND_TAG_BITS 0x42495453u    /* "BITS" */
#define BJ_RAND_TAG_UNIFORM 0x554E4946u /* "UNIF" */
#define BJ_RAND_TAG_NORMAL 0x4E4F524Du  /* "NORM" */
#define BJ_RAND_TAG_RANDINT 0x52494E54u /* "RINT" */
#define BJ_RAND_TAG_POISSON 0x504F4953u /* "POIS" */
#define BJ_RAND_TAG_SPLIT 0x53504C54u   /* "SPLT" */
#define BJ_RAND_TAG_FOLD 0x464F4C44u    /* "FOLD" */

/* The block of counter (i, tag, j) under key (k0, k1). */
BJ_M_FN void bj_rand_block(uint32_t k0, uint32_t k1, uint64_t i, uint32_t tag, uint32_t j, uint32_t out[4]) {
    const uint32_t ctr[4] = {(uint32_t)i, (uint32_t)(i >> 32), tag, j}, key[2] = {k0, k1};
    bj_philox4x32(ctr, key, out);
}

/* A 52-bit uniform in [0, 1) from two words (hi first), and the same mirrored into (0, 1]: 1 - u is exact. */
BJ_M_FN double bj_rand_unit53(uint32_t hi, uint32_t lo) { return bj_bits_to_unit_f64(hi, lo); }
BJ_M_FN double bj_rand_unit53_open0(uint32_t hi, uint32_t lo) { return 1.0 - bj_bits_to_unit_f64(hi, lo); }

/* ---------------------------------------------------------------- bits and uniform */
BJ_M_FN uint32_t bj_rand_bits_u32(uint32_t k0, uint32_t k1, uint64_t i) {
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_BITS, 0, w);
    return w[0];
}

BJ_M_FN float bj_rand_uniform_f32(uint32_t k0, uint32_t k1, uint64_t i) {
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_UNIFORM, 0, w);
    return bj_bits_to_unit_f32(w[0]);
}

BJ_M_FN double bj_rand_uniform_f64(uint32_t k0, uint32_t k1, uint64_t i) {
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_UNIFORM, 0, w);
    return bj_bits_to_unit_f64(w[0], w[1]);
}

/* ---------------------------------------------------------------- normal
 * cos(2 pi u) for u in [0, 1): n = round(4u), r = u - n/4 in [-1/8, 1/8] (exact: u and n/4 are within a factor of
 * two, or n = 0), then the Taylor polynomials of sin and cos of 2 pi r to degree 17 and 16 (truncation below 1e-19
 * on |2 pi r| <= pi/4), and the quadrant picks cos, -sin, -cos or sin. */
BJ_M_FN double bj_rand_cos2pi(double u) {
    double t = u * 4.0;                   /* exact */
    double nf = floor(t + 0.5);           /* 0 .. 4 */
    double r = u - nf * 0.25;             /* exact */
    double z = r * r;
    double s = 0x1.aaec32af93359p-4;
    s = bj_m_mad64(s, z, -0x1.6fadb9f155744p-1);
    s = bj_m_mad64(s, z, 0x1.e8f434d018d63p+1);
    s = bj_m_mad64(s, z, -0x1.e3074fde8871fp+3);
    s = bj_m_mad64(s, z, 0x1.50783487ee782p+5);
    s = bj_m_mad64(s, z, -0x1.32d2cce62bd86p+6);
    s = bj_m_mad64(s, z, 0x1.466bc6775aae2p+6);
    s = bj_m_mad64(s, z, -0x1.4abbce625be53p+5);
    s = bj_m_mad64(s, z, 0x1.921fb54442d18p+2);
    s = s * r;
    double c = 0x1.20c62c2f2d7f5p-2;
    c = bj_m_mad64(c, z, -0x1.b6e24f44b128fp+0);
    c = bj_m_mad64(c, z, 0x1.f9d38a3763cc3p+2);
    c = bj_m_mad64(c, z, -0x1.a6d1f2a204a8cp+4);
    c = bj_m_mad64(c, z, 0x1.e1f506891babbp+5);
    c = bj_m_mad64(c, z, -0x1.55d3c7e3cbffap+6);
    c = bj_m_mad64(c, z, 0x1.03c1f081b5ac4p+6);
    c = bj_m_mad64(c, z, -0x1.3bd3cc9be45dep+4);
    c = bj_m_mad64(c, z, 1.0);
    uint64_t n = (uint64_t)bj_m_bits64(nf + 0x1p52) & 7u; /* nf as an integer, without a conversion */
    double v = bj_m_sel64((int)(n & 1u), s, c);
    uint64_t neg = ((n + 1u) & 2u) << 62; /* quadrants 1 and 2 are negative */
    return bj_m_double(bj_m_bits64(v) ^ neg);
}

/* Box-Muller on one block: the standard normal of words (w0, w1) -> u1 and (w2, w3) -> u2. */
BJ_M_FN double bj_rand_box_muller(const uint32_t w[4]) {
    double u1 = bj_rand_unit53_open0(w[0], w[1]), u2 = bj_rand_unit53(w[2], w[3]);
    double l = bj_log_f64(u1);
    double m = -2.0 * l;
    double rad = sqrt(m);
    double c = bj_rand_cos2pi(u2);
    return rad * c;
}

BJ_M_FN double bj_rand_normal_f64(uint32_t k0, uint32_t k1, uint64_t i) {
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_NORMAL, 0, w);
    return bj_rand_box_muller(w);
}
BJ_M_FN float bj_rand_normal_f32(uint32_t k0, uint32_t k1, uint64_t i) { return (float)bj_rand_normal_f64(k0, k1, i); }

/* ---------------------------------------------------------------- randint
 * The offset in [0, span) for an unsigned 64-bit span (span 0 gives 0): the high half of the 128-bit product of 64
 * random bits and span, from 32-bit pieces. The caller adds the lower bound. */
BJ_M_FN uint64_t bj_rand_mulhi64(uint64_t a, uint64_t b) {
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl; /* < 3 * 2^32: no overflow */
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
BJ_M_FN int64_t bj_rand_randint_i64(uint32_t k0, uint32_t k1, uint64_t i, int64_t span) {
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_RANDINT, 0, w);
    uint64_t r = ((uint64_t)w[1] << 32) | w[0];
    return (int64_t)bj_rand_mulhi64(r, (uint64_t)span);
}

/* ---------------------------------------------------------------- poisson */
/* log(x!) = lgamma(x + 1) for integral x >= 0: x + 1 is moved up to y >= 10 (dividing by the product of the steps),
 * then Stirling's series to the 1/y^11 term (truncation below 1e-15 at y = 10). */
BJ_M_FN double bj_rand_log_factorial(double x) {
    double y = x + 1.0, prod = 1.0;
    for (int j = 0; j < 10; j++) { /* bounded: y < 10 takes at most 9 steps */
        int m = y < 10.0;
        prod = bj_m_sel64(m, prod * y, prod);
        y = bj_m_sel64(m, y + 1.0, y);
    }
    double iy = 1.0 / y, z = iy * iy;
    double s = -0x1.f6ab0d9993c7dp-10;
    s = bj_m_mad64(s, z, 0x1.b951e2b18ff23p-11);
    s = bj_m_mad64(s, z, -0x1.3813813813814p-11);
    s = bj_m_mad64(s, z, 0x1.a01a01a01a01ap-11);
    s = bj_m_mad64(s, z, -0x1.6c16c16c16c17p-9);
    s = bj_m_mad64(s, z, 0x1.5555555555555p-4);
    s = s * iy;
    double ly = bj_log_f64(y);
    double h = y - 0.5;
    double main = h * ly;
    main = main - y;
    main = main + 0x1.d67f1c864beb5p-1; /* log(2 pi) / 2 */
    main = main + s;
    return main - bj_log_f64(prod);
}

/* lam < 10: the smallest k with u < P(X <= k), adding the probabilities p_k = p_{k-1} lam / k. */
BJ_M_FN double bj_rand_poisson_small(double lam, const uint32_t w[4]) {
    double u = bj_rand_unit53(w[0], w[1]);
    double p = bj_exp_f64(-lam), cdf = p, k = 0.0;
    for (int j = 1; j <= 64 && u >= cdf; j++) {
        k = (double)j;
        double pl = p * lam;
        p = pl / k;
        cdf = cdf + p;
    }
    return k;
}

/* lam >= 2^40, and the fallback of the rejection loop: floor(lam + sqrt(lam) z + 1/2), at least 0. */
BJ_M_FN double bj_rand_poisson_normal(double lam, const uint32_t w[4]) {
    double z = bj_rand_box_muller(w);
    double sl = sqrt(lam);
    double d = sl * z;
    double k = floor((lam + d) + 0.5);
    return k < 0.0 ? 0.0 : k;
}

/* 10 <= lam < 2^40: PTRS (W. Hormann, "The transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12, 1993), with the constants of the paper. */
BJ_M_FN double bj_rand_poisson_ptrs(uint32_t k0, uint32_t k1, uint64_t i, double lam) {
    double slam = sqrt(lam), loglam = bj_log_f64(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    double log_inv_alpha = bj_log_f64(inv_alpha);
    uint32_t w[4];
    for (uint32_t j = 0; j < 32; j++) {
        bj_rand_block(k0, k1, i, BJ_RAND_TAG_POISSON, j, w);
        double u = bj_rand_unit53(w[0], w[1]) - 0.5, v = bj_rand_unit53(w[2], w[3]);
        double us = 0.5 - fabs(u);
        double t = 2.0 * a;
        t = t / us;
        t = t + b;
        t = t * u;
        t = t + lam;
        double k = floor(t + 0.43);
        if (us >= 0.07 && v <= vr) return k;
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        double q = a / (us * us);
        q = q + b;
        double lhs = bj_log_f64(v) + log_inv_alpha;
        lhs = lhs - bj_log_f64(q);
        double rhs = k * loglam;
        rhs = rhs - lam;
        rhs = rhs - bj_rand_log_factorial(k);
        if (lhs <= rhs) return k;
    }
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_POISSON, 32, w);
    return bj_rand_poisson_normal(lam, w);
}

/* The count as a double: -1 for lam < 0 or NaN, +inf for lam = +inf. */
BJ_M_FN double bj_rand_poisson_f64(uint32_t k0, uint32_t k1, uint64_t i, double lam) {
    if (!(lam >= 0.0)) return -1.0;
    if (lam == (double)INFINITY) return lam;
    uint32_t w[4];
    bj_rand_block(k0, k1, i, BJ_RAND_TAG_POISSON, 0, w);
    if (lam < 10.0) return bj_rand_poisson_small(lam, w);
    if (lam >= 0x1p40) return bj_rand_poisson_normal(lam, w);
    return bj_rand_poisson_ptrs(k0, k1, i, lam);
}
BJ_M_FN float bj_rand_poisson_f32(uint32_t k0, uint32_t k1, uint64_t i, double lam) {
    return (float)bj_rand_poisson_f64(k0, k1, i, lam);
}
BJ_M_FN int32_t bj_rand_poisson_i32(uint32_t k0, uint32_t k1, uint64_t i, double lam) {
    double k = bj_rand_poisson_f64(k0, k1, i, lam);
    return k >= 2147483647.0 ? INT32_MAX : (int32_t)k;
}
BJ_M_FN int64_t bj_rand_poisson_i64(uint32_t k0, uint32_t k1, uint64_t i, double lam) {
    double k = bj_rand_poisson_f64(k0, k1, i, lam);
    return k >= 9223372036854775807.0 ? INT64_MAX : (int64_t)k;
}

/* ---------------------------------------------------------------- keys
 * Element i of a key array (a [.., 2] array of keys, C order): word i & 1 of the block of counter base + i / 2. */
BJ_M_FN uint32_t bj_rand_split_u32(uint32_t k0, uint32_t k1, uint64_t i, uint32_t first) {
    uint32_t w[4];
    bj_rand_block(k0, k1, (uint64_t)first + (i >> 1), BJ_RAND_TAG_SPLIT, 0, w);
    return (i & 1u) ? w[1] : w[0];
}
BJ_M_FN uint32_t bj_rand_fold_in_u32(uint32_t k0, uint32_t k1, uint64_t i, uint32_t data) {
    uint32_t w[4];
    bj_rand_block(k0, k1, data, BJ_RAND_TAG_FOLD, 0, w);
    return (i & 1u) ? w[1] : w[0];
}
#endif
