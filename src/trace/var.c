/* var.c — Variables: named, mutable arrays whose dtype and shape are fixed at creation (but for a batch axis). */
#include "core/array.h"
#include "trace/state.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int unnamed; /* for default names "Variable<N>" */

_Thread_local const char *state_tracing;
pthread_rwlock_t state_values = PTHREAD_RWLOCK_INITIALIZER;

/* Host-side changes to Variables while a jit function is traced would happen once, at trace time, and never on
 * later calls: refused. */
static bool not_tracing(const char *fn, const char *name) {
    if (!state_tracing) return true;
    core_err(BJ_ERR_TRACE, "%s: Variable %s: called while tracing jit function '%s'; this would happen once, at trace "
             "time, not on every call (create Variables before the first call; inside a traced function write them "
             "with bj_var_write)", fn, name ? name : "(unnamed)", state_tracing);
    return false;
}

bool state_name_ok(const char *name, const char *fn, const char *what) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > STATE_NAME_MAX || strchr(name, '.')) {
        core_err(BJ_ERR_ARG, "%s: %s \"%s\" must be 1 to %d characters without '.'", fn, what, name ? name : "(null)",
                 STATE_NAME_MAX);
        return false;
    }
    return true;
}

bj_var *bj_var_new(const char *name, const bj_array *value, int batch_axis) {
    char def[32];
    if (!name) snprintf(def, sizeof def, "Variable%d", atomic_fetch_add(&unnamed, 1)), name = def;
    if (!state_name_ok(name, "bj_var_new", "name") || !not_tracing("bj_var_new", name)) return NULL;
    if (core_handle_check(value, CORE_H_ARRAY, "bj_var_new")) return NULL;
    if (batch_axis < -1 || batch_axis >= value->rank) {
        core_err(BJ_ERR_ARG, "bj_var_new: Variable %s: batch axis %d is out of range for rank %d", name, batch_axis,
                 value->rank);
        return NULL;
    }
    bj_var *v = calloc(1, sizeof *v);
    size_t nl = strlen(name) + 1;
    if (v) v->name = malloc(nl), v->value = bj_array_copy(value);
    bool locked = v && !pthread_rwlock_init(&v->lock, NULL);
    if (locked && v->name && v->value) { /* complete before it is registered: from then on, other threads see it */
        memcpy(v->name, name, nl);
        atomic_init(&v->refcount, 1);
        atomic_fetch_add(&v->value->var_owned, 1);
        v->batch_axis = batch_axis;
    }
    if (!locked || !v->name || !v->value || !core_handle_add(v, CORE_H_VAR)) {
        if (v) bj_array_release(v->value), free(v->name);
        if (locked) pthread_rwlock_destroy(&v->lock);
        free(v);
        core_err(BJ_ERR_NOMEM, "bj_var_new: out of memory");
        return NULL;
    }
    return v;
}

bj_var *bj_var_retain(bj_var *v) {
    return core_ref_retain(v, v ? &v->refcount : NULL, CORE_H_VAR, "bj_var_retain") ? v : NULL;
}

void bj_var_release(bj_var *v) {
    if (!core_ref_release(v, v ? &v->refcount : NULL, CORE_H_VAR, "bj_var_release")) return;
    atomic_fetch_sub(&v->value->var_owned, 1);
    bj_array_release(v->value);
    pthread_rwlock_destroy(&v->lock);
    free(v->name);
    free(v);
}

const char *bj_var_name(const bj_var *v) {
    return core_handle_check(v, CORE_H_VAR, "bj_var_name") ? NULL : v->name;
}

int bj_var_batch_axis(const bj_var *v) {
    return core_handle_check(v, CORE_H_VAR, "bj_var_batch_axis") ? -1 : v->batch_axis;
}

bj_array *bj_var_value(const bj_var *v) {
    return core_handle_check(v, CORE_H_VAR, "bj_var_value") ? NULL : v->value;
}

bool state_fits(const bj_var *v, bj_dtype d, int rank, const int64_t *shape) {
    const bj_array *a = v->value;
    if (a->dtype != d || a->rank != rank) return false;
    for (int k = 0; k < rank; k++)
        if (a->shape[k] != shape[k] && k != v->batch_axis) return false;
    return true;
}

bj_status bj_var_set(bj_var *v, const bj_array *value) {
    bj_status s = core_handle_check(v, CORE_H_VAR, "bj_var_set");
    if (!s) s = core_handle_check(value, CORE_H_ARRAY, "bj_var_set");
    if (s) return s;
    if (!not_tracing("bj_var_set", v->name)) return BJ_ERR_TRACE; /* (before the locks: the tracing call holds one) */
    bj_array *c = bj_array_copy(value);
    if (!c) return core_err(BJ_ERR_NOMEM, "bj_var_set: out of memory copying the value of Variable %s", v->name);
    /* waits for jit calls reading values and for runs using v (state.h) */
    pthread_rwlock_wrlock(&state_values);
    pthread_rwlock_wrlock(&v->lock);
    bj_array *old = v->value;
    bool fits = state_fits(v, value->dtype, value->rank, value->shape);
    if (fits) {
        atomic_fetch_add(&c->var_owned, 1);
        atomic_fetch_sub(&old->var_owned, 1);
        v->value = c;
    } else {
        char want[96], got[96];
        s = core_err(value->dtype != old->dtype ? BJ_ERR_DTYPE : BJ_ERR_SHAPE,
                     "bj_var_set: Variable %s is %s, the new value is %s", v->name,
                     core_fmt_type(want, sizeof want, old->dtype, old->rank, old->shape),
                     core_fmt_type(got, sizeof got, value->dtype, value->rank, value->shape));
    }
    pthread_rwlock_unlock(&v->lock);
    pthread_rwlock_unlock(&state_values);
    bj_array_release(fits ? old : c);
    return s;
}
