/* coba_hh.c — the COBA-HH network of Brian2's examples (Brette et al. 2007, benchmark 3) as a BrainPy 2.4+ script
 * models it (examples/python/coba_hh.py: a bp.dyn.NeuDyn whose Traub-Miles equations are one bp.JointEq integrated
 * by exp_auto, Expon conductances with COBA outputs), written with the public API only, operation for operation as
 * the Python network traces it, so both give the same spikes. Units: mV, ms, nS, pF (so nS mV / pF = mV / ms).
 *
 *   C dV/dt = g_L (E_L - V) - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) + g_e (E_e - V) + g_i (E_i - V)
 *   dx/dt = a_x (1 - x) - b_x x for x in m, h, n (Traub-Miles rates of V; the linear ones through exprel)
 * each variable one exp_auto step with the others held at the step's start (BrainPy's JointEq under exp_auto); the
 * conductances decay by exp_auto, then take w times the last step's spikes through the connectivity (6 nS, 67 nS);
 * a spike is V crossing -20 mV upwards. V0 = E_L + (5 z - 5) with z ~ N(0, 1); m, h, n, g start at 0. */
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

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    hh *c = n->state;
    bj_val *z = bj_random_normal(bj_random_state_next(t, n->rng), n->ft, 1, &n->n);
    return bj_var_write(t, c->v, bj_add(net_num(t, n, E_L), bj_sub(bj_mul(z, net_num(t, n, 5.0)), net_num(t, n, 5.0))));
}

static bj_val *decay(bj_trace *t, const net *n, bj_val *g, const void *tau) {
    return bj_div(bj_neg(g), net_num(t, n, *(const double *)tau));
}

/* the state at the step's start, which each equation reads for the variables it does not integrate */
typedef struct hh_state {
    bj_val *v, *m, *h, *k, *ge, *gi;
} hh_state;

static bj_val *dv(bj_trace *t, const net *n, bj_val *v, const void *ctx) {
    const hh_state *x = ctx;
    bj_val *i = bj_add(net_num(t, n, 0.0), bj_mul(x->ge, bj_sub(net_num(t, n, E_E), v))); /* the COBA outputs */
    i = bj_add(i, bj_mul(x->gi, bj_sub(net_num(t, n, E_I), v)));
    bj_val *g_na = bj_mul(bj_mul(bj_mul(bj_mul(net_num(t, n, G_NA), x->m), x->m), x->m), x->h);
    bj_val *g_k = bj_mul(bj_mul(bj_mul(bj_mul(net_num(t, n, G_K), x->k), x->k), x->k), x->k);
    bj_val *d = bj_sub(bj_mul(net_num(t, n, G_L), bj_sub(net_num(t, n, E_L), v)), bj_mul(g_na, bj_sub(v, net_num(t, n, E_NA))));
    d = bj_sub(d, bj_mul(g_k, bj_sub(v, net_num(t, n, E_K))));
    return bj_div(bj_add(d, i), net_num(t, n, CM));
}

static bj_val *gate_rhs(bj_val *x, bj_val *alpha, bj_val *beta) {
    return bj_sub(bj_mul(alpha, bj_sub(1.0, x)), bj_mul(beta, x));
}

static bj_val *dm(bj_trace *t, const net *n, bj_val *m, const void *ctx) {
    bj_val *v = ((const hh_state *)ctx)->v;
    bj_val *a = bj_add(bj_sub(net_num(t, n, 13.0), v), net_num(t, n, V_T));
    bj_val *b = bj_sub(bj_sub(v, net_num(t, n, V_T)), net_num(t, n, 40.0));
    bj_val *alpha = bj_div(net_num(t, n, 0.32 * 4.0), net_exprel(t, n, bj_div(a, net_num(t, n, 4.0))));
    bj_val *beta = bj_div(net_num(t, n, 0.28 * 5.0), net_exprel(t, n, bj_div(b, net_num(t, n, 5.0))));
    return gate_rhs(m, alpha, beta);
}

static bj_val *dh(bj_trace *t, const net *n, bj_val *h, const void *ctx) {
    bj_val *v = ((const hh_state *)ctx)->v;
    bj_val *alpha = bj_mul(net_num(t, n, 0.128),
                           bj_exp(bj_div(bj_add(bj_sub(net_num(t, n, 17.0), v), net_num(t, n, V_T)), net_num(t, n, 18.0))));
    bj_val *e = bj_exp(bj_div(bj_neg(bj_sub(bj_sub(v, net_num(t, n, V_T)), net_num(t, n, 40.0))), net_num(t, n, 5.0)));
    bj_val *beta = bj_div(net_num(t, n, 4.0), bj_add(net_num(t, n, 1.0), e));
    return gate_rhs(h, alpha, beta);
}

static bj_val *dn(bj_trace *t, const net *n, bj_val *k, const void *ctx) {
    bj_val *v = ((const hh_state *)ctx)->v;
    bj_val *c = bj_add(bj_sub(net_num(t, n, 15.0), v), net_num(t, n, V_T));
    bj_val *alpha = bj_div(net_num(t, n, 0.032 * 5.0), net_exprel(t, n, bj_div(c, net_num(t, n, 5.0))));
    bj_val *beta = bj_mul(net_num(t, n, 0.5),
                          bj_exp(bj_div(bj_add(bj_sub(net_num(t, n, 10.0), v), net_num(t, n, V_T)), net_num(t, n, 40.0))));
    return gate_rhs(k, alpha, beta);
}

static bj_val *step(bj_trace *t, net *n) {
    hh *c = n->state;
    bj_val *spk = bj_var_read(t, n->spike); /* the last step's spikes act now */
    int64_t zero = 0, ne = n->ne, nn = n->n;
    hh_state x = {bj_var_read(t, c->v), bj_var_read(t, c->m), bj_var_read(t, c->h), bj_var_read(t, c->k), NULL, NULL};
    x.ge = bj_add(net_exp_auto(t, n, bj_var_read(t, c->ge), decay, &(double){TAU_E}),
                  net_input(t, n, 0, bj_slice(spk, &zero, &ne, NULL), W_E));
    x.gi = bj_add(net_exp_auto(t, n, bj_var_read(t, c->gi), decay, &(double){TAU_I}),
                  net_input(t, n, 1, bj_slice(spk, &ne, &nn, NULL), W_I));
    bj_val *v_new = net_exp_auto(t, n, x.v, dv, &x);
    bj_val *m_new = net_exp_auto(t, n, x.m, dm, &x), *h_new = net_exp_auto(t, n, x.h, dh, &x);
    bj_val *n_new = net_exp_auto(t, n, x.k, dn, &x);
    bj_val *fired = bj_logical_and(bj_lt(x.v, net_num(t, n, V_SPIKE)), bj_ge(v_new, net_num(t, n, V_SPIKE)));
    bj_status s = bj_var_write(t, c->ge, x.ge);
    if (!s) s = bj_var_write(t, c->gi, x.gi);
    if (!s) s = bj_var_write(t, c->m, m_new);
    if (!s) s = bj_var_write(t, c->h, h_new);
    if (!s) s = bj_var_write(t, c->k, n_new);
    if (!s) s = bj_var_write(t, c->v, v_new);
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_coba_hh = {.name = "coba_hh", .cls = "COBAHH", .dt_ms = DT, .setup = setup, .init = init,
                               .step = step};
