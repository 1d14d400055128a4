/* render_node.c — the C renderer's NODE kernels: take, scatter, concatenate, dynamic slices, scans and matmul, each
 * a loop nest of its own over whole operand buffers, computing exactly what the interpreter computes.
 *
 * Design note. Shapes are static, so every extent and stride is printed as a constant and index expressions are
 * affine in a few loop variables. Each body splits a range [lo, hi) of independent units over threads, chosen so
 * that every result element is written by one unit, with the interpreter's arithmetic order:
 *  - take, scatter and scans walk x as (outer, axis, inner) blocks; their units are the lanes of outer x (indices or
 *    inner positions), cut into runs of one outer index. A scatter unit replays every index in order on its own
 *    lanes, so duplicates overwrite or accumulate as they do in the interpreter.
 *  - concatenate copies outer blocks (or rows along the axis when there is a single outer block); the dynamic
 *    slices copy rows of the leading axis, the trailing axes that are whole merged into one memcpy.
 *  - matmul: each c[i][j] is its products summed in k order from +0, each product rounded before its add (the code
 *    is compiled without fp contraction), as the interpreter's dot1 does; any loop order that keeps that order per
 *    element is exact, and the loops are chosen for speed: b one column (N == 1): eight rows' sums side by side;
 *    a few rows (M < 4): i, k, j over whole rows of b (a vector op along j); otherwise register tiles of 4 x 16 (f32)
 *    summed in GNU C vector variables over k blocks read from a packed panel of b (see mm_tiles). Integer products
 *    and sums wrap in the dtype, whose low bits are those of the interpreter's 64-bit sum. */
#include "backend/c/cgen.h"

#include <stdio.h>
#include <string.h>

#define LL(v) ((long long)(v))

static int64_t prod(const int64_t *s, int from, int to) {
    int64_t p = 1;
    for (int k = from; k < to; k++) p *= s[k];
    return p;
}

static void cstrides(const ir_node *n, int64_t *st) {
    int64_t s = 1;
    for (int k = n->rank - 1; k >= 0; k--) st[k] = s, s *= n->shape[k];
}

static bool int_dtype(bj_dtype d) { return !ir_is_float(d); } /* bool and ints: exact as int64 */

static int64_t bad(cgen *c, const ir_node *n, const char *why) {
    cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %%%d %s: %s", n->id, ir_ops[n->op].name, why);
    return 1;
}

/* ---------------------------------------------------------------- text helpers */
typedef struct ix {
    char s[512];
} ix;

/* Appends "var * coef" to a sum (nothing for coef 0; a constant when var is NULL). */
static void ix_add(ix *e, const char *var, int64_t coef) {
    if (!coef) return;
    size_t n = strlen(e->s);
    const char *sep = n ? " + " : "";
    if (!var) snprintf(e->s + n, sizeof e->s - n, "%s%lld", sep, LL(coef));
    else if (coef == 1 && var[0] == '(') /* a parenthesised term needs no parentheses in a sum */
        snprintf(e->s + n, sizeof e->s - n, "%s%.*s", sep, (int)strlen(var) - 2, var + 1);
    else if (coef == 1) snprintf(e->s + n, sizeof e->s - n, "%s%s", sep, var);
    else snprintf(e->s + n, sizeof e->s - n, "%s%s * %lld", sep, var, LL(coef));
}
static const char *ix_text(const ix *e) { return e->s[0] ? e->s : "0"; }

/* "p + offset", or "p" for offset 0. */
typedef struct ptr {
    char s[560];
} ptr;
static ptr at(const char *p, const ix *off) {
    ptr r;
    if (off->s[0]) snprintf(r.s, sizeof r.s, "%s + %s", p, off->s);
    else snprintf(r.s, sizeof r.s, "%s", p);
    return r;
}

typedef struct nm {
    char s[24];
} nm;
static nm buf_name(const cgen *c, const ir_node *n) {
    nm r;
    cgen_buf_name(c, n, r.s, sizeof r.s);
    return r;
}

/* The C expression of binary op `op` on x and y in dtype d, from the op table (so it matches the elementwise ops). */
static bool arith(cgen *c, char *buf, size_t cap, ir_op op, bj_dtype d, const char *x, const char *y) {
    core_str s = {0};
    const char *a[2] = {x, y};
    bool ok = cgen_expr(&s, op, d, d, a, 2) && !s.oom && s.s && s.len < cap;
    if (ok) memcpy(buf, s.s, s.len + 1);
    core_str_free(&s);
    if (!ok) cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %s has no C form for %s", ir_ops[op].name, bj_dtype_name(d));
    return ok;
}

/* A result with no elements: nothing to compute. */
static int64_t empty(cgen *c) {
    cgen_line(c, "(void)b, (void)lo, (void)hi; /* no elements */");
    return 1;
}

/* Opens the loop over part [lo, hi) of a flat range of outer x lanes units, in runs of one outer index. Inside, `o`
 * is the outer index (defined when outer > 1) and [v0, v1) the run's lanes (defined when lanes > 1). */
static void open_runs(cgen *c, int64_t outer, int64_t lanes) {
    if (lanes == 1) {
        cgen_line(c, "for (int64_t o = lo; o < hi; o++) {");
    } else if (outer == 1) {
        cgen_line(c, "{");
        cgen_line(c, "    const int64_t v0 = lo, v1 = hi;");
    } else {
        long long l = LL(lanes);
        cgen_line(c, "for (int64_t r = lo; r < hi;) { /* runs of one outer index o, lanes [v0, v1) */");
        cgen_line(c, "    const int64_t o = r / %lld, v0 = r - o * %lld, v1 = hi - o * %lld < %lld ? hi - o * %lld : %lld;",
                  l, l, l, l, l, l);
    }
    c->indent++;
}
static void close_runs(cgen *c, int64_t outer, int64_t lanes) {
    if (outer > 1 && lanes > 1) cgen_line(c, "r = o * %lld + v1;", LL(lanes));
    c->indent--;
    cgen_line(c, "}");
}

/* Declares the buffer of every distinct operand that `use` marks (NULL: all), then the result's. */
static void declare(cgen *c, const ir_node *n, const bool *use) {
    for (int i = 0; i < n->nin; i++)
        if (!use || use[i]) cgen_declare_buf(c, n->in[i], false);
    cgen_declare_buf(c, n, true);
}

/* The axis attribute of take/scatter/concatenate/scans, checked against rank. */
static int axis_of(const ir_node *n, int rank) {
    return n->nattr == 1 && n->attr[0] >= 0 && n->attr[0] < rank ? (int)n->attr[0] : -1;
}

/* ---------------------------------------------------------------- take */
/* out (outer, nidx, inner) = x (outer, dim, inner) at the indices: a negative index counts from the end, then the
 * index clamps into [0, dim - 1]. Units: (outer, index). */
static int64_t take(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0], *idx = n->in[1];
    int axis = axis_of(n, x->rank);
    if (axis < 0 || !int_dtype((bj_dtype)idx->dtype) || x->dtype != n->dtype) return bad(c, n, "operands do not fit");
    int64_t O = prod(x->shape, 0, axis), D = x->shape[axis], I = prod(x->shape, axis + 1, x->rank), J = ir_nelem(idx);
    if (ir_nelem(n) != O * J * I) return bad(c, n, "the result does not fit");
    if (ir_nelem(n) == 0) return empty(c);
    if (D == 0) return bad(c, n, "takes from an empty axis");
    declare(c, n, NULL);
    nm X = buf_name(c, x), K = buf_name(c, idx), Y = buf_name(c, n);
    cgen_line(c, "/* take: out (outer, index, inner) = (%lld, %lld, %lld) from x (%lld, %lld, %lld); negative indices count "
              "from the end, then clamp into [0, %lld] */", LL(O), LL(J), LL(I), LL(O), LL(D), LL(I), LL(D - 1));
    open_runs(c, O, J);
    const char *j = J > 1 ? "j" : "0";
    if (J > 1) cgen_line(c, "for (int64_t j = v0; j < v1; j++) {"), c->indent++;
    cgen_line(c, "int64_t i = (int64_t)%s[%s];", K.s, j);
    cgen_line(c, "i = i < 0 ? i + %lld : i;", LL(D));
    cgen_line(c, "i = i < 0 ? 0 : i > %lld ? %lld : i;", LL(D - 1), LL(D - 1));
    ix dst = {0}, src = {0};
    ix_add(&dst, "o", O > 1 ? J * I : 0), ix_add(&dst, J > 1 ? "j" : NULL, J > 1 ? I : 0);
    ix_add(&src, "o", O > 1 ? D * I : 0), ix_add(&src, "i", I);
    if (I == 1) cgen_line(c, "%s[%s] = %s[%s];", Y.s, ix_text(&dst), X.s, ix_text(&src));
    else cgen_line(c, "memcpy(%s + %s, %s + %s, %lld * sizeof *%s);", Y.s, ix_text(&dst), X.s, ix_text(&src), LL(I), Y.s);
    if (J > 1) c->indent--, cgen_line(c, "}");
    close_runs(c, O, J);
    return O * J;
}

/* ---------------------------------------------------------------- scatter */
/* out = x, then update (outer, j, inner) is stored at / added to out (outer, idx[j], inner) for j in order; a
 * negative index counts from the end once, indices still outside the axis drop their update. Units: (outer, inner)
 * lanes; each replays all indices in order on its lanes. */
static int64_t scatter(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0], *idx = n->in[1], *upd = n->in[2];
    int axis = axis_of(n, x->rank);
    bj_dtype d = (bj_dtype)x->dtype;
    if (axis < 0 || !int_dtype((bj_dtype)idx->dtype) || upd->dtype != d || n->dtype != d || n->rank != x->rank ||
        (x->rank && memcmp(n->shape, x->shape, sizeof(int64_t) * (size_t)x->rank)))
        return bad(c, n, "operands do not fit");
    int64_t O = prod(x->shape, 0, axis), D = x->shape[axis], I = prod(x->shape, axis + 1, x->rank), J = ir_nelem(idx);
    if (ir_nelem(upd) != O * J * I) return bad(c, n, "the updates do not fit");
    if (ir_nelem(n) == 0) return empty(c);
    bool use[3] = {true, J > 0, J > 0};
    declare(c, n, use);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    bool add = n->op == IR_SCATTER_ADD;
    cgen_line(c, "/* %s: x (outer, axis, inner) = (%lld, %lld, %lld), %lld indices applied in order; negative ones "
              "count from the end, those still outside the axis are dropped */",
              ir_ops[n->op].name, LL(O), LL(D), LL(I), LL(J));
    open_runs(c, O, I);
    ix blk = {0};
    ix_add(&blk, "o", O > 1 ? D * I : 0);
    if (I == 1) {
        cgen_line(c, "memcpy(%s, %s, %lld * sizeof *%s);", at(Y.s, &blk).s, at(X.s, &blk).s, LL(D), Y.s);
    } else {
        ix row = blk;
        ix_add(&row, "d", I), ix_add(&row, "v0", 1);
        cgen_line(c, "for (int64_t d = 0; d < %lld; d++)", LL(D));
        cgen_line(c, "    memcpy(%s + %s, %s + %s, (size_t)(v1 - v0) * sizeof *%s);", Y.s, ix_text(&row), X.s,
                  ix_text(&row), Y.s);
    }
    if (J > 0) {
        nm K = buf_name(c, idx), U = buf_name(c, upd);
        cgen_line(c, "for (int64_t j = 0; j < %lld; j++) {", LL(J));
        c->indent++;
        cgen_line(c, "int64_t i = (int64_t)%s[j];", K.s);
        cgen_line(c, "i = i < 0 ? i + %lld : i;", LL(D));
        cgen_line(c, "if (i < 0 || i >= %lld) continue;", LL(D));
        ix dst = blk, src = {0};
        ix_add(&dst, "i", I), ix_add(&src, "o", O > 1 ? J * I : 0), ix_add(&src, "j", I);
        if (I > 1) ix_add(&dst, "k", 1), ix_add(&src, "k", 1);
        char yv[600], uv[600], e[1400];
        snprintf(yv, sizeof yv, "%s[%s]", Y.s, ix_text(&dst));
        snprintf(uv, sizeof uv, "%s[%s]", U.s, ix_text(&src));
        if (!add) snprintf(e, sizeof e, "%s", uv);
        else if (!arith(c, e, sizeof e, IR_ADD, d, yv, uv)) return 1;
        if (I == 1) cgen_line(c, "%s = %s;", yv, e);
        else cgen_line(c, "for (int64_t k = v0; k < v1; k++) %s = %s;", yv, e);
        c->indent--;
        cgen_line(c, "}");
    }
    close_runs(c, O, I);
    return O * I;
}

/* ---------------------------------------------------------------- concatenate */
/* The operands side by side along the axis: for each outer index, one contiguous block per operand. Units: outer
 * indices, or rows along the axis when there is one outer block. */
static int64_t concatenate(cgen *c, const ir_node *n) {
    int axis = axis_of(n, n->rank);
    if (axis < 0 || n->nin < 1) return bad(c, n, "bad axis");
    int64_t total = 0;
    for (int i = 0; i < n->nin; i++) {
        const ir_node *x = n->in[i];
        bool ok = x->rank == n->rank && x->dtype == n->dtype;
        for (int k = 0; ok && k < n->rank; k++) ok = k == axis || x->shape[k] == n->shape[k];
        if (!ok) return bad(c, n, "an operand does not fit");
        total += x->shape[axis];
    }
    if (total != n->shape[axis]) return bad(c, n, "operand sizes do not add up along the axis");
    if (ir_nelem(n) == 0) return empty(c);
    int64_t O = prod(n->shape, 0, axis), T = total, I = prod(n->shape, axis + 1, n->rank);
    for (int i = 0; i < n->nin; i++) /* operands empty along the axis are not read */
        if (n->in[i]->shape[axis] > 0) cgen_declare_buf(c, n->in[i], false);
    cgen_declare_buf(c, n, true);
    nm Y = buf_name(c, n);
    cgen_line(c, "/* concatenate %d arrays: out (outer, axis, inner) = (%lld, %lld, %lld) */", n->nin, LL(O), LL(T),
              LL(I));
    if (O > 1) {
        cgen_line(c, "for (int64_t o = lo; o < hi; o++) {");
        c->indent++;
        int64_t off = 0;
        for (int i = 0; i < n->nin; i++) {
            int64_t di = n->in[i]->shape[axis];
            if (!di) continue;
            nm X = buf_name(c, n->in[i]);
            ix dst = {0}, src = {0};
            ix_add(&dst, "o", T * I), ix_add(&dst, NULL, off * I), ix_add(&src, "o", di * I);
            cgen_line(c, "memcpy(%s + %s, %s + %s, %lld * sizeof *%s);", Y.s, ix_text(&dst), X.s, ix_text(&src),
                      LL(di * I), Y.s);
            off += di;
        }
        c->indent--;
        cgen_line(c, "}");
        return O;
    }
    /* one block: the rows [lo, hi) along the axis, as the part of each operand that falls in them */
    int64_t off = 0;
    for (int i = 0; i < n->nin; i++) {
        int64_t di = n->in[i]->shape[axis], end = off + di;
        if (!di) continue;
        nm X = buf_name(c, n->in[i]);
        char r0[64], r1[64], s0[80];
        if (off) snprintf(r0, sizeof r0, "lo > %lld ? lo : %lld", LL(off), LL(off));
        else snprintf(r0, sizeof r0, "lo");
        if (end < T) snprintf(r1, sizeof r1, "hi < %lld ? hi : %lld", LL(end), LL(end));
        else snprintf(r1, sizeof r1, "hi");
        if (off) snprintf(s0, sizeof s0, "(r0 - %lld)", LL(off));
        else snprintf(s0, sizeof s0, "r0");
        ix dst = {0}, src = {0};
        ix_add(&dst, "r0", I), ix_add(&src, s0, I);
        cgen_line(c, "if (lo < %lld && hi > %lld) { /* array %d: rows [%lld, %lld) */", LL(end), LL(off), i, LL(off),
                  LL(end));
        cgen_line(c, "    const int64_t r0 = %s, r1 = %s;", r0, r1);
        char cnt[48] = "";
        if (I > 1) snprintf(cnt, sizeof cnt, " * %lld", LL(I));
        cgen_line(c, "    memcpy(%s + %s, %s + %s, (size_t)(r1 - r0)%s * sizeof *%s);", Y.s, ix_text(&dst), X.s,
                  ix_text(&src), cnt, Y.s);
        cgen_line(c, "}");
        off = end;
    }
    return T;
}

/* ---------------------------------------------------------------- dynamic slices */
/* Emits the clamped start of every axis k of x where the block (sizes sz) can move: s<k> in [0, x_k - sz_k], as
 * JAX clamps; names[k] receives "s<k>" or "0". The start operands are n->in[first + k]. */
static void starts(cgen *c, const ir_node *n, int first, const ir_node *x, const int64_t *sz, char names[][8]) {
    for (int k = 0; k < x->rank; k++) {
        int64_t hi = x->shape[k] - sz[k];
        if (hi == 0) {
            snprintf(names[k], 8, "0");
            continue;
        }
        snprintf(names[k], 8, "s%d", k);
        nm S = buf_name(c, n->in[first + k]);
        cgen_line(c, "int64_t s%d = (int64_t)%s[0];", k, S.s);
        cgen_line(c, "s%d = s%d < 0 ? 0 : s%d > %lld ? %lld : s%d;", k, k, k, LL(hi), LL(hi), k);
    }
}

static bool starts_fit(const ir_node *n, int first, int rank) {
    if (n->nin != first + rank) return false;
    for (int k = 0; k < rank; k++)
        if (n->in[first + k]->rank != 0 || !int_dtype((bj_dtype)n->in[first + k]->dtype)) return false;
    return true;
}

/* The first axis m of a block of sizes sz inside x (rank r) from which on the block's rows are contiguous in x:
 * every axis after m is whole. */
static int contiguous_from(const ir_node *x, const int64_t *sz) {
    int m = x->rank - 1;
    while (m > 0 && sz[m] == x->shape[m]) m--;
    return m;
}

static const char *const jv[BJ_MAX_RANK] = {"j0", "j1", "j2", "j3", "j4", "j5", "j6", "j7"};

/* Opens loops over axes 1..m-1 of a block of sizes sz (size-1 axes need none); returns how many it opened. */
static int open_block_loops(cgen *c, int m, const int64_t *sz) {
    int opened = 0;
    for (int k = 1; k < m; k++)
        if (sz[k] > 1) cgen_line(c, "for (int64_t %s = 0; %s < %lld; %s++)", jv[k], jv[k], LL(sz[k]), jv[k]), opened++;
    c->indent += opened;
    return opened;
}

/* out = the block of x at the clamped starts. Units: rows of out's first axis. */
static int64_t dynamic_slice(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0];
    int r = x->rank;
    if (n->rank != r || n->dtype != x->dtype || !starts_fit(n, 1, r)) return bad(c, n, "operands do not fit");
    for (int k = 0; k < r; k++)
        if (n->shape[k] > x->shape[k]) return bad(c, n, "the slice is larger than the operand");
    if (ir_nelem(n) == 0) return empty(c);
    bool use[1 + BJ_MAX_RANK] = {true};
    for (int k = 0; k < r; k++) use[1 + k] = x->shape[k] > n->shape[k];
    declare(c, n, use);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    if (r == 0) {
        cgen_line(c, "if (lo < hi) %s[0] = %s[0];", Y.s, X.s);
        return 1;
    }
    int64_t cx[BJ_MAX_RANK], cy[BJ_MAX_RANK];
    cstrides(x, cx), cstrides(n, cy);
    cgen_line(c, "/* dynamic_slice: the block at the starts, each clamped so that the block fits */");
    char s[BJ_MAX_RANK][8];
    starts(c, n, 1, x, n->shape, s);
    ix base = {0};
    for (int k = 0; k < r; k++)
        if (strcmp(s[k], "0")) ix_add(&base, s[k], cx[k]);
    if (base.s[0]) cgen_line(c, "const int64_t base = %s;", base.s);
    int m = contiguous_from(x, n->shape);
    if (m == 0) { /* the whole block is contiguous in x: rows [lo, hi) of the first axis are one copy */
        ix src = {0};
        if (base.s[0]) ix_add(&src, "base", 1);
        ix_add(&src, "lo", cx[0]);
        cgen_line(c, "memcpy(%s + lo * %lld, %s + %s, (size_t)(hi - lo) * %lld * sizeof *%s);", Y.s, LL(cy[0]), X.s,
                  ix_text(&src), LL(cy[0]), Y.s);
        return n->shape[0];
    }
    int64_t L = prod(n->shape, m, r);
    cgen_line(c, "for (int64_t j0 = lo; j0 < hi; j0++)");
    c->indent++;
    int opened = open_block_loops(c, m, n->shape);
    ix dst = {0}, src = {0};
    if (base.s[0]) ix_add(&src, "base", 1);
    for (int k = 0; k < m; k++)
        if (k == 0 || n->shape[k] > 1) ix_add(&dst, jv[k], cy[k]), ix_add(&src, jv[k], cx[k]);
    if (L == 1) cgen_line(c, "%s[%s] = %s[%s];", Y.s, ix_text(&dst), X.s, ix_text(&src));
    else cgen_line(c, "memcpy(%s + %s, %s + %s, %lld * sizeof *%s);", Y.s, ix_text(&dst), X.s, ix_text(&src), LL(L), Y.s);
    c->indent -= opened + 1;
    return n->shape[0];
}

/* out = x with the block at the clamped starts replaced by the update. Units: rows of x's first axis; a unit copies
 * its rows of x, then the update's rows that fall in them. */
static int64_t dynamic_update_slice(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0], *u = n->in[1];
    int r = x->rank;
    bool fit = n->rank == r && u->rank == r && n->dtype == x->dtype && u->dtype == x->dtype && starts_fit(n, 2, r);
    for (int k = 0; fit && k < r; k++) fit = n->shape[k] == x->shape[k] && u->shape[k] <= x->shape[k];
    if (!fit) return bad(c, n, "operands do not fit");
    if (ir_nelem(n) == 0) return empty(c);
    bool any = ir_nelem(u) > 0, use[2 + BJ_MAX_RANK] = {r > 0, any}; /* rank 0: the update is the result */
    for (int k = 0; k < r; k++) use[2 + k] = any && x->shape[k] > u->shape[k];
    declare(c, n, use);
    nm X = buf_name(c, x), U = buf_name(c, u), Y = buf_name(c, n);
    if (r == 0) { /* the update is the whole (one-element) array */
        cgen_line(c, "if (lo < hi) %s[0] = %s[0];", Y.s, U.s);
        return 1;
    }
    int64_t cx[BJ_MAX_RANK], cu[BJ_MAX_RANK];
    cstrides(x, cx), cstrides(u, cu);
    cgen_line(c, "/* dynamic_update_slice: rows [lo, hi) of x, then the rows of the update (placed at the starts, each "
              "clamped so that it fits) that fall in them */");
    cgen_line(c, "memcpy(%s + lo * %lld, %s + lo * %lld, (size_t)(hi - lo) * %lld * sizeof *%s);", Y.s, LL(cx[0]), X.s,
              LL(cx[0]), LL(cx[0]), Y.s);
    if (!any) return x->shape[0];
    char s[BJ_MAX_RANK][8];
    starts(c, n, 2, x, u->shape, s);
    bool s0 = strcmp(s[0], "0") != 0;
    char i0[64], i1[96], rel[32];
    snprintf(i0, sizeof i0, s0 ? "lo > s0 ? lo : s0" : "lo");
    if (s0) snprintf(i1, sizeof i1, "hi < s0 + %lld ? hi : s0 + %lld", LL(u->shape[0]), LL(u->shape[0]));
    else if (u->shape[0] < x->shape[0]) snprintf(i1, sizeof i1, "hi < %lld ? hi : %lld", LL(u->shape[0]), LL(u->shape[0]));
    else snprintf(i1, sizeof i1, "hi");
    cgen_line(c, "const int64_t i0 = %s, i1 = %s;", i0, i1);
    int m = contiguous_from(x, u->shape);
    if (m == 0) { /* the update's rows are whole rows of x */
        snprintf(rel, sizeof rel, s0 ? "(i0 - s0)" : "i0");
        cgen_line(c, "if (i0 < i1) memcpy(%s + i0 * %lld, %s + %s * %lld, (size_t)(i1 - i0) * %lld * sizeof *%s);", Y.s,
                  LL(cx[0]), U.s, rel, LL(cx[0]), LL(cx[0]), Y.s);
        return x->shape[0];
    }
    ix base = {0};
    for (int k = 1; k < r; k++)
        if (strcmp(s[k], "0")) ix_add(&base, s[k], cx[k]);
    if (base.s[0]) cgen_line(c, "const int64_t base = %s;", base.s);
    int64_t L = prod(u->shape, m, r);
    cgen_line(c, "for (int64_t j0 = i0; j0 < i1; j0++)");
    c->indent++;
    int opened = open_block_loops(c, m, u->shape);
    ix dst = {0}, src = {0};
    if (base.s[0]) ix_add(&dst, "base", 1);
    ix_add(&dst, "j0", cx[0]), ix_add(&src, s0 ? "(j0 - s0)" : "j0", cu[0]);
    for (int k = 1; k < m; k++)
        if (u->shape[k] > 1) ix_add(&dst, jv[k], cx[k]), ix_add(&src, jv[k], cu[k]);
    if (L == 1) cgen_line(c, "%s[%s] = %s[%s];", Y.s, ix_text(&dst), U.s, ix_text(&src));
    else cgen_line(c, "memcpy(%s + %s, %s + %s, %lld * sizeof *%s);", Y.s, ix_text(&dst), U.s, ix_text(&src), LL(L), Y.s);
    c->indent -= opened + 1;
    return x->shape[0];
}

/* ---------------------------------------------------------------- scans */
#define SCAN_ROWS 8 /* rows scanned side by side when the axis is the last */
/* out[o, j, k] = f(out[o, j - 1, k], x[o, j, k]) in j order, out[o, 0, k] = x[o, 0, k]. Units: (outer, inner) lanes;
 * the lanes of a run advance together, one row j at a time (a vector op over k). */
static int64_t scan(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0];
    int axis = axis_of(n, x->rank);
    bj_dtype d = (bj_dtype)x->dtype;
    if (axis < 0 || n->dtype != d || ir_nelem(n) != ir_nelem(x)) return bad(c, n, "operands do not fit");
    if (ir_nelem(n) == 0) return empty(c);
    int64_t O = prod(x->shape, 0, axis), D = x->shape[axis], I = prod(x->shape, axis + 1, x->rank);
    ir_op f = n->op == IR_CUMSUM ? IR_ADD : IR_MUL;
    declare(c, n, NULL);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    cgen_line(c, "/* %s along the axis of (outer, axis, inner) = (%lld, %lld, %lld), row by row */", ir_ops[n->op].name,
              LL(O), LL(D), LL(I));
    if (I == 1 && O >= SCAN_ROWS && D > 1) { /* one chain per row: SCAN_ROWS rows side by side hide its latency */
        char yp[200], xc[200], e[600];
        snprintf(yp, sizeof yp, "%s[(o + r) * %lld + j - 1]", Y.s, LL(D));
        snprintf(xc, sizeof xc, "%s[(o + r) * %lld + j]", X.s, LL(D));
        if (!arith(c, e, sizeof e, f, d, yp, xc)) return 1;
        cgen_line(c, "const int64_t ob = lo + (hi - lo) / %d * %d;", SCAN_ROWS, SCAN_ROWS);
        cgen_line(c, "for (int64_t o = lo; o < ob; o += %d) {", SCAN_ROWS);
        cgen_line(c, "    for (int r = 0; r < %d; r++) %s[(o + r) * %lld] = %s[(o + r) * %lld];", SCAN_ROWS, Y.s, LL(D), X.s,
                  LL(D));
        cgen_line(c, "    for (int64_t j = 1; j < %lld; j++)", LL(D));
        cgen_line(c, "        for (int r = 0; r < %d; r++) %s[(o + r) * %lld + j] = %s;", SCAN_ROWS, Y.s, LL(D), e);
        cgen_line(c, "}");
        cgen_line(c, "for (int64_t o = ob; o < hi; o++) {");
        snprintf(yp, sizeof yp, "%s[o * %lld + j - 1]", Y.s, LL(D));
        snprintf(xc, sizeof xc, "%s[o * %lld + j]", X.s, LL(D));
        if (!arith(c, e, sizeof e, f, d, yp, xc)) return 1;
        cgen_line(c, "    %s[o * %lld] = %s[o * %lld];", Y.s, LL(D), X.s, LL(D));
        cgen_line(c, "    for (int64_t j = 1; j < %lld; j++) %s[o * %lld + j] = %s;", LL(D), Y.s, LL(D), e);
        cgen_line(c, "}");
        return O;
    }
    open_runs(c, O, I);
    ix first = {0}, cur = {0}, prev = {0};
    ix_add(&first, "o", O > 1 ? D * I : 0);
    cur = prev = first;
    ix_add(&cur, "j", I), ix_add(&prev, "(j - 1)", I);
    if (I > 1) ix_add(&first, "k", 1), ix_add(&cur, "k", 1), ix_add(&prev, "k", 1);
    const char *lanes = I > 1 ? "for (int64_t k = v0; k < v1; k++) " : "";
    cgen_line(c, "%s%s[%s] = %s[%s];", lanes, Y.s, ix_text(&first), X.s, ix_text(&first));
    if (D > 1) {
        char yp[600], xc[600], e[1400];
        snprintf(yp, sizeof yp, "%s[%s]", Y.s, ix_text(&prev));
        snprintf(xc, sizeof xc, "%s[%s]", X.s, ix_text(&cur));
        if (!arith(c, e, sizeof e, f, d, yp, xc)) return 1;
        cgen_line(c, "for (int64_t j = 1; j < %lld; j++)", LL(D));
        cgen_line(c, "    %s%s[%s] = %s;", lanes, Y.s, ix_text(&cur), e);
    }
    close_runs(c, O, I);
    return O * I;
}

/* ---------------------------------------------------------------- matmul */
#define MM_ROWS 4         /* rows of a register tile */
#define MM_VBYTES 32      /* bytes of a vector (AVX2; compilers split it where vectors are narrower) */
#define MM_VEC 64         /* bytes of a register tile's row: two vectors */
#define MM_PANEL 131072   /* bytes of the panel of b on the stack (a k block x a column tile) */
#define MM_WIDE 32        /* fewer rows of a than this: wide column tiles */
#define MM_RUN 64         /* columns per unit when a has few rows (a part's units merge into one strip) */
#define MV_ROWS 8         /* rows summed side by side when b is one column */

typedef struct mm {
    cgen *c;
    const ir_node *n;
    const char *T;
    int64_t nb, M, K, N;
    char zero[64], mul[160], add[320]; /* p = mul (of aik, pb[k * N + j]); c = add (of c, p) */
} mm;

/* Emits `const T *restrict pa = a + offset of batch t` for operand x (batch strides right-aligned against the
 * result's batch shape, 0 where x's batch axis is missing or 1). */
static void batch_ptr(const mm *m, const ir_node *x, const char *var) {
    const ir_node *n = m->n;
    int rb = n->rank - 2, rx = x->rank - 2;
    int64_t cst[BJ_MAX_RANK];
    cstrides(x, cst);
    ix off = {0};
    for (int k = 0; k < rb; k++) {
        int kx = k - (rb - rx);
        if (kx < 0 || x->shape[kx] == 1) continue;
        char term[96];
        int64_t inner = prod(n->shape, k + 1, rb);
        if (k == 0) snprintf(term, sizeof term, inner > 1 ? "(t / %lld)" : "t", LL(inner));
        else if (inner > 1) snprintf(term, sizeof term, "(t / %lld %% %lld)", LL(inner), LL(n->shape[k]));
        else snprintf(term, sizeof term, "(t %% %lld)", LL(n->shape[k]));
        ix_add(&off, term, cst[kx]);
    }
    nm X = buf_name(m->c, x);
    cgen_line(m->c, "const %s *restrict %s = %s;", m->T, var, at(X.s, &off).s);
}

static void mm_ptrs(const mm *m) {
    batch_ptr(m, m->n->in[0], "pa");
    batch_ptr(m, m->n->in[1], "pb");
    nm C = buf_name(m->c, m->n);
    ix off = {0};
    ix_add(&off, m->nb > 1 ? "t" : NULL, m->nb > 1 ? m->M * m->N : 0);
    cgen_line(m->c, "%s *restrict pc = %s;", m->T, at(C.s, &off).s);
}

/* Rows [i0, i1) x columns [j0, j1) of c (C expressions), k outside so that the inner loop runs along a row of b and
 * of c: each c[i][j] still receives its products in k order. */
static void mm_simple(const mm *m, const char *i0, const char *i1, const char *j0, const char *j1) {
    cgen *c = m->c;
    long long N = LL(m->N);
    cgen_line(c, "for (int64_t i = %s; i < %s; i++)", i0, i1);
    cgen_line(c, "    for (int64_t j = %s; j < %s; j++) pc[i * %lld + j] = %s;", j0, j1, N, m->zero);
    cgen_line(c, "for (int64_t k = 0; k < %lld; k++)", LL(m->K));
    cgen_line(c, "    for (int64_t i = %s; i < %s; i++) {", i0, i1);
    cgen_line(c, "        const %s aik = pa[i * %lld + k];", m->T, LL(m->K));
    cgen_line(c, "        for (int64_t j = %s; j < %s; j++) {", j0, j1);
    cgen_line(c, "            const %s p = %s;", m->T, m->mul);
    cgen_line(c, "            pc[i * %lld + j] = %s;", N, m->add);
    cgen_line(c, "        }");
    cgen_line(c, "    }");
}

/* a with few rows: units are runs of MM_RUN columns; a part streams whole rows of b over its columns. */
static int64_t mm_few_rows(const mm *m) {
    cgen *c = m->c;
    int64_t nj = (m->N + MM_RUN - 1) / MM_RUN;
    long long q = LL(nj), w = LL(MM_RUN), N = LL(m->N);
    if (m->nb > 1) {
        cgen_line(c, "for (int64_t r = lo; r < hi;) { /* runs of one batch t: columns [j0, j1) */");
        cgen_line(c, "    const int64_t t = r / %lld, q1 = hi - t * %lld < %lld ? hi - t * %lld : %lld;", q, q, q, q, q);
        cgen_line(c, "    const int64_t j0 = (r - t * %lld) * %lld, j1 = q1 * %lld < %lld ? q1 * %lld : %lld;", q, w, w, N,
                  w, N);
    } else {
        cgen_line(c, "{");
        cgen_line(c, "    const int64_t j0 = lo * %lld, j1 = hi * %lld < %lld ? hi * %lld : %lld;", w, w, N, w, N);
    }
    c->indent++;
    mm_ptrs(m);
    char rows[32];
    snprintf(rows, sizeof rows, "%lld", LL(m->M));
    mm_simple(m, "0", rows, "j0", "j1");
    if (m->nb > 1) cgen_line(c, "r = t * %lld + q1;", q);
    c->indent--;
    cgen_line(c, "}");
    return m->nb * nj;
}

/* b is one column: MV_ROWS rows' sums side by side (a short last tile repeats its last row). */
static int64_t mm_column(const mm *m) {
    cgen *c = m->c;
    int64_t rows = m->M < MV_ROWS ? m->M : MV_ROWS, ni = (m->M + rows - 1) / rows;
    long long R = LL(rows), M = LL(m->M);
    cgen_line(c, "for (int64_t u = lo; u < hi; u++) {");
    c->indent++;
    if (m->nb > 1) cgen_line(c, "const int64_t t = u / %lld, i0 = u %% %lld * %lld, i1 = i0 + %lld < %lld ? i0 + %lld : %lld;",
                             LL(ni), LL(ni), R, R, M, R, M);
    else cgen_line(c, "const int64_t i0 = u * %lld, i1 = i0 + %lld < %lld ? i0 + %lld : %lld;", R, R, M, R, M);
    mm_ptrs(m);
    cgen_line(c, "const %s *ar[%lld];", m->T, R);
    cgen_line(c, "for (int r = 0; r < %lld; r++) ar[r] = pa + (i0 + r < i1 ? i0 + r : i1 - 1) * %lld;", R, LL(m->K));
    cgen_line(c, "%s acc[%lld];", m->T, R);
    cgen_line(c, "for (int r = 0; r < %lld; r++) acc[r] = %s;", R, m->zero);
    cgen_line(c, "for (int64_t k = 0; k < %lld; k++) {", LL(m->K));
    cgen_line(c, "    const %s bk = pb[k];", m->T);
    cgen_line(c, "    for (int r = 0; r < %lld; r++) {", R);
    cgen_line(c, "        const %s p = %s;", m->T, m->mul);
    cgen_line(c, "        acc[r] = %s;", m->add);
    cgen_line(c, "    }");
    cgen_line(c, "}");
    cgen_line(c, "for (int64_t i = i0; i < i1; i++) pc[i] = acc[i - i0];");
    c->indent--;
    cgen_line(c, "}");
    return m->nb * ni;
}

/* Emits the head of a tile unit u: its batch t, row tile [i0, i1) (i1 only if `ends`), column tile [j0, j1) and the
 * pointers. */
static void mm_unit(const mm *m, int64_t ni, int64_t nj, int64_t rows, int64_t cols, bool ends) {
    cgen *c = m->c;
    long long R = LL(rows), M = LL(m->M), N = LL(m->N), C = LL(cols);
    if (m->nb > 1) cgen_line(c, "const int64_t t = u / %lld;", LL(ni * nj));
    if (nj > 1) cgen_line(c, m->nb > 1 ? "const int64_t jt = u / %lld %% %lld;" : "const int64_t jt = u / %lld;", LL(ni),
                          LL(nj));
    if (!ends) cgen_line(c, ni > 1 ? "const int64_t i0 = u %% %lld * %lld;" : "const int64_t i0 = 0;", LL(ni), R);
    else if (ni > 1) cgen_line(c, "const int64_t i0 = u %% %lld * %lld, i1 = i0 + %lld < %lld ? i0 + %lld : %lld;", LL(ni),
                               R, R, M, R, M);
    else cgen_line(c, "const int64_t i0 = 0, i1 = %lld;", M);
    if (nj > 1) cgen_line(c, "const int64_t j0 = jt * %lld, j1 = j0 + %lld < %lld ? j0 + %lld : %lld;", C, C, N, C, N);
    else cgen_line(c, "const int64_t j0 = 0, j1 = %lld;", N);
    mm_ptrs(m);
}

/* Tiles of MM_ROWS rows x cols columns (row tiles innermost, so that consecutive units share a column tile of b),
 * made of register tiles of MM_ROWS x vw columns whose sums live in vector variables while k runs. k runs in blocks:
 * for each block, a part copies the block's rows of its current column tile of b into a panel on the stack,
 * contiguous per register tile, and every row tile of the part reads it there; between blocks the sums wait in the
 * result (loaded back exactly). Wide column tiles when a has few rows (b is read once: whole pages per row), narrow
 * ones otherwise (a panel serves more rows). Edges (a short last row tile, columns past the last whole register
 * tile, and everything without GNU C vectors) take the simple loops afterwards. */
static int64_t mm_tiles(const mm *m, int64_t es) {
    cgen *c = m->c;
    int64_t vw = MM_VEC / es, rows = MM_ROWS, nl = MM_VBYTES / es;
    int64_t ncols = (m->N + vw - 1) / vw * vw, cols = (m->M < MM_WIDE ? 4096 : 256) / es / vw * vw;
    cols = cols < vw ? vw : cols > ncols ? ncols : cols;
    int64_t kb = MM_PANEL / (cols * es);
    kb = kb < 1 ? 1 : kb > m->K ? m->K : kb;
    int64_t ni = (m->M + rows - 1) / rows, nj = (m->N + cols - 1) / cols;
    long long R = LL(rows), N = LL(m->N), K = LL(m->K), V = LL(vw), KB = LL(kb);
    bj_dtype d = (bj_dtype)m->n->dtype;
    if (m->N >= vw) {
        /* GNU C vectors: named vector variables are the one form that gcc and clang both keep in registers across
         * the k loop (an array of sums is spilled by clang and vectorised along k by gcc). Integer lanes are
         * unsigned so that they wrap; the bits stored are those of the wrapped signed sum. */
        const char *lane = d == BJ_F32 ? "float" : d == BJ_F64 ? "double" : es == 8 ? "uint64_t" : "uint32_t";
        cgen_line(c, "#if defined(__GNUC__)");
        cgen_line(c, "typedef %s mm_v __attribute__((vector_size(%d)));", lane, MM_VBYTES);
        cgen_line(c, "%s panel[%lld]; /* rows [kb, ke) of b's whole register tiles in the current column tile */", m->T,
                  LL(kb * cols));
        if (kb < m->K) cgen_line(c, "for (int64_t kb = 0; kb < %lld; kb += %lld) {", K, KB);
        else cgen_line(c, "{");
        c->indent++;
        if (kb < m->K) cgen_line(c, "const int64_t ke = kb + %lld < %lld ? kb + %lld : %lld;", KB, K, KB, K);
        else cgen_line(c, "const int64_t kb = 0, ke = %lld;", K);
        cgen_line(c, "int64_t packed = -1; /* the column tile (u / %lld) in the panel */", LL(ni));
        cgen_line(c, "for (int64_t u = lo; u < hi; u++) {");
        c->indent++;
        mm_unit(m, ni, nj, rows, cols, m->M % rows != 0);
        cgen_line(c, "const int64_t jf = j0 + (j1 - j0) / %lld * %lld;", V, V);
        if (m->M % rows) cgen_line(c, "if (i1 - i0 < %lld) continue; /* a short row tile: the simple loops */", R);
        cgen_line(c, "if (u / %lld != packed) {", LL(ni));
        cgen_line(c, "    for (int64_t k = kb; k < ke; k++)");
        cgen_line(c, "        for (int64_t j = j0; j < jf; j += %lld)", V);
        cgen_line(c, "            memcpy(panel + (j - j0) * %lld + (k - kb) * %lld, pb + k * %lld + j, %lld * sizeof *panel);",
                  KB, V, N, V);
        cgen_line(c, "    packed = u / %lld;", LL(ni));
        cgen_line(c, "}");
        cgen_line(c, "for (int64_t j = j0; j < jf; j += %lld) { /* a %lld x %lld register tile */", V, R, V);
        c->indent++;
        char names[200] = "", zero[300] = "";
        for (int64_t r = 0; r < rows; r++)
            for (int h = 0; h < 2; h++) {
                size_t len = strlen(names), zl = strlen(zero);
                snprintf(names + len, sizeof names - len, "%sc%lld%d", r || h ? ", " : "", LL(r), h);
                snprintf(zero + zl, sizeof zero - zl, "c%lld%d = ", LL(r), h);
            }
        cgen_line(c, "mm_v %s;", names);
        cgen_line(c, "if (kb == 0) {");
        cgen_line(c, "    %s(mm_v){0};", zero);
        cgen_line(c, "} else { /* the sums so far */");
        for (int64_t r = 0; r < rows; r++)
            for (int h = 0; h < 2; h++)
                cgen_line(c, "    memcpy(&c%lld%d, pc + (i0 + %lld) * %lld + j + %lld, sizeof c%lld%d);", LL(r), h, LL(r), N,
                          LL(h * nl), LL(r), h);
        cgen_line(c, "}");
        cgen_line(c, "for (int64_t k = kb; k < ke; k++) {");
        c->indent++;
        cgen_line(c, "const %s *bk = panel + (j - j0) * %lld + (k - kb) * %lld;", m->T, KB, V);
        cgen_line(c, "mm_v w0, w1;");
        cgen_line(c, "memcpy(&w0, bk, sizeof w0);");
        cgen_line(c, "memcpy(&w1, bk + %lld, sizeof w1);", LL(nl));
        char bc[200] = "";
        for (int64_t l = 0; l < nl; l++) {
            size_t len = strlen(bc);
            snprintf(bc + len, sizeof bc - len, "%ss", l ? ", " : "");
        }
        for (int64_t r = 0; r < rows; r++) {
            cgen_line(c, "{");
            cgen_line(c, "    const %s s = (%s)pa[(i0 + %lld) * %lld + k];", lane, lane, LL(r), K);
            cgen_line(c, "    const mm_v a = {%s};", bc);
            cgen_line(c, "    c%lld0 += a * w0;", LL(r));
            cgen_line(c, "    c%lld1 += a * w1;", LL(r));
            cgen_line(c, "}");
        }
        c->indent--;
        cgen_line(c, "}");
        for (int64_t r = 0; r < rows; r++)
            for (int h = 0; h < 2; h++)
                cgen_line(c, "memcpy(pc + (i0 + %lld) * %lld + j + %lld, &c%lld%d, sizeof c%lld%d);", LL(r), N, LL(h * nl),
                          LL(r), h, LL(r), h);
        c->indent--;
        cgen_line(c, "}");
        c->indent--;
        cgen_line(c, "}");
        c->indent--;
        cgen_line(c, "}");
        cgen_line(c, "#endif");
    }
    if (m->N < vw || m->M % rows || m->N % vw) {
        cgen_line(c, "for (int64_t u = lo; u < hi; u++) { /* the edges */");
        c->indent++;
        mm_unit(m, ni, nj, rows, cols, true);
        if (m->N >= vw) {
            cgen_line(c, "#if defined(__GNUC__)");
            if (m->M % rows) cgen_line(c, "const int64_t jm = i1 - i0 == %lld ? j0 + (j1 - j0) / %lld * %lld : j0;", R, V, V);
            else cgen_line(c, "const int64_t jm = j0 + (j1 - j0) / %lld * %lld;", V, V);
            cgen_line(c, "#else");
            cgen_line(c, "const int64_t jm = j0;");
            cgen_line(c, "#endif");
            mm_simple(m, "i0", "i1", "jm", "j1");
        } else {
            mm_simple(m, "i0", "i1", "j0", "j1");
        }
        c->indent--;
        cgen_line(c, "}");
    } else {
        cgen_line(c, "#if !defined(__GNUC__)");
        cgen_line(c, "for (int64_t u = lo; u < hi; u++) {");
        c->indent++;
        mm_unit(m, ni, nj, rows, cols, true);
        mm_simple(m, "i0", "i1", "j0", "j1");
        c->indent--;
        cgen_line(c, "}");
        cgen_line(c, "#endif");
    }
    return m->nb * nj * ni;
}

static int64_t matmul(cgen *c, const ir_node *n) {
    const ir_node *a = n->in[0], *b = n->in[1];
    bj_dtype d = (bj_dtype)n->dtype;
    if (a->rank < 2 || b->rank < 2 || n->rank < 2 || a->dtype != d || b->dtype != d || d == BJ_BOOL)
        return bad(c, n, "operands do not fit");
    int rb = n->rank - 2;
    mm m = {.c = c, .n = n, .T = cgen_ctype(d), .nb = prod(n->shape, 0, rb), .M = a->shape[a->rank - 2],
            .K = a->shape[a->rank - 1], .N = b->shape[b->rank - 1]};
    bool ok = b->shape[b->rank - 2] == m.K && n->shape[rb] == m.M && n->shape[rb + 1] == m.N && a->rank - 2 <= rb &&
              b->rank - 2 <= rb;
    for (int k = 0; ok && k < rb; k++) {
        int ka = k - (rb - (a->rank - 2)), kb = k - (rb - (b->rank - 2));
        ok = (ka < 0 || a->shape[ka] == 1 || a->shape[ka] == n->shape[k]) &&
             (kb < 0 || b->shape[kb] == 1 || b->shape[kb] == n->shape[k]);
    }
    if (!ok) return bad(c, n, "operand shapes do not fit");
    if (ir_nelem(n) == 0) return empty(c);
    bool use[2] = {m.K > 0, m.K > 0};
    declare(c, n, use);
    cgen_literal(m.zero, sizeof m.zero, d, 0.0, 0);
    if (m.K == 0) { /* empty sums: +0 */
        nm C = buf_name(c, n);
        cgen_line(c, "/* matmul with k = 0: every sum is empty */");
        cgen_line(c, "for (int64_t t = lo; t < hi; t++)");
        cgen_line(c, "    for (int64_t i = 0; i < %lld; i++) %s[t * %lld + i] = %s;", LL(m.M * m.N), C.s, LL(m.M * m.N),
                  m.zero);
        return m.nb;
    }
    bool column = m.N == 1;
    char bkj[64];
    snprintf(bkj, sizeof bkj, "pb[k * %lld + j]", LL(m.N));
    char cij[64];
    snprintf(cij, sizeof cij, "pc[i * %lld + j]", LL(m.N));
    if (!arith(c, m.mul, sizeof m.mul, IR_MUL, d, column ? "ar[r][k]" : "aik", column ? "bk" : bkj) ||
        !arith(c, m.add, sizeof m.add, IR_ADD, d, column ? "acc[r]" : cij, "p"))
        return 1;
    cgen_line(c, "/* matmul: %lld x [%lld x %lld] @ [%lld x %lld]; each result is its products summed in k order from "
              "%s */", LL(m.nb), LL(m.M), LL(m.K), LL(m.K), LL(m.N), m.zero);
    if (column) return mm_column(&m);
    if (m.M < MM_ROWS) return mm_few_rows(&m);
    return mm_tiles(&m, (int64_t)bj_dtype_size(d));
}

/* ---------------------------------------------------------------- entry */
int64_t cgen_node(cgen *c, const opt_kernel *k) {
    if (!k || k->nnodes != 1) {
        cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: a node kernel computes %d nodes", k ? k->nnodes : 0);
        return 1;
    }
    const ir_node *n = k->nodes[k->nnodes - 1];
    if (c->declared) memset(c->declared, 0, (size_t)c->p->nbufs);
    for (int i = 0; i < n->nin; i++)
        if (c->p->buf_of[n->in[i]->id] < 0) return bad(c, n, "an operand has no buffer");
    if (c->p->buf_of[n->id] < 0) return bad(c, n, "the result has no buffer");
    switch ((ir_op)n->op) {
    case IR_TAKE: return take(c, n);
    case IR_SCATTER_SET: case IR_SCATTER_ADD: return scatter(c, n);
    case IR_CONCATENATE: return concatenate(c, n);
    case IR_DYNAMIC_SLICE: return dynamic_slice(c, n);
    case IR_DYNAMIC_UPDATE_SLICE: return dynamic_update_slice(c, n);
    case IR_CUMSUM: case IR_CUMPROD: return scan(c, n);
    case IR_MATMUL: return matmul(c, n);
    default: return bad(c, n, "not an op with a loop nest of its own");
    }
}
