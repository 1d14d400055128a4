/* alloc.c — aligned buffers, overflow-checked sizes, the per-trace arena and its checkable objects. */
#include "core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

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

/* ---------------------------------------------------------------- checkable objects
 * Design note. A user may keep a bj_val * (an IR node) after its trace is freed; the pointer itself carries nothing
 * to check, so the storage must tell. Nodes live in chunks of CORE_OBJ_CHUNK bytes aligned to CORE_OBJ_CHUNK, so a
 * pointer's chunk is found by masking; every chunk ever made is in the handle registry (handles.c: a per-thread
 * cache of recent answers makes the lookup a few loads), and its memory is never given back to the system, only its
 * pages (madvise), so once the registry knows a chunk its header can always be read, even while another thread
 * frees or reuses it. The header says whether the chunk is live, its owner, the object size, where the first object
 * starts and how many were handed out: a pointer into a freed chunk, between objects or past the last one is
 * refused before anything of it is read. A freed chunk waits in a FIFO quarantine of OBJ_POOL chunks, then its
 * pages go back to the system and it joins a FIFO of idle chunks that new traces take from first (the system is
 * asked for more only when there is none). Each reuse moves the first object by 8 bytes (a "phase": size / 8
 * positions, 25 for a 200-byte node), so a stale pointer into storage a newer trace reuses lands between that
 * trace's objects and is refused too; the phases of the earlier uses tell such a pointer from one into the middle of
 * a live object, for the message. A value of a freed trace could pass for a live one only once its storage has been
 * reused size / 8 times. The price: the address space of the most nodes ever live at once stays reserved, with one
 * resident page per chunk. Header fields are read and written with relaxed atomics (readers on other threads see
 * whole values); the magic is published last. */
#define OBJ_LIVE 0x626a6f63686e6b31ull /* "bjochnk1" */
#define OBJ_FREED 0x626a6f6672656564ull /* "bjofreed" */
#define OBJ_POOL 16
#define OBJ_PAGE 4096

struct core_obj_chunk {
    _Atomic uint64_t magic;       /* OBJ_LIVE or OBJ_FREED */
    _Atomic(const void *) owner;
    core_obj_chunk *next;         /* the arena's list while live, the idle FIFO after */
    _Atomic uint32_t size, first, count, cap; /* object size; offset of object 0; objects handed out; room */
    uint32_t phase;               /* first = OBJ_HDR + 8 * phase */
    _Atomic uint32_t uses;        /* earlier uses of this storage in other phases (at most size / 8 - 1) */
};
#define OBJ_HDR ((sizeof(core_obj_chunk) + 7) & ~(size_t)7)
#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define ST(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

static pthread_mutex_t obj_lock = PTHREAD_MUTEX_INITIALIZER;
static core_obj_chunk *obj_pool[OBJ_POOL]; /* quarantine, a ring: obj_pool_head is the oldest */
static int obj_pool_head, obj_pool_n;
static core_obj_chunk *idle_head, *idle_tail; /* pages given back, ready for reuse, oldest first */
static uint32_t obj_phase_seed;

/* A new chunk from the system, registered for good (malloc's aligned allocations would leave holes). */
static core_obj_chunk *obj_map(void) {
    size_t n = 2 * CORE_OBJ_CHUNK;
    unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    uintptr_t a = ((uintptr_t)p + CORE_OBJ_CHUNK - 1) & ~(uintptr_t)(CORE_OBJ_CHUNK - 1);
    size_t head = a - (uintptr_t)p, tail = n - head - CORE_OBJ_CHUNK;
    if (head) munmap(p, head);
    if (tail) munmap((unsigned char *)a + CORE_OBJ_CHUNK, tail);
    core_obj_chunk *c = (core_obj_chunk *)a; /* zero-filled: neither live nor freed */
    if (!core_handle_add(c, CORE_H_OBJ_CHUNK)) {
        munmap(c, CORE_OBJ_CHUNK); /* never registered: no reader can know it */
        return NULL;
    }
    return c;
}

/* A chunk for objects of `size` bytes: the idle one freed longest ago (objects moved 8 bytes on), else a new one. */
static core_obj_chunk *obj_chunk_new(size_t size, const void *owner) {
    pthread_mutex_lock(&obj_lock);
    core_obj_chunk *c = idle_head;
    if (c && !(idle_head = c->next)) idle_tail = NULL;
    uint32_t seed = obj_phase_seed++;
    pthread_mutex_unlock(&obj_lock);
    uint32_t phases = (uint32_t)(size / 8), uses = 0;
    if (c) {
        uses = LD(c->size) == size && LD(c->uses) + 1 < phases ? LD(c->uses) + 1 : phases - 1;
        c->phase++;
    } else if ((c = obj_map())) {
        c->phase = seed;
    } else {
        return NULL;
    }
    c->phase %= phases;
    uint32_t first = (uint32_t)(OBJ_HDR + 8 * c->phase);
    c->next = NULL;
    ST(c->uses, uses), ST(c->size, (uint32_t)size), ST(c->first, first), ST(c->count, 0u);
    ST(c->cap, (uint32_t)((CORE_OBJ_CHUNK - first) / size)), ST(c->owner, owner);
    atomic_store_explicit(&c->magic, OBJ_LIVE, memory_order_release);
    return c;
}

static void obj_chunk_free(core_obj_chunk *c) {
    atomic_store_explicit(&c->magic, OBJ_FREED, memory_order_release);
    ST(c->owner, NULL);
    pthread_mutex_lock(&obj_lock);
    core_obj_chunk *out = NULL;
    if (obj_pool_n == OBJ_POOL) { /* the oldest leaves the quarantine */
        out = obj_pool[obj_pool_head];
        obj_pool_head = (obj_pool_head + 1) % OBJ_POOL, obj_pool_n--;
    }
    obj_pool[(obj_pool_head + obj_pool_n++) % OBJ_POOL] = c;
    pthread_mutex_unlock(&obj_lock);
    if (!out) return;
    madvise((unsigned char *)out + OBJ_PAGE, CORE_OBJ_CHUNK - OBJ_PAGE, MADV_DONTNEED); /* reads give zeros */
    out->next = NULL;
    pthread_mutex_lock(&obj_lock);
    if (idle_tail) idle_tail->next = out;
    else idle_head = out;
    idle_tail = out;
    pthread_mutex_unlock(&obj_lock);
}

void *core_arena_obj(core_arena *a, size_t size, const void *owner) {
    core_obj_chunk *c = a->objs;
    uint32_t n = c ? LD(c->count) : 0;
    if (!c || n == LD(c->cap)) {
        if (!size || size % 8 || size > 4096 || !(c = obj_chunk_new(size, owner))) return NULL;
        c->next = a->objs, a->objs = c, n = 0;
    }
    unsigned char *p = (unsigned char *)c + LD(c->first) + (size_t)n * size;
    memset(p, 0, size);
    ST(c->count, n + 1);
    return p;
}

const void *core_obj_owner(const void *p, size_t size) {
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(CORE_OBJ_CHUNK - 1), off = (uintptr_t)p - base;
    if (!core_handle_live((const void *)base, CORE_H_OBJ_CHUNK)) return NULL;
    core_obj_chunk *c = (core_obj_chunk *)base;
    if (atomic_load_explicit(&c->magic, memory_order_acquire) != OBJ_LIVE || LD(c->size) != size) return NULL;
    uint32_t first = LD(c->first);
    if (off < first || (off - first) % size || (off - first) / size >= LD(c->count)) return NULL;
    return LD(c->owner);
}

bool core_obj_freed(const void *p) {
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(CORE_OBJ_CHUNK - 1), off = (uintptr_t)p - base;
    core_obj_chunk *c = (core_obj_chunk *)base;
    if (!core_handle_live(c, CORE_H_OBJ_CHUNK)) return false;
    uint64_t m = atomic_load_explicit(&c->magic, memory_order_acquire);
    if (m != OBJ_LIVE) return m == OBJ_FREED;
    if (off < OBJ_HDR || off % 8) return false; /* reused by a newer trace: where an earlier use had an object? */
    uint32_t size = LD(c->size), phases = size / 8, was = (uint32_t)((off - OBJ_HDR) % size / 8);
    uint32_t ago = (LD(c->first) / 8 - (uint32_t)(OBJ_HDR / 8) + phases - was) % phases;
    return ago >= 1 && ago <= LD(c->uses);
}

#undef LD
#undef ST

void core_arena_free(core_arena *a) {
    for (core_arena_chunk *c = a->head, *n; c; c = n) n = c->next, free(c);
    for (core_obj_chunk *c = a->objs, *n; c; c = n) n = c->next, obj_chunk_free(c);
    a->head = NULL, a->used = a->cap = 0, a->objs = NULL;
}
