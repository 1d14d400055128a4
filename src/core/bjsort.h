/* bjsort.h — the one sort behind the sort and argsort ops: a stable ascending sort of one line, used by the
 * interpreter (src/backend/interp/sort.c) and pasted into every generated source (PRELUDE_HDRS in the Makefile).
 *
 * Order. Integers and bools compare as numbers. Floats compare with `<`, except that NaN is after every number
 * (numpy's and JAX's order): -0.0 and +0.0 are equal, as are two NaNs, and equal elements keep their order
 * (stable), so -0.0 and +0.0 come out in the order they went in. A stable sort's result is unique: every backend
 * gives the same bits, whichever algorithm ran.
 *
 * Algorithm. With scratch (bj_sort_scratch_bytes(n, sizeof(T)) bytes): the line is gathered into the scratch as
 * (key, position) pairs, runs of BJ_SORT_RUN are sorted by insertion, then merged bottom-up, ping-ponging between
 * two halves of the scratch; a merge takes from the right run only when its head is strictly less, which is what
 * keeps it stable. O(n log n), deterministic. Without scratch (NULL: an allocation failed in generated code, which
 * has no way to report it) the same result comes from an insertion sort done in place in the outputs: O(n^2), but
 * never wrong.
 *
 * Lines are strided (the sorted axis need not be the last): element j of the input is x[j * xs], of the outputs
 * y[j * ys] (values; NULL: not wanted) and yi[j * ys] (int32 positions in the input; NULL: not wanted). Lines are
 * at most 2^31 - 1 long (the builder checks it). */
#ifndef BJ_SORT_H
#define BJ_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define BJ_SORT_RUN 16 /* elements sorted by insertion before the merges begin */

/* Scratch for a line of n elements of es bytes: positions first (2n int32, so the keys after them stay 8-aligned
 * when the block is), then 2n keys. */
static inline size_t bj_sort_scratch_bytes(int64_t n, size_t es) {
    return (size_t)n * 2 * (sizeof(int32_t) + es);
}
/* A kernel's scratch for lines of n elements (NULL on failure or n == 0: the in-place fallback runs). */
static inline void *bj_sort_scratch_new(int64_t n, size_t es) {
    return n > 0 ? malloc(bj_sort_scratch_bytes(n, es)) : NULL;
}
static inline void bj_sort_scratch_free(void *p) { free(p); }

#define BJ_SORT_LT_NUM(a, b) ((a) < (b))
#define BJ_SORT_LT_FLOAT(a, b) ((a) < (b) || ((b) != (b) && (a) == (a))) /* NaN after every number */

#define BJ_SORT_DEF(D, T, LT)                                                                                         \
    /* Sorts keys k and positions p (m elements) by insertion, stably. */                                             \
    static inline void bj_sort_insert_##D(T *k, int32_t *p, int64_t m) {                                              \
        for (int64_t i = 1; i < m; i++) {                                                                             \
            T v = k[i];                                                                                               \
            int32_t pv = p[i];                                                                                        \
            int64_t j = i;                                                                                            \
            for (; j > 0 && LT(v, k[j - 1]); j--) k[j] = k[j - 1], p[j] = p[j - 1];                                   \
            k[j] = v, p[j] = pv;                                                                                      \
        }                                                                                                             \
    }                                                                                                                 \
    /* Merges the sorted runs [lo, mid) and [mid, hi) of (k, p) into (tk, tp). */                                     \
    static inline void bj_sort_merge_##D(const T *k, const int32_t *p, T *tk, int32_t *tp, int64_t lo, int64_t mid,   \
                                         int64_t hi) {                                                                \
        int64_t i = lo, j = mid, o = lo;                                                                              \
        while (i < mid && j < hi) {                                                                                   \
            if (LT(k[j], k[i])) tk[o] = k[j], tp[o++] = p[j++];                                                       \
            else tk[o] = k[i], tp[o++] = p[i++];                                                                      \
        }                                                                                                             \
        for (; i < mid; i++) tk[o] = k[i], tp[o++] = p[i];                                                            \
        for (; j < hi; j++) tk[o] = k[j], tp[o++] = p[j];                                                             \
    }                                                                                                                 \
    /* The fallback without scratch: insertion in place in the outputs. */                                           \
    static inline void bj_sort_inplace_##D(const T *x, int64_t xs, T *y, int32_t *yi, int64_t ys, int64_t n) {        \
        if (!yi) {                                                                                                    \
            for (int64_t j = 0; j < n; j++) y[j * ys] = x[j * xs];                                                    \
            for (int64_t i = 1; i < n; i++) {                                                                         \
                T v = y[i * ys];                                                                                      \
                int64_t j = i;                                                                                        \
                for (; j > 0 && LT(v, y[(j - 1) * ys]); j--) y[j * ys] = y[(j - 1) * ys];                             \
                y[j * ys] = v;                                                                                        \
            }                                                                                                         \
            return;                                                                                                   \
        }                                                                                                             \
        for (int64_t j = 0; j < n; j++) yi[j * ys] = (int32_t)j;                                                      \
        for (int64_t i = 1; i < n; i++) {                                                                             \
            int32_t pv = yi[i * ys];                                                                                  \
            int64_t j = i;                                                                                            \
            for (; j > 0 && LT(x[pv * xs], x[yi[(j - 1) * ys] * xs]); j--) yi[j * ys] = yi[(j - 1) * ys];             \
            yi[j * ys] = pv;                                                                                          \
        }                                                                                                             \
        if (y)                                                                                                        \
            for (int64_t j = 0; j < n; j++) y[j * ys] = x[yi[j * ys] * xs];                                           \
    }                                                                                                                 \
    /* Sorts line x (n elements, stride xs) into y and / or yi (stride ys); scratch as above, or NULL. */             \
    static inline void bj_sort_line_##D(const T *x, int64_t xs, T *y, int32_t *yi, int64_t ys, int64_t n,             \
                                        void *scratch) {                                                              \
        if (!scratch) {                                                                                               \
            bj_sort_inplace_##D(x, xs, y, yi, ys, n);                                                                 \
            return;                                                                                                   \
        }                                                                                                             \
        int32_t *p = (int32_t *)scratch, *tp = p + n;                                                                 \
        T *k = (T *)(void *)(tp + n), *tk = k + n;                                                                    \
        for (int64_t j = 0; j < n; j++) k[j] = x[j * xs], p[j] = (int32_t)j;                                          \
        for (int64_t s = 0; s < n; s += BJ_SORT_RUN)                                                                  \
            bj_sort_insert_##D(k + s, p + s, n - s < BJ_SORT_RUN ? n - s : BJ_SORT_RUN);                              \
        for (int64_t w = BJ_SORT_RUN; w < n; w *= 2) {                                                                \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                                               \
                int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;                          \
                bj_sort_merge_##D(k, p, tk, tp, lo, mid, hi);                                                         \
            }                                                                                                         \
            T *sk = k;                                                                                                \
            int32_t *sp = p;                                                                                          \
            k = tk, p = tp, tk = sk, tp = sp;                                                                         \
        }                                                                                                             \
        for (int64_t j = 0; j < n; j++) {                                                                             \
            if (y) y[j * ys] = k[j];                                                                                  \
            if (yi) yi[j * ys] = p[j];                                                                                \
        }                                                                                                             \
    }

BJ_SORT_DEF(b, uint8_t, BJ_SORT_LT_NUM)
BJ_SORT_DEF(i32, int32_t, BJ_SORT_LT_NUM)
BJ_SORT_DEF(i64, int64_t, BJ_SORT_LT_NUM)
BJ_SORT_DEF(u32, uint32_t, BJ_SORT_LT_NUM)
BJ_SORT_DEF(f32, float, BJ_SORT_LT_FLOAT)
BJ_SORT_DEF(f64, double, BJ_SORT_LT_FLOAT)
#endif
