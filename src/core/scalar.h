/* scalar.h — conversions between dtypes with defined results (no C undefined behaviour), shared by arrays and
 * the interpreter: float -> int saturates and maps NaN to 0, int -> narrower int wraps, x -> bool is x != 0. */
#ifndef BJ_SCALAR_H
#define BJ_SCALAR_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

static inline int32_t core_f2i32(double v) {
    if (isnan(v)) return 0;
    if (v >= 2147483647.0) return INT32_MAX;
    if (v <= -2147483648.0) return INT32_MIN;
    return (int32_t)v;
}
static inline int64_t core_f2i64(double v) {
    if (isnan(v)) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}
static inline uint32_t core_f2u32(double v) {
    if (isnan(v) || v <= 0) return 0;
    if (v >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)v;
}
/* int64 -> int32 wraps modulo 2^32 (two's complement), without implementation-defined conversion. */
static inline int32_t core_wrap_i32(int64_t v) {
    uint32_t u = (uint32_t)(uint64_t)v;
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}
static inline int64_t core_wrap_i64(uint64_t u) {
    return u <= INT64_MAX ? (int64_t)u : (int64_t)(u - 9223372036854775808ull) - INT64_MAX - 1;
}

/* Reads element i of a buffer of dtype d as double (int64 beyond 2^53 loses precision: use for printing/tests). */
static inline double core_load_f64(int d, const void *p, int64_t i) {
    switch (d) {
    case 0: return ((const bool *)p)[i];
    case 1: return ((const int32_t *)p)[i];
    case 2: return (double)((const int64_t *)p)[i];
    case 3: return ((const uint32_t *)p)[i];
    case 4: return ((const float *)p)[i];
    default: return ((const double *)p)[i];
    }
}
/* Writes v converted to dtype d (the conversions above) into element i. */
static inline void core_store_f64(int d, void *p, int64_t i, double v) {
    switch (d) {
    case 0: ((bool *)p)[i] = v != 0 || isnan(v); break;
    case 1: ((int32_t *)p)[i] = core_f2i32(v); break;
    case 2: ((int64_t *)p)[i] = core_f2i64(v); break;
    case 3: ((uint32_t *)p)[i] = core_f2u32(v); break;
    case 4: ((float *)p)[i] = (float)v; break;
    default: ((double *)p)[i] = v; break;
    }
}
#endif
