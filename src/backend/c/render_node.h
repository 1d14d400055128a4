/* render_node.h — text helpers shared by the renderers of NODE kernels (render_node.c, render_matmul.c): index
 * sums, pointer offsets, buffer names, the op table's arithmetic, declarations. */
#ifndef BJ_RENDER_NODE_H
#define BJ_RENDER_NODE_H

#include "backend/c/cgen.h"

#include <stdio.h>
#include <string.h>

#define LL(v) ((long long)(v))

static inline int64_t prod(const int64_t *s, int from, int to) {
    int64_t p = 1;
    for (int k = from; k < to; k++) p *= s[k];
    return p;
}

static inline void cstrides(const ir_node *n, int64_t *st) {
    int64_t s = 1;
    for (int k = n->rank - 1; k >= 0; k--) st[k] = s, s *= n->shape[k];
}

static inline bool int_dtype(bj_dtype d) { return !ir_is_float(d); } /* bool and ints: exact as int64 */

static inline int64_t bad(cgen *c, const ir_node *n, const char *why) {
    cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %%%d %s: %s", n->id, ir_ops[n->op].name, why);
    return 1;
}

/* ---------------------------------------------------------------- text helpers */
typedef struct ix {
    char s[512];
} ix;

/* Appends "var * coef" to a sum (nothing for coef 0; a constant when var is NULL). */
static inline void ix_add(ix *e, const char *var, int64_t coef) {
    if (!coef) return;
    size_t n = strlen(e->s);
    const char *sep = n ? " + " : "";
    if (!var) snprintf(e->s + n, sizeof e->s - n, "%s%lld", sep, LL(coef));
    else if (coef == 1 && var[0] == '(') /* a parenthesised term needs no parentheses in a sum */
        snprintf(e->s + n, sizeof e->s - n, "%s%.*s", sep, (int)strlen(var) - 2, var + 1);
    else if (coef == 1) snprintf(e->s + n, sizeof e->s - n, "%s%s", sep, var);
    else snprintf(e->s + n, sizeof e->s - n, "%s%s * %lld", sep, var, LL(coef));
}
static inline const char *ix_text(const ix *e) { return e->s[0] ? e->s : "0"; }

/* "p + offset", or "p" for offset 0. */
typedef struct ptr {
    char s[560];
} ptr;
static inline ptr at(const char *p, const ix *off) {
    ptr r;
    if (off->s[0]) snprintf(r.s, sizeof r.s, "%s + %s", p, off->s);
    else snprintf(r.s, sizeof r.s, "%s", p);
    return r;
}

typedef struct nm {
    char s[24];
} nm;
static inline nm buf_name(const cgen *c, const ir_node *n) {
    nm r;
    cgen_buf_name(c, n, r.s, sizeof r.s);
    return r;
}

/* The C expression of binary op `op` on x and y in dtype d, from the op table (so it matches the elementwise ops). */
static inline bool arith(cgen *c, char *buf, size_t cap, ir_op op, bj_dtype d, const char *x, const char *y) {
    core_str s = {0};
    const char *a[2] = {x, y};
    bool ok = cgen_expr(&s, op, d, d, a, 2) && !s.oom && s.s && s.len < cap;
    if (ok) memcpy(buf, s.s, s.len + 1);
    core_str_free(&s);
    if (!ok) cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %s has no C form for %s", ir_ops[op].name, bj_dtype_name(d));
    return ok;
}

/* A result with no elements: nothing to compute. */
static inline int64_t empty(cgen *c) {
    cgen_line(c, "(void)b, (void)lo, (void)hi; /* no elements */");
    return 1;
}

/* Opens the loop over part [lo, hi) of a flat range of outer x lanes units, in runs of one outer index. Inside, `o`
 * is the outer index (defined when outer > 1) and [v0, v1) the run's lanes (defined when lanes > 1). */
static inline void open_runs(cgen *c, int64_t outer, int64_t lanes) {
    if (lanes == 1) {
        cgen_line(c, "for (int64_t o = lo; o < hi; o++) {");
    } else if (outer == 1) {
        cgen_line(c, "{");
        cgen_line(c, "    const int64_t v0 = lo, v1 = hi;");
    } else {
        long long l = LL(lanes);
        cgen_line(c, "for (int64_t r = lo; r < hi;) { /* runs of one outer index o, lanes [v0, v1) */");
        cgen_line(c, "    const int64_t o = r / %lld, v0 = r - o * %lld, v1 = hi - o * %lld < %lld ? hi - o * %lld : %lld;",
                  l, l, l, l, l, l);
    }
    c->indent++;
}
static inline void close_runs(cgen *c, int64_t outer, int64_t lanes) {
    if (outer > 1 && lanes > 1) cgen_line(c, "r = o * %lld + v1;", LL(lanes));
    c->indent--;
    cgen_line(c, "}");
}

/* Declares the buffer of every distinct operand that `use` marks (NULL: all), then the result's. */
static inline void declare(cgen *c, const ir_node *n, const bool *use) {
    for (int i = 0; i < n->nin; i++)
        if (!use || use[i]) cgen_declare_buf(c, n->in[i], false);
    cgen_declare_buf(c, n, true);
}

/* The axis attribute of take/scatter/concatenate/scans, checked against rank. */
static inline int axis_of(const ir_node *n, int rank) {
    return n->nattr == 1 && n->attr[0] >= 0 && n->attr[0] < rank ? (int)n->attr[0] : -1;
}

/* render_matmul.c: a matmul kernel (see its design note). */
BJ_HIDDEN int64_t cgen_matmul(cgen *c, const ir_node *n);
/* render_sparse.c: csrmv, event_csrmv and the jitconn_* ops (a literal weight operand has no buffer). */
BJ_HIDDEN int64_t cgen_sparse(cgen *c, const ir_node *n);
/* render_sort.c: sort and argsort (lines along the axis through the prelude's bj_sort_line_*). */
BJ_HIDDEN int64_t cgen_sort(cgen *c, const ir_node *n);
BJ_HIDDEN int64_t cgen_nonzero(cgen *c, const ir_node *n);
#endif
