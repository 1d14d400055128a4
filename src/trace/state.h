/* state.h — Variables and objects (the state a jitted function reads and writes), shared by var.c and object.c. */
#ifndef BJ_STATE_H
#define BJ_STATE_H

#include "core/core.h"

#include <pthread.h>
#include <stdatomic.h>

#define STATE_NAME_MAX 128

/* Threads. The value pointer of every Variable is guarded by state_values: bj_var_set replaces a value holding it
 * for writing; jit calls hold it for reading while they resolve, trace, look up and compile (which read values'
 * types), and until the run has locked the Variables it uses (lock: for writing the ones it writes, for reading the
 * others; bj_var_set takes it for writing too). So a value is never replaced or freed under a call, every call
 * reads whole values, and runs of different handles sharing a Variable one writes are serialised. Lock order:
 * state_values, then a jit handle's lock, then Variables' locks in address order. */
struct bj_var {
    atomic_int refcount;
    char *name;
    int batch_axis; /* -1: none */
    bj_array *value; /* owned; its dtype and shape (but the batch axis) never change */
    pthread_rwlock_t lock;
};
BJ_HIDDEN extern pthread_rwlock_t state_values;

/* The name of the jit function this thread is tracing, or NULL (set by src/jit). */
BJ_HIDDEN extern _Thread_local const char *state_tracing;

/* Whether name is a valid Variable/object/attribute name (sets the error naming fn and what otherwise). */
BJ_HIDDEN bool state_name_ok(const char *name, const char *fn, const char *what);
/* Whether an array of this type may be the value of v (the batch axis may differ in size). */
BJ_HIDDEN bool state_fits(const bj_var *v, bj_dtype d, int rank, const int64_t *shape);
#endif
