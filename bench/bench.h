/* bench.h — model constants and hand-written kernels shared by the benchmark driver and its hand-written C side. */
#ifndef BJ_BENCH_H
#define BJ_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* LIF: tau dv/dt = -(v - v_rest) + I; the refractory counter is an int32 array of remaining steps. */
#define LIF_DT 0.1
#define LIF_TAU 10.0
#define LIF_V_REST (-65.0)
#define LIF_V_TH (-50.0)
#define LIF_V_RESET (-65.0)
#define LIF_T_REF 20

/* HH with Traub-Miles rates (Brian2's COBAHH example) in mV, ms, nS, pF, pA; forward Euler for gates and V.
 * dt is 0.01 ms because forward Euler on V is unstable near gNa / Cm * dt = 2 (COBAHH's 0.1 ms needs exp-Euler). */
#define HH_DT 0.01
#define HH_CM 200.0
#define HH_GL 10.0
#define HH_EL (-60.0)
#define HH_EK (-90.0)
#define HH_ENA 50.0
#define HH_GNA 20000.0
#define HH_GK 6000.0
#define HH_VT (-63.0)
#define HH_SPIKE (-20.0)

/* The first i in [from, n) with s[i] set, else n: skips 8 silent neurons per load (as the generated event-driven
 * kernels do), which matters at a few percent of neurons firing per step. */
static inline int64_t bench_next_spike(const bool *s, int64_t from, int64_t n) {
    int64_t i = from;
    for (; i < n && (i & 7); i++)
        if (s[i]) return i;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w) break;
    }
    for (; i < n; i++)
        if (s[i]) return i;
    return n;
}

/* Event-driven input of one step, as the hand networks compute it: in_e / in_i get w_e / w_i per synapse from every
 * neuron that spiked (E rows e_ptr over neurons [0, ne), I rows i_ptr over [ne, n)), pre ascending. */
static inline void bench_propagate(int64_t n, int64_t ne, const int32_t *restrict e_ptr,
                                   const int32_t *restrict e_idx, const int32_t *restrict i_ptr,
                                   const int32_t *restrict i_idx, const bool *restrict spike, float w_e, float w_i,
                                   float *restrict in_e, float *restrict in_i) {
    memset(in_e, 0, sizeof *in_e * (size_t)n);
    memset(in_i, 0, sizeof *in_i * (size_t)n);
    for (int64_t pre = bench_next_spike(spike, 0, ne); pre < ne; pre = bench_next_spike(spike, pre + 1, ne))
        for (int32_t q = e_ptr[pre]; q < e_ptr[pre + 1]; q++) in_e[e_idx[q]] += w_e;
    for (int64_t pre = bench_next_spike(spike, ne, n); pre < n; pre = bench_next_spike(spike, pre + 1, n))
        for (int32_t q = i_ptr[pre - ne]; q < i_ptr[pre - ne + 1]; q++) in_i[i_idx[q]] += w_i;
}

/* COBA (src/sim/coba.c, BrainPy's LifRef + Expon + COBA outputs with exp_auto): ms, mV, conductances in units of
 * the leak conductance. */
#define COBA_DT 0.1
#define COBA_TAU_M 20.0
#define COBA_V_REST (-60.0)
#define COBA_V_TH (-50.0)
#define COBA_V_RESET (-60.0)
#define COBA_T_REF 5.0
#define COBA_TAU_E 5.0
#define COBA_TAU_I 10.0
#define COBA_E_E 0.0
#define COBA_E_I (-80.0)
#define COBA_W_E 0.6
#define COBA_W_I 6.7
#define COBA_I_BIAS 20.0
/* `steps` steps of the whole network in place (hand_coba.c); in_e/in_i: scratch of n floats each. */
void hand_coba_f32(int64_t n, int64_t ne, const int32_t *restrict e_ptr, const int32_t *restrict e_idx,
                   const int32_t *restrict i_ptr, const int32_t *restrict i_idx, float *restrict v,
                   float *restrict ge, float *restrict gi, float *restrict t_last, bool *restrict spike,
                   float *restrict in_e, float *restrict in_i, int64_t steps, int64_t *restrict nspikes);

/* COBA-HH (src/sim/coba_hh.c): Traub-Miles HH as BrainPy's exp_auto integrates it; mV, ms, nS, pF. */
#define COBAHH_DT 0.1
#define COBAHH_CM 200.0
#define COBAHH_G_L 10.0
#define COBAHH_G_NA 20000.0
#define COBAHH_G_K 6000.0
#define COBAHH_E_L (-60.0)
#define COBAHH_E_NA 50.0
#define COBAHH_E_K (-90.0)
#define COBAHH_V_T (-63.0)
#define COBAHH_TAU_E 5.0
#define COBAHH_TAU_I 10.0
#define COBAHH_E_E 0.0
#define COBAHH_E_I (-80.0)
#define COBAHH_W_E 6.0
#define COBAHH_W_I 67.0
#define COBAHH_V_SPIKE (-20.0)
/* `steps` steps of the whole network in place (hand_coba_hh.c); k is the gate n; in_e/in_i: scratch of n floats. */
void hand_coba_hh_f32(int64_t n, int64_t ne, const int32_t *restrict e_ptr, const int32_t *restrict e_idx,
                      const int32_t *restrict i_ptr, const int32_t *restrict i_idx, float *restrict v,
                      float *restrict m, float *restrict h, float *restrict k, float *restrict ge, float *restrict gi,
                      bool *restrict spike, float *restrict in_e, float *restrict in_i, int64_t steps,
                      int64_t *restrict nspikes);

/* One step each; state in, state out (distinct buffers). n is the population size (matmul: the side). */
void hand_lif_f32(int64_t n, const float *restrict v, const int32_t *restrict ref, const float *restrict cur,
                  float *restrict v_out, int32_t *restrict ref_out, bool *restrict spike);
void hand_lif_f64(int64_t n, const double *restrict v, const int32_t *restrict ref, const double *restrict cur,
                  double *restrict v_out, int32_t *restrict ref_out, bool *restrict spike);
/* hand_hh.c, built twice: with the generated-code flags, and again with -ffast-math (glibc's vector expf). */
void hand_hh_f32(int64_t n, const float *restrict V, const float *restrict m, const float *restrict h,
                 const float *restrict k, const float *restrict cur, float *restrict V_out, float *restrict m_out,
                 float *restrict h_out, float *restrict k_out, bool *restrict spike);
void hand_hh_f32_fastmath(int64_t n, const float *restrict V, const float *restrict m, const float *restrict h,
                          const float *restrict k, const float *restrict cur, float *restrict V_out,
                          float *restrict m_out, float *restrict h_out, float *restrict k_out, bool *restrict spike);
float hand_rate_mean(int64_t n, const bool *restrict spike);
/* c = a @ b for n x n row-major matrices. */
void hand_matmul_f32(int64_t n, const float *restrict a, const float *restrict b, float *restrict c);

#endif
