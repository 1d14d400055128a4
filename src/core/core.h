/* core.h — internal foundations shared by every stage: errors, handle registry, arenas, hashing, strings. */
#ifndef BJ_CORE_H
#define BJ_CORE_H

#define BJ_BUILDING 1
#include "brainjit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#define BJ_HIDDEN __attribute__((visibility("hidden")))
/* Thread-locals on hot paths use the initial-exec model (a plain %fs-relative load). A library that is dlopen'ed
 * into a process (the Python extension, ctypes) is built with -DBJ_TLS_DYNAMIC instead: the loader's small static
 * TLS reserve may be spent already ("cannot allocate memory in static TLS block"). */
#ifdef BJ_TLS_DYNAMIC
#define BJ_TLS_FAST
#else
#define BJ_TLS_FAST __attribute__((tls_model("initial-exec")))
#endif
#define BJ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define BJ_ALIGN 64

#ifdef NDEBUG
#define BJ_ASSERT(c) ((void)0)
#else
/* Internal invariants only (never user input): a failure is a brainjit bug. */
#define BJ_ASSERT(c) ((c) ? (void)0 : core_assert_fail(#c, __FILE__, __LINE__))
#endif
BJ_HIDDEN void core_assert_fail(const char *cond, const char *file, int line);

/* errors.c: sets the thread-local message and returns s, so callers write `return core_err(...)`. */
BJ_HIDDEN bj_status core_err(bj_status s, const char *fmt, ...) BJ_PRINTF(2, 3);
BJ_HIDDEN bj_status core_verr(bj_status s, const char *fmt, va_list ap);
BJ_HIDDEN bj_status core_last_status(void); /* the status of the last error set on this thread */

/* handles.c: a registry of live handles so that freed or foreign pointers are reported instead of used. */
typedef enum { CORE_H_ARRAY = 1, CORE_H_TRACE, CORE_H_GRAPH, CORE_H_EXEC, CORE_H_VAR, CORE_H_OBJECT, CORE_H_JIT,
               CORE_H_OBJ_CHUNK /* storage of checkable objects (alloc.c) */ } core_handle_kind;
BJ_HIDDEN bool core_handle_add(const void *p, core_handle_kind k);
BJ_HIDDEN void core_handle_remove(const void *p);
BJ_HIDDEN bool core_handle_live(const void *p, core_handle_kind k);
/* Reference counts of registered handles (rc may point into p: it is only touched once p is known live).
 * core_ref_retain checks and increments; core_ref_release checks, decrements and at zero unregisters p and returns
 * true, so the caller frees it. */
BJ_HIDDEN bool core_ref_retain(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn);
BJ_HIDDEN bool core_ref_release(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn);
/* Counts handle removals: an answer of core_handle_live stays true while this is unchanged. */
BJ_HIDDEN uint64_t core_handle_generation(void);
/* Checks p and sets "<what>: <kind> handle is NULL / freed or not a ..." when it is not live. */
BJ_HIDDEN bj_status core_handle_check(const void *p, core_handle_kind k, const char *what);

/* alloc.c */
BJ_HIDDEN void *core_aligned_alloc(size_t n); /* BJ_ALIGN aligned, zeroed; NULL on overflow/OOM */
BJ_HIDDEN void core_aligned_free(void *p);
/* a * b into *out, false on overflow (also for negative inputs). */
BJ_HIDDEN bool core_mul_ok(int64_t a, int64_t b, int64_t *out);

/* alloc.c (also): bump allocation in chunks, freed at once. */
typedef struct core_arena_chunk core_arena_chunk;
typedef struct core_obj_chunk core_obj_chunk;
typedef struct core_arena {
    core_arena_chunk *head;
    size_t used, cap;
    core_obj_chunk *objs; /* checkable objects (core_arena_obj), newest chunk first */
} core_arena;
BJ_HIDDEN void *core_arena_alloc(core_arena *a, size_t n); /* 16-byte aligned, zeroed; NULL on OOM */
BJ_HIDDEN void *core_arena_dup(core_arena *a, const void *p, size_t n);
BJ_HIDDEN char *core_arena_strdup(core_arena *a, const char *s);
BJ_HIDDEN void core_arena_free(core_arena *a);
/* Checkable objects (the IR nodes users hold as bj_val *): fixed-size objects (size a multiple of 8, at most 4 KiB)
 * in chunks of CORE_OBJ_CHUNK bytes aligned to that size, each registered in the handle registry for good, so that
 * any pointer can be checked before a byte of it is read: its chunk is p rounded down, and the header of a chunk the
 * registry knows says whether it is live and names its owner. Freed chunks wait in a FIFO quarantine before reuse,
 * and each reuse shifts where objects start, so a stale pointer into reused storage falls between objects (design
 * note in alloc.c). */
#define CORE_OBJ_CHUNK ((size_t)1 << 18)
/* A zeroed object of `size` bytes belonging to owner (the same for every call on a); NULL on OOM. */
BJ_HIDDEN void *core_arena_obj(core_arena *a, size_t size, const void *owner);
/* The owner of p if p is an object of `size` bytes handed out by core_arena_obj whose arena is not freed, else NULL.
 * Reads nothing of p unless its chunk is live. Thread-safe; a few loads when the chunk was looked up recently. */
BJ_HIDDEN const void *core_obj_owner(const void *p, size_t size);
/* Whether p points into freed object storage, or where an object was before its storage was reused (for messages,
 * on failure only). */
BJ_HIDDEN bool core_obj_freed(const void *p);

/* hash.c: 64-bit hashing for hash-consing (not cryptographic). */
BJ_HIDDEN uint64_t core_hash_bytes(const void *p, size_t n, uint64_t seed);
BJ_HIDDEN uint64_t core_hash_mix(uint64_t h, uint64_t v);

/* strbuf.c: a growable string. */
typedef struct core_str {
    char *s;
    size_t len, cap;
    bool oom;
} core_str;
BJ_HIDDEN void core_str_printf(core_str *b, const char *fmt, ...) BJ_PRINTF(2, 3);
BJ_HIDDEN void core_str_free(core_str *b);
/* Formats a shape as "f32[3,4]" into buf (at least 96 bytes); returns buf. */
BJ_HIDDEN const char *core_fmt_type(char *buf, size_t n, bj_dtype d, int rank, const int64_t *shape);
BJ_HIDDEN const char *core_dtype_short(bj_dtype d); /* "f32" */
/* The shortest %g text (6-9 digits for float32, 15-17 for float64) that reads back as v; finite v only. */
BJ_HIDDEN void core_fmt_shortest(char *buf, size_t n, double v, bool f32);


/* config.c: the current value of a bj_config_* key into buf ("" if unset: the caller applies the default).
 * Thread-safe. Counters behind bj_cpu_stats_get (thread-safe). */
BJ_HIDDEN void core_config(const char *key, char *buf, size_t n);
/* The "x64" setting (JAX's x64 mode: weak Python scalars are 64-bit), without taking a lock once read. */
BJ_HIDDEN bool core_x64(void);
typedef enum { CORE_STAT_COMPILES, CORE_STAT_DISK_HITS, CORE_STAT_MEMORY_HITS, CORE_STAT_REBUILDS, CORE_STAT_FAILURES } core_stat;
BJ_HIDDEN void core_stat_add(core_stat s, int64_t n);
BJ_HIDDEN void core_stat_time(bool compile, double seconds); /* adds to compile_s (true) or load_s (false) */

#endif
