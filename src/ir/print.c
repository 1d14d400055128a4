/* print.c — the text form of a graph, one node a line, used by tests (golden output) and by users:
 *
 *   func selu(%0: f32[4] x) {
 *     %1: f32[] ~ = lit 0
 *     %2: bool[4] = gt %0, %1
 *     ...
 *     return %9
 *   }
 *
 * `~` marks a weakly typed value. Values are numbered densely in printing order (not by internal id), so a listing
 * does not change when dead or re-made nodes come and go. Region bodies print nested under their first call or loop
 * (`for %1, %2 n=100 every=1 result=0 @region0 { ^(%3: i32[], %4: f32[8]): ... yield ... }`); later nodes of the
 * same loop name the region only. A while loop prints `cond @region0 { ... } do @region1 { ... }`, a cond
 * `then @region0 { ... } else @region1 { ... }`. */
#include "ir/ir.h"
#include "ir/build_sparse.h"
#include "ir/build_random.h"

#include <math.h>
#include <string.h>

typedef struct {
    core_str *b;
    ir_node **byid;
    int nid;
    const ir_region **seen;
    int nseen;
    int *num; /* display number by node id, -1 until printed */
    int next;
} printer;

static int num(printer *p, const ir_node *n) {
    if (p->num[n->id] < 0) p->num[n->id] = p->next++;
    return p->num[n->id];
}

void ir_print_node_type(core_str *b, const ir_node *n) {
    char buf[200];
    core_str_printf(b, "%s%s", core_fmt_type(buf, sizeof buf, n->dtype, n->rank, n->shape), n->weak ? " ~" : "");
}

static void print_scalar(core_str *b, bj_dtype d, double f, int64_t i) {
    if (d == BJ_F32 || d == BJ_F64) {
        if (isnan(f)) core_str_printf(b, "nan");
        else if (isinf(f)) core_str_printf(b, f > 0 ? "inf" : "-inf");
        else {
            char buf[40];
            core_fmt_shortest(buf, sizeof buf, f, d == BJ_F32);
            core_str_printf(b, "%s", buf);
        }
    } else if (d == BJ_BOOL) {
        core_str_printf(b, i ? "true" : "false");
    } else {
        core_str_printf(b, "%lld", (long long)i);
    }
}

static void print_list(core_str *b, const char *label, const int64_t *v, int n) {
    core_str_printf(b, " %s=[", label);
    for (int i = 0; i < n; i++) core_str_printf(b, i ? ",%lld" : "%lld", (long long)v[i]);
    core_str_printf(b, "]");
}

static void print_attrs(core_str *b, const ir_node *n) {
    switch ((ir_op)n->op) {
    case IR_LIT: core_str_printf(b, " "); print_scalar(b, n->dtype, n->fval, n->ival); return;
    case IR_FULL: core_str_printf(b, " "); print_scalar(b, BJ_F64, n->fval, 0); return;
    case IR_CONST: core_str_printf(b, " <%zu bytes>", n->nbytes); return;
    case IR_TRANSPOSE: print_list(b, "perm", n->attr, n->nattr); return;
    case IR_FLIP: print_list(b, "axes", n->attr, n->nattr); return;
    case IR_SLICE: {
        int64_t st[BJ_MAX_RANK], sp[BJ_MAX_RANK];
        for (int i = 0; i < n->nattr / 2; i++) st[i] = n->attr[2 * i], sp[i] = n->attr[2 * i + 1];
        print_list(b, "start", st, n->nattr / 2);
        print_list(b, "step", sp, n->nattr / 2);
        return;
    }
    case IR_ARGMAX: case IR_ARGMIN:
        core_str_printf(b, " axis=%lld%s", (long long)n->attr[1], n->attr[0] ? " keepdims" : "");
        return;
    case IR_FOR:
        if (n->nattr == 3)
            core_str_printf(b, " n=%lld every=%lld result=%lld", (long long)n->attr[IR_FOR_N],
                            (long long)n->attr[IR_FOR_EVERY], (long long)n->attr[IR_FOR_WHICH]);
        return;
    case IR_JITCONN_MV: case IR_JITCONN_EVENT_MV: case IR_JITCONN_MV_UNIFORM: case IR_JITCONN_MV_NORMAL:
    case IR_JITCONN_EVENT_MV_UNIFORM: case IR_JITCONN_EVENT_MV_NORMAL: {
        uint64_t seed;
        double p;
        bool self;
        char pv[40];
        if (!ir_jitconn_attrs(n, &seed, &p, &self)) return;
        core_fmt_shortest(pv, sizeof pv, p, false);
        core_str_printf(b, " p=%s seed=%llu%s", pv, (unsigned long long)seed, self ? "" : " no_self");
        return;
    }
    case IR_RANDOM:
        if (n->nattr == 1) core_str_printf(b, " dist=%s", ir_rand_dist_name((int)n->attr[0]));
        return;
    default: break;
    }
    if (ir_ops[n->op].kind == IR_K_REDUCE) {
        print_list(b, "axes", n->attr + 1, n->nattr - 1);
        if (n->attr[0]) core_str_printf(b, " keepdims");
    } else if (n->nattr == 1 && n->op != IR_ARG) {
        core_str_printf(b, " %s=%lld", ir_ops[n->op].kind == IR_K_CALL ? "result" : "axis", (long long)n->attr[0]);
    }
}

static void print_region(printer *p, const ir_region *r, int depth);

static void print_node(printer *p, const ir_node *n, int depth) {
    core_str *b = p->b;
    int self = num(p, n);
    core_str_printf(b, "%*s%%%d: ", depth * 2, "", self);
    ir_print_node_type(b, n);
    core_str_printf(b, " = %s", ir_ops[n->op].name);
    for (int i = 0; i < n->nin; i++) core_str_printf(b, "%s%%%d", i ? ", " : " ", num(p, n->in[i]));
    print_attrs(b, n);
    /* WHILE: the condition, then the body; COND: the true branch, then the false one (labelled) */
    const ir_region *rs[2] = {n->op == IR_WHILE ? n->body2 : n->body, n->op == IR_WHILE ? n->body : n->body2};
    const char *label[2] = {n->op == IR_WHILE ? " cond" : n->op == IR_COND ? " then" : "",
                            n->op == IR_WHILE ? " do" : " else"};
    bool open = false; /* the last region printed its listing: the line ends with "}" */
    for (int j = 0; j < 2 && rs[j]; j++) {
        int k = 0;
        while (k < p->nseen && p->seen[k] != rs[j]) k++;
        if (open) core_str_printf(b, "%*s}", depth * 2, "");
        if (k < p->nseen) {
            core_str_printf(b, "%s @region%d", label[j], k);
            open = false;
        } else {
            p->seen[p->nseen++] = rs[j];
            core_str_printf(b, "%s @region%d {\n", label[j], k);
            print_region(p, rs[j], depth + 1);
            open = true;
        }
    }
    if (open) core_str_printf(b, "%*s}\n", depth * 2, "");
    else core_str_printf(b, "\n");
}

static void print_region(printer *p, const ir_region *r, int depth) {
    core_str *b = p->b;
    core_str_printf(b, "%*s^(", depth * 2, "");
    for (int i = 0; i < r->nparams; i++) {
        core_str_printf(b, "%s%%%d: ", i ? ", " : "", num(p, r->params[i]));
        ir_print_node_type(b, r->params[i]);
    }
    core_str_printf(b, "):\n");
    for (int id = 0; id < p->nid; id++) {
        const ir_node *n = p->byid[id];
        if (n && n->region == r && n->op != IR_ARG) print_node(p, n, depth + 1);
    }
    core_str_printf(b, "%*syield", (depth + 1) * 2, "");
    for (int i = 0; i < r->nresults; i++) core_str_printf(b, "%s%%%d", i ? ", " : " ", num(p, r->results[i]));
    core_str_printf(b, "\n");
}

void ir_print_graph(core_str *b, const ir_graph *g) {
    const ir_trace *t = g->tr;
    printer p = {b, calloc((size_t)t->next_id + 1, sizeof(ir_node *)), t->next_id,
                 (const ir_region **)calloc(2 * (size_t)t->next_id + 2, sizeof(ir_region *)), 0, malloc(sizeof(int) * ((size_t)t->next_id + 1)), 0};
    if (!p.byid || !p.seen || !p.num) {
        b->oom = true;
        free(p.byid);
        free(p.seen);
        free(p.num);
        return;
    }
    for (int i = 0; i <= t->next_id; i++) p.num[i] = -1;
    for (size_t i = 0; i < t->tcap; i++)
        for (ir_node *n = t->table[i]; n; n = n->hnext) p.byid[n->id] = n;
    core_str_printf(b, "func %s(", t->name);
    for (int i = 0; i < g->nin; i++) {
        core_str_printf(b, "%s%%%d: ", i ? ", " : "", num(&p, g->inputs[i]));
        ir_print_node_type(b, g->inputs[i]);
        core_str_printf(b, " %s", g->inputs[i]->name);
    }
    core_str_printf(b, ") {\n");
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i]->op != IR_ARG) print_node(&p, g->nodes[i], 1);
    core_str_printf(b, "  return");
    for (int i = 0; i < g->nout; i++) core_str_printf(b, "%s%%%d", i ? ", " : " ", num(&p, g->outputs[i]));
    core_str_printf(b, "\n}\n");
    free(p.byid);
    free(p.seen);
    free(p.num);
}
