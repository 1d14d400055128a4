/* hand.c — the hand-written C side of `make bench`, built with the generated code's flags (-O3 -march=native ...). */
#include "bench.h"

#include <string.h>

/* One branch-free loop per LIF step; the same operations, in the same order, as the traced graph. gcc 12 is
 * sensitive to the shape: this one vectorizes (with -fno-trapping-math, as generated code is built), while writing a
 * select straight into a store, or an arm read only inside a select, made it use masked loads (vmaskmovpd, 2x
 * slower on Zen 3) or give up on a bool pattern. */
#define HAND_LIF(name, T)                                                                                             \
    void name(int64_t n, const T *restrict v, const int32_t *restrict ref, const T *restrict cur,                    \
              T *restrict v_out, int32_t *restrict ref_out, bool *restrict spike) {                                  \
        const T k = (T)(LIF_DT / LIF_TAU), v_rest = (T)LIF_V_REST, v_th = (T)LIF_V_TH, v_reset = (T)LIF_V_RESET;   \
        for (int64_t i = 0; i < n; i++) {                                                                             \
            const int32_t r = ref[i];                                                                                 \
            const T vi = v[i], ci = cur[i];                                                                           \
            const bool refractory = r > 0;                                                                            \
            const int32_t r1 = refractory ? r - 1 : 0;                                                                \
            const T v_int = vi + (-(vi - v_rest) + ci) * k;                                                           \
            const T v1 = refractory ? vi : v_int;                                                                     \
            const bool s = v1 >= v_th;                                                                                \
            const T v2 = s ? v_reset : v1;                                                                            \
            const int32_t r2 = s ? LIF_T_REF : r1;                                                                    \
            spike[i] = s;                                                                                             \
            v_out[i] = v2;                                                                                            \
            ref_out[i] = r2;                                                                                          \
        }                                                                                                             \
    }
HAND_LIF(hand_lif_f32, float)
HAND_LIF(hand_lif_f64, double)

/* Counting in integers is what one would write by hand: exact, and it vectorizes without -ffast-math. */
float hand_rate_mean(int64_t n, const bool *restrict spike) {
    /* bytes into 32-bit partial counts: gcc 12 vectorizes neither bool -> int nor 8 -> 64-bit widening */
    const uint8_t *bytes = (const uint8_t *)spike;
    int64_t count = 0;
    for (int64_t i = 0; i < n; i += 1 << 20) {
        const int64_t end = n - i < (1 << 20) ? n : i + (1 << 20);
        uint32_t part = 0;
        for (int64_t j = i; j < end; j++) part += bytes[j];
        count += part;
    }
    return (float)count / (float)n;
}

void hand_matmul_f32(int64_t n, const float *restrict a, const float *restrict b, float *restrict c) {
    memset(c, 0, sizeof(float) * (size_t)(n * n));
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < n; k++) {
            const float aik = a[i * n + k];
            for (int64_t j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
}
