/* coba_hh.c — the COBA-HH network of Brian2's examples (Brette et al. 2007, benchmark 3): Hodgkin-Huxley neurons
 * with Traub-Miles kinetics and exponential conductances, integrated with exponential Euler, written with the
 * public API only. Units: mV, ms, nS, pF (so nS mV / pF = mV / ms).
 *
 *   C dV/dt = g_L (E_L - V) + g_e (E_e - V) + g_i (E_i - V) - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K)
 *   dx/dt = a_x (1 - x) - b_x x for x in m, h, n (rates of V - V_T, with Brian's exprel for the removable
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

/* exprel(x) = (e^x - 1) / x, 1 at 0: the series near 0 (no 0/0 in either branch), our vectorizing exp elsewhere */
static bj_val *exprel(bj_trace *t, const net *n, bj_val *x) {
    bj_val *small = bj_lt(bj_abs(x), net_num(t, n, 1e-3));
    bj_val *safe = bj_where(small, net_num(t, n, 1.0), x);
    bj_val *series = bj_add(net_num(t, n, 1.0), bj_mul(x, bj_add(net_num(t, n, 0.5), bj_mul(x, net_num(t, n, 1.0 / 6)))));
    return bj_where(small, series, bj_div(bj_sub(bj_exp(safe), net_num(t, n, 1.0)), safe));
}

/* x' = x_inf + (x - x_inf) e^{-dt (a + b)}: exponential Euler for a gate */
static bj_val *gate(bj_trace *t, const net *n, bj_val *x, bj_val *a, bj_val *b) {
    bj_val *sum = bj_add(a, b), *inf = bj_div(a, sum);
    return bj_add(inf, bj_mul(bj_sub(x, inf), bj_exp(bj_mul(sum, net_num(t, n, -DT)))));
}

static bj_val *step(bj_trace *t, net *n) {
    hh *c = n->state;
    bj_val *spk = bj_var_read(t, n->spike);
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *spk_e = bj_slice(spk, &zero, &ne, NULL), *spk_i = bj_slice(spk, &ne, &nn, NULL);
    bj_val *ge = bj_add(bj_mul(bj_var_read(t, c->ge), net_num(t, n, exp(-DT / TAU_E))), net_input(t, n, 0, spk_e, W_E));
    bj_val *gi = bj_add(bj_mul(bj_var_read(t, c->gi), net_num(t, n, exp(-DT / TAU_I))), net_input(t, n, 1, spk_i, W_I));
    bj_val *v = bj_var_read(t, c->v), *m = bj_var_read(t, c->m), *h = bj_var_read(t, c->h), *k = bj_var_read(t, c->k);
    bj_val *u = bj_sub(v, net_num(t, n, V_T)); /* V - V_T */
    /* Traub-Miles rates (1/ms) */
    bj_val *a_m = bj_div(net_num(t, n, 1.28), exprel(t, n, bj_div(bj_sub(net_num(t, n, 13.0), u), net_num(t, n, 4.0))));
    bj_val *b_m = bj_div(net_num(t, n, 1.4), exprel(t, n, bj_div(bj_sub(u, net_num(t, n, 40.0)), net_num(t, n, 5.0))));
    bj_val *a_h = bj_mul(net_num(t, n, 0.128), bj_exp(bj_div(bj_sub(net_num(t, n, 17.0), u), net_num(t, n, 18.0))));
    bj_val *b_h = bj_div(net_num(t, n, 4.0),
                         bj_add(net_num(t, n, 1.0), bj_exp(bj_div(bj_sub(net_num(t, n, 40.0), u), net_num(t, n, 5.0)))));
    bj_val *a_n = bj_div(net_num(t, n, 0.16), exprel(t, n, bj_div(bj_sub(net_num(t, n, 15.0), u), net_num(t, n, 5.0))));
    bj_val *b_n = bj_mul(net_num(t, n, 0.5), bj_exp(bj_div(bj_sub(net_num(t, n, 10.0), u), net_num(t, n, 40.0))));
    /* V: dV/dt = A - B V with the conductances of this step, exactly over dt */
    bj_val *g_na = bj_mul(net_num(t, n, G_NA), bj_mul(bj_mul(bj_mul(m, m), m), h));
    bj_val *k2 = bj_mul(k, k), *g_k = bj_mul(net_num(t, n, G_K), bj_mul(k2, k2));
    bj_val *g_tot = bj_add(bj_add(bj_add(net_num(t, n, G_L), ge), bj_add(gi, g_na)), g_k);
    bj_val *i_tot = bj_add(bj_add(bj_add(net_num(t, n, G_L * E_L), bj_mul(ge, net_num(t, n, E_E))),
                                  bj_add(bj_mul(gi, net_num(t, n, E_I)), bj_mul(g_na, net_num(t, n, E_NA)))),
                           bj_mul(g_k, net_num(t, n, E_K)));
    bj_val *v_inf = bj_div(i_tot, g_tot);
    bj_val *v_new = bj_add(v_inf, bj_mul(bj_sub(v, v_inf), bj_exp(bj_mul(g_tot, net_num(t, n, -DT / CM)))));
    bj_val *fired = bj_logical_and(bj_le(v, net_num(t, n, V_SPIKE)), bj_gt(v_new, net_num(t, n, V_SPIKE)));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->m, gate(t, n, m, a_m, b_m));
    if (!s) s = bj_var_write(t, c->h, gate(t, n, h, a_h, b_h));
    if (!s) s = bj_var_write(t, c->k, gate(t, n, k, a_n, b_n));
    if (!s) s = bj_var_write(t, c->v, v_new);
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_coba_hh = {.name = "coba_hh", .cls = "COBAHH", .dt_ms = DT, .setup = setup, .init = init,
                               .step = step};
