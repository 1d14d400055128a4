/* test_sim.c — the simulation helpers built on the public API: spike raster pictures. */
#include "test.h"

#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

static int count(const char *s, const char *sub) {
    int k = 0;
    for (const char *p = s ? strstr(s, sub) : NULL; p; p = strstr(p + 1, sub)) k++;
    return k;
}

/* Every spike is one mark, in its population's colour; axes and title are there. */
static void sim_raster_svg(void) {
    enum { T = 50, N = 10 };
    bool s[T * N] = {0};
    int ne = 0, ni = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++)
            if ((t * 7 + i * 3) % 11 == 0) s[t * N + i] = true, i < 8 ? ne++ : ni++;
    bj_array *a = bj_array_new(BJ_BOOL, 2, (int64_t[]){T, N}, s);
    CHECK(bj_raster_svg("tmp/raster.svg", a, 0.1, 8, "test <raster>") == BJ_OK);
    char *svg = slurp("tmp/raster.svg");
    CHECK(svg && strstr(svg, "<svg") && strstr(svg, "</svg>"));
    CHECK(strstr(svg, "test &lt;raster&gt;") != NULL);
    CHECK(strstr(svg, "time (ms)") && strstr(svg, "excitatory"));
    /* the two paths: count marks after each colour */
    const char *blue = strstr(svg, "fill=\"#1f5fbf\""), *red = strstr(svg, "fill=\"#d62728\"");
    CHECK(blue && red && blue < red);
    if (blue && red) {
        char *e = strndup(blue, (size_t)(red - blue));
        CHECK_MSG(count(e, "M") == ne, "%d marks for %d excitatory spikes", count(e, "M"), ne);
        free(e);
        const char *end = strstr(red, "/>");
        char *i = end ? strndup(red, (size_t)(end - red)) : NULL;
        CHECK_MSG(i && count(i, "M") == ni, "%d marks for %d inhibitory spikes", count(i, "M"), ni);
        free(i);
    }
    /* the same picture from the spikes as events (by step, then neuron, as bj_net_run records them) */
    int32_t st[T * N], nr[T * N];
    int64_t nev = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++)
            if (s[t * N + i]) st[nev] = t, nr[nev++] = i;
    bj_array *es = bj_array_new(BJ_I32, 1, &nev, st), *en = bj_array_new(BJ_I32, 1, &nev, nr), *d = NULL;
    CHECK(bj_raster_svg_events("tmp/raster_ev.svg", es, en, T, N, 0.1, 8, "test <raster>") == BJ_OK);
    char *svg2 = slurp("tmp/raster_ev.svg");
    CHECK(svg && svg2 && !strcmp(svg, svg2));
    free(svg2);
    CHECK(bj_spikes_dense(es, en, T, N, &d) == BJ_OK && d && !memcmp(bj_array_data(d), s, sizeof s));
    bj_array_release(d);
    CHECK(bj_raster_svg_events("tmp/r.svg", es, en, T - 1, N, 0.1, 8, NULL) == BJ_ERR_ARG &&
          strstr(bj_last_error(), "outside [0, 49) x [0, 10)"));
    CHECK(bj_raster_svg_events("tmp/r.svg", es, a, T, N, 0.1, 8, NULL) == BJ_ERR_SHAPE);
    CHECK(bj_raster_svg_events(NULL, es, en, T, N, 0.1, 8, NULL) == BJ_ERR_ARG);
    CHECK(bj_spikes_dense(es, en, T, N - 1, &d) == BJ_ERR_ARG && !d);
    CHECK(bj_spikes_dense(es, en, T, N, NULL) == BJ_ERR_ARG);
    bj_array_release(es), bj_array_release(en);
    free(svg);
    /* errors */
    CHECK(bj_raster_svg(NULL, a, 0.1, 8, NULL) == BJ_ERR_ARG);
    CHECK(bj_raster_svg("tmp/r.svg", a, 0, 8, NULL) == BJ_ERR_ARG && strstr(bj_last_error(), "dt_ms"));
    CHECK(bj_raster_svg("tmp/r.svg", a, 0.1, 11, NULL) == BJ_ERR_ARG && strstr(bj_last_error(), "n_exc"));
    CHECK(bj_raster_svg("/nonexistent/dir/r.svg", a, 0.1, 8, NULL) == BJ_ERR_IO);
    bj_array *f = bj_array_zeros(BJ_F32, 2, (int64_t[]){2, 2});
    CHECK(bj_raster_svg("tmp/r.svg", f, 0.1, 1, NULL) == BJ_ERR_SHAPE && strstr(bj_last_error(), "bool[T, N]"));
    bj_array_release(f);
    bj_array_release(a);
    CHECK(bj_raster_svg("tmp/r.svg", a, 0.1, 1, NULL) == BJ_ERR_HANDLE);
}

/* Progress lines reach a terminal (a pseudo-terminal here) and nothing else: not a pipe, not when quiet. */
static void sim_progress(void) {
    setenv("BJ_PROGRESS_AFTER", "0", 1);
    int master, slave, saved = dup(2);
    CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
    fflush(stderr);
    dup2(slave, 2);
    bj_progress *p = bj_progress_new("test", 1.0, false), *q = bj_progress_new("quiet", 1.0, true);
    bj_progress_update(p, 0.5, 10.0);
    bj_progress_update(q, 0.5, 10.0);
    bj_progress_free(p), bj_progress_free(q);
    fflush(stderr);
    dup2(saved, 2);
    char buf[512] = {0};
    fcntl(master, F_SETFL, O_NONBLOCK);
    ssize_t n = read(master, buf, sizeof buf - 1);
    CHECK_MSG(n > 0 && strstr(buf, "[test] 0.50 / 1.00 s simulated, 10.0 Hz, 50%"), "terminal got '%s'", buf);
    CHECK(!strstr(buf, "[quiet]"));
    close(master), close(slave);
    /* a pipe is not a terminal: silent */
    int fd[2];
    CHECK(pipe(fd) == 0);
    dup2(fd[1], 2);
    p = bj_progress_new("pipe", 1.0, false);
    bj_progress_update(p, 0.5, 10.0);
    bj_progress_free(p);
    fflush(stderr);
    dup2(saved, 2);
    close(fd[1]);
    fcntl(fd[0], F_SETFL, O_NONBLOCK);
    CHECK(read(fd[0], buf, sizeof buf) <= 0);
    close(fd[0]), close(saved);
    unsetenv("BJ_PROGRESS_AFTER");
}

void tests_sim(void) {
    RUN(sim_raster_svg);
    RUN(sim_progress);
}
