/* config.c — the native backend's settings (bj_config_*, seeded from environment variables) and its counters. */
#include "core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CFG_MAX 4096 /* longest value + 1: room for a path */

typedef enum { CFG_ANY, CFG_POSITIVE, CFG_BOOL01, CFG_FAULT, CFG_BYTES, CFG_SECONDS, CFG_COUNT } cfg_check;

typedef struct {
    const char *key, *env;
    cfg_check check;
} cfg_key;

static const cfg_key keys[] = {
    {"cc", "BJ_CC", CFG_ANY},
    {"cflags", "BJ_CFLAGS", CFG_ANY},
    {"cache_dir", "BJ_CACHE_DIR", CFG_ANY},
    {"disk_cache", "BJ_DISK_CACHE", CFG_BOOL01},
    {"cache_max_bytes", "BJ_CACHE_MAX_BYTES", CFG_BYTES},
    {"compile_timeout", "BJ_COMPILE_TIMEOUT", CFG_SECONDS},
    {"dump_dir", "BJ_DUMP_DIR", CFG_ANY},
    {"num_threads", "BJ_NUM_THREADS", CFG_POSITIVE},
    {"loop_threads_min", "BJ_LOOP_THREADS_MIN", CFG_COUNT},
    {"test_fault", "BJ_TEST_FAULT", CFG_FAULT},
    {"explain_cache_misses", "BJ_EXPLAIN_CACHE_MISSES", CFG_BOOL01},
    {"log_compiles", "BJ_LOG_COMPILES", CFG_BOOL01},
    {"x64", "BJ_X64", CFG_BOOL01}, /* last: KEY_X64 */
};
#define NKEYS (int)(sizeof keys / sizeof keys[0])
#define KNOWN_KEYS                                                                                                    \
    "cc, cflags, cache_dir, disk_cache, cache_max_bytes, compile_timeout, dump_dir, num_threads, "                     \
    "loop_threads_min, explain_cache_misses, log_compiles, test_fault, x64"

/* Current values and the values the environment gave at first use (what NULL/"" restores). The environment is
 * read lazily so that a program may setenv before its first brainjit call. */
static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static bool cfg_loaded;
static char cfg_val[NKEYS][CFG_MAX], cfg_env[NKEYS][CFG_MAX];
/* "x64" is read by every trace and every jit call: mirrored in a flag (-1 until the environment is read) so that
 * reading it takes no lock. Written under cfg_mu. */
#define KEY_X64 (NKEYS - 1)
static atomic_int cfg_x64 = -1;

static int find_key(const char *key) {
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].key, key)) return i;
    return -1;
}

/* NULL if v is acceptable for key i, else why not. */
static const char *invalid(int i, const char *v) {
    if (strlen(v) >= CFG_MAX) return "is too long (at most 4095 bytes)";
    for (const char *p = v; *p; p++)
        if (*p == '\n' || *p == '\r') return "contains a line break";
    switch (keys[i].check) {
    case CFG_ANY: return NULL;
    case CFG_BOOL01: return strcmp(v, "0") && strcmp(v, "1") ? "must be \"0\" or \"1\"" : NULL;
    case CFG_FAULT:
        return strcmp(v, "compile_error") && strcmp(v, "wrong_result")
                   ? "must be \"compile_error\" or \"wrong_result\" (or empty)"
                   : NULL;
    case CFG_POSITIVE: {
        /* digits only (no sign, spaces or suffix), 1 .. 65536 */
        long n = 0;
        for (const char *p = v; *p; p++) {
            if (*p < '0' || *p > '9' || p - v > 6) return "must be a positive integer (1 to 65536)";
            n = n * 10 + (*p - '0');
        }
        return n < 1 || n > 65536 ? "must be a positive integer (1 to 65536)" : NULL;
    }
    case CFG_SECONDS: {
        /* digits, optionally '.' and digits (no sign, exponent or suffix), 0 (no limit) .. 1000000 */
        static const char why[] = "must be a number of seconds from 0 (no limit) to 1000000, such as 60 or 0.5";
        size_t ni = strspn(v, "0123456789"), nf = v[ni] == '.' ? strspn(v + ni + 1, "0123456789") : 0;
        if (!ni || ni > 7 || (v[ni] && (v[ni] != '.' || !nf || v[ni + 1 + nf]))) return why;
        long whole = strtol(v, NULL, 10);
        bool frac = nf && strspn(v + ni + 1, "0") < nf;
        return whole > 1000000 || (whole == 1000000 && frac) ? why : NULL;
    }
    case CFG_COUNT: /* digits only, 0 .. 10^15 */
        return !*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 15 ? "must be a whole number from 0 to 10^15"
                                                                              : NULL;
    case CFG_BYTES: {
        /* digits and an optional K, M or G (powers of 1024), 1 byte .. 2^60 */
        static const char why[] = "must be a size in bytes (at least 1), optionally with a K, M or G suffix: 1G, 512M";
        size_t nd = strspn(v, "0123456789");
        int c = v[nd] | 0x20, shift = c == 'k' ? 10 : c == 'm' ? 20 : c == 'g' ? 30 : 0;
        if (!nd || nd > 18 || (v[nd] && (!shift || v[nd + 1]))) return why;
        long long n = strtoll(v, NULL, 10);
        return n < 1 || n > (1LL << (60 - shift)) ? why : NULL;
    }
    }
    return NULL;
}

/* Caller holds cfg_mu. An invalid environment value is ignored with one warning, as if unset. */
static void load_env(void) {
    if (cfg_loaded) return;
    cfg_loaded = true;
    for (int i = 0; i < NKEYS; i++) {
        const char *v = getenv(keys[i].env);
        if (!v || !*v) continue;
        const char *why = invalid(i, v);
        if (why) {
            fprintf(stderr, "brainjit: warning: ignoring %s: its value %s\n", keys[i].env, why);
            continue;
        }
        snprintf(cfg_env[i], CFG_MAX, "%s", v);
        snprintf(cfg_val[i], CFG_MAX, "%s", v);
    }
    atomic_store(&cfg_x64, cfg_val[KEY_X64][0] == '1');
}

bj_status bj_config_set(const char *key, const char *value) {
    if (!key) return core_err(BJ_ERR_ARG, "bj_config_set: key is NULL (known keys: " KNOWN_KEYS ")");
    int i = find_key(key);
    if (i < 0) return core_err(BJ_ERR_ARG, "bj_config_set: unknown key '%.64s' (known keys: " KNOWN_KEYS ")", key);
    if (value && *value) {
        const char *why = invalid(i, value);
        if (why) return core_err(BJ_ERR_ARG, "bj_config_set: value '%.64s' for '%s' %s", value, key, why);
    }
    pthread_mutex_lock(&cfg_mu);
    load_env();
    snprintf(cfg_val[i], CFG_MAX, "%s", value && *value ? value : cfg_env[i]);
    if (i == KEY_X64) atomic_store(&cfg_x64, cfg_val[i][0] == '1');
    pthread_mutex_unlock(&cfg_mu);
    return BJ_OK;
}

bj_status bj_config_get(const char *key, char *buf, size_t n) {
    if (!buf || !n) return core_err(BJ_ERR_ARG, "bj_config_get: buf is NULL or n is 0");
    buf[0] = 0;
    if (!key) return core_err(BJ_ERR_ARG, "bj_config_get: key is NULL (known keys: " KNOWN_KEYS ")");
    int i = find_key(key);
    if (i < 0) return core_err(BJ_ERR_ARG, "bj_config_get: unknown key '%.64s' (known keys: " KNOWN_KEYS ")", key);
    pthread_mutex_lock(&cfg_mu);
    load_env();
    size_t len = strlen(cfg_val[i]);
    snprintf(buf, n, "%s", cfg_val[i]);
    pthread_mutex_unlock(&cfg_mu);
    if (len >= n)
        return core_err(BJ_ERR_ARG, "bj_config_get: the value of '%s' needs %zu bytes, buf has %zu", key, len + 1, n);
    return BJ_OK;
}

void core_config(const char *key, char *buf, size_t n) {
    if (!n) return;
    buf[0] = 0;
    int i = find_key(key);
    BJ_ASSERT(i >= 0);
    if (i < 0) return;
    pthread_mutex_lock(&cfg_mu);
    load_env();
    snprintf(buf, n, "%s", cfg_val[i]);
    pthread_mutex_unlock(&cfg_mu);
}

bool core_x64(void) {
    int v = atomic_load(&cfg_x64);
    if (v < 0) {
        pthread_mutex_lock(&cfg_mu);
        load_env();
        pthread_mutex_unlock(&cfg_mu);
        v = atomic_load(&cfg_x64);
    }
    return v == 1;
}

/* ---------------------------------------------------------------- counters */
static pthread_mutex_t stat_mu = PTHREAD_MUTEX_INITIALIZER;
static bj_cpu_stats stats;

void core_stat_add(core_stat s, int64_t n) {
    pthread_mutex_lock(&stat_mu);
    switch (s) {
    case CORE_STAT_COMPILES: stats.compiles += n; break;
    case CORE_STAT_DISK_HITS: stats.disk_hits += n; break;
    case CORE_STAT_MEMORY_HITS: stats.memory_hits += n; break;
    case CORE_STAT_REBUILDS: stats.rebuilds += n; break;
    case CORE_STAT_FAILURES: stats.failures += n; break;
    }
    pthread_mutex_unlock(&stat_mu);
}

void core_stat_time(bool compile, double seconds) {
    pthread_mutex_lock(&stat_mu);
    if (compile) stats.compile_s += seconds;
    else stats.load_s += seconds;
    pthread_mutex_unlock(&stat_mu);
}

void bj_cpu_stats_get(bj_cpu_stats *out) {
    if (!out) return;
    pthread_mutex_lock(&stat_mu);
    *out = stats;
    pthread_mutex_unlock(&stat_mu);
}
