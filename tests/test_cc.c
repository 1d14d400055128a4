/* test_cc.c — the native backend's compiler driver, loader and disk cache (cc_build), and the settings for them. */
#include "backend/c/cc_internal.h"
#include "backend/c/cgen.h"
#include "core/bjmath.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

static const char SRC_ADD[] = "int bj_t_add(int a, int b);\nint bj_t_add(int a, int b) { return a + b; }\n";
static const char SRC_PROC[] = "int bj_t_proc(int a);\nint bj_t_proc(int a) { return a * 7 + 1; }\n";
static const char SRC_RACE[] = "int bj_t_race(int a);\nint bj_t_race(int a) { return a * 3 - 2; }\n";
static const char SRC_BAD[] = "int bj_t_bad(void);\nint bj_t_bad(void) { return undeclared_thing; }\n";
static const char SRC_VAL[] = "#ifndef BJ_T_VALUE\n#define BJ_T_VALUE 1\n#endif\n"
                              "int bj_t_val(void);\nint bj_t_val(void) { return BJ_T_VALUE; }\n";
static const char SRC_OMP[] = "int bj_t_omp(int n);\nint bj_t_omp(int n) {\n    int s = 0;\n"
                              "#pragma omp parallel for reduction(+ : s)\n    for (int i = 0; i < n; i++) s += i;\n"
                              "    return s;\n}\n";

typedef int (*fn2)(int, int);
typedef int (*fn1)(int);
typedef int (*fn0)(void);

/* ---------------------------------------------------------------- scratch directories and files */
/* Entries of dir whose names start with prefix and end with suffix. */
static int count_files(const char *dir, const char *prefix, const char *suffix) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n += !strncmp(e->d_name, prefix, strlen(prefix)) && l >= sl && !strcmp(e->d_name + l - sl, suffix);
    }
    closedir(d);
    return n;
}

/* The path of the one entry file of dir ending with suffix (not a failed- source). */
static bool entry_file(const char *dir, const char *suffix, char *out, size_t n) {
    DIR *d = opendir(dir);
    if (!d) return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l == 32 + sl && !strcmp(e->d_name + 32, suffix)) found = snprintf(out, n, "%s/%s", dir, e->d_name) > 0;
    }
    closedir(d);
    return found;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 16);
    if (s) s[fread(s, 1, (1 << 16) - 1, f)] = 0;
    fclose(f);
    return s;
}

static bool write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int64_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? -1 : (int64_t)st.st_size;
}

/* Each test gets a fresh cache directory and gives back the one it found. */
static char saved_cache[PATH_MAX];
static void cache_begin(const char *dir) {
    CHECK(bj_config_get("cache_dir", saved_cache, sizeof saved_cache) == BJ_OK);
    test_rm_rf(dir);
    CHECK(bj_config_set("cache_dir", dir) == BJ_OK);
}
static void cache_end(void) { CHECK(bj_config_set("cache_dir", saved_cache[0] ? saved_cache : NULL) == BJ_OK); }

static bj_cpu_stats stats(void) {
    bj_cpu_stats s;
    bj_cpu_stats_get(&s);
    return s;
}

/* Builds src and returns symbol sym, or NULL (with *lib NULL). */
static void *build_sym(const char *src, const char *name, const char *sym, cc_lib **lib) {
    *lib = NULL;
    bj_status s = cc_build(src, name, lib);
    if (s) {
        printf("    cc_build(%s): %s: %s\n", name, bj_status_name(s), bj_last_error());
        return NULL;
    }
    void *f = cc_sym(*lib, sym);
    if (!f) printf("    symbol %s missing\n", sym);
    return f;
}

/* ---------------------------------------------------------------- child processes: this binary, filtered */
/* Starts this test binary running only test_cc_ccchild, which acts on BJ_TEST_CC_CHILD=mode:dir; its stdout goes
 * to out_path. Returns the pid or -1. */
static pid_t spawn_child(const char *arg, const char *out_path) {
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return -1;
    self[k] = 0;
    extern char **environ;
    int n = 0;
    while (environ[n]) n++;
    char **env = calloc((size_t)n + 2, sizeof *env);
    if (!env) return -1;
    char var[PATH_MAX + 32];
    snprintf(var, sizeof var, "BJ_TEST_CC_CHILD=%s", arg);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(environ[i], "BJ_TEST_CC_CHILD=", 17)) env[m++] = environ[i];
    env[m++] = var;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {self, "ccchild", NULL};
    pid_t pid = -1;
    if (posix_spawn(&pid, self, &fa, NULL, argv, env)) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    return pid;
}

/* Waits for the child; true if it passed exactly one test. Its "child: compiles=N disk_hits=M" line into c, h. */
static bool child_ok(pid_t pid, const char *out_path, long long *c, long long *h) {
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return false;
    char *out = read_text(out_path);
    bool ok = out && WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "1 passed, 0 failed");
    const char *line = out ? strstr(out, "child: ") : NULL;
    if (!line || sscanf(line, "child: compiles=%lld disk_hits=%lld", c, h) != 2) ok = false;
    if (!ok) printf("    child failed (status %d): %s\n", st, out ? out : "(no output)");
    free(out);
    return ok;
}

/* Runs only inside a child (see spawn_child). */
static void test_cc_ccchild(void) {
    const char *arg = getenv("BJ_TEST_CC_CHILD");
    if (!arg) return;
    const char *colon = strchr(arg, ':');
    CHECK(colon != NULL);
    if (!colon) return;
    CHECK(bj_config_set("cache_dir", colon + 1) == BJ_OK);
    bool race = !strncmp(arg, "race:", 5);
    cc_lib *lib;
    fn1 f = (fn1)build_sym(race ? SRC_RACE : SRC_PROC, "child", race ? "bj_t_race" : "bj_t_proc", &lib);
    CHECK(f && f(5) == (race ? 13 : 36));
    cc_lib_close(lib);
    bj_cpu_stats s = stats();
    printf("child: compiles=%lld disk_hits=%lld\n", (long long)s.compiles, (long long)s.disk_hits);
    if (!race) CHECK(s.compiles == 0 && s.disk_hits == 1);
}

/* ---------------------------------------------------------------- tests */
static void test_cc_config(void) {
    char buf[256];
    CHECK(bj_config_set("cflags", "-DX=1  -DY") == BJ_OK);
    CHECK(bj_config_get("cflags", buf, sizeof buf) == BJ_OK && !strcmp(buf, "-DX=1  -DY"));
    CHECK(bj_config_set("num_threads", "4") == BJ_OK);
    CHECK(bj_config_get("num_threads", buf, sizeof buf) == BJ_OK && !strcmp(buf, "4"));
    const char *bad_threads[] = {"0", "-1", "abc", "3x", " 2", "+2", "1.5", "99999999999"};
    for (size_t i = 0; i < sizeof bad_threads / sizeof bad_threads[0]; i++) {
        CHECK(bj_config_set("num_threads", bad_threads[i]) == BJ_ERR_ARG);
        CHECK_ERR_HAS("num_threads");
        CHECK_ERR_HAS("positive integer");
    }
    CHECK(bj_config_get("num_threads", buf, sizeof buf) == BJ_OK && !strcmp(buf, "4")); /* unchanged */
    CHECK(bj_config_set("disk_cache", "2") == BJ_ERR_ARG);
    CHECK_ERR_HAS("\"0\" or \"1\"");
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK);
    CHECK(bj_config_set("test_fault", "bogus") == BJ_ERR_ARG);
    CHECK_ERR_HAS("compile_error");
    CHECK(bj_config_set("test_fault", "wrong_result") == BJ_OK);
    CHECK(bj_config_set("cc", "gcc\nrm") == BJ_ERR_ARG);
    CHECK_ERR_HAS("line break");
    CHECK(bj_config_set("nope", "1") == BJ_ERR_ARG);
    CHECK_ERR_HAS("unknown key 'nope'");
    CHECK_ERR_HAS("num_threads");
    CHECK_ERR_HAS("cache_dir");
    CHECK(bj_config_get("nope", buf, sizeof buf) == BJ_ERR_ARG);
    CHECK_ERR_HAS("unknown key 'nope'");
    CHECK(bj_config_set(NULL, "1") == BJ_ERR_ARG);
    CHECK(bj_config_get("cc", NULL, 10) == BJ_ERR_ARG);
    CHECK(bj_config_set("cflags", "-DLONG_ENOUGH") == BJ_OK);
    char small[4];
    CHECK(bj_config_get("cflags", small, sizeof small) == BJ_ERR_ARG && !strcmp(small, "-DL"));
    CHECK_ERR_HAS("needs 14 bytes");
    char *huge = malloc(5000);
    if (huge) {
        memset(huge, 'x', 4999), huge[4999] = 0;
        CHECK(bj_config_set("dump_dir", huge) == BJ_ERR_ARG);
        CHECK_ERR_HAS("too long");
        free(huge);
    }
    /* NULL and "" restore what the environment said */
    const char *keys[] = {"cflags", "num_threads", "disk_cache", "test_fault"};
    const char *envs[] = {"BJ_CFLAGS", "BJ_NUM_THREADS", "BJ_DISK_CACHE", "BJ_TEST_FAULT"};
    for (int i = 0; i < 4; i++) {
        CHECK(bj_config_set(keys[i], i % 2 ? "" : NULL) == BJ_OK);
        const char *e = getenv(envs[i]);
        CHECK(bj_config_get(keys[i], buf, sizeof buf) == BJ_OK && !strcmp(buf, e ? e : ""));
    }
    bj_cpu_stats_get(NULL); /* ignored */
}

static void test_cc_compile_load_call(void) {
    cache_begin("tmp/cc-basic");
    CHECK(cc_available());
    bj_cpu_stats s0 = stats();
    cc_lib *a, *b;
    fn2 f = (fn2)build_sym(SRC_ADD, "add", "bj_t_add", &a);
    CHECK(f && f(2, 3) == 5);
    bj_cpu_stats s1 = stats();
    CHECK(s1.compiles == s0.compiles + 1 && s1.disk_hits == s0.disk_hits && s1.rebuilds == s0.rebuilds);
    CHECK(s1.compile_s > s0.compile_s && s1.load_s > s0.load_s);
    CHECK(cc_sym(a, "bj_t_nothing") == NULL && cc_sym(NULL, "bj_t_add") == NULL && cc_sym(a, NULL) == NULL);
    /* the same source again: loaded from disk */
    fn2 g = (fn2)build_sym(SRC_ADD, "add again", "bj_t_add", &b);
    CHECK(g && g(40, 2) == 42);
    bj_cpu_stats s2 = stats();
    CHECK(s2.compiles == s1.compiles && s2.disk_hits == s1.disk_hits + 1);
    cc_lib_close(a);
    CHECK(g && g(1, 1) == 2); /* b holds its own reference */
    cc_lib_close(b);
    cc_lib_close(NULL);
    CHECK(count_files("tmp/cc-basic", "", ".so") == 1 && count_files("tmp/cc-basic", "", ".c") == 0); /* one file */
    CHECK(count_files("tmp/cc-basic", "", ".meta") == 0 && count_files("tmp/cc-basic", ".tmp-", "") == 0);
    CHECK(count_files("tmp/cc-basic", "cc-", ".id") == 1); /* the compiler's identity, remembered */
    struct stat st;
    CHECK(stat("tmp/cc-basic", &st) == 0 && (st.st_mode & 0777) == 0700);
    cc_lib *l = (cc_lib *)1;
    CHECK(cc_build(NULL, "x", &l) == BJ_ERR_ARG && l == NULL);
    CHECK(cc_build(SRC_ADD, "x", NULL) == BJ_ERR_ARG);
    cache_end();
}

static void test_cc_second_process_hit(void) {
    cache_begin("tmp/cc-proc");
    cc_lib *lib;
    fn1 f = (fn1)build_sym(SRC_PROC, "proc", "bj_t_proc", &lib);
    CHECK(f && f(5) == 36);
    cc_lib_close(lib);
    long long c = -1, h = -1;
    CHECK(child_ok(spawn_child("hit:tmp/cc-proc", "tmp/cc-child-hit.out"), "tmp/cc-child-hit.out", &c, &h));
    CHECK(c == 0 && h == 1);
    cache_end();
}

static void test_cc_concurrent_builders(void) {
    cache_begin("tmp/cc-race");
    CHECK(mkdir("tmp/cc-race", 0700) == 0);
    pid_t p1 = spawn_child("race:tmp/cc-race", "tmp/cc-child-race1.out");
    pid_t p2 = spawn_child("race:tmp/cc-race", "tmp/cc-child-race2.out");
    long long c1 = -1, h1 = -1, c2 = -1, h2 = -1;
    CHECK(child_ok(p1, "tmp/cc-child-race1.out", &c1, &h1));
    CHECK(child_ok(p2, "tmp/cc-child-race2.out", &c2, &h2));
    CHECK_MSG(c1 + c2 == 1 && h1 + h2 == 1, "compiles %lld+%lld, disk hits %lld+%lld", c1, c2, h1, h2);
    CHECK(count_files("tmp/cc-race", "", ".so") == 1 && count_files("tmp/cc-race", "", ".c") == 0);
    CHECK(count_files("tmp/cc-race", "", ".meta") == 0 && count_files("tmp/cc-race", ".tmp-", "") == 0);
    bj_cpu_stats s0 = stats();
    cc_lib *lib;
    fn1 f = (fn1)build_sym(SRC_RACE, "race", "bj_t_race", &lib);
    CHECK(f && f(1) == 1 && stats().disk_hits == s0.disk_hits + 1);
    cc_lib_close(lib);
    cache_end();
}

/* An entry of the disk cache (cache.c) is one file: the library, the stored source, then a 256-byte footer: 208
 * bytes of NUL-padded fields, then "xxh3 <hex>\n" of every byte before it. */
#define ENTRY_FOOT 256
#define ENTRY_FIELDS 208
typedef struct {
    char key[33], prelude[33];
    long long lib, src, pre_at;
} entry_footer;

static bool read_footer(const char *path, entry_footer *f) {
    char foot[ENTRY_FOOT + 1] = {0};
    int64_t size = file_size(path);
    int fd = open(path, O_RDONLY);
    bool ok = fd >= 0 && size >= ENTRY_FOOT && pread(fd, foot, ENTRY_FOOT, size - ENTRY_FOOT) == ENTRY_FOOT;
    if (fd >= 0) close(fd);
    return ok && sscanf(foot, "brainjit-cc-entry 1\nkey %32s\nlib %lld\nsrc %lld\nprelude %lld %32s", f->key, &f->lib,
                        &f->src, &f->pre_at, f->prelude) == 5;
}

/* The source stored in the entry at path (malloc'd), or NULL. */
static char *entry_source(const char *path) {
    entry_footer f;
    char *all = read_text(path), *s = NULL;
    if (all && read_footer(path, &f) && f.src < (1 << 15) && (s = calloc(1, (size_t)f.src + 1)))
        memcpy(s, all + f.lib, (size_t)f.src);
    free(all);
    return s;
}

/* Rewrites the entry at path as library lib (nlib bytes) and source src under a footer that matches them: intact
 * by its hash and naming its key, so only the loader or the comparison of the source can tell. */
static bool forge_entry(const char *path, const void *lib, size_t nlib, const char *src) {
    entry_footer f;
    size_t nsrc = strlen(src), n = nlib + nsrc + ENTRY_FOOT;
    char *b = read_footer(path, &f) ? calloc(1, n) : NULL, hex[33];
    if (!b) return false;
    memcpy(b, lib, nlib), memcpy(b + nlib, src, nsrc);
    char *foot = b + nlib + nsrc;
    snprintf(foot, ENTRY_FIELDS, "brainjit-cc-entry 1\nkey %s\nlib %zu\nsrc %zu\nprelude %lld %s\n", f.key, nlib, nsrc,
             f.pre_at, f.prelude);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(b, nlib + nsrc + ENTRY_FIELDS));
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
    snprintf(foot + ENTRY_FIELDS, ENTRY_FOOT - ENTRY_FIELDS, "xxh3 %s\n", hex);
    bool ok = write_bytes(path, b, n);
    free(b);
    return ok;
}

/* Threads of one process building one new source: the lock serialises them too (flock is per open file). */
static const char SRC_THREADS[] = "int bj_t_thr(int a);\nint bj_t_thr(int a) { return a + 100; }\n";
static void *build_in_thread(void *arg) {
    int *ok = arg;
    cc_lib *lib;
    fn1 f = (fn1)build_sym(SRC_THREADS, "threads", "bj_t_thr", &lib);
    *ok = f && f(1) == 101;
    cc_lib_close(lib);
    return NULL;
}

static void test_cc_concurrent_threads(void) {
    cache_begin("tmp/cc-threads");
    bj_cpu_stats s0 = stats();
    pthread_t th[4];
    int ok[4] = {0};
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&th[i], NULL, build_in_thread, &ok[i]) == 0);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK(ok[0] && ok[1] && ok[2] && ok[3]);
    bj_cpu_stats s1 = stats();
    CHECK_MSG(s1.compiles == s0.compiles + 1 && s1.disk_hits == s0.disk_hits + 3, "compiles +%lld, disk hits +%lld",
              (long long)(s1.compiles - s0.compiles), (long long)(s1.disk_hits - s0.disk_hits));
    CHECK(count_files("tmp/cc-threads", "", ".so") == 1 && count_files("tmp/cc-threads", ".tmp-", "") == 0);
    cache_end();
}

static void test_cc_corrupt_library_rebuilt(void) {
    cache_begin("tmp/cc-corrupt");
    cc_lib *lib;
    fn2 f = (fn2)build_sym(SRC_ADD, "corrupt", "bj_t_add", &lib);
    CHECK(f && f(1, 2) == 3);
    cc_lib_close(lib);
    char so[PATH_MAX];
    CHECK(entry_file("tmp/cc-corrupt", ".so", so, sizeof so));
    int64_t size = file_size(so);
    static const char junk[] = "this is not an ELF file";
    for (int round = 0; round < 4; round++) {
        if (round == 0) CHECK(truncate(so, size / 2) == 0);
        if (round == 1) { /* flip one byte in the middle */
            int fd = open(so, O_RDWR);
            unsigned char byte = 0;
            CHECK(fd >= 0 && pread(fd, &byte, 1, size / 2) == 1);
            byte ^= 0x5a;
            CHECK(fd >= 0 && pwrite(fd, &byte, 1, size / 2) == 1);
            if (fd >= 0) close(fd);
        }
        if (round == 2) CHECK(forge_entry(so, junk, sizeof junk - 1, SRC_ADD)); /* intact, but dlopen refuses it */
        if (round == 3) CHECK(truncate(so, size - ENTRY_FOOT) == 0); /* no footer */
        bj_cpu_stats s0 = stats();
        f = (fn2)build_sym(SRC_ADD, "corrupt", "bj_t_add", &lib);
        CHECK_MSG(f && f(20, 22) == 42, "round %d", round);
        bj_cpu_stats s1 = stats();
        CHECK_MSG(s1.rebuilds == s0.rebuilds + 1 && s1.compiles == s0.compiles + 1, "round %d", round);
        CHECK(file_size(so) == size);
        cc_lib_close(lib);
    }
    CHECK(count_files("tmp/cc-corrupt", "", ".so") == 1 && count_files("tmp/cc-corrupt", ".tmp-", "") == 0);
    cache_end();
}

/* An entry rebuilt while the old library is still loaded must be loaded afresh, not as the old object again. */
static void test_cc_rebuilt_while_loaded(void) {
    cache_begin("tmp/cc-loaded");
    cc_lib *a, *b;
    fn2 f = (fn2)build_sym(SRC_ADD, "loaded", "bj_t_add", &a);
    char so[PATH_MAX];
    CHECK(entry_file("tmp/cc-loaded", ".so", so, sizeof so));
    int64_t size = file_size(so);
    int fd = open(so, O_RDWR); /* the last byte lies in the footer, which a loaded library never reads */
    unsigned char byte = 0;
    CHECK(fd >= 0 && pread(fd, &byte, 1, size - 1) == 1);
    byte ^= 1;
    CHECK(fd >= 0 && pwrite(fd, &byte, 1, size - 1) == 1);
    if (fd >= 0) close(fd);
    bj_cpu_stats s0 = stats();
    fn2 g = (fn2)build_sym(SRC_ADD, "loaded", "bj_t_add", &b);
    CHECK(stats().rebuilds == s0.rebuilds + 1);
    CHECK(f && g && f != g && f(1, 2) == 3 && g(3, 4) == 7);
    cc_lib_close(a);
    cc_lib_close(b);
    CHECK(count_files("tmp/cc-loaded", "", ".so") == 1 && count_files("tmp/cc-loaded", ".tmp-", "") == 0);
    cache_end();
}

static void test_cc_changed_source_rebuilt(void) {
    cache_begin("tmp/cc-mismatch");
    cc_lib *lib;
    fn2 f = (fn2)build_sym(SRC_ADD, "mismatch", "bj_t_add", &lib);
    CHECK(f && f(1, 1) == 2);
    cc_lib_close(lib);
    char c[PATH_MAX];
    entry_footer ft = {0};
    CHECK(entry_file("tmp/cc-mismatch", ".so", c, sizeof c) && read_footer(c, &ft));
    char *entry = read_text(c); /* the library: its first ft.lib bytes */
    /* another source under this key's name: first of another length, then of the same length */
    const char *other[] = {"int bj_t_add(int a, int b) { return a - b; }\n", NULL};
    char same_len[sizeof SRC_ADD];
    memcpy(same_len, SRC_ADD, sizeof SRC_ADD);
    char *plus = strstr(same_len, "a + b");
    if (plus) plus[2] = '-';
    other[1] = same_len;
    for (int i = 0; i < 2; i++) {
        CHECK(entry && forge_entry(c, entry, (size_t)ft.lib, other[i]));
        bj_cpu_stats s0 = stats();
        f = (fn2)build_sym(SRC_ADD, "mismatch", "bj_t_add", &lib);
        CHECK_MSG(f && f(5, 3) == 8, "case %d", i);
        CHECK_MSG(stats().rebuilds == s0.rebuilds + 1, "case %d", i);
        cc_lib_close(lib);
        char *stored = entry_source(c);
        CHECK(stored && !strcmp(stored, SRC_ADD));
        free(stored);
    }
    free(entry);
    cache_end();
}

static void test_cc_private_dirs(void) {
    /* a cache directory others can write is never used: one warning, compile privately, write nothing there */
    cache_begin("tmp/cc-open");
    test_rm_rf("tmp/cc-private");
    CHECK(mkdir("tmp/cc-open", 0700) == 0 && chmod("tmp/cc-open", 0777) == 0);
    CHECK(mkdir("tmp/cc-private", 0700) == 0);
    const char *old_tmp = getenv("TMPDIR");
    char saved_tmp[PATH_MAX] = "";
    if (old_tmp) snprintf(saved_tmp, sizeof saved_tmp, "%s", old_tmp);
    setenv("TMPDIR", "tmp/cc-private", 1);
    bj_cpu_stats s0 = stats();
    for (int i = 0; i < 2; i++) {
        cc_lib *lib;
        fn2 f = (fn2)build_sym(SRC_ADD, "open", "bj_t_add", &lib);
        CHECK(f && f(2, 2) == 4);
        cc_lib_close(lib);
    }
    bj_cpu_stats s1 = stats();
    CHECK(s1.compiles == s0.compiles + 2 && s1.disk_hits == s0.disk_hits);
    CHECK(count_files("tmp/cc-open", "", "") == 0);
    CHECK(count_files("tmp/cc-private", "", "") == 0); /* the private directories were removed */
    cache_end();

    /* disk_cache=0: the same, for benchmarks of cold compiles */
    cache_begin("tmp/cc-nodisk");
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK);
    for (int i = 0; i < 2; i++) {
        cc_lib *lib;
        fn2 f = (fn2)build_sym(SRC_ADD, "nodisk", "bj_t_add", &lib);
        CHECK(f && f(2, 5) == 7);
        cc_lib_close(lib);
    }
    bj_cpu_stats s2 = stats();
    CHECK(s2.compiles == s1.compiles + 2 && s2.disk_hits == s1.disk_hits);
    CHECK(access("tmp/cc-nodisk", F_OK) != 0 && count_files("tmp/cc-private", "", "") == 0); /* not even made */
    CHECK(bj_config_set("disk_cache", NULL) == BJ_OK);
    cache_end();
    if (old_tmp) setenv("TMPDIR", saved_tmp, 1);
    else unsetenv("TMPDIR");
}

/* The path after "source kept at " in the last error. */
static bool kept_path(char *out, size_t n) {
    const char *p = strstr(bj_last_error(), "source kept at ");
    if (!p) return false;
    p += strlen("source kept at ");
    size_t len = strcspn(p, "\n");
    if (len >= n) return false;
    memcpy(out, p, len), out[len] = 0;
    return true;
}

static void test_cc_compile_errors(void) {
    cache_begin("tmp/cc-err");
    char kept[PATH_MAX];
    /* test_fault=compile_error: the compiler really fails */
    CHECK(bj_config_set("test_fault", "compile_error") == BJ_OK);
    bj_cpu_stats s0 = stats();
    cc_lib *lib = NULL;
    CHECK(cc_build(SRC_ADD, "faulty", &lib) == BJ_ERR_INTERNAL && lib == NULL);
    CHECK_ERR_HAS("C compiler failed on 'faulty'");
    CHECK_ERR_HAS("test_fault=compile_error"); /* the compiler's own words about the #error line */
    CHECK_ERR_HAS("command: ");
    CHECK_ERR_HAS("-march=native");
    CHECK(stats().failures == s0.failures + 1 && stats().compiles == s0.compiles);
    CHECK(kept_path(kept, sizeof kept));
    char *text = read_text(kept);
    CHECK(text && !strncmp(text, SRC_ADD, strlen(SRC_ADD)) && strstr(text, "#error"));
    free(text);
    const char *said = strstr(bj_last_error(), "compiler output:"); /* names the kept file, not the temporary */
    CHECK(said && !strstr(said, ".tmp-") && strstr(said, kept));
    CHECK(bj_config_set("test_fault", NULL) == BJ_OK);
    fn2 f = (fn2)build_sym(SRC_ADD, "healed", "bj_t_add", &lib);
    CHECK(f && f(3, 3) == 6);
    cc_lib_close(lib);

    /* a source the compiler rejects */
    CHECK(cc_build(SRC_BAD, "bad", &lib) == BJ_ERR_INTERNAL && lib == NULL);
    CHECK_ERR_HAS("undeclared_thing");
    CHECK(kept_path(kept, sizeof kept));
    CHECK_ERR_HAS(kept); /* the compiler's messages name the kept file */
    text = read_text(kept);
    CHECK(text && !strcmp(text, SRC_BAD));
    free(text);
    CHECK(count_files("tmp/cc-err", "", ".so") == 1 && count_files("tmp/cc-err", ".tmp-", "") == 0);
    CHECK(count_files("tmp/cc-err", "failed-", ".c") == 2);

    /* a library that builds but cannot load */
    static const char undef[] = "int bj_t_missing(void);\nint bj_t_undef(void);\n"
                                "int bj_t_undef(void) { return bj_t_missing(); }\n";
    CHECK(cc_build(undef, "undef", &lib) == BJ_ERR_IO && lib == NULL);
    CHECK_ERR_HAS("cannot load the library just built for 'undef'");
    CHECK_ERR_HAS("bj_t_missing");

    /* the same without a disk cache: the private directory stays, holding the source */
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK);
    CHECK(cc_build(SRC_BAD, "bad2", &lib) == BJ_ERR_INTERNAL);
    CHECK(kept_path(kept, sizeof kept));
    text = read_text(kept);
    CHECK(text && !strcmp(text, SRC_BAD));
    free(text);
    char *slash = strrchr(kept, '/');
    if (slash) {
        unlink(kept);
        *slash = 0;
        rmdir(kept);
    }
    CHECK(bj_config_set("disk_cache", NULL) == BJ_OK);
    cache_end();
}

static void test_cc_missing_compiler(void) {
    cache_begin("tmp/cc-nocc");
    cc_lib *lib = NULL;
    CHECK(bj_config_set("cc", "/nonexistent/cc") == BJ_OK);
    CHECK(!cc_available());
    CHECK(cc_build(SRC_ADD, "nocc", &lib) == BJ_ERR_IO && lib == NULL);
    CHECK_ERR_HAS("/nonexistent/cc");
    CHECK_ERR_HAS("not found");
    CHECK(bj_config_set("cc", "brainjit-no-such-compiler") == BJ_OK);
    CHECK(!cc_available());
    CHECK(cc_build(SRC_ADD, "nocc", &lib) == BJ_ERR_IO);
    CHECK_ERR_HAS("not found in PATH");
    CHECK(bj_config_set("cc", "a; touch tmp/cc-injected") == BJ_OK); /* a name, never shell text */
    CHECK(!cc_available() && cc_build(SRC_ADD, "nocc", &lib) == BJ_ERR_IO);
    CHECK(access("tmp/cc-injected", F_OK) != 0);
    CHECK(bj_config_set("cc", NULL) == BJ_OK);
    CHECK(cc_available());
    cache_end();
}

static void test_cc_flags_in_key(void) {
    cache_begin("tmp/cc-flags");
    cc_lib *a, *b;
    CHECK(bj_config_set("cflags", "-DBJ_T_VALUE=7  -Wall") == BJ_OK);
    fn0 f = (fn0)build_sym(SRC_VAL, "val", "bj_t_val", &a);
    CHECK(f && f() == 7);
    CHECK(bj_config_set("cflags", NULL) == BJ_OK);
    fn0 g = (fn0)build_sym(SRC_VAL, "val", "bj_t_val", &b); /* other flags: another entry, not a hit */
    CHECK(g && g() == 1);
    cc_lib_close(a);
    cc_lib_close(b);
    CHECK(count_files("tmp/cc-flags", "", ".so") == 2);
    /* OpenMP code builds with or without -fopenmp (probed once, remembered with the compiler's identity) */
    f = NULL;
    fn1 h = (fn1)build_sym(SRC_OMP, "omp", "bj_t_omp", &a);
    CHECK(h && h(1000) == 499500);
    cc_lib_close(a);
    cache_end();
}

static void test_cc_dump_dir(void) {
    cache_begin("tmp/cc-dumpcache");
    test_rm_rf("tmp/cc-dump");
    CHECK(bj_config_set("dump_dir", "tmp/cc-dump/nested") == BJ_OK);
    cc_lib *lib;
    fn2 f = (fn2)build_sym(SRC_ADD, "my graph/1", "bj_t_add", &lib);
    CHECK(f && f(1, 2) == 3);
    cc_lib_close(lib);
    CHECK(count_files("tmp/cc-dump/nested", "my_graph_1-", ".c") == 1);
    CHECK(count_files("tmp/cc-dump/nested", "", "") == 1);
    DIR *d = opendir("tmp/cc-dump/nested");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        CHECK(strlen(e->d_name) == strlen("my_graph_1-") + 16 + 2);
        char p[PATH_MAX];
        snprintf(p, sizeof p, "tmp/cc-dump/nested/%s", e->d_name);
        char *text = read_text(p);
        CHECK(text && !strcmp(text, SRC_ADD));
        free(text);
    }
    if (d) closedir(d);
    struct stat st;
    CHECK(stat("tmp/cc-dump/nested", &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(bj_config_set("dump_dir", NULL) == BJ_OK);
    cache_end();
}

/* The prelude as the compiler gets it: only the helpers a source names, with what they need, and the slow system
 * headers only where something kept declares from them. The library built from it computes what the helpers do. */
static char *with_prelude(const char *tail) {
    size_t n = strlen(cgen_prelude_text), m = strlen(tail);
    char *s = malloc(n + m + 16);
    if (s) snprintf(s, n + m + 16, "/* t */\n%s\n%s", cgen_prelude_text, tail);
    return s;
}

static void test_cc_trim_prelude(void) {
    size_t n = 0;
    CHECK(cc_trim_prelude(SRC_ADD, strlen(SRC_ADD), &n) == NULL); /* no prelude: compiled as it is */
    static const char exp_tail[] = "float bj_t_exp(float x);\nfloat bj_t_exp(float x) { return bj_exp_f32(x); }\n";
    char *src = with_prelude(exp_tail), *t = src ? cc_trim_prelude(src, strlen(src), &n) : NULL;
    CHECK(t && n == strlen(t) && n < strlen(src) / 2);
    CHECK(t && !strncmp(t, "/* t */\n", 8) && strstr(t, exp_tail)); /* what precedes and follows the prelude */
    CHECK(t && strstr(t, "bj_exp_f32(float x) {") && strstr(t, "bj_m_sel32(int c, float a, float b) {"));
    CHECK(t && !strstr(t, "bj_exp_f64(double x) {") && !strstr(t, "BJ_SORT_DEF(f32"));
    CHECK(t && !strstr(t, "bj_conn_row_take(const"));
    CHECK(t && !strstr(t, "<math.h>") && !strstr(t, "<stdlib.h>") && strstr(t, "<stdint.h>"));
    free(t), free(src);
    /* a helper of a macro-made family, its dependencies and the headers they need */
    static const char sort_tail[] = "void *bj_t_s(int64_t n);\nvoid *bj_t_s(int64_t n) {\n"
                                    "    void *p = bj_sort_scratch_new(n, 4);\n"
                                    "    bj_sort_line_f32(0, 1, 0, 0, 1, 0, p);\n"
                                    "    return p;\n}\n";
    src = with_prelude(sort_tail), t = src ? cc_trim_prelude(src, strlen(src), &n) : NULL;
    CHECK(t && strstr(t, "BJ_SORT_DEF(f32, float, BJ_SORT_LT_FLOAT)") && !strstr(t, "BJ_SORT_DEF(f64, double"));
    CHECK(t && strstr(t, "<stdlib.h>") && strstr(t, "bj_sort_scratch_bytes(int64_t n, size_t es) {"));
    free(t), free(src);
    /* built and called: exp, tanh, a remainder (libm's fmodf), a normal-weight row (Philox, Box-Muller) */
    cache_begin("tmp/cc-trim");
    static const char run_tail[] =
        "float bj_t_f(float x);\n"
        "float bj_t_f(float x) { return bj_exp_f32(x) + bj_tanh_f32(x) + bj_mod_f32(x, 0.75f); }\n"
        "float bj_t_row(void);\nfloat bj_t_row(void) {\n    bj_conn_rule r;\n    float y[64] = {0}, s = 0;\n"
        "    bj_conn_rule_init(&r, 7, 0.5, 64, 0);\n    bj_conn_row_add_normal_f32(&r, 3, 1.0f, 0.0f, 1.0f, y);\n"
        "    for (int i = 0; i < 64; i++) s += y[i];\n    return s;\n}\n";
    src = with_prelude(run_tail);
    cc_lib *lib = NULL;
    float (*f)(float) = src ? (float (*)(float))build_sym(src, "trim", "bj_t_f", &lib) : NULL;
    float (*row)(void) = lib ? (float (*)(void))cc_sym(lib, "bj_t_row") : NULL;
    CHECK(f && f(0.5f) == bj_exp_f32(0.5f) + bj_tanh_f32(0.5f) + 0.5f);
    CHECK(row && row() != 0 && row() == row());
    cc_lib_close(lib);
    free(src);
    cache_end();
}

void tests_cc(void) {
    mkdir("tmp", 0755);
    RUN(test_cc_config);
    RUN(test_cc_compile_load_call);
    RUN(test_cc_second_process_hit);
    RUN(test_cc_concurrent_builders);
    RUN(test_cc_concurrent_threads);
    RUN(test_cc_corrupt_library_rebuilt);
    RUN(test_cc_rebuilt_while_loaded);
    RUN(test_cc_changed_source_rebuilt);
    RUN(test_cc_private_dirs);
    RUN(test_cc_compile_errors);
    RUN(test_cc_missing_compiler);
    RUN(test_cc_flags_in_key);
    RUN(test_cc_dump_dir);
    RUN(test_cc_trim_prelude);
    RUN(test_cc_ccchild);
}
