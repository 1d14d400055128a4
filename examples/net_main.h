/* net_main.h — the command line of the network examples (coba.c, cuba.c, coba_hh.c define NET_MODEL and include
 * it): runs the network with bj_net_run (the models are in src/sim/, written with the public API only), prints the
 * rates, spike count and times and a summary line, and optionally writes the spikes as .npy and a raster (SVG).
 *
 * usage: <model> [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural] [--svg FILE]
 *                [--npy FILE] [--quiet] [--model NAME] [--help]
 * Options are parsed strictly: a value that is not wholly one number in range, a missing value, an unknown or
 * repeated option is a usage error (a message naming the option and the value, exit status 2) and nothing runs;
 * so is an option bj_net_run refuses (BJ_ERR_ARG). Other failures exit with 1. */
#include <brainjit.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_USAGE                                                                                                     \
    "usage: " NET_MODEL " [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural]\n"          \
    "       [--svg FILE] [--npy FILE] [--quiet] [--model NAME]\n"                                                     \
    "  --n N          neurons, an integer in [10, 2147483647] (default 4000); each gets about 80 inputs at any N:\n"  \
    "                 p = 80 / N (BrainPy's p = 0.02 at 4000), stored or --procedural\n"                              \
    "  --duration S   simulated seconds, a number in (0, 1e6] (default 1)\n"                                          \
    "  --seed K       initial state and connectivity, an integer in [1, 18446744073709551615] (default 42)\n"         \
    "  --backend B    cpu (default) or interp; --model NAME: coba, cuba or coba_hh (default " NET_MODEL ")\n"          \
    "  --f64          float64 state; --procedural: connectivity generated in the kernels; --quiet: no progress\n"     \
    "  --svg FILE     write a raster of every spike; --npy FILE: every spike as bool [steps, n]\n"

/* A usage error: the message (naming the option and the value) on stderr, status 2, nothing run. */
static int bad_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs(NET_MODEL ": ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (" NET_MODEL " --help lists the options)\n", stderr);
    return 2;
}

/* Strict numbers: the whole value is one number (no sign unless allowed, no spaces, no suffix), in range. */
static bool digits_first(const char *v) { return *v >= '0' && *v <= '9'; }
static bool parse_int(const char *v, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long x = digits_first(v) ? strtoll(v, &end, 10) : 0;
    if (!digits_first(v) || *end || errno || x < lo || x > hi) return false;
    *out = x;
    return true;
}
static bool parse_u64(const char *v, unsigned long long lo, unsigned long long *out) {
    char *end;
    errno = 0;
    unsigned long long x = digits_first(v) ? strtoull(v, &end, 10) : 0; /* no '-': strtoull would wrap it */
    if (!digits_first(v) || *end || errno || x < lo) return false;
    *out = x;
    return true;
}
static bool parse_seconds(const char *v, double hi, double *out) {
    char *end;
    errno = 0;
    double x = digits_first(v) || *v == '.' ? strtod(v, &end) : NAN;
    if (isnan(x) || *end || errno || !(x > 0) || !(x <= hi)) return false;
    *out = x;
    return true;
}

int main(int argc, char **argv) {
    bj_net_opts o = {.model = NET_MODEL};
    const char *svg = NULL, *npy = NULL;
    /* the options that take a value; each may be given once */
    static const char *const valued[] = {"--n", "--duration", "--seed", "--backend", "--model", "--svg", "--npy"};
    enum { NVALUED = sizeof valued / sizeof valued[0] };
    bool seen[NVALUED] = {false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(NET_USAGE, stdout), 0;
        if (!strcmp(a, "--f64")) { o.f64 = true; continue; }
        if (!strcmp(a, "--procedural")) { o.procedural = true; continue; }
        if (!strcmp(a, "--quiet")) { o.quiet = true; continue; }
        int k = 0;
        while (k < NVALUED && strcmp(a, valued[k])) k++;
        if (k == NVALUED)
            return bad_usage(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
        if (seen[k]) return bad_usage("%s is given twice", a);
        seen[k] = true;
        if (i + 1 == argc) return bad_usage("%s needs a value", a);
        const char *v = argv[++i];
        long long n;
        unsigned long long seed;
        if (!strcmp(a, "--n")) {
            if (!parse_int(v, 10, BJ_NET_MAX_N, &n))
                return bad_usage("--n must be an integer in [10, %lld], got '%s'", (long long)BJ_NET_MAX_N, v);
            o.n = n;
        } else if (!strcmp(a, "--duration")) {
            if (!parse_seconds(v, BJ_NET_MAX_DURATION_S, &o.duration_s))
                return bad_usage("--duration must be a number of seconds in (0, %g], got '%s'", BJ_NET_MAX_DURATION_S,
                                 v);
        } else if (!strcmp(a, "--seed")) { /* 0 would mean "the default" to bj_net_run */
            if (!parse_u64(v, 1, &seed))
                return bad_usage("--seed must be an integer in [1, 18446744073709551615], got '%s'", v);
            o.seed = seed;
        } else if (!strncmp(v, "--", 2) || !*v) { /* a file or name, not the next option */
            return bad_usage("%s needs a value, got '%s'", a, v);
        } else if (!strcmp(a, "--backend")) o.backend = v;
        else if (!strcmp(a, "--model")) o.model = v;
        else if (!strcmp(a, "--svg")) svg = v;
        else npy = v;
    }
    o.record = svg || npy;
    bj_net_result r;
    bj_status st = bj_net_run(&o, &r);
    if (st) { /* the library checks what only it knows (the model, the backend, steps of the model's dt) */
        fprintf(stderr, NET_MODEL ": %s\n", bj_last_error());
        return st == BJ_ERR_ARG ? 2 : 1;
    }
    printf("%s: %lld neurons (%lld E, %lld I), p = %.4g, %s connectivity, %s, backend %s\n", o.model,
           (long long)r.n, (long long)r.n_exc, (long long)(r.n - r.n_exc), r.p,
           o.procedural ? "procedural" : "stored", o.f64 ? "float64" : "float32", o.backend ? o.backend : "cpu");
    printf("rates: E %.2f Hz, I %.2f Hz, all %.2f Hz; %lld spikes in %.3f s simulated (%lld steps of %g ms)\n",
           r.rate_e_hz, r.rate_i_hz, r.rate_hz, (long long)(r.spikes_e + r.spikes_i), r.sim_s, (long long)r.steps,
           r.dt_ms);
    printf("time: connectivity %.3f s, trace + compile %.3f s, simulation %.3f s (%.3f s per simulated second)\n",
           r.build_s, r.compile_s, r.wall_s, r.sim_s > 0 ? r.wall_s / r.sim_s : 0);
    int rc = 0;
    if (npy) { /* the events as the matrix numpy users expect */
        bj_array *dense = NULL;
        if (bj_spikes_dense(r.spike_step, r.spike_neuron, r.steps, r.n, &dense) || bj_array_save_npy(dense, npy))
            fprintf(stderr, NET_MODEL ": %s\n", bj_last_error()), rc = 1;
        else printf("spikes: %s (bool [%lld steps, %lld neurons])\n", npy, (long long)r.steps, (long long)r.n);
        bj_array_release(dense);
    }
    if (svg) {
        char title[160];
        snprintf(title, sizeof title, "%s, %lld neurons, %.2f s: excitatory (blue) and inhibitory (red) spikes",
                 o.model, (long long)r.n, r.sim_s);
        if (bj_raster_svg_events(svg, r.spike_step, r.spike_neuron, r.steps, r.n, r.dt_ms, r.n_exc, title))
            fprintf(stderr, NET_MODEL ": %s\n", bj_last_error()), rc = 1;
        else printf("raster: %s\n", svg);
    }
    printf("result model=%s n=%lld rate_hz=%.3f sim_s=%.3f wall_s=%.4f compile_s=%.3f\n", o.model, (long long)r.n,
           r.rate_hz, r.sim_s, r.wall_s, r.compile_s);
    bj_array_release(r.spike_step), bj_array_release(r.spike_neuron);
    return rc;
}
