/* test_threads.c — reference counts and shared state of arrays, graphs, executables, jit handles, objects and Variables under several threads (issue 10, class 2). */
#include "test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

/* `make tsan` runs this group (names start with "threads_") under ThreadSanitizer: keep the counts small. */
#define NT 4
static const char *const BACKENDS[2] = {"cpu", "interp"};

/* Starts n threads of fn, each with its own argument (args + i * size bytes), and joins them. */
static int run_threads(int n, void *(*fn)(void *), void *args, size_t size) {
    pthread_t th[16];
    int started = 0;
    for (int i = 0; i < n && i < 16; i++) started += !pthread_create(&th[started], NULL, fn, (char *)args + i * size);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    return started;
}

/* y = 2 x + 1 on f32[8]. */
static bj_graph *affine_graph(void) {
    bj_trace *t = bj_trace_new("affine");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, SH(8));
    bj_val *y = bj_add(bj_mul(x, 2.0), 1.0);
    return bj_trace_finish(t, &y, 1);
}

static bj_array *f32_filled(double v) { return bj_array_full(BJ_F32, 1, SH(8), v); }

/* y has 8 elements equal to want; releases y. */
static bool take_all(bj_array *y, double want) {
    bool ok = y && bj_array_size(y) == 8;
    for (int i = 0; ok && i < 8; i++) ok = bj_array_get(y, i) == want;
    bj_array_release(y);
    return ok;
}

static bj_status fn_affine(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_mul(bj_param(t, 0), 2.0), 1.0));
}

/* ================================================================ retain and release from several threads */
typedef struct every_kind {
    bj_graph *g;
    bj_exec *e;
    bj_array *a, *in;
    bj_var *v;
    bj_object *o;
    bj_jit *f;
    int bad;
} every_kind;

static void *retain_release_every_kind(void *arg) {
    every_kind *k = *(every_kind **)arg;
    int bad = 0;
    for (int i = 0; i < 4000; i++) {
        bad += bj_graph_retain(k->g) != k->g;
        bad += bj_array_retain(k->a) != k->a;
        bad += bj_var_retain(k->v) != k->v;
        bad += bj_object_retain(k->o) != k->o;
        bad += bj_jit_retain(k->f) != k->f;
        bj_graph_release(k->g);
        bj_array_release(k->a);
        bj_var_release(k->v);
        bj_object_release(k->o);
        bj_jit_release(k->f);
    }
    for (int i = 0; i < 20; i++) { /* a run holds the executable (and a compile the graph) while it works */
        bj_array *y = NULL;
        bad += bj_exec_run(k->e, &k->in, 1, &y, 1) != BJ_OK || !take_all(y, 7);
        y = NULL;
        bad += bj_graph_run(k->g, "interp", &k->in, 1, &y, 1) != BJ_OK || !take_all(y, 7);
    }
    __atomic_fetch_add(&k->bad, bad, __ATOMIC_RELAXED);
    return NULL;
}

/* Counts stay exact: after the threads each handle is live with one reference, and one release frees it. */
static void threads_retain_release_every_kind(void) {
    every_kind k = {.g = affine_graph(), .a = f32_filled(1), .in = f32_filled(3), .o = bj_object_new("Pop", NULL),
                    .f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "rr", .backend = "interp"})};
    k.v = bj_var_new("w", k.a, -1);
    k.e = bj_compile(k.g, "cpu");
    CHECK(k.g && k.e && k.a && k.in && k.v && k.o && k.f);
    if (!k.g || !k.e || !k.a || !k.in || !k.v || !k.o || !k.f) return;
    int nn = bj_graph_num_nodes(k.g);
    every_kind *args[NT] = {&k, &k, &k, &k};
    CHECK(run_threads(NT, retain_release_every_kind, args, sizeof args[0]) == NT);
    CHECK_MSG(k.bad == 0, "%d failed retains or runs", k.bad);
    /* each is still live (no early free) and usable */
    CHECK(bj_graph_num_nodes(k.g) == nn && bj_array_get(k.a, 0) == 1 && !strcmp(bj_var_name(k.v), "w"));
    CHECK(!strncmp(bj_object_name(k.o), "Pop", 3));
    bj_array *y = NULL;
    CHECK(!bj_jit_call(k.f, BJ_ARGS(bj_arg_array(k.in)), &y, 1) && take_all(y, 7));
    CHECK(!strcmp(bj_exec_backend(k.e), "cpu") || !strcmp(bj_exec_backend(k.e), "interp"));
    /* and one release frees each (no leaked count) */
    bj_jit_release(k.f);
    CHECK(bj_jit_num_vars(k.f) == -1 && bj_last_status() == BJ_ERR_HANDLE);
    bj_exec_release(k.e);
    CHECK(bj_exec_backend(k.e) == NULL && bj_last_status() == BJ_ERR_HANDLE);
    bj_graph_release(k.g);
    CHECK(bj_graph_num_nodes(k.g) == -1 && bj_last_status() == BJ_ERR_HANDLE);
    bj_var_release(k.v);
    CHECK(bj_var_name(k.v) == NULL && bj_last_status() == BJ_ERR_HANDLE);
    bj_object_release(k.o);
    CHECK(bj_object_name(k.o) == NULL && bj_last_status() == BJ_ERR_HANDLE);
    bj_array_release(k.a);
    CHECK(!bj_array_valid(k.a));
    bj_array_release(k.in);
}

/* ================================================================ the last release racing with uses
 * The main thread makes a handle, publishes it and releases its only reference while workers use the published
 * pointer (a caller's error, but never a use of freed memory): each use either works on a live handle or fails
 * with BJ_ERR_HANDLE. */
enum { K_GRAPH, K_ARRAY, K_VAR, K_OBJECT, K_EXEC, K_JIT, K_COUNT };
static const char *const KIND_NAMES[K_COUNT] = {"graph", "array", "Variable", "object", "executable", "jit"};

typedef struct race {
    _Atomic(void *) cur;
    atomic_int kind;
    atomic_bool stop;
    atomic_long uses, refused, bad, kind_uses[K_COUNT];
    bj_array *in; /* f32[8] of 3s */
} race;

/* One use of p as a kind: true if it worked, false if refused as not live; counts anything else as bad. */
static bool use_once(race *r, int kind, void *p) {
    bool ok = false;
    switch (kind) {
    case K_GRAPH:
        if ((ok = bj_graph_retain(p) != NULL)) {
            if (bj_graph_num_nodes(p) < 3) r->bad++;
            bj_graph_release(p);
        }
        break;
    case K_ARRAY:
        if ((ok = bj_array_retain(p) != NULL)) {
            if (bj_array_size(p) != 8) r->bad++; /* (not its data: a reused address may hold an array being filled) */
            bj_array_release(p);
        }
        break;
    case K_VAR:
        if ((ok = bj_var_retain(p) != NULL)) {
            if (bj_var_batch_axis(p) != -1) r->bad++;
            bj_var_release(p);
        }
        break;
    case K_OBJECT:
        if ((ok = bj_object_retain(p) != NULL)) {
            if (bj_object_num_vars(p) != 0) r->bad++;
            bj_object_release(p);
        }
        break;
    case K_EXEC: {
        bj_array *y = NULL;
        if ((ok = bj_exec_run(p, &r->in, 1, &y, 1) == BJ_OK) && !take_all(y, 7)) r->bad++;
        break;
    }
    default: {
        bj_array *y = NULL;
        if ((ok = bj_jit_call(p, BJ_ARGS(bj_arg_array(r->in)), &y, 1) == BJ_OK) && !take_all(y, 7)) r->bad++;
        break;
    }
    }
    if (!ok && bj_last_status() != BJ_ERR_HANDLE) r->bad++;
    return ok;
}

static void *race_worker(void *arg) {
    race *r = *(race **)arg;
    while (!atomic_load(&r->stop)) {
        void *p = atomic_load(&r->cur);
        if (!p) {
            sched_yield();
            continue;
        }
        int kind = atomic_load(&r->kind);
        if (use_once(r, kind, p)) {
            r->kind_uses[kind]++;
            r->uses++;
        } else {
            r->refused++;
        }
    }
    return NULL;
}

/* Waits (busy: a yield may cost a time slice) until the workers made n more uses (refused ones too if `any`). */
static void wait_uses(race *r, long n, bool any) {
    long until = atomic_load(&r->uses) + (any ? atomic_load(&r->refused) : 0) + n;
    for (long spin = 0; spin < 100000000 && atomic_load(&r->uses) + (any ? atomic_load(&r->refused) : 0) < until;
         spin++) {
    }
}

static void *race_driver(void *arg) {
    race *r = *(race **)arg;
    bj_jit *f = NULL;
    for (int kind = 0; kind < K_COUNT; kind++) {
        atomic_store(&r->kind, kind);
        int rounds = kind == K_JIT ? 40 : kind == K_EXEC ? 60 : 100;
        for (int i = 0; i < rounds; i++) {
            void *h = NULL;
            switch (kind) {
            case K_GRAPH: h = affine_graph(); break;
            case K_ARRAY: h = f32_filled(5); break;
            case K_VAR: h = bj_var_new("raced", r->in, -1); break;
            case K_OBJECT: h = bj_object_new("Raced", NULL); break;
            case K_EXEC: {
                bj_graph *g = affine_graph();
                h = bj_compile(g, "interp");
                bj_graph_release(g);
                break;
            }
            default: h = f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "raced", .backend = "interp"}); break;
            }
            if (!h) {
                r->bad++;
                continue;
            }
            atomic_store(&r->cur, h);
            wait_uses(r, 2, false); /* let the workers start using it, then drop the only reference while they do */
            switch (kind) {
            case K_GRAPH: bj_graph_release(h); break;
            case K_ARRAY: bj_array_release(h); break;
            case K_VAR: bj_var_release(h); break;
            case K_OBJECT: bj_object_release(h); break;
            case K_EXEC: bj_exec_release(h); break;
            default: bj_jit_release(f); break;
            }
            if (i % 2) wait_uses(r, 2, true); /* sometimes: uses after the release */
            atomic_store(&r->cur, NULL);
        }
    }
    atomic_store(&r->stop, true);
    return NULL;
}

static void threads_last_release_races_uses(void) {
    race r = {.in = f32_filled(3)};
    atomic_init(&r.cur, NULL);
    race *args[NT] = {&r, &r, &r, &r};
    pthread_t driver;
    CHECK(pthread_create(&driver, NULL, race_driver, &args[0]) == 0);
    CHECK(run_threads(NT - 1, race_worker, args, sizeof args[0]) == NT - 1);
    pthread_join(driver, NULL);
    CHECK_MSG(r.bad == 0, "%ld uses that neither worked nor were refused as not live", (long)r.bad);
    for (int k = 0; k < K_COUNT; k++) CHECK_MSG(r.kind_uses[k] > 0, "no use of a live %s", KIND_NAMES[k]);
    bj_array_release(r.in);
}

/* ================================================================ shared graphs, executables and jit handles */
typedef struct shared_runs {
    bj_graph *g;
    bj_exec *e[2];
    bj_jit *f[2];
    atomic_int *ready; /* threads started: they begin together, so that their calls overlap */
    int tid, bad, calls;
} shared_runs;

/* Thread 0 reads the jit handles' statistics, last miss and listing and changes a setting; the others run. */
static void *run_shared(void *arg) {
    shared_runs *s = arg;
    atomic_fetch_add(s->ready, 1);
    for (int spin = 0; spin < 100000000 && atomic_load(s->ready) < NT; spin++) {
    }
    for (int i = 0; i < 40; i++) {
        if (s->tid == 0) {
            for (int b = 0; b < 2; b++) {
                bj_jit_stats st;
                char miss[128], buf[32];
                char *text = bj_jit_to_string(s->f[b]);
                s->bad += bj_jit_stats_get(s->f[b], &st) || bj_jit_last_miss(s->f[b], miss, sizeof miss) || !text ||
                          st.calls < 0 || st.cache_size > 2;
                bj_free(text);
                s->bad += bj_config_set("num_threads", i % 2 ? "1" : "2") != BJ_OK;
                s->bad += bj_config_get("num_threads", buf, sizeof buf) || (strcmp(buf, "1") && strcmp(buf, "2"));
            }
            continue;
        }
        for (int k = 0; k < 100; k++) /* as a thread that keeps the graph for a while does, while others compile it */
            if (bj_graph_retain(s->g)) bj_graph_release(s->g);
            else s->bad++;
        double x = s->tid * 100 + i;
        bj_array *in = f32_filled(x), *y = NULL, *into = bj_array_zeros(BJ_F32, 1, SH(8));
        bj_array *small = bj_array_full(BJ_F32, 1, SH(4), x);
        for (int b = 0; b < 2; b++) {
            s->bad += bj_exec_run(s->e[b], &in, 1, &y, 1) != BJ_OK || !take_all(y, 2 * x + 1);
            y = NULL;
            s->bad += bj_exec_run_into(s->e[b], &in, 1, &into, 1) != BJ_OK || bj_array_get(into, 3) != 2 * x + 1;
            /* two signatures (f32[8], f32[4]): the cache list and the last miss change under the handle's lock */
            s->bad += bj_jit_call(s->f[b], BJ_ARGS(bj_arg_array(in)), &y, 1) != BJ_OK || !take_all(y, 2 * x + 1);
            y = NULL;
            s->bad += bj_jit_call(s->f[b], BJ_ARGS(bj_arg_array(small)), &y, 1) != BJ_OK ||
                      bj_array_get(y, 3) != 2 * x + 1;
            bj_array_release(y), y = NULL;
            s->calls += 2;
        }
        s->bad += bj_graph_run(s->g, "interp", &in, 1, &y, 1) != BJ_OK || !take_all(y, 2 * x + 1);
        y = NULL;
        if (i % 10 == 0) /* a compile on the cpu backend (served from the in-process cache after the first) */
            s->bad += bj_graph_run(s->g, "cpu", &in, 1, &y, 1) != BJ_OK || !take_all(y, 2 * x + 1);
        bj_array_release(in), bj_array_release(into), bj_array_release(small);
    }
    return NULL;
}

/* bj_graph_run, bj_exec_run, bj_exec_run_into and bj_jit_call on one graph, one executable and one jit handle per
 * backend from several threads, while another reads the handles' statistics and changes a setting: right answers,
 * and exact counts afterwards. */
static void threads_shared_handles_run_concurrently(void) {
    char saved[32] = "";
    bj_config_get("num_threads", saved, sizeof saved);
    bj_graph *g = affine_graph();
    shared_runs s[NT];
    atomic_int ready = 0;
    s[0] = (shared_runs){.g = g, .e = {bj_compile(g, "cpu"), bj_compile(g, "interp")}, .ready = &ready};
    for (int b = 0; b < 2; b++)
        s[0].f[b] = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "shared", .backend = BACKENDS[b]});
    CHECK(g && s[0].e[0] && s[0].e[1] && s[0].f[0] && s[0].f[1]);
    if (!g || !s[0].e[0] || !s[0].e[1] || !s[0].f[0] || !s[0].f[1]) return;
    int nn = bj_graph_num_nodes(g);
    for (int i = 1; i < NT; i++) s[i] = s[0], s[i].tid = i;
    CHECK(run_threads(NT, run_shared, s, sizeof s[0]) == NT);
    int calls = 0;
    for (int i = 0; i < NT; i++) {
        CHECK_MSG(s[i].bad == 0, "thread %d: %d wrong or failed runs", i, s[i].bad);
        calls += s[i].calls / 2;
    }
    for (int b = 0; b < 2; b++) {
        bj_jit_stats st = {0};
        CHECK(!bj_jit_stats_get(s[0].f[b], &st));
        CHECK_MSG(st.calls == calls && st.traces == 2 && st.compiles == 2 && st.cache_hits == calls - 2,
                  "%s: %lld calls (want %d), %lld traces, %lld compiles, %lld hits", BACKENDS[b], (long long)st.calls,
                  calls, (long long)st.traces, (long long)st.compiles, (long long)st.cache_hits);
        bj_jit_release(s[0].f[b]);
        bj_exec_release(s[0].e[b]);
    }
    CHECK(bj_graph_num_nodes(g) == nn); /* the executables' references went, the caller's stays */
    bj_graph_release(g);
    CHECK(bj_graph_num_nodes(g) == -1);
    bj_config_set("num_threads", saved);
}

/* ================================================================ Variables and objects */
#define VAR_N 2048 /* elements of the Variable: a run long enough to overlap bj_var_set */
typedef struct var_job {
    bj_var *v;
    bj_jit *f;
    atomic_bool *stop;
    atomic_int *calls, *last;
    int tid, bad;
} var_job;

static bj_status fn_read_var(bj_trace *t, void *ud) { return bj_return(t, bj_mul(bj_var_read(t, ud), 1.0)); }

/* Sets the Variable to 1, 2, 3, ... while the readers call (at least 200 times and until they made 200 calls). */
static void *set_var(void *arg) {
    var_job *j = arg;
    for (int spin = 0; spin < 100000 && !atomic_load(j->calls); spin++) sched_yield(); /* the first call compiled */
    for (int i = 1; i <= 200 || (atomic_load(j->calls) < 200 && i < 100000); i++) {
        bj_array *a = bj_array_full(BJ_F64, 1, SH(VAR_N), i);
        j->bad += bj_var_set(j->v, a) != BJ_OK;
        atomic_store(j->last, i);
        bj_array_release(a);
    }
    atomic_store(j->stop, true);
    return NULL;
}

static void *read_var(void *arg) {
    var_job *j = arg;
    while (!atomic_load(j->stop)) {
        bj_array *y = NULL;
        if (bj_jit_call(j->f, NULL, 0, &y, 1)) {
            j->bad++;
            continue;
        }
        const double *d = bj_array_data(y);
        bool uniform = d[0] >= 0 && d[0] <= atomic_load(j->last) + 1;
        for (int k = 1; k < VAR_N; k++) uniform &= d[k] == d[0]; /* never half of one value */
        j->bad += !uniform;
        atomic_fetch_add(j->calls, 1);
        bj_array_release(y);
    }
    return NULL;
}

static void *var_thread(void *arg) { return ((var_job *)arg)->tid ? read_var(arg) : set_var(arg); }

/* bj_var_set while other threads' jit calls read the Variable: every call sees one whole value. */
static void threads_var_set_during_calls(void) {
    for (int b = 0; b < 2; b++) {
        bj_array *z = bj_array_zeros(BJ_F64, 1, SH(VAR_N));
        bj_var *v = bj_var_new("state", z, -1);
        bj_jit *f = bj_jit_new(fn_read_var, v, &(bj_jit_opts){.name = "reader", .backend = BACKENDS[b]});
        atomic_bool stop = false;
        atomic_int calls = 0, last = 0;
        var_job j[3];
        for (int i = 0; i < 3; i++) j[i] = (var_job){.v = v, .f = f, .stop = &stop, .calls = &calls, .last = &last,
                                                     .tid = i};
        CHECK(run_threads(3, var_thread, j, sizeof j[0]) == 3);
        for (int i = 0; i < 3; i++) CHECK_MSG(j[i].bad == 0, "%s: thread %d: %d bad", BACKENDS[b], i, j[i].bad);
        CHECK(bj_array_get(bj_var_value(v), VAR_N - 1) == atomic_load(&last));
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(z);
    }
}

/* Two handles that add 1 and 2 to one Variable, and a third that reads it, called from their own threads: no
 * update is lost (a run holds the Variables it touches). */
typedef struct adder {
    bj_var *v;
    double by;
} adder;

static bj_status fn_add_to_var(bj_trace *t, void *ud) {
    const adder *a = ud;
    bj_status s = bj_var_write(t, a->v, bj_add(bj_var_read(t, a->v), a->by));
    return s ? s : bj_return_n(t, NULL, 0);
}

typedef struct counter_job {
    bj_jit *f;
    int bad, n;
} counter_job;

static void *call_n(void *arg) {
    counter_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        j->bad += bj_jit_call(j->f, NULL, 0, NULL, 0) != BJ_OK;
    }
    return NULL;
}

static void threads_handles_share_a_variable(void) {
    for (int b = 0; b < 2; b++) {
        bj_array *z = bj_array_zeros(BJ_F64, 1, SH(32));
        bj_var *v = bj_var_new("count", z, -1);
        adder one = {v, 1}, two = {v, 2};
        bj_jit *f1 = bj_jit_new(fn_add_to_var, &one, &(bj_jit_opts){.name = "add1", .backend = BACKENDS[b]});
        bj_jit *f2 = bj_jit_new(fn_add_to_var, &two, &(bj_jit_opts){.name = "add2", .backend = BACKENDS[b]});
        bj_jit *f3 = bj_jit_new(fn_read_var, v, &(bj_jit_opts){.name = "read", .backend = BACKENDS[b]});
        counter_job j[3] = {{f1, 0, 400}, {f2, 0, 400}, {f3, 0, 400}};
        CHECK(run_threads(3, call_n, j, sizeof j[0]) == 3);
        CHECK(j[0].bad == 0 && j[1].bad == 0 && j[2].bad == 0);
        bj_array *val = bj_var_value(v);
        CHECK_MSG(bj_array_get(val, 0) == 1200 && bj_array_get(val, 31) == 1200, "%s: %g and %g, want 1200",
                  BACKENDS[b], bj_array_get(val, 0), bj_array_get(val, 31));
        bj_jit_release(f1), bj_jit_release(f2), bj_jit_release(f3);
        bj_var_release(v);
        bj_array_release(z);
    }
}

typedef struct object_job {
    bj_object *o;
    bj_jit *m;
    bj_array *init;
    atomic_bool *stop;
    atomic_int *reads; /* the writer starts once the readers have */
    int tid, bad;
} object_job;

static void *object_thread(void *arg) {
    object_job *j = arg;
    if (j->tid == 0) { /* the writer: 200 attributes */
        for (int spin = 0; spin < 100000000 && atomic_load(j->reads) < 2; spin++) {
        }
        for (int i = 0; i < 200; i++) {
            char name[16];
            snprintf(name, sizeof name, "v%d", i);
            bj_var *v = bj_var_new(name, j->init, -1);
            j->bad += bj_object_add_var(j->o, name, v) != BJ_OK;
            bj_var_release(v);
        }
        atomic_store(j->stop, true);
        return NULL;
    }
    while (!atomic_load(j->stop)) {
        int n = bj_object_num_vars(j->o);
        char path[64];
        j->bad += n < 1 || n > 201 || !bj_object_var(j->o, "first");
        j->bad += n >= 1 && !bj_object_var_at(j->o, n - 1, path, sizeof path);
        int m = bj_jit_num_vars(j->m);
        j->bad += m < n || m > 201;
        atomic_fetch_add(j->reads, 1);
    }
    return NULL;
}

/* An object growing on one thread while others list its Variables (directly and through a method's handle). */
static void threads_object_grows_while_read(void) {
    bj_array *init = bj_array_zeros(BJ_F32, 1, SH(2));
    bj_object *o = bj_object_new("Grow", NULL);
    bj_var *first = bj_var_new("first", init, -1);
    CHECK(!bj_object_add_var(o, "first", first));
    bj_var_release(first);
    bj_jit *m = bj_jit_method(o, "step", fn_affine, NULL, NULL);
    atomic_bool stop = false;
    atomic_int reads = 0;
    object_job j[3];
    for (int i = 0; i < 3; i++)
        j[i] = (object_job){.o = o, .m = m, .init = init, .stop = &stop, .reads = &reads, .tid = i};
    CHECK(run_threads(3, object_thread, j, sizeof j[0]) == 3);
    for (int i = 0; i < 3; i++) CHECK_MSG(j[i].bad == 0, "thread %d: %d bad", i, j[i].bad);
    CHECK(bj_object_num_vars(o) == 201);
    bj_jit_release(m);
    bj_object_release(o);
    bj_array_release(init);
}

void tests_threads(void) {
    RUN(threads_retain_release_every_kind);
    RUN(threads_last_release_races_uses);
    RUN(threads_shared_handles_run_concurrently);
    RUN(threads_var_set_during_calls);
    RUN(threads_handles_share_a_variable);
    RUN(threads_object_grows_while_read);
}
