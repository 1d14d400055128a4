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

/* bm.exprel as the traced graph computes it */
static inline float exprel(float x) {
    return fabsf(x) <= 1e-5f ? (1.0f + x / 2.0f) + (x * x) / 6.0f : (bj_exp_f32(x) - 1.0f) / x;
}

/* BrainPy's exp_auto step: x + (dt exprel(dt a)) f, a = df/dx */
static inline float exp_auto(float x, float a, float f) {
    const float dt = F(COBAHH_DT);
    return x + (dt * exprel(dt * a)) * f;
}

/* the gates' rates of V (Traub-Miles, written as BrainPy's example does) */
static inline float a_m(float v) { return F(0.32 * 4.0) / exprel(((13.0f - v) + F(COBAHH_V_T)) / 4.0f); }
static inline float b_m(float v) { return F(0.28 * 5.0) / exprel(((v - F(COBAHH_V_T)) - 40.0f) / 5.0f); }
static inline float a_h(float v) { return 0.128f * bj_exp_f32(((17.0f - v) + F(COBAHH_V_T)) / 18.0f); }
static inline float b_h(float v) { return 4.0f / (1.0f + bj_exp_f32(-((v - F(COBAHH_V_T)) - 40.0f) / 5.0f)); }
static inline float a_n(float v) { return F(0.032 * 5.0) / exprel(((15.0f - v) + F(COBAHH_V_T)) / 5.0f); }
static inline float b_n(float v) { return 0.5f * bj_exp_f32(((10.0f - v) + F(COBAHH_V_T)) / 40.0f); }

/* A gate x' = a (1 - x) - b x, whose derivative is -a - b. */
static inline float gate(float x, float a, float b) { return exp_auto(x, -a - b, a * (1.0f - x) - b * x); }

/* The neurons: each variable one exp_auto step from the step's start (BrainPy's JointEq), branch-free. */
static int32_t neurons(int64_t n, float *restrict V, float *restrict m, float *restrict h, float *restrict k,
                       float *restrict ge, float *restrict gi, bool *restrict spike, const float *restrict in_e,
                       const float *restrict in_i) {
    const float ke = F(COBAHH_DT) * exprel(F(COBAHH_DT) * (-1.0f / F(COBAHH_TAU_E)));
    const float ki = F(COBAHH_DT) * exprel(F(COBAHH_DT) * (-1.0f / F(COBAHH_TAU_I)));
    int32_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        const float g_e = (ge[i] + ke * (-ge[i] / F(COBAHH_TAU_E))) + in_e[i];
        const float g_i = (gi[i] + ki * (-gi[i] / F(COBAHH_TAU_I))) + in_i[i];
        const float v = V[i], mi = m[i], hi = h[i], ki_ = k[i];
        const float g_na = ((F(COBAHH_G_NA) * mi) * mi * mi) * hi, g_k = ((F(COBAHH_G_K) * ki_) * ki_ * ki_) * ki_;
        const float cur = (0.0f + g_e * (F(COBAHH_E_E) - v)) + g_i * (F(COBAHH_E_I) - v);
        const float dv = (((F(COBAHH_G_L) * (F(COBAHH_E_L) - v) - g_na * (v - F(COBAHH_E_NA))) -
                           g_k * (v - F(COBAHH_E_K))) + cur) / F(COBAHH_CM);
        const float lin = (((-F(COBAHH_G_L) - g_na) - g_k) + (-g_e - g_i)) / F(COBAHH_CM);
        const float v_new = exp_auto(v, lin, dv);
        m[i] = gate(mi, a_m(v), b_m(v));
        h[i] = gate(hi, a_h(v), b_h(v));
        k[i] = gate(ki_, a_n(v), b_n(v));
        ge[i] = g_e;
        gi[i] = g_i;
        const bool fired = (v < F(COBAHH_V_SPIKE)) & (v_new >= F(COBAHH_V_SPIKE));
        V[i] = v_new;
        spike[i] = fired;
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
