/* conn.c — host-side connectivity builders: CSR matrices (int32 indptr and indices) from the fixed-probability rule
 * and from explicit (pre, post) pairs, and a checker for CSR matrices made elsewhere.
 *
 * bj_conn_fixed_prob makes its rows with the generator of src/core/bjconn.h, the one the procedural ops run inside
 * their kernels: the stored network and the procedural one of the same (seed, p, allow_self) are identical, so
 * event_csrmv on the stored matrix and jitconn_event_mv give the same bits. Uses only the public API (and that
 * self-contained header). */
#define BJ_BUILDING 1 /* the public functions defined here are exported from the shared library */
#include <brainjit.h>

#include "core/bjconn.h"

#include <stdlib.h>
#include <string.h>

#define I32MAX ((int64_t)INT32_MAX)

/* A new zeroed int32 vector (its elements in *data), or NULL with the error set. */
static bj_array *vector_i32(int64_t n, int32_t **data) {
    bj_array *a = bj_array_zeros(BJ_I32, 1, &n);
    *data = a ? bj_array_data(a) : NULL;
    return a;
}

/* Element i of an integer vector as int64. */
static int64_t int_at(const bj_array *a, int64_t i) {
    const void *d = bj_array_data(a);
    switch (bj_array_dtype(a)) {
    case BJ_I32: return ((const int32_t *)d)[i];
    case BJ_U32: return ((const uint32_t *)d)[i];
    default: return ((const int64_t *)d)[i];
    }
}

static bool sizes_ok(const char *fn, int64_t n_pre, int64_t n_post) {
    if (n_pre >= 0 && n_post >= 0 && n_pre <= I32MAX && n_post <= I32MAX) return true;
    return bj_set_error(BJ_ERR_ARG, "%s: n_pre %lld and n_post %lld must be in [0, %lld] (int32 indices)", fn,
                        (long long)n_pre, (long long)n_post, (long long)I32MAX), false;
}

bj_status bj_conn_fixed_prob(int64_t n_pre, int64_t n_post, double p, uint64_t seed, bool allow_self,
                             bj_array **indptr, bj_array **indices) {
    const char *fn = "bj_conn_fixed_prob";
    if (indptr) *indptr = NULL;
    if (indices) *indices = NULL;
    if (!indptr || !indices) return bj_set_error(BJ_ERR_ARG, "%s: indptr and indices must not be NULL", fn);
    if (!sizes_ok(fn, n_pre, n_post)) return BJ_ERR_ARG;
    if (!(p >= 0 && p <= 1)) return bj_set_error(BJ_ERR_ARG, "%s: p = %g is outside [0, 1]", fn, p);
    double expect = (double)n_pre * (double)n_post * p;
    if (expect > 1.05 * (double)I32MAX) /* the count is within a few sqrt(expect) of expect: it would overflow */
        return bj_set_error(BJ_ERR_SHAPE, "%s: about %.3g synapses (n_pre %lld, n_post %lld, p %g) overflow int32 "
                            "indptr; use the procedural ops (bj_jitconn_event_mv) or a smaller network", fn, expect,
                            (long long)n_pre, (long long)n_post, p);
    int32_t *ptr, *col;
    bj_array *ip = vector_i32(n_pre + 1, &ptr);
    if (!ip) return bj_last_status();
    size_t cap = (size_t)(expect * 1.02) + 1024, nnz = 0; /* one pass, into a growing buffer */
    int32_t *buf = malloc(cap * sizeof *buf);
    bj_status s = buf ? BJ_OK : bj_set_error(BJ_ERR_NOMEM, "%s: out of memory", fn);
    bj_conn_rule rule;
    bj_conn_rule_init(&rule, seed, p, n_post, allow_self);
    for (int64_t pre = 0; !s && pre < n_pre; pre++) {
        bj_conn_row row;
        bj_conn_row_begin(&rule, pre, &row);
        for (int64_t j; !s && (j = bj_conn_row_next(&rule, &row)) >= 0;) {
            if (nnz == (size_t)I32MAX)
                s = bj_set_error(BJ_ERR_SHAPE, "%s: more than %lld synapses (n_pre %lld, n_post %lld, p %g) overflow "
                                 "int32 indptr; use the procedural ops or a smaller network", fn, (long long)I32MAX,
                                 (long long)n_pre, (long long)n_post, p);
            else if (nnz == cap) {
                int32_t *nb = realloc(buf, 2 * cap * sizeof *buf);
                if (!nb) s = bj_set_error(BJ_ERR_NOMEM, "%s: out of memory", fn);
                else buf = nb, cap *= 2;
            }
            if (!s) buf[nnz++] = (int32_t)j;
        }
        ptr[pre + 1] = (int32_t)nnz;
    }
    bj_array *ix = s ? NULL : vector_i32((int64_t)nnz, &col);
    if (ix && nnz) memcpy(col, buf, nnz * sizeof *buf);
    free(buf);
    if (!ix) {
        bj_array_release(ip);
        return s ? s : bj_last_status();
    }
    *indptr = ip, *indices = ix;
    return BJ_OK;
}

/* An integer vector argument (checked live). */
static bool int_vector(const char *fn, const char *what, const bj_array *a) {
    if (!bj_array_valid(a))
        return bj_set_error(a ? BJ_ERR_HANDLE : BJ_ERR_ARG, "%s: %s is %s", fn, what,
                            a ? "not a live array handle" : "NULL"), false;
    bj_dtype d = bj_array_dtype(a);
    int r = bj_array_rank(a);
    if (r != 1 || (d != BJ_I32 && d != BJ_I64 && d != BJ_U32))
        return bj_set_error(r != 1 ? BJ_ERR_SHAPE : BJ_ERR_DTYPE, "%s: %s must be an integer vector (int32, int64 or "
                            "uint32), got %s of rank %d", fn, what, bj_dtype_name(d), r), false;
    return true;
}

/* Every element of a in [0, n). */
static bool in_range(const char *fn, const char *what, const bj_array *a, int64_t n, const char *nname) {
    for (int64_t i = 0, size = bj_array_size(a); i < size; i++) {
        int64_t v = int_at(a, i);
        if (v < 0 || v >= n)
            return bj_set_error(BJ_ERR_ARG, "%s: %s[%lld] = %lld is outside [0, %lld) (%s)", fn, what, (long long)i,
                                (long long)v, (long long)n, nname), false;
    }
    return true;
}

bj_status bj_conn_from_pairs(int64_t n_pre, int64_t n_post, const bj_array *pre, const bj_array *post,
                             bj_array **indptr, bj_array **indices, bj_array **order) {
    const char *fn = "bj_conn_from_pairs";
    if (indptr) *indptr = NULL;
    if (indices) *indices = NULL;
    if (order) *order = NULL;
    if (!indptr || !indices) return bj_set_error(BJ_ERR_ARG, "%s: indptr and indices must not be NULL", fn);
    if (!sizes_ok(fn, n_pre, n_post)) return BJ_ERR_ARG;
    if (!int_vector(fn, "pre", pre) || !int_vector(fn, "post", post)) return bj_last_status();
    int64_t nnz = bj_array_size(pre);
    if (bj_array_size(post) != nnz)
        return bj_set_error(BJ_ERR_SHAPE, "%s: pre has %lld entries and post %lld; they must pair up", fn,
                            (long long)nnz, (long long)bj_array_size(post));
    if (nnz > I32MAX) return bj_set_error(BJ_ERR_SHAPE, "%s: %lld pairs overflow int32 indptr", fn, (long long)nnz);
    if (!in_range(fn, "pre", pre, n_pre, "n_pre") || !in_range(fn, "post", post, n_post, "n_post")) return BJ_ERR_ARG;
    int32_t *ptr = NULL, *col = NULL, *perm = NULL, *next = NULL;
    bj_array *ip = vector_i32(n_pre + 1, &ptr), *ix = ip ? vector_i32(nnz, &col) : NULL;
    bj_array *ord = ix && order ? vector_i32(nnz, &perm) : NULL;
    bool ok = ix && (ord || !order);
    if (ok && !(next = malloc(sizeof *next * (size_t)(n_pre + 1)))) ok = false, bj_set_error(BJ_ERR_NOMEM, "%s: out of memory", fn);
    if (!ok) {
        bj_array_release(ip), bj_array_release(ix), bj_array_release(ord);
        return bj_last_status();
    }
    /* a counting sort by pre: rows in order, each row's synapses in the order of the pairs (stable) */
    for (int64_t k = 0; k < nnz; k++) ptr[int_at(pre, k) + 1]++;
    for (int64_t i = 0; i < n_pre; i++) ptr[i + 1] += ptr[i];
    memcpy(next, ptr, sizeof *next * (size_t)(n_pre + 1));
    for (int64_t k = 0; k < nnz; k++) {
        int32_t at = next[int_at(pre, k)]++;
        col[at] = (int32_t)int_at(post, k);
        if (perm) perm[at] = (int32_t)k;
    }
    free(next);
    *indptr = ip, *indices = ix;
    if (order) *order = ord;
    return BJ_OK;
}

bj_status bj_conn_check(int64_t n_pre, int64_t n_post, const bj_array *indptr, const bj_array *indices) {
    const char *fn = "bj_conn_check";
    if (n_pre < 0 || n_post < 0)
        return bj_set_error(BJ_ERR_ARG, "%s: n_pre %lld and n_post %lld must be >= 0", fn, (long long)n_pre,
                            (long long)n_post);
    if (!int_vector(fn, "indptr", indptr) || !int_vector(fn, "indices", indices)) return bj_last_status();
    if (bj_array_size(indptr) - 1 != n_pre) /* not n_pre + 1: it may overflow int64 (not uint64, below) */
        return bj_set_error(BJ_ERR_SHAPE, "%s: indptr has %lld entries; n_pre + 1 = %llu expected", fn,
                            (long long)bj_array_size(indptr), (unsigned long long)n_pre + 1);
    int64_t nnz = bj_array_size(indices);
    for (int64_t i = 0; i <= n_pre; i++) {
        int64_t v = int_at(indptr, i);
        if (v < 0 || v > nnz)
            return bj_set_error(BJ_ERR_ARG, "%s: indptr[%lld] = %lld is outside [0, %lld] (nnz, the length of indices)",
                                fn, (long long)i, (long long)v, (long long)nnz);
        if (i && v < int_at(indptr, i - 1))
            return bj_set_error(BJ_ERR_ARG, "%s: indptr decreases at %lld (%lld after %lld)", fn, (long long)i,
                                (long long)v, (long long)int_at(indptr, i - 1));
    }
    return in_range(fn, "indices", indices, n_post, "n_post") ? BJ_OK : BJ_ERR_ARG;
}
