/* trace.h — internal helpers shared by the trace API files. */
#ifndef BJ_TRACE_H
#define BJ_TRACE_H

#include "ir/build.h"

BJ_HIDDEN bool trace_check(const bj_trace *t, const char *what);
/* Checks v is a live value of trace t (t NULL: any trace); records the error in t and returns NULL if not. */
BJ_HIDDEN ir_node *val_of(ir_trace *t, const bj_val *v, const char *what);
/* Finishes t into a graph (consuming t) whose inputs are ins (a subset of t's arguments, in this order; nin < 0:
 * all of them) and whose outputs are outs. NULL with the error set on failure. */
/* bj_op for the random_* names (random_api.c): *found false if name is not one of them. */
BJ_HIDDEN bj_val *trace_random_op(bj_trace *t, const char *name, bj_val *const *in, int nin, const bj_attrs *a,
                                  bool *found);
BJ_HIDDEN bj_graph *trace_to_graph(ir_trace *t, ir_node *const *ins, int nin, ir_node *const *outs, int nout);
#endif
