/* test_shape.c — shape ops (reshape .. repeat, composites too) through the interpreter: values, edges, errors. */
#include "test.h"


static const bj_dtype NUMERIC[] = {BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};
#define NNUMERIC ((int)(sizeof NUMERIC / sizeof *NUMERIC))

static bool eval_fails(int nin, bj_array *const *ins, test_build_fn fn, void *ud, const char *sub) {
    bj_clear_error();
    bj_array *r = test_eval(nin, ins, fn, ud);
    bool ok = !r && strstr(bj_last_error(), sub);
    if (!ok) printf("    wanted a failure with '%s', got %s ('%s')\n", sub, r ? "a result" : "NULL", bj_last_error());
    bj_array_release(r);
    test_release_all(nin, ins);
    return ok;
}

/* ---------------------------------------------------------------- reshape */
static void test_shape_reshape_basic(void) {
    bj_attrs a = {.rank = 2, .shape = {3, 2}};
    CHECK(test_op_is("reshape", &a, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 2, SH(3, 2), V(0, 1, 2, 3, 4, 5)));
    bj_attrs b = {.rank = 2, .shape = {4, -1}};
    double w[24];
    for (int i = 0; i < 24; i++) w[i] = i;
    CHECK(test_op_is("reshape", &b, 1, INS(test_seq(BJ_I64, 3, SH(2, 3, 4))), BJ_I64, 2, SH(4, 6), w));
    bj_attrs c = {.rank = 3, .shape = {-1, 1, 2}};
    for (int k = 0; k < NNUMERIC; k++)
        CHECK(test_op_is("reshape", &c, 1, INS(test_seq(NUMERIC[k], 1, SH(6))), NUMERIC[k], 3, SH(3, 1, 2), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("reshape", &a, 1, INS(test_arr(BJ_BOOL, 1, SH(6), V(1, 0, 0, 1, 1, 0))), BJ_BOOL, 2, SH(3, 2),
                V(1, 0, 0, 1, 1, 0)));
    bj_attrs same = {.rank = 2, .shape = {2, 3}}; /* to its own shape: the input comes back */
    CHECK(test_op_is("reshape", &same, 1, INS(test_seq(BJ_F64, 2, SH(2, 3))), BJ_F64, 2, SH(2, 3), V(0, 1, 2, 3, 4, 5)));
}

static void test_shape_reshape_scalar_empty_rank8(void) {
    bj_attrs to0 = {.rank = 0};
    CHECK(test_op_is("reshape", &to0, 1, INS(test_arr(BJ_F32, 1, SH(1), V(7.5))), BJ_F32, 0, NULL, V(7.5)));
    bj_attrs to111 = {.rank = 3, .shape = {1, 1, 1}};
    CHECK(test_op_is("reshape", &to111, 1, INS(test_scalar(BJ_I32, -4)), BJ_I32, 3, SH(1, 1, 1), V(-4)));
    bj_attrs inf = {.rank = 1, .shape = {-1}};
    CHECK(test_op_is("reshape", &inf, 1, INS(test_scalar(BJ_U32, 9)), BJ_U32, 1, SH(1), V(9)));
    bj_attrs e30 = {.rank = 2, .shape = {3, 0}};
    CHECK(test_op_is("reshape", &e30, 1, INS(test_arr(BJ_F32, 2, SH(0, 3), NULL)), BJ_F32, 2, SH(3, 0), NULL));
    bj_attrs em = {.rank = 3, .shape = {-1, 3, 2}};
    CHECK(test_op_is("reshape", &em, 1, INS(test_arr(BJ_F32, 2, SH(0, 6), NULL)), BJ_F32, 3, SH(0, 3, 2), NULL));
    bj_attrs r8 = {.rank = 8, .shape = {2, 1, 1, 1, 1, 1, 1, 2}};
    CHECK(test_op_is("reshape", &r8, 1, INS(test_seq(BJ_I32, 1, SH(4))), BJ_I32, 8, SH(2, 1, 1, 1, 1, 1, 1, 2), V(0, 1, 2, 3)));
    bj_attrs from8 = {.rank = 2, .shape = {-1, 4}};
    CHECK(test_op_is("reshape", &from8, 1, INS(test_seq(BJ_F64, 8, SH(1, 2, 1, 2, 1, 2, 1, 1))), BJ_F64, 2, SH(2, 4),
                V(0, 1, 2, 3, 4, 5, 6, 7)));
}

static void test_shape_reshape_errors(void) {
    bj_attrs a = {.rank = 1, .shape = {4}};
    CHECK(test_op_fails("reshape", &a, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))),
                   "reshape: cannot reshape f32[2,3] (6 elements) to f32[4] (4 elements)"));
    bj_attrs two = {.rank = 2, .shape = {-1, -1}};
    CHECK(test_op_fails("reshape", &two, 1, INS(test_seq(BJ_F32, 1, SH(4))), "only one -1 is allowed"));
    bj_attrs neg = {.rank = 2, .shape = {2, -3}};
    CHECK(test_op_fails("reshape", &neg, 1, INS(test_seq(BJ_F32, 1, SH(6))), "reshape: dimension 1 is -3"));
    bj_attrs z = {.rank = 2, .shape = {0, -1}};
    CHECK(test_op_fails("reshape", &z, 1, INS(test_arr(BJ_I32, 1, SH(0), NULL)), "reshape: cannot infer dimension 1"));
    bj_attrs nd = {.rank = 2, .shape = {-1, 4}};
    CHECK(test_op_fails("reshape", &nd, 1, INS(test_seq(BJ_I32, 1, SH(6))),
                   "cannot infer dimension 0: 6 elements into blocks of 4"));
    bj_attrs big = {.rank = 9};
    CHECK(test_op_fails("reshape", &big, 1, INS(test_seq(BJ_I32, 1, SH(1))), "reshape: rank 9 is outside 0..8"));
}

/* ---------------------------------------------------------------- broadcast_to */
static void test_shape_broadcast_to(void) {
    bj_attrs a = {.rank = 2, .shape = {2, 3}};
    CHECK(test_op_is("broadcast_to", &a, 1, INS(test_arr(BJ_F32, 1, SH(3), V(1, 2, 3))), BJ_F32, 2, SH(2, 3),
                V(1, 2, 3, 1, 2, 3)));
    CHECK(test_op_is("broadcast_to", &a, 1, INS(test_arr(BJ_I32, 2, SH(2, 1), V(-1, 5))), BJ_I32, 2, SH(2, 3),
                V(-1, -1, -1, 5, 5, 5)));
    CHECK(test_op_is("broadcast_to", &a, 1, INS(test_scalar(BJ_U32, 4000000000.0)), BJ_U32, 2, SH(2, 3),
                V(4e9, 4e9, 4e9, 4e9, 4e9, 4e9)));
    CHECK(test_op_is("broadcast_to", &a, 1, INS(test_arr(BJ_BOOL, 2, SH(1, 3), V(1, 0, 1))), BJ_BOOL, 2, SH(2, 3),
                V(1, 0, 1, 1, 0, 1)));
    bj_attrs b = {.rank = 3, .shape = {2, 2, 2}};
    CHECK(test_op_is("broadcast_to", &b, 1, INS(test_arr(BJ_I64, 3, SH(2, 1, 2), V(1, 2, 3, 4))), BJ_I64, 3, SH(2, 2, 2),
                V(1, 2, 1, 2, 3, 4, 3, 4)));
    CHECK(test_op_is("broadcast_to", &b, 1, INS(test_arr(BJ_F64, 2, SH(2, 1), V(0.5, -0.5))), BJ_F64, 3, SH(2, 2, 2),
                V(0.5, 0.5, -0.5, -0.5, 0.5, 0.5, -0.5, -0.5)));
    bj_attrs e = {.rank = 3, .shape = {2, 0, 3}};
    CHECK(test_op_is("broadcast_to", &e, 1, INS(test_arr(BJ_F32, 2, SH(1, 3), V(1, 2, 3))), BJ_F32, 3, SH(2, 0, 3), NULL));
    bj_attrs r8 = {.rank = 8, .shape = {2, 1, 1, 1, 1, 1, 1, 2}};
    CHECK(test_op_is("broadcast_to", &r8, 1, INS(test_arr(BJ_I32, 1, SH(2), V(7, 8))), BJ_I32, 8, SH(2, 1, 1, 1, 1, 1, 1, 2),
                V(7, 8, 7, 8)));
}

static void test_shape_broadcast_to_errors(void) {
    bj_attrs a = {.rank = 1, .shape = {4}};
    CHECK(
        test_op_fails("broadcast_to", &a, 1, INS(test_seq(BJ_F32, 1, SH(3))), "broadcast_to: cannot broadcast f32[3] to f32[4]"));
    bj_attrs b = {.rank = 1, .shape = {3}};
    CHECK(test_op_fails("broadcast_to", &b, 1, INS(test_seq(BJ_I32, 2, SH(2, 3))),
                   "broadcast_to: cannot broadcast i32[2,3] to i32[3]"));
    bj_attrs c = {.rank = 2, .shape = {3, 2}};
    CHECK(test_op_fails("broadcast_to", &c, 1, INS(test_seq(BJ_F32, 2, SH(2, 1))),
                   "broadcast_to: cannot broadcast f32[2,1] to f32[3,2]"));
    bj_attrs d = {.rank = 1, .shape = {-2}};
    CHECK(test_op_fails("broadcast_to", &d, 1, INS(test_scalar(BJ_F32, 1)), "broadcast_to: dimension 0 is negative (-2)"));
}

/* ---------------------------------------------------------------- transpose */
static void test_shape_transpose(void) {
    CHECK(test_op_is("transpose", NULL, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 2, SH(3, 2), V(0, 3, 1, 4, 2, 5)));
    bj_attrs p102 = {.naxes = 3, .axes = {1, 0, 2}};
    CHECK(test_op_is("transpose", &p102, 1, INS(test_seq(BJ_I32, 3, SH(2, 3, 4))), BJ_I32, 3, SH(3, 2, 4),
                V(0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23)));
    double w201[] = {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23};
    bj_attrs p201 = {.naxes = 3, .axes = {2, 0, 1}};
    CHECK(test_op_is("transpose", &p201, 1, INS(test_seq(BJ_F64, 3, SH(2, 3, 4))), BJ_F64, 3, SH(4, 2, 3), w201));
    bj_attrs pneg = {.naxes = 3, .axes = {-1, 0, -2}}; /* negative entries count from the end: (2, 0, 1) */
    CHECK(test_op_is("transpose", &pneg, 1, INS(test_seq(BJ_U32, 3, SH(2, 3, 4))), BJ_U32, 3, SH(4, 2, 3), w201));
    CHECK(test_op_is("transpose", NULL, 1, INS(test_seq(BJ_I64, 3, SH(2, 3, 4))), BJ_I64, 3, SH(4, 3, 2),
                V(0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23)));
    CHECK(test_op_is("transpose", NULL, 1, INS(test_arr(BJ_BOOL, 2, SH(2, 2), V(1, 1, 0, 0))), BJ_BOOL, 2, SH(2, 2),
                V(1, 0, 1, 0)));
    bj_attrs id = {.naxes = 2, .axes = {0, 1}};
    CHECK(test_op_is("transpose", &id, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), BJ_F32, 2, SH(2, 2), V(0, 1, 2, 3)));
    CHECK(test_op_is("transpose", NULL, 1, INS(test_scalar(BJ_F32, 3)), BJ_F32, 0, NULL, V(3)));
    CHECK(test_op_is("transpose", NULL, 1, INS(test_arr(BJ_F32, 2, SH(0, 3), NULL)), BJ_F32, 2, SH(3, 0), NULL));
}

static void test_shape_transpose_rank8_errors(void) {
    /* x[j,0,...,0,i] = 3j + i -> out[i,0,...,0,j] */
    CHECK(test_op_is("transpose", NULL, 1, INS(test_seq(BJ_F32, 8, SH(2, 1, 1, 1, 1, 1, 1, 3))), BJ_F32, 8,
                SH(3, 1, 1, 1, 1, 1, 1, 2), V(0, 3, 1, 4, 2, 5)));
    bj_attrs rot = {.naxes = 8, .axes = {1, 2, 3, 4, 5, 6, 7, 0}};
    CHECK(test_op_is("transpose", &rot, 1, INS(test_seq(BJ_I32, 8, SH(2, 1, 1, 1, 1, 1, 1, 3))), BJ_I32, 8,
                SH(1, 1, 1, 1, 1, 1, 3, 2), V(0, 3, 1, 4, 2, 5)));
    bj_attrs dup = {.naxes = 2, .axes = {0, 0}};
    CHECK(
        test_op_fails("transpose", &dup, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), "transpose: perm is not a permutation of 0..1"));
    bj_attrs out = {.naxes = 2, .axes = {0, 2}};
    CHECK(test_op_fails("transpose", &out, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), "transpose: perm is not a permutation"));
}

/* ---------------------------------------------------------------- expand_dims, squeeze */
static void test_shape_expand_dims(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, a2 = {.axis = 2}, am1 = {.axis = -1}, am3 = {.axis = -3};
    CHECK(test_op_is("expand_dims", &a0, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 3, SH(1, 2, 3), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("expand_dims", &a1, 1, INS(test_seq(BJ_I32, 2, SH(2, 3))), BJ_I32, 3, SH(2, 1, 3), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("expand_dims", &a2, 1, INS(test_seq(BJ_I64, 2, SH(2, 3))), BJ_I64, 3, SH(2, 3, 1), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("expand_dims", &am1, 1, INS(test_seq(BJ_U32, 2, SH(2, 3))), BJ_U32, 3, SH(2, 3, 1), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("expand_dims", &am3, 1, INS(test_seq(BJ_F64, 2, SH(2, 3))), BJ_F64, 3, SH(1, 2, 3), V(0, 1, 2, 3, 4, 5)));
    CHECK(test_op_is("expand_dims", &a0, 1, INS(test_arr(BJ_BOOL, 0, NULL, V(1))), BJ_BOOL, 1, SH(1), V(1)));
    CHECK(test_op_is("expand_dims", &am1, 1, INS(test_arr(BJ_F32, 1, SH(0), NULL)), BJ_F32, 2, SH(0, 1), NULL));
    CHECK(test_op_is("expand_dims", &a0, 1, INS(test_seq(BJ_F32, 7, SH(2, 1, 1, 1, 1, 1, 2))), BJ_F32, 8,
                SH(1, 2, 1, 1, 1, 1, 1, 2), V(0, 1, 2, 3)));
}

static void test_shape_expand_dims_errors(void) {
    bj_attrs a4 = {.axis = 4}, am4 = {.axis = -4}, a0 = {.axis = 0};
    CHECK(test_op_fails("expand_dims", &a4, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))),
                   "expand_dims: axis 4 is out of range for rank 3"));
    CHECK(test_op_fails("expand_dims", &am4, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))),
                   "expand_dims: axis -4 is out of range for rank 3"));
    CHECK(test_op_fails("expand_dims", &a0, 1, INS(test_seq(BJ_F32, 8, SH(1, 1, 1, 1, 1, 1, 1, 2))),
                   "expand_dims: rank would exceed 8"));
}

static void test_shape_squeeze(void) {
    CHECK(test_op_is("squeeze", NULL, 1, INS(test_seq(BJ_F32, 3, SH(1, 3, 1))), BJ_F32, 1, SH(3), V(0, 1, 2)));
    bj_attrs s0 = {.naxes = 1, .axes = {0}}, sm1 = {.naxes = 1, .axes = {-1}}, both = {.naxes = 2, .axes = {2, 0}};
    CHECK(test_op_is("squeeze", &s0, 1, INS(test_seq(BJ_I32, 3, SH(1, 3, 1))), BJ_I32, 2, SH(3, 1), V(0, 1, 2)));
    CHECK(test_op_is("squeeze", &sm1, 1, INS(test_seq(BJ_I64, 3, SH(1, 3, 1))), BJ_I64, 2, SH(1, 3), V(0, 1, 2)));
    CHECK(test_op_is("squeeze", &both, 1, INS(test_seq(BJ_U32, 3, SH(1, 3, 1))), BJ_U32, 1, SH(3), V(0, 1, 2)));
    CHECK(test_op_is("squeeze", NULL, 1, INS(test_arr(BJ_F64, 2, SH(1, 1), V(-2.25))), BJ_F64, 0, NULL, V(-2.25)));
    CHECK(test_op_is("squeeze", NULL, 1, INS(test_arr(BJ_BOOL, 2, SH(2, 2), V(0, 1, 1, 0))), BJ_BOOL, 2, SH(2, 2),
                V(0, 1, 1, 0)));
    CHECK(test_op_is("squeeze", NULL, 1, INS(test_arr(BJ_F32, 3, SH(2, 0, 1), NULL)), BJ_F32, 2, SH(2, 0), NULL));
    CHECK(test_op_is("squeeze", NULL, 1, INS(test_scalar(BJ_I32, 11)), BJ_I32, 0, NULL, V(11)));
    CHECK(
        test_op_is("squeeze", NULL, 1, INS(test_seq(BJ_F32, 8, SH(1, 2, 1, 1, 1, 1, 2, 1))), BJ_F32, 2, SH(2, 2), V(0, 1, 2, 3)));
}

static void test_shape_squeeze_errors(void) {
    bj_attrs s1 = {.naxes = 1, .axes = {1}}, s5 = {.naxes = 1, .axes = {5}}, sm2 = {.naxes = 1, .axes = {-2}};
    CHECK(test_op_fails("squeeze", &s1, 1, INS(test_seq(BJ_F32, 3, SH(1, 3, 1))), "squeeze: axis 1 has size 3, not 1"));
    CHECK(test_op_fails("squeeze", &sm2, 1, INS(test_seq(BJ_F32, 3, SH(1, 3, 1))), "squeeze: axis -2 has size 3, not 1"));
    CHECK(test_op_fails("squeeze", &s5, 1, INS(test_seq(BJ_F32, 2, SH(1, 1))), "squeeze: axis 5 is out of range for rank 2"));
}

/* ---------------------------------------------------------------- concatenate, stack */
static void test_shape_concatenate(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, am1 = {.axis = -1};
    CHECK(test_op_is("concatenate", &a1, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_arr(BJ_F32, 2, SH(2, 2), V(10, 11, 12, 13))),
                BJ_F32, 2, SH(2, 5), V(0, 1, 2, 10, 11, 3, 4, 5, 12, 13)));
    CHECK(test_op_is("concatenate", &am1, 2, INS(test_seq(BJ_I32, 2, SH(2, 3)), test_arr(BJ_I32, 2, SH(2, 1), V(-1, -2))), BJ_I32,
                2, SH(2, 4), V(0, 1, 2, -1, 3, 4, 5, -2)));
    CHECK(test_op_is("concatenate", &a0, 3,
                INS(test_seq(BJ_I64, 2, SH(1, 2)), test_arr(BJ_I64, 2, SH(2, 2), V(7, 8, 9, 10)),
                    test_arr(BJ_I64, 2, SH(1, 2), V(-3, -4))),
                BJ_I64, 2, SH(4, 2), V(0, 1, 7, 8, 9, 10, -3, -4)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_BOOL, 1, SH(2), V(1, 0)), test_arr(BJ_BOOL, 1, SH(1), V(1))),
                BJ_BOOL, 1, SH(3), V(1, 0, 1)));
    /* a zero-size member contributes nothing */
    CHECK(test_op_is("concatenate", &a1, 3,
                INS(test_arr(BJ_U32, 2, SH(2, 0), NULL), test_seq(BJ_U32, 2, SH(2, 2)), test_arr(BJ_U32, 2, SH(2, 0), NULL)),
                BJ_U32, 2, SH(2, 2), V(0, 1, 2, 3)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_F64, 1, SH(0), NULL), test_arr(BJ_F64, 1, SH(0), NULL)), BJ_F64,
                1, SH(0), NULL));
    CHECK(test_op_is("concatenate", &a0, 1, INS(test_seq(BJ_F32, 1, SH(3))), BJ_F32, 1, SH(3), V(0, 1, 2)));
    /* 3-d along the middle axis */
    CHECK(test_op_is("concatenate", &a1, 2,
                INS(test_seq(BJ_I32, 3, SH(2, 1, 2)), test_arr(BJ_I32, 3, SH(2, 1, 2), V(9, 9, 8, 8))), BJ_I32, 3,
                SH(2, 2, 2), V(0, 1, 9, 9, 2, 3, 8, 8)));
}

static void test_shape_concatenate_promote(void) {
    bj_attrs a0 = {.axis = 0};
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_I32, 1, SH(2), V(1, -2)), test_arr(BJ_F32, 1, SH(1), V(0.5))),
                BJ_F32, 1, SH(3), V(1, -2, 0.5)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_BOOL, 1, SH(2), V(1, 0)), test_arr(BJ_I32, 1, SH(1), V(-7))),
                BJ_I32, 1, SH(3), V(1, 0, -7)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_I32, 1, SH(1), V(-1)), test_arr(BJ_I64, 1, SH(1), V(5e12))),
                BJ_I64, 1, SH(2), V(-1, 5e12)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_U32, 1, SH(1), V(4e9)), test_arr(BJ_I32, 1, SH(1), V(-3))),
                BJ_I64, 1, SH(2), V(4e9, -3)));
    CHECK(test_op_is("concatenate", &a0, 2, INS(test_arr(BJ_F32, 1, SH(1), V(0.25)), test_arr(BJ_F64, 1, SH(1), V(0.1))),
                BJ_F64, 1, SH(2), V(0.25, 0.1)));
    CHECK(test_op_is(
        "concatenate", &a0, 3,
        INS(test_arr(BJ_BOOL, 1, SH(1), V(1)), test_arr(BJ_U32, 1, SH(1), V(3)), test_arr(BJ_F64, 1, SH(1), V(-1.5))),
        BJ_F64, 1, SH(3), V(1, 3, -1.5)));
}

static void test_shape_concatenate_errors(void) {
    bj_attrs a0 = {.axis = 0}, a2 = {.axis = 2};
    CHECK(test_op_fails("concatenate", &a0, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 2, SH(2, 4))),
                   "concatenate: array 1 is f32[2,4], array 0 is f32[2,3]"));
    CHECK(test_op_fails("concatenate", &a0, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 1, SH(3))),
                   "concatenate: array 1 is f32[3], array 0 is f32[2,3]"));
    CHECK(test_op_fails("concatenate", &a2, 2, INS(test_seq(BJ_F32, 2, SH(2, 3)), test_seq(BJ_F32, 2, SH(2, 3))),
                   "concatenate: axis 2 is out of range for rank 2"));
    CHECK(test_op_fails("concatenate", &a0, 2, INS(test_scalar(BJ_F32, 1), test_scalar(BJ_F32, 2)),
                   "concatenate: axis 0 is out of range for rank 0"));
    bj_trace *t = bj_trace_new("empty_list"); /* no arrays at all */
    CHECK(bj_op(t, "concatenate", NULL, 0, &a0) == NULL);
    CHECK_ERR_HAS("concatenate: needs at least one array");
    bj_trace_free(t);
}

static void test_shape_stack(void) {
    bj_attrs a0 = {.axis = 0}, a1 = {.axis = 1}, am1 = {.axis = -1};
    CHECK(test_op_is("stack", &a0, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_arr(BJ_F32, 1, SH(3), V(10, 11, 12))), BJ_F32, 2,
                SH(2, 3), V(0, 1, 2, 10, 11, 12)));
    CHECK(test_op_is("stack", &a1, 2, INS(test_seq(BJ_I32, 1, SH(3)), test_arr(BJ_I32, 1, SH(3), V(10, 11, 12))), BJ_I32, 2,
                SH(3, 2), V(0, 10, 1, 11, 2, 12)));
    CHECK(test_op_is("stack", &am1, 3,
                INS(test_arr(BJ_I64, 2, SH(2, 2), V(1, 2, 3, 4)), test_arr(BJ_I64, 2, SH(2, 2), V(5, 6, 7, 8)),
                    test_arr(BJ_I64, 2, SH(2, 2), V(9, 10, 11, 12))),
                BJ_I64, 3, SH(2, 2, 3), V(1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12)));
    CHECK(test_op_is("stack", &a1, 2,
                INS(test_arr(BJ_U32, 2, SH(2, 2), V(1, 2, 3, 4)), test_arr(BJ_U32, 2, SH(2, 2), V(5, 6, 7, 8))), BJ_U32,
                3, SH(2, 2, 2), V(1, 2, 5, 6, 3, 4, 7, 8)));
    CHECK(test_op_is("stack", &a0, 3, INS(test_scalar(BJ_F64, 1.5), test_scalar(BJ_F64, -2), test_scalar(BJ_F64, 0)), BJ_F64, 1, SH(3),
                V(1.5, -2, 0)));
    CHECK(test_op_is("stack", &a0, 2, INS(test_arr(BJ_BOOL, 1, SH(2), V(1, 0)), test_arr(BJ_I32, 1, SH(2), V(-5, 6))),
                BJ_I32, 2, SH(2, 2), V(1, 0, -5, 6)));
    CHECK(test_op_is("stack", &a1, 2, INS(test_arr(BJ_F32, 1, SH(0), NULL), test_arr(BJ_F32, 1, SH(0), NULL)), BJ_F32, 2,
                SH(0, 2), NULL));
}

static void test_shape_stack_errors(void) {
    bj_attrs a0 = {.axis = 0}, a3 = {.axis = 3};
    CHECK(test_op_fails("stack", &a0, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_seq(BJ_F32, 1, SH(4))),
                   "stack: array 1 is f32[4], array 0 is f32[3]"));
    CHECK(test_op_fails("stack", &a0, 2, INS(test_seq(BJ_I32, 2, SH(1, 3)), test_seq(BJ_I32, 1, SH(3))),
                   "stack: array 1 is i32[3], array 0 is i32[1,3]"));
    CHECK(test_op_fails("stack", &a3, 2, INS(test_seq(BJ_F32, 1, SH(3)), test_seq(BJ_F32, 1, SH(3))),
                   "stack: axis 3 is out of range for rank 2"));
}

/* ---------------------------------------------------------------- slice */
/* x[start:stop:step] of a 1-d i32 arange(n), expected values listed. */
static bool slice1(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t len, const double *want) {
    bj_attrs a = {.start = {start}, .stop = {stop}, .step = {step}};
    return test_op_is("slice", &a, 1, INS(test_seq(BJ_I32, 1, &n)), BJ_I32, 1, &len, want);
}

static void test_shape_slice_1d(void) {
    CHECK(slice1(10, 2, 8, 2, 3, V(2, 4, 6)));
    CHECK(slice1(10, 2, 8, 1, 6, V(2, 3, 4, 5, 6, 7)));
    CHECK(slice1(10, 0, 10, 3, 4, V(0, 3, 6, 9)));
    CHECK(slice1(10, 1, BJ_END, 4, 3, V(1, 5, 9)));
    CHECK(slice1(10, BJ_END, 3, 1, 3, V(0, 1, 2)));
    CHECK(slice1(10, -3, BJ_END, 1, 3, V(7, 8, 9)));
    CHECK(slice1(10, -4, -1, 1, 3, V(6, 7, 8)));
    CHECK(slice1(10, -100, 2, 1, 2, V(0, 1))); /* start clipped to 0 */
    CHECK(slice1(10, 8, 100, 1, 2, V(8, 9))); /* stop clipped to 10 */
    CHECK(slice1(10, 0, 10, 20, 1, V(0))); /* step beyond the axis */
    CHECK(slice1(10, 5, 6, 1, 1, V(5)));
}

static void test_shape_slice_negative_step(void) {
    CHECK(slice1(5, BJ_END, BJ_END, -1, 5, V(4, 3, 2, 1, 0)));
    CHECK(slice1(10, 8, 2, -3, 2, V(8, 5)));
    CHECK(slice1(10, -1, -100, -1, 10, V(9, 8, 7, 6, 5, 4, 3, 2, 1, 0)));
    CHECK(slice1(10, 100, 6, -2, 2, V(9, 7))); /* start clipped to 9 */
    CHECK(slice1(10, BJ_END, BJ_END, -4, 3, V(9, 5, 1)));
    CHECK(slice1(10, 3, BJ_END, -1, 4, V(3, 2, 1, 0)));
    CHECK(slice1(10, -2, -5, -1, 3, V(8, 7, 6)));
    CHECK(slice1(10, 4, -100, -2, 3, V(4, 2, 0)));
}

static void test_shape_slice_empty(void) {
    CHECK(slice1(10, 5, 2, 1, 0, NULL)); /* stop before start */
    CHECK(slice1(10, 100, BJ_END, 1, 0, NULL)); /* start past the end */
    CHECK(slice1(10, 2, 5, -1, 0, NULL)); /* negative step going up */
    CHECK(slice1(10, -100, BJ_END, -1, 0, NULL)); /* start clipped to -1: nothing */
    CHECK(slice1(10, 3, 3, 1, 0, NULL));
    CHECK(slice1(0, BJ_END, BJ_END, 1, 0, NULL));
    CHECK(slice1(0, 2, -3, -1, 0, NULL));
    bj_attrs a = {.start = {0, 1}, .stop = {BJ_END, 3}, .step = {1, 1}};
    CHECK(test_op_is("slice", &a, 1, INS(test_arr(BJ_F32, 2, SH(0, 4), NULL)), BJ_F32, 2, SH(0, 2), NULL));
    bj_attrs b = {.start = {0, 2}, .stop = {BJ_END, 2}, .step = {1, 1}};
    CHECK(test_op_is("slice", &b, 1, INS(test_seq(BJ_F32, 2, SH(3, 4))), BJ_F32, 2, SH(3, 0), NULL));
}

static void test_shape_slice_nd(void) {
    /* x = arange(12).reshape(3, 4); x[1:, ::-2] */
    bj_attrs a = {.start = {1, BJ_END}, .stop = {BJ_END, BJ_END}, .step = {1, -2}};
    CHECK(test_op_is("slice", &a, 1, INS(test_seq(BJ_F32, 2, SH(3, 4))), BJ_F32, 2, SH(2, 2), V(7, 5, 11, 9)));
    /* x[::-1, 1:3] */
    bj_attrs b = {.start = {BJ_END, 1}, .stop = {BJ_END, 3}, .step = {-1, 1}};
    CHECK(test_op_is("slice", &b, 1, INS(test_seq(BJ_I64, 2, SH(3, 4))), BJ_I64, 2, SH(3, 2), V(9, 10, 5, 6, 1, 2)));
    /* x[-1:, -1:-5:-3] */
    bj_attrs c = {.start = {-1, -1}, .stop = {BJ_END, -5}, .step = {1, -3}};
    CHECK(test_op_is("slice", &c, 1, INS(test_seq(BJ_U32, 2, SH(3, 4))), BJ_U32, 2, SH(1, 2), V(11, 8)));
    /* 3-d: y = arange(24).reshape(2, 3, 4); y[:, 2:0:-1, 1::2] */
    bj_attrs d = {.start = {0, 2, 1}, .stop = {BJ_END, 0, BJ_END}, .step = {1, -1, 2}};
    CHECK(test_op_is("slice", &d, 1, INS(test_seq(BJ_F64, 3, SH(2, 3, 4))), BJ_F64, 3, SH(2, 2, 2),
                V(9, 11, 5, 7, 21, 23, 17, 19)));
    bj_attrs e = {.start = {0, 0}, .stop = {1, 2}, .step = {1, 1}};
    CHECK(test_op_is("slice", &e, 1, INS(test_arr(BJ_BOOL, 2, SH(2, 2), V(1, 0, 0, 1))), BJ_BOOL, 2, SH(1, 2), V(1, 0)));
    CHECK(test_op_is("slice", NULL, 1, INS(test_scalar(BJ_F32, 6)), BJ_F32, 0, NULL, V(6))); /* rank 0: nothing to slice */
}

/* The direct API: NULL start/stop/step arrays mean the full axis. */
static bj_val *build_slice_null_start(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_slice(args[0], NULL, (const int64_t[]){2, BJ_END}, NULL);
}
static bj_val *build_slice_only_step(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_slice(args[0], NULL, NULL, (const int64_t[]){-1, 2});
}
static bj_val *build_slice_twice(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud; /* x[::2][::-1] on a 1-d array */
    bj_val *a = bj_slice(args[0], NULL, NULL, (const int64_t[]){2});
    return bj_slice(a, NULL, NULL, (const int64_t[]){-1});
}

static void test_shape_slice_api(void) {
    CHECK(test_eval_is(1, INS(test_seq(BJ_F32, 2, SH(3, 2))), build_slice_null_start, NULL, BJ_F32, 2, SH(2, 2), V(0, 1, 2, 3)));
    CHECK(test_eval_is(1, INS(test_seq(BJ_I32, 2, SH(2, 3))), build_slice_only_step, NULL, BJ_I32, 2, SH(2, 2), V(3, 5, 0, 2)));
    CHECK(test_eval_is(1, INS(test_seq(BJ_I64, 1, SH(7))), build_slice_twice, NULL, BJ_I64, 1, SH(4), V(6, 4, 2, 0)));
}

/* extreme starts, stops and steps: clipped without overflow */
static void test_shape_slice_extremes(void) {
    CHECK(slice1(10, INT64_MIN, INT64_MAX - 1, INT64_MAX, 1, V(0)));
    CHECK(slice1(10, BJ_END, INT64_MIN, -INT64_MAX, 1, V(9)));
    CHECK(slice1(10, INT64_MIN, INT64_MIN, 1, 0, NULL));
    CHECK(slice1(10, INT64_MAX - 1, INT64_MIN, -3, 4, V(9, 6, 3, 0)));
    CHECK(slice1(10, 2, INT64_MAX - 1, INT64_MAX - 1, 1, V(2)));
}

static void test_shape_overflow_errors(void) {
    bj_attrs r = {.rank = 2, .shape = {INT64_MAX, 2}};
    CHECK(
        test_op_fails("reshape", &r, 1, INS(test_seq(BJ_F32, 1, SH(4))), "reshape: the target shape's element count overflows"));
    bj_attrs b = {.rank = 3, .shape = {1LL << 40, 1LL << 40, 1}};
    CHECK(test_op_fails("broadcast_to", &b, 1, INS(test_scalar(BJ_F32, 1)), "broadcast_to: the shape's element count overflows"));
    bj_attrs t = {.rank = 1, .shape = {INT64_MAX}};
    CHECK(test_op_fails("tile", &t, 1, INS(test_seq(BJ_F32, 1, SH(3))), "tile: size of axis 0 overflows"));
    bj_attrs p = {.n = INT64_MAX, .axis = 0};
    CHECK(test_op_fails("repeat", &p, 1, INS(test_seq(BJ_F32, 1, SH(3))), "repeat: result size overflows"));
}

static void test_shape_slice_errors(void) {
    bj_attrs a = {.start = {0}, .stop = {3}, .step = {0}};
    CHECK(test_op_fails("slice", &a, 1, INS(test_seq(BJ_F32, 1, SH(4))), "slice: step of axis 0 is 0"));
    bj_attrs b = {.start = {0, 0}, .stop = {3, 3}, .step = {1, 0}};
    CHECK(test_op_fails("slice", &b, 1, INS(test_seq(BJ_F32, 2, SH(4, 4))), "slice: step of axis 1 is 0"));
}

/* ---------------------------------------------------------------- dynamic_slice, dynamic_update_slice */
static bool dslice1(bj_dtype sd, double start, int64_t size, const double *want) {
    bj_attrs a = {.shape = {size}};
    return test_op_is("dynamic_slice", &a, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_scalar(sd, start)), BJ_F32, 1, &size, want);
}

static void test_shape_dynamic_slice(void) {
    CHECK(dslice1(BJ_I32, 1, 3, V(1, 2, 3)));
    CHECK(dslice1(BJ_I32, 0, 5, V(0, 1, 2, 3, 4)));
    CHECK(dslice1(BJ_I32, 2, 3, V(2, 3, 4)));
    CHECK(dslice1(BJ_I32, 4, 3, V(2, 3, 4))); /* clamped to 5 - 3 */
    CHECK(dslice1(BJ_I32, 100, 2, V(3, 4)));
    CHECK(dslice1(BJ_I32, -1, 3, V(2, 3, 4))); /* counts from the end (4), then clamped to 5 - 3 (JAX) */
    CHECK(dslice1(BJ_I32, -2147483647.0, 2, V(0, 1)));
    CHECK(dslice1(BJ_I64, 3, 1, V(3)));
    CHECK(dslice1(BJ_I64, 1e15, 2, V(3, 4)));
    CHECK(dslice1(BJ_I64, -1e15, 2, V(0, 1)));
    CHECK(dslice1(BJ_U32, 2, 2, V(2, 3)));
    CHECK(dslice1(BJ_U32, 4294967295.0, 2, V(3, 4))); /* a large unsigned start, not -1 */
    CHECK(dslice1(BJ_I32, 3, 0, NULL));
    CHECK(dslice1(BJ_I32, 9, 0, NULL));
}

static void test_shape_dynamic_slice_nd(void) {
    /* x = arange(12).reshape(3, 4) */
    bj_attrs a = {.shape = {2, 2}};
    CHECK(test_op_is("dynamic_slice", &a, 3, INS(test_seq(BJ_I32, 2, SH(3, 4)), test_scalar(BJ_I32, 1), test_scalar(BJ_I32, 1)), BJ_I32, 2,
                SH(2, 2), V(5, 6, 9, 10)));
    CHECK(test_op_is("dynamic_slice", &a, 3, INS(test_seq(BJ_I64, 2, SH(3, 4)), test_scalar(BJ_I64, 5), test_scalar(BJ_I32, -3)), BJ_I64, 2,
                SH(2, 2), V(5, 6, 9, 10))); /* (5, -3) is (5, 1) (from the end), clamped to (1, 1) */
    CHECK(test_op_is("dynamic_slice", &a, 3, INS(test_seq(BJ_F64, 2, SH(3, 4)), test_scalar(BJ_U32, 0), test_scalar(BJ_I64, 7)), BJ_F64, 2,
                SH(2, 2), V(2, 3, 6, 7))); /* (0, 7) clamps to (0, 2) */
    bj_attrs b = {.shape = {3, 1}};
    CHECK(test_op_is("dynamic_slice", &b, 3,
                INS(test_arr(BJ_BOOL, 2, SH(3, 2), V(1, 0, 0, 1, 1, 0)), test_scalar(BJ_I32, 2), test_scalar(BJ_I32, 1)), BJ_BOOL,
                2, SH(3, 1), V(0, 1, 0)));
    bj_attrs c = {.shape = {1, 3}};
    CHECK(test_op_is("dynamic_slice", &c, 3, INS(test_seq(BJ_U32, 2, SH(3, 4)), test_scalar(BJ_I32, 2), test_scalar(BJ_I32, 1)), BJ_U32, 2,
                SH(1, 3), V(9, 10, 11)));
    CHECK(test_op_is("dynamic_slice", NULL, 1, INS(test_scalar(BJ_F32, 2.5)), BJ_F32, 0, NULL, V(2.5))); /* rank 0: no starts */
    /* 3-d with a zero-size result axis */
    bj_attrs d = {.shape = {1, 0, 2}};
    CHECK(test_op_is("dynamic_slice", &d, 4,
                INS(test_seq(BJ_F32, 3, SH(2, 3, 4)), test_scalar(BJ_I32, 1), test_scalar(BJ_I32, 1), test_scalar(BJ_I32, 1)), BJ_F32, 3,
                SH(1, 0, 2), NULL));
}

static void test_shape_dynamic_slice_errors(void) {
    bj_attrs a = {.shape = {6}};
    CHECK(test_op_fails("dynamic_slice", &a, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_scalar(BJ_I32, 0)),
                   "dynamic_slice: size 6 of axis 0 does not fit in f32[5]"));
    bj_attrs b = {.shape = {2}};
    CHECK(test_op_fails("dynamic_slice", &b, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_scalar(BJ_F32, 0)),
                   "dynamic_slice: start index 0 must be an integer scalar, got f32[]"));
    CHECK(test_op_fails("dynamic_slice", &b, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_arr(BJ_I32, 1, SH(1), V(0))),
                   "dynamic_slice: start index 0 must be an integer scalar, got i32[1]"));
    CHECK(test_op_fails("dynamic_slice", &b, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_scalar(BJ_BOOL, 1)),
                   "start index 0 must be an integer scalar, got bool[]"));
    bj_attrs c = {.shape = {-1}};
    CHECK(test_op_fails("dynamic_slice", &c, 2, INS(test_seq(BJ_F32, 1, SH(5)), test_scalar(BJ_I32, 0)),
                   "dynamic_slice: size -1 of axis 0 does not fit"));
    CHECK(test_op_fails("dynamic_slice", &b, 1, INS(test_seq(BJ_F32, 1, SH(5))), "takes 2 operands, got 1"));
}

static bool dupdate1(bj_dtype xd, bj_array *upd, bj_dtype sd, double start, const double *want) {
    return test_op_is("dynamic_update_slice", NULL, 3, INS(test_arr(xd, 1, SH(5), V(1, 2, 3, 4, 5)), upd, test_scalar(sd, start)),
                 xd, 1, SH(5), want);
}

static void test_shape_dynamic_update_slice(void) {
    CHECK(dupdate1(BJ_F32, test_arr(BJ_F32, 1, SH(2), V(7, 8)), BJ_I32, 1, V(1, 7, 8, 4, 5)));
    CHECK(dupdate1(BJ_F32, test_arr(BJ_F32, 1, SH(2), V(7, 8)), BJ_I32, 0, V(7, 8, 3, 4, 5)));
    CHECK(dupdate1(BJ_F32, test_arr(BJ_F32, 1, SH(2), V(7, 8)), BJ_I32, 4, V(1, 2, 3, 7, 8))); /* clamped to 3 */
    CHECK(dupdate1(BJ_F32, test_arr(BJ_F32, 1, SH(2), V(7, 8)), BJ_I32, -1, V(1, 2, 3, 7, 8))); /* 4, clamped to 3 */
    CHECK(dupdate1(BJ_I64, test_arr(BJ_I64, 1, SH(3), V(-7, -8, -9)), BJ_I64, 1e12, V(1, 2, -7, -8, -9)));
    CHECK(dupdate1(BJ_U32, test_arr(BJ_U32, 1, SH(1), V(9)), BJ_U32, 4294967295.0, V(1, 2, 3, 4, 9)));
    CHECK(dupdate1(BJ_F64, test_arr(BJ_F64, 1, SH(5), V(-1, -2, -3, -4, -5)), BJ_I32, 3, V(-1, -2, -3, -4, -5)));
    CHECK(dupdate1(BJ_F32, test_arr(BJ_F32, 1, SH(0), NULL), BJ_I32, 2, V(1, 2, 3, 4, 5))); /* empty update */
    /* the update is cast to x's dtype */
    CHECK(dupdate1(BJ_F32, test_arr(BJ_I32, 1, SH(2), V(-3, 40)), BJ_I32, 2, V(1, 2, -3, 40, 5)));
    CHECK(dupdate1(BJ_I32, test_arr(BJ_F64, 1, SH(2), V(7.75, -2.5)), BJ_I32, 1, V(1, 7, -2, 4, 5)));
    CHECK(dupdate1(BJ_BOOL, test_arr(BJ_BOOL, 1, SH(2), V(0, 0)), BJ_I32, 2, V(1, 1, 0, 0, 1)));
    CHECK(dupdate1(BJ_F32, test_arr(BJ_BOOL, 1, SH(2), V(1, 0)), BJ_I32, 0, V(1, 0, 3, 4, 5)));
}

static void test_shape_dynamic_update_slice_nd(void) {
    /* x = zeros(3, 4); update [[1, 2], [3, 4]] */
    double z[12] = {0};
    CHECK(test_op_is("dynamic_update_slice", NULL, 4,
                INS(test_arr(BJ_F32, 2, SH(3, 4), z), test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4)), test_scalar(BJ_I32, 1),
                    test_scalar(BJ_I32, 1)),
                BJ_F32, 2, SH(3, 4), V(0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0)));
    CHECK(test_op_is("dynamic_update_slice", NULL, 4,
                INS(test_arr(BJ_F32, 2, SH(3, 4), z), test_arr(BJ_F32, 2, SH(2, 2), V(1, 2, 3, 4)), test_scalar(BJ_I32, 2),
                    test_scalar(BJ_I64, 3)),
                BJ_F32, 2, SH(3, 4), V(0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4))); /* (2, 3) clamps to (1, 2) */
    CHECK(test_op_is("dynamic_update_slice", NULL, 4,
                INS(test_arr(BJ_I32, 2, SH(3, 4), z), test_arr(BJ_I32, 2, SH(1, 4), V(5, 6, 7, 8)), test_scalar(BJ_I32, -9),
                    test_scalar(BJ_I32, 2)),
                BJ_I32, 2, SH(3, 4), V(5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0)));
    CHECK(test_op_is("dynamic_update_slice", NULL, 4,
                INS(test_seq(BJ_I64, 2, SH(3, 4)), test_arr(BJ_I64, 2, SH(3, 1), V(-1, -2, -3)), test_scalar(BJ_U32, 1),
                    test_scalar(BJ_U32, 2)),
                BJ_I64, 2, SH(3, 4), V(0, 1, -1, 3, 4, 5, -2, 7, 8, 9, -3, 11)));
    CHECK(test_op_is("dynamic_update_slice", NULL, 2, INS(test_scalar(BJ_F64, 1), test_scalar(BJ_F64, 2)), BJ_F64, 0, NULL, V(2)));
}

static bj_val *build_dus_keeps_x(bj_trace *t, bj_val **args, void *ud) {
    (void)ud; /* stack(dynamic_update_slice(x, u, 1), x): x itself is unchanged */
    bj_val *s = bj_lit_i64(t, 1, false);
    bj_val *y = bj_dynamic_update_slice(args[0], args[1], &s);
    return bj_stack((bj_val *[]){y, args[0]}, 2, 0);
}

static void test_shape_dynamic_update_slice_functional(void) {
    CHECK(test_eval_is(2, INS(test_seq(BJ_F32, 1, SH(4)), test_arr(BJ_F32, 1, SH(2), V(-1, -2))), build_dus_keeps_x, NULL, BJ_F32,
                  2, SH(2, 4), V(0, -1, -2, 3, 0, 1, 2, 3)));
}

static void test_shape_dynamic_update_slice_errors(void) {
    CHECK(test_op_fails("dynamic_update_slice", NULL, 3,
                   INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_F32, 1, SH(6)), test_scalar(BJ_I32, 0)),
                   "dynamic_update_slice: update f32[6] does not fit in f32[5]"));
    CHECK(test_op_fails("dynamic_update_slice", NULL, 3,
                   INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_F32, 2, SH(1, 2)), test_scalar(BJ_I32, 0)),
                   "dynamic_update_slice: update f32[1,2] does not fit in f32[5]"));
    CHECK(test_op_fails("dynamic_update_slice", NULL, 3,
                   INS(test_seq(BJ_F32, 2, SH(2, 2)), test_seq(BJ_F32, 2, SH(1, 1)), test_scalar(BJ_I32, 0)),
                   "takes 4 operands, got 3"));
    CHECK(test_op_fails("dynamic_update_slice", NULL, 4,
                   INS(test_seq(BJ_F32, 2, SH(2, 2)), test_seq(BJ_F32, 1, SH(2)), test_scalar(BJ_I32, 0), test_scalar(BJ_I32, 0)),
                   "dynamic_update_slice: update f32[2] does not fit in f32[2,2]"));
    CHECK(test_op_fails("dynamic_update_slice", NULL, 3,
                   INS(test_seq(BJ_F32, 1, SH(5)), test_seq(BJ_F32, 1, SH(2)), test_scalar(BJ_F64, 0)),
                   "dynamic_update_slice: start index 0 must be an integer scalar, got f64[]"));
}

/* ---------------------------------------------------------------- flip */
static void test_shape_flip(void) {
    bj_attrs f0 = {.naxes = 1, .axes = {0}}, f1 = {.naxes = 1, .axes = {1}}, fm1 = {.naxes = 1, .axes = {-1}},
             f01 = {.naxes = 2, .axes = {1, 0}};
    CHECK(test_op_is("flip", &f0, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), BJ_F32, 2, SH(2, 3), V(3, 4, 5, 0, 1, 2)));
    CHECK(test_op_is("flip", &f1, 1, INS(test_seq(BJ_I32, 2, SH(2, 3))), BJ_I32, 2, SH(2, 3), V(2, 1, 0, 5, 4, 3)));
    CHECK(test_op_is("flip", &fm1, 1, INS(test_seq(BJ_I64, 2, SH(2, 3))), BJ_I64, 2, SH(2, 3), V(2, 1, 0, 5, 4, 3)));
    CHECK(test_op_is("flip", &f01, 1, INS(test_seq(BJ_U32, 2, SH(2, 3))), BJ_U32, 2, SH(2, 3), V(5, 4, 3, 2, 1, 0)));
    CHECK(test_op_is("flip", NULL, 1, INS(test_seq(BJ_F64, 2, SH(2, 3))), BJ_F64, 2, SH(2, 3), V(5, 4, 3, 2, 1, 0)));
    CHECK(test_op_is("flip", NULL, 1, INS(test_arr(BJ_BOOL, 1, SH(3), V(1, 0, 0))), BJ_BOOL, 1, SH(3), V(0, 0, 1)));
    CHECK(test_op_is("flip", NULL, 1, INS(test_scalar(BJ_F32, -1)), BJ_F32, 0, NULL, V(-1)));
    CHECK(test_op_is("flip", NULL, 1, INS(test_arr(BJ_F32, 2, SH(3, 0), NULL)), BJ_F32, 2, SH(3, 0), NULL));
    /* 3-d, middle axis: y = arange(12).reshape(2, 3, 2) */
    CHECK(test_op_is("flip", &f1, 1, INS(test_seq(BJ_I32, 3, SH(2, 3, 2))), BJ_I32, 3, SH(2, 3, 2),
                V(4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7)));
    bj_attrs f07 = {.naxes = 2, .axes = {0, 7}};
    CHECK(test_op_is("flip", &f07, 1, INS(test_seq(BJ_F32, 8, SH(2, 1, 1, 1, 1, 1, 1, 2))), BJ_F32, 8, SH(2, 1, 1, 1, 1, 1, 1, 2),
                V(3, 2, 1, 0)));
}

static void test_shape_flip_errors(void) {
    bj_attrs dup = {.naxes = 2, .axes = {0, -2}}, out = {.naxes = 1, .axes = {2}};
    CHECK(test_op_fails("flip", &dup, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), "flip: axis -2 is repeated"));
    CHECK(test_op_fails("flip", &out, 1, INS(test_seq(BJ_F32, 2, SH(2, 3))), "flip: axis 2 is out of range for rank 2"));
}

/* ---------------------------------------------------------------- tile, repeat */
static void test_shape_tile(void) {
    bj_attrs r2 = {.rank = 1, .shape = {2}}, r21 = {.rank = 2, .shape = {2, 1}}, r12 = {.rank = 2, .shape = {1, 2}},
             r22 = {.rank = 2, .shape = {2, 2}};
    CHECK(test_op_is("tile", &r2, 1, INS(test_seq(BJ_F32, 1, SH(3))), BJ_F32, 1, SH(6), V(0, 1, 2, 0, 1, 2)));
    CHECK(test_op_is("tile", &r21, 1, INS(test_seq(BJ_I32, 2, SH(2, 2))), BJ_I32, 2, SH(4, 2), V(0, 1, 2, 3, 0, 1, 2, 3)));
    CHECK(test_op_is("tile", &r12, 1, INS(test_seq(BJ_I64, 2, SH(2, 2))), BJ_I64, 2, SH(2, 4), V(0, 1, 0, 1, 2, 3, 2, 3)));
    CHECK(test_op_is("tile", &r22, 1, INS(test_seq(BJ_U32, 2, SH(1, 2))), BJ_U32, 2, SH(2, 4), V(0, 1, 0, 1, 0, 1, 0, 1)));
    CHECK(test_op_is("tile", &r2, 1, INS(test_arr(BJ_BOOL, 1, SH(2), V(1, 0))), BJ_BOOL, 1, SH(4), V(1, 0, 1, 0)));
    bj_attrs r3 = {.rank = 1, .shape = {3}};
    CHECK(test_op_is("tile", &r3, 1, INS(test_arr(BJ_F64, 1, SH(1), V(0.5))), BJ_F64, 1, SH(3), V(0.5, 0.5, 0.5)));
}

static void test_shape_tile_edges(void) {
    /* reps longer than the rank: x gains leading axes */
    bj_attrs r22 = {.rank = 2, .shape = {2, 2}};
    CHECK(test_op_is("tile", &r22, 1, INS(test_arr(BJ_F32, 1, SH(2), V(5, 6))), BJ_F32, 2, SH(2, 4),
                V(5, 6, 5, 6, 5, 6, 5, 6)));
    bj_attrs r231 = {.rank = 3, .shape = {2, 1, 1}};
    CHECK(test_op_is("tile", &r231, 1, INS(test_seq(BJ_I32, 2, SH(1, 2))), BJ_I32, 3, SH(2, 1, 2), V(0, 1, 0, 1)));
    /* reps shorter than the rank: leading reps are 1 */
    bj_attrs r3 = {.rank = 1, .shape = {3}};
    CHECK(test_op_is("tile", &r3, 1, INS(test_seq(BJ_I32, 2, SH(2, 2))), BJ_I32, 2, SH(2, 6),
                V(0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3)));
    CHECK(test_op_is("tile", &r3, 1, INS(test_scalar(BJ_I64, 4)), BJ_I64, 1, SH(3), V(4, 4, 4)));
    bj_attrs none = {.rank = 0};
    CHECK(test_op_is("tile", &none, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), BJ_F32, 2, SH(2, 2), V(0, 1, 2, 3)));
    CHECK(test_op_is("tile", &none, 1, INS(test_scalar(BJ_F32, 8)), BJ_F32, 0, NULL, V(8)));
    bj_attrs r0 = {.rank = 1, .shape = {0}}, r02 = {.rank = 2, .shape = {0, 2}};
    CHECK(test_op_is("tile", &r0, 1, INS(test_seq(BJ_F32, 1, SH(3))), BJ_F32, 1, SH(0), NULL));
    CHECK(test_op_is("tile", &r02, 1, INS(test_seq(BJ_F32, 1, SH(3))), BJ_F32, 2, SH(0, 6), NULL));
    CHECK(test_op_is("tile", &r3, 1, INS(test_arr(BJ_F32, 1, SH(0), NULL)), BJ_F32, 1, SH(0), NULL));
    bj_attrs neg = {.rank = 1, .shape = {-1}};
    CHECK(test_op_fails("tile", &neg, 1, INS(test_seq(BJ_F32, 1, SH(3))), "tile: repetition 0 is negative (-1)"));
}

static void test_shape_repeat(void) {
    bj_attrs r2 = {.n = 2, .axis = 0}, r3a1 = {.n = 3, .axis = 1}, r2m2 = {.n = 2, .axis = -2};
    CHECK(test_op_is("repeat", &r2, 1, INS(test_seq(BJ_F32, 1, SH(3))), BJ_F32, 1, SH(6), V(0, 0, 1, 1, 2, 2)));
    CHECK(test_op_is("repeat", &r3a1, 1, INS(test_seq(BJ_I32, 2, SH(2, 2))), BJ_I32, 2, SH(2, 6),
                V(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3)));
    CHECK(test_op_is("repeat", &r2m2, 1, INS(test_seq(BJ_I64, 2, SH(2, 2))), BJ_I64, 2, SH(4, 2), V(0, 1, 0, 1, 2, 3, 2, 3)));
    CHECK(test_op_is("repeat", &r2, 1, INS(test_arr(BJ_BOOL, 1, SH(2), V(0, 1))), BJ_BOOL, 1, SH(4), V(0, 0, 1, 1)));
    CHECK(test_op_is("repeat", &r2, 1, INS(test_arr(BJ_U32, 1, SH(2), V(4e9, 7))), BJ_U32, 1, SH(4), V(4e9, 4e9, 7, 7)));
    bj_attrs r2a1 = {.n = 2, .axis = 1}; /* 3-d, middle axis: y = arange(8).reshape(2, 2, 2) */
    CHECK(test_op_is("repeat", &r2a1, 1, INS(test_seq(BJ_F64, 3, SH(2, 2, 2))), BJ_F64, 3, SH(2, 4, 2),
                V(0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7)));
}

static void test_shape_repeat_edges(void) {
    bj_attrs r0 = {.n = 0, .axis = 0}, r1 = {.n = 1, .axis = 1}, r3 = {.n = 3, .axis = 0};
    CHECK(test_op_is("repeat", &r0, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), BJ_F32, 2, SH(0, 2), NULL));
    CHECK(test_op_is("repeat", &r1, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), BJ_F32, 2, SH(2, 2), V(0, 1, 2, 3)));
    CHECK(test_op_is("repeat", &r3, 1, INS(test_arr(BJ_I32, 1, SH(0), NULL)), BJ_I32, 1, SH(0), NULL));
    bj_attrs neg = {.n = -1, .axis = 0}, bad = {.n = 2, .axis = 2}, a0 = {.n = 2, .axis = 0};
    CHECK(test_op_fails("repeat", &neg, 1, INS(test_seq(BJ_F32, 1, SH(3))), "repeat: repeats is negative (-1)"));
    CHECK(test_op_fails("repeat", &bad, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), "repeat: axis 2 is out of range for rank 2"));
    CHECK(test_op_fails("repeat", &a0, 1, INS(test_scalar(BJ_F32, 1)), "repeat: axis 0 is out of range for rank 0"));
}

/* ---------------------------------------------------------------- chains of shape ops */
static bj_val *build_chain(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud; /* arange(6).reshape(2, 3).T[::-1] flattened, then concatenated with its tile */
    bj_val *x = bj_transpose(bj_reshape(args[0], 2, (const int64_t[]){2, 3}), NULL);
    bj_val *y = bj_reshape(bj_flip(x, 1, (const int[]){0}), 1, (const int64_t[]){-1});
    bj_val *z = bj_tile(bj_slice(y, (const int64_t[]){0}, (const int64_t[]){2}, NULL), 1, (const int64_t[]){2});
    return bj_concatenate((bj_val *[]){y, z}, 2, 0);
}
static bj_val *build_squeeze_expand(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud; /* expand, broadcast, repeat, squeeze back */
    bj_val *x = bj_expand_dims(args[0], 0);
    bj_val *b = bj_broadcast_to(x, 3, (const int64_t[]){2, 1, 3});
    bj_val *r = bj_repeat(b, 2, 2);
    return bj_squeeze(r, 1, (const int[]){1});
}

static void test_shape_chains(void) {
    CHECK(
        test_eval_is(1, INS(test_seq(BJ_I32, 1, SH(6))), build_chain, NULL, BJ_I32, 1, SH(10), V(2, 5, 1, 4, 0, 3, 2, 5, 2, 5)));
    CHECK(test_eval_is(1, INS(test_arr(BJ_F32, 2, SH(1, 3), V(1, 2, 3))), build_squeeze_expand, NULL, BJ_F32, 2, SH(2, 6),
                  V(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3)));
    /* a failing op inside a chain names itself */
    CHECK(eval_fails(1, INS(test_seq(BJ_I32, 1, SH(5))), build_chain, NULL, "reshape: cannot reshape i32[5]"));
}

void tests_shape(void) {
    RUN(test_shape_reshape_basic);
    RUN(test_shape_reshape_scalar_empty_rank8);
    RUN(test_shape_reshape_errors);
    RUN(test_shape_broadcast_to);
    RUN(test_shape_broadcast_to_errors);
    RUN(test_shape_transpose);
    RUN(test_shape_transpose_rank8_errors);
    RUN(test_shape_expand_dims);
    RUN(test_shape_expand_dims_errors);
    RUN(test_shape_squeeze);
    RUN(test_shape_squeeze_errors);
    RUN(test_shape_concatenate);
    RUN(test_shape_concatenate_promote);
    RUN(test_shape_concatenate_errors);
    RUN(test_shape_stack);
    RUN(test_shape_stack_errors);
    RUN(test_shape_slice_1d);
    RUN(test_shape_slice_negative_step);
    RUN(test_shape_slice_empty);
    RUN(test_shape_slice_nd);
    RUN(test_shape_slice_api);
    RUN(test_shape_slice_extremes);
    RUN(test_shape_slice_errors);
    RUN(test_shape_overflow_errors);
    RUN(test_shape_dynamic_slice);
    RUN(test_shape_dynamic_slice_nd);
    RUN(test_shape_dynamic_slice_errors);
    RUN(test_shape_dynamic_update_slice);
    RUN(test_shape_dynamic_update_slice_nd);
    RUN(test_shape_dynamic_update_slice_functional);
    RUN(test_shape_dynamic_update_slice_errors);
    RUN(test_shape_flip);
    RUN(test_shape_flip_errors);
    RUN(test_shape_tile);
    RUN(test_shape_tile_edges);
    RUN(test_shape_repeat);
    RUN(test_shape_repeat_edges);
    RUN(test_shape_chains);
}
