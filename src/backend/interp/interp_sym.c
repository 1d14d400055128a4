/* interp_sym.c — the interpreter with abstracted axes: the graph replayed at each run's sizes, kept for reuse.
 *
 * The interpreter evaluates nodes at the shapes they carry, so an executable with symbolic axes keeps the
 * inline-only copy of the graph with its symbol table (opt/symbolic.c) and, for the symbol values of a run,
 * replays that copy at the concrete extents (every extent is static or exactly one symbol) and compiles the replay
 * as a plain interpreter program. The last few sizes stay compiled (a simulation runs one size many times); a
 * program in use is never evicted, and when every slot is busy a run uses a program of its own. */
#include "backend/interp/interp.h"

#include <pthread.h>

#define SYM_SLOTS 4

typedef struct sym_slot {
    bj_exec *inner; /* a plain interpreter executable of the replayed graph, or NULL */
    int64_t vals[OPT_SYM_MAX];
    int users;
    uint64_t used; /* tick of the last use */
} sym_slot;

typedef struct sym_interp {
    pthread_mutex_t lock;
    sym_slot slot[SYM_SLOTS];
    uint64_t tick;
} sym_interp;

static void inner_free(bj_exec *in) {
    if (!in) return;
    if (in->impl) backend_interp.destroy(in);
    opt_plan_free(in->plan);
    opt_graph_free(in->g);
    free(in);
}

/* A plain interpreter executable of e's graph at symbol values vals. */
static bj_exec *inner_new(const bj_exec *e, const int64_t *vals) {
    const opt_syms *s = e->sym;
    bj_exec *in = calloc(1, sizeof *in);
    if (!in) return core_err(BJ_ERR_NOMEM, "bj_exec_run(interp): out of memory"), NULL;
    atomic_init(&in->refcount, 1), in->vt = &backend_interp; /* never registered: freed by inner_free */
    if (!(in->g = opt_sym_replay(s->g, s->node, vals)) || backend_interp.compile(in)) {
        inner_free(in);
        return NULL;
    }
    return in;
}

bj_status interp_sym_compile(bj_exec *e) {
    if (!e->plan && !(e->plan = opt_plan_unfused(e->sym->g))) return core_last_status();
    e->nkernels = e->plan->nkernels;
    sym_interp *x = calloc(1, sizeof *x);
    if (!x) return core_err(BJ_ERR_NOMEM, "bj_compile(interp): out of memory");
    pthread_mutex_init(&x->lock, NULL);
    e->impl = x;
    return BJ_OK;
}

void interp_sym_destroy(bj_exec *e) {
    sym_interp *x = e->impl;
    if (!x) return;
    for (int i = 0; i < SYM_SLOTS; i++) inner_free(x->slot[i].inner);
    pthread_mutex_destroy(&x->lock);
    free(x);
    e->impl = NULL;
}

bj_status interp_sym_run(bj_exec *e, bj_array *const *ins, bj_array **outs) {
    sym_interp *x = e->impl;
    int64_t vals[OPT_SYM_MAX];
    size_t vb = sizeof vals[0] * (size_t)e->sym->nsym;
    opt_sym_values(e->sym, ins, vals);
    sym_slot *use = NULL;
    pthread_mutex_lock(&x->lock);
    for (int i = 0; i < SYM_SLOTS && !use; i++)
        if (x->slot[i].inner && !memcmp(x->slot[i].vals, vals, vb)) use = &x->slot[i];
    if (use) use->users++, use->used = ++x->tick;
    pthread_mutex_unlock(&x->lock);
    bj_exec *own = NULL, *in = use ? use->inner : NULL;
    if (!in) { /* replay and compile outside the lock, then keep it in a free slot if there is one */
        if (!(own = in = inner_new(e, vals))) return core_last_status() ? core_last_status() : BJ_ERR_NOMEM;
        pthread_mutex_lock(&x->lock);
        for (int i = 0; i < SYM_SLOTS; i++) { /* an empty slot, else the least recently used idle one */
            sym_slot *q = &x->slot[i];
            if (q->users) continue;
            if (!use || (use->inner && (!q->inner || q->used < use->used))) use = q;
        }
        if (use) {
            bj_exec *old = use->inner;
            use->inner = in, use->users = 1, use->used = ++x->tick, own = NULL;
            memcpy(use->vals, vals, vb);
            pthread_mutex_unlock(&x->lock);
            inner_free(old);
        } else {
            pthread_mutex_unlock(&x->lock);
        }
    }
    bj_status s = backend_interp.run(in, ins, outs);
    if (use) {
        pthread_mutex_lock(&x->lock);
        use->users--;
        pthread_mutex_unlock(&x->lock);
    }
    inner_free(own);
    return s;
}
