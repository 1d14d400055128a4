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
};

/* ---------------------------------------------------------------- default names: "<class><count>" */
typedef struct class_count {
    struct class_count *next;
    int count;
    char cls[];
} class_count;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static class_count *counts;

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
    if (o) o->cls = dup(class_name), o->name = dup(name);
    if (!o || !o->cls || !o->name || !core_handle_add(o, CORE_H_OBJECT)) {
        if (o) free(o->cls), free(o->name);
        free(o);
        return core_err(BJ_ERR_NOMEM, "bj_object_new: out of memory"), NULL;
    }
    atomic_init(&o->refcount, 1);
    return o;
}

bj_object *bj_object_retain(bj_object *o) {
    return core_ref_retain(o, o ? &o->refcount : NULL, CORE_H_OBJECT, "bj_object_retain") ? o : NULL;
}

void bj_object_release(bj_object *o) {
    if (!core_ref_release(o, o ? &o->refcount : NULL, CORE_H_OBJECT, "bj_object_release")) return;
    for (int i = 0; i < o->n; i++) {
        free(o->items[i].attr);
        if (o->items[i].var) bj_var_release(o->items[i].var);
        else bj_object_release(o->items[i].child);
    }
    free(o->items), free(o->cls), free(o->name), free(o);
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

static bool contains(const bj_object *o, const bj_object *x) {
    if (o == x) return true;
    for (int i = 0; i < o->n; i++)
        if (o->items[i].child && contains(o->items[i].child, x)) return true;
    return false;
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
    return s ? s : add(o, attr, v, NULL, "bj_object_add_var");
}

bj_status bj_object_add_child(bj_object *o, const char *attr, bj_object *child) {
    bj_status s = core_handle_check(o, CORE_H_OBJECT, "bj_object_add_child");
    if (!s) s = core_handle_check(child, CORE_H_OBJECT, "bj_object_add_child");
    if (s) return s;
    if (contains(child, o))
        return core_err(BJ_ERR_ARG, "bj_object_add_child: %s contains %s: adding it as a child would make a cycle",
                        child->name, o->name);
    return add(o, attr, NULL, child, "bj_object_add_child");
}

bj_var *bj_object_var(const bj_object *o, const char *path) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_var")) return NULL;
    if (!path) return core_err(BJ_ERR_ARG, "bj_object_var: path is NULL"), NULL;
    const bj_object *at = o;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        const item *it = find(at, p, len);
        if (!it || (dot && !it->child) || (!dot && !it->var)) {
            core_err(BJ_ERR_ARG, "bj_object_var: object %s has no %s \"%.*s\" (path \"%s\" from %s)", at->name,
                     dot ? "child" : "Variable", (int)len, p, path, o->name);
            return NULL;
        }
        if (!dot) return it->var;
        at = it->child, p = dot + 1;
    }
}

/* Depth-first walk over o's Variables, each once; calls visit(k, var, owner, attr) with k counting from 0 and stops
 * when visit returns true. seen holds the Variables met so far. */
typedef struct walk {
    const bj_var **seen;
    int n, cap;
    int want;                   /* the index looked for, or -1 to count */
    bj_var *found;
    const bj_object *owner;
    const char *attr;
    bool oom;
} walk;

static void visit(const bj_object *o, walk *w) {
    for (int i = 0; i < o->n && !w->found && !w->oom; i++) {
        const item *it = &o->items[i];
        if (it->child) {
            visit(it->child, w);
            continue;
        }
        bool dup_var = false;
        for (int j = 0; j < w->n && !dup_var; j++) dup_var = w->seen[j] == it->var;
        if (dup_var) continue;
        if (w->n == w->cap) {
            int nc = w->cap ? w->cap * 2 : 16;
            const bj_var **ns = realloc(w->seen, sizeof *ns * (size_t)nc);
            if (!ns) {
                w->oom = true;
                return;
            }
            w->seen = ns, w->cap = nc;
        }
        if (w->n == w->want) w->found = it->var, w->owner = o, w->attr = it->attr;
        w->seen[w->n++] = it->var;
    }
}

int bj_object_num_vars(const bj_object *o) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_num_vars")) return -1;
    walk w = {.want = -1};
    visit(o, &w);
    free(w.seen);
    if (w.oom) return core_err(BJ_ERR_NOMEM, "bj_object_num_vars: out of memory"), -1;
    return w.n;
}

bj_var *bj_object_var_at(const bj_object *o, int i, char *path, size_t n) {
    if (core_handle_check(o, CORE_H_OBJECT, "bj_object_var_at")) return NULL;
    walk w = {.want = i};
    if (i >= 0) visit(o, &w);
    free(w.seen);
    if (!w.found) {
        if (w.oom) core_err(BJ_ERR_NOMEM, "bj_object_var_at: out of memory");
        else core_err(BJ_ERR_ARG, "bj_object_var_at: object %s has no Variable number %d", o->name, i);
        return NULL;
    }
    if (path && n) snprintf(path, n, "%s.%s", w.owner->name, w.attr);
    return w.found;
}
