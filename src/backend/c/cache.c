/* cache.c — the disk cache of compiled libraries (one checked file per entry, locked, size-bounded) and loader. */
#include "backend/c/cc_internal.h"
#include "backend/c/cgen.h"

#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#define DIR_MAX (PATH_MAX - 256) /* leaves room for the names of entries and temporaries in the directory */
#define FOOT 256                 /* an entry's footer: FIELDS bytes of fields, then "xxh3 <hex>\n", NUL-padded */
#define FIELDS 208
#define SHARDS 64                /* lock files lock-00 .. lock-3f */
#define STALE_FILE_S 600         /* a plain temporary untouched this long was left by a process that died */
#define STALE_DIR_S 60           /* a build directory nobody holds locked, older than this, was left by one */
#define DEFAULT_MAX_BYTES (1LL << 30)

/* A cache directory holds
 *   <key>.so       an entry, one file: the library as the compiler wrote it, then the source (less the prelude,
 *                  which every source of this build shares: the footer names its offset and hash), then a footer
 *                  with the key, the lengths and an XXH3-128 of all the bytes before that hash. The footer must be
 *                  exactly what this key and source give and the hash must match, so a file renamed, swapped or
 *                  copied from another entry, truncated or damaged is rebuilt; the ELF loader ignores the tail.
 *                  One file per entry: it is installed by one rename, removed by one unlink, never half of two.
 *   lock-NN        flock shards: builders of keys of one shard take turns; lock-prune: one scan at a time
 *   cc-*.id        the compiler's identity (cc.c); failed-*.c: sources the compiler rejected, kept for the message
 *   .tmp-XXXXXX/   a build in progress, flocked by its builder while it lives: unlocked, it was left by a death
 * Every file is opened with O_NOFOLLOW | O_NONBLOCK and used only if it is a regular file of this user that
 * nobody else may write: a FIFO, device, symlink or directory at an entry's name is a damaged entry (rebuilt and
 * replaced; a directory that holds the name is left, and the build used without storing it). Readers check
 * without a lock (the warm path) and touch the entry's mtime, its last use; builders take the shard lock,
 * re-check, build in a .tmp- directory and rename the entry in. After a write the directory is scanned (on the
 * process's first write into it, or when its estimate of the directory's size passes the bound): left-over
 * temporaries go, and past "cache_max_bytes" the least recently used entries, down to 90% of it. A directory that
 * cannot be written (read-only, an unusable lock, full) still serves hits; misses are built privately. */

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

/* ---------------------------------------------------------------- directories and files */
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

/* The cache directory's path (nothing is created); NULL, or why there is none. */
static const char *cache_path(char *dir, size_t n) {
    char cfg[PATH_MAX];
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    core_config("cache_dir", cfg, sizeof cfg);
    int k;
    if (*cfg) k = snprintf(dir, n, "%s", cfg);
    else if (x && x[0] == '/') k = snprintf(dir, n, "%s/brainjit", x);
    else if (home && *home) k = snprintf(dir, n, "%s/.cache/brainjit", home);
    else return "no cache directory ($HOME is not set; set \"cache_dir\" or BJ_CACHE_DIR)";
    return k < 0 || (size_t)k >= n ? "the cache directory's path is too long" : NULL;
}

/* NULL if st may be the cache: a directory of this user that nobody else can write (else a library someone else
 * wrote could be loaded); else what it is. */
static const char *dir_refused(const struct stat *st) {
    if (!S_ISDIR(st->st_mode)) return "not a directory";
    if (st->st_uid != geteuid()) return "not owned by this user";
    return st->st_mode & (S_IWGRP | S_IWOTH) ? "writable by group or others" : NULL;
}

/* The cache directory if it may be used, created 0700 when missing. */
static bool cache_dir(char *dir, size_t n) {
    const char *why = cache_path(dir, n);
    struct stat st;
    if (why) warn_once("%s", why);
    else if (!mkdir_p(dir) || stat(dir, &st))
        warn_once("cannot create the cache directory %s: %s", dir, strerror(errno));
    else if ((why = dir_refused(&st))) warn_once("the cache directory %s is %s", dir, why);
    else return true;
    return false;
}

static bool file_ok(const struct stat *st) {
    return S_ISREG(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int cc_open_file(const char *path, struct stat *st) {
    /* lstat first, so that nothing but a regular file is ever opened (opening some devices acts) */
    if (lstat(path, st)) return -1;
    int fd = file_ok(st) ? open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
    if (fd >= 0 && (fstat(fd, st) || !file_ok(st))) close(fd), fd = -1;
    if (fd < 0) errno = EPERM; /* even ENOENT: it was there a moment ago */
    return fd;
}

/* Opens (creating) a lock file of the cache, name relative to dfd, and takes it: a regular file of this user, or
 * -1 with errno set. With wait false, another holder makes it fail with EWOULDBLOCK. */
static int take_lock(int dfd, const char *name, bool wait) {
    int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()))
        close(fd), fd = -1, errno = EPERM;
    while (fd >= 0 && flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)))
        if (errno != EINTR) {
            int e = errno;
            close(fd), fd = -1, errno = e;
        }
    return fd;
}

static bool write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w, len -= (size_t)w;
    }
    return true;
}

/* "cache_max_bytes": digits with an optional K, M or G (powers of 1024), already checked by config.c. */
static long long max_bytes(void) {
    char v[64];
    core_config("cache_max_bytes", v, sizeof v);
    if (!*v) return DEFAULT_MAX_BYTES;
    char *end;
    long long n = strtoll(v, &end, 10);
    int c = *end | 0x20; /* lower case */
    return n << (c == 'k' ? 10 : c == 'm' ? 20 : c == 'g' ? 30 : 0);
}

/* ---------------------------------------------------------------- entries */
typedef enum { ENTRY_OK, ENTRY_MISSING, ENTRY_BAD } entry_state;

/* The source as an entry stores it: a (before the prelude) and b (after it); pre_at is the prelude's offset, or -1
 * when the source does not hold it (then b is empty). */
typedef struct {
    const char *a, *b;
    size_t na, nb;
    long long pre_at;
} stored;

static pthread_once_t prelude_once = PTHREAD_ONCE_INIT;
static size_t prelude_len;
static char prelude_hex[33];

static void prelude_init(void) {
    prelude_len = strlen(cgen_prelude_text);
    cc_hex128(XXH3_128bits(cgen_prelude_text, prelude_len), prelude_hex);
}

static stored store_form(const char *src, size_t len) {
    pthread_once(&prelude_once, prelude_init);
    const char *hit = prelude_len ? memmem(src, len, cgen_prelude_text, prelude_len) : NULL;
    if (!hit) return (stored){src, src + len, len, 0, -1};
    size_t at = (size_t)(hit - src);
    return (stored){src, hit + prelude_len, at, len - at - prelude_len, (long long)at};
}

/* The footer's fields for an entry of key whose library has lib bytes (NUL-padded to FIELDS), and its hash part. */
static void footer_fields(char f[FIELDS], const char *key, long long lib, const stored *s) {
    memset(f, 0, FIELDS);
    snprintf(f, FIELDS, "brainjit-cc-entry 1\nkey %s\nlib %lld\nsrc %zu\nprelude %lld %s\n", key, lib, s->na + s->nb,
             s->pre_at, prelude_hex);
}
static void footer_hash(char f[FOOT - FIELDS], XXH3_state_t *h) {
    char hex[33];
    cc_hex128(XXH3_128bits_digest(h), hex);
    memset(f, 0, FOOT - FIELDS);
    snprintf(f, FOOT - FIELDS, "xxh3 %s\n", hex);
}

/* Whether the k bytes at buf equal the stored source's from offset at (at + k within it). */
static bool stored_eq(const stored *s, size_t at, const char *buf, size_t k) {
    if (at < s->na) {
        size_t m = s->na - at < k ? s->na - at : k;
        if (memcmp(s->a + at, buf, m)) return false;
        at += m, buf += m, k -= m;
    }
    return !k || !memcmp(s->b + (at - s->na), buf, k);
}

/* Whether the open entry fd of size bytes is the entry of key holding s (see the layout above). */
static bool entry_matches(int fd, long long size, const char *key, const stored *s, char *why, size_t nwhy) {
    long long slen = (long long)(s->na + s->nb), lib = size - FOOT - slen, body = size - FOOT;
    char foot[FOOT], want[FOOT];
    footer_fields(want, key, lib, s);
    if (lib <= 0 || pread(fd, foot, FOOT, body) != FOOT || memcmp(foot, want, FIELDS)) {
        snprintf(why, nwhy, "the entry is not the one of this key and source (renamed, swapped, truncated or other)");
        return false;
    }
    XXH3_state_t *h = XXH3_createState();
    char *buf = malloc(1 << 16);
    bool ok = h && buf && XXH3_128bits_reset(h) == XXH_OK, same = true;
    for (long long off = 0; ok && off < body;) {
        ssize_t k = pread(fd, buf, (size_t)(body - off < (1 << 16) ? body - off : (1 << 16)), off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) ok = false;
        if (!ok) break;
        XXH3_128bits_update(h, buf, (size_t)k);
        long long lo = off > lib ? off : lib, hi = off + k < lib + slen ? off + k : lib + slen;
        if (lo < hi && same) same = stored_eq(s, (size_t)(lo - lib), buf + (lo - off), (size_t)(hi - lo));
        off += k;
    }
    if (ok) {
        XXH3_128bits_update(h, foot, FIELDS);
        footer_hash(want + FIELDS, h);
    }
    XXH3_freeState(h);
    free(buf);
    if (!ok) snprintf(why, nwhy, "cannot read the entry: %s", errno ? strerror(errno) : "out of memory");
    else if (!same) snprintf(why, nwhy, "the stored source differs");
    else if (memcmp(foot + FIELDS, want + FIELDS, FOOT - FIELDS)) snprintf(why, nwhy, "the entry is damaged");
    return ok && same && !memcmp(foot + FIELDS, want + FIELDS, FOOT - FIELDS);
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

/* Checks the entry at path against key and s, records its use and loads it. */
static entry_state try_load(const char *path, const char *key, const stored *s, cc_lib **out, char *why,
                            size_t nwhy) {
    struct stat st;
    int fd = cc_open_file(path, &st);
    if (fd < 0) {
        snprintf(why, nwhy, errno == ENOENT ? "no entry" : "not a regular file of this user");
        return errno == ENOENT ? ENTRY_MISSING : ENTRY_BAD;
    }
    errno = 0;
    bool ok = entry_matches(fd, (long long)st.st_size, key, s, why, nwhy);
    if (ok) futimens(fd, NULL); /* its last use, for pruning (best effort: the directory may be read-only) */
    close(fd);
    return ok && load_checked(path, st.st_dev, st.st_ino, out, why, nwhy) ? ENTRY_OK : ENTRY_BAD;
}

/* Appends the stored source and the footer to the library the compiler wrote at so; its bytes into *size. */
static bool seal(const char *so, const char *key, const stored *s, long long *size) {
    int fd = open(so, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    XXH3_state_t *h = XXH3_createState();
    char *buf = malloc(1 << 16), foot[FOOT];
    bool ok = h && buf && XXH3_128bits_reset(h) == XXH_OK && !fchmod(fd, 0600);
    long long lib = 0;
    while (ok) {
        ssize_t k = read(fd, buf, 1 << 16);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) ok = false;
        if (k <= 0) break;
        XXH3_128bits_update(h, buf, (size_t)k);
        lib += k;
    }
    if ((ok = ok && lib > 0)) {
        footer_fields(foot, key, lib, s);
        XXH3_128bits_update(h, s->a, s->na);
        XXH3_128bits_update(h, s->b, s->nb);
        XXH3_128bits_update(h, foot, FIELDS);
        footer_hash(foot + FIELDS, h);
        ok = write_all(fd, s->a, s->na) && write_all(fd, s->b, s->nb) && write_all(fd, foot, FOOT);
    }
    XXH3_freeState(h);
    free(buf);
    if (close(fd)) ok = false;
    *size = lib + (long long)(s->na + s->nb) + FOOT;
    return ok;
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

/* ---------------------------------------------------------------- scanning: temporaries, pruning, clearing */
typedef enum { N_OTHER, N_TMP, N_LOCK, N_ID, N_UNIT } name_kind;

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* What a name in the cache directory is; only names this file or cc.c make are ever removed. Units are what
 * pruning counts and removes: entries, kept sources, and the files of an older layout (<key>.c, .meta, .lock). */
static name_kind classify(const char *n) {
    if (strlen(n) >= 96) return N_OTHER;
    if (!strncmp(n, ".tmp-", 5)) return N_TMP;
    if (!strcmp(n, "lock-prune") || (!strncmp(n, "lock-", 5) && strspn(n + 5, "0123456789abcdef") == 2 && !n[7]))
        return N_LOCK;
    if (!strncmp(n, "cc-", 3) && ends_with(n, ".id")) return N_ID;
    if (!strncmp(n, "failed-", 7) && ends_with(n, ".c")) return N_UNIT;
    const char *x = strspn(n, "0123456789abcdef") == 32 ? n + 32 : "";
    return !strcmp(x, ".so") || !strcmp(x, ".c") || !strcmp(x, ".meta") || !strcmp(x, ".lock") ? N_UNIT : N_OTHER;
}

/* Removes the temporary name of dfd if it was left over: a build directory older than STALE_DIR_S (one just made
 * may not be locked yet) that nobody holds locked, or a plain file untouched for STALE_FILE_S. */
static void remove_if_stale(int dfd, const char *name, const struct stat *st, time_t now) {
    double age = difftime(now, st->st_mtime);
    if (!S_ISDIR(st->st_mode)) {
        if (age > STALE_FILE_S) unlinkat(dfd, name, 0);
        return;
    }
    if (age <= STALE_DIR_S) return; /* never even locked here, so its builder's lock never waits on this */
    int t = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (t < 0) return;
    bool unlocked = !flock(t, LOCK_EX | LOCK_NB);
    /* a filesystem without flock on directories: age alone */
    if (unlocked || (errno != EWOULDBLOCK && age > STALE_FILE_S)) {
        int t2 = dup(t);
        DIR *d = t2 >= 0 ? fdopendir(t2) : NULL;
        if (!d && t2 >= 0) close(t2);
        for (struct dirent *e; d && (e = readdir(d));)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(t, e->d_name, 0);
        if (d) closedir(d);
        unlinkat(dfd, name, AT_REMOVEDIR);
    }
    close(t);
}

typedef struct {
    char name[96];
    struct timespec used;
    long long size;
} unit;

static int by_use(const void *pa, const void *pb) {
    const unit *a = pa, *b = pb;
    if (a->used.tv_sec != b->used.tv_sec) return a->used.tv_sec < b->used.tv_sec ? -1 : 1;
    if (a->used.tv_nsec != b->used.tv_nsec) return a->used.tv_nsec < b->used.tv_nsec ? -1 : 1;
    return strcmp(a->name, b->name);
}

BJ_PRINTF(3, 4) static void say(char *err, size_t n, const char *fmt, ...) {
    if (!err || *err) return; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* One pass over the cache directory dir holding lock-prune (a clear waits for it; a scan after a write gives up if
 * another thread or process holds it): removes left-over temporaries, then every file of the cache (clear) or,
 * when its units total more than bound, the least recently used down to 90% of bound. Returns the bytes of units
 * left, or -1; err (if not NULL) receives the first problem. */
static long long scan_dir(const char *dir, long long bound, bool clear, char *err, size_t nerr) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), lk = -1, d2 = -1;
    DIR *d = NULL;
    if (dfd < 0 || (lk = take_lock(dfd, "lock-prune", clear)) < 0 || (d2 = dup(dfd)) < 0 || !(d = fdopendir(d2))) {
        say(err, nerr, "cannot scan %s: %s", dir, strerror(errno));
        if (d2 >= 0) close(d2);
        if (lk >= 0) close(lk);
        if (dfd >= 0) close(dfd);
        return -1;
    }
    unit *u = NULL;
    size_t nu = 0, cap = 0;
    long long total = 0;
    bool oom = false;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        name_kind kind = classify(n);
        struct stat st;
        if (kind == N_OTHER || fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW)) continue;
        if (kind == N_TMP) remove_if_stale(dfd, n, &st, now);
        else if (clear && strcmp(n, "lock-prune")) {
            if (unlinkat(dfd, n, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) && errno != ENOENT)
                say(err, nerr, "cannot remove %s/%s: %s", dir, n, strerror(errno));
        } else if (kind == N_UNIT && S_ISREG(st.st_mode) && !clear) {
            if (nu == cap) {
                unit *g = realloc(u, (cap = cap ? 2 * cap : 256) * sizeof *u);
                if (!g) {
                    oom = true;
                    break;
                }
                u = g;
            }
            snprintf(u[nu].name, sizeof u[nu].name, "%s", n);
            u[nu].used = st.st_mtim, u[nu].size = (long long)st.st_size;
            total += u[nu++].size;
        }
    }
    closedir(d);
    if (!oom && total > bound) {
        qsort(u, nu, sizeof *u, by_use);
        for (size_t i = 0; i < nu && total > bound - bound / 10; i++)
            if (!unlinkat(dfd, u[i].name, 0)) total -= u[i].size;
    }
    free(u);
    close(lk);
    close(dfd);
    if (oom) say(err, nerr, "out of memory scanning %s", dir);
    return oom ? -1 : total;
}

/* This process's estimate of the bytes in the cache directory it last scanned (-1: none), so that a write scans
 * the directory only on the first write or when the estimate passes the bound. Other processes' writes are not
 * counted: each of them scans on its own first write and keeps its own estimate. */
static pthread_mutex_t est_mu = PTHREAD_MUTEX_INITIALIZER;
static char est_dir[DIR_MAX];
static long long est_bytes = -1;

static void after_write(const char *dir, long long wrote) {
    long long bound = max_bytes();
    pthread_mutex_lock(&est_mu);
    bool known = est_bytes >= 0 && !strcmp(est_dir, dir), scan = !known || est_bytes + wrote > bound;
    if (known) est_bytes += wrote;
    pthread_mutex_unlock(&est_mu);
    if (!scan) return;
    long long left = scan_dir(dir, bound, false, NULL, 0);
    if (left < 0) return; /* busy or failed: the next write tries again */
    pthread_mutex_lock(&est_mu);
    snprintf(est_dir, sizeof est_dir, "%s", dir);
    est_bytes = left;
    pthread_mutex_unlock(&est_mu);
}

bj_status bj_cache_clear(void) {
    char dir[DIR_MAX], err[PATH_MAX + 128] = "";
    const char *why = cache_path(dir, sizeof dir);
    struct stat st;
    if (why) return core_err(BJ_ERR_IO, "bj_cache_clear: %s", why);
    if (stat(dir, &st))
        return errno == ENOENT ? BJ_OK : core_err(BJ_ERR_IO, "bj_cache_clear: %s: %s", dir, strerror(errno));
    if ((why = dir_refused(&st))) return core_err(BJ_ERR_IO, "bj_cache_clear: the cache directory %s is %s", dir, why);
    pthread_mutex_lock(&est_mu);
    est_bytes = -1;
    pthread_mutex_unlock(&est_mu);
    scan_dir(dir, 0, true, err, sizeof err);
    return *err ? core_err(BJ_ERR_IO, "bj_cache_clear: %s", err) : BJ_OK;
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
    static const char what[] = "brainjit cc key 3; argv: cc <flags> -o x.so x.c -lm [-lgcc]; prelude trimmed";
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
    const char *csrc; /* what the compiler gets (set_csrc): src with the prelude trimmed, or src */
    size_t clen;
    char *trimmed;
    const cc_tool *t;
    double compile_s;
} job;

/* The source as the compiler gets it, made only when it is compiled (a disk cache hit needs none). */
static void set_csrc(job *j) {
    if (j->csrc) return;
    j->trimmed = cc_trim_prelude(j->src, j->len, &j->clen);
    if (j->trimmed) j->csrc = j->trimmed;
    else j->csrc = j->src, j->clen = j->len;
}

static bj_status io_err(const char *what, const char *path) {
    return core_err(BJ_ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

/* Builds j in a new directory .tmp-XXXXXX of dir, locked while it lives, and renames the entry to path; the caller
 * holds the key's lock. *wrote: the bytes it stored (the entry, or the source the compiler rejected). *unusable: dir
 * was built). */
static bj_status compile_entry(job *j, const char *dir, const char *path, cc_lib **out, long long *wrote,
                               bool *unusable) {
    char tdir[DIR_MAX + 16], csrc[PATH_MAX], so[PATH_MAX], kept[PATH_MAX], why[512];
    set_csrc(j);
    snprintf(tdir, sizeof tdir, "%s/.tmp-XXXXXX", dir);
    bool made = mkdtemp(tdir) != NULL;
    int dfd = made ? open(tdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1, locked = -1;
    while (dfd >= 0 && (locked = flock(dfd, LOCK_EX)) && errno == EINTR) {}
    if (locked || !cc_write_temp(tdir, "src-XXXXXX.c", 2, j->csrc, j->clen, csrc, sizeof csrc)) {
        warn_once("cannot write into the cache directory %s: %s", dir, strerror(errno));
        if (made) cc_remove_dir(tdir);
        if (dfd >= 0) close(dfd);
        *unusable = true;
        return BJ_OK;
    }
    snprintf(so, sizeof so, "%s/lib.so", tdir);
    snprintf(kept, sizeof kept, "%s/failed-%s-%.16s.c", dir, j->safe, j->key);
    bj_status s = cc_run(j->t, csrc, so, kept, j->name, &j->compile_s);
    stored st = store_form(j->src, j->len);
    long long size = 0;
    if (s == BJ_ERR_INTERNAL && !rename(csrc, kept)) *wrote = (long long)j->clen; /* kept sources count too */
    else if (!s && !seal(so, j->key, &st, &size)) s = io_err("cannot complete the cache entry", so);
    else if (!s) {
        /* a planted directory holds the name: an empty one is replaced, another left and this build used unstored */
        bool in = !rename(so, path) || ((errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST) && !rmdir(path) &&
                                        !rename(so, path));
        if (try_load(in ? path : so, j->key, &st, out, why, sizeof why) != ENTRY_OK)
            s = core_err(BJ_ERR_IO, "cannot load the library just built for '%.64s' (%s): %s", j->name,
                         in ? path : so, why);
        if (in) *wrote = size;
    }
    cc_remove_dir(tdir);
    close(dfd); /* after the removal, so a scan never sees this build unlocked */
    return s;
}

/* Without a usable disk cache: compile in a new private directory, load, remove it (kept with the source when
 * the compiler rejects it, so the message can point at it). */
static bj_status build_private(job *j, cc_lib **out) {
    char dir[DIR_MAX], pattern[96], c[PATH_MAX], so[PATH_MAX], why[512];
    set_csrc(j);
    if (!cc_private_dir(dir, sizeof dir)) return io_err("cannot create a private temporary directory in", "$TMPDIR");
    snprintf(pattern, sizeof pattern, "%s-%.16s-XXXXXX.c", j->safe, j->key);
    if (!cc_write_temp(dir, pattern, 2, j->csrc, j->clen, c, sizeof c)) {
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

static bj_status build_cached(job *j, const char *dir, cc_lib **out) {
    char path[PATH_MAX], lock[16], why[512];
    snprintf(path, sizeof path, "%s/%s.so", dir, j->key);
    stored st = store_form(j->src, j->len);
    entry_state e = try_load(path, j->key, &st, out, why, sizeof why);
    if (e == ENTRY_OK) {
        core_stat_add(CORE_STAT_DISK_HITS, 1);
        return BJ_OK;
    }
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS)) {
        warn_once("the cache directory %s cannot be written (%s)", dir, strerror(errno));
        return build_private(j, out);
    }
    char hi[3] = {j->key[0], j->key[1], 0};
    snprintf(lock, sizeof lock, "lock-%02lx", strtoul(hi, NULL, 16) % SHARDS);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = dfd < 0 ? -1 : take_lock(dfd, lock, true);
    if (dfd >= 0) close(dfd);
    if (fd < 0) {
        warn_once("cannot use the cache lock %s/%s: %s", dir, lock, strerror(errno));
        return build_private(j, out);
    }
    /* another process may have built it while this one waited */
    e = try_load(path, j->key, &st, out, why, sizeof why);
    bj_status s = BJ_OK;
    long long wrote = 0;
    bool unusable = false;
    if (e == ENTRY_OK) core_stat_add(CORE_STAT_DISK_HITS, 1);
    else {
        if (e == ENTRY_BAD) core_stat_add(CORE_STAT_REBUILDS, 1);
        s = compile_entry(j, dir, path, out, &wrote, &unusable);
    }
    close(fd); /* the lock file stays: removing it would let a waiter lock a file that no longer has the name */
    if (unusable) return build_private(j, out);
    if (wrote) after_write(dir, wrote);
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
    /* disk_cache=0 leaves the directory alone: not even created, nor the compiler's identity remembered there */
    bool have_dir = strcmp(disk, "0") && cache_dir(dir, sizeof dir);
    cc_tool *t = malloc(sizeof *t);
    bj_status s = t ? cc_tool_init(t, j.src, have_dir ? dir : NULL) : core_err(BJ_ERR_NOMEM, "out of memory");
    j.t = t;
    if (!s && !make_key(j.src, j.len, t, key)) s = core_err(BJ_ERR_NOMEM, "out of memory hashing a source");
    if (!s) s = dump_source(&j);
    if (!s) s = have_dir ? build_cached(&j, dir, out) : build_private(&j, out);
    if (t && t->omp_unknown && !s) cc_tool_openmp(t, true, true, have_dir ? dir : NULL);
    if (t && t->omp_unknown && s == BJ_ERR_INTERNAL) {
        /* the first OpenMP source for this compiler, rejected with -fopenmp: tried without; if that builds, the
         * compiler does not build OpenMP code (a source failing both ways is broken on its own) */
        double first = j.compile_s;
        cc_tool_openmp(t, false, false, NULL);
        s = !make_key(j.src, j.len, t, key) ? core_err(BJ_ERR_NOMEM, "out of memory hashing a source")
            : have_dir                      ? build_cached(&j, dir, out)
                                            : build_private(&j, out);
        j.compile_s += first;
        if (!s) cc_tool_openmp(t, false, true, have_dir ? dir : NULL);
    }
    if (!s && t->openmp) pin_openmp_runtime();
    double in_compiler = j.compile_s + (t ? t->init_s : 0);
    if (t) cc_tool_free(t);
    free(t);
    free(faulty);
    free(j.trimmed);
    core_stat_time(false, cc_now() - t0 - in_compiler);
    return s;
}
