/* test_fuse.c — the native backend's passes and renderer: kernel counts after fusion, folding and simplification,
 * golden snapshots of generated C, the run paths (in place, threads, copies), the in-process cache, and the
 * injected failures. Every result is also compared with the interpreter, byte for byte. */
#include "opt/plan.h"
#include "test.h"

#include <stdlib.h>

/* Compiles g with both backends, runs both on ins, compares every output's bytes (any NaN equals any NaN). Returns
 * the cpu executable (caller releases) or NULL; *kernels gets its kernel count. */
static bj_exec *both(bj_graph *g, int nin, bj_array *const *ins, int *kernels) {
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL, *ei = g ? bj_compile(g, "interp") : NULL;
    CHECK(e && ei);
    if (!e || !ei) {
        bj_exec_release(e), bj_exec_release(ei);
        return NULL;
    }
    *kernels = bj_exec_num_kernels(e);
    int nout = bj_graph_num_outputs(g);
    bj_array *a[16] = {0}, *b[16] = {0};
    CHECK(nout <= 16 && !bj_exec_run(e, ins, nin, a, nout) && !bj_exec_run(ei, ins, nin, b, nout));
    for (int i = 0; i < nout && a[i] && b[i]; i++) {
        bj_dtype d = bj_array_dtype(a[i]);
        int64_t n = bj_array_size(a[i]);
        bool same = d == bj_array_dtype(b[i]) && n == bj_array_size(b[i]);
        for (int64_t j = 0; same && j < n; j++) {
            size_t es = bj_dtype_size(d);
            const char *p = (const char *)bj_array_data(a[i]) + j * es, *q = (const char *)bj_array_data(b[i]) + j * es;
            bool nan = (d == BJ_F32 || d == BJ_F64) && isnan(bj_array_get(a[i], j)) && isnan(bj_array_get(b[i], j));
            same = nan || !memcmp(p, q, es);
        }
        CHECK_MSG(same, "output %d differs from the interpreter", i);
    }
    for (int i = 0; i < nout; i++) bj_array_release(a[i]), bj_array_release(b[i]);
    bj_exec_release(ei);
    return e;
}

/* Kernel count of g on ins (results checked against the interpreter); releases g and ins. */
static int kernels_of(bj_graph *g, int nin, bj_array **ins) {
    int k = -1;
    bj_exec *e = both(g, nin, ins, &k);
    bj_exec_release(e);
    bj_graph_release(g);
    test_release_all(nin, ins);
    return k;
}

static bj_array *ramp(bj_dtype d, int rank, const int64_t *shape, double from, double step) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        double v = from + step * (double)i;
        if (d == BJ_F32) ((float *)bj_array_data(a))[i] = (float)v;
        else if (d == BJ_F64) ((double *)bj_array_data(a))[i] = v;
        else if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)v;
    }
    return a;
}

/* The LIF step of examples/demo.c's kind: 12 elementwise ops over [n], three outputs. */
static bj_graph *lif(int64_t n, bj_dtype d) {
    bj_trace *t = bj_trace_new("lif");
    int64_t sh[1] = {n};
    bj_val *v = bj_trace_arg(t, "v", d, 1, sh), *I = bj_trace_arg(t, "I", d, 1, sh), *r = bj_trace_arg(t, "ref", d, 1, sh);
    bj_val *refr = bj_gt(r, 0.0);
    bj_val *dv = bj_mul(bj_add(bj_neg(bj_sub(v, -65.0)), I), 0.01);
    bj_val *v1 = bj_where(refr, v, bj_add(v, dv));
    bj_val *spike = bj_ge(v1, -50.0);
    /* one traced call per statement where a call has several: C leaves argument evaluation order open, and the
     * golden listings depend on node creation order */
    bj_val *v2 = bj_where(spike, bj_full(t, d, 1, sh, -65.0), v1);
    bj_val *r0 = bj_maximum(bj_sub(r, 1.0), 0.0);
    bj_val *r1 = bj_where(spike, bj_full(t, d, 1, sh, 20.0), r0);
    bj_val *outs[3] = {v2, r1, spike};
    return bj_trace_finish(t, outs, 3);
}

static void lif_inputs(int64_t n, bj_dtype d, bj_array **ins) {
    int64_t sh[1] = {n};
    ins[0] = ramp(d, 1, sh, -70, 25.0 / (double)n);
    ins[1] = bj_array_full(d, 1, sh, 12.0);
    ins[2] = ramp(d, 1, sh, -3, 0.25);
}

static void fuse_lif_is_one_kernel(void) {
    bj_array *ins[3];
    lif_inputs(1000, BJ_F32, ins);
    CHECK(kernels_of(lif(1000, BJ_F32), 3, ins) == 1);
    lif_inputs(999, BJ_F64, ins);
    CHECK(kernels_of(lif(999, BJ_F64), 3, ins) == 1);
}

/* softmax over the last axis: max (reduce), exp(x - max) (loop, read twice so stored once), sum (reduce), divide
 * (loop): 4 kernels, as docs/architecture.md says. */
static void fuse_softmax_is_four_kernels(void) {
    bj_trace *t = bj_trace_new("softmax");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 2, SH(8, 33));
    int ax[1] = {1};
    bj_val *ex = bj_exp(bj_sub(x, bj_max(x, 1, ax, true)));
    bj_val *y = bj_div(ex, bj_sum(ex, 1, ax, true));
    CHECK(kernels_of(bj_trace_finish(t, &y, 1), 1, INS(ramp(BJ_F32, 2, SH(8, 33), -20, 0.17))) == 4);
}

static bj_graph *one_out(bj_trace *t, bj_val *y) { return bj_trace_finish(t, &y, 1); }

static void fuse_producers_into_reductions(void) {
    /* sum(x * x + 1) over both axes: one kernel */
    bj_trace *t = bj_trace_new("sumsq");
    bj_val *x = bj_trace_arg(t, "x", BJ_F64, 2, SH(7, 9));
    CHECK(kernels_of(one_out(t, bj_sum(bj_add(bj_mul(x, x), 1.0), 0, NULL, false)), 1,
                     INS(ramp(BJ_F64, 2, SH(7, 9), -3, 0.1))) == 1);
    /* mean over axis 0 of a transposed, broadcast product: still one kernel (views are index arithmetic) */
    t = bj_trace_new("meant");
    x = bj_trace_arg(t, "x", BJ_F32, 2, SH(6, 4));
    bj_val *b = bj_trace_arg(t, "b", BJ_F32, 1, SH(6));
    int perm[2] = {1, 0}, ax[1] = {0};
    CHECK(kernels_of(one_out(t, bj_mean(bj_mul(bj_transpose(x, perm), b), 1, ax, false)), 2,
                     INS(ramp(BJ_F32, 2, SH(6, 4), 1, 0.5), ramp(BJ_F32, 1, SH(6), -1, 0.3))) == 1);
    /* a value read by a reduction and by a later loop is stored once: exp, sum, mul = 3 kernels */
    t = bj_trace_new("shared");
    x = bj_trace_arg(t, "x", BJ_F32, 1, SH(50));
    bj_val *e = bj_exp(x);
    CHECK(kernels_of(one_out(t, bj_mul(e, bj_sum(e, 0, NULL, false))), 1, INS(ramp(BJ_F32, 1, SH(50), -2, 0.05))) == 3);
    /* argmax fuses its producer too */
    t = bj_trace_new("argmax");
    x = bj_trace_arg(t, "x", BJ_F32, 2, SH(5, 6));
    CHECK(kernels_of(one_out(t, bj_argmax(bj_abs(bj_sub(x, 1.0)), 1, false)), 1, INS(ramp(BJ_F32, 2, SH(5, 6), -2, 0.3))) == 1);
}

static void fuse_views_and_independent_chains(void) {
    /* two independent chains over the same shape share one loop */
    bj_trace *t = bj_trace_new("two");
    bj_val *a = bj_trace_arg(t, "a", BJ_F32, 2, SH(3, 4)), *b = bj_trace_arg(t, "b", BJ_F32, 2, SH(3, 4));
    bj_val *outs[2] = {bj_mul(a, 2.0), bj_add(b, 1.0)};
    CHECK(kernels_of(bj_trace_finish(t, outs, 2), 2, INS(ramp(BJ_F32, 2, SH(3, 4), 0, 1), ramp(BJ_F32, 2, SH(3, 4), 5, -1))) == 1);
    /* transpose, flip and a strided slice of inputs are loads in the consumer's loop */
    t = bj_trace_new("views");
    a = bj_trace_arg(t, "a", BJ_I32, 2, SH(4, 4));
    int perm[2] = {1, 0}, fl[1] = {1};
    bj_val *s = bj_slice(bj_flip(a, 1, fl), SH(0, 0), SH(4, 4), SH(1, 1));
    CHECK(kernels_of(one_out(t, bj_add(bj_transpose(a, perm), bj_mul(s, 3))), 1, INS(ramp(BJ_I32, 2, SH(4, 4), -5, 1))) == 1);
    /* a reshape of a computed value needs that value stored: 2 kernels */
    t = bj_trace_new("reshape");
    a = bj_trace_arg(t, "a", BJ_F32, 2, SH(4, 6));
    CHECK(kernels_of(one_out(t, bj_add(bj_reshape(bj_exp(a), 2, SH(6, 4)), 1.0)), 1, INS(ramp(BJ_F32, 2, SH(4, 6), -1, 0.1))) == 2);
    /* matmul has a kernel of its own; bias and relu fuse after it */
    t = bj_trace_new("dense");
    a = bj_trace_arg(t, "a", BJ_F32, 2, SH(3, 5));
    b = bj_trace_arg(t, "w", BJ_F32, 2, SH(5, 4));
    bj_val *c = bj_trace_arg(t, "c", BJ_F32, 1, SH(4));
    CHECK(kernels_of(one_out(t, bj_maximum(bj_add(bj_matmul(a, b), c), 0.0)), 3,
                     INS(ramp(BJ_F32, 2, SH(3, 5), -1, 0.1), ramp(BJ_F32, 2, SH(5, 4), 1, -0.1), ramp(BJ_F32, 1, SH(4), 0, 0.5))) == 2);
}

/* A node kernel reads a contiguous view of a buffer in place (at an offset), with no copy kernel: a slice of a
 * population's spikes (event_csrmv), a row of a matrix and a reshape (matmul, take); a view that is not contiguous
 * (a column, a strided slice) is still copied. Every result is the interpreter's. */
static void fuse_node_reads_contiguous_views(void) {
    bj_array *ip = NULL, *ix = NULL;
    CHECK(bj_conn_fixed_prob(30, 50, 0.2, 4, true, &ip, &ix) == BJ_OK);
    bj_trace *t = bj_trace_new("spike_slices");
    bj_val *a = bj_trace_arg(t, "indptr", BJ_I32, 1, SH(31)), *b = bj_trace_arg(t, "indices", BJ_I32, 1, SH(bj_array_size(ix)));
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, SH(50));
    bj_val *s = bj_gt(v, 0.5);                                /* a computed spike vector of 50 neurons */
    bj_val *e = bj_slice(s, SH(10), SH(40), SH(1));           /* neurons 10..39 as the pre population */
    bj_val *y = bj_event_csrmv(a, b, 0.25, e, 50);
    bj_graph *g = one_out(t, y);
    bj_array *vin = ramp(BJ_F32, 1, SH(50), 0, 0.021);
    int k = -1;
    bj_exec *ex = both(g, 3, (bj_array *[]){ip, ix, vin}, &k);
    const char *src = ex ? bj_exec_source(ex) : NULL;
    CHECK(k == 2 && src && strstr(src, "bj_next_spike((b") && strstr(src, " + 10), 0, 30)") && !strstr(src, "op: slice"));
    bj_exec_release(ex), bj_graph_release(g);
    /* a row (contiguous) and a column (not) of a matrix, each into a matmul */
    t = bj_trace_new("rows");
    bj_val *m = bj_trace_arg(t, "m", BJ_F32, 2, SH(6, 8)), *w = bj_trace_arg(t, "w", BJ_F32, 2, SH(8, 3));
    bj_val *mm = bj_exp(m);
    bj_val *row = bj_reshape(bj_slice(mm, SH(2, 0), SH(3, 8), SH(1, 1)), 2, SH(1, 8));
    bj_val *col = bj_reshape(bj_slice(mm, SH(0, 5), SH(6, 6), SH(1, 1)), 1, SH(6));
    bj_val *outs[2] = {bj_matmul(row, w), bj_matmul(bj_reshape(col, 2, SH(2, 3)), bj_slice(w, SH(0, 0), SH(3, 3), SH(1, 1)))};
    g = bj_trace_finish(t, outs, 2);
    bj_array *mi = ramp(BJ_F32, 2, SH(6, 8), -1, 0.05), *wi = ramp(BJ_F32, 2, SH(8, 3), 1, -0.1);
    ex = both(g, 2, (bj_array *[]){mi, wi}, &k);
    src = ex ? bj_exec_source(ex) : NULL;
    /* exp, the column's copy, two matmuls; the row and w's first three rows are read in place */
    CHECK_MSG(k == 4, "%d kernels", k);
    CHECK(src && strstr(src, " + 16)") && !strstr(src, "op: slice\n") );
    bj_exec_release(ex), bj_graph_release(g);
    test_release_all(5, (bj_array *[]){ip, ix, vin, mi, wi});
}

static void fuse_folds_and_simplifies(void) {
    /* (2 + 3) * x folds to 5 * x */
    bj_trace *t = bj_trace_new("fold");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(8));
    bj_val *five = bj_add(bj_full(t, BJ_F32, 1, SH(8), 2.0), bj_full(t, BJ_F32, 1, SH(8), 3.0));
    bj_graph *g = one_out(t, bj_mul(five, x));
    bj_array *in = ramp(BJ_F32, 1, SH(8), 0, 1);
    int k = -1;
    bj_exec *e = both(g, 1, &in, &k);
    const char *body = e ? strstr(bj_exec_source(e), "/* kernel 0") : NULL;
    CHECK(body && k == 1 && strstr(body, "(5.0f * l0)") && !strstr(body, "2.0f"));
    bj_exec_release(e), bj_graph_release(g);
    /* x * 1 + 0 on ints is x: no kernel at all, the output is a copy of the input */
    t = bj_trace_new("ident");
    x = bj_trace_arg(t, "x", BJ_I32, 1, SH(5));
    g = one_out(t, bj_sub(bj_add(bj_mul(bj_neg(bj_neg(x)), 1), 0), 0));
    bj_array *xi = ramp(BJ_I32, 1, SH(5), -2, 1);
    e = both(g, 1, &xi, &k);
    CHECK(e && k == 0);
    bj_exec_release(e), bj_graph_release(g);
    /* float x + 0.0 is not x (-0.0 + 0.0 is +0.0): kept; the result still matches the interpreter */
    t = bj_trace_new("fzero");
    x = bj_trace_arg(t, "x", BJ_F32, 1, SH(2));
    g = one_out(t, bj_add(x, 0.0));
    bj_array *mz = test_arr(BJ_F32, 1, SH(2), V(-0.0, 1.0));
    e = both(g, 1, &mz, &k);
    CHECK(e && k == 1);
    bj_exec_release(e), bj_graph_release(g);
    test_release_all(3, INS(in, xi, mz));
    /* a constant-only graph computes at compile time: iota-built constants fold into a constant buffer */
    t = bj_trace_new("const");
    bj_val *c = bj_mul(bj_iota(t, BJ_I32, 1, SH(6), 0), 7);
    g = one_out(t, c);
    e = both(g, 0, NULL, &k);
    CHECK(e && k == 0);
    bj_exec_release(e), bj_graph_release(g);
}

/* Folding stops at big operands: sum(iota) over 16M elements stays a reduction (fused with its iota) instead of
 * materialising the iota at compile time; a uniform big full still folds (one element is computed). */
static void fuse_fold_keeps_big_operands(void) {
    bj_trace *t = bj_trace_new("bigsum");
    bj_val *s = bj_sum(bj_iota(t, BJ_I64, 1, SH(1 << 24), 0), 0, NULL, false);
    bj_val *f = bj_mul(bj_full(t, BJ_I64, 1, SH(1 << 24), 3.0), 2);
    bj_val *outs[2] = {s, f};
    bj_graph *g = bj_trace_finish(t, outs, 2);
    opt_plan *p = g ? opt_compile(g) : NULL;
    CHECK(p && p->nkernels == 2);
    bool reduce = false, full6 = false;
    for (int k = 0; p && k < p->nkernels; k++) {
        const ir_node *r = p->kernels[k].nodes[p->kernels[k].nnodes - 1];
        reduce |= p->kernels[k].kind == OPT_REDUCE && r->op == IR_SUM;
        full6 |= r->op == IR_FULL && r->fval == 6;
    }
    CHECK(reduce && full6);
    opt_plan_free(p);
    bj_graph_release(g);
}

/* The memory plan: in a chain of kernels (scan, multiply, scan, scan, scan) at most two temporaries are alive at a
 * time, so four temporaries share two slots; the last value goes straight to the caller's output. */
static void fuse_memory_plan_reuses_slots(void) {
    bj_trace *t = bj_trace_new("chain");
    bj_val *x = bj_trace_arg(t, "x", BJ_F64, 1, SH(1000));
    bj_val *c1 = bj_cumsum(x, 0), *c2 = bj_cumsum(bj_mul(c1, 0.5), 0), *c3 = bj_cumsum(c2, 0);
    bj_val *y = bj_cumsum(c3, 0);
    bj_graph *g = one_out(t, y);
    opt_plan *p = g ? opt_compile(g) : NULL;
    CHECK(p != NULL);
    int temps = 0;
    for (int i = 0; p && i < p->nbufs; i++) temps += p->bufs[i].kind == OPT_BUF_TEMP;
    CHECK_MSG(p && temps == 4 && p->scratch == 2 * 8000, "%d temporaries in %zu bytes", temps, p ? p->scratch : 0);
    opt_plan_free(p);
    bj_array *in = ramp(BJ_F64, 1, SH(1000), -1, 0.01);
    CHECK(kernels_of(g, 1, &in) == 5);
}

/* ---------------------------------------------------------------- golden C */
/* The generated source from its first kernel to the end (the prelude is tested on its own). */
static void check_golden(bj_graph *g, const char *file) {
    bj_exec *e = bj_compile(g, "cpu");
    CHECK(e);
    const char *src = e ? strstr(bj_exec_source(e), "/* kernel 0") : NULL;
    CHECK(src);
    char path[256];
    snprintf(path, sizeof path, "golden/%s", file);
    if (src && getenv("BJ_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        if (f) fputs(src, f), fclose(f);
    }
    FILE *f = fopen(path, "r");
    char want[16384] = "";
    size_t n = f ? fread(want, 1, sizeof want - 1, f) : 0;
    want[n] = 0;
    if (f) fclose(f);
    CHECK_MSG(src && !strcmp(src, want), "generated C differs from tests/%s (BJ_UPDATE_GOLDEN=1 rewrites it):\n%s", path,
              src ? src : "(none)");
    bj_exec_release(e);
    bj_graph_release(g);
}

static void golden_lif(void) { check_golden(lif(4000, BJ_F32), "lif_f32.c"); }

static void golden_softmax(void) {
    bj_trace *t = bj_trace_new("softmax");
    bj_val *x = bj_trace_arg(t, "x", BJ_F64, 2, SH(16, 10));
    int ax[1] = {1};
    bj_val *ex = bj_exp(bj_sub(x, bj_max(x, 1, ax, true)));
    check_golden(one_out(t, bj_div(ex, bj_sum(ex, 1, ax, true))), "softmax_f64.c");
}

static void golden_broadcast_int(void) {
    bj_trace *t = bj_trace_new("bcast");
    bj_val *a = bj_trace_arg(t, "a", BJ_I32, 2, SH(3, 1)), *b = bj_trace_arg(t, "b", BJ_I32, 1, SH(4));
    bj_val *s = bj_add(a, b);
    bj_val *y = bj_floor_divide(s, bj_iota(t, BJ_I32, 2, SH(3, 4), 0));
    bj_val *pos = bj_gt(y, 0);
    check_golden(one_out(t, bj_where(pos, y, bj_neg(y))), "bcast_i32.c");
}

/* ---------------------------------------------------------------- run paths */
static void cpu_in_place_and_threads(void) {
    int64_t n = 200000; /* large enough to be split over threads */
    bj_graph *g = lif(n, BJ_F32);
    bj_array *ins[3], *want[3] = {0};
    lif_inputs(n, BJ_F32, ins);
    bj_exec *ei = bj_compile(g, "interp");
    CHECK(ei && !bj_exec_run(ei, ins, 3, want, 3));
    const char *counts[] = {"1", "2", "3"};
    for (int c = 0; c < 3; c++) {
        bj_config_set("num_threads", counts[c]);
        bj_exec *e = bj_compile(g, "cpu");
        CHECK(e && strstr(bj_exec_source(e), "#pragma omp parallel for"));
        bj_array *v = bj_array_copy(ins[0]), *r = bj_array_copy(ins[2]), *s = bj_array_zeros(BJ_BOOL, 1, SH(n));
        /* v and ref updated in place: outputs share the inputs' buffers */
        CHECK(e && !bj_exec_run_into(e, INS(v, ins[1], r), 3, INS(v, r, s), 3));
        for (int i = 0; i < 3 && want[i]; i++) {
            bj_array *got = i == 0 ? v : i == 1 ? r : s;
            CHECK_MSG(!memcmp(bj_array_data(got), bj_array_data(want[i]), (size_t)n * bj_dtype_size(bj_array_dtype(got))),
                      "threads=%s output %d", counts[c], i);
        }
        test_release_all(3, INS(v, r, s));
        bj_exec_release(e);
    }
    bj_config_set("num_threads", NULL);
    /* wrong output types are named */
    bj_exec *e = bj_compile(g, "cpu");
    bj_array *bad = bj_array_zeros(BJ_F32, 1, SH(3));
    CHECK(e && bj_exec_run_into(e, ins, 3, INS(bad, bad, bad), 3) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("output 0");
    CHECK_ERR_HAS("f32[200000]");
    bj_array_release(bad);
    bj_exec_release(e), bj_exec_release(ei);
    test_release_all(3, ins), test_release_all(3, want);
    bj_graph_release(g);
}

/* Repeated calls skip the checks, but never past a free: a released array is reported, not used. */
static void cpu_run_into_checks_after_free(void) {
    bj_graph *g = lif(32, BJ_F32);
    bj_exec *e = bj_compile(g, "cpu");
    bj_array *ins[3], *outs[3] = {bj_array_zeros(BJ_F32, 1, SH(32)), bj_array_zeros(BJ_F32, 1, SH(32)),
                                  bj_array_zeros(BJ_BOOL, 1, SH(32))};
    lif_inputs(32, BJ_F32, ins);
    for (int i = 0; i < 3; i++) CHECK(e && bj_exec_run_into(e, ins, 3, outs, 3) == BJ_OK);
    bj_array *gone = ins[1];
    bj_array_release(gone);
    CHECK(e && bj_exec_run_into(e, ins, 3, outs, 3) == BJ_ERR_HANDLE);
    CHECK_ERR_HAS("input 1");
    ins[1] = bj_array_full(BJ_F32, 1, SH(32), 1.0);
    CHECK(e && bj_exec_run_into(e, ins, 3, outs, 3) == BJ_OK);
    test_release_all(3, ins), test_release_all(3, outs);
    bj_exec_release(e), bj_graph_release(g);
}

static void cpu_memory_cache_and_copies(void) {
    bj_cpu_stats s0, s1;
    bj_cpu_stats_get(&s0);
    bj_graph *g1 = lif(64, BJ_F64), *g2 = lif(64, BJ_F64); /* two traces of one computation */
    bj_exec *e1 = bj_compile(g1, "cpu"), *e2 = bj_compile(g2, "cpu");
    bj_cpu_stats_get(&s1);
    CHECK(e1 && e2 && s1.memory_hits == s0.memory_hits + 1);
    CHECK(e1 && e2 && bj_exec_source(e1) == bj_exec_source(e2));
    bj_exec_release(e1), bj_exec_release(e2), bj_graph_release(g1), bj_graph_release(g2);
    /* outputs no kernel writes: an input returned as is, and one value returned twice */
    bj_trace *t = bj_trace_new("copies");
    bj_val *x = bj_trace_arg(t, "x", BJ_I64, 1, SH(3));
    bj_val *y = bj_mul(x, 3);
    bj_val *outs[3] = {x, y, y};
    bj_graph *g = bj_trace_finish(t, outs, 3);
    bj_array *in = test_arr(BJ_I64, 1, SH(3), V(1, -2, 40));
    int k;
    bj_exec *e = both(g, 1, &in, &k);
    CHECK(e && k == 1);
    bj_exec_release(e), bj_graph_release(g), bj_array_release(in);
}

static void cpu_injected_faults(void) {
    /* a wrong-result bug in the renderer is caught by comparing with the interpreter */
    bj_config_set("test_fault", "wrong_result");
    bj_graph *g = lif(16, BJ_F32);
    bj_array *ins[3], *a[3] = {0}, *b[3] = {0};
    lif_inputs(16, BJ_F32, ins);
    bj_exec *e = bj_compile(g, "cpu"), *ei = bj_compile(g, "interp");
    CHECK(e && ei && !bj_exec_run(e, ins, 3, a, 3) && !bj_exec_run(ei, ins, 3, b, 3));
    CHECK(a[0] && b[0] && memcmp(bj_array_data(a[0]), bj_array_data(b[0]), 16 * 4) != 0);
    bj_exec_release(e);
    test_release_all(3, a), test_release_all(3, b);
    /* a compiler failure is reported with the compiler's output and the source's path */
    bj_config_set("test_fault", "compile_error");
    bj_cpu_stats s0, s1;
    bj_cpu_stats_get(&s0);
    bj_graph *g2 = lif(17, BJ_F32);
    e = bj_compile(g2, "cpu");
    bj_cpu_stats_get(&s1);
    CHECK(!e && bj_last_status() == BJ_ERR_INTERNAL);
    CHECK_ERR_HAS("error");
    CHECK_ERR_HAS(".c");
    CHECK(s1.failures == s0.failures + 1);
    bj_config_set("test_fault", NULL);
    /* and the same graph compiles once the fault is gone */
    e = bj_compile(g2, "cpu");
    CHECK(e != NULL);
    bj_exec_release(e), bj_exec_release(ei);
    bj_graph_release(g), bj_graph_release(g2);
    test_release_all(3, ins);
}

static void cpu_falls_back_without_compiler(void) {
    bj_config_set("cc", "/nonexistent/brainjit-cc");
    bj_graph *g = lif(8, BJ_F32);
    bj_array *ins[3];
    lif_inputs(8, BJ_F32, ins);
    int k;
    bj_exec *e = both(g, 3, ins, &k);
    CHECK(e && !strcmp(bj_exec_backend(e), "interp") && !bj_exec_source(e));
    bj_config_set("cc", NULL);
    bj_exec_release(e), bj_graph_release(g);
    test_release_all(3, ins);
    bj_clear_error();
}

void tests_fuse(void) {
    RUN(fuse_node_reads_contiguous_views);
    RUN(fuse_lif_is_one_kernel);
    RUN(fuse_softmax_is_four_kernels);
    RUN(fuse_producers_into_reductions);
    RUN(fuse_views_and_independent_chains);
    RUN(fuse_folds_and_simplifies);
    RUN(fuse_memory_plan_reuses_slots);
    RUN(fuse_fold_keeps_big_operands);
    RUN(golden_lif);
    RUN(golden_softmax);
    RUN(golden_broadcast_int);
    RUN(cpu_in_place_and_threads);
    RUN(cpu_run_into_checks_after_free);
    RUN(cpu_memory_cache_and_copies);
    RUN(cpu_injected_faults);
    RUN(cpu_falls_back_without_compiler);
}
