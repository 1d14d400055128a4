/* build_random.c — the dtype and shape rule of RANDOM (see build_random.h, docs/ops.md "Random numbers").
 *
 * RANDOM is elementwise with one implicit operand, the element's flat C-order index: the key words are read
 * broadcast (one element each) and the parameter broadcasts to the node's shape as a binary op's operand does. So
 * it fuses into LOOP kernels like any elementwise node, and its values depend on (key, index, parameter) only. */
#include "ir/build_random.h"
#include "ir/build.h"

#include <string.h>

#define TYPE(buf, n) core_fmt_type(buf, sizeof buf, (bj_dtype)(n)->dtype, (n)->rank, (n)->shape)

static const char *const dist_names[IR_RAND_NDISTS] = {"bits", "uniform", "normal", "randint",
                                                       "poisson", "split", "fold_in"};

const char *ir_rand_dist_name(int dist) { return dist >= 0 && dist < IR_RAND_NDISTS ? dist_names[dist] : "?"; }

bool ir_rand_dtype_ok(int dist, bj_dtype d) {
    switch (dist) {
    case IR_RAND_UNIFORM: case IR_RAND_NORMAL: return d == BJ_F32 || d == BJ_F64;
    case IR_RAND_RANDINT: return d == BJ_I64;
    case IR_RAND_POISSON: return d == BJ_I32 || d == BJ_I64 || d == BJ_F32 || d == BJ_F64;
    case IR_RAND_BITS: case IR_RAND_SPLIT: case IR_RAND_FOLD_IN: return d == BJ_U32;
    default: return false;
    }
}

bj_dtype ir_rand_param_dtype(int dist) {
    switch (dist) {
    case IR_RAND_RANDINT: return BJ_I64;
    case IR_RAND_POISSON: return BJ_F64;
    case IR_RAND_SPLIT: case IR_RAND_FOLD_IN: return BJ_U32;
    default: return BJ_NDTYPES;
    }
}

static bool key_word_ok(ir_trace *t, const char *op, const ir_node *k, int which) {
    char a[96];
    if (!k) return ir_fail(t, BJ_ERR_ARG, "%s: key word %d is NULL", op, which), false;
    if (k->trace != t) return ir_fail(t, BJ_ERR_TRACE, "%s: key word %d is from another trace", op, which), false;
    if (k->dtype != BJ_U32 || ir_nelem(k) != 1)
        return ir_fail(t, BJ_ERR_DTYPE, "%s: key word %d must be one uint32 element, got %s", op, which, TYPE(a, k)),
               false;
    return true;
}

ir_node *ir_random(ir_trace *t, const char *op, int dist, bj_dtype d, ir_node *k0, ir_node *k1, ir_node *param,
                   int rank, const int64_t *shape) {
    if (t->status) return NULL;
    if (dist < 0 || dist >= IR_RAND_NDISTS) return ir_fail(t, BJ_ERR_ARG, "%s: unknown distribution %d", op, dist);
    if (!ir_rand_dtype_ok(dist, d))
        return ir_fail(t, BJ_ERR_DTYPE, "%s: %s draws cannot be %s", op, ir_rand_dist_name(dist),
                       (unsigned)d < BJ_NDTYPES ? bj_dtype_name(d) : "an invalid dtype");
    if (rank < 0 || rank > BJ_MAX_RANK)
        return ir_fail(t, BJ_ERR_SHAPE, "%s: rank %d is outside 0..%d", op, rank, BJ_MAX_RANK);
    if (rank && !shape) return ir_fail(t, BJ_ERR_ARG, "%s: shape is NULL for rank %d", op, rank);
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 0)
            return ir_fail(t, BJ_ERR_SHAPE, "%s: dimension %d is negative (%lld)", op, i, (long long)shape[i]);
        if (!core_mul_ok(n, shape[i], &n) || !core_mul_ok(n, 8, &(int64_t){0}))
            return ir_fail(t, BJ_ERR_SHAPE, "%s: the shape's element count overflows at dimension %d", op, i);
    }
    if (!key_word_ok(t, op, k0, 0) || !key_word_ok(t, op, k1, 1)) return NULL;
    bj_dtype pd = ir_rand_param_dtype(dist);
    if ((pd == BJ_NDTYPES) != (param == NULL))
        return ir_fail(t, BJ_ERR_ARG, "%s: %s %s a parameter", op, ir_rand_dist_name(dist),
                       pd == BJ_NDTYPES ? "takes no" : "needs");
    ir_node *in[3] = {k0, k1, param};
    if (param) {
        if (param->trace != t) return ir_fail(t, BJ_ERR_TRACE, "%s: the parameter is from another trace", op);
        int br;
        int64_t bs[BJ_MAX_RANK];
        if (param->rank > rank || !ir_broadcast_shapes(param->rank, param->shape, rank, shape, &br, bs) ||
            (rank && memcmp(bs, shape, sizeof(int64_t) * (size_t)rank))) {
            char a[96], b[96];
            return ir_fail(t, BJ_ERR_SHAPE, "%s: the parameter %s does not broadcast to the shape %s", op,
                           TYPE(a, param), core_fmt_type(b, sizeof b, d, rank, shape));
        }
        if (param->dtype != pd || param->weak) in[2] = ir_cast(t, param, pd);
        if (!in[2]) return NULL;
    }
    int64_t attr = dist;
    return ir_intern(t, &(ir_proto){.op = IR_RANDOM, .dtype = d, .rank = rank, .shape = shape, .nin = param ? 3 : 2,
                                    .in = in, .nattr = 1, .attr = &attr});
}
