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

#include <stdlib.h>

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

typedef struct coba {
    bj_var *v, *ge, *gi, *t_last, *step;
} coba;

static bj_status setup(net *n) {
    coba *c = n->state = calloc(1, sizeof *c); /* freed by the runner */
    if (!c) return bj_set_error(BJ_ERR_NOMEM, "coba: out of memory");
    c->v = net_var(n, "V", n->ft), c->ge = net_var(n, "g_e", n->ft), c->gi = net_var(n, "g_i", n->ft);
    c->t_last = net_var(n, "t_last_spike", n->ft);
    bj_array *zero = bj_array_zeros(BJ_I32, 0, NULL);
    bj_var *step = zero ? bj_var_new("step", zero, -1) : NULL;
    bj_array_release(zero);
    if (step && bj_object_add_var(n->obj, "step", step)) bj_var_release(step), step = NULL;
    bj_var_release(step); /* the object holds it */
    c->step = step;
    if (!c->v || !c->ge || !c->gi || !c->t_last || !c->step) return bj_last_status();
    bj_status s = net_connect(n, 0, n->ne);
    return s ? s : net_connect(n, 1, n->n - n->ne);
}

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    coba *c = n->state;
    bj_val *key = bj_random_state_next(t, n->rng);
    bj_val *z = bj_random_normal(key, n->ft, 1, &n->n);
    bj_status s = bj_var_write(t, c->v, bj_add(bj_mul(z, net_num(t, n, 2.0)), net_num(t, n, -55.0)));
    if (!s) s = bj_var_write(t, c->t_last, bj_full(t, n->ft, 1, &n->n, -1e7));
    return s;
}

static bj_val *decay(bj_trace *t, const net *n, bj_val *g, const void *tau) {
    return bj_div(bj_neg(g), net_num(t, n, *(const double *)tau));
}

static bj_val *membrane(bj_trace *t, const net *n, bj_val *v, const void *i_syn) {
    return bj_div(bj_add(bj_add(bj_neg(v), net_num(t, n, V_REST)), (bj_val *)i_syn), net_num(t, n, TAU));
}

static bj_val *step(bj_trace *t, net *n) {
    coba *c = n->state;
    bj_val *spk = bj_var_read(t, n->spike); /* the last step's spikes act now */
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *tm = bj_mul(bj_astype(bj_var_read(t, c->step), n->ft), net_num(t, n, DT));
    bj_val *ge = bj_add(net_exp_auto(t, n, bj_var_read(t, c->ge), decay, &(double){TAU_E}),
                        net_input(t, n, 0, bj_slice(spk, &zero, &ne, NULL), W_E));
    bj_val *gi = bj_add(net_exp_auto(t, n, bj_var_read(t, c->gi), decay, &(double){TAU_I}),
                        net_input(t, n, 1, bj_slice(spk, &ne, &nn, NULL), W_I));
    bj_val *v = bj_var_read(t, c->v), *t_last = bj_var_read(t, c->t_last);
    bj_val *i_syn = bj_add(bj_add(net_num(t, n, I_BIAS), bj_mul(ge, bj_sub(net_num(t, n, E_E), v))),
                           bj_mul(gi, bj_sub(net_num(t, n, E_I), v)));
    bj_val *refractory = bj_le(bj_sub(tm, t_last), net_num(t, n, TAU_REF));
    bj_val *v1 = bj_where(refractory, v, net_exp_auto(t, n, v, membrane, i_syn));
    bj_val *fired = bj_ge(v1, net_num(t, n, V_TH));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->v, bj_where(fired, net_num(t, n, V_RESET), v1));
    if (!s) s = bj_var_write(t, c->t_last, bj_where(fired, tm, t_last));
    if (!s) s = bj_var_write(t, c->step, bj_add(bj_var_read(t, c->step), 1));
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_coba = {.name = "coba", .cls = "COBA", .dt_ms = DT, .setup = setup, .init = init, .step = step};
