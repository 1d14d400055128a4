/* test_alias.c — aliased outputs (exec_compile with out_alias, exec_run_aliased): what the native backend writes in
 * place, and that every aliased run, in place or not, equals a plain run of an unaliased compile byte for byte. */
#include "backend/backend.h"
#include "test.h"

#include <stdlib.h>

static bj_array *ramp(bj_dtype d, int rank, const int64_t *shape, double from, double step) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        double v = from + step * (double)i;
        void *p = bj_array_data(a);
        if (d == BJ_F32) ((float *)p)[i] = (float)v;
        else if (d == BJ_F64) ((double *)p)[i] = v;
        else if (d == BJ_I32) ((int32_t *)p)[i] = (int32_t)(int64_t)v;
        else if (d == BJ_BOOL) ((bool *)p)[i] = ((int64_t)v & 1) != 0;
    }
    return a;
}

static bool same_bytes(const bj_array *a, const bj_array *b) {
    size_t n = bj_array_size(a) * bj_dtype_size(bj_array_dtype(a));
    return bj_array_dtype(a) == bj_array_dtype(b) && bj_array_size(a) == bj_array_size(b) &&
           !memcmp(bj_array_data(a), bj_array_data(b), n);
}

#define MAXIO 8

/* One backend: runs g `reps` times with exec_run_aliased on copies of ins, each aliased output bound to its input
 * array, and the same steps with bj_exec_run of an unaliased compile (aliased outputs fed back into their inputs);
 * compares every output and every input after each step. Returns exec_num_inplace of the aliased executable, or
 * -1 if something failed. Releases nothing it was given. */
static int run_aliased_vs_plain(bj_graph *g, const char *backend, int nin, bj_array *const *ins, const int *alias,
                                int reps) {
    int nout = bj_graph_num_outputs(g);
    exec_opts o = {.out_alias = alias};
    bj_exec *plain = bj_compile(g, backend), *ea = exec_compile(g, backend, &o);
    CHECK(plain && ea && nin <= MAXIO && nout <= MAXIO);
    int inplace = -1;
    bj_array *ref[MAXIO] = {0}, *work[MAXIO] = {0}, *outs[MAXIO] = {0}, *rout[MAXIO] = {0};
    for (int i = 0; i < nin; i++) ref[i] = bj_array_copy(ins[i]), work[i] = bj_array_copy(ins[i]);
    for (int r = 0; plain && ea && r < reps; r++) {
        bj_status s = bj_exec_run(plain, ref, nin, rout, nout);
        CHECK(!s);
        if (s) break;
        for (int k = 0; k < nout; k++)
            if (alias[k] >= 0) outs[k] = work[alias[k]];
            else if (!outs[k]) outs[k] = bj_array_zeros(bj_array_dtype(rout[k]), bj_array_rank(rout[k]), bj_array_shape(rout[k]));
        s = exec_run_aliased(ea, work, outs);
        CHECK(!s);
        for (int k = 0; !s && k < nout; k++)
            CHECK_MSG(same_bytes(outs[k], rout[k]), "%s step %d: output %d differs from the plain run", backend, r, k);
        for (int k = 0; k < nout; k++)
            if (alias[k] >= 0) bj_array_release(ref[alias[k]]), ref[alias[k]] = bj_array_copy(rout[k]);
        for (int i = 0; !s && i < nin; i++)
            CHECK_MSG(same_bytes(work[i], ref[i]), "%s step %d: input %d differs from the plain run", backend, r, i);
        for (int k = 0; k < nout; k++) bj_array_release(rout[k]), rout[k] = NULL;
        inplace = exec_num_inplace(ea);
    }
    for (int k = 0; k < nout; k++)
        if (alias[k] < 0) bj_array_release(outs[k]);
    for (int i = 0; i < nin; i++) bj_array_release(ref[i]), bj_array_release(work[i]);
    bj_exec_release(plain), bj_exec_release(ea);
    return inplace;
}

/* Both backends; the cpu one must write `want` outputs in place (the interpreter never does). Releases g and ins. */
static void check_case(bj_graph *g, int nin, bj_array **ins, const int *alias, int reps, int want) {
    CHECK(g != NULL);
    if (g) {
        int got = run_aliased_vs_plain(g, "cpu", nin, ins, alias, reps);
        CHECK_MSG(got == want, "cpu: %d outputs in place, want %d", got, want);
        got = run_aliased_vs_plain(g, "interp", nin, ins, alias, reps);
        CHECK_MSG(got == 0, "interp: %d outputs in place, want 0", got);
    }
    bj_graph_release(g);
    test_release_all(nin, ins);
}

/* v' = v * 0.9 + x over [n] (returns v'), alias v' -> v. */
static bj_graph *leaky(int64_t n, bj_dtype d) {
    bj_trace *t = bj_trace_new("leaky");
    bj_val *v = bj_trace_arg(t, "v", d, 1, SH(n)), *x = bj_trace_arg(t, "x", d, 1, SH(n));
    bj_val *y = d == BJ_I32 ? bj_add(bj_mul(v, 3), x) : bj_add(bj_mul(v, 0.9), x);
    return bj_trace_finish(t, &y, 1);
}

static void alias_leaky_update_in_place(void) {
    int alias[1] = {0};
    bj_array *ins[2] = {ramp(BJ_F32, 1, SH(1000), -70, 0.05), ramp(BJ_F32, 1, SH(1000), 3, -0.01)};
    check_case(leaky(1000, BJ_F32), 2, ins, alias, 6, 1);
    /* the generated kernel declares the input once, writable, and says so */
    bj_graph *g = leaky(1000, BJ_F32);
    exec_opts o = {.out_alias = alias};
    bj_exec *e = exec_compile(g, "cpu", &o), *p = bj_compile(g, "cpu");
    const char *src = e ? bj_exec_source(e) : NULL, *psrc = p ? bj_exec_source(p) : NULL;
    if (src && psrc) { /* no source when no C compiler was found (the cpu backend then runs on the interpreter) */
        CHECK(strstr(src, "float *restrict b0 = (float *)b[0]; /* input 0 v, updated in place as output 0") != NULL);
        CHECK(strstr(src, "const float *restrict b0") == NULL);
        CHECK(strstr(psrc, "updated in place") == NULL); /* the plain compile is another artifact */
    }
    bj_exec_release(e), bj_exec_release(p), bj_graph_release(g);
}

/* The LIF step: v and the refractory counter are both updated in place by its one kernel; the spike is output 2. */
static void alias_two_variables_one_kernel(void) {
    bj_trace *t = bj_trace_new("lif");
    int64_t n = 777;
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, SH(n)), *I = bj_trace_arg(t, "I", BJ_F32, 1, SH(n));
    bj_val *r = bj_trace_arg(t, "ref", BJ_F32, 1, SH(n));
    bj_val *refr = bj_gt(r, 0.0);
    bj_val *dv = bj_mul(bj_add(bj_neg(bj_sub(v, -65.0)), I), 0.1);
    bj_val *v1 = bj_where(refr, v, bj_add(v, dv));
    bj_val *spike = bj_ge(v1, -50.0);
    bj_val *v2 = bj_where(spike, bj_full(t, BJ_F32, 1, SH(n), -65.0), v1);
    bj_val *r0 = bj_maximum(bj_sub(r, 1.0), 0.0);
    bj_val *r1 = bj_where(spike, bj_full(t, BJ_F32, 1, SH(n), 5.0), r0);
    bj_val *outs[3] = {spike, v2, r1};
    int alias[3] = {-1, 0, 2};
    bj_array *ins[3] = {ramp(BJ_F32, 1, SH(n), -70, 0.03), bj_array_full(BJ_F32, 1, SH(n), 20.0),
                        ramp(BJ_F32, 1, SH(n), -2, 0.01)};
    check_case(bj_trace_finish(t, outs, 3), 3, ins, alias, 8, 2);
}

static bj_graph *unary_case(const char *name, bj_dtype d, int rank, const int64_t *sh, int which) {
    bj_trace *t = bj_trace_new(name);
    bj_val *v = bj_trace_arg(t, "v", d, rank, sh), *y = NULL;
    int perm[2] = {1, 0};
    switch (which) {
    case 0: y = bj_flip(v, 0, NULL); break;                                  /* a view: reads other elements */
    case 1: y = bj_add(v, bj_sum(v, 0, NULL, false)); break;                 /* the sum's kernel runs first */
    case 2: y = bj_transpose(v, perm); break;                                /* square: same shape, other order */
    case 3: y = bj_add(v, bj_flip(v, 0, NULL)); break;                       /* identity and view reads in one loop */
    case 4: y = bj_mul(bj_transpose(v, perm), 2.0); break;                   /* a view read inside the writing loop */
    default: y = v; break;                                                   /* the input itself */
    }
    return bj_trace_finish(t, &y, 1);
}

static void alias_unsafe_reads_copy(void) {
    int alias[1] = {0};
    check_case(unary_case("flip", BJ_F32, 1, SH(1000), 0), 1, INS(ramp(BJ_F32, 1, SH(1000), -5, 0.01)), alias, 3, 0);
    check_case(unary_case("plus_sum", BJ_F32, 1, SH(1000), 1), 1, INS(ramp(BJ_F32, 1, SH(1000), -5, 0.01)), alias, 3, 1);
    check_case(unary_case("transpose", BJ_F64, 2, SH(33, 33), 2), 1, INS(ramp(BJ_F64, 2, SH(33, 33), 0, 1)), alias, 3, 0);
    check_case(unary_case("plus_flip", BJ_F32, 1, SH(1000), 3), 1, INS(ramp(BJ_F32, 1, SH(1000), -5, 0.01)), alias, 3, 0);
    check_case(unary_case("mul_transpose", BJ_F32, 2, SH(40, 40), 4), 1, INS(ramp(BJ_F32, 2, SH(40, 40), 0, 1)), alias,
               3, 0);
    /* take(v, idx): a gather kernel of its own */
    bj_trace *t = bj_trace_new("take");
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, SH(100)), *idx = bj_trace_arg(t, "idx", BJ_I32, 1, SH(100));
    bj_val *y = bj_take(v, idx, 0);
    bj_array *ix = bj_array_zeros(BJ_I32, 1, SH(100));
    for (int i = 0; ix && i < 100; i++) ((int32_t *)bj_array_data(ix))[i] = (i * 37 + 11) % 100;
    check_case(bj_trace_finish(t, &y, 1), 2, INS(ramp(BJ_F32, 1, SH(100), 1, 0.5), ix), alias, 3, 0);
    /* a kernel after the writing one reads v: y = sum(v' * v) */
    t = bj_trace_new("later");
    v = bj_trace_arg(t, "v", BJ_F32, 1, SH(500));
    bj_val *v1 = bj_mul(v, 2.0);
    bj_val *outs[2] = {v1, bj_sum(bj_mul(v1, v), 0, NULL, false)};
    int alias2[2] = {0, -1};
    check_case(bj_trace_finish(t, outs, 2), 1, INS(ramp(BJ_F32, 1, SH(500), -1, 0.004)), alias2, 3, 0);
    /* the old value is returned too (a copy reads v after the kernels) */
    t = bj_trace_new("old_too");
    v = bj_trace_arg(t, "v", BJ_F32, 1, SH(64));
    bj_val *outs3[2] = {bj_add(v, 1.0), v};
    check_case(bj_trace_finish(t, outs3, 2), 1, INS(ramp(BJ_F32, 1, SH(64), 0, 1)), alias2, 3, 0);
    /* the new value is also a plain output (kernels write that one; the aliased one is a copy of it) */
    t = bj_trace_new("twice");
    v = bj_trace_arg(t, "v", BJ_F32, 1, SH(64));
    bj_val *w = bj_add(v, 1.0);
    bj_val *outs4[2] = {w, w};
    check_case(bj_trace_finish(t, outs4, 2), 1, INS(ramp(BJ_F32, 1, SH(64), 0, 1)), alias2, 3, 0);
}

/* Outputs that are inputs: unchanged (no copy onto itself), swapped and rotated (staged copies). */
static void alias_outputs_that_are_inputs(void) {
    int alias[1] = {0};
    check_case(unary_case("same", BJ_F32, 1, SH(1000), 5), 1, INS(ramp(BJ_F32, 1, SH(1000), -5, 0.01)), alias, 3, 1);
    bj_trace *t = bj_trace_new("times_one"); /* rewritten to the input itself */
    bj_val *v = bj_trace_arg(t, "v", BJ_F64, 1, SH(10));
    bj_val *y = bj_mul(v, 1.0);
    check_case(bj_trace_finish(t, &y, 1), 1, INS(ramp(BJ_F64, 1, SH(10), -5, 1.5)), alias, 2, 1);
    t = bj_trace_new("swap");
    bj_val *a = bj_trace_arg(t, "a", BJ_I32, 1, SH(50)), *b = bj_trace_arg(t, "b", BJ_I32, 1, SH(50));
    bj_val *outs[2] = {b, a};
    int alias2[2] = {0, 1};
    check_case(bj_trace_finish(t, outs, 2), 2, INS(ramp(BJ_I32, 1, SH(50), 0, 1), ramp(BJ_I32, 1, SH(50), 100, -1)),
               alias2, 3, 0);
    /* a' = b, b' = c, c' = a + 1: c' is computed, but the copy b' = c reads c after the kernels, so c' goes through
     * a temporary; b and c are staged before the copies overwrite them */
    t = bj_trace_new("rotate");
    a = bj_trace_arg(t, "a", BJ_F32, 1, SH(20)), b = bj_trace_arg(t, "b", BJ_F32, 1, SH(20));
    bj_val *c = bj_trace_arg(t, "c", BJ_F32, 1, SH(20));
    bj_val *outs3[3] = {b, c, bj_add(a, 1.0)};
    int alias3[3] = {0, 1, 2};
    check_case(bj_trace_finish(t, outs3, 3), 3,
               INS(ramp(BJ_F32, 1, SH(20), 0, 1), ramp(BJ_F32, 1, SH(20), 50, 1), ramp(BJ_F32, 1, SH(20), -9, 0.5)),
               alias3, 4, 0);
}

static void alias_dtypes(void) {
    int alias[1] = {0};
    check_case(leaky(1001, BJ_F64), 2, INS(ramp(BJ_F64, 1, SH(1001), -70, 0.05), ramp(BJ_F64, 1, SH(1001), 1, 0.25)),
               alias, 5, 1);
    check_case(leaky(999, BJ_I32), 2, INS(ramp(BJ_I32, 1, SH(999), -400, 7), ramp(BJ_I32, 1, SH(999), 3, 1)), alias,
               30, 1); /* 3^30 wraps: integer overflow is defined */
    bj_trace *t = bj_trace_new("flipflop");
    bj_val *s = bj_trace_arg(t, "s", BJ_BOOL, 1, SH(300)), *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(300));
    bj_val *y = bj_logical_xor(s, bj_gt(x, 0.0));
    check_case(bj_trace_finish(t, &y, 1), 2, INS(ramp(BJ_BOOL, 1, SH(300), 0, 1), ramp(BJ_F32, 1, SH(300), -1, 0.01)),
               alias, 3, 1);
}

/* Above the threading threshold (131072 elements): in place, split over threads; and the unsafe flip there too. */
static void alias_large_threaded(void) {
    int64_t n = (int64_t)1 << 18;
    int alias[1] = {0};
    check_case(leaky(n, BJ_F32), 2, INS(ramp(BJ_F32, 1, SH(n), -70, 1e-4), ramp(BJ_F32, 1, SH(n), 2, -1e-5)), alias, 3,
               1);
    check_case(unary_case("plus_flip_big", BJ_F32, 1, SH(n), 3), 1, INS(ramp(BJ_F32, 1, SH(n), -5, 1e-4)), alias, 2, 0);
}

/* An executable compiled with aliases still runs plainly: bj_exec_run leaves its inputs alone, bj_exec_run_into
 * with outputs over inputs (not declared to that call) and exec_run_aliased with an unbound output are correct. */
static void alias_exec_runs_plainly_too(void) {
    int alias[1] = {0};
    bj_graph *g = leaky(2000, BJ_F32);
    bj_array *v = ramp(BJ_F32, 1, SH(2000), -70, 0.05), *x = ramp(BJ_F32, 1, SH(2000), 3, -0.01);
    bj_array *v0 = bj_array_copy(v), *want = NULL, *got = NULL;
    exec_opts o = {.out_alias = alias};
    bj_exec *p = bj_compile(g, "cpu"), *e = exec_compile(g, "cpu", &o);
    CHECK(p && e && !bj_exec_run(p, INS(v, x), 2, &want, 1));
    CHECK(e && !bj_exec_run(e, INS(v, x), 2, &got, 1));
    CHECK(got && want && same_bytes(got, want) && same_bytes(v, v0));
    bj_array *fresh = bj_array_zeros(BJ_F32, 1, SH(2000));
    CHECK(e && !exec_run_aliased(e, INS(v, x), INS(fresh)));
    CHECK(want && same_bytes(fresh, want) && same_bytes(v, v0));
    CHECK(e && !bj_exec_run_into(e, INS(v, x), 2, INS(v), 1));
    CHECK(want && same_bytes(v, want));
    bj_array_release(fresh), bj_array_release(got), bj_array_release(want), bj_array_release(v0);
    bj_array_release(v), bj_array_release(x);
    bj_exec_release(p), bj_exec_release(e), bj_graph_release(g);
}

void tests_alias(void) {
    RUN(alias_leaky_update_in_place);
    RUN(alias_two_variables_one_kernel);
    RUN(alias_unsafe_reads_copy);
    RUN(alias_outputs_that_are_inputs);
    RUN(alias_dtypes);
    RUN(alias_large_threaded);
    RUN(alias_exec_runs_plainly_too);
}
