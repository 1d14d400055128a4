/* test_net.c — compiled simulation loops with Variables, and the standard networks: firing rates in their bands on
 * several seeds, identical spike trains on both backends and for stored and procedural connectivity, a single LIF
 * neuron against its analytic inter-spike interval, a single COBA-HH neuron against an RK4 integration. */
#include "test.h"

#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- one LIF neuron, analytic ISI */
typedef struct lif1 {
    bj_var *v, *ref;
} lif1;

/* tau dV/dt = (V_rest - V) + I, forward Euler, dt = 0.01 ms; refractory 5 ms; spikes recorded each step */
#define L_DT 0.01
static bj_status lif1_step(bj_trace *t, void *ud) {
    lif1 *m = ud;
    bj_val *v = bj_var_read(t, m->v), *ref = bj_var_read(t, m->ref);
    bj_val *active = bj_le(ref, 0);
    bj_val *vn = bj_where(active, bj_add(v, bj_mul(bj_add(bj_sub(-60.0, v), 20.0), L_DT / 20.0)), v);
    bj_val *fired = bj_logical_and(active, bj_ge(vn, -50.0));
    bj_status s = bj_var_write(t, m->v, bj_where(fired, -60.0, vn));
    if (!s) s = bj_var_write(t, m->ref, bj_where(fired, (int)lround(5.0 / L_DT), bj_maximum(bj_sub(ref, 1), 0)));
    return s ? s : bj_loop_yield(t, NULL, 0, &fired, 1);
}

static bj_status lif1_run(bj_trace *t, void *ud) {
    bj_val *spikes = NULL;
    bj_status s = bj_for_loop(t, bj_param_i64(t, 0), 1, lif1_step, ud, NULL, 0, NULL, 0, NULL, &spikes, 1);
    return s ? s : bj_return(t, spikes);
}

/* The interval between spikes is t_ref + tau ln((V_inf - V_reset) / (V_inf - V_th)) = 5 + 20 ln 2 ms. */
static void net_lif_analytic_isi(void) {
    const char *backends[2] = {"cpu", "interp"};
    for (int b = 0; b < 2; b++) {
        lif1 m;
        bj_array *v0 = bj_array_full(BJ_F64, 1, (int64_t[]){1}, -60.0), *r0 = bj_array_zeros(BJ_I32, 1, (int64_t[]){1});
        m.v = bj_var_new("V", v0, -1), m.ref = bj_var_new("ref", r0, -1);
        bj_jit *f = bj_jit_new(lif1_run, &m, &(bj_jit_opts){.argnames = "steps", .static_argnames = "steps",
                                                             .backend = backends[b]});
        int64_t steps = 10000; /* 100 ms */
        bj_array *spk = NULL;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_i64(steps)), &spk, 1) == BJ_OK);
        int64_t last = -1, nisi = 0;
        double sum = 0;
        const bool *s = spk ? bj_array_data(spk) : NULL;
        for (int64_t i = 0; s && i < steps; i++)
            if (s[i]) {
                if (last >= 0) sum += (double)(i - last) * L_DT, nisi++;
                last = i;
            }
        double want = 5.0 + 20.0 * log(2.0), isi = nisi ? sum / (double)nisi : 0;
        CHECK_MSG(nisi >= 3 && fabs(isi - want) < 0.02, "%s: %lld intervals, mean %.4f ms, analytic %.4f ms",
                  backends[b], (long long)nisi, isi, want);
        bj_array_release(spk);
        bj_jit_release(f);
        bj_var_release(m.v), bj_var_release(m.ref);
        bj_array_release(v0), bj_array_release(r0);
    }
}

/* ---------------------------------------------------------------- delays */
static bj_delay test_dl;
static bj_status delay_body(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *out = bj_delay_read(t, &test_dl); /* what was pushed 5 steps ago */
    bj_val *x = bj_mul(bj_astype(bj_loop_step(t), BJ_F32), bj_arange(t, BJ_F32, 1, 4, 1)); /* [s, 2s, 3s] */
    bj_status s = bj_delay_push(t, &test_dl, x);
    return s ? s : bj_loop_yield(t, NULL, 0, &out, 1);
}
static bj_status delay_run(bj_trace *t, void *ud) {
    bj_val *rec = NULL;
    bj_status s = bj_for_loop(t, 20, 1, delay_body, ud, NULL, 0, NULL, 0, NULL, &rec, 1);
    return s ? s : bj_return(t, rec);
}

/* A 5-step delay inside a compiled loop: step s reads what step s - 5 pushed (zeros first); the ring wraps. */
static void net_delay_ring_buffer(void) {
    const char *backends[2] = {"cpu", "interp"};
    for (int b = 0; b < 2; b++) {
        CHECK(bj_delay_init(&test_dl, "d", BJ_F32, 3, 5) == BJ_OK);
        bj_jit *f = bj_jit_new(delay_run, NULL, &(bj_jit_opts){.backend = backends[b]});
        for (int call = 0; call < 2; call++) { /* the second call continues the ring: step 0 reads step 15's push */
            bj_array *rec = NULL;
            CHECK(bj_jit_call(f, NULL, 0, &rec, 1) == BJ_OK);
            bool ok = rec && bj_array_size(rec) == 60;
            for (int st = 0; ok && st < 20; st++)
                for (int k = 0; k < 3; k++) {
                    int src = st - 5 + (call ? 20 : 0);
                    double want = src < 0 ? 0 : (double)(src % 20) * (k + 1);
                    ok = bj_array_get(rec, st * 3 + k) == want;
                    if (!ok) printf("    %s call %d step %d: %g, want %g\n", backends[b], call, st,
                                    bj_array_get(rec, st * 3 + k), want);
                }
            CHECK(ok);
            bj_array_release(rec);
        }
        bj_jit_stats st;
        bj_jit_stats_get(f, &st);
        CHECK(st.traces == 1); /* the loop is not traced again */
        bj_jit_release(f);
        bj_delay_release(&test_dl);
    }
    CHECK(bj_delay_init(&test_dl, "d", BJ_F32, 3, 0) == BJ_ERR_ARG);
}

/* ---------------------------------------------------------------- one HH neuron against RK4 */
/* A single neuron of the COBA-HH model (src/sim/coba_hh.c: Traub-Miles rates in the same form, exponential Euler),
 * without synapses and with a constant injected current, traced with bj_for_loop in float32, against an independent
 * RK4 integration in double of the textbook equations (C dV/dt = g_L (E_L - V) - g_Na m^3 h (V - E_Na) - g_K n^4
 * (V - E_K) + I; rates of u = V + 63 with expm1) at dt = 0.001 ms. Units: mV, ms, nS, pF, pA. */
#define HH1_I 500.0 /* pA: fires repetitively, 8 spikes in 100 ms */
#define HH1_MS 100.0

typedef struct hh1 {
    bj_var *v, *m, *h, *k;
    double dt;
} hh1;

static bj_val *hh1_lin_rate(bj_trace *t, bj_val *x, double c, bj_val *num, bj_val *den) {
    bj_val *small = bj_lt(bj_abs(x), bj_lit(t, BJ_F32, 0.25));
    bj_val *p = bj_add(bj_lit(t, BJ_F32, 1.0 / 24), bj_mul(x, bj_lit(t, BJ_F32, 1.0 / 120)));
    p = bj_add(bj_lit(t, BJ_F32, 1.0 / 6), bj_mul(x, p));
    p = bj_add(bj_lit(t, BJ_F32, 0.5), bj_mul(x, p));
    p = bj_add(bj_lit(t, BJ_F32, 1.0), bj_mul(x, p));
    return bj_div(bj_where(small, bj_lit(t, BJ_F32, c), num), bj_where(small, p, den));
}

static bj_val *hh1_gate(bj_trace *t, double dt, bj_val *x, bj_val *a, bj_val *b) {
    bj_val *sum = bj_add(a, b), *inf = bj_div(a, sum);
    return bj_add(inf, bj_mul(bj_sub(x, inf), bj_exp(bj_mul(sum, bj_lit(t, BJ_F32, -dt)))));
}

/* one step; yields V after it */
static bj_status hh1_step(bj_trace *t, void *ud) {
    hh1 *c = ud;
    bj_val *v = bj_var_read(t, c->v), *m = bj_var_read(t, c->m), *h = bj_var_read(t, c->h), *k = bj_var_read(t, c->k);
    bj_val *g_na = bj_mul(bj_lit(t, BJ_F32, 20000.0), bj_mul(bj_mul(bj_mul(m, m), m), h));
    bj_val *k2 = bj_mul(k, k), *g_k = bj_mul(bj_lit(t, BJ_F32, 6000.0), bj_mul(k2, k2));
    /* rates in s = -50 - V and r = e^{s/40}, as coba_hh.c */
    bj_val *sv = bj_sub(bj_lit(t, BJ_F32, -50.0), bj_clip(v, -200.0, 200.0));
    bj_val *r = bj_exp(bj_mul(sv, bj_lit(t, BJ_F32, 1.0 / 40)));
    bj_val *r2 = bj_mul(r, r), *r4 = bj_mul(r2, r2), *r8 = bj_mul(r4, r4), *r10 = bj_mul(r8, r2);
    const double cb = exp(-27.0 / 5);
    bj_val *x = bj_mul(sv, bj_lit(t, BJ_F32, 0.25));
    bj_val *y = bj_mul(bj_sub(bj_lit(t, BJ_F32, -27.0), sv), bj_lit(t, BJ_F32, 0.2));
    bj_val *z = bj_mul(bj_add(sv, bj_lit(t, BJ_F32, 2.0)), bj_lit(t, BJ_F32, 0.2));
    bj_val *a_m = hh1_lin_rate(t, x, 1.28, bj_mul(x, bj_lit(t, BJ_F32, 1.28)), bj_sub(r10, bj_lit(t, BJ_F32, 1.0)));
    bj_val *b_m = hh1_lin_rate(t, y, 1.4, bj_mul(bj_mul(y, bj_lit(t, BJ_F32, 1.4)), r8),
                               bj_sub(bj_lit(t, BJ_F32, cb), r8));
    bj_val *a_h = bj_mul(bj_lit(t, BJ_F32, 0.128),
                         bj_exp(bj_mul(bj_add(sv, bj_lit(t, BJ_F32, 4.0)), bj_lit(t, BJ_F32, 1.0 / 18))));
    bj_val *b_h = bj_div(bj_lit(t, BJ_F32, 4.0 * cb), bj_add(r8, bj_lit(t, BJ_F32, cb)));
    bj_val *a_n = hh1_lin_rate(t, z, 0.16, bj_mul(z, bj_lit(t, BJ_F32, 0.16)),
                               bj_sub(bj_mul(r8, bj_lit(t, BJ_F32, exp(0.4))), bj_lit(t, BJ_F32, 1.0)));
    bj_val *b_n = bj_mul(r, bj_lit(t, BJ_F32, 0.5 * exp(-0.075)));
    /* V: dV/dt = (I_tot - G V) / C, exactly over dt */
    bj_val *g_tot = bj_add(bj_add(bj_lit(t, BJ_F32, 10.0), g_na), g_k);
    bj_val *i_tot = bj_add(bj_add(bj_lit(t, BJ_F32, 10.0 * -60.0 + HH1_I), bj_mul(g_na, bj_lit(t, BJ_F32, 50.0))),
                           bj_mul(g_k, bj_lit(t, BJ_F32, -90.0)));
    bj_val *v_inf = bj_div(i_tot, g_tot);
    bj_val *v_new = bj_add(v_inf, bj_mul(bj_sub(v, v_inf), bj_exp(bj_mul(g_tot, bj_lit(t, BJ_F32, -c->dt / 200.0)))));
    bj_status s = bj_var_write(t, c->m, hh1_gate(t, c->dt, m, a_m, b_m));
    if (!s) s = bj_var_write(t, c->h, hh1_gate(t, c->dt, h, a_h, b_h));
    if (!s) s = bj_var_write(t, c->k, hh1_gate(t, c->dt, k, a_n, b_n));
    if (!s) s = bj_var_write(t, c->v, v_new);
    return s ? s : bj_loop_yield(t, NULL, 0, &v_new, 1);
}

static bj_status hh1_run(bj_trace *t, void *ud) {
    bj_val *trace = NULL;
    bj_status s = bj_for_loop(t, bj_param_i64(t, 0), 1, hh1_step, ud, NULL, 0, NULL, 0, NULL, &trace, 1);
    return s ? s : bj_return(t, trace);
}

/* V after each of HH1_MS / dt steps from V = -65 mV, m = h = n = 0 (f32[steps, 1]; new reference), or NULL */
static bj_array *hh1_trace(const char *backend, double dt) {
    int64_t one = 1, steps = llround(HH1_MS / dt);
    bj_array *v0 = bj_array_full(BJ_F32, 1, &one, -65.0), *z0 = bj_array_zeros(BJ_F32, 1, &one);
    hh1 c = {bj_var_new("V", v0, -1), bj_var_new("m", z0, -1), bj_var_new("h", z0, -1), bj_var_new("n", z0, -1), dt};
    bj_jit *f = bj_jit_new(hh1_run, &c, &(bj_jit_opts){.argnames = "steps", .static_argnames = "steps",
                                                        .backend = backend});
    bj_array *out = NULL;
    if (bj_jit_call(f, BJ_ARGS(bj_arg_i64(steps)), &out, 1)) out = NULL;
    bj_jit_release(f);
    bj_var_release(c.v), bj_var_release(c.m), bj_var_release(c.h), bj_var_release(c.k);
    bj_array_release(v0), bj_array_release(z0);
    return out;
}

/* the reference: textbook Traub-Miles rates in double */
static double hh1_lin(double c, double x) { return x == 0 ? c : c * x / expm1(x); }
static void hh1_deriv(const double *s, double *d) {
    double v = s[0], m = s[1], h = s[2], n = s[3], u = v + 63;
    double a_m = hh1_lin(1.28, (13 - u) / 4), b_m = hh1_lin(1.4, (u - 40) / 5);
    double a_h = 0.128 * exp((17 - u) / 18), b_h = 4 / (1 + exp((40 - u) / 5));
    double a_n = hh1_lin(0.16, (15 - u) / 5), b_n = 0.5 * exp((10 - u) / 40);
    d[0] = (10 * (-60 - v) - 20000 * m * m * m * h * (v - 50) - 6000 * n * n * n * n * (v + 90) + HH1_I) / 200;
    d[1] = a_m * (1 - m) - b_m * m, d[2] = a_h * (1 - h) - b_h * h, d[3] = a_n * (1 - n) - b_n * n;
}
/* vs[0..steps]: V at every step of dt (vs[0] the initial value) */
static void hh1_rk4(double dt, int64_t steps, double *vs) {
    double s[4] = {-65, 0, 0, 0}, k1[4], k2[4], k3[4], k4[4], w[4];
    vs[0] = s[0];
    for (int64_t i = 1; i <= steps; i++) {
        hh1_deriv(s, k1);
        for (int j = 0; j < 4; j++) w[j] = s[j] + 0.5 * dt * k1[j];
        hh1_deriv(w, k2);
        for (int j = 0; j < 4; j++) w[j] = s[j] + 0.5 * dt * k2[j];
        hh1_deriv(w, k3);
        for (int j = 0; j < 4; j++) w[j] = s[j] + dt * k3[j];
        hh1_deriv(w, k4);
        for (int j = 0; j < 4; j++) s[j] += dt / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
        vs[i] = s[0];
    }
}

/* Upward crossings of -20 mV (linearly interpolated, ms) of a trace whose sample i is at time i dt. */
static int hh1_spikes(const double *vs, int64_t nsamples, double dt, double *at, int max) {
    int n = 0;
    for (int64_t i = 1; i < nsamples && n < max; i++)
        if (vs[i - 1] <= -20 && vs[i] > -20) at[n++] = ((double)(i - 1) + (-20 - vs[i - 1]) / (vs[i] - vs[i - 1])) * dt;
    return n;
}

/* Exponential Euler is first order: at dt = 0.01 ms its inter-spike intervals come out about 1.2% longer than the
 * converged ones, so spike times drift by about 0.13 ms a spike (0.94 ms by the 8th of 100 ms). Hence the checks:
 *   - the same number of spikes; the first spike within 0.1 ms of RK4's; every interval within 2% of RK4's;
 *   - first-order convergence: at dt = 0.005 ms the last spike's error shrinks by a factor 1.6 to 2.4 (a wrong rate
 *     or a wrong update would not converge to the reference at all);
 *   - V away from spikes (more than 1 ms from any spike of the traced run) within 1 mV of RK4's at the same time
 *     since the previous spike (the drift removed; before the first spike, at the same time);
 *   - the interpreter gives the same trace bit for bit. */
#define HH1_MAX_SPIKES 64
static void net_hh_neuron_vs_rk4(void) {
    const double dt_ref = 0.001;
    int64_t nref = llround(HH1_MS / dt_ref);
    double *ref = malloc(sizeof *ref * (size_t)(nref + 1)), t_ref[HH1_MAX_SPIKES];
    CHECK(ref != NULL);
    if (!ref) return;
    hh1_rk4(dt_ref, nref, ref);
    int n_ref = hh1_spikes(ref, nref + 1, dt_ref, t_ref, HH1_MAX_SPIKES);
    CHECK_MSG(n_ref == 8, "RK4: %d spikes", n_ref);
    double last_err[2] = {0, 0};
    for (int run = 0; run < 2; run++) {
        double dt = run ? 0.005 : 0.01;
        bj_array *tr = hh1_trace("cpu", dt);
        CHECK(tr != NULL);
        if (!tr) break;
        int64_t steps = llround(HH1_MS / dt);
        double *vs = malloc(sizeof *vs * (size_t)(steps + 1)), t_jit[HH1_MAX_SPIKES];
        vs[0] = -65.0;
        for (int64_t i = 0; i < steps; i++) vs[i + 1] = ((const float *)bj_array_data(tr))[i];
        int n_jit = hh1_spikes(vs, steps + 1, dt, t_jit, HH1_MAX_SPIKES);
        CHECK_MSG(n_jit == n_ref, "dt %g: %d spikes, RK4 %d", dt, n_jit, n_ref);
        if (n_jit == n_ref && n_ref > 1) {
            CHECK_MSG(fabs(t_jit[0] - t_ref[0]) < 0.1, "dt %g: first spike at %.4f ms, RK4 %.4f ms", dt, t_jit[0],
                      t_ref[0]);
            for (int j = 1; j < n_ref; j++) {
                double isi = t_jit[j] - t_jit[j - 1], want = t_ref[j] - t_ref[j - 1];
                CHECK_MSG(fabs(isi - want) < 0.02 * want, "dt %g: interval %d %.4f ms, RK4 %.4f ms", dt, j, isi, want);
            }
            last_err[run] = fabs(t_jit[n_ref - 1] - t_ref[n_ref - 1]);
        }
        if (run == 0) { /* the voltage trace, and the interpreter */
            double worst = 0, worst_t = 0;
            for (int64_t i = 0; i <= steps && n_jit == n_ref; i++) {
                double t = (double)i * dt, near = 1e9;
                int prev = -1;
                for (int j = 0; j < n_jit; j++) {
                    near = fmin(near, fabs(t - t_jit[j]));
                    if (t_jit[j] <= t) prev = j;
                }
                if (near <= 1.0) continue;
                double tr_ms = prev < 0 ? t : t_ref[prev] + (t - t_jit[prev]), q = tr_ms / dt_ref;
                int64_t a = (int64_t)q;
                if (a >= nref) continue;
                double want = ref[a] + (q - (double)a) * (ref[a + 1] - ref[a]), d = fabs(vs[i] - want);
                if (d > worst) worst = d, worst_t = t;
            }
            CHECK_MSG(worst < 1.0, "V differs from RK4 by %.4f mV at %.2f ms", worst, worst_t);
            bj_array *ti = hh1_trace("interp", dt);
            CHECK(ti && !memcmp(bj_array_data(ti), bj_array_data(tr), bj_array_nbytes(tr)));
            bj_array_release(ti);
        }
        free(vs);
        bj_array_release(tr);
    }
    double ratio = last_err[1] > 0 ? last_err[0] / last_err[1] : 0;
    CHECK_MSG(ratio > 1.6 && ratio < 2.4, "last spike off by %.4f ms at dt 0.01, %.4f ms at dt 0.005", last_err[0],
              last_err[1]);
    free(ref);
}

/* ---------------------------------------------------------------- COBA */
/* Rates within 15-25 Hz, finite, on three seeds (0.3 s runs). */
static void net_coba_rates(void) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bj_net_result r;
        CHECK(bj_net_run(&(bj_net_opts){.model = "coba", .duration_s = 0.3, .seed = seed, .quiet = true}, &r) == BJ_OK);
        CHECK_MSG(isfinite(r.rate_hz) && r.rate_hz >= 15 && r.rate_hz <= 25 && r.rate_e_hz > 0 && r.rate_i_hz > 0,
                  "seed %llu: %.2f Hz (E %.2f, I %.2f)", (unsigned long long)seed, r.rate_hz, r.rate_e_hz, r.rate_i_hz);
        CHECK(r.n == 4000 && r.n_exc == 3200 && r.steps == 3000 && fabs(r.p - 0.02) < 1e-12);
    }
}

/* CUBA 3-9 Hz and COBA-HH 20-50 Hz (no NaN) on three seeds, 0.2 s runs. */
static void net_cuba_and_coba_hh_rates(void) {
    const char *models[2] = {"cuba", "coba_hh"};
    const double lo[2] = {3, 20}, hi[2] = {9, 50};
    for (int m = 0; m < 2; m++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            bj_net_result r;
            CHECK(bj_net_run(&(bj_net_opts){.model = models[m], .duration_s = 0.2, .seed = seed, .quiet = true}, &r) ==
                  BJ_OK);
            CHECK_MSG(isfinite(r.rate_hz) && r.rate_hz >= lo[m] && r.rate_hz <= hi[m], "%s seed %llu: %.2f Hz",
                      models[m], (unsigned long long)seed, r.rate_hz);
        }
}

/* The interpreter and the native backend give the same spike trains (200 ms); so do stored and procedural
 * connectivity (the same network). */
static void net_coba_backends_identical(void) {
    bj_net_result a, b, c;
    bj_net_opts o = {.model = "coba", .duration_s = 0.2, .seed = 7, .quiet = true, .record = true};
    CHECK(bj_net_run(&o, &a) == BJ_OK);
    o.backend = "interp";
    CHECK(bj_net_run(&o, &b) == BJ_OK);
    o.backend = "cpu", o.procedural = true;
    CHECK(bj_net_run(&o, &c) == BJ_OK);
    CHECK(a.spike_step && b.spike_step && c.spike_step && a.spikes_e + a.spikes_i > 1000);
    CHECK(a.spike_step && bj_array_size(a.spike_step) == a.spikes_e + a.spikes_i);
    bj_net_result *other[2] = {&b, &c};
    for (int k = 0; k < 2 && a.spike_step && other[k]->spike_step; k++) {
        CHECK(bj_array_nbytes(a.spike_step) == bj_array_nbytes(other[k]->spike_step));
        CHECK(!memcmp(bj_array_data(a.spike_step), bj_array_data(other[k]->spike_step), bj_array_nbytes(a.spike_step)));
        CHECK(!memcmp(bj_array_data(a.spike_neuron), bj_array_data(other[k]->spike_neuron),
                      bj_array_nbytes(a.spike_neuron)));
    }
    bj_array_release(a.spike_step), bj_array_release(b.spike_step), bj_array_release(c.spike_step);
    bj_array_release(a.spike_neuron), bj_array_release(b.spike_neuron), bj_array_release(c.spike_neuron);
}

/* float64 state, another size, chunking that does not divide the run */
static void net_coba_options(void) {
    bj_net_result r;
    CHECK(bj_net_run(&(bj_net_opts){.n = 2000, .duration_s = 0.25, .f64 = true, .chunk_steps = 700, .quiet = true},
                     &r) == BJ_OK);
    CHECK_MSG(r.rate_hz >= 10 && r.rate_hz <= 30 && r.steps == 2500 && fabs(r.p - 0.04) < 1e-12, "%.2f Hz",
              r.rate_hz);
    CHECK(bj_net_run(&(bj_net_opts){.model = "nope", .quiet = true}, &r) == BJ_ERR_ARG);
    CHECK_ERR_HAS("unknown model \"nope\"");
    CHECK(bj_net_run(&(bj_net_opts){.n = 5, .quiet = true}, &r) == BJ_ERR_ARG);
    CHECK(bj_net_run(NULL, &r) == BJ_ERR_ARG);
}

/* Recording as events: a step with more spikes than the events row holds (at first events_per_step) makes the runner
 * run that chunk again from its saved state with a larger row; the spikes are those of the run without recording. */
static void net_record_events_grow(void) {
    bj_net_result a = {0}, b = {0};
    bj_net_opts o = {.model = "coba", .n = 4000, .duration_s = 0.2, .seed = 3, .quiet = true, .record = true,
                     .events_per_step = 8};
    CHECK(bj_net_run(&o, &a) == BJ_OK);
    o.record = false;
    CHECK(bj_net_run(&o, &b) == BJ_OK);
    CHECK(a.spikes_e == b.spikes_e && a.spikes_i == b.spikes_i && a.spikes_e > 0);
    int64_t most = 0, nev = a.spike_step ? bj_array_size(a.spike_step) : -1;
    CHECK(nev == a.spikes_e + a.spikes_i);
    int64_t *per = calloc((size_t)a.steps + 1, sizeof *per);
    const int32_t *st = a.spike_step ? bj_array_data(a.spike_step) : NULL, *ne = a.spike_neuron ? bj_array_data(a.spike_neuron) : NULL;
    bool ordered = st && ne;
    for (int64_t k = 0; per && ordered && k < nev; k++) {
        per[st[k]]++;
        if (k && (st[k] < st[k - 1] || (st[k] == st[k - 1] && ne[k] <= ne[k - 1]))) ordered = false;
    }
    for (int64_t j = 0; per && j < a.steps; j++) most = per[j] > most ? per[j] : most;
    CHECK_MSG(most > 8, "a step should outgrow the first row (8 events): most %lld", (long long)most);
    o.events_per_step = -1, o.record = true;
    CHECK(bj_net_run(&o, &b) == BJ_ERR_ARG && strstr(bj_last_error(), "events_per_step must be >= 0"));
    CHECK(ordered);
    free(per);
    bj_array_release(a.spike_step), bj_array_release(a.spike_neuron);
}

void tests_net(void) {
    RUN(net_lif_analytic_isi);
    RUN(net_hh_neuron_vs_rk4);
    RUN(net_delay_ring_buffer);
    RUN(net_coba_rates);
    RUN(net_cuba_and_coba_hh_rates);
    RUN(net_coba_backends_identical);
    RUN(net_record_events_grow);
    RUN(net_coba_options);
}
