/* cc.c — the compiler driver: finds the C compiler, learns its identity and flags, runs it without a shell. */
#include "backend/c/cc_internal.h"
#include "backend/c/cgen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* -fno-trapping-math lets the compiler turn float selects (where, NaN-aware max) into blends: it changes what may
 * be assumed about floating-point exception flags, never a value. The -fno-builtin-* flags keep the compiler from
 * evaluating libm functions on constants itself (correctly rounded, through MPFR) where glibc, which the
 * interpreter calls, may be an ulp away: expm1f(1) was. Exactly rounded ones (sqrt, floor, fabs ...) stay built in,
 * so they still become instructions and vectorize. */
static const char *const base_flags[] = {
    "-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off", "-fno-trapping-math", "-fPIC", "-shared",
    "-Werror=implicit-function-declaration",
    "-fno-builtin-exp2f", "-fno-builtin-exp2", "-fno-builtin-expm1f", "-fno-builtin-expm1", "-fno-builtin-log1pf",
    "-fno-builtin-log1p", "-fno-builtin-log2f", "-fno-builtin-log2", "-fno-builtin-sinf", "-fno-builtin-sin",
    "-fno-builtin-cosf", "-fno-builtin-cos", "-fno-builtin-tanf", "-fno-builtin-tan", "-fno-builtin-sinhf",
    "-fno-builtin-sinh", "-fno-builtin-coshf", "-fno-builtin-cosh", "-fno-builtin-asinf", "-fno-builtin-asin",
    "-fno-builtin-acosf", "-fno-builtin-acos", "-fno-builtin-atanf", "-fno-builtin-atan", "-fno-builtin-atan2f",
    "-fno-builtin-atan2", "-fno-builtin-hypotf", "-fno-builtin-hypot", "-fno-builtin-powf", "-fno-builtin-pow"};
#define NBASE (int)(sizeof base_flags / sizeof base_flags[0])
#define OUT_KEEP 65536 /* bytes of compiler output kept */
#define OUT_SHOW 3000  /* of which a message shows */

double cc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- files */
static bool write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return false;
        }
        p += w, len -= (size_t)w;
    }
    return true;
}

bool cc_write_temp(const char *dir, const char *pattern, int suffix_len, const void *data, size_t len,
                   char *path_out, size_t n) {
    int k = snprintf(path_out, n, "%s/%s", dir, pattern);
    if (k < 0 || (size_t)k >= n) {
        errno = ENAMETOOLONG;
        return false;
    }
    int fd = mkostemps(path_out, suffix_len, O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write_all(fd, data, len);
    int e = errno;
    if (close(fd) && ok) ok = false, e = errno;
    if (!ok) {
        unlink(path_out);
        errno = e;
    }
    return ok;
}

bool cc_private_dir(char *out, size_t n) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    int k = snprintf(out, n, "%s/brainjit-XXXXXX", tmp);
    if (k < 0 || (size_t)k >= n) {
        errno = ENAMETOOLONG;
        return false;
    }
    return mkdtemp(out) != NULL;
}

void cc_remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p)
                unlink(p);
        closedir(d);
    }
    rmdir(dir);
}

static bool read_small(const char *path, char *buf, size_t n) {
    struct stat st;
    int fd = cc_open_file(path, &st); /* a FIFO planted at a cache file must not block */
    if (fd < 0) return false;
    size_t len = 0;
    for (;;) {
        ssize_t k = read(fd, buf + len, n - 1 - len);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        len += (size_t)k;
        if (len == n - 1) break;
    }
    close(fd);
    buf[len] = 0;
    return true;
}

/* ---------------------------------------------------------------- finding and running the compiler */
static bool is_exec_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

bool cc_resolve(const char *name, char *out, size_t n) {
    if (!name || !*name) return false;
    if (strchr(name, '/')) {
        if (!is_exec_file(name) || strlen(name) >= n) return false;
        memcpy(out, name, strlen(name) + 1);
        return true;
    }
    const char *path = getenv("PATH");
    if (!path) path = "/bin:/usr/bin"; /* what posix_spawnp searches when PATH is unset */
    for (const char *p = path;;) {
        const char *e = strchr(p, ':');
        int len = (int)(e ? (size_t)(e - p) : strlen(p));
        char cand[PATH_MAX];
        int k = len ? snprintf(cand, sizeof cand, "%.*s/%s", len, p, name) : snprintf(cand, sizeof cand, "%s", name);
        if (k > 0 && (size_t)k < sizeof cand && (size_t)k < n && is_exec_file(cand)) {
            memcpy(out, cand, (size_t)k + 1);
            return true;
        }
        if (!e) return false;
        p = e + 1;
    }
}

static void default_name(char *buf, size_t n) {
    core_config("cc", buf, n);
    if (!*buf) snprintf(buf, n, "cc");
}

bool cc_available(void) {
    char name[PATH_MAX], path[PATH_MAX];
    default_name(name, sizeof name);
    return cc_resolve(name, path, sizeof path);
}

/* ---------------------------------------------------------------- the time limit
 * A compiler run that exceeds "compile_timeout" seconds (default CC_TIMEOUT_DEFAULT, 0: none) is killed: the
 * compiler is spawned as the leader of a process group of its own, and the whole group (cc1, as, ld, a wrapper's
 * children) gets SIGKILL, then the leader is reaped. It runs with TMPDIR set to a private directory, removed
 * afterwards, so the temporaries of a killed gcc do not stay in /tmp. The child is watched with poll and waitid
 * (WNOWAIT keeps it unreaped, so its group id cannot be reused before the kill), never with signal handlers. */
#define CC_TIMEOUT_DEFAULT 60.0

double cc_time_limit(void) {
    char v[64];
    core_config("compile_timeout", v, sizeof v);
    if (!*v) return CC_TIMEOUT_DEFAULT;
    double x = 0, scale = 1; /* validated by config.c: digits, then optionally '.' and digits (no locale) */
    const char *p = v;
    for (; *p >= '0' && *p <= '9'; p++) x = 10 * x + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) scale /= 10, x += (*p - '0') * scale;
    return x;
}

typedef struct {
    char *out; /* NUL-terminated, at most OUT_KEEP bytes; NULL if out of memory */
    size_t len, total;
    int status; /* as from waitpid; -1 if unknown */
    bool timed_out; /* killed at the time limit */
} run_result;

static void read_some(int fd, run_result *r, bool *eof) {
    char sink[4096];
    bool keep = r->out && r->len < OUT_KEEP;
    ssize_t k = keep ? read(fd, r->out + r->len, OUT_KEEP - r->len) : read(fd, sink, sizeof sink);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (k <= 0) {
        *eof = true;
        return;
    }
    if (keep) r->len += (size_t)k;
    r->total += (size_t)k;
}

/* Whether child pid has ended (left unreaped). A failed waitid (SIGCHLD ignored: the child reaps itself) counts as
 * ended. */
static bool has_ended(pid_t pid) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) return errno != EINTR;
    return si.si_pid != 0;
}

static void sleep_ms(double ms) {
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms * 1e6) % 1000000000L};
    nanosleep(&ts, NULL);
}

/* environ with TMPDIR replaced by tmpdir (one allocation), or NULL. */
static char **env_with_tmpdir(const char *tmpdir) {
    size_t n = 0, len = strlen(tmpdir) + sizeof "TMPDIR=";
    while (environ && environ[n]) n++;
    char **env = malloc(sizeof *env * (n + 2) + len);
    if (!env) return NULL;
    char *var = (char *)(env + n + 2);
    snprintf(var, len, "TMPDIR=%s", tmpdir);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TMPDIR=", 7)) env[k++] = environ[i];
    env[k++] = var, env[k] = NULL;
    return env;
}

/* Runs argv (argv[0] searched in PATH, no shell) with stdin from /dev/null and stdout and stderr into one pipe,
 * in a process group of its own; with tmpdir, as its TMPDIR. limit > 0: after that many seconds the group is
 * killed and r->timed_out set. Returns 0 or the errno of a failed spawn. No process of the group is left running:
 * one still holding the pipe after the compiler ended is killed too. */
static int spawn_capture(const char *const *argv, const char *tmpdir, double limit, run_result *r) {
    *r = (run_result){.status = -1};
    char **env = tmpdir ? env_with_tmpdir(tmpdir) : environ;
    if (!env) return ENOMEM;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        int e = errno;
        if (env != environ) free(env);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int err = posix_spawn_file_actions_init(&fa);
    if (!err && (err = posix_spawnattr_init(&at))) posix_spawn_file_actions_destroy(&fa);
    if (err) {
        close(fds[0]), close(fds[1]);
        if (env != environ) free(env);
        return err;
    }
    pid_t pid = 0;
    err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    if (!err) err = posix_spawnattr_setpgroup(&at, 0);
    if (!err) err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!err) err = posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    if (!err) err = posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    if (!err) err = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (env != environ) free(env);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        return err;
    }
    r->out = malloc(OUT_KEEP + 1);
    double deadline = limit > 0 ? cc_now() + limit : 0, nap = 1;
    bool eof = false;
    while (!has_ended(pid)) {
        double left_ms = deadline ? (deadline - cc_now()) * 1e3 : 1e9;
        if (left_ms <= 0) {
            r->timed_out = true;
            break;
        }
        if (eof) { /* output closed, process not ended yet: look again soon */
            sleep_ms(nap < left_ms ? nap : left_ms);
            nap = nap < 50 ? 2 * nap : 50;
            continue;
        }
        struct pollfd pf = {.fd = fds[0], .events = POLLIN};
        int ms = left_ms < 100 ? (int)left_ms + 1 : 100; /* wake up to see the process end while others hold the pipe */
        if (poll(&pf, 1, ms) > 0) read_some(fds[0], r, &eof);
    }
    /* what it wrote before ending (or being stopped) is still in the pipe */
    if (!r->timed_out && fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0)
        while (!eof) {
            size_t before = r->total;
            read_some(fds[0], r, &eof);
            if (r->total == before && !eof) break; /* nothing more now: a leftover process holds the pipe */
        }
    close(fds[0]);
    if (r->out) r->out[r->len] = 0;
    if (r->timed_out || !eof) kill(-pid, SIGKILL); /* the leader is unreaped, so the group id is still its own */
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return 0; /* status stays unknown (e.g. SIGCHLD ignored by the host) */
    r->status = st;
    /* the rest of a killed group dies at once; give it a moment so that nothing writes into tmpdir after its removal */
    for (int i = 0; (r->timed_out || !eof) && i < 100 && kill(-pid, 0) == 0; i++) sleep_ms(1);
    return 0;
}

static bool exited_ok(int status) { return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

/* Appends text (len bytes) to b with every occurrence of from replaced by to. */
static void put_replaced(core_str *b, const char *text, size_t len, const char *from, const char *to) {
    size_t fl = strlen(from);
    while (len) {
        const char *hit = fl ? memmem(text, len, from, fl) : NULL;
        size_t pre = hit ? (size_t)(hit - text) : len;
        core_str_printf(b, "%.*s%s", (int)pre, text, hit ? to : "");
        if (!hit) return;
        text += pre + fl, len -= pre + fl;
    }
}

/* The error of a run stopped at the time limit: "compiling 'name'", or what (name NULL). */
static bj_status timeout_err(const cc_tool *t, const char *what, const char *name, double limit) {
    return core_err(BJ_ERR_IO, "the C compiler '%s' did not finish %s%s%.64s%s within the compile time limit of %g s "
                    "and was stopped (setting \"compile_timeout\" or BJ_COMPILE_TIMEOUT, in seconds; 0 means no "
                    "limit)", t->name, what, name ? " '" : "", name ? name : "", name ? "'" : "", limit);
}

bj_status cc_run(const cc_tool *t, const char *src_path, const char *so_path, const char *kept_path,
                 const char *name, double *secs) {
    const char *argv[CC_MAX_FLAGS + 8];
    int n = 0;
    argv[n++] = t->name;
    for (int i = 0; i < t->nflags; i++) argv[n++] = t->flags[i];
    argv[n++] = "-o", argv[n++] = so_path, argv[n++] = src_path, argv[n++] = "-lm";
    if (!t->openmp) argv[n++] = "-lgcc"; /* with -nostdlib (see cc_tool_init) */
    argv[n] = NULL;
    run_result r;
    char tmp[PATH_MAX];
    bool own_tmp = cc_private_dir(tmp, sizeof tmp); /* else the compiler uses $TMPDIR as it is */
    double limit = cc_time_limit(), t0 = cc_now();
    int err = spawn_capture(argv, own_tmp ? tmp : NULL, limit, &r);
    *secs = cc_now() - t0;
    if (own_tmp) cc_remove_dir(tmp);
    core_stat_time(true, *secs);
    if (err) {
        free(r.out);
        return core_err(BJ_ERR_IO, "cannot run the C compiler '%s' (%s): %s", t->name, t->path, strerror(err));
    }
    if (!r.timed_out && exited_ok(r.status)) {
        free(r.out);
        core_stat_add(CORE_STAT_COMPILES, 1);
        return BJ_OK;
    }
    core_stat_add(CORE_STAT_FAILURES, 1);
    if (r.timed_out) {
        free(r.out);
        return timeout_err(t, "compiling", name, limit);
    }
    char how[64];
    if (r.status == -1) snprintf(how, sizeof how, "exit status unknown");
    else if (WIFSIGNALED(r.status)) snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(r.status));
    else snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(r.status));
    /* The command as it would be re-run on the kept source; then the output, trimmed. */
    core_str m = {0};
    core_str_printf(&m, "C compiler failed on '%.64s' (%s); source kept at %s\ncommand:", name, how, kept_path);
    for (int i = 0; i < n; i++) core_str_printf(&m, " %s", argv[i] == src_path ? kept_path : argv[i]);
    core_str_printf(&m, "\ncompiler output:\n");
    size_t show = r.len < OUT_SHOW ? r.len : OUT_SHOW;
    if (r.out) put_replaced(&m, r.out, show, src_path, kept_path);
    if (r.total > show) core_str_printf(&m, "\n[... %zu more bytes of output]", r.total - show);
    free(r.out);
    bj_status s = m.oom ? core_err(BJ_ERR_INTERNAL, "C compiler failed on '%.64s' (%s); source kept at %s", name, how,
                                   kept_path)
                        : core_err(BJ_ERR_INTERNAL, "%s", m.s);
    core_str_free(&m);
    return s;
}

/* ---------------------------------------------------------------- compiler identity
 * Running `cc --version` costs ~1.3 ms, too much for a warm load, so what it says is remembered per process and, in
 * the private cache directory, per compiler binary: keyed by the configured name, the PATH match, the resolved
 * binary and its size and mtime (an upgraded compiler changes these). Whether it builds OpenMP code is learnt from
 * the first source that asks for it (cc_tool_openmp) and remembered the same way. */
typedef struct {
    XXH128_hash_t key;
    char version[256];
    int omp; /* -1 not known yet, 0 no, 1 yes */
} ident;

static pthread_mutex_t id_mu = PTHREAD_MUTEX_INITIALIZER;
static ident memo[8];
static int nmemo, memo_next;

static bool memo_get(XXH128_hash_t key, ident *out) {
    bool hit = false;
    pthread_mutex_lock(&id_mu);
    for (int i = 0; i < nmemo && !hit; i++)
        if (XXH128_isEqual(memo[i].key, key)) *out = memo[i], hit = true;
    pthread_mutex_unlock(&id_mu);
    return hit;
}

static void memo_put(const ident *id) {
    pthread_mutex_lock(&id_mu);
    int slot = -1;
    for (int i = 0; i < nmemo; i++)
        if (XXH128_isEqual(memo[i].key, id->key)) slot = i;
    if (slot < 0 && nmemo < 8) slot = nmemo++;
    if (slot < 0) slot = memo_next, memo_next = (memo_next + 1) % 8;
    memo[slot] = *id;
    pthread_mutex_unlock(&id_mu);
}

void cc_hex128(XXH128_hash_t h, char out[33]) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

static bool id_path(const char *iddir, XXH128_hash_t key, char *p, size_t n) {
    char hex[33];
    cc_hex128(key, hex);
    int k = snprintf(p, n, "%s/cc-%.16s.id", iddir, hex);
    return k > 0 && (size_t)k < n;
}

static bool id_file_get(const char *iddir, XXH128_hash_t key, ident *out) {
    char p[PATH_MAX], buf[512], hex[33], want[33];
    if (!iddir || !id_path(iddir, key, p, sizeof p) || !read_small(p, buf, sizeof buf)) return false;
    cc_hex128(key, want);
    int omp, off = 0;
    if (sscanf(buf, "brainjit-cc-id 1\nkey %32s\nomp %d\nversion %n", hex, &omp, &off) != 2 || !off ||
        strcmp(hex, want) || omp < -1 || omp > 1)
        return false;
    char *v = buf + off, *nl = strchr(v, '\n');
    if (!nl) return false;
    *nl = 0;
    out->key = key, out->omp = omp;
    snprintf(out->version, sizeof out->version, "%s", v);
    return true;
}

static void id_file_put(const char *iddir, const ident *id) {
    char p[PATH_MAX], tmp[PATH_MAX], hex[33], buf[512];
    if (!iddir || !id_path(iddir, id->key, p, sizeof p)) return;
    cc_hex128(id->key, hex);
    int len = snprintf(buf, sizeof buf, "brainjit-cc-id 1\nkey %s\nomp %d\nversion %s\n", hex, id->omp, id->version);
    if (len <= 0 || (size_t)len >= sizeof buf) return;
    if (cc_write_temp(iddir, ".tmp-XXXXXX", 0, buf, (size_t)len, tmp, sizeof tmp) && rename(tmp, p)) unlink(tmp);
}

static bj_status run_version(const cc_tool *t, ident *id) {
    const char *argv[] = {t->name, "--version", NULL};
    run_result r;
    double limit = cc_time_limit();
    int err = spawn_capture(argv, NULL, limit, &r);
    if (err) return core_err(BJ_ERR_IO, "cannot run the C compiler '%s' (%s): %s", t->name, t->path, strerror(err));
    if (r.timed_out) {
        free(r.out);
        return timeout_err(t, "running --version", NULL, limit);
    }
    size_t len = 0;
    if (r.out && exited_ok(r.status)) len = strcspn(r.out, "\r\n");
    if (len >= sizeof id->version) len = sizeof id->version - 1;
    snprintf(id->version, sizeof id->version, "%.*s", (int)len, len ? r.out : "unknown version");
    free(r.out);
    return BJ_OK;
}

/* ---------------------------------------------------------------- CPU identity */
static char cpu_id[8192];
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_init(void) {
    static const char *const wanted[] = {"vendor_id", "cpu family",      "model",       "model name",
                                         "stepping",  "flags",           "Features",    "CPU implementer",
                                         "CPU part",  "CPU architecture", "CPU variant", "isa", "uarch"};
    size_t used = 0;
    struct utsname u;
    if (!uname(&u)) used += (size_t)snprintf(cpu_id, sizeof cpu_id, "machine: %s\n", u.machine);
    char buf[16384];
    size_t len = 0;
    int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { /* the first processor's block is enough: read until its blank line */
        for (;;) {
            ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            len += (size_t)k;
            buf[len] = 0;
            if (strstr(buf, "\n\n") || len == sizeof buf - 1) break;
        }
        close(fd);
    }
    buf[len] = 0;
    for (char *line = buf; *line && *line != '\n';) {
        char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        size_t kl = strcspn(line, ":");
        while (kl && (line[kl - 1] == ' ' || line[kl - 1] == '\t')) kl--;
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
            if (strlen(wanted[i]) == kl && !strncmp(line, wanted[i], kl) && used < sizeof cpu_id)
                used += (size_t)snprintf(cpu_id + used, sizeof cpu_id - used, "%.*s\n", (int)ll, line);
        if (!end) break;
        line = end + 1;
    }
}

const char *cc_cpu_id(void) {
    pthread_once(&cpu_once, cpu_init);
    return cpu_id;
}

/* ---------------------------------------------------------------- the prelude a source needs
 * Every generated source carries the whole prelude (cgen_prelude_text, ~60 KB), and parsing it was a large part of
 * a small compile. The compiler gets only what the source uses: the prelude is cut once into top-level items
 * (preprocessor lines, declarations, function definitions, invocations of macros that define functions). A function,
 * a typedef or such an invocation is kept when the code after the prelude, or a kept item, names what it defines;
 * preprocessor lines, macros and other declarations are always kept, in their order. Names are matched as
 * identifiers (comments, literals and numbers skipped): a mention too many only keeps a helper too many, and a
 * helper wrongly left out is a compile error (-Werror=implicit-function-declaration), never another result. */
typedef enum { IT_KEEP, IT_MACRO, IT_DROP } item_kind;
typedef struct {
    const char *p; /* the item's text in the prelude */
    size_t n;
    item_kind kind;
    uint64_t *refs; /* hashes of the defined names it mentions (a macro's: followed only when it is named) */
    int nrefs;
    char *scan; /* the text its references are read from when not p (a macro invocation's expansion) */
    int header; /* an #include of sys_headers[header - 1] */
} pitem;
typedef struct {
    uint64_t h;
    int item; /* -1: empty slot */
} pname;
typedef struct {
    const char *name, *body;
    size_t nname, nbody;
    const char *param[8];
    size_t nparam[8];
    int np; /* -1: object-like */
} pmacro;

/* The system headers that are slow to parse (math.h alone was 7 ms of a 45 ms compile), included only where a
 * kept item or the code names what they declare: functions (math.h's also with the suffixes f and l), macros and
 * types. What the generated code or the prelude uses is in these lists; a name missing from them would be a compile
 * error of every source using it, never a silent change. */
static const struct {
    const char *path, *fns, *others;
} sys_headers[] = {
    {"<math.h>",
     "acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 exp10 expm1 frexp ilogb ldexp log "
     "log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc lgamma tgamma ceil floor nearbyint "
     "rint lrint llrint round lround llround roundeven trunc fmod remainder remquo copysign nan nextafter nexttoward "
     "fdim fmax fmin fma sincos",
     "INFINITY NAN HUGE_VAL HUGE_VALF HUGE_VALL isnan isinf isfinite isnormal signbit fpclassify isgreater "
     "isgreaterequal isless islessequal islessgreater isunordered FP_NAN FP_INFINITE FP_ZERO FP_SUBNORMAL FP_NORMAL "
     "FP_FAST_FMA FP_FAST_FMAF FP_ILOGB0 FP_ILOGBNAN MATH_ERRNO MATH_ERREXCEPT math_errhandling float_t double_t M_E "
     "M_LOG2E M_LOG10E M_LN2 M_LN10 M_PI M_PI_2 M_PI_4 M_1_PI M_2_PI M_2_SQRTPI M_SQRT2 M_SQRT1_2"},
    {"<stdlib.h>", "",
     "malloc calloc realloc free aligned_alloc posix_memalign abort exit atexit qsort bsearch abs labs llabs div ldiv "
     "lldiv atoi atol atoll atof strtod strtof strtold strtol strtoll strtoul strtoull rand srand getenv EXIT_SUCCESS "
     "EXIT_FAILURE RAND_MAX MB_CUR_MAX"},
};

/* Calls fn on each name sys_headers[h] declares. */
static void header_names(int h, void (*fn)(void *, const char *, size_t), void *ud) {
    for (int list = 0; list < 2; list++)
        for (const char *w = list ? sys_headers[h].others : sys_headers[h].fns; *w;) {
            size_t n = strcspn(w, " ");
            fn(ud, w, n);
            for (int k = 0; list == 0 && k < 2; k++) { /* sinf, sinl */
                char v[32];
                if (n + 2 > sizeof v) continue;
                memcpy(v, w, n), v[n] = "fl"[k];
                fn(ud, v, n + 1);
            }
            w += n + (w[n] == ' ');
        }
}

static struct {
    pitem *it;
    int n;
    pname *names; /* open addressing, a name may map to several items */
    size_t cap;
    size_t at_len; /* strlen(cgen_prelude_text) */
    bool ok;
} pre;
static pthread_once_t pre_once = PTHREAD_ONCE_INIT;

static bool id0(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool id1(char c) { return id0(c) || (c >= '0' && c <= '9'); }

/* After the comment, string, character literal or number at p (p itself if none starts there). */
static const char *skip_lexeme(const char *p, const char *end) {
    if (p + 1 < end && p[0] == '/' && p[1] == '*') {
        const char *q = p + 2;
        while (q + 1 < end && !(q[0] == '*' && q[1] == '/')) q++;
        return q + 1 < end ? q + 2 : end;
    }
    if (p + 1 < end && p[0] == '/' && p[1] == '/') {
        while (p < end && *p != '\n') p++;
        return p;
    }
    if (*p == '"' || *p == '\'') {
        char quote = *p++;
        while (p < end && *p != quote && *p != '\n') p += *p == '\\' && p + 1 < end ? 2 : 1;
        return p < end && *p == quote ? p + 1 : p; /* unterminated (an apostrophe in #error text): to the line end */
    }
    if (*p >= '0' && *p <= '9') { /* 0x1.8p+23f: digits, letters, dots, and a sign after an exponent letter */
        for (p++; p < end; p++) {
            bool exponent = (p[-1] | 0x20) == 'e' || (p[-1] | 0x20) == 'p';
            if (!id1(*p) && *p != '.' && !((*p == '+' || *p == '-') && exponent)) break;
        }
        return p;
    }
    return p;
}

static const char *skip_space(const char *p, const char *end) {
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')) p++;
        if (p + 1 < end && p[0] == '/' && (p[1] == '*' || p[1] == '/')) p = skip_lexeme(p, end);
        else return p;
    }
}

/* Calls fn on every identifier of [p, end) outside comments and literals. */
static void each_ident(const char *p, const char *end, void (*fn)(void *, const char *, size_t), void *ud) {
    while (p < end) {
        const char *q = skip_lexeme(p, end);
        if (q != p) {
            p = q;
        } else if (id0(*p)) {
            for (q = p + 1; q < end && id1(*q);) q++;
            fn(ud, p, (size_t)(q - p));
            p = q;
        } else {
            p++;
        }
    }
}

static uint64_t name_hash(const char *p, size_t n) { return XXH3_64bits(p, n); }

static bool is_word(const char *p, size_t n, const char *w) { return strlen(w) == n && !memcmp(p, w, n); }

/* The end of the preprocessor line at p (continued by backslashes, and over comments). */
static const char *directive_end(const char *p, const char *end) {
    while (p < end && *p != '\n') {
        const char *q = skip_lexeme(p, end);
        p = q != p ? q : p + (*p == '\\' && p + 1 < end ? 2 : 1);
    }
    return p;
}

/* The end of the declaration, definition or macro invocation at p (invocation: the first word is a function-like
 * macro followed by its arguments). */
static const char *decl_end(const char *p, const char *end, bool invocation, bool aggregate) {
    int paren = 0, brace = 0;
    while (p < end) {
        const char *q = skip_lexeme(p, end);
        if (q != p) {
            p = q;
            continue;
        }
        char c = *p++;
        if (c == '(' || c == '[') paren++;
        else if (c == ')' || c == ']') {
            if (--paren == 0 && brace == 0 && invocation) return p;
        } else if (c == '{') brace++;
        else if (c == '}') {
            if (--brace == 0 && paren == 0 && !aggregate) return p;
        } else if (c == ';' && paren == 0 && brace == 0) return p;
    }
    return NULL;
}

/* The macro named [p, p + n), or NULL. */
static const pmacro *find_macro(const pmacro *m, int nm, const char *p, size_t n) {
    for (int i = nm - 1; i >= 0; i--)
        if (m[i].nname == n && !memcmp(m[i].name, p, n)) return &m[i];
    return NULL;
}

/* A #define's name, parameters and body. false if it is no #define. */
static bool parse_define(const char *p, const char *end, pmacro *m) {
    p = skip_space(p + 1, end); /* after '#' */
    if (end - p < 6 || memcmp(p, "define", 6) || id1(p[6])) return false;
    p += 6;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    const char *s = p;
    while (p < end && id1(*p)) p++;
    *m = (pmacro){.name = s, .nname = (size_t)(p - s), .np = -1};
    if (p < end && *p == '(') {
        m->np = 0;
        for (p++; p < end && *p != ')';) {
            p = skip_space(p, end);
            s = p;
            while (p < end && (id1(*p) || *p == '.')) p++;
            if (p > s) {
                if (m->np == 8) return false;
                m->param[m->np] = s, m->nparam[m->np++] = (size_t)(p - s);
            }
            p = skip_space(p, end);
            if (p < end && *p == ',') p++;
            else if (p < end && *p != ')') return false;
        }
        if (p < end) p++;
    }
    m->body = p, m->nbody = (size_t)(end - p);
    return m->nname > 0;
}

/* Appends n bytes to a growable buffer (*buf, *len, *cap); false when out of memory. */
static bool put_bytes(char **buf, size_t *len, size_t *cap, const char *p, size_t n) {
    if (*len + n + 1 > *cap) {
        size_t c = 2 * (*len + n + 1);
        char *g = realloc(*buf, c);
        if (!g) return false;
        *buf = g, *cap = c;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = 0;
    return true;
}

/* The expansion of macro m invoked with the arguments in [p, end) ("(a, b)"): parameters replaced, ## pasted,
 * backslash-newlines dropped. NULL if out of memory or malformed. */
static char *expand(const pmacro *m, const char *p, const char *end) {
    const char *arg[8];
    size_t narg[8];
    int na = 0, depth = 0;
    p = skip_space(p, end);
    if (p == end || *p != '(') return NULL;
    const char *s = ++p;
    for (; p < end; p++) {
        const char *q = skip_lexeme(p, end);
        if (q != p) {
            p = q - 1;
            continue;
        }
        if (*p == '(') depth++;
        else if ((*p == ',' && depth == 0) || (*p == ')' && depth-- == 0)) {
            if (na == 8) return NULL;
            const char *a = skip_space(s, p), *b = p;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n')) b--;
            arg[na] = a, narg[na++] = (size_t)(b - a);
            s = p + 1;
            if (*p == ')') break;
        }
    }
    if (na != m->np && !(m->np == 0 && na == 1 && narg[0] == 0)) return NULL;
    char *o = NULL;
    size_t len = 0, cap = 0;
    bool ok = put_bytes(&o, &len, &cap, "", 0);
    for (const char *b = m->body, *be = m->body + m->nbody; ok && b < be;) {
        const char *q = skip_lexeme(b, be);
        if (q != b) {
            ok = put_bytes(&o, &len, &cap, b, (size_t)(q - b));
            b = q;
        } else if (id0(*b)) {
            for (q = b + 1; q < be && id1(*q);) q++;
            int k = 0;
            while (k < m->np && !(m->nparam[k] == (size_t)(q - b) && !memcmp(m->param[k], b, m->nparam[k]))) k++;
            ok = k < m->np ? put_bytes(&o, &len, &cap, arg[k], narg[k]) : put_bytes(&o, &len, &cap, b, (size_t)(q - b));
            b = q;
        } else if (b + 1 < be && b[0] == '#' && b[1] == '#') {
            while (len && (o[len - 1] == ' ' || o[len - 1] == '\t')) o[--len] = 0;
            for (b += 2; b < be && (*b == ' ' || *b == '\t');) b++;
        } else if (*b == '\\' && b + 1 < be && b[1] == '\n') {
            ok = put_bytes(&o, &len, &cap, "\n", 1);
            b += 2;
        } else {
            ok = put_bytes(&o, &len, &cap, b++, 1);
        }
    }
    if (!ok) free(o);
    return ok ? o : NULL;
}

/* The names item [p, end) defines: a function's, a typedef's (and its tag), or, in a macro expansion, those of the
 * definitions in it. Calls fn on each; returns how many. */
static int defined_names(const char *p, const char *end, void (*fn)(void *, const char *, size_t), void *ud) {
    int count = 0;
    for (const char *s; (s = skip_space(p, end)) < end; p = s) {
        bool agg = false, typedef_ = false;
        const char *w = s;
        while (w < end && id1(*w)) w++;
        typedef_ = is_word(s, (size_t)(w - s), "typedef");
        agg = typedef_ || is_word(s, (size_t)(w - s), "struct") || is_word(s, (size_t)(w - s), "union") ||
              is_word(s, (size_t)(w - s), "enum");
        const char *e = *s == '#' ? directive_end(s, end) : decl_end(s, end, false, agg);
        if (!e) return count;
        if (*s != '#') {
            /* the last word before the first '(' at depth 0 (past __attribute__((...))), and whether a body follows */
            const char *last = NULL, *fname = NULL, *tag = NULL;
            size_t nlast = 0, nfname = 0, ntag = 0;
            int depth = 0;
            bool body = false, after_kw = false;
            for (const char *q = s; q < e;) {
                const char *r = skip_lexeme(q, e);
                if (r != q) {
                    q = r;
                    continue;
                }
                if (id0(*q)) {
                    for (r = q + 1; r < e && id1(*r);) r++;
                    if (depth == 0) {
                        if (after_kw && !tag) tag = q, ntag = (size_t)(r - q);
                        after_kw = is_word(q, (size_t)(r - q), "struct") || is_word(q, (size_t)(r - q), "union") ||
                                   is_word(q, (size_t)(r - q), "enum");
                        last = q, nlast = (size_t)(r - q);
                    }
                    q = r;
                    continue;
                }
                if (*q == '(' && depth == 0 && !fname && last && !is_word(last, nlast, "__attribute__"))
                    fname = last, nfname = nlast;
                if (*q == '{' && depth == 0 && fname) body = true;
                if (*q == '(' || *q == '{' || *q == '[') depth++;
                if (*q == ')' || *q == '}' || *q == ']') depth--;
                q++;
            }
            if (typedef_) {
                if (last) fn(ud, last, nlast), count++;
                if (tag) fn(ud, tag, ntag), count++;
            } else if (body && fname) {
                fn(ud, fname, nfname), count++;
            }
        }
        s = e;
    }
    return count;
}

static void name_put(uint64_t h, int item) {
    size_t i = (size_t)h & (pre.cap - 1);
    while (pre.names[i].item >= 0) i = (i + 1) & (pre.cap - 1);
    pre.names[i] = (pname){h, item};
}

typedef struct {
    int item;
    int count; /* names counted (first pass) */
} def_ctx;

static void count_def(void *ud, const char *p, size_t n) {
    (void)p, (void)n;
    ((def_ctx *)ud)->count++;
}
static void put_def(void *ud, const char *p, size_t n) { name_put(name_hash(p, n), ((def_ctx *)ud)->item); }

static bool name_known(uint64_t h) {
    for (size_t i = (size_t)h & (pre.cap - 1); pre.names[i].item >= 0; i = (i + 1) & (pre.cap - 1))
        if (pre.names[i].h == h) return true;
    return false;
}

typedef struct {
    uint64_t *h;
    int n, cap;
    bool oom;
} hash_list;

static void add_ref(void *ud, const char *p, size_t n) {
    hash_list *l = ud;
    uint64_t h = name_hash(p, n);
    if (l->oom || !name_known(h)) return;
    for (int i = 0; i < l->n; i++)
        if (l->h[i] == h) return;
    if (l->n == l->cap) {
        uint64_t *g = realloc(l->h, sizeof *g * (size_t)(l->cap = l->cap ? 2 * l->cap : 8));
        if (!g) {
            l->oom = true;
            return;
        }
        l->h = g;
    }
    l->h[l->n++] = h;
}

/* Cuts the prelude into items once; pre.ok stays false if anything in it is not understood. */
static void pre_init(void) {
    const char *p = cgen_prelude_text, *end = p + strlen(p);
    pre.at_len = (size_t)(end - p);
    pmacro *mac = NULL;
    int nmac = 0, cap = 0, ndefs = 0;
    bool ok = true;
    for (const char *s; ok && (s = skip_space(p, end)) < end; p = s) {
        pitem it = {.p = s, .kind = IT_KEEP};
        const char *e;
        if (*s == '#') {
            e = directive_end(s, end);
            pmacro m;
            const char *q = skip_space(s + 1, e);
            for (int h = 0; h < (int)(sizeof sys_headers / sizeof sys_headers[0]); h++) {
                size_t hl = strlen(sys_headers[h].path);
                if (e - q > 7 && !memcmp(q, "include", 7) && (size_t)(e - skip_space(q + 7, e)) >= hl &&
                    !memcmp(skip_space(q + 7, e), sys_headers[h].path, hl)) {
                    def_ctx d = {0};
                    header_names(h, count_def, &d);
                    it.kind = IT_DROP, it.header = h + 1, ndefs += d.count;
                }
            }
            if (parse_define(s, e, &m)) {
                it.kind = IT_MACRO;
                if (nmac == cap) {
                    pmacro *g = realloc(mac, sizeof *g * (size_t)(cap = cap ? 2 * cap : 64));
                    if (!(ok = g)) break;
                    mac = g;
                }
                mac[nmac++] = m;
            }
        } else {
            const char *w = s;
            while (w < end && id1(*w)) w++;
            const pmacro *m = w > s ? find_macro(mac, nmac, s, (size_t)(w - s)) : NULL;
            bool inv = m && m->np >= 0 && *skip_space(w, end) == '(';
            bool agg = is_word(s, (size_t)(w - s), "typedef") || is_word(s, (size_t)(w - s), "struct") ||
                       is_word(s, (size_t)(w - s), "union") || is_word(s, (size_t)(w - s), "enum");
            e = decl_end(s, end, inv, agg);
            if (!(ok = e != NULL)) break;
            if (inv && !(ok = (it.scan = expand(m, w, e)) != NULL)) break;
            def_ctx d = {0};
            const char *ds = it.scan ? it.scan : s, *de = it.scan ? it.scan + strlen(it.scan) : e;
            if (defined_names(ds, de, count_def, &d)) it.kind = IT_DROP, ndefs += d.count;
        }
        if (it.kind == IT_MACRO) ndefs++;
        it.n = (size_t)(e - s);
        if (pre.n % 64 == 0) {
            pitem *g = realloc(pre.it, sizeof *g * (size_t)(pre.n + 64));
            if (!(ok = g)) {
                free(it.scan);
                break;
            }
            pre.it = g;
        }
        pre.it[pre.n++] = it;
        s = e;
    }
    for (pre.cap = 64; ok && pre.cap < 4 * (size_t)ndefs;) pre.cap *= 2;
    ok = ok && (pre.names = malloc(sizeof *pre.names * pre.cap));
    for (size_t i = 0; ok && i < pre.cap; i++) pre.names[i].item = -1;
    for (int i = 0; ok && i < pre.n; i++) { /* the names each item defines */
        pitem *it = &pre.it[i];
        def_ctx d = {.item = i};
        if (it->kind == IT_MACRO) {
            pmacro m;
            parse_define(it->p, it->p + it->n, &m);
            name_put(name_hash(m.name, m.nname), i);
        } else if (it->header) {
            header_names(it->header - 1, put_def, &d);
        } else if (it->kind == IT_DROP) {
            defined_names(it->scan ? it->scan : it->p, it->scan ? it->scan + strlen(it->scan) : it->p + it->n,
                          put_def, &d);
        }
    }
    for (int i = 0; ok && i < pre.n; i++) { /* then the names each mentions */
        pitem *it = &pre.it[i];
        hash_list l = {0};
        if (it->kind == IT_MACRO) {
            pmacro m;
            parse_define(it->p, it->p + it->n, &m);
            each_ident(m.body, m.body + m.nbody, add_ref, &l);
        } else {
            each_ident(it->scan ? it->scan : it->p, it->scan ? it->scan + strlen(it->scan) : it->p + it->n, add_ref,
                       &l);
            if (it->scan) add_ref(&l, it->p, strcspn(it->p, " \t(")); /* the macro invoked */
        }
        ok = !l.oom;
        it->refs = l.h, it->nrefs = l.n;
    }
    for (int i = 0; i < pre.n; i++) free(pre.it[i].scan), pre.it[i].scan = NULL;
    free(mac);
    pre.ok = ok;
}

typedef struct {
    unsigned char *seen;
    int *stack, top;
} reach;

static void reach_hash(reach *r, uint64_t h) {
    for (size_t i = (size_t)h & (pre.cap - 1); pre.names[i].item >= 0; i = (i + 1) & (pre.cap - 1)) {
        int k = pre.names[i].item;
        if (pre.names[i].h != h || r->seen[k]) continue;
        r->seen[k] = 1;
        r->stack[r->top++] = k;
    }
}

static void reach_name(void *ud, const char *p, size_t n) { reach_hash(ud, name_hash(p, n)); }

char *cc_trim_prelude(const char *src, size_t len, size_t *out_len) {
    pthread_once(&pre_once, pre_init);
    const char *hit = pre.ok && pre.at_len ? memmem(src, len, cgen_prelude_text, pre.at_len) : NULL;
    if (!hit) return NULL;
    const char *tail = hit + pre.at_len, *end = src + len;
    reach r = {calloc((size_t)pre.n, 1), malloc(sizeof(int) * (size_t)pre.n), 0};
    core_str o = {0};
    if (r.seen && r.stack) {
        each_ident(src, hit, reach_name, &r);
        each_ident(tail, end, reach_name, &r);
        while (r.top) {
            const pitem *it = &pre.it[r.stack[--r.top]];
            for (int j = 0; j < it->nrefs; j++) reach_hash(&r, it->refs[j]);
        }
        core_str_printf(&o, "%.*s", (int)(hit - src), src);
        for (int i = 0; i < pre.n; i++)
            if (pre.it[i].kind != IT_DROP || r.seen[i]) core_str_printf(&o, "%.*s\n", (int)pre.it[i].n, pre.it[i].p);
        core_str_printf(&o, "%.*s", (int)(end - tail), tail);
    }
    free(r.seen), free(r.stack);
    if (!r.seen || !r.stack || o.oom || !o.s) {
        core_str_free(&o);
        return NULL;
    }
    *out_len = o.len;
    return o.s;
}

/* ---------------------------------------------------------------- the toolchain for one source */
/* The flag words: the base flags, then -fopenmp (linked the compiler's own way, with its OpenMP runtime), or
 * -nostdlib: the library then links only libm and libgcc (cc_run); the C library's symbols are bound when it is
 * loaded, from the process, which always has them. Linking against libc.so and the start files took 10 of the
 * 18 ms of a link. Then the "cflags" words. */
static void set_flags(cc_tool *t, bool openmp) {
    t->nflags = 0;
    for (int i = 0; i < NBASE; i++) t->flags[t->nflags++] = base_flags[i];
    t->flags[t->nflags++] = openmp ? "-fopenmp" : "-nostdlib";
    t->openmp = openmp;
    for (int i = 0; i < t->ncflags; i++) t->flags[t->nflags++] = t->cflags[i];
}

bj_status cc_tool_init(cc_tool *t, const char *source, const char *iddir) {
    memset(t, 0, sizeof *t);
    default_name(t->name, sizeof t->name);
    if (!cc_resolve(t->name, t->path, sizeof t->path))
        return core_err(BJ_ERR_IO, "C compiler '%s' not found%s (set \"cc\" with bj_config_set, or BJ_CC)", t->name,
                        strchr(t->name, '/') ? " or not executable" : " in PATH");
    char rpath[PATH_MAX];
    struct stat st;
    if (!realpath(t->path, rpath) || stat(rpath, &st))
        return core_err(BJ_ERR_IO, "C compiler '%s': cannot inspect %s: %s", t->name, t->path, strerror(errno));
    char idkey[3 * PATH_MAX + 64];
    int k = snprintf(idkey, sizeof idkey, "%s\n%s\n%s\n%lld %lld.%09ld", t->name, t->path, rpath,
                     (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    ident id = {.key = XXH3_128bits(idkey, (size_t)k), .omp = -1};
    bool known = memo_get(id.key, &id);
    if (!known && id_file_get(iddir, id.key, &id)) known = true, memo_put(&id);
    if (!known) {
        double t0 = cc_now();
        bj_status s = run_version(t, &id);
        double dt = cc_now() - t0;
        t->init_s += dt;
        core_stat_time(true, dt);
        if (s) return s;
        memo_put(&id);
        id_file_put(iddir, &id);
    }
    snprintf(t->ident, sizeof t->ident, "%s\n%s\n%lld %lld.%09ld", id.version, rpath, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    t->idkey = id.key;
    snprintf(t->version, sizeof t->version, "%s", id.version);
    /* OpenMP: unknown whether the compiler builds it until a source asks; it is then tried (cc_tool_openmp) */
    t->want_omp = strstr(source, "#pragma omp") != NULL;
    t->omp_unknown = t->want_omp && id.omp < 0;
    char cflags[PATH_MAX];
    core_config("cflags", cflags, sizeof cflags);
    if (*cflags && !(t->cflags_copy = strdup(cflags))) return core_err(BJ_ERR_NOMEM, "out of memory copying cflags");
    char *save = NULL;
    for (char *w = *cflags ? strtok_r(t->cflags_copy, " \t", &save) : NULL; w; w = strtok_r(NULL, " \t", &save)) {
        if (t->ncflags == CC_MAX_FLAGS - NBASE - 1)
            return core_err(BJ_ERR_ARG, "\"cflags\" has too many words (at most %d)", CC_MAX_FLAGS - NBASE - 1);
        t->cflags[t->ncflags++] = w;
    }
    set_flags(t, t->want_omp && id.omp != 0);
    return BJ_OK;
}

void cc_tool_openmp(cc_tool *t, bool works, bool remember, const char *iddir) {
    set_flags(t, t->want_omp && works);
    if (!remember) return;
    ident id;
    if (!memo_get(t->idkey, &id)) {
        id = (ident){.key = t->idkey};
        snprintf(id.version, sizeof id.version, "%s", t->version);
    }
    id.omp = works;
    memo_put(&id);
    id_file_put(iddir, &id);
    t->omp_unknown = false;
}

void cc_tool_free(cc_tool *t) {
    free(t->cflags_copy);
    t->cflags_copy = NULL;
}
