/* rules.c — dtype classes, JAX-style type promotion with weak types, and NumPy broadcasting of shapes.
 *
 * Promotion (docs/ops.md has the table): bool < ints < floats. Two strong dtypes join as in JAX with 64-bit types
 * enabled: int32|uint32 -> int64, any int|float32 -> float32, float32|float64 -> float64. A weak operand (a C
 * scalar) takes the strong operand's dtype when its class is not higher (x * 2 keeps int32, x * 0.5 keeps float32);
 * otherwise the result is the weak class's default (int32 x * 0.5 -> weak float32). The defaults are a trace's:
 * 64-bit in x64 mode, where C scalars are weak float64 / int64 (int32 x * 0.5 -> weak float64). */
#include "ir/ir.h"

bool ir_is_float(bj_dtype d) { return d == BJ_F32 || d == BJ_F64; }
bool ir_is_int(bj_dtype d) { return d == BJ_I32 || d == BJ_I64 || d == BJ_U32; }
bj_dtype ir_default_float(const ir_trace *t) { return t->x64 ? BJ_F64 : BJ_F32; }
bj_dtype ir_default_int(const ir_trace *t) { return t->x64 ? BJ_I64 : BJ_I32; }
bj_dtype ir_weak_int_dtype(bool x64, int64_t v) { return !x64 && v >= INT32_MIN && v <= INT32_MAX ? BJ_I32 : BJ_I64; }
bj_dtype ir_inexact(const ir_trace *t, bj_dtype d) {
    return ir_is_float(d) ? d : t->x64 && d == BJ_I64 ? BJ_F64 : BJ_F32;
}
static int dclass(bj_dtype d) { return d == BJ_BOOL ? 0 : ir_is_float(d) ? 2 : 1; }

static bj_dtype join_strong(bj_dtype a, bj_dtype b) {
    if (a == b) return a;
    if (a == BJ_BOOL) return b;
    if (b == BJ_BOOL) return a;
    if (dclass(a) != dclass(b)) return dclass(a) == 2 ? a : b;
    if (dclass(a) == 2) return BJ_F64; /* f32 | f64 */
    return BJ_I64;                     /* two different ints: i32|i64, i32|u32, i64|u32 */
}

bj_dtype bj_promote(bj_dtype a, bool aw, bj_dtype b, bool bw, bool *out_weak) {
    bool weak = false;
    bj_dtype r;
    if ((unsigned)a >= BJ_NDTYPES || (unsigned)b >= BJ_NDTYPES) {
        core_err(BJ_ERR_DTYPE, "bj_promote: invalid dtype %d", (unsigned)a >= BJ_NDTYPES ? (int)a : (int)b);
        r = BJ_NDTYPES;
    } else if (aw && bw) {
        r = join_strong(a, b);
        weak = true;
    } else if (aw || bw) {
        bj_dtype w = aw ? a : b, s = aw ? b : a;
        if (dclass(w) <= dclass(s)) {
            r = s;
        } else {
            r = dclass(w) == 2 ? (w == BJ_F64 ? BJ_F64 : BJ_F32) : w;
            weak = true;
        }
    } else {
        r = join_strong(a, b);
    }
    if (out_weak) *out_weak = weak;
    return r;
}

bool ir_broadcast_shapes(int ra, const int64_t *a, int rb, const int64_t *b, int *rout, int64_t *out) {
    int r = ra > rb ? ra : rb;
    int64_t res[BJ_MAX_RANK]; /* out may alias a or b */
    for (int i = 0; i < r; i++) {
        int ia = i - (r - ra), ib = i - (r - rb);
        int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1) return false;
        res[i] = da == 1 ? db : da;
    }
    for (int i = 0; i < r; i++) out[i] = res[i];
    *rout = r;
    return true;
}

int64_t ir_nelem(const ir_node *n) {
    int64_t s = 1;
    for (int i = 0; i < n->rank; i++) s *= n->shape[i];
    return s;
}
