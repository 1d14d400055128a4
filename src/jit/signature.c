/* signature.c — the per-handle signature cache: keys (static values and dynamic argument types), LRU lookup with
 * the Variables' types checked per entry, and the one-line explanation of a miss.
 *
 * Design note. A key holds what makes two calls trace differently: the "x64" setting, each static value with its
 * type (int 1 and float 1.0 differ) and each dynamic argument's dtype, shape and weak flag (abstracted axes by
 * symbol, not size).
 * The Variables a function touches are only known after tracing it, so they are not in the key: each entry keeps
 * the types they had and is served only while they still have them (a Variable whose batch axis changed size
 * misses). Keys hash to 64 bits; a hit compares the whole key. */
#include "jit/jit.h"

#include <math.h>
#include <xxhash.h>
#include <stdio.h>
#include <string.h>

static bool grow(jit_key *k, size_t n) {
    {
        size_t cap = (k->cap * 2 > k->n + n ? k->cap * 2 : k->n + n + 256);
        unsigned char *q = k->p == k->inl ? malloc(cap) : realloc(k->p, cap);
        if (!q) return false;
        if (k->p == k->inl) memcpy(q, k->inl, k->n);
        k->p = q, k->cap = cap;
    }
    return true;
}

static inline bool put(jit_key *k, const void *p, size_t n) {
    if (k->n + n > k->cap && !grow(k, n)) return false;
    memcpy(k->p + k->n, p, n);
    k->n += n;
    return true;
}

uint64_t jit_key_hash(const jit_key *k) { return XXH3_64bits(k->p, k->n); }

bool jit_key_make(const jit_sig *sig, jit_key *k) {
    k->p = k->inl, k->n = 0, k->cap = sizeof k->inl;
    unsigned char x64 = sig->x64; /* toggling the setting retraces: it changes every default dtype */
    bool ok = put(k, &x64, 1);
    for (int i = 0; i < sig->n && ok; i++) {
        const jit_param *p = &sig->p[i];
        unsigned char h[4] = {(unsigned char)p->kind, p->is_static, p->weak, (unsigned char)p->dtype};
        if (p->is_static) {
            ok = put(k, h, 2);
            if (p->kind == BJ_ARG_F64) ok = ok && put(k, &p->f, sizeof p->f);
            else if (p->kind == BJ_ARG_STR) {
                unsigned char len = (unsigned char)strlen(p->s);
                ok = ok && put(k, &len, 1) && put(k, p->s, len);
            } else ok = ok && put(k, &p->i, sizeof p->i);
            continue;
        }
        /* dynamic: the kind matters only as far as it changes the trace (array vs weak scalar: the weak flag) */
        struct {
            unsigned char h[4];
            int32_t rank;
            int64_t shape[BJ_MAX_RANK];
        } d = {{0xD, 0, p->weak, (unsigned char)p->dtype}, p->rank, {0}};
        for (int a = 0; a < p->rank; a++) d.shape[a] = p->sym[a] >= 0 ? -1 - p->sym[a] : p->shape[a];
        ok = put(k, &d, 8 + sizeof(int64_t) * (size_t)p->rank);
    }
    return ok;
}

void jit_key_free(jit_key *k) {
    if (k->p != k->inl) free(k->p);
    k->p = k->inl, k->n = 0;
}

static bool vars_fit(const jit_entry *e) {
    for (int i = 0; i < e->nvars; i++) {
        const bj_array *a = e->vars[i].var->value;
        if (memcmp(a->shape, e->vars[i].shape, sizeof(int64_t) * (size_t)a->rank)) return false;
    }
    return true;
}

static void unlink_entry(bj_jit *f, jit_entry *e) {
    if (e->prev) e->prev->next = e->next;
    else f->head = e->next;
    if (e->next) e->next->prev = e->prev;
    else f->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(bj_jit *f, jit_entry *e) {
    e->prev = NULL, e->next = f->head;
    if (f->head) f->head->prev = e;
    f->head = e;
    if (!f->tail) f->tail = e;
}

jit_entry *jit_cache_find(bj_jit *f, const jit_key *k, uint64_t h) {
    for (jit_entry *e = f->head; e; e = e->next)
        if (e->hash == h && e->keylen == k->n && !memcmp(e->key, k->p, k->n) && vars_fit(e)) {
            if (e != f->head) unlink_entry(f, e), push_front(f, e);
            return e;
        }
    return NULL;
}

void jit_cache_insert(bj_jit *f, jit_entry *e) {
    push_front(f, e);
    f->nentries++;
    while (f->nentries > f->o.cache_size && f->tail && f->tail != e) {
        jit_entry *old = f->tail;
        unlink_entry(f, old);
        jit_entry_free(old);
        f->nentries--;
    }
}

void jit_entry_free(jit_entry *e) {
    if (!e) return;
    for (int i = 0; i < e->nvars; i++) bj_var_release(e->vars[i].var), free(e->vars[i].path);
    free(e->vars);
    bj_exec_release(e->exec);
    bj_graph_release(e->graph);
    for (int i = 0; e->sig && i < e->sig->n; i++)
        if (e->sig->p[i].owned) free((char *)e->sig->p[i].s);
    free(e->key), free(e->sig), free(e->in_src), free(e->write_var), free(e->out_alias), free(e->donor_of);
    free(e->in_sym);
    if (e->free_tag) e->free_tag(e->tag);
    free(e);
}

/* "f32[8]", "f32[n,3]", "f32[] (weak)", "1.67", "2", "true", "\"mode\"" */
void jit_fmt_param(char *buf, size_t n, const jit_param *p, const jit_options *o) {
    if (p->is_static) {
        switch (p->kind) {
        case BJ_ARG_F64: {
            char t[64];
            if (isfinite(p->f)) core_fmt_shortest(t, sizeof t, p->f, false);
            else snprintf(t, sizeof t, "%g", p->f);
            bool dot = strpbrk(t, ".eEn") != NULL; /* make floats look like floats: 2.0, not 2 */
            snprintf(buf, n, "%s%s", t, dot ? "" : ".0");
            return;
        }
        case BJ_ARG_I64: snprintf(buf, n, "%lld", (long long)p->i); return;
        case BJ_ARG_BOOL: snprintf(buf, n, "%s", p->i ? "true" : "false"); return;
        default: snprintf(buf, n, "\"%s\"", p->s); return;
        }
    }
    size_t k = (size_t)snprintf(buf, n, "%s[", core_dtype_short(p->dtype));
    for (int a = 0; a < p->rank && k < n; a++) {
        if (p->sym[a] >= 0) k += (size_t)snprintf(buf + k, n - k, "%s%s", a ? "," : "", o->symname[p->sym[a]]);
        else k += (size_t)snprintf(buf + k, n - k, "%s%lld", a ? "," : "", (long long)p->shape[a]);
    }
    if (k < n) snprintf(buf + k, n - k, "]%s", p->weak ? " (weak)" : "");
}

void jit_explain_miss(bj_jit *f, const jit_sig *sig, const jit_key *k) {
    char *m = f->last_miss;
    size_t n = sizeof f->last_miss;
    const jit_entry *e = f->head;
    if (!e) {
        snprintf(m, n, "%s", f->st.cache_misses ? "no signature cached (first call, or the cache was cleared)"
                                                : "first call");
        return;
    }
    const jit_sig *old = e->sig;
    if (old->x64 != sig->x64) {
        snprintf(m, n, "the \"x64\" setting: now %d, before %d", sig->x64, old->x64);
        return;
    }
    if (old->n != sig->n) {
        snprintf(m, n, "now %d arguments, before %d", sig->n, old->n);
        return;
    }
    for (int i = 0; i < sig->n; i++) {
        char a[128], b[128], nm[80];
        jit_fmt_param(a, sizeof a, &sig->p[i], &f->o);
        jit_fmt_param(b, sizeof b, &old->p[i], &f->o);
        if (strcmp(a, b) || sig->p[i].is_static != old->p[i].is_static) {
            snprintf(m, n, "%sarg %d (%s): now %s, before %s", sig->p[i].is_static ? "static " : "", i,
                     jit_param_name(f, i, nm, sizeof nm), a, b);
            return;
        }
    }
    if (e->keylen == k->n && !memcmp(e->key, k->p, k->n))
        for (int i = 0; i < e->nvars; i++) {
            const bj_array *v = e->vars[i].var->value;
            if (memcmp(v->shape, e->vars[i].shape, sizeof(int64_t) * (size_t)v->rank)) {
                char a[96], b[96];
                snprintf(m, n, "Variable %s: now %s, before %s", e->vars[i].path,
                         core_fmt_type(a, sizeof a, v->dtype, v->rank, v->shape),
                         core_fmt_type(b, sizeof b, v->dtype, v->rank, e->vars[i].shape));
                return;
            }
        }
    snprintf(m, n, "a signature not seen before");
}
