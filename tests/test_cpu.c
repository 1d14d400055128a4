/* test_cpu.c — differential tests of the native backend against the interpreter (the oracle): every op on every
 * dtype it accepts, on edge values, with broadcasting, folding and simplification bait, and fusion patterns.
 * Each test puts many cases into one trace (one graph, many outputs) so the C compiler runs once per test. */
#include "rgraph.h"
#include "test.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

static const bj_dtype DTS[6] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};
static bool isfl(bj_dtype d) { return d == BJ_F32 || d == BJ_F64; }

/* ---------------------------------------------------------------- edge values */
static const double F_EDGE[] = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 3.0, -7.0, 0.1, 100.0, -1e10, 1e10,
                                3e38, -3.4028234663852886e38, 1e300, -1e300, 4.9406564584124654e-324,
                                1.401298464324817e-45, -1e-40, 1.1125369292536007e-308, 2147483648.0, -2147483904.0,
                                4294967296.0, 9.3e18, -9.3e18, 88.8, -104.0, 710.0, 0.49999997, 1.5707963267948966,
                                NAN, INFINITY, -INFINITY};
static const int64_t I32_EDGE[] = {0, 1, -1, 2, -2, 3, 5, -7, 31, 32, 33, 63, 64, 100, -100, INT32_MAX, INT32_MIN,
                                   INT32_MIN + 1, 65536, -65536, 46341, 123456789};
static const int64_t I64_EDGE[] = {0, 1, -1, 2, -2, 3, -7, 31, 32, 33, 63, 64, 65, 100, INT64_MAX, INT64_MIN,
                                   INT64_MIN + 1, INT32_MAX, INT32_MIN, 4294967296, 3037000500, -1099511627776,
                                   9007199254740993};
static const int64_t U32_EDGE[] = {0, 1, 2, 3, 5, 7, 31, 32, 33, 63, 64, 100, UINT32_MAX, UINT32_MAX - 1,
                                   2147483648, 2147483647, 65536, 3735928559};
#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static int edge_n(bj_dtype d) {
    switch (d) {
    case BJ_BOOL: return 2;
    case BJ_I32: return COUNT(I32_EDGE);
    case BJ_I64: return COUNT(I64_EDGE);
    case BJ_U32: return COUNT(U32_EDGE);
    default: return COUNT(F_EDGE);
    }
}

static void put(bj_array *a, int64_t i, bj_dtype d, int k) {
    void *p = bj_array_data(a);
    switch (d) {
    case BJ_BOOL: ((bool *)p)[i] = k & 1; break;
    case BJ_I32: ((int32_t *)p)[i] = (int32_t)I32_EDGE[k]; break;
    case BJ_I64: ((int64_t *)p)[i] = I64_EDGE[k]; break;
    case BJ_U32: ((uint32_t *)p)[i] = (uint32_t)U32_EDGE[k]; break;
    case BJ_F32: ((float *)p)[i] = (float)F_EDGE[k]; break;
    default: ((double *)p)[i] = F_EDGE[k]; break;
    }
}

/* dtype d, the shape given, element i is edge value (i * stride + off) mod count. */
static bj_array *edge_arr(bj_dtype d, int rank, const int64_t *shape, int stride, int off) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    int n = edge_n(d);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) put(a, i, d, (int)((i * stride + off) % n));
    return a;
}
static bj_array *edge_vec(bj_dtype d) { return edge_arr(d, 1, (int64_t[]){edge_n(d)}, 1, 0); }

/* Random data with some special values (rg_fill), seeded. */
static bj_array *rand_arr(bj_dtype d, int rank, const int64_t *shape, uint64_t seed) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    rg_rng r = {seed * 7919 + 17};
    if (a) rg_fill(&r, a);
    return a;
}

/* Uniform in [-4, 4) (floats) or [-1000, 1000] (ints): no NaN or inf, so sums keep information. */
static bj_array *smooth_arr(bj_dtype d, int rank, const int64_t *shape, uint64_t seed) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    rg_rng r = {seed};
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        double u = rg_unit(&r) * 8 - 4;
        if (d == BJ_F32) ((float *)bj_array_data(a))[i] = (float)u;
        else if (d == BJ_F64) ((double *)bj_array_data(a))[i] = u;
        else if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)(u * 250);
    }
    return a;
}

/* Mostly moderate values (floats: halves and thirds in [-4, 4), so sums and products keep information; ints:
 * small), with an edge value at every 11th element (NaN, inf, -0.0, INT_MIN...). */
static bj_array *mixed_arr(bj_dtype d, int rank, const int64_t *shape, uint64_t seed) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    rg_rng r = {seed};
    int n = edge_n(d);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        if (i % 11 == 5) {
            put(a, i, d, (int)((i / 11 * 5 + (int64_t)seed) % n));
            continue;
        }
        double u = rg_unit(&r) * 8 - 4;
        void *p = bj_array_data(a);
        switch (d) {
        case BJ_BOOL: ((bool *)p)[i] = u > 0; break;
        case BJ_I32: ((int32_t *)p)[i] = (int32_t)floor(u * 3); break;
        case BJ_I64: ((int64_t *)p)[i] = (int64_t)floor(u * 3); break;
        case BJ_U32: ((uint32_t *)p)[i] = (uint32_t)fabs(floor(u * 3)); break;
        case BJ_F32: ((float *)p)[i] = (float)(round(u * 6) / 3); break;
        default: ((double *)p)[i] = round(u * 6) / 3; break;
        }
    }
    return a;
}

/* 512 floats of dtype d across the ranges where libm functions differ in interesting ways. */
static bj_array *sweep(bj_dtype d) {
    bj_array *a = bj_array_zeros(d, 1, (int64_t[]){512});
    rg_rng r = {12345};
    for (int64_t i = 0; a && i < 512; i++) {
        double u = rg_unit(&r) * 2 - 1, v;
        switch (i % 8) {
        case 0: v = u; break;
        case 1: v = u * 10; break;
        case 2: v = u * 100; break;
        case 3: v = copysign(exp(fabs(u) * (d == BJ_F32 ? 88 : 700)), u) * (rg_unit(&r) < 0.5 ? 1 : 1e-300); break;
        case 4: v = round(u * 20) / 2; break;
        case 5: v = 1 + u * 1e-6; break;
        case 6: v = u * 1e-6; break;
        default: v = 1.5707963267948966 * (double)(i % 16) + u * 1e-7; break;
        }
        if (d == BJ_F32) ((float *)bj_array_data(a))[i] = (float)v;
        else ((double *)bj_array_data(a))[i] = v;
    }
    return a;
}

/* ---------------------------------------------------------------- one trace, many cases */
typedef struct dc {
    bj_trace *t;
    bj_array **ins;
    int nin, incap;
    bj_val **outs;
    char **labels;
    int nout, outcap;
    int ran; /* op/dtype combinations added */
} dc;

static void dc_init(dc *c, const char *name) {
    memset(c, 0, sizeof *c);
    c->t = bj_trace_new(name);
}

/* A graph argument holding a (taken). */
static bj_val *dc_arg(dc *c, bj_array *a) {
    if (!a) return NULL;
    if (c->nin == c->incap) {
        c->incap = c->incap ? 2 * c->incap : 32;
        bj_array **p = realloc(c->ins, sizeof *p * (size_t)c->incap);
        if (!p) return bj_array_release(a), NULL;
        c->ins = p;
    }
    c->ins[c->nin++] = a;
    return bj_trace_arg(c->t, NULL, bj_array_dtype(a), bj_array_rank(a), bj_array_shape(a));
}

/* A constant holding a (taken). */
static bj_val *dc_const(dc *c, bj_array *a) {
    bj_val *v = a ? bj_trace_const(c->t, a) : NULL;
    bj_array_release(a);
    return v;
}

static void dc_out(dc *c, bj_val *v, const char *fmt, ...) {
    if (!v) return; /* the trace holds the error; dc_run reports it */
    if (c->nout == c->outcap) {
        c->outcap = c->outcap ? 2 * c->outcap : 64;
        bj_val **o = realloc(c->outs, sizeof *o * (size_t)c->outcap);
        if (o) c->outs = o;
        char **l = realloc(c->labels, sizeof *l * (size_t)c->outcap);
        if (l) c->labels = l;
        if (!o || !l) return;
    }
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->outs[c->nout] = v;
    c->labels[c->nout] = malloc(strlen(buf) + 1);
    if (c->labels[c->nout]) strcpy(c->labels[c->nout], buf);
    c->nout++;
}

/* Finishes the trace, runs the graph through both backends and checks every output; frees everything. */
#define dc_run(c) CHECK(dc_run_(c))
static bool dc_run_(dc *c) {
    bool ok = false;
    bj_graph *g = bj_trace_finish(c->t, c->outs, c->nout);
    c->t = NULL;
    if (!g) printf("    trace failed: %s\n", bj_last_error());
    else {
        int r = diff_graph(g, c->ins, c->nin, NULL, (const char *const *)c->labels, NULL);
        if (r) printf("    %d of %d outputs differ between interp and %s\n", r, c->nout, diff_backend());
        if (getenv("BJ_TEST_VERBOSE")) printf("    (%d op/dtype combinations, %d outputs)\n", c->ran, c->nout);
        ok = r == 0;
    }
    bj_graph_release(g);
    for (int i = 0; i < c->nin; i++) bj_array_release(c->ins[i]);
    for (int i = 0; i < c->nout; i++) free(c->labels[i]);
    free(c->ins), free(c->outs), free(c->labels);
    return ok;
}

/* Whether bj_op(name) accepts operands of these dtypes and shapes: tried in a scratch trace, since a rejection
 * would end the shared one. */
static bool accepts(const char *name, bj_val *const *ins, int nin, const bj_attrs *a) {
    bj_trace *t = bj_trace_new("probe");
    bj_val *args[16];
    for (int i = 0; i < nin && i < 16; i++)
        args[i] = bj_trace_arg(t, NULL, bj_val_dtype(ins[i]), bj_val_rank(ins[i]), bj_val_shape(ins[i]));
    bool ok = bj_op(t, name, args, nin, a) != NULL;
    bj_trace_free(t);
    bj_clear_error();
    return ok;
}

/* bj_op(name) in c's trace if the op accepts these operands (counted in c->ran), else NULL. */
static bj_val *dc_op(dc *c, const char *name, bj_val *const *ins, int nin, const bj_attrs *a) {
    if (!accepts(name, ins, nin, a)) return NULL;
    c->ran++;
    return bj_op(c->t, name, ins, nin, a);
}

/* As accepts, for a binary op given by its _in function, with C-scalar operands kept as they are. */
static bool accepts_in(bj_val *(*fn)(bj_in, bj_in), bj_in a, bj_in b) {
    bj_trace *t = bj_trace_new("probe");
    bj_in x[2] = {a, b};
    for (int i = 0; i < 2; i++)
        if (x[i].kind == 0)
            x[i].v = bj_trace_arg(t, NULL, bj_val_dtype(x[i].v), bj_val_rank(x[i].v), bj_val_shape(x[i].v));
    bool ok = fn(x[0], x[1]) != NULL;
    bj_trace_free(t);
    bj_clear_error();
    return ok;
}

static const char *dn(bj_dtype d) { return bj_dtype_name(d); }

/* A unary op that keeps any dtype valid: negation, or logical not for bool. */
static bj_val *touch(bj_val *v) { return bj_val_dtype(v) == BJ_BOOL ? bj_logical_not(v) : bj_neg(v); }

/* ---------------------------------------------------------------- the comparison itself */
/* Bytes must match, except that any NaN equals any NaN; zero signs count. */
static void cpu_diff_rules(void) {
    uint32_t qnan = 0x7fc00000u, neg_payload = 0xffc00123u, one = 0x3f800000u, pz = 0, nz = 0x80000000u;
    float f[5];
    memcpy(&f[0], &qnan, 4), memcpy(&f[1], &neg_payload, 4), memcpy(&f[2], &one, 4), memcpy(&f[3], &pz, 4),
        memcpy(&f[4], &nz, 4);
    bj_array *a = bj_array_new(BJ_F32, 1, (int64_t[]){3}, (float[]){f[0], f[2], f[3]});
    bj_array *b = bj_array_new(BJ_F32, 1, (int64_t[]){3}, (float[]){f[1], f[2], f[3]});
    bj_array *z = bj_array_new(BJ_F32, 1, (int64_t[]){3}, (float[]){f[1], f[2], f[4]});
    bj_array *r = bj_array_new(BJ_F32, 2, (int64_t[]){1, 3}, (float[]){f[1], f[2], f[3]});
    bj_array *i = bj_array_new(BJ_I32, 1, (int64_t[]){3}, (int32_t[]){1, 2, 3});
    bj_array *j = bj_array_new(BJ_I32, 1, (int64_t[]){3}, (int32_t[]){1, 2, 4});
    bj_array *u = bj_array_new(BJ_U32, 1, (int64_t[]){3}, (uint32_t[]){1, 2, 3});
    int64_t at = 99;
    CHECK(diff_same(a, b, &at) && at == -1);
    CHECK(!diff_same(a, z, &at) && at == 2);
    CHECK(!diff_same(a, r, &at) && at == -1);
    CHECK(!diff_same(i, j, &at) && at == 2);
    CHECK(!diff_same(i, u, &at) && at == -1);
    CHECK(diff_same(i, i, NULL));
    bj_array_release(a), bj_array_release(b), bj_array_release(z), bj_array_release(r);
    bj_array_release(i), bj_array_release(j), bj_array_release(u);
}

/* ---------------------------------------------------------------- coverage of the op table */
static const char *const OTHER_OPS[] = {"where", "clip", "astype", "reshape", "broadcast_to", "transpose",
                                        "concatenate", "slice", "dynamic_slice", "dynamic_update_slice", "flip",
                                        "take", "scatter_set", "scatter_add", "sum", "prod", "mean", "max", "min",
                                        "any", "all", "argmax", "argmin", "cumsum", "cumprod", "matmul", "full",
                                        "iota",
                                        /* sparse ops: differential tests in test_sparse.c */
                                        "csrmv", "event_csrmv", "jitconn_mv", "jitconn_event_mv",
                                        /* random-weight procedural ops: differential tests in test_jitconn_w.c */
                                        "jitconn_mv_uniform", "jitconn_mv_normal", "jitconn_event_mv_uniform",
                                        "jitconn_event_mv_normal",
                                        /* sorting, nonzero: differential tests in test_sort.c */
                                        "sort", "argsort", "nonzero",
                                        /* random numbers: differential tests in test_random.c */
                                        "random"};
/* Built by the trace itself rather than by bj_op: arguments, constants and literals appear in every test here;
 * call has no public builder yet. */
static const char *const GRAPH_OPS[] = {"arg", "const", "lit", "call", "for", "while", "cond"}; /* for:
                                                                   * tests/test_for.c; while, cond: test_control.c */

static bool listed(const char *name, const char *const *list, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(name, list[i])) return true;
    return false;
}

static void cpu_op_table_covered(void) {
    CHECK(bj_op_count() >= 89);
    for (int i = 0; i < bj_op_count(); i++) {
        const char *n = bj_op_name(i);
        CHECK_MSG(n && (listed(n, rg_unary_ops, rg_nunary) || listed(n, rg_binary_ops, rg_nbinary) ||
                        listed(n, OTHER_OPS, COUNT(OTHER_OPS)) || listed(n, GRAPH_OPS, COUNT(GRAPH_OPS))),
                  "op %s is not covered by test_cpu.c", n ? n : "(null)");
    }
}

/* ---------------------------------------------------------------- elementwise unary */
static void cpu_unary_all_dtypes(void) {
    dc c;
    dc_init(&c, "unary");
    int on_args = 0;
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_vec(d));
        bj_val *k0 = dc_const(&c, edge_vec(d));
        bj_val *s = dc_arg(&c, edge_arr(d, 0, NULL, 1, 7)); /* rank 0 */
        bj_val *w = isfl(d) ? dc_arg(&c, sweep(d)) : NULL;
        for (int o = 0; o < rg_nunary; o++) {
            const char *op = rg_unary_ops[o];
            int before = c.ran;
            dc_out(&c, dc_op(&c, op, &x, 1, NULL), "%s %s edges", op, dn(d));
            on_args += c.ran > before;
            dc_out(&c, dc_op(&c, op, &k0, 1, NULL), "%s %s const edges", op, dn(d));
            dc_out(&c, dc_op(&c, op, &s, 1, NULL), "%s %s rank 0", op, dn(d));
            if (w) dc_out(&c, dc_op(&c, op, &w, 1, NULL), "%s %s sweep", op, dn(d));
        }
    }
    /* 8 no-bool ops on 5 dtypes, bitwise_not on 4, the other 23 on all 6 */
    CHECK_MSG(on_args >= 8 * 5 + 4 + 23 * 6, "only %d unary op/dtype pairs ran", on_args);
    dc_run(&c);
}

/* Values the C compiler can see as constants although the graph's rewrite does not fold them (astype(isfinite(int))
 * is 1 in the generated text): the compiler may then evaluate a libm call itself, correctly rounded, where the
 * interpreter's libm call is not. Every float op of the interpreter's libm, on such constants. */
static void cpu_libm_on_compiler_constants(void) {
    static const double ks[] = {1.0, 2.0, 3.0, 0.5, -1.0, 10.0, 0.1, 100.0, -7.5, 1e-3, 0.7, 1.5707963267948966};
    dc c;
    dc_init(&c, "libm_constants");
    bj_val *xi = dc_arg(&c, edge_arr(BJ_I32, 1, (int64_t[]){4}, 1, 0));
    for (int k = 4; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *one = bj_astype(bj_isfinite(xi), d);
        for (int i = 0; i < COUNT(ks); i++) {
            bj_val *h = bj_mul(one, ks[i]);
            for (int o = 0; o < rg_nunary; o++)
                dc_out(&c, dc_op(&c, rg_unary_ops[o], &h, 1, NULL), "%s(%g) %s", rg_unary_ops[o], ks[i], dn(d));
            bj_val *h2 = bj_mul(one, ks[(i + 1) % COUNT(ks)]);
            static const char *const bin[] = {"pow", "atan2", "hypot", "remainder", "floor_divide", "div"};
            for (int o = 0; o < COUNT(bin); o++)
                dc_out(&c, dc_op(&c, bin[o], (bj_val *[]){h, h2}, 2, NULL), "%s(%g, %g) %s", bin[o], ks[i],
                       ks[(i + 1) % COUNT(ks)], dn(d));
        }
    }
    CHECK_MSG(c.ran >= 2 * 12 * (30 + 6), "only %d cases ran", c.ran);
    dc_run(&c);
}

/* Unary ops on strong scalar literals: what a constant folder sees. Stacked, one output per op and dtype. */
static void cpu_unary_folded_literals(void) {
    dc c;
    dc_init(&c, "unary_lits");
    int ran = 0;
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        int n = edge_n(d);
        bj_array *e = edge_vec(d);
        for (int o = 0; o < rg_nunary; o++) {
            const char *op = rg_unary_ops[o];
            bj_val *probe = bj_lit(c.t, d, 0);
            if (!accepts(op, &probe, 1, NULL)) continue;
            bj_val *ys[64];
            for (int i = 0; i < n; i++) {
                bj_val *l = bj_lit(c.t, d, bj_array_get(e, i));
                ys[i] = bj_op(c.t, op, &l, 1, NULL);
            }
            ran++;
            dc_out(&c, bj_stack(ys, n, 0), "%s of %s literals", op, dn(d));
        }
        bj_array_release(e);
    }
    CHECK_MSG(ran >= 8 * 5 + 4 + 23 * 6, "only %d unary op/dtype pairs ran", ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- elementwise binary */
/* Every pair of edge values: [n, 1] against [1, n], as arguments and as constants; scalar against vector. */
static void cpu_binary_same_dtype(void) {
    dc c;
    dc_init(&c, "binary");
    int on_args = 0;
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        int n = edge_n(d);
        bj_val *col = dc_arg(&c, edge_arr(d, 2, (int64_t[]){n, 1}, 1, 0));
        bj_val *row = dc_arg(&c, edge_arr(d, 2, (int64_t[]){1, n}, 1, 0));
        bj_val *kc = dc_const(&c, edge_arr(d, 2, (int64_t[]){n, 1}, 1, 0));
        bj_val *kr = dc_const(&c, edge_arr(d, 2, (int64_t[]){1, n}, 1, 0));
        bj_val *sc = dc_arg(&c, edge_arr(d, 0, NULL, 1, 3));
        bj_val *vec = dc_arg(&c, edge_arr(d, 1, (int64_t[]){5}, 3, 1));
        for (int o = 0; o < rg_nbinary; o++) {
            const char *op = rg_binary_ops[o];
            int before = c.ran;
            dc_out(&c, dc_op(&c, op, (bj_val *[]){col, row}, 2, NULL), "%s %s [n,1] x [1,n]", op, dn(d));
            on_args += c.ran > before;
            dc_out(&c, dc_op(&c, op, (bj_val *[]){kc, kr}, 2, NULL), "%s %s const [n,1] x [1,n]", op, dn(d));
            dc_out(&c, dc_op(&c, op, (bj_val *[]){col, kr}, 2, NULL), "%s %s [n,1] x const [1,n]", op, dn(d));
            dc_out(&c, dc_op(&c, op, (bj_val *[]){sc, vec}, 2, NULL), "%s %s [] x [5]", op, dn(d));
            dc_out(&c, dc_op(&c, op, (bj_val *[]){vec, sc}, 2, NULL), "%s %s [5] x []", op, dn(d));
        }
    }
    /* 4 no-bool ops on 5 dtypes, 3 bitwise on 4, 2 shifts on 3, the other 16 on all 6 */
    CHECK_MSG(on_args >= 4 * 5 + 3 * 4 + 2 * 3 + 16 * 6, "only %d binary op/dtype pairs ran", on_args);
    dc_run(&c);
}

/* Two different dtypes: the casts that promotion inserts, fused with the op. */
static void cpu_binary_mixed_dtypes(void) {
    dc c;
    dc_init(&c, "binary_mixed");
    for (int ka = 0; ka < 6; ka++)
        for (int kb = 0; kb < 6; kb++) {
            if (ka == kb) continue;
            bj_dtype da = DTS[ka], db = DTS[kb];
            int na = edge_n(da), nb = edge_n(db);
            bj_val *col = dc_arg(&c, edge_arr(da, 2, (int64_t[]){na, 1}, 1, 0));
            bj_val *row = dc_arg(&c, edge_arr(db, 2, (int64_t[]){1, nb}, 1, 0));
            for (int o = 0; o < rg_nbinary; o++)
                dc_out(&c, dc_op(&c, rg_binary_ops[o], (bj_val *[]){col, row}, 2, NULL), "%s %s x %s",
                       rg_binary_ops[o], dn(da), dn(db));
        }
    /* 12 ordered pairs promote to an int (all 25 ops), 18 to a float (all but 3 bitwise and 2 shifts) */
    CHECK_MSG(c.ran >= 12 * 25 + 18 * 20, "only %d mixed binary combinations ran", c.ran);
    dc_run(&c);
}

/* C scalars on either side (weak literals): the identities a simplifier is tempted by (x + 0, x * 1, x * 0,
 * x - x...) must keep NaN, -0.0 and wrapping right. Every output has x's shape, so they share few kernels. */
static void cpu_binary_literals(void) {
    /* a float x meets float literals (an int literal becomes the same float); an int x meets int literals, shift
     * counts around the width and one float literal (which makes the op float32); bool meets all three kinds */
    static const double flits[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, NAN, INFINITY, -INFINITY};
    static const int64_t ilits[] = {0, 1, -1, 2, 31, 32, 33, 64};
    dc c;
    dc_init(&c, "binary_literals");
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_vec(d));
        bj_in lits[COUNT(flits) + COUNT(ilits) + 2];
        int nl = 0;
        for (int i = 0; i < COUNT(flits); i++)
            if (isfl(d) || (i == 4 && d != BJ_BOOL) || (d == BJ_BOOL && i == 5)) lits[nl++] = bj_in_f64(flits[i]);
        for (int i = 0; i < COUNT(ilits); i++)
            if (!isfl(d) && (d != BJ_BOOL || i < 4)) lits[nl++] = bj_in_i64(ilits[i]);
        if (d == BJ_BOOL) lits[nl++] = bj_in_bool(true), lits[nl++] = bj_in_bool(false);
        for (int o = 0; o < rg_nbinary; o++) {
            bj_val *(*fn)(bj_in, bj_in) = rg_binary_fn(rg_binary_ops[o]);
            for (int side = 0; side < 2; side++)
                for (int i = 0; i < nl; i++) {
                    bj_in a = side ? lits[i] : bj_in_val(x), b = side ? bj_in_val(x) : lits[i];
                    if (!accepts_in(fn, a, b)) continue;
                    c.ran++;
                    char lit[40];
                    if (lits[i].kind == 1) snprintf(lit, sizeof lit, "%g", lits[i].f);
                    else if (lits[i].kind == 2) snprintf(lit, sizeof lit, "%lld", (long long)lits[i].i);
                    else snprintf(lit, sizeof lit, "(bool)%d", (int)lits[i].i);
                    dc_out(&c, fn(a, b), "%s(%s, %s) on %s", rg_binary_ops[o], side ? lit : "x", side ? "x" : lit,
                           dn(d));
                }
        }
    }
    CHECK_MSG(c.ran >= 1500, "only %d literal combinations ran", c.ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- where, clip, astype */
static void cpu_where_clip(void) {
    dc c;
    dc_init(&c, "where_clip");
    int ran = 0;
    for (int kc = 0; kc < 6; kc++)
        for (int kx = 0; kx < 6; kx++) {
            bj_dtype dcnd = DTS[kc], dx = DTS[kx];
            int nc = edge_n(dcnd), nx = edge_n(dx);
            bj_val *cond = dc_arg(&c, edge_arr(dcnd, 2, (int64_t[]){nc, 1}, 1, 0));
            bj_val *x = dc_arg(&c, edge_arr(dx, 2, (int64_t[]){1, nx}, 1, 0));
            bj_val *y = dc_arg(&c, edge_arr(dx, 1, (int64_t[]){nx}, 1, 1));
            ran++;
            dc_out(&c, bj_where(cond, x, y), "where %s ? %s : %s", dn(dcnd), dn(dx), dn(dx));
            bj_val *y2 = dc_arg(&c, edge_arr(DTS[(kx + kc + 1) % 6], 0, NULL, 1, 2));
            dc_out(&c, bj_where(cond, y2, x), "where %s ? %s[] : %s", dn(dcnd), dn(bj_val_dtype(y2)), dn(dx));
        }
    for (int kx = 0; kx < 6; kx++) {
        bj_dtype d = DTS[kx];
        int n = edge_n(d), m = n < 9 ? n : 9;
        bj_val *x = dc_arg(&c, edge_arr(d, 3, (int64_t[]){n, 1, 1}, 1, 0));
        bj_val *lo = dc_arg(&c, edge_arr(d, 3, (int64_t[]){1, m, 1}, 3, 0));
        bj_val *hi = dc_arg(&c, edge_arr(d, 3, (int64_t[]){1, 1, m}, 5, 1));
        bj_val *cond = dc_arg(&c, edge_arr(d, 1, (int64_t[]){n}, 1, 4));
        bj_val *v = dc_arg(&c, edge_vec(d));
        if (dc_op(&c, "clip", (bj_val *[]){x, lo, hi}, 3, NULL)) ran++;
        dc_out(&c, bj_clip(x, lo, hi), "clip %s all triples", dn(d));
        dc_out(&c, bj_where(cond, v, 0.5), "where %s ? x : 0.5", dn(d));
        dc_out(&c, bj_where(cond, 2, v), "where %s ? 2 : x", dn(d));
        dc_out(&c, bj_where(cond, v, v), "where %s ? x : x", dn(d));
        dc_out(&c, bj_where(true, v, bj_neg(bj_astype(v, BJ_F64))), "where true ? %s : -x", dn(d));
        dc_out(&c, bj_clip(v, 0, 5), "clip %s 0 5", dn(d));
        dc_out(&c, bj_clip(v, 5, 0), "clip %s 5 0", dn(d));
        if (isfl(d)) {
            dc_out(&c, bj_clip(v, -1.5, 2.5), "clip %s -1.5 2.5", dn(d));
            dc_out(&c, bj_clip(v, NAN, 1.0), "clip %s nan 1", dn(d));
            dc_out(&c, bj_clip(v, -0.0, 0.0), "clip %s -0 +0", dn(d));
        }
    }
    CHECK_MSG(ran >= 36 + 6, "only %d where/clip combinations ran", ran);
    dc_run(&c);
}

static void cpu_astype_all_pairs(void) {
    dc c;
    dc_init(&c, "astype");
    for (int ka = 0; ka < 6; ka++) {
        bj_dtype from = DTS[ka];
        bj_val *x = dc_arg(&c, edge_vec(from));
        bj_val *k = dc_const(&c, edge_vec(from));
        bj_val *w = isfl(from) ? dc_arg(&c, sweep(from)) : NULL;
        for (int kb = 0; kb < 6; kb++) {
            bj_dtype to = DTS[kb];
            bj_attrs a = {.dtype = to};
            dc_out(&c, dc_op(&c, "astype", &x, 1, &a), "astype %s -> %s", dn(from), dn(to));
            dc_out(&c, dc_op(&c, "astype", &k, 1, &a), "astype const %s -> %s", dn(from), dn(to));
            if (w) dc_out(&c, bj_astype(w, to), "astype sweep %s -> %s", dn(from), dn(to));
            /* round trips a simplifier must not drop */
            dc_out(&c, bj_astype(bj_astype(x, to), from), "astype %s -> %s -> back", dn(from), dn(to));
        }
    }
    CHECK_MSG(c.ran >= 72, "only %d casts ran", c.ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- shape ops */
static void cpu_shape_ops(void) {
    dc c;
    dc_init(&c, "shape");
    int64_t S[3] = {3, 4, 5};
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_arr(d, 3, S, 7, k));
        bj_val *x41 = dc_arg(&c, edge_arr(d, 2, (int64_t[]){4, 1}, 3, 2));
        struct {
            const char *name;
            bj_attrs a;
            bj_val *in;
        } cases[] = {
            {"reshape", {.rank = 2, .shape = {5, 12}}, x},
            {"reshape", {.rank = 1, .shape = {60}}, x},
            {"reshape", {.rank = 3, .shape = {2, -1, 3}}, x},
            {"reshape", {.rank = 4, .shape = {1, 3, 1, 20}}, x},
            {"broadcast_to", {.rank = 4, .shape = {2, 3, 4, 5}}, x},
            {"broadcast_to", {.rank = 3, .shape = {3, 4, 6}}, x41},
            {"broadcast_to", {.rank = 2, .shape = {4, 1}}, x41},
            {"transpose", {.naxes = 3, .axes = {2, 0, 1}}, x},
            {"transpose", {.naxes = 3, .axes = {1, 0, 2}}, x},
            {"transpose", {.naxes = 0}, x},
            {"slice", {.start = {BJ_END, 1, 0}, .stop = {BJ_END, 3, BJ_END}, .step = {-1, 1, 2}}, x},
            {"slice", {.start = {2, BJ_END, -1}, .stop = {0, BJ_END, BJ_END}, .step = {-1, -2, 1}}, x},
            {"slice", {.start = {0, 5, 0}, .stop = {BJ_END, 1, BJ_END}, .step = {1, -2, 1}}, x},
            {"slice", {.start = {-100, -3, 4}, .stop = {100, -1, 100}, .step = {2, 1, 3}}, x},
            {"slice", {.start = {1, 0, 0}, .stop = {1, BJ_END, BJ_END}, .step = {1, 1, 1}}, x},
            {"slice", {.start = {BJ_END, BJ_END, BJ_END}, .stop = {BJ_END, BJ_END, BJ_END}, .step = {-3, -3, -3}}, x},
            {"flip", {.naxes = 1, .axes = {0}}, x},
            {"flip", {.naxes = 1, .axes = {-1}}, x},
            {"flip", {.naxes = 2, .axes = {0, 2}}, x},
            {"flip", {.naxes = 0}, x},
            {"expand_dims", {.axis = 1}, x},
            {"expand_dims", {.axis = -1}, x41},
            {"squeeze", {.naxes = 0}, x41},
            {"tile", {.rank = 2, .shape = {2, 3}}, x41},
            {"tile", {.rank = 3, .shape = {1, 2, 1}}, x},
            {"repeat", {.n = 3, .axis = 1}, x},
            {"repeat", {.n = 2, .axis = -1}, x41},
        };
        for (int i = 0; i < COUNT(cases); i++) {
            bj_val *y = dc_op(&c, cases[i].name, &cases[i].in, 1, &cases[i].a);
            dc_out(&c, y, "%s #%d %s", cases[i].name, i, dn(d));
            if ((i + k) % 3 == 0) /* each case also fused into an elementwise loop, on two dtypes */
                dc_out(&c, y ? touch(y) : NULL, "%s #%d %s then elementwise", cases[i].name, i, dn(d));
        }
        /* concatenate along each axis, with a flipped copy, a transposed copy and another dtype */
        bj_val *xf = bj_flip(x, 1, (int[]){1});
        for (int ax = -3; ax < 3; ax++) {
            bj_attrs a = {.axis = ax};
            dc_out(&c, dc_op(&c, "concatenate", (bj_val *[]){x, xf, x}, 3, &a), "concatenate %s axis %d", dn(d), ax);
        }
        bj_val *y = dc_arg(&c, edge_arr(DTS[(k + 3) % 6], 3, (int64_t[]){3, 2, 5}, 5, 0));
        dc_out(&c, dc_op(&c, "concatenate", (bj_val *[]){y, x, y}, 3, &(bj_attrs){.axis = 1}),
               "concatenate %s with %s", dn(d), dn(bj_val_dtype(y)));
        dc_out(&c, dc_op(&c, "stack", (bj_val *[]){x, xf}, 2, &(bj_attrs){.axis = 2}), "stack %s", dn(d));
        /* views that read the same data in different orders, combined */
        bj_val *t = bj_transpose(bj_flip(x, 0, NULL), (int[]){2, 1, 0});
        dc_out(&c, bj_eq(bj_transpose(t, (int[]){2, 1, 0}), bj_flip(x, 0, NULL)), "flip-transpose round trip %s", dn(d));
        dc_out(&c, bj_ne(bj_reshape(x, 2, (int64_t[]){12, 5}), bj_reshape(xf, 2, (int64_t[]){12, 5})),
               "reshape of flip %s", dn(d));
    }
    CHECK_MSG(c.ran >= 6 * (27 + 6 + 2), "only %d shape cases ran", c.ran);
    dc_run(&c);
}

/* Starts are traced scalars of every int dtype, in range and out of it (clamped). */
static void cpu_dynamic_slices(void) {
    dc c;
    dc_init(&c, "dynamic");
    static const int64_t starts[][3] = {{0, 0, 0}, {1, 2, 3}, {-5, 100, 2}, {2, -1, 5}, {INT32_MAX, INT32_MIN, 1}};
    static const int64_t sizes[][3] = {{2, 3, 4}, {3, 4, 5}, {0, 2, 1}, {1, 1, 1}};
    static const bj_dtype sdt[] = {BJ_I32, BJ_I64, BJ_U32};
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_arr(d, 3, (int64_t[]){3, 4, 5}, 1, 0));
        bj_val *u = dc_arg(&c, edge_arr(d, 3, (int64_t[]){2, 2, 3}, 5, 3));
        bj_val *uo = dc_arg(&c, edge_arr(DTS[(k + 2) % 6], 3, (int64_t[]){1, 4, 2}, 3, 1));
        for (int si = 0; si < COUNT(starts); si++)
            for (int di = 0; di < 3; di++) {
                bj_val *s[3];
                for (int j = 0; j < 3; j++) {
                    bj_array *a = bj_array_zeros(sdt[di], 0, NULL);
                    if (sdt[di] == BJ_I32) *(int32_t *)bj_array_data(a) = (int32_t)starts[si][j];
                    else if (sdt[di] == BJ_I64) *(int64_t *)bj_array_data(a) = starts[si][j];
                    else *(uint32_t *)bj_array_data(a) = (uint32_t)starts[si][j];
                    s[j] = dc_arg(&c, a);
                }
                for (int zi = 0; zi < COUNT(sizes); zi++) {
                    if ((zi + si + di + k) % 2) continue; /* half the sizes each time, all of them over the dtypes */
                    bj_attrs a = {.rank = 3};
                    memcpy(a.shape, sizes[zi], sizeof sizes[zi]);
                    dc_out(&c, dc_op(&c, "dynamic_slice", (bj_val *[]){x, s[0], s[1], s[2]}, 4, &a),
                           "dynamic_slice %s starts #%d (%s) sizes #%d", dn(d), si, dn(sdt[di]), zi);
                }
                dc_out(&c, dc_op(&c, "dynamic_update_slice", (bj_val *[]){x, u, s[0], s[1], s[2]}, 5, NULL),
                       "dynamic_update_slice %s starts #%d (%s)", dn(d), si, dn(sdt[di]));
                bj_val *upd = dc_op(&c, "dynamic_update_slice", (bj_val *[]){touch(x), uo, s[0], s[1], s[2]}, 5,
                                    NULL);
                dc_out(&c, upd ? touch(upd) : NULL, "dynamic_update_slice %s <- %s starts #%d (%s), fused", dn(d),
                       dn(bj_val_dtype(uo)), si, dn(sdt[di]));
            }
    }
    CHECK_MSG(c.ran >= 6 * 5 * 3 * 4, "only %d dynamic slices ran", c.ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- take and scatter */
static bj_array *idx_arr(bj_dtype d, int rank, const int64_t *shape, const int64_t *v) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    for (int64_t i = 0; a && i < bj_array_size(a); i++) {
        if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)v[i];
        else if (d == BJ_I64) ((int64_t *)bj_array_data(a))[i] = v[i];
        else ((uint32_t *)bj_array_data(a))[i] = (uint32_t)v[i];
    }
    return a;
}

static void cpu_take_scatter(void) {
    dc c;
    dc_init(&c, "index");
    static const int64_t iv[] = {-10, -5, -4, -1, 0, 3, 4, 5, 100, INT32_MIN, INT32_MAX, 2};
    static const int64_t dup[] = {1, -1, 1, 7, -9, 0};
    static const bj_dtype idt[] = {BJ_I32, BJ_I64, BJ_U32};
    int takes = 0, scatters = 0;
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_arr(d, 2, (int64_t[]){4, 5}, 3, k));
        for (int j = 0; j < 3; j++) {
            bj_val *i1 = dc_arg(&c, idx_arr(idt[j], 1, (int64_t[]){12}, iv));
            bj_val *i2 = dc_arg(&c, idx_arr(idt[j], 2, (int64_t[]){2, 3}, iv + 3));
            bj_val *i0 = dc_arg(&c, idx_arr(idt[j], 0, NULL, iv + 3));
            bj_val *ik = dc_const(&c, idx_arr(idt[j], 1, (int64_t[]){12}, iv));
            bj_val *idup = dc_arg(&c, idx_arr(idt[j], 1, (int64_t[]){6}, dup));
            for (int axis = 0; axis < 2; axis++) {
                if ((axis + k + j) % 2) continue; /* one axis per index dtype, both over the index dtypes */
                int ax = axis == 1 && k % 2 ? -1 : axis;
                bj_attrs a = {.axis = ax};
                bj_val *ins[][2] = {{x, i1}, {x, i2}, {x, i0}, {x, ik}};
                for (int q = 0; q < 4; q++) {
                    bj_val *y = dc_op(&c, "take", ins[q], 2, &a);
                    takes += y != NULL;
                    dc_out(&c, y, "take %s idx #%d %s axis %d", dn(d), q, dn(idt[j]), ax);
                }
                dc_out(&c, bj_take(touch(x), idup, ax), "take %s of elementwise, %s axis %d", dn(d), dn(idt[j]), ax);
                /* updates: full shape, scalar, broadcast row, another dtype */
                int64_t us[2] = {ax == 0 ? 6 : 4, ax == 0 ? 5 : 6};
                bj_val *uf = dc_arg(&c, edge_arr(d, 2, us, 5, 1));
                bj_val *us0 = dc_arg(&c, edge_arr(d, 0, NULL, 1, 1));
                bj_val *uo = dc_arg(&c, edge_arr(DTS[(k + 1) % 6], 2, us, 3, 2));
                bj_val *ups[] = {uf, us0, uo};
                for (int q = 0; q < 3; q++) {
                    bj_val *s = dc_op(&c, "scatter_set", (bj_val *[]){x, idup, ups[q]}, 3, &a);
                    bj_val *sa = dc_op(&c, "scatter_add", (bj_val *[]){x, idup, ups[q]}, 3, &a);
                    scatters += (s != NULL) + (sa != NULL);
                    dc_out(&c, s, "scatter_set %s idx %s upd #%d axis %d", dn(d), dn(idt[j]), q, ax);
                    dc_out(&c, sa, "scatter_add %s idx %s upd #%d axis %d", dn(d), dn(idt[j]), q, ax);
                }
                bj_val *sf = dc_op(&c, "scatter_add", (bj_val *[]){touch(x), idup, touch(uf)}, 3, &a);
                dc_out(&c, sf ? touch(sf) : NULL, "scatter_add %s fused both sides, idx %s axis %d", dn(d),
                       dn(idt[j]), ax);
            }
        }
    }
    CHECK_MSG(takes >= 6 * 3 * 4, "only %d takes ran", takes);
    /* scatter_set on 6 dtypes, scatter_add on 5, 3 update kinds, 3 index dtypes */
    CHECK_MSG(scatters >= (6 + 5) * 3 * 3, "only %d scatters ran", scatters);
    dc_run(&c);
}

/* ---------------------------------------------------------------- reductions and scans */
/* Each op on each dtype over three of the nine axis sets (rotating, so that every set meets every op on two
 * dtypes), on mixed data, once fused between elementwise ops, on a rank-0 and on an empty operand. */
static void cpu_reductions(void) {
    static const char *const ops[] = {"sum", "prod", "mean", "max", "min", "any", "all"};
    static const struct {
        int n, ax[3];
    } axsets[] = {{0, {0}}, {1, {0}}, {1, {1}}, {1, {-1}}, {2, {0, 2}}, {2, {1, 2}}, {2, {-1, 0}}, {3, {0, 1, 2}},
                  {2, {0, 1}}};
    dc c;
    dc_init(&c, "reduce");
    int sets_run[COUNT(ops)][COUNT(axsets)] = {{0}};
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, mixed_arr(d, 3, (int64_t[]){3, 4, 5}, 100 + (uint64_t)k));
        bj_val *xe = dc_arg(&c, mixed_arr(d, 3, (int64_t[]){2, 0, 3}, 1));
        bj_val *x0 = dc_arg(&c, edge_arr(d, 0, NULL, 1, 5));
        for (int o = 0; o < COUNT(ops); o++) {
            for (int s = 0; s < COUNT(axsets); s++) {
                if ((s + k + o) % 3) continue;
                bj_attrs a = {.naxes = axsets[s].n, .keepdims = (s + k) % 2};
                memcpy(a.axes, axsets[s].ax, sizeof axsets[s].ax);
                bj_val *y = dc_op(&c, ops[o], &x, 1, &a);
                sets_run[o][s] += y != NULL;
                dc_out(&c, y, "%s %s axes #%d keepdims %d", ops[o], dn(d), s, a.keepdims);
                if ((s + k + o) % 9 == 0) { /* fed by an elementwise producer and feeding one */
                    bj_val *z = dc_op(&c, ops[o], (bj_val *[]){touch(x)}, 1, &a);
                    dc_out(&c, z ? touch(z) : NULL, "%s %s fused axes #%d", ops[o], dn(d), s);
                }
            }
            dc_out(&c, dc_op(&c, ops[o], &x0, 1, &(bj_attrs){0}), "%s %s rank 0", ops[o], dn(d));
            bj_attrs ae = {.naxes = 1, .axes = {(k + o) % 3}, .keepdims = o % 2};
            dc_out(&c, dc_op(&c, ops[o], &xe, 1, &ae), "%s %s empty axis %d", ops[o], dn(d), ae.axes[0]);
        }
        for (int ax = 0; ax < 3; ax++) {
            bj_attrs a = {.axis = ax - (k % 2) * 3, .keepdims = (ax + k) % 2};
            dc_out(&c, dc_op(&c, "argmax", &x, 1, &a), "argmax %s axis %d keep %d", dn(d), a.axis, a.keepdims);
            dc_out(&c, dc_op(&c, "argmin", &x, 1, &a), "argmin %s axis %d keep %d", dn(d), a.axis, a.keepdims);
        }
    }
    for (int o = 0; o < COUNT(ops); o++)
        for (int s = 0; s < COUNT(axsets); s++) CHECK_MSG(sets_run[o][s] == 2, "%s axes #%d ran %d times", ops[o], s,
                                                          sets_run[o][s]);
    /* 7 ops x 6 dtypes x 3 axis sets, + rank 0, + 5 ops on the empty operand; argmax/argmin 3 axes */
    CHECK_MSG(c.ran >= 7 * 6 * 4 + 5 * 6 + 6 * 6, "only %d reductions ran", c.ran);
    dc_run(&c);
}

/* Ties (the first wins), NaN (the first NaN wins), signed zeros, infinities. */
static void cpu_argmax_ties_nan(void) {
    dc c;
    dc_init(&c, "argmax");
    static const double fl[] = {1, 3, 3, 1, 0, 3, 1, 5, NAN, 7, NAN, 0, -0.0, 0.0, -0.0, 0.0, -0.0, 0.0,
                                INFINITY, -INFINITY, INFINITY, -INFINITY, NAN, 2, NAN, NAN, 1, 1, -INFINITY, -INFINITY};
    static const double in[] = {1, 3, 3, 1, 0, 3, -2147483648.0, 2147483647, 2147483647, 0, -1, -2147483648.0,
                                0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 4294967295.0, 0, 4294967295.0, 1, 1, 0};
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, test_arr(d, 2, (int64_t[]){5, 6}, isfl(d) ? fl : in));
        for (int ax = -2; ax < 2; ax++)
            for (int keep = 0; keep < 2; keep++) {
                bj_attrs a = {.axis = ax, .keepdims = keep};
                dc_out(&c, dc_op(&c, "argmax", &x, 1, &a), "argmax %s axis %d keep %d", dn(d), ax, keep);
                dc_out(&c, dc_op(&c, "argmin", &x, 1, &a), "argmin %s axis %d keep %d", dn(d), ax, keep);
                dc_out(&c, dc_op(&c, "max", &x, 1, &(bj_attrs){.naxes = 1, .axes = {ax}, .keepdims = keep}),
                       "max %s axis %d", dn(d), ax);
                dc_out(&c, dc_op(&c, "min", &x, 1, &(bj_attrs){.naxes = 1, .axes = {ax}, .keepdims = keep}),
                       "min %s axis %d", dn(d), ax);
            }
    }
    CHECK_MSG(c.ran >= 6 * 4 * 2 * 4, "only %d cases ran", c.ran);
    dc_run(&c);
}

static void cpu_scans(void) {
    dc c;
    dc_init(&c, "scan");
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *xs[] = {dc_arg(&c, edge_arr(d, 3, (int64_t[]){3, 4, 5}, 7, 0)),
                        dc_arg(&c, rand_arr(d, 3, (int64_t[]){3, 4, 5}, 200 + (uint64_t)k)),
                        dc_arg(&c, rand_arr(d, 2, (int64_t[]){0, 3}, 2)),
                        dc_arg(&c, rand_arr(d, 1, (int64_t[]){300}, 3))};
        for (int v = 0; v < 4; v++)
            for (int ax = -1; ax < bj_val_rank(xs[v]); ax++) {
                bj_attrs a = {.axis = ax};
                bj_val *s = dc_op(&c, "cumsum", &xs[v], 1, &a), *p = dc_op(&c, "cumprod", &xs[v], 1, &a);
                dc_out(&c, s, "cumsum %s data #%d axis %d", dn(d), v, ax);
                dc_out(&c, p, "cumprod %s data #%d axis %d", dn(d), v, ax);
                if (v == 1) {
                    bj_val *f = dc_op(&c, "cumsum", (bj_val *[]){touch(xs[v])}, 1, &a);
                    dc_out(&c, f ? touch(f) : NULL, "cumsum %s fused axis %d", dn(d), ax);
                }
            }
    }
    CHECK_MSG(c.ran >= 6 * 2 * (4 + 4 + 3 + 2), "only %d scans ran", c.ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- linear algebra */
static void cpu_matmul(void) {
    dc c;
    dc_init(&c, "matmul");
    static const struct {
        int ra;
        int64_t a[4];
        int rb;
        int64_t b[4];
    } shapes[] = {
        {2, {3, 4}, 2, {4, 5}},       {4, {2, 1, 3, 4}, 3, {5, 4, 2}}, {1, {4}, 2, {4, 5}}, {2, {3, 4}, 1, {4}},
        {1, {4}, 1, {4}},             {2, {3, 0}, 2, {0, 2}},          {3, {1, 3, 4}, 3, {2, 4, 5}},
        {2, {1, 1}, 2, {1, 1}},       {3, {2, 3, 4}, 2, {4, 3}},       {2, {5, 17}, 2, {17, 3}},
    };
    int ran = 0;
    for (int ka = 0; ka < 6; ka++)
        for (int kb = 0; kb < 6; kb++) {
            bj_dtype da = DTS[ka], db = DTS[kb];
            if (ka != kb && (ka + kb) % 3) continue; /* all same-dtype pairs and a spread of mixed ones */
            for (int s = 0; s < COUNT(shapes); s++) {
                if (ka != kb && (s + ka) % 3) continue; /* mixed pairs: a third of the shapes each */
                bj_val *a = dc_arg(&c, rand_arr(da, shapes[s].ra, shapes[s].a, (uint64_t)(s * 36 + ka * 6 + kb)));
                bj_val *b = dc_arg(&c, rand_arr(db, shapes[s].rb, shapes[s].b, (uint64_t)(s * 36 + kb * 6 + ka + 999)));
                bj_val *y = dc_op(&c, "matmul", (bj_val *[]){a, b}, 2, NULL);
                ran += y != NULL;
                dc_out(&c, y, "matmul %s x %s shapes #%d", dn(da), dn(db), s);
                if (y && s == 0) {
                    dc_out(&c, touch(bj_matmul(touch(a), touch(b))), "matmul %s x %s fused", dn(da), dn(db));
                    dc_out(&c, dc_op(&c, "dot", (bj_val *[]){a, b}, 2, NULL), "dot %s x %s", dn(da), dn(db));
                    dc_out(&c, dc_op(&c, "outer", (bj_val *[]){a, b}, 2, NULL), "outer %s x %s", dn(da), dn(db));
                }
            }
            if (ka == kb && da != BJ_BOOL) { /* dot with a rank-3 right operand */
                bj_val *a = dc_arg(&c, rand_arr(da, 2, (int64_t[]){2, 3}, 5));
                bj_val *b = dc_arg(&c, rand_arr(db, 3, (int64_t[]){2, 3, 4}, 6));
                dc_out(&c, bj_dot(a, b), "dot %s [2,3] x [2,3,4]", dn(da));
            }
        }
    /* 5 non-bool same-dtype pairs x 10 shapes, 10 mixed pairs x 3 or 4 shapes */
    CHECK_MSG(ran >= 5 * 10 + 10 * 3, "only %d matmuls ran", ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- creation */
static void cpu_creation(void) {
    dc c;
    dc_init(&c, "create");
    static const double vals[] = {0, -0.0, 2.5, -3.7, NAN, INFINITY, -INFINITY, 1e10, -1e10, 3e9, 5e-324, 0.5,
                                  -0.5, 4294967296.0, -2147483649.0};
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_arr(d, 2, (int64_t[]){3, 4}, 1, 0));
        for (int v = 0; v < COUNT(vals); v++) {
            bj_attrs a = {.dtype = d, .rank = 2, .shape = {3, 4}, .value = vals[v]};
            dc_out(&c, dc_op(&c, "full", NULL, 0, &a), "full %s %g", dn(d), vals[v]);
        }
        dc_out(&c, dc_op(&c, "full", NULL, 0, &(bj_attrs){.dtype = d, .rank = 0, .value = 7}), "full %s rank 0", dn(d));
        bj_val *f = bj_full(c.t, d, 2, (int64_t[]){3, 4}, -1.5);
        dc_out(&c, bj_eq(f, x), "full %s compared with x", dn(d));
        for (int ax = -3; ax < 3; ax++) {
            bj_attrs a = {.dtype = d, .rank = 3, .shape = {2, 3, 4}, .axis = ax};
            dc_out(&c, dc_op(&c, "iota", NULL, 0, &a), "iota %s axis %d", dn(d), ax);
        }
        dc_out(&c, dc_op(&c, "iota", NULL, 0, &(bj_attrs){.dtype = d, .rank = 1, .shape = {300}}), "iota %s [300]",
               dn(d));
        bj_val *io = bj_iota(c.t, d, 2, (int64_t[]){3, 4}, 1);
        dc_out(&c, d == BJ_BOOL ? bj_logical_xor(io, x) : bj_add(io, x), "iota %s + x", dn(d));
        dc_out(&c, dc_op(&c, "zeros", NULL, 0, &(bj_attrs){.dtype = d, .rank = 2, .shape = {2, 3}}), "zeros %s", dn(d));
        dc_out(&c, dc_op(&c, "ones", NULL, 0, &(bj_attrs){.dtype = d, .rank = 1, .shape = {4}}), "ones %s", dn(d));
        dc_out(&c, dc_op(&c, "arange", NULL, 0, &(bj_attrs){.dtype = d, .value = 0.5, .stop_value = 10, .step_value = 0.7}),
               "arange %s 0.5 10 0.7", dn(d));
        dc_out(&c, dc_op(&c, "arange", NULL, 0, &(bj_attrs){.dtype = d, .value = 5, .stop_value = -5, .step_value = -1.5}),
               "arange %s 5 -5 -1.5", dn(d));
        dc_out(&c, dc_op(&c, "eye", NULL, 0, &(bj_attrs){.dtype = d, .n = 4, .m = 5, .k = 1}), "eye %s 4 5 1", dn(d));
        dc_out(&c, dc_op(&c, "eye", NULL, 0, &(bj_attrs){.dtype = d, .n = 3, .m = 3, .k = -1}), "eye %s 3 3 -1", dn(d));
    }
    CHECK_MSG(c.ran >= 6 * (15 + 1 + 6 + 1 + 2 + 2 + 2), "only %d creations ran", c.ran);
    dc_run(&c);
}

/* ---------------------------------------------------------------- simplification bait */
/* Rewrites that are wrong for some values: x + 0 (-0.0), x * 0 (NaN, inf, -x), x - x (NaN, inf), x / x, x == x
 * (NaN), pow(x, 0.5) vs sqrt (-0.0, -inf), double negation, casts that lose bits, where with equal branches... */
static void cpu_simplify_bait(void) {
    dc c;
    dc_init(&c, "simplify");
    for (int k = 0; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, edge_vec(d));
        bj_val *y = dc_arg(&c, edge_arr(d, 1, (int64_t[]){edge_n(d)}, 1, 3));
        const char *n = dn(d);
#define OUT(expr) dc_out(&c, (expr), "%s: %s", n, #expr)
        OUT(bj_add(x, 0));
        OUT(bj_add(x, 0.0));
        OUT(bj_add(x, -0.0));
        OUT(bj_add(0.0, x));
        OUT(bj_mul(x, 1));
        OUT(bj_mul(x, 1.0));
        OUT(bj_mul(x, 0));
        OUT(bj_mul(x, 0.0));
        OUT(bj_mul(x, -1.0));
        OUT(bj_eq(x, x));
        OUT(bj_ne(x, x));
        OUT(bj_le(x, x));
        OUT(bj_div(x, x));
        OUT(bj_div(x, 1.0));
        OUT(bj_maximum(x, x));
        OUT(bj_minimum(x, y));
        OUT(bj_where(bj_gt(x, y), x, x));
        OUT(bj_logical_not(bj_logical_not(x)));
        OUT(bj_logical_and(x, x));
        OUT(bj_logical_or(x, false));
        OUT(bj_astype(bj_astype(x, BJ_BOOL), d));
        OUT(bj_astype(bj_astype(x, BJ_F32), d));
        OUT(bj_astype(bj_astype(x, BJ_F64), d));
        OUT(bj_astype(bj_astype(x, BJ_I32), d));
        OUT(bj_astype(bj_astype(x, BJ_U32), BJ_I64));
        OUT(bj_astype(x, d));
        if (d != BJ_BOOL) {
            OUT(bj_sub(x, x));
            OUT(bj_sub(x, 0));
            OUT(bj_sub(x, 0.0));
            OUT(bj_sub(0.0, x));
            OUT(bj_sub(0, x));
            OUT(bj_neg(bj_neg(x)));
            OUT(bj_abs(bj_abs(x)));
            OUT(bj_abs(bj_neg(x)));
            OUT(bj_pow(x, 0));
            OUT(bj_pow(x, 1));
            OUT(bj_pow(x, 2));
            OUT(bj_pow(x, 0.5));
            if (d != BJ_U32) OUT(bj_pow(x, -1));
            OUT(bj_pow(x, -1.0));
            OUT(bj_pow(x, 3));
            OUT(bj_pow(1, x));
            OUT(bj_floor_divide(x, 1));
            OUT(bj_remainder(x, 1));
            OUT(bj_remainder(x, x));
            OUT(bj_floor_divide(x, x));
            OUT(bj_square(bj_sqrt(x)));
            OUT(bj_sqrt(bj_square(x)));
            OUT(bj_floor(bj_floor(x)));
            OUT(bj_sign(bj_sign(x)));
            OUT(bj_add(bj_add(x, 1), 2));
            OUT(bj_sub(bj_add(x, 1), 1));
            OUT(bj_mul(bj_mul(x, 3), 5));
            OUT(bj_mul(bj_mul(x, 0.1), 10.0));
            OUT(bj_add(bj_mul(x, 2), x));
            OUT(bj_sub(bj_mul(x, y), bj_mul(y, x)));
            OUT(bj_exp(bj_log(x)));
            OUT(bj_log(bj_exp(x)));
            OUT(bj_div(x, 2.0));
            OUT(bj_div(x, 3.0));
            OUT(bj_mul(x, 0.5));
            OUT(bj_clip(x, 2, 1));
        }
        if (!isfl(d)) {
            OUT(bj_bitwise_and(x, 0));
            OUT(bj_bitwise_or(x, 0));
            OUT(bj_bitwise_xor(x, x));
            OUT(bj_bitwise_not(bj_bitwise_not(x)));
            OUT(bj_bitwise_and(x, x));
        }
        if (d == BJ_I32 || d == BJ_I64 || d == BJ_U32) {
            OUT(bj_shift_left(x, 0));
            OUT(bj_shift_right(x, 0));
            OUT(bj_shift_left(bj_shift_right(x, 1), 1));
            OUT(bj_shift_left(x, 32));
            OUT(bj_shift_right(x, 64));
            OUT(bj_shift_left(x, y));
            OUT(bj_shift_right(x, y));
            OUT(bj_floor_divide(x, 2));
            OUT(bj_floor_divide(x, 0));
            OUT(bj_remainder(x, 0));
            OUT(bj_remainder(x, 2));
            OUT(bj_floor_divide(x, 1024));
            OUT(bj_remainder(x, 1024));
            OUT(bj_mul(x, 4));
            OUT(bj_mul(x, 2147483647));
        }
        if (d == BJ_I32 || d == BJ_I64) {
            OUT(bj_floor_divide(x, -1));
            OUT(bj_remainder(x, -1));
            OUT(bj_floor_divide(x, -2));
            OUT(bj_remainder(x, -3));
            OUT(bj_neg(bj_abs(x)));
        }
#undef OUT
    }
    CHECK(c.nout >= 6 * 26 + 5 * 35);
    dc_run(&c);
}

/* ---------------------------------------------------------------- fusion patterns */
/* Producers read by several consumers with different index maps: what kernel grouping gets wrong. */
static void cpu_fusion_patterns(void) {
    dc c;
    dc_init(&c, "fusion");
    for (int k = 4; k < 6; k++) {
        bj_dtype d = DTS[k];
        const char *n = dn(d);
        bj_val *x = dc_arg(&c, rand_arr(d, 2, (int64_t[]){6, 7}, 11 + (uint64_t)k));
        bj_val *v = dc_arg(&c, rand_arr(d, 1, (int64_t[]){7}, 12));
        bj_val *e = bj_mul(bj_add(x, v), 0.5);
#define OUT(expr) dc_out(&c, (expr), "%s: %s", n, #expr)
        /* softmax: a reduction broadcast back into the elementwise chain it came from */
        bj_val *m = bj_max(e, 1, (int[]){-1}, true);
        bj_val *ex = bj_exp(bj_sub(e, m));
        bj_val *sm = bj_div(ex, bj_sum(ex, 1, (int[]){-1}, true));
        OUT(sm);
        OUT(e); /* an intermediate that is also an output */
        OUT(bj_div(x, bj_sum(x, 0, NULL, false)));
        OUT(bj_sub(e, bj_mean(e, 1, (int[]){0}, true)));
        OUT(bj_sum(bj_max(e, 1, (int[]){0}, false), 0, NULL, false));
        /* the same producer read forward, reversed and transposed */
        OUT(bj_add(e, bj_flip(e, 0, NULL)));
        OUT(bj_matmul(e, bj_transpose(e, NULL)));
        OUT(bj_add(bj_transpose(e, NULL), bj_reshape(v, 2, (int64_t[]){7, 1})));
        OUT(bj_mul(bj_slice(e, (int64_t[]){BJ_END, 1}, (int64_t[]){BJ_END, BJ_END}, (int64_t[]){-1, 2}), 3.0));
        OUT(bj_cumsum(bj_exp(e), 1));
        OUT(bj_sub(bj_cumsum(e, 0), e));
        OUT(bj_take(bj_exp(e), bj_argmax(e, 1, false), 1));
        OUT(bj_scatter_add(e, bj_argmin(e, 0, false), bj_sqrt(e), 1));
        OUT(bj_concatenate((bj_val *[]){e, bj_neg(e), x}, 3, 0));
        OUT(bj_sum(bj_concatenate((bj_val *[]){e, bj_neg(e)}, 2, 1), 1, (int[]){1}, false));
        OUT(bj_reshape(bj_transpose(e, NULL), 2, (int64_t[]){2, 21}));
        OUT(bj_broadcast_to(bj_sum(e, 1, (int[]){1}, true), 3, (int64_t[]){2, 6, 7}));
        OUT(bj_where(bj_gt(e, m), e, bj_broadcast_to(m, 2, (int64_t[]){6, 7})));
        /* outputs that alias: an argument, a constant, the same value twice */
        OUT(x);
        OUT(x);
        OUT(dc_const(&c, bj_array_full(d, 1, (int64_t[]){3}, 2.5)));
        OUT(bj_astype(bj_gt(x, 0.0), d));
#undef OUT
    }
    dc_run(&c);
}

/* Big enough to take the threaded paths: sums must keep the interpreter's order. */
static void cpu_large_arrays(void) {
    dc c;
    dc_init(&c, "large");
    for (int k = 4; k < 6; k++) {
        bj_dtype d = DTS[k];
        bj_val *x = dc_arg(&c, smooth_arr(d, 2, (int64_t[]){1000, 1100}, 77 + (uint64_t)k));
        bj_val *a = dc_arg(&c, smooth_arr(d, 2, (int64_t[]){128, 300}, 78));
        bj_val *b = dc_arg(&c, smooth_arr(d, 2, (int64_t[]){300, 96}, 79));
        bj_val *t = bj_tanh(bj_mul(x, 0.25));
        dc_out(&c, t, "tanh %s large", dn(d));
        dc_out(&c, bj_sum(t, 0, NULL, false), "sum all %s large", dn(d));
        dc_out(&c, bj_sum(t, 1, (int[]){0}, false), "sum axis 0 %s large", dn(d));
        dc_out(&c, bj_sum(t, 1, (int[]){1}, true), "sum axis 1 %s large", dn(d));
        dc_out(&c, bj_mean(x, 0, NULL, false), "mean %s large", dn(d));
        dc_out(&c, bj_max(x, 1, (int[]){0}, false), "max axis 0 %s large", dn(d));
        dc_out(&c, bj_argmax(x, 1, false), "argmax axis 1 %s large", dn(d));
        dc_out(&c, bj_cumsum(t, 1), "cumsum axis 1 %s large", dn(d));
        dc_out(&c, bj_matmul(bj_tanh(a), bj_tanh(b)), "matmul %s [128,300]x[300,96]", dn(d));
    }
    bj_val *xi = dc_arg(&c, smooth_arr(BJ_I32, 1, (int64_t[]){2000000}, 5));
    dc_out(&c, bj_sum(xi, 0, NULL, false), "sum int32 large");
    dc_out(&c, bj_sum(bj_gt(xi, 0), 0, NULL, false), "count int32 large");
    dc_run(&c);
}

/* Kernels past the backend's threading threshold (131072 elements when written; these are 2 to 15 times that),
 * with extents that split unevenly over 2 and 3 threads: each thread's block must give the interpreter's bits. */
static void cpu_threaded_kernels(void) {
    char saved[64] = "";
    CHECK(bj_config_get("num_threads", saved, sizeof saved) == BJ_OK);
    for (int nt = 2; nt <= 3; nt++) {
        char v[8];
        snprintf(v, sizeof v, "%d", nt);
        CHECK(bj_config_set("num_threads", v) == BJ_OK);
        dc c;
        dc_init(&c, nt == 2 ? "threads2" : "threads3");
        bj_val *x = dc_arg(&c, smooth_arr(BJ_F32, 2, (int64_t[]){3, 100003}, 1));
        bj_val *y = dc_arg(&c, smooth_arr(BJ_F64, 3, (int64_t[]){7, 1, 40009}, 2));
        bj_val *z = dc_arg(&c, smooth_arr(BJ_F32, 2, (int64_t[]){601, 599}, 3));
        bj_val *w = dc_arg(&c, mixed_arr(BJ_I32, 1, (int64_t[]){300007}, 4));
        bj_val *m = dc_arg(&c, smooth_arr(BJ_F64, 2, (int64_t[]){401, 350}, 5));
        bj_val *ix = dc_arg(&c, idx_arr(BJ_I32, 1, (int64_t[]){5}, (const int64_t[]){-1, 0, 600, 7, 1000}));
        dc_out(&c, bj_exp(bj_mul(x, 0.5)), "exp [3,100003]");
        dc_out(&c, bj_sum(x, 1, (int[]){1}, false), "sum axis 1 [3,100003]");
        dc_out(&c, bj_sum(x, 1, (int[]){0}, true), "sum axis 0 [3,100003]");
        dc_out(&c, bj_cumsum(x, 1), "cumsum axis 1 [3,100003]");
        dc_out(&c, bj_cumsum(x, 0), "cumsum axis 0 [3,100003]");
        dc_out(&c, bj_argmin(x, 1, false), "argmin axis 1 [3,100003]");
        dc_out(&c, bj_add(y, bj_transpose(y, (int[]){1, 0, 2})), "y + transpose [7,1,40009]");
        dc_out(&c, bj_tanh(bj_flip(y, 0, NULL)), "tanh flip [7,1,40009]");
        dc_out(&c, bj_max(y, 1, (int[]){2}, false), "max axis 2 [7,1,40009]");
        dc_out(&c, bj_mean(z, 1, (int[]){0}, false), "mean axis 0 [601,599]");
        dc_out(&c, bj_sum(z, 0, NULL, false), "sum all [601,599]");
        dc_out(&c, bj_cumprod(bj_mul(z, 0.25), 0), "cumprod axis 0 [601,599]");
        dc_out(&c, bj_matmul(m, bj_transpose(m, NULL)), "matmul [401,350] x [350,401]");
        dc_out(&c, bj_add(bj_transpose(z, NULL), 1.0), "transpose [601,599] + 1");
        dc_out(&c, bj_take(z, ix, 0), "take rows [601,599]");
        dc_out(&c, bj_take(z, ix, 1), "take columns [601,599]");
        dc_out(&c, bj_scatter_add(z, ix, bj_full(c.t, BJ_F32, 2, (int64_t[]){5, 599}, 0.5), 0), "scatter_add rows");
        dc_out(&c, bj_sum(w, 0, NULL, false), "sum int32 [300007]");
        dc_out(&c, bj_floor_divide(w, bj_add(bj_remainder(w, 7), -3)), "floor_divide int32 [300007]");
        dc_out(&c, bj_slice(w, (int64_t[]){BJ_END}, (int64_t[]){BJ_END}, (int64_t[]){-3}), "slice ::-3 [300007]");
        dc_run(&c);
    }
    CHECK(bj_config_set("num_threads", saved) == BJ_OK);
}

/* run_into gives run's results, also when an output is the input it is computed from elementwise. */
static void cpu_run_into(void) {
    bj_trace *t = bj_trace_new("into");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, (int64_t[]){1000});
    bj_val *y = bj_add(bj_mul(bj_exp(bj_neg(x)), 0.5), x);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g);
    bj_array *in = rand_arr(BJ_F32, 1, (int64_t[]){1000}, 3), *want = NULL;
    CHECK(bj_graph_run(g, "interp", &in, 1, &want, 1) == BJ_OK);
    bj_exec *e = g ? bj_compile(g, diff_backend()) : NULL;
    CHECK(e);
    bj_array *out = bj_array_zeros(BJ_F32, 1, (int64_t[]){1000});
    CHECK(e && bj_exec_run_into(e, &in, 1, &out, 1) == BJ_OK);
    CHECK(diff_same(want, out, NULL));
    CHECK(e && bj_exec_run_into(e, &in, 1, &in, 1) == BJ_OK); /* in place */
    CHECK(diff_same(want, in, NULL));
    bj_exec_release(e);
    bj_graph_release(g);
    bj_array_release(in), bj_array_release(out), bj_array_release(want);
}

void tests_cpu(void) {
    RUN(cpu_diff_rules);
    RUN(cpu_op_table_covered);
    RUN(cpu_unary_all_dtypes);
    RUN(cpu_unary_folded_literals);
    RUN(cpu_libm_on_compiler_constants);
    RUN(cpu_binary_same_dtype);
    RUN(cpu_binary_mixed_dtypes);
    RUN(cpu_binary_literals);
    RUN(cpu_where_clip);
    RUN(cpu_astype_all_pairs);
    RUN(cpu_shape_ops);
    RUN(cpu_dynamic_slices);
    RUN(cpu_take_scatter);
    RUN(cpu_reductions);
    RUN(cpu_argmax_ties_nan);
    RUN(cpu_scans);
    RUN(cpu_matmul);
    RUN(cpu_creation);
    RUN(cpu_simplify_bait);
    RUN(cpu_fusion_patterns);
    RUN(cpu_large_arrays);
    RUN(cpu_threaded_kernels);
    RUN(cpu_run_into);
}
