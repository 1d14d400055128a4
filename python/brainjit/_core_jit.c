/* _core_jit.c — Jit: a C jit handle driven from Python (fn NULL). Its call is the hot path: the arguments are
 * flattened (tuples, lists, dicts with sorted keys, None) into C call arguments plus one static string holding their
 * structure, the handle runs them, and the outputs come back as Arrays; a cache miss traces the Python function
 * through trace_cb. Called while another trace is open, the function is traced inline into it.
 *
 * C parameters of a call: [static args, in position order] [the structure] [donated args' leaves] [other leaves];
 * the C handle is made with those static and donated positions, so they never move. */
#include "_core.h"

#include <inttypes.h>
#include <pythread.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    bj_jit *f;
    PyObject *pyfunc, *name, *trace_cb, *unflatten_cb, *static_ids, *defaults, *intern;
    PyObject *strs; /* {bytes: itself}: the static strings of traced signatures, which the C cache points to */
    int nparams;
    int nstatic, static_pos[PYBJ_MAX_PARAMS]; /* Python positions (negative ones count from the end) */
    int ndonate, donate_pos[PYBJ_MAX_PARAMS];
    long long recalls;            /* calls made again after tracing a miss: one Python call, counted once */
    PyObject *tracers; /* {thread ident: traces of this handle open on that thread}; NULL until the first trace */
    PyObject *weakreflist;
} JitObject;

/* ---------------------------------------------------------------- a growable string */
typedef struct {
    char *p;
    size_t n, cap;
    char inl[384];
} sbuf;

static void sb_init(sbuf *s) {
    s->p = s->inl, s->n = 0, s->cap = sizeof s->inl;
    s->p[0] = 0;
}
static int sb_put(sbuf *s, const char *x, size_t k) {
    if (s->n + k + 1 > s->cap) {
        size_t cap = 2 * (s->n + k + 1);
        char *p = PyMem_Malloc(cap);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(p, s->p, s->n);
        if (s->p != s->inl) PyMem_Free(s->p);
        s->p = p, s->cap = cap;
    }
    memcpy(s->p + s->n, x, k);
    s->n += k;
    s->p[s->n] = 0;
    return 0;
}
static int sb_c(sbuf *s, char c) {
    if (s->n + 2 <= s->cap) {
        s->p[s->n++] = c;
        s->p[s->n] = 0;
        return 0;
    }
    return sb_put(s, &c, 1);
}
static int sb_num(sbuf *s, char tag, long long v) {
    char b[32];
    int k = snprintf(b, sizeof b, "%c%lld;", tag, v);
    return sb_put(s, b, (size_t)k);
}
static void sb_free(sbuf *s) {
    if (s->p != s->inl) PyMem_Free(s->p);
}

/* ---------------------------------------------------------------- flattening */
enum { POS_DYN, POS_STATIC, POS_DONATE };

typedef struct {
    JitObject *j;
    bool record;       /* keep each leaf (trace_cb's param(k)) */
    TraceObject *tr;   /* inline: leaves become values of this trace; no C arguments */
    bj_arg a[PYBJ_MAX_PARAMS];
    int n, next;       /* C parameters: count, next free slot of the other leaves */
    bj_array *tmp[PYBJ_MAX_PARAMS];
    int ntmp;
    PyObject *keep[PYBJ_MAX_PARAMS]; /* the Buffers and Vars whose handles are in a: held while the call needs them */
    int nkeep;
    sbuf td;           /* the structure */
    char pool[1536];   /* static strings made here */
    size_t npool;
    PyObject *leaves;  /* record: list of leaf objects (inline: their values) */
    int *leaf_param;   /* record: per leaf, its C parameter or -1 */
    int nleaves, capleaves;
} flat;

static void flat_init(flat *fl, JitObject *j, bool record, TraceObject *tr) {
    fl->j = j, fl->record = record, fl->tr = tr;
    fl->n = fl->next = fl->ntmp = fl->nkeep = 0;
    sb_init(&fl->td);
    fl->npool = 0;
    fl->leaves = NULL, fl->leaf_param = NULL;
    fl->nleaves = fl->capleaves = 0;
}

static void flat_free(flat *fl) {
    for (int i = 0; i < fl->ntmp; i++) bj_array_release(fl->tmp[i]);
    for (int i = 0; i < fl->nkeep; i++) Py_DECREF(fl->keep[i]);
    fl->ntmp = fl->nkeep = 0;
    sb_free(&fl->td);
    Py_CLEAR(fl->leaves);
    PyMem_Free(fl->leaf_param);
    fl->leaf_param = NULL;
}

static const char *pool_str(flat *fl, const char *s, size_t k) {
    if (fl->npool + k + 1 > sizeof fl->pool) return NULL;
    char *p = fl->pool + fl->npool;
    memcpy(p, s, k);
    p[k] = 0;
    fl->npool += k + 1;
    return p;
}

/* The id of a hashable object in static_ids (a new one for a new object); -1 with an exception. */
static long long static_id(flat *fl, PyObject *o, const char *fn_what) {
    JitObject *j = fl->j;
    PyObject *id = PyDict_GetItemWithError(j->static_ids, o);
    if (id) { /* (static_ids is the caller's dict: its values may be anything) */
        long long r = PyLong_AsLongLong(id);
        if (r < 0 && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "static_ids: ids must be ints >= 0");
        return r < 0 ? -1 : r;
    }
    if (PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            PyErr_NormalizeException(&et, &ev, &tb);
            PyErr_Format(PyExc_TypeError, "Non-hashable static arguments are not supported. An error occurred while "
                         "trying to hash an object of type %.100s, %.200R, %s of '%U'. The error was:\nTypeError: %S",
                         Py_TYPE(o)->tp_name, o, fn_what, j->name, ev ? ev : Py_None);
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(tb);
        }
        return -1;
    }
    long long n = (long long)PyDict_GET_SIZE(j->static_ids);
    PyObject *v = PyLong_FromLongLong(n);
    if (!v || PyDict_SetItem(j->static_ids, o, v) < 0) {
        Py_XDECREF(v);
        return -1;
    }
    Py_DECREF(v);
    return n;
}

static int record_leaf(flat *fl, PyObject *obj, int param) {
    if (!fl->record) return 0;
    if (!fl->leaves && !(fl->leaves = PyList_New(0))) return -1;
    if (fl->nleaves == fl->capleaves) {
        int cap = fl->capleaves ? 2 * fl->capleaves : 16;
        int *p = PyMem_Realloc(fl->leaf_param, sizeof *p * (size_t)cap);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        fl->leaf_param = p, fl->capleaves = cap;
    }
    fl->leaf_param[fl->nleaves++] = param;
    return PyList_Append(fl->leaves, obj);
}

static int too_many(flat *fl) {
    PyErr_Format(PyExc_ValueError, "%U: more than %d array arguments (leaves of the arguments' pytrees) in one call; "
                 "pass fewer, larger arrays", fl->j->name, PYBJ_MAX_PARAMS - 1);
    return -1;
}

/* A leaf that is not an array or a number: a static leaf (by hash and equality), or an error. */
static int static_leaf(flat *fl, PyObject *obj) {
    long long id = static_id(fl, obj, "a non-array argument");
    if (id < 0) return -1;
    if (sb_num(&fl->td, 'S', id) < 0) return -1;
    return record_leaf(fl, obj, -1);
}

/* One dynamic leaf into C parameter slot (-1: the next free one). */
static int leaf(flat *fl, PyObject *obj, int slot) {
    PyObject *o = pybj_unwrap(obj);
    PyTypeObject *tp = Py_TYPE(o);
    if (o == Py_None && obj != o) {
        PyErr_Format(PyExc_TypeError, "%U: an argument of type %.100s holds no data (_v is not set)", fl->j->name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (fl->tr) { /* inline: its value in the outer trace */
        if (!(tp == &pybj_ValType || tp == &pybj_BufferType || tp == &pybj_VarType || tp == &PyBool_Type ||
              tp == &PyLong_Type || tp == &PyFloat_Type || pybj_is_bufferlike(o)))
            return static_leaf(fl, obj);
        bj_val *v = pybj_to_val(fl->tr, o);
        PyObject *vo = v ? pybj_val_new(fl->tr, v) : NULL;
        if (!vo) return -1;
        int r = record_leaf(fl, vo, 0);
        Py_DECREF(vo);
        return r;
    }
    bool donated = slot >= 0;
    if (!donated) {
        if (fl->next >= PYBJ_MAX_PARAMS) return too_many(fl);
        slot = fl->next++;
    }
    bj_arg *a = &fl->a[slot];
    a->name = NULL;
    if (tp == &pybj_BufferType) {
        BufferObject *b = (BufferObject *)o;
        a->kind = BJ_ARG_ARRAY, a->array = b->a;
        fl->keep[fl->nkeep++] = Py_NewRef(o); /* (trace_cb may drop the last other reference) */
        if (donated && (b->exported || !b->donatable)) { /* numpy may see this memory: donate a copy instead */
            if (pybj_buffer_check(b) < 0) return -1;
            bj_array *c = bj_array_copy(b->a);
            if (!c) {
                pybj_raise(bj_last_status());
                return -1;
            }
            fl->tmp[fl->ntmp++] = c;
            a->array = c;
        }
    } else if (tp == &pybj_VarType) {
        /* Which Variable is part of the signature: a traced function may read and write the Variable it was given
         * (not only its value), and then its graph holds that Variable. (Its entry keeps the Variable alive, so
         * another Variable cannot have its address while the entry exists.) */
        a->kind = BJ_ARG_VAR, a->var = ((VarObject *)o)->v;
        fl->keep[fl->nkeep++] = Py_NewRef(o);
        char b[24];
        int k = snprintf(b, sizeof b, "V%" PRIxPTR ";", (uintptr_t)a->var);
        if (sb_put(&fl->td, b, (size_t)k) < 0) return -1;
        return record_leaf(fl, obj, slot);
    } else if (donated && !pybj_is_bufferlike(o)) {
        PyErr_Format(PyExc_TypeError, "%U: a donated argument must be an array, got %.100s", fl->j->name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    } else if (tp == &PyBool_Type || tp == &PyLong_Type || tp == &PyFloat_Type || tp == &pybj_ValType) {
        if (pybj_scalar_arg(o, a)) return -1;
    } else if (pybj_is_bufferlike(o)) {
        bj_array *x = pybj_array_from(o, -1, donated, true);
        if (!x) return -1;
        fl->tmp[fl->ntmp++] = x;
        a->kind = BJ_ARG_ARRAY, a->array = x;
    } else {
        if (!donated) fl->next--;
        return static_leaf(fl, obj);
    }
    if (sb_c(&fl->td, 'L') < 0) return -1;
    return record_leaf(fl, obj, slot);
}

static int walk(flat *fl, PyObject *o, int depth);

static int walk_seq(flat *fl, PyObject *o, char open, char close, int depth) {
    if (sb_c(&fl->td, open) < 0) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PySequence_Fast_GET_SIZE(o) != n) { /* a leaf's __hash__ changed the list: its items may be gone */
            PyErr_SetString(PyExc_RuntimeError, "a list changed size while flattening jit arguments");
            return -1;
        }
        PyObject *it = Py_NewRef(PySequence_Fast_ITEMS(o)[i]);
        int r = walk(fl, it, depth + 1);
        Py_DECREF(it);
        if (r < 0) return -1;
    }
    return sb_c(&fl->td, close);
}

static int walk_dict(flat *fl, PyObject *o, int depth) {
    PyObject *keys = PyDict_Keys(o);
    if (!keys) return -1;
    int r = -1;
    if (PyList_Sort(keys) < 0 || sb_c(&fl->td, '{') < 0) goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *k = PyList_GET_ITEM(keys, i);
        Py_ssize_t len;
        const char *s = PyUnicode_CheckExact(k) ? PyUnicode_AsUTF8AndSize(k, &len) : NULL;
        if (s) {
            if (sb_num(&fl->td, 'K', (long long)len) < 0 || sb_put(&fl->td, s, (size_t)len) < 0) goto done;
        } else {
            PyErr_Clear();
            long long id = static_id(fl, k, "a dict key");
            if (id < 0 || sb_num(&fl->td, '#', id) < 0) goto done;
        }
        PyObject *v = PyDict_GetItemWithError(o, k);
        if (!v) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "dict changed while flattening");
            goto done;
        }
        Py_INCREF(v); /* (a leaf's __hash__ may change the dict) */
        int wr = walk(fl, v, depth + 1);
        Py_DECREF(v);
        if (wr < 0) goto done;
    }
    r = sb_c(&fl->td, '}');
done:
    Py_DECREF(keys);
    return r;
}

static int walk(flat *fl, PyObject *o, int depth) {
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyTuple_Type || tp == &PyList_Type || tp == &PyDict_Type || o == Py_None) {
        if (depth > 200) {
            PyErr_SetString(PyExc_RecursionError, "jit arguments nested more than 200 deep (a container that "
                            "contains itself?)");
            return -1;
        }
        if (tp == &PyTuple_Type) return walk_seq(fl, o, '(', ')', depth);
        if (tp == &PyList_Type) return walk_seq(fl, o, '[', ']', depth);
        if (tp == &PyDict_Type) return walk_dict(fl, o, depth);
        return sb_c(&fl->td, 'N');
    }
    if (PyTuple_Check(o) || PyList_Check(o) || PyDict_Check(o)) { /* namedtuple, OrderedDict: their type too */
        long long id = static_id(fl, (PyObject *)tp, "a container type");
        if (id < 0 || sb_num(&fl->td, 'T', id) < 0) return -1;
        if (depth > 200) {
            PyErr_SetString(PyExc_RecursionError, "jit arguments nested more than 200 deep");
            return -1;
        }
        if (PyDict_Check(o)) return walk_dict(fl, o, depth);
        return walk_seq(fl, o, PyTuple_Check(o) ? '(' : '[', PyTuple_Check(o) ? ')' : ']', depth);
    }
    return leaf(fl, o, -1);
}

/* A static argument into C parameter slot. */
static int static_arg(flat *fl, PyObject *o, int slot) {
    bj_arg *a = &fl->a[slot];
    a->name = NULL;
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyBool_Type) {
        a->kind = BJ_ARG_BOOL, a->i = o == Py_True;
        return 0;
    }
    if (tp == &PyLong_Type) {
        int ovf;
        long long x = PyLong_AsLongLongAndOverflow(o, &ovf);
        if (x == -1 && PyErr_Occurred()) return -1;
        if (!ovf) {
            a->kind = BJ_ARG_I64, a->i = x;
            return 0;
        }
    } else if (tp == &PyFloat_Type) {
        a->kind = BJ_ARG_F64, a->f = PyFloat_AS_DOUBLE(o);
        return 0;
    } else if (tp == &PyUnicode_Type) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(o, &len);
        if (!s) return -1;
        if ((size_t)len == strlen(s) && len <= 254) {
            a->kind = BJ_ARG_STR;
            if (s[0] != '#') { /* "#..." is how other objects are passed: a string starting with it is doubled */
                a->s = s;
                return 0;
            }
            char b[256];
            b[0] = '#';
            memcpy(b + 1, s, (size_t)len);
            if ((a->s = pool_str(fl, b, (size_t)len + 1))) return 0;
        }
    }
    long long id = static_id(fl, o, "a static argument");
    if (id < 0) return -1;
    char b[32];
    int k = snprintf(b, sizeof b, "#%lld", id);
    a->kind = BJ_ARG_STR;
    if (!(a->s = pool_str(fl, b, (size_t)k))) {
        PyErr_Format(PyExc_ValueError, "%U: too many static arguments", fl->j->name);
        return -1;
    }
    return 0;
}

/* Flattens the call's arguments (defaults already filled) into fl. */
static int flatten(flat *fl, PyObject *const *argv, Py_ssize_t n) {
    JitObject *j = fl->j;
    if (n > PYBJ_MAX_PARAMS) {
        PyErr_Format(PyExc_TypeError, "%U: at most %d arguments", j->name, PYBJ_MAX_PARAMS);
        return -1;
    }
    unsigned char kind[PYBJ_MAX_PARAMS];
    memset(kind, POS_DYN, (size_t)n);
    for (int k = 0; k < j->nstatic; k++) {
        int p = j->static_pos[k] < 0 ? j->static_pos[k] + (int)n : j->static_pos[k];
        if (j->static_pos[k] >= 0 && p >= n) continue; /* an omitted trailing parameter: its default is a constant */
        if (p < 0 || p >= n) {
            PyErr_Format(PyExc_ValueError, "%U: static_argnums names argument %d, but the call has %zd arguments",
                         j->name, j->static_pos[k], n);
            return -1;
        }
        kind[p] = POS_STATIC;
    }
    for (int k = 0; k < j->ndonate; k++) {
        int p = j->donate_pos[k] < 0 ? j->donate_pos[k] + (int)n : j->donate_pos[k];
        if (p < 0 || p >= n) {
            PyErr_Format(PyExc_ValueError, "%U: donate_argnums names argument %d, but the call has %zd arguments",
                         j->name, j->donate_pos[k], n);
            return -1;
        }
        if (kind[p] == POS_STATIC) {
            PyErr_Format(PyExc_ValueError, "%U: argument %d is both static and donated", j->name, p);
            return -1;
        }
        kind[p] = POS_DONATE;
    }
    int S = j->nstatic, D = j->ndonate, si = 0, di = 0;
    fl->next = S + 1 + D;
    if (sb_c(&fl->td, '(') < 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (kind[i] == POS_STATIC) {
            if (!fl->tr && static_arg(fl, argv[i], si++) < 0) return -1;
            if (sb_c(&fl->td, 's') < 0) return -1;
        } else if (kind[i] == POS_DONATE && !fl->tr) {
            PyObject *o = pybj_unwrap(argv[i]);
            if (PyTuple_Check(o) || PyList_Check(o) || PyDict_Check(o) || o == Py_None) {
                PyErr_Format(PyExc_TypeError, "%U: donated argument %zd must be one array, got %.100s", j->name, i,
                             Py_TYPE(o)->tp_name);
                return -1;
            }
            if (leaf(fl, argv[i], S + 1 + di++) < 0) return -1;
        } else if (walk(fl, argv[i], 0) < 0) {
            return -1;
        }
    }
    if (sb_c(&fl->td, ')') < 0) return -1;
    fl->n = fl->next;
    if (fl->tr) return 0;
    for (; si < S; si++) { /* static parameters the call left out (their defaults stay Python constants): "#-" */
        bj_arg *o = &fl->a[si];
        o->kind = BJ_ARG_STR, o->name = NULL, o->s = "#-";
    }
    bj_arg *a = &fl->a[S];
    a->kind = BJ_ARG_STR, a->name = NULL, a->s = fl->td.p;
    if (fl->td.n > 254) { /* too long for a C static string: an id per distinct structure */
        PyObject *key = PyBytes_FromStringAndSize(fl->td.p, (Py_ssize_t)fl->td.n);
        if (!key) return -1;
        PyObject *id = PyDict_GetItemWithError(j->intern, key);
        if (!id && !PyErr_Occurred()) {
            id = PyLong_FromSsize_t(PyDict_GET_SIZE(j->intern));
            if (id && PyDict_SetItem(j->intern, key, id) < 0) Py_CLEAR(id);
            Py_XDECREF(id); /* (the dict holds it) */
        }
        Py_DECREF(key);
        if (!id) return -1;
        char b[32];
        int k = snprintf(b, sizeof b, "@%lld", PyLong_AsLongLong(id));
        if (!(a->s = pool_str(fl, b, (size_t)k))) return too_many(fl);
    }
    return 0;
}

/* ---------------------------------------------------------------- results */
static void free_tag(void *tag) {
    if (_Py_IsFinalizing()) return;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_DECREF((PyObject *)tag);
    PyGILState_Release(g);
}

/* Rebuilds the result from its leaves (a list, stolen) and the tag. */
static PyObject *rebuild(JitObject *j, PyObject *leaves, PyObject *tag) {
    Py_ssize_t n = PyList_GET_SIZE(leaves);
    PyObject *r;
    if (!tag || tag == Py_None) {
        if (n == 1) r = Py_NewRef(PyList_GET_ITEM(leaves, 0));
        else if (n == 0) r = Py_NewRef(Py_None);
        else r = PyList_AsTuple(leaves);
    } else if (PyLong_CheckExact(tag)) {
        r = PyList_AsTuple(leaves);
    } else {
        r = PyObject_CallFunctionObjArgs(j->unflatten_cb, tag, leaves, NULL);
    }
    Py_DECREF(leaves);
    return r;
}

/* Arrays over the outputs (their references stolen), rebuilt as the function's result. */
static PyObject *outputs(JitObject *j, bj_array **outs, int nout, void *tag) {
    PyObject *l = PyList_New(nout);
    int i = 0;
    for (; l && i < nout; i++) {
        PyObject *x = pybj_wrap(pybj_buffer_new(outs[i]));
        if (!x) {
            i++;
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, x);
    }
    for (; i < nout; i++) bj_array_release(outs[i]);
    return l ? rebuild(j, l, (PyObject *)tag) : NULL;
}

/* trace_cb's answer: (leaves, tag). Fills *leaves (a new reference to a list or tuple) and *tag (borrowed from res). */
static int parse_answer(JitObject *j, PyObject *res, PyObject **leaves, PyObject **tag) {
    if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
        PyErr_Format(PyExc_TypeError, "%U: trace_cb must return (out_leaves, out_tag), got %.100s", j->name,
                     Py_TYPE(res)->tp_name);
        return -1;
    }
    PyObject *l = PyTuple_GET_ITEM(res, 0); /* a list copied: converting its items may run code that changes it */
    *leaves = PyList_CheckExact(l) ? PyList_AsTuple(l) : PySequence_Fast(l, "trace_cb: out_leaves must be a list");
    *tag = PyTuple_GET_ITEM(res, 1);
    return *leaves ? 0 : -1;
}

/* ---------------------------------------------------------------- tracing on a miss */
static PyObject *args_tuple(PyObject *const *argv, Py_ssize_t n) {
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) PyTuple_SET_ITEM(t, i, Py_NewRef(argv[i]));
    return t;
}

/* Per thread: with one shared count and one "tracing thread", a trace ending on one thread (its count decremented
 * only once it has the GIL back) could leave another thread's finished trace looking open, and that thread's next
 * call was refused as recursion (test_adversarial's four threads, now and then). */
static PyObject *thread_key(void) { return PyLong_FromUnsignedLong(PyThread_get_thread_ident()); }

static bool traced_here(JitObject *j) {
    if (!j->tracers) return false;
    PyObject *k = thread_key(), *v = k ? PyDict_GetItemWithError(j->tracers, k) : NULL;
    Py_XDECREF(k);
    PyErr_Clear();
    return v && PyLong_AsLong(v) > 0;
}

/* delta +1 when a trace of j opens on this thread, -1 when it closes; -1 on failure (an exception set) */
static int tracers_add(JitObject *j, long delta) {
    if (!j->tracers && !(j->tracers = PyDict_New())) return -1;
    PyObject *k = thread_key();
    if (!k) return -1;
    PyObject *v = PyDict_GetItemWithError(j->tracers, k);
    long n = (v ? PyLong_AsLong(v) : 0) + delta;
    int rc;
    if (n > 0) {
        PyObject *nv = PyLong_FromLong(n);
        rc = nv ? PyDict_SetItem(j->tracers, k, nv) : -1;
        Py_XDECREF(nv);
    } else {
        rc = v ? PyDict_DelItem(j->tracers, k) : 0;
    }
    Py_DECREF(k);
    return rc;
}

static int busy_here(JitObject *j, const char *what) {
    if (!traced_here(j)) return 0;
    PyErr_Format(PyExc_RuntimeError, "%U.%s: called while this function is being traced (inside itself)", j->name,
                 what);
    return -1;
}

/* Traces the function for these arguments: a new signature in the handle's cache. */
static int trace_miss(JitObject *j, PyObject *const *argv, Py_ssize_t n) {
    if (traced_here(j)) {
        PyErr_Format(PyExc_RecursionError, "%U: calls itself while being traced (recursion is not supported in "
                     "jitted functions)", j->name);
        return -1;
    }
    flat *flp = PyMem_Malloc(sizeof *flp);
    if (!flp) {
        PyErr_NoMemory();
        return -1;
    }
#define fl (*flp)
    flat_init(&fl, j, true, NULL);
    PyObject *targs = NULL;
    int rc = -1;
    if (flatten(&fl, argv, n) < 0 || !(targs = args_tuple(argv, n))) goto out;
    /* the handle keeps the traced signature's static strings by pointer: give it copies that live with the Jit */
    for (int i = 0; i < fl.n; i++) {
        if (fl.a[i].kind != BJ_ARG_STR) continue;
        PyObject *b = PyBytes_FromString(fl.a[i].s), *kept = b ? PyDict_SetDefault(j->strs, b, b) : NULL;
        Py_XDECREF(b); /* (kept is borrowed from the dict) */
        if (!kept) goto out;
        fl.a[i].s = PyBytes_AS_STRING(kept);
    }
    bj_trace *t;
    PYBJ_BLOCKING(t = bj_jit_trace_begin(j->f, fl.a, fl.n));
    if (!t) {
        pybj_raise(bj_last_status());
        goto out;
    }
    TraceObject *tr = pybj_trace_new(t, j->name);
    PyObject *res = NULL;
    if (tr) {
        tr->nleaves = fl.nleaves;
        tr->leaf_param = fl.leaf_param, fl.leaf_param = NULL;
        tr->leaves = fl.leaves ? PyList_AsTuple(fl.leaves) : PyTuple_New(0);
    }
    /* the handle's lock is held until bj_jit_trace_end: other threads must not wait for it holding the GIL */
    pybj_busy++, pybj_busy_mine++;
    bool counted = tracers_add(j, 1) == 0;
    if (counted && tr && tr->leaves && pybj_push(tr) == 0) {
        res = PyObject_CallFunctionObjArgs(j->trace_cb, targs, (PyObject *)tr, NULL);
        pybj_pop();
    }
    bool ok = false;
    PyObject *leaves = NULL, *tag = NULL;
    if (res && parse_answer(j, res, &leaves, &tag) == 0) {
        Py_ssize_t m = PySequence_Fast_GET_SIZE(leaves);
        bj_val *buf[16], **v = buf;
        if (m > 16 && !(v = PyMem_Malloc(sizeof *v * (size_t)m))) PyErr_NoMemory();
        Py_ssize_t i = 0;
        if (v) {
            for (; i < m; i++)
                if (!(v[i] = pybj_to_val(tr, PySequence_Fast_GET_ITEM(leaves, i)))) break;
            if (i == m && !bj_return_n(t, v, (int)m)) {
                if (bj_jit_trace_set_tag(t, Py_NewRef(tag), free_tag)) {
                    Py_DECREF(tag);
                    pybj_raise(bj_last_status());
                } else {
                    ok = true;
                }
            } else if (i == m) {
                pybj_raise_trace(t);
            }
            if (v != buf) PyMem_Free(v);
        }
    }
    Py_XDECREF(leaves);
    Py_XDECREF(res);
    /* a Python exception: fail the trace (a jit trace refuses bj_trace_finish and is left failed), so that ending
     * it caches nothing */
    if (!ok && !bj_trace_status(t)) bj_trace_finish(t, NULL, 0);
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_trace_end(t)); /* on every path: it releases the handle */
    if (counted) { /* the trace's own error, if any, is kept aside meanwhile and wins */
#if PY_VERSION_HEX >= 0x030C0000
        PyObject *exc = PyErr_GetRaisedException();
        if (tracers_add(j, -1) < 0) PyErr_Clear();
        PyErr_SetRaisedException(exc);
#else
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        if (tracers_add(j, -1) < 0) PyErr_Clear();
        PyErr_Restore(et, ev, tb);
#endif
    }
    pybj_busy--, pybj_busy_mine--;
    if (tr) {
        pybj_trace_kill(tr);
        Py_DECREF(tr);
    }
    if (ok && s) pybj_raise(s);
    else if (ok) rc = 0;
out:
    Py_XDECREF(targs);
    flat_free(&fl);
    PyMem_Free(flp);
    return rc;
#undef fl
}

/* ---------------------------------------------------------------- calls */
/* The arguments with defaults filled, into buf; the count, or -1. */
static Py_ssize_t fill_args(JitObject *j, PyObject *const *args, Py_ssize_t nargs, PyObject **buf) {
    if (j->nparams < 0 || nargs == j->nparams) {
        if (nargs > PYBJ_MAX_PARAMS) {
            PyErr_Format(PyExc_TypeError, "%U: at most %d arguments", j->name, PYBJ_MAX_PARAMS);
            return -1;
        }
        memcpy(buf, args, sizeof *buf * (size_t)nargs);
        return nargs;
    }
    Py_ssize_t nd = PyTuple_GET_SIZE(j->defaults), missing = j->nparams - nargs;
    if (missing < 0 || missing > nd) {
        PyErr_Format(PyExc_TypeError, "%U() takes %d positional arguments (%zd with defaults) but %zd were given",
                     j->name, j->nparams, nd, nargs);
        return -1;
    }
    memcpy(buf, args, sizeof *buf * (size_t)nargs);
    for (Py_ssize_t i = 0; i < missing; i++) buf[nargs + i] = PyTuple_GET_ITEM(j->defaults, nd - missing + i);
    return j->nparams;
}

/* Called while tracing another function: the Python function is traced inline into that trace. */
static PyObject *call_inline(JitObject *j, TraceObject *cur, PyObject *const *argv, Py_ssize_t n) {
    if (Py_EnterRecursiveCall(" while tracing a jit function into another")) return NULL;
    flat *flp = PyMem_Malloc(sizeof *flp);
    if (!flp) {
        Py_LeaveRecursiveCall();
        return PyErr_NoMemory();
    }
#define fl (*flp)
    flat_init(&fl, j, true, cur);
    PyObject *targs = NULL, *res = NULL, *leaves = NULL, *tag = NULL, *out = NULL;
    TraceObject *fr = NULL;
    if (flatten(&fl, argv, n) < 0 || !(targs = args_tuple(argv, n))) goto done;
    if (!(fr = pybj_trace_new(cur->t, j->name))) goto done;
    fr->inlined = true;
    fr->nleaves = fl.nleaves;
    if (!(fr->leaves = fl.leaves ? PyList_AsTuple(fl.leaves) : PyTuple_New(0))) goto done;
    res = PyObject_CallFunctionObjArgs(j->trace_cb, targs, (PyObject *)fr, NULL);
    if (!res || parse_answer(j, res, &leaves, &tag) < 0) goto done;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(leaves);
    PyObject *l = PyList_New(m);
    for (Py_ssize_t i = 0; l && i < m; i++) {
        bj_val *v = pybj_to_val(cur, PySequence_Fast_GET_ITEM(leaves, i));
        PyObject *x = v ? pybj_wrap(pybj_val_new(cur, v)) : NULL;
        if (!x) Py_CLEAR(l);
        else PyList_SET_ITEM(l, i, x);
    }
    if (l) out = rebuild(j, l, tag);
done:
    if (fr) {
        pybj_trace_kill(fr);
        Py_DECREF(fr);
    }
    Py_XDECREF(leaves);
    Py_XDECREF(res);
    Py_XDECREF(targs);
    flat_free(&fl);
    PyMem_Free(flp);
    Py_LeaveRecursiveCall();
    return out;
#undef fl
}

static PyObject *Jit_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
    JitObject *j = (JitObject *)self;
    if (kwnames && PyTuple_GET_SIZE(kwnames))
        return PyErr_Format(PyExc_TypeError, "%U: the C call takes positional arguments only", j->name);
    if (!j->trace_cb) return PyErr_Format(PyExc_RuntimeError, "%U: the Jit was cleared", j->name);
    PyObject *argv[PYBJ_MAX_PARAMS];
    Py_ssize_t n = fill_args(j, args, PyVectorcall_NARGS(nargsf), argv);
    if (n < 0) return NULL;
    TraceObject *cur = pybj_current();
    if (cur) return call_inline(j, cur, argv, n);
    flat fl;
    flat_init(&fl, j, false, NULL);
    if (flatten(&fl, argv, n) < 0) {
        flat_free(&fl);
        return NULL;
    }
    bj_array *obuf[PYBJ_STACK_OUTS], **outs = obuf;
    int cap = PYBJ_STACK_OUTS, nout = 0, tries = 0;
    void *tag = NULL;
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_call_tagged(j->f, fl.a, fl.n, outs, cap, &nout, &tag));
    while (s) {
        if (s == BJ_ERR_TRACE && nout == -1 && tries++ < 3) {
            if (trace_miss(j, argv, n) < 0) goto fail;
            j->recalls++;
        } else if (s == BJ_ERR_ARG && nout > cap && outs == obuf) {
            if (!(outs = PyMem_Malloc(sizeof *outs * (size_t)nout))) {
                outs = obuf;
                PyErr_NoMemory();
                goto fail;
            }
            cap = nout;
            j->recalls++; /* (the C handle counted the refused call: one Python call is one call) */
        } else {
            pybj_raise(s);
            goto fail;
        }
        PYBJ_BLOCKING(s = bj_jit_call_tagged(j->f, fl.a, fl.n, outs, cap, &nout, &tag));
    }
    flat_free(&fl);
    PyObject *r = outputs(j, outs, nout, tag);
    if (outs != obuf) PyMem_Free(outs);
    return r;
fail:
    flat_free(&fl);
    if (outs != obuf) PyMem_Free(outs);
    return NULL;
}

/* ---------------------------------------------------------------- construction */
static int parse_positions(PyObject *seq, int *dst, int *n, int nparams, PyObject *name, const char *what) {
    *n = 0;
    if (!seq || seq == Py_None) return 0;
    if (PyLong_Check(seq)) {
        PyObject *t = PyTuple_Pack(1, seq);
        if (!t) return -1;
        int r = parse_positions(t, dst, n, nparams, name, what);
        Py_DECREF(t);
        return r;
    }
    PyObject *f = PySequence_Fast(seq, "argnums must be a sequence of ints");
    if (!f) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(f);
    for (Py_ssize_t i = 0; i < m; i++) {
        long p = PyLong_AsLong(PySequence_Fast_GET_ITEM(f, i));
        if (p == -1 && PyErr_Occurred()) goto bad;
        long p0 = p;
        if (nparams >= 0 && p < 0) p += nparams;
        if ((nparams >= 0 && (p < 0 || p >= nparams)) || p >= PYBJ_MAX_PARAMS || p < -PYBJ_MAX_PARAMS) {
            PyErr_Format(PyExc_ValueError, "%U: %s: %ld is out of range for %d parameters", name, what, p0, nparams);
            goto bad;
        }
        bool dup = false;
        for (int k = 0; k < *n; k++) dup |= dst[k] == (int)p;
        if (!dup && *n == PYBJ_MAX_PARAMS) { /* (negative and positive positions can name 128 distinct ones) */
            PyErr_Format(PyExc_ValueError, "%U: %s names more than %d arguments", name, what, PYBJ_MAX_PARAMS);
            goto bad;
        }
        if (!dup) dst[(*n)++] = (int)p;
    }
    Py_DECREF(f);
    return 0;
bad:
    Py_DECREF(f);
    return -1;
}

static PyObject *Jit_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"pyfunc", "name", "static_argnums", "donate_argnums", "backend", "nparams", "defaults",
                             "static_ids", "trace_cb", "unflatten_cb", "cache_size", "keep_unused",
                             "abstracted_axes", NULL};
    PyObject *pyfunc, *name, *sargs = NULL, *dargs = NULL, *defaults = NULL, *static_ids = NULL, *trace_cb = NULL,
             *unflatten_cb = NULL;
    const char *backend = "cpu", *axes = NULL;
    int nparams = -1, cache_size = 0, keep_unused = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OU|OOziOOOOipz:Jit", kwlist, &pyfunc, &name, &sargs, &dargs,
                                     &backend, &nparams, &defaults, &static_ids, &trace_cb, &unflatten_cb,
                                     &cache_size, &keep_unused, &axes))
        return NULL;
    if (!trace_cb || !PyCallable_Check(trace_cb))
        return PyErr_Format(PyExc_TypeError, "Jit: trace_cb must be a callable");
    if (unflatten_cb && unflatten_cb != Py_None && !PyCallable_Check(unflatten_cb))
        return PyErr_Format(PyExc_TypeError, "Jit: unflatten_cb must be a callable");
    if (static_ids && static_ids != Py_None && !PyDict_Check(static_ids))
        return PyErr_Format(PyExc_TypeError, "Jit: static_ids must be a dict");
    if (defaults && defaults != Py_None && !PyTuple_Check(defaults))
        return PyErr_Format(PyExc_TypeError, "Jit: defaults must be a tuple");
    if (nparams > PYBJ_MAX_PARAMS)
        return PyErr_Format(PyExc_ValueError, "Jit: at most %d parameters", PYBJ_MAX_PARAMS);
    JitObject *j = (JitObject *)type->tp_alloc(type, 0);
    if (!j) return NULL;
    j->vectorcall = Jit_vectorcall;
    j->nparams = nparams;
    j->pyfunc = Py_NewRef(pyfunc);
    j->name = Py_NewRef(name);
    j->trace_cb = Py_NewRef(trace_cb);
    j->unflatten_cb = Py_NewRef(unflatten_cb ? unflatten_cb : Py_None);
    j->defaults = defaults && defaults != Py_None ? Py_NewRef(defaults) : PyTuple_New(0);
    j->static_ids = static_ids && static_ids != Py_None ? Py_NewRef(static_ids) : PyDict_New();
    j->intern = PyDict_New();
    j->strs = PyDict_New();
    if (!j->defaults || !j->static_ids || !j->intern || !j->strs) goto fail;
    if (parse_positions(sargs, j->static_pos, &j->nstatic, nparams, name, "static_argnums") < 0 ||
        parse_positions(dargs, j->donate_pos, &j->ndonate, nparams, name, "donate_argnums") < 0)
        goto fail;
    for (int a = 0; a < j->nstatic; a++)
        for (int b = 0; b < j->ndonate; b++)
            if (j->static_pos[a] == j->donate_pos[b]) {
                PyErr_Format(PyExc_ValueError, "%U: argument %d is both static and donated", name, j->static_pos[a]);
                goto fail;
            }
    if (j->nstatic + 1 + j->ndonate > PYBJ_MAX_PARAMS) {
        PyErr_Format(PyExc_ValueError, "%U: too many static and donated arguments", name);
        goto fail;
    }
    char sbuf_[PYBJ_MAX_PARAMS * 4 + 8], dbuf[PYBJ_MAX_PARAMS * 4 + 8];
    size_t k = 0;
    for (int i = 0; i <= j->nstatic; i++) k += (size_t)snprintf(sbuf_ + k, sizeof sbuf_ - k, i ? ",%d" : "%d", i);
    k = 0;
    dbuf[0] = 0;
    for (int i = 0; i < j->ndonate; i++)
        k += (size_t)snprintf(dbuf + k, sizeof dbuf - k, i ? ",%d" : "%d", j->nstatic + 1 + i);
    const char *nm = PyUnicode_AsUTF8(name);
    if (!nm) goto fail;
    /* abstracted_axes name C parameter positions ("3: n, _"): the caller maps its arguments' leaves to them
     * with leaf_slots() */
    bj_jit_opts o = {.name = nm, .static_argnums = sbuf_, .donate_argnums = j->ndonate ? dbuf : NULL,
                     .backend = backend, .cache_size = cache_size, .keep_unused = keep_unused != 0,
                     .abstracted_axes = axes && *axes ? axes : NULL};
    if (!(j->f = bj_jit_new(NULL, NULL, &o))) {
        pybj_raise(bj_last_status());
        goto fail;
    }
    return (PyObject *)j;
fail:
    Py_DECREF(j);
    return NULL;
}

static int Jit_traverse(JitObject *j, visitproc visit, void *arg) {
    Py_VISIT(j->pyfunc);
    Py_VISIT(j->name);
    Py_VISIT(j->trace_cb);
    Py_VISIT(j->unflatten_cb);
    Py_VISIT(j->static_ids);
    Py_VISIT(j->defaults);
    Py_VISIT(j->intern);
    Py_VISIT(j->strs);
    Py_VISIT(j->tracers);
    return 0;
}

static int Jit_clear(JitObject *j) {
    Py_CLEAR(j->pyfunc);
    Py_CLEAR(j->trace_cb);
    Py_CLEAR(j->unflatten_cb);
    Py_CLEAR(j->static_ids);
    Py_CLEAR(j->defaults);
    Py_CLEAR(j->intern);
    return 0;
}

static void Jit_dealloc(JitObject *j) {
    PyObject_GC_UnTrack(j);
    if (j->weakreflist) PyObject_ClearWeakRefs((PyObject *)j);
    if (j->f) bj_jit_release(j->f); /* drops the signatures' tags (free_tag takes the GIL: we hold it) */
    Jit_clear(j);
    Py_CLEAR(j->strs); /* (only once the handle is gone: its cache points into them) */
    Py_CLEAR(j->tracers);
    Py_CLEAR(j->name);
    Py_TYPE(j)->tp_free((PyObject *)j);
}

/* ---------------------------------------------------------------- introspection */
/* Flattens args for an introspection call and makes sure the signature is traced. */
static int prepare(JitObject *j, PyObject *const *args, Py_ssize_t nargs, flat *fl, PyObject **argv, Py_ssize_t *n,
                   const char *what) {
    if (busy_here(j, what) < 0) return -1;
    if (!j->trace_cb) {
        PyErr_Format(PyExc_RuntimeError, "%U: the Jit was cleared", j->name);
        return -1;
    }
    if (pybj_current()) {
        PyErr_Format(PyExc_RuntimeError, "%U.%s: not available while tracing", j->name, what);
        return -1;
    }
    if ((*n = fill_args(j, args, nargs, argv)) < 0 || flatten(fl, argv, *n) < 0) return -1;
    int r;
    PYBJ_BLOCKING(r = bj_jit_needs_trace(j->f, fl->a, fl->n));
    if (r < 0) {
        pybj_raise(bj_last_status());
        return -1;
    }
    return r ? trace_miss(j, argv, *n) : 0;
}

static PyObject *c_string(char *s) {
    if (!s) return pybj_raise(bj_last_status());
    PyObject *r = PyUnicode_FromString(s);
    bj_free(s);
    return r;
}

/* ir(*args), source(*args), compile(*args): the arguments prepared as a call's, then one introspection call. */
enum { INTRO_IR, INTRO_SOURCE, INTRO_COMPILE };
static PyObject *introspect(JitObject *j, PyObject *const *args, Py_ssize_t nargs, int what) {
    static const char *const names[] = {"ir", "source", "compile"};
    flat fl;
    flat_init(&fl, j, false, NULL);
    PyObject *argv[PYBJ_MAX_PARAMS], *r = NULL;
    Py_ssize_t n;
    if (prepare(j, args, nargs, &fl, argv, &n, names[what]) == 0) {
        char *s = NULL;
        bj_status st = BJ_OK;
        PYBJ_BLOCKING(what == INTRO_IR       ? (void)(s = bj_jit_ir(j->f, fl.a, fl.n))
                      : what == INTRO_SOURCE ? (void)(s = bj_jit_source(j->f, fl.a, fl.n))
                                             : (void)(st = bj_jit_compile(j->f, fl.a, fl.n)));
        r = what != INTRO_COMPILE ? c_string(s) : st ? pybj_raise(st) : Py_NewRef(Py_None);
    }
    flat_free(&fl);
    return r;
}

static PyObject *Jit_ir(JitObject *j, PyObject *const *a, Py_ssize_t n) { return introspect(j, a, n, INTRO_IR); }
static PyObject *Jit_source(JitObject *j, PyObject *const *a, Py_ssize_t n) { return introspect(j, a, n, INTRO_SOURCE); }
static PyObject *Jit_compile(JitObject *j, PyObject *const *a, Py_ssize_t n) { return introspect(j, a, n, INTRO_COMPILE); }

/* The C parameter of each leaf of these arguments, in flattening order (-1: a static leaf, which has none): how
 * a caller names leaves in abstracted_axes. */
static PyObject *Jit_leaf_slots(JitObject *j, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *argv[PYBJ_MAX_PARAMS];
    Py_ssize_t n = fill_args(j, args, nargs, argv);
    if (n < 0) return NULL;
    flat *flp = PyMem_Malloc(sizeof *flp);
    if (!flp) return PyErr_NoMemory();
    flat_init(flp, j, true, NULL);
    PyObject *r = NULL;
    if (flatten(flp, argv, n) == 0 && (r = PyList_New(flp->nleaves))) {
        for (int i = 0; i < flp->nleaves; i++) {
            PyObject *x = PyLong_FromLong(flp->leaf_param[i]);
            if (!x) {
                Py_CLEAR(r);
                break;
            }
            PyList_SET_ITEM(r, i, x);
        }
    }
    flat_free(flp);
    PyMem_Free(flp);
    return r;
}

static PyObject *Jit_stats(JitObject *j, PyObject *unused) {
    (void)unused;
    if (busy_here(j, "stats") < 0) return NULL;
    bj_jit_stats st;
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_stats_get(j->f, &st));
    if (s) return pybj_raise(s);
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:L,s:L,s:d,s:d}", "calls", (long long)st.calls - j->recalls, "traces",
                         (long long)st.traces, "compiles", (long long)st.compiles, "cache_hits",
                         (long long)st.cache_hits - j->recalls, "cache_misses", (long long)st.cache_misses, "cache_size",
                         (long long)st.cache_size, "trace_s", st.trace_s, "compile_s", st.compile_s);
}

static PyObject *Jit_last_miss(JitObject *j, PyObject *unused) {
    (void)unused;
    if (busy_here(j, "last_miss") < 0) return NULL;
    char buf[1024];
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_last_miss(j->f, buf, sizeof buf));
    return s ? pybj_raise(s) : PyUnicode_FromString(buf);
}

static PyObject *Jit_clear_cache(JitObject *j, PyObject *unused) {
    (void)unused;
    if (busy_here(j, "clear_cache") < 0) return NULL;
    bj_status s;
    PYBJ_BLOCKING(s = bj_jit_clear_cache(j->f));
    if (s) return pybj_raise(s);
    /* j->strs and j->intern stay (as static_ids does): another thread may be between putting its static strings
     * there and beginning its trace, which then points to them */
    Py_RETURN_NONE;
}

static PyObject *Jit_vars(JitObject *j, PyObject *unused) {
    (void)unused;
    if (busy_here(j, "vars") < 0) return NULL;
    int n;
    PYBJ_BLOCKING(n = bj_jit_num_vars(j->f));
    if (n < 0) return pybj_raise(bj_last_status());
    PyObject *l = PyList_New(0);
    for (int i = 0; l && i < n; i++) {
        char path[512];
        bj_var *v;
        PYBJ_BLOCKING(v = bj_jit_var_at(j->f, i, path, sizeof path));
        if (!v) {
            Py_DECREF(l);
            return pybj_raise(bj_last_status());
        }
        PyObject *t = Py_BuildValue("(ss)", path, bj_var_name(v));
        if (!t || PyList_Append(l, t) < 0) Py_CLEAR(l);
        Py_XDECREF(t);
    }
    return l;
}

static PyObject *Jit_repr(JitObject *j) {
    if (traced_here(j)) return PyUnicode_FromFormat("<jit %U (being traced)>", j->name);
    char *s;
    PYBJ_BLOCKING(s = bj_jit_to_string(j->f));
    return c_string(s);
}

static PyObject *Jit_get(JitObject *j, void *which) {
    switch ((int)(intptr_t)which) {
    case 0: return Py_NewRef(j->name);
    case 1: return Py_NewRef(j->pyfunc ? j->pyfunc : Py_None);
    default: return PyLong_FromLong(j->nparams);
    }
}

static PyMethodDef Jit_methods[] = {
    {"ir", (PyCFunction)(void (*)(void))Jit_ir, METH_FASTCALL, "ir(*args) -> str: the traced IR for these arguments"},
    {"source", (PyCFunction)(void (*)(void))Jit_source, METH_FASTCALL, "source(*args) -> str: the generated C"},
    {"compile", (PyCFunction)(void (*)(void))Jit_compile, METH_FASTCALL, "compile(*args): trace and compile ahead"},
    {"stats", (PyCFunction)Jit_stats, METH_NOARGS, "stats() -> dict (bj_jit_stats)"},
    {"leaf_slots", (PyCFunction)(void (*)(void))Jit_leaf_slots, METH_FASTCALL,
     "leaf_slots(*args) -> [int]: the C parameter of each flattened leaf (-1: static)"},
    {"last_miss", (PyCFunction)Jit_last_miss, METH_NOARGS, "last_miss() -> str: why the last call missed the cache"},
    {"clear_cache", (PyCFunction)Jit_clear_cache, METH_NOARGS, "clear_cache(): drop every traced signature"},
    {"vars", (PyCFunction)Jit_vars, METH_NOARGS, "vars() -> [(path, Variable name)] found by tracing"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Jit_getset[] = {
    {"name", (getter)Jit_get, NULL, NULL, (void *)0},
    {"pyfunc", (getter)Jit_get, NULL, NULL, (void *)1},
    {"nparams", (getter)Jit_get, NULL, NULL, (void *)2},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject pybj_JitType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "brainjit._core.Jit",
    .tp_basicsize = sizeof(JitObject),
    .tp_dealloc = (destructor)Jit_dealloc,
    .tp_vectorcall_offset = offsetof(JitObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = (reprfunc)Jit_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Jit(pyfunc, name, static_argnums=(), donate_argnums=(), backend='cpu', nparams=-1, defaults=(), "
              "static_ids=None, trace_cb=..., unflatten_cb=None, cache_size=0, keep_unused=False, "
              "abstracted_axes=None): a jit handle driven from Python",
    .tp_traverse = (traverseproc)Jit_traverse,
    .tp_clear = (inquiry)Jit_clear,
    .tp_weaklistoffset = offsetof(JitObject, weakreflist),
    .tp_methods = Jit_methods,
    .tp_getset = Jit_getset,
    .tp_new = Jit_new,
};
