/* test_stale.c — values of freed traces and graphs are reported, never dereferenced; probing a dynamic value leaves the trace usable (issue 10, classes 1 and 8). */
#include "test.h"

void tests_stale(void) {}
