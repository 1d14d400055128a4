/* net_main.h — the command line of the network examples (coba.c, cuba.c, coba_hh.c define NET_MODEL and include
 * it): runs the network with bj_net_run (the models are in src/sim/, written with the public API only), prints the
 * rates, spike count and times and a summary line, and optionally writes the spikes as .npy and a raster (SVG).
 *
 * usage: <model> [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural] [--svg FILE]
 *                [--npy FILE] [--quiet] [--model NAME] */
#include <brainjit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: " NET_MODEL " [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural] "
                    "[--svg FILE] [--npy FILE] [--quiet] [--model NAME]\n");
    return 2;
}

int main(int argc, char **argv) {
    bj_net_opts o = {.model = NET_MODEL};
    const char *svg = NULL, *npy = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--n") && v) o.n = atoll(v), i++;
        else if (!strcmp(a, "--duration") && v) o.duration_s = atof(v), i++;
        else if (!strcmp(a, "--seed") && v) o.seed = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--backend") && v) o.backend = v, i++;
        else if (!strcmp(a, "--model") && v) o.model = v, i++;
        else if (!strcmp(a, "--svg") && v) svg = v, i++;
        else if (!strcmp(a, "--npy") && v) npy = v, i++;
        else if (!strcmp(a, "--f64")) o.f64 = true;
        else if (!strcmp(a, "--procedural")) o.procedural = true;
        else if (!strcmp(a, "--quiet")) o.quiet = true;
        else return usage();
    }
    o.record = svg || npy;
    bj_net_result r;
    if (bj_net_run(&o, &r)) {
        fprintf(stderr, NET_MODEL ": %s\n", bj_last_error());
        return 1;
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
    if (npy) {
        if (bj_array_save_npy(r.spikes, npy)) fprintf(stderr, NET_MODEL ": %s\n", bj_last_error()), rc = 1;
        else printf("spikes: %s (bool [%lld steps, %lld neurons])\n", npy, (long long)r.steps, (long long)r.n);
    }
    if (svg) {
        char title[160];
        snprintf(title, sizeof title, "%s, %lld neurons, %.2f s: excitatory (blue) and inhibitory (red) spikes",
                 o.model, (long long)r.n, r.sim_s);
        if (bj_raster_svg(svg, r.spikes, r.dt_ms, r.n_exc, title)) fprintf(stderr, NET_MODEL ": %s\n", bj_last_error()), rc = 1;
        else printf("raster: %s\n", svg);
    }
    printf("result model=%s n=%lld rate_hz=%.3f sim_s=%.3f wall_s=%.4f compile_s=%.3f\n", o.model, (long long)r.n,
           r.rate_hz, r.sim_s, r.wall_s, r.compile_s);
    bj_array_release(r.spikes);
    return rc;
}
