/* coba_hh.c — the COBA-HH network of Brian2's examples (Brette et al. 2007, benchmark 3): Hodgkin-Huxley neurons
 * with Traub-Miles kinetics and exponential conductances, integrated with exponential Euler, written with the
 * public API only. Units: mV, ms, nS, pF (so nS mV / pF = mV / ms).
 *
 *   C dV/dt = g_L (E_L - V) + g_e (E_e - V) + g_i (E_i - V) - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K)
 *   dx/dt = a_x (1 - x) - b_x x for x in m, h, n (rates of V - V_T; exprel's series at the removable
 *   singularities); a spike is V crossing -20 mV upwards; it adds w_e = 6 nS (w_i = 67 nS) on the next step.
 *   V0 = E_L + (5 z - 5), g_e0 = (1.5 z + 4) 10 nS, g_i0 = (12 z + 20) 10 nS with z ~ N(0, 1); m, h, n start at 0. */
#include "sim/net.h"

#include <math.h>
#include <stdlib.h>

#define DT 0.1
#define CM 200.0
#define G_L 10.0
#define G_NA 20000.0
#define G_K 6000.0
#define E_L (-60.0)
#define E_NA 50.0
#define E_K (-90.0)
#define V_T (-63.0)
#define TAU_E 5.0
#define TAU_I 10.0
#define E_E 0.0
#define E_I (-80.0)
#define W_E 6.0
#define W_I 67.0
#define V_SPIKE (-20.0)

typedef struct hh {
    bj_var *v, *m, *h, *k, *ge, *gi;
} hh;

static bj_status setup(net *n) {
    hh *c = n->state = calloc(1, sizeof *c); /* freed by the runner */
    if (!c) return bj_set_error(BJ_ERR_NOMEM, "coba_hh: out of memory");
    c->v = net_var(n, "V", n->ft), c->m = net_var(n, "m", n->ft), c->h = net_var(n, "h", n->ft);
    c->k = net_var(n, "n", n->ft), c->ge = net_var(n, "g_e", n->ft), c->gi = net_var(n, "g_i", n->ft);
    if (!c->v || !c->m || !c->h || !c->k || !c->ge || !c->gi) return bj_last_status();
    bj_status s = net_connect(n, 0, n->ne);
    return s ? s : net_connect(n, 1, n->n - n->ne);
}

static bj_val *normal(bj_trace *t, net *n, double scale, double offset, double factor) {
    bj_val *z = bj_random_normal(bj_random_state_next(t, n->rng), n->ft, 1, &n->n);
    return bj_mul(bj_add(bj_mul(z, net_num(t, n, scale)), net_num(t, n, offset)), net_num(t, n, factor));
}

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    hh *c = n->state;
    bj_status s = bj_var_write(t, c->v, bj_add(normal(t, n, 5.0, -5.0, 1.0), net_num(t, n, E_L)));
    if (!s) s = bj_var_write(t, c->ge, normal(t, n, 1.5, 4.0, 10.0));
    return s ? s : bj_var_write(t, c->gi, normal(t, n, 12.0, 20.0, 10.0));
}

/* The rates of the form c x / (e^x - 1) (alpha_m, beta_m, alpha_n), given num = c x K and den = (e^x - 1) K for
 * some K > 0 (the caller derives e^x from a shared exponential). Within |x| < small, where e^x - 1 loses digits to
 * cancellation (and is 0/0 at x = 0), the rate is c / exprel(x) with exprel's series 1 + x/2 + x^2/6 + x^3/24 +
 * x^4/120. Both branches are finite everywhere, so the selects never see a NaN. The threshold balances the series'
 * truncation against the cancellation: 0.25 in float32, where the largest relative error of the rates against exact
 * ones is 4.4e-6 over V in [-110, 60] mV; 0.01 in float64 (both errors about 1e-13). */
static bj_val *lin_rate(bj_trace *t, const net *n, bj_val *x, double c, bj_val *num, bj_val *den) {
    bj_val *small = bj_lt(bj_abs(x), net_num(t, n, n->ft == BJ_F64 ? 0.01 : 0.25));
    bj_val *p = bj_add(net_num(t, n, 1.0 / 24), bj_mul(x, net_num(t, n, 1.0 / 120)));
    p = bj_add(net_num(t, n, 1.0 / 6), bj_mul(x, p));
    p = bj_add(net_num(t, n, 0.5), bj_mul(x, p));
    p = bj_add(net_num(t, n, 1.0), bj_mul(x, p));
    return bj_div(bj_where(small, net_num(t, n, c), num), bj_where(small, p, den));
}

/* x' = x_inf + (x - x_inf) e^{-dt (a + b)}: exponential Euler for a gate */
static bj_val *gate(bj_trace *t, const net *n, bj_val *x, bj_val *a, bj_val *b) {
    bj_val *sum = bj_add(a, b), *inf = bj_div(a, sum);
    return bj_add(inf, bj_mul(bj_sub(x, inf), bj_exp(bj_mul(sum, net_num(t, n, -DT)))));
}

/* One step: 6 exponentials and 8 divisions a neuron. The Traub-Miles rates of u = V - V_T in terms of s = 13 - u
 * (= -50 - V) and one exponential r = e^{s/40}:
 *   alpha_m = 0.32 (13 - u) / (e^{(13 - u)/4} - 1)   = 1.28 x / (r^10 - 1)                    x = s/4
 *   beta_m  = 0.28 (u - 40) / (e^{(u - 40)/5} - 1)   = 1.4 y / (e^y - 1) = 1.4 y r^8 / (c - r^8)  y = (-27 - s)/5,
 *                                                                                          c = e^{-27/5}
 *   alpha_h = 0.128 e^{(17 - u)/18}                  = 0.128 e^{(s + 4)/18}
 *   beta_h  = 4 / (1 + e^{(40 - u)/5})               = 4 c / (r^8 + c)
 *   alpha_n = 0.032 (15 - u) / (e^{(15 - u)/5} - 1)  = 0.16 z / (e^{2/5} r^8 - 1)             z = (s + 2)/5
 *   beta_n  = 0.5 e^{(10 - u)/40}                    = 0.5 e^{-3/40} r
 * (r^8 and r^10 by squaring: a few ulp, which the cancellation in r^10 - 1 and the like turns into the 4.4e-6
 * above, near the series' threshold). Divisions by 5, 18, 40 are products with rounded reciprocals. The rates see V
 * clamped to [-200, 200] mV, where every power and product above is a normal float: V never leaves [min(V0, E_K),
 * E_Na] anyway (exponential Euler moves it towards a weighted mean of the reversal potentials), so the clamp only
 * makes the step NaN-free for any state. */
static bj_val *step(bj_trace *t, net *n) {
    hh *c = n->state;
    bj_val *v = bj_var_read(t, c->v), *m = bj_var_read(t, c->m), *h = bj_var_read(t, c->h), *k = bj_var_read(t, c->k);
    /* the channels' conductances of this step, from the gates before they move */
    bj_val *g_na = bj_mul(net_num(t, n, G_NA), bj_mul(bj_mul(bj_mul(m, m), m), h));
    bj_val *k2 = bj_mul(k, k), *g_k = bj_mul(net_num(t, n, G_K), bj_mul(k2, k2));
    /* the rates (1/ms) and the gates */
    bj_val *vr = bj_where(bj_gt(v, net_num(t, n, 200.0)), net_num(t, n, 200.0), v);
    vr = bj_where(bj_lt(vr, net_num(t, n, -200.0)), net_num(t, n, -200.0), vr);
    bj_val *sv = bj_sub(net_num(t, n, V_T + 13.0), vr); /* s = 13 - u */
    bj_val *r = bj_exp(bj_mul(sv, net_num(t, n, 1.0 / 40)));
    bj_val *r2 = bj_mul(r, r), *r4 = bj_mul(r2, r2), *r8 = bj_mul(r4, r4), *r10 = bj_mul(r8, r2);
    const double cb = exp(-27.0 / 5); /* e^y = cb / r^8 */
    bj_val *x = bj_mul(sv, net_num(t, n, 0.25));
    bj_val *a_m = lin_rate(t, n, x, 1.28, bj_mul(x, net_num(t, n, 1.28)), bj_sub(r10, net_num(t, n, 1.0)));
    bj_val *y = bj_mul(bj_sub(net_num(t, n, -27.0), sv), net_num(t, n, 0.2));
    bj_val *b_m = lin_rate(t, n, y, 1.4, bj_mul(bj_mul(y, net_num(t, n, 1.4)), r8), bj_sub(net_num(t, n, cb), r8));
    bj_val *m_new = gate(t, n, m, a_m, b_m);
    bj_val *a_h = bj_mul(net_num(t, n, 0.128), bj_exp(bj_mul(bj_add(sv, net_num(t, n, 4.0)), net_num(t, n, 1.0 / 18))));
    bj_val *b_h = bj_div(net_num(t, n, 4.0 * cb), bj_add(r8, net_num(t, n, cb)));
    bj_val *h_new = gate(t, n, h, a_h, b_h);
    bj_val *z = bj_mul(bj_add(sv, net_num(t, n, 2.0)), net_num(t, n, 0.2));
    bj_val *a_n = lin_rate(t, n, z, 0.16, bj_mul(z, net_num(t, n, 0.16)),
                           bj_sub(bj_mul(r8, net_num(t, n, exp(0.4))), net_num(t, n, 1.0)));
    bj_val *b_n = bj_mul(r, net_num(t, n, 0.5 * exp(-0.075)));
    bj_val *n_new = gate(t, n, k, a_n, b_n);
    /* synaptic input: the last step's spikes act now */
    bj_val *spk = bj_var_read(t, n->spike);
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *spk_e = bj_slice(spk, &zero, &ne, NULL), *spk_i = bj_slice(spk, &ne, &nn, NULL);
    bj_val *ge = bj_add(bj_mul(bj_var_read(t, c->ge), net_num(t, n, exp(-DT / TAU_E))), net_input(t, n, 0, spk_e, W_E));
    bj_val *gi = bj_add(bj_mul(bj_var_read(t, c->gi), net_num(t, n, exp(-DT / TAU_I))), net_input(t, n, 1, spk_i, W_I));
    /* V: dV/dt = (I - G V) / C with the conductances of this step, exactly over dt (E_E = 0: g_e adds to G only) */
    bj_val *g_tot = bj_add(bj_add(bj_add(net_num(t, n, G_L), ge), bj_add(gi, g_na)), g_k);
    bj_val *i_tot = bj_add(bj_add(net_num(t, n, G_L * E_L), bj_mul(gi, net_num(t, n, E_I))),
                           bj_add(bj_mul(g_na, net_num(t, n, E_NA)), bj_mul(g_k, net_num(t, n, E_K))));
    if (E_E != 0.0) i_tot = bj_add(i_tot, bj_mul(ge, net_num(t, n, E_E)));
    bj_val *v_inf = bj_div(i_tot, g_tot);
    bj_val *v_new = bj_add(v_inf, bj_mul(bj_sub(v, v_inf), bj_exp(bj_mul(g_tot, net_num(t, n, -DT / CM)))));
    bj_val *fired = bj_logical_and(bj_le(v, net_num(t, n, V_SPIKE)), bj_gt(v_new, net_num(t, n, V_SPIKE)));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->m, m_new);
    if (!s) s = bj_var_write(t, c->h, h_new);
    if (!s) s = bj_var_write(t, c->k, n_new);
    if (!s) s = bj_var_write(t, c->v, v_new);
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_coba_hh = {.name = "coba_hh", .cls = "COBAHH", .dt_ms = DT, .setup = setup, .init = init,
                               .step = step};
