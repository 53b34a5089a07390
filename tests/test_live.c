/*
 * test_live.c — the live view's two sides of a run: the workload thread
 * that hands control to the viewer at safepoints (viz/live.c), and the
 * Boehm child whose records the viewer reads off a pipe (viz/feed.c).
 *
 * What is checked: slices advance the run and park it again (execution
 * time grows, passes complete, the pause log fills), the heap may be read
 * while parked, and stopping works wherever the workload is parked. Run
 * under ThreadSanitizer too (make test-tsan): the hand-off under one mutex
 * is what keeps the viewer's reads race-free, and TSan sees any read it
 * does not cover. The feed test spawns this binary as the Boehm child
 * (main dispatches "_boehm-feed" as `tricolor` does); it is skipped under
 * TSan, whose runtime does not support Boehm's thread and signal handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "feed.h"
#include "live.h"
#include "registry.h"

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#else
#define UNDER_TSAN 0
#endif

static void test_live_slices_advance_and_park(void **state) {
    (void)state;
    tc_config cfg;
    tc_config_default(&cfg);
    cfg.step_work = 200;
    cfg.min_heap = 32 << 10;
    char err[256];
    live *l = live_start(wl_find("demo"), 0, 1, &cfg, err, sizeof err);
    if (!l) fail_msg("live_start: %s", err);
    double before = live_exec_seconds(l);
    /* Slices of 2 ms of execution until two passes complete (a few
     * hundred ms of the demo at size small), reading the heap between. */
    for (int i = 0; i < 5000 && live_rounds(l) < 2; i++) {
        live_run(l, 2000000, 0);
        tc_stats st;
        tc_get_stats(live_heap(l), &st); /* parked: the heap is the viewer's */
        assert_true(st.heap_bytes > 0);
    }
    assert_true(live_rounds(l) >= 2);
    assert_true(live_exec_seconds(l) > before);
    assert_true(live_checksum(l) != 0);
    /* Increment-bounded slices stop after that many increments. */
    live_run(l, 0, 3);
    size_t n = live_pause_count(l);
    double start[4], dur[4];
    if (n) assert_true(live_pauses(l, n - 1, start, dur, 4) == n);
    live_stop(l); /* while parked mid-pass */
}

static void test_live_stops_at_once(void **state) {
    (void)state;
    tc_config cfg;
    tc_config_default(&cfg);
    char err[256];
    live *l = live_start(wl_find("gcbench"), 0, 1, &cfg, err, sizeof err);
    if (!l) fail_msg("live_start: %s", err);
    live_stop(l); /* at the first safepoint, before any slice */
}

static void test_feed_streams_boehm_pauses(void **state) {
    (void)state;
    if (UNDER_TSAN) skip();
    feed f;
    memset(&f, 0, sizeof f);
    f.rfd = f.wfd = -1;
    assert_true(feed_start(&f, "demo", 0, 1));
    /* Grant execution time in steps until a pass completes. */
    double granted = 0;
    for (int i = 0; i < 20000 && f.rounds == 0 && feed_poll(&f); i++) {
        granted += 0.002;
        feed_grant(&f, granted);
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    if (f.rounds == 0) fail_msg("no pass completed: %s", f.status);
    assert_true(f.nheap > 0);
    assert_true(f.last_t > 0);
    feed_stop(&f);
}

int main(int argc, char **argv) {
    /* feed_start runs /proc/self/exe _boehm-feed ...: this binary. */
    if (argc > 1 && !strcmp(argv[1], "_boehm-feed")) return feed_child_main(argc - 1, argv + 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_slices_advance_and_park),
        cmocka_unit_test(test_live_stops_at_once),
        cmocka_unit_test(test_feed_streams_boehm_pauses),
    };
    return cmocka_run_group_tests_name("live", tests, NULL, NULL);
}
