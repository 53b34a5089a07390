/*
 * test_barriers.c — each write barrier does its own job.
 *
 * The classic lost-object race: root -> A -> B -> C. Once A is black and B
 * grey, the mutator runs  A.1 = C; B.0 = NULL.  Without a barrier C stays
 * white, reachable only from black A, and the sweep frees it.
 */
#include "support.h"
#include "internal.h"

#include <string.h>

typedef struct race {
    void *root, *a, *b, *c;
} race;

/* Builds the graph and steps until A is black, B grey, C white. */
static tc_heap *race_setup(tc_barrier mode, race *r) {
    tc_config cfg;
    test_config(&cfg, mode);
    cfg.step_work = 1;
    tc_heap *h = tc_heap_new(&cfg);
    *r = (race){0};
    tc_root_add(h, &r->root);
    tc_root_add(h, &r->c); /* keep C alive in C until it is linked */
    r->a = tc_alloc(h, 2, 0);
    r->root = r->a;
    r->b = tc_alloc(h, 1, 0);
    tc_store(h, r->a, 0, r->b);
    r->c = tc_alloc(h, 0, 8);
    tc_store(h, r->b, 0, r->c);
    tc_root_remove(h, &r->c);
    tc_step(h); /* roots: A grey */
    tc_step(h); /* A black, B grey */
    assert_int_equal(tc_colour_of(h, r->a), TC_BLACK);
    assert_int_equal(tc_colour_of(h, r->b), TC_GREY);
    assert_int_equal(tc_colour_of(h, r->c), TC_WHITE);
    return h;
}

static void race_mutate(tc_heap *h, race *r) {
    tc_store(h, r->a, 1, r->c);
    tc_store(h, r->b, 0, NULL);
}

static void race_finish(tc_heap *h, race *r) {
    step_until(h, TC_PHASE_IDLE, 1000);
    assert_true(heap_has_object(h, r->c));
    assert_ptr_equal(tc_load(h, r->a, 1), r->c);
    assert_heap_ok(h);
}

static void test_dijkstra_shades_new_target(void **state) {
    (void)state;
    race r;
    tc_heap *h = race_setup(TC_BARRIER_DIJKSTRA, &r);
    tc_store(h, r.a, 1, r.c);
    assert_int_equal(tc_colour_of(h, r.c), TC_GREY);
    assert_int_equal(tc_colour_of(h, r.a), TC_BLACK);
    tc_store(h, r.b, 0, NULL);
    race_finish(h, &r);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_int_equal(s.barrier_hits, 1);
    tc_heap_free(h);
}

static void test_steele_regreys_source(void **state) {
    (void)state;
    race r;
    tc_heap *h = race_setup(TC_BARRIER_STEELE, &r);
    tc_store(h, r.a, 1, r.c);
    assert_int_equal(tc_colour_of(h, r.a), TC_GREY);
    assert_int_equal(tc_colour_of(h, r.c), TC_WHITE);
    tc_store(h, r.b, 0, NULL);
    race_finish(h, &r);
    tc_heap_free(h);
}

static void test_yuasa_shades_overwritten_target(void **state) {
    (void)state;
    race r;
    tc_heap *h = race_setup(TC_BARRIER_YUASA, &r);
    tc_store(h, r.a, 1, r.c);
    assert_int_equal(tc_colour_of(h, r.c), TC_WHITE); /* weak invariant: still reachable via grey B */
    assert_heap_ok(h);
    tc_store(h, r.b, 0, NULL);
    assert_int_equal(tc_colour_of(h, r.c), TC_GREY);
    race_finish(h, &r);
    tc_heap_free(h);
}

static void test_allocation_colour_per_barrier(void **state) {
    (void)state;
    race r;
    tc_barrier modes[3] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA};
    tc_colour expect[3] = {TC_WHITE, TC_WHITE, TC_BLACK};
    for (int m = 0; m < 3; m++) {
        tc_heap *h = race_setup(modes[m], &r);
        void *fresh = tc_alloc(h, 1, 0);
        assert_int_equal(tc_colour_of(h, fresh), expect[m]);
        step_until(h, TC_PHASE_SWEEP, 1000);
        fresh = tc_alloc(h, 1, 0);
        assert_int_equal(tc_colour_of(h, fresh), TC_WHITE); /* the new white survives the sweep */
        tc_heap_free(h);
    }
}

static void test_stw_runs_a_whole_cycle_per_step(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_STW);
    void *root = NULL;
    tc_root_add(h, &root);
    for (int i = 0; i < 5000; i++) {
        void *n = tc_alloc(h, 1, 0);
        tc_store(h, n, 0, root);
        root = n;
    }
    tc_step(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_IDLE);
    size_t n;
    tc_cycle_log(h, &n);
    assert_int_equal(n, 1);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_int_equal(s.barrier_hits, 0);
    tc_heap_free(h);
}

/* Steele on a large array: a store behind the scan cursor dirties a card,
 * a store ahead of it needs nothing. Both targets survive. Each page of
 * the array holds a pointer, or the scan would skip it unread
 * (collect.c, written pages) and pass the cursor over the whole array in
 * one step. */
static void test_steele_large_object_cards(void **state) {
    (void)state;
    tc_config cfg;
    test_config(&cfg, TC_BARRIER_STEELE);
    cfg.step_work = 1;
    tc_heap *h = tc_heap_new(&cfg);
    void *arr = tc_alloc(h, 2000, 0);
    tc_root_add(h, &arr);
    for (uint32_t i = 0; i < 2000; i += 400) tc_store(h, arr, i, arr);
    tc_step(h); /* roots: arr grey */
    tc_step(h); /* arr black, on the scan list */
    tc_step(h); /* first chunk scanned */
    tc_page *p = page_of(arr);
    assert_int_equal(tc_colour_of(h, arr), TC_BLACK);
    assert_true(p->in_scan && p->scan_cursor > 10 && p->scan_cursor < 1990);
    void *behind = tc_alloc(h, 0, 8);
    void *ahead = tc_alloc(h, 0, 8);
    tc_store(h, arr, 10, behind);
    tc_store(h, arr, 1990, ahead);
    assert_non_null(p->cards);
    assert_true(p->cards[0] & 1);
    step_until(h, TC_PHASE_IDLE, 1000);
    assert_true(heap_has_object(h, behind));
    assert_true(heap_has_object(h, ahead));
    assert_heap_ok(h);
    tc_heap_free(h);
}

/* The proof that the checks can fail: with the barrier skipped, the
 * verifier reports the miss, and the object really is lost. */
static void test_skipped_barrier_is_caught(void **state) {
    (void)state;
    tc_barrier modes[3] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA};
    for (int m = 0; m < 3; m++) {
        race r;
        tc_heap *h = race_setup(modes[m], &r);
        tc_debug_skip_barrier(h, true);
        race_mutate(h, &r);
        char msg[512];
        assert_false(tc_verify(h, msg, sizeof msg));
        assert_non_null(strstr(msg, "barrier miss"));
        /* Let the cycle finish unverified: C is swept while A points to it. */
        tc_config c;
        tc_get_config(h, &c);
        c.verify_each_step = false;
        tc_set_config(h, &c);
        step_until(h, TC_PHASE_IDLE, 1000);
        assert_false(heap_has_object(h, r.c));
        assert_false(tc_verify(h, msg, sizeof msg));
        assert_non_null(strstr(msg, "not an allocated object"));
        tc_heap_free(h);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dijkstra_shades_new_target),      cmocka_unit_test(test_steele_regreys_source),
        cmocka_unit_test(test_yuasa_shades_overwritten_target), cmocka_unit_test(test_allocation_colour_per_barrier),
        cmocka_unit_test(test_stw_runs_a_whole_cycle_per_step), cmocka_unit_test(test_steele_large_object_cards),
        cmocka_unit_test(test_skipped_barrier_is_caught),
    };
    return cmocka_run_group_tests_name("barriers", tests, NULL, NULL);
}
