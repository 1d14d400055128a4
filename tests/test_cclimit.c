/* test_cclimit.c — the compile time limit (child killed and reaped, clear error or interpreter fallback) and the bound on one kernel's size (issue 10, class 4). */
#include "opt/plan.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TDIR "tmp/cclimit"

/* Entries of dir (not . and ..) whose names start with prefix; -1 if dir cannot be read. */
static int count_entries(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return n;
}

/* The state letter of process pid from /proc (R, S, Z, ...), or 0 if it no longer exists. */
static char proc_state(long pid) {
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : '?';
}

/* Writes an executable shell script at path (absolute path into abs). */
static bool write_script(const char *path, const char *text, char *abs, size_t n) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok && chmod(path, 0755) == 0;
    char *r = ok ? realpath(path, NULL) : NULL;
    if (r) snprintf(abs, n, "%s", r);
    free(r);
    return r != NULL;
}

/* x -> ((x * y + x) - 0.5) * y ..., n ops over f32[len]: an elementwise chain nothing folds. */
static bj_graph *chain(int n, int64_t len, bool reduce) {
    bj_trace *t = bj_trace_new("chain");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, &len), *y = bj_trace_arg(t, "y", BJ_F32, 1, &len), *v = x;
    for (int i = 0; i < n; i++) v = i % 3 == 0 ? bj_mul(v, y) : i % 3 == 1 ? bj_add(v, x) : bj_sub(v, 0.5);
    if (reduce) v = bj_sum(v, 0, NULL, false);
    return bj_trace_finish(t, &v, 1);
}

static void inputs(int64_t len, bj_array **in) {
    in[0] = bj_array_zeros(BJ_F32, 1, &len), in[1] = bj_array_zeros(BJ_F32, 1, &len);
    for (int64_t i = 0; in[0] && in[1] && i < len; i++) {
        ((float *)bj_array_data(in[0]))[i] = 0.25f + 0.01f * (float)i;
        ((float *)bj_array_data(in[1]))[i] = 0.5f + 0.002f * (float)i; /* |y| < 1: the chain stays finite */
    }
}

/* Runs g on both backends and compares the outputs' bytes; returns the cpu executable (caller releases). */
static bj_exec *same_as_interp(bj_graph *g, int nin, bj_array *const *in) {
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL, *ei = g ? bj_compile(g, "interp") : NULL;
    CHECK(e && ei && !strcmp(bj_exec_backend(e), "cpu"));
    bj_array *a = NULL, *b = NULL;
    if (e && ei) {
        CHECK(!bj_exec_run(e, in, nin, &a, 1) && !bj_exec_run(ei, in, nin, &b, 1));
        CHECK(a && b && bj_array_nbytes(a) == bj_array_nbytes(b) &&
              !memcmp(bj_array_data(a), bj_array_data(b), bj_array_nbytes(a)));
    }
    bj_array_release(a), bj_array_release(b);
    bj_exec_release(ei);
    return e;
}

/* Every "kernel N: KIND over TYPE, K ops" comment of a generated source has K <= the bound; returns the kernels. */
static int kernels_within_bound(const char *src) {
    int n = 0;
    for (const char *p = src; p && (p = strstr(p, "/* kernel ")); p++) {
        const char *ops = strstr(p, " op");
        const char *comma = ops ? ops : NULL;
        while (comma && comma > p && *comma != ',') comma--;
        int k = comma && comma > p ? atoi(comma + 1) : -1;
        CHECK_MSG(k >= 1 && k <= OPT_KERNEL_MAX_NODES, "a kernel of %d ops (bound %d)", k, OPT_KERNEL_MAX_NODES);
        n++;
    }
    return n;
}

static char saved_cc[PATH_MAX], saved_cache[PATH_MAX];
static void settings_begin(const char *cache) {
    CHECK(bj_config_get("cc", saved_cc, sizeof saved_cc) == BJ_OK);
    CHECK(bj_config_get("cache_dir", saved_cache, sizeof saved_cache) == BJ_OK);
    test_rm_rf(cache);
    CHECK(bj_config_set("cache_dir", cache) == BJ_OK);
}
static void settings_end(void) {
    CHECK(bj_config_set("cc", saved_cc[0] ? saved_cc : NULL) == BJ_OK);
    CHECK(bj_config_set("cache_dir", saved_cache[0] ? saved_cache : NULL) == BJ_OK);
    CHECK(bj_config_set("compile_timeout", NULL) == BJ_OK);
    CHECK(bj_config_set("disk_cache", NULL) == BJ_OK);
}

/* ---------------------------------------------------------------- the setting */
static void test_cclimit_setting(void) {
    char buf[64];
    CHECK(bj_config_get("compile_timeout", buf, sizeof buf) == BJ_OK); /* a known key; "" is the default (60 s) */
    const char *good[] = {"0", "1", "0.5", "60", "2.25", "1000000", "1000000.000"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK_MSG(bj_config_set("compile_timeout", good[i]) == BJ_OK, "'%s' refused: %s", good[i], bj_last_error());
        CHECK(bj_config_get("compile_timeout", buf, sizeof buf) == BJ_OK && !strcmp(buf, good[i]));
    }
    const char *bad[] = {"-1", "abc", "1e3", " 1", "1 ", "+1", "1s", "1.", ".5", "0x10", "1,5", "nan", "inf",
                         "1000000.5", "2000000", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(bj_config_set("compile_timeout", bad[i]) == BJ_ERR_ARG, "'%s' accepted", bad[i]);
        CHECK_ERR_HAS("compile_timeout");
        CHECK_ERR_HAS("number of seconds");
    }
    CHECK(bj_config_get("compile_timeout", buf, sizeof buf) == BJ_OK && !strcmp(buf, "1000000.000")); /* kept */
    CHECK(bj_config_set("compile_timeout", NULL) == BJ_OK);
    CHECK(bj_config_set("bogus", "1") == BJ_ERR_ARG);
    CHECK_ERR_HAS("compile_timeout"); /* listed among the known keys, as every key is */
    CHECK_ERR_HAS("cache_max_bytes");
    CHECK_ERR_HAS("explain_cache_misses");
    CHECK_ERR_HAS("log_compiles");
}

/* ---------------------------------------------------------------- the limit */
/* A compiler that answers --version, then writes a temporary into its TMPDIR, starts a child that sleeps and sleeps
 * itself, recording both pids. */
static const char HANG_CC[] = "#!/bin/sh\n"
                              "case \"$1\" in --version) echo 'fakecc 1 (sleeps)'; exit 0;; esac\n"
                              "echo $$ > %s/pids\n"
                              "echo partial > \"$TMPDIR/fakecc-temp.s\"\n"
                              "sleep 1000 &\n"
                              "echo $! >> %s/pids\n"
                              "wait\n";

/* Compiles a small graph with the hanging compiler at the current settings: the call fails within a few seconds,
 * with the message naming the limit and the setting, and leaves no process, temporary or cache file behind. */
static void expect_stopped(const char *abs_dir, const char *cache, double limit) {
    char pids[PATH_MAX];
    snprintf(pids, sizeof pids, "%s/pids", abs_dir);
    unlink(pids);
    bj_graph *g = chain(4, 8, false);
    double t0 = test_now_s();
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    double dt = test_now_s() - t0;
    CHECK(g && !e && bj_last_status() == BJ_ERR_IO);
    CHECK_ERR_HAS("did not finish compiling 'chain'");
    CHECK_ERR_HAS("compile time limit of ");
    CHECK_ERR_HAS("\"compile_timeout\"");
    CHECK_ERR_HAS("BJ_COMPILE_TIMEOUT");
    CHECK_MSG(dt >= limit * 0.9 && dt < limit + 4, "returned after %.2f s (limit %g s)", dt, limit);
    bj_exec_release(e);
    bj_graph_release(g);
    /* the compiler (our child) is reaped, its child killed (a zombie at most, waiting for init to reap it) */
    FILE *f = fopen(pids, "r");
    long pid[2] = {0, 0};
    CHECK(f && fscanf(f, "%ld %ld", &pid[0], &pid[1]) == 2);
    if (f) fclose(f);
    for (int i = 0; i < 2; i++) {
        char s = pid[i] > 0 ? proc_state(pid[i]) : '?';
        for (int k = 0; k < 200 && s && s != 'Z'; k++) { /* SIGKILL is delivered at once, but not synchronously */
            struct timespec ms = {0, 5000000};
            nanosleep(&ms, NULL);
            s = proc_state(pid[i]);
        }
        if (i == 0) CHECK_MSG(s == 0, "the compiler (pid %ld) is still there, state %c", pid[i], s);
        else CHECK_MSG(s == 0 || s == 'Z', "the compiler's child (pid %ld) is still running, state %c", pid[i], s);
    }
    /* nothing left: no private directory (with the compiler's own temporary) in TMPDIR, no cache temporary */
    int left = count_entries(TDIR "/tmp", "");
    CHECK_MSG(left == 0, "%d entries left in the compiler's TMPDIR", left);
    CHECK(count_entries(cache, ".tmp-") <= 0);
    CHECK(count_entries(cache, "failed-") <= 0);
}

static void test_cclimit_hanging_compiler(void) {
    settings_begin(TDIR "/cache");
    mkdir(TDIR, 0755), mkdir(TDIR "/tmp", 0700);
    char abs_dir[PATH_MAX], text[2 * PATH_MAX + sizeof HANG_CC], cc[PATH_MAX];
    CHECK(realpath(TDIR, abs_dir) != NULL);
    snprintf(text, sizeof text, HANG_CC, abs_dir, abs_dir);
    CHECK(write_script(TDIR "/hangcc", text, cc, sizeof cc));
    const char *tmpdir = getenv("TMPDIR");
    char saved_tmp[PATH_MAX] = "";
    if (tmpdir) snprintf(saved_tmp, sizeof saved_tmp, "%s", tmpdir);
    setenv("TMPDIR", TDIR "/tmp", 1);
    CHECK(bj_config_set("cc", cc) == BJ_OK);
    CHECK(bj_config_set("compile_timeout", "1") == BJ_OK);
    expect_stopped(abs_dir, TDIR "/cache", 1.0);     /* through the disk cache */
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK); /* and through a private directory */
    CHECK(bj_config_set("compile_timeout", "0.5") == BJ_OK);
    expect_stopped(abs_dir, TDIR "/cache", 0.5);
    if (saved_tmp[0]) setenv("TMPDIR", saved_tmp, 1);
    else unsetenv("TMPDIR");
    settings_end();
}

/* A compiler that hangs on --version (the identity every build asks for first) is stopped the same way. */
static void test_cclimit_hanging_version(void) {
    settings_begin(TDIR "/cache-v");
    mkdir(TDIR, 0755);
    char cc[PATH_MAX];
    CHECK(write_script(TDIR "/hangversion", "#!/bin/sh\nexec sleep 1000\n", cc, sizeof cc));
    CHECK(bj_config_set("cc", cc) == BJ_OK);
    CHECK(bj_config_set("compile_timeout", "0.5") == BJ_OK);
    bj_graph *g = chain(3, 8, false);
    double t0 = test_now_s();
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    double dt = test_now_s() - t0;
    CHECK(!e && bj_last_status() == BJ_ERR_IO);
    CHECK_ERR_HAS("did not finish running --version");
    CHECK_ERR_HAS("compile_timeout");
    CHECK_MSG(dt < 4.5, "returned after %.2f s", dt);
    bj_exec_release(e);
    bj_graph_release(g);
    settings_end();
}

/* The limit is the setting's: a compiler 0.3 s slow fails at 0.1 s and builds with no limit (0) or a larger one.
 * And a compiler that leaves a child holding its output pipe still returns at once, the child killed. */
static void test_cclimit_slow_compiler(void) {
    settings_begin(TDIR "/cache-s");
    mkdir(TDIR, 0755);
    char real[PATH_MAX], text[2 * PATH_MAX + 200], cc[PATH_MAX];
    CHECK(bj_config_get("cc", real, sizeof real) == BJ_OK);
    snprintf(text, sizeof text, "#!/bin/sh\ncase \"$1\" in --version) ;; *) sleep 0.3;; esac\nexec '%s' \"$@\"\n",
             real[0] ? real : "cc");
    CHECK(write_script(TDIR "/slowcc", text, cc, sizeof cc));
    CHECK(bj_config_set("cc", cc) == BJ_OK);
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK);
    bj_array *in[2];
    inputs(8, in);
    bj_graph *g = chain(5, 8, false);
    CHECK(bj_config_set("compile_timeout", "0.1") == BJ_OK);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    CHECK(!e && bj_last_status() == BJ_ERR_IO);
    CHECK_ERR_HAS("compile time limit of 0.1 s");
    CHECK(bj_config_set("compile_timeout", "0") == BJ_OK);
    bj_exec_release(same_as_interp(g, 2, in));
    bj_graph_release(g);

    snprintf(text, sizeof text, "#!/bin/sh\nsleep 1000 &\nexec '%s' \"$@\"\n", real[0] ? real : "cc");
    CHECK(write_script(TDIR "/leavescc", text, cc, sizeof cc));
    CHECK(bj_config_set("cc", cc) == BJ_OK);
    CHECK(bj_config_set("compile_timeout", "30") == BJ_OK);
    g = chain(6, 8, false);
    double t0 = test_now_s();
    bj_exec_release(same_as_interp(g, 2, in));
    CHECK_MSG(test_now_s() - t0 < 15, "took %.1f s", test_now_s() - t0);
    bj_graph_release(g);
    test_release_all(2, in);
    settings_end();
}

/* ---------------------------------------------------------------- the kernel bound */
/* A chain longer than the bound is split into kernels of at most OPT_KERNEL_MAX_NODES nodes; so is a reduction's
 * producer chain. The answers stay the interpreter's, bit for bit. */
static void test_cclimit_long_chain_split(void) {
    bj_array *in[2];
    inputs(37, in);
    int n = 2 * OPT_KERNEL_MAX_NODES + 100;
    for (int reduce = 0; reduce < 2; reduce++) {
        bj_graph *g = chain(n, 37, reduce);
        bj_exec *e = same_as_interp(g, 2, in);
        int k = e ? bj_exec_num_kernels(e) : 0;
        CHECK_MSG(k >= 3, "%d kernels for a chain of %d ops (reduce %d)", k, n, reduce);
        CHECK(e && kernels_within_bound(bj_exec_source(e)) == k);
        bj_exec_release(e);
        bj_graph_release(g);
    }
    test_release_all(2, in);
}

/* Many kernels: the entry point runs them through parts, functions of at most 32 statements, grouped again when
 * there are many parts; in a loop's body and with abstracted axes too. */
static bj_val *kernels_pairs(bj_val *v, int n) {
    bj_val *x = v;
    for (int i = 0; i < n; i++) v = bj_add(bj_mul(bj_sub(v, bj_mean(v, 0, NULL, false)), 1.5), x); /* 2 kernels */
    return v;
}

static bj_status loop_body(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *v = kernels_pairs(bj_loop_carry(t, 0), 20);
    return bj_loop_yield(t, &v, 1, NULL, 0);
}

static bj_status many_kernels_fn(bj_trace *t, void *ud) {
    bj_val *v = bj_param(t, 0);
    if (ud) {
        bj_val *fin = NULL;
        bj_status s = bj_for_loop(t, 3, 1, loop_body, NULL, &v, 1, NULL, 0, &fin, NULL, 0);
        return s ? s : bj_return(t, fin);
    }
    return bj_return(t, kernels_pairs(v, 20));
}

static void test_cclimit_many_kernels(void) {
    int64_t len = 2; /* tiny loops: gcc's time per kernel is then small */
    bj_array *x = bj_array_zeros(BJ_F32, 1, &len);
    for (int64_t i = 0; x && i < len; i++) ((float *)bj_array_data(x))[i] = (float)i - 0.75f;
    /* 520 pairs: 1,040 kernels, 33 parts, grouped in 2 parts a level up */
    bj_trace *t = bj_trace_new("pairs");
    bj_val *v = kernels_pairs(bj_trace_arg(t, "x", BJ_F32, 1, &len), 520);
    bj_graph *g = bj_trace_finish(t, &v, 1);
    bj_exec *e = same_as_interp(g, 1, &x);
    const char *src = e ? bj_exec_source(e) : NULL;
    CHECK(e && bj_exec_num_kernels(e) == 1040);
    CHECK(src && strstr(src, "BJ_PART part1_32(") && !strstr(src, "BJ_PART part1_33(") &&
          strstr(src, "BJ_PART part2_1(") && strstr(src, "    part2_1(b, nthreads);\n}"));
    bj_exec_release(e);
    bj_graph_release(g);
    /* a loop body of 40 kernels; abstracted axes (one executable for every length) */
    const char *axes[2] = {NULL, "x: n"};
    void *loop[2] = {&len, NULL};
    for (int j = 0; j < 2; j++) {
        bj_array *y[2] = {NULL, NULL};
        for (int b = 0; b < 2; b++) {
            bj_jit_opts o = {.argnames = "x", .backend = b ? "interp" : NULL, .abstracted_axes = axes[j]};
            bj_jit *f = bj_jit_new(many_kernels_fn, loop[j], &o);
            CHECK(f && !bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y[b], 1));
            char *s = b ? NULL : bj_jit_source(f, BJ_ARGS(bj_arg_array(x)));
            if (!b) CHECK_MSG(s && strstr(s, j ? "BJ_PART part1_0(void *const *b, const int64_t *dims, int nthreads)"
                                               : "BJ_PART l0_part1_0(void *const *l0_b, int nthreads)"),
                              "no parts in case %d", j);
            bj_free(s);
            bj_jit_release(f);
        }
        CHECK(y[0] && y[1] && !memcmp(bj_array_data(y[0]), bj_array_data(y[1]), bj_array_nbytes(y[0])));
        bj_array_release(y[0]), bj_array_release(y[1]);
    }
    bj_array_release(x);
}

/* A 20,000-op chain: about 40 kernels, compiled well within the default limit (one kernel of 20,000 ops took gcc
 * three times as long, and 100,000 ops minutes). */
static void test_cclimit_20k_chain(void) {
    char disk[8];
    CHECK(bj_config_get("disk_cache", disk, sizeof disk) == BJ_OK);
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK); /* compile it every time */
    bj_array *in[2];
    inputs(64, in);
    bj_graph *g = chain(20000, 64, false);
    double t0 = test_now_s();
    bj_exec *e = same_as_interp(g, 2, in);
    double dt = test_now_s() - t0;
    CHECK_MSG(dt < 60, "20,000 ops took %.1f s", dt);
    CHECK(e && bj_exec_num_kernels(e) >= 20000 / OPT_KERNEL_MAX_NODES);
    CHECK(e && kernels_within_bound(bj_exec_source(e)) == bj_exec_num_kernels(e));
    bj_exec_release(e);
    bj_graph_release(g);
    test_release_all(2, in);
    CHECK(bj_config_set("disk_cache", disk[0] ? disk : NULL) == BJ_OK);
}

void tests_cclimit(void) {
    RUN(test_cclimit_setting);
    RUN(test_cclimit_hanging_compiler);
    RUN(test_cclimit_hanging_version);
    RUN(test_cclimit_slow_compiler);
    RUN(test_cclimit_long_chain_split);
    RUN(test_cclimit_many_kernels);
    RUN(test_cclimit_20k_chain);
}
