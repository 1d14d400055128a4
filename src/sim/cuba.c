/* cuba.c — the CUBA network of Brian2's examples (Vogels and Abbott 2005, as in Brette et al. 2007): LIF neurons
 * with current-based exponential synapses, written with the public API only.
 *
 *   tau_m dV/dt = g_e + g_i - (V - E_l)    forward Euler; V held while refractory (5 ms); threshold V > V_t
 *   g_e, g_i (mV) decay exactly (tau_e, tau_i); a spike adds w_e = 1.62 mV (w_i = -9 mV) on the next step.
 *   V0 ~ U(V_r, V_t), g0 = 0. */
#include "sim/net.h"

#include <math.h>

#define DT 0.1
#define TAU_M 20.0
#define TAU_E 5.0
#define TAU_I 10.0
#define V_T (-50.0)
#define V_R (-60.0)
#define E_L (-49.0)
#define W_E 1.62
#define W_I (-9.0)
#define T_REF 5.0

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    net_lif *c = n->state;
    bj_val *u = bj_random_uniform(bj_random_state_next(t, n->rng), n->ft, 1, &n->n, V_R, V_T);
    return bj_var_write(t, c->v, u);
}

static bj_val *step(bj_trace *t, net *n) {
    net_lif *c = n->state;
    bj_val *spk = bj_var_read(t, n->spike);
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *spk_e = bj_slice(spk, &zero, &ne, NULL), *spk_i = bj_slice(spk, &ne, &nn, NULL);
    bj_val *ge = bj_add(bj_mul(bj_var_read(t, c->ge), net_num(t, n, exp(-DT / TAU_E))), net_input(t, n, 0, spk_e, W_E));
    bj_val *gi = bj_add(bj_mul(bj_var_read(t, c->gi), net_num(t, n, exp(-DT / TAU_I))), net_input(t, n, 1, spk_i, W_I));
    bj_val *v = bj_var_read(t, c->v), *ref = bj_var_read(t, c->ref);
    bj_val *drive = bj_sub(bj_add(ge, gi), bj_sub(v, net_num(t, n, E_L)));
    bj_val *active = bj_le(ref, 0);
    bj_val *v_new = bj_where(active, bj_add(v, bj_mul(drive, net_num(t, n, DT / TAU_M))), v);
    bj_val *fired = bj_logical_and(active, bj_gt(v_new, net_num(t, n, V_T)));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->v, bj_where(fired, net_num(t, n, V_R), v_new));
    if (!s) s = bj_var_write(t, c->ref, bj_where(fired, (int)lround(T_REF / DT), bj_maximum(bj_sub(ref, 1), 0)));
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_cuba = {.name = "cuba", .cls = "CUBA", .dt_ms = DT, .setup = net_lif_setup, .init = init,
                            .step = step};
