/* progress.c — progress of long simulations on stderr (simulated time, firing rate, time left), updated by the host
 * between compiled chunks of steps: one line rewritten in place, only on a terminal, only once a run has taken
 * more than a couple of seconds, at most four times a second. Uses only the public API. */
#define BJ_BUILDING 1 /* the public functions defined here are exported from the shared library */
#include <brainjit.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct bj_progress {
    char label[64];
    double total, t0, last, after;
    bool on, shown;
};

static double wall(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* BJ_PROGRESS_AFTER: seconds of quiet before the first line (tests set 0); as brainjit's settings, a value that is
 * not a finite number >= 0 is ignored with a warning. */
static double quiet_seconds(void) {
    const char *v = getenv("BJ_PROGRESS_AFTER");
    if (!v || !*v) return 2.0;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (*end || errno || !isfinite(x) || x < 0 || isspace((unsigned char)*v)) {
        fprintf(stderr, "brainjit: warning: ignoring BJ_PROGRESS_AFTER: its value must be a number of seconds >= 0\n");
        return 2.0;
    }
    return x;
}

bj_progress *bj_progress_new(const char *label, double total_sim_s, bool quiet) {
    if (!isfinite(total_sim_s) || total_sim_s < 0)
        return bj_set_error(BJ_ERR_ARG, "bj_progress_new: total_sim_s must be a finite number of seconds >= 0, got %g",
                            total_sim_s), NULL;
    bj_progress *p = calloc(1, sizeof *p);
    if (!p) return bj_set_error(BJ_ERR_NOMEM, "bj_progress_new: out of memory"), NULL;
    snprintf(p->label, sizeof p->label, "%s", label ? label : "run");
    p->total = total_sim_s;
    p->t0 = p->last = wall();
    const char *env = getenv("BJ_PROGRESS");
    p->on = !quiet && isatty(STDERR_FILENO) && !(env && !strcmp(env, "0"));
    p->after = p->on ? quiet_seconds() : 2.0;
    return p;
}

void bj_progress_update(bj_progress *p, double done_sim_s, double rate_hz) {
    /* nonsense (a NaN time, a negative one) is not printed */
    if (!p || !p->on || !isfinite(done_sim_s) || done_sim_s < 0 || !isfinite(rate_hz)) return;
    double now = wall(), el = now - p->t0;
    if (el < p->after || (p->shown && now - p->last < 0.25)) return;
    p->last = now;
    double left = done_sim_s > 0 ? el * (p->total - done_sim_s) / done_sim_s : 0;
    fprintf(stderr, "\r[%s] %.2f / %.2f s simulated, %.1f Hz, %.0f%%, about %.1f s left   ", p->label, done_sim_s,
            p->total, rate_hz, p->total > 0 ? 100.0 * done_sim_s / p->total : 100.0, left);
    fflush(stderr);
    p->shown = true;
}

void bj_progress_free(bj_progress *p) {
    if (!p) return;
    if (p->shown) fprintf(stderr, "\r%*s\r", 78, "");
    free(p);
}
