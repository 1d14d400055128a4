/* array.c — reference-counted n-d arrays: checked construction, numpy-like creation, refcounting, accessors. */
#include "array.h"
#include "scalar.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* "[4611686018427387904, 4]" into buf (room for BJ_MAX_RANK 20-digit dimensions). */
static const char *fmt_shape(char *buf, size_t n, int rank, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

static bool dtype_ok(bj_dtype d, const char *what) {
    if ((unsigned)d < BJ_NDTYPES) return true;
    core_err(BJ_ERR_DTYPE, "%s: invalid dtype %d", what, (int)d);
    return false;
}

bj_status core_shape_check(int rank, const int64_t *shape, const char *what, int64_t *nelem) {
    if (rank < 0 || rank > BJ_MAX_RANK) return core_err(BJ_ERR_SHAPE, "%s: rank %d is outside 0..%d", what, rank, BJ_MAX_RANK);
    if (rank && !shape) return core_err(BJ_ERR_ARG, "%s: shape is NULL for rank %d", what, rank);
    for (int i = 0; i < rank; i++)
        if (shape[i] < 0) return core_err(BJ_ERR_SHAPE, "%s: dimension %d is negative (%lld)", what, i, (long long)shape[i]);
    /* Zero dimensions are skipped in the overflow check so that the byte strides, which multiply the other
     * dimensions, can never overflow either; numpy refuses such shapes too. */
    int64_t n = 1, nz = 1;
    for (int i = 0; i < rank; i++) {
        if (!shape[i]) n = 0;
        else if (!core_mul_ok(nz, shape[i], &nz)) {
            char buf[BJ_MAX_RANK * 24 + 8];
            return core_err(BJ_ERR_SHAPE, "%s: shape %s overflows", what, fmt_shape(buf, sizeof buf, rank, shape));
        }
    }
    *nelem = n ? nz : 0;
    return BJ_OK;
}

/* A new array's reference count, flags, type and C-order strides (a 0 dimension counts as 1, as numpy 1.x). */
static void set_type(bj_array *a, bj_dtype dtype, int rank, const int64_t *shape) {
    atomic_init(&a->refcount, 1);
    atomic_init(&a->donated, false);
    atomic_init(&a->var_owned, 0);
    a->dtype = dtype, a->rank = rank;
    int64_t stride = (int64_t)bj_dtype_size(dtype);
    for (int i = rank - 1; i >= 0; i--) {
        a->shape[i] = shape[i];
        a->strides[i] = stride;
        stride *= shape[i] ? shape[i] : 1;
    }
}

bj_array *core_array_alloc(bj_dtype dtype, int rank, const int64_t *shape, const char *what) {
    int64_t n, nz = 1, nzbytes;
    if (!dtype_ok(dtype, what) || core_shape_check(rank, shape, what, &n)) return NULL;
    int64_t esize = (int64_t)bj_dtype_size(dtype);
    for (int i = 0; i < rank; i++) nz *= shape[i] ? shape[i] : 1; /* core_shape_check ruled out overflow */
    if (!core_mul_ok(nz, esize, &nzbytes) || (uint64_t)nzbytes > SIZE_MAX - BJ_ALIGN) {
        char buf[BJ_MAX_RANK * 24 + 8];
        core_err(BJ_ERR_SHAPE, "%s: shape %s of %s overflows the byte count", what,
                 fmt_shape(buf, sizeof buf, rank, shape), bj_dtype_name(dtype));
        return NULL;
    }
    bj_array *a = calloc(1, sizeof *a);
    size_t nbytes = (size_t)(n * esize);
    void *data = a ? core_aligned_alloc(nbytes ? nbytes : 1) : NULL;
    if (!data) {
        free(a);
        char buf[96];
        core_err(BJ_ERR_NOMEM, "%s: out of memory for %s (%zu bytes)", what,
                 core_fmt_type(buf, sizeof buf, dtype, rank, shape), nbytes);
        return NULL;
    }
    a->size = n, a->nbytes = nbytes, a->data = data;
    set_type(a, dtype, rank, shape);
    if (!core_handle_add(a, CORE_H_ARRAY)) {
        core_aligned_free(data);
        free(a);
        core_err(BJ_ERR_NOMEM, "%s: out of memory registering the array", what);
        return NULL;
    }
    return a;
}

bj_array *bj_array_new(bj_dtype dtype, int rank, const int64_t *shape, const void *data) {
    if (!data) return core_err(BJ_ERR_ARG, "bj_array_new: data is NULL"), NULL;
    bj_array *a = core_array_alloc(dtype, rank, shape, "bj_array_new");
    if (a && a->nbytes) memcpy(a->data, data, a->nbytes);
    return a;
}

bj_array *bj_array_zeros(bj_dtype dtype, int rank, const int64_t *shape) {
    return core_array_alloc(dtype, rank, shape, "bj_array_zeros");
}

/* Stores one converted element, then doubles the filled prefix with memcpy: a few calls, not one per element. */
static void fill(bj_array *a, double value) {
    if (!a->size) return;
    core_store_f64(a->dtype, a->data, 0, value);
    size_t es = bj_dtype_size(a->dtype), done = es;
    char *p = a->data;
    while (done < a->nbytes) {
        size_t k = done < a->nbytes - done ? done : a->nbytes - done;
        memcpy(p + done, p, k);
        done += k;
    }
}

static bj_array *full_named(bj_dtype dtype, int rank, const int64_t *shape, double value, const char *what) {
    bj_array *a = core_array_alloc(dtype, rank, shape, what);
    if (a) fill(a, value);
    return a;
}

bj_array *bj_array_ones(bj_dtype dtype, int rank, const int64_t *shape) {
    return full_named(dtype, rank, shape, 1.0, "bj_array_ones");
}

bj_array *bj_array_full(bj_dtype dtype, int rank, const int64_t *shape, double value) {
    return full_named(dtype, rank, shape, value, "bj_array_full");
}

/* Far beyond any allocatable count, but small enough that the double -> int64 conversion is defined. */
#define MAX_GENERATED 4.0e18

bj_array *bj_array_arange(bj_dtype dtype, double start, double stop, double step) {
    const char *what = "bj_array_arange";
    if (!dtype_ok(dtype, what)) return NULL;
    if (!isfinite(start) || !isfinite(stop) || !isfinite(step))
        return core_err(BJ_ERR_ARG, "%s: start, stop and step must be finite (got %g, %g, %g)", what, start, stop,
                        step), NULL;
    if (step == 0) return core_err(BJ_ERR_ARG, "%s: step is 0", what), NULL;
    double len = ceil((stop - start) / step);
    if (len > MAX_GENERATED)
        return core_err(BJ_ERR_ARG, "%s: [%g, %g) by %g has too many elements (%g)", what, start, stop, step, len),
               NULL;
    int64_t n = len > 0 ? (int64_t)len : 0;
    bj_array *a = core_array_alloc(dtype, 1, &n, what);
    for (int64_t i = 0; a && i < n; i++) core_store_f64(dtype, a->data, i, start + (double)i * step);
    return a;
}

bj_array *bj_array_linspace(bj_dtype dtype, double start, double stop, int64_t num, bool endpoint) {
    const char *what = "bj_array_linspace";
    if (!dtype_ok(dtype, what)) return NULL;
    if (num < 0) return core_err(BJ_ERR_ARG, "%s: num is negative (%lld)", what, (long long)num), NULL;
    bj_array *a = core_array_alloc(dtype, 1, &num, what);
    if (!a) return NULL;
    /* numpy's algorithm, so that results match it bit for bit: start + i * step, except when step underflows
     * to 0 (then i / div * delta), and the last element is exactly stop. */
    int64_t div = endpoint ? num - 1 : num;
    double delta = stop - start, step = div > 0 ? delta / (double)div : NAN;
    bool is_int = dtype == BJ_I32 || dtype == BJ_I64 || dtype == BJ_U32;
    for (int64_t i = 0; i < num; i++) {
        double v;
        if (div <= 0) v = (double)i * delta + start;
        else if (step == 0) v = (double)i / (double)div * delta + start;
        else v = (double)i * step + start;
        if (endpoint && num > 1 && i == num - 1) v = stop;
        core_store_f64(dtype, a->data, i, is_int ? floor(v) : v); /* numpy 2 floors for integer dtypes */
    }
    return a;
}

bj_array *bj_array_copy(const bj_array *a) {
    if (core_handle_check(a, CORE_H_ARRAY, "bj_array_copy")) return NULL;
    bj_array *c = core_array_alloc(a->dtype, a->rank, a->shape, "bj_array_copy");
    if (c && a->nbytes) memcpy(c->data, a->data, a->nbytes);
    return c;
}

bj_array *bj_array_retain(bj_array *a) {
    return core_ref_retain(a, a ? &a->refcount : NULL, CORE_H_ARRAY, "bj_array_retain") ? a : NULL;
}

/* A donated array is still released (core_ref_release does not refuse it); its buffer belongs to the output. */
void bj_array_release(bj_array *a) {
    if (!core_ref_release(a, a ? &a->refcount : NULL, CORE_H_ARRAY, "bj_array_release")) return;
    if (!a->donated && a->external) {
        if (a->release) a->release(a->release_ctx);
    } else if (!a->donated) {
        core_aligned_free(a->data);
    }
    free(a);
}

bj_array *bj_array_wrap(bj_dtype dtype, int rank, const int64_t *shape, void *data, void (*release)(void *ctx),
                        void *ctx) {
    int64_t n;
    if (!dtype_ok(dtype, "bj_array_wrap") || core_shape_check(rank, shape, "bj_array_wrap", &n)) return NULL;
    size_t esize = bj_dtype_size(dtype);
    if (!data) return core_err(BJ_ERR_ARG, "bj_array_wrap: data is NULL"), NULL;
    if ((uintptr_t)data % esize)
        return core_err(BJ_ERR_ARG, "bj_array_wrap: data %p is not aligned to the %zu-byte elements of %s", data,
                        esize, bj_dtype_name(dtype)), NULL;
    int64_t nbytes;
    if (!core_mul_ok(n, (int64_t)esize, &nbytes)) return core_err(BJ_ERR_SHAPE, "bj_array_wrap: byte count overflows"), NULL;
    bj_array *a = calloc(1, sizeof *a);
    if (!a) return core_err(BJ_ERR_NOMEM, "bj_array_wrap: out of memory"), NULL;
    a->size = n, a->nbytes = (size_t)nbytes, a->data = data;
    a->external = true, a->release = release, a->release_ctx = ctx;
    set_type(a, dtype, rank, shape);
    if (!core_handle_add(a, CORE_H_ARRAY)) {
        free(a);
        return core_err(BJ_ERR_NOMEM, "bj_array_wrap: out of memory"), NULL;
    }
    return a;
}

/* A query, so it leaves the error alone: callers such as bj_exec_run word their own message. */
bool bj_array_valid(const bj_array *a) { return a && core_handle_live(a, CORE_H_ARRAY) && !a->donated; }

bj_array *core_array_take(bj_array *donor, bj_dtype dtype, int rank, const int64_t *shape) {
    bj_array *a = calloc(1, sizeof *a);
    if (!a) return core_err(BJ_ERR_NOMEM, "donating a buffer: out of memory"), NULL;
    a->data = donor->data, a->nbytes = donor->nbytes, a->size = donor->size;
    a->external = donor->external, a->release = donor->release, a->release_ctx = donor->release_ctx;
    set_type(a, dtype, rank, shape);
    if (!core_handle_add(a, CORE_H_ARRAY)) {
        free(a);
        return core_err(BJ_ERR_NOMEM, "donating a buffer: out of memory"), NULL;
    }
    atomic_store(&donor->donated, true);
    return a;
}

#define ACCESSOR(type, name, expr, bad)                                                                              \
    type bj_array_##name(const bj_array *a) {                                                                         \
        if (core_handle_check(a, CORE_H_ARRAY, "bj_array_" #name)) return bad;                                      \
        return expr;                                                                                                  \
    }
ACCESSOR(void *, data, a->data, NULL)
ACCESSOR(bj_dtype, dtype, a->dtype, BJ_NDTYPES)
ACCESSOR(int, rank, a->rank, -1)
ACCESSOR(const int64_t *, shape, a->shape, NULL)
ACCESSOR(const int64_t *, strides, a->strides, NULL)
ACCESSOR(int64_t, size, a->size, -1)
ACCESSOR(size_t, nbytes, a->nbytes, 0)
#undef ACCESSOR

double bj_array_get(const bj_array *a, int64_t i) {
    if (core_handle_check(a, CORE_H_ARRAY, "bj_array_get")) return NAN;
    if (i < 0 || i >= a->size) {
        core_err(BJ_ERR_ARG, "bj_array_get: index %lld is out of range for %lld elements", (long long)i,
                 (long long)a->size);
        return NAN;
    }
    return core_load_f64(a->dtype, a->data, i);
}
