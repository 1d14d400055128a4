/* _core.h — shared declarations of the brainjit._core extension: object layouts, the error mapping, the per-thread
 * stack of traces, and the conversions between Python objects and C arrays, values and call arguments. */
#ifndef BRAINJIT_PY_CORE_H
#define BRAINJIT_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "brainjit.h"

#include <stdbool.h>
#include <stdint.h>

#define PYBJ_MAX_PARAMS 64 /* parameters of one jit call: the C core's limit */
#define PYBJ_STACK_OUTS 32 /* outputs received without an allocation */
#define PYBJ_MAX_DEPTH 64  /* nested traces on one thread */

/* ---------------------------------------------------------------- object layouts */
typedef struct {
    PyObject_HEAD
    bj_array *a;          /* owned reference */
    char *data;           /* cached bj_array_data (the array's memory never moves, but after a donation) */
    bj_dtype dtype;
    int ndim;
    bool exported;        /* numpy has seen the memory: donating it would leave numpy a dangling view */
    bool donatable;       /* the memory may be written by a donation (brainjit's own, or a writable exporter's) */
    Py_ssize_t shape[BJ_MAX_RANK], strides[BJ_MAX_RANK];
    PyObject *iface;      /* cached __array_interface__ dict */
} BufferObject;

typedef struct TraceObject TraceObject;

typedef struct {
    PyObject_HEAD
    bj_val *v;
    TraceObject *trace;   /* strong: tells whether v's trace is still open */
    bj_dtype dtype;
    int rank;
    bool weak;
    int64_t shape[BJ_MAX_RANK];
} ValObject;

typedef struct {
    PyObject_HEAD
    bj_var *v; /* owned reference */
} VarObject;

typedef struct {
    PyObject_HEAD
    PyObject *v; /* `_v`: Buffer, Val or Var */
} ArrayBaseObject;

typedef struct {
    PyObject_HEAD
    bj_object *o;
} ObjectObject;

/* An open region of control flow on a trace (for / while / cond), to know how many results its end gives. */
typedef struct {
    int kind;   /* PYBJ_FOR, PYBJ_WHILE, PYBJ_COND */
    int ncarry; /* for/while: carries; cond: results of the true branch (set by cond_else), -1 before */
} pybj_region;
enum { PYBJ_FOR, PYBJ_WHILE, PYBJ_COND };

struct TraceObject {
    PyObject_HEAD
    bj_trace *t;          /* NULL once ended */
    bool alive;
    bool inlined;         /* a frame of a jit called while tracing: params are ready-made objects */
    PyObject *name;       /* the jit's name (str) */
    int nleaves;
    int *leaf_param;      /* per flat leaf: its C parameter, or -1 (a static leaf: leaves[k] is the object) */
    PyObject *leaves;     /* tuple: the original leaves (inlined: their values in the outer trace) */
    pybj_region *regions;
    int nregions, capregions;
};

/* ---------------------------------------------------------------- shared state (_core.c) */
extern PyTypeObject pybj_BufferType, pybj_ValType, pybj_VarType, pybj_ArrayBaseType, pybj_ObjectType, pybj_JitType,
    pybj_TraceType, pybj_EagerOpType;
extern PyTypeObject *pybj_array_cls;    /* registered by set_types; ArrayBase until then */
extern PyTypeObject *pybj_variable_cls;
extern bool pybj_x64;
/* Threads holding brainjit's locks without the GIL (open traces, calls made with the GIL released); GIL-protected.
 * A call that may wait for such a lock must release the GIL while any other thread is counted, or it could wait
 * for a thread that waits for the GIL. */
extern int pybj_busy;
extern _Thread_local int pybj_busy_mine;

/* Runs stmt with the GIL released when another thread could hold a lock stmt waits for. */
#define PYBJ_BLOCKING(stmt)                                                                                            \
    do {                                                                                                               \
        if (pybj_busy > pybj_busy_mine) {                                                                              \
            pybj_busy++;                                                                                               \
            Py_BEGIN_ALLOW_THREADS stmt;                                                                               \
            Py_END_ALLOW_THREADS pybj_busy--;                                                                          \
        } else {                                                                                                       \
            stmt;                                                                                                      \
        }                                                                                                              \
    } while (0)

/* Raises the exception mapped to s with bj_last_error() (or msg); returns NULL. */
PyObject *pybj_raise(bj_status s);
PyObject *pybj_raise_msg(bj_status s, const char *msg);
/* The class mapped to s. Borrowed. */
PyObject *pybj_errclass(bj_status s);

/* The tracing stack of this thread. */
TraceObject *pybj_current(void); /* borrowed, NULL if none */
int pybj_push(TraceObject *t);   /* -1 with an exception */
void pybj_pop(void);
int pybj_depth(void);

/* ---------------------------------------------------------------- buffers (_core_buffer.c) */
/* A new Buffer owning a (the reference is stolen; a NULL a raises the C error). */
PyObject *pybj_buffer_new(bj_array *a);
/* A new reference to a C array holding obj: a Buffer's or Array's own array, a zero-copy wrap of a C-contiguous
 * aligned buffer of a supported dtype, or a converted copy. dtype -1: keep the dtype (canon: apply the default
 * dtypes: float64 -> float32 and int64 -> int32 unless x64). copy: always a fresh array. NULL with an exception. */
bj_array *pybj_array_from(PyObject *obj, int dtype, bool copy, bool canon);
/* Whether o is something pybj_array_from converts without numpy's help (buffer protocol, not bytes-like). */
bool pybj_is_bufferlike(PyObject *o);
/* Raises if the Buffer's array was donated (the C message); 0 if usable. */
int pybj_buffer_check(BufferObject *b);
PyObject *pybj_buffer_fn(PyObject *self, PyObject *args, PyObject *kw);

/* ---------------------------------------------------------------- values, Variables, arrays (_core_types.c) */
PyObject *pybj_val_new(TraceObject *tr, bj_val *v); /* NULL v raises the trace's error */
/* A new instance of the registered Array class with _v = v (stolen). */
PyObject *pybj_wrap(PyObject *v);
PyObject *pybj_var_new_obj(bj_var *v); /* steals v */
TraceObject *pybj_trace_new(bj_trace *t, PyObject *name);
void pybj_trace_kill(TraceObject *tr);
/* Raises the error of trace t (its first error) as the mapped exception. */
PyObject *pybj_raise_trace(bj_trace *t);
/* A stale or foreign traced value: the error (raised), NULL. */
PyObject *pybj_raise_stale(ValObject *v, TraceObject *cur);
int pybj_scalar_arg(PyObject *o, bj_arg *a); /* a Python scalar as a dynamic jit argument */

/* ---------------------------------------------------------------- ops and conversions (_core_op.c) */
/* obj as a value of trace tr (Val, Array, Buffer, Var, Python scalar, numpy, list). NULL with an exception. */
bj_val *pybj_to_val(TraceObject *tr, PyObject *obj);
/* The items of a sequence (None: none) as values of tr's trace, into buf (room for cap) or a PyMem block that
 * pybj_vals_free frees; -1 on error. pybj_val_list: a list of Val objects for n values. */
Py_ssize_t pybj_vals_of(TraceObject *tr, PyObject *seq, bj_val **buf, Py_ssize_t cap, bj_val ***out, const char *what);
void pybj_vals_free(bj_val **v, bj_val **buf);
PyObject *pybj_val_list(TraceObject *tr, bj_val **v, Py_ssize_t n);
/* The _v of an ArrayBase, or obj itself. Borrowed. */
static inline PyObject *pybj_unwrap(PyObject *o) {
    if (Py_TYPE(o) == pybj_array_cls || PyObject_TypeCheck(o, &pybj_ArrayBaseType)) {
        PyObject *v = ((ArrayBaseObject *)o)->v;
        return v ? v : Py_None;
    }
    return o;
}
int pybj_parse_attrs(PyObject *attrs, bj_attrs *a); /* -1 with an exception */
PyObject *pybj_op_fn(PyObject *self, PyObject *args, PyObject *kw);

/* ---------------------------------------------------------------- module function tables */
extern PyMethodDef pybj_op_methods[];   /* _core_op.c: op, to_f64, var_*, loops, random_next */
extern PyMethodDef pybj_misc_methods[]; /* _core.c */

#endif
