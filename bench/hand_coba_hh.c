/* hand_coba_hh.c — the COBA-HH network written by hand in plain C, for `make bench`: the same model, connectivity and
 * initial state as src/sim/coba_hh.c, and the same arithmetic in the same order (so both give the same spikes), the
 * way a careful C programmer would write it: event-driven propagation over the spiking rows, then one loop over
 * the neurons. Built with the generated code's flags (Makefile BENCH_KFLAGS).
 *
 * exp is brainjit's own (src/core/bjmath.h, a self-contained header that the generated code pastes in verbatim):
 * glibc's expf is a scalar call that keeps the loop from vectorizing, and only the same exp gives the same spikes.
 * The point of this side is the loop nest, not a different exp. */
#include "bench.h"

#include "../src/core/bjmath.h"

#include <math.h>
#include <string.h>

#define F(x) ((float)(x))

/* exprel's series and the select of src/sim/coba_hh.c (lin_rate): c x / (e^x - 1) as num / den */
static inline float lin_rate(float x, float c, float num, float den) {
    const bool small = fabsf(x) < F(0.25);
    float p = F(1.0 / 24) + x * F(1.0 / 120);
    p = F(1.0 / 6) + x * p;
    p = 0.5f + x * p;
    p = 1.0f + x * p;
    return (small ? c : num) / (small ? p : den);
}

/* exponential Euler for a gate */
static inline float gate(float x, float a, float b) {
    const float sum = a + b, inf = a / sum;
    return inf + (x - inf) * bj_exp_f32(sum * F(-COBAHH_DT));
}

/* One step of every neuron, branch-free (both arms computed, then selected) so the loop vectorizes. Returns the
 * number that fired. The rates in terms of s = -50 - V and r = e^{s/40}: see src/sim/coba_hh.c. */
static int32_t neurons(int64_t n, float *restrict V, float *restrict m, float *restrict h, float *restrict k,
                       float *restrict ge, float *restrict gi, bool *restrict spike, const float *restrict in_e,
                       const float *restrict in_i) {
    /* constants as the model makes them: computed in double, rounded to float */
    const float de = F(exp(-COBAHH_DT / COBAHH_TAU_E)), di = F(exp(-COBAHH_DT / COBAHH_TAU_I));
    const float cb = F(exp(-27.0 / 5)), c_bh = F(4.0 * exp(-27.0 / 5)), c_an = F(exp(0.4));
    const float c_bn = F(0.5 * exp(-0.075));
    int32_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        const float v = V[i], mi = m[i], hi = h[i], ki = k[i];
        const float g_na = F(COBAHH_G_NA) * (((mi * mi) * mi) * hi);
        const float k2 = ki * ki, g_k = F(COBAHH_G_K) * (k2 * k2);
        /* the rates (1/ms) and the gates */
        float vr = v > 200.0f ? 200.0f : v;
        vr = vr < -200.0f ? -200.0f : vr;
        const float sv = F(COBAHH_V_T + 13.0) - vr;
        const float r = bj_exp_f32(sv * F(1.0 / 40));
        const float r2 = r * r, r4 = r2 * r2, r8 = r4 * r4, r10 = r8 * r2;
        const float x = sv * 0.25f;
        const float a_m = lin_rate(x, 1.28f, x * 1.28f, r10 - 1.0f);
        const float y = (-27.0f - sv) * 0.2f;
        const float b_m = lin_rate(y, 1.4f, (y * 1.4f) * r8, cb - r8);
        const float m_new = gate(mi, a_m, b_m);
        const float a_h = 0.128f * bj_exp_f32((sv + 4.0f) * F(1.0 / 18));
        const float b_h = c_bh / (r8 + cb);
        const float h_new = gate(hi, a_h, b_h);
        const float z = (sv + 2.0f) * 0.2f;
        const float a_n = lin_rate(z, 0.16f, z * 0.16f, r8 * c_an - 1.0f);
        const float b_n = r * c_bn;
        const float n_new = gate(ki, a_n, b_n);
        /* V: dV/dt = (I - G V) / C with the conductances of this step, exactly over dt (E_E = 0) */
        const float g_e = ge[i] * de + in_e[i], g_i = gi[i] * di + in_i[i];
        const float g_tot = ((F(COBAHH_G_L) + g_e) + (g_i + g_na)) + g_k;
        const float i_tot = (F(COBAHH_G_L * COBAHH_E_L) + g_i * F(COBAHH_E_I)) +
                            (g_na * F(COBAHH_E_NA) + g_k * F(COBAHH_E_K));
        const float v_inf = i_tot / g_tot;
        const float v_new = v_inf + (v - v_inf) * bj_exp_f32(g_tot * F(-COBAHH_DT / COBAHH_CM));
        const int32_t fired = (v <= F(COBAHH_V_SPIKE)) & (v_new > F(COBAHH_V_SPIKE));
        ge[i] = g_e;
        gi[i] = g_i;
        V[i] = v_new;
        spike[i] = fired;
        m[i] = m_new;
        h[i] = h_new;
        k[i] = n_new;
        count += fired;
    }
    return count;
}

void hand_coba_hh_f32(int64_t n, int64_t ne, const int32_t *restrict e_ptr, const int32_t *restrict e_idx,
                      const int32_t *restrict i_ptr, const int32_t *restrict i_idx, float *restrict v,
                      float *restrict m, float *restrict h, float *restrict k, float *restrict ge, float *restrict gi,
                      bool *restrict spike, float *restrict in_e, float *restrict in_i, int64_t steps,
                      int64_t *restrict nspikes) {
    const float w_e = F(COBAHH_W_E), w_i = F(COBAHH_W_I);
    int64_t count = 0;
    for (int64_t s = 0; s < steps; s++) {
        /* event-driven: only the rows of neurons that spiked on the last step */
        bench_propagate(n, ne, e_ptr, e_idx, i_ptr, i_idx, spike, w_e, w_i, in_e, in_i);
        count += neurons(n, v, m, h, k, ge, gi, spike, in_e, in_i);
    }
    *nspikes = count;
}
