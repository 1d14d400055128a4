/* test_diskcache.c — the disk cache attacked (issue 10, class 6): planted files, swaps, unwritable dirs, the bound. */
#include "backend/c/cc.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Sources that define one function with different answers: an entry loaded for the wrong source shows. */
static const char SRC_A[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return a + 1000; }\n";
static const char SRC_B[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return a + 2000; }\n";
static const char SRC_C[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return a + 3000; }\n";
static const char SRC_D[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return a + 4000; }\n";
static const char SRC_E[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return a + 5000; }\n";
static const char SRC_BAD[] = "int bj_d_f(int a);\nint bj_d_f(int a) { return nothing_here; }\n";

/* Each test gets a fresh cache directory and gives back the settings it found. */
static char saved_cache[PATH_MAX];
static void cache_begin(const char *dir) {
    CHECK(bj_config_get("cache_dir", saved_cache, sizeof saved_cache) == BJ_OK);
    test_rm_rf(dir);
    CHECK(bj_config_set("cache_dir", dir) == BJ_OK);
}
static void cache_end(void) {
    CHECK(bj_config_set("cache_dir", saved_cache[0] ? saved_cache : NULL) == BJ_OK);
    CHECK(bj_config_set("cache_max_bytes", NULL) == BJ_OK && bj_config_set("disk_cache", NULL) == BJ_OK);
}

static bj_cpu_stats stats(void) {
    bj_cpu_stats s;
    bj_cpu_stats_get(&s);
    return s;
}

/* Builds src (through the disk cache) and returns bj_d_f(1), or -1; *secs: how long the build took. */
static int call1(const char *src, double *secs) {
    cc_lib *lib = NULL;
    double t0 = test_now_s();
    bj_status s = cc_build(src, "dc", &lib);
    if (secs) *secs = test_now_s() - t0;
    if (s) printf("    cc_build: %s: %s\n", bj_status_name(s), bj_last_error());
    int (*f)(int) = s ? NULL : (int (*)(int))cc_sym(lib, "bj_d_f");
    int r = f ? f(1) : -1;
    cc_lib_close(lib);
    return r;
}

/* Names in dir (not . and ..) into names (at most max); their count, or -1. */
static int list_dir(const char *dir, char names[][128], int max) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < max)
            snprintf(names[n++], 128, "%.120s", e->d_name);
    closedir(d);
    return n;
}

static bool is_key(const char *n) { return strspn(n, "0123456789abcdef") == 32; }

/* The key (32 hex digits) of an entry in dir that is not `except` ("" for any), into key; false if none. */
static bool find_key(const char *dir, const char *except, char key[33]) {
    static char names[256][128];
    int n = list_dir(dir, names, 256);
    for (int i = 0; i < n; i++)
        if (is_key(names[i]) && strncmp(names[i], except, 32)) {
            snprintf(key, 33, "%.32s", names[i]);
            return true;
        }
    return false;
}

/* The files of key's entry in dir other than a lock and, with no_source, a .c source (the layout before issue 10
 * compared the source, so an attack aims at the other files): their paths into paths; their count. */
static int entry_files(const char *dir, const char *key, bool no_source, char paths[][PATH_MAX], int max) {
    static char names[256][128];
    int n = list_dir(dir, names, 256), k = 0;
    for (int i = 0; i < n; i++) {
        const char *x = names[i] + 32;
        if (strncmp(names[i], key, 32) || !strcmp(x, ".lock") || (no_source && !strcmp(x, ".c")) || k == max) continue;
        snprintf(paths[k++], PATH_MAX, "%.200s/%.120s", dir, names[i]);
    }
    return k;
}

static int count_prefix(const char *dir, const char *prefix) {
    static char names[256][128];
    int n = list_dir(dir, names, 256), k = 0;
    for (int i = 0; i < n; i++) k += !strncmp(names[i], prefix, strlen(prefix));
    return n < 0 ? -1 : k;
}

/* Bytes of the entries (and kept failed sources) in dir. */
static long long entry_bytes(const char *dir) {
    static char names[256][128];
    int n = list_dir(dir, names, 256);
    long long total = 0;
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof p, "%.200s/%.120s", dir, names[i]);
        if ((is_key(names[i]) || !strncmp(names[i], "failed-", 7)) && !lstat(p, &st) && S_ISREG(st.st_mode))
            total += st.st_size;
    }
    return total;
}

static bool is_regular(const char *p) {
    struct stat st;
    return !lstat(p, &st) && S_ISREG(st.st_mode);
}

static void set_age(const char *p, int seconds_ago) {
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= seconds_ago, t[1] = t[0];
    CHECK(utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW) == 0);
}

/* ---------------------------------------------------------------- a watchdog for FIFOs
 * An open() that waits on a FIFO would hang the suite; after a few seconds the watchdog opens the FIFOs itself
 * (which lets the blocked open return) until the build is over, and the test fails. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done, fired;
    char (*paths)[PATH_MAX];
    int n;
} watchdog;

static void *watch(void *arg) {
    watchdog *w = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&w->mu);
    while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT) {}
    while (!w->done) {
        w->fired = true;
        pthread_mutex_unlock(&w->mu);
        for (int i = 0; i < w->n; i++) {
            int fd = open(w->paths[i], O_RDWR | O_NONBLOCK);
            if (fd >= 0) close(fd);
        }
        usleep(20000);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Builds src with a watchdog on the FIFOs at paths; its answer, and whether it ran without the watchdog. */
static int call_watched(const char *src, char paths[][PATH_MAX], int n, bool *prompt) {
    watchdog w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, paths, n};
    pthread_t th;
    bool started = pthread_create(&th, NULL, watch, &w) == 0;
    double secs = 0;
    int r = call1(src, &secs);
    pthread_mutex_lock(&w.mu);
    w.done = true;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
    if (started) pthread_join(th, NULL);
    *prompt = !w.fired && secs < 5;
    return r;
}

/* ---------------------------------------------------------------- planted files */
/* A FIFO at every file of an entry (and, where this process may, a device node): never waited on, replaced. */
static void test_dc_planted_fifo(void) {
    const char *dir = "tmp/dc-fifo";
    cache_begin(dir);
    char key[33] = "", paths[8][PATH_MAX];
    CHECK(call1(SRC_A, NULL) == 1001 && find_key(dir, "", key));
    int n = entry_files(dir, key, false, paths, 8);
    CHECK(n >= 1);
    for (int i = 0; i < n; i++) CHECK(unlink(paths[i]) == 0 && mkfifo(paths[i], 0600) == 0);
    bool prompt = false;
    bj_cpu_stats s0 = stats();
    CHECK(call_watched(SRC_A, paths, n, &prompt) == 1001);
    CHECK_MSG(prompt, "a build waited on a FIFO planted at an entry's path");
    CHECK(stats().rebuilds == s0.rebuilds + 1);
    char so[PATH_MAX];
    snprintf(so, sizeof so, "%s/%s.so", dir, key);
    CHECK(is_regular(so)); /* replaced by the rebuilt entry: the next build is a hit */
    s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1);

    /* a character device (/dev/zero's numbers: a read never ends) at the entry's path */
    CHECK(unlink(so) == 0);
    if (mknod(so, S_IFCHR | 0600, makedev(1, 5))) {
        printf("    note: cannot make a device node here (%s); the symlink test covers devices\n", strerror(errno));
    } else {
        double secs = 0;
        CHECK(call1(SRC_A, &secs) == 1001 && secs < 5);
        CHECK(is_regular(so));
    }
    cache_end();
}

/* A directory at an entry's path: an empty one is replaced, another is left and the build used unstored. */
static void test_dc_planted_directory(void) {
    const char *dir = "tmp/dc-dir";
    cache_begin(dir);
    char key[33] = "", paths[8][PATH_MAX], inner[PATH_MAX + 16];
    CHECK(call1(SRC_A, NULL) == 1001 && find_key(dir, "", key));
    int n = entry_files(dir, key, false, paths, 8);
    for (int i = 0; i < n; i++) {
        CHECK(unlink(paths[i]) == 0 && mkdir(paths[i], 0700) == 0);
        snprintf(inner, sizeof inner, "%.400s/x", paths[i]);
        FILE *f = fopen(inner, "w");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
    for (int round = 0; round < 2; round++) { /* every build compiles now, and answers right */
        bj_cpu_stats s0 = stats();
        double secs = 0;
        CHECK_MSG(call1(SRC_A, &secs) == 1001 && secs < 5, "round %d", round);
        CHECK_MSG(stats().compiles == s0.compiles + 1, "round %d", round);
    }
    CHECK(count_prefix(dir, ".tmp-") == 0);
    for (int i = 0; i < n; i++) {
        snprintf(inner, sizeof inner, "%.400s/x", paths[i]);
        CHECK(unlink(inner) == 0);
    }
    CHECK(call1(SRC_A, NULL) == 1001); /* empty now: replaced */
    char so[PATH_MAX];
    snprintf(so, sizeof so, "%s/%s.so", dir, key);
    CHECK(is_regular(so));
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1);
    cache_end();
}

/* Symlinks at an entry's files: to another entry's (which must not be run) and to /dev/null. */
static void test_dc_planted_symlink(void) {
    const char *dir = "tmp/dc-link";
    cache_begin(dir);
    char ka[33] = "", kb[33] = "", pa[8][PATH_MAX], pb[8][PATH_MAX], target[PATH_MAX + 8];
    CHECK(call1(SRC_A, NULL) == 1001 && find_key(dir, "", ka));
    CHECK(call1(SRC_B, NULL) == 2001 && find_key(dir, ka, kb));
    int na = entry_files(dir, ka, true, pa, 8);
    CHECK(na >= 1 && entry_files(dir, kb, true, pb, 8) == na);
    for (int i = 0; i < na; i++) { /* a's files point at b's of the same extension */
        const char *ext = strrchr(pa[i], '.');
        snprintf(target, sizeof target, "%s%s", kb, ext ? ext : "");
        CHECK(unlink(pa[i]) == 0 && symlink(target, pa[i]) == 0);
    }
    bj_cpu_stats s0 = stats();
    CHECK_MSG(call1(SRC_A, NULL) == 1001, "a symlink to another entry ran that entry's code");
    CHECK(stats().rebuilds == s0.rebuilds + 1);
    char so[PATH_MAX];
    snprintf(so, sizeof so, "%s/%s.so", dir, ka);
    CHECK(is_regular(so));
    for (int i = 0; i < na; i++) CHECK(unlink(pb[i]) == 0 && symlink("/dev/null", pb[i]) == 0);
    double secs = 0;
    CHECK(call1(SRC_B, &secs) == 2001 && secs < 5);
    snprintf(so, sizeof so, "%s/%s.so", dir, kb);
    CHECK(is_regular(so));
    s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && call1(SRC_B, NULL) == 2001 && stats().disk_hits == s0.disk_hits + 2);
    cache_end();
}

/* ---------------------------------------------------------------- swapped entries, through bj_compile */
static bj_exec *affine_exec(double m, double c) {
    int64_t n = 4;
    bj_trace *t = bj_trace_new("affine");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, &n);
    bj_val *y = bj_add(bj_mul(x, m), c);
    bj_graph *g = bj_trace_finish(t, &y, 1);
    bj_exec *e = g ? bj_compile(g, "cpu") : NULL;
    bj_graph_release(g);
    return e;
}

/* Whether the graph m x + c, compiled now, computes m x + c on the "cpu" backend. */
static bool affine_ok(double m, double c) {
    bj_exec *e = affine_exec(m, c);
    bj_array *x = test_arr(BJ_F32, 1, SH(4), V(0, 1, 2, 3)), *y = NULL;
    bool ok = e && x && !strcmp(bj_exec_backend(e), "cpu") && bj_exec_run(e, &x, 1, &y, 1) == BJ_OK &&
              test_arr_eq(y, BJ_F32, 1, SH(4), V(c, m + c, 2 * m + c, 3 * m + c), 0);
    bj_array_release(x);
    bj_array_release(y);
    bj_exec_release(e);
    return ok;
}

/* Swapping every file of two entries (but a separate source, which the old layout compared) must not make one
 * graph run the other's code. Real generated sources (with the prelude, which an entry stores by reference). */
static void test_dc_swapped_entries(void) {
    const char *dir = "tmp/dc-swap";
    cache_begin(dir);
    char ka[33] = "", kb[33] = "", pa[8][PATH_MAX], pb[PATH_MAX + 8], tmp[PATH_MAX + 8];
    CHECK(bj_config_set("cflags", "-O0") == BJ_OK); /* faster; its own keys */
    CHECK(affine_ok(3, 1) && find_key(dir, "", ka));
    CHECK(affine_ok(5, 2) && find_key(dir, ka, kb));
    bj_cpu_stats s0 = stats();
    CHECK(affine_ok(3, 1) && affine_ok(5, 2) && stats().disk_hits == s0.disk_hits + 2); /* prelude by reference */
    int n = entry_files(dir, ka, true, pa, 8);
    CHECK(n >= 1);
    for (int i = 0; i < n; i++) { /* with b's file of the same extension */
        snprintf(pb, sizeof pb, "%s/%s%s", dir, kb, pa[i] + strlen(dir) + 33);
        snprintf(tmp, sizeof tmp, "%s.swap", pa[i]);
        CHECK(rename(pa[i], tmp) == 0 && rename(pb, pa[i]) == 0 && rename(tmp, pb) == 0);
    }
    s0 = stats();
    CHECK_MSG(affine_ok(3, 1), "graph a ran graph b's code");
    CHECK_MSG(affine_ok(5, 2), "graph b ran graph a's code");
    bj_cpu_stats s1 = stats();
    CHECK(s1.rebuilds == s0.rebuilds + 2 && s1.compiles == s0.compiles + 2);
    CHECK(affine_ok(3, 1) && affine_ok(5, 2) && stats().disk_hits == s1.disk_hits + 2);
    /* one entry copied over the other's name */
    char so_a[PATH_MAX], so_b[PATH_MAX];
    snprintf(so_a, sizeof so_a, "%s/%s.so", dir, ka);
    snprintf(so_b, sizeof so_b, "%s/%s.so", dir, kb);
    CHECK(unlink(so_b) == 0 && link(so_a, so_b) == 0);
    CHECK(affine_ok(5, 2) && affine_ok(3, 1));
    CHECK(bj_config_set("cflags", NULL) == BJ_OK);
    cache_end();
}

/* ---------------------------------------------------------------- directories that cannot be written */
/* Runs only inside a child (test_dc_readonly as root): as another user, on the read-only cache of that user. */
static void test_dc_child(void) {
    const char *dir = getenv("BJ_TEST_DC_CHILD");
    if (!dir) return;
    CHECK(bj_config_set("cache_dir", dir) == BJ_OK);
    static char before[64][128], after[64][128];
    int nb = list_dir(dir, before, 64);
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1); /* what it holds still serves */
    CHECK(call1(SRC_B, NULL) == 2001 && call1(SRC_B, NULL) == 2001);           /* the rest compiles privately */
    CHECK(stats().compiles == s0.compiles + 2);
    CHECK(list_dir(dir, after, 64) == nb);
    printf("child: done\n");
}

/* The child above, run as the user `nobody` on a cache directory of nobody's with mode 0500. */
static void readonly_as_nobody(const char *dir) {
    static char names[64][128];
    int n = list_dir(dir, names, 64);
    bool owned = chown(dir, 65534, 65534) == 0;
    for (int i = 0; i < n && owned; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        owned = lchown(p, 65534, 65534) == 0;
    }
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    int out = open("tmp/dc-child.out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (!owned || k <= 0 || out < 0) {
        printf("    note: cannot hand the directory to nobody (%s); the read-only case is not tested\n",
               strerror(errno));
        if (out >= 0) close(out);
        return;
    }
    self[k] = 0;
    CHECK(chmod(dir, 0500) == 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out, 1), dup2(out, 2);
        /* 3: nobody cannot run this test here (no setuid, or the binary or directory out of its reach) */
        if (setgroups(0, NULL) || setgid(65534) || setuid(65534) || access(self, X_OK) || access(dir, R_OK | X_OK))
            _exit(3);
        setenv("BJ_TEST_DC_CHILD", dir, 1);
        execl(self, self, "test_dc_child", (char *)NULL);
        _exit(4);
    }
    close(out);
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    FILE *f = fopen("tmp/dc-child.out", "r");
    char text[4096] = "";
    if (f) text[fread(text, 1, sizeof text - 1, f)] = 0, fclose(f);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        printf("    note: nobody cannot run this test here; the read-only case is not tested\n");
    else
        CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(text, "child: done") &&
                      strstr(text, "1 passed, 0 failed"),
                  "the child as nobody: status %d, output:\n%s", st, text);
    chmod(dir, 0700);
}

/* A read-only cache directory serves its entries and compiles the rest privately; so does one that cannot be
 * made. Permissions do not bind root: as root the check runs in a child as the user nobody. */
static void test_dc_readonly(void) {
    const char *dir = "tmp/dc-ro";
    cache_begin(dir);
    CHECK(call1(SRC_A, NULL) == 1001);
    if (geteuid() == 0) readonly_as_nobody(dir);
    else {
        static char before[64][128], after[64][128];
        int nb = list_dir(dir, before, 64);
        CHECK(chmod(dir, 0500) == 0);
        bj_cpu_stats s0 = stats();
        CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1);
        CHECK(call1(SRC_B, NULL) == 2001 && call1(SRC_B, NULL) == 2001);
        CHECK(stats().compiles == s0.compiles + 2);
        CHECK(list_dir(dir, after, 64) == nb);
        CHECK(chmod(dir, 0700) == 0);
    }
    cache_end();
    /* a path under a regular file: the directory cannot be made */
    test_rm_rf("tmp/dc-file");
    FILE *f = fopen("tmp/dc-file", "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    cache_begin("tmp/dc-file/cache");
    CHECK(call1(SRC_C, NULL) == 3001);
    cache_end();
    unlink("tmp/dc-file");
}

/* A lock file that cannot be opened (a directory holds its name) or, as root, is another user's. */
static void test_dc_lock_unusable(void) {
    const char *dir = "tmp/dc-lock";
    cache_begin(dir);
    char key[33] = "", paths[8][PATH_MAX], lock[PATH_MAX] = "";
    static char names[64][128];
    CHECK(call1(SRC_A, NULL) == 1001 && find_key(dir, "", key));
    int n = list_dir(dir, names, 64);
    for (int i = 0; i < n; i++) /* the key's lock: the only one but the pruning scan's */
        if (strstr(names[i], "lock") && strcmp(names[i], "lock-prune"))
            snprintf(lock, sizeof lock, "%s/%.120s", dir, names[i]);
    CHECK(*lock);
    int ne = entry_files(dir, key, false, paths, 8);
    for (int i = 0; i < ne; i++) CHECK(unlink(paths[i]) == 0);
    CHECK(unlink(lock) == 0 && mkdir(lock, 0700) == 0);
    for (int round = 0; round < 2; round++) {
        bj_cpu_stats s0 = stats();
        double secs = 0;
        CHECK_MSG(call1(SRC_A, &secs) == 1001 && secs < 5, "round %d", round);
        CHECK_MSG(stats().compiles == s0.compiles + 1, "round %d", round);
    }
    CHECK(rmdir(lock) == 0);
    if (geteuid() == 0) {
        FILE *f = fopen(lock, "w");
        CHECK(f != NULL);
        if (f) fclose(f);
        CHECK(chown(lock, 65534, 65534) == 0);
        CHECK(call1(SRC_A, NULL) == 1001);
        CHECK(unlink(lock) == 0);
    }
    CHECK(call1(SRC_A, NULL) == 1001); /* a usable lock again: stored, then a hit */
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1);
    cache_end();
}

/* ---------------------------------------------------------------- temporaries, disk_cache=0 */
/* What a killed build leaves (an unlocked .tmp- directory, old .tmp- files) goes on the next write; a build in
 * progress (its directory locked) and a fresh temporary stay. */
static void test_dc_stale_temporaries(void) {
    const char *dir = "tmp/dc-stale";
    cache_begin(dir);
    CHECK(mkdir(dir, 0700) == 0);
    const char *files[] = {"tmp/dc-stale/.tmp-dead/src-abcdef.c", "tmp/dc-stale/.tmp-dead/lib.so",
                           "tmp/dc-stale/.tmp-live/src-abcdef.c", "tmp/dc-stale/.tmp-Qx12ab.c",
                           "tmp/dc-stale/.tmp-Qx12ab.so", "tmp/dc-stale/.tmp-fresh.c"};
    CHECK(mkdir("tmp/dc-stale/.tmp-dead", 0700) == 0 && mkdir("tmp/dc-stale/.tmp-live", 0700) == 0);
    for (int i = 0; i < 6; i++) {
        FILE *f = fopen(files[i], "w");
        CHECK(f != NULL);
        if (f) fputs("left over\n", f), fclose(f);
    }
    set_age("tmp/dc-stale/.tmp-dead", 3600), set_age("tmp/dc-stale/.tmp-live", 3600);
    set_age("tmp/dc-stale/.tmp-Qx12ab.c", 3600), set_age("tmp/dc-stale/.tmp-Qx12ab.so", 3600);
    int live = open("tmp/dc-stale/.tmp-live", O_RDONLY | O_DIRECTORY);
    CHECK(live >= 0 && flock(live, LOCK_EX) == 0);
    CHECK(call1(SRC_A, NULL) == 1001);
    CHECK(access("tmp/dc-stale/.tmp-dead", F_OK) != 0);
    CHECK(access("tmp/dc-stale/.tmp-Qx12ab.c", F_OK) != 0 && access("tmp/dc-stale/.tmp-Qx12ab.so", F_OK) != 0);
    CHECK(access("tmp/dc-stale/.tmp-live/src-abcdef.c", F_OK) == 0);
    CHECK(access("tmp/dc-stale/.tmp-fresh.c", F_OK) == 0);
    if (live >= 0) close(live);
    cache_end();
}

/* disk_cache=0 writes nothing into the cache directory: it is not even made. */
static void test_dc_disabled_writes_nothing(void) {
    const char *dir = "tmp/dc-off";
    cache_begin(dir);
    CHECK(bj_config_set("disk_cache", "0") == BJ_OK);
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001);
    CHECK(access(dir, F_OK) != 0);
    CHECK(mkdir(dir, 0700) == 0);
    CHECK(call1(SRC_A, NULL) == 1001 && call1(SRC_B, NULL) == 2001);
    CHECK(stats().compiles == s0.compiles + 3 && stats().disk_hits == s0.disk_hits);
    static char names[8][128];
    CHECK(list_dir(dir, names, 8) == 0);
    cache_end();
}

/* ---------------------------------------------------------------- the size bound and clearing */
static void test_dc_prune_lru(void) {
    const char *dir = "tmp/dc-prune";
    cache_begin(dir);
    char ka[33] = "", kb[33] = "", pa[PATH_MAX], pb[PATH_MAX], bound[32];
    CHECK(call1(SRC_A, NULL) == 1001 && find_key(dir, "", ka));
    CHECK(call1(SRC_B, NULL) == 2001 && find_key(dir, ka, kb));
    snprintf(pa, sizeof pa, "%s/%s.so", dir, ka);
    snprintf(pb, sizeof pb, "%s/%s.so", dir, kb);
    long long one = entry_bytes(dir) / 2, limit = one * 5 / 2; /* room for two entries, not three */
    snprintf(bound, sizeof bound, "%lld", limit);
    CHECK(bj_config_set("cache_max_bytes", bound) == BJ_OK);
    set_age(pa, 300), set_age(pb, 200); /* b used after a ... */
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().disk_hits == s0.disk_hits + 1); /* ... and a again, last */
    CHECK(call1(SRC_C, NULL) == 3001);
    CHECK_MSG(access(pb, F_OK) != 0 && access(pa, F_OK) == 0, "the least recently used entry (b) is not the one gone");
    CHECK_MSG(entry_bytes(dir) <= limit, "%lld bytes over a bound of %lld", entry_bytes(dir), limit);
    const char *more[] = {SRC_D, SRC_E, SRC_B, SRC_BAD};
    for (int i = 0; i < 4; i++) {
        cc_lib *lib = NULL;
        bj_status s = cc_build(more[i], "dc", &lib);
        CHECK(i == 3 ? s == BJ_ERR_INTERNAL : s == BJ_OK); /* a kept failed source counts too */
        cc_lib_close(lib);
        CHECK_MSG(entry_bytes(dir) <= limit, "%lld bytes over a bound of %lld", entry_bytes(dir), limit);
    }
    CHECK(call1(SRC_A, NULL) == 1001); /* pruned or not, right */
    cache_end();
}

static void test_dc_clear(void) {
    const char *dir = "tmp/dc-clear";
    cache_begin(dir);
    CHECK(call1(SRC_A, NULL) == 1001 && call1(SRC_B, NULL) == 2001);
    cc_lib *lib = NULL;
    CHECK(cc_build(SRC_BAD, "dc", &lib) == BJ_ERR_INTERNAL);
    const char *planted[] = {"tmp/dc-clear/notes.txt" /* not brainjit's: stays */,
                             "tmp/dc-clear/cc-0123456789abcdef.id" /* a compiler's identity (here once a process) */};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(planted[i], "w");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
    CHECK(count_prefix(dir, "failed-") == 1 && count_prefix(dir, "lock-") >= 2);
    CHECK(bj_cache_clear() == BJ_OK);
    static char names[16][128];
    int n = list_dir(dir, names, 16);
    for (int i = 0; i < n; i++)
        CHECK_MSG(!strcmp(names[i], "notes.txt") || !strcmp(names[i], "lock-prune"), "left: %s", names[i]);
    CHECK(access("tmp/dc-clear/notes.txt", F_OK) == 0);
    bj_cpu_stats s0 = stats();
    CHECK(call1(SRC_A, NULL) == 1001 && stats().compiles == s0.compiles + 1 && stats().disk_hits == s0.disk_hits);
    /* a directory others could write is not touched */
    CHECK(chmod(dir, 0777) == 0);
    CHECK(bj_cache_clear() == BJ_ERR_IO);
    CHECK_ERR_HAS("writable by group or others");
    CHECK_ERR_HAS(dir);
    CHECK(chmod(dir, 0700) == 0);
    cache_end();
    /* a missing directory is already clear, and is not made */
    cache_begin("tmp/dc-clear-none");
    CHECK(bj_cache_clear() == BJ_OK && access("tmp/dc-clear-none", F_OK) != 0);
    cache_end();
}

static void test_dc_settings(void) {
    char buf[64];
    const char *bad[] = {"0", "-1", "abc", "12abc", "1.5G", "1T", "1GB", " 1", "1 ", "+5", "9999999999999999999",
                         "2000000000G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(bj_config_set("cache_max_bytes", bad[i]) == BJ_ERR_ARG, "'%s' accepted", bad[i]);
        CHECK_ERR_HAS("cache_max_bytes");
    }
    const char *good[] = {"1", "4096", "512M", "512m", "1G", "64k", "1048576G"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK_MSG(bj_config_set("cache_max_bytes", good[i]) == BJ_OK, "'%s' refused: %s", good[i], bj_last_error());
        CHECK(bj_config_get("cache_max_bytes", buf, sizeof buf) == BJ_OK && !strcmp(buf, good[i]));
    }
    CHECK(bj_config_set("cache_max_bytes", NULL) == BJ_OK);
    CHECK(bj_config_set("disk_cache", "no") == BJ_ERR_ARG);
    CHECK_ERR_HAS("disk_cache");
}

void tests_diskcache(void) {
    mkdir("tmp", 0755);
    RUN(test_dc_settings);
    RUN(test_dc_planted_fifo);
    RUN(test_dc_planted_directory);
    RUN(test_dc_planted_symlink);
    RUN(test_dc_swapped_entries);
    RUN(test_dc_readonly);
    RUN(test_dc_lock_unusable);
    RUN(test_dc_stale_temporaries);
    RUN(test_dc_disabled_writes_nothing);
    RUN(test_dc_prune_lru);
    RUN(test_dc_clear);
    RUN(test_dc_child);
}
