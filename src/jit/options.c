/* options.c — a jit handle's options (argnames with defaults, static and donated arguments, backend) and the
 * resolution of a call's arguments into parameters: keywords and defaults applied, static ones checked. */
#include "jit/jit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n), d[n] = 0;
    return d;
}

static const char *skip(const char *s) {
    while (*s && isspace((unsigned char)*s)) s++;
    return s;
}

/* A default value: a number (int if it has no '.', 'e' or "inf"/"nan"), true/false, or a "quoted string". */
static bool parse_default(const char *s, size_t n, bj_arg *out) {
    char buf[300];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n), buf[n] = 0;
    if (!strcmp(buf, "true") || !strcmp(buf, "True")) return *out = bj_arg_bool(true), true;
    if (!strcmp(buf, "false") || !strcmp(buf, "False")) return *out = bj_arg_bool(false), true;
    if ((buf[0] == '"' || buf[0] == '\'') && n >= 2 && buf[n - 1] == buf[0]) {
        char *str = dupn(buf + 1, n - 2);
        return str && (*out = bj_arg_str(str), true);
    }
    char *end;
    errno = 0;
    if (!strpbrk(buf, ".eEnN")) {
        long long v = strtoll(buf, &end, 10);
        if (!*end && !errno) return *out = bj_arg_i64(v), true;
    }
    double d = strtod(buf, &end);
    if (*end || end == buf) return false;
    return *out = bj_arg_f64(d), true;
}

static bool name_ok(const char *s, size_t n) {
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return false;
    return true;
}

static int decl_find(const jit_options *o, const char *name, size_t n) {
    for (int i = 0; i < o->ndecl; i++)
        if (strlen(o->decl[i].name) == n && !strncmp(o->decl[i].name, name, n)) return i;
    return -1;
}

static bj_status parse_argnames(jit_options *o, const char *s, const char *fname) {
    o->ndecl = 0;
    o->decl = calloc(JIT_MAX_PARAMS, sizeof *o->decl);
    if (!o->decl) return core_err(BJ_ERR_NOMEM, "bj_jit_new: out of memory");
    while (*(s = skip(s))) {
        const char *e = s;
        int quote = 0;
        while (*e && (quote || *e != ',')) {
            if (*e == '"' || *e == '\'') quote = quote == *e ? 0 : quote ? quote : *e;
            e++;
        }
        const char *eq = memchr(s, '=', (size_t)(e - s));
        const char *ne = eq ? eq : e;
        while (ne > s && isspace((unsigned char)ne[-1])) ne--;
        if (!name_ok(s, (size_t)(ne - s)))
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argnames: \"%.*s\" is not a parameter name", fname,
                            (int)(e - s), s);
        if (o->ndecl == JIT_MAX_PARAMS)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argnames: more than %d parameters", fname, JIT_MAX_PARAMS);
        if (decl_find(o, s, (size_t)(ne - s)) >= 0)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argnames: parameter \"%.*s\" appears twice", fname,
                            (int)(ne - s), s);
        jit_decl *d = &o->decl[o->ndecl++];
        if (!(d->name = dupn(s, (size_t)(ne - s)))) return core_err(BJ_ERR_NOMEM, "bj_jit_new: out of memory");
        if (eq) {
            const char *v = skip(eq + 1), *ve = e;
            while (ve > v && isspace((unsigned char)ve[-1])) ve--;
            if (!parse_default(v, (size_t)(ve - v), &d->def))
                return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argnames: default of %s is \"%.*s\": give a number, "
                                "true/false or a \"string\"", fname, d->name, (int)(ve - v), v);
            d->has_default = true;
        } else if (o->ndecl > 1 && o->decl[o->ndecl - 2].has_default) {
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argnames: parameter %s without a default follows one with "
                            "a default", fname, d->name);
        }
        s = *e ? e + 1 : e;
    }
    return BJ_OK;
}

/* "1, 2 -1" -> numbers */
static bj_status parse_nums(const char *s, int *out, int *n, const char *what, const char *fname) {
    *n = 0;
    while (*(s = skip(s))) {
        if (*s == ',') {
            s++;
            continue;
        }
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < -JIT_MAX_PARAMS || v >= JIT_MAX_PARAMS || (*end && !isspace((unsigned char)*end)
                                                                                   && *end != ','))
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): %s: \"%s\" is not a list of argument positions", fname, what,
                            s);
        if (*n == JIT_MAX_PARAMS) return core_err(BJ_ERR_ARG, "bj_jit_new(%s): %s: too many positions", fname, what);
        out[(*n)++] = (int)v;
        s = end;
    }
    return BJ_OK;
}

/* "x: n; y: n, _" (or positions: "0: n"): per parameter, a name per axis, "_" for a static axis. */
static bj_status parse_abstracted(jit_options *o, const char *s, const char *fname) {
    while (*(s = skip(s))) {
        const char *e = strchr(s, ';');
        if (!e) e = s + strlen(s);
        const char *colon = memchr(s, ':', (size_t)(e - s));
        if (!colon)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): abstracted_axes: \"%.*s\" should be \"<parameter>: <axis "
                            "names>\" (e.g. \"x: n\")", fname, (int)(e - s), s);
        const char *ne = colon;
        while (ne > s && isspace((unsigned char)ne[-1])) ne--;
        int p = decl_find(o, s, (size_t)(ne - s));
        if (p < 0 && ne > s && isdigit((unsigned char)*s)) {
            char *end;
            long v = strtol(s, &end, 10);
            if (end == ne && v >= 0 && v < JIT_MAX_PARAMS) p = (int)v;
        }
        if (p < 0)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): abstracted_axes: \"%.*s\" is not a parameter", fname,
                            (int)(ne - s), s);
        int k = 0;
        for (const char *a = colon + 1; *(a = skip(a)) && a < e;) {
            const char *ae = a;
            while (ae < e && *ae != ',' && !isspace((unsigned char)*ae)) ae++;
            if (k == BJ_MAX_RANK)
                return core_err(BJ_ERR_ARG, "bj_jit_new(%s): abstracted_axes: more than %d axes for %s", fname,
                                BJ_MAX_RANK, o->ndecl > p ? o->decl[p].name : "a parameter");
            if (!(ae - a == 1 && *a == '_')) {
                if (!name_ok(a, (size_t)(ae - a)) || ae - a >= 32)
                    return core_err(BJ_ERR_ARG, "bj_jit_new(%s): abstracted_axes: \"%.*s\" is not an axis name",
                                    fname, (int)(ae - a), a);
                int id = -1;
                for (int q = 0; q < o->nsym; q++)
                    if (strlen(o->symname[q]) == (size_t)(ae - a) && !strncmp(o->symname[q], a, (size_t)(ae - a)))
                        id = q;
                if (id < 0) {
                    if (o->nsym == (int)(sizeof o->symname / sizeof o->symname[0]))
                        return core_err(BJ_ERR_ARG, "bj_jit_new(%s): abstracted_axes: too many axis names", fname);
                    id = o->nsym++;
                    memcpy(o->symname[id], a, (size_t)(ae - a)), o->symname[id][ae - a] = 0;
                }
                o->sym[p][k] = (int8_t)id;
            }
            k++;
            a = ae;
            while (a < e && (isspace((unsigned char)*a) || *a == ',')) a++;
        }
        o->symrank[p] = k;
        s = *e ? e + 1 : e;
    }
    return BJ_OK;
}

bj_status jit_options_parse(jit_options *o, const bj_jit_opts *u, const char *fname) {
    *o = (jit_options){.ndecl = -1, .backend = "cpu", .cache_size = 64};
    bj_jit_opts none = {0};
    if (!u) u = &none;
    bj_status s = BJ_OK;
    if (u->argnames && (s = parse_argnames(o, u->argnames, fname))) return s;
    if (u->static_argnums && (s = parse_nums(u->static_argnums, o->static_num, &o->nstatic_num, "static_argnums",
                                             fname)))
        return s;
    if (u->donate_argnums && (s = parse_nums(u->donate_argnums, o->donate, &o->ndonate, "donate_argnums", fname)))
        return s;
    for (int i = 0; i < o->ndonate; i++)
        if (o->donate[i] < 0) return core_err(BJ_ERR_ARG, "bj_jit_new(%s): donate_argnums: %d is negative", fname,
                                              o->donate[i]);
    if (u->static_argnames) {
        if (o->ndecl < 0)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): static_argnames needs argnames (the parameter names) to map "
                            "names to positions", fname);
        const char *p = u->static_argnames;
        while (*(p = skip(p))) {
            const char *e = p;
            while (*e && *e != ',' && !isspace((unsigned char)*e)) e++;
            int i = decl_find(o, p, (size_t)(e - p));
            if (i < 0)
                return core_err(BJ_ERR_ARG, "bj_jit_new(%s): static_argnames: \"%.*s\" is not a parameter (argnames: "
                                "%s)", fname, (int)(e - p), p, u->argnames);
            o->static_name[i] = true;
            p = skip(e);
            if (*p == ',') p++;
        }
    }
    /* a static argument cannot be donated: it has no buffer */
    for (int d = 0; d < o->ndonate; d++) {
        bool st = o->donate[d] < JIT_MAX_PARAMS && o->static_name[o->donate[d]];
        for (int k = 0; k < o->nstatic_num; k++) /* negative positions count from the end (known with argnames) */
            st |= o->static_num[k] + (o->static_num[k] < 0 && o->ndecl >= 0 ? o->ndecl : 0) == o->donate[d];
        if (st) return core_err(BJ_ERR_ARG, "bj_jit_new(%s): argument %d is both static and donated", fname,
                                o->donate[d]);
        if (o->ndecl >= 0 && o->donate[d] >= o->ndecl)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): donate_argnums: %d is out of range for %d parameters", fname,
                            o->donate[d], o->ndecl);
    }
    for (int k = 0; k < o->nstatic_num && o->ndecl >= 0; k++)
        if (o->static_num[k] >= o->ndecl || o->static_num[k] < -o->ndecl)
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): static_argnums: %d is out of range for %d parameters", fname,
                            o->static_num[k], o->ndecl);
    const char *b = u->backend, *dev = u->device;
    if (dev && *dev) {
        if (!strcmp(dev, "cpu") || !strcmp(dev, "cpu:0")) {
            if (!b) b = "cpu";
        } else if (!strncmp(dev, "gpu", 3) || !strncmp(dev, "cuda", 4)) {
            return core_err(BJ_ERR_UNSUPPORTED, "bj_jit_new(%s): device \"%s\" is not available in this build (no GPU "
                            "backend yet; use \"cpu\")", fname, dev);
        } else {
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): unknown device \"%s\" (known: \"cpu\")", fname, dev);
        }
    }
    if (b) { /* NULL is the documented default ("cpu"); an empty name is a mistake, not a default */
        if (!strcmp(b, "cpu")) o->backend = "cpu";
        else if (!strcmp(b, "interp")) o->backend = "interp";
        else if (!strcmp(b, "gpu") || !strcmp(b, "cuda"))
            return core_err(BJ_ERR_UNSUPPORTED, "bj_jit_new(%s): backend \"%s\" is not available in this build (no "
                            "GPU backend yet; use \"cpu\" or \"interp\")", fname, b);
        else
            return core_err(BJ_ERR_ARG, "bj_jit_new(%s): unknown backend \"%s\" (known: \"cpu\", \"interp\")", fname,
                            b);
    }
    if (u->cache_size < 0) return core_err(BJ_ERR_ARG, "bj_jit_new(%s): cache_size %d is negative", fname, u->cache_size);
    if (u->cache_size) o->cache_size = u->cache_size;
    o->inlined = u->inlined, o->keep_unused = u->keep_unused;
    memset(o->sym, -1, sizeof o->sym);
    if (u->abstracted_axes) return parse_abstracted(o, u->abstracted_axes, fname);
    return BJ_OK;
}

void jit_options_free(jit_options *o) {
    for (int i = 0; i < o->ndecl; i++) {
        free(o->decl[i].name);
        if (o->decl[i].has_default && o->decl[i].def.kind == BJ_ARG_STR) free((char *)o->decl[i].def.s);
    }
    free(o->decl);
    *o = (jit_options){0};
}

const char *jit_param_name(const bj_jit *f, int i, char *buf, size_t n) {
    if (i < f->o.ndecl) snprintf(buf, n, "%s", f->o.decl[i].name);
    else snprintf(buf, n, "arg%d", i);
    return buf;
}

static bool is_static(const jit_options *o, int i, int n) {
    if (i < o->ndecl && o->static_name[i]) return true;
    for (int k = 0; k < o->nstatic_num; k++)
        if (o->static_num[k] == i || (o->static_num[k] < 0 && o->static_num[k] + n == i)) return true;
    return false;
}

static const char *kind_name(bj_arg_kind k) {
    static const char *names[] = {"an array", "a float", "an int", "a bool", "a string", "a Variable",
                                  "a traced value", "a shape spec"};
    return (unsigned)k <= BJ_ARG_SPEC ? names[k] : "an invalid argument";
}

/* One argument into parameter slot p. */
static bj_status resolve_one(const bj_jit *f, const bj_arg *a, int i, int n, bool x64, jit_param *p,
                             const char *fn) {
    char nm[80]; /* filled only for messages: formatting it on every call would cost more than the rest */
#define NM jit_param_name(f, i, nm, sizeof nm)
    p->kind = a->kind, p->is_static = is_static(&f->o, i, n), p->weak = false;
    p->array = NULL, p->var = NULL, p->val = NULL, p->rank = 0;
    memset(p->sym, -1, sizeof p->sym);
    switch (a->kind) {
    case BJ_ARG_F64: p->f = a->f; break;
    case BJ_ARG_I64: case BJ_ARG_BOOL: p->i = a->i; break;
    case BJ_ARG_STR:
        if (!a->s) return core_err(BJ_ERR_ARG, "%s(%s): argument %d (%s) is a NULL string", fn, f->name, i, NM);
        if (strlen(a->s) > JIT_STR_MAX)
            return core_err(BJ_ERR_ARG, "%s(%s): static string argument %d (%s) is longer than %d bytes", fn, f->name,
                            i, NM, JIT_STR_MAX);
        p->s = a->s;
        break;
    case BJ_ARG_VAR: {
        bj_status s = core_handle_check(a->var, CORE_H_VAR, fn);
        if (s) return s;
        p->var = a->var, p->array = a->var->value, p->kind = BJ_ARG_ARRAY;
        break;
    }
    case BJ_ARG_ARRAY: {
        bj_status s = core_handle_check(a->array, CORE_H_ARRAY, fn);
        if (s) return core_err(s, "%s(%s): argument %d (%s): %s", fn, f->name, i, NM, bj_last_error());
        p->array = a->array;
        break;
    }
    case BJ_ARG_VAL:
        if (!a->val || !ir_node_live(a->val))
            return core_err(a->val && core_obj_freed(a->val) ? BJ_ERR_HANDLE : BJ_ERR_ARG, "%s(%s): argument %d (%s) %s", fn, f->name, i, NM,
                            a->val ? ir_node_why(a->val) : "is NULL");
        p->val = (ir_node *)a->val;
        break;
    case BJ_ARG_SPEC: {
        int64_t ne;
        if ((unsigned)a->dtype >= BJ_NDTYPES)
            return core_err(BJ_ERR_DTYPE, "%s(%s): argument %d (%s): invalid dtype %d", fn, f->name, i, NM, a->dtype);
        bj_status s = core_shape_check(a->rank, a->shape, fn, &ne);
        if (s) return s;
        break;
    }
    default: return core_err(BJ_ERR_ARG, "%s(%s): argument %d (%s) has an invalid kind %d", fn, f->name, i, NM,
                             (int)a->kind);
    }
    if (p->is_static) {
        if (p->kind != BJ_ARG_F64 && p->kind != BJ_ARG_I64 && p->kind != BJ_ARG_BOOL && p->kind != BJ_ARG_STR)
            return core_err(BJ_ERR_ARG, "%s(%s): static argument %d (%s) must be a number, a bool or a string, not %s",
                            fn, f->name, i, NM, kind_name(a->kind));
        return BJ_OK;
    }
    switch (p->kind) {
    case BJ_ARG_STR:
        return core_err(BJ_ERR_ARG, "%s(%s): argument %d (%s) is a string; strings must be static (static_argnums=\"%d\"%s%s%s)",
                        fn, f->name, i, NM, i, i < f->o.ndecl ? " or static_argnames=\"" : "", i < f->o.ndecl ? NM : "",
                        i < f->o.ndecl ? "\"" : "");
    case BJ_ARG_F64: p->dtype = x64 ? BJ_F64 : BJ_F32, p->weak = true; break;
    case BJ_ARG_I64: p->dtype = ir_weak_int_dtype(x64, a->i), p->weak = true; break;
    case BJ_ARG_BOOL: p->dtype = BJ_BOOL; break;
    case BJ_ARG_ARRAY:
        p->dtype = p->array->dtype, p->rank = p->array->rank;
        memcpy(p->shape, p->array->shape, sizeof(int64_t) * (size_t)p->rank);
        break;
    case BJ_ARG_VAL:
        p->dtype = (bj_dtype)p->val->dtype, p->rank = p->val->rank, p->weak = p->val->weak;
        memcpy(p->shape, p->val->shape, sizeof(int64_t) * (size_t)p->rank);
        break;
    case BJ_ARG_SPEC:
        p->dtype = a->dtype, p->rank = a->rank;
        memcpy(p->shape, a->shape, sizeof(int64_t) * (size_t)p->rank);
        break;
    default: break;
    }
    if (f->o.symrank[i] && !p->is_static) {
        char ty[96];
        if (f->o.symrank[i] != p->rank)
            return core_err(BJ_ERR_SHAPE, "%s(%s): argument %d (%s) is %s, but abstracted_axes names %d axes for it",
                            fn, f->name, i, NM, core_fmt_type(ty, sizeof ty, p->dtype, p->rank, p->shape),
                            f->o.symrank[i]);
        memcpy(p->sym, f->o.sym[i], sizeof p->sym);
    }
    return BJ_OK;
}
#undef NM

bj_status jit_resolve(const bj_jit *f, const bj_arg *args, int nargs, bool x64, jit_sig *sig, const char *fn) {
    if (nargs < 0 || (nargs > 0 && !args))
        return core_err(BJ_ERR_ARG, "%s(%s): %d arguments, args %s", fn, f->name, nargs, args ? "given" : "is NULL");
    int npos = 0;
    while (npos < nargs && !args[npos].name) npos++;
    for (int i = npos; i < nargs; i++)
        if (!args[i].name)
            return core_err(BJ_ERR_ARG, "%s(%s): positional argument %d follows a keyword argument", fn, f->name, i);
    int n = f->o.ndecl >= 0 ? f->o.ndecl : npos;
    if (npos > n)
        return core_err(BJ_ERR_ARG, "%s(%s): %d positional arguments given, the function takes %d", fn, f->name, npos,
                        n);
    if (n > JIT_MAX_PARAMS) return core_err(BJ_ERR_ARG, "%s(%s): more than %d arguments", fn, f->name, JIT_MAX_PARAMS);
    const bj_arg *by_pos[JIT_MAX_PARAMS] = {0};
    for (int i = 0; i < npos; i++) by_pos[i] = &args[i];
    for (int i = npos; i < nargs; i++) {
        if (f->o.ndecl < 0)
            return core_err(BJ_ERR_ARG, "%s(%s): keyword argument \"%s\" given, but the function declares no argnames",
                            fn, f->name, args[i].name);
        int k = decl_find(&f->o, args[i].name, strlen(args[i].name));
        if (k < 0)
            return core_err(BJ_ERR_ARG, "%s(%s): unknown keyword argument \"%s\"", fn, f->name, args[i].name);
        if (by_pos[k])
            return core_err(BJ_ERR_ARG, "%s(%s): argument %d (%s) given twice", fn, f->name, k, args[i].name);
        by_pos[k] = &args[i];
    }
    sig->n = n;
    sig->x64 = x64;
    for (int i = 0; i < n; i++) {
        if (!by_pos[i]) {
            if (i < f->o.ndecl && f->o.decl[i].has_default) by_pos[i] = &f->o.decl[i].def;
            else return core_err(BJ_ERR_ARG, "%s(%s): missing argument %d (%s)", fn, f->name, i, f->o.decl[i].name);
        }
        bj_status s = resolve_one(f, by_pos[i], i, n, x64, &sig->p[i], fn);
        if (s) return s;
    }
    /* without argnames, a negative static position is only known now: it cannot be donated either */
    for (int d = 0; d < f->o.ndonate; d++)
        if (f->o.donate[d] < n && sig->p[f->o.donate[d]].is_static) {
            char nm[80];
            return core_err(BJ_ERR_ARG, "%s(%s): argument %d (%s) is both static and donated", fn, f->name,
                            f->o.donate[d], jit_param_name(f, f->o.donate[d], nm, sizeof nm));
        }
    return BJ_OK;
}
