/* test_net.c — compiled simulation loops with Variables, and the standard networks: firing rates in their bands on
 * several seeds, identical spike trains on both backends and for stored and procedural connectivity, a single LIF
 * neuron against its analytic inter-spike interval. */
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
    CHECK(a.spikes && b.spikes && c.spikes && a.spikes_e + a.spikes_i > 1000);
    if (a.spikes && b.spikes && c.spikes) {
        CHECK(!memcmp(bj_array_data(a.spikes), bj_array_data(b.spikes), bj_array_nbytes(a.spikes)));
        CHECK(!memcmp(bj_array_data(a.spikes), bj_array_data(c.spikes), bj_array_nbytes(a.spikes)));
    }
    bj_array_release(a.spikes), bj_array_release(b.spikes), bj_array_release(c.spikes);
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

void tests_net(void) {
    RUN(net_lif_analytic_isi);
    RUN(net_delay_ring_buffer);
    RUN(net_coba_rates);
    RUN(net_cuba_and_coba_hh_rates);
    RUN(net_coba_backends_identical);
    RUN(net_coba_options);
}
