/* handles.c — registry of live handles (open addressing on the pointer), so freed or foreign handles are caught. */
#include "core.h"

#include <pthread.h>

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
    pthread_mutex_unlock(&lock);
}

bool core_handle_live(const void *ptr, core_handle_kind k) {
    if ((uintptr_t)ptr <= 1) return false;
    pthread_mutex_lock(&lock);
    slot *s = find((uintptr_t)ptr);
    bool live = s && s->kind == (int)k;
    pthread_mutex_unlock(&lock);
    return live;
}

bj_status core_handle_check(const void *p, core_handle_kind k, const char *what) {
    static const char *const names[] = {"", "array", "trace", "graph", "executable"};
    if (!p) return core_err(BJ_ERR_ARG, "%s: %s is NULL", what, names[k]);
    if (!core_handle_live(p, k))
        return core_err(BJ_ERR_HANDLE, "%s: not a live %s handle (freed, or a pointer to something else)", what,
                        names[k]);
    return BJ_OK;
}
