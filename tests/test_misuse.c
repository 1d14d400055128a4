/* test_misuse.c — table-driven misuse of the public API: clean failures, the right status, a useful message. */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- what a misuse did
 * Each case function performs one misuse (after setting up what it needs), records what it saw with one of the
 * saw_* helpers right after the bad call, and then releases everything it made. The table loop compares the
 * record with the row: the status (where the call makes it observable), the failure return value, and two
 * substrings of the message. */
typedef struct {
    bool ran;          /* a saw_* helper was called */
    bool status_known; /* the call returned a bj_status, or the trace holds it */
    bj_status status;
    bool bad_result; /* the call did not return its failure value (NULL, -1, NaN, ...) */
    char msg[1024];
} observation;
static observation obs;

static void keep_msg(const char *m) { snprintf(obs.msg, sizeof obs.msg, "%s", m ? m : "(null message)"); }

/* Called right before the bad call, so that a stale message from the setup cannot satisfy the row. */
static void fresh(void) { bj_clear_error(); }

/* A call that returns a bj_status. */
static void saw(bj_status s) {
    obs.ran = true, obs.status_known = true, obs.status = s;
    keep_msg(bj_last_error());
}

/* A call whose failure shows only in its return value (failed says whether it returned the failure value);
 * the message is bj_last_error(). */
static void saw_fail(bool failed) {
    obs.ran = true;
    obs.bad_result |= !failed;
    keep_msg(bj_last_error());
}

/* A traced op that must have returned NULL and put the trace into an error state: status and message are the
 * trace's (bj_trace_status / bj_trace_error), and bj_last_error() must say the same. */
static void saw_trace(bj_trace *t, const bj_val *r) {
    char last[1024];
    snprintf(last, sizeof last, "%s", bj_last_error());
    obs.ran = true, obs.status_known = true;
    obs.bad_result |= r != NULL;
    obs.status = bj_trace_status(t);
    keep_msg(bj_trace_error(t));
    CHECK_MSG(!strcmp(last, obs.msg), "bj_last_error() '%s' differs from bj_trace_error() '%s'", last, obs.msg);
}

/* ---------------------------------------------------------------- shared setup */
static const int64_t S0[] = {0}, S1[] = {1}, S2[] = {2}, S3[] = {3}, S4[] = {4}, S5[] = {5};
static const int64_t S21[] = {2, 1}, S23[] = {2, 3}, S24[] = {2, 4}, S03[] = {0, 3}, S45[] = {4, 5};
static const int64_t S9[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
static const int64_t SBIG[] = {INT64_C(1) << 32, INT64_C(1) << 32}; /* the product overflows int64 */

/* A new trace with one argument "x" of the given type. */
static bj_trace *trace_x(bj_val **x, bj_dtype d, int rank, const int64_t *shape) {
    bj_trace *t = bj_trace_new("misuse");
    *x = bj_trace_arg(t, "x", d, rank, shape);
    CHECK_MSG(t && *x, "setup: %s", bj_last_error());
    return t;
}

/* x: f32[3] -> x * 2, finished. */
static bj_graph *small_graph(void) {
    bj_trace *t = bj_trace_new("small");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, S3);
    bj_val *y = bj_mul(x, 2.0);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK_MSG(g, "setup: %s", bj_last_error());
    return g;
}

/* small_graph compiled with the interpreter (the executable holds the graph). */
static bj_exec *small_exec(void) {
    bj_graph *g = small_graph();
    bj_exec *e = bj_compile(g, "interp");
    CHECK_MSG(e, "setup: bj_compile: %s", bj_last_error());
    bj_graph_release(g);
    return e;
}

/* Runs the small executable on one input array (consumed) and records the status. */
static void run_small_on(bj_array *in) {
    bj_exec *e = small_exec();
    bj_array *out = NULL;
    fresh();
    saw(bj_exec_run(e, &in, 1, &out, 1));
    CHECK(out == NULL);
    bj_array_release(out);
    bj_array_release(in);
    bj_exec_release(e);
}

/* ---------------------------------------------------------------- arrays */
static void array_new_null_data(void) {
    fresh();
    bj_array *a = bj_array_new(BJ_F32, 1, S3, NULL);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_zeros_null_shape(void) {
    fresh();
    bj_array *a = bj_array_zeros(BJ_F32, 2, NULL);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_zeros_negative_dim(void) {
    fresh();
    bj_array *a = bj_array_zeros(BJ_F32, 2, (int64_t[]){2, -3});
    saw_fail(!a);
    bj_array_release(a);
}

static void array_ones_rank9(void) {
    fresh();
    bj_array *a = bj_array_ones(BJ_F32, 9, S9);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_zeros_negative_rank(void) {
    fresh();
    bj_array *a = bj_array_zeros(BJ_F32, -1, S3);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_zeros_count_overflow(void) {
    fresh();
    bj_array *a = bj_array_zeros(BJ_F32, 2, SBIG);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_zeros_bytes_overflow(void) {
    fresh(); /* 2^61 elements fit in int64, 2^64 bytes do not */
    bj_array *a = bj_array_zeros(BJ_F64, 1, (int64_t[]){INT64_C(1) << 61});
    saw_fail(!a);
    bj_array_release(a);
}

static void array_full_invalid_dtype(void) {
    fresh();
    bj_array *a = bj_array_full((bj_dtype)99, 1, S3, 1.0);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_new_negative_dtype(void) {
    float data[3] = {1, 2, 3};
    fresh();
    bj_array *a = bj_array_new((bj_dtype)-1, 1, S3, data);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_arange_step0(void) {
    fresh();
    bj_array *a = bj_array_arange(BJ_F32, 0, 10, 0);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_arange_nan(void) {
    fresh();
    bj_array *a = bj_array_arange(BJ_F64, NAN, 10, 1);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_linspace_negative_num(void) {
    fresh();
    bj_array *a = bj_array_linspace(BJ_F32, 0, 1, -1, true);
    saw_fail(!a);
    bj_array_release(a);
}

static void array_data_null(void) {
    fresh();
    saw_fail(bj_array_data(NULL) == NULL);
}

static void array_data_freed(void) {
    bj_array *a = bj_array_zeros(BJ_F32, 1, S3);
    CHECK(a);
    bj_array_release(a);
    fresh(); /* the registry is checked before any dereference, so ASan stays quiet */
    saw_fail(bj_array_data(a) == NULL);
}

static void array_release_twice(void) {
    bj_array *a = bj_array_zeros(BJ_I32, 1, S3);
    CHECK(a);
    bj_array_release(a);
    fresh();
    bj_array_release(a);
    saw_fail(true);
}

static void array_data_foreign(void) {
    int local = 7;
    fresh();
    saw_fail(bj_array_data((const bj_array *)(void *)&local) == NULL);
}

static void array_rank_foreign(void) {
    int64_t local[4] = {0};
    fresh();
    saw_fail(bj_array_rank((const bj_array *)(void *)local) == -1);
}

static void array_shape_null(void) {
    fresh();
    saw_fail(bj_array_shape(NULL) == NULL);
}

static void array_size_freed(void) {
    bj_array *a = bj_array_ones(BJ_F64, 1, S4);
    CHECK(a);
    bj_array_release(a);
    fresh();
    saw_fail(bj_array_size(a) == -1);
}

static void array_get_out_of_range(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw_fail(isnan(bj_array_get(a, 3)));
    bj_array_release(a);
}

static void array_get_negative_index(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw_fail(isnan(bj_array_get(a, -1)));
    bj_array_release(a);
}

static void array_copy_freed(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    bj_array_release(a);
    fresh();
    bj_array *c = bj_array_copy(a);
    saw_fail(!c);
    bj_array_release(c);
}

static void array_retain_foreign(void) {
    double local[8] = {0};
    fresh();
    saw_fail(bj_array_retain((bj_array *)(void *)local) == NULL);
}

static void array_print_null_file(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw(bj_array_print(a, NULL));
    bj_array_release(a);
}

static void array_print_freed(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    bj_array_release(a);
    fresh();
    saw(bj_array_print(a, stdout));
}

static void array_to_string_null(void) {
    fresh();
    char *s = bj_array_to_string(NULL);
    saw_fail(!s);
    bj_free(s);
}

/* ---------------------------------------------------------------- .npy files */
static void npy_load_missing(void) {
    fresh();
    bj_array *a = bj_array_load_npy("/nonexistent/dir/missing.npy");
    saw_fail(!a);
    bj_array_release(a);
}

static void npy_load_directory(void) {
    fresh();
    bj_array *a = bj_array_load_npy("/tmp");
    saw_fail(!a);
    bj_array_release(a);
}

static void npy_load_null_path(void) {
    fresh();
    bj_array *a = bj_array_load_npy(NULL);
    saw_fail(!a);
    bj_array_release(a);
}

static void npy_load_truncated(void) {
    fresh();
    bj_array *a = bj_array_load_npy("fixtures/truncated.npy");
    saw_fail(!a);
    bj_array_release(a);
}

static void npy_save_unwritable(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw(bj_array_save_npy(a, "/nonexistent/dir/x.npy"));
    bj_array_release(a);
}

static void npy_save_null_path(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw(bj_array_save_npy(a, NULL));
    bj_array_release(a);
}

static void npy_save_null_array(void) {
    fresh();
    saw(bj_array_save_npy(NULL, "/tmp/bj_misuse_never_written.npy"));
}

static void npy_save_freed_array(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    bj_array_release(a);
    fresh();
    saw(bj_array_save_npy(a, "/tmp/bj_misuse_never_written.npy"));
}

/* ---------------------------------------------------------------- dtypes */
static void promote_invalid_dtype(void) {
    bool weak;
    fresh();
    saw_fail(bj_promote(BJ_F32, false, (bj_dtype)17, false, &weak) == BJ_NDTYPES);
}

/* ---------------------------------------------------------------- traces */
static void trace_arg_null_trace(void) {
    fresh();
    saw_fail(bj_trace_arg(NULL, "x", BJ_F32, 1, S3) == NULL);
}

static void trace_arg_null_shape(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_arg(t, "x", BJ_F32, 2, NULL));
    bj_trace_free(t);
}

static void trace_arg_negative_dim(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_arg(t, "x", BJ_F32, 2, (int64_t[]){3, -1}));
    bj_trace_free(t);
}

static void trace_arg_rank9(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_arg(t, "x", BJ_F32, 9, S9));
    bj_trace_free(t);
}

static void trace_arg_count_overflow(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_arg(t, "x", BJ_F32, 2, SBIG));
    bj_trace_free(t);
}

static void trace_arg_invalid_dtype(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_arg(t, "x", (bj_dtype)42, 1, S3));
    bj_trace_free(t);
}

static void trace_const_null_array(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_trace_const(t, NULL));
    bj_trace_free(t);
}

static void trace_const_freed_array(void) {
    bj_trace *t = bj_trace_new("misuse");
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    bj_array_release(a);
    fresh();
    saw_trace(t, bj_trace_const(t, a));
    bj_trace_free(t);
}

static void lit_invalid_dtype(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_lit(t, (bj_dtype)77, 1.0));
    bj_trace_free(t);
}

static void trace_status_foreign(void) {
    int local = 0;
    fresh();
    saw(bj_trace_status((const bj_trace *)(void *)&local));
}

static void trace_free_twice(void) {
    bj_trace *t = bj_trace_new("misuse");
    bj_trace_free(t);
    fresh();
    bj_trace_free(t);
    saw_fail(true);
}

static void trace_arg_after_free(void) {
    bj_trace *t = bj_trace_new("misuse");
    bj_trace_free(t);
    fresh();
    saw_fail(bj_trace_arg(t, "x", BJ_F32, 1, S3) == NULL);
}

static void trace_finish_null_output(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *outs[2] = {x, NULL};
    fresh();
    bj_graph *g = bj_trace_finish(t, outs, 2); /* consumes t */
    saw_fail(!g);
    bj_graph_release(g);
}

static void trace_finish_outs_null(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    bj_graph *g = bj_trace_finish(t, NULL, 1);
    saw_fail(!g);
    bj_graph_release(g);
}

static void trace_finish_negative_nout(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    bj_graph *g = bj_trace_finish(t, &x, -1);
    saw_fail(!g);
    bj_graph_release(g);
}

static void trace_finish_foreign_output(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    uint64_t junk[64] = {0}; /* large and zeroed: the magic check reads it harmlessly */
    bj_val *outs[1] = {(bj_val *)(void *)junk};
    fresh();
    bj_graph *g = bj_trace_finish(t, outs, 1);
    saw_fail(!g);
    bj_graph_release(g);
}

static void trace_finish_other_trace_output(void) {
    bj_val *x, *y;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3), *t2 = trace_x(&y, BJ_F32, 1, S3);
    fresh();
    bj_graph *g = bj_trace_finish(t, &y, 1);
    saw_fail(!g);
    bj_graph_release(g);
    bj_trace_free(t2);
}

static void trace_finish_twice(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *y = bj_neg(x);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g);
    fresh();
    bj_graph *g2 = bj_trace_finish(t, &y, 1); /* t was consumed: its handle is no longer live */
    saw_fail(!g2);
    bj_graph_release(g2);
    bj_graph_release(g);
}

/* The trace is in an error state: finish reports the first error, whatever the outputs are. */
static void trace_finish_error_state(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *y = bj_add(x, bj_trace_arg(t, "y", BJ_F32, 1, S4)); /* fails: f32[3] + f32[4] */
    CHECK(y == NULL);
    fresh();
    bj_graph *g = bj_trace_finish(t, &y, 1); /* y is NULL: still the add error, not "value is NULL" */
    saw_fail(!g);
    bj_graph_release(g);
}

static void val_rank_null(void) {
    fresh();
    saw_fail(bj_val_rank(NULL) == -1);
}

static void val_dtype_foreign(void) {
    uint64_t junk[64] = {0};
    fresh();
    saw_fail(bj_val_dtype((const bj_val *)(void *)junk) == BJ_NDTYPES);
}

/* ---------------------------------------------------------------- the error state sticks to the trace */
static void sticky_later_ops_return_null(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *y = bj_trace_arg(t, "y", BJ_F32, 1, S4);
    fresh();
    bj_val *bad = bj_add(x, y);
    CHECK(bad == NULL);
    /* all valid on a healthy trace; here each must return NULL and leave the first error alone */
    CHECK(bj_exp(x) == NULL);
    CHECK(bj_mul(x, 2.0) == NULL);
    CHECK(bj_sum(x, 0, NULL, false) == NULL);
    CHECK(bj_reshape(x, 2, (int64_t[]){3, 1}) == NULL);
    CHECK(bj_lit_f64(t, 1.0, true) == NULL);
    CHECK(bj_zeros(t, BJ_F32, 1, S3) == NULL);
    CHECK(bj_trace_arg(t, "z", BJ_F32, 1, S3) == NULL);
    CHECK(bj_op(t, "neg", &x, 1, NULL) == NULL);
    saw_trace(t, bad);
    bj_trace_free(t);
}

static void sticky_first_error_kept(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    bj_val *bad = bj_reshape(x, 1, S4); /* first error: reshape */
    CHECK(bj_bitwise_and(x, x) == NULL); /* would be a dtype error */
    CHECK(bj_add(x, bj_trace_arg(t, "y", BJ_F32, 1, S5)) == NULL);
    CHECK(bj_trace_status(t) == BJ_ERR_SHAPE);
    obs.ran = true, obs.status_known = true, obs.bad_result = bad != NULL;
    obs.status = bj_trace_status(t);
    keep_msg(bj_trace_error(t));
    bj_trace_free(t);
}

static void sticky_finish_reports_first(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    CHECK(bj_transpose(x, (const int[]){1}) == NULL); /* first error */
    CHECK(bj_squeeze(x, 1, (const int[]){0}) == NULL);
    fresh();
    bj_graph *g = bj_trace_finish(t, &x, 1); /* x itself is a valid output */
    saw_fail(!g);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- elementwise ops */
static void add_null_operand(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_add(x, NULL));
    bj_trace_free(t);
}

static void add_no_traced_operand(void) {
    fresh();
    saw_fail(bj_add(1.0, 2) == NULL);
}

static void exp_null_operand(void) {
    fresh();
    saw_fail(bj_exp(NULL) == NULL);
}

static void add_shape_mismatch(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *y = bj_trace_arg(t, "y", BJ_F32, 1, S4);
    fresh();
    saw_trace(t, bj_add(x, y));
    bj_trace_free(t);
}

static void mul_shape_mismatch_2d(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_I32, 2, S23);
    bj_val *y = bj_trace_arg(t, "y", BJ_I32, 2, S24);
    fresh();
    saw_trace(t, bj_mul(x, y));
    bj_trace_free(t);
}

static void where_shape_mismatch(void) {
    bj_val *c;
    bj_trace *t = trace_x(&c, BJ_BOOL, 1, S2);
    bj_val *y = bj_trace_arg(t, "y", BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_where(c, y, y));
    bj_trace_free(t);
}

static void bitwise_and_floats(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_bitwise_and(x, x));
    bj_trace_free(t);
}

static void shift_left_bools(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_BOOL, 1, S3);
    fresh();
    saw_trace(t, bj_shift_left(x, x));
    bj_trace_free(t);
}

static void sub_bools(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_BOOL, 1, S3);
    fresh();
    saw_trace(t, bj_sub(x, x));
    bj_trace_free(t);
}

static void bitwise_not_float(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F64, 1, S3);
    fresh();
    saw_trace(t, bj_bitwise_not(x));
    bj_trace_free(t);
}

static void literal_out_of_range_u32(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_U32, 1, S3);
    fresh();
    saw_trace(t, bj_add(x, -1));
    bj_trace_free(t);
}

static void literal_out_of_range_i32(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_I32, 1, S3);
    fresh();
    saw_trace(t, bj_mul(x, INT64_C(1) << 40));
    bj_trace_free(t);
}

static void astype_invalid_dtype(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_astype(x, (bj_dtype)9));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- shape ops */
static void reshape_wrong_count(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_reshape(x, 2, (int64_t[]){4, 2}));
    bj_trace_free(t);
}

static void reshape_two_inferred(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_reshape(x, 2, (int64_t[]){-1, -1}));
    bj_trace_free(t);
}

static void reshape_null_shape(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_reshape(x, 2, NULL));
    bj_trace_free(t);
}

static void reshape_rank9(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S1);
    fresh();
    saw_trace(t, bj_reshape(x, 9, S9));
    bj_trace_free(t);
}

static void reshape_count_overflow(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S1);
    fresh();
    saw_trace(t, bj_reshape(x, 2, SBIG));
    bj_trace_free(t);
}

static void broadcast_to_incompatible(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_broadcast_to(x, 2, S24));
    bj_trace_free(t);
}

static void broadcast_to_negative_dim(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S1);
    fresh();
    saw_trace(t, bj_broadcast_to(x, 1, (int64_t[]){-5}));
    bj_trace_free(t);
}

static void transpose_repeated_axis(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_transpose(x, (const int[]){0, 0}));
    bj_trace_free(t);
}

static void transpose_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_transpose(x, (const int[]){0, 5}));
    bj_trace_free(t);
}

static void expand_dims_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_expand_dims(x, 3));
    bj_trace_free(t);
}

static void expand_dims_rank_overflow(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 8, S9);
    fresh();
    saw_trace(t, bj_expand_dims(x, 0));
    bj_trace_free(t);
}

static void squeeze_non1_axis(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S21);
    fresh();
    saw_trace(t, bj_squeeze(x, 1, (const int[]){0}));
    bj_trace_free(t);
}

static void squeeze_null_axes(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S21);
    fresh();
    saw_trace(t, bj_squeeze(x, 1, NULL));
    bj_trace_free(t);
}

static void concatenate_mismatch(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    bj_val *xs[2] = {x, bj_trace_arg(t, "y", BJ_F32, 2, S24)};
    fresh();
    saw_trace(t, bj_concatenate(xs, 2, 0));
    bj_trace_free(t);
}

static void concatenate_rank_mismatch(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S2);
    bj_val *xs[2] = {x, bj_trace_arg(t, "y", BJ_F32, 2, (int64_t[]){2, 2})};
    fresh();
    saw_trace(t, bj_concatenate(xs, 2, 0));
    bj_trace_free(t);
}

static void concatenate_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    bj_val *xs[2] = {x, x};
    fresh();
    saw_trace(t, bj_concatenate(xs, 2, 2));
    bj_trace_free(t);
}

static void concatenate_null_list(void) {
    fresh();
    saw_fail(bj_concatenate(NULL, 2, 0) == NULL);
}

static void stack_mismatch(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *xs[2] = {x, bj_trace_arg(t, "y", BJ_F32, 1, S4)};
    fresh();
    saw_trace(t, bj_stack(xs, 2, 0));
    bj_trace_free(t);
}

static void slice_step0(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4);
    fresh();
    saw_trace(t, bj_slice(x, (const int64_t[]){0}, (const int64_t[]){4}, (const int64_t[]){0}));
    bj_trace_free(t);
}

static void dynamic_slice_too_big(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4);
    bj_val *starts[1] = {bj_lit(t, BJ_I32, 0)};
    fresh();
    saw_trace(t, bj_dynamic_slice(x, starts, S5));
    bj_trace_free(t);
}

static void dynamic_slice_float_start(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4);
    bj_val *starts[1] = {bj_lit_f64(t, 0.0, false)};
    fresh();
    saw_trace(t, bj_dynamic_slice(x, starts, S2));
    bj_trace_free(t);
}

static void dynamic_slice_null_start(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4);
    bj_val *starts[1] = {NULL};
    fresh();
    saw_trace(t, bj_dynamic_slice(x, starts, S2));
    bj_trace_free(t);
}

static void dynamic_update_slice_too_big(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4);
    bj_val *u = bj_trace_arg(t, "u", BJ_F32, 1, S5);
    bj_val *starts[1] = {bj_lit(t, BJ_I64, 0)};
    fresh();
    saw_trace(t, bj_dynamic_update_slice(x, u, starts));
    bj_trace_free(t);
}

static void flip_repeated_axis(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_flip(x, 2, (const int[]){1, -1}));
    bj_trace_free(t);
}

static void tile_negative_reps(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_tile(x, 1, (const int64_t[]){-2}));
    bj_trace_free(t);
}

static void repeat_negative(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_repeat(x, -1, 0));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- indexing */
static void take_float_indices(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *i = bj_trace_arg(t, "i", BJ_F32, 1, S2);
    fresh();
    saw_trace(t, bj_take(x, i, 0));
    bj_trace_free(t);
}

static void take_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *i = bj_trace_arg(t, "i", BJ_I32, 1, S2);
    fresh();
    saw_trace(t, bj_take(x, i, 2));
    bj_trace_free(t);
}

static void take_null_indices(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_take(x, NULL, 0));
    bj_trace_free(t);
}

static void scatter_add_bool(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_BOOL, 1, S3);
    bj_val *i = bj_trace_arg(t, "i", BJ_I32, 1, S1), *u = bj_trace_arg(t, "u", BJ_BOOL, 1, S1);
    fresh();
    saw_trace(t, bj_scatter_add(x, i, u, 0));
    bj_trace_free(t);
}

static void scatter_set_updates_mismatch(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S5);
    bj_val *i = bj_trace_arg(t, "i", BJ_I32, 1, S2), *u = bj_trace_arg(t, "u", BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_scatter_set(x, i, u, 0));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- reductions */
static void sum_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_sum(x, 1, (const int[]){5}, false));
    bj_trace_free(t);
}

static void sum_axis_repeated(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_sum(x, 2, (const int[]){0, 0}, false));
    bj_trace_free(t);
}

static void mean_null_axes(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_mean(x, 2, NULL, false));
    bj_trace_free(t);
}

static void prod_too_many_axes(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    int axes[9] = {0};
    fresh();
    saw_trace(t, bj_prod(x, 9, axes, false));
    bj_trace_free(t);
}

static void max_empty_axis(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S03);
    fresh();
    saw_trace(t, bj_max(x, 1, (const int[]){0}, false));
    bj_trace_free(t);
}

static void min_empty_all_axes(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_I32, 1, S0);
    fresh();
    saw_trace(t, bj_min(x, 0, NULL, true));
    bj_trace_free(t);
}

static void argmax_empty_axis(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S03);
    fresh();
    saw_trace(t, bj_argmax(x, 0, false));
    bj_trace_free(t);
}

static void argmin_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    fresh();
    saw_trace(t, bj_argmin(x, -3, false));
    bj_trace_free(t);
}

static void cumsum_axis_out_of_range(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_cumsum(x, 1));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- linear algebra */
static void matmul_contraction_mismatch(void) {
    bj_val *a;
    bj_trace *t = trace_x(&a, BJ_F32, 2, S23);
    bj_val *b = bj_trace_arg(t, "b", BJ_F32, 2, S45);
    fresh();
    saw_trace(t, bj_matmul(a, b));
    bj_trace_free(t);
}

static void matmul_scalar_operand(void) {
    bj_val *a;
    bj_trace *t = trace_x(&a, BJ_F32, 0, NULL);
    bj_val *b = bj_trace_arg(t, "b", BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_matmul(a, b));
    bj_trace_free(t);
}

/* 1-d operands: the message should show the caller's types, not the internally reshaped ones. */
static void dot_vector_mismatch(void) {
    bj_val *a;
    bj_trace *t = trace_x(&a, BJ_F32, 1, S3);
    bj_val *b = bj_trace_arg(t, "b", BJ_F32, 1, S4);
    fresh();
    saw_trace(t, bj_dot(a, b));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- creation inside a trace */
static void full_negative_dim(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_full(t, BJ_F32, 1, (int64_t[]){-2}, 1.0));
    bj_trace_free(t);
}

static void zeros_null_shape(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_zeros(t, BJ_F32, 1, NULL));
    bj_trace_free(t);
}

static void ones_invalid_dtype(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_ones(t, (bj_dtype)12, 1, S3));
    bj_trace_free(t);
}

static void zeros_null_trace(void) {
    fresh();
    saw_fail(bj_zeros(NULL, BJ_F32, 1, S3) == NULL);
}

static void iota_axis_out_of_range(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_iota(t, BJ_I32, 1, S3, 1));
    bj_trace_free(t);
}

static void arange_step0_traced(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_arange(t, BJ_F32, 0, 5, 0));
    bj_trace_free(t);
}

static void eye_negative(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_eye(t, BJ_F32, -1, 3, 0));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- bj_op */
static void op_unknown_name(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_op(t, "frobnicate", &x, 1, NULL));
    bj_trace_free(t);
}

/* An unknown name is reported as unknown whatever the operand count. */
static void op_unknown_name_two_operands(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *xs[2] = {x, x};
    fresh();
    saw_trace(t, bj_op(t, "frobnicate", xs, 2, NULL));
    bj_trace_free(t);
}

static void op_negative_count(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_op(t, "neg", &x, -1, NULL));
    bj_trace_free(t);
}

static void op_wrong_operand_count(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_op(t, "add", &x, 1, NULL));
    bj_trace_free(t);
}

static void op_unary_two_operands(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *xs[2] = {x, x};
    bj_attrs a = {.rank = 1, .shape = {3}};
    fresh();
    saw_trace(t, bj_op(t, "reshape", xs, 2, &a));
    bj_trace_free(t);
}

static void op_null_name(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_op(t, NULL, &x, 1, NULL));
    bj_trace_free(t);
}

static void op_null_ins(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_op(t, "mul", NULL, 2, NULL));
    bj_trace_free(t);
}

static void op_null_operand(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    bj_val *xs[2] = {x, NULL};
    fresh();
    saw_trace(t, bj_op(t, "maximum", xs, 2, NULL));
    bj_trace_free(t);
}

static void op_leaf_name(void) {
    bj_trace *t = bj_trace_new("misuse");
    fresh();
    saw_trace(t, bj_op(t, "arg", NULL, 0, NULL));
    bj_trace_free(t);
}

static void op_null_trace(void) {
    fresh();
    saw_fail(bj_op(NULL, "zeros", NULL, 0, NULL) == NULL);
}

static void op_reshape_bad_attrs(void) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23);
    bj_attrs a = {.rank = 1, .shape = {7}};
    fresh();
    saw_trace(t, bj_op(t, "reshape", &x, 1, &a));
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- values of two traces, finished traces */
static void two_traces_add(void) {
    bj_val *x, *y;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3), *t2 = trace_x(&y, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_add(x, y)); /* recorded in the first operand's trace */
    CHECK(bj_trace_status(t2) == BJ_OK);
    bj_trace_free(t2);
    bj_trace_free(t);
}

static void two_traces_matmul(void) {
    bj_val *x, *y;
    bj_trace *t = trace_x(&x, BJ_F32, 2, S23), *t2 = trace_x(&y, BJ_F32, 2, (int64_t[]){3, 2});
    fresh();
    saw_trace(t, bj_matmul(x, y));
    bj_trace_free(t2);
    bj_trace_free(t);
}

static void two_traces_concatenate(void) {
    bj_val *x, *y;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3), *t2 = trace_x(&y, BJ_F32, 1, S3);
    bj_val *xs[2] = {x, y};
    fresh();
    saw_trace(t, bj_concatenate(xs, 2, 0));
    bj_trace_free(t2);
    bj_trace_free(t);
}

static void two_traces_dynamic_slice_start(void) {
    bj_val *x, *y;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S4), *t2 = trace_x(&y, BJ_I32, 0, NULL);
    bj_val *starts[1] = {y};
    fresh();
    saw_trace(t, bj_dynamic_slice(x, starts, S2));
    bj_trace_free(t2);
    bj_trace_free(t);
}

/* y lives on with the graph g, but its trace was consumed by bj_trace_finish. */
static bj_graph *finished_value(bj_val **y) {
    bj_val *x;
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    *y = bj_exp(x);
    bj_graph *g = bj_trace_finish(t, y, 1);
    CHECK_MSG(g, "setup: %s", bj_last_error());
    return g;
}

static void value_after_finish(void) {
    bj_val *y;
    bj_graph *g = finished_value(&y);
    fresh();
    saw_fail(bj_neg(y) == NULL);
    bj_graph_release(g);
}

static void value_after_finish_binary(void) {
    bj_val *y;
    bj_graph *g = finished_value(&y);
    fresh();
    saw_fail(bj_mul(y, 3.0) == NULL);
    bj_graph_release(g);
}

/* A finished trace's value mixed with a live trace's: the live trace must keep the error for its finish. */
static void value_after_finish_into_live_trace(void) {
    bj_val *y, *x;
    bj_graph *g = finished_value(&y);
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    saw_trace(t, bj_add(x, y));
    bj_trace_free(t);
    bj_graph_release(g);
}

static void value_after_finish_as_output(void) {
    bj_val *y, *x;
    bj_graph *g = finished_value(&y);
    bj_trace *t = trace_x(&x, BJ_F32, 1, S3);
    fresh();
    bj_graph *g2 = bj_trace_finish(t, &y, 1);
    saw_fail(!g2);
    bj_graph_release(g2);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- graphs and backends */
static void compile_unknown_backend(void) {
    bj_graph *g = small_graph();
    fresh();
    bj_exec *e = bj_compile(g, "tpu");
    CHECK(e == NULL);
    bj_exec_release(e);
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *out = NULL;
    fresh();
    saw(bj_graph_run(g, "tpu", &in, 1, &out, 1));
    CHECK(out == NULL);
    bj_array_release(out);
    bj_array_release(in);
    bj_graph_release(g);
}

static void compile_gpu_backend(void) {
    bj_graph *g = small_graph();
    fresh();
    bj_exec *e = bj_compile(g, "gpu");
    CHECK(e == NULL);
    bj_exec_release(e);
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *out = NULL;
    fresh();
    saw(bj_graph_run(g, "gpu", &in, 1, &out, 1));
    bj_array_release(out);
    bj_array_release(in);
    bj_graph_release(g);
}

static void compile_null_graph(void) {
    fresh();
    bj_exec *e = bj_compile(NULL, "interp");
    CHECK(e == NULL);
    bj_exec_release(e);
    fresh();
    saw(bj_graph_run(NULL, "interp", NULL, 0, NULL, 0));
}

static void compile_freed_graph(void) {
    bj_graph *g = small_graph();
    bj_graph_release(g);
    fresh();
    bj_exec *e = bj_compile(g, "interp");
    CHECK(e == NULL);
    bj_exec_release(e);
    fresh();
    saw(bj_graph_run(g, "interp", NULL, 0, NULL, 0));
}

static void compile_foreign_graph(void) {
    long local[16] = {0};
    fresh();
    saw(bj_graph_run((bj_graph *)(void *)local, "interp", NULL, 0, NULL, 0));
}

static void graph_num_nodes_freed(void) {
    bj_graph *g = small_graph();
    bj_graph_release(g);
    fresh();
    saw_fail(bj_graph_num_nodes(g) == -1);
}

static void graph_release_twice(void) {
    bj_graph *g = small_graph();
    bj_graph_release(g);
    fresh();
    bj_graph_release(g);
    saw_fail(true);
}

static void graph_retain_foreign(void) {
    int local = 3;
    fresh();
    saw_fail(bj_graph_retain((bj_graph *)(void *)&local) == NULL);
}

static void graph_print_null_file(void) {
    bj_graph *g = small_graph();
    fresh();
    saw(bj_graph_print(g, NULL));
    bj_graph_release(g);
}

static void graph_print_null_graph(void) {
    fresh();
    saw(bj_graph_print(NULL, stdout));
}

/* ---------------------------------------------------------------- running */
static void exec_run_too_many_inputs(void) {
    bj_exec *e = small_exec();
    bj_array *ins[2] = {bj_array_ones(BJ_F32, 1, S3), bj_array_ones(BJ_F32, 1, S3)}, *out = NULL;
    fresh();
    saw(bj_exec_run(e, ins, 2, &out, 1));
    CHECK(out == NULL);
    bj_array_release(ins[0]);
    bj_array_release(ins[1]);
    bj_exec_release(e);
}

static void exec_run_no_inputs(void) {
    bj_exec *e = small_exec();
    bj_array *out = NULL;
    fresh();
    saw(bj_exec_run(e, NULL, 0, &out, 1));
    CHECK(out == NULL);
    bj_exec_release(e);
}

static void exec_run_wrong_output_count(void) {
    bj_exec *e = small_exec();
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *outs[2] = {NULL, NULL};
    fresh();
    saw(bj_exec_run(e, &in, 1, outs, 2));
    bj_array_release(outs[0]);
    bj_array_release(outs[1]);
    bj_array_release(in);
    bj_exec_release(e);
}

static void exec_run_wrong_dtype(void) { run_small_on(bj_array_ones(BJ_F64, 1, S3)); }
static void exec_run_wrong_shape(void) { run_small_on(bj_array_ones(BJ_F32, 1, S4)); }
static void exec_run_wrong_rank(void) { run_small_on(bj_array_ones(BJ_F32, 2, (int64_t[]){3, 1})); }
static void exec_run_null_input(void) { run_small_on(NULL); }

static void exec_run_freed_input(void) {
    bj_array *a = bj_array_ones(BJ_F32, 1, S3);
    bj_array_release(a);
    bj_exec *e = small_exec();
    bj_array *out = NULL;
    fresh();
    saw(bj_exec_run(e, &a, 1, &out, 1));
    CHECK(out == NULL);
    bj_exec_release(e);
}

static void exec_run_null_ins(void) {
    bj_exec *e = small_exec();
    bj_array *out = NULL;
    fresh();
    saw(bj_exec_run(e, NULL, 1, &out, 1));
    bj_exec_release(e);
}

static void exec_run_null_outs(void) {
    bj_exec *e = small_exec();
    bj_array *in = bj_array_ones(BJ_F32, 1, S3);
    fresh();
    saw(bj_exec_run(e, &in, 1, NULL, 1));
    bj_array_release(in);
    bj_exec_release(e);
}

static void exec_run_null_exec(void) {
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *out = NULL;
    fresh();
    saw(bj_exec_run(NULL, &in, 1, &out, 1));
    bj_array_release(in);
}

static void exec_run_freed_exec(void) {
    bj_exec *e = small_exec();
    bj_exec_release(e);
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *out = NULL;
    fresh();
    saw(bj_exec_run(e, &in, 1, &out, 1));
    bj_array_release(in);
}

static void exec_run_foreign_exec(void) {
    int local = 1;
    bj_array *in = bj_array_ones(BJ_F32, 1, S3), *out = NULL;
    fresh();
    saw(bj_exec_run((bj_exec *)(void *)&local, &in, 1, &out, 1));
    bj_array_release(in);
}

static void exec_release_twice(void) {
    bj_exec *e = small_exec();
    bj_exec_release(e);
    fresh();
    bj_exec_release(e);
    saw_fail(true);
}

static void graph_run_wrong_dtype(void) {
    bj_graph *g = small_graph();
    bj_array *in = bj_array_ones(BJ_I32, 1, S3), *out = NULL;
    fresh();
    saw(bj_graph_run(g, "interp", &in, 1, &out, 1));
    bj_array_release(out);
    bj_array_release(in);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- the table */
typedef struct {
    const char *name;
    void (*fn)(void);
    bj_status expect; /* checked where the call exposes a status; else the documented category */
    const char *sub, *sub2; /* the message must contain both (sub2 may be NULL) */
} misuse_case;

#define ROW(fn, st, a, b) {"misuse_" #fn, fn, st, a, b}
static const misuse_case cases[] = {
    /* arrays */
    ROW(array_new_null_data, BJ_ERR_ARG, "bj_array_new", "data is NULL"),
    ROW(array_zeros_null_shape, BJ_ERR_ARG, "bj_array_zeros", "shape is NULL for rank 2"),
    ROW(array_zeros_negative_dim, BJ_ERR_SHAPE, "bj_array_zeros", "dimension 1 is negative (-3)"),
    ROW(array_ones_rank9, BJ_ERR_SHAPE, "bj_array_ones", "rank 9"),
    ROW(array_zeros_negative_rank, BJ_ERR_SHAPE, "bj_array_zeros", "rank -1"),
    ROW(array_zeros_count_overflow, BJ_ERR_SHAPE, "bj_array_zeros", "overflow"),
    ROW(array_zeros_bytes_overflow, BJ_ERR_SHAPE, "bj_array_zeros", "overflow"),
    ROW(array_full_invalid_dtype, BJ_ERR_DTYPE, "bj_array_full", "invalid dtype 99"),
    ROW(array_new_negative_dtype, BJ_ERR_DTYPE, "bj_array_new", "invalid dtype -1"),
    ROW(array_arange_step0, BJ_ERR_ARG, "bj_array_arange", "step"),
    ROW(array_arange_nan, BJ_ERR_ARG, "bj_array_arange", "finite"),
    ROW(array_linspace_negative_num, BJ_ERR_ARG, "bj_array_linspace", "num is negative (-1)"),
    ROW(array_data_null, BJ_ERR_ARG, "bj_array_data", "NULL"),
    ROW(array_data_freed, BJ_ERR_HANDLE, "bj_array_data", "not a live array"),
    ROW(array_release_twice, BJ_ERR_HANDLE, "bj_array_release", "not a live array"),
    ROW(array_data_foreign, BJ_ERR_HANDLE, "bj_array_data", "not a live array"),
    ROW(array_rank_foreign, BJ_ERR_HANDLE, "bj_array_rank", "not a live array"),
    ROW(array_shape_null, BJ_ERR_ARG, "bj_array_shape", "NULL"),
    ROW(array_size_freed, BJ_ERR_HANDLE, "bj_array_size", "not a live array"),
    ROW(array_get_out_of_range, BJ_ERR_ARG, "bj_array_get", "index 3 is out of range for 3 elements"),
    ROW(array_get_negative_index, BJ_ERR_ARG, "bj_array_get", "index -1"),
    ROW(array_copy_freed, BJ_ERR_HANDLE, "bj_array_copy", "not a live array"),
    ROW(array_retain_foreign, BJ_ERR_HANDLE, "bj_array_retain", "not a live array"),
    ROW(array_print_null_file, BJ_ERR_ARG, "bj_array_print", "NULL"),
    ROW(array_print_freed, BJ_ERR_HANDLE, "bj_array_print", "not a live array"),
    ROW(array_to_string_null, BJ_ERR_ARG, "bj_array_to_string", "NULL"),
    /* .npy */
    ROW(npy_load_missing, BJ_ERR_IO, "bj_array_load_npy", "/nonexistent/dir/missing.npy"),
    ROW(npy_load_directory, BJ_ERR_IO, "bj_array_load_npy", "/tmp"),
    ROW(npy_load_null_path, BJ_ERR_ARG, "bj_array_load_npy", "path is NULL"),
    ROW(npy_load_truncated, BJ_ERR_IO, "bj_array_load_npy", "truncated.npy"),
    ROW(npy_save_unwritable, BJ_ERR_IO, "bj_array_save_npy", "/nonexistent/dir/x.npy"),
    ROW(npy_save_null_path, BJ_ERR_ARG, "bj_array_save_npy", "path is NULL"),
    ROW(npy_save_null_array, BJ_ERR_ARG, "bj_array_save_npy", "NULL"),
    ROW(npy_save_freed_array, BJ_ERR_HANDLE, "bj_array_save_npy", "not a live array"),
    /* dtypes */
    ROW(promote_invalid_dtype, BJ_ERR_DTYPE, "bj_promote", "invalid dtype 17"),
    /* traces */
    ROW(trace_arg_null_trace, BJ_ERR_ARG, "bj_trace_arg", "NULL"),
    ROW(trace_arg_null_shape, BJ_ERR_ARG, "bj_trace_arg", "shape is NULL for rank 2"),
    ROW(trace_arg_negative_dim, BJ_ERR_SHAPE, "bj_trace_arg", "dimension 1 is negative (-1)"),
    ROW(trace_arg_rank9, BJ_ERR_SHAPE, "bj_trace_arg", "rank 9"),
    ROW(trace_arg_count_overflow, BJ_ERR_SHAPE, "bj_trace_arg", "overflow"),
    ROW(trace_arg_invalid_dtype, BJ_ERR_DTYPE, "bj_trace_arg", "invalid dtype 42"),
    ROW(trace_const_null_array, BJ_ERR_ARG, "bj_trace_const", "array is NULL"),
    ROW(trace_const_freed_array, BJ_ERR_HANDLE, "bj_trace_const", "not a live array"),
    ROW(lit_invalid_dtype, BJ_ERR_DTYPE, "bj_lit", "invalid dtype 77"),
    ROW(trace_status_foreign, BJ_ERR_HANDLE, "bj_trace_status", "not a live trace"),
    ROW(trace_free_twice, BJ_ERR_HANDLE, "bj_trace_free", "not a live trace"),
    ROW(trace_arg_after_free, BJ_ERR_HANDLE, "bj_trace_arg", "not a live trace"),
    ROW(trace_finish_null_output, BJ_ERR_ARG, "bj_trace_finish", "NULL"),
    ROW(trace_finish_outs_null, BJ_ERR_ARG, "bj_trace_finish", "outs is NULL"),
    ROW(trace_finish_negative_nout, BJ_ERR_ARG, "bj_trace_finish", "-1 outputs"),
    ROW(trace_finish_foreign_output, BJ_ERR_HANDLE, "bj_trace_finish", "not a traced value"),
    ROW(trace_finish_other_trace_output, BJ_ERR_TRACE, "bj_trace_finish", "another trace"),
    ROW(trace_finish_twice, BJ_ERR_HANDLE, "bj_trace_finish", "not a live trace"),
    ROW(trace_finish_error_state, BJ_ERR_SHAPE, "add", "f32[3] and f32[4]"),
    ROW(val_rank_null, BJ_ERR_ARG, "bj_val_rank", "NULL"),
    ROW(val_dtype_foreign, BJ_ERR_HANDLE, "bj_val_dtype", "not a traced value"),
    /* the error state sticks */
    ROW(sticky_later_ops_return_null, BJ_ERR_SHAPE, "add", "f32[3] and f32[4]"),
    ROW(sticky_first_error_kept, BJ_ERR_SHAPE, "reshape", "f32[3]"),
    ROW(sticky_finish_reports_first, BJ_ERR_ARG, "transpose", "permutation"),
    /* elementwise */
    ROW(add_null_operand, BJ_ERR_ARG, "add", "NULL"),
    ROW(add_no_traced_operand, BJ_ERR_ARG, "add", "traced value"),
    ROW(exp_null_operand, BJ_ERR_ARG, "exp", "NULL"),
    ROW(add_shape_mismatch, BJ_ERR_SHAPE, "add", "f32[3] and f32[4]"),
    ROW(mul_shape_mismatch_2d, BJ_ERR_SHAPE, "mul", "i32[2,3] and i32[2,4]"),
    ROW(where_shape_mismatch, BJ_ERR_SHAPE, "where", "bool[2] and f32[3]"),
    ROW(bitwise_and_floats, BJ_ERR_DTYPE, "bitwise_and", "f32[3]"),
    ROW(shift_left_bools, BJ_ERR_DTYPE, "shift_left", "bool[3]"),
    ROW(sub_bools, BJ_ERR_DTYPE, "sub", "bool[3]"),
    ROW(bitwise_not_float, BJ_ERR_DTYPE, "bitwise_not", "f64[3]"),
    ROW(literal_out_of_range_u32, BJ_ERR_DTYPE, "literal -1", "uint32"),
    ROW(literal_out_of_range_i32, BJ_ERR_DTYPE, "literal 1099511627776", "int32"),
    ROW(astype_invalid_dtype, BJ_ERR_DTYPE, "astype", "invalid dtype 9"),
    /* shape ops */
    ROW(reshape_wrong_count, BJ_ERR_SHAPE, "f32[2,3]", "f32[4,2]"),
    ROW(reshape_two_inferred, BJ_ERR_SHAPE, "reshape", "-1"),
    ROW(reshape_null_shape, BJ_ERR_ARG, "reshape", "NULL"),
    ROW(reshape_rank9, BJ_ERR_SHAPE, "reshape", "rank 9"),
    ROW(reshape_count_overflow, BJ_ERR_SHAPE, "reshape", "overflow"),
    ROW(broadcast_to_incompatible, BJ_ERR_SHAPE, "f32[3]", "f32[2,4]"),
    ROW(broadcast_to_negative_dim, BJ_ERR_SHAPE, "broadcast_to", "negative (-5)"),
    ROW(transpose_repeated_axis, BJ_ERR_ARG, "transpose", "permutation"),
    ROW(transpose_axis_out_of_range, BJ_ERR_ARG, "transpose", "entry 1 is 5"),
    ROW(expand_dims_axis_out_of_range, BJ_ERR_ARG, "expand_dims", "axis 3"),
    ROW(expand_dims_rank_overflow, BJ_ERR_SHAPE, "expand_dims", "8"),
    ROW(squeeze_non1_axis, BJ_ERR_SHAPE, "squeeze", "axis 0 has size 2"),
    ROW(squeeze_null_axes, BJ_ERR_ARG, "squeeze", "NULL"),
    ROW(concatenate_mismatch, BJ_ERR_SHAPE, "f32[2,4]", "f32[2,3]"),
    ROW(concatenate_rank_mismatch, BJ_ERR_SHAPE, "concatenate", "f32[2,2]"),
    ROW(concatenate_axis_out_of_range, BJ_ERR_ARG, "concatenate", "axis 2"),
    ROW(concatenate_null_list, BJ_ERR_ARG, "concatenate", "NULL"),
    ROW(stack_mismatch, BJ_ERR_SHAPE, "f32[4]", "f32[3]"),
    ROW(slice_step0, BJ_ERR_ARG, "slice", "step of axis 0 is 0"),
    ROW(dynamic_slice_too_big, BJ_ERR_SHAPE, "dynamic_slice", "f32[4]"),
    ROW(dynamic_slice_float_start, BJ_ERR_DTYPE, "dynamic_slice", "f64[]"),
    ROW(dynamic_slice_null_start, BJ_ERR_ARG, "dynamic_slice", "NULL"),
    ROW(dynamic_update_slice_too_big, BJ_ERR_SHAPE, "f32[5]", "f32[4]"),
    ROW(flip_repeated_axis, BJ_ERR_ARG, "flip", "repeated"),
    ROW(tile_negative_reps, BJ_ERR_ARG, "tile", "-2"),
    ROW(repeat_negative, BJ_ERR_ARG, "repeat", "-1"),
    /* indexing */
    ROW(take_float_indices, BJ_ERR_DTYPE, "take", "f32[2]"),
    ROW(take_axis_out_of_range, BJ_ERR_ARG, "take", "axis 2"),
    ROW(take_null_indices, BJ_ERR_ARG, "take", "NULL"),
    ROW(scatter_add_bool, BJ_ERR_DTYPE, "scatter_add", "bool"),
    ROW(scatter_set_updates_mismatch, BJ_ERR_SHAPE, "scatter_set", "f32[3]"),
    /* reductions */
    ROW(sum_axis_out_of_range, BJ_ERR_ARG, "sum", "axis 5"),
    ROW(sum_axis_repeated, BJ_ERR_ARG, "sum", "repeated"),
    ROW(mean_null_axes, BJ_ERR_ARG, "mean", "NULL"),
    ROW(prod_too_many_axes, BJ_ERR_ARG, "prod", "9 axes"),
    ROW(max_empty_axis, BJ_ERR_SHAPE, "max", "size 0"),
    ROW(min_empty_all_axes, BJ_ERR_SHAPE, "min", "size 0"),
    ROW(argmax_empty_axis, BJ_ERR_SHAPE, "argmax", "size 0"),
    ROW(argmin_axis_out_of_range, BJ_ERR_ARG, "argmin", "axis -3"),
    ROW(cumsum_axis_out_of_range, BJ_ERR_ARG, "cumsum", "axis 1"),
    /* linear algebra */
    ROW(matmul_contraction_mismatch, BJ_ERR_SHAPE, "f32[2,3]", "f32[4,5]"),
    ROW(matmul_scalar_operand, BJ_ERR_SHAPE, "matmul", "scalar"),
    ROW(dot_vector_mismatch, BJ_ERR_SHAPE, "f32[3]", "f32[4]"),
    /* creation in a trace */
    ROW(full_negative_dim, BJ_ERR_SHAPE, "full", "negative (-2)"),
    ROW(zeros_null_shape, BJ_ERR_ARG, "zeros", "NULL"),
    ROW(ones_invalid_dtype, BJ_ERR_DTYPE, "ones", "invalid dtype 12"),
    ROW(zeros_null_trace, BJ_ERR_ARG, "zeros", "NULL"),
    ROW(iota_axis_out_of_range, BJ_ERR_ARG, "iota", "axis 1"),
    ROW(arange_step0_traced, BJ_ERR_ARG, "arange", "step"),
    ROW(eye_negative, BJ_ERR_SHAPE, "eye", "-1"),
    /* bj_op */
    ROW(op_unknown_name, BJ_ERR_ARG, "unknown op", "frobnicate"),
    ROW(op_unknown_name_two_operands, BJ_ERR_ARG, "unknown op", "frobnicate"),
    ROW(op_negative_count, BJ_ERR_ARG, "\"neg\"", "-1 operands"),
    ROW(op_wrong_operand_count, BJ_ERR_ARG, "\"add\"", "got 1"),
    ROW(op_unary_two_operands, BJ_ERR_ARG, "\"reshape\"", "got 2"),
    ROW(op_null_name, BJ_ERR_ARG, "bj_op", "name is NULL"),
    ROW(op_null_ins, BJ_ERR_ARG, "\"mul\"", "NULL"),
    ROW(op_null_operand, BJ_ERR_ARG, "maximum", "NULL"),
    ROW(op_leaf_name, BJ_ERR_ARG, "\"arg\"", "bj_trace_arg"),
    ROW(op_null_trace, BJ_ERR_ARG, "bj_op", "NULL"),
    ROW(op_reshape_bad_attrs, BJ_ERR_SHAPE, "f32[2,3]", "f32[7]"),
    /* two traces, finished traces */
    ROW(two_traces_add, BJ_ERR_TRACE, "add", "different traces"),
    ROW(two_traces_matmul, BJ_ERR_TRACE, "matmul", "another trace"),
    ROW(two_traces_concatenate, BJ_ERR_TRACE, "concatenate", "another trace"),
    ROW(two_traces_dynamic_slice_start, BJ_ERR_TRACE, "dynamic_slice", "another trace"),
    ROW(value_after_finish, BJ_ERR_TRACE, "neg", "finished"),
    ROW(value_after_finish_binary, BJ_ERR_TRACE, "mul", "finished"),
    ROW(value_after_finish_into_live_trace, BJ_ERR_TRACE, "add", "finished"),
    ROW(value_after_finish_as_output, BJ_ERR_TRACE, "bj_trace_finish", "another trace"),
    /* graphs and backends */
    ROW(compile_unknown_backend, BJ_ERR_ARG, "bj_compile", "\"tpu\""),
    ROW(compile_gpu_backend, BJ_ERR_UNSUPPORTED, "bj_compile", "\"gpu\""),
    ROW(compile_null_graph, BJ_ERR_ARG, "bj_compile", "NULL"),
    ROW(compile_freed_graph, BJ_ERR_HANDLE, "bj_compile", "not a live graph"),
    ROW(compile_foreign_graph, BJ_ERR_HANDLE, "bj_compile", "not a live graph"),
    ROW(graph_num_nodes_freed, BJ_ERR_HANDLE, "bj_graph_num_nodes", "not a live graph"),
    ROW(graph_release_twice, BJ_ERR_HANDLE, "bj_graph_release", "not a live graph"),
    ROW(graph_retain_foreign, BJ_ERR_HANDLE, "bj_graph_retain", "not a live graph"),
    ROW(graph_print_null_file, BJ_ERR_ARG, "bj_graph_print", "NULL"),
    ROW(graph_print_null_graph, BJ_ERR_ARG, "bj_graph_print", "graph is NULL"),
    /* running */
    ROW(exec_run_too_many_inputs, BJ_ERR_ARG, "bj_exec_run", "2 inputs given, the graph takes 1"),
    ROW(exec_run_no_inputs, BJ_ERR_ARG, "bj_exec_run", "0 inputs given, the graph takes 1"),
    ROW(exec_run_wrong_output_count, BJ_ERR_ARG, "bj_exec_run", "2 outputs"),
    ROW(exec_run_wrong_dtype, BJ_ERR_DTYPE, "f64[3]", "f32[3]"),
    ROW(exec_run_wrong_shape, BJ_ERR_SHAPE, "f32[4]", "f32[3]"),
    ROW(exec_run_wrong_rank, BJ_ERR_SHAPE, "f32[3,1]", "f32[3]"),
    ROW(exec_run_null_input, BJ_ERR_ARG, "input 0 (x)", "NULL"),
    ROW(exec_run_freed_input, BJ_ERR_HANDLE, "input 0 (x)", "not a live array"),
    ROW(exec_run_null_ins, BJ_ERR_ARG, "bj_exec_run", "ins is NULL"),
    ROW(exec_run_null_outs, BJ_ERR_ARG, "bj_exec_run", "outs is NULL"),
    ROW(exec_run_null_exec, BJ_ERR_ARG, "bj_exec_run", "NULL"),
    ROW(exec_run_freed_exec, BJ_ERR_HANDLE, "bj_exec_run", "not a live executable"),
    ROW(exec_run_foreign_exec, BJ_ERR_HANDLE, "bj_exec_run", "not a live executable"),
    ROW(exec_release_twice, BJ_ERR_HANDLE, "bj_exec_release", "not a live executable"),
    ROW(graph_run_wrong_dtype, BJ_ERR_DTYPE, "i32[3]", "f32[3]"),
};
#undef ROW

static const misuse_case *current;

/* One table row as a test case: reset the record, perform the misuse, compare with the row. */
static void run_current(void) {
    const misuse_case *c = current;
    obs = (observation){0};
    c->fn();
    CHECK_MSG(obs.ran, "%s recorded nothing", c->name);
    if (!obs.ran) return;
    CHECK_MSG(!obs.bad_result, "the call did not fail (message '%s')", obs.msg);
    if (obs.status_known)
        CHECK_MSG(obs.status == c->expect, "status %s, want %s (message '%s')", bj_status_name(obs.status),
                  bj_status_name(c->expect), obs.msg);
    CHECK_MSG(obs.msg[0] != 0, "empty error message");
    CHECK_MSG(strstr(obs.msg, c->sub) != NULL, "error '%s' lacks '%s'", obs.msg, c->sub);
    if (c->sub2) CHECK_MSG(strstr(obs.msg, c->sub2) != NULL, "error '%s' lacks '%s'", obs.msg, c->sub2);
    if (getenv("BJ_TEST_VERBOSE"))
        printf("    %s: %s\n", obs.status_known ? bj_status_name(obs.status) : "(status not exposed)", obs.msg);
}

void tests_misuse(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        current = &cases[i];
        test_run(cases[i].name, run_current);
    }
    current = NULL;
}
