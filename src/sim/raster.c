/* raster.c — recorded spikes: raster pictures (SVG: neurons by time, excitatory and inhibitory populations in two
 * colours, with axes, ticks and a title) from a spike matrix or from spike events, and events as a matrix. Uses only
 * the public API. */
#define BJ_BUILDING 1 /* the public functions defined here are exported from the shared library */
#include <brainjit.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 960.0  /* plot area */
#define H 540.0
#define ML 70.0  /* margins */
#define MR 20.0
#define MT 40.0
#define MB 50.0

/* Ticks over [0, span]: a "nice" step (1, 2, 5 x 10^k) giving about n of them, and how many steps fit (at most
 * 4 n). Counted, not accumulated, so a step far below the span's precision cannot loop forever; a span that is not
 * finite and positive gets the tick at 0 only. */
static double tick_step(double span, int n, int *count) {
    *count = 0;
    if (!(span > 0) || !isfinite(span)) return 0;
    double raw = span / n, p = 1; /* both loops end: p overflows to inf or underflows to 0 */
    while (p * 10 <= raw) p *= 10;
    while (p > raw) p /= 10;
    double st = raw >= 5 * p ? 5 * p : raw >= 2 * p ? 2 * p : p;
    if (!(st > 0)) return 0;
    double k = floor(span / st * (1 + 1e-12)); /* the last tick may sit on the end */
    *count = k < 4 * n ? (int)k : 4 * n;
    return st;
}

static void xml_text(FILE *f, const char *s) {
    for (; s && *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
}

/* The picture of T steps by N neurons, from a bool[T, N] matrix (dense) or from events (step st[k], neuron ne[k]). */
typedef struct marks {
    const unsigned char *dense;
    const int32_t *st, *ne;
    int64_t nev;
} marks;

static bj_status draw(const char *fn, const char *path, int64_t T, int64_t N, double dt_ms, int64_t n_exc,
                      const char *title, const marks *mk) {
    if (!(dt_ms > 0) || !isfinite(dt_ms))
        return bj_set_error(BJ_ERR_ARG, "%s: dt_ms must be a finite number of milliseconds > 0, got %g", fn, dt_ms);
    double t_end = (double)T * dt_ms; /* the time axis and its scale must both be finite */
    if (!isfinite(t_end) || (T > 0 && !isfinite(W / t_end)))
        return bj_set_error(BJ_ERR_ARG, "%s: dt_ms = %g over %lld steps spans %g ms, which cannot be drawn to scale", fn,
                            dt_ms, (long long)T, t_end);
    if (n_exc < 0 || n_exc > N)
        return bj_set_error(BJ_ERR_ARG, "%s: n_exc = %lld is outside [0, %lld]", fn, (long long)n_exc, (long long)N);
    FILE *f = fopen(path, "w");
    if (!f) return bj_set_error(BJ_ERR_IO, "%s: cannot write %s: %s", fn, path, strerror(errno));
    double xs = W / (t_end > 0 ? t_end : 1), ys = H / (double)(N > 0 ? N : 1);
    double mark_w = xs * dt_ms > 1.2 ? xs * dt_ms : 1.2, mark_h = ys > 1.0 ? ys : 1.0;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            ML + W + MR, MT + H + MB, ML + W + MR, MT + H + MB);
    fprintf(f, "<text x=\"%.0f\" y=\"24\" font-size=\"16\">", ML);
    xml_text(f, title ? title : "spike raster");
    fprintf(f, "</text>\n");
    /* one path per population: a small rectangle per spike, neuron 0 at the top */
    const char *colour[2] = {"#1f5fbf", "#d62728"};
    for (int pop = 0; pop < 2; pop++) {
        int64_t lo = pop ? n_exc : 0, hi = pop ? N : n_exc;
        if (lo >= hi) continue;
        fprintf(f, "<path fill=\"%s\" d=\"", colour[pop]);
        for (int64_t t = 0; mk->dense && t < T; t++)
            for (int64_t i = lo; i < hi; i++)
                if (mk->dense[t * N + i])
                    fprintf(f, "M%.1f %.1fh%.2fv%.2fh-%.2fz", ML + (double)t * dt_ms * xs, MT + (double)i * ys,
                            mark_w, mark_h, mark_w);
        for (int64_t k = 0; !mk->dense && k < mk->nev; k++)
            if (mk->ne[k] >= lo && mk->ne[k] < hi)
                fprintf(f, "M%.1f %.1fh%.2fv%.2fh-%.2fz", ML + (double)mk->st[k] * dt_ms * xs,
                        MT + (double)mk->ne[k] * ys, mark_w, mark_h, mark_w);
        fprintf(f, "\"/>\n");
    }
    /* axes and ticks */
    fprintf(f, "<g stroke=\"black\" fill=\"none\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/></g>\n",
            ML, MT, W, H);
    int nt;
    double st = tick_step(t_end, 8, &nt);
    for (int k = 0; k <= nt; k++) {
        double x = k * st;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"black\"/><text x=\"%.1f\" y=\"%.0f\" "
                   "text-anchor=\"middle\">%g</text>\n", ML + x * xs, MT + H, ML + x * xs, MT + H + 5, ML + x * xs,
                MT + H + 20, x);
    }
    double sn = tick_step((double)N, 6, &nt);
    for (int k = 0; k <= nt; k++) {
        double y = k * sn;
        fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"black\"/><text x=\"%.0f\" y=\"%.1f\" "
                   "text-anchor=\"end\">%g</text>\n", ML - 5, MT + y * ys, ML, MT + y * ys, ML - 8, MT + y * ys + 4, y);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time (ms)</text>\n", ML + W / 2, MT + H + 42);
    fprintf(f, "<text transform=\"translate(18 %.0f) rotate(-90)\" text-anchor=\"middle\">neuron</text>\n", MT + H / 2);
    if (n_exc > 0 && n_exc < N)
        fprintf(f, "<text x=\"%.0f\" y=\"24\" text-anchor=\"end\" fill=\"%s\">excitatory</text>\n"
                   "<text x=\"%.0f\" y=\"24\" text-anchor=\"end\" fill=\"%s\">inhibitory</text>\n",
                ML + W - 90, colour[0], ML + W, colour[1]);
    fprintf(f, "</svg>\n");
    bool bad = ferror(f) != 0;
    if (fclose(f) || bad) return bj_set_error(BJ_ERR_IO, "%s: writing %s failed", fn, path);
    return BJ_OK;
}

bj_status bj_raster_svg(const char *path, const bj_array *spikes, double dt_ms, int64_t n_exc, const char *title) {
    if (!path) return bj_set_error(BJ_ERR_ARG, "bj_raster_svg: path is NULL");
    if (!bj_array_valid(spikes))
        return bj_set_error(spikes ? BJ_ERR_HANDLE : BJ_ERR_ARG, "bj_raster_svg: spikes is %s",
                            spikes ? "not a live array" : "NULL");
    if (bj_array_dtype(spikes) != BJ_BOOL || bj_array_rank(spikes) != 2)
        return bj_set_error(BJ_ERR_SHAPE, "bj_raster_svg: spikes must be a bool[T, N] array, not %s of rank %d",
                            bj_dtype_name(bj_array_dtype(spikes)), bj_array_rank(spikes));
    const int64_t *sh = bj_array_shape(spikes);
    return draw("bj_raster_svg", path, sh[0], sh[1], dt_ms, n_exc, title, &(marks){.dense = bj_array_data(spikes)});
}

/* Events: int32 step and neuron vectors of one length, each event inside [0, steps) x [0, n). */
static bj_status check_events(const char *fn, const bj_array *spike_step, const bj_array *spike_neuron, int64_t steps,
                              int64_t n) {
    if (!bj_array_valid(spike_step) || !bj_array_valid(spike_neuron))
        return bj_set_error(BJ_ERR_ARG, "%s: spike_step and spike_neuron must be live arrays", fn);
    if (bj_array_dtype(spike_step) != BJ_I32 || bj_array_dtype(spike_neuron) != BJ_I32 || bj_array_rank(spike_step) != 1 ||
        bj_array_rank(spike_neuron) != 1 || bj_array_size(spike_step) != bj_array_size(spike_neuron))
        return bj_set_error(BJ_ERR_SHAPE, "%s: spike_step and spike_neuron must be int32 vectors of one length", fn);
    int64_t cells;
    if (steps < 0 || n < 0 || __builtin_mul_overflow(steps, n, &cells))
        return bj_set_error(BJ_ERR_ARG, "%s: steps = %lld and n = %lld must be >= 0 with steps x n within int64", fn,
                            (long long)steps, (long long)n);
    const int32_t *st = bj_array_data(spike_step), *ne = bj_array_data(spike_neuron);
    for (int64_t k = 0; k < bj_array_size(spike_step); k++)
        if (st[k] < 0 || st[k] >= steps || ne[k] < 0 || ne[k] >= n)
            return bj_set_error(BJ_ERR_ARG, "%s: event %lld (step %d, neuron %d) is outside [0, %lld) x [0, %lld)", fn,
                                (long long)k, st[k], ne[k], (long long)steps, (long long)n);
    return BJ_OK;
}

bj_status bj_raster_svg_events(const char *path, const bj_array *spike_step, const bj_array *spike_neuron,
                               int64_t steps, int64_t n, double dt_ms, int64_t n_exc, const char *title) {
    const char *fn = "bj_raster_svg_events";
    if (!path) return bj_set_error(BJ_ERR_ARG, "%s: path is NULL", fn);
    bj_status s = check_events(fn, spike_step, spike_neuron, steps, n);
    if (s) return s;
    return draw(fn, path, steps, n, dt_ms, n_exc, title,
                &(marks){.st = bj_array_data(spike_step), .ne = bj_array_data(spike_neuron),
                         .nev = bj_array_size(spike_step)});
}

bj_status bj_spikes_dense(const bj_array *spike_step, const bj_array *spike_neuron, int64_t steps, int64_t n,
                          bj_array **dense) {
    if (!dense) return bj_set_error(BJ_ERR_ARG, "bj_spikes_dense: dense is NULL");
    *dense = NULL;
    bj_status s = check_events("bj_spikes_dense", spike_step, spike_neuron, steps, n);
    if (s) return s;
    bj_array *d = bj_array_zeros(BJ_BOOL, 2, (int64_t[]){steps, n});
    if (!d) return bj_last_status();
    const int32_t *st = bj_array_data(spike_step), *ne = bj_array_data(spike_neuron);
    bool *p = bj_array_data(d);
    for (int64_t k = 0; k < bj_array_size(spike_step); k++) p[(int64_t)st[k] * n + ne[k]] = true;
    *dense = d;
    return BJ_OK;
}
