/* errors.c — the thread-local error message behind bj_last_error, and status names. */
#include "core.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[4096]; /* room for a compiler diagnostic */
static _Thread_local bj_status last_status;

bj_status core_verr(bj_status s, const char *fmt, va_list ap) {
    char tmp[sizeof last_error]; /* the arguments may be the current message (wrapping it in context) */
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    memcpy(last_error, tmp, sizeof tmp);
    last_status = s;
    return s;
}

bj_status core_last_status(void) { return last_status; }

bj_status bj_set_error(bj_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    core_verr(s, fmt ? fmt : "", ap);
    va_end(ap);
    return s;
}

bj_status core_err(bj_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    core_verr(s, fmt, ap);
    va_end(ap);
    return s;
}

void core_assert_fail(const char *cond, const char *file, int line) {
    fprintf(stderr, "brainjit internal error: %s at %s:%d\n", cond, file, line);
    core_err(BJ_ERR_INTERNAL, "internal error: %s at %s:%d", cond, file, line);
#ifdef BJ_DEBUG_TRAP
    __builtin_trap();
#endif
}

const char *bj_last_error(void) { return last_error; }
void bj_clear_error(void) { last_error[0] = 0, last_status = BJ_OK; }

const char *bj_status_name(bj_status s) {
    static const char *const names[] = {"BJ_OK",       "BJ_ERR_ARG",   "BJ_ERR_SHAPE", "BJ_ERR_DTYPE",
                                        "BJ_ERR_HANDLE", "BJ_ERR_TRACE", "BJ_ERR_NOMEM", "BJ_ERR_IO",
                                        "BJ_ERR_UNSUPPORTED", "BJ_ERR_INTERNAL"};
    if ((unsigned)s >= sizeof names / sizeof names[0]) return "BJ_ERR_UNKNOWN";
    return names[s];
}

const char *bj_version(void) { return "0.1.0"; }
void bj_free(void *p) { free(p); }

bj_status bj_last_status(void) { return core_last_status(); }
