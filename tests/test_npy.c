/* test_npy.c — .npy files: round trips, numpy's own files (tests/fixtures, made by make_npy.py), byte-identical
 * output, and corrupt or hostile files that must give an error naming the file, never a crash. Runs in tests/. */
#include "core/core.h"
#include "core/scalar.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#define TMP "tmp/"
#define FIX "fixtures/"

static bool make_tmp_dir(void) { return mkdir("tmp", 0777) == 0 || errno == EEXIST; }

/* The whole file in a malloc'd buffer (NULL if unreadable). */
static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

static bool spit(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* A .npy file with the given version and header text taken as is (no padding), then n data bytes. */
static bool write_raw(const char *path, int major, const char *header, const void *data, size_t n) {
    unsigned char buf[4096];
    size_t hl = strlen(header), pre = major == 1 ? 10 : 12;
    if (pre + hl + n > sizeof buf) return false;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major, buf[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) buf[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + pre, header, hl);
    if (n) memcpy(buf + pre + hl, data, n);
    return spit(path, buf, pre + hl + n);
}

/* Loading path must fail with BJ_ERR_IO, an error that names the file and contains sub. */
static void expect_load_error(const char *path, const char *sub, int line) {
    bj_clear_error();
    bj_array *a = bj_array_load_npy(path);
    bool ok = a == NULL && core_last_status() == BJ_ERR_IO && strstr(bj_last_error(), path) &&
              strstr(bj_last_error(), sub);
    if (!ok) {
        test_failed_checks++;
        printf("    FAIL test_npy.c:%d: loading %s: %s, error '%s' (want one naming the file with '%s')\n", line, path,
               a ? "loaded" : "failed", bj_last_error(), sub);
    }
    bj_array_release(a);
}
#define EXPECT_LOAD_ERROR(path, sub) expect_load_error((path), (sub), __LINE__)

/* true if a has the dtype and shape and its data equals the bytes at want */
static bool same_array(const bj_array *a, bj_dtype d, int rank, const int64_t *shape, const void *want) {
    if (!a || bj_array_dtype(a) != d || bj_array_rank(a) != rank) return false;
    for (int i = 0; i < rank; i++)
        if (bj_array_shape(a)[i] != shape[i]) return false;
    return !bj_array_nbytes(a) || !memcmp(bj_array_data(a), want, bj_array_nbytes(a));
}

static void test_npy_roundtrip(void) {
    CHECK(make_tmp_dir());
    const int64_t shapes[][3] = {{0}, {7}, {2, 3}, {2, 3, 4}};
    bj_dtype dts[] = {BJ_BOOL, BJ_I32, BJ_I64, BJ_U32, BJ_F32, BJ_F64};
    for (int d = 0; d < 6; d++)
        for (int rank = 0; rank <= 3; rank++) {
            bj_array *src = bj_array_zeros(dts[d], rank, shapes[rank]);
            int64_t n = bj_array_size(src);
            for (int64_t i = 0; i < n; i++) { /* distinct values, with a sign, a fraction and extremes mixed in */
                double v = (double)(i * 37 % 11) - 4.75;
                if (i == 1) v = dts[d] == BJ_F32 || dts[d] == BJ_F64 ? NAN : 1e30;
                core_store_f64(dts[d], bj_array_data(src), i, v);
            }
            char path[64];
            snprintf(path, sizeof path, TMP "rt_%s_%d.npy", bj_dtype_name(dts[d]), rank);
            CHECK(bj_array_save_npy(src, path) == BJ_OK);
            bj_array *back = bj_array_load_npy(path);
            CHECK_MSG(same_array(back, dts[d], rank, shapes[rank], bj_array_data(src)), "%s rank %d: %s",
                      bj_dtype_name(dts[d]), rank, bj_last_error());
            size_t len = 0;
            unsigned char *bytes = slurp(path, &len);
            CHECK(bytes && len >= 128 && (len - bj_array_nbytes(src)) % 64 == 0); /* data starts 64-aligned */
            CHECK(bytes && bytes[6] == 1 && bytes[7] == 0 && bytes[len - bj_array_nbytes(src) - 1] == '\n');
            free(bytes);
            bj_array_release(src), bj_array_release(back);
            remove(path);
        }
    /* empty arrays, and the largest rank */
    int64_t s8[8] = {1, 2, 1, 2, 1, 2, 1, 3};
    const int64_t *cases[] = {(int64_t[]){0, 3}, (int64_t[]){4, 0}, s8};
    int ranks[] = {2, 2, 8};
    for (int i = 0; i < 3; i++) {
        bj_array *src = bj_array_full(BJ_F64, ranks[i], cases[i], -1.5);
        CHECK(bj_array_save_npy(src, TMP "rt_edge.npy") == BJ_OK);
        bj_array *back = bj_array_load_npy(TMP "rt_edge.npy");
        CHECK(same_array(back, BJ_F64, ranks[i], cases[i], bj_array_data(src)));
        bj_array_release(src), bj_array_release(back);
    }
    remove(TMP "rt_edge.npy");
}

static void test_npy_fixtures(void) {
    bj_array *a = bj_array_load_npy(FIX "f32_2x3.npy");
    CHECK(same_array(a, BJ_F32, 2, (int64_t[]){2, 3}, (float[]){0, 0.25f, 0.5f, 0.75f, 1, 1.25f}));
    CHECK(a && bj_array_strides(a)[0] == 12 && bj_array_strides(a)[1] == 4);
    bj_array_release(a);
    a = bj_array_load_npy(FIX "i64_vec.npy");
    CHECK(same_array(a, BJ_I64, 1, (int64_t[]){3}, (int64_t[]){-3, 0, (int64_t)1 << 40}));
    bj_array_release(a);
    a = bj_array_load_npy(FIX "bool_scalar.npy");
    CHECK(same_array(a, BJ_BOOL, 0, NULL, (bool[]){true}));
    CHECK(a && bj_array_size(a) == 1 && bj_array_get(a, 0) == 1);
    bj_array_release(a);
    /* stored column by column: 1 4 2 5 3 4e9 on disk, row-major in memory */
    a = bj_array_load_npy(FIX "u32_fortran.npy");
    CHECK(same_array(a, BJ_U32, 2, (int64_t[]){2, 3}, (uint32_t[]){1, 2, 3, 4, 5, 4000000000u}));
    bj_array_release(a);
    a = bj_array_load_npy(FIX "f64_empty.npy");
    CHECK(same_array(a, BJ_F64, 2, (int64_t[]){0, 3}, NULL) && bj_array_size(a) == 0);
    bj_array_release(a);
    a = bj_array_load_npy(FIX "i32_v2.npy");
    CHECK(same_array(a, BJ_I32, 1, (int64_t[]){3}, (int32_t[]){1, 2, 3}));
    bj_array_release(a);
    CHECK(bj_last_error()[0] == 0);
}

/* Our saver writes numpy's exact bytes, so files can be diffed against numpy's. */
static void test_npy_same_bytes_as_numpy(void) {
    CHECK(make_tmp_dir());
    const char *names[] = {"f32_2x3.npy", "i64_vec.npy", "bool_scalar.npy", "f64_empty.npy"};
    for (int i = 0; i < 4; i++) {
        char fix[64], out[64];
        snprintf(fix, sizeof fix, FIX "%s", names[i]);
        snprintf(out, sizeof out, TMP "ours_%s", names[i]);
        bj_array *a = bj_array_load_npy(fix);
        CHECK(a && bj_array_save_npy(a, out) == BJ_OK);
        size_t n1 = 0, n2 = 0;
        unsigned char *theirs = slurp(fix, &n1), *ours = slurp(out, &n2);
        CHECK_MSG(theirs && ours && n1 == n2 && !memcmp(theirs, ours, n1), "%s differs from numpy's (%zu vs %zu bytes)",
                  names[i], n1, n2);
        free(theirs), free(ours);
        bj_array_release(a);
        remove(out);
    }
    /* and built from scratch rather than loaded: arange(6).reshape(2, 3) / 4 */
    bj_array *a = bj_array_new(BJ_F32, 2, (int64_t[]){2, 3}, (float[]){0, 0.25f, 0.5f, 0.75f, 1, 1.25f});
    CHECK(bj_array_save_npy(a, TMP "ours_f32.npy") == BJ_OK);
    size_t n1 = 0, n2 = 0;
    unsigned char *theirs = slurp(FIX "f32_2x3.npy", &n1), *ours = slurp(TMP "ours_f32.npy", &n2);
    CHECK(theirs && ours && n1 == 152 && n2 == n1 && !memcmp(theirs, ours, n1));
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(ours && !memcmp(ours + 10, dict, strlen(dict)) && ours[127] == '\n' && ours[8] == 118 && ours[9] == 0);
    free(theirs), free(ours);
    bj_array_release(a);
    remove(TMP "ours_f32.npy");
}

static void test_npy_corrupt_fixtures(void) {
    EXPECT_LOAD_ERROR(FIX "bad_magic.npy", "bad magic");
    EXPECT_LOAD_ERROR(FIX "truncated.npy", "file holds 24 bytes of data, shape needs 80");
    EXPECT_LOAD_ERROR(FIX "big_endian.npy", "big-endian dtype '>f8' is not supported");
    EXPECT_LOAD_ERROR(FIX "no_such_file.npy", "cannot open");
    EXPECT_LOAD_ERROR(FIX, ""); /* a directory */
    CHECK(bj_array_load_npy(NULL) == NULL);
    CHECK_ERR_HAS("bj_array_load_npy: path is NULL");
}

static void test_npy_bad_headers(void) {
    CHECK(make_tmp_dir());
    const char *p = TMP "bad.npy";
    double d3[3] = {1, 2, 3};
    static const struct {
        const char *header, *err;
    } cases[] = {
        {"{'descr': '<f8', 'shape': (3,), }", "lacks the key 'fortran_order'"},
        {"{'fortran_order': False, 'shape': (3,), }", "lacks the key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False}", "lacks the key 'shape'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }", "expected a dimension"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3), }", "not a tuple"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [3], }", "expected '('"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }", "negative dimension"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", "overflows int64"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
         "shape [4611686018427387904, 4] overflows"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952, 2), }", "overflow the byte count"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 3), }", "more than 8 dimensions"},
        {"{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", "unsupported dtype '<c16'"},
        {"{'descr': '|f8', 'fortran_order': False, 'shape': (3,), }", "unsupported dtype '|f8'"},
        {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }", "expected a quoted string"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "unexpected key 'extra'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", "appears twice"},
        {"{'descr': '<f8, 'fortran_order': False, 'shape': (3,), }", "unsupported dtype '<f8, '"},
        {"{'descr' '<f8', 'fortran_order': False, 'shape': (3,), }", "expected ':' at offset 9, found '\''"},
        {"{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }", "not True or False"},
        {"{'descr': '<f8', 'fortran_order': Falsey, 'shape': (3,), }", "not True or False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } junk", "unexpected text after"},
        {"{'descr': '<f8' 'fortran_order': False, 'shape': (3,), }", "expected '}'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,", "header ends"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ", "header ends"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'desc", "unterminated string"},
        {"{'des\\cr': '<f8'}", "unsupported character"},
        {"", "header ends"},
        {"   \n", "header ends"},
        {"['descr']", "expected '{'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", "file holds 24 bytes of data, shape needs 32"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(write_raw(p, 1, cases[i].header, d3, sizeof d3));
        EXPECT_LOAD_ERROR(p, cases[i].err);
    }
    /* bytes a C string cannot hold: a NUL inside the header */
    unsigned char nul[] = "\x93NUMPY\x01\x00\x08\x00{'de\0r':";
    CHECK(spit(p, nul, sizeof nul - 1));
    EXPECT_LOAD_ERROR(p, "unsupported character");
    /* the preamble */
    CHECK(spit(p, "", 0));
    EXPECT_LOAD_ERROR(p, "too short to be a .npy file (0 bytes)");
    CHECK(spit(p, "\x93NUMPY\x01", 7));
    EXPECT_LOAD_ERROR(p, "too short");
    CHECK(spit(p, "\x93NUMPY\x01\x00\x05", 9));
    EXPECT_LOAD_ERROR(p, "truncated header");
    CHECK(spit(p, "\x93NUMPY\x01\x00\xff\xff{}", 12));
    EXPECT_LOAD_ERROR(p, "truncated header: it claims 65535 bytes, the file has 2");
    CHECK(spit(p, "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14));
    EXPECT_LOAD_ERROR(p, "it claims 4294967295 bytes");
    CHECK(write_raw(p, 4, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", d3, sizeof d3));
    EXPECT_LOAD_ERROR(p, "unsupported .npy format version 4.0");
    CHECK(spit(p, "\x93NUMPY\x00\x00\x02\x00{}", 12));
    EXPECT_LOAD_ERROR(p, "version 0.0");
    CHECK(spit(p, "PK\x03\x04 a zip, maybe an .npz", 26));
    EXPECT_LOAD_ERROR(p, "bad magic");
    remove(p);
}

/* Headers numpy would accept though it does not write them that way. */
static void test_npy_lenient_headers(void) {
    CHECK(make_tmp_dir());
    const char *p = TMP "ok.npy";
    double d6[6] = {1, 2, 3, 4, 5, 6};
    const char *headers[] = {
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
        "{ \"descr\" :\"<f8\",\"fortran_order\":False,\"shape\":(2,3)}\n",
        "{'descr': '=f8', 'fortran_order': False, 'shape': (2L, 3L), }                \n",
        "\t{'descr':'<f8','fortran_order':False,'shape':( 2 , 3 , ),}",
    };
    for (int i = 0; i < 4; i++)
        for (int major = 1; major <= 3; major++) {
            CHECK(write_raw(p, major, headers[i], d6, sizeof d6));
            bj_array *a = bj_array_load_npy(p);
            CHECK_MSG(same_array(a, BJ_F64, 2, (int64_t[]){2, 3}, d6), "header %d version %d: %s", i, major,
                      bj_last_error());
            bj_array_release(a);
        }
    /* trailing bytes after the data are ignored, as numpy does */
    double d7[7] = {1, 2, 3, 4, 5, 6, 7};
    CHECK(write_raw(p, 1, headers[0], d7, sizeof d7));
    bj_array *a = bj_array_load_npy(p);
    CHECK(same_array(a, BJ_F64, 2, (int64_t[]){2, 3}, d6));
    bj_array_release(a);
    /* bool bytes other than 0 and 1 become true (a C bool may only hold 0 or 1) */
    unsigned char b4[4] = {0, 1, 2, 255};
    CHECK(write_raw(p, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", b4, 4));
    a = bj_array_load_npy(p);
    CHECK(same_array(a, BJ_BOOL, 1, (int64_t[]){4}, (bool[]){false, true, true, true}));
    bj_array_release(a);
    /* rank 0 and 1 in Fortran order are the same bytes as in C order */
    CHECK(write_raw(p, 1, "{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", (int32_t[]){7, 8, 9}, 12));
    a = bj_array_load_npy(p);
    CHECK(same_array(a, BJ_I32, 1, (int64_t[]){3}, (int32_t[]){7, 8, 9}));
    bj_array_release(a);
    CHECK(write_raw(p, 3, "{'descr': '<i8', 'fortran_order': True, 'shape': (), }", (int64_t[]){-42}, 8));
    a = bj_array_load_npy(p);
    CHECK(same_array(a, BJ_I64, 0, NULL, (int64_t[]){-42}));
    bj_array_release(a);
    remove(p);
}

/* A rank-3 column-major file: element (i, j, k) at offset i + 2 j + 6 k on disk. */
static void test_npy_fortran_rank3(void) {
    CHECK(make_tmp_dir());
    float disk[24], want[24];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) {
                float v = (float)(100 * i + 10 * j + k);
                disk[i + 2 * j + 6 * k] = v;
                want[(i * 3 + j) * 4 + k] = v;
            }
    CHECK(write_raw(TMP "f3.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", disk,
                    sizeof disk));
    bj_array *a = bj_array_load_npy(TMP "f3.npy");
    CHECK(same_array(a, BJ_F32, 3, (int64_t[]){2, 3, 4}, want));
    CHECK(a && bj_array_get(a, 23) == 123 && bj_array_get(a, 4) == 10);
    bj_array_release(a);
    /* an empty Fortran-order array */
    CHECK(write_raw(TMP "f3.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 0), }", NULL, 0));
    a = bj_array_load_npy(TMP "f3.npy");
    CHECK(a && bj_array_size(a) == 0 && bj_array_shape(a)[0] == 2);
    bj_array_release(a);
    remove(TMP "f3.npy");
}

/* Every prefix of a valid file, and many single-byte corruptions of it: errors or arrays, never a crash. */
static void test_npy_truncations_and_flips(void) {
    CHECK(make_tmp_dir());
    const char *p = TMP "fuzz.npy";
    size_t len = 0;
    unsigned char *good = slurp(FIX "u32_fortran.npy", &len);
    CHECK(good && len == 152);
    if (!good) return;
    int failures = 0;
    for (size_t n = 0; n < len; n++) {
        CHECK(spit(p, good, n));
        bj_clear_error();
        bj_array *a = bj_array_load_npy(p);
        failures += a == NULL && strstr(bj_last_error(), p) != NULL;
        bj_array_release(a);
    }
    CHECK_MSG(failures == (int)len, "%d of %zu prefixes failed cleanly", failures, len);
    unsigned char bad[152];
    uint32_t rng = 12345;
    int loaded = 0, refused = 0;
    for (int i = 0; i < 1500; i++) {
        memcpy(bad, good, len);
        rng = rng * 1664525u + 1013904223u;
        size_t at = (rng >> 8) % 128; /* the preamble and header */
        rng = rng * 1664525u + 1013904223u;
        static const char repl[] = "0123456789(),: '\"{}TF-<>|=\n\t\x00\xff";
        bad[at] = i % 3 ? (unsigned char)repl[(rng >> 16) % (sizeof repl - 1)] : (unsigned char)(rng >> 24);
        CHECK(spit(p, bad, len));
        bj_clear_error();
        bj_array *a = bj_array_load_npy(p);
        if (a) {
            loaded++;
            CHECK(bj_array_nbytes(a) <= len); /* whatever loaded fits in the file */
        } else {
            refused++;
            CHECK(strstr(bj_last_error(), p) != NULL);
        }
        bj_array_release(a);
    }
    CHECK(loaded > 0 && refused > 0);
    free(good);
    remove(p);
}

static void test_npy_save_errors(void) {
    CHECK(make_tmp_dir());
    bj_array *a = bj_array_ones(BJ_I32, 1, (int64_t[]){3});
    CHECK(bj_array_save_npy(a, TMP "no/such/dir/x.npy") == BJ_ERR_IO);
    CHECK_ERR_HAS("bj_array_save_npy: cannot open " TMP "no/such/dir/x.npy for writing");
    CHECK(bj_array_save_npy(a, NULL) == BJ_ERR_ARG);
    CHECK_ERR_HAS("path is NULL");
    CHECK(bj_array_save_npy(a, TMP) == BJ_ERR_IO); /* a directory */
    CHECK_ERR_HAS(TMP);
    CHECK(bj_array_save_npy(NULL, TMP "x.npy") == BJ_ERR_ARG);
    CHECK_ERR_HAS("bj_array_save_npy: array is NULL");
    bj_array_release(a);
    CHECK(bj_array_save_npy(a, TMP "x.npy") == BJ_ERR_HANDLE);
    CHECK_ERR_HAS("not a live array");
    FILE *f = fopen(TMP "x.npy", "rb");
    CHECK(f == NULL); /* nothing written for a bad handle */
    if (f) fclose(f);
#ifdef __linux__
    /* a full device: the failing write is reported */
    FILE *full = fopen("/dev/full", "wb");
    if (full) {
        fclose(full);
        bj_array *big = bj_array_zeros(BJ_F64, 1, (int64_t[]){100000});
        CHECK(bj_array_save_npy(big, "/dev/full") == BJ_ERR_IO);
        CHECK_ERR_HAS("bj_array_save_npy: writing /dev/full failed");
        bj_array_release(big);
    }
#endif
}

void tests_npy(void) {
    RUN(test_npy_roundtrip);
    RUN(test_npy_fixtures);
    RUN(test_npy_same_bytes_as_numpy);
    RUN(test_npy_corrupt_fixtures);
    RUN(test_npy_bad_headers);
    RUN(test_npy_lenient_headers);
    RUN(test_npy_fortran_rank3);
    RUN(test_npy_truncations_and_flips);
    RUN(test_npy_save_errors);
}
