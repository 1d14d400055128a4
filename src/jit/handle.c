/* handle.c — jit handles: creating them for functions and object methods, reference counting, printing, their
 * Variables, statistics and cache clearing. */
#include "jit/jit.h"

#include <string.h>

static atomic_int unnamed;

static bj_jit *make(bj_jit_fn fn, void *ud, const bj_jit_opts *opts, bj_object *self, const char *method,
                    const char *api) {
    char def[300];
    const char *name = opts && opts->name ? opts->name : NULL;
    if (!name && self) snprintf(def, sizeof def, "%s.%s", bj_object_name(self), method), name = def;
    if (!name) snprintf(def, sizeof def, "jit%d", atomic_fetch_add(&unnamed, 1)), name = def;
    if (!*name || strlen(name) > 200) return core_err(BJ_ERR_ARG, "%s: name must be 1 to 200 characters", api), NULL;
    bj_jit *f = calloc(1, sizeof *f);
    if (!f || !(f->name = malloc(strlen(name) + 1))) {
        free(f);
        return core_err(BJ_ERR_NOMEM, "%s: out of memory", api), NULL;
    }
    memcpy(f->name, name, strlen(name) + 1);
    bj_status s = jit_options_parse(&f->o, opts, f->name);
    if (s || pthread_mutex_init(&f->lock, NULL)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        jit_options_free(&f->o);
        free(f->name), free(f);
        core_err(s ? s : BJ_ERR_NOMEM, "%s", s ? msg : "bj_jit_new: cannot create a lock");
        return NULL;
    }
    f->fn = fn, f->ud = ud;
    atomic_init(&f->refcount, 1);
    if (self) f->self = bj_object_retain(self);
    if (!core_handle_add(f, CORE_H_JIT)) {
        bj_object_release(f->self);
        jit_options_free(&f->o);
        pthread_mutex_destroy(&f->lock);
        free(f->name), free(f);
        return core_err(BJ_ERR_NOMEM, "%s: out of memory", api), NULL;
    }
    return f;
}

bj_jit *bj_jit_new(bj_jit_fn fn, void *ud, const bj_jit_opts *opts) {
    return make(fn, ud, opts, NULL, NULL, "bj_jit_new");
}

bj_jit *bj_jit_method(bj_object *self, const char *method, bj_jit_fn fn, void *ud, const bj_jit_opts *opts) {
    if (core_handle_check(self, CORE_H_OBJECT, "bj_jit_method")) return NULL;
    if (!method || !*method) return core_err(BJ_ERR_ARG, "bj_jit_method: method name is empty"), NULL;
    if (!fn) return core_err(BJ_ERR_ARG, "bj_jit_method: %s.%s: fn is NULL", bj_object_name(self), method), NULL;
    return make(fn, ud, opts, self, method, "bj_jit_method");
}

bj_jit *bj_jit_retain(bj_jit *f) {
    return core_ref_retain(f, f ? &f->refcount : NULL, CORE_H_JIT, "bj_jit_retain") ? f : NULL;
}

bool jit_pin(const bj_jit *f, const char *fn) {
    bj_jit *m = (bj_jit *)f; /* the count changes; the handle, as the caller sees it, does not */
    return core_ref_retain(m, m ? &m->refcount : NULL, CORE_H_JIT, fn);
}

void jit_unpin(const bj_jit *f) { bj_jit_release((bj_jit *)f); }

static void clear(bj_jit *f) {
    for (jit_entry *e = f->head, *n; e; e = n) n = e->next, jit_entry_free(e);
    f->head = f->tail = NULL;
    f->nentries = 0;
    f->st.cache_size = 0;
}

void bj_jit_release(bj_jit *f) {
    if (!core_ref_release(f, f ? &f->refcount : NULL, CORE_H_JIT, "bj_jit_release")) return;
    clear(f);
    for (int i = 0; i < f->nseen; i++) bj_var_release(f->seen[i]);
    free(f->seen);
    bj_object_release(f->self);
    jit_options_free(&f->o);
    pthread_mutex_destroy(&f->lock);
    free(f->name);
    free(f);
}

bj_status bj_jit_clear_cache(bj_jit *f) {
    if (!jit_pin(f, "bj_jit_clear_cache")) return core_last_status();
    pthread_mutex_lock(&f->lock);
    clear(f);
    pthread_mutex_unlock(&f->lock);
    jit_unpin(f);
    return BJ_OK;
}

bj_status bj_jit_stats_get(const bj_jit *f, bj_jit_stats *out) {
    if (!jit_pin(f, "bj_jit_stats_get")) return core_last_status();
    if (!out) return jit_unpin(f), core_err(BJ_ERR_ARG, "bj_jit_stats_get: out is NULL");
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    *out = f->st;
    out->cache_size = f->nentries;
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
    jit_unpin(f);
    return BJ_OK;
}

bj_status bj_jit_last_miss(const bj_jit *f, char *buf, size_t n) {
    if (!jit_pin(f, "bj_jit_last_miss")) return core_last_status();
    if (!buf || !n) return jit_unpin(f), core_err(BJ_ERR_ARG, "bj_jit_last_miss: buf is NULL or empty");
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    snprintf(buf, n, "%s", f->last_miss);
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
    jit_unpin(f);
    return BJ_OK;
}

/* The Variables: the object's (for methods) first, then any others seen in traces. */
static int count_vars(const bj_jit *f, bj_var **at, int want, char *path, size_t n) {
    int k = 0, no = f->self ? bj_object_num_vars(f->self) : 0;
    for (int i = 0; i < no; i++, k++)
        if (k == want) {
            char p[512];
            *at = bj_object_var_at(f->self, i, p, sizeof p);
            if (path && n) snprintf(path, n, "%s", p);
            return k;
        }
    for (int i = 0; i < f->nseen; i++) {
        bool in_obj = false;
        for (int j = 0; j < no && !in_obj; j++) in_obj = bj_object_var_at(f->self, j, NULL, 0) == f->seen[i];
        if (in_obj) continue;
        if (k == want) {
            *at = f->seen[i];
            if (path && n) snprintf(path, n, "%s", f->seen[i]->name);
            return k;
        }
        k++;
    }
    return k;
}

int bj_jit_num_vars(const bj_jit *f) {
    if (!jit_pin(f, "bj_jit_num_vars")) return -1;
    bj_var *v = NULL;
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    int n = count_vars(f, &v, -1, NULL, 0);
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
    jit_unpin(f);
    return n;
}

bj_var *bj_jit_var_at(const bj_jit *f, int i, char *path, size_t n) {
    if (!jit_pin(f, "bj_jit_var_at")) return NULL;
    bj_var *v = NULL;
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    int total = count_vars(f, &v, i, path, n);
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
    if (i < 0 || !v) core_err(BJ_ERR_ARG, "bj_jit_var_at: index %d is out of range (%s has %d Variables)", i, f->name,
                              total), v = NULL;
    jit_unpin(f);
    return v;
}

char *bj_jit_to_string(const bj_jit *f) {
    if (!jit_pin(f, "bj_jit_to_string")) return NULL;
    int nv = bj_jit_num_vars(f);
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
    core_str b = {0};
    core_str_printf(&b, "<jit %s: backend=%s, %d Variable%s, %d/%d signatures cached>", f->name, f->o.backend, nv,
                    nv == 1 ? "" : "s", f->nentries, f->o.cache_size);
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
    jit_unpin(f);
    if (b.oom) {
        core_str_free(&b);
        return core_err(BJ_ERR_NOMEM, "bj_jit_to_string: out of memory"), NULL;
    }
    return b.s;
}

bj_status bj_jit_print(const bj_jit *f, FILE *out) {
    if (!out) return core_err(BJ_ERR_ARG, "bj_jit_print: out is NULL");
    char *s = bj_jit_to_string(f);
    if (!s) return core_last_status();
    fprintf(out, "%s\n", s);
    free(s);
    return BJ_OK;
}
