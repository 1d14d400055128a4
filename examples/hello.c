/* hello.c — the seed's first example: an object Hello with Variables a = 10 and b = 2 and a method transform doing
 * a *= b, jitted; the Variables are found automatically, and the third call shows no new trace happened. */
#include <brainjit.h>

#include <stdio.h>
#include <string.h>

typedef struct Hello {
    bj_object *obj;
    bj_var *a, *b;
} Hello;

/* def transform(self): self.a *= self.b */
static bj_status transform(bj_trace *t, void *self) {
    Hello *h = self;
    return bj_var_write(t, h->a, bj_mul(bj_var_read(t, h->a), bj_var_read(t, h->b)));
}

static bj_var *scalar_var(bj_object *o, const char *attr, float v) {
    bj_array *x = bj_array_full(BJ_F32, 0, NULL, v);
    bj_var *var = bj_var_new(attr, x, -1);
    bj_array_release(x);
    if (var && bj_object_add_var(o, attr, var)) bj_var_release(var), var = NULL;
    bj_var_release(var); /* the object holds it */
    return var;
}

int main(int argc, char **argv) {
    /* one optional argument: the backend, whose name the library checks */
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fprintf(help ? stdout : stderr, "usage: hello [cpu|interp]   (the backend, default cpu)\n");
        return help ? 0 : 2;
    }
    const char *backend = argc > 1 ? argv[1] : "cpu";
    Hello h = {.obj = bj_object_new("Hello", NULL)};
    h.a = scalar_var(h.obj, "a", 10.0f);
    h.b = scalar_var(h.obj, "b", 2.0f);
    bj_jit *step = bj_jit_method(h.obj, "transform", transform, &h, &(bj_jit_opts){.backend = backend});
    if (!step) { /* a bad backend name is a usage error */
        fprintf(stderr, "hello: %s\n", bj_last_error());
        return bj_last_status() == BJ_ERR_ARG ? 2 : 1;
    }
    int bad = 0;
    for (int call = 1; call <= 3; call++) {
        if (bj_jit_call(step, NULL, 0, NULL, 0)) {
            fprintf(stderr, "hello: %s\n", bj_last_error());
            return 1;
        }
        bj_jit_stats st;
        bj_jit_stats_get(step, &st);
        double a = bj_array_get(bj_var_value(h.a), 0);
        printf("call %d: a = %g   (traces %lld, compiles %lld, cache hits %lld)\n", call, a, (long long)st.traces,
               (long long)st.compiles, (long long)st.cache_hits);
        bad |= a != 10.0 * (1 << call) || st.traces != 1; /* 20, 40, 80, traced once */
    }
    bj_jit_print(step, stdout);
    for (int i = 0; i < bj_jit_num_vars(step); i++) {
        char path[128];
        bj_var *v = bj_jit_var_at(step, i, path, sizeof path);
        printf("  %s = %g\n", path, bj_array_get(bj_var_value(v), 0));
    }
    char *ir = bj_jit_ir(step, NULL, 0);
    printf("%s", ir ? ir : bj_last_error());
    bj_free(ir);
    bj_jit_release(step);
    bj_object_release(h.obj);
    return bad;
}
