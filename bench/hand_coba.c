/* hand_coba.c — the COBA network written by hand in plain C, for `make bench`: the same model, connectivity and
 * initial state as src/sim/coba.c, and the same arithmetic in the same order (so both give the same spikes), the
 * way a careful C programmer would write it: event-driven propagation over the spiking rows, then one loop over
 * the neurons. Built with the generated code's flags (Makefile BENCH_KFLAGS). */
#include "bench.h"

#include <math.h>
#include <string.h>

/* The neurons: branch-free, so it vectorizes (compute, then select). Returns the number that fired. */
#define F(x) ((float)(x))
static int32_t neurons(int64_t n, float *restrict v, float *restrict ge, float *restrict gi, int32_t *restrict ref,
                       bool *restrict spike, const float *restrict in_e, const float *restrict in_i) {
    const float de = F(0.9801986733067553), di = F(0.9900498337491681); /* exp(-dt/tau_e), exp(-dt/tau_i) */
    const float k = F(COBA_DT / COBA_TAU_M);
    int32_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        float g_e = ge[i] * de + in_e[i], g_i = gi[i] * di + in_i[i], x = v[i];
        int32_t r = ref[i];
        float drive = ((F(COBA_V_REST) - x) + g_e * (F(COBA_E_E) - x)) + (g_i * (F(COBA_E_I) - x) + F(COBA_I_BIAS));
        float stepped = x + drive * k;
        float v_new = r <= 0 ? stepped : x;
        int32_t fired = (r <= 0) & (v_new >= F(COBA_V_TH));
        ge[i] = g_e;
        gi[i] = g_i;
        v[i] = fired ? F(COBA_V_RESET) : v_new;
        int32_t r_next = r - 1 > 0 ? r - 1 : 0; /* here, not before the stores: gcc 12 then fails to vectorize */
        ref[i] = fired ? COBA_REF_STEPS : r_next;
        spike[i] = fired;
        count += fired;
    }
    return count;
}

void hand_coba_f32(int64_t n, int64_t ne, const int32_t *restrict e_ptr, const int32_t *restrict e_idx,
                   const int32_t *restrict i_ptr, const int32_t *restrict i_idx, float *restrict v,
                   float *restrict ge, float *restrict gi, int32_t *restrict ref, bool *restrict spike,
                   float *restrict in_e, float *restrict in_i, int64_t steps, int64_t *restrict nspikes) {
    const float w_e = (float)COBA_W_E, w_i = (float)COBA_W_I;
    int64_t count = 0;
    for (int64_t s = 0; s < steps; s++) {
        /* event-driven: only the rows of neurons that spiked on the last step */
        bench_propagate(n, ne, e_ptr, e_idx, i_ptr, i_idx, spike, w_e, w_i, in_e, in_i);
        count += neurons(n, v, ge, gi, ref, spike, in_e, in_i);
    }
    *nspikes = count;
}
