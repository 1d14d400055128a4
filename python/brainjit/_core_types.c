/* _core_types.c — the small wrapper types: Val (a traced value), Var (a Variable), ArrayBase (the base of bm.Array,
 * holding `_v`), Object (a named BrainPyObject) and Trace (an open jit trace, as trace_cb and control flow see it). */
#include "_core.h"

#include <structmember.h>
#include <string.h>

/* ---------------------------------------------------------------- Val */
PyObject *pybj_raise_trace(bj_trace *t) {
    bj_status s = t ? bj_trace_status(t) : BJ_OK;
    const char *m = t && s ? bj_trace_error(t) : NULL;
    if (!s) s = bj_last_status() ? bj_last_status() : BJ_ERR_TRACE;
    return pybj_raise_msg(s, m && *m ? m : bj_last_error());
}

PyObject *pybj_val_new(TraceObject *tr, bj_val *v) {
    if (!v) return pybj_raise_trace(tr->t);
    ValObject *o = PyObject_New(ValObject, &pybj_ValType);
    if (!o) return NULL;
    o->v = v;
    o->trace = (TraceObject *)Py_NewRef(tr);
    o->dtype = bj_val_dtype(v);
    o->rank = bj_val_rank(v);
    o->weak = bj_val_weak(v);
    const int64_t *sh = bj_val_shape(v);
    for (int k = 0; k < o->rank && k < BJ_MAX_RANK; k++) o->shape[k] = sh ? sh[k] : 0;
    if ((unsigned)o->dtype >= BJ_NDTYPES || o->rank < 0 || o->rank > BJ_MAX_RANK) {
        Py_DECREF(o);
        return pybj_raise(bj_last_status() ? bj_last_status() : BJ_ERR_HANDLE);
    }
    return (PyObject *)o;
}

PyObject *pybj_raise_stale(ValObject *v, TraceObject *cur) {
    const char *nm = v->trace->name ? PyUnicode_AsUTF8(v->trace->name) : "?";
    if (!nm) return NULL;
    if (!v->trace->alive)
        bj_set_error(BJ_ERR_TRACE, "a traced value of '%s' (%s) is used after its trace ended: a leaked tracer (a "
                     "traced value kept in a global, an attribute that is not a Variable, or a closure, and used "
                     "later); store state in bm.Variable and return results instead", nm, bj_dtype_name(v->dtype));
    else
        bj_set_error(BJ_ERR_TRACE, "a traced value of '%s' (%s) is used %s", nm, bj_dtype_name(v->dtype),
                     cur ? "in another trace" : "outside its trace");
    return pybj_raise(BJ_ERR_TRACE);
}

static void Val_dealloc(ValObject *o) {
    Py_XDECREF(o->trace);
    PyObject_Free(o);
}

static PyObject *Val_get_shape(ValObject *o, void *c) {
    (void)c;
    PyObject *t = PyTuple_New(o->rank);
    for (int k = 0; t && k < o->rank; k++) {
        PyObject *d = PyLong_FromLongLong(o->shape[k]);
        if (!d) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, k, d);
    }
    return t;
}
static PyObject *Val_get_dtype(ValObject *o, void *c) {
    (void)c;
    return PyLong_FromLong((long)o->dtype);
}
static PyObject *Val_get_ndim(ValObject *o, void *c) {
    (void)c;
    return PyLong_FromLong(o->rank);
}
static PyObject *Val_get_weak(ValObject *o, void *c) {
    (void)c;
    return PyBool_FromLong(o->weak);
}
static PyObject *Val_get_alive(ValObject *o, void *c) {
    (void)c;
    return PyBool_FromLong(o->trace->alive);
}
static PyObject *Val_get_size(ValObject *o, void *c) {
    (void)c;
    long long n = 1;
    for (int k = 0; k < o->rank; k++) n *= o->shape[k];
    return PyLong_FromLongLong(n);
}

static PyObject *Val_repr(ValObject *o) {
    char buf[256];
    size_t k = (size_t)snprintf(buf, sizeof buf, "Val(%s[", bj_dtype_name(o->dtype));
    for (int i = 0; i < o->rank && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, i ? ",%lld" : "%lld", (long long)o->shape[i]);
    if (k < sizeof buf)
        snprintf(buf + k, sizeof buf - k, "]%s%s)", o->weak ? ", weak" : "", o->trace->alive ? "" : ", stale");
    return PyUnicode_FromString(buf);
}

static PyGetSetDef Val_getset[] = {
    {"shape", (getter)Val_get_shape, NULL, NULL, NULL},
    {"dtype", (getter)Val_get_dtype, NULL, "bj_dtype code", NULL},
    {"ndim", (getter)Val_get_ndim, NULL, NULL, NULL},
    {"size", (getter)Val_get_size, NULL, NULL, NULL},
    {"weak", (getter)Val_get_weak, NULL, "weakly typed (a Python scalar's type)", NULL},
    {"alive", (getter)Val_get_alive, NULL, "whether its trace is still open", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pybj_ValType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Val",
    .tp_basicsize = sizeof(ValObject),
    .tp_dealloc = (destructor)Val_dealloc,
    .tp_repr = (reprfunc)Val_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "a traced value of the current trace",
    .tp_getset = Val_getset,
};

/* ---------------------------------------------------------------- Var */
PyObject *pybj_var_new_obj(bj_var *v) {
    if (!v) return pybj_raise(bj_last_status());
    VarObject *o = PyObject_New(VarObject, &pybj_VarType);
    if (!o) {
        bj_var_release(v);
        return NULL;
    }
    o->v = v;
    return (PyObject *)o;
}

static PyObject *Var_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    (void)type;
    static char *kwlist[] = {"value", "name", "batch_axis", NULL};
    PyObject *value;
    const char *name = NULL;
    int batch_axis = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|zi:Var", kwlist, &value, &name, &batch_axis)) return NULL;
    bj_array *a = pybj_array_from(value, -1, false, false);
    if (!a) return NULL;
    bj_var *v = bj_var_new(name, a, batch_axis);
    bj_array_release(a);
    return pybj_var_new_obj(v);
}

static void Var_dealloc(VarObject *o) {
    bj_var_release(o->v);
    PyObject_Free(o);
}

static PyObject *Var_get_name(VarObject *o, void *c) {
    (void)c;
    const char *n = bj_var_name(o->v);
    return n ? PyUnicode_FromString(n) : pybj_raise(bj_last_status());
}
static PyObject *Var_get_batch_axis(VarObject *o, void *c) {
    (void)c;
    return PyLong_FromLong(bj_var_batch_axis(o->v));
}
static PyObject *Var_get_shape(VarObject *o, void *c) {
    (void)c;
    bj_array *a = bj_var_value(o->v);
    if (!a) return pybj_raise(bj_last_status());
    int r = bj_array_rank(a);
    const int64_t *sh = bj_array_shape(a);
    PyObject *t = PyTuple_New(r);
    for (int k = 0; t && k < r; k++) {
        PyObject *d = PyLong_FromLongLong(sh[k]);
        if (!d) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, k, d);
    }
    return t;
}
static PyObject *Var_get_dtype(VarObject *o, void *c) {
    (void)c;
    bj_array *a = bj_var_value(o->v);
    return a ? PyLong_FromLong((long)bj_array_dtype(a)) : pybj_raise(bj_last_status());
}
static PyObject *Var_get_ndim(VarObject *o, void *c) {
    (void)c;
    bj_array *a = bj_var_value(o->v);
    return a ? PyLong_FromLong(bj_array_rank(a)) : pybj_raise(bj_last_status());
}
static PyObject *Var_get_size(VarObject *o, void *c) {
    (void)c;
    bj_array *a = bj_var_value(o->v);
    return a ? PyLong_FromLongLong(bj_array_size(a)) : pybj_raise(bj_last_status());
}

static PyObject *Var_repr(VarObject *o) {
    bj_array *a = bj_var_value(o->v);
    const char *n = bj_var_name(o->v);
    if (!a || !n) return pybj_raise(bj_last_status());
    char buf[160];
    size_t k = (size_t)snprintf(buf, sizeof buf, "Var(%s: %s[", n, bj_dtype_name(bj_array_dtype(a)));
    for (int i = 0; i < bj_array_rank(a) && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, i ? ",%lld" : "%lld", (long long)bj_array_shape(a)[i]);
    if (k < sizeof buf) snprintf(buf + k, sizeof buf - k, "])");
    return PyUnicode_FromString(buf);
}

static PyGetSetDef Var_getset[] = {
    {"name", (getter)Var_get_name, NULL, NULL, NULL},
    {"batch_axis", (getter)Var_get_batch_axis, NULL, NULL, NULL},
    {"shape", (getter)Var_get_shape, NULL, NULL, NULL},
    {"dtype", (getter)Var_get_dtype, NULL, "bj_dtype code", NULL},
    {"ndim", (getter)Var_get_ndim, NULL, NULL, NULL},
    {"size", (getter)Var_get_size, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pybj_VarType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Var",
    .tp_basicsize = sizeof(VarObject),
    .tp_dealloc = (destructor)Var_dealloc,
    .tp_repr = (reprfunc)Var_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Var(value, name=None, batch_axis=-1): a Variable (its value lives in C)",
    .tp_getset = Var_getset,
    .tp_new = Var_new,
};

/* ---------------------------------------------------------------- ArrayBase */
PyObject *pybj_wrap(PyObject *v) {
    if (!v) return NULL;
    PyTypeObject *tp = pybj_array_cls;
    ArrayBaseObject *o = (ArrayBaseObject *)tp->tp_alloc(tp, 0);
    if (!o) {
        Py_DECREF(v);
        return NULL;
    }
    o->v = v;
    return (PyObject *)o;
}

static int ArrayBase_init(ArrayBaseObject *o, PyObject *args, PyObject *kw) {
    PyObject *v = NULL;
    if (kw && PyDict_GET_SIZE(kw)) {
        PyErr_SetString(PyExc_TypeError, "ArrayBase() takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "|O:ArrayBase", &v)) return -1;
    if (v) Py_XSETREF(o->v, Py_NewRef(v));
    return 0;
}

static int ArrayBase_traverse(ArrayBaseObject *o, visitproc visit, void *arg) {
    Py_VISIT(o->v); /* (a Python subclass's traverse visits its type itself) */
    return 0;
}

static int ArrayBase_clear(ArrayBaseObject *o) {
    Py_CLEAR(o->v);
    return 0;
}

static void ArrayBase_dealloc(ArrayBaseObject *o) {
    PyTypeObject *tp = Py_TYPE(o);
    PyObject_GC_UnTrack(o);
    Py_CLEAR(o->v);
    tp->tp_free((PyObject *)o);
}

static PyMemberDef ArrayBase_members[] = {
    {"_v", T_OBJECT_EX, offsetof(ArrayBaseObject, v), 0, "the data: a Buffer (concrete), a Val (traced) or a Var"},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject pybj_ArrayBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.ArrayBase",
    .tp_basicsize = sizeof(ArrayBaseObject),
    .tp_dealloc = (destructor)ArrayBase_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "base of bm.Array: one field `_v` (Buffer, Val or Var)",
    .tp_traverse = (traverseproc)ArrayBase_traverse,
    .tp_clear = (inquiry)ArrayBase_clear,
    .tp_members = ArrayBase_members,
    .tp_init = (initproc)ArrayBase_init,
    .tp_new = PyType_GenericNew,
};

/* ---------------------------------------------------------------- Object */
static PyObject *Object_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"class_name", "name", NULL};
    const char *cls, *name = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|z:Object", kwlist, &cls, &name)) return NULL;
    bj_object *ob = bj_object_new(cls, name);
    if (!ob) return pybj_raise(bj_last_status());
    ObjectObject *o = (ObjectObject *)type->tp_alloc(type, 0);
    if (!o) {
        bj_object_release(ob);
        return NULL;
    }
    o->o = ob;
    return (PyObject *)o;
}

static void Object_dealloc(ObjectObject *o) {
    bj_object_release(o->o);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *Object_get_name(ObjectObject *o, void *c) {
    (void)c;
    const char *n = bj_object_name(o->o);
    return n ? PyUnicode_FromString(n) : pybj_raise(bj_last_status());
}
static PyObject *Object_get_class(ObjectObject *o, void *c) {
    (void)c;
    const char *n = bj_object_class(o->o);
    return n ? PyUnicode_FromString(n) : pybj_raise(bj_last_status());
}

static PyObject *Object_add_var(ObjectObject *o, PyObject *args) {
    const char *attr;
    PyObject *v;
    if (!PyArg_ParseTuple(args, "sO!:add_var", &attr, &pybj_VarType, &v)) return NULL;
    if (bj_object_add_var(o->o, attr, ((VarObject *)v)->v)) return pybj_raise(bj_last_status());
    Py_RETURN_NONE;
}

static PyObject *Object_add_child(ObjectObject *o, PyObject *args) {
    const char *attr;
    PyObject *c;
    if (!PyArg_ParseTuple(args, "sO!:add_child", &attr, &pybj_ObjectType, &c)) return NULL;
    if (bj_object_add_child(o->o, attr, ((ObjectObject *)c)->o)) return pybj_raise(bj_last_status());
    Py_RETURN_NONE;
}

/* vars() -> [(path, Var)] as BrainPy's vars(): depth first, each Variable once. */
static PyObject *Object_vars(ObjectObject *o, PyObject *unused) {
    (void)unused;
    int n = bj_object_num_vars(o->o);
    if (n < 0) return pybj_raise(bj_last_status());
    PyObject *l = PyList_New(0);
    for (int i = 0; l && i < n; i++) {
        char path[512];
        bj_var *v = bj_object_var_at(o->o, i, path, sizeof path);
        if (!v) {
            Py_DECREF(l);
            return pybj_raise(bj_last_status());
        }
        PyObject *vo = pybj_var_new_obj(bj_var_retain(v));
        PyObject *t = vo ? Py_BuildValue("(sN)", path, vo) : NULL;
        if (!t || PyList_Append(l, t) < 0) Py_CLEAR(l);
        Py_XDECREF(t);
    }
    return l;
}

static PyGetSetDef Object_getset[] = {
    {"name", (getter)Object_get_name, NULL, NULL, NULL},
    {"class_name", (getter)Object_get_class, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Object_methods[] = {
    {"add_var", (PyCFunction)Object_add_var, METH_VARARGS, "add_var(attr, var)"},
    {"add_child", (PyCFunction)Object_add_child, METH_VARARGS, "add_child(attr, obj)"},
    {"vars", (PyCFunction)Object_vars, METH_NOARGS, "[(path, Var)]"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject pybj_ObjectType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Object",
    .tp_basicsize = sizeof(ObjectObject),
    .tp_dealloc = (destructor)Object_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Object(class_name, name=None): a named object (default names 'Hello0', 'Hello1', ...)",
    .tp_getset = Object_getset,
    .tp_methods = Object_methods,
    .tp_new = Object_new,
};

/* ---------------------------------------------------------------- Trace */
TraceObject *pybj_trace_new(bj_trace *t, PyObject *name) {
    TraceObject *o = PyObject_GC_New(TraceObject, &pybj_TraceType);
    if (!o) return NULL;
    o->t = t;
    o->alive = true;
    o->inlined = false;
    o->name = Py_XNewRef(name);
    o->nleaves = 0;
    o->leaf_param = NULL;
    o->leaves = NULL;
    o->regions = NULL;
    o->nregions = o->capregions = 0;
    PyObject_GC_Track(o);
    return o;
}

void pybj_trace_kill(TraceObject *tr) {
    tr->alive = false;
    tr->t = NULL;
    Py_CLEAR(tr->leaves);
}

static int Trace_traverse(TraceObject *o, visitproc visit, void *arg) {
    Py_VISIT(o->leaves);
    return 0;
}

static int Trace_clear(TraceObject *o) {
    Py_CLEAR(o->leaves);
    return 0;
}

static void Trace_dealloc(TraceObject *o) {
    PyObject_GC_UnTrack(o);
    Py_CLEAR(o->leaves);
    Py_CLEAR(o->name);
    PyMem_Free(o->leaf_param);
    PyMem_Free(o->regions);
    PyObject_GC_Del(o);
}

static int trace_check_open(TraceObject *o) {
    if (o->alive) return 0;
    const char *nm = o->name ? PyUnicode_AsUTF8(o->name) : "?";
    bj_set_error(BJ_ERR_TRACE, "the trace of '%s' has ended", nm ? nm : "?");
    pybj_raise(BJ_ERR_TRACE);
    return -1;
}

/* param(k): the traced value of flat leaf k (a static leaf: the object itself). */
static PyObject *Trace_param(TraceObject *o, PyObject *arg) {
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred()) return NULL;
    if (trace_check_open(o) < 0) return NULL;
    if (k < 0 || k >= o->nleaves)
        return PyErr_Format(PyExc_IndexError, "param(%zd): the call has %d leaves", k, o->nleaves);
    if (o->inlined || o->leaf_param[k] < 0) return Py_NewRef(PyTuple_GET_ITEM(o->leaves, k));
    return pybj_val_new(o, bj_param(o->t, o->leaf_param[k]));
}

static PyObject *Trace_get_nparams(TraceObject *o, void *c) {
    (void)c;
    return PyLong_FromLong(o->nleaves);
}
static PyObject *Trace_get_alive(TraceObject *o, void *c) {
    (void)c;
    return PyBool_FromLong(o->alive);
}
static PyObject *Trace_get_name(TraceObject *o, void *c) {
    (void)c;
    return Py_NewRef(o->name ? o->name : Py_None);
}
static PyObject *Trace_get_inlined(TraceObject *o, void *c) {
    (void)c;
    return PyBool_FromLong(o->inlined);
}

static PyObject *Trace_repr(TraceObject *o) {
    return PyUnicode_FromFormat("<Trace of %R, %d leaves%s%s>", o->name ? o->name : Py_None, o->nleaves,
                                o->inlined ? ", inlined" : "", o->alive ? "" : ", ended");
}

static PyMethodDef Trace_methods[] = {
    {"param", (PyCFunction)Trace_param, METH_O, "param(k): the traced value of flat leaf k"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Trace_getset[] = {
    {"nparams", (getter)Trace_get_nparams, NULL, "number of flat leaves", NULL},
    {"alive", (getter)Trace_get_alive, NULL, NULL, NULL},
    {"name", (getter)Trace_get_name, NULL, NULL, NULL},
    {"inlined", (getter)Trace_get_inlined, NULL, "a jit called while tracing another", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pybj_TraceType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Trace",
    .tp_basicsize = sizeof(TraceObject),
    .tp_dealloc = (destructor)Trace_dealloc,
    .tp_repr = (reprfunc)Trace_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "an open jit trace (given to trace_cb)",
    .tp_traverse = (traverseproc)Trace_traverse,
    .tp_clear = (inquiry)Trace_clear,
    .tp_methods = Trace_methods,
    .tp_getset = Trace_getset,
};
