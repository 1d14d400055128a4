/* render_matmul.c — the C renderer's matmul kernels, exact (the interpreter's summation order) and fast.
 *
 * Design note. Each c[i][j] is its products summed in k order from +0, each product rounded before its add (the
 * code is compiled without fp contraction), as the interpreter's dot1 does; any loop order that keeps that order per
 * element is exact, and the loops are chosen for speed: b one column (N == 1): eight rows' sums side by side; a few
 * rows (M < 4): i, k, j over whole rows of b (a vector op along j); otherwise register tiles of 4 x 16 (f32) summed
 * in GNU C vector variables over k blocks read from a packed panel of b (see mm_tiles). Integer products and sums
 * wrap in the dtype, whose low bits are those of the interpreter's 64-bit sum. With abstracted axes (a symbolic M, K
 * or N) the tiling cannot be chosen at compile time: one simple loop nest over rows of c (mm_symbolic). */
#include "backend/c/render_node.h"

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

/* ---------------------------------------------------------------- abstracted axes */
/* Emits `const T *restrict var = X + offset of batch t` for operand x of a symbolic matmul (static batch axes, whose
 * strides may hold symbols). */
static void sym_batch_ptr(cgen *c, const ir_node *n, const ir_node *x, const char *var, const char *T, const char *tail) {
    int rb = n->rank - 2, rx = x->rank - 2;
    sx cst[BJ_MAX_RANK], s = sx_const(1);
    for (int k = x->rank - 1; k >= 0; k--) {
        sx e = sx_ext(c->p, x->shape[k]);
        cst[k] = s, s = sx_mul(&s, &e);
    }
    core_str off = {0};
    for (int k = 0; k < rb; k++) {
        int kx = k - (rb - rx);
        if (kx < 0 || x->shape[kx] == 1) continue;
        int64_t inner = prod(n->shape, k + 1, rb);
        char term[96];
        if (k == 0) snprintf(term, sizeof term, inner > 1 ? "(t / %lld)" : "t", LL(inner));
        else if (inner > 1) snprintf(term, sizeof term, "(t / %lld %% %lld)", LL(inner), LL(n->shape[k]));
        else snprintf(term, sizeof term, "(t %% %lld)", LL(n->shape[k]));
        core_str_printf(&off, " + %s * ", term);
        sx_print(&off, &cst[kx], true);
        if (cst[kx].bad) cgen_fail(c, BJ_ERR_UNSUPPORTED, "rendering C: a size expression is too large");
    }
    nm X = buf_name(c, x);
    cgen_line(c, "const %s *restrict %s = %s%s%s;", T, var, X.s, off.s && !off.oom ? off.s : "", tail);
    core_str_free(&off);
}

/* A matmul with symbolic M, K or N: one unit per row of c (batch t, row i), whose sums run in k order from +0 over
 * whole rows of b, the interpreter's order for each element. Simple loops: the extents are only known at run time. */
static int64_t mm_symbolic(cgen *c, const ir_node *n) {
    const ir_node *a = n->in[0], *b = n->in[1];
    bj_dtype d = (bj_dtype)n->dtype;
    const char *T = cgen_ctype(d);
    int rb = n->rank - 2;
    int64_t nb = prod(n->shape, 0, rb);
    sx M = sx_ext(c->p, a->shape[a->rank - 2]), K = sx_ext(c->p, a->shape[a->rank - 1]),
       N = sx_ext(c->p, b->shape[b->rank - 1]);
    char tm[256], tk[256], tn[256], zero[64], mul[160], add[320];
    cgen_sx(tm, sizeof tm, &M), cgen_sx(tk, sizeof tk, &K), cgen_sx(tn, sizeof tn, &N);
    cgen_literal(zero, sizeof zero, d, 0.0, 0);
    if (!arith(c, mul, sizeof mul, IR_MUL, d, "aik", "pb[k * N + j]") || !arith(c, add, sizeof add, IR_ADD, d, "pc[j]", "p"))
        return 1;
    declare(c, n, NULL);
    cgen_line(c, "/* matmul (abstracted axes): %lld x [%s x %s] @ [%s x %s]; units are rows of c, each result is its "
              "products summed in k order from %s */", LL(nb), tm, tk, tk, tn, zero);
    cgen_line(c, "const int64_t M = %s, K = %s, N = %s;", tm, tk, tn);
    cgen_line(c, "(void)M, (void)K;");
    cgen_line(c, "for (int64_t u = lo; u < hi; u++) {");
    c->indent++;
    if (nb > 1) cgen_line(c, "const int64_t t = u / M, i = u - t * M;");
    else cgen_line(c, "const int64_t i = u;");
    sym_batch_ptr(c, n, a, "pa", T, " + i * K");
    sym_batch_ptr(c, n, b, "pb", T, "");
    nm C = buf_name(c, n);
    if (nb > 1) cgen_line(c, "%s *restrict pc = %s + (t * M + i) * N;", T, C.s);
    else cgen_line(c, "%s *restrict pc = %s + i * N;", T, C.s);
    cgen_line(c, "for (int64_t j = 0; j < N; j++) pc[j] = %s;", zero);
    cgen_line(c, "for (int64_t k = 0; k < K; k++) {");
    cgen_line(c, "    const %s aik = pa[k];", T);
    cgen_line(c, "    for (int64_t j = 0; j < N; j++) {");
    cgen_line(c, "        const %s p = %s;", T, mul);
    cgen_line(c, "        pc[j] = %s;", add);
    cgen_line(c, "    }");
    cgen_line(c, "}");
    c->indent--;
    cgen_line(c, "}");
    sx units = sx_mulc(&M, nb);
    int64_t v = 1;
    if (!sx_is_const(&units, &v)) c->ext = units, c->ext_set = true;
    if (units.bad || M.bad || K.bad || N.bad) cgen_fail(c, BJ_ERR_UNSUPPORTED, "rendering C: a size expression is too large");
    return v;
}

int64_t cgen_matmul(cgen *c, const ir_node *n) {
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
    if (c->p->nsym && (opt_plan_is_symbolic(c->p, n) || opt_plan_is_symbolic(c->p, a) || opt_plan_is_symbolic(c->p, b)))
        return mm_symbolic(c, n);
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

