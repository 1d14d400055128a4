/* test_deep.c — deep graphs (millions of chained nodes) and deeply nested regions never overflow the stack (issue 10, class 3). */
#include "test.h"

#include <stdlib.h>

/* A chain x + 1 + 1 ... (n adds) of int32 values: every node reads the one before. */
static bj_val *add_chain(bj_val *x, int n) {
    for (int i = 0; x && i < n; i++) x = bj_add(x, 1);
    return x;
}

static bool run_i32(bj_graph *g, const char *backend, int x, int want) {
    bj_array *in = test_scalar(BJ_I32, x), *out = NULL;
    bool ok = bj_graph_run(g, backend, &in, 1, &out, 1) == BJ_OK && out && bj_array_get(out, 0) == want;
    bj_array_release(in), bj_array_release(out);
    return ok;
}

/* Two million chained nodes: traced, finished (dead-node removal), printed and run on the interpreter. */
static void deep_chain_of_two_million(void) {
    const int n = 2000000;
    bj_trace *t = bj_trace_new("deep");
    bj_val *y = add_chain(bj_trace_arg(t, "x", BJ_I32, 0, NULL), n);
    CHECK(y != NULL);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g != NULL);
    if (!g) return;
    CHECK(bj_graph_num_nodes(g) >= n);
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(devnull && bj_graph_print(g, devnull) == BJ_OK);
    if (devnull) fclose(devnull);
    CHECK(run_i32(g, "interp", 5, n + 5));
    bj_graph_release(g);
}

/* The same walks on a jit trace (the entry's live inputs), through bj_jit_call on the interpreter. */
static bj_status fn_chain(bj_trace *t, void *ud) { return bj_return(t, add_chain(bj_param(t, 0), *(int *)ud)); }
static void deep_jit_trace(void) {
    int n = 300000;
    bj_jit *f = bj_jit_new(fn_chain, &n, &(bj_jit_opts){.name = "chain", .backend = "interp"});
    bj_array *x = test_scalar(BJ_I32, 2), *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
    CHECK(y && bj_array_get(y, 0) == n + 2);
    bj_array_release(x), bj_array_release(y);
    bj_jit_release(f);
}

/* A deep body called (not inlined) from another jit function: copied into the caller as a region (import). */
typedef struct nest_ctx {
    bj_jit *callee;
} nest_ctx;
static bj_status fn_call_chain(bj_trace *t, void *ud) {
    nest_ctx *c = ud;
    bj_val *r = NULL;
    bj_status s = bj_jit_call_traced(c->callee, t, BJ_ARGS(bj_arg_val(bj_param(t, 0))), &r, 1);
    return s ? s : bj_return(t, bj_mul(r, 2));
}
static void deep_imported_body(void) {
    int n = 300000;
    nest_ctx c = {bj_jit_new(fn_chain, &n, &(bj_jit_opts){.name = "body", .backend = "interp"})};
    bj_jit *f = bj_jit_new(fn_call_chain, &c, &(bj_jit_opts){.name = "outer", .backend = "interp"});
    bj_array *x = test_scalar(BJ_I32, 1), *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
    CHECK(y && bj_array_get(y, 0) == 2 * (n + 1));
    bj_array_release(x), bj_array_release(y);
    bj_jit_release(f), bj_jit_release(c.callee);
}

/* A long chain of views inside a called body, on the native backend: the rewrite copies the body (inlining the
 * call), the memory plan looks through the views, and the renderer folds them into one load; views cost no C, so
 * this compiles in an instant. Flips come in pairs, so the result is x. */
static bj_status fn_flips(bj_trace *t, void *ud) {
    bj_val *x = bj_param(t, 0);
    for (int i = 0; x && i < *(int *)ud; i++) x = bj_flip(x, 0, NULL);
    return bj_return(t, x);
}
static void deep_views_native(void) {
    int n = 100000;
    nest_ctx c = {bj_jit_new(fn_flips, &n, &(bj_jit_opts){.name = "flips"})};
    bj_jit *f = bj_jit_new(fn_call_chain, &c, &(bj_jit_opts){.name = "outer_flips", .backend = "cpu"});
    bj_array *x = test_arr(BJ_I32, 1, SH(4), V(1, 2, 3, 4)), *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
    CHECK(test_arr_eq(y, BJ_I32, 1, SH(4), V(2, 4, 6, 8), 0));
    bj_array_release(x), bj_array_release(y);
    bj_jit_release(f), bj_jit_release(c.callee);
}

/* bj_val_to_f64 on a long chain whose every step reads the one before twice: each node is evaluated once. */
static void deep_probe_shared_chain(void) {
    bj_trace *t = bj_trace_new("probe");
    bj_val *y = bj_lit_f64(t, 1.0, false);
    for (int i = 0; y && i < 200000; i++) y = bj_mul(bj_add(y, y), 0.5);
    double v = 0;
    CHECK(bj_val_to_f64(y, &v) == BJ_OK && v == 1.0);
    bj_trace_free(t);
}

/* Regions nested deeper than the limit are refused with an error naming it; up to it they trace, print and run
 * (the native backend's rewrite copies twenty nested loop bodies, more than its first allocation holds). */
typedef struct nest_loops {
    int depth;
} nest_loops;
static bj_status fn_nested_loops(bj_trace *t, void *ud) {
    int d = ((nest_loops *)ud)->depth;
    bj_val *x = bj_param(t, 0);
    for (int i = 0; i < d; i++) {
        bj_status s = bj_loop_begin(t, 1, 1, &x, 1, NULL, 0);
        if (s) return s;
        x = bj_loop_carry(t, 0);
    }
    x = bj_add(x, 1);
    for (int i = 0; i < d; i++) {
        bj_val *out = NULL;
        bj_status s = bj_loop_end(t, &x, 1, NULL, 0, &out, NULL);
        if (s) return s;
        x = out;
    }
    return bj_return(t, x);
}
static void deep_region_nesting(void) {
    nest_loops c = {250};
    bj_jit *f = bj_jit_new(fn_nested_loops, &c, &(bj_jit_opts){.name = "nest", .backend = "interp"});
    bj_array *x = test_scalar(BJ_I32, 3), *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
    CHECK(y && bj_array_get(y, 0) == 4);
    bj_array_release(y), y = NULL;
    char *src = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x)));
    CHECK(src && strstr(src, "yield"));
    bj_free(src);
    bj_jit_release(f);
    c.depth = 20;
    f = bj_jit_new(fn_nested_loops, &c, &(bj_jit_opts){.name = "nest_cpu", .backend = "cpu"});
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
    CHECK(y && bj_array_get(y, 0) == 4);
    bj_array_release(y), y = NULL;
    bj_jit_release(f);
    c.depth = 100000;
    f = bj_jit_new(fn_nested_loops, &c, &(bj_jit_opts){.name = "nest_deep", .backend = "interp"});
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_ERR_UNSUPPORTED);
    CHECK_ERR_HAS("regions nested deeper than 256");
    CHECK(y == NULL);
    bj_jit_release(f);
    bj_array_release(x);
}

/* Object trees: a chain of 200,000 objects (a Variable at the bottom) is walked, refused as its own child, and
 * released; a lattice where each level holds the one below twice is walked once per object. */
static void deep_object_trees(void) {
    const int n = 200000;
    bj_object *root = bj_object_new("Node", "root"), *leaf = root;
    for (int i = 0; i < n && leaf; i++) {
        bj_object *c = bj_object_new("Node", NULL);
        CHECK(bj_object_add_child(leaf, "next", c) == BJ_OK);
        bj_object_release(c); /* the parent holds it */
        leaf = c;
    }
    bj_array *one = test_scalar(BJ_F32, 1);
    bj_var *v = bj_var_new("v", one, -1);
    CHECK(bj_object_add_var(leaf, "v", v) == BJ_OK);
    CHECK(bj_object_num_vars(root) == 1);
    char path[64];
    CHECK(bj_object_var_at(root, 0, path, sizeof path) == v);
    CHECK(bj_object_add_child(leaf, "loop", root) == BJ_ERR_ARG);
    CHECK_ERR_HAS("would make a cycle");
    bj_object_release(root);
    bj_var_release(v);

    bj_object *lat = bj_object_new("L", NULL);
    bj_var *w = bj_var_new("w", one, -1);
    CHECK(bj_object_add_var(lat, "w", w) == BJ_OK);
    for (int i = 0; i < 64; i++) {
        bj_object *up = bj_object_new("L", NULL);
        CHECK(bj_object_add_child(up, "a", lat) == BJ_OK && bj_object_add_child(up, "b", lat) == BJ_OK);
        bj_object_release(lat);
        lat = up;
    }
    CHECK(bj_object_num_vars(lat) == 1);
    CHECK(bj_object_add_child(lat, "self", lat) == BJ_ERR_ARG);
    bj_object_release(lat);
    bj_var_release(w);
    bj_array_release(one);
}

void tests_deep(void) {
    RUN(deep_chain_of_two_million);
    RUN(deep_jit_trace);
    RUN(deep_imported_body);
    RUN(deep_views_native);
    RUN(deep_probe_shared_chain);
    RUN(deep_region_nesting);
    RUN(deep_object_trees);
}
