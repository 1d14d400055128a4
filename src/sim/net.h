/* net.h — the interface between the network runner (net.c) and the models (coba.c, ...): a model makes its
 * Variables and connectivity, initialises them in a jit function, and traces one step inside the runner's loop.
 * Built on the public API only. */
#ifndef BJ_SIM_NET_H
#define BJ_SIM_NET_H

#define BJ_BUILDING 1 /* the public functions of src/sim are exported from the shared library */
#include <brainjit.h>

#define NET_MAX_CONN 4

typedef struct net net;

typedef struct net_model {
    const char *name;  /* "coba" */
    const char *cls;   /* object class: "COBA" */
    double dt_ms;
    /* Variables (added to n->obj), connectivity (n->conn), and anything else before the first call */
    bj_status (*setup)(net *n);
    bj_jit_fn init;    /* a jit method: initial values (random ones from n->rng) */
    /* one step inside the runner's loop: reads and writes the Variables, returns this step's spikes bool[N] */
    bj_val *(*step)(bj_trace *t, net *n);
} net_model;

struct net {
    const net_model *model;
    bj_net_opts o;
    int64_t n, ne;     /* neurons, of which excitatory (the first ne) */
    double p;          /* connection probability */
    bj_dtype ft;       /* float32 or float64 */
    bj_object *obj;
    bj_var *rng;
    bj_var *spike;     /* bool[N]: the last step's spikes (made by the runner) */
    int nconn;         /* stored connectivity: CSR pairs, arguments of the run function */
    bj_array *conn[2 * NET_MAX_CONN];
    bj_val *tconn[2 * NET_MAX_CONN]; /* the same inside the trace being built */
    void *state;       /* the model's own */
    int64_t kev;       /* with record: events a step can hold (bj_nonzero's size); grows when a step has more */
};

/* A float32/float64 Variable of N zeros (or dtype d), added to the network's object. */
bj_var *net_var(net *n, const char *name, bj_dtype d);
/* A literal in the model's float type. */
static inline bj_val *net_num(bj_trace *t, const net *n, double x) { return bj_lit(t, n->ft, x); }
/* Input to every neuron from the spikes of presynaptic population `pop` (rows pre..) with weight w: stored CSR
 * pair `pop` (event_csrmv) or generated in the kernel (procedural). */
bj_val *net_input(bj_trace *t, const net *n, int pop, bj_val *spikes, double w);

/* BrainPy's bm.exprel, operation for operation: 1 + x/2 + x^2/6 where |x| <= 1e-5 (1e-8 in float64), else
 * (exp(x) - 1) / x. */
bj_val *net_exprel(bj_trace *t, const net *n, bj_val *x);
/* One step of BrainPy's exp_auto for dx/dt = f(x): x + dt exprel(dt f'(x)) f(x), f'(x) the forward-mode derivative
 * (bj_jvp) along ones, exactly as bp.odeint(method='exp_auto') traces it. NULL on failure (the trace has the error). */
typedef bj_val *(*net_rhs)(bj_trace *t, const net *n, bj_val *x, const void *ctx);
bj_val *net_exp_auto(bj_trace *t, const net *n, bj_val *x, net_rhs f, const void *ctx);
/* Builds the stored connectivity of population pop (n_pre neurons -> all N), probability n->p. */
bj_status net_connect(net *n, int pop, int64_t n_pre);

/* The state of BrainPy's LifRef neurons (coba.c, cuba.c): V, the two populations' synaptic variables (E -> all,
 * I -> all, both connected), the last spike times and the step count (t = step dt). n->state points to it (freed by
 * the runner); t_last_spike starts at -1e7 ms, as BrainPy's. */
typedef struct net_lifref {
    bj_var *v, *ge, *gi, *t_last, *step;
} net_lifref;
bj_status net_lifref_setup(net *n);
/* One step of BrainPy's LifRef with two Expon synapses (exp_auto), whose outputs give the current from the
 * conductances (or currents) and the step's starting V; returns the spikes. */
typedef struct net_lifref_pars {
    double v_rest, v_th, v_reset, tau, tau_ref, tau_e, tau_i, w_e, w_i;
    bj_val *(*current)(bj_trace *t, const net *n, bj_val *ge, bj_val *gi, bj_val *v);
} net_lifref_pars;
bj_val *net_lifref_step(bj_trace *t, net *n, const net_lifref_pars *p);

extern const net_model net_coba, net_cuba, net_coba_hh;
#endif
