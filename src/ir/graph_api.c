/* graph_api.c — the public face of a finished graph: reference counting, counts and the text listing. */
#include "ir/ir.h"

#include <string.h>

/* Graphs are shared by threads (executables and jit entries retain them): counted as every handle is. */
bj_graph *bj_graph_retain(bj_graph *g) {
    return core_ref_retain(g, g ? &g->refcount : NULL, CORE_H_GRAPH, "bj_graph_retain") ? g : NULL;
}

void bj_graph_release(bj_graph *g) {
    if (!core_ref_release(g, g ? &g->refcount : NULL, CORE_H_GRAPH, "bj_graph_release")) return;
    ir_trace_destroy(g->tr);
    free(g);
}

int bj_graph_num_inputs(const bj_graph *g) { return core_handle_check(g, CORE_H_GRAPH, "bj_graph_num_inputs") ? -1 : g->nin; }
int bj_graph_num_outputs(const bj_graph *g) { return core_handle_check(g, CORE_H_GRAPH, "bj_graph_num_outputs") ? -1 : g->nout; }
int bj_graph_num_nodes(const bj_graph *g) { return core_handle_check(g, CORE_H_GRAPH, "bj_graph_num_nodes") ? -1 : g->nnodes; }

char *bj_graph_to_string(const bj_graph *g) {
    if (core_handle_check(g, CORE_H_GRAPH, "bj_graph_to_string")) return NULL;
    core_str b = {0};
    ir_print_graph(&b, g);
    if (b.oom) {
        core_str_free(&b);
        core_err(BJ_ERR_NOMEM, "bj_graph_to_string: out of memory");
        return NULL;
    }
    return b.s;
}

bj_status bj_graph_print(const bj_graph *g, FILE *f) {
    bj_status st = core_handle_check(g, CORE_H_GRAPH, "bj_graph_print");
    if (st) return st;
    if (!f) return core_err(BJ_ERR_ARG, "bj_graph_print: file is NULL");
    char *s = bj_graph_to_string(g);
    if (!s) return BJ_ERR_NOMEM;
    bool ok = fputs(s, f) >= 0;
    free(s);
    return ok ? BJ_OK : core_err(BJ_ERR_IO, "bj_graph_print: write failed");
}
