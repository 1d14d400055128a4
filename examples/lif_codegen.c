/* lif_codegen.c — trace one step of a leaky integrate-and-fire population, print its IR and generated C,
 * run 1 s on the native backend and on the interpreter, and check they agree bit for bit. */
#include "brainjit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define N 8
#define CHECKED(x)                                                                                                    \
    do {                                                                                                              \
        if (!(x)) {                                                                                                   \
            fprintf(stderr, "demo: %s failed: %s\n", #x, bj_last_error());                                            \
            return 1;                                                                                                 \
        }                                                                                                             \
    } while (0)

int main(int argc, char **argv) {
    if (argc > 1) { /* no options */
        bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fprintf(help ? stdout : stderr, "usage: lif_codegen   (no arguments)\n");
        return help ? 0 : 2;
    }
    /* tau dV/dt = (V_rest - V) + I, spike at V >= V_th, reset to V_reset, refractory for 5 ms; dt = 0.1 ms */
    const double dt = 0.1, tau = 20.0, v_rest = -60.0, v_th = -50.0, v_reset = -60.0, t_ref = 5.0;
    int64_t n = N;
    bj_trace *t = bj_trace_new("lif_step");
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, &n);
    bj_val *i = bj_trace_arg(t, "I", BJ_F32, 1, &n);
    bj_val *ref = bj_trace_arg(t, "refractory", BJ_F32, 1, &n);
    bj_val *dv = bj_mul(bj_add(bj_sub(v_rest, v), i), dt / tau);
    bj_val *active = bj_le(ref, 0.0);
    bj_val *v_new = bj_where(active, bj_add(v, dv), v);
    bj_val *spike = bj_ge(v_new, v_th);
    bj_val *outs[3] = {
        bj_where(spike, v_reset, v_new),
        bj_where(spike, t_ref, bj_maximum(bj_sub(ref, dt), 0.0)),
        spike,
    };
    bj_graph *g = bj_trace_finish(t, outs, 3);
    CHECKED(g);
    printf("IR of one LIF step (%d nodes):\n", bj_graph_num_nodes(g));
    bj_graph_print(g, stdout);

    /* the same step on the native backend (fused, rendered to C, compiled, cached) and on the interpreter */
    bj_exec *step = bj_compile(g, "cpu"), *ref_step = bj_compile(g, "interp");
    CHECKED(step && ref_step);
    const char *src = bj_exec_source(step);
    printf("\n\"cpu\" backend: %d fused kernel(s); generated C:\n%s\n", bj_exec_num_kernels(step),
           src && strstr(src, "/* kernel 0") ? strstr(src, "/* kernel 0") : "(none: no C compiler, interpreter used)");
    float cur[N];
    for (int k = 0; k < N; k++) cur[k] = 8.0f + 2.0f * (float)k; /* input currents 8..22 mV */
    long spikes[2][N] = {{0}};
    bj_array *final_v[2] = {NULL, NULL};
    double wall[2];
    const int steps = 10000; /* 1 s of simulated time */
    for (int b = 0; b < 2; b++) {
        bj_exec *e = b ? ref_step : step;
        bj_array *state[3] = {bj_array_full(BJ_F32, 1, &n, v_rest), bj_array_new(BJ_F32, 1, &n, cur),
                              bj_array_zeros(BJ_F32, 1, &n)},
                 *spk = bj_array_zeros(BJ_BOOL, 1, &n);
        CHECKED(state[0] && state[1] && state[2] && spk);
        double t0 = now();
        for (int s = 0; s < steps; s++) {
            /* v and the refractory clock are updated in place */
            CHECKED(bj_exec_run_into(e, state, 3, (bj_array *[]){state[0], state[2], spk}, 3) == BJ_OK);
            const bool *sp = bj_array_data(spk);
            for (int k = 0; k < N; k++) spikes[b][k] += sp[k];
        }
        wall[b] = now() - t0;
        final_v[b] = bj_array_retain(state[0]);
        for (int k = 0; k < 3; k++) bj_array_release(state[k]);
        bj_array_release(spk);
    }
    printf("after %d steps (%.1f s simulated): cpu %.1f ms, interpreter %.1f ms\nv = ", steps, steps * dt / 1000,
           wall[0] * 1e3, wall[1] * 1e3);
    bj_array_print(final_v[0], stdout);
    bool same = !memcmp(bj_array_data(final_v[0]), bj_array_data(final_v[1]), sizeof(float) * N) &&
                !memcmp(spikes[0], spikes[1], sizeof spikes[0]);
    printf("cpu and interpreter results are %s\n", same ? "identical, bit for bit" : "DIFFERENT (a bug)");
    printf("\nfiring rates (Hz) for input currents 8..22 mV (threshold needs > 10 mV):\n");
    for (int k = 0; k < N; k++) printf("  I = %4.1f mV: %3ld Hz\n", cur[k], spikes[0][k]);
    bj_array_release(final_v[0]), bj_array_release(final_v[1]);
    bj_exec_release(ref_step);
    bj_exec_release(step);
    bj_graph_release(g);
    return 0;
}
