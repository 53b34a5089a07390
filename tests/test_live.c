/*
 * test_live.c — the live view's two sides of a run: the workload thread
 * that hands control to the viewer at safepoints (viz/live.c), and the
 * Boehm child whose records the viewer reads off a pipe (viz/feed.c).
 *
 * What is checked: slices advance the run and park it again (execution
 * time grows, passes complete, the pause log fills), the heap may be read
 * while parked, and stopping works wherever the workload is parked. The
 * turns (viz/turns.h): the overlap check itself, on spans made up to
 * overlap or not; and the scene's order of turns run for real (Tricolor's
 * slice, Boehm's turn, the "drawing"), whose logged spans must never let
 * a measured one overlap another. The measured CPU: the mutator is pinned
 * to it and asks for real-time priority, and, parked, it spins there only
 * when asked to keep it warm and for no longer than the limit; the scene
 * asks at every speed while the run plays, and never while paused. Run
 * under ThreadSanitizer too (make test-tsan): the hand-off under one mutex
 * is what keeps the viewer's reads race-free, and TSan sees any read it
 * does not cover. The feed test spawns this binary as the Boehm child
 * (main dispatches "_boehm-feed" as `tricolor` does); it is skipped under
 * TSan, whose runtime does not support Boehm's thread and signal handling,
 * and under valgrind, which cannot exec this binary as /proc/self/exe.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"
#include "cpu_place.h"
#include "feed.h"
#include "page_warm.h"
#include "live.h"
#include "mutator.h"
#include "registry.h"
#include "scene.h"
#include "turns.h"

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

/* How many of this process's threads may run on `cpu`: alone (pinned to
 * it), or among others. */
static int threads_on(int cpu, bool alone) {
    int threads, pinned, shared;
    threads_on_cpu(getpid(), cpu, &threads, &pinned, &shared, NULL, 0);
    assert_true(threads > 0); /* this one at least: /proc/self/task was read */
    return alone ? pinned : pinned + shared;
}

static int threads_pinned_to(int cpu) { return threads_on(cpu, true); }

static void *as_viewer(void *arg) {
    place_as_viewer();
    cpu_set_t set;
    pthread_getaffinity_np(pthread_self(), sizeof set, &set);
    *(int *)arg = !CPU_ISSET(place_measured_cpu(), &set) && CPU_COUNT(&set) >= 1;
    return NULL;
}

/* A live run of the demo at size small, started and run for one slice
 * of 1 ms: the mutator thread exists and is parked. */
static live *demo_started(void) {
    tc_config cfg;
    tc_config_default(&cfg);
    cfg.min_heap = 32 << 10;
    char err[256];
    live *l = live_start(wl_find("demo"), 0, 1, &cfg, err, sizeof err);
    if (!l) fail_msg("live_start: %s", err);
    live_run(l, 1000000, 0);
    return l;
}

/* The measured runs keep one CPU to themselves (cpu_place.h): a live
 * run's mutator thread is pinned to it, and a thread placed as the viewer
 * may run anywhere but there. On one CPU nothing is pinned. */
static void test_measured_runs_keep_their_cpu(void **state) {
    (void)state;
    int m = place_measured_cpu();
    cpu_set_t all;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    if (CPU_COUNT(&all) < 2) {
        assert_int_equal(m, -1);
        return;
    }
    assert_true(CPU_ISSET(m, &all));
    int before = threads_pinned_to(m);
    live *l = demo_started();
    assert_int_equal(threads_pinned_to(m), before + 1);
    live_stop(l);
    int viewer_ok = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, as_viewer, &viewer_ok), 0);
    pthread_join(t, NULL);
    assert_true(viewer_ok);
}

static void *try_realtime(void *arg) {
    place_realtime();
    int policy;
    struct sched_param sp;
    assert_int_equal(pthread_getschedparam(pthread_self(), &policy, &sp), 0);
    *(int *)arg = policy;
    return NULL;
}

/* The measured runs ask for the lowest real-time priority (cpu_place.h):
 * granted, the thread is in SCHED_FIFO and place_priority says 1; refused
 * (no permission), it stays as it was and place_priority says 0 with the
 * reason. A live run's mutator is then the one thread in SCHED_FIFO. */
static void test_measured_runs_ask_for_realtime(void **state) {
    (void)state;
    int policy = -1;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, try_realtime, &policy), 0);
    pthread_join(t, NULL);
    const char *why;
    int rt = place_priority(&why);
    assert_true(rt == 0 || rt == 1);
    assert_int_equal(policy, rt ? SCHED_FIFO : SCHED_OTHER);
    if (!rt) assert_true(why[0] != '\0');
    if (place_measured_cpu() < 0) return; /* one CPU: the mutator is not raised */
    int before = threads_in_policy(SCHED_FIFO);
    live *l = demo_started();
    assert_int_equal(threads_in_policy(SCHED_FIFO), before + rt);
    live_stop(l);
}

/* Between slices the parked workload sleeps, unless asked to keep the
 * measured CPU warm (live.h): then it spins until its next slice, or for
 * LIVE_KEEP_WARM_NS at most. On one CPU the request does nothing. */
static void test_parked_workload_keeps_its_cpu_warm(void **state) {
    (void)state;
    live *l = demo_started();
    uint64_t spins, ns;
    sleep_ms(20);
    live_warm_stats(l, &spins, &ns);
    assert_int_equal(spins, 0);                      /* never asked */
    int fifo_parked = threads_in_policy(SCHED_FIFO); /* the mutator, asleep, counted if raised */
    live_keep_warm(l);
    if (place_measured_cpu() < 0) {
        sleep_ms(2 * LIVE_KEEP_WARM_NS / 1000000);
        live_warm_stats(l, &spins, &ns);
        assert_int_equal(spins, 0);
        live_stop(l);
        return;
    }
    /* Asked, and left parked well past the limit: one spin, ended by it,
     * and never at real-time priority (cpu_place.h): while it spins, the
     * workload thread is not among the SCHED_FIFO threads. Waited for
     * until it ends (2 s at most), however late a loaded machine starts it. */
    bool dropped = false;
    for (int i = 0; i < 400 && (live_warm_stats(l, &spins, &ns), ns == 0); i++) {
        sleep_ms(5);
        if (threads_in_policy(SCHED_FIFO) < fifo_parked) dropped = true;
    }
    if (place_priority(NULL) == 1) assert_true(dropped);
    assert_int_equal(spins, 1);
    assert_true(ns >= LIVE_KEEP_WARM_NS);
    assert_int_equal(threads_in_policy(SCHED_FIFO), fifo_parked); /* raised again once it stopped */
    /* Asked, then given the next slice once the spin has begun: a spin
     * ended by the turn. */
    live_keep_warm(l);
    for (int i = 0; i < 400 && (live_warm_stats(l, &spins, &ns), spins < 2); i++) sleep_ms(5);
    live_run(l, 1000000, 0);
    uint64_t first = ns;
    live_warm_stats(l, &spins, &ns);
    assert_int_equal(spins, 2);
    assert_true(ns - first < LIVE_KEEP_WARM_NS);
    live_stop(l);
}

/* The scene asks for the spin at every speed while the run plays: at 32,
 * at 1 (the demo's default: a turn a frame, where a sleeping vCPU's late
 * wake landed 3-4 ms in an increment, docs/design.md section 8) and in
 * slow motion, where it asks again on the replay frames between turns.
 * Paused, it never asks: after the last spin has run out, frames add none. */
static void test_scene_keeps_the_measured_cpu_warm_at_every_speed(void **state) {
    (void)state;
    if (place_measured_cpu() < 0) skip(); /* one CPU: the request is a no-op by design */
    static scene sc;
    scene_init(&sc, "view");
    sc.wl = wl_find("demo");
    sc.boehm_on = false;
    sc.history_mb = 0;
    scene_defaults(&sc);
    scene_settle(&sc);
    assert_true(scene_start(&sc));
    const int speeds[] = {scene_nspeeds - 1, SCENE_SPEED_ONE, 3 /* 1/4 */};
    uint64_t spins = 0, before, ns;
    for (size_t k = 0; k < sizeof speeds / sizeof speeds[0]; k++) {
        scene_set_speed(&sc, speeds[k]);
        before = spins;
        /* Frames until two more spins have begun (the spin starts on the
         * workload's thread, so a loaded machine may take a while). */
        for (int f = 0; f < 600 && (live_warm_stats(sc.lv, &spins, &ns), spins < before + 2); f++) {
            sc.clock_s += 1.0 / 60;
            scene_frame(&sc, 1.0 / 60);
            sleep_ms(1);
        }
        if (spins < before + 2)
            fail_msg("speed %g: %llu spins in 600 frames", scene_speeds[speeds[k]],
                     (unsigned long long)(spins - before));
    }
    sc.paused = true;
    scene_frame(&sc, 1.0 / 60);
    /* The requests made before the pause run out: wait until no spin
     * begins or ends for twice the limit (valgrind may start one late). */
    uint64_t ns_before = 0;
    live_warm_stats(sc.lv, &before, &ns_before);
    for (int i = 0; i < 25; i++) {
        sleep_ms(2 * LIVE_KEEP_WARM_NS / 1000000);
        live_warm_stats(sc.lv, &spins, &ns);
        if (spins == before && ns == ns_before) break;
        before = spins, ns_before = ns;
    }
    for (int f = 0; f < 30; f++) {
        sc.clock_s += 1.0 / 60;
        scene_frame(&sc, 1.0 / 60);
    }
    sleep_ms(20);
    live_warm_stats(sc.lv, &spins, &ns);
    assert_int_equal(spins, before);
    scene_free(&sc);
}

static int threads_allowed_on(int cpu) { return threads_on(cpu, false); }

/* The window's side of the concurrent mode, on a thread placed as the
 * viewer (all but the measured CPU: one CPU of two here). */
typedef struct conc_result {
    uint64_t marker_work;
    int allowed_before, allowed_after;
} conc_result;

static void *concurrent_as_viewer(void *arg) {
    conc_result *r = arg;
    place_as_viewer();
    r->allowed_before = threads_allowed_on(place_measured_cpu());
    tc_config cfg;
    tc_config_default(&cfg);
    cfg.concurrent = true;
    cfg.min_heap = 32 << 10;
    char err[256];
    live *l = live_start(wl_find("gcbench"), 0, 1, &cfg, err, sizeof err);
    if (!l) return NULL;
    tc_stats st = {0};
    /* Slices of 2 ms until the marker has marked (a few cycles of GCBench's
     * small size), at most about a second of execution. */
    for (int i = 0; i < 500 && !st.marker_work; i++) {
        live_run(l, 2000000, 0);
        tc_get_stats(live_heap(l), &st);
    }
    r->marker_work = st.marker_work;
    r->allowed_after = threads_allowed_on(place_measured_cpu());
    live_stop(l);
    return NULL;
}

/* A concurrent live run's marker thread starts and marks though the
 * viewer's thread, which creates the heap, may use one CPU only (the
 * collector counts the creating thread's CPUs and runs no marker on one:
 * live.c's new_heap); and neither it nor the memory thread takes the
 * measured CPU, which only the mutator joins. */
static void test_concurrent_marker_runs_beside_the_viewer(void **state) {
    (void)state;
    if (place_measured_cpu() < 0) skip(); /* one CPU: no marker thread, by design */
    conc_result r = {0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, concurrent_as_viewer, &r), 0);
    pthread_join(t, NULL);
    if (!r.marker_work) fail_msg("the marker thread did no work in the window's concurrent mode");
    assert_int_equal(r.allowed_after, r.allowed_before + 1); /* the mutator */
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

/* Boehm's child on the demo (small, seed 1), as the viewer starts it. */
static void feed_demo(feed *f) {
    if (UNDER_TSAN || under_valgrind()) skip();
    memset(f, 0, sizeof *f);
    f->rfd = f->wfd = -1;
    assert_true(feed_start(f, "demo", 0, 1));
}

static void test_feed_streams_boehm_pauses(void **state) {
    (void)state;
    feed f;
    feed_demo(&f);
    /* Turns of 2 ms of execution until a pass completes: each returns
     * with every credit answered (the child blocked), its clock at least
     * as far as granted. */
    double granted = 0;
    for (int i = 0; i < 20000 && f.rounds == 0; i++) {
        granted += 0.002;
        if (!feed_turn(&f, granted)) fail_msg("feed_turn: %s", f.status);
        assert_int_equal(f.waits, f.grants);
    }
    if (f.rounds == 0) fail_msg("no pass completed: %s", f.status);
    /* Each credit that let it run was preceded by a read of its pages. */
    assert_true(f.warms > 0 && f.warms <= f.grants);
    assert_true(f.warm_pages >= f.warms);
    assert_true(f.nheap > 0);
    assert_true(f.last_t > 0);
    feed_stop(&f);
}

/* Boehm's heap sizes reach the viewer as it resizes (feed.c,
 * on_heap_resize), not only every 20 ms: the demo's Boehm heap grows
 * several times in its first pass, and the viewer sees each size. With
 * samples every 20 ms only, a pass that runs in less saw one size, the
 * first, and the heap panel drew no line for Boehm. */
static void test_feed_reports_each_boehm_heap_size(void **state) {
    (void)state;
    feed f;
    feed_demo(&f);
    for (int i = 1; i <= 20000 && f.rounds == 0; i++)
        if (!feed_turn(&f, 0.002 * i)) fail_msg("feed_turn: %s", f.status);
    if (f.rounds == 0) fail_msg("no pass completed: %s", f.status);
    size_t sizes = 0;
    for (size_t i = 0; i < f.nheap; i++)
        if (i == 0 || f.heap[i].v != f.heap[i - 1].v) sizes++;
    if (sizes < 3) fail_msg("%zu heap sizes seen in %zu samples over a pass", sizes, f.nheap);
    feed_stop(&f);
}

/* Boehm's first turn comes after 100 us of execution, not a whole 2 ms
 * quantum (the demo at one increment a frame took ~300 frames to run
 * 2 ms, and the window showed nothing of Boehm that long); the quantum
 * then grows with the credit granted, up to 2 ms. */
static void test_feed_first_turns_come_early(void **state) {
    (void)state;
    feed f;
    feed_demo(&f);
    const uint64_t base = f.grants; /* the child's "ready" counts as one */
    const struct {
        double until_s;
        uint64_t grants;
    } steps[] = {
        {0.00005, 0}, {0.00011, 1},              /* the first quantum, 100 us */
        {0.00020, 1}, {0.00023, 2},              /* then as long as the credit so far */
        {0.00045, 2}, {0.00047, 3}, {0.01, 4},   /* ... */
        {0.0115, 4},  {0.0121, 5},  {0.0135, 5}, /* and 2 ms once past 2 ms */
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (!feed_turn(&f, steps[i].until_s)) fail_msg("feed_turn: %s", f.status);
        if (f.grants - base != steps[i].grants)
            fail_msg("at %.5f s: %llu turns granted, expected %llu", steps[i].until_s,
                     (unsigned long long)(f.grants - base), (unsigned long long)steps[i].grants);
    }
    feed_stop(&f);
}

/* page_warm reads the resident pages of the process's anonymous memory,
 * faults in none that were not, and stops at its budget. */
static void test_page_warm_reads_resident_pages_only(void **state) {
    (void)state;
    if (under_valgrind()) skip(); /* its loads would land in valgrind's own mappings */
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = 2048;
    unsigned char *m = mmap(NULL, n * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    for (size_t i = 0; i < n; i += 2) m[i * pg] = (unsigned char)i; /* every other page resident */
    size_t all = page_warm(UINT64_C(10000000000));
    assert_true(all >= n / 2);
    unsigned char vec[2048];
    assert_int_equal(mincore(m, n * pg, vec), 0);
    for (size_t i = 0; i < n; i++) assert_int_equal(vec[i] & 1, i % 2 == 0);
    for (size_t i = 0; i < n; i += 2) assert_int_equal(m[i * pg], (unsigned char)i);
    /* A budget already spent stops after the first 256 pages it looks at. */
    assert_true(page_warm(0) < all);
    munmap(m, n * pg);
}

/* ---------------------------------------------------------------- turns */

static bool isolated(const turn_span *v, size_t n) {
    char why[256];
    bool ok = turns_isolated(v, n, why, sizeof why);
    if (!ok) print_message("turns_isolated: %s\n", why);
    return ok;
}

/* The check fails on every kind of overlap that involves a measured span,
 * and on nothing else. */
static void test_turns_check_finds_overlaps(void **state) {
    (void)state;
    const turn_span apart[] = {{TURN_TRICOLOR, 0, 10},  {TURN_BOEHM, 10, 20},  /* touching ends do not overlap */
                               {TURN_RENDER, 20, 40},   {TURN_ENCODE, 25, 50}, /* render and encode may overlap */
                               {TURN_TRICOLOR, 50, 60}, {TURN_BOEHM, 55, 55}}; /* empty: it ran for no time */
    assert_true(isolated(apart, 6));
    const turn_span tri_boehm[] = {{TURN_TRICOLOR, 0, 10}, {TURN_BOEHM, 9, 20}};
    assert_false(isolated(tri_boehm, 2));
    const turn_span boehm_render[] = {{TURN_RENDER, 100, 110}, {TURN_BOEHM, 0, 101}};
    assert_false(isolated(boehm_render, 2));
    /* A long encoder span that swallows a later measured one: only the
     * latest end seen catches it. */
    const turn_span encode_long[] = {{TURN_ENCODE, 0, 1000}, {TURN_RENDER, 10, 20}, {TURN_TRICOLOR, 500, 510}};
    assert_false(isolated(encode_long, 3));
    const turn_span nested[] = {{TURN_TRICOLOR, 0, 100}, {TURN_TRICOLOR, 40, 50}};
    assert_false(isolated(nested, 2));
}

/* turns_write and turns_read round-trip; a malformed file is refused. */
static void test_turns_file_round_trip(void **state) {
    (void)state;
    char path[] = "/tmp/tricolor-turns-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("tricolor 5 9\nencode 1 3\n", f);
    fclose(f);
    turn_span *v;
    size_t n;
    char why[256];
    assert_true(turns_read(path, &v, &n, why, sizeof why));
    assert_int_equal(n, 2);
    assert_int_equal(v[0].who, TURN_TRICOLOR);
    assert_int_equal(v[1].t1_ns, 3);
    free(v);
    f = fopen(path, "a");
    fputs("painter 1 2\n", f);
    fclose(f);
    assert_false(turns_read(path, &v, &n, why, sizeof why));
    assert_non_null(strstr(why, "painter"));
    unlink(path);
}

/* The scene's order of turns, for real: Tricolor's slice, then Boehm's
 * turn (when the feed can run here), then this thread's own work, logged
 * as the renderer's. Under TSan this also checks the trace's own locking
 * against the workload thread. */
static void test_turns_never_overlap(void **state) {
    (void)state;
    const char *path = getenv("TRICOLOR_TURNS"); /* set by main */
    assert_true(turns_on());
    assert_true(turns_write()); /* what earlier tests logged goes first: */
    assert_int_equal(truncate(path, 0), 0);
    tc_config cfg;
    tc_config_default(&cfg);
    char err[256];
    live *l = live_start(wl_find("gcbench"), 0, 1, &cfg, err, sizeof err);
    if (!l) fail_msg("live_start: %s", err);
    feed f;
    memset(&f, 0, sizeof f);
    f.rfd = f.wfd = -1;
    bool boehm = !UNDER_TSAN && !under_valgrind();
    if (boehm && !feed_start(&f, "gcbench", 0, 1)) fail_msg("feed_start: %s", f.status);
    volatile uint64_t sink = 0;
    for (int i = 0; i < 30; i++) {
        live_run(l, 1000000, 0);
        if (boehm && !feed_turn(&f, live_exec_seconds(l))) fail_msg("feed_turn: %s", f.status);
        uint64_t t0 = turns_now();
        for (int k = 0; k < 20000; k++) sink += (uint64_t)k * (uint64_t)i; /* the "drawing" */
        turns_log(TURN_RENDER, t0, turns_now());
    }
    if (boehm) feed_stop(&f);
    live_stop(l);
    assert_true(turns_write());
    turn_span *v;
    size_t n, count[TURN_KINDS] = {0};
    char why[256];
    if (!turns_read(path, &v, &n, why, sizeof why)) fail_msg("%s", why);
    for (size_t i = 0; i < n; i++) count[v[i].who]++;
    assert_int_equal(count[TURN_TRICOLOR], 30);
    assert_int_equal(count[TURN_RENDER], 30);
    if (boehm) assert_true(count[TURN_BOEHM] > 0);
    if (!turns_isolated(v, n, why, sizeof why)) fail_msg("%s", why);
    free(v);
}

/* A --passes run measured first (scene_measured.c): each collector's runs
 * are made before the live run starts, and each frame shows exactly the
 * measured pauses logged up to the live run's allocations so far, never
 * one beyond; at the end of the passes, all of them. Settings are fixed
 * while the figures are the measured runs'. */
static void test_measured_first_reveals_up_to_the_live_run(void **state) {
    (void)state;
    static scene sc;
    scene_init(&sc, "view");
    sc.wl = wl_find("demo");
    sc.size = 0;
    sc.history_mb = 0;
    sc.measure_passes = 2;
    sc.measure_hiccup_ns = 10000000; /* 10 ms, not bench's 1 s: a test */
    scene_defaults(&sc);
    scene_settle(&sc);
    assert_true(scene_start(&sc));
    place_anywhere(); /* scene_start placed this thread as the viewer */
    assert_true(sc.measured);
    assert_true(sc.mtri.npauses > 0 && sc.mboe.npauses > 0 && sc.mtri.nheap > 1 && sc.mboe.nheap > 1);
    assert_true(sc.mtri.checksum == sc.mboe.checksum);
    /* bench's order: an untimed run before each timed one, the same work */
    assert_true(sc.mtri_thr.checksum == sc.mtri.checksum && sc.mboe_thr.checksum == sc.mboe.checksum);
    assert_true(sc.mtri_thr.wall_ns > 0 && sc.mtri_thr.npauses == 0 && sc.mtri_thr.t1_ns <= sc.mtri.t0_ns);
    assert_int_equal(sc.mtri.allocs, sc.mboe.allocs);
    assert_int_equal(sc.tri.n, 0);                  /* nothing shown before the live run moved */
    assert_null(sc.fd.pid ? "a Boehm feed" : NULL); /* Boehm's pauses are its measured run's */
    tc_config c = sc.cfg;
    c.trigger_pct = 50;
    assert_non_null(scene_configure(&sc, &c));
    assert_int_equal(sc.cfg.trigger_pct, 100);
    scene_set_speed(&sc, SCENE_SPEED_ONE); /* an increment a frame: many frames in a pass */
    int partial = 0;
    for (int f = 0; f < 20000 && !scene_passes_done(&sc, 2); f++) {
        sc.clock_s += 1.0 / 60;
        scene_frame(&sc, 1.0 / 60);
        if (scene_passes_done(&sc, 2)) break;
        uint64_t k = live_allocs(sc.lv);
        const run_result *r[2] = {&sc.mtri, &sc.mboe};
        size_t seen[2] = {sc.mtri_seen, sc.mboe_seen}, shown[2] = {sc.tri.n, sc.boe.n};
        for (int i = 0; i < 2; i++) {
            if (seen[i] && r[i]->pauses[seen[i] - 1].seq > k)
                fail_msg("frame %d: a pause logged at allocation %llu shown at %llu", f,
                         (unsigned long long)r[i]->pauses[seen[i] - 1].seq, (unsigned long long)k);
            if (seen[i] < r[i]->npauses && r[i]->pauses[seen[i]].seq <= k)
                fail_msg("frame %d: a pause logged at allocation %llu not shown at %llu", f,
                         (unsigned long long)r[i]->pauses[seen[i]].seq, (unsigned long long)k);
            assert_int_equal(shown[i], seen[i]);
        }
        if (sc.mtri_seen > 0 && sc.mtri_seen < sc.mtri.npauses) partial++;
    }
    assert_true(scene_passes_done(&sc, 2));
    assert_true(partial > 0); /* frames that showed part of the run */
    assert_int_equal(sc.mtri_seen, sc.mtri.npauses);
    assert_int_equal(sc.mboe_seen, sc.mboe.npauses);
    assert_float_equal(sc.tri.now_s, (double)(sc.mtri.t1_ns - sc.mtri.t0_ns) / 1e9, 1e-9);
    scene_free(&sc);
}

int main(int argc, char **argv) {
    /* feed_start runs /proc/self/exe _boehm-feed ...: this binary. */
    if (argc > 1 && !strcmp(argv[1], "_boehm-feed")) return feed_child_main(argc - 1, argv + 1);
    /* The trace is on from the start (turns_on reads it once). */
    char turns[] = "/tmp/tricolor-turns-XXXXXX";
    int fd = mkstemp(turns);
    if (fd < 0) return 1;
    close(fd);
    setenv("TRICOLOR_TURNS", turns, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_slices_advance_and_park),
        cmocka_unit_test(test_live_stops_at_once),
        cmocka_unit_test(test_measured_runs_keep_their_cpu),
        cmocka_unit_test(test_measured_runs_ask_for_realtime),
        cmocka_unit_test(test_parked_workload_keeps_its_cpu_warm),
        cmocka_unit_test(test_scene_keeps_the_measured_cpu_warm_at_every_speed),
        cmocka_unit_test(test_measured_first_reveals_up_to_the_live_run),
        cmocka_unit_test(test_feed_streams_boehm_pauses),
        cmocka_unit_test(test_feed_reports_each_boehm_heap_size),
        cmocka_unit_test(test_feed_first_turns_come_early),
        cmocka_unit_test(test_page_warm_reads_resident_pages_only),
        cmocka_unit_test(test_turns_check_finds_overlaps),
        cmocka_unit_test(test_turns_file_round_trip),
        cmocka_unit_test(test_turns_never_overlap),
        cmocka_unit_test(test_concurrent_marker_runs_beside_the_viewer),
    };
    int failed = cmocka_run_group_tests_name("live", tests, NULL, NULL);
    unlink(turns);
    return failed;
}
