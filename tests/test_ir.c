/* test_ir.c — the IR: hash-consing, weak literals, error state, dead-node removal, regions, and golden listings. */
#include "ir/build.h"
#include "test.h"

static const int64_t S4[] = {4};

static void test_ir_hash_consing(void) {
    bj_trace *t = bj_trace_new("hc");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, S4), *y = bj_trace_arg(t, "y", BJ_F32, 1, S4);
    CHECK(x != y); /* arguments are distinct even when alike */
    bj_val *a = bj_add(x, y), *b = bj_add(x, y);
    CHECK(a && a == b);
    CHECK(bj_add(y, x) != a); /* operand order is part of the identity */
    CHECK(bj_mul(x, 0.5) == bj_mul(x, 0.5));
    CHECK(bj_mul(x, 0.5) != bj_mul(x, 0.25));
    CHECK(bj_exp(bj_add(x, y)) == bj_exp(a));
    CHECK(bj_sum(a, 0, NULL, false) == bj_sum(b, 0, NULL, false));
    CHECK(bj_sum(a, 0, NULL, true) != bj_sum(a, 0, NULL, false)); /* attributes are part of the identity */
    CHECK(bj_lit_f64(t, 0.0, false) != bj_lit_f64(t, -0.0, false)); /* -0.0 is not 0.0 */
    bj_val *e = bj_exp(a);
    bj_graph *g = bj_trace_finish(t, &e, 1);
    CHECK(g && bj_graph_num_nodes(g) == 4); /* x, y, add, exp: everything else was dead */
    CHECK(bj_graph_num_inputs(g) == 2 && bj_graph_num_outputs(g) == 1);
    bj_graph_release(g);
}

static void test_ir_weak_literals(void) {
    bj_trace *t = bj_trace_new("weak");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, S4), *i = bj_trace_arg(t, "i", BJ_I32, 1, S4);
    bj_val *h = bj_trace_arg(t, "h", BJ_F64, 0, NULL);
    CHECK(bj_val_dtype(bj_mul(x, 0.5)) == BJ_F32 && !bj_val_weak(bj_mul(x, 0.5)));
    CHECK(bj_val_dtype(bj_add(i, 2)) == BJ_I32);
    CHECK(bj_val_dtype(bj_mul(i, 0.5)) == BJ_F32 && bj_val_weak(bj_mul(i, 0.5)));
    CHECK(bj_val_dtype(bj_mul(h, 2)) == BJ_F64);
    bj_val *lit = bj_lit_f64(t, 1.5, true);
    CHECK(bj_val_weak(lit) && bj_val_rank(lit) == 0);
    CHECK(bj_val_dtype(bj_add(lit, lit)) == BJ_F32 && bj_val_weak(bj_add(lit, lit)));
    CHECK(bj_val_dtype(bj_add(x, bj_lit_f64(t, 1.5, false))) == BJ_F64); /* a strong float64 literal promotes */
    bj_trace_free(t);
}

static void test_ir_error_state(void) {
    bj_trace *t = bj_trace_new("err");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, S4);
    bj_val *y = bj_trace_arg(t, "y", BJ_F32, 2, (int64_t[]){2, 3});
    CHECK(bj_add(x, y) == NULL);
    CHECK(bj_trace_status(t) == BJ_ERR_SHAPE);
    CHECK(strstr(bj_trace_error(t), "add: shapes f32[4] and f32[2,3] cannot be broadcast") != NULL);
    CHECK(bj_exp(x) == NULL); /* the trace stays failed */
    CHECK(bj_reshape(y, 1, (int64_t[]){7}) == NULL);
    CHECK(strstr(bj_trace_error(t), "add:") != NULL); /* the first error is kept */
    bj_val *out = bj_neg(x);
    CHECK(bj_trace_finish(t, &out, 1) == NULL);
    CHECK_ERR_HAS("add: shapes f32[4] and f32[2,3]");
}

static bj_val *region_build(bj_trace *t, bj_val **args, void *ud) {
    (void)ud;
    bj_val *outer = bj_mul(args[0], 10.0); /* captured by the region */
    ir_region *r = ir_region_begin(t);
    ir_node *p = ir_region_param(t, BJ_F32, 1, S4), *q = ir_region_param(t, BJ_F32, 1, S4);
    ir_node *body = bj_add(bj_mul(p, q), outer);
    CHECK(ir_region_end(t, &body, 1) == BJ_OK);
    bj_val *c = ir_call(t, r, (ir_node *[]){args[0], args[1]}, 0);
    CHECK(c && c->body == r);
    return bj_sub(c, 1.0);
}

static void test_ir_region_call(void) {
    bj_array *x = test_arr(BJ_F32, 1, S4, (double[]){1, 2, 3, 4}), *y = test_arr(BJ_F32, 1, S4, (double[]){2, 2, 2, 2});
    bj_array *r = test_eval(2, (bj_array *[]){x, y}, region_build, NULL);
    CHECK(test_arr_eq(r, BJ_F32, 1, S4, (double[]){11, 23, 35, 47}, 0));
    bj_array_release(x), bj_array_release(y), bj_array_release(r);
}

static char *listing(bj_trace *t, bj_val *out) {
    bj_graph *g = bj_trace_finish(t, &out, 1);
    char *s = bj_graph_to_string(g);
    bj_graph_release(g);
    return s;
}

#define CHECK_GOLDEN(got, want) CHECK_MSG((got) && !strcmp((got), (want)), "listing differs:\n%s\nwanted:\n%s", (got), (want))

static void test_ir_golden_selu(void) {
    bj_trace *t = bj_trace_new("selu");
    bj_val *x = bj_trace_arg(t, "x", BJ_F32, 1, S4);
    /* one op a statement: C leaves the order of evaluating call arguments unspecified, the listing needs one */
    bj_val *neg_part = bj_sub(bj_mul(1.67, bj_exp(x)), 1.67);
    bj_val *pos = bj_gt(x, 0.0);
    bj_val *y = bj_mul(1.05, bj_where(pos, x, neg_part));
    char *s = listing(t, y);
    CHECK_GOLDEN(s, "func selu(%0: f32[4] x) {\n"
                        "  %1: f32[4] = exp %0\n"
                        "  %2: f32[] = lit 1.67\n"
                        "  %3: f32[4] = mul %2, %1\n"
                        "  %4: f32[4] = sub %3, %2\n"
                        "  %5: f32[] = lit 0\n"
                        "  %6: bool[4] = gt %0, %5\n"
                        "  %7: f32[4] = where %6, %0, %4\n"
                        "  %8: f32[] = lit 1.05\n"
                        "  %9: f32[4] = mul %8, %7\n"
                        "  return %9\n"
                        "}\n");
    free(s);
}

static void test_ir_golden_lif(void) {
    bj_trace *t = bj_trace_new("lif");
    int64_t n[] = {3};
    bj_val *v = bj_trace_arg(t, "v", BJ_F32, 1, n), *i = bj_trace_arg(t, "I", BJ_F32, 1, n);
    bj_val *v2 = bj_add(v, bj_mul(bj_add(bj_sub(-60.0, v), i), 0.005));
    bj_val *spike = bj_ge(v2, -50.0);
    bj_val *out = bj_where(spike, -60.0, v2);
    char *s = listing(t, out);
    CHECK_GOLDEN(s, "func lif(%0: f32[3] v, %1: f32[3] I) {\n"
                        "  %2: f32[] = lit -60\n"
                        "  %3: f32[3] = sub %2, %0\n"
                        "  %4: f32[3] = add %3, %1\n"
                        "  %5: f32[] = lit 0.005\n"
                        "  %6: f32[3] = mul %4, %5\n"
                        "  %7: f32[3] = add %0, %6\n"
                        "  %8: f32[] = lit -50\n"
                        "  %9: bool[3] = ge %7, %8\n"
                        "  %10: f32[3] = where %9, %2, %7\n"
                        "  return %10\n"
                        "}\n");
    free(s);
}

static void test_ir_golden_shapes(void) {
    bj_trace *t = bj_trace_new("shapes");
    bj_val *m = bj_trace_arg(t, "m", BJ_I32, 2, (int64_t[]){2, 3});
    bj_val *idx = bj_trace_arg(t, "idx", BJ_I64, 1, (int64_t[]){2});
    bj_val *r = bj_sum(bj_take(bj_transpose(m, NULL), idx, 0), 1, (int[]){-1}, true);
    bj_val *s = bj_slice(bj_astype(r, BJ_F64), NULL, NULL, (int64_t[]){-1, 1});
    char *txt = listing(t, s);
    CHECK_GOLDEN(txt, "func shapes(%0: i32[2,3] m, %1: i64[2] idx) {\n"
                        "  %2: i32[3,2] = transpose %0 perm=[1,0]\n"
                        "  %3: i32[2,2] = take %2, %1 axis=0\n"
                        "  %4: i32[2,1] = sum %3 axes=[1] keepdims\n"
                        "  %5: f64[2,1] = astype %4\n"
                        "  %6: f64[2,1] = slice %5 start=[1,0] step=[-1,1]\n"
                        "  return %6\n"
                        "}\n");
    free(txt);
}

static void test_ir_golden_region(void) {
    bj_trace *t = bj_trace_new("calls");
    bj_val *args[2] = {bj_trace_arg(t, "x", BJ_F32, 1, S4), bj_trace_arg(t, "y", BJ_F32, 1, S4)};
    char *s = listing(t, region_build(t, args, NULL));
    CHECK_GOLDEN(s, "func calls(%0: f32[4] x, %1: f32[4] y) {\n"
                        "  %2: f32[] = lit 10\n"
                        "  %3: f32[4] = mul %0, %2\n"
                        "  %4: f32[4] = call %0, %1 result=0 @region0 {\n"
                        "    ^(%5: f32[4], %6: f32[4]):\n"
                        "      %7: f32[4] = mul %5, %6\n"
                        "      %8: f32[4] = add %7, %3\n"
                        "      yield %8\n"
                        "  }\n"
                        "  %9: f32[] = lit 1\n"
                        "  %10: f32[4] = sub %4, %9\n"
                        "  return %10\n"
                        "}\n");
    free(s);
}

static void test_ir_verify_and_names(void) {
    CHECK(bj_op_count() > 80);
    for (int i = 0; i < bj_op_count(); i++) CHECK(bj_op_name(i) && ir_op_lookup(bj_op_name(i)) == i);
    CHECK(bj_op_name(-1) == NULL && bj_op_name(bj_op_count()) == NULL);
    bj_trace *t = bj_trace_new("v");
    bj_val *x = bj_trace_arg(t, NULL, BJ_F64, 2, (int64_t[]){2, 2});
    bj_val *y = bj_matmul(x, bj_transpose(x, NULL));
    bj_graph *g = bj_trace_finish(t, &y, 1);
    CHECK(g && ir_verify(g) == BJ_OK);
    char *s = bj_graph_to_string(g);
    CHECK(s && strstr(s, "arg0") && strstr(s, "matmul"));
    free(s);
    bj_graph_release(g);
}

void tests_ir(void) {
    RUN(test_ir_hash_consing);
    RUN(test_ir_weak_literals);
    RUN(test_ir_error_state);
    RUN(test_ir_region_call);
    RUN(test_ir_golden_selu);
    RUN(test_ir_golden_lif);
    RUN(test_ir_golden_shapes);
    RUN(test_ir_golden_region);
    RUN(test_ir_verify_and_names);
}
