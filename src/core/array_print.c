/* array_print.c — NumPy-repr text for arrays (bj_array_print, bj_array_to_string).
 *
 * The layout is numpy's repr (numpy/_core/arrayprint.py: _formatArray with linewidth 75, edgeitems 3, threshold
 * 1000), so output reads like Python's:
 *
 *     array([1., 2.5, -inf, nan], dtype=float32)
 *     array([[1, 2],
 *            [3, 4]], dtype=int32)
 *     array(True, dtype=bool)
 *     array([], shape=(0, 3), dtype=float64)
 *     array([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)
 *
 * Differences from numpy, chosen to keep the text deterministic and independent of the other elements:
 *  - elements are not padded to a common width ("[1., 2.5]" where numpy writes "[1. , 2.5]");
 *  - dtype= is always shown (numpy omits it for bool, int64 and float64);
 *  - each float is the shortest %g text that reads back as the same value (6 to 9 significant digits for
 *    float32, 15 to 17 for float64), with "." added when it looks integral ("1.", "1.e+20"), and nan, inf, -inf.
 * Past 1000 elements each axis longer than 6 shows its first 3 and last 3 entries around "...". Lines wrap at 75
 * columns as numpy's do; 2-d blocks of a 3-d array are separated by a blank line. */
#include "array.h"
#include "scalar.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { LINE_WIDTH = 75, EDGE_ITEMS = 3, THRESHOLD = 1000 };

typedef struct {
    core_str *b;
    const bj_array *a;
    bool summary;
} printer;

static void fmt_float(char *buf, size_t n, double v, bool f32) {
    if (isnan(v)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, n, v < 0 ? "-inf" : "inf");
        return;
    }
    core_fmt_shortest(buf, n, v, f32);
    if (strchr(buf, '.')) return;
    /* numpy marks floats that look integral with a point, also before an exponent: "1.", "1.e+20" */
    char *e = strchr(buf, 'e');
    size_t len = strlen(buf);
    if (len + 2 > n) return;
    if (e) {
        memmove(e + 1, e, strlen(e) + 1);
        *e = '.';
    } else {
        buf[len] = '.', buf[len + 1] = 0;
    }
}

static void fmt_elem(char *buf, size_t n, const bj_array *a, int64_t i) {
    const void *p = a->data;
    switch (a->dtype) {
    case BJ_BOOL: snprintf(buf, n, "%s", ((const bool *)p)[i] ? "True" : "False"); break;
    case BJ_I32: snprintf(buf, n, "%d", (int)((const int32_t *)p)[i]); break;
    case BJ_I64: snprintf(buf, n, "%lld", (long long)((const int64_t *)p)[i]); break;
    case BJ_U32: snprintf(buf, n, "%u", (unsigned)((const uint32_t *)p)[i]); break;
    case BJ_F32: fmt_float(buf, n, ((const float *)p)[i], true); break;
    default: fmt_float(buf, n, ((const double *)p)[i], false); break;
    }
}

/* Column of the end of the text so far: numpy's len(line). */
static size_t column(const core_str *b) {
    if (!b->s) return 0;
    size_t i = b->len;
    while (i && b->s[i - 1] != '\n') i--;
    return b->len - i;
}

static void spaces(core_str *b, size_t n) { core_str_printf(b, "%*s", (int)n, ""); }

/* numpy's _extendLine: wrap before word if it would pass width, unless the line holds only its indent. */
static void extend_line(printer *p, const char *word, size_t indent, size_t width) {
    size_t col = column(p->b);
    if (col + strlen(word) > width && col > indent && !p->b->oom) {
        while (p->b->len && p->b->s[p->b->len - 1] == ' ') p->b->len--;
        p->b->s[p->b->len] = 0;
        core_str_printf(p->b, "\n");
        spaces(p->b, indent);
    }
    core_str_printf(p->b, "%s", word);
}

static int64_t axis_stride(const bj_array *a, int axis) { return a->strides[axis] / (int64_t)bj_dtype_size(a->dtype); }

/* The innermost axis: elements separated by ", ", wrapped at the width. */
static void print_row(printer *p, int64_t off, size_t indent, size_t width, int64_t n, bool summ) {
    char word[48];
    size_t elem_width = width - 1; /* room for the "," or "]" that follows */
    int64_t lead = summ ? EDGE_ITEMS : 0, trail = summ ? EDGE_ITEMS : n;
    for (int64_t i = 0; i < lead; i++) {
        fmt_elem(word, sizeof word, p->a, off + i);
        extend_line(p, word, indent, elem_width);
        core_str_printf(p->b, ", ");
    }
    if (summ) {
        extend_line(p, "...", indent, elem_width);
        core_str_printf(p->b, ", ");
    }
    for (int64_t i = n - trail; i < n; i++) {
        fmt_elem(word, sizeof word, p->a, off + i);
        extend_line(p, word, indent, elem_width);
        if (i < n - 1) core_str_printf(p->b, ", ");
    }
}

/* numpy's recurser: the sub-array at `axis` starting at flat element `off`, as "[...]". indent is the column
 * where its entries start (the hanging indent), width the columns left for it. */
static void print_axis(printer *p, int axis, int64_t off, size_t indent, size_t width) {
    const bj_array *a = p->a;
    int left = a->rank - axis;
    int64_t n = a->shape[axis];
    bool summ = p->summary && 2 * EDGE_ITEMS < n;
    core_str_printf(p->b, "[");
    if (left == 1) {
        print_row(p, off, indent, width, n, summ);
    } else {
        int64_t st = axis_stride(a, axis);
        for (int64_t i = 0; i < n; i++) {
            if (summ && i == EDGE_ITEMS) {
                spaces(p->b, indent);
                core_str_printf(p->b, "...,%.*s", left - 1, "\n\n\n\n\n\n\n\n");
                i = n - EDGE_ITEMS;
            }
            if (i) spaces(p->b, indent);
            print_axis(p, axis + 1, off + i * st, indent + 1, width - 1);
            if (i < n - 1) core_str_printf(p->b, ",%.*s", left - 1, "\n\n\n\n\n\n\n\n");
        }
    }
    core_str_printf(p->b, "]");
}

static void shape_repr(core_str *b, const bj_array *a) {
    core_str_printf(b, "(");
    for (int i = 0; i < a->rank; i++) core_str_printf(b, i ? ", %lld" : "%lld", (long long)a->shape[i]);
    core_str_printf(b, a->rank == 1 ? ",)" : ")");
}

static void array_repr(core_str *b, const bj_array *a) {
    static const char prefix[] = "array(";
    core_str_printf(b, "%s", prefix);
    if (a->size == 0) {
        core_str_printf(b, "[]");
        if (a->rank != 1) { /* numpy leaves out the obvious shape (0,) */
            core_str_printf(b, ", shape=");
            shape_repr(b, a);
        }
    } else if (a->rank == 0) {
        char word[48];
        fmt_elem(word, sizeof word, a, 0);
        core_str_printf(b, "%s", word);
    } else {
        printer p = {b, a, a->size > THRESHOLD};
        /* numpy narrows the line by the "," that precedes dtype= */
        print_axis(&p, 0, 0, strlen(prefix) + 1, LINE_WIDTH - 1); /* entries start after "array([" */
    }
    core_str_printf(b, ",");
    char dt[32];
    snprintf(dt, sizeof dt, "dtype=%s)", bj_dtype_name(a->dtype));
    if (column(b) + strlen(dt) + 1 > LINE_WIDTH) {
        core_str_printf(b, "\n");
        spaces(b, strlen(prefix));
    } else {
        core_str_printf(b, " ");
    }
    core_str_printf(b, "%s", dt);
}

/* The repr in a new string, or NULL with the error set. */
static char *repr(const bj_array *a, const char *what) {
    if (core_handle_check(a, CORE_H_ARRAY, what)) return NULL;
    core_str b = {0};
    array_repr(&b, a);
    if (b.oom || !b.s) {
        core_str_free(&b);
        core_err(BJ_ERR_NOMEM, "%s: out of memory", what);
        return NULL;
    }
    return b.s;
}

char *bj_array_to_string(const bj_array *a) { return repr(a, "bj_array_to_string"); }

bj_status bj_array_print(const bj_array *a, FILE *f) {
    if (!f) return core_err(BJ_ERR_ARG, "bj_array_print: FILE is NULL");
    char *s = repr(a, "bj_array_print");
    if (!s) return core_last_status();
    bool ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
    free(s);
    return ok ? BJ_OK : core_err(BJ_ERR_IO, "bj_array_print: writing failed");
}
