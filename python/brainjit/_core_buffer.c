/* _core_buffer.c — Buffer, a C array seen from Python (read-only buffer protocol and __array_interface__, so numpy
 * views it without a copy), and the conversion of Python objects (numpy arrays, buffers, scalars, lists) into C
 * arrays: zero-copy over the exporter's memory where layout and dtype allow, else a converted copy. */
#include "_core.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- element kinds of foreign memory */
enum { K_BOOL, K_INT, K_UINT, K_FLOAT };

typedef struct {
    const char *p;
    int ndim;
    const Py_ssize_t *shape, *strides;
    int kind, size; /* K_*, bytes per element */
} srcdesc;

static const char *const typestr[BJ_NDTYPES] = {"|b1", "<i4", "<i8", "<u4", "<f4", "<f8"};
static const char *const fmtchar[BJ_NDTYPES] = {"?", "i", "q", "I", "f", "d"};

static void kind_of_dtype(bj_dtype d, int *kind, int *size) {
    static const int k[BJ_NDTYPES] = {K_BOOL, K_INT, K_INT, K_UINT, K_FLOAT, K_FLOAT};
    *kind = k[d], *size = (int)bj_dtype_size(d);
}

/* The dtype that holds this kind exactly, or -1. */
static int exact_dtype(int kind, int size) {
    switch (kind) {
    case K_BOOL: return size == 1 ? BJ_BOOL : -1;
    case K_INT: return size == 4 ? BJ_I32 : size == 8 ? BJ_I64 : -1;
    case K_UINT: return size == 4 ? BJ_U32 : -1;
    default: return size == 4 ? BJ_F32 : size == 8 ? BJ_F64 : -1;
    }
}

/* The default dtype for foreign elements: the nearest supported one, then (canon) BrainPy's defaults without x64. */
static bj_dtype natural_dtype(int kind, int size, bool canon) {
    bj_dtype d;
    switch (kind) {
    case K_BOOL: d = BJ_BOOL; break;
    case K_INT: d = size <= 4 ? BJ_I32 : BJ_I64; break;
    case K_UINT: d = size < 4 ? BJ_I32 : size == 4 ? BJ_U32 : (canon && !pybj_x64 ? BJ_U32 : BJ_I64); break;
    default: d = size <= 4 ? BJ_F32 : BJ_F64; break;
    }
    if (canon && !pybj_x64) {
        if (d == BJ_I64) d = BJ_I32;
        if (d == BJ_F64) d = BJ_F32;
    }
    return d;
}

/* Parses a struct-module format of one native little-endian scalar. */
static int parse_format(const char *f, Py_ssize_t itemsize, int *kind, int *size) {
    if (!f) f = "B";
    if (*f == '@' || *f == '=' || *f == '<') f++;
    else if (*f == '>' || *f == '!') goto bad;
    if (!f[0] || f[1]) goto bad;
    switch (*f) {
    case '?': *kind = K_BOOL; break;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n': *kind = K_INT; break;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': *kind = K_UINT; break;
    case 'e': case 'f': case 'd': case 'g': *kind = K_FLOAT; break;
    default: goto bad;
    }
    *size = (int)itemsize;
    if (*kind == K_FLOAT ? (itemsize != 2 && itemsize != 4 && itemsize != 8 && itemsize != 16)
                         : (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8))
        goto bad;
    return 0;
bad:
    PyErr_Format(PyExc_TypeError, "brainjit: unsupported element format '%s' (supported: bool, int8-64, uint8-64, "
                 "float16-64)", f);
    return -1;
}

static double half_to_double(uint16_t h) {
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

/* One element as an integer (is_int) or a double. */
static void read_elem(const char *p, int kind, int size, bool *is_int, int64_t *i, uint64_t *u, double *d) {
    *is_int = true, *u = 0;
    switch (kind) {
    case K_BOOL: *i = *(const uint8_t *)p != 0; return;
    case K_INT:
        if (size == 1) *i = *(const int8_t *)p;
        else if (size == 2) { int16_t x; memcpy(&x, p, 2); *i = x; }
        else if (size == 4) { int32_t x; memcpy(&x, p, 4); *i = x; }
        else { int64_t x; memcpy(&x, p, 8); *i = x; }
        return;
    case K_UINT: {
        uint64_t x = 0;
        if (size == 1) x = *(const uint8_t *)p;
        else if (size == 2) { uint16_t y; memcpy(&y, p, 2); x = y; }
        else if (size == 4) { uint32_t y; memcpy(&y, p, 4); x = y; }
        else memcpy(&x, p, 8);
        *u = x, *i = (int64_t)x; /* two's complement wrap for the largest: as numpy's astype */
        if (x > (uint64_t)INT64_MAX) *i = (int64_t)(x - (uint64_t)INT64_MAX - 1) + INT64_MIN;
        return;
    }
    default:
        *is_int = false;
        if (size == 2) { uint16_t h; memcpy(&h, p, 2); *d = half_to_double(h); }
        else if (size == 4) { float x; memcpy(&x, p, 4); *d = x; }
        else if (size == 8) { double x; memcpy(&x, p, 8); *d = x; }
        else { long double x; memcpy(&x, p, sizeof x < 16 ? sizeof x : 16); *d = (double)x; }
        return;
    }
}

/* Float to integer as bj_cast: NaN -> 0, saturating. */
static int64_t sat_i(double d, double lo, double hi, int64_t ilo, int64_t ihi) {
    if (d != d) return 0;
    if (d <= lo) return ilo;
    if (d >= hi) return ihi;
    return (int64_t)d;
}

static void write_elem(char *o, bj_dtype dt, bool is_int, int64_t i, double d) {
    switch (dt) {
    case BJ_BOOL: *(uint8_t *)o = is_int ? i != 0 : d != 0; break;
    case BJ_I32: {
        int32_t x = is_int ? (int32_t)(uint32_t)(uint64_t)i : (int32_t)sat_i(d, -2147483648.0, 2147483647.0, INT32_MIN,
                                                                             INT32_MAX);
        memcpy(o, &x, 4);
        break;
    }
    case BJ_I64: {
        int64_t x = is_int ? i : sat_i(d, -9223372036854775808.0, 9223372036854775807.0, INT64_MIN, INT64_MAX);
        memcpy(o, &x, 8);
        break;
    }
    case BJ_U32: {
        uint32_t x = is_int ? (uint32_t)(uint64_t)i : (uint32_t)sat_i(d, 0.0, 4294967295.0, 0, UINT32_MAX);
        memcpy(o, &x, 4);
        break;
    }
    case BJ_F32: {
        double v = is_int ? (double)i : d;
        float x = v > FLT_MAX ? INFINITY : v < -FLT_MAX ? -INFINITY : (float)v;
        memcpy(o, &x, 4);
        break;
    }
    default: {
        double x = is_int ? (double)i : d;
        memcpy(o, &x, 8);
        break;
    }
    }
}

/* Copies (and converts) the n-d strided source into the C-contiguous out of dtype dt. */
static void convert_into(const srcdesc *s, bj_dtype dt, char *out) {
    int64_t n = 1;
    for (int k = 0; k < s->ndim; k++) n *= s->shape[k];
    if (n == 0) return;
    size_t osz = bj_dtype_size(dt);
    Py_ssize_t idx[BJ_MAX_RANK] = {0};
    const char *p = s->p;
    bool same = exact_dtype(s->kind, s->size) == (int)dt;
    for (int64_t e = 0; e < n; e++) {
        if (same) {
            memcpy(out, p, osz);
        } else {
            bool is_int;
            int64_t i = 0;
            uint64_t u = 0;
            double d = 0;
            read_elem(p, s->kind, s->size, &is_int, &i, &u, &d);
            if (is_int && s->kind == K_UINT && (dt == BJ_F32 || dt == BJ_F64)) is_int = false, d = (double)u;
            write_elem(out, dt, is_int, i, d);
        }
        out += osz;
        for (int k = s->ndim - 1; k >= 0; k--) { /* odometer over the source's strides */
            p += s->strides[k];
            if (++idx[k] < s->shape[k]) break;
            p -= s->strides[k] * s->shape[k];
            idx[k] = 0;
        }
    }
}

/* A fresh C array of dtype dt holding the source's elements. */
static bj_array *copy_from(const srcdesc *s, bj_dtype dt) {
    int64_t shape[BJ_MAX_RANK];
    for (int k = 0; k < s->ndim; k++) shape[k] = s->shape[k];
    bj_array *a = bj_array_zeros(dt, s->ndim, shape);
    if (!a) return (bj_array *)pybj_raise(bj_last_status());
    convert_into(s, dt, bj_array_data(a));
    return a;
}

/* ---------------------------------------------------------------- zero-copy wraps */
typedef struct {
    Py_buffer view;
} held_view;

/* Runs when the C array over an exporter's memory goes away: gives the export back (under the GIL). */
static void release_view(void *ctx) {
    if (_Py_IsFinalizing()) return; /* the exporter is gone with the interpreter */
    PyGILState_STATE g = PyGILState_Ensure();
    held_view *h = ctx;
    PyBuffer_Release(&h->view);
    PyMem_RawFree(h);
    PyGILState_Release(g);
}

bool pybj_is_bufferlike(PyObject *o) {
    PyBufferProcs *bp = Py_TYPE(o)->tp_as_buffer;
    return bp && bp->bf_getbuffer && !PyBytes_Check(o) && !PyByteArray_Check(o);
}

static bool c_contiguous(const Py_buffer *v) {
    Py_ssize_t want = v->itemsize;
    if (!v->strides) return true;
    for (int k = v->ndim - 1; k >= 0; k--) {
        if (v->shape[k] != 1 && v->strides[k] != want) return false;
        want *= v->shape[k];
    }
    return true;
}

/* From an exporter: wrapped without a copy when possible. *donatable: the result's memory may be written. */
static bj_array *from_exporter(PyObject *obj, int dtype, bool copy, bool canon, bool *donatable) {
    held_view *h = PyMem_RawMalloc(sizeof *h);
    if (!h) return (bj_array *)PyErr_NoMemory();
    if (PyObject_GetBuffer(obj, &h->view, PyBUF_RECORDS_RO) < 0) {
        PyMem_RawFree(h);
        return NULL;
    }
    Py_buffer *v = &h->view;
    bj_array *a = NULL;
    int kind, size;
    if (parse_format(v->format, v->itemsize, &kind, &size) < 0) goto done;
    if (v->ndim > BJ_MAX_RANK) {
        PyErr_Format(PyExc_ValueError, "brainjit: arrays have at most %d dimensions, got %d", BJ_MAX_RANK, v->ndim);
        goto done;
    }
    Py_ssize_t one = v->len / (v->itemsize ? v->itemsize : 1);
    srcdesc s = {v->buf, v->ndim, v->ndim ? v->shape : NULL, v->ndim ? v->strides : NULL, kind, size};
    if (v->ndim && !v->shape) s.ndim = 1, s.shape = &one, s.strides = &v->itemsize;
    bj_dtype dt = dtype >= 0 ? (bj_dtype)dtype : natural_dtype(kind, size, canon);
    bool contiguous = c_contiguous(v) && v->suboffsets == NULL;
    if (!copy && exact_dtype(kind, size) == (int)dt && contiguous && v->len > 0 && v->buf &&
        (uintptr_t)v->buf % (uintptr_t)size == 0) {
        int64_t shape[BJ_MAX_RANK];
        for (int k = 0; k < s.ndim; k++) shape[k] = s.shape[k];
        a = bj_array_wrap(dt, s.ndim, shape, v->buf, release_view, h);
        if (!a) {
            pybj_raise(bj_last_status());
            goto done;
        }
        *donatable = false; /* the exporter's memory (a numpy array the user still holds): a donation copies */
        return a; /* h now belongs to a */
    }
    if (v->suboffsets) {
        PyErr_SetString(PyExc_TypeError, "brainjit: buffers with suboffsets (PIL-style) are not supported");
        goto done;
    }
    a = copy_from(&s, dt);
    *donatable = true;
done:
    PyBuffer_Release(v);
    PyMem_RawFree(h);
    return a;
}

/* A 0-d array from a Python scalar. */
static bj_array *from_scalar(PyObject *o, int dtype) {
    bool is_int = true;
    int64_t i = 0;
    double d = 0;
    bj_dtype dt;
    if (PyBool_Check(o)) {
        i = o == Py_True;
        dt = dtype >= 0 ? (bj_dtype)dtype : BJ_BOOL;
    } else if (PyLong_Check(o)) {
        int ovf;
        long long x = PyLong_AsLongLongAndOverflow(o, &ovf);
        if (x == -1 && PyErr_Occurred()) return NULL;
        dt = dtype >= 0 ? (bj_dtype)dtype : pybj_x64 ? BJ_I64 : BJ_I32;
        if (ovf && (dt == BJ_F32 || dt == BJ_F64)) {
            is_int = false, d = PyLong_AsDouble(o);
            if (d == -1 && PyErr_Occurred()) return NULL;
        } else if (ovf || (dt == BJ_I32 && (x < INT32_MIN || x > INT32_MAX)) || (dt == BJ_U32 && (x < 0 || x > UINT32_MAX))) {
            return (bj_array *)PyErr_Format(PyExc_OverflowError, "Python int %S too large to convert to %s", o,
                                            bj_dtype_name(dt));
        }
        i = x;
    } else {
        is_int = false, d = PyFloat_AsDouble(o);
        if (d == -1 && PyErr_Occurred()) return NULL;
        dt = dtype >= 0 ? (bj_dtype)dtype : pybj_x64 ? BJ_F64 : BJ_F32;
    }
    char buf[8] = {0};
    write_elem(buf, dt, is_int, i, d);
    bj_array *a = bj_array_new(dt, 0, NULL, buf);
    return a ? a : (bj_array *)pybj_raise(bj_last_status());
}

static PyObject *np_asarray; /* numpy.asarray, imported on first need */

bj_array *pybj_array_from(PyObject *obj, int dtype, bool copy, bool canon) {
    if (dtype >= BJ_NDTYPES) return (bj_array *)PyErr_Format(PyExc_ValueError, "brainjit: invalid dtype code %d", dtype);
    PyObject *o = pybj_unwrap(obj);
    if (Py_TYPE(o) == &pybj_BufferType) {
        BufferObject *b = (BufferObject *)o;
        if (pybj_buffer_check(b) < 0) return NULL;
        if ((dtype < 0 || dtype == (int)b->dtype) && !copy) return bj_array_retain(b->a);
        if (dtype < 0 || dtype == (int)b->dtype) {
            bj_array *c = bj_array_copy(b->a);
            return c ? c : (bj_array *)pybj_raise(bj_last_status());
        }
        srcdesc s = {b->data, b->ndim, b->shape, b->strides, 0, 0};
        kind_of_dtype(b->dtype, &s.kind, &s.size);
        return copy_from(&s, (bj_dtype)dtype);
    }
    if (Py_TYPE(o) == &pybj_VarType) { /* a snapshot: runs write a Variable's value in place */
        bj_array *v = bj_var_value(((VarObject *)o)->v);
        if (!v) return (bj_array *)pybj_raise(bj_last_status());
        bj_dtype vd = bj_array_dtype(v);
        if (dtype < 0 || dtype == (int)vd) {
            bj_array *c = bj_array_copy(v);
            return c ? c : (bj_array *)pybj_raise(bj_last_status());
        }
        Py_ssize_t shape[BJ_MAX_RANK], strides[BJ_MAX_RANK];
        int r = bj_array_rank(v);
        for (int k = 0; k < r; k++) shape[k] = bj_array_shape(v)[k], strides[k] = bj_array_strides(v)[k];
        srcdesc s = {bj_array_data(v), r, shape, strides, 0, 0};
        kind_of_dtype(vd, &s.kind, &s.size);
        return copy_from(&s, (bj_dtype)dtype);
    }
    if (Py_TYPE(o) == &pybj_ValType) {
        TraceObject *cur = pybj_current(); /* a leaked tracer (its trace ended, or another's): say so */
        if (!((ValObject *)o)->trace->alive || !cur || cur->t != ((ValObject *)o)->trace->t)
            return (bj_array *)pybj_raise_stale((ValObject *)o, cur);
        bj_set_error(BJ_ERR_TRACE, "a traced value (%s%s) has no concrete value while tracing; it cannot become a "
                     "concrete array (use static_argnums/static_argnames for values needed at trace time)",
                     bj_dtype_name(((ValObject *)o)->dtype), ((ValObject *)o)->weak ? ", weak" : "");
        return (bj_array *)pybj_raise(BJ_ERR_TRACE);
    }
    if (PyBool_Check(o) || PyLong_CheckExact(o) || PyFloat_CheckExact(o)) return from_scalar(o, dtype);
    if (PyComplex_Check(o))
        return (bj_array *)PyErr_Format(PyExc_TypeError, "brainjit: complex numbers are not supported");
    if (pybj_is_bufferlike(o)) {
        bool don;
        return from_exporter(o, dtype, copy, canon, &don);
    }
    if (PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o) || o == Py_None)
        return (bj_array *)PyErr_Format(PyExc_TypeError, "brainjit: cannot convert %R (%.100s) to an array", o,
                                        Py_TYPE(o)->tp_name);
    if (!np_asarray) {
        PyObject *np = PyImport_ImportModule("numpy");
        if (!np) return NULL;
        np_asarray = PyObject_GetAttrString(np, "asarray");
        Py_DECREF(np);
        if (!np_asarray) return NULL;
    }
    PyObject *arr = PyObject_CallOneArg(np_asarray, o);
    if (!arr) return NULL;
    if (!pybj_is_bufferlike(arr)) {
        Py_DECREF(arr);
        return (bj_array *)PyErr_Format(PyExc_TypeError, "brainjit: cannot convert %.100s to an array",
                                        Py_TYPE(o)->tp_name);
    }
    bool don;
    /* numpy's dtypes for Python numbers (float64, int64) become the defaults (float32, int32 without x64) */
    bool lists = PyList_Check(o) || PyTuple_Check(o);
    bj_array *a = from_exporter(arr, dtype, lists ? false : copy, canon || lists, &don);
    Py_DECREF(arr);
    return a;
}

/* ---------------------------------------------------------------- the Buffer type */
int pybj_buffer_check(BufferObject *b) {
    if (bj_array_valid(b->a)) return 0;
    bj_set_error(BJ_ERR_HANDLE, "this array has been donated (donate_argnums of a jit call): its buffer now belongs "
                 "to the call's output; use the output instead");
    pybj_raise(BJ_ERR_HANDLE);
    return -1;
}

/* A Buffer over a (stolen); donatable tells whether a donation may write its memory. */
static PyObject *buffer_make(bj_array *a, bool donatable) {
    if (!a) return pybj_raise(bj_last_status());
    BufferObject *b = PyObject_New(BufferObject, &pybj_BufferType);
    if (!b) {
        bj_array_release(a);
        return NULL;
    }
    b->a = a;
    b->data = bj_array_data(a);
    b->dtype = bj_array_dtype(a);
    b->ndim = bj_array_rank(a);
    const int64_t *sh = bj_array_shape(a), *st = bj_array_strides(a);
    for (int k = 0; k < b->ndim; k++) b->shape[k] = (Py_ssize_t)sh[k], b->strides[k] = (Py_ssize_t)st[k];
    b->exported = false, b->donatable = donatable;
    b->iface = NULL;
    return (PyObject *)b;
}

PyObject *pybj_buffer_new(bj_array *a) { return buffer_make(a, true); }

/* buffer(obj, dtype_code=-1, copy=False) */
PyObject *pybj_buffer_fn(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwlist[] = {"obj", "dtype_code", "copy", NULL};
    PyObject *obj;
    int dtype = -1, copy = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|ip:buffer", kwlist, &obj, &dtype, &copy)) return NULL;
    if (dtype < -1 || dtype >= BJ_NDTYPES) return PyErr_Format(PyExc_ValueError, "buffer: invalid dtype code %d", dtype);
    PyObject *o = pybj_unwrap(obj);
    if (Py_TYPE(o) == &pybj_BufferType && (dtype < 0 || dtype == (int)((BufferObject *)o)->dtype) && !copy) {
        if (pybj_buffer_check((BufferObject *)o) < 0) return NULL;
        return Py_NewRef(o);
    }
    if (pybj_is_bufferlike(o) && Py_TYPE(o) != &pybj_BufferType) {
        bool don = true;
        bj_array *a = from_exporter(o, dtype, copy, false, &don);
        return a ? buffer_make(a, don) : NULL;
    }
    bj_array *a = pybj_array_from(o, dtype, copy, false);
    return a ? buffer_make(a, true) : NULL;
}

static PyObject *Buffer_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    (void)type;
    return pybj_buffer_fn(NULL, args, kw);
}

static void Buffer_dealloc(BufferObject *b) {
    Py_CLEAR(b->iface);
    bj_array_release(b->a); /* may run a wrapped exporter's release (it takes the GIL, which we hold) */
    PyObject_Free(b);
}

static int Buffer_getbuffer(BufferObject *b, Py_buffer *v, int flags) {
    if (flags & PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "brainjit arrays are read-only");
        v->obj = NULL;
        return -1;
    }
    if (pybj_buffer_check(b) < 0) {
        v->obj = NULL;
        return -1;
    }
    b->exported = true;
    size_t isz = bj_dtype_size(b->dtype);
    Py_ssize_t n = 1;
    for (int k = 0; k < b->ndim; k++) n *= b->shape[k];
    v->buf = b->data;
    v->obj = Py_NewRef(b);
    v->len = n * (Py_ssize_t)isz;
    v->readonly = 1;
    v->itemsize = (Py_ssize_t)isz;
    v->format = (flags & PyBUF_FORMAT) ? (char *)fmtchar[b->dtype] : NULL;
    v->ndim = b->ndim;
    v->shape = (flags & PyBUF_ND) ? b->shape : NULL;
    v->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? b->strides : NULL;
    v->suboffsets = NULL;
    v->internal = NULL;
    return 0;
}

static PyBufferProcs Buffer_as_buffer = {(getbufferproc)Buffer_getbuffer, NULL};

static PyObject *shape_tuple(const Py_ssize_t *shape, int ndim) {
    PyObject *t = PyTuple_New(ndim);
    if (!t) return NULL;
    for (int k = 0; k < ndim; k++) {
        PyObject *d = PyLong_FromSsize_t(shape[k]);
        if (!d) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, d);
    }
    return t;
}

static PyObject *Buffer_get_shape(BufferObject *b, void *c) {
    (void)c;
    return shape_tuple(b->shape, b->ndim);
}
static PyObject *Buffer_get_dtype(BufferObject *b, void *c) {
    (void)c;
    return PyLong_FromLong((long)b->dtype);
}
static PyObject *Buffer_get_ndim(BufferObject *b, void *c) {
    (void)c;
    return PyLong_FromLong(b->ndim);
}
static Py_ssize_t nelem(const BufferObject *b) {
    Py_ssize_t n = 1;
    for (int k = 0; k < b->ndim; k++) n *= b->shape[k];
    return n;
}
static PyObject *Buffer_get_size(BufferObject *b, void *c) {
    (void)c;
    return PyLong_FromSsize_t(nelem(b));
}
static PyObject *Buffer_get_nbytes(BufferObject *b, void *c) {
    (void)c;
    return PyLong_FromSsize_t(nelem(b) * (Py_ssize_t)bj_dtype_size(b->dtype));
}
static PyObject *Buffer_get_ptr(BufferObject *b, void *c) {
    (void)c;
    if (pybj_buffer_check(b) < 0) return NULL;
    return PyLong_FromVoidPtr(b->data);
}
static PyObject *Buffer_get_donated(BufferObject *b, void *c) {
    (void)c;
    return PyBool_FromLong(!bj_array_valid(b->a));
}

static PyObject *Buffer_get_iface(BufferObject *b, void *c) {
    (void)c;
    if (pybj_buffer_check(b) < 0) return NULL;
    b->exported = true;
    if (!b->iface) {
        PyObject *shape = shape_tuple(b->shape, b->ndim);
        if (!shape) return NULL;
        b->iface = Py_BuildValue("{s:N,s:s,s:(NO),s:O,s:i}", "shape", shape, "typestr", typestr[b->dtype], "data",
                                 PyLong_FromVoidPtr(b->data), Py_True, "strides", Py_None, "version", 3);
        if (!b->iface) return NULL;
    }
    return Py_NewRef(b->iface);
}

static PyObject *Buffer_repr(BufferObject *b) {
    if (!bj_array_valid(b->a)) return PyUnicode_FromString("Buffer(<donated>)");
    char *s = bj_array_to_string(b->a);
    if (!s) return pybj_raise(bj_last_status());
    PyObject *r = PyUnicode_FromFormat("Buffer(%s)", s);
    bj_free(s);
    return r;
}

/* item(i=0): element i (flat, C order) as a Python number. */
static PyObject *Buffer_item(BufferObject *b, PyObject *const *args, Py_ssize_t nargs) {
    Py_ssize_t i = 0;
    if (nargs > 1) return PyErr_Format(PyExc_TypeError, "item() takes at most 1 argument");
    if (nargs == 1 && (i = PyLong_AsSsize_t(args[0])) == -1 && PyErr_Occurred()) return NULL;
    if (pybj_buffer_check(b) < 0) return NULL;
    Py_ssize_t n = nelem(b);
    if (i < 0) i += n;
    if (i < 0 || i >= n) return PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for size %zd", i, n);
    const char *p = b->data + (size_t)i * bj_dtype_size(b->dtype);
    switch (b->dtype) {
    case BJ_BOOL: return PyBool_FromLong(*(const uint8_t *)p);
    case BJ_I32: { int32_t x; memcpy(&x, p, 4); return PyLong_FromLong(x); }
    case BJ_I64: { int64_t x; memcpy(&x, p, 8); return PyLong_FromLongLong(x); }
    case BJ_U32: { uint32_t x; memcpy(&x, p, 4); return PyLong_FromUnsignedLong(x); }
    case BJ_F32: { float x; memcpy(&x, p, 4); return PyFloat_FromDouble(x); }
    default: { double x; memcpy(&x, p, 8); return PyFloat_FromDouble(x); }
    }
}

static PyGetSetDef Buffer_getset[] = {
    {"shape", (getter)Buffer_get_shape, NULL, "dimensions (tuple)", NULL},
    {"dtype", (getter)Buffer_get_dtype, NULL, "bj_dtype code (int)", NULL},
    {"ndim", (getter)Buffer_get_ndim, NULL, NULL, NULL},
    {"size", (getter)Buffer_get_size, NULL, NULL, NULL},
    {"nbytes", (getter)Buffer_get_nbytes, NULL, NULL, NULL},
    {"donated", (getter)Buffer_get_donated, NULL, "whether a jit call took this buffer (donate_argnums)", NULL},
    {"_ptr", (getter)Buffer_get_ptr, NULL, "address of the elements", NULL},
    {"__array_interface__", (getter)Buffer_get_iface, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef Buffer_methods[] = {
    {"item", (PyCFunction)(void (*)(void))Buffer_item, METH_FASTCALL, "element i (flat) as a Python number"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject pybj_BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_repr = (reprfunc)Buffer_repr,
    .tp_as_buffer = &Buffer_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Buffer(obj, dtype_code=-1, copy=False): one reference to a C array (read-only; zero-copy to numpy)",
    .tp_getset = Buffer_getset,
    .tp_methods = Buffer_methods,
    .tp_new = Buffer_new,
};
