/* test_core.c — core foundations: status names, thread-local errors, handle registry, arena, hashing, sizes. */
#include "core/core.h"
#include "test.h"

#include <pthread.h>

static void test_core_status_names(void) {
    CHECK(!strcmp(bj_status_name(BJ_OK), "BJ_OK"));
    CHECK(!strcmp(bj_status_name(BJ_ERR_SHAPE), "BJ_ERR_SHAPE"));
    CHECK(!strcmp(bj_status_name(BJ_ERR_INTERNAL), "BJ_ERR_INTERNAL"));
    CHECK(!strcmp(bj_status_name((bj_status)99), "BJ_ERR_UNKNOWN"));
    CHECK(!strcmp(bj_version(), "0.1.0"));
    CHECK(!strcmp(bj_dtype_name(BJ_F32), "float32") && !strcmp(bj_dtype_name(BJ_U32), "uint32"));
    CHECK(bj_dtype_size(BJ_BOOL) == 1 && bj_dtype_size(BJ_I64) == 8 && bj_dtype_size(BJ_F32) == 4);
}

static void *other_thread(void *arg) {
    (void)arg;
    core_err(BJ_ERR_IO, "from the other thread");
    return NULL;
}

static void test_core_errors_thread_local(void) {
    CHECK(core_err(BJ_ERR_SHAPE, "shape %d", 7) == BJ_ERR_SHAPE);
    CHECK(!strcmp(bj_last_error(), "shape 7"));
    pthread_t th;
    CHECK(pthread_create(&th, NULL, other_thread, NULL) == 0);
    pthread_join(th, NULL);
    CHECK(!strcmp(bj_last_error(), "shape 7")); /* the other thread's error is its own */
    bj_clear_error();
    CHECK(bj_last_error()[0] == 0);
}

static void test_core_handles(void) {
    static int objs[5000];
    for (int i = 0; i < 5000; i++) CHECK(core_handle_add(&objs[i], CORE_H_ARRAY));
    for (int i = 0; i < 5000; i += 2) core_handle_remove(&objs[i]);
    int live = 0;
    for (int i = 0; i < 5000; i++) live += core_handle_live(&objs[i], CORE_H_ARRAY);
    CHECK(live == 2500);
    CHECK(!core_handle_live(&objs[1], CORE_H_GRAPH)); /* right pointer, wrong kind */
    CHECK(core_handle_check(&objs[0], CORE_H_ARRAY, "probe") == BJ_ERR_HANDLE);
    CHECK_ERR_HAS("probe: not a live array handle");
    CHECK(core_handle_check(NULL, CORE_H_GRAPH, "probe") == BJ_ERR_ARG);
    CHECK_ERR_HAS("graph is NULL");
    for (int i = 1; i < 5000; i += 2) core_handle_remove(&objs[i]);
    CHECK(!core_handle_live(&objs[1], CORE_H_ARRAY));
}

static void test_core_arena(void) {
    core_arena a = {0};
    char *p = core_arena_alloc(&a, 10);
    char *q = core_arena_alloc(&a, 200000); /* larger than a chunk */
    char *r = core_arena_alloc(&a, 3);
    CHECK(p && q && r);
    CHECK(((uintptr_t)p % 16) == 0 && ((uintptr_t)r % 16) == 0);
    CHECK(q[0] == 0 && q[199999] == 0);
    memset(q, 1, 200000);
    CHECK(p[0] == 0 && r[0] == 0);
    CHECK(!strcmp(core_arena_strdup(&a, "hello"), "hello"));
    core_arena_free(&a);
    CHECK(a.head == NULL);
}

static void test_core_hash_and_sizes(void) {
    CHECK(core_hash_bytes("abc", 3, 1) == core_hash_bytes("abc", 3, 1));
    CHECK(core_hash_bytes("abc", 3, 1) != core_hash_bytes("abd", 3, 1));
    CHECK(core_hash_bytes("abc", 3, 1) != core_hash_bytes("abc", 3, 2));
    int64_t r = 0;
    CHECK(core_mul_ok(3, 4, &r) && r == 12);
    CHECK(!core_mul_ok(INT64_MAX / 2 + 1, 2, &r));
    CHECK(!core_mul_ok(-1, 2, &r));
    void *b = core_aligned_alloc(100);
    CHECK(b && (uintptr_t)b % 64 == 0);
    core_aligned_free(b);
    char buf[96];
    CHECK(!strcmp(core_fmt_type(buf, sizeof buf, BJ_F32, 2, (int64_t[]){3, 4}), "f32[3,4]"));
    CHECK(!strcmp(core_fmt_type(buf, sizeof buf, BJ_BOOL, 0, NULL), "bool[]"));
}

void tests_core(void) {
    RUN(test_core_status_names);
    RUN(test_core_errors_thread_local);
    RUN(test_core_handles);
    RUN(test_core_arena);
    RUN(test_core_hash_and_sizes);
}
