/* interp.h — reference interpreter internals: one-node evaluation, group evaluators, shared index/element helpers. */
#ifndef BJ_INTERP_H
#define BJ_INTERP_H

#include "backend/backend.h"
#include "core/array.h"
#include "core/scalar.h"

#include <string.h>

/* Evaluates node n (any op but ARG and CALL, which the runner binds) on its operand arrays in[0..n->nin-1], which
 * must have the dtypes and shapes of n's operand nodes. *out receives a new array of n's type. Errors name the op
 * and node. */
BJ_HIDDEN bj_status interp_eval(const ir_node *n, bj_array *const *in, bj_array **out);

/* The group evaluators fill out, already allocated (zeroed) with n's dtype and shape. */
BJ_HIDDEN bj_status interp_eltwise(const ir_node *n, bj_array *const *in, bj_array *out); /* eltwise.c */
BJ_HIDDEN bj_status interp_shape(const ir_node *n, bj_array *const *in, bj_array *out);   /* shape.c */
BJ_HIDDEN bj_status interp_reduce(const ir_node *n, bj_array *const *in, bj_array *out);  /* reduce.c */
BJ_HIDDEN bj_status interp_sparse(const ir_node *n, bj_array *const *in, bj_array *out);  /* sparse.c */
BJ_HIDDEN bj_status interp_random(const ir_node *n, bj_array *const *in, bj_array *out);  /* random.c */
BJ_HIDDEN bj_status interp_sort(const ir_node *n, bj_array *const *in, bj_array *out);    /* sort.c */

/* Abstracted axes (interp_sym.c): the executable replays its graph at each run's sizes. */
BJ_HIDDEN bj_status interp_sym_compile(bj_exec *e);
BJ_HIDDEN bj_status interp_sym_run(bj_exec *e, bj_array *const *ins, bj_array **outs);
BJ_HIDDEN void interp_sym_destroy(bj_exec *e);

/* An internal error at node n ("interp: %7 add f32[3]: why"): the graph broke an invariant the builders promise. */
BJ_HIDDEN bj_status interp_fail(const ir_node *n, const char *fmt, ...) BJ_PRINTF(2, 3);

/* dst[di] = op(a[ai], b[bi]) for an arithmetic binary op (add .. shift_right, not the comparisons), with the
 * elementwise semantics; a, b and dst share one dtype. False if op is not defined on that dtype. Reductions, scans,
 * scatter_add and clip use it, so that they agree with the elementwise ops by construction. */
BJ_HIDDEN bool interp_apply2(ir_op op, bj_array *dst, int64_t di, const bj_array *a, int64_t ai, const bj_array *b,
                             int64_t bi);

/* ---------------------------------------------------------------- elements
 * Three computing domains: bools and integers are held exactly in int64 (wrapping arithmetic is done in uint64 and
 * the store wraps to the dtype), float32 is computed in float, float64 in double. */
typedef enum { INTERP_INT, INTERP_F32, INTERP_F64 } interp_domain;

static inline interp_domain interp_domain_of(bj_dtype d) {
    return d == BJ_F32 ? INTERP_F32 : d == BJ_F64 ? INTERP_F64 : INTERP_INT;
}

#define INTERP_F32P(a) ((float *)(a)->data)
#define INTERP_F64P(a) ((double *)(a)->data)

/* Element i of a bool or integer array as int64 (exact); floats convert as astype does (saturating, NaN -> 0). */
static inline int64_t interp_get_i(const bj_array *a, int64_t i) {
    switch (a->dtype) {
    case BJ_BOOL: return ((const bool *)a->data)[i];
    case BJ_I32: return ((const int32_t *)a->data)[i];
    case BJ_I64: return ((const int64_t *)a->data)[i];
    case BJ_U32: return ((const uint32_t *)a->data)[i];
    case BJ_F32: return core_f2i64(((const float *)a->data)[i]);
    default: return core_f2i64(((const double *)a->data)[i]);
    }
}

/* Element i of any array as double (exact for every dtype but int64 beyond 2^53). */
static inline double interp_get_f(const bj_array *a, int64_t i) { return core_load_f64(a->dtype, a->data, i); }

/* Stores an integer value into element i: wraps modulo 2^width for ints, x != 0 for bool, and rounds to nearest
 * once for floats (int64 -> float32 directly, never through double). */
static inline void interp_put_i(bj_array *a, int64_t i, int64_t v) {
    switch (a->dtype) {
    case BJ_BOOL: ((bool *)a->data)[i] = v != 0; break;
    case BJ_I32: ((int32_t *)a->data)[i] = core_wrap_i32(v); break;
    case BJ_I64: ((int64_t *)a->data)[i] = v; break;
    case BJ_U32: ((uint32_t *)a->data)[i] = (uint32_t)(uint64_t)v; break;
    case BJ_F32: ((float *)a->data)[i] = (float)v; break;
    default: ((double *)a->data)[i] = (double)v; break;
    }
}

/* ---------------------------------------------------------------- indexing
 * An iterator walks a shape in C order and keeps, for each of a few "views", the element offset of the current
 * position: offset = base + sum_k idx[k] * st[k]. Broadcasting (stride 0), transposes (permuted strides), slices
 * (scaled strides), flips (negative strides) and reductions (stride 0 on reduced axes) are all views. */
#define INTERP_MAX_VIEWS 4

typedef struct interp_iter {
    int rank, nviews;
    int64_t shape[BJ_MAX_RANK], idx[BJ_MAX_RANK];
    int64_t st[INTERP_MAX_VIEWS][BJ_MAX_RANK]; /* element strides of each view, per axis */
    int64_t off[INTERP_MAX_VIEWS];             /* element offset of each view at idx */
} interp_iter;

static inline void interp_iter_init(interp_iter *it, int rank, const int64_t *shape) {
    memset(it, 0, sizeof *it);
    it->rank = rank;
    for (int k = 0; k < rank; k++) it->shape[k] = shape[k];
}

/* Adds a view with the given base offset and per-axis element strides (rank entries); returns its number. */
static inline int interp_iter_view(interp_iter *it, int64_t base, const int64_t *st) {
    int v = it->nviews++;
    it->off[v] = base;
    for (int k = 0; k < it->rank; k++) it->st[v][k] = st[k];
    return v;
}

/* C-order element strides of a contiguous shape. */
static inline void interp_cstrides(int rank, const int64_t *shape, int64_t *st) {
    int64_t s = 1;
    for (int k = rank - 1; k >= 0; k--) st[k] = s, s *= shape[k];
}

/* Adds a view of a broadcast to the iterator's shape (NumPy: right-aligned, missing or size-1 axes repeat). */
static inline int interp_iter_bcast(interp_iter *it, const bj_array *a) {
    int64_t cst[BJ_MAX_RANK], st[BJ_MAX_RANK];
    interp_cstrides(a->rank, a->shape, cst);
    for (int k = 0; k < it->rank; k++) {
        int ka = k - (it->rank - a->rank);
        st[k] = ka >= 0 && a->shape[ka] != 1 ? cst[ka] : 0;
    }
    return interp_iter_view(it, 0, st);
}

/* Moves to the next position in C order (after the last one it wraps to the first). */
static inline void interp_iter_next(interp_iter *it) {
    for (int k = it->rank - 1; k >= 0; k--) {
        it->idx[k]++;
        for (int v = 0; v < it->nviews; v++) it->off[v] += it->st[v][k];
        if (it->idx[k] < it->shape[k]) return;
        for (int v = 0; v < it->nviews; v++) it->off[v] -= it->st[v][k] * it->shape[k];
        it->idx[k] = 0;
    }
}

/* Product of shape[from..to-1]. */
static inline int64_t interp_prod(const int64_t *shape, int from, int to) {
    int64_t p = 1;
    for (int k = from; k < to; k++) p *= shape[k];
    return p;
}
#endif
