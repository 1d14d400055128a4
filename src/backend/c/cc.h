/* cc.h — the compiler driver, loader and disk cache of the native backend: C text in, loaded library out. */
#ifndef BJ_CC_H
#define BJ_CC_H

#include "core/core.h"

/* A loaded shared library built from one generated source. */
typedef struct cc_lib cc_lib;

/* Builds `source` into a shared library and loads it: from the disk cache when an entry with the same key (XXH3-128
 * of source + compiler identity and version + flags + brainjit version + CPU) holds the same source and an intact
 * library, else by running the compiler and storing the result (temp name + atomic rename under a lock). `name`
 * (the graph's name, for messages and dump file names) is not part of the key. With "dump_dir" set, the source is
 * also written there. On failure returns BJ_ERR_IO (compiler missing, spawn or load failed; message says which)
 * or BJ_ERR_INTERNAL (compiler rejected the source: message holds the compiler's output and the source's path). */
BJ_HIDDEN bj_status cc_build(const char *source, const char *name, cc_lib **out);
BJ_HIDDEN void *cc_sym(cc_lib *lib, const char *symbol); /* NULL if absent */
BJ_HIDDEN void cc_lib_close(cc_lib *lib);               /* NULL is fine */
/* Whether the configured compiler can be found (PATH lookup, cached per compiler name). */
BJ_HIDDEN bool cc_available(void);

#endif
