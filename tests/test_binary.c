/* test_binary.c — every elementwise binary op, where and clip through the interpreter: dtypes, edges, broadcasting. */
#include "test.h"

#define I64S(...) ((const int64_t[]){__VA_ARGS__})
#define BOOLS(...) ((const bool[]){__VA_ARGS__})
#define NV(a) ((int)(sizeof(a) / sizeof(double)))
#define NI(a) ((int)(sizeof(a) / sizeof(int64_t)))

#define T32 1e-6
#define T64 1e-12
#define INF INFINITY
#define PI 3.14159265358979323846
#define I32MIN (-2147483648.0)
#define I32MAX 2147483647.0
#define U32MAX 4294967295.0

static bj_array *vec_(bj_dtype d, int n, const double *v) {
    int64_t s = n;
    return test_arr(d, 1, &s, v);
}
#define VEC(d, ...) vec_(d, NV(V(__VA_ARGS__)), V(__VA_ARGS__))
static bj_array *scal(bj_dtype d, double v) { return test_arr(d, 0, NULL, &v); }

/* Runs op `name` on nin arrays (released here) and compares the result with want. */
static bool opn_(const char *name, int nin, bj_array **ins, bj_dtype rd, int rank, const int64_t *shape,
                 const double *want, double tol) {
    bj_array *r = test_op(name, NULL, nin, ins);
    bool ok = test_arr_eq(r, rd, rank, shape, want, tol);
    if (!ok) {
        printf("    (%s on", name);
        for (int i = 0; i < nin; i++) printf(" %s", ins[i] ? bj_dtype_name(bj_array_dtype(ins[i])) : "NULL");
        printf(")\n");
    }
    bj_array_release(r);
    for (int i = 0; i < nin; i++) bj_array_release(ins[i]);
    return ok;
}
#define OP2(name, a, b, rd, rank, shape, W, tol) CHECK(opn_(name, 2, INS(a, b), rd, rank, shape, W, tol))
#define OP3(name, a, b, c, rd, rank, shape, W, tol) CHECK(opn_(name, 3, INS(a, b, c), rd, rank, shape, W, tol))

/* Same-length 1-d operands: a (dtype da) op b (dtype db) == want (dtype rd). */
static bool bin1_(const char *name, bj_dtype da, int na, const double *a, bj_dtype db, int nb, const double *b,
                  bj_dtype rd, int nw, const double *want, double tol) {
    if (na != nb || na != nw) {
        printf("    (test bug: lengths %d, %d, %d)\n", na, nb, nw);
        return false;
    }
    int64_t s = na;
    return opn_(name, 2, INS(vec_(da, na, a), vec_(db, nb, b)), rd, 1, &s, want, tol);
}
#define BIN(name, da, A, db, B, rd, W, tol) CHECK(bin1_(name, da, NV(A), A, db, NV(B), B, rd, NV(W), W, tol))

/* Raw element bytes (int64 values beyond 2^53): a op b == want, n elements each. */
static bool raw2_(const char *name, bj_dtype da, const void *a, bj_dtype db, const void *b, int n, bj_dtype rd,
                  const void *want) {
    int64_t s = n;
    bj_array *ins[2] = {bj_array_new(da, 1, &s, a), bj_array_new(db, 1, &s, b)};
    bj_array *r = test_op(name, NULL, 2, ins);
    char label[96];
    snprintf(label, sizeof label, "%s on %s, %s", name, bj_dtype_name(da), bj_dtype_name(db));
    bool ok = test_bytes_eq(r, rd, n, want, label);
    bj_array_release(r);
    bj_array_release(ins[0]);
    bj_array_release(ins[1]);
    return ok;
}
#define RAW64(name, A, B, W) CHECK(NI(A) == NI(B) && NI(A) == NI(W) && raw2_(name, BJ_I64, A, BJ_I64, B, NI(A), BJ_I64, W))
#define RAW64B(name, A, B, W) CHECK(NI(A) == NI(B) && raw2_(name, BJ_I64, A, BJ_I64, B, NI(A), BJ_BOOL, W))

/* Tracing op `name` on [2] operands of dtypes da, db fails with code st and a message naming the op with sub. */
static bool bin_fails_(const char *name, bj_dtype da, int ra, const int64_t *sa, bj_dtype db, int rb,
                       const int64_t *sb, bj_status st, const char *sub) {
    bj_trace *t = bj_trace_new("fail");
    bj_val *x[2] = {bj_trace_arg(t, "a", da, ra, sa), bj_trace_arg(t, "b", db, rb, sb)};
    bj_val *y = bj_op(t, name, x, 2, NULL);
    const char *e = bj_trace_error(t);
    bool ok = !y && bj_trace_status(t) == st && e && strstr(e, name) && strstr(e, sub);
    if (!ok) printf("    %s: wanted %s with '%s', got %s (%s '%s')\n", name, bj_status_name(st), sub,
                    y ? "a value" : "NULL", bj_status_name(bj_trace_status(t)), e ? e : "");
    bj_trace_free(t);
    return ok;
}
#define REJECTS(name, da, db, sub) CHECK(bin_fails_(name, da, 1, SH(2), db, 1, SH(2), BJ_ERR_DTYPE, sub))
#define SHAPE_FAILS(name, da, ra, sa, db, rb, sb, sub) CHECK(bin_fails_(name, da, ra, sa, db, rb, sb, BJ_ERR_SHAPE, sub))

/* ---------------------------------------------------------------- arithmetic */
static void test_binary_add(void) {
    BIN("add", BJ_F32, V(1, -2.5, INF, INF, -0.0, -0.0, NAN, 3e38), BJ_F32, V(2, 0.5, 1, -INF, -0.0, 0.0, 1, 3e38),
        BJ_F32, V(3, -2, INF, NAN, -0.0, 0.0, NAN, INF), 0);
    BIN("add", BJ_F64, V(0.1, 1e308, 3e38), BJ_F64, V(0.2, 1e308, 3e38), BJ_F64, V(0.1 + 0.2, INF, 6e38), 0);
    BIN("add", BJ_I32, V(I32MAX, -5, I32MIN, 100), BJ_I32, V(1, 3, -1, -200), BJ_I32, V(I32MIN, -2, I32MAX, -100), 0);
    BIN("add", BJ_U32, V(U32MAX, 7, 2147483648.0), BJ_U32, V(1, 8, 2147483648.0), BJ_U32, V(0, 15, 0), 0);
    BIN("add", BJ_I64, V(3e12, -5), BJ_I64, V(4e12, 2), BJ_I64, V(7e12, -3), 0);
    RAW64("add", I64S(INT64_MAX, -3, INT64_MIN), I64S(1, 10, -1), I64S(INT64_MIN, 7, INT64_MAX));
    BIN("add", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 1), 0); /* or */
}

static void test_binary_sub(void) {
    BIN("sub", BJ_F32, V(5, INF, INF, 0, -0.0, NAN), BJ_F32, V(7, INF, -INF, 0, 0, 1), BJ_F32, V(-2, NAN, INF, 0, -0.0, NAN),
        0);
    BIN("sub", BJ_F64, V(0.3, -1e308), BJ_F64, V(0.1, 1e308), BJ_F64, V(0.3 - 0.1, -INF), 0);
    BIN("sub", BJ_I32, V(I32MIN, 5, I32MAX), BJ_I32, V(1, 7, -1), BJ_I32, V(I32MAX, -2, I32MIN), 0);
    BIN("sub", BJ_U32, V(0, 10, 5), BJ_U32, V(1, 3, U32MAX), BJ_U32, V(U32MAX, 7, 6), 0);
    BIN("sub", BJ_I64, V(-3e12, 5), BJ_I64, V(4e12, 7), BJ_I64, V(-7e12, -2), 0);
    RAW64("sub", I64S(INT64_MIN, 0), I64S(1, INT64_MIN), I64S(INT64_MAX, INT64_MIN));
    REJECTS("sub", BJ_BOOL, BJ_BOOL, "bool");
}

static void test_binary_mul(void) {
    BIN("mul", BJ_F32, V(0, -0.0, 3, INF, -2, 1e20), BJ_F32, V(INF, 5, -2, -1, -0.0, 1e20), BJ_F32,
        V(NAN, -0.0, -6, -INF, 0.0, INF), 0);
    BIN("mul", BJ_F64, V(0.1, 1e20), BJ_F64, V(3, 1e20), BJ_F64, V(0.1 * 3, 1e40), 0);
    BIN("mul", BJ_I32, V(65536, 46341, -3, I32MIN, I32MAX), BJ_I32, V(65536, 46341, 7, -1, 2), BJ_I32,
        V(0, -2147479015.0, -21, I32MIN, -2), 0);
    BIN("mul", BJ_U32, V(65536, U32MAX, 3), BJ_U32, V(65536, 2, 5), BJ_U32, V(0, 4294967294.0, 15), 0);
    BIN("mul", BJ_I64, V(3e6, -4), BJ_I64, V(3e6, 5), BJ_I64, V(9e12, -20), 0);
    RAW64("mul", I64S(4294967296, 3037000500, INT64_MIN), I64S(4294967296, 3037000500, -1),
          I64S(0, -9223372036709301616, INT64_MIN));
    BIN("mul", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 0, 0, 1), 0); /* and */
}

static void test_binary_div(void) {
    BIN("div", BJ_F32, V(1, -1, 0, 1, 7, INF, -0.0, 1), BJ_F32, V(0, 0, 0, -0.0, 2, INF, 5, 3), BJ_F32,
        V(INF, -INF, NAN, -INF, 3.5, NAN, -0.0, (double)(1.0f / 3.0f)), 0);
    BIN("div", BJ_F64, V(1, 1, -0.0), BJ_F64, V(3, 0, -2), BJ_F64, V(1.0 / 3, INF, 0.0), 0);
    /* true division: ints and bool give float32 */
    BIN("div", BJ_I32, V(7, -7, 1, 0, -1, I32MIN), BJ_I32, V(2, 2, 0, 0, 0, -1), BJ_F32,
        V(3.5, -3.5, INF, NAN, -INF, 2147483648.0), 0);
    BIN("div", BJ_I64, V(7, 1), BJ_I64, V(2, 4), BJ_F32, V(3.5, 0.25), 0);
    BIN("div", BJ_U32, V(U32MAX, 1), BJ_U32, V(1, 2), BJ_F32, V(4294967296.0, 0.5), 0);
    BIN("div", BJ_BOOL, V(1, 0, 1), BJ_BOOL, V(1, 1, 0), BJ_F32, V(1, 0, INF), 0);
    BIN("div", BJ_I32, V(7, 1), BJ_F64, V(2, 3), BJ_F64, V(3.5, 1.0 / 3), 0); /* computed in float64 */
}

static void test_binary_floor_divide(void) {
    BIN("floor_divide", BJ_F32, V(7, -7, 7, -7, 1, -1, 0, 7.5, 0), BJ_F32, V(2, 2, -2, -2, 0, 0, 0, 2, -1), BJ_F32,
        V(3, -4, -4, 3, INF, -INF, NAN, 3, -0.0), 0);
    BIN("floor_divide", BJ_F64, V(-7.5, 5), BJ_F64, V(2, 0.5), BJ_F64, V(-4, 10), 0);
    BIN("floor_divide", BJ_I32, V(7, -7, 7, -7, 5, I32MIN, -5, 0, 6), BJ_I32, V(2, 2, -2, -2, 0, -1, 0, 3, 3), BJ_I32,
        V(3, -4, -4, 3, 0, I32MIN, 0, 0, 2), 0);
    BIN("floor_divide", BJ_U32, V(7, U32MAX, 5, 2147483648.0), BJ_U32, V(2, 2, 0, 3), BJ_U32,
        V(3, 2147483647, 0, 715827882), 0);
    BIN("floor_divide", BJ_I64, V(-7e12, 9), BJ_I64, V(2, -4), BJ_I64, V(-3.5e12, -3), 0);
    RAW64("floor_divide", I64S(INT64_MIN, -7, 9, INT64_MIN), I64S(-1, 2, 0, 1), I64S(INT64_MIN, -4, 0, INT64_MIN));
    REJECTS("floor_divide", BJ_BOOL, BJ_BOOL, "bool");
}

static void test_binary_remainder(void) {
    /* sign of the divisor; x % 0.0 is NaN; a zero result takes the divisor's sign */
    BIN("remainder", BJ_F32, V(7, -7, 7, -7, 5.5, 6, -6, 1, INF, -0.0, 0), BJ_F32, V(3, 3, -3, -3, 2, -3, 3, 0, 3, 5, -5),
        BJ_F32, V(1, 2, -2, -1, 1.5, -0.0, 0.0, NAN, NAN, 0.0, -0.0), 0);
    BIN("remainder", BJ_F64, V(-1e-300, 5.25), BJ_F64, V(1, -2), BJ_F64, V(1, -0.75), 0);
    BIN("remainder", BJ_I32, V(7, -7, 7, -7, 5, I32MIN, 0, -6, I32MAX), BJ_I32, V(3, 3, -3, -3, 0, -1, 5, 3, -2), BJ_I32,
        V(1, 2, -2, -1, 0, 0, 0, 0, -1), 0);
    BIN("remainder", BJ_U32, V(7, U32MAX, 5), BJ_U32, V(3, 10, 0), BJ_U32, V(1, 5, 0), 0);
    BIN("remainder", BJ_I64, V(-7e12, 7), BJ_I64, V(3, -3), BJ_I64, V(2, -2), 0); /* -7e12 = -2333333333334*3 + 2 */
    RAW64("remainder", I64S(INT64_MIN, -7, INT64_MAX), I64S(-1, 3, 0), I64S(0, 2, 0));
    REJECTS("remainder", BJ_BOOL, BJ_BOOL, "bool");
}

static void test_binary_pow(void) {
    BIN("pow", BJ_F32, V(2, 2, 0, -8, NAN, 1, -2, 0, 4, -INF), BJ_F32, V(10, -1, 0, 1.0 / 3, 0, NAN, 3, -1, 0.5, 2),
        BJ_F32, V(1024, 0.5, 1, NAN, 1, 1, -8, INF, 2, INF), T32);
    BIN("pow", BJ_F64, V(2, 10), BJ_F64, V(0.5, -2), BJ_F64, V(1.4142135623730951, 0.01), 1e-15);
    /* ints by squaring, wrapping: 2^31, 2^32, 3^20 = 3486784401 */
    BIN("pow", BJ_I32, V(2, 3, -2, 0, 7, 2, 2, 3, -3), BJ_I32, V(10, 3, 3, 0, 1, 31, 32, 20, 3), BJ_I32,
        V(1024, 27, -8, 1, 7, I32MIN, 0, -808182895, -27), 0);
    /* negative exponents: 1 for base 1, +-1 for base -1, else 0 */
    BIN("pow", BJ_I32, V(1, -1, -1, 2, 0, -2, 5), BJ_I32, V(-1, -1, -2, -1, -1, -3, -2), BJ_I32, V(1, -1, 1, 0, 0, 0, 0),
        0);
    BIN("pow", BJ_U32, V(2, 2, 3, 0, 3), BJ_U32, V(31, 32, 21, 0, 20), BJ_U32,
        V(2147483648.0, 0, 1870418611, 1, 3486784401.0), 0);
    BIN("pow", BJ_I64, V(3, -1), BJ_I64, V(20, 7), BJ_I64, V(3486784401.0, -1), 0);
    RAW64("pow", I64S(3, 2, 2, -1, 1, 7), I64S(40, 63, 64, -3, -5, -1),
          I64S(-6289078614652622815, INT64_MIN, 0, -1, 1, 0));
    BIN("pow", BJ_I32, V(2, 4), BJ_F32, V(0.5, -1), BJ_F32, V(1.4142135623730951, 0.25), T32); /* promoted */
    REJECTS("pow", BJ_BOOL, BJ_BOOL, "bool");
}

static void test_binary_maximum_minimum(void) {
    BIN("maximum", BJ_F32, V(1, NAN, 3, -INF, NAN, 2), BJ_F32, V(2, 1, NAN, 0, NAN, 2), BJ_F32, V(2, NAN, NAN, 0, NAN, 2), 0);
    BIN("minimum", BJ_F32, V(1, NAN, 3, -INF, NAN, 2), BJ_F32, V(2, 1, NAN, 0, NAN, 2), BJ_F32,
        V(1, NAN, NAN, -INF, NAN, 2), 0);
    BIN("maximum", BJ_F64, V(1e-300, -1, NAN), BJ_F64, V(0, -2, 1), BJ_F64, V(1e-300, -1, NAN), 0);
    BIN("minimum", BJ_F64, V(1e-300, -1, 1), BJ_F64, V(0, -2, NAN), BJ_F64, V(0, -2, NAN), 0);
    BIN("maximum", BJ_I32, V(I32MIN, 5, -3, I32MAX), BJ_I32, V(0, 5, -4, -1), BJ_I32, V(0, 5, -3, I32MAX), 0);
    BIN("minimum", BJ_I32, V(I32MIN, 5, -3, I32MAX), BJ_I32, V(0, 5, -4, -1), BJ_I32, V(I32MIN, 5, -4, -1), 0);
    /* uint32 compares unsigned */
    BIN("maximum", BJ_U32, V(U32MAX, 0, 2147483648.0), BJ_U32, V(1, 7, 2147483647), BJ_U32, V(U32MAX, 7, 2147483648.0), 0);
    BIN("minimum", BJ_U32, V(U32MAX, 0, 2147483648.0), BJ_U32, V(1, 7, 2147483647), BJ_U32, V(1, 0, 2147483647), 0);
    RAW64("maximum", I64S(INT64_MAX, INT64_MIN, 9007199254740993), I64S(INT64_MAX - 1, 0, 9007199254740992),
          I64S(INT64_MAX, 0, 9007199254740993));
    RAW64("minimum", I64S(INT64_MAX, INT64_MIN, 9007199254740993), I64S(INT64_MAX - 1, 0, 9007199254740992),
          I64S(INT64_MAX - 1, INT64_MIN, 9007199254740992));
    BIN("maximum", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 1), 0);
    BIN("minimum", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 0, 0, 1), 0);
}

static void test_binary_atan2(void) {
    BIN("atan2", BJ_F32, V(1, 0, -0.0, 1, 0, -1, INF, NAN), BJ_F32, V(1, -1, -1, 0, 0, -1, INF, 1), BJ_F32,
        V(PI / 4, PI, -PI, PI / 2, 0, -3 * PI / 4, PI / 4, NAN), T32);
    BIN("atan2", BJ_F64, V(1, -2), BJ_F64, V(2, 0), BJ_F64, V(0.4636476090008061, -PI / 2), T64);
    BIN("atan2", BJ_I32, V(1, -1), BJ_I32, V(1, 0), BJ_F32, V(PI / 4, -PI / 2), T32);
    BIN("atan2", BJ_I64, V(0, 1), BJ_I64, V(-1, 1), BJ_F32, V(PI, PI / 4), T32);
    BIN("atan2", BJ_U32, V(1), BJ_U32, V(1), BJ_F32, V(PI / 4), T32);
    BIN("atan2", BJ_BOOL, V(1, 0), BJ_BOOL, V(0, 1), BJ_F32, V(PI / 2, 0), T32);
    BIN("atan2", BJ_F32, V(1, 1), BJ_F32, V(2, -2), BJ_F32, V((double)atan2f(1, 2), (double)atan2f(1, -2)), T32);
}

static void test_binary_hypot(void) {
    BIN("hypot", BJ_F32, V(3, 5, INF, -3, 0, NAN, 1e30), BJ_F32, V(4, 12, NAN, -4, 0, 1, 1e30), BJ_F32,
        V(5, 13, INF, 5, 0, NAN, 1.4142135623730951e30), T32); /* no overflow in the square */
    BIN("hypot", BJ_F64, V(1e200, 1), BJ_F64, V(1e200, 1), BJ_F64, V(1.4142135623730951e200, 1.4142135623730951), T64);
    BIN("hypot", BJ_I32, V(3, -5), BJ_I32, V(4, 12), BJ_F32, V(5, 13), T32);
    BIN("hypot", BJ_I64, V(8), BJ_I64, V(15), BJ_F32, V(17), T32);
    BIN("hypot", BJ_U32, V(20), BJ_U32, V(21), BJ_F32, V(29), T32);
    BIN("hypot", BJ_BOOL, V(1, 0), BJ_BOOL, V(1, 0), BJ_F32, V(1.4142135623730951, 0), T32);
}

/* ---------------------------------------------------------------- comparisons */
static void cmp_all(const char *const *ops, const double *const *want, bj_dtype da, int n, const double *a,
                    bj_dtype db, const double *b) {
    for (int k = 0; k < 6; k++) CHECK_MSG(bin1_(ops[k], da, n, a, db, n, b, BJ_BOOL, n, want[k], 0), "%s", ops[k]);
}
static const char *const CMP[6] = {"eq", "ne", "lt", "le", "gt", "ge"};

static void test_binary_compare_float(void) {
    /* NaN compares false, except ne; -0.0 == 0.0 */
    cmp_all(CMP,
            (const double *const[]){V(0, 1, 0, 0, 0, 1, 1), V(1, 0, 1, 1, 1, 0, 0), V(1, 0, 0, 0, 0, 0, 0),
                                    V(1, 1, 0, 0, 0, 1, 1), V(0, 0, 1, 0, 0, 0, 0), V(0, 1, 1, 0, 0, 1, 1)},
            BJ_F32, 7, V(1, 2, 3, NAN, NAN, -0.0, -INF), BJ_F32, V(2, 2, 1, 1, NAN, 0.0, -INF));
    cmp_all(CMP,
            (const double *const[]){V(0, 1, 0), V(1, 0, 1), V(1, 0, 0), V(1, 1, 0), V(0, 0, 0), V(0, 1, 0)},
            BJ_F64, 3, V(0.1, 1, NAN), BJ_F64, V((double)0.1f, 1, INF)); /* 0.1 != (double)0.1f: compared in f64 */
}

static void test_binary_compare_int(void) {
    cmp_all(CMP,
            (const double *const[]){V(0, 1, 0, 0), V(1, 0, 1, 1), V(1, 0, 1, 0), V(1, 1, 1, 0), V(0, 0, 0, 1),
                                    V(0, 1, 0, 1)},
            BJ_I32, 4, V(-1, 5, I32MIN, 7), BJ_I32, V(0, 5, I32MAX, -7));
    /* uint32 compares unsigned */
    cmp_all(CMP,
            (const double *const[]){V(0, 1, 0), V(1, 0, 1), V(0, 0, 1), V(0, 1, 1), V(1, 0, 0), V(1, 1, 0)},
            BJ_U32, 3, V(U32MAX, 0, 5), BJ_U32, V(1, 0, 2147483648.0));
    /* int64 compares exactly, beyond 2^53 */
    const int64_t a[] = {INT64_MAX, INT64_MIN, 9007199254740993}, b[] = {INT64_MAX - 1, INT64_MIN, 9007199254740992};
    RAW64B("eq", a, b, BOOLS(0, 1, 0));
    RAW64B("ne", a, b, BOOLS(1, 0, 1));
    RAW64B("lt", a, b, BOOLS(0, 0, 0));
    RAW64B("le", a, b, BOOLS(0, 1, 0));
    RAW64B("gt", a, b, BOOLS(1, 0, 1));
    RAW64B("ge", a, b, BOOLS(1, 1, 1));
    cmp_all(CMP,
            (const double *const[]){V(1, 0, 0, 1), V(0, 1, 1, 0), V(0, 1, 0, 0), V(1, 1, 0, 1), V(0, 0, 1, 0),
                                    V(1, 0, 1, 1)},
            BJ_BOOL, 4, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1));
}

static void test_binary_compare_mixed(void) {
    /* uint32 vs int32 compare as int64: 4294967295 is not -1 */
    cmp_all(CMP, (const double *const[]){V(0, 1), V(1, 0), V(0, 0), V(0, 1), V(1, 0), V(1, 1)}, BJ_U32, 2, V(U32MAX, 3),
            BJ_I32, V(-1, 3));
    /* int32 vs float32 compare as float: 1 < 1.5 */
    cmp_all(CMP, (const double *const[]){V(0, 1), V(1, 0), V(1, 0), V(1, 1), V(0, 0), V(0, 1)}, BJ_I32, 2, V(1, 2), BJ_F32,
            V(1.5, 2));
    BIN("lt", BJ_BOOL, V(0, 1), BJ_I32, V(1, 1), BJ_BOOL, V(1, 0), 0);
}

/* ---------------------------------------------------------------- logical */
static void test_binary_logical(void) {
    /* operands are converted to bool: NaN is true, -0.0 false; 1 and 2 are both true */
    BIN("logical_and", BJ_F32, V(0, NAN, 2, -0.0, 0.5), BJ_I32, V(1, 1, 0, 5, 2), BJ_BOOL, V(0, 1, 0, 0, 1), 0);
    BIN("logical_or", BJ_F32, V(0, NAN, 2, -0.0, 0.5), BJ_I32, V(1, 1, 0, 5, 2), BJ_BOOL, V(1, 1, 1, 1, 1), 0);
    BIN("logical_xor", BJ_F32, V(0, NAN, 2, -0.0, 0.5), BJ_I32, V(1, 1, 0, 5, 2), BJ_BOOL, V(1, 0, 1, 1, 0), 0);
    BIN("logical_and", BJ_I32, V(0, 0, 3, 1, I32MIN), BJ_I32, V(0, 4, 0, 2, -1), BJ_BOOL, V(0, 0, 0, 1, 1), 0);
    BIN("logical_or", BJ_I32, V(0, 0, 3, 1, I32MIN), BJ_I32, V(0, 4, 0, 2, -1), BJ_BOOL, V(0, 1, 1, 1, 1), 0);
    BIN("logical_xor", BJ_I32, V(0, 0, 3, 1, I32MIN), BJ_I32, V(0, 4, 0, 2, -1), BJ_BOOL, V(0, 1, 1, 0, 0), 0);
    BIN("logical_and", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 0, 0, 1), 0);
    BIN("logical_or", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 1), 0);
    BIN("logical_xor", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 0), 0);
    BIN("logical_and", BJ_U32, V(U32MAX, 0), BJ_U32, V(2, 0), BJ_BOOL, V(1, 0), 0);
    BIN("logical_xor", BJ_F64, V(1e-300, 0, NAN), BJ_F64, V(NAN, -0.0, 0), BJ_BOOL, V(0, 0, 1), 0);
    /* int64 with zero low 32 bits is still true */
    const int64_t a[] = {(int64_t)1 << 32, 0}, b[] = {1, (int64_t)1 << 33};
    RAW64B("logical_and", a, b, BOOLS(1, 0));
    RAW64B("logical_or", a, b, BOOLS(1, 1));
    RAW64B("logical_xor", a, b, BOOLS(0, 1));
}

/* ---------------------------------------------------------------- bitwise and shifts */
static void test_binary_bitwise(void) {
    BIN("bitwise_and", BJ_I32, V(12, -1, I32MIN, 0), BJ_I32, V(10, 7, -1, 0), BJ_I32, V(8, 7, I32MIN, 0), 0);
    BIN("bitwise_or", BJ_I32, V(12, -1, I32MIN, 0), BJ_I32, V(10, 7, -1, 0), BJ_I32, V(14, -1, -1, 0), 0);
    BIN("bitwise_xor", BJ_I32, V(12, -1, I32MIN, 0), BJ_I32, V(10, 7, -1, 0), BJ_I32, V(6, -8, I32MAX, 0), 0);
    BIN("bitwise_and", BJ_U32, V(U32MAX, 0xF0F0, 2147483648.0), BJ_U32, V(0xFF, 0x0FF0, 2147483648.0), BJ_U32,
        V(0xFF, 0x00F0, 2147483648.0), 0);
    BIN("bitwise_or", BJ_U32, V(U32MAX, 0xF0F0, 2147483648.0), BJ_U32, V(0xFF, 0x0FF0, 2147483648.0), BJ_U32,
        V(U32MAX, 0xFFF0, 2147483648.0), 0);
    BIN("bitwise_xor", BJ_U32, V(U32MAX, 0xF0F0, 2147483648.0), BJ_U32, V(0xFF, 0x0FF0, 2147483648.0), BJ_U32,
        V(4294967040.0, 0xFF00, 0), 0);
    const int64_t a[] = {0x100000005, -1, 0x0F0F0F0F0F0F0F0F}, b[] = {0x100000001, INT64_MIN, 0x00FF00FF00FF00FF};
    RAW64("bitwise_and", a, b, I64S(0x100000001, INT64_MIN, 0x000F000F000F000F));
    RAW64("bitwise_or", a, b, I64S(0x100000005, -1, 0x0FFF0FFF0FFF0FFF));
    RAW64("bitwise_xor", a, b, I64S(4, INT64_MAX, 0x0FF00FF00FF00FF0));
    BIN("bitwise_and", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 0, 0, 1), 0);
    BIN("bitwise_or", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 1), 0);
    BIN("bitwise_xor", BJ_BOOL, V(0, 0, 1, 1), BJ_BOOL, V(0, 1, 0, 1), BJ_BOOL, V(0, 1, 1, 0), 0);
    /* mixed: bool promotes to int32; int32 with uint32 to int64 */
    BIN("bitwise_and", BJ_I32, V(3, 3), BJ_BOOL, V(1, 0), BJ_I32, V(1, 0), 0);
    BIN("bitwise_and", BJ_I32, V(-1, -2), BJ_U32, V(U32MAX, U32MAX), BJ_I64, V(U32MAX, 4294967294.0), 0);
    /* floats are rejected, also after promotion */
    REJECTS("bitwise_and", BJ_F32, BJ_F32, "f32[2]");
    REJECTS("bitwise_or", BJ_F64, BJ_F64, "f64[2]");
    REJECTS("bitwise_xor", BJ_I32, BJ_F32, "f32[2]");
}

static void test_binary_shift_left(void) {
    /* 0 when the shift is negative or >= the width */
    BIN("shift_left", BJ_I32, V(1, 1, 1, 1, 5, -1, 3, 1), BJ_I32, V(0, 31, 32, -1, 2, 1, 30, 100), BJ_I32,
        V(1, I32MIN, 0, 0, 20, -2, -1073741824, 0), 0);
    BIN("shift_left", BJ_U32, V(1, 1, 3, U32MAX), BJ_U32, V(31, 32, 1, 4), BJ_U32, V(2147483648.0, 0, 6, 4294967280.0), 0);
    RAW64("shift_left", I64S(1, 1, 1, 3, -1, 1), I64S(63, 64, -1, 40, 63, 32),
          I64S(INT64_MIN, 0, 0, 3298534883328, INT64_MIN, 4294967296));
    BIN("shift_left", BJ_I32, V(1), BJ_U32, V(40), BJ_I64, V(1099511627776.0), 0); /* int64 after promotion */
    REJECTS("shift_left", BJ_BOOL, BJ_BOOL, "bool");
    REJECTS("shift_left", BJ_F32, BJ_I32, "f32[2]");
}

static void test_binary_shift_right(void) {
    /* arithmetic for signed: out of range gives 0 or -1 by sign */
    BIN("shift_right", BJ_I32, V(-8, -8, 8, -1, I32MIN, -5, 5, 8, -8, -5), BJ_I32, V(1, 32, 32, 40, 31, -1, -1, 3, 3, 1),
        BJ_I32, V(-4, -1, 0, -1, -1, -1, 0, 1, -1, -3), 0);
    /* logical for uint32 */
    BIN("shift_right", BJ_U32, V(U32MAX, U32MAX, U32MAX, 2147483648.0, 8), BJ_U32, V(1, 32, 31, 31, 100), BJ_U32,
        V(2147483647, 0, 1, 1, 0), 0);
    RAW64("shift_right", I64S(INT64_MIN, INT64_MIN, INT64_MAX, -1, (int64_t)1 << 40, 7), I64S(63, 64, 62, 5, 40, -3),
          I64S(-1, -1, 1, -1, 1, 0));
    REJECTS("shift_right", BJ_BOOL, BJ_BOOL, "bool");
    REJECTS("shift_right", BJ_F64, BJ_F64, "f64[2]");
}

/* ---------------------------------------------------------------- broadcasting */
static void test_binary_broadcast_scalar(void) {
    OP2("add", VEC(BJ_F32, 1, 2, 3), scal(BJ_F32, 10), BJ_F32, 1, SH(3), V(11, 12, 13), 0);
    OP2("sub", scal(BJ_F32, 10), VEC(BJ_F32, 1, 2, 3), BJ_F32, 1, SH(3), V(9, 8, 7), 0);
    OP2("sub", VEC(BJ_I32, 1, 2, 3), scal(BJ_I32, 10), BJ_I32, 1, SH(3), V(-9, -8, -7), 0);
    OP2("add", scal(BJ_F32, 2.5), scal(BJ_F32, 4), BJ_F32, 0, NULL, V(6.5), 0);
    OP2("lt", scal(BJ_I32, 2), scal(BJ_I32, 3), BJ_BOOL, 0, NULL, V(1), 0);
    OP2("mul", scal(BJ_I32, 3), scal(BJ_F64, 0.5), BJ_F64, 0, NULL, V(1.5), 0);
}

static void test_binary_broadcast_2d(void) {
    bj_array *c21 = test_arr(BJ_F32, 2, SH(2, 1), V(1, 2)), *m23 = test_arr(BJ_F32, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6));
    OP2("add", c21, VEC(BJ_F32, 10, 20, 30), BJ_F32, 2, SH(2, 3), V(11, 21, 31, 12, 22, 32), 0);
    OP2("sub", VEC(BJ_F32, 10, 20, 30), test_arr(BJ_F32, 2, SH(2, 1), V(1, 2)), BJ_F32, 2, SH(2, 3),
        V(9, 19, 29, 8, 18, 28), 0);
    OP2("add", m23, VEC(BJ_F32, 10, 20, 30), BJ_F32, 2, SH(2, 3), V(11, 22, 33, 14, 25, 36), 0);
    OP2("sub", test_arr(BJ_F32, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6)), test_arr(BJ_F32, 2, SH(2, 1), V(1, 2)), BJ_F32, 2,
        SH(2, 3), V(0, 1, 2, 2, 3, 4), 0);
    OP2("mul", test_arr(BJ_I32, 2, SH(1, 3), V(1, 2, 3)), test_arr(BJ_I32, 2, SH(2, 1), V(10, 100)), BJ_I32, 2, SH(2, 3),
        V(10, 20, 30, 100, 200, 300), 0);
    OP2("lt", test_arr(BJ_I32, 2, SH(2, 1), V(1, 5)), VEC(BJ_I32, 0, 3, 6), BJ_BOOL, 2, SH(2, 3), V(0, 1, 1, 0, 0, 1), 0);
    OP2("add", test_arr(BJ_I32, 2, SH(2, 1), V(1, 2)), VEC(BJ_F64, 0.5, 0.25, 0.125), BJ_F64, 2, SH(2, 3),
        V(1.5, 1.25, 1.125, 2.5, 2.25, 2.125), 0);
    OP2("add", VEC(BJ_F32, 5), test_arr(BJ_F32, 2, SH(2, 1), V(1, 2)), BJ_F32, 2, SH(2, 1), V(6, 7), 0);
}

/* The traced result shape is the broadcast shape, whichever operand has the lower rank. */
static bool traced_shape(int ra, const int64_t *sa, int rb, const int64_t *sb, int rw, const int64_t *sw) {
    bj_trace *t = bj_trace_new("shape");
    bj_val *a = bj_trace_arg(t, "a", BJ_F32, ra, sa), *b = bj_trace_arg(t, "b", BJ_F32, rb, sb);
    bj_val *ys[3] = {bj_add(a, b), bj_sub(b, a), bj_where(b, a, 0.0)};
    bool ok = true;
    for (int k = 0; k < 3; k++) {
        bool good = ys[k] && bj_val_rank(ys[k]) == rw && (!rw || !memcmp(bj_val_shape(ys[k]), sw, sizeof(int64_t) * (size_t)rw));
        if (!good) printf("    result %d: %s\n", k, ys[k] ? "wrong shape" : bj_trace_error(t));
        ok &= good;
    }
    bj_trace_free(t);
    return ok;
}

static void test_binary_broadcast_trace_shapes(void) {
    CHECK(traced_shape(1, SH(3), 2, SH(2, 1), 2, SH(2, 3)));
    CHECK(traced_shape(2, SH(2, 1), 1, SH(3), 2, SH(2, 3)));
    CHECK(traced_shape(1, SH(1), 2, SH(2, 1), 2, SH(2, 1)));
    CHECK(traced_shape(1, SH(3), 3, SH(4, 1, 1), 3, SH(4, 1, 3)));
    CHECK(traced_shape(0, NULL, 2, SH(2, 3), 2, SH(2, 3)));
    CHECK(traced_shape(2, SH(2, 3), 0, NULL, 2, SH(2, 3)));
    CHECK(traced_shape(2, SH(1, 3), 3, SH(2, 1, 1), 3, SH(2, 1, 3)));
    CHECK(traced_shape(1, SH(0), 2, SH(2, 1), 2, SH(2, 0)));
}

static void test_binary_broadcast_3d(void) {
    /* [2,1,2] with [3,1] -> [2,3,2]: out[i,j,k] = a[i,0,k] + b[j,0] */
    OP2("add", test_arr(BJ_F64, 3, SH(2, 1, 2), V(1, 2, 3, 4)), test_arr(BJ_F64, 2, SH(3, 1), V(10, 20, 30)), BJ_F64, 3,
        SH(2, 3, 2), V(11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34), 0);
    OP2("maximum", test_arr(BJ_I64, 3, SH(1, 2, 1), V(5, -5)), test_arr(BJ_I64, 1, SH(3), V(0, 7, -7)), BJ_I64, 3,
        SH(1, 2, 3), V(5, 7, 5, 0, 7, -5), 0);
}

static void test_binary_broadcast_zero_size(void) {
    OP2("add", test_arr(BJ_F32, 2, SH(0, 3), V(0)), VEC(BJ_F32, 1, 2, 3), BJ_F32, 2, SH(0, 3), V(0), 0);
    OP2("add", test_arr(BJ_F32, 2, SH(2, 1), V(1, 2)), test_arr(BJ_F32, 1, SH(0), V(0)), BJ_F32, 2, SH(2, 0), V(0), 0);
    OP2("mul", test_arr(BJ_I32, 1, SH(0), V(0)), scal(BJ_I32, 3), BJ_I32, 1, SH(0), V(0), 0);
    OP2("sub", test_arr(BJ_F64, 1, SH(1), V(1)), test_arr(BJ_F64, 1, SH(0), V(0)), BJ_F64, 1, SH(0), V(0), 0);
    OP2("lt", test_arr(BJ_I32, 1, SH(0), V(0)), scal(BJ_F32, 3), BJ_BOOL, 1, SH(0), V(0), 0);
}

static void test_binary_broadcast_errors(void) {
    SHAPE_FAILS("add", BJ_F32, 1, SH(3), BJ_F32, 1, SH(4), "f32[3] and f32[4]");
    SHAPE_FAILS("mul", BJ_F32, 2, SH(2, 3), BJ_F32, 1, SH(2), "f32[2,3] and f32[2]");
    SHAPE_FAILS("sub", BJ_I32, 1, SH(3), BJ_F32, 1, SH(2), "i32[3] and f32[2]");
    SHAPE_FAILS("add", BJ_F32, 1, SH(0), BJ_F32, 1, SH(2), "f32[0] and f32[2]");
    SHAPE_FAILS("eq", BJ_F64, 2, SH(2, 3), BJ_F64, 2, SH(3, 2), "f64[2,3] and f64[3,2]");
    /* the C entry with a scalar is fine, two arrays are not */
    bj_trace *t = bj_trace_new("bad");
    bj_val *a = bj_trace_arg(t, "a", BJ_F32, 1, SH(3)), *b = bj_trace_arg(t, "b", BJ_F32, 1, SH(4));
    CHECK(bj_add(a, 1.0) != NULL);
    CHECK(bj_add(a, b) == NULL && bj_trace_status(t) == BJ_ERR_SHAPE);
    CHECK(strstr(bj_trace_error(t), "f32[3] and f32[4]") != NULL);
    bj_trace_free(t);
}

/* ---------------------------------------------------------------- mixed dtypes */
static void test_binary_mixed_dtypes(void) {
    BIN("add", BJ_I32, V(1, -2), BJ_F32, V(0.5, 0.25), BJ_F32, V(1.5, -1.75), 0);
    BIN("add", BJ_I32, V(-1, 5), BJ_U32, V(U32MAX, 1), BJ_I64, V(4294967294.0, 6), 0);
    BIN("mul", BJ_I32, V(65536, -3), BJ_I64, V(65536, 3), BJ_I64, V(4294967296.0, -9), 0); /* no int32 wrap */
    BIN("add", BJ_BOOL, V(1, 0), BJ_I32, V(5, 5), BJ_I32, V(6, 5), 0);
    BIN("add", BJ_U32, V(U32MAX), BJ_F64, V(0.5), BJ_F64, V(4294967295.5), 0);
    BIN("add", BJ_F32, V(0.1), BJ_F64, V(0), BJ_F64, V((double)0.1f), 0);
    BIN("sub", BJ_I64, V(3), BJ_F32, V(0.5), BJ_F32, V(2.5), 0);
    BIN("maximum", BJ_I32, V(3, 1), BJ_F32, V(2.5, 1.5), BJ_F32, V(3, 1.5), 0);
    BIN("add", BJ_I64, V(1), BJ_U32, V(U32MAX), BJ_I64, V(4294967296.0), 0);
    BIN("mul", BJ_BOOL, V(1, 0), BJ_F64, V(2.5, 2.5), BJ_F64, V(2.5, 0), 0);
    BIN("floor_divide", BJ_I32, V(-7), BJ_F32, V(2), BJ_F32, V(-4), 0);
    BIN("remainder", BJ_U32, V(7), BJ_I32, V(-3), BJ_I64, V(-2), 0);
}

/* Promotion is explicit in the graph: operands are cast to the compute dtype. */
static void test_binary_casts_inserted(void) {
    static const struct {
        bj_dtype a, b;
        int nodes;
    } cases[] = {{BJ_F32, BJ_F32, 3}, {BJ_I32, BJ_F32, 4}, {BJ_I32, BJ_U32, 5}, {BJ_BOOL, BJ_I64, 4}};
    for (int k = 0; k < 4; k++) {
        bj_trace *t = bj_trace_new("casts");
        bj_val *a = bj_trace_arg(t, "a", cases[k].a, 1, SH(2)), *b = bj_trace_arg(t, "b", cases[k].b, 1, SH(2));
        bj_val *y = bj_add(a, b);
        bj_graph *g = bj_trace_finish(t, &y, 1);
        CHECK(g != NULL);
        if (!g) continue;
        char *s = bj_graph_to_string(g);
        CHECK_MSG(bj_graph_num_nodes(g) == cases[k].nodes, "%s + %s: %d nodes, want %d", bj_dtype_name(cases[k].a),
                  bj_dtype_name(cases[k].b), bj_graph_num_nodes(g), cases[k].nodes);
        CHECK(s && (strstr(s, "= astype") != NULL) == (cases[k].nodes > 3));
        bj_free(s);
        bj_graph_release(g);
    }
}

/* ---------------------------------------------------------------- C scalars on either side */
typedef struct {
    bj_val *(*fn)(bj_in, bj_in);
    bj_in s;
    bool left;
} lit_call;
static bj_val *build_lit(bj_trace *t, bj_val **args, void *ud) {
    (void)t;
    const lit_call *c = ud;
    return c->left ? c->fn(c->s, bj_in_val(args[0])) : c->fn(bj_in_val(args[0]), c->s);
}

static bool lit_(bj_val *(*fn)(bj_in, bj_in), bool left, bj_in s, bj_dtype d, int n, const double *x, bj_dtype rd,
                 int nw, const double *want, double tol) {
    if (n != nw) return printf("    (test bug: %d inputs, %d expected)\n", n, nw), false;
    int64_t sh = n;
    bj_array *a = test_arr(d, 1, &sh, x);
    bj_array *r = test_eval(1, &a, build_lit, &(lit_call){fn, s, left});
    bool ok = test_arr_eq(r, rd, 1, &sh, want, tol);
    bj_array_release(r);
    bj_array_release(a);
    return ok;
}
/* x op s and s op x */
#define RLIT(fn, d, X, s, rd, W, tol) CHECK(lit_(bj_##fn##_in, false, BJ_IN(s), d, NV(X), X, rd, NV(W), W, tol))
#define LLIT(fn, s, d, X, rd, W, tol) CHECK(lit_(bj_##fn##_in, true, BJ_IN(s), d, NV(X), X, rd, NV(W), W, tol))

static void test_binary_scalars_float(void) {
    RLIT(add, BJ_F32, V(1, 2), 0.5, BJ_F32, V(1.5, 2.5), 0);
    LLIT(add, 0.5, BJ_F32, V(1, 2), BJ_F32, V(1.5, 2.5), 0);
    RLIT(sub, BJ_F32, V(1, 2), 10, BJ_F32, V(-9, -8), 0);
    LLIT(sub, 10, BJ_F32, V(1, 2), BJ_F32, V(9, 8), 0);
    LLIT(mul, 2, BJ_F32, V(1.5, -2), BJ_F32, V(3, -4), 0);
    LLIT(div, 1.0, BJ_F32, V(2, 4, 0), BJ_F32, V(0.5, 0.25, INF), 0);
    RLIT(div, BJ_F32, V(2, 4), 4.0, BJ_F32, V(0.5, 1), 0);
    RLIT(maximum, BJ_F32, V(NAN, -1, 2), 0.0, BJ_F32, V(NAN, 0, 2), 0);
    LLIT(minimum, 0.0, BJ_F32, V(NAN, -1, 2), BJ_F32, V(NAN, -1, 0), 0);
    RLIT(pow, BJ_F64, V(4, 2), 0.5, BJ_F64, V(2, 1.4142135623730951), 1e-15);
    LLIT(pow, 2.0, BJ_F32, V(3, -1), BJ_F32, V(8, 0.5), 0);
    RLIT(mul, BJ_F32, V(2, -3), (bool)true, BJ_F32, V(2, -3), 0);
    RLIT(logical_and, BJ_F32, V(0, 2), (bool)true, BJ_BOOL, V(0, 1), 0);
    LLIT(atan2, 1, BJ_I32, V(1, -1), BJ_F32, V(PI / 4, 3 * PI / 4), T32);
}

static void test_binary_scalars_int(void) {
    LLIT(pow, 2, BJ_I32, V(0, 1, 2, 3), BJ_I32, V(1, 2, 4, 8), 0);
    RLIT(pow, BJ_I32, V(0, 1, 2, 3), 2, BJ_I32, V(0, 1, 4, 9), 0);
    RLIT(pow, BJ_I32, V(0, 1, 2, 4), 0.5, BJ_F32, V(0, 1, 1.4142135623730951, 2), T32);
    RLIT(div, BJ_I32, V(1, 2, 3), 2, BJ_F32, V(0.5, 1, 1.5), 0);
    RLIT(floor_divide, BJ_I32, V(7, -7), 2, BJ_I32, V(3, -4), 0);
    LLIT(floor_divide, -7, BJ_I32, V(2, -2), BJ_I32, V(-4, 3), 0);
    RLIT(remainder, BJ_I32, V(-7, 7), 3, BJ_I32, V(2, 1), 0);
    LLIT(remainder, 7, BJ_I32, V(-3, 3), BJ_I32, V(-2, 1), 0);
    RLIT(lt, BJ_I32, V(0, 1), 0.5, BJ_BOOL, V(1, 0), 0); /* compared as float, not 0.5 -> 0 */
    LLIT(gt, 0.5, BJ_I32, V(0, 1), BJ_BOOL, V(1, 0), 0);
    RLIT(eq, BJ_U32, V(U32MAX, 0), 4294967295u, BJ_BOOL, V(1, 0), 0);
    LLIT(shift_left, 1, BJ_I32, V(0, 1, 31, 32), BJ_I32, V(1, 2, I32MIN, 0), 0);
    RLIT(shift_right, BJ_I32, V(-16, 16), 2, BJ_I32, V(-4, 4), 0);
    RLIT(bitwise_and, BJ_U32, V(U32MAX, 256), 0xFF, BJ_U32, V(255, 0), 0);
    RLIT(add, BJ_BOOL, V(1, 0), 1, BJ_I32, V(2, 1), 0);
    RLIT(add, BJ_I64, V(1, -1), 3000000000LL, BJ_I64, V(3000000001.0, 2999999999.0), 0);
    RLIT(sub, BJ_U32, V(5, 20), 10, BJ_U32, V(4294967291.0, 10), 0);
    LLIT(sub, 0, BJ_I32, V(I32MIN, 5), BJ_I32, V(I32MIN, -5), 0);
}

/* ---------------------------------------------------------------- where */
static void test_binary_where_cond(void) {
    bj_array *x = VEC(BJ_F32, 1, 2, 3), *y = VEC(BJ_F32, 10, 20, 30);
    OP3("where", VEC(BJ_BOOL, 1, 0, 1), bj_array_retain(x), bj_array_retain(y), BJ_F32, 1, SH(3), V(1, 20, 3), 0);
    OP3("where", VEC(BJ_I32, 0, 2, -1), bj_array_retain(x), bj_array_retain(y), BJ_F32, 1, SH(3), V(10, 2, 3), 0);
    OP3("where", VEC(BJ_F32, NAN, 0, -0.0), bj_array_retain(x), bj_array_retain(y), BJ_F32, 1, SH(3), V(1, 20, 30), 0);
    OP3("where", VEC(BJ_U32, U32MAX, 0, 1), bj_array_retain(x), bj_array_retain(y), BJ_F32, 1, SH(3), V(1, 20, 3), 0);
    OP3("where", VEC(BJ_I64, 4294967296.0, 0, 0), bj_array_retain(x), bj_array_retain(y), BJ_F32, 1, SH(3),
        V(1, 20, 30), 0);
    OP3("where", VEC(BJ_F64, 0, 1e-300, 0), x, y, BJ_F32, 1, SH(3), V(10, 2, 30), 0);
}

static void test_binary_where_promote(void) {
    OP3("where", VEC(BJ_BOOL, 1, 0), VEC(BJ_I32, 1, 2), VEC(BJ_F32, 0.5, 0.25), BJ_F32, 1, SH(2), V(1, 0.25), 0);
    OP3("where", VEC(BJ_BOOL, 1, 0), VEC(BJ_I32, -1, -1), VEC(BJ_I64, 7, 7), BJ_I64, 1, SH(2), V(-1, 7), 0);
    OP3("where", VEC(BJ_BOOL, 1, 0), VEC(BJ_U32, U32MAX, 0), VEC(BJ_I32, -1, -1), BJ_I64, 1, SH(2), V(U32MAX, -1), 0);
    OP3("where", VEC(BJ_BOOL, 0, 1), VEC(BJ_BOOL, 1, 1), VEC(BJ_BOOL, 0, 0), BJ_BOOL, 1, SH(2), V(0, 1), 0);
    OP3("where", VEC(BJ_I32, 1, 0), VEC(BJ_F64, 0.1, 0.1), VEC(BJ_F32, 0.1, 0.1), BJ_F64, 1, SH(2), V(0.1, (double)0.1f),
        0);
}

static void test_binary_where_broadcast(void) {
    OP3("where", test_arr(BJ_BOOL, 2, SH(2, 1), V(1, 0)), VEC(BJ_F32, 1, 2, 3), scal(BJ_F32, 9), BJ_F32, 2, SH(2, 3),
        V(1, 2, 3, 9, 9, 9), 0);
    OP3("where", scal(BJ_BOOL, 1), test_arr(BJ_I32, 2, SH(2, 1), V(1, 2)), VEC(BJ_I32, 7, 8, 9), BJ_I32, 2, SH(2, 3),
        V(1, 1, 1, 2, 2, 2), 0);
    OP3("where", VEC(BJ_BOOL, 0, 1, 0), test_arr(BJ_F64, 2, SH(2, 1), V(1, 2)), test_arr(BJ_F64, 2, SH(2, 3), V(10, 20, 30, 40, 50, 60)),
        BJ_F64, 2, SH(2, 3), V(10, 1, 30, 40, 2, 60), 0);
    OP3("where", test_arr(BJ_BOOL, 1, SH(0), V(0)), scal(BJ_F32, 1), scal(BJ_F32, 2), BJ_F32, 1, SH(0), V(0), 0);
    OP3("where", scal(BJ_BOOL, 0), scal(BJ_F32, 1), scal(BJ_F32, 2), BJ_F32, 0, NULL, V(2), 0);
    /* shape mismatch */
    bj_trace *t = bj_trace_new("wbad");
    bj_val *c = bj_trace_arg(t, "c", BJ_BOOL, 1, SH(3)), *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(3));
    bj_val *y = bj_trace_arg(t, "y", BJ_F32, 1, SH(4));
    CHECK(bj_where(c, x, y) == NULL && bj_trace_status(t) == BJ_ERR_SHAPE);
    CHECK(strstr(bj_trace_error(t), "where") && strstr(bj_trace_error(t), "f32[3] and f32[4]"));
    bj_trace_free(t);
}

typedef struct {
    int kind;
} where_ud;
static bj_val *build_where(bj_trace *t, bj_val **a, void *ud) {
    (void)t;
    switch (((const where_ud *)ud)->kind) {
    case 0: return bj_where(a[0], a[1], 0.0); /* f32 x stays f32 */
    case 1: return bj_where(a[0], 1, 0);      /* two weak ints: int32 */
    case 2: return bj_where(a[0], a[1], -1);  /* int cond, f32 x */
    case 3: return bj_where(a[0], a[2], 0.5); /* i32 x with a float literal: float32 */
    default: return bj_where(a[0], 2.5, a[2]);
    }
}

static void test_binary_where_scalars(void) {
    bj_array *ins[3] = {VEC(BJ_I32, 1, 0, -3), VEC(BJ_F32, 1.5, 2.5, 3.5), VEC(BJ_I32, 7, 8, 9)};
    static const double want[5][3] = {{1.5, 0, 3.5}, {1, 0, 1}, {1.5, -1, 3.5}, {7, 0.5, 9}, {2.5, 8, 2.5}};
    static const bj_dtype wd[5] = {BJ_F32, BJ_I32, BJ_F32, BJ_F32, BJ_F32};
    for (int k = 0; k < 5; k++) {
        bj_array *r = test_eval(3, ins, build_where, &(where_ud){k});
        CHECK_MSG(test_arr_eq(r, wd[k], 1, SH(3), want[k], 0), "where case %d", k);
        bj_array_release(r);
    }
    for (int i = 0; i < 3; i++) bj_array_release(ins[i]);
}

/* ---------------------------------------------------------------- clip */
static void test_binary_clip(void) {
    OP3("clip", VEC(BJ_F32, -2, 0.5, 3, NAN), scal(BJ_F32, 0), scal(BJ_F32, 1), BJ_F32, 1, SH(4), V(0, 0.5, 1, NAN), 0);
    OP3("clip", VEC(BJ_F32, 5, -5, 2), scal(BJ_F32, 3), scal(BJ_F32, 1), BJ_F32, 1, SH(3), V(1, 1, 1), 0); /* lo > hi */
    OP3("clip", VEC(BJ_F64, 1, 2), scal(BJ_F64, NAN), scal(BJ_F64, 5), BJ_F64, 1, SH(2), V(NAN, NAN), 0);
    OP3("clip", VEC(BJ_F64, 1, 9), scal(BJ_F64, 2), scal(BJ_F64, NAN), BJ_F64, 1, SH(2), V(NAN, NAN), 0);
    OP3("clip", VEC(BJ_I32, -5, 5, 15), scal(BJ_I32, 0), scal(BJ_I32, 10), BJ_I32, 1, SH(3), V(0, 5, 10), 0);
    OP3("clip", VEC(BJ_I64, -5, 5), scal(BJ_I64, 0), scal(BJ_I64, 3), BJ_I64, 1, SH(2), V(0, 3), 0);
    OP3("clip", VEC(BJ_U32, U32MAX, 3, 0), scal(BJ_U32, 1), scal(BJ_U32, 5), BJ_U32, 1, SH(3), V(5, 3, 1), 0);
    OP3("clip", VEC(BJ_BOOL, 0, 1, 1, 0), VEC(BJ_BOOL, 1, 0, 0, 0), VEC(BJ_BOOL, 1, 1, 0, 0), BJ_BOOL, 1, SH(4),
        V(1, 1, 0, 0), 0);
}

static void test_binary_clip_promote_broadcast(void) {
    OP3("clip", VEC(BJ_I32, 0, 5), scal(BJ_F32, 0.5), scal(BJ_F32, 2.5), BJ_F32, 1, SH(2), V(0.5, 2.5), 0);
    /* uint32 with int32 bounds: int64, so -1 stays -1 */
    OP3("clip", VEC(BJ_U32, U32MAX, 3, 0), scal(BJ_I32, -1), scal(BJ_I32, 5), BJ_I64, 1, SH(3), V(5, 3, 0), 0);
    OP3("clip", VEC(BJ_I32, 1, 9), scal(BJ_I32, 2), scal(BJ_F64, 7.5), BJ_F64, 1, SH(2), V(2, 7.5), 0);
    OP3("clip", test_arr(BJ_F32, 2, SH(2, 1), V(0, 10)), VEC(BJ_F32, 1, 2, 3), scal(BJ_F32, 5), BJ_F32, 2, SH(2, 3),
        V(1, 2, 3, 5, 5, 5), 0);
    OP3("clip", scal(BJ_F32, 4), VEC(BJ_F32, 1, 5), test_arr(BJ_F32, 2, SH(2, 1), V(3, 9)), BJ_F32, 2, SH(2, 2),
        V(3, 3, 4, 5), 0);
}

typedef struct {
    int kind;
} clip_ud;
static bj_val *build_clip(bj_trace *t, bj_val **a, void *ud) {
    (void)t;
    switch (((const clip_ud *)ud)->kind) {
    case 0: return bj_clip(a[0], 0, 10);    /* int32 stays int32 */
    case 1: return bj_clip(a[1], 0.0, 1.0); /* float32 stays float32 */
    case 2: return bj_clip(a[0], 0.5, 2);   /* int32 with a float literal: float32 */
    default: return bj_clip(a[1], a[0], 2); /* float32 with int32 bounds: float32 */
    }
}

static void test_binary_clip_scalars(void) {
    bj_array *ins[2] = {VEC(BJ_I32, -5, 5, 15), VEC(BJ_F32, -0.5, 0.25, 7)};
    static const double want[4][3] = {{0, 5, 10}, {0, 0.25, 1}, {0.5, 2, 2}, {-0.5, 2, 2}};
    static const bj_dtype wd[4] = {BJ_I32, BJ_F32, BJ_F32, BJ_F32};
    for (int k = 0; k < 4; k++) {
        bj_array *r = test_eval(2, ins, build_clip, &(clip_ud){k});
        CHECK_MSG(test_arr_eq(r, wd[k], 1, SH(3), want[k], 0), "clip case %d", k);
        bj_array_release(r);
    }
    bj_array_release(ins[0]);
    bj_array_release(ins[1]);
}

/* ---------------------------------------------------------------- the C entry points match bj_op by name */
typedef struct {
    bj_val *(*fn)(bj_in, bj_in);
} c2_call;
static bj_val *build_c2(bj_trace *t, bj_val **a, void *ud) {
    (void)t;
    return ((const c2_call *)ud)->fn(bj_in_val(a[0]), bj_in_val(a[1]));
}

static void test_binary_c_api(void) {
    static const struct {
        const char *name;
        bj_val *(*fn)(bj_in, bj_in);
    } fns[] = {{"add", bj_add_in},           {"sub", bj_sub_in},
               {"mul", bj_mul_in},           {"div", bj_div_in},
               {"floor_divide", bj_floor_divide_in}, {"remainder", bj_remainder_in},
               {"pow", bj_pow_in},           {"maximum", bj_maximum_in},
               {"minimum", bj_minimum_in},   {"atan2", bj_atan2_in},
               {"hypot", bj_hypot_in},       {"eq", bj_eq_in},
               {"ne", bj_ne_in},             {"lt", bj_lt_in},
               {"le", bj_le_in},             {"gt", bj_gt_in},
               {"ge", bj_ge_in},             {"logical_and", bj_logical_and_in},
               {"logical_or", bj_logical_or_in}, {"logical_xor", bj_logical_xor_in},
               {"bitwise_and", bj_bitwise_and_in}, {"bitwise_or", bj_bitwise_or_in},
               {"bitwise_xor", bj_bitwise_xor_in}, {"shift_left", bj_shift_left_in},
               {"shift_right", bj_shift_right_in}};
    int n = (int)(sizeof fns / sizeof *fns);
    CHECK(n == 25);
    for (int k = 0; k < n; k++) {
        bj_array *ins[2] = {VEC(BJ_I32, 7, -7, 3, 0, 12), VEC(BJ_I32, 2, 3, 3, 5, 10)};
        bj_array *a = test_eval(2, ins, build_c2, &(c2_call){fns[k].fn});
        bj_array *b = test_op(fns[k].name, NULL, 2, ins);
        bool same = a && b && bj_array_dtype(a) == bj_array_dtype(b) && bj_array_size(a) == 5 &&
                    !memcmp(bj_array_data(a), bj_array_data(b), bj_array_nbytes(a));
        CHECK_MSG(same, "bj_%s and bj_op(\"%s\") differ", fns[k].name, fns[k].name);
        bj_array_release(a);
        bj_array_release(b);
        bj_array_release(ins[0]);
        bj_array_release(ins[1]);
    }
}

void tests_binary(void) {
    RUN(test_binary_add);
    RUN(test_binary_sub);
    RUN(test_binary_mul);
    RUN(test_binary_div);
    RUN(test_binary_floor_divide);
    RUN(test_binary_remainder);
    RUN(test_binary_pow);
    RUN(test_binary_maximum_minimum);
    RUN(test_binary_atan2);
    RUN(test_binary_hypot);
    RUN(test_binary_compare_float);
    RUN(test_binary_compare_int);
    RUN(test_binary_compare_mixed);
    RUN(test_binary_logical);
    RUN(test_binary_bitwise);
    RUN(test_binary_shift_left);
    RUN(test_binary_shift_right);
    RUN(test_binary_broadcast_scalar);
    RUN(test_binary_broadcast_2d);
    RUN(test_binary_broadcast_trace_shapes);
    RUN(test_binary_broadcast_3d);
    RUN(test_binary_broadcast_zero_size);
    RUN(test_binary_broadcast_errors);
    RUN(test_binary_mixed_dtypes);
    RUN(test_binary_casts_inserted);
    RUN(test_binary_scalars_float);
    RUN(test_binary_scalars_int);
    RUN(test_binary_where_cond);
    RUN(test_binary_where_promote);
    RUN(test_binary_where_broadcast);
    RUN(test_binary_where_scalars);
    RUN(test_binary_clip);
    RUN(test_binary_clip_promote_broadcast);
    RUN(test_binary_clip_scalars);
    RUN(test_binary_c_api);
}
