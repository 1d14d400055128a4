/* test_deep.c — deep graphs (millions of chained nodes) and deeply nested regions never overflow the stack (issue 10, class 3). */
#include "test.h"

void tests_deep(void) {}
