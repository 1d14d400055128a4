/* npy.c — NumPy .npy files: writing numpy's exact version 1.0 layout, reading versions 1.0 to 3.0 defensively
 * (every length is checked against the file before it is trusted: these files may come from anywhere). */
#include "array.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

enum {
    MAGIC_LEN = 6,
    ALIGN = 64,            /* numpy's ARRAY_ALIGN: data starts at a multiple of it */
    GROWTH_DIGITS = 21,    /* numpy's GROWTH_AXIS_MAX_DIGITS: room to rewrite the shape in place */
    MAX_HEADER = 1 << 20,  /* far above any header we can parse (rank <= 8), far below harm */
    DESCR_CAP = 16
};
static const char magic[MAGIC_LEN + 1] = "\x93NUMPY";
/* numpy's descr of each bj_dtype, without the byte-order character. */
static const char *const descr_code[BJ_NDTYPES] = {"b1", "i4", "i8", "u4", "f4", "f8"};

static bool host_little(void) {
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}

static void swap_bytes(void *p, size_t esize, size_t n) {
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += esize)
        for (size_t j = 0; j < esize / 2; j++) {
            unsigned char t = b[j];
            b[j] = b[esize - 1 - j], b[esize - 1 - j] = t;
        }
}

/* ---------------------------------------------------------------- saving */

/* numpy's _write_array_header: sorted keys, repr values, spare spaces for growing the first axis, then padding
 * with spaces and a '\n' so that the data starts at a multiple of 64 (a whole extra 64 when already aligned). */
static void header_text(core_str *h, const bj_array *a) {
    core_str_printf(h, "{'descr': '%c%s', 'fortran_order': False, 'shape': (", a->dtype == BJ_BOOL ? '|' : '<',
                    descr_code[a->dtype]);
    for (int i = 0; i < a->rank; i++) core_str_printf(h, i ? ", %lld" : "%lld", (long long)a->shape[i]);
    core_str_printf(h, "%s}", a->rank == 1 ? ",), " : "), ");
    if (a->rank) {
        char first[24];
        int digits = snprintf(first, sizeof first, "%lld", (long long)a->shape[0]);
        if (digits < GROWTH_DIGITS) core_str_printf(h, "%*s", GROWTH_DIGITS - digits, "");
    }
    size_t pad = ALIGN - (MAGIC_LEN + 4 + h->len + 1) % ALIGN;
    core_str_printf(h, "%*s\n", (int)pad, "");
}

static bool write_data(FILE *f, const bj_array *a) {
    size_t es = bj_dtype_size(a->dtype);
    if (host_little() || es == 1) return fwrite(a->data, 1, a->nbytes, f) == a->nbytes;
    unsigned char buf[4096];
    for (size_t done = 0; done < a->nbytes;) {
        size_t k = a->nbytes - done < sizeof buf ? a->nbytes - done : sizeof buf;
        memcpy(buf, (const unsigned char *)a->data + done, k);
        swap_bytes(buf, es, k / es);
        if (fwrite(buf, 1, k, f) != k) return false;
        done += k;
    }
    return true;
}

bj_status bj_array_save_npy(const bj_array *a, const char *path) {
    const char *what = "bj_array_save_npy";
    bj_status s = core_handle_check(a, CORE_H_ARRAY, what);
    if (s) return s;
    if (!path) return core_err(BJ_ERR_ARG, "%s: path is NULL", what);
    core_str h = {0};
    header_text(&h, a);
    if (h.oom) { /* the header is at most a few hundred bytes (rank <= 8), so version 1.0 always fits it */
        core_str_free(&h);
        return core_err(BJ_ERR_NOMEM, "%s: %s: out of memory", what, path);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        core_str_free(&h);
        return core_err(BJ_ERR_IO, "%s: cannot open %s for writing: %s", what, path, strerror(e));
    }
    unsigned char pre[MAGIC_LEN + 4];
    memcpy(pre, magic, MAGIC_LEN);
    pre[6] = 1, pre[7] = 0, pre[8] = (unsigned char)(h.len & 0xff), pre[9] = (unsigned char)(h.len >> 8);
    bool ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(h.s, 1, h.len, f) == h.len && write_data(f, a);
    int e = errno;
    if (fclose(f) != 0 && ok) ok = false, e = errno;
    core_str_free(&h);
    if (ok) return BJ_OK;
    return core_err(BJ_ERR_IO, "%s: writing %s failed: %s", what, path, strerror(e));
}

/* ---------------------------------------------------------------- the header dictionary */

/* A cursor over the header text, which is a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } (keys in any order, any spacing). */
typedef struct {
    const char *s;
    size_t i, n;
    char err[160]; /* the first problem found */
} lexer;

typedef struct {
    bj_dtype dtype;
    bool swap;    /* the data's byte order is not the host's */
    bool fortran; /* column-major data */
    int rank;
    int64_t shape[BJ_MAX_RANK];
} npy_info;

BJ_PRINTF(2, 3) static bool lex_fail(lexer *x, const char *fmt, ...) {
    if (!x->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->err, sizeof x->err, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void skip_ws(lexer *x) {
    while (x->i < x->n && (x->s[x->i] == ' ' || x->s[x->i] == '\t' || x->s[x->i] == '\r' || x->s[x->i] == '\n'))
        x->i++;
}

static int peek(lexer *x) {
    skip_ws(x);
    return x->i < x->n ? (unsigned char)x->s[x->i] : -1;
}

static bool accept(lexer *x, char c) {
    if (peek(x) != (unsigned char)c) return false;
    x->i++;
    return true;
}

static bool expect(lexer *x, char c) {
    if (accept(x, c)) return true;
    int got = peek(x);
    if (got < 0) return lex_fail(x, "expected '%c' but the header ends", c);
    if (got < 0x20 || got >= 0x7f) return lex_fail(x, "expected '%c' at offset %zu, found byte 0x%02x", c, x->i, got);
    return lex_fail(x, "expected '%c' at offset %zu, found '%c'", c, x->i, got);
}

/* A quoted string without escapes (numpy writes none), at most cap - 1 bytes. */
static bool parse_string(lexer *x, char *out, size_t cap) {
    int q = peek(x);
    if (q < 0) return lex_fail(x, "expected a quoted string but the header ends");
    if (q != '\'' && q != '"') return lex_fail(x, "expected a quoted string at offset %zu", x->i);
    size_t start = ++x->i;
    while (x->i < x->n && x->s[x->i] != q) {
        char c = x->s[x->i];
        if (c == '\\' || c == '\n' || c == 0) return lex_fail(x, "unsupported character in a string at offset %zu", x->i);
        x->i++;
    }
    if (x->i >= x->n) return lex_fail(x, "unterminated string at offset %zu", start - 1);
    size_t len = x->i - start;
    x->i++;
    if (len >= cap) return lex_fail(x, "string at offset %zu is too long", start - 1);
    memcpy(out, x->s + start, len);
    out[len] = 0;
    return true;
}

static bool word_at(lexer *x, const char *w) {
    size_t k = strlen(w);
    if (x->n - x->i < k || memcmp(x->s + x->i, w, k)) return false;
    char next = x->i + k < x->n ? x->s[x->i + k] : ' ';
    if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9') || next == '_')
        return false;
    x->i += k;
    return true;
}

static bool parse_bool(lexer *x, bool *v) {
    skip_ws(x);
    if (word_at(x, "True")) return *v = true, true;
    if (word_at(x, "False")) return *v = false, true;
    return lex_fail(x, "fortran_order is not True or False");
}

/* A non-negative decimal integer (Python 2 files may add an 'L'). */
static bool parse_dim(lexer *x, int64_t *v) {
    int c = peek(x);
    if (c < 0) return lex_fail(x, "expected a dimension but the header ends");
    if (c == '-') return lex_fail(x, "negative dimension in the shape at offset %zu", x->i);
    if (c < '0' || c > '9') return lex_fail(x, "expected a dimension at offset %zu", x->i);
    int64_t r = 0;
    while (x->i < x->n && x->s[x->i] >= '0' && x->s[x->i] <= '9') {
        if (!core_mul_ok(r, 10, &r) || r > INT64_MAX - (x->s[x->i] - '0'))
            return lex_fail(x, "dimension at offset %zu overflows int64", x->i);
        r += x->s[x->i++] - '0';
    }
    if (x->i < x->n && (x->s[x->i] == 'L' || x->s[x->i] == 'l')) x->i++;
    *v = r;
    return true;
}

/* A Python tuple of ints: (), (5,), (3, 4) or (3, 4,). "(5)" is an int in Python, so numpy rejects it too. */
static bool parse_shape(lexer *x, npy_info *info) {
    if (!expect(x, '(')) return false;
    info->rank = 0;
    if (accept(x, ')')) return true;
    for (;;) {
        if (info->rank == BJ_MAX_RANK) return lex_fail(x, "the shape has more than %d dimensions", BJ_MAX_RANK);
        if (!parse_dim(x, &info->shape[info->rank++])) return false;
        bool comma = accept(x, ',');
        if (accept(x, ')')) {
            if (info->rank == 1 && !comma) return lex_fail(x, "the shape is not a tuple (a 1-tuple needs a ',')");
            return true;
        }
        if (!comma) return expect(x, ',');
    }
}

static bool parse_descr(lexer *x, npy_info *info) {
    char d[DESCR_CAP];
    if (!parse_string(x, d, sizeof d)) return false;
    if (d[0] == '>') return lex_fail(x, "big-endian dtype '%s' is not supported", d);
    for (int t = 0; t < BJ_NDTYPES; t++) {
        bool order_ok = d[0] == '<' || d[0] == '=' || (d[0] == '|' && t == BJ_BOOL);
        if (order_ok && !strcmp(d + 1, descr_code[t])) {
            info->dtype = (bj_dtype)t;
            info->swap = t != BJ_BOOL && d[0] == '<' && !host_little();
            return true;
        }
    }
    return lex_fail(x, "unsupported dtype '%s' (supported: |b1, <i4, <i8, <u4, <f4, <f8)", d);
}

static const char *const header_keys[3] = {"descr", "fortran_order", "shape"};

static bool parse_entry(lexer *x, npy_info *info, unsigned *seen) {
    char key[32];
    if (!parse_string(x, key, sizeof key)) return false;
    int k = 0;
    while (k < 3 && strcmp(key, header_keys[k])) k++;
    if (k == 3) return lex_fail(x, "unexpected key '%s'", key);
    if (*seen & (1u << k)) return lex_fail(x, "key '%s' appears twice", key);
    *seen |= 1u << k;
    if (!expect(x, ':')) return false;
    if (k == 0) return parse_descr(x, info);
    if (k == 1) return parse_bool(x, &info->fortran);
    return parse_shape(x, info);
}

static bool parse_header(lexer *x, npy_info *info) {
    unsigned seen = 0;
    if (!expect(x, '{')) return false;
    while (!accept(x, '}')) {
        if (!parse_entry(x, info, &seen)) return false;
        if (!accept(x, ',') && peek(x) != '}') return expect(x, '}');
    }
    if (peek(x) >= 0) return lex_fail(x, "unexpected text after the dictionary at offset %zu", x->i);
    for (int k = 0; k < 3; k++)
        if (!(seen & (1u << k))) return lex_fail(x, "the header lacks the key '%s'", header_keys[k]);
    return true;
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    FILE *f;
    const char *path;
    int64_t size; /* bytes in the file */
    int64_t pos;  /* bytes consumed */
} reader;

BJ_PRINTF(2, 3) static bj_status load_fail(const reader *r, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err(BJ_ERR_IO, "bj_array_load_npy: %s: %s", r->path, msg);
}

static bool read_exact(reader *r, void *p, size_t n) {
    if (n && fread(p, 1, n, r->f) != n) return false;
    r->pos += (int64_t)n;
    return true;
}

/* Why a read of something came up short: the system's reason, or the end of the file. */
static bj_status read_fail(const reader *r, const char *what) {
    if (ferror(r->f)) return load_fail(r, "reading %s failed: %s", what, strerror(errno));
    return load_fail(r, "reading %s failed: unexpected end of file", what);
}

static bj_status file_size(reader *r) {
    off_t end;
    if (fseeko(r->f, 0, SEEK_END) != 0 || (end = ftello(r->f)) < 0 || fseeko(r->f, 0, SEEK_SET) != 0)
        return load_fail(r, "cannot determine the file size: %s", strerror(errno));
    r->size = (int64_t)end;
    return BJ_OK;
}

/* Magic, version and header length; leaves the file at the header text. */
static bj_status read_preamble(reader *r, uint32_t *hlen) {
    unsigned char pre[MAGIC_LEN + 2], len[4] = {0};
    if (r->size < (int64_t)sizeof pre) return load_fail(r, "too short to be a .npy file (%lld bytes)", (long long)r->size);
    if (!read_exact(r, pre, sizeof pre)) return read_fail(r, "the preamble");
    if (memcmp(pre, magic, MAGIC_LEN)) return load_fail(r, "bad magic (not a .npy file)");
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return load_fail(r, "unsupported .npy format version %d.%d (1.0 to 3.0 are)", major, minor);
    size_t nlen = major == 1 ? 2 : 4;
    if ((int64_t)nlen > r->size - r->pos) return load_fail(r, "truncated header (the file ends in its length field)");
    if (!read_exact(r, len, nlen)) return read_fail(r, "the header length");
    *hlen = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 | (uint32_t)len[3] << 24;
    if ((int64_t)*hlen > r->size - r->pos)
        return load_fail(r, "truncated header: it claims %lu bytes, the file has %lld after the preamble",
                         (unsigned long)*hlen, (long long)(r->size - r->pos));
    if (*hlen > MAX_HEADER) return load_fail(r, "header of %lu bytes is too large", (unsigned long)*hlen);
    return BJ_OK;
}

static bj_status read_header(reader *r, npy_info *info) {
    uint32_t hlen = 0;
    bj_status s = read_preamble(r, &hlen);
    if (s) return s;
    char *text = malloc(hlen ? hlen : 1);
    if (!text) return core_err(BJ_ERR_NOMEM, "bj_array_load_npy: %s: out of memory", r->path);
    if (!read_exact(r, text, hlen)) {
        free(text);
        return read_fail(r, "the header");
    }
    lexer x = {.s = text, .n = hlen};
    bool ok = parse_header(&x, info);
    free(text);
    return ok ? BJ_OK : load_fail(r, "invalid header: %s", x.err);
}

/* Column-major src to row-major dst, both with n elements of es bytes. */
static void fortran_to_c(unsigned char *dst, const unsigned char *src, const npy_info *info, size_t es, int64_t n) {
    int64_t fstride[BJ_MAX_RANK], idx[BJ_MAX_RANK] = {0}, s = 1, off = 0;
    for (int k = 0; k < info->rank; k++) fstride[k] = s, s *= info->shape[k];
    for (int64_t i = 0; i < n; i++) {
        memcpy(dst + (size_t)i * es, src + (size_t)off * es, es);
        for (int k = info->rank - 1; k >= 0; k--) { /* the next C-order index, and its column-major offset */
            off += fstride[k];
            if (++idx[k] < info->shape[k]) break;
            off -= idx[k] * fstride[k], idx[k] = 0;
        }
    }
}

static bj_status read_data(reader *r, const npy_info *info, bj_array *a) {
    size_t es = bj_dtype_size(a->dtype);
    bool transpose = info->fortran && info->rank > 1;
    unsigned char *buf = transpose ? malloc(a->nbytes ? a->nbytes : 1) : a->data;
    if (!buf) return core_err(BJ_ERR_NOMEM, "bj_array_load_npy: %s: out of memory", r->path);
    bool ok = read_exact(r, buf, a->nbytes);
    if (ok && transpose) fortran_to_c(a->data, buf, info, es, a->size);
    if (transpose) free(buf);
    if (!ok) return read_fail(r, "the data");
    unsigned char *p = a->data;
    if (a->dtype == BJ_BOOL) /* any byte other than 0 or 1 would be undefined as a C bool */
        for (size_t i = 0; i < a->nbytes; i++) p[i] = p[i] != 0;
    if (info->swap) swap_bytes(p, es, (size_t)a->size);
    return BJ_OK;
}

static bj_array *load(reader *r) {
    npy_info info = {0};
    if (file_size(r) || read_header(r, &info)) return NULL;
    char what[300];
    snprintf(what, sizeof what, "bj_array_load_npy: %s", r->path);
    int64_t n, need;
    if (core_shape_check(info.rank, info.shape, what, &n)) { /* keep its message, as an I/O error */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bj_last_error());
        core_err(BJ_ERR_IO, "%s", msg);
        return NULL;
    }
    if (!core_mul_ok(n, (int64_t)bj_dtype_size(info.dtype), &need)) {
        load_fail(r, "%lld elements of %s overflow the byte count", (long long)n, bj_dtype_name(info.dtype));
        return NULL;
    }
    if (need > r->size - r->pos) {
        load_fail(r, "file holds %lld bytes of data, shape needs %lld", (long long)(r->size - r->pos), (long long)need);
        return NULL;
    }
    bj_array *a = core_array_alloc(info.dtype, info.rank, info.shape, what);
    if (a && read_data(r, &info, a)) {
        bj_array_release(a);
        return NULL;
    }
    return a;
}

bj_array *bj_array_load_npy(const char *path) {
    if (!path) return core_err(BJ_ERR_ARG, "bj_array_load_npy: path is NULL"), NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return core_err(BJ_ERR_IO, "bj_array_load_npy: cannot open %s: %s", path, strerror(errno)), NULL;
    reader r = {f, path, 0, 0};
    bj_array *a = load(&r);
    fclose(f);
    return a;
}
