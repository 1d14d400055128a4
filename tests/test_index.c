/* test_index.c — take and scatter_set/scatter_add through the interpreter: axes, index dtypes, clamping, dropping. */
#include "test.h"


static bj_array *zeros(bj_dtype d, int rank, const int64_t *shape) { return bj_array_zeros(d, rank, shape); }

static const bj_attrs AX0 = {.axis = 0}, AX1 = {.axis = 1}, AXM1 = {.axis = -1};

/* take from x = [10, 11, 12, 13, 14] (f32) with the given indices. */
static bool take5(bj_array *idx, int64_t n, const double *want) {
    return test_op_is("take", &AX0, 2, INS(test_arr(BJ_F32, 1, SH(5), V(10, 11, 12, 13, 14)), idx), BJ_F32, 1, &n, want);
}

/* ---------------------------------------------------------------- take */
static void test_index_take_1d(void) {
    CHECK(take5(test_arr(BJ_I32, 1, SH(3), V(4, 0, 2)), 3, V(14, 10, 12)));
    CHECK(take5(test_arr(BJ_I32, 1, SH(4), V(1, 1, 3, 1)), 4, V(11, 11, 13, 11))); /* duplicates */
    CHECK(take5(test_arr(BJ_I32, 1, SH(3), V(-1, -5, -2)), 3, V(14, 10, 13))); /* negative: from the end */
    CHECK(take5(test_arr(BJ_I32, 1, SH(5), V(5, 100, -6, -100, 3)), 5, V(14, 14, 10, 10, 13))); /* clamped */
    CHECK(take5(test_arr(BJ_I32, 1, SH(6), V(0, 1, 2, 3, 4, 0)), 6, V(10, 11, 12, 13, 14, 10)));
}

static void test_index_take_dtypes(void) {
    const bj_attrs *a = &AX0;
    CHECK(test_op_is("take", a, 2, INS(test_arr(BJ_I32, 1, SH(3), V(-7, 8, 9)), test_arr(BJ_I32, 1, SH(2), V(2, 0))), BJ_I32,
                1, SH(2), V(9, -7)));
    CHECK(test_op_is("take", a, 2, INS(test_arr(BJ_I64, 1, SH(3), V(-5e12, 6e12, 1)), test_arr(BJ_I32, 1, SH(2), V(1, -3))),
                BJ_I64, 1, SH(2), V(6e12, -5e12)));
    CHECK(test_op_is("take", a, 2, INS(test_arr(BJ_U32, 1, SH(3), V(4e9, 5, 6)), test_arr(BJ_I32, 1, SH(3), V(0, 0, 2))),
                BJ_U32, 1, SH(3), V(4e9, 4e9, 6)));
    CHECK(test_op_is("take", a, 2, INS(test_arr(BJ_F64, 1, SH(3), V(0.1, 0.2, NAN)), test_arr(BJ_I32, 1, SH(2), V(2, 0))),
                BJ_F64, 1, SH(2), V(NAN, 0.1)));
    CHECK(test_op_is("take", a, 2, INS(test_arr(BJ_BOOL, 1, SH(3), V(1, 0, 0)), test_arr(BJ_I32, 1, SH(3), V(1, 0, 9))),
                BJ_BOOL, 1, SH(3), V(0, 1, 0)));
}

static void test_index_take_index_dtypes(void) {
    /* int64 indices beyond int32: clamped, not truncated to 32 bits (2^32 + 1 is not 1) */
    CHECK(take5(test_arr(BJ_I64, 1, SH(4), V(-1, 2, 4294967297.0, -1e12)), 4, V(14, 12, 14, 10)));
    CHECK(take5(test_arr(BJ_I64, 1, SH(2), V(3, -4)), 2, V(13, 11)));
    /* uint32 indices are never negative: 4294967294 clamps to the end (as -2 it would give 13) */
    CHECK(take5(test_arr(BJ_U32, 1, SH(3), V(4294967294.0, 1, 0)), 3, V(14, 11, 10)));
    CHECK(take5(test_arr(BJ_U32, 1, SH(2), V(4, 2147483648.0)), 2, V(14, 14)));
    CHECK(take5(test_arr(BJ_I32, 1, SH(2), V(2147483647.0, -2147483648.0)), 2, V(14, 10)));
}

/* the extreme int64 indices: no overflow while wrapping and clamping */
static void test_index_extreme_indices(void) {
    int64_t ext[] = {INT64_MIN, INT64_MAX, INT64_MIN + 4, -5};
    bj_array *idx = bj_array_new(BJ_I64, 1, SH(4), ext);
    CHECK(take5(bj_array_retain(idx), 4, V(10, 14, 10, 10)));
    /* scatter: the first three stay out of range and are dropped, -5 is index 0 */
    CHECK(test_op_is("scatter_add", &AX0, 3,
                INS(test_arr(BJ_F32, 1, SH(5), V(1, 2, 3, 4, 5)), idx, test_arr(BJ_F32, 1, SH(4), V(9, 9, 9, 0.5))),
                BJ_F32, 1, SH(5), V(1.5, 2, 3, 4, 5)));
}

static void test_index_take_axes(void) {
    /* x = arange(12).reshape(3, 4) */
    CHECK(test_op_is("take", &AX1, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_arr(BJ_I32, 1, SH(2), V(3, 0))), BJ_F32, 2,
                SH(3, 2), V(3, 0, 7, 4, 11, 8)));
    CHECK(test_op_is("take", &AXM1, 2, INS(test_seq(BJ_I32, 2, SH(3, 4)), test_arr(BJ_I64, 1, SH(3), V(-1, 1, 9))), BJ_I32, 2,
                SH(3, 3), V(3, 1, 3, 7, 5, 7, 11, 9, 11)));
    CHECK(test_op_is("take", &AX0, 2, INS(test_seq(BJ_I64, 2, SH(3, 4)), test_arr(BJ_I32, 1, SH(2), V(2, 0))), BJ_I64, 2,
                SH(2, 4), V(8, 9, 10, 11, 0, 1, 2, 3)));
    /* y = arange(12).reshape(2, 3, 2), along the middle axis */
    CHECK(test_op_is("take", &AX1, 2, INS(test_seq(BJ_U32, 3, SH(2, 3, 2)), test_arr(BJ_I32, 1, SH(2), V(2, 0))), BJ_U32, 3,
                SH(2, 2, 2), V(4, 5, 0, 1, 10, 11, 6, 7)));
    bj_attrs a2 = {.axis = -3};
    CHECK(test_op_is("take", &a2, 2, INS(test_seq(BJ_F64, 3, SH(2, 3, 2)), test_arr(BJ_I32, 1, SH(1), V(1))), BJ_F64, 3,
                SH(1, 3, 2), V(6, 7, 8, 9, 10, 11)));
    bj_attrs a7 = {.axis = 7}; /* rank 8 */
    CHECK(test_op_is("take", &a7, 2, INS(test_seq(BJ_I32, 8, SH(2, 1, 1, 1, 1, 1, 1, 2)), test_arr(BJ_I32, 1, SH(1), V(1))),
                BJ_I32, 8, SH(2, 1, 1, 1, 1, 1, 1, 1), V(1, 3)));
}

static void test_index_take_multidim_indices(void) {
    /* x = arange(12).reshape(3, 4); idx [[2, 0], [1, 1]] along axis 0 -> shape (2, 2, 4) */
    CHECK(test_op_is("take", &AX0, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_arr(BJ_I32, 2, SH(2, 2), V(2, 0, 1, 1))), BJ_F32, 3,
                SH(2, 2, 4), V(8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7)));
    /* x = arange(8).reshape(2, 4); idx [[0, 3], [-1, 1]] along axis 1 -> shape (2, 2, 2) */
    CHECK(test_op_is("take", &AX1, 2, INS(test_seq(BJ_I32, 2, SH(2, 4)), test_arr(BJ_I64, 2, SH(2, 2), V(0, 3, -1, 1))), BJ_I32,
                3, SH(2, 2, 2), V(0, 3, 3, 1, 4, 7, 7, 5)));
    /* a 1-d x with a 3-d index */
    CHECK(test_op_is("take", &AX0, 2,
                INS(test_arr(BJ_F64, 1, SH(3), V(0.5, 1.5, 2.5)), test_arr(BJ_U32, 3, SH(2, 1, 2), V(2, 1, 0, 7))),
                BJ_F64, 3, SH(2, 1, 2), V(2.5, 1.5, 0.5, 2.5)));
    /* 2-d index into the last axis of a 3-d x: shape x.shape[:2] + (1, 2) */
    CHECK(test_op_is("take", &AXM1, 2, INS(test_seq(BJ_I32, 3, SH(2, 2, 3)), test_arr(BJ_I32, 2, SH(1, 2), V(2, 0))), BJ_I32, 4,
                SH(2, 2, 1, 2), V(2, 0, 5, 3, 8, 6, 11, 9)));
}

static void test_index_take_scalar_and_empty(void) {
    CHECK(test_op_is("take", &AX0, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_scalar(BJ_I32, 2)), BJ_F32, 1, SH(4), V(8, 9, 10, 11)));
    CHECK(test_op_is("take", &AX1, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_scalar(BJ_I64, -1)), BJ_F32, 1, SH(3), V(3, 7, 11)));
    CHECK(test_op_is("take", &AX0, 2, INS(test_seq(BJ_I32, 1, SH(4)), test_scalar(BJ_U32, 2)), BJ_I32, 0, NULL, V(2)));
    CHECK(test_op_is("take", &AX1, 2, INS(test_seq(BJ_F32, 2, SH(3, 4)), test_arr(BJ_I32, 1, SH(0), NULL)), BJ_F32, 2, SH(3, 0),
                NULL));
    CHECK(test_op_is("take", &AX1, 2, INS(test_arr(BJ_F32, 2, SH(0, 2), NULL), test_arr(BJ_I32, 1, SH(1), V(1))), BJ_F32, 2,
                SH(0, 1), NULL));
    /* an empty index may read from an empty axis */
    CHECK(test_op_is("take", &AX0, 2, INS(test_arr(BJ_F32, 1, SH(0), NULL), test_arr(BJ_I32, 1, SH(0), NULL)), BJ_F32, 1,
                SH(0), NULL));
}

static void test_index_take_errors(void) {
    CHECK(test_op_fails("take", &AX0, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_F32, 1, SH(2), V(0, 1))),
                   "take: indices must be integers, got f32[2]"));
    CHECK(test_op_fails("take", &AX0, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_F64, 0, NULL, V(1))),
                   "take: indices must be integers, got f64[]"));
    CHECK(test_op_fails("take", &AX0, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_BOOL, 1, SH(2), V(0, 1))),
                   "take: indices must be integers, got bool[2]"));
    bj_attrs a2 = {.axis = 2}, am3 = {.axis = -3};
    CHECK(test_op_fails("take", &a2, 2, INS(test_seq(BJ_F32, 2, SH(2, 2)), test_seq(BJ_I32, 1, SH(1))),
                   "take: axis 2 is out of range for rank 2"));
    CHECK(test_op_fails("take", &am3, 2, INS(test_seq(BJ_F32, 2, SH(2, 2)), test_seq(BJ_I32, 1, SH(1))),
                   "take: axis -3 is out of range for rank 2"));
    CHECK(test_op_fails("take", &AX0, 2, INS(test_scalar(BJ_F32, 1), test_scalar(BJ_I32, 0)),
                   "take: axis 0 is out of range for rank 0"));
    CHECK(test_op_fails("take", &AX0, 2, INS(test_arr(BJ_F32, 1, SH(0), NULL), test_seq(BJ_I32, 1, SH(1))),
                   "take: axis 0 has size 0, nothing to take from"));
    CHECK(test_op_fails("take", &AX0, 2, INS(test_seq(BJ_F32, 8, SH(1, 1, 1, 1, 1, 1, 1, 2)), test_seq(BJ_I32, 2, SH(1, 1))),
                   "take: result rank 9 exceeds 8"));
    CHECK(test_op_fails("take", &AX0, 1, INS(test_seq(BJ_F32, 1, SH(3))), "takes 2 operands, got 1"));
}

/* ---------------------------------------------------------------- scatter */
/* scatter op on x = [1, 2, 3, 4, 5] of dtype d. */
static bool scatter5(const char *op, bj_dtype d, bj_array *idx, bj_array *upd, const double *want) {
    return test_op_is(op, &AX0, 3, INS(test_arr(d, 1, SH(5), V(1, 2, 3, 4, 5)), idx, upd), d, 1, SH(5), want);
}

static void test_index_scatter_set_1d(void) {
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I32, 1, SH(2), V(0, 3)), test_arr(BJ_F32, 1, SH(2), V(10, 20)),
                   V(10, 2, 3, 20, 5)));
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I32, 1, SH(2), V(-1, -5)), test_arr(BJ_F32, 1, SH(2), V(7, 8)),
                   V(8, 2, 3, 4, 7))); /* negative indices wrap once */
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I32, 1, SH(4), V(5, -6, 100, 2)),
                   test_arr(BJ_F32, 1, SH(4), V(9, 9, 9, 6)), V(1, 2, 6, 4, 5))); /* out of range: dropped */
    CHECK(scatter5("scatter_set", BJ_F64, test_arr(BJ_I32, 1, SH(5), V(4, 3, 2, 1, 0)),
                   test_arr(BJ_F64, 1, SH(5), V(-1, -2, -3, NAN, -5)), V(-5, NAN, -3, -2, -1)));
}

static void test_index_scatter_add_1d(void) {
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(2), V(0, 3)), test_arr(BJ_F32, 1, SH(2), V(10, 20)),
                   V(11, 2, 3, 24, 5)));
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(2), V(-1, -5)), test_arr(BJ_F32, 1, SH(2), V(7, 8)),
                   V(9, 2, 3, 4, 12)));
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(4), V(5, -6, 100, 2)),
                   test_arr(BJ_F32, 1, SH(4), V(9, 9, 9, 0.5)), V(1, 2, 3.5, 4, 5)));
    CHECK(scatter5("scatter_add", BJ_I32, test_arr(BJ_I32, 1, SH(2), V(1, 4)), test_arr(BJ_I32, 1, SH(2), V(-10, 100)),
                   V(1, -8, 3, 4, 105)));
}

static void test_index_scatter_duplicates(void) {
    /* add accumulates every duplicate, including one reached through a negative index */
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(4), V(1, 1, 1, -4)),
                   test_arr(BJ_F32, 1, SH(4), V(1, 2, 3, 4)), V(1, 12, 3, 4, 5)));
    CHECK(scatter5("scatter_add", BJ_I64, test_arr(BJ_I32, 1, SH(3), V(0, 0, 0)),
                   test_arr(BJ_I64, 1, SH(3), V(1, 1, 1)), V(4, 2, 3, 4, 5)));
    /* set keeps the last in index order */
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I32, 1, SH(3), V(1, 3, 1)),
                   test_arr(BJ_F32, 1, SH(3), V(7, 8, 9)), V(1, 9, 3, 8, 5)));
    CHECK(scatter5("scatter_set", BJ_I32, test_arr(BJ_I32, 1, SH(2), V(2, -3)), test_arr(BJ_I32, 1, SH(2), V(5, 6)),
                   V(1, 2, 6, 4, 5)));
    CHECK(scatter5("scatter_set", BJ_I32, test_arr(BJ_I32, 1, SH(3), V(-3, 2, 99)),
                   test_arr(BJ_I32, 1, SH(3), V(5, 6, 7)),
                   V(1, 2, 6, 4, 5))); /* the dropped 99 does not count as the last */
    CHECK(scatter5("scatter_set", BJ_U32, test_arr(BJ_I64, 1, SH(4), V(4, 4, 4, 4)),
                   test_arr(BJ_U32, 1, SH(4), V(10, 20, 30, 40)), V(1, 2, 3, 4, 40)));
}

static void test_index_scatter_axes(void) {
    /* x = zeros(2, 3); idx [2, 0] along axis 1; updates [[1, 2], [3, 4]] */
    CHECK(test_op_is("scatter_add", &AX1, 3,
                INS(zeros(BJ_F32, 2, SH(2, 3)), test_arr(BJ_I32, 1, SH(2), V(2, 0)),
                    test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4))),
                BJ_F32, 2, SH(2, 3), V(2, 0, 1, 4, 0, 3)));
    CHECK(test_op_is("scatter_set", &AXM1, 3,
                INS(test_seq(BJ_I32, 2, SH(2, 3)), test_arr(BJ_I32, 1, SH(2), V(2, 0)),
                    test_arr(BJ_I32, 2, SH(2, 2), V(-1, -2, -3, -4))),
                BJ_I32, 2, SH(2, 3), V(-2, 1, -1, -4, 4, -3)));
    /* along axis 0 of a (3, 2) x */
    CHECK(
        test_op_is("scatter_set", &AX0, 3,
              INS(test_seq(BJ_F64, 2, SH(3, 2)), test_arr(BJ_I32, 1, SH(1), V(2)), test_arr(BJ_F64, 2, SH(1, 2), V(-5, -6))),
              BJ_F64, 2, SH(3, 2), V(0, 1, 2, 3, -5, -6)));
    /* y = arange(12).reshape(2, 3, 2), along the middle axis */
    CHECK(test_op_is("scatter_add", &AX1, 3,
                INS(test_seq(BJ_I64, 3, SH(2, 3, 2)), test_arr(BJ_I32, 1, SH(1), V(1)),
                    test_arr(BJ_I64, 3, SH(2, 1, 2), V(100, 200, 300, 400))),
                BJ_I64, 3, SH(2, 3, 2), V(0, 1, 102, 203, 4, 5, 6, 7, 308, 409, 10, 11)));
}

static void test_index_scatter_multidim_indices(void) {
    /* x = zeros(4, 2); idx [[0, 3], [1, 0]] along axis 0; updates arange(1, 9).reshape(2, 2, 2) */
    double u[] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(test_op_is("scatter_add", &AX0, 3,
                INS(zeros(BJ_F64, 2, SH(4, 2)), test_arr(BJ_I32, 2, SH(2, 2), V(0, 3, 1, 0)),
                    test_arr(BJ_F64, 3, SH(2, 2, 2), u)),
                BJ_F64, 2, SH(4, 2), V(8, 10, 5, 6, 0, 0, 3, 4)));
    CHECK(test_op_is("scatter_set", &AX0, 3,
                INS(zeros(BJ_F64, 2, SH(4, 2)), test_arr(BJ_I32, 2, SH(2, 2), V(0, 3, 1, 0)),
                    test_arr(BJ_F64, 3, SH(2, 2, 2), u)),
                BJ_F64, 2, SH(4, 2), V(7, 8, 5, 6, 0, 0, 3, 4)));
    /* x = zeros(2, 3) int32; idx [[0, 2], [2, -3]] along axis 1; updates (2, 2, 2) */
    CHECK(test_op_is("scatter_add", &AX1, 3,
                INS(zeros(BJ_I32, 2, SH(2, 3)), test_arr(BJ_I64, 2, SH(2, 2), V(0, 2, 2, -3)),
                    test_arr(BJ_I32, 3, SH(2, 2, 2), u)),
                BJ_I32, 2, SH(2, 3), V(5, 0, 5, 13, 0, 13)));
    /* a scalar index: updates have x's shape without the axis */
    CHECK(test_op_is("scatter_set", &AX0, 3,
                INS(zeros(BJ_F32, 2, SH(3, 2)), test_scalar(BJ_I32, -2), test_arr(BJ_F32, 1, SH(2), V(4, 5))), BJ_F32, 2,
                SH(3, 2), V(0, 0, 4, 5, 0, 0)));
}

static void test_index_scatter_broadcast_updates(void) {
    /* x = arange(6).reshape(2, 3); idx [0, 2] along axis 1 */
    CHECK(test_op_is("scatter_set", &AX1, 3,
                INS(test_seq(BJ_F32, 2, SH(2, 3)), test_arr(BJ_I32, 1, SH(2), V(0, 2)), test_scalar(BJ_F32, 7)), BJ_F32, 2,
                SH(2, 3), V(7, 1, 7, 7, 4, 7)));
    CHECK(
        test_op_is("scatter_add", &AX1, 3,
              INS(test_seq(BJ_F32, 2, SH(2, 3)), test_arr(BJ_I32, 1, SH(2), V(0, 2)), test_arr(BJ_F32, 1, SH(2), V(10, 20))),
              BJ_F32, 2, SH(2, 3), V(10, 1, 22, 13, 4, 25)));
    CHECK(test_op_is(
        "scatter_add", &AX1, 3,
        INS(test_seq(BJ_F32, 2, SH(2, 3)), test_arr(BJ_I32, 1, SH(2), V(0, 2)), test_arr(BJ_F32, 2, SH(2, 1), V(1, 2))),
        BJ_F32, 2, SH(2, 3), V(1, 1, 3, 5, 4, 7)));
    /* whole rows along axis 0 from a row vector */
    CHECK(test_op_is(
        "scatter_set", &AX0, 3,
        INS(zeros(BJ_I32, 2, SH(3, 4)), test_arr(BJ_I32, 1, SH(2), V(0, 2)), test_arr(BJ_I32, 1, SH(4), V(1, 2, 3, 4))),
        BJ_I32, 2, SH(3, 4), V(1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 3, 4)));
    /* a broadcast update to duplicate indices accumulates */
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(3), V(2, 2, 2)), test_scalar(BJ_F32, 0.5),
                   V(1, 2, 4.5, 4, 5)));
}

static void test_index_scatter_dtypes(void) {
    /* updates are cast to x's dtype */
    CHECK(scatter5("scatter_set", BJ_I32, test_arr(BJ_I32, 1, SH(2), V(0, 1)),
                   test_arr(BJ_F32, 1, SH(2), V(2.75, -3.5)), V(2, -3, 3, 4, 5)));
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(2), V(0, 1)), test_arr(BJ_I64, 1, SH(2), V(-4, 40)),
                   V(-3, 42, 3, 4, 5)));
    CHECK(scatter5("scatter_add", BJ_F64, test_arr(BJ_I32, 1, SH(1), V(4)), test_arr(BJ_BOOL, 1, SH(1), V(1)),
                   V(1, 2, 3, 4, 6)));
    CHECK(scatter5("scatter_set", BJ_BOOL, test_arr(BJ_I32, 1, SH(2), V(1, 3)), test_arr(BJ_BOOL, 1, SH(2), V(0, 0)),
                   V(1, 0, 1, 0, 1)));
    CHECK(scatter5("scatter_set", BJ_BOOL, test_arr(BJ_I32, 1, SH(1), V(0)), test_arr(BJ_F32, 1, SH(1), V(0.0)),
                   V(0, 1, 1, 1, 1)));
    CHECK(scatter5("scatter_add", BJ_U32, test_arr(BJ_I32, 1, SH(2), V(0, 4)), test_arr(BJ_U32, 1, SH(2), V(4e9, 10)),
                   V(4000000001.0, 2, 3, 4, 15)));
    CHECK(scatter5("scatter_add", BJ_I64, test_arr(BJ_I32, 1, SH(1), V(2)), test_arr(BJ_I64, 1, SH(1), V(1e15)),
                   V(1, 2, 1e15 + 3, 4, 5)));
    /* integer adds wrap */
    CHECK(test_op_is("scatter_add", &AX0, 3,
                INS(test_arr(BJ_I32, 1, SH(2), V(2147483647.0, -2147483648.0)), test_arr(BJ_I32, 1, SH(2), V(0, 1)),
                    test_arr(BJ_I32, 1, SH(2), V(1, -1))),
                BJ_I32, 1, SH(2), V(-2147483648.0, 2147483647.0)));
    CHECK(test_op_is("scatter_add", &AX0, 3,
                INS(test_arr(BJ_U32, 1, SH(1), V(4294967295.0)), test_arr(BJ_I32, 1, SH(1), V(0)),
                    test_arr(BJ_U32, 1, SH(1), V(2))),
                BJ_U32, 1, SH(1), V(1)));
}

static void test_index_scatter_index_dtypes(void) {
    /* int64: 2^32 + 1 is out of range (dropped), not index 1 */
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I64, 1, SH(3), V(4294967297.0, -2, 0)),
                   test_arr(BJ_F32, 1, SH(3), V(1, 2, 3)), V(3, 2, 3, 2, 5)));
    /* uint32: 4294967295 is out of range (dropped), not -1 */
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_U32, 1, SH(2), V(4294967295.0, 1)),
                   test_arr(BJ_F32, 1, SH(2), V(9, 8)), V(1, 10, 3, 4, 5)));
    CHECK(scatter5("scatter_add", BJ_I32, test_arr(BJ_I32, 1, SH(3), V(-2147483648.0, 2147483647.0, 4)),
                   test_arr(BJ_I32, 1, SH(3), V(1, 1, 1)), V(1, 2, 3, 4, 6)));
    CHECK(scatter5("scatter_set", BJ_I64, test_arr(BJ_I64, 1, SH(2), V(-1e12, 1e12)),
                   test_arr(BJ_I64, 1, SH(2), V(0, 0)), V(1, 2, 3, 4, 5)));
}

static void test_index_scatter_empty(void) {
    CHECK(scatter5("scatter_add", BJ_F32, test_arr(BJ_I32, 1, SH(0), NULL), test_arr(BJ_F32, 1, SH(0), NULL),
                   V(1, 2, 3, 4, 5)));
    CHECK(scatter5("scatter_set", BJ_F32, test_arr(BJ_I32, 1, SH(0), NULL), test_scalar(BJ_F32, 9), V(1, 2, 3, 4, 5)));
    CHECK(test_op_is(
        "scatter_set", &AX1, 3,
        INS(test_arr(BJ_F32, 2, SH(0, 3), NULL), test_arr(BJ_I32, 1, SH(1), V(1)), test_arr(BJ_F32, 2, SH(0, 1), NULL)),
        BJ_F32, 2, SH(0, 3), NULL));
    /* every index out of range: x comes back unchanged */
    CHECK(scatter5("scatter_set", BJ_I32, test_arr(BJ_I32, 1, SH(2), V(5, -6)), test_arr(BJ_I32, 1, SH(2), V(0, 0)),
                   V(1, 2, 3, 4, 5)));
}

/* stack(scatter(x, idx, upd), x): scatter is functional, x is unchanged. */
static bj_val *build_scatter_keeps_x(bj_trace *t, bj_val **args, void *ud) {
    (void)t;
    bool add = *(const bool *)ud;
    bj_val *y = add ? bj_scatter_add(args[0], args[1], args[2], 0) : bj_scatter_set(args[0], args[1], args[2], 0);
    return bj_stack((bj_val *[]){y, args[0]}, 2, 0);
}

/* scatter_set(zeros, idx, take(x, idx)): a gather followed by the matching scatter. */
static bj_val *build_gather_scatter(bj_trace *t, bj_val **args, void *ud) {
    (void)ud;
    bj_val *z = bj_zeros(t, BJ_F32, 1, (const int64_t[]){5});
    return bj_scatter_set(z, args[1], bj_take(args[0], args[1], 0), 0);
}

static void test_index_scatter_functional(void) {
    bool add = true, set = false;
    CHECK(test_eval_is(3,
                  INS(test_seq(BJ_F32, 1, SH(3)), test_arr(BJ_I32, 1, SH(2), V(1, 1)), test_arr(BJ_F32, 1, SH(2), V(5, 6))),
                  build_scatter_keeps_x, &add, BJ_F32, 2, SH(2, 3), V(0, 12, 2, 0, 1, 2)));
    CHECK(test_eval_is(3,
                  INS(test_seq(BJ_I32, 1, SH(3)), test_arr(BJ_I32, 1, SH(2), V(0, 2)), test_arr(BJ_I32, 1, SH(2), V(5, 6))),
                  build_scatter_keeps_x, &set, BJ_I32, 2, SH(2, 3), V(5, 1, 6, 0, 1, 2)));
    CHECK(test_eval_is(2, INS(test_arr(BJ_F32, 1, SH(5), V(10, 11, 12, 13, 14)), test_arr(BJ_I32, 1, SH(2), V(3, -4))),
                  build_gather_scatter, NULL, BJ_F32, 1, SH(5), V(0, 11, 0, 13, 0)));
}

static void test_index_scatter_errors(void) {
    CHECK(test_op_fails("scatter_set", &AX0, 3,
                   INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_F64, 1, SH(1), V(0)), test_seq(BJ_F32, 1, SH(1))),
                   "scatter_set: indices must be integers, got f64[1]"));
    CHECK(test_op_fails("scatter_add", &AX0, 3,
                   INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_F32, 1, SH(1), V(0)), test_seq(BJ_F32, 1, SH(1))),
                   "scatter_add: indices must be integers, got f32[1]"));
    CHECK(test_op_fails("scatter_add", &AX0, 3, INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_I32, 1, SH(2)), test_seq(BJ_F32, 1, SH(3))),
                   "scatter_add: updates f32[3] do not broadcast to f32[2]"));
    CHECK(test_op_fails("scatter_set", &AX0, 3, INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_I32, 1, SH(2)), test_seq(BJ_F32, 2, SH(1, 2))),
                   "scatter_set: updates f32[1,2] do not broadcast to f32[2]"));
    CHECK(test_op_fails("scatter_set", &AX1, 3, INS(test_seq(BJ_I32, 2, SH(2, 3)), test_seq(BJ_I32, 1, SH(2)), test_seq(BJ_I32, 1, SH(3))),
                   "scatter_set: updates i32[3] do not broadcast to i32[2,2]"));
    CHECK(test_op_fails("scatter_add", &AX0, 3,
                   INS(test_arr(BJ_BOOL, 1, SH(2), V(0, 1)), test_seq(BJ_I32, 1, SH(1)), test_arr(BJ_BOOL, 1, SH(1), V(1))),
                   "scatter_add: bool operands are not supported"));
    bj_attrs a2 = {.axis = 2};
    CHECK(test_op_fails("scatter_add", &a2, 3, INS(test_seq(BJ_F32, 2, SH(2, 2)), test_seq(BJ_I32, 1, SH(1)), test_seq(BJ_F32, 1, SH(1))),
                   "scatter_add: axis 2 is out of range for rank 2"));
    CHECK(test_op_fails("scatter_set", &AX0, 3, INS(test_scalar(BJ_F32, 1), test_scalar(BJ_I32, 0), test_scalar(BJ_F32, 2)),
                   "scatter_set: axis 0 is out of range for rank 0"));
    CHECK(
        test_op_fails("scatter_set", &AX0, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_I32, 1, SH(1))), "takes 3 operands, got 2"));
}

void tests_index(void) {
    RUN(test_index_take_1d);
    RUN(test_index_take_dtypes);
    RUN(test_index_take_index_dtypes);
    RUN(test_index_take_axes);
    RUN(test_index_extreme_indices);
    RUN(test_index_take_multidim_indices);
    RUN(test_index_take_scalar_and_empty);
    RUN(test_index_take_errors);
    RUN(test_index_scatter_set_1d);
    RUN(test_index_scatter_add_1d);
    RUN(test_index_scatter_duplicates);
    RUN(test_index_scatter_axes);
    RUN(test_index_scatter_multidim_indices);
    RUN(test_index_scatter_broadcast_updates);
    RUN(test_index_scatter_dtypes);
    RUN(test_index_scatter_index_dtypes);
    RUN(test_index_scatter_empty);
    RUN(test_index_scatter_functional);
    RUN(test_index_scatter_errors);
}
