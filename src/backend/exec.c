/* exec.c — the public compile-and-run API: choosing a backend, checking inputs against the graph, running. */
#include "backend/backend.h"
#include "core/array.h"

#include <string.h>

static const backend_vt *find_backend(const char *name) {
    if (!name || !strcmp(name, "interp")) return &backend_interp;
    return NULL;
}

bj_exec *bj_compile(bj_graph *g, const char *backend) {
    if (core_handle_check(g, CORE_H_GRAPH, "bj_compile")) return NULL;
    const backend_vt *vt = find_backend(backend);
    if (!vt) {
        if (!strcmp(backend, "cpu") || !strcmp(backend, "gpu"))
            core_err(BJ_ERR_UNSUPPORTED, "bj_compile: backend \"%s\" is not available in this build (use \"interp\")",
                     backend);
        else
            core_err(BJ_ERR_ARG, "bj_compile: unknown backend \"%s\" (known: \"interp\")", backend);
        return NULL;
    }
    bj_exec *e = calloc(1, sizeof *e);
    if (!e) return core_err(BJ_ERR_NOMEM, "bj_compile: out of memory"), NULL;
    e->refcount = 1, e->vt = vt, e->g = bj_graph_retain(g);
    e->plan = opt_plan_unfused(g);
    if (!e->plan || vt->compile(e) || !core_handle_add(e, CORE_H_EXEC)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        if (e->impl) vt->destroy(e);
        opt_plan_free(e->plan);
        bj_graph_release(e->g);
        free(e);
        core_err(core_last_status() ? core_last_status() : BJ_ERR_NOMEM, "%s", msg[0] ? msg : "bj_compile: out of memory");
        return NULL;
    }
    return e;
}

void bj_exec_release(bj_exec *e) {
    if (!e || core_handle_check(e, CORE_H_EXEC, "bj_exec_release")) return;
    if (--e->refcount) return;
    core_handle_remove(e);
    e->vt->destroy(e);
    opt_plan_free(e->plan);
    bj_graph_release(e->g);
    free(e);
}

bj_status bj_exec_run(bj_exec *e, bj_array *const *ins, int nin, bj_array **outs, int nout) {
    bj_status s = core_handle_check(e, CORE_H_EXEC, "bj_exec_run");
    if (s) return s;
    const ir_graph *g = e->g;
    if (nin != g->nin) return core_err(BJ_ERR_ARG, "bj_exec_run: %d inputs given, the graph takes %d", nin, g->nin);
    if (nout != g->nout)
        return core_err(BJ_ERR_ARG, "bj_exec_run: room for %d outputs, the graph makes %d", nout, g->nout);
    if ((nin && !ins) || (nout && !outs)) return core_err(BJ_ERR_ARG, "bj_exec_run: %s is NULL", !outs ? "outs" : "ins");
    for (int i = 0; i < nin; i++) {
        const ir_node *p = g->inputs[i];
        if (!bj_array_valid(ins[i]))
            return core_err(ins[i] ? BJ_ERR_HANDLE : BJ_ERR_ARG, "bj_exec_run: input %d (%s) is %s", i, p->name,
                            ins[i] ? "not a live array (freed, or a pointer to something else)" : "NULL");
        const bj_array *a = ins[i];
        if (a->dtype != p->dtype || a->rank != p->rank || memcmp(a->shape, p->shape, sizeof(int64_t) * a->rank)) {
            char x[96], y[96];
            return core_err(a->dtype != p->dtype ? BJ_ERR_DTYPE : BJ_ERR_SHAPE,
                            "bj_exec_run: input %d (%s) is %s, the graph expects %s", i, p->name,
                            core_fmt_type(x, sizeof x, a->dtype, a->rank, a->shape),
                            core_fmt_type(y, sizeof y, p->dtype, p->rank, p->shape));
        }
    }
    for (int i = 0; i < nout; i++) outs[i] = NULL;
    s = e->vt->run(e, ins, outs);
    if (s)
        for (int i = 0; i < nout; i++) bj_array_release(outs[i]), outs[i] = NULL;
    return s;
}

bj_status bj_graph_run(bj_graph *g, const char *backend, bj_array *const *ins, int nin, bj_array **outs, int nout) {
    bj_exec *e = bj_compile(g, backend);
    if (!e) return core_last_status();
    bj_status s = bj_exec_run(e, ins, nin, outs, nout);
    bj_exec_release(e);
    return s;
}
