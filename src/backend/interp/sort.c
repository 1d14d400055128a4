/* sort.c — the interpreter's sort and argsort: each line along the axis sorted by src/core/bjsort.h (stable,
 * ascending, NaN last), the helper the generated kernels call, with scratch for the merge sort; and nonzero. */
#include "backend/interp/interp.h"
#include "core/bjsort.h"

/* The first `size` flat indices of x's nonzero elements, then fill. */
static bj_status nonzero(const ir_node *n, const bj_array *x, bj_array *out) {
    if (n->nattr != 2 || out->dtype != BJ_I32 || out->rank != 1 || out->shape[0] != n->attr[0] || x->size > INT32_MAX)
        return interp_fail(n, "operands do not fit");
    int32_t *y = out->data;
    int64_t size = n->attr[0], k = 0;
    for (int64_t i = 0; i < x->size && k < size; i++) {
        bool nz;
        switch (x->dtype) {
        case BJ_BOOL: nz = ((const uint8_t *)x->data)[i] != 0; break;
        case BJ_I32: nz = ((const int32_t *)x->data)[i] != 0; break;
        case BJ_I64: nz = ((const int64_t *)x->data)[i] != 0; break;
        case BJ_U32: nz = ((const uint32_t *)x->data)[i] != 0; break;
        case BJ_F32: nz = ((const float *)x->data)[i] != 0; break; /* NaN != 0 */
        default: nz = ((const double *)x->data)[i] != 0; break;
        }
        if (nz) y[k++] = (int32_t)i;
    }
    for (; k < size; k++) y[k] = (int32_t)n->attr[1];
    return BJ_OK;
}

bj_status interp_sort(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0];
    if (n->op == IR_NONZERO) return nonzero(n, x, out);
    bool arg = n->op == IR_ARGSORT;
    if ((n->op != IR_SORT && !arg) || n->nattr != 1 || n->attr[0] < 0 || n->attr[0] >= x->rank ||
        out->dtype != (arg ? BJ_I32 : x->dtype) || out->size != x->size)
        return interp_fail(n, "operands do not fit");
    int axis = (int)n->attr[0];
    int64_t O = interp_prod(x->shape, 0, axis), D = x->shape[axis], I = interp_prod(x->shape, axis + 1, x->rank);
    if (x->size == 0) return BJ_OK;
    size_t es = bj_dtype_size(x->dtype);
    void *scratch = bj_sort_scratch_new(D, es);
    if (!scratch)
        return core_err(BJ_ERR_NOMEM, "interp: %s: out of memory for the scratch of a %lld-element line",
                        ir_ops[n->op].name, (long long)D);
    int32_t *pos = arg ? (int32_t *)out->data : NULL;
    for (int64_t o = 0; o < O; o++)
        for (int64_t k = 0; k < I; k++) {
            int64_t at = o * D * I + k; /* the line's first element, in x and in out */
            int32_t *yi = pos ? pos + at : NULL;
            switch (x->dtype) {
#define LINE(D_, T)                                                                                                   \
    bj_sort_line_##D_((const T *)x->data + at, I, arg ? NULL : (T *)out->data + at, yi, I, D, scratch);              \
    break
            case BJ_BOOL: LINE(b, uint8_t);
            case BJ_I32: LINE(i32, int32_t);
            case BJ_I64: LINE(i64, int64_t);
            case BJ_U32: LINE(u32, uint32_t);
            case BJ_F32: LINE(f32, float);
            default: LINE(f64, double);
#undef LINE
            }
        }
    bj_sort_scratch_free(scratch);
    return BJ_OK;
}
