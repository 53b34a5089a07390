/*
 * test_alloc.c — the object model and the allocator: zeroed objects, size
 * classes, large objects, reuse of swept cells, the heap limit.
 */
#include "support.h"
#include "internal.h"

#include <string.h>

static void test_new_objects_are_zeroed_and_sized(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    for (uint32_t ns = 0; ns < 20; ns++) {
        for (uint32_t nr = 0; nr < 100; nr += 7) {
            void *o = tc_alloc(h, ns, nr);
            assert_non_null(o);
            assert_int_equal(tc_nslots(o), ns);
            assert_int_equal(tc_nraw(o), nr);
            assert_int_equal((uintptr_t)tc_raw(o) % 8, 0);
            for (uint32_t i = 0; i < ns; i++) assert_null(tc_load(h, o, i));
            unsigned char *raw = tc_raw(o);
            for (uint32_t i = 0; i < nr; i++) assert_int_equal(raw[i], 0);
            memset(raw, 0xAB, nr); /* dirty it: a reused cell must come back zeroed */
        }
    }
    tc_collect(h);
    tc_collect(h);
    for (int k = 0; k < 1000; k++) {
        void *o = tc_alloc(h, 3, 40);
        for (uint32_t i = 0; i < 3; i++) assert_null(tc_load(h, o, i));
        unsigned char *raw = tc_raw(o);
        for (uint32_t i = 0; i < 40; i++) assert_int_equal(raw[i], 0);
    }
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_objects_do_not_overlap(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_STW);
    enum { N = 3000 };
    static void *objs[N];
    for (int i = 0; i < N; i++) {
        objs[i] = tc_alloc(h, (uint32_t)(i % 5), (uint32_t)(i % 300));
        tc_root_push(h, &objs[i]);
        memset(tc_raw(objs[i]), i & 0xff, tc_nraw(objs[i]));
    }
    tc_collect(h);
    for (int i = 0; i < N; i++) {
        unsigned char *raw = tc_raw(objs[i]);
        for (uint32_t k = 0; k < tc_nraw(objs[i]); k++) assert_int_equal(raw[k], i & 0xff);
    }
    tc_root_pop(h, N);
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_per_object_overhead_is_one_header(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_stats s;
    (void)tc_alloc(h, 2, 8); /* 8 + 16 + 8 = 32 bytes: exactly a size class */
    tc_get_stats(h, &s);
    assert_int_equal(s.header_bytes, 8);
    assert_int_equal(s.bytes_requested, 32);
    assert_int_equal(s.bytes_allocated, 32);
    tc_heap_free(h);
}

static void test_large_objects(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *big = tc_alloc(h, 100000, 0);
    tc_root_push(h, &big);
    void *buf = tc_alloc(h, 0, 1 << 20);
    assert_non_null(big);
    assert_non_null(buf);
    tc_collect(h); /* a clean start: buf is unrooted garbage from here on */
    assert_int_equal(tc_nslots(big), 100000);
    for (uint32_t i = 0; i < 100000; i += 997) assert_null(tc_load(h, big, i));
    void *child = tc_alloc(h, 1, 0);
    tc_store(h, big, 99999, child);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_int_equal(s.large_objects, 1);
    buf = tc_alloc(h, 0, 1 << 20);
    tc_get_stats(h, &s);
    assert_int_equal(s.large_objects, 2);
    tc_collect(h);
    tc_get_stats(h, &s);
    assert_int_equal(s.large_objects, 1); /* the unrooted buffer is gone */
    assert_ptr_equal(tc_load(h, big, 99999), child);
    assert_true(heap_has_object(h, child));
    tc_root_pop(h, 1);
    tc_collect(h);
    tc_get_stats(h, &s);
    assert_int_equal(s.large_objects, 0);
    assert_int_equal(s.live_objects, 0);
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_swept_cells_are_reused(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *first = tc_alloc(h, 2, 8);
    for (int i = 0; i < 100; i++) (void)tc_alloc(h, 2, 8);
    tc_collect(h);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_int_equal(s.live_objects, 0);
    /* All cells are free again; the page may have been pooled. Either way
     * allocation must not need more mapped memory than one page. */
    uint64_t mapped = s.heap_bytes;
    for (int i = 0; i < 101; i++) (void)tc_alloc(h, 2, 8);
    tc_get_stats(h, &s);
    assert_true(s.heap_bytes <= mapped + PAGE_SIZE);
    (void)first;
    assert_heap_ok(h);
    tc_heap_free(h);
}

static int oom_calls;
static size_t oom_request;
static void on_oom(tc_heap *h, size_t request, void *user) {
    (void)h, (void)user;
    oom_calls++;
    oom_request = request;
}

static void test_heap_limit_fails_cleanly(void **state) {
    (void)state;
    for (int m = 0; m < 4; m++) {
        tc_config c;
        test_config(&c, all_modes[m]);
        c.heap_limit = 4 << 20;
        c.min_heap = 1 << 20;
        c.verify_each_step = false; /* verified below; each step would be slow here */
        c.on_oom = on_oom;
        tc_heap *h = tc_heap_new(&c);
        oom_calls = 0;
        void *list = NULL;
        tc_root_push(h, &list);
        size_t n = 0;
        for (;;) {
            void *node = tc_alloc(h, 1, 1000);
            if (!node) break;
            tc_store(h, node, 0, list);
            list = node;
            n++;
            assert_true(n < 100000);
        }
        assert_int_equal(oom_calls, 1);
        assert_true(oom_request >= 1000);
        tc_stats s;
        tc_get_stats(h, &s);
        assert_true(s.heap_bytes <= c.heap_limit);
        assert_true(n > 1000); /* most of 4 MiB was usable */
        assert_heap_ok(h);
        /* Everything allocated is intact, and dropping it makes room. */
        size_t count = 0;
        for (void *p = list; p; p = tc_load(h, p, 0)) count++;
        assert_int_equal(count, n);
        list = NULL;
        assert_non_null(tc_alloc(h, 1, 1000));
        /* A large object over the limit fails the same way. */
        assert_null(tc_alloc(h, 0, 8 << 20));
        assert_int_equal(oom_calls, 2);
        tc_root_pop(h, 1);
        assert_heap_ok(h);
        tc_heap_free(h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_objects_are_zeroed_and_sized),
        cmocka_unit_test(test_objects_do_not_overlap),
        cmocka_unit_test(test_per_object_overhead_is_one_header),
        cmocka_unit_test(test_large_objects),
        cmocka_unit_test(test_swept_cells_are_reused),
        cmocka_unit_test(test_heap_limit_fails_cleanly),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
