/* sx.h — size expressions of the C renderer: polynomials in the symbolic extents (d0, d1, ...) of abstracted axes,
 * with exact equality, so that strides, loop bounds and offsets stay exact when an extent is only known at run time.
 *
 * A static plan's expressions are constants and print as plain integers, exactly as the renderer printed them before
 * symbols existed. A term is coef * d0^e0 * d1^e1 ...; terms are kept sorted by exponents (the constant first) with
 * no zero coefficients, so two equal polynomials have equal representations. Overflow (of a coefficient, of the
 * number of terms) sets `bad`, which the renderer reports. */
#ifndef BJ_CGEN_SX_H
#define BJ_CGEN_SX_H

#include "opt/symbolic.h"

#include <string.h>

#define SX_TERMS 10

typedef struct sx {
    int n;
    bool bad;
    int64_t c[SX_TERMS];
    uint8_t e[SX_TERMS][OPT_SYM_MAX];
} sx;

static inline sx sx_const(int64_t v) {
    sx r;
    memset(&r, 0, sizeof r);
    if (v) r.n = 1, r.c[0] = v;
    return r;
}

static inline sx sx_sym(int s) {
    sx r = sx_const(1);
    r.e[0][s] = 1;
    return r;
}

/* Adds term (c, e) to a, keeping the order and merging equal exponents. */
static inline void sx_term(sx *a, int64_t c, const uint8_t *e) {
    if (!c) return;
    int i = 0, cmp = 1;
    while (i < a->n && (cmp = memcmp(a->e[i], e, OPT_SYM_MAX)) < 0) i++;
    if (i < a->n && cmp == 0) {
        if (__builtin_add_overflow(a->c[i], c, &a->c[i])) a->bad = true;
        if (!a->c[i]) { /* the term cancels */
            memmove(&a->c[i], &a->c[i + 1], sizeof a->c[0] * (size_t)(a->n - i - 1));
            memmove(a->e[i], a->e[i + 1], sizeof a->e[0] * (size_t)(a->n - i - 1));
            a->n--;
            a->c[a->n] = 0, memset(a->e[a->n], 0, sizeof a->e[0]);
        }
        return;
    }
    if (a->n == SX_TERMS) {
        a->bad = true;
        return;
    }
    memmove(&a->c[i + 1], &a->c[i], sizeof a->c[0] * (size_t)(a->n - i));
    memmove(a->e[i + 1], a->e[i], sizeof a->e[0] * (size_t)(a->n - i));
    a->c[i] = c, memcpy(a->e[i], e, sizeof a->e[0]);
    a->n++;
}

static inline sx sx_add(sx a, const sx *b) {
    for (int i = 0; i < b->n; i++) sx_term(&a, b->c[i], b->e[i]);
    a.bad |= b->bad;
    return a;
}

static inline sx sx_mul(const sx *a, const sx *b) {
    sx r = sx_const(0);
    r.bad = a->bad || b->bad;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) {
            int64_t c;
            uint8_t e[OPT_SYM_MAX];
            if (__builtin_mul_overflow(a->c[i], b->c[j], &c)) r.bad = true;
            for (int s = 0; s < OPT_SYM_MAX; s++) {
                unsigned v = (unsigned)a->e[i][s] + b->e[j][s];
                if (v > 200) r.bad = true;
                e[s] = (uint8_t)v;
            }
            sx_term(&r, c, e);
        }
    return r;
}

static inline sx sx_mulc(const sx *a, int64_t k) {
    sx b = sx_const(k);
    return sx_mul(a, &b);
}

static inline bool sx_eq(const sx *a, const sx *b) {
    if (a->n != b->n) return false;
    for (int i = 0; i < a->n; i++)
        if (a->c[i] != b->c[i] || memcmp(a->e[i], b->e[i], OPT_SYM_MAX)) return false;
    return true;
}

static inline bool sx_is_zero(const sx *a) { return a->n == 0; }

/* Whether a is a constant; *v receives it. */
static inline bool sx_is_const(const sx *a, int64_t *v) {
    for (int s = 0; a->n == 1 && s < OPT_SYM_MAX; s++)
        if (a->e[0][s]) return false;
    if (a->n > 1) return false;
    if (v) *v = a->n ? a->c[0] : 0;
    return true;
}

static inline bool sx_is_one(const sx *a) {
    int64_t v;
    return sx_is_const(a, &v) && v == 1;
}

/* Appends a's C text: "12", "d0", "3 * d0 * d1", "d0 + 5" (paren: parenthesised when it has several terms). */
static inline void sx_print(core_str *out, const sx *a, bool paren) {
    if (a->n == 0) {
        core_str_printf(out, "0");
        return;
    }
    if (paren && a->n > 1) core_str_printf(out, "(");
    for (int i = 0; i < a->n; i++) {
        bool any = false;
        for (int s = 0; s < OPT_SYM_MAX; s++) any |= a->e[i][s] != 0;
        if (i) core_str_printf(out, " + ");
        if (!any) {
            core_str_printf(out, "%lld", (long long)a->c[i]);
            continue;
        }
        if (a->c[i] == -1) core_str_printf(out, "-");
        else if (a->c[i] != 1) core_str_printf(out, "%lld * ", (long long)a->c[i]);
        bool first = true;
        for (int s = 0; s < OPT_SYM_MAX; s++)
            for (int k = 0; k < a->e[i][s]; k++) core_str_printf(out, "%sd%d", first ? "" : " * ", s), first = false;
    }
    if (paren && a->n > 1) core_str_printf(out, ")");
}

/* The extent `v` of a plan's value: a constant, or d<s> when v is symbol s's stand-in. */
static inline sx sx_ext(const opt_plan *p, int64_t v) {
    int s = p->nsym ? opt_plan_sym_of(p, v) : -1;
    return s >= 0 ? sx_sym(s) : sx_const(v);
}

/* The product of extents shape[from .. to-1]. */
static inline sx sx_prod(const opt_plan *p, const int64_t *shape, int from, int to) {
    sx r = sx_const(1);
    for (int k = from; k < to; k++) {
        sx e = sx_ext(p, shape[k]);
        r = sx_mul(&r, &e);
    }
    return r;
}
#endif
