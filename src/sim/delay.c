/* delay.c — synaptic delays of a whole number of steps: a ring buffer Variable [steps, N] and a head index
 * Variable; the value read at step s is the one pushed at step s - steps. Built on the public API only (dynamic
 * slices of Variables), so it works inside compiled loops, where both Variables are carried. */
#define BJ_BUILDING 1 /* the public functions defined here are exported from the shared library */
#include <brainjit.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

bj_status bj_delay_init(bj_delay *dl, const char *name, bj_dtype dtype, int64_t n, int64_t steps) {
    if (!dl) return bj_set_error(BJ_ERR_ARG, "bj_delay_init: dl is NULL");
    memset(dl, 0, sizeof *dl);
    int64_t cells;
    if (steps < 1 || steps > INT32_MAX) /* the head is an int32 Variable */
        return bj_set_error(BJ_ERR_ARG, "bj_delay_init: steps must be in [1, %d], got %lld", INT32_MAX,
                            (long long)steps);
    if (n < 0) return bj_set_error(BJ_ERR_ARG, "bj_delay_init: n must be >= 0, got %lld", (long long)n);
    if (__builtin_mul_overflow(steps, n, &cells))
        return bj_set_error(BJ_ERR_ARG, "bj_delay_init: steps x n = %lld x %lld overflows int64", (long long)steps,
                            (long long)n);
    if (name && strlen(name) > 128) /* the Variables' names would be cut */
        return bj_set_error(BJ_ERR_ARG, "bj_delay_init: name has %zu characters, at most 128", strlen(name));
    char nm[160];
    snprintf(nm, sizeof nm, "%s_buffer", name ? name : "delay");
    bj_array *z = bj_array_zeros(dtype, 2, (int64_t[]){steps, n}), *h = bj_array_zeros(BJ_I32, 0, NULL);
    if (z && h) dl->buf = bj_var_new(nm, z, -1);
    snprintf(nm, sizeof nm, "%s_head", name ? name : "delay");
    if (dl->buf) dl->head = bj_var_new(nm, h, -1);
    bj_array_release(z), bj_array_release(h);
    if (!dl->head) {
        bj_status s = bj_last_status();
        bj_var_release(dl->buf);
        memset(dl, 0, sizeof *dl);
        return s ? s : BJ_ERR_NOMEM;
    }
    dl->steps = steps, dl->n = n;
    return BJ_OK;
}

/* A delay made by bj_delay_init whose public fields still describe its buffer (a changed steps would silently
 * wrap the ring at the wrong place). */
static bool delay_ok(const char *fn, const bj_delay *dl) {
    if (!dl || !dl->buf || !dl->head)
        return bj_set_error(BJ_ERR_ARG, "%s: not an initialised delay", fn), false;
    const bj_array *b = bj_var_value(dl->buf);
    const int64_t *sh = b && bj_array_rank(b) == 2 ? bj_array_shape(b) : NULL;
    if (!sh || dl->steps < 1 || dl->steps > INT32_MAX || sh[0] != dl->steps || sh[1] != dl->n)
        return bj_set_error(BJ_ERR_ARG, "%s: the delay's steps (%lld) and n (%lld) do not match its buffer; they are "
                            "set by bj_delay_init", fn, (long long)dl->steps, (long long)dl->n), false;
    return true;
}

bj_val *bj_delay_read(bj_trace *t, const bj_delay *dl) {
    if (!delay_ok("bj_delay_read", dl)) return NULL;
    bj_val *head = bj_var_read(t, dl->head), *zero = bj_lit(t, BJ_I32, 0);
    bj_val *starts[2] = {head, zero};
    bj_val *row = bj_dynamic_slice(bj_var_read(t, dl->buf), starts, (int64_t[]){1, dl->n});
    return bj_reshape(row, 1, &dl->n);
}

bj_status bj_delay_push(bj_trace *t, const bj_delay *dl, bj_val *x) {
    if (!delay_ok("bj_delay_push", dl)) return BJ_ERR_ARG;
    bj_val *head = bj_var_read(t, dl->head), *zero = bj_lit(t, BJ_I32, 0);
    bj_val *starts[2] = {head, zero};
    bj_val *upd = bj_reshape(x, 2, (int64_t[]){1, dl->n});
    bj_status s = bj_var_write(t, dl->buf, bj_dynamic_update_slice(bj_var_read(t, dl->buf), upd, starts));
    bj_val *next = bj_add(head, 1);
    return s ? s : bj_var_write(t, dl->head, bj_where(bj_ge(next, (int32_t)dl->steps), 0, next));
}
void bj_delay_release(bj_delay *dl) {
    if (!dl) return;
    bj_var_release(dl->buf), bj_var_release(dl->head);
    memset(dl, 0, sizeof *dl);
}
