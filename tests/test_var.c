/* test_var.c — Variables and objects: names, fixed types, default object names, paths, ownership, errors. */
#include "test.h"

static void var_holds_a_copy_with_a_fixed_type(void) {
    bj_array *a = test_arr(BJ_F32, 1, SH(3), V(1, 2, 3));
    bj_var *v = bj_var_new("a", a, -1);
    CHECK(v && !strcmp(bj_var_name(v), "a") && bj_var_batch_axis(v) == -1);
    ((float *)bj_array_data(a))[0] = 99; /* the Variable copied its value */
    CHECK(v && bj_array_get(bj_var_value(v), 0) == 1);
    bj_array *b = test_arr(BJ_F32, 1, SH(3), V(4, 5, 6));
    CHECK(v && bj_var_set(v, b) == BJ_OK && bj_array_get(bj_var_value(v), 2) == 6);
    bj_array *wrong_d = test_arr(BJ_F64, 1, SH(3), V(0, 0, 0)), *wrong_s = test_arr(BJ_F32, 1, SH(4), V(0, 0, 0, 0));
    CHECK(bj_var_set(v, wrong_d) == BJ_ERR_DTYPE);
    CHECK_ERR_HAS("Variable a is f32[3], the new value is f64[3]");
    CHECK(bj_var_set(v, wrong_s) == BJ_ERR_SHAPE);
    CHECK_ERR_HAS("Variable a is f32[3], the new value is f32[4]");
    CHECK(v && bj_array_get(bj_var_value(v), 2) == 6); /* unchanged by the failed writes */
    bj_var_release(v);
    test_release_all(4, INS(a, b, wrong_d, wrong_s));
}

static void var_batch_axis_and_default_names(void) {
    bj_array *a = bj_array_zeros(BJ_F64, 2, SH(4, 3));
    bj_var *v = bj_var_new(NULL, a, 0);
    CHECK(v && !strncmp(bj_var_name(v), "Variable", 8) && bj_var_batch_axis(v) == 0);
    bj_array *more = bj_array_zeros(BJ_F64, 2, SH(7, 3)), *bad = bj_array_zeros(BJ_F64, 2, SH(4, 2));
    CHECK(bj_var_set(v, more) == BJ_OK && bj_array_shape(bj_var_value(v))[0] == 7); /* the batch size may change */
    CHECK(bj_var_set(v, bad) == BJ_ERR_SHAPE);
    CHECK(!bj_var_new("x", a, 2));
    CHECK_ERR_HAS("batch axis 2 is out of range for rank 2");
    CHECK(!bj_var_new("a.b", a, -1));
    CHECK_ERR_HAS("without '.'");
    CHECK(!bj_var_new("x", NULL, -1));
    bj_var_release(v);
    test_release_all(3, INS(a, more, bad));
}

static void object_names_and_paths(void) {
    bj_object *h0 = bj_object_new("TestHello", NULL), *h1 = bj_object_new("TestHello", NULL);
    bj_object *named = bj_object_new("TestHello", "mine");
    CHECK(h0 && h1 && named);
    CHECK(h0 && !strcmp(bj_object_name(h0), "TestHello0") && !strcmp(bj_object_class(h0), "TestHello"));
    CHECK(h1 && !strcmp(bj_object_name(h1), "TestHello1"));
    CHECK(named && !strcmp(bj_object_name(named), "mine"));
    bj_array *ten = test_scalar(BJ_F32, 10), *two = test_scalar(BJ_F32, 2);
    bj_var *a = bj_var_new("a", ten, -1), *b = bj_var_new("b", two, -1);
    CHECK(!bj_object_add_var(h0, "a", a) && !bj_object_add_var(h0, "b", b));
    CHECK(bj_object_add_var(h0, "a", b) == BJ_ERR_ARG);
    CHECK_ERR_HAS("object TestHello0 already has an attribute \"a\"");
    /* a child with its own Variable, and b shared with it: listed once, under the first path */
    bj_object *child = bj_object_new("TestChild", NULL);
    bj_var *x = bj_var_new("x", two, -1);
    CHECK(!bj_object_add_var(child, "x", x) && !bj_object_add_var(child, "b", b));
    CHECK(!bj_object_add_child(h0, "net", child));
    CHECK(bj_object_add_child(child, "up", h0) == BJ_ERR_ARG);
    CHECK_ERR_HAS("cycle");
    CHECK(bj_object_add_child(h0, "self", h0) == BJ_ERR_ARG);
    CHECK(bj_object_var(h0, "net.x") == x && bj_object_var(h0, "a") == a);
    CHECK(!bj_object_var(h0, "net.y"));
    CHECK_ERR_HAS("has no Variable \"y\"");
    CHECK(!bj_object_var(h0, "a.x"));
    CHECK_ERR_HAS("has no child \"a\"");
    CHECK(bj_object_num_vars(h0) == 3);
    char path[64];
    const char *want[3] = {"TestHello0.a", "TestHello0.b", NULL};
    for (int i = 0; i < 2; i++) CHECK(bj_object_var_at(h0, i, path, sizeof path) && !strcmp(path, want[i]));
    CHECK(bj_object_var_at(h0, 2, path, sizeof path) == x && !strncmp(path, "TestChild", 9) && strstr(path, ".x"));
    CHECK(!bj_object_var_at(h0, 3, path, sizeof path));
    /* the object holds references: releasing ours keeps everything alive until the object goes */
    bj_var_release(a), bj_var_release(b), bj_var_release(x), bj_object_release(child);
    CHECK(bj_object_var(h0, "a") && bj_array_get(bj_var_value(bj_object_var(h0, "a")), 0) == 10);
    bj_object_release(h0), bj_object_release(h1), bj_object_release(named);
    CHECK(bj_object_num_vars(h0) == -1); /* a released object is a dead handle */
    CHECK_ERR_HAS("not a live object handle");
    test_release_all(2, INS(ten, two));
}

void tests_var(void) {
    RUN(var_holds_a_copy_with_a_fixed_type);
    RUN(var_batch_axis_and_default_names);
    RUN(object_names_and_paths);
}
