/* test_array.c — arrays: creation of every dtype, conversions, arange/linspace, refcounts, strides, edge shapes,
 * error reporting, and the printer's exact text (goldens checked against numpy's layout). */
#include "core/array.h"
#include "core/scalar.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>

static const bj_dtype all_dtypes[] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};

/* true if a's rank and shape are as given and its size and nbytes follow from them */
static bool has_shape(const bj_array *a, bj_dtype d, int rank, const int64_t *shape) {
    if (!a || bj_array_dtype(a) != d || bj_array_rank(a) != rank) return false;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (bj_array_shape(a)[i] != shape[i]) return false;
        n *= shape[i];
    }
    return bj_array_size(a) == n && bj_array_nbytes(a) == (size_t)n * bj_dtype_size(d);
}

/* Compares the printer's text with an expected string, showing both on failure. */
static void check_text(const bj_array *a, const char *want, int line) {
    char *s = bj_array_to_string(a);
    if (!s || strcmp(s, want)) {
        test_failed_checks++;
        printf("    FAIL test_array.c:%d: printed\n%s\n    want\n%s\n", line, s ? s : bj_last_error(), want);
    }
    bj_free(s);
}
#define CHECK_TEXT(a, want) check_text((a), (want), __LINE__)

static void test_array_dtypes(void) {
    CHECK(!strcmp(bj_dtype_name(BJ_BOOL), "bool") && !strcmp(bj_dtype_name(BJ_I32), "int32"));
    CHECK(!strcmp(bj_dtype_name(BJ_I64), "int64") && !strcmp(bj_dtype_name(BJ_U32), "uint32"));
    CHECK(!strcmp(bj_dtype_name(BJ_F32), "float32") && !strcmp(bj_dtype_name(BJ_F64), "float64"));
    CHECK(!strcmp(bj_dtype_name(BJ_NDTYPES), "invalid") && !strcmp(bj_dtype_name((bj_dtype)-1), "invalid"));
    size_t sizes[] = {1, 4, 8, 4, 4, 8};
    for (int i = 0; i < 6; i++) CHECK(bj_dtype_size(all_dtypes[i]) == sizes[i]);
    CHECK(bj_dtype_size(BJ_NDTYPES) == 0 && bj_dtype_size((bj_dtype)1000) == 0);
}

static void test_array_new_every_dtype(void) {
    bool b[] = {true, false, true, true};
    int32_t i32[] = {-7, 0, INT32_MAX, INT32_MIN};
    int64_t i64[] = {-1, (int64_t)1 << 40, INT64_MAX, INT64_MIN};
    uint32_t u32[] = {0, 1, 4000000000u, UINT32_MAX};
    float f32[] = {1.5f, -0.0f, 3e38f, 1e-30f};
    double f64[] = {0.1, -2.5, 1e300, 5e-324};
    const void *src[] = {b, i32, i64, u32, f32, f64};
    int64_t shape[] = {2, 2};
    for (int d = 0; d < 6; d++) {
        bj_array *a = bj_array_new(all_dtypes[d], 2, shape, src[d]);
        CHECK(has_shape(a, all_dtypes[d], 2, shape));
        CHECK(bj_array_valid(a));
        CHECK((uintptr_t)bj_array_data(a) % 64 == 0);
        CHECK(bj_array_data(a) != src[d]); /* a copy, not the caller's buffer */
        CHECK(!memcmp(bj_array_data(a), src[d], 4 * bj_dtype_size(all_dtypes[d])));
        for (int i = 0; i < 4; i++) CHECK(bj_array_get(a, i) == core_load_f64(d, src[d], i));
        bj_array_release(a);
    }
    int32_t v[3] = {1, 2, 3};
    bj_array *a = bj_array_new(BJ_I32, 1, (int64_t[]){3}, v);
    v[0] = 99;
    CHECK(bj_array_get(a, 0) == 1); /* later changes to the source do not show */
    CHECK(bj_array_get(a, 2) == 3);
    CHECK(bj_last_error()[0] == 0);
    bj_array_release(a);
}

static void test_array_zeros_ones_full(void) {
    int64_t shape[] = {3, 5};
    for (int d = 0; d < 6; d++) {
        bj_dtype dt = all_dtypes[d];
        bj_array *z = bj_array_zeros(dt, 2, shape), *o = bj_array_ones(dt, 2, shape), *f = bj_array_full(dt, 2, shape, 7);
        CHECK(has_shape(z, dt, 2, shape) && has_shape(o, dt, 2, shape) && has_shape(f, dt, 2, shape));
        for (int i = 0; i < 15; i++) {
            CHECK(bj_array_get(z, i) == 0);
            CHECK(bj_array_get(o, i) == 1);
            CHECK(bj_array_get(f, i) == (dt == BJ_BOOL ? 1 : 7));
        }
        bj_array_release(z), bj_array_release(o), bj_array_release(f);
    }
    struct {
        bj_dtype d;
        double in, want;
    } cases[] = {
        {BJ_I32, 1e20, INT32_MAX},   {BJ_I32, -1e20, INT32_MIN}, {BJ_I32, NAN, 0},          {BJ_I32, -2.7, -2},
        {BJ_I32, INFINITY, INT32_MAX}, {BJ_U32, -5, 0},          {BJ_U32, 1e10, UINT32_MAX}, {BJ_U32, NAN, 0},
        {BJ_U32, 3.9, 3},            {BJ_I64, 1e30, 9223372036854775807.0}, {BJ_I64, -1e30, -9223372036854775808.0},
        {BJ_I64, NAN, 0},            {BJ_BOOL, 0.5, 1},          {BJ_BOOL, 0, 0},           {BJ_BOOL, -0.0, 0},
        {BJ_F32, 1e300, INFINITY},   {BJ_F32, 0.1, (float)0.1},  {BJ_F64, NAN, NAN},        {BJ_F64, -0.0, -0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bj_array *a = bj_array_full(cases[i].d, 1, (int64_t[]){1000}, cases[i].in);
        bool ok = a != NULL;
        for (int j = 0; ok && j < 1000; j++) ok = test_close(bj_array_get(a, j), cases[i].want, 0);
        CHECK_MSG(ok, "full(%s, %g) gave %g, want %g", bj_dtype_name(cases[i].d), cases[i].in, bj_array_get(a, 999),
                  cases[i].want);
        bj_array_release(a);
    }
    /* the exact saturation values, beyond what a double can show */
    bj_array *a = bj_array_full(BJ_I64, 1, (int64_t[]){3}, 1e30);
    CHECK(((int64_t *)bj_array_data(a))[2] == INT64_MAX);
    bj_array_release(a);
    a = bj_array_full(BJ_F64, 1, (int64_t[]){2}, -0.0);
    CHECK(signbit(((double *)bj_array_data(a))[1]));
    bj_array_release(a);
}

static void test_array_arange(void) {
    bj_array *a = bj_array_arange(BJ_F64, 0, 5, 1);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){5}, (double[]){0, 1, 2, 3, 4}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_I32, 5, 0, -2);
    CHECK(test_arr_eq(a, BJ_I32, 1, (int64_t[]){3}, (double[]){5, 3, 1}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_I64, 0, 10, 3);
    CHECK(test_arr_eq(a, BJ_I64, 1, (int64_t[]){4}, (double[]){0, 3, 6, 9}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_F32, 0, 1, 0.25);
    CHECK(test_arr_eq(a, BJ_F32, 1, (int64_t[]){4}, (double[]){0, 0.25, 0.5, 0.75}, 0));
    bj_array_release(a);
    /* (0.4 - 0.1) / 0.1 is 3.0000000000000004, so numpy gives 4 elements, the last just below 0.4 */
    a = bj_array_arange(BJ_F64, 0.1, 0.4, 0.1);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){4}, (double[]){0.1, 0.1 + 0.1, 0.1 + 2 * 0.1, 0.1 + 3 * 0.1}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_F64, -1, 1, 0.5);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){4}, (double[]){-1, -0.5, 0, 0.5}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_U32, 2.5, 6, 1); /* computed in double, then converted (truncation) */
    CHECK(test_arr_eq(a, BJ_U32, 1, (int64_t[]){4}, (double[]){2, 3, 4, 5}, 0));
    bj_array_release(a);
    a = bj_array_arange(BJ_BOOL, 0, 3, 1);
    CHECK(test_arr_eq(a, BJ_BOOL, 1, (int64_t[]){3}, (double[]){0, 1, 1}, 0));
    bj_array_release(a);
    /* empty results: equal bounds, and steps that point away from stop */
    double empty[][3] = {{3, 3, 1}, {5, 0, 1}, {0, 5, -1}, {0, -0.0, 0.5}};
    for (int i = 0; i < 4; i++) {
        a = bj_array_arange(BJ_F32, empty[i][0], empty[i][1], empty[i][2]);
        CHECK(a && bj_array_rank(a) == 1 && bj_array_shape(a)[0] == 0 && bj_array_size(a) == 0);
        CHECK(a && bj_array_data(a) != NULL && bj_array_nbytes(a) == 0);
        bj_array_release(a);
    }
    CHECK(bj_array_arange(BJ_F64, 0, 1, 0) == NULL);
    CHECK_ERR_HAS("bj_array_arange: step is 0");
    CHECK(bj_array_arange(BJ_F64, NAN, 1, 1) == NULL);
    CHECK_ERR_HAS("must be finite");
    CHECK(bj_array_arange(BJ_F64, 0, INFINITY, 1) == NULL);
    CHECK_ERR_HAS("must be finite");
    CHECK(bj_array_arange(BJ_F64, 0, 1, -INFINITY) == NULL);
    CHECK(core_last_status() == BJ_ERR_ARG);
    CHECK(bj_array_arange(BJ_F64, -1e300, 1e300, 1e-300) == NULL);
    CHECK_ERR_HAS("too many elements");
    CHECK(bj_array_arange((bj_dtype)9, 0, 1, 1) == NULL);
    CHECK_ERR_HAS("bj_array_arange: invalid dtype 9");
}

static void test_array_linspace(void) {
    bj_array *a = bj_array_linspace(BJ_F64, 0, 1, 5, true);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){5}, (double[]){0, 0.25, 0.5, 0.75, 1}, 0));
    bj_array_release(a);
    a = bj_array_linspace(BJ_F64, 0, 1, 5, false);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){5}, (double[]){0, 0.2, 2 * 0.2, 3 * 0.2, 4 * 0.2}, 0));
    bj_array_release(a);
    a = bj_array_linspace(BJ_F64, 2, -2, 5, true); /* descending */
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){5}, (double[]){2, 1, 0, -1, -2}, 0));
    bj_array_release(a);
    /* the last element is stop exactly, even where start + 6 * step rounds differently */
    a = bj_array_linspace(BJ_F64, 0, 0.3, 7, true);
    CHECK(a && ((double *)bj_array_data(a))[6] == 0.3);
    CHECK(a && ((double *)bj_array_data(a))[1] == 0.3 / 6);
    bj_array_release(a);
    a = bj_array_linspace(BJ_F32, 1, 2, 3, true);
    CHECK(test_arr_eq(a, BJ_F32, 1, (int64_t[]){3}, (double[]){1, 1.5, 2}, 0));
    bj_array_release(a);
    /* integer dtypes floor, as numpy 2: [-1, -1/3, 1/3, 1] -> [-1, -1, 0, 1] */
    a = bj_array_linspace(BJ_I32, -1, 1, 4, true);
    CHECK(test_arr_eq(a, BJ_I32, 1, (int64_t[]){4}, (double[]){-1, -1, 0, 1}, 0));
    bj_array_release(a);
    a = bj_array_linspace(BJ_I64, 0, 10, 4, false);
    CHECK(test_arr_eq(a, BJ_I64, 1, (int64_t[]){4}, (double[]){0, 2, 5, 7}, 0));
    bj_array_release(a);
    /* one element: start, with or without endpoint; none: empty */
    a = bj_array_linspace(BJ_F64, 3, 7, 1, true);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){1}, (double[]){3}, 0));
    bj_array_release(a);
    a = bj_array_linspace(BJ_F64, 3, 7, 1, false);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){1}, (double[]){3}, 0));
    bj_array_release(a);
    a = bj_array_linspace(BJ_F64, 3, 7, 0, true);
    CHECK(a && bj_array_size(a) == 0 && bj_array_rank(a) == 1);
    bj_array_release(a);
    a = bj_array_linspace(BJ_F64, 5, 5, 3, true);
    CHECK(test_arr_eq(a, BJ_F64, 1, (int64_t[]){3}, (double[]){5, 5, 5}, 0));
    bj_array_release(a);
    /* a step that underflows to 0 still spreads the values: i / div * delta (numpy gives [0, 0, 5e-324]) */
    a = bj_array_linspace(BJ_F64, 0, 5e-324, 3, false);
    CHECK(a && bj_array_get(a, 0) == 0 && bj_array_get(a, 1) == 0 && bj_array_get(a, 2) == 5e-324);
    bj_array_release(a);
    CHECK(bj_array_linspace(BJ_F64, 0, 1, -1, true) == NULL);
    CHECK_ERR_HAS("bj_array_linspace: num is negative (-1)");
    CHECK(bj_array_linspace(BJ_NDTYPES, 0, 1, 3, true) == NULL);
    CHECK_ERR_HAS("invalid dtype 6");
}

static void test_array_copy_and_refcount(void) {
    bj_array *a = bj_array_arange(BJ_F32, 0, 6, 1);
    bj_array *c = bj_array_copy(a);
    CHECK(c && c != a && bj_array_data(c) != bj_array_data(a));
    CHECK(has_shape(c, BJ_F32, 1, (int64_t[]){6}));
    CHECK(!memcmp(bj_array_data(a), bj_array_data(c), 24));
    ((float *)bj_array_data(c))[0] = 42;
    CHECK(bj_array_get(a, 0) == 0 && bj_array_get(c, 0) == 42); /* deep */
    CHECK(bj_array_retain(a) == a);
    CHECK(bj_array_retain(a) == a);
    bj_array_release(a);
    bj_array_release(a);
    CHECK(bj_array_valid(a) && bj_array_get(a, 5) == 5); /* still one reference */
    bj_array_release(a);
    CHECK(!bj_array_valid(a));
    bj_clear_error();
    bj_array_release(a); /* a second release of a freed array is reported, not performed */
    CHECK(core_last_status() == BJ_ERR_HANDLE);
    CHECK_ERR_HAS("bj_array_release: not a live array");
    CHECK(bj_array_retain(a) == NULL);
    CHECK_ERR_HAS("bj_array_retain: not a live array");
    CHECK(bj_array_copy(a) == NULL);
    CHECK_ERR_HAS("bj_array_copy: not a live array");
    CHECK(bj_array_valid(c));
    bj_array_release(c);
    bj_clear_error();
    bj_array_release(NULL); /* a no-op, like free(NULL) */
    CHECK(bj_last_error()[0] == 0);
    CHECK(!bj_array_valid(NULL));
    CHECK(bj_array_copy(NULL) == NULL);
    CHECK_ERR_HAS("bj_array_copy: array is NULL");
    /* a copy of an empty and of a rank-0 array */
    a = bj_array_zeros(BJ_I64, 2, (int64_t[]){0, 4});
    c = bj_array_copy(a);
    CHECK(has_shape(c, BJ_I64, 2, (int64_t[]){0, 4}));
    bj_array_release(a), bj_array_release(c);
    a = bj_array_full(BJ_U32, 0, NULL, 9);
    c = bj_array_copy(a);
    CHECK(has_shape(c, BJ_U32, 0, NULL) && bj_array_get(c, 0) == 9);
    bj_array_release(a), bj_array_release(c);
}

static void *retain_release_many(void *arg) {
    bj_array *a = arg;
    for (int i = 0; i < 20000; i++) {
        bj_array_retain(a);
        bj_array_release(a);
    }
    return NULL;
}

static void test_array_refcount_threads(void) {
    bj_array *a = bj_array_ones(BJ_F64, 1, (int64_t[]){16});
    pthread_t th[4];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&th[i], NULL, retain_release_many, a) == 0);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK(bj_array_valid(a) && atomic_load(&a->refcount) == 1); /* no lost updates */
    bj_array_release(a);
    CHECK(!bj_array_valid(a));
}

static void test_array_strides(void) {
    bj_array *a = bj_array_zeros(BJ_F32, 3, (int64_t[]){2, 3, 4});
    const int64_t *st = bj_array_strides(a);
    CHECK(st && st[0] == 48 && st[1] == 16 && st[2] == 4);
    bj_array_release(a);
    a = bj_array_zeros(BJ_F64, 1, (int64_t[]){7});
    CHECK(bj_array_strides(a)[0] == 8);
    bj_array_release(a);
    a = bj_array_zeros(BJ_BOOL, 2, (int64_t[]){2, 5});
    CHECK(bj_array_strides(a)[0] == 5 && bj_array_strides(a)[1] == 1);
    bj_array_release(a);
    a = bj_array_zeros(BJ_I64, 4, (int64_t[]){2, 1, 3, 1});
    st = bj_array_strides(a);
    CHECK(st[0] == 24 && st[1] == 24 && st[2] == 8 && st[3] == 8);
    bj_array_release(a);
    a = bj_array_zeros(BJ_F64, 2, (int64_t[]){0, 3}); /* a zero dimension counts as 1 */
    CHECK(bj_array_strides(a)[0] == 24 && bj_array_strides(a)[1] == 8);
    bj_array_release(a);
    a = bj_array_zeros(BJ_I32, 3, (int64_t[]){3, 0, 2});
    st = bj_array_strides(a);
    CHECK(st[0] == 8 && st[1] == 8 && st[2] == 4);
    bj_array_release(a);
    /* the elements are where the strides say */
    a = bj_array_arange(BJ_U32, 0, 24, 1);
    bj_array *b = bj_array_new(BJ_U32, 3, (int64_t[]){2, 3, 4}, bj_array_data(a));
    st = bj_array_strides(b);
    const char *base = bj_array_data(b);
    CHECK(*(const uint32_t *)(base + 1 * st[0] + 2 * st[1] + 3 * st[2]) == 23);
    CHECK(*(const uint32_t *)(base + 1 * st[0] + 0 * st[1] + 1 * st[2]) == 13);
    bj_array_release(a), bj_array_release(b);
}

static void test_array_rank0_and_rank8(void) {
    bj_array *a = bj_array_full(BJ_F32, 0, NULL, 2.5);
    CHECK(has_shape(a, BJ_F32, 0, NULL));
    CHECK(bj_array_size(a) == 1 && bj_array_nbytes(a) == 4 && bj_array_shape(a) != NULL);
    CHECK(bj_array_get(a, 0) == 2.5);
    CHECK(isnan(bj_array_get(a, 1)));
    CHECK_ERR_HAS("bj_array_get: index 1 is out of range for 1 elements");
    bj_array_release(a);
    a = bj_array_new(BJ_I64, 0, (int64_t[]){-5}, (int64_t[]){-3}); /* rank 0 ignores the shape entries */
    CHECK(has_shape(a, BJ_I64, 0, NULL) && bj_array_get(a, 0) == -3);
    bj_array_release(a);
    int64_t shape8[8] = {2, 2, 2, 2, 2, 2, 2, 3};
    a = bj_array_ones(BJ_I32, 8, shape8);
    CHECK(has_shape(a, BJ_I32, 8, shape8) && bj_array_size(a) == 384);
    const int64_t *st = bj_array_strides(a);
    CHECK(st[7] == 4 && st[6] == 12 && st[0] == 4 * 3 * 64);
    CHECK(bj_array_get(a, 383) == 1);
    bj_array_release(a);
    a = bj_array_zeros(BJ_BOOL, 8, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1});
    CHECK(bj_array_size(a) == 1 && bj_array_rank(a) == 8);
    bj_array_release(a);
}

static void test_array_zero_size(void) {
    bj_array *a = bj_array_zeros(BJ_F64, 1, (int64_t[]){0});
    CHECK(has_shape(a, BJ_F64, 1, (int64_t[]){0}) && bj_array_size(a) == 0 && bj_array_nbytes(a) == 0);
    CHECK(bj_array_data(a) != NULL && (uintptr_t)bj_array_data(a) % 64 == 0);
    CHECK(isnan(bj_array_get(a, 0)));
    CHECK_ERR_HAS("index 0 is out of range for 0 elements");
    bj_array_release(a);
    a = bj_array_full(BJ_I32, 3, (int64_t[]){5, 0, 3}, 4);
    CHECK(has_shape(a, BJ_I32, 3, (int64_t[]){5, 0, 3}) && bj_array_size(a) == 0);
    bj_array_release(a);
    /* an empty array needs no data, but a NULL pointer is still refused */
    a = bj_array_new(BJ_U32, 2, (int64_t[]){0, 2}, (uint32_t[]){0});
    CHECK(a && bj_array_size(a) == 0);
    bj_array_release(a);
    CHECK(bj_array_new(BJ_U32, 2, (int64_t[]){0, 2}, NULL) == NULL);
    CHECK_ERR_HAS("bj_array_new: data is NULL");
    /* a zero dimension next to huge ones: empty, not an overflow */
    a = bj_array_zeros(BJ_F32, 3, (int64_t[]){0, (int64_t)1 << 40, 16});
    CHECK(a && bj_array_size(a) == 0 && bj_array_nbytes(a) == 0);
    bj_array_release(a);
}

static void test_array_errors(void) {
    CHECK(bj_array_zeros(BJ_F32, 2, (int64_t[]){4, -3}) == NULL);
    CHECK(!strcmp(bj_last_error(), "bj_array_zeros: dimension 1 is negative (-3)"));
    CHECK(core_last_status() == BJ_ERR_SHAPE);
    CHECK(bj_array_ones(BJ_F32, 2, (int64_t[]){(int64_t)1 << 62, 4}) == NULL);
    CHECK(!strcmp(bj_last_error(), "bj_array_ones: shape [4611686018427387904, 4] overflows"));
    CHECK(bj_array_full(BJ_F64, 2, (int64_t[]){(int64_t)1 << 61, 2}, 0) == NULL); /* 2^62 elements, 2^65 bytes */
    CHECK_ERR_HAS("bj_array_full: shape [2305843009213693952, 2] of float64 overflows the byte count");
    CHECK(bj_array_zeros(BJ_I32, 3, (int64_t[]){INT64_MAX, 1, 2}) == NULL);
    CHECK_ERR_HAS("overflows");
    CHECK(bj_array_zeros(BJ_I32, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}) == NULL);
    CHECK_ERR_HAS("bj_array_zeros: rank 9 is outside 0..8");
    CHECK(bj_array_zeros(BJ_I32, -1, NULL) == NULL);
    CHECK_ERR_HAS("rank -1 is outside 0..8");
    CHECK(bj_array_new(BJ_F32, 1, (int64_t[]){2}, NULL) == NULL);
    CHECK(!strcmp(bj_last_error(), "bj_array_new: data is NULL"));
    CHECK(core_last_status() == BJ_ERR_ARG);
    CHECK(bj_array_new(BJ_F32, 0, NULL, NULL) == NULL);
    CHECK_ERR_HAS("data is NULL");
    CHECK(bj_array_zeros(BJ_F32, 2, NULL) == NULL);
    CHECK_ERR_HAS("bj_array_zeros: shape is NULL for rank 2");
    CHECK(bj_array_new((bj_dtype)42, 1, (int64_t[]){1}, (int[]){0}) == NULL);
    CHECK_ERR_HAS("bj_array_new: invalid dtype 42");
    CHECK(core_last_status() == BJ_ERR_DTYPE);
    CHECK(bj_array_full((bj_dtype)-1, 0, NULL, 1) == NULL);
    CHECK_ERR_HAS("invalid dtype -1");
    CHECK(bj_array_ones(BJ_NDTYPES, 0, NULL) == NULL);
    CHECK_ERR_HAS("bj_array_ones: invalid dtype 6");
    /* internal helpers the other stages use */
    int64_t n = -1;
    CHECK(core_shape_check(2, (int64_t[]){3, 4}, "probe", &n) == BJ_OK && n == 12);
    CHECK(core_shape_check(0, NULL, "probe", &n) == BJ_OK && n == 1);
    CHECK(core_shape_check(1, (int64_t[]){-1}, "probe", &n) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("probe: dimension 0 is negative (-1)");
    bj_array *a = core_array_alloc(BJ_I32, 1, (int64_t[]){5}, "probe");
    CHECK(has_shape(a, BJ_I32, 1, (int64_t[]){5}) && bj_array_valid(a) && atomic_load(&a->refcount) == 1);
    bj_array_release(a);
    CHECK(core_array_alloc(BJ_I32, 1, (int64_t[]){-2}, "my_stage") == NULL);
    CHECK_ERR_HAS("my_stage: dimension 0 is negative (-2)");
}

static void test_array_bad_handles(void) {
    static double not_an_array[64];
    const bj_array *bad[] = {NULL, (const bj_array *)not_an_array};
    for (int i = 0; i < 2; i++) {
        const char *why = i ? "not a live array" : "array is NULL";
        CHECK(bj_array_data(bad[i]) == NULL);
        CHECK_ERR_HAS(why);
        CHECK_ERR_HAS("bj_array_data");
        CHECK(bj_array_dtype(bad[i]) == BJ_NDTYPES);
        CHECK_ERR_HAS("bj_array_dtype");
        CHECK(bj_array_rank(bad[i]) == -1);
        CHECK(bj_array_shape(bad[i]) == NULL);
        CHECK(bj_array_strides(bad[i]) == NULL);
        CHECK_ERR_HAS("bj_array_strides");
        CHECK(bj_array_size(bad[i]) == -1);
        CHECK(bj_array_nbytes(bad[i]) == 0);
        CHECK(isnan(bj_array_get(bad[i], 0)));
        CHECK_ERR_HAS("bj_array_get");
        CHECK(!bj_array_valid(bad[i]));
        CHECK(bj_array_to_string(bad[i]) == NULL);
        CHECK_ERR_HAS(why);
    }
    bj_array_release((bj_array *)not_an_array); /* reported, and nothing freed (ASan would see a bad free) */
    CHECK(core_last_status() == BJ_ERR_HANDLE);
    CHECK(not_an_array[0] == 0);
    bj_array *a = bj_array_arange(BJ_I32, 0, 3, 1);
    CHECK(isnan(bj_array_get(a, -1)));
    CHECK(!strcmp(bj_last_error(), "bj_array_get: index -1 is out of range for 3 elements"));
    CHECK(isnan(bj_array_get(a, 3)));
    CHECK(core_last_status() == BJ_ERR_ARG);
    CHECK(bj_array_get(a, 2) == 2);
    bj_array_release(a);
}

static void test_array_print_golden(void) {
    bj_array *a = bj_array_new(BJ_F32, 1, (int64_t[]){5}, (float[]){1, 2.5f, -INFINITY, NAN, -0.0f});
    CHECK_TEXT(a, "array([1., 2.5, -inf, nan, -0.], dtype=float32)");
    bj_array_release(a);
    a = bj_array_new(BJ_I32, 2, (int64_t[]){2, 2}, (int32_t[]){1, 2, 3, 4});
    CHECK_TEXT(a, "array([[1, 2],\n       [3, 4]], dtype=int32)");
    bj_array_release(a);
    a = bj_array_new(BJ_BOOL, 1, (int64_t[]){3}, (bool[]){true, false, true});
    CHECK_TEXT(a, "array([True, False, True], dtype=bool)");
    bj_array_release(a);
    a = bj_array_full(BJ_BOOL, 0, NULL, 1);
    CHECK_TEXT(a, "array(True, dtype=bool)");
    bj_array_release(a);
    a = bj_array_full(BJ_F32, 0, NULL, 3.5);
    CHECK_TEXT(a, "array(3.5, dtype=float32)");
    bj_array_release(a);
    a = bj_array_zeros(BJ_F64, 2, (int64_t[]){0, 3});
    CHECK_TEXT(a, "array([], shape=(0, 3), dtype=float64)");
    bj_array_release(a);
    a = bj_array_zeros(BJ_I64, 1, (int64_t[]){0});
    CHECK_TEXT(a, "array([], dtype=int64)");
    bj_array_release(a);
    a = bj_array_zeros(BJ_BOOL, 3, (int64_t[]){2, 0, 3});
    CHECK_TEXT(a, "array([], shape=(2, 0, 3), dtype=bool)");
    bj_array_release(a);
    a = bj_array_new(BJ_U32, 1, (int64_t[]){2}, (uint32_t[]){UINT32_MAX, 0});
    CHECK_TEXT(a, "array([4294967295, 0], dtype=uint32)");
    bj_array_release(a);
    a = bj_array_new(BJ_I64, 1, (int64_t[]){2}, (int64_t[]){INT64_MIN, INT64_MAX});
    CHECK_TEXT(a, "array([-9223372036854775808, 9223372036854775807], dtype=int64)");
    bj_array_release(a);
    /* shortest round-trip floats; dtype= moves to its own line when the last line would pass 75 columns */
    a = bj_array_new(BJ_F64, 1, (int64_t[]){6}, (double[]){0.1, 1.0 / 3, 1e20, 1e-5, 123456789, -2.5e-300});
    CHECK_TEXT(a, "array([0.1, 0.3333333333333333, 1.e+20, 1.e-05, 123456789., -2.5e-300],\n      dtype=float64)");
    bj_array_release(a);
    a = bj_array_new(BJ_F32, 1, (int64_t[]){4}, (float[]){0.1f, 1.0f / 3, 16777216.0f, 3e38f});
    CHECK_TEXT(a, "array([0.1, 0.33333334, 16777216., 3.e+38], dtype=float32)");
    bj_array_release(a);
    a = bj_array_arange(BJ_I32, 0, 8, 1);
    bj_array *b = bj_array_new(BJ_I32, 3, (int64_t[]){2, 2, 2}, bj_array_data(a));
    CHECK_TEXT(b, "array([[[0, 1],\n        [2, 3]],\n\n       [[4, 5],\n        [6, 7]]], dtype=int32)");
    bj_array_release(a), bj_array_release(b);
    a = bj_array_arange(BJ_I32, 0, 24, 1);
    b = bj_array_new(BJ_I32, 4, (int64_t[]){2, 1, 3, 4}, bj_array_data(a));
    CHECK_TEXT(b, "array([[[[0, 1, 2, 3],\n         [4, 5, 6, 7],\n         [8, 9, 10, 11]]],\n\n\n"
                  "       [[[12, 13, 14, 15],\n         [16, 17, 18, 19],\n         [20, 21, 22, 23]]]], dtype=int32)");
    bj_array_release(a), bj_array_release(b);
}

static void test_array_print_wrap_and_summary(void) {
    bj_array *a = bj_array_arange(BJ_F64, 0, 30, 1);
    CHECK_TEXT(a, "array([0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12., 13., 14.,\n"
                  "       15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                  "       28., 29.], dtype=float64)");
    bj_array_release(a);
    a = bj_array_arange(BJ_I64, 100000, 100023, 1);
    CHECK_TEXT(a, "array([100000, 100001, 100002, 100003, 100004, 100005, 100006, 100007,\n"
                  "       100008, 100009, 100010, 100011, 100012, 100013, 100014, 100015,\n"
                  "       100016, 100017, 100018, 100019, 100020, 100021, 100022],\n      dtype=int64)");
    bj_array_release(a);
    a = bj_array_arange(BJ_I32, 0, 2000, 1);
    CHECK_TEXT(a, "array([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)");
    bj_array *b = bj_array_new(BJ_I32, 2, (int64_t[]){40, 50}, bj_array_data(a));
    CHECK_TEXT(b, "array([[0, 1, 2, ..., 47, 48, 49],\n"
                  "       [50, 51, 52, ..., 97, 98, 99],\n"
                  "       [100, 101, 102, ..., 147, 148, 149],\n"
                  "       ...,\n"
                  "       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n"
                  "       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n"
                  "       [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=int32)");
    bj_array_release(b);
    /* exactly 1000 elements are printed in full; 1001 are summarised */
    bj_array_release(a);
    a = bj_array_zeros(BJ_BOOL, 1, (int64_t[]){1000});
    char *s = bj_array_to_string(a);
    CHECK(s && !strstr(s, "...") && strstr(s, "False, False") && strlen(s) > 6000);
    bj_free(s);
    bj_array_release(a);
    a = bj_array_zeros(BJ_BOOL, 1, (int64_t[]){1001});
    CHECK_TEXT(a, "array([False, False, False, ..., False, False, False], dtype=bool)");
    bj_array_release(a);
    /* summary along the first axes of a 3-d array, with blank lines between the 2-d blocks */
    a = bj_array_arange(BJ_F32, 0, 1200, 1);
    b = bj_array_new(BJ_F32, 3, (int64_t[]){10, 10, 12}, bj_array_data(a));
    s = bj_array_to_string(b);
    CHECK(s && !strncmp(s, "array([[[0., 1., 2., ..., 9., 10., 11.],\n        [12., 13., 14., ..., 21., 22., 23.],\n", 80));
    CHECK(s && strstr(s, "       [[360., 361., 362.") == NULL); /* blocks 3 to 6 are left out */
    CHECK(s && strstr(s, "359.]],\n\n       ...,\n\n       [[840., 841., 842., ..., 849., 850., 851.],\n"));
    CHECK(s && strstr(s, "        ...,\n        [1164., 1165., 1166., ..., 1173., 1174., 1175.],\n"));
    CHECK(s && strstr(s, "[1188., 1189., 1190., ..., 1197., 1198., 1199.]]], dtype=float32)"));
    bj_free(s);
    bj_array_release(a), bj_array_release(b);
}

static void test_array_print_to_file(void) {
    bj_array *a = bj_array_linspace(BJ_F64, 0, 1, 3, true);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) {
        bj_array_release(a);
        return;
    }
    CHECK(bj_array_print(a, f) == BJ_OK);
    rewind(f);
    char buf[128] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    CHECK(n == strlen("array([0., 0.5, 1.], dtype=float64)\n"));
    CHECK(!strcmp(buf, "array([0., 0.5, 1.], dtype=float64)\n"));
    CHECK(bj_array_print(a, NULL) == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_array_print: FILE is NULL");
    bj_array_release(a);
    CHECK(bj_array_print(a, stdout) == BJ_ERR_HANDLE); /* freed: reported, nothing printed */
    CHECK_ERR_HAS("bj_array_print: not a live array");
}

void tests_array(void) {
    RUN(test_array_dtypes);
    RUN(test_array_new_every_dtype);
    RUN(test_array_zeros_ones_full);
    RUN(test_array_arange);
    RUN(test_array_linspace);
    RUN(test_array_copy_and_refcount);
    RUN(test_array_refcount_threads);
    RUN(test_array_strides);
    RUN(test_array_rank0_and_rank8);
    RUN(test_array_zero_size);
    RUN(test_array_errors);
    RUN(test_array_bad_handles);
    RUN(test_array_print_golden);
    RUN(test_array_print_wrap_and_summary);
    RUN(test_array_print_to_file);
}
