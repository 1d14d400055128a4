/* cc_internal.h — what the disk cache (cache.c) needs from the compiler driver (cc.c): the toolchain, its run. */
#ifndef BJ_CC_INTERNAL_H
#define BJ_CC_INTERNAL_H

#include "backend/c/cc.h"

#include <limits.h>
#include <sys/stat.h>
#include <xxhash.h>

#define CC_MAX_FLAGS 64

/* The compiler as it will be run for one source: its configured name, where PATH finds it, its identity (version
 * line and resolved binary, part of the cache key) and the flag words (also part of the key). */
typedef struct cc_tool {
    char name[PATH_MAX]; /* the "cc" setting, or "cc" */
    char path[PATH_MAX]; /* the binary PATH resolves name to */
    char ident[PATH_MAX + 512];
    const char *flags[CC_MAX_FLAGS];
    int nflags;
    bool openmp;      /* flags hold -fopenmp */
    bool want_omp;    /* the source has "#pragma omp" */
    bool omp_unknown; /* ... and whether the compiler builds OpenMP code is not known yet */
    double init_s;    /* seconds cc_tool_init spent running the compiler (--version) */
    XXH128_hash_t idkey; /* the compiler binary's identity key, and its version line */
    char version[256];
    const char *cflags[CC_MAX_FLAGS];
    int ncflags;
    char *cflags_copy; /* storage of the words taken from "cflags" */
} cc_tool;

/* Finds the compiler binary: a name with a '/' is checked as it is, another is searched in PATH. */
BJ_HIDDEN bool cc_resolve(const char *name, char *out, size_t n);

/* Sets up t for source: resolves the compiler (BJ_ERR_IO if missing), learns its identity (once per process and
 * compiler binary; remembered in iddir, a private directory, when iddir is not NULL), and builds the flags:
 * -fopenmp when the source has "#pragma omp" unless the compiler is known not to build OpenMP code. Not known yet
 * (t->omp_unknown), the caller compiles with -fopenmp and tells the outcome to cc_tool_openmp. */
BJ_HIDDEN bj_status cc_tool_init(cc_tool *t, const char *source, const char *iddir);
/* Sets the flags with or without -fopenmp (works); with remember, that the compiler builds OpenMP code or not is
 * remembered with its identity (in iddir too, if not NULL). */
BJ_HIDDEN void cc_tool_openmp(cc_tool *t, bool works, bool remember, const char *iddir);
BJ_HIDDEN void cc_tool_free(cc_tool *t);

/* Compiles src_path into the shared library so_path; *secs receives the compiler's wall time. On a rejected source:
 * BJ_ERR_INTERNAL whose message names `name`, the command, the compiler's output (its mentions of src_path shown as
 * kept_path) and kept_path, where the caller keeps the source. Past the time limit (cc_time_limit) the compiler and
 * its children are killed and reaped: BJ_ERR_IO naming the limit and its setting; the caller removes so_path and
 * src_path. Counts compiles, failures and compile time. */
BJ_HIDDEN bj_status cc_run(const cc_tool *t, const char *src_path, const char *so_path, const char *kept_path,
                           const char *name, double *secs);

/* The source as the compiler gets it: src with the prelude cut down to the helpers it uses (see cc.c), malloc'd,
 * its length into *out_len; NULL when src does not hold the prelude (or out of memory): then compile src itself. */
BJ_HIDDEN char *cc_trim_prelude(const char *src, size_t len, size_t *out_len);

/* The limit in seconds on one run of the compiler (setting "compile_timeout", default 60); 0: none. */
BJ_HIDDEN double cc_time_limit(void);

/* A text naming this CPU's model and features (what -march=native depends on); computed once per process. */
BJ_HIDDEN const char *cc_cpu_id(void);

/* The 32 lowercase hex digits of h (canonical byte order). */
BJ_HIDDEN void cc_hex128(XXH128_hash_t h, char out[33]);
/* Seconds on a monotonic clock. */
BJ_HIDDEN double cc_now(void);

/* Writes len bytes to a new file in dir named by mkstemps from pattern (e.g. ".tmp-XXXXXX.c", suffix_len 2), path
 * into path_out. false with errno set on failure (nothing is left behind). */
BJ_HIDDEN bool cc_write_temp(const char *dir, const char *pattern, int suffix_len, const void *data, size_t len,
                             char *path_out, size_t n);
/* Opens an existing file of the disk cache for reading, into st its status: only a regular file of this user that
 * nobody else may write, never following a symlink nor opening a FIFO or device. -1 with errno ENOENT (missing) or
 * EPERM (something else is there). */
BJ_HIDDEN int cc_open_file(const char *path, struct stat *st);
/* A new private (0700) directory under $TMPDIR or /tmp, its path into out. */
BJ_HIDDEN bool cc_private_dir(char *out, size_t n);
/* Removes the plain files of dir, then dir itself (best effort). */
BJ_HIDDEN void cc_remove_dir(const char *dir);

#endif
