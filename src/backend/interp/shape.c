/* shape.c — the interpreter's shape and indexing ops. They only move elements (as bytes): most are a view of the
 * operand (strides and a base offset, see interp.h) read at every position of the result; concatenate, take and
 * scatter walk (outer, axis, inner) blocks. */
#include "backend/interp/interp.h"

/* out[i] = src[offset of view 0] for every position i of out, in C order. */
static void copy_view(bj_array *out, const bj_array *src, interp_iter *it) {
    size_t es = bj_dtype_size(out->dtype);
    for (int64_t i = 0; i < out->size; i++, interp_iter_next(it))
        memcpy((char *)out->data + (size_t)i * es, (const char *)src->data + (size_t)it->off[0] * es, es);
}

/* A view of x over out's shape: out[j] = x[base + sum_k j_k * st[k]]. */
static void copy_strided(bj_array *out, const bj_array *x, int64_t base, const int64_t *st) {
    interp_iter it;
    interp_iter_init(&it, out->rank, out->shape);
    interp_iter_view(&it, base, st);
    copy_view(out, x, &it);
}

static bj_status transpose(const ir_node *n, const bj_array *x, bj_array *out) {
    int64_t cst[BJ_MAX_RANK], st[BJ_MAX_RANK];
    if (n->nattr != x->rank) return interp_fail(n, "perm has %d entries for rank %d", n->nattr, x->rank);
    interp_cstrides(x->rank, x->shape, cst);
    for (int k = 0; k < x->rank; k++) {
        if (n->attr[k] < 0 || n->attr[k] >= x->rank || out->shape[k] != x->shape[n->attr[k]])
            return interp_fail(n, "perm entry %d does not fit", k);
        st[k] = cst[n->attr[k]];
    }
    copy_strided(out, x, 0, st);
    return BJ_OK;
}

/* out[j] = x[start + j * step] per axis; attr = {start_0, step_0, ...}. */
static bj_status slice(const ir_node *n, const bj_array *x, bj_array *out) {
    int64_t cst[BJ_MAX_RANK], st[BJ_MAX_RANK], base = 0;
    if (n->nattr != 2 * x->rank) return interp_fail(n, "%d attributes for rank %d", n->nattr, x->rank);
    interp_cstrides(x->rank, x->shape, cst);
    for (int k = 0; k < x->rank; k++) {
        int64_t start = n->attr[2 * k], step = n->attr[2 * k + 1], cnt = out->shape[k];
        /* every index read, start and start + (cnt - 1) * step, must lie in the axis (checked without overflow) */
        bool ok = cnt == 0 || (start >= 0 && start < x->shape[k] && step != 0 && step != INT64_MIN &&
                               (step > 0 ? (x->shape[k] - 1 - start) / step >= cnt - 1 : start / -step >= cnt - 1));
        if (!ok) return interp_fail(n, "axis %d reads outside the operand", k);
        base += cnt ? start * cst[k] : 0;
        st[k] = cnt > 1 ? step * cst[k] : 0; /* a huge step with one element must not overflow the stride */
    }
    copy_strided(out, x, base, st);
    return BJ_OK;
}

static bj_status flip(const ir_node *n, const bj_array *x, bj_array *out) {
    int64_t st[BJ_MAX_RANK], base = 0;
    interp_cstrides(x->rank, x->shape, st);
    for (int i = 0; i < n->nattr; i++) {
        int64_t k = n->attr[i];
        if (k < 0 || k >= x->rank) return interp_fail(n, "axis %lld is out of range", (long long)k);
        if (x->shape[k]) base += (x->shape[k] - 1) * st[k]; /* start at the end, walk backwards */
        st[k] = -st[k];
    }
    copy_strided(out, x, base, st);
    return BJ_OK;
}

static bool same_shape(const bj_array *a, const bj_array *b) {
    return a->rank == b->rank && (!a->rank || !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->rank));
}

/* The start operands of a dynamic slice/update are integer scalars, one per axis. */
static bool starts_ok(bj_array *const *starts, int count) {
    for (int k = 0; k < count; k++)
        if (starts[k]->rank != 0 || interp_domain_of(starts[k]->dtype) != INTERP_INT) return false;
    return true;
}

/* Starts of a dynamic slice/update: int scalar operands; as in JAX, a negative start counts from the end once
 * (s + dim, which cannot overflow), then each is clamped to [0, dim - size]. Returns the element offset of the block
 * in an array with strides cst. */
static int64_t dynamic_base(bj_array *const *starts, const bj_array *x, const int64_t *size, const int64_t *cst) {
    int64_t base = 0;
    for (int k = 0; k < x->rank; k++) {
        int64_t s = interp_get_i(starts[k], 0), hi = x->shape[k] - size[k];
        if (s < 0) s += x->shape[k];
        s = s < 0 ? 0 : s > hi ? hi : s;
        base += s * cst[k];
    }
    return base;
}

static bj_status dynamic_slice(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0];
    int64_t cst[BJ_MAX_RANK];
    if (n->nin != 1 + x->rank || !starts_ok(in + 1, x->rank))
        return interp_fail(n, "needs %d integer scalar start operands", x->rank);
    for (int k = 0; k < x->rank; k++)
        if (out->shape[k] > x->shape[k]) return interp_fail(n, "the slice is larger than the operand");
    interp_cstrides(x->rank, x->shape, cst);
    copy_strided(out, x, dynamic_base(in + 1, x, out->shape, cst), cst);
    return BJ_OK;
}

/* out = x with the block at the starts (normalised as above) overwritten by the update. */
static bj_status dynamic_update_slice(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0], *upd = in[1];
    int64_t cst[BJ_MAX_RANK], ust[BJ_MAX_RANK];
    if (n->nin != 2 + x->rank || upd->rank != x->rank || upd->dtype != x->dtype || !starts_ok(in + 2, x->rank))
        return interp_fail(n, "operands do not fit");
    for (int k = 0; k < x->rank; k++)
        if (upd->shape[k] > x->shape[k]) return interp_fail(n, "the update is larger than the operand");
    memcpy(out->data, x->data, x->nbytes);
    interp_cstrides(x->rank, x->shape, cst);
    interp_cstrides(upd->rank, upd->shape, ust);
    interp_iter it;
    interp_iter_init(&it, upd->rank, upd->shape);
    interp_iter_view(&it, dynamic_base(in + 2, x, upd->shape, cst), cst); /* view 0: where in out */
    interp_iter_view(&it, 0, ust);                                         /* view 1: where in the update */
    size_t es = bj_dtype_size(x->dtype);
    for (int64_t i = 0; i < upd->size; i++, interp_iter_next(&it))
        memcpy((char *)out->data + (size_t)it.off[0] * es, (const char *)upd->data + (size_t)it.off[1] * es, es);
    return BJ_OK;
}

/* Operands are laid side by side along the axis: for each outer position, one contiguous block per operand. */
static bj_status concatenate(const ir_node *n, bj_array *const *in, bj_array *out) {
    int64_t axis = n->nattr == 1 ? n->attr[0] : -1, total = 0;
    if (axis < 0 || axis >= out->rank) return interp_fail(n, "bad axis");
    for (int i = 0; i < n->nin; i++) {
        bool ok = in[i]->rank == out->rank && in[i]->dtype == out->dtype;
        for (int k = 0; ok && k < out->rank; k++) ok = k == axis || in[i]->shape[k] == out->shape[k];
        if (!ok) return interp_fail(n, "operand %d does not fit", i);
        total += in[i]->shape[axis];
    }
    if (total != out->shape[axis]) return interp_fail(n, "operand sizes do not add up along the axis");
    int64_t outer = interp_prod(out->shape, 0, (int)axis), inner = interp_prod(out->shape, (int)axis + 1, out->rank);
    size_t es = bj_dtype_size(out->dtype);
    char *dst = out->data;
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < n->nin; i++) {
            size_t block = (size_t)(in[i]->shape[axis] * inner) * es;
            if (block) memcpy(dst, (const char *)in[i]->data + (size_t)o * block, block);
            dst += block;
        }
    return BJ_OK;
}

/* x viewed as (outer, dim, inner) around the axis, and the index array as a flat list of nidx entries: the result
 * (take) or the updates (scatter) are (outer, nidx, inner). Checks the sizes agree. */
typedef struct {
    int64_t outer, dim, inner, nidx;
} gather_dims;

static bj_status gather_split(const ir_node *n, const bj_array *x, const bj_array *idx, const bj_array *other,
                              gather_dims *g) {
    int64_t axis = n->nattr == 1 ? n->attr[0] : -1;
    if (axis < 0 || axis >= x->rank) return interp_fail(n, "bad axis");
    g->outer = interp_prod(x->shape, 0, (int)axis);
    g->dim = x->shape[axis];
    g->inner = interp_prod(x->shape, (int)axis + 1, x->rank);
    g->nidx = idx->size;
    if (interp_domain_of(idx->dtype) != INTERP_INT || other->size != g->outer * g->nidx * g->inner ||
        other->dtype != x->dtype)
        return interp_fail(n, "operand shapes do not fit");
    return BJ_OK;
}

/* out = x[..., idx, ...]: a negative index counts from the end, then indices clamp into [0, dim - 1] (JAX). */
static bj_status take(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0], *idx = in[1];
    gather_dims g;
    bj_status s = gather_split(n, x, idx, out, &g);
    if (s) return s;
    if (g.dim == 0 && out->size) return interp_fail(n, "takes from an empty axis");
    size_t es = bj_dtype_size(x->dtype), block = (size_t)g.inner * es;
    for (int64_t o = 0; o < g.outer; o++)
        for (int64_t j = 0; j < g.nidx; j++) {
            int64_t i = interp_get_i(idx, j);
            if (i < 0) i += g.dim;
            i = i < 0 ? 0 : i >= g.dim ? g.dim - 1 : i;
            if (block)
                memcpy((char *)out->data + (size_t)(o * g.nidx + j) * block,
                       (const char *)x->data + (size_t)(o * g.dim + i) * block, block);
        }
    return BJ_OK;
}

/* out = x, then each update in C order is stored at / added to x[..., idx[j], ...]; a negative index counts from
 * the end once; indices still outside the axis drop their update (JAX). Later duplicates win for set. */
static bj_status scatter(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0], *idx = in[1], *upd = in[2];
    gather_dims g;
    bj_status s = gather_split(n, x, idx, upd, &g);
    if (s) return s;
    memcpy(out->data, x->data, x->nbytes);
    size_t es = bj_dtype_size(x->dtype);
    for (int64_t o = 0; o < g.outer; o++)
        for (int64_t j = 0; j < g.nidx; j++) {
            int64_t i = interp_get_i(idx, j);
            if (i < 0) i += g.dim;
            if (i < 0 || i >= g.dim) continue;
            int64_t dst = (o * g.dim + i) * g.inner, src = (o * g.nidx + j) * g.inner;
            for (int64_t k = 0; k < g.inner; k++) {
                if (n->op == IR_SCATTER_SET)
                    memcpy((char *)out->data + (size_t)(dst + k) * es, (const char *)upd->data + (size_t)(src + k) * es,
                           es);
                else if (!interp_apply2(IR_ADD, out, dst + k, out, dst + k, upd, src + k))
                    return interp_fail(n, "not defined on %s", bj_dtype_name(x->dtype));
            }
        }
    return BJ_OK;
}

bj_status interp_shape(const ir_node *n, bj_array *const *in, bj_array *out) {
    const bj_array *x = in[0];
    if (x->dtype != out->dtype) return interp_fail(n, "the operand's dtype differs from the result's");
    bool same_rank = x->rank == out->rank;
    switch ((ir_op)n->op) {
    case IR_RESHAPE: /* both are C-contiguous: the bytes are the same */
        if (x->size != out->size) return interp_fail(n, "element counts differ");
        memcpy(out->data, x->data, out->nbytes);
        return BJ_OK;
    case IR_BROADCAST_TO: {
        for (int k = 0; k < x->rank; k++)
            if (x->rank > out->rank || (x->shape[k] != 1 && x->shape[k] != out->shape[k + out->rank - x->rank]))
                return interp_fail(n, "the operand does not broadcast to the result");
        interp_iter it;
        interp_iter_init(&it, out->rank, out->shape);
        interp_iter_bcast(&it, x);
        copy_view(out, x, &it);
        return BJ_OK;
    }
    case IR_TRANSPOSE: return same_rank ? transpose(n, x, out) : interp_fail(n, "ranks differ");
    case IR_SLICE: return same_rank ? slice(n, x, out) : interp_fail(n, "ranks differ");
    case IR_FLIP:
        return same_shape(x, out) ? flip(n, x, out) : interp_fail(n, "shapes differ");
    case IR_DYNAMIC_SLICE: return same_rank ? dynamic_slice(n, in, out) : interp_fail(n, "ranks differ");
    case IR_DYNAMIC_UPDATE_SLICE:
    case IR_SCATTER_SET:
    case IR_SCATTER_ADD:
        if (!same_shape(x, out)) return interp_fail(n, "shapes differ");
        return n->op == IR_DYNAMIC_UPDATE_SLICE ? dynamic_update_slice(n, in, out) : scatter(n, in, out);
    case IR_CONCATENATE: return concatenate(n, in, out);
    case IR_TAKE: return take(n, in, out);
    default: return interp_fail(n, "not a shape op");
    }
}
