/* optab.c — the renderer's op table: each elementwise op's C expression per dtype class, as text templates.
 * $0 $1 $2 are the operands; {T} is the C type, {D} the helper tag (f32), {S} the libm suffix ("f" or ""). The
 * helpers (bj_add_i32, bj_max_f32, bj_exp_f64 ...) come from prelude.h and bjmath.h, which the interpreter's
 * semantics were written against; a NULL template means the op is not defined on that class. */
#include "backend/c/cgen.h"
#include "ir/build_random.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct tmpl {
    const char *b, *i, *f; /* bool, integers, floats */
} tmpl;

#define ALL(x) {x, x, x}
static const tmpl table[IR_NUM_OPS] = {
    [IR_NEG] = {NULL, "bj_neg_{D}($0)", "(-$0)"},
    [IR_STOP_GRADIENT] = ALL("$0"),
    [IR_ABS] = {NULL, "($0 < 0 ? bj_neg_{D}($0) : $0)", "fabs{S}($0)"},
    [IR_SIGN] = {NULL, "(({T})(($0 > 0) - ($0 < 0)))", "bj_sign_{D}($0)"},
    [IR_EXP] = {NULL, NULL, "bj_exp_{D}($0)"},
    [IR_EXP2] = {NULL, NULL, "exp2{S}($0)"},
    [IR_EXPM1] = {NULL, NULL, "expm1{S}($0)"},
    [IR_LOG] = {NULL, NULL, "bj_log_{D}($0)"},
    [IR_LOG1P] = {NULL, NULL, "log1p{S}($0)"},
    [IR_LOG2] = {NULL, NULL, "log2{S}($0)"},
    [IR_SQRT] = {NULL, NULL, "sqrt{S}($0)"},
    [IR_RSQRT] = {NULL, NULL, "(({T})1 / sqrt{S}($0))"},
    [IR_SQUARE] = {NULL, "bj_mul_{D}($0, $0)", "($0 * $0)"},
    [IR_RECIPROCAL] = {NULL, NULL, "(({T})1 / $0)"},
    [IR_SIN] = {NULL, NULL, "sin{S}($0)"},
    [IR_COS] = {NULL, NULL, "cos{S}($0)"},
    [IR_TAN] = {NULL, NULL, "tan{S}($0)"},
    [IR_TANH] = {NULL, NULL, "bj_tanh_{D}($0)"},
    [IR_SINH] = {NULL, NULL, "sinh{S}($0)"},
    [IR_COSH] = {NULL, NULL, "cosh{S}($0)"},
    [IR_ARCSIN] = {NULL, NULL, "asin{S}($0)"},
    [IR_ARCCOS] = {NULL, NULL, "acos{S}($0)"},
    [IR_ARCTAN] = {NULL, NULL, "atan{S}($0)"},
    [IR_SIGMOID] = {NULL, NULL, "(({T})1 / (({T})1 + bj_exp_{D}(-$0)))"},
    [IR_FLOOR] = {NULL, "$0", "floor{S}($0)"},
    [IR_CEIL] = {NULL, "$0", "ceil{S}($0)"},
    [IR_ROUND] = {NULL, "$0", "nearbyint{S}($0)"},
    [IR_TRUNC] = {NULL, "$0", "trunc{S}($0)"},
    [IR_ISNAN] = {"false", "false", "($0 != $0)"},
    [IR_ISINF] = {"false", "false", "(fabs{S}($0) == ({T})INFINITY)"},
    [IR_ISFINITE] = {"true", "true", "(fabs{S}($0) < ({T})INFINITY)"},
    [IR_LOGICAL_NOT] = {"(!$0)", NULL, NULL},
    [IR_BITWISE_NOT] = {"(!$0)", "(({T})~$0)", NULL},
    [IR_ADD] = {"($0 | $1)", "bj_add_{D}($0, $1)", "($0 + $1)"},
    [IR_SUB] = {NULL, "bj_sub_{D}($0, $1)", "($0 - $1)"},
    [IR_MUL] = {"($0 & $1)", "bj_mul_{D}($0, $1)", "($0 * $1)"},
    [IR_DIV] = {NULL, NULL, "($0 / $1)"},
    [IR_FLOOR_DIVIDE] = {NULL, "bj_floordiv_{D}($0, $1)", "floor{S}($0 / $1)"},
    [IR_REMAINDER] = {NULL, "bj_mod_{D}($0, $1)", "bj_mod_{D}($0, $1)"},
    [IR_POW] = {NULL, "bj_pow_{D}($0, $1)", "pow{S}($0, $1)"},
    [IR_MAXIMUM] = {"($0 | $1)", "bj_max_{D}($0, $1)", "bj_max_{D}($0, $1)"},
    [IR_MINIMUM] = {"($0 & $1)", "bj_min_{D}($0, $1)", "bj_min_{D}($0, $1)"},
    [IR_ATAN2] = {NULL, NULL, "atan2{S}($0, $1)"},
    [IR_HYPOT] = {NULL, NULL, "hypot{S}($0, $1)"},
    [IR_EQ] = ALL("($0 == $1)"),
    [IR_NE] = ALL("($0 != $1)"),
    [IR_LT] = ALL("($0 < $1)"),
    [IR_LE] = ALL("($0 <= $1)"),
    [IR_GT] = ALL("($0 > $1)"),
    [IR_GE] = ALL("($0 >= $1)"),
    [IR_LOGICAL_AND] = {"($0 & $1)", NULL, NULL},
    [IR_LOGICAL_OR] = {"($0 | $1)", NULL, NULL},
    [IR_LOGICAL_XOR] = {"($0 ^ $1)", NULL, NULL},
    [IR_BITWISE_AND] = {"($0 & $1)", "($0 & $1)", NULL},
    [IR_BITWISE_OR] = {"($0 | $1)", "($0 | $1)", NULL},
    [IR_BITWISE_XOR] = {"($0 ^ $1)", "($0 ^ $1)", NULL},
    [IR_SHIFT_LEFT] = {NULL, "bj_shl_{D}($0, $1)", NULL},
    [IR_SHIFT_RIGHT] = {NULL, "bj_shr_{D}($0, $1)", NULL},
    [IR_WHERE] = ALL("($0 ? $1 : $2)"),
    [IR_CLIP] = {"(($0 | $1) & $2)", "bj_min_{D}(bj_max_{D}($0, $1), $2)", "bj_min_{D}(bj_max_{D}($0, $1), $2)"},
    /* the fold step of max/min reductions (cgen_fold_op): maximum/minimum, in a form for scalar loops */
    [IR_MAX] = {"($0 | $1)", "bj_max_{D}($0, $1)", "bj_fold_max_{D}($0, $1)"},
    [IR_MIN] = {"($0 & $1)", "bj_min_{D}($0, $1)", "bj_fold_min_{D}($0, $1)"},
};

/* Bools are bytes holding 0 or 1 (the arrays' layout); generated code types them uint8_t, because gcc does not
 * vectorize conversions from _Bool (a firing-rate count over bool spikes stayed scalar). */
const char *cgen_ctype(bj_dtype d) {
    static const char *const n[] = {"uint8_t", "int32_t", "int64_t", "uint32_t", "float", "double"};
    return (unsigned)d < 6 ? n[d] : "void";
}
const char *cgen_dtag(bj_dtype d) {
    static const char *const n[] = {"b", "i32", "i64", "u32", "f32", "f64"};
    return (unsigned)d < 6 ? n[d] : "?";
}

void cgen_literal(char *buf, size_t n, bj_dtype d, double f, int64_t i) {
    switch (d) {
    case BJ_BOOL: snprintf(buf, n, "%s", i ? "true" : "false"); return;
    case BJ_I32: snprintf(buf, n, i == INT32_MIN ? "(-2147483647 - 1)" : "%lld", (long long)i); return;
    case BJ_I64:
        if (i == INT64_MIN) snprintf(buf, n, "(-INT64_C(9223372036854775807) - 1)");
        else snprintf(buf, n, "INT64_C(%lld)", (long long)i);
        return;
    case BJ_U32: snprintf(buf, n, "%lluu", (unsigned long long)(uint32_t)i); return;
    default: break;
    }
    bool f32 = d == BJ_F32;
    if (isnan(f)) snprintf(buf, n, f32 ? "(%sNAN)" : "(%s(double)NAN)", signbit(f) ? "-" : "");
    else if (isinf(f)) snprintf(buf, n, f32 ? "(%sINFINITY)" : "(%s(double)INFINITY)", f < 0 ? "-" : "");
    else {
        char v[40];
        core_fmt_shortest(v, sizeof v, f, f32);
        bool plain = !strpbrk(v, ".eEn");
        snprintf(buf, n, "%s%s%s%s", f < 0 || signbit(f) ? "(" : "", v, plain ? ".0" : "", f32 ? "f" : "");
        if (f < 0 || signbit(f)) strncat(buf, ")", n - strlen(buf) - 1);
    }
}

ir_op cgen_fold_op(ir_op r) {
    switch (r) {
    case IR_SUM: case IR_MEAN: return IR_ADD;
    case IR_PROD: return IR_MUL;
    case IR_MAX: case IR_MIN: return r; /* maximum / minimum through the table's fold entries */
    case IR_ANY: return IR_MAXIMUM;
    default: return IR_MINIMUM;
    }
}

/* Casts (astype): int -> int wraps (modulo conversions), float -> int saturates with NaN -> 0, x -> bool is
 * x != 0 (NaN is true), everything else is a C conversion rounding once. */
static void cast_expr(core_str *out, bj_dtype to, bj_dtype from, const char *a) {
    if (to == BJ_BOOL) core_str_printf(out, "(%s != 0)", a);
    else if (ir_is_float(from) && !ir_is_float(to)) core_str_printf(out, "bj_f2%s((double)%s)", cgen_dtag(to), a);
    else core_str_printf(out, "((%s)%s)", cgen_ctype(to), a);
}

/* RANDOM: a call of src/core/bjrand.h's function for the distribution (by ir_rand_dist) and the result dtype
 * ({D}); $0 $1 are the key words, $2 the parameter, $I the element's flat index. */
static const char *const random_tmpl[IR_RAND_NDISTS] = {
    [IR_RAND_BITS] = "bj_rand_bits_u32($0, $1, $I)",
    [IR_RAND_UNIFORM] = "bj_rand_uniform_{D}($0, $1, $I)",
    [IR_RAND_NORMAL] = "bj_rand_normal_{D}($0, $1, $I)",
    [IR_RAND_RANDINT] = "bj_rand_randint_i64($0, $1, $I, $2)",
    [IR_RAND_POISSON] = "bj_rand_poisson_{D}($0, $1, $I, $2)",
    [IR_RAND_SPLIT] = "bj_rand_split_u32($0, $1, $I, $2)",
    [IR_RAND_FOLD_IN] = "bj_rand_fold_in_u32($0, $1, $I, $2)",
};

bool cgen_random_expr(core_str *out, int dist, bj_dtype rd, const char *const *a, int nin, const char *index) {
    if (dist < 0 || dist >= IR_RAND_NDISTS || !ir_rand_dtype_ok(dist, rd)) return false;
    for (const char *s = random_tmpl[dist]; *s; s++) {
        if (*s == '$' && s[1] >= '0' && s[1] <= '2' && s[1] - '0' < nin) {
            core_str_printf(out, "%s", a[s[1] - '0']);
            s++;
        } else if (*s == '$' && s[1] == 'I') {
            core_str_printf(out, "(uint64_t)(%s)", index);
            s++;
        } else if (*s == '{' && s[1] == 'D' && s[2] == '}') {
            core_str_printf(out, "%s", cgen_dtag(rd));
            s += 2;
        } else if (*s == '$') {
            return false; /* an operand the node lacks */
        } else {
            core_str_printf(out, "%c", *s);
        }
    }
    return true;
}

bool cgen_expr(core_str *out, ir_op op, bj_dtype rd, bj_dtype ad, const char *const *a, int nin) {
    if (op == IR_CAST) {
        cast_expr(out, rd, ad, a[0]);
        return true;
    }
    if ((unsigned)op >= IR_NUM_OPS) return false;
    const tmpl *t = &table[op];
    const char *s = ad == BJ_BOOL ? t->b : ir_is_float(ad) ? t->f : t->i;
    if (!s) return false;
    for (; *s; s++) {
        if (*s == '$' && s[1] >= '0' && s[1] <= '2' && s[1] - '0' < nin) {
            core_str_printf(out, "%s", a[s[1] - '0']);
            s++;
        } else if (*s == '{' && s[1] && s[2] == '}') {
            if (s[1] == 'T') core_str_printf(out, "%s", cgen_ctype(ad));
            else if (s[1] == 'D') core_str_printf(out, "%s", cgen_dtag(ad));
            else if (s[1] == 'S') core_str_printf(out, "%s", ad == BJ_F32 ? "f" : "");
            s += 2;
        } else {
            core_str_printf(out, "%c", *s);
        }
    }
    return true;
}
