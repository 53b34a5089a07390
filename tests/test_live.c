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
 * TSan, whose runtime does not support Boehm's thread and signal handling,
 * and under valgrind, which cannot exec this binary as /proc/self/exe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
     * hundred ms of the demo at size small, longer under valgrind),
     * reading the heap between. */
    uint64_t peak = 0;
    for (int i = 0; i < 100000 && live_rounds(l) < 2; i++) {
        live_run(l, 2000000, 0);
        tc_stats st;
        tc_get_stats(live_heap(l), &st); /* parked: the heap is the viewer's */
        if (st.heap_bytes > peak) peak = st.heap_bytes;
    }
    assert_true(peak > 0);
    assert_true(live_rounds(l) >= 2);
    assert_true(live_exec_seconds(l) > before);
    assert_true(live_checksum(l) != 0);
    /* Increment-bounded slices stop after that many increments. */
    live_run(l, 0, 3);
    size_t n = live_pause_count(l);
    assert_true(n > 0);
    for (size_t i = 1; i < n; i++) { /* in time order, not overlapping, on the run's clock */
        plot_pause a = live_pause(l, i - 1), b = live_pause(l, i);
        assert_true(a.t_s >= 0 && a.dur_us > 0);
        assert_true(b.t_s >= a.t_s + a.dur_us / 1e6 - 1e-9);
    }
    assert_true(live_pause(l, n - 1).t_s <= live_exec_seconds(l));
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

/* Under valgrind /proc/self/exe is valgrind itself, which cannot be the
 * Boehm child. */
static bool under_valgrind(void) {
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload");
}

static void test_feed_streams_boehm_pauses(void **state) {
    (void)state;
    if (UNDER_TSAN || under_valgrind()) skip();
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
