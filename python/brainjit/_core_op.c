/* _core_op.c — ops from Python: op() and EagerOp (traced into the current trace, or run eagerly by a cached
 * one-op jit handle of the interpreter), conversions into traced values, Variables' reads and writes, control flow
 * regions (for / while / cond) and RandomState draws inside a trace. */
#include "_core.h"

#include <string.h>

/* ---------------------------------------------------------------- values of the current trace */
static PyObject *no_trace(const char *fn) {
    bj_set_error(BJ_ERR_TRACE, "%s: only inside a traced function (bm.jit, or a loop body); nothing is being traced "
                 "on this thread", fn);
    return pybj_raise(BJ_ERR_TRACE);
}

static TraceObject *need_trace(const char *fn) {
    TraceObject *cur = pybj_current();
    if (!cur) no_trace(fn);
    return cur;
}

bj_val *pybj_to_val(TraceObject *tr, PyObject *obj) {
    PyObject *o = pybj_unwrap(obj);
    PyTypeObject *tp = Py_TYPE(o);
    bj_trace *t = tr->t;
    bj_val *r;
    if (tp == &pybj_ValType) {
        ValObject *v = (ValObject *)o;
        if (!v->trace->alive || v->trace->t != t) return (bj_val *)pybj_raise_stale(v, tr);
        return v->v;
    }
    if (tp == &pybj_BufferType) {
        if (pybj_buffer_check((BufferObject *)o) < 0) return NULL;
        r = bj_trace_const(t, ((BufferObject *)o)->a);
    } else if (tp == &pybj_VarType) {
        r = bj_var_read(t, ((VarObject *)o)->v);
    } else if (tp == &PyBool_Type) {
        r = bj_lit_bool(t, o == Py_True);
    } else if (tp == &PyLong_Type) {
        int ovf;
        long long x = PyLong_AsLongLongAndOverflow(o, &ovf);
        if (x == -1 && PyErr_Occurred()) return NULL;
        if (ovf) return (bj_val *)PyErr_Format(PyExc_OverflowError, "Python int %S too large for int64", o);
        r = bj_lit_i64(t, x, true);
    } else if (tp == &PyFloat_Type) {
        r = bj_lit_f64(t, PyFloat_AS_DOUBLE(o), true);
    } else {
        bj_array *a = pybj_array_from(o, -1, false, true);
        if (!a) return NULL;
        r = bj_trace_const(t, a);
        bj_array_release(a);
    }
    if (!r) pybj_raise_trace(t);
    return r;
}

/* (see _core.h) */
Py_ssize_t pybj_vals_of(TraceObject *tr, PyObject *seq, bj_val **buf, Py_ssize_t cap, bj_val ***out, const char *what) {
    *out = buf;
    if (seq == Py_None || !seq) return 0;
    /* a list is copied: converting an item (its __array__) may change the list and free the others */
    PyObject *f = PyList_CheckExact(seq) ? PyList_AsTuple(seq) : PySequence_Fast(seq, what);
    if (!f) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(f);
    if (n > cap && !(*out = PyMem_Malloc(sizeof(bj_val *) * (size_t)n))) {
        Py_DECREF(f);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!((*out)[i] = pybj_to_val(tr, PySequence_Fast_GET_ITEM(f, i)))) {
            if (*out != buf) PyMem_Free(*out);
            *out = buf;
            Py_DECREF(f);
            return -1;
        }
    Py_DECREF(f);
    return n;
}

void pybj_vals_free(bj_val **v, bj_val **buf) {
    if (v != buf) PyMem_Free(v);
}

PyObject *pybj_val_list(TraceObject *tr, bj_val **v, Py_ssize_t n) {
    PyObject *l = PyList_New(n);
    for (Py_ssize_t i = 0; l && i < n; i++) {
        PyObject *x = pybj_val_new(tr, v[i]);
        if (!x) Py_CLEAR(l);
        else PyList_SET_ITEM(l, i, x);
    }
    return l;
}

/* ---------------------------------------------------------------- attributes */
static int attr_ints(PyObject *v, int64_t *dst, int *n, const char *key) {
    if (PyLong_Check(v)) {
        dst[0] = PyLong_AsLongLong(v);
        *n = 1;
        return dst[0] == -1 && PyErr_Occurred() ? -1 : 0;
    }
    PyObject *f = PySequence_Fast(v, "attrs: a tuple of ints expected");
    if (!f) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(f);
    if (m > BJ_MAX_RANK) {
        Py_DECREF(f);
        PyErr_Format(PyExc_ValueError, "attrs: %s has %zd entries; at most %d", key, m, BJ_MAX_RANK);
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(f, i);
        if (x == Py_None) {
            dst[i] = INT64_MIN; /* "default": the caller fills it */
            continue;
        }
        dst[i] = PyLong_AsLongLong(x);
        if (dst[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(f);
            return -1;
        }
    }
    *n = (int)m;
    Py_DECREF(f);
    return 0;
}

int pybj_parse_attrs(PyObject *attrs, bj_attrs *a) {
    memset(a, 0, sizeof *a); /* padding too: the bytes are a cache key */
    for (int k = 0; k < BJ_MAX_RANK; k++) a->stop[k] = BJ_END, a->step[k] = 1;
    if (!attrs || attrs == Py_None) return 0;
    if (!PyDict_Check(attrs)) {
        PyErr_SetString(PyExc_TypeError, "attrs must be a dict");
        return -1;
    }
    PyObject *key, *v;
    Py_ssize_t pos = 0;
    int naxes = -1, rank = -1;
    int64_t tmp[BJ_MAX_RANK];
    int n;
    while (PyDict_Next(attrs, &pos, &key, &v)) {
        const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        if (!k) {
            PyErr_SetString(PyExc_TypeError, "attrs: keys must be strings");
            return -1;
        }
        if (v == Py_None) continue;
#define IS(s) (!strcmp(k, s))
        if (IS("axes")) {
            if (attr_ints(v, tmp, &n, k) < 0) return -1;
            for (int i = 0; i < n; i++) a->axes[i] = (int)tmp[i];
            if (naxes < 0) a->naxes = n;
        } else if (IS("naxes")) {
            if ((naxes = PyLong_AsLong(v)) == -1 && PyErr_Occurred()) return -1;
        } else if (IS("shape")) {
            if (attr_ints(v, a->shape, &n, k) < 0) return -1;
            if (rank < 0) a->rank = n;
        } else if (IS("rank")) {
            if ((rank = PyLong_AsLong(v)) == -1 && PyErr_Occurred()) return -1;
        } else if (IS("start") || IS("stop") || IS("step")) {
            if (attr_ints(v, tmp, &n, k) < 0) return -1;
            int64_t *dst = IS("start") ? a->start : IS("stop") ? a->stop : a->step;
            for (int i = 0; i < n; i++) /* None: the default (for start: set below, once step is known) */
                dst[i] = tmp[i] != INT64_MIN ? tmp[i] : IS("stop") ? BJ_END : IS("step") ? 1 : INT64_MIN;
        } else if (IS("axis")) {
            if ((a->axis = PyLong_AsLong(v)) == -1 && PyErr_Occurred()) return -1;
        } else if (IS("keepdims") || IS("allow_self")) {
            int b = PyObject_IsTrue(v);
            if (b < 0) return -1;
            if (IS("keepdims")) a->keepdims = b;
            else a->allow_self = b;
        } else if (IS("dtype")) {
            long d = PyLong_AsLong(v);
            if (d == -1 && PyErr_Occurred()) return -1;
            if (d < 0 || d >= BJ_NDTYPES) {
                PyErr_Format(PyExc_ValueError, "attrs: invalid dtype code %ld", d);
                return -1;
            }
            a->dtype = (bj_dtype)d;
        } else if (IS("value") || IS("stop_value") || IS("step_value")) {
            double d = PyFloat_AsDouble(v);
            if (d == -1 && PyErr_Occurred()) return -1;
            *(IS("value") ? &a->value : IS("stop_value") ? &a->stop_value : &a->step_value) = d;
        } else if (IS("n") || IS("m") || IS("k")) {
            long long x = PyLong_AsLongLong(v);
            if (x == -1 && PyErr_Occurred()) return -1;
            *(IS("n") ? &a->n : IS("m") ? &a->m : &a->k) = x;
        } else if (IS("seed")) {
            unsigned long long x = PyLong_AsUnsignedLongLongMask(v);
            if (x == (unsigned long long)-1 && PyErr_Occurred()) return -1;
            a->seed = x;
        } else {
            PyErr_Format(PyExc_ValueError, "attrs: unknown key '%s' (known: naxes, axes, axis, keepdims, rank, shape, "
                         "start, stop, step, dtype, value, stop_value, step_value, n, m, k, seed, allow_self)", k);
            return -1;
        }
#undef IS
    }
    if (naxes >= 0) a->naxes = naxes;
    if (rank >= 0) a->rank = rank;
    for (int i = 0; i < BJ_MAX_RANK; i++) /* an omitted start: the first element in the step's direction */
        if (a->start[i] == INT64_MIN) a->start[i] = a->step[i] < 0 ? -1 : 0;
    return 0;
}

/* ---------------------------------------------------------------- arguments of eager calls */
/* Up to PYBJ_MAX_PARAMS call arguments and the temporary arrays made for them. */
typedef struct {
    bj_arg a[PYBJ_MAX_PARAMS];
    bj_array *tmp[PYBJ_MAX_PARAMS];
    int n, ntmp;
} eargs;

static void eargs_free(eargs *e) {
    for (int i = 0; i < e->ntmp; i++) bj_array_release(e->tmp[i]);
    e->ntmp = 0;
}

/* A Python bool, int or float as a dynamic (weakly typed) jit argument; a Val here is stale (-1, raised). */
int pybj_scalar_arg(PyObject *o, bj_arg *a) {
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyBool_Type) {
        a->kind = BJ_ARG_BOOL, a->i = o == Py_True;
    } else if (tp == &PyLong_Type) {
        int ovf;
        long long x = PyLong_AsLongLongAndOverflow(o, &ovf);
        if (x == -1 && PyErr_Occurred()) return -1;
        if (ovf) {
            PyErr_Format(PyExc_OverflowError, "Python int %S too large for int64", o);
            return -1;
        }
        a->kind = BJ_ARG_I64, a->i = x;
    } else if (tp == &PyFloat_Type) {
        a->kind = BJ_ARG_F64, a->f = PyFloat_AS_DOUBLE(o);
    } else {
        pybj_raise_stale((ValObject *)o, NULL);
        return -1;
    }
    return 0;
}

static int earg(eargs *e, PyObject *obj) {
    PyObject *o = pybj_unwrap(obj);
    PyTypeObject *tp = Py_TYPE(o);
    bj_arg *a = &e->a[e->n++];
    memset(a, 0, sizeof *a);
    if (tp == &pybj_BufferType) {
        a->kind = BJ_ARG_ARRAY, a->array = ((BufferObject *)o)->a;
    } else if (tp == &pybj_VarType) {
        a->kind = BJ_ARG_VAR, a->var = ((VarObject *)o)->v;
    } else if (tp == &PyBool_Type || tp == &PyLong_Type || tp == &PyFloat_Type || tp == &pybj_ValType) {
        if (pybj_scalar_arg(o, a)) return -1;
    } else {
        bj_array *x = pybj_array_from(o, -1, false, true);
        if (!x) return -1;
        e->tmp[e->ntmp++] = x;
        a->kind = BJ_ARG_ARRAY, a->array = x;
    }
    return 0;
}

/* ---------------------------------------------------------------- EagerOp */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    char name[64];
    PyObject *name_obj;
    bj_attrs attrs;
    bj_jit *f; /* created on the first eager call */
} EagerOpObject;

/* The op traced into the current trace; an Array over a Val. */
static PyObject *op_traced(TraceObject *cur, const char *name, const bj_attrs *attrs, PyObject *const *ins,
                           Py_ssize_t n) {
    bj_val *buf[16], **v = buf;
    if (n > 16 && !(v = PyMem_Malloc(sizeof *v * (size_t)n))) return PyErr_NoMemory();
    PyObject *r = NULL;
    Py_ssize_t i = 0;
    for (; i < n; i++)
        if (!(v[i] = pybj_to_val(cur, ins[i]))) break;
    if (i == n) r = pybj_wrap(pybj_val_new(cur, bj_op(cur->t, name, v, (int)n, attrs)));
    if (v != buf) PyMem_Free(v);
    return r;
}

static PyObject *op_eager(EagerOpObject *op, PyObject *const *ins, Py_ssize_t n) {
    if (n > PYBJ_MAX_PARAMS)
        return PyErr_Format(PyExc_ValueError, "%s: at most %d operands run eagerly, got %zd", op->name,
                            PYBJ_MAX_PARAMS, n);
    if (!op->f) {
        char nm[80];
        snprintf(nm, sizeof nm, "bm.%s", op->name);
        bj_jit_opts o = {.name = nm, .backend = "interp", .cache_size = 256};
        if (!(op->f = bj_jit_new(NULL, NULL, &o))) return pybj_raise(bj_last_status());
    }
    eargs e;
    e.n = e.ntmp = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (earg(&e, ins[i]) < 0) {
            eargs_free(&e);
            return NULL;
        }
    bj_array *out = NULL;
    int nout = 0;
    void *tag = NULL;
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_call_tagged(op->f, e.a, e.n, &out, 1, &nout, &tag));
    if (s == BJ_ERR_TRACE && nout == -1) { /* a new signature: trace the one op */
        bj_trace *t;
        PYBJ_BLOCKING(t = bj_jit_trace_begin(op->f, e.a, e.n));
        if (!t) {
            eargs_free(&e);
            return pybj_raise(bj_last_status());
        }
        bj_val *v[PYBJ_MAX_PARAMS];
        for (int i = 0; i < e.n; i++) v[i] = bj_param(t, i);
        bj_val *r = bj_op(t, op->name, v, e.n, &op->attrs);
        if (r) bj_return(t, r);
        bj_status ts = bj_trace_status(t);
        char msg[2048] = "";
        if (ts) snprintf(msg, sizeof msg, "%s", bj_trace_error(t) ? bj_trace_error(t) : "");
        PYBJ_BLOCKING(s = bj_jit_trace_end(t));
        if (ts || s) {
            eargs_free(&e);
            return ts ? pybj_raise_msg(ts, msg) : pybj_raise(s);
        }
        PYBJ_BLOCKING(s = bj_jit_call_tagged(op->f, e.a, e.n, &out, 1, &nout, &tag));
    }
    eargs_free(&e);
    if (s) return pybj_raise(s);
    if (nout != 1) {
        bj_set_error(BJ_ERR_INTERNAL, "%s: the eager op gave %d outputs", op->name, nout);
        return pybj_raise(BJ_ERR_INTERNAL);
    }
    return pybj_wrap(pybj_buffer_new(out));
}

/* Whether ins need the trace: a trace is active on this thread (every op inside it is staged, as JAX does). */
static PyObject *op_run(EagerOpObject *op, PyObject *const *ins, Py_ssize_t n) {
    TraceObject *cur = pybj_current();
    if (cur) return op_traced(cur, op->name, &op->attrs, ins, n);
    return op_eager(op, ins, n);
}

static PyObject *EagerOp_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    if (kwnames && PyTuple_GET_SIZE(kwnames))
        return PyErr_Format(PyExc_TypeError, "EagerOp takes positional operands only");
    return op_run((EagerOpObject *)self, args, PyVectorcall_NARGS(nargsf));
}

static int eagerop_init_fields(EagerOpObject *o, const char *name, PyObject *attrs) {
    size_t len = strlen(name);
    if (len == 0 || len >= sizeof o->name) {
        PyErr_Format(PyExc_ValueError, "EagerOp: bad op name '%s'", name);
        return -1;
    }
    memcpy(o->name, name, len + 1);
    if (pybj_parse_attrs(attrs, &o->attrs) < 0) return -1;
    o->name_obj = PyUnicode_FromString(name);
    return o->name_obj ? 0 : -1;
}

static PyObject *EagerOp_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"name", "attrs", NULL};
    const char *name;
    PyObject *attrs = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O:EagerOp", kwlist, &name, &attrs)) return NULL;
    EagerOpObject *o = (EagerOpObject *)type->tp_alloc(type, 0);
    if (!o) return NULL;
    o->vectorcall = EagerOp_vectorcall;
    o->f = NULL;
    o->name_obj = NULL;
    if (eagerop_init_fields(o, name, attrs) < 0) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

static void EagerOp_dealloc(EagerOpObject *o) {
    if (o->f) bj_jit_release(o->f);
    Py_XDECREF(o->name_obj);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *EagerOp_repr(EagerOpObject *o) { return PyUnicode_FromFormat("<EagerOp %s>", o->name); }

static PyObject *EagerOp_get_name(EagerOpObject *o, void *c) {
    (void)c;
    return Py_NewRef(o->name_obj);
}

static PyGetSetDef EagerOp_getset[] = {
    {"name", (getter)EagerOp_get_name, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pybj_EagerOpType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.EagerOp",
    .tp_basicsize = sizeof(EagerOpObject),
    .tp_dealloc = (destructor)EagerOp_dealloc,
    .tp_vectorcall_offset = offsetof(EagerOpObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = (reprfunc)EagerOp_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "EagerOp(name, attrs=None): op(name, ins, attrs) as a callable taking the operands",
    .tp_getset = EagerOp_getset,
    .tp_new = EagerOp_new,
};

/* op(name, ins, attrs=None): ops met by name share one EagerOp (and so one handle) per (name, attrs). */
static PyObject *op_cache; /* {name or (name, attrs bytes): EagerOp} */
#define OP_CACHE_MAX 4096

PyObject *pybj_op_fn(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwlist[] = {"name", "ins", "attrs", NULL};
    PyObject *name, *ins, *attrs = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "UO|O:op", kwlist, &name, &ins, &attrs)) return NULL;
    /* a list is copied: converting an operand (its __array__) may change the list and free the others */
    PyObject *f = PyList_CheckExact(ins) ? PyList_AsTuple(ins) : PySequence_Fast(ins, "op: ins must be a sequence");
    if (!f) return NULL;
    PyObject *const *items = PySequence_Fast_ITEMS(f);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(f);
    const char *nm = PyUnicode_AsUTF8(name);
    PyObject *r = NULL;
    if (!nm) goto done;
    TraceObject *cur = pybj_current();
    if (cur) {
        bj_attrs a;
        if (pybj_parse_attrs(attrs, &a) == 0) r = op_traced(cur, nm, &a, items, n);
        goto done;
    }
    PyObject *key;
    if (!attrs || attrs == Py_None) {
        key = Py_NewRef(name);
    } else {
        bj_attrs a;
        if (pybj_parse_attrs(attrs, &a) < 0) goto done;
        key = Py_BuildValue("(Oy#)", name, (const char *)&a, (Py_ssize_t)sizeof a);
        if (!key) goto done;
    }
    if (!op_cache && !(op_cache = PyDict_New())) {
        Py_DECREF(key);
        goto done;
    }
    PyObject *op = PyDict_GetItemWithError(op_cache, key); /* borrowed */
    if (!op && !PyErr_Occurred()) {
        PyObject *cargs = Py_BuildValue("(OO)", name, attrs ? attrs : Py_None);
        op = cargs ? EagerOp_new(&pybj_EagerOpType, cargs, NULL) : NULL;
        Py_XDECREF(cargs);
        if (op) {
            if (PyDict_GET_SIZE(op_cache) >= OP_CACHE_MAX) PyDict_Clear(op_cache); /* bounded: many shapes' reshapes */
            int e = PyDict_SetItem(op_cache, key, op);
            Py_DECREF(op); /* the dict holds it */
            if (e < 0) op = NULL;
        }
    }
    if (op) {
        Py_INCREF(op);
        r = op_eager((EagerOpObject *)op, items, n);
        Py_DECREF(op);
    }
    Py_DECREF(key);
done:
    Py_DECREF(f);
    return r;
}

/* ---------------------------------------------------------------- concrete values of tracers */
static PyObject *to_f64(PyObject *self, PyObject *arg) {
    (void)self;
    PyObject *o = pybj_unwrap(arg);
    if (Py_TYPE(o) == &pybj_ValType) {
        ValObject *v = (ValObject *)o;
        if (!v->trace->alive) return pybj_raise_stale(v, pybj_current());
        double d;
        bj_status s = bj_val_to_f64(v->v, &d);
        if (!s) return PyFloat_FromDouble(d);
        const char *m = bj_last_error();
        if (s == BJ_ERR_TRACE && !strstr(m, "bm.cond")) {
            char buf[2048];
            snprintf(buf, sizeof buf, "%s. A traced value has no concrete value while tracing: make the argument "
                     "static (static_argnums/static_argnames), or use bm.cond / bm.while_loop / bm.ifelse for control "
                     "flow on traced values", m);
            return pybj_raise_msg(s, buf);
        }
        return pybj_raise(s);
    }
    if (PyFloat_Check(o) || PyLong_Check(o)) return PyNumber_Float(o);
    bj_array *a = pybj_array_from(o, -1, false, false);
    if (!a) return NULL;
    PyObject *r = NULL;
    if (bj_array_size(a) != 1)
        PyErr_SetString(PyExc_TypeError, "only arrays of one element can be converted to Python scalars");
    else
        r = PyFloat_FromDouble(bj_array_get(a, 0));
    bj_array_release(a);
    return r;
}

/* ---------------------------------------------------------------- Variables */
static bj_var *var_of(PyObject *o) {
    PyObject *v = pybj_unwrap(o);
    if (Py_TYPE(v) == &pybj_VarType) return ((VarObject *)v)->v;
    PyErr_Format(PyExc_TypeError, "a Variable (Var, or an Array whose _v is a Var) expected, got %.100s",
                 Py_TYPE(o)->tp_name);
    return NULL;
}

static PyObject *var_read(PyObject *self, PyObject *arg) {
    (void)self;
    bj_var *v = var_of(arg);
    if (!v) return NULL;
    TraceObject *cur = pybj_current();
    if (cur) return pybj_wrap(pybj_val_new(cur, bj_var_read(cur->t, v)));
    bj_array *a = bj_var_value(v);
    return a ? pybj_wrap(pybj_buffer_new(bj_array_copy(a))) : pybj_raise(bj_last_status());
}

static PyObject *var_write(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *var, *x;
    if (!PyArg_ParseTuple(args, "OO:var_write", &var, &x)) return NULL;
    bj_var *v = var_of(var);
    if (!v) return NULL;
    TraceObject *cur = pybj_current();
    bj_status s;
    if (cur) {
        bj_val *xv = pybj_to_val(cur, x);
        if (!xv) return NULL;
        if ((s = bj_var_write(cur->t, v, xv))) return pybj_raise_trace(cur->t);
        Py_RETURN_NONE;
    }
    /* Python numbers are weakly typed: they take the Variable's dtype */
    PyObject *xo = pybj_unwrap(x);
    int dt = -1;
    if (PyBool_Check(xo) || PyLong_CheckExact(xo) || PyFloat_CheckExact(xo)) {
        bj_array *cur_v = bj_var_value(v);
        if (!cur_v) return pybj_raise(bj_last_status());
        dt = (int)bj_array_dtype(cur_v);
    }
    bj_array *a = pybj_array_from(x, dt, false, false);
    if (!a) return NULL;
    PYBJ_BLOCKING(s = bj_var_set(v, a));
    bj_array_release(a);
    if (s) return pybj_raise(s);
    Py_RETURN_NONE;
}

static PyObject *var_value_nocopy(PyObject *self, PyObject *arg) {
    (void)self;
    bj_var *v = var_of(arg);
    if (!v) return NULL;
    bj_array *a = bj_var_value(v);
    return a ? pybj_buffer_new(bj_array_retain(a)) : pybj_raise(bj_last_status());
}

/* ---------------------------------------------------------------- control flow regions */
static int region_push(TraceObject *tr, int kind, int ncarry) {
    if (tr->nregions == tr->capregions) {
        int cap = tr->capregions ? 2 * tr->capregions : 8;
        pybj_region *r = PyMem_Realloc(tr->regions, sizeof *r * (size_t)cap);
        if (!r) {
            PyErr_NoMemory();
            return -1;
        }
        tr->regions = r, tr->capregions = cap;
    }
    tr->regions[tr->nregions++] = (pybj_region){kind, ncarry};
    return 0;
}

/* The innermost region if it is of this kind; else NULL (raises unless quiet). */
static pybj_region *region_top(TraceObject *tr, int kind, const char *fn, bool quiet) {
    if (tr->nregions && tr->regions[tr->nregions - 1].kind == kind) return &tr->regions[tr->nregions - 1];
    if (!quiet) {
        bj_set_error(BJ_ERR_TRACE, "%s: no %s is open here", fn,
                     kind == PYBJ_FOR ? "for loop" : kind == PYBJ_WHILE ? "while loop" : "cond");
        pybj_raise(BJ_ERR_TRACE);
    }
    return NULL;
}

/* Whether an *_end call aborts (no results given: after an exception, close quietly). */
static bool aborting(Py_ssize_t nargs, PyObject *const *args) {
    for (Py_ssize_t i = 0; i < nargs; i++)
        if (args[i] != Py_None) return false;
    return true;
}

static PyObject *for_begin(PyObject *self, PyObject *args) {
    (void)self;
    long long n, every;
    PyObject *init, *xs;
    if (!PyArg_ParseTuple(args, "LLOO:for_begin", &n, &every, &init, &xs)) return NULL;
    TraceObject *cur = need_trace("for_begin");
    if (!cur) return NULL;
    bj_val *b1[16], *b2[16], **vi, **vx;
    Py_ssize_t ni = pybj_vals_of(cur, init, b1, 16, &vi, "for_begin: init must be a list");
    if (ni < 0) return NULL;
    Py_ssize_t nx = pybj_vals_of(cur, xs, b2, 16, &vx, "for_begin: xs must be a list");
    PyObject *r = NULL;
    if (nx >= 0) {
        bj_status s = bj_loop_begin(cur->t, n, every, vi, (int)ni, vx, (int)nx);
        if (s) r = pybj_raise_trace(cur->t);
        else if (region_push(cur, PYBJ_FOR, (int)ni) == 0) r = Py_NewRef(Py_None);
        else bj_loop_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
        pybj_vals_free(vx, b2);
    }
    pybj_vals_free(vi, b1);
    return r;
}

static PyObject *loop_step(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    TraceObject *cur = need_trace("loop_step");
    return cur ? pybj_val_new(cur, bj_loop_step(cur->t)) : NULL;
}

static PyObject *loop_carry(PyObject *self, PyObject *arg) {
    (void)self;
    int i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    TraceObject *cur = need_trace("loop_carry");
    return cur ? pybj_val_new(cur, bj_loop_carry(cur->t, i)) : NULL;
}

static PyObject *loop_x(PyObject *self, PyObject *arg) {
    (void)self;
    int i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    TraceObject *cur = need_trace("loop_x");
    return cur ? pybj_val_new(cur, bj_loop_x(cur->t, i)) : NULL;
}

/* for_end(new_carry_list, ys_list) -> (final_list, stacked_list); for_end() after an exception: closes, None. */
static PyObject *for_end(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs > 2) return PyErr_Format(PyExc_TypeError, "for_end takes at most 2 arguments");
    TraceObject *cur = pybj_current();
    bool abort = aborting(nargs, args);
    if (!cur) return abort ? Py_NewRef(Py_None) : no_trace("for_end");
    pybj_region *rg = region_top(cur, PYBJ_FOR, "for_end", abort);
    if (!rg) return abort ? Py_NewRef(Py_None) : NULL;
    int ncarry = rg->ncarry;
    cur->nregions--;
    if (abort) {
        bj_loop_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
        Py_RETURN_NONE;
    }
    bj_val *b1[16], *b2[16], **vc, **vy;
    Py_ssize_t nc = pybj_vals_of(cur, args[0], b1, 16, &vc, "for_end: new carries must be a list");
    Py_ssize_t ny = nc < 0 ? -1 : pybj_vals_of(cur, nargs > 1 ? args[1] : NULL, b2, 16, &vy, "for_end: ys must be a list");
    if (nc < 0 || ny < 0) {
        if (nc >= 0) pybj_vals_free(vc, b1);
        bj_loop_end(cur->t, NULL, 0, NULL, 0, NULL, NULL); /* close it (the trace fails) */
        return NULL;
    }
    bj_val *fbuf[16], *sbuf[16], **fin = fbuf, **st = sbuf;
    PyObject *r = NULL;
    if ((ncarry > 16 && !(fin = PyMem_Calloc((size_t)ncarry, sizeof *fin))) ||
        (ny > 16 && !(st = PyMem_Calloc((size_t)ny, sizeof *st)))) {
        bj_loop_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
        PyErr_NoMemory();
    } else if (bj_loop_end(cur->t, vc, (int)nc, vy, (int)ny, fin, st)) {
        pybj_raise_trace(cur->t);
    } else {
        PyObject *a = pybj_val_list(cur, fin, ncarry), *b = a ? pybj_val_list(cur, st, ny) : NULL;
        if (a && b) r = PyTuple_Pack(2, a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
    }
    if (fin != fbuf) PyMem_Free(fin);
    if (st != sbuf) PyMem_Free(st);
    pybj_vals_free(vc, b1);
    pybj_vals_free(vy, b2);
    return r;
}

static PyObject *while_begin(PyObject *self, PyObject *init) {
    (void)self;
    TraceObject *cur = need_trace("while_begin");
    if (!cur) return NULL;
    bj_val *b[16], **v;
    Py_ssize_t n = pybj_vals_of(cur, init, b, 16, &v, "while_begin: init must be a list");
    if (n < 0) return NULL;
    PyObject *r = NULL;
    if (bj_while_begin(cur->t, v, (int)n)) r = pybj_raise_trace(cur->t);
    else if (region_push(cur, PYBJ_WHILE, (int)n) == 0) r = Py_NewRef(Py_None);
    else bj_while_end(cur->t, NULL, 0, NULL);
    pybj_vals_free(v, b);
    return r;
}

static PyObject *while_body(PyObject *self, PyObject *pred) {
    (void)self;
    TraceObject *cur = need_trace("while_body");
    if (!cur || !region_top(cur, PYBJ_WHILE, "while_body", false)) return NULL;
    bj_val *p = pybj_to_val(cur, pred);
    if (bj_while_body(cur->t, p) && p) return pybj_raise_trace(cur->t);
    if (!p) return NULL; /* (the NULL predicate failed the trace; the region stays for while_end) */
    Py_RETURN_NONE;
}

/* while_end(new_carry_list) -> final_list; while_end() after an exception: closes, None. */
static PyObject *while_end(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs > 1) return PyErr_Format(PyExc_TypeError, "while_end takes at most 1 argument");
    TraceObject *cur = pybj_current();
    bool abort = aborting(nargs, args);
    if (!cur) return abort ? Py_NewRef(Py_None) : no_trace("while_end");
    pybj_region *rg = region_top(cur, PYBJ_WHILE, "while_end", abort);
    if (!rg) return abort ? Py_NewRef(Py_None) : NULL;
    int ncarry = rg->ncarry;
    cur->nregions--;
    if (abort) {
        bj_while_end(cur->t, NULL, 0, NULL);
        Py_RETURN_NONE;
    }
    bj_val *b[16], **v;
    Py_ssize_t n = pybj_vals_of(cur, args[0], b, 16, &v, "while_end: new carries must be a list");
    if (n < 0) {
        bj_while_end(cur->t, NULL, 0, NULL);
        return NULL;
    }
    bj_val *fbuf[16], **fin = fbuf;
    PyObject *r = NULL;
    if (ncarry > 16 && !(fin = PyMem_Calloc((size_t)ncarry, sizeof *fin))) {
        bj_while_end(cur->t, NULL, 0, NULL);
        PyErr_NoMemory();
    } else if (bj_while_end(cur->t, v, (int)n, fin)) {
        pybj_raise_trace(cur->t);
    } else {
        r = pybj_val_list(cur, fin, ncarry);
    }
    if (fin != fbuf) PyMem_Free(fin);
    pybj_vals_free(v, b);
    return r;
}

static PyObject *cond_begin(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *pred, *ops;
    if (!PyArg_ParseTuple(args, "OO:cond_begin", &pred, &ops)) return NULL;
    TraceObject *cur = need_trace("cond_begin");
    if (!cur) return NULL;
    bj_val *p = pybj_to_val(cur, pred);
    if (!p) return NULL;
    bj_val *b[16], **v;
    Py_ssize_t n = pybj_vals_of(cur, ops, b, 16, &v, "cond_begin: operands must be a list");
    if (n < 0) return NULL;
    PyObject *r = NULL;
    if (bj_cond_begin(cur->t, p, v, (int)n)) r = pybj_raise_trace(cur->t);
    else if (region_push(cur, PYBJ_COND, -1) == 0) r = Py_NewRef(Py_None);
    else bj_cond_end(cur->t, NULL, 0, NULL);
    pybj_vals_free(v, b);
    return r;
}

static PyObject *cond_else(PyObject *self, PyObject *results) {
    (void)self;
    TraceObject *cur = need_trace("cond_else");
    if (!cur) return NULL;
    pybj_region *rg = region_top(cur, PYBJ_COND, "cond_else", false);
    if (!rg) return NULL;
    bj_val *b[16], **v;
    Py_ssize_t n = pybj_vals_of(cur, results, b, 16, &v, "cond_else: results must be a list");
    if (n < 0) {
        bj_cond_else(cur->t, NULL, 0); /* (fails the trace; cond_end still closes) */
        return NULL;
    }
    rg->ncarry = (int)n;
    bj_status s = bj_cond_else(cur->t, v, (int)n);
    pybj_vals_free(v, b);
    if (s) return pybj_raise_trace(cur->t);
    Py_RETURN_NONE;
}

/* cond_end(results_list) -> outs list; cond_end() after an exception: closes, None. */
static PyObject *cond_end(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs > 1) return PyErr_Format(PyExc_TypeError, "cond_end takes at most 1 argument");
    TraceObject *cur = pybj_current();
    bool abort = aborting(nargs, args);
    if (!cur) return abort ? Py_NewRef(Py_None) : no_trace("cond_end");
    pybj_region *rg = region_top(cur, PYBJ_COND, "cond_end", abort);
    if (!rg) return abort ? Py_NewRef(Py_None) : NULL;
    cur->nregions--;
    if (abort) {
        bj_cond_end(cur->t, NULL, 0, NULL);
        Py_RETURN_NONE;
    }
    bj_val *b[16], **v;
    Py_ssize_t n = pybj_vals_of(cur, args[0], b, 16, &v, "cond_end: results must be a list");
    if (n < 0) {
        bj_cond_end(cur->t, NULL, 0, NULL);
        return NULL;
    }
    bj_val *obuf[16], **outs = obuf;
    PyObject *r = NULL;
    if (n > 16 && !(outs = PyMem_Calloc((size_t)n, sizeof *outs))) {
        bj_cond_end(cur->t, NULL, 0, NULL);
        PyErr_NoMemory();
    } else if (bj_cond_end(cur->t, v, (int)n, outs)) {
        pybj_raise_trace(cur->t);
    } else {
        r = pybj_val_list(cur, outs, n);
    }
    if (outs != obuf) PyMem_Free(outs);
    pybj_vals_free(v, b);
    return r;
}

/* ---------------------------------------------------------------- random */
static PyObject *random_next(PyObject *self, PyObject *arg) {
    (void)self;
    bj_var *v = var_of(arg);
    if (!v) return NULL;
    TraceObject *cur = need_trace("random_next");
    return cur ? pybj_val_new(cur, bj_random_state_next(cur->t, v)) : NULL;
}

PyMethodDef pybj_op_methods[] = {
    {"op", (PyCFunction)(void (*)(void))pybj_op_fn, METH_VARARGS | METH_KEYWORDS,
     "op(name, ins, attrs=None): the op traced into the current trace, or run eagerly; an Array"},
    {"to_f64", to_f64, METH_O, "to_f64(x) -> float: a concrete value (raises on a tracer without one)"},
    {"var_read", var_read, METH_O, "var_read(var) -> Array: traced read, or a copy of the value"},
    {"var_write", var_write, METH_VARARGS, "var_write(var, x): traced write, or set the value"},
    {"var_value_nocopy", var_value_nocopy, METH_O, "var_value_nocopy(var) -> Buffer over the live value"},
    {"for_begin", for_begin, METH_VARARGS, "for_begin(n, every, init_list, xs_list)"},
    {"loop_step", loop_step, METH_NOARGS, "loop_step() -> Val: the step index"},
    {"loop_carry", loop_carry, METH_O, "loop_carry(i) -> Val"},
    {"loop_x", loop_x, METH_O, "loop_x(i) -> Val"},
    {"for_end", (PyCFunction)(void (*)(void))for_end, METH_FASTCALL,
     "for_end(new_carry_list, ys_list) -> (final_list, stacked_list); for_end() aborts"},
    {"while_begin", while_begin, METH_O, "while_begin(init_list)"},
    {"while_body", while_body, METH_O, "while_body(pred)"},
    {"while_end", (PyCFunction)(void (*)(void))while_end, METH_FASTCALL,
     "while_end(new_carry_list) -> final_list; while_end() aborts"},
    {"cond_begin", cond_begin, METH_VARARGS, "cond_begin(pred, ops_list)"},
    {"cond_else", cond_else, METH_O, "cond_else(results_list)"},
    {"cond_end", (PyCFunction)(void (*)(void))cond_end, METH_FASTCALL,
     "cond_end(results_list) -> outs list; cond_end() aborts"},
    {"random_next", random_next, METH_O, "random_next(state_var) -> Val: a new key (inside a trace)"},
    {NULL, NULL, 0, NULL},
};
