/* test_sort.c — sort and argsort: values and positions against a reference (a stable insertion sort written here,
 * with numpy's order) for every dtype, ranks 1 to 3 and every axis, stability, NaN placement and signed zeros,
 * empty axes, long lines (the merge passes) and the in-place fallback, by name, folded constants, inside a jit, and
 * the errors; nonzero (flat indices, size and fill) and its use as a loop's event record. Every graph runs on the
 * interpreter and the native backend, which must agree byte for byte. */
#include "core/bjsort.h"
#include "rgraph.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

static const bj_dtype DTS[6] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};

/* ---------------------------------------------------------------- the reference */
/* Whether element i of x comes strictly before element j in numpy's order (NaN after every number). */
static bool ref_lt(const bj_array *x, int64_t i, int64_t j) {
    const void *p = bj_array_data(x);
    switch (bj_array_dtype(x)) {
    case BJ_BOOL: return !((const bool *)p)[i] && ((const bool *)p)[j];
    case BJ_I32: return ((const int32_t *)p)[i] < ((const int32_t *)p)[j];
    case BJ_I64: return ((const int64_t *)p)[i] < ((const int64_t *)p)[j];
    case BJ_U32: return ((const uint32_t *)p)[i] < ((const uint32_t *)p)[j];
    case BJ_F32: {
        float a = ((const float *)p)[i], b = ((const float *)p)[j];
        return isnan(a) ? false : isnan(b) ? true : a < b;
    }
    default: {
        double a = ((const double *)p)[i], b = ((const double *)p)[j];
        return isnan(a) ? false : isnan(b) ? true : a < b;
    }
    }
}

/* The expected argsort of x along axis (int32, x's shape), by stable insertion on each line. */
static int32_t *ref_argsort(const bj_array *x, int axis) {
    int rank = bj_array_rank(x);
    const int64_t *s = bj_array_shape(x);
    int64_t O = 1, D = s[axis], I = 1;
    for (int k = 0; k < axis; k++) O *= s[k];
    for (int k = axis + 1; k < rank; k++) I *= s[k];
    int32_t *r = malloc(sizeof *r * (size_t)(O * D * I + 1));
    for (int64_t o = 0; o < O; o++)
        for (int64_t k = 0; k < I; k++) {
            int64_t base = o * D * I + k;
            int32_t *line = r + base;
            for (int64_t j = 0; j < D; j++) line[j * I] = (int32_t)j;
            for (int64_t i = 1; i < D; i++) {
                int32_t v = line[i * I];
                int64_t j = i;
                while (j > 0 && ref_lt(x, base + v * I, base + line[(j - 1) * I] * I)) line[j * I] = line[(j - 1) * I], j--;
                line[j * I] = v;
            }
        }
    return r;
}

/* Whether sorted (x's dtype and shape) holds x's elements in the order of pos, byte for byte, and argsorted == pos. */
static bool matches_ref(const bj_array *x, int axis, const bj_array *sorted, const bj_array *argsorted,
                        const char *label) {
    if (!sorted || !argsorted || bj_array_dtype(sorted) != bj_array_dtype(x) || bj_array_dtype(argsorted) != BJ_I32 ||
        bj_array_size(sorted) != bj_array_size(x) || bj_array_size(argsorted) != bj_array_size(x)) {
        printf("    %s: missing or mistyped results\n", label);
        return false;
    }
    int rank = bj_array_rank(x);
    const int64_t *s = bj_array_shape(x);
    int64_t D = s[axis], I = 1;
    for (int k = axis + 1; k < rank; k++) I *= s[k];
    int32_t *pos = ref_argsort(x, axis);
    size_t es = bj_dtype_size(bj_array_dtype(x));
    bool ok = true;
    for (int64_t e = 0; ok && e < bj_array_size(x); e++) {
        int64_t j = e / I % D, src = e + ((int64_t)pos[e] - j) * I; /* the element pos[e] of e's line */
        int32_t got = ((const int32_t *)bj_array_data(argsorted))[e];
        if (got != pos[e]) {
            printf("    %s: argsort element %lld is %d, expected %d\n", label, (long long)e, got, pos[e]);
            ok = false;
        } else if (memcmp((const char *)bj_array_data(sorted) + e * (int64_t)es,
                          (const char *)bj_array_data(x) + src * (int64_t)es, es)) {
            printf("    %s: sort element %lld is %.17g, expected %.17g\n", label, (long long)e,
                   bj_array_get(sorted, e), bj_array_get(x, src));
            ok = false;
        }
    }
    free(pos);
    return ok;
}

/* ---------------------------------------------------------------- values against the reference */
/* Every dtype, ranks 1 to 3, every axis (each also given negatively), random data with ties and special values
 * (NaN, infinities, signed zeros, integer extremes): sort and argsort on both backends against the reference. */
static void sort_all_dtypes_ranks_axes(void) {
    static const int64_t shapes[][3] = {{37}, {5, 9}, {1, 17}, {4, 3, 6}, {2, 1, 40}};
    static const int ranks[] = {1, 2, 2, 3, 3};
    rg_rng r = {20240601};
    for (int k = 0; k < 6; k++) {
        diff_batch b = {.t = bj_trace_new("sort")};
        int ncase = 0, axes[64], which[64];
        for (int s = 0; s < 5; s++) {
            bj_array *a = bj_array_zeros(DTS[k], ranks[s], shapes[s]);
            rg_fill(&r, a);
            bj_val *x = diff_batch_arg(&b, a);
            for (int ax = 0; ax < ranks[s]; ax++) {
                int given = (ax + s) % 2 ? ax - ranks[s] : ax; /* negative axes count from the end */
                diff_batch_out(&b, bj_sort(x, given));
                diff_batch_out(&b, bj_argsort(x, given));
                axes[ncase] = ax, which[ncase++] = b.nin - 1;
            }
        }
        bj_array *res[256] = {0};
        int n = b.nout;
        CHECK_MSG(diff_batch_run(&b, res, NULL), "dtype %s", bj_dtype_name(DTS[k]));
        for (int c = 0; c < ncase && res[0]; c++)
            for (int be = 0; be < 2; be++) {
                char label[64];
                snprintf(label, sizeof label, "%s case %d (%s)", bj_dtype_name(DTS[k]), c, be ? "native" : "interp");
                CHECK(matches_ref(b.ins[which[c]], axes[c], res[be * n + 2 * c], res[be * n + 2 * c + 1], label));
            }
        diff_batch_free(&b, res, 2 * n);
    }
}

/* Stability and the float order spelled out: NaNs last (in input order), zeros of both signs equal (in input
 * order), infinities at the ends of the numbers. */
static void sort_stable_nan_zero(void) {
    static const double xs[] = {NAN, 1, -INFINITY, 0.0, -0.0, INFINITY, -NAN, -1, 0.0, 1, -0.0};
    static const int32_t want_pos[] = {2, 7, 3, 4, 8, 10, 1, 9, 5, 0, 6};
    for (int k = 4; k < 6; k++) {
        diff_batch b = {.t = bj_trace_new("stable")};
        bj_val *x = diff_batch_arg(&b, test_arr(DTS[k], 1, SH(11), xs));
        diff_batch_out(&b, bj_sort(x, 0));
        diff_batch_out(&b, bj_argsort(x, -1));
        bj_array *res[4] = {0};
        CHECK(diff_batch_run(&b, res, NULL));
        for (int be = 0; be < 2 && res[0]; be++) {
            CHECK(!memcmp(bj_array_data(res[be * 2 + 1]), want_pos, sizeof want_pos));
            for (int i = 0; i < 11; i++) {
                double g = bj_array_get(res[be * 2], i), w = xs[want_pos[i]];
                CHECK_MSG(isnan(w) ? isnan(g) : g == w && signbit(g) == signbit(w), "%s element %d: %g, want %g",
                          bj_dtype_name(DTS[k]), i, g, w);
            }
        }
        diff_batch_free(&b, res, 4);
    }
    /* ties of integers keep their order; unsigned compares as unsigned; bool false before true */
    CHECK(test_op_is("argsort", &(bj_attrs){.axis = 0}, 1, INS(test_arr(BJ_I32, 1, SH(6), V(3, 1, 3, -2, 1, 3))), BJ_I32,
                     1, SH(6), V(3, 1, 4, 0, 2, 5)));
    CHECK(test_op_is("sort", &(bj_attrs){.axis = 0}, 1, INS(test_arr(BJ_U32, 1, SH(4), V(4294967295.0, 2147483648.0, 1, 0))),
                     BJ_U32, 1, SH(4), V(0, 1, 2147483648.0, 4294967295.0)));
    CHECK(test_op_is("argsort", &(bj_attrs){.axis = 0}, 1, INS(test_arr(BJ_BOOL, 1, SH(5), V(1, 0, 1, 0, 0))), BJ_I32, 1,
                     SH(5), V(1, 3, 4, 0, 2)));
    CHECK(test_op_is("sort", &(bj_attrs){.axis = -1}, 1, INS(test_arr(BJ_I64, 2, SH(2, 3), V(5, -7, 0, 2, 2, -9))), BJ_I64,
                     2, SH(2, 3), V(-7, 0, 5, -9, 2, 2)));
}

/* Lines long enough for several merge passes (lengths around powers of two and the insertion runs), few distinct
 * values (long runs of ties: stability across merges), and strided lines (axis 0 of [n, 3]). */
static void sort_long_lines(void) {
    static const int64_t lens[] = {15, 16, 17, 31, 33, 64, 100, 255, 256, 257, 1000, 4099};
    rg_rng r = {77};
    diff_batch b = {.t = bj_trace_new("long")};
    int nc = 0, axes[32], which[32];
    for (int i = 0; i < 12; i++) {
        bool strided = i % 3 == 2;
        bj_dtype d = i % 2 ? BJ_F32 : BJ_I32;
        bj_array *a = strided ? bj_array_zeros(d, 2, SH(lens[i], 3)) : bj_array_zeros(d, 1, &lens[i]);
        for (int64_t e = 0; a && e < bj_array_size(a); e++) {
            int v = rg_below(&r, 7) - 3;
            if (d == BJ_F32) ((float *)bj_array_data(a))[e] = rg_below(&r, 10) == 0 ? NAN : v == 0 && e % 2 ? -0.0f : (float)v;
            else ((int32_t *)bj_array_data(a))[e] = v;
        }
        bj_val *x = diff_batch_arg(&b, a);
        diff_batch_out(&b, bj_sort(x, 0));
        diff_batch_out(&b, bj_argsort(x, 0));
        axes[nc] = 0, which[nc++] = b.nin - 1;
    }
    bj_array *res[64] = {0};
    int n = b.nout;
    CHECK(diff_batch_run(&b, res, NULL));
    for (int c = 0; c < nc && res[0]; c++)
        for (int be = 0; be < 2; be++) {
            char label[48];
            snprintf(label, sizeof label, "long case %d (%s)", c, be ? "native" : "interp");
            CHECK(matches_ref(b.ins[which[c]], axes[c], res[be * n + 2 * c], res[be * n + 2 * c + 1], label));
        }
    diff_batch_free(&b, res, 2 * n);
}

/* Large enough for the native backend to split the lines over threads (each thread with its own scratch): the
 * same bits as the interpreter and the reference. */
static void sort_split_over_threads(void) {
    rg_rng r = {4242};
    diff_batch b = {.t = bj_trace_new("threads")};
    bj_array *a = bj_array_zeros(BJ_F32, 2, SH(1024, 160));
    rg_fill(&r, a);
    bj_val *x = diff_batch_arg(&b, a);
    diff_batch_out(&b, bj_sort(x, 1)), diff_batch_out(&b, bj_argsort(x, 1));
    diff_batch_out(&b, bj_sort(x, 0)), diff_batch_out(&b, bj_argsort(x, 0));
    bj_array *res[8] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int be = 0; be < 2 && res[0]; be++) {
        CHECK(matches_ref(a, 1, res[4 * be], res[4 * be + 1], "rows"));
        CHECK(matches_ref(a, 0, res[4 * be + 2], res[4 * be + 3], "columns"));
    }
    diff_batch_free(&b, res, 8);
}

/* The helper without scratch (what generated code does when it cannot allocate) gives the merge sort's bits. */
static void sort_fallback_in_place(void) {
    rg_rng r = {5};
    enum { N = 300, S = 3 };
    float x[N * S], y1[N * S], y2[N * S];
    int32_t p1[N * S], p2[N * S];
    for (int i = 0; i < N * S; i++) {
        float v = (float)(rg_below(&r, 9) - 4);
        x[i] = rg_below(&r, 9) == 0 ? NAN : v == 0 && i % 3 ? -0.0f : v;
    }
    void *scratch = bj_sort_scratch_new(N, sizeof(float));
    CHECK(scratch != NULL);
    for (int k = 0; k < S; k++) {
        bj_sort_line_f32(x + k, S, y1 + k, p1 + k, S, N, scratch);
        bj_sort_line_f32(x + k, S, y2 + k, p2 + k, S, N, NULL);
    }
    CHECK(!memcmp(y1, y2, sizeof y1) && !memcmp(p1, p2, sizeof p1));
    for (int k = 0; k < S; k++) { /* and values alone */
        bj_sort_line_f32(x + k, S, y2 + k, NULL, S, N, NULL);
        bj_sort_line_f32(x + k, S, y1 + k, NULL, S, N, scratch);
    }
    CHECK(!memcmp(y1, y2, sizeof y1));
    for (int i = 1; i < N; i++) { /* ascending, NaN last, stable */
        float a = y1[(i - 1) * S], c = y1[i * S];
        CHECK_MSG(isnan(c) || (!isnan(a) && a <= c), "position %d: %g after %g", i, c, a);
        if (!isnan(a) && a == c) CHECK(p1[(i - 1) * S] < p1[i * S]);
    }
    bj_sort_scratch_free(scratch);
    int64_t i64[5] = {INT64_MAX, INT64_MIN, 0, -1, INT64_MAX - 1}, o64[5];
    bj_sort_line_i64(i64, 1, o64, NULL, 1, 5, NULL);
    CHECK(o64[0] == INT64_MIN && o64[1] == -1 && o64[2] == 0 && o64[3] == INT64_MAX - 1 && o64[4] == INT64_MAX);
}

/* ---------------------------------------------------------------- shapes and edge cases */
/* Empty axes and lines of one element; rank 0 fails as in numpy and JAX. */
static void sort_empty_and_rank0(void) {
    static const int64_t shapes[][3] = {{0}, {3, 0}, {0, 4}, {2, 0, 5}, {1}, {4, 1}};
    static const int ranks[] = {1, 2, 2, 3, 1, 2};
    diff_batch b = {.t = bj_trace_new("empty")};
    int nc = 0, axes[32], which[32];
    for (int s = 0; s < 6; s++) {
        bj_val *x = diff_batch_arg(&b, test_seq(BJ_F32, ranks[s], shapes[s]));
        for (int ax = 0; ax < ranks[s]; ax++) {
            diff_batch_out(&b, bj_sort(x, ax)), diff_batch_out(&b, bj_argsort(x, ax));
            axes[nc] = ax, which[nc++] = b.nin - 1;
        }
    }
    int n = b.nout;
    bj_array *res[64] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int c = 0; c < nc && res[0]; c++) {
        const bj_array *x = b.ins[which[c]], *srt = res[2 * c];
        CHECK(bj_array_rank(srt) == bj_array_rank(x) &&
              !memcmp(bj_array_shape(srt), bj_array_shape(x), sizeof(int64_t) * (size_t)bj_array_rank(x)));
        CHECK(matches_ref(x, axes[c], srt, res[2 * c + 1], "empty or short"));
    }
    diff_batch_free(&b, res, 2 * n);
    CHECK(test_op_fails("sort", &(bj_attrs){.axis = -1}, 1, INS(test_scalar(BJ_F32, 1)), "sort: axis -1 is out of range for rank 0"));
    CHECK(test_op_fails("argsort", &(bj_attrs){.axis = 0}, 1, INS(test_scalar(BJ_I32, 1)), "argsort: axis 0 is out of range"));
    CHECK(test_op_fails("sort", &(bj_attrs){.axis = 2}, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), "axis 2 is out of range for rank 2"));
    CHECK(test_op_fails("argsort", &(bj_attrs){.axis = -3}, 1, INS(test_seq(BJ_F32, 2, SH(2, 2))), "argsort: axis -3"));
    CHECK(test_op_fails("sort", NULL, 2, INS(test_seq(BJ_F32, 1, SH(2)), test_seq(BJ_F32, 1, SH(2))),
                        "takes 1 operands, got 2"));
    CHECK(bj_sort(NULL, 0) == NULL);
    CHECK_ERR_HAS("sort: operand is NULL");
}

/* Dtype and weak flag of the results, the listing, and a constant operand folded by the native backend's rewrite. */
static void sort_types_print_fold(void) {
    bj_trace *t = bj_trace_new("types");
    bj_val *x = bj_trace_arg(t, "x", BJ_U32, 2, SH(3, 4));
    bj_val *s = bj_sort(x, -1), *a = bj_argsort(x, 0);
    CHECK(s && bj_val_dtype(s) == BJ_U32 && bj_val_rank(s) == 2 && bj_val_shape(s)[1] == 4);
    CHECK(a && bj_val_dtype(a) == BJ_I32 && bj_val_shape(a)[0] == 3);
    bj_val *outs[2] = {s, a};
    bj_graph *g = bj_trace_finish(t, outs, 2);
    char *txt = g ? bj_graph_to_string(g) : NULL;
    CHECK(txt && strstr(txt, "sort %0 axis=1") && strstr(txt, "argsort %0 axis=0"));
    if (txt && !strstr(txt, "axis=1")) printf("%s", txt);
    bj_free(txt);
    bj_graph_release(g);

    diff_batch b = {.t = bj_trace_new("fold")};
    bj_array *c = test_arr(BJ_F64, 2, SH(2, 5), V(3, NAN, -0.0, 0.0, -1, 2, 2, 1, -INFINITY, 0));
    bj_val *k = bj_trace_const(b.t, c), *xa = diff_batch_arg(&b, bj_array_copy(c));
    diff_batch_out(&b, bj_sort(k, 1)), diff_batch_out(&b, bj_argsort(k, 1));
    diff_batch_out(&b, bj_sort(xa, 1)), diff_batch_out(&b, bj_argsort(xa, 1));
    bj_array *res[8] = {0};
    CHECK(diff_batch_run(&b, res, NULL));
    for (int i = 0; i < 4 && res[0]; i++) CHECK(diff_bytes_same(res[i % 2], res[4 + i]) && diff_bytes_same(res[i % 2], res[i]));
    CHECK(res[0] && matches_ref(c, 1, res[0], res[1], "folded"));
    diff_batch_free(&b, res, 8);
    bj_array_release(c);
}

/* ---------------------------------------------------------------- inside a jit */
typedef struct ranked {
    int axis;
} ranked;

static bj_status sort_fn(bj_trace *t, void *ud) {
    const ranked *r = ud;
    bj_val *x = bj_param(t, 0);
    bj_val *s = bj_sort(bj_mul(x, -1.0), r->axis); /* fused producer: a descending sort */
    bj_val *idx = bj_argsort(x, r->axis);
    bj_val *outs[3] = {s, idx, bj_sum(bj_sort(x, r->axis), 0, NULL, false)};
    return bj_return_n(t, outs, 3);
}

/* sort of a computed value, argsort, and a reduction of a sort, jitted on both backends; the cached signature is
 * reused for new data of the same type. */
static void sort_in_jit(void) {
    rg_rng r = {99};
    for (int rank = 1; rank <= 3; rank++) {
        ranked ax = {rank - 1};
        bj_array *res[2][2][3] = {{{0}}};
        int64_t shape[3] = {6, 5, 7};
        for (int call = 0; call < 2; call++) {
            bj_array *x = bj_array_zeros(BJ_F32, rank, shape);
            rg_fill(&r, x);
            for (int be = 0; be < 2; be++) {
                bj_jit *f = bj_jit_new(sort_fn, &ax, &(bj_jit_opts){.argnames = "x", .backend = be ? "cpu" : "interp"});
                CHECK(f && bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), res[call][be], 3) == BJ_OK);
                bj_jit_release(f);
            }
            for (int i = 0; i < 3; i++) /* -x and the sum may make NaNs of other bits: diff_same counts NaNs equal */
                CHECK_MSG(res[call][0][i] && diff_same(res[call][0][i], res[call][1][i], NULL), "rank %d output %d", rank,
                          i);
            bj_array *idx = res[call][0][1];
            int32_t *want = ref_argsort(x, rank - 1);
            CHECK(idx && !memcmp(bj_array_data(idx), want, sizeof *want * (size_t)bj_array_size(x)));
            free(want);
            bj_array_release(x);
            for (int be = 0; be < 2; be++)
                for (int i = 0; i < 3; i++) bj_array_release(res[call][be][i]);
        }
    }
}

/* ---------------------------------------------------------------- nonzero */
static void set_elem(bj_array *a, int64_t i, double v) {
    void *p = bj_array_data(a);
    switch (bj_array_dtype(a)) {
    case BJ_BOOL: ((bool *)p)[i] = v != 0; break;
    case BJ_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case BJ_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    case BJ_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case BJ_F32: ((float *)p)[i] = (float)v; break;
    default: ((double *)p)[i] = v; break;
    }
}

/* Whether got (int32 [size]) holds the first `size` flat indices of x's nonzero elements, then fill. */
static bool nonzero_ref(const bj_array *x, const bj_array *got, int64_t size, int64_t fill) {
    if (!got || bj_array_dtype(got) != BJ_I32 || bj_array_size(got) != size) return false;
    int64_t k = 0;
    const int32_t *g = bj_array_data(got);
    for (int64_t i = 0; i < bj_array_size(x) && k < size; i++) {
        double v = bj_array_get(x, i);
        if ((v != 0 || isnan(v)) && g[k++] != i) return false;
    }
    for (; k < size; k++)
        if (g[k] != fill) return false;
    return true;
}

/* Every dtype, ranks 1 to 3 (flat C order), sizes below, at and above the count, 0, a bool vector long enough for
 * the eight-at-a-time skip with runs of silence: both backends against the reference. */
static void nonzero_values(void) {
    static const int64_t shapes[][3] = {{37}, {5, 9}, {4, 3, 6}, {1000}};
    static const int ranks[] = {1, 2, 3, 1};
    rg_rng r = {777};
    for (int k = 0; k < 6; k++) {
        diff_batch b = {.t = bj_trace_new("nonzero")};
        int64_t sizes[] = {0, 3, 20, 200};
        int which[32], nc = 0;
        int64_t size_of[32];
        for (int s = 0; s < 4; s++) {
            bj_array *a = bj_array_zeros(DTS[k], ranks[s], shapes[s]);
            rg_fill(&r, a);
            if (s == 3) /* mostly silent, with bursts */
                for (int64_t i = 0; i < 1000; i++) set_elem(a, i, (i % 97 < 3 || i == 999) ? 1 + (double)(i % 5) : 0);
            bj_val *x = diff_batch_arg(&b, a);
            for (int z = 0; z < 4; z++) {
                diff_batch_out(&b, bj_nonzero(x, sizes[z], z % 2 ? -1 : 7));
                which[nc] = b.nin - 1, size_of[nc++] = sizes[z];
            }
        }
        bj_array *res[64] = {0};
        int n = b.nout;
        CHECK_MSG(diff_batch_run(&b, res, NULL), "dtype %s", bj_dtype_name(DTS[k]));
        for (int c = 0; c < nc && res[0]; c++)
            for (int be = 0; be < 2; be++)
                CHECK_MSG(nonzero_ref(b.ins[which[c]], res[be * n + c], size_of[c], c % 2 ? -1 : 7), "%s case %d (%s)",
                          bj_dtype_name(DTS[k]), c, be ? "native" : "interp");
        diff_batch_free(&b, res, 2 * n);
    }
}

/* A loop records each step's spikes as events: rows of bj_nonzero(spikes, k, -1), equal on both backends to the
 * dense record's nonzero rows; by name (bj_op) and the errors. */
static bj_status events_body(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *v = bj_add(bj_loop_carry(t, 0), bj_loop_x(t, 0));
    bj_val *spk = bj_gt(v, 1.0);
    bj_val *v2 = bj_where(spk, 0.0, v);
    return bj_loop_yield(t, &v2, 1, (bj_val *[]){spk, bj_nonzero(spk, 8, -1)}, 2);
}
static bj_status events_fn(bj_trace *t, void *ud) {
    bj_val *init = bj_param(t, 0), *xs = bj_param(t, 1), *final = NULL, *ys[2] = {0};
    bj_status s = bj_for_loop(t, 50, 1, events_body, ud, &init, 1, &xs, 1, &final, ys, 2);
    return s ? s : bj_return_n(t, ys, 2);
}
static void nonzero_events_in_loop(void) {
    bj_array *v0 = bj_array_zeros(BJ_F32, 1, SH(64)), *xs = bj_array_zeros(BJ_F32, 2, SH(50, 64));
    for (int64_t i = 0; i < 50 * 64; i++) set_elem(xs, i, (double)((i * 7919) % 101) / 250.0);
    bj_array *out[2][2] = {{0}};
    for (int be = 0; be < 2; be++) {
        bj_jit *f = bj_jit_new(events_fn, NULL, &(bj_jit_opts){.backend = be ? "cpu" : "interp"});
        CHECK(f && bj_jit_call(f, BJ_ARGS(bj_arg_array(v0), bj_arg_array(xs)), out[be], 2) == BJ_OK);
        bj_jit_release(f);
    }
    CHECK(out[0][1] && out[1][1] && !memcmp(bj_array_data(out[0][1]), bj_array_data(out[1][1]), 50 * 8 * 4));
    int64_t total = 0;
    for (int st = 0; out[1][0] && out[1][1] && st < 50; st++) { /* each row: the step's spiking neurons, then -1 */
        const bool *d = (const bool *)bj_array_data(out[1][0]) + st * 64;
        const int32_t *e = (const int32_t *)bj_array_data(out[1][1]) + st * 8;
        int k = 0;
        for (int i = 0; i < 64; i++)
            if (d[i] && k < 8) CHECK(e[k++] == i);
        for (; k < 8; k++) CHECK(e[k] == -1);
        for (int i = 0; i < 64; i++) total += d[i];
    }
    CHECK_MSG(total > 50 && total < 50 * 64 / 4, "%lld spikes", (long long)total);
    for (int be = 0; be < 2; be++) bj_array_release(out[be][0]), bj_array_release(out[be][1]);
    bj_array_release(v0), bj_array_release(xs);
    /* by name, and the errors */
    bj_trace *t = bj_trace_new("nonzero_errors");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 2, SH(3, 4));
    bj_val *y = bj_op(t, "nonzero", &x, 1, &(bj_attrs){.n = 5, .k = -2});
    CHECK(y && bj_val_rank(y) == 1 && bj_val_shape(y)[0] == 5 && bj_val_dtype(y) == BJ_I32);
    CHECK(!bj_nonzero(x, -1, 0) && strstr(bj_last_error(), "nonzero: size must be in [0, "));
    bj_trace_free(t);
    t = bj_trace_new("nonzero_fill");
    x = bj_trace_arg(t, "x", BJ_F32, 1, SH(3));
    CHECK(!bj_nonzero(x, 2, (int64_t)1 << 40) && strstr(bj_last_error(), "fill_value must fit in int32"));
    bj_trace_free(t);
}

void tests_sort(void) {
    RUN(sort_all_dtypes_ranks_axes);
    RUN(sort_stable_nan_zero);
    RUN(sort_long_lines);
    RUN(sort_split_over_threads);
    RUN(sort_fallback_in_place);
    RUN(sort_empty_and_rank0);
    RUN(sort_types_print_fold);
    RUN(sort_in_jit);
    RUN(nonzero_values);
    RUN(nonzero_events_in_loop);
}
