/* dtype.c — names and element sizes of the dtypes (bj_promote lives with the type rules, not here). */
#include "core.h"

const char *bj_dtype_name(bj_dtype d) {
    static const char *const names[] = {"bool", "int32", "int64", "uint32", "float32", "float64"};
    return (unsigned)d < BJ_NDTYPES ? names[d] : "invalid";
}

size_t bj_dtype_size(bj_dtype d) {
    static const size_t sizes[] = {1, 4, 8, 4, 4, 8};
    return (unsigned)d < BJ_NDTYPES ? sizes[d] : 0;
}
