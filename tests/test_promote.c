/* test_promote.c — type promotion: the strong table, weak/strong and weak/weak joins, C scalars as weak literals. */
#include "test.h"


static const bj_dtype ALL_DT[] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};

/* The strong join, written out by hand: row a, column b, in the order bool i32 i64 u32 f32 f64. */
static const bj_dtype STRONG[6][6] = {
    /*          bool     i32      i64      u32      f32      f64 */
    /* bool */ {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64},
    /* i32  */ {BJ_I32, BJ_I32, BJ_I64, BJ_I64, BJ_F32, BJ_F64},
    /* i64  */ {BJ_I64, BJ_I64, BJ_I64, BJ_I64, BJ_F32, BJ_F64},
    /* u32  */ {BJ_U32, BJ_I64, BJ_I64, BJ_U32, BJ_F32, BJ_F64},
    /* f32  */ {BJ_F32, BJ_F32, BJ_F32, BJ_F32, BJ_F32, BJ_F64},
    /* f64  */ {BJ_F64, BJ_F64, BJ_F64, BJ_F64, BJ_F64, BJ_F64},
};

/* bj_promote(a, aw, b, bw) gives (want, want_weak); out_weak starts at the opposite value so that it must be set. */
static bool promotes(bj_dtype a, bool aw, bj_dtype b, bool bw, bj_dtype want, bool want_weak) {
    bool weak = !want_weak;
    bj_dtype r = bj_promote(a, aw, b, bw, &weak);
    if (r == want && weak == want_weak) return true;
    printf("    promote(%s%s, %s%s) = %s%s, want %s%s\n", bj_dtype_name(a), aw ? " weak" : "", bj_dtype_name(b),
           bw ? " weak" : "", bj_dtype_name(r), weak ? " weak" : "", bj_dtype_name(want), want_weak ? " weak" : "");
    return false;
}

static void test_promote_strong_table(void) {
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) CHECK(promotes(ALL_DT[i], false, ALL_DT[j], false, STRONG[i][j], false));
    /* a few entries spelled out, in case the table above shares a mistake with the code */
    CHECK(bj_promote(BJ_I32, false, BJ_U32, false, NULL) == BJ_I64);
    CHECK(bj_promote(BJ_U32, false, BJ_I64, false, NULL) == BJ_I64);
    CHECK(bj_promote(BJ_I64, false, BJ_F32, false, NULL) == BJ_F32);
    CHECK(bj_promote(BJ_F32, false, BJ_F64, false, NULL) == BJ_F64);
    CHECK(bj_promote(BJ_BOOL, false, BJ_U32, false, NULL) == BJ_U32);
}

static void test_promote_strong_symmetric(void) {
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            bool w1 = true, w2 = true;
            bj_dtype r1 = bj_promote(ALL_DT[i], false, ALL_DT[j], false, &w1);
            bj_dtype r2 = bj_promote(ALL_DT[j], false, ALL_DT[i], false, &w2);
            CHECK_MSG(r1 == r2 && !w1 && !w2, "%s|%s", bj_dtype_name(ALL_DT[i]), bj_dtype_name(ALL_DT[j]));
        }
}

/* Weak operand w against strong s: the strong dtype when w's class (bool < int < float) is not higher, else the
 * weak class's default, still weak. Checked in both operand orders. */
static bool weak_strong(bj_dtype w, bj_dtype s, bj_dtype want, bool want_weak) {
    return promotes(w, true, s, false, want, want_weak) && promotes(s, false, w, true, want, want_weak);
}

static void test_promote_weak_bool(void) {
    CHECK(weak_strong(BJ_BOOL, BJ_BOOL, BJ_BOOL, false));
    CHECK(weak_strong(BJ_BOOL, BJ_I32, BJ_I32, false));
    CHECK(weak_strong(BJ_BOOL, BJ_I64, BJ_I64, false));
    CHECK(weak_strong(BJ_BOOL, BJ_U32, BJ_U32, false));
    CHECK(weak_strong(BJ_BOOL, BJ_F32, BJ_F32, false));
    CHECK(weak_strong(BJ_BOOL, BJ_F64, BJ_F64, false));
}

static void test_promote_weak_int(void) {
    CHECK(weak_strong(BJ_I32, BJ_BOOL, BJ_I32, true)); /* weak int with strong bool: int32, weak */
    CHECK(weak_strong(BJ_I32, BJ_I32, BJ_I32, false));
    CHECK(weak_strong(BJ_I32, BJ_I64, BJ_I64, false));
    CHECK(weak_strong(BJ_I32, BJ_U32, BJ_U32, false)); /* not int64: the weak int adopts uint32 */
    CHECK(weak_strong(BJ_I32, BJ_F32, BJ_F32, false));
    CHECK(weak_strong(BJ_I32, BJ_F64, BJ_F64, false));
    /* a weak int64 (a big C integer) is still only "an int": it adopts the strong int dtype */
    CHECK(weak_strong(BJ_I64, BJ_I32, BJ_I32, false));
    CHECK(weak_strong(BJ_I64, BJ_U32, BJ_U32, false));
    CHECK(weak_strong(BJ_I64, BJ_F32, BJ_F32, false));
}

static void test_promote_weak_float(void) {
    CHECK(weak_strong(BJ_F32, BJ_BOOL, BJ_F32, true));
    CHECK(weak_strong(BJ_F32, BJ_I32, BJ_F32, true));
    CHECK(weak_strong(BJ_F32, BJ_I64, BJ_F32, true)); /* not float64: the weak float default is float32 */
    CHECK(weak_strong(BJ_F32, BJ_U32, BJ_F32, true));
    CHECK(weak_strong(BJ_F32, BJ_F32, BJ_F32, false));
    CHECK(weak_strong(BJ_F32, BJ_F64, BJ_F64, false)); /* float64 x * 0.5 stays float64 */
    CHECK(weak_strong(BJ_F64, BJ_F32, BJ_F32, false)); /* a weak float adopts the strong float's width */
}

static void test_promote_weak_weak(void) {
    CHECK(promotes(BJ_I32, true, BJ_F32, true, BJ_F32, true));
    CHECK(promotes(BJ_F32, true, BJ_I32, true, BJ_F32, true));
    CHECK(promotes(BJ_BOOL, true, BJ_I32, true, BJ_I32, true));
    CHECK(promotes(BJ_I32, true, BJ_I32, true, BJ_I32, true));
    CHECK(promotes(BJ_I32, true, BJ_I64, true, BJ_I64, true));
    CHECK(promotes(BJ_F32, true, BJ_F32, true, BJ_F32, true));
    CHECK(promotes(BJ_F32, true, BJ_F64, true, BJ_F64, true));
    CHECK(promotes(BJ_BOOL, true, BJ_BOOL, true, BJ_BOOL, true));
    CHECK(promotes(BJ_BOOL, true, BJ_F32, true, BJ_F32, true));
}

static void test_promote_invalid_dtype(void) {
    bj_clear_error();
    bool w = true;
    bj_dtype r = bj_promote(BJ_NDTYPES, false, BJ_F32, false, &w);
    CHECK((unsigned)r >= BJ_NDTYPES);
    CHECK(bj_last_error()[0] != '\0');
    bj_clear_error();
    r = bj_promote(BJ_I32, false, (bj_dtype)77, true, NULL);
    CHECK((unsigned)r >= BJ_NDTYPES);
    CHECK(bj_last_error()[0] != '\0');
}

/* ---------------------------------------------------------------- literals and traces */
static void test_promote_literal_kinds(void) {
    bj_trace *t = bj_trace_new("lits");
    bj_val *a = bj_lit_f64(t, 0.5, true), *b = bj_lit_f64(t, 0.5, false);
    bj_val *c = bj_lit_i64(t, 7, true), *d = bj_lit_i64(t, (int64_t)1 << 40, true), *e = bj_lit_i64(t, 7, false);
    bj_val *f = bj_lit_bool(t, true), *g = bj_lit(t, BJ_U32, 5);
    CHECK(bj_val_dtype(a) == BJ_F32 && bj_val_weak(a));
    CHECK(bj_val_dtype(b) == BJ_F64 && !bj_val_weak(b));
    CHECK(bj_val_dtype(c) == BJ_I32 && bj_val_weak(c));
    CHECK(bj_val_dtype(d) == BJ_I64 && bj_val_weak(d)); /* does not fit int32 */
    CHECK(!bj_val_weak(e));
    CHECK(bj_val_dtype(f) == BJ_BOOL && !bj_val_weak(f));
    CHECK(bj_val_dtype(g) == BJ_U32 && !bj_val_weak(g));
    CHECK(bj_val_rank(a) == 0 && bj_val_rank(d) == 0);
    bj_trace_free(t);
}

/* x * 0.5 for x of every dtype: floats keep their dtype (strong); bool and ints become weak float32. */
static void test_promote_trace_mul_half(void) {
    static const bj_dtype want[6] = {BJ_F32, BJ_F32, BJ_F32, BJ_F32, BJ_F32, BJ_F64};
    static const bool want_weak[6] = {true, true, true, true, false, false};
    for (int i = 0; i < 6; i++) {
        bj_trace *t = bj_trace_new("mulhalf");
        bj_val *x = bj_trace_arg(t, "x", ALL_DT[i], 1, SH(3));
        bj_val *y = bj_mul(x, 0.5), *z = bj_mul(0.5, x);
        CHECK_MSG(y && bj_val_dtype(y) == want[i] && bj_val_weak(y) == want_weak[i], "%s * 0.5",
                  bj_dtype_name(ALL_DT[i]));
        CHECK_MSG(z && bj_val_dtype(z) == want[i] && bj_val_weak(z) == want_weak[i], "0.5 * %s",
                  bj_dtype_name(ALL_DT[i]));
        CHECK(y && bj_val_rank(y) == 1 && bj_val_shape(y)[0] == 3);
        bj_trace_free(t);
    }
}

/* x + 2 for x of every dtype: the int literal adopts every dtype but bool (then: weak int32). */
static void test_promote_trace_add_two(void) {
    static const bj_dtype want[6] = {BJ_I32, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};
    static const bool want_weak[6] = {true, false, false, false, false, false};
    for (int i = 0; i < 6; i++) {
        bj_trace *t = bj_trace_new("addtwo");
        bj_val *x = bj_trace_arg(t, "x", ALL_DT[i], 2, SH(2, 2));
        bj_val *y = bj_add(x, 2), *z = bj_add(2, x);
        CHECK_MSG(y && bj_val_dtype(y) == want[i] && bj_val_weak(y) == want_weak[i], "%s + 2",
                  bj_dtype_name(ALL_DT[i]));
        CHECK_MSG(z && bj_val_dtype(z) == want[i] && bj_val_weak(z) == want_weak[i], "2 + %s",
                  bj_dtype_name(ALL_DT[i]));
        bj_trace_free(t);
    }
}

/* Strong traced operands of every pair of dtypes join as the table (bj_add; bool + bool is "or"). */
static void test_promote_trace_strong_pairs(void) {
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            bj_trace *t = bj_trace_new("pairs");
            bj_val *a = bj_trace_arg(t, "a", ALL_DT[i], 1, SH(2)), *b = bj_trace_arg(t, "b", ALL_DT[j], 0, NULL);
            bj_val *y = bj_add(a, b);
            CHECK_MSG(y && bj_val_dtype(y) == STRONG[i][j] && !bj_val_weak(y), "%s + %s",
                      bj_dtype_name(ALL_DT[i]), bj_dtype_name(ALL_DT[j]));
            bj_trace_free(t);
        }
}

/* Other ops: comparisons are strong bool; div of ints is float32 (strong for an int literal, weak for a float). */
static void test_promote_trace_other_ops(void) {
    bj_trace *t = bj_trace_new("other");
    bj_val *x = bj_trace_arg(t, "x", BJ_I32, 1, SH(3)), *f = bj_trace_arg(t, "f", BJ_F64, 1, SH(3));
    bj_val *y;
    y = bj_lt(x, 0.5);
    CHECK(y && bj_val_dtype(y) == BJ_BOOL && !bj_val_weak(y));
    y = bj_div(x, 2);
    CHECK(y && bj_val_dtype(y) == BJ_F32 && !bj_val_weak(y));
    y = bj_div(x, 0.5);
    CHECK(y && bj_val_dtype(y) == BJ_F32 && bj_val_weak(y));
    y = bj_maximum(f, 1);
    CHECK(y && bj_val_dtype(y) == BJ_F64 && !bj_val_weak(y));
    y = bj_pow(2, x);
    CHECK(y && bj_val_dtype(y) == BJ_I32 && !bj_val_weak(y));
    y = bj_where(x, 1, 0.5); /* cond is not promoted with the values: two weak literals give a weak float32 */
    CHECK(y && bj_val_dtype(y) == BJ_F32 && bj_val_weak(y) && bj_val_rank(y) == 1);
    y = bj_where(x, f, 0.5);
    CHECK(y && bj_val_dtype(y) == BJ_F64 && !bj_val_weak(y));
    y = bj_clip(x, 0, 10);
    CHECK(y && bj_val_dtype(y) == BJ_I32 && !bj_val_weak(y));
    y = bj_clip(x, 0.5, 10);
    CHECK(y && bj_val_dtype(y) == BJ_F32 && bj_val_weak(y));
    y = bj_add(x, (bool)true); /* a C bool is a strong bool literal */
    CHECK(y && bj_val_dtype(y) == BJ_I32 && !bj_val_weak(y));
    bj_val *p = bj_trace_arg(t, "p", BJ_BOOL, 1, SH(3));
    y = bj_logical_or(p, (bool)false);
    CHECK(y && bj_val_dtype(y) == BJ_BOOL && !bj_val_weak(y));
    y = bj_add(p, (bool)true); /* bool + bool literal stays bool (an int literal would give weak int32) */
    CHECK(y && bj_val_dtype(y) == BJ_BOOL && !bj_val_weak(y));
    CHECK(bj_trace_status(t) == BJ_OK);
    bj_trace_free(t);
}

/* A weak result keeps behaving as weak in later ops. */
static void test_promote_weak_chain(void) {
    bj_trace *t = bj_trace_new("chain");
    bj_val *x = bj_trace_arg(t, "x", BJ_I32, 1, SH(2)), *d = bj_trace_arg(t, "d", BJ_F64, 1, SH(2));
    bj_val *s = bj_trace_arg(t, "s", BJ_F32, 1, SH(2)), *j = bj_trace_arg(t, "j", BJ_I64, 1, SH(2));
    bj_val *h = bj_mul(x, 0.5); /* weak float32 */
    CHECK(h && bj_val_dtype(h) == BJ_F32 && bj_val_weak(h));
    bj_val *y = bj_add(h, d);
    CHECK(y && bj_val_dtype(y) == BJ_F64 && !bj_val_weak(y));
    y = bj_add(h, s);
    CHECK(y && bj_val_dtype(y) == BJ_F32 && !bj_val_weak(y));
    y = bj_add(h, j); /* weak float over a strong int: still weak float32 */
    CHECK(y && bj_val_dtype(y) == BJ_F32 && bj_val_weak(y));
    y = bj_add(h, 1);
    CHECK(y && bj_val_dtype(y) == BJ_F32 && bj_val_weak(y));
    bj_trace_free(t);
}

/* Runs x <op> (C scalar) by a build function; x dtype d, two elements. */
typedef struct {
    bj_val *(*fn)(bj_in, bj_in);
    bj_in s;
} lit_call;
static bj_val *build_lit(bj_trace *t, bj_val **args, void *ud) {
    (void)t;
    const lit_call *c = ud;
    return c->fn(bj_in_val(args[0]), c->s);
}

static bool lit_fails(bj_dtype d, bj_in s, const char *sub) {
    bj_array *x = test_arr(d, 1, SH(2), V(1, 2));
    bj_clear_error();
    bj_array *r = test_eval(1, &x, build_lit, &(lit_call){bj_add_in, s});
    bool ok = !r && strstr(bj_last_error(), sub) && strstr(bj_last_error(), "add");
    if (!ok) printf("    wanted a failure with '%s', got %s ('%s')\n", sub, r ? "a result" : "NULL", bj_last_error());
    bj_array_release(r);
    bj_array_release(x);
    return ok;
}

static void test_promote_literal_range(void) {
    CHECK(lit_fails(BJ_U32, BJ_IN(-1), "literal -1 does not fit in uint32"));
    CHECK(lit_fails(BJ_U32, BJ_IN(4294967296LL), "literal 4294967296 does not fit in uint32"));
    CHECK(lit_fails(BJ_I32, BJ_IN(2147483648LL), "literal 2147483648 does not fit in int32"));
    CHECK(lit_fails(BJ_I32, BJ_IN(-3000000000LL), "literal -3000000000 does not fit in int32"));
    /* and the trace itself records it */
    bj_trace *t = bj_trace_new("range");
    bj_val *x = bj_trace_arg(t, "x", BJ_U32, 1, SH(2));
    CHECK(bj_add(x, -1) == NULL);
    CHECK(bj_trace_status(t) == BJ_ERR_DTYPE);
    CHECK(strstr(bj_trace_error(t), "literal -1 does not fit in uint32") != NULL);
    bj_trace_free(t);
    /* the limits themselves fit */
    t = bj_trace_new("range2");
    bj_val *u = bj_trace_arg(t, "u", BJ_U32, 1, SH(2)), *i = bj_trace_arg(t, "i", BJ_I32, 1, SH(2));
    bj_val *l = bj_trace_arg(t, "l", BJ_I64, 1, SH(2));
    bj_val *y = bj_add(u, 4294967295LL);
    CHECK(y && bj_val_dtype(y) == BJ_U32);
    y = bj_add(u, 0);
    CHECK(y && bj_val_dtype(y) == BJ_U32);
    y = bj_add(i, -2147483648LL);
    CHECK(y && bj_val_dtype(y) == BJ_I32);
    y = bj_add(i, 2147483647);
    CHECK(y && bj_val_dtype(y) == BJ_I32);
    y = bj_add(l, 3000000000LL);
    CHECK(y && bj_val_dtype(y) == BJ_I64);
    y = bj_mul(u, -1.5); /* a negative float literal is fine: it promotes to float32 */
    CHECK(y && bj_val_dtype(y) == BJ_F32);
    CHECK(bj_trace_status(t) == BJ_OK);
    bj_trace_free(t);
}

/* Computes x <op> s through the interpreter and compares (dtype rd, two elements). */
static bool lit_eval(bj_val *(*fn)(bj_in, bj_in), bj_dtype d, const double *x, bj_in s, bj_dtype rd,
                     const double *want, double tol) {
    bj_array *a = test_arr(d, 1, SH(2), x);
    bj_array *r = test_eval(1, &a, build_lit, &(lit_call){fn, s});
    bool ok = test_arr_eq(r, rd, 1, SH(2), want, tol);
    bj_array_release(r);
    bj_array_release(a);
    return ok;
}

static void test_promote_values(void) {
    CHECK(lit_eval(bj_mul_in, BJ_F32, V(3, -2.5), BJ_IN(0.5), BJ_F32, V(1.5, -1.25), 0));
    CHECK(lit_eval(bj_mul_in, BJ_I32, V(3, -5), BJ_IN(0.5), BJ_F32, V(1.5, -2.5), 0));
    CHECK(lit_eval(bj_mul_in, BJ_U32, V(4294967295.0, 2), BJ_IN(0.5), BJ_F32, V(2147483648.0, 1), 0));
    CHECK(lit_eval(bj_mul_in, BJ_BOOL, V(1, 0), BJ_IN(0.5), BJ_F32, V(0.5, 0), 0));
    CHECK(lit_eval(bj_add_in, BJ_I32, V(3, 2147483647.0), BJ_IN(2), BJ_I32, V(5, -2147483647.0), 0)); /* wraps */
    CHECK(lit_eval(bj_add_in, BJ_U32, V(4294967295.0, 5), BJ_IN(1), BJ_U32, V(0, 6), 0));
    CHECK(lit_eval(bj_add_in, BJ_U32, V(1, 5), BJ_IN(4294967295LL), BJ_U32, V(0, 4), 0));
    CHECK(lit_eval(bj_add_in, BJ_BOOL, V(1, 0), BJ_IN(2), BJ_I32, V(3, 2), 0));
    CHECK(lit_eval(bj_add_in, BJ_I64, V(1, -1), BJ_IN(3000000000LL), BJ_I64, V(3000000001.0, 2999999999.0), 0));
    CHECK(lit_eval(bj_add_in, BJ_F32, V(1, 0), BJ_IN(0.1), BJ_F32, V((double)(1.0f + 0.1f), (double)0.1f), 1e-7));
    CHECK(lit_eval(bj_sub_in, BJ_I32, V(1, 5), BJ_IN(10), BJ_I32, V(-9, -5), 0));
    CHECK(lit_eval(bj_div_in, BJ_I32, V(7, -1), BJ_IN(2), BJ_F32, V(3.5, -0.5), 0));
}

/* A float64 operand with a C double: the literal must keep double precision (0.1 is not 0.1f; 1e300 is finite). */
static void test_promote_f64_literal_precision(void) {
    CHECK(lit_eval(bj_mul_in, BJ_F64, V(1, 3), BJ_IN(0.1), BJ_F64, V(0.1, 3 * 0.1), 1e-15));
    CHECK(lit_eval(bj_add_in, BJ_F64, V(0, 1e300), BJ_IN(1e300), BJ_F64, V(1e300, 2e300), 1e-15));
    CHECK(lit_eval(bj_add_in, BJ_F64, V(0, 1), BJ_IN(1e-300), BJ_F64, V(1e-300, 1), 0));
}

/* A weak intermediate joined with a strong float64 operand: values computed as the types say. */
static bj_val *build_chain(bj_trace *t, bj_val **args, void *ud) {
    (void)t, (void)ud;
    return bj_add(bj_mul(args[0], 0.5), args[1]); /* i32 * 0.5 -> weak f32; + f64 -> f64 */
}

static void test_promote_chain_values(void) {
    bj_array *ins[2] = {test_arr(BJ_I32, 1, SH(3), V(1, 3, -4)), test_arr(BJ_F64, 1, SH(3), V(0.25, 0.5, 1e-12))};
    bj_array *r = test_eval(2, ins, build_chain, NULL);
    CHECK(test_arr_eq(r, BJ_F64, 1, SH(3), V(0.75, 2.0, -2.0 + 1e-12), 1e-15));
    bj_array_release(r);
    bj_array_release(ins[0]);
    bj_array_release(ins[1]);
}

void tests_promote(void) {
    RUN(test_promote_strong_table);
    RUN(test_promote_strong_symmetric);
    RUN(test_promote_weak_bool);
    RUN(test_promote_weak_int);
    RUN(test_promote_weak_float);
    RUN(test_promote_weak_weak);
    RUN(test_promote_invalid_dtype);
    RUN(test_promote_literal_kinds);
    RUN(test_promote_trace_mul_half);
    RUN(test_promote_trace_add_two);
    RUN(test_promote_trace_strong_pairs);
    RUN(test_promote_trace_other_ops);
    RUN(test_promote_weak_chain);
    RUN(test_promote_literal_range);
    RUN(test_promote_values);
    RUN(test_promote_f64_literal_precision);
    RUN(test_promote_chain_values);
}
