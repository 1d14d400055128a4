/* test_foreign.c — the calls a foreign front end (the Python extension) drives: arrays over caller memory
 * (bj_array_wrap) and jit calls that learn their outputs and a caller's tag from the signature. */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

static int released[4];
static void count_release(void *ctx) { released[(intptr_t)ctx]++; }

/* A wrapped buffer is read in place, its release runs exactly once at the last reference, bad input is refused. */
static void wrap_reads_in_place_and_releases_once(void) {
    memset(released, 0, sizeof released);
    float buf[4] = {1, 2, 3, 4};
    bj_array *a = bj_array_wrap(BJ_F32, 1, SH(4), buf, count_release, (void *)(intptr_t)0);
    CHECK(a && bj_array_data(a) == buf && bj_array_size(a) == 4 && bj_array_strides(a)[0] == 4);
    CHECK(bj_array_retain(a) == a);
    bj_array_release(a);
    CHECK(released[0] == 0);
    bj_trace *t = bj_trace_new("sq");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(4));
    bj_val *y = bj_mul(x, x);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    for (int bi = 0; bi < 2; bi++) {
        bj_array *out = NULL;
        CHECK(bj_graph_run(g, bi ? "cpu" : "interp", &a, 1, &out, 1) == BJ_OK);
        CHECK(test_arr_eq(out, BJ_F32, 1, SH(4), V(1, 4, 9, 16), 0));
        bj_array_release(out);
    }
    buf[0] = 5; /* the caller's memory is the array's */
    CHECK(bj_array_get(a, 0) == 5);
    bj_array_release(a);
    CHECK(released[0] == 1);
    bj_graph_release(g);
    /* refused: NULL data, misaligned data, bad dtype, negative shape; release is not called */
    char raw[16] = {0};
    CHECK(!bj_array_wrap(BJ_F32, 1, SH(2), NULL, count_release, (void *)(intptr_t)1));
    CHECK_ERR_HAS("data is NULL");
    CHECK(!bj_array_wrap(BJ_F32, 1, SH(2), raw + 1, count_release, (void *)(intptr_t)1));
    CHECK_ERR_HAS("not aligned");
    CHECK(!bj_array_wrap((bj_dtype)42, 1, SH(2), raw, count_release, (void *)(intptr_t)1));
    CHECK(!bj_array_wrap(BJ_F32, 1, SH(-2), raw, count_release, (void *)(intptr_t)1));
    CHECK(released[1] == 0);
    bj_array *z = bj_array_wrap(BJ_I32, 0, NULL, raw, NULL, NULL); /* no release: the caller frees */
    CHECK(z && bj_array_get(z, 0) == 0);
    bj_array_release(z);
}

static bj_status fn_double(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_mul(bj_param(t, 0), 2.0));
}

/* Donating a wrapped array moves its buffer and its release to the output. */
static void wrap_donated_moves_release(void) {
    memset(released, 0, sizeof released);
    float *buf = malloc(4 * sizeof *buf);
    for (int i = 0; i < 4; i++) buf[i] = (float)i;
    bj_array *a = bj_array_wrap(BJ_F32, 1, SH(4), buf, free, buf);
    bj_jit *f = bj_jit_new(fn_double, NULL, &(bj_jit_opts){.donate_argnums = "0", .backend = "interp"});
    bj_array *out = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(a)), &out, 1) == BJ_OK);
    CHECK(out && bj_array_data(out) == buf && test_arr_eq(out, BJ_F32, 1, SH(4), V(0, 2, 4, 6), 0));
    CHECK(!bj_array_valid(a));
    bj_array_release(a);  /* the donor: frees nothing */
    bj_array_release(out); /* the output frees buf (ASan would report a double free or a leak) */
    bj_jit_release(f);
}

static void free_tag_count(void *tag) { released[(intptr_t)tag]++; }

/* The tagged call: a miss is *nout = -1; after a trace with a tag, calls return the outputs and the tag; the tag
 * is freed when its signature goes (retrace, clear, failed trace, release). */
static void call_tagged_misses_traces_and_frees_tags(void) {
    memset(released, 0, sizeof released);
    bj_jit *f = bj_jit_new(NULL, NULL, &(bj_jit_opts){.name = "two", .backend = "interp"});
    bj_array *x = test_arr(BJ_F32, 1, SH(3), V(1, 2, 3));
    bj_arg args[1] = {bj_arg_array(x)};
    bj_array *outs[4] = {0};
    int nout = 7;
    void *tag = (void *)1;
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 4, &nout, &tag) == BJ_ERR_TRACE && nout == -1 && !tag);
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 4, NULL, &tag) == BJ_ERR_ARG);
    CHECK(bj_jit_call_tagged(f, args, 1, NULL, 4, &nout, &tag) == BJ_ERR_ARG && nout == 0);
    bj_trace *t = bj_jit_trace_begin(f, args, 1);
    CHECK(bj_jit_trace_set_tag(t, (void *)(intptr_t)1, free_tag_count) == BJ_OK);
    CHECK(bj_jit_trace_set_tag(t, (void *)(intptr_t)2, free_tag_count) == BJ_OK); /* replaces: 1 freed */
    CHECK(released[1] == 1);
    bj_val *x0 = bj_param(t, 0);
    CHECK(bj_return_n(t, (bj_val *[]){bj_add(x0, 1.0), bj_mul(x0, 3.0)}, 2) == BJ_OK);
    CHECK(bj_jit_trace_end(t) == BJ_OK);
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 4, &nout, &tag) == BJ_OK && nout == 2 && tag == (void *)(intptr_t)2);
    CHECK(test_arr_eq(outs[0], BJ_F32, 1, SH(3), V(2, 3, 4), 0) && test_arr_eq(outs[1], BJ_F32, 1, SH(3), V(3, 6, 9), 0));
    CHECK(!outs[2]);
    test_release_all(2, outs);
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 1, &nout, &tag) == BJ_ERR_ARG && nout == 2);
    CHECK_ERR_HAS("returns 2 outputs, room for 1");
    CHECK(!outs[0]);
    /* the same signature traced again: the old entry and its tag go */
    t = bj_jit_trace_begin(f, args, 1);
    CHECK(bj_jit_trace_set_tag(t, (void *)(intptr_t)3, free_tag_count) == BJ_OK);
    CHECK(bj_return(t, bj_neg(bj_param(t, 0))) == BJ_OK && bj_jit_trace_end(t) == BJ_OK);
    CHECK(released[2] == 1 && released[3] == 0);
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 4, &nout, &tag) == BJ_OK && nout == 1 && tag == (void *)(intptr_t)3);
    bj_array_release(outs[0]);
    CHECK(bj_jit_clear_cache(f) == BJ_OK && released[3] == 1);
    /* a failed trace frees its tag at once and caches nothing */
    t = bj_jit_trace_begin(f, args, 1);
    CHECK(bj_jit_trace_set_tag(t, (void *)(intptr_t)0, free_tag_count) == BJ_OK);
    CHECK(!bj_add(bj_param(t, 0), bj_zeros(t, BJ_F32, 1, SH(5))));
    CHECK(bj_jit_trace_end(t) != BJ_OK && released[0] == 1);
    CHECK(bj_jit_call_tagged(f, args, 1, outs, 4, &nout, &tag) == BJ_ERR_TRACE && nout == -1);
    /* a plain trace refuses a tag */
    bj_trace *p = bj_trace_new("plain");
    CHECK(bj_jit_trace_set_tag(p, NULL, NULL) == BJ_ERR_TRACE);
    bj_trace_free(p);
    /* release frees the tags still cached */
    t = bj_jit_trace_begin(f, args, 1);
    CHECK(bj_jit_trace_set_tag(t, (void *)(intptr_t)1, free_tag_count) == BJ_OK);
    CHECK(bj_return(t, bj_param(t, 0)) == BJ_OK && bj_jit_trace_end(t) == BJ_OK);
    bj_jit_release(f);
    CHECK(released[1] == 2);
    /* a handle with a function also serves tagged calls (its tag is NULL) */
    bj_jit *g = bj_jit_new(fn_double, NULL, &(bj_jit_opts){.backend = "interp"});
    CHECK(bj_jit_call_tagged(g, args, 1, outs, 4, &nout, &tag) == BJ_OK && nout == 1 && !tag);
    CHECK(test_arr_eq(outs[0], BJ_F32, 1, SH(3), V(2, 4, 6), 0));
    bj_array_release(outs[0]);
    bj_jit_release(g);
    bj_array_release(x);
}

static bj_status fn_mode(bj_trace *t, void *ud) {
    (void)ud;
    const char *m = bj_param_str(t, 1);
    return bj_return(t, m && m[0] == 'a' ? bj_add(bj_param(t, 0), 1.0) : bj_sub(bj_param(t, 0), 1.0));
}

/* A static string argument is the caller's: freed after its call, the cached signature must not read it when a
 * later call misses and explains why (ASan reported a use after free here). */
static void static_string_outlives_the_caller(void) {
    bj_jit *f = bj_jit_new(fn_mode, NULL, &(bj_jit_opts){.static_argnums = "1", .backend = "interp"});
    bj_array *x = test_arr(BJ_F32, 1, SH(2), V(1, 2)), *out = NULL;
    char *m = strdup("add");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_str(m)), &out, 1) == BJ_OK);
    CHECK(test_arr_eq(out, BJ_F32, 1, SH(2), V(2, 3), 0));
    bj_array_release(out);
    memset(m, 'z', 3);
    free(m);
    m = strdup("sub");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_str(m)), &out, 1) == BJ_OK);
    CHECK(test_arr_eq(out, BJ_F32, 1, SH(2), V(0, 1), 0));
    char why[256];
    CHECK(bj_jit_last_miss(f, why, sizeof why) == BJ_OK && strstr(why, "\"add\""));
    bj_array_release(out);
    free(m);
    bj_array_release(x);
    bj_jit_release(f);
}

void tests_foreign(void) {
    RUN(wrap_reads_in_place_and_releases_once);
    RUN(wrap_donated_moves_release);
    RUN(call_tagged_misses_traces_and_frees_tags);
    RUN(static_string_outlives_the_caller);
}
