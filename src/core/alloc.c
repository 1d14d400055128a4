/* alloc.c — aligned buffers, overflow-checked sizes, and the per-trace arena. */
#include "core.h"

#include <string.h>

void *core_aligned_alloc(size_t n) {
    if (n > SIZE_MAX - BJ_ALIGN) return NULL;
    size_t r = (n + BJ_ALIGN - 1) / BJ_ALIGN * BJ_ALIGN;
    void *p = aligned_alloc(BJ_ALIGN, r ? r : BJ_ALIGN);
    if (p) memset(p, 0, r ? r : BJ_ALIGN);
    return p;
}

void core_aligned_free(void *p) { free(p); }

bool core_mul_ok(int64_t a, int64_t b, int64_t *out) {
    if (a < 0 || b < 0) return false;
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

struct core_arena_chunk {
    core_arena_chunk *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void *core_arena_alloc(core_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->cap) {
        size_t cap = n > 60000 ? n : 60000;
        core_arena_chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head, c->cap = cap;
        a->head = c, a->used = 0, a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void *core_arena_dup(core_arena *a, const void *p, size_t n) {
    void *q = core_arena_alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

char *core_arena_strdup(core_arena *a, const char *s) { return core_arena_dup(a, s, strlen(s) + 1); }

void core_arena_free(core_arena *a) {
    for (core_arena_chunk *c = a->head, *n; c; c = n) n = c->next, free(c);
    a->head = NULL, a->used = a->cap = 0;
}
