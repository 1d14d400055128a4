/* test_for.c — the FOR op (ir_for): a body traced once and run n times with carries, per-step values stacked (the
 * monitors), recorded every k steps. Every case runs on "cpu" and "interp" and is compared byte for byte with
 * each other and with a hand-unrolled graph (the body applied n times as straight-line IR, on the interpreter).
 * Also: the listing, the loop planned by the native backend (kernels inside the loop, the C step loop, a golden
 * snapshot), hoisting of loop-invariant values, aliased carries, and the builder's errors. */
#include "backend/backend.h"
#include "ir/ir.h"
#include "opt/plan.h"
#include "test.h"

#include <stdlib.h>

#define F32 BJ_F32
#define MAXO 8

static bj_array *ramp(bj_dtype d, int rank, const int64_t *shape, double from, double step) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        double v = from + step * (double)i;
        void *p = bj_array_data(a);
        if (d == BJ_F32) ((float *)p)[i] = (float)v;
        else if (d == BJ_F64) ((double *)p)[i] = v;
        else if (d == BJ_I32) ((int32_t *)p)[i] = (int32_t)(int64_t)v;
    }
    return a;
}

static bool same_bytes(const bj_array *a, const bj_array *b) {
    if (!a || !b || bj_array_dtype(a) != bj_array_dtype(b) || bj_array_rank(a) != bj_array_rank(b)) return false;
    for (int k = 0; k < bj_array_rank(a); k++)
        if (bj_array_shape(a)[k] != bj_array_shape(b)[k]) return false;
    size_t n = (size_t)bj_array_size(a) * bj_dtype_size(bj_array_dtype(a));
    return !n || !memcmp(bj_array_data(a), bj_array_data(b), n);
}

/* Runs g on backend, outputs into outs (new references). */
static bool run_on(bj_graph *g, const char *backend, int nin, bj_array *const *ins, bj_array **outs) {
    bj_exec *e = g ? bj_compile(g, backend) : NULL;
    CHECK_MSG(e != NULL, "compile on %s: %s", backend, bj_last_error());
    bj_status s = e ? bj_exec_run(e, ins, nin, outs, bj_graph_num_outputs(g)) : BJ_ERR_ARG;
    CHECK_MSG(!s, "run on %s: %s", backend, bj_last_error());
    bj_exec_release(e);
    return !s;
}

/* g (with loops) on cpu and interp, ref (unrolled, or NULL) on interp: every output equal byte for byte. Releases
 * g, ref and ins. */
static void check_same(bj_graph *g, bj_graph *ref, int nin, bj_array **ins) {
    CHECK(g != NULL);
    int nout = g ? bj_graph_num_outputs(g) : 0;
    CHECK(nout <= MAXO && (!ref || bj_graph_num_outputs(ref) == nout));
    bj_array *a[MAXO] = {0}, *b[MAXO] = {0}, *c[MAXO] = {0};
    if (g && nout <= MAXO && run_on(g, "interp", nin, ins, b) && run_on(g, "cpu", nin, ins, a)) {
        for (int o = 0; o < nout; o++) CHECK_MSG(same_bytes(a[o], b[o]), "output %d: cpu differs from interp", o);
        if (ref && run_on(ref, "interp", nin, ins, c))
            for (int o = 0; o < nout; o++) CHECK_MSG(same_bytes(b[o], c[o]), "output %d: the loop differs from the unrolled graph", o);
    }
    for (int o = 0; o < MAXO; o++) bj_array_release(a[o]), bj_array_release(b[o]), bj_array_release(c[o]);
    bj_graph_release(g), bj_graph_release(ref);
    test_release_all(nin, ins);
}

/* ---------------------------------------------------------------- a LIF population */
typedef struct lif_out {
    bj_val *v, *r, *spike, *vk; /* new voltage, new refractory counter, spikes, neuron k's new voltage (0-d) */
} lif_out;

static lif_out lif_step(bj_trace *t, bj_val *v, bj_val *r, bj_val *I, int64_t n, int64_t k) {
    lif_out o;
    bj_val *refr = bj_gt(r, 0.0);
    bj_val *dv = bj_mul(bj_add(bj_neg(bj_sub(v, -65.0)), I), 0.1);
    bj_val *v1 = bj_where(refr, v, bj_add(v, dv));
    o.spike = bj_ge(v1, -50.0);
    o.v = bj_where(o.spike, bj_full(t, F32, 1, SH(n), -65.0), v1);
    bj_val *r0 = bj_maximum(bj_sub(r, 1.0), 0.0);
    o.r = bj_where(o.spike, bj_full(t, F32, 1, SH(n), 5.0), r0);
    o.vk = bj_reshape(bj_slice(o.v, SH(k), SH(k + 1), SH(1)), 0, NULL);
    return o;
}

/* The loop: outputs final v, final r, spikes [steps / every, n], v[k] [steps / every] (the first nout of them). */
static bj_graph *lif_loop_n(int64_t n, int64_t steps, int64_t every, int nout) {
    bj_trace *t = bj_trace_new("lif_loop");
    bj_val *v0 = bj_trace_arg(t, "v", F32, 1, SH(n)), *r0 = bj_trace_arg(t, "ref", F32, 1, SH(n));
    bj_val *I = bj_trace_arg(t, "I", F32, 1, SH(n));
    ir_region *body = ir_region_begin(t);
    ir_region_param(t, BJ_I32, 0, NULL);
    bj_val *v = ir_region_param(t, F32, 1, SH(n)), *r = ir_region_param(t, F32, 1, SH(n));
    lif_out o = lif_step(t, v, r, I, n, n / 2);
    bj_val *res[4] = {o.v, o.r, o.spike, o.vk};
    ir_region_end(t, res, 4);
    bj_val *outs[4];
    for (int i = 0; i < nout; i++) outs[i] = ir_for(t, steps, every, body, (bj_val *[]){v0, r0}, 2, i);
    return bj_trace_finish(t, outs, nout);
}

static bj_graph *lif_loop(int64_t n, int64_t steps, int64_t every) { return lif_loop_n(n, steps, every, 4); }

/* The same computation unrolled. */
static bj_graph *lif_unrolled(int64_t n, int64_t steps, int64_t every) {
    bj_trace *t = bj_trace_new("lif_unrolled");
    bj_val *v = bj_trace_arg(t, "v", F32, 1, SH(n)), *r = bj_trace_arg(t, "ref", F32, 1, SH(n));
    bj_val *I = bj_trace_arg(t, "I", F32, 1, SH(n));
    int64_t rows = steps / every;
    bj_val **sp = calloc((size_t)rows + 1, sizeof *sp), **vk = calloc((size_t)rows + 1, sizeof *vk);
    for (int64_t s = 0; s < steps; s++) {
        lif_out o = lif_step(t, v, r, I, n, n / 2);
        v = o.v, r = o.r;
        if ((s + 1) % every == 0) sp[(s + 1) / every - 1] = o.spike, vk[(s + 1) / every - 1] = o.vk;
    }
    bj_val *outs[4] = {v, r, NULL, NULL};
    if (rows) {
        outs[2] = bj_stack(sp, (int)rows, 0), outs[3] = bj_stack(vk, (int)rows, 0);
    } else {
        outs[2] = bj_full(t, BJ_BOOL, 2, SH(0, n), 0), outs[3] = bj_full(t, F32, 1, SH(0), 0);
    }
    free(sp), free(vk);
    return bj_trace_finish(t, outs, 4);
}

static void lif_ins(int64_t n, bj_array **ins) {
    ins[0] = ramp(F32, 1, SH(n), -70, 25.0 / (double)n);
    ins[1] = ramp(F32, 1, SH(n), -3, 7.0 / (double)n);
    ins[2] = ramp(F32, 1, SH(n), 10, 15.0 / (double)n);
}

static void for_lif_monitors(void) {
    bj_array *ins[3];
    lif_ins(1000, ins);
    /* the monitors have the stacked shapes */
    bj_graph *g = lif_loop(1000, 100, 1);
    bj_array *o[4] = {0};
    if (run_on(g, "interp", 3, ins, o)) {
        CHECK(bj_array_rank(o[2]) == 2 && bj_array_shape(o[2])[0] == 100 && bj_array_shape(o[2])[1] == 1000);
        CHECK(bj_array_dtype(o[2]) == BJ_BOOL && bj_array_rank(o[3]) == 1 && bj_array_shape(o[3])[0] == 100);
        int64_t nspikes = 0;
        for (int64_t i = 0; i < bj_array_size(o[2]); i++) nspikes += ((const bool *)bj_array_data(o[2]))[i];
        CHECK_MSG(nspikes > 1000 && nspikes < 50000, "%lld spikes", (long long)nspikes); /* the test means something */
    }
    for (int i = 0; i < 4; i++) bj_array_release(o[i]);
    bj_graph_release(g);
    check_same(lif_loop(1000, 100, 1), lif_unrolled(1000, 100, 1), 3, ins);
}

static void for_every_k_steps(void) {
    bj_array *ins[3];
    lif_ins(300, ins);
    check_same(lif_loop(300, 100, 10), lif_unrolled(300, 100, 10), 3, ins);
    lif_ins(300, ins); /* 95 steps every 10: rows at steps 9 .. 89, the last 5 steps recorded nowhere */
    check_same(lif_loop(300, 95, 10), lif_unrolled(300, 95, 10), 3, ins);
    lif_ins(300, ins); /* every > n: no rows */
    check_same(lif_loop(300, 7, 10), lif_unrolled(300, 7, 10), 3, ins);
}

static void for_zero_steps(void) {
    bj_array *ins[3];
    lif_ins(50, ins);
    bj_graph *g = lif_loop(50, 0, 1);
    bj_array *o[4] = {0};
    if (run_on(g, "cpu", 3, ins, o)) {
        CHECK(same_bytes(o[0], ins[0]) && same_bytes(o[1], ins[1]));
        CHECK(bj_array_rank(o[2]) == 2 && bj_array_shape(o[2])[0] == 0 && bj_array_shape(o[2])[1] == 50);
        CHECK(bj_array_rank(o[3]) == 1 && bj_array_shape(o[3])[0] == 0);
    }
    for (int i = 0; i < 4; i++) bj_array_release(o[i]);
    bj_graph_release(g);
    check_same(lif_loop(50, 0, 1), lif_unrolled(50, 0, 1), 3, ins);
}

/* ---------------------------------------------------------------- captured weights, hoisting */
/* v' = where(s, -65, 0.9 v + (W * 0.5 + 0.01) @ s + 2), s = v >= -50; W * 0.5 + 0.01 depends on no parameter. */
static bj_val *net_step(bj_val *v, bj_val *W, bj_val **spike) {
    bj_val *s = bj_ge(v, -50.0);
    bj_val *W2 = bj_add(bj_mul(W, 0.5), 0.01);
    bj_val *syn = bj_matmul(W2, bj_astype(s, F32));
    *spike = s;
    return bj_where(s, -65.0, bj_add(bj_add(bj_mul(v, 0.9), syn), 2.0));
}

/* carried: W is a carry the body passes through unchanged (as the jit carries a Variable the body only reads) */
static bj_graph *net_ex(int64_t n, int64_t steps, bool unrolled, bool carried) {
    bj_trace *t = bj_trace_new("net");
    bj_val *v0 = bj_trace_arg(t, "v", F32, 1, SH(n)), *W = bj_trace_arg(t, "W", F32, 2, SH(n, n));
    bj_val *outs[3];
    if (carried && !unrolled) {
        ir_region *body = ir_region_begin(t);
        ir_region_param(t, BJ_I32, 0, NULL);
        bj_val *v = ir_region_param(t, F32, 1, SH(n)), *Wp = ir_region_param(t, F32, 2, SH(n, n)), *s;
        bj_val *res[3] = {net_step(v, Wp, &s), Wp, s};
        ir_region_end(t, res, 3);
        for (int i = 0; i < 3; i++) outs[i] = ir_for(t, steps, 1, body, (bj_val *[]){v0, W}, 2, i);
        outs[1] = outs[2];
        return bj_trace_finish(t, outs, 2);
    }
    if (unrolled) {
        bj_val *v = v0, **sp = calloc((size_t)steps, sizeof *sp);
        for (int64_t s = 0; s < steps; s++) v = net_step(v, W, &sp[s]);
        outs[0] = v, outs[1] = bj_stack(sp, (int)steps, 0);
        free(sp);
    } else {
        ir_region *body = ir_region_begin(t);
        ir_region_param(t, BJ_I32, 0, NULL);
        bj_val *v = ir_region_param(t, F32, 1, SH(n)), *s;
        bj_val *res[2] = {net_step(v, W, &s), s};
        ir_region_end(t, res, 2);
        for (int i = 0; i < 2; i++) outs[i] = ir_for(t, steps, 1, body, &v0, 1, i);
    }
    return bj_trace_finish(t, outs, 2);
}

static bj_graph *net(int64_t n, int64_t steps, bool unrolled) { return net_ex(n, steps, unrolled, false); }

static bool top_level_line(const char *listing, const char *what) {
    const char *p = strstr(listing, what);
    if (!p) return false;
    while (p > listing && p[-1] != '\n') p--;
    return p[0] == ' ' && p[1] == ' ' && p[2] == '%'; /* indented once: the function's top level */
}

static void for_captured_weights(void) {
    check_same(net(40, 30, false), net(40, 30, true), 2,
               (bj_array *[]){ramp(F32, 1, SH(40), -70, 0.6), ramp(F32, 2, SH(40, 40), -0.3, 0.0007)});
    /* the weight computation is hoisted out of the body by the rewrite: computed once, before the loop */
    bj_graph *g = net(40, 30, false);
    ir_graph *rg = g ? opt_rewrite(g) : NULL;
    core_str b = {0};
    if (rg) ir_print_graph(&b, rg);
    CHECK(b.s && top_level_line(b.s, "f32[40,40] = mul") && top_level_line(b.s, "f32[40,40] = add"));
    CHECK(b.s && strstr(b.s, "= for ") && !top_level_line(b.s, "f32[40] = matmul"));
    core_str_free(&b);
    opt_graph_free(rg);
    bj_graph_release(g);
    /* W carried through unchanged instead of captured: the body reads W itself, the carry is dropped, and the weight
     * computation is hoisted all the same */
    check_same(net_ex(40, 30, false, true), net(40, 30, true), 2,
               (bj_array *[]){ramp(F32, 1, SH(40), -70, 0.6), ramp(F32, 2, SH(40, 40), -0.3, 0.0007)});
    g = net_ex(40, 30, false, true);
    opt_plan *p = g ? opt_compile(g) : NULL;
    int k = p ? p->nkernels - 1 : -1;
    CHECK(p && k >= 1 && p->kernels[k].kind == OPT_FOR && p->kernels[k].loop->need[0] && !p->kernels[k].loop->need[1]);
    CHECK(p && p->kernels[0].kind == OPT_LOOP && p->kernels[0].shape[0] == 40 && p->kernels[0].rank == 2);
    opt_plan_free(p);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- two loops; a counter and the step */
/* carries (count i32[], x f32[4]): count + 1, x * 0.5 + step; ys: step * 2 (i32[]), count before the step */
static bj_val *counter_loop(bj_trace *t, bj_val *c0, bj_val *x0, int64_t steps, int which) {
    ir_region *body = ir_region_begin(t);
    bj_val *step = ir_region_param(t, BJ_I32, 0, NULL);
    bj_val *c = ir_region_param(t, BJ_I32, 0, NULL), *x = ir_region_param(t, F32, 1, SH(4));
    bj_val *res[4] = {bj_add(c, 1), bj_add(bj_mul(x, 0.5), bj_astype(step, F32)), bj_mul(step, 2), c};
    ir_region_end(t, res, 4);
    return ir_for(t, steps, 1, body, (bj_val *[]){c0, x0}, 2, which);
}

static void for_counter_and_step(void) {
    bj_trace *t = bj_trace_new("count");
    bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(4)), *c0 = bj_lit(t, BJ_I32, 3);
    bj_val *outs[4];
    outs[0] = counter_loop(t, c0, x0, 13, 0);
    for (int i = 1; i < 4; i++) outs[i] = ir_for(t, 13, 1, outs[0]->body, outs[0]->in, 2, i); /* one loop */
    bj_graph *g = bj_trace_finish(t, outs, 4);
    t = bj_trace_new("count_unrolled");
    bj_val *x = bj_trace_arg(t, "x", F32, 1, SH(4)), *c = bj_lit(t, BJ_I32, 3), *twice[13], *before[13];
    for (int s = 0; s < 13; s++) {
        bj_val *step = bj_lit(t, BJ_I32, s);
        twice[s] = bj_mul(step, 2), before[s] = c;
        c = bj_add(c, 1), x = bj_add(bj_mul(x, 0.5), bj_astype(step, F32));
    }
    bj_val *routs[4] = {c, x, bj_stack(twice, 13, 0), bj_stack(before, 13, 0)};
    bj_graph *ref = bj_trace_finish(t, routs, 4);
    bj_array *x0a = ramp(F32, 1, SH(4), 1, 1.5);
    bj_array *o[4] = {0};
    if (run_on(g, "cpu", 1, &x0a, o)) {
        CHECK(bj_array_dtype(o[0]) == BJ_I32 && bj_array_get(o[0], 0) == 16);
        CHECK(bj_array_rank(o[2]) == 1 && bj_array_shape(o[2])[0] == 13 && bj_array_get(o[2], 12) == 24);
        CHECK(bj_array_get(o[3], 0) == 3 && bj_array_get(o[3], 12) == 15);
    }
    for (int i = 0; i < 4; i++) bj_array_release(o[i]);
    check_same(g, ref, 1, &x0a);
}

static void for_two_loops(void) {
    /* two independent loops (different bodies, different inits), each with its results used */
    bj_trace *t = bj_trace_new("two");
    bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(4)), *y0 = bj_trace_arg(t, "y", F32, 1, SH(4));
    bj_val *a = counter_loop(t, bj_lit(t, BJ_I32, 0), x0, 5, 1);
    bj_val *b = counter_loop(t, bj_lit(t, BJ_I32, 0), y0, 9, 1);
    bj_val *c = counter_loop(t, bj_lit(t, BJ_I32, 0), bj_mul(a, b), 4, 1); /* a third one after both */
    bj_val *outs[3] = {a, b, c};
    bj_graph *g = bj_trace_finish(t, outs, 3);
    t = bj_trace_new("two_unrolled");
    bj_val *x = bj_trace_arg(t, "x", F32, 1, SH(4)), *y = bj_trace_arg(t, "y", F32, 1, SH(4));
    for (int s = 0; s < 5; s++) x = bj_add(bj_mul(x, 0.5), bj_astype(bj_lit(t, BJ_I32, s), F32));
    for (int s = 0; s < 9; s++) y = bj_add(bj_mul(y, 0.5), bj_astype(bj_lit(t, BJ_I32, s), F32));
    bj_val *z = bj_mul(x, y);
    for (int s = 0; s < 4; s++) z = bj_add(bj_mul(z, 0.5), bj_astype(bj_lit(t, BJ_I32, s), F32));
    bj_val *routs[3] = {x, y, z};
    check_same(g, bj_trace_finish(t, routs, 3), 2, (bj_array *[]){ramp(F32, 1, SH(4), 1, 1), ramp(F32, 1, SH(4), -2, 0.5)});
}

/* ---------------------------------------------------------------- nesting: a loop in a loop, a loop in a call */
/* outer: 4 steps of x = inner(x) + step, where inner runs 3 steps of x = x * w + inner step; ys: x after each
 * outer step. */
static void for_nested_loops(void) {
    bj_trace *t = bj_trace_new("nested");
    bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(6)), *w = bj_trace_arg(t, "w", F32, 1, SH(6));
    ir_region *outer = ir_region_begin(t);
    bj_val *os = ir_region_param(t, BJ_I32, 0, NULL), *ox = ir_region_param(t, F32, 1, SH(6));
    ir_region *inner = ir_region_begin(t);
    bj_val *is = ir_region_param(t, BJ_I32, 0, NULL), *ix = ir_region_param(t, F32, 1, SH(6));
    bj_val *inext = bj_add(bj_mul(ix, w), bj_astype(is, F32)); /* w: captured from two levels up */
    ir_region_end(t, &inext, 1);
    bj_val *xi = ir_for(t, 3, 1, inner, &ox, 1, 0);
    bj_val *onext = bj_add(xi, bj_astype(os, F32));
    bj_val *ores[2] = {onext, onext};
    ir_region_end(t, ores, 2);
    bj_val *outs[2] = {ir_for(t, 4, 1, outer, &x0, 1, 0), ir_for(t, 4, 1, outer, &x0, 1, 1)};
    bj_graph *g = bj_trace_finish(t, outs, 2);
    t = bj_trace_new("nested_unrolled");
    bj_val *x = bj_trace_arg(t, "x", F32, 1, SH(6)), *wu = bj_trace_arg(t, "w", F32, 1, SH(6)), *ys[4];
    for (int s = 0; s < 4; s++) {
        for (int q = 0; q < 3; q++) x = bj_add(bj_mul(x, wu), bj_astype(bj_lit(t, BJ_I32, q), F32));
        ys[s] = x = bj_add(x, bj_astype(bj_lit(t, BJ_I32, s), F32));
    }
    bj_val *routs[2] = {x, bj_stack(ys, 4, 0)};
    check_same(g, bj_trace_finish(t, routs, 2), 2,
               (bj_array *[]){ramp(F32, 1, SH(6), 0.5, 0.25), ramp(F32, 1, SH(6), 0.9, -0.1)});
}

/* a call whose body holds a loop capturing the call's parameter */
static void for_inside_call(void) {
    bj_trace *t = bj_trace_new("call_loop");
    bj_val *a = bj_trace_arg(t, "a", F32, 1, SH(5)), *b = bj_trace_arg(t, "b", F32, 1, SH(5));
    ir_region *fn = ir_region_begin(t);
    bj_val *p = ir_region_param(t, F32, 1, SH(5)), *q = ir_region_param(t, F32, 1, SH(5));
    ir_region *body = ir_region_begin(t);
    bj_val *st = ir_region_param(t, BJ_I32, 0, NULL), *x = ir_region_param(t, F32, 1, SH(5));
    bj_val *nx = bj_sub(bj_mul(x, q), bj_astype(st, F32)); /* q: the call's parameter */
    bj_val *bres[2] = {nx, bj_sum(nx, 0, NULL, false)};
    ir_region_end(t, bres, 2);
    bj_val *fres[2] = {ir_for(t, 6, 2, body, &p, 1, 0), ir_for(t, 6, 2, body, &p, 1, 1)};
    ir_region_end(t, fres, 2);
    bj_val *outs[3] = {ir_call(t, fn, (bj_val *[]){a, b}, 0), ir_call(t, fn, (bj_val *[]){a, b}, 1),
                       ir_call(t, fn, (bj_val *[]){b, a}, 0)}; /* a second call: another copy of the loop */
    bj_graph *g = bj_trace_finish(t, outs, 3);
    opt_plan *pl = g ? opt_compile(g) : NULL; /* the call's two results share one copy of its loop: two loops */
    CHECK(pl && pl->nkernels == 2 && pl->kernels[0].kind == OPT_FOR && pl->kernels[1].kind == OPT_FOR);
    opt_plan_free(pl);
    t = bj_trace_new("call_loop_unrolled");
    bj_val *ua = bj_trace_arg(t, "a", F32, 1, SH(5)), *ub = bj_trace_arg(t, "b", F32, 1, SH(5));
    bj_val *xa = ua, *xb = ub, *sums[3];
    for (int s = 0; s < 6; s++) {
        xa = bj_sub(bj_mul(xa, ub), bj_astype(bj_lit(t, BJ_I32, s), F32));
        xb = bj_sub(bj_mul(xb, ua), bj_astype(bj_lit(t, BJ_I32, s), F32));
        if (s % 2 == 1) sums[s / 2] = bj_sum(xa, 0, NULL, false);
    }
    bj_val *routs[3] = {xa, bj_stack(sums, 3, 0), xb};
    check_same(g, bj_trace_finish(t, routs, 3), 2,
               (bj_array *[]){ramp(F32, 1, SH(5), 0.5, 0.25), ramp(F32, 1, SH(5), 1.1, -0.05)});
}

/* the jit's nested calls import a cached graph as a call body: a graph with a loop imported and called */
static void for_imported(void) {
    bj_graph *inner = lif_loop(64, 20, 4);
    bj_trace *t = bj_trace_new("importer");
    bj_val *v = bj_trace_arg(t, "v", F32, 1, SH(64)), *r = bj_trace_arg(t, "ref", F32, 1, SH(64));
    bj_val *I = bj_trace_arg(t, "I", F32, 1, SH(64));
    ir_region *body = inner ? ir_import(t, inner) : NULL;
    CHECK(body != NULL);
    bj_val *outs[4];
    for (int i = 0; i < 4; i++) outs[i] = body ? ir_call(t, body, (bj_val *[]){v, r, I}, i) : v;
    bj_graph *g = bj_trace_finish(t, outs, 4);
    char *s = g ? bj_graph_to_string(g) : NULL; /* the loop body was copied once */
    const char *at = s ? strstr(s, "= for ") : NULL;
    CHECK(at && strstr(at, "@region1 {") && !strstr(s, "@region2"));
    bj_free(s);
    bj_graph_release(inner);
    bj_array *ins[3];
    lif_ins(64, ins);
    check_same(g, lif_unrolled(64, 20, 4), 3, ins);
}

/* ---------------------------------------------------------------- the native backend's plan and code */
static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = s ? strstr(s, what) : NULL; p; p = strstr(p + 1, what)) n++;
    return n;
}

/* The LIF step inside the loop stays one kernel, updating both carries in place (no copy at any step); the spikes
 * are written straight into their row of the stacked output. */
static void for_kernels_in_loop(void) {
    bj_graph *g = lif_loop_n(1000, 100, 1, 3);
    opt_plan *p = g ? opt_compile(g) : NULL;
    CHECK(p && p->nkernels == 1 && p->kernels[0].kind == OPT_FOR && p->kernels[0].nnodes == 3);
    const opt_loop *l = p && p->nkernels == 1 ? p->kernels[0].loop : NULL;
    CHECK(l && l->plan && l->plan->nkernels == 1 && l->plan->kernels[0].kind == OPT_LOOP);
    CHECK(l && l->plan && l->plan->ninplace == 2 && l->plan->ncopies == 0);
    opt_plan_free(p);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    const char *src = e ? bj_exec_source(e) : NULL;
    if (src) { /* no source when no C compiler was found */
        const char *loop = strstr(src, "for (int64_t l0_i = 0; l0_i < 100; l0_i++) {");
        CHECK(loop && count(src, "for (int64_t l0_i") == 1 && count(src, "static void") == 1);
        CHECK(loop && strstr(loop, "l0_k0(l0_b, 0, 1000);") && !strstr(loop, "memcpy"));
    }
    bj_exec_release(e);
    bj_graph_release(g);
    /* one neuron's voltage as a monitor (a slice squeezed to 0-d) adds one small kernel, reading the state in place */
    g = lif_loop(1000, 100, 1);
    p = g ? opt_compile(g) : NULL;
    l = p && p->nkernels == 1 ? p->kernels[0].loop : NULL;
    CHECK(l && l->plan && l->plan->nkernels == 2 && l->plan->ninplace == 2 && l->plan->ncopies == 0);
    opt_plan_free(p);
    bj_graph_release(g);
    /* every result of the loop but the final voltage unused: no row is recorded, the loop runs once, and the
     * refractory carry is still computed (the voltage reads it) */
    g = lif_loop_n(500, 30, 1, 1);
    p = g ? opt_compile(g) : NULL;
    l = p && p->nkernels == 1 ? p->kernels[0].loop : NULL;
    CHECK(l && l->need[0] && l->need[1] && !l->member[1] && !l->member[2] && !l->member[3]);
    opt_plan_free(p);
    bj_array *ins[3];
    lif_ins(500, ins);
    bj_graph *full = lif_loop(500, 30, 1);
    bj_array *a[1] = {0}, *b[4] = {0};
    if (run_on(g, "cpu", 3, ins, a) && run_on(full, "interp", 3, ins, b)) CHECK(same_bytes(a[0], b[0]));
    bj_array_release(a[0]);
    for (int i = 0; i < 4; i++) bj_array_release(b[i]);
    test_release_all(3, ins);
    bj_graph_release(g), bj_graph_release(full);
    /* a carry nothing needs is dropped: only x of the counter loop is used, and x never reads the count */
    bj_trace *t = bj_trace_new("dropped");
    bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(4));
    bj_val *x = counter_loop(t, bj_lit(t, BJ_I32, 0), x0, 6, 1);
    g = bj_trace_finish(t, &x, 1);
    p = g ? opt_compile(g) : NULL;
    l = p && p->nkernels == 1 ? p->kernels[0].loop : NULL;
    int nodes = 0; /* astype(step) (a scalar kernel), x * 0.5 + it: nothing of the count */
    for (int k = 0; l && l->plan && k < l->plan->nkernels; k++) nodes += l->plan->kernels[k].nnodes;
    CHECK(l && !l->need[0] && l->need[1] && nodes == 3);
    opt_plan_free(p);
    bj_graph_release(g);
}

/* Carries that swap, pass through unchanged, take a captured value or the step; ys that are a carry before the
 * update and the step: copies, staged where needed, all equal to the unrolled graph. */
static void for_copies_and_swaps(void) {
    bj_trace *t = bj_trace_new("swap");
    bj_val *a0 = bj_trace_arg(t, "a", F32, 1, SH(3)), *b0 = bj_trace_arg(t, "b", F32, 1, SH(3));
    bj_val *w = bj_trace_arg(t, "w", F32, 1, SH(3));
    ir_region *body = ir_region_begin(t);
    bj_val *st = ir_region_param(t, BJ_I32, 0, NULL);
    bj_val *a = ir_region_param(t, F32, 1, SH(3)), *b = ir_region_param(t, F32, 1, SH(3));
    bj_val *c = ir_region_param(t, F32, 1, SH(3)), *d = ir_region_param(t, F32, 1, SH(3));
    ir_region_param(t, BJ_I32, 0, NULL); /* k */
    bj_val *res[7] = {bj_add(b, 1.0), a, c, w, st, a, bj_mul(d, 2.0)}; /* a' = b + 1, b' = a, c' = c, d' = w, k' = step */
    ir_region_end(t, res, 7);
    bj_val *init[5] = {a0, b0, a0, b0, bj_lit(t, BJ_I32, -1)}, *outs[7];
    for (int i = 0; i < 7; i++) outs[i] = ir_for(t, 5, 1, body, init, 5, i);
    bj_graph *g = bj_trace_finish(t, outs, 7);
    t = bj_trace_new("swap_unrolled");
    bj_val *ua = bj_trace_arg(t, "a", F32, 1, SH(3)), *ub = bj_trace_arg(t, "b", F32, 1, SH(3));
    bj_val *uw = bj_trace_arg(t, "w", F32, 1, SH(3));
    bj_val *xa = ua, *xb = ub, *xd = ub, *xk = bj_lit(t, BJ_I32, -1), *ya[5], *yd[5];
    for (int s = 0; s < 5; s++) {
        ya[s] = xa, yd[s] = bj_mul(xd, 2.0);
        bj_val *na = bj_add(xb, 1.0);
        xb = xa, xa = na, xd = uw, xk = bj_lit(t, BJ_I32, s);
    }
    bj_val *routs[7] = {xa, xb, ua, xd, xk, bj_stack(ya, 5, 0), bj_stack(yd, 5, 0)};
    check_same(g, bj_trace_finish(t, routs, 7), 3,
               (bj_array *[]){ramp(F32, 1, SH(3), 1, 1), ramp(F32, 1, SH(3), -5, 2), ramp(F32, 1, SH(3), 9, -1)});
}

/* Large populations run the loop threaded, each step's kernel split in chunks; results do not depend on it. */
static void for_large_threads(void) {
    int64_t n = (int64_t)1 << 18;
    bj_graph *g = lif_loop(n, 12, 3);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    const char *src = e ? bj_exec_source(e) : NULL;
    if (src) {
        const char *loop = strstr(src, "for (int64_t l0_i = 0;");
        const char *region = strstr(src, "#pragma omp parallel num_threads");
        CHECK(loop && region && region < loop && strstr(loop, "bj_split(262144, l0_tl.nth, j, &lo, &hi);") &&
              strstr(loop, "l0_k0(l0_b, lo, hi);"));
    }
    bj_exec_release(e);
    bj_graph_release(g);
    bj_array *ins[3];
    lif_ins(n, ins);
    check_same(lif_loop(n, 12, 3), NULL, 3, ins);
    lif_ins(n, ins);
    bj_config_set("num_threads", "1"); /* one thread gives the same bits */
    bj_graph *g1 = lif_loop(n, 12, 3), *g2 = lif_loop(n, 12, 3);
    bj_array *a[4] = {0}, *b[4] = {0};
    bool ok = run_on(g1, "cpu", 3, ins, a);
    bj_config_set("num_threads", NULL);
    if (ok && run_on(g2, "interp", 3, ins, b))
        for (int i = 0; i < 4; i++) CHECK_MSG(same_bytes(a[i], b[i]), "output %d on one thread", i);
    for (int i = 0; i < 4; i++) bj_array_release(a[i]), bj_array_release(b[i]);
    bj_graph_release(g1), bj_graph_release(g2);
    test_release_all(3, ins);
}

/* The jit's in-place Variables: final carries bound to their initial values' memory (exec_run_aliased). */
static void for_aliased_carries(void) {
    bj_graph *g = lif_loop(400, 25, 5);
    int alias[4] = {0, 1, -1, -1};
    exec_opts o = {.out_alias = alias};
    const char *backends[2] = {"cpu", "interp"};
    bj_array *ref[4] = {0}, *ins[3];
    lif_ins(400, ins);
    CHECK(run_on(g, "interp", 3, ins, ref));
    for (int bk = 0; bk < 2; bk++) {
        bj_exec *e = exec_compile(g, backends[bk], &o);
        CHECK(e != NULL);
        bj_array *work[3] = {bj_array_copy(ins[0]), bj_array_copy(ins[1]), ins[2]};
        bj_array *outs[4] = {work[0], work[1], bj_array_zeros(BJ_BOOL, 2, SH(5, 400)), bj_array_zeros(F32, 1, SH(5))};
        CHECK(e && !exec_run_aliased(e, work, outs));
        if (e && bk == 0 && bj_exec_source(e)) /* the loop carries both Variables in their own memory: no copy */
            CHECK_MSG(exec_num_inplace(e) == 2, "%d outputs in place", exec_num_inplace(e));
        for (int i = 0; i < 4; i++) CHECK_MSG(same_bytes(outs[i], ref[i]), "%s: output %d", backends[bk], i);
        bj_array_release(work[0]), bj_array_release(work[1]), bj_array_release(outs[2]), bj_array_release(outs[3]);
        bj_exec_release(e);
    }
    for (int i = 0; i < 4; i++) bj_array_release(ref[i]);
    test_release_all(3, ins);
    bj_graph_release(g);
}

/* Two traces of the same loop share one compiled artifact; a loop differing only inside its body does not. */
static void for_cache_key_has_bodies(void) {
    bj_graph *a = lif_loop(64, 10, 1), *b = lif_loop(64, 10, 1), *c = lif_loop(64, 10, 2);
    bj_exec *ea = a ? bj_compile(a, "cpu") : NULL, *eb = b ? bj_compile(b, "cpu") : NULL;
    bj_exec *ec = c ? bj_compile(c, "cpu") : NULL;
    const char *sa = ea ? bj_exec_source(ea) : NULL, *sb = eb ? bj_exec_source(eb) : NULL;
    CHECK(ea && eb && ec && sa == sb && sa != bj_exec_source(ec));
    bj_exec_release(ea), bj_exec_release(eb), bj_exec_release(ec);
    bj_graph_release(a), bj_graph_release(b), bj_graph_release(c);
    /* same everything but one literal inside the body */
    bj_graph *g[2];
    for (int i = 0; i < 2; i++) {
        bj_trace *t = bj_trace_new("lit");
        bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(8));
        ir_region *body = ir_region_begin(t);
        ir_region_param(t, BJ_I32, 0, NULL);
        bj_val *x = ir_region_param(t, F32, 1, SH(8));
        bj_val *nx = bj_mul(x, i ? 0.5 : 0.25);
        ir_region_end(t, &nx, 1);
        bj_val *y = ir_for(t, 3, 1, body, &x0, 1, 0);
        g[i] = bj_trace_finish(t, &y, 1);
    }
    bj_exec *e0 = bj_compile(g[0], "cpu"), *e1 = bj_compile(g[1], "cpu");
    CHECK(e0 && e1 && bj_exec_source(e0) != bj_exec_source(e1));
    bj_exec_release(e0), bj_exec_release(e1);
    bj_graph_release(g[0]), bj_graph_release(g[1]);
}

/* The generated C of a LIF loop (state and spikes), from its first kernel to the end. */
static void for_golden_lif(void) {
    bj_graph *g = lif_loop_n(4000, 100, 1, 3);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    const char *src = e ? strstr(bj_exec_source(e), "/* kernel") : NULL;
    CHECK(src);
    const char *path = "golden/for_lif_f32.c";
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

/* ---------------------------------------------------------------- the listing */
static void for_listing(void) {
    bj_trace *t = bj_trace_new("count");
    bj_val *x0 = bj_trace_arg(t, "x", F32, 1, SH(4));
    bj_val *l1 = counter_loop(t, bj_lit(t, BJ_I32, 0), x0, 8, 1);
    bj_val *outs[2] = {l1, ir_for(t, 8, 1, l1->body, l1->in, 2, 2)}; /* the same loop */
    bj_graph *g = bj_trace_finish(t, outs, 2);
    char *s = g ? bj_graph_to_string(g) : NULL;
    CHECK(s && strstr(s, "= for %1, %0 n=8 every=1 result=1 @region0 {\n    ^(%3: i32[], %4: i32[], %5: f32[4]):\n"));
    CHECK(s && strstr(s, "= for %1, %0 n=8 every=1 result=2 @region0\n"));
    CHECK(s && strstr(s, "      yield "));
    if (getenv("BJ_TEST_VERBOSE")) printf("%s", s);
    bj_free(s);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- errors */
static void for_errors(void) {
    bj_trace *t = bj_trace_new("bad");
    bj_val *x = bj_trace_arg(t, "x", BJ_F64, 1, SH(4));
    ir_region *body = ir_region_begin(t);
    ir_region_param(t, BJ_I32, 0, NULL);
    bj_val *c = ir_region_param(t, F32, 1, SH(4));
    (void)c;
    CHECK(!ir_for(t, 3, 1, body, &x, 1, 0)); /* the body is still open */
    CHECK_ERR_HAS("still open");
    bj_trace_free(t);

    struct { int64_t n, every; int ncarry, which; bool f64_init, f64_result; const char *msg; } cases[] = {
        {3, 1, 1, 0, true, false, "carry 0: the init is f64[4], the body's parameter is f32[4]"},
        {3, 1, 1, 0, false, true, "carry 0: the body returns f64[4] for a carry of type f32[4]"},
        {3, 0, 1, 0, false, false, "every = 0; must be >= 1"},
        {-1, 1, 1, 0, false, false, "n = -1 steps; n must be >= 0"},
        {3, 1, 1, 2, false, false, "result 2 of a body with 2 results"},
        {3, 1, 2, 0, false, false, "2 carries, but the body has 2 parameters"},
        {(int64_t)1 << 31, 1, 1, 0, false, false, "at most 2147483647"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = bj_trace_new("bad");
        bj_val *init = bj_trace_arg(t, "x", cases[i].f64_init ? BJ_F64 : F32, 1, SH(4));
        body = ir_region_begin(t);
        ir_region_param(t, BJ_I32, 0, NULL);
        c = ir_region_param(t, F32, 1, SH(4));
        bj_val *nc = cases[i].f64_result ? bj_astype(bj_mul(c, 2.0), BJ_F64) : bj_mul(c, 2.0);
        bj_val *r2[2] = {nc, bj_sum(c, 0, NULL, false)};
        ir_region_end(t, r2, 2);
        bj_clear_error();
        bj_val *y = ir_for(t, cases[i].n, cases[i].every, body, (bj_val *[]){init, init}, cases[i].ncarry,
                           cases[i].which);
        CHECK_MSG(!y && strstr(bj_last_error(), cases[i].msg), "case %zu: got '%s', want '%s'", i, bj_last_error(),
                  cases[i].msg);
        CHECK(bj_trace_status(t) != BJ_OK && !bj_trace_finish(t, &init, 1)); /* the error stuck to the trace */
    }
    /* the step parameter must be an i32 scalar */
    t = bj_trace_new("bad");
    x = bj_trace_arg(t, "x", F32, 1, SH(4));
    body = ir_region_begin(t);
    ir_region_param(t, BJ_I64, 0, NULL);
    c = ir_region_param(t, F32, 1, SH(4));
    ir_region_end(t, &c, 1);
    CHECK(!ir_for(t, 3, 1, body, &x, 1, 0));
    CHECK_ERR_HAS("body parameter 0 (the step) is i64[]; it must be i32[]");
    bj_trace_free(t);
    /* bj_op does not build loops */
    t = bj_trace_new("bad");
    x = bj_trace_arg(t, "x", F32, 1, SH(4));
    CHECK(!bj_op(t, "for", &x, 1, NULL));
    CHECK_ERR_HAS("an op holding a region is not built by bj_op");
    bj_trace_free(t);
    /* abstracted axes refuse loops, clearly */
    bj_graph *g = lif_loop(16, 3, 1);
    int8_t in_sym[3 * BJ_MAX_RANK];
    memset(in_sym, -1, sizeof in_sym);
    in_sym[0] = in_sym[BJ_MAX_RANK] = in_sym[2 * BJ_MAX_RANK] = 0;
    exec_opts o = {.nsym = 1, .in_sym = in_sym};
    bj_exec *e = exec_compile(g, "interp", &o);
    CHECK(!e);
    CHECK_ERR_HAS("abstracted axes: for loops are not supported yet");
    bj_exec_release(e);
    bj_graph_release(g);
}

static bj_status empty_body(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *y = bj_mul(bj_loop_x(t, 0), 2.0);
    return bj_loop_yield(t, NULL, 0, &y, 1);
}

static bj_status empty_scan(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *xs = bj_param(t, 0), *ys = NULL;
    bj_status s = bj_for_loop(t, 0, 1, empty_body, NULL, NULL, 0, &xs, 1, NULL, &ys, 1);
    return s ? s : bj_return(t, ys);
}

/* A loop over an empty axis (JAX's scan of length 0): the body is traced on a zero x of the element type and
 * never runs; the stacked outputs have 0 rows. (Was "dynamic_slice: size 1 of axis 0 does not fit in f32[0, 3]".) */
static void for_over_an_empty_axis(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(empty_scan, NULL, &(bj_jit_opts){.backend = bi ? "cpu" : "interp"});
        bj_array *x = bj_array_zeros(BJ_F32, 2, SH(0, 3)), *y = NULL;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
        CHECK(y && bj_array_rank(y) == 2 && bj_array_shape(y)[0] == 0 && bj_array_shape(y)[1] == 3);
        bj_array_release(x), bj_array_release(y);
        bj_jit_release(f);
    }
}

void tests_for(void) {
    RUN(for_lif_monitors);
    RUN(for_every_k_steps);
    RUN(for_zero_steps);
    RUN(for_over_an_empty_axis);
    RUN(for_captured_weights);
    RUN(for_counter_and_step);
    RUN(for_two_loops);
    RUN(for_nested_loops);
    RUN(for_inside_call);
    RUN(for_imported);
    RUN(for_kernels_in_loop);
    RUN(for_copies_and_swaps);
    RUN(for_large_threads);
    RUN(for_aliased_carries);
    RUN(for_cache_key_has_bodies);
    RUN(for_golden_lif);
    RUN(for_listing);
    RUN(for_errors);
}
