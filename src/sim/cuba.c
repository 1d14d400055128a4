/* cuba.c — the CUBA network of Brian2's examples (Vogels and Abbott 2005, as in Brette et al. 2007) as BrainPy 2.4+
 * models it (examples/python/cuba.py: bp.dyn.LifRef neurons, Expon synapses with CUBA outputs, exp_auto), written
 * with the public API only, operation for operation as the Python network traces it (src/sim/net.c's LifRef step).
 *
 *   tau dV/dt = -V + V_rest + g_e + g_i    (V_rest = -49 mV above the threshold -50 mV drives the neurons)
 *   dg/dt = -g / tau_g, then g += w * (spikes of the last step through the connectivity), w_e = 1.62, w_i = -9 mV
 * refractory 5 ms; V0 ~ U(-60, -50) mV, g0 = 0. */
#include "sim/net.h"

#define DT 0.1
#define TAU 20.0
#define V_REST (-49.0)
#define V_TH (-50.0)
#define V_RESET (-60.0)
#define TAU_REF 5.0
#define TAU_E 5.0
#define TAU_I 10.0
#define W_E 1.62
#define W_I (-9.0)

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    net_lifref *c = n->state;
    bj_val *u = bj_random_uniform(bj_random_state_next(t, n->rng), n->ft, 1, &n->n, V_RESET, V_TH);
    bj_status s = bj_var_write(t, c->v, u);
    return s ? s : bj_var_write(t, c->t_last, bj_full(t, n->ft, 1, &n->n, -1e7));
}

/* BrainPy's CUBA output: the synaptic variable itself, added to the (zero) input */
static bj_val *current(bj_trace *t, const net *n, bj_val *ge, bj_val *gi, bj_val *v) {
    (void)v;
    return bj_add(bj_add(net_num(t, n, 0.0), ge), gi);
}

static const net_lifref_pars pars = {V_REST, V_TH, V_RESET, TAU, TAU_REF, TAU_E, TAU_I, W_E, W_I, current};

static bj_val *step(bj_trace *t, net *n) { return net_lifref_step(t, n, &pars); }

const net_model net_cuba = {.name = "cuba", .cls = "CUBA", .dt_ms = DT, .setup = net_lifref_setup, .init = init,
                            .step = step};
