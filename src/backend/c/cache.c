/* cache.c — the disk cache of compiled libraries (content-addressed, locked, checked before loading) and loader. */
#include "backend/c/cc_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_MAX (PATH_MAX - 256) /* leaves room for the names of entries and temporaries in the directory */

/* An entry is <key>.c (the source, compared byte for byte before use), <key>.so and <key>.meta (the library's size
 * and XXH3-128, so a truncated or damaged library is caught before dlopen). Writers build under temporary names
 * and rename, holding an exclusive flock on <key>.lock; readers check without the lock first (the warm path) and
 * take it only to rebuild, re-checking once they hold it, so concurrent builders of one source leave one entry. */

struct cc_lib {
    void *handle;
    dev_t dev; /* the library file that was checked and loaded */
    ino_t ino;
    cc_lib *next;
};

/* Libraries open in this process. dlopen returns an already loaded object for a path (or file) it has seen, even
 * when the file at that path was replaced since; this list tells whether such an object is the checked file. */
static pthread_mutex_t libs_mu = PTHREAD_MUTEX_INITIALIZER;
static cc_lib *libs;

static bool lib_wrap(void *h, dev_t dev, ino_t ino, cc_lib **out, char *why, size_t nwhy) {
    cc_lib *l = malloc(sizeof *l);
    if (!l) {
        dlclose(h);
        snprintf(why, nwhy, "out of memory");
        return false;
    }
    *l = (cc_lib){h, dev, ino, NULL};
    pthread_mutex_lock(&libs_mu);
    l->next = libs, libs = l;
    pthread_mutex_unlock(&libs_mu);
    *out = l;
    return true;
}

static bool handle_is(void *h, dev_t dev, ino_t ino) {
    bool same = false;
    pthread_mutex_lock(&libs_mu);
    for (cc_lib *l = libs; l && !same; l = l->next) same = l->handle == h && l->dev == dev && l->ino == ino;
    pthread_mutex_unlock(&libs_mu);
    return same;
}

void cc_lib_close(cc_lib *lib) {
    if (!lib) return;
    pthread_mutex_lock(&libs_mu);
    for (cc_lib **p = &libs; *p; p = &(*p)->next)
        if (*p == lib) {
            *p = lib->next;
            break;
        }
    pthread_mutex_unlock(&libs_mu);
    dlclose(lib->handle);
    free(lib);
}

void *cc_sym(cc_lib *lib, const char *symbol) { return lib && symbol ? dlsym(lib->handle, symbol) : NULL; }

/* ---------------------------------------------------------------- directories */
static atomic_bool warned;

BJ_PRINTF(1, 2) static void warn_once(const char *fmt, ...) {
    if (atomic_exchange(&warned, true)) return;
    char msg[PATH_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "brainjit: warning: %s; compiling into private temporary directories instead (warned once)\n", msg);
}

/* mkdir -p, new directories 0700. */
static bool mkdir_p(const char *dir) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0700);
            *s = '/';
        }
    return !mkdir(p, 0700) || errno == EEXIST;
}

/* The cache directory if it may be used: created 0700 when missing, a directory of this user that nobody else can
 * write (else a library someone else wrote could be loaded). */
static bool cache_dir(char *dir, size_t n) {
    char cfg[PATH_MAX];
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    core_config("cache_dir", cfg, sizeof cfg);
    int k;
    if (*cfg) k = snprintf(dir, n, "%s", cfg);
    else if (x && x[0] == '/') k = snprintf(dir, n, "%s/brainjit", x);
    else if (home && *home) k = snprintf(dir, n, "%s/.cache/brainjit", home);
    else {
        warn_once("no cache directory ($HOME is not set; set \"cache_dir\" or BJ_CACHE_DIR)");
        return false;
    }
    if (k < 0 || (size_t)k >= n) {
        warn_once("cache directory path too long: %.200s", dir);
        return false;
    }
    struct stat st;
    if (!mkdir_p(dir) || stat(dir, &st)) {
        warn_once("cannot create the cache directory %s: %s", dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        warn_once("the cache directory %s is not a directory", dir);
        return false;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        warn_once("the cache directory %s is %s", dir,
                  st.st_uid != geteuid() ? "not owned by this user" : "writable by group or others");
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- checking an entry */
typedef enum { ENTRY_OK, ENTRY_MISSING, ENTRY_BAD } entry_state;

/* XXH3-128 of an open file's bytes, from its start. */
static bool hash_fd(int fd, char hex[33], long long *size) {
    XXH3_state_t *s = XXH3_createState();
    char *buf = malloc(1 << 16);
    bool ok = s && buf && XXH3_128bits_reset(s) == XXH_OK;
    long long total = 0;
    while (ok) {
        ssize_t k = read(fd, buf, 1 << 16);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) ok = false;
        if (k <= 0) break;
        total += k;
        XXH3_128bits_update(s, buf, (size_t)k);
    }
    if (ok) cc_hex128(XXH3_128bits_digest(s), hex), *size = total;
    XXH3_freeState(s);
    free(buf);
    return ok;
}

/* Whether the file at path holds exactly len bytes equal to data. */
static bool same_bytes(const char *path, const char *data, size_t len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool same = !fstat(fd, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    char buf[16384];
    for (size_t at = 0; same && at < len;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        same = k > 0 && (size_t)k <= len - at && !memcmp(buf, data + at, (size_t)k);
        at += k > 0 ? (size_t)k : 0;
    }
    close(fd);
    return same;
}

/* dlopen through a fresh name (a hard link), for when the entry's own path names another loaded object. */
static bool load_linked(const char *so, dev_t dev, ino_t ino, cc_lib **out, char *why, size_t nwhy) {
    static atomic_uint counter;
    const char *slash = strrchr(so, '/');
    int dl = slash ? (int)(slash - so) : 1;
    char tmp[PATH_MAX + 64];
    bool linked = false;
    for (int tries = 0; tries < 8 && !linked; tries++) {
        snprintf(tmp, sizeof tmp, "%.*s/.tmp-load-%ld-%u.so", dl, slash ? so : ".", (long)getpid(),
                 atomic_fetch_add(&counter, 1));
        linked = !link(so, tmp);
        if (!linked && errno != EEXIST) break;
    }
    if (!linked) {
        snprintf(why, nwhy, "cannot link the library to a fresh name: %s", strerror(errno));
        return false;
    }
    struct stat st;
    void *h = NULL;
    if (stat(tmp, &st) || st.st_dev != dev || st.st_ino != ino)
        snprintf(why, nwhy, "the library changed while loading");
    else if (!(h = dlopen(tmp, RTLD_NOW | RTLD_LOCAL))) snprintf(why, nwhy, "dlopen failed: %s", dlerror());
    unlink(tmp);
    return h && lib_wrap(h, dev, ino, out, why, nwhy);
}

/* Loads the library file so whose bytes were checked (it is dev/ino). */
static bool load_checked(const char *so, dev_t dev, ino_t ino, cc_lib **out, char *why, size_t nwhy) {
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (h) {
        if (handle_is(h, dev, ino)) return lib_wrap(h, dev, ino, out, why, nwhy);
        dlclose(h); /* an object loaded from an older file at this path */
        return load_linked(so, dev, ino, out, why, nwhy);
    }
    if (!(h = dlopen(so, RTLD_NOW | RTLD_LOCAL))) {
        snprintf(why, nwhy, "dlopen failed: %s", dlerror());
        return false;
    }
    struct stat st;
    if (stat(so, &st) || st.st_dev != dev || st.st_ino != ino) {
        dlclose(h);
        snprintf(why, nwhy, "the library changed while loading");
        return false;
    }
    return lib_wrap(h, dev, ino, out, why, nwhy);
}

/* Checks the entry at base (<dir>/<key>) against src and loads it. */
static entry_state try_load(const char *base, const char *src, size_t len, cc_lib **out, char *why, size_t nwhy) {
    char p[PATH_MAX + 16], meta[256], hex[33], want[33];
    long long size = -1, got = -2;
    snprintf(p, sizeof p, "%s.meta", base);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(p, sizeof p, "%s.so", base);
        bool so = !access(p, F_OK);
        snprintf(p, sizeof p, "%s.c", base);
        snprintf(why, nwhy, "no metadata");
        return so || !access(p, F_OK) ? ENTRY_BAD : ENTRY_MISSING;
    }
    ssize_t k = read(fd, meta, sizeof meta - 1);
    close(fd);
    meta[k > 0 ? k : 0] = 0;
    if (sscanf(meta, "brainjit-cc-meta 1\nsize %lld\nxxh3 %32s", &size, want) != 2 || strlen(want) != 32) {
        snprintf(why, nwhy, "unreadable metadata");
        return ENTRY_BAD;
    }
    snprintf(p, sizeof p, "%s.c", base);
    if (!same_bytes(p, src, len)) {
        snprintf(why, nwhy, "the stored source differs");
        return ENTRY_BAD;
    }
    snprintf(p, sizeof p, "%s.so", base);
    struct stat st;
    if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size != size ||
        !hash_fd(fd, hex, &got) || got != size || strcmp(hex, want)) {
        if (fd >= 0) close(fd);
        snprintf(why, nwhy, "the library is missing, truncated or damaged");
        return ENTRY_BAD;
    }
    close(fd);
    return load_checked(p, st.st_dev, st.st_ino, out, why, nwhy) ? ENTRY_OK : ENTRY_BAD;
}

/* An OpenMP runtime loaded as a dependency of a generated library would be unloaded with the last such library
 * while its idle worker threads still run its code; marking it NODELETE keeps it for the life of the process. */
static void pin_openmp_runtime(void) {
    static const char *const rt[] = {"libgomp.so.1", "libomp.so.5", "libomp.so", "libiomp5.so"};
    static atomic_bool pinned[4];
    for (int i = 0; i < 4; i++) {
        if (atomic_load(&pinned[i])) continue;
        void *h = dlopen(rt[i], RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
        if (h) atomic_store(&pinned[i], true), dlclose(h);
    }
}

/* ---------------------------------------------------------------- building */
/* Graph names go into file names: keep [A-Za-z0-9._-], at most 40 characters, no leading dot. */
static void safe_name(const char *name, char *out, size_t n) {
    size_t j = 0;
    for (const char *s = name; *s && j + 1 < n && j < 40; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || (c == '.' && j > 0);
        out[j++] = ok ? c : '_';
    }
    out[j] = 0;
    if (!j) snprintf(out, n, "graph");
}

static void key_part(XXH3_state_t *s, const void *p, size_t n) {
    uint64_t len = n; /* length-prefixed, so parts cannot run into each other */
    XXH3_128bits_update(s, &len, sizeof len);
    XXH3_128bits_update(s, p, n);
}

static bool make_key(const char *src, size_t len, const cc_tool *t, char key[33]) {
    XXH3_state_t *s = XXH3_createState();
    if (!s || XXH3_128bits_reset(s) != XXH_OK) {
        XXH3_freeState(s);
        return false;
    }
    static const char what[] = "brainjit cc key 1; argv: cc <flags> -o x.so x.c -lm";
    key_part(s, what, sizeof what - 1);
    key_part(s, src, len);
    key_part(s, t->ident, strlen(t->ident));
    for (int i = 0; i < t->nflags; i++) key_part(s, t->flags[i], strlen(t->flags[i]));
    key_part(s, bj_version(), strlen(bj_version()));
    key_part(s, cc_cpu_id(), strlen(cc_cpu_id()));
    cc_hex128(XXH3_128bits_digest(s), key);
    XXH3_freeState(s);
    return true;
}

typedef struct {
    const char *src, *name, *safe, *key;
    size_t len;
    const cc_tool *t;
    double compile_s;
} job;

static bj_status io_err(const char *what, const char *path) {
    return core_err(BJ_ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Compiles into temporary names in dir and renames them into the entry at base; caller holds the lock. */
static bj_status compile_entry(job *j, const char *dir, const char *base, cc_lib **out) {
    char csrc[PATH_MAX], so[PATH_MAX], kept[PATH_MAX], meta[128], mtmp[PATH_MAX], hex[33] = "", why[512];
    if (!cc_write_temp(dir, ".tmp-XXXXXX.c", 2, j->src, j->len, csrc, sizeof csrc))
        return io_err("cannot write a source into the cache directory", dir);
    snprintf(so, sizeof so, "%.*s.so", (int)strlen(csrc) - 2, csrc);
    snprintf(kept, sizeof kept, "%s/failed-%s-%.16s.c", dir, j->safe, j->key);
    bj_status s = cc_run(j->t, csrc, so, kept, j->name, &j->compile_s);
    if (s) {
        if (s != BJ_ERR_INTERNAL || rename(csrc, kept)) unlink(csrc);
        unlink(so);
        return s;
    }
    long long size = 0;
    int fd = open(so, O_RDONLY | O_CLOEXEC);
    bool hashed = fd >= 0 && hash_fd(fd, hex, &size);
    if (fd >= 0) close(fd);
    int ml = snprintf(meta, sizeof meta, "brainjit-cc-meta 1\nsize %lld\nxxh3 %s\n", size, hex);
    char dst[PATH_MAX + 16];
    if (!hashed) s = io_err("cannot read the library just built", so);
    else if (!cc_write_temp(dir, ".tmp-XXXXXX", 0, meta, (size_t)ml, mtmp, sizeof mtmp))
        s = io_err("cannot write into the cache directory", dir);
    else {
        /* metadata last: until it names the new library, readers see a mismatch and wait for the lock */
        snprintf(dst, sizeof dst, "%s.so", base);
        if (rename(so, dst)) s = io_err("cannot rename into", dst);
        snprintf(dst, sizeof dst, "%s.c", base);
        if (!s && rename(csrc, dst)) s = io_err("cannot rename into", dst);
        snprintf(dst, sizeof dst, "%s.meta", base);
        if (!s && rename(mtmp, dst)) s = io_err("cannot rename into", dst);
        if (s) unlink(mtmp);
    }
    if (s) {
        unlink(so), unlink(csrc);
        return s;
    }
    if (try_load(base, j->src, j->len, out, why, sizeof why) != ENTRY_OK)
        return core_err(BJ_ERR_IO, "cannot load the library just built for '%.64s' (%s.so): %s", j->name, base, why);
    return BJ_OK;
}

static bj_status build_cached(job *j, const char *dir, cc_lib **out) {
    char base[PATH_MAX], lock[PATH_MAX + 16], why[512];
    snprintf(base, sizeof base, "%s/%s", dir, j->key);
    if (try_load(base, j->src, j->len, out, why, sizeof why) == ENTRY_OK) {
        core_stat_add(CORE_STAT_DISK_HITS, 1);
        return BJ_OK;
    }
    snprintf(lock, sizeof lock, "%s.lock", base);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_err("cannot open the cache lock", lock);
    while (flock(fd, LOCK_EX))
        if (errno != EINTR) {
            bj_status s = io_err("cannot lock", lock);
            close(fd);
            return s;
        }
    /* another process may have built it while this one waited */
    entry_state e = try_load(base, j->src, j->len, out, why, sizeof why);
    bj_status s = BJ_OK;
    if (e == ENTRY_OK) core_stat_add(CORE_STAT_DISK_HITS, 1);
    else {
        if (e == ENTRY_BAD) core_stat_add(CORE_STAT_REBUILDS, 1);
        s = compile_entry(j, dir, base, out);
    }
    close(fd); /* the lock file stays: removing it would let a waiter lock a file that no longer has the name */
    return s;
}

/* Without a usable disk cache: compile in a new private directory, load, remove it (kept with the source when
 * the compiler rejects it, so the message can point at it). */
static bj_status build_private(job *j, cc_lib **out) {
    char dir[DIR_MAX], pattern[96], c[PATH_MAX], so[PATH_MAX], why[512];
    if (!cc_private_dir(dir, sizeof dir)) return io_err("cannot create a private temporary directory in", "$TMPDIR");
    snprintf(pattern, sizeof pattern, "%s-%.16s-XXXXXX.c", j->safe, j->key);
    if (!cc_write_temp(dir, pattern, 2, j->src, j->len, c, sizeof c)) {
        bj_status s = io_err("cannot write a source into", dir);
        cc_remove_dir(dir);
        return s;
    }
    snprintf(so, sizeof so, "%.*s.so", (int)strlen(c) - 2, c);
    bj_status s = cc_run(j->t, c, so, c, j->name, &j->compile_s);
    if (s == BJ_ERR_INTERNAL) {
        unlink(so);
        return s;
    }
    struct stat st;
    void *h = NULL;
    if (!s && stat(so, &st)) s = io_err("the compiler left no library at", so);
    else if (!s && !(h = dlopen(so, RTLD_NOW | RTLD_LOCAL)))
        s = core_err(BJ_ERR_IO, "cannot load the library just built for '%.64s': %s", j->name, dlerror());
    if (h && !lib_wrap(h, st.st_dev, st.st_ino, out, why, sizeof why)) s = core_err(BJ_ERR_NOMEM, "%s", why);
    cc_remove_dir(dir);
    return s;
}

static bj_status dump_source(const job *j) {
    char dir[DIR_MAX], tmp[PATH_MAX], dst[PATH_MAX];
    core_config("dump_dir", dir, sizeof dir);
    if (!*dir) return BJ_OK;
    if (!mkdir_p(dir)) return io_err("cannot create dump_dir", dir);
    if (!cc_write_temp(dir, ".tmp-XXXXXX.c", 2, j->src, j->len, tmp, sizeof tmp))
        return io_err("cannot write into dump_dir", dir);
    snprintf(dst, sizeof dst, "%s/%s-%.16s.c", dir, j->safe, j->key);
    if (!rename(tmp, dst)) return BJ_OK;
    bj_status s = io_err("cannot write", dst);
    unlink(tmp);
    return s;
}

bj_status cc_build(const char *source, const char *name, cc_lib **out) {
    if (!out) return core_err(BJ_ERR_ARG, "cc_build: out is NULL");
    *out = NULL;
    if (!source) return core_err(BJ_ERR_ARG, "cc_build: source is NULL");
    double t0 = cc_now();
    char safe[48], fault[32], disk[8], dir[DIR_MAX], key[33];
    job j = {.src = source, .name = name && *name ? name : "graph", .safe = safe, .key = key};
    safe_name(j.name, safe, sizeof safe);
    core_config("test_fault", fault, sizeof fault);
    char *faulty = NULL;
    if (!strcmp(fault, "compile_error")) { /* a real compiler failure, so the whole failure path runs */
        static const char bad[] = "\n#error brainjit test_fault=compile_error\n";
        size_t n = strlen(source);
        if (!(faulty = malloc(n + sizeof bad))) return core_err(BJ_ERR_NOMEM, "out of memory");
        memcpy(faulty, source, n), memcpy(faulty + n, bad, sizeof bad);
        j.src = faulty;
    }
    j.len = strlen(j.src);
    core_config("disk_cache", disk, sizeof disk);
    bool have_dir = cache_dir(dir, sizeof dir);
    cc_tool *t = malloc(sizeof *t);
    bj_status s = t ? cc_tool_init(t, j.src, have_dir ? dir : NULL) : core_err(BJ_ERR_NOMEM, "out of memory");
    j.t = t;
    if (!s && !make_key(j.src, j.len, t, key)) s = core_err(BJ_ERR_NOMEM, "out of memory hashing a source");
    if (!s) s = dump_source(&j);
    if (!s) s = have_dir && strcmp(disk, "0") ? build_cached(&j, dir, out) : build_private(&j, out);
    if (!s && t->openmp) pin_openmp_runtime();
    double in_compiler = j.compile_s + (t ? t->init_s : 0);
    if (t) cc_tool_free(t);
    free(t);
    free(faulty);
    core_stat_time(false, cc_now() - t0 - in_compiler);
    return s;
}
