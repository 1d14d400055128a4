/* test_siminput.c — strict validation of every numeric input of the sim layer and of the example programs' command lines (issue 10, class 5). */
#include "test.h"

#include <float.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* bj_net_run refuses o with status BJ_ERR_ARG and a message containing what, quickly (nothing is built). */
static void net_refuses(bj_net_opts o, const char *what, int line) {
    bj_net_result r;
    o.quiet = true;
    bj_status s = bj_net_run(&o, &r);
    CHECK_MSG(s == BJ_ERR_ARG && strstr(bj_last_error(), what) && !r.spike_step && !r.steps,
              "line %d: status %d, error '%s' (want '%s')", line, (int)s, bj_last_error(), what);
}
#define NET_REFUSES(what, ...) net_refuses((bj_net_opts){__VA_ARGS__}, what, __LINE__)

/* n, duration_s, chunk_steps out of range (the E/I split of a huge n overflowed; NaN ran as 1 s, infinity as a
 * negative step count, negatives named the wrong field), and steps x n beyond int64. */
static void siminput_net_refuses(void) {
    const char *n = "bj_net_run: n must be an integer in [10, 2147483647]";
    NET_REFUSES(n, .n = -1);
    NET_REFUSES(n, .n = 9);
    NET_REFUSES(n, .n = INT64_MIN);
    NET_REFUSES(n, .n = INT64_MAX);
    NET_REFUSES(n, .n = INT64_MAX / 4 + 1);
    NET_REFUSES(n, .n = (int64_t)BJ_NET_MAX_N + 1);
    const char *d = "bj_net_run: duration_s must be a finite number of seconds in (0, 1e+06]";
    NET_REFUSES(d, .n = 10, .duration_s = NAN);
    NET_REFUSES("got nan", .n = 10, .duration_s = NAN);
    NET_REFUSES(d, .n = 10, .duration_s = -NAN);
    NET_REFUSES(d, .n = 10, .duration_s = INFINITY);
    NET_REFUSES("got inf", .n = 10, .duration_s = INFINITY);
    NET_REFUSES(d, .n = 10, .duration_s = -INFINITY);
    NET_REFUSES("got -1", .n = 10, .duration_s = -1);
    NET_REFUSES(d, .n = 10, .duration_s = -DBL_MIN);
    NET_REFUSES(d, .n = 10, .duration_s = DBL_MAX);
    NET_REFUSES(d, .n = 10, .duration_s = BJ_NET_MAX_DURATION_S * (1 + 1e-15));
    NET_REFUSES("duration_s = 4e-05 s is less than half a step (0.1 ms)", .n = 10, .duration_s = 4e-5);
    NET_REFUSES("duration_s = 4.94066e-324 s is less than half a step", .n = 10, .duration_s = 4.9e-324,
                .model = "cuba");
    const char *c = "bj_net_run: chunk_steps must be >= 1";
    NET_REFUSES(c, .n = 10, .duration_s = 0.001, .chunk_steps = -1);
    NET_REFUSES(c, .n = 10, .duration_s = 0.001, .chunk_steps = INT64_MIN);
    NET_REFUSES("steps x n overflows int64", .n = BJ_NET_MAX_N, .duration_s = BJ_NET_MAX_DURATION_S);
    /* events hold int32 steps: a longer recording is refused before any work */
    NET_REFUSES("record: 3000000000 steps; events hold steps up to 2147483647", .n = 10, .duration_s = 3e5,
                .record = true);
    NET_REFUSES("unknown model \"\"", .model = "");
    NET_REFUSES("unknown backend \"nope\"", .n = 10, .duration_s = 0.001, .backend = "nope");
}

/* The valid extremes run on a tiny network: the smallest n, one step, the largest seed and chunk, chunks of one
 * step, a duration rounded to the nearest step. */
static void siminput_net_boundaries(void) {
    bj_net_result r;
    bj_net_opts o = {.model = "cuba", .n = 10, .duration_s = 1e-4, .seed = UINT64_MAX, .backend = "interp",
                     .quiet = true, .record = true, .chunk_steps = INT64_MAX};
    CHECK(bj_net_run(&o, &r) == BJ_OK);
    CHECK(r.n == 10 && r.n_exc == 8 && r.steps == 1 && r.spike_step && r.spike_neuron &&
          bj_array_size(r.spike_step) == r.spikes_e + r.spikes_i);
    bj_array_release(r.spike_step), bj_array_release(r.spike_neuron);
    o.duration_s = 5e-5, o.record = false; /* half a step rounds up */
    CHECK(bj_net_run(&o, &r) == BJ_OK && r.steps == 1);
    o.duration_s = 5.4e-4, o.chunk_steps = 1, o.n = 12, o.model = "coba";
    CHECK(bj_net_run(&o, &r) == BJ_OK && r.steps == 5 && r.n_exc == 9 && isfinite(r.rate_hz));
}

/* The raster's time axis: a dt that is not finite, or a span that overflows or cannot be scaled, is refused; a
 * tiny one is drawn with a handful of ticks. The old code looped forever on the first and last cases, so they run in
 * a child with an alarm. */
static int count_of(const char *path, const char *sub) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    int k = 0;
    for (const char *p = strstr(buf, sub); p; p = strstr(p + 1, sub)) k++;
    return k;
}

static int raster_cases(void) {
    int bad = 0;
    bj_array *a = bj_array_zeros(BJ_BOOL, 2, (int64_t[]){10, 4}), *e = bj_array_zeros(BJ_BOOL, 2, (int64_t[]){0, 4});
    ((bool *)bj_array_data(a))[5] = true;
    const double refused[] = {INFINITY, -INFINITY, NAN, -0.0, -1, 1e308, 4.9e-324, DBL_MAX};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (bj_raster_svg("tmp/siminput.svg", a, refused[i], 2, NULL) != BJ_ERR_ARG ||
            !strstr(bj_last_error(), "dt_ms")) {
            printf("    raster: dt_ms = %g: '%s'\n", refused[i], bj_last_error());
            bad = 1;
        }
    if (bj_raster_svg("tmp/siminput.svg", a, 1e-300, 2, NULL))
        bad = 1, printf("    raster 1e-300: %s\n", bj_last_error());
    int ticks = count_of("tmp/siminput.svg", "<line");
    if (ticks < 4 || ticks > 60) bad = 1, printf("    raster 1e-300: %d ticks\n", ticks);
    if (bj_raster_svg("tmp/siminput.svg", e, INFINITY, 2, NULL) != BJ_ERR_ARG) bad = 1; /* even with no steps */
    if (bj_raster_svg("tmp/siminput.svg", e, 0.1, 2, NULL)) bad = 1, printf("    raster T = 0: %s\n", bj_last_error());
    bj_array_release(a), bj_array_release(e);
    return bad;
}

static void siminput_raster(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        _exit(raster_cases());
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "raster cases: %s %d",
              WIFSIGNALED(st) ? "killed (hung?) by signal" : "exit status",
              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/* Delays: steps beyond the int32 head (it was truncated), steps x n overflowing, negative n, names that would be
 * cut; and a delay whose public fields were changed after init is refused instead of wrapping at the wrong step. */
static void siminput_delay(void) {
    bj_delay dl;
    const int64_t steps[] = {0, -1, INT64_MIN, (int64_t)INT32_MAX + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        CHECK(bj_delay_init(&dl, "d", BJ_F32, 0, steps[i]) == BJ_ERR_ARG);
        CHECK_ERR_HAS("steps must be in [1, 2147483647]");
        CHECK(!dl.buf && !dl.head);
    }
    CHECK(bj_delay_init(&dl, "d", BJ_F32, -1, 2) == BJ_ERR_ARG);
    CHECK_ERR_HAS("n must be >= 0, got -1");
    CHECK(bj_delay_init(&dl, "d", BJ_F32, INT64_MAX / 2, INT32_MAX) == BJ_ERR_ARG);
    CHECK_ERR_HAS("steps x n");
    char name[200];
    memset(name, 'x', sizeof name - 1), name[sizeof name - 1] = 0;
    CHECK(bj_delay_init(&dl, name, BJ_F32, 2, 2) == BJ_ERR_ARG);
    CHECK_ERR_HAS("name has 199 characters");
    CHECK(bj_delay_init(&dl, "d", BJ_F32, 2, 3) == BJ_OK);
    bj_trace *t = bj_trace_new("siminput_delay");
    bj_delay bad = dl;
    bad.steps = 5;
    CHECK(bj_delay_read(t, &bad) == NULL);
    CHECK_ERR_HAS("do not match its buffer");
    bad = dl, bad.n = 1;
    CHECK(bj_delay_push(t, &bad, bj_lit(t, BJ_F32, 1.0)) == BJ_ERR_ARG);
    CHECK_ERR_HAS("steps (3) and n (1)");
    bj_trace_free(t);
    bj_delay_release(&dl);
}

/* Progress: a total that is not a finite number >= 0 is refused; BJ_PROGRESS_AFTER that is not a number is ignored
 * (with a warning) instead of read as 0; updates with a NaN time or rate print nothing. */
static void siminput_progress(void) {
    const double bad[] = {NAN, INFINITY, -INFINITY, -1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bj_progress *p = bj_progress_new("x", bad[i], true);
        CHECK(p == NULL);
        CHECK_ERR_HAS("total_sim_s must be a finite number of seconds >= 0");
        bj_progress_free(p);
    }
    int master, slave, saved = dup(2);
    CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
    fflush(stderr);
    dup2(slave, 2);
    setenv("BJ_PROGRESS_AFTER", "soon", 1);
    bj_progress *p = bj_progress_new("late", 1.0, false);
    bj_progress_update(p, 0.5, 10.0); /* within the default 2 s: silent */
    bj_progress_free(p);
    setenv("BJ_PROGRESS_AFTER", "0", 1);
    p = bj_progress_new("nan", 1.0, false);
    bj_progress_update(p, NAN, 10.0);
    bj_progress_update(p, 0.5, NAN);
    bj_progress_update(p, -1, 10.0);
    bj_progress_free(p);
    unsetenv("BJ_PROGRESS_AFTER");
    fflush(stderr);
    dup2(saved, 2);
    char buf[1024] = {0};
    fcntl(master, F_SETFL, O_NONBLOCK);
    ssize_t n = read(master, buf, sizeof buf - 1);
    CHECK_MSG(n > 0 && strstr(buf, "ignoring BJ_PROGRESS_AFTER") && !strstr(buf, "[late]") && !strstr(buf, "[nan]"),
              "terminal got '%s'", buf);
    close(master), close(slave), close(saved);
}

/* Connectivity: a huge n_pre in the checker overflowed n_pre + 1 (UB); probabilities outside [0, 1] are named. */
static void siminput_conn(void) {
    int64_t two = 2;
    int32_t v[2] = {0, 0};
    bj_array *ip = bj_array_new(BJ_I32, 1, &two, v), *ix = bj_array_zeros(BJ_I32, 1, (int64_t[]){0});
    CHECK(bj_conn_check(INT64_MAX, 4, ip, ix) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("indptr has 2 entries; n_pre + 1 = 9223372036854775808 expected");
    CHECK(bj_conn_check(1, 4, ip, ix) == BJ_OK);
    bj_array_release(ip), bj_array_release(ix);
    const double bad[] = {NAN, INFINITY, -0.5, 1.5};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bj_array *a = NULL, *b = NULL;
        CHECK(bj_conn_fixed_prob(4, 4, bad[i], 1, true, &a, &b) == BJ_ERR_ARG && !a && !b);
        CHECK_ERR_HAS("p = ");
    }
}

void tests_siminput(void) {
    RUN(siminput_net_refuses);
    RUN(siminput_net_boundaries);
    RUN(siminput_raster);
    RUN(siminput_delay);
    RUN(siminput_progress);
    RUN(siminput_conn);
}
