/* cc.c — the compiler driver: finds the C compiler, learns its identity and flags, runs it without a shell. */
#include "backend/c/cc_internal.h"

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
    argv[n++] = "-o", argv[n++] = so_path, argv[n++] = src_path, argv[n++] = "-lm", argv[n] = NULL;
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
 * binary and its size and mtime (an upgraded compiler changes these). The OpenMP probe (a real compile, ~100 ms)
 * is remembered the same way. */
typedef struct {
    XXH128_hash_t key;
    char version[256];
    int omp; /* -1 not probed yet, 0 no, 1 yes */
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

/* Whether the compiler builds and links an OpenMP shared library (clang without libomp does not): 1 or 0; -1 if
 * it did not finish within the time limit (not remembered then). */
static int probe_omp(const cc_tool *t) {
    static const char src[] = "#include <omp.h>\nint bj_probe(int n);\nint bj_probe(int n) {\n    int s = 0;\n"
                              "#pragma omp parallel for reduction(+ : s)\n    for (int i = 0; i < n; i++) s += i;\n"
                              "    return s + omp_get_max_threads();\n}\n";
    char dir[PATH_MAX - 32], c[PATH_MAX], so[PATH_MAX];
    if (!cc_private_dir(dir, sizeof dir)) return 0;
    snprintf(so, sizeof so, "%s/probe.so", dir);
    int ok = 0;
    if (cc_write_temp(dir, "probe-XXXXXX.c", 2, src, sizeof src - 1, c, sizeof c)) {
        const char *argv[NBASE + 6];
        int n = 0;
        argv[n++] = t->name;
        for (int i = 0; i < NBASE; i++) argv[n++] = base_flags[i];
        argv[n++] = "-fopenmp", argv[n++] = "-o", argv[n++] = so, argv[n++] = c, argv[n] = NULL;
        run_result r;
        double t0 = cc_now();
        ok = !spawn_capture(argv, dir, cc_time_limit(), &r) && exited_ok(r.status);
        if (r.timed_out) ok = -1;
        core_stat_time(true, cc_now() - t0);
        free(r.out);
    }
    cc_remove_dir(dir);
    return ok;
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

/* ---------------------------------------------------------------- the toolchain for one source */
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
    bool want_omp = strstr(source, "#pragma omp") != NULL;
    if (want_omp && id.omp < 0) {
        double t0 = cc_now();
        id.omp = probe_omp(t);
        t->init_s += cc_now() - t0;
        if (id.omp < 0) return timeout_err(t, "its OpenMP probe", NULL, cc_time_limit());
        memo_put(&id);
        id_file_put(iddir, &id);
    }
    snprintf(t->ident, sizeof t->ident, "%s\n%s\n%lld %lld.%09ld", id.version, rpath, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);

    for (int i = 0; i < NBASE; i++) t->flags[t->nflags++] = base_flags[i];
    if (want_omp && id.omp == 1) t->flags[t->nflags++] = "-fopenmp", t->openmp = true;
    char cflags[PATH_MAX];
    core_config("cflags", cflags, sizeof cflags);
    if (*cflags) {
        if (!(t->cflags_copy = strdup(cflags))) return core_err(BJ_ERR_NOMEM, "out of memory copying cflags");
        char *save = NULL;
        for (char *w = strtok_r(t->cflags_copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            if (t->nflags == CC_MAX_FLAGS)
                return core_err(BJ_ERR_ARG, "\"cflags\" has too many words (at most %d)", CC_MAX_FLAGS - NBASE - 1);
            t->flags[t->nflags++] = w;
        }
    }
    return BJ_OK;
}

void cc_tool_free(cc_tool *t) {
    free(t->cflags_copy);
    t->cflags_copy = NULL;
}
