/* demo.c — `make demo`: trace one step of a leaky integrate-and-fire population, print its IR, run it. */
#include "brainjit.h"

#include <stdlib.h>

#define N 8
#define CHECKED(x)                                                                                                    \
    do {                                                                                                              \
        if (!(x)) {                                                                                                   \
            fprintf(stderr, "demo: %s failed: %s\n", #x, bj_last_error());                                            \
            return 1;                                                                                                 \
        }                                                                                                             \
    } while (0)

int main(void) {
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

    bj_exec *step = bj_compile(g, "interp");
    CHECKED(step);
    float cur[N];
    for (int k = 0; k < N; k++) cur[k] = 8.0f + 2.0f * (float)k; /* input currents 8..22 mV */
    bj_array *state[3] = {bj_array_full(BJ_F32, 1, &n, v_rest), bj_array_new(BJ_F32, 1, &n, cur),
                          bj_array_zeros(BJ_F32, 1, &n)};
    CHECKED(state[0] && state[1] && state[2]);
    long spikes[N] = {0};
    const int steps = 10000; /* 1 s of simulated time */
    for (int s = 0; s < steps; s++) {
        bj_array *out[3];
        CHECKED(bj_exec_run(step, state, 3, out, 3) == BJ_OK);
        const bool *sp = bj_array_data(out[2]);
        for (int k = 0; k < N; k++) spikes[k] += sp[k];
        bj_array_release(state[0]), bj_array_release(state[2]);
        state[0] = out[0], state[2] = out[1];
        bj_array_release(out[2]);
    }
    printf("\nafter %d steps (%.1f s simulated) on the interpreter:\nv = ", steps, steps * dt / 1000);
    bj_array_print(state[0], stdout);
    printf("\nfiring rates (Hz) for input currents 8..22 mV (threshold needs > 10 mV):\n");
    for (int k = 0; k < N; k++) printf("  I = %4.1f mV: %3ld Hz\n", cur[k], spikes[k]);
    for (int k = 0; k < 3; k++) bj_array_release(state[k]);
    bj_exec_release(step);
    bj_graph_release(g);
    return 0;
}
