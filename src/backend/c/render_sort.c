/* render_sort.c — the C renderer's sort and argsort kernels: one call of the prelude's bj_sort_line_<dtype>
 * (src/core/bjsort.h, the interpreter's helper too) per line along the axis; and nonzero.
 *
 * Design note. The units split over threads are the lines, (outer, inner) pairs of x seen as (outer, axis, inner):
 * a line is read and written with stride `inner`, so no transpose is needed whichever axis is sorted. Each call of
 * the kernel body takes one scratch block for the merge sort and reuses it for its lines; a kernel cannot report
 * an error, so if the allocation fails the helper sorts in place by insertion instead, which is slower but gives
 * the same bits (a stable sort's result is unique). */
#include "backend/c/render_node.h"

int64_t cgen_sort(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0];
    bool arg = n->op == IR_ARGSORT;
    int axis = axis_of(n, x->rank);
    if (axis < 0 || n->dtype != (arg ? BJ_I32 : x->dtype) || ir_nelem(n) != ir_nelem(x))
        return bad(c, n, "operands do not fit");
    if (ir_nelem(n) == 0) return empty(c);
    int64_t O = prod(x->shape, 0, axis), D = x->shape[axis], I = prod(x->shape, axis + 1, x->rank);
    bj_dtype d = (bj_dtype)x->dtype;
    declare(c, n, NULL);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    cgen_line(c, "/* %s along the axis of (outer, axis, inner) = (%lld, %lld, %lld): line by line, stable, ascending, "
              "NaN last */", ir_ops[n->op].name, LL(O), LL(D), LL(I));
    char at[160];
    if (I == 1) snprintf(at, sizeof at, "l * %lld", LL(D));
    else if (O == 1) snprintf(at, sizeof at, "l");
    else snprintf(at, sizeof at, "l / %lld * %lld + l %% %lld", LL(I), LL(D * I), LL(I));
    cgen_line(c, "void *scratch = bj_sort_scratch_new(%lld, sizeof(%s)); /* NULL: sorted in place, same result */",
              LL(D), cgen_ctype(d));
    cgen_line(c, "for (int64_t l = lo; l < hi; l++) {");
    cgen_line(c, "    const int64_t at = %s;", at);
    if (arg)
        cgen_line(c, "    bj_sort_line_%s(%s + at, %lld, NULL, %s + at, %lld, %lld, scratch);", cgen_dtag(d), X.s, LL(I),
                  Y.s, LL(I), LL(D));
    else
        cgen_line(c, "    bj_sort_line_%s(%s + at, %lld, %s + at, NULL, %lld, %lld, scratch);", cgen_dtag(d), X.s, LL(I),
                  Y.s, LL(I), LL(D));
    cgen_line(c, "}");
    cgen_line(c, "bj_sort_scratch_free(scratch);");
    return O * I;
}

/* nonzero: one pass over x, then the fill. Bools go 64 at a time: a block with no true byte (most of a spike vector)
 * costs one vectorized test, and in the others the true bytes are found a word at a time by their bits (little-
 * endian GNU C; byte by byte elsewhere). One thread (extent 1): a slot's index depends on every element before it. */
int64_t cgen_nonzero(cgen *c, const ir_node *n) {
    const ir_node *x = n->in[0];
    if (n->nattr != 2 || n->dtype != BJ_I32 || n->rank != 1 || n->shape[0] != n->attr[0] || ir_nelem(x) > INT32_MAX)
        return bad(c, n, "operands do not fit");
    int64_t size = n->attr[0], nx = ir_nelem(x);
    if (size == 0) return empty(c);
    declare(c, n, NULL);
    nm X = buf_name(c, x), Y = buf_name(c, n);
    cgen_line(c, "/* nonzero: the first %lld flat indices of the nonzero elements of %lld, then %lld */", LL(size),
              LL(nx), LL(n->attr[1]));
    cgen_line(c, "(void)lo, (void)hi;");
    cgen_line(c, "int64_t k = 0;");
    if (x->dtype == BJ_BOOL) {
        cgen_line(c, "int64_t i = 0;");
        cgen_line(c, "for (; i + 64 <= %lld && k < %lld; i += 64) {", LL(nx), LL(size));
        cgen_line(c, "    uint64_t w[8], any = 0;");
        cgen_line(c, "    memcpy(w, %s + i, 64);", X.s);
        cgen_line(c, "    for (int j = 0; j < 8; j++) any |= w[j];");
        cgen_line(c, "    if (!any) continue;");
        cgen_line(c, "#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__");
        cgen_line(c, "    for (int j = 0; j < 8 && k < %lld; j++) { /* the high bit of each nonzero byte, lowest first */",
                  LL(size));
        cgen_line(c, "        const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f);");
        cgen_line(c, "        uint64_t m = (((w[j] & lo7) + lo7) | w[j]) & ~lo7;");
        cgen_line(c, "        for (; m && k < %lld; m &= m - 1) %s[k++] = (int32_t)(i + 8 * j + (__builtin_ctzll(m) >> 3));",
                  LL(size), Y.s);
        cgen_line(c, "    }");
        cgen_line(c, "#else");
        cgen_line(c, "    for (int64_t j = i; j < i + 64 && k < %lld; j++)", LL(size));
        cgen_line(c, "        if (%s[j]) %s[k++] = (int32_t)j;", X.s, Y.s);
        cgen_line(c, "#endif");
        cgen_line(c, "}");
        cgen_line(c, "for (; i < %lld && k < %lld; i++)", LL(nx), LL(size));
        cgen_line(c, "    if (%s[i]) %s[k++] = (int32_t)i;", X.s, Y.s);
    } else
        cgen_line(c, "for (int64_t i = 0; i < %lld && k < %lld; i++) if (%s[i] != 0) %s[k++] = (int32_t)i;", LL(nx),
                  LL(size), X.s, Y.s);
    cgen_line(c, "for (; k < %lld; k++) %s[k] = %lld;", LL(size), Y.s, LL(n->attr[1]));
    return 1;
}
