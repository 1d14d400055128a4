/* render_node.c — the C renderer's NODE kernels: take, scatter, concatenate, dynamic slices and scans (matmul is in
 * render_matmul.c, sort in render_sort.c), each a loop nest of its own over whole operand buffers, computing what
 * the interpreter computes.
 *
 * Design note. Shapes are static, so every extent and stride is printed as a constant and index expressions are
 * affine in a few loop variables. Each body splits a range [lo, hi) of independent units over threads, chosen so
 * that every result element is written by one unit, with the interpreter's arithmetic order:
 *  - take, scatter and scans walk x as (outer, axis, inner) blocks; their units are the lanes of outer x (indices or
 *    inner positions), cut into runs of one outer index. A scatter unit replays every index in order on its own
 *    lanes, so duplicates overwrite or accumulate as they do in the interpreter.
 *  - concatenate copies outer blocks (or rows along the axis when there is a single outer block); the dynamic
 *    slices copy rows of the leading axis, the trailing axes that are whole merged into one memcpy.
 *  - matmul: see render_matmul.c. */
#include "backend/c/render_node.h"

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
/* Emits the start of every axis k of x where the block (sizes sz) can move, as JAX normalises it: a negative start
 * counts from the end once (+ x_k), then clamps into [0, x_k - sz_k]; names[k] receives "s<k>" or "0". The start
 * operands are n->in[first + k]. */
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
        cgen_line(c, "s%d = s%d < 0 ? s%d + %lld : s%d;", k, k, k, LL(x->shape[k]), k);
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

/* out = the block of x at the normalised starts. Units: rows of out's first axis. */
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
    cgen_line(c, "/* dynamic_slice: the block at the starts (a negative one counts from the end), each clamped so "
              "that the block fits */");
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

/* out = x with the block at the normalised starts replaced by the update. Units: rows of x's first axis; a unit copies
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
              "counted from the end if negative, then clamped so that it fits) that fall in them */");
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
/* The first element of a scan: the identity (0 or 1) folded with x0, as the interpreter does (cumsum of -0.0 is
 * +0.0; the compiler drops the fold where it changes nothing). */
static bool scan_first(cgen *c, char *buf, size_t cap, ir_op f, bj_dtype d, const char *x0) {
    char id[64];
    cgen_literal(id, sizeof id, d, f == IR_MUL, f == IR_MUL);
    return arith(c, buf, cap, f, d, id, x0);
}

/* out[o, j, k] = f(out[o, j - 1, k], x[o, j, k]) in j order, out[o, 0, k] = f(identity, x[o, 0, k]). Units: (outer,
 * inner) lanes; the lanes of a run advance together, one row j at a time (a vector op over k). */
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
        char yp[200], xc[200], e[600], e0[600];
        snprintf(yp, sizeof yp, "%s[(o + r) * %lld + j - 1]", Y.s, LL(D));
        snprintf(xc, sizeof xc, "%s[(o + r) * %lld + j]", X.s, LL(D));
        if (!arith(c, e, sizeof e, f, d, yp, xc)) return 1;
        snprintf(xc, sizeof xc, "%s[(o + r) * %lld]", X.s, LL(D));
        if (!scan_first(c, e0, sizeof e0, f, d, xc)) return 1;
        cgen_line(c, "const int64_t ob = lo + (hi - lo) / %d * %d;", SCAN_ROWS, SCAN_ROWS);
        cgen_line(c, "for (int64_t o = lo; o < ob; o += %d) {", SCAN_ROWS);
        cgen_line(c, "    for (int r = 0; r < %d; r++) %s[(o + r) * %lld] = %s;", SCAN_ROWS, Y.s, LL(D), e0);
        cgen_line(c, "    for (int64_t j = 1; j < %lld; j++)", LL(D));
        cgen_line(c, "        for (int r = 0; r < %d; r++) %s[(o + r) * %lld + j] = %s;", SCAN_ROWS, Y.s, LL(D), e);
        cgen_line(c, "}");
        cgen_line(c, "for (int64_t o = ob; o < hi; o++) {");
        snprintf(yp, sizeof yp, "%s[o * %lld + j - 1]", Y.s, LL(D));
        snprintf(xc, sizeof xc, "%s[o * %lld + j]", X.s, LL(D));
        if (!arith(c, e, sizeof e, f, d, yp, xc)) return 1;
        snprintf(xc, sizeof xc, "%s[o * %lld]", X.s, LL(D));
        if (!scan_first(c, e0, sizeof e0, f, d, xc)) return 1;
        cgen_line(c, "    %s[o * %lld] = %s;", Y.s, LL(D), e0);
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
    char x0[600], e0[1400];
    snprintf(x0, sizeof x0, "%s[%s]", X.s, ix_text(&first));
    if (!scan_first(c, e0, sizeof e0, f, d, x0)) return 1;
    cgen_line(c, "%s%s[%s] = %s;", lanes, Y.s, ix_text(&first), e0);
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

/* ---------------------------------------------------------------- entry */
int64_t cgen_node(cgen *c, const opt_kernel *k) {
    if (!k || k->nnodes != 1) {
        cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: a node kernel computes %d nodes", k ? k->nnodes : 0);
        return 1;
    }
    const ir_node *n = k->nodes[k->nnodes - 1];
    if (c->declared) memset(c->declared, 0, (size_t)c->p->nbufs);
    if (ir_ops[n->op].kind == IR_K_SPARSE) return cgen_sparse(c, n); /* checks its own operands */
    for (int i = 0; i < n->nin; i++)
        if (!cgen_has_buf(c, n->in[i])) return bad(c, n, "an operand has no buffer");
    if (c->p->buf_of[n->id] < 0) return bad(c, n, "the result has no buffer");
    switch ((ir_op)n->op) {
    case IR_TAKE: return take(c, n);
    case IR_SCATTER_SET: case IR_SCATTER_ADD: return scatter(c, n);
    case IR_CONCATENATE: return concatenate(c, n);
    case IR_DYNAMIC_SLICE: return dynamic_slice(c, n);
    case IR_DYNAMIC_UPDATE_SLICE: return dynamic_update_slice(c, n);
    case IR_CUMSUM: case IR_CUMPROD: return scan(c, n);
    case IR_SORT: case IR_ARGSORT: return cgen_sort(c, n);
    case IR_NONZERO: return cgen_nonzero(c, n);
    case IR_MATMUL: return cgen_matmul(c, n);
    default: return bad(c, n, "not an op with a loop nest of its own");
    }
}
