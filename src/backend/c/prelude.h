/* prelude.h — helpers pasted (after bjmath.h) at the top of every generated C source: the op semantics that are not
 * a bare C operator, written once per dtype so that they match the interpreter bit for bit (but for a NaN's own
 * bits, which docs/ops.md leaves open). Self-contained; also compiled into the test suite to check it. Every helper
 * is a branch-free expression the compiler can vectorize, except integer division, remainder and power, which have
 * no vector form anyway, and the folds of max/min reductions, whose loops are scalar. */
#ifndef BJ_PRELUDE_H
#define BJ_PRELUDE_H
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Wrapping integer arithmetic: computed in the unsigned type, converted back (gcc and clang define the
 * conversion as modulo 2^N), so overflow is never undefined. */
#define BJ_WRAP_OPS(D, T, U)                                                                                          \
    static inline T bj_add_##D(T a, T b) { return (T)((U)a + (U)b); }                                                 \
    static inline T bj_sub_##D(T a, T b) { return (T)((U)a - (U)b); }                                                 \
    static inline T bj_mul_##D(T a, T b) { return (T)((U)a * (U)b); }                                                 \
    static inline T bj_neg_##D(T a) { return (T)((U)0 - (U)a); }
BJ_WRAP_OPS(i32, int32_t, uint32_t)
BJ_WRAP_OPS(i64, int64_t, uint64_t)
BJ_WRAP_OPS(u32, uint32_t, uint32_t)

/* Python floor division and remainder; x // 0 == 0 and x % 0 == 0 as numpy; for signed types (SG) b == -1 is
 * negation (wrapping), so INT_MIN / -1 is never evaluated. */
#define BJ_DIV_OPS(D, T, W, SG)                                                                                           \
    static inline T bj_floordiv_##D(T a, T b) {                                                                       \
        if (b == 0) return 0;                                                                                         \
        if (SG && b == (T)-1) return bj_neg_##D(a);                                                                         \
        T q = a / b;                                                                                                  \
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;                                                        \
    }                                                                                                                 \
    static inline T bj_mod_##D(T a, T b) {                                                                            \
        if (b == 0 || (SG && b == (T)-1)) return 0;                                                                           \
        T r = a % b;                                                                                                  \
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;                                                            \
    }                                                                                                                 \
    static inline T bj_pow_##D(T a, T b) {                                                                            \
        if (b < 0) return a == 1 ? 1 : a == (T)-1 ? (((uint64_t)(int64_t)b & 1) ? (T)-1 : 1) : 0;                     \
        uint64_t r = 1, base = (uint64_t)(int64_t)a;                                                                  \
        for (uint64_t e = (uint64_t)(int64_t)b; e; e >>= 1, base *= base)                                             \
            if (e & 1) r *= base;                                                                                     \
        return (T)r;                                                                                                  \
    }                                                                                                                 \
    static inline T bj_shl_##D(T a, T b) { return (b < 0 || b >= W) ? 0 : (T)((uint64_t)(int64_t)a << b); }          \
    static inline T bj_shr_##D(T a, T b) {                                                                            \
        return (b < 0 || b >= W) ? (a < 0 ? (T)-1 : 0) : a >= 0 ? (T)(a >> b) : (T)~(~a >> b);                       \
    }
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtype-limits"
#endif
BJ_DIV_OPS(i32, int32_t, 32, 1)
BJ_DIV_OPS(i64, int64_t, 64, 1)
BJ_DIV_OPS(u32, uint32_t, 32, 0)
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* Float -> int conversions as astype: saturating, NaN -> 0 (the comparisons are made in double). */
static inline int32_t bj_f2i32(double v) {
    return v != v ? 0 : v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN : (int32_t)v;
}
static inline int64_t bj_f2i64(double v) {
    return v != v ? 0 : v >= 9223372036854775807.0 ? INT64_MAX : v <= -9223372036854775808.0 ? INT64_MIN : (int64_t)v;
}
static inline uint32_t bj_f2u32(double v) { return (v != v || v <= 0) ? 0 : v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v; }

/* Float helpers: IEEE 754-2019 maximum/minimum (NumPy's and JAX's: NaN if either operand is NaN, and -0 < +0 in
 * either order), numpy's remainder (sign of the divisor; x % 0 is NaN) and sign (keeps NaN and the sign of zero).
 * max and min take C's `a > b ? a : b` (exactly x86's maxps, which returns b on a tie or a NaN) in both operand
 * orders and merge the two bitwise. They differ only on a tie of zeros (-0, +0) or where one operand is NaN: min ORs
 * them (-0's sign bit wins; a NaN's all-ones exponent and nonzero mantissa survive), max ANDs the sign bits and ORs
 * the rest. Branch-free: two vector max and two logic ops (one vpternlog each with AVX-512). */
#define BJ_FLOAT_OPS(D, T, U, S)                                                                                      \
    static inline T bj_max_##D(T a, T b) {                                                                            \
        T p = a > b ? a : b, q = b > a ? b : a;                                                                       \
        U x, y, m = ~(U)0 >> 1; /* all bits but the sign */                                                           \
        memcpy(&x, &p, sizeof x), memcpy(&y, &q, sizeof y);                                                           \
        x = (x & y) | ((x | y) & m);                                                                                  \
        memcpy(&p, &x, sizeof p);                                                                                     \
        return p;                                                                                                     \
    }                                                                                                                 \
    static inline T bj_min_##D(T a, T b) {                                                                            \
        T p = a < b ? a : b, q = b < a ? b : a;                                                                       \
        U x, y;                                                                                                       \
        memcpy(&x, &p, sizeof x), memcpy(&y, &q, sizeof y);                                                           \
        x |= y;                                                                                                       \
        memcpy(&p, &x, sizeof p);                                                                                     \
        return p;                                                                                                     \
    }                                                                                                                 \
    /* the fold step of max/min reductions: scalar loops (not vectorized: the fold is ordered), where the bitwise    \
     * merge would cross between vector and integer registers on every element; ties and NaN are rare, so the      \
     * first two tests are branches the processor predicts */                                                       \
    static inline T bj_fold_max_##D(T a, T b) { return a > b ? a : b > a ? b : bj_max_##D(a, b); }                    \
    static inline T bj_fold_min_##D(T a, T b) { return a < b ? a : b < a ? b : bj_min_##D(a, b); }                    \
    static inline T bj_sign_##D(T x) { return x > 0 ? (T)1 : x < 0 ? (T)-1 : x; }                                     \
    static inline T bj_mod_##D(T a, T b) {                                                                            \
        T r = fmod##S(a, b);                                                                                          \
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r == 0 ? copysign##S(0, b) : r;                               \
    }
BJ_FLOAT_OPS(f32, float, uint32_t, f)
BJ_FLOAT_OPS(f64, double, uint64_t, )

#define BJ_INT_MINMAX(D, T)                                                                                           \
    static inline T bj_max_##D(T a, T b) { return a >= b ? a : b; }                                                   \
    static inline T bj_min_##D(T a, T b) { return a <= b ? a : b; }
BJ_INT_MINMAX(i32, int32_t)
BJ_INT_MINMAX(i64, int64_t)
BJ_INT_MINMAX(u32, uint32_t)

/* Placed before the innermost loop of an elementwise kernel: the memory plan guarantees that no buffer a kernel
 * writes is read or written through another pointer, so iterations are independent. gcc otherwise gives up
 * vectorizing a loop with more than ten buffers (too many runtime alias checks). */
#if defined(__clang__)
#define BJ_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define BJ_IVDEP _Pragma("GCC ivdep")
#else
#define BJ_IVDEP
#endif

/* Always 0, but exported, so the compiler cannot know it: an integer converted to float is rendered as
 * (float)(i ^ bj_z) with bj_z loaded from it once per kernel. Under -fno-trapping-math gcc folds float(int(x))
 * into trunc(x), which turns -0.5 into -0.0 where the integer 0 converts to +0.0; the xor hides the pattern. */
int64_t bj_cast_zero;

/* Work split for the OpenMP loops: thread `id` of n runs [lo, hi) of 0..total, in contiguous blocks. */
static inline void bj_split(int64_t total, int n, int id, int64_t *lo, int64_t *hi) {
    int64_t q = total / n, r = total % n;
    *lo = id * q + (id < r ? id : r);
    *hi = *lo + q + (id < r);
}
#endif
