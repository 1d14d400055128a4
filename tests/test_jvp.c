/* test_jvp.c — forward-mode differentiation (bj_jvp_begin / bj_jvp_param / bj_jvp_end, bj_jvp): every
 * differentiable op against central differences in float64 on random inputs (the tangent of f at x along v against
 * (f(x + hv) - f(x - hv)) / 2h), run on "interp" one op at a time and on "cpu" all in one compiled graph (equal to
 * interp's); hand derivatives where JAX defines a value at a kink (maximum's ties, abs'(0), max over ties, prod and
 * cumprod through zeros, sort's permutation); loops, conds and calls inside the differentiated function and the
 * function inside loops (jit traces), nested derivatives, captured values, the hash-consing case (a literal equal
 * to the primal used elsewhere), Variables read inside (constants) and written (an error naming them), and errors. */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#define F64 BJ_F64
#define F32 BJ_F32
#define MAXIN 4

/* ---------------------------------------------------------------- inputs */
static uint64_t rng = 88172645463325252ull;
static double urand(double lo, double hi) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

static bj_array *f64_rand(int rank, const int64_t *shape, double lo, double hi) {
    bj_array *a = bj_array_zeros(F64, rank, shape);
    double *d = a ? bj_array_data(a) : NULL;
    for (int64_t i = 0; d && i < bj_array_size(a); i++) d[i] = urand(lo, hi);
    return a;
}

/* a + s * b, elementwise (float64 arrays of one shape). */
static bj_array *axpy(const bj_array *a, double s, const bj_array *b) {
    bj_array *r = bj_array_copy(a);
    double *d = bj_array_data(r);
    const double *e = bj_array_data(b);
    for (int64_t i = 0; i < bj_array_size(r); i++) d[i] += s * e[i];
    return r;
}

static double aget(const bj_array *a, int64_t i) { return a ? bj_array_get(a, i) : NAN; }

/* ---------------------------------------------------------------- cases: f of float64 inputs, one output */
typedef bj_val *(*jfn)(bj_trace *t, bj_val *const *x);
typedef struct jcase {
    const char *name;
    jfn f;
    int nin;
    int rank[MAXIN];
    int64_t shape[MAXIN][4];
    double lo[MAXIN], hi[MAXIN];
} jcase;

/* Traces f on fresh arguments: with jvp, outputs [f(x), tangent along v] of arguments [x..., v...]; else f(x). */
static bj_val *trace_case(bj_trace *t, const jcase *c, bool jvp, bj_val **dy) {
    bj_val *x[MAXIN], *v[MAXIN], *p[MAXIN];
    for (int i = 0; i < c->nin; i++) x[i] = bj_trace_arg(t, NULL, F64, c->rank[i], c->shape[i]);
    if (!jvp) return c->f(t, x);
    for (int i = 0; i < c->nin; i++) v[i] = bj_trace_arg(t, NULL, F64, c->rank[i], c->shape[i]);
    bj_val *y = NULL;
    if (bj_jvp_begin(t, x, c->nin)) return NULL;
    for (int i = 0; i < c->nin; i++) p[i] = bj_jvp_param(t, i);
    bj_val *out = c->f(t, p);
    if (bj_jvp_end(t, out ? &out : NULL, out ? 1 : 0, v, c->nin, &y, dy)) return NULL;
    return y;
}

static bj_graph *case_graph(const jcase *c, bool jvp) {
    bj_trace *t = bj_trace_new(c->name);
    bj_val *dy = NULL, *y = trace_case(t, c, jvp, &dy);
    bj_val *outs[2] = {y, dy};
    if (!y) {
        printf("    %s: %s\n", c->name, bj_trace_error(t));
        bj_trace_free(t);
        return NULL;
    }
    return bj_trace_finish(t, outs, jvp ? 2 : 1);
}

static bj_array *run1(bj_graph *g, bj_array *const *ins, int nin) {
    bj_array *o = NULL;
    if (bj_graph_run(g, "interp", ins, nin, &o, 1)) printf("    run: %s\n", bj_last_error());
    return o;
}

/* Checks case c on random inputs against central differences (and the primal against f itself) on interp; keeps
 * the inputs and interp's outputs in ins (2 nin) and outs (2) for the cpu comparison. */
static bool check_case(const jcase *c, double tol, bj_array **ins, bj_array **outs) {
    for (int i = 0; i < c->nin; i++) {
        ins[i] = f64_rand(c->rank[i], c->shape[i], c->lo[i], c->hi[i]);
        ins[c->nin + i] = f64_rand(c->rank[i], c->shape[i], -1, 1);
    }
    bj_graph *g = case_graph(c, true), *f = case_graph(c, false);
    bool ok = g && f && !bj_graph_run(g, "interp", ins, 2 * c->nin, outs, 2);
    if (g && f && !ok) printf("    %s: %s\n", c->name, bj_last_error());
    const double h = 1e-6;
    bj_array *xp[MAXIN], *xm[MAXIN];
    for (int i = 0; i < c->nin; i++) {
        xp[i] = axpy(ins[i], h, ins[c->nin + i]);
        xm[i] = axpy(ins[i], -h, ins[c->nin + i]);
    }
    bj_array *y0 = ok ? run1(f, ins, c->nin) : NULL, *yp = ok ? run1(f, xp, c->nin) : NULL;
    bj_array *ym = ok ? run1(f, xm, c->nin) : NULL;
    ok = ok && y0 && yp && ym;
    for (int64_t k = 0; ok && k < bj_array_size(y0); k++) {
        double fd = (aget(yp, k) - aget(ym, k)) / (2 * h), d = aget(outs[1], k);
        if (!test_close(aget(outs[0], k), aget(y0, k), 1e-14) || !test_close(d, fd, tol)) {
            printf("    %s[%lld]: f %.17g (want %.17g), tangent %.17g, central difference %.17g\n", c->name,
                   (long long)k, aget(outs[0], k), aget(y0, k), d, fd);
            ok = false;
        }
    }
    ok = ok && bj_array_dtype(outs[1]) == F64 && bj_array_size(outs[1]) == bj_array_size(y0);
    test_release_all(c->nin, xp), test_release_all(c->nin, xm);
    bj_array_release(y0), bj_array_release(yp), bj_array_release(ym);
    bj_graph_release(g), bj_graph_release(f);
    return ok;
}

/* Every case in one graph compiled for "cpu": its values and tangents equal interp's. */
static void check_cpu(const jcase *cs, int n, bj_array *(*ins)[2 * MAXIN], bj_array *(*outs)[2]) {
    bj_trace *t = bj_trace_new("jvp_all");
    bj_val **o = calloc((size_t)(2 * n), sizeof *o);
    for (int c = 0; c < n; c++) o[2 * c] = trace_case(t, &cs[c], true, &o[2 * c + 1]);
    bj_graph *g = bj_trace_finish(t, o, 2 * n);
    CHECK_MSG(g, "%s", bj_last_error());
    int nin = 0;
    for (int c = 0; c < n; c++) nin += 2 * cs[c].nin;
    bj_array **in = calloc((size_t)nin, sizeof *in), **out = calloc((size_t)(2 * n), sizeof *out);
    for (int c = 0, k = 0; c < n; c++)
        for (int i = 0; i < 2 * cs[c].nin; i++) in[k++] = ins[c][i];
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    CHECK_MSG(!g || e, "%s", bj_last_error());
    bool ran = e && !bj_exec_run(e, in, nin, out, 2 * n);
    CHECK_MSG(!e || ran, "%s", bj_last_error());
    for (int c = 0; ran && c < n; c++)
        for (int r = 0; r < 2; r++) {
            bool same = outs[c][r] && bj_array_size(out[2 * c + r]) == bj_array_size(outs[c][r]);
            for (int64_t k = 0; same && k < bj_array_size(outs[c][r]); k++)
                same = test_close(aget(out[2 * c + r], k), aget(outs[c][r], k), 1e-13);
            CHECK_MSG(same, "%s: cpu's %s differs from interp's", cs[c].name, r ? "tangent" : "value");
        }
    test_release_all(2 * n, out);
    bj_exec_release(e), bj_graph_release(g);
    free(in), free(out), free(o);
}

static void run_cases(const jcase *cs, int n, double tol) {
    bj_array *(*ins)[2 * MAXIN] = calloc((size_t)n, sizeof *ins);
    bj_array *(*outs)[2] = calloc((size_t)n, sizeof *outs);
    for (int c = 0; c < n; c++) CHECK_MSG(check_case(&cs[c], tol, ins[c], outs[c]), "case %s", cs[c].name);
    check_cpu(cs, n, ins, outs);
    for (int c = 0; c < n; c++) test_release_all(2 * cs[c].nin, ins[c]), test_release_all(2, outs[c]);
    free(ins), free(outs);
}

#define S1(a) 1, {a}
#define CASE1(nm, fn, lo_, hi_) {nm, fn, 1, {2}, {{3, 4}}, {lo_}, {hi_}}
#define CASE2(nm, fn, lo0, hi0, lo1, hi1) {nm, fn, 2, {2, 2}, {{3, 4}, {3, 4}}, {lo0, lo1}, {hi0, hi1}}

/* ---------------------------------------------------------------- elementwise */
#define UN(name) static bj_val *u_##name(bj_trace *t, bj_val *const *x) { (void)t; return bj_##name(x[0]); }
UN(neg) UN(abs) UN(exp) UN(exp2) UN(expm1) UN(log) UN(log1p) UN(log2) UN(sqrt) UN(rsqrt) UN(square) UN(reciprocal)
UN(sin) UN(cos) UN(tan) UN(tanh) UN(sinh) UN(cosh) UN(arcsin) UN(arccos) UN(arctan) UN(sigmoid)
#define BI(name) static bj_val *b_##name(bj_trace *t, bj_val *const *x) { (void)t; return bj_##name(x[0], x[1]); }
BI(add) BI(sub) BI(mul) BI(div) BI(pow) BI(maximum) BI(minimum) BI(atan2) BI(hypot) BI(remainder)

static bj_val *f_add_bcast(bj_trace *t, bj_val *const *x) { (void)t; return bj_add(x[0], x[1]); }
static bj_val *f_mul_scalar(bj_trace *t, bj_val *const *x) { (void)t; return bj_mul(bj_sub(x[0], 0.5), x[1]); }
static bj_val *f_where(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_where(bj_gt(x[0], 0.0), bj_mul(x[0], x[1]), bj_sin(x[1]));
}
static bj_val *f_where_lit(bj_trace *t, bj_val *const *x) { (void)t; return bj_where(bj_gt(x[0], 0.0), x[0], 2.0); }
static bj_val *f_clip(bj_trace *t, bj_val *const *x) { (void)t; return bj_clip(bj_mul(x[0], 3.0), -0.5, 0.5); }
static bj_val *f_clip3(bj_trace *t, bj_val *const *x) { (void)t; return bj_clip(x[0], x[1], x[2]); }
static bj_val *f_rounding(bj_trace *t, bj_val *const *x) { /* zero derivative pieces plus x */
    (void)t;
    bj_val *z = bj_add(bj_add(bj_floor(x[0]), bj_ceil(x[0])), bj_add(bj_round(x[0]), bj_trunc(x[0])));
    return bj_add(bj_add(z, bj_sign(x[0])), bj_add(x[0], bj_floor_divide(x[0], 0.7)));
}
static bj_val *f_int_path(bj_trace *t, bj_val *const *x) { /* an integer detour carries no tangent */
    (void)t;
    bj_val *k = bj_astype(bj_mul(x[0], 10.0), BJ_I32);
    return bj_add(bj_mul(x[0], bj_astype(k, F64)), bj_astype(bj_gt(x[0], 0.0), F64));
}
static bj_val *f_softplus(bj_trace *t, bj_val *const *x) { (void)t; return bj_log1p(bj_exp(bj_neg(bj_abs(x[0])))); }
static bj_val *f_random(bj_trace *t, bj_val *const *x) { /* a draw is a constant */
    bj_val *u = bj_random_uniform(bj_random_key_const(t, 7), F64, 2, ((int64_t[]){3, 4}), 0.0, 1.0);
    return bj_mul(x[0], bj_add(u, x[0]));
}

static void jvp_elementwise(void) {
    static const jcase cs[] = {
        CASE1("neg", u_neg, -2, 2), CASE1("abs", u_abs, -2, 2), CASE1("exp", u_exp, -2, 2),
        CASE1("exp2", u_exp2, -2, 2), CASE1("expm1", u_expm1, -2, 2), CASE1("log", u_log, 0.3, 3),
        CASE1("log1p", u_log1p, -0.5, 3), CASE1("log2", u_log2, 0.3, 3), CASE1("sqrt", u_sqrt, 0.3, 3),
        CASE1("rsqrt", u_rsqrt, 0.3, 3), CASE1("square", u_square, -2, 2), CASE1("reciprocal", u_reciprocal, 0.3, 3),
        CASE1("sin", u_sin, -3, 3), CASE1("cos", u_cos, -3, 3), CASE1("tan", u_tan, -1.2, 1.2),
        CASE1("tanh", u_tanh, -2, 2), CASE1("sinh", u_sinh, -2, 2), CASE1("cosh", u_cosh, -2, 2),
        CASE1("arcsin", u_arcsin, -0.9, 0.9), CASE1("arccos", u_arccos, -0.9, 0.9), CASE1("arctan", u_arctan, -3, 3),
        CASE1("sigmoid", u_sigmoid, -4, 4), CASE2("add", b_add, -2, 2, -2, 2), CASE2("sub", b_sub, -2, 2, -2, 2),
        CASE2("mul", b_mul, -2, 2, -2, 2), CASE2("div", b_div, -2, 2, 0.5, 2), CASE2("pow", b_pow, 0.3, 2, -2, 2),
        CASE2("maximum", b_maximum, -2, 2, -2, 2), CASE2("minimum", b_minimum, -2, 2, -2, 2),
        CASE2("atan2", b_atan2, -2, 2, -2, 2), CASE2("hypot", b_hypot, -2, 2, -2, 2),
        CASE2("remainder", b_remainder, 0.1, 3, 0.7, 1.3), CASE2("where", f_where, -1, 1, -2, 2),
        CASE1("where_lit", f_where_lit, -1, 1), CASE1("clip", f_clip, -1, 1),
        {"clip3", f_clip3, 3, {2, 2, 2}, {{3, 4}, {3, 4}, {3, 4}}, {-2, -1.5, 0.5}, {2, -0.5, 1.5}},
        {"add_broadcast", f_add_bcast, 2, {2, 1}, {{3, 1}, {4}}, {-1, -1}, {1, 1}},
        {"mul_scalar", f_mul_scalar, 2, {2, 0}, {{3, 4}, {0}}, {-1, -1}, {1, 1}},
        CASE1("rounding", f_rounding, -2, 2), CASE1("int_path", f_int_path, -2, 2),
        CASE1("softplus", f_softplus, -3, 3), CASE1("random", f_random, -1, 1),
    };
    run_cases(cs, (int)(sizeof cs / sizeof cs[0]), 1e-6);
}

/* ---------------------------------------------------------------- shapes and indexing */
static bj_val *f_reshape(bj_trace *t, bj_val *const *x) { (void)t; return bj_sin(bj_reshape(x[0], 2, SH(2, 6))); }
static bj_val *f_bcast(bj_trace *t, bj_val *const *x) { (void)t; return bj_broadcast_to(x[0], 3, SH(2, 3, 4)); }
static bj_val *f_transpose(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_mul(bj_transpose(x[0], NULL), bj_transpose(x[1], NULL));
}
static bj_val *f_concat(bj_trace *t, bj_val *const *x) { /* an active and a constant operand */
    bj_val *c = bj_ones(t, F64, 2, SH(3, 4));
    return bj_concatenate((bj_val *[]){bj_exp(x[0]), c, bj_mul(x[0], x[1])}, 3, 1);
}
static bj_val *f_slice(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_slice(bj_square(x[0]), (int64_t[]){1, 3}, (int64_t[]){BJ_END, 0}, (int64_t[]){1, -2});
}
static bj_val *f_flip(bj_trace *t, bj_val *const *x) { (void)t; return bj_mul(bj_flip(x[0], 0, NULL), x[1]); }
static bj_val *f_dslice(bj_trace *t, bj_val *const *x) {
    bj_val *st[2] = {bj_lit(t, BJ_I32, 1), bj_lit(t, BJ_I32, 2)};
    return bj_dynamic_slice(bj_mul(x[0], x[0]), st, SH(2, 2));
}
static bj_val *f_dus(bj_trace *t, bj_val *const *x) {
    bj_val *st[2] = {bj_lit(t, BJ_I32, 1), bj_lit(t, BJ_I32, 1)};
    bj_val *u = bj_slice(bj_sin(x[1]), NULL, (int64_t[]){2, 3}, NULL);
    return bj_dynamic_update_slice(bj_exp(x[0]), u, st);
}
static bj_array *idx_arr(void) { return bj_array_new(BJ_I32, 1, SH(5), (int32_t[]){2, 0, 2, -1, 1}); }
static bj_val *f_take(bj_trace *t, bj_val *const *x) {
    bj_array *i = idx_arr();
    bj_val *r = bj_mul(bj_take(x[0], bj_trace_const(t, i), 1), 2.0);
    bj_array_release(i);
    return r;
}
static bj_val *f_scatter(bj_trace *t, bj_val *const *x, bool add) {
    bj_array *i = bj_array_new(BJ_I32, 1, SH(3), (int32_t[]){2, 0, 2});
    bj_val *u = bj_slice(bj_tanh(x[1]), NULL, (int64_t[]){3, 3}, NULL);
    bj_val *idx = bj_trace_const(t, i), *b = bj_mul(x[0], 3.0);
    bj_array_release(i);
    return add ? bj_scatter_add(b, idx, u, 1) : bj_scatter_set(b, idx, u, 1);
}
static bj_val *f_scatter_set(bj_trace *t, bj_val *const *x) { return f_scatter(t, x, false); }
static bj_val *f_scatter_add(bj_trace *t, bj_val *const *x) { return f_scatter(t, x, true); }
static bj_val *f_composites(bj_trace *t, bj_val *const *x) { /* expand_dims, squeeze, stack, tile, repeat */
    (void)t;
    bj_val *a = bj_squeeze(bj_expand_dims(x[0], 1), 1, (int[]){1});
    bj_val *s = bj_stack((bj_val *[]){a, bj_cos(x[0])}, 2, 0);
    bj_val *r = bj_tile(bj_repeat(x[0], 2, 0), 2, SH(1, 2));
    return bj_add(bj_sum(s, 1, (int[]){0}, false), bj_slice(r, (int64_t[]){0, 0}, (int64_t[]){3, 4}, NULL));
}

static void jvp_shapes_and_indexing(void) {
    static const jcase cs[] = {
        CASE1("reshape", f_reshape, -2, 2), CASE1("broadcast_to", f_bcast, -2, 2),
        CASE2("transpose", f_transpose, -2, 2, -2, 2), CASE2("concatenate", f_concat, -2, 2, -2, 2),
        CASE1("slice", f_slice, -2, 2), CASE2("flip", f_flip, -2, 2, -2, 2), CASE1("dynamic_slice", f_dslice, -2, 2),
        CASE2("dynamic_update_slice", f_dus, -2, 2, -2, 2), CASE1("take", f_take, -2, 2),
        CASE2("scatter_set", f_scatter_set, -2, 2, -2, 2), CASE2("scatter_add", f_scatter_add, -2, 2, -2, 2),
        CASE1("composites", f_composites, -2, 2),
    };
    run_cases(cs, (int)(sizeof cs / sizeof cs[0]), 1e-6);
}

/* ---------------------------------------------------------------- reductions, scans, sort, matmul */
static bj_val *f_sum(bj_trace *t, bj_val *const *x) { (void)t; return bj_sum(bj_exp(x[0]), 1, (int[]){1}, false); }
static bj_val *f_sum_all(bj_trace *t, bj_val *const *x) { (void)t; return bj_sum(bj_mul(x[0], x[0]), 0, NULL, true); }
static bj_val *f_mean(bj_trace *t, bj_val *const *x) { (void)t; return bj_mean(bj_sin(x[0]), 1, (int[]){0}, true); }
static bj_val *f_prod(bj_trace *t, bj_val *const *x) { (void)t; return bj_prod(x[0], 1, (int[]){1}, false); }
static bj_val *f_prod0(bj_trace *t, bj_val *const *x) { (void)t; return bj_prod(x[0], 2, (int[]){0, 2}, true); }
static bj_val *f_prod_all(bj_trace *t, bj_val *const *x) { (void)t; return bj_prod(x[0], 0, NULL, false); }
static bj_val *f_max(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_max(bj_mul(x[0], x[1]), 1, (int[]){1}, false);
}
static bj_val *f_min(bj_trace *t, bj_val *const *x) { (void)t; return bj_min(x[0], 1, (int[]){0}, true); }
static bj_val *f_cumsum(bj_trace *t, bj_val *const *x) { (void)t; return bj_cumsum(bj_square(x[0]), 1); }
static bj_val *f_cumprod(bj_trace *t, bj_val *const *x) { (void)t; return bj_cumprod(x[0], 0); }
static bj_val *f_sort0(bj_trace *t, bj_val *const *x) { (void)t; return bj_sort(bj_mul(x[0], x[1]), 0); }
static bj_val *f_sort1(bj_trace *t, bj_val *const *x) { (void)t; return bj_sort(x[0], -1); }
static bj_val *f_sort3(bj_trace *t, bj_val *const *x) { (void)t; return bj_sort(x[0], 1); }
static bj_val *f_matmul(bj_trace *t, bj_val *const *x) { (void)t; return bj_matmul(x[0], x[1]); }
static bj_val *f_dot(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_add(bj_dot(x[0], x[1]), bj_sum(bj_outer(x[0], x[1]), 0, NULL, false));
}
static bj_val *f_bmm(bj_trace *t, bj_val *const *x) { (void)t; return bj_matmul(x[0], bj_exp(x[1])); }

static void jvp_reductions(void) {
    static const jcase cs[] = {
        CASE1("sum", f_sum, -2, 2), CASE1("sum_all", f_sum_all, -2, 2), CASE1("mean", f_mean, -2, 2),
        CASE1("prod", f_prod, -2, 2), {"prod_axes", f_prod0, 1, {3}, {{2, 3, 4}}, {-2}, {2}},
        CASE1("prod_all", f_prod_all, 0.5, 1.5), CASE2("max", f_max, -2, 2, -2, 2), CASE1("min", f_min, -2, 2),
        CASE1("cumsum", f_cumsum, -2, 2), CASE1("cumprod", f_cumprod, -2, 2), CASE2("sort0", f_sort0, -2, 2, -2, 2),
        {"sort1", f_sort1, 1, {1}, {{7}}, {-2}, {2}}, {"sort3", f_sort3, 1, {3}, {{2, 5, 3}}, {-2}, {2}},
        {"matmul", f_matmul, 2, {2, 2}, {{2, 3}, {3, 4}}, {-2, -2}, {2, 2}},
        {"dot_outer", f_dot, 2, {1, 1}, {{3}, {3}}, {-2, -2}, {2, 2}},
        {"matmul_batch", f_bmm, 2, {3, 2}, {{2, 2, 3}, {3, 2}}, {-2, -2}, {2, 2}},
    };
    run_cases(cs, (int)(sizeof cs / sizeof cs[0]), 1e-6);
}

/* ---------------------------------------------------------------- sparse connectivity */
static bj_val *csr_const(bj_trace *t, bool indices) {
    bj_array *a = indices ? bj_array_new(BJ_I32, 1, SH(6), (int32_t[]){0, 2, 1, 0, 1, 2})
                          : bj_array_new(BJ_I32, 1, SH(5), (int32_t[]){0, 2, 3, 3, 6});
    bj_val *v = bj_trace_const(t, a);
    bj_array_release(a);
    return v;
}
static bj_val *spikes_const(bj_trace *t, int n) {
    bool s[8] = {1, 0, 1, 1, 0, 1, 1, 0};
    bj_array *a = bj_array_new(BJ_BOOL, 1, SH(n), s);
    bj_val *v = bj_trace_const(t, a);
    bj_array_release(a);
    return v;
}
static bj_val *f_csrmv(bj_trace *t, bj_val *const *x) { /* w [6], x [4] */
    return bj_csrmv(csr_const(t, false), csr_const(t, true), bj_exp(x[0]), bj_sin(x[1]), 3);
}
static bj_val *f_csrmv_homo(bj_trace *t, bj_val *const *x) { /* w [] */
    return bj_csrmv(csr_const(t, false), csr_const(t, true), x[0], bj_square(x[1]), 3);
}
static bj_val *f_event_csrmv(bj_trace *t, bj_val *const *x) {
    return bj_event_csrmv(csr_const(t, false), csr_const(t, true), bj_exp(x[0]), spikes_const(t, 4), 3);
}
static bj_val *f_jitconn(bj_trace *t, bj_val *const *x) { /* x [8], w [] */
    (void)t;
    return bj_jitconn_mv(bj_sin(x[0]), bj_square(x[1]), 0.5, 3, 6, true);
}
static bj_val *f_jitconn_event(bj_trace *t, bj_val *const *x) {
    return bj_jitconn_event_mv(spikes_const(t, 8), bj_exp(x[1]), 0.5, 3, 6, false);
}
static bj_val *f_jitconn_uniform(bj_trace *t, bj_val *const *x) { /* x [8], a [], b [] */
    (void)t;
    return bj_jitconn_mv_uniform(bj_sin(x[0]), x[1], bj_add(x[1], bj_exp(x[2])), 0.5, 3, 6, true);
}
static bj_val *f_jitconn_normal(bj_trace *t, bj_val *const *x) {
    (void)t;
    return bj_jitconn_mv_normal(bj_sin(x[0]), x[1], bj_square(x[2]), 0.5, 3, 6, true);
}
static bj_val *f_jitconn_event_uniform(bj_trace *t, bj_val *const *x) {
    return bj_jitconn_event_mv_uniform(spikes_const(t, 8), x[1], bj_add(x[1], bj_exp(x[2])), 0.5, 3, 6, true);
}
static bj_val *f_jitconn_event_normal(bj_trace *t, bj_val *const *x) {
    return bj_jitconn_event_mv_normal(spikes_const(t, 8), bj_mul(x[1], 0.5), bj_square(x[2]), 0.5, 3, 6, true);
}

static void jvp_sparse(void) {
    static const jcase cs[] = {
        {"csrmv", f_csrmv, 2, {1, 1}, {{6}, {4}}, {-1, -2}, {1, 2}},
        {"csrmv_homogeneous", f_csrmv_homo, 2, {0, 1}, {{0}, {4}}, {-1, -2}, {1, 2}},
        {"event_csrmv", f_event_csrmv, 1, {1}, {{6}}, {-1}, {1}},
        {"jitconn_mv", f_jitconn, 2, {1, 0}, {{8}, {0}}, {-2, -1}, {2, 1}},
        {"jitconn_event_mv", f_jitconn_event, 2, {1, 0}, {{8}, {0}}, {-2, -1}, {2, 1}},
        {"jitconn_mv_uniform", f_jitconn_uniform, 3, {1, 0, 0}, {{8}, {0}, {0}}, {-2, -1, -1}, {2, 1, 1}},
        {"jitconn_mv_normal", f_jitconn_normal, 3, {1, 0, 0}, {{8}, {0}, {0}}, {-2, -1, -1}, {2, 1, 1}},
        {"jitconn_event_mv_uniform", f_jitconn_event_uniform, 3, {1, 0, 0}, {{8}, {0}, {0}}, {-2, -1, -1}, {2, 1, 1}},
        {"jitconn_event_mv_normal", f_jitconn_event_normal, 3, {1, 0, 0}, {{8}, {0}, {0}}, {-2, -1, -1}, {2, 1, 1}},
    };
    run_cases(cs, (int)(sizeof cs / sizeof cs[0]), 1e-6);
}

/* ---------------------------------------------------------------- hand derivatives (kinks, zeros, dtypes) */
/* Traces f on constant primals x (and tangents v), runs on both backends; value and tangent as want (tol). */
typedef bj_val *(*hfn)(bj_trace *t, bj_val *x);
static void hand(const char *name, hfn f, bj_array *x, bj_array *v, const double *want_y, const double *want_dy,
                 double tol) {
    static const char *const backends[2] = {"interp", "cpu"};
    for (int b = 0; b < 2; b++) {
        bj_trace *t = bj_trace_new(name);
        bj_val *xv = bj_trace_arg(t, "x", bj_array_dtype(x), bj_array_rank(x), bj_array_shape(x));
        bj_val *vv = bj_trace_arg(t, "v", bj_array_dtype(v), bj_array_rank(v), bj_array_shape(v));
        bj_val *y = NULL, *dy = NULL;
        bj_jvp_begin(t, &xv, 1);
        bj_val *o = f(t, bj_jvp_param(t, 0));
        bj_jvp_end(t, &o, 1, &vv, 1, &y, &dy);
        bj_graph *g = bj_trace_finish(t, (bj_val *[]){y, dy}, 2);
        bj_array *out[2] = {0};
        bool ok = g && !bj_graph_run(g, backends[b], (bj_array *[]){x, v}, 2, out, 2);
        CHECK_MSG(ok, "%s on %s: %s", name, backends[b], bj_last_error());
        for (int64_t k = 0; ok && k < bj_array_size(out[0]); k++)
            CHECK_MSG(test_close(aget(out[0], k), want_y[k], tol) && test_close(aget(out[1], k), want_dy[k], tol),
                      "%s on %s [%lld]: %.17g, %.17g; want %.17g, %.17g", name, backends[b], (long long)k,
                      aget(out[0], k), aget(out[1], k), want_y[k], want_dy[k]);
        if (ok) CHECK(bj_array_dtype(out[1]) == bj_array_dtype(out[0]));
        test_release_all(2, out);
        bj_graph_release(g);
    }
    bj_array_release(x), bj_array_release(v);
}

static bj_val *h_max_tie(bj_trace *t, bj_val *x) { /* maximum(x, 1) at x = 1: half the tangent, as JAX */
    (void)t;
    return bj_add(bj_maximum(x, 1.0), bj_minimum(x, 1.0));
}
static bj_val *h_max_tie_only(bj_trace *t, bj_val *x) { (void)t; return bj_maximum(x, 1.0); }
static bj_val *h_abs(bj_trace *t, bj_val *x) { (void)t; return bj_abs(x); }
static bj_val *h_maxred(bj_trace *t, bj_val *x) { (void)t; return bj_max(x, 0, NULL, false); }
static bj_val *h_prod(bj_trace *t, bj_val *x) { (void)t; return bj_prod(x, 0, NULL, false); }
static bj_val *h_cumprod(bj_trace *t, bj_val *x) { (void)t; return bj_cumprod(x, 0); }
static bj_val *h_sort(bj_trace *t, bj_val *x) { (void)t; return bj_sort(x, 0); }
static bj_val *h_clip(bj_trace *t, bj_val *x) { (void)t; return bj_clip(x, -0.5, 0.5); }
static bj_val *h_pow0(bj_trace *t, bj_val *x) { (void)t; return bj_add(bj_pow(x, 0.0), bj_pow(0.0, x)); }
static bj_val *h_flat(bj_trace *t, bj_val *x) { /* zero derivative everywhere */
    (void)t;
    return bj_add(bj_add(bj_floor(x), bj_sign(x)), bj_astype(bj_gt(x, 0.0), F64));
}
static bj_val *h_f32(bj_trace *t, bj_val *x) { (void)t; return bj_mul(bj_exp(x), 2.0); }
static bj_val *h_to_f32(bj_trace *t, bj_val *x) { (void)t; return bj_astype(bj_mul(x, 3.0), F32); }
static bj_val *h_to_int(bj_trace *t, bj_val *x) { (void)t; return bj_astype(x, BJ_I32); }

static bj_array *f64v(int n, const double *v) { return bj_array_new(F64, 1, SH(n), v); }

static void jvp_hand_derivatives(void) {
    hand("maximum_tie", h_max_tie, f64v(2, V(1, 2)), f64v(2, V(1, 1)), V(2, 3), V(1, 1), 0);
    hand("maximum_tie_half", h_max_tie_only, f64v(3, V(1, 2, 0)), f64v(3, V(4, 1, 1)), V(1, 2, 1), V(2, 1, 0), 0);
    hand("abs_at_zero", h_abs, f64v(3, V(0, -0.0, -2)), f64v(3, V(3, 3, 3)), V(0, 0, 2), V(3, 3, -3), 0);
    hand("max_ties_average", h_maxred, f64v(3, V(1, 3, 3)), f64v(3, V(5, 1, 2)), V(3), V(1.5), 0);
    hand("prod_one_zero", h_prod, f64v(3, V(2, 0, 3)), f64v(3, V(1, 1, 1)), V(0), V(6), 0);
    hand("prod_two_zeros", h_prod, f64v(3, V(0, 5, 0)), f64v(3, V(1, 1, 1)), V(0), V(0), 0);
    hand("cumprod_zero", h_cumprod, f64v(4, V(2, 0, 3, 4)), f64v(4, V(1, 1, 1, 1)), V(2, 0, 0, 0), V(1, 2, 6, 24), 0);
    hand("cumprod_two_zeros", h_cumprod, f64v(4, V(0, 2, 0, 4)), f64v(4, V(1, 1, 1, 1)), V(0, 0, 0, 0),
         V(1, 2, 0, 0), 0);
    hand("sort_permutes", h_sort, f64v(3, V(3, 1, 2)), f64v(3, V(10, 20, 30)), V(1, 2, 3), V(20, 30, 10), 0);
    hand("clip_bounds", h_clip, f64v(3, V(0.5, 2, 0)), f64v(3, V(1, 1, 1)), V(0.5, 0.5, 0), V(0.5, 0, 1), 0);
    hand("pow_zero", h_pow0, f64v(2, V(0, 2)), f64v(2, V(1, 1)), V(2, 1), V(0, 0), 0); /* JAX's special cases */
    hand("zero_derivative", h_flat, f64v(3, V(0.3, -1.7, 2.5)), f64v(3, V(1, 1, 1)), V(2, -3, 4), V(0, 0, 0), 0);
    float xf[2] = {0.5f, -1}, vf[2] = {1, 2};
    hand("float32_stays", h_f32, bj_array_new(F32, 1, SH(2), xf), bj_array_new(F32, 1, SH(2), vf),
         V(2 * exp(0.5), 2 * exp(-1.0)), V(2 * exp(0.5), 4 * exp(-1.0)), 1e-6);
    hand("cast_to_f32", h_to_f32, f64v(2, V(0.1, 1)), f64v(2, V(1, -2)), V(0.3, 3), V(3, -6), 1e-6);
    hand("cast_to_int", h_to_int, f64v(2, V(1.7, -2.2)), f64v(2, V(1, 1)), V(1, -2), V(0, 0), 0);
}

/* ---------------------------------------------------------------- plain-trace cases: captures, hash-consing */
static void jvp_captured_and_hash_consing(void) {
    bj_trace *t = bj_trace_new("capture");
    bj_val *w = bj_trace_arg(t, "w", F64, 1, SH(3)), *v = bj_trace_arg(t, "v", F64, 0, NULL);
    /* the primal is the strong literal 3.0; the same literal is used outside (3 * w), and inside a captured value
     * equal to it would be merged with it by hash-consing: only uses of the parameter count */
    bj_val *three = bj_lit(t, F64, 3.0);
    bj_val *outside = bj_mul(w, three);
    bj_val *y = NULL, *dy = NULL;
    CHECK(!bj_jvp_begin(t, &three, 1));
    bj_val *p = bj_jvp_param(t, 0);
    CHECK(p != three);
    bj_val *o = bj_add(bj_mul(bj_mul(p, p), w), bj_mul(bj_lit(t, F64, 3.0), three)); /* p^2 w + 9 */
    CHECK(!bj_jvp_end(t, &o, 1, &v, 1, &y, &dy));
    bj_graph *g = bj_trace_finish(t, (bj_val *[]){y, dy, outside}, 3);
    CHECK_MSG(g, "%s", bj_last_error());
    bj_array *in[2] = {f64v(3, V(1, 2, -1)), test_scalar(F64, 0.5)}, *out[3] = {0};
    for (int b = 0; g && b < 2; b++) {
        CHECK(!bj_graph_run(g, b ? "cpu" : "interp", in, 2, out, 3));
        CHECK(test_arr_eq(out[0], F64, 1, SH(3), V(18, 27, 0), 0));
        CHECK(test_arr_eq(out[1], F64, 1, SH(3), V(3, 6, -3), 0)); /* 2 * 3 * w * 0.5 */
        CHECK(test_arr_eq(out[2], F64, 1, SH(3), V(3, 6, -3), 0));
        test_release_all(3, out);
    }
    test_release_all(2, in);
    bj_graph_release(g);

    /* outputs that are a parameter, a captured value, an integer, and the same output twice */
    t = bj_trace_new("outputs");
    bj_val *x = bj_trace_arg(t, "x", F64, 1, SH(2)), *tv = bj_trace_arg(t, "t", F64, 1, SH(2));
    bj_val *k = bj_trace_arg(t, "k", BJ_I32, 0, NULL);
    bj_val *res[4], *tan[4];
    CHECK(!bj_jvp_begin(t, &x, 1));
    p = bj_jvp_param(t, 0);
    bj_val *outs[4] = {p, k, bj_argmax(p, 0, false), p};
    CHECK(!bj_jvp_end(t, outs, 4, &tv, 1, res, tan));
    g = bj_trace_finish(t, (bj_val *[]){res[0], tan[0], res[1], tan[1], tan[2], tan[3]}, 6);
    CHECK_MSG(g, "%s", bj_last_error());
    bj_array *in2[3] = {f64v(2, V(1, 5)), f64v(2, V(7, 8)), test_scalar(BJ_I32, 4)}, *o6[6] = {0};
    for (int b = 0; g && b < 2; b++) {
        CHECK(!bj_graph_run(g, b ? "cpu" : "interp", in2, 3, o6, 6));
        CHECK(test_arr_eq(o6[0], F64, 1, SH(2), V(1, 5), 0) && test_arr_eq(o6[1], F64, 1, SH(2), V(7, 8), 0));
        CHECK(test_arr_eq(o6[2], BJ_I32, 0, NULL, V(4), 0) && test_arr_eq(o6[3], BJ_I32, 0, NULL, V(0), 0));
        CHECK(bj_array_dtype(o6[4]) == bj_array_dtype(o6[2]) || bj_array_dtype(o6[4]) == BJ_I64);
        CHECK(test_arr_eq(o6[5], F64, 1, SH(2), V(7, 8), 0));
        test_release_all(6, o6);
    }
    test_release_all(3, in2);
    bj_graph_release(g);

    /* a weakly typed scalar tangent takes the primal's dtype; no primals at all is fine */
    t = bj_trace_new("weak");
    x = bj_trace_arg(t, "x", F32, 0, NULL);
    bj_val *wt = bj_lit_f64(t, 2.0, true);
    CHECK(!bj_jvp_begin(t, &x, 1));
    o = bj_mul(bj_jvp_param(t, 0), 3.0);
    CHECK(!bj_jvp_end(t, &o, 1, &wt, 1, &y, &dy));
    bj_val *y0;
    CHECK(!bj_jvp_begin(t, NULL, 0));
    CHECK(!bj_jvp_end(t, &x, 1, NULL, 0, &y0, NULL));
    g = bj_trace_finish(t, (bj_val *[]){dy, y0}, 2);
    bj_array *x1 = test_scalar(F32, 1), *o2[2] = {0};
    CHECK(g && !bj_graph_run(g, "interp", &x1, 1, o2, 2));
    CHECK(test_arr_eq(o2[0], F32, 0, NULL, V(6), 0) && test_arr_eq(o2[1], F32, 0, NULL, V(1), 0));
    test_release_all(2, o2);
    bj_array_release(x1);
    bj_graph_release(g);
}

/* Nested: the derivative of a derivative (x^3 -> 3x^2 -> 6x), and a function of the outer input inside. */
static bj_val *cube(bj_trace *t, bj_val *x) { (void)t; return bj_mul(bj_mul(x, x), x); }
/* stop_gradient is the identity with a zero derivative: d/dx [x * sg(x) + sg(x)^2] = sg(x) = x, not 2x + 2x */
static void jvp_stop_gradient(void) {
    bj_trace *t = bj_trace_new("stop_gradient");
    bj_val *x = bj_trace_arg(t, "x", F64, 1, SH(3)), *v = bj_trace_arg(t, "v", F64, 1, SH(3));
    bj_val *y = NULL, *dy = NULL;
    CHECK(!bj_jvp_begin(t, &x, 1));
    bj_val *p = bj_jvp_param(t, 0), *sg = bj_stop_gradient(p);
    bj_val *o = bj_add(bj_mul(p, sg), bj_mul(sg, sg));
    CHECK(!bj_jvp_end(t, &o, 1, &v, 1, &y, &dy));
    bj_graph *g = bj_trace_finish(t, (bj_val *[]){y, dy, bj_stop_gradient(x)}, 3);
    CHECK_MSG(g, "%s", bj_last_error());
    bj_array *in[2] = {f64v(3, V(1, -2, 0.5)), f64v(3, V(1, 1, 2))}, *out[3] = {0};
    for (int b = 0; g && b < 2; b++) {
        CHECK(!bj_graph_run(g, b ? "cpu" : "interp", in, 2, out, 3));
        CHECK(test_arr_eq(out[0], F64, 1, SH(3), V(2, 8, 0.5), 0));
        CHECK(test_arr_eq(out[1], F64, 1, SH(3), V(1, -2, 1), 0)); /* sg(x) * v */
        CHECK(test_arr_eq(out[2], F64, 1, SH(3), V(1, -2, 0.5), 0));
        test_release_all(3, out);
    }
    test_release_all(2, in);
    bj_graph_release(g);
}

static void jvp_nested(void) {
    bj_trace *t;
    bj_val *x, *one, *p, *q, *inner[2], *innert[2];
    t = bj_trace_new("second");
    x = bj_trace_arg(t, "x", F64, 1, SH(3)), one = bj_ones(t, F64, 1, SH(3));
    bj_val *r1[2], *r2[2]; /* q^3 and q^3 p at q = p = x: inner tangents 3x^2 and 3x^3; their tangents 6x, 9x^2 */
    CHECK(!bj_jvp_begin(t, &x, 1));
    p = bj_jvp_param(t, 0);
    CHECK(!bj_jvp_begin(t, &p, 1));
    q = bj_jvp_param(t, 0);
    bj_val *io2[2] = {cube(t, q), bj_mul(cube(t, q), p)};
    CHECK(!bj_jvp_end(t, io2, 2, &one, 1, inner, innert));
    CHECK(!bj_jvp_end(t, innert, 2, &one, 1, r1, r2));
    bj_graph *g = bj_trace_finish(t, (bj_val *[]){r1[0], r1[1], r2[0], r2[1]}, 4);
    CHECK_MSG(g, "%s", bj_last_error());
    bj_array *in = f64v(3, V(1, 2, -3)), *o[4] = {0};
    for (int b = 0; g && b < 2; b++) {
        CHECK(!bj_graph_run(g, b ? "cpu" : "interp", &in, 1, o, 4));
        CHECK(test_arr_eq(o[0], F64, 1, SH(3), V(3, 12, 27), 1e-12));
        CHECK(test_arr_eq(o[1], F64, 1, SH(3), V(3, 24, -81), 1e-12));
        CHECK(test_arr_eq(o[2], F64, 1, SH(3), V(6, 12, -18), 1e-12));
        CHECK(test_arr_eq(o[3], F64, 1, SH(3), V(9, 36, 81), 1e-12));
        test_release_all(4, o);
    }
    bj_array_release(in);
    bj_graph_release(g);
}

/* ---------------------------------------------------------------- inside jit traces: loops, conds, calls */
typedef bj_val *(*jitfn)(bj_trace *t, bj_val *x);
typedef struct jf_ud {
    jitfn f;
} jf_ud;

static bj_status jf_primal(bj_trace *t, void *ud) { return bj_return(t, ((jf_ud *)ud)->f(t, bj_param(t, 0))); }
static bj_status jf_tangent(bj_trace *t, void *ud) {
    bj_val *x = bj_param(t, 0), *v = bj_param(t, 1), *y = NULL, *dy = NULL;
    if (bj_jvp_begin(t, &x, 1)) return bj_trace_status(t);
    bj_val *o = ((jf_ud *)ud)->f(t, bj_jvp_param(t, 0));
    if (bj_jvp_end(t, o ? &o : NULL, o ? 1 : 0, &v, 1, &y, &dy)) return bj_trace_status(t);
    return bj_return_n(t, (bj_val *[]){y, dy}, 2);
}

/* f at x (float64 [n], values in [lo, hi]) on both backends: the tangent along a random v against central
 * differences of the same function jitted without jvp, and the value against it. */
static void check_jit(const char *name, jitfn f, int n, double lo, double hi, double tol) {
    static const char *const backends[2] = {"interp", "cpu"};
    jf_ud ud = {f};
    bj_array *x = f64_rand(1, SH(n), lo, hi), *v = f64_rand(1, SH(n), -1, 1);
    const double h = 1e-6;
    bj_array *xp = axpy(x, h, v), *xm = axpy(x, -h, v);
    for (int b = 0; b < 2; b++) {
        bj_jit *fp = bj_jit_new(jf_primal, &ud, &(bj_jit_opts){.name = name, .backend = backends[b]});
        bj_jit *ft = bj_jit_new(jf_tangent, &ud, &(bj_jit_opts){.name = name, .backend = backends[b]});
        bj_array *o[2] = {0}, *y0 = NULL, *yp = NULL, *ym = NULL;
        bool ok = !bj_jit_call(ft, BJ_ARGS(bj_arg_array(x), bj_arg_array(v)), o, 2);
        CHECK_MSG(ok, "%s on %s: %s", name, backends[b], bj_last_error());
        ok = ok && !bj_jit_call(fp, BJ_ARGS(bj_arg_array(x)), &y0, 1) &&
             !bj_jit_call(fp, BJ_ARGS(bj_arg_array(xp)), &yp, 1) && !bj_jit_call(fp, BJ_ARGS(bj_arg_array(xm)), &ym, 1);
        CHECK_MSG(ok, "%s on %s: %s", name, backends[b], bj_last_error());
        for (int64_t k = 0; ok && k < bj_array_size(y0); k++) {
            double fd = (aget(yp, k) - aget(ym, k)) / (2 * h);
            CHECK_MSG(test_close(aget(o[0], k), aget(y0, k), 1e-13) && test_close(aget(o[1], k), fd, tol),
                      "%s on %s [%lld]: f %.17g (want %.17g), tangent %.17g, central difference %.17g", name,
                      backends[b], (long long)k, aget(o[0], k), aget(y0, k), aget(o[1], k), fd);
        }
        test_release_all(2, o);
        bj_array_release(y0), bj_array_release(yp), bj_array_release(ym);
        bj_jit_release(fp), bj_jit_release(ft);
    }
    bj_array_release(x), bj_array_release(v), bj_array_release(xp), bj_array_release(xm);
}

/* A for loop inside: an active carry, an integer counter, a carry active only through the body (zeros at first),
 * per-step operands made from x, and recorded values. */
static bj_val *j_for(bj_trace *t, bj_val *x) {
    bj_val *xs = bj_broadcast_to(bj_reshape(bj_cos(x), 2, SH(1, 3)), 2, SH(5, 3));
    bj_val *init[3] = {x, bj_lit(t, BJ_I32, 0), bj_zeros(t, F64, 1, SH(3))};
    if (bj_loop_begin(t, 5, 1, init, 3, &xs, 1)) return NULL;
    bj_val *c = bj_loop_carry(t, 0), *k = bj_loop_carry(t, 1), *d = bj_loop_carry(t, 2), *xi = bj_loop_x(t, 0);
    bj_val *nc = bj_add(bj_mul(bj_sin(c), x), bj_mul(xi, bj_astype(k, F64)));
    bj_val *nd = bj_add(bj_mul(d, 0.5), bj_square(nc)), *ys = bj_mul(nc, bj_astype(bj_loop_step(t), F64));
    bj_val *fin[3], *st;
    if (bj_loop_end(t, (bj_val *[]){nc, bj_add(k, 1), nd}, 3, &ys, 1, fin, &st)) return NULL;
    return bj_add(bj_add(fin[0], fin[2]), bj_sum(st, 1, (int[]){0}, false));
}

/* A for loop every 2 steps with a cond in its body (on the step's parity). */
static bj_val *j_for_cond(bj_trace *t, bj_val *x) {
    if (bj_loop_begin(t, 6, 2, &x, 1, NULL, 0)) return NULL;
    bj_val *c = bj_loop_carry(t, 0), *odd = bj_remainder(bj_loop_step(t), 2), *r1, *r2, *out;
    if (bj_cond_begin(t, odd, &c, 1)) return NULL;
    r1 = bj_mul(bj_loop_carry(t, 0), bj_tanh(x));
    bj_cond_else(t, &r1, 1);
    r2 = bj_add(bj_loop_carry(t, 0), bj_sin(c));
    if (bj_cond_end(t, &r2, 1, &out)) return NULL;
    bj_val *y = bj_exp(out), *fin, *st;
    if (bj_loop_end(t, &out, 1, &y, 1, &fin, &st)) return NULL;
    return bj_add(fin, bj_sum(st, 1, (int[]){0}, false));
}

/* A while loop inside: a counted one with a float carry active only through the body, and a data-dependent one. */
static bj_val *j_while(bj_trace *t, bj_val *x) {
    bj_val *init[3] = {x, bj_lit(t, BJ_I32, 0), bj_zeros(t, F64, 1, SH(3))}, *fin[3], *f2;
    if (bj_while_begin(t, init, 3)) return NULL;
    bj_while_body(t, bj_lt(bj_loop_carry(t, 1), 4));
    bj_val *c = bj_loop_carry(t, 0), *k = bj_loop_carry(t, 1), *d = bj_loop_carry(t, 2);
    bj_val *next[3] = {bj_add(bj_mul(c, x), 0.5), bj_add(k, 1), bj_add(d, bj_sin(c))};
    if (bj_while_end(t, next, 3, fin)) return NULL;
    if (bj_while_begin(t, &x, 1)) return NULL;
    bj_while_body(t, bj_lt(bj_sum(bj_loop_carry(t, 0), 0, NULL, false), 20.0));
    if (bj_while_end(t, (bj_val *[]){bj_add(bj_mul(bj_loop_carry(t, 0), 1.5), bj_square(x))}, 1, &f2)) return NULL;
    return bj_add(bj_add(fin[0], fin[2]), f2);
}

/* A cond inside, taken either way by the data; one result active in one branch only. */
static bj_val *j_cond(bj_trace *t, bj_val *x) {
    bj_val *out[2];
    if (bj_cond_begin(t, bj_gt(bj_sum(x, 0, NULL, false), 0.0), &x, 1)) return NULL;
    bj_val *a = bj_loop_carry(t, 0);
    bj_cond_else(t, (bj_val *[]){bj_mul(a, x), bj_ones(t, F64, 1, SH(3))}, 2);
    bj_val *b = bj_loop_carry(t, 0);
    if (bj_cond_end(t, (bj_val *[]){bj_sin(b), bj_exp(b)}, 2, out)) return NULL;
    return bj_add(out[0], bj_mul(out[1], 2.0));
}

static bj_jit *g_body, *g_inline;
static bj_status g_fn(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0);
    return bj_return(t, bj_mul(bj_exp(x), bj_param(t, 1)));
}
/* Jitted functions called inside: a body traced once and called (a call region), and one traced inline. */
static bj_val *j_call(bj_trace *t, bj_val *x) {
    bj_val *a = NULL, *b = NULL;
    if (bj_jit_call_traced(g_body, t, BJ_ARGS(bj_arg_val(bj_sin(x)), bj_arg_val(x)), &a, 1)) return NULL;
    if (bj_jit_call_traced(g_inline, t, BJ_ARGS(bj_arg_val(x), bj_arg_val(a)), &b, 1)) return NULL;
    return bj_add(a, b);
}

static void jvp_control_flow(void) {
    g_body = bj_jit_new(g_fn, NULL, &(bj_jit_opts){.name = "g_body"});
    g_inline = bj_jit_new(g_fn, NULL, &(bj_jit_opts){.name = "g_inline", .inlined = true});
    check_jit("for", j_for, 3, -1, 1, 1e-6);
    check_jit("for_cond", j_for_cond, 3, -1, 1, 1e-6);
    check_jit("while", j_while, 3, 0.5, 1, 1e-6);
    check_jit("cond_positive", j_cond, 3, 0.1, 1, 1e-6);
    check_jit("cond_negative", j_cond, 3, -1, -0.1, 1e-6);
    check_jit("call", j_call, 3, -1, 1, 1e-6);
    bj_jit_release(g_body), bj_jit_release(g_inline);
}

/* ---------------------------------------------------------------- the derivative inside a loop (exp_auto) */
/* 10 steps of exponential Euler with the linear part from a JVP: v += dt exprel(dt l) f(v), (f, l) = jvp(f, v, 1),
 * f(v) = -v + 2 tanh(v) + i. */
static bj_status expo(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *v0 = bj_param(t, 0), *fin;
    if (bj_loop_begin(t, 10, 1, &v0, 1, NULL, 0)) return bj_trace_status(t);
    bj_val *v = bj_loop_carry(t, 0), *ones = bj_ones(t, F64, 1, SH(4)), *f, *l;
    bj_jvp_begin(t, &v, 1);
    bj_val *p = bj_jvp_param(t, 0);
    bj_val *rhs = bj_add(bj_add(bj_neg(p), bj_mul(bj_tanh(p), 2.0)), 0.3);
    bj_jvp_end(t, &rhs, 1, &ones, 1, &f, &l);
    bj_val *z = bj_mul(l, 0.1);
    bj_val *nv = bj_add(v, bj_mul(bj_mul(bj_div(bj_expm1(z), z), 0.1), f));
    if (bj_loop_end(t, &nv, 1, NULL, 0, &fin, NULL)) return bj_trace_status(t);
    return bj_return(t, fin);
}

static void jvp_inside_loops(void) {
    static const char *const backends[2] = {"interp", "cpu"};
    double v[4] = {-1, 0.2, 0.7, 2};
    for (int s = 0; s < 10; s++)
        for (int i = 0; i < 4; i++) {
            double th = tanh(v[i]), f = -v[i] + 2 * th + 0.3, l = -1 + 2 * (1 - th * th), z = 0.1 * l;
            v[i] += expm1(z) / z * 0.1 * f;
        }
    for (int b = 0; b < 2; b++) {
        bj_jit *fj = bj_jit_new(expo, NULL, &(bj_jit_opts){.name = "expo", .backend = backends[b]});
        bj_array *v0 = f64v(4, V(-1, 0.2, 0.7, 2)), *out = NULL;
        CHECK_MSG(!bj_jit_call(fj, BJ_ARGS(bj_arg_array(v0)), &out, 1), "%s", bj_last_error());
        CHECK_MSG(test_arr_eq(out, F64, 1, SH(4), v, 1e-12), "%s: %g %g %g %g", backends[b], aget(out, 0),
                  aget(out, 1), aget(out, 2), aget(out, 3));
        bj_array_release(v0), bj_array_release(out);
        bj_jit_release(fj);
    }
}

/* The function inside a cond branch and inside a while body, reading a Variable there for the first time. */
static bj_var *wvar;
static bj_status in_scopes(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0), *one = bj_ones(t, F64, 1, SH(2)), *y, *dy, *out[2], *fin[2];
    if (bj_cond_begin(t, bj_gt(bj_sum(x, 0, NULL, false), 0.0), &x, 1)) return bj_trace_status(t);
    bj_val *c = bj_loop_carry(t, 0);
    bj_jvp_begin(t, &c, 1);
    bj_val *o = bj_mul(bj_square(bj_jvp_param(t, 0)), bj_var_read(t, wvar)); /* w x^2: 2 w x */
    bj_jvp_end(t, &o, 1, &one, 1, &y, &dy);
    bj_cond_else(t, (bj_val *[]){y, dy}, 2);
    bj_cond_end(t, (bj_val *[]){bj_neg(bj_loop_carry(t, 0)), bj_zeros(t, F64, 1, SH(2))}, 2, out);
    if (bj_while_begin(t, (bj_val *[]){x, bj_lit(t, BJ_I32, 0)}, 2)) return bj_trace_status(t);
    bj_while_body(t, bj_lt(bj_loop_carry(t, 1), 3));
    c = bj_loop_carry(t, 0);
    bj_jvp_begin(t, &c, 1);
    o = bj_add(bj_sin(bj_jvp_param(t, 0)), bj_var_read(t, wvar));
    bj_jvp_end(t, &o, 1, &one, 1, &y, &dy);
    if (bj_while_end(t, (bj_val *[]){bj_add(c, dy), bj_add(bj_loop_carry(t, 1), 1)}, 2, fin)) return bj_trace_status(t);
    return bj_return_n(t, (bj_val *[]){out[0], out[1], fin[0]}, 3);
}

static void jvp_inside_cond_and_while(void) {
    static const char *const backends[2] = {"interp", "cpu"};
    bj_array *w0 = f64v(2, V(3, -2));
    wvar = bj_var_new("w", w0, -1);
    for (int b = 0; b < 2; b++) {
        bj_jit *f = bj_jit_new(in_scopes, NULL, &(bj_jit_opts){.name = "in_scopes", .backend = backends[b]});
        bj_array *x = f64v(2, V(0.5, 1.0)), *o[3] = {0};
        CHECK_MSG(!bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), o, 3), "%s", bj_last_error());
        double c[2] = {0.5, 1.0};
        for (int k = 0; k < 3; k++) c[0] += cos(c[0]), c[1] += cos(c[1]);
        CHECK(test_arr_eq(o[0], F64, 1, SH(2), V(0.75, -2), 1e-15)); /* w x^2 and 2 w x */
        CHECK(test_arr_eq(o[1], F64, 1, SH(2), V(3, -4), 1e-15));
        CHECK(test_arr_eq(o[2], F64, 1, SH(2), c, 1e-13));
        test_release_all(3, o);
        bj_array_release(x);
        x = f64v(2, V(-0.5, -1.0));
        CHECK_MSG(!bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), o, 3), "%s", bj_last_error());
        CHECK(test_arr_eq(o[0], F64, 1, SH(2), V(0.5, 1), 0) && test_arr_eq(o[1], F64, 1, SH(2), V(0, 0), 0));
        test_release_all(3, o);
        bj_array_release(x);
        bj_jit_release(f);
    }
    bj_var_release(wvar), bj_array_release(w0);
}

/* ---------------------------------------------------------------- Variables */
typedef struct vars_ud {
    bj_var *w;
    int mode; /* 0: read inside, write after; 1: write inside; 2: write in a loop inside; 3: first read in a loop */
} vars_ud;

static bj_status vars_fn(bj_trace *t, void *ud) {
    vars_ud *u = ud;
    bj_val *x = bj_param(t, 0), *v = bj_param(t, 1), *y = NULL, *dy = NULL;
    if (u->mode == 3) { /* the JVP inside a loop body, which reads w for the first time inside the JVP */
        if (bj_loop_begin(t, 3, 1, &x, 1, NULL, 0)) return bj_trace_status(t);
        bj_val *c = bj_loop_carry(t, 0), *nc;
        bj_jvp_begin(t, &c, 1);
        bj_val *o = bj_mul(bj_jvp_param(t, 0), bj_var_read(t, u->w));
        bj_jvp_end(t, &o, 1, &v, 1, &nc, &dy);
        bj_val *fin, *st;
        if (bj_loop_end(t, &nc, 1, &dy, 1, &fin, &st)) return bj_trace_status(t);
        bj_var_write(t, u->w, bj_add(bj_var_read(t, u->w), 1.0));
        return bj_return_n(t, (bj_val *[]){fin, st}, 2);
    }
    bj_jvp_begin(t, &x, 1);
    bj_val *p = bj_jvp_param(t, 0), *w = bj_var_read(t, u->w);
    bj_val *o = bj_add(bj_mul(p, w), bj_mul(w, w));
    if (u->mode == 1) bj_var_write(t, u->w, o);
    if (u->mode == 2) {
        bj_loop_begin(t, 2, 1, NULL, 0, NULL, 0);
        bj_var_write(t, u->w, bj_mul(bj_var_read(t, u->w), 2.0));
        bj_loop_end(t, NULL, 0, NULL, 0, NULL, NULL);
    }
    if (bj_jvp_end(t, &o, 1, &v, 1, &y, &dy)) return bj_trace_status(t);
    bj_var_write(t, u->w, bj_add(w, 1.0));
    return bj_return_n(t, (bj_val *[]){y, dy}, 2);
}

static void jvp_variables(void) {
    static const char *const backends[2] = {"interp", "cpu"};
    for (int b = 0; b < 2; b++) {
        bj_array *w0 = f64v(2, V(2, -1));
        vars_ud u = {bj_var_new("w", w0, -1), 0};
        bj_jit *f = bj_jit_new(vars_fn, &u, &(bj_jit_opts){.name = "vars", .backend = backends[b]});
        bj_array *x = f64v(2, V(3, 4)), *v = f64v(2, V(1, 10)), *o[2] = {0};
        CHECK_MSG(!bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(v)), o, 2), "%s", bj_last_error());
        CHECK(test_arr_eq(o[0], F64, 1, SH(2), V(10, -3), 0) && test_arr_eq(o[1], F64, 1, SH(2), V(2, -10), 0));
        test_release_all(2, o);
        CHECK(test_arr_eq(bj_var_value(u.w), F64, 1, SH(2), V(3, 0), 0)); /* written after the JVP */
        CHECK_MSG(!bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(v)), o, 2), "%s", bj_last_error());
        CHECK(test_arr_eq(o[1], F64, 1, SH(2), V(3, 0), 0)); /* the Variable's current value, not a baked one */
        test_release_all(2, o);
        bj_jit_release(f);

        u.mode = 3; /* first read inside the JVP inside a loop: a carry of the loop, a constant of the JVP */
        f = bj_jit_new(vars_fn, &u, &(bj_jit_opts){.name = "vars3", .backend = backends[b]});
        CHECK_MSG(!bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(v)), o, 2), "%s", bj_last_error());
        CHECK(test_arr_eq(o[0], F64, 1, SH(2), V(3 * 64, 4), 0)); /* x w^3 with w = [4, 1] */
        CHECK(test_arr_eq(o[1], F64, 2, SH(3, 2), V(4, 10, 4, 10, 4, 10), 0)); /* v w at every step */
        test_release_all(2, o);
        bj_jit_release(f);

        for (int m = 1; m <= 2; m++) { /* writes inside: refused, naming the Variable; nothing changes */
            u.mode = m;
            f = bj_jit_new(vars_fn, &u, &(bj_jit_opts){.name = "vars_w", .backend = backends[b]});
            CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(v)), o, 2) == BJ_ERR_TRACE);
            CHECK_ERR_HAS("Variable w is written inside the differentiated function");
            bj_jit_release(f);
        }
        CHECK(test_arr_eq(bj_var_value(u.w), F64, 1, SH(2), V(5, 2), 0));
        test_release_all(2, (bj_array *[]){x, v});
        bj_var_release(u.w), bj_array_release(w0);
    }
}

/* ---------------------------------------------------------------- the callback form and errors */
static bj_status xsinx(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout) {
    (void)t, (void)ud, (void)n, (void)cap;
    outs[0] = bj_mul(bj_sin(x[0]), x[0]);
    *nout = 1;
    return BJ_OK;
}
static bj_status too_many(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout) {
    (void)t, (void)ud, (void)n, (void)cap, (void)outs, (void)x;
    *nout = 3;
    return BJ_OK;
}
static bj_status fails(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout) {
    (void)ud, (void)n, (void)cap, (void)outs, (void)nout;
    return bj_sum(x[0], 1, (int[]){5}, false) ? BJ_OK : bj_trace_status(t);
}
static bj_status leaves_open(bj_trace *t, void *ud, bj_val *const *x, int n, bj_val **outs, int cap, int *nout) {
    (void)ud, (void)n, (void)cap;
    bj_jvp_begin(t, x, 1);
    outs[0] = x[0];
    *nout = 1;
    return BJ_OK;
}

static void jvp_callback_form(void) {
    bj_trace *t = bj_trace_new("cb");
    bj_val *x = bj_trace_arg(t, "x", F64, 1, SH(2)), *v = bj_trace_arg(t, "v", F64, 1, SH(2)), *y, *dy;
    int k = -1;
    CHECK(!bj_jvp(t, xsinx, NULL, &x, &v, 1, &y, &dy, 1, &k) && k == 1);
    bj_graph *g = bj_trace_finish(t, (bj_val *[]){y, dy}, 2);
    bj_array *in[2] = {f64v(2, V(0.5, 2)), f64v(2, V(1, 3))}, *o[2] = {0};
    CHECK(g && !bj_graph_run(g, "interp", in, 2, o, 2));
    CHECK(test_arr_eq(o[1], F64, 1, SH(2), V(sin(0.5) + 0.5 * cos(0.5), 3 * (sin(2.0) + 2 * cos(2.0))), 1e-15));
    test_release_all(2, o), test_release_all(2, in);
    bj_graph_release(g);

    bj_jvp_fn bad[3] = {too_many, fails, leaves_open};
    const char *msg[3] = {"gives 3 outputs, room for 1", "axis 5 is out of range", "left a bj_jvp_begin open"};
    for (int i = 0; i < 3; i++) {
        t = bj_trace_new("cb");
        x = bj_trace_arg(t, "x", F64, 1, SH(2)), v = bj_trace_arg(t, "v", F64, 1, SH(2));
        CHECK(bj_jvp(t, bad[i], NULL, &x, &v, 1, &y, &dy, 1, &k) && k == 0);
        CHECK_ERR_HAS(msg[i]);
        CHECK(bj_trace_status(t) != BJ_OK);
        CHECK(bj_jvp_end(t, NULL, 0, NULL, 0, NULL, NULL) == BJ_ERR_TRACE); /* nothing left open */
        bj_trace_free(t);
    }
    t = bj_trace_new("cb");
    x = bj_trace_arg(t, "x", F64, 1, SH(2));
    CHECK(bj_jvp(t, NULL, NULL, &x, &x, 1, &y, &dy, 1, &k) == BJ_ERR_ARG);
    CHECK(bj_jvp(t, xsinx, NULL, &x, &x, 1, &y, &dy, 1, NULL) == BJ_ERR_ARG);
    bj_trace_free(t);
}

static bj_status open_loop_fn(bj_trace *t, void *ud) {
    int mode = *(int *)ud;
    bj_val *x = bj_param(t, 0), *y, *dy, *fin;
    bj_jvp_begin(t, &x, 1);
    bj_val *p = bj_jvp_param(t, 0);
    bj_loop_begin(t, 2, 1, &p, 1, NULL, 0);
    bj_val *inside = bj_mul(bj_loop_carry(t, 0), 2.0);
    if (mode == 0) return bj_jvp_end(t, &p, 1, &x, 1, &y, &dy); /* the loop is still open */
    bj_loop_end(t, &inside, 1, NULL, 0, &fin, NULL);
    return bj_jvp_end(t, &inside, 1, &x, 1, &y, &dy); /* a value of the closed loop body */
}

static void jvp_errors(void) {
    bj_trace *t = bj_trace_new("err");
    bj_val *x = bj_trace_arg(t, "x", F64, 1, SH(3)), *i = bj_trace_arg(t, "i", BJ_I32, 1, SH(3));
    bj_val *f = bj_trace_arg(t, "f", F32, 1, SH(3)), *s = bj_trace_arg(t, "s", F64, 1, SH(2)), *y, *dy;
    CHECK(bj_jvp_begin(t, &i, 1) == BJ_ERR_DTYPE);
    CHECK_ERR_HAS("primal 0 is i32[3]; only float values have tangents");
    bj_trace_free(t);

    const char *want[] = {"tangent 0 is f64[2] but primal 0 is f64[3]", "tangent 0 is f32[3] but primal 0 is f64[3]",
                          "1 tangents for 2 primals", "tangent 0 was computed inside the differentiated function",
                          "2 outputs but outs is NULL"};
    for (int c = 0; c < 5; c++) {
        t = bj_trace_new("err");
        x = bj_trace_arg(t, "x", F64, 1, SH(3)), f = bj_trace_arg(t, "f", F32, 1, SH(3));
        s = bj_trace_arg(t, "s", F64, 1, SH(2));
        bj_val *prim[2] = {x, x};
        CHECK(!bj_jvp_begin(t, prim, c == 2 ? 2 : 1));
        bj_val *o = bj_exp(bj_jvp_param(t, 0));
        bj_val *tan = c == 0 ? s : c == 1 ? f : c == 3 ? o : x;
        CHECK(bj_jvp_end(t, c == 4 ? NULL : &o, c == 4 ? 2 : 1, &tan, 1, &y, &dy) != BJ_OK);
        CHECK_ERR_HAS(want[c]);
        CHECK(bj_trace_status(t) != BJ_OK);
        bj_trace_free(t);
    }

    t = bj_trace_new("err");
    x = bj_trace_arg(t, "x", F64, 1, SH(3));
    CHECK(bj_jvp_end(t, &x, 1, &x, 1, &y, &dy) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("no bj_jvp_begin is open on this trace");
    bj_trace_free(t);
    t = bj_trace_new("err");
    x = bj_trace_arg(t, "x", F64, 1, SH(3));
    CHECK(bj_jvp_param(t, 0) == NULL);
    CHECK_ERR_HAS("no bj_jvp_begin is open");
    bj_trace_free(t);
    t = bj_trace_new("err");
    x = bj_trace_arg(t, "x", F64, 1, SH(3));
    CHECK(!bj_jvp_begin(t, &x, 1));
    CHECK(bj_jvp_param(t, 1) == NULL);
    CHECK_ERR_HAS("input 1 is out of range (1 primals)");
    CHECK(bj_jvp_end(t, &x, 1, &x, 1, &y, &dy) != BJ_OK); /* closes after the error */
    CHECK(bj_jvp_end(t, &x, 1, &x, 1, &y, &dy) == BJ_ERR_TRACE);
    bj_trace_free(t);

    /* a trace freed with a scope open: the scope is dropped, and a later trace is not confused by it */
    for (int k = 0; k < 3; k++) {
        t = bj_trace_new("stale");
        x = bj_trace_arg(t, "x", F64, 1, SH(3));
        CHECK(!bj_jvp_begin(t, &x, 1));
        bj_trace_free(t);
    }
    t = bj_trace_new("fresh");
    x = bj_trace_arg(t, "x", F64, 1, SH(3));
    CHECK(bj_jvp_end(t, &x, 1, &x, 1, &y, &dy) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("no bj_jvp_begin is open");
    bj_trace_free(t);
    CHECK(bj_jvp_begin(NULL, NULL, 0) == BJ_ERR_HANDLE);
    CHECK(bj_jvp_end(NULL, NULL, 0, NULL, 0, NULL, NULL) == BJ_ERR_HANDLE);

    /* in a jit trace: a loop left open inside; a value of a closed loop body as an output */
    const char *jmsg[2] = {"opened inside the differentiated function is still open",
                           "output 0 was computed inside a loop body or cond branch that is closed"};
    for (int mode = 0; mode < 2; mode++) {
        bj_jit *fj = bj_jit_new(open_loop_fn, &mode, &(bj_jit_opts){.name = "open_loop", .backend = "interp"});
        bj_array *a = f64v(3, V(1, 2, 3)), *o[2] = {0};
        CHECK(bj_jit_call(fj, BJ_ARGS(bj_arg_array(a)), o, 2) != BJ_OK);
        CHECK_ERR_HAS(jmsg[mode]);
        bj_array_release(a);
        bj_jit_release(fj);
    }
}

void tests_jvp(void);
void tests_jvp(void) {
    RUN(jvp_elementwise);
    RUN(jvp_shapes_and_indexing);
    RUN(jvp_reductions);
    RUN(jvp_sparse);
    RUN(jvp_hand_derivatives);
    RUN(jvp_captured_and_hash_consing);
    RUN(jvp_stop_gradient);
    RUN(jvp_nested);
    RUN(jvp_control_flow);
    RUN(jvp_inside_loops);
    RUN(jvp_inside_cond_and_while);
    RUN(jvp_variables);
    RUN(jvp_callback_form);
    RUN(jvp_errors);
}
