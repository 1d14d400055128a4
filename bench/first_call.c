/* first_call.c — the time of a first call of the seed's selu (x f32[5], alpha and lmbda static, as jax.jit with
 * static_argnames), from the call to its result, for bench/compile_bench.py; the cache directory is the caller's
 * (BJ_CACHE_DIR). Prints "first_call_ms <ms>" and the C compiler's runs. */
#include <brainjit.h>

#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* lmbda * where(x > 0, x, alpha * exp(x) - alpha) */
static bj_status selu(bj_trace *t, void *ud) {
    (void)ud;
    bj_val *x = bj_param(t, 0), *alpha = bj_param(t, 1), *lmbda = bj_param(t, 2);
    return bj_return(t, bj_mul(lmbda, bj_where(bj_gt(x, 0.0), x, bj_sub(bj_mul(alpha, bj_exp(x)), alpha))));
}

int main(void) {
    bj_array *x = bj_array_new(BJ_F32, 1, (int64_t[]){5}, (float[]){-2, -1, 0, 1, 2}), *y = NULL;
    bj_jit *f = bj_jit_new(selu, NULL, &(bj_jit_opts){.name = "selu", .argnames = "x, alpha, lmbda",
                                                     .static_argnames = "alpha, lmbda"});
    double t0 = now();
    bj_status s = f && x ? bj_jit_call(f, BJ_ARGS(bj_arg_array(x), bj_arg_f64(1.67), bj_arg_f64(1.05)), &y, 1)
                         : bj_last_status();
    double dt = now() - t0;
    if (s || !y) {
        fprintf(stderr, "first_call: %s\n", bj_last_error());
        return 1;
    }
    bj_cpu_stats c;
    bj_cpu_stats_get(&c);
    printf("first_call_ms %.3f compiles %lld disk_hits %lld y0 %.7g\n", dt * 1e3, (long long)c.compiles,
           (long long)c.disk_hits, (double)((const float *)bj_array_data(y))[0]);
    bj_array_release(y), bj_array_release(x);
    bj_jit_release(f);
    return 0;
}
