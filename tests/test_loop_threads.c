/* test_loop_threads.c — for loops run on several threads (one parallel region per loop, kernels split in chunks,
 * independent kernels sharing a phase, event-driven propagation split by post-synaptic ranges): results
 * byte-identical to the interpreter for 1, 2, 3 and 4 threads, the networks' spike trains independent of the thread
 * count, the generated shape, the setting. Named parloop_*, not threads_*: ThreadSanitizer (`make tsan`, which runs
 * the threads_ tests) cannot see the synchronisation of generated code, which is not instrumented. */
#include "test.h"

#include <stdlib.h>

#define N 3000
#define STEPS 120

static bool same_bytes(const bj_array *a, const bj_array *b) {
    if (!a || !b || bj_array_dtype(a) != bj_array_dtype(b) || bj_array_size(a) != bj_array_size(b)) return false;
    size_t n = (size_t)bj_array_size(a) * bj_dtype_size(bj_array_dtype(a));
    return !n || !memcmp(bj_array_data(a), bj_array_data(b), n);
}

/* A leaky neuron population driven by its own spikes through a stored matrix: carries v and spikes; records the
 * spikes and the mean of v each step. */
typedef struct net {
    bj_val *indptr, *indices, *drive;
} net;

static bj_status step(bj_trace *t, void *ud) {
    net *m = ud;
    bj_val *v = bj_loop_carry(t, 0), *s = bj_loop_carry(t, 1);
    /* two projections of the same spikes: independent kernels, one phase */
    bj_val *syn = bj_event_csrmv(m->indptr, m->indices, 0.01, s, N);
    bj_val *syn2 = bj_event_csrmv(m->indptr, m->indices, -0.004, s, N);
    bj_val *v2 = bj_add(bj_add(bj_mul(v, 0.9), bj_add(syn, syn2)), bj_mul(m->drive, bj_exp(bj_mul(v, -0.1))));
    bj_val *spk = bj_gt(v2, 1.0);
    bj_val *v3 = bj_where(spk, 0.0, v2);
    bj_val *mean = bj_mean(v3, 0, NULL, false);
    return bj_loop_yield(t, (bj_val *[]){v3, spk}, 2, (bj_val *[]){spk, mean}, 2);
}

/* Inputs: the connectivity, a drive ramp, v0 and no spikes. */
static void net_inputs(bj_array **ins) {
    bj_array *ip = NULL, *ix = NULL;
    CHECK(bj_conn_fixed_prob(N, N, 0.02, 7, false, &ip, &ix) == BJ_OK);
    ins[0] = ip, ins[1] = ix;
    ins[2] = bj_array_zeros(BJ_F32, 1, SH(N));
    ins[3] = bj_array_zeros(BJ_F32, 1, SH(N));
    ins[4] = bj_array_zeros(BJ_BOOL, 1, SH(N));
    for (int64_t i = 0; i < N; i++) {
        ((float *)bj_array_data(ins[2]))[i] = 0.02f + 0.1f * (float)i / N;
        ((float *)bj_array_data(ins[3]))[i] = (float)(i % 97) / 97.0f;
    }
}

/* The jit function: params indptr, indices, drive, v0, s0; returns final v, final s, spikes [STEPS, N], means. */
static bj_status net_fn(bj_trace *t, void *ud) {
    (void)ud;
    net m = {.indptr = bj_param(t, 0), .indices = bj_param(t, 1), .drive = bj_param(t, 2)};
    bj_val *init[2] = {bj_param(t, 3), bj_param(t, 4)};
    bj_val *final[2] = {0}, *ys[2] = {0};
    bj_status s = bj_for_loop(t, STEPS, 1, step, &m, init, 2, NULL, 0, final, ys, 2);
    return s ? s : bj_return_n(t, (bj_val *[]){final[0], final[1], ys[0], ys[1]}, 4);
}

/* Runs the network on backend with `threads` threads; its 4 outputs into o; the source into *src (bj_free). */
static bool net_run(const char *backend, const char *threads, bj_array **o, char **src) {
    bj_array *ins[5];
    net_inputs(ins);
    bj_config_set("num_threads", threads);
    bj_jit *f = bj_jit_new(net_fn, NULL, &(bj_jit_opts){.backend = backend});
#define NET_ARGS BJ_ARGS(bj_arg_array(ins[0]), bj_arg_array(ins[1]), bj_arg_array(ins[2]), bj_arg_array(ins[3]), \
                         bj_arg_array(ins[4]))
    bj_status s = f ? bj_jit_call(f, NET_ARGS, o, 4) : BJ_ERR_ARG;
    CHECK_MSG(s == BJ_OK, "run: %s", bj_last_error());
    if (src && f) *src = bj_jit_source(f, NET_ARGS);
#undef NET_ARGS
    bj_jit_release(f);
    test_release_all(5, ins);
    bj_config_set("num_threads", NULL);
    return s == BJ_OK;
}

/* Every loop threaded ("loop_threads_min" 0): 1 to 4 threads give the interpreter's bytes. */
static void parloop_same_bytes(void) {
    bj_array *ref[4] = {0};
    if (!net_run("interp", "1", ref, NULL)) return;
    int64_t spikes = 0;
    for (int64_t i = 0; i < bj_array_size(ref[2]); i++) spikes += ((bool *)bj_array_data(ref[2]))[i];
    CHECK_MSG(spikes > STEPS && spikes < (int64_t)STEPS * N / 2, "the network should spike, not saturate: %lld",
              (long long)spikes);
    bj_config_set("loop_threads_min", "0");
    const char *threads[] = {"1", "2", "3", "4"};
    for (int k = 0; k < 4; k++) {
        bj_array *o[4] = {0};
        char *src = NULL;
        if (net_run("cpu", threads[k], o, &src)) {
            CHECK(src && strstr(src, "#pragma omp parallel num_threads") && strstr(src, "bj_claim(&l0_team, &l0_tl)"));
            CHECK_MSG(src && strstr(src, "bj_phase(&l0_tl, 2 * l0_tl.nth);"), "the two event kernels should share a "
                      "phase");
            for (int j = 0; j < 4; j++) CHECK_MSG(same_bytes(o[j], ref[j]), "%s threads: output %d differs", threads[k], j);
        }
        bj_free(src);
        test_release_all(4, o);
    }
    bj_config_set("loop_threads_min", NULL);
    test_release_all(4, ref);
}

/* A loop with less work per step than "loop_threads_min" stays one plain C loop; with more it is threaded. */
static void parloop_threshold(void) {
    bj_array *o[4] = {0};
    char *src = NULL;
    bj_config_set("loop_threads_min", "100000000");
    if (net_run("cpu", "2", o, &src)) CHECK(src && !strstr(src, "bj_claim") && !strstr(src, "omp parallel num_threads"));
    bj_free(src), src = NULL;
    test_release_all(4, o);
    bj_config_set("loop_threads_min", "1000");
    if (net_run("cpu", "2", o, &src)) CHECK(src && strstr(src, "bj_claim"));
    bj_config_set("loop_threads_min", NULL);
    bj_free(src);
    test_release_all(4, o);
}

/* event_csrmv outside loops: a large post population is split over threads by post ranges, same bytes. */
static void parloop_event_split(void) {
    const int64_t n_pre = 500, n_post = 300000;
    bj_array *ip = NULL, *ix = NULL;
    CHECK(bj_conn_fixed_prob(n_pre, n_post, 0.001, 3, true, &ip, &ix) == BJ_OK);
    bj_array *s = bj_array_zeros(BJ_BOOL, 1, SH(n_pre));
    for (int64_t i = 0; i < n_pre; i += 3) ((bool *)bj_array_data(s))[i] = true;
    bj_array *ref = NULL;
    for (int k = 0; k < 4 && ip && ix && s; k++) {
        char th[4];
        snprintf(th, sizeof th, "%d", k ? k : 1);
        bj_config_set("num_threads", th);
        bj_trace *t = bj_trace_new("event_split");
        bj_val *a = bj_trace_arg(t, "indptr", BJ_I32, 1, SH(n_pre + 1));
        bj_val *b = bj_trace_arg(t, "indices", BJ_I32, 1, SH(bj_array_size(ix)));
        bj_val *x = bj_trace_arg(t, "spikes", BJ_BOOL, 1, SH(n_pre));
        bj_val *y = bj_event_csrmv(a, b, 0.1, x, n_post);
        bj_graph *g = bj_trace_finish(t, &y, 1);
        bj_array *out = NULL;
        CHECK(bj_graph_run(g, k ? "cpu" : "interp", (bj_array *[]){ip, ix, s}, 3, &out, 1) == BJ_OK);
        if (!k) ref = out;
        else {
            CHECK_MSG(same_bytes(out, ref), "%d threads differ from the interpreter", k);
            bj_array_release(out);
        }
        bj_graph_release(g);
    }
    bj_config_set("num_threads", NULL);
    bj_array_release(ref), bj_array_release(ip), bj_array_release(ix), bj_array_release(s);
}

/* The three networks record the same spikes whatever the thread count (every loop threaded, and by default). */
static void parloop_networks(void) {
    const char *models[] = {"coba", "coba_hh", "cuba"};
    for (int m = 0; m < 3; m++) {
        for (int proc = 0; proc < 2; proc++) {
            bj_array *ref = NULL;
            const char *runs[][2] = {{"1", NULL}, {"2", NULL}, {"2", "0"}, {"4", "0"}};
            for (int k = 0; k < 4; k++) {
                bj_config_set("num_threads", runs[k][0]);
                bj_config_set("loop_threads_min", runs[k][1]);
                bj_net_result r = {0};
                bj_status st = bj_net_run(&(bj_net_opts){.model = models[m], .n = 2000, .duration_s = 0.03, .seed = 5,
                                                          .procedural = proc, .quiet = true, .record = true},
                                          &r);
                CHECK_MSG(st == BJ_OK, "%s: %s", models[m], bj_last_error());
                bj_array *d = NULL;
                CHECK(!st && bj_spikes_dense(r.spike_step, r.spike_neuron, r.steps, r.n, &d) == BJ_OK);
                bj_array_release(r.spike_step), bj_array_release(r.spike_neuron);
                if (!k) {
                    ref = d;
                    CHECK_MSG(r.spikes_e + r.spikes_i > 0, "%s should spike", models[m]);
                } else {
                    CHECK_MSG(same_bytes(d, ref), "%s%s: %s threads (loop_threads_min %s) differ", models[m],
                              proc ? " procedural" : "", runs[k][0], runs[k][1] ? runs[k][1] : "default");
                    bj_array_release(d);
                }
            }
            bj_array_release(ref);
        }
    }
    bj_config_set("num_threads", NULL);
    bj_config_set("loop_threads_min", NULL);
}

static void parloop_setting(void) {
    CHECK(bj_config_set("loop_threads_min", "-1") == BJ_ERR_ARG);
    CHECK(strstr(bj_last_error(), "loop_threads_min") != NULL);
    CHECK(bj_config_set("loop_threads_min", "12k") == BJ_ERR_ARG);
    CHECK(bj_config_set("loop_threads_min", "0") == BJ_OK);
    char v[32];
    CHECK(bj_config_get("loop_threads_min", v, sizeof v) == BJ_OK && !strcmp(v, "0"));
    CHECK(bj_config_set("loop_threads_min", NULL) == BJ_OK);
    CHECK(bj_config_get("loop_threads_min", v, sizeof v) == BJ_OK && !strcmp(v, ""));
}

void tests_loop_threads(void) {
    RUN(parloop_same_bytes);
    RUN(parloop_threshold);
    RUN(parloop_event_split);
    RUN(parloop_networks);
    RUN(parloop_setting);
}
