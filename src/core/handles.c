/* handles.c — registry of live handles (open addressing on the pointer), so freed or foreign handles are caught.
 * Lookups take a lock; a small per-thread cache of recent answers, invalidated by a global count of removals,
 * makes the check in a hot loop (a compiled step called a million times on the same arrays) a few loads. */
#include "array.h"
#include "core.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_uint_fast64_t removals;
#define TCACHE 8
/* initial-exec: a plain %fs-relative load instead of a __tls_get_addr call (the cache is 200 bytes) */
static _Thread_local __attribute__((tls_model("initial-exec"))) struct {
    uintptr_t p;
    int kind;
    uint_fast64_t gen;
} tcache[TCACHE];
static _Thread_local __attribute__((tls_model("initial-exec"))) unsigned tnext;

typedef struct {
    uintptr_t p; /* 0 empty, 1 tombstone */
    int kind;
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot *slots;
static size_t cap, used; /* used counts live + tombstones */

static size_t probe(uintptr_t p) { return (size_t)(core_hash_mix(0x9e3779b97f4a7c15ull, p) & (cap - 1)); }

static bool grow(void) {
    size_t ncap = cap ? cap * 2 : 1024;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return false;
    slot *old = slots;
    size_t ocap = cap;
    slots = ns, cap = ncap, used = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].p <= 1) continue;
        size_t j = probe(old[i].p);
        while (slots[j].p) j = (j + 1) & (cap - 1);
        slots[j] = old[i];
        used++;
    }
    free(old);
    return true;
}

bool core_handle_add(const void *ptr, core_handle_kind k) {
    uintptr_t p = (uintptr_t)ptr;
    pthread_mutex_lock(&lock);
    bool ok = true;
    if ((used + 1) * 2 > cap) ok = grow();
    if (ok) {
        size_t j = probe(p);
        while (slots[j].p > 1 && slots[j].p != p) j = (j + 1) & (cap - 1);
        if (slots[j].p == 0) used++;
        slots[j].p = p, slots[j].kind = (int)k;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

static slot *find(uintptr_t p) {
    if (!cap) return NULL;
    size_t j = probe(p);
    while (slots[j].p) {
        if (slots[j].p == p) return &slots[j];
        j = (j + 1) & (cap - 1);
    }
    return NULL;
}

void core_handle_remove(const void *ptr) {
    pthread_mutex_lock(&lock);
    slot *s = find((uintptr_t)ptr);
    if (s) s->p = 1, s->kind = 0;
    atomic_fetch_add_explicit(&removals, 1, memory_order_release);
    pthread_mutex_unlock(&lock);
}

bool core_handle_live(const void *ptr, core_handle_kind k) {
    uintptr_t p = (uintptr_t)ptr;
    if (p <= 1) return false;
    /* read before the lookup: a removal after it makes the cached answer stale, never a wrong "live" */
    uint_fast64_t gen = atomic_load_explicit(&removals, memory_order_acquire);
    for (int i = 0; i < TCACHE; i++)
        if (tcache[i].p == p && tcache[i].kind == (int)k && tcache[i].gen == gen) return true;
    pthread_mutex_lock(&lock);
    slot *s = find(p);
    bool live = s && s->kind == (int)k;
    pthread_mutex_unlock(&lock);
    if (live) {
        unsigned i = tnext++ % TCACHE;
        tcache[i].p = p, tcache[i].kind = (int)k, tcache[i].gen = gen;
    }
    return live;
}

bj_status core_handle_check(const void *p, core_handle_kind k, const char *what) {
    static const char *const names[] = {"", "array", "trace", "graph", "executable", "Variable", "object", "jit"};
    if (!p) return core_err(BJ_ERR_ARG, "%s: %s is NULL", what, names[k]);
    if (!core_handle_live(p, k))
        return core_err(BJ_ERR_HANDLE, "%s: not a live %s handle (freed, or a pointer to something else)", what,
                        names[k]);
    if (k == CORE_H_ARRAY && ((const bj_array *)p)->donated)
        return core_err(BJ_ERR_HANDLE, "%s: array has been donated (donate_argnums of a jit call): its buffer now "
                        "belongs to an output; release it", what);
    return BJ_OK;
}

uint64_t core_handle_generation(void) { return atomic_load_explicit(&removals, memory_order_acquire); }

bool core_ref_retain(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn) {
    if (core_handle_check(p, k, fn)) return false;
    atomic_fetch_add(rc, 1);
    return true;
}

bool core_ref_release(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn) {
    if (!p || core_handle_check(p, k, fn)) return false;
    if (atomic_fetch_sub(rc, 1) != 1) return false;
    core_handle_remove(p);
    return true;
}
