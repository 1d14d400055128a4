/* test_symbolic.c — abstracted axes: one executable compiled at one size runs every size of its symbolic axes, with
 * the bytes of a static compile at that size and of the interpreter; what is refused, and the messages. */
#include "backend/backend.h"
#include "test.h"

#include <stdlib.h>

/* ---------------------------------------------------------------- helpers */
typedef void (*build_fn)(bj_trace *t, bj_val **args, bj_val **outs, int *nout);

typedef struct spec {
    int nin;
    bj_dtype dt[4];
    int rank[4];
    int64_t shape[4][BJ_MAX_RANK]; /* at the traced size; symbolic axes get the size given to make() */
    int8_t sym[4][BJ_MAX_RANK];    /* symbol per axis or -1 */
    build_fn build;
} spec;

static const char *const NAMES[] = {"n", "m"};

/* The graph of spec at symbol sizes n (static axes as in the spec). */
static bj_graph *make(const spec *sp, const int64_t *n) {
    bj_trace *t = bj_trace_new("sym");
    bj_val *args[4], *outs[8];
    static const char *const argn[] = {"x", "y", "z", "w"};
    for (int i = 0; i < sp->nin; i++) {
        int64_t sh[BJ_MAX_RANK];
        for (int k = 0; k < sp->rank[i]; k++) sh[k] = sp->sym[i][k] >= 0 ? n[sp->sym[i][k]] : sp->shape[i][k];
        args[i] = bj_trace_arg(t, argn[i], sp->dt[i], sp->rank[i], sh);
    }
    int nout = 0;
    sp->build(t, args, outs, &nout);
    return bj_trace_finish(t, outs, nout);
}

static bj_exec *compile_sym(const spec *sp, const int64_t *traced, const char *backend, int nsym) {
    bj_graph *g = make(sp, traced);
    if (!g) return NULL;
    int8_t in_sym[4 * BJ_MAX_RANK];
    memset(in_sym, -1, sizeof in_sym);
    for (int i = 0; i < sp->nin; i++) memcpy(in_sym + i * BJ_MAX_RANK, sp->sym[i], (size_t)sp->rank[i]);
    exec_opts o = {.nsym = nsym, .in_sym = in_sym, .sym_names = NAMES};
    bj_exec *e = exec_compile(g, backend, &o);
    bj_graph_release(g);
    return e;
}

/* Deterministic values in about [-3, 3] (floats), small ints, alternating bools. */
static bj_array *data(bj_dtype d, int rank, const int64_t *shape, unsigned seed) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    uint64_t s = seed * 2654435761u + 1;
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double v = (double)(int64_t)(s >> 40) / (double)(1 << 22) - 2.0;
        switch (d) {
        case BJ_F32: ((float *)bj_array_data(a))[i] = (float)v; break;
        case BJ_F64: ((double *)bj_array_data(a))[i] = v; break;
        case BJ_BOOL: ((bool *)bj_array_data(a))[i] = v > 0; break;
        default: ((int32_t *)bj_array_data(a))[i] = (int32_t)(v * 100); break;
        }
    }
    return a;
}

static bool same(const bj_array *a, const bj_array *b) {
    if (!a || !b) return false;
    if (bj_array_dtype(a) != bj_array_dtype(b) || bj_array_rank(a) != bj_array_rank(b)) return false;
    for (int k = 0; k < bj_array_rank(a); k++)
        if (bj_array_shape(a)[k] != bj_array_shape(b)[k]) return false;
    size_t nb = (size_t)bj_array_size(a) * bj_dtype_size(bj_array_dtype(a));
    return !nb || !memcmp(bj_array_data(a), bj_array_data(b), nb);
}

/* same(), but any NaN equals any NaN: the static cpu code's empty mean is 0.0f / 0.0f folded by gcc (+NaN), where
 * the interpreter divides at run time (-NaN on x86); a difference of the static path that symbolic code avoids. */
static bool same_nan(const bj_array *a, const bj_array *b) {
    if (same(a, b)) return true;
    if (!a || !b || bj_array_dtype(a) != bj_array_dtype(b) || bj_array_size(a) != bj_array_size(b)) return false;
    bj_dtype d = bj_array_dtype(a);
    if (d != BJ_F32 && d != BJ_F64) return false;
    for (int64_t i = 0; i < bj_array_size(a); i++) {
        double x = d == BJ_F32 ? ((const float *)bj_array_data(a))[i] : ((const double *)bj_array_data(a))[i];
        double y = d == BJ_F32 ? ((const float *)bj_array_data(b))[i] : ((const double *)bj_array_data(b))[i];
        if (isnan(x) && isnan(y)) continue;
        if (memcmp(&x, &y, sizeof x)) return false;
    }
    return true;
}

static int64_t compiles(void) {
    bj_cpu_stats st;
    bj_cpu_stats_get(&st);
    return st.compiles;
}

/* Runs the symbolic executables (cpu and interp, compiled once at `traced`) at sizes n and compares every output
 * byte for byte with the interpreter on the graph traced at n, and with a static cpu compile of it (NaNs aside). */
static void check_sizes(const spec *sp, const int64_t *traced, int nsym, const int64_t (*sizes)[2], int nsizes) {
    bj_exec *ec = compile_sym(sp, traced, "cpu", nsym), *ei = compile_sym(sp, traced, "interp", nsym);
    CHECK(ec != NULL);
    CHECK(ei != NULL);
    if (!ec || !ei) {
        bj_exec_release(ec), bj_exec_release(ei);
        return;
    }
    for (int z = 0; z < nsizes; z++) {
        const int64_t *n = sizes[z];
        bj_array *ins[4] = {0};
        for (int i = 0; i < sp->nin; i++) {
            int64_t sh[BJ_MAX_RANK];
            for (int k = 0; k < sp->rank[i]; k++) sh[k] = sp->sym[i][k] >= 0 ? n[sp->sym[i][k]] : sp->shape[i][k];
            ins[i] = data(sp->dt[i], sp->rank[i], sh, (unsigned)(z * 10 + i + 1));
        }
        bj_graph *g = make(sp, n);
        bj_exec *es = g ? bj_compile(g, "cpu") : NULL, *esi = g ? bj_compile(g, "interp") : NULL;
        CHECK_MSG(es != NULL && esi != NULL, "static compile at n = %lld: %s", (long long)n[0], bj_last_error());
        int nout = g ? bj_graph_num_outputs(g) : 0;
        bj_array *oc[8] = {0}, *oi[8] = {0}, *os[8] = {0}, *osi[8] = {0};
        int64_t before = compiles();
        bj_status sc = bj_exec_run(ec, ins, sp->nin, oc, nout);
        bj_status si = bj_exec_run(ei, ins, sp->nin, oi, nout);
        CHECK_MSG(compiles() == before, "the symbolic executable compiled again at n = %lld", (long long)n[0]);
        bj_status ss = es ? bj_exec_run(es, ins, sp->nin, os, nout) : BJ_ERR_ARG;
        if (!ss) ss = esi ? bj_exec_run(esi, ins, sp->nin, osi, nout) : BJ_ERR_ARG;
        CHECK_MSG(!sc && !si && !ss, "n = %lld: cpu %d, interp %d, static %d: %s", (long long)n[0], sc, si, ss,
                  bj_last_error());
        for (int o = 0; !sc && !si && !ss && o < nout; o++) {
            CHECK_MSG(same(oc[o], osi[o]), "n = %lld: output %d: symbolic cpu differs from the interpreter",
                      (long long)n[0], o);
            CHECK_MSG(same(oi[o], osi[o]), "n = %lld: output %d: symbolic interp differs from the interpreter",
                      (long long)n[0], o);
            CHECK_MSG(same_nan(oc[o], os[o]), "n = %lld: output %d: symbolic cpu differs from static cpu",
                      (long long)n[0], o);
        }
        /* into caller-owned outputs of the right shapes */
        bj_array *into[8] = {0};
        for (int o = 0; !ss && o < nout; o++) into[o] = bj_array_zeros(bj_array_dtype(os[o]), bj_array_rank(os[o]),
                                                                        bj_array_shape(os[o]));
        if (!ss) {
            CHECK(bj_exec_run_into(ec, ins, sp->nin, into, nout) == BJ_OK);
            for (int o = 0; o < nout; o++)
                CHECK_MSG(same(into[o], osi[o]), "run_into n = %lld output %d", (long long)n[0], o);
        }
        for (int o = 0; o < 8; o++) {
            bj_array_release(oc[o]), bj_array_release(oi[o]), bj_array_release(os[o]), bj_array_release(osi[o]);
            bj_array_release(into[o]);
        }
        bj_exec_release(es), bj_exec_release(esi);
        bj_graph_release(g);
        test_release_all(sp->nin, ins);
    }
    bj_exec_release(ec);
    bj_exec_release(ei);
}

/* ---------------------------------------------------------------- LIF */
static void lif(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    bj_val *v = a[0], *in = a[1];
    bj_val *dv = bj_mul(bj_add(bj_add(bj_neg(v), -65.0), in), 0.1 / 10.0);
    bj_val *v1 = bj_add(v, dv);
    bj_val *spike = bj_ge(v1, -50.0);
    outs[0] = bj_where(spike, -65.0, v1);
    outs[1] = spike;
    outs[2] = bj_mean(bj_astype(spike, BJ_F32), 0, NULL, false); /* the firing rate */
    *nout = 3;
}

static const spec LIF = {.nin = 2, .dt = {BJ_F32, BJ_F32}, .rank = {1, 1}, .sym = {{0}, {0}}, .build = lif};

static void test_sym_lif_sizes(void) {
    static const int64_t sizes[][2] = {{100}, {200}, {7}, {0}, {1}, {1 << 18}};
    check_sizes(&LIF, (const int64_t[]){100}, 1, sizes, 6);
}

/* One compile, many sizes: the cpu compiler runs once (or not at all, from the disk cache) for the symbolic graph. */
static void test_sym_compiles_once(void) {
    bj_exec *e = compile_sym(&LIF, (const int64_t[]){100}, "cpu", 1);
    CHECK(e != NULL);
    int64_t before = compiles();
    for (int64_t n = 1; e && n < 3000; n = n * 3 + 1) {
        bj_array *x = data(BJ_F32, 1, &n, 1), *y = data(BJ_F32, 1, &n, 2), *o[3] = {0};
        CHECK(bj_exec_run(e, INS(x, y), 2, o, 3) == BJ_OK);
        CHECK(o[0] && bj_array_shape(o[0])[0] == n && bj_array_rank(o[2]) == 0);
        test_release_all(3, o);
        bj_array_release(x), bj_array_release(y);
    }
    CHECK(compiles() == before);
    CHECK(e && strstr(bj_exec_source(e), "dims[0]") != NULL);
    bj_exec_release(e);
}

/* ---------------------------------------------------------------- reductions */
static void reductions(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    bj_val *x = a[0], *m = a[1];
    outs[0] = bj_mean(x, 0, NULL, false);                        /* over the symbolic axis: a scalar */
    outs[1] = bj_sum(m, 1, (const int[]){0}, false);             /* [n, 3] over n: [3] */
    outs[2] = bj_mean(m, 1, (const int[]){1}, false);            /* [n, 3] over the static axis: [n] */
    outs[3] = bj_sum(bj_mul(m, m), 1, (const int[]){1}, true);   /* keepdims: [n, 1] */
    outs[4] = bj_add(bj_mean(x, 0, NULL, true), bj_exp(x));      /* a reduction read by a loop */
    *nout = 5;
}

static void test_sym_reductions(void) {
    spec sp = {.nin = 2, .dt = {BJ_F32, BJ_F64}, .rank = {1, 2}, .shape = {{0}, {0, 3}}, .sym = {{0}, {0, -1}},
               .build = reductions};
    static const int64_t sizes[][2] = {{10}, {5}, {0}, {1}, {1000}, {50000}};
    check_sizes(&sp, (const int64_t[]){10}, 1, sizes, 6);
}

static void maxes(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_max(a[0], 0, NULL, false);
    outs[1] = bj_argmax(a[0], 0, false);
    *nout = 2;
}

/* max over an empty symbolic axis has no value: the run is refused with the reason, on both backends. */
static void test_sym_empty_max(void) {
    spec sp = {.nin = 1, .dt = {BJ_F32}, .rank = {1}, .sym = {{0}}, .build = maxes};
    static const int64_t sizes[][2] = {{4}, {1}, {300}};
    check_sizes(&sp, (const int64_t[]){4}, 1, sizes, 3);
    const char *be[] = {"cpu", "interp"};
    for (int b = 0; b < 2; b++) {
        bj_exec *e = compile_sym(&sp, (const int64_t[]){4}, be[b], 1);
        bj_array *x = bj_array_zeros(BJ_F32, 1, (const int64_t[]){0}), *o[2] = {0};
        CHECK(e && bj_exec_run(e, INS(x), 1, o, 2) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("with n = 0 reduces an empty axis");
        bj_array_release(x);
        bj_exec_release(e);
    }
}

/* ---------------------------------------------------------------- broadcasting, reshapes, views */
static void bcast(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    bj_val *x = a[0], *c1 = a[1], *row = a[2];
    outs[0] = bj_add(bj_mul(x, c1), 2.0);                                  /* [n] * [1] + scalar */
    outs[1] = bj_mul(bj_expand_dims(x, 1), row);                           /* [n, 1] * [1, 3]: [n, 3] */
    outs[2] = bj_transpose(bj_sub(bj_expand_dims(x, 1), row), NULL);       /* [3, n]: symbolic inner axis */
    outs[3] = bj_broadcast_to(bj_expand_dims(x, 0), 2, (const int64_t[]){2, bj_val_shape(x)[0]}); /* [2, n] */
    outs[4] = bj_sum(outs[2], 1, (const int[]){0}, false);                /* [n] from a transposed value */
    int64_t n = bj_val_shape(x)[0];
    bj_val *b6 = bj_add(bj_broadcast_to(bj_expand_dims(x, 1), 2, (const int64_t[]){n, 6}),
                        bj_iota(t, BJ_F32, 2, (const int64_t[]){1, 6}, 1));  /* [n, 6] + static [1, 6] */
    bj_val *m = bj_reshape(b6, 3, (const int64_t[]){n, 2, 3});              /* [n, 6] -> [n, 2, 3] */
    outs[5] = bj_slice(m, NULL, NULL, (const int64_t[]){1, 2, -1});         /* whole n; static step 2 and flip */
    *nout = 6;
}

static void test_sym_broadcast_views(void) {
    spec sp = {.nin = 3, .dt = {BJ_F32, BJ_F32, BJ_F32}, .rank = {1, 1, 2}, .shape = {{0}, {1}, {1, 3}},
               .sym = {{0}, {-1}, {-1, -1}}, .build = bcast};
    static const int64_t sizes[][2] = {{6}, {2}, {1}, {0}, {333}, {70000}};
    check_sizes(&sp, (const int64_t[]){6}, 1, sizes, 6);
}

/* ---------------------------------------------------------------- matmul */
static void mm(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    bj_val *x = a[0], *w = a[1];
    outs[0] = bj_matmul(x, w);                                   /* [m, 4] @ [4, 3]: symbolic M */
    outs[1] = bj_matmul(bj_transpose(x, NULL), x);               /* [4, m] @ [m, 4]: symbolic K */
    outs[2] = bj_matmul(bj_transpose(w, NULL), bj_transpose(x, NULL)); /* [3, 4] @ [4, m]: symbolic N */
    *nout = 3;
}

static void test_sym_matmul(void) {
    spec sp = {.nin = 2, .dt = {BJ_F32, BJ_F32}, .rank = {2, 2}, .shape = {{0, 4}, {4, 3}}, .sym = {{0, -1}, {-1, -1}},
               .build = mm};
    static const int64_t sizes[][2] = {{5}, {1}, {0}, {17}, {40000}};
    check_sizes(&sp, (const int64_t[]){5}, 1, sizes, 5);
    spec si = sp;
    si.dt[0] = si.dt[1] = BJ_I32;
    check_sizes(&si, (const int64_t[]){5}, 1, sizes, 4);
}

/* ---------------------------------------------------------------- two symbols */
static void two(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_mul(bj_expand_dims(a[0], 1), bj_expand_dims(a[1], 0)); /* outer product [n, m] */
    outs[1] = bj_sum(bj_mul(outs[0], a[2]), 1, (const int[]){1}, false); /* [n, m] * [n, m] summed over m: [n] */
    *nout = 2;
}

static void test_sym_two_symbols(void) {
    spec sp = {.nin = 3, .dt = {BJ_F64, BJ_F64, BJ_F64}, .rank = {1, 1, 2}, .sym = {{0}, {1}, {0, 1}}, .build = two};
    static const int64_t sizes[][2] = {{3, 4}, {4, 3}, {0, 5}, {5, 0}, {1, 1}, {600, 700}};
    check_sizes(&sp, (const int64_t[]){3, 4}, 2, sizes, 6);
}

/* ---------------------------------------------------------------- checks and messages */
static void test_sym_mismatch_messages(void) {
    const char *be[] = {"cpu", "interp"};
    for (int b = 0; b < 2; b++) {
        bj_exec *e = compile_sym(&LIF, (const int64_t[]){100}, be[b], 1);
        CHECK(e != NULL);
        if (!e) continue;
        bj_array *x = bj_array_zeros(BJ_F32, 1, (const int64_t[]){5}), *y = bj_array_zeros(BJ_F32, 1, (const int64_t[]){7});
        bj_array *o[3] = {0};
        CHECK(bj_exec_run(e, INS(x, y), 2, o, 3) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("bj_exec_run: input 1 (y) is f32[7], the graph expects f32[n] with n = 5 from input 0 (x)");
        int64_t vals[1] = {-1}, sh[BJ_MAX_RANK];
        CHECK(exec_bind_syms(e, INS(x, y), vals) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("input 1 (y) is f32[7], the graph expects f32[n] with n = 5 from input 0 (x)");
        CHECK(exec_bind_syms(e, INS(x, x), vals) == BJ_OK && vals[0] == 5);
        CHECK(exec_out_shape(e, 0, vals, sh) == BJ_OK && sh[0] == 5);
        CHECK(exec_out_shape(e, 3, vals, sh) == BJ_ERR_ARG);
        bj_array *d = bj_array_zeros(BJ_F64, 1, (const int64_t[]){5});
        CHECK(exec_bind_syms(e, INS(d, x), vals) == BJ_ERR_DTYPE);
        CHECK_ERR_HAS("input 0 (x) is f64[5], the graph expects f32[n]");
        /* outputs of the wrong size for these inputs */
        bj_array *w[3] = {bj_array_zeros(BJ_F32, 1, (const int64_t[]){4}), bj_array_zeros(BJ_BOOL, 1, (const int64_t[]){5}),
                          bj_array_zeros(BJ_F32, 0, NULL)};
        CHECK(bj_exec_run_into(e, INS(x, x), 2, w, 3) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("output 0 is f32[4], the graph makes f32[5]");
        test_release_all(3, w);
        bj_array_release(x), bj_array_release(y), bj_array_release(d);
        bj_exec_release(e);
    }
    /* a static axis next to a symbolic one */
    spec sp = {.nin = 2, .dt = {BJ_F32, BJ_F64}, .rank = {1, 2}, .shape = {{0}, {0, 3}}, .sym = {{0}, {0, -1}},
               .build = reductions};
    bj_exec *e = compile_sym(&sp, (const int64_t[]){10}, "cpu", 1);
    bj_array *x = bj_array_zeros(BJ_F32, 1, (const int64_t[]){5}), *m = bj_array_zeros(BJ_F64, 2, (const int64_t[]){5, 4});
    bj_array *o[5] = {0};
    CHECK(e && bj_exec_run(e, INS(x, m), 2, o, 5) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("input 1 (y) is f64[5,4], the graph expects f64[n,3]");
    bj_array_release(x), bj_array_release(m);
    bj_exec_release(e);
}

static void slice1(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_slice(a[0], (const int64_t[]){1}, NULL, NULL);
    *nout = 1;
}
static void concat(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_concatenate((bj_val *[]){a[0], a[0]}, 2, 0);
    *nout = 1;
}
static void zeros_plus(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    outs[0] = bj_add(a[0], bj_zeros(t, BJ_F32, 1, bj_val_shape(a[0])));
    *nout = 1;
}
static void merge(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_reshape(a[0], 1, (const int64_t[]){-1});
    *nout = 1;
}
static void cumsum(bj_trace *t, bj_val **a, bj_val **outs, int *nout) {
    (void)t;
    outs[0] = bj_cumsum(a[0], 0);
    *nout = 1;
}

/* Unsupported uses of a symbolic axis fail at compile, on both backends, naming the op, the axis and the type. */
static void test_sym_unsupported(void) {
    struct {
        build_fn f;
        int rank;
        const char *msg;
    } cases[] = {
        {slice1, 1, "abstracted axes: slice on axis 0 of f32[n] (n abstract) is not supported; make the axis static"},
        {concat, 1, "abstracted axes: concatenate on axis 0 of f32[n] (n abstract) is not supported"},
        {zeros_plus, 1, "abstracted axes: add broadcasts f32[n] (n abstract) against f32[8] on axis 0"},
        {merge, 2, "abstracted axes: reshape on axis 0 of f32[n,3] (n abstract) is not supported: the reshape merges"},
        {cumsum, 1, "abstracted axes: cumsum on axis 0 of f32[n] (n abstract) is not supported"},
    };
    const char *be[] = {"cpu", "interp"};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int b = 0; b < 2; b++) {
            spec sp = {.nin = 1, .dt = {BJ_F32}, .rank = {cases[c].rank}, .shape = {{0, 3}}, .sym = {{0, -1}},
                       .build = cases[c].f};
            bj_exec *e = compile_sym(&sp, (const int64_t[]){8}, be[b], 1);
            CHECK_MSG(e == NULL, "case %zu compiled on %s", c, be[b]);
            CHECK(core_last_status() == BJ_ERR_UNSUPPORTED);
            CHECK_ERR_HAS(cases[c].msg);
            CHECK_ERR_HAS("bj_compile: ");
            bj_exec_release(e);
        }
    /* traced at size 1: broadcasting would be ambiguous */
    bj_exec *e = compile_sym(&LIF, (const int64_t[]){1}, "cpu", 1);
    CHECK(e == NULL);
    CHECK_ERR_HAS("axis 0 (n) was traced with size 1; trace with a size of at least 2");
    bj_exec_release(e);
}

/* exec_run_aliased with abstracted axes: the updated state written over its input. */
static void test_sym_aliased(void) {
    const char *be[] = {"cpu", "interp"};
    for (int b = 0; b < 2; b++) {
        bj_graph *g = make(&LIF, (const int64_t[]){100});
        int8_t in_sym[2 * BJ_MAX_RANK];
        memset(in_sym, -1, sizeof in_sym);
        in_sym[0] = in_sym[BJ_MAX_RANK] = 0;
        int alias[3] = {0, -1, -1};
        exec_opts o = {.out_alias = alias, .nsym = 1, .in_sym = in_sym, .sym_names = NAMES};
        bj_exec *e = g ? exec_compile(g, be[b], &o) : NULL;
        CHECK(e != NULL);
        for (int64_t n = 3; e && n < 300000; n *= 70) {
            bj_array *x = data(BJ_F32, 1, &n, 3), *y = data(BJ_F32, 1, &n, 4), *ref[3] = {0};
            CHECK(bj_exec_run(e, INS(x, y), 2, ref, 3) == BJ_OK);
            bj_array *s = bj_array_zeros(BJ_BOOL, 1, &n), *r = bj_array_zeros(BJ_F32, 0, NULL);
            CHECK(exec_run_aliased(e, INS(x, y), INS(x, s, r)) == BJ_OK);
            CHECK(same(x, ref[0]) && same(s, ref[1]) && same(r, ref[2]));
            test_release_all(3, ref);
            bj_array_release(x), bj_array_release(y), bj_array_release(s), bj_array_release(r);
        }
        bj_exec_release(e);
        bj_graph_release(g);
    }
}

void tests_symbolic(void) {
    RUN(test_sym_lif_sizes);
    RUN(test_sym_compiles_once);
    RUN(test_sym_reductions);
    RUN(test_sym_empty_max);
    RUN(test_sym_broadcast_views);
    RUN(test_sym_matmul);
    RUN(test_sym_two_symbols);
    RUN(test_sym_mismatch_messages);
    RUN(test_sym_unsupported);
    RUN(test_sym_aliased);
}
