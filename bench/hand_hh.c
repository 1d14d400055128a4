/* hand_hh.c — the hand-written HH step of `make bench`; built twice: generated-code flags, and with -ffast-math. */
#include "bench.h"

#include <math.h>

#ifdef HAND_HH_FASTMATH
#define HAND_HH_NAME hand_hh_f32_fastmath
#else
#define HAND_HH_NAME hand_hh_f32
#endif

/* The same operations, in the same order, as the traced graph (bench.c, hh_graph); near 0/0 a rate takes its limit. */
void HAND_HH_NAME(int64_t n, const float *restrict V, const float *restrict m, const float *restrict h,
                  const float *restrict k, const float *restrict cur, float *restrict V_out, float *restrict m_out,
                  float *restrict h_out, float *restrict k_out, bool *restrict spike) {
    const float dt = (float)HH_DT, vt_off = (float)HH_VT, spk = (float)HH_SPIKE;
    const float gl = (float)HH_GL, el = (float)HH_EL, gna = (float)HH_GNA, ena = (float)HH_ENA;
    const float gk = (float)HH_GK, ek = (float)HH_EK, dt_cm = (float)(HH_DT / HH_CM);
    for (int64_t i = 0; i < n; i++) {
        const float v = V[i], mi = m[i], hi = h[i], ki = k[i];
        const float vt = v - vt_off;
        const float xm = 13.0f - vt, ym = vt - 40.0f, xn = 15.0f - vt;
        const float am = fabsf(xm) < 1e-3f ? (float)(0.32 / 0.25) : 0.32f * xm / (expf(xm * 0.25f) - 1.0f);
        const float bm = fabsf(ym) < 1e-3f ? (float)(0.28 / 0.2) : 0.28f * ym / (expf(ym * 0.2f) - 1.0f);
        const float ah = 0.128f * expf((17.0f - vt) * (float)(1.0 / 18.0));
        const float bh = 4.0f / (1.0f + expf((40.0f - vt) * 0.2f));
        const float an = fabsf(xn) < 1e-3f ? (float)(0.032 / 0.2) : 0.032f * xn / (expf(xn * 0.2f) - 1.0f);
        const float bn = 0.5f * expf((10.0f - vt) * 0.025f);
        m_out[i] = mi + dt * (am * (1.0f - mi) - bm * mi);
        h_out[i] = hi + dt * (ah * (1.0f - hi) - bh * hi);
        k_out[i] = ki + dt * (an * (1.0f - ki) - bn * ki);
        const float m3 = mi * mi * mi, k2 = ki * ki, k4 = k2 * k2;
        const float ina = gna * m3 * hi * (v - ena), ik = gk * k4 * (v - ek);
        const float vn = v + (gl * (el - v) - ina - ik + cur[i]) * dt_cm;
        V_out[i] = vn;
        spike[i] = (vn >= spk) & (v < spk);
    }
}
