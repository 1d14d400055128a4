/* selu.c — the seed's second example: selu(x, alpha=1.67, lmbda=1.05) jitted twice, with alpha and lmbda dynamic
 * (weakly typed scalars: one trace serves every value) and static (folded into the code: a trace per value), and
 * the results compared with the formula computed directly in C. */
#include <brainjit.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* lmbda * where(x > 0, x, alpha * exp(x) - alpha) */
static bj_status selu(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0), *alpha = bj_param(t, 1), *lmbda = bj_param(t, 2);
    return bj_return(t, bj_mul(lmbda, bj_where(bj_gt(x, 0.0), x, bj_sub(bj_mul(alpha, bj_exp(x)), alpha))));
}

/* The same formula in plain C, float32 as the traced one (for the comparison). */
static float selu_c(float x, float alpha, float lmbda) { return lmbda * (x > 0 ? x : alpha * expf(x) - alpha); }

static int ulps(float a, float b) {
    int32_t ia, ib;
    memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
    if (ia < 0) ia = INT32_MIN - ia;
    if (ib < 0) ib = INT32_MIN - ib;
    return ia > ib ? ia - ib : ib - ia;
}

static int run(bj_jit *f, bj_array *x, double alpha, double lmbda, const char *label) {
    bj_array *y = NULL;
    if (bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_kw("alpha", bj_arg_f64(alpha)), bj_kw("lmbda", bj_arg_f64(lmbda))),
                    &y, 1)) {
        fprintf(stderr, "selu: %s\n", bj_last_error());
        return 1;
    }
    int worst = 0;
    printf("%-8s alpha=%-5g lmbda=%-5g y =", label, alpha, lmbda);
    for (int64_t i = 0; i < bj_array_size(y); i++) {
        float yi = ((float *)bj_array_data(y))[i], ci = selu_c(((float *)bj_array_data(x))[i], (float)alpha, (float)lmbda);
        int u = ulps(yi, ci);
        worst = u > worst ? u : worst;
        printf(" %.7g", yi);
    }
    printf("   (max %d ulp from C)\n", worst);
    bj_array_release(y);
    return worst > 1;
}

int main(int argc, char **argv) {
    /* one optional argument: the backend, whose name the library checks */
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fprintf(help ? stdout : stderr, "usage: selu [cpu|interp]   (the backend, default cpu)\n");
        return help ? 0 : 2;
    }
    const char *backend = argc > 1 ? argv[1] : "cpu";
    bj_array *x = bj_array_new(BJ_F32, 1, (int64_t[]){5}, (float[]){-2, -1, 0, 1, 2});
    bj_jit *dyn = bj_jit_new(selu, NULL, &(bj_jit_opts){.name = "selu", .argnames = "x, alpha=1.67, lmbda=1.05",
                                                        .backend = backend});
    bj_jit *stat = bj_jit_new(selu, NULL, &(bj_jit_opts){.name = "selu_static", .argnames = "x, alpha=1.67, lmbda=1.05",
                                                         .static_argnames = "alpha, lmbda", .backend = backend});
    if (!dyn || !stat) { /* a bad backend name is a usage error */
        fprintf(stderr, "selu: %s\n", bj_last_error());
        return bj_last_status() == BJ_ERR_ARG ? 2 : 1;
    }
    int bad = 0;
    bad |= run(dyn, x, 1.67, 1.05, "dynamic");
    bad |= run(dyn, x, 2.0, 1.0, "dynamic");
    bad |= run(stat, x, 1.67, 1.05, "static");
    bad |= run(stat, x, 2.0, 1.0, "static");
    bj_jit_stats a, b;
    bj_jit_stats_get(dyn, &a), bj_jit_stats_get(stat, &b);
    printf("dynamic alpha/lmbda: %lld traces for 2 calls; static: %lld traces for 2 calls\n", (long long)a.traces,
           (long long)b.traces);
    char *ir = bj_jit_ir(stat, BJ_ARGS(bj_arg_array(x)));
    printf("static IR (alpha and lmbda folded):\n%s", ir ? ir : bj_last_error());
    bj_free(ir);
    bj_jit_release(dyn), bj_jit_release(stat);
    bj_array_release(x);
    return bad;
}
