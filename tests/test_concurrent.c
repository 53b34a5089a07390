/*
 * test_concurrent.c — the concurrent mode's mechanism (gc/marker.c), with
 * counts and colours, never timings:
 *   - a concurrent cycle's first pause reads the roots and nothing more,
 *     handing their values to the marker through the barrier buffer;
 *   - the marker thread does the marking, and sweeps the listed pages
 *     and large objects, which the mutator adopts;
 *   - the verifier, run as a handshake while the marker marks, finds the
 *     invariant of every supported barrier;
 *   - with one CPU there is no marker thread, and the mode's cycles run
 *     as the incremental mode's (no buffer, so no flush); beside a parked
 *     marker a full barrier buffer is flushed;
 *   - the mode switches between cycles, never inside one;
 *   - past the ceiling an assist does not wait for a marker that holds
 *     the state, up to the wait ceiling, and waits past it;
 *   - a mutator waiting for the state keeps asking for it;
 *   - the CPU cap's account charges every slice and gives no credit;
 *   - idle marking steps aside while the memory thread refills its
 *     reserve;
 *   - a marker with no job sleeps until the pacer's forecast of the next
 *     cycle's start, which each concurrent cycle's end sets;
 *   - the handshake that ends marking leaves the sweep to the marker, and
 *     one that cannot end it hands marking back to the marker; a pause
 *     that adopts swept pages sweeps none;
 *   - a barrier test still pending at the last store runs before the
 *     termination handshake decides;
 *   - what the marker writes for each object it marks lies on other lines
 *     than what the mutator writes for each allocation and barrier hit.
 * The shadow-model stress test (test_stress.c) checks what survives.
 */
#include "support.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The tests' config in the concurrent mode, the marker uncapped. */
static void concurrent_config(tc_config *c, tc_barrier b, bool verify) {
    test_config(c, b);
    c->concurrent = true;
    c->verify_each_step = verify;
    c->gc_cpu_pct = 100;
}

static tc_heap *concurrent_heap(tc_barrier b, bool verify) {
    tc_config c;
    concurrent_config(&c, b, verify);
    tc_heap *h = tc_heap_new(&c);
    assert_non_null(h);
    return h;
}

/* A heap made from c with its marker thread running, or NULL (and a
 * note) on one CPU, where there is none to test. */
static tc_heap *marker_heap_with(const tc_config *c) {
    tc_heap *h = tc_heap_new(c);
    assert_non_null(h);
    if (tc__marker_running(h)) return h;
    print_message("one CPU: no marker thread to test\n");
    tc_heap_free(h);
    return NULL;
}

static tc_heap *marker_heap(tc_barrier b) {
    tc_config c;
    concurrent_config(&c, b, false);
    return marker_heap_with(&c);
}

/* A list of n cells hanging from *root, each with a payload slot. */
static void build_list(tc_heap *h, void **root, int n) {
    for (int i = 0; i < n; i++) {
        void *cell = tc_alloc(h, 2, 8);
        assert_non_null(cell);
        tc_store(h, cell, 0, *root);
        *root = cell;
    }
}

static void test_start_handshake_reads_roots_only(void **state) {
    (void)state;
    tc_heap *h = concurrent_heap(TC_BARRIER_YUASA, false);
    void *roots[3] = {NULL, NULL, NULL};
    for (int r = 0; r < 3; r++) {
        tc_root_add(h, &roots[r]);
        build_list(h, &roots[r], 2000);
    }
    tc_collect(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_IDLE);
    tc_log_clear(h);
    tc_step(h); /* idle -> the cycle starts: the start handshake */
    size_t n;
    const tc_pause *p = tc_pause_log(h, &n);
    assert_true(n >= 1);
    if (tc__marker_running(h)) {
        assert_int_equal(p[n - 1].reason, TC_REASON_HANDSHAKE);
        assert_int_equal(p[n - 1].work, 3); /* three roots read, no marking */
        assert_int_equal(p[n - 1].end_phase, TC_PHASE_PROPAGATE);
    }
    tc_collect(h);
    for (int r = 0; r < 3; r++) tc_root_remove(h, &roots[r]);
    tc_heap_free(h);
}

/* Allocation pays for cycles; the marker thread should do most marking. */
static void test_marker_marks_and_sweeps(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    void *keep = NULL;
    tc_root_add(h, &keep);
    build_list(h, &keep, 20000);
    for (int round = 0; round < 200; round++) {
        void *tmp = NULL;
        tc_root_push(h, &tmp);
        build_list(h, &tmp, 2000);
        tc_root_pop(h, 1);
    }
    tc_collect(h);
    tc_stats s;
    tc_get_stats(h, &s);
    size_t nc;
    const tc_cycle *cy = tc_cycle_log(h, &nc);
    uint64_t concurrent = 0;
    for (size_t i = 0; i < nc; i++) concurrent += cy[i].concurrent;
    print_message("%llu cycles, %llu concurrent, marker %llu units, %llu handshakes, %llu assists\n",
                  (unsigned long long)s.cycles, (unsigned long long)concurrent, (unsigned long long)s.marker_work,
                  (unsigned long long)s.handshakes, (unsigned long long)s.assists);
    assert_true(concurrent >= 2);
    assert_true(s.marker_work > 0);
    /* Every cycle the allocations start opens with a handshake; the last
     * one, tc_collect's full collection, does not, and when assists end
     * the marking no termination handshake is needed (under load: 7
     * cycles, 6 handshakes, 1,618 assists). */
    assert_true(s.handshakes >= concurrent - 1);
    assert_heap_ok(h);
    tc_root_remove(h, &keep);
    tc_heap_free(h);
}

/* tc_verify while a concurrent cycle marks: it takes the state from the
 * marker and shades the buffer, so the barrier's invariant must hold
 * every time, for each barrier the mode supports. */
static void test_verify_as_handshake(void **state) {
    (void)state;
    static const tc_barrier bs[] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_YUASA, TC_BARRIER_HYBRID};
    for (size_t k = 0; k < 3; k++) {
        tc_heap *h = concurrent_heap(bs[k], false);
        void *slots = tc_alloc(h, 64, 0);
        tc_root_add(h, &slots);
        uint64_t rng = 12345 + k;
        int verified = 0, marking = 0;
        for (int i = 0; i < 60000; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            uint32_t a = (uint32_t)(rng >> 33) % 64, b = (uint32_t)(rng >> 45) % 64;
            void *o = tc_alloc(h, 2, 0);
            tc_store(h, o, 0, tc_load(h, slots, a));
            tc_store(h, slots, b, o);
            if (i % 500 == 0) {
                marking += tc_current_phase(h) == TC_PHASE_PROPAGATE;
                char msg[256];
                if (!tc_verify(h, msg, sizeof msg)) fail_msg("%s: %s", tc_barrier_name(bs[k]), msg);
                verified++;
            }
        }
        print_message("%s: %d verifications, %d while marking\n", tc_barrier_name(bs[k]), verified, marking);
        tc_root_remove(h, &slots);
        tc_heap_free(h);
    }
}

/* An array of 1,024 objects, rooted at *arr, in a new cycle's propagate
 * phase at one work unit an increment: its first increment shaded the
 * root and marked nothing, so the targets stay white. Then more stores
 * that overwrite a white pointer than the barrier buffer holds, with no
 * allocation between; *x is one of the targets overwritten. */
static void overwrite_whites_past_the_buffer(tc_heap *h, void **arr, void **x) {
    *arr = tc_alloc(h, 1024, 0);
    tc_root_add(h, arr);
    for (int i = 0; i < 1024; i++) tc_store(h, *arr, (uint32_t)i, tc_alloc(h, 0, 8));
    tc_collect(h);
    tc_config c;
    tc_get_config(h, &c);
    c.step_work = 1;
    assert_null(tc_set_config(h, &c));
    tc_step(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    void *y = tc_load(h, *arr, 2);
    *x = tc_load(h, *arr, 1);
    assert_int_equal(tc_colour_of(h, *x), TC_WHITE);
    tc_store(h, *arr, 0, *x);
    for (int i = 0; i < TC__WB_CAP + 4096; i++) tc_store(h, *arr, 0, i % 2 ? *x : y);
}

/* With one CPU the marker thread would only take the mutator's core in
 * scheduler quanta: it does not start, and the mode's cycles run as the
 * incremental mode's (marker.c, tc__marker_can_run): the barrier shades
 * at once instead of buffering, so no flush ever pauses the mutator for
 * more than its budget. More stores that overwrite a white pointer than
 * the buffer holds, with no allocation between: no flush, no marker
 * work, no cycle logged as concurrent, and Yuasa's invariant holds. It
 * failed with the cycles buffering (a flush of FLUSH_ENTRIES). */
static void test_one_cpu_runs_incremental_cycles(void **state) {
    (void)state;
    cpu_set_t old;
    if (!pin_to_one_cpu(&old)) skip();
    tc_heap *h = concurrent_heap(TC_BARRIER_YUASA, true);
    assert_false(tc__marker_running(h));
    void *arr, *x;
    overwrite_whites_past_the_buffer(h, &arr, &x);
    assert_int_not_equal(tc_colour_of(h, x), TC_WHITE); /* shaded by the barrier itself */
    tc_stats st;
    tc_get_stats(h, &st);
    assert_int_equal(st.flushes, 0);
    assert_int_equal(st.marker_work, 0);
    assert_heap_ok(h);
    tc_collect(h);
    tc_collect(h);
    tc_get_stats(h, &st);
    assert_true(st.cycles >= 2);
    size_t n;
    const tc_cycle *cy = tc_cycle_log(h, &n);
    for (size_t i = 0; i < n; i++) assert_int_equal(cy[i].concurrent, 0);
    assert_heap_ok(h);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
    cpus_restore(&old);
}

/* A barrier buffer nobody drains fills, and the mutator flushes it
 * (marker.c, tc__wb_full): a pause of FLUSH_ENTRIES shadings, logged as
 * a flush. With the marker parked, more stores that overwrite a white
 * pointer than the buffer holds, with no allocation between: at least
 * one flush, and the heap and Yuasa's invariant hold after it. */
static void test_a_full_buffer_is_flushed(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_YUASA);
    if (!h) return;
    tc_marker_park(h, true);
    void *arr, *x;
    overwrite_whites_past_the_buffer(h, &arr, &x);
    tc_stats st;
    tc_get_stats(h, &st);
    assert_true(st.flushes >= 1);
    assert_heap_ok(h);
    tc_marker_park(h, false);
    tc_collect(h);
    assert_heap_ok(h);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* The Dijkstra barrier's pending tests run as an increment publishes the
 * buffer; with the buffer full, their entries are shaded within that
 * increment, not in a flush pause nested inside it (which clobbered the
 * increment's in_gc and logged two pauses for one). White x is stored
 * until the buffer is exactly full (the parked marker drains nothing),
 * with tests of it pending. */
static void test_pending_tests_into_a_full_buffer(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    tc_marker_park(h, true);
    void *arr = tc_alloc(h, 2, 0);
    tc_root_add(h, &arr);
    tc_store(h, arr, 1, tc_alloc(h, 0, 8));
    tc_collect(h);
    tc_step(h);
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    void *x = tc_load(h, arr, 1);
    assert_int_equal(tc_colour_of(h, x), TC_WHITE);
    while (h->conc.wtail - atomic_load(&h->conc.head) < TC__WB_CAP) tc_store(h, arr, 0, x);
    assert_true(tc__barrier_pending_any(h));
    assert_int_equal(tc_colour_of(h, x), TC_WHITE);
    tc_stats before, after;
    tc_get_stats(h, &before);
    tc_step(h);
    tc_get_stats(h, &after);
    assert_int_equal(after.increments, before.increments + 1);
    assert_int_equal(after.flushes, before.flushes);
    tc_marker_park(h, false);
    tc_collect(h);
    assert_heap_ok(h);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* The mode is the cycle's: switching it during a cycle applies from the
 * next one. */
static void test_mode_switches_between_cycles(void **state) {
    (void)state;
    tc_heap *h = concurrent_heap(TC_BARRIER_DIJKSTRA, true);
    void *keep = NULL;
    tc_root_add(h, &keep);
    build_list(h, &keep, 5000);
    tc_collect(h);
    tc_step(h); /* a new cycle: its start handshake (or, with one CPU, a budget of marking) */
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    tc_config c;
    tc_get_config(h, &c);
    c.concurrent = false;
    assert_null(tc_set_config(h, &c));
    tc_collect(h); /* finishes the concurrent cycle, runs an incremental one */
    size_t n;
    const tc_cycle *cy = tc_cycle_log(h, &n);
    assert_true(n >= 2);
    if (tc__marker_running(h)) assert_int_equal(cy[n - 2].concurrent, 1);
    assert_int_equal(cy[n - 1].concurrent, 0);
    /* Steele is refused with the concurrent mode, and the heap keeps its
     * config. */
    c.concurrent = true;
    c.barrier = TC_BARRIER_STEELE;
    assert_non_null(tc_set_config(h, &c));
    tc_get_config(h, &c);
    assert_false(c.concurrent);
    tc_root_remove(h, &keep);
    tc_heap_free(h);
}

/* A heap whose concurrent cycle has just started, with a list of n cells
 * hanging from *keep; NULL with one CPU (no marker thread to test). */
static tc_heap *marking_heap(tc_barrier b, void **keep, int n) {
    tc_heap *h = marker_heap(b);
    if (!h) return NULL;
    tc_root_add(h, keep);
    build_list(h, keep, n);
    tc_collect(h);
    tc_step(h); /* the start handshake: the marker's job is now to mark */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    return h;
}

/* The test takes the mark state as the marker thread would. */
static void hold_as_marker(tc_heap *h) {
    for (;;) {
        int none = OWN_NONE;
        if (atomic_compare_exchange_strong(&h->conc.owner, &none, OWN_MARKER)) return;
        sched_yield();
    }
}

static void free_marking_heap(tc_heap *h, void **keep) {
    tc_collect(h);
    assert_heap_ok(h);
    tc_root_remove(h, keep);
    tc_heap_free(h);
}

/* Waits up to 20 s for *flag; whether it was set. Long enough for any
 * machine, and a test that would otherwise hang fails instead. */
static bool await_flag(_Atomic bool *flag) {
    for (int waited = 0; !atomic_load(flag); waited++) {
        if (waited == 20000) return false;
        sleep_ms(1);
    }
    return true;
}

/* A marker descheduled inside a slice, played by a thread of the test:
 * it holds the mark state until the test arms it, then lets go 100 ms
 * later and notes how far the mutator had got. Unarmed, it lets go
 * after 20 s so that a mutator that waited fails instead of hanging. */
typedef struct {
    tc_heap *h;
    _Atomic bool armed, released, timed_out;
    _Atomic uint64_t mutator_live, live_at_release;
    _Atomic uint64_t cell; /* what one allocation adds to live_bytes */
} stalled_marker;

static void *stalled_marker_main(void *arg) {
    stalled_marker *s = arg;
    if (!await_flag(&s->armed)) atomic_store(&s->timed_out, true);
    sleep_ms(100);
    atomic_store(&s->live_at_release, atomic_load(&s->mutator_live));
    atomic_store(&s->released, true);
    atomic_store_explicit(&s->h->conc.owner, OWN_NONE, memory_order_release);
    return NULL;
}

/* Allocates until the heap holds `live` bytes; with no_ask, checks after
 * each allocation that the marker was not asked to yield. */
static void alloc_until(tc_heap *h, stalled_marker *s, uint64_t live, bool no_ask) {
    while (live_bytes(h) < live) {
        const uint64_t before = live_bytes(h);
        assert_non_null(tc_alloc(h, 0, 64));
        atomic_store(&s->cell, live_bytes(h) - before);
        atomic_store(&s->mutator_live, live_bytes(h));
        if (no_ask) assert_false(atomic_load(&h->conc.yield));
    }
}

static void test_assists_wait_only_past_the_wait_ceiling(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 20000);
    if (!h) return;
    /* Take the state as the marker would, then undo an `idle` its last
     * slice may have reported after letting go: our marker has work. */
    hold_as_marker(h);
    sleep_ms(10);
    atomic_store(&h->conc.idle, false);
    stalled_marker s = {.h = h};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stalled_marker_main, &s), 0);
    const uint64_t ceiling = h->ceiling_bytes, wait_ceiling = h->wait_ceiling_bytes;
    print_message("live %llu, ceiling %llu, wait ceiling %llu\n", (unsigned long long)live_bytes(h),
                  (unsigned long long)ceiling, (unsigned long long)wait_ceiling);
    assert_true(wait_ceiling > ceiling + (64 << 10));
    /* A small heap (live ~1 MiB here) gets WAIT_SLACK_MIN, not half its
     * headroom: a marker stopped for milliseconds costs memory first. */
    assert_true(wait_ceiling >= ceiling + WAIT_SLACK_MIN);
    /* Between the ceiling and the wait ceiling (checked every few KiB
     * there): allocation goes on, and the marker is never asked to yield
     * (its work is credited; an ask only swaps who marks, pacer.c). Our
     * marker never clears an ask, and the real one only after
     * YIELD_WAIT_NS, so one would be seen at the next allocation. */
    alloc_until(h, &s, wait_ceiling - (32 << 10), true);
    assert_false(atomic_load(&s.released));
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    /* Past it: the mutator waits for the state, within a check of the
     * wait ceiling, until our marker lets go. */
    atomic_store(&s.armed, true);
    alloc_until(h, &s, wait_ceiling + (64 << 10), false);
    pthread_join(t, NULL);
    assert_false(atomic_load(&s.timed_out));
    /* live_at_release is where the last allocation to return left it;
     * the one waiting in its check was made first (alloc.c,
     * allocate_first), so the mutator stands a cell further on. */
    const uint64_t stood = atomic_load(&s.live_at_release) + atomic_load(&s.cell);
    print_message("the mutator stood at %llu when the marker let go\n", (unsigned long long)stood);
    assert_true(stood >= wait_ceiling && stood < wait_ceiling + (32 << 10));
    free_marking_heap(h, &keep);
}

/* Below the ceiling an allocation check pays at most one budget of
 * assist; past it, two (pacer.c, concurrent_check). The debt past the
 * goal is at least a unit a byte, many budgets at every check, so the
 * cap is what sets the assists' density there. The marker is parked:
 * every assist finds the state free. The list must outlast the
 * allocation up to the ceiling, or marking ends first. */
static void test_assists_pay_one_budget_below_the_ceiling(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 200000);
    if (!h) return;
    tc_marker_park(h, true);
    const uint64_t goal = h->goal_bytes, ceiling = h->ceiling_bytes;
    uint64_t below = 0, past = 0, worst_below = 0, worst_past = 0;
    while (tc__marker_job(h) == JOB_MARK && live_bytes(h) < h->wait_ceiling_bytes) {
        const uint64_t live = live_bytes(h), n0 = tc_increment_count(h);
        assert_non_null(tc_alloc(h, 0, 64));
        const uint64_t paid = tc_increment_count(h) - n0;
        if (live >= goal && live < ceiling) {
            below += paid;
            if (paid > worst_below) worst_below = paid;
        } else if (live >= ceiling) {
            past += paid;
            if (paid > worst_past) worst_past = paid;
        }
    }
    print_message("goal %llu, ceiling %llu: %llu increments below it (at most %llu an allocation), %llu past it "
                  "(at most %llu)\n",
                  (unsigned long long)goal, (unsigned long long)ceiling, (unsigned long long)below,
                  (unsigned long long)worst_below, (unsigned long long)past, (unsigned long long)worst_past);
    assert_true(below > 0);
    assert_int_equal(worst_below, 1);
    assert_int_equal(worst_past, 2);
    tc_marker_park(h, false);
    free_marking_heap(h, &keep);
}

/* The concurrent mode's utilization guard (conc_mmu_pct over
 * conc_mmu_window_usec) is the one in force beside a marker, and it
 * holds past the ceiling up to the wait ceiling, where memory comes
 * first. The marker is parked, so the mutator's assists do all the
 * marking and would take most of the time: the guard must put some off
 * between the two ceilings and none past the second. Failed with the
 * guard giving way at the first ceiling (no deferral between them) and
 * with the incremental mode's guard in force (off here, test_config). */
static void test_concurrent_guard_holds_to_the_wait_ceiling(void **state) {
    (void)state;
    tc_config c;
    concurrent_config(&c, TC_BARRIER_DIJKSTRA, false);
    /* 5% of the window, and budgets of 1000 units (two a check past the
     * ceiling, every 4 KiB): assists alone would take most of it. */
    c.conc_mmu_pct = 95;
    c.conc_mmu_window_usec = 2000;
    c.step_work = 1000;
    tc_heap *h = marker_heap_with(&c);
    if (!h) return;
    void *keep = NULL;
    tc_root_add(h, &keep);
    build_list(h, &keep, 200000);
    tc_collect(h);
    tc_step(h);
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    tc_marker_park(h, true);
    const uint64_t ceiling = h->ceiling_bytes, wait_ceiling = h->wait_ceiling_bytes;
    /* Deferrals counted when the heap first passed each ceiling. */
    uint64_t at[2] = {0, 0};
    bool past[2] = {false, false};
    tc_stats s;
    while (tc__marker_job(h) == JOB_MARK && live_bytes(h) < wait_ceiling + (256 << 10)) {
        const uint64_t live = live_bytes(h);
        assert_non_null(tc_alloc(h, 0, 64));
        for (int k = 0; k < 2; k++)
            if (!past[k] && live >= (k ? wait_ceiling : ceiling)) {
                past[k] = true;
                tc_get_stats(h, &s);
                at[k] = s.mmu_deferred;
            }
    }
    tc_get_stats(h, &s);
    print_message("ceiling %llu, wait ceiling %llu: %llu increments deferred between them, %llu past the second\n",
                  (unsigned long long)ceiling, (unsigned long long)wait_ceiling, (unsigned long long)(at[1] - at[0]),
                  (unsigned long long)(s.mmu_deferred - at[1]));
    assert_true(past[0] && past[1]);
    assert_true(at[1] > at[0]);
    assert_int_equal(s.mmu_deferred, at[1]);
    tc_marker_park(h, false);
    free_marking_heap(h, &keep);
}

static void *hold_waiting(void *arg) {
    tc__marker_hold(arg, true);
    return NULL;
}

/* The marker clears `yield` when nobody took the state within its wait
 * (marker.c, YIELD_WAIT_NS). A mutator still waiting then (its nap ran
 * long) must ask again, or it waits out the marker's whole next slice.
 * The test plays the marker: it holds the state, lets a thread of its
 * own wait for it as the mutator, and clears the ask. */
static void test_a_waiting_mutator_asks_again(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 2000);
    if (!h) return;
    hold_as_marker(h);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_waiting, h), 0);
    assert_true(await_flag(&h->conc.yield));
    atomic_store(&h->conc.yield, false); /* the marker's wait ran out */
    assert_true(await_flag(&h->conc.yield));
    atomic_store_explicit(&h->conc.owner, OWN_NONE, memory_order_release);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&h->conc.owner), OWN_MUTATOR);
    assert_false(atomic_load(&h->conc.yield));
    tc__marker_release(h);
    free_marking_heap(h, &keep);
}

/* A marker holding the state past TAKE_SPIN_NS, played by the test. */
static void *release_after_50ms(void *arg) {
    sleep_ms(50);
    atomic_store_explicit(&((tc_heap *)arg)->conc.owner, OWN_NONE, memory_order_release);
    return NULL;
}

/* An increment that sleeps waiting for the marker's slice spends no CPU
 * meanwhile, and its GC CPU leaves that time out (pauselog.c): the pause
 * is as long as the wait, its GC CPU is not. */
static void test_gc_cpu_leaves_out_the_naps_for_the_marker(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 2000);
    if (!h) return;
    tc_marker_park(h, true); /* the marker thread itself takes nothing meanwhile */
    tc_stats before, after;
    tc_get_stats(h, &before);
    hold_as_marker(h);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_after_50ms, h), 0);
    tc_step(h);
    pthread_join(t, NULL);
    tc_get_stats(h, &after);
    const uint64_t wall = after.gc_wall_ns - before.gc_wall_ns, cpu = after.gc_cpu_ns - before.gc_cpu_ns;
    print_message("the increment: %.1f ms of wall, %.3f ms of GC CPU\n", (double)wall / 1e6, (double)cpu / 1e6);
    assert_true(wall >= 45000000u);
    assert_true(cpu < wall - 40000000u);
    tc_marker_park(h, false);
    free_marking_heap(h, &keep);
}

/* The handshake that ends marking copies the page table into the
 * concurrent sweep's list without growing it: the list keeps the
 * table's capacity from the allocations that grow the table or move to
 * another page, its pages written in, so the copy faults nothing in
 * inside the pause. A heap built up to the allocation that grows the
 * table past its first 256 pages, and no cycle before tc_collect. Failed with the list grown only
 * by the copy (it held no room at all before the first cycle), and with
 * it grown only when an allocation moves to another page (one behind
 * the table there). */
static void test_sweep_list_grows_outside_the_handshake(void **state) {
    (void)state;
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.concurrent = true;
    c.verify_each_step = false;
    c.min_heap = (size_t)256 << 20; /* no cycle while the list is built */
    tc_heap *h = tc_heap_new(&c);
    void *keep = NULL;
    tc_root_push(h, &keep);
    build_list(h, &keep, 500000);
    /* Up to the allocation that grows the table past its first 256. */
    const size_t first_cap = h->pages.cap;
    while (h->pages.cap == first_cap) build_list(h, &keep, 1);
    assert_int_equal(h->cycle_no, 0);
    assert_true(h->pages.cap > 256);
    assert_true(h->sweep_snap.cap >= h->pages.cap);
    void **list = h->sweep_snap.v;
    const size_t cap = h->sweep_snap.cap;
    tc_collect(h);
    assert_ptr_equal(h->sweep_snap.v, list);
    assert_int_equal(h->sweep_snap.cap, cap);
    tc_root_pop(h, 1);
    assert_heap_ok(h);
    tc_heap_free(h);
}

/* The handshake that ends marking stops there: the marker sweeps the
 * listed pages and the mutator adopts them. Sweeping in it, with the
 * rest of its budget, put a cold page of sweeping in every termination
 * pause (docs/design.md §10, "The handshake that ends marking does not
 * sweep"). */
static void test_termination_handshake_does_not_sweep(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_YUASA, &keep, 2000); /* a page of cells for the sweep to come */
    if (!h) return;
    assert_true(await_flag(&h->conc.idle)); /* the marker marked everything */
    assert_true(tc__marker_hold(h, true));
    tc__gc_increment(h, TC_REASON_HANDSHAKE);
    tc__marker_release(h);
    size_t n;
    const tc_pause *p = tc_pause_log(h, &n);
    assert_true(n >= 2);
    assert_int_equal(p[n - 1].reason, TC_REASON_HANDSHAKE);
    assert_int_equal(p[n - 1].end_phase, TC_PHASE_SWEEP);
    /* Yuasa rescans nothing and the grey set is empty: no work at all,
     * where a page of these cells is ~2,000 units to sweep. */
    assert_int_equal(p[n - 1].work, 0);
    free_marking_heap(h, &keep);
}

/* Once the marker has marked everything, the termination handshake:
 * the pages and large objects are listed for the concurrent sweep. The
 * test holds the mark state after it, so the marker sweeps nothing until
 * it lets go. */
static void end_marking(tc_heap *h) {
    assert_true(await_flag(&h->conc.idle));
    assert_true(tc__marker_hold(h, true));
    tc__gc_increment(h, TC_REASON_HANDSHAKE);
    assert_true(h->sweep_conc);
}

/* The marker sweeps the large objects too, after the pages: a dead one
 * is cleared (but for its first 4 KiB) and waits, still in the large
 * table, for the mutator to adopt it, which frees it. Swept by the
 * mutator instead, they made fragment's mutator pay 500-600 sweeping
 * pauses a run below the goal (sweep.c). */
static void test_marker_sweeps_large_objects(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    void *keep = NULL;
    tc_root_add(h, &keep);
    keep = tc_alloc(h, 8, 0);
    for (uint32_t i = 0; i < 8; i++) {
        void *big = tc_alloc(h, 2000, 0); /* 16 KB: a large object */
        assert_non_null(big);
        tc_store(h, keep, i, big);
        for (uint32_t s = 0; s < 2000; s += 512) tc_store(h, big, s, keep); /* four written pages */
    }
    tc_collect(h);
    assert_int_equal(h->large.n, 8);
    for (uint32_t i = 0; i < 8; i += 2) tc_store(h, keep, i, NULL); /* four die */
    tc_step(h);                                                     /* the start handshake */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    end_marking(h);
    tc__marker_release(h);
    assert_true(await_flag(&h->conc.idle)); /* swept */
    assert_true(tc__marker_hold(h, true));
    assert_int_equal(atomic_load(&h->sweep_next), h->sweep_snap.n);
    int dead = 0, live = 0;
    for (size_t i = 0; i < h->large.n; i++) {
        tc_page *p = h->large.v[i];
        assert_int_equal(p->sweep_pending, SWEEP_TO_ADOPT);
        if (p->sweep_freed) {
            dead++;
            assert_int_equal(p->sweep_live, 1); /* cleared */
            void **slots = (void **)(page_cells(p) + HDR_BYTES);
            assert_null(slots[512]);   /* a written page among the slots' pages */
            assert_null(slots[1536]);  /* the slots' last page, and what follows */
            assert_non_null(slots[0]); /* the first 4 KiB wait for the adoption */
        } else {
            live++;
        }
    }
    assert_int_equal(dead, 4);
    assert_int_equal(live, 4);
    tc__marker_release(h);
    assert_heap_ok(h); /* the verifier's view of a swept, unadopted dead object */
    /* The adoptions' units follow their cost (sweep.c, adopt_large): 16
     * a small page or live large object, 64 a dead one and 128 for its
     * first 4 KiB cleared. Charged 16 + 64 a dead one, as before, this
     * read 4 x 112 units short. */
    const size_t small_pages = h->sweep_snap.n - h->large.n; /* the large objects follow them */
    const uint64_t sweep_work0 = h->cycle_sweep_work;
    while (h->phase != TC_PHASE_IDLE) {
        assert_true(tc__marker_hold(h, true));
        tc__gc_increment(h, TC_REASON_ADOPT);
        tc__marker_release(h);
    }
    assert_int_equal(h->cycle_sweep_work - sweep_work0, 16 * (small_pages + live) + dead * (64 + 128));
    assert_int_equal(h->large.n, 4);
    assert_heap_ok(h);
    /* Their mappings went to the quarantine as clean, and a new object
     * of the same size takes one without clearing it: every byte of it
     * must read zero. */
    tc_stats before;
    tc_get_stats(h, &before);
    for (uint32_t i = 0; i < 8; i += 2) {
        void *big = tc_alloc(h, 2000, 0);
        assert_non_null(big);
        for (uint32_t s = 0; s < 2000; s++) assert_null(tc_load(h, big, s));
        tc_store(h, keep, i, big);
    }
    tc_stats after;
    tc_get_stats(h, &after);
    assert_int_equal(after.mem_quarantine_reuses - before.mem_quarantine_reuses, 4);
    assert_heap_ok(h);
    tc_root_remove(h, &keep);
    tc_heap_free(h);
}

/* A pause that adopts the pages the marker swept sweeps none itself: the
 * mutator owes no work there, and a budget of sweeping besides made
 * those pauses 10-25 us where adopting alone takes a few. Here nothing is
 * swept yet, and the test holds the state, so the marker sweeps nothing
 * either: the adoption has nothing to take, and must leave every listed
 * page to the marker. */
static void test_adoption_sweeps_no_page(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 2000);
    if (!h) return;
    end_marking(h);
    const size_t listed = h->sweep_snap.n, swept = atomic_load(&h->sweep_next);
    assert_true(swept < listed);
    tc__gc_increment(h, TC_REASON_ADOPT);
    assert_int_equal(atomic_load(&h->sweep_next), swept);
    assert_int_equal(h->sweep_adopt, swept);
    assert_true(h->sweep_conc);
    size_t n;
    const tc_pause *p = tc_pause_log(h, &n);
    assert_int_equal(p[n - 1].reason, TC_REASON_ADOPT);
    assert_int_equal(p[n - 1].work, 0);
    tc__marker_release(h);
    free_marking_heap(h, &keep);
}

/* An adoption's units are a charge for handing swept pages back, not a
 * sample of the collector's speed: the average a time budget is turned
 * into units with (units_per_us) and the marking speed stay as they were
 * after one. It failed with adoptions sampled: the average rose. */
static bool swept_enough(tc_heap *h) { return atomic_load(&h->sweep_next) >= 16; }

static void test_adoption_is_no_speed_sample(void **state) {
    (void)state;
    void *keep = NULL;
    tc_heap *h = marking_heap(TC_BARRIER_DIJKSTRA, &keep, 100000);
    if (!h) return;
    end_marking(h);
    assert_true(h->sweep_snap.n >= 16);
    tc__marker_release(h); /* the marker sweeps the listed pages */
    assert_true(wait_until_ms(h, swept_enough, 20000));
    assert_true(tc__marker_hold(h, true));
    h->units_per_us = 1.0; /* far below any adoption's rate */
    const double mark_speed = h->mark_units_per_us;
    tc__gc_increment(h, TC_REASON_ADOPT);
    size_t n;
    const tc_pause *p = tc_pause_log(h, &n);
    assert_int_equal(p[n - 1].reason, TC_REASON_ADOPT);
    assert_true(p[n - 1].work >= 64);
    assert_true(h->units_per_us == 1.0);
    assert_true(h->mark_units_per_us == mark_speed);
    tc__marker_release(h);
    free_marking_heap(h, &keep);
}

/* A termination handshake whose root rescan finds grey work it cannot
 * finish within its budget hands marking back to the marker. The marker
 * sleeps while `idle` is set, so a handshake that left it set had the
 * mutator mark the rest itself, a handshake at a time. */
static void test_unfinished_handshake_hands_marking_back(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    void *a = NULL, *b = NULL;
    tc_root_add(h, &a);
    tc_root_add(h, &b);
    a = tc_alloc(h, 1, 0);
    void *list = NULL;
    tc_root_push(h, &list);
    build_list(h, &list, 2000);
    tc_store(h, a, 0, list);
    tc_root_pop(h, 1);
    tc_collect(h);
    /* The list hangs only from a root the marker never saw: the start
     * handshake shades a, the list moves to b, and the Dijkstra barrier
     * does not shade the pointer it overwrites. */
    tc_marker_park(h, true);
    tc_step(h);
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    b = tc_load(h, a, 0);
    tc_store(h, a, 0, NULL);
    tc_marker_park(h, false);
    assert_true(await_flag(&h->conc.idle));
    assert_true(tc__marker_hold(h, true));
    tc__gc_increment(h, TC_REASON_HANDSHAKE); /* the rescan finds 2,000 cells; the budget is 200 */
    tc__marker_release(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    /* The marker marks the rest and reports nothing left again. */
    assert_true(await_flag(&h->conc.idle));
    assert_true(tc__marker_hold(h, true));
    assert_true(tc__gc_marking_done(h));
    tc__marker_release(h);
    tc_collect(h);
    assert_heap_ok(h);
    tc_root_remove(h, &a);
    tc_root_remove(h, &b);
    tc_heap_free(h);
}

/* The Dijkstra barrier tests a target's colour TC__PEND_N stores late
 * (barrier.c, "Prefetched tests"); the termination handshake must still
 * see it. x hangs from a only; the program moves it into c, allocated
 * black during marking, and the store is the last before the handshake,
 * so x's test is still pending when the marker reports nothing left.
 * The rescan finds a and c, both black: only the pending test keeps x. */
static void test_a_pending_barrier_test_runs_before_termination(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    void *a = NULL, *c = NULL;
    tc_root_add(h, &a);
    tc_root_add(h, &c);
    a = tc_alloc(h, 1, 0);
    tc_store(h, a, 0, tc_alloc(h, 1, 8));
    tc_collect(h);
    tc_marker_park(h, true);
    tc_step(h); /* the start handshake */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    c = tc_alloc(h, 1, 0);
    assert_int_equal(TC__COLOUR(c), TC__BLACK);
    void *x = tc_load(h, a, 0);
    tc_store(h, a, 0, NULL);
    tc_store(h, c, 0, x);
    assert_true(tc__barrier_pending_any(h));
    tc_marker_park(h, false);
    assert_true(await_flag(&h->conc.idle));
    assert_true(tc__marker_hold(h, true));
    tc__gc_increment(h, TC_REASON_HANDSHAKE);
    tc__marker_release(h);
    assert_false(tc__barrier_pending_any(h));
    tc_collect(h);
    assert_heap_ok(h); /* c's slot would point to a freed cell */
    assert_ptr_equal(tc_load(h, c, 0), x);
    tc_root_remove(h, &a);
    tc_root_remove(h, &c);
    tc_heap_free(h);
}

/* While the marker marks, an allocation goes before the pacer's check
 * (alloc.c, allocate_first). x's allocation is the one whose check runs
 * the termination handshake, which retires every class's page: made
 * after it, x would take a new page in the same pause (fresh memory, a
 * fault, while the memory thread is behind). It lies on the page its
 * class had, and, black, survives the cycle. */
static void test_the_allocation_goes_before_the_termination_handshake(void **state) {
    (void)state;
    tc_heap *h = marker_heap(TC_BARRIER_DIJKSTRA);
    if (!h) return;
    void *list = NULL;
    tc_root_push(h, &list);
    build_list(h, &list, 2000);
    tc_collect(h);
    tc_step(h); /* the start handshake */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    int n = 2001;
    build_list(h, &list, 1);
    const tc_class *c = &h->cls[page_of(list)->cls];
    for (; !c->free && c->bump >= c->bump_end; n++) build_list(h, &list, 1); /* room for one more */
    const tc_page *had = c->page;
    assert_true(await_flag(&h->conc.idle));
    tc_marker_park(h, true); /* the marker stays out of the way of the check's handshake */
    h->next_check_bytes = h->bytes_allocated;
    const uint64_t handshakes = h->conc.handshakes;
    void *x = tc_alloc(h, 2, 8);
    assert_true(h->conc.handshakes > handshakes);
    assert_int_equal(tc_current_phase(h), TC_PHASE_SWEEP);
    assert_ptr_equal(page_of(x), had);
    assert_null(c->page); /* retired after x was cut from it */
    tc_store(h, x, 0, list);
    list = x;
    tc_marker_park(h, false);
    tc_collect(h);
    assert_heap_ok(h);
    for (void *cell = list; cell; cell = tc_load(h, cell, 0)) n--;
    assert_int_equal(n, -1); /* x and every cell before it */
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

/* Only then: an allocation whose check starts a cycle comes after it. Its
 * object, made before, would be white and in no root the start handshake
 * read; the hybrid barrier rescans no root at termination, so once the
 * program put it in one the cycle would free it, and the root dangle. */
static void test_an_allocation_after_the_cycle_start(void **state) {
    (void)state;
    tc_config c;
    concurrent_config(&c, TC_BARRIER_HYBRID, false);
    c.conc_mmu_pct = 0; /* tc_collect's increment must not hold the next one back */
    tc_heap *h = marker_heap_with(&c);
    if (!h) return;
    void *r = NULL;
    tc_root_add(h, &r);
    tc_collect(h);
    r = tc_alloc(h, 2, 8); /* its class has a page with room: no fresh page to wait for (alloc.c) */
    tc_marker_park(h, true);
    h->trigger_bytes = 0;
    h->next_check_bytes = h->bytes_allocated;
    r = tc_alloc(h, 2, 8);
    assert_int_equal(tc__marker_job(h), JOB_MARK); /* this allocation's check started the cycle */
    assert_int_equal(TC__COLOUR(r), TC__BLACK);
    tc_marker_park(h, false);
    tc__gc_finish_cycle(h);
    assert_heap_ok(h);
    tc_root_remove(h, &r);
    tc_heap_free(h);
}

/* An allocation that goes first but has to make room under the heap
 * limit (alloc.c, make_room) ends the cycle inside itself: its object is
 * then white, made after the collections, and the check that follows
 * must wait for the next allocation. Run there, with no minimum heap it
 * would start a cycle whose start handshake never sees the object, and
 * the hybrid barrier, which rescans no root, would free it once the
 * program put it in one. */
static void test_an_allocation_that_makes_room_checks_later(void **state) {
    (void)state;
    tc_config c;
    concurrent_config(&c, TC_BARRIER_HYBRID, false);
    c.conc_mmu_pct = 0;
    c.mem_thread = false;
    c.min_heap = 0;
    c.heap_limit = (size_t)8 << 20;
    tc_heap *h = marker_heap_with(&c);
    if (!h) return;
    void *r = NULL;
    tc_root_add(h, &r);
    tc_collect(h);
    tc_marker_park(h, true);
    tc_step(h); /* the start handshake */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    /* Garbage up to the limit, allocated black and with no check, so that
     * this cycle keeps it: the next large object must make room. */
    enum { SLOTS = 65536 }; /* 512 KiB */
    h->next_check_bytes = UINT64_MAX;
    size_t len;
    do {
        void *junk = tc_alloc(h, SLOTS, 0);
        assert_non_null(junk);
        len = page_of(junk)->map_bytes;
    } while (tc__mem_fits(&h->mem, len));
    h->next_check_bytes = h->bytes_allocated;
    h->goal_bytes = h->ceiling_bytes = 1; /* no fresh-memory wait (tc__pacer_may_defer) */
    const uint64_t cycles = h->cycle_no;
    r = tc_alloc(h, SLOTS, 0);
    assert_non_null(r);
    assert_true(h->cycle_no > cycles); /* it made room: the cycle ended inside it */
    assert_int_equal(tc__marker_job(h), JOB_NONE);
    tc_marker_park(h, false);
    tc_alloc(h, 1, 0); /* the check runs here, after r was rooted */
    tc__gc_finish_cycle(h);
    assert_heap_ok(h);
    tc_root_remove(h, &r);
    tc_heap_free(h);
}

/* The barrier buffer is resident from the moment the concurrent mode is
 * configured (marker.c, buffer_ready): its first pass would otherwise
 * fault a page every 512 entries inside barrier hits and handshakes.
 * mincore says which of its pages are in memory. With the buffer from
 * malloc and memset it failed in the -O2 build (make test-unit runs this
 * file at -O2 too), where GCC made the two one calloc: 1 of its 129 pages
 * resident. It runs first in the group, on a fresh malloc arena, as in a
 * program's first heap: a later one got a block its arena had recycled,
 * resident already, whatever the code did. With one CPU too (the
 * mutator's own barriers fill the buffer then). */
static void test_barrier_buffer_is_faulted_in(void **state) {
    (void)state;
    tc_heap *h = concurrent_heap(TC_BARRIER_DIJKSTRA, false);
    assert_non_null(h->conc.wb);
    const size_t pages = pages_spanned(h->conc.wb, TC__WB_CAP * sizeof(void *));
    assert_int_equal(resident_pages(h->conc.wb, pages), pages);
    tc_heap_free(h);
}

/* The two tests of buffer_roots below: a Yuasa heap whose root stack
 * holds HS_ROOTS cells, each the only path to its object, after a whole
 * cycle, its marker parked; NULL with one CPU. */
enum { HS_ROOTS = 3000 };

static tc_heap *parked_heap_with_rooted_cells(void **slot) {
    tc_heap *h = marker_heap(TC_BARRIER_YUASA);
    if (!h) return NULL;
    for (int i = 0; i < HS_ROOTS; i++) {
        tc_root_push(h, &slot[i]);
        slot[i] = tc_alloc(h, 1, 8);
        assert_non_null(slot[i]);
    }
    tc_collect(h);
    tc_marker_park(h, true);
    return h;
}

/* Unparks the marker, finishes the cycle and a whole one after it, and
 * frees the heap: every object a root still holds must have lived
 * through both, and the heap verify. */
static void finish_with_rooted_cells(tc_heap *h, void **slot) {
    tc_marker_park(h, false);
    tc_collect(h);
    tc_collect(h);
    for (int i = 0; i < HS_ROOTS; i++)
        if (slot[i]) assert_int_not_equal(tc_colour_of(h, slot[i]), TC_FREE);
    assert_heap_ok(h);
    tc_root_pop(h, HS_ROOTS);
    tc_heap_free(h);
}

/* The start handshake hands the roots' values to the marker through the
 * barrier buffer instead of shading them in the pause (collect.c,
 * buffer_roots). 3,000 roots on the root stack, each the only path to
 * its object: with the marker parked, the handshake read 3,000 roots,
 * every object is still white and the buffer holds them all; one root
 * cleared after the handshake (Yuasa's snapshot, which the buffer
 * keeps) and the cycle finished, every object the roots still hold is
 * alive and the heap verifies. It failed with the roots shaded in the
 * pause (nothing buffered). */
static void test_start_handshake_buffers_the_roots(void **state) {
    (void)state;
    static void *slot[HS_ROOTS];
    tc_heap *h = parked_heap_with_rooted_cells(slot);
    if (!h) return;
    tc_log_clear(h);
    size_t before = h->conc.wtail;
    tc_step(h); /* the start handshake */
    size_t n;
    const tc_pause *p = tc_pause_log(h, &n);
    assert_true(n >= 1);
    assert_int_equal(p[n - 1].reason, TC_REASON_HANDSHAKE);
    assert_int_equal(p[n - 1].work, HS_ROOTS);
    assert_int_equal(h->conc.wtail - before, HS_ROOTS);
    for (int i = 0; i < HS_ROOTS; i++) assert_int_equal(tc_colour_of(h, slot[i]), TC_WHITE);
    slot[0] = NULL;
    finish_with_rooted_cells(h, slot);
}

/* The same after most of a buffer's worth of barrier entries: the
 * mutator's cached view of the holder's cursor (whead_seen) is refreshed
 * only when the buffer looks full, and buffer_roots once read the room
 * from it, so an empty buffer looked too full for the roots and they were
 * shaded in the pause. The buffer here is as after TC__WB_CAP - 100
 * entries pushed and shaded with no refresh (the cursors moved on, the
 * cache did not). It failed with the room read from the cache: the roots
 * came out grey and nothing was buffered. */
static void test_start_handshake_buffers_the_roots_after_many_entries(void **state) {
    (void)state;
    static void *slot[HS_ROOTS];
    tc_heap *h = parked_heap_with_rooted_cells(slot);
    if (!h) return;
    tc__marker *m = &h->conc;
    assert_int_equal(atomic_load(&m->head), m->wtail);
    const size_t pushed = TC__WB_CAP - 100;
    m->wtail += pushed;
    atomic_store(&m->tail, m->wtail);
    atomic_store(&m->head, m->wtail);
    const size_t before = m->wtail;
    tc_step(h); /* the start handshake */
    assert_int_equal(m->wtail - before, HS_ROOTS);
    for (int i = 0; i < HS_ROOTS; i++) assert_int_equal(tc_colour_of(h, slot[i]), TC_WHITE);
    finish_with_rooted_cells(h, slot);
}

/* The marker's CPU cap (marker.c): every slice is charged, however it
 * ended, and paid back at the cap's share of the wall clock; an idle
 * marker builds no credit. Times in ns, at a 25% cap. */
static void test_cpu_cap_charges_every_slice(void **state) {
    (void)state;
    const uint64_t us = 1000, t0 = 1000 * us;
    tc__cpu_cap c = {0, t0};
    /* A whole slice of 500 us owes three times as long off the CPU. */
    assert_int_equal(tc__cpu_cap_slice(&c, t0, t0 + 500 * us, 25, true), 1500 * us);
    /* Once that time has passed, a slice that ended early (a yield,
     * nothing left to mark) is charged as well. */
    uint64_t t = t0 + 2000 * us;
    assert_int_equal(tc__cpu_cap_slice(&c, t, t + 100 * us, 25, true), 300 * us);
    /* Two back to back owe for both. */
    t += 100 * us;
    assert_int_equal(tc__cpu_cap_slice(&c, t, t + 100 * us, 25, true), 600 * us);
    /* 10 ms with nothing to do pay the debt back and build no credit. */
    t += 100 * us + 10000 * us;
    assert_int_equal(tc__cpu_cap_slice(&c, t, t + 500 * us, 25, true), 1500 * us);
    /* An uncharged slice (a filling buffer) adds nothing, and time pays
     * back: 375 us of CPU owed, less 25% of 1,400 us, leaves 25 us, which
     * is 100 us off the CPU. */
    t += 500 * us;
    assert_int_equal(tc__cpu_cap_slice(&c, t + 1000 * us, t + 1400 * us, 25, false), 100 * us);
    /* No cap at 100%. */
    assert_int_equal(tc__cpu_cap_slice(&c, t, t + 500 * us, 100, true), 0);
}

/* The scheduling policy (SCHED_OTHER, SCHED_IDLE, ...) of the thread
 * named `name` (marker.c names the marker "tc-marker"), from /proc: field
 * 41 of its stat. -1 if no thread has that name. */
static int thread_policy(const char *name) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int policy = -1;
    for (struct dirent *e; policy < 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[300], buf[1024] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        bool match = fgets(buf, sizeof buf, f) && strncmp(buf, name, strlen(name)) == 0 && buf[strlen(name)] == '\n';
        fclose(f);
        if (!match) continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (!(f = fopen(path, "r"))) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* Fields from the third on follow the command's closing ')'. */
        char *p = strrchr(buf, ')');
        for (int field = 2; p && field < 41; field++) p = strchr(p + 1, ' ');
        if (p) policy = atoi(p + 1);
    }
    closedir(d);
    return policy;
}

/* While the memory thread refills its reserve the marker marks at idle
 * priority no more (marker.c, owed_time): the two would share the spare
 * CPU and the mutator fault the pages the thread had not reached. The
 * test plays the memory thread (off in this heap) by setting its flag.
 * At a 1% cap the marker's first slice owes 99 times its length, all of
 * it time for idle slices; none may run while the flag is set, and once
 * it is cleared they start again.
 *
 * Meanwhile the marker naps at normal priority: a thread napping at
 * SCHED_IDLE came back only when the memory thread's populate call let
 * the CPU go, milliseconds late, and missed the dedicated slices its cap
 * grants it. */
static void test_idle_marking_steps_aside_for_the_refill(void **state) {
    (void)state;
    tc_config c;
    concurrent_config(&c, TC_BARRIER_DIJKSTRA, false);
    c.mem_thread = false;
    c.gc_cpu_pct = 1;
    c.gc_idle = true;
    tc_heap *h = marker_heap_with(&c);
    if (!h) return;
    void *keep = NULL;
    tc_root_add(h, &keep);
    build_list(h, &keep, 1000000);
    tc_collect(h); /* no job now: the marker runs no slice and counts none */
    const uint64_t work0 = atomic_load(&h->conc.work), idle0 = atomic_load(&h->conc.idle_slices);
    atomic_store(&h->mem.refilling, true);
    tc_step(h); /* the start handshake */
    assert_int_equal(tc__marker_job(h), JOB_MARK);
    /* The cycle's first dedicated slice: it ignores the flag. */
    for (int waited = 0; atomic_load(&h->conc.work) == work0; waited++) {
        assert_true(waited < 20000);
        sleep_ms(1);
    }
    /* The list must outlast that slice, or nothing is left to step aside from. */
    assert_false(atomic_load(&h->conc.idle));
    for (int i = 0; i < 15; i++) {
        sleep_ms(2);
        assert_int_equal(thread_policy("tc-marker"), SCHED_OTHER);
    }
    assert_int_equal(atomic_load(&h->conc.idle_slices), idle0);
    tc_stats s0, s1;
    tc_get_stats(h, &s0);
    atomic_store(&h->mem.refilling, false);
    for (int waited = 0; atomic_load(&h->conc.idle_slices) == idle0; waited++) {
        assert_true(waited < 20000);
        sleep_ms(1);
    }
    /* The idle slices' CPU is counted, apart and within the marker's. A
     * slice accounts its CPU after it lets go of the state, at idle
     * priority still, so on a busy machine any time later: waited for
     * (a fixed 2 ms failed 5 times in 8 with both CPUs busy). */
    tc_marker_park(h, true);
    for (int waited = 0;; waited++) {
        tc_get_stats(h, &s1);
        if (s1.marker_idle_cpu_ns > s0.marker_idle_cpu_ns) break;
        assert_true(waited < 20000);
        sleep_ms(1);
    }
    tc_marker_park(h, false);
    assert_true(s1.marker_idle_cpu_ns > s0.marker_idle_cpu_ns);
    assert_true(s1.marker_idle_cpu_ns - s0.marker_idle_cpu_ns <= s1.marker_cpu_ns - s0.marker_cpu_ns);
    free_marking_heap(h, &keep);
}

/* A slice's budget with `aside` set is spent at its first clock read,
 * as with `yield`: an idle slice in progress when the memory thread
 * starts a refill ends within CLOCK_EVERY units. */
static void test_budget_ends_when_asked_aside(void **state) {
    (void)state;
    _Atomic bool refilling = false;
    tc__budget b = {.limit = SIZE_MAX, .timed = true, .next_clock = CLOCK_EVERY, .aside = &refilling};
    b.deadline = tc__now_ns() + 60ull * 1000000000u;
    assert_false(tc__budget_spent(&b, CLOCK_EVERY));
    atomic_store(&refilling, true);
    assert_false(tc__budget_spent(&b, CLOCK_EVERY + 1)); /* between clock reads */
    assert_true(tc__budget_spent(&b, 2 * CLOCK_EVERY));
    atomic_store(&refilling, false);
    assert_true(tc__budget_spent(&b, 2 * CLOCK_EVERY + 1)); /* spent stays spent */
}

/* With no job the marker sleeps its long wait, unless the pacer's
 * forecast of the next cycle's start falls within it: then it sleeps
 * until the forecast, polls from there, and goes back to the long wait
 * once the forecast is that long past (marker.c). Times in ns. */
static void test_idle_wait_follows_the_forecast(void **state) {
    (void)state;
    const uint64_t now = 5000000000ull;
    const uint64_t wait = tc__marker_idle_wait_ns(now, 0); /* no forecast */
    assert_true(wait > 0);
    assert_int_equal(tc__marker_idle_wait_ns(now, now + 10 * wait), wait);
    assert_int_equal(tc__marker_idle_wait_ns(now, now + wait / 2), wait / 2);
    const uint64_t poll = tc__marker_idle_wait_ns(now, now);
    assert_true(poll > 0 && poll < wait / 2);
    assert_int_equal(tc__marker_idle_wait_ns(now, now - wait / 2), poll);
    assert_int_equal(tc__marker_idle_wait_ns(now, now - wait), wait);
}

/* Whether the last cycle in the log is one the test waits for: a
 * concurrent one, or any for an incremental heap. */
static bool last_cycle_is(tc_heap *h, bool concurrent) {
    size_t nc;
    const tc_cycle *cy = tc_cycle_log(h, &nc);
    return nc > 0 && (!concurrent || cy[nc - 1].concurrent);
}

/* Each concurrent cycle's end leaves the marker a forecast of the next
 * start, no earlier than the cycle's own start; an incremental heap's
 * cycles leave none. */
static void test_cycle_end_forecasts_the_next_start(void **state) {
    (void)state;
    for (int concurrent = 1; concurrent >= 0; concurrent--) {
        tc_config c;
        concurrent_config(&c, TC_BARRIER_DIJKSTRA, false);
        c.concurrent = concurrent;
        tc_heap *h = concurrent ? marker_heap_with(&c) : tc_heap_new(&c);
        if (!h) return;
        void *keep = NULL;
        tc_root_add(h, &keep);
        build_list(h, &keep, 20000);
        for (int round = 0; round < 2000 && !last_cycle_is(h, concurrent); round++) {
            void *tmp = NULL;
            tc_root_push(h, &tmp);
            build_list(h, &tmp, 1000);
            tc_root_pop(h, 1);
        }
        assert_true(last_cycle_is(h, concurrent));
        size_t nc;
        const tc_cycle *cy = tc_cycle_log(h, &nc);
        const uint64_t at = atomic_load(&h->conc.next_start_ns);
        if (concurrent)
            assert_true(at >= cy[nc - 1].start_ns);
        else
            assert_int_equal(at, 0);
        tc_root_remove(h, &keep);
        tc_heap_free(h);
    }
}

/* The TC__LINE block an address is in. */
static uintptr_t block_of(const void *p) { return (uintptr_t)p / TC__LINE; }

/* No false sharing between the marker and the mutator (internal.h,
 * TC__LINE): the heap is aligned as its blocks are, and the mark loop's
 * state (grey stack, FIFO, large_scan), the cycle's marked counters and
 * the barrier buffer's consumer cursor each lie in blocks where none of
 * the fields the mutator writes at every allocation or barrier hit does.
 * It failed on the layout before: the buffer's head shared a line with
 * the mutator's wtail. */
static void test_marker_and_mutator_write_different_lines(void **state) {
    (void)state;
    tc_heap *h = concurrent_heap(TC_BARRIER_DIJKSTRA, false);
    assert_int_equal((uintptr_t)h % TC__LINE, 0);
    const void *mutator[] = {
        &h->allocations,     &h->bytes_allocated, &h->bytes_requested, &h->bytes_at_step, &h->cells_used,
        &h->conc.wtail,      &h->conc.whead_seen, &h->conc.tail,       &h->phase,         &h->debt,
        &h->next_check_bytes};
    const void *marker[] = {&h->grey.v,   &h->grey.n,     &h->fifo[0],          &h->fifo[PREFETCH_FIFO - 1],
                            &h->fifo_n,   &h->large_scan, &h->cur.marked_bytes, &h->cur.marked_objects,
                            &h->conc.head};
    for (size_t i = 0; i < sizeof marker / sizeof *marker; i++)
        for (size_t j = 0; j < sizeof mutator / sizeof *mutator; j++)
            if (block_of(marker[i]) == block_of(mutator[j])) {
                print_message("marker field %zu shares a %d-byte block with mutator field %zu\n", i, TC__LINE, j);
                fail();
            }
    tc_heap_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_barrier_buffer_is_faulted_in), /* first, on a fresh arena */
        cmocka_unit_test(test_start_handshake_reads_roots_only),
        cmocka_unit_test(test_marker_marks_and_sweeps),
        cmocka_unit_test(test_verify_as_handshake),
        cmocka_unit_test(test_one_cpu_runs_incremental_cycles),
        cmocka_unit_test(test_a_full_buffer_is_flushed),
        cmocka_unit_test(test_pending_tests_into_a_full_buffer),
        cmocka_unit_test(test_mode_switches_between_cycles),
        cmocka_unit_test(test_assists_wait_only_past_the_wait_ceiling),
        cmocka_unit_test(test_a_waiting_mutator_asks_again),
        cmocka_unit_test(test_gc_cpu_leaves_out_the_naps_for_the_marker),
        cmocka_unit_test(test_assists_pay_one_budget_below_the_ceiling),
        cmocka_unit_test(test_concurrent_guard_holds_to_the_wait_ceiling),
        cmocka_unit_test(test_cpu_cap_charges_every_slice),
        cmocka_unit_test(test_idle_marking_steps_aside_for_the_refill),
        cmocka_unit_test(test_budget_ends_when_asked_aside),
        cmocka_unit_test(test_idle_wait_follows_the_forecast),
        cmocka_unit_test(test_cycle_end_forecasts_the_next_start),
        cmocka_unit_test(test_termination_handshake_does_not_sweep),
        cmocka_unit_test(test_adoption_sweeps_no_page),
        cmocka_unit_test(test_adoption_is_no_speed_sample),
        cmocka_unit_test(test_marker_sweeps_large_objects),
        cmocka_unit_test(test_sweep_list_grows_outside_the_handshake),
        cmocka_unit_test(test_unfinished_handshake_hands_marking_back),
        cmocka_unit_test(test_a_pending_barrier_test_runs_before_termination),
        cmocka_unit_test(test_the_allocation_goes_before_the_termination_handshake),
        cmocka_unit_test(test_an_allocation_after_the_cycle_start),
        cmocka_unit_test(test_an_allocation_that_makes_room_checks_later),
        cmocka_unit_test(test_marker_and_mutator_write_different_lines),
        cmocka_unit_test(test_start_handshake_buffers_the_roots),
        cmocka_unit_test(test_start_handshake_buffers_the_roots_after_many_entries),
    };
    return cmocka_run_group_tests_name("concurrent", tests, NULL, NULL);
}
