/* coba.c — the COBA network, BrainPy's variant of Brette et al. (2007): LIF neurons (80% excitatory) with
 * exponential conductances, written with the public API only.
 *
 *   tau_m dV/dt = (V_rest - V) + g_e (E_e - V) + g_i (E_i - V) + I_bias   forward Euler, V held while refractory
 *   g_e, g_i decay exactly (tau_e, tau_i); a spike adds w_e (w_i) to the conductances of its targets, acting on
 *   the next step; conductances in units of the leak conductance. V0 ~ N(-55, 5) mV, g0 = 0. */
#include "sim/net.h"

#include <math.h>

#define DT 0.1
#define TAU_M 20.0
#define V_REST (-60.0)
#define V_TH (-50.0)
#define V_RESET (-60.0)
#define T_REF 5.0
#define TAU_E 5.0
#define TAU_I 10.0
#define E_E 0.0
#define E_I (-80.0)
#define W_E 0.6
#define W_I 6.7
#define I_BIAS 20.0

static net_lif *state_of(const net *n) { return n->state; }

static bj_status init(bj_trace *t, void *ud) {
    net *n = ud;
    bj_val *key = bj_random_state_next(t, n->rng);
    bj_val *z = bj_random_normal(key, n->ft, 1, &n->n);
    return bj_var_write(t, state_of(n)->v, bj_add(net_num(t, n, -55.0), bj_mul(net_num(t, n, 5.0), z)));
}

static bj_val *step(bj_trace *t, net *n) {
    net_lif *c = state_of(n);
    bj_val *spk = bj_var_read(t, n->spike); /* the last step's spikes act now */
    int64_t zero = 0, ne = n->ne, nn = n->n;
    bj_val *spk_e = bj_slice(spk, &zero, &ne, NULL), *spk_i = bj_slice(spk, &ne, &nn, NULL);
    bj_val *ge = bj_add(bj_mul(bj_var_read(t, c->ge), net_num(t, n, exp(-DT / TAU_E))), net_input(t, n, 0, spk_e, W_E));
    bj_val *gi = bj_add(bj_mul(bj_var_read(t, c->gi), net_num(t, n, exp(-DT / TAU_I))), net_input(t, n, 1, spk_i, W_I));
    bj_val *v = bj_var_read(t, c->v), *ref = bj_var_read(t, c->ref);
    bj_val *drive = bj_add(bj_add(bj_sub(net_num(t, n, V_REST), v), bj_mul(ge, bj_sub(net_num(t, n, E_E), v))),
                           bj_add(bj_mul(gi, bj_sub(net_num(t, n, E_I), v)), net_num(t, n, I_BIAS)));
    bj_val *active = bj_le(ref, 0);
    bj_val *v_new = bj_where(active, bj_add(v, bj_mul(drive, net_num(t, n, DT / TAU_M))), v);
    bj_val *fired = bj_logical_and(active, bj_ge(v_new, net_num(t, n, V_TH)));
    bj_status s = bj_var_write(t, c->ge, ge);
    if (!s) s = bj_var_write(t, c->gi, gi);
    if (!s) s = bj_var_write(t, c->v, bj_where(fired, net_num(t, n, V_RESET), v_new));
    if (!s) s = bj_var_write(t, c->ref, bj_where(fired, (int)lround(T_REF / DT), bj_maximum(bj_sub(ref, 1), 0)));
    if (!s) s = bj_var_write(t, n->spike, fired);
    return s ? NULL : fired;
}

const net_model net_coba = {.name = "coba", .cls = "COBA", .dt_ms = DT, .setup = net_lif_setup, .init = init,
                            .step = step};
