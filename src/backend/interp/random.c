/* random.c — the interpreter's RANDOM: each element from the functions of src/core/bjrand.h (those the generated
 * code calls), at its flat C-order index, with the parameter broadcast. */
#include "backend/interp/interp.h"
#include "core/bjrand.h"
#include "ir/build_random.h"

bj_status interp_random(const ir_node *n, bj_array *const *in, bj_array *out) {
    int dist = n->nattr == 1 ? (int)n->attr[0] : -1;
    if (dist < 0 || dist >= IR_RAND_NDISTS || !ir_rand_dtype_ok(dist, out->dtype))
        return interp_fail(n, "bad distribution %d for its dtype", dist);
    bj_dtype pd = ir_rand_param_dtype(dist);
    if (n->nin != (pd == BJ_NDTYPES ? 2 : 3)) return interp_fail(n, "has %d operands", n->nin);
    for (int k = 0; k < 2; k++)
        if (in[k]->dtype != BJ_U32 || in[k]->size != 1) return interp_fail(n, "key word %d is not one uint32", k);
    bool fits = n->nin < 3 || (in[2]->dtype == pd && in[2]->rank <= out->rank);
    for (int k = 0; fits && n->nin == 3 && k < in[2]->rank; k++) {
        int64_t d = in[2]->shape[k], o = out->shape[k + out->rank - in[2]->rank];
        fits = d == o || d == 1;
    }
    if (!fits) return interp_fail(n, "the parameter is not %s broadcasting to the result", bj_dtype_name(pd));
    uint32_t k0 = ((const uint32_t *)in[0]->data)[0], k1 = ((const uint32_t *)in[1]->data)[0];
    interp_iter it;
    interp_iter_init(&it, out->rank, out->shape);
    if (n->nin == 3) interp_iter_bcast(&it, in[2]);
    void *o = out->data;
    for (int64_t e = 0; e < out->size; e++, interp_iter_next(&it)) {
        uint64_t i = (uint64_t)e;
        const void *pv = n->nin == 3 ? in[2]->data : NULL;
        int64_t pi = it.off[0];
        switch (dist) {
        case IR_RAND_BITS: ((uint32_t *)o)[e] = bj_rand_bits_u32(k0, k1, i); break;
        case IR_RAND_UNIFORM:
            if (out->dtype == BJ_F32) ((float *)o)[e] = bj_rand_uniform_f32(k0, k1, i);
            else ((double *)o)[e] = bj_rand_uniform_f64(k0, k1, i);
            break;
        case IR_RAND_NORMAL:
            if (out->dtype == BJ_F32) ((float *)o)[e] = bj_rand_normal_f32(k0, k1, i);
            else ((double *)o)[e] = bj_rand_normal_f64(k0, k1, i);
            break;
        case IR_RAND_RANDINT: ((int64_t *)o)[e] = bj_rand_randint_i64(k0, k1, i, ((const int64_t *)pv)[pi]); break;
        case IR_RAND_POISSON: {
            double lam = ((const double *)pv)[pi];
            switch (out->dtype) {
            case BJ_I32: ((int32_t *)o)[e] = bj_rand_poisson_i32(k0, k1, i, lam); break;
            case BJ_I64: ((int64_t *)o)[e] = bj_rand_poisson_i64(k0, k1, i, lam); break;
            case BJ_F32: ((float *)o)[e] = bj_rand_poisson_f32(k0, k1, i, lam); break;
            default: ((double *)o)[e] = bj_rand_poisson_f64(k0, k1, i, lam); break;
            }
            break;
        }
        case IR_RAND_SPLIT: ((uint32_t *)o)[e] = bj_rand_split_u32(k0, k1, i, ((const uint32_t *)pv)[pi]); break;
        default: ((uint32_t *)o)[e] = bj_rand_fold_in_u32(k0, k1, i, ((const uint32_t *)pv)[pi]); break;
        }
    }
    return BJ_OK;
}
