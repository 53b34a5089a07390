/*
 * known_bugs.c — KNOWN gc/ BUGS, found by the fuzzer and the soak test,
 * each as a cmocka test that FAILS while the bug is present. gc/ is fixed
 * elsewhere (by its owner); `make test` runs this file through the target
 * known-bugs in mk/fuzz.mk, which prints each failure as a known bug and
 * does not stop the build unless FUZZ_KNOWN_STRICT=1. When a test here
 * starts passing, its bug is fixed: keep the test, and make it count
 * (move it into the regular suite). tests/fuzz/known/README.md has the
 * story of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "tricolor.h"

/* A large object (100000 slots) scanned part of the way by small
 * increments, then finished by tc_collect, whose increments have no
 * budget. large_scan_some() (gc/collect.c) computes the scan end as
 * scan_cursor + (max - done) with max = SIZE_MAX - work (budget_left of an
 * unlimited budget): the sum wraps, the cursor moves backwards, and
 * scan_slots returns to - from wrapped: each increment reports about 2^64
 * work units. Seen here as work saturated at UINT32_MAX in the pause log. */
static tc_heap *heap_with_partly_scanned_large(void **big) {
    tc_config c;
    tc_config_default(&c);
    c.step_work = 100;
    tc_heap *h = tc_heap_new(&c);
    tc_root_push(h, big);
    *big = tc_alloc(h, 100000, 0);
    for (uint32_t i = 0; i < 100000; i += 7) tc_store(h, *big, i, tc_alloc(h, 0, 8));
    for (int i = 0; i < 3; i++) tc_step(h);
    return h;
}

static void test_large_scan_work_wraps(void **state) {
    (void)state;
    void *big = NULL;
    tc_heap *h = heap_with_partly_scanned_large(&big);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    tc_collect(h);
    size_t n, wrapped = 0;
    const tc_pause *log = tc_pause_log(h, &n);
    for (size_t i = 0; i < n; i++) wrapped += log[i].work == UINT32_MAX;
    tc_root_pop(h, 1);
    tc_heap_free(h);
    if (wrapped)
        fail_msg("KNOWN gc/ BUG: %zu of %zu increments of tc_collect report 2^32 or more work units "
                 "(large_scan_some's end wraps around)", wrapped, n);
}

/* The consequence: the pacer's speed estimate (units_per_us) takes in the
 * wrapped work and becomes ~1e18 units per microsecond; with a budget in
 * microseconds (or a pause target) an increment is then ~1e20 units, the
 * mutator's debt never reaches it, no increment runs again, the cycle
 * never ends, and the heap grows without bound (the soak: 12 GiB in 10
 * minutes). Also behind the float-to-integer overflow in reschedule().
 * What follows the wrap goes through measured durations and out-of-range
 * float conversions (undefined), so this test catches the stall in most
 * runs, not all; the test above catches its cause every time. */
static void test_time_budget_stalls_after_wrap(void **state) {
    (void)state;
    void *big = NULL;
    tc_heap *h = heap_with_partly_scanned_large(&big);
    tc_collect(h);
    big = NULL;
    tc_config c;
    tc_get_config(h, &c);
    c.budget_unit = TC_BUDGET_USEC;
    c.step_usec = 100;
    assert_null(tc_set_config(h, &c));
    tc_stats s0, s1;
    tc_get_stats(h, &s0);
    for (int i = 0; i < 1 << 20; i++) tc_alloc(h, 1, 56); /* 64 MiB of garbage, nothing live */
    tc_get_stats(h, &s1);
    tc_root_pop(h, 1);
    tc_heap_free(h);
    if (s1.cycles == s0.cycles)
        fail_msg("KNOWN gc/ BUG: no cycle completed over 64 MiB of garbage with a 100 us budget (heap %.0f MiB)",
                 s1.heap_bytes / 1048576.0);
}

/* tc_set_config accepts a heap_limit below the heap already mapped; the
 * verifier then reports corruption, and verify_each_step would abort. */
static void test_heap_limit_below_mapped_heap(void **state) {
    (void)state;
    tc_config c;
    tc_config_default(&c);
    tc_heap *h = tc_heap_new(&c);
    void *keep = NULL;
    tc_root_push(h, &keep);
    for (int i = 0; i < 3000; i++) {
        void *o = tc_alloc(h, 1, 1000);
        tc_store(h, o, 0, keep);
        keep = o;
    }
    tc_stats s;
    tc_get_stats(h, &s);
    c.heap_limit = s.heap_bytes / 2 > TC_HEAP_LIMIT_MIN ? s.heap_bytes / 2 : TC_HEAP_LIMIT_MIN;
    c.min_heap = TC_HEAP_LIMIT_MIN;
    const char *refused = tc_set_config(h, &c);
    char msg[256] = "";
    bool ok = tc_verify(h, msg, sizeof msg);
    tc_root_pop(h, 1);
    tc_heap_free(h);
    if (!refused && !ok)
        fail_msg("KNOWN gc/ BUG: heap_limit %zu below the %llu bytes mapped was accepted, then tc_verify: %s",
                 c.heap_limit, (unsigned long long)s.heap_bytes, msg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_scan_work_wraps),
        cmocka_unit_test(test_time_budget_stalls_after_wrap),
        cmocka_unit_test(test_heap_limit_below_mapped_heap),
    };
    return cmocka_run_group_tests_name("known gc/ bugs", tests, NULL, NULL);
}
