/* _core.c — the module brainjit._core: registration of the Python classes and exceptions, the per-thread stack of
 * open traces, and the small module functions (random keys, connectivity, settings, counters, dtypes). */
#include "_core.h"

#include <string.h>

PyTypeObject *pybj_array_cls = &pybj_ArrayBaseType;
PyTypeObject *pybj_variable_cls = &pybj_ArrayBaseType;
bool pybj_x64;
int pybj_busy;
_Thread_local int pybj_busy_mine;

/* ---------------------------------------------------------------- errors */
static PyObject *errcls[BJ_ERR_INTERNAL + 1];

PyObject *pybj_errclass(bj_status s) {
    if ((unsigned)s > BJ_ERR_INTERNAL || s == BJ_OK) s = BJ_ERR_INTERNAL;
    return errcls[s];
}

PyObject *pybj_raise_msg(bj_status s, const char *msg) {
    PyErr_SetString(pybj_errclass(s), msg && *msg ? msg : "brainjit: unknown error");
    return NULL;
}

PyObject *pybj_raise(bj_status s) {
    if (s == BJ_OK) s = bj_last_status();
    return pybj_raise_msg(s, bj_last_error());
}

static void default_errors(void) {
    PyObject *d[BJ_ERR_INTERNAL + 1] = {
        [BJ_OK] = PyExc_RuntimeError,           [BJ_ERR_ARG] = PyExc_ValueError,
        [BJ_ERR_SHAPE] = PyExc_ValueError,      [BJ_ERR_DTYPE] = PyExc_TypeError,
        [BJ_ERR_HANDLE] = PyExc_ValueError,     [BJ_ERR_TRACE] = PyExc_RuntimeError,
        [BJ_ERR_NOMEM] = PyExc_MemoryError,     [BJ_ERR_IO] = PyExc_OSError,
        [BJ_ERR_UNSUPPORTED] = PyExc_NotImplementedError, [BJ_ERR_INTERNAL] = PyExc_RuntimeError,
    };
    for (int i = 0; i <= BJ_ERR_INTERNAL; i++) Py_XSETREF(errcls[i], Py_NewRef(d[i]));
}

/* set_errors({status: class}) */
static PyObject *set_errors(PyObject *self, PyObject *mapping) {
    (void)self;
    if (!PyDict_Check(mapping)) return PyErr_Format(PyExc_TypeError, "set_errors: a dict {status: class} expected");
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(mapping, &pos, &k, &v)) {
        long s = PyLong_AsLong(k);
        if (s == -1 && PyErr_Occurred()) return NULL;
        if (s < 1 || s > BJ_ERR_INTERNAL)
            return PyErr_Format(PyExc_ValueError, "set_errors: status %ld is not a brainjit error status", s);
        if (!PyType_Check(v) || !PyType_IsSubtype((PyTypeObject *)v, (PyTypeObject *)PyExc_Exception))
            return PyErr_Format(PyExc_TypeError, "set_errors: %R is not an exception class", v);
    }
    pos = 0;
    while (PyDict_Next(mapping, &pos, &k, &v)) Py_XSETREF(errcls[PyLong_AsLong(k)], Py_NewRef(v));
    Py_RETURN_NONE;
}

static PyObject *get_errors(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    PyObject *d = PyDict_New();
    for (int i = 1; d && i <= BJ_ERR_INTERNAL; i++) {
        PyObject *k = PyLong_FromLong(i);
        if (!k || PyDict_SetItem(d, k, errcls[i]) < 0) Py_CLEAR(d);
        Py_XDECREF(k);
    }
    return d;
}

/* ---------------------------------------------------------------- the tracing stack */
static _Thread_local TraceObject *stack[PYBJ_MAX_DEPTH];
static _Thread_local int depth;

TraceObject *pybj_current(void) { return depth ? stack[depth - 1] : NULL; }
int pybj_depth(void) { return depth; }

int pybj_push(TraceObject *t) {
    if (depth == PYBJ_MAX_DEPTH) {
        PyErr_Format(PyExc_RecursionError, "brainjit: traces nested more than %d deep", PYBJ_MAX_DEPTH);
        return -1;
    }
    stack[depth++] = (TraceObject *)Py_NewRef(t);
    return 0;
}

void pybj_pop(void) {
    if (depth) Py_DECREF(stack[--depth]);
}

static PyObject *tracing(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return PyBool_FromLong(depth > 0);
}

static PyObject *current(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return Py_NewRef(depth ? (PyObject *)stack[depth - 1] : Py_None);
}

/* ---------------------------------------------------------------- registration */
static PyObject *set_types(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a, *v;
    if (!PyArg_ParseTuple(args, "OO:set_types", &a, &v)) return NULL;
    if (!PyType_Check(a) || !PyType_IsSubtype((PyTypeObject *)a, &pybj_ArrayBaseType) || !PyType_Check(v) ||
        !PyType_IsSubtype((PyTypeObject *)v, &pybj_ArrayBaseType))
        return PyErr_Format(PyExc_TypeError, "set_types: both classes must subclass ArrayBase");
    PyTypeObject *oa = pybj_array_cls, *ov = pybj_variable_cls;
    pybj_array_cls = (PyTypeObject *)Py_NewRef(a);
    pybj_variable_cls = (PyTypeObject *)Py_NewRef(v);
    Py_DECREF(oa);
    Py_DECREF(ov);
    Py_RETURN_NONE;
}

static PyObject *get_types(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return Py_BuildValue("(OO)", pybj_array_cls, pybj_variable_cls);
}

static PyObject *set_x64(PyObject *self, PyObject *arg) {
    (void)self;
    int b = PyObject_IsTrue(arg);
    if (b < 0) return NULL;
    pybj_x64 = b;
    Py_RETURN_NONE;
}

static PyObject *get_x64(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return PyBool_FromLong(pybj_x64);
}

/* ---------------------------------------------------------------- random numbers and connectivity */
static int seed_of(PyObject *o, uint64_t *s) {
    unsigned long long x = PyLong_AsUnsignedLongLongMask(o);
    if (x == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    *s = x;
    return 0;
}

static PyObject *random_key(PyObject *self, PyObject *arg) {
    (void)self;
    uint64_t s;
    if (seed_of(arg, &s) < 0) return NULL;
    return pybj_buffer_new(bj_random_key(s));
}

static PyObject *random_state_new(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    PyObject *seed;
    if (!PyArg_ParseTuple(args, "zO:random_state_new", &name, &seed)) return NULL;
    uint64_t s;
    if (seed_of(seed, &s) < 0) return NULL;
    return pybj_var_new_obj(bj_random_state_new(name, s));
}

static PyObject *random_state_seed(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *var, *seed;
    if (!PyArg_ParseTuple(args, "OO:random_state_seed", &var, &seed)) return NULL;
    PyObject *v = pybj_unwrap(var);
    if (Py_TYPE(v) != &pybj_VarType) return PyErr_Format(PyExc_TypeError, "random_state_seed: a Var expected");
    uint64_t s;
    if (seed_of(seed, &s) < 0) return NULL;
    bj_status st;
    PYBJ_BLOCKING(st = bj_random_state_seed(((VarObject *)v)->v, s));
    if (st) return pybj_raise(st);
    Py_RETURN_NONE;
}

static PyObject *conn_fixed_prob(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwlist[] = {"n_pre", "n_post", "p", "seed", "allow_self", NULL};
    long long n_pre, n_post;
    double p;
    PyObject *seed;
    int allow_self = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "LLdO|p:conn_fixed_prob", kwlist, &n_pre, &n_post, &p, &seed,
                                     &allow_self))
        return NULL;
    uint64_t s;
    if (seed_of(seed, &s) < 0) return NULL;
    bj_array *indptr = NULL, *indices = NULL;
    bj_status st;
    Py_BEGIN_ALLOW_THREADS st = bj_conn_fixed_prob(n_pre, n_post, p, s, allow_self, &indptr, &indices);
    Py_END_ALLOW_THREADS
    if (st) return pybj_raise(st);
    PyObject *a = pybj_buffer_new(indptr);
    PyObject *b = pybj_buffer_new(indices);
    if (!a || !b) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        return NULL;
    }
    return Py_BuildValue("(NN)", a, b);
}

/* ---------------------------------------------------------------- settings and counters */
static PyObject *config_set(PyObject *self, PyObject *args) {
    (void)self;
    const char *key, *value;
    if (!PyArg_ParseTuple(args, "sz:config_set", &key, &value)) return NULL;
    if (bj_config_set(key, value)) return pybj_raise(bj_last_status());
    Py_RETURN_NONE;
}

static PyObject *config_get(PyObject *self, PyObject *arg) {
    (void)self;
    const char *key = PyUnicode_AsUTF8(arg);
    if (!key) return NULL;
    char buf[4096];
    if (bj_config_get(key, buf, sizeof buf)) return pybj_raise(bj_last_status());
    return PyUnicode_FromString(buf);
}

static PyObject *cache_clear(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    bj_status s;
    PYBJ_BLOCKING(s = bj_cache_clear());
    if (s) return pybj_raise(s);
    Py_RETURN_NONE;
}

static PyObject *cpu_stats(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    bj_cpu_stats st;
    bj_cpu_stats_get(&st);
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:L,s:d,s:d}", "compiles", (long long)st.compiles, "disk_hits",
                         (long long)st.disk_hits, "memory_hits", (long long)st.memory_hits, "rebuilds",
                         (long long)st.rebuilds, "failures", (long long)st.failures, "compile_s", st.compile_s,
                         "load_s", st.load_s);
}

static PyObject *version(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return PyUnicode_FromString(bj_version());
}

/* ---------------------------------------------------------------- dtypes */
static int dtype_arg(PyObject *o, bj_dtype *d) {
    long x = PyLong_AsLong(o);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (x < 0 || x >= BJ_NDTYPES) {
        PyErr_Format(PyExc_ValueError, "invalid dtype code %ld", x);
        return -1;
    }
    *d = (bj_dtype)x;
    return 0;
}

static PyObject *dtype_name(PyObject *self, PyObject *arg) {
    (void)self;
    bj_dtype d;
    return dtype_arg(arg, &d) < 0 ? NULL : PyUnicode_FromString(bj_dtype_name(d));
}

static PyObject *dtype_size(PyObject *self, PyObject *arg) {
    (void)self;
    bj_dtype d;
    return dtype_arg(arg, &d) < 0 ? NULL : PyLong_FromSize_t(bj_dtype_size(d));
}

/* promote(a, a_weak, b, b_weak) -> (dtype, weak): the C core's type promotion */
static PyObject *promote(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ao, *bo;
    int aw, bw;
    if (!PyArg_ParseTuple(args, "OpOp:promote", &ao, &aw, &bo, &bw)) return NULL;
    bj_dtype a, b;
    if (dtype_arg(ao, &a) < 0 || dtype_arg(bo, &b) < 0) return NULL;
    bool w = false;
    bj_dtype r = bj_promote(a, aw, b, bw, &w);
    return Py_BuildValue("(iO)", (int)r, w ? Py_True : Py_False);
}

PyMethodDef pybj_misc_methods[] = {
    {"buffer", (PyCFunction)(void (*)(void))pybj_buffer_fn, METH_VARARGS | METH_KEYWORDS,
     "buffer(obj, dtype_code=-1, copy=False) -> Buffer (zero-copy where layout and dtype allow)"},
    {"set_types", set_types, METH_VARARGS, "set_types(array_cls, variable_cls): classes of results"},
    {"get_types", get_types, METH_NOARGS, "get_types() -> (array_cls, variable_cls)"},
    {"set_errors", set_errors, METH_O, "set_errors({status: exception class})"},
    {"get_errors", get_errors, METH_NOARGS, "get_errors() -> {status: exception class}"},
    {"set_x64", set_x64, METH_O, "set_x64(flag): default dtypes float64/int64 (else float32/int32)"},
    {"x64", get_x64, METH_NOARGS, "x64() -> bool"},
    {"tracing", tracing, METH_NOARGS, "tracing() -> bool: a trace is open on this thread"},
    {"current", current, METH_NOARGS, "current() -> Trace or None"},
    {"random_key", random_key, METH_O, "random_key(seed) -> Buffer uint32[2]"},
    {"random_state_new", random_state_new, METH_VARARGS, "random_state_new(name, seed) -> Var"},
    {"random_state_seed", random_state_seed, METH_VARARGS, "random_state_seed(var, seed)"},
    {"conn_fixed_prob", (PyCFunction)(void (*)(void))conn_fixed_prob, METH_VARARGS | METH_KEYWORDS,
     "conn_fixed_prob(n_pre, n_post, p, seed, allow_self=True) -> (indptr, indices)"},
    {"config_set", config_set, METH_VARARGS, "config_set(key, value or None)"},
    {"config_get", config_get, METH_O, "config_get(key) -> str"},
    {"cache_clear", cache_clear, METH_NOARGS, "cache_clear(): empty the disk cache"},
    {"cpu_stats", cpu_stats, METH_NOARGS, "cpu_stats() -> dict"},
    {"version", version, METH_NOARGS, "version() -> str"},
    {"dtype_name", dtype_name, METH_O, "dtype_name(code) -> 'float32'"},
    {"dtype_size", dtype_size, METH_O, "dtype_size(code) -> bytes"},
    {"promote", promote, METH_VARARGS, "promote(a, a_weak, b, b_weak) -> (dtype, weak)"},
    {NULL, NULL, 0, NULL},
};

extern PyMethodDef pybj_jvp_methods[]; /* _core_jvp.c: jvp_begin, jvp_end */

/* ---------------------------------------------------------------- the module */
static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "brainjit._core", "brainjit's C core: arrays, traces, jit handles (brainjit.h)", -1,
    pybj_op_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void) {
    PyTypeObject *types[] = {&pybj_BufferType, &pybj_ValType,    &pybj_VarType,  &pybj_ArrayBaseType,
                             &pybj_ObjectType, &pybj_JitType,    &pybj_TraceType, &pybj_EagerOpType};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (PyType_Ready(types[i]) < 0) return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m) return NULL;
    if (PyModule_AddFunctions(m, pybj_misc_methods) < 0 || PyModule_AddFunctions(m, pybj_jvp_methods) < 0) goto fail;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        const char *dot = strrchr(types[i]->tp_name, '.');
        if (PyModule_AddObjectRef(m, dot + 1, (PyObject *)types[i]) < 0) goto fail;
    }
    Py_INCREF(pybj_array_cls);
    Py_INCREF(pybj_variable_cls);
    default_errors();
    static const char *const dt[] = {"BOOL", "I32", "I64", "U32", "F32", "F64"};
    for (int i = 0; i < BJ_NDTYPES; i++)
        if (PyModule_AddIntConstant(m, dt[i], i) < 0) goto fail;
    for (int s = BJ_OK; s <= BJ_ERR_INTERNAL; s++)
        if (PyModule_AddIntConstant(m, bj_status_name((bj_status)s), s) < 0) goto fail;
    if (PyModule_AddIntConstant(m, "MAX_RANK", BJ_MAX_RANK) < 0 ||
        PyModule_AddIntConstant(m, "MAX_PARAMS", PYBJ_MAX_PARAMS - 1) < 0 ||
        PyModule_AddStringConstant(m, "__version__", bj_version()) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
