/* test_stale.c — values of freed traces and graphs are reported, never dereferenced; probing a dynamic value leaves the trace usable (issue 10, classes 1 and 8). */
#include "test.h"

#include <pthread.h>
#include <stdlib.h>

#define FREED "belongs to a freed trace"

/* How a check went: v refused with want in the message. */
static bool refused(bool failed, const char *op, const char *want) {
    if (failed && strstr(bj_last_error(), want)) return true;
    printf("    (%s) %s; error '%s' lacks '%s'\n", op, failed ? "failed" : "did not fail", bj_last_error(), want);
    return false;
}
#define REFUSED(call, want) CHECK(refused((call), #call, want))

/* A fresh trace with an f32[4] argument, for the calls that need a live trace next to the bad value. */
static bj_trace *fresh4(bj_val **x) {
    bj_trace *t = bj_trace_new("fresh");
    *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(4));
    return t;
}

/* Every kind of public entry taking a value refuses v (a value of a trace whose storage is gone) with want in the
 * message, and nothing reads v: the queries, the op families (unary, binary with C scalars, ternary, shapes,
 * lists, indexing, reductions, scans, linear algebra, sparse, random), bj_op and bj_trace_finish. */
static void refuse_everywhere(bj_val *v, const char *want) {
    bj_clear_error();
    REFUSED(bj_val_dtype(v) == BJ_NDTYPES, want);
    REFUSED(bj_val_rank(v) == -1, want);
    REFUSED(bj_val_shape(v) == NULL, want);
    REFUSED(!bj_val_weak(v), want);
    REFUSED(bj_val_trace(v) == NULL, want);
    double d;
    REFUSED(bj_val_to_f64(v, &d) == BJ_ERR_HANDLE, want);
    REFUSED(!bj_neg(v), want);
    REFUSED(!bj_exp(v), want);
    REFUSED(!bj_astype(v, BJ_F64), want);
    REFUSED(!bj_add(v, 1.0), want);
    REFUSED(!bj_mul(2, v), want);
    REFUSED(!bj_where(v, 1.0, 2.0), want);
    REFUSED(!bj_clip(v, 0.0, 1.0), want);
    REFUSED(!bj_reshape(v, 1, SH(-1)), want);
    REFUSED(!bj_transpose(v, NULL), want);
    REFUSED(!bj_expand_dims(v, 0), want);
    REFUSED(!bj_slice(v, NULL, NULL, NULL), want);
    REFUSED(!bj_concatenate(&v, 1, 0), want);
    REFUSED(!bj_stack(&v, 1, 0), want);
    REFUSED(!bj_tile(v, 1, SH(2)), want);
    REFUSED(!bj_take(v, v, 0), want);
    REFUSED(!bj_scatter_add(v, v, v, 0), want);
    REFUSED(!bj_dynamic_slice(v, &v, SH(1)), want);
    REFUSED(!bj_sum(v, 0, NULL, false), want);
    REFUSED(!bj_argmax(v, 0, false), want);
    REFUSED(!bj_cumsum(v, 0), want);
    REFUSED(!bj_matmul(v, v), want);
    REFUSED(!bj_dot(v, v), want);
    REFUSED(!bj_outer(v, v), want);
    REFUSED(!bj_csrmv(v, v, 1.0, v, 4), want);
    REFUSED(!bj_jitconn_mv(v, 1.0, 0.5, 1, 4, true), want);
    REFUSED(!bj_random_bits(v, 1, SH(4)), want);
    REFUSED(!bj_random_split(v, 2), want);
    /* next to values of a live trace: the live trace records the error */
    bj_val *x;
    bj_trace *t = fresh4(&x);
    REFUSED(!bj_add(x, v), want);
    CHECK(bj_trace_status(t) != BJ_OK);
    bj_trace_free(t);
    t = fresh4(&x);
    REFUSED(!bj_dynamic_slice(x, &v, SH(2)), want);
    bj_trace_free(t);
    t = fresh4(&x);
    REFUSED(!bj_concatenate(((bj_val *[]){x, v}), 2, 0), want);
    bj_trace_free(t);
    t = fresh4(&x);
    REFUSED(!bj_op(t, "neg", &v, 1, NULL), want);
    bj_trace_free(t);
    t = fresh4(&x);
    REFUSED(!bj_op(t, "where", ((bj_val *[]){x, x, v}), 3, NULL), want);
    bj_trace_free(t);
    t = fresh4(&x);
    REFUSED(!bj_trace_finish(t, &v, 1), want); /* consumes t */
}

/* A value of a trace freed with bj_trace_free. */
static void stale_after_trace_free(void) {
    bj_val *x;
    bj_trace *t = fresh4(&x);
    bj_val *y = bj_exp(bj_add(x, 1.0));
    CHECK(y != NULL);
    bj_trace_free(t);
    refuse_everywhere(y, FREED);
    refuse_everywhere(x, FREED);
}

/* A failing bj_trace_finish frees the trace too. */
static void stale_after_failed_finish(void) {
    bj_val *x;
    bj_trace *t = fresh4(&x);
    bj_val *y = bj_neg(x);
    CHECK(bj_trace_finish(t, (bj_val *[]){y, NULL}, 2) == NULL);
    refuse_everywhere(y, FREED);
}

/* A finished trace's values: ops refuse them at once (the trace is over); the queries read them while the graph
 * lives, and refuse them once it is released. */
static void stale_after_graph_release(void) {
    bj_val *x;
    bj_trace *t = fresh4(&x);
    bj_val *y = bj_sqrt(x);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g != NULL);
    CHECK(bj_val_dtype(y) == BJ_F32 && bj_val_rank(y) == 1);
    REFUSED(!bj_neg(y), "finished or freed");
    bj_graph_release(g);
    refuse_everywhere(y, FREED);
}

/* A trace of 64 chained adds, as every trace in stale_after_storage_reuse makes it. */
static bj_trace *chain64(bj_val **vals) {
    bj_val *x;
    bj_trace *t = fresh4(&x);
    for (int i = 0; i < 64; i++) vals[i] = x = bj_add(x, (double)i);
    return t;
}

/* The storage of a freed trace is reused by later traces built the same way, yet its old values never pass for
 * theirs: each reuse moves where nodes start. Enough traces are made to take every quarantined chunk. Pointers
 * that are no value at all (inside a live one, on the stack) are refused too. */
static void stale_after_storage_reuse(void) {
    bj_val *old[64], *now[64];
    bj_trace_free(chain64(old));
    for (int round = 0; round < 3; round++) {
        bj_trace *live[40];
        for (int k = 0; k < 40; k++) live[k] = chain64(now);
        for (int i = 0; i < 64; i++) {
            bj_clear_error();
            CHECK(bj_val_dtype(old[i]) == BJ_NDTYPES);
            CHECK(bj_neg(old[i]) == NULL);
        }
        for (int k = 0; k < 40; k++) {
            CHECK(bj_trace_status(live[k]) == BJ_OK);
            bj_trace_free(live[k]);
        }
    }
    bj_val *x;
    bj_trace *t = fresh4(&x);
    bj_val *inner = (bj_val *)(void *)((char *)x + 4), *inner8 = (bj_val *)(void *)((char *)x + 8);
    uint64_t junk[32] = {0};
    bj_val *stack = (bj_val *)(void *)junk;
    REFUSED(bj_val_dtype(inner) == BJ_NDTYPES, "not a traced value");
    REFUSED(bj_val_dtype(stack) == BJ_NDTYPES, "not a traced value");
    REFUSED(!bj_neg(inner), "not a traced value");
    /* where an earlier trace's node may have started (its storage is reused): refused, named either way */
    CHECK(bj_val_dtype(inner8) == BJ_NDTYPES && !bj_neg(inner8));
    CHECK(bj_trace_status(t) == BJ_OK); /* a lone bad operand has no trace to fail */
    CHECK(bj_val_dtype(x) == BJ_F32);
    bj_trace_free(t);
}

/* Threads making and freeing traces at once share the quarantine of freed storage; each checks that the values
 * of the trace it freed last are refused while the others' traces reuse that storage. */
static void *stale_worker(void *arg) {
    int *bad = arg;
    bj_val *old[64];
    for (int round = 0; round < 200; round++) {
        bj_trace_free(chain64(old));
        bj_val *now[64];
        bj_trace *t = chain64(now);
        for (int i = 0; i < 64; i += 7) *bad += bj_val_dtype(old[i]) != BJ_NDTYPES || bj_neg(old[i]) != NULL;
        *bad += bj_trace_status(t) != BJ_OK || bj_val_dtype(now[63]) != BJ_F32;
        bj_trace_free(t);
    }
    return NULL;
}
static void stale_threads(void) {
    pthread_t th[4];
    int bad[4] = {0};
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&th[i], NULL, stale_worker, &bad[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(bad[i] == 0);
    }
}

/* ---------------------------------------------------------------- jit traces */
static bj_val *kept; /* a value kept from an earlier trace, as a careless user would in a static */
typedef struct keep_ctx {
    int mode;
    bj_var *var;
} keep_ctx;
static bj_status fn_keep(bj_trace *t, void *ud) {
    keep_ctx *c = ud;
    bj_val *x = bj_param(t, 0);
    switch (c->mode) {
    case 0: kept = bj_mul(x, 3.0); return bj_return(t, kept); /* keep it */
    case 1: kept = bj_mul(x, 3.0); return BJ_ERR_ARG;         /* keep it from a trace that fails */
    case 2: return bj_return(t, bj_add(x, kept));
    case 3: return bj_return(t, kept);
    case 4: return bj_var_write(t, c->var, kept);
    case 5: return bj_loop_begin(t, 2, 1, &kept, 1, NULL, 0);
    case 6: return bj_cond_begin(t, kept, &x, 1);
    default: return bj_while_begin(t, &kept, 1);
    }
}
static bj_status fn_callee(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_param(t, 0));
}

/* A value kept in a static from a jit trace, used after the call: once its trace's graph is dropped (the signature
 * cache cleared, or the trace failed), in a later trace, by every jit entry taking a value. */
static void stale_jit_value(void) {
    keep_ctx c = {0};
    bj_array *one = test_scalar(BJ_F32, 1);
    c.var = bj_var_new("v", one, -1);
    bj_jit *f = bj_jit_new(fn_keep, &c, &(bj_jit_opts){.name = "keep", .backend = "interp"});
    bj_array *x = test_arr(BJ_F32, 1, SH(4), V(1, 2, 3, 4)), *y = NULL;
    for (int how = 0; how < 2; how++) {
        c.mode = how;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, how ? 0 : 1) == (how ? BJ_ERR_ARG : BJ_OK));
        bj_array_release(y), y = NULL;
        if (!how) { /* the graph lives in the cache: the value can be asked about but not used in ops */
            CHECK(bj_val_dtype(kept) == BJ_F32);
            REFUSED(!bj_neg(kept), "finished or freed");
            CHECK(bj_jit_clear_cache(f) == BJ_OK);
        }
        refuse_everywhere(kept, FREED);
        bj_jit *g = bj_jit_new(fn_callee, NULL, &(bj_jit_opts){.name = "callee"});
        for (int m = 2; m <= 8; m++) {
            c.mode = m;
            bj_status s = m == 8 ? BJ_OK : bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1);
            if (m == 8) { /* bj_jit_call_traced: through a callee */
                bj_trace *t = bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(x)));
                bj_val *r = NULL;
                s = bj_jit_call_traced(g, t, BJ_ARGS(bj_arg_val(kept)), &r, 1);
                CHECK(refused(s != BJ_OK, "bj_jit_call_traced", FREED));
                bj_jit_trace_end(t);
            }
            CHECK_MSG(s != BJ_OK && strstr(bj_last_error(), FREED), "mode %d: status %d, error '%s'", m, s,
                      bj_last_error());
            CHECK(y == NULL);
        }
        bj_jit_release(g);
    }
    bj_array_release(x), bj_array_release(one);
    bj_var_release(c.var);
    bj_jit_release(f);
}

/* ---------------------------------------------------------------- class 8: a probe leaves the trace usable */
typedef struct probe_ctx {
    int mode;
    bj_var *var;
    bj_status st;
    char msg[512];
    bj_status after; /* the trace's status after the probe */
} probe_ctx;
static bj_status fn_probe(bj_trace *t, void *ud) {
    probe_ctx *c = ud;
    bj_val *x = bj_param(t, 0), *p;
    switch (c->mode) {
    case 0: p = bj_sum(x, 0, NULL, false); break;   /* depends on a dynamic parameter */
    case 1: p = bj_var_read(t, c->var); break;      /* on a Variable */
    case 2: p = x; break;                           /* not one element */
    default: p = bj_add(bj_lit_f64(t, 2.0, true), 1.0); break; /* known: 3 */
    }
    double v = 0;
    c->st = bj_val_to_f64(p, &v);
    snprintf(c->msg, sizeof c->msg, "%s", bj_last_error());
    c->after = bj_trace_status(t);
    return bj_return(t, bj_mul(x, c->st ? 2.0 : v)); /* the caller caught the error and goes on */
}
static void probe_then_go_on(void) {
    static const char *const want[] = {"parameter 0 (x) of probe is dynamic", "depends on Variable gain",
                                       "is f32[4], not one element", ""};
    static const bj_status wst[] = {BJ_ERR_TRACE, BJ_ERR_TRACE, BJ_ERR_SHAPE, BJ_OK};
    bj_array *g0 = test_scalar(BJ_F32, 1);
    probe_ctx c = {.var = bj_var_new("gain", g0, -1)};
    for (int m = 0; m < 4; m++) {
        c.mode = m;
        bj_jit *f = bj_jit_new(fn_probe, &c, &(bj_jit_opts){.name = "probe", .argnames = "x", .backend = "interp"});
        bj_array *x = test_arr(BJ_F32, 1, SH(4), V(1, 2, 3, 4)), *y = NULL;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_OK);
        CHECK_MSG(c.st == wst[m] && strstr(c.msg, want[m]), "mode %d: status %d, '%s'", m, c.st, c.msg);
        CHECK(c.after == BJ_OK);
        double k = m < 3 ? 2 : 3;
        CHECK(test_arr_eq(y, BJ_F32, 1, SH(4), V(k, 2 * k, 3 * k, 4 * k), 0));
        bj_array_release(x), bj_array_release(y);
        bj_jit_release(f);
    }
    bj_var_release(c.var);
    bj_array_release(g0);
}

/* The same on a plain trace and on a foreign caller's jit trace (begin / ops by name / end). */
static void probe_plain_and_foreign(void) {
    bj_val *x;
    bj_trace *t = fresh4(&x);
    double v;
    CHECK(bj_val_to_f64(bj_sum(x, 0, NULL, false), &v) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("depends on argument x");
    CHECK(bj_val_to_f64(x, &v) == BJ_ERR_SHAPE);
    CHECK(bj_trace_status(t) == BJ_OK);
    bj_val *y = bj_neg(x);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g != NULL);
    bj_graph_release(g);

    bj_jit *f = bj_jit_new(NULL, NULL, &(bj_jit_opts){.name = "foreign", .backend = "interp"});
    bj_array *a = test_arr(BJ_F32, 1, SH(4), V(1, 2, 3, 4)), *out = NULL;
    t = bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(a)));
    bj_val *p = bj_param(t, 0), *s = bj_op(t, "sum", &p, 1, NULL);
    CHECK(bj_val_to_f64(s, &v) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("parameter 0");
    CHECK(bj_return(t, bj_op(t, "neg", &p, 1, NULL)) == BJ_OK);
    CHECK(bj_jit_trace_end(t) == BJ_OK);
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(a)), &out, 1) == BJ_OK);
    CHECK(test_arr_eq(out, BJ_F32, 1, SH(4), V(-1, -2, -3, -4), 0));
    bj_array_release(a), bj_array_release(out);
    bj_jit_release(f);
}

void tests_stale(void) {
    RUN(stale_after_trace_free);
    RUN(stale_after_failed_finish);
    RUN(stale_after_graph_release);
    RUN(stale_after_storage_reuse);
    RUN(stale_threads);
    RUN(stale_jit_value);
    RUN(probe_then_go_on);
    RUN(probe_plain_and_foreign);
}
