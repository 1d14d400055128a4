/* render.c — the renderer core: a plan's kernels as C functions, loops and elementwise expressions, and the entry
 * point that runs them in order (large ones split over threads).
 *
 * Design note. Inside a kernel every value is addressed by an affine map from the loop's coordinates to the value's
 * own coordinates, one loop axis (or none) per value axis: broadcasting, transpose, slice and flip are changes of
 * that map, so a chain of views over a buffer becomes one load `b3[base + i0 * s0 + i1 * s1]` and costs nothing
 * (a reshape reads its operand's buffer with its own shape's strides, hence the fusion rule that its operand be a
 * buffer). Rendering a kernel is three passes over its nodes: the first resolves every operand to a load, a
 * literal, an iota coordinate or a value computed earlier in the loop, and collects the loads; the second merges
 * adjacent loop axes along which every load is contiguous (so a LIF update over [N] or a [4,5] + [4,5] add is one
 * flat loop that vectorizes); the third prints. Loops are branch-free: the op table's templates are selects and
 * helpers of prelude.h. Every kernel takes a range [lo, hi) of its outermost loop, so the entry point can hand
 * parts to threads; results never depend on the split.
 *
 * Abstracted axes: a symbolic plan's graph carries stand-in extents (opt/symbolic.c), so strides, offsets, loop
 * bounds and counts are size expressions (sx.h: polynomials in d0 = dims[0], ...) rather than integers; merging
 * compares them exactly, and a static plan's expressions are constants printed as before. */
#include "backend/c/cgen.h"
#include "core/scalar.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const cgen_dialect cgen_c = {"c", "restrict", "static void"};

/* ---------------------------------------------------------------- output helpers */
bj_status cgen_fail(cgen *c, bj_status s, const char *fmt, ...) {
    if (c->status) return c->status;
    va_list ap;
    va_start(ap, fmt);
    core_verr(s, fmt, ap);
    va_end(ap);
    return c->status = s;
}

void cgen_line(cgen *c, const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof buf) {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            cgen_fail(c, BJ_ERR_NOMEM, "rendering C: out of memory");
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        core_str_printf(c->s, "%*s%s\n", c->indent * 4, "", big);
        free(big);
        return;
    }
    core_str_printf(c->s, "%*s%s\n", c->indent * 4, "", buf);
}

/* A value's name for comments: letters, digits, '_', '.', '-' only (names come from users; a comment must not be
 * closable from outside). */
static void safe_name(char *buf, size_t cap, const char *name) {
    size_t j = 0;
    for (const char *s = name ? name : ""; *s && j + 1 < cap && j < 32; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
            *s == '.' || *s == '-')
            buf[j++] = *s;
    buf[j] = 0;
}

const char *cgen_fmt_type(const cgen *c, char *buf, size_t cap, bj_dtype d, int rank, const int64_t *shape) {
    if (!c->p->nsym) return core_fmt_type(buf, cap, d, rank, shape);
    size_t k = (size_t)snprintf(buf, cap, "%s[", core_dtype_short(d));
    for (int i = 0; i < rank && k < cap; i++) {
        int s = opt_plan_sym_of(c->p, shape[i]);
        if (s >= 0) k += (size_t)snprintf(buf + k, cap - k, "%sd%d", i ? "," : "", s);
        else k += (size_t)snprintf(buf + k, cap - k, i ? ",%lld" : "%lld", (long long)shape[i]);
    }
    if (k < cap) snprintf(buf + k, cap - k, "]");
    return buf;
}

void cgen_sx(char *buf, size_t cap, const sx *e) {
    core_str t = {0};
    sx_print(&t, e, false);
    snprintf(buf, cap, "%s", t.s && !t.oom ? t.s : "0");
    core_str_free(&t);
}

/* Text of e for a loop bound or an extent; a failure if e overflowed or its text does not fit. */
static const char *sx_text(cgen *c, char *buf, size_t cap, const sx *e) {
    cgen_sx(buf, cap, e);
    if (e->bad || strlen(buf) + 1 >= cap) cgen_fail(c, BJ_ERR_UNSUPPORTED, "rendering C: a size expression is too large");
    return buf;
}

/* A value with no buffer of its own that a NODE kernel reads in place: a contiguous view of a buffer (fuse.c). */
static const ir_node *flat_base(const cgen *c, const ir_node *n, int64_t *off) {
    const ir_node *b = c->p->buf_of[n->id] < 0 ? opt_flat_view(n, off) : NULL;
    return b && c->p->buf_of[b->id] >= 0 ? b : NULL;
}

bool cgen_has_buf(const cgen *c, const ir_node *n) {
    int64_t off;
    return c->p->buf_of[n->id] >= 0 || flat_base(c, n, &off);
}

void cgen_buf_name(const cgen *c, const ir_node *n, char *buf, size_t cap) {
    int64_t off = 0;
    const ir_node *b = flat_base(c, n, &off);
    if (b && off) snprintf(buf, cap, "(b%d + %lld)", c->p->buf_of[b->id], (long long)off);
    else snprintf(buf, cap, "b%d", c->p->buf_of[(b ? b : n)->id]);
}

void cgen_declare_buf(cgen *c, const ir_node *n, bool writes) {
    int64_t off;
    const ir_node *base = writes ? NULL : flat_base(c, n, &off);
    if (base) n = base; /* read in place */
    int bi = c->p->buf_of[n->id];
    if (bi < 0) {
        cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %%%d has no buffer", n->id);
        return;
    }
    if (c->declared[bi]) return;
    c->declared[bi] = 1;
    const opt_buf *b = &c->p->bufs[bi];
    char what[112], ty[96];
    static const char *const kinds[] = {"input", "output", "constant", "temporary"};
    bool in_place = b->kind == OPT_BUF_INPUT && writes; /* an aliased output written into its input (memplan.c) */
    if (b->kind == OPT_BUF_INPUT || b->kind == OPT_BUF_OUTPUT) {
        char nm[40];
        safe_name(nm, sizeof nm, b->kind == OPT_BUF_INPUT ? n->name : NULL);
        int o = 0;
        while (in_place && o < c->p->g->nout - 1 && c->p->buf_of[c->p->g->outputs[o]->id] != bi) o++;
        int len = snprintf(what, sizeof what, "%s %d%s%s", kinds[b->kind], b->index, nm[0] ? " " : "", nm);
        if (in_place && len > 0 && (size_t)len < sizeof what)
            snprintf(what + len, sizeof what - (size_t)len, ", updated in place as output %d", o);
    } else {
        snprintf(what, sizeof what, "%s", kinds[b->kind]);
    }
    cgen_fmt_type(c, ty, sizeof ty, (bj_dtype)n->dtype, n->rank, n->shape);
    /* bools are read as bytes (gcc vectorizes conversions from uint8_t, not from _Bool) and written as bool (the
     * stores of 0/1 values then pack better: a LIF step with a spike output ran 15% faster) */
    const char *t = n->dtype == BJ_BOOL && writes && !in_place ? "bool" : cgen_ctype((bj_dtype)n->dtype);
    cgen_line(c, "%s%s *%s b%d = (%s%s *)b[%d]; /* %s %s */", writes ? "" : "const ", t, c->d->restrict_kw, bi,
              writes ? "" : "const ", t, bi, what, ty);
}

/* ---------------------------------------------------------------- affine maps */
typedef struct amap {
    int rank;                 /* the value's rank */
    int ax[BJ_MAX_RANK];      /* loop axis feeding value axis j, or -1 */
    int64_t mul[BJ_MAX_RANK]; /* coordinate j = off[j] + mul[j] * i[ax[j]] */
    int64_t off[BJ_MAX_RANK];
} amap;

static amap identity(int rank) {
    amap m = {.rank = rank};
    for (int j = 0; j < rank; j++) m.ax[j] = j, m.mul[j] = 1;
    return m;
}

/* The map of operand x read by a consumer of rank rc with map m (NumPy broadcasting, right-aligned). */
static amap bcast(const amap *m, const ir_node *x) {
    amap r = {.rank = x->rank};
    for (int j = 0; j < x->rank; j++) {
        int k = j + m->rank - x->rank;
        if (x->shape[j] == 1 || k < 0) r.ax[j] = -1, r.mul[j] = 0, r.off[j] = 0;
        else r.ax[j] = m->ax[k], r.mul[j] = m->mul[k], r.off[j] = m->off[k];
    }
    return r;
}

/* The map of view v's operand, given the map of v. */
static amap through(const amap *m, const ir_node *v) {
    const ir_node *x = v->in[0];
    amap r = {.rank = x->rank};
    switch ((ir_op)v->op) {
    case IR_BROADCAST_TO: return bcast(m, x);
    case IR_TRANSPOSE:
        for (int k = 0; k < v->rank; k++) {
            int j = (int)v->attr[k];
            r.ax[j] = m->ax[k], r.mul[j] = m->mul[k], r.off[j] = m->off[k];
        }
        return r;
    case IR_SLICE:
        for (int j = 0; j < v->rank; j++) {
            int64_t start = v->attr[2 * j], step = v->attr[2 * j + 1];
            r.ax[j] = m->ax[j], r.mul[j] = step * m->mul[j], r.off[j] = start + step * m->off[j];
        }
        return r;
    case IR_FLIP:
        r = *m;
        for (int i = 0; i < v->nattr; i++) {
            int j = (int)v->attr[i];
            r.mul[j] = -m->mul[j], r.off[j] = (x->shape[j] - 1) - m->off[j];
        }
        return r;
    default: return r;
    }
}

/* ---------------------------------------------------------------- kernel context */
typedef struct access {
    int buf;
    bj_dtype dt;
    sx base;
    sx st[BJ_MAX_RANK]; /* per loop axis, in elements */
} access;

typedef struct kctx {
    cgen *c;
    const opt_kernel *k;
    int rank;                 /* loop axes (before merging) */
    const int64_t *shape;
    access *acc;
    int nacc, cap;
    bool iota_axis[BJ_MAX_RANK];
    /* after merging: loop g covers axes [first[g], last[g]] */
    int ng, first[BJ_MAX_RANK], last[BJ_MAX_RANK];
    sx gsize[BJ_MAX_RANK];
    const char *var[BJ_MAX_RANK]; /* index variable per loop axis (REDUCE: one per axis) */
    bool needs_z;                 /* an integer -> float cast of a computed value (see bj_cast_zero) */
    unsigned char *in_kernel;     /* by node id - id0, for ids id0 .. id0 + nids - 1 (the kernel's range);
                                     bit 2: a bool converted to a number by a cast in this kernel */
    int id0, nids;
    bool bool_locals; /* LOOP kernels: bool values that are only tested are C bools (see cgen_loop) */
} kctx;

static bool same_access(const access *a, const access *b) {
    if (a->buf != b->buf || a->dt != b->dt || !sx_eq(&a->base, &b->base)) return false;
    for (int k = 0; k < BJ_MAX_RANK; k++)
        if (!sx_eq(&a->st[k], &b->st[k])) return false;
    return true;
}

static int add_access(kctx *x, int buf, bj_dtype dt, int rank, const int64_t *shape, const amap *m) {
    access a;
    memset(&a, 0, sizeof a); /* every size expression 0 */
    a.buf = buf, a.dt = dt;
    sx cst[BJ_MAX_RANK], s = sx_const(1);
    for (int j = rank - 1; j >= 0; j--) {
        sx e = sx_ext(x->c->p, shape[j]);
        cst[j] = s, s = sx_mul(&s, &e);
    }
    for (int j = 0; j < rank; j++) {
        sx t = sx_mulc(&cst[j], m->off[j]);
        a.base = sx_add(a.base, &t);
        if (m->ax[j] >= 0) t = sx_mulc(&cst[j], m->mul[j]), a.st[m->ax[j]] = sx_add(a.st[m->ax[j]], &t);
    }
    bool bad = a.base.bad;
    for (int k = 0; k < BJ_MAX_RANK; k++) bad |= a.st[k].bad;
    if (bad) return cgen_fail(x->c, BJ_ERR_UNSUPPORTED, "rendering C: an index expression is too large"), 0;
    for (int i = 0; i < x->nacc; i++)
        if (same_access(&x->acc[i], &a)) return i;
    if (x->nacc == x->cap) {
        int nc = x->cap ? x->cap * 2 : 16;
        access *na = realloc(x->acc, sizeof *na * (size_t)nc);
        if (!na) return cgen_fail(x->c, BJ_ERR_NOMEM, "rendering C: out of memory"), 0;
        x->acc = na, x->cap = nc;
    }
    x->acc[x->nacc] = a;
    return x->nacc++;
}

/* Whether n is computed in this kernel. */
static bool in_kernel(const kctx *x, const ir_node *n) {
    return n->id >= x->id0 && n->id - x->id0 < x->nids && x->in_kernel[n->id - x->id0];
}

static bool has_buffer(const kctx *x, const ir_node *n) { return x->c->p->buf_of[n->id] >= 0 && !in_kernel(x, n); }

/* The offset expression of an access (or of the identity store when a == NULL: the loop's C-order position). */
static void offset_text(const kctx *x, const access *a, core_str *out) {
    sx st[BJ_MAX_RANK], s = sx_const(1);
    for (int k = x->rank - 1; k >= 0; k--) {
        sx e = sx_ext(x->c->p, x->shape[k]);
        st[k] = a ? a->st[k] : s, s = sx_mul(&s, &e);
    }
    bool any = false;
    if (a && !sx_is_zero(&a->base)) sx_print(out, &a->base, false), any = true;
    for (int g = 0; g < x->ng; g++) {
        const sx *sg = &st[x->last[g]];
        if (sx_is_zero(sg)) continue;
        const char *v = x->var[g];
        if (any) core_str_printf(out, " + ");
        if (sx_is_one(sg)) {
            core_str_printf(out, "%s", v);
        } else {
            core_str_printf(out, "%s * ", v);
            sx_print(out, sg, true);
        }
        any = true;
    }
    if (!any) core_str_printf(out, "0");
}

static void literal_of(const ir_node *n, char *buf, size_t cap) {
    bj_dtype d = (bj_dtype)n->dtype;
    if (n->op == IR_LIT && !ir_is_float(d)) {
        int64_t v = n->ival;
        if (d == BJ_BOOL) v = v != 0;
        else if (d == BJ_I32) v = core_wrap_i32(v);
        else if (d == BJ_U32) v = (int64_t)(uint32_t)(uint64_t)v;
        cgen_literal(buf, cap, d, 0, v);
        return;
    }
    /* full (and float literals): the value as the interpreter stores it in the dtype */
    unsigned char cell[8] = {0};
    core_store_f64(d, cell, 0, n->fval);
    double f = core_load_f64(d, cell, 0);
    int64_t i = 0;
    if (d == BJ_I64) memcpy(&i, cell, 8);
    else if (!ir_is_float(d)) i = (int64_t)f;
    cgen_literal(buf, cap, d, f, i);
}

/* Resolves value n read at map m. With out == NULL only collects loads; else appends the expression. `self`:
 * n is computed in this kernel and we want how to compute it (views and leaves stored here), not its name. A chain
 * of views is followed in a loop (each step reads one operand at a changed map), so its length costs no stack. */
static void resolve(kctx *x, const ir_node *n, const amap *m0, core_str *out, bool self) {
    amap m = *m0;
    for (;; self = false) {
        if (x->c->status) return;
        if (!self && in_kernel(x, n)) {
            if (out) core_str_printf(out, "v%d", n->id);
            return;
        }
        if (!self && has_buffer(x, n)) {
            int a = add_access(x, x->c->p->buf_of[n->id], (bj_dtype)n->dtype, n->rank, n->shape, &m);
            if (out) core_str_printf(out, "l%d", a);
            return;
        }
        char lit[64];
        switch ((ir_op)n->op) {
        case IR_LIT: case IR_FULL:
            if (out) literal_of(n, lit, sizeof lit), core_str_printf(out, "%s", lit);
            return;
        case IR_IOTA: {
            int j = (int)n->attr[0], ax = m.ax[j];
            if (ax >= 0 && x->shape[ax] > 1) x->iota_axis[ax] = true;
            if (!out) return;
            core_str term = {0};
            if (ax >= 0 && m.mul[j] && x->shape[ax] > 1) {
                int g = 0;
                while (g < x->ng && x->last[g] < ax) g++;
                if (m.mul[j] == 1) core_str_printf(&term, "%s", x->var[g]);
                else core_str_printf(&term, "%lld * %s", (long long)m.mul[j], x->var[g]);
            }
            const char *ty = cgen_ctype((bj_dtype)n->dtype), *nz = n->dtype == BJ_BOOL ? " != 0" : "";
            if (!term.s) core_str_printf(out, "((%s)(%lld%s)", ty, (long long)m.off[j], nz);
            else if (!m.off[j]) core_str_printf(out, "((%s)(%s%s)", ty, term.s, nz);
            else core_str_printf(out, "((%s)(%lld + %s%s)", ty, (long long)m.off[j], term.s, nz);
            core_str_free(&term);
            core_str_printf(out, ")");
            return;
        }
        case IR_RESHAPE: {
            const ir_node *o = n->in[0];
            if (o->op == IR_LIT || o->op == IR_FULL) {
                n = o;
                continue;
            }
            if (has_buffer(x, o)) { /* the operand's buffer read with the reshape's shape */
                int a = add_access(x, x->c->p->buf_of[o->id], (bj_dtype)o->dtype, n->rank, n->shape, &m);
                if (out) core_str_printf(out, "l%d", a);
                return;
            }
            if (!opt_is_squeeze(n)) {
                cgen_fail(x->c, BJ_ERR_INTERNAL, "rendering C: reshape %%%d of a value without a buffer", n->id);
                return;
            }
            amap mo = {.rank = o->rank}; /* size-1 axes added or removed: the operand's axes in order */
            for (int j = 0, k = 0; j < o->rank; j++) {
                if (o->shape[j] == 1) {
                    mo.ax[j] = -1, mo.mul[j] = 0, mo.off[j] = 0;
                    continue;
                }
                while (k < n->rank && n->shape[k] == 1) k++;
                if (k < n->rank) mo.ax[j] = m.ax[k], mo.mul[j] = m.mul[k], mo.off[j] = m.off[k];
                else mo.ax[j] = -1, mo.mul[j] = 0, mo.off[j] = 0;
                k++;
            }
            n = o, m = mo;
            continue;
        }
        case IR_BROADCAST_TO: case IR_TRANSPOSE: case IR_SLICE: case IR_FLIP:
            m = through(&m, n);
            n = n->in[0];
            continue;
        default:
            cgen_fail(x->c, BJ_ERR_INTERNAL, "rendering C: %%%d %s is read in kernel %d but computed elsewhere without "
                      "a buffer", n->id, ir_ops[n->op].name, x->c->kernel);
            return;
        }
    }
}

/* RANDOM: its operands read as an elementwise op's are, and its flat C-order index, which is the loop's store
 * offset (every node of a LOOP or REDUCE kernel has the kernel's iteration shape). */
static void random_expr(kctx *x, const ir_node *n, core_str *out) {
    amap id = identity(n->rank);
    core_str ops[3] = {0}, idx = {0};
    const char *a[3] = {"", "", ""};
    for (int i = 0; i < n->nin && i < 3; i++) {
        amap mi = bcast(&id, n->in[i]);
        resolve(x, n->in[i], &mi, out ? &ops[i] : NULL, false);
        if (out) a[i] = ops[i].s ? ops[i].s : "";
    }
    if (out) {
        offset_text(x, NULL, &idx);
        if (n->nattr != 1 || !cgen_random_expr(out, (int)n->attr[0], (bj_dtype)n->dtype, a, n->nin, idx.s ? idx.s : "0"))
            cgen_fail(x->c, BJ_ERR_INTERNAL, "rendering C: random %%%d has no C form for %s", n->id,
                      bj_dtype_name((bj_dtype)n->dtype));
    }
    for (int i = 0; i < 3; i++) core_str_free(&ops[i]);
    core_str_free(&idx);
}

/* The expression computing node n of the kernel (elementwise, or a view/leaf stored here). */
static void node_expr(kctx *x, const ir_node *n, core_str *out) {
    amap id = identity(n->rank);
    ir_kind kind = ir_ops[n->op].kind;
    if (kind == IR_K_RANDOM) {
        random_expr(x, n, out);
        return;
    }
    if (kind != IR_K_UNARY && kind != IR_K_BINARY && kind != IR_K_TERNARY) {
        resolve(x, n, &id, out, true);
        return;
    }
    core_str ops[3] = {0};
    const char *a[3] = {"", "", ""};
    for (int i = 0; i < n->nin && i < 3; i++) {
        amap mi = bcast(&id, n->in[i]);
        resolve(x, n->in[i], &mi, out ? &ops[i] : NULL, false);
        if (out) a[i] = ops[i].s ? ops[i].s : "";
    }
    ir_op op = (ir_op)n->op;
    const ir_node *src = n->in[0];
    bool hide = op == IR_CAST && ir_is_float((bj_dtype)n->dtype) && !ir_is_float((bj_dtype)src->dtype) &&
                src->dtype != BJ_BOOL && in_kernel(x, src);
    if (hide && !out) x->needs_z = true;
    if (hide && out) {
        core_str_printf(out, "((%s)(%s ^ (%s)bj_z))", cgen_ctype((bj_dtype)n->dtype), a[0],
                        cgen_ctype((bj_dtype)src->dtype));
    } else if (out) {
        bj_dtype ad = (bj_dtype)n->in[op == IR_WHERE ? 1 : 0]->dtype;
        if (x->c->wrong_result && op == IR_ADD && ir_is_float(ad)) op = IR_SUB; /* test fault */
        if (!cgen_expr(out, op, (bj_dtype)n->dtype, ad, a, n->nin))
            cgen_fail(x->c, BJ_ERR_INTERNAL, "rendering C: %s has no C form for %s", ir_ops[n->op].name,
                      bj_dtype_name(ad));
    }
    for (int i = 0; i < 3; i++) core_str_free(&ops[i]);
}

static void collect(kctx *x) {
    for (int i = 0; i < x->k->nnodes; i++) {
        const ir_node *n = x->k->nodes[i];
        if (ir_ops[n->op].kind == IR_K_REDUCE) {
            amap id = identity(n->in[0]->rank);
            resolve(x, n->in[0], &id, NULL, false);
        } else {
            node_expr(x, n, NULL);
        }
    }
}

/* Merges adjacent loop axes along which every load (and the C-order store) is contiguous; size-1 axes vanish. */
static void merge_axes(kctx *x, bool allow) {
    x->ng = 0;
    for (int k = 0; k < x->rank; k++) {
        if (x->shape[k] == 1 && x->rank > 0) continue;
        bool join = allow && x->ng > 0 && !x->iota_axis[k] && !x->iota_axis[x->last[x->ng - 1]];
        int p = join ? x->last[x->ng - 1] : -1;
        sx e = sx_ext(x->c->p, x->shape[k]);
        for (int a = 0; join && a < x->nacc; a++) {
            sx t = sx_mul(&x->acc[a].st[k], &e);
            join = sx_eq(&x->acc[a].st[p], &t);
        }
        if (join) {
            x->last[x->ng - 1] = k;
            x->gsize[x->ng - 1] = sx_mul(&x->gsize[x->ng - 1], &e);
        } else {
            x->first[x->ng] = x->last[x->ng] = k;
            x->gsize[x->ng++] = e;
        }
    }
}

/* An access that reads one element for the whole loop nest (a scalar, or an operand broadcast along every axis). */
static bool access_invariant(const kctx *x, const access *a) {
    for (int g = 0; g < x->ng; g++)
        if (!sx_is_zero(&a->st[x->last[g]])) return false;
    return true;
}

/* which: 0 every load, 1 the loop-invariant ones, 2 the others. */
static void emit_loads(kctx *x, int which) {
    if (x->needs_z && which != 2) cgen_line(x->c, "const int64_t bj_z = bj_cast_zero;");
    for (int a = 0; a < x->nacc && !x->c->status; a++) {
        if (which && access_invariant(x, &x->acc[a]) != (which == 1)) continue;
        core_str off = {0};
        offset_text(x, &x->acc[a], &off);
        cgen_line(x->c, "const %s l%d = b%d[%s];", cgen_ctype(x->acc[a].dt), a, x->acc[a].buf, off.s ? off.s : "0");
        core_str_free(&off);
    }
}

static void emit_node(kctx *x, const ir_node *n) {
    core_str e = {0};
    node_expr(x, n, &e);
    const char *t = cgen_ctype((bj_dtype)n->dtype);
    if (n->dtype == BJ_BOOL && x->bool_locals && !(x->in_kernel[n->id - x->id0] & 2)) t = "bool";
    cgen_line(x->c, "const %s v%d = %s; /* %s */", t, n->id, e.s ? e.s : "0", ir_ops[n->op].name);
    core_str_free(&e);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Declares the buffers the kernel reads and writes, in buffer order. Linear in what the kernel touches, not in the
 * plan's buffers (a plan of 100,000 kernels spent most of its rendering here). */
static void declare_bufs(kctx *x) {
    const opt_plan *p = x->c->p;
    unsigned char *used = x->c->declared; /* 1: read, 2: written */
    int m = 0, *bs = malloc(sizeof *bs * (size_t)(x->nacc + x->k->nstores + 1));
    if (!bs) {
        cgen_fail(x->c, BJ_ERR_NOMEM, "rendering C: out of memory");
        return;
    }
    for (int a = 0; a < x->nacc; a++) bs[m++] = x->acc[a].buf;
    for (int i = 0; i < x->k->nstores; i++) bs[m++] = p->buf_of[x->k->stores[i]->id];
    for (int i = 0; i < m; i++) used[bs[i]] = 0;
    for (int a = 0; a < x->nacc; a++) used[x->acc[a].buf] = 1;
    for (int i = 0; i < x->k->nstores; i++) used[p->buf_of[x->k->stores[i]->id]] = 2;
    qsort(bs, (size_t)m, sizeof *bs, cmp_int);
    for (int i = 0; i < m; i++) {
        int b = bs[i], u = used[b];
        if (i && bs[i - 1] == b) continue;
        used[b] = 0;
        if (u) cgen_declare_buf(x->c, p->bufs[b].node, u == 2);
    }
    free(bs);
}

static bool kctx_init(kctx *x, cgen *c, const opt_kernel *k) {
    memset(x, 0, sizeof *x);
    x->c = c, x->k = k, x->rank = k->rank, x->shape = k->shape;
    int hi = 0; /* flags over the kernel's id range only: a plan of many kernels renders in linear time */
    x->id0 = k->nnodes ? k->nodes[0]->id : 0;
    for (int i = 0; i < k->nnodes; i++) {
        if (k->nodes[i]->id < x->id0) x->id0 = k->nodes[i]->id;
        if (k->nodes[i]->id > hi) hi = k->nodes[i]->id;
    }
    x->nids = k->nnodes ? hi - x->id0 + 1 : 0;
    x->in_kernel = calloc((size_t)x->nids + 1, 1);
    if (!x->in_kernel) return cgen_fail(c, BJ_ERR_NOMEM, "rendering C: out of memory"), false;
    for (int i = 0; i < k->nnodes; i++) x->in_kernel[k->nodes[i]->id - x->id0] = 1;
    return true;
}

static void kctx_free(kctx *x) {
    free(x->acc);
    free(x->in_kernel);
}

static const char *const loopvar[BJ_MAX_RANK] = {"i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"};

/* ---------------------------------------------------------------- LOOP kernels */
int64_t cgen_loop(cgen *c, const opt_kernel *k) {
    kctx x;
    char gs[512];
    if (!kctx_init(&x, c, k)) return 1;
    collect(&x);
    merge_axes(&x, true);
    for (int g = 0; g < x.ng; g++) x.var[g] = loopvar[g];
    /* A computed bool is a byte (uint8_t) where a cast turns it into a number (gcc vectorizes conversions from
     * bytes, not from _Bool), and a C bool where it is only tested, stored or combined: gcc if-converts selects on
     * a _Bool into masked blends, but gave up on COBA's neuron kernel (two selects and a stored spike on uint8_t
     * comparisons: scalar code, 8x slower). */
    x.bool_locals = true;
    for (int i = 0; i < k->nnodes; i++) {
        const ir_node *n = k->nodes[i];
        if (n->op == IR_CAST && n->in[0]->dtype == BJ_BOOL && n->in[0]->id >= x.id0 &&
            n->in[0]->id < x.id0 + x.nids && x.in_kernel[n->in[0]->id - x.id0])
            x.in_kernel[n->in[0]->id - x.id0] |= 2;
    }
    declare_bufs(&x);
    int64_t extent = 1;
    if (x.ng && !sx_is_const(&x.gsize[0], &extent)) c->ext = x.gsize[0], c->ext_set = true;
    if (!x.ng) cgen_line(c, "(void)lo, (void)hi;");
    /* A value read once for the whole loop is loaded before it: inside, after the kernels are inlined into the
     * entry, the compiler cannot prove the load invariant (the temporaries share one block of memory) and gives up
     * vectorizing the loop (COBA's neuron kernel reading the step's time: 8x slower). One loop only, where
     * lo < hi says the operand is not empty. */
    bool hoist = false;
    for (int a = 0; x.ng == 1 && a < x.nacc && !hoist; a++) hoist = access_invariant(&x, &x.acc[a]);
    if (hoist) {
        cgen_line(c, "if (lo >= hi) return;");
        emit_loads(&x, 1);
    }
    for (int g = 0; g < x.ng; g++) {
        if (g == x.ng - 1) cgen_line(c, "BJ_IVDEP");
        if (g == 0) cgen_line(c, "for (int64_t i0 = lo; i0 < hi; i0++) {");
        else cgen_line(c, "for (int64_t %s = 0; %s < %s; %s++) {", x.var[g], x.var[g],
                       sx_text(c, gs, sizeof gs, &x.gsize[g]), x.var[g]);
        c->indent++;
    }
    emit_loads(&x, hoist ? 2 : 0);
    for (int i = 0; i < k->nnodes && !c->status; i++) emit_node(&x, k->nodes[i]);
    core_str off = {0};
    offset_text(&x, NULL, &off);
    for (int i = 0; i < k->nstores; i++) {
        char b[16];
        cgen_buf_name(c, k->stores[i], b, sizeof b);
        cgen_line(c, "%s[%s] = v%d;", b, off.s ? off.s : "0", k->stores[i]->id);
    }
    core_str_free(&off);
    for (int g = 0; g < x.ng; g++) c->indent--, cgen_line(c, "}");
    kctx_free(&x);
    return extent;
}

/* ---------------------------------------------------------------- REDUCE kernels */
static void start_value(ir_op op, bj_dtype d, char *buf, size_t cap) {
    bool hi = op == IR_MIN || op == IR_ALL, one = op == IR_PROD || op == IR_ALL;
    if (op == IR_MAX || op == IR_MIN || op == IR_ANY || op == IR_ALL) {
        if (d == BJ_BOOL) cgen_literal(buf, cap, d, 0, hi);
        else if (ir_is_float(d)) cgen_literal(buf, cap, d, hi ? INFINITY : -INFINITY, 0);
        else if (d == BJ_I32) cgen_literal(buf, cap, d, 0, hi ? INT32_MAX : INT32_MIN);
        else if (d == BJ_I64) cgen_literal(buf, cap, d, 0, hi ? INT64_MAX : INT64_MIN);
        else cgen_literal(buf, cap, d, 0, hi ? UINT32_MAX : 0);
    } else {
        cgen_literal(buf, cap, d, one ? 1 : 0, one);
    }
}

int64_t cgen_reduce(cgen *c, const opt_kernel *k) {
    const ir_node *r = k->nodes[k->nnodes - 1], *in = r->in[0];
    ir_op op = (ir_op)r->op;
    bool arg = op == IR_ARGMAX || op == IR_ARGMIN, red[BJ_MAX_RANK] = {0};
    int64_t count = 1, kept = 1;
    for (int i = 1; i < r->nattr; i++) red[r->attr[i]] = true;
    for (int a = 0; a < in->rank; a++) {
        if (red[a]) count *= in->shape[a];
        else kept *= in->shape[a];
    }
    if (count == 0 && kept > 0 && (arg || op == IR_MAX || op == IR_MIN))
        return cgen_fail(c, BJ_ERR_SHAPE, "%s of %%%d reduces an empty axis, which has no identity", ir_ops[op].name,
                         r->id), 1;
    kctx x;
    char gs[512];
    if (!kctx_init(&x, c, k)) return 1;
    collect(&x);
    /* one loop per axis, kept axes outside (the first splits over threads), reduced axes inside in C order, so
     * each result is folded in the interpreter's order */
    x.ng = in->rank;
    for (int a = 0; a < in->rank; a++)
        x.first[a] = x.last[a] = a, x.var[a] = loopvar[a], x.gsize[a] = sx_ext(c->p, in->shape[a]);
    declare_bufs(&x);
    int outer = -1;
    for (int a = 0; a < in->rank && outer < 0; a++)
        if (!red[a]) outer = a;
    int64_t extent = 1;
    if (outer >= 0 && !sx_is_const(&x.gsize[outer], &extent)) c->ext = x.gsize[outer], c->ext_set = true;
    if (outer < 0) cgen_line(c, "if (lo > 0 || hi < 1) return;");
    int depth = 0;
    for (int a = 0; a < in->rank; a++) {
        if (red[a]) continue;
        if (a == outer) cgen_line(c, "for (int64_t %s = lo; %s < hi; %s++) {", x.var[a], x.var[a], x.var[a]);
        else cgen_line(c, "for (int64_t %s = 0; %s < %s; %s++) {", x.var[a], x.var[a], sx_text(c, gs, sizeof gs,
                       &x.gsize[a]), x.var[a]);
        c->indent++, depth++;
    }
    bj_dtype d = (bj_dtype)in->dtype;
    const char *t = cgen_ctype(d);
    char sv[64];
    start_value(op, d, sv, sizeof sv);
    if (arg) cgen_line(c, "%s best = 0; int32_t at = 0;", t);
    else cgen_line(c, "%s acc = %s;", cgen_ctype((bj_dtype)r->dtype), sv);
    for (int a = 0; a < in->rank; a++) {
        if (!red[a]) continue;
        cgen_line(c, "for (int64_t %s_ = 0; %s_ < %s; %s_++) {", x.var[a], x.var[a], sx_text(c, gs, sizeof gs,
                  &x.gsize[a]), x.var[a]);
        c->indent++, depth++;
    }
    /* inside the reduced loops the reduced axes' variables are the loop counters */
    static const char *const rvar[BJ_MAX_RANK] = {"i0_", "i1_", "i2_", "i3_", "i4_", "i5_", "i6_", "i7_"};
    for (int a = 0; a < in->rank; a++)
        if (red[a]) x.var[a] = rvar[a];
    emit_loads(&x, 0);
    for (int i = 0; i + 1 < k->nnodes && !c->status; i++) emit_node(&x, k->nodes[i]);
    core_str e = {0};
    amap id = identity(in->rank);
    resolve(&x, in, &id, &e, false);
    const char *v = e.s ? e.s : "0";
    if (arg) {
        int ax = (int)r->attr[1];
        const char *gt = op == IR_ARGMAX ? ">" : "<";
        if (ir_is_float(d))
            cgen_line(c, "const bool win = %s == 0 || (best == best && (%s != %s || %s %s best));", rvar[ax], v, v, v, gt);
        else cgen_line(c, "const bool win = %s == 0 || %s %s best;", rvar[ax], v, gt);
        cgen_line(c, "best = win ? %s : best;", v);
        cgen_line(c, "at = win ? (int32_t)%s : at;", rvar[ax]);
    } else {
        const char *args[2] = {"acc", v};
        core_str f = {0};
        if (!cgen_expr(&f, cgen_fold_op(op), d, d, args, 2))
            cgen_fail(c, BJ_ERR_INTERNAL, "rendering C: %s has no C form for %s", ir_ops[op].name, bj_dtype_name(d));
        cgen_line(c, "acc = %s;", f.s ? f.s : "acc");
        core_str_free(&f);
    }
    core_str_free(&e);
    for (int a = 0; a < in->rank; a++)
        if (red[a]) c->indent--, depth--, cgen_line(c, "}");
    sx scount = sx_const(1);
    for (int a = 0; a < in->rank; a++)
        if (red[a]) scount = sx_mul(&scount, &x.gsize[a]);
    if (op == IR_MEAN && sx_is_const(&scount, NULL)) {
        char cnt[64];
        cgen_literal(cnt, sizeof cnt, d, d == BJ_F32 ? (double)(float)count : (double)count, 0);
        cgen_line(c, "acc = acc / %s;", cnt);
    } else if (op == IR_MEAN) { /* the count converted to the dtype once, as the interpreter does */
        cgen_line(c, "acc = acc / (%s)(%s);", t, sx_text(c, gs, sizeof gs, &scount));
    }
    /* the result's position: C order over the kept axes (keepdims adds only size-1 axes) */
    core_str off = {0};
    sx s = sx_const(1), st[BJ_MAX_RANK];
    for (int a = in->rank - 1; a >= 0; a--) {
        st[a] = sx_const(0);
        if (!red[a]) st[a] = s, s = sx_mul(&s, &x.gsize[a]);
    }
    bool any = false;
    for (int a = 0; a < in->rank; a++)
        if (!red[a] && !sx_is_zero(&st[a]) && in->shape[a] > 1) {
            if (any) core_str_printf(&off, " + ");
            if (sx_is_one(&st[a])) {
                core_str_printf(&off, "%s", loopvar[a]);
            } else {
                core_str_printf(&off, "%s * ", loopvar[a]);
                sx_print(&off, &st[a], true);
            }
            any = true;
        }
    char b[16];
    cgen_buf_name(c, r, b, sizeof b);
    cgen_line(c, "%s[%s] = %s;", b, off.s ? off.s : "0", arg ? "at" : "acc");
    core_str_free(&off);
    while (depth-- > 0) c->indent--, cgen_line(c, "}");
    kctx_free(&x);
    return extent;
}
