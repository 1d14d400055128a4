/* test_jit.c — the jit (issue 4), one group per point of the issue:
 *   1 handles, options and call errors      2 Variables and objects       3 the signature cache
 *   4 static folding and trace-time values  5 donation                    6 keep_unused and nested calls
 *   7 clean failures                        8 introspection and AOT       9 threads
 *   10 the callback-free path of foreign callers
 * Every semantic test runs on both backends ("cpu", "interp") and checks that they agree. Test names start with
 * "jit_" so that `test_all jit` runs exactly this file. */
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const BACKENDS[2] = {"cpu", "interp"};

/* ---------------------------------------------------------------- helpers */
static bool has(const char *s, const char *sub) { return s && sub && strstr(s, sub) != NULL; }
static const char *nz(const char *s) { return s ? s : "(null)"; }
#define CHECK_HAS(s, sub) CHECK_MSG(has((s), (sub)), "'%s' lacks '%s'", nz(s), (sub))
#define CHECK_LACKS(s, sub) CHECK_MSG(nz(s) == (s) && !has((s), (sub)), "'%s' has '%s'", nz(s), (sub))

static bj_array *f32a(int n, const double *v) { return test_arr(BJ_F32, 1, SH(n), v); }

static bj_jit_stats stats_of(const bj_jit *f) {
    bj_jit_stats s;
    memset(&s, 0, sizeof s);
    bj_jit_stats_get(f, &s);
    return s;
}

static const char *last_miss(const bj_jit *f) {
    static char buf[512];
    buf[0] = 0;
    bj_jit_last_miss(f, buf, sizeof buf);
    return buf;
}

/* Calls f for its single output (NULL on failure). */
static bj_array *call1(bj_jit *f, const bj_arg *args, int nargs) {
    bj_array *y = NULL;
    return bj_jit_call(f, args, nargs, &y, 1) ? NULL : y;
}

/* y has n float elements equal to want (tolerance tol); releases y. */
static bool take_eq(bj_array *y, bj_dtype d, int n, const double *want, double tol) {
    bool ok = test_arr_eq(y, d, 1, SH(n), want, tol);
    bj_array_release(y);
    return ok;
}

/* The first line of an IR listing ("func NAME(%0: f32[4] x, ...) {"), and its return line. */
static const char *ir_line(const char *ir, const char *start, char *buf, size_t n) {
    buf[0] = 0;
    const char *p = ir ? strstr(ir, start) : NULL;
    if (p) snprintf(buf, n, "%.*s", (int)strcspn(p, "\n"), p);
    return buf;
}
static int count_of(const char *s, const char *sub) {
    int k = 0;
    for (const char *p = s ? strstr(s, sub) : NULL; p; p = strstr(p + 1, sub)) k++;
    return k;
}

/* Capturing stderr (fd 2) into a temporary file around a few calls. */
typedef struct capture {
    int saved;
    FILE *tmp;
} capture;
static void cap_begin(capture *c) {
    fflush(stderr);
    c->tmp = tmpfile();
    c->saved = c->tmp ? dup(2) : -1;
    if (c->saved >= 0) dup2(fileno(c->tmp), 2);
}
static const char *cap_end(capture *c) { /* the captured text; stderr restored */
    static char buf[16384];
    buf[0] = 0;
    fflush(stderr);
    if (c->saved >= 0) dup2(c->saved, 2), close(c->saved);
    if (c->tmp) {
        rewind(c->tmp);
        size_t k = fread(buf, 1, sizeof buf - 1, c->tmp);
        buf[k] = 0;
        fclose(c->tmp);
    }
    return buf;
}

/* A Variable of the object o under attr (the object holds it; the pointer is borrowed). */
static bj_var *obj_var(bj_object *o, const char *attr, bj_dtype d, int rank, const int64_t *shape, const double *v) {
    bj_array *a = test_arr(d, rank, shape, v);
    bj_var *var = bj_var_new(attr, a, -1);
    bj_array_release(a);
    if (var && bj_object_add_var(o, attr, var)) bj_var_release(var), var = NULL;
    bj_var_release(var);
    return var;
}

/* BrainPy's Hello: Variables a and b (float32 scalars); pa/pb are their paths ("Hello0.a"). */
typedef struct hello {
    bj_object *obj;
    bj_var *a, *b;
    char pa[64], pb[64];
} hello;
static void hello_make(hello *h, double a, double b) {
    h->obj = bj_object_new("Hello", NULL);
    h->a = obj_var(h->obj, "a", BJ_F32, 0, NULL, V(a));
    h->b = obj_var(h->obj, "b", BJ_F32, 0, NULL, V(b));
    snprintf(h->pa, sizeof h->pa, "%s.a", bj_object_name(h->obj));
    snprintf(h->pb, sizeof h->pb, "%s.b", bj_object_name(h->obj));
}
static double var_get(bj_var *v, int64_t i) { return bj_array_get(bj_var_value(v), i); }

/* ---------------------------------------------------------------- traced functions shared by the tests */
/* x * 2 + 1 */
static bj_status fn_affine(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_mul(bj_param(t, 0), 2.0), 1.0));
}
/* x * y + z */
static bj_status fn_xyz(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_mul(bj_param(t, 0), bj_param(t, 1)), bj_param(t, 2)));
}
/* x * k, k read as a C value (static) */
static bj_status fn_times_k(bj_trace *t, void *ud) {
    (void)ud;
    double k = bj_param_f64(t, 1);
    return bj_return(t, bj_mul(bj_param(t, 0), k));
}
/* x * s, s a traced parameter */
static bj_status fn_mul(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_mul(bj_param(t, 0), bj_param(t, 1)));
}
/* x + y */
static bj_status fn_add(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_param(t, 0), bj_param(t, 1)));
}
/* self.a *= self.b */
static bj_status fn_transform(bj_trace *t, void *ud) {
    hello *h = ud;
    return bj_var_write(t, h->a, bj_mul(bj_var_read(t, h->a), bj_var_read(t, h->b)));
}
/* v += 1 (v: the Variable in ud) */
static bj_status fn_incr(bj_trace *t, void *ud) {
    bj_var *v = ud;
    return bj_var_write(t, v, bj_add(bj_var_read(t, v), 1));
}
/* selu(x, alpha, lmbda) = lmbda * where(x > 0, x, alpha * exp(x) - alpha) */
static bj_status fn_selu(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0), *alpha = bj_param(t, 1), *lmbda = bj_param(t, 2);
    return bj_return(t, bj_mul(lmbda, bj_where(bj_gt(x, 0.0), x, bj_sub(bj_mul(alpha, bj_exp(x)), alpha))));
}
static const double SELU_X[5] = {-2, -1, 0, 1, 2};
static double selu_c(double x, double alpha, double lmbda) {
    return (float)lmbda * (x > 0 ? (float)x : (float)alpha * expf((float)x) - (float)alpha);
}

/* ================================================================ 1. handles, options, call errors */

/* 1. Default names "jit<N>", given names, methods named "<object>.<method>"; printing and the Variables' paths. */
static void jit_handle_names_printing_and_variables(void) {
    bj_jit *f = bj_jit_new(fn_affine, NULL, NULL);
    char *s = bj_jit_to_string(f);
    CHECK_MSG(s && !strncmp(s, "<jit jit", 8) && has(s, ": backend=cpu, 0 Variables, 0/64 signatures cached>"),
              "got '%s'", s ? s : bj_last_error());
    bj_free(s);
    bj_jit_release(f);

    bj_jit *g = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "affine", .backend = "interp", .cache_size = 5});
    s = bj_jit_to_string(g);
    CHECK_MSG(s && !strcmp(s, "<jit affine: backend=interp, 0 Variables, 0/5 signatures cached>"), "got '%s'", s);
    bj_free(s);
    bj_array *x = f32a(3, V(1, 2, 3));
    bj_array_release(call1(g, BJ_ARGS(bj_arg_array(x))));
    FILE *fp = tmpfile();
    char line[256] = "";
    CHECK(fp && bj_jit_print(g, fp) == BJ_OK);
    if (fp) {
        rewind(fp);
        CHECK(fgets(line, sizeof line, fp) != NULL);
        fclose(fp);
    }
    CHECK_MSG(!strcmp(line, "<jit affine: backend=interp, 0 Variables, 1/5 signatures cached>\n"), "got '%s'", line);
    bj_jit_release(g);

    /* a method: named after its object; lists the object's Variables first, then others its traces touched */
    hello h;
    hello_make(&h, 10, 2);
    bj_var *extra = NULL;
    {
        bj_array *z = test_scalar(BJ_F32, 0);
        extra = bj_var_new("extra", z, -1);
        bj_array_release(z);
    }
    bj_jit *m = bj_jit_method(h.obj, "transform", fn_transform, &h, NULL);
    char want[160], path[64];
    snprintf(want, sizeof want, "<jit %s.transform: backend=cpu, 2 Variables, 0/64 signatures cached>",
             bj_object_name(h.obj));
    s = bj_jit_to_string(m);
    CHECK_MSG(s && !strcmp(s, want), "got '%s', want '%s'", s, want);
    bj_free(s);
    CHECK(bj_jit_num_vars(m) == 2);
    CHECK(bj_jit_var_at(m, 0, path, sizeof path) == h.a && !strcmp(path, h.pa));
    CHECK(bj_jit_var_at(m, 1, path, sizeof path) == h.b && !strcmp(path, h.pb));
    /* a plain function touching a Variable of no object: listed by its name once traced */
    bj_jit *e = bj_jit_new(fn_incr, extra, &(bj_jit_opts){.name = "bump"});
    CHECK(bj_jit_num_vars(e) == 0);
    CHECK(bj_jit_call(e, NULL, 0, NULL, 0) == BJ_OK && var_get(extra, 0) == 1);
    CHECK(bj_jit_num_vars(e) == 1 && bj_jit_var_at(e, 0, path, sizeof path) == extra && !strcmp(path, "extra"));
    CHECK(!bj_jit_var_at(m, 2, path, sizeof path));
    CHECK_ERR_HAS("bj_jit_var_at: index 2 is out of range");
    CHECK(!bj_jit_var_at(m, -1, NULL, 0));
    bj_jit_release(m), bj_jit_release(e);
    bj_var_release(extra);
    bj_object_release(h.obj);
    bj_array_release(x);
}

/* 1. NULL and freed handles, and bad method arguments, give errors (no crash). */
static void jit_bad_handles(void) {
    CHECK(bj_jit_call(NULL, NULL, 0, NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("jit is NULL");
    CHECK(!bj_jit_to_string(NULL) && bj_jit_num_vars(NULL) == -1 && bj_jit_print(NULL, stdout) != BJ_OK);
    bj_jit *f = bj_jit_new(fn_affine, NULL, NULL);
    CHECK(bj_jit_print(f, NULL) == BJ_ERR_ARG);
    CHECK_ERR_HAS("out is NULL");
    CHECK(bj_jit_stats_get(f, NULL) == BJ_ERR_ARG);
    CHECK(bj_jit_last_miss(f, NULL, 0) == BJ_ERR_ARG);
    bj_jit_release(f);
    bj_array *x = f32a(2, V(1, 2));
    bj_array *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), &y, 1) == BJ_ERR_HANDLE && !y);
    CHECK_ERR_HAS("not a live jit handle");
    bj_jit_stats st;
    CHECK(bj_jit_stats_get(f, &st) == BJ_ERR_HANDLE && bj_jit_clear_cache(f) == BJ_ERR_HANDLE);
    CHECK(!bj_jit_to_string(f) && bj_jit_num_vars(f) == -1 && !bj_jit_retain(f));
    CHECK(!bj_jit_ir(f, BJ_ARGS(bj_arg_array(x))) && bj_jit_compile(f, BJ_ARGS(bj_arg_array(x))) == BJ_ERR_HANDLE);
    CHECK(bj_jit_needs_trace(f, BJ_ARGS(bj_arg_array(x))) == -1 && !bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(x))));
    bj_clear_error();
    bj_jit_release(f); /* a second release is reported, not done */
    CHECK_ERR_HAS("not a live jit handle");
    bj_jit_release(NULL);
    /* methods */
    bj_object *o = bj_object_new("Hello", NULL);
    CHECK(!bj_jit_method(NULL, "m", fn_affine, NULL, NULL));
    CHECK_ERR_HAS("object is NULL");
    CHECK(!bj_jit_method(o, "", fn_affine, NULL, NULL));
    CHECK_ERR_HAS("method name is empty");
    CHECK(!bj_jit_method(o, "step", NULL, NULL, NULL));
    CHECK_ERR_HAS(".step: fn is NULL");
    CHECK(!bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = ""}));
    CHECK_ERR_HAS("name must be 1 to 200 characters");
    bj_object_release(o);
    bj_array_release(x);
}

/* 1. argnames with defaults, keywords in any order, positional values; one trace for weak scalars of one type. */
static void jit_options_argnames_defaults_keywords(void) {
    double got[2][4][3];
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_xyz, NULL, &(bj_jit_opts){.argnames = "x, y=2, z=3", .backend = BACKENDS[bi]});
        bj_array *x = f32a(3, V(1, 2, 3)), *r[4];
        r[0] = call1(f, BJ_ARGS(bj_arg_array(x)));                                    /* x*2+3 */
        r[1] = call1(f, BJ_ARGS(bj_arg_array(x), bj_kw("z", bj_arg_i64(10))));       /* x*2+10 */
        r[2] = call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(4)));                     /* x*4+3 */
        r[3] = call1(f, BJ_ARGS(bj_kw("z", bj_arg_i64(0)), bj_kw("x", bj_arg_array(x)), bj_kw("y", bj_arg_i64(1))));
        const double want[4][3] = {{5, 7, 9}, {12, 14, 16}, {7, 11, 15}, {1, 2, 3}};
        for (int k = 0; k < 4; k++) {
            CHECK_MSG(test_arr_eq(r[k], BJ_F32, 1, SH(3), want[k], 0), "%s call %d", BACKENDS[bi], k);
            for (int i = 0; i < 3; i++) got[bi][k][i] = r[k] ? bj_array_get(r[k], i) : NAN;
            bj_array_release(r[k]);
        }
        CHECK(stats_of(f).traces == 1 && stats_of(f).calls == 4 && stats_of(f).cache_hits == 3);
        /* a float y is a weak float32 scalar: another signature, still float32 */
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(0.5))), BJ_F32, 3, V(3.5, 4, 4.5), 0));
        CHECK(stats_of(f).traces == 2);
        bj_jit_release(f);
        bj_array_release(x);
    }
    CHECK(!memcmp(got[0], got[1], sizeof got[0]));
}

/* 1. static_argnums, negative ones counting from the end, with and without argnames; defaults of every kind. */
static void jit_options_static_argnums(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *x = f32a(3, V(1, 2, 3));
        bj_jit *f = bj_jit_new(fn_times_k, NULL, &(bj_jit_opts){.argnames = "x, k", .static_argnums = "-1",
                                                               .backend = BACKENDS[bi]});
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(3))), BJ_F32, 3, V(3, 6, 9), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_kw("k", bj_arg_f64(4)))), BJ_F32, 3, V(4, 8, 12), 0));
        CHECK(stats_of(f).traces == 2); /* a static value per trace */
        bj_jit_release(f);
        /* without argnames: positions only, and no keywords */
        bj_jit *g = bj_jit_new(fn_times_k, NULL, &(bj_jit_opts){.static_argnums = "-1", .backend = BACKENDS[bi]});
        CHECK(take_eq(call1(g, BJ_ARGS(bj_arg_array(x), bj_arg_i64(5))), BJ_F32, 3, V(5, 10, 15), 0));
        CHECK(bj_jit_call(g, BJ_ARGS(bj_arg_array(x), bj_kw("k", bj_arg_i64(5))), NULL, 0) == BJ_ERR_ARG);
        CHECK_ERR_HAS("keyword argument \"k\" given, but the function declares no argnames");
        bj_jit_release(g);
        bj_array_release(x);
    }
    /* defaults: ints, floats, bools, quoted strings */
    bj_jit *d = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.argnames = "x, a=1, b=-2.5e1, c=true, d=\"a, b\", e='q'"});
    CHECK(d != NULL);
    bj_jit_release(d);
}

/* 1. Backends and devices: "cpu" and "interp"; "gpu" not available in this build; unknown names refused. */
static void jit_options_backend_and_device(void) {
    struct {
        const char *backend, *device;
        bj_status st;
        const char *msg; /* or the backend shown by printing */
    } cases[] = {
        {"cpu", NULL, BJ_OK, "backend=cpu"},
        {"interp", NULL, BJ_OK, "backend=interp"},
        {NULL, "cpu", BJ_OK, "backend=cpu"},
        {"interp", "cpu:0", BJ_OK, "backend=interp"},
        {"gpu", NULL, BJ_ERR_UNSUPPORTED, "backend \"gpu\" is not available in this build"},
        {"cuda", NULL, BJ_ERR_UNSUPPORTED, "not available in this build"},
        {NULL, "gpu:0", BJ_ERR_UNSUPPORTED, "device \"gpu:0\" is not available in this build"},
        {"metal", NULL, BJ_ERR_ARG, "unknown backend \"metal\" (known: \"cpu\", \"interp\")"},
        {NULL, "tpu", BJ_ERR_ARG, "unknown device \"tpu\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bj_clear_error();
        bj_jit *f = bj_jit_new(fn_affine, NULL,
                               &(bj_jit_opts){.name = "dev", .backend = cases[i].backend, .device = cases[i].device});
        if (cases[i].st == BJ_OK) {
            char *s = bj_jit_to_string(f);
            CHECK_MSG(has(s, cases[i].msg), "case %zu: '%s' lacks '%s'", i, s ? s : bj_last_error(), cases[i].msg);
            bj_free(s);
        } else {
            CHECK_MSG(!f && bj_last_status() == cases[i].st && has(bj_last_error(), cases[i].msg) &&
                          has(bj_last_error(), "bj_jit_new(dev)"),
                      "case %zu: got %s '%s'", i, bj_status_name(bj_last_status()), bj_last_error());
        }
        bj_jit_release(f);
    }
}

/* 1. Option strings that make no sense are refused by bj_jit_new with a message naming the problem. */
static void jit_options_bad_strings(void) {
    struct {
        bj_jit_opts o;
        const char *msg;
    } cases[] = {
        {{.argnames = "x, alpha", .static_argnames = "beta"},
         "static_argnames: \"beta\" is not a parameter (argnames: x, alpha)"},
        {{.static_argnames = "alpha"}, "static_argnames needs argnames"},
        {{.argnames = "x, alpha", .static_argnums = "1", .donate_argnums = "1"},
         "argument 1 is both static and donated"},
        {{.argnames = "x, alpha", .static_argnames = "alpha", .donate_argnums = "1"},
         "argument 1 is both static and donated"},
        {{.argnames = "x, alpha", .static_argnums = "-1", .donate_argnums = "1"},
         "argument 1 is both static and donated"},
        {{.argnames = "x=1, alpha"}, "parameter alpha without a default follows one with a default"},
        {{.argnames = "x, alpha=abc"}, "default of alpha is \"abc\""},
        {{.argnames = "x, x"}, "parameter \"x\" appears twice"},
        {{.argnames = "x, 2y"}, "\"2y\" is not a parameter name"},
        {{.static_argnums = "1, a"}, "static_argnums: \"a\" is not a list of argument positions"},
        {{.argnames = "x, y", .static_argnums = "2"}, "static_argnums: 2 is out of range for 2 parameters"},
        {{.argnames = "x, y", .static_argnums = "-3"}, "static_argnums: -3 is out of range for 2 parameters"},
        {{.donate_argnums = "-1"}, "donate_argnums: -1 is negative"},
        {{.argnames = "x", .donate_argnums = "1"}, "donate_argnums: 1 is out of range for 1 parameters"},
        {{.cache_size = -1}, "cache_size -1 is negative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bj_clear_error();
        cases[i].o.name = "badopt";
        bj_jit *f = bj_jit_new(fn_affine, NULL, &cases[i].o);
        CHECK_MSG(!f && bj_last_status() == BJ_ERR_ARG && has(bj_last_error(), cases[i].msg) &&
                      has(bj_last_error(), "bj_jit_new(badopt)"),
                  "case %zu: got %s '%s', want '%s'", i, f ? "a handle" : bj_status_name(bj_last_status()),
                  bj_last_error(), cases[i].msg);
        bj_jit_release(f);
    }
    /* without argnames a negative static position is only known at the call: still refused when donated */
    bj_jit *f = bj_jit_new(fn_add, NULL, &(bj_jit_opts){.name = "late", .static_argnums = "-1", .donate_argnums = "1"});
    bj_array *x = f32a(2, V(1, 2));
    CHECK(f && bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(1)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("argument 1 (arg1) is both static and donated");
    bj_jit_release(f);
    bj_array_release(x);
}

/* 1. Call errors: missing, unknown, duplicated, misplaced and surplus arguments; the wrong number of outputs. */
static void jit_call_argument_errors(void) {
    bj_jit *f = bj_jit_new(fn_xyz, NULL, &(bj_jit_opts){.name = "xyz", .argnames = "x, y=2, z=3"});
    bj_array *x = f32a(2, V(1, 2)), *outs[2] = {x, x};
    CHECK(bj_jit_call(f, NULL, 0, NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_jit_call(xyz): missing argument 0 (x)");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_kw("w", bj_arg_i64(1))), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("unknown keyword argument \"w\"");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(1), bj_arg_i64(2), bj_arg_i64(3)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("4 positional arguments given, the function takes 3");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_kw("x", bj_arg_array(x))), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("argument 0 (x) given twice");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_kw("y", bj_arg_i64(1)), bj_arg_array(x)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("positional argument 1 follows a keyword argument");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), outs, 2) == BJ_ERR_ARG && !outs[0] && !outs[1]);
    CHECK_ERR_HAS("the function returns 1 output, room for 2 given");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 1) == BJ_ERR_ARG);
    CHECK_ERR_HAS("outs is NULL");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(NULL)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("argument 0 (x)");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_OK); /* outputs discarded */
    CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(5, 7), 0)); /* usable after all that */
    bj_jit_release(f);
    bj_array_release(x);
}

/* 1. clear_cache empties the cache (the next call misses and retraces); retain/release share one handle. */
static void jit_clear_cache_and_retain(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "cc", .backend = BACKENDS[bi]});
        bj_array *x = f32a(2, V(1, 2));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(3, 5), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(3, 5), 0));
        CHECK(stats_of(f).cache_size == 1 && stats_of(f).traces == 1);
        CHECK(bj_jit_clear_cache(f) == BJ_OK && stats_of(f).cache_size == 0);
        char *s = bj_jit_to_string(f);
        CHECK_HAS(s, "0/64 signatures cached");
        bj_free(s);
        bj_jit *r = bj_jit_retain(f);
        CHECK(r == f);
        bj_jit_release(f); /* r still holds it */
        CHECK(take_eq(call1(r, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(3, 5), 0));
        CHECK(stats_of(r).traces == 2 && stats_of(r).cache_misses == 2);
        CHECK_HAS(last_miss(r), "no signature cached (first call, or the cache was cleared)");
        bj_jit_release(r);
        bj_array_release(x);
    }
}

/* ================================================================ 2. Variables and objects */

/* 2. The Hello example: a *= b gives 20, 40, 80 with one trace and growing cache hits; b is read, never written. */
static void jit_hello_example(void) {
    double a_after[2][3];
    for (int bi = 0; bi < 2; bi++) {
        hello h;
        hello_make(&h, 10, 2);
        bj_jit *m = bj_jit_method(h.obj, "transform", fn_transform, &h, &(bj_jit_opts){.backend = BACKENDS[bi]});
        for (int call = 1; call <= 3; call++) {
            CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_OK);
            a_after[bi][call - 1] = var_get(h.a, 0);
            bj_jit_stats st = stats_of(m);
            CHECK_MSG(st.traces == 1 && st.compiles == 1 && st.cache_hits == call - 1 && st.calls == call,
                      "%s call %d: traces %lld compiles %lld hits %lld", BACKENDS[bi], call, (long long)st.traces,
                      (long long)st.compiles, (long long)st.cache_hits);
        }
        CHECK(a_after[bi][0] == 20 && a_after[bi][1] == 40 && a_after[bi][2] == 80 && var_get(h.b, 0) == 2);
        char *ir = bj_jit_ir(m, NULL, 0), hdr[256], ret[128], want[96];
        ir_line(ir, "func ", hdr, sizeof hdr), ir_line(ir, "return", ret, sizeof ret);
        snprintf(want, sizeof want, "f32[] %s", h.pa);
        CHECK_HAS(hdr, want);
        snprintf(want, sizeof want, "f32[] %s", h.pb);
        CHECK_HAS(hdr, want);
        CHECK_MSG(count_of(ret, "%") == 1, "return line '%s': one output (a), b is not written", ret);
        CHECK(stats_of(m).traces == 1); /* the listing came from the cache */
        bj_free(ir);
        bj_jit_release(m);
        bj_object_release(h.obj);
    }
    CHECK(!memcmp(a_after[0], a_after[1], sizeof a_after[0]));
}

/* 2. Reads and writes are recorded separately: read-only b is an input and keeps its array and buffer; write-only w
 * is an output and not an input. */
typedef struct rw_ctx {
    hello h;
    bj_var *w;
} rw_ctx;
static bj_status fn_read_write(bj_trace *t, void *ud) {
    rw_ctx *c = ud;
    bj_val *b = bj_var_read(t, c->h.b);
    bj_var_write(t, c->h.a, bj_add(bj_var_read(t, c->h.a), b));
    bj_var_write(t, c->w, bj_mul(bj_param(t, 0), 2));
    return bj_return(t, bj_mul(b, 10));
}
static void jit_reads_and_writes_recorded_separately(void) {
    for (int bi = 0; bi < 2; bi++) {
        rw_ctx c;
        hello_make(&c.h, 1, 3);
        c.w = obj_var(c.h.obj, "w", BJ_F32, 0, NULL, V(0));
        char pw[64];
        snprintf(pw, sizeof pw, "%s.w", bj_object_name(c.h.obj));
        bj_jit *m = bj_jit_method(c.h.obj, "rw", fn_read_write, &c,
                                  &(bj_jit_opts){.argnames = "x", .backend = BACKENDS[bi]});
        bj_array *bv = bj_var_value(c.h.b);
        void *bdata = bj_array_data(bv);
        bj_array *x = test_scalar(BJ_F32, 5), *y = call1(m, BJ_ARGS(bj_arg_array(x)));
        CHECK(y && bj_array_get(y, 0) == 30);
        CHECK(var_get(c.h.a, 0) == 4 && var_get(c.w, 0) == 10);
        CHECK(bj_var_value(c.h.b) == bv && bj_array_data(bv) == bdata && var_get(c.h.b, 0) == 3);
        char *ir = bj_jit_ir(m, BJ_ARGS(bj_arg_array(x))), hdr[256], ret[128];
        ir_line(ir, "func ", hdr, sizeof hdr), ir_line(ir, "return", ret, sizeof ret);
        CHECK_HAS(hdr, c.h.pa);
        CHECK_HAS(hdr, c.h.pb);
        CHECK_HAS(hdr, "] x");
        CHECK_LACKS(hdr, pw); /* written, never read: not an input */
        CHECK_MSG(count_of(ret, "%") == 3, "return line '%s': the result, a and w (not b)", ret);
        bj_free(ir);
        bj_array_release(x), bj_array_release(y);
        bj_jit_release(m);
        bj_object_release(c.h.obj);
    }
}

/* 2. A written Variable is updated in place: bj_var_value gives the same array and buffer before and after. */
static void jit_variable_updated_in_place(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *init = f32a(4, V(1, 2, 3, 4));
        bj_var *v = bj_var_new("v", init, -1);
        bj_jit *f = bj_jit_new(fn_incr, v, &(bj_jit_opts){.backend = BACKENDS[bi]});
        bj_array *before = bj_var_value(v);
        void *data = bj_array_data(before);
        CHECK(bj_jit_call(f, NULL, 0, NULL, 0) == BJ_OK && bj_jit_call(f, NULL, 0, NULL, 0) == BJ_OK);
        CHECK(bj_var_value(v) == before && bj_array_data(bj_var_value(v)) == data);
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(4), V(3, 4, 5, 6), 0));
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(init);
    }
}

/* 2. Inside a trace, reading a Variable after writing it sees the written value. */
static bj_status fn_read_after_write(bj_trace *t, void *ud) {
    bj_var *v = ud;
    bj_var_write(t, v, bj_add(bj_var_read(t, v), 1));
    return bj_return(t, bj_mul(bj_var_read(t, v), 10));
}
static void jit_read_after_write(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *init = f32a(2, V(1, 2));
        bj_var *v = bj_var_new("v", init, -1);
        bj_jit *f = bj_jit_new(fn_read_after_write, v, &(bj_jit_opts){.backend = BACKENDS[bi]});
        CHECK(take_eq(call1(f, NULL, 0), BJ_F32, 2, V(20, 30), 0));
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(2), V(2, 3), 0));
        CHECK(take_eq(call1(f, NULL, 0), BJ_F32, 2, V(30, 40), 0));
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(2), V(3, 4), 0));
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(init);
    }
}

/* 2. Writing a wrong dtype or shape fails naming the Variable's path and both types; the Variable is unchanged. */
typedef struct mode_ctx {
    hello h;
    int mode;
} mode_ctx;
static bj_status fn_bad_write(bj_trace *t, void *ud) {
    mode_ctx *c = ud;
    bj_val *a = bj_var_read(t, c->h.a);
    bj_val *nv = c->mode == 0   ? bj_astype(a, BJ_F64)
                 : c->mode == 1 ? bj_full(t, BJ_F32, 1, SH(4), 1)
                                : bj_add(a, 1);
    return bj_var_write(t, c->h.a, nv);
}
static void jit_variable_write_wrong_type(void) {
    for (int bi = 0; bi < 2; bi++) {
        mode_ctx c = {.mode = 0};
        hello_make(&c.h, 7, 1);
        bj_jit *m = bj_jit_method(c.h.obj, "bad", fn_bad_write, &c, &(bj_jit_opts){.backend = BACKENDS[bi]});
        char want[160];
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_ERR_DTYPE);
        snprintf(want, sizeof want, "bj_var_write: Variable %s is f32[], the new value is f64[]", c.h.pa);
        CHECK_ERR_HAS(want);
        c.mode = 1;
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_ERR_SHAPE);
        snprintf(want, sizeof want, "Variable %s is f32[], the new value is f32[4]", c.h.pa);
        CHECK_ERR_HAS(want);
        CHECK(var_get(c.h.a, 0) == 7 && stats_of(m).cache_size == 0);
        c.mode = 2;
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_OK && var_get(c.h.a, 0) == 8);
        bj_jit_release(m);
        bj_object_release(c.h.obj);
    }
}

/* 2. A weakly typed value (a C scalar's result) written to a float64 Variable takes the Variable's dtype. */
static bj_status fn_write_weak(bj_trace *t, void *ud) {
    bj_var **v = ud;
    bj_var_write(t, v[0], bj_param(t, 0));                     /* static 0.1: a weak literal */
    bj_var_write(t, v[1], bj_param(t, 1));                     /* dynamic 0.5: a weak float32 argument */
    return bj_var_write(t, v[2], bj_add(bj_lit_i64(t, 3, true), 4)); /* weak int 7 into an int64 Variable */
}
static void jit_weak_value_takes_variable_dtype(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *z = test_scalar(BJ_F64, 0), *zi = test_scalar(BJ_I64, 0);
        bj_var *v[3] = {bj_var_new("s", z, -1), bj_var_new("d", z, -1), bj_var_new("i", zi, -1)};
        bj_jit *f = bj_jit_new(fn_write_weak, v, &(bj_jit_opts){.argnames = "s, d", .static_argnames = "s",
                                                               .backend = BACKENDS[bi]});
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_f64(0.1), bj_arg_f64(0.5)), NULL, 0) == BJ_OK);
        CHECK(bj_array_dtype(bj_var_value(v[0])) == BJ_F64 && var_get(v[0], 0) == 0.1);
        CHECK(bj_array_dtype(bj_var_value(v[1])) == BJ_F64 && var_get(v[1], 0) == 0.5);
        CHECK(bj_array_dtype(bj_var_value(v[2])) == BJ_I64 && var_get(v[2], 0) == 7);
        bj_jit_release(f);
        for (int i = 0; i < 3; i++) bj_var_release(v[i]);
        bj_array_release(z), bj_array_release(zi);
    }
}

/* 2. bj_var_new and bj_var_set inside a traced function fail "while tracing"; the call fails, nothing changes. */
typedef struct host_ctx {
    int mode;
    bj_var *v;
    bj_array *val;
    bj_var *made;
} host_ctx;
static bj_status fn_host_side(bj_trace *t, void *ud) {
    host_ctx *c = ud;
    if (c->mode == 0) {
        c->made = bj_var_new("inner", c->val, -1);
        if (!c->made) return bj_last_status();
    } else if (c->mode == 1) {
        bj_status s = bj_var_set(c->v, c->val);
        if (s) return s;
    }
    return bj_var_write(t, c->v, bj_add(bj_var_read(t, c->v), 1));
}
static void jit_var_new_and_set_while_tracing(void) {
    for (int bi = 0; bi < 2; bi++) {
        host_ctx c = {.mode = 0, .val = test_scalar(BJ_F32, 100)};
        bj_array *one = test_scalar(BJ_F32, 1);
        c.v = bj_var_new("v", one, -1);
        bj_jit *f = bj_jit_new(fn_host_side, &c, &(bj_jit_opts){.name = "host", .backend = BACKENDS[bi]});
        CHECK(bj_jit_call(f, NULL, 0, NULL, 0) == BJ_ERR_TRACE && !c.made);
        CHECK_ERR_HAS("bj_var_new: Variable inner: called while tracing jit function 'host'");
        c.mode = 1;
        CHECK(bj_jit_call(f, NULL, 0, NULL, 0) == BJ_ERR_TRACE);
        CHECK_ERR_HAS("bj_var_set: Variable v: called while tracing jit function 'host'");
        CHECK(var_get(c.v, 0) == 1 && stats_of(f).cache_size == 0);
        /* outside the trace both work again, and so does the handle */
        bj_var *later = bj_var_new("later", one, -1);
        CHECK(later && bj_var_set(c.v, c.val) == BJ_OK);
        c.mode = 2;
        CHECK(bj_jit_call(f, NULL, 0, NULL, 0) == BJ_OK && var_get(c.v, 0) == 101);
        bj_var_release(later), bj_var_release(c.v);
        bj_jit_release(f);
        bj_array_release(c.val), bj_array_release(one);
    }
}

/* 2. A Variable passed as an argument is a dynamic argument of its current value (no retrace when it changes). */
static void jit_variable_as_argument(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *init = f32a(3, V(1, 2, 3)), *next = f32a(3, V(10, 20, 30));
        bj_var *v = bj_var_new("v", init, -1);
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.argnames = "x", .backend = BACKENDS[bi]});
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_var(v))), BJ_F32, 3, V(3, 5, 7), 0));
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(3), V(1, 2, 3), 0)); /* not written */
        CHECK(bj_var_set(v, next) == BJ_OK);
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_var(v))), BJ_F32, 3, V(21, 41, 61), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(init))), BJ_F32, 3, V(3, 5, 7), 0)); /* same signature */
        CHECK(stats_of(f).traces == 1 && stats_of(f).cache_hits == 2);
        char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_var(v))), hdr[128];
        CHECK_HAS(ir_line(ir, "func ", hdr, sizeof hdr), "(%0: f32[3] x)");
        bj_free(ir);
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(init), bj_array_release(next);
    }
}

/* 2. A Variable whose batch axis changed size forces a retrace: "Variable <path>: now f32[6,2], before f32[4,2]". */
static void jit_variable_batch_axis_change_retraces(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_object *o = bj_object_new("Hello", NULL);
        bj_array *small = bj_array_zeros(BJ_F32, 2, SH(4, 2)), *big = bj_array_zeros(BJ_F32, 2, SH(6, 2));
        bj_var *s = bj_var_new("s", small, 0);
        CHECK(!bj_object_add_var(o, "s", s));
        bj_jit *m = bj_jit_method(o, "step", fn_incr, s, &(bj_jit_opts){.backend = BACKENDS[bi]});
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_OK && stats_of(m).traces == 1);
        CHECK(bj_var_set(s, big) == BJ_OK);
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_OK && stats_of(m).traces == 2);
        char want[128];
        snprintf(want, sizeof want, "Variable %s.s: now f32[6,2], before f32[4,2]", bj_object_name(o));
        CHECK_MSG(!strcmp(last_miss(m), want), "miss '%s', want '%s'", last_miss(m), want);
        CHECK(test_arr_eq(bj_var_value(s), BJ_F32, 2, SH(6, 2), V(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 0));
        CHECK(bj_var_set(s, small) == BJ_OK); /* back to 4 rows: the first entry serves again */
        CHECK(bj_jit_call(m, NULL, 0, NULL, 0) == BJ_OK && stats_of(m).traces == 2 && stats_of(m).cache_hits == 1);
        CHECK(test_arr_eq(bj_var_value(s), BJ_F32, 2, SH(4, 2), V(1, 1, 1, 1, 1, 1, 1, 1), 0));
        bj_jit_release(m);
        bj_var_release(s);
        bj_object_release(o);
        bj_array_release(small), bj_array_release(big);
    }
}

/* ================================================================ 3. the signature cache */

/* 3. Static int 1 and float 1.0 are different signatures (two traces); the same value again hits. */
static void jit_static_int_and_float_differ(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_times_k, NULL, &(bj_jit_opts){.argnames = "x, k", .static_argnames = "k",
                                                               .backend = BACKENDS[bi]});
        bj_array *x = f32a(2, V(1, 2));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(1))), BJ_F32, 2, V(1, 2), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(1.0))), BJ_F32, 2, V(1, 2), 0));
        CHECK(stats_of(f).traces == 2);
        CHECK_MSG(!strcmp(last_miss(f), "static arg 1 (k): now 1.0, before 1"), "miss '%s'", last_miss(f));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(1))), BJ_F32, 2, V(1, 2), 0));
        CHECK(stats_of(f).traces == 2 && stats_of(f).cache_hits == 1);
        bj_jit_release(f);
        bj_array_release(x);
    }
}

/* 3. Strings and bools are valid static values (read with bj_param_str / bj_param_bool) and steer tracing. */
static bj_status fn_mode(bj_trace *t, void *ud) {
    (void)ud;
    const char *mode = bj_param_str(t, 1);
    if (mode && !strcmp(mode, "param")) return bj_return(t, bj_param(t, 1)); /* a string is no traced value */
    bj_val *x = bj_param(t, 0), *y = mode && !strcmp(mode, "add") ? bj_add(x, 1) : bj_mul(x, 3);
    return bj_return(t, bj_param_bool(t, 2) ? bj_neg(y) : y);
}
static void jit_static_strings_and_bools(void) {
    double got[2][4][2];
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_mode, NULL, &(bj_jit_opts){.name = "mode", .argnames = "x, mode=\"add\", neg=false",
                                                            .static_argnames = "mode, neg", .backend = BACKENDS[bi]});
        bj_array *x = f32a(2, V(1, 2)), *r[4];
        r[0] = call1(f, BJ_ARGS(bj_arg_array(x)));
        r[1] = call1(f, BJ_ARGS(bj_arg_array(x), bj_kw("neg", bj_arg_bool(true))));
        CHECK_MSG(!strcmp(last_miss(f), "static arg 2 (neg): now true, before false"), "miss '%s'", last_miss(f));
        r[2] = call1(f, BJ_ARGS(bj_arg_array(x), bj_kw("mode", bj_arg_str("mul"))));
        CHECK_MSG(!strcmp(last_miss(f), "static arg 1 (mode): now \"mul\", before \"add\""), "miss '%s'",
                  last_miss(f));
        r[3] = call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_str("mul"), bj_arg_bool(true)));
        const double want[4][2] = {{2, 3}, {-2, -3}, {3, 6}, {-3, -6}};
        for (int k = 0; k < 4; k++) {
            CHECK_MSG(test_arr_eq(r[k], BJ_F32, 1, SH(2), want[k], 0), "%s call %d", BACKENDS[bi], k);
            for (int i = 0; i < 2; i++) got[bi][k][i] = r[k] ? bj_array_get(r[k], i) : NAN;
            bj_array_release(r[k]);
        }
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_str("add"))), BJ_F32, 2, V(2, 3), 0));
        CHECK(stats_of(f).traces == 4 && stats_of(f).cache_hits == 1);
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_str("param")), NULL, 0) == BJ_ERR_ARG);
        CHECK_ERR_HAS("bj_param: parameter 1 (mode) is a static string; read it with bj_param_str");
        bj_jit_release(f);
        bj_array_release(x);
    }
    CHECK(!memcmp(got[0], got[1], sizeof got[0]));
}

/* 3. Argument kinds: an array as a static argument, a string as a dynamic one, are refused with a way out. */
static void jit_static_and_dynamic_kind_errors(void) {
    bj_jit *f = bj_jit_new(fn_times_k, NULL, &(bj_jit_opts){.name = "tk", .argnames = "x, k", .static_argnames = "k"});
    bj_jit *g = bj_jit_new(fn_mul, NULL, &(bj_jit_opts){.name = "dm", .argnames = "x, mode"});
    bj_array *x = f32a(2, V(1, 2));
    bj_var *v = bj_var_new("v", x, -1);
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(x)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_jit_call(tk): static argument 1 (k) must be a number, a bool or a string, not an array");
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_var(v)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("must be a number, a bool or a string, not a Variable");
    CHECK(bj_jit_call(g, BJ_ARGS(bj_arg_array(x), bj_arg_str("add")), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("argument 1 (mode) is a string; strings must be static (static_argnums=\"1\" or "
                  "static_argnames=\"mode\")");
    CHECK(bj_jit_call(g, BJ_ARGS(bj_arg_array(x), bj_arg_str(NULL)), NULL, 0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("argument 1 (mode) is a NULL string");
    CHECK(stats_of(f).traces == 0 && stats_of(g).traces == 0);
    bj_var_release(v);
    bj_jit_release(f), bj_jit_release(g);
    bj_array_release(x);
}

/* 3. A dynamic C double is a weakly typed float32 scalar: float32 x * it stays float32; one trace for all values. */
static void jit_dynamic_double_is_weak_f32(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_mul, NULL, &(bj_jit_opts){.argnames = "x, s", .backend = BACKENDS[bi]});
        bj_array *x = f32a(3, V(1, 2, 3)), *xd = test_arr(BJ_F64, 1, SH(3), V(1, 2, 3));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(2.5))), BJ_F32, 3, V(2.5, 5, 7.5), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(-0.5))), BJ_F32, 3, V(-0.5, -1, -1.5), 0));
        CHECK(stats_of(f).traces == 1);
        char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(1))), hdr[128];
        CHECK_HAS(ir_line(ir, "func ", hdr, sizeof hdr), "%1: f32[] ~ s)");
        bj_free(ir);
        /* the weak scalar adopts a float64 array's dtype (its value was a float32 one: 0.1f) */
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(xd), bj_arg_f64(0.1))), BJ_F64, 3,
                      V((double)0.1f, 2 * (double)0.1f, 3 * (double)0.1f), 0));
        bj_jit_release(f);
        bj_array_release(x), bj_array_release(xd);
    }
}

/* 3. A changed shape retraces: "first call", then "arg 0 (x): now f32[8], before f32[4]". */
static void jit_shape_change_retraces(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.argnames = "x", .backend = BACKENDS[bi]});
        bj_array *x4 = test_seq(BJ_F32, 1, SH(4)), *x8 = test_seq(BJ_F32, 1, SH(8));
        CHECK(!strcmp(last_miss(f), ""));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x4))), BJ_F32, 4, V(1, 3, 5, 7), 0));
        CHECK_MSG(!strcmp(last_miss(f), "first call"), "miss '%s'", last_miss(f));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x8))), BJ_F32, 8, V(1, 3, 5, 7, 9, 11, 13, 15), 0));
        CHECK_MSG(!strcmp(last_miss(f), "arg 0 (x): now f32[8], before f32[4]"), "miss '%s'", last_miss(f));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x4))), BJ_F32, 4, V(1, 3, 5, 7), 0));
        CHECK(stats_of(f).traces == 2 && stats_of(f).cache_hits == 1 && stats_of(f).cache_misses == 2);
        bj_jit_release(f);
        bj_array_release(x4), bj_array_release(x8);
    }
}

/* 3. cache_size = 2 keeps two signatures, dropping the least recently used (not the oldest). */
static void jit_lru_bound(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f =
            bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "lru", .cache_size = 2, .backend = BACKENDS[bi]});
        bj_array *x[4] = {NULL, test_seq(BJ_F32, 1, SH(1)), test_seq(BJ_F32, 1, SH(2)), test_seq(BJ_F32, 1, SH(3))};
        int order[] = {1, 2, 1, 3, 1, 2};                 /* 3 evicts 2 (1 was used after it) */
        int traces_after[] = {1, 2, 2, 3, 3, 4};
        for (int k = 0; k < 6; k++) {
            bj_array *y = call1(f, BJ_ARGS(bj_arg_array(x[order[k]])));
            CHECK(y && bj_array_size(y) == order[k] && bj_array_get(y, order[k] - 1) == 2 * (order[k] - 1) + 1);
            bj_array_release(y);
            CHECK_MSG(stats_of(f).traces == traces_after[k] && stats_of(f).cache_size <= 2, "%s step %d: %lld traces",
                      BACKENDS[bi], k, (long long)stats_of(f).traces);
        }
        char *s = bj_jit_to_string(f);
        CHECK_HAS(s, "2/2 signatures cached");
        bj_free(s);
        bj_jit_release(f);
        for (int i = 1; i < 4; i++) bj_array_release(x[i]);
    }
}

/* 3. Miss explanations: a static value ("static arg 1 (alpha): now 2.0, before 1.67"), a dtype, a weak scalar. */
static void jit_miss_explanations(void) {
    bj_jit *st = bj_jit_new(fn_selu, NULL, &(bj_jit_opts){.argnames = "x, alpha=1.67, lmbda=1.05",
                                                          .static_argnames = "alpha, lmbda"});
    bj_jit *dy = bj_jit_new(fn_selu, NULL, &(bj_jit_opts){.argnames = "x, alpha=1.67, lmbda=1.05"});
    bj_array *x = test_arr(BJ_F32, 1, SH(5), SELU_X), *xd = test_arr(BJ_F64, 1, SH(5), SELU_X);
    CHECK(bj_jit_call(st, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_OK);
    CHECK(!strcmp(last_miss(st), "first call"));
    CHECK(bj_jit_call(st, BJ_ARGS(bj_arg_array(x), bj_kw("alpha", bj_arg_f64(2.0))), NULL, 0) == BJ_OK);
    CHECK_MSG(!strcmp(last_miss(st), "static arg 1 (alpha): now 2.0, before 1.67"), "miss '%s'", last_miss(st));
    CHECK(bj_jit_call(st, BJ_ARGS(bj_arg_array(xd), bj_kw("alpha", bj_arg_f64(2.0))), NULL, 0) == BJ_OK);
    CHECK_MSG(!strcmp(last_miss(st), "arg 0 (x): now f64[5], before f32[5]"), "miss '%s'", last_miss(st));
    CHECK(bj_jit_call(dy, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_OK);
    CHECK(bj_jit_call(dy, BJ_ARGS(bj_arg_array(x), bj_kw("alpha", bj_arg_i64(2))), NULL, 0) == BJ_OK);
    CHECK_MSG(!strcmp(last_miss(dy), "arg 1 (alpha): now i32[] (weak), before f32[] (weak)"), "miss '%s'",
              last_miss(dy));
    bj_jit_release(st), bj_jit_release(dy);
    bj_array_release(x), bj_array_release(xd);
}

/* 3. explain_cache_misses prints exactly one stderr line per miss; log_compiles one line per compile, with "ms". */
static void jit_explain_misses_and_log_compiles(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *x4 = test_seq(BJ_F32, 1, SH(4)), *x8 = test_seq(BJ_F32, 1, SH(8)), *x5 = test_seq(BJ_F32, 1, SH(5));
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "explained", .argnames = "x",
                                                              .backend = BACKENDS[bi]});
        capture c;
        CHECK(bj_config_set("explain_cache_misses", "1") == BJ_OK);
        cap_begin(&c);
        bj_jit_call(f, BJ_ARGS(bj_arg_array(x4)), NULL, 0);
        bj_jit_call(f, BJ_ARGS(bj_arg_array(x4)), NULL, 0);
        bj_jit_call(f, BJ_ARGS(bj_arg_array(x8)), NULL, 0);
        bj_jit_call(f, BJ_ARGS(bj_arg_array(x8)), NULL, 0);
        const char *out = cap_end(&c);
        bj_config_set("explain_cache_misses", NULL);
        CHECK_MSG(count_of(out, "\n") == 2 && count_of(out, "brainjit: cache miss in explained: ") == 2,
                  "stderr: '%s'", out);
        CHECK_HAS(out, "brainjit: cache miss in explained: first call\n");
        CHECK_HAS(out, "brainjit: cache miss in explained: arg 0 (x): now f32[8], before f32[4]\n");
        cap_begin(&c); /* back off: nothing printed */
        bj_jit_call(f, BJ_ARGS(bj_arg_array(x5)), NULL, 0);
        out = cap_end(&c);
        CHECK_MSG(!*out, "stderr after restoring: '%s'", out);

        bj_jit *g = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "logged", .argnames = "x",
                                                              .backend = BACKENDS[bi]});
        CHECK(bj_config_set("log_compiles", "1") == BJ_OK);
        cap_begin(&c);
        bj_jit_call(g, BJ_ARGS(bj_arg_array(x4)), NULL, 0);
        bj_jit_call(g, BJ_ARGS(bj_arg_array(x4)), NULL, 0);
        bj_jit_call(g, BJ_ARGS(bj_arg_array(x8)), NULL, 0);
        out = cap_end(&c);
        bj_config_set("log_compiles", NULL);
        CHECK_MSG(count_of(out, "\n") == 2 && count_of(out, "brainjit: compiled logged(x: f32[") == 2 &&
                      count_of(out, " ms") == 2,
                  "stderr: '%s'", out);
        CHECK(stats_of(g).compiles == 2);
        char val[8] = "?";
        CHECK(bj_config_get("log_compiles", val, sizeof val) == BJ_OK && strcmp(val, "1"));
        bj_jit_release(f), bj_jit_release(g);
        bj_array_release(x4), bj_array_release(x8), bj_array_release(x5);
    }
}

/* ================================================================ 4. static folding, trace-time values */

/* 4. Static arguments are folded: the IR has "lit 1.67" and no alpha input; dynamic ones are inputs. Same values. */
static void jit_static_arguments_fold(void) {
    for (int bi = 0; bi < 2; bi++) {
        const char *decl = "x, alpha=1.67, lmbda=1.05";
        bj_jit *st = bj_jit_new(fn_selu, NULL, &(bj_jit_opts){.name = "selu_static", .argnames = decl,
                                                              .static_argnames = "alpha, lmbda",
                                                              .backend = BACKENDS[bi]});
        bj_jit *dy =
            bj_jit_new(fn_selu, NULL, &(bj_jit_opts){.name = "selu_dyn", .argnames = decl, .backend = BACKENDS[bi]});
        bj_array *x = test_arr(BJ_F32, 1, SH(5), SELU_X);
        char *is = bj_jit_ir(st, BJ_ARGS(bj_arg_array(x))), *id = bj_jit_ir(dy, BJ_ARGS(bj_arg_array(x)));
        char hs[160], hd[160];
        ir_line(is, "func ", hs, sizeof hs), ir_line(id, "func ", hd, sizeof hd);
        CHECK_HAS(is, "lit 1.67");
        CHECK_HAS(is, "lit 1.05");
        CHECK_MSG(!strcmp(hs, "func selu_static(%0: f32[5] x) {"), "header '%s'", hs);
        CHECK_HAS(hd, "alpha");
        CHECK_HAS(hd, "lmbda");
        CHECK_LACKS(id, "lit 1.67");
        bj_free(is), bj_free(id);
        bj_array *ys = call1(st, BJ_ARGS(bj_arg_array(x))), *yd = call1(dy, BJ_ARGS(bj_arg_array(x)));
        double want[5];
        for (int i = 0; i < 5; i++) want[i] = selu_c(SELU_X[i], 1.67, 1.05);
        CHECK(test_arr_eq(ys, BJ_F32, 1, SH(5), want, 1e-6) && test_arr_eq(yd, BJ_F32, 1, SH(5), want, 1e-6));
        bj_array_release(ys), bj_array_release(yd);
        bj_jit_release(st), bj_jit_release(dy);
        bj_array_release(x);
    }
}

/* 4. A static value steering host control flow gives different graphs (add for true, mul for false). */
static bj_status fn_branch(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0);
    return bj_return(t, bj_param_bool(t, 1) ? bj_add(x, 1) : bj_mul(x, 2));
}
static void jit_static_steers_control_flow(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_branch, NULL, &(bj_jit_opts){.argnames = "x, inc", .static_argnums = "1",
                                                              .backend = BACKENDS[bi]});
        bj_array *x = f32a(3, V(1, 2, 3));
        char *it = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x), bj_arg_bool(true)));
        char *iff = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x), bj_arg_bool(false)));
        CHECK_HAS(it, "= add ");
        CHECK_LACKS(it, "= mul ");
        CHECK_HAS(iff, "= mul ");
        CHECK_LACKS(iff, "= add ");
        bj_free(it), bj_free(iff);
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_bool(true))), BJ_F32, 3, V(2, 3, 4), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_bool(false))), BJ_F32, 3, V(2, 4, 6), 0));
        CHECK(stats_of(f).traces == 2); /* the listings traced; the calls hit */
        bj_jit_release(f);
        bj_array_release(x);
    }
}

/* 4. Asking a dynamic parameter's value while tracing fails naming it and suggesting static_argnums. */
typedef struct ask_ctx {
    int which; /* 0 f64, 1 i64, 2 bool, 3 str */
    double got;
} ask_ctx;
static bj_status fn_ask(bj_trace *t, void *ud) {
    ask_ctx *c = ud;
    switch (c->which) {
    case 0: c->got = bj_param_f64(t, 1); break;
    case 1: c->got = (double)bj_param_i64(t, 1); break;
    case 2: c->got = bj_param_bool(t, 1); break;
    default: c->got = bj_param_str(t, 1) ? 1 : 0; break;
    }
    return bj_return(t, bj_param(t, 0));
}
static void jit_dynamic_parameter_value_errors(void) {
    const char *fns[4] = {"bj_param_f64", "bj_param_i64", "bj_param_bool", "bj_param_str"};
    for (int bi = 0; bi < 2; bi++)
        for (int w = 0; w < 4; w++) {
            ask_ctx c = {.which = w, .got = 42};
            bj_jit *f = bj_jit_new(fn_ask, &c, &(bj_jit_opts){.name = "ask", .argnames = "x, alpha",
                                                             .backend = BACKENDS[bi]});
            bj_array *x = f32a(2, V(1, 2));
            CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(2.0)), NULL, 0) == BJ_ERR_TRACE);
            char want[160];
            snprintf(want, sizeof want, "%s: parameter 1 (alpha) of ask is dynamic", fns[w]);
            CHECK_ERR_HAS(want);
            CHECK_ERR_HAS("make it static (static_argnums=\"1\" or static_argnames=\"alpha\")");
            CHECK(w == 0 ? isnan(c.got) : c.got == 0);
            bj_jit_release(f);
            bj_array_release(x);
        }
}

/* 4. bj_val_to_f64: literals-only values are known while tracing; others name the argument or Variable. */
typedef struct v2f_ctx {
    int mode;
    bj_var *v;
    double got;
    bj_status st;
} v2f_ctx;
static bj_status fn_val_to_f64(bj_trace *t, void *ud) {
    v2f_ctx *c = ud;
    bj_val *x = bj_param(t, 0), *probe;
    switch (c->mode) {
    case 0: probe = bj_mul(bj_add(bj_sum(x, 0, NULL, false), 1.0), 2.0); break; /* depends on x */
    case 1: probe = bj_mul(bj_lit_f64(t, 1.5, true), bj_param(t, 1)); break;   /* 1.5 * static k */
    case 2: probe = bj_var_read(t, c->v); break;                               /* a Variable */
    default: probe = x; break;                                                /* not one element */
    }
    c->st = bj_val_to_f64(probe, &c->got);
    if (c->st) return c->st;
    return bj_return(t, bj_mul(x, c->got)); /* the C value used as a weak literal */
}
static void jit_val_to_f64(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *one = test_scalar(BJ_F32, 1);
        v2f_ctx c = {.v = bj_var_new("gain", one, -1)};
        bj_jit *f = bj_jit_new(fn_val_to_f64, &c, &(bj_jit_opts){.name = "v2f", .argnames = "x, k",
                                                                .static_argnames = "k", .backend = BACKENDS[bi]});
        bj_array *x = f32a(2, V(1, 2));
        c.mode = 1;
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(4))), BJ_F32, 2, V(6, 12), 0));
        CHECK(c.st == BJ_OK && c.got == 6);
        c.mode = 0;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(5)), NULL, 0) == BJ_ERR_TRACE);
        CHECK_ERR_HAS("bj_val_to_f64: parameter 0 (x) of v2f is dynamic");
        c.mode = 2;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(6)), NULL, 0) == BJ_ERR_TRACE);
        CHECK_ERR_HAS("bj_val_to_f64: the value depends on Variable gain");
        c.mode = 3;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_i64(7)), NULL, 0) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("bj_val_to_f64: the value is f32[2], not one element");
        bj_var_release(c.v);
        bj_jit_release(f);
        bj_array_release(x), bj_array_release(one);
    }
}

/* ================================================================ 5. donation */

/* 5. A donated array's buffer becomes the output's; the array then refuses every use but release. */
static void jit_donation_reuses_buffer(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "don", .argnames = "x", .donate_argnums = "0",
                                                              .backend = BACKENDS[bi]});
        bj_array *x = test_seq(BJ_F32, 1, SH(8));
        void *p = bj_array_data(x);
        bj_array *y = call1(f, BJ_ARGS(bj_arg_array(x)));
        CHECK(y && bj_array_data(y) == p);
        CHECK(test_arr_eq(y, BJ_F32, 1, SH(8), V(1, 3, 5, 7, 9, 11, 13, 15), 0));
        CHECK(!bj_array_valid(x));
        CHECK(!bj_array_data(x));
        CHECK_ERR_HAS("array has been donated");
        bj_clear_error();
        CHECK(isnan(bj_array_get(x, 0)));
        CHECK_ERR_HAS("array has been donated");
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_ERR_HANDLE);
        CHECK_ERR_HAS("argument 0 (x)");
        CHECK_ERR_HAS("array has been donated");
        bj_array_release(x); /* still works: frees the handle, not the buffer (which y owns) */
        CHECK(test_arr_eq(y, BJ_F32, 1, SH(8), V(1, 3, 5, 7, 9, 11, 13, 15), 0));
        /* the output of one call can be donated to the next */
        void *q = bj_array_data(y);
        bj_array *z = call1(f, BJ_ARGS(bj_arg_array(y)));
        CHECK(z && bj_array_data(z) == q && bj_array_get(z, 7) == 31);
        bj_array_release(y), bj_array_release(z);
        bj_jit_release(f);
    }
}

/* 5. A donation no output can use prints one warning (once per signature) and the array stays valid. */
static bj_status fn_dot_xy(bj_trace *t, void *ud) { /* uses x, but its only output is a scalar */
    (void)ud;
    return bj_return(t, bj_sum(bj_mul(bj_param(t, 0), bj_param(t, 1)), 0, NULL, false));
}
static bj_status fn_double_y(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_mul(bj_param(t, 1), 2));
}
static void jit_donation_unused_warns(void) {
    for (int bi = 0; bi < 2; bi++)
        for (int k = 0; k < 2; k++) {
            bj_jit *f = bj_jit_new(k ? fn_double_y : fn_dot_xy, NULL,
                                   &(bj_jit_opts){.name = "nodon", .argnames = "x, y", .donate_argnums = "0",
                                                  .backend = BACKENDS[bi]});
            bj_array *x = test_seq(BJ_F32, 1, SH(8)), *y = test_seq(BJ_F32, 1, SH(8)), *r = NULL;
            capture c;
            cap_begin(&c);
            r = call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(y)));
            bj_array_release(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(y))));
            const char *out = cap_end(&c);
            CHECK_MSG(count_of(out, "\n") == 1, "stderr: '%s'", out);
            CHECK_HAS(out, "brainjit: warning: nodon: donated argument 0 (x) f32[8] is not reused: ");
            CHECK_HAS(out, k ? "the function does not use it" : "no output has its dtype and size");
            CHECK_HAS(out, "the array stays valid");
            CHECK(r && bj_array_get(r, 0) == (k ? 0 : 140) && bj_array_get(r, k ? 7 : 0) == (k ? 14 : 140));
            CHECK(bj_array_valid(x) && bj_array_get(x, 7) == 7);
            bj_array_release(r);
            bj_jit_release(f);
            bj_array_release(x), bj_array_release(y);
        }
}

/* 5. Donating a Variable, or a Variable's value array, is refused: its buffer is the Variable's state. */
static void jit_donation_of_variable_refused(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "donv", .argnames = "x", .donate_argnums = "0",
                                                              .backend = BACKENDS[bi]});
        bj_array *init = f32a(4, V(1, 2, 3, 4)), *y = NULL;
        bj_var *v = bj_var_new("state", init, -1);
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_var(v)), &y, 1) == BJ_ERR_ARG && !y);
        CHECK_ERR_HAS("argument 0 (x) is donated but holds Variable state: a Variable's buffer cannot be donated");
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(bj_var_value(v))), &y, 1) == BJ_ERR_ARG && !y);
        CHECK_ERR_HAS("holds a Variable's value: a Variable's buffer cannot be donated");
        CHECK(bj_array_valid(bj_var_value(v)) && test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(4), V(1, 2, 3, 4), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(init))), BJ_F32, 4, V(3, 5, 7, 9), 0)); /* a plain array is fine */
        bj_var_release(v);
        bj_jit_release(f);
        bj_array_release(init);
    }
}

/* 5. Donating an array that is also passed as another argument is refused; the array stays valid. */
static void jit_donation_of_shared_array_refused(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_add, NULL, &(bj_jit_opts){.name = "dons", .argnames = "x, y", .donate_argnums = "0",
                                                           .backend = BACKENDS[bi]});
        bj_array *a = f32a(3, V(1, 2, 3)), *b = f32a(3, V(10, 20, 30));
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(a), bj_arg_array(a)), NULL, 0) == BJ_ERR_ARG);
        CHECK_ERR_HAS("argument 0 (x) is donated, but the same array is also argument 1");
        CHECK(bj_array_valid(a) && bj_array_get(a, 2) == 3);
        void *p = bj_array_data(a);
        bj_array *y = call1(f, BJ_ARGS(bj_arg_array(a), bj_arg_array(b)));
        CHECK(y && bj_array_data(y) == p && test_arr_eq(y, BJ_F32, 1, SH(3), V(11, 22, 33), 0) && !bj_array_valid(a));
        bj_array_release(y);
        bj_jit_release(f);
        bj_array_release(a), bj_array_release(b);
    }
}

/* ================================================================ 6. keep_unused and nested calls */

/* 6. An unused dynamic argument is dropped from the compiled signature, and kept with keep_unused. */
static bj_status fn_first_only(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_mul(bj_param(t, 0), 2));
}
static void jit_keep_unused(void) {
    for (int bi = 0; bi < 2; bi++)
        for (int keep = 0; keep < 2; keep++) {
            bj_jit *f = bj_jit_new(fn_first_only, NULL, &(bj_jit_opts){.name = "ku", .argnames = "x, unused",
                                                                       .keep_unused = keep, .backend = BACKENDS[bi]});
            bj_array *x = f32a(2, V(1, 2)), *u = f32a(3, V(7, 8, 9));
            char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(u))), hdr[160];
            ir_line(ir, "func ", hdr, sizeof hdr);
            CHECK_MSG(!strcmp(hdr, keep ? "func ku(%0: f32[2] x, %1: f32[3] unused) {" : "func ku(%0: f32[2] x) {"),
                      "keep_unused=%d: '%s'", keep, hdr);
            bj_free(ir);
            CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_array(u))), BJ_F32, 2, V(2, 4), 0));
            CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(3))), BJ_F32, 2, V(2, 4), 0)); /* a scalar too */
            bj_jit_release(f);
            bj_array_release(x), bj_array_release(u);
        }
}

/* 6. Nested calls: g inlined is traced at every call site; g not inlined is traced once and its body reused by
 * two call sites and two callers. Results agree with each other and with the hand computation. */
static bj_status fn_g(bj_trace *t, void *ud) { /* g(x) = 3x + 1 */
    (void)ud;
    return bj_return(t, bj_add(bj_mul(bj_param(t, 0), 3), 1));
}
static bj_status fn_g_twice(bj_trace *t, void *ud) { /* f(x) = g(g(x)) */
    bj_jit *g = ud;
    bj_val *y = NULL, *z = NULL;
    bj_status s = bj_jit_call_traced(g, t, BJ_ARGS(bj_arg_val(bj_param(t, 0))), &y, 1);
    if (!s) s = bj_jit_call_traced(g, t, BJ_ARGS(bj_arg_val(y)), &z, 1);
    return s ? s : bj_return(t, z);
}
static bj_status fn_g_minus_one(bj_trace *t, void *ud) { /* f2(x) = g(x) - 1 */
    bj_jit *g = ud;
    bj_val *y = NULL;
    bj_status s = bj_jit_call_traced(g, t, BJ_ARGS(bj_arg_val(bj_param(t, 0))), &y, 1);
    return s ? s : bj_return(t, bj_sub(y, 1));
}
static void jit_nested_inline_vs_call(void) {
    double got[2][2][2][4]; /* [inlined][backend][caller][i] */
    for (int inl = 0; inl < 2; inl++)
        for (int bi = 0; bi < 2; bi++) {
            bj_jit *g = bj_jit_new(fn_g, NULL, &(bj_jit_opts){.name = "g", .inlined = inl, .backend = BACKENDS[bi]});
            bj_jit *f = bj_jit_new(fn_g_twice, g, &(bj_jit_opts){.name = "f", .backend = BACKENDS[bi]});
            bj_jit *f2 = bj_jit_new(fn_g_minus_one, g, &(bj_jit_opts){.name = "f2", .backend = BACKENDS[bi]});
            bj_array *x = f32a(4, V(1, 2, 3, 4));
            bj_array *y = call1(f, BJ_ARGS(bj_arg_array(x)));
            CHECK_MSG(stats_of(g).traces == (inl ? 2 : 1), "inlined=%d: g traced %lld times for two call sites", inl,
                      (long long)stats_of(g).traces);
            bj_array *y2 = call1(f2, BJ_ARGS(bj_arg_array(x)));
            CHECK_MSG(stats_of(g).traces == (inl ? 3 : 1), "inlined=%d: g traced %lld times for two callers", inl,
                      (long long)stats_of(g).traces);
            CHECK(stats_of(g).calls == 3 && stats_of(g).cache_hits == (inl ? 0 : 2));
            CHECK(test_arr_eq(y, BJ_F32, 1, SH(4), V(13, 22, 31, 40), 0)); /* 9x + 4 */
            CHECK(test_arr_eq(y2, BJ_F32, 1, SH(4), V(3, 6, 9, 12), 0));   /* 3x */
            for (int i = 0; i < 4; i++)
                got[inl][bi][0][i] = y ? bj_array_get(y, i) : NAN, got[inl][bi][1][i] = y2 ? bj_array_get(y2, i) : NAN;
            char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x)));
            CHECK_MSG(count_of(ir, "= call ") == (inl ? 0 : 2), "inlined=%d: %s", inl, ir);
            bj_free(ir);
            bj_array_release(y), bj_array_release(y2);
            bj_jit_release(f), bj_jit_release(f2), bj_jit_release(g);
            bj_array_release(x);
        }
    CHECK(!memcmp(got[0], got[1], sizeof got[0]) && !memcmp(got[0][0], got[0][1], sizeof got[0][0]));
}

/* 6. A Variable read and written inside a nested call (inlined or not) is updated by the outer call. */
static bj_status fn_g_counts(bj_trace *t, void *ud) { /* c += 1; return x * c */
    bj_var *c = ud;
    bj_val *n = bj_add(bj_var_read(t, c), 1);
    bj_var_write(t, c, n);
    return bj_return(t, bj_mul(bj_param(t, 0), n));
}
static bj_status fn_call_g(bj_trace *t, void *ud) {
    bj_jit *g = ud;
    bj_val *y = NULL;
    bj_status s = bj_jit_call_traced(g, t, BJ_ARGS(bj_arg_val(bj_param(t, 0))), &y, 1);
    return s ? s : bj_return(t, y);
}
static void jit_nested_variable_update(void) {
    for (int inl = 0; inl < 2; inl++)
        for (int bi = 0; bi < 2; bi++) {
            bj_array *one = test_scalar(BJ_F32, 1);
            bj_var *c = bj_var_new("count", one, -1);
            bj_jit *g =
                bj_jit_new(fn_g_counts, c, &(bj_jit_opts){.name = "g", .inlined = inl, .backend = BACKENDS[bi]});
            bj_jit *f = bj_jit_new(fn_call_g, g, &(bj_jit_opts){.name = "f", .backend = BACKENDS[bi]});
            bj_array *x = f32a(2, V(1, 2));
            CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(2, 4), 0));
            CHECK_MSG(var_get(c, 0) == 2, "inlined=%d %s: count %g", inl, BACKENDS[bi], var_get(c, 0));
            CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(3, 6), 0));
            CHECK(var_get(c, 0) == 3 && stats_of(f).traces == 1);
            char path[32];
            CHECK(bj_jit_num_vars(f) == 1 && bj_jit_var_at(f, 0, path, sizeof path) == c && !strcmp(path, "count"));
            bj_jit_release(f), bj_jit_release(g);
            bj_var_release(c);
            bj_array_release(x), bj_array_release(one);
        }
}

/* 6. A jit function calling itself while traced, directly or through another, is an error (no hang, no crash). */
typedef struct rec_ctx {
    bj_jit *callee;
} rec_ctx;
static bj_status fn_recurse(bj_trace *t, void *ud) {
    rec_ctx *c = ud;
    bj_val *y = NULL;
    bj_status s = bj_jit_call_traced(c->callee, t, BJ_ARGS(bj_arg_val(bj_param(t, 0))), &y, 1);
    return s ? s : bj_return(t, y);
}
static void jit_nested_recursion_refused(void) {
    bj_array *x = f32a(2, V(1, 2));
    for (int inl = 0; inl < 2; inl++) {
        rec_ctx self = {0}, to_h = {0}, to_g = {0};
        bj_jit *f = bj_jit_new(fn_recurse, &self, &(bj_jit_opts){.name = "rec", .inlined = inl});
        self.callee = f;
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_ERR_TRACE);
        CHECK_ERR_HAS("bj_jit_call_traced(rec): rec calls itself while being traced (recursion is not supported)");
        /* g -> h -> g */
        bj_jit *g = bj_jit_new(fn_recurse, &to_h, &(bj_jit_opts){.name = "g", .inlined = inl});
        bj_jit *h = bj_jit_new(fn_recurse, &to_g, &(bj_jit_opts){.name = "h", .inlined = inl});
        to_h.callee = h, to_g.callee = g;
        CHECK(bj_jit_call(g, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_ERR_TRACE);
        CHECK_ERR_HAS("g calls itself while being traced (recursion is not supported)");
        CHECK(stats_of(g).cache_size == 0 && stats_of(h).cache_size == 0);
        bj_jit_release(f), bj_jit_release(g), bj_jit_release(h);
    }
    bj_array_release(x);
}

/* 6. bj_jit_call (not _traced) inside a traced function fails "while tracing". */
typedef struct inner_ctx {
    bj_jit *g;
    bj_array *arg;
} inner_ctx;
static bj_status fn_calls_untraced(bj_trace *t, void *ud) {
    inner_ctx *c = ud;
    bj_array *y = NULL;
    bj_status s = bj_jit_call(c->g, BJ_ARGS(bj_arg_array(c->arg)), &y, 1);
    if (s) return s;
    bj_array_release(y);
    return bj_return(t, bj_param(t, 0));
}
static void jit_call_inside_trace_refused(void) {
    inner_ctx c = {.g = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "inner"}), .arg = f32a(2, V(1, 2))};
    bj_jit *f = bj_jit_new(fn_calls_untraced, &c, &(bj_jit_opts){.name = "outer"});
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(c.arg)), NULL, 0) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("bj_jit_call(inner): called while tracing 'outer'");
    CHECK_ERR_HAS("bj_jit_call_traced");
    CHECK(stats_of(c.g).calls == 0);
    CHECK(take_eq(call1(c.g, BJ_ARGS(bj_arg_array(c.arg))), BJ_F32, 2, V(3, 5), 0)); /* fine outside */
    bj_jit_release(f), bj_jit_release(c.g);
    bj_array_release(c.arg);
}

/* ================================================================ 7. clean failures */

/* 7. A trace failing midway (a shape error after Variable writes) leaves every Variable bit for bit as it was; the
 * handle stays usable. */
typedef struct mid_ctx {
    bj_var *v1, *v2;
    bool fail;
} mid_ctx;
static bj_status fn_fails_midway(bj_trace *t, void *ud) {
    mid_ctx *c = ud;
    bj_var_write(t, c->v1, bj_mul(bj_var_read(t, c->v1), 2));
    bj_var_write(t, c->v2, bj_add(bj_var_read(t, c->v2), 1));
    bj_val *x = bj_param(t, 0);
    return bj_return(t, c->fail ? bj_add(x, bj_ones(t, BJ_F32, 1, SH(4))) : x);
}
static void jit_failed_trace_leaves_variables(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *a1 = f32a(3, V(0.1, 0.2, 0.3)), *a2 = test_scalar(BJ_F64, 3.141592653589793);
        mid_ctx c = {.v1 = bj_var_new("v1", a1, -1), .v2 = bj_var_new("v2", a2, -1), .fail = true};
        bj_jit *f = bj_jit_new(fn_fails_midway, &c, &(bj_jit_opts){.name = "mid", .backend = BACKENDS[bi]});
        bj_array *x = f32a(3, V(1, 2, 3));
        CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_ERR_SHAPE);
        CHECK_ERR_HAS("f32[3]");
        CHECK_ERR_HAS("f32[4]");
        CHECK(!memcmp(bj_array_data(bj_var_value(c.v1)), bj_array_data(a1), 12));
        CHECK(!memcmp(bj_array_data(bj_var_value(c.v2)), bj_array_data(a2), 8));
        CHECK(stats_of(f).cache_size == 0 && stats_of(f).traces == 0);
        c.fail = false;
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 3, V(1, 2, 3), 0));
        CHECK(test_arr_eq(bj_var_value(c.v1), BJ_F32, 1, SH(3), V(0.2f, 0.4f, 0.6f), 1e-7));
        CHECK(var_get(c.v2, 0) == 3.141592653589793 + 1);
        bj_jit_release(f);
        bj_var_release(c.v1), bj_var_release(c.v2);
        bj_array_release(a1), bj_array_release(a2), bj_array_release(x);
    }
}

/* 7. A failed compile (test_fault=compile_error, cpu) fails the call, leaves Variables as they were; the handle
 * works once the fault is gone. The interpreter compiles nothing, so it is not affected. */
static bj_status fn_unique_step(bj_trace *t, void *ud) { /* a graph seen nowhere else, so no cache serves it */
    bj_var *v = ud;
    return bj_var_write(t, v, bj_add(bj_mul(bj_var_read(t, v), 7.123456789), bj_param(t, 0)));
}
static void jit_failed_compile_leaves_variables(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *init = f32a(3, V(1, 2, 3)), *x = f32a(3, V(1, 1, 1));
        bj_var *v = bj_var_new("v", init, -1);
        bj_jit *f = bj_jit_new(fn_unique_step, v, &(bj_jit_opts){.name = "faulty", .backend = BACKENDS[bi]});
        CHECK(bj_config_set("test_fault", "compile_error") == BJ_OK);
        bj_status s = bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0);
        bj_config_set("test_fault", NULL);
        if (bi == 0) {
            CHECK(s == BJ_ERR_INTERNAL);
            CHECK_ERR_HAS("faulty: compiling failed");
            CHECK(!memcmp(bj_array_data(bj_var_value(v)), bj_array_data(init), 12));
            CHECK(stats_of(f).compiles == 0 && stats_of(f).traces == 1);
            CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_array(x)), NULL, 0) == BJ_OK); /* the traced entry compiles now */
            CHECK(stats_of(f).compiles == 1 && stats_of(f).traces == 1);
        } else {
            CHECK(s == BJ_OK);
        }
        double want[3];
        for (int i = 0; i < 3; i++) want[i] = (float)((float)(i + 1) * (float)7.123456789) + 1.0f;
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(3), want, 0));
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(init), bj_array_release(x);
    }
}

/* ================================================================ 8. introspection and ahead of time */

/* 8. bj_jit_ir for shape specs alone (no data) and for arrays; a bad spec is refused. */
static void jit_ir_from_specs(void) {
    bj_jit *f = bj_jit_new(fn_mul, NULL, &(bj_jit_opts){.name = "irspec", .argnames = "x, s"});
    char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_spec(BJ_F32, 2, SH(3, 4)), bj_arg_spec(BJ_F32, 1, SH(4)))), hdr[160];
    ir_line(ir, "func ", hdr, sizeof hdr);
    CHECK_MSG(!strcmp(hdr, "func irspec(%0: f32[3,4] x, %1: f32[4] s) {"), "'%s'", hdr);
    CHECK_HAS(ir, "f32[3,4] = mul %0, %1");
    bj_free(ir);
    bj_array *x = test_arr(BJ_I32, 1, SH(2), V(1, 2));
    ir = bj_jit_ir(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(2)));
    CHECK_HAS(ir_line(ir, "func ", hdr, sizeof hdr), "(%0: i32[2] x, %1: f32[] ~ s)");
    bj_free(ir);
    CHECK(!bj_jit_ir(f, BJ_ARGS(bj_arg_spec((bj_dtype)99, 1, SH(4)), bj_arg_f64(1))));
    CHECK_ERR_HAS("argument 0 (x): invalid dtype 99");
    CHECK(!bj_jit_ir(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(-4)), bj_arg_f64(1))));
    CHECK(stats_of(f).calls == 0 && stats_of(f).traces == 2);
    bj_jit_release(f);
    bj_array_release(x);
}

/* 8. bj_jit_source: C source with "bj_entry" on cpu; BJ_ERR_UNSUPPORTED on the interpreter. */
static void jit_source(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "src", .backend = BACKENDS[bi]});
        char *s = bj_jit_source(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(16))));
        if (bi == 0) {
            CHECK_HAS(s, "bj_entry");
        } else {
            CHECK(!s && bj_last_status() == BJ_ERR_UNSUPPORTED);
            CHECK_ERR_HAS("bj_jit_source(src): backend \"interp\" generates no source");
        }
        bj_free(s);
        bj_jit_release(f);
    }
}

/* 8. Ahead of time: bj_jit_compile on a spec, then a call with a real array of that shape is a cache hit. */
static void jit_aot_compile_then_call(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.argnames = "x", .backend = BACKENDS[bi]});
        CHECK(bj_jit_compile(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(6)))) == BJ_OK);
        bj_jit_stats st = stats_of(f);
        CHECK(st.compiles == 1 && st.traces == 1 && st.calls == 0 && st.cache_size == 1);
        bj_array *x = test_seq(BJ_F32, 1, SH(6));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 6, V(1, 3, 5, 7, 9, 11), 0));
        st = stats_of(f);
        CHECK_MSG(st.compiles == 1 && st.traces == 1 && st.cache_hits == 1 && st.cache_misses == 1 && st.calls == 1,
                  "compiles %lld traces %lld hits %lld", (long long)st.compiles, (long long)st.traces,
                  (long long)st.cache_hits);
        CHECK(bj_jit_compile(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(6)))) == BJ_OK && stats_of(f).compiles == 1);
        bj_jit_release(f);
        bj_array_release(x);
    }
}

/* 8. A shape spec passed to bj_jit_call is refused. */
static void jit_spec_call_refused(void) {
    bj_jit *f = bj_jit_new(fn_affine, NULL, &(bj_jit_opts){.name = "spec", .argnames = "x"});
    bj_array *y = NULL;
    CHECK(bj_jit_call(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(3))), &y, 1) == BJ_ERR_ARG && !y);
    CHECK_ERR_HAS("bj_jit_call(spec): argument 0 is a shape spec (bj_arg_spec): it can be compiled and inspected, "
                  "not run");
    bj_jit_release(f);
}

/* ================================================================ 9. threads */

/* 9. Two threads calling one handle 1000 times each on their own arrays get correct results every time, and a
 * Variable incremented by each call ends at exactly 2000. */
typedef struct thread_job {
    bj_jit *f;
    float base;
    int bad;
} thread_job;
static bj_status fn_count_and_affine(bj_trace *t, void *ud) {
    bj_var *n = ud;
    bj_var_write(t, n, bj_add(bj_var_read(t, n), 1));
    return bj_return(t, bj_add(bj_mul(bj_param(t, 0), 2), 1));
}
static void *thread_main(void *arg) {
    thread_job *j = arg;
    bj_array *x = bj_array_zeros(BJ_F32, 1, SH(16));
    for (int it = 0; it < 1000 && x; it++) {
        float *p = bj_array_data(x);
        for (int i = 0; i < 16; i++) p[i] = j->base + (float)(it * 16 + i);
        bj_array *y = NULL;
        if (bj_jit_call(j->f, BJ_ARGS(bj_arg_array(x)), &y, 1)) {
            j->bad++;
            continue;
        }
        const float *q = bj_array_data(y);
        for (int i = 0; i < 16; i++) j->bad += q[i] != p[i] * 2 + 1;
        bj_array_release(y);
    }
    if (!x) j->bad = -1;
    bj_array_release(x);
    return NULL;
}
static void jit_threads_share_a_handle(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *zero = test_scalar(BJ_F64, 0);
        bj_var *n = bj_var_new("calls", zero, -1);
        bj_jit *f = bj_jit_new(fn_count_and_affine, n, &(bj_jit_opts){.name = "mt", .backend = BACKENDS[bi]});
        thread_job jobs[2] = {{f, 0, 0}, {f, 100000, 0}};
        pthread_t th[2];
        int started = 0;
        for (int i = 0; i < 2; i++) started += !pthread_create(&th[i], NULL, thread_main, &jobs[i]);
        CHECK(started == 2);
        for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
        CHECK_MSG(jobs[0].bad == 0 && jobs[1].bad == 0, "%s: %d and %d bad results", BACKENDS[bi], jobs[0].bad,
                  jobs[1].bad);
        CHECK_MSG(var_get(n, 0) == 2000, "%s: counter %g", BACKENDS[bi], var_get(n, 0));
        CHECK(stats_of(f).calls == 2000 && stats_of(f).traces == 1);
        bj_jit_release(f);
        bj_var_release(n);
        bj_array_release(zero);
    }
}

/* ================================================================ 10. foreign callers (no callback) */

/* Traces selu on t through the generic entry bj_op, with literals made by hand; returns bj_return's status. */
static bj_status trace_selu_generic(bj_trace *t) {
    bj_val *x = bj_param(t, 0), *alpha = bj_param(t, 1), *lmbda = bj_param(t, 2);
    bj_val *zero = bj_lit_f64(t, 0, true);
    bj_val *pos = bj_op(t, "gt", (bj_val *[]){x, zero}, 2, NULL);
    bj_val *ex = bj_op(t, "exp", (bj_val *[]){x}, 1, NULL);
    bj_val *neg = bj_op(t, "sub", (bj_val *[]){bj_op(t, "mul", (bj_val *[]){alpha, ex}, 2, NULL), alpha}, 2, NULL);
    bj_val *w = bj_op(t, "where", (bj_val *[]){pos, x, neg}, 3, NULL);
    return bj_return(t, bj_op(t, "mul", (bj_val *[]){lmbda, w}, 2, NULL));
}

/* 10. selu without a callback: needs_trace 1, trace_begin / bj_op / bj_return / trace_end, needs_trace 0; the
 * calls give the callback version's values. */
static void jit_foreign_selu(void) {
    double got[2][2][5];
    for (int bi = 0; bi < 2; bi++) {
        const bj_jit_opts o = {.name = "selu", .argnames = "x, alpha, lmbda", .static_argnames = "alpha, lmbda",
                               .backend = BACKENDS[bi]};
        bj_jit *fo = bj_jit_new(NULL, NULL, &o), *cb = bj_jit_new(fn_selu, NULL, &o);
        bj_array *x = test_arr(BJ_F32, 1, SH(5), SELU_X);
        const double params[2][2] = {{1.67, 1.05}, {2.0, 1.0}};
        for (int k = 0; k < 2; k++) {
            bj_arg args[3] = {bj_arg_array(x), bj_arg_f64(params[k][0]), bj_arg_f64(params[k][1])};
            CHECK(bj_jit_needs_trace(fo, args, 3) == 1);
            CHECK(bj_jit_call(fo, args, 3, NULL, 0) == BJ_ERR_TRACE);
            CHECK_ERR_HAS("no compiled signature for these arguments and no function to trace");
            bj_trace *t = bj_jit_trace_begin(fo, args, 3);
            CHECK(t && bj_num_params(t) == 3);
            CHECK(trace_selu_generic(t) == BJ_OK);
            CHECK(bj_jit_trace_end(t) == BJ_OK);
            CHECK(bj_jit_needs_trace(fo, args, 3) == 0);
            bj_array *yf = call1(fo, args, 3), *yc = call1(cb, args, 3);
            double want[5];
            for (int i = 0; i < 5; i++) want[i] = selu_c(SELU_X[i], params[k][0], params[k][1]);
            CHECK(test_arr_eq(yf, BJ_F32, 1, SH(5), want, 1e-6));
            CHECK(yf && yc && !memcmp(bj_array_data(yf), bj_array_data(yc), 5 * sizeof(float)));
            for (int i = 0; i < 5; i++) got[bi][k][i] = yf ? bj_array_get(yf, i) : NAN;
            bj_array_release(yf), bj_array_release(yc);
        }
        bj_jit_stats st = stats_of(fo);
        CHECK(st.traces == 2 && st.compiles == 2 && st.cache_hits == 2);
        bj_jit_release(fo), bj_jit_release(cb);
        bj_array_release(x);
    }
    CHECK(!memcmp(got[0], got[1], sizeof got[0]));
}

/* 10. Variables read and written on the callback-free path are updated by every later bj_jit_call. */
static void jit_foreign_variables(void) {
    for (int bi = 0; bi < 2; bi++) {
        bj_array *init = f32a(2, V(1, 2)), *x = f32a(2, V(10, 20));
        bj_var *v = bj_var_new("acc", init, -1);
        bj_jit *f = bj_jit_new(NULL, NULL, &(bj_jit_opts){.name = "acc", .argnames = "x", .backend = BACKENDS[bi]});
        bj_trace *t = bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(x)));
        bj_val *nv = bj_op(t, "add", (bj_val *[]){bj_var_read(t, v), bj_param(t, 0)}, 2, NULL);
        CHECK(bj_var_write(t, v, nv) == BJ_OK);
        CHECK(bj_return(t, bj_var_read(t, v)) == BJ_OK);
        CHECK(bj_jit_trace_end(t) == BJ_OK);
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(2), V(1, 2), 0)); /* tracing changes nothing */
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(11, 22), 0));
        CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(21, 42), 0));
        CHECK(test_arr_eq(bj_var_value(v), BJ_F32, 1, SH(2), V(21, 42), 0));
        char path[16];
        CHECK(bj_jit_num_vars(f) == 1 && bj_jit_var_at(f, 0, path, sizeof path) == v && !strcmp(path, "acc"));
        bj_jit_release(f);
        bj_var_release(v);
        bj_array_release(init), bj_array_release(x);
    }
}

/* 10. A jit trace is not a plain trace: bj_trace_finish / bj_trace_free refuse it; bj_jit_trace_end ends it. */
static void jit_foreign_trace_misuse(void) {
    bj_jit *f = bj_jit_new(NULL, NULL, &(bj_jit_opts){.name = "fm", .argnames = "x"});
    bj_array *x = f32a(2, V(1, 2));
    bj_trace *t = bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(x)));
    bj_val *p = bj_param(t, 0);
    CHECK(!bj_trace_finish(t, &p, 1));
    CHECK_ERR_HAS("bj_trace_finish: trace 'fm' belongs to a jit function; end it with bj_jit_trace_end");
    bj_trace_free(t);
    CHECK_ERR_HAS("bj_trace_free: trace 'fm' belongs to a jit function");
    CHECK(bj_jit_trace_end(t) == BJ_ERR_TRACE); /* the trace failed: nothing cached, the lock is released */
    CHECK_ERR_HAS("belongs to a jit function");
    CHECK(bj_jit_needs_trace(f, BJ_ARGS(bj_arg_array(x))) == 1);
    t = bj_jit_trace_begin(f, BJ_ARGS(bj_arg_array(x)));
    CHECK(t && bj_return(t, bj_op(t, "neg", (bj_val *[]){bj_param(t, 0)}, 1, NULL)) == BJ_OK);
    CHECK(bj_jit_trace_end(t) == BJ_OK);
    CHECK(take_eq(call1(f, BJ_ARGS(bj_arg_array(x))), BJ_F32, 2, V(-1, -2), 0));
    /* and a plain trace is not a jit trace */
    bj_trace *plain = bj_trace_new("plain");
    CHECK(bj_jit_trace_end(plain) == BJ_ERR_TRACE);
    CHECK_ERR_HAS("bj_jit_trace_end: trace 'plain' was not begun with bj_jit_trace_begin");
    CHECK(!bj_param(plain, 0));
    CHECK_ERR_HAS("bj_param: trace 'plain' is not tracing a jit function");
    bj_trace_free(plain);
    bj_jit_release(f);
    bj_array_release(x);
}


/* ---------------------------------------------------------------- 6b abstracted axes */
/* y = x * 2 + mean(x), v += sum(x): x: f32[n] with n abstract */
static bj_var *abs_total;
static bj_status abs_fn(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0);
    bj_status s = bj_var_write(t, abs_total, bj_add(bj_var_read(t, abs_total), bj_sum(x, 0, NULL, false)));
    return s ? s : bj_return(t, bj_add(bj_mul(x, 2.0), bj_mean(x, 0, NULL, false)));
}

/* One trace and one executable serve N = 100 and N = 200 (and 7); results as computed in C. */
static void jit_abstracted_axes_compile_once(void) {
    for (int b = 0; b < 2; b++) {
        bj_array *z = bj_array_zeros(BJ_F32, 0, NULL);
        abs_total = bj_var_new("total", z, -1);
        bj_array_release(z);
        bj_jit *f = bj_jit_new(abs_fn, NULL, &(bj_jit_opts){.argnames = "x", .abstracted_axes = "x: n",
                                                             .backend = BACKENDS[b]});
        CHECK(f);
        bj_cpu_stats c0, c1;
        bj_cpu_stats_get(&c0);
        double total = 0;
        const int sizes[] = {100, 200, 7, 100};
        for (int k = 0; k < 4; k++) {
            int n = sizes[k];
            double *v = malloc(sizeof *v * (size_t)n), *want = malloc(sizeof *want * (size_t)n), sum = 0;
            for (int i = 0; i < n; i++) v[i] = (i % 5) - 2 + 0.25 * k, sum += (float)v[i];
            for (int i = 0; i < n; i++) want[i] = v[i] * 2 + sum / n;
            total += sum;
            bj_array *x = f32a(n, v);
            bj_array *y = call1(f, BJ_ARGS(bj_arg_array(x)));
            CHECK_MSG(y && bj_array_size(y) == n, "%s n=%d: %s", BACKENDS[b], n, bj_last_error());
            if (y) CHECK(take_eq(y, BJ_F32, n, want, 1e-5));
            CHECK(test_close(bj_array_get(bj_var_value(abs_total), 0), total, 1e-5));
            bj_array_release(x);
            free(v), free(want);
        }
        bj_cpu_stats_get(&c1);
        bj_jit_stats st = stats_of(f);
        CHECK_MSG(st.traces == 1 && st.compiles == 1 && st.cache_hits == 3, "%s: traces %lld compiles %lld hits %lld",
                  BACKENDS[b], (long long)st.traces, (long long)st.compiles, (long long)st.cache_hits);
        if (!strcmp(BACKENDS[b], "cpu")) CHECK(c1.compiles + c1.memory_hits + c1.disk_hits - c0.compiles -
                                               c0.memory_hits - c0.disk_hits == 1);
        /* any size is served by the one trace: the IR of n = 50 comes from the cache */
        char *ir = bj_jit_ir(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(50))));
        CHECK_HAS(ir, "x");
        CHECK(stats_of(f).traces == 1);
        bj_free(ir);
        CHECK(bj_jit_compile(f, BJ_ARGS(bj_arg_spec(BJ_F32, 1, SH(1000)))) == BJ_OK && stats_of(f).compiles == 1);
        bj_jit_release(f);
        bj_var_release(abs_total);
    }
}

static bj_status abs2_fn(bj_trace *t, void *ud) {
    (void)ud;
    return bj_return(t, bj_add(bj_param(t, 0), bj_param(t, 1)));
}

/* Misuse: a size mismatch between two arguments sharing an axis name, a rank the spec does not fit, a name that
 * is not a parameter, an op that cannot take an abstract axis. */
static void jit_abstracted_axes_errors(void) {
    CHECK(!bj_jit_new(abs2_fn, NULL, &(bj_jit_opts){.argnames = "x, y", .abstracted_axes = "z: n"}));
    CHECK_ERR_HAS("abstracted_axes: \"z\" is not a parameter");
    CHECK(!bj_jit_new(abs2_fn, NULL, &(bj_jit_opts){.argnames = "x, y", .abstracted_axes = "x n"}));
    CHECK_ERR_HAS("should be \"<parameter>: <axis names>\"");
    for (int b = 0; b < 2; b++) {
        bj_jit *f = bj_jit_new(abs2_fn, NULL, &(bj_jit_opts){.argnames = "x, y", .abstracted_axes = "x: n; y: n",
                                                              .backend = BACKENDS[b]});
        double v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        bj_array *x5 = f32a(5, v), *y5 = f32a(5, v), *y7 = f32a(7, v), *m = test_arr(BJ_F32, 2, SH(2, 2), v);
        bj_array *y = call1(f, BJ_ARGS(bj_arg_array(x5), bj_arg_array(y5)));
        CHECK(y && bj_array_get(y, 4) == 10);
        bj_array_release(y);
        CHECK(!call1(f, BJ_ARGS(bj_arg_array(x5), bj_arg_array(y7))));
        CHECK_ERR_HAS("input 1 (y) is f32[7]");
        CHECK_ERR_HAS("n = 5");
        CHECK(!call1(f, BJ_ARGS(bj_arg_array(m), bj_arg_array(y5))));
        CHECK_ERR_HAS("abstracted_axes names 1 axes for it");
        y = call1(f, BJ_ARGS(bj_arg_array(y7), bj_arg_array(y7))); /* still usable, same executable */
        CHECK(y && bj_array_size(y) == 7 && stats_of(f).compiles == 1);
        bj_array_release(y);
        bj_array_release(x5), bj_array_release(y5), bj_array_release(y7), bj_array_release(m);
        bj_jit_release(f);
    }
}

void tests_jit(void) {
    /* 1 */
    RUN(jit_handle_names_printing_and_variables);
    RUN(jit_bad_handles);
    RUN(jit_options_argnames_defaults_keywords);
    RUN(jit_options_static_argnums);
    RUN(jit_options_backend_and_device);
    RUN(jit_options_bad_strings);
    RUN(jit_call_argument_errors);
    RUN(jit_clear_cache_and_retain);
    /* 2 */
    RUN(jit_hello_example);
    RUN(jit_reads_and_writes_recorded_separately);
    RUN(jit_variable_updated_in_place);
    RUN(jit_read_after_write);
    RUN(jit_variable_write_wrong_type);
    RUN(jit_weak_value_takes_variable_dtype);
    RUN(jit_var_new_and_set_while_tracing);
    RUN(jit_variable_as_argument);
    RUN(jit_variable_batch_axis_change_retraces);
    /* 3 */
    RUN(jit_static_int_and_float_differ);
    RUN(jit_static_strings_and_bools);
    RUN(jit_static_and_dynamic_kind_errors);
    RUN(jit_dynamic_double_is_weak_f32);
    RUN(jit_shape_change_retraces);
    RUN(jit_lru_bound);
    RUN(jit_miss_explanations);
    RUN(jit_explain_misses_and_log_compiles);
    /* 4 */
    RUN(jit_static_arguments_fold);
    RUN(jit_static_steers_control_flow);
    RUN(jit_dynamic_parameter_value_errors);
    RUN(jit_val_to_f64);
    /* 5 */
    RUN(jit_donation_reuses_buffer);
    RUN(jit_donation_unused_warns);
    RUN(jit_donation_of_variable_refused);
    RUN(jit_donation_of_shared_array_refused);
    /* 6 */
    RUN(jit_keep_unused);
    RUN(jit_nested_inline_vs_call);
    RUN(jit_nested_variable_update);
    RUN(jit_nested_recursion_refused);
    RUN(jit_call_inside_trace_refused);
    RUN(jit_abstracted_axes_compile_once);
    RUN(jit_abstracted_axes_errors);
    /* 7 */
    RUN(jit_failed_trace_leaves_variables);
    RUN(jit_failed_compile_leaves_variables);
    /* 8 */
    RUN(jit_ir_from_specs);
    RUN(jit_source);
    RUN(jit_aot_compile_then_call);
    RUN(jit_spec_call_refused);
    /* 9 */
    RUN(jit_threads_share_a_handle);
    /* 10 */
    RUN(jit_foreign_selu);
    RUN(jit_foreign_variables);
    RUN(jit_foreign_trace_misuse);
}
