/* handles.c — registry of live handles (open addressing on the pointer), so freed or foreign handles are caught.
 * Lookups take a lock; a small per-thread cache of recent answers, invalidated by a global count of removals,
 * makes the check in a hot loop (a compiled step called a million times on the same arrays) a few loads. */
#include "array.h"
#include "core.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static atomic_uint_fast64_t removals;
#define TCACHE 8
/* initial-exec: a plain %fs-relative load instead of a __tls_get_addr call (the cache is 200 bytes) */
static _Thread_local BJ_TLS_FAST struct {
    uintptr_t p;
    int kind;
    uint_fast64_t gen;
} tcache[TCACHE];
static _Thread_local BJ_TLS_FAST unsigned tnext;

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

/* Caller holds the lock. (Sequentially consistent: core_ref_release's wait for guards relies on it.) */
static void drop(slot *s) {
    if (s) s->p = 1, s->kind = 0;
    atomic_fetch_add(&removals, 1);
}

void core_handle_remove(const void *ptr) {
    pthread_mutex_lock(&lock);
    drop(find((uintptr_t)ptr));
    pthread_mutex_unlock(&lock);
}

bool core_handle_live(const void *ptr, core_handle_kind k) {
    uintptr_t p = (uintptr_t)ptr;
    if (p <= 1) return false;
    /* read before the lookup: a removal after it makes the cached answer stale, never a wrong "live" (and
     * sequentially consistent: see guard) */
    uint_fast64_t gen = atomic_load(&removals);
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

static const char *const names[] = {"", "array", "trace", "graph", "executable", "Variable", "object", "jit",
                                    "value storage"};

/* The error for a handle that failed a check: NULL, donated (arrays), or not live. */
static bj_status refused(const void *p, core_handle_kind k, const char *what, bool donated) {
    if (!p) return core_err(BJ_ERR_ARG, "%s: %s is NULL", what, names[k]);
    if (donated)
        return core_err(BJ_ERR_HANDLE, "%s: array has been donated (donate_argnums of a jit call): its buffer now "
                        "belongs to an output; release it", what);
    return core_err(BJ_ERR_HANDLE, "%s: not a live %s handle (freed, or a pointer to something else)", what,
                    names[k]);
}

bj_status core_handle_check(const void *p, core_handle_kind k, const char *what) {
    if (!p || !core_handle_live(p, k)) return refused(p, k, what, false);
    if (k == CORE_H_ARRAY && ((const bj_array *)p)->donated) return refused(p, k, what, true);
    return BJ_OK;
}

uint64_t core_handle_generation(void) { return atomic_load_explicit(&removals, memory_order_acquire); }

/* ---------------------------------------------------------------- reference counts
 * Counts change with atomic operations while a thread guards the handle: it publishes the pointer in a slot of its
 * own, then checks that the handle is registered. The decrement to zero happens under the registry lock together
 * with the removal, and the thread that made it then waits until no slot names the handle before its caller frees
 * it. So whoever drops the last reference frees the handle, exactly once; a retain or release racing with that (a
 * caller's error: it holds no reference of its own) finds the handle unregistered, or its count at zero, and fails
 * without touching freed memory or bringing the count back from zero. (Hazard pointers, one per thread: the guard
 * stores its slot, then reads the removal count; a removal bumps that count, then reads the slots; both sequentially
 * consistent, so one of the two sees the other.) Only the last release takes the lock, and nothing runs between a
 * guard and its end but a few atomic operations, so the wait is short. */
typedef struct guard_slot {
    _Atomic(const void *) p;
    atomic_bool used;
    struct guard_slot *next;
} guard_slot;
static _Atomic(guard_slot *) guards; /* every slot ever made (never freed; a thread's slot is reused after it exits) */
static _Thread_local BJ_TLS_FAST guard_slot *mine;
static pthread_key_t guard_key;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static bool guard_key_ok;

static void guard_exit(void *g) {
    mine = NULL;
    atomic_store(&((guard_slot *)g)->used, false);
}
static void guard_init(void) { guard_key_ok = !pthread_key_create(&guard_key, guard_exit); }

/* This thread's slot; NULL if none could be made (out of memory): the caller then takes the lock. */
static guard_slot *my_slot(void) {
    if (mine) return mine;
    pthread_once(&guard_once, guard_init);
    guard_slot *g = atomic_load(&guards);
    for (bool no = false; g && !atomic_compare_exchange_strong(&g->used, &no, true); no = false) g = g->next;
    if (!g) {
        if (!(g = calloc(1, sizeof *g))) return NULL;
        atomic_init(&g->used, true);
        g->next = atomic_load(&guards);
        while (!atomic_compare_exchange_weak(&guards, &g->next, g)) {
        }
    }
    if (guard_key_ok) pthread_setspecific(guard_key, g);
    return mine = g;
}

/* Publishes p, then checks it is a live k; while published it is not freed. false (nothing published) if not. */
static bool guard(guard_slot *g, const void *p, core_handle_kind k) {
    atomic_store(&g->p, p);
    if (core_handle_live(p, k)) return true;
    atomic_store_explicit(&g->p, NULL, memory_order_release);
    return false;
}
static void unguard(guard_slot *g) { atomic_store_explicit(&g->p, NULL, memory_order_release); }

/* After p was unregistered: waits for guards begun before (those after find it unregistered). */
static void wait_unguarded(const void *p) {
    for (guard_slot *g = atomic_load(&guards); g; g = g->next)
        while (atomic_load(&g->p) == p) sched_yield();
}

/* The last reference, or any without a slot: under the lock. True if p was unregistered (the caller frees it). */
static bool release_locked(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn) {
    pthread_mutex_lock(&lock);
    slot *s = find((uintptr_t)p);
    bool live = s && s->kind == (int)k;
    bool last = live && atomic_fetch_sub_explicit(rc, 1, memory_order_acq_rel) == 1;
    if (last) drop(s);
    pthread_mutex_unlock(&lock);
    if (!live) refused(p, k, fn, false);
    if (last) wait_unguarded(p);
    return last;
}

bool core_ref_retain(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn) {
    if (!p) return refused(p, k, fn, false), false;
    guard_slot *g = my_slot();
    bool live;
    if (g) {
        live = guard(g, p, k);
    } else {
        pthread_mutex_lock(&lock);
        slot *s = find((uintptr_t)p);
        live = s && s->kind == (int)k;
    }
    bool donated = live && k == CORE_H_ARRAY && ((const bj_array *)p)->donated;
    int c = live && !donated ? atomic_load_explicit(rc, memory_order_relaxed) : 0;
    while (c > 0 && !atomic_compare_exchange_weak_explicit(rc, &c, c + 1, memory_order_relaxed, memory_order_relaxed)) {
    }
    if (!g) pthread_mutex_unlock(&lock);
    else if (live) unguard(g);
    if (c <= 0) return refused(p, k, fn, donated), false; /* (a count at zero: being freed) */
    return true;
}

bool core_ref_release(const void *p, _Atomic int *rc, core_handle_kind k, const char *fn) {
    if (!p) return false;
    guard_slot *g = my_slot();
    if (g) {
        if (!guard(g, p, k)) return refused(p, k, fn, false), false;
        int c = atomic_load_explicit(rc, memory_order_relaxed);
        while (c > 1 && !atomic_compare_exchange_weak_explicit(rc, &c, c - 1, memory_order_release,
                                                               memory_order_relaxed)) {
        }
        unguard(g);
        if (c > 1) return false; /* not the last */
    }
    return release_locked(p, rc, k, fn);
}
