/* build_random.h — the RANDOM op: its distributions (attr 0), their dtypes and parameters, and its builder
 * (build_random.c). The per-element math is src/core/bjrand.h; the public functions are src/trace/random_api.c. */
#ifndef BJ_IR_BUILD_RANDOM_H
#define BJ_IR_BUILD_RANDOM_H

#include "ir/ir.h"

/* The distributions of RANDOM (attr {dist}), with their result dtypes and parameter (the optional third operand):
 *   bits     u32                  none
 *   uniform  f32, f64             none      [0, 1)
 *   normal   f32, f64             none      standard normal
 *   randint  i64                  span i64  offset in [0, span) with span read as unsigned (0: 0)
 *   poisson  i32, i64, f32, f64   lam f64
 *   split    u32                  first u32 element i is word i & 1 of key first + i / 2 of the split
 *   fold_in  u32                  data u32  element i is word i & 1 of the folded key */
typedef enum {
    IR_RAND_BITS, IR_RAND_UNIFORM, IR_RAND_NORMAL, IR_RAND_RANDINT, IR_RAND_POISSON, IR_RAND_SPLIT, IR_RAND_FOLD_IN,
    IR_RAND_NDISTS
} ir_rand_dist;

BJ_HIDDEN const char *ir_rand_dist_name(int dist);   /* "uniform"; "?" if out of range */
BJ_HIDDEN bool ir_rand_dtype_ok(int dist, bj_dtype d); /* d is a result dtype of dist */
BJ_HIDDEN bj_dtype ir_rand_param_dtype(int dist);    /* the parameter's dtype, BJ_NDTYPES if it takes none */

/* RANDOM of distribution dist, dtype d and the given shape, under key words k0 and k1 (uint32 values of one element
 * each, any rank) with parameter param (NULL for none; converted to ir_rand_param_dtype(dist); must broadcast to
 * shape). op names the public function in messages ("random_uniform"). */
BJ_HIDDEN ir_node *ir_random(ir_trace *t, const char *op, int dist, bj_dtype d, ir_node *k0, ir_node *k1,
                             ir_node *param, int rank, const int64_t *shape);
#endif
