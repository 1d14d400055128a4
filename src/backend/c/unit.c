/* unit.c — one generated translation unit: a header comment, the prelude, one function per kernel, and the entry
 * point `bj_entry` that runs the kernels in plan order, splitting large ones over OpenMP threads. With abstracted
 * axes every kernel also takes `dims` (d0 = dims[0], ...) and a kernel whose size depends on a symbol is split or
 * not at run time. */
#include "backend/c/cgen.h"

#include <string.h>

#define PAR_MIN 131072 /* iteration-space elements from which a kernel is split over threads */

static const char *const kind_name[] = {"loop", "reduce", "node"};

/* The comment above a kernel: its kind, iteration space and the ops it computes. */
static void kernel_comment(cgen *c, int i, const opt_kernel *k) {
    char ty[96];
    cgen_fmt_type(c, ty, sizeof ty, (bj_dtype)k->nodes[k->nnodes - 1]->dtype, k->rank, k->shape);
    core_str ops = {0};
    for (int j = 0; j < k->nnodes && j < 24; j++)
        core_str_printf(&ops, "%s%s", j ? " " : "", ir_ops[k->nodes[j]->op].name);
    if (k->nnodes > 24) core_str_printf(&ops, " ...");
    cgen_line(c, "/* kernel %d: %s over %s, %d op%s: %s */", i, kind_name[k->kind], ty,
              k->nnodes, k->nnodes == 1 ? "" : "s", ops.s ? ops.s : "");
    core_str_free(&ops);
}

/* Elements of the iteration space; a matmul's work is its outputs times the contracted length. */
static int64_t work(const opt_kernel *k) {
    int64_t n = 1;
    for (int a = 0; a < k->rank; a++) n *= k->shape[a];
    const ir_node *r = k->nodes[k->nnodes - 1];
    if (k->kind == OPT_NODE && r->op == IR_MATMUL) n *= r->in[0]->shape[r->in[0]->rank - 1];
    return n;
}

/* work() of a symbolic plan's kernel, as a size expression. */
static sx work_sx(const opt_plan *p, const opt_kernel *k) {
    sx n = sx_prod(p, k->shape, 0, k->rank);
    const ir_node *r = k->nodes[k->nnodes - 1];
    if (k->kind == OPT_NODE && r->op == IR_MATMUL) {
        sx kk = sx_ext(p, r->in[0]->shape[r->in[0]->rank - 1]);
        n = sx_mul(&n, &kk);
    }
    return n;
}

/* The call of kernel i of a symbolic plan from the entry point: its extent and work are size expressions, so the
 * choice between one call and a split over threads is made at run time when they depend on symbols. */
static void call_symbolic(cgen *c, int i, const sx *ext, const sx *wk) {
    char e[512], w[512];
    cgen_sx(e, sizeof e, ext), cgen_sx(w, sizeof w, wk);
    if (ext->bad || wk->bad || strlen(e) + 1 >= sizeof e || strlen(w) + 1 >= sizeof w) {
        cgen_fail(c, BJ_ERR_UNSUPPORTED, "rendering C: a size expression is too large");
        return;
    }
    int64_t ve, vw;
    bool ce = sx_is_const(ext, &ve), cw = sx_is_const(wk, &vw);
    if ((cw && vw < PAR_MIN) || (ce && ve < 2)) {
        cgen_line(c, "k%d(b, dims, 0, %s);", i, e);
        return;
    }
    cgen_line(c, "#ifdef _OPENMP");
    if (cw && ce) cgen_line(c, "if (nthreads > 1) {");
    else cgen_line(c, "if (nthreads > 1 && (%s) >= 2 && (%s) >= %d) {", e, w, PAR_MIN);
    cgen_line(c, "#pragma omp parallel for schedule(static) num_threads(nthreads)");
    cgen_line(c, "    for (int t = 0; t < nthreads; t++) {");
    cgen_line(c, "        int64_t lo, hi;");
    cgen_line(c, "        bj_split(%s, nthreads, t, &lo, &hi);", e);
    cgen_line(c, "        k%d(b, dims, lo, hi);", i);
    cgen_line(c, "    }");
    cgen_line(c, "} else");
    cgen_line(c, "#endif");
    cgen_line(c, "    k%d(b, dims, 0, %s);", i, e);
}

char *cgen_render(const opt_plan *p, const char *name, bool wrong_result) {
    core_str s = {0};
    cgen c = {.p = p, .d = &cgen_c, .s = &s, .wrong_result = wrong_result};
    c.declared = calloc((size_t)p->nbufs + 1, 1);
    int64_t *extent = calloc((size_t)p->nkernels + 1, sizeof *extent);
    sx *ext = p->nsym ? malloc(sizeof *ext * ((size_t)p->nkernels + 1)) : NULL;
    if (!c.declared || !extent || (p->nsym && !ext)) {
        free(c.declared), free(extent), free(ext);
        core_err(BJ_ERR_NOMEM, "rendering C: out of memory");
        return NULL;
    }
    char nm[48] = "";
    for (size_t i = 0, j = 0; name && name[i] && j + 1 < sizeof nm; i++) /* no comment terminators from users */
        if (name[i] != '*' && name[i] != '/' && (unsigned char)name[i] >= ' ') nm[j++] = name[i], nm[j] = 0;
    core_str_printf(&s, "/* brainjit %s generated code: %s (%d kernel%s, %d buffers). */\n", bj_version(), nm,
                    p->nkernels, p->nkernels == 1 ? "" : "s", p->nbufs);
    core_str_printf(&s, "%s\n", cgen_prelude_text);
    for (int i = 0; i < p->nkernels && !c.status; i++) {
        const opt_kernel *k = &p->kernels[i];
        c.kernel = i;
        kernel_comment(&c, i, k);
        if (!p->nsym) {
            cgen_line(&c, "%s k%d(void *const *%s b, int64_t lo, int64_t hi) {", c.d->kernel_decl, i, c.d->restrict_kw);
        } else { /* abstracted axes: the symbols' sizes, d0 = dims[0], ... */
            cgen_line(&c, "%s k%d(void *const *%s b, const int64_t *%s dims, int64_t lo, int64_t hi) {", c.d->kernel_decl,
                      i, c.d->restrict_kw, c.d->restrict_kw);
            for (int q = 0; q < p->nsym; q++)
                if (p->sym_ext[q] >= 0) cgen_line(&c, "    const int64_t d%d = dims[%d]; (void)d%d;", q, q, q);
        }
        c.indent = 1;
        c.ext_set = false;
        extent[i] = k->kind == OPT_LOOP ? cgen_loop(&c, k) : k->kind == OPT_REDUCE ? cgen_reduce(&c, k) : cgen_node(&c, k);
        if (p->nsym) ext[i] = c.ext_set ? c.ext : sx_const(extent[i]);
        c.indent = 0;
        cgen_line(&c, "}\n");
    }
    cgen_line(&c, "void bj_entry(void *const *b, const int64_t *dims, int nthreads);");
    cgen_line(&c, "void bj_entry(void *const *b, const int64_t *dims, int nthreads) {");
    c.indent = 1;
    cgen_line(&c, "(void)dims, (void)nthreads;");
    for (int q = 0; q < p->nsym; q++)
        if (p->sym_ext[q] >= 0) cgen_line(&c, "const int64_t d%d = dims[%d]; (void)d%d;", q, q, q);
    for (int i = 0; i < p->nkernels && !c.status; i++) {
        if (p->nsym) {
            sx w = work_sx(p, &p->kernels[i]);
            call_symbolic(&c, i, &ext[i], &w);
            continue;
        }
        long long n = (long long)extent[i];
        if (work(&p->kernels[i]) < PAR_MIN || extent[i] < 2) {
            cgen_line(&c, "k%d(b, 0, %lld);", i, n);
            continue;
        }
        cgen_line(&c, "#ifdef _OPENMP");
        cgen_line(&c, "if (nthreads > 1) {");
        cgen_line(&c, "#pragma omp parallel for schedule(static) num_threads(nthreads)");
        cgen_line(&c, "    for (int t = 0; t < nthreads; t++) {");
        cgen_line(&c, "        int64_t lo, hi;");
        cgen_line(&c, "        bj_split(%lld, nthreads, t, &lo, &hi);", n);
        cgen_line(&c, "        k%d(b, lo, hi);", i);
        cgen_line(&c, "    }");
        cgen_line(&c, "} else");
        cgen_line(&c, "#endif");
        cgen_line(&c, "    k%d(b, 0, %lld);", i, n);
    }
    c.indent = 0;
    cgen_line(&c, "}");
    free(c.declared), free(extent), free(ext);
    if (c.status || s.oom) {
        if (!c.status) core_err(BJ_ERR_NOMEM, "rendering C: out of memory");
        core_str_free(&s);
        return NULL;
    }
    return s.s;
}
