/* philox.h — the counter-based generator behind every random number (Philox4x32-10, Salmon et al., SC'11, as in
 * Random123 and JAX's rbg): pasted into every generated source and used by the interpreter, so both give the same
 * bits, whatever the thread count (a number depends only on its key and counter, never on order).
 * Self-contained C (no includes beyond <stdint.h>), branch-free, so loops over counters vectorize. */
#ifndef BJ_PHILOX_H
#define BJ_PHILOX_H

#include <stdint.h>

#define BJ_PHILOX_M0 0xD2511F53u
#define BJ_PHILOX_M1 0xCD9E8D57u
#define BJ_PHILOX_W0 0x9E3779B9u
#define BJ_PHILOX_W1 0xBB67AE85u

/* One round on counter c with round key (k0, k1). */
static inline void bj_philox_round(uint32_t c[4], uint32_t k0, uint32_t k1) {
    uint64_t p0 = (uint64_t)BJ_PHILOX_M0 * c[0], p1 = (uint64_t)BJ_PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0, c[1] = lo1, c[2] = n2, c[3] = lo0;
}

/* Philox4x32-10: out = the 4 random words for counter ctr under key. Known answers (Random123 kat_vectors):
 * ctr 0, key 0 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8. */
static inline void bj_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]}, k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        bj_philox_round(c, k0, k1);
        k0 += BJ_PHILOX_W0, k1 += BJ_PHILOX_W1;
    }
    out[0] = c[0], out[1] = c[1], out[2] = c[2], out[3] = c[3];
}

/* Word w (0..3) of the block for a 64-bit counter and a 32-bit stream tag: the usual way to number draws. */
static inline uint32_t bj_philox_word(const uint32_t key[2], uint64_t counter, uint32_t stream, int w) {
    uint32_t ctr[4] = {(uint32_t)counter, (uint32_t)(counter >> 32), stream, 0}, out[4];
    bj_philox4x32(ctr, key, out);
    return out[w & 3];
}

/* Uniform floats in [0, 1) from random bits, exactly as JAX: the top mantissa bits under exponent 0, minus 1. */
static inline float bj_bits_to_unit_f32(uint32_t bits) {
    union {
        uint32_t u;
        float f;
    } x = {(bits >> 9) | 0x3F800000u};
    return x.f - 1.0f;
}
static inline double bj_bits_to_unit_f64(uint32_t hi, uint32_t lo) {
    union {
        uint64_t u;
        double f;
    } x = {((((uint64_t)hi << 32) | lo) >> 12) | 0x3FF0000000000000ull};
    return x.f - 1.0;
}
#endif
