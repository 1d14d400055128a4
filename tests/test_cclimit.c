/* test_cclimit.c — the compile time limit (child killed and reaped, clear error or interpreter fallback) and the bound on one kernel's size (issue 10, class 4). */
#include "test.h"

void tests_cclimit(void) {}
