/* object.c — objects (BrainPyObject): named trees of Variables and child objects, with unique default names per
 * class and BrainPy's variable paths ("Hello0.a"). */
#include "trace/state.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct item {
    char *attr;
    bj_var *var;       /* one of var and child is set */
    bj_object *child;
} item;

struct bj_object {
    atomic_int refcount;
    char *cls, *name;
    item *items;
    int n, cap;
    bj_object *dead_next; /* bj_object_release: the next object to free (no recursion: trees may be deep) */
};

/* ---------------------------------------------------------------- default names: "<class><count>" */
typedef struct class_count {
    struct class_count *next;
    int count;
    char cls[];
} class_count;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static class_count *counts;

/* Every object's items: added holding this for writing, looked up and walked holding it for reading, so an object
 * may grow on one thread while others (jit handles of its methods, say) list its Variables. */
static pthread_rwlock_t items_lock = PTHREAD_RWLOCK_INITIALIZER;

static int next_index(const char *cls) {
    pthread_mutex_lock(&names_lock);
    class_count *c = counts;
    while (c && strcmp(c->cls, cls)) c = c->next;
    if (!c && (c = calloc(1, sizeof *c + strlen(cls) + 1))) {
        memcpy(c->cls, cls, strlen(cls) + 1);
        c->next = counts, counts = c;
    }
    int i = c ? c->count++ : -1;
    pthread_mutex_unlock(&names_lock);
    return i;
}

static char *dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

bj_object *bj_object_new(const char *class_name, const char *name) {
    if (!state_name_ok(class_name, "bj_object_new", "class name")) return NULL;
    char def[STATE_NAME_MAX + 16];
    if (!name) {
        int i = next_index(class_name);
        if (i < 0) return core_err(BJ_ERR_NOMEM, "bj_object_new: out of memory"), NULL;
        snprintf(def, sizeof def, "%s%d", class_name, i);
        name = def;
    } else if (!state_name_ok(name, "bj_object_new", "name")) {
        return NULL;
    }
    bj_object *o = calloc(1, sizeof *o);
    if (o) o->cls = dup(class_name), o->name = dup(name), atomic_init(&o->refcount, 1); /* complete, then registered */
    if (!o || !o->cls || !o->name || !core_handle_add(o, CORE_H_OBJECT)) {
        if (o) free(o->cls), free(o->name);
        free(o);
        return core_err(BJ_ERR_NOMEM, "bj_object_new: out of memory"), NULL;
    }
    return o;
}

bj_object *bj_object_retain(bj_object *o) {
    return core_ref_retain(o, o ? &o->refcount : NULL, CORE_H_OBJECT, "bj_object_retain") ? o : NULL;
}

void bj_object_release(bj_object *o) {
    if (!core_ref_release(o, o ? &o->refcount : NULL, CORE_H_OBJECT, "bj_object_release")) return;
    o->dead_next = NULL;
    while (o) { /* o and the children whose last reference it held, in a list through dead_next */
        bj_object *next = o->dead_next;
        for (int i = 0; i < o->n; i++) {
            bj_object *ch = o->items[i].child;
            free(o->items[i].attr);
            if (o->items[i].var) bj_var_release(o->items[i].var);
            else if (core_ref_release(ch, &ch->refcount, CORE_H_OBJECT, "bj_object_release"))
                ch->dead_next = next, next = ch;
        }
        free(o->items), free(o->cls), free(o->name), free(o);
        o = next;
    }
}

const char *bj_object_name(const bj_object *o) {
    return core_handle_check(o, CORE_H_OBJECT, "bj_object_name") ? NULL : o->name;
}
const char *bj_object_class(const bj_object *o) {
    return core_handle_check(o, CORE_H_OBJECT, "bj_object_class") ? NULL : o->cls;
}

static const item *find(const bj_object *o, const char *attr, size_t len) {
    for (int i = 0; i < o->n; i++)
        if (strlen(o->items[i].attr) == len && !strncmp(o->items[i].attr, attr, len)) return &o->items[i];
    return NULL;
}

/* A set of pointers (open addressing), for walks that must meet each object or Variable once. */
typedef struct pset {
    const void **v;
    size_t cap, n;
    bool oom;
} pset;

/* Adds p; true if it was not in the set (false when it was, or on OOM: s->oom). */
static bool pset_add(pset *s, const void *p) {
    if (s->oom) return false;
    if ((s->n + 1) * 2 > s->cap) {
        pset g = {.cap = s->cap ? s->cap * 2 : 64};
        if (!(g.v = calloc(g.cap, sizeof *g.v))) return s->oom = true, false;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) pset_add(&g, s->v[i]);
        free(s->v);
        *s = g;
    }
    size_t j = (size_t)core_hash_mix(0x9e3779b97f4a7c15ull, (uintptr_t)p) & (s->cap - 1);
    while (s->v[j] && s->v[j] != p) j = (j + 1) & (s->cap - 1);
    if (s->v[j]) return false;
    s->v[j] = p, s->n++;
    return true;
}

/* Depth first over the objects under o, each once (a child may be shared), with a stack of (object, next item):
 * the order of a recursive walk, without its depth. */
typedef struct frame {
    const bj_object *o;
    int next;
} frame;
typedef struct owalk {
    frame *st;
    size_t n, cap;
    pset seen;
} owalk;

static bool owalk_push(owalk *w, const bj_object *o) {
    if (!pset_add(&w->seen, o)) return false;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        frame *ns = realloc(w->st, sizeof *ns * cap);
        if (!ns) return w->seen.oom = true, false;
        w->st = ns, w->cap = cap;
    }
    w->st[w->n++] = (frame){o, 0};
    return true;
}

static void owalk_free(owalk *w) { free(w->st), free(w->seen.v); }

/* Whether x is o or under it; true on OOM too (the answer that refuses a child, never makes a cycle). */
static bool contains(const bj_object *o, const bj_object *x) {
    owalk w = {0};
    bool found = false;
    owalk_push(&w, o);
    while (w.n && !found && !w.seen.oom) {
        frame *f = &w.st[w.n - 1];
        if (f->o == x) found = true;
        else if (f->next == f->o->n) w.n--;
        else if (f->o->items[f->next++].child) owalk_push(&w, f->o->items[f->next - 1].child);
    }
    found |= w.seen.oom;
    owalk_free(&w);
    return found;
}

static bj_status add(bj_object *o, const char *attr, bj_var *v, bj_object *child, const char *fn) {
    if (!state_name_ok(attr, fn, "attribute")) return BJ_ERR_ARG;
    if (find(o, attr, strlen(attr)))
        return core_err(BJ_ERR_ARG, "%s: object %s already has an attribute \"%s\"", fn, o->name, attr);
    if (o->n == o->cap) {
        int nc = o->cap ? o->cap * 2 : 8;
        item *ni = realloc(o->items, sizeof *ni * (size_t)nc);
        if (!ni) return core_err(BJ_ERR_NOMEM, "%s: out of memory", fn);
        o->items = ni, o->cap = nc;
    }
    char *a = dup(attr);
    if (!a) return core_err(BJ_ERR_NOMEM, "%s: out of memory", fn);
    o->items[o->n++] = (item){a, v ? bj_var_retain(v) : NULL, child ? bj_object_retain(child) : NULL};
    return BJ_OK;
}

bj_status bj_object_add_var(bj_object *o, const char *attr, bj_var *v) {
    bj_status s = core_handle_check(o, CORE_H_OBJECT, "bj_object_add_var");
    if (!s) s = core_handle_check(v, CORE_H_VAR, "bj_object_add_var");
    if (s) return s;
    pthread_rwlock_wrlock(&items_lock);
    s = add(o, attr, v, NULL, "bj_object_add_var");
    pthread_rwlock_unlock(&items_lock);
    return s;
}

bj_status bj_object_add_child(bj_object *o, const char *attr, bj_object *child) {
    bj_status s = core_handle_check(o, CORE_H_OBJECT, "bj_object_add_child");
    if (!s) s = core_handle_check(child, CORE_H_OBJECT, "bj_object_add_child");
    if (s) return s;
    pthread_rwlock_wrlock(&items_lock);
    if (contains(child, o))
        s = core_err(BJ_ERR_ARG, "bj_object_add_child: %s contains %s: adding it as a child would make a cycle",
                     child->name, o->name);
    else
        s = add(o, attr, NULL, child, "bj_object_add_child");
    pthread_rwlock_unlock(&items_lock);
    return s;
}

bj_var *bj_object_var(const bj_object *o, const char *path) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_var")) return NULL;
    if (!path) return core_err(BJ_ERR_ARG, "bj_object_var: path is NULL"), NULL;
    const bj_object *at = o;
    pthread_rwlock_rdlock(&items_lock);
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        const item *it = find(at, p, len);
        if (!it || (dot && !it->child) || (!dot && !it->var)) {
            core_err(BJ_ERR_ARG, "bj_object_var: object %s has no %s \"%.*s\" (path \"%s\" from %s)", at->name,
                     dot ? "child" : "Variable", (int)len, p, path, o->name);
            pthread_rwlock_unlock(&items_lock);
            return NULL;
        }
        if (!dot) {
            bj_var *v = it->var; /* (read before unlocking: items may move when the object grows) */
            pthread_rwlock_unlock(&items_lock);
            return v;
        }
        at = it->child, p = dot + 1;
    }
}

/* Depth-first walk over o's Variables, each once, numbering them from 0 (BrainPy's vars() order); stops at number
 * `want`. seen holds the Variables met so far. */
typedef struct walk {
    pset seen;
    int n;
    int want;                   /* the index looked for, or -1 to count */
    bj_var *found;
    const bj_object *owner;
    const char *attr;
    bool oom;
} walk;

static void visit(const bj_object *o, walk *w) {
    owalk ow = {0};
    owalk_push(&ow, o);
    while (ow.n && !w->found && !ow.seen.oom && !w->seen.oom) {
        frame *f = &ow.st[ow.n - 1];
        if (f->next == f->o->n) {
            ow.n--;
            continue;
        }
        const bj_object *at = f->o;
        const item *it = &at->items[f->next++];
        if (it->child) owalk_push(&ow, it->child); /* a child met before adds no Variable */
        else if (pset_add(&w->seen, it->var)) {
            if (w->n == w->want) w->found = it->var, w->owner = at, w->attr = it->attr;
            w->n++;
        }
    }
    w->oom = ow.seen.oom || w->seen.oom;
    owalk_free(&ow);
}

int bj_object_num_vars(const bj_object *o) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_num_vars")) return -1;
    walk w = {.want = -1};
    pthread_rwlock_rdlock(&items_lock);
    visit(o, &w);
    pthread_rwlock_unlock(&items_lock);
    free(w.seen.v);
    if (w.oom) return core_err(BJ_ERR_NOMEM, "bj_object_num_vars: out of memory"), -1;
    return w.n;
}

bj_var *bj_object_var_at(const bj_object *o, int i, char *path, size_t n) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_var_at")) return NULL;
    walk w = {.want = i};
    pthread_rwlock_rdlock(&items_lock);
    if (i >= 0) visit(o, &w);
    pthread_rwlock_unlock(&items_lock); /* (w.attr and the names stay where they are) */
    free(w.seen.v);
    if (!w.found) {
        if (w.oom) core_err(BJ_ERR_NOMEM, "bj_object_var_at: out of memory");
        else core_err(BJ_ERR_ARG, "bj_object_var_at: object %s has no Variable number %d", o->name, i);
        return NULL;
    }
    if (path && n) snprintf(path, n, "%s.%s", w.owner->name, w.attr);
    return w.found;
}
