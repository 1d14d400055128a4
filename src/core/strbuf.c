/* strbuf.c — growable strings and the short type formatting ("f32[3,4]") used in messages and listings. */
#include "core.h"

#include <stdio.h>
#include <string.h>

void core_str_printf(core_str *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap + (size_t)n + 1) * 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns, b->cap = ncap;
    }
}

void core_str_free(core_str *b) {
    free(b->s);
    *b = (core_str){0};
}

const char *core_dtype_short(bj_dtype d) {
    static const char *const n[] = {"bool", "i32", "i64", "u32", "f32", "f64"};
    return (unsigned)d < BJ_NDTYPES ? n[d] : "?";
}

const char *core_fmt_type(char *buf, size_t n, bj_dtype d, int rank, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, n, "%s[", core_dtype_short(d));
    for (int i = 0; i < rank && k < n; i++) k += (size_t)snprintf(buf + k, n - k, i ? ",%lld" : "%lld", (long long)shape[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

void core_fmt_shortest(char *buf, size_t n, double v, bool f32) {
    int lo = f32 ? 6 : 15, hi = f32 ? 9 : 17;
    for (int p = lo; p <= hi; p++) {
        snprintf(buf, n, "%.*g", p, v);
        double back = strtod(buf, NULL);
        if (f32 ? (float)back == (float)v : back == v) break;
    }
}
