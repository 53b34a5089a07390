/*
 * test_verify.c — the verifier catches each kind of damage it claims to.
 * Every test breaks the heap on purpose through gc/internal.h.
 */
#include "support.h"
#include "internal.h"

#include <string.h>

static tc_heap *heap_with_list(void **root, int n) {
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_root_add(h, root);
    for (int i = 0; i < n; i++) {
        void *node = tc_alloc(h, 1, 8);
        tc_store(h, node, 0, *root);
        *root = node;
    }
    return h;
}

static void expect_failure(tc_heap *h, const char *needle) {
    char msg[512];
    assert_false(tc_verify(h, msg, sizeof msg));
    if (!strstr(msg, needle)) fail_msg("verifier said \"%s\", expected \"%s\"", msg, needle);
}

static void test_clean_heap_passes(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 1000);
    assert_heap_ok(h);
    tc_collect(h);
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_black_outside_cycle(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 10);
    colour_set(root, C_BLACK);
    expect_failure(h, "outside a cycle");
    colour_set(root, h->white);
    tc_heap_free(h);
}

static void test_dangling_pointer(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 10);
    void *victim = tc_alloc(h, 0, 8);
    tc_collect(h);
    tc_collect(h);
    ((void **)root)[0] = victim; /* bypass everything: point at a freed cell */
    expect_failure(h, "not an allocated object");
    ((void **)root)[0] = NULL;
    tc_heap_free(h);
}

static void test_free_list_corruption(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 10);
    /* Garbage interleaved with the list leaves free cells in its page. */
    for (int i = 0; i < 100; i++) {
        (void)tc_alloc(h, 1, 8);
        void *node = tc_alloc(h, 1, 8);
        tc_store(h, node, 0, root);
        root = node;
    }
    tc_collect(h);
    tc_collect(h);
    tc_page *p = page_of(root);
    tc_class *c = &h->cls[p->cls];
    void *f = c->page == p ? c->free : p->free;
    assert_non_null(f);
    colour_set(f, C_WHITE0 == h->white ? C_WHITE0 : C_WHITE1); /* a free cell that looks allocated */
    expect_failure(h, "free list");
    colour_set(f, C_FREE);
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_count_mismatch(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 10);
    h->freed_objects--; /* one object more than there is */
    expect_failure(h, "counted");
    h->freed_objects++;
    tc_heap_free(h);
}

static void test_grey_not_on_stack(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 100);
    void *stray = tc_alloc(h, 0, 8);
    tc_root_push(h, &stray);
    tc_collect(h);
    tc_config c;
    tc_get_config(h, &c);
    c.step_work = 1;
    tc_set_config(h, &c);
    tc_step(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    void *white = NULL;
    for (void *p = root; p; p = tc_load(h, p, 0))
        if (tc_colour_of(h, p) == TC_WHITE) white = p;
    assert_non_null(white);
    colour_set(white, C_GREY);
    expect_failure(h, "grey stack");
    colour_set(white, h->white);
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

static void test_old_white_in_swept_page(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = heap_with_list(&root, 3000);
    tc_config c;
    tc_get_config(h, &c);
    c.step_work = 50;
    tc_set_config(h, &c);
    step_until(h, TC_PHASE_SWEEP, 100000);
    while (h->sweep_cursor == h->pages.n) tc_step(h); /* at least one page swept */
    tc_page *swept = h->pages.v[h->pages.n - 1];
    void *obj = page_obj(swept, 0);
    unsigned saved = colour_get(obj);
    assert_int_not_equal(saved, C_FREE);
    colour_set(obj, h->white ^ 3u);
    expect_failure(h, "swept page");
    colour_set(obj, saved);
    tc_heap_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_heap_passes),       cmocka_unit_test(test_black_outside_cycle),
        cmocka_unit_test(test_dangling_pointer),        cmocka_unit_test(test_free_list_corruption),
        cmocka_unit_test(test_count_mismatch),          cmocka_unit_test(test_grey_not_on_stack),
        cmocka_unit_test(test_old_white_in_swept_page),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
