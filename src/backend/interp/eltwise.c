/* eltwise.c — the interpreter's elementwise ops: literals, constants, creation, casts, and every unary, binary and
 * ternary op with NumPy broadcasting. Each op is defined on one value at a time in the three domains of interp.h:
 * integers and bools in int64, float32 in float, float64 in double. No C undefined behaviour: wrapping arithmetic
 * is unsigned, divisions and shifts are guarded, float -> int conversions saturate. */
#include "backend/interp/interp.h"
#include "core/bjmath.h"

#include <math.h>

/* ---------------------------------------------------------------- integer and bool kernels
 * Values arrive exact in int64 (int32, uint32 and bool fit); results are stored with interp_put_i, which wraps to
 * the dtype. The low 32 bits of a wrapped 64-bit sum/product/shift are those of the 32-bit one, so one kernel
 * serves every width. Bools are 0/1: add and max give "or", mul and min give "and" once stored as x != 0. */
static uint64_t u64(int64_t x) { return (uint64_t)x; }
static int width(bj_dtype d) { return d == BJ_I64 ? 64 : 32; }

static bool int_unary(ir_op op, bj_dtype d, int64_t x, int64_t *r) {
    switch (op) {
    case IR_NEG: *r = core_wrap_i64(0 - u64(x)); break;              /* uint32: 2^32 - x after the wrap */
    case IR_ABS: *r = x < 0 ? core_wrap_i64(0 - u64(x)) : x; break; /* abs(INT_MIN) wraps to INT_MIN */
    case IR_SIGN: *r = (x > 0) - (x < 0); break;
    case IR_SQUARE: *r = core_wrap_i64(u64(x) * u64(x)); break;
    case IR_FLOOR: case IR_CEIL: case IR_ROUND: case IR_TRUNC: case IR_STOP_GRADIENT: *r = x; break;
    case IR_BITWISE_NOT: *r = d == BJ_BOOL ? !x : core_wrap_i64(~u64(x)); break;
    default: return false;
    }
    return true;
}

/* Python floor division; x // 0 == 0 as numpy; b == -1 is negation, which wraps INT_MIN // -1 to INT_MIN. */
static int64_t int_floordiv(int64_t a, int64_t b) {
    if (b == 0) return 0;
    if (b == -1) return core_wrap_i64(0 - u64(a));
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0)) q--;
    return q;
}

/* Remainder with the sign of the divisor; x % 0 == 0 as numpy; x % -1 == 0 (avoids INT64_MIN % -1 in C). */
static int64_t int_mod(int64_t a, int64_t b) {
    if (b == 0 || b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && (r < 0) != (b < 0)) r += b;
    return r;
}

/* Exponentiation by squaring, wrapping; a negative exponent gives the integer part of 1 / a^|b|. */
static int64_t int_pow(int64_t a, int64_t b) {
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((u64(b) & 1) ? -1 : 1) : 0;
    uint64_t r = 1, base = u64(a);
    for (uint64_t e = u64(b); e; e >>= 1, base *= base)
        if (e & 1) r *= base;
    return core_wrap_i64(r);
}

static int64_t int_shl(bj_dtype d, int64_t a, int64_t b) {
    if (b < 0 || b >= width(d)) return 0;
    return core_wrap_i64(u64(a) << b);
}

/* Arithmetic for signed ints (uint32 values are never negative here, so it is logical for them); a shift count
 * out of range fills with the sign. A negative x shifts as ~(~x >> b), avoiding the implementation-defined >>. */
static int64_t int_shr(bj_dtype d, int64_t a, int64_t b) {
    if (b < 0 || b >= width(d)) return a < 0 ? -1 : 0;
    if (a >= 0) return a >> b;
    return core_wrap_i64(~(~u64(a) >> b));
}

static bool int_binary(ir_op op, bj_dtype d, int64_t a, int64_t b, int64_t *r) {
    switch (op) {
    case IR_ADD: *r = core_wrap_i64(u64(a) + u64(b)); break;
    case IR_SUB: *r = core_wrap_i64(u64(a) - u64(b)); break;
    case IR_MUL: *r = core_wrap_i64(u64(a) * u64(b)); break;
    case IR_FLOOR_DIVIDE: *r = int_floordiv(a, b); break;
    case IR_REMAINDER: *r = int_mod(a, b); break;
    case IR_POW: *r = int_pow(a, b); break;
    case IR_MAXIMUM: *r = a >= b ? a : b; break;
    case IR_MINIMUM: *r = a <= b ? a : b; break;
    case IR_BITWISE_AND: *r = core_wrap_i64(u64(a) & u64(b)); break;
    case IR_BITWISE_OR: *r = core_wrap_i64(u64(a) | u64(b)); break;
    case IR_BITWISE_XOR: *r = core_wrap_i64(u64(a) ^ u64(b)); break;
    case IR_SHIFT_LEFT: *r = int_shl(d, a, b); break;
    case IR_SHIFT_RIGHT: *r = int_shr(d, a, b); break;
    default: return false;
    }
    return true;
}

/* ---------------------------------------------------------------- float kernels
 * One definition for float (T float, S f: expf ...) and double (S empty: exp ...), so that float32 is computed in
 * float with the float libm functions. exp, log, tanh and sigmoid use brainjit's own functions of bjmath.h instead
 * (B f32 or f64: bj_exp_f32 ...), which the generated code shares, so that both give the same bits. Products and
 * sums are separate expressions where it matters, so that no compiler contracts them into an fma. */
#define DEFINE_FLOAT_KERNELS(T, S, B)                                                                                 \
    /* remainder with the sign of the divisor, as numpy: x % 0 is NaN, a zero result takes the divisor's sign */     \
    static T T##_mod(T a, T b) {                                                                                      \
        T r = fmod##S(a, b);                                                                                          \
        if (r != 0 && (r < 0) != (b < 0)) r += b;                                                                     \
        else if (r == 0) r = copysign##S(0, b);                                                                       \
        return r;                                                                                                     \
    }                                                                                                                 \
    /* IEEE 754-2019 maximum / minimum (NumPy, JAX): NaN if either operand is NaN; a tie of zeros gives +0 for max  \
     * and -0 for min, in either order */                                                                             \
    static T T##_max(T a, T b) {                                                                                      \
        if (isnan(a) || isnan(b)) return a + b;                                                                       \
        return a > b ? a : b > a ? b : signbit(a) ? b : a;                                                            \
    }                                                                                                                 \
    static T T##_min(T a, T b) {                                                                                      \
        if (isnan(a) || isnan(b)) return a + b;                                                                       \
        return a < b ? a : b < a ? b : signbit(a) ? a : b;                                                            \
    }                                                                                                                 \
    static bool T##_unary(ir_op op, T x, T *r) {                                                                      \
        switch (op) {                                                                                                 \
        case IR_NEG: *r = -x; break;                                                                                  \
        case IR_STOP_GRADIENT: *r = x; break;                                                                         \
        case IR_ABS: *r = fabs##S(x); break;                                                                          \
        case IR_SIGN: *r = x > 0 ? (T)1 : x < 0 ? (T)-1 : x; break; /* keeps NaN and the sign of zero */             \
        case IR_EXP: *r = bj_exp_##B(x); break;                                                                       \
        case IR_EXP2: *r = exp2##S(x); break;                                                                         \
        case IR_EXPM1: *r = expm1##S(x); break;                                                                       \
        case IR_LOG: *r = bj_log_##B(x); break;                                                                       \
        case IR_LOG1P: *r = log1p##S(x); break;                                                                       \
        case IR_LOG2: *r = log2##S(x); break;                                                                         \
        case IR_SQRT: *r = sqrt##S(x); break;                                                                         \
        case IR_RSQRT: *r = (T)1 / sqrt##S(x); break;                                                                 \
        case IR_SQUARE: *r = x * x; break;                                                                            \
        case IR_RECIPROCAL: *r = (T)1 / x; break;                                                                     \
        case IR_SIN: *r = sin##S(x); break;                                                                           \
        case IR_COS: *r = cos##S(x); break;                                                                           \
        case IR_TAN: *r = tan##S(x); break;                                                                           \
        case IR_TANH: *r = bj_tanh_##B(x); break;                                                                     \
        case IR_SINH: *r = sinh##S(x); break;                                                                         \
        case IR_COSH: *r = cosh##S(x); break;                                                                         \
        case IR_ARCSIN: *r = asin##S(x); break;                                                                       \
        case IR_ARCCOS: *r = acos##S(x); break;                                                                       \
        case IR_ARCTAN: *r = atan##S(x); break;                                                                       \
        case IR_SIGMOID: *r = (T)1 / ((T)1 + bj_exp_##B(-x)); break;                                                  \
        case IR_FLOOR: *r = floor##S(x); break;                                                                       \
        case IR_CEIL: *r = ceil##S(x); break;                                                                         \
        case IR_ROUND: *r = nearbyint##S(x); break; /* default rounding mode: half to even */                        \
        case IR_TRUNC: *r = trunc##S(x); break;                                                                       \
        default: return false;                                                                                        \
        }                                                                                                             \
        return true;                                                                                                  \
    }                                                                                                                 \
    static bool T##_binary(ir_op op, T a, T b, T *r) {                                                                \
        switch (op) {                                                                                                 \
        case IR_ADD: *r = a + b; break;                                                                               \
        case IR_SUB: *r = a - b; break;                                                                               \
        case IR_MUL: *r = a * b; break;                                                                               \
        case IR_DIV: *r = a / b; break;                                                                               \
        case IR_FLOOR_DIVIDE: *r = floor##S(a / b); break;                                                            \
        case IR_REMAINDER: *r = T##_mod(a, b); break;                                                                 \
        case IR_POW: *r = pow##S(a, b); break;                                                                        \
        case IR_MAXIMUM: *r = T##_max(a, b); break;                                                                   \
        case IR_MINIMUM: *r = T##_min(a, b); break;                                                                   \
        case IR_ATAN2: *r = atan2##S(a, b); break;                                                                    \
        case IR_HYPOT: *r = hypot##S(a, b); break;                                                                    \
        default: return false;                                                                                        \
        }                                                                                                             \
        return true;                                                                                                  \
    }
DEFINE_FLOAT_KERNELS(float, f, f32)
DEFINE_FLOAT_KERNELS(double, , f64)
#undef DEFINE_FLOAT_KERNELS

/* ---------------------------------------------------------------- comparisons and predicates (bool results) */
#define DEFINE_COMPARE(name, T)                                                                                       \
    static bool name(ir_op op, T a, T b, bool *r) {                                                                   \
        switch (op) {                                                                                                 \
        case IR_EQ: *r = a == b; break;                                                                               \
        case IR_NE: *r = a != b; break;                                                                               \
        case IR_LT: *r = a < b; break;                                                                                \
        case IR_LE: *r = a <= b; break;                                                                               \
        case IR_GT: *r = a > b; break;                                                                                \
        case IR_GE: *r = a >= b; break;                                                                               \
        case IR_LOGICAL_AND: *r = a != 0 && b != 0; break;                                                            \
        case IR_LOGICAL_OR: *r = a != 0 || b != 0; break;                                                             \
        case IR_LOGICAL_XOR: *r = (a != 0) != (b != 0); break;                                                        \
        default: return false;                                                                                        \
        }                                                                                                             \
        return true;                                                                                                  \
    }
/* Integers compare exactly in int64; floats in double, which holds every float32 exactly (IEEE: NaN compares
 * false except with ne). */
DEFINE_COMPARE(int_compare, int64_t)
DEFINE_COMPARE(float_compare, double)
#undef DEFINE_COMPARE

static bool predicate(ir_op op, const bj_array *x, int64_t i, bool *r) {
    bool isint = interp_domain_of(x->dtype) == INTERP_INT;
    double v = isint ? 0 : interp_get_f(x, i);
    switch (op) {
    case IR_ISNAN: *r = !isint && isnan(v); break;
    case IR_ISINF: *r = !isint && isinf(v); break;
    case IR_ISFINITE: *r = isint || isfinite(v); break;
    case IR_LOGICAL_NOT: *r = isint ? interp_get_i(x, i) == 0 : v == 0; break;
    default: return false;
    }
    return true;
}

/* ---------------------------------------------------------------- element application */
bool interp_apply2(ir_op op, bj_array *dst, int64_t di, const bj_array *a, int64_t ai, const bj_array *b,
                   int64_t bi) {
    switch (interp_domain_of(dst->dtype)) {
    case INTERP_INT: {
        int64_t r;
        if (!int_binary(op, dst->dtype, interp_get_i(a, ai), interp_get_i(b, bi), &r)) return false;
        interp_put_i(dst, di, r);
        return true;
    }
    case INTERP_F32: return float_binary(op, INTERP_F32P(a)[ai], INTERP_F32P(b)[bi], &INTERP_F32P(dst)[di]);
    default: return double_binary(op, INTERP_F64P(a)[ai], INTERP_F64P(b)[bi], &INTERP_F64P(dst)[di]);
    }
}

static bool apply1(ir_op op, bj_array *dst, int64_t i, const bj_array *x) {
    switch (interp_domain_of(x->dtype)) {
    case INTERP_INT: {
        int64_t r;
        if (!int_unary(op, x->dtype, interp_get_i(x, i), &r)) return false;
        interp_put_i(dst, i, r);
        return true;
    }
    case INTERP_F32: return float_unary(op, INTERP_F32P(x)[i], &INTERP_F32P(dst)[i]);
    default: return double_unary(op, INTERP_F64P(x)[i], &INTERP_F64P(dst)[i]);
    }
}

static bool compare2(ir_op op, bool *r, const bj_array *a, int64_t ai, const bj_array *b, int64_t bi) {
    if (interp_domain_of(a->dtype) == INTERP_INT) return int_compare(op, interp_get_i(a, ai), interp_get_i(b, bi), r);
    return float_compare(op, interp_get_f(a, ai), interp_get_f(b, bi), r);
}

/* One element of astype: int -> int wraps, int -> float rounds once, float -> int saturates (NaN -> 0),
 * -> bool is x != 0 (NaN is true), bool -> x is 0/1. */
static void cast1(bj_array *out, int64_t i, const bj_array *x, int64_t xi) {
    if (interp_domain_of(x->dtype) == INTERP_INT) interp_put_i(out, i, interp_get_i(x, xi));
    else core_store_f64(out->dtype, out->data, i, interp_get_f(x, xi));
}

static bj_status undefined_for(const ir_node *n, const bj_array *x) {
    return interp_fail(n, "not defined on %s operands", bj_dtype_name(x->dtype));
}

/* ---------------------------------------------------------------- ops by kind */
static bj_status unary(const ir_node *n, const bj_array *x, bj_array *out) {
    ir_op op = (ir_op)n->op;
    bool cmp = ir_ops[op].flags & F_CMP;
    for (int64_t i = 0; i < out->size; i++) {
        bool ok;
        if (op == IR_CAST) cast1(out, i, x, i), ok = true;
        else if (cmp) ok = predicate(op, x, i, &((bool *)out->data)[i]);
        else ok = apply1(op, out, i, x);
        if (!ok) return undefined_for(n, x);
    }
    return BJ_OK;
}

static bj_status binary(const ir_node *n, bj_array *const *in, bj_array *out) {
    ir_op op = (ir_op)n->op;
    bool cmp = ir_ops[op].flags & F_CMP;
    interp_iter it;
    interp_iter_init(&it, out->rank, out->shape);
    interp_iter_bcast(&it, in[0]);
    interp_iter_bcast(&it, in[1]);
    for (int64_t i = 0; i < out->size; i++, interp_iter_next(&it)) {
        bool ok = cmp ? compare2(op, &((bool *)out->data)[i], in[0], it.off[0], in[1], it.off[1])
                      : interp_apply2(op, out, i, in[0], it.off[0], in[1], it.off[1]);
        if (!ok) return undefined_for(n, in[0]);
    }
    return BJ_OK;
}

/* where(c, x, y) copies bytes; clip(x, lo, hi) = minimum(maximum(x, lo), hi), NaN rules included. */
static bj_status ternary(const ir_node *n, bj_array *const *in, bj_array *out) {
    interp_iter it;
    interp_iter_init(&it, out->rank, out->shape);
    for (int k = 0; k < 3; k++) interp_iter_bcast(&it, in[k]);
    size_t es = bj_dtype_size(out->dtype);
    for (int64_t i = 0; i < out->size; i++, interp_iter_next(&it)) {
        if (n->op == IR_WHERE) {
            int k = ((const bool *)in[0]->data)[it.off[0]] ? 1 : 2;
            memcpy((char *)out->data + (size_t)i * es, (const char *)in[k]->data + (size_t)it.off[k] * es, es);
        } else if (!interp_apply2(IR_MAXIMUM, out, i, in[0], it.off[0], in[1], it.off[1]) ||
                   !interp_apply2(IR_MINIMUM, out, i, out, i, in[2], it.off[2])) {
            return undefined_for(n, in[0]);
        }
    }
    return BJ_OK;
}

static bj_status create(const ir_node *n, bj_array *out) {
    switch ((ir_op)n->op) {
    case IR_LIT: /* the value lives in fval for floats, exactly in ival for bool and ints */
        if (out->dtype == BJ_F32) INTERP_F32P(out)[0] = (float)n->fval;
        else if (out->dtype == BJ_F64) INTERP_F64P(out)[0] = n->fval;
        else interp_put_i(out, 0, n->ival);
        return BJ_OK;
    case IR_CONST:
        if (n->nbytes != out->nbytes) return interp_fail(n, "holds %zu bytes, its type %zu", n->nbytes, out->nbytes);
        if (out->nbytes) memcpy(out->data, n->data, out->nbytes);
        return BJ_OK;
    case IR_FULL:
        for (int64_t i = 0; i < out->size; i++) core_store_f64(out->dtype, out->data, i, n->fval);
        return BJ_OK;
    case IR_IOTA: {
        interp_iter it;
        interp_iter_init(&it, out->rank, out->shape);
        for (int64_t i = 0; i < out->size; i++, interp_iter_next(&it)) interp_put_i(out, i, it.idx[n->attr[0]]);
        return BJ_OK;
    }
    default: return interp_fail(n, "not an elementwise op");
    }
}

/* Elementwise operands must broadcast to the node's shape (the builders' normalisation; checked, not assumed). */
static bool fits(const bj_array *a, const bj_array *out) {
    if (a->rank > out->rank) return false;
    for (int k = 0; k < a->rank; k++) {
        int64_t d = a->shape[k], o = out->shape[k + out->rank - a->rank];
        if (d != o && d != 1) return false;
    }
    return true;
}

bj_status interp_eltwise(const ir_node *n, bj_array *const *in, bj_array *out) {
    ir_kind kind = ir_ops[n->op].kind;
    if (kind == IR_K_CONST || kind == IR_K_CREATE) return create(n, out);
    for (int k = 0; k < n->nin; k++)
        if (!fits(in[k], out) || (kind == IR_K_UNARY && in[k]->size != out->size))
            return interp_fail(n, "operand %d does not broadcast to the result", k);
    /* the compute-dtype invariants of build.c: operands share a dtype (where's condition is bool), which is also
     * the result's unless the op casts or compares; flagged ops only see the dtypes they accept */
    int first = n->op == IR_WHERE ? 1 : 0, fl = ir_ops[n->op].flags;
    bj_dtype d = in[first]->dtype;
    for (int k = first + 1; k < n->nin; k++)
        if (in[k]->dtype != d) return interp_fail(n, "operands have different dtypes");
    bool logical = n->op == IR_LOGICAL_NOT || n->op == IR_LOGICAL_AND || n->op == IR_LOGICAL_OR ||
                   n->op == IR_LOGICAL_XOR;
    if ((n->op == IR_WHERE && in[0]->dtype != BJ_BOOL) || (logical && d != BJ_BOOL) ||
        ((fl & F_FLOAT) && interp_domain_of(d) == INTERP_INT) || ((fl & F_NOBOOL) && d == BJ_BOOL) ||
        ((fl & F_NOFLOAT) && interp_domain_of(d) != INTERP_INT) ||
        (!(fl & F_CMP) && n->op != IR_CAST && out->dtype != d))
        return undefined_for(n, in[first]);
    switch (kind) {
    case IR_K_UNARY: return unary(n, in[0], out);
    case IR_K_BINARY: return binary(n, in, out);
    case IR_K_TERNARY: return ternary(n, in, out);
    default: return interp_fail(n, "not an elementwise op");
    }
}
