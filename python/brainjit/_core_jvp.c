/* _core_jvp.c — forward-mode differentiation for brainjit.math.autograd: jvp_begin / jvp_end over bj_jvp_begin,
 * bj_jvp_param and bj_jvp_end on the trace open on this thread (the callback form bj_jvp is C-only). */
#include "_core.h"

static TraceObject *jvp_trace(const char *fn) {
    TraceObject *cur = pybj_current();
    if (!cur) {
        bj_set_error(BJ_ERR_TRACE, "%s: only inside a traced function (bm.jit, or a loop body); nothing is being "
                     "traced on this thread", fn);
        pybj_raise(BJ_ERR_TRACE);
    }
    return cur;
}

/* jvp_begin(primals_list, tangents_list) -> (inputs, tangents): the function's inputs (fresh values of the primals'
 * types) and the tangents as values made before the function's region opens (a constant made inside it could not be
 * given to jvp_end), to pass to jvp_end. */
static PyObject *jvp_begin(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *primals, *tangents;
    if (!PyArg_ParseTuple(args, "OO:jvp_begin", &primals, &tangents)) return NULL;
    TraceObject *cur = jvp_trace("jvp_begin");
    if (!cur) return NULL;
    bj_val *b[16], *bt[16], **v, **vt;
    Py_ssize_t n = pybj_vals_of(cur, primals, b, 16, &v, "jvp_begin: primals must be a list");
    if (n < 0) return NULL;
    Py_ssize_t nt = pybj_vals_of(cur, tangents, bt, 16, &vt, "jvp_begin: tangents must be a list");
    if (nt < 0) {
        pybj_vals_free(v, b);
        return NULL;
    }
    PyObject *r = NULL, *tl = pybj_val_list(cur, vt, nt);
    if (!tl) {
        /* (the error is set) */
    } else if (n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "jvp_begin: too many primals");
    } else if (bj_jvp_begin(cur->t, v, (int)n)) {
        pybj_raise_trace(cur->t);
    } else {
        bj_val *pb[16], **p = n > 16 ? PyMem_Malloc(sizeof *p * (size_t)n) : pb;
        if (!p) {
            bj_jvp_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
            PyErr_NoMemory();
        } else {
            Py_ssize_t i = 0;
            while (i < n && (p[i] = bj_jvp_param(cur->t, (int)i))) i++;
            PyObject *pl = i < n ? NULL : pybj_val_list(cur, p, n);
            if (i < n) pybj_raise_trace(cur->t);
            if (pl) r = PyTuple_Pack(2, pl, tl);
            Py_XDECREF(pl);
            if (!r) bj_jvp_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
            if (p != pb) PyMem_Free(p);
        }
    }
    Py_XDECREF(tl);
    pybj_vals_free(v, b);
    pybj_vals_free(vt, bt);
    return r;
}

/* jvp_end(outs_list, tangents_list) -> (outs, tangent outs), with the tangents jvp_begin gave; jvp_end() closes
 * after an exception (the trace fails). */
static PyObject *jvp_end(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 0 && nargs != 2) return PyErr_Format(PyExc_TypeError, "jvp_end takes 0 or 2 arguments");
    TraceObject *cur = pybj_current();
    if (nargs == 0) {
        if (cur) bj_jvp_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
        Py_RETURN_NONE;
    }
    if (!cur) return jvp_trace("jvp_end"), NULL;
    bj_val *b1[16], *b2[16], **vo, **vt;
    Py_ssize_t no = pybj_vals_of(cur, args[0], b1, 16, &vo, "jvp_end: outputs must be a list");
    Py_ssize_t nt = no < 0 ? -1 : pybj_vals_of(cur, args[1], b2, 16, &vt, "jvp_end: tangents must be a list");
    if (no < 0 || nt < 0) {
        if (no >= 0) pybj_vals_free(vo, b1);
        bj_jvp_end(cur->t, NULL, 0, NULL, 0, NULL, NULL); /* close it (the trace fails) */
        return NULL;
    }
    PyObject *r = NULL;
    bj_val *yb[16], *db[16], **y = no > 16 ? PyMem_Calloc((size_t)no, sizeof *y) : yb;
    bj_val **dy = no > 16 ? PyMem_Calloc((size_t)no, sizeof *dy) : db;
    if (!y || !dy || no > INT32_MAX || nt > INT32_MAX) {
        bj_jvp_end(cur->t, NULL, 0, NULL, 0, NULL, NULL);
        if (!y || !dy) PyErr_NoMemory();
        else PyErr_SetString(PyExc_ValueError, "jvp_end: too many values");
    } else if (bj_jvp_end(cur->t, vo, (int)no, vt, (int)nt, y, dy)) {
        pybj_raise_trace(cur->t);
    } else {
        PyObject *a = pybj_val_list(cur, y, no), *d = a ? pybj_val_list(cur, dy, no) : NULL;
        if (a && d) r = PyTuple_Pack(2, a, d);
        Py_XDECREF(a);
        Py_XDECREF(d);
    }
    if (y && y != yb) PyMem_Free(y);
    if (dy && dy != db) PyMem_Free(dy);
    pybj_vals_free(vo, b1);
    pybj_vals_free(vt, b2);
    return r;
}

PyMethodDef pybj_jvp_methods[] = {
    {"jvp_begin", jvp_begin, METH_VARARGS,
     "jvp_begin(primals_list, tangents_list) -> (inputs, tangents): the function's inputs, the tangents as values"},
    {"jvp_end", (PyCFunction)(void (*)(void))jvp_end, METH_FASTCALL,
     "jvp_end(outs_list, tangents_list) -> (outs, tangent_outs); jvp_end() aborts"},
    {NULL, NULL, 0, NULL},
};
