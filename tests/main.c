/* main.c — runs every test group (or those named on the command line) and prints `N passed, N failed`. */
#include "test.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

int test_failed_checks;
static int passed, failed;
static int nfilters;
static char **filters;

void test_run(const char *name, void (*fn)(void)) {
    if (nfilters) {
        bool hit = false;
        for (int i = 0; i < nfilters; i++) hit |= strstr(name, filters[i]) != NULL;
        if (!hit) return;
    }
    test_failed_checks = 0;
    bj_clear_error();
    fn();
    if (test_failed_checks) {
        failed++;
        printf("  FAILED %s (%d checks)\n", name, test_failed_checks);
    } else {
        passed++;
        if (getenv("BJ_TEST_VERBOSE")) printf("  ok %s\n", name);
    }
    fflush(stdout);
}

bj_array *test_arr(bj_dtype d, int rank, const int64_t *shape, const double *vals) {
    bj_array *a = bj_array_zeros(d, rank, shape);
    if (!a) return NULL;
    int64_t n = bj_array_size(a);
    void *p = bj_array_data(a);
    for (int64_t i = 0; i < n; i++) {
        double v = vals[i];
        switch (d) {
        case BJ_BOOL: ((bool *)p)[i] = v != 0; break;
        case BJ_I32: ((int32_t *)p)[i] = (int32_t)(int64_t)v; break;
        case BJ_I64: ((int64_t *)p)[i] = (int64_t)v; break;
        case BJ_U32: ((uint32_t *)p)[i] = (uint32_t)(int64_t)v; break;
        case BJ_F32: ((float *)p)[i] = (float)v; break;
        case BJ_F64: ((double *)p)[i] = v; break;
        default: break;
        }
    }
    return a;
}

bool test_close(double a, double b, double tol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b)) return a == b;
    return fabs(a - b) <= tol * (1 + fabs(b));
}

bool test_arr_eq(const bj_array *a, bj_dtype d, int rank, const int64_t *shape, const double *expect, double tol) {
    if (!a) {
        printf("    array is NULL (%s)\n", bj_last_error());
        return false;
    }
    if (bj_array_dtype(a) != d || bj_array_rank(a) != rank) {
        printf("    got %s rank %d, want %s rank %d\n", bj_dtype_name(bj_array_dtype(a)), bj_array_rank(a),
               bj_dtype_name(d), rank);
        return false;
    }
    for (int i = 0; i < rank; i++)
        if (bj_array_shape(a)[i] != shape[i]) {
            printf("    shape mismatch at axis %d: %lld vs %lld\n", i, (long long)bj_array_shape(a)[i],
                   (long long)shape[i]);
            return false;
        }
    int64_t n = bj_array_size(a);
    for (int64_t i = 0; i < n; i++) {
        double g = bj_array_get(a, i);
        bool ok = (d == BJ_F32 || d == BJ_F64) ? test_close(g, expect[i], tol) : g == expect[i];
        if (ok && (d == BJ_F32 || d == BJ_F64) && expect[i] == 0 && g == 0) ok = signbit(g) == signbit(expect[i]);
        if (!ok) {
            printf("    element %lld: got %.17g, want %.17g\n", (long long)i, g, expect[i]);
            return false;
        }
    }
    return true;
}

bj_array *test_eval(int nin, bj_array *const *ins, test_build_fn build, void *ud) {
    bj_trace *t = bj_trace_new("test");
    bj_val *args[16] = {0};
    for (int i = 0; i < nin && i < 16; i++)
        args[i] = bj_trace_arg(t, NULL, bj_array_dtype(ins[i]), bj_array_rank(ins[i]), bj_array_shape(ins[i]));
    bj_val *y = build(t, args, ud);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    if (!g) return NULL;
    bj_array *out = NULL;
    bj_status s = bj_graph_run(g, "interp", ins, nin, &out, 1);
    bj_graph_release(g);
    return s ? NULL : out;
}

typedef struct {
    const char *name;
    const bj_attrs *attrs;
    int nin;
} op_call;

static bj_val *build_op(bj_trace *t, bj_val **args, void *ud) {
    const op_call *c = ud;
    return bj_op(t, c->name, args, c->nin, c->attrs);
}

bj_array *test_op(const char *name, const bj_attrs *attrs, int nin, bj_array *const *ins) {
    op_call c = {name, attrs, nin};
    return test_eval(nin, ins, build_op, &c);
}

bj_array *test_seq(bj_dtype d, int rank, const int64_t *shape) {
    double v[256];
    for (int i = 0; i < 256; i++) v[i] = i;
    return test_arr(d, rank, shape, v);
}

bj_array *test_scalar(bj_dtype d, double v) { return test_arr(d, 0, NULL, &v); }

void test_release_all(int n, bj_array *const *a) {
    for (int i = 0; i < n; i++) bj_array_release(a[i]);
}

bool test_op_near(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, bj_dtype d, int rank,
                  const int64_t *shape, const double *want, double tol) {
    bj_array *r = test_op(name, at, nin, ins);
    bool ok = test_arr_eq(r, d, rank, shape, want, tol);
    if (!ok) printf("    (op %s)\n", name);
    bj_array_release(r);
    test_release_all(nin, ins);
    return ok;
}

bool test_op_is(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, bj_dtype d, int rank,
                const int64_t *shape, const double *want) {
    return test_op_near(name, at, nin, ins, d, rank, shape, want, 0);
}

bool test_op_fails(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, const char *sub) {
    bj_clear_error();
    bj_array *r = test_op(name, at, nin, ins);
    bool ok = !r && strstr(bj_last_error(), sub);
    if (!ok)
        printf("    op %s: wanted a failure with '%s', got %s ('%s')\n", name, sub, r ? "a result" : "NULL",
               bj_last_error());
    bj_array_release(r);
    test_release_all(nin, ins);
    return ok;
}

bool test_eval_is(int nin, bj_array *const *ins, test_build_fn fn, void *ud, bj_dtype d, int rank,
                  const int64_t *shape, const double *want) {
    bj_array *r = test_eval(nin, ins, fn, ud);
    bool ok = test_arr_eq(r, d, rank, shape, want, 0);
    bj_array_release(r);
    test_release_all(nin, ins);
    return ok;
}

bool test_bytes_eq(const bj_array *r, bj_dtype rd, int n, const void *want, const char *label) {
    bool ok = r && bj_array_dtype(r) == rd && bj_array_rank(r) == 1 && bj_array_shape(r)[0] == n &&
              !memcmp(bj_array_data(r), want, (size_t)n * bj_dtype_size(rd));
    if (ok) return true;
    printf("    (%s) ", label);
    if (!r) printf("failed: %s\n", bj_last_error());
    else if (bj_array_dtype(r) != rd) printf("gave %s, want %s\n", bj_dtype_name(bj_array_dtype(r)), bj_dtype_name(rd));
    else if (rd == BJ_I64)
        for (int i = 0; i < n; i++)
            printf("[%d] %lld want %lld%s", i, (long long)((const int64_t *)bj_array_data(r))[i],
                   (long long)((const int64_t *)want)[i], i + 1 < n ? ", " : "\n");
    else printf("values differ\n");
    return false;
}

double test_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)flag, (void)f;
    remove(p);
    return 0;
}
void test_rm_rf(const char *p) {
    chmod(p, 0700); /* a read-only directory left by a failed run */
    nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tests_jvp(void); /* tests/test_jvp.c */

int main(int argc, char **argv) {
    nfilters = argc - 1, filters = argv + 1;
    printf("brainjit %s test suite\n", bj_version());
    /* the suite's native-backend cache lives in tests/tmp, never in the user's ~/.cache */
    mkdir("tmp", 0755);
    if (bj_config_set("cache_dir", "tmp/cache")) printf("cannot set cache_dir: %s\n", bj_last_error());
    tests_core();
    tests_array();
    tests_npy();
    tests_ir();
    tests_promote();
    tests_unary();
    tests_binary();
    tests_shape();
    tests_index();
    tests_reduce();
    tests_linalg();
    tests_math();
    tests_misuse();
    tests_cc();
    tests_var();
    tests_jit();
    tests_sim();
    tests_net();
    tests_fuse();
    tests_cpu();
    tests_rgraph();
    tests_alias();
    tests_symbolic();
    tests_for();
    tests_loop_threads();
    tests_control();
    tests_sparse();
    tests_random();
    tests_stale();
    tests_deep();
    tests_threads();
    tests_cclimit();
    tests_diskcache();
    tests_siminput();
    tests_nan();
    tests_sort();
    tests_jitconn_w();
    tests_foreign();
    tests_x64();
    tests_jvp();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
