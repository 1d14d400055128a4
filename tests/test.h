/* test.h — the tiny test framework: named test cases, checks that report file:line, one summary line. */
#ifndef BJ_TEST_H
#define BJ_TEST_H

#include "brainjit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int test_failed_checks; /* checks failed in the current test case */

#define CHECK(c)                                                                                                      \
    do {                                                                                                              \
        if (!(c)) {                                                                                                   \
            test_failed_checks++;                                                                                     \
            printf("    FAIL %s:%d: %s   [last error: %s]\n", __FILE__, __LINE__, #c, bj_last_error());              \
        }                                                                                                             \
    } while (0)
#define CHECK_MSG(c, ...)                                                                                             \
    do {                                                                                                              \
        if (!(c)) {                                                                                                   \
            test_failed_checks++;                                                                                     \
            printf("    FAIL %s:%d: %s: ", __FILE__, __LINE__, #c);                                                   \
            printf(__VA_ARGS__);                                                                                      \
            printf("\n");                                                                                             \
        }                                                                                                             \
    } while (0)
/* Error message contains a substring. */
#define CHECK_ERR_HAS(sub) CHECK_MSG(strstr(bj_last_error(), (sub)) != NULL, "error '%s' lacks '%s'", bj_last_error(), (sub))

/* Runs one test case (a void function) and counts it. */
void test_run(const char *name, void (*fn)(void));
#define RUN(fn) test_run(#fn, fn)

/* Helpers shared by test files. */
/* Builds a graph with one input per (dtype, rank, shape) in ins and the outputs made by build, runs it on arrays
 * through the interpreter. Most op tests use run1/run2 below. */
bj_array *test_arr(bj_dtype d, int rank, const int64_t *shape, const double *vals); /* values converted */
bool test_close(double a, double b, double tol); /* NaN == NaN, inf == inf, relative+absolute tol */
/* true if array a equals the expected doubles (exact for ints/bools, tol for floats) and has the given dtype. */
bool test_arr_eq(const bj_array *a, bj_dtype d, int rank, const int64_t *shape, const double *expect, double tol);

/* Traces a function of one argument per input array (their dtypes and shapes), finishes the trace, runs it with
 * the interpreter on ins and returns output 0 (new reference), or NULL with bj_last_error() set. */
typedef bj_val *(*test_build_fn)(bj_trace *t, bj_val **args, void *ud);
bj_array *test_eval(int nin, bj_array *const *ins, test_build_fn build, void *ud);
/* test_eval of a single op by name through bj_op (attrs may be NULL). */
bj_array *test_op(const char *name, const bj_attrs *attrs, int nin, bj_array *const *ins);

/* Compound literals for shapes, values and input lists. */
#define SH(...) ((const int64_t[]){__VA_ARGS__})
#define V(...) ((const double[]){__VA_ARGS__})
#define INS(...) ((bj_array *[]){__VA_ARGS__})

bj_array *test_seq(bj_dtype d, int rank, const int64_t *shape); /* 0, 1, 2, ... (at most 256 elements) */
bj_array *test_scalar(bj_dtype d, double v);
void test_release_all(int n, bj_array *const *a);
/* Seconds on the monotonic clock. */
double test_now_s(void);
/* Removes a file or a directory tree (not following links); a read-only directory left by a failed run too. */
void test_rm_rf(const char *path);
/* Runs op `name` through bj_op on ins (released here) and compares with the expectation (tolerance tol). */
bool test_op_near(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, bj_dtype d, int rank,
                  const int64_t *shape, const double *want, double tol);
bool test_op_is(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, bj_dtype d, int rank,
                const int64_t *shape, const double *want);
/* Runs op `name` on ins (released here); true if it failed with a message containing sub. */
bool test_op_fails(const char *name, const bj_attrs *at, int nin, bj_array *const *ins, const char *sub);
/* test_eval on ins (released here) compared exactly with the expectation. */
bool test_eval_is(int nin, bj_array *const *ins, test_build_fn fn, void *ud, bj_dtype d, int rank,
                  const int64_t *shape, const double *want);

/* r is a 1-d array of n elements of dtype rd whose bytes equal want (for int64 values a double cannot hold);
 * prints what differs, prefixed by label. */
bool test_bytes_eq(const bj_array *r, bj_dtype rd, int n, const void *want, const char *label);

/* Test groups, one per file. */
void tests_core(void);
void tests_array(void);
void tests_npy(void);
void tests_ir(void);
void tests_promote(void);
void tests_unary(void);
void tests_binary(void);
void tests_shape(void);
void tests_index(void);
void tests_reduce(void);
void tests_linalg(void);
void tests_math(void);
void tests_misuse(void);
void tests_cc(void);
void tests_var(void);
void tests_jit(void);
void tests_sim(void);
void tests_net(void);
void tests_fuse(void);
void tests_cpu(void);
void tests_rgraph(void);
void tests_alias(void);
void tests_symbolic(void);
void tests_for(void);
void tests_loop_threads(void);
void tests_control(void);
void tests_sparse(void);
void tests_random(void);
void tests_stale(void);
void tests_deep(void);
void tests_threads(void);
void tests_cclimit(void);
void tests_diskcache(void);
void tests_siminput(void);
void tests_nan(void);
void tests_sort(void);
void tests_jitconn_w(void);
void tests_foreign(void);
void tests_x64(void);
#endif
