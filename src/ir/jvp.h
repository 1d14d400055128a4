/* jvp.h — forward-mode differentiation (JAX's jvp) of a region: the transform behind bj_jvp_begin / bj_jvp_end. */
#ifndef BJ_IR_JVP_H
#define BJ_IR_JVP_H

#include "ir/ir.h"

/* r is a closed region of t whose first n parameters are float values (the primals) and whose results are the
 * outputs. Builds, in the open region t->cur (which r's parent must be), a closed region with parameters [primals
 * (r's first n parameter types), tangents (the same types)] and results [outputs, their tangents]: the outputs
 * recomputed and each output's directional derivative along the tangents (a non-float output's tangent is zeros of
 * its dtype). Values r captures from enclosing regions are constants. NULL with the error recorded in t (an op
 * without a derivative rule is named with its type). */
BJ_HIDDEN ir_region *ir_jvp(ir_trace *t, const ir_region *r, int n);

#endif
