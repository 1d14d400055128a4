/* coba.c — the COBA network (Brette et al. 2007) as BrainPy 2.4+ models it, written with the public API only:
 * bp.dyn.LifRef neurons (80% excitatory) whose E and I spikes reach every neuron through bp.dyn.Expon conductances
 * with bp.dyn.COBA outputs (examples/python/coba.py is the same network through bp.DSRunner, spike for spike).
 *
 *   tau dV/dt = -V + V_rest + I,  I = I_bias + g_e (E_e - V) + g_i (E_i - V)   (I from the step's starting V)
 *   dg/dt = -g / tau_g, then g += w * (spikes of the last step through the connectivity)
 * each integrated by BrainPy's exp_auto: x + dt exprel(dt f'(x)) f(x), with f'(x) a forward-mode derivative
 * (bj_jvp) along ones; refractory while t - t_last_spike <= tau_ref (V held); a spike when V >= V_th resets V.
 * The arithmetic is BrainPy's, operation for operation, so both sides compute the same floats. V0 ~ N(-55, 2). */
#include "sim/net.h"


#define DT 0.1
#define TAU 20.0
#define V_REST (-60.0)
#define V_TH (-50.0)
#define V_RESET (-60.0)
#define TAU_REF 5.0
#define TAU_E 5.0
#define TAU_I 10.0
#define E_E 0.0
#define E_I (-80.0)
#define W_E 0.6
#define W_I 6.7
#define I_BIAS 20.0

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    net_lifref *c = n->state;
    bj_val *key = bj_random_state_next(t, n->rng);
    bj_val *z = bj_random_normal(key, n->ft, 1, &n->n);
    bj_status s = bj_var_write(t, c->v, bj_add(bj_mul(z, net_num(t, n, 2.0)), net_num(t, n, -55.0)));
    if (!s) s = bj_var_write(t, c->t_last, bj_full(t, n->ft, 1, &n->n, -1e7));
    return s;
}

/* BrainPy's COBA output: g (E - V) of each population, added to the input */
static bj_val *current(bj_trace *t, const net *n, bj_val *ge, bj_val *gi, bj_val *v) {
    bj_val *i = bj_add(net_num(t, n, I_BIAS), bj_mul(ge, bj_sub(net_num(t, n, E_E), v)));
    return bj_add(i, bj_mul(gi, bj_sub(net_num(t, n, E_I), v)));
}

static const net_lifref_pars pars = {V_REST, V_TH, V_RESET, TAU, TAU_REF, TAU_E, TAU_I, W_E, W_I, current};

static bj_val *step(bj_trace *t, net *n) { return net_lifref_step(t, n, &pars); }

const net_model net_coba = {.name = "coba", .cls = "COBA", .dt_ms = DT, .setup = net_lifref_setup, .init = init, .step = step};
