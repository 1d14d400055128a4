/* test_linalg.c — matmul, dot and outer as numpy, and the creation ops (full .. eye), run through the interpreter. */
#include "test.h"


/* A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]] */
static bj_array *mat_a(bj_dtype d) { return test_arr(d, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6)); }
static bj_array *mat_b(bj_dtype d) { return test_arr(d, 2, SH(3, 2), V(7, 8, 9, 10, 11, 12)); }
static bj_array *v123(bj_dtype d) { return test_arr(d, 1, SH(3), V(1, 2, 3)); }

/* ---------------------------------------------------------------- matmul */
static void test_linalg_matmul_2d(void) {
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_F32), mat_b(BJ_F32)), BJ_F32, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_b(BJ_F64), mat_a(BJ_F64)), BJ_F64, 2, SH(3, 3),
                V(39, 54, 69, 49, 68, 87, 59, 82, 105)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_I32), mat_b(BJ_I32)), BJ_I32, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_I64), mat_b(BJ_I64)), BJ_I64, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_U32), mat_b(BJ_U32)), BJ_U32, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_near("matmul", NULL, 2,
                  INS(test_arr(BJ_F64, 2, SH(1, 2), V(0.5, -0.25)), test_arr(BJ_F64, 2, SH(2, 1), V(0.1, 0.2))), BJ_F64,
                  2, SH(1, 1), V(0.0), 1e-15));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 2, SH(1, 1), V(3)), test_arr(BJ_F32, 2, SH(1, 3), V(1, -1, 2))),
                BJ_F32, 2, SH(1, 3), V(3, -3, 6)));
}

static void test_linalg_matmul_1d(void) {
    CHECK(test_op_is("matmul", NULL, 2, INS(v123(BJ_F32), mat_b(BJ_F32)), BJ_F32, 1, SH(2), V(58, 64)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_F32), test_arr(BJ_F32, 1, SH(3), V(1, 0, -1))), BJ_F32, 1, SH(2),
                V(-2, -2)));
    CHECK(test_op_is("matmul", NULL, 2, INS(v123(BJ_I32), test_arr(BJ_I32, 1, SH(3), V(4, 5, 6))), BJ_I32, 0, NULL, V(32)));
    CHECK(test_op_is("matmul", NULL, 2, INS(v123(BJ_F64), v123(BJ_F64)), BJ_F64, 0, NULL, V(14)));
    /* 1-d against a batch: b = arange(12).reshape(3, 2, 2) */
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 1, SH(2), V(1, 2)), test_seq(BJ_F32, 3, SH(3, 2, 2))), BJ_F32, 2,
                SH(3, 2), V(4, 7, 16, 19, 28, 31)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_seq(BJ_I32, 3, SH(3, 2, 2)), test_arr(BJ_I32, 1, SH(2), V(1, 2))), BJ_I32, 2,
                SH(3, 2), V(2, 8, 14, 20, 26, 32)));
}

static void test_linalg_matmul_batched(void) {
    /* a = arange(8).reshape(2, 2, 2) against [[1, 2], [3, 4]] on either side */
    CHECK(test_op_is("matmul", NULL, 2, INS(test_seq(BJ_F32, 3, SH(2, 2, 2)), test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4))),
                BJ_F32, 3, SH(2, 2, 2), V(3, 4, 11, 16, 19, 28, 27, 40)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4)), test_seq(BJ_F32, 3, SH(2, 2, 2))),
                BJ_F32, 3, SH(2, 2, 2), V(4, 7, 8, 15, 16, 19, 36, 43)));
    /* broadcast batch dims: (2, 1, 2, 2) @ (3, 2, 2) -> (2, 3, 2, 2) */
    CHECK(test_op_is("matmul", NULL, 2, INS(test_seq(BJ_I32, 4, SH(2, 1, 2, 2)), test_seq(BJ_I32, 3, SH(3, 2, 2))), BJ_I32, 4,
                SH(2, 3, 2, 2),
                V(2, 3, 6, 11, 6, 7, 26, 31, 10, 11, 46, 51, 10, 19, 14, 27, 46, 55, 66, 79, 82, 91, 118, 131)));
    CHECK(test_op_is("matmul", NULL, 2,
                INS(test_seq(BJ_F64, 8, SH(1, 1, 1, 1, 1, 1, 2, 2)), test_arr(BJ_F64, 2, SH(2, 2), V(1, 2, 3, 4))), BJ_F64,
                8, SH(1, 1, 1, 1, 1, 1, 2, 2), V(3, 4, 11, 16)));
    /* matching batch dims */
    CHECK(test_op_is("matmul", NULL, 2, INS(test_seq(BJ_I64, 3, SH(2, 1, 2)), test_seq(BJ_I64, 3, SH(2, 2, 1))), BJ_I64, 3,
                SH(2, 1, 1), V(1, 13)));
}

static void test_linalg_matmul_int_exact(void) {
    /* 123456789 is not a float32: an int32 matmul must not pass through float32 */
    CHECK(test_op_is("matmul", NULL, 2,
                INS(test_arr(BJ_I32, 2, SH(1, 2), V(123456789, 2)), test_arr(BJ_I32, 2, SH(2, 1), V(3, -1))), BJ_I32, 2,
                SH(1, 1), V(370370365)));
    /* int32 wraps: 65536 * 65536 + 5 */
    CHECK(test_op_is("matmul", NULL, 2,
                INS(test_arr(BJ_I32, 2, SH(1, 2), V(65536, 1)), test_arr(BJ_I32, 2, SH(2, 1), V(65536, 5))), BJ_I32, 2,
                SH(1, 1), V(5)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_I64, 1, SH(2), V(3e9, 2)), test_arr(BJ_I64, 1, SH(2), V(3, 1))),
                BJ_I64, 0, NULL, V(9000000002.0)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_U32, 1, SH(2), V(4e9, 1)), test_arr(BJ_U32, 1, SH(2), V(1, 4e8))),
                BJ_U32, 0, NULL, V(105032704)));
    /* int64 beyond 2^53 (not a float64): (2^53 + 1) * 1 + 1 * 2 */
    bj_array *a = bj_array_new(BJ_I64, 2, SH(1, 2), (const int64_t[]){9007199254740993, 1});
    bj_array *b = bj_array_new(BJ_I64, 2, SH(2, 1), (const int64_t[]){1, 2});
    bj_array *r = test_op("matmul", NULL, 2, INS(a, b));
    CHECK(r && bj_array_dtype(r) == BJ_I64 && bj_array_size(r) == 1);
    CHECK(r && ((const int64_t *)bj_array_data(r))[0] == 9007199254740995);
    bj_array_release(r), bj_array_release(a), bj_array_release(b);
}

static void test_linalg_matmul_promote_empty(void) {
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_I32), mat_b(BJ_F32)), BJ_F32, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_F32), mat_b(BJ_F64)), BJ_F64, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_I32), mat_b(BJ_U32)), BJ_I64, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("matmul", NULL, 2, INS(mat_a(BJ_BOOL), mat_b(BJ_I32)), BJ_I32, 2, SH(2, 2), V(27, 30, 27, 30)));
    /* an empty contraction gives zeros; empty outer dims give empty results */
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 2, SH(2, 0), NULL), test_arr(BJ_F32, 2, SH(0, 3), NULL)),
                BJ_F32, 2, SH(2, 3), V(0, 0, 0, 0, 0, 0)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_I32, 1, SH(0), NULL), test_arr(BJ_I32, 1, SH(0), NULL)), BJ_I32, 0,
                NULL, V(0)));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 2, SH(0, 2), NULL), test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 2,
                SH(0, 3), NULL));
    CHECK(test_op_is("matmul", NULL, 2, INS(test_arr(BJ_F32, 3, SH(0, 2, 2), NULL), test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 3,
                SH(0, 2, 3), NULL));
}

static void test_linalg_matmul_errors(void) {
    CHECK(test_op_fails("matmul", NULL, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 2, SH(2, 2))),
                   "matmul: contraction dims differ: f32[2,3] and f32[2,2] (3 vs 2)"));
    CHECK(test_op_fails("matmul", NULL, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_seq(BJ_F32, 1, SH(4))),
                   "matmul: contraction dims differ: f32[3] and f32[4] (3 vs 4)"));
    CHECK(test_op_fails("matmul", NULL, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_seq(BJ_F32, 2, SH(2, 3))),
                   "matmul: contraction dims differ: f32[3] and f32[2,3] (3 vs 2)"));
    CHECK(test_op_fails("matmul", NULL, 2, INS(test_seq(BJ_F32, 3, SH(2, 2, 2)), test_seq(BJ_F32, 3, SH(3, 2, 2))),
                   "matmul: batch dims of f32[2,2,2] and f32[3,2,2] cannot be broadcast"));
    CHECK(test_op_fails("matmul", NULL, 2,
                   INS(test_arr(BJ_BOOL, 2, SH(2, 2), V(1, 0, 0, 1)), test_arr(BJ_BOOL, 2, SH(2, 2), V(1, 1, 1, 1))),
                   "matmul: bool operands are not supported"));
    CHECK(test_op_fails("matmul", NULL, 2, INS(test_scalar(BJ_F32, 2), test_seq(BJ_F32, 1, SH(2))),
                   "matmul: operands must not be scalars"));
    CHECK(test_op_fails("matmul", NULL, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), "takes 2 operands, got 1"));
}

/* ---------------------------------------------------------------- dot, outer */
static void test_linalg_dot_scalar_and_1d(void) {
    /* a scalar operand multiplies */
    CHECK(test_op_is("dot", NULL, 2, INS(test_scalar(BJ_F32, 2.5), v123(BJ_F32)), BJ_F32, 1, SH(3), V(2.5, 5, 7.5)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_arr(BJ_I32, 2, SH(2, 2), V(1, -2, 3, 4)), test_scalar(BJ_I32, 3)), BJ_I32, 2,
                SH(2, 2), V(3, -6, 9, 12)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_scalar(BJ_F64, 2), test_scalar(BJ_F64, -3)), BJ_F64, 0, NULL, V(-6)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_scalar(BJ_I32, 2), v123(BJ_F32)), BJ_F32, 1, SH(3), V(2, 4, 6)));
    /* 1-d . 1-d is the inner product */
    CHECK(test_op_is("dot", NULL, 2, INS(v123(BJ_F32), test_arr(BJ_F32, 1, SH(3), V(4, 5, 6))), BJ_F32, 0, NULL, V(32)));
    CHECK(test_op_is("dot", NULL, 2, INS(v123(BJ_I64), test_arr(BJ_I64, 1, SH(3), V(-1, 0, 1e12))), BJ_I64, 0, NULL,
                V(3e12 - 1)));
}

static void test_linalg_dot_2d(void) {
    CHECK(test_op_is("dot", NULL, 2, INS(mat_a(BJ_F32), mat_b(BJ_F32)), BJ_F32, 2, SH(2, 2), V(58, 64, 139, 154)));
    CHECK(test_op_is("dot", NULL, 2, INS(mat_a(BJ_I32), v123(BJ_I32)), BJ_I32, 1, SH(2), V(14, 32)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_arr(BJ_F64, 1, SH(2), V(1, -1)), mat_a(BJ_F64)), BJ_F64, 1, SH(3),
                V(-3, -3, -3)));
    CHECK(test_op_is("dot", NULL, 2, INS(mat_a(BJ_U32), mat_b(BJ_I32)), BJ_I64, 2, SH(2, 2), V(58, 64, 139, 154)));
}

static void test_linalg_dot_nd(void) {
    /* a = arange(6).reshape(2, 3), b = arange(12).reshape(2, 3, 2): sum over a's last and b's second-to-last */
    CHECK(test_op_is("dot", NULL, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 3, SH(2, 3, 2))), BJ_F32, 3, SH(2, 2, 2),
                V(10, 13, 28, 31, 28, 40, 100, 112)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_arr(BJ_I32, 1, SH(3), V(1, -1, 2)), test_seq(BJ_I32, 3, SH(2, 3, 2))), BJ_I32, 2,
                SH(2, 2), V(6, 8, 18, 20)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_seq(BJ_F64, 3, SH(2, 2, 3)), test_arr(BJ_F64, 2, SH(3, 2), V(1, 0, 0, 1, 1, -1))),
                BJ_F64, 3, SH(2, 2, 2), V(2, -1, 8, -1, 14, -1, 20, -1)));
    CHECK(test_op_is("dot", NULL, 2, INS(test_seq(BJ_I64, 3, SH(2, 1, 3)), test_seq(BJ_I64, 3, SH(2, 3, 2))), BJ_I64, 4,
                SH(2, 1, 2, 2), V(10, 13, 28, 31, 28, 40, 100, 112)));
    /* a zero-length contraction sums nothing: zeros of the full result shape (numpy) */
    CHECK(test_op_is("dot", NULL, 2, INS(bj_array_zeros(BJ_F32, 2, SH(2, 0)), bj_array_zeros(BJ_F32, 3, SH(3, 0, 4))),
                     BJ_F32, 3, SH(2, 3, 4), (const double[24]){0}));
    CHECK(test_op_fails("dot", NULL, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_seq(BJ_F32, 1, SH(4))), "contraction dims differ"));
    CHECK(test_op_fails("dot", NULL, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 3, SH(2, 4, 2))),
                   "contraction dims differ"));
}

static void test_linalg_outer(void) {
    CHECK(test_op_is("outer", NULL, 2, INS(v123(BJ_F32), test_arr(BJ_F32, 1, SH(2), V(4, 5))), BJ_F32, 2, SH(3, 2),
                V(4, 5, 8, 10, 12, 15)));
    /* operands are flattened */
    CHECK(test_op_is("outer", NULL, 2,
                INS(test_arr(BJ_I32, 2, SH(2, 2), V(1, 2, 3, 4)), test_arr(BJ_I32, 1, SH(2), V(1, -1))), BJ_I32, 2,
                SH(4, 2), V(1, -1, 2, -2, 3, -3, 4, -4)));
    CHECK(test_op_is("outer", NULL, 2, INS(test_arr(BJ_I64, 1, SH(2), V(1, 2)), test_arr(BJ_I64, 2, SH(1, 2), V(3e9, 1))),
                BJ_I64, 2, SH(2, 2), V(3e9, 1, 6e9, 2)));
    CHECK(test_op_is("outer", NULL, 2, INS(test_arr(BJ_I32, 1, SH(2), V(2, 3)), test_arr(BJ_F32, 1, SH(2), V(0.5, -1))),
                BJ_F32, 2, SH(2, 2), V(1, -2, 1.5, -3)));
    CHECK(test_op_is("outer", NULL, 2, INS(test_scalar(BJ_F64, 2), test_arr(BJ_F64, 1, SH(2), V(1, 3))), BJ_F64, 2, SH(1, 2),
                V(2, 6)));
    CHECK(test_op_is("outer", NULL, 2, INS(test_arr(BJ_F32, 1, SH(0), NULL), v123(BJ_F32)), BJ_F32, 2, SH(0, 3), NULL));
    CHECK(test_op_is("outer", NULL, 2, INS(test_arr(BJ_BOOL, 1, SH(2), V(1, 0)), test_arr(BJ_BOOL, 1, SH(2), V(1, 1))),
                BJ_BOOL, 2, SH(2, 2), V(1, 1, 0, 0)));
}

/* ---------------------------------------------------------------- creation */
static void test_linalg_create_full(void) {
    bj_attrs a = {.dtype = BJ_F32, .rank = 2, .shape = {2, 2}, .value = 3.5};
    CHECK(test_op_is("full", &a, 0, NULL, BJ_F32, 2, SH(2, 2), V(3.5, 3.5, 3.5, 3.5)));
    bj_attrs b = {.dtype = BJ_I32, .rank = 1, .shape = {3}, .value = 2.7};
    CHECK(test_op_is("full", &b, 0, NULL, BJ_I32, 1, SH(3), V(2, 2, 2)));
    b.value = -2.7;
    CHECK(test_op_is("full", &b, 0, NULL, BJ_I32, 1, SH(3), V(-2, -2, -2)));
    b.value = 1e10; /* saturates */
    CHECK(test_op_is("full", &b, 0, NULL, BJ_I32, 1, SH(3), V(2147483647.0, 2147483647.0, 2147483647.0)));
    b.value = NAN;
    CHECK(test_op_is("full", &b, 0, NULL, BJ_I32, 1, SH(3), V(0, 0, 0)));
    bj_attrs c = {.dtype = BJ_U32, .rank = 1, .shape = {2}, .value = -1};
    CHECK(test_op_is("full", &c, 0, NULL, BJ_U32, 1, SH(2), V(0, 0)));
    c.value = 4e9;
    CHECK(test_op_is("full", &c, 0, NULL, BJ_U32, 1, SH(2), V(4e9, 4e9)));
    bj_attrs d = {.dtype = BJ_BOOL, .rank = 1, .shape = {2}, .value = 0.5};
    CHECK(test_op_is("full", &d, 0, NULL, BJ_BOOL, 1, SH(2), V(1, 1)));
    d.value = 0;
    CHECK(test_op_is("full", &d, 0, NULL, BJ_BOOL, 1, SH(2), V(0, 0)));
    bj_attrs e = {.dtype = BJ_F64, .rank = 0, .value = -0.125};
    CHECK(test_op_is("full", &e, 0, NULL, BJ_F64, 0, NULL, V(-0.125)));
    bj_attrs f = {.dtype = BJ_I64, .rank = 3, .shape = {1, 2, 1}, .value = 1e15};
    CHECK(test_op_is("full", &f, 0, NULL, BJ_I64, 3, SH(1, 2, 1), V(1e15, 1e15)));
    bj_attrs g = {.dtype = BJ_F32, .rank = 2, .shape = {2, 0}, .value = 1};
    CHECK(test_op_is("full", &g, 0, NULL, BJ_F32, 2, SH(2, 0), NULL));
    bj_attrs h = {.dtype = BJ_F32, .rank = 1, .shape = {2}, .value = INFINITY};
    CHECK(test_op_is("full", &h, 0, NULL, BJ_F32, 1, SH(2), V(INFINITY, INFINITY)));
    bj_attrs bad = {.dtype = BJ_F32, .rank = 1, .shape = {-3}};
    CHECK(test_op_fails("full", &bad, 0, NULL, "full: dimension 0 is negative (-3)"));
    bj_attrs huge = {.dtype = BJ_F32, .rank = 2, .shape = {1LL << 40, 1LL << 40}};
    CHECK(test_op_fails("full", &huge, 0, NULL, "full: the shape's element count overflows at dimension 1"));
    bj_attrs badd = {.dtype = (bj_dtype)42, .rank = 1, .shape = {3}};
    CHECK(test_op_fails("full", &badd, 0, NULL, "full: invalid dtype 42"));
}

static void test_linalg_create_zeros_ones(void) {
    const bj_dtype all[] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};
    for (int i = 0; i < 6; i++) {
        bj_attrs a = {.dtype = all[i], .rank = 2, .shape = {1, 3}};
        CHECK_MSG(test_op_is("zeros", &a, 0, NULL, all[i], 2, SH(1, 3), V(0, 0, 0)), "zeros %s", bj_dtype_name(all[i]));
        CHECK_MSG(test_op_is("ones", &a, 0, NULL, all[i], 2, SH(1, 3), V(1, 1, 1)), "ones %s", bj_dtype_name(all[i]));
    }
    bj_attrs s = {.dtype = BJ_F32, .rank = 0};
    CHECK(test_op_is("ones", &s, 0, NULL, BJ_F32, 0, NULL, V(1)));
    bj_attrs e = {.dtype = BJ_I32, .rank = 1, .shape = {0}};
    CHECK(test_op_is("zeros", &e, 0, NULL, BJ_I32, 1, SH(0), NULL));
    bj_attrs bad = {.dtype = BJ_F32, .rank = 1, .shape = {-1}};
    CHECK(test_op_fails("ones", &bad, 0, NULL, "ones: dimension 0 is negative (-1)"));
    CHECK(test_op_fails("zeros", &bad, 0, NULL, "zeros: dimension 0 is negative (-1)"));
}

static void test_linalg_create_iota(void) {
    bj_attrs a = {.dtype = BJ_I32, .rank = 2, .shape = {2, 3}, .axis = 0};
    CHECK(test_op_is("iota", &a, 0, NULL, BJ_I32, 2, SH(2, 3), V(0, 0, 0, 1, 1, 1)));
    a.axis = 1;
    CHECK(test_op_is("iota", &a, 0, NULL, BJ_I32, 2, SH(2, 3), V(0, 1, 2, 0, 1, 2)));
    a.axis = -2;
    CHECK(test_op_is("iota", &a, 0, NULL, BJ_I32, 2, SH(2, 3), V(0, 0, 0, 1, 1, 1)));
    bj_attrs b = {.dtype = BJ_F32, .rank = 1, .shape = {4}};
    CHECK(test_op_is("iota", &b, 0, NULL, BJ_F32, 1, SH(4), V(0, 1, 2, 3)));
    bj_attrs c = {.dtype = BJ_I64, .rank = 3, .shape = {2, 2, 2}, .axis = 1};
    CHECK(test_op_is("iota", &c, 0, NULL, BJ_I64, 3, SH(2, 2, 2), V(0, 0, 1, 1, 0, 0, 1, 1)));
    bj_attrs d = {.dtype = BJ_U32, .rank = 2, .shape = {1, 3}, .axis = -1};
    CHECK(test_op_is("iota", &d, 0, NULL, BJ_U32, 2, SH(1, 3), V(0, 1, 2)));
    bj_attrs f = {.dtype = BJ_F64, .rank = 2, .shape = {3, 1}, .axis = 0};
    CHECK(test_op_is("iota", &f, 0, NULL, BJ_F64, 2, SH(3, 1), V(0, 1, 2)));
    bj_attrs e = {.dtype = BJ_F32, .rank = 2, .shape = {0, 3}, .axis = 1};
    CHECK(test_op_is("iota", &e, 0, NULL, BJ_F32, 2, SH(0, 3), NULL));
    bj_attrs bad = {.dtype = BJ_I32, .rank = 2, .shape = {2, 3}, .axis = 2};
    CHECK(test_op_fails("iota", &bad, 0, NULL, "iota: axis 2 is out of range for rank 2"));
    bj_attrs r0 = {.dtype = BJ_I32, .rank = 0};
    CHECK(test_op_fails("iota", &r0, 0, NULL, "iota: axis 0 is out of range for rank 0"));
}

/* arange(start, stop, step) of dtype d: n elements. */
static bool arange_is(bj_dtype d, double start, double stop, double step, int64_t n, const double *want, double tol) {
    bj_attrs a = {.dtype = d, .value = start, .stop_value = stop, .step_value = step};
    return test_op_near("arange", &a, 0, NULL, d, 1, &n, want, tol);
}

static void test_linalg_create_arange(void) {
    CHECK(arange_is(BJ_I32, 0, 5, 1, 5, V(0, 1, 2, 3, 4), 0));
    CHECK(arange_is(BJ_F32, 0, 1, 0.25, 4, V(0, 0.25, 0.5, 0.75), 0));
    CHECK(arange_is(BJ_F64, 5, 0, -1.5, 4, V(5, 3.5, 2, 0.5), 0)); /* negative step */
    CHECK(arange_is(BJ_I64, 10, -10, -7, 3, V(10, 3, -4), 0));
    CHECK(arange_is(BJ_U32, 0, 10, 3, 4, V(0, 3, 6, 9), 0));
    CHECK(arange_is(BJ_F64, 0, 1, 0.1, 10,
                    V(0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9),
                    0));
    CHECK(arange_is(BJ_F32, 0, 1, 0.1, 10, V(0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), 1e-7));
    /* exactly start + i * step in float64 (numpy's delta trick would give 1.9000000000000001 last) */
    CHECK(arange_is(BJ_F64, 1, 2, 0.3, 4, V(1, 1.3, 1.6, 1.8999999999999999), 0));
    /* computed in float64, then cast: truncation toward zero for ints */
    CHECK(arange_is(BJ_I32, 0.5, 3, 1, 3, V(0, 1, 2), 0));
    CHECK(arange_is(BJ_I32, -2.5, 0, 1, 3, V(-2, -1, 0), 0));
    CHECK(arange_is(BJ_F32, -1, 1, 0.5, 4, V(-1, -0.5, 0, 0.5), 0));
}

static void test_linalg_create_arange_empty_errors(void) {
    CHECK(arange_is(BJ_F32, 3, 3, 1, 0, NULL, 0));
    CHECK(arange_is(BJ_I32, 5, 0, 1, 0, NULL, 0)); /* wrong direction */
    CHECK(arange_is(BJ_F64, 0, 5, -1, 0, NULL, 0));
    CHECK(arange_is(BJ_F64, 0, 0.5, 1, 1, V(0), 0)); /* a partial step still counts */
    bj_attrs z = {.dtype = BJ_F32, .value = 0, .stop_value = 1, .step_value = 0};
    CHECK(test_op_fails("arange", &z, 0, NULL, "arange: start 0, stop 1, step 0 must be finite with step != 0"));
    bj_attrs n = {.dtype = BJ_F32, .value = 0, .stop_value = NAN, .step_value = 1};
    CHECK(test_op_fails("arange", &n, 0, NULL, "must be finite with step != 0"));
    bj_attrs big = {.dtype = BJ_F32, .value = 0, .stop_value = 1e300, .step_value = 1};
    CHECK(test_op_fails("arange", &big, 0, NULL, "is too many"));
}

static void test_linalg_create_eye(void) {
    bj_attrs a = {.dtype = BJ_F32, .n = 3, .m = 3, .k = 0};
    CHECK(test_op_is("eye", &a, 0, NULL, BJ_F32, 2, SH(3, 3), V(1, 0, 0, 0, 1, 0, 0, 0, 1)));
    bj_attrs b = {.dtype = BJ_I32, .n = 2, .m = 3, .k = 1};
    CHECK(test_op_is("eye", &b, 0, NULL, BJ_I32, 2, SH(2, 3), V(0, 1, 0, 0, 0, 1)));
    bj_attrs c = {.dtype = BJ_F64, .n = 3, .m = 2, .k = -1};
    CHECK(test_op_is("eye", &c, 0, NULL, BJ_F64, 2, SH(3, 2), V(0, 0, 1, 0, 0, 1)));
    bj_attrs d = {.dtype = BJ_I64, .n = 2, .m = 4, .k = 2};
    CHECK(test_op_is("eye", &d, 0, NULL, BJ_I64, 2, SH(2, 4), V(0, 0, 1, 0, 0, 0, 0, 1)));
    bj_attrs e = {.dtype = BJ_F32, .n = 2, .m = 2, .k = 5};
    CHECK(test_op_is("eye", &e, 0, NULL, BJ_F32, 2, SH(2, 2), V(0, 0, 0, 0)));
    e.k = -2;
    CHECK(test_op_is("eye", &e, 0, NULL, BJ_F32, 2, SH(2, 2), V(0, 0, 0, 0)));
    bj_attrs f = {.dtype = BJ_BOOL, .n = 2, .m = 2};
    CHECK(test_op_is("eye", &f, 0, NULL, BJ_BOOL, 2, SH(2, 2), V(1, 0, 0, 1)));
    bj_attrs g = {.dtype = BJ_U32, .n = 1, .m = 3, .k = -1};
    CHECK(test_op_is("eye", &g, 0, NULL, BJ_U32, 2, SH(1, 3), V(0, 0, 0)));
    bj_attrs h = {.dtype = BJ_F32, .n = 0, .m = 0};
    CHECK(test_op_is("eye", &h, 0, NULL, BJ_F32, 2, SH(0, 0), NULL));
    bj_attrs i = {.dtype = BJ_F32, .n = 0, .m = 3};
    CHECK(test_op_is("eye", &i, 0, NULL, BJ_F32, 2, SH(0, 3), NULL));
    bj_attrs bad = {.dtype = BJ_F32, .n = -1, .m = 2};
    CHECK(test_op_fails("eye", &bad, 0, NULL, "eye: n -1 and m 2 must be >= 0"));
    bj_attrs huge = {.dtype = BJ_F32, .n = 1LL << 40, .m = 1LL << 40};
    CHECK(test_op_fails("eye", &huge, 0, NULL, "the shape's element count overflows"));
}

/* ---------------------------------------------------------------- creation combined with linear algebra */
static bj_val *build_eye_matmul(bj_trace *t, bj_val **args, void *ud) {
    (void)ud; /* eye(3) @ x == x, and x @ eye(2, k=1) shifts columns right */
    bj_val *i3 = bj_eye(t, BJ_F32, 3, 3, 0);
    bj_val *y = bj_matmul(i3, args[0]);
    return bj_matmul(y, bj_eye(t, BJ_F32, 2, 2, 1));
}
static bj_val *build_outer_arange(bj_trace *t, bj_val **args, void *ud) {
    (void)args, (void)ud; /* a multiplication table from two aranges, plus ones */
    bj_val *r = bj_arange(t, BJ_I32, 1, 4, 1), *c = bj_arange(t, BJ_I32, 1, 3, 1);
    bj_val *o = bj_outer(r, c);
    return bj_add(o, bj_ones(t, BJ_I32, 2, (const int64_t[]){3, 2}));
}
static bj_val *build_iota_dot(bj_trace *t, bj_val **args, void *ud) {
    (void)ud; /* x . iota(3) and the full() constant: sum_k x[i, k] * k + 0.5 */
    bj_val *k = bj_iota(t, BJ_F32, 1, (const int64_t[]){3}, 0);
    return bj_add(bj_dot(args[0], k), bj_full(t, BJ_F32, 1, (const int64_t[]){2}, 0.5));
}

/* A^T A through a transposed (non-contiguous) operand */
static bj_val *build_gram(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_matmul(bj_transpose(args[0], NULL), args[0]);
}
/* a dense layer: bias + x @ w, the bias (rank 1) first */
static bj_val *build_dense(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_add(args[2], bj_matmul(args[0], args[1]));
}

static void test_linalg_matmul_composed(void) {
    bj_array *a = test_arr(BJ_F32, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6));
    bj_array *r = test_eval(1, &a, build_gram, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 2, SH(3, 3), V(17, 22, 27, 22, 29, 36, 27, 36, 45), 0));
    bj_array_release(r);
    bj_array_release(a);
    bj_array *x = test_arr(BJ_F32, 2, SH(3, 2), V(1, 0, 0, 1, 1, 1)), *w = test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4));
    bj_array *bias = test_arr(BJ_F32, 1, SH(2), V(10, 20));
    r = test_eval(3, INS(x, w, bias), build_dense, NULL); /* [3,2] @ [2,2] + [2] */
    CHECK(test_arr_eq(r, BJ_F32, 2, SH(3, 2), V(11, 22, 13, 24, 14, 26), 0));
    bj_array_release(r), bj_array_release(x), bj_array_release(w), bj_array_release(bias);
}

static void test_linalg_create_combined(void) {
    bj_array *x = test_arr(BJ_F32, 2, SH(3, 2), V(1, 2, 3, 4, 5, 6));
    bj_array *r = test_eval(1, &x, build_eye_matmul, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 2, SH(3, 2), V(0, 1, 0, 3, 0, 5), 0));
    bj_array_release(r), bj_array_release(x);
    r = test_eval(0, NULL, build_outer_arange, NULL);
    CHECK(test_arr_eq(r, BJ_I32, 2, SH(3, 2), V(2, 3, 3, 5, 4, 7), 0));
    bj_array_release(r);
    x = test_arr(BJ_F32, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6));
    r = test_eval(1, &x, build_iota_dot, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, SH(2), V(8.5, 17.5), 0));
    bj_array_release(r), bj_array_release(x);
}

void tests_linalg(void) {
    RUN(test_linalg_matmul_2d);
    RUN(test_linalg_matmul_1d);
    RUN(test_linalg_matmul_batched);
    RUN(test_linalg_matmul_int_exact);
    RUN(test_linalg_matmul_promote_empty);
    RUN(test_linalg_matmul_errors);
    RUN(test_linalg_matmul_composed);
    RUN(test_linalg_dot_scalar_and_1d);
    RUN(test_linalg_dot_2d);
    RUN(test_linalg_dot_nd);
    RUN(test_linalg_outer);
    RUN(test_linalg_create_full);
    RUN(test_linalg_create_zeros_ones);
    RUN(test_linalg_create_iota);
    RUN(test_linalg_create_arange);
    RUN(test_linalg_create_arange_empty_errors);
    RUN(test_linalg_create_eye);
    RUN(test_linalg_create_combined);
}
