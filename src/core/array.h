/* array.h — the layout of bj_array and the checked constructor that every stage uses to make arrays. */
#ifndef BJ_ARRAY_H
#define BJ_ARRAY_H

#include "core.h"

#include <stdatomic.h>

struct bj_array {
    _Atomic int refcount; /* changed under the handle registry's lock (core_ref_retain, core_ref_release) */
    bj_dtype dtype;
    int rank;
    int64_t shape[BJ_MAX_RANK];
    int64_t strides[BJ_MAX_RANK]; /* bytes, C order; a 0 dimension counts as 1 (numpy 1.x's strides) */
    int64_t size;                 /* elements; 1 for rank 0, 0 when a dimension is 0 */
    size_t nbytes;                /* size * bj_dtype_size(dtype) */
    void *data;                   /* BJ_ALIGN aligned (but wrapped arrays), never NULL (one byte even when empty) */
    _Atomic bool donated;         /* its buffer went to a jit output (donate_argnums): every use but release fails */
    _Atomic int var_owned;        /* > 0 while it is a Variable's value (such buffers are never donated) */
    void (*release)(void *ctx);   /* bj_array_wrap: frees data instead of core_aligned_free (NULL: nothing to do) */
    void *release_ctx;
    bool external;                /* data is the caller's (bj_array_wrap): element-aligned, not BJ_ALIGN aligned */
};

/* A new array handle of the given type that takes over donor's buffer (same byte size); donor is marked donated
 * and keeps no buffer. NULL with the error set on OOM. */
BJ_HIDDEN bj_array *core_array_take(bj_array *donor, bj_dtype dtype, int rank, const int64_t *shape);

/* Validates rank (0..BJ_MAX_RANK), shape (not NULL when rank > 0, no negative dimension) and the element count
 * (no overflow) and stores the count in *nelem. Errors name `what`, e.g. "bj_array_zeros: dimension 1 is
 * negative (-3)". */
BJ_HIDDEN bj_status core_shape_check(int rank, const int64_t *shape, const char *what, int64_t *nelem);

/* A new array (refcount 1, registered as a live handle) with zeroed data, or NULL with the error set (naming
 * `what`): invalid dtype, bad shape, a byte count that overflows, or out of memory. */
BJ_HIDDEN bj_array *core_array_alloc(bj_dtype dtype, int rank, const int64_t *shape, const char *what);

#endif
