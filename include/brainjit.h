/* brainjit.h — the one public header of brainjit, a just-in-time compiler for brain-dynamics programs.
 *
 * A worked example: trace y = lmbda * where(x > 0, x, alpha * exp(x) - alpha) and run it.
 *
 *     bj_trace *t = bj_trace_new("selu");
 *     bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, (int64_t[]){4});
 *     bj_val *y = bj_mul(1.05, bj_where(bj_gt(x, 0.0), x, bj_sub(bj_mul(1.67, bj_exp(x)), 1.67)));
 *     bj_graph *g = bj_trace_finish(t, &y, 1);           // consumes t; NULL + bj_last_error() on failure
 *     bj_graph_print(g, stdout);                          // a readable listing of the IR
 *     bj_array *in = bj_array_new(BJ_F32, 1, (int64_t[]){4}, (float[]){-1, 0, 1, 2});
 *     bj_array *out;
 *     bj_graph_run(g, "interp", &in, 1, &out, 1);        // out is new; the caller releases it
 *     bj_array_print(out, stdout);                        // [-1.10..., 0, 1.05, 2.1]
 *     bj_array_release(in); bj_array_release(out); bj_graph_release(g);
 *
 * Conventions.
 *  - Every call that can fail returns a bj_status (BJ_OK is 0) or NULL, and then bj_last_error() says what was
 *    wrong: the op, the shapes, the dtypes, the argument. Nothing here aborts the process on bad input.
 *  - Ownership is stated on each prototype. "New reference": the caller owns it and must release it.
 *    "Borrowed": owned by something else, valid as long as that lives.
 *  - Traced values (bj_val *) live in their trace's arena: user code never frees them. An op whose operand is NULL
 *    (the result of an earlier failed op) returns NULL; the trace keeps the first error and reports it at finish.
 *    A value lives as long as its trace, then as long as the graph the trace was finished into (a jit trace's graph
 *    lives in its handle's signature cache). Using it later is detected, never a read of freed memory: every call
 *    taking a value checks it before reading it and fails with BJ_ERR_HANDLE, "<op>: operand belongs to a freed
 *    trace ..." (or, long after, "is not a traced value", as for a pointer that never was one). Ops refuse values
 *    of a finished trace at once (BJ_ERR_TRACE); bj_val_dtype and the other queries answer while the graph lives.
 *    Freed storage is reused by later traces only at shifted positions, so an old value could pass for a newer
 *    trace's only once the same storage has been reused some 25 times.
 *  - C scalars are accepted where a value is expected by the binary ops (bj_add(x, 0.5)): they become weakly typed
 *    literals, so a float32 x stays float32. Semantics of every op: docs/ops.md. The backends give the same bits
 *    for every result but NaN's: which results are NaN is defined, a NaN's sign and payload are not.
 *  - Threads: every handle (array, graph, executable, jit handle, object, Variable) may be shared between threads.
 *    Retain and release are atomic: the last release frees a handle exactly once, and a retain or release racing
 *    with that free fails with BJ_ERR_HANDLE instead of touching freed memory. A thread uses handles it holds a
 *    reference to: releasing the last one while another thread still uses the handle is the caller's error, which
 *    the calls that hold their handles while they work (bj_compile, bj_graph_run, bj_exec_run, bj_exec_run_into and
 *    the bj_jit_* calls) absorb by freeing it when they return, and other calls report only if the release came
 *    first. Arrays may be read by several threads at once; writing one while another thread reads it is the
 *    caller's race. A trace belongs to one thread at a time.
 */
#ifndef BRAINJIT_H
#define BRAINJIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BJ_BUILDING) && defined(__GNUC__)
#define BJ_API __attribute__((visibility("default")))
#else
#define BJ_API
#endif

#define BJ_VERSION_MAJOR 0
#define BJ_VERSION_MINOR 1
#define BJ_VERSION_PATCH 0
BJ_API const char *bj_version(void); /* "0.1.0"; static string */

/* ---------------------------------------------------------------- status and errors */
typedef enum bj_status {
    BJ_OK = 0,
    BJ_ERR_ARG,         /* a NULL, out-of-range or otherwise invalid argument */
    BJ_ERR_SHAPE,       /* shapes that do not fit the op */
    BJ_ERR_DTYPE,       /* a dtype the op does not accept */
    BJ_ERR_HANDLE,      /* a freed or foreign handle */
    BJ_ERR_TRACE,       /* the trace is in an error state, or a value belongs to another trace */
    BJ_ERR_NOMEM,       /* allocation failed */
    BJ_ERR_IO,          /* a file could not be read or written, or is not valid */
    BJ_ERR_UNSUPPORTED, /* valid, but not available in this build */
    BJ_ERR_INTERNAL     /* a bug in brainjit: please report it with the message */
} bj_status;

/* The message of the last failed call on this thread ("" if none). Borrowed; valid until the next failing call. */
BJ_API const char *bj_last_error(void);
BJ_API bj_status bj_last_status(void); /* the status that went with bj_last_error() (BJ_OK after bj_clear_error) */
BJ_API void bj_clear_error(void);
/* Sets this thread's error (printf format) and returns s: for code built on brainjit that reports the same way. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
BJ_API bj_status bj_set_error(bj_status s, const char *fmt, ...);
BJ_API const char *bj_status_name(bj_status s); /* "BJ_ERR_SHAPE"; static string */

/* Memory returned as "free with bj_free" (strings). */
BJ_API void bj_free(void *p);

/* ---------------------------------------------------------------- dtypes */
typedef enum bj_dtype { BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64, BJ_NDTYPES } bj_dtype;
#define BJ_MAX_RANK 8

BJ_API const char *bj_dtype_name(bj_dtype d); /* "float32"; "invalid" for bad values; static string */
BJ_API size_t bj_dtype_size(bj_dtype d);      /* bytes per element; 0 for bad values */
/* NumPy/JAX type promotion of two dtypes, optionally weakly typed (docs/ops.md has the table). */
BJ_API bj_dtype bj_promote(bj_dtype a, bool a_weak, bj_dtype b, bool b_weak, bool *out_weak);

/* ---------------------------------------------------------------- arrays
 * A reference-counted, 64-byte aligned, C-contiguous n-d array of rank 0 to BJ_MAX_RANK. */
typedef struct bj_array bj_array;

/* New reference. Copies nelem(shape) elements from data, which must not be NULL. */
BJ_API bj_array *bj_array_new(bj_dtype dtype, int rank, const int64_t *shape, const void *data);
/* New references. full converts value to dtype (saturating for ints, NaN -> 0, as bj_cast). */
BJ_API bj_array *bj_array_zeros(bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_array *bj_array_ones(bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_array *bj_array_full(bj_dtype dtype, int rank, const int64_t *shape, double value);
/* [start, stop) by step (step != 0), as numpy.arange: ceil((stop - start) / step) elements. */
BJ_API bj_array *bj_array_arange(bj_dtype dtype, double start, double stop, double step);
/* num evenly spaced values from start to stop (inclusive if endpoint), as numpy.linspace. */
BJ_API bj_array *bj_array_linspace(bj_dtype dtype, double start, double stop, int64_t num, bool endpoint);
BJ_API bj_array *bj_array_copy(const bj_array *a); /* new reference: a deep copy */
/* New reference over caller memory, without a copy (foreign callers: a NumPy array's buffer). data holds
 * nelem(shape) C-contiguous elements, aligned to the element size, and must stay valid and unchanged by others until
 * release(ctx) runs: exactly once, when the last reference goes (release may be NULL). On failure (NULL) release is
 * not called. Donating a wrapped array (donate_argnums) moves its buffer and its release to the output. */
BJ_API bj_array *bj_array_wrap(bj_dtype dtype, int rank, const int64_t *shape, void *data, void (*release)(void *ctx),
                               void *ctx);

BJ_API bj_array *bj_array_retain(bj_array *a); /* returns a, with one more reference */
BJ_API void bj_array_release(bj_array *a);     /* NULL is a no-op; a freed or foreign pointer is reported, not freed */
/* True if a is a live array handle (not freed, not a foreign pointer, as far as can be detected). */
BJ_API bool bj_array_valid(const bj_array *a);

/* Accessors. On an invalid handle they set the error and return NULL / -1 / BJ_NDTYPES. */
BJ_API void *bj_array_data(const bj_array *a); /* borrowed; C-contiguous elements */
BJ_API bj_dtype bj_array_dtype(const bj_array *a);
BJ_API int bj_array_rank(const bj_array *a);
BJ_API const int64_t *bj_array_shape(const bj_array *a);   /* borrowed, rank entries */
BJ_API const int64_t *bj_array_strides(const bj_array *a); /* borrowed, in bytes, as numpy's */
BJ_API int64_t bj_array_size(const bj_array *a);           /* number of elements */
BJ_API size_t bj_array_nbytes(const bj_array *a);
/* Element at flat (C-order) index i, converted to double; NaN and sets the error if out of range. */
BJ_API double bj_array_get(const bj_array *a, int64_t i);

/* NumPy-like text: "array([1., 2.], dtype=float32)" style, summarised with ... past 1000 elements. */
BJ_API bj_status bj_array_print(const bj_array *a, FILE *f);
BJ_API char *bj_array_to_string(const bj_array *a); /* free with bj_free */

/* NumPy .npy files (format 1.0-3.0, little-endian, C or Fortran order on load). */
BJ_API bj_status bj_array_save_npy(const bj_array *a, const char *path);
BJ_API bj_array *bj_array_load_npy(const char *path); /* new reference */

/* ---------------------------------------------------------------- traces and values */
typedef struct bj_trace bj_trace;
typedef struct bj_val bj_val;
typedef struct bj_graph bj_graph;

/* New trace (free with bj_trace_free, or consume with bj_trace_finish). name may be NULL. */
BJ_API bj_trace *bj_trace_new(const char *name);
BJ_API void bj_trace_free(bj_trace *t);
/* A positional input of the graph, numbered in call order. Borrowed value. name may be NULL ("arg0"). */
BJ_API bj_val *bj_trace_arg(bj_trace *t, const char *name, bj_dtype dtype, int rank, const int64_t *shape);
/* A constant holding a copy of a (strongly typed). */
BJ_API bj_val *bj_trace_const(bj_trace *t, const bj_array *a);
/* Scalar literals. weak: behaves as a C scalar (adopts the other operand's dtype); else strongly typed. */
BJ_API bj_val *bj_lit_f64(bj_trace *t, double v, bool weak);   /* weak: float32 weak; strong: float64 */
BJ_API bj_val *bj_lit_i64(bj_trace *t, int64_t v, bool weak);  /* weak: int32 weak (int64 if it does not fit) */
/* With the "x64" setting (read when the trace was made), weak literals and C scalars are float64 / int64. */
BJ_API bj_val *bj_lit_bool(bj_trace *t, bool v);                /* strong bool */
BJ_API bj_val *bj_lit(bj_trace *t, bj_dtype dtype, double v);   /* strong scalar of dtype */

/* The trace's state: BJ_OK, or the first error (its message with bj_trace_error; borrowed). */
BJ_API bj_status bj_trace_status(const bj_trace *t);
BJ_API const char *bj_trace_error(const bj_trace *t);
/* Ends the trace with the given outputs and returns the graph (new reference). Always consumes t: on failure
 * (the trace is in an error state, or an output is NULL or foreign) returns NULL with the trace's error. A jit
 * trace (bj_jit_trace_begin, or the t a jit function receives) is the exception: it is refused, not consumed, and
 * left failed; end it with bj_jit_trace_end. */
BJ_API bj_graph *bj_trace_finish(bj_trace *t, bj_val *const *outs, int nout);

/* What a value is. */
BJ_API bj_dtype bj_val_dtype(const bj_val *v);
BJ_API int bj_val_rank(const bj_val *v);
BJ_API const int64_t *bj_val_shape(const bj_val *v); /* borrowed, lives with the trace */
BJ_API bool bj_val_weak(const bj_val *v);
BJ_API bj_trace *bj_val_trace(const bj_val *v);

/* ---------------------------------------------------------------- ops
 * Each returns a borrowed value in the operands' trace, or NULL (see bj_trace_status). */

/* A binary operand: a traced value or a C scalar (weakly typed). Build with BJ_IN(x). */
typedef struct bj_in {
    int kind; /* 0 value, 1 float, 2 int, 3 bool */
    bj_val *v;
    double f;
    int64_t i;
} bj_in;
static inline bj_in bj_in_val(bj_val *v) { return (bj_in){0, v, 0, 0}; }
static inline bj_in bj_in_f64(double f) { return (bj_in){1, NULL, f, 0}; }
static inline bj_in bj_in_i64(long long i) { return (bj_in){2, NULL, 0, (int64_t)i}; }
static inline bj_in bj_in_u64(unsigned long long i) { return (bj_in){2, NULL, 0, (int64_t)i}; }
static inline bj_in bj_in_bool(bool b) { return (bj_in){3, NULL, 0, b}; }
static inline bj_in bj_in_ptr(void *p) { return (bj_in){0, (bj_val *)p, 0, 0}; }
#define BJ_IN(x)                                                                                                      \
    _Generic((x), bj_val *: bj_in_val, double: bj_in_f64, float: bj_in_f64, int: bj_in_i64, long: bj_in_i64,          \
             long long: bj_in_i64, unsigned: bj_in_u64, unsigned long: bj_in_u64, unsigned long long: bj_in_u64,      \
             _Bool: bj_in_bool, void *: bj_in_ptr)(x)

/* Elementwise unary. Float-only math (exp .. sigmoid, rsqrt, reciprocal) promotes ints and bool to float32 (int64 to
 * float64 with "x64"). */
BJ_API bj_val *bj_neg(bj_val *x);
BJ_API bj_val *bj_abs(bj_val *x);
BJ_API bj_val *bj_sign(bj_val *x);
BJ_API bj_val *bj_exp(bj_val *x);
BJ_API bj_val *bj_exp2(bj_val *x);
BJ_API bj_val *bj_expm1(bj_val *x);
BJ_API bj_val *bj_log(bj_val *x);
BJ_API bj_val *bj_log1p(bj_val *x);
BJ_API bj_val *bj_log2(bj_val *x);
BJ_API bj_val *bj_sqrt(bj_val *x);
BJ_API bj_val *bj_rsqrt(bj_val *x);
BJ_API bj_val *bj_square(bj_val *x);
BJ_API bj_val *bj_reciprocal(bj_val *x);
BJ_API bj_val *bj_sin(bj_val *x);
BJ_API bj_val *bj_cos(bj_val *x);
BJ_API bj_val *bj_tan(bj_val *x);
BJ_API bj_val *bj_tanh(bj_val *x);
BJ_API bj_val *bj_sinh(bj_val *x);
BJ_API bj_val *bj_cosh(bj_val *x);
BJ_API bj_val *bj_arcsin(bj_val *x);
BJ_API bj_val *bj_arccos(bj_val *x);
BJ_API bj_val *bj_arctan(bj_val *x);
BJ_API bj_val *bj_sigmoid(bj_val *x);
BJ_API bj_val *bj_floor(bj_val *x);
BJ_API bj_val *bj_ceil(bj_val *x);
BJ_API bj_val *bj_round(bj_val *x); /* half to even, as numpy */
BJ_API bj_val *bj_trunc(bj_val *x);
BJ_API bj_val *bj_stop_gradient(bj_val *x); /* x itself, with a zero derivative (bj_jvp gives it no tangent) */
BJ_API bj_val *bj_isnan(bj_val *x);
BJ_API bj_val *bj_isinf(bj_val *x);
BJ_API bj_val *bj_isfinite(bj_val *x);
BJ_API bj_val *bj_logical_not(bj_val *x);
BJ_API bj_val *bj_bitwise_not(bj_val *x);

/* Elementwise binary with NumPy broadcasting and JAX type promotion. Use the lower-case macros. */
#define BJ_BINARY_OPS(X)                                                                                              \
    X(add) X(sub) X(mul) X(div) X(floor_divide) X(remainder) X(pow) X(maximum) X(minimum) X(atan2) X(hypot) X(eq)    \
    X(ne) X(lt) X(le) X(gt) X(ge) X(logical_and) X(logical_or) X(logical_xor) X(bitwise_and) X(bitwise_or)           \
    X(bitwise_xor) X(shift_left) X(shift_right)
#define BJ_DECLARE_BINARY_(name) BJ_API bj_val *bj_##name##_in(bj_in a, bj_in b);
BJ_BINARY_OPS(BJ_DECLARE_BINARY_)
#undef BJ_DECLARE_BINARY_
#define bj_add(a, b) bj_add_in(BJ_IN(a), BJ_IN(b))
#define bj_sub(a, b) bj_sub_in(BJ_IN(a), BJ_IN(b))
#define bj_mul(a, b) bj_mul_in(BJ_IN(a), BJ_IN(b))
#define bj_div(a, b) bj_div_in(BJ_IN(a), BJ_IN(b)) /* true division: ints -> float32 */
#define bj_floor_divide(a, b) bj_floor_divide_in(BJ_IN(a), BJ_IN(b))
#define bj_remainder(a, b) bj_remainder_in(BJ_IN(a), BJ_IN(b)) /* sign of the divisor, as numpy */
#define bj_pow(a, b) bj_pow_in(BJ_IN(a), BJ_IN(b))
#define bj_maximum(a, b) bj_maximum_in(BJ_IN(a), BJ_IN(b)) /* NaN propagates */
#define bj_minimum(a, b) bj_minimum_in(BJ_IN(a), BJ_IN(b))
#define bj_atan2(a, b) bj_atan2_in(BJ_IN(a), BJ_IN(b))
#define bj_hypot(a, b) bj_hypot_in(BJ_IN(a), BJ_IN(b))
#define bj_eq(a, b) bj_eq_in(BJ_IN(a), BJ_IN(b))
#define bj_ne(a, b) bj_ne_in(BJ_IN(a), BJ_IN(b))
#define bj_lt(a, b) bj_lt_in(BJ_IN(a), BJ_IN(b))
#define bj_le(a, b) bj_le_in(BJ_IN(a), BJ_IN(b))
#define bj_gt(a, b) bj_gt_in(BJ_IN(a), BJ_IN(b))
#define bj_ge(a, b) bj_ge_in(BJ_IN(a), BJ_IN(b))
#define bj_logical_and(a, b) bj_logical_and_in(BJ_IN(a), BJ_IN(b))
#define bj_logical_or(a, b) bj_logical_or_in(BJ_IN(a), BJ_IN(b))
#define bj_logical_xor(a, b) bj_logical_xor_in(BJ_IN(a), BJ_IN(b))
#define bj_bitwise_and(a, b) bj_bitwise_and_in(BJ_IN(a), BJ_IN(b))
#define bj_bitwise_or(a, b) bj_bitwise_or_in(BJ_IN(a), BJ_IN(b))
#define bj_bitwise_xor(a, b) bj_bitwise_xor_in(BJ_IN(a), BJ_IN(b))
#define bj_shift_left(a, b) bj_shift_left_in(BJ_IN(a), BJ_IN(b))
#define bj_shift_right(a, b) bj_shift_right_in(BJ_IN(a), BJ_IN(b)) /* arithmetic for signed ints */

/* Selection and conversion. cond may be any dtype (nonzero is true); x and y promote and all three broadcast. */
BJ_API bj_val *bj_where_in(bj_in cond, bj_in x, bj_in y);
#define bj_where(c, x, y) bj_where_in(BJ_IN(c), BJ_IN(x), BJ_IN(y))
BJ_API bj_val *bj_clip_in(bj_in x, bj_in lo, bj_in hi); /* minimum(maximum(x, lo), hi) in x's promoted dtype */
#define bj_clip(x, lo, hi) bj_clip_in(BJ_IN(x), BJ_IN(lo), BJ_IN(hi))
BJ_API bj_val *bj_astype(bj_val *x, bj_dtype dtype); /* floats -> ints saturate, NaN -> 0; -> bool is x != 0 */

/* Shape ops. Negative axes count from the end. */
BJ_API bj_val *bj_reshape(bj_val *x, int rank, const int64_t *shape); /* one entry may be -1 */
BJ_API bj_val *bj_broadcast_to(bj_val *x, int rank, const int64_t *shape);
BJ_API bj_val *bj_transpose(bj_val *x, const int *perm); /* perm NULL reverses the axes */
BJ_API bj_val *bj_expand_dims(bj_val *x, int axis);
BJ_API bj_val *bj_squeeze(bj_val *x, int naxes, const int *axes); /* naxes 0: every axis of size 1 */
BJ_API bj_val *bj_concatenate(bj_val *const *xs, int n, int axis);
BJ_API bj_val *bj_stack(bj_val *const *xs, int n, int axis);
/* x[start:stop:step] on every axis; NULL arrays mean the full axis with step 1. Start and stop are clipped
 * as in Python; use BJ_END for "to the end" (or the beginning for negative steps). */
#define BJ_END INT64_MAX
BJ_API bj_val *bj_slice(bj_val *x, const int64_t *start, const int64_t *stop, const int64_t *step);
/* sizes fixed; starts are traced int scalars (one per axis), clamped to [0, dim - size] as in JAX. */
BJ_API bj_val *bj_dynamic_slice(bj_val *x, bj_val *const *starts, const int64_t *sizes);
BJ_API bj_val *bj_dynamic_update_slice(bj_val *x, bj_val *update, bj_val *const *starts);
BJ_API bj_val *bj_flip(bj_val *x, int naxes, const int *axes); /* naxes 0: every axis */
BJ_API bj_val *bj_tile(bj_val *x, int nreps, const int64_t *reps);
BJ_API bj_val *bj_repeat(bj_val *x, int64_t repeats, int axis);

/* Indexing along one axis. take: negative indices count from the end, others clamp (JAX's retrieval rule).
 * scatter: out = copy of x with x[..idx[j]..] set to / increased by updates[..j..]; indices out of range after
 * negative wrapping are dropped (JAX's update rule); for set, the last of duplicate indices wins. */
BJ_API bj_val *bj_take(bj_val *x, bj_val *indices, int axis);
BJ_API bj_val *bj_scatter_set(bj_val *x, bj_val *indices, bj_val *updates, int axis);
BJ_API bj_val *bj_scatter_add(bj_val *x, bj_val *indices, bj_val *updates, int axis);

/* Reductions over axes (naxes 0: all axes), keepdims as numpy. sum/prod of bool give int32, mean of ints float32
 * ("x64": int64 for sum/prod of bool and int32, float64 for mean of int64). */
BJ_API bj_val *bj_sum(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_prod(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_mean(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_max(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_min(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_any(bj_val *x, int naxes, const int *axes, bool keepdims);
BJ_API bj_val *bj_all(bj_val *x, int naxes, const int *axes, bool keepdims);
/* One axis; int32 indices of the first extreme (a NaN counts as the extreme, as numpy); int64 with "x64". */
BJ_API bj_val *bj_argmax(bj_val *x, int axis, bool keepdims);
BJ_API bj_val *bj_argmin(bj_val *x, int axis, bool keepdims);
BJ_API bj_val *bj_cumsum(bj_val *x, int axis);
BJ_API bj_val *bj_cumprod(bj_val *x, int axis);
/* Sorting along one axis (rank >= 1; negative axes count from the end), as numpy/JAX: ascending and stable; NaN
 * after every number; -0.0 and +0.0 equal (so they keep their order). sort keeps x's dtype; argsort gives the
 * int32 positions along the axis that put x in that order (int64 with "x64"). The axis may be at most 2^31 - 1
 * long. */
BJ_API bj_val *bj_sort(bj_val *x, int axis);
BJ_API bj_val *bj_argsort(bj_val *x, int axis);
/* jnp.nonzero(x, size=size, fill_value=fill_value) on x flattened: int32 [size] (int64 with "x64"), the C-order
 * indices of x's nonzero elements (NaN counts as nonzero) in ascending order, the first `size` of them, the slots
 * beyond the count `fill_value`. size in [0, 2^31 - 1], fill_value within int32, x at most 2^31 - 1 elements. Inside
 * a loop it records a step's spikes as events: bj_nonzero(spikes, k, -1) rows instead of [N] flags. */
BJ_API bj_val *bj_nonzero(bj_val *x, int64_t size, int64_t fill_value);

/* Linear algebra, as numpy: matmul with 1-d promotion and broadcast batch dims; dot of 1-d/2-d; outer. */
BJ_API bj_val *bj_matmul(bj_val *a, bj_val *b);
BJ_API bj_val *bj_dot(bj_val *a, bj_val *b);
BJ_API bj_val *bj_outer(bj_val *a, bj_val *b);

/* Sparse connectivity and event-driven propagation (docs/ops.md, "Sparse connectivity"; docs/architecture.md).
 * A projection from n_pre presynaptic to n_post postsynaptic neurons is a CSR matrix with one row per presynaptic
 * neuron: indptr [n_pre + 1] and indices [nnz] (integer vectors; the targets of neuron i are
 * indices[indptr[i] .. indptr[i + 1] - 1]), with weights either one scalar for every synapse (homogeneous: a C
 * number or a 0-d value) or one per synapse ([nnz], in indices' order). All four ops return float [n_post]: y[post]
 * = the sum over synapses pre -> post of the weight (times x[pre] for the non-event ops), added in ascending pre
 * order, so every backend gives the same bits. At run time a row's range is clamped into [0, nnz] and targets
 * outside [0, n_post) are dropped (bj_conn_check validates a matrix beforehand; constant matrices are checked when
 * traced). The kernels are single-threaded. Use the lower-case macros (the weight may be a C number):
 *   csrmv:         y = sum of w * x[pre] over every row (BrainPy's csrmv with transpose=True); the result dtype is
 *                  the promotion of the weights and x, float32 unless float64.
 *   event_csrmv:   spikes bool [n_pre]: only the rows of neurons that spiked are read, adding w.
 *   jitconn_*:     procedural connectivity: no matrix is stored; the rows of a fixed-probability network (each pair
 *                  connected with probability p, independently) are generated inside the kernel from the seed, the
 *                  network bj_conn_fixed_prob builds for the same arguments (bit for bit). One weight for all
 *                  synapses; n_pre, n_post <= 2^31 - 1. allow_self false drops the pairs pre == post. */
BJ_API bj_val *bj_csrmv_in(bj_val *indptr, bj_val *indices, bj_in weights, bj_val *x, int64_t n_post);
BJ_API bj_val *bj_event_csrmv_in(bj_val *indptr, bj_val *indices, bj_in weights, bj_val *spikes, int64_t n_post);
BJ_API bj_val *bj_jitconn_mv_in(bj_val *x, bj_in weight, double p, uint64_t seed, int64_t n_post, bool allow_self);
BJ_API bj_val *bj_jitconn_event_mv_in(bj_val *spikes, bj_in weight, double p, uint64_t seed, int64_t n_post,
                                      bool allow_self);
#define bj_csrmv(indptr, indices, w, x, n_post) bj_csrmv_in(indptr, indices, BJ_IN(w), x, n_post)
#define bj_event_csrmv(indptr, indices, w, spikes, n_post) bj_event_csrmv_in(indptr, indices, BJ_IN(w), spikes, n_post)
#define bj_jitconn_mv(x, w, p, seed, n_post, allow_self) bj_jitconn_mv_in(x, BJ_IN(w), p, seed, n_post, allow_self)
#define bj_jitconn_event_mv(spikes, w, p, seed, n_post, allow_self)                                                   \
    bj_jitconn_event_mv_in(spikes, BJ_IN(w), p, seed, n_post, allow_self)
/* The same fixed-probability networks (same seed: the same synapses, bit for bit) with a weight per synapse drawn
 * from the seed, as BrainPy's bm.jitconn.mv_prob_uniform / mv_prob_normal / event_mv_prob_*: uniform in
 * [w_low, w_high), or normal with mean mu and standard deviation sigma. A synapse's weight depends only on (seed,
 * pre, post), never on the backend, the thread count or which neurons spiked. w_low, w_high, mu, sigma: C numbers
 * (finite; w_low <= w_high, sigma >= 0) or 0-d values; the result dtype is theirs promoted (with x's for the
 * non-event ops), float32 unless float64. */
BJ_API bj_val *bj_jitconn_mv_uniform_in(bj_val *x, bj_in w_low, bj_in w_high, double p, uint64_t seed, int64_t n_post,
                                        bool allow_self);
BJ_API bj_val *bj_jitconn_mv_normal_in(bj_val *x, bj_in mu, bj_in sigma, double p, uint64_t seed, int64_t n_post,
                                       bool allow_self);
BJ_API bj_val *bj_jitconn_event_mv_uniform_in(bj_val *spikes, bj_in w_low, bj_in w_high, double p, uint64_t seed,
                                              int64_t n_post, bool allow_self);
BJ_API bj_val *bj_jitconn_event_mv_normal_in(bj_val *spikes, bj_in mu, bj_in sigma, double p, uint64_t seed,
                                             int64_t n_post, bool allow_self);
#define bj_jitconn_mv_uniform(x, w_low, w_high, p, seed, n_post, allow_self)                                          \
    bj_jitconn_mv_uniform_in(x, BJ_IN(w_low), BJ_IN(w_high), p, seed, n_post, allow_self)
#define bj_jitconn_mv_normal(x, mu, sigma, p, seed, n_post, allow_self)                                               \
    bj_jitconn_mv_normal_in(x, BJ_IN(mu), BJ_IN(sigma), p, seed, n_post, allow_self)
#define bj_jitconn_event_mv_uniform(spikes, w_low, w_high, p, seed, n_post, allow_self)                               \
    bj_jitconn_event_mv_uniform_in(spikes, BJ_IN(w_low), BJ_IN(w_high), p, seed, n_post, allow_self)
#define bj_jitconn_event_mv_normal(spikes, mu, sigma, p, seed, n_post, allow_self)                                    \
    bj_jitconn_event_mv_normal_in(spikes, BJ_IN(mu), BJ_IN(sigma), p, seed, n_post, allow_self)

/* Building CSR matrices on the host (int32 indptr and indices; new references; n_pre, n_post <= 2^31 - 1).
 * fixed_prob: each pair connected with probability p in [0, 1], independently, from the seed (rows sorted; the
 *   generator of the jitconn ops, so they describe the same network). allow_self false drops pre == post (for two
 *   populations of different sizes: the pairs whose indices are equal). More than 2^31 - 1 synapses is an error.
 * from_pairs: synapse k is pre[k] -> post[k] (integer vectors of one length, values in range); rows in pre order,
 *   each row's synapses in the order of the pairs (a stable sort), duplicates kept. order (may be NULL) receives
 *   int32 [nnz]: the pair index of each synapse, to put per-pair weights in CSR order (bj_take(w, order)).
 * check: BJ_OK if indptr (n_pre + 1 entries, non-decreasing within [0, nnz]) and indices (each in [0, n_post)) are a
 *   valid matrix; otherwise an error naming the first bad entry. */
BJ_API bj_status bj_conn_fixed_prob(int64_t n_pre, int64_t n_post, double p, uint64_t seed, bool allow_self,
                                    bj_array **indptr, bj_array **indices);
BJ_API bj_status bj_conn_from_pairs(int64_t n_pre, int64_t n_post, const bj_array *pre, const bj_array *post,
                                    bj_array **indptr, bj_array **indices, bj_array **order);
BJ_API bj_status bj_conn_check(int64_t n_pre, int64_t n_post, const bj_array *indptr, const bj_array *indices);

/* Creation inside a trace. */
BJ_API bj_val *bj_full(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape, double value);
BJ_API bj_val *bj_zeros(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_val *bj_ones(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_val *bj_iota(bj_trace *t, bj_dtype dtype, int rank, const int64_t *shape, int axis);
BJ_API bj_val *bj_arange(bj_trace *t, bj_dtype dtype, double start, double stop, double step);
BJ_API bj_val *bj_eye(bj_trace *t, bj_dtype dtype, int64_t n, int64_t m, int64_t k);

/* The generic entry for foreign callers (no C macros, no callbacks): any op by its name in docs/ops.md. */
typedef struct bj_attrs {
    int naxes;                     /* reductions, transpose (perm), flip, squeeze */
    int axes[BJ_MAX_RANK];
    int axis;                      /* concatenate, take, scatter, argmax, cumsum, sort, iota, expand_dims, repeat */
    bool keepdims;
    int rank;                      /* reshape, broadcast_to, full, iota, slice, dynamic_slice (sizes), tile */
    int64_t shape[BJ_MAX_RANK];    /* ... their shape / sizes / reps */
    int64_t start[BJ_MAX_RANK], stop[BJ_MAX_RANK], step[BJ_MAX_RANK]; /* slice */
    bj_dtype dtype;                /* astype, full, iota, arange, eye */
    double value, stop_value, step_value; /* full (value), arange (value = start) */
    int64_t n, m, k;               /* eye, repeat (n = repeats); sparse ops (n = n_post) */
    uint64_t seed;                 /* jitconn_* (with value = p, allow_self) */
    bool allow_self;
} bj_attrs;
/* ins: operand values (for creation ops, none: pass t). Unused attrs are ignored. Borrowed result. */
BJ_API bj_val *bj_op(bj_trace *t, const char *name, bj_val *const *ins, int nin, const bj_attrs *attrs);
BJ_API int bj_op_count(void);            /* number of IR ops */
BJ_API const char *bj_op_name(int code); /* IR op name; NULL if out of range */

/* ---------------------------------------------------------------- graphs and executables */
BJ_API bj_graph *bj_graph_retain(bj_graph *g);
BJ_API void bj_graph_release(bj_graph *g);
BJ_API int bj_graph_num_inputs(const bj_graph *g);
BJ_API int bj_graph_num_outputs(const bj_graph *g);
BJ_API int bj_graph_num_nodes(const bj_graph *g); /* live nodes, inputs included */
BJ_API bj_status bj_graph_print(const bj_graph *g, FILE *f);
BJ_API char *bj_graph_to_string(const bj_graph *g); /* free with bj_free */

/* ---- Variables and objects (BrainPy's Variable and BrainPyObject)
 * A Variable is a named, mutable array whose dtype and shape are fixed at creation, except an optional batch axis
 * whose size may change. An object is a named tree of Variables and child objects; objects made without a name get
 * a unique default one from their class name ("Hello0", "Hello1", ...). Names and attribute names may not contain
 * '.', which joins paths ("Hello0.a"). All handles are reference-counted; an object retains what it holds. */
typedef struct bj_var bj_var;
typedef struct bj_object bj_object;
/* A Variable holding a copy of value. name NULL: "Variable<N>". batch_axis: -1 for none. New reference. */
BJ_API bj_var *bj_var_new(const char *name, const bj_array *value, int batch_axis);
BJ_API bj_var *bj_var_retain(bj_var *v);
BJ_API void bj_var_release(bj_var *v);
BJ_API const char *bj_var_name(const bj_var *v);
BJ_API int bj_var_batch_axis(const bj_var *v);
/* The current value (borrowed: valid until the Variable is written or released; retain it to keep it). */
BJ_API bj_array *bj_var_value(const bj_var *v);
/* Replaces the value with a copy of value; its dtype and shape must be the Variable's (the batch axis may differ
 * in size). The message names the Variable and both types. */
BJ_API bj_status bj_var_set(bj_var *v, const bj_array *value);

/* An object of class class_name (e.g. "Hello"); name NULL gives the class's next default name. New reference. */
BJ_API bj_object *bj_object_new(const char *class_name, const char *name);
BJ_API bj_object *bj_object_retain(bj_object *o);
BJ_API void bj_object_release(bj_object *o);
BJ_API const char *bj_object_name(const bj_object *o);
BJ_API const char *bj_object_class(const bj_object *o);
/* Adds a Variable or a child object under attribute attr (unique within o); the object retains it. A child that
 * contains o (a cycle) is refused. */
BJ_API bj_status bj_object_add_var(bj_object *o, const char *attr, bj_var *v);
BJ_API bj_status bj_object_add_child(bj_object *o, const char *attr, bj_object *child);
/* The Variable at an attribute path relative to o ("a", "child.a"); borrowed, NULL with an error if none. */
BJ_API bj_var *bj_object_var(const bj_object *o, const char *path);
/* Every Variable reachable from o, each once, depth first in insertion order, as BrainPy's vars(): the path of
 * Variable i is "<name of the object holding it>.<attribute>" (e.g. "Hello0.a"), written into path. */
BJ_API int bj_object_num_vars(const bj_object *o); /* -1 with an error on a bad handle */
BJ_API bj_var *bj_object_var_at(const bj_object *o, int i, char *path, size_t n);

/* ---------------------------------------------------------------- jit (brainpy.math.jit)
 * A jit handle wraps a traced function: C code that receives its parameters as traced values (or, for static
 * parameters, as C values), may read and write Variables, and returns any number of outputs. Calling the handle
 * computes a signature (static values; dtype, shape and weak flag of each dynamic argument; dtype and shape of each
 * Variable the function touched), traces the function once per signature, compiles the graph and runs it; written
 * Variables are updated in place. The seed's example:
 *
 *     static bj_status selu(bj_trace *t, void *ud) {
 *         bj_val *x = bj_param(t, 0), *alpha = bj_param(t, 1), *lmbda = bj_param(t, 2);
 *         return bj_return(t, bj_mul(lmbda, bj_where(bj_gt(x, 0.0), x, bj_sub(bj_mul(alpha, bj_exp(x)), alpha))));
 *     }
 *     bj_jit *f = bj_jit_new(selu, NULL, &(bj_jit_opts){.argnames = "x, alpha=1.67, lmbda=1.05",
 *                                                        .static_argnames = "alpha, lmbda"});
 *     bj_array *y;
 *     bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1);             // alpha, lmbda: their defaults
 *     bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_kw("alpha", bj_arg_f64(2.0))), &y, 1);  // a new signature
 *
 * Semantics (docs/architecture.md, "The jit"):
 *  - Arguments: arrays, Variables (passed as their current value: a dynamic argument; write Variables through
 *    bj_var_write, not through a parameter), C numbers and bools (static, or else weakly typed dynamic scalars as
 *    Python scalars are in JAX: a double is a weak float32, float64 with "x64"), strings (static only), and shape
 *    specs (bj_arg_spec: for bj_jit_compile and introspection, not for running).
 *  - Static parameters (static_argnums / static_argnames) are compile-time constants: part of the signature (int 1
 *    and float 1.0 differ) and folded into the code; read them as C values with bj_param_f64 and friends (steering
 *    host control flow while tracing) or as weak literals with bj_param. Asking for a dynamic parameter's value
 *    while tracing is an error naming it and suggesting static_argnums.
 *  - Variables read or written inside the function are found automatically (there is no dyn_vars / child_objs
 *    list: BrainPy deprecated them and they have no C equivalent). Only written Variables are outputs; they are
 *    updated in place after the run. Creating a Variable, or setting one with bj_var_set, while a jit function is
 *    being traced is an error (it would happen once, at trace time, not on every call).
 *  - A failed trace or compile returns its error and leaves every Variable as it was; the handle stays usable.
 *  - Threads: a handle may be called from several threads; calls of one handle are serialised by its lock. Runs of
 *    handles that share a Variable are serialised when one of them writes it (a run locks the Variables it uses),
 *    and bj_var_set waits until no call is resolving, tracing or compiling (an open bj_jit_trace_begin included)
 *    and no run uses the Variable, so every call sees whole values. The array bj_var_value returns is the caller's
 *    to synchronise: runs write it in place, and bj_var_set replaces it.
 */
typedef struct bj_jit bj_jit;
/* The traced function: build the result with ops on t, return with bj_return (or any error status). */
typedef bj_status (*bj_jit_fn)(bj_trace *t, void *ud);

/* Options, mirroring brainpy.math.jit. Zero-initialise and set what you need. Lists are strings, so foreign
 * callers need no arrays: numbers separated by commas or spaces, names separated by commas. */
typedef struct bj_jit_opts {
    const char *name;            /* shown in messages and printing; default "jit<N>" ("<object>.<method>" for methods) */
    const char *argnames;        /* "x, alpha=1.67, lmbda=1.05": names of the positional parameters, with defaults
                                  * (numbers, true/false, "strings") for trailing ones; enables keyword arguments */
    const char *static_argnums;  /* "1, 2"; negative numbers count from the end */
    const char *static_argnames; /* "alpha, lmbda": names from argnames */
    const char *donate_argnums;  /* "0": these array arguments' buffers may be reused for outputs */
    bool inlined;                /* BrainPy's inline: when called inside another trace, trace the body straight into
                                  * the caller's graph (else: a call of a body traced once and cached here) */
    bool keep_unused;            /* keep unused dynamic arguments in the compiled signature */
    const char *abstracted_axes; /* "x: n; y: n, _": per parameter, a name per axis (_: static); one executable
                                  * serves every size along the named axes */
    const char *backend;         /* "cpu" (default, NULL), "interp"; "" is an error, and "gpu" until a GPU
                                  * backend exists */
    const char *device;          /* NULL, "cpu" or "cpu:0" (others: not available) */
    int cache_size;              /* compiled signatures kept, least recently used dropped first; default 64 */
} bj_jit_opts;

/* A call argument. Build with the constructors below; bj_kw names a keyword argument. */
typedef enum bj_arg_kind {
    BJ_ARG_ARRAY, BJ_ARG_F64, BJ_ARG_I64, BJ_ARG_BOOL, BJ_ARG_STR, BJ_ARG_VAR, BJ_ARG_VAL, BJ_ARG_SPEC
} bj_arg_kind;
typedef struct bj_arg {
    bj_arg_kind kind;
    const char *name;            /* keyword argument: a name from argnames; NULL: positional */
    bj_array *array;             /* ARRAY */
    bj_var *var;                 /* VAR */
    bj_val *val;                 /* VAL: a traced value (calls inside another trace) */
    double f;                    /* F64 */
    int64_t i;                   /* I64, BOOL */
    const char *s;               /* STR */
    bj_dtype dtype;              /* SPEC */
    int rank;
    int64_t shape[BJ_MAX_RANK];
} bj_arg;
static inline bj_arg bj_arg_array(bj_array *a) { bj_arg r = {.kind = BJ_ARG_ARRAY}; r.array = a; return r; }
static inline bj_arg bj_arg_f64(double f) { bj_arg r = {.kind = BJ_ARG_F64}; r.f = f; return r; }
static inline bj_arg bj_arg_i64(long long i) { bj_arg r = {.kind = BJ_ARG_I64}; r.i = (int64_t)i; return r; }
static inline bj_arg bj_arg_bool(bool b) { bj_arg r = {.kind = BJ_ARG_BOOL}; r.i = b; return r; }
static inline bj_arg bj_arg_str(const char *s) { bj_arg r = {.kind = BJ_ARG_STR}; r.s = s; return r; }
static inline bj_arg bj_arg_var(bj_var *v) { bj_arg r = {.kind = BJ_ARG_VAR}; r.var = v; return r; }
static inline bj_arg bj_arg_val(bj_val *v) { bj_arg r = {.kind = BJ_ARG_VAL}; r.val = v; return r; }
static inline bj_arg bj_arg_spec(bj_dtype d, int rank, const int64_t *shape) {
    bj_arg r = {.kind = BJ_ARG_SPEC};
    r.dtype = d, r.rank = rank;
    for (int k = 0; k < rank && k < BJ_MAX_RANK && shape; k++) r.shape[k] = shape[k];
    return r;
}
static inline bj_arg bj_kw(const char *name, bj_arg a) { a.name = name; return a; }
/* BJ_ARG(x): the constructor for x's C type. BJ_ARGS(a, b, ...): an argument list and its count. */
#define BJ_ARG(x)                                                                                                     \
    _Generic((x), bj_array *: bj_arg_array, bj_var *: bj_arg_var, bj_val *: bj_arg_val, double: bj_arg_f64,           \
             float: bj_arg_f64, int: bj_arg_i64, long: bj_arg_i64, long long: bj_arg_i64, _Bool: bj_arg_bool,         \
             char *: bj_arg_str, const char *: bj_arg_str)(x)
#define BJ_ARGS(...) ((const bj_arg[]){__VA_ARGS__}), ((int)(sizeof((bj_arg[]){__VA_ARGS__}) / sizeof(bj_arg)))

/* A jit handle for fn (called with ud). opts may be NULL. New reference. Option errors (unknown names, bad
 * numbers, a static argument also donated, ...) are reported here. */
BJ_API bj_jit *bj_jit_new(bj_jit_fn fn, void *ud, const bj_jit_opts *opts);
/* A jit handle for a method of an object (BrainPy's bm.jit(obj.method)): named "<object>.<method>", retains self,
 * and lists self's Variables. fn receives ud (typically the C struct that holds self). */
BJ_API bj_jit *bj_jit_method(bj_object *self, const char *method, bj_jit_fn fn, void *ud, const bj_jit_opts *opts);
BJ_API bj_jit *bj_jit_retain(bj_jit *f);
BJ_API void bj_jit_release(bj_jit *f);

/* Calls f. outs receive new references to the function's outputs; nout must be their number (or 0 to discard
 * them). Written Variables are updated before it returns. */
BJ_API bj_status bj_jit_call(bj_jit *f, const bj_arg *args, int nargs, bj_array **outs, int nout);
/* Calls f while tracing another function on trace t (arguments may be traced values, BJ_ARG_VAL): with
 * opts.inlined the body is traced into t; otherwise its traced body is cached with f and called. outs receive
 * traced values (borrowed). */
BJ_API bj_status bj_jit_call_traced(bj_jit *f, bj_trace *t, const bj_arg *args, int nargs, bj_val **outs, int nout);

/* Inside a traced function. Parameters are numbered as the call's positional arguments (keywords and defaults
 * resolved). bj_param: a traced value (a static number or bool: a weakly typed literal). */
BJ_API bj_val *bj_param(bj_trace *t, int i);
BJ_API bj_val *bj_param_named(bj_trace *t, const char *name);
BJ_API int bj_num_params(bj_trace *t);
/* A static parameter's C value (an int converts to double and back exactly or fails; a bool is 0 or 1). On a
 * dynamic parameter: an error naming it and suggesting static_argnums, and NaN / 0 / false / NULL. */
BJ_API double bj_param_f64(bj_trace *t, int i);
BJ_API int64_t bj_param_i64(bj_trace *t, int i);
BJ_API bool bj_param_bool(bj_trace *t, int i);
BJ_API const char *bj_param_str(bj_trace *t, int i); /* borrowed, lives with the trace */
/* A value known while tracing (a literal, or an op on literals only), as a C double (also on a plain trace). Otherwise
 * an error naming the dynamic parameter, Variable or argument it depends on (BJ_ERR_TRACE), or BJ_ERR_SHAPE for more
 * than one element. A probe: its failure is not recorded in the trace, which stays usable (Python's bool(tracer)
 * raises and the caller may catch it and go on); only the status and bj_last_error() report it. */
BJ_API bj_status bj_val_to_f64(bj_val *v, double *out);
/* The function's outputs (call once). Returns the trace's status, so `return bj_return(t, y);` works. */
BJ_API bj_status bj_return(bj_trace *t, bj_val *v);
BJ_API bj_status bj_return_n(bj_trace *t, bj_val *const *vs, int n);

/* Variables inside a jit trace. read: the current value (the value last written in this trace, if any).
 * write: the new value; its dtype and shape must be the Variable's (a weakly typed value takes its dtype);
 * the message names the Variable and both types. Reads and writes are recorded separately. */
BJ_API bj_val *bj_var_read(bj_trace *t, bj_var *v);
BJ_API bj_status bj_var_write(bj_trace *t, bj_var *v, bj_val *x);

/* Compiled loops (BrainPy's for_loop, JAX's scan), inside a jit trace. The body is traced once and runs n times
 * inside the compiled code. Its values: the step index (int32 scalar, 0 .. n-1), the explicit carries (initial
 * values init[0..ncarry-1]; the body yields new values of the same types), and per-step operands x_i = xs_i[step]
 * (each xs_i has a leading axis of at least n). Variables read or written in the body are carried automatically
 * (their values after the loop are the last step's). The body also yields nys per-step values, which come out
 * stacked along a new leading axis, recorded every `every` steps (steps every-1, 2*every-1, ...: n / every rows):
 * monitors such as spikes [T, N]. final receives the carries after the last step (the init values when n == 0).
 *
 *     static bj_status step(bj_trace *t, void *ud) {            // v += x; record v's spikes
 *         LIF *m = ud;
 *         bj_val *v = bj_add(bj_var_read(t, m->v), bj_loop_x(t, 0));
 *         bj_var_write(t, m->v, bj_where(bj_gt(v, 1.0), 0.0, v));
 *         bj_val *spk = bj_gt(v, 1.0);
 *         return bj_loop_yield(t, NULL, 0, &spk, 1);
 *     }
 *     bj_val *spikes;                                           // bool[T, N]
 *     bj_for_loop(t, T, 1, step, m, NULL, 0, &inputs, 1, NULL, &spikes, 1);
 */
typedef bj_status (*bj_loop_fn)(bj_trace *t, void *ud);
BJ_API bj_status bj_for_loop(bj_trace *t, int64_t n, int64_t every, bj_loop_fn body, void *ud, bj_val *const *init,
                             int ncarry, bj_val *const *xs, int nxs, bj_val **final, bj_val **ys, int nys);
/* Inside a body: the step, carry i, per-step operand i; then yield the new carries and the per-step values.
 * bj_loop_carry and bj_loop_yield serve the innermost scope: a for or while loop's carries, a cond's operands. */
BJ_API bj_val *bj_loop_step(bj_trace *t);
BJ_API bj_val *bj_loop_carry(bj_trace *t, int i);
BJ_API bj_val *bj_loop_x(bj_trace *t, int i);
BJ_API bj_status bj_loop_yield(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys);
/* The same without a callback (foreign callers): begin opens the body, end closes it (on every path: after an
 * error too) and gives the results. */
BJ_API bj_status bj_loop_begin(bj_trace *t, int64_t n, int64_t every, bj_val *const *init, int ncarry,
                               bj_val *const *xs, int nxs);
BJ_API bj_status bj_loop_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val *const *ys, int nys,
                             bj_val **final, bj_val **stacked);

/* Compiled while loops (BrainPy's while_loop, JAX's while_loop), inside a jit trace. The condition and the body are
 * each traced once; the compiled code evaluates the condition on the carries and, while it is true, runs the body.
 * Carries: initial values init[0..ncarry-1], read in both with bj_loop_carry(t, i); the condition yields its
 * predicate with bj_loop_yield(t, NULL, 0, &pred, 1) (a scalar of any dtype: nonzero is true; bool is usual), the
 * body yields the new carries with bj_loop_yield(t, new, ncarry, NULL, 0) (each of its carry's dtype and shape).
 * Variables read or written in either are carried automatically (their values after the loop are the last
 * iteration's); writing a Variable in the condition is an error. final receives the carries after the loop (the
 * init values when the condition is false at once). There is no cap on iterations: a condition that stays true
 * never returns (as in C; bound it with a counter carry if unsure). bj_loop_step and bj_loop_x stay those of an
 * enclosing for loop.
 *
 *     static bj_status cond(bj_trace *t, void *ud) {            // while (n != 1)
 *         bj_val *p = bj_ne(bj_loop_carry(t, 0), 1);
 *         return bj_loop_yield(t, NULL, 0, &p, 1);
 *     }
 *     static bj_status body(bj_trace *t, void *ud) {            // n = n % 2 ? 3n + 1 : n / 2; steps += 1
 *         bj_val *n = bj_loop_carry(t, 0), *k = bj_loop_carry(t, 1);
 *         bj_val *next[2] = {bj_where(bj_remainder(n, 2), bj_add(bj_mul(n, 3), 1), bj_floor_divide(n, 2)),
 *                            bj_add(k, 1)};
 *         return bj_loop_yield(t, next, 2, NULL, 0);
 *     }
 *     bj_val *out[2];                                           // Collatz steps of a traced int32 n0
 *     bj_while_loop(t, cond, body, NULL, (bj_val *[]){n0, bj_lit(t, BJ_I32, 0)}, 2, out);
 */
BJ_API bj_status bj_while_loop(bj_trace *t, bj_loop_fn cond, bj_loop_fn body, void *ud, bj_val *const *init,
                               int ncarry, bj_val **final);
/* The same without callbacks (foreign callers): begin opens the condition (read the carries with bj_loop_carry),
 * body closes it with its predicate and opens the body, end closes the body with the new carries and gives the
 * final ones. Call end on every path (after an error too: it then closes what is open and returns the error). */
BJ_API bj_status bj_while_begin(bj_trace *t, bj_val *const *init, int ncarry);
BJ_API bj_status bj_while_body(bj_trace *t, bj_val *pred);
BJ_API bj_status bj_while_end(bj_trace *t, bj_val *const *new_carry, int ncarry, bj_val **final);

/* Compiled conditionals (BrainPy's cond / ifelse with two branches, JAX's lax.cond), inside a jit trace. pred is a
 * traced scalar of any dtype (nonzero is true); both branches are traced once and the compiled code runs only the
 * one pred picks. Each branch reads the operands ops[0..nops-1] with bj_loop_carry(t, i) (any value of the
 * enclosing trace may be used directly too) and yields its nout results with bj_loop_yield(t, NULL, 0, results,
 * nout); result i must have the same dtype and shape in both branches (a weakly typed C literal takes the other
 * branch's dtype), else the error names both: "bj_cond: result 0 is f32[4] in the true branch and f64[4] in the
 * false branch". outs receive the results. Variables read in a branch are their values before the cond; a Variable
 * written in either branch is written by the cond: after it, it has the taken branch's value (the branch that did
 * not write it leaves it unchanged). bj_loop_step and bj_loop_x stay those of an enclosing for loop.
 *
 *     static bj_status grow(bj_trace *t, void *ud)   { bj_val *y = bj_mul(bj_loop_carry(t, 0), 2.0);
 *                                                      return bj_loop_yield(t, NULL, 0, &y, 1); }
 *     static bj_status shrink(bj_trace *t, void *ud) { bj_val *y = bj_sub(bj_loop_carry(t, 0), 1.0);
 *                                                      return bj_loop_yield(t, NULL, 0, &y, 1); }
 *     bj_val *y;                                     // y = sum(x) < 10 ? x * 2 : x - 1, one executable for both
 *     bj_cond(t, bj_lt(bj_sum(x, 0, NULL, false), 10.0), grow, shrink, NULL, &x, 1, &y, 1);
 */
BJ_API bj_status bj_cond(bj_trace *t, bj_val *pred, bj_loop_fn then_fn, bj_loop_fn else_fn, void *ud,
                         bj_val *const *ops, int nops, bj_val **outs, int nout);
/* The same without callbacks: begin opens the true branch, else closes it with its results and opens the false
 * one, end closes that with its results (as many, of the same types) and gives the cond's results. Call end on
 * every path (after an error too). */
BJ_API bj_status bj_cond_begin(bj_trace *t, bj_val *pred, bj_val *const *ops, int nops);
BJ_API bj_status bj_cond_else(bj_trace *t, bj_val *const *results, int nresults);
BJ_API bj_status bj_cond_end(bj_trace *t, bj_val *const *results, int nresults, bj_val **outs);

/* Forward-mode differentiation (JAX's jvp), on any trace. begin opens the function to differentiate: its n inputs
 * are fresh values of the primals' types, read with bj_jvp_param(t, i) (fresh, so that a value merged with the
 * primal elsewhere, such as an equal literal, is not differentiated); build its outputs from them and from any value
 * of the enclosing trace, which is a constant (captured); end closes it and gives, as values of the enclosing
 * region, the outputs at the primals (res) and their directional derivatives along the tangents (res_tangents).
 * Primals are float values (integer and bool inputs have no tangent, as JAX's float0: capture them instead); tangent
 * i has primal i's dtype and shape (a weakly typed scalar of the same shape takes it); an output's tangent has its
 * dtype and shape, zeros for integer and bool outputs. Rules follow JAX: maximum/minimum split ties, abs'(0) = 1,
 * max/min average over the elements equal to the result, floor/ceil/round/trunc/sign, comparisons, integer ops and
 * random draws have a zero derivative. Loops and conds inside are differentiated (their tangents carried along),
 * and functions may nest (jvp of a jvp: higher derivatives). In a jit trace, reading a Variable inside gives its
 * current value (a constant); writing one is an error naming it. end: call it on every path (after an error too:
 * it then closes what it opened and returns the trace's error); ntangents must be n; res and res_tangents receive
 * nout values each (either may be NULL to discard). Errors name the op without a rule and its type, or the value. */
BJ_API bj_status bj_jvp_begin(bj_trace *t, bj_val *const *primals, int n);
BJ_API bj_val *bj_jvp_param(bj_trace *t, int i); /* input i of the innermost open bj_jvp_begin of t */
BJ_API bj_status bj_jvp_end(bj_trace *t, bj_val *const *outs, int nout, bj_val *const *tangents, int ntangents,
                            bj_val **res, bj_val **res_tangents);
/* The same with a callback: fn receives the inputs x[0..n-1] and writes its outputs into outs (room for cap) and
 * their number into *nout. outs and out_tangents receive them (*nout of each) at the primals, along the tangents.
 *
 *     static bj_status f(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout) {
 *         outs[0] = bj_mul(bj_sin(x[0]), x[0]);     // x sin x
 *         *nout = 1;
 *         return BJ_OK;
 *     }
 *     bj_val *y, *dy;                              // dy = (sin x + x cos x) * v
 *     int k;
 *     bj_jvp(t, f, NULL, &x, &v, 1, &y, &dy, 1, &k);
 */
typedef bj_status (*bj_jvp_fn)(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout);
BJ_API bj_status bj_jvp(bj_trace *t, bj_jvp_fn fn, void *ud, bj_val *const *primals, bj_val *const *tangents, int n,
                        bj_val **outs, bj_val **out_tangents, int cap, int *nout);

/* Introspection. print: "<jit selu: backend=cpu, 0 Variables, 2/64 signatures cached>". */
BJ_API bj_status bj_jit_print(const bj_jit *f, FILE *out);
BJ_API char *bj_jit_to_string(const bj_jit *f); /* free with bj_free */
/* The Variables found in f's traces so far (for a method: also every Variable of the object), each with its path
 * ("Hello0.a" when reachable from the object, else its name). Borrowed. */
BJ_API int bj_jit_num_vars(const bj_jit *f);
BJ_API bj_var *bj_jit_var_at(const bj_jit *f, int i, char *path, size_t n);
BJ_API bj_status bj_jit_clear_cache(bj_jit *f);
typedef struct bj_jit_stats {
    int64_t calls;        /* bj_jit_call and bj_jit_call_traced */
    int64_t traces;       /* runs of the function with tracer values (inline calls trace every time) */
    int64_t compiles;     /* executables built (a compile may still be served by the backend's caches) */
    int64_t cache_hits;   /* calls served by a cached signature */
    int64_t cache_misses;
    int64_t cache_size;   /* signatures cached now */
    double trace_s;       /* seconds spent tracing */
    double compile_s;     /* seconds spent compiling */
} bj_jit_stats;
BJ_API bj_status bj_jit_stats_get(const bj_jit *f, bj_jit_stats *out);
/* Why the last call missed the cache ("arg 0 (x): now f32[8], before f32[4]"), copied into buf ("" if none).
 * Setting BJ_EXPLAIN_CACHE_MISSES=1 (setting "explain_cache_misses") also prints one line per miss on stderr;
 * BJ_LOG_COMPILES=1 ("log_compiles") prints one line per compile with the time taken. */
BJ_API bj_status bj_jit_last_miss(const bj_jit *f, char *buf, size_t n);
/* For given arguments (arrays or bj_arg_spec shapes): the traced IR as text, the generated C source (NULL for
 * the interpreter), or an ahead-of-time compile into the cache. Strings: free with bj_free. */
BJ_API char *bj_jit_ir(bj_jit *f, const bj_arg *args, int nargs);
BJ_API char *bj_jit_source(bj_jit *f, const bj_arg *args, int nargs);
BJ_API bj_status bj_jit_compile(bj_jit *f, const bj_arg *args, int nargs);

/* Driving a jit handle without callbacks (foreign callers such as a Python front end): f may have fn NULL.
 *   needs_trace: 1 if no cached signature serves these arguments (0 if one does; -1 on an error);
 *   trace_begin: a trace whose parameters are these arguments' (bj_param ...); add ops, read and write Variables,
 *                bj_return, then trace_end: it always consumes t, compiles and caches the signature. The handle
 *                stays locked for other threads between the two, so call trace_end on every path (after an error
 *                too: it then returns that error and caches nothing).
 * Afterwards bj_jit_call with the same arguments runs it. */
BJ_API int bj_jit_needs_trace(bj_jit *f, const bj_arg *args, int nargs);
/* As bj_jit_call for callers that learn the number of outputs from the signature: outs has room for cap; on success
 * *nout is the number of outputs and *tag the signature's tag (NULL if none). More outputs than cap: BJ_ERR_ARG
 * without running, *nout the number needed. A miss of a handle without fn: BJ_ERR_TRACE with *nout = -1 (trace it,
 * then call again); every other failure leaves *nout at 0. */
BJ_API bj_status bj_jit_call_tagged(bj_jit *f, const bj_arg *args, int nargs, bj_array **outs, int cap, int *nout,
                                    void **tag);
/* On a trace from bj_jit_trace_begin: attaches a caller's value to the signature being traced (a Python front end
 * keeps the structure of the function's result there). free_tag(tag) (may be NULL) runs once when the signature
 * is dropped (cache eviction, bj_jit_clear_cache, the handle's release), or at bj_jit_trace_end if it fails. */
BJ_API bj_status bj_jit_trace_set_tag(bj_trace *t, void *tag, void (*free_tag)(void *tag));
BJ_API bj_trace *bj_jit_trace_begin(bj_jit *f, const bj_arg *args, int nargs);
BJ_API bj_status bj_jit_trace_end(bj_trace *t);

/* A compiled graph. backend: "interp" (reference interpreter) or "cpu" (generated C, compiled by the system
 * compiler and loaded; identical graphs compile once per process and are cached on disk); there is no default:
 * NULL is an error (BJ_ERR_ARG), as in bj_graph_run. If no C compiler is found, "cpu" falls back to the interpreter
 * with one warning on stderr (bj_exec_backend tells which ran). That is the only fallback: a compiler that rejects
 * the source, or runs longer than "compile_timeout" (then it and its children are killed), is an error, since the
 * interpreter would run such a graph far slower than the user chose. Compile time grows linearly with the graph:
 * fusion puts at most 512 ops in one kernel and the generated functions stay small, whatever the graph's size. */
typedef struct bj_exec bj_exec;
BJ_API bj_exec *bj_compile(bj_graph *g, const char *backend); /* new reference; retains g */
BJ_API void bj_exec_release(bj_exec *e);
/* Runs on inputs matching the graph's arguments in dtype and shape; outs receive new references. */
BJ_API bj_status bj_exec_run(bj_exec *e, bj_array *const *ins, int nin, bj_array **outs, int nout);
/* As bj_exec_run, into caller-owned output arrays of the graph's output dtypes and shapes (no allocation). An
 * output may be one of the inputs (its buffer is updated in place) only if the graph reads that input
 * elementwise; otherwise give distinct arrays. */
BJ_API bj_status bj_exec_run_into(bj_exec *e, bj_array *const *ins, int nin, bj_array *const *outs, int nout);
/* Compile and run once. */
BJ_API bj_status bj_graph_run(bj_graph *g, const char *backend, bj_array *const *ins, int nin, bj_array **outs,
                              int nout);
/* Introspection: the backend that runs e ("interp" or "cpu"), its number of kernels (loop nests after fusion),
 * and its generated C source (NULL for the interpreter; owned by e). */
BJ_API const char *bj_exec_backend(const bj_exec *e);
BJ_API int bj_exec_num_kernels(const bj_exec *e);
BJ_API const char *bj_exec_source(const bj_exec *e);

/* Settings of the native backend, by name (binding-friendly). Each starts from its environment variable:
 *   "cc"          BJ_CC           C compiler (default "cc"), run without a shell
 *   "cflags"      BJ_CFLAGS       extra compiler flags, split at spaces
 *   "cache_dir"   BJ_CACHE_DIR    disk cache (default $XDG_CACHE_HOME/brainjit or ~/.cache/brainjit)
 *   "disk_cache"  BJ_DISK_CACHE   "1" (default) or "0": compile into a private temporary directory instead, and
 *                                 leave the cache directory untouched (not even created)
 *   "cache_max_bytes" BJ_CACHE_MAX_BYTES  bound of the disk cache: bytes, or with a K, M or G suffix (powers of
 *                                 1024); default 1G. Past it, entries least recently used are removed
 *   "compile_timeout" BJ_COMPILE_TIMEOUT  seconds one compiler run may take (default 60; "0.5" is fine; "0": no
 *                                 limit); past it the compiler is stopped and the compile fails with BJ_ERR_IO
 *   "dump_dir"    BJ_DUMP_DIR     if set, every generated source is also written there
 *   "num_threads" BJ_NUM_THREADS  threads for large loops (default: the online CPUs)
 *   "loop_threads_min"  BJ_LOOP_THREADS_MIN  a for loop runs its steps on num_threads threads when its body's
 *                                 large kernels add up to this much work per step (elements times operations,
 *                                 transcendental ones and divisions counting 8; default 1000000). Results never
 *                                 depend on it or on the thread count; "0" threads every loop with a kernel that
 *                                 can be split (tests use it)
 *   "test_fault"  BJ_TEST_FAULT   tests only: "compile_error" or "wrong_result" injects that failure
 *   "explain_cache_misses"  BJ_EXPLAIN_CACHE_MISSES  "1": a jit handle prints one line on stderr per cache miss
 *   "log_compiles"          BJ_LOG_COMPILES          "1": a jit handle prints one line per compile, with its time
 *   "x64"         BJ_X64          "0" (default) or "1": JAX's x64 mode. Weak C scalars (bj_lit_f64/i64 weak, C
 *                                 operands, dynamic BJ_ARG_F64/I64 jit arguments) are float64 / int64 instead of
 *                                 float32 / int32; sum/prod of bool and int32 give int64, argmax/argmin/argsort
 *                                 int64 (docs/ops.md section 2). Each trace reads it once, when made; jit
 *                                 signatures include it, so flipping it retraces
 * An empty or NULL value restores the default. bj_config_get copies the current value into buf. */
BJ_API bj_status bj_config_set(const char *key, const char *value);
BJ_API bj_status bj_config_get(const char *key, char *buf, size_t n);

/* The disk cache (setting "cache_dir"): one file per compiled graph, <key>.so, holding the library, its source and
 * a footer that binds both to the key; checked before every load, so a damaged, swapped or planted file (FIFO,
 * symlink, device, directory) is rebuilt or replaced, never run or waited on. A directory that cannot be written
 * (read-only, an unusable lock file, a full disk) still serves what it holds, and what it lacks is compiled in a
 * private temporary directory (one warning); one that others can write is not used at all. Temporaries of a
 * compile that was killed are removed by a later writer. After a write that takes the cache past
 * "cache_max_bytes", the least recently used entries are removed down to 90% of it.
 * bj_cache_clear removes every file brainjit keeps there (entries, kept failed sources, the compiler's identity,
 * lock files, left-over temporaries; nothing else), also with "disk_cache" at "0"; libraries already loaded stay
 * loaded. A missing directory is already clear. BJ_ERR_IO if the directory is not this user's or a file could
 * not be removed (the message names it). */
BJ_API bj_status bj_cache_clear(void);

/* Counters of the native backend in this process. */
typedef struct bj_cpu_stats {
    int64_t compiles;     /* runs of the C compiler that succeeded */
    int64_t disk_hits;    /* libraries loaded from the disk cache */
    int64_t memory_hits;  /* bj_compile calls served by an executable already loaded in this process */
    int64_t rebuilds;     /* disk entries found corrupt or mismatched and rebuilt */
    int64_t failures;     /* compiler runs that failed */
    double compile_s;     /* seconds spent in the compiler */
    double load_s;        /* seconds spent reading, checking and loading libraries */
} bj_cpu_stats;
BJ_API void bj_cpu_stats_get(bj_cpu_stats *out);

/* ---------------------------------------------------------------- random numbers
 * Counter-based and functional, as JAX: a key is a uint32[2] array, and a draw is a pure function of the key, the
 * distribution and the element's flat C-order index, computed by Philox4x32-10 (Random123). So the same key gives
 * the same numbers on every backend and thread count, bit for bit, whether or not the draw is fused with other ops;
 * the same key also gives the same numbers twice (use split or fold_in for new ones, or a RandomState below). The
 * first elements of a larger draw are those of a smaller one. Draws of different distributions from one key are
 * independent (each has its own counter stream); bernoulli is uniform < p. Methods and accuracy: docs/architecture.md
 * ("Random numbers"); names for bj_op: docs/ops.md. Each returns a borrowed value in key's trace, or NULL.
 *   key:       bj_random_key(seed) is the array {seed & 0xffffffff, seed >> 32} (new reference); inside a trace,
 *              bj_random_key_const makes it a constant.
 *   bits:      uint32 random words.
 *   uniform:   [lo, hi) in float32 or float64 (u * (hi - lo) + lo with u in [0, 1), at least lo; rounding can give
 *              hi when hi - lo is large against the spacing at hi). lo and hi: C numbers (finite, lo < hi) or
 *              values broadcasting to the shape; [0, 1) draws use 23 (float32) or 52 (float64) random bits.
 *   normal:    standard normal, float32 or float64 (Box-Muller in float64; float32 is that value rounded).
 *   bernoulli: bool, true with probability p (a C number in [0, 1], or a value: float64 p compares in float64,
 *              other dtypes in float32).
 *   randint:   integers in [lo, hi), int32, int64 or uint32; lo and hi C integers (lo < hi, both fit the dtype) or
 *              integer values (where hi <= lo the result is lo, as JAX). Bias below (hi - lo) / 2^64.
 *   poisson:   counts with mean lam (a C number >= 0, or a value) as int32, int64, float32 or float64; a traced lam
 *              < 0 or NaN gives -1, +inf gives the dtype's largest value (+inf for floats).
 *   split:     n >= 1 new keys, uint32[n, 2], independent of key's draws and of each other.
 *   fold_in:   a new key from key and 32 bits of data (a C integer in [INT32_MIN, UINT32_MAX], or an integer
 *              scalar value, converted to uint32). */
BJ_API bj_array *bj_random_key(uint64_t seed);
BJ_API bj_val *bj_random_key_const(bj_trace *t, uint64_t seed);
BJ_API bj_val *bj_random_bits(bj_val *key, int rank, const int64_t *shape);
BJ_API bj_val *bj_random_uniform_in(bj_val *key, bj_dtype dtype, int rank, const int64_t *shape, bj_in lo, bj_in hi);
BJ_API bj_val *bj_random_normal(bj_val *key, bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_val *bj_random_bernoulli_in(bj_val *key, bj_in p, int rank, const int64_t *shape);
BJ_API bj_val *bj_random_randint_in(bj_val *key, bj_in lo, bj_in hi, bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_val *bj_random_poisson_in(bj_val *key, bj_in lam, bj_dtype dtype, int rank, const int64_t *shape);
BJ_API bj_val *bj_random_split(bj_val *key, int64_t n);
BJ_API bj_val *bj_random_fold_in_in(bj_val *key, bj_in data);
#define bj_random_uniform(key, dtype, rank, shape, lo, hi) bj_random_uniform_in(key, dtype, rank, shape, BJ_IN(lo), BJ_IN(hi))
#define bj_random_bernoulli(key, p, rank, shape) bj_random_bernoulli_in(key, BJ_IN(p), rank, shape)
#define bj_random_randint(key, lo, hi, dtype, rank, shape) bj_random_randint_in(key, BJ_IN(lo), BJ_IN(hi), dtype, rank, shape)
#define bj_random_poisson(key, lam, dtype, rank, shape) bj_random_poisson_in(key, BJ_IN(lam), dtype, rank, shape)
#define bj_random_fold_in(key, data) bj_random_fold_in_in(key, BJ_IN(data))

/* RandomState (BrainPy's bm.random.RandomState): a Variable holding a key. Inside a jit trace, next reads the
 * key, writes back key 0 of its split and returns key 1 (JAX's `key, sub = split(key)`), so every call of the
 * jitted function draws new numbers from the returned key, and the same seed reproduces the same sequence on every
 * backend. Several draws in one call: call next again (or split its key). new: name NULL gives "Variable<N>"; a
 * new reference, like bj_var_new. seed: re-seeds outside traces (an error while tracing, as bj_var_set). */
BJ_API bj_var *bj_random_state_new(const char *name, uint64_t seed);
BJ_API bj_status bj_random_state_seed(bj_var *state, uint64_t seed);
BJ_API bj_val *bj_random_state_next(bj_trace *t, bj_var *state);

/* ---------------------------------------------------------------- simulation helpers (src/sim/)
 * A spike raster as an SVG picture: spikes is bool[T, N] (step by neuron), dt_ms the step (finite, > 0, with
 * T * dt_ms finite), neurons 0 .. n_exc-1 (n_exc in [0, N]) drawn in blue (excitatory) and the rest in red
 * (inhibitory), time in ms across, neuron index down; about 8 ticks on each axis whatever the span. */
BJ_API bj_status bj_raster_svg(const char *path, const bj_array *spikes, double dt_ms, int64_t n_exc,
                               const char *title);
/* The same from spike events (int32 vectors of one length: the step and the neuron of each spike, as bj_net_run
 * records them) over `steps` steps and n neurons. */
BJ_API bj_status bj_raster_svg_events(const char *path, const bj_array *spike_step, const bj_array *spike_neuron,
                                      int64_t steps, int64_t n, double dt_ms, int64_t n_exc, const char *title);
/* The standard networks (src/sim/): "coba" (BrainPy's COBA: LIF, exponential conductances), "cuba", "coba_hh", run
 * as one compiled loop per chunk of steps, with progress on stderr for long runs. Zero fields take the defaults;
 * every other value is checked before any work (BJ_ERR_ARG naming the field): n in [10, BJ_NET_MAX_N]; duration_s
 * finite in (0, BJ_NET_MAX_DURATION_S], rounded to the nearest whole number of the model's steps (0.1 ms), which
 * must not be 0; steps x n within int64; chunk_steps >= 1; every seed is valid. A recording (steps x n bytes) larger
 * than the machine's memory is BJ_ERR_NOMEM. About 80 inputs per neuron (p = 80 / n); 80% excitatory neurons (the
 * first ones, n * 4 / 5 rounded down). */
#define BJ_NET_MAX_N 2147483647      /* int32 indices of the connectivity */
#define BJ_NET_MAX_DURATION_S 1e6    /* simulated seconds: 10^10 steps of 0.1 ms */
typedef struct bj_net_opts {
    const char *model;    /* "coba" (default), "cuba" or "coba_hh" */
    int64_t n;            /* neurons (default 4000) */
    double duration_s;    /* simulated seconds (default 1) */
    uint64_t seed;        /* initial state and connectivity (default 42) */
    const char *backend;  /* "cpu" (default) or "interp" */
    bool f64;             /* float64 state (default float32) */
    bool procedural;      /* connectivity generated inside the kernels instead of stored */
    bool quiet;           /* no progress line */
    bool record;          /* keep every spike as an event (step, neuron): spike_step, spike_neuron in the result */
    int64_t chunk_steps;  /* steps per compiled call (default 1000, fewer above 1M neurons: a divisor of 1000 with
                           * at most 1e9 neuron-steps a call, so that progress keeps coming) */
    int64_t events_per_step; /* with record: room for this many spikes a step at first (default: n / 16 rounded up
                              * to a power of two, at least 128); a step with more runs its chunk again with more */
} bj_net_opts;
typedef struct bj_net_result {
    int64_t n, n_exc, steps, spikes_e, spikes_i;
    double dt_ms, p;
    double rate_e_hz, rate_i_hz, rate_hz; /* mean firing rates */
    double sim_s, wall_s, compile_s, build_s; /* simulated; run (without compiling); trace + compile; connectivity */
    bj_array *spike_step, *spike_neuron; /* with record: int32 [spikes each], by step then neuron; new references.
                                          * Recorded inside the loop as a few indices a step, not N flags:
                                          * memory grows with the spikes, not with steps x n */
} bj_net_result;
BJ_API bj_status bj_net_run(const bj_net_opts *o, bj_net_result *r);
/* Spike events (int32 step and neuron arrays of one length, steps in [0, steps), neurons in [0, n)) as a bool
 * [steps, n] matrix (a new reference in *dense), e.g. for .npy output; steps x n bytes. */
BJ_API bj_status bj_spikes_dense(const bj_array *spike_step, const bj_array *spike_neuron, int64_t steps, int64_t n,
                                 bj_array **dense);

/* A synaptic delay of a whole number of steps in [1, 2^31 - 1] over n >= 0 neurons (steps x n within int64): a ring
 * buffer Variable [steps, n] and a head Variable. Inside a jit trace (or a loop body), read returns the value pushed
 * `steps` pushes ago (zeros at first); push stores this step's value (n elements) and advances. Read before you
 * push within a step. The fields are read-only: read and push refuse a delay whose fields were changed. */
typedef struct bj_delay {
    bj_var *buf, *head; /* owned */
    int64_t steps, n;
} bj_delay;
BJ_API bj_status bj_delay_init(bj_delay *dl, const char *name, bj_dtype dtype, int64_t n, int64_t steps);
BJ_API bj_val *bj_delay_read(bj_trace *t, const bj_delay *dl);
BJ_API bj_status bj_delay_push(bj_trace *t, const bj_delay *dl, bj_val *x);
BJ_API void bj_delay_release(bj_delay *dl);

/* Progress of a long run on stderr, updated by the host between compiled chunks of steps: "[coba] 0.42 / 1.00 s
 * simulated, 18.3 Hz, 42%, about 1.2 s left", rewritten in place. Silent when quiet, when stderr is not a
 * terminal, when BJ_PROGRESS=0, and during the first 2 s of a run (BJ_PROGRESS_AFTER=<seconds>, a finite number
 * >= 0, changes that; another value is ignored with a warning); at most 4 updates a second. new: total_sim_s finite
 * and >= 0 (NULL and an error otherwise). update ignores a time that is not finite and >= 0 or a rate that is not
 * finite. free clears the line. */
typedef struct bj_progress bj_progress;
BJ_API bj_progress *bj_progress_new(const char *label, double total_sim_s, bool quiet);
BJ_API void bj_progress_update(bj_progress *p, double done_sim_s, double rate_hz);
BJ_API void bj_progress_free(bj_progress *p);

#ifdef __cplusplus
}
#endif
#endif /* BRAINJIT_H */
