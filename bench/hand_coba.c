/* hand_coba.c — the COBA network written by hand in plain C, for `make bench`: the same model, connectivity and
 * initial state as src/sim/coba.c, and the same arithmetic in the same order (so both give the same spikes), the
 * way a careful C programmer would write it: event-driven propagation over the spiking rows, then one loop over
 * the neurons. Built with the generated code's flags (Makefile BENCH_KFLAGS). */
#include "bench.h"

#include "../src/core/bjmath.h"

#include <math.h>
#include <string.h>

#define F(x) ((float)(x))

/* BrainPy's exp_auto step x + dt exprel(dt a) f(x) for a linear f(x) = a x + b: its factor dt exprel(dt a), computed
 * as the traced graph computes it (bm.exprel's two branches, brainjit's exp), in float32. */
static float exp_auto_factor(float a) {
    const float dt = F(COBA_DT), x = dt * a;
    const float rel = fabsf(x) <= 1e-5f ? (1.0f + x / 2.0f) + (x * x) / 6.0f : (bj_exp_f32(x) - 1.0f) / x;
    return dt * rel;
}

/* The neurons: branch-free, so it vectorizes (compute, then select). Returns the number that fired. */
static int32_t neurons(int64_t n, float t, float *restrict v, float *restrict ge, float *restrict gi,
                       float *restrict t_last, bool *restrict spike, const float *restrict in_e,
                       const float *restrict in_i) {
    const float ke = exp_auto_factor(-1.0f / F(COBA_TAU_E)), ki = exp_auto_factor(-1.0f / F(COBA_TAU_I));
    const float kv = exp_auto_factor(-1.0f / F(COBA_TAU_M));
    int32_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        float g_e = (ge[i] + ke * (-ge[i] / F(COBA_TAU_E))) + in_e[i];
        float g_i = (gi[i] + ki * (-gi[i] / F(COBA_TAU_I))) + in_i[i], x = v[i];
        float cur = (F(COBA_I_BIAS) + g_e * (F(COBA_E_E) - x)) + g_i * (F(COBA_E_I) - x);
        float stepped = x + kv * (((-x + F(COBA_V_REST)) + cur) / F(COBA_TAU_M));
        float v_new = t - t_last[i] <= F(COBA_T_REF) ? x : stepped;
        int32_t fired = v_new >= F(COBA_V_TH);
        ge[i] = g_e;
        gi[i] = g_i;
        v[i] = fired ? F(COBA_V_RESET) : v_new;
        t_last[i] = fired ? t : t_last[i];
        spike[i] = fired;
        count += fired;
    }
    return count;
}

void hand_coba_f32(int64_t n, int64_t ne, const int32_t *restrict e_ptr, const int32_t *restrict e_idx,
                   const int32_t *restrict i_ptr, const int32_t *restrict i_idx, float *restrict v,
                   float *restrict ge, float *restrict gi, float *restrict t_last, bool *restrict spike,
                   float *restrict in_e, float *restrict in_i, int64_t steps, int64_t *restrict nspikes) {
    const float w_e = (float)COBA_W_E, w_i = (float)COBA_W_I;
    int64_t count = 0;
    for (int64_t s = 0; s < steps; s++) {
        /* event-driven: only the rows of neurons that spiked on the last step */
        bench_propagate(n, ne, e_ptr, e_idx, i_ptr, i_idx, spike, w_e, w_i, in_e, in_i);
        count += neurons(n, (float)s * F(COBA_DT), v, ge, gi, t_last, spike, in_e, in_i);
    }
    *nspikes = count;
}
