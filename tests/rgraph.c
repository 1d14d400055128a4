/* rgraph.c — differential testing against the interpreter: output comparison, and a seeded random-graph generator
 * whose graphs (broadcasting, casts, reductions, shape ops, gathers, matmul, fan-out) stress fusion and codegen. */
#include "rgraph.h"
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- comparing backends */
const char *diff_backend(void) {
    const char *b = getenv("BJ_DIFF_BACKEND");
    return b && *b ? b : "cpu";
}

static bool elem_same(bj_dtype d, const unsigned char *a, const unsigned char *b) {
    if (d == BJ_F32) {
        float x, y;
        memcpy(&x, a, 4), memcpy(&y, b, 4);
        if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    } else if (d == BJ_F64) {
        double x, y;
        memcpy(&x, a, 8), memcpy(&y, b, 8);
        if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    }
    return !memcmp(a, b, bj_dtype_size(d));
}

bool diff_same(const bj_array *want, const bj_array *got, int64_t *first) {
    if (first) *first = -1;
    if (!want || !got || bj_array_dtype(want) != bj_array_dtype(got) || bj_array_rank(want) != bj_array_rank(got))
        return false;
    int r = bj_array_rank(want);
    if (r && memcmp(bj_array_shape(want), bj_array_shape(got), sizeof(int64_t) * (size_t)r)) return false;
    bj_dtype d = bj_array_dtype(want);
    size_t es = bj_dtype_size(d);
    int64_t n = bj_array_size(want);
    const unsigned char *a = bj_array_data(want), *b = bj_array_data(got);
    for (int64_t i = 0; i < n; i++)
        if (!elem_same(d, a + (size_t)i * es, b + (size_t)i * es)) {
            if (first) *first = i;
            return false;
        }
    return true;
}

static void print_type(const bj_array *a) {
    printf("%s[", bj_dtype_name(bj_array_dtype(a)));
    for (int i = 0; i < bj_array_rank(a); i++) printf(i ? ",%lld" : "%lld", (long long)bj_array_shape(a)[i]);
    printf("]");
}

/* One element as a readable value and its bits. */
static void print_elem(const bj_array *a, int64_t i) {
    const unsigned char *p = (const unsigned char *)bj_array_data(a) + (size_t)i * bj_dtype_size(bj_array_dtype(a));
    switch (bj_array_dtype(a)) {
    case BJ_BOOL: printf("%u", (unsigned)*p); break;
    case BJ_I32: {
        int32_t v;
        memcpy(&v, p, 4);
        printf("%ld", (long)v);
        break;
    }
    case BJ_U32: {
        uint32_t v;
        memcpy(&v, p, 4);
        printf("%lu", (unsigned long)v);
        break;
    }
    case BJ_I64: {
        int64_t v;
        memcpy(&v, p, 8);
        printf("%lld", (long long)v);
        break;
    }
    case BJ_F32: {
        float v;
        uint32_t u;
        memcpy(&v, p, 4), memcpy(&u, p, 4);
        printf("%.9g (0x%08lx)", (double)v, (unsigned long)u);
        break;
    }
    case BJ_F64: {
        double v;
        uint64_t u;
        memcpy(&v, p, 8), memcpy(&u, p, 8);
        printf("%.17g (0x%016llx)", v, (unsigned long long)u);
        break;
    }
    default: printf("?"); break;
    }
}

static void print_index(const bj_array *a, int64_t i) {
    int r = bj_array_rank(a);
    int64_t idx[BJ_MAX_RANK];
    for (int k = r - 1; k >= 0; k--) {
        int64_t s = bj_array_shape(a)[k];
        idx[k] = s ? i % s : 0;
        i = s ? i / s : 0;
    }
    printf("[");
    for (int k = 0; k < r; k++) printf(k ? ",%lld" : "%lld", (long long)idx[k]);
    printf("]");
}

void diff_print(const bj_array *want, const bj_array *got, int max) {
    if (!want || !got) {
        printf("      missing output (%s)\n", !want ? "interp" : "backend");
        return;
    }
    int64_t first;
    if (diff_same(want, got, &first)) return;
    if (first < 0) {
        printf("      interp gives ");
        print_type(want);
        printf(", backend ");
        print_type(got);
        printf("\n");
        return;
    }
    size_t es = bj_dtype_size(bj_array_dtype(want));
    const unsigned char *a = bj_array_data(want), *b = bj_array_data(got);
    int64_t n = bj_array_size(want), shown = 0, total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (elem_same(bj_array_dtype(want), a + (size_t)i * es, b + (size_t)i * es)) continue;
        total++;
        if (shown >= max) continue;
        shown++;
        printf("      at ");
        print_index(want, i);
        printf(": interp ");
        print_elem(want, i);
        printf(", backend ");
        print_elem(got, i);
        printf("\n");
    }
    printf("      %lld of %lld elements differ (", (long long)total, (long long)n);
    print_type(want);
    printf(")\n");
}

void diff_print_source(const bj_exec *e) {
    const char *src = e ? bj_exec_source(e) : NULL;
    if (!src) {
        printf("    (no generated source)\n");
        return;
    }
    /* the prelude of helpers (thousands of lines, the same in every source) is left out */
    const char *body = strstr(src, "\n/* kernel ");
    const char *eol = strchr(src, '\n');
    if (body && eol) printf("    ---- generated source (prelude left out) ----\n%.*s\n...%s\n", (int)(eol - src), src, body);
    else printf("    ---- generated source ----\n%s\n", src);
    printf("    ---- end of source ----\n");
}

bool diff_bytes_same(const bj_array *a, const bj_array *b) {
    return a && b && bj_array_dtype(a) == bj_array_dtype(b) && bj_array_size(a) == bj_array_size(b) &&
           !memcmp(bj_array_data(a), bj_array_data(b), bj_array_nbytes(a));
}

bj_val *diff_batch_arg(diff_batch *b, bj_array *a) { /* takes a */
    if (!a || b->nin == 128) return bj_array_release(a), NULL;
    b->ins[b->nin++] = a;
    return bj_trace_arg(b->t, NULL, bj_array_dtype(a), bj_array_rank(a), bj_array_shape(a));
}

void diff_batch_out(diff_batch *b, bj_val *v) {
    CHECK(v != NULL);
    if (v && b->nout < 128) b->outs[b->nout++] = v;
}

bool diff_batch_run(diff_batch *b, bj_array **res, const char **source) {
    bj_graph *g = bj_trace_finish(b->t, b->outs, b->nout);
    b->t = NULL;
    bool ok = g != NULL;
    if (!g) printf("    trace failed: %s\n", bj_last_error());
    const char *be[2] = {"interp", diff_backend()};
    for (int k = 0; ok && k < 2; k++) {
        bj_exec *e = bj_compile(g, be[k]);
        ok = e && bj_exec_run(e, b->ins, b->nin, res + k * b->nout, b->nout) == BJ_OK;
        if (!ok) printf("    %s failed: %s\n", be[k], bj_last_error());
        if (ok && k == 1) {
            CHECK(!strcmp(bj_exec_backend(e), be[1]));
            if (source && bj_exec_source(e)) *source = strdup(bj_exec_source(e));
        }
        bj_exec_release(e);
    }
    for (int i = 0; ok && i < b->nout; i++)
        if (!diff_bytes_same(res[i], res[b->nout + i])) {
            printf("    output %d differs between interp and %s\n", i, be[1]);
            diff_print(res[i], res[b->nout + i], 5);
            ok = false;
        }
    bj_graph_release(g);
    return ok;
}

void diff_batch_free(diff_batch *b, bj_array **res, int nres) {
    for (int i = 0; i < b->nin; i++) bj_array_release(b->ins[i]);
    b->nin = 0;
    for (int i = 0; i < nres; i++) bj_array_release(res[i]);
}

int diff_graph(bj_graph *g, bj_array *const *ins, int nin, bool *bad, const char *const *labels, bj_exec **exec_out) {
    if (exec_out) *exec_out = NULL;
    int nout = bj_graph_num_outputs(g);
    if (nout < 0) return printf("    diff_graph: bad graph (%s)\n", bj_last_error()), -1;
    if (bad) memset(bad, 0, sizeof *bad * (size_t)nout);
    const char *backend = diff_backend();
    bj_exec *ei = bj_compile(g, "interp");
    if (!ei) return printf("    interp: compile failed: %s\n", bj_last_error()), -1;
    bj_exec *ec = bj_compile(g, backend);
    if (!ec) {
        printf("    %s: compile failed: %s\n", backend, bj_last_error());
        bj_exec_release(ei);
        return -1;
    }
    int result = 0;
    if (strcmp(bj_exec_backend(ec), backend)) {
        printf("    asked for backend \"%s\", got \"%s\" (no C compiler?)\n", backend, bj_exec_backend(ec));
        result = -1;
    }
    bj_array **ro = calloc((size_t)nout + 1, sizeof *ro), **co = calloc((size_t)nout + 1, sizeof *co);
    if (!ro || !co) {
        printf("    diff_graph: out of memory\n");
        result = -1;
    }
    if (!result && bj_exec_run(ei, ins, nin, ro, nout)) {
        printf("    interp: run failed: %s\n", bj_last_error());
        result = -1;
    }
    bj_array **keep = calloc((size_t)nin + 1, sizeof *keep); /* inputs must come out of a run untouched */
    for (int i = 0; keep && i < nin; i++) keep[i] = bj_array_copy(ins[i]);
    if (!result && bj_exec_run(ec, ins, nin, co, nout)) {
        printf("    %s: run failed: %s\n", backend, bj_last_error());
        result = -1;
    }
    for (int i = 0; keep && i < nin; i++) {
        if (!result && !diff_same(keep[i], ins[i], NULL)) {
            printf("    %s modified input %d:\n", backend, i);
            diff_print(keep[i], ins[i], 8);
            result = -1;
        }
        bj_array_release(keep[i]);
    }
    free(keep);
    int differ = 0;
    for (int i = 0; !result && i < nout; i++)
        if (!diff_same(ro[i], co[i], NULL)) {
            differ++;
            if (bad) bad[i] = true;
            if (labels) {
                printf("    output %d (%s) differs:\n", i, labels[i] ? labels[i] : "?");
                diff_print(ro[i], co[i], 8);
            }
        }
    if (!result) result = differ;
    for (int i = 0; ro && co && i < nout; i++) bj_array_release(ro[i]), bj_array_release(co[i]);
    free(ro), free(co);
    bj_exec_release(ei);
    if (exec_out) *exec_out = ec;
    else bj_exec_release(ec);
    return result;
}

/* ---------------------------------------------------------------- random numbers */
uint64_t rg_next(rg_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
int rg_below(rg_rng *r, int n) { return n <= 1 ? 0 : (int)(rg_next(r) % (uint64_t)n); }
double rg_unit(rg_rng *r) { return (double)(rg_next(r) >> 11) * 0x1p-53; }
static bool rg_chance(rg_rng *r, double p) { return rg_unit(r) < p; }

/* ---------------------------------------------------------------- random data */
static double rand_float(rg_rng *r, bj_dtype d) {
    static const double specials[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1, -1, 0.5, -2.5, 1e30, -3e38, 5e-324,
                                      1e-45, 1.1754943508222875e-38, 1e300, 4294967296.0, -2147483904.0};
    int k = rg_below(r, 100);
    if (k < 12) {
        double v = specials[rg_below(r, (int)(sizeof specials / sizeof *specials))];
        return d == BJ_F32 && fabs(v) > 3.4e38 && isfinite(v) ? copysign(3e38, v) : v;
    }
    double u = rg_unit(r) * 8 - 4;
    if (k < 40) return round(u * 2) / 2; /* halves and integers: exact zeros, ties, round-half cases */
    if (k < 48) return u * 1e6;
    return u;
}

void rg_fill(rg_rng *r, bj_array *a) {
    int64_t n = bj_array_size(a);
    void *p = bj_array_data(a);
    for (int64_t i = 0; i < n; i++) {
        int k = rg_below(r, 100);
        uint64_t bits = rg_next(r);
        switch (bj_array_dtype(a)) {
        case BJ_BOOL: ((bool *)p)[i] = bits & 1; break;
        case BJ_I32: {
            static const int32_t sp[] = {INT32_MIN, INT32_MAX, 0, -1, 1, 31, 32, -32};
            ((int32_t *)p)[i] = k < 65 ? (int32_t)rg_below(r, 21) - 10 : k < 85 ? (int32_t)(uint32_t)bits
                                                                                  : sp[rg_below(r, 8)];
            break;
        }
        case BJ_I64: {
            static const int64_t sp[] = {INT64_MIN, INT64_MAX, 0, -1, 63, 64, INT32_MIN, (int64_t)1 << 40};
            ((int64_t *)p)[i] = k < 65 ? (int64_t)rg_below(r, 21) - 10 : k < 85 ? (int64_t)bits : sp[rg_below(r, 8)];
            break;
        }
        case BJ_U32: {
            static const uint32_t sp[] = {UINT32_MAX, 0, 1, 2147483648u, 2147483647u, 31, 32, 33};
            ((uint32_t *)p)[i] = k < 65 ? (uint32_t)rg_below(r, 21) : k < 85 ? (uint32_t)bits : sp[rg_below(r, 8)];
            break;
        }
        case BJ_F32: ((float *)p)[i] = (float)rand_float(r, BJ_F32); break;
        case BJ_F64: ((double *)p)[i] = rand_float(r, BJ_F64); break;
        default: break;
        }
    }
}

/* ---------------------------------------------------------------- the generator */
#define POOL 64
#define MAX_ELEMS 4096

typedef struct gen {
    rg_rng r;
    bj_trace *t;
    rg_graph *out;
    bj_val *pool[POOL];
    bool used[POOL]; /* read by a later op: outputs prefer the values nothing reads (so few ops are dead) */
    int n;
    int urank;            /* the graph's broadcast universe, e.g. [4, 5] */
    int64_t ushape[3];
} gen;

static bj_dtype rand_dtype(rg_rng *r) {
    static const bj_dtype w[] = {BJ_F32, BJ_F32, BJ_F32, BJ_F64, BJ_F64, BJ_I32, BJ_I32, BJ_I64, BJ_U32, BJ_BOOL,
                                 BJ_BOOL};
    return w[rg_below(r, (int)(sizeof w / sizeof *w))];
}

static bool is_float(bj_dtype d) { return d == BJ_F32 || d == BJ_F64; }
static bool is_int(bj_dtype d) { return d == BJ_I32 || d == BJ_I64 || d == BJ_U32; }

static int64_t nelem(const bj_val *v) {
    int64_t n = 1;
    for (int i = 0; i < bj_val_rank(v); i++) n *= bj_val_shape(v)[i];
    return n;
}

/* A shape that broadcasts to the universe: trailing axes of it, some set to 1. */
static int rand_ushape(gen *g, int64_t *s) {
    int r = g->urank - rg_below(&g->r, g->urank + 1);
    if (rg_chance(&g->r, 0.4)) r = g->urank;
    for (int i = 0; i < r; i++) {
        int64_t d = g->ushape[g->urank - r + i];
        s[i] = rg_chance(&g->r, 0.3) ? 1 : d;
    }
    return r;
}

static void push(gen *g, bj_val *v) {
    if (!v || nelem(v) > MAX_ELEMS) return;
    int i = g->n < POOL ? g->n++ : rg_below(&g->r, POOL);
    g->pool[i] = v, g->used[i] = false;
}

static bj_val *pool_at(gen *g, int i) {
    g->used[i] = true;
    return g->pool[i];
}
static bj_val *pool_any(gen *g) { return pool_at(g, rg_below(&g->r, g->n)); }

/* An earlier value: often the newest (chains), else any (fan-out). */
static bj_val *pick(gen *g) { return rg_chance(&g->r, 0.45) ? pool_at(g, g->n - 1) : pool_any(g); }

static bool broadcastable(const bj_val *a, const bj_val *b) {
    int ra = bj_val_rank(a), rb = bj_val_rank(b);
    for (int i = 1; i <= ra && i <= rb; i++) {
        int64_t x = bj_val_shape(a)[ra - i], y = bj_val_shape(b)[rb - i];
        if (x != y && x != 1 && y != 1) return false;
    }
    return true;
}

/* A value that broadcasts with all the given ones (NULL if none found in a few tries). */
static bj_val *pick_partner(gen *g, bj_val *const *with, int nwith) {
    for (int tries = 0; tries < 12; tries++) {
        bj_val *c = pick(g);
        bool ok = true;
        for (int i = 0; i < nwith; i++) ok = ok && broadcastable(c, with[i]);
        if (ok) return c;
    }
    return NULL;
}

static bj_val *new_arg(gen *g, bj_dtype d, int rank, const int64_t *shape) {
    rg_graph *o = g->out;
    if (o->nargs >= RG_MAX_ARGS) return NULL;
    bj_val *v = bj_trace_arg(g->t, NULL, d, rank, shape);
    bj_array *a = bj_array_zeros(d, rank, shape);
    if (!v || !a) return bj_array_release(a), NULL;
    rg_fill(&g->r, a);
    o->args[o->nargs++] = a;
    return v;
}

static bj_val *new_const(gen *g, bj_dtype d, int rank, const int64_t *shape) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    if (!a) return NULL;
    rg_fill(&g->r, a);
    bj_val *v = bj_trace_const(g->t, a);
    bj_array_release(a);
    return v;
}

/* Whether op (by the flags of ops.def) accepts operand dtype d (after promotion). */
static bool unary_ok(const char *op, bj_dtype d) {
    static const char *const nobool[] = {"neg", "abs", "sign", "square", "floor", "ceil", "round", "trunc"};
    for (size_t i = 0; i < sizeof nobool / sizeof *nobool; i++)
        if (!strcmp(op, nobool[i])) return d != BJ_BOOL;
    if (!strcmp(op, "bitwise_not")) return !is_float(d);
    return true;
}
static bool binary_ok(const char *op, bj_dtype d) {
    if (!strcmp(op, "sub") || !strcmp(op, "floor_divide") || !strcmp(op, "remainder") || !strcmp(op, "pow"))
        return d != BJ_BOOL;
    if (!strncmp(op, "bitwise_", 8)) return !is_float(d);
    if (!strncmp(op, "shift_", 6)) return is_int(d);
    return true;
}

const char *const rg_unary_ops[] = {
    "neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log1p", "log2", "sqrt", "rsqrt", "square",
    "reciprocal", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "sigmoid", "floor",
    "ceil", "round", "trunc", "isnan", "isinf", "isfinite", "logical_not", "bitwise_not", "stop_gradient"};
const char *const rg_binary_ops[] = {
    "add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "maximum", "minimum", "atan2", "hypot", "eq",
    "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor", "shift_left", "shift_right"};
const int rg_nunary = (int)(sizeof rg_unary_ops / sizeof *rg_unary_ops);
const int rg_nbinary = (int)(sizeof rg_binary_ops / sizeof *rg_binary_ops);

typedef bj_val *(*binary_in_fn)(bj_in, bj_in);
binary_in_fn rg_binary_fn(const char *op) {
    static const struct {
        const char *name;
        binary_in_fn fn;
    } tab[] = {{"add", bj_add_in}, {"sub", bj_sub_in}, {"mul", bj_mul_in}, {"div", bj_div_in},
               {"floor_divide", bj_floor_divide_in}, {"remainder", bj_remainder_in}, {"pow", bj_pow_in},
               {"maximum", bj_maximum_in}, {"minimum", bj_minimum_in}, {"atan2", bj_atan2_in}, {"hypot", bj_hypot_in},
               {"eq", bj_eq_in}, {"ne", bj_ne_in}, {"lt", bj_lt_in}, {"le", bj_le_in}, {"gt", bj_gt_in},
               {"ge", bj_ge_in}, {"logical_and", bj_logical_and_in}, {"logical_or", bj_logical_or_in},
               {"logical_xor", bj_logical_xor_in}, {"bitwise_and", bj_bitwise_and_in},
               {"bitwise_or", bj_bitwise_or_in}, {"bitwise_xor", bj_bitwise_xor_in},
               {"shift_left", bj_shift_left_in}, {"shift_right", bj_shift_right_in}};
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (!strcmp(tab[i].name, op)) return tab[i].fn;
    return NULL;
}

/* A C scalar operand for a value of dtype d, such that the op can use it (weak ints must fit the result). */
static bj_in rand_literal(gen *g, bj_dtype d, bool *is_float_lit) {
    *is_float_lit = false;
    int k = rg_below(&g->r, 10);
    if (is_float(d) && k < 6) {
        static const double f[] = {2.5, 0.5, -1.0, 0.0, -0.0, 3.0, 1e-3, NAN, INFINITY, -INFINITY, 0.1, 100.0};
        *is_float_lit = true;
        return bj_in_f64(f[rg_below(&g->r, 12)]);
    }
    if (!is_float(d) && k < 2) {
        *is_float_lit = true; /* an int or bool value with a float literal becomes float32 */
        return bj_in_f64(rg_chance(&g->r, 0.5) ? 0.5 : -1.5);
    }
    if (k == 9) return bj_in_bool(rg_chance(&g->r, 0.5));
    int64_t v = rg_below(&g->r, 10);
    if (d != BJ_U32 && d != BJ_BOOL && rg_chance(&g->r, 0.3)) v = -v; /* bool + int gives int32 */
    if (d == BJ_BOOL && rg_chance(&g->r, 0.2)) v = -v;
    return bj_in_i64(v);
}

static bj_dtype in_dtype(bj_in x, bool *weak) {
    *weak = x.kind != 0 && x.kind != 3;
    if (x.kind == 0) {
        *weak = bj_val_weak(x.v);
        return bj_val_dtype(x.v);
    }
    return x.kind == 1 ? BJ_F32 : x.kind == 2 ? BJ_I32 : BJ_BOOL;
}

static bj_dtype promoted(bj_in a, bj_in b) {
    bool wa, wb, w;
    bj_dtype da = in_dtype(a, &wa), db = in_dtype(b, &wb);
    return bj_promote(da, wa, db, wb, &w);
}

static bj_val *op_unary(gen *g) {
    bj_val *x = pick(g);
    for (int tries = 0; tries < 8; tries++) {
        const char *op = rg_unary_ops[rg_below(&g->r, rg_nunary)];
        if (unary_ok(op, bj_val_dtype(x))) return bj_op(g->t, op, &x, 1, NULL);
    }
    return NULL;
}

static bj_val *op_binary(gen *g, bool literal) {
    bj_val *x = pick(g);
    bj_in a = bj_in_val(x), b;
    bool flit = false;
    if (literal) {
        b = rand_literal(g, bj_val_dtype(x), &flit);
    } else {
        bj_val *y = pick_partner(g, &x, 1);
        if (!y) return NULL;
        b = bj_in_val(y);
    }
    if (rg_chance(&g->r, 0.3)) {
        bj_in s = a;
        a = b, b = s;
    }
    bj_dtype d = promoted(a, b);
    for (int tries = 0; tries < 8; tries++) {
        const char *op = rg_binary_ops[rg_below(&g->r, rg_nbinary)];
        if (binary_ok(op, d)) return rg_binary_fn(op)(a, b);
    }
    return NULL;
}

static bj_val *op_ternary(gen *g) {
    bj_val *x = pick(g);
    bj_val *c = pick_partner(g, &x, 1);
    if (!c) return NULL;
    bj_val *both[2] = {x, c};
    bool flit;
    bj_in lo, hi;
    if (rg_chance(&g->r, 0.6)) {
        bj_val *y = pick_partner(g, both, 2);
        bj_in yi = y && rg_chance(&g->r, 0.7) ? bj_in_val(y) : rand_literal(g, bj_val_dtype(x), &flit);
        return rg_chance(&g->r, 0.5) ? bj_where_in(bj_in_val(c), bj_in_val(x), yi)
                                     : bj_where_in(bj_in_val(c), yi, bj_in_val(x));
    }
    /* clip: bounds as literals or values; weak literals must fit x's dtype */
    lo = rg_chance(&g->r, 0.5) ? bj_in_val(c) : rand_literal(g, bj_val_dtype(x), &flit);
    hi = rand_literal(g, promoted(bj_in_val(x), lo), &flit); /* a weak int must fit the promoted dtype */
    return bj_clip_in(bj_in_val(x), lo, hi);
}

static bj_val *op_cast(gen *g) { return bj_astype(pick(g), rand_dtype(&g->r)); }

static int rand_axes(gen *g, int rank, int *axes) {
    int n = 0;
    for (int i = 0; i < rank; i++)
        if (rg_chance(&g->r, 0.5)) axes[n++] = rg_chance(&g->r, 0.3) ? i - rank : i;
    return n;
}

static bj_val *op_reduce(gen *g) {
    static const char *const ops[] = {"sum", "mean", "max", "min", "prod", "any", "all", "argmax", "argmin"};
    bj_val *x = pick(g);
    int op = rg_below(&g->r, 9), rank = bj_val_rank(x);
    bool keep = rg_chance(&g->r, 0.5);
    if ((op == 2 || op == 3 || op >= 7) && nelem(x) == 0) return NULL; /* no identity */
    if (op >= 7) {
        if (!rank) return NULL;
        int axis = rg_below(&g->r, rank);
        if (rg_chance(&g->r, 0.3)) axis -= rank;
        return op == 7 ? bj_argmax(x, axis, keep) : bj_argmin(x, axis, keep);
    }
    int axes[BJ_MAX_RANK], n = rand_axes(g, rank, axes);
    bj_attrs a = {.naxes = n, .keepdims = keep};
    memcpy(a.axes, axes, sizeof(int) * (size_t)n);
    return bj_op(g->t, ops[op], &x, 1, &a);
}

static bj_val *op_reshape(gen *g, bj_val *x) {
    int64_t n = nelem(x), s[4];
    int r;
    int k = rg_below(&g->r, 6);
    if (k == 0) r = 1, s[0] = n;
    else if (k == 1) r = 2, s[0] = 1, s[1] = n;
    else if (k == 2) r = 2, s[0] = n, s[1] = 1;
    else {
        static const int64_t divs[] = {2, 3, 4, 5};
        int64_t dv = divs[rg_below(&g->r, 4)];
        if (n == 0 || n % dv) r = 1, s[0] = n;
        else if (k == 3) r = 2, s[0] = dv, s[1] = n / dv;
        else if (k == 4) r = 2, s[0] = n / dv, s[1] = dv;
        else r = 3, s[0] = 1, s[1] = dv, s[2] = n / dv;
    }
    if (n == 1 && rg_chance(&g->r, 0.3)) r = 0;
    if (r && n && rg_chance(&g->r, 0.3)) s[rg_below(&g->r, r)] = -1;
    return bj_reshape(x, r, s);
}

static bj_val *op_shape(gen *g) {
    bj_val *x = pick(g);
    int rank = bj_val_rank(x);
    const int64_t *sh = bj_val_shape(x);
    switch (rg_below(&g->r, 6)) {
    case 0: return op_reshape(g, x);
    case 1: {
        if (rank < 2) return op_reshape(g, x);
        int perm[BJ_MAX_RANK];
        for (int i = 0; i < rank; i++) perm[i] = i;
        for (int i = rank - 1; i > 0; i--) {
            int j = rg_below(&g->r, i + 1), s = perm[i];
            perm[i] = perm[j], perm[j] = s;
        }
        return bj_transpose(x, rg_chance(&g->r, 0.2) ? NULL : perm);
    }
    case 2: {
        int64_t s[BJ_MAX_RANK];
        int extra = rank < 3 ? rg_below(&g->r, 2) : 0, r = rank + extra;
        for (int i = 0; i < extra; i++) s[i] = 1 + rg_below(&g->r, 3);
        for (int i = 0; i < rank; i++) s[extra + i] = sh[i] == 1 ? 1 + rg_below(&g->r, 4) : sh[i];
        return bj_broadcast_to(x, r, s);
    }
    case 3: {
        if (!rank) return NULL;
        int64_t start[BJ_MAX_RANK], stop[BJ_MAX_RANK], step[BJ_MAX_RANK];
        static const int64_t steps[] = {1, 1, 2, -1, -1, -2, 3};
        for (int i = 0; i < rank; i++) {
            int64_t d = sh[i];
            step[i] = steps[rg_below(&g->r, 7)];
            start[i] = rg_chance(&g->r, 0.3) ? BJ_END : rg_below(&g->r, (int)(2 * d + 3)) - d - 1;
            stop[i] = rg_chance(&g->r, 0.4) ? BJ_END : rg_below(&g->r, (int)(2 * d + 3)) - d - 1;
            if (rg_chance(&g->r, 0.8)) { /* mostly non-empty: keep the range in the step's direction */
                if (step[i] > 0 && start[i] != BJ_END && stop[i] != BJ_END && stop[i] <= start[i]) stop[i] = BJ_END;
                if (step[i] < 0 && start[i] != BJ_END && stop[i] != BJ_END && stop[i] >= start[i]) stop[i] = BJ_END;
            }
        }
        return bj_slice(x, start, stop, step);
    }
    case 4: {
        int axes[BJ_MAX_RANK], n = rand_axes(g, rank, axes);
        return bj_flip(x, n, axes);
    }
    default: {
        if (!rank) return NULL;
        int axis = rg_below(&g->r, rank);
        bj_val *xs[3] = {x};
        int n = 1;
        for (int tries = 0; tries < 10 && n < 3; tries++) {
            bj_val *c = pool_any(g);
            if (tries > 6) c = x;
            if (bj_val_rank(c) != rank) continue;
            bool ok = true;
            for (int i = 0; i < rank; i++) ok = ok && (i == axis || bj_val_shape(c)[i] == sh[i]);
            if (ok) xs[n++] = c;
        }
        return bj_concatenate(xs, n, rg_chance(&g->r, 0.3) ? axis - rank : axis);
    }
    }
}

static bj_val *op_take(gen *g) {
    bj_val *x = pick(g);
    int rank = bj_val_rank(x);
    if (!rank) return NULL;
    int axis = rg_below(&g->r, rank);
    if (bj_val_shape(x)[axis] == 0) return NULL;
    bj_val *idx = NULL;
    for (int tries = 0; tries < 6 && !idx; tries++) {
        bj_val *c = pool_any(g);
        if (is_int(bj_val_dtype(c)) && bj_val_rank(c) <= 2 && nelem(c) <= 20) idx = c;
    }
    if (!idx || rg_chance(&g->r, 0.5)) {
        int64_t s[2] = {1 + rg_below(&g->r, 5), 1 + rg_below(&g->r, 3)};
        int r = rg_below(&g->r, 3);
        bj_dtype d = rg_chance(&g->r, 0.6) ? BJ_I32 : rg_chance(&g->r, 0.5) ? BJ_I64 : BJ_U32;
        bj_array *a = bj_array_zeros(d, r, s);
        if (!a) return NULL;
        int64_t n = bj_array_size(a), dim = bj_val_shape(x)[axis];
        for (int64_t i = 0; i < n; i++) {
            int64_t v = rg_below(&g->r, (int)(2 * dim + 5)) - dim - 2; /* includes out-of-range both ways */
            if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)v;
            else if (d == BJ_I64) ((int64_t *)bj_array_data(a))[i] = v;
            else ((uint32_t *)bj_array_data(a))[i] = (uint32_t)v;
        }
        idx = bj_trace_const(g->t, a);
        bj_array_release(a);
    }
    return bj_take(x, idx, rg_chance(&g->r, 0.3) ? axis - rank : axis);
}

static bj_val *op_scan(gen *g) {
    bj_val *x = pick(g);
    int rank = bj_val_rank(x);
    if (!rank) return NULL;
    int axis = rg_below(&g->r, rank);
    return rg_chance(&g->r, 0.6) ? bj_cumsum(x, axis) : bj_cumprod(x, axis);
}

static bj_val *op_matmul(gen *g) {
    bj_val *a = pick(g);
    int ra = bj_val_rank(a);
    if (!ra || ra > 3) return NULL;
    if (bj_val_dtype(a) == BJ_BOOL) a = bj_astype(a, rg_chance(&g->r, 0.5) ? BJ_F32 : BJ_I32);
    int64_t k = bj_val_shape(a)[ra - 1];
    bj_val *b = NULL;
    for (int tries = 0; tries < 10 && !b; tries++) {
        bj_val *c = pool_any(g);
        int rc = bj_val_rank(c);
        if (!rc || rc > 3 || bj_val_dtype(c) == BJ_BOOL || bj_val_shape(c)[rc == 1 ? 0 : rc - 2] != k) continue;
        if (ra > 2 && rc > 2 && bj_val_shape(c)[0] != bj_val_shape(a)[0] && bj_val_shape(c)[0] != 1 &&
            bj_val_shape(a)[0] != 1)
            continue;
        b = c;
    }
    if (!b && ra == 2 && rg_chance(&g->r, 0.5)) b = bj_transpose(a, NULL);
    if (!b) {
        int64_t s[2] = {k, 1 + rg_below(&g->r, 4)};
        b = rg_chance(&g->r, 0.5) ? new_const(g, bj_val_dtype(a), 2, s) : bj_iota(g->t, bj_val_dtype(a), 2, s, 1);
    }
    /* bj_dot of a [.., 0] with a rank-3 b fails in its reshape to [0, -1] (a front-end bug, reported) */
    bool dot_ok = k > 0 || bj_val_rank(b) < 3;
    return rg_chance(&g->r, 0.8) || !dot_ok ? bj_matmul(a, b) : bj_dot(a, b);
}

/* Random int indices of dtype i32/i64/u32 and up to rank 2, in and out of [-dim, dim) (a constant). */
static bj_val *rand_indices(gen *g, int64_t dim) {
    int64_t s[2] = {1 + rg_below(&g->r, 5), 1 + rg_below(&g->r, 3)};
    int r = rg_below(&g->r, 3);
    bj_dtype d = rg_chance(&g->r, 0.6) ? BJ_I32 : rg_chance(&g->r, 0.5) ? BJ_I64 : BJ_U32;
    bj_array *a = bj_array_zeros(d, r, s);
    if (!a) return NULL;
    for (int64_t i = 0; i < bj_array_size(a); i++) {
        int64_t v = rg_below(&g->r, (int)(2 * dim + 5)) - dim - 2;
        if (d == BJ_I32) ((int32_t *)bj_array_data(a))[i] = (int32_t)v;
        else if (d == BJ_I64) ((int64_t *)bj_array_data(a))[i] = v;
        else ((uint32_t *)bj_array_data(a))[i] = (uint32_t)v;
    }
    bj_val *v = bj_trace_const(g->t, a);
    bj_array_release(a);
    return v;
}

/* Whether v broadcasts to the shape (rank r, dims s). */
static bool fits_into(const bj_val *v, int r, const int64_t *s) {
    int rv = bj_val_rank(v);
    if (rv > r) return false;
    for (int i = 1; i <= rv; i++)
        if (bj_val_shape(v)[rv - i] != 1 && bj_val_shape(v)[rv - i] != s[r - i]) return false;
    return true;
}

static bj_val *op_scatter(gen *g) {
    bj_val *x = pick(g);
    int rank = bj_val_rank(x);
    bool add = rg_chance(&g->r, 0.5);
    if (!rank || (add && bj_val_dtype(x) == BJ_BOOL)) return NULL;
    int axis = rg_below(&g->r, rank);
    bj_val *idx = rand_indices(g, bj_val_shape(x)[axis]);
    if (!idx) return NULL;
    int64_t us[BJ_MAX_RANK];
    int ur = 0, ir = bj_val_rank(idx);
    for (int i = 0; i < axis; i++) us[ur++] = bj_val_shape(x)[i];
    for (int i = 0; i < ir; i++) us[ur++] = bj_val_shape(idx)[i];
    for (int i = axis + 1; i < rank; i++) us[ur++] = bj_val_shape(x)[i];
    bj_val *upd = NULL;
    for (int tries = 0; tries < 8 && !upd; tries++) {
        bj_val *c = pool_any(g);
        if (fits_into(c, ur, us)) upd = c;
    }
    if (!upd) upd = new_const(g, rand_dtype(&g->r), ur, us);
    return add ? bj_scatter_add(x, idx, upd, axis) : bj_scatter_set(x, idx, upd, axis);
}

/* A traced int scalar for a dynamic start: an int rank-0 value of the graph (a run-time start) if there is one,
 * else a constant (which the rewrite may turn into a static slice). Either may be far out of range. */
static bj_val *rand_start(gen *g) {
    for (int tries = 0; tries < 6 && rg_chance(&g->r, 0.7); tries++) {
        bj_val *c = pool_any(g);
        if (bj_val_rank(c) == 0 && is_int(bj_val_dtype(c))) return c;
    }
    static const double v[] = {0, 1, 2, -1, -100, 3, 1e9};
    static const bj_dtype d[] = {BJ_I32, BJ_I64, BJ_U32};
    return bj_lit(g->t, d[rg_below(&g->r, 3)], v[rg_below(&g->r, 7)]);
}

static bj_val *op_dynamic(gen *g) {
    bj_val *x = pick(g);
    int rank = bj_val_rank(x);
    if (!rank) return NULL;
    bj_val *st[BJ_MAX_RANK];
    for (int i = 0; i < rank; i++) st[i] = rand_start(g);
    const int64_t *xs = bj_val_shape(x);
    if (rg_chance(&g->r, 0.5)) {
        int64_t sizes[BJ_MAX_RANK];
        for (int i = 0; i < rank; i++) sizes[i] = rg_below(&g->r, (int)xs[i] + 1);
        if (rg_chance(&g->r, 0.8))
            for (int i = 0; i < rank; i++) sizes[i] += sizes[i] == 0 && xs[i] > 0; /* mostly non-empty */
        return bj_dynamic_slice(x, st, sizes);
    }
    bj_val *u = NULL;
    for (int tries = 0; tries < 8 && !u; tries++) {
        bj_val *c = pool_any(g);
        bool ok = bj_val_rank(c) == rank;
        for (int i = 0; ok && i < rank; i++) ok = bj_val_shape(c)[i] <= xs[i];
        if (ok) u = c;
    }
    if (!u) {
        int64_t us[BJ_MAX_RANK];
        for (int i = 0; i < rank; i++) us[i] = rg_below(&g->r, (int)xs[i] + 1);
        u = new_const(g, rand_dtype(&g->r), rank, us);
    }
    return bj_dynamic_update_slice(x, u, st);
}

static bj_val *op_create(gen *g) {
    int64_t s[3];
    int r = rand_ushape(g, s);
    bj_dtype d = rand_dtype(&g->r);
    int k = rg_below(&g->r, 3);
    if (k == 0 && r) return bj_iota(g->t, d, r, s, rg_below(&g->r, r));
    if (k == 1) {
        static const double vals[] = {0, -0.0, 1, 2.5, -3, NAN, INFINITY, 1e10, -1e300};
        return bj_full(g->t, d, r, s, vals[rg_below(&g->r, 9)]);
    }
    return new_const(g, d, r, s);
}

static bool build(bj_trace *t, uint64_t seed, int limit, rg_graph *out) {
    memset(out, 0, sizeof *out);
    out->seed = seed;
    gen *g = calloc(1, sizeof *g);
    if (!g) return false;
    g->r.s = seed * 0x2545f4914f6cdd1dull + 1;
    rg_next(&g->r);
    g->t = t, g->out = out;
    int u = rg_below(&g->r, 40); /* mostly [4, 5]; rank 3; odd sizes past a vector width; empty arrays */
    if (u < 26) g->urank = 2, g->ushape[0] = 4, g->ushape[1] = 5;
    else if (u < 32) g->urank = 3, g->ushape[0] = 2, g->ushape[1] = 3, g->ushape[2] = 4;
    else if (u < 36) g->urank = 2, g->ushape[0] = 33, g->ushape[1] = 65;
    else if (u < 38) g->urank = 3, g->ushape[0] = 7, g->ushape[1] = 1, g->ushape[2] = 9;
    else g->urank = 2, g->ushape[0] = 3, g->ushape[1] = 0;
    int nargs = 1 + rg_below(&g->r, 3);
    for (int i = 0; i < nargs; i++) {
        int64_t s[3];
        int r = rand_ushape(g, s);
        if (i == 0) { /* one full-size argument keeps the graph's arrays from all being tiny */
            r = g->urank;
            memcpy(s, g->ushape, sizeof s);
        }
        push(g, new_arg(g, rand_dtype(&g->r), r, s));
    }
    int want = 1 + rg_below(&g->r, 40);
    if (limit >= 0 && limit < want) want = limit;
    for (int tries = 0; out->nops < want && tries < 4 * want && bj_trace_status(t) == BJ_OK; tries++) {
        int k = rg_below(&g->r, 100);
        bj_val *v;
        if (k < 18) v = op_unary(g);
        else if (k < 36) v = op_binary(g, false);
        else if (k < 45) v = op_binary(g, true);
        else if (k < 51) v = op_ternary(g);
        else if (k < 58) v = op_cast(g);
        else if (k < 67) v = op_reduce(g);
        else if (k < 78) v = op_shape(g);
        else if (k < 81) v = op_take(g);
        else if (k < 84) v = op_scatter(g);
        else if (k < 87) v = op_dynamic(g);
        else if (k < 90) v = op_scan(g);
        else if (k < 95) v = op_matmul(g);
        else v = op_create(g);
        if (!v) continue;
        push(g, v);
        out->nops++;
    }
    bool ok = bj_trace_status(t) == BJ_OK;
    if (ok) {
        out->outs[out->nouts++] = g->pool[g->n - 1];
        for (int i = g->n - 2; i >= 0 && limit < 0 && out->nouts < RG_MAX_OUTS - 1; i--)
            if (!g->used[i]) out->outs[out->nouts++] = g->pool[i];
        int extra = limit >= 0 ? 0 : rg_below(&g->r, 2);
        for (int i = 0; i < extra; i++) out->outs[out->nouts++] = g->pool[rg_below(&g->r, g->n)];
    }
    free(g);
    return ok;
}

bool rg_build(bj_trace *t, uint64_t seed, rg_graph *out) { return build(t, seed, -1, out); }
bool rg_build_prefix(bj_trace *t, uint64_t seed, int nops, rg_graph *out) { return build(t, seed, nops, out); }

void rg_graph_free(rg_graph *g) {
    for (int i = 0; i < g->nargs; i++) bj_array_release(g->args[i]);
    g->nargs = 0;
}

/* ---------------------------------------------------------------- the test group */
static uint64_t env_u64(const char *name, uint64_t def) {
    const char *s = getenv(name);
    if (!s || !*s) return def;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    return *end ? def : (uint64_t)v;
}

/* The graph of one seed alone (limit >= 0: only its first `limit` ops, with the last value as the one output). */
static bj_graph *single(uint64_t seed, int limit, rg_graph *rg) {
    bj_trace *t = bj_trace_new("rgraph");
    bool ok = limit < 0 ? rg_build(t, seed, rg) : rg_build_prefix(t, seed, limit, rg);
    if (!ok) {
        printf("    seed %llu: the generator made an invalid graph: %s\n", (unsigned long long)seed, bj_trace_error(t));
        bj_trace_free(t);
        rg_graph_free(rg);
        return NULL;
    }
    bj_graph *g = bj_trace_finish(t, rg->outs, rg->nouts);
    if (!g) rg_graph_free(rg);
    return g;
}

/* Runs one seed's graph alone; returns diff_graph's result (prints nothing unless verbose). */
static int check_single(uint64_t seed, int limit, bool verbose, int *nops) {
    rg_graph rg;
    bj_graph *g = single(seed, limit, &rg);
    if (!g) return -1;
    if (nops) *nops = rg.nops;
    bj_exec *e = NULL;
    const char *labels[RG_MAX_OUTS] = {"out 0", "out 1", "out 2", "out 3", "out 4", "out 5"};
    if (verbose) bj_graph_print(g, stdout);
    int r = diff_graph(g, rg.args, rg.nargs, NULL, verbose ? labels : NULL, verbose ? &e : NULL);
    if (verbose) {
        for (int i = 0; i < rg.nargs; i++) {
            printf("    input %d: ", i);
            bj_array_print(rg.args[i], stdout);
            printf("\n");
        }
        diff_print_source(e);
    }
    bj_exec_release(e);
    bj_graph_release(g);
    rg_graph_free(&rg);
    return r;
}

/* A failing seed: its graph, source and differences, then the shortest op prefix that still fails. */
static void report(uint64_t seed) {
    char flags[512] = "";
    bj_config_get("cflags", flags, sizeof flags);
    printf("    ==== rgraph seed %llu fails with cflags \"%s\" (reproduce: BJ_RGRAPH_SEED=%llu BJ_RGRAPH_COUNT=1 "
           "BJ_CFLAGS=\"%s\") ====\n", (unsigned long long)seed, flags, (unsigned long long)seed, flags);
    int nops = 40;
    check_single(seed, -1, true, &nops);
    for (int k = 1; k <= nops; k++) {
        int r = check_single(seed, k, false, NULL);
        if (r != 0) {
            printf("    ---- shortest failing prefix: %d ops, its last value as the output ----\n", k);
            check_single(seed, k, true, NULL);
            return;
        }
    }
    printf("    (no failing op prefix with a single output)\n");
}

/* `n` graphs from seed0 on in one trace: built on the main thread, compared (compiled and run) on any thread,
 * reported on the main thread. */
typedef struct batch {
    uint64_t seed0;
    int n, built, nout, nin;
    rg_graph *gs;
    bj_val **outs;
    bj_array **ins;
    bool *bad;
    bj_graph *g; /* NULL if the trace failed */
    int r;       /* diff_graph's result */
} batch;

static bool batch_build(batch *b, uint64_t seed0, int n, int64_t *ops) {
    memset(b, 0, sizeof *b);
    b->seed0 = seed0, b->n = n, b->r = -1;
    b->gs = calloc((size_t)n, sizeof *b->gs);
    b->outs = calloc((size_t)n * RG_MAX_OUTS, sizeof *b->outs);
    b->ins = calloc((size_t)n * RG_MAX_ARGS, sizeof *b->ins);
    b->bad = calloc((size_t)n * RG_MAX_OUTS, sizeof *b->bad);
    if (!b->gs || !b->outs || !b->ins || !b->bad) return printf("    out of memory\n"), false;
    bj_trace *t = bj_trace_new("rgraph_batch");
    bool ok = true;
    for (; b->built < n && ok; b->built++) {
        rg_graph *gi = &b->gs[b->built];
        ok = rg_build(t, seed0 + (uint64_t)b->built, gi);
        for (int j = 0; j < gi->nouts; j++) b->outs[b->nout++] = gi->outs[j];
        for (int j = 0; j < gi->nargs; j++) b->ins[b->nin++] = gi->args[j];
        *ops += gi->nops;
    }
    b->g = ok ? bj_trace_finish(t, b->outs, b->nout) : (bj_trace_free(t), NULL);
    return true;
}

static void *batch_compare(void *arg) {
    batch *b = arg;
    if (b->g) b->r = diff_graph(b->g, b->ins, b->nin, b->bad, NULL, NULL);
    return NULL;
}

/* Reports the failing graphs of a compared batch (each alone, shrunk) and frees it; returns how many failed. */
static int batch_report(batch *b) {
    int failing = 0;
    if (b->r < 0 && b->gs) { /* a failed trace, compile or run: find the graphs that fail alone */
        for (int i = 0; i < b->n; i++)
            if (check_single(b->seed0 + (uint64_t)i, -1, false, NULL) != 0) failing++, report(b->seed0 + (uint64_t)i);
        if (!failing)
            printf("    batch from seed %llu fails, but no graph fails alone\n", (unsigned long long)b->seed0);
        failing += !failing;
    } else if (b->r > 0) {
        for (int i = 0, o = 0; i < b->built; i++) {
            bool any = false;
            for (int j = 0; j < b->gs[i].nouts; j++) any |= b->bad[o++];
            if (any) failing++, report(b->gs[i].seed);
        }
    }
    bj_graph_release(b->g);
    for (int i = 0; b->gs && i < b->built; i++) rg_graph_free(&b->gs[i]);
    free(b->gs), free(b->outs), free(b->ins), free(b->bad);
    return failing + (b->gs == NULL);
}

/* The same seed gives the same graph and data, in a fresh trace and in one that already holds other graphs. */
static void rgraph_deterministic(void) {
    for (uint64_t seed = 1; seed < 40; seed += 7) {
        rg_graph a, b, c;
        bj_trace *t1 = bj_trace_new("rgraph"), *t2 = bj_trace_new("rgraph");
        CHECK(rg_build(t1, seed, &a));
        CHECK(rg_build(t2, seed + 1000, &c));
        CHECK(rg_build(t2, seed, &b));
        CHECK(a.nargs == b.nargs && a.nouts == b.nouts && a.nops == b.nops);
        for (int i = 0; i < a.nargs && i < b.nargs; i++) CHECK(diff_same(a.args[i], b.args[i], NULL));
        bj_graph *g1 = bj_trace_finish(t1, a.outs, a.nouts), *g2 = bj_trace_finish(t2, b.outs, b.nouts);
        char *s1 = bj_graph_to_string(g1), *s2 = bj_graph_to_string(g2);
        CHECK(s1 && s2 && strstr(s1, "{"));
        /* argument numbers differ (t2 holds the other graph's first), so compare the op lines only */
        const char *p1 = s1 ? strchr(s1, '\n') : NULL, *p2 = s2 ? strchr(s2, '\n') : NULL;
        int ops1 = 0, ops2 = 0;
        for (; p1 && (p1 = strstr(p1, " = ")); p1++) ops1++;
        for (; p2 && (p2 = strstr(p2, " = ")); p2++) ops2++;
        CHECK(ops1 > 0 && ops1 == ops2);
        bj_free(s1), bj_free(s2);
        bj_graph_release(g1), bj_graph_release(g2);
        rg_graph_free(&a), rg_graph_free(&b), rg_graph_free(&c);
    }
}

/* BJ_RGRAPH_COUNT graphs (default 1000) from seed BJ_RGRAPH_SEED (default 1), BJ_RGRAPH_BATCH (default 50) per
 * compile, BJ_RGRAPH_THREADS batches (default: half the online CPUs, 1 to 4) compiled and compared at once; each
 * graph through the interpreter and diff_backend(). Compiling is nearly all the time this takes, and -O3 costs
 * twice -O2, so 4 rounds of batches in 5 append BJ_RGRAPH_CFLAGS (default "-O2"; set it empty for the backend's
 * own flags everywhere) to the "cflags" setting. -O2 keeps what matters here: the same floating-point flags and
 * the folding and vectorizing passes that can change a result. */
#define RG_MAX_THREADS 4
static void rgraph_random_graphs(void) {
    uint64_t seed = env_u64("BJ_RGRAPH_SEED", 1), count = env_u64("BJ_RGRAPH_COUNT", 1000);
    uint64_t batch_n = env_u64("BJ_RGRAPH_BATCH", 50);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* half the online CPUs: two compilers on one core's hyperthreads took longer than one after the other */
    int nthreads = (int)env_u64("BJ_RGRAPH_THREADS", cpus < 4 ? 1 : cpus / 2 > RG_MAX_THREADS ? RG_MAX_THREADS
                                                                                            : (uint64_t)cpus / 2);
    if (nthreads < 1 || nthreads > RG_MAX_THREADS) nthreads = nthreads < 1 ? 1 : RG_MAX_THREADS;
    const char *extra = getenv("BJ_RGRAPH_CFLAGS");
    if (!extra) extra = "-O2";
    if (batch_n < 1) batch_n = 1;
    char own[512], fast[1024];
    CHECK(bj_config_get("cflags", own, sizeof own) == BJ_OK);
    snprintf(fast, sizeof fast, "%s%s%s", own, *own ? " " : "", extra);
    int failing = 0;
    int64_t ops = 0;
    uint64_t done = 0;
    for (int round = 0; done < count && failing < 5; round++) {
        batch bs[RG_MAX_THREADS];
        pthread_t th[RG_MAX_THREADS];
        bool started[RG_MAX_THREADS] = {0};
        int nb = 0;
        for (; nb < nthreads && done < count; nb++) {
            int n = (int)(count - done < batch_n ? count - done : batch_n);
            batch_build(&bs[nb], seed + done, n, &ops);
            done += (uint64_t)n;
        }
        /* the setting is read while compiling: it changes only between rounds */
        bj_config_set("cflags", round % 5 == 0 || !*extra ? own : fast);
        for (int i = 1; i < nb; i++) started[i] = pthread_create(&th[i], NULL, batch_compare, &bs[i]) == 0;
        batch_compare(&bs[0]);
        for (int i = 1; i < nb; i++) {
            if (started[i]) pthread_join(th[i], NULL);
            else batch_compare(&bs[i]);
        }
        for (int i = 0; i < nb; i++) failing += batch_report(&bs[i]);
    }
    bj_config_set("cflags", own);
    CHECK_MSG(failing == 0, "%d random graphs differ between interp and %s", failing, diff_backend());
    if (getenv("BJ_TEST_VERBOSE") || getenv("BJ_RGRAPH_COUNT"))
        printf("  rgraph: %llu graphs (%lld ops) from seed %llu, %llu per compile, %d at once, against %s (cflags "
               "\"%s\" on 4 of 5 rounds)\n", (unsigned long long)done, (long long)ops, (unsigned long long)seed,
               (unsigned long long)batch_n, nthreads, diff_backend(), extra);
}

void tests_rgraph(void) {
    RUN(rgraph_deterministic);
    RUN(rgraph_random_graphs);
}
